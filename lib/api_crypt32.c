/*
 * crypt32.c - the crypt32 subset of <sspigss/wincrypt.h> over OpenSSL 3:
 * certificate contexts, memory and system stores, PKCS #12 import and
 * certificate name strings.
 *
 * Objects. A certificate context is a struct cert_ctx whose first member
 * is the CERT_CONTEXT handed out; a store is a struct cert_store, and its
 * address is its HCERTSTORE. While they live, both are recorded in
 * address tables, so a pointer a caller passes in is checked before it
 * is read (crypt32.h). One global lock guards the tables and every
 * reference count; each store has a lock of its own for its list of
 * contexts, taken before the global lock, never while holding it. (A
 * store whose last reference is gone has its list read under the global
 * lock alone: nothing can reach that list any more.)
 *
 * Lifetimes, as on Windows. CertCloseStore "closes a certificate store
 * handle and reduces the reference count on the store", and contexts
 * callers hold "remain valid" (MicrosoftDocs sdk-api,
 * nf-wincrypt-certclosestore.md): the store object, with every
 * certificate in it, lives on while anything still refers to it, so a
 * held context's hCertStore can still be enumerated and searched (Wine
 * dlls/crypt32/tests/store.c, testCloseStore: a context or another
 * handle still held makes CERT_CLOSE_STORE_CHECK_FLAG report
 * CRYPT_E_PENDING_CLOSE, while contexts given back before the close do
 * not; testCollectionStore: a closed store's certificates are still
 * found through a collection that refers to it). So a store is kept
 * alive by its open handle and by each of its contexts that has a
 * reference, and dies when the last of those goes, taking its list with
 * it. A context is kept alive by its references (callers', and a call's
 * own for its length) and by being in its store's list; only a context
 * with a reference holds its store, never the list, or the store and its
 * list would keep each other alive for ever. Contexts made outside any
 * store (CertCreateCertificateContext, crypt32_from_x509) all name one
 * static, always empty store, as on Windows (Wine
 * dlls/crypt32/tests/cert.c, testCreateCert and testDupCert: such a
 * context has a store, the same for all of them, and enumerating it
 * finds nothing).
 *
 * Errors. A failing call sets the Win32 last error that GetLastError() of
 * <windows.h> (compat/) reads, and records the reason for SSPIGSS_TRACE
 * and sspigss_last_error(). Success leaves the last error alone, as
 * Windows does. Each code cites Microsoft's documentation (MicrosoftDocs
 * sdk-api, sdk-api-src/content/wincrypt/) or Wine's crypt32 tests, which
 * were recorded on Windows.
 */
#include "setup.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypt32.h"
#include "internal.h"

/* ------------------------------------------------------------ last error */

/*
 * The value GetLastError()/SetLastError() of <windows.h> (compat/) read
 * and write: one thread-local variable for the whole program. That header
 * gives each program that includes it a weak definition; a program's own
 * definition wins at link time and is exported, so this one is interposed
 * and the library writes the variable the program reads. (A program that
 * loads the library with dlopen and was not linked with -rdynamic keeps
 * two copies; docs/crypt32.md says so.)
 */
extern _Thread_local DWORD sspigss_compat_last_error;
SSPIGSS_EXPORT _Thread_local DWORD sspigss_compat_last_error;

