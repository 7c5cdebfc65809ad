/*
 * fuzz_crypt32.c - libFuzzer target: the crypt32 subset's parsers of
 * untrusted bytes (lib/api_crypt32.c): CertCreateCertificateContext on
 * arbitrary DER and PFXImportCertStore on arbitrary PKCS #12 blobs, then
 * CertGetNameStringA/W of every type on what they accept. Certificates
 * reach the library's DER walks (serial number, algorithm identifiers,
 * public key bits, extensions), OpenSSL's X.509 and PKCS #12 decoders,
 * and the name formatting (RDN strings, quoting, alternative names, UPN,
 * the UTF-16 size protocol).
 *
 * Input: byte 0 chooses the call, the rest is the blob.
 *   bit 0  0: CertCreateCertificateContext(X509_ASN_ENCODING, blob);
 *          1: PFXImportCertStore(blob, password)
 *   bit 1  (PFX) no password (NULL) instead of L"fuzz-pw"
 *   bit 2  (PFX) PKCS12_ONLY_CERTIFICATES
 * The blob is its own exact-size copy, so ASan sees any read past it.
 *
 * Seeds (fuzz/corpus/crypt32/), made once with the openssl command line
 * and an EC key (openssl ecparam -name prime256v1 -genkey -noout):
 *   cert-*  byte 00, then a DER certificate, `openssl req -x509 -new
 *           -outform DER`: cert-rich (a subject with quoting characters
 *           and an email address; DNS, email, URI, IP, directoryName and
 *           UPN otherName alternative names, key usages), cert-multirdn-
 *           t61 (CN+OU in one RDN, a T61String; string_mask nombstr),
 *           cert-bmp (a BMPString; string_mask pkix), cert-emptysubj
 *           (-subj "/" and a directoryName), cert-nul-in-cn (cert-rich
 *           as the fuzzer left it: NULs in the CN, alternative names
 *           that no longer decode);
 *   pfx-*   byte 01 (03: no password), then `openssl pkcs12 -export
 *           -passout pass:fuzz-pw` of the key and cert-rich: pfx-default,
 *           pfx-iter1 (-iter 1 -nomaciter: quick to fuzz),
 *           pfx-3des-chain (-certpbe and -keypbe PBE-SHA1-3DES,
 *           -macalg sha1, cert-bmp as -certfile), pfx-nomac (-nomac),
 *           pfx-nokeys-plain (cert-bmp, -nokeys -certpbe NONE),
 *           pfx-emptypw (-passout pass:).
 *
 * What must hold: a refused blob gives NULL and a GetLastError() code
 * docs/crypt32.md lists for the call; an accepted certificate's context
 * holds exactly the bytes given and sits in the shared empty store, and
 * a memory store it is added to finds it again by subject name, by
 * issuer and serial number, and by its subject as a string; each
 * certificate of an imported PFX decodes again through
 * CertCreateCertificateContext; CertGetNameString follows Windows' size
 * protocol (the count always includes the NUL(s); a second call with a
 * buffer of that count returns the same count and fills it; a buffer one
 * too small gives the A form's empty string and the W form's truncated
 * text) and the W string is the A string in UTF-16; every context and
 * store is gone afterwards (crypt32_live_contexts/stores), and no memory
 * leaks.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypt32.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PFX 0x01
#define NO_PASSWORD 0x02
#define ONLY_CERTS 0x04

/* The Win32 last error (lib/api_crypt32.c; GetLastError() of
 * <windows.h> reads it). */
extern _Thread_local DWORD sspigss_compat_last_error;

static const WCHAR password[] = { 'f', 'u', 'z', 'z', '-', 'p', 'w', 0 };

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_crypt32: %s (last error 0x%08X; %s)\n", what,
            (unsigned)sspigss_compat_last_error, sspigss_last_error());
    abort();
}

/* ---------------------------------------------------------------- names */

/* The CertGetNameString calls made on every accepted certificate. */
static const DWORD rdn_simple = CERT_SIMPLE_NAME_STR;
static const DWORD rdn_x500 = CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG;
static const DWORD rdn_oid = CERT_OID_NAME_STR | CERT_NAME_STR_SEMICOLON_FLAG
                             | CERT_NAME_STR_NO_QUOTING_FLAG;
static const DWORD rdn_crlf = CERT_X500_NAME_STR | CERT_NAME_STR_CRLF_FLAG
                              | CERT_NAME_STR_NO_PLUS_FLAG;

