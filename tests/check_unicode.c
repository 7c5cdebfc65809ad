/*
 * check_unicode.c - UTF-16 <-> UTF-8 conversion at the A/W boundary.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(ascii_round_trip)
{
    static const WCHAR w[] = { 'K', 'r', 'b', '5', 0 };
    char *u8 = NULL;
    WCHAR *back = NULL;
    size_t n = 99;

    ck_assert_sec(utf16_to_utf8(w, (size_t)-1, &u8, &n), SEC_E_OK);
    ck_assert_str_eq(u8, "Krb5");
    ck_assert_uint_eq(n, 4);
    ck_assert_sec(utf8_to_utf16(u8, (size_t)-1, &back, &n), SEC_E_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert(memcmp(back, w, sizeof(w)) == 0);
    free(u8);
    free(back);
}
END_TEST

START_TEST(multibyte_and_surrogates)
{
    /* "é日𝄞" : U+00E9, U+65E5, U+1D11E (a surrogate pair). */
    static const WCHAR w[] = { 0x00E9, 0x65E5, 0xD834, 0xDD1E, 0 };
    static const char u8_want[] = "\xC3\xA9\xE6\x97\xA5\xF0\x9D\x84\x9E";
    char *u8 = NULL;
    WCHAR *back = NULL;
    size_t n;

    ck_assert_sec(utf16_to_utf8(w, (size_t)-1, &u8, &n), SEC_E_OK);
    ck_assert_str_eq(u8, u8_want);
    ck_assert_uint_eq(n, 9);
    ck_assert_sec(utf8_to_utf16(u8, (size_t)-1, &back, &n), SEC_E_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert(memcmp(back, w, sizeof(w)) == 0);
    free(u8);
    free(back);
}
END_TEST

START_TEST(counted_strings)
{
    static const WCHAR w[] = { 'a', 'b', 'c', 'd' };  /* no NUL */
    char *u8 = NULL;

    ck_assert_sec(utf16_to_utf8(w, 2, &u8, NULL), SEC_E_OK);
    ck_assert_str_eq(u8, "ab");
    free(u8);
    ck_assert_sec(utf16_to_utf8(w, 0, &u8, NULL), SEC_E_OK);
    ck_assert_str_eq(u8, "");
    free(u8);
}
END_TEST

START_TEST(malformed_utf16_rejected)
{
    static const WCHAR lone_high[] = { 'a', 0xD800, 'b', 0 };
    static const WCHAR lone_low[] = { 0xDC00, 0 };
    static const WCHAR high_at_end[] = { 'x', 0xDBFF, 0 };
    static const WCHAR two_high[] = { 0xD800, 0xD800, 0 };
    static const WCHAR embedded_nul[] = { 'a', 0, 'b' };
    char *u8 = (char *)1;

    ck_assert_sec(utf16_to_utf8(lone_high, (size_t)-1, &u8, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_ptr_null(u8);
    ck_assert_sec(utf16_to_utf8(lone_low, (size_t)-1, &u8, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(utf16_to_utf8(high_at_end, (size_t)-1, &u8, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(utf16_to_utf8(two_high, (size_t)-1, &u8, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(utf16_to_utf8(embedded_nul, 3, &u8, NULL),
                  SEC_E_INVALID_PARAMETER);
    /* A counted string that stops inside a pair is malformed. */
    ck_assert_sec(utf16_to_utf8((const WCHAR[]){ 0xD834, 0xDD1E }, 1, &u8,
                                NULL),
                  SEC_E_INVALID_PARAMETER);
}
END_TEST

START_TEST(malformed_utf8_rejected)
{
    static const char *const bad[] = {
        "\x80",             /* stray continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* UTF-16 surrogate encoded in UTF-8 */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xF8\x88\x80\x80\x80",
        "\xE6\x97",         /* truncated */
        "a\xFF",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        WCHAR *w = (WCHAR *)1;

        ck_assert_msg(!utf8_valid(bad[i], strlen(bad[i])), "case %zu", i);
        ck_assert_sec(utf8_to_utf16(bad[i], (size_t)-1, &w, NULL),
                      SEC_E_INVALID_PARAMETER);
        ck_assert_ptr_null(w);
    }
    /* A counted string with a NUL inside is not a valid name. */
    ck_assert(!utf8_valid("a\0b", 3));
    ck_assert(utf8_valid("", 0));
    ck_assert(utf8_valid("\xF0\x9D\x84\x9E", 4));
}
END_TEST

START_TEST(length_only_and_into)
{
    size_t units = 0;
    WCHAR buf[8];

    ck_assert_sec(utf8_to_utf16("a\xF0\x9D\x84\x9E" "b", (size_t)-1, NULL,
                                &units),
                  SEC_E_OK);
    ck_assert_uint_eq(units, 4);
    utf8_to_utf16_into("a\xF0\x9D\x84\x9E" "b", buf, units);
    ck_assert_uint_eq(buf[0], 'a');
    ck_assert_uint_eq(buf[1], 0xD834);
    ck_assert_uint_eq(buf[2], 0xDD1E);
    ck_assert_uint_eq(buf[3], 'b');
    ck_assert_uint_eq(buf[4], 0);
    ck_assert_uint_eq(wstr_len(buf), 4);
}
END_TEST

START_TEST(exhaustive_bmp_round_trip)
{
    /* Every BMP scalar value survives UTF-16 -> UTF-8 -> UTF-16. */
    WCHAR w[2] = { 0, 0 };
    uint32_t c;

    for (c = 1; c <= 0xFFFF; c++) {
        char *u8 = NULL;
        WCHAR *back = NULL;

        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        w[0] = (WCHAR)c;
        ck_assert_sec(utf16_to_utf8(w, 1, &u8, NULL), SEC_E_OK);
        ck_assert_sec(utf8_to_utf16(u8, (size_t)-1, &back, NULL), SEC_E_OK);
        ck_assert_uint_eq(back[0], c);
        ck_assert_uint_eq(back[1], 0);
        free(u8);
        free(back);
    }
}
END_TEST

static Suite *
unicode_suite(void)
{
    Suite *s = suite_create("unicode");
    TCase *tc = tcase_create("convert");

    tcase_add_test(tc, ascii_round_trip);
    tcase_add_test(tc, multibyte_and_surrogates);
    tcase_add_test(tc, counted_strings);
    tcase_add_test(tc, malformed_utf16_rejected);
    tcase_add_test(tc, malformed_utf8_rejected);
    tcase_add_test(tc, length_only_and_into);
    tcase_add_test(tc, exhaustive_bmp_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(unicode_suite());
}
