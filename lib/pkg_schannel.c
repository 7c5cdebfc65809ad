/*
 * pkg_schannel.c - the Schannel package (and its other name, the Unified
 * Security Protocol Provider) over OpenSSL 3, with Windows' stream
 * protocol.
 *
 * Each context is an SSL object between two memory BIOs: what the caller
 * hands in (a TOKEN during the handshake, a DATA buffer to DecryptMessage)
 * is written to the read BIO one whole TLS record at a time, and what
 * OpenSSL writes is handed out (an output TOKEN, the HEADER, DATA and
 * TRAILER of EncryptMessage). Records are cut by their 5-byte headers
 * here, so that input ending in the middle of a record is refused with
 * SEC_E_INCOMPLETE_MESSAGE and a SECBUFFER_MISSING count before OpenSSL
 * sees any of it: the context is unchanged and the caller calls again
 * with the same bytes and more, as Windows requires. Input after the
 * records a call needed is returned as SECBUFFER_EXTRA.
 *
 * Trust: OpenSSL's default locations (SSL_CERT_FILE, SSL_CERT_DIR, else
 * the system's), our equivalent of Windows' ROOT store. A client checks
 * the server's certificate chain and its name (the target name, unless
 * SCH_CRED_NO_SERVERNAME_CHECK) when the handshake completes and fails
 * InitializeSecurityContext with the reason (lib/map_tls.c), unless the
 * credential asked for SCH_CRED_MANUAL_CRED_VALIDATION.
 */
#include "setup.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypt32.h"
#include "internal.h"
#include "map_tls.h"
#include "sch_params.h"
#include "package.h"

#define TLS_HEADER 5
#define TLS_MAX_MESSAGE 16384
/* The longest protected record's body: RFC 5246 6.2.3 (TLS 1.2),
 * RFC 8446 5.2 (TLS 1.3). */
#define TLS_MAX_CIPHERTEXT (16384 + 2048)
#define TLS_MAX_CIPHERTEXT_13 (16384 + 256)

struct sch_cred {
    struct handle_obj h;
    ULONG use;
    DWORD flags;                    /* SCH_CRED_* */
    bool server;
    SSL_CTX *ctx;
    X509 *cert;                     /* paCred[0] (referenced), or NULL */
    EVP_PKEY *key;                  /* its private key */
    struct sch_alpn_params *scoped; /* TLS_PARAMETERS with ALPN ids */
};

/* The client's certificate when a server asks for one. */
enum client_cert {
    CLIENT_CERT_UNASKED,            /* no CertificateRequest yet */
    CLIENT_CERT_PENDING,            /* SEC_I_INCOMPLETE_CREDENTIALS given */
    CLIENT_CERT_DECIDED             /* the next ask is answered */
};

struct sch_ctx {
    struct handle_obj h;
    pthread_mutex_t lock;
    struct sch_cred *cred;          /* referenced */
    SSL *ssl;
    BIO *rbio, *wbio;               /* owned by ssl */
    char *target;                   /* client: the server's name */
    bool server;
    bool established;
    bool closed;                    /* close_notify received */
    int alert_in, alert_out;        /* last alert each way, or -1 */
    ULONG req, attrs;
    ULONG hdr, trl, blk;            /* record_sizes(), once established */
    bool renegotiate;               /* SEC_I_RENEGOTIATE given */
    bool key_update_asked;          /* TLS 1.3 KeyUpdate, update_requested */
    bool ticket_in;                 /* TLS 1.3 NewSessionTicket received */
    bool scope_checked;             /* sch_alpn_violation() asked */
    bool dead;                      /* refused by it, or a record failed
                                     * (a fatal alert): finished for good */
    enum client_cert client_cert;
    /* The input the call that gave SEC_I_INCOMPLETE_CREDENTIALS took:
     * callers (curl among them) pass the same bytes again. */
    unsigned char *replay;
    size_t replay_len;
    unsigned char *alpn;            /* server: its ALPN list (wire form) */
    size_t alpn_len;
};

/* ---------------------------------------------------------- credentials */

static void
cred_destroy(struct handle_obj *obj)
{
    struct sch_cred *c = (struct sch_cred *)obj;

    SSL_CTX_free(c->ctx);
    X509_free(c->cert);
    EVP_PKEY_free(c->key);
    sch_alpn_params_free(c->scoped);
    free(c);
}

/* The TLS versions SP_PROT_* bits allow, for one side. */
static void
protocol_range(DWORD prot, bool server, int *min, int *max)
{
    static const struct { DWORD client, server; int version; } map[] = {
        { SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, TLS1_VERSION },
        { SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_1_SERVER, TLS1_1_VERSION },
        { SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, TLS1_2_VERSION },
        { SP_PROT_TLS1_3_CLIENT, SP_PROT_TLS1_3_SERVER, TLS1_3_VERSION },
    };
    size_t i;

    *min = *max = 0;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (prot & (server ? map[i].server : map[i].client)) {
            if (*min == 0)
                *min = map[i].version;
            *max = map[i].version;
        }
    }
}

/*
 * The certificates sent after cert: its issuers as found in the store the
 * context came from (a PFX brings its CA certificates), up to and not
 * including a self-signed root, as a chain is sent in TLS (RFC 8446
 * 4.4.2: the root may be omitted).
 */
static bool
add_chain(SSL_CTX *ctx, PCCERT_CONTEXT cc, X509 *cert)
{
    STACK_OF(X509) *all = crypt32_store_certs(cc);
    X509 *cur = cert;
    int depth, i;
    bool ok = all != NULL;

    for (depth = 0; ok && depth < 10; depth++) {
        X509 *issuer = NULL;

        if (X509_check_issued(cur, cur) == X509_V_OK)
            break;
        for (i = 0; i < sk_X509_num(all); i++) {
            X509 *x = sk_X509_value(all, i);

            if (X509_cmp(x, cur) != 0
                && X509_check_issued(x, cur) == X509_V_OK) {
                issuer = x;
                break;
            }
        }
        if (issuer == NULL || X509_check_issued(issuer, issuer) == X509_V_OK)
            break;
        ok = SSL_CTX_add1_chain_cert(ctx, issuer) == 1;
        cur = issuer;
    }
    sk_X509_pop_free(all, X509_free);
    return ok;
}

/*
 * paCred: certificate contexts of the crypt32 subset, each with its
 * private key. The first is the one used (Windows picks among several by
 * the peer's algorithms; a second of another key type is kept for
 * that: OpenSSL holds one certificate per key type).
 */
static SECURITY_STATUS
use_certificates(struct sch_cred *c, DWORD n, PCCERT_CONTEXT *certs)
{
    DWORD i;

    if (n > 0 && certs == NULL) {
        trace_cause("Schannel: cCreds is %lu and paCred is NULL -> "
                    "SEC_E_UNKNOWN_CREDENTIALS", (unsigned long)n);
        return SEC_E_UNKNOWN_CREDENTIALS;
    }
    for (i = 0; i < n; i++) {
        X509 *x = crypt32_x509(certs[i]);
        EVP_PKEY *k = crypt32_private_key(certs[i]);

        if (x == NULL) {
            trace_cause("Schannel: paCred[%lu] is not a live certificate "
                        "context of this library -> "
                        "SEC_E_UNKNOWN_CREDENTIALS", (unsigned long)i);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
        if (k == NULL) {
            /* Windows: a certificate whose private key it cannot use
             * gives SEC_E_NO_CREDENTIALS at AcquireCredentialsHandle
             * (dotnet/corefx issues 24454 and 32514, SslStream servers
             * given certificates without a usable key). */
            trace_cause("Schannel: paCred[%lu] has no private key -> "
                        "SEC_E_NO_CREDENTIALS", (unsigned long)i);
            return SEC_E_NO_CREDENTIALS;
        }
        if (SSL_CTX_use_certificate(c->ctx, x) != 1
            || SSL_CTX_use_PrivateKey(c->ctx, k) != 1
            || SSL_CTX_check_private_key(c->ctx) != 1) {
            unsigned long e = ERR_get_error();

            ERR_clear_error();
            trace_cause("Schannel: paCred[%lu] cannot be used: %s -> "
                        "SEC_E_UNKNOWN_CREDENTIALS", (unsigned long)i,
                        e != 0 ? ERR_reason_error_string(e) : "?");
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
        if (!add_chain(c->ctx, certs[i], x))
            return SEC_E_INSUFFICIENT_MEMORY;
        if (i == 0) {
            X509_up_ref(x);
            EVP_PKEY_up_ref(k);
            c->cert = x;
            c->key = k;
        }
    }
    return SEC_E_OK;
}

static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey);
static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg);

/* A client certificate is asked for and accepted whatever it is:
 * "Schannel does not validate client's certificates; the server must
 * perform this authentication manually" (Microsoft Learn, Performing
 * Authentication Using Schannel). The application checks the one
 * SECPKG_ATTR_REMOTE_CERT_CONTEXT gives it. */
static int
accept_any_certificate(int ok, X509_STORE_CTX *store)
{
    (void)ok;
    (void)store;
    return 1;
}

/* The verification callback of SCH_CRED_MANUAL_CRED_VALIDATION. */
static int
accept_any_chain(X509_STORE_CTX *store, void *arg)
{
    (void)store;
    (void)arg;
    return 1;
}

static SECURITY_STATUS
sch_acquire(const struct package *pkg, const struct acquire_args *args,
            struct handle_obj **out, TimeStamp *expiry)
{
    const SCHANNEL_CRED *sc = args->auth_data;
    const SCH_CREDENTIALS *s5 = NULL;
    bool server = (args->cred_use & SECPKG_CRED_INBOUND) != 0;
    DWORD prot = 0, flags = 0, ncreds = 0;
    PCCERT_CONTEXT *certs = NULL;
    struct sch_cred *c;
    SECURITY_STATUS st;
    int min, max;

