#!/bin/sh
# check_torture.sh - allocation-failure torture (issue #15 item 1):
# tests/alloc_torture fails the 1st, 2nd, ... heap allocation of each scenario
# (Kerberos, Negotiate, NTLM, Schannel, export/import, the CLI) and
# checks every failing run (docs/reliability.md, "Allocation-failure
# torture").
#
# Sets up what the scenarios talk to, all on 127.0.0.1: the throwaway
# MIT KDC (tests/harness/kdc.sh, alice's TGT in its ccache), an NTLM user
# file for gss-ntlmssp, the test PKI (tests/harness/tls.sh) and MIT's
# gss-server (krb5-gss-samples) for the CLI's client.
#
# In `make check` (the gcc pass of ./quickstart test) a sample of each
# scenario's allocations is failed (SSPIGSS_TORTURE_SAMPLE runs per
# scenario, 40 by default); `make check-torture` fails every one
# (SSPIGSS_TORTURE_ALL=1). Under valgrind or a sanitizer the allocator
# is theirs, so nothing can be injected: SKIP.
#
# By hand, from _build/: top_srcdir=.. top_builddir=. sh ../tests/check_torture.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
prog="$top_builddir/tests/alloc_torture"
me=check_torture

PATH="$PATH:/usr/sbin:/sbin"
export PATH

if [ -n "${SSPIGSS_TEST_RUNNER:-}" ]; then
    echo "$me: SKIP under SSPIGSS_TEST_RUNNER (valgrind owns malloc)"
    exit 77
fi
missing=
for p in krb5kdc kdb5_util kadmin.local kinit gss-server openssl; do
    command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "$me: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends krb5-kdc" \
         "krb5-admin-server krb5-user krb5-gss-samples openssl" >&2
    exit 99
fi
if [ ! -x "$prog" ]; then
    echo "$me: $prog not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/tls.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-torture.XXXXXX") || exit 99
gss_pid=
cleanup() {
    [ -n "$gss_pid" ] && kill "$gss_pid" 2>/dev/null
    kdc_stop "$base/kdc"
    rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kdc_start "$base/kdc" || { echo "$me: the KDC did not start" >&2; exit 99; }
kdc_kinit "$base/kdc" alice || { echo "$me: kinit alice failed" >&2; exit 99; }
. "$base/kdc/env"
# The trace file would grow by every run's krb5 trace: off.
unset KRB5_TRACE
# No replay cache: the runs repeat the same handshake many times a second.
KRB5RCACHETYPE=none
export KRB5RCACHETYPE

mkdir -p "$base/tls" && tls_make_pki "$base/tls" >/dev/null ||
    { echo "$me: the PKI was not made" >&2; exit 99; }
SSPIGSS_TLS_DIR=$base/tls
export SSPIGSS_TLS_DIR

printf '%s\n' SSPIGSS:alice:alice-pw-1 > "$base/ntlm-users"
NTLM_USER_FILE=$base/ntlm-users
export NTLM_USER_FILE

# MIT's gss-server for the CLI scenario's client; it takes one
# connection after another. A port clash gets another try.
port=
for _try in 1 2 3; do
    p=$(kdc_free_port) || break
    gss-server -port "$p" "gssdemo@$SSPIGSS_HOST" > "$base/gss-server.out" 2>&1 &
    gss_pid=$!
    i=0
    while [ $i -lt 50 ] && ! grep -q "starting" "$base/gss-server.out"; do
        kill -0 "$gss_pid" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    if grep -q "starting" "$base/gss-server.out"; then
        port=$p
        break
    fi
    kill "$gss_pid" 2>/dev/null
    gss_pid=
done
if [ -z "$port" ]; then
    echo "$me: gss-server did not start" >&2
    cat "$base/gss-server.out" >&2
    exit 99
fi
SSPIGSS_TORTURE_GSS_PORT=$port
export SSPIGSS_TORTURE_GSS_PORT

if [ -n "${SSPIGSS_TORTURE_ALL:-}" ]; then
    set -- --all "$@"
else
    set -- --sample "${SSPIGSS_TORTURE_SAMPLE:-40}" "$@"
fi
"$prog" "$@"
