#!/bin/sh
# check_krb_fast.sh - the Kerberos message fast path against raw MIT
# GSS-API peers (tests/check_krb_fast.c), under the KDC of
# tests/check_kerberos.sh.
SSPIGSS_SUITE=check_krb_fast
export SSPIGSS_SUITE
exec ${SHELL:-/bin/sh} "${top_srcdir:-.}/tests/check_kerberos.sh" "$@"
