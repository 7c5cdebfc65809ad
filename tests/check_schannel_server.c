/*
 * check_schannel_server.c - the Schannel package on both ends at once: a
 * client context and a server context of this library, in one process,
 * handing each other their tokens (no network). This is where the server
 * side's rules are pinned down: the handshake both ways, certificates
 * given as crypt32 contexts (a PFX imported with PFXImportCertStore), a
 * client certificate asked for (ASC_REQ_MUTUAL_AUTH), sent, declined
 * (SEC_I_INCOMPLETE_CREDENTIALS) or found in the MY store, channel
 * bindings, ALPN, and the server's answers to bad input. The peers that
 * are not this library (openssl s_client and s_server) are in
 * check_schannel.c.
 *
 * tests/check_schannel_server.sh makes the test PKI (tests/harness/tls.sh)
 * and names its directory in SSPIGSS_TLS_DIR: trust.pem, localhost.p12,
 * client.p12 (password "p12-pw"), client-nopw.p12, localhost.pem, ...
 */
#include "setup.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sspigss/schannel.h>
#include <sspigss/wincrypt.h>

#include "handles.h"
#include "internal.h"
#include "testutil.h"

#define assert_sec(got, want)                                             \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

static const char *pki;
static char trust[512];
static size_t bufs_before;

static void
setup(void)
{
    bufs_before = ctxbuf_outstanding();
    ck_assert_int_eq(setenv("SSL_CERT_FILE", trust, 1), 0);
    ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent", 1), 0);
    unsetenv("SSPIGSS_CERT_STORE_MY");
}

static void
teardown(void)
{
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "credential handles left");
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "context handles left");
    ck_assert_msg(ctxbuf_outstanding() == bufs_before, "buffers not freed");
}

/* ------------------------------------------------------- certificates */

static unsigned char *
read_file(const char *name, size_t *len)
{
    char path[600];
    unsigned char *p;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", pki, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_gt(n, 0);
    rewind(f);
    p = malloc((size_t)n);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* The certificate with a private key from a PFX of the test PKI. The
 * store is closed at once, as ported code often does: the context keeps
 * it, CA certificates included, and a credential made from it sends them
 * as the chain (docs/crypt32.md). */
static PCCERT_CONTEXT
pfx_cert(const char *name)
{
    static const WCHAR pw[] = u"p12-pw";
    CRYPT_DATA_BLOB blob;
    HCERTSTORE store;
    PCCERT_CONTEXT c;
    size_t n;

    blob.pbData = read_file(name, &n);
    blob.cbData = (DWORD)n;
    store = PFXImportCertStore(&blob, pw, 0);
    free(blob.pbData);
    ck_assert_ptr_nonnull(store);
    c = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                   CERT_FIND_HAS_PRIVATE_KEY, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert(CertCloseStore(store, 0));
    return c;
}

static SECURITY_STATUS
acquire(bool server, DWORD protocols, DWORD flags, PCCERT_CONTEXT cert,
        CredHandle *h)
{
    SCHANNEL_CRED sc;
    TimeStamp ts;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = protocols;
    sc.dwFlags = flags;
    if (cert != NULL) {
        sc.cCreds = 1;
        sc.paCred = &cert;
    }
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel",
                                     server ? SECPKG_CRED_INBOUND
                                            : SECPKG_CRED_OUTBOUND,
                                     NULL, &sc, NULL, NULL, h, &ts);
}

static void
server_cred(CredHandle *h, DWORD protocols)
{
    PCCERT_CONTEXT c = pfx_cert("localhost.p12");

    assert_sec(acquire(true, protocols, 0, c, h), SEC_E_OK);
    CertFreeCertificateContext(c);
}

/* A client credential; with the client certificate when asked. */
static void
client_cred(CredHandle *h, DWORD protocols, DWORD flags, bool with_cert)
{
    PCCERT_CONTEXT c = with_cert ? pfx_cert("client.p12") : NULL;

    assert_sec(acquire(false, protocols, flags, c, h), SEC_E_OK);
    if (c != NULL)
        CertFreeCertificateContext(c);
}

/* The simple display name of a context's certificate attribute. */
static void
assert_cert_name(CtxtHandle *h, ULONG attr, const char *want)
{
    PCCERT_CONTEXT c = NULL;
    char name[256];

    assert_sec(QueryContextAttributesA(h, attr, &c), SEC_E_OK);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_gt(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                         0, NULL, name, sizeof(name)), 1);
    ck_assert_str_eq(name, want);
    ck_assert(CertFreeCertificateContext(c));
}

/* ------------------------------------------------------------- the pump */

/* One direction of the wire: bytes sent and not yet taken. */
struct wire {
    unsigned char b[65536];
    size_t n;
};

struct end {
    CredHandle *cred;
    CtxtHandle ctx;
    bool have;                      /* ctx is valid */
    ULONG req, attrs;
    SECURITY_STATUS st;
    bool done;
    const void *alpn;               /* SEC_APPLICATION_PROTOCOLS, first call */
    ULONG alpn_len;
    int tickets;                    /* SEC_I_RENEGOTIATE with nothing to send */
    bool alert_buffer;              /* output [TOKEN, ALERT, EMPTY] */
    size_t alert_len;               /* what the ALERT buffer got */
    SCHANNEL_ALERT_TOKEN alert;     /* ... when it is that */
};

/* Take what the peer sent (in), call ISC or ASC, send what it answers
 * (out). The input's unused tail (EXTRA) stays on the wire. */
