#!/bin/sh
# check_schannel_examples.sh - examples/schannel_echo.c, a Windows-style
# Schannel client and server, builds with -Wall -Wextra -Werror against
# the public and compat headers and works unchanged against OpenSSL's
# s_server and s_client (the PKI of tests/harness/tls.sh, everything on
# 127.0.0.1):
#
#   1. the example client against `openssl s_server -rev` (each line
#      comes back reversed): TLS 1.3, TLS 1.2, TLS 1.2 asked for by the
#      client itself (SCHANNEL_CRED, package "Schannel"), a server that
#      asks for a client certificate (given from a PFX, and not given:
#      SEC_I_INCOMPLETE_CREDENTIALS), and SEC_I_RENEGOTIATE: a TLS 1.3
#      KeyUpdate that wants one back, a TLS 1.2 HelloRequest;
#   2. `openssl s_client -verify_return_error` (only the root trusted, so
#      the server must send the intermediate of its PFX) against the
#      example server (each line comes back in capitals): TLS 1.3, TLS
#      1.2, a client certificate when the server asks for one, and a
#      KeyUpdate from s_client (SEC_I_RENEGOTIATE on the server side);
#   3. the example client against the example server, with and without
#      a client certificate, and TLS 1.2 chosen by the server;
#   4. failures: a certificate for another host is SEC_E_WRONG_PRINCIPAL
#      (0x80090322), an untrusted root SEC_E_UNTRUSTED_ROOT (0x80090325),
#      and SCH_CRED_MANUAL_CRED_VALIDATION lets the client go on.
#
# With the Win64 cross compiler (MINGW_CC) the source is also built
# against Windows' headers and libraries. Each case checks what the
# programs printed, not only their status.
# Every process is stopped by its own pid; everything lives in one
# temporary directory removed on exit.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${CC:=cc}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
me=check_schannel_examples
pass=0
fail=0
bgnames=""
tmp=""
tmo=30

