/*
 * check_status.c - the status table and its lookups.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* The 77 codes of the project's reference list (Microsoft's "SSPI Status
 * Codes" table, shared/reference/sspi-status-codes.ja.md). Kept here as
 * the oracle the table's ref column is checked against. */
static const char *const reference[] = {
    "SEC_E_ALGORITHM_MISMATCH", "SEC_E_BAD_BINDINGS", "SEC_E_BAD_PKGID",
    "SEC_E_BUFFER_TOO_SMALL", "SEC_E_CANNOT_INSTALL", "SEC_E_CANNOT_PACK",
    "SEC_E_CERT_EXPIRED", "SEC_E_CERT_UNKNOWN", "SEC_E_CERT_WRONG_USAGE",
    "SEC_E_CONTEXT_EXPIRED", "SEC_E_CROSSREALM_DELEGATION_FAILURE",
    "SEC_E_CRYPTO_SYSTEM_INVALID", "SEC_E_DECRYPT_FAILURE",
    "SEC_E_DELEGATION_REQUIRED", "SEC_E_DOWNGRADE_DETECTED",
    "SEC_E_ENCRYPT_FAILURE", "SEC_E_ILLEGAL_MESSAGE",
    "SEC_E_INCOMPLETE_CREDENTIALS", "SEC_E_INCOMPLETE_MESSAGE",
    "SEC_E_INSUFFICIENT_MEMORY", "SEC_E_INTERNAL_ERROR",
    "SEC_E_INVALID_HANDLE", "SEC_E_INVALID_TOKEN",
    "SEC_E_ISSUING_CA_UNTRUSTED", "SEC_E_ISSUING_CA_UNTRUSTED_KDC",
    "SEC_E_KDC_CERT_EXPIRED", "SEC_E_KDC_CERT_REVOKED",
    "SEC_E_KDC_INVALID_REQUEST", "SEC_E_KDC_UNABLE_TO_REFER",
    "SEC_E_KDC_UNKNOWN_ETYPE", "SEC_E_LOGON_DENIED",
    "SEC_E_MAX_REFERRALS_EXCEEDED", "SEC_E_MESSAGE_ALTERED",
    "SEC_E_MULTIPLE_ACCOUNTS", "SEC_E_MUST_BE_KDC",
    "SEC_E_NO_AUTHENTICATING_AUTHORITY", "SEC_E_NO_CREDENTIALS",
    "SEC_E_NO_IMPERSONATION", "SEC_E_NO_IP_ADDRESSES", "SEC_E_NO_KERB_KEY",
    "SEC_E_NO_PA_DATA", "SEC_E_NO_S4U_PROT_SUPPORT", "SEC_E_NO_TGT_REPLY",
    "SEC_E_NOT_OWNER", "SEC_E_NOT_SUPPORTED", "SEC_E_OK",
    "SEC_E_OUT_OF_SEQUENCE", "SEC_E_PKINIT_CLIENT_FAILURE",
    "SEC_E_PKINIT_NAME_MISMATCH", "SEC_E_QOP_NOT_SUPPORTED",
    "SEC_E_REVOCATION_OFFLINE_C", "SEC_E_REVOCATION_OFFLINE_KDC",
    "SEC_E_SECPKG_NOT_FOUND", "SEC_E_SECURITY_QOS_FAILED",
    "SEC_E_SHUTDOWN_IN_PROGRESS", "SEC_E_SMARTCARD_CERT_EXPIRED",
    "SEC_E_SMARTCARD_CERT_REVOKED", "SEC_E_SMARTCARD_LOGON_REQUIRED",
    "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED", "SEC_E_TARGET_UNKNOWN",
    "SEC_E_TIME_SKEW", "SEC_E_TOO_MANY_PRINCIPALS",
    "SEC_E_UNFINISHED_CONTEXT_DELETED", "SEC_E_UNKNOWN_CREDENTIALS",
    "SEC_E_UNSUPPORTED_FUNCTION", "SEC_E_UNSUPPORTED_PREAUTH",
    "SEC_E_UNTRUSTED_ROOT", "SEC_E_WRONG_CREDENTIAL_HANDLE",
    "SEC_E_WRONG_PRINCIPAL", "SEC_I_COMPLETE_AND_CONTINUE",
    "SEC_I_COMPLETE_NEEDED", "SEC_I_CONTEXT_EXPIRED",
    "SEC_I_CONTINUE_NEEDED", "SEC_I_INCOMPLETE_CREDENTIALS",
    "SEC_I_LOCAL_LOGON", "SEC_I_NO_LSA_CONTEXT", "SEC_I_RENEGOTIATE",
};

