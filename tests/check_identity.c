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
#include "ex2.h"

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
}
END_TEST

/* ------------------------------------------------------------ EX2 */

/* Parse an EX2 block from an exact-size heap copy (so that ASan and
 * valgrind see any read past cbStructureLength), at an odd address when
 * odd is set (fields are read at any alignment). */
static SECURITY_STATUS
parse_ex2(const unsigned char *b, size_t len, int odd, struct identity *id)
{
    unsigned char *copy = malloc(len + 1);
    SECURITY_STATUS st;

    ck_assert_ptr_nonnull(copy);
    memcpy(copy + (odd ? 1 : 0), b, len);
    st = identity_from_auth_data(copy + (odd ? 1 : 0), id);
    free(copy);
    return st;
}

START_TEST(ex2_password_identity)
{
    size_t plen, len;
    unsigned char *pw = ex2_password("s3cret", &plen);
    struct ex2_spec spec = { "alice", "SSPIGSS.TEST", "Kerberos",
                             &SEC_WINNT_AUTH_DATA_TYPE_PASSWORD, pw, plen,
                             0 };
    struct identity id;
    unsigned char *b;
    int layout, odd;

    /* Windows' packed layout and sspilib's, aligned or not. */
    for (layout = 0; layout < 2; layout++) {
        spec.sspilib_layout = layout;
        b = ex2_build(&spec, &len, NULL);
        for (odd = 0; odd < 2; odd++) {
            ck_assert_sec(parse_ex2(b, len, odd, &id), SEC_E_OK);
            ck_assert_str_eq(id.user, "alice");
            ck_assert_str_eq(id.domain, "SSPIGSS.TEST");
            ck_assert_str_eq(id.package_list, "Kerberos");
            ck_assert_str_eq(id.password, "s3cret");
            ck_assert_ptr_null(id.keytab);
            identity_clear(&id);
        }
        free(b);
    }
    /* An empty password is a password. */
    spec.data_len = 0;
    spec.domain = spec.package_list = NULL;
    b = ex2_build(&spec, &len, NULL);
    ck_assert_sec(parse_ex2(b, len, 0, &id), SEC_E_OK);
    ck_assert_str_eq(id.password, "");
    ck_assert_ptr_null(id.domain);
    ck_assert_ptr_null(id.package_list);
    identity_clear(&id);
    free(b);
    free(pw);
}
END_TEST

START_TEST(ex2_keytab_identity)
{
    struct ex2_spec spec = { "alice@SSPIGSS.TEST", NULL, NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_KEYTAB, "foo", 3, 0 };
    struct identity id;
    unsigned char *b;
    size_t len;
    int layout;

    /* sspilib's KeytabCredential, in both layouts: the bytes are kept
     * as they are (b"foo" is what sspilib's tests pass). */
    for (layout = 0; layout < 2; layout++) {
        spec.sspilib_layout = layout;
        b = ex2_build(&spec, &len, NULL);
        ck_assert_sec(parse_ex2(b, len, layout, &id), SEC_E_OK);
        ck_assert_str_eq(id.user, "alice@SSPIGSS.TEST");
        ck_assert_ptr_null(id.password);
        ck_assert_ptr_nonnull(id.keytab);
        ck_assert_uint_eq(id.keytab_len, 3);
        ck_assert_mem_eq(id.keytab, "foo", 3);
        identity_clear(&id);
        ck_assert_ptr_null(id.keytab);
        free(b);
    }
}
END_TEST

/* Strings follow Flags: UTF-16 unless ANSI alone is set; no flag at all
 * means UTF-16. */
START_TEST(ex2_flags)
{
    struct ex2_spec spec = { "bob", NULL, NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_KEYTAB, "k", 1, 0 };
    size_t off = offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, Flags), len;
    unsigned char *b = ex2_build(&spec, &len, NULL);
    struct identity id;
    ULONG f;

    f = 0;
    memcpy(b + off, &f, sizeof(f));
    ck_assert_sec(parse_ex2(b, len, 0, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "bob");
    identity_clear(&id);
    /* ANSI: the six bytes "b\0o\0b\0" hold NULs, which no string may. */
    f = SEC_WINNT_AUTH_IDENTITY_ANSI;
    memcpy(b + off, &f, sizeof(f));
    ck_assert_sec(parse_ex2(b, len, 0, &id), SEC_E_UNKNOWN_CREDENTIALS);
    f |= SEC_WINNT_AUTH_IDENTITY_UNICODE;
    memcpy(b + off, &f, sizeof(f));
    ck_assert_sec(parse_ex2(b, len, 0, &id), SEC_E_OK);
    ck_assert_str_eq(id.user, "bob");
    identity_clear(&id);
    free(b);
}
END_TEST

/* Write a 16- or 32-bit value at offset off of an EX2 block. */
static void
put16(unsigned char *b, size_t off, unsigned v)
{
    unsigned short x = (unsigned short)v;

    memcpy(b + off, &x, sizeof(x));
}

static void
put32(unsigned char *b, size_t off, ULONG v)
{
    memcpy(b + off, &v, sizeof(v));
}

#define EX2_OFF(m) offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, m)
#define PC_OFF(m) offsetof(SEC_WINNT_AUTH_PACKED_CREDENTIALS, m)

