/*
 * certcred.c - find a smart card's (or a file's) certificate by the
 * SHA-1 hash a marshaled CertCredential carries, and the PKINIT identity
 * MIT Kerberos reads it from.
 *
 * Windows looks the hash up in the user's "MY" store, which lists the
 * certificates of inserted smart cards ([ms] CredMarshalCredentialW:
 * "CertCredential: the certificate's SHA-1 hash"; Microsoft, "Smart Card
 * Logon": the card's certificate in the MY store). Here the "cards" are
 * PKCS#11 tokens, read with the token's own module (dlopen), and the
 * personal file store of docs/crypt32.md. Only public objects are read
 * (certificates), so no PIN is needed to find one; MIT's PKINIT logs in
 * with the PIN later, through the krb5 responder (krb_creds.c).
 */
#include "setup.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <p11-kit/pkcs11.h>

#include "der.h"
#include "certcred.h"
#include "internal.h"

/* configure names p11-kit's proxy module; builds without it (the fuzz
 * targets) look for it by name. */
#ifndef SSPIGSS_P11KIT_PROXY
#define SSPIGSS_P11KIT_PROXY "p11-kit-proxy.so"
#endif

void
certcred_clear(struct certcred *c)
{
    free(c->identity);
    free(c->principal);
    c->identity = NULL;
    c->principal = NULL;
}

/* ------------------------------------------------- names in certificates */


/* Append n bytes of text to a growing string; false on failure. */
static bool
append(char **s, size_t *len, const void *p, size_t n)
{
    char *t = realloc(*s, *len + n + 1);

    if (t == NULL)
        return false;
    memcpy(t + *len, p, n);
    *len += n;
    t[*len] = '\0';
    *s = t;
    return true;
}

/*
 * KRB5PrincipalName ::= SEQUENCE { realm [0] Realm, principalName [1]
 * PrincipalName } (RFC 4556 3.2.2), PrincipalName ::= SEQUENCE {
 * name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }:
 * "comp/comp@REALM", or NULL.
 */
static char *
krb5_principal_name(const unsigned char *p, size_t n)
{
    struct der d = { p, p + n }, seq, realm, rs, pn, pseq, nt, ns, nss, c;
    char *s = NULL;
    size_t len = 0;
    bool first = true;

    if (!der_take(&d, 0x30, &seq) || !der_take(&seq, 0xa0, &realm)
        || !der_take(&realm, 0x1b, &rs) || !der_take(&seq, 0xa1, &pn)
        || !der_take(&pn, 0x30, &pseq) || !der_take(&pseq, 0xa0, &nt)
        || !der_take(&pseq, 0xa1, &ns) || !der_take(&ns, 0x30, &nss))
        return NULL;
    while (nss.p < nss.end) {
        if (!der_take(&nss, 0x1b, &c)
            || memchr(c.p, '\0', (size_t)(c.end - c.p)) != NULL
            || (!first && !append(&s, &len, "/", 1))
            || !append(&s, &len, c.p, (size_t)(c.end - c.p))) {
            free(s);
            return NULL;
        }
        first = false;
    }
    if (s == NULL || memchr(rs.p, '\0', (size_t)(rs.end - rs.p)) != NULL
        || !append(&s, &len, "@", 1)
        || !append(&s, &len, rs.p, (size_t)(rs.end - rs.p))) {
        free(s);
        return NULL;
    }
    return s;
}

char *
certcred_principal(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    GENERAL_NAMES *names;
    ASN1_OBJECT *pkinit_san = NULL, *upn = NULL;
    char *found = NULL, *from_upn = NULL;
    int i;

    if (x == NULL)
        return NULL;
    names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    pkinit_san = OBJ_txt2obj("1.3.6.1.5.2.2", 1);
    upn = OBJ_txt2obj("1.3.6.1.4.1.311.20.2.3", 1);
    for (i = 0; names != NULL && pkinit_san != NULL && upn != NULL
         && i < sk_GENERAL_NAME_num(names) && found == NULL; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        ASN1_OBJECT *oid;
        ASN1_TYPE *v;

        if (!GENERAL_NAME_get0_otherName(g, &oid, &v))
            continue;
        if (OBJ_cmp(oid, pkinit_san) == 0
            && v->type == V_ASN1_SEQUENCE) {
            found = krb5_principal_name(v->value.sequence->data,
                                        (size_t)v->value.sequence->length);
        } else if (OBJ_cmp(oid, upn) == 0 && v->type == V_ASN1_UTF8STRING
                   && from_upn == NULL) {
            const char *u = (const char *)v->value.utf8string->data;
            int ulen = v->value.utf8string->length;
            const char *at = memchr(u, '@', (size_t)ulen);

            /* user@domain: the realm is the domain upper-cased (MS-KILE
             * 3.1.1.2). */
            if (at != NULL && at != u && at + 1 < u + ulen
                && memchr(u, '\0', (size_t)ulen) == NULL
                && (from_upn = strndup(u, (size_t)ulen)) != NULL) {
                char *q;

                for (q = from_upn + (at - u); *q != '\0'; q++)
                    if (*q >= 'a' && *q <= 'z')
                        *q = (char)(*q - 'a' + 'A');
            }
        }
    }
    if (found == NULL) {
        found = from_upn;
        from_upn = NULL;
    }
    free(from_upn);
    ASN1_OBJECT_free(pkinit_san);
    ASN1_OBJECT_free(upn);
    GENERAL_NAMES_free(names);
    X509_free(x);
    return found;
}

