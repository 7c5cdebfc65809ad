#!/bin/sh
# check_pkinit.sh - run tests/check_pkinit against a throwaway MIT KDC
# with PKINIT on 127.0.0.1 (tests/harness/kdc.sh + pkinit.sh: a test PKI
# made with the openssl CLI, the client certificates in a SoftHSM2
# token), twice: every test but one as it is, then expired_kdc_cert under
# libfaketime (the client's clock five days ahead). libfaketime and
# AddressSanitizer deadlock while the process starts, so a sanitizer
# build skips the second pass (the gcc and valgrind passes run it).
#
# Then examples/smartcard_logon.c, a Windows smart card logon snippet
# (CredMarshalCredentialW + AcquireCredentialsHandleW +
# InitializeSecurityContextW), builds against the public and compat
# headers (and, when the Win64 cross compiler is there, against the
# Windows headers) and logs on from the token unchanged.
#
# CHECK_PKINIT_KEEP=1 keeps the directory. The KDC is stopped by its pid
# on the way out, whatever happens. By hand:
#     top_srcdir=. top_builddir=_build sh tests/check_pkinit.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_pkinit"

PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for prog in krb5kdc kdb5_util kadmin.local openssl softhsm2-util \
            pkcs11-tool; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
[ -f /usr/lib/softhsm/libsofthsm2.so ] || missing="$missing libsofthsm2.so"
ls /usr/lib/*/krb5/plugins/preauth/pkinit.so >/dev/null 2>&1 ||
    missing="$missing pkinit.so"
if [ -n "$missing" ]; then
    echo "check_pkinit: missing$missing; install them with:" >&2
    echo "    apt-get install krb5-kdc krb5-admin-server krb5-pkinit" \
         "softhsm2 opensc openssl" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "check_pkinit: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/pkinit.sh"

# MIT's PKINIT plugin (and gss-ntlmssp, loaded by the Negotiate test)
# leak memory of their own: LeakSanitizer is told which
# (tests/lsan-pkinit.supp); the slow unwinder reaches their frames.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-pkinit.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-pkinit.XXXXXX") || exit 99
realm=$base/realm
cleanup() {
    kdc_stop "$realm"
    if [ -n "${CHECK_PKINIT_KEEP:-}" ]; then
        echo "check_pkinit: kept $base" >&2
    else
        rm -rf "$base"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "check_pkinit: $*" >&2
    exit 99
}

kdc_start "$realm" || fail "the KDC did not start"
pkinit_setup "$realm" || fail "the PKINIT setup failed"
kdc_restart "$realm" || fail "the KDC did not restart with PKINIT"
. "$realm/env"
unset KRB5_TRACE

show_log() {
    echo "check_pkinit: failed ($1); $realm/kdc.log:" >&2
    grep -v "closing down" "$realm/kdc.log" | tail -n 15 | cut -c 1-300 >&2
}

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
CK_RUN_CASE=pkinit ${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
[ $rc -eq 0 ] || { show_log $rc; exit $rc; }

# The Windows snippet, unchanged: builds with warnings as errors against
# the public and compat headers, logs on from the token.
san=${SAN_CFLAGS:-}
ex=$base/smartcard_logon
# shellcheck disable=SC2086
if ! ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -DUNICODE -D_UNICODE \
        -I"$top_srcdir/include" -I"$top_srcdir/compat" -c -o "$ex.o" \
        "$top_srcdir/examples/smartcard_logon.c" > "$ex.out" 2>&1 ||
   ! "$top_builddir/libtool" --tag=CC --mode=link ${CC:-cc} $san \
        -o "$ex" "$ex.o" "$top_builddir/lib/libsspigss.la" \
        >> "$ex.out" 2>&1; then
    cat "$ex.out" >&2
    fail "examples/smartcard_logon.c does not build"
fi
# ... and is Windows code: it compiles against the Windows headers too.
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -DUNICODE \
        -D_UNICODE -c -o "$ex.obj" "$top_srcdir/examples/smartcard_logon.c" \
        > "$ex.out" 2>&1 || {
        cat "$ex.out" >&2
        fail "examples/smartcard_logon.c does not compile for Windows"
    }
fi
run=${SSPIGSS_TEST_RUNNER:-"$top_builddir/libtool --mode=execute"}
# shellcheck disable=SC2086
if ! $run "$ex" "$(cat "$SSPIGSS_PKINIT_DIR/alice.sha1")" 1234 \
        "host/$SSPIGSS_HOST" > "$ex.out" 2>&1 ||
   ! grep -q "^AP-REQ for the service" "$ex.out"; then
    cat "$ex.out" >&2
    show_log 1
    fail "examples/smartcard_logon.c did not log on from the token"
fi
echo "check_pkinit: examples/smartcard_logon.c logged on from the token"

case ${SAN_CFLAGS:-} in
    *sanitize=*)
        echo "check_pkinit: expired_kdc_cert not run in a sanitizer build" \
             "(libfaketime deadlocks with ASan); the gcc and valgrind" \
             "passes run it" ;;
    *)
        faketime_lib=
        for f in /usr/lib/*/faketime/libfaketime.so.1 \
                 /usr/lib/faketime/libfaketime.so.1; do
            [ -f "$f" ] && { faketime_lib=$f; break; }
        done
        [ -n "$faketime_lib" ] ||
            fail "libfaketime is missing; install it with: apt-get install libfaketime"
        CK_RUN_CASE=faketime \
            LD_PRELOAD="$faketime_lib${LD_PRELOAD:+ $LD_PRELOAD}" \
            FAKETIME=+0 FAKETIME_NO_CACHE=1 ${SSPIGSS_TEST_RUNNER:-} "$suite"
        rc=$?
        [ $rc -eq 0 ] || { show_log $rc; exit $rc; } ;;
esac
exit 0