/*
 * Every malformed block is refused with SEC_E_UNKNOWN_CREDENTIALS and
 * nothing is read outside cbStructureLength (the copy parse_ex2 makes is
 * exactly that long).
 */
START_TEST(ex2_malformed)
{
    static const WCHAR lone = 0xDC00;
    size_t plen;
    unsigned char *pw = ex2_password("pw", &plen);
    struct ex2_spec spec = { "alice", "DOM", NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_PASSWORD, pw, plen,
                             0 };
    struct ex2_offsets o;
    size_t len, i;
    unsigned char *good = ex2_build(&spec, &len, &o);
    int n_cases = 24;

    for (i = 0; i < (size_t)n_cases; i++) {
        unsigned char *b = malloc(len);
        size_t cut = len;
        struct identity id;

        memcpy(b, good, len);
        switch (i) {
        case 0:     /* a header shorter than the structure */
            put16(b, EX2_OFF(cbHeaderLength), 40);
            break;
        case 1:     /* a header longer than the block */
            put16(b, EX2_OFF(cbHeaderLength), (unsigned)len + 2);
            break;
        case 2:     /* a block shorter than its header */
            put32(b, EX2_OFF(cbStructureLength), 40);
            cut = 48;
            break;
        case 3:     /* the user runs past the end */
            put32(b, EX2_OFF(UserOffset), (ULONG)len - 2);
            break;
        case 4:     /* the user overlaps the header */
            put32(b, EX2_OFF(UserOffset), 8);
            break;
        case 5:     /* an offset that wraps around */
            put32(b, EX2_OFF(UserOffset), 0xFFFFFFFEu);
            break;
        case 6:     /* an odd UTF-16 length */
            put16(b, EX2_OFF(DomainLength), 3);
            break;
        case 7:     /* the package list past the end */
            put32(b, EX2_OFF(PackageListOffset), (ULONG)len);
            put16(b, EX2_OFF(PackageListLength), 2);
            break;
        case 8:     /* no packed credential */
            put16(b, EX2_OFF(PackedCredentialsLength), 0);
            break;
        case 9:     /* the packed credential past the end */
            put32(b, EX2_OFF(PackedCredentialsOffset), (ULONG)len - 4);
            break;
        case 10:    /* a packed credential too short for its header */
            put16(b, EX2_OFF(PackedCredentialsLength), 3);
            break;
        case 11:    /* packed cbStructureLength beyond its part */
            put16(b, o.packed + PC_OFF(cbStructureLength),
                  sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS) + plen + 1);
            break;
        case 12:    /* a packed header of neither known size */
            put16(b, o.packed + PC_OFF(cbHeaderLength), 24);
            break;
        case 13:    /* packed header longer than the packed credential */
            put16(b, o.packed + PC_OFF(cbStructureLength), 20);
            break;
        case 14:    /* the data inside the packed header */
            put32(b, o.packed + PC_OFF(AuthData.CredData.ByteArrayOffset),
                  0);
            break;
        case 15:    /* the data past the packed credential */
            put16(b, o.packed + PC_OFF(AuthData.CredData.ByteArrayLength),
                  (unsigned)plen + 2);
            break;
        case 16:    /* a data offset that wraps around */
            put32(b, o.packed + PC_OFF(AuthData.CredData.ByteArrayOffset),
                  0xFFFFFFFFu);
            break;
        case 17:    /* an odd password length */
            put16(b, o.packed + PC_OFF(AuthData.CredData.ByteArrayLength),
                  (unsigned)plen - 1);
            break;
        case 18:    /* an unknown credential type */
            b[o.packed + PC_OFF(AuthData.CredType.Data4) + 7] ^= 1;
            break;
        case 19:    /* a type we know but cannot use: a certificate */
            memcpy(b + o.packed + PC_OFF(AuthData.CredType),
                   &SEC_WINNT_AUTH_DATA_TYPE_CERT, sizeof(GUID));
            break;
        case 20:    /* the smart card contexts type */
            memcpy(b + o.packed + PC_OFF(AuthData.CredType),
                   &SEC_WINNT_AUTH_DATA_TYPE_SMARTCARD_CONTEXTS,
                   sizeof(GUID));
            break;
        case 21:    /* a lone surrogate in the user */
            memcpy(b + o.user, &lone, 2);
            break;
        case 22:    /* cbStructureLength cuts the password off */
            put32(b, EX2_OFF(cbStructureLength), (ULONG)len - 1);
            cut = len - 1;
            break;
        case 23:    /* a lone surrogate as the password */
            memcpy(b + o.data, &lone, 2);
            break;
        }
        ck_assert_msg(parse_ex2(b, cut, 0, &id) == SEC_E_UNKNOWN_CREDENTIALS,
                      "case %zu accepted", i);
        ck_assert_ptr_null(id.user);
        ck_assert_ptr_null(id.password);
        free(b);
    }
    free(good);
    free(pw);
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
    tcase_add_test(tc, ex2_password_identity);
    tcase_add_test(tc, ex2_keytab_identity);
    tcase_add_test(tc, ex2_flags);
    tcase_add_test(tc, ex2_malformed);
    tcase_add_test(tc, nt_hash);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(identity_suite());
}
