#!/bin/sh
# check_schannel.sh - run tests/check_schannel (the Schannel package as a
# TLS client and server) against OpenSSL peers on 127.0.0.1: a throwaway
# PKI and `openssl s_server` peers for the client tests, one per
# certificate or option set (tests/harness/tls.sh), each answering every
# line reversed (-rev); the server tests start their own `openssl
# s_client` (in the suite, on ports of its own). The servers are stopped
# by their pids and the directory removed on the way out.
top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_schannel"
me=check_schannel

if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi
command -v openssl >/dev/null 2>&1 || {
    echo "$me: openssl missing; apt-get install openssl" >&2
    exit 99
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-tls.XXXXXX") || exit 99
. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/tls.sh"
cleanup() {
    tls_stop_all "$dir"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tls_make_pki "$dir" || { echo "$me: the PKI was not made" >&2; exit 99; }

# NAME VAR [s_server options]: one server, its port in SSPIGSS_TLS_PORT_VAR
# and its log's path in SSPIGSS_TLS_LOG_VAR.
serve() {
    sv_name=$1 sv_var=$2
    shift 2
    if ! tls_server_start "$dir" "$sv_name" "$@" >/dev/null; then
        echo "$me: s_server $sv_name did not start" >&2
        cat "$dir/$sv_name.log" >&2 2>/dev/null
        exit 99
    fi
    eval "SSPIGSS_TLS_PORT_$sv_var=\$(cat \"\$dir/$sv_name.port\")"
    eval "SSPIGSS_TLS_LOG_$sv_var=\$dir/$sv_name.log"
    export "SSPIGSS_TLS_PORT_$sv_var" "SSPIGSS_TLS_LOG_$sv_var"
}
serve localhost LOCALHOST
serve localhost@tls12 TLS12 -tls1_2
serve localhost@cbc CBC -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256
serve expired EXPIRED
serve wronghost WRONGHOST
serve untrusted UNTRUSTED
serve wrongusage WRONGUSAGE
serve revoked REVOKED
serve localhost@alpn ALPN -alpn http/1.1
# A client certificate required (any that is sent is accepted: no
# -verify_return_error); the log names it ("Peer certificate: ...").
serve localhost@verify VERIFY -Verify 1
serve localhost@verify12 VERIFY12 -tls1_2 -Verify 1
# The same, its CertificateRequest naming the intermediate CA (s_server
# names the CAs of its -CAfile) rather than the root.
serve localhost@verifyca VERIFYCA -Verify 1 -CAfile "$dir/inter.pem"
# A client certificate required and checked against the CRLs: a revoked
# one ends the handshake with certificate_revoked.
serve localhost@verifycrl VERIFYCRL -Verify 1 -verify_return_error \
    -crl_check -CAfile "$dir/trust-crl.pem"
serve localhost@verifycrl12 VERIFYCRL12 -tls1_2 -Verify 1 \
    -verify_return_error -crl_check -CAfile "$dir/trust-crl.pem"
# Servers that take commands on their stdin (the FIFO DIR/NAME.in): K
# sends a KeyUpdate asking for one back (TLS 1.3), r a HelloRequest (TLS
# 1.2); any other line goes to the client as data.
serve localhost@cmd13 CMD13 --interactive
serve localhost@cmd12 CMD12 --interactive -tls1_2
# A personal certificate store ("MY", SSPIGSS_CERT_STORE_MY) with alice's
# certificate and key, for the client's automatic choice.
mkdir -m 700 "$dir/my" && cp "$dir/client-nopw.p12" "$dir/my/" || exit 99
SSPIGSS_TLS_DIR=$dir
SSPIGSS_TLS_MY=$dir/my
export SSPIGSS_TLS_DIR SSPIGSS_TLS_MY

${SSPIGSS_TEST_RUNNER:-} "$suite"
