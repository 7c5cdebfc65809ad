/*
 * bench_allocs.c - heap allocations per operation, raw MIT GSS-API
 * against sspigss, for the operations bench_krb5 times (ops.h), counted
 * by the process's own malloc (alloccount.h).
 *
 * Each count is taken in steady state: warm-up iterations first, then
 * ALLOC_ITERS iterations, and the count divided by that. The operations
 * themselves allocate nothing (ops.h), so what is counted is the
 * libraries'. Under a sanitizer the program says it skips and exits 0.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>

#include "alloccount.h"
#include "ops.h"

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
    unsigned long k;
    size_t i;
    int rc;

    if (!alloc_counter_available()) {
        printf("bench_allocs: skipped: a sanitizer owns malloc in this "
               "build\n");
        return 0;
    }
    rc = bench_parse_args(argc, argv,
                          "Count heap allocations per operation through "
                          "sspigss and raw MIT GSS-API.", &o);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    k = o.smoke ? ALLOC_SMOKE_ITERS : ALLOC_ITERS;
    if (bench_pair_open(&p, 18) != 0)
        return 1;
    printf("<!-- bench_allocs: malloc+calloc+realloc calls per operation "
           "in steady state (%lu iterations after warm-up), bytes asked in "
           "brackets -->\n", k);
    printf("| allocations per operation | raw MIT GSS-API | sspigss | "
           "sspigss - raw |\n");
    printf("|---|---|---|---|\n");
    rc = 0;
    for (i = 0; rc == 0 && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct wrap_state w;
        char metric[96];

        if (!bench_selected(&o, sizes[i].name))
            continue;
        if (wrap_init(&w, &p, sizes[i].len) != 0) {
            rc = -1;
            break;
        }
        snprintf(metric, sizeof(metric), "Encrypt+DecryptMessage %s",
                 sizes[i].label);
        rc = alloc_compare(metric, raw_wrap_rt, &w, sspi_wrap_rt, &w, k);
        if (rc == 0)
            rc = wrap_check(&w);
        wrap_free(&w);
    }
    if (rc == 0 && bench_selected(&o, "mic")) {
        struct mic_state m;

        rc = mic_init(&m, &p, 1024);
        if (rc == 0) {
            rc = alloc_compare("Make+VerifySignature 1 KiB", raw_mic_rt, &m,
                               sspi_mic_rt, &m, k);
            mic_free(&m);
        }
    }
    if (rc == 0 && bench_selected(&o, "handshake"))
        rc = alloc_compare("handshake, mutual auth", raw_handshake_rt, &p,
                           sspi_handshake_rt, &p,
                           o.smoke ? ALLOC_SMOKE_ITERS : 20);
    bench_pair_close(&p);
    return rc == 0 ? 0 : 1;
}
