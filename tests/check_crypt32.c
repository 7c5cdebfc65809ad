/*
 * check_crypt32.c - the crypt32 subset (lib/api_crypt32.c): certificate
 * contexts and their CERT_INFO, reference counting, memory and system
 * stores, enumeration and search, PFXImportCertStore, CertGetNameStringA/W,
 * and the interface the Schannel package uses (lib/crypt32.h).
 *
 * The certificates are made when the suite starts, with OpenSSL: a CA, an
 * end-entity certificate with alternative names signed by it, an RSA
 * certificate, one with awkward names, and PKCS #12 files with and without
 * a password. Only the "MY" and "ROOT" tests write files, in a temporary
 * directory they remove. Every failure asserts the exact GetLastError()
 * code (the sources for each are cited in lib/api_crypt32.c and
 * docs/crypt32.md).
 *
 * The file is built twice (tests/local_crypt32.am): tests/check_crypt32
 * links the convenience library and also checks lib/crypt32.h and that no
 * context or store outlives a test; tests/check_crypt32_so
 * (CHECK_CRYPT32_SHARED) links libsspigss.so and sees only <windows.h> and
 * <wincrypt.h>, as ported code does, which proves that the library's
 * failures reach the program's GetLastError().
 */
#ifdef CHECK_CRYPT32_SHARED
#define _GNU_SOURCE 1
#else
#include "setup.h"
#endif

#define SECURITY_WIN32
#include <windows.h>
#include <wincrypt.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testutil.h"

#ifndef CHECK_CRYPT32_SHARED
#include "crypt32.h"
#endif

/* Assert the calling thread's last error. */
#define ck_assert_lasterror(want)                                         \
    do {                                                                  \
        DWORD got_ = GetLastError(), want_ = (DWORD)(want);               \
        ck_assert_msg(got_ == want_, "GetLastError() 0x%08X, want 0x%08X", \
                      (unsigned)got_, (unsigned)want_);                   \
    } while (0)

/* 2024-01-02 03:04:05 UTC and 2060-01-01 00:00:00 UTC (GeneralizedTime). */
#define NOT_BEFORE ((time_t)1704164645)
#define NOT_AFTER ((time_t)2840140800)
#define FILETIME_OF(t) (((uint64_t)(t) + 11644473600u) * 10000000u)

/* ------------------------------------------------------------ fixtures */

struct blob {
    unsigned char *p;
    int n;
};

static struct {
    EVP_PKEY *ca_key, *ee_key, *rsa_key;
    X509 *ca, *ee, *rsa, *odd;
    struct blob ca_der, ee_der, rsa_der, odd_der;
    struct blob p12_pw, p12_empty, p12_null, p12_rsa;
} pki;

static const WCHAR p12_password[] = u"p\u00e4ssw\u00f6rd";

static void
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, v3, nid, value);

    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/*
 * A certificate: subject given as field/value pairs (a field written
 * "+OU" joins the previous RDN), signed by issuer (NULL: self-signed).
 */
static X509 *
make_cert(const char *const *subject, long serial, EVP_PKEY *key,
          X509 *issuer, EVP_PKEY *issuer_key, const char *san,
          const char *ian, bool ca)
{
    X509 *x = X509_new();
    X509_NAME *nm = X509_NAME_new();
    X509V3_CTX v3;
    int i;

    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(nm);
    ck_assert_int_eq(X509_set_version(x, 2), 1);
    ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    for (i = 0; subject[i] != NULL; i += 2) {
        const char *f = subject[i];
        int set = 0;

        if (f[0] == '+') {
            f++;
            set = -1;
        }
        ck_assert_int_eq(X509_NAME_add_entry_by_txt(
                             nm, f, MBSTRING_UTF8,
                             (const unsigned char *)subject[i + 1], -1, -1,
                             set),
                         1);
    }
    ck_assert_int_eq(X509_set_subject_name(x, nm), 1);
    ck_assert_int_eq(X509_set_issuer_name(
                         x, issuer != NULL ? X509_get_subject_name(issuer)
                                           : nm),
                     1);
    ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE));
    ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER));
    ck_assert_int_eq(X509_set_pubkey(x, key), 1);
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    add_ext(x, &v3, NID_basic_constraints,
            ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (san != NULL)
        add_ext(x, &v3, NID_subject_alt_name, san);
    if (ian != NULL)
        add_ext(x, &v3, NID_issuer_alt_name, ian);
    ck_assert_int_gt(X509_sign(x, issuer_key != NULL ? issuer_key : key,
                               EVP_sha256()),
                     0);
    X509_NAME_free(nm);
    return x;
}

static struct blob
der_of(X509 *x)
{
    struct blob b = { NULL, 0 };

    b.n = i2d_X509(x, &b.p);
    ck_assert_int_gt(b.n, 0);
    return b;
}

static struct blob
p12_of(const char *pass, EVP_PKEY *key, X509 *cert, X509 *ca)
{
    STACK_OF(X509) *cas = sk_X509_new_null();
    struct blob b = { NULL, 0 };
    PKCS12 *p12;

    ck_assert_ptr_nonnull(cas);
    if (ca != NULL)
        ck_assert_int_gt(sk_X509_push(cas, ca), 0);
    p12 = PKCS12_create(pass, "sspigss test", key, cert, cas, 0, 0, 0, 0,
                        0);
    ck_assert_ptr_nonnull(p12);
    b.n = i2d_PKCS12(p12, &b.p);
    ck_assert_int_gt(b.n, 0);
    PKCS12_free(p12);
    sk_X509_free(cas);
    return b;
}

static void
pki_setup(void)
{
    static const char *const ca_name[] = {
        "C", "US", "O", "sspigss", "CN", "sspigss Test CA", NULL,
    };
    static const char *const ee_name[] = {
        "C", "US", "O", "sspigss", "OU", "Tests",
        "CN", "server.example.test", "emailAddress", "admin@example.test",
        NULL,
    };
    static const char *const rsa_name[] = {
        "O", "sspigss", "CN", "rsa.example.test", NULL,
    };
    /* Quoting, a two-valued RDN, Unicode, no CN alternative names. */
    static const char *const odd_name[] = {
        "O", "Comma, Inc.", "OU", " padded", "+L", "Somewhere",
        "CN", "\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8", NULL,
    };

    pki.ca_key = EVP_EC_gen("P-256");
    pki.ee_key = EVP_EC_gen("P-256");
    pki.rsa_key = EVP_RSA_gen(1024);
    ck_assert_ptr_nonnull(pki.ca_key);
    ck_assert_ptr_nonnull(pki.ee_key);
    ck_assert_ptr_nonnull(pki.rsa_key);
    pki.ca = make_cert(ca_name, 0x80, pki.ca_key, NULL, NULL, NULL, NULL,
                       true);
    pki.ee = make_cert(ee_name, 0x0102AB, pki.ee_key, pki.ca, pki.ca_key,
                       "DNS:server.example.test,DNS:*.alt.example.test,"
                       "email:admin@example.test,"
                       "URI:https://server.example.test/,"
                       "otherName:1.3.6.1.4.1.311.20.2.3;"
                       "UTF8:user@example.test",
                       "DNS:ca.example.test", false);
    pki.rsa = make_cert(rsa_name, 7, pki.rsa_key, pki.ca, pki.ca_key, NULL,
                        NULL, false);
    pki.odd = make_cert(odd_name, 9, pki.ee_key, NULL, NULL, NULL, NULL,
                        false);
    pki.ca_der = der_of(pki.ca);
    pki.ee_der = der_of(pki.ee);
    pki.rsa_der = der_of(pki.rsa);
    pki.odd_der = der_of(pki.odd);
    pki.p12_pw = p12_of("p\xc3\xa4ssw\xc3\xb6rd", pki.ee_key, pki.ee,
                        pki.ca);
    pki.p12_empty = p12_of("", pki.ee_key, pki.ee, NULL);
    pki.p12_null = p12_of(NULL, pki.ee_key, pki.ee, NULL);
    pki.p12_rsa = p12_of("", pki.rsa_key, pki.rsa, NULL);
}

static void
pki_teardown(void)
{
    struct blob *b[] = { &pki.ca_der, &pki.ee_der, &pki.rsa_der,
                         &pki.odd_der, &pki.p12_pw, &pki.p12_empty,
                         &pki.p12_null, &pki.p12_rsa };
    size_t i;

    for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
        OPENSSL_free(b[i]->p);
    X509_free(pki.ca);
    X509_free(pki.ee);
    X509_free(pki.rsa);
    X509_free(pki.odd);
    EVP_PKEY_free(pki.ca_key);
    EVP_PKEY_free(pki.ee_key);
    EVP_PKEY_free(pki.rsa_key);
}

#ifndef CHECK_CRYPT32_SHARED
static size_t base_contexts, base_stores;

/* Nothing a test makes may outlive it. */
static void
leak_setup(void)
{
    base_contexts = crypt32_live_contexts();
    base_stores = crypt32_live_stores();
}

static void
leak_teardown(void)
{
    ck_assert_msg(crypt32_live_contexts() == base_contexts,
                  "%zu certificate contexts left",
                  crypt32_live_contexts() - base_contexts);
    ck_assert_msg(crypt32_live_stores() == base_stores, "%zu stores left",
                  crypt32_live_stores() - base_stores);
}
#define LIVE_CONTEXTS() crypt32_live_contexts()
#define LIVE_STORES() crypt32_live_stores()
#else
static void
leak_setup(void)
{
}

static void
leak_teardown(void)
{
}
#define LIVE_CONTEXTS() ((size_t)0)
#define LIVE_STORES() ((size_t)0)
#endif

static PCCERT_CONTEXT
create(const struct blob *b)
{
    PCCERT_CONTEXT c = CertCreateCertificateContext(X509_ASN_ENCODING, b->p,
                                                    (DWORD)b->n);

    ck_assert_msg(c != NULL, "CertCreateCertificateContext: 0x%08X",
                  (unsigned)GetLastError());
    return c;
}

static HCERTSTORE
memory_store(void)
{
    HCERTSTORE s = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0,
                                 CERT_STORE_CREATE_NEW_FLAG, NULL);

    ck_assert_ptr_nonnull(s);
    return s;
}

