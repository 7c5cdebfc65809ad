/*
 * check_compat.c - the Windows-named headers as ported code uses them:
 * FormatMessageA/W on SSPI status codes, TEXT(), FAILED/SUCCEEDED.
 * Includes only <windows.h> and <security.h> from compat/.
 */
#define SECURITY_WIN32
#include <windows.h>
#include <security.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(format_message_a_english)
{
    char buf[512];
    DWORD n;

    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM
                           | FORMAT_MESSAGE_IGNORE_INSERTS,
                       NULL, (DWORD)SEC_E_LOGON_DENIED,
                       MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), buf,
                       sizeof(buf), NULL);
    ck_assert_uint_gt(n, 10);
    ck_assert_uint_eq(n, strlen(buf));
    /* Windows ends system messages with CR LF. */
    ck_assert_int_eq(buf[n - 2], '\r');
    ck_assert_int_eq(buf[n - 1], '\n');
    ck_assert(strncmp(buf, sspigss_status_message(SEC_E_LOGON_DENIED, "en"),
                      n - 2) == 0);
}
END_TEST

START_TEST(format_message_allocate_and_japanese)
{
    LPSTR text = NULL;
    DWORD n;

    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM
                           | FORMAT_MESSAGE_ALLOCATE_BUFFER,
                       NULL, (DWORD)SEC_E_TIME_SKEW,
                       MAKELANGID(LANG_JAPANESE, SUBLANG_DEFAULT),
                       (LPSTR)&text, 0, NULL);
    ck_assert_uint_gt(n, 0);
    ck_assert_ptr_nonnull(text);
    ck_assert(strncmp(text, sspigss_status_message(SEC_E_TIME_SKEW, "ja"),
                      n - 2) == 0);
    ck_assert_ptr_null(LocalFree(text));
}
END_TEST

START_TEST(format_message_w)
{
    WCHAR buf[512];
    const char *en = sspigss_status_message(SEC_E_INVALID_TOKEN, "en");
    DWORD n, i;

    n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM, NULL,
                       (DWORD)SEC_E_INVALID_TOKEN,
                       MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), buf,
                       sizeof(buf) / sizeof(buf[0]), NULL);
    ck_assert_uint_eq(n, strlen(en) + 2);
    for (i = 0; i < n - 2; i++)
        ck_assert_uint_eq(buf[i], (WCHAR)(unsigned char)en[i]);
    ck_assert_uint_eq(buf[n], 0);
}
END_TEST

START_TEST(format_message_failures)
{
    char buf[8];
    char big[512];

    /* Not an SSPI code: nothing, and Windows' "message not found". */
    ck_assert_uint_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL,
                                     0x12345678, 0, big, sizeof(big), NULL),
                      0);
    ck_assert_uint_eq(GetLastError(), ERROR_MR_MID_NOT_FOUND);
    /* A language the table does not have. */
    ck_assert_uint_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL,
                                     (DWORD)SEC_E_OK,
                                     MAKELANGID(0x0c /* LANG_FRENCH */,
                                                SUBLANG_DEFAULT),
                                     big, sizeof(big), NULL),
                      0);
    ck_assert_uint_eq(GetLastError(), ERROR_RESOURCE_LANG_NOT_FOUND);
    /* Too small a buffer. */
    ck_assert_uint_eq(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL,
                                     (DWORD)SEC_E_OK, 0, buf, sizeof(buf),
                                     NULL),
                      0);
    ck_assert_uint_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
}
END_TEST

START_TEST(windows_macros)
{
    const TCHAR *t = TEXT("Kerberos");

    ck_assert(FAILED(SEC_E_INVALID_HANDLE));
    ck_assert(SUCCEEDED(SEC_I_CONTINUE_NEEDED));
    ck_assert(SEC_SUCCESS(SEC_E_OK));
    ck_assert(!SEC_SUCCESS(SEC_E_INVALID_TOKEN));
    ck_assert_uint_eq(sizeof(WCHAR), 2);
    ck_assert_uint_eq(sizeof(ULONG), 4);
    ck_assert_uint_eq(sizeof(LONG), 4);
    ck_assert_uint_eq(sizeof(SecHandle), 2 * sizeof(void *));
    ck_assert_int_eq(t[0], 'K');
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("compat");
    TCase *tc = tcase_create("windows.h");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, format_message_a_english);
    tcase_add_test(tc, format_message_allocate_and_japanese);
    tcase_add_test(tc, format_message_w);
    tcase_add_test(tc, format_message_failures);
    tcase_add_test(tc, windows_macros);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
