#!/bin/sh
# check_interop_negotiate.sh - the Negotiate package of `sspigss client`
# and `sspigss server` against MIT's gss-sample programs (gss-client,
# gss-server from krb5-gss-samples) speaking SPNEGO, over a throwaway KDC
# (tests/harness/kdc.sh) on 127.0.0.1 and gss-ntlmssp with a user file of
# its own (NTLM_USER_FILE, for every process: alice with her Kerberos
# password, and carol, whom only NTLM knows):
#
#   1. sspigss client --package Negotiate -> gss-server: Kerberos, from
#      the default ccache and from an explicit identity (W, and A with the
#      NetBIOS-style domain SSPIGSS).
#   2. gss-client -spnego -> sspigss server --package Negotiate (the
#      keytab through KRB5_KTNAME): Kerberos, from the ccache and from
#      gss-client's -user/-pass.
#   3. NTLM through Negotiate: to a target the KDC does not know, against
#      sspigss server and against gss-server (whose NTLM acceptor reads
#      NTLM_USER_FILE); carol, unknown to the KDC, against gss-server;
#      gss-client -spnego with NTLM against sspigss server.
#   4. wrong passwords: the KDC's refusal is final (SEC_E_LOGON_DENIED at
#      InitializeSecurityContext, also for a target only NTLM could
#      reach); over NTLM the acceptor refuses (SEC_E_LOGON_DENIED at
#      AcceptSecurityContext).
#
# Which mechanism was used is read from what each side prints: gss-server
# -verbose dumps the first token (SPNEGO's OID 1.3.6.1.5.5.2 opens it)
# and names the negotiated mechanism's OID; `sspigss client` prints the
# sizes (Kerberos' 48000/28, NTLM's 2888/16) and the native names
# (Kerberos principals, or DOMAIN\user to a bare SPN for NTLM), and with
# --verbose every call (one SEC_I_CONTINUE_NEEDED for mutual Kerberos,
# two for NTLM); gss-client prints the negotiated mechanism.
#
# Everything lives in one temporary directory, removed on exit; servers
# and the KDC are stopped by their own pids. CHECK_INTEROP_VALGRIND=1 runs
# every sspigss process under valgrind (as tests/check_interop.sh does);
# CHECK_INTEROP_KEEP=1 keeps the directory for a post-mortem.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
tool="$top_builddir/tools/sspigss"
me=check_interop_negotiate
pass=0
fail=0
bgnames=""
tmp=""

# The DER of SPNEGO's OID, 1.3.6.1.5.5.2, as gss-server's print_token
# writes it: a NegTokenInit starts with it (RFC 4178 4.2.1).
spnego_oid="06 06 2b 06 01 05 05 02"
krb5_mech="{ 1 2 840 113554 1 2 2 }"
ntlm_mech="{ 1 3 6 1 4 1 311 2 2 10 }"
krb_sizes="Sizes: max token 48000, max signature 28,"
ntlm_sizes="Sizes: max token 2888, max signature 16, block size 0,"

# ------------------------------------------------------------- plumbing

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    if [ -n "$tmp" ] && [ -d "$tmp" ]; then
        kdc_stop "$tmp/kdc" 2>/dev/null
        if [ -n "${CHECK_INTEROP_KEEP:-}" ]; then
            echo "$me: kept $tmp" >&2
        else
            rm -rf "$tmp"
        fi
    fi
}

missing=""
for prog in gss-client gss-server krb5kdc kdb5_util kadmin.local kinit \
            timeout; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if ! ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1 \
   && ! ls /usr/lib/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
    missing="$missing gssntlmssp.so"
fi
if [ -n "$missing" ]; then
    echo "$me: missing:$missing" >&2
    echo "$me: apt-get install krb5-gss-samples krb5-kdc" \
         "krb5-admin-server krb5-user gss-ntlmssp coreutils" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$tool" ]; then
    echo "$me: $tool not built" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/harness/kdc.sh"

wrap=""
tmo=30
tmo_end=10
if [ -n "${CHECK_INTEROP_VALGRIND:-}" ]; then
    # tests/valgrind.supp: MIT's mechanism loading and gss-ntlmssp's own
    # leaks, each by its call chain (explained there). The MD4 one is
    # allocated a dozen OpenSSL frames below gssntlmssp.so: valgrind's
    # default 12 callers never reach the frame its suppression names.
    wrap="$top_builddir/libtool --mode=execute valgrind -q
          --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite --num-callers=40
          --suppressions=$top_srcdir/tests/valgrind.supp"
    tmo=180
    tmo_end=60