static void
add(HCERTSTORE s, const struct blob *b)
{
    PCCERT_CONTEXT c = create(b);

    ck_assert_int_eq(CertAddCertificateContextToStore(s, c,
                                                      CERT_STORE_ADD_ALWAYS,
                                                      NULL),
                     TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
}

static unsigned
count_certs(HCERTSTORE s)
{
    PCCERT_CONTEXT c = NULL;
    unsigned n = 0;

    while ((c = CertEnumCertificatesInStore(s, c)) != NULL)
        n++;
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);
    return n;
}

static bool
same_der(PCCERT_CONTEXT c, const struct blob *b)
{
    return c != NULL && c->cbCertEncoded == (DWORD)b->n
           && memcmp(c->pbCertEncoded, b->p, (size_t)b->n) == 0;
}

/* ------------------------------------------------------------- contexts */

START_TEST(context_fields)
{
    PCCERT_CONTEXT c;
    const CERT_INFO *ci;
    unsigned char *der = NULL;
    static const BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                 0x03, 0x01, 0x07 };
    DWORD i;
    int n;
    bool bc = false, san = false;

    c = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                                     pki.ee_der.p, (DWORD)pki.ee_der.n);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->dwCertEncodingType,
                      X509_ASN_ENCODING | PKCS_7_ASN_ENCODING);
    /* An own copy of the encoding. */
    ck_assert_ptr_ne(c->pbCertEncoded, pki.ee_der.p);
    ck_assert(same_der(c, &pki.ee_der));
    /* In no store, but with one (Wine cert.c, testCreateCert). */
    ck_assert_ptr_nonnull(c->hCertStore);

    ci = c->pCertInfo;
    ck_assert_ptr_nonnull(ci);
    ck_assert_uint_eq(ci->dwVersion, CERT_V3);
    /* 0x0102AB, least significant byte first. */
    ck_assert_uint_eq(ci->SerialNumber.cbData, 3);
    ck_assert_mem_eq(ci->SerialNumber.pbData, "\xab\x02\x01", 3);
    ck_assert_str_eq(ci->SignatureAlgorithm.pszObjId, szOID_ECDSA_SHA256);
    ck_assert_uint_eq(ci->SignatureAlgorithm.Parameters.cbData, 0);

    n = i2d_X509_NAME(X509_get_issuer_name(pki.ee), &der);
    ck_assert_uint_eq(ci->Issuer.cbData, (unsigned)n);
    ck_assert_mem_eq(ci->Issuer.pbData, der, (size_t)n);
    OPENSSL_free(der);
    der = NULL;
    n = i2d_X509_NAME(X509_get_subject_name(pki.ee), &der);
    ck_assert_uint_eq(ci->Subject.cbData, (unsigned)n);
    ck_assert_mem_eq(ci->Subject.pbData, der, (size_t)n);
    OPENSSL_free(der);

    ck_assert_uint_eq((uint64_t)ci->NotBefore.dwHighDateTime << 32
                          | ci->NotBefore.dwLowDateTime,
                      FILETIME_OF(NOT_BEFORE));
    ck_assert_uint_eq((uint64_t)ci->NotAfter.dwHighDateTime << 32
                          | ci->NotAfter.dwLowDateTime,
                      FILETIME_OF(NOT_AFTER));

    ck_assert_str_eq(ci->SubjectPublicKeyInfo.Algorithm.pszObjId,
                     szOID_ECC_PUBLIC_KEY);
    ck_assert_uint_eq(ci->SubjectPublicKeyInfo.Algorithm.Parameters.cbData,
                      sizeof(p256));
    ck_assert_mem_eq(ci->SubjectPublicKeyInfo.Algorithm.Parameters.pbData,
                     p256, sizeof(p256));
    /* An uncompressed P-256 point. */
    ck_assert_uint_eq(ci->SubjectPublicKeyInfo.PublicKey.cbData, 65);
    ck_assert_uint_eq(ci->SubjectPublicKeyInfo.PublicKey.pbData[0], 0x04);
    ck_assert_uint_eq(ci->SubjectPublicKeyInfo.PublicKey.cUnusedBits, 0);
    ck_assert_uint_eq(ci->IssuerUniqueId.cbData, 0);
    ck_assert_uint_eq(ci->SubjectUniqueId.cbData, 0);

    ck_assert_uint_eq(ci->cExtension, X509_get_ext_count(pki.ee));
    for (i = 0; i < ci->cExtension; i++) {
        const CERT_EXTENSION *e = &ci->rgExtension[i];
        const ASN1_OCTET_STRING *v =
            X509_EXTENSION_get_data(X509_get_ext(pki.ee, (int)i));

        ck_assert_uint_eq(e->Value.cbData, ASN1_STRING_length(v));
        ck_assert_mem_eq(e->Value.pbData, ASN1_STRING_get0_data(v),
                         e->Value.cbData);
        if (strcmp(e->pszObjId, szOID_BASIC_CONSTRAINTS2) == 0) {
            bc = true;
            ck_assert_int_eq(e->fCritical, TRUE);
        } else if (strcmp(e->pszObjId, szOID_SUBJECT_ALT_NAME2) == 0) {
            san = true;
            ck_assert_int_eq(e->fCritical, FALSE);
        }
    }
    ck_assert(bc && san);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
}
END_TEST

START_TEST(context_rsa_and_sign_byte)
{
    PCCERT_CONTEXT rsa = create(&pki.rsa_der), ca = create(&pki.ca_der);
    const CERT_INFO *ci = rsa->pCertInfo;

    /* RSA keys and signatures carry a NULL parameter (05 00). */
    ck_assert_str_eq(ci->SignatureAlgorithm.pszObjId, szOID_ECDSA_SHA256);
    ck_assert_str_eq(ci->SubjectPublicKeyInfo.Algorithm.pszObjId,
                     szOID_RSA_RSA);
    ck_assert_uint_eq(ci->SubjectPublicKeyInfo.Algorithm.Parameters.cbData,
                      2);
    ck_assert_mem_eq(ci->SubjectPublicKeyInfo.Algorithm.Parameters.pbData,
                     "\x05\x00", 2);
    ck_assert_uint_eq(ci->SerialNumber.cbData, 1);
    ck_assert_uint_eq(ci->SerialNumber.pbData[0], 7);
    /* Serial 0x80 needs DER's sign octet: 80 00, least significant
     * first. */
    ck_assert_uint_eq(ca->pCertInfo->SerialNumber.cbData, 2);
    ck_assert_mem_eq(ca->pCertInfo->SerialNumber.pbData, "\x80\x00", 2);
    ck_assert_int_eq(CertFreeCertificateContext(rsa), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(ca), TRUE);
}
END_TEST

START_TEST(context_create_failures)
{
    static const BYTE empty_seq[] = { 0x30, 0x00 };
    static const BYTE not_cert[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
    static const BYTE text[] = "hello";
    unsigned char *longer;

    /* The encoding type is checked before the data: 0 and PKCS #7 alone
     * are E_INVALIDARG (Wine cert.c, testCreateCert). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(0, NULL, 0));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(0, pki.ee_der.p,
                                                    (DWORD)pki.ee_der.n));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(
        PKCS_7_ASN_ENCODING, pki.ee_der.p, (DWORD)pki.ee_der.n));
    ck_assert_lasterror(E_INVALIDARG);
    /* No data: CRYPT_E_ASN1_EOD (same test). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(X509_ASN_ENCODING, NULL,
                                                    0));
    ck_assert_lasterror(CRYPT_E_ASN1_EOD);
    /* A NULL pointer with a length is refused, not read. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(X509_ASN_ENCODING, NULL,
                                                    16));
    ck_assert_lasterror(E_INVALIDARG);
    /* Not a SEQUENCE at all. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(X509_ASN_ENCODING, text,
                                                    sizeof(text)));
    ck_assert_lasterror(CRYPT_E_ASN1_BADTAG);
    /* The empty sequence (Wine store.c, testMemStore: EOD). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(
        X509_ASN_ENCODING, empty_seq, sizeof(empty_seq)));
    ck_assert_lasterror(CRYPT_E_ASN1_EOD);
    /* A sequence of the wrong things. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(
        X509_ASN_ENCODING, not_cert, sizeof(not_cert)));
    ck_assert_lasterror(CRYPT_E_ASN1_BADTAG);
    /* Cut short. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(
        X509_ASN_ENCODING, pki.ee_der.p, (DWORD)pki.ee_der.n - 10));
    ck_assert_lasterror(CRYPT_E_ASN1_EOD);
    /* Something after the certificate. */
    longer = malloc((size_t)pki.ee_der.n + 1);
    ck_assert_ptr_nonnull(longer);
    memcpy(longer, pki.ee_der.p, (size_t)pki.ee_der.n);
    longer[pki.ee_der.n] = 0;
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertCreateCertificateContext(
        X509_ASN_ENCODING, longer, (DWORD)pki.ee_der.n + 1));
    ck_assert_lasterror(CRYPT_E_ASN1_CORRUPT);
    free(longer);
    /* OpenSSL's error queue is left empty. */
    ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(context_reference_counting)
{
    PCCERT_CONTEXT c = create(&pki.ee_der), d, other;
    CERT_CONTEXT foreign = *c;
    size_t live = LIVE_CONTEXTS();

    /* The same pointer with one more reference (Wine cert.c,
     * testDupCert). */
    d = CertDuplicateCertificateContext(c);
    ck_assert_ptr_eq(d, c);
    ck_assert_int_eq(CertFreeCertificateContext(d), TRUE);
    ck_assert_uint_eq(LIVE_CONTEXTS(), live);
    /* Still usable after one of its two references went. */
    ck_assert_uint_eq(c->pCertInfo->dwVersion, CERT_V3);

    /* NULL: Duplicate gives NULL and leaves the last error, Free is
     * TRUE (same test). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertDuplicateCertificateContext(NULL));
    ck_assert_lasterror(0xdeadbeef);
    ck_assert_int_eq(CertFreeCertificateContext(NULL), TRUE);

    /* A CERT_CONTEXT that is not ours is refused and left untouched. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertDuplicateCertificateContext(&foreign));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertFreeCertificateContext(&foreign), FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_ptr_eq(foreign.pCertInfo, c->pCertInfo);

    /* Contexts in no store share one store, which enumerates nothing
     * (Wine cert.c, testCreateCert and testDupCert). */
    other = create(&pki.ca_der);
    ck_assert_ptr_eq(other->hCertStore, c->hCertStore);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(c->hCertStore, NULL));
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         c->hCertStore, other, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_ACCESSDENIED);
    ck_assert_int_eq(CertCloseStore(c->hCertStore, 0), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(other), TRUE);

    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* Freed: a second release is refused, not a double free. */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertFreeCertificateContext(c), FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertDuplicateCertificateContext(c));
    ck_assert_lasterror(E_INVALIDARG);
}
END_TEST

