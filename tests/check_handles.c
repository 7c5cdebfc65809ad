/*
 * check_handles.c - the handle table: generations, kinds, forged handles,
 * reference counts, threads.
 */
#include "setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "testutil.h"

static atomic_int destroyed;

struct thing {
    struct handle_obj h;
    int payload;
};

static void
thing_destroy(struct handle_obj *obj)
{
    atomic_fetch_add(&destroyed, 1);
    free(obj);
}

static struct thing *
thing_new(enum handle_kind kind)
{
    struct thing *t = calloc(1, sizeof(*t));

    ck_assert_ptr_nonnull(t);
    handle_obj_init(&t->h, kind, NULL, thing_destroy);
    return t;
}

START_TEST(insert_lookup_remove)
{
    struct thing *t = thing_new(HANDLE_CRED);
    struct handle_obj *got = NULL;
    SecHandle h;
    size_t base = handle_count(HANDLE_CRED);
    bool stale = true;

    atomic_store(&destroyed, 0);
    ck_assert_sec(handle_insert(&t->h, &h), SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), base + 1);
    handle_obj_unref(&t->h);            /* the table keeps it alive */
    ck_assert_int_eq(atomic_load(&destroyed), 0);
    ck_assert_sec(handle_lookup(&h, HANDLE_CRED, &got), SEC_E_OK);
    ck_assert_ptr_eq(got, &t->h);
    /* Removing while a lookup holds a reference defers destruction. */
    ck_assert_sec(handle_remove(&h, HANDLE_CRED, &stale), SEC_E_OK);
    ck_assert(!stale);
    ck_assert_int_eq(atomic_load(&destroyed), 0);
    handle_obj_unref(got);
    ck_assert_int_eq(atomic_load(&destroyed), 1);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), base);
    /* Now stale. */
    ck_assert_sec(handle_lookup(&h, HANDLE_CRED, &got), SEC_E_INVALID_HANDLE);
    ck_assert_ptr_null(got);
    ck_assert_sec(handle_remove(&h, HANDLE_CRED, &stale),
                  SEC_E_INVALID_HANDLE);
    ck_assert(stale);
}
END_TEST

START_TEST(stale_handle_never_names_the_next_occupant)
{
    struct thing *a = thing_new(HANDLE_CTX), *b;
    struct handle_obj *got;
    SecHandle ha, hb;
    bool stale;

    ck_assert_sec(handle_insert(&a->h, &ha), SEC_E_OK);
    handle_obj_unref(&a->h);
    ck_assert_sec(handle_remove(&ha, HANDLE_CTX, NULL), SEC_E_OK);
    /* The freed slot is reused first. */
    b = thing_new(HANDLE_CTX);
    ck_assert_sec(handle_insert(&b->h, &hb), SEC_E_OK);
    handle_obj_unref(&b->h);
    ck_assert(memcmp(&ha, &hb, sizeof(ha)) != 0);
    ck_assert_sec(handle_lookup(&ha, HANDLE_CTX, &got), SEC_E_INVALID_HANDLE);
    ck_assert_sec(handle_remove(&ha, HANDLE_CTX, &stale),
                  SEC_E_INVALID_HANDLE);
    ck_assert(stale);
    ck_assert_sec(handle_lookup(&hb, HANDLE_CTX, &got), SEC_E_OK);
    handle_obj_unref(got);
    ck_assert_sec(handle_remove(&hb, HANDLE_CTX, NULL), SEC_E_OK);
}
END_TEST

