/*
 * failalloc.c - malloc and friends for the torture program: see
 * failalloc.h.
 *
 * glibc supports replacing its allocator by symbol interposition (the
 * glibc manual, "Replacing malloc"): a program that defines malloc, free,
 * calloc, realloc and the aligned allocators gets every allocation of the
 * process, glibc's own included. These definitions count, fail and track,
 * then call glibc's allocator through its __libc_ entry points.
 */
#include "setup.h"

#include "failalloc.h"

#include <errno.h>
#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Sanitizer runtimes own malloc themselves: there the definitions below
 * are left out and fa_interposed() says no (the test then skips). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) \
    || __has_feature(memory_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

/* Open addressing over pointers; 2^19 slots is many times what one
 * scenario keeps live. A removed entry leaves a tombstone. */
#define SLOTS (1u << 19)
#define TOMB ((void *)1)
/* Backtraces kept in capture mode (one run at a time, for a report). */
#define CAPTURES (1u << 17)

struct slot {
    void *p;
    void *site;
    uint32_t capture;           /* index + 1 into captures, 0: none */
    uint32_t gen;               /* fa_arm() 1, each fa_rearm() one more */
};

static struct slot *table;
static void *(*captures)[FA_FRAMES];
static unsigned char *capture_len;
static uint32_t ncaptures;

static bool counting, tracking, capturing;
static bool table_used;          /* written since fa_init() */
static long fail_at = -1;
static long count;
static uint32_t gen;
static void *failed_site;
static void *failed_bt[FA_FRAMES];
static int failed_nbt;
static int in_hook;             /* backtrace() may allocate: no recursion */

bool
fa_init(void)
{
    void *bt[2];

    if (table != NULL)
        return true;
    table = mmap(NULL, SLOTS * sizeof(*table), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    captures = mmap(NULL, CAPTURES * sizeof(*captures),
                    PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    capture_len = mmap(NULL, CAPTURES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (table == MAP_FAILED || captures == MAP_FAILED
        || capture_len == MAP_FAILED) {
        table = NULL;
        return false;
    }
    /* The first backtrace() loads the unwinder (an allocation, a
     * dlopen): do it now, never inside an armed run or a signal
     * handler. */
    (void)backtrace(bt, 2);
    return true;
}

__attribute__((unused)) static size_t
hash(const void *p)
{
    uintptr_t x = (uintptr_t)p >> 4;

    x ^= x >> 17;
    x *= 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 20) & (SLOTS - 1);
}

__attribute__((unused)) static void
track_add(void *p, void *site)
{
    size_t i = hash(p), n;

    if (table == NULL)
        return;
    for (n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
        if (table[i].p == NULL || table[i].p == TOMB) {
            table[i].p = p;
            table[i].site = site;
            table[i].capture = 0;
            table[i].gen = gen;
            if (capturing && ncaptures < CAPTURES && !in_hook) {
                in_hook++;
                capture_len[ncaptures] =
                    (unsigned char)backtrace(captures[ncaptures], FA_FRAMES);
                in_hook--;
                table[i].capture = ++ncaptures;
            }
            return;
        }
    }
}

__attribute__((unused)) static void
track_remove(void *p)
{
    size_t i = hash(p), n;

    if (table == NULL || p == NULL)
        return;
    for (n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
        if (table[i].p == NULL)
            return;
        if (table[i].p == p) {
            table[i].p = TOMB;
            return;
        }
    }
}

/* Count an allocation about to be made; true when it is to fail. */
__attribute__((unused)) static bool
fail_this(void *site)
{
    if (!counting || in_hook)
        return false;
    if (count++ == fail_at) {
        failed_site = site;
        in_hook++;
        failed_nbt = backtrace(failed_bt, FA_FRAMES);
        in_hook--;
        errno = ENOMEM;
        return true;
    }
    return false;
}

__attribute__((unused)) static void *
made(void *p, void *site)
{
    if (p != NULL && tracking && !in_hook)
        track_add(p, site);
    return p;
}

#ifndef NO_INTERPOSE
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);
void *memalign(size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n);
void *valloc(size_t n);
void *pvalloc(size_t n);

void *
malloc(size_t n)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_malloc(n), site);
}