/* --------------------------------------------------------------- stores */

START_TEST(store_add_and_enumerate)
{
    HCERTSTORE s = memory_store(), s2;
    PCCERT_CONTEXT c = create(&pki.ee_der), sc = NULL, again = NULL, e;
    PCCERT_CONTEXT out = (PCCERT_CONTEXT)&out;

    /* An empty store: NULL and CRYPT_E_NOT_FOUND at once. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(s, NULL));
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);

    /* The store gets a copy of its own (Wine cert.c, testDupCert). */
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c,
                                                      CERT_STORE_ADD_NEW,
                                                      &sc),
                     TRUE);
    ck_assert_ptr_nonnull(sc);
    ck_assert_ptr_ne(sc, c);
    ck_assert_ptr_eq(sc->hCertStore, s);
    ck_assert_ptr_ne(sc->pbCertEncoded, c->pbCertEncoded);
    ck_assert_ptr_ne(sc->pCertInfo, c->pCertInfo);
    ck_assert(same_der(sc, &pki.ee_der));
    ck_assert_uint_eq(sc->dwCertEncodingType, X509_ASN_ENCODING);

    /* Adding it again: CRYPT_E_EXISTS with ADD_NEW (Wine cert.c,
     * testAddCert), the existing context with ADD_USE_EXISTING. */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c,
                                                      CERT_STORE_ADD_NEW,
                                                      &out),
                     FALSE);
    ck_assert_lasterror(CRYPT_E_EXISTS);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, c, CERT_STORE_ADD_USE_EXISTING, &again),
                     TRUE);
    ck_assert_ptr_eq(again, sc);
    ck_assert_int_eq(CertFreeCertificateContext(again), TRUE);
    /* ADD_NEWER: the same certificate is not newer. */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c,
                                                      CERT_STORE_ADD_NEWER,
                                                      NULL),
                     FALSE);
    ck_assert_lasterror(CRYPT_E_EXISTS);
    /* ADD_REPLACE_EXISTING: a new context in place of the old one. */
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, c, CERT_STORE_ADD_REPLACE_EXISTING, &again),
                     TRUE);
    ck_assert_ptr_ne(again, sc);
    ck_assert_uint_eq(count_certs(s), 1);
    /* The replaced context stays valid for its holder, and walking on
     * from it ends the enumeration. */
    ck_assert(same_der(sc, &pki.ee_der));
    e = CertDuplicateCertificateContext(sc);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(s, e));
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);
    ck_assert_int_eq(CertFreeCertificateContext(sc), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(again), TRUE);
    /* ADD_ALWAYS makes duplicates; ADD_NEWER adds what is missing. */
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c,
                                                      CERT_STORE_ADD_ALWAYS,
                                                      NULL),
                     TRUE);
    add(s, &pki.rsa_der);
    e = create(&pki.ca_der);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, e, CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES, NULL),
                     TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
    ck_assert_uint_eq(count_certs(s), 4);

    /* In the order added; prev is freed by each call. */
    e = CertEnumCertificatesInStore(s, NULL);
    ck_assert(same_der(e, &pki.ee_der));
    e = CertEnumCertificatesInStore(s, e);
    ck_assert(same_der(e, &pki.ee_der));
    e = CertEnumCertificatesInStore(s, e);
    ck_assert(same_der(e, &pki.rsa_der));
    e = CertEnumCertificatesInStore(s, e);
    ck_assert(same_der(e, &pki.ca_der));
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(s, e));
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);

    /* A prev from another store: E_INVALIDARG, and prev is still freed
     * (MicrosoftDocs, CertEnumCertificatesInStore). */
    s2 = memory_store();
    add(s2, &pki.ca_der);
    e = CertEnumCertificatesInStore(s2, NULL);
    ck_assert_ptr_nonnull(e);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(s, e));
    ck_assert_lasterror(E_INVALIDARG);
    /* Not a store. */
    e = CertEnumCertificatesInStore(s2, NULL);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore((HCERTSTORE)&out, e));
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_int_eq(CertCloseStore(s2, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);

    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);
}
END_TEST

START_TEST(store_add_failures)
{
    HCERTSTORE s = memory_store(), ro;
    PCCERT_CONTEXT c = create(&pki.ee_der), out = (PCCERT_CONTEXT)&s;
    CERT_CONTEXT foreign = *c;

    /* Dispositions outside 1..7 (MicrosoftDocs; Wine cert.c,
     * testAddCert). */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c, 0, &out),
                     FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_ptr_null(out);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(s, c, 8, NULL), FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         NULL, c, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, &foreign, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, NULL, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_uint_eq(count_certs(s), 0);

    /* A read-only store takes nothing. */
    ro = CertOpenStore(sz_CERT_STORE_PROV_MEMORY, 0, 0,
                       CERT_STORE_READONLY_FLAG, NULL);
    ck_assert_ptr_nonnull(ro);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         ro, c, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_ACCESSDENIED);
    ck_assert_int_eq(CertCloseStore(ro, 0), TRUE);

    /* Released once too often: the store's own reference is not given
     * up, the context stays in the store. */
    add(s, &pki.ee_der);
    out = CertEnumCertificatesInStore(s, NULL);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(CertFreeCertificateContext(out), TRUE);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertFreeCertificateContext(out), FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_uint_eq(count_certs(s), 1);

    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
}
END_TEST

/* Threads sharing one store and one context: references, enumeration
 * and search from all of them at once. */
struct shared {
    HCERTSTORE store;
    PCCERT_CONTEXT ctx;
    unsigned failures;
};

static void *
share_worker(void *arg)
{
    struct shared *sh = arg;
    int i;

    for (i = 0; i < 200; i++) {
        PCCERT_CONTEXT d = CertDuplicateCertificateContext(sh->ctx), c;
        unsigned n = 0;

        if (d != sh->ctx)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
        for (c = CertEnumCertificatesInStore(sh->store, NULL); c != NULL;
             c = CertEnumCertificatesInStore(sh->store, c))
            n++;
        if (n != 3 || GetLastError() != (DWORD)CRYPT_E_NOT_FOUND)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
        c = CertFindCertificateInStore(sh->store, X509_ASN_ENCODING, 0,
                                       CERT_FIND_EXISTING, d, NULL);
        if (c == NULL || CertFreeCertificateContext(c) != TRUE
            || CertFreeCertificateContext(d) != TRUE)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

START_TEST(store_threads)
{
    struct shared sh = { memory_store(), NULL, 0 };
    pthread_t t[4];
    size_t i;

    add(sh.store, &pki.ca_der);
    add(sh.store, &pki.ee_der);
    add(sh.store, &pki.rsa_der);
    sh.ctx = CertEnumCertificatesInStore(sh.store, NULL);
    ck_assert_ptr_nonnull(sh.ctx);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, share_worker, &sh), 0);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_uint_eq(sh.failures, 0);
    ck_assert_int_eq(CertFreeCertificateContext(sh.ctx), TRUE);
    ck_assert_int_eq(CertCloseStore(sh.store, CERT_CLOSE_STORE_CHECK_FLAG),
                     TRUE);
}
END_TEST

START_TEST(store_open_close)
{
    HCERTSTORE s;
    PCCERT_CONTEXT c, c2;
    int bogus;

    /* No provider, or an unknown one: ERROR_FILE_NOT_FOUND (Wine store.c,
     * testMemStore). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(0, 0, 0, 0, NULL));
    ck_assert_lasterror(ERROR_FILE_NOT_FOUND);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore("NoSuchProvider", 0, 0, 0, NULL));
    ck_assert_lasterror(ERROR_FILE_NOT_FOUND);
    /* Deleting a memory store: ERROR_CALL_NOT_IMPLEMENTED (same test). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0,
                                     CERT_STORE_DELETE_FLAG, NULL));
    ck_assert_lasterror(ERROR_CALL_NOT_IMPLEMENTED);
    /* Windows providers this library does not implement. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(CERT_STORE_PROV_FILENAME_W, 0, 0, 0,
                                     u"x.sst"));
    ck_assert_lasterror(ERROR_CALL_NOT_IMPLEMENTED);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(sz_CERT_STORE_PROV_COLLECTION, 0, 0, 0,
                                     NULL));
    ck_assert_lasterror(ERROR_CALL_NOT_IMPLEMENTED);
    /* Opening twice gives two stores (Wine store.c, testMemStore). */
    s = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0,
                      CERT_STORE_OPEN_EXISTING_FLAG, NULL);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);

    /* NULL closes; a pointer that is not a store does not. */
    ck_assert_int_eq(CertCloseStore(NULL, 0), TRUE);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(&bogus, 0), FALSE);
    ck_assert_lasterror(E_INVALIDARG);

    /* Contexts outlive the store's handle and keep the store, whole;
     * CERT_CLOSE_STORE_CHECK_FLAG reports them with CRYPT_E_PENDING_CLOSE,
     * and the handle is closed anyway (MicrosoftDocs, CertCloseStore;
     * Wine store.c, testCloseStore). */
    s = memory_store();
    add(s, &pki.ee_der);
    add(s, &pki.ca_der);
    c = CertEnumCertificatesInStore(s, NULL);
    ck_assert_ptr_nonnull(c);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), FALSE);
    ck_assert_lasterror(CRYPT_E_PENDING_CLOSE);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_ptr_eq(c->hCertStore, s);
    ck_assert_uint_eq(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, NULL, 0),
                      sizeof("server.example.test"));
    /* The handle itself is closed: closing it again is refused rather
     * than taken from what the contexts hold. */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(s, 0), FALSE);
    ck_assert_lasterror(E_INVALIDARG);
    /* The store still has both certificates; walking on from a context
     * frees it, as in an open store. */
    ck_assert_uint_eq(count_certs(c->hCertStore), 2);
    c2 = CertDuplicateCertificateContext(c);
    c2 = CertEnumCertificatesInStore(s, c2);
    ck_assert(same_der(c2, &pki.ca_der));
    ck_assert_int_eq(CertFreeCertificateContext(c2), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* The last context given back, the store is gone with it. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(s, NULL));
    ck_assert_lasterror(E_INVALIDARG);

    /* Without the flag the same is TRUE. FORCE frees nothing a caller
     * holds (docs/crypt32.md says why): the store lives on as without
     * it. */
    s = memory_store();
    add(s, &pki.ee_der);
    add(s, &pki.ca_der);
    c = CertEnumCertificatesInStore(s, NULL);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_FORCE_FLAG), TRUE);
    ck_assert_lasterror(0xdeadbeef);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_uint_eq(count_certs(c->hCertStore), 2);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* Nothing held: the store goes at once, and the check flag finds
     * nothing to report. */
    s = memory_store();
    add(s, &pki.ee_der);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_FORCE_FLAG
                                           | CERT_CLOSE_STORE_CHECK_FLAG),
                     TRUE);
}
END_TEST

