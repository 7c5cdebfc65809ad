/*
 * fuzz_schannel.c - libFuzzer target: the Schannel client
 * (lib/pkg_schannel.c) fed by a hostile server: InitializeSecurityContext
 * given a hostile server flight, and DecryptMessage given hostile records
 * on an established connection. The client has SCH_CRED_MANUAL_CRED_
 * VALIDATION (the certificate is the caller's business), so flights reach
 * the library's record cutting (MISSING, EXTRA), OpenSSL's handshake and
 * the alert mapping, and records reach the stream layout of DecryptMessage.
 *
 * The server, when there is one, is in this process: OpenSSL over memory
 * BIOs, with a self-signed P-256 certificate made at start-up, in a
 * library context of its own. Randomness is fixed (fixed.c, the server
 * on a stream of its own), so the client's ClientHello and keys are the
 * same in every run: a server flight or a record written as a seed by one
 * run completes the handshake, or decrypts, in every later run, and
 * mutations of it go deep.
 *
 * Input: byte 0 chooses the mode, the rest is the bytes from the server.
 *   bit 0     0: flight: a fresh client sends its ClientHello (discarded),
 *                then gets the input as its SECBUFFER_TOKEN, with a
 *                SECBUFFER_EMPTY second buffer; while it answers
 *                SEC_I_CONTINUE_NEEDED with SECBUFFER_EXTRA, the extra
 *                bytes are the next call's token (a TLS 1.2 server's
 *                second flight), at most MAX_CALLS calls;
 *             1: record: a real handshake against the in-process server,
 *                then DecryptMessage([DATA = input, EMPTY, EMPTY, EMPTY]),
 *                and again on SECBUFFER_EXTRA, at most MAX_CALLS calls
 *   bits 1-2  flight: the client's protocols: 0 and 3 TLS 1.2 and 1.3
 *             (the default), 1 TLS 1.2 only, 2 TLS 1.3 only;
 *             record: the server: 0 TLS 1.3, 1 TLS 1.2 AES-GCM,
 *             2 TLS 1.2 AES-CBC (SHA-256 MAC), 3 TLS 1.2 ChaCha20-Poly1305
 * Other bits are ignored. Every buffer is its own exact-size copy.
 *
 * What must hold: every call gives a known SSPI code, and
 *  - InitializeSecurityContext: SEC_I_CONTINUE_NEEDED, or SEC_E_OK and
 *    then a context that reports STREAM_SIZES and CONNECTION_INFO for
 *    TLS 1.2 or 1.3; an EXTRA count smaller than the input (progress);
 *    SEC_E_INCOMPLETE_MESSAGE with a MISSING count, and the same answer
 *    again for the same bytes (nothing was taken);
 *  - DecryptMessage: SEC_E_OK with HEADER, DATA, TRAILER laid over the
 *    first record of the input and EXTRA over the rest; the same for
 *    SEC_I_RENEGOTIATE (a session ticket or KeyUpdate), whose answer,
 *    InitializeSecurityContext with the EXTRA bytes, is SEC_E_OK and
 *    hands them all back;
 *    SEC_E_INCOMPLETE_MESSAGE with the MISSING count in the data buffer
 *    and the first empty one, the same again;
 *    SEC_I_CONTEXT_EXPIRED (close_notify); otherwise a SEC_E_ code;
 * each context deletes with SEC_E_OK; nothing is left behind (handles,
 * context buffers, memory).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "fixed.h"
#include "tls_records.h"
#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORD 0x01
#define VARIANT(b) (((b) >> 1) & 3)
#define MAX_CALLS 4

#define TARGET "fuzz.test"
#define ISC_REQ (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM \
                 | ISC_REQ_ALLOCATE_MEMORY)

/* The client's credentials by protocols (bits 1-2 of a flight input). */
static CredHandle client_cred[4];

/* The in-process server: its library context, certificate and one
 * SSL_CTX per configuration (bits 1-2 of a record input). */
static OSSL_LIB_CTX *server_lib;
static SSL_CTX *server_ctx[4];

static const char *const server_name[4] = {
    "tls13", "tls12-gcm", "tls12-cbc", "tls12-chacha"
};

/* ------------------------------------------------------------- helpers */

