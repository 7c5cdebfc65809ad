/*
 * check_krb_msg.c - the crypto of the Kerberos message engine
 * (lib/krb_msg.c) against published known answers and against MIT's own
 * libk5crypto, without a KDC.
 *
 * Known answers: RFC 3961 A.1 (n-fold), RFC 3962 B (AES-CTS with the key
 * "chicken teriyaki"), RFC 8009 A (key derivation, checksums, sample
 * encryptions), and the AES derivation, checksum and decryption answers
 * MIT's crypto tests check (src/lib/crypto/crypto_tests t_derive.c,
 * t_cksums.c, t_decrypt.c). Then, for every enctype, every length from 0
 * to 300 and some large ones: the engine's encryption decrypts with
 * krb5_c_decrypt, krb5_c_encrypt's decrypts with the engine, and the
 * checksums equal krb5_c_make_checksum's.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "krb_msg.h"
#include "testutil.h"

static void
unhex(const char *h, unsigned char *out, size_t *len)
{
    size_t n = 0;

    while (h[0] != '\0') {
        unsigned int v;

        if (h[0] == ' ') {
            h++;
            continue;
        }
        ck_assert_int_eq(sscanf(h, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
        h += 2;
    }
    *len = n;
}

/* RFC 3961 A.1 */
START_TEST(nfold_vectors)
{
    static const struct {
        const char *in;
        size_t bits;
        const char *out;
    } v[] = {
        { "012345", 64, "be072631276b1955" },
        { "password", 56, "78a07b6caf85fa" },
        { "Rough Consensus, and Running Code", 64, "bb6ed30870b7f0e0" },
        { "password", 168, "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e" },
        { "MASSACHVSETTS INSTITVTE OF TECHNOLOGY", 192,
          "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b" },
        { "Q", 168, "518a54a215a8452a518a54a215a8452a518a54a215" },
        { "ba", 168, "fb25d531ae8974499f52fd92ea9857c4ba24cf297e" },
        { "kerberos", 64, "6b65726265726f73" },
        { "kerberos", 128, "6b65726265726f737b9b5b2b93132b93" },
        { "kerberos", 168, "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4" },
        { "kerberos", 256, "6b65726265726f737b9b5b2b93132b93"
                           "5c9bdcdad95c9899c4cae4dee6d6cae4" },
    };
    unsigned char want[64], got[64];
    size_t i, n;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unhex(v[i].out, want, &n);
        ck_assert_uint_eq(n, v[i].bits / 8);
        krb_msg_nfold(v[i].in, strlen(v[i].in), got, n);
        ck_assert_msg(memcmp(got, want, n) == 0, "%zu-fold(\"%s\")",
                      v[i].bits, v[i].in);
    }
}
END_TEST