/* Names of the codes this file sets, for the trace. */
static const struct {
    DWORD code;
    const char *name;
} error_names[] = {
    { ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND" },
    { ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY" },
    { ERROR_INVALID_PASSWORD, "ERROR_INVALID_PASSWORD" },
    { ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER" },
    { ERROR_CALL_NOT_IMPLEMENTED, "ERROR_CALL_NOT_IMPLEMENTED" },
    { (DWORD)E_ACCESSDENIED, "E_ACCESSDENIED" },
    { (DWORD)E_INVALIDARG, "E_INVALIDARG" },
    { (DWORD)CRYPT_E_BAD_ENCODE, "CRYPT_E_BAD_ENCODE" },
    { (DWORD)CRYPT_E_NOT_FOUND, "CRYPT_E_NOT_FOUND" },
    { (DWORD)CRYPT_E_EXISTS, "CRYPT_E_EXISTS" },
    { (DWORD)CRYPT_E_PENDING_CLOSE, "CRYPT_E_PENDING_CLOSE" },
    { (DWORD)CRYPT_E_ASN1_EOD, "CRYPT_E_ASN1_EOD" },
    { (DWORD)CRYPT_E_ASN1_CORRUPT, "CRYPT_E_ASN1_CORRUPT" },
    { (DWORD)CRYPT_E_ASN1_BADTAG, "CRYPT_E_ASN1_BADTAG" },
};

static const char *
error_name(DWORD code)
{
    size_t i;

    for (i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
        if (error_names[i].code == code)
            return error_names[i].name;
    return "(unknown)";
}

/*
 * Fail a call: set the last error and record why, with OpenSSL's own
 * reason when it left one (the queue is emptied so the next OpenSSL user
 * in the thread does not inherit it).
 */
static void
fail(const char *func, DWORD code, const char *why)
{
    unsigned long e = ERR_peek_last_error();
    char ossl[256];

    ossl[0] = '\0';
    if (e != 0)
        ERR_error_string_n(e, ossl, sizeof(ossl));
    ERR_clear_error();
    sspigss_compat_last_error = code;
    trace_cause("%s: %s%s%s -> GetLastError() 0x%08X %s", func, why,
                ossl[0] != '\0' ? "; OpenSSL: " : "", ossl, (unsigned)code,
                error_name(code));
}

/* Trace the end of an entry point that did not fail through fail(). */
static void
trace_ok(const char *func, const void *result)
{
    if (trace_enabled())
        trace_printf("%s -> %p", func, result);
}

/* --------------------------------------------------------------- objects */

/* Allocations a context's public structures point into. */
struct chunk {
    struct chunk *next;
    max_align_t data[];
};

struct cert_store;

struct cert_ctx {
    CERT_CONTEXT pub;           /* first: a PCCERT_CONTEXT points here */
    unsigned refs;              /* g_lock: callers' and calls' references */
    bool listed;                /* g_lock: its store's list keeps it */
    struct cert_store *store;   /* pub.hCertStore; held while refs > 0 */
    struct cert_ctx *next;      /* the store's list (store lock) */
    bool in_list;               /* in the store's list (store lock) */
    X509 *x509;
    EVP_PKEY *key;              /* NULL when there is none */
    unsigned char sha1[SHA_DIGEST_LENGTH];
    CERT_INFO info;
    struct chunk *mem;
};

struct cert_store {
    pthread_mutex_t lock;
    unsigned refs;              /* g_lock: open handles + contexts with
                                 * references + calls using it */
    unsigned handles;           /* g_lock: open handles */
    bool readonly;              /* additions refused (system stores) */
    bool detached;              /* the store of contexts in no store */
    struct cert_ctx *head, *tail;
};

/* Live objects by address, sorted, for checking callers' pointers. */
struct addr_table {
    const void **v;
    size_t n, cap;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct addr_table live_ctx;      /* g_lock */
static struct addr_table live_store;    /* g_lock: open or still referenced */

/* The store every context outside a store names. Never freed, never in
 * live_store, never counted, always empty. */
static struct cert_store detached_store = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .readonly = true,
    .detached = true,
};

static size_t
table_pos(const struct addr_table *t, const void *p)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((uintptr_t)t->v[mid] < (uintptr_t)p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool
table_has(const struct addr_table *t, const void *p)
{
    size_t i = table_pos(t, p);

    return p != NULL && i < t->n && t->v[i] == p;
}

static bool
table_add(struct addr_table *t, const void *p)
{
    size_t i;

    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        const void **v = realloc(t->v, cap * sizeof(*v));

        if (v == NULL)
            return false;
        t->v = v;
        t->cap = cap;
    }
    i = table_pos(t, p);
    memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof(*t->v));
    t->v[i] = p;
    t->n++;
    return true;
}

static void
table_del(struct addr_table *t, const void *p)
{
    size_t i = table_pos(t, p);

    if (i >= t->n || t->v[i] != p)
        return;
    memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof(*t->v));
    t->n--;
    if (t->n == 0) {
        /* Nothing left: give the memory back, so leak checkers see only
         * what a caller really kept. */
        free(t->v);
        t->v = NULL;
        t->cap = 0;
    }
}

/* Free a context that is in no table and no list any more. NULL
 * accepted. Its store is not touched: a context that held a reference
 * on it gave that back when its own last reference went. */
static void
ctx_destroy(struct cert_ctx *c)
{
    struct chunk *ch, *next;

    if (c == NULL)
        return;
    X509_free(c->x509);
    EVP_PKEY_free(c->key);
    for (ch = c->mem; ch != NULL; ch = next) {
        next = ch->next;
        free(ch);
    }
    free(c);
}

/* Free a store that lost its last reference (store_drop_locked), with
 * the contexts left in its list: none of them has a reference, and they
 * are out of live_ctx already. */
static void
store_destroy(struct cert_store *s)
{
    struct cert_ctx *c, *next;

    for (c = s->head; c != NULL; c = next) {
        next = c->next;
        ctx_destroy(c);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* g_lock held: one more reference on a store (none is counted on the
 * store of contexts in no store). */
static void
store_hold_locked(struct cert_store *s)
{
    if (!s->detached)
        s->refs++;
}

/*
 * g_lock held: one reference less on a store. The last one takes the
 * store and every context still in its list out of the tables and
 * returns true; the caller then frees them with store_destroy() once it
 * has unlocked. The list is read without the store lock (which is never
 * taken under g_lock): with no handle, no held context and no call left,
 * no thread can reach it. Its contexts have no reference left either,
 * since each context with one holds one on its store.
 */
static bool
store_drop_locked(struct cert_store *s)
{
    struct cert_ctx *c;

    if (s->detached || --s->refs > 0)
        return false;
    table_del(&live_store, s);
    for (c = s->head; c != NULL; c = c->next)
        table_del(&live_ctx, c);
    return true;
}

static void
store_unref(struct cert_store *s)
{
    bool last;

    if (s == NULL)
        return;
    pthread_mutex_lock(&g_lock);
    last = store_drop_locked(s);
    pthread_mutex_unlock(&g_lock);
    if (last)
        store_destroy(s);
}

/* g_lock held: one more reference on a context; the first one also
 * holds its store, which therefore outlives every context in use. */
static void
ctx_hold_locked(struct cert_ctx *c)
{
    if (c->refs++ == 0)
        store_hold_locked(c->store);
}

/* What dropping a reference leaves to free once g_lock is released. */
struct doomed {
    struct cert_ctx *ctx;
    struct cert_store *store;
};

/*
 * g_lock held: one reference less on a context that has one. The last
 * one gives back the context's reference on its store; a context no
 * list keeps goes then, and so does a store with nothing else holding
 * it (which takes its list along).
 */
static void
ctx_drop_locked(struct cert_ctx *c, struct doomed *d)
{
    if (--c->refs > 0)
        return;
    if (!c->listed) {
        table_del(&live_ctx, c);
        d->ctx = c;
    }
    if (store_drop_locked(c->store))
        d->store = c->store;
}

static void
doomed_free(const struct doomed *d)
{
    /* A context freed on its own is in no list, so never also in the
     * dead store's. */
    ctx_destroy(d->ctx);
    if (d->store != NULL)
        store_destroy(d->store);
}

static void
ctx_ref(struct cert_ctx *c)
{
    pthread_mutex_lock(&g_lock);
    ctx_hold_locked(c);
    pthread_mutex_unlock(&g_lock);
}

/* Drop a reference; see ctx_drop_locked(). NULL accepted. */
static void
ctx_unref(struct cert_ctx *c)
{
    struct doomed d = { 0 };

    if (c == NULL)
        return;
    pthread_mutex_lock(&g_lock);
    ctx_drop_locked(c, &d);
    pthread_mutex_unlock(&g_lock);
    doomed_free(&d);
}

/* Record that the store's list now keeps the context. */
static void
ctx_set_listed(struct cert_ctx *c)
{
    pthread_mutex_lock(&g_lock);
    c->listed = true;
    pthread_mutex_unlock(&g_lock);
}

/* The store's list let go of a context (store_unlink): without a
 * reference it goes now. NULL accepted. */
static void
ctx_unlisted(struct cert_ctx *c)
{
    bool gone;

    if (c == NULL)
        return;
    pthread_mutex_lock(&g_lock);
    c->listed = false;
    gone = c->refs == 0;
    if (gone)
        table_del(&live_ctx, c);
    pthread_mutex_unlock(&g_lock);
    if (gone)
        ctx_destroy(c);
}

/* A caller's context with one more reference for the length of a call,
 * or NULL when p is not a live context of ours. */
static struct cert_ctx *
ctx_get(PCCERT_CONTEXT p)
{
    struct cert_ctx *c = NULL;

    pthread_mutex_lock(&g_lock);
    if (table_has(&live_ctx, p)) {
        c = (struct cert_ctx *)p;
        ctx_hold_locked(c);
    }
    pthread_mutex_unlock(&g_lock);
    return c;
}

/* Release one of a caller's references, after checking that p is ours
 * and that the caller has one to give (a context only its store's list
 * keeps was released too often): false, nothing done, otherwise. */
static bool
ctx_put_caller(PCCERT_CONTEXT p)
{
    struct doomed d = { 0 };
    bool ok;

    pthread_mutex_lock(&g_lock);
    ok = table_has(&live_ctx, p) && ((const struct cert_ctx *)p)->refs > 0;
    if (ok)
        ctx_drop_locked((struct cert_ctx *)p, &d);
    pthread_mutex_unlock(&g_lock);
    doomed_free(&d);
    return ok;
}

/* A new empty store with one open handle, or NULL. */
static struct cert_store *
store_new(bool readonly)
{
    struct cert_store *s = calloc(1, sizeof(*s));
    bool ok;

    if (s == NULL)
        return NULL;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->handles = 1;
    s->readonly = readonly;
    pthread_mutex_lock(&g_lock);
    ok = table_add(&live_store, s);
    pthread_mutex_unlock(&g_lock);
    if (!ok) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

/*
 * Close one open handle of the store h: false when h is not a store of
 * ours with a handle open (closed already, or never one). *pending tells
 * whether the store lives on, held by a context from it (or a call
 * using it at this moment); otherwise it is freed now.
 */
static bool
store_close_handle(HCERTSTORE h, bool *pending)
{
    struct cert_store *s = NULL;
    bool last = false;

    *pending = false;
    pthread_mutex_lock(&g_lock);
    if (table_has(&live_store, h) && ((struct cert_store *)h)->handles > 0) {
        s = h;
        s->handles--;
        last = store_drop_locked(s);
        *pending = !last;
    }
    pthread_mutex_unlock(&g_lock);
    if (last)
        store_destroy(s);
    return s != NULL;
}

/* A caller's store with one more reference for the length of a call, or
 * NULL when h is not a live store of ours. A store whose handle is
 * closed still answers through the hCertStore of a context held from it,
 * as on Windows (see the top of the file). */
static struct cert_store *
store_get(HCERTSTORE h)
{
    struct cert_store *s = NULL;

    if (h == (HCERTSTORE)&detached_store)
        return &detached_store;
    pthread_mutex_lock(&g_lock);
    if (table_has(&live_store, h)) {
        s = h;
        store_hold_locked(s);
    }
    pthread_mutex_unlock(&g_lock);
    return s;
}

/* ------------------------------------------------------- building contexts */

static void *
ctx_alloc(struct cert_ctx *c, size_t n)
{
    struct chunk *ch = malloc(sizeof(*ch) + (n != 0 ? n : 1));

    if (ch == NULL)
        return NULL;
    ch->next = c->mem;
    c->mem = ch;
    return ch->data;
}

/* Copy n bytes into the context (a blob's pbData). n == 0 gives NULL.
 * *ok turns false on allocation failure. */
static BYTE *
ctx_memdup(struct cert_ctx *c, const void *p, size_t n, bool *ok)
{
    BYTE *d;

    if (n == 0)
        return NULL;
    d = ctx_alloc(c, n);
    if (d == NULL) {
        *ok = false;
        return NULL;
    }
    memcpy(d, p, n);
    return d;
}

/*
 * One DER TLV at *p (left bytes remain): its header is checked, the
 * content is returned, and *p and *left move past it. Returns false on
 * malformed or indefinite-length input.
 */
static bool
der_next(const unsigned char **p, long *left, int *tag,
         const unsigned char **content, long *clen)
{
    const unsigned char *q = *p;
    long len;
    int cls, r;

    if (*left <= 0)
        return false;
    r = ASN1_get_object(&q, &len, tag, &cls, *left);
    if ((r & 0x80) != 0 || r == 0x21)
        return false;
    if (len > *left - (long)(q - *p))
        return false;
    *content = q;
    *clen = len;
    *left -= (long)(q - *p) + len;
    *p = q + len;
    return true;
}

/* Dotted text of an OID ("2.5.4.3"); buf of n bytes. */
static const char *
oid_text(const ASN1_OBJECT *o, char *buf, size_t n)
{
    if (o == NULL || OBJ_obj2txt(buf, (int)n, o, 1) <= 0)
        buf[0] = '\0';
    return buf;
}

static char *
ctx_oid(struct cert_ctx *c, const ASN1_OBJECT *o, bool *ok)
{
    char buf[256];

    oid_text(o, buf, sizeof(buf));
    return (char *)ctx_memdup(c, buf, strlen(buf) + 1, ok);
}

/* An AlgorithmIdentifier (a DER TLV) as Windows shows it: the OID as text
 * and the encoded parameters, if any, as they are. */
static bool
fill_algid(struct cert_ctx *c, const unsigned char *der, long len,
           CRYPT_ALGORITHM_IDENTIFIER *out)
{
    const unsigned char *p, *oid, *content;
    long left = len, clen;
    ASN1_OBJECT *obj = NULL;
    bool ok = true;
    int tag;

    /* SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } */
    if (!der_next(&der, &left, &tag, &content, &clen)
        || tag != V_ASN1_SEQUENCE)
        return false;
    p = oid = content;
    left = clen;
    if (!der_next(&p, &left, &tag, &content, &clen) || tag != V_ASN1_OBJECT)
        return false;
    if (d2i_ASN1_OBJECT(&obj, &oid, (long)(p - oid)) == NULL)
        return false;
    out->pszObjId = ctx_oid(c, obj, &ok);
    ASN1_OBJECT_free(obj);
    out->Parameters.cbData = (DWORD)left;
    out->Parameters.pbData = ctx_memdup(c, p, (size_t)left, &ok);
    return ok;
}

/* A BIT STRING (a DER TLV) as a CRYPT_BIT_BLOB. */
static bool
fill_bits(struct cert_ctx *c, const unsigned char *der, long len,
          CRYPT_BIT_BLOB *out)
{
    const unsigned char *content;
    long clen, left = len;
    bool ok = true;
    int tag;

    if (!der_next(&der, &left, &tag, &content, &clen)
        || tag != V_ASN1_BIT_STRING || clen < 1 || content[0] > 7)
        return false;
    out->cUnusedBits = content[0];
    out->cbData = (DWORD)(clen - 1);
    out->pbData = ctx_memdup(c, content + 1, (size_t)(clen - 1), &ok);
    return ok;
}

/* 100-ns intervals between 1601-01-01 and 1970-01-01, in seconds. */
#define FILETIME_UNIX_EPOCH 11644473600LL

static void
time_to_filetime(const ASN1_TIME *t, FILETIME *ft)
{
    struct tm tm;
    int64_t secs;
    uint64_t v;

    ft->dwLowDateTime = ft->dwHighDateTime = 0;
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return;
    secs = (int64_t)timegm(&tm);
    if (secs < -FILETIME_UNIX_EPOCH)
        secs = -FILETIME_UNIX_EPOCH;
    v = (uint64_t)(secs + FILETIME_UNIX_EPOCH) * 10000000u;
    ft->dwLowDateTime = (DWORD)v;
    ft->dwHighDateTime = (DWORD)(v >> 32);
}

static uint64_t
filetime_value(const FILETIME *ft)
{
    return (uint64_t)ft->dwHighDateTime << 32 | ft->dwLowDateTime;
}

/*
 * Fill the context's CERT_INFO from its X509: the decoded TBSCertificate
 * with Windows' conventions (MicrosoftDocs sdk-api, ns-wincrypt-cert_info.md):
 * the serial number's bytes least significant first, names and algorithm
 * parameters left encoded, times as FILETIME, extension values as their
 * encoded extnValue contents.
 */
static bool
ctx_fill_info(struct cert_ctx *c)
{
    X509 *x = c->x509;
    CERT_INFO *ci = &c->info;
    const ASN1_BIT_STRING *iuid = NULL, *suid = NULL;
    const unsigned char *p, *content;
    unsigned char *der = NULL;
    long left, clen;
    int len, tag, i, n;
    bool ok = true;

    ci->dwVersion = (DWORD)X509_get_version(x);

    /* The INTEGER's content octets, reversed (the sign octet, when DER
     * needs one, stays as the last byte). */
    len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &der);
    p = der;
    left = len;
    if (len <= 0 || !der_next(&p, &left, &tag, &content, &clen)) {
        ok = false;
    } else {
        BYTE *sn = clen > 0 ? ctx_alloc(c, (size_t)clen) : NULL;
        long k;

        if (clen > 0 && sn == NULL)
            ok = false;
        for (k = 0; sn != NULL && k < clen; k++)
            sn[k] = content[clen - 1 - k];
        ci->SerialNumber.cbData = (DWORD)clen;
        ci->SerialNumber.pbData = sn;
    }
    OPENSSL_free(der);
    der = NULL;

    len = i2d_X509_ALGOR(X509_get0_tbs_sigalg(x), &der);
    if (len <= 0 || !fill_algid(c, der, len, &ci->SignatureAlgorithm))
        ok = false;
    OPENSSL_free(der);
    der = NULL;

    {
        const unsigned char *nd;
        size_t nl;

        if (X509_NAME_get0_der(X509_get_issuer_name(x), &nd, &nl) != 1)
            ok = false;
        else {
            ci->Issuer.cbData = (DWORD)nl;
            ci->Issuer.pbData = ctx_memdup(c, nd, nl, &ok);
        }
        if (X509_NAME_get0_der(X509_get_subject_name(x), &nd, &nl) != 1)
            ok = false;
        else {
            ci->Subject.cbData = (DWORD)nl;
            ci->Subject.pbData = ctx_memdup(c, nd, nl, &ok);
        }
    }

    time_to_filetime(X509_get0_notBefore(x), &ci->NotBefore);
    time_to_filetime(X509_get0_notAfter(x), &ci->NotAfter);

    /* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey } */
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    p = der;
    left = len;
    if (len <= 0 || !der_next(&p, &left, &tag, &content, &clen)) {
        ok = false;
    } else {
        const unsigned char *alg = content, *alg_content;
        long rest = clen;

        /* content moves past the AlgorithmIdentifier to the BIT STRING */
        if (!der_next(&content, &rest, &tag, &alg_content, &clen)
            || !fill_algid(c, alg, (long)(content - alg),
                           &ci->SubjectPublicKeyInfo.Algorithm)
            || !fill_bits(c, content, rest,
                          &ci->SubjectPublicKeyInfo.PublicKey))
            ok = false;
    }
    OPENSSL_free(der);
    der = NULL;

    X509_get0_uids(x, &iuid, &suid);
    if (iuid != NULL) {
        len = i2d_ASN1_BIT_STRING(iuid, &der);
        if (len <= 0 || !fill_bits(c, der, len, &ci->IssuerUniqueId))
            ok = false;
        OPENSSL_free(der);
        der = NULL;
    }
    if (suid != NULL) {
        len = i2d_ASN1_BIT_STRING(suid, &der);
        if (len <= 0 || !fill_bits(c, der, len, &ci->SubjectUniqueId))
            ok = false;
        OPENSSL_free(der);
        der = NULL;
    }

    n = X509_get_ext_count(x);
    if (n > 0) {
        ci->rgExtension = ctx_alloc(c, (size_t)n * sizeof(CERT_EXTENSION));
        if (ci->rgExtension == NULL)
            return false;
        ci->cExtension = (DWORD)n;
        for (i = 0; i < n; i++) {
            X509_EXTENSION *ext = X509_get_ext(x, i);
            const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
            CERT_EXTENSION *e = &ci->rgExtension[i];

            e->pszObjId = ctx_oid(c, X509_EXTENSION_get_object(ext), &ok);
            e->fCritical = X509_EXTENSION_get_critical(ext) > 0;
            e->Value.cbData = (DWORD)ASN1_STRING_length(v);
            e->Value.pbData = ctx_memdup(c, ASN1_STRING_get0_data(v),
                                         (size_t)ASN1_STRING_length(v),
                                         &ok);
        }
    }
    return ok;
}

/*
 * A new context for x509 (and key, may be NULL), taking references on
 * both, in store s (its list is not touched; the context's one reference
 * is the creator's). der/der_len is the certificate's encoding when the
 * caller has it (NULL: encode x509). Returns 0 and *out, or
 * ERROR_NOT_ENOUGH_MEMORY / CRYPT_E_ASN1_CORRUPT with nothing made.
 */
static DWORD
ctx_new(X509 *x509, const BYTE *der, size_t der_len, EVP_PKEY *key,
        DWORD encoding, struct cert_store *s, struct cert_ctx **out)
{
    struct cert_ctx *c = NULL;
    unsigned char *own = NULL;
    DWORD err = ERROR_NOT_ENOUGH_MEMORY;
    bool ok = true, added;

    *out = NULL;
    if (der == NULL) {
        int n = i2d_X509(x509, &own);

        if (n <= 0) {
            err = (DWORD)CRYPT_E_ASN1_CORRUPT;
            goto out;
        }
        der = own;
        der_len = (size_t)n;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto out;
    if (X509_up_ref(x509) != 1)
        goto out;
    c->x509 = x509;
    /* OpenSSL decodes an X509's extensions (key identifiers, key usage,
     * the SHA-1 hash) into a cache on first use, under the object's lock,
     * and later users take a lock-free path guarded by an acquire load
     * (x509v3 cache_extensions, crypto/x509/v3_purp.c). Contexts are
     * shared: every thread's credential made from one walks the same
     * X509s (X509_check_issued in pkg_schannel.c's add_chain). Fill the
     * cache here, in the thread that makes the context, so that every
     * later use only reads; the result (a certificate with invalid
     * extensions) is kept in the cache and judged where it matters.
     * Before, the first fill ran in whichever thread came first, which
     * is correct but invisible to ThreadSanitizer (libcrypto is not
     * instrumented, its atomics unseen): a reported race with a second
     * thread's X509_check_akid. */
    (void)X509_check_purpose(x509, -1, 0);
    if (key != NULL) {
        if (EVP_PKEY_up_ref(key) != 1)
            goto out;
        c->key = key;
    }
    c->pub.dwCertEncodingType = encoding;
    c->pub.cbCertEncoded = (DWORD)der_len;
    c->pub.pbCertEncoded = ctx_memdup(c, der, der_len, &ok);
    c->pub.pCertInfo = &c->info;
    if (!ok)
        goto out;
    if (!ctx_fill_info(c)) {
        err = (DWORD)CRYPT_E_ASN1_CORRUPT;
        goto out;
    }
    if (EVP_Digest(der, der_len, c->sha1, NULL, EVP_sha1(), NULL) != 1)
        memset(c->sha1, 0, sizeof(c->sha1));

    /* The creator's reference, which holds the store. */
    c->store = s;
    c->pub.hCertStore = (HCERTSTORE)s;
    pthread_mutex_lock(&g_lock);
    added = table_add(&live_ctx, c);
    if (added)
        ctx_hold_locked(c);
    pthread_mutex_unlock(&g_lock);
    if (!added)
        goto out;
    *out = c;
    c = NULL;
    err = 0;
out:
    ctx_destroy(c);
    OPENSSL_free(own);
    return err;
}

/* Append a new context to its store's list, which keeps it from then on
 * (the creator still drops its own reference); store lock held. */
static void
store_append_locked(struct cert_store *s, struct cert_ctx *c)
{
    ctx_set_listed(c);
    c->next = NULL;
    c->in_list = true;
    if (s->tail != NULL)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
}

/* The first context of a store with this SHA-1 hash; store lock held. */
static struct cert_ctx *
store_find_hash(struct cert_store *s, const unsigned char *sha1)
{
    struct cert_ctx *c;

    for (c = s->head; c != NULL; c = c->next)
        if (memcmp(c->sha1, sha1, SHA_DIGEST_LENGTH) == 0)
            return c;
    return NULL;
}

/* Remove a context from its store's list; store lock held. The caller
 * then lets the context know with ctx_unlisted(). */
static void
store_unlink(struct cert_store *s, struct cert_ctx *c)
{
    struct cert_ctx **pp;

    for (pp = &s->head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            if (s->tail == c) {
                struct cert_ctx *t = s->head;

                while (t != NULL && t->next != NULL)
                    t = t->next;
                s->tail = t;
            }
            c->in_list = false;
            c->next = NULL;
            return;
        }
    }
}

/*
 * Put an OpenSSL certificate (and key) in a store being built: a new
 * context at the end of its list. With unique, a certificate already
 * there (same SHA-1 of its encoding) is skipped. Returns 0 or an error.
 */
static DWORD
store_put_x509(struct cert_store *s, X509 *x509, EVP_PKEY *key,
               bool unique)
{
    struct cert_ctx *c = NULL;
    bool dup;
    DWORD err;

    err = ctx_new(x509, NULL, 0, key, X509_ASN_ENCODING, s, &c);
    if (err != 0)
        return err;
    pthread_mutex_lock(&s->lock);
    dup = unique && store_find_hash(s, c->sha1) != NULL;
    if (!dup)
        store_append_locked(s, c);
    pthread_mutex_unlock(&s->lock);
    /* The creator's reference: the list keeps the context, or it goes. */
    ctx_unref(c);
    return 0;
}

/* ------------------------------------------------------------- decoding */

/*
 * OpenSSL's ASN.1 decoding errors as the CRYPT_E_ASN1_* code Windows'
 * decoder gives for the same input. The first error OpenSSL queued is the
 * innermost cause; codes not listed give CRYPT_E_ASN1_CORRUPT.
 */
static const struct {
    int reason;
    DWORD code;
} asn1_errors[] = {
    /* A tag other than the one expected: a CRL added as a certificate
     * (Wine dlls/crypt32/tests/store.c, testMemStore). */
    { .reason = ASN1_R_WRONG_TAG, .code = (DWORD)CRYPT_E_ASN1_BADTAG },
    /* Input ending inside an element: the empty sequence 30 00 (same
     * test: CRYPT_E_ASN1_EOD) and a length past the end of the data. */
    { .reason = ASN1_R_HEADER_TOO_LONG, .code = (DWORD)CRYPT_E_ASN1_EOD },
    { .reason = ASN1_R_TOO_LONG, .code = (DWORD)CRYPT_E_ASN1_EOD },
    { .reason = ASN1_R_NOT_ENOUGH_DATA, .code = (DWORD)CRYPT_E_ASN1_EOD },
    { .reason = ASN1_R_FIELD_MISSING, .code = (DWORD)CRYPT_E_ASN1_EOD },
};

static DWORD
asn1_error_code(void)
{
    unsigned long e = ERR_peek_error();
    size_t i;

    if (ERR_GET_LIB(e) == ERR_LIB_ASN1)
        for (i = 0; i < sizeof(asn1_errors) / sizeof(asn1_errors[0]); i++)
            if (asn1_errors[i].reason == ERR_GET_REASON(e))
                return asn1_errors[i].code;
    return (DWORD)CRYPT_E_ASN1_CORRUPT;
}

/* Decode a DER certificate. Returns 0 and *out, or the Windows code. */
static DWORD
decode_cert(const BYTE *der, DWORD len, X509 **out, const char **why)
{
    const unsigned char *p = der;
    X509 *x;

    *out = NULL;
    /* No data at all: CRYPT_E_ASN1_EOD (Wine dlls/crypt32/tests/cert.c,
     * testCreateCert). A NULL pointer with a length would make Windows
     * fault; it is refused instead. */
    if (len == 0) {
        *why = "no encoded certificate";
        return (DWORD)CRYPT_E_ASN1_EOD;
    }
    if (der == NULL) {
        *why = "NULL pbCertEncoded with a non-zero length";
        return (DWORD)E_INVALIDARG;
    }
    if (der[0] != (V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED)) {
        *why = "the data does not start with a SEQUENCE";
        return (DWORD)CRYPT_E_ASN1_BADTAG;
    }
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL) {
        *why = "the data is not a DER X.509 certificate";
        return asn1_error_code();
    }
    /* Bytes after the certificate: refused rather than hashed along. */
    if (p != der + len) {
        X509_free(x);
        *why = "bytes follow the certificate";
        return (DWORD)CRYPT_E_ASN1_CORRUPT;
    }
    *out = x;
    return 0;
}

/* ---------------------------------------------------- contexts: the API */

SSPIGSS_EXPORT PCCERT_CONTEXT WINAPI
CertCreateCertificateContext(DWORD dwCertEncodingType,
                             const BYTE *pbCertEncoded, DWORD cbCertEncoded)
{
    static const char func[] = "CertCreateCertificateContext";
    struct cert_ctx *c = NULL;
    const char *why = "out of memory";
    X509 *x = NULL;
    DWORD err;

    /* Only X.509 in ASN.1, checked before the data: any other certificate
     * encoding, 0 included, is E_INVALIDARG (MicrosoftDocs sdk-api,
     * nf-wincrypt-certcreatecertificatecontext.md; Wine
     * dlls/crypt32/tests/cert.c, testCreateCert). */
    if (GET_CERT_ENCODING_TYPE(dwCertEncodingType) != X509_ASN_ENCODING) {
        fail(func, (DWORD)E_INVALIDARG, "certificate encoding type is not "
             "X509_ASN_ENCODING");
        return NULL;
    }
    err = decode_cert(pbCertEncoded, cbCertEncoded, &x, &why);
    if (err == 0)
        err = ctx_new(x, pbCertEncoded, cbCertEncoded, NULL,
                      dwCertEncodingType, &detached_store, &c);
    X509_free(x);
    if (err != 0) {
        fail(func, err, why);
        return NULL;
    }
    trace_ok(func, c);
    return &c->pub;
}

SSPIGSS_EXPORT PCCERT_CONTEXT WINAPI
CertDuplicateCertificateContext(PCCERT_CONTEXT pCertContext)
{
    static const char func[] = "CertDuplicateCertificateContext";

    /* NULL gives NULL (Wine dlls/crypt32/tests/cert.c, testDupCert). */
    if (pCertContext == NULL)
        return NULL;
    /* Windows returns the same pointer with one more reference (same
     * test: "the address is the same"); a pointer that is not a live
     * context of ours is refused rather than written to. */
    if (ctx_get(pCertContext) == NULL) {
        fail(func, (DWORD)E_INVALIDARG, "not a live certificate context");
        return NULL;
    }
    trace_ok(func, pCertContext);
    return pCertContext;
}

SSPIGSS_EXPORT BOOL WINAPI
CertFreeCertificateContext(PCCERT_CONTEXT pCertContext)
{
    static const char func[] = "CertFreeCertificateContext";

    /* NULL is TRUE (Wine dlls/crypt32/tests/cert.c, testDupCert). */
    if (pCertContext == NULL)
        return TRUE;
    /* A foreign or already freed pointer: Windows would corrupt memory;
     * it is left alone and the call fails. */
    if (!ctx_put_caller(pCertContext)) {
        fail(func, (DWORD)E_INVALIDARG, "not a live certificate context");
        return FALSE;
    }
    trace_ok(func, pCertContext);
    return TRUE;
}

/* ----------------------------------------------------------- loading */

/* Never prompt for a PEM passphrase (OpenSSL's default callback reads
 * the terminal): encrypted keys are skipped. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/*
 * Read the certificates of a PEM file (or one DER certificate) into a
 * store being built; with keys, the first private key in the file goes
 * with the certificate it belongs to. Unreadable files add nothing.
 */
static void
load_cert_file(struct cert_store *s, const char *path, bool keys,
               bool unique)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_file(path, "rb");
    X509 *x;
    int i;

    if (bio == NULL || certs == NULL) {
        if (trace_enabled())
            trace_printf("crypt32: cannot read %s", path);
        goto out;
    }
    while ((x = PEM_read_bio_X509_AUX(bio, NULL, no_passphrase, NULL))
           != NULL) {
        if (sk_X509_push(certs, x) <= 0) {
            X509_free(x);
            goto out;
        }
    }
    if (sk_X509_num(certs) == 0 && BIO_seek(bio, 0) == 0) {
        x = d2i_X509_bio(bio, NULL);
        if (x != NULL && sk_X509_push(certs, x) <= 0)
            X509_free(x);
    }
    if (keys && sk_X509_num(certs) > 0 && BIO_seek(bio, 0) == 0)
        key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        bool mine = key != NULL && X509_check_private_key(c, key) == 1;

        if (store_put_x509(s, c, mine ? key : NULL, unique) != 0)
            break;
        if (mine) {
            EVP_PKEY_free(key);
            key = NULL;
        }
    }
    if (trace_enabled())
        trace_printf("crypt32: %s: %d certificate(s)%s", path,
                     sk_X509_num(certs),
                     keys && key != NULL ? ", a key that fits none" : "");
out:
    ERR_clear_error();
    EVP_PKEY_free(key);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(bio);
}

/*
 * Key derivation a PFX asks for. Every MAC, encrypted safe and shrouded
 * key of a PKCS #12 file names its own PBKDF iteration count, read
 * before anything in the file can be checked, so a small hostile file can
 * ask for minutes of CPU per import (our fuzzing found 5 million
 * iterations in 1.4 KB: six seconds; CVE-2026-63572 is the same in
 * Bouncy Castle C#). .NET and Bouncy Castle now cap what they derive
 * (Pkcs12LoaderLimits: per KDF, per MAC, in total; Bouncy Castle's
 * pkcs12.max_it_count). Ours: 2 million for any one derivation, 4
 * million for the file. Windows, OpenSSL, .NET and Java write 2,000 to
 * 10,000 per item and Bouncy Castle 1.86 600,000, all well inside; a
 * file over the limits is refused before any derivation runs.
 */
#define PFX_ITEM_ITERATIONS 2000000u
#define PFX_TOTAL_ITERATIONS 4000000u

/* An ASN1_INTEGER count: negative or unrepresentable counts as too many. */
static uint64_t
asn1_count(const ASN1_INTEGER *n)
{
    uint64_t v;

    if (n == NULL)
        return 1;                   /* the DER default */
    if (ASN1_INTEGER_get_uint64(&v, n) != 1)
        return UINT64_MAX;
    return v;
}

/* The iterations (scrypt: its cost N) an encryption algorithm identifier
 * asks for: PKCS #5 v1 PBEParameter or v2 PBES2 with PBKDF2 or scrypt;
 * 0 for anything else (it derives nothing here). */
static uint64_t
pbe_iterations(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *oid, *koid;
    const void *val, *kval;
    int type, ktype;
    uint64_t n = 0;

    X509_ALGOR_get0(&oid, &type, &val, alg);
    if (type != V_ASN1_SEQUENCE)
        return 0;
    if (OBJ_obj2nid(oid) == NID_pbes2) {
        PBE2PARAM *p2 = ASN1_item_unpack(val, ASN1_ITEM_rptr(PBE2PARAM));

        if (p2 == NULL)
            return 0;
        X509_ALGOR_get0(&koid, &ktype, &kval, p2->keyfunc);
        if (ktype == V_ASN1_SEQUENCE && OBJ_obj2nid(koid) == NID_id_pbkdf2) {
            PBKDF2PARAM *k = ASN1_item_unpack(kval,
                                              ASN1_ITEM_rptr(PBKDF2PARAM));

            n = k != NULL ? asn1_count(k->iter) : 0;
            PBKDF2PARAM_free(k);
        } else if (ktype == V_ASN1_SEQUENCE
                   && OBJ_obj2nid(koid) == NID_id_scrypt) {
            SCRYPT_PARAMS *k = ASN1_item_unpack(
                kval, ASN1_ITEM_rptr(SCRYPT_PARAMS));

            n = k != NULL ? asn1_count(k->costParameter) : 0;
            SCRYPT_PARAMS_free(k);
        }
        PBE2PARAM_free(p2);
    } else {
        PBEPARAM *p1 = ASN1_item_unpack(val, ASN1_ITEM_rptr(PBEPARAM));

        n = p1 != NULL ? asn1_count(p1->iter) : 0;
        PBEPARAM_free(p1);
    }
    return n;
}

/* A total of iterations plus one derivation's: saturating, and past all
 * limits when the derivation alone is over its own. */
static uint64_t
add_cost(uint64_t total, uint64_t n)
{
    if (n > PFX_ITEM_ITERATIONS)
        return UINT64_MAX;
    return total > UINT64_MAX - n ? UINT64_MAX : total + n;
}

/* The shrouded keys of a safe's bags. */
static uint64_t
bags_iterations(const STACK_OF(PKCS12_SAFEBAG) *bags)
{
    uint64_t n = 0;
    int i;

    for (i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const X509_SIG *sig;
        const X509_ALGOR *alg;

        if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag
            || (sig = PKCS12_SAFEBAG_get0_pkcs8(bag)) == NULL)
            continue;
        X509_SIG_get0(sig, &alg, NULL);
        n = add_cost(n, pbe_iterations(alg));
    }
    return n;
}

