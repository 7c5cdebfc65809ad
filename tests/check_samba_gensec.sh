#!/bin/sh
# check_samba_gensec.sh - libsspigss's Negotiate package against Samba's
# own SPNEGO and NTLMSSP (gensec, Samba 4.17), over NTLM, both directions,
# through tests/samba_gensec.py: one process, libsspigss through ctypes,
# Samba through its Python bindings (Debian's python3-samba, for
# /usr/bin/python3), tokens handed across directly. Cases (the .py file
# says more): A. PackageList "NTLM" (two legs) -> Samba's acceptor, whose
# unsent mechListMIC took the server's sequence number 0; B. PackageList
# "!Kerberos" (three legs); C. Samba's client -> our Negotiate server;
# D. wrong passwords both ways; E. changed mechListMICs, each side's
# refused. Messages both ways after each handshake.
#
# Samba's acceptor checks the NTLM responses in this process with its
# "sam" auth method over a copy of the harness's AD DC template
# (tests/harness/samba.sh: SAMBA\alice, "alice-pw-1"); no samba process
# is started. Our acceptor reads gss-ntlmssp's user file (NTLM_USER_FILE,
# "SAMBA:alice:alice-pw-1"); Kerberos has a profile without a KDC, no
# ccache and no keytab, so Negotiate settles on NTLM. Everything lives in
# one temporary directory, removed on exit (CHECK_SAMBA_GENSEC_KEEP=1
# keeps it). SSPIGSS_TRACE=1 shows the library's log, SAMBA_GENSEC_DEBUG=N
# raises Samba's log level.
#
# Exit status: 0 all checks passed, 1 a check failed; 77 (skipped) when
# not root (the DC template is provisioned as root), when /usr/bin/python3
# has no Samba bindings, or when the library is built with AddressSanitizer
# (an uninstrumented python3 cannot load it); 99 when the library,
# gss-ntlmssp or the DC template is missing. The valgrind pass
# (SSPIGSS_TEST_RUNNER) does not apply: Python and Samba run as they are,
# as in check_sspilib.sh.
#
# Run by hand, from the build directory:
#     top_srcdir=.. top_builddir=. sh ../tests/check_samba_gensec.sh
set -u
: "${top_srcdir:=${srcdir:-.}}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=$(cd "$top_builddir" && pwd)
me=check_samba_gensec
script="$top_srcdir/tests/samba_gensec.py"
lib=${SSPIGSS_LIB:-$top_builddir/lib/.libs/libsspigss.so.0}
PATH="$PATH:/usr/sbin:/sbin"
export PATH

if [ "$(id -u)" -ne 0 ]; then
    echo "$me: SKIP: the Samba AD DC template needs root" \
         "(tests/harness/samba.sh); run make check as root" >&2
    exit 77
fi
# Samba's Python modules are Debian's, for Debian's python3 (not a pyenv
# one that may come first on PATH).
SAMBA_PYTHON=/usr/bin/python3
if ! "$SAMBA_PYTHON" -c 'import samba.gensec, samba.auth' \
        > /dev/null 2>&1; then
    echo "$me: SKIP: $SAMBA_PYTHON cannot import samba.gensec; install" \
         "it with: apt-get install --no-install-recommends python3-samba" >&2
    exit 77
fi
for f in "$script" "$top_srcdir/tests/sspilib_ctypes.py" \
         "$top_srcdir/tests/harness/samba.sh"; do
    if [ ! -f "$f" ]; then
        echo "$me: $f not found (set top_srcdir)" >&2
        exit 99
    fi
done
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

. "$top_srcdir/tests/harness/samba.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-samba-gensec.XXXXXX") || exit 99
cleanup() {
    if [ -n "${CHECK_SAMBA_GENSEC_KEEP:-}" ]; then
        echo "$me: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The DC's databases, copied: Samba's "sam" method writes logon
# statistics (lastLogon, badPwdCount) into its copy.
tpl=$(samba_template) || {
    echo "$me: no Samba AD DC template (tests/harness/samba.sh)" >&2
    exit 99
}
mkdir "$tmp/dc" && cp -a "$tpl/." "$tmp/dc/" || {
    echo "$me: cannot copy $tpl" >&2
    exit 99
}
# Its smb.conf, every path under $tmp/dc; the ports are never bound.
samba_write_conf "$tmp/dc" 88 464

echo "SAMBA:alice:alice-pw-1" > "$tmp/users" || exit 99
# A default realm but no KDC and no DNS look-ups: nothing leaves the
# machine, and our Negotiate acceptor finds no Kerberos keys.
cat > "$tmp/krb5.conf" <<KRB5 || exit 99
[libdefaults]
    default_realm = $SAMBA_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
KRB5

to=""
command -v timeout > /dev/null 2>&1 && to="timeout 120"
# Nothing from the caller's environment but what the test reads.
env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$tmp/dc" LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    KRB5_CONFIG="$tmp/krb5.conf" KRB5CCNAME="FILE:$tmp/no-ccache" \
    KRB5_KTNAME="FILE:$tmp/no-keytab" \
    KRB5_CLIENT_KTNAME="FILE:$tmp/no-client-keytab" \
    NTLM_USER_FILE="$tmp/users" GSSNTLMSSP_DEBUG="$tmp/gssntlmssp.log" \
    ${SSPIGSS_TRACE:+SSPIGSS_TRACE="$SSPIGSS_TRACE"} \
    ${SAMBA_GENSEC_DEBUG:+SAMBA_GENSEC_DEBUG="$SAMBA_GENSEC_DEBUG"} \
    $to "$SAMBA_PYTHON" "$script" "$lib" "$tmp/dc"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$tmp/gssntlmssp.log" ]; then
    echo "--- gss-ntlmssp log (last 40 lines) ---" >&2
    tail -n 40 "$tmp/gssntlmssp.log" >&2
fi
[ "$rc" -eq 124 ] && echo "$me: timed out after 120 s" >&2
exit "$rc"
