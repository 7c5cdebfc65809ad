#!/bin/sh
# check_tls_harness.sh - self-test of tests/harness/tls.sh (the PKI and
# OpenSSL's s_server/s_client for the Schannel tests).
#
#   1. tls_make_pki in a fresh temporary directory, then again (a no-op);
#      each certificate checked for what it is meant to be with `openssl
#      verify`, `x509 -checkend/-checkhost/-checkip`, `pkcs12`, and the
#      trust file, hash directories and CRL set-ups.
#   2. tls_server_start localhost (-rev): a TLS 1.3 and a TLS 1.2 line
#      round trip with tls_client_run, CR/LF and partial lines, "CLOSE",
#      the RSA certificate with an RSA key exchange suite, a required
#      client certificate (given and missing), -quiet (ready by its
#      socket), SNI, another port when the bind fails.
#   3. A server for each bad certificate: s_client -verify_return_error
#      fails with the reason the certificate was made for.
#   4. --interactive servers and tls_client_start: data both ways,
#      KeyUpdate from each side (TLS 1.3), renegotiation from each side
#      (TLS 1.2), client renegotiation refused without
#      -client_renegotiation.
#   5. Everything stopped by its pid; no process of the test left.
#
# Not part of `make check`. By hand, from the source tree:
#     sh tests/harness/check_tls_harness.sh
# (or top_srcdir=/work/main sh .../check_tls_harness.sh from elsewhere).
# CHECK_TLS_KEEP=1 keeps the directory. Exit status: 0 pass, 1 a check
# failed, 99 cannot run here.
set -u
: "${top_srcdir:=${srcdir:-.}}"
top_srcdir=$(cd "$top_srcdir" && pwd)
me=check_tls_harness
pass=0
fail=0
tmp=""

missing=""
for prog in openssl ss timeout mkfifo od; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: missing:$missing" >&2
    echo "$me: apt-get install openssl iproute2 coreutils" >&2
    exit 99
fi
case $(openssl version) in
    "OpenSSL 3."*) ;;
    *) echo "$me: needs OpenSSL 3: $(openssl version)" >&2; exit 99 ;;
