/*
 * check_secbuf.c - SecBufferDesc validation and lookup by type.
 */
#include "setup.h"

#include "internal.h"
#include "testutil.h"

START_TEST(find_by_type_ignoring_attributes)
{
    char a[4], b[4], c[4];
    SecBuffer bufs[3] = {
        { sizeof(a), SECBUFFER_DATA, a },
        { sizeof(b), SECBUFFER_TOKEN | SECBUFFER_READONLY, b },
        { sizeof(c), SECBUFFER_DATA, c },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 3, bufs };

    ck_assert_sec(secbuf_check_desc(&d), SEC_E_OK);
    ck_assert_ptr_eq(secbuf_find(&d, SECBUFFER_TOKEN, 0), &bufs[1]);
    ck_assert_ptr_eq(secbuf_find(&d, SECBUFFER_DATA, 0), &bufs[0]);
    ck_assert_ptr_eq(secbuf_find(&d, SECBUFFER_DATA, 1), &bufs[2]);
    ck_assert_ptr_null(secbuf_find(&d, SECBUFFER_DATA, 2));
    ck_assert_ptr_null(secbuf_find(&d, SECBUFFER_PADDING, 0));
    ck_assert_ptr_null(secbuf_find(NULL, SECBUFFER_DATA, 0));
    ck_assert_uint_eq(secbuf_count(&d, SECBUFFER_DATA), 2);
    ck_assert_uint_eq(secbuf_count(&d, SECBUFFER_TOKEN), 1);
    ck_assert_uint_eq(secbuf_count(NULL, SECBUFFER_TOKEN), 0);
}
END_TEST

START_TEST(bad_descriptors)
{
    char a[4];
    SecBuffer bufs[1] = { { sizeof(a), SECBUFFER_DATA, a } };
    SecBuffer nullbuf[1] = { { 8, SECBUFFER_TOKEN, NULL } };
    SecBuffer empty[1] = { { 0, SECBUFFER_TOKEN, NULL } };
    SecBufferDesc d;

    ck_assert_sec(secbuf_check_desc(NULL), SEC_E_INVALID_TOKEN);
    d = (SecBufferDesc){ 1, 1, bufs };          /* wrong version */
    ck_assert_sec(secbuf_check_desc(&d), SEC_E_INVALID_TOKEN);
    d = (SecBufferDesc){ SECBUFFER_VERSION, 1, NULL };
    ck_assert_sec(secbuf_check_desc(&d), SEC_E_INVALID_TOKEN);
    d = (SecBufferDesc){ SECBUFFER_VERSION, 1, nullbuf };
    ck_assert_sec(secbuf_check_desc(&d), SEC_E_INVALID_TOKEN);
    /* An empty buffer with no memory is fine (ALLOCATE_MEMORY output). */
    d = (SecBufferDesc){ SECBUFFER_VERSION, 1, empty };
    ck_assert_sec(secbuf_check_desc(&d), SEC_E_OK);
    d = (SecBufferDesc){ SECBUFFER_VERSION, 0, NULL };
    ck_assert_sec(secbuf_check_desc(&d), SEC_E_OK);
}
END_TEST

static Suite *
secbuf_suite(void)
{
    Suite *s = suite_create("secbuf");
    TCase *tc = tcase_create("desc");

    tcase_add_test(tc, find_by_type_ignoring_attributes);
    tcase_add_test(tc, bad_descriptors);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(secbuf_suite());
}
