#!/bin/sh
# tls.sh - a throwaway PKI and OpenSSL 3.0's s_server/s_client on loopback,
# the peers of the Schannel tests (sourced; not run). Needs kdc.sh's
# kdc_free_port: source tests/harness/kdc.sh first.
#
#   . tests/harness/kdc.sh
#   . tests/harness/tls.sh
#
#   tls_make_pki DIR                 the PKI below, in DIR (openssl CLI only)
#   tls_server_start DIR NAME [--interactive] [s_server options...]
#                                    s_server with certificate NAME on
#                                    127.0.0.1, waited for until it listens
#   tls_server_address DIR NAME      prints 127.0.0.1:PORT of that server
#   tls_server_send DIR NAME TEXT    one line to its stdin (data, or a
#                                    command letter in --interactive mode)
#   tls_server_stop DIR NAME         stop it by its pid (and only it)
#   tls_client_run DIR [--in FILE | --text TEXT] [--until TEXT]
#                  [--out FILE] [--timeout SECS] [s_client options...] ADDRESS
#                                    one s_client run, in the foreground
#   tls_client_start DIR NAME [s_client options...] ADDRESS
#                                    s_client in the background, stdin from
#                                    a FIFO, waited for until connected
#   tls_client_send DIR NAME TEXT    one line to its stdin (data or command)
#   tls_client_wait DIR NAME SECS    wait for it to exit (stop it after SECS)
#   tls_client_stop DIR NAME         stop it by its pid
#   tls_wait_for FILE TEXT [SECS]    wait until TEXT is in FILE
#   tls_stop_all DIR                 stop every process these started in DIR
#
# ---- The PKI (tls_make_pki DIR). EC P-256 keys (rsa-localhost: RSA 2048),
# SHA-256 signatures, made by `openssl req`/`ca`/`pkcs12` from DIR/pki.cnf
# with OPENSSL_CONF pointing at it (the system's openssl.cnf is not read).
#
#   ca.pem ca.key          root CA "sspigss test root CA" (10 years)
#   inter.pem inter.key    intermediate CA, signed by the root (pathlen 0)
#   rogue-ca.pem .key      a second root, "sspigss untrusted root CA", in
#                          no trust file
#   trust.pem              the root only: -CAfile, SSL_CERT_FILE
#   certs/                 the root as HASH.0: -CApath, SSL_CERT_DIR
#   crl.pem                the intermediate's CRL (revoked.pem and
#                          revoked-client.pem revoked, keyCompromise);
#                          root-crl.pem: the root's (empty)
#   trust-crl.pem          ca.pem + crl.pem + root-crl.pem: -CAfile with
#                          -crl_check or -crl_check_all
#   certs-crl/             the same as HASH.0 and HASH.r0: -CApath with
#                          -crl_check(_all)
#
# End-entity certificates, NAME.pem with key NAME.key (PKCS#8, no
# passphrase), NAME-chain.pem (NAME.pem + its issuing CA), NAME.p12
# (key, certificate and issuing CA; password "p12-pw") and NAME-nopw.p12
# (the same with the empty password ""; OpenSSL and Windows read it with a
# NULL or empty password). Subjects are "O=sspigss test, OU=NAME, CN=..."
# so that a peer's log shows which one it saw. Issued by the intermediate
# unless said otherwise; valid for a year from now unless said otherwise.
#
#   localhost      CN localhost, SAN DNS:localhost IP:127.0.0.1, EKU
#                  serverAuth: the good server certificate.
#                  server-chain.pem = localhost-chain.pem
#   rsa-localhost  the same with an RSA 2048 key (keyUsage also
#                  keyEncipherment): TLS 1.2 RSA key exchange suites
#   expired        as localhost, valid 2000-01-01 to 2001-12-31
#   wronghost      CN and SAN DNS:other.example only
#   untrusted      as localhost, issued by rogue-ca (NAME-chain.pem and
#                  the server send the rogue root along)
#   wrongusage     as localhost, EKU clientAuth only
#   revoked        as localhost, revoked in crl.pem
#   client         CN alice, EKU clientAuth: a client certificate
#   revoked-client CN mallory, as client, revoked in crl.pem
#
# Idempotent: a second call on a complete DIR returns at once (DIR/pki.done
# names the recipe; a DIR whose localhost.pem expires within a day is made
# again). Nothing is written outside DIR. About a second on one core.
#
# ---- Servers (tls_server_start DIR NAME [--interactive] [options...]).
# NAME is a certificate name above, optionally followed by @TAG to run
# several servers with one certificate ("localhost@tls12"). The server is
# `openssl s_server -accept 127.0.0.1:PORT -cert DIR/CERT.pem -key
# DIR/CERT.key -cert_chain ISSUER -CAfile DIR/trust.pem [-rev] OPTIONS`:
# options come last and so override those defaults (-cert, -CAfile, ...).
# Files: DIR/NAME.port, NAME.pid (s_server's own pid), NAME.log (its
# stdout and stderr), NAME.in (the FIFO that is its stdin), NAME.rc (its
# exit status, once it has ended). Ports 20000-31999 (kdc_free_port),
# another one when the bind fails. It serves connection after connection
# until stopped (or -naccept N).
#
# Modes. By default -rev (unless OPTIONS name -rev, -www, -WWW or -HTTP):
#   - each line the client sends comes back reversed: the bytes before the
#     newline, with every trailing CR and LF removed, reversed, plus "\n"
#     ("abc\r\n" -> "cba\n"). Only whole lines: a partial line is answered
#     when its newline arrives, never if the client ends first.
#   - the line "CLOSE" makes the server close the connection (close_notify)
#     and log "CONNECTION CLOSED" -- except with -ign_eof, which turns
#     that off (-quiet does not).
#   - -rev implies -brief: the log shows "CONNECTION ESTABLISHED",
#     "Protocol version: TLSv1.3", "Ciphersuite: ...", "Peer certificate:
#     ..." (or "No peer certificate") for each connection.
#   - -rev never reads stdin: tls_server_send does nothing in this mode.
# --interactive (a harness option, removed from OPTIONS): no -rev.
# s_server prints the session and every byte the client sends to the log,
# and each tls_server_send line is either sent to the client or, when it
# is exactly one of these letters, a command (OpenSSL 3.0 s_server):
#   k  send a KeyUpdate (TLS 1.3)      K  KeyUpdate, update_requested
#   r  renegotiate: HelloRequest       R  the same, asking for a client
#      (TLS 1.2 and below)                certificate
#   c  CertificateRequest (TLS 1.3 post-handshake auth; the client
#      needs -enable_pha)
#   q  end this connection (the TCP socket only, no close_notify: the
#      client fails with "unexpected eof while reading")
#   Q  the same, and s_server exits (status 0)
#   P  plain text down the TCP stream (the client must fail)
# Commands work only without -brief and -quiet (either makes these letters
# data). k/K/r print "SSL_do_handshake -> 1" to the log; k/K under TLS
# 1.2 and r/R under TLS 1.3 log "ERROR" and the reason ("wrong ssl
# version"), and the connection goes on.
#
# OpenSSL 3.0's s_server refuses client-initiated renegotiation (a
# no_renegotiation warning alert, the client fails) unless started with
# -client_renegotiation. Client certificates: -verify N (ask) or -Verify N
# (require); a certificate that fails verification is accepted anyway
# unless -verify_return_error is given too.
#
# ---- Clients. tls_client_run runs `timeout SECS openssl s_client
# -connect ADDRESS -CAfile DIR/trust.pem -nocommands OPTIONS` with stdin
# from FILE (--in), or TEXT and a newline (--text), or nothing; output
# (stdout and stderr) in FILE (--out; default DIR/s_client.out); exit
# status in $tls_rc and as its own (124 when SECS, default 30, ran out).
# s_client closes the connection at the end of its input, often before
# the server's answer has arrived: --until TEXT keeps its stdin open until
# TEXT is in the output (or s_client has exited, or SECS ran out), so
# "--text hello --until olleh" is a complete round trip with a -rev
# server. Verification failures are not fatal unless OPTIONS say
# -verify_return_error; -verify_hostname localhost checks the name;
# SNI is sent only with -servername NAME (s_client 3.0 derives none from
# "127.0.0.1" or "localhost").
#
# tls_client_start DIR NAME OPTIONS ADDRESS runs `openssl s_client -connect
# ADDRESS -CAfile DIR/trust.pem OPTIONS` in the background: DIR/NAME.in
# (FIFO, its stdin), NAME.out, NAME.pid, NAME.rc as for servers. It
# returns once the handshake is done (0) or s_client has ended (1). Lines
# sent with tls_client_send are data, except lines that START with
# (OpenSSL 3.0 s_client; not with -quiet, -ign_eof or -nocommands):
#   Q  end the connection and exit     R  renegotiate (TLS 1.2 and below)
#   k  send a KeyUpdate (TLS 1.3)      K  KeyUpdate, update_requested
# ("Rhubarb" renegotiates too). k and K print "KEYUPDATE", R prints
# "RENEGOTIATING"; k/K under TLS 1.2 and R under TLS 1.3 make s_client
# exit with status 1 ("wrong ssl version"). A requested KeyUpdate is
# answered with the peer's next write, not at once. Stdin never reaches
# end of file (the FIFO is held open), so the client runs until "Q", the
# server closes, or tls_client_stop. -msg shows each handshake message
# (">>> TLS 1.3, Handshake [length 0005], KeyUpdate", "<<< ... Finished",
# "... HelloRequest"): count them to see a KeyUpdate or renegotiation.
#
# FIFOs are written through a read-write open, so a write never blocks,
# even when the reader has gone. The functions work under set -u and set
# -e; those that report a status (tls_client_run, tls_client_wait,
# tls_wait_for, tls_running) return it, so call them in a test (if, ||)
# under set -e.

