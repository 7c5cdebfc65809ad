/*
 * bench_allocs.c - heap allocations per operation, raw MIT GSS-API
 * against sspigss, for the operations bench_krb5 times (ops.h).
 *
 * This program defines malloc, calloc, realloc, free and the aligned
 * allocators itself and forwards them to glibc's __libc_* entry points.
 * The executable comes first in the dynamic linker's lookup scope, so
 * every allocation in the process is counted: sspigss (linked in
 * statically from its convenience library), libgssapi_krb5, libkrb5,
 * libk5crypto, OpenSSL, and glibc itself (glibc calls malloc through its
 * PLT precisely so that it can be replaced this way). Nothing is
 * preloaded; no hook API (glibc removed __malloc_hook in 2.34) is used.
 *
 * Each count is taken in steady state: warm-up iterations first (first
 * use of a context or a size may initialise caches), then K iterations,
 * and the count divided by K. The operations themselves allocate
 * nothing (ops.h), so what is counted is the libraries'.
 *
 * Under AddressSanitizer (which owns malloc) the counter is not built
 * and the program says so and exits 0 (skip).
 */
#include "setup.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_COUNTER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NO_COUNTER 1
#endif
#endif

#define WARMUP 20
#define ITERS 200
#define SMOKE_ITERS 3

#ifndef NO_COUNTER

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

/* malloc, calloc, realloc calls; aligned allocator calls; bytes asked. */
static unsigned long n_alloc, n_aligned, n_bytes;

static void
count(unsigned long *what, size_t bytes)
{
    __atomic_fetch_add(what, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&n_bytes, bytes, __ATOMIC_RELAXED);
}

void *
malloc(size_t size)
{
    count(&n_alloc, size);
    return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
    count(&n_alloc, n * size);
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
    count(&n_alloc, size);
    return __libc_realloc(p, size);
}

void
free(void *p)
{
    __libc_free(p);
}

void *
memalign(size_t align, size_t size)
{
    count(&n_aligned, size);
    return __libc_memalign(align, size);
}

void *
aligned_alloc(size_t align, size_t size)
{
    count(&n_aligned, size);
    return __libc_memalign(align, size);
}

int
posix_memalign(void **out, size_t align, size_t size)
{
    void *p;

    count(&n_aligned, size);
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return 22;      /* EINVAL */
    p = __libc_memalign(align, size);
    if (p == NULL)
        return 12;      /* ENOMEM */
    *out = p;
    return 0;
}

struct counts {
    double allocs;      /* malloc + calloc + realloc per iteration */
    double aligned;     /* memalign family per iteration */
    double bytes;       /* bytes asked for per iteration */
};

/* Run fn for warm-up, then count k iterations. */
static int
measure(bench_fn fn, void *arg, unsigned long k, struct counts *c)
{
    unsigned long a0, g0, b0;

    if (fn(arg, k < WARMUP ? k : WARMUP) != 0)
        return -1;
    a0 = __atomic_load_n(&n_alloc, __ATOMIC_RELAXED);
    g0 = __atomic_load_n(&n_aligned, __ATOMIC_RELAXED);
    b0 = __atomic_load_n(&n_bytes, __ATOMIC_RELAXED);
    if (fn(arg, k) != 0)
        return -1;
    c->allocs = (double)(__atomic_load_n(&n_alloc, __ATOMIC_RELAXED) - a0)
                / (double)k;
    c->aligned = (double)(__atomic_load_n(&n_aligned, __ATOMIC_RELAXED)
                          - g0) / (double)k;
    c->bytes = (double)(__atomic_load_n(&n_bytes, __ATOMIC_RELAXED) - b0)
               / (double)k;
    return 0;
}

static void
num(char *buf, size_t len, double v)
{
    /* Whole numbers as such; fractions (an occasional realloc) with
     * two decimals. */
    if (v == (double)(unsigned long)v)
        snprintf(buf, len, "%lu", (unsigned long)v);
    else
        snprintf(buf, len, "%.2f", v);
}

static int
compare(const char *metric, bench_fn raw, bench_fn sspi, void *arg,
        unsigned long k)
{
    struct counts r, s;
    char ra[32], sa[32], rb[32], sb[32];

    if (measure(raw, arg, k, &r) != 0 || measure(sspi, arg, k, &s) != 0)
        return -1;
    num(ra, sizeof(ra), r.allocs);
    num(sa, sizeof(sa), s.allocs);
    num(rb, sizeof(rb), r.bytes);
    num(sb, sizeof(sb), s.bytes);
    printf("| %s | %s (%s B) | %s (%s B) | %+g |\n", metric, ra, rb, sa, sb,
           s.allocs - r.allocs);
    if (r.aligned != 0 || s.aligned != 0)
        printf("| %s: aligned allocations | %g | %g | |\n", metric,
               r.aligned, s.aligned);
    fflush(stdout);
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
    unsigned long k;
    size_t i;
    int rc;

    rc = bench_parse_args(argc, argv,
                          "Count heap allocations per operation through "
                          "sspigss and raw MIT GSS-API.", &o);
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    k = o.smoke ? SMOKE_ITERS : ITERS;
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
        rc = compare(metric, raw_wrap_rt, sspi_wrap_rt, &w, k);
        if (rc == 0)
            rc = wrap_check(&w);
        wrap_free(&w);
    }
    if (rc == 0 && bench_selected(&o, "mic")) {
        struct mic_state m;

        rc = mic_init(&m, &p, 1024);
        if (rc == 0) {
            rc = compare("Make+VerifySignature 1 KiB", raw_mic_rt,
                         sspi_mic_rt, &m, k);
            mic_free(&m);
        }
    }
    if (rc == 0 && bench_selected(&o, "handshake"))
        rc = compare("handshake, mutual auth", raw_handshake_rt,
                     sspi_handshake_rt, &p, o.smoke ? SMOKE_ITERS : 20);
    bench_pair_close(&p);
    return rc == 0 ? 0 : 1;
}

#else /* NO_COUNTER */

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("bench_allocs: skipped: a sanitizer owns malloc in this "
           "build\n");
    return 0;
}

#endif