static SECURITY_STATUS
step(struct end *e, bool server, struct wire *in, struct wire *out)
{
    SecBuffer ib[3], ob[3];
    SecBufferDesc id = { SECBUFFER_VERSION, 0, ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, ob };
    ULONG i, nb = 0;
    SECURITY_STATUS st;

    ib[nb].BufferType = SECBUFFER_TOKEN;
    ib[nb].pvBuffer = in->b;
    ib[nb].cbBuffer = (ULONG)in->n;
    nb++;
    if (e->alpn != NULL && !e->have) {
        ib[nb].BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
        ib[nb].pvBuffer = (void *)e->alpn;
        ib[nb].cbBuffer = e->alpn_len;
        nb++;
    }
    ib[nb].BufferType = SECBUFFER_EMPTY;
    ib[nb].pvBuffer = NULL;
    ib[nb].cbBuffer = 0;
    nb++;
    id.cBuffers = nb;
    ob[0].BufferType = SECBUFFER_TOKEN;
    ob[0].pvBuffer = NULL;
    ob[0].cbBuffer = 0;
    if (e->alert_buffer) {
        /* As curl and schannel-rs lay out their output. */
        ob[1] = (SecBuffer){ 0, SECBUFFER_ALERT, NULL };
        ob[2] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
        od.cBuffers = 3;
    }
    if (server)
        st = AcceptSecurityContext(e->cred, e->have ? &e->ctx : NULL, &id,
                                   e->req | ASC_REQ_ALLOCATE_MEMORY
                                       | ASC_REQ_STREAM,
                                   0, &e->ctx, &od, &e->attrs, NULL);
    else if (!e->have)
        st = InitializeSecurityContextA(
            e->cred, NULL, (SEC_CHAR *)"localhost",
            e->req | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0,
            e->alpn != NULL ? &id : NULL, 0, &e->ctx, &od, &e->attrs,
            NULL);
    else
        st = InitializeSecurityContextA(
            e->cred, &e->ctx, (SEC_CHAR *)"localhost",
            e->req | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, &id,
            0, NULL, &od, &e->attrs, NULL);
    e->st = st;
    if (SEC_SUCCESS(st)) {
        size_t extra = 0;

        if (!server && !e->have && e->alpn == NULL)
            extra = in->n;          /* the first client call takes none */
        for (i = 1; i < nb; i++)
            if (ib[i].BufferType == SECBUFFER_EXTRA)
                extra = ib[i].cbBuffer;
        ck_assert_uint_le(extra, in->n);
        memmove(in->b, in->b + in->n - extra, extra);
        in->n = extra;
        e->have = true;
        if (st == SEC_E_OK)
            e->done = true;
    }
    if (ob[0].cbBuffer > 0) {
        ck_assert_ptr_nonnull(ob[0].pvBuffer);
        ck_assert_uint_le(out->n + ob[0].cbBuffer, sizeof(out->b));
        memcpy(out->b + out->n, ob[0].pvBuffer, ob[0].cbBuffer);
        out->n += ob[0].cbBuffer;
    }
    if (ob[0].pvBuffer != NULL)
        assert_sec(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
    if (e->alert_buffer && ob[1].pvBuffer != NULL) {
        e->alert_len = ob[1].cbBuffer;
        if (e->alert_len == sizeof(e->alert))
            memcpy(&e->alert, ob[1].pvBuffer, sizeof(e->alert));
        assert_sec(FreeContextBuffer(ob[1].pvBuffer), SEC_E_OK);
    }
    return st;
}

/*
 * Run the handshake until both ends are done or one fails or stops with
 * a status other than CONTINUE_NEEDED (SEC_I_INCOMPLETE_CREDENTIALS).
 * Returns false when it stopped before both were done.
 */
static bool
pump(struct end *cl, struct end *sv, struct wire *c2s, struct wire *s2c)
{
    int rounds;

    if (!cl->have) {
        step(cl, false, s2c, c2s);
        if (cl->st != SEC_I_CONTINUE_NEEDED)
            return false;
    }
    for (rounds = 0; rounds < 20; rounds++) {
        if (c2s->n > 0 && !sv->done) {
            step(sv, true, c2s, s2c);
            if (!SEC_SUCCESS(sv->st) && sv->st != SEC_E_INCOMPLETE_MESSAGE)
                return false;
        }
        if (cl->done && sv->done)
            return true;
        if ((s2c->n > 0 || cl->st == SEC_I_INCOMPLETE_CREDENTIALS)
            && !cl->done) {
            step(cl, false, s2c, c2s);
            if (cl->st != SEC_E_OK && cl->st != SEC_I_CONTINUE_NEEDED)
                return false;
        }
        if (cl->done && sv->done)
            return true;
    }
    ck_abort_msg("the handshake did not end in 20 rounds");
    return false;
}

static void
end_free(struct end *e)
{
    if (e->have)
        assert_sec(DeleteSecurityContext(&e->ctx), SEC_E_OK);
    e->have = false;
}

/*
 * SEC_I_RENEGOTIATE for a TLS 1.3 session ticket, answered as Windows asks
 * (Microsoft Learn, Recognizing a Request to Renegotiate a Connection):
 * InitializeSecurityContext with the SECBUFFER_EXTRA bytes, which has
 * nothing to send and hands them all back as EXTRA.
 */
static void
answer_ticket(struct end *e, struct wire *w)
{
    SecBuffer ib[2] = { { (ULONG)w->n, SECBUFFER_TOKEN, w->b },
                        { 0, SECBUFFER_EMPTY, NULL } };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

    assert_sec(InitializeSecurityContextA(
                   e->cred, &e->ctx, (SEC_CHAR *)"localhost",
                   ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, &id, 0,
                   NULL, &od, &e->attrs, NULL),
               SEC_E_OK);
    ck_assert_uint_eq(ob.cbBuffer, 0);
    ck_assert_ptr_null(ob.pvBuffer);
    if (w->n > 0) {
        ck_assert_int_eq(ib[1].BufferType, SECBUFFER_EXTRA);
        ck_assert_uint_eq(ib[1].cbBuffer, w->n);
    }
    e->tickets++;
}

/* EncryptMessage at one end, DecryptMessage at the other; w is the wire
 * between them (it may hold records sent before, TLS 1.3 tickets). */
static void
roundtrip(struct end *from, struct end *to, struct wire *w, const char *text)
{
    SecPkgContext_StreamSizes sz;
    unsigned char *rec = w->b + w->n;
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    size_t n = strlen(text);
    SECURITY_STATUS st;

    assert_sec(QueryContextAttributesA(&from->ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    ck_assert_uint_lt(w->n + sz.cbHeader + n + sz.cbTrailer, sizeof(w->b));
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = rec;
    b[0].cbBuffer = sz.cbHeader;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = rec + sz.cbHeader;
    b[1].cbBuffer = (ULONG)n;
    memcpy(rec + sz.cbHeader, text, n);
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = rec + sz.cbHeader + n;
    b[2].cbBuffer = sz.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].pvBuffer = NULL;
    b[3].cbBuffer = 0;
    assert_sec(EncryptMessage(&from->ctx, 0, &d, 0), SEC_E_OK);
    w->n += b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
    for (;;) {
        unsigned i;

        b[0].BufferType = SECBUFFER_DATA;
        b[0].pvBuffer = w->b;
        b[0].cbBuffer = (ULONG)w->n;
        for (i = 1; i < 4; i++) {
            b[i].BufferType = SECBUFFER_EMPTY;
            b[i].pvBuffer = NULL;
            b[i].cbBuffer = 0;
        }
        st = DecryptMessage(&to->ctx, &d, 0, NULL);
        if (st == SEC_E_OK && b[1].cbBuffer > 0)
            break;
        /* A record without data (a TLS 1.3 ticket) came first. */
        assert_sec(st, SEC_I_RENEGOTIATE);
        ck_assert_uint_eq(b[1].cbBuffer, 0);
        ck_assert_int_eq(b[3].BufferType, SECBUFFER_EXTRA);
        memmove(w->b, b[3].pvBuffer, b[3].cbBuffer);
        w->n = b[3].cbBuffer;
        answer_ticket(to, w);
    }
    ck_assert_int_eq(b[1].BufferType, SECBUFFER_DATA);
    ck_assert_uint_eq(b[1].cbBuffer, strlen(text));
    ck_assert(memcmp(b[1].pvBuffer, text, strlen(text)) == 0);
    ck_assert_int_ne(b[3].BufferType, SECBUFFER_EXTRA);
    w->n = 0;
}

/* The DER of a PEM certificate of the PKI (OPENSSL_free it). */
static unsigned char *
pem_der(const char *name, size_t *len)
{
    char path[600];
    unsigned char *der = NULL;
    X509 *x;
    FILE *f;
    int n;

    snprintf(path, sizeof(path), "%s/%s", pki, name);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(x);
    n = i2d_X509(x, &der);
    ck_assert_int_gt(n, 0);
    X509_free(x);
    *len = (size_t)n;
    return der;
}

/* The SHA-256 of a PEM certificate's DER, computed here. */
static void
cert_sha256(const char *name, unsigned char out[32])
{
    unsigned int len = 0;
    size_t n;
    unsigned char *der = pem_der(name, &n);

    ck_assert_int_eq(EVP_Digest(der, n, out, &len, EVP_sha256(), NULL), 1);
    ck_assert_uint_eq(len, 32);
    OPENSSL_free(der);
}

/* A bindings attribute's application data (prefix + value), checked. */
static size_t
bindings(CtxtHandle *h, ULONG attr, unsigned char *out, size_t size)
{
    SecPkgContext_Bindings b = { 0, NULL };
    const SEC_CHANNEL_BINDINGS *cb;
    size_t n;

    assert_sec(QueryContextAttributesA(h, attr, &b), SEC_E_OK);
    cb = b.Bindings;
    ck_assert_ptr_nonnull(cb);
    ck_assert_uint_eq(cb->dwInitiatorAddrType, 0);
    ck_assert_uint_eq(cb->cbInitiatorLength, 0);
    ck_assert_uint_eq(cb->cbAcceptorLength, 0);
    ck_assert_uint_eq(cb->dwApplicationDataOffset,
                      sizeof(SEC_CHANNEL_BINDINGS));
    ck_assert_uint_eq(b.BindingsLength, sizeof(SEC_CHANNEL_BINDINGS)
                                            + cb->cbApplicationDataLength);
    n = cb->cbApplicationDataLength;
    ck_assert_uint_le(n, size);
    memcpy(out, (const unsigned char *)cb + cb->dwApplicationDataOffset, n);
    assert_sec(FreeContextBuffer(b.Bindings), SEC_E_OK);
    return n;
}

/* A WCHAR field equal to an ASCII string. */
static void
assert_wstr(const WCHAR *w, const char *want)
{
    char got[SZ_ALG_MAX_SIZE + 1];
    size_t i;

    for (i = 0; i < SZ_ALG_MAX_SIZE && w[i] != 0; i++)
        got[i] = w[i] < 0x80 ? (char)w[i] : '?';
    got[i] = '\0';
    ck_assert_str_eq(got, want);
}

/* CIPHER_INFO at both ends: the same suite, named as CNG names it. */
static void
assert_cipher_info(struct end *cl, struct end *sv, DWORD protocol,
                   const char *suite, DWORD suite_id, const char *hash)
{
    SecPkgContext_CipherInfo a, b;

    assert_sec(QueryContextAttributesA(&cl->ctx, SECPKG_ATTR_CIPHER_INFO,
                                       &a), SEC_E_OK);
    assert_sec(QueryContextAttributesA(&sv->ctx, SECPKG_ATTR_CIPHER_INFO,
                                       &b), SEC_E_OK);
    ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
    ck_assert_uint_eq(a.dwVersion, SECPKGCONTEXT_CIPHERINFO_V1);
    ck_assert_uint_eq(a.dwProtocol, protocol);
    ck_assert_uint_eq(a.dwCipherSuite, suite_id);
    ck_assert_uint_eq(a.dwBaseCipherSuite, suite_id);
    assert_wstr(a.szCipherSuite, suite);
    assert_wstr(a.szCipher, "AES");
    ck_assert_uint_eq(a.dwCipherLen, 256);
    assert_wstr(a.szHash, hash);
    assert_wstr(a.szExchange, "ECDH");
    assert_wstr(a.szCertificate, "ECDSA");
}

/* ---------------------------------------------------------------- tests */

START_TEST(handshake_tls13)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    SecPkgContext_ConnectionInfo ci;
    unsigned char a[128], b[128], h[32];
    PCCERT_CONTEXT none = NULL;
    size_t na, nb;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    ck_assert_uint_eq(sv.attrs & (ASC_RET_STREAM | ASC_RET_CONFIDENTIALITY
                                  | ASC_RET_SEQUENCE_DETECT
                                  | ASC_RET_REPLAY_DETECT),
                      ASC_RET_STREAM | ASC_RET_CONFIDENTIALITY
                          | ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT);
    ck_assert_uint_eq(sv.attrs & ASC_RET_MUTUAL_AUTH, 0);
    ck_assert_uint_ne(cl.attrs & ISC_RET_STREAM, 0);
    assert_sec(QueryContextAttributesA(&sv.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_eq(ci.dwProtocol, SP_PROT_TLS1_3_SERVER);
    assert_sec(QueryContextAttributesA(&cl.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_eq(ci.dwProtocol, SP_PROT_TLS1_3_CLIENT);

    assert_cipher_info(&cl, &sv, 0x0304, "TLS_AES_256_GCM_SHA384", 0x1302,
                       "SHA384");
    /* KEY_INFO, both ends, A and W: the server certificate's signature
     * algorithm, the record cipher and its key size. */
    {
        SecPkgContext_KeyInfoA ka;
        SecPkgContext_KeyInfoW kw;

        assert_sec(QueryContextAttributesA(&cl.ctx, SECPKG_ATTR_KEY_INFO,
                                           &ka), SEC_E_OK);
        ck_assert_str_eq(ka.sSignatureAlgorithmName, "ECDSA");
        ck_assert_str_eq(ka.sEncryptAlgorithmName, "AES");
        ck_assert_uint_eq(ka.KeySize, 256);
        ck_assert_uint_eq(ka.SignatureAlgorithm, CALG_ECDSA);
        ck_assert_uint_eq(ka.EncryptAlgorithm, CALG_AES_256);
        assert_sec(FreeContextBuffer(ka.sSignatureAlgorithmName), SEC_E_OK);
        assert_sec(FreeContextBuffer(ka.sEncryptAlgorithmName), SEC_E_OK);
        assert_sec(QueryContextAttributesW(&sv.ctx, SECPKG_ATTR_KEY_INFO,
                                           &kw), SEC_E_OK);
        assert_wstr(kw.sSignatureAlgorithmName, "ECDSA");
        assert_wstr(kw.sEncryptAlgorithmName, "AES");
        ck_assert_uint_eq(kw.KeySize, 256);
        ck_assert_uint_eq(kw.SignatureAlgorithm, CALG_ECDSA);
        ck_assert_uint_eq(kw.EncryptAlgorithm, CALG_AES_256);
        assert_sec(FreeContextBuffer(kw.sSignatureAlgorithmName), SEC_E_OK);
        assert_sec(FreeContextBuffer(kw.sEncryptAlgorithmName), SEC_E_OK);
    }
    /* Data both ways; the server's two tickets (OpenSSL's default) are
     * SEC_I_RENEGOTIATE on the way, as on Windows 11 (curl/curl#18983). */
    roundtrip(&cl, &sv, &c2s, "hello, server");
    roundtrip(&sv, &cl, &s2c, "hello, client");
    roundtrip(&cl, &sv, &c2s, "and again");
    ck_assert_int_eq(cl.tickets, 2);
    ck_assert_int_eq(sv.tickets, 0);

    /* Certificates: the server's both ways; the client sent none. */
    assert_cert_name(&cl.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, "localhost");
    /* The peer's context's store holds what the server sent, in order:
     * its certificate and the intermediate CA from its PFX (curl's
     * CURLINFO_CERTINFO walks this store). */
    {
        static const char *const sent[] = { "localhost",
                                            "sspigss test intermediate CA" };
        PCCERT_CONTEXT peer = NULL, e = NULL;
        char name[256];
        int n = 0;

        assert_sec(QueryContextAttributesA(&cl.ctx,
                                           SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                           &peer), SEC_E_OK);
        while ((e = CertEnumCertificatesInStore(peer->hCertStore, e))
               != NULL) {
            ck_assert_int_lt(n, 2);
            ck_assert_uint_gt(CertGetNameStringA(e,
                                                 CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                                 0, NULL, name, sizeof(name)),
                              1);
            ck_assert_str_eq(name, sent[n]);
            n++;
        }
        ck_assert_int_eq(n, 2);
        ck_assert(CertFreeCertificateContext(peer));
    }
    assert_cert_name(&sv.ctx, SECPKG_ATTR_LOCAL_CERT_CONTEXT, "localhost");
    assert_sec(QueryContextAttributesA(&sv.ctx,
                                       SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                       &none), SEC_E_NO_CREDENTIALS);
    ck_assert_ptr_null(none);

    /* tls-server-end-point: the same at both ends, RFC 5929's value. */
    na = bindings(&cl.ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, a, sizeof(a));
    nb = bindings(&sv.ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, b, sizeof(b));
    ck_assert_uint_eq(na, 21 + 32);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(a, b, na) == 0);
    ck_assert(memcmp(a, "tls-server-end-point:", 21) == 0);
    cert_sha256("localhost.pem", h);
    ck_assert(memcmp(a + 21, h, 32) == 0);
    /* tls-unique has no TLS 1.3 definition (RFC 9266). */
    {
        SecPkgContext_Bindings u = { 0, NULL };

        assert_sec(QueryContextAttributesA(&cl.ctx,
                                           SECPKG_ATTR_UNIQUE_BINDINGS, &u),
                   SEC_E_UNSUPPORTED_FUNCTION);
        ck_assert_ptr_null(u.Bindings);
    }
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

START_TEST(handshake_tls12)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    SecPkgContext_ConnectionInfo ci;
    unsigned char a[128], b[128];
    size_t na, nb;

    c2s.n = s2c.n = 0;
    server_cred(&sc, SP_PROT_TLS1_2_SERVER);
    client_cred(&cc, 0, 0, false);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_sec(QueryContextAttributesA(&sv.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_eq(ci.dwProtocol, SP_PROT_TLS1_2_SERVER);
    assert_cipher_info(&cl, &sv, 0x0303,
                       "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C,
                       "SHA384");
    /* A TLS 1.2 session ID at both ends (with tickets OpenSSL's client
     * makes its own); not a resumption. */
    {
        SecPkgContext_SessionInfo x, y;

        assert_sec(QueryContextAttributesA(&cl.ctx, SECPKG_ATTR_SESSION_INFO,
                                           &x), SEC_E_OK);
        assert_sec(QueryContextAttributesA(&sv.ctx, SECPKG_ATTR_SESSION_INFO,
                                           &y), SEC_E_OK);
        ck_assert_uint_eq(x.cbSessionId, 32);
        ck_assert_uint_le(y.cbSessionId, 32);   /* none with tickets */
        ck_assert_uint_eq(x.dwFlags, 0);
        ck_assert_uint_eq(y.dwFlags, 0);
    }
    roundtrip(&cl, &sv, &c2s, "twelve");
    roundtrip(&sv, &cl, &s2c, "evlewt");
    /* tls-unique: the client's Finished (12 bytes), at both ends. */
    na = bindings(&cl.ctx, SECPKG_ATTR_UNIQUE_BINDINGS, a, sizeof(a));
    nb = bindings(&sv.ctx, SECPKG_ATTR_UNIQUE_BINDINGS, b, sizeof(b));
    ck_assert_uint_eq(na, 11 + 12);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(a, b, na) == 0);
    ck_assert(memcmp(a, "tls-unique:", 11) == 0);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

START_TEST(client_certificate)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc,
                                            .req = ASC_REQ_MUTUAL_AUTH };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, true);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    ck_assert_uint_ne(sv.attrs & ASC_RET_MUTUAL_AUTH, 0);
    assert_cert_name(&sv.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, "alice");
    assert_cert_name(&cl.ctx, SECPKG_ATTR_LOCAL_CERT_CONTEXT, "alice");
    roundtrip(&cl, &sv, &c2s, "from alice");
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/*
 * The server asks, the client has no certificate and may not look for
 * one: SEC_I_INCOMPLETE_CREDENTIALS; the same input handed in again (as
 * curl does) goes on without a certificate, and the server, which does
 * not require one, completes. _i runs TLS 1.3 and TLS 1.2.
 */
START_TEST(incomplete_credentials)
{
    static const DWORD prot[] = { 0, SP_PROT_TLS1_2_SERVER };
    CredHandle cc, sc;
    struct end cl = { .cred = &cc, .req = ISC_REQ_USE_SUPPLIED_CREDS },
               sv = { .cred = &sc, .req = ASC_REQ_MUTUAL_AUTH };
    static struct wire c2s, s2c;
    PCCERT_CONTEXT none = NULL;

    c2s.n = s2c.n = 0;
    server_cred(&sc, prot[_i]);
    client_cred(&cc, 0, 0, false);
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    assert_sec(cl.st, SEC_I_INCOMPLETE_CREDENTIALS);
    ck_assert(cl.have);
    ck_assert(!cl.done);
    /* What the call did not take is EXTRA (left on the wire); the next
     * call, with it, goes on without a certificate. */
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    ck_assert(cl.done && sv.done);
    ck_assert_uint_ne(cl.attrs & ISC_RET_USED_SUPPLIED_CREDS, 0);
    assert_sec(QueryContextAttributesA(&sv.ctx,
                                       SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                       &none), SEC_E_NO_CREDENTIALS);
    roundtrip(&cl, &sv, &c2s, "anonymous");
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* The same, with the server's flight handed in again on the next call,
 * byte for byte, as curl's Schannel back end does. */
START_TEST(incomplete_credentials_replayed)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc, .req = ISC_REQ_USE_SUPPLIED_CREDS },
               sv = { .cred = &sc, .req = ASC_REQ_MUTUAL_AUTH };
    static struct wire c2s, s2c, saved;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_I_CONTINUE_NEEDED);
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_I_CONTINUE_NEEDED);
    saved = s2c;
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_I_INCOMPLETE_CREDENTIALS);
    ck_assert_uint_eq(c2s.n, 0);    /* nothing to send yet */
    s2c = saved;
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_E_OK);
    ck_assert_uint_eq(s2c.n, 0);
    ck_assert_uint_gt(c2s.n, 0);
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_E_OK);
    roundtrip(&cl, &sv, &c2s, "replayed");
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* After SEC_I_INCOMPLETE_CREDENTIALS the next call may bring a new
 * credential, with the certificate to send. */