tls_timeout=${tls_timeout:-30}
tls_pki_recipe="sspigss tls.sh pki 2"

# tls_make_pki DIR: the PKI above.
tls_make_pki() {
    mkdir -p "$1" || return 1
    _tp_dir=$(cd "$1" && pwd) || return 1
    if [ -f "$_tp_dir/pki.done" ] &&
       [ "$(cat "$_tp_dir/pki.done")" = "$tls_pki_recipe" ] &&
       openssl x509 -in "$_tp_dir/localhost.pem" -noout -checkend 86400 \
           >/dev/null 2>&1; then
        return 0
    fi
    rm -f "$_tp_dir/pki.done"
    (
        tls_pki_build "$_tp_dir"
    ) > "$_tp_dir/pki.log" 2>&1 || {
        echo "tls: making the PKI in $_tp_dir failed:" >&2
        tail -n 20 "$_tp_dir/pki.log" >&2
        return 1
    }
    echo "$tls_pki_recipe" > "$_tp_dir/pki.done"
}

# tls_pki_build DIR: the work of tls_make_pki, in a subshell of its own
# (OPENSSL_CONF). Every step is checked: set -e would be off here, in the
# left-hand side of tls_make_pki's ||.
tls_pki_build() {
    d=$1
    OPENSSL_CONF=$d/pki.cnf
    export OPENSSL_CONF
    for ca in root inter rogue; do
        rm -rf "$d/db-$ca" &&
        mkdir -p "$d/db-$ca/new" &&
        : > "$d/db-$ca/index.txt" &&
        echo 1000 > "$d/db-$ca/crlnumber" || return 1
    done
    tls_pki_write_cnf "$d" || return 1

    # Roots: self-signed. The intermediate: signed by the root.
    tls_pki_key "$d/ca.key" ec &&
    openssl req -new -x509 -key "$d/ca.key" -out "$d/ca.pem" -days 3650 \
        -subj "/O=sspigss test/CN=sspigss test root CA" \
        -extensions ext_root -set_serial "0x$(openssl rand -hex 8)" &&
    tls_pki_key "$d/rogue-ca.key" ec &&
    openssl req -new -x509 -key "$d/rogue-ca.key" -out "$d/rogue-ca.pem" \
        -days 3650 -subj "/O=sspigss rogue/CN=sspigss untrusted root CA" \
        -extensions ext_root -set_serial "0x$(openssl rand -hex 8)" &&
    tls_pki_key "$d/inter.key" ec &&
    openssl req -new -key "$d/inter.key" -out "$d/inter.csr" \
        -subj "/O=sspigss test/CN=sspigss test intermediate CA" &&
    openssl ca -batch -notext -name ca_root -in "$d/inter.csr" \
        -out "$d/inter.pem" -extensions ext_inter -days 3650 || return 1

    #           name          key issuer extensions  CN
    tls_pki_ee "$d" localhost     ec  inter ext_server  localhost &&
    tls_pki_ee "$d" rsa-localhost rsa inter ext_server_rsa localhost &&
    tls_pki_ee "$d" expired       ec  inter ext_server  localhost \
        -startdate 20000101000000Z -enddate 20011231235959Z &&
    tls_pki_ee "$d" wronghost     ec  inter ext_wronghost other.example &&
    tls_pki_ee "$d" untrusted     ec  rogue ext_server  localhost &&
    tls_pki_ee "$d" wrongusage    ec  inter ext_clientonly localhost &&
    tls_pki_ee "$d" revoked       ec  inter ext_server  localhost &&
    tls_pki_ee "$d" client        ec  inter ext_client  alice &&
    tls_pki_ee "$d" revoked-client ec inter ext_client  mallory &&
    cp "$d/localhost-chain.pem" "$d/server-chain.pem" || return 1

    # Revoke, then the CRLs (the root's is empty, for -crl_check_all).
    openssl ca -batch -name ca_inter -revoke "$d/revoked.pem" \
        -crl_reason keyCompromise &&
    openssl ca -batch -name ca_inter -revoke "$d/revoked-client.pem" \
        -crl_reason keyCompromise &&
    openssl ca -batch -name ca_inter -gencrl -crldays 3650 \
        -out "$d/crl.pem" &&
    openssl ca -batch -name ca_root -gencrl -crldays 3650 \
        -out "$d/root-crl.pem" || return 1

    # Trust: a file and hashed directories (what `openssl rehash` makes,
    # as copies rather than links).
    cp "$d/ca.pem" "$d/trust.pem" &&
    cat "$d/ca.pem" "$d/crl.pem" "$d/root-crl.pem" > "$d/trust-crl.pem" &&
    rm -rf "$d/certs" "$d/certs-crl" &&
    mkdir "$d/certs" "$d/certs-crl" &&
    h=$(openssl x509 -in "$d/ca.pem" -noout -hash) &&
    cp "$d/ca.pem" "$d/certs/$h.0" &&
    cp "$d/ca.pem" "$d/certs-crl/$h.0" &&
    cp "$d/root-crl.pem" "$d/certs-crl/$h.r0" &&
    h=$(openssl crl -in "$d/crl.pem" -noout -hash) &&
    cp "$d/crl.pem" "$d/certs-crl/$h.r0" &&
    rm -f "$d"/*.csr
}

tls_pki_key() {  # tls_pki_key FILE ec|rsa: a new private key (PKCS#8)
    if [ "$2" = rsa ]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$1"
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -pkeyopt ec_param_enc:named_curve -out "$1"
    fi
}

# tls_pki_ee DIR NAME ec|rsa inter|rogue EXTENSIONS CN [openssl ca
# options]: NAME.key, NAME.pem, NAME-chain.pem, NAME.p12, NAME-nopw.p12.
tls_pki_ee() {
    e_d=$1 e_n=$2 e_k=$3 e_ca=$4 e_ext=$5 e_cn=$6
    shift 6
    if [ "$e_ca" = rogue ]; then
        e_o="sspigss rogue" e_issuer=$e_d/rogue-ca.pem
    else
        e_o="sspigss test" e_issuer=$e_d/inter.pem
    fi
    tls_pki_key "$e_d/$e_n.key" "$e_k" &&
    openssl req -new -key "$e_d/$e_n.key" -out "$e_d/$e_n.csr" \
        -subj "/O=$e_o/OU=$e_n/CN=$e_cn" &&
    openssl ca -batch -notext -name "ca_$e_ca" -in "$e_d/$e_n.csr" \
        -out "$e_d/$e_n.pem" -extensions "$e_ext" -days 365 "$@" &&
    cat "$e_d/$e_n.pem" "$e_issuer" > "$e_d/$e_n-chain.pem" &&
    openssl pkcs12 -export -in "$e_d/$e_n.pem" -inkey "$e_d/$e_n.key" \
        -certfile "$e_issuer" -name "$e_n" -passout pass:p12-pw \
        -out "$e_d/$e_n.p12" &&
    openssl pkcs12 -export -in "$e_d/$e_n.pem" -inkey "$e_d/$e_n.key" \
        -certfile "$e_issuer" -name "$e_n" -passout pass: \
        -out "$e_d/$e_n-nopw.p12"
}

tls_pki_write_cnf() {  # tls_pki_write_cnf DIR: DIR/pki.cnf
    {
        for ca in root inter rogue; do
            case $ca in
                root) crt=ca ;;
                inter) crt=inter ;;
                rogue) crt=rogue-ca ;;
            esac
            cat <<CNF
[ ca_$ca ]
dir = $1/db-$ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
crlnumber = \$dir/crlnumber
rand_serial = yes
certificate = $1/$crt.pem
private_key = $1/$crt.key
default_md = sha256
default_crl_days = 3650
policy = policy_any
unique_subject = no
email_in_dn = no
preserve = yes
copy_extensions = none
crl_extensions = ext_crl

CNF
        done
        cat <<'CNF'
[ policy_any ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no
string_mask = utf8only

[ req_dn ]
CN = unused

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_server_rsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_wronghost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_clientonly ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_crl ]
authorityKeyIdentifier = keyid:always
CNF
    } > "$1/pki.cnf"
}

# ------------------------------------------------------------ processes

# tls_spawn DIR NAME CMD...: CMD in the background with stdin from the
# FIFO DIR/NAME.in and output appended to DIR/NAME.OUT ($tls_spawn_out:
# log or out); its own pid in NAME.pid, its exit status in NAME.rc.
tls_spawn() {
    _tw_dir=$1 _tw_name=$2
    shift 2
    rm -f "$_tw_dir/$_tw_name.pid" "$_tw_dir/$_tw_name.rc" \
        "$_tw_dir/$_tw_name.in"
    mkfifo "$_tw_dir/$_tw_name.in" || return 1
    (
        # Read-write: the process is a writer of its own stdin, so it
        # never sees end of file (s_server would exit on it).
        "$@" <>"$_tw_dir/$_tw_name.in" \
            >>"$_tw_dir/$_tw_name.$tls_spawn_out" 2>&1 &
        echo $! > "$_tw_dir/$_tw_name.pid.new"
        mv "$_tw_dir/$_tw_name.pid.new" "$_tw_dir/$_tw_name.pid"
        _tw_rc=0
        wait $! || _tw_rc=$?
        # Written whole, then renamed: readers never see it empty.
        echo "$_tw_rc" > "$_tw_dir/$_tw_name.rc.new"
        mv "$_tw_dir/$_tw_name.rc.new" "$_tw_dir/$_tw_name.rc"
    ) </dev/null >/dev/null 2>&1 &
    _tw_i=0
    while [ ! -s "$_tw_dir/$_tw_name.pid" ] && [ $_tw_i -lt 100 ]; do
        sleep 0.05
        _tw_i=$((_tw_i + 1))
    done
    [ -s "$_tw_dir/$_tw_name.pid" ]
}

tls_running() {  # tls_running DIR NAME: started and not yet ended
    [ -s "$1/$2.pid" ] && [ ! -f "$1/$2.rc" ]
}

# tls_stop DIR NAME: stop a process tls_spawn started, by its pid, and
# wait until it has ended (SIGKILL after 5 s).
tls_stop() {
    [ -s "$1/$2.pid" ] || return 0
    _tx_pid=$(cat "$1/$2.pid")
    if [ ! -f "$1/$2.rc" ]; then
        kill "$_tx_pid" 2>/dev/null || :
        _tx_i=0
        while [ ! -f "$1/$2.rc" ] && [ $_tx_i -lt 50 ]; do
            sleep 0.1
            _tx_i=$((_tx_i + 1))
        done
        if [ ! -f "$1/$2.rc" ]; then
            kill -9 "$_tx_pid" 2>/dev/null || :
            _tx_i=0
            while [ ! -f "$1/$2.rc" ] && [ $_tx_i -lt 20 ]; do
                sleep 0.1
                _tx_i=$((_tx_i + 1))
            done
        fi
    fi
    rm -f "$1/$2.pid"
}

tls_stop_all() {  # tls_stop_all DIR: every server and client in DIR
    for _ta_pid in "$1"/*.pid; do
        [ -f "$_ta_pid" ] || continue
        _ta_name=$(basename "$_ta_pid" .pid)
        tls_stop "$1" "$_ta_name"
    done
}

tls_send() {  # tls_send DIR NAME TEXT: TEXT and a newline to NAME's stdin
    if ! tls_running "$1" "$2"; then
        echo "tls: $2 is not running" >&2
        return 1
    fi
    printf '%s\n' "$3" 1<>"$1/$2.in"
}

tls_wait_for() {  # tls_wait_for FILE TEXT [SECS]: TEXT is in FILE
    _tf_i=0
    while [ $_tf_i -lt $((${3:-$tls_timeout} * 10)) ]; do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        _tf_i=$((_tf_i + 1))
    done
    return 1
}

# --------------------------------------------------------------- server

tls_server_start() {
    _ts_dir=$1 _ts_name=$2
    shift 2
    _ts_cert=${_ts_name%%@*}
    if [ ! -f "$_ts_dir/$_ts_cert.pem" ]; then
        echo "tls: no certificate $_ts_cert in $_ts_dir" >&2
        return 1
    fi
    if tls_running "$_ts_dir" "$_ts_name"; then
        echo "tls: server $_ts_name is running; tls_server_stop it" >&2
        return 1
    fi
    # Take --interactive out of the options; -rev unless another mode.
    _ts_mode=-rev
    for _ts_a do
        shift
        case $_ts_a in
            --interactive) _ts_mode=""; continue ;;
            -rev|-www|-WWW|-HTTP) _ts_mode="" ;;
        esac
        set -- "$@" "$_ts_a"
    done
    case $_ts_cert in
        untrusted) _ts_issuer=$_ts_dir/rogue-ca.pem ;;
        *) _ts_issuer=$_ts_dir/inter.pem ;;
    esac
    tls_spawn_out=log
    : > "$_ts_dir/$_ts_name.log"
    for _ts_try in 1 2 3 4 5; do
        _ts_port=$(kdc_free_port) || {
            echo "tls: no free port" >&2
            return 1
        }
        # The log keeps failed tries; this one's starts after line N.
        _ts_from=$(($(wc -l < "$_ts_dir/$_ts_name.log") + 1))
        # shellcheck disable=SC2086 # $_ts_mode: one word or none
        tls_spawn "$_ts_dir" "$_ts_name" openssl s_server \
            -accept "127.0.0.1:$_ts_port" -cert "$_ts_dir/$_ts_cert.pem" \
            -key "$_ts_dir/$_ts_cert.key" -cert_chain "$_ts_issuer" \
            -CAfile "$_ts_dir/trust.pem" $_ts_mode "$@" || {
            echo "tls: s_server $_ts_name did not start" >&2
            return 1
        }
        _ts_pid=$(cat "$_ts_dir/$_ts_name.pid")
        _ts_i=0
        while [ $_ts_i -lt $((tls_timeout * 10)) ]; do
            # "ACCEPT" once it listens (not with -quiet: then the socket).
            if sed -n "$_ts_from,\$p" "$_ts_dir/$_ts_name.log" |
                   grep -q '^ACCEPT$' ||
               ss -Hltnp "( sport = :$_ts_port )" 2>/dev/null |
                   grep -q "pid=$_ts_pid,"; then
                echo "$_ts_port" > "$_ts_dir/$_ts_name.port"
                return 0
            fi
            [ -f "$_ts_dir/$_ts_name.rc" ] && break
            sleep 0.05
            _ts_i=$((_ts_i + 1))
        done
        if [ ! -f "$_ts_dir/$_ts_name.rc" ]; then
            echo "tls: s_server $_ts_name not ready in $tls_timeout s" >&2
            tls_stop "$_ts_dir" "$_ts_name"
            return 1
        fi
        # s_server 3.0 exits with status 0 when the bind fails.
        sed -n "$_ts_from,\$p" "$_ts_dir/$_ts_name.log" |
            grep -q "Address already in use" || break
    done
    echo "tls: s_server $_ts_name exited:" >&2
    sed -n "$_ts_from,\$p" "$_ts_dir/$_ts_name.log" | sed -n '1,30p' >&2
    return 1
}

tls_server_address() {  # tls_server_address DIR NAME: 127.0.0.1:PORT
    [ -s "$1/$2.port" ] || return 1
    echo "127.0.0.1:$(cat "$1/$2.port")"
}

tls_server_send() {  # tls_server_send DIR NAME TEXT
    tls_send "$@"
}

tls_server_stop() {  # tls_server_stop DIR NAME
    tls_stop "$@"
}

# --------------------------------------------------------------- client

tls_client_run() {
    _tc_dir=$1
    shift
    _tc_in=/dev/null _tc_text="" _tc_hastext=0 _tc_until=""
    _tc_out=$_tc_dir/s_client.out _tc_tmo=$tls_timeout
    while [ $# -gt 1 ]; do
        case $1 in
            --in) _tc_in=$2 ;;
            --text) _tc_text=$2 _tc_hastext=1 ;;
            --until) _tc_until=$2 ;;
            --out) _tc_out=$2 ;;
            --timeout) _tc_tmo=$2 ;;
            *) break ;;
        esac
        shift 2
    done
    # The last argument is the address, the others s_client's options.
    _tc_n=$# _tc_i=0 _tc_addr=""
    for _tc_a do
        shift
        _tc_i=$((_tc_i + 1))
        if [ $_tc_i -eq $_tc_n ]; then
            _tc_addr=$_tc_a
        else
            set -- "$@" "$_tc_a"
        fi
    done
    if [ -z "$_tc_addr" ]; then
        echo "tls: tls_client_run: no address" >&2
        return 2
    fi
    rm -f "$_tc_out.rc"
    : > "$_tc_out"
    {
        if [ "$_tc_hastext" = 1 ]; then
            printf '%s\n' "$_tc_text"
        else
            cat "$_tc_in"
        fi
        if [ -n "$_tc_until" ]; then
            _tc_j=0
            while [ $_tc_j -lt $((_tc_tmo * 10)) ] &&
                  [ ! -f "$_tc_out.rc" ] &&
                  ! grep -qF -- "$_tc_until" "$_tc_out"; do
                sleep 0.1
                _tc_j=$((_tc_j + 1))
            done
        fi
    } | {
        _tc_s=0
        timeout "$_tc_tmo" openssl s_client -connect "$_tc_addr" \
            -CAfile "$_tc_dir/trust.pem" -nocommands "$@" \
            > "$_tc_out" 2>&1 || _tc_s=$?
        echo "$_tc_s" > "$_tc_out.rc"
    }
    tls_rc=$(cat "$_tc_out.rc")
    rm -f "$_tc_out.rc"
    return "$tls_rc"
}

tls_client_start() {
    _tk_dir=$1 _tk_name=$2
    shift 2
    if tls_running "$_tk_dir" "$_tk_name"; then
        echo "tls: client $_tk_name is running" >&2
        return 1
    fi
    _tk_n=$# _tk_i=0 _tk_addr=""
    for _tk_a do
        shift
        _tk_i=$((_tk_i + 1))
        if [ $_tk_i -eq $_tk_n ]; then
            _tk_addr=$_tk_a
        else
            set -- "$@" "$_tk_a"
        fi
    done
    : > "$_tk_dir/$_tk_name.out"
    tls_spawn_out=out
    tls_spawn "$_tk_dir" "$_tk_name" openssl s_client -connect "$_tk_addr" \
        -CAfile "$_tk_dir/trust.pem" "$@" || return 1
    # Connected: "CONNECTION ESTABLISHED" (-brief) or the session
    # summary; or s_client has ended (a failed handshake).
    _tk_j=0
    while [ $_tk_j -lt $((tls_timeout * 10)) ]; do
        grep -qE '^(CONNECTION ESTABLISHED|SSL handshake has read)' \
            "$_tk_dir/$_tk_name.out" && return 0
        [ -f "$_tk_dir/$_tk_name.rc" ] && return 1
        sleep 0.05
        _tk_j=$((_tk_j + 1))
    done
    return 1
}

tls_client_send() {  # tls_client_send DIR NAME TEXT
    tls_send "$@"
}

# tls_client_wait DIR NAME SECS: wait for the client to exit; stop it
# after SECS. Sets tls_rc (124 when it had to be stopped) and returns it.
tls_client_wait() {
    _tv_i=0
    while [ ! -f "$1/$2.rc" ] && [ $_tv_i -lt $(($3 * 10)) ]; do
        sleep 0.1
        _tv_i=$((_tv_i + 1))
    done
    if [ -f "$1/$2.rc" ]; then
        tls_rc=$(cat "$1/$2.rc")
    else
        tls_stop "$1" "$2"
        tls_rc=124
    fi
    return "$tls_rc"
}

tls_client_stop() {  # tls_client_stop DIR NAME
    tls_stop "$@"
}
