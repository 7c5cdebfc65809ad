/*
 * check_edata.c - NTSTATUS from a KRB-ERROR's e-data, both encodings,
 * and hostile input (every truncation, bad lengths, wrong types).
 */
#include "setup.h"

#include <string.h>

#include "internal.h"
#include "krb_edata.h"
#include "map_gss.h"
#include "testutil.h"

/* KERB-EXT-ERROR for STATUS_ACCOUNT_DISABLED: status, reserved, flags. */
#define EXT_DISABLED 0x72, 0x00, 0x00, 0xC0, 0, 0, 0, 0, 1, 0, 0, 0

/* METHOD-DATA { PA-DATA { [1] 3, [2] OCTET STRING ext } } (Samba). */
static const unsigned char method_data[] = {
    0x30, 0x17, 0x30, 0x15,
    0xA1, 0x03, 0x02, 0x01, 0x03,
    0xA2, 0x0E, 0x04, 0x0C, EXT_DISABLED,
};

/* KERB-ERROR-DATA { [1] 3, [2] OCTET STRING ext } (MS-KILE 2.2.1). */
static const unsigned char kerb_error_data[] = {
    0x30, 0x15,
    0xA1, 0x03, 0x02, 0x01, 0x03,
    0xA2, 0x0E, 0x04, 0x0C,
    0x93, 0x01, 0x00, 0xC0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* METHOD-DATA with an ETYPE-INFO2 (type 19) first, then the status. */
static const unsigned char method_data_two[] = {
    0x30, 0x23,
    0x30, 0x0A, 0xA1, 0x03, 0x02, 0x01, 0x13, 0xA2, 0x03, 0x04, 0x01, 0x00,
    0x30, 0x15,
    0xA1, 0x03, 0x02, 0x01, 0x03,
    0xA2, 0x0E, 0x04, 0x0C,
    0x34, 0x02, 0x00, 0xC0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* METHOD-DATA as MIT's KDC sends it for +requires_hwauth with PKINIT:
 * PA-PK-AS-REQ (16, empty), PA-FX-FAST (136), and a negative type
 * (-128, two's complement) to check sign extension. */
static const unsigned char method_data_hw[] = {
    0x30, 0x22,
    0x30, 0x09, 0xA1, 0x03, 0x02, 0x01, 0x10, 0xA2, 0x02, 0x04, 0x00,
    0x30, 0x0A, 0xA1, 0x04, 0x02, 0x02, 0x00, 0x88, 0xA2, 0x02, 0x04, 0x00,
    0x30, 0x09, 0xA1, 0x03, 0x02, 0x01, 0x80, 0xA2, 0x02, 0x04, 0x00,
};

START_TEST(padata_types)
{
    int32_t t[8];
    size_t n = 99, i;

    ck_assert(krb_edata_padata_types(method_data_hw, sizeof(method_data_hw),
                                     t, 8, &n));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(t[0], 16);
    ck_assert_int_eq(t[1], 136);
    ck_assert_int_eq(t[2], -128);
    ck_assert(krb_edata_padata_types(method_data_two,
                                     sizeof(method_data_two), t, 8, &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(t[0], 19);
    ck_assert_int_eq(t[1], 3);
    /* More types than room: the rest dropped, still well-formed. */
    ck_assert(krb_edata_padata_types(method_data_hw, sizeof(method_data_hw),
                                     t, 1, &n));
    ck_assert_uint_eq(n, 1);
    /* Every truncation, a KERB-ERROR-DATA, nothing: refused. */
    for (i = 0; i < sizeof(method_data_hw); i++)
        ck_assert(!krb_edata_padata_types(method_data_hw, i, t, 8, &n));
    ck_assert(!krb_edata_padata_types(kerb_error_data,
                                      sizeof(kerb_error_data), t, 8, &n));
    ck_assert(!krb_edata_padata_types(NULL, 0, t, 8, &n));
}
END_TEST

START_TEST(both_encodings)
{
    uint32_t st = 0;

    ck_assert(krb_edata_ntstatus(method_data, sizeof(method_data), &st));
    ck_assert_uint_eq(st, 0xC0000072);
    ck_assert_str_eq(krb_ntstatus_name(st), "STATUS_ACCOUNT_DISABLED");
    ck_assert(krb_edata_ntstatus(kerb_error_data, sizeof(kerb_error_data),
                                 &st));
    ck_assert_uint_eq(st, 0xC0000193);
    ck_assert_str_eq(krb_ntstatus_name(st), "STATUS_ACCOUNT_EXPIRED");
    ck_assert(krb_edata_ntstatus(method_data_two, sizeof(method_data_two),
                                 &st));
    ck_assert_uint_eq(st, 0xC0000234);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
    const unsigned char *vecs[] = { method_data, kerb_error_data,
                                    method_data_two };
    size_t lens[] = { sizeof(method_data), sizeof(kerb_error_data),
                      sizeof(method_data_two) };
    unsigned char buf[64];
    size_t v, n;

    for (v = 0; v < 3; v++) {
        for (n = 0; n < lens[v]; n++) {
            uint32_t st = 7;

            /* Copy so that reading past n is a real out-of-bounds read
             * under ASan/valgrind. */
            unsigned char *p = n ? memcpy(buf + sizeof(buf) - n, vecs[v], n)
                                 : buf;

            ck_assert_msg(!krb_edata_ntstatus(p, n, &st), "vec %zu len %zu",
                          v, n);
            ck_assert_uint_eq(st, 7);
        }
    }
}
END_TEST

START_TEST(not_a_status)
{
    /* A real 12-byte salt in PA-PW-SALT: not an error NTSTATUS. */
    static const unsigned char salt[] = {
        0x30, 0x17, 0x30, 0x15, 0xA1, 0x03, 0x02, 0x01, 0x03,
        0xA2, 0x0E, 0x04, 0x0C, 'S', 'S', 'P', 'I', 'G', 'S', 'S', 'a',
        'l', 'i', 'c', 'e',
    };
    /* Type 2 with a status-shaped value. */
    static const unsigned char wrong_type[] = {
        0x30, 0x15, 0xA1, 0x03, 0x02, 0x01, 0x02,
        0xA2, 0x0E, 0x04, 0x0C, EXT_DISABLED,
    };
    /* Flags other than 1 (AS) or 3 (TGS). */
    static const unsigned char bad_flags[] = {
        0x30, 0x15, 0xA1, 0x03, 0x02, 0x01, 0x03,
        0xA2, 0x0E, 0x04, 0x0C, 0x72, 0x00, 0x00, 0xC0, 0, 0, 0, 0,
        2, 0, 0, 0,
    };
    /* Indefinite length, oversized length, negative type. */
    static const unsigned char indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
    static const unsigned char huge[] = { 0x30, 0x84, 0x7f, 0xff, 0xff,
                                          0xff, 0x30 };
    static const unsigned char negative[] = {
        0x30, 0x15, 0xA1, 0x03, 0x02, 0x01, 0x83,
        0xA2, 0x0E, 0x04, 0x0C, EXT_DISABLED,
    };
    uint32_t st;

    ck_assert(!krb_edata_ntstatus(salt, sizeof(salt), &st));
    ck_assert(!krb_edata_ntstatus(wrong_type, sizeof(wrong_type), &st));
    ck_assert(!krb_edata_ntstatus(bad_flags, sizeof(bad_flags), &st));
    ck_assert(!krb_edata_ntstatus(indefinite, sizeof(indefinite), &st));
    ck_assert(!krb_edata_ntstatus(huge, sizeof(huge), &st));
    ck_assert(!krb_edata_ntstatus(negative, sizeof(negative), &st));
    ck_assert(!krb_edata_ntstatus(NULL, 10, &st));
    ck_assert_ptr_null(krb_ntstatus_name(0xC0001234));
}
END_TEST

START_TEST(ntstatus_mapping)
{
    const struct map_ntstatus_rule *r;
    size_t n, i;

    /* Every NTSTATUS row decides, whatever the krb5 code. */
    r = map_ntstatus_rules(&n);
    for (i = 0; i < n; i++)
        ck_assert_msg(map_krb5_ntstatus(NULL, KRB5KDC_ERR_CLIENT_REVOKED,
                                        r[i].ntstatus, MAP_ACQUIRE)
                          == r[i].status,
                      "row %zu", i);
    /* Others fall back to the krb5 code's rule, and the cause names
     * both. */
    ck_assert_sec(map_krb5_ntstatus(NULL, KRB5KDC_ERR_CLIENT_REVOKED,
                                    0xC0000072, MAP_ACQUIRE),
                  SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "STATUS_ACCOUNT_DISABLED"));
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "0xC0000072"));
    ck_assert_sec(map_krb5_ntstatus(NULL, KRB5KDC_ERR_KEY_EXP, 0xC0000999,
                                    MAP_ACQUIRE),
                  SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "(?)"));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edata");
    TCase *tc = tcase_create("ntstatus");

    tcase_add_test(tc, both_encodings);
    tcase_add_test(tc, every_truncation_is_refused);
    tcase_add_test(tc, not_a_status);
    tcase_add_test(tc, ntstatus_mapping);
    tcase_add_test(tc, padata_types);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
