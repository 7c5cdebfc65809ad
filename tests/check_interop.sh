#!/bin/sh
# check_interop.sh - `sspigss client` and `sspigss server` against MIT's
# gss-sample programs (gss-client, gss-server from krb5-gss-samples), both
# directions, over a throwaway KDC (tests/harness/kdc.sh) on 127.0.0.1:
#
#   1. sspigss client -> MIT gss-server: default ccache, explicit identity
#      (W and A entry points), --no-crypt, --no-mutual, --mcount 3,
#      --ccount 2, --no-wrap, --no-mic, --delegate, --no-allocate, and a
#      wrong password (SEC_E_LOGON_DENIED).
#   2. MIT gss-client -> sspigss server: default, -nx (sign-only wrap),
#      -nomutual, -mcount 3, -nw, -nm, -na, -v1 (refused as by gss-server).
#   3. sspigss client -> sspigss server (A and W, own buffers, a server
#      in loop mode stopped by SIGTERM), and wrong names
#      (SEC_E_WRONG_PRINCIPAL, SEC_E_TARGET_UNKNOWN).
#   4. hostile peers (perl, from perl-base): garbage tokens, a peer that
#      hangs up, an absurd length: exit 1 with the SEC code, no crash.
#
# Everything lives in one temporary directory, removed on exit; servers
# and the KDC are stopped by their own pids. CHECK_INTEROP_VALGRIND=1 runs
# every sspigss process under valgrind (definite leaks and memory errors
# fail the check, exit status 99); CHECK_INTEROP_KEEP=1 keeps the
# directory (all outputs, the KDC log) for a post-mortem.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
tool="$top_builddir/tools/sspigss"
svc=gssdemo@sspigss.test
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
        kdc_stop "$tmp/kdc" 2>/dev/null
        if [ -n "${CHECK_INTEROP_KEEP:-}" ]; then
            echo "check_interop: kept $tmp" >&2
        else
            rm -rf "$tmp"
        fi
    fi
}

missing=""
for prog in gss-client gss-server krb5kdc kdb5_util kadmin.local kinit \
            perl timeout; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "check_interop: missing:$missing" >&2
    echo "check_interop: apt-get install krb5-gss-samples krb5-kdc" \
         "krb5-admin-server krb5-user perl-base coreutils" >&2
    echo "check_interop: 0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$tool" ]; then
    echo "check_interop: $tool not built" >&2
    echo "check_interop: 0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_interop.XXXXXX") || exit 1
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/harness/kdc.sh"

wrap=""
tmo=60
if [ -n "${CHECK_INTEROP_VALGRIND:-}" ]; then
    wrap="$top_builddir/libtool --mode=execute valgrind -q
          --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite"
    tmo=180
fi

. "$top_srcdir/tests/harness/procs.sh"

# mit_server NAME [gss-server options]: MIT gss-server for gssdemo on a
# free port (in $port), waited for until it listens.
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

# our_server NAME [options]: sspigss server --port 0 for $on_service; the
# port it picked (from its ready file) goes to $port.
on_service=gssdemo
our_server() {
    on=$1
    shift
    rm -f "$tmp/$on.port"
    # shellcheck disable=SC2086
    bg_start "$on" $wrap "$tool" server --port 0 \
        --ready-file "$tmp/$on.port" "$@" "$on_service"
    if ! bg_ready "$on" "file:$tmp/$on.port"; then
        bad "$on: sspigss server did not start" "$tmp/$on.out"
        return 1
    fi
    port=$(cat "$tmp/$on.port")
}

# client NAME [options] MSG: sspigss client to $port; output in NAME.out,
# exit status in $rc.
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
    timeout "$tmo" gss-client -port "$port" $opts 127.0.0.1 "$svc" \
        "$last" > "$tmp/$mcn.out" 2>&1
    rc=$?
}

# ---------------------------------------------------------------- realm

if ! kdc_start "$tmp/kdc"; then
    bad "KDC did not start" "$tmp/kdc/kdc.log"
    echo "check_interop: $pass passed, $fail failed"
    exit 1