START_TEST(incomplete_then_new_credential)
{
    CredHandle cc, cc2, sc;
    struct end cl = { .cred = &cc, .req = ISC_REQ_USE_SUPPLIED_CREDS },
               sv = { .cred = &sc, .req = ASC_REQ_MUTUAL_AUTH };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    client_cred(&cc2, 0, 0, true);
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    assert_sec(cl.st, SEC_I_INCOMPLETE_CREDENTIALS);
    cl.cred = &cc2;
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_cert_name(&sv.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, "alice");
    /* The old credential can go; the context holds the new one. */
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&cc2);
    roundtrip(&cl, &sv, &c2s, "late alice");
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Another credential in the middle of a handshake, when no certificate
 * was asked for: SEC_E_WRONG_CREDENTIAL_HANDLE. */
START_TEST(wrong_credential)
{
    CredHandle cc, cc2, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    client_cred(&cc2, 0, 0, false);
    step(&cl, false, &s2c, &c2s);
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_I_CONTINUE_NEEDED);
    cl.cred = &cc2;
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_E_WRONG_CREDENTIAL_HANDLE);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&cc2);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Windows' default: a client certificate from the MY store, unless
 * SCH_CRED_NO_DEFAULT_CREDS (then SEC_I_INCOMPLETE_CREDENTIALS). */
