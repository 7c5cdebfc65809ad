/*
 * check_cred.c - CredMarshalCredential, CredUnmarshalCredential,
 * CredIsMarshaledCredential and CredFree against the encodings Windows
 * produces. The vectors are those Wine's advapi32 tests recorded on
 * Windows (dlls/advapi32/tests/cred.c: test_CredMarshalCredentialA,
 * test_CredUnmarshalCredentialA, test_CredIsMarshaledCredentialA),
 * restated here as data.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include <sspigss/wincred.h>

#include "certcred.h"
#include "internal.h"
#include "testutil.h"

extern _Thread_local DWORD sspigss_compat_last_error;

static WCHAR *
wide(const char *s)
{
    WCHAR *w = NULL;

    ck_assert_int_eq(utf8_to_utf16(s, (size_t)-1, &w, NULL), SEC_E_OK);
    return w;
}

/* Marshal a hash whose first bytes are given (the rest zero). */
static void
check_cert(const unsigned char *lead, size_t n, const char *want)
{
    CERT_CREDENTIAL_INFO c;
    LPSTR s = NULL;
    LPWSTR w = NULL;
    char *back = NULL;

    memset(&c, 0, sizeof(c));
    c.cbSize = sizeof(c);
    memcpy(c.rgbHashOfCert, lead, n);
    ck_assert(CredMarshalCredentialA(CertCredential, &c, &s));
    ck_assert_str_eq(s, want);
    CredFree(s);
    ck_assert(CredMarshalCredentialW(CertCredential, &c, &w));
    ck_assert_int_eq(utf16_to_utf8(w, (size_t)-1, &back, NULL), SEC_E_OK);
    ck_assert_str_eq(back, want);
    free(back);
    CredFree(w);
}

START_TEST(marshal_cert)
{
    static const unsigned char two[] = { 2 }, ff[] = { 255 },
        oneone[] = { 1, 1 }, three[] = { 1, 1, 1 },
        wine[] = { 'W', 'i', 'n', 'e' };
    unsigned char all[CERT_HASH_LENGTH];

    check_cert(two, 0, "@@BAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    check_cert(two, 1, "@@BCAAAAAAAAAAAAAAAAAAAAAAAAAA");
    check_cert(ff, 1, "@@B-DAAAAAAAAAAAAAAAAAAAAAAAAA");
    check_cert(oneone, 2, "@@BBEAAAAAAAAAAAAAAAAAAAAAAAAA");
    check_cert(three, 3, "@@BBEQAAAAAAAAAAAAAAAAAAAAAAAA");
    check_cert(wine, 4, "@@BXlmblBAAAAAAAAAAAAAAAAAAAAA");
    memset(all, 0xff, sizeof(all));
    check_cert(all, sizeof(all), "@@B--------------------------P");
}
END_TEST

static void
check_user(const char *name, const char *want)
{
    USERNAME_TARGET_CREDENTIAL_INFO u;
    LPSTR s = NULL;

    u.UserName = wide(name);
    ck_assert(CredMarshalCredentialA(UsernameTargetCredential, &u, &s));
    ck_assert_str_eq(s, want);
    CredFree(s);
    free(u.UserName);
}

START_TEST(marshal_username)
{
    check_user("t", "@@CCAAAAA0BA");
    check_user("te", "@@CEAAAAA0BQZAA");
    check_user("tes", "@@CGAAAAA0BQZAMHA");
    check_user("test", "@@CIAAAAA0BQZAMHA0BA");
    check_user("test1", "@@CKAAAAA0BQZAMHA0BQMAA");
}
END_TEST

/* Windows' refusals: ERROR_INVALID_PARAMETER, output untouched. */
START_TEST(marshal_invalid)
{
    CERT_CREDENTIAL_INFO c;
    USERNAME_TARGET_CREDENTIAL_INFO u = { NULL };
    WCHAR empty[] = { 0 };
    BINARY_BLOB_CREDENTIAL_INFO blob = { 0, NULL };
    LPSTR s = (LPSTR)0xdeadbeef;

    memset(&c, 0, sizeof(c));
    c.cbSize = sizeof(c);
    sspigss_compat_last_error = 0;
    ck_assert(!CredMarshalCredentialA((CRED_MARSHAL_TYPE)0, NULL, NULL));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    ck_assert(!CredMarshalCredentialA((CRED_MARSHAL_TYPE)0, &c, &s));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    ck_assert_ptr_eq(s, (LPSTR)0xdeadbeef);
    ck_assert(!CredMarshalCredentialA(CertCredential, NULL, &s));
    c.cbSize = 0;
    ck_assert(!CredMarshalCredentialA(CertCredential, &c, &s));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    ck_assert_ptr_eq(s, (LPSTR)0xdeadbeef);
    c.cbSize = sizeof(c) + 4;       /* larger is fine */
    ck_assert(CredMarshalCredentialA(CertCredential, &c, &s));
    CredFree(s);
    s = (LPSTR)0xdeadbeef;
    ck_assert(!CredMarshalCredentialA(UsernameTargetCredential, &u, &s));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    u.UserName = empty;
    ck_assert(!CredMarshalCredentialA(UsernameTargetCredential, &u, &s));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    ck_assert_ptr_eq(s, (LPSTR)0xdeadbeef);
    ck_assert(!CredMarshalCredentialA(BinaryBlobCredential, &blob, &s));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_NOT_SUPPORTED);
}
END_TEST

