#!/bin/sh
# check_interop_ntlm.sh - `sspigss client --package NTLM` and `sspigss
# server --package NTLM` against MIT's gss-sample programs (gss-client,
# gss-server from krb5-gss-samples) over gss-ntlmssp, both directions, with
# a throwaway NTLM user file (SSPIGSS:alice, SSPIGSS:bob) and no KDC:
#
#   1. sspigss client -> MIT gss-server: default credentials (the file's
#      first entry), explicit identities (W and A, user + domain,
#      DOMAIN\user, user@DOMAIN), --mcount 3, --ccount 2, --no-allocate,
#      --no-wrap, --no-mic; --no-crypt (SECQOP_WRAP_NO_ENCRYPT: sealed as
#      Windows' NTLM does, gss-server opens it); a wrong password and a wrong
#      service (the handshake fails, nothing is received).
#   2. MIT gss-client -mech NTLM -> sspigss server: default, -user/-pass,
#      -mcount 3, -nx, -nw, -nm, -na, -seq; a wrong password
#      (SEC_E_LOGON_DENIED at the server).
#   3. sspigss client -> sspigss server (W with --verbose, A with own
#      buffers), a wrong password, and the server given SERVICE as
#      "svc@host" (a known library bug: every client fails).
#
# How MIT's programs are made to speak NTLM:
#   - gss-server has no -mech option (krb5 1.20 src/appl/gss-sample/
#     gss-server.c: only -iakerb). It acquires its credential for every
#     mechanism (gss_acquire_cred with GSS_C_NO_OID_SET), which includes
#     gss-ntlmssp's acceptor when NTLM_USER_FILE is set, and MIT's
#     mechglue recognises a raw "NTLMSSP\0" token as NTLM
#     (src/lib/gssapi/mechglue/g_glue.c gssint_get_mech_type). Its
#     SERVICE "gssdemo@sspigss.test" becomes gss-ntlmssp's SPN
#     "gssdemo/sspigss.test", which the client's target must equal.
#   - gss-client -mech with a dotted OID fails: its parse_oid writes
#     "{ 1 3 6 ... 10  " without the closing brace that gss_str_to_oid
#     requires (gss-client.c parse_oid, mechstr[mechlen + 3] = ' '), and
#     the client silently falls back to Kerberos. An argument that does
#     not start with a digit is passed as it is, so "-mech '{1 3 6 1 4 1
#     311 2 2 10}'" works.
#   - gss-client must run with -q: in verbose mode it calls
#     gss_inquire_names_for_mech, which gss-ntlmssp does not implement
#     (GSS_S_UNAVAILABLE), and gives up after the handshake.
#
# Everything lives in one temporary directory, removed on exit; servers
# are stopped by their own pids. CHECK_INTEROP_VALGRIND=1 runs every
# sspigss process under valgrind (definite leaks and memory errors fail
# the check, exit status 99); CHECK_INTEROP_KEEP=1 keeps the directory.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
. "$top_srcdir/tests/harness/needs.sh"
top_builddir=$(cd "$top_builddir" && pwd)
tool="$top_builddir/tools/sspigss"
me=check_interop_ntlm
svc=gssdemo@sspigss.test
ntlm_oid='{1 3 6 1 4 1 311 2 2 10}'
pass=0
fail=0
bgnames=""
tmp=""

# ------------------------------------------------------------- plumbing

cleanup() {
    for n in $bgnames; do
        if [ -s "$tmp/$n.pid" ] && [ ! -f "$tmp/$n.rc" ]; then
            kill "$(cat "$tmp/$n.pid")" 2>/dev/null
        fi
    done
    if [ -n "$tmp" ] && [ -d "$tmp" ]; then
        if [ -n "${CHECK_INTEROP_KEEP:-}" ]; then
            echo "$me: kept $tmp" >&2
        else
            rm -rf "$tmp"
        fi
    fi
}

missing=""
for prog in gss-client gss-server timeout ss od; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if ! have_gssntlmssp; then
    missing="$missing gss-ntlmssp"
fi
if [ -n "$missing" ]; then
    echo "$me: missing:$missing" >&2
    echo "$me: apt-get install krb5-gss-samples gss-ntlmssp iproute2" \
         "coreutils" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$tool" ]; then
    echo "$me: $tool not built" >&2
    echo "$me: 0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_interop_ntlm.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# kdc_free_port only: no KDC is started.
