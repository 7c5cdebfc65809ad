#!/bin/sh
# check_kerberos.sh - run tests/check_kerberos against a throwaway MIT KDC.
#
# Starts the realm of tests/harness/kdc.sh in a fresh temporary directory
# (127.0.0.1, a free port), gets alice a TGT in the realm's default
# ccache, exports the realm's environment, runs the Check suite and stops
# the KDC by its pid on the way out, whatever happens. Works as root and
# as any other user: everything lives in the temporary directory.
#
# Run by `make check`; by hand: top_srcdir=. top_builddir=_build \
#     sh tests/check_kerberos.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_kerberos"

# The KDC programs live in sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for prog in krb5kdc kdb5_util kadmin.local kinit; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "check_kerberos: missing$missing; install them with:" >&2
    echo "    apt-get install krb5-kdc krb5-admin-server krb5-user" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "check_kerberos: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-krb.XXXXXX") || exit 99
cleanup() {
    kdc_stop "$dir"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! kdc_start "$dir"; then
    echo "check_kerberos: the KDC did not start" >&2
    exit 99
fi
if ! kdc_kinit "$dir" alice; then
    echo "check_kerberos: kinit alice failed" >&2
    cat "$dir/kdc.log" >&2
    exit 99
fi
. "$dir/env"

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ] && [ -f "$dir/kdc.log" ]; then
    echo "check_kerberos: failed ($rc); the KDC's log:" >&2
    tail -n 40 "$dir/kdc.log" >&2
fi
exit $rc