START_TEST(forged_zeroed_and_foreign_handles)
{
    struct thing *t = thing_new(HANDLE_CRED);
    struct handle_obj *got;
    SecHandle h, bad;
    bool stale;

    ck_assert_sec(handle_insert(&t->h, &h), SEC_E_OK);
    handle_obj_unref(&t->h);

    ck_assert_sec(handle_lookup(NULL, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    memset(&bad, 0, sizeof(bad));
    ck_assert_sec(handle_lookup(&bad, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    SecInvalidateHandle(&bad);
    ck_assert_sec(handle_lookup(&bad, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    /* Off by one in either word. */
    bad = h;
    bad.dwLower ^= 1;
    ck_assert_sec(handle_lookup(&bad, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    bad = h;
    bad.dwUpper ^= 0x100;
    ck_assert_sec(handle_lookup(&bad, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    /* A credential is not a context. */
    ck_assert_sec(handle_lookup(&h, HANDLE_CTX, &got), SEC_E_INVALID_HANDLE);
    ck_assert_sec(handle_remove(&h, HANDLE_CTX, &stale),
                  SEC_E_INVALID_HANDLE);
    ck_assert(!stale);
    /* Small integers, as a confused caller might pass. */
    bad.dwLower = 1;
    bad.dwUpper = 1;
    ck_assert_sec(handle_lookup(&bad, HANDLE_CRED, &got),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(handle_remove(&h, HANDLE_CRED, NULL), SEC_E_OK);
}
END_TEST

START_TEST(many_handles)
{
    enum { N = 3000 };
    SecHandle *hs = calloc(N, sizeof(*hs));
    size_t base = handle_count(HANDLE_CTX), i;

    for (i = 0; i < N; i++) {
        struct thing *t = thing_new(HANDLE_CTX);

        t->payload = (int)i;
        ck_assert_sec(handle_insert(&t->h, &hs[i]), SEC_E_OK);
        handle_obj_unref(&t->h);
    }
    ck_assert_uint_eq(handle_count(HANDLE_CTX), base + N);
    for (i = 0; i < N; i++) {
        struct handle_obj *got;

        ck_assert_sec(handle_lookup(&hs[i], HANDLE_CTX, &got), SEC_E_OK);
        ck_assert_int_eq(((struct thing *)got)->payload, (int)i);
        handle_obj_unref(got);
    }
    for (i = 0; i < N; i++)
        ck_assert_sec(handle_remove(&hs[i], HANDLE_CTX, NULL), SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), base);
    free(hs);
}
END_TEST

/* Threads insert, look up and remove their own handles while also trying
 * each other's (which may be live or gone): nothing may crash, leak or
 * return another thread's object. */
static SecHandle shared[4];
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
worker(void *arg)
{
    size_t me = (size_t)(uintptr_t)arg, i;

    for (i = 0; i < 20000; i++) {
        struct thing *t = thing_new(HANDLE_CTX);
        struct handle_obj *got;
        SecHandle h, other;

        t->payload = (int)me;
        if (handle_insert(&t->h, &h) != SEC_E_OK)
            return (void *)1;
        handle_obj_unref(&t->h);
        pthread_mutex_lock(&shared_lock);
        shared[me] = h;
        other = shared[(me + 1) % 4];
        pthread_mutex_unlock(&shared_lock);
        if (handle_lookup(&other, HANDLE_CTX, &got) == SEC_E_OK) {
            if (((struct thing *)got)->payload != (int)((me + 1) % 4))
                return (void *)2;
            handle_obj_unref(got);
        }
        if (handle_lookup(&h, HANDLE_CTX, &got) != SEC_E_OK)
            return (void *)3;
        handle_obj_unref(got);
        if (handle_remove(&h, HANDLE_CTX, NULL) != SEC_E_OK)
            return (void *)4;
    }
    return NULL;
}

START_TEST(threads)
{
    pthread_t t[4];
    size_t base = handle_count(HANDLE_CTX), i;

    atomic_store(&destroyed, 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker,
                                        (void *)(uintptr_t)i), 0);
    for (i = 0; i < 4; i++) {
        void *rv;

        ck_assert_int_eq(pthread_join(t[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_uint_eq(handle_count(HANDLE_CTX), base);
    ck_assert_int_eq(atomic_load(&destroyed), 4 * 20000);
}
END_TEST

static Suite *
handles_suite(void)
{
    Suite *s = suite_create("handles");
    TCase *tc;

    tc = tcase_create("table");
    tcase_add_test(tc, insert_lookup_remove);
    tcase_add_test(tc, stale_handle_never_names_the_next_occupant);
    tcase_add_test(tc, forged_zeroed_and_foreign_handles);
    tcase_add_test(tc, many_handles);
    suite_add_tcase(s, tc);

    /* The tests that start threads, in a TCase of their own: the
     * ThreadSanitizer pass of ./quickstart test runs only these
     * (CK_RUN_CASE=threads). */
    tc = tcase_create("threads");
    tcase_add_test(tc, threads);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(handles_suite());
}