/* RFC 3962 B: AES-128 CBC-CTS, IV zero, key "chicken teriyaki". */
START_TEST(cts_vectors)
{
    static const char input[] =
        "I would like the General Gau's Chicken, please, and wonton soup.";
    static const struct {
        size_t len;
        const char *out;
    } v[] = {
        { 17, "c6353568f2bf8cb4d8a580362da7ff7f97" },
        { 31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5" },
        { 32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584" },
        { 47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e"
              "39312523a78662d5be7fcbcc98ebf5" },
        { 48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd8"
              "39312523a78662d5be7fcbcc98ebf5a8" },
        { 64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a8"
              "4807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8" },
    };
    struct krb_msg_key *k = krb_msg_key_new(17, "chicken teriyaki", 16);
    unsigned char want[64], buf[64];
    size_t i, n;

    ck_assert_ptr_nonnull(k);
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unhex(v[i].out, want, &n);
        ck_assert_uint_eq(n, v[i].len);
        memcpy(buf, input, n);
        ck_assert(krb_msg_cts(k, true, buf, n));
        ck_assert_msg(memcmp(buf, want, n) == 0, "encrypt %zu", n);
        ck_assert(krb_msg_cts(k, false, buf, n));
        ck_assert_msg(memcmp(buf, input, n) == 0, "decrypt %zu", n);
    }
    krb_msg_key_free(k);
}
END_TEST

/* The same cipher as OpenSSL's own CTS mode CS3 (Kerberos' variant, per
 * OpenSSL's EVP_CIPHER-AES(7)), every length from one block to 200. */
START_TEST(cts_matches_openssl_cs3)
{
    static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
    static const unsigned char iv[16];
    int bits;

    for (bits = 128; bits <= 256; bits += 128) {
        EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, bits == 128 ? "AES-128-CBC-CTS"
                                         : "AES-256-CBC-CTS", NULL);
        struct krb_msg_key *k = krb_msg_key_new(bits == 128 ? 17 : 18, key,
                                                (size_t)bits / 8);
        size_t len;

        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_nonnull(k);
        for (len = 16; len <= 200; len++) {
            unsigned char in[200], ours[200], theirs[200];
            OSSL_PARAM p[2] = {
                OSSL_PARAM_construct_utf8_string(OSSL_CIPHER_PARAM_CTS_MODE,
                                                 (char *)"CS3", 0),
                OSSL_PARAM_construct_end(),
            };
            EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
            int ol = 0;
            size_t i;

            for (i = 0; i < len; i++)
                in[i] = (unsigned char)(i * 7 + len);
            memcpy(ours, in, len);
            ck_assert(krb_msg_cts(k, true, ours, len));
            ck_assert_int_eq(EVP_EncryptInit_ex2(x, c, key, iv, p), 1);
            ck_assert_int_eq(EVP_EncryptUpdate(x, theirs, &ol, in, (int)len),
                             1);
            ck_assert_int_eq(ol, (int)len);
            EVP_CIPHER_CTX_free(x);
            ck_assert_msg(memcmp(ours, theirs, len) == 0, "AES-%d %zu", bits,
                          len);
        }
        krb_msg_key_free(k);
        EVP_CIPHER_free(c);
    }
}
END_TEST