fi
. "$tmp/kdc/env"
unset KRB5_TRACE
if ! kdc_kinit "$tmp/kdc" alice; then
    bad "kinit alice failed" "$tmp/kdc/kdc.log"
    echo "check_interop: $pass passed, $fail failed"
    exit 1
fi

# ---------------------------------------- 1. sspigss client -> gss-server

# cs NAME MSG [client options]: one client run against a gss-server -once;
# checks both exit statuses and that the server printed MSG.
cs() {
    csn=$1 csm=$2
    shift 2
    mit_server "$csn-srv" -once || return 1
    client "$csn" "$@" sspigss.test "$cs_service" "$csm"
    expect_rc "$csn: client" "$rc" 0 "$tmp/$csn.out" "$tmp/$csn-srv.out"
    bg_wait "$csn-srv" "$tmo"
    expect_rc "$csn: gss-server" "$bg_rc" 0 "$tmp/$csn-srv.out"
    expect_in "$csn: gss-server got it" "$tmp/$csn-srv.out" \
        "Received message: \"$csm\""
}

cs_service=gssdemo
cs c-ccache "hello from sspigss"
expect_in "c-ccache: MIC" "$tmp/c-ccache.out" "Signature verified."
expect_in "c-ccache: names" "$tmp/c-ccache.out" \
    '"alice@SSPIGSS.TEST" to "gssdemo/sspigss.test@SSPIGSS.TEST"'
expect_in "c-ccache: confidentiality" "$tmp/c-ccache.out" \
    "context flag: ISC_RET_CONFIDENTIALITY"
expect_in "c-ccache: server saw mutual" "$tmp/c-ccache-srv.out" \
    "context flag: GSS_C_MUTUAL_FLAG"
expect_in "c-ccache: server saw alice" "$tmp/c-ccache-srv.out" \
    'Accepted connection: "alice@SSPIGSS.TEST"'

cs c-ident-w "explicit identity, W" --user alice --password alice-pw-1 \
    --domain SSPIGSS.TEST
expect_in "c-ident-w: MIC" "$tmp/c-ident-w.out" "Signature verified."
cs c-ident-a "explicit identity, A" --ansi --user alice \
    --password alice-pw-1 --domain SSPIGSS.TEST
expect_in "c-ident-a: MIC" "$tmp/c-ident-a.out" "Signature verified."
cs c-upn "UPN identity" --user alice@SSPIGSS.TEST --password alice-pw-1
cs c-bob "bob speaks" --user bob --password bob-pw-2 --domain SSPIGSS.TEST
expect_in "c-bob: server saw bob" "$tmp/c-bob-srv.out" \
    'Accepted connection: "bob@SSPIGSS.TEST"'

cs c-nocrypt "signed, not sealed" --no-crypt
expect_not_in "c-nocrypt: no warning" "$tmp/c-nocrypt-srv.out" \
    "not encrypted"

cs c-nomutual "no mutual" --no-mutual
expect_not_in "c-nomutual: client" "$tmp/c-nomutual.out" \
    "ISC_RET_MUTUAL_AUTH"
expect_not_in "c-nomutual: server" "$tmp/c-nomutual-srv.out" \
    "GSS_C_MUTUAL_FLAG"

cs c-noreplay "no replay" --no-replay
expect_not_in "c-noreplay: server" "$tmp/c-noreplay-srv.out" \
    "GSS_C_REPLAY_FLAG"

cs c-mcount "three times" --mcount 3
expect_count "c-mcount: MICs" "$tmp/c-mcount.out" "Signature verified." 3
expect_count "c-mcount: server" "$tmp/c-mcount-srv.out" \
    'Received message: "three times"' 3

cs c-nowrap "in the clear" --no-wrap
expect_in "c-nowrap: MIC" "$tmp/c-nowrap.out" "Signature verified."
cs c-nomic "no mic" --no-mic
expect_in "c-nomic: NOOP answer" "$tmp/c-nomic.out" "Response received."
cs c-delegate "delegated" --delegate
expect_in "c-delegate: client" "$tmp/c-delegate.out" \
    "context flag: ISC_RET_DELEGATE"