    *out = NULL;
    if (sc != NULL) {
        if (sc->dwVersion == SCHANNEL_CRED_VERSION) {
            prot = sc->grbitEnabledProtocols;
            flags = sc->dwFlags;
            ncreds = sc->cCreds;
            certs = sc->paCred;
        } else if (sc->dwVersion == SCH_CREDENTIALS_VERSION) {
            s5 = args->auth_data;
            flags = s5->dwFlags;
            ncreds = s5->cCreds;
            certs = s5->paCred;
        } else {
            trace_cause("Schannel: credential structure version %lu is "
                        "neither SCHANNEL_CRED (4) nor SCH_CREDENTIALS (5) "
                        "-> SEC_E_UNKNOWN_CREDENTIALS",
                        (unsigned long)sc->dwVersion);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
    }
    if (server && ncreds == 0) {
        /* A server needs a certificate and its key to present (Windows:
         * SEC_E_NO_CREDENTIALS without one). */
        trace_cause("Schannel: a server credential needs a certificate "
                    "(SCHANNEL_CRED.paCred) -> SEC_E_NO_CREDENTIALS");
        return SEC_E_NO_CREDENTIALS;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&c->h, HANDLE_CRED, pkg, cred_destroy);
    c->use = args->cred_use;
    c->flags = flags;
    c->server = server;
    c->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (c->ctx == NULL) {
        handle_obj_unref(&c->h);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    /* 0 (the default) lets the system decide: TLS 1.2 and 1.3, as
     * Windows 11 does; OpenSSL's own minimum applies. */
    protocol_range(prot, server, &min, &max);
    if (prot != 0 && min == 0) {
        trace_cause("Schannel: grbitEnabledProtocols 0x%lx allows no TLS "
                    "version for a %s -> SEC_E_ALGORITHM_MISMATCH",
                    (unsigned long)prot, server ? "server" : "client");
        handle_obj_unref(&c->h);
        return SEC_E_ALGORITHM_MISMATCH;
    }
    if (s5 != NULL) {
        /* SCH_CREDENTIALS says what to disable (lib/sch_params.c). */
        st = sch_tls_parameters(c->ctx, server, s5, &min, &max,
                                &c->scoped);
        if (st != SEC_E_OK) {
            handle_obj_unref(&c->h);
            return st;
        }
    }
    if (min == 0)
        min = TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(c->ctx, min);
    if (max != 0)
        SSL_CTX_set_max_proto_version(c->ctx, max);
    st = use_certificates(c, ncreds, certs);
    if (st != SEC_E_OK) {
        handle_obj_unref(&c->h);
        return st;
    }
    if (server) {
        /* No renegotiation a client starts (Windows Server's default
         * since 2012 R2 is the same; RFC 5746 is moot then). */
        SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION);
        SSL_CTX_set_alpn_select_cb(c->ctx, alpn_select, NULL);
    } else {
        /* Verification runs during the handshake (the result is read
         * when it completes), the handshake itself never stops for it. */
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_client_cert_cb(c->ctx, client_cert_cb);
        /* SCH_CRED_MANUAL_CRED_VALIDATION: the caller judges the chain,
         * so OpenSSL builds none (a third of a client's handshake). */
        if (flags & SCH_CRED_MANUAL_CRED_VALIDATION)
            SSL_CTX_set_cert_verify_callback(c->ctx, accept_any_chain,
                                             NULL);
        /* Revocation only when asked, as Windows: the end certificate,
         * or the whole chain, against the CRLs of the trust locations
         * (SSL_CERT_FILE, or HASH.r0 files in SSL_CERT_DIR). */
        if (flags & SCH_CRED_REVOCATION_CHECK_END_CERT)
            X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c->ctx),
                                        X509_V_FLAG_CRL_CHECK);
        if (flags & (SCH_CRED_REVOCATION_CHECK_CHAIN
                     | SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT))
            X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c->ctx),
                                        X509_V_FLAG_CRL_CHECK
                                            | X509_V_FLAG_CRL_CHECK_ALL);
    }
    SSL_CTX_set_default_verify_paths(c->ctx);
    expiry->QuadPart = 0x7FFFFFFFFFFFFFFFLL;
    *out = &c->h;
    return SEC_E_OK;
}

/* ------------------------------------------------------------- contexts */

static void
ctx_destroy(struct handle_obj *obj)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;

    SSL_free(c->ssl);
    free(c->target);
    free(c->replay);
    free(c->alpn);
    handle_obj_unref(c->cred != NULL ? &c->cred->h : NULL);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void
info_callback(const SSL *ssl, int where, int ret)
{
    struct sch_ctx *c = SSL_get_app_data(ssl);

    if (c == NULL)
        return;
    /* Both masks share SSL_CB_ALERT: test the direction bit too. */
    if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT)
        c->alert_in = ret & 0xff;
    else if ((where & SSL_CB_WRITE_ALERT) == SSL_CB_WRITE_ALERT)
        c->alert_out = ret & 0xff;
}

/*
 * Handshake messages after the handshake that DecryptMessage reports as
 * SEC_I_RENEGOTIATE. The peer's TLS 1.3 KeyUpdate asking for ours back:
 * OpenSSL sends it with the next record written, which is the next
 * handshake call's output here. A TLS 1.3 NewSessionTicket: Schannel
 * hands it to the handshake side too, so the caller sees
 * SEC_I_RENEGOTIATE once per ticket (curl/curl#18983, on Windows 11 with
 * an OpenSSL server's two tickets; steffengy/schannel-rs#111, Windows 11
 * 24H2 and Server 2022); the handshake call that follows has nothing to
 * send.
 */
static void
msg_callback(int write_p, int version, int content_type, const void *buf,
             size_t len, SSL *ssl, void *arg)
{
    const unsigned char *m = buf;
    struct sch_ctx *c = SSL_get_app_data(ssl);

    (void)version;
    (void)arg;
    if (c == NULL || write_p || content_type != SSL3_RT_HANDSHAKE || len < 4)
        return;
    if (len >= 5 && m[0] == SSL3_MT_KEY_UPDATE
        && m[4] == SSL_KEY_UPDATE_REQUESTED)
        c->key_update_asked = true;
    else if (m[0] == SSL3_MT_NEWSESSION_TICKET && c->established
             && SSL_version(ssl) == TLS1_3_VERSION)
        c->ticket_in = true;
}

static struct sch_ctx *
ctx_new(struct sch_cred *cred, const char *target)
{
    struct sch_ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    handle_obj_init(&c->h, HANDLE_CTX, cred->h.pkg, ctx_destroy);
    pthread_mutex_init(&c->lock, NULL);
    handle_obj_ref(&cred->h);
    c->cred = cred;
    c->alert_in = c->alert_out = -1;
    c->ssl = SSL_new(cred->ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (target != NULL)
        c->target = strdup(target);
    if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL
        || (target != NULL && c->target == NULL)) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        handle_obj_unref(&c->h);
        return NULL;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_app_data(c->ssl, c);
    SSL_set_info_callback(c->ssl, info_callback);
    SSL_set_msg_callback(c->ssl, msg_callback);
    return c;
}

/*
 * The length of the whole records at the start of in (n bytes). *missing
 * gets the bytes the first incomplete record still lacks (0 when the
 * input ends on a record boundary). *bad is set when a record header is
 * not TLS's (content type 20 to 24, version 3.x): the peer does not speak
 * TLS at all (an HTTP server answering a ClientHello, a plain-text client
 * on a TLS port).
 */
static size_t
whole_records(const unsigned char *in, size_t n, size_t *missing, bool *bad)
{
    size_t off = 0;

    *missing = 0;
    *bad = false;
    while (off < n) {
        size_t rec;

        if (in[off] < 20 || in[off] > 24
            || (n - off >= 2 && in[off + 1] != 3)) {
            *bad = true;
            break;
        }
        if (n - off < TLS_HEADER) {
            *missing = TLS_HEADER - (n - off);
            break;
        }
        rec = TLS_HEADER + ((size_t)in[off + 3] << 8 | in[off + 4]);
        if (n - off < rec) {
            *missing = rec - (n - off);
            break;
        }
        off += rec;
    }
    return off;
}

/* The code for a failed handshake step or record: the alert that ended
 * it, else OpenSSL's verdict. */
static SECURITY_STATUS
tls_failure(struct sch_ctx *c, const char *what)
{
    unsigned long e = ERR_peek_last_error(), q;
    char text[256] = "";
    bool oom = false;
    SECURITY_STATUS st;

    if (e != 0)
        ERR_error_string_n(e, text, sizeof(text));
    /* OpenSSL 3.0 records an allocation that failed as ERR_R_MALLOC_
     * FAILURE, then fails the step with a generic reason (an internal
     * error alert): Windows' out-of-memory code (found by tests/torture). */
    while ((q = ERR_get_error()) != 0)
        if (ERR_GET_REASON(q) == ERR_R_MALLOC_FAILURE)
            oom = true;
    ERR_clear_error();
    if (oom)
        st = SEC_E_INSUFFICIENT_MEMORY;
    else if (c->alert_in >= 0)
        st = map_tls_alert(c->alert_in);
    else if (c->alert_out >= 0)
        st = map_tls_sent_alert(c->alert_out);
    else
        st = SEC_E_ILLEGAL_MESSAGE;
    trace_cause("Schannel %s: %s%s%s%s -> %s", what,
                c->alert_in >= 0 ? "alert received: "
                                 : c->alert_out >= 0 ? "alert sent: " : "",
                c->alert_in >= 0 ? SSL_alert_desc_string_long(c->alert_in)
                : c->alert_out >= 0 ? SSL_alert_desc_string_long(c->alert_out)
                                    : "",
                text[0] != '\0' ? "; " : "", text, sspigss_status_name(st));
    if (oom)
        trace_cause("Schannel %s: OpenSSL ran out of memory (%s) -> %s",
                    what, text, sspigss_status_name(st));
    return st;
}

/* What OpenSSL wrote, into the caller's output TOKEN (allocated when
 * asked). Windows answers a buffer too small with
 * SEC_E_INSUFFICIENT_MEMORY for Schannel. */
