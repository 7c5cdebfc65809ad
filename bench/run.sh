#!/bin/sh
# run.sh - the benchmarks, as tables: Kerberos against a throwaway MIT
# KDC, Schannel (TLS) in-process.
#
#   bench/run.sh [--smoke] [--rounds N] [--round-time SECONDS]
#                [--only METRIC]
#
# Run by `make bench` / `make bench-smoke` from the build directory
# (top_srcdir and top_builddir come from make); by hand, after
# `make bench/bench_krb5 bench/bench_allocs bench/bench_tls
# bench/bench_tls_allocs` in _build/:
#     top_srcdir=.. top_builddir=. sh ../bench/run.sh
#
# Kerberos: starts the realm of tests/harness/kdc.sh in a fresh temporary
# directory (127.0.0.1, a free port), allows only aes256-cts-hmac-sha1-96
# session keys (so both paths use that enctype whatever the library
# defaults are), gets alice a TGT, runs bench/bench_krb5 (times, as
# ratios) and bench/bench_allocs (allocations per operation). The KDC is
# stopped by its pid on the way out, whatever happens.
# Schannel: runs bench/bench_tls and bench/bench_tls_allocs, which need
# no KDC and no network (their TLS server is raw OpenSSL in the same
# process). --only with a tls-* metric runs the TLS programs only and
# starts no KDC; --only with a Kerberos metric runs the Kerberos ones
# only.
# Then, for reference, `openssl speed` for AES-256-CBC, SHA-1 and
# HMAC-SHA1 (Kerberos) and AES-256-GCM (TLS) at 16 KiB when openssl is
# installed. Options go to every program; --smoke runs every metric for
# a few iterations only and checks nothing about time: the exit status
# says whether every path worked. BENCH_RUNNER (see below) runs the
# timing programs under a profiler.
set -u

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
me=bench

smoke=0
only=
prev=
for a in "$@"; do
    [ "$a" = --smoke ] && smoke=1
    [ "$prev" = --only ] && only=$a
    prev=$a
done
# Which family --only names (the programs check the name itself).
krb5=1
tls=1
case "$only" in
    '') ;;
    tls-*) krb5=0 ;;
    *) tls=0 ;;
esac

# The KDC programs live in sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"
export PATH
if [ $krb5 = 1 ]; then
    missing=
    for prog in krb5kdc kdb5_util kadmin.local kinit; do
        command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
    done
    if [ -n "$missing" ]; then
        echo "$me: missing$missing; install them with:" >&2
        echo "    apt-get install --no-install-recommends krb5-kdc" \
             "krb5-admin-server krb5-user" >&2
        exit 1
    fi
fi
progs=
[ $krb5 = 1 ] && progs="bench_krb5 bench_allocs"
[ $tls = 1 ] && progs="$progs bench_tls bench_tls_allocs"
for prog in $progs; do
    if [ ! -x "$top_builddir/bench/$prog" ]; then
        echo "$me: $top_builddir/bench/$prog not built (make bench)" >&2
        exit 1
    fi
done

# kdc.sh's functions set globals of their own (dir, port, ...): ours
# are named so they cannot clash.
bench_work=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-bench.XXXXXX") || exit 1
. "$top_srcdir/tests/harness/kdc.sh"
bench_kdc=0
bench_cleanup() {
    [ $bench_kdc = 1 ] && kdc_stop "$bench_work/kdc"
    rm -rf "$bench_work"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

if [ $krb5 = 1 ]; then
    bench_kdc=1
    if ! kdc_start "$bench_work/kdc"; then
        echo "$me: the KDC did not start" >&2
        exit 1
    fi
    # One enctype for every key the contexts can get (the profile library
    # merges this second [libdefaults] into the first).
    cat >> "$bench_work/kdc/krb5.conf" <<'CONF'
[libdefaults]
    permitted_enctypes = aes256-cts-hmac-sha1-96
CONF
    if ! kdc_kinit "$bench_work/kdc" alice; then
        echo "$me: kinit alice failed" >&2
        cat "$bench_work/kdc/kdc.log" >&2
        exit 1
    fi
    . "$bench_work/kdc/env"
fi
# Tracing would be measured too.
unset KRB5_TRACE SSPIGSS_TRACE

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "# sspigss benchmarks$( [ $smoke = 1 ] && echo ' (smoke run: the' \
     'numbers mean nothing)')"
echo
krb5_text=
if [ $krb5 = 1 ]; then
    krb5_text=$(krb5-config --version 2>/dev/null || echo 'MIT krb5')
    krb5_text="; $krb5_text; KDC on 127.0.0.1:$SSPIGSS_KDC_PORT"
fi
tls_text=
if [ $tls = 1 ]; then
    tls_text="; $(openssl version 2>/dev/null || echo 'OpenSSL')"
fi
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); ${cpu:-unknown CPU}," \
     "$(nproc) CPUs$krb5_text$tls_text"
