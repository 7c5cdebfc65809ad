#!/bin/sh
# check_kdc_proxy.sh - run tests/check_kdc_proxy: Kerberos and Negotiate
# through a KDC proxy (SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, MS-KKDCP).
#
# Starts, all on 127.0.0.1: the throwaway MIT KDC (tests/harness/kdc.sh;
# alice's TGT in its ccache), the test PKI (tests/harness/tls.sh) and a
# real KDC proxy in front of the KDC: Debian's python3-kdcproxy served
# over TLS with the PKI's localhost certificate
# (tests/harness/kdcproxy_server.py). The suite's krb5 profile names, as
# the realm's only KDC, a port nothing listens on: a ticket can only come
# through the proxy. MIT's client needs its TLS module for that
# (krb5-k5tls). Runs in every pass of ./quickstart test.
#
# CHECK_KDC_PROXY_KEEP=1 keeps the directory (profiles, proxy log, MIT's
# trace). By hand, from _build/: top_srcdir=.. top_builddir=. sh ../tests/check_kdc_proxy.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_kdc_proxy"
me=check_kdc_proxy

PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for p in krb5kdc kdb5_util kadmin.local kinit openssl /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
/usr/bin/python3 -c 'import kdcproxy' 2>/dev/null ||
    missing="$missing python3-kdcproxy"
ls /usr/lib/*/krb5/plugins/tls/k5tls.so >/dev/null 2>&1 ||
    missing="$missing krb5-k5tls"
if [ -n "$missing" ]; then
    echo "$me: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends krb5-kdc" \
         "krb5-admin-server krb5-user openssl python3-kdcproxy krb5-k5tls" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/tls.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-kdcproxy.XXXXXX") || exit 99
proxy_pid=
cleanup() {
    [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
    kdc_stop "$base/kdc"
    if [ -n "${CHECK_KDC_PROXY_KEEP:-}" ]; then
        echo "$me: kept $base" >&2
    else
        rm -rf "$base"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kdc_start "$base/kdc" || { echo "$me: the KDC did not start" >&2; exit 99; }
kdc_kinit "$base/kdc" alice || { echo "$me: kinit alice failed" >&2; exit 99; }
. "$base/kdc/env"
mkdir -p "$base/tls" && tls_make_pki "$base/tls" >/dev/null ||
    { echo "$me: the PKI was not made" >&2; exit 99; }

# The proxy forwards the realm to the real KDC (over TCP).
cat > "$base/kdcproxy.conf" <<CONF
[global]
use_dns = false
[$SSPIGSS_REALM]
kerberos = kerberos+tcp://127.0.0.1:$SSPIGSS_KDC_PORT
CONF
KDCPROXY_CONFIG=$base/kdcproxy.conf /usr/bin/python3 \
    "$top_srcdir/tests/harness/kdcproxy_server.py" \
    "$base/tls/localhost-chain.pem" "$base/tls/localhost.key" \
    "$base/proxy.port" 2> "$base/proxy.log" &
proxy_pid=$!
i=0
while [ ! -s "$base/proxy.port" ] && [ $i -lt 100 ]; do
    kill -0 "$proxy_pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done
if [ ! -s "$base/proxy.port" ]; then
    echo "$me: the KDC proxy did not start" >&2
    cat "$base/proxy.log" >&2
    exit 99
fi

# The client's profile: the realm's only KDC is a port nothing listens on.
dead=$(kdc_free_port) || exit 99
sed "s|kdc = 127.0.0.1:$SSPIGSS_KDC_PORT|kdc = 127.0.0.1:$dead|" \
    "$KRB5_CONFIG" > "$base/client.conf" || exit 99
grep -q "kdc = 127.0.0.1:$dead" "$base/client.conf" ||
    { echo "$me: the client profile names no KDC to replace" >&2; exit 99; }
# A CA file that does not hold the test CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=not the test CA" -keyout "$base/other.key" \
    -out "$base/other-ca.pem" -days 2 >/dev/null 2>&1 || exit 99

KRB5_CONFIG=$base/client.conf
SSL_CERT_FILE=$base/tls/trust.pem
SSL_CERT_DIR=/nonexistent
SSPIGSS_PROXY_PORT=$(cat "$base/proxy.port")
SSPIGSS_PROXY_LOG=$base/proxy.log
SSPIGSS_DEAD_PORT=$dead
SSPIGSS_UNTRUSTED=$base/other-ca.pem
export KRB5_CONFIG SSL_CERT_FILE SSL_CERT_DIR SSPIGSS_PROXY_PORT
export SSPIGSS_PROXY_LOG SSPIGSS_DEAD_PORT SSPIGSS_UNTRUSTED
# Negotiate loads gss-ntlmssp, whose own leaks LSan must not count
# (tests/lsan-gssntlmssp.supp says which, and why only its module).
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
# MIT's trace (krb5.trace in the KDC's directory) only when kept.
[ -n "${CHECK_KDC_PROXY_KEEP:-}" ] || unset KRB5_TRACE

${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ]; then
    echo "$me: failed ($rc); the proxy's log:" >&2
    tail -n 20 "$base/proxy.log" >&2
fi
exit $rc