void *
calloc(size_t a, size_t b)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_calloc(a, b), site);
}

void *
realloc(void *p, size_t n)
{
    void *site = __builtin_return_address(0);
    void *q;

    if (p != NULL && n == 0) {  /* glibc: frees, returns NULL */
        if (table_used)
            track_remove(p);
        return __libc_realloc(p, n);
    }
    if (fail_this(site))
        return NULL;
    q = __libc_realloc(p, n);
    if (q != NULL && table_used)
        track_remove(p);
    if (q != NULL && tracking)
        track_add(q, site);
    return q;
}

void
free(void *p)
{
    /* Also while tracking is off: an entry must not outlive its block. */
    if (p != NULL && table_used)
        track_remove(p);
    __libc_free(p);
}

void *
memalign(size_t align, size_t n)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_memalign(align, n), site);
}

void *
aligned_alloc(size_t align, size_t n)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_memalign(align, n), site);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
    void *site = __builtin_return_address(0);
    void *p;

    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    if (fail_this(site))
        return ENOMEM;
    p = made(__libc_memalign(align, n), site);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *
valloc(size_t n)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_valloc(n), site);
}

void *
pvalloc(size_t n)
{
    void *site = __builtin_return_address(0);

    if (fail_this(site))
        return NULL;
    return made(__libc_pvalloc(n), site);
}

#endif /* NO_INTERPOSE */

bool
fa_interposed(void)
{
#ifdef NO_INTERPOSE
    return false;
#endif
    /* Through a volatile pointer, so the compiler cannot assume what
     * malloc returns. */
    void *(*volatile alloc)(size_t) = malloc;
    void *p;

    fail_at = 0;
    count = 0;
    counting = true;
    p = alloc(1);
    counting = false;
    fail_at = -1;
    failed_site = NULL;
    if (p != NULL) {
        free(p);
        return false;
    }
    return true;
}

void
fa_arm(long at, bool capture)
{
    /* A child forked from a process that never tracked finds the table
     * zero already: clear it only when it was used. */
    if (table != NULL && table_used)
        memset(table, 0, SLOTS * sizeof(*table));
    table_used = table != NULL;
    ncaptures = 0;
    gen = 1;
    count = 0;
    failed_site = NULL;
    fail_at = at;
    capturing = capture;
    tracking = table != NULL;
    counting = true;
}

void
fa_rearm(long at)
{
    gen++;
    count = 0;
    failed_site = NULL;
    fail_at = at;
    tracking = table != NULL;
    counting = true;
}

void
fa_disarm(void)
{
    fail_at = -1;
}

void
fa_stop(void)
{
    fail_at = -1;
    counting = false;
    tracking = false;
}

long
fa_count(void)
{
    return count;
}

void *
fa_failed_site(void)
{
    return failed_site;
}

int
fa_failed_backtrace(void **out)
{
    if (failed_site == NULL)
        return 0;
    memcpy(out, failed_bt, (size_t)failed_nbt * sizeof(void *));
    return failed_nbt;
}

size_t
fa_live(void **sites, size_t max)
{
    return fa_live_gen(0, sites, max);
}

size_t
fa_live_gen(unsigned g, void **sites, size_t max)
{
    size_t i, n = 0;

    if (table == NULL)
        return 0;
    for (i = 0; i < SLOTS; i++) {
        if (table[i].p == NULL || table[i].p == TOMB)
            continue;
        if (g != 0 && table[i].gen != g)
            continue;
        if (n < max)
            sites[n] = table[i].site;
        n++;
    }
    return n;
}

int
fa_live_backtrace(void *site, size_t nth, void **out)
{
    size_t i;

    if (table == NULL)
        return 0;
    for (i = 0; i < SLOTS; i++) {
        uint32_t c;

        if (table[i].p == NULL || table[i].p == TOMB
            || table[i].site != site)
            continue;
        if (nth-- > 0)
            continue;
        c = table[i].capture;
        if (c == 0)
            return 0;
        memcpy(out, captures[c - 1], capture_len[c - 1] * sizeof(void *));
        return capture_len[c - 1];
    }
    return 0;
}