static SECURITY_STATUS
put_output(struct sch_ctx *c, SecBufferDesc *output, bool allocate,
           bool *allocated)
{
    SecBuffer *tok = output != NULL ? secbuf_find(output, SECBUFFER_TOKEN, 0)
                                    : NULL;
    size_t n = (size_t)BIO_ctrl_pending(c->wbio);
    void *p;

    *allocated = false;
    if (n == 0) {
        if (tok != NULL) {
            tok->cbBuffer = 0;
            if (allocate)
                tok->pvBuffer = NULL;
        }
        return SEC_E_OK;
    }
    if (tok == NULL)
        return SEC_E_INVALID_TOKEN;
    if (allocate) {
        p = ctxbuf_alloc(n);
        if (p == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        tok->pvBuffer = p;
        *allocated = true;
    } else if (tok->pvBuffer == NULL || tok->cbBuffer < n) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    if (BIO_read(c->wbio, tok->pvBuffer, (int)n) != (int)n)
        return SEC_E_INTERNAL_ERROR;
    tok->cbBuffer = (ULONG)n;
    return SEC_E_OK;
}

/*
 * A failed handshake step's alert. The record goes in the output TOKEN,
 * to be sent ("any buffer generated must be sent back"); a
 * SECBUFFER_ALERT buffer in the output (curl, schannel-rs and others pass
 * [TOKEN, ALERT, EMPTY]) receives "information about that alert"
 * (Microsoft Learn, AcceptSecurityContext (Schannel), pOutput): here a
 * SCHANNEL_ALERT_TOKEN naming it, the structure ApplyControlToken takes
 * for alerts. Allocated as the TOKEN is, or written to the caller's
 * buffer when it has room.
 */
static void
put_alert(struct sch_ctx *c, SecBufferDesc *output, bool allocate)
{
    SecBuffer *ab = output != NULL ? secbuf_find(output, SECBUFFER_ALERT, 0)
                                   : NULL;
    SCHANNEL_ALERT_TOKEN info;
    bool ignore;

    (void)put_output(c, output, allocate, &ignore);
    if (ab == NULL)
        return;
    if (c->alert_out < 0) {
        ab->cbBuffer = 0;
        if (allocate)
            ab->pvBuffer = NULL;
        return;
    }
    info.dwTokenType = SCHANNEL_ALERT;
    info.dwAlertType = TLS1_ALERT_FATAL;
    info.dwAlertNumber = (DWORD)c->alert_out;
    if (allocate) {
        ab->pvBuffer = ctxbuf_alloc(sizeof(info));
        if (ab->pvBuffer == NULL) {
            ab->cbBuffer = 0;
            return;
        }
    } else if (ab->pvBuffer == NULL || ab->cbBuffer < sizeof(info)) {
        ab->cbBuffer = 0;
        return;
    }
    memcpy(ab->pvBuffer, &info, sizeof(info));
    ab->cbBuffer = sizeof(info);
}

/* Where the input's leftovers are reported: the first buffer after the
 * TOKEN that is empty (or holds an earlier report). Windows' convention
 * is the second buffer, SECBUFFER_EMPTY; an APPLICATION_PROTOCOLS buffer
 * beside them is skipped. */
static SecBuffer *
report_buffer(SecBufferDesc *input)
{
    ULONG i;

    if (input == NULL)
        return NULL;
    for (i = 1; i < input->cBuffers; i++) {
        ULONG t = SECBUF_TYPE(&input->pBuffers[i]);

        if (t == SECBUFFER_EMPTY || t == SECBUFFER_EXTRA
            || t == SECBUFFER_MISSING)
            return &input->pBuffers[i];
    }
    return NULL;
}

/* Report the input left after the records a call used as
 * SECBUFFER_EXTRA (Windows' convention). */
static void
put_extra(SecBufferDesc *input, size_t extra)
{
    SecBuffer *b = report_buffer(input);

    if (b == NULL)
        return;
    if (extra > 0) {
        b->BufferType = SECBUFFER_EXTRA;
        b->cbBuffer = (ULONG)extra;
    } else if (SECBUF_TYPE(b) != SECBUFFER_EMPTY) {
        b->BufferType = SECBUFFER_EMPTY;
        b->cbBuffer = 0;
    }
}

static void
put_missing(SecBufferDesc *input, size_t missing)
{
    SecBuffer *b = report_buffer(input);

    if (b == NULL)
        return;
    b->BufferType = SECBUFFER_MISSING;
    b->cbBuffer = (ULONG)missing;
}

/*
 * ALPN (RFC 7301): the protocols a SECBUFFER_APPLICATION_PROTOCOLS
 * buffer lists for the ALPN extension, in the extension's own wire form
 * (length-prefixed names), as Windows takes them (Microsoft Learn,
 * SEC_APPLICATION_PROTOCOLS; curl's Schannel back end builds it so).
 * Returns false for a malformed buffer; *list is NULL when there is no
 * buffer or no ALPN list in it.
 */
static bool
alpn_list(SecBufferDesc *input, const unsigned char **list, size_t *len)
{
    SecBuffer *b = input != NULL
        ? secbuf_find(input, SECBUFFER_APPLICATION_PROTOCOLS, 0) : NULL;
    const unsigned char *p, *end;
    ULONG total;

    *list = NULL;
    *len = 0;
    if (b == NULL)
        return true;
    if (b->pvBuffer == NULL || b->cbBuffer < sizeof(ULONG))
        return false;
    memcpy(&total, b->pvBuffer, sizeof(total));
    if (total > b->cbBuffer - sizeof(ULONG))
        return false;
    p = (const unsigned char *)b->pvBuffer + sizeof(ULONG);
    end = p + total;
    while (p < end) {
        const size_t head = offsetof(SEC_APPLICATION_PROTOCOL_LIST,
                                     ProtocolList);
        SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext;
        unsigned short n;
        size_t i;

        if ((size_t)(end - p) < head)
            return false;
        memcpy(&ext, p + offsetof(SEC_APPLICATION_PROTOCOL_LIST,
                                  ProtoNegoExt), sizeof(ext));
        memcpy(&n, p + offsetof(SEC_APPLICATION_PROTOCOL_LIST,
                                ProtocolListSize), sizeof(n));
        if ((size_t)(end - p) - head < n)
            return false;
        /* Each name: a length byte, then that many bytes, none empty. */
        for (i = 0; i < n; i += 1 + (size_t)p[head + i])
            if (p[head + i] == 0 || i + 1 + p[head + i] > n)
                return false;
        if (ext == SecApplicationProtocolNegotiationExt_ALPN && n > 0) {
            *list = p + head;
            *len = n;
        }
        p += head + n;
    }
    return true;
}

/* The server's choice: its own first protocol the client offers
 * (server preference, as RFC 7301 3.2 leaves to the server); none in
 * common: the extension is left out of the answer. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
            const unsigned char *in, unsigned int inlen, void *arg)
{
    struct sch_ctx *c = SSL_get_app_data(ssl);
    unsigned char *sel;

    (void)arg;
    if (c == NULL || c->alpn == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    if (SSL_select_next_proto(&sel, outlen, c->alpn,
                              (unsigned int)c->alpn_len, in, inlen)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* The peer's certificate, once the handshake is done (client: the
 * server's, checked unless the credential says the caller will). */
static SECURITY_STATUS
check_server_certificate(struct sch_ctx *c)
{
    long v;
    SECURITY_STATUS st;

    if (c->server || (c->cred->flags & SCH_CRED_MANUAL_CRED_VALIDATION))
        return SEC_E_OK;
    v = SSL_get_verify_result(c->ssl);
    if (SSL_get0_peer_certificate(c->ssl) == NULL)
        v = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
    st = map_tls_verify(v);
    if (st != SEC_E_OK)
        trace_cause("Schannel: the server's certificate: %s -> %s",
                    X509_verify_cert_error_string(v), sspigss_status_name(st));
    return st;
}

/* Is target an IP address (no SNI, an IP check instead of a name)? */
static bool
is_ip(const char *s)
{
    ASN1_OCTET_STRING *a = a2i_IPADDRESS(s);

    if (a == NULL)
        return false;
    ASN1_OCTET_STRING_free(a);
    return true;
}

/*
 * Does the server's list of acceptable CAs (empty: any) name a CA of x's
 * chain? Windows accepts a certificate whose chain reaches a listed CA
 * (CertFindChainInStore, CERT_CHAIN_FIND_BY_ISSUER): the chain here is
 * x and its issuers among the certificates of x's store (a PFX in the
 * MY store brings its CA certificates).
 */
static bool
issuer_acceptable(SSL *ssl, PCCERT_CONTEXT cc, X509 *x)
{
    const STACK_OF(X509_NAME) *cas = SSL_get0_peer_CA_list(ssl);
    STACK_OF(X509) *all;
    X509 *cur = x;
    bool found = false;
    int depth, i;

    if (cas == NULL || sk_X509_NAME_num(cas) == 0)
        return true;
    all = crypt32_store_certs(cc);
    for (depth = 0; !found && cur != NULL && depth < 10; depth++) {
        X509 *next = NULL;

        for (i = 0; i < sk_X509_NAME_num(cas) && !found; i++)
            found = X509_NAME_cmp(sk_X509_NAME_value(cas, i),
                                  X509_get_issuer_name(cur)) == 0;
        if (X509_check_issued(cur, cur) == X509_V_OK)
            break;
        for (i = 0; all != NULL && i < sk_X509_num(all); i++) {
            X509 *c = sk_X509_value(all, i);

            if (X509_cmp(c, cur) != 0
                && X509_check_issued(c, cur) == X509_V_OK) {
                next = c;
                break;
            }
        }
        cur = next;
    }
    sk_X509_pop_free(all, X509_free);
    return found;
}

/*
 * Windows' automatic choice of a client certificate: one of the user's
 * ("MY" store; here the directory SSPIGSS_CERT_STORE_MY names, see
 * docs/crypt32.md) with a private key, fit for client authentication
 * and issued by a CA the server accepts (Microsoft Learn, Performing
 * Authentication Using Schannel: "Schannel will, with no notification to
 * the client, attempt to locate a client certificate").
 */
static bool
default_client_certificate(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    HCERTSTORE my = CertOpenSystemStoreA(0, "MY");
    PCCERT_CONTEXT it = NULL;
    bool found = false;

    if (my == NULL)
        return false;
    while (!found
           && (it = CertEnumCertificatesInStore(my, it)) != NULL) {
        X509 *x = crypt32_x509(it);
        EVP_PKEY *k = crypt32_private_key(it);

        if (x != NULL && k != NULL
            && X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0) == 1
            && issuer_acceptable(ssl, it, x)) {
            X509_up_ref(x);
            EVP_PKEY_up_ref(k);
            *x509 = x;
            *pkey = k;
            found = true;
            CertFreeCertificateContext(it);
        }
    }
    CertCloseStore(my, 0);
    if (found && trace_enabled()) {
        char name[256];

        X509_NAME_oneline(X509_get_subject_name(*x509), name, sizeof(name));
        trace_printf("Schannel: the server asks for a certificate; "
                     "\"%s\" from the MY store is sent", name);
    }
    return found;
}

/*
 * OpenSSL asks for the client's certificate: the server sent a
 * CertificateRequest and the credential has none (with one, OpenSSL sends
 * it without asking). Windows looks for one itself unless
 * ISC_REQ_USE_SUPPLIED_CREDS or SCH_CRED_NO_DEFAULT_CREDS says not to;
 * when it does not send one it returns SEC_I_INCOMPLETE_CREDENTIALS, and
 * the next InitializeSecurityContext goes on with the credential it is
 * given then, with a certificate or without (Microsoft Learn,
 * InitializeSecurityContext (Schannel), Return value). -1 suspends the
 * handshake (SSL_ERROR_WANT_X509_LOOKUP) until that call.
 */