. "$top_srcdir/tests/harness/kdc.sh"

wrap=""
tmo=60
if [ -n "${CHECK_INTEROP_VALGRIND:-}" ]; then
    wrap="$top_builddir/libtool --mode=execute valgrind -q
          --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite
          --suppressions=$top_srcdir/tests/valgrind.supp"
    tmo=180
    # Deep enough stacks for tests/valgrind.supp's gss-ntlmssp entries
    # (their EVP_MD_fetch frame is 13 below the allocation).
    VALGRIND_OPTS="--num-callers=40${VALGRIND_OPTS:+ $VALGRIND_OPTS}"
    export VALGRIND_OPTS
fi

. "$top_srcdir/tests/harness/procs.sh"

# The ASan pass: gss-ntlmssp's own leaks are suppressed for LeakSanitizer
# by tests/lsan-gssntlmssp.supp (the slow unwinder reaches gss-ntlmssp's
# frames through OpenSSL's).
LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-gssntlmssp.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

# The environment: the user file, an empty Kerberos profile (no realm,
# no KDC), no ticket cache, no keytab.
cat > "$tmp/users" <<USERS || exit 1
SSPIGSS:alice:alice-pw-1
SSPIGSS:bob:bob-pw-2
USERS
: > "$tmp/krb5.conf" || exit 1
NTLM_USER_FILE=$tmp/users
KRB5_CONFIG=$tmp/krb5.conf
KRB5CCNAME=FILE:$tmp/no-ccache
KRB5_KTNAME=FILE:$tmp/no-keytab
KRB5_CLIENT_KTNAME=FILE:$tmp/no-client-keytab
export NTLM_USER_FILE KRB5_CONFIG KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
unset KRB5_TRACE LM_COMPAT_LEVEL NETBIOS_COMPUTER_NAME NETBIOS_DOMAIN_NAME
unset NTLMUSER GSSNTLMSSP_DEBUG GSS_MECH_CONFIG

# mit_server NAME [gss-server options]: MIT gss-server for $svc on a free
# port (in $port), waited for until it listens.
mit_server() {
    mn=$1
    shift
    # gss-server cannot pick its own port: take a free one, and another
    # when a parallel test got there first.
    for _try in 1 2 3; do
        port=$(kdc_free_port) || { bad "$mn: no free port"; return 1; }
        bg_start "$mn" gss-server -port "$port" "$@" "$svc"
        bg_ready "$mn" "text:starting..." && return 0
        grep -q "binding socket" "$tmp/$mn.out" 2>/dev/null || break
    done
    bad "$mn: gss-server did not start" "$tmp/$mn.out"
    return 1
}

# our_server NAME [options]: sspigss server --package NTLM --port 0 for
# $on_service; the port it picked (from its ready file) goes to $port.
on_service=gssdemo
our_server() {
    on=$1
    shift
    rm -f "$tmp/$on.port"
    # shellcheck disable=SC2086
    bg_start "$on" $wrap "$tool" server --package NTLM --port 0 \
        --ready-file "$tmp/$on.port" "$@" "$on_service"
    if ! bg_ready "$on" "file:$tmp/$on.port"; then
        bad "$on: sspigss server did not start" "$tmp/$on.out"
        return 1
    fi
    port=$(cat "$tmp/$on.port")
}

# client NAME [options] HOST SERVICE MSG: sspigss client --package NTLM
# to $port; output in NAME.out, exit status in $rc.
client() {
    cn=$1
    shift
    # shellcheck disable=SC2086
    timeout "$tmo" $wrap "$tool" client --package NTLM --port "$port" \
        --connect 127.0.0.1 "$@" > "$tmp/$cn.out" 2>&1
    rc=$?
}

