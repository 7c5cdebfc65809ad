/*
 * check_memory.c - context buffers and secret wiping.
 */
#include "setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(alloc_free_and_count)
{
    size_t base = ctxbuf_outstanding();
    unsigned char *p = ctxbuf_alloc(100), *q = ctxbuf_alloc(0);
    size_t i;

    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    for (i = 0; i < 100; i++)
        ck_assert_uint_eq(p[i], 0);
    ck_assert_uint_eq(ctxbuf_outstanding(), base + 2);
    ck_assert_sec(FreeContextBuffer(p), SEC_E_OK);
    ck_assert_sec(ctxbuf_free(q), SEC_E_OK);
    ck_assert_uint_eq(ctxbuf_outstanding(), base);
}
END_TEST

START_TEST(foreign_and_double_free_refused)
{
    char stack_buf[8];
    void *heap = malloc(16);
    void *p = ctxbuf_alloc(8);

    ck_assert_sec(FreeContextBuffer(NULL), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(stack_buf), SEC_E_INVALID_HANDLE);
    ck_assert_sec(FreeContextBuffer(heap), SEC_E_INVALID_HANDLE);
    ck_assert_sec(FreeContextBuffer(p), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(p), SEC_E_INVALID_HANDLE);
    free(heap);
}
END_TEST

START_TEST(many_blocks_grow_the_set)
{
    enum { N = 5000 };
    void **v = calloc(N, sizeof(*v));
    size_t base = ctxbuf_outstanding(), i;

    for (i = 0; i < N; i++) {
        v[i] = ctxbuf_alloc(i % 64);
        ck_assert_ptr_nonnull(v[i]);
    }
    ck_assert_uint_eq(ctxbuf_outstanding(), base + N);
    /* Free every other one, then the rest: tombstones are handled. */
    for (i = 0; i < N; i += 2)
        ck_assert_sec(ctxbuf_free(v[i]), SEC_E_OK);
    for (i = 0; i < N; i += 2)
        ck_assert_sec(ctxbuf_free(v[i]), SEC_E_INVALID_HANDLE);
    for (i = 1; i < N; i += 2)
        ck_assert_sec(ctxbuf_free(v[i]), SEC_E_OK);
    ck_assert_uint_eq(ctxbuf_outstanding(), base);
    free(v);
}
END_TEST

static void *
churn(void *arg)
{
    size_t i;

    (void)arg;
    for (i = 0; i < 20000; i++) {
        void *p = ctxbuf_alloc(32);

        if (p == NULL || ctxbuf_free(p) != SEC_E_OK)
            return (void *)1;
    }
    return NULL;
}

START_TEST(threads)
{
    pthread_t t[4];
    size_t base = ctxbuf_outstanding(), i;

    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, NULL), 0);
    for (i = 0; i < 4; i++) {
        void *rv;

        ck_assert_int_eq(pthread_join(t[i], &rv), 0);
        ck_assert_ptr_null(rv);
    }
    ck_assert_uint_eq(ctxbuf_outstanding(), base);
}
END_TEST

START_TEST(wipe)
{
    char *secret = strdup("hunter2");
    unsigned char buf[32];
    size_t i;

    memset(buf, 0xAA, sizeof(buf));
    mem_wipe(buf, sizeof(buf));
    for (i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0);
    mem_wipe(NULL, 10);
    mem_free_secret_str(secret);
    mem_free_secret_str(NULL);
}
END_TEST

static Suite *
memory_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc;

    tc = tcase_create("ctxbuf");
    tcase_add_test(tc, alloc_free_and_count);
    tcase_add_test(tc, foreign_and_double_free_refused);
    tcase_add_test(tc, many_blocks_grow_the_set);
    tcase_add_test(tc, wipe);
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
    return run_suite(memory_suite());
}