static int
client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    struct sch_ctx *c = SSL_get_app_data(ssl);

    if (c == NULL)
        return 0;
    if (c->client_cert == CLIENT_CERT_DECIDED) {
        if (c->cred->cert == NULL)
            return 0;
        X509_up_ref(c->cred->cert);
        EVP_PKEY_up_ref(c->cred->key);
        *x509 = c->cred->cert;
        *pkey = c->cred->key;
        return 1;
    }
    if (!(c->req & ISC_REQ_USE_SUPPLIED_CREDS)
        && !(c->cred->flags & SCH_CRED_NO_DEFAULT_CREDS)
        && default_client_certificate(ssl, x509, pkey)) {
        c->client_cert = CLIENT_CERT_DECIDED;
        return 1;
    }
    c->client_cert = CLIENT_CERT_PENDING;
    return -1;
}

static void record_sizes(const struct sch_ctx *c, ULONG *header,
                         ULONG *trailer, ULONG *block);

/*
 * TLS_PARAMETERS meant for some application protocols
 * (lib/sch_params.c), once the step that settled the version, the suite
 * and ALPN has run (the server's first; the client's last, before its
 * Finished goes out): a handshake that breaks one ends here, as Microsoft
 * allows ("schannel may fail TLS handshakes in order to honor the
 * TLS_PARAMETERS restrictions", TLS_PARAMETERS structure). What OpenSSL
 * was about to send is dropped for a handshake_failure alert, and the
 * context is finished for good. c is locked.
 */
static SECURITY_STATUS
scope_check(struct sch_ctx *c)
{
    static const unsigned char alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02,
                                           0x02, 40 };
    const unsigned char *sel = NULL;
    const SSL_CIPHER *cipher;
    unsigned int len = 0;
    const char *why = "";

    c->scope_checked = true;
    SSL_get0_alpn_selected(c->ssl, &sel, &len);
    cipher = SSL_get_pending_cipher(c->ssl);
    if (cipher == NULL)
        cipher = SSL_get_current_cipher(c->ssl);
    if (!sch_alpn_violation(c->cred->scoped, c->server, sel, len,
                            SSL_version(c->ssl), cipher, &why))
        return SEC_E_OK;
    (void)BIO_reset(c->wbio);
    if (BIO_write(c->wbio, alert, (int)sizeof(alert)) != (int)sizeof(alert))
        return SEC_E_INSUFFICIENT_MEMORY;
    c->alert_out = 40;
    c->dead = true;
    trace_cause("Schannel: the handshake settled on application protocol "
                "\"%.*s\" and %s (TLS_PARAMETERS) -> "
                "SEC_E_ALGORITHM_MISMATCH", (int)len, (const char *)sel, why);
    return SEC_E_ALGORITHM_MISMATCH;
}

/*
 * A SEC_I_RENEGOTIATE that left nothing to send (a TLS 1.3 session ticket)
 * asks nothing of the record calls: a caller that goes on with
 * DecryptMessage or EncryptMessage without the handshake call loses
 * nothing, so the request lapses. One with something queued (a KeyUpdate
 * to answer, a renegotiation under way) stays until the handshake call
 * hands it out. c is locked.
 */
static void
renegotiate_lapse(struct sch_ctx *c)
{
    if (c->renegotiate && BIO_ctrl_pending(c->wbio) == 0
        && !SSL_in_init(c->ssl) && !c->key_update_asked)
        c->renegotiate = false;
}

/*
 * One handshake step, either side, with c locked: take the whole records
 * of the input TOKEN, let OpenSSL answer, hand out what it wrote in the
 * output TOKEN. first: the call that made c (a client has no input
 * then). *done is set when the handshake completed.
 */
static SECURITY_STATUS
handshake_step(struct sch_ctx *c, bool first, SecBufferDesc *input,
               SecBufferDesc *output, bool allocate, bool *allocated,
               bool *done)
{
    const unsigned char *base = NULL;
    SecBuffer *in = NULL;
    size_t used = 0, missing = 0, n = 0, off = 0, skip = 0;
    bool bad = false, resuming = false;
    SECURITY_STATUS st;
    int r, e;

    *allocated = false;
    *done = false;
    if (c->dead)
        return SEC_E_INVALID_HANDLE;
    if (c->renegotiate && !SSL_in_init(c->ssl)) {
        /* After SEC_I_RENEGOTIATE with nothing more to negotiate (a TLS
         * 1.3 KeyUpdate answered, an alert refusing a renegotiation):
         * what OpenSSL queued goes out now; the input is for
         * DecryptMessage and stays EXTRA. */
        in = input != NULL ? secbuf_find(input, SECBUFFER_TOKEN, 0) : NULL;
        if (c->key_update_asked) {
            /* Our KeyUpdate, now rather than before the next record. */
            if (SSL_key_update(c->ssl, SSL_KEY_UPDATE_NOT_REQUESTED) != 1
                || SSL_do_handshake(c->ssl) != 1)
                return tls_failure(c, "KeyUpdate");
            c->key_update_asked = false;
        }
        st = put_output(c, output, allocate, allocated);
        if (st != SEC_E_OK)
            return st;
        c->renegotiate = false;
        put_extra(input, in != NULL && in->pvBuffer != NULL ? in->cbBuffer
                                                            : 0);
        *done = true;
        return SEC_E_OK;
    }
    if (!first || c->server) {
        in = input != NULL ? secbuf_find(input, SECBUFFER_TOKEN, 0) : NULL;
        if (c->established && !c->renegotiate)
            return SEC_E_INVALID_TOKEN;
        /* After SEC_I_INCOMPLETE_CREDENTIALS, or at the start of a
         * renegotiation the peer asked for, the first call may bring
         * nothing new. */
        resuming = c->client_cert == CLIENT_CERT_PENDING
                   || (c->renegotiate && BIO_ctrl_pending(c->wbio) > 0);
        if (in != NULL && in->pvBuffer != NULL && in->cbBuffer > 0) {
            base = in->pvBuffer;
            n = in->cbBuffer;
            /* After SEC_I_INCOMPLETE_CREDENTIALS the caller may hand in
             * the same bytes again (they were taken already) or only
             * what came after. */
            if (resuming && c->replay_len > 0 && n >= c->replay_len
                && memcmp(base, c->replay, c->replay_len) == 0)
                skip = c->replay_len;
            base += skip;
            n -= skip;
        } else if (!resuming) {
            return SEC_E_INVALID_TOKEN;
        }
        used = base != NULL ? whole_records(base, n, &missing, &bad) : 0;
        if (bad && used == 0) {
            /* Windows: SEC_E_INVALID_TOKEN for bytes that are not TLS
             * (curl's "schannel: next InitializeSecurityContext failed:
             * SEC_E_INVALID_TOKEN" against a plain-text server). */
            trace_cause("Schannel: the %s sent bytes that are not a TLS "
                        "record (%02x %02x ...) -> SEC_E_INVALID_TOKEN",
                        c->server ? "client" : "server", base[0],
                        n > 1 ? base[1] : 0);
            return SEC_E_INVALID_TOKEN;
        }
        if (used == 0 && !resuming) {
            /* Not one whole record: nothing is taken (Windows: the same
             * bytes and more come back). */
            put_missing(input, missing);
            trace_cause("Schannel: the %s's record is not whole: %lu more "
                        "bytes needed -> SEC_E_INCOMPLETE_MESSAGE",
                        c->server ? "client" : "server",
                        (unsigned long)missing);
            return SEC_E_INCOMPLETE_MESSAGE;
        }
        if (resuming && c->client_cert == CLIENT_CERT_PENDING) {
            c->client_cert = CLIENT_CERT_DECIDED;
            free(c->replay);
            c->replay = NULL;
            c->replay_len = 0;
        }
    }
    /* Feed record by record until OpenSSL answers or finishes. */
    for (;;) {
        if (base != NULL && off < used) {
            const unsigned char *p = base + off;
            size_t rec = TLS_HEADER + ((size_t)p[3] << 8 | p[4]);

            if (BIO_write(c->rbio, p, (int)rec) != (int)rec)
                return SEC_E_INSUFFICIENT_MEMORY;
            off += rec;
        }
        ERR_clear_error();
        r = SSL_do_handshake(c->ssl);
        if (r == 1 || BIO_ctrl_pending(c->wbio) > 0 || base == NULL
            || off >= used)
            break;
        if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
            break;
    }
    e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_X509_LOOKUP) {
        /* client_cert_cb: no certificate to send yet. Keep what was
         * taken, so that the same bytes handed in again are skipped. */
        if (off > 0) {
            c->replay = malloc(off + skip);
            if (c->replay == NULL)
                return SEC_E_INSUFFICIENT_MEMORY;
            memcpy(c->replay, (const unsigned char *)in->pvBuffer,
                   off + skip);
            c->replay_len = off + skip;
        }
        st = put_output(c, output, allocate, allocated);
        if (st != SEC_E_OK)
            return st;
        put_extra(input, n - off);
        trace_cause("Schannel: the server asks for a client certificate "
                    "and the credential has none%s -> "
                    "SEC_I_INCOMPLETE_CREDENTIALS",
                    (c->req & ISC_REQ_USE_SUPPLIED_CREDS)
                        ? " (ISC_REQ_USE_SUPPLIED_CREDS)"
                    : (c->cred->flags & SCH_CRED_NO_DEFAULT_CREDS)
                        ? " (SCH_CRED_NO_DEFAULT_CREDS)"
                        : " and none in the MY store fits");
        return SEC_I_INCOMPLETE_CREDENTIALS;
    }
    if (r != 1 && e != SSL_ERROR_WANT_READ) {
        long v = SSL_get_verify_result(c->ssl);

        if (!c->server && v != X509_V_OK
            && !(c->cred->flags & SCH_CRED_MANUAL_CRED_VALIDATION)) {
            /* The server's certificate: say why, not the alert it
             * caused. */
            ERR_clear_error();
            st = map_tls_verify(v);
            trace_cause("Schannel: the server's certificate: %s -> %s",
                        X509_verify_cert_error_string(v),
                        sspigss_status_name(st));
        } else {
            st = tls_failure(c, "handshake");
        }
        /* The alert OpenSSL wrote, for the caller to send. */
        put_alert(c, output, allocate);
        return st;
    }
    /* The server knows at its first step; a client once the server's
     * flight is all in (TLS 1.3 sends ALPN after the ServerHello). */
    if (!c->scope_checked && c->cred->scoped != NULL
        && (c->server ? SSL_get_pending_cipher(c->ssl) != NULL : r == 1)) {
        st = scope_check(c);
        if (st != SEC_E_OK) {
            put_alert(c, output, allocate);
            return st;
        }
    }
    st = put_output(c, output, allocate, allocated);
    if (st != SEC_E_OK)
        return st;
    if (r == 1) {
        c->established = true;
        c->renegotiate = false;
        /* The suite is fixed now: what protection adds to a record is
         * worked out once, not for every message. */
        record_sizes(c, &c->hdr, &c->trl, &c->blk);
        st = check_server_certificate(c);
        if (st != SEC_E_OK)
            return st;
        *done = true;
    }
    put_extra(input, n - off);
    return r == 1 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
}