#define NREF (sizeof(reference) / sizeof(reference[0]))

START_TEST(reference_list_is_77)
{
    ck_assert_uint_eq(NREF, 77);
}
END_TEST

START_TEST(every_reference_code_has_a_row)
{
    size_t i;

    for (i = 0; i < NREF; i++) {
        SECURITY_STATUS st;

        ck_assert_msg(sspigss_status_from_name(reference[i], &st),
                      "%s has no row", reference[i]);
    }
}
END_TEST

START_TEST(ref_flags_match_the_reference_list)
{
    SECURITY_STATUS st;
    const char *name;
    int alias, ref;
    size_t i, j, nref = 0;

    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, &ref); i++) {
        bool listed = false;

        for (j = 0; j < NREF; j++)
            if (strcmp(reference[j], name) == 0)
                listed = true;
        ck_assert_msg(listed == (ref != 0), "%s: ref=%d but listed=%d",
                      name, ref, listed);
        nref += ref != 0;
    }
    ck_assert_uint_eq(nref, 77);
}
END_TEST

START_TEST(rows_are_unique_and_complete)
{
    SECURITY_STATUS st, st2;
    const char *name, *name2;
    int alias, alias2;
    size_t i, j, nrows = 0;

    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, NULL); i++) {
        nrows++;
        ck_assert_msg(strncmp(name, "SEC_E_", 6) == 0
                          || strncmp(name, "SEC_I_", 6) == 0
                          || strncmp(name, "CRYPT_E_", 8) == 0,
                      "odd name %s", name);
        /* Severity bit and name agree: SEC_E_ are failures. */
        if (strncmp(name, "CRYPT_E_", 8) == 0)
            ck_assert_msg(st < 0, "%s sign", name);
        else if (strcmp(name, "SEC_E_OK") != 0)
            ck_assert_msg((st < 0) == (name[4] == 'E'), "%s sign", name);
        for (j = i + 1; sspigss_status_entry(j, &st2, &name2, &alias2,
                                             NULL); j++) {
            ck_assert_str_ne(name, name2);
            if (!alias && !alias2)
                ck_assert_msg(st != st2, "%s and %s share 0x%08X", name,
                              name2, (unsigned)st);
        }
        /* Every value resolves to a primary name. */
        ck_assert_str_ne(sspigss_status_name(st), "(unknown)");
    }
    /* Windows' winerror.h has 95 SEC_ names in the SSPI range; the three
     * CRYPT_E_ revocation codes Schannel returns come with them. */
    ck_assert_uint_eq(nrows, 95 + 3);
}
END_TEST

START_TEST(messages_present_in_both_languages)
{
    SECURITY_STATUS st;
    const char *name;
    size_t i;

    for (i = 0; sspigss_status_entry(i, &st, &name, NULL, NULL); i++) {
        const char *en = sspigss_status_message(st, "en");
        const char *ja = sspigss_status_message(st, "ja");
        size_t k;
        bool non_ascii = false;

        ck_assert_msg(strlen(en) > 10, "%s: English missing", name);
        ck_assert_msg(strlen(ja) > 10, "%s: Japanese missing", name);
        ck_assert_msg(strcmp(en, ja) != 0, "%s: not translated", name);
        ck_assert_msg(utf8_valid(ja, strlen(ja)), "%s: bad UTF-8", name);
        for (k = 0; en[k] != '\0'; k++)
            ck_assert_msg((unsigned char)en[k] < 0x80,
                          "%s: English not ASCII", name);
        for (k = 0; ja[k] != '\0'; k++)
            non_ascii |= (unsigned char)ja[k] >= 0x80;
        ck_assert_msg(non_ascii, "%s: Japanese text is ASCII", name);
    }
}
END_TEST

START_TEST(known_values)
{
    SECURITY_STATUS st;

    ck_assert_str_eq(sspigss_status_name(SEC_E_INVALID_TOKEN),
                     "SEC_E_INVALID_TOKEN");
    ck_assert_int_eq(SEC_E_INVALID_TOKEN, (SECURITY_STATUS)0x80090308);
    ck_assert_int_eq(SEC_E_INVALID_TOKEN, -2146893048);
    ck_assert_str_eq(sspigss_status_name(SEC_I_CONTINUE_NEEDED),
                     "SEC_I_CONTINUE_NEEDED");
    ck_assert_str_eq(sspigss_status_name(SEC_E_OK), "SEC_E_OK");
    ck_assert(sspigss_status_from_name("SEC_E_LOGON_DENIED", &st));
    ck_assert_int_eq(st, SEC_E_LOGON_DENIED);
}
END_TEST