expect_in "c-delegate: server" "$tmp/c-delegate-srv.out" \
    "context flag: GSS_C_DELEG_FLAG"
cs c-noalloc "own buffers" --no-allocate
# SERVICE in gss-client's form "svc@host" and as an SPN "svc/host"; HOST
# then only says where to connect.
cs_service=gssdemo@sspigss.test
cs c-hostbased "host-based name"
cs_service=gssdemo/sspigss.test
cs c-spn "SPN" --ansi
cs_service=gssdemo

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

# A wrong password: Windows' Kerberos acquires lazily, so the failure
# comes from InitializeSecurityContext, as SEC_E_LOGON_DENIED.
if mit_server c-badpw-srv -once; then
    client c-badpw --user alice --password wrong --domain SSPIGSS.TEST \
        sspigss.test gssdemo "never"
    expect_rc "c-badpw: client" "$rc" 1 "$tmp/c-badpw.out"
    expect_in "c-badpw: code" "$tmp/c-badpw.out" "SEC_E_LOGON_DENIED"
    expect_in "c-badpw: hex" "$tmp/c-badpw.out" "0x8009030C"
    bg_wait c-badpw-srv 10
    expect_not_in "c-badpw: nothing received" "$tmp/c-badpw-srv.out" \
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

sc s-default "hello from MIT"
expect_in "s-default: MIC verified" "$tmp/s-default.out" \
    "Signature verified."
expect_in "s-default: encrypted" "$tmp/s-default-srv.out" \
    "Message protection: encrypted"
expect_in "s-default: client name" "$tmp/s-default-srv.out" \
    '"alice@SSPIGSS.TEST" to "gssdemo/sspigss.test@SSPIGSS.TEST"'

sc s-nocrypt "MIT sign-only" -nx
expect_in "s-nocrypt: integrity only" "$tmp/s-nocrypt-srv.out" \
    "integrity only (SECQOP_WRAP_NO_ENCRYPT)"
expect_in "s-nocrypt: MIC verified" "$tmp/s-nocrypt.out" \
    "Signature verified."

sc s-nomutual "MIT no mutual" -nomutual
expect_not_in "s-nomutual: server" "$tmp/s-nomutual-srv.out" \
    "ASC_RET_MUTUAL_AUTH"
expect_in "s-nomutual: MIC verified" "$tmp/s-nomutual.out" \
    "Signature verified."

sc s-mcount "MIT thrice" -mcount 3
expect_count "s-mcount: MICs" "$tmp/s-mcount.out" "Signature verified." 3
expect_count "s-mcount: server" "$tmp/s-mcount-srv.out" \
    'Received message: "MIT thrice"' 3

sc s-nowrap "MIT in the clear" -nw
expect_in "s-nowrap: MIC verified" "$tmp/s-nowrap.out" \
    "Signature verified."
sc s-nomic "MIT no mic" -nm
expect_in "s-nomic: response" "$tmp/s-nomic.out" "Response received."
sc s-noauth "MIT unauthenticated" -na
expect_in "s-noauth: unauthenticated" "$tmp/s-noauth-srv.out" \
    "Accepted unauthenticated connection."
sc s-seq "MIT seq" -seq -noreplay

# gss-server refuses the v1 framing (server_establish_context wants a
# NOOP first); so do we.
if our_server s-v1-srv --once; then
    mit_client s-v1 -v1 "old"
    bg_wait s-v1-srv "$tmo"
    expect_rc "s-v1: sspigss server" "$bg_rc" 1 "$tmp/s-v1-srv.out"
    expect_in "s-v1: refused" "$tmp/s-v1-srv.out" "Expected NOOP token"
fi

# ---------------------------------------- 3. sspigss client -> server

