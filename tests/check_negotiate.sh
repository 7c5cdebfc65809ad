#!/bin/sh
# check_negotiate.sh - tests/check_negotiate (the Negotiate package)
# against a throwaway MIT KDC (tests/check_kerberos.sh starts and stops
# it) and gss-ntlmssp with a user file of its own: alice with her
# Kerberos password, and carol, whom only NTLM knows. The file lives in a
# temporary directory removed on the way out.
top_srcdir=${top_srcdir:-${srcdir:-.}}
if [ ! -f /usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so ] \
   && ! ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
    echo "check_negotiate: gss-ntlmssp is missing; install it with:" >&2
    echo "    apt-get install --no-install-recommends gss-ntlmssp" >&2
    exit 99
fi
ntlm=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-ntlm.XXXXXX") || exit 99
trap 'rm -rf "$ntlm"' EXIT
trap 'exit 130' INT TERM
# DOMAIN:user:password: SSPIGSS, the first label of the MIT realm
# SSPIGSS.TEST; NOKDC.TEST, a realm without a KDC (check_negotiate.c).
printf '%s\n' SSPIGSS:alice:alice-pw-1 SSPIGSS:carol:carol-pw \
    NOKDC.TEST:alice:alice-pw-1 > "$ntlm/users"
NTLM_USER_FILE=$ntlm/users
# gss-ntlmssp's own leaks, for the ASan pass (the file says which). Its
# allocations go through OpenSSL, built without frame pointers: only the
# slow unwinder reaches the gss-ntlmssp frames the suppression names.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
# Under valgrind: deep enough stacks for tests/valgrind.supp's
# gss-ntlmssp entries (its MD4 leak, from the user file's cleartext
# passwords), whose distinguishing frame lies past valgrind's default of
# 12 (as tests/check_ntlm.sh).
VALGRIND_OPTS="--num-callers=40${VALGRIND_OPTS:+ $VALGRIND_OPTS}"
export VALGRIND_OPTS
SSPIGSS_KDC=mit
SSPIGSS_SUITE=check_negotiate
export NTLM_USER_FILE SSPIGSS_KDC SSPIGSS_SUITE
sh "$top_srcdir/tests/check_kerberos.sh" "$@"
