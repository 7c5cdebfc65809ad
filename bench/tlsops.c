/*
 * tlsops.c - the TLS benchmarks' server, clients and operations
 * (tlsops.h).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tlsops.h"

/* A handshake flight here is about 1 KB (one P-256 certificate). */
#define TOKEN_MAX 16384
/* Bytes of messages per batch: one record's worth, what a program
 * reading 16 KiB at a time gets from recv(). (With 64 KiB, the raw
 * path's one BIO_write of a whole batch ran out of the L1 cache where
 * sspigss's record-sized writes did not, and raw lost up to 5 % at
 * 16 KiB for it.) */
#define BATCH_BYTES 16384
/* Room per record beyond its plaintext (TLS 1.3 adds 22). */
#define RECORD_ROOM 256
#define MAX_LEGS 8

#define ISC_REQ (ISC_REQ_STREAM | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)

/* The buffers the client's and the server's handshake bytes travel in. */
static unsigned char to_server[TOKEN_MAX], to_client[TOKEN_MAX];

/* Print "what" and OpenSSL's error queue to stderr; returns -1. */
static int
ossl_fail(const char *what)
{
    fprintf(stderr, "bench: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    return -1;
}

static void
fill(unsigned char *b, size_t len, unsigned seed)
{
    size_t i;

    for (i = 0; i < len; i++)
        b[i] = (unsigned char)(i * 31 + seed * 7 + 1);
}

/* ------------------------------------------------------- certificate */

/* A self-signed certificate for TLS_BENCH_HOST and its key (ECDSA
 * P-256), valid from an hour ago for a day. */
static int
make_certificate(X509 **cert_out, EVP_PKEY **key_out)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    X509_NAME *name;
    int ret = -1;

    *cert_out = NULL;
    *key_out = NULL;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    x = X509_new();
    if (key == NULL || x == NULL) {
        ossl_fail("EVP_PKEY_Q_keygen(EC, P-256)");
        goto out;
    }
    name = X509_get_subject_name(x);
    if (!X509_set_version(x, X509_VERSION_3)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1)
        || X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       (const unsigned char *)TLS_BENCH_HOST,
                                       -1, -1, 0)
        || !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key)
        || X509_sign(x, key, EVP_sha256()) == 0) {
        ossl_fail("making the certificate");
        goto out;
    }
    *cert_out = x;
    *key_out = key;
    x = NULL;
    key = NULL;
    ret = 0;
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return ret;
}

/* ------------------------------------------------------------ the ends */

static void
end_free(struct tls_end *e)
{
    SSL_free(e->ssl);           /* and its BIOs */
    memset(e, 0, sizeof(*e));
}

/* A new SSL object of ctx between two new memory BIOs, as a server or a
 * client (with SNI, as sspigss sends it for the target name). */
static int
end_new(SSL_CTX *ctx, bool server, struct tls_end *e)
{
    memset(e, 0, sizeof(*e));
    e->ssl = SSL_new(ctx);
    e->in = BIO_new(BIO_s_mem());
    e->out = BIO_new(BIO_s_mem());
    if (e->ssl == NULL || e->in == NULL || e->out == NULL) {
        BIO_free(e->in);
        BIO_free(e->out);
        e->in = e->out = NULL;
        end_free(e);
        return ossl_fail("SSL_new");
    }
    SSL_set_bio(e->ssl, e->in, e->out);
    if (server) {
        SSL_set_accept_state(e->ssl);
    } else {
        if (!SSL_set_tlsext_host_name(e->ssl, TLS_BENCH_HOST)) {
            end_free(e);
            return ossl_fail("SSL_set_tlsext_host_name");
        }
        SSL_set_connect_state(e->ssl);
    }
    return 0;
}

