/*
 * memory.c - context buffers and secret wiping.
 *
 * SSPI hands memory to callers in several places (ISC_REQ_ALLOCATE_MEMORY
 * tokens, EnumerateSecurityPackages, QuerySecurityPackageInfo, string
 * attributes) and takes it back through FreeContextBuffer(). Every such
 * block is recorded in a small pointer set, so FreeContextBuffer() can
 * refuse a pointer we never handed out (or one already freed) instead of
 * corrupting the heap.
 */
#include "setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Open-addressing set of live blocks. Slots hold NULL (never used),
 * TOMBSTONE (freed) or a live pointer. */
#define TOMBSTONE ((void *)1)

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static void **set_slots;
static size_t set_cap;   /* power of two, or 0 */
static size_t set_live;  /* live pointers */
static size_t set_used;  /* live + tombstones */

static size_t
ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    /* splitmix64 finaliser: spreads heap addresses' low zero bits. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t)x;
}

/* Rebuild the set with room for at least `want` pointers. Called with the
 * lock held. Returns false on allocation failure (set unchanged). */
static bool
set_grow(size_t want)
{
    size_t cap = 16, i;
    void **slots;

    while (cap < want * 2)
        cap *= 2;
    slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return false;
    for (i = 0; i < set_cap; i++) {
        void *p = set_slots[i];
        size_t j;

        if (p == NULL || p == TOMBSTONE)
            continue;
        for (j = ptr_hash(p) & (cap - 1); slots[j] != NULL;
             j = (j + 1) & (cap - 1))
            ;
        slots[j] = p;
    }
    free(set_slots);
    set_slots = slots;
    set_cap = cap;
    set_used = set_live;
    return true;
}

static bool
set_insert(void *p)
{
    size_t j;

    if ((set_used + 1) * 4 > set_cap * 3 && !set_grow(set_live + 1))
        return false;
    for (j = ptr_hash(p) & (set_cap - 1);
         set_slots[j] != NULL && set_slots[j] != TOMBSTONE;
         j = (j + 1) & (set_cap - 1))
        ;
    if (set_slots[j] == NULL)
        set_used++;
    set_slots[j] = p;
    set_live++;
    return true;
}

static bool
set_remove(void *p)
{
    size_t j;

    if (set_cap == 0)
        return false;
    for (j = ptr_hash(p) & (set_cap - 1); set_slots[j] != NULL;
         j = (j + 1) & (set_cap - 1)) {
        if (set_slots[j] == p) {
            set_slots[j] = TOMBSTONE;
            set_live--;
            return true;
        }
    }
    return false;
}

void *
ctxbuf_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    bool ok;

    if (p == NULL)
        return NULL;
    pthread_mutex_lock(&set_lock);
    ok = set_insert(p);
    pthread_mutex_unlock(&set_lock);
    if (!ok) {
        free(p);
        return NULL;
    }
    return p;
}

SECURITY_STATUS
ctxbuf_free(void *p)
{
    bool found;

    if (p == NULL)
        return SEC_E_OK;
    pthread_mutex_lock(&set_lock);
    found = set_remove(p);
    pthread_mutex_unlock(&set_lock);
    if (!found)
        return SEC_E_INVALID_HANDLE;
    free(p);
    return SEC_E_OK;
}

size_t
ctxbuf_outstanding(void)
{
    size_t n;

    pthread_mutex_lock(&set_lock);
    n = set_live;
    pthread_mutex_unlock(&set_lock);
    return n;
}

void *
ctxbuf_string(const char *s, bool wide)
{
    size_t n;
    void *p;

    if (!wide) {
        n = strlen(s) + 1;
        p = ctxbuf_alloc(n);
        if (p != NULL)
            memcpy(p, s, n);
        return p;
    }
    if (utf8_to_utf16(s, (size_t)-1, NULL, &n) != SEC_E_OK)
        return NULL;
    p = ctxbuf_alloc((n + 1) * sizeof(WCHAR));
    if (p != NULL)
        utf8_to_utf16_into(s, p, n);
    return p;
}

void
mem_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    {
        volatile unsigned char *v = p;

        while (n--)
            *v++ = 0;
    }
#endif
}

void
mem_free_secret_str(char *s)
{
    if (s == NULL)
        return;
    mem_wipe(s, strlen(s));
    free(s);
}

/* Release the set itself when the library is unloaded, so leak checkers
 * see only blocks a caller really forgot. */
__attribute__((destructor)) static void
ctxbuf_fini(void)
{
    pthread_mutex_lock(&set_lock);
    if (set_live == 0) {
        free(set_slots);
        set_slots = NULL;
        set_cap = set_used = 0;
    }
    pthread_mutex_unlock(&set_lock);
}
