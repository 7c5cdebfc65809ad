/*
 * bench_tls.c - sspigss's Schannel package against raw OpenSSL 3, as
 * ratios, in one process: EncryptMessage and DecryptMessage at 1 KiB and
 * 16 KiB (TLS 1.3, TLS_AES_256_GCM_SHA384) and whole handshakes, the
 * client's side of each (tlsops.h: the server is raw OpenSSL in both
 * paths and is not timed). Each metric interleaves the two paths
 * (bench_compare) and prints one Markdown table row:
 *
 *   | metric | raw OpenSSL | sspigss | ratio | ratio quartiles |
 *
 * as bench_krb5 does (ratio = sspigss throughput / raw throughput; MB/s
 * counts payload bytes, 10^6 per MB). Needs no KDC and no network.
 * --smoke runs every metric a few times; nothing here judges a time.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>

#include "tlsops.h"

static int
bench_msg(const struct bench_opts *o, struct tls_bench *t,
          const struct tls_metric *x)
{
    struct tls_msg m;
    struct bench_result r;
    int rc;

    if (tls_msg_init(&m, t, x->len) != 0)
        return -1;
    rc = bench_compare(o, x->raw, &m, x->sspi, &m, &r);
    if (rc == 0)
        bench_print_row(x->label, &r, x->len);
    tls_msg_free(&m);
    return rc;
}

int
main(int argc, char **argv)
{
    struct bench_opts o;
    struct tls_bench t;
    struct bench_result r;
    size_t i;
    int rc;

    rc = bench_parse_args(argc, argv,
                          "Time Schannel (TLS 1.3) messages and handshakes "
                          "through sspigss and raw OpenSSL.", &o);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    if (tls_bench_open(&t) != 0)
        return 1;
    printf("<!-- bench_tls: %s; client side only (the raw OpenSSL server "
           "is not timed); stream sizes %lu + %lu; %d rounds%s -->\n",
           t.desc, (unsigned long)t.sizes.cbHeader,
           (unsigned long)t.sizes.cbTrailer, o.rounds,
           o.smoke ? ", smoke: numbers mean nothing" : "");
    printf("| TLS client | raw OpenSSL | sspigss | ratio | "
           "ratio quartiles |\n");
    printf("|---|---|---|---|---|\n");
    fflush(stdout);
    rc = 0;
    for (i = 0; rc == 0 && i < tls_metric_count; i++)
        if (bench_selected(&o, tls_metrics[i].name))
            rc = bench_msg(&o, &t, &tls_metrics[i]);
    if (rc == 0 && bench_selected(&o, "tls-handshake")) {
        rc = bench_compare(&o, raw_tls_handshake, &t, sspi_tls_handshake,
                           &t, &r);
        if (rc == 0)
            bench_print_row("handshake (ISC, ISC)", &r, 0);
    }
    tls_bench_close(&t);
    return rc == 0 ? 0 : 1;
}
