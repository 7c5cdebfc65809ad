#!/bin/sh
# check_interop_ad.sh - `sspigss client` and `sspigss server` against MIT's
# gss-sample programs (gss-client, gss-server) with tickets issued by a
# throwaway Samba AD DC (tests/harness/samba.sh, SAMBA.TEST, on 127.0.0.1;
# the services' keys come from the DC's exported keytabs):
#
#   1. sspigss client -> MIT gss-server, gssdemo/localhost (AES256, PAC in
#      the ticket): default ccache, explicit identity (W and A), no
#      mutual authentication, sign only, three messages, delegation.
#   2. MIT gss-client -> sspigss server: default, sign-only wrap, no
#      mutual authentication.
#   3. The RC4-only service rc4test/localhost (keys from DIR/rc4.keytab),
#      both directions, with mutual authentication (MIT's acceptor
#      negotiates an AES256 subkey, RFC 4537) and without (RC4-HMAC
#      session key: RFC 1964/4757 wrap tokens).
#   4. Refused logons through the tool: a disabled account and an expired
#      password give SEC_E_LOGON_DENIED, and the client prints the KDC's
#      NTSTATUS; a wrong password prints none.
#
# tests/check_interop.sh is the MIT pass (and the hostile-peer cases);
# this is the AD one. Root only, as the DC is: other users SKIP (77).
# Everything lives in one temporary directory, removed on exit; servers
# and the DC are stopped by their own pids. CHECK_INTEROP_VALGRIND=1 runs
# the sspigss processes under valgrind; CHECK_INTEROP_KEEP=1 keeps the
# directory.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
tool="$top_builddir/tools/sspigss"
me=check_interop_ad
pass=0
fail=0
bgnames=""
tmp=""
PATH="$PATH:/usr/sbin:/sbin"
export PATH

# ------------------------------------------------------------- plumbing

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    if [ -n "$tmp" ] && [ -d "$tmp" ]; then
        samba_stop "$tmp/dc" 2>/dev/null
        if [ -n "${CHECK_INTEROP_KEEP:-}" ]; then
            echo "$me: kept $tmp" >&2
        else
            rm -rf "$tmp"
        fi
    fi
}

missing=""
for prog in gss-client gss-server samba samba-tool kinit ss flock timeout
do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: missing:$missing" >&2
    echo "$me: apt-get install --no-install-recommends krb5-gss-samples" \
         "samba samba-ad-dc samba-ad-provision winbind krb5-user" \
         "iproute2 util-linux coreutils" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$tool" ]; then
    echo "$me: $tool not built" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$me: SKIP: the Samba AD DC harness needs root" \
         "(tests/harness/samba.sh); run make check as root for the AD" \
         "pass" >&2
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_interop_ad.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/harness/samba.sh"

wrap=""
tmo=60
if [ -n "${CHECK_INTEROP_VALGRIND:-}" ]; then
    wrap="$top_builddir/libtool --mode=execute valgrind -q
          --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite"
    [ -f "$top_srcdir/tests/valgrind.supp" ] &&
        wrap="$wrap --suppressions=$top_srcdir/tests/valgrind.supp"
    tmo=180
fi

. "$top_srcdir/tests/harness/procs.sh"

# The service's name and keytab for the next servers: gssdemo (DIR/keytab)
# or rc4test (DIR/rc4.keytab).
use_service() {  # use_service gssdemo|rc4test
    svc_name=$1
    if [ "$1" = rc4test ]; then
        svc_kt=$SSPIGSS_SAMBA_RC4_KEYTAB
    else
        svc_kt=FILE:$SSPIGSS_SAMBA_DIR/keytab
    fi
}

