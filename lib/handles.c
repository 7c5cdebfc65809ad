/*
 * handles.c - generation-checked, thread-safe handle table.
 *
 * A handle is {dwLower, dwUpper} = {index + 1, generation << 8 | kind},
 * each XORed with a random per-process cookie. A slot's generation
 * increases every time its handle is retired, so a stale handle never
 * names the slot's next occupant; the cookie makes zeroed, all-ones
 * (SecInvalidateHandle) and guessed handles fail the check.
 */
#include "setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>

#include "handles.h"

struct slot {
    struct handle_obj *obj;   /* NULL when free */
    uint32_t gen;
    uint32_t next_free;       /* index + 1 of the next free slot, or 0 */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cookie_once = PTHREAD_ONCE_INIT;
static struct slot *slots;
static uint32_t nslots;
static uint32_t free_head;    /* index + 1, or 0 */
static size_t live[3];
static uint64_t cookie_lo, cookie_hi;

/* Handles the table could never issue, whatever the cookie. */
#define MAX_SLOTS 0x7fffffffU

static void
cookie_init(void)
{
    uint64_t c[2] = { 0, 0 };

    if (getrandom(c, sizeof(c), GRND_NONBLOCK) != (ssize_t)sizeof(c)) {
        /* No entropy yet: address-space randomisation still keeps
         * handles from being constants. */
        c[0] = (uint64_t)(uintptr_t)&c ^ 0x9e3779b97f4a7c15ULL;
        c[1] = (uint64_t)(uintptr_t)&cookie_init ^ 0xc2b2ae3d27d4eb4fULL;
    }
    /* Keep index 0 from encoding as 0 and all-ones from decoding to a
     * valid slot: the low word of a real handle is never 0 or ~0. */
    cookie_lo = c[0] | 0x8000000000000000ULL;
    cookie_hi = c[1];
}

void
handle_obj_init(struct handle_obj *obj, enum handle_kind kind,
                const struct package *pkg,
                void (*destroy)(struct handle_obj *obj))
{
    atomic_init(&obj->refs, 1);
    obj->kind = kind;
    obj->pkg = pkg;
    obj->destroy = destroy;
}

void
handle_obj_ref(struct handle_obj *obj)
{
    atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

void
handle_obj_unref(struct handle_obj *obj)
{
    if (obj == NULL)
        return;
    if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1)
        obj->destroy(obj);
}

static bool
table_grow(void)
{
    uint32_t n = nslots ? nslots * 2 : 64, i;
    struct slot *s;

    if (nslots >= MAX_SLOTS / 2)
        return false;
    s = realloc(slots, (size_t)n * sizeof(*s));
    if (s == NULL)
        return false;
    for (i = nslots; i < n; i++) {
        s[i].obj = NULL;
        s[i].gen = 1;
        s[i].next_free = i + 1 < n ? i + 2 : free_head;
    }
    free_head = nslots + 1;
    slots = s;
    nslots = n;
    return true;
}

SECURITY_STATUS
handle_insert(struct handle_obj *obj, SecHandle *out)
{
    uint32_t idx;
    struct slot *s;

    pthread_once(&cookie_once, cookie_init);
    pthread_mutex_lock(&table_lock);
    if (free_head == 0 && !table_grow()) {
        pthread_mutex_unlock(&table_lock);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    idx = free_head - 1;
    s = &slots[idx];
    free_head = s->next_free;
    s->next_free = 0;
    s->obj = obj;
    handle_obj_ref(obj);
    live[obj->kind]++;
    out->dwLower = (ULONG_PTR)(((uint64_t)idx + 1) ^ cookie_lo);
    out->dwUpper = (ULONG_PTR)((((uint64_t)s->gen << 8) | obj->kind)
                               ^ cookie_hi);
    pthread_mutex_unlock(&table_lock);
    return SEC_E_OK;
}

/*
 * Decode and check a handle; table_lock held. Returns the live slot, or
 * NULL; *stale (if not NULL) tells whether the handle is one this table
 * issued for that kind and has since retired.
 */
static struct slot *
slot_of(const SecHandle *h, enum handle_kind kind, bool *stale)
{
    uint64_t lo, hi;
    uint32_t gen;
    struct slot *s;

    if (stale != NULL)
        *stale = false;
    if (h == NULL)
        return NULL;
    lo = (uint64_t)h->dwLower ^ cookie_lo;
    hi = (uint64_t)h->dwUpper ^ cookie_hi;
    if (lo == 0 || lo > nslots)
        return NULL;
    if ((hi & 0xff) != (uint64_t)kind || (hi >> 39) != 0)
        return NULL;
    gen = (uint32_t)(hi >> 8);
    s = &slots[lo - 1];
    if (s->obj != NULL && s->gen == gen && s->obj->kind == kind)
        return s;
    if (stale != NULL && gen != 0 && gen < s->gen)
        *stale = true;
    return NULL;
}

SECURITY_STATUS
handle_lookup(const SecHandle *h, enum handle_kind kind,
              struct handle_obj **out)
{
    struct slot *s;

    *out = NULL;
    pthread_once(&cookie_once, cookie_init);
    pthread_mutex_lock(&table_lock);
    s = slot_of(h, kind, NULL);
    if (s != NULL) {
        handle_obj_ref(s->obj);
        *out = s->obj;
    }
    pthread_mutex_unlock(&table_lock);
    return s != NULL ? SEC_E_OK : SEC_E_INVALID_HANDLE;
}

SECURITY_STATUS
handle_remove(const SecHandle *h, enum handle_kind kind, bool *stale)
{
    struct handle_obj *obj = NULL;
    struct slot *s;

    pthread_once(&cookie_once, cookie_init);
    pthread_mutex_lock(&table_lock);
    s = slot_of(h, kind, stale);
    if (s != NULL) {
        obj = s->obj;
        s->obj = NULL;
        s->gen++;
        /* Generations stay below 2^31 so they fit the encoding; a
         * wrap makes very old stale handles look forged, which is
         * still refused. */
        if (s->gen >= (1U << 31))
            s->gen = 1;
        s->next_free = free_head;
        free_head = (uint32_t)(s - slots) + 1;
        live[kind]--;
    }
    pthread_mutex_unlock(&table_lock);
    if (obj == NULL)
        return SEC_E_INVALID_HANDLE;
    /* Outside the lock: destroy may take other locks. */
    handle_obj_unref(obj);
    return SEC_E_OK;
}

size_t
handle_count(enum handle_kind kind)
{
    size_t n;

    pthread_mutex_lock(&table_lock);
    n = live[kind];
    pthread_mutex_unlock(&table_lock);
    return n;
}

__attribute__((destructor)) static void
handles_fini(void)
{
    pthread_mutex_lock(&table_lock);
    if (live[HANDLE_CRED] == 0 && live[HANDLE_CTX] == 0) {
        free(slots);
        slots = NULL;
        nslots = 0;
        free_head = 0;
    }
    pthread_mutex_unlock(&table_lock);
}