static const struct {
    DWORD type;
    const void *para;
} name_calls[] = {
    { CERT_NAME_EMAIL_TYPE, NULL },
    { CERT_NAME_RDN_TYPE, NULL },
    { CERT_NAME_RDN_TYPE, &rdn_simple },
    { CERT_NAME_RDN_TYPE, &rdn_x500 },
    { CERT_NAME_RDN_TYPE, &rdn_oid },
    { CERT_NAME_RDN_TYPE, &rdn_crlf },
    { CERT_NAME_ATTR_TYPE, NULL },
    { CERT_NAME_ATTR_TYPE, szOID_COMMON_NAME },
    { CERT_NAME_ATTR_TYPE, szOID_ORGANIZATIONAL_UNIT_NAME },
    { CERT_NAME_SIMPLE_DISPLAY_TYPE, NULL },
    { CERT_NAME_FRIENDLY_DISPLAY_TYPE, NULL },
    { CERT_NAME_DNS_TYPE, NULL },
    { CERT_NAME_URL_TYPE, NULL },
    { CERT_NAME_UPN_TYPE, NULL },
};

static const DWORD name_flags[] = {
    0,
    CERT_NAME_ISSUER_FLAG,
    CERT_NAME_DISABLE_IE4_UTF8_FLAG,
    CERT_NAME_SEARCH_ALL_NAMES_FLAG,
};

/*
 * Whether the W result is the A result in UTF-16: both are NUL-separated
 * lists (one name and its NUL, in the simple case), compared name by
 * name (utf16_to_utf8 takes no NULs).
 */
static bool
same_text(const char *a, size_t na, const WCHAR *w, size_t nw)
{
    size_t ia = 0, iw = 0;

    while (ia < na && iw < nw) {
        size_t la = strlen(a + ia), lw = 0, n8;
        char *back = NULL;
        bool same;

        while (w[iw + lw] != 0)
            lw++;
        if (lw == 0) {
            same = la == 0;
        } else {
            same = utf16_to_utf8(w + iw, lw, &back, &n8) == SEC_E_OK
                   && n8 == la && memcmp(back, a + ia, la) == 0;
            free(back);
        }
        if (!same)
            return false;
        ia += la + 1;
        iw += lw + 1;
    }
    return ia == na && iw == nw;
}

/*
 * One name, A then W, with the checks of the size protocol; the W string
 * converted back to UTF-8 must be the A string (a list compared name by
 * name: both are NUL-separated).
 */
static void
one_name(PCCERT_CONTEXT ctx, DWORD type, DWORD flags, const void *para)
{
    bool multi = (flags & CERT_NAME_SEARCH_ALL_NAMES_FLAG) != 0
                 && type == CERT_NAME_DNS_TYPE;
    DWORD na, nw, got;
    char *a;
    WCHAR *w;

    na = CertGetNameStringA(ctx, type, flags, (void *)para, NULL, 0);
    nw = CertGetNameStringW(ctx, type, flags, (void *)para, NULL, 0);
    if (na < 1 || nw < 1 || nw > na)
        fail("CertGetNameString sizes");
    a = malloc(na);
    w = malloc(nw * sizeof(*w));
    if (a == NULL || w == NULL)
        abort();
    got = CertGetNameStringA(ctx, type, flags, (void *)para, a, na);
    if (got != na || a[na - 1] != '\0'
        || (!multi && strlen(a) != na - 1)
        || (multi && na > 1 && a[na - 2] != '\0'))
        fail("CertGetNameStringA with the size it asked for");
    got = CertGetNameStringW(ctx, type, flags, (void *)para, w, nw);
    if (got != nw || w[nw - 1] != 0
        || (multi && nw > 1 && w[nw - 2] != 0))
        fail("CertGetNameStringW with the size it asked for");
    if (!same_text(a, na, w, nw))
        fail("CertGetNameStringW is not CertGetNameStringA in UTF-16");
    /* One unit short: A gives "" and 1, W the text cut to fit. */
    if (na > 1) {
        got = CertGetNameStringA(ctx, type, flags, (void *)para, a, na - 1);
        if (got != 1 || a[0] != '\0')
            fail("CertGetNameStringA with a buffer too small");
    }
    if (nw > 1) {
        got = CertGetNameStringW(ctx, type, flags, (void *)para, w, nw - 1);
        if (got != nw - 1 || w[nw - 2] != 0)
            fail("CertGetNameStringW with a buffer too small");
    }
    free(a);
    free(w);
}