command -v openssl >/dev/null 2>&1 || {
    echo "$me: openssl missing; apt-get install openssl" >&2
    exit 99
}

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    [ -n "$tmp" ] && [ -d "$tmp/pki" ] && tls_stop_all "$tmp/pki"
    [ -n "$tmp" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_schannel_examples.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export ASAN_OPTIONS
. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/tls.sh"
. "$top_srcdir/tests/harness/procs.sh"

# ------------------------------------------------------------- build

prog="$tmp/schannel_echo"
# A sanitizer build's library needs its runtime in the program too.
san=${SAN_CFLAGS:-}
# shellcheck disable=SC2086
if $CC -std=c11 -Wall -Wextra -Werror $san -I"$top_srcdir/include" \
        -I"$top_srcdir/compat" -c -o "$tmp/schannel_echo.o" \
        "$top_srcdir/examples/schannel_echo.c" > "$tmp/build.out" 2>&1 &&
   "$top_builddir/libtool" --tag=CC --mode=link $CC $san -o "$prog" \
        "$tmp/schannel_echo.o" "$top_builddir/lib/libsspigss.la" \
        >> "$tmp/build.out" 2>&1; then
    ok
else
    bad "examples/schannel_echo.c does not build" "$tmp/build.out"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
# The same source is Windows code: with the Win64 cross compiler it
# builds against Windows' own headers and import libraries too.
mingw=${MINGW_CC:-}
if [ -n "$mingw" ] && command -v "$mingw" > /dev/null 2>&1; then
    if "$mingw" -std=c11 -Wall -Wextra -Werror -o "$tmp/schannel_echo.exe" \
            "$top_srcdir/examples/schannel_echo.c" -lsecur32 -lcrypt32 \
            -lws2_32 > "$tmp/build-win.out" 2>&1; then
        ok
    else
        bad "examples/schannel_echo.c does not build for Windows" \
            "$tmp/build-win.out"
    fi
else
    echo "$me: note: no Win64 cross compiler (MINGW_CC); the Windows" \
         "build is skipped"
fi
# Under the valgrind pass SSPIGSS_TEST_RUNNER is libtool + valgrind.
run=${SSPIGSS_TEST_RUNNER:-"$top_builddir/libtool --mode=execute"}
[ -n "${SSPIGSS_TEST_RUNNER:-}" ] && tmo=120
# shellcheck disable=SC2034 # read by tests/harness/tls.sh
tls_timeout=$tmo

# --------------------------------------------------------------- PKI

pki=$tmp/pki
if ! tls_make_pki "$pki"; then
    echo "$me: the PKI was not made" >&2
    echo "$me: $pass passed, 1 failed"
    exit 1
fi
# Schannel's trusted roots here: the test root only (no system CAs).
SSL_CERT_FILE=$pki/trust.pem
SSL_CERT_DIR=/nonexistent
export SSL_CERT_FILE SSL_CERT_DIR
unset SSPIGSS_CERT_STORE_MY
inter='issued by "sspigss test intermediate CA"'

# serve NAME [options]: s_server (tls_server_start); its port in $port.
serve() {
    se_name=$1
    shift
    port=""
    if tls_server_start "$pki" "$se_name" "$@" > "$tmp/serve.out" 2>&1
    then
        port=$(cat "$pki/$se_name.port")
        return 0
    fi
    bad "s_server $se_name did not start" "$tmp/serve.out" \
        "$pki/$se_name.log"
    return 1
}

# client NAME ARGS...: the example client in the foreground, output in
# $tmp/NAME.out, status in $crc.
client() {
    cl_name=$1
    shift
    # shellcheck disable=SC2086
    timeout "$tmo" $run "$prog" client "$@" > "$tmp/$cl_name.out" 2>&1 \
        < /dev/null
    crc=$?
}

# server NAME ARGS...: the example server in the background (on any
# free port), waited for until it listens; its port in $sport.
server() {
    sv_name=$1
    shift
    sport=""
    # shellcheck disable=SC2086
    bg_start "$sv_name" $run "$prog" server "$@"
    if ! bg_ready "$sv_name" "text:server: listening on"; then
        bad "$sv_name: the example server did not start" \
            "$tmp/$sv_name.out"
        return 1
    fi
    sport=$(sed -n 's/^server: listening on 127\.0\.0\.1 port //p' \
                "$tmp/$sv_name.out")
}

# server_done NAME WANT-RC: wait for the example server's end.
server_done() {
    bg_wait "$1" "$tmo"
    expect_rc "$1: server" "$bg_rc" "$2" "$tmp/$1.out"
}

# ------------------------------------------- 1. client and s_server

if serve localhost; then
    client c13 --target localhost 127.0.0.1 "$port" "hello, server" \
        "line two"
    expect_rc "1 TLS 1.3: client" "$crc" 0 "$tmp/c13.out"
    expect_in "1 TLS 1.3" "$tmp/c13.out" "client: TLS 1.3, cipher "
    expect_in "1 TLS 1.3" "$tmp/c13.out" \
        "client: server certificate \"localhost\", $inter"
    expect_in "1 TLS 1.3" "$tmp/c13.out" 'client: received "revres ,olleh"'
    expect_in "1 TLS 1.3" "$tmp/c13.out" 'client: received "owt enil"'
    expect_in "1 TLS 1.3" "$tmp/c13.out" "client: close_notify sent"

    # The client asks for TLS 1.2 itself: SCHANNEL_CRED's
    # grbitEnabledProtocols, the package by its short name.
    client c12own --schannel-cred --package Schannel --tls1.2 localhost \
        "$port" abc
    expect_rc "1 client's TLS 1.2: client" "$crc" 0 "$tmp/c12own.out"
    expect_in "1 client's TLS 1.2" "$tmp/c12own.out" "client: TLS 1.2, "
    expect_in "1 client's TLS 1.2" "$tmp/c12own.out" 'client: received "cba"'
    # The same through SCH_CREDENTIALS: TLS_PARAMETERS disabling all
    # but TLS 1.2 (grbitDisabledProtocols, as curl sets it).
    client c12v5 --tls1.2 localhost "$port" def
    expect_rc "1 client's TLS 1.2 (SCH_CREDENTIALS): client" "$crc" 0 \
        "$tmp/c12v5.out"
    expect_in "1 client's TLS 1.2 (SCH_CREDENTIALS)" "$tmp/c12v5.out" \
        "client: TLS 1.2, "
    expect_in "1 client's TLS 1.2 (SCH_CREDENTIALS)" "$tmp/c12v5.out" \
        'client: received "fed"'
    tls_server_stop "$pki" localhost
fi

if serve localhost@tls12 -tls1_2; then
    # Lines from standard input this time.
    # shellcheck disable=SC2086
    printf 'first\nsecond\n' | timeout "$tmo" $run "$prog" client \
        localhost "$port" > "$tmp/c12.out" 2>&1
    expect_rc "1 TLS 1.2: client" "$?" 0 "$tmp/c12.out"
    expect_in "1 TLS 1.2" "$tmp/c12.out" "client: TLS 1.2, "
    expect_in "1 TLS 1.2" "$tmp/c12.out" 'client: received "tsrif"'
    expect_in "1 TLS 1.2" "$tmp/c12.out" 'client: received "dnoces"'
    tls_server_stop "$pki" localhost@tls12
fi

# A server that asks for a client certificate (and takes none, too).
if serve localhost@verify -verify 1; then
    client ccert --pfx "$pki/client.p12" --password p12-pw localhost \
        "$port" "with a certificate"
    expect_rc "1 client certificate: client" "$crc" 0 "$tmp/ccert.out"
    expect_in "1 client certificate" "$tmp/ccert.out" \
        'client: received "etacifitrec a htiw"'
    expect_in "1 client certificate: s_server" \
        "$pki/localhost@verify.log" \
        "Peer certificate: O = sspigss test, OU = client, CN = alice"

    client cnocert localhost "$port" "without"
    expect_rc "1 no client certificate: client" "$crc" 0 "$tmp/cnocert.out"
    expect_in "1 no client certificate" "$tmp/cnocert.out" \
        "client: the server asks for a client certificate; going on"
    expect_in "1 no client certificate" "$tmp/cnocert.out" \
        'client: received "tuohtiw"'
    expect_in "1 no client certificate: s_server" \
        "$pki/localhost@verify.log" "No peer certificate"
    tls_server_stop "$pki" localhost@verify
fi

# wait_count FILE TEXT N: wait until TEXT is in FILE N times or more.
wait_count() {
    wc_i=0
    while [ "$wc_i" -lt $((tmo * 10)) ]; do
        [ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.1
        wc_i=$((wc_i + 1))
    done
    return 1
}

# reneg NAME CMD DONE N [OPTIONS]: s_server (interactive, -msg) sends the
# command letter CMD once the client's line has arrived and, when its
# log shows DONE N times (the handshake the command started is over), a
# line of its own, which the client must receive after dealing with
# SEC_I_RENEGOTIATE. (The server's log, not the client's output, says
# when: a client that also sees SEC_I_RENEGOTIATE for TLS 1.3 session
# tickets, as Windows 11 does, prints the same lines earlier; and
# s_server takes a command only at the start of what it reads.)
reneg() {
    rn_name=$1 rn_cmd=$2 rn_done=$3 rn_n=$4
    shift 4
    rn_log=$pki/localhost@$rn_name.log
    serve "localhost@$rn_name" --interactive -msg "$@" || return
    # shellcheck disable=SC2086
    bg_start "$rn_name" $run "$prog" client localhost "$port" ping
    if tls_wait_for "$rn_log" ping "$tmo"; then
        tls_server_send "$pki" "localhost@$rn_name" "$rn_cmd"
        wait_count "$rn_log" "$rn_done" "$rn_n"
        tls_server_send "$pki" "localhost@$rn_name" pong
    fi
    bg_wait "$rn_name" "$tmo"
    expect_rc "1 $rn_name: client" "$bg_rc" 0 "$tmp/$rn_name.out" "$rn_log"
    expect_in "1 $rn_name" "$tmp/$rn_name.out" \
        "client: DecryptMessage returned SEC_I_RENEGOTIATE"
    expect_in "1 $rn_name" "$tmp/$rn_name.out" "client: renegotiated"
    expect_in "1 $rn_name" "$tmp/$rn_name.out" 'client: received "pong"'
    tls_server_stop "$pki" "localhost@$rn_name"
}
# TLS 1.3: a KeyUpdate asking for one back, which the client sends.
reneg keyupdate K "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" 1
expect_count "1 keyupdate: s_server" "$pki/localhost@keyupdate.log" \
    "], KeyUpdate" 2
# TLS 1.2: a HelloRequest, answered with a new handshake (over when the
# server has sent its second Finished).
reneg hellorequest r ">>> TLS 1.2, Handshake [length 0010], Finished" 2 \
    -tls1_2
expect_count "1 hellorequest: s_server" "$pki/localhost@hellorequest.log" \
    "], ClientHello" 2

# ------------------------------------------- 2. s_client and server

# sclient NAME PROTOCOL "FLAGS" PFX S_CLIENT-ARGS...: one line from
# s_client through the example server (FLAGS: its options, PFX its
# certificate); s_client must report PROTOCOL.
sclient() {
    sc_name=$1 sc_want=$2 sc_flags=$3 sc_pfx=$4
    shift 4
    # shellcheck disable=SC2086
    server "$sc_name" $sc_flags "$sc_pfx" || return
    sc_out=$tmp/$sc_name-s_client.out sc_srv=$tmp/$sc_name.out
    tls_client_run "$pki" --text "hello, server" --until "HELLO, SERVER" \
        --out "$sc_out" --timeout "$tmo" -verify_return_error "$@" \
        "127.0.0.1:$sport"
    expect_rc "2 $sc_name: s_client" "$tls_rc" 0 "$sc_out" "$sc_srv"
    expect_in "2 $sc_name: s_client" "$sc_out" "HELLO, SERVER"
    expect_in "2 $sc_name: s_client" "$sc_out" "Verify return code: 0 (ok)"
    expect_in "2 $sc_name: s_client" "$sc_out" "Protocol  : $sc_want"
    server_done "$sc_name" 0
    expect_in "2 $sc_name: server" "$sc_srv" 'server: received "hello, server"'
    expect_in "2 $sc_name: server" "$sc_srv" \
        "server: the client ended the session (close_notify)"
    expect_in "2 $sc_name: server" "$sc_srv" "server: close_notify sent"
}

sclient s13 TLSv1.3 "--password p12-pw" "$pki/localhost.p12" \
    -tls1_3 -verify_hostname localhost
expect_in "2 s13: server" "$tmp/s13.out" "server: TLS 1.3, "
expect_in "2 s13: server" "$tmp/s13.out" "server: no client certificate"
expect_in "2 s13: s_client" "$tmp/s13-s_client.out" \
    "Verified peername: localhost"

# The PFX without a password; TLS 1.2.
sclient s12 TLSv1.2 "" "$pki/localhost-nopw.p12" -tls1_2
expect_in "2 s12: server" "$tmp/s12.out" "server: TLS 1.2, "

# The server asks for a client certificate; s_client sends one.
sclient smutual13 TLSv1.3 "--ask-cert --password p12-pw" \
    "$pki/localhost.p12" -tls1_3 -cert "$pki/client.pem" \
    -key "$pki/client.key"
expect_in "2 smutual13: server" "$tmp/smutual13.out" \
    "server: client certificate \"alice\", $inter"
sclient smutual12 TLSv1.2 "--ask-cert --password p12-pw" \
    "$pki/localhost.p12" -tls1_2 -cert "$pki/client.pem" \
    -key "$pki/client.key"
expect_in "2 smutual12: server" "$tmp/smutual12.out" \
    "server: client certificate \"alice\", $inter"

# s_client sends a KeyUpdate asking for one back: DecryptMessage's
# SEC_I_RENEGOTIATE on the server, AcceptSecurityContext answers.
if server skeyupdate --password p12-pw "$pki/localhost.p12"; then
    if tls_client_start "$pki" ku -tls1_3 -msg "127.0.0.1:$sport"; then
        tls_client_send "$pki" ku hello
        tls_wait_for "$pki/ku.out" HELLO "$tmo"
        tls_client_send "$pki" ku K
        # One line at a time: s_client takes a command only at the
        # start of what it reads. The server's KeyUpdate in answer says
        # the command is done.
        tls_wait_for "$pki/ku.out" \
            "<<< TLS 1.3, Handshake [length 0005], KeyUpdate" "$tmo"
        tls_client_send "$pki" ku after
        tls_wait_for "$pki/ku.out" AFTER "$tmo"
        tls_client_send "$pki" ku Q
    fi
    tls_client_wait "$pki" ku "$tmo"
    expect_rc "2 skeyupdate: s_client" "$tls_rc" 0 "$pki/ku.out"
    expect_in "2 skeyupdate: s_client" "$pki/ku.out" AFTER
    expect_count "2 skeyupdate: s_client" "$pki/ku.out" "], KeyUpdate" 2
    server_done skeyupdate 0
    expect_in "2 skeyupdate: server" "$tmp/skeyupdate.out" \
        "server: DecryptMessage returned SEC_I_RENEGOTIATE"
    expect_in "2 skeyupdate: server" "$tmp/skeyupdate.out" \
        'server: received "after"'
fi

# ------------------------------------------- 3. client and server

# both NAME "SERVER-FLAGS" CLIENT-OPTIONS...: one conversation, the
# server with localhost.p12.
both() {
    b_name=$1 b_flags=$2
    shift 2
    # shellcheck disable=SC2086
    server "$b_name-srv" $b_flags --password p12-pw "$pki/localhost.p12" ||
        return
    client "$b_name" "$@" --target localhost 127.0.0.1 "$sport" ping \
        "Mixed Case"
    b_cl=$tmp/$b_name.out b_srv=$tmp/$b_name-srv.out
    expect_rc "3 $b_name: client" "$crc" 0 "$b_cl" "$b_srv"
    server_done "$b_name-srv" 0
    expect_in "3 $b_name: client" "$b_cl" 'client: received "PING"'
    expect_in "3 $b_name: client" "$b_cl" 'client: received "MIXED CASE"'
    expect_in "3 $b_name: client" "$b_cl" \
        "client: server certificate \"localhost\", $inter"
    expect_in "3 $b_name: server" "$b_srv" 'server: received "Mixed Case"'
    expect_in "3 $b_name: server" "$b_srv" \
        "server: the client ended the session (close_notify)"
}

both mutual --ask-cert --pfx "$pki/client-nopw.p12"
expect_in "3 mutual: server" "$tmp/mutual-srv.out" \
    "server: client certificate \"alice\", $inter"
expect_not_in "3 mutual: client" "$tmp/mutual.out" "going on without one"

both nocert --ask-cert
expect_in "3 nocert: client" "$tmp/nocert.out" \
    "client: the server asks for a client certificate; going on"
expect_in "3 nocert: server" "$tmp/nocert-srv.out" \
    "server: no client certificate"

both tls12 "--schannel-cred --tls1.2"
expect_in "3 tls12: client" "$tmp/tls12.out" "client: TLS 1.2, "
expect_in "3 tls12: server" "$tmp/tls12-srv.out" "server: TLS 1.2, "
both tls12v5 "--tls1.2"
expect_in "3 tls12v5: client" "$tmp/tls12v5.out" "client: TLS 1.2, "
expect_in "3 tls12v5: server" "$tmp/tls12v5-srv.out" "server: TLS 1.2, "

# ------------------------------------------------------ 4. failures

# A certificate for other.example, from the example server: the client
# refuses it (and tells the server with an alert).
if server fwrong --password p12-pw "$pki/wronghost.p12"; then
    client wronghost localhost "$sport" never
    expect_rc "4 wrong host: client" "$crc" 1 "$tmp/wronghost.out"
    expect_in "4 wrong host" "$tmp/wronghost.out" \
        "client: InitializeSecurityContext failed: 0x80090322"
    expect_in "4 wrong host" "$tmp/wronghost.out" "SEC_E_WRONG_PRINCIPAL"
    expect_not_in "4 wrong host" "$tmp/wronghost.out" "client: sent"
    server_done fwrong 1
    expect_in "4 wrong host: server" "$tmp/fwrong.out" \
        "server: AcceptSecurityContext failed: 0x"
fi

# The same from s_server, and a chain to a root nobody trusts.
if serve wronghost; then
    client wronghost2 localhost "$port" never
    expect_rc "4 wrong host (s_server): client" "$crc" 1 \
        "$tmp/wronghost2.out"
    expect_in "4 wrong host (s_server)" "$tmp/wronghost2.out" \
        "client: InitializeSecurityContext failed: 0x80090322"
    tls_server_stop "$pki" wronghost
fi
if serve untrusted; then
    client untrusted localhost "$port" never
    expect_rc "4 untrusted: client" "$crc" 1 "$tmp/untrusted.out"
    expect_in "4 untrusted" "$tmp/untrusted.out" \
        "client: InitializeSecurityContext failed: 0x80090325"
    expect_in "4 untrusted" "$tmp/untrusted.out" "SEC_E_UNTRUSTED_ROOT"
    expect_not_in "4 untrusted" "$tmp/untrusted.out" "client: sent"

    # SCH_CRED_MANUAL_CRED_VALIDATION: the judgement is the client's.
    client manual --manual localhost "$port" trusting
    expect_rc "4 manual: client" "$crc" 0 "$tmp/manual.out"
    expect_in "4 manual" "$tmp/manual.out" \
        "client: the server's certificate was not validated"
    expect_in "4 manual" "$tmp/manual.out" 'client: received "gnitsurt"'
    tls_server_stop "$pki" untrusted
fi

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
