/*
 * alloccount.c - the process's own malloc family, counting, and the
 * per-operation comparison of the allocation benchmarks (alloccount.h).
 */
#include "setup.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloccount.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_COUNTER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NO_COUNTER 1
#endif
#endif

#define WARMUP 20

#ifndef NO_COUNTER

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

/* malloc, calloc, realloc calls; aligned allocator calls; bytes asked;
 * whether a bench_pause() is in force (nothing is counted then). */
static unsigned long n_alloc, n_aligned, n_bytes;
static bool paused;

static void
count(unsigned long *what, size_t bytes)
{
    if (__atomic_load_n(&paused, __ATOMIC_RELAXED))
        return;
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

bool
alloc_counter_available(void)
{
    return true;
}

static void
pause_hook(bool on)
{
    __atomic_store_n(&paused, on, __ATOMIC_RELAXED);
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

    bench_set_pause_hook(pause_hook);
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

int
alloc_compare(const char *metric, bench_fn raw, void *raw_arg,
              bench_fn sspi, void *sspi_arg, unsigned long k)
{
    struct counts r, s;
    char ra[32], sa[32], rb[32], sb[32];

    if (measure(raw, raw_arg, k, &r) != 0
        || measure(sspi, sspi_arg, k, &s) != 0)
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

#else /* NO_COUNTER */

bool
alloc_counter_available(void)
{
    return false;
}

int
alloc_compare(const char *metric, bench_fn raw, void *raw_arg,
              bench_fn sspi, void *sspi_arg, unsigned long k)
{
    (void)metric;
    (void)raw;
    (void)raw_arg;
    (void)sspi;
    (void)sspi_arg;
    (void)k;
    return -1;
}

#endif
