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

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "map_tls.h"
#include "package.h"

#define TLS_HEADER 5
/* Largest record: 2^14 of plaintext plus what protection adds (RFC 8446
 * 5.2 allows 2^14 + 256 of ciphertext; TLS 1.2 up to 2^14 + 2048). */
#define TLS_MAX_RECORD (TLS_HEADER + 16384 + 2048)
#define TLS_MAX_MESSAGE 16384

struct sch_cred {
    struct handle_obj h;
    ULONG use;
    DWORD flags;                    /* SCH_CRED_* */
    SSL_CTX *ctx;
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
};

/* ---------------------------------------------------------- credentials */

static void
cred_destroy(struct handle_obj *obj)
{
    struct sch_cred *c = (struct sch_cred *)obj;

    SSL_CTX_free(c->ctx);
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

static SECURITY_STATUS
sch_acquire(const struct package *pkg, const struct acquire_args *args,
            struct handle_obj **out, TimeStamp *expiry)
{
    const SCHANNEL_CRED *sc = args->auth_data;
    bool server = (args->cred_use & SECPKG_CRED_INBOUND) != 0;
    DWORD prot = 0, flags = 0, ncreds = 0;
    struct sch_cred *c;
    int min, max;

    *out = NULL;
    if (sc != NULL) {
        if (sc->dwVersion == SCHANNEL_CRED_VERSION) {
            prot = sc->grbitEnabledProtocols;
            flags = sc->dwFlags;
            ncreds = sc->cCreds;
        } else if (sc->dwVersion == SCH_CREDENTIALS_VERSION) {
            const SCH_CREDENTIALS *s5 = args->auth_data;

            flags = s5->dwFlags;
            ncreds = s5->cCreds;
        } else {
            trace_cause("Schannel: credential structure version %lu is "
                        "neither SCHANNEL_CRED (4) nor SCH_CREDENTIALS (5) "
                        "-> SEC_E_UNKNOWN_CREDENTIALS",
                        (unsigned long)sc->dwVersion);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
    }
    if (server) {
        /* A server needs a certificate and its key to present (Windows:
         * SEC_E_NO_CREDENTIALS without one). Certificates come with the
         * crypt32 subset. */
        (void)ncreds;
        trace_cause("Schannel: a server credential needs a certificate "
                    "(paCred) -> SEC_E_NO_CREDENTIALS");
        return SEC_E_NO_CREDENTIALS;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&c->h, HANDLE_CRED, pkg, cred_destroy);
    c->use = args->cred_use;
    c->flags = flags;
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL) {
        handle_obj_unref(&c->h);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    /* 0 (the default) lets the system decide: TLS 1.2 and 1.3, as
     * Windows 11 does; OpenSSL's own minimum applies. */
    protocol_range(prot, false, &min, &max);
    if (prot != 0 && min == 0) {
        trace_cause("Schannel: grbitEnabledProtocols 0x%lx allows no TLS "
                    "version for a client -> SEC_E_ALGORITHM_MISMATCH",
                    (unsigned long)prot);
        handle_obj_unref(&c->h);
        return SEC_E_ALGORITHM_MISMATCH;
    }
    if (min == 0)
        min = TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(c->ctx, min);
    if (max != 0)
        SSL_CTX_set_max_proto_version(c->ctx, max);
    /* Verification runs during the handshake (the result is read when it
     * completes), the handshake itself never stops for it. */
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
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
    if (where & SSL_CB_READ_ALERT)
        c->alert_in = ret & 0xff;
    else if (where & SSL_CB_WRITE_ALERT)
        c->alert_out = ret & 0xff;
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
    return c;
}

/*
 * The length of the whole records at the start of in (n bytes). *missing
 * gets the bytes the first incomplete record still lacks (0 when the
 * input ends on a record boundary).
 */
static size_t
whole_records(const unsigned char *in, size_t n, size_t *missing)
{
    size_t off = 0;

    *missing = 0;
    while (off < n) {
        size_t rec;

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
    unsigned long e = ERR_peek_last_error();
    char text[256] = "";
    SECURITY_STATUS st;

    if (e != 0)
        ERR_error_string_n(e, text, sizeof(text));
    ERR_clear_error();
    if (c->alert_in >= 0)
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

/* Report the input left after the records a call used: the second input
 * buffer becomes SECBUFFER_EXTRA (Windows' convention). */
static void
put_extra(SecBufferDesc *input, size_t extra)
{
    SecBuffer *b;

    if (input == NULL || input->cBuffers < 2)
        return;
    b = &input->pBuffers[1];
    if (extra > 0) {
        b->BufferType = SECBUFFER_EXTRA;
        b->cbBuffer = (ULONG)extra;
    } else if (SECBUF_TYPE(b) == SECBUFFER_EXTRA) {
        b->BufferType = SECBUFFER_EMPTY;
        b->cbBuffer = 0;
    }
}

static void
put_missing(SecBufferDesc *input, size_t missing)
{
    if (input == NULL || input->cBuffers < 2)
        return;
    input->pBuffers[1].BufferType = SECBUFFER_MISSING;
    input->pBuffers[1].cbBuffer = (ULONG)missing;
}

static struct sch_cred *
cred_of(struct sch_ctx *c)
{
    return c->cred;
}

/* The server's certificate, once the handshake is done (client). */
static SECURITY_STATUS
check_server_certificate(struct sch_ctx *c)
{
    long v;
    SECURITY_STATUS st;

    if (c->cred->flags & SCH_CRED_MANUAL_CRED_VALIDATION)
        return SEC_E_OK;
    v = SSL_get_verify_result(c->ssl);
    if (SSL_get0_peer_certificate(c->ssl) == NULL)
        v = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
    st = map_tls_verify(v);
    if (st != SEC_E_OK)
        trace_cause("Schannel: the server's certificate: %s -> %s",
                    X509_verify_cert_error_string(v),
                    sspigss_status_name(st));
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

static SECURITY_STATUS
sch_initialize(struct handle_obj *cred_obj, struct handle_obj **ctx_obj,
               const struct init_args *args, ULONG *attrs, TimeStamp *expiry)
{
    struct sch_cred *cred = (struct sch_cred *)cred_obj;
    struct sch_ctx *c = (struct sch_ctx *)*ctx_obj, *fresh = NULL;
    bool allocate = (args->req & ISC_REQ_ALLOCATE_MEMORY) != 0, allocated;
    SecBuffer *in = NULL;
    size_t used = 0, missing = 0, n = 0, off = 0;
    SECURITY_STATUS st;
    int r;

    if (c == NULL) {
        if (!(cred->use & SECPKG_CRED_OUTBOUND))
            return SEC_E_NO_CREDENTIALS;
        fresh = c = ctx_new(cred, args->target);
        if (c == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        c->req = args->req;
        SSL_set_connect_state(c->ssl);
        /* A certificate that does not verify ends the handshake with the
         * alert TLS prescribes (unknown_ca, certificate_expired, ...),
         * handed out in the output token; the caller validates it
         * itself with SCH_CRED_MANUAL_CRED_VALIDATION. */
        if (!(cred->flags & SCH_CRED_MANUAL_CRED_VALIDATION))
            SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
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
    } else if (cred != NULL && cred != c->cred) {
        return SEC_E_WRONG_CREDENTIAL_HANDLE;
    } else if (c->server) {
        return SEC_E_INVALID_HANDLE;
    }

    pthread_mutex_lock(&c->lock);
    if (fresh == NULL && c->established && c->closed) {
        /* After ApplyControlToken(SCHANNEL_SHUTDOWN): the close_notify
         * alert to send, and the context is done (Windows' shutdown
         * sequence). */
        st = put_output(c, args->output, allocate, &allocated);
        if (st == SEC_E_OK) {
            *attrs = c->attrs | (allocated ? ISC_RET_ALLOCATED_MEMORY : 0);
            expiry->QuadPart = 0x7FFFFFFFFFFFFFFFLL;
        }
        goto out;
    }
    if (fresh == NULL) {
        in = args->input != NULL ? secbuf_find(args->input, SECBUFFER_TOKEN,
                                               0) : NULL;
        if (c->established) {
            st = SEC_E_INVALID_TOKEN;
            goto out;
        }
        if (in == NULL || in->pvBuffer == NULL || in->cbBuffer == 0) {
            st = SEC_E_INVALID_TOKEN;
            goto out;
        }
        n = in->cbBuffer;
        used = whole_records(in->pvBuffer, n, &missing);
        if (used == 0) {
            /* Not one whole record: nothing is taken (Windows: the same
             * bytes and more come back). */
            put_missing(args->input, missing);
            st = SEC_E_INCOMPLETE_MESSAGE;
            goto out;
        }
    }
    /* Feed record by record until OpenSSL answers or finishes. */
    for (;;) {
        if (in != NULL && off < used) {
            const unsigned char *p = (const unsigned char *)in->pvBuffer + off;
            size_t rec = TLS_HEADER + ((size_t)p[3] << 8 | p[4]);

            if (BIO_write(c->rbio, p, (int)rec) != (int)rec) {
                st = SEC_E_INSUFFICIENT_MEMORY;
                goto out;
            }
            off += rec;
        }
        ERR_clear_error();
        r = SSL_do_handshake(c->ssl);
        if (r == 1 || BIO_ctrl_pending(c->wbio) > 0 || in == NULL
            || off >= used)
            break;
        if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
            break;
    }
    if (r != 1 && SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ) {
        long v = SSL_get_verify_result(c->ssl);
        bool ignore;

        if (!c->server && v != X509_V_OK
            && !(cred_of(c)->flags & SCH_CRED_MANUAL_CRED_VALIDATION)) {
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
        /* The alert OpenSSL wrote goes to the peer, as Windows hands it
         * out in the output token. */
        (void)put_output(c, args->output, allocate, &ignore);
        goto out;
    }
    st = put_output(c, args->output, allocate, &allocated);
    if (st != SEC_E_OK)
        goto out;
    if (r == 1) {
        c->established = true;
        st = check_server_certificate(c);
        if (st != SEC_E_OK)
            goto out;
    }
    put_extra(args->input, n - off);
    c->attrs = ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT
               | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM;
    *attrs = c->attrs | (allocated ? ISC_RET_ALLOCATED_MEMORY : 0);
    expiry->QuadPart = 0x7FFFFFFFFFFFFFFFLL;
    st = r == 1 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    if (fresh != NULL) {
        *ctx_obj = &fresh->h;
        fresh = NULL;
    }
out:
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

static SECURITY_STATUS
sch_encrypt(struct handle_obj *obj, ULONG qop, SecBufferDesc *msg, ULONG seq)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SecBuffer *hdr = secbuf_find(msg, SECBUFFER_STREAM_HEADER, 0);
    SecBuffer *data = secbuf_find(msg, SECBUFFER_DATA, 0);
    SecBuffer *trl = secbuf_find(msg, SECBUFFER_STREAM_TRAILER, 0);
    unsigned char rec[TLS_MAX_RECORD];
    ULONG h, t, b;
    size_t n;
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
    record_sizes(c, &h, &t, &b);
    if (hdr->cbBuffer < h || trl->cbBuffer < t) {
        st = SEC_E_BUFFER_TOO_SMALL;
        goto out;
    }
    ERR_clear_error();
    r = SSL_write(c->ssl, data->pvBuffer, (int)data->cbBuffer);
    if (r != (int)data->cbBuffer) {
        st = tls_failure(c, "EncryptMessage");
        goto out;
    }
    /* One record: header | data (in place, same length) | trailer. */
    n = (size_t)BIO_ctrl_pending(c->wbio);
    if (n > sizeof(rec) || n < h + data->cbBuffer
        || n - h - data->cbBuffer > trl->cbBuffer
        || BIO_read(c->wbio, rec, (int)n) != (int)n) {
        st = SEC_E_INTERNAL_ERROR;
        goto out;
    }
    memcpy(hdr->pvBuffer, rec, h);
    hdr->cbBuffer = h;
    memcpy(data->pvBuffer, rec + h, data->cbBuffer);
    trl->cbBuffer = (ULONG)(n - h - data->cbBuffer);
    memcpy(trl->pvBuffer, rec + h + data->cbBuffer, trl->cbBuffer);
    mem_wipe(rec, n);
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
    unsigned char plain[TLS_MAX_RECORD];
    unsigned char *in;
    size_t n, rec, missing, got = 0;
    ULONG h, t, blk, i;
    SECURITY_STATUS st;
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
    if (n < TLS_HEADER) {
        missing = TLS_HEADER - n;
        goto incomplete;
    }
    rec = TLS_HEADER + ((size_t)in[3] << 8 | in[4]);
    if (n < rec) {
        missing = rec - n;
        goto incomplete;
    }
    if (BIO_write(c->rbio, in, (int)rec) != (int)rec) {
        st = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    ERR_clear_error();
    r = SSL_read(c->ssl, plain, sizeof(plain));
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
        if (e != SSL_ERROR_WANT_READ) {
            st = tls_failure(c, "DecryptMessage");
            goto out;
        }
        /* A record without application data (a TLS 1.3 session ticket,
         * a KeyUpdate): taken, nothing to hand out. */
    }
    record_sizes(c, &h, &t, &blk);
    if (got > rec - TLS_HEADER)
        got = rec - TLS_HEADER;     /* cannot happen: one record in */
    if (h > rec - got)
        h = (ULONG)(rec - got);
    memcpy(in + h, plain, got);
    mem_wipe(plain, got);
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
    st = SEC_E_OK;
    goto out;
incomplete:
    b[1].BufferType = SECBUFFER_MISSING;
    b[1].cbBuffer = (ULONG)missing;
    st = SEC_E_INCOMPLETE_MESSAGE;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

/* ----------------------------------------------------------- attributes */

static SECURITY_STATUS
sch_query_context(struct handle_obj *obj, ULONG attr, void *buffer,
                  bool wide)
{
    struct sch_ctx *c = (struct sch_ctx *)obj;
    SECURITY_STATUS st = SEC_E_OK;

    (void)wide;
    pthread_mutex_lock(&c->lock);
    if (!c->established) {
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    switch (attr) {
    case SECPKG_ATTR_STREAM_SIZES: {
        SecPkgContext_StreamSizes *s = buffer;
        ULONG h, t, b;

        record_sizes(c, &h, &t, &b);
        s->cbHeader = h;
        s->cbTrailer = t;
        s->cbMaximumMessage = TLS_MAX_MESSAGE;
        s->cBuffers = 4;
        s->cbBlockSize = b;
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
    .query_context = sch_query_context,
    .encrypt = sch_encrypt,
    .decrypt = sch_decrypt,
    .apply_control = sch_apply_control,
};