fi

. "$top_srcdir/tests/harness/procs.sh"

# The ASan pass: gss-ntlmssp's own leaks are suppressed for LeakSanitizer
# by tests/lsan-gssntlmssp.supp (as tests/check_negotiate.sh does; the
# slow unwinder reaches gss-ntlmssp's frames through OpenSSL's).
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

# finish: the closing line and exit status.
finish() {
    echo "$me: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

# mit_server NAME SERVICE: MIT gss-server -once -verbose for SERVICE
# ("svc@host") on a free port (in $port), waited for until it listens.
mit_server() {
    mn=$1
    # gss-server cannot pick its own port: take a free one, and another
    # when a parallel test got there first.
    for _try in 1 2 3; do
        port=$(kdc_free_port) || { bad "$mn: no free port"; return 1; }
        bg_start "$mn" gss-server -port "$port" -once -verbose "$2"
        bg_ready "$mn" "text:starting..." && return 0
        grep -q "binding socket" "$tmp/$mn.out" 2>/dev/null || break
    done
    bad "$mn: gss-server did not start" "$tmp/$mn.out"
    return 1
}

# our_server NAME [options]: sspigss server --package Negotiate --once
# --verbose for gssdemo (any key of the keytab; an NTLM acceptor without
# a name); the port it picked goes to $port.
our_server() {
    on=$1
    shift
    rm -f "$tmp/$on.port"
    # shellcheck disable=SC2086
    bg_start "$on" $wrap "$tool" server --package Negotiate --once \
        --verbose --port 0 --ready-file "$tmp/$on.port" "$@" gssdemo
    if ! bg_ready "$on" "file:$tmp/$on.port"; then
        bad "$on: sspigss server did not start" "$tmp/$on.out"
        return 1
    fi
    port=$(cat "$tmp/$on.port")
}

# client NAME [options] SERVICE MSG: sspigss client --package Negotiate
# --verbose to $port for SERVICE on sspigss.test; output in NAME.out,
# exit status in $rc. SSPIGSS_TRACE=1 adds the library's log (stderr).
client() {
    cn=$1
    shift
    # shellcheck disable=SC2086
    timeout "$tmo" $wrap "$tool" client --package Negotiate --verbose \
        --port "$port" --connect 127.0.0.1 sspigss.test "$@" \
        > "$tmp/$cn.out" 2>&1
    rc=$?
}

# mit_client NAME MSG [gss-client options]: gss-client -spnego to $port
# for gssdemo@sspigss.test; output in NAME.out, exit status in $rc.
mit_client() {
    mcn=$1 mcm=$2
    shift 2
    timeout "$tmo" gss-client -spnego -port "$port" "$@" 127.0.0.1 \
        gssdemo@sspigss.test "$mcm" > "$tmp/$mcn.out" 2>&1
    rc=$?
}

# expect_spnego DESC FILE: the first token gss-server -verbose dumped
# is a SPNEGO NegTokenInit (its first line holds the OID).
expect_spnego() {
    sed -n '/^Received token/{n;p;q;}' "$2" > "$tmp/first-token"
    if grep -qF -- "$spnego_oid" "$tmp/first-token"; then ok; else
        bad "$1: first token is not SPNEGO" "$2"
    fi
}

# both_done NAME SRVNAME RCWANT SRVRCWANT: the client's $rc and the
# server's exit status, waited for (the client is gone: a server still
# running after $tmo_end seconds waits for what will not come).
both_done() {
    expect_rc "$1: client" "$rc" "$3" "$tmp/$1.out" "$tmp/$2.out"
    bg_wait "$2" "$tmo_end"
    expect_rc "$1: server" "$bg_rc" "$4" "$tmp/$2.out"
}

# ---------------------------------------------------------------- realm

if ! kdc_start "$tmp/kdc"; then
    bad "KDC did not start" "$tmp/kdc/kdc.log"
    finish
fi
. "$tmp/kdc/env"
unset KRB5_TRACE
if ! kdc_kinit "$tmp/kdc" alice; then
    bad "kinit alice failed" "$tmp/kdc/kdc.log"
    finish
fi
# DOMAIN:user:password (the user file gss-ntlmssp reads when it has no
# password of its own: acceptors, and NTLM_USER_FILE-only initiators).
# SSPIGSS is the NetBIOS-style name of SSPIGSS.TEST.
printf '%s\n' SSPIGSS:alice:alice-pw-1 SSPIGSS:carol:carol-pw \
    > "$tmp/ntlm-users"
NTLM_USER_FILE=$tmp/ntlm-users
export NTLM_USER_FILE

isc_w="InitializeSecurityContextW -> SEC_I_CONTINUE_NEEDED (0x00090312)"
isc_a="InitializeSecurityContextA -> SEC_I_CONTINUE_NEEDED (0x00090312)"
asc_more="AcceptSecurityContext -> SEC_I_CONTINUE_NEEDED (0x00090312)"

# ---------------------------- 1. sspigss client -> gss-server: Kerberos

# kc NAME [client options]: a Negotiate client against gss-server for
# gssdemo@sspigss.test that must pick Kerberos: SPNEGO on the wire, the
# krb5 OID negotiated, alice on both sides, Kerberos' sizes, one round
# trip (mutual), the message received and its MIC verified.
kc() {
    kn=$1
    shift
    mit_server "$kn-srv" gssdemo@sspigss.test || return 1
    client "$kn" "$@" gssdemo "Negotiate to MIT, $kn"
    both_done "$kn" "$kn-srv" 0 0
    expect_spnego "$kn: SPNEGO" "$tmp/$kn-srv.out"
    expect_in "$kn: gss-server negotiated Kerberos" "$tmp/$kn-srv.out" \
        "Accepted connection using mechanism OID $krb5_mech."
    expect_in "$kn: gss-server saw alice" "$tmp/$kn-srv.out" \
        'Accepted connection: "alice@SSPIGSS.TEST"'
    expect_in "$kn: gss-server got it" "$tmp/$kn-srv.out" \
        "Received message: \"Negotiate to MIT, $kn\""
    expect_in "$kn: Kerberos sizes" "$tmp/$kn.out" "$krb_sizes"
    expect_in "$kn: Kerberos names" "$tmp/$kn.out" \
        '"alice@SSPIGSS.TEST" to "gssdemo/sspigss.test@SSPIGSS.TEST"'
    expect_in "$kn: Windows name" "$tmp/$kn.out" \
        'Context user: "SSPIGSS\alice"'
    expect_in "$kn: mutual" "$tmp/$kn.out" "context flag: ISC_RET_MUTUAL_AUTH"
    expect_in "$kn: MIC" "$tmp/$kn.out" "Signature verified."
}

kc k-ccache
expect_count "k-ccache: one round trip" "$tmp/k-ccache.out" "$isc_w" 1
kc k-ident --user alice --password alice-pw-1 --domain SSPIGSS.TEST
expect_count "k-ident: one round trip" "$tmp/k-ident.out" "$isc_w" 1
kc k-ident-a --ansi --user alice --password alice-pw-1 --domain SSPIGSS
expect_count "k-ident-a: one round trip" "$tmp/k-ident-a.out" "$isc_a" 1

# ------------------------- 2. gss-client -spnego -> sspigss server

# ks NAME [gss-client options]: gss-client -spnego against sspigss
# server --package Negotiate that must pick Kerberos: gss-client names the
# krb5 mechanism (gss_inquire_context through SPNEGO gives the negotiated
# one) and both principals; the server accepts in one step and sees
# alice's Kerberos name.
ks() {
    kn=$1
    shift
    our_server "$kn-srv" || return 1
    mit_client "$kn" "MIT SPNEGO, $kn" "$@"
    both_done "$kn" "$kn-srv" 0 0
    expect_in "$kn: gss-client negotiated Kerberos" "$tmp/$kn.out" \
        "Mechanism $krb5_mech supports"
    expect_in "$kn: gss-client names" "$tmp/$kn.out" \
        '"alice@SSPIGSS.TEST" to "gssdemo/sspigss.test@SSPIGSS.TEST"'
    expect_in "$kn: MIC" "$tmp/$kn.out" "Signature verified."
    expect_not_in "$kn: one step" "$tmp/$kn-srv.out" "$asc_more"
    expect_in "$kn: server saw alice" "$tmp/$kn-srv.out" \
        'Accepted connection: "SSPIGSS\alice"'
    expect_in "$kn: server's Kerberos names" "$tmp/$kn-srv.out" \
        '"alice@SSPIGSS.TEST" to "gssdemo/sspigss.test@SSPIGSS.TEST"'
    expect_in "$kn: encrypted" "$tmp/$kn-srv.out" \
        "Message protection: encrypted"
    expect_in "$kn: server got it" "$tmp/$kn-srv.out" \
        "Received message: \"MIT SPNEGO, $kn\""
}

ks s-ccache
# gss_acquire_cred_with_password over SPNEGO: krb5 gets alice's TGT.
ks s-password -user alice -pass alice-pw-1

# ------------------------------------------- 3. NTLM through Negotiate

# An explicit identity to nosuch/sspigss.test, which the KDC does not
# know: Negotiate drops Kerberos (the trace says why) and NTLM runs in
# three legs, client to server and back.
if our_server n-ours-srv; then
    SSPIGSS_TRACE=1
    export SSPIGSS_TRACE
    client n-ours --user alice --password alice-pw-1 --domain SSPIGSS \
        nosuch "NTLM through Negotiate"
    unset SSPIGSS_TRACE
    both_done n-ours n-ours-srv 0 0
    expect_in "n-ours: why not Kerberos" "$tmp/n-ours.out" \
        "Negotiate: Kerberos cannot be used (SEC_E_TARGET_UNKNOWN)"
    expect_count "n-ours: three legs" "$tmp/n-ours.out" "$isc_w" 2
    expect_in "n-ours: NTLM sizes" "$tmp/n-ours.out" "$ntlm_sizes"
    expect_in "n-ours: NTLM names" "$tmp/n-ours.out" \
        '"SSPIGSS\alice" to "nosuch/sspigss.test"'
    expect_in "n-ours: MIC" "$tmp/n-ours.out" "Signature verified."
    expect_count "n-ours: server continued once" "$tmp/n-ours-srv.out" \
        "$asc_more" 1
    # Not checked: the server's QueryContextAttributes(NATIVE_NAMES)
    # fails on an NTLM acceptor context with SEC_E_INSUFFICIENT_MEMORY
    # (lib/pkg_gss.c gssp_query_context asks no target name of gss-ntlmssp
    # acceptors, then put_string(NULL)); sspigss server only reports it.
    expect_in "n-ours: server saw alice" "$tmp/n-ours-srv.out" \
        'Accepted connection: "SSPIGSS\alice"'
    expect_in "n-ours: encrypted" "$tmp/n-ours-srv.out" \
        "Message protection: encrypted"
    expect_in "n-ours: server got it" "$tmp/n-ours-srv.out" \
        'Received message: "NTLM through Negotiate"'
fi

# nm NAME SERVICE USER PASSWORD: a Negotiate client that must end up on
# NTLM against gss-server for SERVICE@sspigss.test.
#
# gss-server names its NTLM acceptor after its service, and gss-ntlmssp
# then puts the SPN (MsvAvTargetName, "gssdemo/sspigss.test") in its
# CHALLENGE; gss-ntlmssp's initiator refuses a CHALLENGE whose SPN is not
# its own target (gss-ntlmssp src/ntlm.c ntlm_process_target_info:
# EINVAL, which reaches the caller as SEC_E_INTERNAL_ERROR). So the
# client's target must be gss-server's own name: either a service the
# KDC has no key for (ntlmonly@: gss-server's krb5 acceptor credential
# fails for want of a key, its NTLM one stands), or gssdemo@ with a user
# the KDC does not know (carol).
nm() {
    kn=$1
    mit_server "$kn-srv" "$2@sspigss.test" || return 1
    client "$kn" --user "$3" --password "$4" --domain SSPIGSS "$2" \
        "NTLM to MIT, $kn"
    both_done "$kn" "$kn-srv" 0 0
    expect_spnego "$kn: SPNEGO" "$tmp/$kn-srv.out"
    expect_in "$kn: gss-server negotiated NTLM" "$tmp/$kn-srv.out" \
        "Accepted connection using mechanism OID $ntlm_mech."
    expect_in "$kn: gss-server saw $3" "$tmp/$kn-srv.out" \
        "Accepted connection: \"SSPIGSS\\$3\""
    expect_in "$kn: gss-server got it" "$tmp/$kn-srv.out" \
        "Received message: \"NTLM to MIT, $kn\""
    expect_count "$kn: three legs" "$tmp/$kn.out" "$isc_w" 2
    expect_in "$kn: NTLM sizes" "$tmp/$kn.out" "$ntlm_sizes"
    expect_in "$kn: NTLM names" "$tmp/$kn.out" \
        "\"SSPIGSS\\$3\" to \"$2/sspigss.test\""
    expect_in "$kn: MIC" "$tmp/$kn.out" "Signature verified."
}

nm n-mit ntlmonly alice alice-pw-1
nm n-carol gssdemo carol carol-pw

# gss-client over SPNEGO with NTLM: -user/-pass make it call
# gss_acquire_cred_with_password for SPNEGO (gss-ntlmssp takes the
# password, "SSPIGSS\alice" is its DOMAIN\user), and -mech, given to
# SPNEGO as gss_set_neg_mechs, keeps Kerberos out. Two limits of
# gss-client 1.20 shape the command line:
#  - -mech must be the braced form: parse_oid turns "1.2.3" into
#    "{ 1 2 3  " without the closing brace, which gss_str_to_oid
#    refuses (gss-client then goes on without a mechanism);
#  - -q is needed: verbose (the default) calls gss_inquire_names_for_mech
#    for the negotiated mechanism, which gss-ntlmssp 1.2 does not
#    implement (GSS_S_UNAVAILABLE), and gss-client then gives up before
#    sending the message. Quiet, it prints nothing on success.
if our_server n-mitc-srv; then
    mit_client n-mitc "MIT NTLM SPNEGO" -q -mech "$ntlm_mech" \
        -user 'SSPIGSS\alice' -pass alice-pw-1
    both_done n-mitc n-mitc-srv 0 0
    expect_count "n-mitc: server continued once" "$tmp/n-mitc-srv.out" \
        "$asc_more" 1
    expect_in "n-mitc: server saw alice" "$tmp/n-mitc-srv.out" \
        'Accepted connection: "SSPIGSS\alice"'
    expect_not_in "n-mitc: no Kerberos name" "$tmp/n-mitc-srv.out" \
        "@SSPIGSS.TEST"
    expect_in "n-mitc: server got it" "$tmp/n-mitc-srv.out" \
        'Received message: "MIT NTLM SPNEGO"'
fi

# ---------------------------------------------- 4. wrong passwords

# The KDC refuses alice's wrong password: Negotiate stops there
# (SEC_E_LOGON_DENIED at the first InitializeSecurityContext, the KDC's
# reason shown), as Windows does; gss-server receives nothing.
if mit_server w-kdc-srv gssdemo@sspigss.test; then
    client w-kdc --user alice --password wrong --domain SSPIGSS.TEST \
        gssdemo "never"
    expect_rc "w-kdc: client" "$rc" 1 "$tmp/w-kdc.out"
    expect_in "w-kdc: code" "$tmp/w-kdc.out" \
        "InitializeSecurityContextW failed: SEC_E_LOGON_DENIED (0x8009030C)"
    expect_in "w-kdc: the KDC's reason" "$tmp/w-kdc.out" \
        "Preauthentication failed"
    bg_wait w-kdc-srv "$tmo_end"
    expect_not_in "w-kdc: nothing received" "$tmp/w-kdc-srv.out" \
        "Received message"
fi

# The same to a target only NTLM could reach: the KDC's refusal of the
# identity is final, no NTLM attempt (no token is sent).
if our_server w-final-srv; then
    client w-final --user alice --password wrong --domain SSPIGSS \
        nosuch "never"
    both_done w-final w-final-srv 1 1
    expect_in "w-final: code" "$tmp/w-final.out" \
        "InitializeSecurityContextW failed: SEC_E_LOGON_DENIED (0x8009030C)"
    expect_in "w-final: the KDC's reason" "$tmp/w-final.out" \
        "Preauthentication failed"
    expect_not_in "w-final: no NTLM token" "$tmp/w-final.out" \
        "Sending init_sec_context token"
fi

# carol, whom the KDC does not know, with a wrong password: NTLM, and
# the acceptor refuses her AUTHENTICATE message. The client learns it
# only from the connection closing (no error token comes back).
if our_server w-ntlm-srv; then
    client w-ntlm --user carol --password wrong --domain SSPIGSS \
        gssdemo "never"
    both_done w-ntlm w-ntlm-srv 1 1
    expect_count "w-ntlm: NTLM legs sent" "$tmp/w-ntlm.out" "$isc_w" 2
    expect_in "w-ntlm: client told by the hang-up" "$tmp/w-ntlm.out" \
        "connection closed by the peer"
    expect_in "w-ntlm: server code" "$tmp/w-ntlm-srv.out" \
        "AcceptSecurityContext failed: SEC_E_LOGON_DENIED (0x8009030C)"
    expect_not_in "w-ntlm: nothing received" "$tmp/w-ntlm-srv.out" \
        "Received message"
fi

finish