static void
all_names(PCCERT_CONTEXT ctx)
{
    size_t i, j;

    for (i = 0; i < sizeof(name_calls) / sizeof(name_calls[0]); i++)
        for (j = 0; j < sizeof(name_flags) / sizeof(name_flags[0]); j++)
            one_name(ctx, name_calls[i].type, name_flags[j],
                     name_calls[i].para);
}

/* ------------------------------------------------------------ contexts */

/* A blob of CERT_INFO: no length without bytes. */
static void
check_blob(DWORD cb, const BYTE *pb, const char *what)
{
    if (cb > 0 && pb == NULL)
        fail(what);
}

static void
check_context(PCCERT_CONTEXT ctx)
{
    const CERT_INFO *ci = ctx->pCertInfo;
    DWORD i;

    if (ctx->pbCertEncoded == NULL || ctx->cbCertEncoded == 0
        || ci == NULL || ctx->hCertStore == NULL)
        fail("context fields");
    check_blob(ci->SerialNumber.cbData, ci->SerialNumber.pbData, "serial");
    check_blob(ci->Issuer.cbData, ci->Issuer.pbData, "issuer");
    check_blob(ci->Subject.cbData, ci->Subject.pbData, "subject");
    check_blob(ci->SignatureAlgorithm.Parameters.cbData,
               ci->SignatureAlgorithm.Parameters.pbData, "sigalg");
    check_blob(ci->SubjectPublicKeyInfo.PublicKey.cbData,
               ci->SubjectPublicKeyInfo.PublicKey.pbData, "key");
    if (ci->SubjectPublicKeyInfo.PublicKey.cUnusedBits > 7)
        fail("unused bits");
    if (ci->cExtension > 0 && ci->rgExtension == NULL)
        fail("extensions");
    for (i = 0; i < ci->cExtension; i++)
        check_blob(ci->rgExtension[i].Value.cbData,
                   ci->rgExtension[i].Value.pbData, "extension");
}

/*
 * The context in a memory store: added once (a second CERT_STORE_ADD_NEW
 * is CRYPT_E_EXISTS), then found again by its subject name, by its
 * issuer and serial number, and by its subject as a string.
 */
static void
find_again(PCCERT_CONTEXT ctx)
{
    static const BYTE empty_name[] = { 0x30, 0x00 };
    const CERT_NAME_BLOB *subject = &ctx->pCertInfo->Subject;
    PCCERT_CONTEXT in = NULL, found;
    HCERTSTORE store;
    DWORD n;

    store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    if (store == NULL
        || !CertAddCertificateContextToStore(store, ctx, CERT_STORE_ADD_NEW,
                                             &in)
        || in == NULL || in == ctx)
        fail("CertAddCertificateContextToStore");
    if (CertAddCertificateContextToStore(store, ctx, CERT_STORE_ADD_NEW,
                                         NULL)
        || sspigss_compat_last_error != (DWORD)CRYPT_E_EXISTS)
        fail("CertAddCertificateContextToStore: added twice");
    found = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                       CERT_FIND_SUBJECT_NAME, subject,
                                       NULL);
    if (found != in)
        fail("CERT_FIND_SUBJECT_NAME does not find the certificate");
    CertFreeCertificateContext(found);
    found = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                       CERT_FIND_SUBJECT_CERT,
                                       ctx->pCertInfo, NULL);
    if (found != in)
        fail("CERT_FIND_SUBJECT_CERT does not find the certificate");
    CertFreeCertificateContext(found);
    /* The simple string of a subject (an empty one stands for an
     * alternative name in CertGetNameString, not in the search). */
    if (subject->cbData != sizeof(empty_name)
        || memcmp(subject->pbData, empty_name, sizeof(empty_name)) != 0) {
        WCHAR *w;

        n = CertGetNameStringW(ctx, CERT_NAME_RDN_TYPE, 0, NULL, NULL, 0);
        w = malloc(n * sizeof(*w));
        if (w == NULL)
            abort();
        CertGetNameStringW(ctx, CERT_NAME_RDN_TYPE, 0, NULL, w, n);
        found = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                           CERT_FIND_SUBJECT_STR_W, w, NULL);
        free(w);
        if (found != in)
            fail("CERT_FIND_SUBJECT_STR_W does not find the certificate");
        CertFreeCertificateContext(found);
    }
    CertFreeCertificateContext(in);
    if (!CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG))
        fail("CertCloseStore");
}

