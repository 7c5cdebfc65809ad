#!/bin/sh
# check_kerberos_gss.sh - the Kerberos suite and the fast-path suite with
# SSPIGSS_KRB_FASTPATH=0: every message through MIT's GSS-API, so both
# paths pass the same tests (issue #12). Under SSPIGSS_TEST_RUNNER
# (valgrind) it is skipped: the gcc and sanitizer passes run it, and the
# valgrind pass runs the same suites on the default (fast) path.
if [ -n "${SSPIGSS_TEST_RUNNER:-}" ]; then
    echo "check_kerberos_gss: SKIP under SSPIGSS_TEST_RUNNER"
    exit 77
fi
SSPIGSS_KRB_FASTPATH=0
export SSPIGSS_KRB_FASTPATH
sh=${SHELL:-/bin/sh}
"$sh" "${top_srcdir:-.}/tests/check_kerberos.sh" "$@" || exit $?
exec "$sh" "${top_srcdir:-.}/tests/check_krb_fast.sh" "$@"