/* Wine's table: the string, the type Windows reports, and the result
 * (NULL: refused). */
static const struct {
    const char *cred;
    CRED_MARSHAL_TYPE type;
    const char *user;           /* UsernameTargetCredential: the name */
    int cert;                   /* CertCredential: 1 zero hash, 2 "Wine" */
} unmarshal_cases[] = {
    { "", 0, NULL, 0 },
    { "@", 0, NULL, 0 },
    { "@@", 0, NULL, 0 },
    { "@@@", 0, NULL, 0 },
    { "@@A", 0, NULL, 0 },
    { "@@E", 4, NULL, 0 },
    { "@@Z", 25, NULL, 0 },
    { "@@a", 26, NULL, 0 },
    { "@@0", 52, NULL, 0 },
    { "@@#", 62, NULL, 0 },
    { "@@-", 63, NULL, 0 },
    { "@@B", CertCredential, NULL, 0 },
    { "@@BA", CertCredential, NULL, 0 },
    { "@@BAAAAAAAAAAAAAAAAAAAAAAAAAA", CertCredential, NULL, 0 },
    { "@@BAAAAAAAAAAAAAAAAAAAAAAAAAAAA", CertCredential, NULL, 0 },
    { "@@BAAAAAAAAAAAAAAAAAAAAAAAAAAA", CertCredential, NULL, 1 },
    { "@@BXlmblBAAAAAAAAAAAAAAAAAAAAA", CertCredential, NULL, 2 },
    { "@@C", UsernameTargetCredential, NULL, 0 },
    { "@@CA", UsernameTargetCredential, NULL, 0 },
    { "@@CAAAAAA", UsernameTargetCredential, NULL, 0 },
    { "@@CAAAAAA0B", UsernameTargetCredential, NULL, 0 },
    { "@@CAAAAAA0BA", UsernameTargetCredential, NULL, 0 },
    { "@@CCAAAAA0BA", UsernameTargetCredential, "t", 0 },
    { "@@CEAAAAA0BA", UsernameTargetCredential, NULL, 0 },
    { "@@CEAAAAA0BAd", UsernameTargetCredential, NULL, 0 },
    { "@@CEAAAAA0BAdA", UsernameTargetCredential, NULL, 0 },
    { "@@CEAAAAA0BQZAA", UsernameTargetCredential, "te", 0 },
    { "@@CEAAAAA0BQZAQ", UsernameTargetCredential, "te", 0 },
    { "@@CEAAAAA0BQZAg", UsernameTargetCredential, "te", 0 },
    { "@@CEAAAAA0BQZAw", UsernameTargetCredential, "te", 0 },
    { "@@CEAAAAA0BQZAAA", UsernameTargetCredential, NULL, 0 },
    { "@@CGAAAAA0BQZAMH", UsernameTargetCredential, NULL, 0 },
    { "@@CGAAAAA0BQZAMHA", UsernameTargetCredential, "tes", 0 },
    { "@@CGAAAAA0BQZAMHAA", UsernameTargetCredential, NULL, 0 },
    { "@@CCAAAAA0BAA", UsernameTargetCredential, NULL, 0 },
    { "@@CBAAAAA0BAA", UsernameTargetCredential, NULL, 0 },
    { "@@CAgAAAA0BAA", UsernameTargetCredential, NULL, 0 },
    { "@@CIAAAAA0BQZAMHA0BA", UsernameTargetCredential, "test", 0 },
    { "@@CA-----0BQZAMHA0BA", UsernameTargetCredential, NULL, 0 },
};

