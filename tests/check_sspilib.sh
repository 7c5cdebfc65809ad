#!/bin/sh
# check_sspilib.sh - the SSPI calls of Python's sspilib against the built
# libsspigss.so, through tests/sspilib_ctypes.py (Python 3 and ctypes
# only: CI cannot download sspilib itself). docs/sspilib.md says
# what sspilib needs from the library and which of its tests pass.
#
# Makes a temporary directory holding an NTLM user file (Heimdal format,
# "DOMAIN:user:password"; its first entry is the default identity that
# sspilib's Windows-side tests use, and the user "invalid" is absent) and
# a Kerberos profile naming a realm without KDC; KRB5_CONFIG, KRB5CCNAME
# and KRB5_KTNAME point into it, so no realm, ticket cache or keytab of
# the machine takes part and Negotiate settles on NTLM at once. The
# directory is removed on exit.
#
# Exit status: the test's (0 all checks passed, 1 a check failed); 77
# (skipped) without python3 or when the library is built with
# AddressSanitizer (an uninstrumented python3 cannot load it); 99 when
# the library or gss-ntlmssp is missing.
#
# Run by hand, from the build directory:
#     top_srcdir=.. top_builddir=. sh ../tests/check_sspilib.sh
# or with any build of the library:
#     SSPIGSS_LIB=/path/to/libsspigss.so.0 sh tests/check_sspilib.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=${top_builddir:-.}
me=check_sspilib
script="$top_srcdir/tests/sspilib_ctypes.py"
lib=${SSPIGSS_LIB:-$top_builddir/lib/.libs/libsspigss.so.0}

if ! command -v python3 > /dev/null 2>&1; then
    echo "$me: SKIP: python3 is not installed" >&2
    exit 77
fi
if [ ! -f "$script" ]; then
    echo "$me: $script not found (set top_srcdir)" >&2
    exit 99
fi
if [ ! -f "$lib" ]; then
    echo "$me: $lib not built (set top_builddir or SSPIGSS_LIB)" >&2
    exit 99
fi
# A library built with -fsanitize=address leaves the ASan runtime to the
# executable; python3 does not carry one, so dlopen would fail.
if lib_has_asan "$lib"; then
    echo "$me: SKIP: $lib is built with AddressSanitizer" >&2
    exit 77
fi
if ! have_gssntlmssp; then
    echo "$me: gss-ntlmssp is not installed (no mechanism" \
         "1.3.6.1.4.1.311.2.2.10 in /etc/gss); install it with:" >&2
    echo "    apt-get install --no-install-recommends gss-ntlmssp" >&2
    exit 99
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-sspilib.XXXXXX") || exit 99
cleanup() {
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SSPILIB_TEST_DOMAIN=SSPILIB
SSPILIB_TEST_USER=user
SSPILIB_TEST_PASSWORD=pass
cat > "$dir/users" <<USERS || exit 99
$SSPILIB_TEST_DOMAIN:$SSPILIB_TEST_USER:$SSPILIB_TEST_PASSWORD
$SSPILIB_TEST_DOMAIN:other:other-pw
USERS
# A default realm (for the bare user name of sspilib's Kerberos credential
# test) but no KDC for it and no DNS look-ups: nothing leaves the machine.
cat > "$dir/krb5.conf" <<KRB5 || exit 99
[libdefaults]
    default_realm = SSPILIB.TEST
    dns_lookup_kdc = false
    dns_lookup_realm = false
KRB5

NTLM_USER_FILE=$dir/users
KRB5_CONFIG=$dir/krb5.conf
KRB5CCNAME=FILE:$dir/no-ccache
KRB5_KTNAME=FILE:$dir/no-keytab
KRB5_CLIENT_KTNAME=FILE:$dir/no-client-keytab
GSSNTLMSSP_DEBUG=$dir/gssntlmssp.log
export NTLM_USER_FILE KRB5_CONFIG KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
export GSSNTLMSSP_DEBUG SSPILIB_TEST_DOMAIN SSPILIB_TEST_USER
export SSPILIB_TEST_PASSWORD
unset KRB5_TRACE LM_COMPAT_LEVEL NETBIOS_COMPUTER_NAME NETBIOS_DOMAIN_NAME
unset NTLMUSER GSSNTLMSSP_WB_TLS_CTX GSS_MECH_CONFIG SSPIGSS_LIB

python3 "$script" "$lib"
rc=$?
if [ "$rc" -ne 0 ] && [ -s "$dir/gssntlmssp.log" ]; then
    echo "--- gss-ntlmssp log (last 40 lines) ---" >&2
    tail -n 40 "$dir/gssntlmssp.log" >&2
fi
exit "$rc"