/* A certificate blob: refused with an ASN.1 code, or a context of
 * exactly these bytes in the empty store of contexts in no store. */
static void
one_certificate(const BYTE *der, DWORD len)
{
    PCCERT_CONTEXT ctx;
    DWORD err;

    sspigss_compat_last_error = 0;
    ctx = CertCreateCertificateContext(X509_ASN_ENCODING, der, len);
    if (ctx == NULL) {
        err = sspigss_compat_last_error;
        if (err != (DWORD)CRYPT_E_ASN1_EOD
            && err != (DWORD)CRYPT_E_ASN1_BADTAG
            && err != (DWORD)CRYPT_E_ASN1_CORRUPT
            && err != ERROR_NOT_ENOUGH_MEMORY)
            fail("CertCreateCertificateContext: not a documented code");
        return;
    }
    if (sspigss_compat_last_error != 0)
        fail("CertCreateCertificateContext succeeded with a last error");
    check_context(ctx);
    if (ctx->cbCertEncoded != len || memcmp(ctx->pbCertEncoded, der, len)
        || ctx->dwCertEncodingType != X509_ASN_ENCODING)
        fail("the context is not the certificate given");
    /* The shared store of contexts in no store is always empty. */
    if (CertEnumCertificatesInStore(ctx->hCertStore, NULL) != NULL
        || sspigss_compat_last_error != (DWORD)CRYPT_E_NOT_FOUND)
        fail("the store of a context in no store is not empty");
    all_names(ctx);
    find_again(ctx);
    if (CertDuplicateCertificateContext(ctx) != ctx
        || !CertFreeCertificateContext(ctx)
        || !CertFreeCertificateContext(ctx))
        fail("duplicate and free");
}

/* A PFX blob: refused with a documented code, or a store whose every
 * certificate decodes again on its own. */
static void
one_pfx(const BYTE *blob, DWORD len, unsigned mode)
{
    CRYPT_DATA_BLOB pfx = { len, (BYTE *)blob };
    PCCERT_CONTEXT ctx = NULL, again;
    HCERTSTORE store;
    DWORD err;

    sspigss_compat_last_error = 0;
    store = PFXImportCertStore(&pfx, (mode & NO_PASSWORD) ? NULL : password,
                               (mode & ONLY_CERTS) ? PKCS12_ONLY_CERTIFICATES
                                                   : 0);
    if (store == NULL) {
        err = sspigss_compat_last_error;
        if (err != (DWORD)CRYPT_E_BAD_ENCODE && err != ERROR_INVALID_PASSWORD
            && err != ERROR_NOT_ENOUGH_MEMORY)
            fail("PFXImportCertStore: not a documented code");
        return;
    }
    while ((ctx = CertEnumCertificatesInStore(store, ctx)) != NULL) {
        check_context(ctx);
        if (ctx->hCertStore != store)
            fail("a context of the PFX in another store");
        if ((mode & ONLY_CERTS) && crypt32_private_key(ctx) != NULL)
            fail("a private key with PKCS12_ONLY_CERTIFICATES");
        again = CertCreateCertificateContext(X509_ASN_ENCODING,
                                             ctx->pbCertEncoded,
                                             ctx->cbCertEncoded);
        if (again == NULL)
            fail("a certificate of the PFX does not decode again");
        CertFreeCertificateContext(again);
        all_names(ctx);
    }
    if (sspigss_compat_last_error != (DWORD)CRYPT_E_NOT_FOUND)
        fail("CertEnumCertificatesInStore ended without CRYPT_E_NOT_FOUND");
    /* Every context given back: the check flag finds none held. */
    if (!CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG))
        fail("CertCloseStore");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BYTE *blob;
    size_t len;

    if (size < 1)
        return 0;
    len = size - 1;
    blob = malloc(len ? len : 1);
    if (blob == NULL)
        abort();
    memcpy(blob, data + 1, len);
    if (data[0] & PFX)
        one_pfx(blob, (DWORD)len, data[0]);
    else
        one_certificate(blob, (DWORD)len);
    free(blob);
    if (crypt32_live_contexts() != 0 || crypt32_live_stores() != 0)
        fail("a context or store outlives the input");
    return 0;
}
