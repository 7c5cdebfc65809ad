/*
 * tlsops.h - the TLS (Schannel) benchmarks: a raw OpenSSL 3 server in
 * this process, the client each path puts against it, and the measured
 * operations.
 *
 * sspigss's Schannel package is a client only, so the server is raw
 * OpenSSL in both paths: one SSL_CTX (TLS 1.3 only, the one suite
 * TLS_AES_256_GCM_SHA384, a self-signed ECDSA P-256 certificate made at
 * start-up, no session tickets, no session cache), a new SSL object per
 * connection. The clients:
 *
 *  raw:  an SSL object of an SSL_CTX set up as sspigss sets up its own
 *        for the credential below (TLS_client_method, TLS 1.3 only,
 *        SSL_VERIFY_NONE, the default verify paths, SNI "localhost");
 *  sspi: AcquireCredentialsHandle("Schannel", SECPKG_CRED_OUTBOUND,
 *        SCHANNEL_CRED with SP_PROT_TLS1_3_CLIENT and
 *        SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_SERVERNAME_CHECK),
 *        InitializeSecurityContext with target "localhost" and caller
 *        token buffers, EncryptMessage, DecryptMessage.
 *
 * Nothing goes over a network: bytes go between memory BIOs and buffers
 * of this program. What is measured is the client's work only: the
 * server's part of each operation (and the checks) runs between
 * bench_pause() and bench_resume(), so it counts neither in time nor in
 * allocations. The server is the same code in both paths, so it would
 * add the same time to both and pull every ratio towards 1.
 *
 * Every function prints what went wrong to stderr and returns -1 on
 * failure. The operations have the bench_fn shape (benchutil.h) and
 * allocate nothing themselves.
 */
#ifndef SSPIGSS_BENCH_TLSOPS_H
#define SSPIGSS_BENCH_TLSOPS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "benchutil.h"

#define TLS_BENCH_HOST "localhost"
#define TLS_BENCH_SUITE "TLS_AES_256_GCM_SHA384"

/* One end of a connection: an SSL object and its memory BIOs (owned by
 * the SSL object): in is what the peer sent, out what this end wrote. */
struct tls_end {
    SSL *ssl;
    BIO *in, *out;
};

/* What both paths share, and one established connection of each. */
struct tls_bench {
    SSL_CTX *server_ctx;
    SSL_CTX *client_ctx;            /* raw path */
    struct tls_end raw_cli, raw_srv;
    CredHandle cred;                /* sspigss path */
    CtxtHandle ctx;
    bool have_cred, have_ctx;
    struct tls_end sspi_srv;
    SecPkgContext_StreamSizes sizes;    /* of ctx */
    char desc[160];                 /* protocol, suite, group, key */
};

/*
 * The certificate, the contexts, the sspigss credential, and a
 * connection of each path, checked to have TLS 1.3 and
 * TLS_AES_256_GCM_SHA384 on both ends and the stream sizes TLS 1.3 has
 * (header 5, trailer 17). Close with tls_bench_close (also after a
 * failed open).
 */
int tls_bench_open(struct tls_bench *t);
void tls_bench_close(struct tls_bench *t);

/*
 * Messages of len bytes (at most 16384: one record), in batches of
 * 16 KiB (what a program reading a record's worth at a time gets from
 * one recv(): 16 messages of 1 KiB, one of 16 KiB), each message of a
 * batch different.
 *
 * Encrypt (client to server):
 *  raw:  SSL_write of the message, BIO_read of the record from the
 *        client's write BIO into the send buffer;
 *  sspi: EncryptMessage of [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY]
 *        laid out in the send buffer, one record after the other (the
 *        message is put into its DATA slot before, in a pause, as a
 *        program building its message in place would);
 *  then, paused, the server reads the batch and checks every message.
 * Decrypt (server to client): the server writes a batch of records
 * (paused), then
 *  raw:  one BIO_write of the batch into the client's read BIO, an
 *        SSL_read per message into the program's buffer;
 *  sspi: DecryptMessage of [DATA = all that is left, EMPTY, EMPTY,
 *        EMPTY] per message, going on with the SECBUFFER_EXTRA it
 *        returns, as Windows programs loop;
 *  then, paused, every message is checked.
 * Both raw paths clear OpenSSL's error queue before each SSL_write and
 * SSL_read, as SSL_get_error(3) asks and the library does.
 */
struct tls_msg {
    struct tls_bench *t;
    size_t len, batch;
    size_t slot;                    /* sspi: header + len + trailer */
    unsigned char *plain;           /* batch messages */
    unsigned char *wire;            /* batch records */
    size_t wire_size;
    unsigned char *out;             /* raw decrypt: batch messages */
    unsigned char **got;            /* sspi decrypt: where each went */
};

int tls_msg_init(struct tls_msg *m, struct tls_bench *t, size_t len);
void tls_msg_free(struct tls_msg *m);
int raw_tls_encrypt(void *m, unsigned long n);
int sspi_tls_encrypt(void *m, unsigned long n);
int raw_tls_decrypt(void *m, unsigned long n);
int sspi_tls_decrypt(void *m, unsigned long n);

/* The message metrics of bench_tls and bench_tls_allocs, in the order
 * of their tables. */
struct tls_metric {
    size_t len;
    const char *label;          /* the table's */
    const char *name;           /* for --only */
    bench_fn raw, sspi;         /* arg: a tls_msg of len */
};

extern const struct tls_metric tls_metrics[];
extern const size_t tls_metric_count;

/*
 * Whole handshakes (arg: the tls_bench), the client's side of each:
 *  raw:  SSL_new, two BIO_new, SSL_set_bio, SNI, SSL_set_connect_state,
 *        SSL_do_handshake (ClientHello), then with the server's flight
 *        (ServerHello .. Finished) BIO_write and SSL_do_handshake
 *        (Finished), BIO_read of what it wrote each time, SSL_free;
 *  sspi: InitializeSecurityContext without a context (ClientHello),
 *        again with the server's flight in a TOKEN (Finished),
 *        DeleteSecurityContext.
 * Each handshake's server (a new SSL object, its two steps, the check
 * that it negotiated TLS 1.3 and the suite, SSL_free) is paused.
 */
int raw_tls_handshake(void *t, unsigned long n);
int sspi_tls_handshake(void *t, unsigned long n);

#endif /* SSPIGSS_BENCH_TLSOPS_H */