START_TEST(default_client_certificate)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc,
                                            .req = ASC_REQ_MUTUAL_AUTH };
    static struct wire c2s, s2c;
    char my[600], from[600], to[700];

    snprintf(my, sizeof(my), "%s/my-store", pki);
    (void)mkdir(my, 0700);
    snprintf(from, sizeof(from), "%s/client-nopw.p12", pki);
    snprintf(to, sizeof(to), "%s/alice.p12", my);
    (void)unlink(to);
    ck_assert_int_eq(symlink(from, to), 0);
    ck_assert_int_eq(setenv("SSPIGSS_CERT_STORE_MY", my, 1), 0);

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_cert_name(&sv.ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, "alice");
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);

    /* Told not to look: the caller decides. */
    c2s.n = s2c.n = 0;
    cl = (struct end){ .cred = &cc };
    sv = (struct end){ .cred = &sc, .req = ASC_REQ_MUTUAL_AUTH };
    client_cred(&cc, 0, SCH_CRED_NO_DEFAULT_CREDS, false);
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    assert_sec(cl.st, SEC_I_INCOMPLETE_CREDENTIALS);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    ck_assert_int_eq(unlink(to), 0);
}
END_TEST

/* SEC_APPLICATION_PROTOCOLS with one ALPN list, in buf. */
static ULONG
alpn_buffer(unsigned char *buf, const char *const *names)
{
    const size_t head = offsetof(SEC_APPLICATION_PROTOCOL_LIST,
                                 ProtocolList);
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext =
        SecApplicationProtocolNegotiationExt_ALPN;
    unsigned char *list = buf + sizeof(ULONG) + head;
    unsigned short n = 0;
    ULONG total;

    for (; *names != NULL; names++) {
        list[n] = (unsigned char)strlen(*names);
        memcpy(list + n + 1, *names, strlen(*names));
        n = (unsigned short)(n + 1 + strlen(*names));
    }
    memcpy(buf + sizeof(ULONG)
               + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtoNegoExt),
           &ext, sizeof(ext));
    memcpy(buf + sizeof(ULONG)
               + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize),
           &n, sizeof(n));
    total = (ULONG)(head + n);
    memcpy(buf, &total, sizeof(total));
    return (ULONG)(sizeof(ULONG) + total);
}

static void
assert_alpn(CtxtHandle *h, const char *want)
{
    SecPkgContext_ApplicationProtocol ap;

    memset(&ap, 0xA5, sizeof(ap));
    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_APPLICATION_PROTOCOL,
                                       &ap), SEC_E_OK);
    if (want == NULL) {
        ck_assert_int_eq(ap.ProtoNegoStatus,
                         SecApplicationProtocolNegotiationStatus_None);
        ck_assert_uint_eq(ap.ProtocolIdSize, 0);
        return;
    }
    ck_assert_int_eq(ap.ProtoNegoStatus,
                     SecApplicationProtocolNegotiationStatus_Success);
    ck_assert_int_eq(ap.ProtoNegoExt,
                     SecApplicationProtocolNegotiationExt_ALPN);
    ck_assert_uint_eq(ap.ProtocolIdSize, strlen(want));
    ck_assert(memcmp(ap.ProtocolId, want, strlen(want)) == 0);
}

START_TEST(alpn)
{
    static const char *const offer[] = { "h2", "http/1.1", NULL };
    static const char *const serves[] = { "http/1.1", "h2c", NULL };
    static const char *const other[] = { "imap", NULL };
    unsigned char cbuf[64], sbuf[64], obuf[64];
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    cl.alpn = cbuf;
    cl.alpn_len = alpn_buffer(cbuf, offer);
    sv.alpn = sbuf;
    sv.alpn_len = alpn_buffer(sbuf, serves);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_alpn(&cl.ctx, "http/1.1");
    assert_alpn(&sv.ctx, "http/1.1");
    end_free(&cl);
    end_free(&sv);

    /* Nothing in common: the handshake goes on without ALPN. */
    c2s.n = s2c.n = 0;
    cl = (struct end){ .cred = &cc, .alpn = cbuf, .alpn_len = cl.alpn_len };
    sv = (struct end){ .cred = &sc, .alpn = obuf,
                       .alpn_len = alpn_buffer(obuf, other) };
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_alpn(&cl.ctx, NULL);
    assert_alpn(&sv.ctx, NULL);
    end_free(&cl);
    end_free(&sv);

    /* A list whose length runs past the buffer. */
    c2s.n = s2c.n = 0;
    cl = (struct end){ .cred = &cc, .alpn = cbuf, .alpn_len = 5 };
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_E_INVALID_TOKEN);
    ck_assert(!cl.have);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* What a server says to input that is not a (whole) ClientHello. */
START_TEST(server_bad_input)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c, hello;
    SecBuffer ib[2];
    SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
    size_t i;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);

    /* Plain text on a TLS port: SEC_E_INVALID_TOKEN, no context. */
    memcpy(c2s.b, http, strlen(http));
    c2s.n = strlen(http);
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_E_INVALID_TOKEN);
    ck_assert(!sv.have);
    ck_assert_uint_eq(s2c.n, 0);

    /* A ClientHello a byte at a time: SEC_E_INCOMPLETE_MESSAGE and the
     * bytes still missing (the 5-byte header first), no context, until
     * it is whole. */
    c2s.n = 0;
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_I_CONTINUE_NEEDED);
    hello = c2s;
    for (i = 1; i < hello.n; i += (i < 8 ? 1 : 97)) {
        SECURITY_STATUS st;
        ULONG attrs;
        size_t want = i < 5 ? 5 - i : hello.n - i;

        ib[0].BufferType = SECBUFFER_TOKEN;
        ib[0].pvBuffer = hello.b;
        ib[0].cbBuffer = (ULONG)i;
        ib[1].BufferType = SECBUFFER_EMPTY;
        ib[1].pvBuffer = NULL;
        ib[1].cbBuffer = 0;
        st = AcceptSecurityContext(&sc, NULL, &id, ASC_REQ_ALLOCATE_MEMORY,
                                   0, &sv.ctx, NULL, &attrs, NULL);
        assert_sec(st, SEC_E_INCOMPLETE_MESSAGE);
        ck_assert_int_eq(ib[1].BufferType, SECBUFFER_MISSING);
        ck_assert_uint_eq(ib[1].cbBuffer, want);
    }
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 1);     /* the client's */
    /* Whole, with the first bytes of what follows: EXTRA. */
    c2s = hello;
    memcpy(c2s.b + c2s.n, "\x16\x03", 2);
    c2s.n += 2;
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_eq(c2s.n, 2);
    c2s.n = 0;
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Credentials: what AcquireCredentialsHandle and the first call say about
 * certificates and the side a credential is for. */
START_TEST(server_credentials)
{
    PCCERT_CONTEXT good = pfx_cert("localhost.p12"), nokey, foreign_p;
    CERT_CONTEXT foreign;
    CredHandle h, cc, sc;
    struct end e;
    static struct wire w1, w2;
    unsigned char *der;
    size_t n;

    /* No certificate: a server has nothing to present. */
    assert_sec(acquire(true, 0, 0, NULL, &h), SEC_E_NO_CREDENTIALS);
    /* A certificate without its key (Windows: SEC_E_NO_CREDENTIALS). */
    der = pem_der("localhost.pem", &n);
    nokey = CertCreateCertificateContext(X509_ASN_ENCODING, der, (DWORD)n);
    OPENSSL_free(der);
    ck_assert_ptr_nonnull(nokey);
    assert_sec(acquire(true, 0, 0, nokey, &h), SEC_E_NO_CREDENTIALS);
    assert_sec(acquire(false, 0, 0, nokey, &h), SEC_E_NO_CREDENTIALS);
    CertFreeCertificateContext(nokey);
    /* A CERT_CONTEXT the library did not make is never read. */
    memset(&foreign, 0, sizeof(foreign));
    foreign_p = &foreign;
    assert_sec(acquire(true, 0, 0, foreign_p, &h),
               SEC_E_UNKNOWN_CREDENTIALS);
    /* A server allowing only client protocols allows nothing. */
    assert_sec(acquire(true, SP_PROT_TLS1_2_CLIENT, 0, good, &h),
               SEC_E_ALGORITHM_MISMATCH);

    /* Each side's credential on the other side's call. */
    assert_sec(acquire(true, 0, 0, good, &sc), SEC_E_OK);
    assert_sec(acquire(false, 0, 0, NULL, &cc), SEC_E_OK);
    CertFreeCertificateContext(good);       /* the credential keeps it */
    memset(&e, 0, sizeof(e));
    e.cred = &sc;
    w1.n = w2.n = 0;
    step(&e, false, &w1, &w2);
    assert_sec(e.st, SEC_E_NO_CREDENTIALS);
    e.cred = &cc;
    memcpy(w1.b, "\x16\x03\x01\x00\x00", 5);
    w1.n = 5;
    step(&e, true, &w1, &w2);
    assert_sec(e.st, SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* No version in common: both ends fail, each with its own code. */
START_TEST(no_common_version)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, SP_PROT_TLS1_2_SERVER);
    client_cred(&cc, SP_PROT_TLS1_3_CLIENT, 0, false);
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    /* The server finds no common protocol and sends protocol_version
     * (lib/map_tls.c: a sent "no common" alert is
     * SEC_E_ALGORITHM_MISMATCH); the client receiving that alert gets
     * Microsoft's code for it, SEC_E_UNSUPPORTED_FUNCTION. */
    assert_sec(sv.st, SEC_E_ALGORITHM_MISMATCH);
    ck_assert_uint_gt(s2c.n, 0);    /* the alert, for the client */
    step(&cl, false, &s2c, &c2s);
    assert_sec(cl.st, SEC_E_UNSUPPORTED_FUNCTION);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/*
 * A handshake that fails at the client (a server certificate from an
 * untrusted root): the alert record the client sends is in the output
 * TOKEN, to be sent, and when the caller passed a SECBUFFER_ALERT buffer
 * that buffer describes it as a SCHANNEL_ALERT_TOKEN (fatal, unknown_ca);
 * handed to the server, the record ends the handshake there with the
 * alert's code.
 */
START_TEST(alert_buffer)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc, .alert_buffer = _i == 0 },
               sv = { .cred = &sc };
    static struct wire c2s, s2c;
    PCCERT_CONTEXT c = pfx_cert("untrusted.p12");

    c2s.n = s2c.n = 0;
    assert_sec(acquire(true, 0, 0, c, &sc), SEC_E_OK);
    CertFreeCertificateContext(c);
    client_cred(&cc, 0, 0, false);
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    assert_sec(cl.st, SEC_E_UNTRUSTED_ROOT);
    /* A plain alert record: the client had not started writing under
     * its handshake keys yet. */
    ck_assert_uint_eq(c2s.n, 5 + 2);
    ck_assert_uint_eq(c2s.b[0], 21);
    if (_i == 0) {
        ck_assert_uint_eq(cl.alert_len, sizeof(SCHANNEL_ALERT_TOKEN));
        ck_assert_uint_eq(cl.alert.dwTokenType, SCHANNEL_ALERT);
        ck_assert_uint_eq(cl.alert.dwAlertType, TLS1_ALERT_FATAL);
        ck_assert_uint_eq(cl.alert.dwAlertNumber, TLS1_ALERT_UNKNOWN_CA);
    } else {
        ck_assert_uint_eq(cl.alert_len, 0);
    }
    /* The server reads unknown_ca: Schannel's code for it. */
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_E_UNTRUSTED_ROOT);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Big-endian lengths in a TLS message. */
static size_t
get_be(const unsigned char *p, int n)
{
    size_t v = 0;

    while (n-- > 0)
        v = v << 8 | *p++;
    return v;
}

