#!/bin/sh
# check_ad_mit.sh - tests/check_ad against MIT's KDC (tests/harness/kdc.sh
# plus keyexp@ and lockme@, see tests/check_kerberos.sh): the account
# states MIT has an equivalent of give the SEC codes AD's give.
top_srcdir=${top_srcdir:-${srcdir:-.}}
SSPIGSS_KDC=mit
SSPIGSS_SUITE=check_ad
export SSPIGSS_KDC SSPIGSS_SUITE
exec sh "$top_srcdir/tests/check_kerberos.sh" "$@"
