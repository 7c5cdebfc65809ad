#!/bin/sh
# check_peer_faults.sh - run tests/check_peer_faults (issue #15 item 3: a
# TLS or GSS peer that closes or resets the connection mid-handshake or
# mid-record, hands its records over split at every byte boundary,
# duplicates, reorders or truncates tokens and messages, or sends an
# oversized record) against real peers on 127.0.0.1:
#   - a throwaway PKI and two `openssl s_server -rev` peers (TLS 1.3 and
#     TLS 1.2, tests/harness/tls.sh), reached through the suite's own
#     fault relay (a thread of the test program);
#   - the throwaway MIT realm of tests/harness/kdc.sh (Kerberos and
#     Negotiate), and a gss-ntlmssp user file (NTLM).
# The servers and the KDC are stopped by their pids and the directories
# removed on the way out.
#
# Runs in every pass of ./quickstart test (gcc, ASan+UBSan, valgrind via
# SSPIGSS_TEST_RUNNER). docs/reliability.md, "Peer faults".
#
# CHECK_PEER_FAULTS_KEEP=1 keeps the directory (PKI, server logs, KDC
# log, krb5.trace). Run by `make check`; by hand, from _build/:
#     top_srcdir=.. top_builddir=. sh ../tests/check_peer_faults.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_peer_faults"
me=check_peer_faults

PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for prog in krb5kdc kdb5_util kadmin.local kinit openssl; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends krb5-kdc" \
         "krb5-admin-server krb5-user openssl" >&2
    exit 99
fi
if ! have_gssntlmssp; then
    echo "$me: gss-ntlmssp is not installed; install it with:" >&2
    echo "    apt-get install --no-install-recommends gss-ntlmssp" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/tls.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-peerf.XXXXXX") || exit 99
cleanup() {
    tls_stop_all "$base/tls"
    kdc_stop "$base/kdc"
    if [ -n "${CHECK_PEER_FAULTS_KEEP:-}" ]; then
        echo "$me: kept $base" >&2
    else
        rm -rf "$base"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tls_make_pki "$base/tls" ||
    { echo "$me: the PKI was not made" >&2; exit 99; }
for sv in localhost:LOCALHOST localhost@tls12:TLS12; do
    name=${sv%%:*} var=${sv##*:}
    opts=
    [ "$var" = TLS12 ] && opts=-tls1_2
    # shellcheck disable=SC2086 # $opts: one word or none
    if ! tls_server_start "$base/tls" "$name" $opts >/dev/null; then
        echo "$me: s_server $name did not start" >&2
        cat "$base/tls/$name.log" >&2 2>/dev/null
        exit 99
    fi
    eval "SSPIGSS_TLS_PORT_$var=\$(cat \"\$base/tls/$name.port\")"
    export "SSPIGSS_TLS_PORT_$var"
done
SSPIGSS_TLS_DIR=$base/tls
export SSPIGSS_TLS_DIR

kdc_start "$base/kdc" || { echo "$me: the KDC did not start" >&2; exit 99; }
. "$base/kdc/env"
printf '%s\n' SSPIGSS:alice:alice-pw-1 SSPIGSS:bob:bob-pw-2 \
    > "$base/ntlm-users" || exit 99
NTLM_USER_FILE=$base/ntlm-users
export NTLM_USER_FILE
unset LM_COMPAT_LEVEL NETBIOS_COMPUTER_NAME NETBIOS_DOMAIN_NAME NTLMUSER
unset GSSNTLMSSP_WB_TLS_CTX GSS_MECH_CONFIG

# gss-ntlmssp's own leaks, for the ASan pass and valgrind's deep stacks,
# as tests/check_ntlm.sh explains.
VALGRIND_OPTS="--num-callers=40${VALGRIND_OPTS:+ $VALGRIND_OPTS}"
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export VALGRIND_OPTS LSAN_OPTIONS ASAN_OPTIONS

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ]; then
    echo "$me: failed ($rc); $base/kdc/kdc.log:" >&2
    grep -v "closing down" "$base/kdc/kdc.log" | tail -n 10 |
        cut -c 1-300 >&2
fi
exit $rc
