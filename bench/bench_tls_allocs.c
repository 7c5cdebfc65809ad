/*
 * bench_tls_allocs.c - heap allocations per operation, raw OpenSSL
 * against sspigss's Schannel package, for the operations bench_tls
 * times (tlsops.h), counted by the process's own malloc (alloccount.h).
 *
 * As in bench_tls, only the client's side counts: the server's work
 * runs between bench_pause() and bench_resume(), during which nothing
 * is counted. Each count is steady state (warm-up, then ALLOC_ITERS
 * operations). Under a sanitizer the program says it skips and exits 0.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>

#include "alloccount.h"
#include "tlsops.h"

#define HANDSHAKES 20

int
main(int argc, char **argv)
{
    struct bench_opts o;
    struct tls_bench t;
    unsigned long k;
    size_t i;
    int rc;

    if (!alloc_counter_available()) {
        printf("bench_tls_allocs: skipped: a sanitizer owns malloc in this "
               "build\n");
        return 0;
    }
    rc = bench_parse_args(argc, argv,
                          "Count heap allocations per TLS operation through "
                          "sspigss and raw OpenSSL.", &o);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    k = o.smoke ? ALLOC_SMOKE_ITERS : ALLOC_ITERS;
    if (tls_bench_open(&t) != 0)
        return 1;
    printf("<!-- bench_tls_allocs: malloc+calloc+realloc calls per "
           "operation of the client, in steady state (%lu iterations after "
           "warm-up), bytes asked in brackets -->\n", k);
    printf("| TLS client allocations per operation | raw OpenSSL | sspigss "
           "| sspigss - raw |\n");
    printf("|---|---|---|---|\n");
    rc = 0;
    for (i = 0; rc == 0 && i < tls_metric_count; i++) {
        const struct tls_metric *x = &tls_metrics[i];
        struct tls_msg m;

        if (!bench_selected(&o, x->name))
            continue;
        if (tls_msg_init(&m, &t, x->len) != 0) {
            rc = -1;
            break;
        }
        rc = alloc_compare(x->label, x->raw, &m, x->sspi, &m, k);
        tls_msg_free(&m);
    }
    if (rc == 0 && bench_selected(&o, "tls-handshake"))
        rc = alloc_compare("handshake (ISC, ISC)", raw_tls_handshake, &t,
                           sspi_tls_handshake, &t,
                           o.smoke ? ALLOC_SMOKE_ITERS : HANDSHAKES);
    tls_bench_close(&t);
    return rc == 0 ? 0 : 1;
}