static void
put_be(unsigned char *p, int n, size_t v)
{
    while (n-- > 0) {
        p[n] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

/* Take an extension out of the ClientHello at the start of w (one record
 * holding the whole message), fixing the three lengths around it. */
static void
drop_extension(struct wire *w, unsigned type)
{
    unsigned char *b = w->b;
    size_t rec = get_be(b + 3, 2), off = 5 + 4 + 2 + 32, ext_end, e;

    ck_assert_uint_eq(b[0], 22);            /* handshake record */
    ck_assert_uint_eq(b[5], 1);             /* ClientHello */
    ck_assert_uint_eq(w->n, 5 + rec);
    off += 1 + b[off];                      /* session id */
    off += 2 + get_be(b + off, 2);          /* cipher suites */
    off += 1 + b[off];                      /* compression */
    ext_end = off + 2 + get_be(b + off, 2);
    ck_assert_uint_eq(ext_end, w->n);
    for (e = off + 2; e + 4 <= ext_end;) {
        size_t len = 4 + get_be(b + e + 2, 2);

        if (get_be(b + e, 2) == type) {
            memmove(b + e, b + e + len, w->n - e - len);
            w->n -= len;
            put_be(b + 3, 2, rec - len);
            put_be(b + 6, 3, get_be(b + 6, 3) - len);
            put_be(b + off, 2, get_be(b + off, 2) - len);
            return;
        }
        e += len;
    }
    ck_abort_msg("no extension %u in the ClientHello", type);
}

/*
 * TLS 1.3's downgrade protection (RFC 8446, 4.1.3): someone on the path
 * takes supported_versions out of the client's ClientHello, the server
 * (which has TLS 1.3) answers with TLS 1.2 and its random ends with the
 * DOWNGRD sentinel, and the client, which offered TLS 1.3, stops there
 * with an illegal_parameter alert: SEC_E_ILLEGAL_MESSAGE, the code of
 * [alerts] for that alert (Microsoft documents no code of its own for
 * the case); the trace says why.
 */
START_TEST(downgrade_detected)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    assert_sec(step(&cl, false, &s2c, &c2s), SEC_I_CONTINUE_NEEDED);
    drop_extension(&c2s, 43);               /* supported_versions */
    ck_assert(!pump(&cl, &sv, &c2s, &s2c));
    assert_sec(cl.st, SEC_E_ILLEGAL_MESSAGE);
    ck_assert_msg(strstr(sspigss_last_error(), "fallback") != NULL
                      || strstr(sspigss_last_error(), "downgrade") != NULL,
                  "%s", sspigss_last_error());
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A counted UTF-16 string over a literal (Length in bytes, no NUL). */
static UNICODE_STRING
ustr(const WCHAR *w)
{
    UNICODE_STRING u;
    size_t n = 0;

    while (w[n] != 0)
        n++;
    u.Length = (USHORT)(n * sizeof(WCHAR));
    u.MaximumLength = u.Length;
    u.Buffer = (PWSTR)w;
    return u;
}

/* An SCH_CREDENTIALS credential with one TLS_PARAMETERS. */
static SECURITY_STATUS
acquire_v5(bool server, TLS_PARAMETERS *tp, DWORD ntp, CredHandle *h)
{
    PCCERT_CONTEXT c = server ? pfx_cert("localhost.p12") : NULL;
    SCH_CREDENTIALS s5;
    SECURITY_STATUS st;
    TimeStamp ts;

    memset(&s5, 0, sizeof(s5));
    s5.dwVersion = SCH_CREDENTIALS_VERSION;
    if (c != NULL) {
        s5.cCreds = 1;
        s5.paCred = &c;
    }
    s5.cTlsParameters = ntp;
    s5.pTlsParameters = tp;
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel",
                                   server ? SECPKG_CRED_INBOUND
                                          : SECPKG_CRED_OUTBOUND,
                                   NULL, &s5, NULL, NULL, h, &ts);
    if (c != NULL)
        CertFreeCertificateContext(c);
    return st;
}

/* A handshake between cc and sc; *protocol and *suite are the client's
 * CONNECTION_INFO protocol and CIPHER_INFO suite. */
static void
negotiated(CredHandle *cc, CredHandle *sc, DWORD *protocol, DWORD *suite)
{
    struct end cl = { .cred = cc }, sv = { .cred = sc };
    static struct wire c2s, s2c;
    SecPkgContext_ConnectionInfo ci;
    SecPkgContext_CipherInfo info;

    c2s.n = s2c.n = 0;
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    assert_sec(QueryContextAttributesA(&cl.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    assert_sec(QueryContextAttributesA(&cl.ctx, SECPKG_ATTR_CIPHER_INFO,
                                       &info), SEC_E_OK);
    *protocol = ci.dwProtocol;
    *suite = info.dwCipherSuite;
    end_free(&cl);
    end_free(&sv);
}

/*
 * SCH_CREDENTIALS' TLS_PARAMETERS (Microsoft Learn, TLS_PARAMETERS and
 * CRYPTO_SETTINGS): protocols disabled as curl and .NET give them (every
 * bit but the allowed ones), cipher suites disabled as CNG names, as curl
 * gives them (an algorithm, a chaining mode, a key length); a client
 * limited to TLS 1.2 gets it from a default server, a server limited to
 * TLS 1.2 gives it to a default client; AES-256-GCM disabled leaves
 * ChaCha20-Poly1305, that disabled too leaves AES-128-GCM; ECDSA
 * signatures disabled leave the server's ECDSA certificate unusable.
 */
START_TEST(tls_parameters)
{
    static const WCHAR aes[] = u"AES", gcm[] = u"ChainingModeGCM",
                       chacha[] = u"CHACHA20_POLY1305", ecdsa[] = u"ECDSA";
    UNICODE_STRING mode = ustr(gcm);
    CRYPTO_SETTINGS cs[2];
    TLS_PARAMETERS tp;
    CredHandle cc, sc, dc, ds;
    DWORD protocol, suite;

    memset(&tp, 0, sizeof(tp));
    memset(cs, 0, sizeof(cs));
    assert_sec(acquire_v5(false, NULL, 0, &dc), SEC_E_OK);
    assert_sec(acquire_v5(true, NULL, 0, &ds), SEC_E_OK);
    negotiated(&dc, &ds, &protocol, &suite);
    ck_assert_uint_eq(protocol, SP_PROT_TLS1_3_CLIENT);
    ck_assert_uint_eq(suite, 0x1302);       /* TLS_AES_256_GCM_SHA384 */

    tp.grbitDisabledProtocols = ~(DWORD)SP_PROT_TLS1_2_CLIENT;
    assert_sec(acquire_v5(false, &tp, 1, &cc), SEC_E_OK);
    negotiated(&cc, &ds, &protocol, &suite);
    ck_assert_uint_eq(protocol, SP_PROT_TLS1_2_CLIENT);
    FreeCredentialsHandle(&cc);

    tp.grbitDisabledProtocols = SP_PROT_TLS1_3_SERVER;
    assert_sec(acquire_v5(true, &tp, 1, &sc), SEC_E_OK);
    negotiated(&dc, &sc, &protocol, &suite);
    ck_assert_uint_eq(protocol, SP_PROT_TLS1_2_CLIENT);
    FreeCredentialsHandle(&sc);

    tp.grbitDisabledProtocols = 0;
    cs[0].eAlgorithmUsage = TlsParametersCngAlgUsageCipher;
    cs[0].strCngAlgId = ustr(aes);
    cs[0].cChainingModes = 1;
    cs[0].rgstrChainingModes = &mode;
    cs[0].dwMinBitLength = cs[0].dwMaxBitLength = 256;
    cs[1].eAlgorithmUsage = TlsParametersCngAlgUsageCipher;
    cs[1].strCngAlgId = ustr(chacha);
    tp.pDisabledCrypto = cs;
    tp.cDisabledCrypto = 1;
    assert_sec(acquire_v5(false, &tp, 1, &cc), SEC_E_OK);
    negotiated(&cc, &ds, &protocol, &suite);
    ck_assert_uint_eq(protocol, SP_PROT_TLS1_3_CLIENT);
    ck_assert_uint_eq(suite, 0x1303);       /* TLS_CHACHA20_POLY1305_SHA256 */
    FreeCredentialsHandle(&cc);

    tp.cDisabledCrypto = 2;
    assert_sec(acquire_v5(false, &tp, 1, &cc), SEC_E_OK);
    negotiated(&cc, &ds, &protocol, &suite);
    ck_assert_uint_eq(suite, 0x1301);       /* TLS_AES_128_GCM_SHA256 */
    FreeCredentialsHandle(&cc);

    /* ECDSA signatures disabled: the server's P-256 certificate cannot
     * sign for this client, and the server says there is nothing in
     * common. */
    cs[0].eAlgorithmUsage = TlsParametersCngAlgUsageSignature;
    cs[0].strCngAlgId = ustr(ecdsa);
    cs[0].cChainingModes = 0;
    cs[0].dwMinBitLength = cs[0].dwMaxBitLength = 0;
    tp.cDisabledCrypto = 1;
    assert_sec(acquire_v5(false, &tp, 1, &cc), SEC_E_OK);
    {
        struct end cl = { .cred = &cc }, sv = { .cred = &ds };
        static struct wire c2s, s2c;

        c2s.n = s2c.n = 0;
        ck_assert(!pump(&cl, &sv, &c2s, &s2c));
        assert_sec(sv.st, SEC_E_ALGORITHM_MISMATCH);
        end_free(&cl);
        end_free(&sv);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&dc);
    FreeCredentialsHandle(&ds);
}
END_TEST

/*
 * TLS_PARAMETERS for some application protocols only (cAlpnIds > 0): the
 * handshake that settles on one of them and breaks its restriction ends
 * with SEC_E_ALGORITHM_MISMATCH and a handshake_failure alert ("schannel
 * may fail TLS handshakes in order to honor the TLS_PARAMETERS
 * restrictions", Microsoft Learn, TLS_PARAMETERS); another protocol, or
 * TLS_PARAMS_OPTIONAL, lets it through.
 *   0: a server that disables TLS 1.3 for h2, the client offering h2;
 *   1: the same, the client offering only http/1.1: TLS 1.3;
 *   2: the same as 0 with TLS_PARAMS_OPTIONAL: TLS 1.3 and h2;
 *   3: a client that disables AES for h2, the server choosing h2: the
 *      client refuses before its Finished goes out.
 */
START_TEST(tls_parameters_alpn)
{
    static const WCHAR h2[] = u"h2", aes[] = u"AES";
    static const char *const both[] = { "h2", "http/1.1", NULL };
    static const char *const http11[] = { "http/1.1", NULL };
    unsigned char cbuf[64], sbuf[64];
    UNICODE_STRING id = ustr(h2);
    CRYPTO_SETTINGS cs;
    TLS_PARAMETERS tp;
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    bool server_rule = _i != 3;

    memset(&tp, 0, sizeof(tp));
    memset(&cs, 0, sizeof(cs));
    tp.cAlpnIds = 1;
    tp.rgstrAlpnIds = &id;
    if (server_rule) {
        tp.grbitDisabledProtocols = SP_PROT_TLS1_3_SERVER;
        tp.dwFlags = _i == 2 ? TLS_PARAMS_OPTIONAL : 0;
    } else {
        cs.eAlgorithmUsage = TlsParametersCngAlgUsageCipher;
        cs.strCngAlgId = ustr(aes);
        tp.cDisabledCrypto = 1;
        tp.pDisabledCrypto = &cs;
    }
    assert_sec(acquire_v5(true, server_rule ? &tp : NULL, server_rule,
                          &sc), SEC_E_OK);
    assert_sec(acquire_v5(false, server_rule ? NULL : &tp, !server_rule,
                          &cc), SEC_E_OK);
    c2s.n = s2c.n = 0;
    cl.alpn = cbuf;
    cl.alpn_len = alpn_buffer(cbuf, _i == 1 ? http11 : both);
    sv.alpn = sbuf;
    sv.alpn_len = alpn_buffer(sbuf, both);
    if (_i == 1 || _i == 2) {
        ck_assert(pump(&cl, &sv, &c2s, &s2c));
        assert_alpn(&cl.ctx, _i == 1 ? "http/1.1" : "h2");
    } else if (_i == 0) {
        ck_assert(!pump(&cl, &sv, &c2s, &s2c));
        assert_sec(sv.st, SEC_E_ALGORITHM_MISMATCH);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "\"h2\""));
        /* The client reads the server's handshake_failure. */
        step(&cl, false, &s2c, &c2s);
        assert_sec(cl.st, SEC_E_ILLEGAL_MESSAGE);
    } else {
        ck_assert(!pump(&cl, &sv, &c2s, &s2c));
        assert_sec(cl.st, SEC_E_ALGORITHM_MISMATCH);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "cipher"));
        /* Finished for good. */
        step(&cl, false, &s2c, &c2s);
        assert_sec(cl.st, SEC_E_INVALID_HANDLE);
    }
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/*
 * TLS_PARAMETERS that leave nothing, or break Microsoft's rules: every
 * version disabled, or TLS 1.3 alone with its ciphers (AES, ChaCha20)
 * disabled: SEC_E_ALGORITHM_MISMATCH;
 * more than SCH_CRED_MAX_SUPPORTED_PARAMETERS, TLS_PARAMS_OPTIONAL on a
 * client ("valid for server applications only"), more ALPN ids than
 * SCH_CRED_MAX_SUPPORTED_ALPN_IDS or none behind a count:
 * SEC_E_UNKNOWN_CREDENTIALS. No handle is made.
 */