static bool
hash_is(const unsigned char *der, size_t len,
        const unsigned char hash[CERTCRED_HASH_LEN])
{
    unsigned char md[SHA_DIGEST_LENGTH];

    return SHA1(der, len, md) != NULL
           && memcmp(md, hash, CERTCRED_HASH_LEN) == 0;
}

/* ------------------------------------------------------------- PKCS#11 */

/*
 * Look in every token of module. Returns SEC_E_OK with *found set (and
 * out filled) or clear; SEC_E_INSUFFICIENT_MEMORY. A module that cannot
 * be loaded or read is traced and passed over.
 */
static SECURITY_STATUS
find_pkcs11(const char *module, const unsigned char hash[CERTCRED_HASH_LEN],
            struct certcred *out, bool *found)
{
    CK_C_GetFunctionList get_list;
    CK_FUNCTION_LIST_PTR f = NULL;
    CK_C_INITIALIZE_ARGS args;
    CK_SLOT_ID *slots = NULL;
    CK_ULONG nslots = 0, i;
    CK_RV rv;
    SECURITY_STATUS st = SEC_E_OK;
    bool initialized = false;
    void *dl;

    *found = false;
    dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        trace_cause("certificate logon: PKCS#11 module %s: %s", module,
                    dlerror());
        return SEC_E_OK;
    }
    *(void **)&get_list = dlsym(dl, "C_GetFunctionList");
    if (get_list == NULL || get_list(&f) != CKR_OK || f == NULL) {
        trace_cause("certificate logon: %s is no PKCS#11 module", module);
        goto out;
    }
    /* Threads of the caller may use the library at once: the module's
     * own locking, as MIT's PKINIT asks for it too. */
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = f->C_Initialize(&args);
    if (rv == CKR_OK)
        initialized = true;
    else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        trace_cause("certificate logon: %s: C_Initialize: 0x%lx", module,
                    (unsigned long)rv);
        goto out;
    }
    if (f->C_GetSlotList(CK_TRUE, NULL, &nslots) != CKR_OK || nslots == 0)
        goto out;
    slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL) {
        st = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    if (f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
        goto out;
    for (i = 0; i < nslots && !*found && st == SEC_E_OK; i++) {
        CK_SESSION_HANDLE s;
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };
        CK_OBJECT_HANDLE obj;
        CK_ULONG count = 0;

        if (f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s)
            != CKR_OK)
            continue;
        if (f->C_FindObjectsInit(s, &tmpl, 1) != CKR_OK) {
            f->C_CloseSession(s);
            continue;
        }
        while (!*found && st == SEC_E_OK
               && f->C_FindObjects(s, &obj, 1, &count) == CKR_OK
               && count == 1) {
            CK_ATTRIBUTE a[2] = { { CKA_VALUE, NULL, 0 },
                                  { CKA_ID, NULL, 0 } };
            unsigned char *id;
            char *ident;
            size_t len, k;

            if (f->C_GetAttributeValue(s, obj, a, 2) != CKR_OK
                || a[0].ulValueLen == 0
                || a[0].ulValueLen == (CK_ULONG)-1
                || a[1].ulValueLen == (CK_ULONG)-1
                || a[1].ulValueLen > 256)
                continue;
            a[0].pValue = malloc(a[0].ulValueLen);
            a[1].pValue = malloc(a[1].ulValueLen + 1);
            if (a[0].pValue == NULL || a[1].pValue == NULL) {
                free(a[0].pValue);
                free(a[1].pValue);
                st = SEC_E_INSUFFICIENT_MEMORY;
                break;
            }
            if (f->C_GetAttributeValue(s, obj, a, 2) == CKR_OK
                && hash_is(a[0].pValue, a[0].ulValueLen, hash)) {
                /* PKCS11:module_name=M:slotid=N:certid=HEX (MIT's
                 * pkinit_identity.c reads certid in hexadecimal). */
                len = strlen(module) + 64 + 2 * a[1].ulValueLen;
                ident = malloc(len);
                if (ident == NULL) {
                    st = SEC_E_INSUFFICIENT_MEMORY;
                } else {
                    size_t at;

                    at = (size_t)snprintf(ident, len,
                                          "PKCS11:module_name=%s:slotid=%lu",
                                          module, (unsigned long)slots[i]);
                    if (a[1].ulValueLen > 0)
                        at += (size_t)snprintf(ident + at, len - at,
                                               ":certid=");
                    id = a[1].pValue;
                    for (k = 0; k < a[1].ulValueLen; k++)
                        at += (size_t)snprintf(ident + at, len - at, "%02x",
                                               id[k]);
                    out->identity = ident;
                    out->principal = certcred_principal(a[0].pValue,
                                                        a[0].ulValueLen);
                    *found = true;
                }
            }
            free(a[0].pValue);
            free(a[1].pValue);
        }
        f->C_FindObjectsFinal(s);
        f->C_CloseSession(s);
    }
