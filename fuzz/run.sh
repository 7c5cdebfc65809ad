#!/bin/sh
# fuzz/run.sh - build the libFuzzer targets with clang (ASan + UBSan) and
# run each for a bounded time.
#
#   fuzz/run.sh [SECONDS]      default 10 per target
#
# Seeds come from fuzz/corpus/<target>/ (except crash-*.pending: a
# finding reported and not yet fixed, which the target steps around;
# fuzz/fixed.h); new findings are kept in a work directory and a crash
# stops the run with its reproducer.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
work=${SSPIGSS_FUZZ_DIR:-$(mktemp -d)}
CC=${FUZZ_CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# p11-kit's pkcs11.h (lib/certcred.c).
inc="-I$here/lib -I$here/include -I$work $(pkg-config --cflags p11-kit-1)"
echo '#define PACKAGE_VERSION "fuzz"' > "$work/config.h"
echo '#define HAVE_EXPLICIT_BZERO 1' >> "$work/config.h"
# Leaks count as findings (libFuzzer checks each input).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

build() {  # build NAME SOURCES...
    name=$1
    shift
    # shellcheck disable=SC2086
    $CC $flags $inc -o "$work/$name" "$here/fuzz/$name.c" "$@"
}

build fuzz_edata "$here/lib/krb_edata.c"
build fuzz_unicode "$here/lib/unicode.c"
build fuzz_identity "$here/lib/identity.c" "$here/lib/unicode.c" \
    "$here/lib/memory.c" "$here/lib/trace.c" "$here/lib/status.c" -lpthread
# fuzz_status includes tools/cmd_status.c itself (its parser is static).
build fuzz_status "$here/lib/status.c"
# The whole library behind the SSPI API (no main of its own), compiled
# once for the targets that drive it.
mkdir -p "$work/lib"
for src in "$here"/lib/*.c; do
    obj="$work/lib/$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    $CC $flags $inc -c -o "$obj" "$src"
done
libs="$(pkg-config --libs krb5-gssapi krb5 libssl libcrypto) -lpthread"
# fuzz_ntlm_msg: lib/ntlm_msg.c alone (NTLM's message protection).
# shellcheck disable=SC2086
build fuzz_ntlm_msg "$here/lib/ntlm_msg.c" \
    $(pkg-config --libs libcrypto) -lpthread
# fuzz_crypt32: certificates and PFX blobs (lib/api_crypt32.c);
# fuzz_cred: marshaled credentials (lib/api_cred.c).
for t in fuzz_accept fuzz_crypt32 fuzz_cred; do
    # shellcheck disable=SC2086
    build $t "$work"/lib/*.o $libs
done
# fuzz/realm.c: a realm with a forged ticket and no KDC (see realm.h).
for t in fuzz_initiate fuzz_target fuzz_message fuzz_krb_msg; do
    # shellcheck disable=SC2086
    build $t "$here/fuzz/realm.c" "$work"/lib/*.o $libs
done
# fuzz/fixed.c: the same randomness, clock and host name every run, and
# gss-ntlmssp's user file (see fixed.h); realm.c for its seed writer;
# tls_records.c for the Schannel targets' DecryptMessage checks.
for t in fuzz_ntlm_accept fuzz_negotiate_accept fuzz_schannel \
    fuzz_schannel_server fuzz_ntlm_initiate; do
    # shellcheck disable=SC2086
    build $t "$here/fuzz/fixed.c" "$here/fuzz/realm.c" \
        "$here/fuzz/tls_records.c" "$work"/lib/*.o $libs
done

for t in fuzz_edata fuzz_unicode fuzz_identity fuzz_status fuzz_accept \
    fuzz_initiate fuzz_target fuzz_message fuzz_krb_msg fuzz_ntlm_accept \
    fuzz_negotiate_accept fuzz_schannel fuzz_schannel_server fuzz_crypt32 \
    fuzz_ntlm_initiate fuzz_cred fuzz_ntlm_msg; do
    rm -rf "$work/seeds-$t"
    mkdir -p "$work/corpus-$t" "$work/seeds-$t"
    if [ -d "$here/fuzz/corpus/${t#fuzz_}" ]; then
        find "$here/fuzz/corpus/${t#fuzz_}" -type f ! -name '*.pending' \
            -exec cp {} "$work/seeds-$t/" \;
    fi
    # gss-ntlmssp 1.2 leaks of its own (tests/lsan-gssntlmssp.supp); the
    # suppression names its module, which only full unwinding reaches
    # (it has no frame pointers).
    asan=$ASAN_OPTIONS
    lsan=${LSAN_OPTIONS:-}
    case $t in
    fuzz_ntlm_accept | fuzz_negotiate_accept)
        asan="$asan:fast_unwind_on_malloc=0"
        lsan="${lsan:+$lsan:}suppressions=$here/tests/lsan-gssntlmssp.supp"
        ;;
    fuzz_ntlm_initiate)
        # Its only gss-ntlmssp leak (the acceptor credential's name) is
        # allocated by gss-ntlmssp itself, the first frame even fast
        # unwinding sees; full unwinding would make it eight times slower.
        lsan="${lsan:+$lsan:}suppressions=$here/tests/lsan-gssntlmssp.supp"
        ;;
    esac
    echo "fuzz: $t for ${secs}s"
    # SSPIGSS_FUZZ_SEED fixes libFuzzer's seed (./quickstart test sets it,
    # so CI explores the same inputs each run; make fuzz does not).
    # Targets that make seeds at start-up (messages of this run's context
    # pair, realm.h; handshakes, fixed.h) write them into the run's corpus.
    # shellcheck disable=SC2086
    SSPIGSS_FUZZ_SEEDS="$work/corpus-$t" ASAN_OPTIONS=$asan \
    LSAN_OPTIONS=$lsan \
    "$work/$t" -max_total_time="$secs" -print_final_stats=0 \
        ${SSPIGSS_FUZZ_SEED:+-seed=$SSPIGSS_FUZZ_SEED} \
        -artifact_prefix="$work/$t-" "$work/corpus-$t" "$work/seeds-$t" \
        > "$work/$t.log" 2>&1 || {
        echo "fuzz: $t FAILED; see $work/$t.log and $work/$t-crash-*" >&2
        tail -n 30 "$work/$t.log" >&2
        exit 1
    }
    grep -E '^(#[0-9]+|Done)' "$work/$t.log" | tail -n 1
done
[ -n "${SSPIGSS_FUZZ_DIR:-}" ] || rm -rf "$work"
echo "fuzz: all targets ran ${secs}s without a finding"