/* ------------------------------------------------------------------ find */

static HCERTSTORE
three_store(void)
{
    HCERTSTORE s = memory_store();

    add(s, &pki.ca_der);
    add(s, &pki.ee_der);
    add(s, &pki.rsa_der);
    add(s, &pki.odd_der);
    return s;
}

/* How many contexts a search finds, walking with prev. */
static unsigned
find_count(HCERTSTORE s, DWORD enc, DWORD type, const void *para)
{
    PCCERT_CONTEXT c = NULL;
    unsigned n = 0;

    while ((c = CertFindCertificateInStore(s, enc, 0, type, para, c))
           != NULL)
        n++;
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);
    return n;
}

static PCCERT_CONTEXT
find_one(HCERTSTORE s, DWORD type, const void *para)
{
    return CertFindCertificateInStore(s, X509_ASN_ENCODING, 0, type, para,
                                      NULL);
}

START_TEST(find_by_hash_and_name)
{
    HCERTSTORE s = three_store();
    unsigned char sha1[20], md5[16], *der = NULL;
    CRYPT_HASH_BLOB h = { sizeof(sha1), sha1 };
    CERT_NAME_BLOB name;
    CERT_INFO id;
    PCCERT_CONTEXT c, ee;
    int n;

    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_ANY, NULL), 4);

    ck_assert_int_eq(EVP_Digest(pki.ee_der.p, (size_t)pki.ee_der.n, sha1,
                                NULL, EVP_sha1(), NULL),
                     1);
    c = find_one(s, CERT_FIND_SHA1_HASH, &h);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING, CERT_FIND_HASH, &h),
                      1);
    h.cbData = 19;
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING, CERT_FIND_HASH, &h),
                      0);
    ck_assert_int_eq(EVP_Digest(pki.ee_der.p, (size_t)pki.ee_der.n, md5,
                                NULL, EVP_md5(), NULL),
                     1);
    h.cbData = sizeof(md5);
    h.pbData = md5;
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING, CERT_FIND_MD5_HASH,
                                 &h),
                      1);

    /* Exact encoded names (MicrosoftDocs, CERT_FIND_SUBJECT_NAME). */
    n = i2d_X509_NAME(X509_get_subject_name(pki.ee), &der);
    name.cbData = (DWORD)n;
    name.pbData = der;
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_NAME, &name),
                      1);
    /* Restricted to the encoding asked for. */
    ck_assert_uint_eq(find_count(s, PKCS_7_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_NAME, &name),
                      0);
    name.cbData--;
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_NAME, &name),
                      0);
    OPENSSL_free(der);
    der = NULL;
    n = i2d_X509_NAME(X509_get_subject_name(pki.ca), &der);
    name.cbData = (DWORD)n;
    name.pbData = der;
    /* The CA issued itself, the end entity and the RSA certificate. */
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_ISSUER_NAME, &name),
                      3);

    /* Issuer and serial number (CERT_FIND_SUBJECT_CERT). */
    ee = create(&pki.ee_der);
    memset(&id, 0, sizeof(id));
    id.Issuer = ee->pCertInfo->Issuer;
    id.SerialNumber = ee->pCertInfo->SerialNumber;
    c = find_one(s, CERT_FIND_SUBJECT_CERT, &id);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* An exact copy of a context (CERT_FIND_EXISTING). */
    c = find_one(s, CERT_FIND_EXISTING, ee);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_ptr_ne(c, ee);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(ee), TRUE);
    OPENSSL_free(der);
    /* No private keys in a store made from encodings. */
    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL), 0);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);
}
END_TEST

START_TEST(find_by_string)
{
    HCERTSTORE s = three_store();
    PCCERT_CONTEXT c;

    /* A case-insensitive substring of CertNameToStr(CERT_SIMPLE_NAME_STR)
     * (MicrosoftDocs, CERT_FIND_SUBJECT_STR). */
    c = find_one(s, CERT_FIND_SUBJECT_STR_A, "SERVER.example");
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    c = find_one(s, CERT_FIND_SUBJECT_STR_W, u"Tests, Server");
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_STR, u"SSPIGSS"),
                      3);
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_ISSUER_STR_A, "test ca"),
                      3);
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_ISSUER_STR_W, u"no such name"),
                      0);
    /* Letters outside ASCII fold too; the quoted form is what is
     * searched. */
    c = find_one(s, CERT_FIND_SUBJECT_STR_W, u"\u00fcN\u00cfcode \u00e6R");
    ck_assert(same_der(c, &pki.odd_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    c = find_one(s, CERT_FIND_SUBJECT_STR_A, "\"Comma, Inc.\"");
    ck_assert(same_der(c, &pki.odd_der));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* The empty string is in every name. */
    ck_assert_uint_eq(find_count(s, X509_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_STR_A, ""),
                      4);
    /* Strings that are not UTF-8 / UTF-16. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, CERT_FIND_SUBJECT_STR_A, "\xff"));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, CERT_FIND_SUBJECT_STR_W, u"\xd800"));
    ck_assert_lasterror(E_INVALIDARG);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);
}
END_TEST

START_TEST(find_failures)
{
    HCERTSTORE s = three_store(), other = memory_store();
    PCCERT_CONTEXT prev;
    size_t live;

    /* An unknown find type: E_INVALIDARG (MicrosoftDocs); Windows find
     * types this library does not implement say so. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, 0x7fff0000, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, CERT_FIND_ENHKEY_USAGE, NULL));
    ck_assert_lasterror(ERROR_CALL_NOT_IMPLEMENTED);
    /* A search parameter Windows would read through: refused. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, CERT_FIND_SHA1_HASH, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(s, CERT_FIND_SUBJECT_STR_A, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    /* Not a store. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(find_one(&live, CERT_FIND_ANY, NULL));
    ck_assert_lasterror(E_INVALIDARG);

    /* pPrevCertContext is freed even when the call fails (MicrosoftDocs,
     * CertFindCertificateInStore, Remarks). */
    prev = find_one(s, CERT_FIND_ANY, NULL);
    ck_assert_ptr_nonnull(prev);
    live = LIVE_CONTEXTS();
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertFindCertificateInStore(
        s, X509_ASN_ENCODING, 0, 0x7fff0000, NULL, prev));
    ck_assert_lasterror(E_INVALIDARG);
    prev = find_one(s, CERT_FIND_ANY, NULL);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertFindCertificateInStore(
        other, X509_ASN_ENCODING, 0, CERT_FIND_ANY, NULL, prev));
    ck_assert_lasterror(E_INVALIDARG);
    /* Both calls consumed their prev: nothing more is alive than
     * before. */
    ck_assert_uint_eq(LIVE_CONTEXTS(), live);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);
    ck_assert_int_eq(CertCloseStore(other, CERT_CLOSE_STORE_CHECK_FLAG),
                     TRUE);
}
END_TEST

/*
 * A closed store lives while contexts from it are held, in whatever
 * order they are given back: each of them still finds every certificate
 * through its hCertStore, and the last one takes the store (Wine
 * store.c, testCloseStore; MicrosoftDocs, CertCloseStore). The contexts
 * are held the ways a caller comes by them: enumeration, search, and
 * CertAddCertificateContextToStore's ppStoreContext.
 */
START_TEST(store_closed_release_orders)
{
    static const int orders[6][3] = {
        { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
        { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
    };
    size_t stores = LIVE_STORES(), contexts = LIVE_CONTEXTS();
    size_t k;

    for (k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
        HCERTSTORE s = memory_store();
        PCCERT_CONTEXT held[3], e;
        int i, j;

        add(s, &pki.ca_der);
        add(s, &pki.ee_der);
        held[0] = CertEnumCertificatesInStore(s, NULL);
        ck_assert(same_der(held[0], &pki.ca_der));
        e = create(&pki.ee_der);
        held[1] = find_one(s, CERT_FIND_EXISTING, e);
        ck_assert(same_der(held[1], &pki.ee_der));
        ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
        e = create(&pki.rsa_der);
        ck_assert_int_eq(CertAddCertificateContextToStore(
                             s, e, CERT_STORE_ADD_NEW, &held[2]),
                         TRUE);
        ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
        /* One of them twice: a duplicate is one more reference. */
        ck_assert_ptr_eq(CertDuplicateCertificateContext(held[0]), held[0]);
        ck_assert_int_eq(CertFreeCertificateContext(held[0]), TRUE);

        ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
        for (i = 0; i < 3; i++) {
            for (j = i; j < 3; j++) {
                ck_assert_ptr_eq(held[orders[k][j]]->hCertStore, s);
                ck_assert_uint_eq(count_certs(held[orders[k][j]]->hCertStore),
                                  3);
            }
#ifndef CHECK_CRYPT32_SHARED
            ck_assert_uint_eq(LIVE_STORES(), stores + 1);
            ck_assert_uint_eq(LIVE_CONTEXTS(), contexts + 3);
#endif
            ck_assert_int_eq(CertFreeCertificateContext(held[orders[k][i]]),
                             TRUE);
        }
        /* Nothing left of the store or its contexts. */
        ck_assert_uint_eq(LIVE_STORES(), stores);
        ck_assert_uint_eq(LIVE_CONTEXTS(), contexts);
    }
}
END_TEST

/* What else a held context keeps: a store it was replaced out of, and a
 * closed store that is added to through it. */
START_TEST(store_closed_held_context)
{
    size_t stores = LIVE_STORES();
    HCERTSTORE s = memory_store();
    PCCERT_CONTEXT c, e, d = NULL;

    /* Replaced by CERT_STORE_ADD_REPLACE_EXISTING, a context is no longer
     * in the store's list, and still holds the store. */
    add(s, &pki.ee_der);
    c = CertEnumCertificatesInStore(s, NULL);
    e = create(&pki.ee_der);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, e, CERT_STORE_ADD_REPLACE_EXISTING, NULL),
                     TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), FALSE);
    ck_assert_lasterror(CRYPT_E_PENDING_CLOSE);
    ck_assert_uint_eq(count_certs(c->hCertStore), 1);
    e = CertEnumCertificatesInStore(c->hCertStore, NULL);
    ck_assert_ptr_ne(e, c);
    ck_assert(same_der(e, &pki.ee_der));
    ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