/*
 * One InitializeSecurityContext: [TOKEN = copy of tok, EMPTY] (no input
 * for the first call). *out gets a malloc'd copy of the output token;
 * *extra / *missing the count of a SECBUFFER_EXTRA / MISSING second
 * buffer (0 when none).
 */
static SECURITY_STATUS
isc(CredHandle *cred, CtxtHandle *ctx, bool first, const void *tok,
    size_t len, unsigned char **out, size_t *out_len, size_t *extra,
    size_t *missing)
{
    void *copy = first ? NULL : fuzz_dup(tok, len);
    SecBuffer in[2] = {
        { (ULONG)len, SECBUFFER_TOKEN, copy },
        { 0, SECBUFFER_EMPTY, NULL },
    };
    SecBuffer o = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 2, in };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &o };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    st = InitializeSecurityContextA(cred, first ? NULL : ctx,
                                    (SEC_CHAR *)TARGET, ISC_REQ, 0, 0,
                                    first ? NULL : &ind, 0, ctx, &outd,
                                    &attrs, &ts);
    fuzz_known(st, "InitializeSecurityContext");
    *extra = in[1].BufferType == SECBUFFER_EXTRA ? in[1].cbBuffer : 0;
    *missing = in[1].BufferType == SECBUFFER_MISSING ? in[1].cbBuffer : 0;
    free(copy);
    *out = NULL;
    *out_len = o.cbBuffer;
    if (o.cbBuffer > 0)
        *out = fuzz_dup(o.pvBuffer, o.cbBuffer);
    if (o.pvBuffer != NULL && FreeContextBuffer(o.pvBuffer) != SEC_E_OK)
        abort();
    return st;
}

/* An established context reports what a TLS 1.2 or 1.3 client has. */
static void
check_established(CtxtHandle *ctx)
{
    SecPkgContext_StreamSizes ss;
    SecPkgContext_ConnectionInfo ci;

    if (QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, &ss)
            != SEC_E_OK
        || ss.cbHeader < 5 || ss.cbMaximumMessage != 16384
        || QueryContextAttributesA(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci)
            != SEC_E_OK
        || (ci.dwProtocol != SP_PROT_TLS1_2_CLIENT
            && ci.dwProtocol != SP_PROT_TLS1_3_CLIENT))
        abort();
}

/* ------------------------------------------------------------- flights */

/*
 * The client (credential variant v) gets bytes as the server's flight(s).
 * Returns the last status.
 */
static SECURITY_STATUS
flight(unsigned v, const unsigned char *bytes, size_t len)
{
    CtxtHandle ctx;
    unsigned char *out;
    size_t out_len, extra, missing, n = len;
    const unsigned char *cur = bytes;
    SECURITY_STATUS st;
    int calls;

    fixed_rng_reset();
    st = isc(&client_cred[v], &ctx, true, NULL, 0, &out, &out_len, &extra,
             &missing);
    if (st != SEC_I_CONTINUE_NEEDED || out_len == 0)
        abort();
    free(out);
    for (calls = 0; calls < MAX_CALLS; calls++) {
        st = isc(&client_cred[v], &ctx, false, cur, n, &out, &out_len,
                 &extra, &missing);
        free(out);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            size_t again;

            /* Windows: the caller reads more and calls with the same
             * bytes and more; nothing of these may have been taken. */
            if (missing == 0
                || isc(&client_cred[v], &ctx, false, cur, n, &out,
                       &out_len, &extra, &again)
                       != SEC_E_INCOMPLETE_MESSAGE
                || again != missing)
                abort();
            free(out);
            break;
        }
        if (extra > n || (st == SEC_I_CONTINUE_NEEDED && extra == n))
            abort();                /* no progress: a caller would loop */
        if (st == SEC_E_OK)
            check_established(&ctx);
        if (st != SEC_I_CONTINUE_NEEDED || extra == 0)
            break;
        cur += n - extra;
        n = extra;
    }
    if (DeleteSecurityContext(&ctx) != SEC_E_OK)
        abort();
    return st;
}

/* ----------------------------------------------------------- handshake */

/*
 * A real handshake between a fresh client (default protocols) and a
 * server of configuration cfg, the random streams restarted first.
 * The server is handed back in *server (for seeds) or freed.
 */
