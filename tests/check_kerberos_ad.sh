#!/bin/sh
# check_kerberos_ad.sh - tests/check_kerberos against a throwaway Samba AD
# DC (tests/harness/samba.sh, realm SAMBA.TEST): the same scenarios as
# against MIT's KDC, plus the RC4 ones. tests/check_kerberos.sh does the
# work; as another user than root this SKIPs (the DC needs root).
top_srcdir=${top_srcdir:-${srcdir:-.}}
SSPIGSS_KDC=samba
SSPIGSS_SUITE=check_kerberos
export SSPIGSS_KDC SSPIGSS_SUITE
exec sh "$top_srcdir/tests/check_kerberos.sh" "$@"
