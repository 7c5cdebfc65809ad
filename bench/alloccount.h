/*
 * alloccount.h - heap allocations per operation, for the allocation
 * benchmarks (bench_allocs: Kerberos; bench_tls_allocs: TLS).
 *
 * alloccount.c defines malloc, calloc, realloc, free and the aligned
 * allocators itself and forwards them to glibc's __libc_* entry points.
 * The executable comes first in the dynamic linker's lookup scope, so
 * every allocation in the process is counted: sspigss (linked in
 * statically from its convenience library), libgssapi_krb5, libkrb5,
 * libk5crypto, OpenSSL, and glibc itself (glibc calls malloc through its
 * PLT precisely so that it can be replaced this way). Nothing is
 * preloaded; no hook API (glibc removed __malloc_hook in 2.34) is used.
 * Link it into a program that counts, and into no other.
 *
 * Under AddressSanitizer or MemorySanitizer (which own malloc) nothing
 * is defined and alloc_counter_available() says so; the programs then
 * print that they skip and exit 0.
 */
#ifndef SSPIGSS_BENCH_ALLOCCOUNT_H
#define SSPIGSS_BENCH_ALLOCCOUNT_H

#include <stdbool.h>

#include "benchutil.h"

/* Iterations counted (after warm-up) per operation, and in smoke mode. */
#define ALLOC_ITERS 200
#define ALLOC_SMOKE_ITERS 3

bool alloc_counter_available(void);

/*
 * Count the allocations of fn: warm-up iterations first (first use of a
 * context or a size may initialise caches), then k iterations, divided
 * by k. Allocations inside bench_pause()/bench_resume() are not counted
 * (the TLS peer's). Then print one Markdown row:
 *
 *   | metric | raw count (bytes) | sspigss count (bytes) | difference |
 *
 * and a second row for the aligned allocators when either path used
 * them. Returns 0, or -1 when an operation failed.
 */
int alloc_compare(const char *metric, bench_fn raw, void *raw_arg,
                  bench_fn sspi, void *sspi_arg, unsigned long k);

#endif /* SSPIGSS_BENCH_ALLOCCOUNT_H */