START_TEST(tls_parameters_refused)
{
    static const WCHAR aes[] = u"aes", chacha[] = u"CHACHA20_POLY1305",
                       h2[] = u"h2";
    UNICODE_STRING alpn_id = ustr(h2);
    CRYPTO_SETTINGS cs[2];
    TLS_PARAMETERS tp[SCH_CRED_MAX_SUPPORTED_PARAMETERS + 1];
    CredHandle h = { 0x5a5a, 0x5a5a };

    memset(tp, 0, sizeof(tp));
    memset(cs, 0, sizeof(cs));
    tp[0].grbitDisabledProtocols = SP_PROT_TLS1_2_CLIENT
                                   | SP_PROT_TLS1_3_CLIENT;
    assert_sec(acquire_v5(false, tp, 1, &h), SEC_E_ALGORITHM_MISMATCH);
    tp[0].grbitDisabledProtocols = 0;
    cs[0].eAlgorithmUsage = TlsParametersCngAlgUsageCipher;
    cs[0].strCngAlgId = ustr(aes);
    cs[1].eAlgorithmUsage = TlsParametersCngAlgUsageCipher;
    cs[1].strCngAlgId = ustr(chacha);
    tp[0].cDisabledCrypto = 2;
    tp[0].pDisabledCrypto = cs;
    tp[0].grbitDisabledProtocols = SP_PROT_TLS1_2_CLIENT;
    assert_sec(acquire_v5(false, tp, 1, &h), SEC_E_ALGORITHM_MISMATCH);
    tp[0].grbitDisabledProtocols = 0;
    tp[0].cDisabledCrypto = 0;
    assert_sec(acquire_v5(false, tp, SCH_CRED_MAX_SUPPORTED_PARAMETERS + 1,
                          &h), SEC_E_UNKNOWN_CREDENTIALS);
    assert_sec(acquire_v5(false, NULL, 1, &h), SEC_E_UNKNOWN_CREDENTIALS);
    tp[0].dwFlags = TLS_PARAMS_OPTIONAL;
    assert_sec(acquire_v5(false, tp, 1, &h), SEC_E_UNKNOWN_CREDENTIALS);
    tp[0].dwFlags = 0;
    tp[0].cAlpnIds = SCH_CRED_MAX_SUPPORTED_ALPN_IDS + 1;
    tp[0].rgstrAlpnIds = &alpn_id;
    assert_sec(acquire_v5(true, tp, 1, &h), SEC_E_UNKNOWN_CREDENTIALS);
    tp[0].cAlpnIds = 1;
    tp[0].rgstrAlpnIds = NULL;
    assert_sec(acquire_v5(true, tp, 1, &h), SEC_E_UNKNOWN_CREDENTIALS);
    ck_assert_uint_eq(h.dwLower, 0x5a5a);
    ck_assert_uint_eq(h.dwUpper, 0x5a5a);
}
END_TEST

/* The server ends the session: close_notify from ApplyControlToken and
 * AcceptSecurityContext; the client's DecryptMessage says so. */
START_TEST(server_shutdown)
{
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 1, b };
    unsigned i;

    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    roundtrip(&sv, &cl, &s2c, "bye");
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].pvBuffer = &type;
    b[0].cbBuffer = sizeof(type);
    assert_sec(ApplyControlToken(&sv.ctx, &d), SEC_E_OK);
    step(&sv, true, &c2s, &s2c);
    assert_sec(sv.st, SEC_E_OK);
    ck_assert_uint_gt(s2c.n, 0);
    d.cBuffers = 4;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = s2c.b;
    b[0].cbBuffer = (ULONG)s2c.n;
    for (i = 1; i < 4; i++) {
        b[i].BufferType = SECBUFFER_EMPTY;
        b[i].pvBuffer = NULL;
        b[i].cbBuffer = 0;
    }
    assert_sec(DecryptMessage(&cl.ctx, &d, 0, NULL), SEC_I_CONTEXT_EXPIRED);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/*
 * Revocation, asked for with SCH_CRED_REVOCATION_CHECK_*: the server's
 * certificate against the CRLs in the trust file. Windows returns the
 * chain engine's CRYPT_E_ codes from InitializeSecurityContext.
 */
static SECURITY_STATUS
revocation_case(const char *server_pfx, const char *trust_file,
                DWORD flags)
{
    PCCERT_CONTEXT cert = pfx_cert(server_pfx);
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    char path[600];

    snprintf(path, sizeof(path), "%s/%s", pki, trust_file);
    ck_assert_int_eq(setenv("SSL_CERT_FILE", path, 1), 0);
    assert_sec(acquire(true, 0, 0, cert, &sc), SEC_E_OK);
    CertFreeCertificateContext(cert);
    client_cred(&cc, 0, flags, false);
    c2s.n = s2c.n = 0;
    (void)pump(&cl, &sv, &c2s, &s2c);
    end_free(&cl);
    end_free(&sv);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return cl.st;
}

