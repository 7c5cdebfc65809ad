#!/bin/sh
# check_ad.sh - tests/check_ad (account states, PACs) against a throwaway
# Samba AD DC (tests/harness/samba.sh, realm SAMBA.TEST): disabled,
# expired, must-change, expired-password, locked, smartcard-required
# accounts, a wrong password and an unknown user give SEC_E_LOGON_DENIED
# with the KDC's NTSTATUS in sspigss_last_error(). tests/check_kerberos.sh
# starts and stops the DC; as another user than root this SKIPs (the DC
# needs root). tests/check_ad_mit.sh runs the same suite against MIT.
top_srcdir=${top_srcdir:-${srcdir:-.}}
SSPIGSS_KDC=samba
SSPIGSS_SUITE=check_ad
export SSPIGSS_KDC SSPIGSS_SUITE
exec sh "$top_srcdir/tests/check_kerberos.sh" "$@"
