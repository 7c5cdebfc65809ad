/*
 * bench_krb5.c - sspigss against raw MIT GSS-API, as ratios, in one
 * process: Encrypt+Decrypt at four sizes, Make+VerifySignature, and
 * whole handshakes. Each metric interleaves the two paths (ops.h,
 * bench_compare) and prints one Markdown table row:
 *
 *   | metric | raw MIT GSS-API | sspigss | ratio | per-round ratios |
 *
 * The raw and sspigss columns are each path's median throughput over the
 * rounds. ratio = sspigss throughput / raw throughput (1.00: as fast;
 * 0.50: half as fast), taken in each round (both paths run back to back)
 * and reported as the median over the rounds, with the quartiles, which
 * show how steady the machine was. MB/s counts payload bytes, 10^6 per
 * MB (as `openssl speed` counts 1000s of bytes).
 * A round trip (Encrypt then Decrypt, Sign then Verify) is one
 * operation; its bytes are counted once.
 *
 * Run by bench/run.sh, which starts the KDC and sets the environment.
 * --smoke runs every metric a few times; nothing here judges a time.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* aes256-cts-hmac-sha1-96 (RFC 3962) */
#define ENCTYPE_WANTED 18

static int
bench_wrap(const struct bench_opts *o, struct bench_pair *p, size_t len,
           const char *label)
{
    struct wrap_state w;
    struct bench_result r;
    char metric[96];
    int rc;

    if (wrap_init(&w, p, len) != 0)
        return -1;
    rc = bench_compare(o, raw_wrap_rt, &w, sspi_wrap_rt, &w, &r);
    if (rc == 0)
        rc = wrap_check(&w);
    if (rc == 0) {
        snprintf(metric, sizeof(metric), "Encrypt+DecryptMessage %s", label);
        bench_print_row(metric, &r, len);
    }
    wrap_free(&w);
    return rc;
}

static int
bench_mic(const struct bench_opts *o, struct bench_pair *p)
{
    struct mic_state m;
    struct bench_result r;
    int rc;

    if (mic_init(&m, p, 1024) != 0)
        return -1;
    rc = bench_compare(o, raw_mic_rt, &m, sspi_mic_rt, &m, &r);
    if (rc == 0)
        bench_print_row("Make+VerifySignature 1 KiB", &r, 1024);
    mic_free(&m);
    return rc;
}

static int
bench_handshake(const struct bench_opts *o, struct bench_pair *p)
{
    struct bench_result r;

    if (bench_compare(o, raw_handshake_rt, p, sspi_handshake_rt, p, &r)
        != 0)
        return -1;
    bench_print_row("handshake, mutual auth (ISC/ASC/ISC)", &r, 0);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct {
        size_t len;
        const char *label;
        const char *name;       /* for --only */
    } sizes[] = {
        { 64, "64 B", "wrap64" },
        { 1024, "1 KiB", "wrap1k" },
        { 16384, "16 KiB", "wrap16k" },
        { 65536, "64 KiB", "wrap64k" },
    };
    struct bench_opts o;
    struct bench_pair p;
    size_t i;
    int rc;

    rc = bench_parse_args(argc, argv,
                          "Time Kerberos message protection and handshakes "
                          "through sspigss and raw MIT GSS-API.", &o);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    if (bench_pair_open(&p, ENCTYPE_WANTED) != 0)
        return 1;
    printf("<!-- bench_krb5: enctype %d (aes256-cts-hmac-sha1-96) on both "
           "paths; flags mutual, conf, integ, replay, sequence; "
           "cbSecurityTrailer %lu, cbMaxSignature %lu; sspigss messages "
           "through %s; %d rounds%s -->\n",
           p.enctype, (unsigned long)p.sizes.cbSecurityTrailer,
           (unsigned long)p.sizes.cbMaxSignature,
           p.fast ? "its own engine (lib/krb_msg.c)"
                  : "GSS-API (SSPIGSS_KRB_FASTPATH=0)",
           o.rounds, o.smoke ? ", smoke: numbers mean nothing" : "");
    printf("| metric | raw MIT GSS-API | sspigss | ratio | "
           "ratio quartiles |\n");
    printf("|---|---|---|---|---|\n");
    fflush(stdout);
    rc = 0;
    for (i = 0; rc == 0 && i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (bench_selected(&o, sizes[i].name))
            rc = bench_wrap(&o, &p, sizes[i].len, sizes[i].label);
    if (rc == 0 && bench_selected(&o, "mic"))
        rc = bench_mic(&o, &p);
    if (rc == 0 && bench_selected(&o, "handshake"))
        rc = bench_handshake(&o, &p);
    bench_pair_close(&p);
    return rc == 0 ? 0 : 1;
}