# mit_server NAME [gss-server options]: MIT gss-server on a free port.
mit_server() {
    mn=$1
    shift
    for _try in 1 2 3; do
        port=$(samba_free_port) || { bad "$mn: no free port"; return 1; }
        bg_start "$mn" env KRB5_KTNAME="$svc_kt" gss-server -port "$port" \
            "$@" "$svc_name@$SSPIGSS_SAMBA_HOST"
        bg_ready "$mn" "text:starting..." && return 0
        grep -q "binding socket" "$tmp/$mn.out" 2>/dev/null || break
    done
    bad "$mn: gss-server did not start" "$tmp/$mn.out"
    return 1
}

# our_server NAME [options]: sspigss server --port 0; its port to $port.
our_server() {
    on=$1
    shift
    rm -f "$tmp/$on.port"
    # shellcheck disable=SC2086
    bg_start "$on" env KRB5_KTNAME="$svc_kt" $wrap "$tool" server --port 0 \
        --ready-file "$tmp/$on.port" "$@" "$svc_name"
    if ! bg_ready "$on" "file:$tmp/$on.port"; then
        bad "$on: sspigss server did not start" "$tmp/$on.out"
        return 1
    fi
    port=$(cat "$tmp/$on.port")
}

# client NAME [options] MSG: sspigss client to $port; exit status in $rc.
client() {
    cn=$1
    shift
    # shellcheck disable=SC2086
    timeout "$tmo" $wrap "$tool" client --port "$port" \
        --connect 127.0.0.1 "$@" > "$tmp/$cn.out" 2>&1
    rc=$?
}