if our_server o-w-srv --once --verbose; then
    client o-w --verbose sspigss.test gssdemo "ours, W"
    expect_rc "o-w: client" "$rc" 0 "$tmp/o-w.out" "$tmp/o-w-srv.out"
    expect_in "o-w: trace" "$tmp/o-w.out" \
        "InitializeSecurityContextW -> SEC_I_CONTINUE_NEEDED (0x00090312)"
    bg_wait o-w-srv "$tmo"
    expect_rc "o-w: server" "$bg_rc" 0 "$tmp/o-w-srv.out"
    expect_in "o-w: message" "$tmp/o-w-srv.out" \
        'Received message: "ours, W"'
    expect_in "o-w: server trace" "$tmp/o-w-srv.out" \
        "DecryptMessage -> SEC_E_OK (0x00000000)"
fi
if our_server o-a-srv --once --ansi --no-allocate; then
    client o-a --ansi --no-allocate --no-crypt --mcount 2 --user bob \
        --password bob-pw-2 --domain sspigss.test sspigss.test gssdemo \
        "ours, A"
    expect_rc "o-a: client" "$rc" 0 "$tmp/o-a.out" "$tmp/o-a-srv.out"
    bg_wait o-a-srv "$tmo"
    expect_rc "o-a: server" "$bg_rc" 0 "$tmp/o-a-srv.out"
    expect_count "o-a: messages" "$tmp/o-a-srv.out" \
        'Received message: "ours, A"' 2
    expect_in "o-a: sign only" "$tmp/o-a-srv.out" "integrity only"
fi
# An empty message and a loop-mode server stopped by SIGTERM.
if our_server o-loop-srv; then
    client o-empty sspigss.test gssdemo ""
    expect_rc "o-empty: client" "$rc" 0 "$tmp/o-empty.out"
    client o-again sspigss.test gssdemo "again"
    expect_rc "o-again: client" "$rc" 0 "$tmp/o-again.out"
    kill "$(cat "$tmp/o-loop-srv.pid")" 2>/dev/null
    bg_wait o-loop-srv 20
    expect_rc "o-loop: server stops cleanly on SIGTERM" "$bg_rc" 0 \
        "$tmp/o-loop-srv.out"
    expect_in "o-loop: empty message" "$tmp/o-loop-srv.out" \
        'Received message: ""'
    expect_in "o-loop: second" "$tmp/o-loop-srv.out" \
        'Received message: "again"'
fi

# Wrong names. A server for gssdemo/sspigss.test only (SERVICE in the
# "svc@host" form) meets a client that wants host/sspigss.test, whose
# key it lacks: SEC_E_WRONG_PRINCIPAL. A client naming an SPN the KDC
# does not know: SEC_E_TARGET_UNKNOWN.
on_service=gssdemo@sspigss.test
if our_server n-wrong-srv --once; then
    client n-wrong sspigss.test host "not for you"
    expect_rc "n-wrong: client" "$rc" 1 "$tmp/n-wrong.out"
    bg_wait n-wrong-srv "$tmo"
    expect_rc "n-wrong: server" "$bg_rc" 1 "$tmp/n-wrong-srv.out"
    expect_in "n-wrong: code" "$tmp/n-wrong-srv.out" \
        "SEC_E_WRONG_PRINCIPAL"
fi
on_service=gssdemo
if our_server n-unknown-srv --once; then
    client n-unknown sspigss.test nosuch "nobody"
    expect_rc "n-unknown: client" "$rc" 1 "$tmp/n-unknown.out"
    expect_in "n-unknown: code" "$tmp/n-unknown.out" "SEC_E_TARGET_UNKNOWN"
    bg_wait n-unknown-srv "$tmo"
fi

# ---------------------------------------- 4. hostile peers