/* RFC 8009 A and MIT t_derive.c (AES): Kc, Ke, Ki for usage 2. */
START_TEST(derive_vectors)
{
    static const struct {
        int32_t et;
        const char *key;
        unsigned char c;
        const char *out;
    } v[] = {
        { 17, "42263C6E89F4FC28B8DF68EE09799F15", 0x99,
          "34280A382BC92769B2DA2F9EF066854B" },
        { 17, "42263C6E89F4FC28B8DF68EE09799F15", 0xAA,
          "5B14FC4E250E14DDF9DCCF1AF6674F53" },
        { 17, "42263C6E89F4FC28B8DF68EE09799F15", 0x55,
          "4ED31063621684F09AE8D89991AF3E8F" },
        { 18, "FE697B52BC0D3CE14432BA036A92E65BBB52280990A2FA27883998D72AF30161",
          0x99, "BFAB388BDCB238E9F9C98D6A878304F04D30C82556375AC507A7A852790F4674" },
        { 18, "FE697B52BC0D3CE14432BA036A92E65BBB52280990A2FA27883998D72AF30161",
          0xAA, "C7CFD9CD75FE793A586A542D87E0D1396F1134A104BB1A9190B8C90ADA3DDF37" },
        { 18, "FE697B52BC0D3CE14432BA036A92E65BBB52280990A2FA27883998D72AF30161",
          0x55, "97151B4C76945063E2EB0529DC067D97D7BBA90776D8126D91F34F3101AEA8BA" },
        /* RFC 8009 A */
        { 19, "3705D96080C17728A0E800EAB6E0D23C", 0x99,
          "B31A018A48F54776F403E9A396325DC3" },
        { 19, "3705D96080C17728A0E800EAB6E0D23C", 0xAA,
          "9B197DD1E8C5609D6E67C3E37C62C72E" },
        { 19, "3705D96080C17728A0E800EAB6E0D23C", 0x55,
          "9FDA0E56AB2D85E1569A688696C26A6C" },
        { 20, "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          0x99, "EF5718BE86CC84963D8BBB5031E9F5C4BA41F28FAF69E73D" },
        { 20, "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          0xAA, "56AB22BEE63D82D7BC5227F6773F8EA7A5EB1C825160C38312980C442E5C7E49" },
        { 20, "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          0x55, "69B16514E3CD8E56B82010D5C73012B622C4D00FFC23ED1F" },
    };
    unsigned char key[32], want[32], got[32];
    size_t i, kl, wl;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct krb_msg_key *k;

        unhex(v[i].key, key, &kl);
        unhex(v[i].out, want, &wl);
        k = krb_msg_key_new(v[i].et, key, kl);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(krb_msg_derive(k, 2, v[i].c, got), wl);
        ck_assert_msg(memcmp(got, want, wl) == 0, "case %zu", i);
        krb_msg_key_free(k);
    }
}
END_TEST

/* MIT t_cksums.c (AES-SHA1) and RFC 8009 A (checksums). */
START_TEST(checksum_vectors)
{
    static const struct {
        int32_t et;
        uint32_t usage;
        const char *data;       /* text, or hex when hex */
        bool hex;
        const char *key, *out;
    } v[] = {
        { 17, 3, "eight nine ten eleven twelve thirteen", false,
          "9062430C8CDA3388922E6D6A509F5B7A", "01A4B088D45628F6946614E3" },
        { 18, 4, "fourteen", false,
          "B1AE4CD8462AFF1677053CC9279AAC30B796FB81CE21474DD3DDBCFEA4EC76D7",
          "E08739E3279E2903EC8E3836" },
        { 19, 2, "000102030405060708090A0B0C0D0E0F1011121314", true,
          "3705D96080C17728A0E800EAB6E0D23C",
          "D78367186643D67B411CBA9139FC1DEE" },
        { 20, 2, "000102030405060708090A0B0C0D0E0F1011121314", true,
          "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          "45EE791567EEFCA37F4AC1E0222DE80D43C3BFA06699672A" },
    };
    unsigned char key[32], want[32], got[48], data[64];
    size_t i, kl, wl, dl;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct krb_msg_key *k;

        unhex(v[i].key, key, &kl);
        unhex(v[i].out, want, &wl);
        if (v[i].hex) {
            unhex(v[i].data, data, &dl);
        } else {
            dl = strlen(v[i].data);
            memcpy(data, v[i].data, dl);
        }
        k = krb_msg_key_new(v[i].et, key, kl);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(krb_msg_checksum(k, v[i].usage, data, dl, got),
                          wl);
        ck_assert_msg(memcmp(got, want, wl) == 0, "case %zu", i);
        krb_msg_key_free(k);
    }
}
END_TEST

/* RFC 8009 A sample encryptions and MIT t_decrypt.c (AES-256-SHA1):
 * known ciphertexts decrypt to the known plaintexts; one bit changed
 * anywhere, they do not. */
START_TEST(decrypt_vectors)
{
    static const struct {
        int32_t et;
        uint32_t usage;
        const char *plain, *key, *cipher;
    } v[] = {
        { 18, 0, "",
          "17F275F2954F2ED1F90C377BA7F4D6A369AA0136E0BF0C927AD6133C693759A9",
          "E5094C55EE7B38262E2B044280B069379A95BF95BD8376FB3281B435" },
        { 18, 1, "31",
          "B9477E1FF0329C0050E20CE6C72D2DFF27E8FE541AB0954429A9CB5B4F7B1E2A",
          "406150B97AEB76D43B36B62CC1ECDFBE6F40E95755E0BEB5C27825F3A4" },
        { 18, 2, "392062797465737373",
          "B1AE4CD8462AFF1677053CC9279AAC30B796FB81CE21474DD3DDBCFEA4EC76D7",
          "09957AA25FCAF88F7B39E4406E633012D5FEA21853F6478DA7065CAEF41FD454"
          "A40824EEC5" },
        { 19, 2, "", "3705D96080C17728A0E800EAB6E0D23C",
          "EF85FB890BB8472F4DAB20394DCA781DAD877EDA39D50C870C0D5A0A8E48C718" },
        { 19, 2, "000102030405", "3705D96080C17728A0E800EAB6E0D23C",
          "84D7F30754ED987BAB0BF3506BEB09CFB55402CEF7E6877CE99E247E52D16ED4"
          "421DFDF8976C" },
        { 19, 2, "000102030405060708090A0B0C0D0E0F",
          "3705D96080C17728A0E800EAB6E0D23C",
          "3517D640F50DDC8AD3628722B3569D2AE07493FA8263254080EA65C1008E8FC2"
          "95FB4852E7D83E1E7C48C37EEBE6B0D3" },
        { 19, 2, "000102030405060708090A0B0C0D0E0F1011121314",
          "3705D96080C17728A0E800EAB6E0D23C",
          "720F73B18D9859CD6CCB4346115CD336C70F58EDC0C4437C5573544C31C813BC"
          "E1E6D072C186B39A413C2F92CA9B8334A287FFCBFC" },
        { 20, 2, "",
          "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          "41F53FA5BFE7026D91FAF9BE959195A058707273A96A40F0A01960621AC61274"
          "8B9BBFBE7EB4CE3C" },
        { 20, 2, "000102030405",
          "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          "4ED7B37C2BCAC8F74F23C1CF07E62BC7B75FB3F637B9F559C7F664F69EAB7B60"
          "92237526EA0D1F61CB20D69D10F2" },
        { 20, 2, "000102030405060708090A0B0C0D0E0F",
          "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52",
          "BC47FFEC7998EB91E8115CF8D19DAC4BBBE2E163E87DD37F49BECA92027764F6"
          "8CF51F14D798C2273F35DF574D1F932E40C4FF255B36A266" },
    };
    unsigned char key[32], plain[64], ct[128], got[128];
    size_t i, kl, pl, cl, gl, bit;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct krb_msg_key *k;

        unhex(v[i].key, key, &kl);
        unhex(v[i].plain, plain, &pl);
        unhex(v[i].cipher, ct, &cl);
        k = krb_msg_key_new(v[i].et, key, kl);
        ck_assert_ptr_nonnull(k);
        ck_assert_msg(krb_msg_decrypt(k, v[i].usage, ct, cl, got, &gl),
                      "case %zu", i);
        ck_assert_uint_eq(gl, pl);
        ck_assert(memcmp(got, plain, pl) == 0);
        for (bit = 0; bit < cl * 8; bit += 7) {
            ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            ck_assert_msg(!krb_msg_decrypt(k, v[i].usage, ct, cl, got, &gl),
                          "case %zu bit %zu", i, bit);
            ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        }
        krb_msg_key_free(k);
    }
}
END_TEST

/* The engine and libk5crypto agree, both ways, for every enctype and many
 * lengths. */
START_TEST(agrees_with_libk5crypto)
{
    static const struct {
        int32_t et;
        krb5_cksumtype ck;
    } ets[] = { { 17, 15 }, { 18, 16 }, { 19, 19 }, { 20, 20 } };
    krb5_context ctx;
    size_t e;

    ck_assert_int_eq(krb5_init_context(&ctx), 0);
    for (e = 0; e < sizeof(ets) / sizeof(ets[0]); e++) {
        krb5_keyblock kbs, *kb = &kbs;
        struct krb_msg_key *k;
        size_t len;

        ck_assert_int_eq(krb5_c_make_random_key(ctx, ets[e].et, kb), 0);
        k = krb_msg_key_new(ets[e].et, kb->contents, kb->length);
        ck_assert_ptr_nonnull(k);
        for (len = 0; len <= 70000; len = len < 300 ? len + 1
                                         : len * 3 + 1) {
            unsigned char *plain = malloc(len + 1), *ours = malloc(len + 64);
            unsigned char *back = malloc(len + 64), conf[16], mine[48];
            krb5_data in = { 0, (unsigned int)len, (char *)plain }, out;
            krb5_enc_data enc;
            krb5_checksum cs;
            uint32_t usage = (uint32_t)(len % 30) + 1;
            size_t cl, gl, i;

            ck_assert_ptr_nonnull(plain);
            for (i = 0; i < len; i++)
                plain[i] = (unsigned char)(i * 13 + len);
            for (i = 0; i < 16; i++)
                conf[i] = (unsigned char)(i + len);
            /* ours -> MIT */
            cl = krb_msg_encrypt(k, usage, conf, plain, len, ours);
            ck_assert_uint_gt(cl, 0);
            memset(&enc, 0, sizeof(enc));
            enc.enctype = ets[e].et;
            enc.ciphertext.data = (char *)ours;
            enc.ciphertext.length = (unsigned int)cl;
            out.data = (char *)back;
            out.length = (unsigned int)(len + 64);
            ck_assert_msg(krb5_c_decrypt(ctx, kb, usage, NULL, &enc, &out)
                          == 0, "enctype %d len %zu: MIT refuses ours",
                          ets[e].et, len);
            ck_assert_uint_eq(out.length, len);
            ck_assert(len == 0 || memcmp(back, plain, len) == 0);
            /* MIT -> ours */
            {
                size_t need = 0;

                ck_assert_int_eq(krb5_c_encrypt_length(ctx, ets[e].et, len,
                                                       &need), 0);
                ck_assert_uint_eq(need, cl);
                enc.ciphertext.length = (unsigned int)need;
                ck_assert_int_eq(krb5_c_encrypt(ctx, kb, usage, NULL, &in,
                                                &enc), 0);
                ck_assert_msg(krb_msg_decrypt(k, usage, ours, need, back,
                                              &gl),
                              "enctype %d len %zu: we refuse MIT's",
                              ets[e].et, len);
                ck_assert_uint_eq(gl, len);
                ck_assert(len == 0 || memcmp(back, plain, len) == 0);
            }
            /* checksums */
            ck_assert_int_eq(krb5_c_make_checksum(ctx, ets[e].ck, kb, usage,
                                                  &in, &cs), 0);
            ck_assert_uint_eq(krb_msg_checksum(k, usage, plain, len, mine),
                              cs.length);
            ck_assert_msg(memcmp(mine, cs.contents, cs.length) == 0,
                          "enctype %d len %zu: checksums differ", ets[e].et,
                          len);
            krb5_free_checksum_contents(ctx, &cs);
            free(plain);
            free(ours);
            free(back);
        }
        krb_msg_key_free(k);
        krb5_free_keyblock_contents(ctx, kb);
    }
    krb5_free_context(ctx);
}
END_TEST

START_TEST(unsupported_enctypes)
{
    static const unsigned char key[32];

    ck_assert(!krb_msg_enctype_supported(23));      /* rc4-hmac */
    ck_assert(!krb_msg_enctype_supported(16));      /* des3 */
    ck_assert(!krb_msg_enctype_supported(25));      /* camellia */
    ck_assert(krb_msg_enctype_supported(17));
    ck_assert(krb_msg_enctype_supported(20));
    ck_assert_ptr_null(krb_msg_key_new(23, key, 16));
    ck_assert_ptr_null(krb_msg_key_new(18, key, 16));
    ck_assert_ptr_null(krb_msg_new(NULL, false));
}
END_TEST

/* An exported token of a layout the patcher does not know is left
 * alone and refused. */
START_TEST(patch_export_refuses_unknown_layouts)
{
    unsigned char tok[200], copy[200];
    uint64_t send = 5;
    size_t i;

    for (i = 0; i < sizeof(tok); i++)
        tok[i] = (unsigned char)(i * 7);
    memcpy(copy, tok, sizeof(tok));
    ck_assert(!krb_msg_patch_export(tok, sizeof(tok), &send, 9));
    ck_assert(!krb_msg_patch_export(tok, 3, &send, 9));
    /* A mechanism prefix (length 9, the krb5 OID) with no KG_CONTEXT. */
    memcpy(tok, "\0\0\0\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 13);
    memcpy(copy, tok, sizeof(tok));
    ck_assert(!krb_msg_patch_export(tok, sizeof(tok), &send, 9));
    ck_assert(memcmp(tok, copy, sizeof(tok)) == 0);
}
END_TEST

static Suite *
krb_msg_suite(void)
{
    Suite *s = suite_create("krb_msg");
    TCase *tc = tcase_create("crypto");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nfold_vectors);
    tcase_add_test(tc, cts_vectors);
    tcase_add_test(tc, cts_matches_openssl_cs3);
    tcase_add_test(tc, derive_vectors);
    tcase_add_test(tc, checksum_vectors);
    tcase_add_test(tc, decrypt_vectors);
    tcase_add_test(tc, agrees_with_libk5crypto);
    tcase_add_test(tc, unsupported_enctypes);
    tcase_add_test(tc, patch_export_refuses_unknown_layouts);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(krb_msg_suite());
}