/*
 * The server's chain as OpenSSL verifies it, with the revocation results
 * the credential says to overlook: no CRL to be had
 * (SCH_CRED_IGNORE_NO_REVOCATION_CHECK) or only an out-of-date one
 * (SCH_CRED_IGNORE_REVOCATION_OFFLINE). Everything else fails as OpenSSL
 * decides. (OpenSSL never checks a trusted root's own revocation, which
 * is what SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT leaves out; the
 * intermediate under it is checked against the root's CRL either way.)
 */
static int
verify_server(int ok, X509_STORE_CTX *st)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(
        st, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct sch_ctx *c = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    int err = X509_STORE_CTX_get_error(st);
    int depth = X509_STORE_CTX_get_error_depth(st);
    DWORD f;
    bool ignore = false;

    if (ok || c == NULL)
        return ok;
    f = c->cred->flags;
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL)
        ignore = (f & SCH_CRED_IGNORE_NO_REVOCATION_CHECK) != 0;
    else if (err == X509_V_ERR_CRL_HAS_EXPIRED
             || err == X509_V_ERR_CRL_NOT_YET_VALID)
        ignore = (f & SCH_CRED_IGNORE_REVOCATION_OFFLINE) != 0;
    if (!ignore)
        return 0;
    if (trace_enabled())
        trace_printf("Schannel: %s at depth %d overlooked (dwFlags 0x%lx)",
                     X509_verify_cert_error_string(err), depth,
                     (unsigned long)f);
    X509_STORE_CTX_set_error(st, X509_V_OK);
    return 1;
}

/* After ApplyControlToken(SCHANNEL_SHUTDOWN): the close_notify alert to
 * send, and the context is done (Windows' shutdown sequence). */
static bool
shutting_down(const struct sch_ctx *c)
{
    return c->established && c->closed;
}

/*
 * What InitializeSecurityContext and AcceptSecurityContext do once the
 * context is found or made, c locked: the close_notify after
 * SCHANNEL_SHUTDOWN, or a handshake step. ret is the side's *_RET_* bits
 * for the context, allocated_ret its ALLOCATED_MEMORY bit.
 */
static SECURITY_STATUS
context_step(struct sch_ctx *c, bool first, SecBufferDesc *input,
             SecBufferDesc *output, bool allocate, ULONG ret,
             ULONG allocated_ret, ULONG *attrs, TimeStamp *expiry)
{
    bool allocated = false, done;
    SECURITY_STATUS st;

    if (!first && shutting_down(c)) {
        st = put_output(c, output, allocate, &allocated);
    } else {
        st = handshake_step(c, first, input, output, allocate, &allocated,
                            &done);
        if (SEC_SUCCESS(st))
            c->attrs = ret;
    }
    if (SEC_SUCCESS(st)) {
        *attrs = c->attrs | (allocated ? allocated_ret : 0);
        expiry->QuadPart = 0x7FFFFFFFFFFFFFFFLL;
    }
    return st;
}

