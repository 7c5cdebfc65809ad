#!/bin/sh
# check_examples.sh - examples/sspi_echo.c, a Windows-style SSPI client
# and server (Negotiate, then one encrypted message each way), builds
# with -Wall -Wextra -Werror against the public and compat headers and
# runs against a throwaway MIT KDC on 127.0.0.1:
#
#   1. Kerberos: the client's default ccache (alice's TGT) to host/HOST;
#      the server reports SSPIGSS\alice and the package Kerberos.
#   2. NTLM: an explicit identity to a service the KDC does not know;
#      Negotiate falls back to NTLM (an NTLM user file for both sides).
#
# The KDC and the servers are stopped by their own pids; everything
# lives in one temporary directory removed on exit.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${CC:=cc}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
me=check_examples
pass=0
fail=0
bgnames=""
tmp=""
tmo=30

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    [ -n "$tmp" ] && [ -d "$tmp/kdc" ] && kdc_stop "$tmp/kdc"
    [ -n "$tmp" ] && rm -rf "$tmp"
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_examples.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PATH="$PATH:/usr/sbin:/sbin"
# gss-ntlmssp (the NTLM leg) keeps memory of its own to the end of the
# process; LeakSanitizer is told so, as in tests/check_negotiate.sh.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/procs.sh"

# ------------------------------------------------------------- build

prog="$tmp/sspi_echo"
# A sanitizer build's library needs its runtime in the program too.
san=${SAN_CFLAGS:-}
# shellcheck disable=SC2086
if $CC -std=c11 -Wall -Wextra -Werror $san -I"$top_srcdir/include" \
        -I"$top_srcdir/compat" -c -o "$tmp/sspi_echo.o" \
        "$top_srcdir/examples/sspi_echo.c" > "$tmp/build.out" 2>&1 &&
   "$top_builddir/libtool" --tag=CC --mode=link $CC $san -o "$prog" \
        "$tmp/sspi_echo.o" "$top_builddir/lib/libsspigss.la" \
        >> "$tmp/build.out" 2>&1; then
    ok
else
    bad "examples/sspi_echo.c does not build" "$tmp/build.out"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
# Under the valgrind pass SSPIGSS_TEST_RUNNER is libtool + valgrind.
run=${SSPIGSS_TEST_RUNNER:-"$top_builddir/libtool --mode=execute"}
[ -n "${SSPIGSS_TEST_RUNNER:-}" ] && tmo=120

# ------------------------------------------------------------- realm

mkdir -p "$tmp/kdc"
if ! kdc_start "$tmp/kdc" >/dev/null || ! kdc_kinit "$tmp/kdc" alice \
        >/dev/null; then
    echo "$me: the KDC did not start" >&2
    echo "$me: $pass passed, 1 failed"
    exit 1
fi
. "$tmp/kdc/env"
printf 'SSPIGSS:alice:alice-pw-1\n' > "$tmp/users"
NTLM_USER_FILE=$tmp/users
export NTLM_USER_FILE

# echo_case NAME SERVER-WANT CLIENT-ARGS...: one server, one client.
echo_case() {
    en=$1 srv_want=$2
    shift 2
    port=$(kdc_free_port) || { bad "$en: no free port"; return; }
    # shellcheck disable=SC2086
    bg_start "$en-srv" $run "$prog" server "$port"
    if ! bg_ready "$en-srv" "text:server: listening"; then
        bad "$en: the server did not start" "$tmp/$en-srv.out"
        return
    fi
    # shellcheck disable=SC2086
    timeout "$tmo" $run "$prog" client 127.0.0.1 "$port" "$@" \
        > "$tmp/$en.out" 2>&1
    expect_rc "$en: client" "$?" 0 "$tmp/$en.out" "$tmp/$en-srv.out"
    bg_wait "$en-srv" "$tmo"
    expect_rc "$en: server" "$bg_rc" 0 "$tmp/$en-srv.out"
    expect_in "$en: server" "$tmp/$en-srv.out" "$srv_want"
    expect_in "$en: client" "$tmp/$en.out" \
        'client: the server says "hello, SSPIGSS'
}

echo_case kerberos \
    'SSPIGSS\alice says "hello from the client" (package Kerberos)' \
    "host/$SSPIGSS_HOST"
echo_case ntlm \
    'SSPIGSS\alice says "hello from the client" (package NTLM)' \
    "nosuch/$SSPIGSS_HOST" alice SSPIGSS alice-pw-1

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
