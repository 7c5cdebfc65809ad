#!/bin/sh
# check_mapping_ad.sh - tests/check_mapping against a throwaway Samba AD
# DC (tests/harness/samba.sh, realm SAMBA.TEST): every mapping scenario
# that needs neither a second realm nor MIT's kadmin.local, asserting the
# SEC code of the MIT run. tests/check_mapping.sh does the work; as
# another user than root this SKIPs (the DC needs root).
top_srcdir=${top_srcdir:-${srcdir:-.}}
SSPIGSS_KDC=samba
export SSPIGSS_KDC
exec sh "$top_srcdir/tests/check_mapping.sh" "$@"