START_TEST(revocation)
{
    const DWORD chain = SCH_CRED_REVOCATION_CHECK_CHAIN;
    const DWORD end = SCH_CRED_REVOCATION_CHECK_END_CERT;
    const DWORD no_root = SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT;

    /* Not asked: a revoked certificate goes through (Windows checks
     * only when told to). */
    assert_sec(revocation_case("revoked.p12", "trust-crl.pem", 0),
               SEC_E_OK);
    /* Revoked, found in the intermediate's CRL. */
    assert_sec(revocation_case("revoked.p12", "trust-crl.pem", chain),
               CRYPT_E_REVOKED);
    assert_sec(revocation_case("revoked.p12", "trust-crl.pem", end),
               CRYPT_E_REVOKED);
    assert_sec(revocation_case("localhost.p12", "trust-crl.pem", chain),
               SEC_E_OK);
    /* No CRL at all. */
    assert_sec(revocation_case("localhost.p12", "trust.pem", end),
               CRYPT_E_NO_REVOCATION_CHECK);
    assert_sec(revocation_case("localhost.p12", "trust.pem",
                               end | SCH_CRED_IGNORE_NO_REVOCATION_CHECK),
               SEC_E_OK);
    /* The intermediate's CRL but not the root's: enough for the end
     * certificate, not for the chain, whose intermediate the root's CRL
     * covers (excluding the root spares only the root's own). */
    assert_sec(revocation_case("localhost.p12", "trust-inter-crl.pem", end),
               SEC_E_OK);
    assert_sec(revocation_case("localhost.p12", "trust-inter-crl.pem",
                               chain),
               CRYPT_E_NO_REVOCATION_CHECK);
    assert_sec(revocation_case("localhost.p12", "trust-inter-crl.pem",
                               no_root),
               CRYPT_E_NO_REVOCATION_CHECK);
    assert_sec(revocation_case("localhost.p12", "trust-crl.pem", no_root),
               SEC_E_OK);
    /* A CRL out of date: the revocation server was "offline". */
    assert_sec(revocation_case("localhost.p12", "trust-stale-crl.pem", end),
               CRYPT_E_REVOCATION_OFFLINE);
    assert_sec(revocation_case("localhost.p12", "trust-stale-crl.pem",
                               end | SCH_CRED_IGNORE_REVOCATION_OFFLINE),
               SEC_E_OK);
    /* ...which does not excuse a revoked certificate in a current one. */
    assert_sec(revocation_case("revoked.p12", "trust-crl.pem",
                               chain | SCH_CRED_IGNORE_REVOCATION_OFFLINE
                                   | SCH_CRED_IGNORE_NO_REVOCATION_CHECK),
               CRYPT_E_REVOKED);
}
END_TEST

/* -------------------------------------------------------------- threads */

/*
 * The Schannel tests that start threads. Workers never assert (Check is
 * not thread-safe); they count failures and keep the first, and the main
 * thread asserts after the join. ./quickstart test runs this TCase under
 * ThreadSanitizer (CK_RUN_CASE=threads).
 */
struct report {
    int failures;
    SECURITY_STATUS first_bad;
    const char *where;
};

static void
report_fail(struct report *r, const char *where, SECURITY_STATUS st)
{
    if (r->failures++ == 0) {
        r->first_bad = st;
        r->where = where;
    }
}

static void
assert_report(const struct report *r, int i)
{
    ck_assert_msg(r->failures == 0, "thread %d: %d failure(s), first %s: "
                  "%s (0x%08X)", i, r->failures, r->where,
                  sspigss_status_name(r->first_bad), (unsigned)r->first_bad);
}

/* One handshake call of a thread's own: step() without its assertions.
 * Returns the call's status, or SEC_E_INTERNAL_ERROR when the wire would
 * overflow (a test bug). */