/* Move what e wrote into buf (size bytes); *n gets the count. */
static int
drain(struct tls_end *e, unsigned char *buf, size_t size, size_t *n)
{
    size_t pending = BIO_ctrl_pending(e->out);

    *n = 0;
    if (pending == 0)
        return 0;
    if (pending > size) {
        fprintf(stderr, "bench: %zu bytes to send, room for %zu\n", pending,
                size);
        return -1;
    }
    if (BIO_read(e->out, buf, (int)pending) != (int)pending)
        return ossl_fail("BIO_read");
    *n = pending;
    return 0;
}

/* Hand e the n bytes its peer sent. */
static int
feed(struct tls_end *e, const unsigned char *buf, size_t n)
{
    if (n > 0 && BIO_write(e->in, buf, (int)n) != (int)n)
        return ossl_fail("BIO_write");
    return 0;
}

/*
 * The server's step of a handshake: take the n bytes the client sent
 * (to_server), run the handshake, put what it answers into to_client
 * (*answer bytes). *done: the server has finished.
 */
static int
server_step(struct tls_end *srv, size_t n, size_t *answer, bool *done)
{
    int r;

    if (feed(srv, to_server, n) != 0)
        return -1;
    ERR_clear_error();
    r = SSL_do_handshake(srv->ssl);
    if (r != 1 && SSL_get_error(srv->ssl, r) != SSL_ERROR_WANT_READ)
        return ossl_fail("server SSL_do_handshake");
    *done = r == 1;
    return drain(srv, to_client, sizeof(to_client), answer);
}

/* What a finished server negotiated: TLS 1.3 and the suite, or -1. */
static int
server_check(struct tls_end *srv)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(srv->ssl);

    if (!SSL_is_init_finished(srv->ssl) || SSL_version(srv->ssl)
        != TLS1_3_VERSION || c == NULL
        || strcmp(SSL_CIPHER_standard_name(c), TLS_BENCH_SUITE) != 0) {
        fprintf(stderr, "bench: the server negotiated %s %s, not TLS 1.3 "
                "%s\n", SSL_get_version(srv->ssl),
                c != NULL ? SSL_CIPHER_standard_name(c) : "(none)",
                TLS_BENCH_SUITE);
        return -1;
    }
    if (BIO_ctrl_pending(srv->in) != 0 || BIO_ctrl_pending(srv->out) != 0) {
        fprintf(stderr, "bench: bytes left over after the handshake\n");
        return -1;
    }
    return 0;
}

/*
 * A raw handshake between cli and srv (both new): the client's steps
 * timed, the server's paused.
 */
static int
raw_connect(struct tls_end *cli, struct tls_end *srv)
{
    bool cli_done = false, srv_done = false;
    size_t n, answer = 0;
    int legs, r, rc;

    for (legs = 0; legs < MAX_LEGS; legs++) {
        if (feed(cli, to_client, answer) != 0)
            return -1;
        if (!cli_done) {
            ERR_clear_error();
            r = SSL_do_handshake(cli->ssl);
            if (r != 1 && SSL_get_error(cli->ssl, r) != SSL_ERROR_WANT_READ)
                return ossl_fail("client SSL_do_handshake");
            cli_done = r == 1;
        }
        if (drain(cli, to_server, sizeof(to_server), &n) != 0)
            return -1;
        bench_pause();
        rc = srv_done && n == 0 ? 0 : server_step(srv, n, &answer, &srv_done);
        bench_resume();
        if (rc != 0)
            return -1;
        if (cli_done && srv_done && answer == 0)
            return 0;
    }
    fprintf(stderr, "bench: the raw handshake did not finish\n");
    return -1;
}

/*
 * An sspigss handshake of a new context *ctx with srv (new): the
 * client's InitializeSecurityContext calls timed, the server's steps
 * paused. The context is left in *ctx (delete it) on success.
 */
