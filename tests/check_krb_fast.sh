#!/bin/sh
# check_krb_fast.sh - the Kerberos message fast path against raw MIT
# GSS-API peers (tests/check_krb_fast.c), under the KDC of
# tests/check_kerberos.sh.
# Its Negotiate cases make SPNEGO acceptor credentials, for which MIT
# loads gss-ntlmssp: that module's own leaks are suppressed for the ASan
# pass as for tests/check_negotiate.sh (tests/lsan-gssntlmssp.supp says
# which; only the slow unwinder reaches its frames).
LSAN_OPTIONS="suppressions=${top_srcdir:-.}/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
SSPIGSS_SUITE=check_krb_fast
export SSPIGSS_SUITE
exec ${SHELL:-/bin/sh} "${top_srcdir:-.}/tests/check_kerberos.sh" "$@"