static void
handshake(unsigned cfg, CtxtHandle *ctx, SSL **server)
{
    SSL *s = SSL_new(server_ctx[cfg]);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    unsigned char *tok, *fl;
    size_t tok_len, fl_len, extra, missing;
    SECURITY_STATUS st;
    bool done = false;
    int r = 0, legs;

    if (s == NULL || rb == NULL || wb == NULL)
        abort();
    SSL_set_bio(s, rb, wb);
    SSL_set_accept_state(s);
    fixed_rng_reset();
    st = isc(&client_cred[0], ctx, true, NULL, 0, &tok, &tok_len, &extra,
             &missing);
    if (st != SEC_I_CONTINUE_NEEDED)
        abort();
    for (legs = 0; legs < 8; legs++) {
        if (tok_len > 0 && BIO_write(rb, tok, (int)tok_len)
            != (int)tok_len)
            abort();
        free(tok);
        tok = NULL;
        r = SSL_do_handshake(s);
        if (r != 1 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
            break;
        fl = fuzz_drain(wb, &fl_len);
        if (done) {
            free(fl);
            if (r == 1 && fl_len == 0)
                break;
            abort();
        }
        if (fl_len == 0)
            abort();                /* both sides wait */
        st = isc(&client_cred[0], ctx, false, fl, fl_len, &tok, &tok_len,
                 &extra, &missing);
        free(fl);
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            break;
        done = st == SEC_E_OK;
    }
    if (!done || r != 1) {
        fprintf(stderr, "handshake with the %s server failed: %s (%s)\n",
                server_name[cfg], sspigss_status_name(st),
                sspigss_last_error());
        ERR_print_errors_fp(stderr);
        abort();
    }
    if (server != NULL)
        *server = s;
    else
        SSL_free(s);
}

/* ------------------------------------------------------------- records */

/*
 * The answer to SEC_I_RENEGOTIATE: InitializeSecurityContext with the n
 * bytes after the record (the server here never renegotiates, so it is
 * a session ticket or a KeyUpdate): SEC_E_OK, and every byte handed back
 * as EXTRA for DecryptMessage.
 */
static SECURITY_STATUS
answer(CtxtHandle *ctx, const unsigned char *p, size_t n)
{
    unsigned char *out;
    size_t out_len, extra, missing;
    SECURITY_STATUS st;

    st = isc(&client_cred[0], ctx, false, p, n, &out, &out_len, &extra,
             &missing);
    free(out);
    if (st != SEC_E_OK || extra != n || missing != 0)
        abort();
    return st;
}

/* Records from the server of configuration cfg. Returns the last
 * status. */
static SECURITY_STATUS
records(unsigned cfg, const unsigned char *bytes, size_t len)
{
    CtxtHandle ctx;
    size_t n = len, extra;
    const unsigned char *cur = bytes;
    SECURITY_STATUS st = SEC_E_INVALID_TOKEN;
    int calls;

    handshake(cfg, &ctx, NULL);
    for (calls = 0; calls < MAX_CALLS; calls++) {
        st = fuzz_decrypt(&ctx, cur, n, &extra);
        if (st == SEC_I_RENEGOTIATE)
            st = answer(&ctx, cur + n - extra, extra);
        if (st != SEC_E_OK || extra == 0)
            break;
        cur += n - extra;
        n = extra;
    }
    if (DeleteSecurityContext(&ctx) != SEC_E_OK)
        abort();
    return st;
}

/* ---------------------------------------------------------- one input */

static SECURITY_STATUS
one_input(const uint8_t *data, size_t size)
{
    SECURITY_STATUS st;

    if (size < 1)
        return SEC_E_INVALID_TOKEN;
    if (data[0] & RECORD)
        st = records(VARIANT(data[0]), data + 1, size - 1);
    else
        st = flight(VARIANT(data[0]), data + 1, size - 1);
    ERR_clear_error();
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        abort();
    return st;
}

/* ------------------------------------------------------------- seeds */

/* Write a seed (mode byte, bytes) and check the harness's verdict. */
static void
seed(const char *name, unsigned char mode, const unsigned char *p,
     size_t n, SECURITY_STATUS want)
{
    unsigned char *in = malloc(1 + n);
    SECURITY_STATUS st;

    if (in == NULL)
        abort();
    realm_seed(name, &mode, 1, p, n);
    in[0] = mode;
    memcpy(in + 1, p, n);
    st = one_input(in, 1 + n);
    if (st != want) {
        fprintf(stderr, "seed %s: %s, not %s (%s)\n", name,
                sspigss_status_name(st), sspigss_status_name(want),
                sspigss_last_error());
        abort();
    }
    free(in);
}

/*
 * The server's flights to a client of variant v, as one input: the
 * server of configuration cfg answers a real handshake, and everything
 * it sends after the ClientHello is recorded (TLS 1.2: both flights).
 */
static void
flight_seed(unsigned v, unsigned cfg, const char *name)
{
    SSL *s = SSL_new(server_ctx[cfg]);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    unsigned char *tok, *fl, *all = NULL;
    size_t tok_len, fl_len, all_len = 0, extra, missing;
    CtxtHandle ctx;
    SECURITY_STATUS st;
    int legs;

    if (s == NULL || rb == NULL || wb == NULL)
        abort();
    SSL_set_bio(s, rb, wb);
    SSL_set_accept_state(s);
    fixed_rng_reset();
    st = isc(&client_cred[v], &ctx, true, NULL, 0, &tok, &tok_len, &extra,
             &missing);
    for (legs = 0; st == SEC_I_CONTINUE_NEEDED && legs < 4; legs++) {
        if (BIO_write(rb, tok, (int)tok_len) != (int)tok_len)
            abort();
        free(tok);
        (void)SSL_do_handshake(s);
        fl = fuzz_drain(wb, &fl_len);
        all = realloc(all, all_len + fl_len);
        if (all == NULL || fl_len == 0)
            abort();
        memcpy(all + all_len, fl, fl_len);
        all_len += fl_len;
        st = isc(&client_cred[v], &ctx, false, fl, fl_len, &tok, &tok_len,
                 &extra, &missing);
        free(fl);
    }
    free(tok);
    if (st != SEC_E_OK || DeleteSecurityContext(&ctx) != SEC_E_OK)
        abort();
    SSL_free(s);
    seed(name, (unsigned char)(v << 1), all, all_len, SEC_E_OK);
    free(all);
}

/* A server of configuration cfg after a real handshake, its client
 * dropped: what it sends next is what a fresh client of the same
 * handshake (one_input) receives first. */
static SSL *
server_after_handshake(unsigned cfg)
{
    CtxtHandle ctx;
    SSL *s;

    handshake(cfg, &ctx, &s);
    if (DeleteSecurityContext(&ctx) != SEC_E_OK)
        abort();
    return s;
}

/*
 * Records from a server of configuration cfg, as seeds: application data
 * (one record, two, altered, cut short) and the close_notify alert.
 */
static void
record_seeds(unsigned cfg)
{
    static const char text[] = "fuzz record";
    unsigned char mode = (unsigned char)(RECORD | cfg << 1);
    unsigned char *rec, *two;
    size_t rec_len, two_len;
    char name[64];
    SSL *s = server_after_handshake(cfg);

    if (SSL_write(s, text, sizeof(text) - 1) != (int)sizeof(text) - 1)
        abort();
    rec = fuzz_drain(SSL_get_wbio(s), &rec_len);
    if (SSL_write(s, text, sizeof(text) - 1) != (int)sizeof(text) - 1)
        abort();
    two = fuzz_drain(SSL_get_wbio(s), &two_len);
    SSL_free(s);
    two = realloc(two, rec_len + two_len);
    if (two == NULL)
        abort();
    memmove(two + rec_len, two, two_len);
    memcpy(two, rec, rec_len);
    two_len += rec_len;
    snprintf(name, sizeof(name), "record-%s", server_name[cfg]);
    seed(name, mode, rec, rec_len, SEC_E_OK);
    snprintf(name, sizeof(name), "records-%s", server_name[cfg]);
    seed(name, mode, two, two_len, SEC_E_OK);
    rec[rec_len - 1] ^= 0x01;
    snprintf(name, sizeof(name), "record-%s-altered", server_name[cfg]);
    seed(name, mode, rec, rec_len, SEC_E_MESSAGE_ALTERED);
    snprintf(name, sizeof(name), "record-%s-cut", server_name[cfg]);
    seed(name, mode, rec, rec_len - 1, SEC_E_INCOMPLETE_MESSAGE);
    free(rec);
    free(two);

    s = server_after_handshake(cfg);
    if (SSL_shutdown(s) < 0)
        abort();
    rec = fuzz_drain(SSL_get_wbio(s), &rec_len);
    SSL_free(s);
    snprintf(name, sizeof(name), "close-notify-%s", server_name[cfg]);
    seed(name, mode, rec, rec_len, SEC_I_CONTEXT_EXPIRED);
    free(rec);
}

/* A TLS 1.3 server's later handshake messages: a KeyUpdate, a record in
 * the new keys and a NewSessionTicket, three records in one input. */
static void
later_seeds(void)
{
    static const char text[] = "fuzz record";
    unsigned char *rec;
    size_t rec_len;
    SSL *s = server_after_handshake(0);

    if (!SSL_key_update(s, SSL_KEY_UPDATE_NOT_REQUESTED)
        || SSL_write(s, text, sizeof(text) - 1) != (int)sizeof(text) - 1
        || !SSL_new_session_ticket(s) || SSL_do_handshake(s) != 1)
        abort();
    rec = fuzz_drain(SSL_get_wbio(s), &rec_len);
    SSL_free(s);
    seed("key-update-ticket-tls13", RECORD, rec, rec_len, SEC_E_OK);
    free(rec);
}

/* ------------------------------------------------------------- set-up */

/* A self-signed P-256 certificate for fuzz.test with fixed dates (and,
 * the randomness being fixed, a fixed key and signature). */
static void
make_certificate(EVP_PKEY **key, X509 **cert)
{
    X509_NAME *name;
    X509 *x;

    *key = EVP_PKEY_Q_keygen(server_lib, NULL, "EC", "P-256");
    x = X509_new_ex(server_lib, NULL);
    if (*key == NULL || x == NULL || !X509_set_version(x, X509_VERSION_3)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1))
        abort();
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)TARGET, -1, -1,
                                    0)
        || !X509_set_issuer_name(x, name)
        || !ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
                                      "20240101000000Z")
        || !ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
                                      "20991231235959Z")
        || !X509_set_pubkey(x, *key) || !X509_sign(x, *key, EVP_sha256()))
        abort();
    *cert = x;
}