static int
sspi_connect(CredHandle *cred, CtxtHandle *ctx, struct tls_end *srv,
             ULONG *attrs_out)
{
    bool have_ctx = false, cli_done = false, srv_done = false;
    size_t answer = 0;
    ULONG attrs = 0;
    TimeStamp exp;
    SECURITY_STATUS st;
    int legs, rc;

    for (legs = 0; legs < MAX_LEGS; legs++) {
        SecBuffer ib[2] = { { (ULONG)answer, SECBUFFER_TOKEN, to_client },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBuffer ob = { TOKEN_MAX, SECBUFFER_TOKEN, to_server };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

        if (!cli_done) {
            st = InitializeSecurityContextA(
                cred, have_ctx ? ctx : NULL, (SEC_CHAR *)TLS_BENCH_HOST,
                ISC_REQ, 0, 0, have_ctx ? &id : NULL, 0, ctx, &od, &attrs,
                &exp);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
                if (have_ctx)
                    DeleteSecurityContext(ctx);
                return bench_sspi_fail("InitializeSecurityContext", st);
            }
            have_ctx = true;
            cli_done = st == SEC_E_OK;
            if (ib[1].BufferType == SECBUFFER_EXTRA) {
                fprintf(stderr, "bench: unexpected SECBUFFER_EXTRA\n");
                DeleteSecurityContext(ctx);
                return -1;
            }
        } else {
            ob.cbBuffer = 0;
        }
        bench_pause();
        rc = srv_done && ob.cbBuffer == 0
                 ? 0 : server_step(srv, ob.cbBuffer, &answer, &srv_done);
        bench_resume();
        if (rc != 0) {
            DeleteSecurityContext(ctx);
            return -1;
        }
        if (cli_done && srv_done && answer == 0) {
            *attrs_out = attrs;
            return 0;
        }
    }
    fprintf(stderr, "bench: the sspigss handshake did not finish\n");
    if (have_ctx)
        DeleteSecurityContext(ctx);
    return -1;
}

/* ---------------------------------------------------------- the bench */

static SSL_CTX *
server_ctx_new(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;

    if (ctx == NULL) {
        ossl_fail("SSL_CTX_new(server)");
        return NULL;
    }
    if (make_certificate(&cert, &key) != 0)
        goto fail;
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)
        || !SSL_CTX_set_ciphersuites(ctx, TLS_BENCH_SUITE)
        || !SSL_CTX_use_certificate(ctx, cert)
        || !SSL_CTX_use_PrivateKey(ctx, key)
        || !SSL_CTX_check_private_key(ctx)
        || !SSL_CTX_set_num_tickets(ctx, 0)) {
        ossl_fail("setting the server up");
        goto fail;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ctx;
fail:
    X509_free(cert);
    EVP_PKEY_free(key);
    SSL_CTX_free(ctx);
    return NULL;
}

/* The raw client's context: what lib/pkg_schannel.c sch_acquire() makes
 * of the credential tls_bench_open() acquires. */
static SSL_CTX *
client_ctx_new(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        ossl_fail("SSL_CTX_new(client)");
        return NULL;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)
        || !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
        SSL_CTX_free(ctx);
        ossl_fail("setting the client up");
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_default_verify_paths(ctx);
    return ctx;
}

static int
sspi_cred_new(CredHandle *cred)
{
    SCHANNEL_CRED sc;
    TimeStamp exp;
    SECURITY_STATUS st;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = SP_PROT_TLS1_3_CLIENT;
    sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION
                 | SCH_CRED_NO_SERVERNAME_CHECK;
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)SCHANNEL_NAME_A,
                                   SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                   NULL, cred, &exp);
    if (st != SEC_E_OK)
        return bench_sspi_fail("AcquireCredentialsHandle(Schannel)", st);
    return 0;
}

/* What the sspigss context says it negotiated: TLS 1.3, AES-256, the
 * stream sizes of TLS 1.3. */
