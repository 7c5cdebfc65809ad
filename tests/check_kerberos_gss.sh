#!/bin/sh
# check_kerberos_gss.sh - the Kerberos suite and the fast-path suite with
# SSPIGSS_KRB_FASTPATH=0: every message through MIT's GSS-API, so both
# paths pass the same tests (issue #12).
SSPIGSS_KRB_FASTPATH=0
export SSPIGSS_KRB_FASTPATH
sh=${SHELL:-/bin/sh}
"$sh" "${top_srcdir:-.}/tests/check_kerberos.sh" "$@" || exit $?
SSPIGSS_SUITE=check_krb_fast
export SSPIGSS_SUITE
exec "$sh" "${top_srcdir:-.}/tests/check_kerberos.sh" "$@"