START_TEST(unmarshal)
{
    CRED_MARSHAL_TYPE type = (CRED_MARSHAL_TYPE)99;
    void *p = (void *)1;
    size_t i;

    /* Both A and W see the same string. */
    for (i = 0; i < sizeof(unmarshal_cases) / sizeof(unmarshal_cases[0]);
         i++) {
        bool ok = unmarshal_cases[i].user != NULL
                  || unmarshal_cases[i].cert != 0;
        WCHAR *w = wide(unmarshal_cases[i].cred);
        int wide_pass;

        for (wide_pass = 0; wide_pass < 2; wide_pass++) {
            BOOL r;

            type = (CRED_MARSHAL_TYPE)99;
            p = (void *)1;
            sspigss_compat_last_error = 0;
            r = wide_pass ? CredUnmarshalCredentialW(w, &type, &p)
                          : CredUnmarshalCredentialA(unmarshal_cases[i].cred,
                                                     &type, &p);
            ck_assert_msg(r == (ok ? TRUE : FALSE), "[%zu] %s: %d", i,
                          unmarshal_cases[i].cred, r);
            ck_assert_msg(type == unmarshal_cases[i].type,
                          "[%zu] type %d", i, (int)type);
            ck_assert(wide_pass ? CredIsMarshaledCredentialW(w) == r
                                : CredIsMarshaledCredentialA(
                                      unmarshal_cases[i].cred) == r);
            if (!ok) {
                ck_assert_ptr_null(p);
                ck_assert_uint_eq(sspigss_compat_last_error,
                                  ERROR_INVALID_PARAMETER);
                continue;
            }
            if (unmarshal_cases[i].cert != 0) {
                CERT_CREDENTIAL_INFO *c = p, want;

                memset(&want, 0, sizeof(want));
                if (unmarshal_cases[i].cert == 2)
                    memcpy(want.rgbHashOfCert, "Wine", 4);
                ck_assert_uint_eq(c->cbSize, sizeof(*c));
                ck_assert_mem_eq(c->rgbHashOfCert, want.rgbHashOfCert,
                                 CERT_HASH_LENGTH);
            } else {
                USERNAME_TARGET_CREDENTIAL_INFO *u = p;
                char *name = NULL;

                ck_assert_int_eq(utf16_to_utf8(u->UserName, (size_t)-1,
                                               &name, NULL), SEC_E_OK);
                ck_assert_str_eq(name, unmarshal_cases[i].user);
                free(name);
            }
            CredFree(p);
        }
        free(w);
    }
    ck_assert(!CredUnmarshalCredentialA(NULL, NULL, NULL));
    ck_assert_uint_eq(sspigss_compat_last_error, ERROR_INVALID_PARAMETER);
    ck_assert(!CredUnmarshalCredentialA(NULL, &type, &p));
    ck_assert(!CredIsMarshaledCredentialA(NULL));
    ck_assert(!CredIsMarshaledCredentialW(NULL));
    /* Wine's list of strings CredIsMarshaledCredential refuses. */
    ck_assert(!CredIsMarshaledCredentialA("winetest"));
    ck_assert(!CredIsMarshaledCredentialA("@@BAAAAAAAAAAAAAAAAAAAAAAAAAA+"));
    ck_assert(!CredIsMarshaledCredentialA("@@BAAAAAAAAAAAAAAAAAAAAAAAAAA:"));
    ck_assert(!CredIsMarshaledCredentialA("@@DDD"));
    CredFree(NULL);
}
END_TEST

/* Round trips, and the library's own reading of a CertCredential. */
START_TEST(roundtrip)
{
    CERT_CREDENTIAL_INFO c, *back = NULL;
    CRED_MARSHAL_TYPE type;
    LPWSTR w = NULL;
    LPSTR s = NULL;
    unsigned char h[CERT_HASH_LENGTH];
    int i, b;

    for (b = 0; b < 256; b += 17) {
        c.cbSize = sizeof(c);
        for (i = 0; i < CERT_HASH_LENGTH; i++)
            c.rgbHashOfCert[i] = (UCHAR)(b * 7 + i * 31);
        ck_assert(CredMarshalCredentialW(CertCredential, &c, &w));
        ck_assert(CredUnmarshalCredentialW(w, &type, (PVOID *)&back));
        ck_assert_int_eq(type, CertCredential);
        ck_assert_mem_eq(back->rgbHashOfCert, c.rgbHashOfCert,
                         CERT_HASH_LENGTH);
        CredFree(back);
        CredFree(w);
        ck_assert(CredMarshalCredentialA(CertCredential, &c, &s));
        ck_assert(certcred_unmarshal_hash(s, h));
        ck_assert_mem_eq(h, c.rgbHashOfCert, CERT_HASH_LENGTH);
        CredFree(s);
    }
    ck_assert(!certcred_unmarshal_hash("@@CCAAAAA0BA", h));
    ck_assert(!certcred_unmarshal_hash("alice", h));
}
END_TEST

static Suite *
cred_suite(void)
{
    Suite *s = suite_create("cred");
    TCase *tc = tcase_create("marshal");

    tcase_add_test(tc, marshal_cert);
    tcase_add_test(tc, marshal_username);
    tcase_add_test(tc, marshal_invalid);
    tcase_add_test(tc, unmarshal);
    tcase_add_test(tc, roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(cred_suite());
}