/*
 * What deriving every key of the PFX would cost, in iterations: its MAC,
 * its encrypted safes and the shrouded keys, those inside encrypted safes
 * looked at (with pass) only once the safe's own cost is known to fit.
 */
static uint64_t
pfx_iterations(PKCS12 *p12, const char *pass)
{
    const ASN1_INTEGER *mac_iter = NULL;
    STACK_OF(PKCS7) *safes;
    uint64_t n = 0;
    int i;

    if (PKCS12_mac_present(p12)) {
        PKCS12_get0_mac(NULL, NULL, NULL, &mac_iter, p12);
        n = add_cost(0, asn1_count(mac_iter));
    }
    safes = PKCS12_unpack_authsafes(p12);
    for (i = 0; safes != NULL && i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        int nid = OBJ_obj2nid(p7->type);

        if (nid == NID_pkcs7_data) {
            bags = PKCS12_unpack_p7data(p7);
        } else if (nid == NID_pkcs7_encrypted && p7->d.encrypted != NULL
                   && p7->d.encrypted->enc_data != NULL) {
            n = add_cost(n, pbe_iterations(
                                p7->d.encrypted->enc_data->algorithm));
            /* An empty password is NULL or "" to PKCS #12: either. */
            if (n <= PFX_TOTAL_ITERATIONS)
                bags = PKCS12_unpack_p7encdata(p7, pass, -1);
            if (bags == NULL && n <= PFX_TOTAL_ITERATIONS
                && (pass == NULL || pass[0] == '\0'))
                bags = PKCS12_unpack_p7encdata(p7, pass == NULL ? "" : NULL,
                                               0);
        }
        if (bags != NULL) {
            uint64_t b = bags_iterations(bags);

            n = b == UINT64_MAX || n > UINT64_MAX - b ? UINT64_MAX : n + b;
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        if (n > PFX_TOTAL_ITERATIONS)
            break;
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    ERR_clear_error();
    return n;
}

/*
 * Parse a PKCS #12 blob into a store being built: the certificate that
 * goes with the private key first (carrying the key unless !with_keys),
 * then the other certificates. Returns 0 or the Windows code.
 */
static DWORD
load_pfx(struct cert_store *s, const BYTE *data, size_t len,
         const char *pass, bool with_keys, const char **why)
{
    const unsigned char *p = data;
    PKCS12 *p12 = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    const char *pw = pass;
    DWORD err = (DWORD)CRYPT_E_BAD_ENCODE;
    int i;

    /* Data that is no PKCS #12 PFX: CRYPT_E_BAD_ENCODE, "An error occurred
     * during encode or decode operation" (WiX with a .p7b given as a PFX:
     * wixtoolset/issues#4214 logs 0x80092002; ansible.windows#132). */
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (p12 == NULL || p != data + len) {
        *why = "the data is not a PKCS #12 PFX";
        goto out;
    }
    if (pfx_iterations(p12, pass) > PFX_TOTAL_ITERATIONS) {
        *why = "the PFX asks for more key-derivation iterations than "
               "this library runs (2 million for one key, 4 million in "
               "all)";
        goto out;
    }
    /*
     * The password must be the one the PFX was made with (MicrosoftDocs
     * sdk-api, nf-wincrypt-pfximportcertstore.md); a wrong one is
     * ERROR_INVALID_PASSWORD, "The specified network password is not
     * correct." (.NET on Windows, win-acme#603, Sustainsys/Saml2#387;
     * callers test GetLastError() == ERROR_INVALID_PASSWORD). NULL and ""
     * are different PKCS #12 passwords; either one given tries both.
     */
    if (PKCS12_mac_present(p12)) {
        if (pass == NULL || pass[0] == '\0') {
            if (PKCS12_verify_mac(p12, NULL, 0))
                pw = NULL;
            else if (PKCS12_verify_mac(p12, "", 0))
                pw = "";
            else
                pw = pass;
        }
        if (!PKCS12_verify_mac(p12, pw, -1)) {
            err = ERROR_INVALID_PASSWORD;
            *why = "the password does not verify the PFX's MAC";
            goto out;
        }
        if (PKCS12_parse(p12, pw, &key, &cert, &ca) != 1) {
            *why = "the PFX's contents cannot be decoded";
            goto out;
        }
    } else {
        /* Without a MAC a wrong password shows only as bags that do not
         * decrypt. OpenSSL's PKCS12_parse insists on a MAC when given a
         * password ("mac absent"): our decoded copy gets one made with
         * that password, so that only the bags decide. */
        bool ok;

        if (pw != NULL && pw[0] != '\0')
            ok = PKCS12_set_mac(p12, pw, -1, NULL, 0, 1, NULL) == 1
                 && PKCS12_parse(p12, pw, &key, &cert, &ca) == 1;
        else
            ok = PKCS12_parse(p12, pw, &key, &cert, &ca) == 1
                 || PKCS12_parse(p12, pw == NULL ? "" : NULL, &key, &cert,
                                 &ca) == 1;
        if (!ok) {
            err = ERROR_INVALID_PASSWORD;
            *why = "the PFX's contents do not decrypt with the password";
            goto out;
        }
    }
    if (cert != NULL) {
        err = store_put_x509(s, cert, with_keys ? key : NULL, false);
        if (err != 0) {
            *why = "cannot make a context for a certificate of the PFX";
            goto out;
        }
    }
    for (i = 0; i < sk_X509_num(ca); i++) {
        err = store_put_x509(s, sk_X509_value(ca, i), NULL, false);
        if (err != 0) {
            *why = "cannot make a context for a certificate of the PFX";
            goto out;
        }
    }
    err = 0;
out:
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    PKCS12_free(p12);
    return err;
}

static void
load_pfx_file(struct cert_store *s, const char *path)
{
    BIO *bio = BIO_new_file(path, "rb");
    BUF_MEM *mem = NULL;
    BIO *out = BIO_new(BIO_s_mem());
    const char *why = "";
    char buf[4096];
    int n;

    if (bio == NULL || out == NULL)
        goto done;
    while ((n = BIO_read(bio, buf, sizeof(buf))) > 0)
        if (BIO_write(out, buf, n) != n)
            goto done;
    BIO_get_mem_ptr(out, &mem);
    if (load_pfx(s, (const BYTE *)mem->data, mem->length, NULL, true, &why)
        != 0 && trace_enabled())
        trace_printf("crypt32: %s skipped: %s", path, why);
done:
    ERR_clear_error();
    BIO_free(bio);
    BIO_free(out);
}

static bool
has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);

    return n > k && strcasecmp(name + n - k, suffix) == 0;
}