# mit_client NAME [gss-client options] MSG
mit_client() {
    mcn=$1
    shift
    last=""
    for a in "$@"; do last=$a; done
    opts=""
    while [ $# -gt 1 ]; do opts="$opts $1"; shift; done
    # shellcheck disable=SC2086
    timeout "$tmo" gss-client -port "$port" $opts 127.0.0.1 \
        "$svc_name@$SSPIGSS_SAMBA_HOST" "$last" > "$tmp/$mcn.out" 2>&1
    rc=$?
}

# ------------------------------------------------------------------ DC

# One test at a time builds the domain template (~15 s); the others wait.
tpl=$(samba_template_dir) || { echo "$me: no Samba version" >&2; exit 1; }
mkdir -p "$(dirname "$tpl")" || exit 1
if ! flock "$(dirname "$tpl")/.sspigss-template.lock" \
     sh -c ". '$top_srcdir/tests/harness/samba.sh' && samba_template" \
     >/dev/null; then
    bad "the Samba domain template could not be built"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
if ! samba_start "$tmp/dc"; then
    bad "the Samba AD DC did not start" "$tmp/dc/log/log.samba"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
. "$tmp/dc/env"
unset KRB5_TRACE
if ! samba_kinit "$tmp/dc" alice; then
    bad "kinit alice failed" "$tmp/dc/log/log.samba"
    echo "$me: $pass passed, $fail failed"
    exit 1
fi
realm=$SSPIGSS_SAMBA_REALM
host=$SSPIGSS_SAMBA_HOST

# Under valgrind, sections 1 and 2 are left out (their sspigss code paths
# are the MIT pass's, which tests/check_interop.sh runs under valgrind
# too); 3 (AD tickets and RC4 keys through both tools) and 4 (NTSTATUS)
# run. SSPIGSS_AD_FULL=1 runs everything anyway.
full=1
if [ -n "${CHECK_INTEROP_VALGRIND:-}" ] && [ -z "${SSPIGSS_AD_FULL:-}" ]
then
    full=
    echo "$me: under valgrind: sections 3 and 4 only" \
         "(SSPIGSS_AD_FULL=1 for all)"
fi

# ---------------------------------------- 1. sspigss client -> gss-server

# cs NAME MSG [client options]: one client run against gss-server -once.
cs() {
    csn=$1 csm=$2
    shift 2
    mit_server "$csn-srv" -once || return 1
    client "$csn" "$@" "$host" "$svc_name" "$csm"
    expect_rc "$csn: client" "$rc" 0 "$tmp/$csn.out" "$tmp/$csn-srv.out"
    bg_wait "$csn-srv" "$tmo"
    expect_rc "$csn: gss-server" "$bg_rc" 0 "$tmp/$csn-srv.out"
    expect_in "$csn: gss-server got it" "$tmp/$csn-srv.out" \
        "Received message: \"$csm\""
}

# sc NAME MSG [gss-client options]: gss-client against sspigss server.
sc() {
    scn=$1 scm=$2
    shift 2
    our_server "$scn-srv" --once || return 1
    mit_client "$scn" "$@" "$scm"
    expect_rc "$scn: gss-client" "$rc" 0 "$tmp/$scn.out" \
        "$tmp/$scn-srv.out"
    bg_wait "$scn-srv" "$tmo"
    expect_rc "$scn: sspigss server" "$bg_rc" 0 "$tmp/$scn-srv.out"
    expect_in "$scn: server got it" "$tmp/$scn-srv.out" \
        "Received message: \"$scm\""
}

use_service gssdemo
if [ -n "$full" ]; then
cs c-ccache "hello from sspigss, AD ticket"
expect_in "c-ccache: MIC" "$tmp/c-ccache.out" "Signature verified."
expect_in "c-ccache: names" "$tmp/c-ccache.out" \
    "\"alice@$realm\" to \"gssdemo/$host@$realm\""
expect_in "c-ccache: server saw alice" "$tmp/c-ccache-srv.out" \
    "Accepted connection: \"alice@$realm\""
# gss-server prints the name attributes: AD's PAC, with logon information.
expect_in "c-ccache: PAC logon info" "$tmp/c-ccache-srv.out" \
    "Attribute urn:mspac:logon-info Authenticated Complete"
cs c-ident-w "explicit identity, W" --user alice --password alice-pw-1 \
    --domain "$realm"
expect_in "c-ident-w: MIC" "$tmp/c-ident-w.out" "Signature verified."
cs c-ident-a "explicit identity, A, NetBIOS domain" --ansi \
    --user "$SSPIGSS_SAMBA_DOMAIN\\bob" --password bob-pw-2
expect_in "c-ident-a: server saw bob" "$tmp/c-ident-a-srv.out" \
    "Accepted connection: \"bob@$realm\""
cs c-nomutual "no mutual" --no-mutual
expect_not_in "c-nomutual: server" "$tmp/c-nomutual-srv.out" \
    "GSS_C_MUTUAL_FLAG"
cs c-nocrypt "signed, not sealed" --no-crypt
cs c-mcount "three times" --mcount 3
expect_count "c-mcount: server" "$tmp/c-mcount-srv.out" \
    'Received message: "three times"' 3
cs c-delegate "delegated" --delegate
expect_in "c-delegate: server" "$tmp/c-delegate-srv.out" \
    "context flag: GSS_C_DELEG_FLAG"

# ---------------------------------------- 2. gss-client -> sspigss server


sc s-default "hello from MIT, AD ticket"
expect_in "s-default: MIC verified" "$tmp/s-default.out" \
    "Signature verified."
expect_in "s-default: encrypted" "$tmp/s-default-srv.out" \
    "Message protection: encrypted"
# The server accepts with any key of DIR/keytab. AD's keytab holds
# host/, HTTP/ and gssdemo/localhost, SPNs of one account with one key, so
# the first entry (host/) decrypts the ticket for gssdemo/, and MIT's
# acceptor names the entry that decrypted it (krb5_rd_req with no server
# principal); the client still asked for gssdemo/.
expect_in "s-default: names" "$tmp/s-default-srv.out" \
    "\"alice@$realm\" to \"host/$host@$realm\""
expect_in "s-default: NAMES" "$tmp/s-default-srv.out" \
    "Accepted connection: \"$SSPIGSS_SAMBA_DOMAIN\\alice\""
sc s-nocrypt "MIT sign-only" -nx
expect_in "s-nocrypt: integrity only" "$tmp/s-nocrypt-srv.out" \
    "integrity only (SECQOP_WRAP_NO_ENCRYPT)"
sc s-nomutual "MIT no mutual" -nomutual
expect_in "s-nomutual: MIC verified" "$tmp/s-nomutual.out" \
    "Signature verified."
fi

# ---------------------------------------- 3. the RC4-only service

use_service rc4test
# Mutual authentication: AES256 acceptor subkey, RFC 4121 tokens.
cs r-c-mutual "RC4 service, mutual"
expect_in "r-c-mutual: RFC 4121 sizes" "$tmp/r-c-mutual.out" \
    "security trailer 76"
sc r-s-mutual "RC4 service, mutual, MIT client"
# No mutual authentication: RC4-HMAC keys, RFC 1964/4757 tokens.
cs r-c-rc4 "RC4 tokens" --no-mutual
expect_in "r-c-rc4: MIC" "$tmp/r-c-rc4.out" "Signature verified."
# RFC 1964 sizes (not RFC 4121's 76/28): the context's key is RC4.
expect_not_in "r-c-rc4: not RFC 4121 sizes" "$tmp/r-c-rc4.out" \
    "security trailer 76"
cs r-c-rc4-nocrypt "RC4 tokens, signed only" --no-mutual --no-crypt
sc r-s-rc4 "RC4 tokens from MIT" -nomutual
expect_in "r-s-rc4: MIC verified" "$tmp/r-s-rc4.out" "Signature verified."
sc r-s-rc4-long "$(printf '%0300d' 7)" -nomutual -mcount 2
# A long RC4 message: cbSecurityTrailer covers the largest RFC 1964
# header, whose DER length grows with the message.
long=$(printf '%0300d' 8)
if mit_server r-c-rc4-long-srv -once; then
    client r-c-rc4-long --no-mutual "$host" "$svc_name" "$long"
    expect_rc "r-c-rc4-long" "$rc" 0 "$tmp/r-c-rc4-long.out"
    bg_wait r-c-rc4-long-srv 10
    expect_in "r-c-rc4-long: delivered" "$tmp/r-c-rc4-long-srv.out" "$long"
fi

# ---------------------------------------- 4. refused logons

use_service gssdemo
# refused NAME USER PASSWORD NEEDLE...: the client's first ISC fails with
# SEC_E_LOGON_DENIED, saying each NEEDLE; the server gets nothing.
refused() {
    rn=$1 ru=$2 rp=$3
    shift 3
    mit_server "$rn-srv" -once || return 1
    client "$rn" --user "$ru" --password "$rp" --domain "$realm" \
        "$host" gssdemo "never"
    expect_rc "$rn: client" "$rc" 1 "$tmp/$rn.out"
    expect_in "$rn: code" "$tmp/$rn.out" \
        "InitializeSecurityContextW failed: SEC_E_LOGON_DENIED (0x8009030C)"
    for needle in "$@"; do
        case $needle in
            !*) expect_not_in "$rn: no ${needle#!}" "$tmp/$rn.out" \
                    "${needle#!}" ;;
            *) expect_in "$rn: reason" "$tmp/$rn.out" "$needle" ;;
        esac
    done
    kill "$(cat "$tmp/$rn-srv.pid")" 2>/dev/null
    bg_wait "$rn-srv" 10
    expect_not_in "$rn: nothing received" "$tmp/$rn-srv.out" \
        "Received message"
}

refused f-disabled disabled "$(samba_password disabled)" \
    "KDC NTSTATUS 0xC0000072 (STATUS_ACCOUNT_DISABLED)"
refused f-oldpw oldpw "$(samba_password oldpw)" \
    "KDC NTSTATUS 0xC0000071 (STATUS_PASSWORD_EXPIRED)"
refused f-badpw alice wrong-password "Preauthentication failed" \
    "!NTSTATUS"

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
