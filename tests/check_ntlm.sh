#!/bin/sh
# check_ntlm.sh - run the NTLM Check suite (tests/check_ntlm) against a
# throwaway NTLM user file. NTLM needs no KDC and no daemon: gss-ntlmssp
# takes the initiator's default credentials from the file named by
# NTLM_USER_FILE (its first entry) and checks every client against it on
# the acceptor side.
#
# Makes a temporary directory holding the user file (Heimdal format,
# "DOMAIN:user:password": SSPIGSS:alice first, then SSPIGSS:bob) and an
# empty Kerberos profile; KRB5_CONFIG, KRB5CCNAME and KRB5_KTNAME point
# into it, so no realm, ticket cache or keytab of the machine takes part.
# gss-ntlmssp's own log goes to the directory (GSSNTLMSSP_DEBUG) and is
# shown when the suite fails. The suite runs under SSPIGSS_TEST_RUNNER
# (valgrind in the hardening pass); the directory is removed on exit.
#
# Run by `make check`; by hand, from the build directory:
#     top_srcdir=.. top_builddir=. sh ../tests/check_ntlm.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_ntlm"
me=check_ntlm

if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi
if ! have_gssntlmssp; then
    echo "$me: gss-ntlmssp is not installed (no mechanism" \
         "1.3.6.1.4.1.311.2.2.10 in /etc/gss); install it with:" >&2
    echo "    apt-get install --no-install-recommends gss-ntlmssp" >&2
    exit 99
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-ntlm.XXXXXX") || exit 99
cleanup() {
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SSPIGSS_TEST_DOMAIN=SSPIGSS
SSPIGSS_TEST_ALICE_PW=alice-pw-1
SSPIGSS_TEST_BOB_PW=bob-pw-2
cat > "$dir/users" <<USERS || exit 99
$SSPIGSS_TEST_DOMAIN:alice:$SSPIGSS_TEST_ALICE_PW
$SSPIGSS_TEST_DOMAIN:bob:$SSPIGSS_TEST_BOB_PW
USERS
: > "$dir/krb5.conf" || exit 99

NTLM_USER_FILE=$dir/users
KRB5_CONFIG=$dir/krb5.conf
KRB5CCNAME=FILE:$dir/no-ccache
KRB5_KTNAME=FILE:$dir/no-keytab
KRB5_CLIENT_KTNAME=FILE:$dir/no-client-keytab
GSSNTLMSSP_DEBUG=$dir/gssntlmssp.log
SSPIGSS_TEST_DIR=$dir
export NTLM_USER_FILE KRB5_CONFIG KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
export GSSNTLMSSP_DEBUG SSPIGSS_TEST_DIR SSPIGSS_TEST_DOMAIN
export SSPIGSS_TEST_ALICE_PW SSPIGSS_TEST_BOB_PW
# Whatever the caller's environment says about NTLM is not this test's.
unset KRB5_TRACE LM_COMPAT_LEVEL NETBIOS_COMPUTER_NAME NETBIOS_DOMAIN_NAME
unset NTLMUSER GSSNTLMSSP_WB_TLS_CTX GSS_MECH_CONFIG

# Under valgrind: deep enough stacks for tests/valgrind.supp's
# gss-ntlmssp entries, whose distinguishing frame (EVP_MD_fetch) lies 13
# frames below the allocation, past valgrind's default of 12.
VALGRIND_OPTS="--num-callers=40${VALGRIND_OPTS:+ $VALGRIND_OPTS}"
export VALGRIND_OPTS

# The ASan pass: gss-ntlmssp's own leaks, for LeakSanitizer
# (tests/lsan-gssntlmssp.supp says which); its allocations go through
# OpenSSL, built without frame pointers, so only the slow unwinder
# reaches the gss-ntlmssp frames the suppression names.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ] && [ -s "$dir/gssntlmssp.log" ]; then
    echo "$me: failed ($rc); gss-ntlmssp's log:" >&2
    tail -n 40 "$dir/gssntlmssp.log" >&2
fi
exit $rc