cat > "$tmp/peer.pl" <<'PERL'
# peer.pl MODE PORT|PORTFILE: a misbehaving gss-sample peer.
use strict;
use warnings;
use IO::Socket::INET;
my ($mode, $arg) = @ARGV;
sub tok { my ($f, $d) = @_; return pack("CN", $f, length $d) . $d; }
sub rd {    # one token or undef
    my ($s) = @_;
    my $h = '';
    while (length $h < 5) {
        my $n = sysread($s, $h, 5 - length $h, length $h);
        return undef unless $n;
    }
    my ($f, $l) = unpack("CN", $h);
    my $d = '';
    while (length $d < $l) {
        my $n = sysread($s, $d, $l - length $d, length $d);
        return undef unless $n;
    }
    return $d;
}
my $junk = join '', map { chr(($_ * 73 + 41) % 256) } 0 .. 99;
if ($mode =~ /^srv-/) {     # a fake server: port into the file $arg
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1) or die $!;
    open my $fh, '>', "$arg.tmp" or die $!;
    print $fh $l->sockport, "\n";
    close $fh;
    rename "$arg.tmp", $arg or die $!;
    my $c = $l->accept or die $!;
    rd($c);                                 # NOOP|CONTEXT_NEXT
    rd($c);                                 # the first context token
    if ($mode eq 'srv-hangup') { close $c; exit 0; }
    if ($mode eq 'srv-garbage') { syswrite $c, tok(2, $junk); }
    if ($mode eq 'srv-huge') { syswrite $c, pack("CN", 2, 0xFFFFFFFF); }
    1 while defined rd($c);
    exit 0;
}
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $arg)
    or die $!;
if ($mode eq 'cli-garbage') {
    syswrite $s, tok(1 | 16, '') . tok(2, $junk);
} elsif ($mode eq 'cli-hangup') {
    syswrite $s, tok(1 | 16, '');
    close $s;
    exit 0;
} elsif ($mode eq 'cli-unauth-wrapped') {
    syswrite $s, tok(1, '') . tok(4 | 32, $junk);
} elsif ($mode eq 'cli-truncated') {
    syswrite $s, tok(1 | 16, '') . pack("CN", 2, 1000) . "short";
    shutdown $s, 1;
}
1 while defined rd($s);
exit 0;
PERL

# A client meeting a bad server.
for mode in garbage hangup huge; do
    name=h-srv-$mode
    rm -f "$tmp/$name.port"
    bg_start "$name-peer" perl "$tmp/peer.pl" "srv-$mode" "$tmp/$name.port"
    if bg_ready "$name-peer" "file:$tmp/$name.port"; then
        port=$(cat "$tmp/$name.port")
        client "$name" sspigss.test gssdemo "to a bad server"
        expect_rc "$name: client" "$rc" 1 "$tmp/$name.out"
        bg_wait "$name-peer" 10
    else
        bad "$name: fake server did not start" "$tmp/$name-peer.out"
    fi
done
expect_in "h-srv-garbage: code" "$tmp/h-srv-garbage.out" \
    "SEC_E_INVALID_TOKEN"
expect_in "h-srv-hangup: said so" "$tmp/h-srv-hangup.out" \
    "connection closed by the peer"
expect_in "h-srv-huge: refused" "$tmp/h-srv-huge.out" "refusing more than"

# A server meeting a bad client.
for mode in garbage hangup unauth-wrapped truncated; do
    name=h-cli-$mode
    if our_server "$name-srv" --once; then
        timeout "$tmo" perl "$tmp/peer.pl" "cli-$mode" "$port" \
            > "$tmp/$name.out" 2>&1
        bg_wait "$name-srv" "$tmo"
        expect_rc "$name: server" "$bg_rc" 1 "$tmp/$name-srv.out"
    fi
done
expect_in "h-cli-garbage: code" "$tmp/h-cli-garbage-srv.out" \
    "SEC_E_INVALID_TOKEN"
expect_in "h-cli-unauth-wrapped: refused" \
    "$tmp/h-cli-unauth-wrapped-srv.out" \
    "Unauthenticated client requested authenticated services!"
expect_in "h-cli-truncated: said so" "$tmp/h-cli-truncated-srv.out" \
    "connection closed by the peer after 5 of 1000 bytes"

