#!/bin/sh
# check_kdc_faults.sh - run tests/check_kdc_faults (issue #15 item 2: a
# KDC that is down, hung, closes mid-reply, sends a truncated or garbage
# reply, serves another realm, or is reachable over one transport only)
# against two throwaway MIT KDCs on 127.0.0.1 (tests/harness/kdc.sh):
#   SSPIGSS.TEST  the real KDC the suite's in-process fault KDC relays to
#   OTHER.TEST    an empty realm: "a KDC of another realm"
# The faults themselves come from the suite (tests/check_kdc_faults.c),
# which writes its client profiles into a directory of its own here.
#
# Runs in every pass of ./quickstart test (gcc, ASan+UBSan, valgrind via
# SSPIGSS_TEST_RUNNER); no libfaketime, so the sanitizer build runs it
# too. Takes about 30 s (valgrind: 60 s), most of it MIT's fixed wait for
# a KDC that never answers (docs/reliability.md).
#
# CHECK_KDC_FAULTS_KEEP=1 keeps the directory (profiles, KDC logs,
# krb5.trace). Run by `make check`; by hand, from _build/:
#     top_srcdir=.. top_builddir=. sh ../tests/check_kdc_faults.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_kdc_faults"
me=check_kdc_faults

PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for prog in krb5kdc kdb5_util kadmin.local; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends krb5-kdc" \
         "krb5-admin-server" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-kdcf.XXXXXX") || exit 99
cleanup() {
    kdc_stop "$base/other"
    kdc_stop "$base/main"
    if [ -n "${CHECK_KDC_FAULTS_KEEP:-}" ]; then
        echo "$me: kept $base" >&2
    else
        rm -rf "$base"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kdc_start "$base/main" || { echo "$me: the KDC did not start" >&2; exit 99; }
kdc_kinit "$base/main" alice ||
    { echo "$me: kinit alice failed" >&2; exit 99; }
kdc_start_realm "$base/other" OTHER.TEST ||
    { echo "$me: OTHER.TEST did not start" >&2; exit 99; }
mkdir "$base/profiles" || exit 99
SSPIGSS_OTHER_PORT=$(. "$base/other/env" && echo "$SSPIGSS_KDC_PORT")
. "$base/main/env"
SSPIGSS_FAULTS_DIR=$base/profiles
export SSPIGSS_OTHER_PORT SSPIGSS_FAULTS_DIR

# Negotiate falls back to NTLM (check_kdc_faults.c:negotiate_down), which
# loads gss-ntlmssp: its own leaks, for the ASan pass, as
# tests/check_negotiate.sh explains.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ]; then
    echo "$me: failed ($rc); $base/main/kdc.log:" >&2
    grep -v "closing down" "$base/main/kdc.log" | tail -n 15 |
        cut -c 1-300 >&2
fi
exit $rc