echo

rc=0
# BENCH_RUNNER prefixes the timing programs, for profiling: e.g.
# BENCH_RUNNER="perf record -g -o /tmp/perf.data" with --only wrap64
# (with --only, one timing program runs).
if [ $krb5 = 1 ]; then
    # Kept for the share of the OpenSSL limit below.
    ${BENCH_RUNNER:-} "$top_builddir/bench/bench_krb5" "$@" \
        > "$bench_work/krb5.md" || rc=1
    cat "$bench_work/krb5.md"
    echo
    "$top_builddir/bench/bench_allocs" "$@" || rc=1
    echo
fi
if [ $tls = 1 ]; then
    ${BENCH_RUNNER:-} "$top_builddir/bench/bench_tls" "$@" || rc=1
    echo
    "$top_builddir/bench/bench_tls_allocs" "$@" || rc=1
    echo
fi

# openssl speed prints "<name> <N>k" last, N in 1000s of bytes per
# second; MB/s is N / 1000.
ossl_speed() {  # ossl_speed ARGS...: MB/s at 16 KiB, or nothing
    openssl speed -elapsed -seconds "$secs" -bytes 16384 "$@" 2>/dev/null |
        tail -n 1 | awk '{ v = $NF; sub(/k$/, "", v);
                           if (v + 0 > 0) printf "%.1f", v / 1000 }'
}
if command -v openssl >/dev/null 2>&1; then
    secs=3
    [ $smoke = 1 ] && secs=1
    echo "| reference: $(openssl version | cut -d' ' -f1-2), 16 KiB" \
         "| MB/s |"
    echo "|---|---|"
    if [ $krb5 = 1 ]; then
        aes=$(ossl_speed -evp aes-256-cbc)
        aesd=$(ossl_speed -evp aes-256-cbc -decrypt)
        sha=$(ossl_speed -evp sha1)
        hmac=$(ossl_speed -hmac sha1)
        echo "| AES-256-CBC encrypt (\`openssl speed -evp aes-256-cbc\`)" \
             "| ${aes:-?} |"
        echo "| AES-256-CBC decrypt (\`openssl speed -evp aes-256-cbc" \
             "-decrypt\`) | ${aesd:-?} |"
        echo "| SHA-1 (\`openssl speed -evp sha1\`) | ${sha:-?} |"
        echo "| HMAC-SHA1 (\`openssl speed -hmac sha1\`) | ${hmac:-?} |"
        if [ -n "$aes" ] && [ -n "$aesd" ] && [ -n "$hmac" ]; then
            # An aes256-cts-hmac-sha1-96 round trip encrypts each byte
            # once, decrypts it once (CBC decryption runs blocks in
            # parallel: much faster) and HMACs it twice: the fastest a
            # round trip can be on this CPU with OpenSSL's primitives.
            limit=$(awk -v a="$aes" -v d="$aesd" -v h="$hmac" \
                        'BEGIN { printf "%.1f", 1 / (1/a + 1/d + 2/h) }')
            echo "| **limit**: AES-256-CBC encrypt + decrypt + 2 HMAC-SHA1" \
                 "per byte (derived: 1 / (1/enc + 1/dec + 2/hmac)) |" \
                 "$limit |"
            for row in "16 KiB" "64 KiB"; do
                got=$(awk -F'|' -v r="Encrypt+DecryptMessage $row" \
                          'index($2, r) { split($4, f, " "); print f[1] }' \
                          "$bench_work/krb5.md")
                [ -n "$got" ] || continue
                echo "| sspigss Encrypt+DecryptMessage $row: share of the" \
                     "limit | $(awk -v g="$got" -v l="$limit" \
                                'BEGIN { printf "%.0f %%", 100 * g / l }') |"
            done
        fi
    fi
    if [ $tls = 1 ]; then
        # What a TLS 1.3 record of TLS_AES_256_GCM_SHA384 costs in
        # cipher work alone: a ceiling for the 16 KiB Encrypt and
        # DecryptMessage rows (one direction each).
        gcm=$(ossl_speed -evp aes-256-gcm)
        echo "| AES-256-GCM encrypt (\`openssl speed -evp aes-256-gcm\`)" \
             "| ${gcm:-?} |"
    fi
else
    echo "(openssl not installed: no reference figures)"
fi

if [ $rc -ne 0 ]; then
    echo "$me: a benchmark failed (see above)" >&2
    if [ $krb5 = 1 ]; then
        echo "$me: the KDC's log:" >&2
        tail -n 20 "$bench_work/kdc/kdc.log" >&2
    fi
fi
exit $rc