esac

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/procs.sh"
. "$top_srcdir/tests/harness/tls.sh"
tls_timeout=10

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_tls_harness.XXXXXX") || exit 99
pki=$tmp/pki
cleanup() {
    [ -d "$pki" ] && tls_stop_all "$pki"
    if [ -n "${CHECK_TLS_KEEP:-}" ]; then
        echo "$me: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)

# run NAME CMD...: CMD's output in $tmp/NAME.out, its status in $rc.
run() {
    rn=$1
    shift
    "$@" > "$tmp/$rn.out" 2>&1
    rc=$?
}

# wait_count FILE NEEDLE N: wait (up to 5 s) until NEEDLE is in FILE N
# times; then expect_count.
wait_count() {
    i=0
    while [ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -lt "$3" ] &&
          [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    expect_count "$(basename "$1"): $2" "$1" "$2" "$3"
}

# ------------------------------------------------------------- 1. PKI

t0=$(now_ms)
tls_make_pki "$pki"
expect_rc "tls_make_pki" $? 0 "$pki/pki.log"
t_pki=$(( $(now_ms) - t0 ))
cp "$pki/ca.pem" "$tmp/ca-first.pem"
t0=$(now_ms)
tls_make_pki "$pki"
expect_rc "tls_make_pki again" $? 0
t_pki2=$(( $(now_ms) - t0 ))
if cmp -s "$pki/ca.pem" "$tmp/ca-first.pem"; then ok; else
    bad "tls_make_pki again made a new root"
fi

for file in ca.pem ca.key inter.pem inter.key rogue-ca.pem trust.pem \
            trust-crl.pem crl.pem root-crl.pem server-chain.pem; do
    if [ -s "$pki/$file" ]; then ok; else bad "no $file"; fi
done
# (Not $n, $f: procs.sh's functions use those names.)
for name in localhost rsa-localhost expired wronghost untrusted \
            wrongusage revoked client revoked-client; do
    for file in "$name.pem" "$name.key" "$name-chain.pem" "$name.p12" \
                "$name-nopw.p12"; do
        if [ -s "$pki/$file" ]; then ok; else bad "no $file"; fi
    done
    # The key is the certificate's.
    a=$(openssl x509 -in "$pki/$name.pem" -noout -pubkey 2>&1)
    b=$(openssl pkey -in "$pki/$name.key" -pubout 2>&1)
    if [ "$a" = "$b" ]; then ok; else
        bad "$name.key is not $name.pem's key"
    fi
    # Both PKCS#12 files hold that key and certificate (and the CA).
    run p12 openssl pkcs12 -in "$pki/$name.p12" -passin pass:p12-pw -nodes
    expect_rc "$name.p12" "$rc" 0 "$tmp/p12.out"
    c=$(openssl pkey -in "$tmp/p12.out" -pubout 2>&1)
    if [ "$c" = "$b" ]; then ok; else bad "$name.p12: not the key"; fi
    expect_count "$name.p12: certificates" "$tmp/p12.out" \
        "BEGIN CERTIFICATE" 2
    run p12 openssl pkcs12 -in "$pki/$name-nopw.p12" -passin pass: -nodes
    expect_rc "$name-nopw.p12" "$rc" 0 "$tmp/p12.out"
    c=$(openssl pkey -in "$tmp/p12.out" -pubout 2>&1)
    if [ "$c" = "$b" ]; then ok; else
        bad "$name-nopw.p12: not the key"
    fi
done
run p12 openssl pkcs12 -in "$pki/localhost.p12" -passin pass:wrong -nodes
expect_rc "localhost.p12, wrong password" "$rc" 1 "$tmp/p12.out"
expect_in "localhost.p12, wrong password" "$tmp/p12.out" \
    "Mac verify error: invalid password?"

# Key types: EC P-256, and RSA 2048 for rsa-localhost.
run key openssl pkey -in "$pki/localhost.key" -noout -text
expect_in "localhost.key: P-256" "$tmp/key.out" "NIST CURVE: P-256"
run key openssl pkey -in "$pki/rsa-localhost.key" -noout -text
expect_in "rsa-localhost.key: RSA 2048" "$tmp/key.out" \
    "Private-Key: (2048 bit, 2 primes)"

# verify NAME CERT [openssl verify options]: chain verification against
# trust.pem with the intermediate offered as untrusted.
verify() {
    vn=$1 vc=$2
    shift 2
    run "$vn" openssl verify -CAfile "$pki/trust.pem" \
        -untrusted "$pki/inter.pem" "$@" "$pki/$vc.pem"
}

# The good ones.
verify v-localhost localhost -purpose sslserver \
    -verify_hostname localhost -verify_ip 127.0.0.1 -x509_strict
expect_rc "localhost verifies" "$rc" 0 "$tmp/v-localhost.out"
expect_in "localhost verifies" "$tmp/v-localhost.out" "localhost.pem: OK"
run v-chain openssl verify -CAfile "$pki/trust.pem" \
    -untrusted "$pki/server-chain.pem" -purpose sslserver \
    "$pki/localhost.pem"
expect_rc "localhost with server-chain.pem" "$rc" 0 "$tmp/v-chain.out"
run v-inter openssl verify -CAfile "$pki/trust.pem" "$pki/inter.pem"
expect_rc "inter.pem verifies" "$rc" 0 "$tmp/v-inter.out"
verify v-rsa rsa-localhost -purpose sslserver -verify_hostname localhost
expect_rc "rsa-localhost verifies" "$rc" 0 "$tmp/v-rsa.out"
verify v-client client -purpose sslclient
expect_rc "client verifies as a client" "$rc" 0 "$tmp/v-client.out"
run x-client openssl x509 -in "$pki/client.pem" -noout -subject
expect_in "client is alice" "$tmp/x-client.out" "CN = alice"
# (One check per x509 run: with -checkend, 3.0 prints nothing else.)
run x-host openssl x509 -in "$pki/localhost.pem" -noout \
    -checkhost localhost
expect_in "localhost: -checkhost" "$tmp/x-host.out" \
    "Hostname localhost does match certificate"
run x-host openssl x509 -in "$pki/localhost.pem" -noout \
    -checkip 127.0.0.1
expect_in "localhost: -checkip" "$tmp/x-host.out" \
    "IP 127.0.0.1 does match certificate"
run x-host openssl x509 -in "$pki/localhost.pem" -noout -checkend 86400
expect_rc "localhost: -checkend" "$rc" 0 "$tmp/x-host.out"
expect_in "localhost: -checkend" "$tmp/x-host.out" \
    "Certificate will not expire"

# expired: genuinely expired (2000-2001), otherwise good.
verify v-expired expired
expect_rc "expired fails" "$rc" 2 "$tmp/v-expired.out"
expect_in "expired fails" "$tmp/v-expired.out" "certificate has expired"
run x-expired openssl x509 -in "$pki/expired.pem" -noout -checkend 0 \
    -enddate
expect_rc "expired: -checkend 0" "$rc" 1 "$tmp/x-expired.out"
expect_in "expired: -checkend 0" "$tmp/x-expired.out" \
    "Certificate will expire"
expect_in "expired: notAfter" "$tmp/x-expired.out" \
    "notAfter=Dec 31 23:59:59 2001 GMT"

# wronghost: a good chain for other.example. (x509 -checkhost exits 0
# either way: its text is the answer.)
run x-wronghost openssl x509 -in "$pki/wronghost.pem" -noout \
    -checkhost localhost
expect_in "wronghost: -checkhost localhost" "$tmp/x-wronghost.out" \
    "Hostname localhost does NOT match certificate"
run x-wronghost2 openssl x509 -in "$pki/wronghost.pem" -noout \
    -checkhost other.example
expect_in "wronghost: -checkhost other.example" "$tmp/x-wronghost2.out" \
    "Hostname other.example does match certificate"
verify v-wronghost wronghost -purpose sslserver
expect_rc "wronghost: chain verifies" "$rc" 0 "$tmp/v-wronghost.out"
verify v-wronghost2 wronghost -verify_hostname localhost
expect_rc "wronghost: -verify_hostname localhost" "$rc" 2 \
    "$tmp/v-wronghost2.out"
expect_in "wronghost: -verify_hostname localhost" "$tmp/v-wronghost2.out" \
    "hostname mismatch"

# untrusted: not with trust.pem, with or without its root offered; good
# against its own root.
run v-untrusted openssl verify -CAfile "$pki/trust.pem" \
    "$pki/untrusted.pem"
expect_rc "untrusted fails" "$rc" 2 "$tmp/v-untrusted.out"
expect_in "untrusted fails" "$tmp/v-untrusted.out" \
    "unable to get local issuer certificate"
run v-untrusted2 openssl verify -CAfile "$pki/trust.pem" \
    -untrusted "$pki/untrusted-chain.pem" "$pki/untrusted.pem"
expect_rc "untrusted with its chain fails" "$rc" 2 "$tmp/v-untrusted2.out"
expect_in "untrusted with its chain fails" "$tmp/v-untrusted2.out" \
    "self-signed certificate in certificate chain"
run v-untrusted3 openssl verify -CAfile "$pki/rogue-ca.pem" \
    -purpose sslserver -verify_hostname localhost "$pki/untrusted.pem"
expect_rc "untrusted verifies against rogue-ca.pem" "$rc" 0 \
    "$tmp/v-untrusted3.out"

# wrongusage: clientAuth only.
verify v-wrongusage wrongusage -purpose sslserver
expect_rc "wrongusage fails as a server" "$rc" 2 "$tmp/v-wrongusage.out"
expect_in "wrongusage fails as a server" "$tmp/v-wrongusage.out" \
    "unsuitable certificate purpose"
verify v-wrongusage2 wrongusage -purpose sslclient \
    -verify_hostname localhost
expect_rc "wrongusage verifies as a client" "$rc" 0 \
    "$tmp/v-wrongusage2.out"

# revoked: good until the CRL is checked; by file, combined file, hashed
# directory.
verify v-revoked0 revoked -purpose sslserver
expect_rc "revoked without CRL check" "$rc" 0 "$tmp/v-revoked0.out"
verify v-revoked revoked -crl_check -CRLfile "$pki/crl.pem"
expect_rc "revoked: -crl_check" "$rc" 2 "$tmp/v-revoked.out"
expect_in "revoked: -crl_check" "$tmp/v-revoked.out" "certificate revoked"
verify v-revoked-client revoked-client -purpose sslclient -crl_check \
    -CRLfile "$pki/crl.pem"
expect_rc "revoked-client: -crl_check" "$rc" 2 "$tmp/v-revoked-client.out"
expect_in "revoked-client: -crl_check" "$tmp/v-revoked-client.out" \
    "certificate revoked"
run v-revoked2 openssl verify -CAfile "$pki/trust-crl.pem" \
    -untrusted "$pki/inter.pem" -crl_check_all "$pki/revoked.pem"
expect_rc "revoked: trust-crl.pem -crl_check_all" "$rc" 2 \
    "$tmp/v-revoked2.out"
expect_in "revoked: trust-crl.pem" "$tmp/v-revoked2.out" \
    "certificate revoked"
run v-revoked3 openssl verify -no-CAfile -CApath "$pki/certs-crl" \
    -untrusted "$pki/inter.pem" -crl_check "$pki/revoked.pem"
expect_rc "revoked: certs-crl/ -crl_check" "$rc" 2 "$tmp/v-revoked3.out"
expect_in "revoked: certs-crl/" "$tmp/v-revoked3.out" "certificate revoked"
run v-crl-ok openssl verify -CAfile "$pki/trust-crl.pem" \
    -untrusted "$pki/inter.pem" -crl_check_all "$pki/localhost.pem"
expect_rc "localhost: trust-crl.pem -crl_check_all" "$rc" 0 \
    "$tmp/v-crl-ok.out"
run crl openssl crl -in "$pki/crl.pem" -noout -text
expect_in "crl.pem: keyCompromise" "$tmp/crl.out" "Key Compromise"
expect_count "crl.pem: two revoked" "$tmp/crl.out" "Serial Number:" 2

# SSL_CERT_FILE and SSL_CERT_DIR (the default store of every OpenSSL
# program): nothing without them, the root with either.
run env-none env SSL_CERT_FILE=/nonexistent SSL_CERT_DIR=/nonexistent \
    openssl verify -untrusted "$pki/inter.pem" "$pki/localhost.pem"
expect_rc "no SSL_CERT_FILE/DIR: fails" "$rc" 2 "$tmp/env-none.out"
run env-file env SSL_CERT_FILE="$pki/trust.pem" SSL_CERT_DIR=/nonexistent \
    openssl verify -untrusted "$pki/inter.pem" "$pki/localhost.pem"
expect_rc "SSL_CERT_FILE=trust.pem" "$rc" 0 "$tmp/env-file.out"
run env-dir env SSL_CERT_FILE=/nonexistent SSL_CERT_DIR="$pki/certs" \
    openssl verify -untrusted "$pki/inter.pem" "$pki/localhost.pem"
expect_rc "SSL_CERT_DIR=certs/" "$rc" 0 "$tmp/env-dir.out"
if [ "$(ls "$pki/certs")" = \
     "$(openssl x509 -in "$pki/ca.pem" -noout -hash).0" ]; then ok; else
    bad "certs/ is not the root alone: $(ls "$pki/certs")"
fi

# ------------------------------------------------ 2. s_server -rev

t0=$(now_ms)
tls_server_start "$pki" localhost
expect_rc "tls_server_start localhost" $? 0 "$pki/localhost.log"
t_srv=$(( $(now_ms) - t0 ))
addr=$(tls_server_address "$pki" localhost)
port=${addr#127.0.0.1:}
if [ "$port" -ge 20000 ] && [ "$port" -le 31999 ]; then ok; else
    bad "port $port out of range"
fi
spid=$(cat "$pki/localhost.pid")
if [ "$(ps -o comm= -p "$spid")" = openssl ]; then ok; else
    bad "localhost.pid is not s_server's pid: $(ps -o args= -p "$spid")"
fi
tls_server_start "$pki" localhost 2>/dev/null
expect_rc "a second tls_server_start localhost" $? 1

t0=$(now_ms)
tls_client_run "$pki" --text "hello sspigss" --until "ssgipss olleh" \
    --out "$tmp/c13.out" -tls1_3 -verify_return_error \
    -verify_hostname localhost "$addr"
expect_rc "TLS 1.3 round trip" $? 0 "$tmp/c13.out" "$pki/localhost.log"
t_c13=$(( $(now_ms) - t0 ))
expect_in "TLS 1.3: reversed" "$tmp/c13.out" "ssgipss olleh"
expect_in "TLS 1.3: version" "$tmp/c13.out" "New, TLSv1.3, Cipher is"
expect_in "TLS 1.3: verified" "$tmp/c13.out" "Verify return code: 0 (ok)"
expect_in "TLS 1.3: chain sent" "$tmp/c13.out" \
    "1 s:O = sspigss test, CN = sspigss test intermediate CA"
expect_in "TLS 1.3: server log" "$pki/localhost.log" \
    "Protocol version: TLSv1.3"

tls_client_run "$pki" --text "hello TLS 1.2" --until "2.1 SLT olleh" \
    --out "$tmp/c12.out" -tls1_2 -verify_return_error \
    -verify_hostname localhost "$addr"
expect_rc "TLS 1.2 round trip" $? 0 "$tmp/c12.out" "$pki/localhost.log"
expect_in "TLS 1.2: reversed" "$tmp/c12.out" "2.1 SLT olleh"
expect_in "TLS 1.2: version" "$tmp/c12.out" \
    "New, TLSv1.2, Cipher is ECDHE-ECDSA-"
expect_in "TLS 1.2: server log" "$pki/localhost.log" \
    "Protocol version: TLSv1.2"

# -rev: trailing CR and LF dropped, "\n" added; a partial line is never
# answered; lines that start with a command letter are data here
# (-nocommands).
printf 'one\r\nk\nQuit\nRene\npartial' > "$tmp/lines.in"
tls_client_run "$pki" --in "$tmp/lines.in" --until "eneR" \
    --out "$tmp/lines.out" "$addr"
expect_rc "lines" $? 0 "$tmp/lines.out"
printf 'eno\nk\ntiuQ\neneR\n' > "$tmp/lines.want"
grep -x -e eno -e tiuQ -e eneR -e k -e laitrap "$tmp/lines.out" \
    > "$tmp/lines.got"
if cmp -s "$tmp/lines.want" "$tmp/lines.got"; then ok; else
    bad "-rev lines" "$tmp/lines.got" "$tmp/lines.out"
fi
# (k came back as k: same either way; it did not make a KeyUpdate.)
expect_not_in "lines: no KeyUpdate" "$tmp/lines.out" "KEYUPDATE"

# "CLOSE": the server closes; with -ign_eof the client waits for that.
tls_client_run "$pki" --text "CLOSE" --out "$tmp/close.out" -ign_eof "$addr"
expect_rc "CLOSE" $? 0 "$tmp/close.out"
expect_in "CLOSE: server log" "$pki/localhost.log" "CONNECTION CLOSED"

# The RSA certificate with an RSA key exchange suite.
tls_server_start "$pki" rsa-localhost -tls1_2
expect_rc "tls_server_start rsa-localhost" $? 0 "$pki/rsa-localhost.log"
tls_client_run "$pki" --text "rsa" --until "asr" --out "$tmp/rsa.out" \
    -cipher AES128-GCM-SHA256 -verify_return_error \
    "$(tls_server_address "$pki" rsa-localhost)"
expect_rc "RSA key exchange" $? 0 "$tmp/rsa.out" "$pki/rsa-localhost.log"
expect_in "RSA key exchange: suite" "$tmp/rsa.out" \
    "New, TLSv1.2, Cipher is AES128-GCM-SHA256"
expect_in "RSA key exchange: key" "$tmp/rsa.out" \
    "Server public key is 2048 bit"
tls_server_stop "$pki" rsa-localhost

# A required client certificate: alice's (with its chain) passes; none
# fails (TLS 1.3: the client learns it from the alert after its
# Finished).
tls_server_start "$pki" localhost@mtls -Verify 1 -verify_return_error
expect_rc "tls_server_start localhost@mtls" $? 0 "$pki/localhost@mtls.log"
maddr=$(tls_server_address "$pki" localhost@mtls)
tls_client_run "$pki" --text "alice" --until "ecila" --out "$tmp/mtls.out" \
    -cert "$pki/client.pem" -key "$pki/client.key" \
    -cert_chain "$pki/inter.pem" "$maddr"
expect_rc "client certificate" $? 0 "$tmp/mtls.out" "$pki/localhost@mtls.log"
expect_in "client certificate: server saw alice" "$pki/localhost@mtls.log" \
    "Peer certificate: O = sspigss test, OU = client, CN = alice"
expect_in "client certificate: verified" "$pki/localhost@mtls.log" \
    "Verification: OK"
tls_client_run "$pki" --text "nobody" --until "ydobon" \
    --out "$tmp/nocert.out" "$maddr"
expect_rc "no client certificate" $? 1 "$tmp/nocert.out"
expect_in "no client certificate: alert" "$tmp/nocert.out" \
    "alert certificate required"
expect_in "no client certificate: server log" "$pki/localhost@mtls.log" \
    "peer did not return a certificate"
tls_server_stop "$pki" localhost@mtls

# -quiet prints no ACCEPT: ready by its listening socket.
tls_server_start "$pki" localhost@quiet -quiet
expect_rc "tls_server_start -quiet" $? 0 "$pki/localhost@quiet.log"
tls_client_run "$pki" --text "quiet" --until "teiuq" --out "$tmp/quiet.out" \
    "$(tls_server_address "$pki" localhost@quiet)"
expect_rc "-quiet round trip" $? 0 "$tmp/quiet.out"
tls_server_stop "$pki" localhost@quiet

# SNI only with -servername; -rev does not read stdin (a "Q" there is
# not a command).
tls_server_start "$pki" localhost@sni -tlsextdebug
expect_rc "tls_server_start -tlsextdebug" $? 0 "$pki/localhost@sni.log"
saddr=$(tls_server_address "$pki" localhost@sni)
tls_client_run "$pki" --out "$tmp/sni0.out" "$saddr"
expect_rc "no -servername" $? 0 "$tmp/sni0.out"
expect_not_in "no -servername: no SNI" "$pki/localhost@sni.log" \
    'TLS client extension "server name"'
tls_client_run "$pki" --out "$tmp/sni1.out" -servername localhost "$saddr"
expect_rc "-servername localhost" $? 0 "$tmp/sni1.out"
expect_count "-servername localhost: SNI" "$pki/localhost@sni.log" \
    'TLS client extension "server name"' 1
tls_server_send "$pki" localhost@sni Q
expect_rc "tls_server_send to -rev" $? 0
sleep 0.2
if tls_running "$pki" localhost@sni; then ok; else
    bad "-rev server took Q from stdin" "$pki/localhost@sni.log"
fi
tls_server_stop "$pki" localhost@sni

# The bind fails (the port is localhost's): another port is taken.
# (kdc_free_port runs in $(...): its state is a file.)
busy_port=$port
kdc_free_port() {
    if [ ! -f "$tmp/busy-port-used" ]; then
        : > "$tmp/busy-port-used"
        echo "$busy_port"
    else
        echo $(( ( $(od -An -N2 -tu2 /dev/urandom) % 12000 ) + 20000 ))
    fi
}
tls_server_start "$pki" localhost@retry
expect_rc "tls_server_start, first port busy" $? 0 "$pki/localhost@retry.log"
. "$top_srcdir/tests/harness/kdc.sh"  # the real kdc_free_port again
raddr=$(tls_server_address "$pki" localhost@retry)
if [ "$raddr" != "$addr" ]; then ok; else bad "retry: same port $addr"; fi
expect_in "retry: the first bind failed" "$pki/localhost@retry.log" \
    "Address already in use"
tls_client_run "$pki" --text "retry" --until "yrter" \
    --out "$tmp/retry.out" "$raddr"
expect_rc "retry: round trip" $? 0 "$tmp/retry.out"
tls_server_stop "$pki" localhost@retry

# ------------------------------------------ 3. the bad certificates

# bad_server NAME REASON [s_client options]: s_client refuses NAME's
# server for REASON.
bad_server() {
    bsn=$1 br=$2
    shift 2
    tls_server_start "$pki" "$bsn"
    expect_rc "tls_server_start $bsn" $? 0 "$pki/$bsn.log"
    tls_client_run "$pki" --out "$tmp/bad-$bsn.out" -verify_return_error \
        -verify_hostname localhost "$@" "$(tls_server_address "$pki" "$bsn")"
    expect_rc "$bsn: s_client" $? 1 "$tmp/bad-$bsn.out"
    expect_in "$bsn: reason" "$tmp/bad-$bsn.out" "$br"
    expect_in "$bsn: handshake refused" "$tmp/bad-$bsn.out" \
        "certificate verify failed"
    expect_in "$bsn: server saw the alert" "$pki/$bsn.log" "CONNECTION FAILURE"
    # Without -verify_return_error the session works (a "verify error"
    # is printed): the server itself is good.
    tls_client_run "$pki" --text "good server" --until "revres doog" \
        --out "$tmp/soft-$bsn.out" -verify_hostname localhost "$@" \
        "$(tls_server_address "$pki" "$bsn")"
    expect_rc "$bsn: s_client without -verify_return_error" $? 0 \
        "$tmp/soft-$bsn.out"
    tls_server_stop "$pki" "$bsn"
}
bad_server expired "verify error:num=10:certificate has expired"
bad_server wronghost "verify error:num=62:hostname mismatch"
bad_server untrusted \
    "verify error:num=19:self-signed certificate in certificate chain"
bad_server wrongusage "verify error:num=26:unsuitable certificate purpose"
bad_server revoked "verify error:num=23:certificate revoked" \
    -CAfile "$pki/trust-crl.pem" -crl_check_all

# ------------------------------- 4. --interactive: KeyUpdate, renegotiation

# TLS 1.3: data both ways, KeyUpdate from each side, data again.
tls_server_start "$pki" localhost@i13 --interactive -tls1_3 -msg
expect_rc "tls_server_start --interactive" $? 0 "$pki/localhost@i13.log"
slog=$pki/localhost@i13.log
tls_client_start "$pki" k13 -msg -brief \
    "$(tls_server_address "$pki" localhost@i13)"
expect_rc "tls_client_start" $? 0 "$pki/k13.out"
cout=$pki/k13.out
tls_client_send "$pki" k13 "hello from the client"
tls_wait_for "$slog" "hello from the client" 5
expect_in "client -> server" "$slog" "hello from the client"
tls_server_send "$pki" localhost@i13 "hello from the server"
tls_wait_for "$cout" "hello from the server" 5
expect_in "server -> client" "$cout" "hello from the server"
# Server "k": one KeyUpdate to the client.
tls_server_send "$pki" localhost@i13 k
wait_count "$cout" "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 1
# Client "k": the client sends one at once ("KEYUPDATE").
tls_client_send "$pki" k13 k
wait_count "$slog" "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 1
expect_count "client k: KEYUPDATE" "$cout" "KEYUPDATE" 1
# Client "K": update_requested; the server answers with its next write.
tls_client_send "$pki" k13 K
wait_count "$slog" "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 2
expect_count "server: its own k only" "$slog" \
    ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" 1
tls_server_send "$pki" localhost@i13 "after the client's K"
tls_wait_for "$cout" "after the client's K" 5
expect_count "server answered K with its write" "$slog" \
    ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" 2
expect_count "client got the answer" "$cout" \
    "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 2
# Server "K": the client answers with its next write.
tls_server_send "$pki" localhost@i13 K
wait_count "$cout" "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 3
tls_client_send "$pki" k13 "after the server's K"
tls_wait_for "$slog" "after the server's K" 5
expect_in "client -> server after KeyUpdates" "$slog" "after the server's K"
expect_count "client answered K" "$cout" \
    ">>> TLS 1.3, Handshake [length 0005], KeyUpdate" 3
expect_count "server: SSL_do_handshake" "$slog" "SSL_do_handshake -> 1" 2
# "Q" ends the client; the server goes on.
tls_client_send "$pki" k13 Q
tls_client_wait "$pki" k13 5
expect_rc "client Q" "$tls_rc" 0 "$cout"
expect_in "client Q: DONE" "$cout" "DONE"
if tls_running "$pki" localhost@i13; then ok; else
    bad "server ended with its client" "$slog"
fi
tls_server_stop "$pki" localhost@i13

# TLS 1.2: renegotiation from the client (allowed by
# -client_renegotiation) and from the server, then data.
tls_server_start "$pki" localhost@i12 --interactive -tls1_2 \
    -client_renegotiation
expect_rc "tls_server_start -tls1_2" $? 0 "$pki/localhost@i12.log"
slog=$pki/localhost@i12.log
tls_client_start "$pki" k12 -msg -brief \
    "$(tls_server_address "$pki" localhost@i12)"
expect_rc "tls_client_start TLS 1.2" $? 0 "$pki/k12.out"
cout=$pki/k12.out
tls_client_send "$pki" k12 R
wait_count "$cout" "<<< TLS 1.2, Handshake [length 0010], Finished" 2
expect_count "client R: RENEGOTIATING" "$cout" "RENEGOTIATING" 1
expect_count "client R: a second ClientHello" "$cout" \
    ", ClientHello" 2
tls_server_send "$pki" localhost@i12 r
wait_count "$cout" "<<< TLS 1.2, Handshake [length 0004], HelloRequest" 1
wait_count "$cout" "<<< TLS 1.2, Handshake [length 0010], Finished" 3
tls_client_send "$pki" k12 "after renegotiation"
tls_wait_for "$slog" "after renegotiation" 5
expect_in "client -> server after renegotiation" "$slog" \
    "after renegotiation"
tls_server_send "$pki" localhost@i12 "server after renegotiation"
tls_wait_for "$cout" "server after renegotiation" 5
expect_in "server -> client after renegotiation" "$cout" \
    "server after renegotiation"
tls_client_send "$pki" k12 Q
tls_client_wait "$pki" k12 5
expect_rc "client Q (TLS 1.2)" "$tls_rc" 0 "$cout"
tls_server_stop "$pki" localhost@i12

# Without -client_renegotiation OpenSSL 3.0 refuses the client's.
tls_server_start "$pki" localhost@noreneg --interactive -tls1_2
expect_rc "tls_server_start (no client renegotiation)" $? 0 \
    "$pki/localhost@noreneg.log"
tls_client_start "$pki" kn -brief \
    "$(tls_server_address "$pki" localhost@noreneg)"
expect_rc "tls_client_start (no client renegotiation)" $? 0 "$pki/kn.out"
tls_client_send "$pki" kn R
tls_client_wait "$pki" kn 5
expect_rc "client R refused" "$tls_rc" 1 "$pki/kn.out"
expect_in "client R refused: reason" "$pki/kn.out" "no renegotiation"
tls_server_stop "$pki" localhost@noreneg

# ------------------------------------------------------- 5. stopped

tls_server_stop "$pki" localhost
if kill -0 "$spid" 2>/dev/null; then bad "s_server $spid still runs"; else
    ok
fi
expect_rc "localhost: ended by SIGTERM" "$(cat "$pki/localhost.rc")" 143
tls_stop_all "$pki"
left=$(pgrep -af -- "$pki")
if [ -z "$left" ]; then ok; else bad "left running: $left"; fi
if ls "$pki"/*.pid >/dev/null 2>&1; then
    bad "pid files left: $(ls "$pki"/*.pid)"
else
    ok
fi

t_all=$(( $(now_ms) - t_start ))
echo "$me: tls_make_pki ${t_pki} ms (again: ${t_pki2} ms)," \
     "s_server start ${t_srv} ms, one TLS 1.3 round trip ${t_c13} ms," \
     "all ${t_all} ms"
echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
