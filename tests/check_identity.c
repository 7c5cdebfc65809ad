/*
 * check_identity.c - SEC_WINNT_AUTH_IDENTITY* parsing and the Kerberos
 * principal an identity names.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "gss_int.h"
#include "identity.h"
#include "internal.h"
#include "testutil.h"

static char *
principal_of(const char *user, const char *domain, const char *def_realm)
{
    struct identity id = { 0 };
    char *out = NULL;

    id.user = user ? strdup(user) : NULL;
    id.domain = domain ? strdup(domain) : NULL;
    ck_assert_sec(identity_krb5_principal(&id, def_realm, &out), SEC_E_OK);
    identity_clear(&id);
    return out;
}

START_TEST(principal_forms)
{
    static const struct {
        const char *user, *domain, *def, *want;
    } cases[] = {
        { "alice", "SSPIGSS.TEST", NULL, "alice@SSPIGSS.TEST" },
        { "alice", "sspigss.test", NULL, "alice@SSPIGSS.TEST" },
        { "alice@sspigss.test", NULL, NULL, "alice@SSPIGSS.TEST" },
        /* The user's own realm wins over the Domain field. */
        { "alice@OTHER.TEST", "SSPIGSS.TEST", NULL, "alice@OTHER.TEST" },
        { "SSPIGSS.TEST\\alice", NULL, NULL, "alice@SSPIGSS.TEST" },
        /* A NetBIOS-style domain names the default realm it starts. */
        { "SSPIGSS\\alice", NULL, "SSPIGSS.TEST", "alice@SSPIGSS.TEST" },
        { "alice", "sspigss", "SSPIGSS.TEST", "alice@SSPIGSS.TEST" },
        { "alice", "OTHER", "SSPIGSS.TEST", "alice@OTHER" },
        { "alice", "SSPIG", "SSPIGSS.TEST", "alice@SSPIG" },
        { "alice", NULL, "SSPIGSS.TEST", "alice" },
        { "alice", "", NULL, "alice" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = principal_of(cases[i].user, cases[i].domain, cases[i].def);

        ck_assert_msg(strcmp(p, cases[i].want) == 0, "case %zu: %s", i, p);
        free(p);
    }
}
END_TEST

START_TEST(principal_needs_a_user)
{
    struct identity id = { 0 };
    char *out = (char *)1;

    ck_assert_sec(identity_krb5_principal(&id, NULL, &out),
                  SEC_E_UNKNOWN_CREDENTIALS);
    ck_assert_ptr_null(out);
    id.user = strdup("@REALM");
    ck_assert_sec(identity_krb5_principal(&id, NULL, &out),
                  SEC_E_UNKNOWN_CREDENTIALS);
    identity_clear(&id);
    id.user = strdup("DOM\\");
    ck_assert_sec(identity_krb5_principal(&id, NULL, &out),
                  SEC_E_UNKNOWN_CREDENTIALS);
    identity_clear(&id);
}
END_TEST