# Usage errors: exit 2, no network.
"$tool" client > "$tmp/u1.out" 2>&1
expect_rc "usage: client without arguments" $? 2 "$tmp/u1.out"
"$tool" client --port 0 h s m > "$tmp/u2.out" 2>&1
expect_rc "usage: client --port 0" $? 2 "$tmp/u2.out"
"$tool" client --password x h s m > "$tmp/u3.out" 2>&1
expect_rc "usage: --password without --user" $? 2 "$tmp/u3.out"
"$tool" server --port 65536 gssdemo > "$tmp/u4.out" 2>&1
expect_rc "usage: server --port 65536" $? 2 "$tmp/u4.out"
"$tool" server > "$tmp/u5.out" 2>&1
expect_rc "usage: server without SERVICE" $? 2 "$tmp/u5.out"
"$tool" client --help > "$tmp/u6.out" 2>&1
expect_rc "client --help" $? 0 "$tmp/u6.out"
"$tool" server --help > "$tmp/u7.out" 2>&1
expect_rc "server --help" $? 0 "$tmp/u7.out"

# ------------------------- 5. every enctype of the Kerberos fast path
#
# lib/krb_msg.c protects messages itself for these enctypes (issue #12):
# each one both ways against MIT's programs, encrypted and sign-only. A
# service fastN/sspigss.test with keys of all four, and a krb5.conf in
# front of the realm's asking for N first for service tickets (so the
# session key and the acceptor subkey are N); the KDC's log shows the
# session key it issued.
krb5_conf_orig=$KRB5_CONFIG
all_et="aes256-cts-hmac-sha384-192:normal aes128-cts-hmac-sha256-128:normal"
all_et="$all_et aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"
for et in 17:aes128-cts-hmac-sha1-96 18:aes256-cts-hmac-sha1-96 \
          19:aes128-cts-hmac-sha256-128 20:aes256-cts-hmac-sha384-192; do
    n=${et%%:*}
    name=${et#*:}
    kadmin.local -q "addprinc -randkey -e \"$all_et\" fast$n/sspigss.test" \
        > "$tmp/e$n-kadmin.out" 2>&1
    kadmin.local -q "ktadd -norandkey fast$n/sspigss.test" \
        >> "$tmp/e$n-kadmin.out" 2>&1
    printf '[libdefaults]\n    default_tgs_enctypes = %s %s\n' "$name" \
        "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96" \
        > "$tmp/kdc/fast-$n.conf"
    KRB5_CONFIG="$tmp/kdc/fast-$n.conf:$krb5_conf_orig"
    export KRB5_CONFIG
    svc=fast$n@sspigss.test
    cs_service=fast$n
    on_service=fast$n
    cs "e$n-c" "fast path $name, sspigss client"
    expect_in "e$n-c: MIC" "$tmp/e$n-c.out" "Signature verified."
    cs "e$n-c-nocrypt" "fast path $name, sign-only" --no-crypt
    expect_in "e$n-c-nocrypt: MIC" "$tmp/e$n-c-nocrypt.out" \
        "Signature verified."
    sc "e$n-s" "fast path $name, MIT client"
    expect_in "e$n-s: encrypted" "$tmp/e$n-s-srv.out" \
        "Message protection: encrypted"
    expect_in "e$n-s: MIC verified" "$tmp/e$n-s.out" "Signature verified."
    sc "e$n-s-nocrypt" "fast path $name, MIT sign-only" -nx
    expect_in "e$n-s-nocrypt: integrity only" "$tmp/e$n-s-nocrypt-srv.out" \
        "integrity only (SECQOP_WRAP_NO_ENCRYPT)"
    expect_in "e$n-s-nocrypt: MIC verified" "$tmp/e$n-s-nocrypt.out" \
        "Signature verified."
    expect_in "e$n: the KDC issued $name session keys" "$tmp/kdc/kdc.log" \
        "ses=$name($n)}, alice@SSPIGSS.TEST for fast$n/sspigss.test"
done
KRB5_CONFIG=$krb5_conf_orig
export KRB5_CONFIG
svc=gssdemo@sspigss.test
cs_service=gssdemo
on_service=gssdemo

echo "check_interop: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
