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
# Trust files for the revocation tests: the root with the intermediate's
# CRL only (nothing for the root itself), and the same with a CRL that
# ran out in 2000 (what an unreachable revocation server looks like
# here).
(
    OPENSSL_CONF=$dir/pki.cnf
    export OPENSSL_CONF
    cd "$dir" &&
    openssl ca -batch -name ca_inter -gencrl \
        -crl_lastupdate 20000101000000Z -crl_nextupdate 20000201000000Z \
        -out "$dir/stale-crl.pem" 2> "$dir/stale-crl.log"
) || { echo "$me: the stale CRL was not made" >&2; cat "$dir/stale-crl.log" >&2; exit 99; }
cat "$dir/ca.pem" "$dir/crl.pem" > "$dir/trust-inter-crl.pem" &&
cat "$dir/ca.pem" "$dir/stale-crl.pem" "$dir/root-crl.pem" \
    > "$dir/trust-stale-crl.pem" || exit 99
SSPIGSS_TLS_DIR=$dir
export SSPIGSS_TLS_DIR
${SSPIGSS_TEST_RUNNER:-} "$suite"