START_TEST(ansi_identity)
{
    SEC_WINNT_AUTH_IDENTITY_A a = {
        (unsigned char *)"alice", 5, (unsigned char *)"SSPIGSS.TESTxx", 12,
        (unsigned char *)"pw", 2, SEC_WINNT_AUTH_IDENTITY_ANSI,
    };
    struct identity id;

    ck_assert_sec(identity_from_auth_data(&a, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "alice");
    ck_assert_str_eq(id.domain, "SSPIGSS.TEST");   /* counted, not NUL */
    ck_assert_str_eq(id.password, "pw");
    ck_assert_ptr_null(id.package_list);
    identity_clear(&id);
    ck_assert_ptr_null(id.user);
}
END_TEST

START_TEST(unicode_identity)
{
    static const WCHAR user[] = { 'b', 0x00F6, 'b', 0 };     /* böb */
    static const WCHAR pw[] = { 'p', 0xD834, 0xDD1E, 0 };
    SEC_WINNT_AUTH_IDENTITY_W w = {
        (unsigned short *)user, 3, NULL, 0, (unsigned short *)pw, 3,
        SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    struct identity id;

    ck_assert_sec(identity_from_auth_data(&w, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "b\xC3\xB6" "b");
    ck_assert_ptr_null(id.domain);
    ck_assert_str_eq(id.password, "p\xF0\x9D\x84\x9E");
    identity_clear(&id);
}
END_TEST

START_TEST(ex_identity)
{
    static const WCHAR user[] = { 'a', 'l', 'i', 'c', 'e', 0 };
    static const WCHAR list[] = { 'K', 'e', 'r', 'b', 'e', 'r', 'o', 's',
                                  ',', '!', 'N', 'T', 'L', 'M', 0 };
    SEC_WINNT_AUTH_IDENTITY_EXW ex;
    struct identity id;

    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned short *)user;
    ex.UserLength = 5;
    ex.PackageList = (unsigned short *)list;
    ex.PackageListLength = 14;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    ck_assert_sec(identity_from_auth_data(&ex, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "alice");
    ck_assert_str_eq(id.package_list, "Kerberos,!NTLM");
    ck_assert_ptr_null(id.password);
    identity_clear(&id);
    /* A Length smaller than the structure is not an identity. */
    ex.Length = 8;
    ck_assert_sec(identity_from_auth_data(&ex, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
}
END_TEST

/*
 * A plain identity whose User pointer's low half equals the EX version
 * (0x200) is still read as plain: EX needs Length == sizeof(EX), and the
 * pointer's high half is far larger. Under ASan a read past the plain
 * structure would be caught.
 */
START_TEST(plain_identity_that_looks_like_ex)
{
    unsigned char raw[sizeof(SEC_WINNT_AUTH_IDENTITY_A)];
    ULONG words[2] = { SEC_WINNT_AUTH_IDENTITY_VERSION, 0x7f00 };
    SEC_WINNT_AUTH_IDENTITY_A *a = (void *)raw;
    struct identity id;

    memset(raw, 0, sizeof(raw));
    memcpy(raw, words, sizeof(words));      /* a.User, as two words */
    a->Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    /* Lengths are 0, so the (bogus) pointer is never read. */
    ck_assert_sec(identity_from_auth_data(raw, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "");
    identity_clear(&id);
}
END_TEST

START_TEST(bad_identities)
{
    static const WCHAR lone[] = { 0xDC00, 0 };
    SEC_WINNT_AUTH_IDENTITY_A a = {
        (unsigned char *)"alice", 5, NULL, 0, NULL, 0, 0,
    };
    SEC_WINNT_AUTH_IDENTITY_W w = {
        (unsigned short *)lone, 1, NULL, 0, NULL, 0,
        SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    ULONG ex2 = SEC_WINNT_AUTH_IDENTITY_VERSION_2;
    struct identity id;

    /* Neither ANSI nor UNICODE. */
    ck_assert_sec(identity_from_auth_data(&a, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
    /* Malformed UTF-16 and UTF-8. */
    ck_assert_sec(identity_from_auth_data(&w, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
    a.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    a.User = (unsigned char *)"al\xFF";
    a.UserLength = 3;
    ck_assert_sec(identity_from_auth_data(&a, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
    /* A length with no string behind it. */
    a.User = NULL;
    ck_assert_sec(identity_from_auth_data(&a, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
    /* Packed EX2 identities are not supported. */
    ck_assert_sec(identity_from_auth_data(&ex2, &id),
                  SEC_E_UNKNOWN_CREDENTIALS);
}
END_TEST

/*
 * The NT hash handed to gss-ntlmssp (lib/ntowf.c): MD4 against RFC 1320's
 * test suite (A.5), and NTOWFv1 against MS-NLMP 4.2.2.1.2 ("Password")
 * and a password outside Latin-1 (UTF-16 of each character, then MD4).
 */
START_TEST(nt_hash)
{
    static const struct { const char *in, *md4; } v[] = {
        { "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
        { "a", "bde52cb31de33e46245e05fbdbd6fb24" },
        { "abc", "a448017aaf21d8525fc10ae87aa6729d" },
        { "message digest", "d9130a8164549fe818874806e1c7014b" },
        { "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9" },
        { "12345678901234567890123456789012345678901234567890123456789012"
          "345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536" },
    };
    unsigned char h[16];
    char hex[33];
    size_t i, j;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        md4(v[i].in, strlen(v[i].in), h);
        for (j = 0; j < 16; j++)
            snprintf(hex + 2 * j, 3, "%02x", h[j]);
        ck_assert_str_eq(hex, v[i].md4);
    }
    ck_assert_sec(ntowf_hex("Password", hex), SEC_E_OK);
    ck_assert_str_eq(hex, "a4f49c406510bdcab6824ee7c30fd852");
    /* U+00E9 U+20AC (UTF-8 c3 a9 e2 82 ac): MD4 of e9 00 ac 20. */
    md4("\xe9\x00\xac\x20", 4, h);
    for (j = 0; j < 16; j++)
        snprintf(hex + 2 * j, 3, "%02x", h[j]);
    {
        char got[33];

        ck_assert_sec(ntowf_hex("\xc3\xa9\xe2\x82\xac", got), SEC_E_OK);
        ck_assert_str_eq(got, hex);
    }
    /* Malformed UTF-8 is refused, not hashed. */
    ck_assert_sec(ntowf_hex("\xc3", hex), SEC_E_INVALID_PARAMETER);
}
END_TEST

static Suite *
identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, principal_forms);
    tcase_add_test(tc, principal_needs_a_user);
    tcase_add_test(tc, ansi_identity);
    tcase_add_test(tc, unicode_identity);
    tcase_add_test(tc, ex_identity);
    tcase_add_test(tc, bad_identities);
    tcase_add_test(tc, plain_identity_that_looks_like_ex);
    tcase_add_test(tc, nt_hash);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(identity_suite());
}
