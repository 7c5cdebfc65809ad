#!/bin/sh
# check_schannel_server.sh - run tests/check_schannel_server (the
# Schannel package's client and server talking to each other in one
# process) with the throwaway PKI of tests/harness/tls.sh. No server
# process: the directory is all there is to clean up.
top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_schannel_server"
me=check_schannel_server

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
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

tls_make_pki "$dir" || { echo "$me: the PKI was not made" >&2; exit 99; }
SSPIGSS_TLS_DIR=$dir
export SSPIGSS_TLS_DIR
${SSPIGSS_TEST_RUNNER:-} "$suite"