#ifndef CHECK_CRYPT32_SHARED
    ck_assert_uint_eq(LIVE_STORES(), stores + 1);
#endif
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_uint_eq(LIVE_STORES(), stores);

    /* A closed store is alive, so it can be added to through a held
     * context's hCertStore (no Windows record of this was found; Windows
     * keeps the store object, so it is allowed). */
    s = memory_store();
    add(s, &pki.ca_der);
    c = CertEnumCertificatesInStore(s, NULL);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    e = create(&pki.ee_der);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         c->hCertStore, e, CERT_STORE_ADD_NEW, &d),
                     TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
    ck_assert_ptr_eq(d->hCertStore, s);
    add(c->hCertStore, &pki.rsa_der);
    ck_assert_uint_eq(count_certs(c->hCertStore), 3);
    /* The added context holds the store as well as the first one. */
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_uint_eq(count_certs(d->hCertStore), 3);
    ck_assert_uint_eq(find_count(d->hCertStore, X509_ASN_ENCODING,
                                 CERT_FIND_SUBJECT_STR_A, "Test CA"),
                      1);
    ck_assert_int_eq(CertFreeCertificateContext(d), TRUE);
    ck_assert_uint_eq(LIVE_STORES(), stores);
}
END_TEST

/* Threads each holding a context of a store that is closed under them,
 * walking and searching it through hCertStore before and after the close
 * (each a number of times of its own once it has seen the close), and
 * giving their context back at different times; the last one takes the
 * store. */
struct closing {
    pthread_barrier_t start;
    HCERTSTORE store;
    bool closed;
    unsigned failures;
};

struct closing_arg {
    struct closing *sh;
    PCCERT_CONTEXT ctx;
    int rounds;
};

static void *
closing_worker(void *arg)
{
    struct closing_arg *a = arg;
    struct closing *sh = a->sh;
    int after = 0;

    pthread_barrier_wait(&sh->start);
    while (after < a->rounds) {
        PCCERT_CONTEXT c, f;
        unsigned n = 0;

        if (__atomic_load_n(&sh->closed, __ATOMIC_ACQUIRE))
            after++;
        if (a->ctx->hCertStore != sh->store)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
        for (c = CertEnumCertificatesInStore(a->ctx->hCertStore, NULL);
             c != NULL; c = CertEnumCertificatesInStore(a->ctx->hCertStore,
                                                        c))
            n++;
        if (n != 3 || GetLastError() != (DWORD)CRYPT_E_NOT_FOUND)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
        f = CertFindCertificateInStore(a->ctx->hCertStore, X509_ASN_ENCODING,
                                       0, CERT_FIND_EXISTING, a->ctx, NULL);
        if (f != a->ctx || CertFreeCertificateContext(f) != TRUE)
            __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
    }
    if (CertFreeCertificateContext(a->ctx) != TRUE)
        __atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
    return NULL;
}

START_TEST(store_closed_threads)
{
    size_t i, stores = LIVE_STORES();
    struct closing sh = { .store = memory_store() };
    struct closing_arg args[6];
    pthread_t t[6];
    PCCERT_CONTEXT c = NULL;

    add(sh.store, &pki.ca_der);
    add(sh.store, &pki.ee_der);
    add(sh.store, &pki.rsa_der);
    ck_assert_int_eq(pthread_barrier_init(&sh.start, NULL, 7), 0);
    for (i = 0; i < 6; i++) {
        /* Two threads on each context, each with a reference of its own. */
        if (i % 2 == 0)
            c = CertEnumCertificatesInStore(sh.store, c);
        ck_assert_ptr_nonnull(c);
        args[i].sh = &sh;
        args[i].ctx = CertDuplicateCertificateContext(c);
        args[i].rounds = 30 * (int)(i + 1);
        ck_assert_int_eq(pthread_create(&t[i], NULL, closing_worker,
                                        &args[i]),
                         0);
    }
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* The handle is closed while the threads are at work. */
    pthread_barrier_wait(&sh.start);
    ck_assert_int_eq(CertCloseStore(sh.store, 0), TRUE);
    __atomic_store_n(&sh.closed, true, __ATOMIC_RELEASE);
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_int_eq(pthread_barrier_destroy(&sh.start), 0);
    ck_assert_uint_eq(sh.failures, 0);
    ck_assert_uint_eq(LIVE_STORES(), stores);
}
END_TEST

/* ---------------------------------------------------------- name strings */

/* CertGetNameStringA and W agree, in UTF-8 and UTF-16, with the sizes of
 * each; returns the A string (static). */
static const char *
name_a(PCCERT_CONTEXT c, DWORD type, DWORD flags, void *para)
{
    static char a[512];
    WCHAR w[512];
    DWORD na, nw, i;
    size_t units = 0;

    na = CertGetNameStringA(c, type, flags, para, NULL, 0);
    ck_assert_uint_ge(na, 1);
    ck_assert_uint_le(na, sizeof(a));
    ck_assert_uint_eq(CertGetNameStringA(c, type, flags, para, a, na), na);
    ck_assert_uint_eq(a[na - 1], 0);
    nw = CertGetNameStringW(c, type, flags, para, NULL, 0);
    ck_assert_uint_eq(CertGetNameStringW(c, type, flags, para, w, nw), nw);
    ck_assert_uint_eq(w[nw - 1], 0);
    /* The same text (the test names are in the BMP): decode the UTF-8
     * and compare code point by code unit. */
    for (i = 0; i < na; units++) {
        unsigned char b = (unsigned char)a[i];
        uint32_t cp = b;
        DWORD more = b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;

        if (more > 0)
            cp &= more == 2 ? 0x0F : 0x1F;
        for (i++; more > 0; more--, i++)
            cp = (cp << 6) | ((unsigned char)a[i] & 0x3F);
        ck_assert_uint_lt(units, nw);
        ck_assert_uint_eq(w[units], cp);
    }
    ck_assert_uint_eq(units, nw);
    return a;
}

START_TEST(name_string_types)
{
    PCCERT_CONTEXT ee = create(&pki.ee_der), ca = create(&pki.ca_der);
    PCCERT_CONTEXT rsa = create(&pki.rsa_der);
    DWORD str;

    ck_assert_str_eq(name_a(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL),
                     "server.example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_FRIENDLY_DISPLAY_TYPE, 0, NULL),
                     "server.example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                            CERT_NAME_ISSUER_FLAG, NULL),
                     "sspigss Test CA");
    ck_assert_str_eq(name_a(ee, CERT_NAME_ATTR_TYPE, 0,
                            (void *)szOID_COMMON_NAME),
                     "server.example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_ATTR_TYPE, 0,
                            (void *)szOID_ORGANIZATIONAL_UNIT_NAME),
                     "Tests");
    ck_assert_str_eq(name_a(ee, CERT_NAME_ATTR_TYPE, CERT_NAME_ISSUER_FLAG,
                            (void *)szOID_ORGANIZATION_NAME),
                     "sspigss");
    /* Absent: the empty string, count 1 (Wine str.c, szOID_SUR_NAME). */
    ck_assert_str_eq(name_a(ee, CERT_NAME_ATTR_TYPE, 0,
                            (void *)szOID_SUR_NAME),
                     "");
    /* No OID: the email address, else the common name (Wine str.c). */
    ck_assert_str_eq(name_a(ee, CERT_NAME_ATTR_TYPE, 0, NULL),
                     "admin@example.test");
    ck_assert_str_eq(name_a(rsa, CERT_NAME_ATTR_TYPE, 0, NULL),
                     "rsa.example.test");

    /* DNS: the first dNSName, else the CN; the issuer flag reads the
     * issuer alternative name (Wine str.c, cert_v3). */
    ck_assert_str_eq(name_a(ee, CERT_NAME_DNS_TYPE, 0, NULL),
                     "server.example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_DNS_TYPE, CERT_NAME_ISSUER_FLAG,
                            NULL),
                     "ca.example.test");
    ck_assert_str_eq(name_a(rsa, CERT_NAME_DNS_TYPE, 0, NULL),
                     "rsa.example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_EMAIL_TYPE, 0, NULL),
                     "admin@example.test");
    ck_assert_str_eq(name_a(ee, CERT_NAME_URL_TYPE, 0, NULL),
                     "https://server.example.test/");
    ck_assert_str_eq(name_a(ee, CERT_NAME_UPN_TYPE, 0, NULL),
                     "user@example.test");
    ck_assert_str_eq(name_a(rsa, CERT_NAME_URL_TYPE, 0, NULL), "");

    /* RDN: CertNameToStr's forms; no type (or 0) is the simple one
     * (Wine str.c, test_CertGetNameString and test_CertNameToStrA). */
    ck_assert_str_eq(name_a(ee, CERT_NAME_RDN_TYPE, 0, NULL),
                     "US, sspigss, Tests, server.example.test, "
                     "admin@example.test");
    str = 0;
    ck_assert_str_eq(name_a(ca, CERT_NAME_RDN_TYPE, 0, &str),
                     "US, sspigss, sspigss Test CA");
    str = CERT_OID_NAME_STR;
    ck_assert_str_eq(name_a(ca, CERT_NAME_RDN_TYPE, 0, &str),
                     "2.5.4.6=US, 2.5.4.10=sspigss, 2.5.4.3=sspigss Test CA");
    str = CERT_X500_NAME_STR;
    ck_assert_str_eq(name_a(ee, CERT_NAME_RDN_TYPE, 0, &str),
                     "C=US, O=sspigss, OU=Tests, CN=server.example.test, "
                     "E=admin@example.test");
    str = CERT_X500_NAME_STR | CERT_NAME_STR_SEMICOLON_FLAG
          | CERT_NAME_STR_REVERSE_FLAG;
    ck_assert_str_eq(name_a(ca, CERT_NAME_RDN_TYPE, 0, &str),
                     "CN=sspigss Test CA; O=sspigss; C=US");
    str = CERT_SIMPLE_NAME_STR | CERT_NAME_STR_CRLF_FLAG;
    ck_assert_str_eq(name_a(ca, CERT_NAME_RDN_TYPE, CERT_NAME_ISSUER_FLAG,
                            &str),
                     "US\r\nsspigss\r\nsspigss Test CA");

    /* The list form: every dNSName, each NUL-terminated, and one more
     * NUL; any other type gives the empty string (MicrosoftDocs; Wine
     * str.c). */
    {
        char a[64];
        DWORD n = CertGetNameStringA(ee, CERT_NAME_DNS_TYPE,
                                     CERT_NAME_SEARCH_ALL_NAMES_FLAG, NULL,
                                     a, sizeof(a));

        ck_assert_uint_eq(n, sizeof("server.example.test\0"
                                    "*.alt.example.test\0"));
        ck_assert_mem_eq(a, "server.example.test\0*.alt.example.test\0",
                         n);
        n = CertGetNameStringA(rsa, CERT_NAME_DNS_TYPE,
                               CERT_NAME_SEARCH_ALL_NAMES_FLAG, NULL, a,
                               sizeof(a));
        ck_assert_uint_eq(n, sizeof("rsa.example.test\0"));
        ck_assert_mem_eq(a, "rsa.example.test\0", n);
        ck_assert_str_eq(name_a(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                CERT_NAME_SEARCH_ALL_NAMES_FLAG, NULL),
                         "");
    }
    ck_assert_int_eq(CertFreeCertificateContext(ee), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(ca), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(rsa), TRUE);
}
END_TEST