# mit_client NAME [gss-client options] MSG: gss-client -q over NTLM.
mit_client() {
    mcn=$1
    shift
    last=""
    for a in "$@"; do last=$a; done
    opts=""
    while [ $# -gt 1 ]; do opts="$opts $1"; shift; done
    # shellcheck disable=SC2086
    timeout "$tmo" gss-client -port "$port" -mech "$ntlm_oid" -q $opts \
        127.0.0.1 "$svc" "$last" > "$tmp/$mcn.out" 2>&1
    rc=$?
}

# ---------------------------------------- 1. sspigss client -> gss-server

# cs NAME MSG [client options]: one client run against a gss-server -once;
# checks both exit statuses and that the server printed MSG.
cs() {
    csn=$1 csm=$2
    shift 2
    mit_server "$csn-srv" -once || return 1
    client "$csn" "$@" sspigss.test gssdemo "$csm"
    expect_rc "$csn: client" "$rc" 0 "$tmp/$csn.out" "$tmp/$csn-srv.out"
    bg_wait "$csn-srv" "$tmo"
    expect_rc "$csn: gss-server" "$bg_rc" 0 "$tmp/$csn-srv.out"
    expect_in "$csn: gss-server got it" "$tmp/$csn-srv.out" \
        "Received message: \"$csm\""
}

cs c-default "hello over NTLM"
expect_in "c-default: MIC" "$tmp/c-default.out" "Signature verified."
expect_in "c-default: context user" "$tmp/c-default.out" \
    'Context user: "SSPIGSS\alice"'
expect_in "c-default: sizes" "$tmp/c-default.out" \
    "max token 2888, max signature 16, block size 0, security trailer 16"
expect_in "c-default: target" "$tmp/c-default.out" \
    '"SSPIGSS\alice" to "gssdemo/sspigss.test"'
expect_in "c-default: confidentiality" "$tmp/c-default.out" \
    "context flag: ISC_RET_CONFIDENTIALITY"
expect_not_in "c-default: NTLM is not mutual" "$tmp/c-default.out" \
    "ISC_RET_MUTUAL_AUTH"
expect_in "c-default: server saw alice" "$tmp/c-default-srv.out" \
    'Accepted connection: "SSPIGSS\alice"'
expect_in "c-default: server sealed" "$tmp/c-default-srv.out" \
    "context flag: GSS_C_CONF_FLAG"

cs c-ident-w "explicit identity, W" --user bob --password bob-pw-2 \
    --domain SSPIGSS
expect_in "c-ident-w: MIC" "$tmp/c-ident-w.out" "Signature verified."
expect_in "c-ident-w: server saw bob" "$tmp/c-ident-w-srv.out" \
    'Accepted connection: "SSPIGSS\bob"'
cs c-ident-a "explicit identity, A" --ansi --user 'SSPIGSS\alice' \
    --password alice-pw-1
expect_in "c-ident-a: server saw alice" "$tmp/c-ident-a-srv.out" \
    'Accepted connection: "SSPIGSS\alice"'
cs c-upn "user@DOMAIN" --user bob@SSPIGSS --password bob-pw-2
expect_in "c-upn: server saw bob" "$tmp/c-upn-srv.out" \
    'Accepted connection: "SSPIGSS\bob"'

cs c-mcount "three times" --mcount 3
expect_count "c-mcount: MICs" "$tmp/c-mcount.out" "Signature verified." 3
expect_count "c-mcount: server" "$tmp/c-mcount-srv.out" \
    'Received message: "three times"' 3
cs c-noalloc "own buffers" --no-allocate --ansi
expect_in "c-noalloc: MIC" "$tmp/c-noalloc.out" "Signature verified."
cs c-nowrap "in the clear" --no-wrap
expect_in "c-nowrap: MIC" "$tmp/c-nowrap.out" "Signature verified."
cs c-nomic "no mic" --no-mic
expect_in "c-nomic: NOOP answer" "$tmp/c-nomic.out" "Response received."

# Two connections, one credential handle (gss-client -ccount).
if mit_server c-ccount-srv; then
    client c-ccount --ccount 2 sspigss.test gssdemo "twice"
    expect_rc "c-ccount: client" "$rc" 0 "$tmp/c-ccount.out"
    expect_count "c-ccount: MICs" "$tmp/c-ccount.out" \
        "Signature verified." 2
    kill "$(cat "$tmp/c-ccount-srv.pid")" 2>/dev/null
    bg_wait c-ccount-srv 10
    expect_count "c-ccount: server" "$tmp/c-ccount-srv.out" \
        'Received message: "twice"' 2
fi

# SECQOP_WRAP_NO_ENCRYPT: Windows' NTLM takes it and its peer gets the
# plaintext back (lib/ntlm.c, docs/negotiate.md); the message is sealed
# as always, and gss-server (gss_unwrap, which always unseals) opens it.
if mit_server c-nocrypt-srv -once; then
    client c-nocrypt --no-crypt sspigss.test gssdemo "sign-only asked"
    expect_rc "c-nocrypt: client" "$rc" 0 "$tmp/c-nocrypt.out"
    bg_wait c-nocrypt-srv 10
    expect_in "c-nocrypt: server authenticated" "$tmp/c-nocrypt-srv.out" \
        'Accepted connection: "SSPIGSS\alice"'
    expect_in "c-nocrypt: received" "$tmp/c-nocrypt-srv.out" \
        'Received message: "sign-only asked"'
fi

# A wrong password: NTLM's client cannot tell; gss-server refuses the
# AUTHENTICATE message and hangs up, and the client fails on its reply.
if mit_server c-badpw-srv -once; then
    client c-badpw --user alice --password wrong --domain SSPIGSS \
        sspigss.test gssdemo "never"
    expect_rc "c-badpw: client" "$rc" 1 "$tmp/c-badpw.out"
    bg_wait c-badpw-srv 10
    expect_in "c-badpw: gss-server refused" "$tmp/c-badpw-srv.out" \
        "accepting context"
    expect_not_in "c-badpw: nothing received" "$tmp/c-badpw-srv.out" \
        "Received message"
fi

# Another service than gss-server's: gss-ntlmssp's CHALLENGE names the
# server's SPN and its initiator refuses another target
# (SEC_E_WRONG_PRINCIPAL; Windows' client does not check).
if mit_server c-spn-srv -once; then
    client c-spn sspigss.test host "never"
    expect_rc "c-spn: client" "$rc" 1 "$tmp/c-spn.out"
    expect_in "c-spn: code" "$tmp/c-spn.out" \
        "InitializeSecurityContextW failed: SEC_E_WRONG_PRINCIPAL"
    bg_wait c-spn-srv 10
    expect_not_in "c-spn: nothing received" "$tmp/c-spn-srv.out" \
        "Received message"
fi

# ---------------------------------------- 2. gss-client -> sspigss server

# sc NAME MSG [gss-client options]: gss-client against sspigss server
# --once; checks both exit statuses and that our server printed MSG.
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

sc s-default "hello from MIT over NTLM"
expect_in "s-default: client name" "$tmp/s-default-srv.out" \
    'Accepted connection: "SSPIGSS\alice"'
expect_in "s-default: encrypted" "$tmp/s-default-srv.out" \
    "Message protection: encrypted"
expect_in "s-default: integrity" "$tmp/s-default-srv.out" \
    "context flag: ASC_RET_INTEGRITY"

sc s-user "MIT as bob" -user 'SSPIGSS\bob' -pass bob-pw-2
expect_in "s-user: client name" "$tmp/s-user-srv.out" \
    'Accepted connection: "SSPIGSS\bob"'
sc s-mcount "MIT thrice" -mcount 3
expect_count "s-mcount: server" "$tmp/s-mcount-srv.out" \
    'Received message: "MIT thrice"' 3
# -nx asks gss_wrap not to encrypt; gss-ntlmssp seals anyway.
sc s-nocrypt "MIT sign-only" -nx
expect_in "s-nocrypt: sealed anyway" "$tmp/s-nocrypt-srv.out" \
    "Message protection: encrypted"
sc s-nowrap "MIT in the clear" -nw
sc s-nomic "MIT no mic" -nm
sc s-noauth "MIT unauthenticated" -na
expect_in "s-noauth: unauthenticated" "$tmp/s-noauth-srv.out" \
    "Accepted unauthenticated connection."
sc s-seq "MIT seq" -seq -noreplay

# Our server with the A entry points and its own buffers.
if our_server s-ansi-srv --once --ansi --no-allocate; then
    mit_client s-ansi "MIT to A"
    expect_rc "s-ansi: gss-client" "$rc" 0 "$tmp/s-ansi.out"
    bg_wait s-ansi-srv "$tmo"
    expect_rc "s-ansi: sspigss server" "$bg_rc" 0 "$tmp/s-ansi-srv.out"
    expect_in "s-ansi: server got it" "$tmp/s-ansi-srv.out" \
        'Received message: "MIT to A"'
fi

# A wrong password: our server refuses the AUTHENTICATE message.
if our_server s-badpw-srv --once; then
    mit_client s-badpw -user 'SSPIGSS\alice' -pass wrong "never"
    bg_wait s-badpw-srv "$tmo"
    expect_rc "s-badpw: sspigss server" "$bg_rc" 1 "$tmp/s-badpw-srv.out"
    expect_in "s-badpw: code" "$tmp/s-badpw-srv.out" \
        "AcceptSecurityContext failed: SEC_E_LOGON_DENIED"
    expect_not_in "s-badpw: nothing received" "$tmp/s-badpw-srv.out" \
        "Received message"
fi

# ---------------------------------------- 3. sspigss client -> server

if our_server o-w-srv --once --verbose; then
    client o-w --verbose sspigss.test gssdemo "ours, W"
    expect_rc "o-w: client" "$rc" 0 "$tmp/o-w.out" "$tmp/o-w-srv.out"
    expect_count "o-w: client legs" "$tmp/o-w.out" \
        "InitializeSecurityContextW -> SEC_I_CONTINUE_NEEDED (0x00090312)" 1
    expect_in "o-w: client done" "$tmp/o-w.out" \
        "InitializeSecurityContextW -> SEC_E_OK (0x00000000)"
    bg_wait o-w-srv "$tmo"
    expect_rc "o-w: server" "$bg_rc" 0 "$tmp/o-w-srv.out"
    expect_count "o-w: server legs" "$tmp/o-w-srv.out" \
        "AcceptSecurityContext -> SEC_I_CONTINUE_NEEDED (0x00090312)" 1
    expect_in "o-w: server done" "$tmp/o-w-srv.out" \
        "AcceptSecurityContext -> SEC_E_OK (0x00000000)"
    expect_in "o-w: message" "$tmp/o-w-srv.out" \
        'Received message: "ours, W"'
    expect_in "o-w: server trace" "$tmp/o-w-srv.out" \
        "DecryptMessage -> SEC_E_OK (0x00000000)"
fi
if our_server o-a-srv --once --ansi --no-allocate; then
    client o-a --ansi --no-allocate --mcount 2 --user bob \
        --password bob-pw-2 --domain SSPIGSS sspigss.test gssdemo "ours, A"
    expect_rc "o-a: client" "$rc" 0 "$tmp/o-a.out" "$tmp/o-a-srv.out"
    bg_wait o-a-srv "$tmo"
    expect_rc "o-a: server" "$bg_rc" 0 "$tmp/o-a-srv.out"
    expect_count "o-a: messages" "$tmp/o-a-srv.out" \
        'Received message: "ours, A"' 2
    expect_in "o-a: server saw bob" "$tmp/o-a-srv.out" \
        'Accepted connection: "SSPIGSS\bob"'
fi
if our_server o-badpw-srv --once; then
    client o-badpw --user bob --password wrong --domain SSPIGSS \
        sspigss.test gssdemo "never"
    expect_rc "o-badpw: client" "$rc" 1 "$tmp/o-badpw.out"
    bg_wait o-badpw-srv "$tmo"
    expect_rc "o-badpw: server" "$bg_rc" 1 "$tmp/o-badpw-srv.out"
    expect_in "o-badpw: code" "$tmp/o-badpw-srv.out" \
        "AcceptSecurityContext failed: SEC_E_LOGON_DENIED"
fi

# SERVICE "svc@host" makes sspigss server pass pszPrincipal
# "gssdemo/sspigss.test" (Windows' SPN form): the NTLM acceptor keeps it
# as its name without announcing it (as Windows' NTLM server), so the
# client's target need not match it.
on_service=gssdemo@sspigss.test
if our_server o-spn-srv --once; then
    client o-spn sspigss.test gssdemo "ours, svc@host"
    expect_rc "o-spn: client" "$rc" 0 "$tmp/o-spn.out" "$tmp/o-spn-srv.out"
    bg_wait o-spn-srv "$tmo"
    expect_rc "o-spn: server" "$bg_rc" 0 "$tmp/o-spn-srv.out"
    expect_in "o-spn: server got it" "$tmp/o-spn-srv.out" "ours, svc@host"
fi
on_service=gssdemo

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
