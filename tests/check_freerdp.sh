#!/bin/sh
# check_freerdp.sh - FreeRDP's NLA server on libsspigss (issue #14): the
# Debian 12 FreeRDP 2.11 shadow server (freerdp-shadow-cli, on an Xvfb
# display) loads libsspigss as its SSPI module and authenticates FreeRDP's
# own client (xfreerdp +auth-only, WinPR's NTLM inside "Negotiate") over
# CredSSP on 127.0.0.1, with a throwaway NTLM user file (SSPIGSS:bob):
#
#   1. bob with his password: xfreerdp exits 0; the library's trace
#      (SSPIGSS_TRACE, the server's only) shows the module loaded
#      (InitSecurityInterfaceA: FreeRDP is built without UNICODE) and
#      every step of nla.c's server on our table: QuerySecurityPackageInfo
#      and AcquireCredentialsHandle for "Negotiate", AcceptSecurityContext
#      CONTINUE then OK (a raw NTLM exchange under Negotiate),
#      QueryContextAttributes (SECPKG_ATTR_SIZES), DecryptMessage (the
#      client's public-key hash), EncryptMessage (the server's),
#      DecryptMessage (the TSCredentials), Impersonate/RevertSecurityContext,
#      FreeContextBuffer (the SecPkgInfo), all SEC_E_OK;
#   2. bob with a wrong password: xfreerdp fails, the server's
#      AcceptSecurityContext answers SEC_E_LOGON_DENIED and goes no
#      further; so does a user the file does not know;
#   3. the server is still running and lets bob in again (as
#      /u:SSPIGSS\bob, the domain inside the user name).
#
# How the module gets into FreeRDP: tests/harness/freerdp.sh. In short,
# FreeRDP reads HKLM\Software\FreeRDP\FreeRDP\Server "SspiModule" from
# WinPR's registry file /etc/winpr/HKLM.reg; the server runs in a private
# mount namespace (unshare --mount --propagation private) whose /etc is a
# read-only overlay of this test's $tmp/etc over the real one, so the
# file exists for that process only and the system's /etc is untouched.
# That needs root (CAP_SYS_ADMIN) and overlayfs: otherwise this SKIPs
# (77), as it does when FreeRDP or Xvfb is not installed.
#
# The client's domain must be spelled as in the user file (SSPIGSS, not
# sspigss): gss-ntlmssp finds the user without regard to case but then
# computes the NTLMv2 proof with the file's spelling of the domain
# (gss-ntlmssp 1.2 src/gss_creds.c get_user_file_creds,
# src/gss_auth.c), and NTLMv2 hashes the domain as it is.
#
# Not run in a sanitizer build (an ASan library cannot be loaded into
# FreeRDP's uninstrumented server). CHECK_FREERDP_MODULE=/path/to/.so
# tests another build of the library; CHECK_FREERDP_KEEP=1 keeps the
# directory. Everything lives in one temporary directory, removed on
# exit; Xvfb and the server are stopped by their own pids.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=$(cd "$top_builddir" && pwd)
module=${CHECK_FREERDP_MODULE:-$top_builddir/lib/.libs/libsspigss.so.0}
me=check_freerdp
pass=0
fail=0
bgnames=""
tmp=""
tmo=30

# ------------------------------------------------------------- plumbing

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    if [ -n "$tmp" ] && [ -d "$tmp" ]; then
        if [ -n "${CHECK_FREERDP_KEEP:-}" ]; then
            echo "$me: kept $tmp" >&2
        else
            # Xvfb and the server may still be closing their files.
            for n in $bgnames; do
                i=0
                while [ ! -f "$tmp/$n.rc" ] && [ $i -lt 50 ]; do
                    sleep 0.1
                    i=$((i + 1))
                done
            done
            rm -rf "$tmp"
        fi
    fi
}

missing=""
for prog in freerdp-shadow-cli xfreerdp Xvfb; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: SKIP: missing:$missing; install them with" >&2
    echo "    apt-get install --no-install-recommends freerdp2-shadow-x11" \
         "freerdp2-x11 xvfb" >&2
    exit 77
fi
missing=""
for prog in unshare mount stdbuf timeout ss od; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if ! have_gssntlmssp; then
    missing="$missing gss-ntlmssp"
fi
if [ -n "$missing" ]; then
    echo "$me: missing:$missing" >&2
    echo "$me: apt-get install gss-ntlmssp util-linux mount coreutils" \
         "iproute2" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$me: SKIP: the server's private /etc/winpr (a mount namespace" \
         "with an overlay on /etc) needs root; run make check as root" >&2
    exit 77