static int
sspi_check(struct tls_bench *t, ULONG attrs)
{
    SecPkgContext_ConnectionInfo ci;
    SECURITY_STATUS st;

    if ((attrs & (ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM))
        != (ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM)) {
        fprintf(stderr, "bench: context attributes 0x%lx\n",
                (unsigned long)attrs);
        return -1;
    }
    st = QueryContextAttributesA(&t->ctx, SECPKG_ATTR_STREAM_SIZES,
                                 &t->sizes);
    if (st != SEC_E_OK)
        return bench_sspi_fail("QueryContextAttributes(STREAM_SIZES)", st);
    st = QueryContextAttributesA(&t->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
    if (st != SEC_E_OK)
        return bench_sspi_fail("QueryContextAttributes(CONNECTION_INFO)",
                               st);
    if (ci.dwProtocol != SP_PROT_TLS1_3_CLIENT || ci.aiCipher != CALG_AES_256
        || t->sizes.cbHeader != 5 || t->sizes.cbTrailer != 17
        || t->sizes.cbMaximumMessage < 16384) {
        fprintf(stderr, "bench: sspigss negotiated protocol 0x%lx, "
                "cipher 0x%lx, stream sizes %lu + %lu (max %lu)\n",
                (unsigned long)ci.dwProtocol, (unsigned long)ci.aiCipher,
                (unsigned long)t->sizes.cbHeader,
                (unsigned long)t->sizes.cbTrailer,
                (unsigned long)t->sizes.cbMaximumMessage);
        return -1;
    }
    return 0;
}

/* "TLS 1.3, <suite>, <group>, <key> certificate" of a raw client. */
static void
describe(struct tls_bench *t)
{
    SSL *s = t->raw_cli.ssl;
    int group = SSL_get_negotiated_group(s);
    const char *gname = SSL_group_to_name(s, group);
    EVP_PKEY *pk = SSL_get0_peer_certificate(s) != NULL
                       ? X509_get0_pubkey(SSL_get0_peer_certificate(s))
                       : NULL;

    snprintf(t->desc, sizeof(t->desc), "%s, %s, key exchange %s, %s %d-bit "
             "certificate (self-signed)", SSL_get_version(s),
             SSL_CIPHER_standard_name(SSL_get_current_cipher(s)),
             gname != NULL ? gname : "?",
             pk != NULL ? EVP_PKEY_get0_type_name(pk) : "?",
             pk != NULL ? EVP_PKEY_get_bits(pk) : 0);
}

int
tls_bench_open(struct tls_bench *t)
{
    ULONG attrs = 0;

    memset(t, 0, sizeof(*t));
    SecInvalidateHandle(&t->cred);
    SecInvalidateHandle(&t->ctx);
    t->server_ctx = server_ctx_new();
    t->client_ctx = client_ctx_new();
    if (t->server_ctx == NULL || t->client_ctx == NULL)
        goto fail;
    if (sspi_cred_new(&t->cred) != 0)
        goto fail;
    t->have_cred = true;

    if (end_new(t->server_ctx, true, &t->raw_srv) != 0
        || end_new(t->client_ctx, false, &t->raw_cli) != 0
        || raw_connect(&t->raw_cli, &t->raw_srv) != 0
        || server_check(&t->raw_srv) != 0)
        goto fail;
    if (SSL_version(t->raw_cli.ssl) != TLS1_3_VERSION
        || strcmp(SSL_CIPHER_standard_name(
                      SSL_get_current_cipher(t->raw_cli.ssl)),
                  TLS_BENCH_SUITE) != 0) {
        fprintf(stderr, "bench: the raw client did not get TLS 1.3 %s\n",
                TLS_BENCH_SUITE);
        goto fail;
    }
    describe(t);

    if (end_new(t->server_ctx, true, &t->sspi_srv) != 0
        || sspi_connect(&t->cred, &t->ctx, &t->sspi_srv, &attrs) != 0)
        goto fail;
    t->have_ctx = true;
    if (server_check(&t->sspi_srv) != 0 || sspi_check(t, attrs) != 0)
        goto fail;
    return 0;
fail:
    tls_bench_close(t);
    return -1;
}

void
tls_bench_close(struct tls_bench *t)
{
    if (t->have_ctx)
        DeleteSecurityContext(&t->ctx);
    if (t->have_cred)
        FreeCredentialsHandle(&t->cred);
    end_free(&t->raw_cli);
    end_free(&t->raw_srv);
    end_free(&t->sspi_srv);
    SSL_CTX_free(t->server_ctx);
    SSL_CTX_free(t->client_ctx);
    memset(t, 0, sizeof(*t));
    SecInvalidateHandle(&t->cred);
    SecInvalidateHandle(&t->ctx);
}

/* ------------------------------------------------------------ messages */

int
tls_msg_init(struct tls_msg *m, struct tls_bench *t, size_t len)
{
    size_t i;

    memset(m, 0, sizeof(*m));
    if (len == 0 || len > 16384 || len > t->sizes.cbMaximumMessage) {
        fprintf(stderr, "bench: %zu bytes is not one record\n", len);
        return -1;
    }
    m->t = t;
    m->len = len;
    m->batch = BATCH_BYTES / len > 0 ? BATCH_BYTES / len : 1;
    m->slot = t->sizes.cbHeader + len + t->sizes.cbTrailer;
    m->wire_size = m->batch * (len + RECORD_ROOM);
    if (m->slot > len + RECORD_ROOM) {
        fprintf(stderr, "bench: records of %zu bytes\n", m->slot);
        return -1;
    }
    m->plain = malloc(m->batch * len);
    m->wire = malloc(m->wire_size);
    m->out = malloc(m->batch * len);
    m->got = calloc(m->batch, sizeof(*m->got));
    if (m->plain == NULL || m->wire == NULL || m->out == NULL
        || m->got == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        tls_msg_free(m);
        return -1;
    }
    for (i = 0; i < m->batch; i++)
        fill(m->plain + i * len, len, (unsigned)i);
    /* Each path once each way. */
    if (raw_tls_encrypt(m, m->batch + 1) != 0
        || sspi_tls_encrypt(m, m->batch + 1) != 0
        || raw_tls_decrypt(m, m->batch + 1) != 0
        || sspi_tls_decrypt(m, m->batch + 1) != 0) {
        tls_msg_free(m);
        return -1;
    }
    return 0;
}

void
tls_msg_free(struct tls_msg *m)
{
    free(m->plain);
    free(m->wire);
    free(m->out);
    free(m->got);
    memset(m, 0, sizeof(*m));
}

/* The server reads k messages from the n bytes of wire and checks each
 * against the batch. */
static int
server_read(struct tls_msg *m, struct tls_end *srv, size_t n, size_t k)
{
    size_t i;
    int r;

    if (feed(srv, m->wire, n) != 0)
        return -1;
    for (i = 0; i < k; i++) {
        ERR_clear_error();
        r = SSL_read(srv->ssl, m->out, (int)m->len);
        if (r != (int)m->len)
            return ossl_fail("server SSL_read");
        if (memcmp(m->out, m->plain + i * m->len, m->len) != 0) {
            fprintf(stderr, "bench: the server read another message\n");
            return -1;
        }
    }
    if (BIO_ctrl_pending(srv->in) != 0) {
        fprintf(stderr, "bench: the server left bytes unread\n");
        return -1;
    }
    return 0;
}

/* The server writes k messages of the batch as records into wire; *n
 * gets their length. */
static int
server_write(struct tls_msg *m, struct tls_end *srv, size_t k, size_t *n)
{
    size_t i;

    for (i = 0; i < k; i++) {
        ERR_clear_error();
        if (SSL_write(srv->ssl, m->plain + i * m->len, (int)m->len)
            != (int)m->len)
            return ossl_fail("server SSL_write");
    }
    return drain(srv, m->wire, m->wire_size, n);
}

int
raw_tls_encrypt(void *arg, unsigned long n)
{
    struct tls_msg *m = arg;
    struct tls_end *cli = &m->t->raw_cli;

    while (n > 0) {
        size_t k = n < m->batch ? n : m->batch, i, off = 0;
        int r;

        /* (Nothing to prepare: SSL_write reads the message where it
         * is.) The same pause as the sspigss path's. */
        bench_pause();
        bench_resume();
        for (i = 0; i < k; i++) {
            ERR_clear_error();
            if (SSL_write(cli->ssl, m->plain + i * m->len, (int)m->len)
                != (int)m->len)
                return ossl_fail("SSL_write");
            r = BIO_read(cli->out, m->wire + off, (int)(m->wire_size - off));
            if (r <= 0)
                return ossl_fail("BIO_read");
            off += (size_t)r;
        }
        bench_pause();
        r = server_read(m, &m->t->raw_srv, off, k);
        bench_resume();
        if (r != 0)
            return -1;
        n -= k;
    }
    return 0;
}

int
sspi_tls_encrypt(void *arg, unsigned long n)
{
    struct tls_msg *m = arg;
    ULONG h = m->t->sizes.cbHeader, t = m->t->sizes.cbTrailer;

    while (n > 0) {
        size_t k = n < m->batch ? n : m->batch, i;
        int r;

        /* The messages into their DATA slots, as a program builds its
         * message in the send buffer. */
        bench_pause();
        for (i = 0; i < k; i++)
            memcpy(m->wire + i * m->slot + h, m->plain + i * m->len,
                   m->len);
        bench_resume();
        for (i = 0; i < k; i++) {
            unsigned char *p = m->wire + i * m->slot;
            SecBuffer b[4] = {
                { h, SECBUFFER_STREAM_HEADER, p },
                { (ULONG)m->len, SECBUFFER_DATA, p + h },
                { t, SECBUFFER_STREAM_TRAILER, p + h + m->len },
                { 0, SECBUFFER_EMPTY, NULL },
            };
            SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
            SECURITY_STATUS st = EncryptMessage(&m->t->ctx, 0, &d, 0);

            if (st != SEC_E_OK)
                return bench_sspi_fail("EncryptMessage", st);
            if (b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer != m->slot) {
                fprintf(stderr, "bench: EncryptMessage: a record of %lu "
                        "bytes\n", (unsigned long)(b[0].cbBuffer
                                                   + b[1].cbBuffer
                                                   + b[2].cbBuffer));
                return -1;
            }
        }
        bench_pause();
        r = server_read(m, &m->t->sspi_srv, k * m->slot, k);
        bench_resume();
        if (r != 0)
            return -1;
        n -= k;
    }
    return 0;
}

int
raw_tls_decrypt(void *arg, unsigned long n)
{
    struct tls_msg *m = arg;
    struct tls_end *cli = &m->t->raw_cli;

    while (n > 0) {
        size_t k = n < m->batch ? n : m->batch, i, w = 0;
        int r;

        bench_pause();
        r = server_write(m, &m->t->raw_srv, k, &w);
        bench_resume();
        if (r != 0)
            return -1;
        if (feed(cli, m->wire, w) != 0)
            return -1;
        for (i = 0; i < k; i++) {
            ERR_clear_error();
            if (SSL_read(cli->ssl, m->out + i * m->len, (int)m->len)
                != (int)m->len)
                return ossl_fail("SSL_read");
        }
        bench_pause();
        r = memcmp(m->out, m->plain, k * m->len) != 0
            || BIO_ctrl_pending(cli->in) != 0;
        bench_resume();
        if (r != 0) {
            fprintf(stderr, "bench: SSL_read: not the messages sent\n");
            return -1;
        }
        n -= k;
    }
    return 0;
}

int
sspi_tls_decrypt(void *arg, unsigned long n)
{
    struct tls_msg *m = arg;

    while (n > 0) {
        size_t k = n < m->batch ? n : m->batch, i, w = 0;
        unsigned char *p = m->wire;
        int r;

        bench_pause();
        r = server_write(m, &m->t->sspi_srv, k, &w);
        bench_resume();
        if (r != 0)
            return -1;
        for (i = 0; i < k; i++) {
            SecBuffer b[4] = {
                { (ULONG)w, SECBUFFER_DATA, p },
                { 0, SECBUFFER_EMPTY, NULL },
                { 0, SECBUFFER_EMPTY, NULL },
                { 0, SECBUFFER_EMPTY, NULL },
            };
            SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
            SECURITY_STATUS st;
            ULONG qop;

            st = DecryptMessage(&m->t->ctx, &d, 0, &qop);
            if (st != SEC_E_OK)
                return bench_sspi_fail("DecryptMessage", st);
            if (b[1].BufferType != SECBUFFER_DATA
                || b[1].cbBuffer != m->len) {
                fprintf(stderr, "bench: DecryptMessage: %lu bytes of "
                        "data\n", (unsigned long)b[1].cbBuffer);
                return -1;
            }
            m->got[i] = b[1].pvBuffer;
            if (b[3].BufferType == SECBUFFER_EXTRA) {
                p = b[3].pvBuffer;
                w = b[3].cbBuffer;
            } else {
                w = 0;
            }
        }
        bench_pause();
        r = w != 0;
        for (i = 0; i < k; i++)
            r |= memcmp(m->got[i], m->plain + i * m->len, m->len) != 0;
        bench_resume();
        if (r != 0) {
            fprintf(stderr, "bench: DecryptMessage: not the messages "
                    "sent\n");
            return -1;
        }
        n -= k;
    }
    return 0;
}

const struct tls_metric tls_metrics[] = {
    { 1024, "EncryptMessage 1 KiB", "tls-enc1k", raw_tls_encrypt,
      sspi_tls_encrypt },
    { 16384, "EncryptMessage 16 KiB", "tls-enc16k", raw_tls_encrypt,
      sspi_tls_encrypt },
    { 1024, "DecryptMessage 1 KiB", "tls-dec1k", raw_tls_decrypt,
      sspi_tls_decrypt },
    { 16384, "DecryptMessage 16 KiB", "tls-dec16k", raw_tls_decrypt,
      sspi_tls_decrypt },
};
const size_t tls_metric_count = sizeof(tls_metrics) / sizeof(tls_metrics[0]);

/* ---------------------------------------------------------- handshakes */

/* A new server end for one handshake (paused). */
static int
paused_server(struct tls_bench *t, struct tls_end *srv)
{
    int r;

    bench_pause();
    r = end_new(t->server_ctx, true, srv);
    bench_resume();
    return r;
}

/* Check and free a handshake's server end (paused). */
static int
paused_server_done(struct tls_end *srv)
{
    int r;

    bench_pause();
    r = server_check(srv);
    end_free(srv);
    bench_resume();
    return r;
}

int
raw_tls_handshake(void *arg, unsigned long n)
{
    struct tls_bench *t = arg;

    while (n-- > 0) {
        struct tls_end cli, srv;
        int r;

        if (paused_server(t, &srv) != 0)
            return -1;
        r = end_new(t->client_ctx, false, &cli);
        if (r == 0)
            r = raw_connect(&cli, &srv);
        end_free(&cli);
        if (paused_server_done(&srv) != 0 || r != 0)
            return -1;
    }
    return 0;
}

int
sspi_tls_handshake(void *arg, unsigned long n)
{
    struct tls_bench *t = arg;

    while (n-- > 0) {
        struct tls_end srv;
        CtxtHandle ctx;
        ULONG attrs;
        int r;

        if (paused_server(t, &srv) != 0)
            return -1;
        r = sspi_connect(&t->cred, &ctx, &srv, &attrs);
        if (r == 0)
            DeleteSecurityContext(&ctx);
        if (paused_server_done(&srv) != 0 || r != 0)
            return -1;
    }
    return 0;
}
