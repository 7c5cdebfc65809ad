/*
 * failalloc.h - the torture program's allocator: counts, fails and tracks
 * every heap allocation of the process.
 *
 * tests/torture/failalloc.c defines malloc, calloc, realloc, free and the
 * aligned allocators in the torture executable. The dynamic linker binds
 * every library's calls to the executable's definitions first, so the
 * allocations of libsspigss, MIT krb5, gss-ntlmssp (loaded by the GSS
 * mechanism glue), OpenSSL and glibc itself all come here and go on to
 * glibc's allocator (__libc_malloc and friends).
 *
 * While armed, allocations are numbered from 0; the one numbered `fail_at`
 * returns NULL (errno ENOMEM), once. While tracking, each live allocation
 * is remembered with its call site (the return address into the caller of
 * malloc), so what a scenario left behind can be listed after its
 * cleanup. Nothing here allocates: the table lives in memory mapped at
 * fa_init().
 *
 * Single-threaded use only (the scenarios are): the counters and the
 * table have no lock.
 */
#ifndef SSPIGSS_TORTURE_FAILALLOC_H
#define SSPIGSS_TORTURE_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Frames kept per allocation in capture mode. */
#define FA_FRAMES 24

/* Map the tracking table. false when it cannot (the allocator is then
 * replaced by a sanitizer or valgrind: see fa_interposed()). */
bool fa_init(void);

/* Does a failure injected here reach the program's own malloc calls? Not
 * under valgrind or a sanitizer, which bring their own malloc. */
bool fa_interposed(void);

/* Start counting (and tracking) allocations from 0; fail the one numbered
 * fail_at (-1: fail none). capture: keep each tracked allocation's
 * backtrace (slow; for reports). */
void fa_arm(long fail_at, bool capture);

/* The same scenario once more: allocations counted from 0 again, the one
 * numbered fail_at failed, tracked allocations kept and new ones marked
 * with the next generation (fa_arm() starts at 1). */
void fa_rearm(long fail_at);

/* Stop failing; counting and tracking go on. */
void fa_disarm(void);

/* Stop counting and tracking new allocations; blocks freed are still
 * forgotten, so the table stays true while something else runs. */
void fa_stop(void);

/* Allocations counted since fa_arm(). */
long fa_count(void);

/* The call site of the failed allocation, or NULL when none failed. */
void *fa_failed_site(void);

/* The backtrace of the failed allocation (frames in out[], FA_FRAMES at
 * most); 0 when none failed. */
int fa_failed_backtrace(void **out);

/* Number of tracked allocations still live; their call sites (up to max)
 * in sites[]. */
size_t fa_live(void **sites, size_t max);

/* The same for the allocations of one generation (0: all). */
size_t fa_live_gen(unsigned gen, void **sites, size_t max);

/* In capture mode, the backtrace of the tracked live allocation made at
 * `site` (the n-th such one, from 0): frames in out[], their count
 * returned (0 when none). */
int fa_live_backtrace(void *site, size_t n, void **out);

#endif /* SSPIGSS_TORTURE_FAILALLOC_H */