START_TEST(aliases)
{
    SECURITY_STATUS st = 0;

    /* Windows: SEC_E_NOT_SUPPORTED == SEC_E_UNSUPPORTED_FUNCTION and
     * SEC_E_NO_SPM == SEC_E_INTERNAL_ERROR. */
    ck_assert_int_eq(SEC_E_NOT_SUPPORTED, SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert(sspigss_status_from_name("SEC_E_NOT_SUPPORTED", &st));
    ck_assert_int_eq(st, SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert(sspigss_status_from_name("SEC_E_NO_SPM", &st));
    ck_assert_int_eq(st, SEC_E_INTERNAL_ERROR);
    /* By value the primary name wins. */
    ck_assert_str_eq(sspigss_status_name(SEC_E_NOT_SUPPORTED),
                     "SEC_E_UNSUPPORTED_FUNCTION");
    ck_assert_str_eq(sspigss_status_name(SEC_E_NO_SPM),
                     "SEC_E_INTERNAL_ERROR");
}
END_TEST

START_TEST(unknown_codes)
{
    SECURITY_STATUS st = 1234;

    ck_assert_str_eq(sspigss_status_name((SECURITY_STATUS)0x80090319),
                     "(unknown)");
    ck_assert_str_eq(sspigss_status_name(12345), "(unknown)");
    ck_assert_ptr_nonnull(sspigss_status_message(12345, "en"));
    ck_assert_ptr_nonnull(sspigss_status_message(12345, "ja"));
    ck_assert(!sspigss_status_from_name("SEC_E_NOPE", &st));
    ck_assert(!sspigss_status_from_name(NULL, &st));
    ck_assert(!sspigss_status_from_name("sec_e_invalid_token", &st));
    ck_assert_int_eq(st, 1234);
    ck_assert(!sspigss_status_entry(1000, &st, NULL, NULL, NULL));
}
END_TEST

START_TEST(language_selection)
{
    const char *en = sspigss_status_message(SEC_E_TIME_SKEW, "en");
    const char *ja = sspigss_status_message(SEC_E_TIME_SKEW, "ja");

    ck_assert_str_ne(en, ja);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, "ja_JP.UTF-8"),
                     ja);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, "ja-JP"), ja);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, "fr_FR"), en);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, "jav"), en);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, ""), en);

    /* NULL: LC_ALL, then LC_MESSAGES, then LANG. */
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "ja_JP.UTF-8", 1);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, NULL), ja);
    setenv("LC_MESSAGES", "C", 1);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, NULL), en);
    setenv("LC_ALL", "ja_JP", 1);
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, NULL), ja);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    ck_assert_str_eq(sspigss_status_message(SEC_E_TIME_SKEW, NULL), en);
}
END_TEST

START_TEST(format_status_truncates_safely)
{
    const char *en = sspigss_status_message(SEC_E_LOGON_DENIED, "en");
    char buf[16];
    size_t n;

    memset(buf, 'x', sizeof(buf));
    n = sspigss_format_status(SEC_E_LOGON_DENIED, "en", buf, sizeof(buf));
    ck_assert_uint_eq(n, strlen(en));
    ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
    ck_assert(strncmp(buf, en, sizeof(buf) - 1) == 0);
    ck_assert_uint_eq(sspigss_format_status(SEC_E_LOGON_DENIED, "en", NULL,
                                            0),
                      strlen(en));
    ck_assert_uint_eq(sspigss_format_status(0x12345, "en", buf,
                                            sizeof(buf)), 0);
}
END_TEST

static Suite *
status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("table");

    tcase_add_test(tc, reference_list_is_77);
    tcase_add_test(tc, every_reference_code_has_a_row);
    tcase_add_test(tc, ref_flags_match_the_reference_list);
    tcase_add_test(tc, rows_are_unique_and_complete);
    tcase_add_test(tc, messages_present_in_both_languages);
    tcase_add_test(tc, known_values);
    tcase_add_test(tc, aliases);
    tcase_add_test(tc, unknown_codes);
    tcase_add_test(tc, language_selection);
    tcase_add_test(tc, format_status_truncates_safely);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(status_suite());
}