START_TEST(name_string_quoting_and_unicode)
{
    PCCERT_CONTEXT odd = create(&pki.odd_der);
    WCHAR w[64];
    DWORD str, n;

    /* Quoting and a two-valued RDN (MicrosoftDocs, CertNameToStr; Wine
     * str.c, test_quoted_RDN). */
    ck_assert_str_eq(name_a(odd, CERT_NAME_RDN_TYPE, 0, NULL),
                     "\"Comma, Inc.\", \" padded\" + Somewhere, "
                     "\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8");
    str = CERT_X500_NAME_STR | CERT_NAME_STR_NO_QUOTING_FLAG;
    ck_assert_str_eq(name_a(odd, CERT_NAME_RDN_TYPE, 0, &str),
                     "O=Comma, Inc., OU= padded+ L=Somewhere, "
                     "CN=\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8");
    str = CERT_SIMPLE_NAME_STR | CERT_NAME_STR_NO_PLUS_FLAG;
    ck_assert_str_eq(name_a(odd, CERT_NAME_RDN_TYPE, 0, &str),
                     "\"Comma, Inc.\", \" padded\" Somewhere, "
                     "\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8");
    /* A is UTF-8 (11 characters, 15 bytes), W is UTF-16. */
    ck_assert_str_eq(name_a(odd, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL),
                     "\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8");
    n = CertGetNameStringW(odd, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, w,
                           64);
    ck_assert_uint_eq(n, 12);
    ck_assert_mem_eq(w, u"\u00dcn\u00efcode \u00c6r\u00f8",
                     12 * sizeof(WCHAR));
    ck_assert_uint_eq(CertGetNameStringA(odd, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                         0, NULL, NULL, 0),
                      16);
    /* No alternative names: the DNS name is the CN. */
    ck_assert_str_eq(name_a(odd, CERT_NAME_DNS_TYPE, 0, NULL),
                     "\xc3\x9cn\xc3\xaf" "code \xc3\x86r\xc3\xb8");
    ck_assert_int_eq(CertFreeCertificateContext(odd), TRUE);
}
END_TEST

START_TEST(name_string_sizes)
{
    PCCERT_CONTEXT ee = create(&pki.ee_der);
    static const char want[] = "server.example.test";
    const DWORD len = sizeof(want);
    char a[64];
    WCHAR w[64];
    CERT_CONTEXT foreign = *ee;
    DWORD n;

    /* The count includes the NUL; a NULL buffer or a size of 0 asks for
     * it (MicrosoftDocs; Wine str.c, test_CertGetNameString_value). */
    ck_assert_uint_eq(CertGetNameStringA(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, NULL, 0),
                      len);
    ck_assert_uint_eq(CertGetNameStringA(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, NULL, len - 1),
                      len);
    memset(a, 0xcc, sizeof(a));
    ck_assert_uint_eq(CertGetNameStringA(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, a, 0),
                      len);
    ck_assert_uint_eq((unsigned char)a[0], 0xcc);
    ck_assert_uint_eq(CertGetNameStringW(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, NULL, 0),
                      len);
    /* Too small: A gives 1 and an empty string, the rest of the text left
     * behind the NUL; W gives what fits, NUL-terminated. */
    memset(a, 0xcc, sizeof(a));
    n = CertGetNameStringA(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, a,
                           len - 1);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(a[0], 0);
    ck_assert_mem_eq(a + 1, want + 1, len - 2);
    memset(w, 0xcc, sizeof(w));
    n = CertGetNameStringW(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, w,
                           len - 1);
    ck_assert_uint_eq(n, len - 1);
    ck_assert_uint_eq(w[len - 2], 0);
    ck_assert_uint_eq(w[0], 's');
    ck_assert_uint_eq(w[len - 3], want[len - 3]);
    n = CertGetNameStringW(ee, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, w, 1);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(w[0], 0);
    /* The list form cut short keeps its two NULs. */
    n = CertGetNameStringW(ee, CERT_NAME_DNS_TYPE,
                           CERT_NAME_SEARCH_ALL_NAMES_FLAG, NULL, w, 10);
    ck_assert_uint_eq(n, 10);
    ck_assert_uint_eq(w[7], 'e');
    ck_assert_uint_eq(w[8], 0);
    ck_assert_uint_eq(w[9], 0);

    /* No context, a foreign one, an unknown type: the empty string,
     * count 1 (Wine str.c). */
    memset(a, 0xcc, sizeof(a));
    ck_assert_uint_eq(CertGetNameStringA(NULL, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                         0, NULL, a, sizeof(a)),
                      1);
    ck_assert_uint_eq(a[0], 0);
    ck_assert_uint_eq(CertGetNameStringW(NULL, 0, 0, NULL, NULL, 0), 1);
    ck_assert_uint_eq(CertGetNameStringA(&foreign,
                                         CERT_NAME_SIMPLE_DISPLAY_TYPE, 0,
                                         NULL, NULL, 0),
                      1);
    memset(w, 0xcc, sizeof(w));
    ck_assert_uint_eq(CertGetNameStringW(ee, 0, 0, NULL, w, 64), 1);
    ck_assert_uint_eq(w[0], 0);
    ck_assert_uint_eq(CertGetNameStringA(ee, 99, 0, NULL, NULL, 0), 1);
    ck_assert_int_eq(CertFreeCertificateContext(ee), TRUE);
}
END_TEST

/* -------------------------------------------------------------- PKCS #12 */

static HCERTSTORE
pfx(const struct blob *b, LPCWSTR password, DWORD flags)
{
    CRYPT_DATA_BLOB blob = { (DWORD)b->n, b->p };

    return PFXImportCertStore(&blob, password, flags);
}

START_TEST(pfx_import)
{
    HCERTSTORE s;
    PCCERT_CONTEXT c;

    /* The end entity with its key first, then the CA (Wine store.c,
     * test_PFXImportCertStore: the contexts are in the returned store,
     * X509_ASN_ENCODING). */
    s = pfx(&pki.p12_pw, p12_password, CRYPT_EXPORTABLE | CRYPT_USER_KEYSET);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 2);
    c = CertEnumCertificatesInStore(s, NULL);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_ptr_eq(c->hCertStore, s);
    ck_assert_uint_eq(c->dwCertEncodingType, X509_ASN_ENCODING);
#ifndef CHECK_CRYPT32_SHARED
    ck_assert_ptr_nonnull(crypt32_private_key(c));
    ck_assert_int_eq(EVP_PKEY_eq(crypt32_private_key(c), pki.ee_key), 1);
#endif
    c = CertEnumCertificatesInStore(s, c);
    ck_assert(same_der(c, &pki.ca_der));
#ifndef CHECK_CRYPT32_SHARED
    ck_assert_ptr_null(crypt32_private_key(c));
#endif
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    /* The key goes along when the context is added to another store. */
    c = find_one(s, CERT_FIND_HAS_PRIVATE_KEY, NULL);
    ck_assert(same_der(c, &pki.ee_der));
    {
        HCERTSTORE m = memory_store();

        ck_assert_int_eq(CertAddCertificateContextToStore(
                             m, c, CERT_STORE_ADD_NEW, NULL),
                         TRUE);
        ck_assert_uint_eq(find_count(m, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL),
                          1);
        ck_assert_int_eq(CertCloseStore(m, CERT_CLOSE_STORE_CHECK_FLAG),
                         TRUE);
    }
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);

    /* PKCS12_ONLY_CERTIFICATES leaves the key out. */
    s = pfx(&pki.p12_pw, p12_password, PKCS12_ONLY_CERTIFICATES);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL), 0);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);

    /* Empty and absent passwords are different in PKCS #12; NULL and ""
     * each open both kinds of file. */
    s = pfx(&pki.p12_empty, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL), 1);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    s = pfx(&pki.p12_empty, u"", 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    s = pfx(&pki.p12_null, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL), 1);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    s = pfx(&pki.p12_null, u"", 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
}
END_TEST