fi
case ${SAN_CFLAGS:-} in
    *sanitize=*)
        echo "$me: SKIP: not run in a sanitizer build (FreeRDP's server" \
             "cannot load an ASan library); the gcc pass runs it" >&2
        exit 77 ;;
esac
if [ ! -f "$module" ]; then
    echo "$me: $module not built" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
case $module in
    /*) ;;
    *) module=$(pwd)/$module ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_freerdp.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
case $tmp in
    # overlayfs' option string separates with ',' and ':'.
    *[,:]*)
        echo "$me: $tmp: a directory without ',' or ':' is needed" >&2
        echo "$me: 0 passed, 1 failed"
        exit 1 ;;
esac

# kdc_free_port only: no KDC is started.
. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/procs.sh"
. "$top_srcdir/tests/harness/freerdp.sh"

srv=$tmp/server
mkdir -p "$srv" "$tmp/client" || exit 1
freerdp_write_registry "$srv" "$module" || exit 1
if ! freerdp_ns_probe "$srv"; then
    echo "$me: SKIP: cannot lay an overlay on /etc in a private mount" \
         "namespace here (unshare --mount; mount -t overlay): no" \
         "CAP_SYS_ADMIN or no overlayfs" >&2
    exit 77
fi

# The server's environment: the user file, the trace, an empty Kerberos
# profile, no ticket cache, no keytab (Negotiate's Kerberos side finds
# nothing and stays out of the way).
cat > "$srv/users" <<USERS || exit 1
SSPIGSS:bob:bob-pw-2
USERS
: > "$srv/krb5.conf" || exit 1
trace=$srv/trace
unset KRB5_TRACE LM_COMPAT_LEVEL NETBIOS_COMPUTER_NAME NETBIOS_DOMAIN_NAME
unset NTLMUSER GSSNTLMSSP_DEBUG GSS_MECH_CONFIG SSPIGSS_TRACE

if ! freerdp_xvfb xvfb; then
    bad "Xvfb did not start" "$tmp/xvfb.out"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
if ! freerdp_shadow shadow "$srv" NTLM_USER_FILE="$srv/users" \
        SSPIGSS_TRACE="$trace" KRB5_CONFIG="$srv/krb5.conf" \
        KRB5CCNAME="FILE:$srv/no-ccache" KRB5_KTNAME="FILE:$srv/no-keytab" \
        KRB5_CLIENT_KTNAME="FILE:$srv/no-client-keytab"; then
    bad "freerdp-shadow-cli did not start" "$tmp/shadow.out"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
ok

# login NAME [xfreerdp options]: one xfreerdp +auth-only to the server;
# output in NAME.out, exit status in $rc, the library's trace lines of
# this connection in NAME.trace.
conns=0
login() {
    lg=$1
    shift
    before=0
    [ -f "$trace" ] && before=$(wc -l < "$trace")
    HOME=$tmp/client XDG_CONFIG_HOME=$tmp/client/.config \
        DISPLAY=$display timeout "$tmo" xfreerdp /v:"127.0.0.1:$port" \
        /sec:nla +auth-only /cert:ignore "$@" > "$tmp/$lg.out" 2>&1
    rc=$?
    # The server ends each connection with DeleteSecurityContext, once
    # it has noticed the client gone: wait for it.
    conns=$((conns + 1))
    i=0
    while [ $i -lt 50 ]; do
        n=0
        [ -f "$trace" ] && n=$(grep -c 'DeleteSecurityContext ->' "$trace")
        [ "$n" -ge "$conns" ] && break
        sleep 0.1
        i=$((i + 1))
    done
    sed -n "$((before + 1)),\$p" "$trace" > "$tmp/$lg.trace" 2>/dev/null
}

# expect_fails DESC GOT [FILE...]: a non-zero exit status.
expect_fails() {
    efd=$1 efrc=$2
    shift 2
    if [ "$efrc" -ne 0 ]; then ok; else bad "$efd: exit 0" "$@"; fi
}

ok_line() {  # ok_line FUNCTION: the trace's line for a SEC_E_OK result
    echo "$1 -> 0x00000000 SEC_E_OK"
}

# ------------------------------------------------- 1. the right password

login good /u:bob /p:bob-pw-2 /d:SSPIGSS
expect_in "good: module loaded" "$tmp/good.trace" \
    "InitSecurityInterfaceA -> table"
expect_in "good: FreeRDP named it" "$tmp/shadow.out" \
    "Using SSPI Module: $module"
# Without the library's own AcquireCredentialsHandle, the table FreeRDP
# got points elsewhere: say so once, not in every check below.
if ! grep -qF "AcquireCredentialsHandleA ->" "$tmp/good.trace"; then
    if grep -qF "InitSecurityInterfaceA ->" "$tmp/good.trace" &&
       grep -q "com\.winpr\.\(sspi\|negotiate\)" "$tmp/shadow.out"; then
        bad "good: FreeRDP called $module's InitSecurityInterfaceA, but
  every call through the table it returned ran WinPR's own SSPI (see
  com.winpr.* in the server's log): the table's slots are bound to the
  exported functions of the same names that libwinpr2.so.2 (in the
  server's global scope) defines, not to the library's own; the library
  must bind its tables to its own definitions (e.g. link with
  -Wl,-Bsymbolic-functions)" "$tmp/good.trace" "$tmp/shadow.out"
    else
        bad "good: no AcquireCredentialsHandleA in the library's trace" \
            "$tmp/good.trace" "$tmp/shadow.out" "$tmp/good.out"
    fi
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
expect_rc "good: xfreerdp" "$rc" 0 "$tmp/good.out" "$tmp/good.trace" \
    "$tmp/shadow.out"
expect_in "good: xfreerdp authenticated" "$tmp/good.out" \
    "Authentication only, exit status 0"
for f in QuerySecurityPackageInfoA AcquireCredentialsHandleA \
         QueryContextAttributesA EncryptMessage ImpersonateSecurityContext \
         RevertSecurityContext FreeContextBuffer; do
    expect_count "good: $f" "$tmp/good.trace" "$(ok_line "$f")" 1
done
expect_count "good: first leg" "$tmp/good.trace" \
    "AcceptSecurityContext -> 0x00090312 SEC_I_CONTINUE_NEEDED" 1
expect_count "good: accepted" "$tmp/good.trace" \
    "$(ok_line AcceptSecurityContext)" 1
# The client's public-key hash, then its TSCredentials.
expect_count "good: DecryptMessage" "$tmp/good.trace" \
    "$(ok_line DecryptMessage)" 2
expect_not_in "good: no failure" "$tmp/good.trace" " -> 0x8"
# WinPR's NTLM against sspigss's own NTLM message protection
# (lib/ntlm_msg.c), not gss-ntlmssp's.
expect_count "good: sspigss's NTLM messages" "$tmp/good.trace" \
    "NTLM messages by sspigss" 1
expect_not_in "good: no WinPR package" "$tmp/shadow.out" "com.winpr.sspi"

# ------------------------------------------------- 2. a wrong password

login badpw /u:bob /p:wrong /d:SSPIGSS
expect_fails "badpw: xfreerdp" "$rc" "$tmp/badpw.out" "$tmp/badpw.trace"
expect_in "badpw: xfreerdp refused" "$tmp/badpw.out" \
    "Authentication only, exit status 1"
expect_in "badpw: code" "$tmp/badpw.trace" \
    "AcceptSecurityContext -> 0x8009030C SEC_E_LOGON_DENIED"
expect_not_in "badpw: not accepted" "$tmp/badpw.trace" \
    "$(ok_line AcceptSecurityContext)"
expect_not_in "badpw: no credentials taken" "$tmp/badpw.trace" \
    "DecryptMessage"
expect_in "badpw: FreeRDP's verdict" "$tmp/shadow.out" \
    "AcceptSecurityContext status SEC_E_LOGON_DENIED [0x8009030C]"

login nouser /u:alice /p:bob-pw-2 /d:SSPIGSS
expect_fails "nouser: xfreerdp" "$rc" "$tmp/nouser.out" "$tmp/nouser.trace"
expect_in "nouser: code" "$tmp/nouser.trace" \
    "AcceptSecurityContext -> 0x8009030C SEC_E_LOGON_DENIED"
expect_not_in "nouser: no credentials taken" "$tmp/nouser.trace" \
    "DecryptMessage"

# ------------------------------------------- 3. still serving, bob again

if [ -f "$tmp/shadow.rc" ]; then
    bad "the server exited ($(cat "$tmp/shadow.rc"))" "$tmp/shadow.out"
else
    ok
fi
login again '/u:SSPIGSS\bob' /p:bob-pw-2
expect_rc "again: xfreerdp" "$rc" 0 "$tmp/again.out" "$tmp/again.trace"
expect_count "again: accepted" "$tmp/again.trace" \
    "$(ok_line AcceptSecurityContext)" 1
expect_count "again: credentials" "$tmp/again.trace" \
    "$(ok_line DecryptMessage)" 2
expect_in "again: impersonated" "$tmp/again.trace" \
    "$(ok_line ImpersonateSecurityContext)"
if [ -f "$tmp/shadow.rc" ]; then
    bad "the server exited ($(cat "$tmp/shadow.rc"))" "$tmp/shadow.out"
else
    ok
fi

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