/* OpenSSL's name for a certificate in a hashed directory: 8 hex digits,
 * a dot and a sequence number ("5ad8a5d6.0"). */
static bool
is_hash_name(const char *name)
{
    size_t i;

    for (i = 0; i < 8; i++)
        if (!((name[i] >= '0' && name[i] <= '9')
              || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    if (name[8] != '.' || name[9] == '\0')
        return false;
    for (i = 9; name[i] != '\0'; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    return true;
}

static int
hash_name_filter(const struct dirent *d)
{
    return is_hash_name(d->d_name);
}

/*
 * Load every regular file of a directory, in name order. hashed: only
 * OpenSSL's hashed names, certificates only (the trust store); otherwise
 * every file not starting with a dot, with keys, .p12/.pfx as PKCS #12
 * (the "MY" store).
 */
static void
load_dir(struct cert_store *s, const char *dir, bool hashed)
{
    struct dirent **names = NULL;
    int n, i;

    n = scandir(dir, &names, hashed ? hash_name_filter : NULL, alphasort);
    if (n < 0) {
        if (trace_enabled())
            trace_printf("crypt32: cannot read the directory %s", dir);
        return;
    }
    for (i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t len = strlen(dir) + strlen(name) + 2;
        char *path = name[0] != '.' ? malloc(len) : NULL;
        struct stat st;

        if (path != NULL) {
            snprintf(path, len, "%s/%s", dir, name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (hashed)
                    load_cert_file(s, path, false, true);
                else if (has_suffix(name, ".p12") || has_suffix(name, ".pfx"))
                    load_pfx_file(s, path);
                else
                    load_cert_file(s, path, true, false);
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

/*
 * "ROOT": the certificates OpenSSL trusts by default. As OpenSSL's
 * X509_STORE_set_default_paths(): the file SSL_CERT_FILE, else the
 * compiled-in default file; the directories of SSL_CERT_DIR (':'
 * separated), else the compiled-in default directory, read as OpenSSL
 * reads them (hashed names only). A certificate found twice is kept once.
 */
static void
load_root(struct cert_store *s)
{
    const char *file = secure_getenv(X509_get_default_cert_file_env());
    const char *dirs = secure_getenv(X509_get_default_cert_dir_env());
    char *copy, *dir, *save = NULL;

    if (file == NULL)
        file = X509_get_default_cert_file();
    if (dirs == NULL)
        dirs = X509_get_default_cert_dir();
    if (file[0] != '\0')
        load_cert_file(s, file, false, true);
    copy = strdup(dirs);
    for (dir = copy != NULL ? strtok_r(copy, ":", &save) : NULL; dir != NULL;
         dir = strtok_r(NULL, ":", &save))
        load_dir(s, dir, true);
    free(copy);
}

/* "MY": the user's certificates and keys, from the directory named by
 * SSPIGSS_CERT_STORE_MY (docs/crypt32.md); empty when it is not set. */
static void
load_my(struct cert_store *s)
{
    const char *dir = secure_getenv("SSPIGSS_CERT_STORE_MY");

    if (dir == NULL || dir[0] == '\0') {
        if (trace_enabled())
            trace_printf("crypt32: SSPIGSS_CERT_STORE_MY is not set; the "
                         "\"MY\" store is empty");
        return;
    }
    load_dir(s, dir, false);
}

/* ------------------------------------------------------ stores: the API */

/*
 * Open a system store by name (UTF-8). Windows keeps system stores in the
 * registry; here they are read-only snapshots: "MY" and "ROOT" as loaded
 * above, "CA" and any other name empty. A name Windows does not have yet
 * is created by opening it, so it opens (empty) unless
 * CERT_STORE_OPEN_EXISTING_FLAG asks for an existing one:
 * ERROR_FILE_NOT_FOUND (Wine dlls/crypt32/tests/store.c, testSystemStore
 * and testCertOpenSystemStore).
 */
static HCERTSTORE
open_system(const char *func, const char *name, DWORD flags)
{
    struct cert_store *s;
    bool my = strcasecmp(name, "MY") == 0;
    bool root = strcasecmp(name, "ROOT") == 0;
    bool known = my || root || strcasecmp(name, "CA") == 0;

    if (!known && (flags & CERT_STORE_OPEN_EXISTING_FLAG) != 0) {
        fail(func, ERROR_FILE_NOT_FOUND, "no such system store");
        return NULL;
    }
    s = store_new(true);
    if (s == NULL) {
        fail(func, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    if (my)
        load_my(s);
    else if (root)
        load_root(s);
    trace_ok(func, s);
    return s;
}

static HCERTSTORE
open_store(const char *func, LPCSTR provider, DWORD flags, const void *para)
{
    uintptr_t id = (uintptr_t)provider;
    bool other = false;
    struct cert_store *s;
    char *name = NULL;
    HCERTSTORE h;

    /* Providers are small integers disguised as pointers, or names:
     * "System" is the UTF-16 system provider. */
    if (id > 0xffff) {
        static const char *const others[] = {
            sz_CERT_STORE_PROV_FILENAME, sz_CERT_STORE_PROV_PKCS7,
            sz_CERT_STORE_PROV_PKCS12, sz_CERT_STORE_PROV_SERIALIZED,
            sz_CERT_STORE_PROV_COLLECTION, "SystemRegistry", "Physical",
            "SmartCard", "Ldap",
        };
        size_t i;

        if (strcasecmp(provider, sz_CERT_STORE_PROV_MEMORY) == 0)
            id = (uintptr_t)CERT_STORE_PROV_MEMORY;
        else if (strcasecmp(provider, sz_CERT_STORE_PROV_SYSTEM_W) == 0)
            id = (uintptr_t)CERT_STORE_PROV_SYSTEM_W;
        for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
            if (strcasecmp(provider, others[i]) == 0)
                other = true;
    }
    if (id == (uintptr_t)CERT_STORE_PROV_MEMORY
        || id == (uintptr_t)CERT_STORE_PROV_SYSTEM_A
        || id == (uintptr_t)CERT_STORE_PROV_SYSTEM_W) {
        /* Deleting a store is not supported (Wine's memory store test
         * gives ERROR_CALL_NOT_IMPLEMENTED: testMemStore). */
        if ((flags & CERT_STORE_DELETE_FLAG) != 0) {
            fail(func, ERROR_CALL_NOT_IMPLEMENTED,
                 "CERT_STORE_DELETE_FLAG is not supported");
            return NULL;
        }
    }
    if (id == (uintptr_t)CERT_STORE_PROV_MEMORY) {
        s = store_new((flags & CERT_STORE_READONLY_FLAG) != 0);
        if (s == NULL) {
            fail(func, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
            return NULL;
        }
        trace_ok(func, s);
        return s;
    }
    if (id == (uintptr_t)CERT_STORE_PROV_SYSTEM_A
        || id == (uintptr_t)CERT_STORE_PROV_SYSTEM_W) {
        /* A system store needs a name (Wine dlls/crypt32/tests/store.c,
         * testCertOpenSystemStore: NULL gives E_INVALIDARG). */
        if (para == NULL) {
            fail(func, (DWORD)E_INVALIDARG, "no system store name");
            return NULL;
        }
        if (id == (uintptr_t)CERT_STORE_PROV_SYSTEM_W) {
            if (utf16_to_utf8(para, (size_t)-1, &name, NULL) != SEC_E_OK) {
                fail(func, (DWORD)E_INVALIDARG,
                     "the store name is not valid UTF-16");
                return NULL;
            }
        } else if (!utf8_valid(para, strlen(para))) {
            fail(func, (DWORD)E_INVALIDARG,
                 "the store name is not valid UTF-8");
            return NULL;
        }
        h = open_system(func, name != NULL ? name : para, flags);
        free(name);
        return h;
    }
    if (other || (id >= (uintptr_t)CERT_STORE_PROV_MSG
                  && id <= (uintptr_t)CERT_STORE_PROV_PKCS12)) {
        fail(func, ERROR_CALL_NOT_IMPLEMENTED,
             "store provider not implemented (memory and system only)");
        return NULL;
    }
    /* No such provider: ERROR_FILE_NOT_FOUND (Wine
     * dlls/crypt32/tests/store.c, testMemStore: provider 0). */
    fail(func, ERROR_FILE_NOT_FOUND, "unknown store provider");
    return NULL;
}

SSPIGSS_EXPORT HCERTSTORE WINAPI
CertOpenStore(LPCSTR lpszStoreProvider, DWORD dwEncodingType,
              HCRYPTPROV_LEGACY hCryptProv, DWORD dwFlags, const void *pvPara)
{
    (void)dwEncodingType, (void)hCryptProv;
    return open_store("CertOpenStore", lpszStoreProvider, dwFlags, pvPara);
}

/* CertOpenSystemStore is CertOpenStore with the system provider in the
 * current user's location (MicrosoftDocs sdk-api,
 * nf-wincrypt-certopensystemstorew.md). */
SSPIGSS_EXPORT HCERTSTORE WINAPI
CertOpenSystemStoreA(HCRYPTPROV_LEGACY hProv, LPCSTR szSubsystemProtocol)
{
    (void)hProv;
    return open_store("CertOpenSystemStoreA", CERT_STORE_PROV_SYSTEM_A,
                      CERT_SYSTEM_STORE_CURRENT_USER, szSubsystemProtocol);
}

SSPIGSS_EXPORT HCERTSTORE WINAPI
CertOpenSystemStoreW(HCRYPTPROV_LEGACY hProv, LPCWSTR szSubsystemProtocol)
{
    (void)hProv;
    return open_store("CertOpenSystemStoreW", CERT_STORE_PROV_SYSTEM_W,
                      CERT_SYSTEM_STORE_CURRENT_USER, szSubsystemProtocol);
}

/*
 * Close a store handle. The store itself goes when nothing else holds it
 * (see the top of the file): contexts callers still hold keep it, whole,
 * and their hCertStore can still be enumerated, searched and added to.
 *
 * CERT_CLOSE_STORE_CHECK_FLAG: FALSE with CRYPT_E_PENDING_CLOSE when the
 * store lives on after this handle; the handle is closed all the same
 * and no context is freed (MicrosoftDocs sdk-api,
 * nf-wincrypt-certclosestore.md, Return value and Remarks; Wine
 * dlls/crypt32/tests/store.c, testCloseStore: a context, or a second
 * handle, still held gives CRYPT_E_PENDING_CLOSE; contexts freed before
 * the close do not).
 *
 * CERT_CLOSE_STORE_FORCE_FLAG: on Windows it frees every context of the
 * store at once, and "all pointers to ... contexts associated with the
 * store become not valid"; it is only meant for a store whose handle and
 * contexts were never passed to any other function (same page, Remarks).
 * Used that way, nothing is held and the store goes at once here too.
 * Used otherwise, Windows leaves callers with dangling pointers (and
 * Schannel with a certificate freed under it); here the flag is ignored
 * and the store outlives the close as without it.
 */
SSPIGSS_EXPORT BOOL WINAPI
CertCloseStore(HCERTSTORE hCertStore, DWORD dwFlags)
{
    static const char func[] = "CertCloseStore";
    bool pending;

    /* NULL, and the store of contexts outside any store, close as a
     * no-op (Wine's crypt32 returns TRUE for NULL). */
    if (hCertStore == NULL || hCertStore == (HCERTSTORE)&detached_store)
        return TRUE;
    /* A handle closed once too often would, on Windows, release a
     * reference its contexts own; it is refused instead. */
    if (!store_close_handle(hCertStore, &pending)) {
        fail(func, (DWORD)E_INVALIDARG, "not an open certificate store");
        return FALSE;
    }
    if ((dwFlags & CERT_CLOSE_STORE_CHECK_FLAG) != 0 && pending) {
        fail(func, (DWORD)CRYPT_E_PENDING_CLOSE,
             "the store lives on: contexts from it are still held");
        return FALSE;
    }
    trace_ok(func, hCertStore);
    return TRUE;
}

SSPIGSS_EXPORT BOOL WINAPI
CertAddCertificateContextToStore(HCERTSTORE hCertStore,
                                 PCCERT_CONTEXT pCertContext,
                                 DWORD dwAddDisposition,
                                 PCCERT_CONTEXT *ppStoreContext)
{
    static const char func[] = "CertAddCertificateContextToStore";
    struct cert_store *s = NULL;
    struct cert_ctx *src = NULL, *c = NULL, *old = NULL, *result = NULL;
    struct cert_ctx *existing;
    DWORD err = 0;
    const char *why = "";

    if (ppStoreContext != NULL)
        *ppStoreContext = NULL;
    /* An unknown disposition is E_INVALIDARG (MicrosoftDocs sdk-api,
     * nf-wincrypt-certaddcertificatecontexttostore.md; Wine
     * dlls/crypt32/tests/cert.c, testAddCert: disposition 0). */
    if (dwAddDisposition < CERT_STORE_ADD_NEW
        || dwAddDisposition > CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES) {
        err = (DWORD)E_INVALIDARG;
        why = "unknown dwAddDisposition";
        goto out;
    }
    s = store_get(hCertStore);
    src = ctx_get(pCertContext);
    if (s == NULL || src == NULL) {
        err = (DWORD)E_INVALIDARG;
        why = s == NULL ? "not a live certificate store"
                        : "not a live certificate context";
        goto out;
    }
    if (s->readonly) {
        err = (DWORD)E_ACCESSDENIED;
        why = "the store is read-only";
        goto out;
    }
    /* The store gets a new context of its own, not the caller's
     * (MicrosoftDocs, Remarks; Wine testDupCert: another pointer, another
     * pbCertEncoded and pCertInfo, hCertStore the store). The private key
     * goes with it. */
    err = ctx_new(src->x509, src->pub.pbCertEncoded, src->pub.cbCertEncoded,
                  src->key, X509_ASN_ENCODING, s, &c);
    if (err != 0) {
        why = "cannot copy the context";
        goto out;
    }

    pthread_mutex_lock(&s->lock);
    /* "Matching" is by SHA-1 hash of the encoding (Wine testAddCert: a
     * certificate with the same name is not a match, one with the same
     * hash property is). */
    existing = dwAddDisposition == CERT_STORE_ADD_ALWAYS
                   ? NULL
                   : store_find_hash(s, c->sha1);
    switch (existing == NULL ? CERT_STORE_ADD_ALWAYS : dwAddDisposition) {
    case CERT_STORE_ADD_NEW:
        /* Wine testAddCert: adding bigCert2 again gives CRYPT_E_EXISTS. */
        err = (DWORD)CRYPT_E_EXISTS;
        why = "the certificate is in the store already";
        break;
    case CERT_STORE_ADD_USE_EXISTING:
    case CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES:
        /* The existing context is used, not replaced. (Windows also gives
         * it the new context's properties; a private key is not merged
         * here.) */
        result = existing;
        break;
    case CERT_STORE_ADD_NEWER:
    case CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES:
        if (filetime_value(&existing->info.NotBefore)
            >= filetime_value(&c->info.NotBefore)) {
            err = (DWORD)CRYPT_E_EXISTS;
            why = "the store has this certificate, not older";
            break;
        }
        /* An older one is replaced; the new context inherits its private
         * key when it has none. */
        if (dwAddDisposition == CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES
            && c->key == NULL && existing->key != NULL
            && EVP_PKEY_up_ref(existing->key) == 1)
            c->key = existing->key;
        old = existing;
        break;
    case CERT_STORE_ADD_REPLACE_EXISTING:
        old = existing;
        break;
    default:
        break;
    }
    if (err == 0 && result == NULL) {
        if (old != NULL)
            store_unlink(s, old);
        store_append_locked(s, c);
        result = c;
    }
    if (err == 0 && ppStoreContext != NULL) {
        ctx_ref(result);
        *ppStoreContext = &result->pub;
    }
    pthread_mutex_unlock(&s->lock);
    ctx_unlisted(old);

out:
    /* The creator's reference: a context now in the list stays. */
    ctx_unref(c);
    ctx_unref(src);
    store_unref(s);
    if (err != 0) {
        fail(func, err, why);
        return FALSE;
    }
    trace_ok(func, result);
    return TRUE;
}

/* --------------------------------------------------- enumeration, search */

/* Upper-case letters of the scripts names are mostly written in, folded
 * to lower case: ASCII, Latin-1, Greek, Cyrillic. Others stay as they are
 * (Windows folds all of Unicode). */
static uint32_t
fold(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        || (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        || (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

/* Decode well-formed UTF-8 into folded code points (malloc'd, *n of
 * them). NULL when memory is exhausted. */
static uint32_t *
fold_utf8(const char *s, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, k = 0;
    uint32_t *out = malloc((len + 1) * sizeof(*out));

    if (out == NULL)
        return NULL;
    while (i < len) {
        uint32_t c = u[i];
        size_t more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

        c &= more == 3 ? 0x07 : more == 2 ? 0x0F : more == 1 ? 0x1F : 0x7F;
        for (i++; more > 0 && i < len; more--, i++)
            c = (c << 6) | (u[i] & 0x3F);
        out[k++] = fold(c);
    }
    *n = k;
    return out;
}

/* Case-insensitive "needle occurs in hay" on folded code points. */
static bool
folded_contains(const uint32_t *hay, size_t nh, const uint32_t *needle,
                size_t nn)
{
    size_t i;

    if (nn == 0)
        return true;
    for (i = 0; i + nn <= nh; i++)
        if (memcmp(hay + i, needle, nn * sizeof(*hay)) == 0)
            return true;
    return false;
}

struct sbuf;
static bool name_to_str(const X509_NAME *nm, DWORD str_type, bool t61_utf8,
                        struct sbuf *out);

/* A dynamic string; a failed allocation sticks (compare MIT's k5buf). */
struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_adds(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void
sb_free(struct sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* What CertFindCertificateInStore looks for. */
struct find_query {
    DWORD type;
    DWORD encoding;
    const void *para;
    uint32_t *needle;           /* *_STR_A/W: folded */
    size_t needle_len;
};

static bool
blob_equal(const CRYPT_DATA_BLOB *a, const BYTE *p, DWORD n)
{
    return a->cbData == n && (n == 0 || memcmp(a->pbData, p, n) == 0);
}

/* Integer blobs (least significant byte first) compared as numbers:
 * extra sign bytes at the top do not count (MicrosoftDocs sdk-api,
 * ns-wincrypt-cert_info.md, SerialNumber). */
static bool
integer_equal(const CRYPT_INTEGER_BLOB *a, const CRYPT_INTEGER_BLOB *b)
{
    DWORD na = a->cbData, nb = b->cbData;

    while (na > 1 && a->pbData[na - 1] == 0x00
           && (a->pbData[na - 2] & 0x80) == 0)
        na--;
    while (nb > 1 && b->pbData[nb - 1] == 0x00
           && (b->pbData[nb - 2] & 0x80) == 0)
        nb--;
    return na == nb && (na == 0 || memcmp(a->pbData, b->pbData, na) == 0);
}

static bool
find_match(const struct find_query *q, const struct cert_ctx *c)
{
    DWORD field = q->type & CERT_COMPARE_MASK;
    bool by_issuer = field == CERT_INFO_ISSUER_FLAG;

    switch (q->type) {
    case CERT_FIND_ANY:
        return true;
    case CERT_FIND_SHA1_HASH: {
        const CRYPT_HASH_BLOB *h = q->para;

        return blob_equal(h, c->sha1, SHA_DIGEST_LENGTH);
    }
    case CERT_FIND_MD5_HASH: {
        const CRYPT_HASH_BLOB *h = q->para;
        unsigned char md5[16];

        return EVP_Digest(c->pub.pbCertEncoded, c->pub.cbCertEncoded, md5,
                          NULL, EVP_md5(), NULL) == 1
               && blob_equal(h, md5, sizeof(md5));
    }
    case CERT_FIND_HAS_PRIVATE_KEY:
        return c->key != NULL;
    case CERT_FIND_EXISTING: {
        PCCERT_CONTEXT other = q->para;

        return other->cbCertEncoded == c->pub.cbCertEncoded
               && memcmp(other->pbCertEncoded, c->pub.pbCertEncoded,
                         c->pub.cbCertEncoded) == 0;
    }
    default:
        break;
    }
    /* The name-based searches are restricted to certificates of the
     * encoding asked for (MicrosoftDocs sdk-api,
     * nf-wincrypt-certfindcertificateinstore.md). */
    if (GET_CERT_ENCODING_TYPE(q->encoding)
        != GET_CERT_ENCODING_TYPE(c->pub.dwCertEncodingType))
        return false;
    switch (q->type) {
    case CERT_FIND_SUBJECT_NAME:
    case CERT_FIND_ISSUER_NAME:
        return blob_equal(q->para,
                          by_issuer ? c->info.Issuer.pbData
                                    : c->info.Subject.pbData,
                          by_issuer ? c->info.Issuer.cbData
                                    : c->info.Subject.cbData);
    case CERT_FIND_SUBJECT_CERT: {
        const CERT_INFO *ci = q->para;

        return blob_equal(&ci->Issuer, c->info.Issuer.pbData,
                          c->info.Issuer.cbData)
               && integer_equal(&ci->SerialNumber, &c->info.SerialNumber);
    }
    case CERT_FIND_SUBJECT_STR_A:
    case CERT_FIND_SUBJECT_STR_W:
    case CERT_FIND_ISSUER_STR_A:
    case CERT_FIND_ISSUER_STR_W: {
        /* The name as CertNameToStr(CERT_SIMPLE_NAME_STR) shows it, then
         * a case-insensitive substring match (MicrosoftDocs sdk-api,
         * nf-wincrypt-certfindcertificateinstore.md, CERT_FIND_SUBJECT_STR
         * and CERT_FIND_ISSUER_STR). */
        struct sbuf str = { 0 };
        uint32_t *hay = NULL;
        size_t nh = 0;
        bool hit = false;

        if (name_to_str(by_issuer ? X509_get_issuer_name(c->x509)
                                  : X509_get_subject_name(c->x509),
                        CERT_SIMPLE_NAME_STR, true, &str))
            hay = fold_utf8(str.p, &nh);
        if (hay != NULL)
            hit = folded_contains(hay, nh, q->needle, q->needle_len);
        free(hay);
        sb_free(&str);
        return hit;
    }
    default:
        return false;
    }
}

/*
 * The first context of s after prev (NULL: from the start) that q
 * matches (q NULL: any), with a reference for the caller; NULL at the
 * end. A prev that left the list (replaced by
 * CertAddCertificateContextToStore) ends the walk.
 */
static struct cert_ctx *
store_next(struct cert_store *s, struct cert_ctx *prev,
           const struct find_query *q)
{
    struct cert_ctx *c;

    pthread_mutex_lock(&s->lock);
    if (prev == NULL)
        c = s->head;
    else
        c = prev->in_list ? prev->next : NULL;
    while (c != NULL && q != NULL && !find_match(q, c))
        c = c->next;
    if (c != NULL)
        ctx_ref(c);
    pthread_mutex_unlock(&s->lock);
    return c;
}

/*
 * The shared part of enumeration and search. Windows always frees a
 * non-NULL pPrevCertContext, even when the call fails (MicrosoftDocs
 * sdk-api, nf-wincrypt-certfindcertificateinstore.md, Remarks; the same
 * for CertEnumCertificatesInStore); a prev from another store is
 * E_INVALIDARG; the end of the store, or an empty one, is NULL with
 * CRYPT_E_NOT_FOUND (both pages, Return value).
 */
static PCCERT_CONTEXT
store_walk(const char *func, HCERTSTORE h, PCCERT_CONTEXT prev_pub,
           const struct find_query *q, DWORD err, const char *why)
{
    struct cert_store *s = NULL;
    struct cert_ctx *prev = NULL, *c = NULL;

    if (prev_pub != NULL) {
        prev = ctx_get(prev_pub);
        if (prev == NULL && err == 0) {
            err = (DWORD)E_INVALIDARG;
            why = "pPrevCertContext is not a live certificate context";
        }
    }
    if (err == 0) {
        s = store_get(h);
        if (s == NULL) {
            err = (DWORD)E_INVALIDARG;
            why = "not a live certificate store";
        } else if (prev != NULL && prev->store != s) {
            err = (DWORD)E_INVALIDARG;
            why = "pPrevCertContext belongs to another store";
        }
    }
    if (err == 0) {
        c = store_next(s, prev, q);
        if (c == NULL) {
            err = (DWORD)CRYPT_E_NOT_FOUND;
            why = prev == NULL ? "no certificate" : "no more certificates";
        }
    }
    if (prev != NULL) {
        ctx_unref(prev);            /* this call's reference */
        ctx_put_caller(prev_pub);   /* the caller's: prev is consumed */
    }
    if (s != NULL)
        store_unref(s);
    if (err != 0) {
        fail(func, err, why);
        return NULL;
    }
    trace_ok(func, c);
    return &c->pub;
}

SSPIGSS_EXPORT PCCERT_CONTEXT WINAPI
CertEnumCertificatesInStore(HCERTSTORE hCertStore,
                            PCCERT_CONTEXT pPrevCertContext)
{
    return store_walk("CertEnumCertificatesInStore", hCertStore,
                      pPrevCertContext, NULL, 0, NULL);
}

SSPIGSS_EXPORT PCCERT_CONTEXT WINAPI
CertFindCertificateInStore(HCERTSTORE hCertStore, DWORD dwCertEncodingType,
                           DWORD dwFindFlags, DWORD dwFindType,
                           const void *pvFindPara,
                           PCCERT_CONTEXT pPrevCertContext)
{
    static const char func[] = "CertFindCertificateInStore";
    struct find_query q = { .type = dwFindType,
                            .encoding = dwCertEncodingType,
                            .para = pvFindPara };
    const char *why = NULL;
    char *needle = NULL;
    PCCERT_CONTEXT r;
    DWORD err = 0;

    (void)dwFindFlags;
    switch (dwFindType) {
    case CERT_FIND_ANY:
    case CERT_FIND_HAS_PRIVATE_KEY:
        break;
    case CERT_FIND_SHA1_HASH:
    case CERT_FIND_MD5_HASH:
    case CERT_FIND_SUBJECT_NAME:
    case CERT_FIND_ISSUER_NAME:
    case CERT_FIND_SUBJECT_CERT:
    case CERT_FIND_EXISTING:
        /* Windows reads pvFindPara without a check and faults on NULL;
         * it is refused instead. */
        if (pvFindPara == NULL) {
            err = (DWORD)E_INVALIDARG;
            why = "pvFindPara is NULL";
        }
        break;
    case CERT_FIND_SUBJECT_STR_A:
    case CERT_FIND_ISSUER_STR_A:
    case CERT_FIND_SUBJECT_STR_W:
    case CERT_FIND_ISSUER_STR_W: {
        bool wide = dwFindType == CERT_FIND_SUBJECT_STR_W
                    || dwFindType == CERT_FIND_ISSUER_STR_W;

        if (pvFindPara == NULL) {
            err = (DWORD)E_INVALIDARG;
            why = "pvFindPara is NULL";
        } else if (wide ? utf16_to_utf8(pvFindPara, (size_t)-1, &needle,
                                        NULL) != SEC_E_OK
                        : !utf8_valid(pvFindPara, strlen(pvFindPara))) {
            err = (DWORD)E_INVALIDARG;
            why = "the search string is not well-formed";
        } else {
            q.needle = fold_utf8(wide ? needle : pvFindPara, &q.needle_len);
            if (q.needle == NULL) {
                err = ERROR_NOT_ENOUGH_MEMORY;
                why = "out of memory";
            }
        }
        break;
    }
    case CERT_FIND_PROPERTY:
    case CERT_FIND_PUBLIC_KEY:
    case CERT_FIND_SUBJECT_ATTR:
    case CERT_FIND_ISSUER_ATTR:
    case CERT_FIND_KEY_SPEC:
    case CERT_FIND_ENHKEY_USAGE:
    case CERT_FIND_ISSUER_OF:
    case CERT_FIND_CERT_ID:
    case CERT_FIND_CROSS_CERT_DIST_POINTS:
    case CERT_FIND_PUBKEY_MD5_HASH:
    case CERT_FIND_SUBJECT_INFO_ACCESS:
    case CERT_FIND_HASH_STR:
    case CERT_FIND_SIGNATURE_HASH:
    case CERT_FIND_KEY_IDENTIFIER:
        err = ERROR_CALL_NOT_IMPLEMENTED;
        why = "this dwFindType is not implemented";
        break;
    default:
        /* "a value that is not valid was specified in the dwFindType
         * parameter": E_INVALIDARG (MicrosoftDocs sdk-api,
         * nf-wincrypt-certfindcertificateinstore.md). */
        err = (DWORD)E_INVALIDARG;
        why = "unknown dwFindType";
        break;
    }
    r = store_walk(func, hCertStore, pPrevCertContext, &q, err, why);
    free(q.needle);
    free(needle);
    return r;
}

/* ------------------------------------------------------------ name strings */

/* The X.500 key names CertNameToStr(CERT_X500_NAME_STR) uses (MicrosoftDocs
 * sdk-api, nf-wincrypt-certstrtonamew.md, Remarks, and
 * nf-wincrypt-certnametostrw.md: S for stateOrProvinceName). */
static const struct {
    const char *oid;
    const char *key;
} x500_keys[] = {
    { szOID_COMMON_NAME, "CN" },
    { szOID_LOCALITY_NAME, "L" },
    { szOID_ORGANIZATION_NAME, "O" },
    { szOID_ORGANIZATIONAL_UNIT_NAME, "OU" },
    { szOID_RSA_emailAddr, "E" },
    { szOID_COUNTRY_NAME, "C" },
    { szOID_STATE_OR_PROVINCE_NAME, "S" },
    { szOID_STREET_ADDRESS, "STREET" },
    { szOID_TITLE, "T" },
    { szOID_GIVEN_NAME, "G" },
    { szOID_INITIALS, "I" },
    { szOID_SUR_NAME, "SN" },
    { szOID_DOMAIN_COMPONENT, "DC" },
};

/*
 * An attribute or alternative-name string as UTF-8 (malloc'd; NULL when
 * memory is exhausted). T61String is read as UTF-8 when it is that, as
 * 8-bit characters otherwise, as Windows reads it unless told not to
 * (MicrosoftDocs sdk-api, nf-wincrypt-certnametostrw.md,
 * CERT_NAME_STR_DISABLE_IE4_UTF8_FLAG). Types that are no strings (OCTET
 * STRING, ...) are shown in hexadecimal (same page, Remarks). The result
 * stops at an embedded NUL; bytes that are not UTF-8 become '?'.
 */
static char *
string_utf8(const ASN1_STRING *s, bool t61_utf8)
{
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int n = ASN1_STRING_length(s), type = ASN1_STRING_type(s), i;
    unsigned char *u = NULL;
    char *out;
    size_t len;

    if (type == V_ASN1_T61STRING && t61_utf8 && n > 0
        && memchr(d, 0, (size_t)n) == NULL && utf8_valid((const char *)d,
                                                         (size_t)n)) {
        out = malloc((size_t)n + 1);
        if (out != NULL) {
            memcpy(out, d, (size_t)n);
            out[n] = '\0';
        }
        return out;
    }
    if (ASN1_STRING_to_UTF8(&u, s) < 0) {
        ERR_clear_error();
        out = malloc((size_t)n * 2 + 1);
        if (out == NULL)
            return NULL;
        for (i = 0; i < n; i++)
            snprintf(out + 2 * i, 3, "%02x", d[i]);
        out[2 * n] = '\0';
        return out;
    }
    out = strdup((const char *)u);
    OPENSSL_free(u);
    if (out == NULL)
        return NULL;
    len = strlen(out);
    if (!utf8_valid(out, len))
        for (i = 0; (size_t)i < len; i++)
            if ((unsigned char)out[i] >= 0x80)
                out[i] = '?';
    return out;
}

/* Quoting of CertNameToStr: a value is quoted when it is empty, starts or
 * ends with white space, or holds , + = " \n < > # ; (MicrosoftDocs
 * sdk-api, nf-wincrypt-certnametostrw.md; Wine dlls/crypt32/tests/str.c,
 * test_quoted_RDN). Quotes inside are doubled. */
static void
add_value(struct sbuf *b, const char *v, bool quoting)
{
    size_t n = strlen(v);
    bool quote = quoting
                 && (n == 0 || strchr(" \t\r\n", v[0]) != NULL
                     || strchr(" \t\r\n", v[n - 1]) != NULL
                     || strpbrk(v, ",+=\"\n<>#;") != NULL);
    const char *q;

    if (!quote) {
        sb_add(b, v, n);
        return;
    }
    sb_add(b, "\"", 1);
    for (q = v; *q != '\0'; q++) {
        sb_add(b, q, 1);
        if (*q == '"')
            sb_add(b, "\"", 1);
    }
    sb_add(b, "\"", 1);
}

/*
 * A name as CertNameToStr formats it: CERT_SIMPLE_NAME_STR (values only),
 * CERT_OID_NAME_STR (2.5.4.3=value) or CERT_X500_NAME_STR (CN=value, an
 * OID without a key as OID.1.2.3=value), RDNs separated by ", " (or "; ",
 * "\r\n" with the SEMICOLON/CRLF flags), the values of one RDN by " + " in
 * the simple form and "+ " in the others (" " with NO_PLUS), in encoded
 * order or REVERSE (MicrosoftDocs sdk-api, nf-wincrypt-certnametostrw.md;
 * Wine dlls/crypt32/tests/str.c, test_CertNameToStrA). A format of 0 (or
 * one not listed) is the simple form. Returns false when memory ran out.
 */
static bool
name_to_str(const X509_NAME *nm, DWORD str_type, bool t61_utf8,
            struct sbuf *out)
{
    DWORD fmt = str_type & 0xff;
    int count = X509_NAME_entry_count(nm), g, ngroups = 0, i, j;
    int *starts = NULL;
    const char *rdn_sep, *plus_sep;
    bool quoting = (str_type & CERT_NAME_STR_NO_QUOTING_FLAG) == 0;

    if (fmt != CERT_OID_NAME_STR && fmt != CERT_X500_NAME_STR)
        fmt = CERT_SIMPLE_NAME_STR;
    rdn_sep = (str_type & CERT_NAME_STR_SEMICOLON_FLAG) ? "; "
              : (str_type & CERT_NAME_STR_CRLF_FLAG)   ? "\r\n"
                                                       : ", ";
    plus_sep = (str_type & CERT_NAME_STR_NO_PLUS_FLAG) ? " "
               : fmt == CERT_SIMPLE_NAME_STR          ? " + "
                                                      : "+ ";
    sb_add(out, "", 0);
    if (count <= 0)
        return !out->oom;
    /* Entries of one RDN share a set number and are adjacent. */
    starts = malloc(((size_t)count + 1) * sizeof(*starts));
    if (starts == NULL)
        return false;
    for (i = 0; i < count; i++)
        if (i == 0
            || X509_NAME_ENTRY_set(X509_NAME_get_entry(nm, i))
                   != X509_NAME_ENTRY_set(X509_NAME_get_entry(nm, i - 1)))
            starts[ngroups++] = i;
    starts[ngroups] = count;

    for (g = 0; g < ngroups; g++) {
        int rdn = (str_type & CERT_NAME_STR_REVERSE_FLAG) ? ngroups - 1 - g
                                                          : g;

        if (g > 0)
            sb_adds(out, rdn_sep);
        for (j = starts[rdn]; j < starts[rdn + 1]; j++) {
            X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, j);
            char oid[256], *v;
            size_t k;

            if (j > starts[rdn])
                sb_adds(out, plus_sep);
            oid_text(X509_NAME_ENTRY_get_object(e), oid, sizeof(oid));
            if (fmt == CERT_OID_NAME_STR) {
                sb_adds(out, oid);
                sb_adds(out, "=");
            } else if (fmt == CERT_X500_NAME_STR) {
                for (k = 0; k < sizeof(x500_keys) / sizeof(x500_keys[0]);
                     k++)
                    if (strcmp(oid, x500_keys[k].oid) == 0)
                        break;
                if (k < sizeof(x500_keys) / sizeof(x500_keys[0])) {
                    sb_adds(out, x500_keys[k].key);
                } else {
                    sb_adds(out, "OID.");
                    sb_adds(out, oid);
                }
                sb_adds(out, "=");
            }
            v = string_utf8(X509_NAME_ENTRY_get_data(e), t61_utf8);
            if (v == NULL)
                out->oom = true;
            else
                add_value(out, v, quoting);
            free(v);
        }
    }
    free(starts);
    return !out->oom;
}

/* The alternative names of the subject (issuer: of the issuer), or NULL
 * when the certificate has none (or they do not decode). */
static GENERAL_NAMES *
alt_names(X509 *x, bool issuer)
{
    GENERAL_NAMES *g = X509_get_ext_d2i(x, issuer ? NID_issuer_alt_name
                                                  : NID_subject_alt_name,
                                        NULL, NULL);

    ERR_clear_error();
    return g;
}

/* Append every alternative name of a string type (GEN_EMAIL, GEN_DNS,
 * GEN_URI) to out, each followed by a NUL; at most max of them. Returns
 * how many. */
static int
alt_strings(GENERAL_NAMES *gens, int type, int max, struct sbuf *out)
{
    int i, found = 0;

    for (i = 0; i < sk_GENERAL_NAME_num(gens) && found < max; i++) {
        int t;
        void *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i),
                                          &t);
        char *s;

        if (t != type)
            continue;
        s = string_utf8(v, false);
        if (s == NULL) {
            out->oom = true;
            return found;
        }
        sb_adds(out, s);
        sb_add(out, "", 1);
        free(s);
        found++;
    }
    return found;
}

/* The first alternative name of a string type, or NULL. */
static char *
alt_first(GENERAL_NAMES *gens, int type)
{
    struct sbuf b = { 0 };

    if (alt_strings(gens, type, 1, &b) == 1 && !b.oom)
        return b.p;
    sb_free(&b);
    return NULL;
}

/* The user principal name: an otherName szOID_NT_PRINCIPAL_NAME holding
 * a UTF8String (MicrosoftDocs sdk-api, nf-wincrypt-certgetnamestringw.md,
 * CERT_NAME_UPN_TYPE), or NULL. */
static char *
alt_upn(GENERAL_NAMES *gens)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        ASN1_OBJECT *oid = NULL;
        ASN1_TYPE *value = NULL;

        if (GENERAL_NAME_get0_otherName(sk_GENERAL_NAME_value(gens, i),
                                        &oid, &value) == 1
            && OBJ_obj2nid(oid) == NID_ms_upn && value != NULL
            && value->type == V_ASN1_UTF8STRING)
            return string_utf8(value->value.utf8string, false);
    }
    return NULL;
}

/* The first directoryName among the alternative names, or NULL. */
static const X509_NAME *
alt_dirname(GENERAL_NAMES *gens)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        int t;
        void *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i),
                                          &t);

        if (t == GEN_DIRNAME)
            return v;
    }
    return NULL;
}

/* The value of the first attribute of a name with this OID (dotted
 * text), or NULL. */
static char *
name_attr(const X509_NAME *nm, const char *oid, bool t61_utf8)
{
    int i;

    for (i = 0; i < X509_NAME_entry_count(nm); i++) {
        X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
        char text[256];

        if (strcmp(oid_text(X509_NAME_ENTRY_get_object(e), text,
                            sizeof(text)),
                   oid) == 0)
            return string_utf8(X509_NAME_ENTRY_get_data(e), t61_utf8);
    }
    return NULL;
}

/* CERT_NAME_SIMPLE_DISPLAY_TYPE: the first of CN, OU, O and email in the
 * name, else the first rfc822Name, else the name's first attribute
 * (MicrosoftDocs sdk-api, nf-wincrypt-certgetnamestringw.md). */
static char *
simple_display(const X509_NAME *nm, GENERAL_NAMES *gens, bool t61_utf8)
{
    static const char *const order[] = {
        szOID_COMMON_NAME, szOID_ORGANIZATIONAL_UNIT_NAME,
        szOID_ORGANIZATION_NAME, szOID_RSA_emailAddr,
    };
    char *v = NULL;
    size_t i;

    for (i = 0; v == NULL && i < sizeof(order) / sizeof(order[0]); i++)
        v = name_attr(nm, order[i], t61_utf8);
    if (v == NULL)
        v = alt_first(gens, GEN_EMAIL);
    if (v == NULL && X509_NAME_entry_count(nm) > 0)
        v = string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, 0)),
                        t61_utf8);
    return v;
}

/*
 * The string CertGetNameString returns, as UTF-8 in out (with the NUL
 * after every name for the list form of CERT_NAME_SEARCH_ALL_NAMES_FLAG;
 * *multi is set then). Anything not found is the empty string
 * (MicrosoftDocs sdk-api, nf-wincrypt-certgetnamestringw.md; Wine
 * dlls/crypt32/tests/str.c, test_CertGetNameString).
 */
static void
name_string(X509 *x, DWORD type, DWORD flags, const void *para,
            struct sbuf *out, bool *multi)
{
    bool issuer = (flags & CERT_NAME_ISSUER_FLAG) != 0;
    bool t61 = (flags & CERT_NAME_DISABLE_IE4_UTF8_FLAG) == 0;
    bool all = (flags & CERT_NAME_SEARCH_ALL_NAMES_FLAG) != 0;
    const X509_NAME *nm = issuer ? X509_get_issuer_name(x)
                                 : X509_get_subject_name(x);
    GENERAL_NAMES *gens = alt_names(x, issuer);
    char *v = NULL;

    *multi = false;
    sb_add(out, "", 0);
    /* The list form exists for DNS names only; any other type gives the
     * empty string. */
    if (all && type != CERT_NAME_DNS_TYPE)
        goto out;
    /* An empty name stands for the first directoryName of the alternative
     * names (same page, CERT_NAME_RDN_TYPE and CERT_NAME_ATTR_TYPE). */
    if (X509_NAME_entry_count(nm) == 0 && alt_dirname(gens) != NULL)
        nm = alt_dirname(gens);
    switch (type) {
    case CERT_NAME_EMAIL_TYPE:
        v = alt_first(gens, GEN_EMAIL);
        if (v == NULL)
            v = name_attr(nm, szOID_RSA_emailAddr, t61);
        break;
    case CERT_NAME_RDN_TYPE:
        /* pvTypePara points to CertNameToStr's dwStrType; none (or 0) is
         * the simple form (Wine str.c: NULL and &0 both give issuerStr,
         * the CERT_SIMPLE_NAME_STR string). */
        name_to_str(nm, para != NULL ? *(const DWORD *)para : 0, t61, out);
        break;
    case CERT_NAME_ATTR_TYPE:
        /* Without an OID: the email address, else what the simple
         * display shows (Wine str.c: "aric@codeweavers.com" for a name
         * with one, "localhost", its CN, for one without). */
        if (para != NULL)
            v = name_attr(nm, para, t61);
        else if ((v = name_attr(nm, szOID_RSA_emailAddr, t61)) == NULL)
            v = simple_display(nm, gens, t61);
        break;
    case CERT_NAME_SIMPLE_DISPLAY_TYPE:
    case CERT_NAME_FRIENDLY_DISPLAY_TYPE:
        /* No context has a friendly-name property here, so the friendly
         * form is the simple one (same page). */
        v = simple_display(nm, gens, t61);
        break;
    case CERT_NAME_DNS_TYPE:
        /* The first dNSName of the alternative names, else the CN; with
         * CERT_NAME_SEARCH_ALL_NAMES_FLAG all dNSNames, else the CN, as a
         * list (same page; Wine str.c: "ex1.org\0*.ex2.org\0"). */
        if (all) {
            *multi = true;
            if (alt_strings(gens, GEN_DNS, INT32_MAX, out) == 0) {
                v = name_attr(nm, szOID_COMMON_NAME, t61);
                if (v != NULL) {
                    sb_adds(out, v);
                    sb_add(out, "", 1);
                }
                free(v);
                v = NULL;
            }
        } else {
            v = alt_first(gens, GEN_DNS);
            if (v == NULL)
                v = name_attr(nm, szOID_COMMON_NAME, t61);
        }
        break;
    case CERT_NAME_URL_TYPE:
        v = alt_first(gens, GEN_URI);
        break;
    case CERT_NAME_UPN_TYPE:
        v = alt_upn(gens);
        break;
    default:
        break;
    }
    if (v != NULL)
        sb_adds(out, v);
    free(v);
out:
    GENERAL_NAMES_free(gens);
}

/*
 * Hand a name string to the caller in Windows' size protocol (MicrosoftDocs
 * sdk-api, nf-wincrypt-certgetnamestringw.md; Wine dlls/crypt32/tests/str.c,
 * test_CertGetNameString_value, recorded on Windows): the count always
 * includes the terminating NUL(s); a NULL buffer or a size of 0 asks for
 * the size. A buffer too small gets, from the A function, an empty string
 * and the count 1 (the truncated text is left behind the NUL); from the W
 * function the text cut to fit, NUL-terminated (twice for a list), and
 * the count of what was written.
 */
static DWORD
name_out(const struct sbuf *r, bool multi, bool wide, LPSTR a, LPWSTR w,
         DWORD cch)
{
    WCHAR *units = NULL;
    size_t total, pos = 0;
    const char *seg, *end;
    DWORD n;

    if (!wide) {
        total = r->len + 1;
        if (a == NULL || cch == 0)
            return (DWORD)total;
        if (cch >= total) {
            memcpy(a, r->p, r->len + 1);
            return (DWORD)total;
        }
        memcpy(a, r->p, cch);
        a[0] = '\0';
        return 1;
    }
    /* UTF-16, one name at a time (each is well-formed UTF-8). */
    units = malloc((r->len + 2) * sizeof(*units));
    if (units == NULL) {
        if (w != NULL && cch > 0)
            w[0] = 0;
        return 1;
    }
    seg = r->p;
    end = r->p + r->len;
    do {
        size_t k = 0;

        if (utf8_to_utf16(seg, (size_t)-1, NULL, &k) != SEC_E_OK)
            k = 0;
        utf8_to_utf16_into(seg, units + pos, k);
        pos += k + 1;
        seg += strlen(seg) + 1;
    } while (seg < end);
    if (multi && r->len > 0)
        units[pos++] = 0;
    total = pos;
    if (w == NULL || cch == 0) {
        n = (DWORD)total;
    } else if (cch >= total) {
        memcpy(w, units, total * sizeof(*w));
        n = (DWORD)total;
    } else if (multi && cch > 1) {
        memcpy(w, units, (cch - 2) * sizeof(*w));
        w[cch - 2] = 0;
        w[cch - 1] = 0;
        n = cch;
    } else {
        memcpy(w, units, (cch - 1) * sizeof(*w));
        w[cch - 1] = 0;
        n = cch;
    }
    free(units);
    return n;
}

static DWORD
get_name_string(const char *func, PCCERT_CONTEXT pCertContext, DWORD type,
                DWORD flags, const void *para, bool wide, LPSTR a, LPWSTR w,
                DWORD cch)
{
    struct cert_ctx *c = ctx_get(pCertContext);
    struct sbuf r = { 0 };
    bool multi = false;
    DWORD n;

    /* No context (or not one of ours): the empty string, count 1 (Wine
     * dlls/crypt32/tests/str.c, test_CertGetNameString: NULL). */
    if (c != NULL)
        name_string(c->x509, type, flags, para, &r, &multi);
    if (r.p == NULL || r.oom) {
        sb_free(&r);
        sb_add(&r, "", 0);
        multi = false;
    }
    if (r.p == NULL) {
        /* Not even an empty string could be allocated. */
        if (cch > 0 && a != NULL)
            a[0] = '\0';
        if (cch > 0 && w != NULL)
            w[0] = 0;
        n = 1;
    } else {
        n = name_out(&r, multi, wide, a, w, cch);
    }
    if (trace_enabled())
        trace_printf("%s(type %u, flags 0x%x) -> %u \"%s\"", func,
                     (unsigned)type, (unsigned)flags, (unsigned)n,
                     r.p != NULL ? r.p : "");
    sb_free(&r);
    ctx_unref(c);
    return n;
}

SSPIGSS_EXPORT DWORD WINAPI
CertGetNameStringA(PCCERT_CONTEXT pCertContext, DWORD dwType, DWORD dwFlags,
                   void *pvTypePara, LPSTR pszNameString, DWORD cchNameString)
{
    return get_name_string("CertGetNameStringA", pCertContext, dwType,
                           dwFlags, pvTypePara, false, pszNameString, NULL,
                           cchNameString);
}

SSPIGSS_EXPORT DWORD WINAPI
CertGetNameStringW(PCCERT_CONTEXT pCertContext, DWORD dwType, DWORD dwFlags,
                   void *pvTypePara, LPWSTR pszNameString, DWORD cchNameString)
{
    return get_name_string("CertGetNameStringW", pCertContext, dwType,
                           dwFlags, pvTypePara, true, NULL, pszNameString,
                           cchNameString);
}

/* ------------------------------------------------------------- PKCS #12 */

SSPIGSS_EXPORT HCERTSTORE WINAPI
PFXImportCertStore(CRYPT_DATA_BLOB *pPFX, LPCWSTR szPassword, DWORD dwFlags)
{
    static const char func[] = "PFXImportCertStore";
    struct cert_store *s = NULL;
    const char *why = "out of memory";
    char *pass = NULL;
    DWORD err;

    /* No blob: ERROR_INVALID_PARAMETER (Wine dlls/crypt32/tests/store.c,
     * test_PFXImportCertStore). */
    if (pPFX == NULL || (pPFX->pbData == NULL && pPFX->cbData != 0)) {
        fail(func, ERROR_INVALID_PARAMETER, "no PFX blob");
        return NULL;
    }
    /* The password arrives as UTF-16 and goes to OpenSSL as UTF-8, which
     * OpenSSL turns into the BMPString PKCS #12 derives keys from. One
     * that is not well-formed UTF-16 cannot be the right one. */
    if (szPassword != NULL
        && utf16_to_utf8(szPassword, (size_t)-1, &pass, NULL) != SEC_E_OK) {
        fail(func, ERROR_INVALID_PASSWORD,
             "the password is not well-formed UTF-16");
        return NULL;
    }
    /* A temporary memory store holds the result (MicrosoftDocs sdk-api,
     * nf-wincrypt-pfximportcertstore.md, Remarks). Keys are never
     * persisted: every import behaves as with PKCS12_NO_PERSIST_KEY;
     * PKCS12_ONLY_CERTIFICATES leaves the keys out. */
    s = store_new(false);
    err = s == NULL ? ERROR_NOT_ENOUGH_MEMORY
                    : load_pfx(s, pPFX->pbData, pPFX->cbData, pass,
                               (dwFlags & PKCS12_ONLY_CERTIFICATES) == 0,
                               &why);
    mem_free_secret_str(pass);
    if (err != 0) {
        bool pending;

        /* No context has left: the store goes with its handle. */
        if (s != NULL)
            store_close_handle(s, &pending);
        fail(func, err, why);
        return NULL;
    }
    trace_ok(func, s);
    return s;
}

/* ---------------------------------------------------- the library's view */

/*
 * The certificates of the store ctx belongs to (its own included), each
 * with a reference for the caller, or NULL (ctx not ours, memory). The
 * store lives, whole, as long as ctx does, even when the caller has
 * closed its handle (see the top of the file): a server certificate
 * found in a PFX store that was closed at once still finds its CA
 * certificates here.
 */
STACK_OF(X509) *
crypt32_store_certs(PCCERT_CONTEXT ctx)
{
    struct cert_ctx *c = ctx_get(ctx), *it;
    STACK_OF(X509) *out;

    if (c == NULL)
        return NULL;
    out = sk_X509_new_null();
    if (out != NULL) {
        pthread_mutex_lock(&c->store->lock);
        for (it = c->store->head; it != NULL; it = it->next) {
            if (!sk_X509_push(out, it->x509)) {
                sk_X509_free(out);
                out = NULL;
                break;
            }
            X509_up_ref(it->x509);
        }
        pthread_mutex_unlock(&c->store->lock);
        if (out != NULL && sk_X509_num(out) == 0) {
            /* A context in no store: itself only. */
            if (sk_X509_push(out, c->x509))
                X509_up_ref(c->x509);
        }
    }
    ctx_unref(c);
    return out;
}

bool
crypt32_is_context(PCCERT_CONTEXT ctx)
{
    bool ok;

    pthread_mutex_lock(&g_lock);
    ok = table_has(&live_ctx, ctx);
    pthread_mutex_unlock(&g_lock);
    return ok;
}

X509 *
crypt32_x509(PCCERT_CONTEXT ctx)
{
    return crypt32_is_context(ctx) ? ((const struct cert_ctx *)ctx)->x509
                                   : NULL;
}

EVP_PKEY *
crypt32_private_key(PCCERT_CONTEXT ctx)
{
    return crypt32_is_context(ctx) ? ((const struct cert_ctx *)ctx)->key
                                   : NULL;
}

PCCERT_CONTEXT
crypt32_from_x509(X509 *x509, EVP_PKEY *key)
{
    struct cert_ctx *c = NULL;
    DWORD err;

    if (x509 == NULL) {
        trace_cause("crypt32_from_x509: no certificate");
        return NULL;
    }
    err = ctx_new(x509, NULL, 0, key, X509_ASN_ENCODING, &detached_store,
                  &c);
    if (err != 0) {
        ERR_clear_error();
        trace_cause("crypt32_from_x509: cannot make a context: %s",
                    error_name(err));
        return NULL;
    }
    return &c->pub;
}

size_t
crypt32_live_contexts(void)
{
    size_t n;

    pthread_mutex_lock(&g_lock);
    n = live_ctx.n;
    pthread_mutex_unlock(&g_lock);
    return n;
}

size_t
crypt32_live_stores(void)
{
    size_t n;

    pthread_mutex_lock(&g_lock);
    n = live_store.n;
    pthread_mutex_unlock(&g_lock);
    return n;
}