static SECURITY_STATUS
tstep(struct end *e, bool server, struct wire *in, struct wire *out)
{
    SecBuffer ib[2] = { { (ULONG)in->n, SECBUFFER_TOKEN, in->b },
                        { 0, SECBUFFER_EMPTY, NULL } };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    SECURITY_STATUS st;

    if (server)
        st = AcceptSecurityContext(e->cred, e->have ? &e->ctx : NULL, &id,
                                   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM,
                                   0, &e->ctx, &od, &e->attrs, NULL);
    else
        st = InitializeSecurityContextA(
            e->cred, e->have ? &e->ctx : NULL, (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0,
            e->have ? &id : NULL, 0, e->have ? NULL : &e->ctx, &od,
            &e->attrs, NULL);
    e->st = st;
    if (SEC_SUCCESS(st)) {
        size_t extra = 0;

        if (ib[1].BufferType == SECBUFFER_EXTRA && e->have)
            extra = ib[1].cbBuffer;
        else if (!e->have && !server)
            extra = in->n;
        if (extra > in->n)
            st = SEC_E_INTERNAL_ERROR;
        else {
            memmove(in->b, in->b + in->n - extra, extra);
            in->n = extra;
        }
        e->have = true;
        e->done = st == SEC_E_OK;
    }
    if (ob.cbBuffer > 0) {
        if (out->n + ob.cbBuffer > sizeof(out->b) || ob.pvBuffer == NULL)
            st = SEC_E_INTERNAL_ERROR;
        else {
            memcpy(out->b + out->n, ob.pvBuffer, ob.cbBuffer);
            out->n += ob.cbBuffer;
        }
    }
    if (ob.pvBuffer != NULL && FreeContextBuffer(ob.pvBuffer) != SEC_E_OK)
        st = SEC_E_INTERNAL_ERROR;
    return st;
}

static SECURITY_STATUS
tpump(struct end *cl, struct end *sv, struct wire *c2s, struct wire *s2c)
{
    SECURITY_STATUS st;
    int rounds;

    st = tstep(cl, false, s2c, c2s);
    for (rounds = 0; st == SEC_I_CONTINUE_NEEDED && rounds < 20;
         rounds++) {
        if (c2s->n > 0 && !sv->done) {
            st = tstep(sv, true, c2s, s2c);
            if (!SEC_SUCCESS(st))
                return st;
        }
        if (!cl->done) {
            st = tstep(cl, false, s2c, c2s);
            if (!SEC_SUCCESS(st))
                return st;
        }
        st = cl->done && sv->done ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    }
    return st;
}

/* roundtrip() without assertions; a TLS 1.3 ticket on the way is taken
 * as Windows asks (answer_ticket()). */
static SECURITY_STATUS
troundtrip(struct end *from, struct end *to, struct wire *w,
           const char *text)
{
    SecPkgContext_StreamSizes sz;
    size_t n = strlen(text);
    unsigned char *rec = w->b + w->n;
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    SECURITY_STATUS st;
    int i;

    st = QueryContextAttributesA(&from->ctx, SECPKG_ATTR_STREAM_SIZES, &sz);
    if (st != SEC_E_OK)
        return st;
    if (w->n + sz.cbHeader + n + sz.cbTrailer > sizeof(w->b))
        return SEC_E_INTERNAL_ERROR;
    b[0] = (SecBuffer){ sz.cbHeader, SECBUFFER_STREAM_HEADER, rec };
    b[1] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, rec + sz.cbHeader };
    memcpy(rec + sz.cbHeader, text, n);
    b[2] = (SecBuffer){ sz.cbTrailer, SECBUFFER_STREAM_TRAILER,
                        rec + sz.cbHeader + n };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    st = EncryptMessage(&from->ctx, 0, &d, 0);
    if (st != SEC_E_OK)
        return st;
    w->n += b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
    for (i = 0; i < 8; i++) {
        SecBuffer tb[2];
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc td = { SECBUFFER_VERSION, 2, tb };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

        b[0] = (SecBuffer){ (ULONG)w->n, SECBUFFER_DATA, w->b };
        b[1] = b[2] = b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
        st = DecryptMessage(&to->ctx, &d, 0, NULL);
        if (st == SEC_E_OK && b[1].cbBuffer > 0) {
            if (b[1].cbBuffer != n || memcmp(b[1].pvBuffer, text, n) != 0)
                return SEC_E_MESSAGE_ALTERED;
            w->n = 0;
            return SEC_E_OK;
        }
        if (st != SEC_I_RENEGOTIATE || b[3].BufferType != SECBUFFER_EXTRA)
            return st != SEC_E_OK ? st : SEC_E_INTERNAL_ERROR;
        memmove(w->b, b[3].pvBuffer, b[3].cbBuffer);
        w->n = b[3].cbBuffer;
        tb[0] = (SecBuffer){ (ULONG)w->n, SECBUFFER_TOKEN, w->b };
        tb[1] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
        st = InitializeSecurityContextA(
            to->cred, &to->ctx, (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, &td, 0, NULL,
            &od, &to->attrs, NULL);
        if (ob.pvBuffer != NULL)
            FreeContextBuffer(ob.pvBuffer);
        if (st != SEC_E_OK)
            return st;
    }
    return SEC_E_INTERNAL_ERROR;
}

/*
 * Many threads at once, each with credentials and contexts of its own
 * (the server certificate is one context all of them share, as a
 * service's threads would): handshake (TLS 1.3 or 1.2), records both
 * ways, the peer's certificate, then everything deleted. In the second
 * round the server side uses one credential all threads share, as a
 * service does.
 */
struct tls_worker {
    PCCERT_CONTEXT cert;
    CredHandle *shared;             /* the server credential of round 1 */
    int id;
    struct report r;
};

static void
tls_round(struct tls_worker *tw, int round)
{
    DWORD proto = (tw->id + round) % 2 ? SP_PROT_TLS1_2 : 0;
    CredHandle cc, own, *sc = round == 1 ? tw->shared : &own;
    struct end cl = { .cred = &cc }, sv = { .cred = sc };
    struct wire *c2s = calloc(1, sizeof(*c2s));
    struct wire *s2c = calloc(1, sizeof(*s2c));
    PCCERT_CONTEXT peer = NULL;
    SECURITY_STATUS st;
    int i;

    if (c2s == NULL || s2c == NULL) {
        report_fail(&tw->r, "calloc", SEC_E_INSUFFICIENT_MEMORY);
        goto out;
    }
    if (sc == &own
        && (st = acquire(true, proto, 0, tw->cert, &own)) != SEC_E_OK) {
        report_fail(&tw->r, "server credential", st);
        goto out;
    }
    st = acquire(false, proto, 0, NULL, &cc);
    if (st != SEC_E_OK) {
        report_fail(&tw->r, "client credential", st);
        if (sc == &own)
            FreeCredentialsHandle(&own);
        goto out;
    }
    st = tpump(&cl, &sv, c2s, s2c);
    if (st != SEC_E_OK)
        report_fail(&tw->r, "handshake", st);
    if (st == SEC_E_OK) {
        st = QueryContextAttributesA(&cl.ctx,
                                     SECPKG_ATTR_REMOTE_CERT_CONTEXT, &peer);
        if (st != SEC_E_OK || peer == NULL
            || !CertFreeCertificateContext(peer))
            report_fail(&tw->r, "peer certificate", st);
    }
    for (i = 0; st == SEC_E_OK && i < 6; i++) {
        char text[64];

        snprintf(text, sizeof(text), "thread %d round %d record %d",
                 tw->id, round, i);
        st = i % 2 ? troundtrip(&sv, &cl, s2c, text)
                   : troundtrip(&cl, &sv, c2s, text);
        if (st != SEC_E_OK)
            report_fail(&tw->r, "record", st);
    }
    if (cl.have && (st = DeleteSecurityContext(&cl.ctx)) != SEC_E_OK)
        report_fail(&tw->r, "delete client context", st);
    if (sv.have && (st = DeleteSecurityContext(&sv.ctx)) != SEC_E_OK)
        report_fail(&tw->r, "delete server context", st);
    if ((st = FreeCredentialsHandle(&cc)) != SEC_E_OK)
        report_fail(&tw->r, "free client credential", st);
    if (sc == &own && (st = FreeCredentialsHandle(&own)) != SEC_E_OK)
        report_fail(&tw->r, "free server credential", st);
out:
    free(c2s);
    free(s2c);
}

static void *
tls_worker_main(void *arg)
{
    struct tls_worker *tw = arg;
    int round;

    for (round = 0; round < 2; round++)
        tls_round(tw, round);
    return NULL;
}

START_TEST(threads_independent)
{
    enum { N = 6 };
    struct tls_worker tw[N];
    pthread_t th[N];
    PCCERT_CONTEXT cert = pfx_cert("localhost.p12");
    CredHandle shared;
    int i;

    assert_sec(acquire(true, 0, 0, cert, &shared), SEC_E_OK);
    for (i = 0; i < N; i++) {
        tw[i] = (struct tls_worker){ .cert = cert, .shared = &shared,
                                     .id = i };
        ck_assert_int_eq(pthread_create(&th[i], NULL, tls_worker_main,
                                        &tw[i]), 0);
    }
    for (i = 0; i < N; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (i = 0; i < N; i++)
        assert_report(&tw[i].r, i);
    assert_sec(FreeCredentialsHandle(&shared), SEC_E_OK);
    ck_assert(CertFreeCertificateContext(cert));
}
END_TEST

/*
 * Delete while another thread looks up: readers query one established
 * context, and start handshakes with one client credential, each through
 * its own copy of the handle, while the main thread deletes the context
 * and frees the credential. A call overlapping the delete may succeed (it
 * holds its own reference); one that starts after DeleteSecurityContext
 * or FreeCredentialsHandle returned gets SEC_E_INVALID_HANDLE. Nothing
 * else, and no crash.
 */
struct tls_looker {
    CtxtHandle ctx;
    CredHandle cred;
    atomic_int *calls, *ctx_gone, *cred_gone;
    struct report r;
};

static void *
tls_looker_main(void *arg)
{
    struct tls_looker *lk = arg;
    bool ctx_seen = false, cred_seen = false;
    int spins;

    for (spins = 0; (!ctx_seen || !cred_seen) && spins < 1000000;
         spins++) {
        SecPkgContext_StreamSizes sz;
        SecPkgContext_ConnectionInfo ci;
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        CtxtHandle fresh;
        ULONG attrs;
        bool gone = atomic_load(lk->ctx_gone) != 0;
        SECURITY_STATUS st;

        st = QueryContextAttributesA(&lk->ctx, SECPKG_ATTR_STREAM_SIZES,
                                     &sz);
        if (st == SEC_E_INVALID_HANDLE)
            ctx_seen = true;
        else if (st != SEC_E_OK || gone)
            report_fail(&lk->r, gone ? "stream sizes after the delete"
                                     : "stream sizes", st);
        st = QueryContextAttributesA(&lk->ctx, SECPKG_ATTR_CONNECTION_INFO,
                                     &ci);
        if (st == SEC_E_INVALID_HANDLE)
            ctx_seen = true;
        else if (st != SEC_E_OK || gone)
            report_fail(&lk->r, gone ? "connection info after the delete"
                                     : "connection info", st);

        gone = atomic_load(lk->cred_gone) != 0;
        st = InitializeSecurityContextA(
            &lk->cred, NULL, (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, NULL, 0, &fresh,
            &od, &attrs, NULL);
        if (ob.pvBuffer != NULL)
            FreeContextBuffer(ob.pvBuffer);
        if (st == SEC_I_CONTINUE_NEEDED)
            DeleteSecurityContext(&fresh);
        if (st == SEC_E_INVALID_HANDLE)
            cred_seen = true;
        else if (st != SEC_I_CONTINUE_NEEDED || gone)
            report_fail(&lk->r, gone ? "handshake after the free"
                                     : "handshake", st);
        atomic_fetch_add(lk->calls, 1);
    }
    if (!ctx_seen || !cred_seen)
        report_fail(&lk->r, "never saw the handles go", SEC_E_OK);
    return NULL;
}

START_TEST(threads_delete_while_lookup)
{
    enum { N = 4 };
    CredHandle cc, sc;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    static struct wire c2s, s2c;
    struct tls_looker lk[N];
    pthread_t th[N];
    atomic_int calls, ctx_gone, cred_gone;
    SecPkgContext_StreamSizes sz;
    int i;

    atomic_init(&calls, 0);
    atomic_init(&ctx_gone, 0);
    atomic_init(&cred_gone, 0);
    c2s.n = s2c.n = 0;
    server_cred(&sc, 0);
    client_cred(&cc, 0, 0, false);
    ck_assert(pump(&cl, &sv, &c2s, &s2c));
    for (i = 0; i < N; i++) {
        lk[i] = (struct tls_looker){ .ctx = cl.ctx, .cred = cc,
                                     .calls = &calls, .ctx_gone = &ctx_gone,
                                     .cred_gone = &cred_gone };
        ck_assert_int_eq(pthread_create(&th[i], NULL, tls_looker_main,
                                        &lk[i]), 0);
    }
    /* Let the readers get going, then pull the handles from under them. */
    while (atomic_load(&calls) < 4 * N)
        sched_yield();
    assert_sec(DeleteSecurityContext(&cl.ctx), SEC_E_OK);
    atomic_store(&ctx_gone, 1);
    cl.have = false;
    while (atomic_load(&calls) < 8 * N)
        sched_yield();
    assert_sec(FreeCredentialsHandle(&cc), SEC_E_OK);
    atomic_store(&cred_gone, 1);
    for (i = 0; i < N; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (i = 0; i < N; i++)
        assert_report(&lk[i].r, i);
    /* Gone for everyone; the server's context is untouched. */
    assert_sec(QueryContextAttributesA(&lk[0].ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_INVALID_HANDLE);
    assert_sec(QueryContextAttributesA(&sv.ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    end_free(&sv);
    assert_sec(FreeCredentialsHandle(&sc), SEC_E_OK);
}
END_TEST

static Suite *
schannel_server_suite(void)
{
    Suite *s = suite_create("schannel_server");
    TCase *tc = tcase_create("both ends");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, handshake_tls13);
    tcase_add_test(tc, handshake_tls12);
    tcase_add_test(tc, client_certificate);
    tcase_add_loop_test(tc, incomplete_credentials, 0, 2);
    tcase_add_test(tc, incomplete_credentials_replayed);
    tcase_add_test(tc, incomplete_then_new_credential);
    tcase_add_test(tc, wrong_credential);
    tcase_add_test(tc, default_client_certificate);
    tcase_add_test(tc, alpn);
    tcase_add_test(tc, server_bad_input);
    tcase_add_test(tc, server_credentials);
    tcase_add_test(tc, no_common_version);
    tcase_add_test(tc, tls_parameters);
    tcase_add_loop_test(tc, alert_buffer, 0, 2);
    tcase_add_test(tc, downgrade_detected);
    tcase_add_test(tc, tls_parameters_refused);
    tcase_add_loop_test(tc, tls_parameters_alpn, 0, 4);
    tcase_add_test(tc, server_shutdown);
    tcase_add_test(tc, revocation);
    suite_add_tcase(s, tc);

    /* Every test that starts threads, in one TCase: the ThreadSanitizer
     * pass of ./quickstart test runs this one (CK_RUN_CASE=threads). */
    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, threads_independent);
    tcase_add_test(tc, threads_delete_while_lookup);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr;
    int failed;

    pki = getenv("SSPIGSS_TLS_DIR");
    if (pki == NULL) {
        fprintf(stderr, "check_schannel_server: SSPIGSS_TLS_DIR is not "
                        "set; run tests/check_schannel_server.sh\n");
        return 99;
    }
    snprintf(trust, sizeof(trust), "%s/trust.pem", pki);
    sr = srunner_create(schannel_server_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