static SECURITY_STATUS
sch_initialize(struct handle_obj *cred_obj, struct handle_obj **ctx_obj,
               const struct init_args *args, ULONG *attrs, TimeStamp *expiry)
{
    struct sch_cred *cred = (struct sch_cred *)cred_obj;
    struct sch_ctx *c = (struct sch_ctx *)*ctx_obj, *fresh = NULL;
    bool allocate = (args->req & ISC_REQ_ALLOCATE_MEMORY) != 0;
    const unsigned char *alpn;
    size_t alpn_len;
    SECURITY_STATUS st;

    if (c == NULL) {
        if (!(cred->use & SECPKG_CRED_OUTBOUND) || cred->server)
            return SEC_E_NO_CREDENTIALS;
        fresh = c = ctx_new(cred, args->target);
        if (c == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        c->req = args->req;
        SSL_set_connect_state(c->ssl);
        if (!alpn_list(args->input, &alpn, &alpn_len)) {
            trace_cause("Schannel: the SECBUFFER_APPLICATION_PROTOCOLS "
                        "buffer is malformed -> SEC_E_INVALID_TOKEN");
            handle_obj_unref(&fresh->h);
            return SEC_E_INVALID_TOKEN;
        }
        if (alpn != NULL
            && SSL_set_alpn_protos(c->ssl, alpn, (unsigned)alpn_len) != 0) {
            handle_obj_unref(&fresh->h);
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        /* A certificate that does not verify ends the handshake with the
         * alert TLS prescribes (unknown_ca, certificate_expired, ...),
         * handed out in the output token; the caller validates it
         * itself with SCH_CRED_MANUAL_CRED_VALIDATION. */
        if (!(cred->flags & SCH_CRED_MANUAL_CRED_VALIDATION))
            SSL_set_verify(c->ssl, SSL_VERIFY_PEER, verify_server);
        if (c->target != NULL && *c->target != '\0') {
            if (!is_ip(c->target))
                SSL_set_tlsext_host_name(c->ssl, c->target);
            if (!(cred->flags & SCH_CRED_NO_SERVERNAME_CHECK)) {
                if (is_ip(c->target))
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
                                                  c->target);
                else
                    SSL_set1_host(c->ssl, c->target);
            }
        }
    } else if (c->server) {
        return SEC_E_INVALID_HANDLE;
    }

    pthread_mutex_lock(&c->lock);
    if (fresh == NULL && cred != NULL && cred != c->cred) {
        /* Another credential is allowed where Windows allows it: after
         * SEC_I_INCOMPLETE_CREDENTIALS, one with the certificate to send
         * (Microsoft Learn, InitializeSecurityContext (Schannel)), and
         * at the call answering SEC_I_RENEGOTIATE (Microsoft Learn,
         * Renegotiating an Schannel Connection: new credentials for the
         * new handshake). */
        if ((c->client_cert != CLIENT_CERT_PENDING && !c->renegotiate)
            || cred->server
            || !(cred->use & SECPKG_CRED_OUTBOUND)) {
            st = SEC_E_WRONG_CREDENTIAL_HANDLE;
            goto out;
        }
        handle_obj_ref(&cred->h);
        handle_obj_unref(&c->cred->h);
        c->cred = cred;
    }
    if (fresh == NULL)
        c->req = (c->req & ~(ULONG)ISC_REQ_USE_SUPPLIED_CREDS)
                 | (args->req & ISC_REQ_USE_SUPPLIED_CREDS);
    st = context_step(c, fresh != NULL, args->input, args->output, allocate,
                      ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT
                          | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM
                          | (c->req & ISC_REQ_USE_SUPPLIED_CREDS
                                 ? ISC_RET_USED_SUPPLIED_CREDS : 0),
                      ISC_RET_ALLOCATED_MEMORY, attrs, expiry);
    if (SEC_SUCCESS(st) && fresh != NULL) {
        *ctx_obj = &fresh->h;
        fresh = NULL;
    }
out:
    pthread_mutex_unlock(&c->lock);
    if (fresh != NULL)
        handle_obj_unref(&fresh->h);
    return st;
}

/*
 * The server side: the first call takes the ClientHello (a context is
 * made only when it is whole), the last the client's Finished.
 * ASC_REQ_MUTUAL_AUTH asks for a client certificate, which the client
 * may decline; the application checks the one it gets
 * (SECPKG_ATTR_REMOTE_CERT_CONTEXT).
 */
static SECURITY_STATUS
sch_accept(struct handle_obj *cred_obj, struct handle_obj **ctx_obj,
           const struct accept_args *args, ULONG *attrs, TimeStamp *expiry)
{
    struct sch_cred *cred = (struct sch_cred *)cred_obj;
    struct sch_ctx *c = (struct sch_ctx *)*ctx_obj, *fresh = NULL;
    bool allocate = (args->req & ASC_REQ_ALLOCATE_MEMORY) != 0;
    const unsigned char *alpn;
    size_t alpn_len;
    SECURITY_STATUS st;

    if (c == NULL) {
        if (!cred->server)
            return SEC_E_NO_CREDENTIALS;
        fresh = c = ctx_new(cred, NULL);
        if (c == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        c->server = true;
        c->req = args->req;
        SSL_set_accept_state(c->ssl);
        if (!alpn_list(args->input, &alpn, &alpn_len)) {
            trace_cause("Schannel: the SECBUFFER_APPLICATION_PROTOCOLS "
                        "buffer is malformed -> SEC_E_INVALID_TOKEN");
            handle_obj_unref(&fresh->h);
            return SEC_E_INVALID_TOKEN;
        }
        if (alpn != NULL) {
            c->alpn = malloc(alpn_len);
            if (c->alpn == NULL) {
                handle_obj_unref(&fresh->h);
                return SEC_E_INSUFFICIENT_MEMORY;
            }
            memcpy(c->alpn, alpn, alpn_len);
            c->alpn_len = alpn_len;
        }
        if (args->req & ASC_REQ_MUTUAL_AUTH)
            SSL_set_verify(c->ssl, SSL_VERIFY_PEER, accept_any_certificate);
    } else if (!c->server) {
        return SEC_E_INVALID_HANDLE;
    } else if (cred != NULL && cred != c->cred) {
        return SEC_E_WRONG_CREDENTIAL_HANDLE;
    }

    pthread_mutex_lock(&c->lock);
    st = context_step(c, fresh != NULL, args->input, args->output, allocate,
                      ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT
                          | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM
                          | (c->req & ASC_REQ_MUTUAL_AUTH
                                 ? ASC_RET_MUTUAL_AUTH : 0),
                      ASC_RET_ALLOCATED_MEMORY, attrs, expiry);
    if (SEC_SUCCESS(st) && fresh != NULL) {
        *ctx_obj = &fresh->h;
        fresh = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (fresh != NULL)
        handle_obj_unref(&fresh->h);
    return st;
}

/* ------------------------------------------------------------- messages */

/*
 * What protection adds to a record of the negotiated suite: the header
 * (the 5-byte record header and an explicit nonce or IV) and the trailer
 * (tag, or MAC and padding; TLS 1.3's inner content type), as Windows
 * reports them in SECPKG_ATTR_STREAM_SIZES.
 */
static void
record_sizes(const struct sch_ctx *c, ULONG *header, ULONG *trailer,
             ULONG *block)
{
    const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
    int version = SSL_version(c->ssl);
    int nid = ci != NULL ? SSL_CIPHER_get_cipher_nid(ci) : NID_undef;
    const EVP_CIPHER *ev = EVP_get_cipherbynid(nid);
    int bs = ev != NULL ? EVP_CIPHER_get_block_size(ev) : 1;

    *header = TLS_HEADER;
    *trailer = 16;
    *block = (ULONG)bs;
    if (version == TLS1_3_VERSION) {
        *trailer = 16 + 1;          /* AEAD tag, inner content type */
        return;
    }
    if (ci != NULL && SSL_CIPHER_is_aead(ci)) {
        /* AES-GCM and CCM carry an 8-byte explicit nonce; ChaCha20 none. */
        if (nid != NID_chacha20_poly1305)
            *header += 8;
        return;
    }
    /* CBC: an explicit IV, then MAC and up to a block of padding. */
    {
        int mdnid = ci != NULL ? SSL_CIPHER_get_digest_nid(ci) : NID_undef;
        const EVP_MD *mac = EVP_get_digestbynid(mdnid);

        *header += (ULONG)bs;
        *trailer = (ULONG)(mac != NULL ? EVP_MD_get_size(mac) : 20)
                   + (ULONG)bs;
    }
}

/*
 * A record call on a connection that failed before: a record that did
 * not open (bad_record_mac, record_overflow, ...) or could not be made
 * ends a TLS connection for good (RFC 8446 6 and 6.2, RFC 5246 7.2.2:
 * the fatal alert is sent and the connection closed; OpenSSL refuses
 * every later record). Windows' code for such a later call is not
 * recorded; the callers we know never make one (curl keeps the first
 * DecryptMessage failure as "recv_unrecoverable_err" and returns it
 * from then on; .NET's SslStream throws and the stream is done), so the
 * context answers as one that can no longer be used,
 * SEC_E_CONTEXT_EXPIRED, as after shutdown, rather than repeating a
 * stale alert. c is locked.
 */
static SECURITY_STATUS
record_after_failure(const struct sch_ctx *c, const char *call)
{
    trace_cause("Schannel: %s after the connection failed (%s%s) -> "
                "SEC_E_CONTEXT_EXPIRED", call,
                c->alert_in >= 0 ? "alert received: "
                : c->alert_out >= 0 ? "alert sent: " : "",
                c->alert_in >= 0 ? SSL_alert_desc_string_long(c->alert_in)
                : c->alert_out >= 0 ? SSL_alert_desc_string_long(c->alert_out)
                                    : "a fatal error");
    return SEC_E_CONTEXT_EXPIRED;
}

static SECURITY_STATUS
sch_encrypt(struct handle_obj *obj, ULONG qop, SecBufferDesc *msg, ULONG seq)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SecBuffer *hdr = secbuf_find(msg, SECBUFFER_STREAM_HEADER, 0);
    SecBuffer *data = secbuf_find(msg, SECBUFFER_DATA, 0);
    SecBuffer *trl = secbuf_find(msg, SECBUFFER_STREAM_TRAILER, 0);
    unsigned char *hp, *dp, *tp;
    ULONG h, t;
    size_t n, tn;
    int r;
    SECURITY_STATUS st;

    (void)qop;
    (void)seq;
    if (hdr == NULL || data == NULL || trl == NULL)
        return SEC_E_INVALID_TOKEN;
    if (data->cbBuffer > TLS_MAX_MESSAGE || data->pvBuffer == NULL
        || hdr->pvBuffer == NULL || trl->pvBuffer == NULL)
        return SEC_E_INVALID_PARAMETER;
    pthread_mutex_lock(&c->lock);
    if (!c->established || c->closed) {
        st = c->closed ? SEC_E_CONTEXT_EXPIRED : SEC_E_INVALID_HANDLE;
        goto out;
    }
    if (c->dead) {
        st = record_after_failure(c, "EncryptMessage");
        goto out;
    }
    renegotiate_lapse(c);
    if (BIO_ctrl_pending(c->wbio) > 0 || c->renegotiate) {
        /* SEC_I_RENEGOTIATE was given and its handshake call not made:
         * what OpenSSL queued must go out before any record. Refused
         * before the record is made, so nothing is lost, with the code
         * Windows gives calls made before a renegotiation completes
         * (curl commit cd015c8, curl#18029 and #18125). */
        trace_cause("Schannel: EncryptMessage before the %s call that "
                    "SEC_I_RENEGOTIATE asked for -> SEC_E_CONTEXT_EXPIRED",
                    c->server ? "AcceptSecurityContext"
                              : "InitializeSecurityContext");
        st = SEC_E_CONTEXT_EXPIRED;
        goto out;
    }
    h = c->hdr;
    t = c->trl;
    if (hdr->cbBuffer < h || trl->cbBuffer < t) {
        st = SEC_E_BUFFER_TOO_SMALL;
        goto out;
    }
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    r = SSL_write(c->ssl, data->pvBuffer, (int)data->cbBuffer);
    if (r != (int)data->cbBuffer) {
        st = tls_failure(c, "EncryptMessage");
        c->dead = true;
        goto out;
    }
    /* One record: header | data (in place, same length) | trailer, read
     * straight into the caller's buffers (the plaintext has been taken;
     * no copy of it or of the record stays behind). */
    n = (size_t)BIO_ctrl_pending(c->wbio);
    if (n < h + data->cbBuffer || n - h - data->cbBuffer > trl->cbBuffer) {
        st = SEC_E_INTERNAL_ERROR;
        goto out;
    }
    tn = n - h - data->cbBuffer;
    hp = hdr->pvBuffer;
    dp = data->pvBuffer;
    tp = trl->pvBuffer;
    if (hp + h == dp && dp + data->cbBuffer == tp) {
        /* Windows' usual layout, one block: one read. */
        if (BIO_read(c->wbio, hp, (int)n) != (int)n) {
            st = SEC_E_INTERNAL_ERROR;
            goto out;
        }
    } else if (BIO_read(c->wbio, hp, (int)h) != (int)h
               || BIO_read(c->wbio, dp, (int)data->cbBuffer)
                      != (int)data->cbBuffer
               || (tn > 0 && BIO_read(c->wbio, tp, (int)tn) != (int)tn)) {
        st = SEC_E_INTERNAL_ERROR;
        goto out;
    }
    hdr->cbBuffer = h;
    trl->cbBuffer = (ULONG)tn;
    st = SEC_E_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

/*
 * DecryptMessage, Windows' protocol: the received bytes in the first
 * buffer (SECBUFFER_DATA) and three empty ones. One record is opened in
 * place: the buffers become HEADER, DATA (the plaintext, where its
 * ciphertext was), TRAILER, and EXTRA for the bytes after the record; a
 * record not all there is SEC_E_INCOMPLETE_MESSAGE with a MISSING count,
 * nothing taken.
 */
static SECURITY_STATUS
sch_decrypt(struct handle_obj *obj, SecBufferDesc *msg, ULONG seq,
            ULONG *qop)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SecBuffer *b = msg->pBuffers;
    unsigned char *in;
    size_t n, rec, missing, got = 0;
    ULONG h, i;
    SECURITY_STATUS st;
    bool overflow = false;
    int r;

    (void)seq;
    if (msg->cBuffers < 4 || SECBUF_TYPE(&b[0]) != SECBUFFER_DATA
        || b[0].pvBuffer == NULL)
        return SEC_E_INVALID_TOKEN;
    for (i = 1; i < 4; i++)
        if (SECBUF_TYPE(&b[i]) != SECBUFFER_EMPTY)
            return SEC_E_INVALID_TOKEN;
    in = b[0].pvBuffer;
    n = b[0].cbBuffer;
    pthread_mutex_lock(&c->lock);
    if (!c->established) {
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    if (c->closed) {
        st = SEC_I_CONTEXT_EXPIRED;
        goto out;
    }
    if (c->dead) {
        st = record_after_failure(c, "DecryptMessage");
        goto out;
    }
    renegotiate_lapse(c);
    if (n < TLS_HEADER) {
        missing = TLS_HEADER - n;
        goto incomplete;
    }
    rec = TLS_HEADER + ((size_t)in[3] << 8 | in[4]);
    if (rec - TLS_HEADER > (SSL_version(c->ssl) == TLS1_3_VERSION
                            ? TLS_MAX_CIPHERTEXT_13 : TLS_MAX_CIPHERTEXT)) {
        /* Longer than any record may be (RFC 8446 5.2: 2^14 + 256;
         * RFC 5246 6.2.3: 2^14 + 2048): the header alone is enough for
         * OpenSSL to refuse it with record_overflow, now, rather than
         * asking the caller for up to 64 KiB more first. */
        rec = TLS_HEADER;
        overflow = true;
    } else if (n < rec) {
        missing = rec - n;
        goto incomplete;
    }
    if (BIO_write(c->rbio, in, (int)rec) != (int)rec) {
        st = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    /* The record is in the read BIO: the plaintext goes straight where
     * it belongs, after the header, over the ciphertext. */
    h = c->hdr < rec ? c->hdr : (ULONG)rec;
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    r = SSL_read(c->ssl, in + h, (int)(rec - h));
    if (r > 0) {
        got = (size_t)r;
    } else {
        int e = SSL_get_error(c->ssl, r);

        if (e == SSL_ERROR_ZERO_RETURN) {
            /* close_notify: the peer ends the session (Windows:
             * SEC_I_CONTEXT_EXPIRED). */
            c->closed = true;
            st = SEC_I_CONTEXT_EXPIRED;
            b[1].BufferType = SECBUFFER_EXTRA;
            b[1].pvBuffer = in + rec;
            b[1].cbBuffer = (ULONG)(n - rec);
            if (n == rec)
                b[1].BufferType = SECBUFFER_EMPTY;
            goto out;
        }
        if (e != SSL_ERROR_WANT_READ || overflow) {
            st = tls_failure(c, "DecryptMessage");
            c->dead = true;
            goto out;
        }
        /* A record without application data (a TLS 1.3 session ticket,
         * a KeyUpdate): taken, nothing to hand out. */
    }
    if (got > rec - h)
        got = rec - h;              /* cannot happen: one record in */
    /* OpenSSL has something to send after this record: its own KeyUpdate
     * answering the peer's (TLS 1.3), a ClientHello for the
     * renegotiation a HelloRequest asked for, or the alert refusing one
     * (TLS 1.2); or the record was a TLS 1.3 session ticket
     * (msg_callback). Windows returns SEC_I_RENEGOTIATE, and the caller's
     * next InitializeSecurityContext (AcceptSecurityContext) with the
     * SECBUFFER_EXTRA hands out what there is to send (Microsoft Learn,
     * Recognizing a Request to Renegotiate a Connection). */
    if (BIO_ctrl_pending(c->wbio) > 0 || SSL_in_init(c->ssl)
        || c->key_update_asked || c->ticket_in)
        c->renegotiate = true;
    c->ticket_in = false;
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = in;
    b[0].cbBuffer = h;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = in + h;
    b[1].cbBuffer = (ULONG)got;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = in + h + got;
    b[2].cbBuffer = (ULONG)(rec - h - got);
    if (n > rec) {
        b[3].BufferType = SECBUFFER_EXTRA;
        b[3].pvBuffer = in + rec;
        b[3].cbBuffer = (ULONG)(n - rec);
    }
    if (qop != NULL)
        *qop = 0;
    if (c->renegotiate) {
        trace_cause("Schannel: the peer sent a handshake message after "
                    "the handshake; call %s again with the EXTRA bytes "
                    "-> SEC_I_RENEGOTIATE",
                    c->server ? "AcceptSecurityContext"
                              : "InitializeSecurityContext");
        st = SEC_I_RENEGOTIATE;
    } else {
        st = SEC_E_OK;
    }
    goto out;
incomplete:
    /* Windows turns the data buffer itself into SECBUFFER_MISSING with the
     * count (Wine's dlls/secur32/tests/schannel.c, test_communication,
     * recorded on Windows: a record five bytes short gives pBuffers[0]
     * MISSING, 5), and the first empty buffer too (Wine's schannel.c
     * says Windows does); both carry the count here. The caller resets
     * the types before calling again, as on Windows. */
    b[0].BufferType = SECBUFFER_MISSING;
    b[0].cbBuffer = (ULONG)missing;
    b[1].BufferType = SECBUFFER_MISSING;
    b[1].cbBuffer = (ULONG)missing;
    trace_cause("Schannel DecryptMessage: the record is not whole: %lu "
                "more bytes needed -> SEC_E_INCOMPLETE_MESSAGE",
                (unsigned long)missing);
    st = SEC_E_INCOMPLETE_MESSAGE;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

/* ----------------------------------------------------------- attributes */

/*
 * Channel bindings for authentication inside the TLS channel (Negotiate,
 * Kerberos or NTLM over HTTPS or RDP hand them to their
 * InitializeSecurityContext as SECBUFFER_CHANNEL_BINDINGS): a
 * SEC_CHANNEL_BINDINGS block whose application data is RFC 5929's
 * "tls-server-end-point:" and the hash of the server's certificate
 * (its signature's hash; SHA-256 for MD5 and SHA-1, 4.1), or
 * "tls-unique:" and the first Finished message of the handshake (3.1).
 * tls-unique is not defined for TLS 1.3 (RFC 9266): not available then.
 * Freed by the caller with FreeContextBuffer.
 */
static SECURITY_STATUS
channel_bindings(struct sch_ctx *c, ULONG attr, SecPkgContext_Bindings *out)
{
    static const char endpoint[] = "tls-server-end-point:";
    static const char unique[] = "tls-unique:";
    unsigned char data[EVP_MAX_MD_SIZE + 64];
    const char *prefix;
    SEC_CHANNEL_BINDINGS *b;
    size_t n, plen, total;

    if (attr == SECPKG_ATTR_ENDPOINT_BINDINGS) {
        X509 *x = c->server ? SSL_get_certificate(c->ssl)
                            : SSL_get0_peer_certificate(c->ssl);
        int md_nid = NID_undef;
        unsigned int len = 0;

        if (x == NULL)
            return SEC_E_UNSUPPORTED_FUNCTION;
        if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md_nid, NULL)
            || md_nid == NID_undef || md_nid == NID_md5
            || md_nid == NID_sha1)
            md_nid = NID_sha256;
        if (X509_digest(x, EVP_get_digestbynid(md_nid), data, &len) != 1) {
            ERR_clear_error();
            trace_cause("Schannel: the certificate cannot be hashed with "
                        "%s for tls-server-end-point -> "
                        "SEC_E_UNSUPPORTED_FUNCTION", OBJ_nid2sn(md_nid));
            return SEC_E_UNSUPPORTED_FUNCTION;
        }
        n = len;
        prefix = endpoint;
    } else {
        bool first_is_client = !SSL_session_reused(c->ssl);

        if (SSL_version(c->ssl) == TLS1_3_VERSION) {
            trace_cause("Schannel: tls-unique is not defined for TLS 1.3 "
                        "(RFC 9266) -> SEC_E_UNSUPPORTED_FUNCTION");
            return SEC_E_UNSUPPORTED_FUNCTION;
        }
        n = (c->server == first_is_client)
                ? SSL_get_peer_finished(c->ssl, data, sizeof(data))
                : SSL_get_finished(c->ssl, data, sizeof(data));
        if (n == 0 || n > sizeof(data))
            return SEC_E_UNSUPPORTED_FUNCTION;
        prefix = unique;
    }
    plen = strlen(prefix);
    total = sizeof(*b) + plen + n;
    b = ctxbuf_alloc(total);
    if (b == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memset(b, 0, sizeof(*b));
    b->cbApplicationDataLength = (ULONG)(plen + n);
    b->dwApplicationDataOffset = (ULONG)sizeof(*b);
    memcpy((unsigned char *)b + sizeof(*b), prefix, plen);
    memcpy((unsigned char *)b + sizeof(*b) + plen, data, n);
    out->BindingsLength = (ULONG)total;
    out->Bindings = b;
    return SEC_E_OK;
}

/* An ASCII name into a WCHAR[SZ_ALG_MAX_SIZE] field. */
static void
put_alg_name(WCHAR *dst, const char *src)
{
    size_t i;

    for (i = 0; src != NULL && src[i] != '\0' && i + 1 < SZ_ALG_MAX_SIZE;
         i++)
        dst[i] = (WCHAR)(unsigned char)src[i];
    dst[i] = 0;
}

/*
 * SECPKG_ATTR_CIPHER_INFO: the suite as Windows' CNG names it
 * (NCRYPT_SSL_CIPHER_SUITE: the wire version and suite number, the IANA
 * suite name, and BCrypt's algorithm names: "AES", "CHACHA20_POLY1305",
 * "SHA256", "ECDH", "DH", "RSA", "ECDSA").
 */
static void
cipher_info(const struct sch_ctx *c, SecPkgContext_CipherInfo *ci)
{
    const SSL_CIPHER *cip = SSL_get_current_cipher(c->ssl);
    X509 *cert = c->server ? SSL_get_certificate(c->ssl)
                           : SSL_get0_peer_certificate(c->ssl);
    EVP_PKEY *pk = cert != NULL ? X509_get0_pubkey(cert) : NULL;
    int nid, kx, bits = 0;
    const EVP_MD *md;
    const char *name;

    memset(ci, 0, sizeof(*ci));
    ci->dwVersion = SECPKGCONTEXT_CIPHERINFO_V1;
    ci->dwProtocol = (DWORD)SSL_version(c->ssl);
    if (cip == NULL)
        return;
    ci->dwCipherSuite = ci->dwBaseCipherSuite =
        (DWORD)SSL_CIPHER_get_protocol_id(cip);
    put_alg_name(ci->szCipherSuite, SSL_CIPHER_standard_name(cip));
    nid = SSL_CIPHER_get_cipher_nid(cip);
    name = sch_cipher_cng(nid, NULL, NULL);
    put_alg_name(ci->szCipher, name != NULL ? name : OBJ_nid2sn(nid));
    SSL_CIPHER_get_bits(cip, &bits);
    ci->dwCipherLen = (DWORD)bits;
    ci->dwCipherBlockLen = c->blk;
    md = SSL_CIPHER_get_handshake_digest(cip);
    if (md != NULL) {
        switch (EVP_MD_get_type(md)) {
        case NID_sha1: name = "SHA1"; break;
        case NID_sha256: name = "SHA256"; break;
        case NID_sha384: name = "SHA384"; break;
        default: name = EVP_MD_get0_name(md); break;
        }
        put_alg_name(ci->szHash, name);
        ci->dwHashLen = (DWORD)EVP_MD_get_size(md) * 8;
    }
    kx = SSL_CIPHER_get_kx_nid(cip);
    put_alg_name(ci->szExchange,
                 kx == NID_kx_ecdhe || kx == NID_kx_any ? "ECDH"
                 : kx == NID_kx_dhe ? "DH" : kx == NID_kx_rsa ? "RSA" : "");
    if (pk != NULL)
        put_alg_name(ci->szCertificate,
                     EVP_PKEY_is_a(pk, "EC") ? "ECDSA"
                     : EVP_PKEY_is_a(pk, "RSA") ? "RSA"
                                                : EVP_PKEY_get0_type_name(pk));
}

/*
 * SECPKG_ATTR_REMOTE_CERT_CONTEXT: the peer's certificate, whose hCertStore
 * holds every certificate the peer sent (the chain after it, in the
 * order sent), as on Windows: curl's Schannel back end enumerates that
 * store for CURLINFO_CERTINFO. The store is a memory store, closed here:
 * the context keeps it (docs/crypt32.md).
 */
static PCCERT_CONTEXT
peer_context(const struct sch_ctx *c, X509 *leaf)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    PCCERT_CONTEXT tmp = crypt32_from_x509(leaf, NULL), out = NULL;
    bool ok;
    int i;

    ok = store != NULL && tmp != NULL
         && CertAddCertificateContextToStore(store, tmp,
                                             CERT_STORE_ADD_ALWAYS, &out);
    for (i = 0; ok && chain != NULL && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        PCCERT_CONTEXT cc;

        if (X509_cmp(x, leaf) == 0)
            continue;               /* a client's chain starts with it */
        cc = crypt32_from_x509(x, NULL);
        ok = cc != NULL && CertAddCertificateContextToStore(
                               store, cc, CERT_STORE_ADD_ALWAYS, NULL);
        CertFreeCertificateContext(cc);
    }
    CertFreeCertificateContext(tmp);
    if (store != NULL)
        CertCloseStore(store, 0);
    if (!ok) {
        CertFreeCertificateContext(out);
        return NULL;
    }
    return out;
}

/*
 * SECPKG_ATTR_KEY_INFO: the server certificate's signature algorithm and
 * the record cipher, as CALG ids with names (Wine's
 * dlls/secur32/tests/schannel.c, test_communication, recorded on Windows:
 * an RSA server gives CALG_RSA_SIGN and "RSA", KeySize the cipher's bits).
 * The names are context buffers, A or W, the caller frees with
 * FreeContextBuffer; a cipher without a CALG id (ChaCha20-Poly1305) has
 * EncryptAlgorithm 0.
 */
static SECURITY_STATUS
key_info(const struct sch_ctx *c, void *buffer, bool wide)
{
    const SSL_CIPHER *cip = SSL_get_current_cipher(c->ssl);
    X509 *cert = c->server ? SSL_get_certificate(c->ssl)
                           : SSL_get0_peer_certificate(c->ssl);
    EVP_PKEY *pk = cert != NULL ? X509_get0_pubkey(cert) : NULL;
    const char *sig = "", *enc = "";
    ULONG sig_alg = 0;
    ALG_ID enc_alg = 0;
    void *sname, *ename;
    int bits = 0;

    if (pk != NULL && EVP_PKEY_is_a(pk, "RSA")) {
        sig = "RSA";
        sig_alg = CALG_RSA_SIGN;
    } else if (pk != NULL && EVP_PKEY_is_a(pk, "EC")) {
        sig = "ECDSA";
        sig_alg = CALG_ECDSA;
    }
    if (cip != NULL) {
        SSL_CIPHER_get_bits(cip, &bits);
        enc = sch_cipher_cng(SSL_CIPHER_get_cipher_nid(cip), NULL, &enc_alg);
        if (enc == NULL)
            enc = "";
    }
    sname = ctxbuf_string(sig, wide);
    ename = ctxbuf_string(enc, wide);
    if (sname == NULL || ename == NULL) {
        ctxbuf_free(sname);
        ctxbuf_free(ename);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    if (wide) {
        SecPkgContext_KeyInfoW *k = buffer;

        k->sSignatureAlgorithmName = sname;
        k->sEncryptAlgorithmName = ename;
        k->KeySize = (ULONG)bits;
        k->SignatureAlgorithm = sig_alg;
        k->EncryptAlgorithm = enc_alg;
    } else {
        SecPkgContext_KeyInfoA *k = buffer;

        k->sSignatureAlgorithmName = sname;
        k->sEncryptAlgorithmName = ename;
        k->KeySize = (ULONG)bits;
        k->SignatureAlgorithm = sig_alg;
        k->EncryptAlgorithm = enc_alg;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS
sch_query_context(struct handle_obj *obj, ULONG attr, void *buffer,
                  bool wide)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&c->lock);
    if (!c->established) {
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    switch (attr) {
    case SECPKG_ATTR_STREAM_SIZES: {
        SecPkgContext_StreamSizes *s = buffer;

        s->cbHeader = c->hdr;
        s->cbTrailer = c->trl;
        s->cbMaximumMessage = TLS_MAX_MESSAGE;
        s->cBuffers = 4;
        s->cbBlockSize = c->blk;
        break;
    }
    case SECPKG_ATTR_REMOTE_CERT_CONTEXT:
    case SECPKG_ATTR_LOCAL_CERT_CONTEXT: {
        /* A certificate context the caller frees with
         * CertFreeCertificateContext: the peer's in a store with the
         * chain it sent, ours in no store. */
        bool remote = attr == SECPKG_ATTR_REMOTE_CERT_CONTEXT;
        X509 *x = remote ? SSL_get0_peer_certificate(c->ssl)
                         : SSL_get_certificate(c->ssl);
        PCCERT_CONTEXT *out = buffer;

        if (x == NULL) {
            trace_cause("Schannel: the %s sent no certificate -> "
                        "SEC_E_NO_CREDENTIALS",
                        remote ? "peer" : "local side");
            st = SEC_E_NO_CREDENTIALS;
            break;
        }
        *out = remote ? peer_context(c, x) : crypt32_from_x509(x, NULL);
        if (*out == NULL)
            st = SEC_E_INSUFFICIENT_MEMORY;
        break;
    }
    case SECPKG_ATTR_ENDPOINT_BINDINGS:
    case SECPKG_ATTR_UNIQUE_BINDINGS:
        st = channel_bindings(c, attr, buffer);
        break;
    case SECPKG_ATTR_APPLICATION_PROTOCOL: {
        SecPkgContext_ApplicationProtocol *ap = buffer;
        const unsigned char *sel = NULL;
        unsigned int len = 0;

        memset(ap, 0, sizeof(*ap));
        SSL_get0_alpn_selected(c->ssl, &sel, &len);
        if (len > 0 && len <= MAX_PROTOCOL_ID_SIZE) {
            ap->ProtoNegoStatus =
                SecApplicationProtocolNegotiationStatus_Success;
            ap->ProtoNegoExt = SecApplicationProtocolNegotiationExt_ALPN;
            ap->ProtocolIdSize = (unsigned char)len;
            memcpy(ap->ProtocolId, sel, len);
        }
        break;
    }
    case SECPKG_ATTR_CIPHER_INFO:
        cipher_info(c, buffer);
        break;
    case SECPKG_ATTR_KEY_INFO:
        st = key_info(c, buffer, wide);
        break;
    case SECPKG_ATTR_SESSION_INFO: {
        /* The TLS session ID (empty in TLS 1.3, whose sessions resume by
         * ticket), and whether this handshake resumed a session. */
        SecPkgContext_SessionInfo *si = buffer;
        const SSL_SESSION *ss = SSL_get_session(c->ssl);
        unsigned int n = 0;
        const unsigned char *id = ss != NULL ? SSL_SESSION_get_id(ss, &n)
                                             : NULL;

        memset(si, 0, sizeof(*si));
        if (n > sizeof(si->rgbSessionId))
            n = sizeof(si->rgbSessionId);
        if (id != NULL && n > 0)
            memcpy(si->rgbSessionId, id, n);
        si->cbSessionId = n;
        si->dwFlags = SSL_session_reused(c->ssl) ? SSL_SESSION_RECONNECT : 0;
        break;
    }
    case SECPKG_ATTR_CONNECTION_INFO: {
        SecPkgContext_ConnectionInfo *ci = buffer;
        const SSL_CIPHER *cip = SSL_get_current_cipher(c->ssl);
        int bits = 0;

        memset(ci, 0, sizeof(*ci));
        switch (SSL_version(c->ssl)) {
        case TLS1_3_VERSION:
            ci->dwProtocol = c->server ? SP_PROT_TLS1_3_SERVER
                                       : SP_PROT_TLS1_3_CLIENT;
            break;
        case TLS1_2_VERSION:
            ci->dwProtocol = c->server ? SP_PROT_TLS1_2_SERVER
                                       : SP_PROT_TLS1_2_CLIENT;
            break;
        case TLS1_1_VERSION:
            ci->dwProtocol = c->server ? SP_PROT_TLS1_1_SERVER
                                       : SP_PROT_TLS1_1_CLIENT;
            break;
        default:
            ci->dwProtocol = c->server ? SP_PROT_TLS1_0_SERVER
                                       : SP_PROT_TLS1_0_CLIENT;
            break;
        }
        if (cip != NULL) {
            int nid = SSL_CIPHER_get_cipher_nid(cip);

            SSL_CIPHER_get_bits(cip, &bits);
            ci->dwCipherStrength = (DWORD)bits;
            if (nid == NID_aes_128_gcm || nid == NID_aes_128_cbc
                || nid == NID_aes_128_ccm)
                ci->aiCipher = CALG_AES_128;
            else if (nid == NID_aes_256_gcm || nid == NID_aes_256_cbc
                     || nid == NID_aes_256_ccm)
                ci->aiCipher = CALG_AES_256;
            switch (SSL_CIPHER_get_digest_nid(cip) != NID_undef
                        ? SSL_CIPHER_get_digest_nid(cip)
                        : EVP_MD_get_type(SSL_CIPHER_get_handshake_digest(
                              cip))) {
            case NID_sha1:
                ci->aiHash = CALG_SHA1;
                ci->dwHashStrength = 160;
                break;
            case NID_sha256:
                ci->aiHash = CALG_SHA_256;
                ci->dwHashStrength = 256;
                break;
            case NID_sha384:
                ci->aiHash = CALG_SHA_384;
                ci->dwHashStrength = 384;
                break;
            default:
                break;
            }
            if (SSL_version(c->ssl) == TLS1_3_VERSION
                || SSL_CIPHER_get_kx_nid(cip) == NID_kx_ecdhe)
                ci->aiExch = CALG_ECDH_EPHEM;
            else if (SSL_CIPHER_get_kx_nid(cip) == NID_kx_dhe)
                ci->aiExch = CALG_DH_EPHEM;
            else if (SSL_CIPHER_get_kx_nid(cip) == NID_kx_rsa)
                ci->aiExch = CALG_RSA_KEYX;
        }
        break;
    }
    default:
        st = SEC_E_UNSUPPORTED_FUNCTION;
        break;
    }
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

/*
 * ApplyControlToken(SCHANNEL_SHUTDOWN): the next InitializeSecurityContext
 * (or AcceptSecurityContext) produces the close_notify alert to send.
 */
static SECURITY_STATUS
sch_apply_control(struct handle_obj *obj, SecBufferDesc *input)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SecBuffer *b = secbuf_find(input, SECBUFFER_TOKEN, 0);
    SECURITY_STATUS st;

    if (b == NULL || b->pvBuffer == NULL || b->cbBuffer < sizeof(DWORD))
        return SEC_E_INVALID_TOKEN;
    if (*(const DWORD *)b->pvBuffer != SCHANNEL_SHUTDOWN)
        return SEC_E_UNSUPPORTED_FUNCTION;
    pthread_mutex_lock(&c->lock);
    if (!c->established) {
        st = SEC_E_INVALID_HANDLE;
    } else {
        (void)SSL_shutdown(c->ssl);
        c->closed = true;
        st = SEC_E_OK;
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

const struct package_ops schannel_package_ops = {
    .acquire_credentials = sch_acquire,
    .initialize_context = sch_initialize,
    .accept_context = sch_accept,
    .query_context = sch_query_context,
    .encrypt = sch_encrypt,
    .decrypt = sch_decrypt,
    .apply_control = sch_apply_control,
};