out:
    free(slots);
    if (initialized)
        f->C_Finalize(NULL);
    dlclose(dl);
    return st;
}

/* --------------------------------------------------------- file store */

/*
 * Look in the personal file store (docs/crypt32.md: PEM files with the
 * certificate and its key, PKCS #12 files without a password). The
 * identity names the file: FILE:path (MIT reads the key from the same
 * file) or PKCS12:path.
 */
static SECURITY_STATUS
find_files(const char *dir, const unsigned char hash[CERTCRED_HASH_LEN],
           struct certcred *out, bool *found)
{
    struct dirent **ents = NULL;
    SECURITY_STATUS st = SEC_E_OK;
    int n, i;

    *found = false;
    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        trace_cause("certificate logon: the file store %s cannot be read",
                    dir);
        return SEC_E_OK;
    }
    for (i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t nl = strlen(name);
        bool p12 = nl > 4 && (strcasecmp(name + nl - 4, ".p12") == 0
                              || strcasecmp(name + nl - 4, ".pfx") == 0);
        char path[4096];
        STACK_OF(X509) *certs = NULL;
        X509 *x = NULL;
        BIO *b;


        if (*found || st != SEC_E_OK || name[0] == '.')
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name)
            >= sizeof(path))
            continue;
        b = BIO_new_file(path, "rb");
        if (b == NULL)
            continue;
        if (p12) {
            PKCS12 *pk = d2i_PKCS12_bio(b, NULL);
            EVP_PKEY *key = NULL;

            if (pk != NULL && (PKCS12_parse(pk, "", &key, &x, &certs)
                               || PKCS12_parse(pk, NULL, &key, &x, &certs))) {
                EVP_PKEY_free(key);
            }
            PKCS12_free(pk);
        } else {
            x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        }
        BIO_free(b);
        /* The certificate that goes with the key (a PEM file's first). */
        if (x != NULL) {
            unsigned char *der = NULL;
            int len = i2d_X509(x, &der);

            if (len > 0 && hash_is(der, (size_t)len, hash)) {
                size_t il = strlen(path) + 8;

                out->identity = malloc(il);
                if (out->identity == NULL) {
                    st = SEC_E_INSUFFICIENT_MEMORY;
                } else {
                    snprintf(out->identity, il, "%s:%s",
                             p12 ? "PKCS12" : "FILE", path);
                    out->principal = certcred_principal(der, (size_t)len);
                    *found = true;
                }
            }
            OPENSSL_free(der);
        }
        X509_free(x);
        sk_X509_pop_free(certs, X509_free);
    }
    for (i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    return st;
}

SECURITY_STATUS
certcred_find(const unsigned char hash[CERTCRED_HASH_LEN],
              struct certcred *out)
{
    const char *module = secure_getenv("SSPIGSS_PKCS11_MODULE");
    const char *dir = secure_getenv("SSPIGSS_CERT_STORE_MY");
    SECURITY_STATUS st;
    bool found = false;
    char hex[2 * CERTCRED_HASH_LEN + 1];
    int i;

    memset(out, 0, sizeof(*out));
    if (module == NULL || module[0] == '\0')
        module = SSPIGSS_P11KIT_PROXY;
    st = find_pkcs11(module, hash, out, &found);
    if (st == SEC_E_OK && !found && dir != NULL && dir[0] != '\0')
        st = find_files(dir, hash, out, &found);
    for (i = 0; i < CERTCRED_HASH_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    if (st != SEC_E_OK) {
        certcred_clear(out);
        return st;
    }
    if (!found) {
        trace_cause("certificate logon: no certificate with SHA-1 hash %s "
                    "in the PKCS#11 module %s%s%s -> SEC_E_NO_CREDENTIALS",
                    hex, module, dir != NULL ? " or the file store " : "",
                    dir != NULL ? dir : "");
        return SEC_E_NO_CREDENTIALS;
    }
    if (trace_enabled())
        trace_printf("certificate logon: certificate %s is %s (%s)", hex,
                     out->identity,
                     out->principal != NULL ? out->principal : "no name");
    return SEC_E_OK;
}