static void
make_servers(void)
{
    static const char *const suites[4] = {
        NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305"
    };
    EVP_PKEY *key;
    X509 *cert;
    unsigned i;

    server_lib = OSSL_LIB_CTX_new();
    if (server_lib == NULL)
        abort();
    fixed_rng_own_stream(server_lib);
    fixed_rng_reset();
    make_certificate(&key, &cert);
    for (i = 0; i < 4; i++) {
        SSL_CTX *c = SSL_CTX_new_ex(server_lib, NULL, TLS_server_method());

        if (c == NULL || !SSL_CTX_use_certificate(c, cert)
            || !SSL_CTX_use_PrivateKey(c, key)
            || !SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION)
            || !SSL_CTX_set_num_tickets(c, 0))
            abort();
        if (suites[i] != NULL
            && (!SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION)
                || !SSL_CTX_set_cipher_list(c, suites[i])))
            abort();
        server_ctx[i] = c;
    }
    EVP_PKEY_free(key);
    X509_free(cert);
}

/* Before libFuzzer reads the corpus, so that the seeds written count. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const DWORD protocols[4] = {
        0, SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT, 0
    };
    TimeStamp ts;
    unsigned i;

    (void)argc, (void)argv;
    fixed_trust_setup();
    fixed_rng_reset();
    for (i = 0; i < 4; i++) {
        SCHANNEL_CRED sc;

        memset(&sc, 0, sizeof(sc));
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.grbitEnabledProtocols = protocols[i];
        sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION;
        if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel",
                                      SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                      NULL, &client_cred[i], &ts)
            != SEC_E_OK)
            abort();
    }
    make_servers();
    flight_seed(0, 0, "flight-tls13");
    flight_seed(0, 1, "flight-tls12-gcm");
    flight_seed(0, 2, "flight-tls12-cbc");
    flight_seed(0, 3, "flight-tls12-chacha");
    flight_seed(1, 1, "flight-tls12-only");
    flight_seed(2, 0, "flight-tls13-only");
    for (i = 0; i < 4; i++)
        record_seeds(i);
    later_seeds();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)one_input(data, size);
    return 0;
}
