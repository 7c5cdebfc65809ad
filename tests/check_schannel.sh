#!/bin/sh
# check_schannel.sh - run tests/check_schannel (the Schannel package as a
# TLS client) against `openssl s_server` peers on 127.0.0.1: a throwaway
# PKI and one server per certificate (tests/harness/tls.sh), each
# answering every line reversed (-rev). The servers are stopped by their
# pids and the directory removed on the way out.
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

# NAME VAR [s_server options]: one server, its port in SSPIGSS_TLS_PORT_VAR.
serve() {
    sv_name=$1 sv_var=$2
    shift 2
    if ! tls_server_start "$dir" "$sv_name" "$@" >/dev/null; then
        echo "$me: s_server $sv_name did not start" >&2
        cat "$dir/$sv_name.log" >&2 2>/dev/null
        exit 99
    fi
    eval "SSPIGSS_TLS_PORT_$sv_var=\$(cat \"\$dir/$sv_name.port\")"
    export "SSPIGSS_TLS_PORT_$sv_var"
}
serve localhost LOCALHOST
serve localhost@tls12 TLS12 -tls1_2
serve localhost@cbc CBC -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256
serve expired EXPIRED
serve wronghost WRONGHOST
serve untrusted UNTRUSTED
serve wrongusage WRONGUSAGE
SSPIGSS_TLS_DIR=$dir
export SSPIGSS_TLS_DIR

${SSPIGSS_TEST_RUNNER:-} "$suite"