/*
 * A server ported from Windows imports its PFX, finds its certificate,
 * closes the store and only then gives the certificate to
 * AcquireCredentialsHandle, which finds the chain to send in the
 * certificate's hCertStore: the closed store still has every certificate
 * of the PFX while the certificate is held (MicrosoftDocs,
 * CertCloseStore), and goes with it.
 */
START_TEST(pfx_store_closed_first)
{
    size_t stores = LIVE_STORES();
    HCERTSTORE s = pfx(&pki.p12_pw, p12_password, 0);
    PCCERT_CONTEXT leaf, e;

    ck_assert_ptr_nonnull(s);
    leaf = find_one(s, CERT_FIND_HAS_PRIVATE_KEY, NULL);
    ck_assert(same_der(leaf, &pki.ee_der));
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);

    ck_assert_ptr_eq(leaf->hCertStore, s);
    e = CertEnumCertificatesInStore(leaf->hCertStore, NULL);
    ck_assert_ptr_eq(e, leaf);
    e = CertEnumCertificatesInStore(leaf->hCertStore, e);
    ck_assert(same_der(e, &pki.ca_der));
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertEnumCertificatesInStore(leaf->hCertStore, e));
    ck_assert_lasterror(CRYPT_E_NOT_FOUND);
    /* The issuer, searched by name. */
    e = CertFindCertificateInStore(leaf->hCertStore, X509_ASN_ENCODING, 0,
                                   CERT_FIND_SUBJECT_NAME,
                                   &leaf->pCertInfo->Issuer, NULL);
    ck_assert(same_der(e, &pki.ca_der));
    ck_assert_int_eq(CertFreeCertificateContext(e), TRUE);
#ifndef CHECK_CRYPT32_SHARED
    {
        /* What the Schannel package makes the chain of. */
        STACK_OF(X509) *all = crypt32_store_certs(leaf);

        ck_assert_ptr_nonnull(all);
        ck_assert_int_eq(sk_X509_num(all), 2);
        ck_assert_int_eq(X509_cmp(sk_X509_value(all, 0), pki.ee), 0);
        ck_assert_int_eq(X509_cmp(sk_X509_value(all, 1), pki.ca), 0);
        sk_X509_pop_free(all, X509_free);
        ck_assert_ptr_nonnull(crypt32_private_key(leaf));
    }
    ck_assert_uint_eq(LIVE_STORES(), stores + 1);
#endif
    ck_assert_int_eq(CertFreeCertificateContext(leaf), TRUE);
    ck_assert_uint_eq(LIVE_STORES(), stores);

    /* With CERT_CLOSE_STORE_CHECK_FLAG the held certificate is reported
     * (Wine store.c, testCloseStore), and the store lives on all the
     * same. */
    s = pfx(&pki.p12_pw, p12_password, 0);
    ck_assert_ptr_nonnull(s);
    leaf = find_one(s, CERT_FIND_HAS_PRIVATE_KEY, NULL);
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), FALSE);
    ck_assert_lasterror(CRYPT_E_PENDING_CLOSE);
    ck_assert_uint_eq(count_certs(leaf->hCertStore), 2);
    ck_assert_int_eq(CertFreeCertificateContext(leaf), TRUE);
    ck_assert_uint_eq(LIVE_STORES(), stores);
}
END_TEST

/*
 * A PFX without a MAC (openssl pkcs12 -nomac, PKCS12_create with
 * mac_iter -1) protects its bags with the password alone: the right one
 * imports it, a wrong one is ERROR_INVALID_PASSWORD (found by
 * fuzz_crypt32: OpenSSL's PKCS12_parse refuses a password for a PFX
 * without a MAC).
 */
START_TEST(pfx_import_without_mac)
{
    STACK_OF(X509) *cas = sk_X509_new_null();
    struct blob b = { NULL, 0 };
    CRYPT_DATA_BLOB blob;
    HCERTSTORE st;
    PCCERT_CONTEXT c;
    PKCS12 *p12;

    ck_assert_ptr_nonnull(cas);
    p12 = PKCS12_create("nomac-pw", "sspigss test", pki.ee_key, pki.ee,
                        cas, 0, 0, 0, -1, 0);
    ck_assert_ptr_nonnull(p12);
    ck_assert(!PKCS12_mac_present(p12));
    b.n = i2d_PKCS12(p12, &b.p);
    ck_assert_int_gt(b.n, 0);
    PKCS12_free(p12);
    sk_X509_free(cas);
    blob.pbData = b.p;
    blob.cbData = (DWORD)b.n;

    st = PFXImportCertStore(&blob, u"nomac-pw", 0);
    ck_assert_ptr_nonnull(st);
    c = CertFindCertificateInStore(st, X509_ASN_ENCODING, 0,
                                   CERT_FIND_HAS_PRIVATE_KEY, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert(CertFreeCertificateContext(c));
    ck_assert(CertCloseStore(st, 0));
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(PFXImportCertStore(&blob, u"wrong", 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    OPENSSL_free(b.p);
}
END_TEST

/* A PFX made with the given iteration counts (cheap ones: the counts are
 * written over afterwards, without deriving anything; the MAC no longer
 * verifies, which the limits are checked before). */
static struct blob
pfx_with_counts(long mac_iter, long key_iter)
{
    STACK_OF(X509) *cas = sk_X509_new_null();
    struct blob b = { NULL, 0 };
    const ASN1_INTEGER *iter = NULL;
    PKCS12 *p12;

    ck_assert_ptr_nonnull(cas);
    p12 = PKCS12_create("count-pw", "sspigss test", pki.ee_key, pki.ee, cas,
                        0, 0, key_iter, 2, 0);
    ck_assert_ptr_nonnull(p12);
    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
    ck_assert_ptr_nonnull(iter);
    ck_assert_int_eq(ASN1_INTEGER_set((ASN1_INTEGER *)iter, mac_iter), 1);
    b.n = i2d_PKCS12(p12, &b.p);
    ck_assert_int_gt(b.n, 0);
    PKCS12_free(p12);
    sk_X509_free(cas);
    return b;
}

/*
 * Key derivation a PFX asks for is bounded (lib/api_crypt32.c): a MAC
 * asking for 5 million iterations, or 2^31 - 1, is refused as
 * CRYPT_E_BAD_ENCODE at once, before any derivation; a file inside the
 * limits imports (its MAC, rewritten, then fails to verify: the
 * password's code).
 */
START_TEST(pfx_iteration_limits)
{
    static const long too_many[] = { 5000000, 2147483647, 2000001 };
    CRYPT_DATA_BLOB blob;
    struct blob b;
    size_t i;

    for (i = 0; i < sizeof(too_many) / sizeof(too_many[0]); i++) {
        b = pfx_with_counts(too_many[i], 1);
        blob.pbData = b.p;
        blob.cbData = (DWORD)b.n;
        SetLastError(0xdeadbeef);
        ck_assert_ptr_null(PFXImportCertStore(&blob, u"count-pw", 0));
        ck_assert_lasterror(CRYPT_E_BAD_ENCODE);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "iterations"));
        OPENSSL_free(b.p);
    }
    /* Within the limits: no refusal for the counts (the rewritten MAC
     * does not verify, so the password's code). */
    b = pfx_with_counts(2048, 1);
    blob.pbData = b.p;
    blob.cbData = (DWORD)b.n;
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(PFXImportCertStore(&blob, u"count-pw", 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    OPENSSL_free(b.p);
}
END_TEST

START_TEST(pfx_import_failures)
{
    static const BYTE junk[] = { 0x30, 0x03, 0x02, 0x01, 0x03 };
    CRYPT_DATA_BLOB blob = { sizeof(junk), (BYTE *)junk };

    /* No blob: ERROR_INVALID_PARAMETER (Wine store.c,
     * test_PFXImportCertStore). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(PFXImportCertStore(NULL, NULL, 0));
    ck_assert_lasterror(ERROR_INVALID_PARAMETER);
    /* The wrong password, or none for a protected file:
     * ERROR_INVALID_PASSWORD. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(pfx(&pki.p12_pw, u"wrong", 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(pfx(&pki.p12_pw, NULL, 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(pfx(&pki.p12_empty, u"x", 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(pfx(&pki.p12_pw, u"\xdc00", 0));
    ck_assert_lasterror(ERROR_INVALID_PASSWORD);
    /* Not a PFX: CRYPT_E_BAD_ENCODE. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(PFXImportCertStore(&blob, NULL, 0));
    ck_assert_lasterror(CRYPT_E_BAD_ENCODE);
    blob.cbData = 0;
    blob.pbData = NULL;
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(PFXImportCertStore(&blob, NULL, 0));
    ck_assert_lasterror(CRYPT_E_BAD_ENCODE);
    ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* --------------------------------------------------------- system stores */

static char tmpdir[64];

static void
write_pem(const char *dir, const char *name, X509 *a, X509 *b,
          EVP_PKEY *key)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    if (key != NULL)
        ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
                                              NULL),
                         1);
    if (a != NULL)
        ck_assert_int_eq(PEM_write_X509(f, a), 1);
    if (b != NULL)
        ck_assert_int_eq(PEM_write_X509(f, b), 1);
    ck_assert_int_eq(fclose(f), 0);
}

static void
write_bytes(const char *dir, const char *name, const void *p, size_t n)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static void
remove_tree(const char *dir, const char *const *names)
{
    char path[256];

    for (; *names != NULL; names++) {
        snprintf(path, sizeof(path), "%s/%s", dir, *names);
        unlink(path);
    }
    rmdir(dir);
}

START_TEST(system_store_root)
{
    char dir[128], file[128], hash[32];
    const char *names[] = { "", "notahash.pem", NULL, NULL };
    HCERTSTORE s;
    PCCERT_CONTEXT c;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_crypt32.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    /* The bundle: CA and RSA certificate; the hashed directory: the CA
     * again (kept once) and a file OpenSSL would not read there. */
    snprintf(file, sizeof(file), "%s/bundle.pem", tmpdir);
    write_pem(tmpdir, "bundle.pem", pki.ca, pki.rsa, NULL);
    snprintf(dir, sizeof(dir), "%s/certs", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(hash, sizeof(hash), "%08lx.0", X509_subject_name_hash(pki.ca));
    names[0] = hash;
    write_pem(dir, hash, pki.ca, NULL, NULL);
    write_pem(dir, "notahash.pem", pki.ee, NULL, NULL);
    ck_assert_int_eq(setenv("SSL_CERT_FILE", file, 1), 0);
    ck_assert_int_eq(setenv("SSL_CERT_DIR", dir, 1), 0);

    s = CertOpenSystemStoreA(0, "ROOT");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 2);
    c = CertEnumCertificatesInStore(s, NULL);
    ck_assert(same_der(c, &pki.ca_der));
    /* Read-only. */
    SetLastError(0xdeadbeef);
    ck_assert_int_eq(CertAddCertificateContextToStore(
                         s, c, CERT_STORE_ADD_ALWAYS, NULL),
                     FALSE);
    ck_assert_lasterror(E_ACCESSDENIED);
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);

    /* The same through CertOpenSystemStoreW and CertOpenStore, names
     * compared without case. */
    s = CertOpenSystemStoreW(0, u"Root");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 2);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    s = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                      CERT_SYSTEM_STORE_CURRENT_USER, u"root");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 2);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);

    /* Missing trust locations make an empty store. */
    ck_assert_int_eq(setenv("SSL_CERT_FILE", "/nonexistent/file", 1), 0);
    ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent:", 1), 0);
    s = CertOpenSystemStoreA(0, "ROOT");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 0);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);

    remove_tree(dir, names);
    {
        const char *top[] = { "bundle.pem", NULL };

        remove_tree(tmpdir, top);
    }
}
END_TEST

START_TEST(system_store_my)
{
    const char *names[] = { "ee.pem", "rsa.p12", "junk.txt", ".hidden.pem",
                            "ca.crt", NULL };
    HCERTSTORE s;
    PCCERT_CONTEXT c;
    char a[64];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_crypt32.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    /* Key and certificate in one PEM file, a PKCS #12 file without a
     * password, a certificate alone in DER, and files to skip. */
    write_pem(tmpdir, "ee.pem", pki.ee, NULL, pki.ee_key);
    write_bytes(tmpdir, "rsa.p12", pki.p12_rsa.p, (size_t)pki.p12_rsa.n);
    write_bytes(tmpdir, "ca.crt", pki.ca_der.p, (size_t)pki.ca_der.n);
    write_bytes(tmpdir, "junk.txt", "not a certificate", 17);
    write_pem(tmpdir, ".hidden.pem", pki.odd, NULL, NULL);
    ck_assert_int_eq(setenv("SSPIGSS_CERT_STORE_MY", tmpdir, 1), 0);

    s = CertOpenSystemStoreW(0, u"MY");
    ck_assert_ptr_nonnull(s);
    /* In file name order: ca.crt, ee.pem, rsa.p12. */
    ck_assert_uint_eq(count_certs(s), 3);
    ck_assert_uint_eq(find_count(s, 0, CERT_FIND_HAS_PRIVATE_KEY, NULL), 2);
    c = find_one(s, CERT_FIND_SUBJECT_STR_A, "server.example.test");
    ck_assert(same_der(c, &pki.ee_der));
#ifndef CHECK_CRYPT32_SHARED
    ck_assert_int_eq(EVP_PKEY_eq(crypt32_private_key(c), pki.ee_key), 1);
#endif
    ck_assert_uint_gt(CertGetNameStringA(c, CERT_NAME_DNS_TYPE, 0, NULL, a,
                                         sizeof(a)),
                      1);
    ck_assert_str_eq(a, "server.example.test");
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    c = find_one(s, CERT_FIND_SUBJECT_STR_W, u"rsa.example");
    ck_assert(same_der(c, &pki.rsa_der));
#ifndef CHECK_CRYPT32_SHARED
    ck_assert_int_eq(EVP_PKEY_eq(crypt32_private_key(c), pki.rsa_key), 1);
#endif
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertCloseStore(s, CERT_CLOSE_STORE_CHECK_FLAG), TRUE);

    /* Not set: an empty "MY". */
    ck_assert_int_eq(unsetenv("SSPIGSS_CERT_STORE_MY"), 0);
    s = CertOpenSystemStoreA(0, "my");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 0);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    remove_tree(tmpdir, names);
}
END_TEST

START_TEST(system_store_names)
{
    HCERTSTORE s;

    /* A name is required (Wine store.c, testCertOpenSystemStore). */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenSystemStoreW(0, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenSystemStoreA(0, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0,
                                     CERT_SYSTEM_STORE_CURRENT_USER, NULL));
    ck_assert_lasterror(E_INVALIDARG);
    /* "CA" exists and is empty; an unknown name opens as a new, empty
     * store unless it must exist: ERROR_FILE_NOT_FOUND (Wine store.c,
     * testSystemStore). */
    s = CertOpenSystemStoreA(0, "CA");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 0);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    /* The provider by name ("System" takes a UTF-16 name). */
    s = CertOpenStore(sz_CERT_STORE_PROV_SYSTEM, 0, 0,
                      CERT_SYSTEM_STORE_CURRENT_USER, u"ca");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    s = CertOpenSystemStoreW(0, u"Bogus");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(count_certs(s), 0);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenStore(
        CERT_STORE_PROV_SYSTEM_W, 0, 0,
        CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_OPEN_EXISTING_FLAG,
        u"Bogus"));
    ck_assert_lasterror(ERROR_FILE_NOT_FOUND);
    s = CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0,
                      CERT_SYSTEM_STORE_CURRENT_USER
                          | CERT_STORE_OPEN_EXISTING_FLAG,
                      "CA");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(CertCloseStore(s, 0), TRUE);
    /* Names that are not UTF-8 / UTF-16. */
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenSystemStoreA(0, "\xc3"));
    ck_assert_lasterror(E_INVALIDARG);
    SetLastError(0xdeadbeef);
    ck_assert_ptr_null(CertOpenSystemStoreW(0, u"\xd800X"));
    ck_assert_lasterror(E_INVALIDARG);
}
END_TEST

/* ------------------------------------------------- the internal interface */

#ifndef CHECK_CRYPT32_SHARED
START_TEST(internal_interface)
{
    PCCERT_CONTEXT c, created = create(&pki.ca_der);
    CERT_CONTEXT foreign;
    size_t live = crypt32_live_contexts();

    /* A context for an OpenSSL certificate and key, sharing both. */
    c = crypt32_from_x509(pki.ee, pki.ee_key);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(crypt32_live_contexts(), live + 1);
    ck_assert(crypt32_is_context(c));
    ck_assert_ptr_eq(crypt32_x509(c), pki.ee);
    ck_assert_ptr_eq(crypt32_private_key(c), pki.ee_key);
    ck_assert(same_der(c, &pki.ee_der));
    ck_assert_uint_eq(c->dwCertEncodingType, X509_ASN_ENCODING);
    ck_assert_ptr_eq(c->hCertStore, created->hCertStore);
    ck_assert_str_eq(name_a(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL),
                     "server.example.test");
    /* Contexts from encodings have no key. */
    ck_assert_ptr_nonnull(crypt32_x509(created));
    ck_assert_ptr_null(crypt32_private_key(created));

    /* Not ours, NULL, freed: refused without being read. */
    foreign = *c;
    ck_assert(!crypt32_is_context(&foreign));
    ck_assert_ptr_null(crypt32_x509(&foreign));
    ck_assert_ptr_null(crypt32_private_key(&foreign));
    ck_assert(!crypt32_is_context(NULL));
    ck_assert_ptr_null(crypt32_x509(NULL));
    ck_assert_ptr_null(crypt32_from_x509(NULL, NULL));

    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert(!crypt32_is_context(c));
    ck_assert_ptr_null(crypt32_x509(c));
    /* The caller's references were never taken over. */
    ck_assert_ptr_nonnull(X509_get_subject_name(pki.ee));
    c = crypt32_from_x509(pki.rsa, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(crypt32_private_key(c));
    ck_assert_int_eq(CertFreeCertificateContext(c), TRUE);
    ck_assert_int_eq(CertFreeCertificateContext(created), TRUE);
}
END_TEST
#endif

static Suite *
crypt32_suite(void)
{
    Suite *s = suite_create("crypt32");
    TCase *tc;

    tc = tcase_create("contexts");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_add_test(tc, context_fields);
    tcase_add_test(tc, context_rsa_and_sign_byte);
    tcase_add_test(tc, context_create_failures);
    tcase_add_test(tc, context_reference_counting);
#ifndef CHECK_CRYPT32_SHARED
    tcase_add_test(tc, internal_interface);
#endif
    suite_add_tcase(s, tc);

    tc = tcase_create("stores");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_add_test(tc, store_add_and_enumerate);
    tcase_add_test(tc, store_add_failures);
    tcase_add_test(tc, store_open_close);
    tcase_add_test(tc, store_closed_release_orders);
    tcase_add_test(tc, store_closed_held_context);
    tcase_add_test(tc, find_by_hash_and_name);
    tcase_add_test(tc, find_by_string);
    tcase_add_test(tc, find_failures);
    tcase_add_test(tc, system_store_root);
    tcase_add_test(tc, system_store_my);
    tcase_add_test(tc, system_store_names);
    suite_add_tcase(s, tc);

    /* The tests that start threads, in a TCase of their own: the
     * ThreadSanitizer pass of ./quickstart test runs only these
     * (CK_RUN_CASE=threads). */
    tc = tcase_create("threads");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_add_test(tc, store_threads);
    tcase_add_test(tc, store_closed_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_add_test(tc, name_string_types);
    tcase_add_test(tc, name_string_quoting_and_unicode);
    tcase_add_test(tc, name_string_sizes);
    suite_add_tcase(s, tc);

    tc = tcase_create("pkcs12");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_add_test(tc, pfx_import);
    tcase_add_test(tc, pfx_import_failures);
    tcase_add_test(tc, pfx_import_without_mac);
    tcase_add_test(tc, pfx_iteration_limits);
    tcase_add_test(tc, pfx_store_closed_first);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(crypt32_suite());
}
