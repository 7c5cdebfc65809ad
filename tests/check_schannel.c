/*
 * check_schannel.c - the Schannel package against real OpenSSL peers on
 * 127.0.0.1: as a client against `openssl s_server` (tests/check_schannel.sh
 * starts them with tests/harness/tls.sh and describes them here), and as
 * a server against `openssl s_client`, which each server test starts
 * itself on a listening socket of its own.
 *
 *   SSPIGSS_TLS_DIR            the PKI: trust.pem (the test root CA only),
 *                              NAME.pem, NAME.key and NAME.p12 (password
 *                              "p12-pw") for localhost, rsa-localhost and
 *                              client (CN alice)
 *   SSPIGSS_TLS_PORT_<NAME>    a server presenting certificate NAME:
 *                              LOCALHOST (valid), TLS12 (the same, TLS
 *                              1.2 only), CBC (TLS 1.2, an AES-CBC-SHA256
 *                              suite), EXPIRED, WRONGHOST, UNTRUSTED,
 *                              WRONGUSAGE; ALPN (-alpn http/1.1); VERIFY
 *                              and VERIFY12 (-Verify 1: a client
 *                              certificate is required; TLS 1.3, TLS 1.2),
 *                              VERIFYCA (the same, naming the intermediate
 *                              CA as the one it accepts)
 *   SSPIGSS_TLS_LOG_<NAME>     that server's log (the VERIFY servers:
 *                              the "Peer certificate:" line of each
 *                              connection, or why it was refused)
 *   SSPIGSS_TLS_MY             a directory with client-nopw.p12, for
 *                              SSPIGSS_CERT_STORE_MY (the "MY" store)
 *
 * Every server runs `s_server -rev`: it answers each line with the line
 * reversed. Each client test connects, runs Windows' client loop
 * (InitializeSecurityContext until SEC_E_OK, feeding what the server
 * sends), and asserts the exact SEC code of every failure, the stream
 * buffer protocol (MISSING, EXTRA, HEADER/DATA/TRAILER) and that nothing
 * leaks. Each server test listens on an ephemeral port, runs `openssl
 * s_client -verify_return_error` against it with pipes for its stdin and
 * stdout, and runs Windows' server loop (AcceptSecurityContext until
 * SEC_E_OK); a line typed into s_client arrives through DecryptMessage
 * and the answer from EncryptMessage shows on s_client's stdout. The
 * s_client is stopped by its pid at the end of the test and killed by the
 * kernel (PR_SET_PDEATHSIG) if the test dies first; every wait on it or
 * on a socket has a timeout.
 */
#include "setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sspigss/schannel.h>

#include "crypt32.h"
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

/* Seconds any one wait (a socket, s_client) may take. */
#define WAIT_SECS 10

static char pki[512];
static char trust[600];
static size_t bufs_before, certs_before;

static void
setup(void)
{
    bufs_before = ctxbuf_outstanding();
    certs_before = crypt32_live_contexts();
    /* The test PKI's root is the only trusted one. */
    ck_assert_int_eq(setenv("SSL_CERT_FILE", trust, 1), 0);
    ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent", 1), 0);
}

static void
teardown(void)
{
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "credential handles left");
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "context handles left");
    ck_assert_msg(ctxbuf_outstanding() == bufs_before, "buffers not freed");
    ck_assert_msg(crypt32_live_contexts() == certs_before,
                  "%zu certificate contexts not freed",
                  crypt32_live_contexts() - certs_before);
}

/* ---------------------------------------------------------- plumbing */

static int
port_of(const char *name)
{
    char var[64];
    const char *v;

    snprintf(var, sizeof(var), "SSPIGSS_TLS_PORT_%s", name);
    v = getenv(var);
    ck_assert_msg(v != NULL, "%s not set", var);
    return (int)strtol(v, NULL, 10);
}

/* No wait on a socket lasts longer than WAIT_SECS: recv fails instead. */
static void
set_timeout(int s)
{
    struct timeval tv = { WAIT_SECS, 0 };

    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
                                sizeof(tv)), 0);
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv,
                                sizeof(tv)), 0);
}

static int
dial_port(int port)
{
    struct sockaddr_in sa;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(s, 0);
    set_timeout(s);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0,
                  "connect to port %d: %s", port, strerror(errno));
    return s;
}

static int
dial(const char *name)
{
    return dial_port(port_of(name));
}

/* A socket listening on 127.0.0.1, on a port the kernel picks. */
static int
listen_loopback(int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(s, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(s, 4), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return s;
}

/* The next connection on ls, waited for at most WAIT_SECS. */
static int
accept_one(int ls)
{
    struct pollfd pf = { ls, POLLIN, 0 };
    int s;

    ck_assert_msg(poll(&pf, 1, WAIT_SECS * 1000) == 1,
                  "no connection in %d s", WAIT_SECS);
    s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(s, 0);
    set_timeout(s);
    return s;
}

static void
send_all(int s, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t k = send(s, c, n, MSG_NOSIGNAL);

        ck_assert_msg(k > 0, "send: %s", strerror(errno));
        c += k;
        n -= (size_t)k;
    }
}

/* Append what the peer sends next to buf (*len bytes held). */
static void
recv_more(int s, unsigned char *buf, size_t size, size_t *len)
{
    ssize_t k;

    ck_assert_uint_lt(*len, size);
    k = recv(s, buf + *len, size - *len, 0);
    ck_assert_msg(k > 0, "%s", k == 0 ? "the peer closed the connection"
                                      : strerror(errno));
    *len += (size_t)k;
}

/* Read DIR/NAME into buf; returns its length. */
static size_t
read_pki_file(const char *name, unsigned char *buf, size_t size)
{
    char path[700];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", pki, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    n = fread(buf, 1, size, f);
    fclose(f);
    ck_assert_msg(n > 0 && n < size, "%s: %zu bytes", path, n);
    return n;
}

/*
 * The certificate with its private key from DIR/NAME.p12, as a Windows
 * server finds it: PFXImportCertStore, then the certificate that has a
 * key. *store gets the store it is in (the PFX's intermediate CA is
 * there too). Release both: CertFreeCertificateContext, CertCloseStore.
 */
static PCCERT_CONTEXT
load_p12(const char *name, HCERTSTORE *store)
{
    unsigned char buf[16384];
    char file[128];
    CRYPT_DATA_BLOB blob;
    PCCERT_CONTEXT cert;

    snprintf(file, sizeof(file), "%s.p12", name);
    blob.cbData = (DWORD)read_pki_file(file, buf, sizeof(buf));
    blob.pbData = buf;
    *store = PFXImportCertStore(&blob, u"p12-pw", 0);
    ck_assert_msg(*store != NULL, "PFXImportCertStore(%s): %s", file,
                  sspigss_last_error());
    cert = CertFindCertificateInStore(*store, X509_ASN_ENCODING, 0,
                                      CERT_FIND_HAS_PRIVATE_KEY, NULL, NULL);
    ck_assert_ptr_nonnull(cert);
    return cert;
}

/* SHA-256 of the DER of DIR/NAME.pem, with OpenSSL's own tools. */
static void
cert_sha256(const char *name, unsigned char out[32])
{
    unsigned char pem[8192], *der = NULL;
    char file[128];
    size_t n;
    BIO *b;
    X509 *x;
    int len;

    snprintf(file, sizeof(file), "%s.pem", name);
    n = read_pki_file(file, pem, sizeof(pem));
    b = BIO_new_mem_buf(pem, (int)n);
    ck_assert_ptr_nonnull(b);
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ck_assert_ptr_nonnull(x);
    len = i2d_X509(x, &der);
    X509_free(x);
    ck_assert_int_gt(len, 0);
    ck_assert_int_eq(EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(),
                                NULL), 1);
    OPENSSL_free(der);
}

/* The simple display name of a certificate context (CN), released. */
static void
assert_cert_name(PCCERT_CONTEXT cert, const char *want)
{
    char name[256];

    ck_assert_ptr_nonnull(cert);
    ck_assert_uint_eq(CertGetNameStringA(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                                         0, NULL, name, sizeof(name)),
                      strlen(want) + 1);
    ck_assert_str_eq(name, want);
    ck_assert_int_eq(CertFreeCertificateContext(cert), TRUE);
}

/*
 * A credential: SECPKG_CRED_OUTBOUND or INBOUND, the protocols and flags
 * of SCHANNEL_CRED, and the certificate of DIR/P12.p12 in paCred (none
 * when p12 is NULL). The certificate context and its store are released
 * as soon as the credential is made, as Windows programs do: the
 * credential keeps what it needs.
 */
static SECURITY_STATUS
acquire_with(ULONG use, DWORD protocols, DWORD flags, const char *p12,
             CredHandle *c)
{
    HCERTSTORE store = NULL;
    PCCERT_CONTEXT cert = p12 != NULL ? load_p12(p12, &store) : NULL;
    SECURITY_STATUS st;
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
    st = AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, use, NULL, &sc,
                                   NULL, NULL, c, &ts);
    ck_assert_int_eq(CertFreeCertificateContext(cert), TRUE);
    ck_assert_int_eq(CertCloseStore(store, 0), TRUE);
    return st;
}

static SECURITY_STATUS
acquire(DWORD protocols, DWORD flags, CredHandle *c)
{
    return acquire_with(SECPKG_CRED_OUTBOUND, protocols, flags, NULL, c);
}

/*
 * A SECBUFFER_APPLICATION_PROTOCOLS buffer for names (NULL-terminated),
 * laid out as Windows defines SEC_APPLICATION_PROTOCOLS: ProtocolListsSize,
 * then one SEC_APPLICATION_PROTOCOL_LIST for ALPN whose ProtocolList is
 * the extension's wire form (each name after its length byte).
 */
static SecBuffer
alpn_buffer(unsigned char *buf, size_t size, const char *const *names)
{
    const size_t head = offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList);
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext =
        SecApplicationProtocolNegotiationExt_ALPN;
    unsigned char *list = buf + sizeof(ULONG) + head;
    unsigned short n = 0;
    ULONG total;
    SecBuffer b;

    for (; *names != NULL; names++) {
        size_t len = strlen(*names);

        ck_assert_uint_le(sizeof(ULONG) + head + n + 1 + len, size);
        list[n] = (unsigned char)len;
        memcpy(list + n + 1, *names, len);
        n = (unsigned short)(n + 1 + len);
    }
    total = (ULONG)(head + n);
    memcpy(buf, &total, sizeof(total));
    memcpy(buf + sizeof(ULONG)
               + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtoNegoExt),
           &ext, sizeof(ext));
    memcpy(buf + sizeof(ULONG)
               + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize),
           &n, sizeof(n));
    b.cbBuffer = (ULONG)(sizeof(ULONG) + total);
    b.BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
    b.pvBuffer = buf;
    return b;
}

/* The protocol ALPN chose, "" for none (status None). */
static void
assert_alpn(CtxtHandle *ctx, const char *want)
{
    SecPkgContext_ApplicationProtocol ap;

    memset(&ap, 0xa5, sizeof(ap));
    assert_sec(QueryContextAttributesA(ctx, SECPKG_ATTR_APPLICATION_PROTOCOL,
                                       &ap), SEC_E_OK);
    if (*want == '\0') {
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

struct conn {
    int sock;
    CredHandle cred;
    CtxtHandle ctx;
    bool have_ctx;
    ULONG req;                  /* requests besides the loop's own */
    ULONG attrs;                /* the last call's */
    SecBuffer *alpn;            /* for the first call, or NULL */
    CredHandle *next_cred;      /* for the next call (then NULL again) */
    CredHandle *reneg_cred;     /* for renegotiate(), if not &cred */
    bool ignore_renegotiate;    /* recv_data does not answer it */
    bool probe_encrypt;         /* follow_renegotiation tries EncryptMessage */
    bool probed;                /* ... and did */
    ULONG extra;                /* EXTRA bytes at the call that stopped */
    bool caller_buffers;        /* output in our buffer, not allocated */
    unsigned char in[65536];
    size_t in_len;              /* bytes received, not yet used */
    unsigned char held[65536];  /* trickle: received, not yet in in */
    size_t held_len;
    int incomplete;             /* SEC_E_INCOMPLETE_MESSAGE answers seen */
    int renegotiations;         /* SEC_I_RENEGOTIATE answered (recv_data) */
    int silent;                 /* ... of them, with nothing to send */
};

/* The next bytes from the peer into k->in: all that arrived, or with
 * trickle one at a time (k->held keeps the rest). */
static void
feed(struct conn *k, bool trickle)
{
    if (!trickle) {
        recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
        return;
    }
    if (k->held_len == 0)
        recv_more(k->sock, k->held, sizeof(k->held), &k->held_len);
    ck_assert_uint_lt(k->in_len, sizeof(k->in));
    k->in[k->in_len++] = k->held[0];
    memmove(k->held, k->held + 1, --k->held_len);
}

/* The end of a handshake: bytes held back by the trickle belong to
 * what follows. */
static void
unhold(struct conn *k)
{
    ck_assert_uint_le(k->in_len + k->held_len, sizeof(k->in));
    memcpy(k->in + k->in_len, k->held, k->held_len);
    k->in_len += k->held_len;
    k->held_len = 0;
}

/* Send an output token and release it (allocated) or mark it used. */
static void
send_token(struct conn *k, SecBuffer *ob, bool ok)
{
    if (!k->caller_buffers) {
        if (ob->pvBuffer != NULL) {
            if (ob->cbBuffer > 0)
                send_all(k->sock, ob->pvBuffer, ob->cbBuffer);
            ck_assert_sec(FreeContextBuffer(ob->pvBuffer), SEC_E_OK);
        }
    } else if (ok && ob->cbBuffer > 0) {
        send_all(k->sock, ob->pvBuffer, ob->cbBuffer);
    }
}

/* After a step that succeeded: keep the SECBUFFER_EXTRA bytes. */
static void
keep_extra(struct conn *k, const SecBuffer *report)
{
    if (k->in_len > 0 && report->BufferType == SECBUFFER_EXTRA) {
        ck_assert_uint_le(report->cbBuffer, k->in_len);
        memmove(k->in, k->in + k->in_len - report->cbBuffer,
                report->cbBuffer);
        k->in_len = report->cbBuffer;
    } else {
        k->in_len = 0;
    }
}

/*
 * Windows' client loop (curl's schannel.c has the same shape): ISC, send
 * its token, read what the server sends, ISC again with it; keep the
 * SECBUFFER_EXTRA bytes, read more after SEC_E_INCOMPLETE_MESSAGE. With
 * trickle, the server's bytes are handed in one at a time. The first
 * call's input is k->alpn alone, when set. Returns the final status;
 * after SEC_I_INCOMPLETE_CREDENTIALS k->in is left as it was handed in
 * and k->extra says how much of its end was not taken.
 */
static SECURITY_STATUS
client_handshake(struct conn *k, const char *target, bool trickle)
{
    unsigned char out[16384];
    SECURITY_STATUS st;
    TimeStamp ts;

    for (;;) {
        SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBufferDesc first = { SECBUFFER_VERSION, 1, k->alpn };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        CredHandle *cred = k->next_cred != NULL ? k->next_cred
                           : k->have_ctx ? NULL : &k->cred;

        if (k->caller_buffers)
            ob = (SecBuffer){ sizeof(out), SECBUFFER_TOKEN, out };
        st = InitializeSecurityContextA(
            cred, k->have_ctx ? &k->ctx : NULL, (SEC_CHAR *)target,
            (k->caller_buffers ? 0 : ISC_REQ_ALLOCATE_MEMORY)
                | ISC_REQ_STREAM | ISC_REQ_CONFIDENTIALITY
                | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | k->req,
            0, 0,
            k->have_ctx ? &id : k->alpn != NULL ? &first : NULL, 0,
            &k->ctx, &od, &k->attrs, &ts);
        send_token(k, &ob, SEC_SUCCESS(st));
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            k->incomplete++;
            ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
            ck_assert_uint_gt(ib[1].cbBuffer, 0);
            feed(k, trickle);
            continue;
        }
        if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
            k->next_cred = NULL;
            k->extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer
                                                           : 0;
            return st;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            return st;
        k->next_cred = NULL;
        k->have_ctx = true;
        keep_extra(k, &ib[1]);
        if (st == SEC_E_OK)
            break;
        if (k->in_len == 0)
            feed(k, trickle);
    }
    unhold(k);
    return SEC_E_OK;
}

/*
 * Windows' server loop: AcceptSecurityContext with what the client sent
 * ([TOKEN, EMPTY], and k->alpn third until a context exists), send its
 * token, read more after SEC_E_INCOMPLETE_MESSAGE (the first call makes
 * no context until the ClientHello is whole), keep SECBUFFER_EXTRA.
 */
static SECURITY_STATUS
server_handshake(struct conn *k, bool trickle)
{
    unsigned char out[16384];
    SECURITY_STATUS st;
    TimeStamp ts;

    feed(k, trickle);
    for (;;) {
        SecBuffer ib[3] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

        if (!k->have_ctx && k->alpn != NULL) {
            ib[2] = *k->alpn;
            id.cBuffers = 3;
        }
        if (k->caller_buffers)
            ob = (SecBuffer){ sizeof(out), SECBUFFER_TOKEN, out };
        st = AcceptSecurityContext(
            k->have_ctx ? NULL : &k->cred, k->have_ctx ? &k->ctx : NULL,
            &id,
            (k->caller_buffers ? 0 : ASC_REQ_ALLOCATE_MEMORY)
                | ASC_REQ_STREAM | ASC_REQ_CONFIDENTIALITY
                | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | k->req,
            0, &k->ctx, &od, &k->attrs, &ts);
        send_token(k, &ob, SEC_SUCCESS(st));
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            k->incomplete++;
            ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
            ck_assert_uint_gt(ib[1].cbBuffer, 0);
            feed(k, trickle);
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            return st;
        k->have_ctx = true;
        keep_extra(k, &ib[1]);
        if (st == SEC_E_OK)
            break;
        if (k->in_len == 0)
            feed(k, trickle);
    }
    unhold(k);
    return SEC_E_OK;
}

static void
conn_open(struct conn *k, const char *server, DWORD protocols, DWORD flags)
{
    memset(k, 0, sizeof(*k));
    assert_sec(acquire(protocols, flags, &k->cred), SEC_E_OK);
    k->sock = dial(server);
}

static void
conn_close(struct conn *k)
{
    if (k->have_ctx)
        ck_assert_sec(DeleteSecurityContext(&k->ctx), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&k->cred), SEC_E_OK);
    close(k->sock);
}

/* EncryptMessage of text into [HEADER, DATA, TRAILER, EMPTY], sent. */
static void
send_line(struct conn *k, const char *text)
{
    SecPkgContext_StreamSizes sz;
    unsigned char buf[1024];
    size_t n = strlen(text);
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };

    assert_sec(QueryContextAttributesA(&k->ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    ck_assert_uint_le(sz.cbHeader + n + sz.cbTrailer, sizeof(buf));
    memcpy(buf + sz.cbHeader, text, n);
    b[0] = (SecBuffer){ sz.cbHeader, SECBUFFER_STREAM_HEADER, buf };
    b[1] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, buf + sz.cbHeader };
    b[2] = (SecBuffer){ sz.cbTrailer, SECBUFFER_STREAM_TRAILER,
                        buf + sz.cbHeader + n };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    assert_sec(EncryptMessage(&k->ctx, 0, &d, 0), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, n);
    ck_assert(memcmp(b[1].pvBuffer, text, n) != 0);
    send_all(k->sock, buf, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
}

static size_t renegotiate(struct conn *k, int *calls);

/*
 * DecryptMessage until application data arrives; out gets it. Records
 * without data (TLS 1.3 session tickets) come first, each one
 * SEC_I_RENEGOTIATE answered as Windows asks (renegotiate()). Returns
 * the last status.
 */
static SECURITY_STATUS
recv_data(struct conn *k, char *out, size_t size)
{
    int i, calls;

    for (i = 0; i < 20; i++) {
        SecBuffer b[4] = { { (ULONG)k->in_len, SECBUFFER_DATA, k->in },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
        SECURITY_STATUS st;
        ULONG qop = 7;

        if (k->in_len == 0)
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
        b[0].cbBuffer = (ULONG)k->in_len;
        st = DecryptMessage(&k->ctx, &d, 0, &qop);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            ck_assert_uint_eq(b[1].BufferType, SECBUFFER_MISSING);
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE)
            return st;
        ck_assert_uint_eq(b[0].BufferType, SECBUFFER_STREAM_HEADER);
        ck_assert_uint_eq(b[1].BufferType, SECBUFFER_DATA);
        ck_assert_uint_eq(b[2].BufferType, SECBUFFER_STREAM_TRAILER);
        ck_assert_uint_lt(b[1].cbBuffer, size);
        memcpy(out, b[1].pvBuffer, b[1].cbBuffer);
        out[b[1].cbBuffer] = '\0';
        if (b[3].BufferType == SECBUFFER_EXTRA) {
            memmove(k->in, b[3].pvBuffer, b[3].cbBuffer);
            k->in_len = b[3].cbBuffer;
        } else {
            k->in_len = 0;
        }
        if (st == SEC_I_RENEGOTIATE) {
            k->renegotiations++;
            if (k->ignore_renegotiate)
                k->silent++;
            else if (renegotiate(k, &calls) == 0)
                k->silent++;
        }
        if (b[1].cbBuffer > 0)
            return SEC_E_OK;
    }
    return SEC_E_INTERNAL_ERROR;
}

/*
 * Windows' shutdown: ApplyControlToken(SCHANNEL_SHUTDOWN), then the
 * side's own handshake call (no input) hands out the close_notify alert,
 * which is sent. Returns the content type of its record.
 */
static unsigned char
send_close_notify(struct conn *k, bool server)
{
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer cb = { sizeof(type), SECBUFFER_TOKEN, &type };
    SecBufferDesc cd = { SECBUFFER_VERSION, 1, &cb };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    unsigned char content;
    ULONG attrs;
    TimeStamp ts;

    assert_sec(ApplyControlToken(&k->ctx, &cd), SEC_E_OK);
    if (server)
        assert_sec(AcceptSecurityContext(NULL, &k->ctx, NULL,
                                         ASC_REQ_ALLOCATE_MEMORY
                                             | ASC_REQ_STREAM,
                                         0, &k->ctx, &od, &attrs, &ts),
                   SEC_E_OK);
    else
        assert_sec(InitializeSecurityContextA(NULL, &k->ctx,
                                              (SEC_CHAR *)"localhost",
                                              ISC_REQ_ALLOCATE_MEMORY
                                                  | ISC_REQ_STREAM,
                                              0, 0, NULL, 0, &k->ctx, &od,
                                              &attrs, &ts), SEC_E_OK);
    ck_assert_uint_ge(ob.cbBuffer, 7);
    content = *(unsigned char *)ob.pvBuffer;
    send_all(k->sock, ob.pvBuffer, ob.cbBuffer);
    ck_assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    return content;
}

/* ------------------------------------------------------ s_client peers */

/* An `openssl s_client` this test started: its pid, its stdin and its
 * output (stdout and stderr), read as it comes. */
struct peer {
    pid_t pid;
    int in, out;
    bool eof;
    char log[32768];
    size_t len;
};

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * `openssl s_client -connect 127.0.0.1:PORT -CAfile DIR/trust.pem
 * -verify_return_error -verify_hostname localhost -servername localhost
 * -nocommands` and the options in args (NULL-terminated; "@DIR/" at the
 * start of one stands for the PKI directory). trust.pem holds only the
 * root: verification succeeds only when the server sends the
 * intermediate. The child is killed when this process ends
 * (PR_SET_PDEATHSIG), so that a failed test leaves nothing behind.
 */
static void
peer_start(struct peer *p, int port, const char *const *args)
{
    char addr[32], paths[8][700];
    const char *argv[32];
    int in[2], out[2], n = 0, np = 0;
    pid_t parent = getpid();

    memset(p, 0, sizeof(*p));
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    argv[n++] = "openssl";
    argv[n++] = "s_client";
    argv[n++] = "-connect";
    argv[n++] = addr;
    argv[n++] = "-CAfile";
    argv[n++] = trust;
    argv[n++] = "-verify_return_error";
    argv[n++] = "-verify_hostname";
    argv[n++] = "localhost";
    argv[n++] = "-servername";
    argv[n++] = "localhost";
    argv[n++] = "-nocommands";
    for (; *args != NULL; args++) {
        ck_assert_int_lt(n, 31);
        if (strncmp(*args, "@DIR/", 5) == 0) {
            ck_assert_int_lt(np, 8);
            snprintf(paths[np], sizeof(paths[np]), "%s/%s", pki, *args + 5);
            argv[n++] = paths[np++];
        } else {
            argv[n++] = *args;
        }
    }
    argv[n] = NULL;
    ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
    p->pid = fork();
    ck_assert_int_ge(p->pid, 0);
    if (p->pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(126);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->in = in[1];
    p->out = out[0];
}

/* Read what s_client printed, waiting at most ms for the first bytes. */
static void
peer_read(struct peer *p, int ms)
{
    struct pollfd pf = { p->out, POLLIN, 0 };
    ssize_t k;

    if (p->eof || poll(&pf, 1, ms) != 1)
        return;
    if (p->len + 1 >= sizeof(p->log)) {
        /* Keep the newer half. */
        memmove(p->log, p->log + sizeof(p->log) / 2,
                p->len - sizeof(p->log) / 2);
        p->len -= sizeof(p->log) / 2;
    }
    k = read(p->out, p->log + p->len, sizeof(p->log) - 1 - p->len);
    if (k <= 0)
        p->eof = true;
    else
        p->len += (size_t)k;
    p->log[p->len] = '\0';
}

/* Is text in s_client's output (within WAIT_SECS)? */
static bool
peer_wait_for(struct peer *p, const char *text)
{
    double end = now() + WAIT_SECS;

    for (;;) {
        if (memmem(p->log, p->len, text, strlen(text)) != NULL)
            return true;
        if (p->eof || now() > end)
            return false;
        peer_read(p, 100);
    }
}

#define assert_peer_says(p, text)                                         \
    ck_assert_msg(peer_wait_for((p), (text)),                             \
                  "s_client never printed \"%s\"; its output:\n%s",       \
                  (text), (p)->log)

static void
peer_type(struct peer *p, const char *line)
{
    ck_assert_int_eq(write(p->in, line, strlen(line)),
                     (ssize_t)strlen(line));
}

/*
 * The end of s_client: wait for it to exit (at most WAIT_SECS, its output
 * read all the while), else stop it by its pid. Returns its exit status,
 * or -1 when it had to be killed.
 */
static int
peer_finish(struct peer *p)
{
    double end = now() + WAIT_SECS;
    int status = 0, i;
    pid_t r;

    for (;;) {
        r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid || now() > end)
            break;
        peer_read(p, 50);
    }
    if (r != p->pid) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        status = -1;
    } else {
        status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    /* What it printed last: the pipe ends with it. */
    for (i = 0; i < 100 && !p->eof; i++)
        peer_read(p, 100);
    if (p->in >= 0)
        close(p->in);
    close(p->out);
    return status;
}

/*
 * The client ends the session: s_client's stdin is closed, it sends its
 * close_notify (DecryptMessage: SEC_I_CONTEXT_EXPIRED), the server ends
 * the TCP stream and s_client exits 0.
 */
static void
server_hangup(struct conn *k, struct peer *p)
{
    char line[256];

    close(p->in);
    p->in = -1;
    assert_sec(recv_data(k, line, sizeof(line)), SEC_I_CONTEXT_EXPIRED);
    ck_assert_int_eq(shutdown(k->sock, SHUT_WR), 0);
    ck_assert_int_eq(peer_finish(p), 0);
}

/*
 * A server test's start: the credential (certificate of DIR/P12.p12,
 * SECPKG_CRED_INBOUND), a listening socket, s_client with args started
 * against it, its connection accepted.
 */
static void
server_open(struct conn *k, struct peer *p, const char *p12,
            const char *const *args)
{
    int ls, port;

    memset(k, 0, sizeof(*k));
    assert_sec(acquire_with(SECPKG_CRED_INBOUND, 0, 0, p12, &k->cred),
               SEC_E_OK);
    ls = listen_loopback(&port);
    peer_start(p, port, args);
    k->sock = accept_one(ls);
    close(ls);
}
/* ------------------------------------------------------------- tests */

/*
 * A handshake and one line each way: TLS 1.3 by default; TLS 1.2 with
 * an AEAD suite and with a CBC one. Under TLS 1.3 the server's session
 * tickets are SEC_I_RENEGOTIATE, one each, as on Windows 11
 * (curl/curl#18983). The stream sizes are those of the
 * suite (TLS 1.3: 5 + 17; TLS 1.2 GCM: 13 + 16; CBC-SHA256: 21 + 48,
 * block 16) and CONNECTION_INFO names the protocol.
 */
START_TEST(handshake_and_data)
{
    static const struct {
        const char *server;
        DWORD prot;
        ULONG header, trailer, proto;
    } v[] = {
        { "LOCALHOST", 0, 5, 17, SP_PROT_TLS1_3_CLIENT },
        { "TLS12", 0, 13, 16, SP_PROT_TLS1_2_CLIENT },
        { "CBC", SP_PROT_TLS1_2_CLIENT, 21, 48, SP_PROT_TLS1_2_CLIENT },
    };
    SecPkgContext_StreamSizes sz;
    SecPkgContext_ConnectionInfo ci;
    struct conn k;
    char line[256];

    conn_open(&k, v[_i].server, v[_i].prot, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    ck_assert_uint_eq(sz.cbHeader, v[_i].header);
    ck_assert_uint_eq(sz.cbTrailer, v[_i].trailer);
    ck_assert_uint_eq(sz.cbMaximumMessage, 16384);
    ck_assert_uint_eq(sz.cBuffers, 4);
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_eq(ci.dwProtocol, v[_i].proto);
    ck_assert_uint_ge(ci.dwCipherStrength, 128);
    send_line(&k, "hello schannel\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "lennahcs olleh\n");
    /* s_server's two TLS 1.3 session tickets came before the line: each
     * was SEC_I_RENEGOTIATE, answered with nothing to send. */
    ck_assert_int_eq(k.renegotiations, v[_i].proto == SP_PROT_TLS1_3_CLIENT
                                           ? 2 : 0);
    ck_assert_int_eq(k.silent, k.renegotiations);
    conn_close(&k);
}
END_TEST

/*
 * A caller that takes SEC_I_RENEGOTIATE for a session ticket as a record
 * without data and never makes the handshake call loses nothing: there
 * was nothing to send, the next DecryptMessage and EncryptMessage work.
 */
START_TEST(tickets_unanswered)
{
    struct conn k;
    char line[256];

    conn_open(&k, "LOCALHOST", 0, 0);
    k.ignore_renegotiate = true;
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    send_line(&k, "one\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "eno\n");
    ck_assert_int_eq(k.renegotiations, 2);
    send_line(&k, "two\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "owt\n");
    ck_assert_int_eq(k.renegotiations, 2);
    conn_close(&k);
}
END_TEST

/*
 * The server's flight handed in one byte at a time: every call short of a
 * whole record is SEC_E_INCOMPLETE_MESSAGE with a SECBUFFER_MISSING count
 * and changes nothing, and the handshake then completes.
 */
START_TEST(byte_by_byte)
{
    struct conn k;
    char line[256];

    conn_open(&k, "LOCALHOST", 0, 0);
    assert_sec(client_handshake(&k, "localhost", true), SEC_E_OK);
    ck_assert_int_gt(k.incomplete, 100);
    send_line(&k, "abc\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "cba\n");
    conn_close(&k);
}
END_TEST

/*
 * A server certificate the client cannot accept fails the handshake with
 * Schannel's code for it ([alerts]: unknown_ca, certificate_expired;
 * Microsoft's InitializeSecurityContext (Schannel): a name that is not
 * the target's), the client having sent the alert; with
 * SCH_CRED_MANUAL_CRED_VALIDATION the caller judges it itself and the
 * handshake completes, and SCH_CRED_NO_SERVERNAME_CHECK skips the name.
 */
START_TEST(server_certificates)
{
    static const struct {
        const char *server, *target;
        DWORD flags;
        SECURITY_STATUS want;
    } v[] = {
        { "UNTRUSTED", "localhost", 0, SEC_E_UNTRUSTED_ROOT },
        { "EXPIRED", "localhost", 0, SEC_E_CERT_EXPIRED },
        { "WRONGHOST", "localhost", 0, SEC_E_WRONG_PRINCIPAL },
        { "LOCALHOST", "other.example", 0, SEC_E_WRONG_PRINCIPAL },
        { "WRONGUSAGE", "localhost", 0, SEC_E_CERT_WRONG_USAGE },
        { "UNTRUSTED", "localhost", SCH_CRED_MANUAL_CRED_VALIDATION,
          SEC_E_OK },
        { "WRONGHOST", "localhost", SCH_CRED_NO_SERVERNAME_CHECK, SEC_E_OK },
        { "LOCALHOST", "127.0.0.1", 0, SEC_E_OK },
    };
    struct conn k;

    conn_open(&k, v[_i].server, 0, v[_i].flags);
    assert_sec(client_handshake(&k, v[_i].target, false), v[_i].want);
    if (v[_i].want != SEC_E_OK)
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "certificate"));
    conn_close(&k);
}
END_TEST

/*
 * s_server presenting a certificate its CA revoked (crl.pem), the client
 * trusting the root with the CRLs beside it (trust-crl.pem as
 * SSL_CERT_FILE): with SCH_CRED_REVOCATION_CHECK_CHAIN or _END_CERT the
 * handshake fails with CRYPT_E_REVOKED, the chain engine's code Windows
 * returns (docs/schannel.md, Revocation); without a revocation flag
 * Windows does not look, and neither does this client.
 */
START_TEST(server_certificate_revoked)
{
    static const struct {
        DWORD flags;
        SECURITY_STATUS want;
    } v[] = {
        { SCH_CRED_REVOCATION_CHECK_CHAIN, CRYPT_E_REVOKED },
        { SCH_CRED_REVOCATION_CHECK_END_CERT, CRYPT_E_REVOKED },
        { 0, SEC_E_OK },
    };
    char path[600];
    struct conn k;

    snprintf(path, sizeof(path), "%s/trust-crl.pem", pki);
    ck_assert_int_eq(setenv("SSL_CERT_FILE", path, 1), 0);
    conn_open(&k, "REVOKED", 0, v[_i].flags);
    ck_assert_int_eq(setenv("SSL_CERT_FILE", trust, 1), 0);
    assert_sec(client_handshake(&k, "localhost", false), v[_i].want);
    if (v[_i].want != SEC_E_OK)
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "revoked"));
    conn_close(&k);
}
END_TEST

/*
 * Records the stream protocol hands back: a record cut short is
 * SEC_E_INCOMPLETE_MESSAGE with the missing count and nothing taken; two
 * records in one buffer open one at a time, the second as
 * SECBUFFER_EXTRA; a record changed in transit is SEC_E_MESSAGE_ALTERED
 * (bad_record_mac, [alerts]).
 */
START_TEST(records)
{
    struct conn k;
    char line[256];
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    size_t have;

    conn_open(&k, "LOCALHOST", 0, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    /* Two lines: the answers may arrive as one buffer of two records. */
    send_line(&k, "one\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "eno\n");
    send_line(&k, "two\n");
    /* Read the next record whole, then hand in all but its last byte. */
    while (k.in_len < 5)
        recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
    have = 5 + ((size_t)k.in[3] << 8 | k.in[4]);
    while (k.in_len < have)
        recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
    b[0] = (SecBuffer){ (ULONG)(have - 1), SECBUFFER_DATA, k.in };
    b[1] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    b[2] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    assert_sec(DecryptMessage(&k.ctx, &d, 0, NULL),
               SEC_E_INCOMPLETE_MESSAGE);
    /* As on Windows, the data buffer and the first empty one say MISSING
     * (Wine's schannel tests, recorded on Windows). */
    ck_assert_uint_eq(b[0].BufferType, SECBUFFER_MISSING);
    ck_assert_uint_eq(b[0].cbBuffer, 1);
    ck_assert_uint_eq(b[1].BufferType, SECBUFFER_MISSING);
    ck_assert_uint_eq(b[1].cbBuffer, 1);
    /* Nothing was taken: the whole record opens now. */
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "owt\n");
    /* A changed byte in the next record's protected part. */
    send_line(&k, "three\n");
    while (k.in_len < 5)
        recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
    have = 5 + ((size_t)k.in[3] << 8 | k.in[4]);
    while (k.in_len < have)
        recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
    k.in[have - 1] ^= 0x01;
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_MESSAGE_ALTERED);
    conn_close(&k);
}
END_TEST

/*
 * Shutdown as Windows does it: ApplyControlToken(SCHANNEL_SHUTDOWN), then
 * InitializeSecurityContext hands out the close_notify alert to send.
 * The server's own close_notify then ends the session for
 * DecryptMessage: SEC_I_CONTEXT_EXPIRED.
 */
START_TEST(shutdown_sequence)
{
    struct conn k;
    char line[256];

    conn_open(&k, "LOCALHOST", 0, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    send_line(&k, "bye\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    /* A TLS 1.3 alert travels as protected data (type 23). */
    ck_assert_uint_eq(send_close_notify(&k, false), 23);
    /* After shutdown nothing more is sent. */
    {
        unsigned char buf[64];
        SecBuffer b[4] = { { 5, SECBUFFER_STREAM_HEADER, buf },
                           { 1, SECBUFFER_DATA, buf + 5 },
                           { 32, SECBUFFER_STREAM_TRAILER, buf + 6 },
                           { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc d = { SECBUFFER_VERSION, 4, b };

        assert_sec(EncryptMessage(&k.ctx, 0, &d, 0), SEC_E_CONTEXT_EXPIRED);
    }
    /* And what still arrives ends the session for the reader. */
    {
        unsigned char buf[64] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00 };
        SecBuffer b[4] = { { 7, SECBUFFER_DATA, buf },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc d = { SECBUFFER_VERSION, 4, b };

        assert_sec(DecryptMessage(&k.ctx, &d, 0, NULL),
                   SEC_I_CONTEXT_EXPIRED);
    }
    conn_close(&k);
}
END_TEST

/* No TLS version in common: a client limited to TLS 1.3 against a TLS
 * 1.2 server, which answers with a protocol_version alert:
 * SEC_E_UNSUPPORTED_FUNCTION, Schannel's code for that alert ([alerts]). */
START_TEST(no_common_protocol)
{
    struct conn k;

    conn_open(&k, "TLS12", SP_PROT_TLS1_3_CLIENT, 0);
    assert_sec(client_handshake(&k, "localhost", false),
               SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "protocol version"));
    conn_close(&k);
}
END_TEST

/* Credentials: a structure version Windows does not know is
 * SEC_E_UNKNOWN_CREDENTIALS; a server credential without a certificate
 * is SEC_E_NO_CREDENTIALS. */
START_TEST(credentials)
{
    SCHANNEL_CRED sc;
    CredHandle c;
    TimeStamp ts;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = 3;
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A,
                                         SECPKG_CRED_OUTBOUND, NULL, &sc,
                                         NULL, NULL, &c, &ts),
               SEC_E_UNKNOWN_CREDENTIALS);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Schannel",
                                         SECPKG_CRED_INBOUND, NULL, &sc,
                                         NULL, NULL, &c, &ts),
               SEC_E_NO_CREDENTIALS);
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Schannel",
                                         SECPKG_CRED_OUTBOUND, NULL, NULL,
                                         NULL, NULL, &c, &ts), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------ client: new features */

/*
 * How many times marker is in a server's log (SSPIGSS_TLS_LOG_<NAME>);
 * last (when not NULL) gets the line of the newest one, from marker on.
 */
static int
log_count(const char *server, const char *marker, char *last, size_t size)
{
    char var[64], text[65536];
    const char *path, *p, *newest = NULL;
    size_t n;
    FILE *f;
    int count = 0;

    snprintf(var, sizeof(var), "SSPIGSS_TLS_LOG_%s", server);
    path = getenv(var);
    ck_assert_msg(path != NULL, "%s not set", var);
    f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    for (p = text; (p = strstr(p, marker)) != NULL; p++) {
        count++;
        newest = p;
    }
    if (last != NULL) {
        size_t len = newest != NULL ? strcspn(newest, "\n") : 0;

        if (len >= size)
            len = size - 1;
        memcpy(last, newest != NULL ? newest : "", len);
        last[len] = '\0';
    }
    return count;
}

/* s_server's log, with more than `before` lines with marker (waited for
 * at most WAIT_SECS), the newest of which has want in it. s_server -rev
 * logs "Peer certificate: <subject>" (or "No peer certificate") for each
 * connection that it accepts, and "peer did not return a certificate"
 * for one that -Verify makes it refuse. */
static void
assert_server_logged(const char *server, const char *marker, int before,
                     const char *want)
{
    double end = now() + WAIT_SECS;
    char last[512];

    while (log_count(server, marker, last, sizeof(last)) <= before) {
        ck_assert_msg(now() < end, "s_server %s logged no new \"%s\"",
                      server, marker);
        usleep(50000);
    }
    ck_assert_msg(strstr(last, want) != NULL,
                  "s_server %s: \"%s\", want \"%s\"", server, last, want);
}

#define PEER_CERT "eer certificate"     /* "Peer ...", "No peer ..." */
#define NO_CERT "peer did not return a certificate"

/*
 * ALPN from the client: the first InitializeSecurityContext gets an input
 * holding only a SECBUFFER_APPLICATION_PROTOCOLS buffer. Against
 * `s_server -alpn http/1.1`: offering h2 and http/1.1 gives http/1.1
 * (SECPKG_ATTR_APPLICATION_PROTOCOL, Success); offering only h2 makes
 * s_server refuse with no_application_protocol, which is
 * SEC_E_APPLICATION_PROTOCOL_MISMATCH ([alerts]); offering none, or a
 * server without ALPN, gives status None.
 */
START_TEST(client_alpn)
{
    static const char *const both[] = { "h2", "http/1.1", NULL };
    static const char *const h2[] = { "h2", NULL };
    static const struct {
        const char *server;
        const char *const *names;
        SECURITY_STATUS want;
        const char *chosen;
    } v[] = {
        { "ALPN", both, SEC_E_OK, "http/1.1" },
        { "ALPN", h2, SEC_E_APPLICATION_PROTOCOL_MISMATCH, NULL },
        { "ALPN", NULL, SEC_E_OK, "" },
        { "LOCALHOST", both, SEC_E_OK, "" },
    };
    unsigned char buf[256];
    SecBuffer ab;
    struct conn k;
    char line[256];

    conn_open(&k, v[_i].server, 0, 0);
    if (v[_i].names != NULL) {
        ab = alpn_buffer(buf, sizeof(buf), v[_i].names);
        k.alpn = &ab;
    }
    assert_sec(client_handshake(&k, "localhost", false), v[_i].want);
    if (v[_i].want == SEC_E_OK) {
        assert_alpn(&k.ctx, v[_i].chosen);
        send_line(&k, "alpn\n");
        assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
        ck_assert_str_eq(line, "npla\n");
    } else {
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                     "no application protocol"));
    }
    conn_close(&k);
}
END_TEST

/*
 * A server that requires a client certificate (s_server -Verify 1): the
 * credential's own (client.p12 in paCred) is sent when asked for, with
 * no SEC_I_INCOMPLETE_CREDENTIALS, and s_server names alice; the context
 * reports it as SECPKG_ATTR_LOCAL_CERT_CONTEXT. TLS 1.3; TLS 1.2 with
 * the tokens in the caller's buffer (no ISC_REQ_ALLOCATE_MEMORY).
 */
START_TEST(client_certificate)
{
    static const char *const server[] = { "VERIFY", "VERIFY12" };
    PCCERT_CONTEXT mine = NULL;
    struct conn k;
    char line[256];
    int before = log_count(server[_i], PEER_CERT, NULL, 0);

    memset(&k, 0, sizeof(k));
    assert_sec(acquire_with(SECPKG_CRED_OUTBOUND, 0, 0, "client", &k.cred),
               SEC_E_OK);
    k.caller_buffers = _i == 1;
    k.sock = dial(server[_i]);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    send_line(&k, "who am i\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "i ma ohw\n");
    assert_server_logged(server[_i], PEER_CERT, before, "CN = alice");
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_LOCAL_CERT_CONTEXT,
                                       &mine), SEC_E_OK);
    assert_cert_name(mine, "alice");
    conn_close(&k);
}
END_TEST

/*
 * A client certificate the server refuses, by the alert it sends: one
 * revoked in its CRL is certificate_revoked, CRYPT_E_REVOKED; one for
 * servers only (EKU serverAuth) is unsupported_certificate,
 * SEC_E_CERT_UNKNOWN; one from a CA it does not trust is unknown_ca,
 * SEC_E_UNTRUSTED_ROOT ([alerts] for all three). TLS 1.3: the alert
 * follows the client's Finished, so DecryptMessage reports it; TLS 1.2:
 * the next InitializeSecurityContext.
 */
START_TEST(client_certificate_refused)
{
    static const struct {
        const char *server, *p12, *alert;
        SECURITY_STATUS want;
    } v[] = {
        { "VERIFYCRL", "revoked-client", "revoked", CRYPT_E_REVOKED },
        { "VERIFYCRL12", "revoked-client", "revoked", CRYPT_E_REVOKED },
        { "VERIFYCRL", "localhost", "unsupported certificate",
          SEC_E_CERT_UNKNOWN },
        { "VERIFYCRL12", "localhost", "unsupported certificate",
          SEC_E_CERT_UNKNOWN },
        { "VERIFYCRL", "untrusted", "unknown CA", SEC_E_UNTRUSTED_ROOT },
    };
    struct conn k;
    char line[256];

    memset(&k, 0, sizeof(k));
    assert_sec(acquire_with(SECPKG_CRED_OUTBOUND, 0, 0, v[_i].p12, &k.cred),
               SEC_E_OK);
    k.sock = dial(v[_i].server);
    if (strcmp(v[_i].server, "VERIFYCRL") == 0) {
        assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
        assert_sec(recv_data(&k, line, sizeof(line)), v[_i].want);
    } else {
        assert_sec(client_handshake(&k, "localhost", false), v[_i].want);
    }
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "alert received"));
    ck_assert_msg(strstr(sspigss_last_error(), v[_i].alert) != NULL,
                  "%s", sspigss_last_error());
    conn_close(&k);
}
END_TEST

/*
 * The server asks for a certificate, the credential has none, and
 * ISC_REQ_USE_SUPPLIED_CREDS says not to look for one in the MY store:
 * SEC_I_INCOMPLETE_CREDENTIALS (Microsoft Learn, InitializeSecurityContext
 * (Schannel)). The caller goes on without one, calling again with the
 * same input (as curl does) or with only the bytes not taken; the client
 * sends an empty Certificate and the server, which requires one, ends
 * the handshake with its alert: certificate_required under TLS 1.3 (it
 * arrives after the client's Finished, so DecryptMessage reports it),
 * handshake_failure under TLS 1.2 (the next InitializeSecurityContext).
 * [alerts] names neither as a certificate problem: SEC_E_ILLEGAL_MESSAGE,
 * its code for handshake_failure and for any alert it does not list.
 */
START_TEST(client_certificate_declined)
{
    static const struct {
        const char *server;
        bool same_input, tls13;
    } v[] = {
        { "VERIFY", true, true },
        { "VERIFY", false, true },
        { "VERIFY12", true, false },
        { "VERIFY12", false, false },
    };
    struct conn k;
    char line[256];
    int before = log_count(v[_i].server, NO_CERT, NULL, 0);

    conn_open(&k, v[_i].server, 0, 0);
    k.req = ISC_REQ_USE_SUPPLIED_CREDS;
    assert_sec(client_handshake(&k, "localhost", false),
               SEC_I_INCOMPLETE_CREDENTIALS);
    ck_assert_uint_le(k.extra, k.in_len);
    if (!v[_i].same_input) {
        memmove(k.in, k.in + k.in_len - k.extra, k.extra);
        k.in_len = k.extra;
    }
    if (v[_i].tls13) {
        assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
        ck_assert_uint_eq(k.attrs & ISC_RET_USED_SUPPLIED_CREDS,
                          ISC_RET_USED_SUPPLIED_CREDS);
        assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_ILLEGAL_MESSAGE);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                     "certificate required"));
    } else {
        assert_sec(client_handshake(&k, "localhost", false),
                   SEC_E_ILLEGAL_MESSAGE);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                     "handshake failure"));
    }
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "alert received"));
    assert_server_logged(v[_i].server, NO_CERT, before, NO_CERT);
    conn_close(&k);
}
END_TEST

/*
 * A credential without a certificate and no ISC_REQ_USE_SUPPLIED_CREDS:
 * when the server asks, Schannel looks for one itself among the user's
 * ("MY"; here SSPIGSS_CERT_STORE_MY, a directory holding client.p12
 * without a password), one for client authentication from a CA the
 * server accepts (Microsoft Learn, Performing Authentication Using
 * Schannel), and sends it without SEC_I_INCOMPLETE_CREDENTIALS. The
 * server (VERIFYCA) names alice's issuer, the intermediate, as the CA it
 * accepts. SCH_CRED_NO_DEFAULT_CREDS turns the search off:
 * SEC_I_INCOMPLETE_CREDENTIALS.
 */
START_TEST(client_certificate_from_my)
{
    static const struct {
        const char *server;
        DWORD flags;
        SECURITY_STATUS want;
    } v[] = {
        { "VERIFYCA", 0, SEC_E_OK },
        { "VERIFYCA", SCH_CRED_NO_DEFAULT_CREDS,
          SEC_I_INCOMPLETE_CREDENTIALS },
        /* The server names the root only: alice's chain reaches it
         * through the intermediate in her PFX. */
        { "VERIFY", 0, SEC_E_OK },
    };
    const char *my = getenv("SSPIGSS_TLS_MY");
    struct conn k;
    char line[256];
    int before = log_count(v[_i].server, PEER_CERT, NULL, 0);

    ck_assert_ptr_nonnull(my);
    ck_assert_int_eq(setenv("SSPIGSS_CERT_STORE_MY", my, 1), 0);
    conn_open(&k, v[_i].server, 0, v[_i].flags);
    assert_sec(client_handshake(&k, "localhost", false), v[_i].want);
    if (v[_i].want == SEC_E_OK) {
        send_line(&k, "mine\n");
        assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
        ck_assert_str_eq(line, "enim\n");
        assert_server_logged(v[_i].server, PEER_CERT, before, "CN = alice");
    }
    conn_close(&k);
}
END_TEST

/*
 * After SEC_I_INCOMPLETE_CREDENTIALS the next call may bring another
 * credential, one with the certificate (Microsoft Learn,
 * InitializeSecurityContext (Schannel)): the handshake then completes
 * with it and s_server names alice. TLS 1.3 and TLS 1.2.
 */
START_TEST(client_certificate_late)
{
    static const char *const server[] = { "VERIFY", "VERIFY12" };
    CredHandle late;
    struct conn k;
    char line[256];
    int before = log_count(server[_i], PEER_CERT, NULL, 0);

    conn_open(&k, server[_i], 0, 0);
    k.req = ISC_REQ_USE_SUPPLIED_CREDS;
    assert_sec(client_handshake(&k, "localhost", false),
               SEC_I_INCOMPLETE_CREDENTIALS);
    assert_sec(acquire_with(SECPKG_CRED_OUTBOUND, 0, 0, "client", &late),
               SEC_E_OK);
    k.next_cred = &late;
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    /* TLS 1.3 session tickets are answered with the credential in use. */
    k.reneg_cred = &late;
    send_line(&k, "late\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "etal\n");
    assert_server_logged(server[_i], PEER_CERT, before, "CN = alice");
    /* The context holds the credential it uses now. */
    ck_assert_sec(FreeCredentialsHandle(&late), SEC_E_OK);
    k.reneg_cred = NULL;
    send_line(&k, "still\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "llits\n");
    conn_close(&k);
}
END_TEST

/*
 * Channel bindings (RFC 5929) for authentication inside the channel:
 * SECPKG_ATTR_ENDPOINT_BINDINGS is a SEC_CHANNEL_BINDINGS block whose
 * application data is "tls-server-end-point:" and the SHA-256 of the
 * server certificate's DER (computed here from localhost.pem);
 * SECPKG_ATTR_UNIQUE_BINDINGS is "tls-unique:" and the 12-byte first
 * Finished under TLS 1.2, SEC_E_UNSUPPORTED_FUNCTION under TLS 1.3 (RFC
 * 9266: not defined there). Both blocks are freed with
 * FreeContextBuffer.
 */
START_TEST(channel_bindings)
{
    static const char *const server[] = { "LOCALHOST", "TLS12" };
    static const char endpoint[] = "tls-server-end-point:";
    static const char unique[] = "tls-unique:";
    unsigned char hash[32];
    SecPkgContext_Bindings b;
    const unsigned char *data;
    struct conn k;

    cert_sha256("localhost", hash);
    conn_open(&k, server[_i], 0, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);

    memset(&b, 0, sizeof(b));
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_ENDPOINT_BINDINGS,
                                       &b), SEC_E_OK);
    ck_assert_ptr_nonnull(b.Bindings);
    ck_assert_uint_eq(b.Bindings->cbApplicationDataLength,
                      strlen(endpoint) + sizeof(hash));
    ck_assert_uint_ge(b.Bindings->dwApplicationDataOffset,
                      sizeof(SEC_CHANNEL_BINDINGS));
    ck_assert_uint_eq(b.BindingsLength,
                      b.Bindings->dwApplicationDataOffset
                          + b.Bindings->cbApplicationDataLength);
    ck_assert_uint_eq(b.Bindings->cbInitiatorLength, 0);
    ck_assert_uint_eq(b.Bindings->cbAcceptorLength, 0);
    data = (const unsigned char *)b.Bindings
           + b.Bindings->dwApplicationDataOffset;
    ck_assert(memcmp(data, endpoint, strlen(endpoint)) == 0);
    ck_assert(memcmp(data + strlen(endpoint), hash, sizeof(hash)) == 0);
    ck_assert_sec(FreeContextBuffer(b.Bindings), SEC_E_OK);

    memset(&b, 0, sizeof(b));
    if (_i == 0) {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_UNIQUE_BINDINGS, &b),
                   SEC_E_UNSUPPORTED_FUNCTION);
        ck_assert_ptr_null(b.Bindings);
    } else {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_UNIQUE_BINDINGS, &b),
                   SEC_E_OK);
        ck_assert_ptr_nonnull(b.Bindings);
        ck_assert_uint_eq(b.Bindings->cbApplicationDataLength,
                          strlen(unique) + 12);
        ck_assert_uint_eq(b.BindingsLength,
                          b.Bindings->dwApplicationDataOffset
                              + b.Bindings->cbApplicationDataLength);
        data = (const unsigned char *)b.Bindings
               + b.Bindings->dwApplicationDataOffset;
        ck_assert(memcmp(data, unique, strlen(unique)) == 0);
        ck_assert_sec(FreeContextBuffer(b.Bindings), SEC_E_OK);
    }
    conn_close(&k);
}
END_TEST

/*
 * A peer that does not speak TLS: an HTTP server answering the
 * ClientHello with "400 Bad Request", an HTTP client sending a request
 * to the TLS server. Either side: SEC_E_INVALID_TOKEN, Windows' code for
 * bytes that are not a TLS record (curl reports it so against plain-text
 * servers); the server makes no context.
 */
START_TEST(not_tls)
{
    static const char reply[] = "HTTP/1.1 400 Bad Request\r\n"
                                "Content-Length: 0\r\n"
                                "Connection: close\r\n\r\n";
    static const char request[] = "GET / HTTP/1.1\r\n"
                                  "Host: localhost\r\n\r\n";
    unsigned char hello[512];
    size_t got = 0;
    struct conn k;
    int ls, port, other;

    memset(&k, 0, sizeof(k));
    ls = listen_loopback(&port);
    if (_i == 0) {
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        ULONG attrs;
        TimeStamp ts;

        assert_sec(acquire(0, 0, &k.cred), SEC_E_OK);
        k.sock = dial_port(port);
        other = accept_one(ls);
        assert_sec(InitializeSecurityContextA(
                       &k.cred, NULL, (SEC_CHAR *)"localhost",
                       ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, NULL,
                       0, &k.ctx, &od, &attrs, &ts), SEC_I_CONTINUE_NEEDED);
        k.have_ctx = true;
        send_all(k.sock, ob.pvBuffer, ob.cbBuffer);
        ck_assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
        /* The ClientHello arrives (a handshake record, type 1), and the
         * HTTP server answers it. */
        while (got < 6)
            recv_more(other, hello, sizeof(hello), &got);
        ck_assert_uint_eq(hello[0], 22);
        ck_assert_uint_eq(hello[5], 1);
        send_all(other, reply, strlen(reply));
        recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
        assert_sec(client_handshake(&k, "localhost", false),
                   SEC_E_INVALID_TOKEN);
    } else {
        assert_sec(acquire_with(SECPKG_CRED_INBOUND, 0, 0, "localhost",
                                &k.cred), SEC_E_OK);
        other = dial_port(port);
        k.sock = accept_one(ls);
        send_all(other, request, strlen(request));
        assert_sec(server_handshake(&k, false), SEC_E_INVALID_TOKEN);
        ck_assert(!k.have_ctx);
        ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    }
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "not a TLS record"));
    close(other);
    close(ls);
    conn_close(&k);
}
END_TEST

/* ------------------------------------------------ server vs s_client */

/*
 * The server side against s_client: the handshake; the certificate chain
 * from the PFX (s_client trusts only the root and runs with
 * -verify_return_error, so the intermediate must come from the PFX's
 * store); the context's attributes; a line typed into s_client arrives
 * through DecryptMessage and the answer from EncryptMessage shows on its
 * stdout; then the server's close_notify (ApplyControlToken, then
 * AcceptSecurityContext hands it out), after which s_client says
 * "closed" and exits 0, and what it sends back ends the session for
 * DecryptMessage. TLS 1.3; TLS 1.2 (ECDHE); TLS 1.2 with RSA key
 * exchange (AES128-GCM-SHA256, an RSA certificate) and the tokens in the
 * caller's buffer; TLS 1.3 with the client's bytes handed in one at a
 * time (no context is made until the ClientHello is whole).
 */
START_TEST(server_handshake_and_data)
{
    static const char *const tls13[] = { NULL };
    static const char *const tls12[] = { "-tls1_2", NULL };
    static const char *const rsa[] = { "-tls1_2", "-cipher",
                                       "AES128-GCM-SHA256", NULL };
    static const struct {
        const char *p12;
        const char *const *args;
        bool trickle, caller_buffers;
        DWORD proto;
        ALG_ID exch, cipher;
        ULONG header, trailer;
        unsigned char close_type;   /* of the close_notify record */
    } v[] = {
        { "localhost", tls13, false, false, SP_PROT_TLS1_3_SERVER,
          CALG_ECDH_EPHEM, CALG_AES_256, 5, 17, 23 },
        { "localhost", tls12, false, false, SP_PROT_TLS1_2_SERVER,
          CALG_ECDH_EPHEM, CALG_AES_256, 13, 16, 21 },
        { "rsa-localhost", rsa, false, true, SP_PROT_TLS1_2_SERVER,
          CALG_RSA_KEYX, CALG_AES_128, 13, 16, 21 },
        { "localhost", tls13, true, true, SP_PROT_TLS1_3_SERVER,
          CALG_ECDH_EPHEM, CALG_AES_256, 5, 17, 23 },
    };
    const ULONG want_attrs = ASC_RET_STREAM | ASC_RET_CONFIDENTIALITY
                             | ASC_RET_SEQUENCE_DETECT
                             | ASC_RET_REPLAY_DETECT;
    SecPkgContext_ConnectionInfo ci;
    SecPkgContext_StreamSizes sz;
    SecPkgContext_Bindings b;
    PCCERT_CONTEXT cert = NULL;
    unsigned char hash[32];
    struct conn k;
    struct peer p;
    char line[256];

    cert_sha256(v[_i].p12, hash);
    server_open(&k, &p, v[_i].p12, v[_i].args);
    k.caller_buffers = v[_i].caller_buffers;
    assert_sec(server_handshake(&k, v[_i].trickle), SEC_E_OK);
    if (v[_i].trickle)
        ck_assert_int_gt(k.incomplete, 100);
    ck_assert_uint_eq(k.attrs & want_attrs, want_attrs);
    ck_assert_uint_eq(k.attrs & ASC_RET_MUTUAL_AUTH, 0);
    assert_peer_says(&p, "Verify return code: 0 (ok)");

    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_eq(ci.dwProtocol, v[_i].proto);
    ck_assert_uint_eq(ci.aiExch, v[_i].exch);
    ck_assert_uint_eq(ci.aiCipher, v[_i].cipher);
    ck_assert_uint_eq(ci.dwCipherStrength,
                      v[_i].cipher == CALG_AES_256 ? 256 : 128);
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    ck_assert_uint_eq(sz.cbHeader, v[_i].header);
    ck_assert_uint_eq(sz.cbTrailer, v[_i].trailer);
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_LOCAL_CERT_CONTEXT,
                                       &cert), SEC_E_OK);
    assert_cert_name(cert, "localhost");
    assert_sec(QueryContextAttributesA(&k.ctx,
                                       SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                       &cert), SEC_E_NO_CREDENTIALS);
    /* The server's tls-server-end-point is its own certificate's. */
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_ENDPOINT_BINDINGS,
                                       &b), SEC_E_OK);
    ck_assert_uint_eq(b.Bindings->cbApplicationDataLength, 21 + 32);
    ck_assert(memcmp((unsigned char *)b.Bindings
                         + b.Bindings->dwApplicationDataOffset + 21,
                     hash, 32) == 0);
    ck_assert_sec(FreeContextBuffer(b.Bindings), SEC_E_OK);
    /* tls-unique: the first Finished (the client's), TLS 1.2 only. */
    memset(&b, 0, sizeof(b));
    if (v[_i].proto == SP_PROT_TLS1_2_SERVER) {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_UNIQUE_BINDINGS, &b),
                   SEC_E_OK);
        ck_assert_uint_eq(b.Bindings->cbApplicationDataLength, 11 + 12);
        ck_assert_sec(FreeContextBuffer(b.Bindings), SEC_E_OK);
    } else {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_UNIQUE_BINDINGS, &b),
                   SEC_E_UNSUPPORTED_FUNCTION);
    }

    peer_type(&p, "hello from s_client\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "hello from s_client\n");
    send_line(&k, "hello from sspigss\n");
    assert_peer_says(&p, "hello from sspigss\n");

    ck_assert_uint_eq(send_close_notify(&k, true), v[_i].close_type);
    /* s_client answers with its own close_notify, then waits for the end
     * of the TCP stream (up to half a second) before it exits. */
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_I_CONTEXT_EXPIRED);
    ck_assert_int_eq(shutdown(k.sock, SHUT_WR), 0);
    ck_assert_int_eq(peer_finish(&p), 0);
    assert_peer_says(&p, "closed\n");
    conn_close(&k);
}
END_TEST

/* Whole records of content type `type` at the start of buf. */
static int
count_records(const unsigned char *buf, size_t len, unsigned char type)
{
    size_t off = 0;
    int n = 0;

    while (len - off >= 5) {
        size_t rec = 5 + ((size_t)buf[off + 3] << 8 | buf[off + 4]);

        if (len - off < rec)
            break;
        n += buf[off] == type;
        off += rec;
    }
    return n;
}

/*
 * The client's last flight and its first data in one input: TLS 1.3
 * lets the client send data right after its Finished, so a line typed
 * into s_client before the server's last step follows the Finished (two
 * protected records, type 23). The AcceptSecurityContext that completes
 * the handshake takes the Finished and returns the data record as
 * SECBUFFER_EXTRA, which DecryptMessage then opens.
 */
START_TEST(server_extra)
{
    static const char *const tls13[] = { NULL };
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    struct conn k;
    struct peer p;
    char line[256];
    double end;
    int i;

    server_open(&k, &p, "localhost", tls13);
    feed(&k, false);
    for (i = 0; i < 10; i++) {
        SecBuffer ib[2] = { { (ULONG)k.in_len, SECBUFFER_TOKEN, k.in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        TimeStamp ts;

        st = AcceptSecurityContext(k.have_ctx ? NULL : &k.cred,
                                   k.have_ctx ? &k.ctx : NULL, &id,
                                   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM,
                                   0, &k.ctx, &od, &k.attrs, &ts);
        send_token(&k, &ob, SEC_SUCCESS(st));
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            feed(&k, false);
            continue;
        }
        if (!k.have_ctx) {
            /* The ClientHello: the server's flight is out. Type the line,
             * then wait for the Finished and the data behind it. */
            assert_sec(st, SEC_I_CONTINUE_NEEDED);
            k.have_ctx = true;
            keep_extra(&k, &ib[1]);
            peer_type(&p, "early\n");
            end = now() + WAIT_SECS;
            while (count_records(k.in, k.in_len, 23) < 2) {
                ck_assert_msg(now() < end, "no Finished and data");
                recv_more(k.sock, k.in, sizeof(k.in), &k.in_len);
            }
            continue;
        }
        assert_sec(st, SEC_E_OK);
        ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_EXTRA);
        ck_assert_uint_gt(ib[1].cbBuffer, 0);
        ck_assert_uint_lt(ib[1].cbBuffer, k.in_len);
        /* The tail is one whole data record. */
        ck_assert_uint_eq(k.in[k.in_len - ib[1].cbBuffer], 23);
        keep_extra(&k, &ib[1]);
        break;
    }
    assert_sec(st, SEC_E_OK);
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "early\n");
    server_hangup(&k, &p);
    conn_close(&k);
}
END_TEST

/*
 * ASC_REQ_MUTUAL_AUTH asks the client for a certificate (naming no CA)
 * and the result says ASC_RET_MUTUAL_AUTH. s_client sends alice's:
 * SECPKG_ATTR_REMOTE_CERT_CONTEXT gives it (a context released with
 * CertFreeCertificateContext). s_client has none: the handshake completes
 * all the same -- Schannel neither requires nor validates a client
 * certificate, the application checks it (Microsoft Learn, Performing
 * Authentication Using Schannel) -- and the attribute is
 * SEC_E_NO_CREDENTIALS. Without ASC_REQ_MUTUAL_AUTH none is asked for,
 * so none arrives even from an s_client that has one.
 */
START_TEST(server_client_certificate)
{
    static const char *const cert13[] = { "-cert", "@DIR/client.pem",
                                          "-key", "@DIR/client.key", NULL };
    static const char *const cert12[] = { "-cert", "@DIR/client.pem",
                                          "-key", "@DIR/client.key",
                                          "-tls1_2", NULL };
    static const char *const none13[] = { NULL };
    static const char *const none12[] = { "-tls1_2", NULL };
    static const struct {
        const char *const *args;
        ULONG req;
        const char *name;           /* the certificate that arrives */
    } v[] = {
        { cert13, ASC_REQ_MUTUAL_AUTH, "alice" },
        { none13, ASC_REQ_MUTUAL_AUTH, NULL },
        { cert12, ASC_REQ_MUTUAL_AUTH, "alice" },
        { none12, ASC_REQ_MUTUAL_AUTH, NULL },
        { cert13, 0, NULL },
    };
    PCCERT_CONTEXT cert = NULL;
    struct conn k;
    struct peer p;
    char line[256];

    server_open(&k, &p, "localhost", v[_i].args);
    k.req = v[_i].req;
    assert_sec(server_handshake(&k, false), SEC_E_OK);
    ck_assert_uint_eq(k.attrs & ASC_RET_MUTUAL_AUTH,
                      v[_i].req ? ASC_RET_MUTUAL_AUTH : 0);
    /* The request names no CA: any certificate will do. */
    if (v[_i].req)
        assert_peer_says(&p, "No client certificate CA names sent");
    if (v[_i].name != NULL) {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                           &cert), SEC_E_OK);
        assert_cert_name(cert, v[_i].name);
    } else {
        assert_sec(QueryContextAttributesA(&k.ctx,
                                           SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                           &cert), SEC_E_NO_CREDENTIALS);
    }
    peer_type(&p, "ping\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "ping\n");
    send_line(&k, "pong\n");
    assert_peer_says(&p, "pong\n");
    server_hangup(&k, &p);
    conn_close(&k);
}
END_TEST

/*
 * ALPN on the server: the first AcceptSecurityContext input has a third
 * buffer, SECBUFFER_APPLICATION_PROTOCOLS, with the server's list. The
 * server takes its own first protocol the client offers (server
 * preference, RFC 7301 3.2): s_client -alpn h2,http/1.1 against
 * "http/1.1" gives http/1.1 (SECPKG_ATTR_APPLICATION_PROTOCOL Success,
 * s_client "ALPN protocol: http/1.1"), http/1.1,h2 against h2,http/1.1
 * gives h2. No protocol in common, none offered, or no list on the
 * server: the handshake completes without ALPN (status None, "No ALPN
 * negotiated"; for the first, RFC 7301 3.2 would also allow the
 * server a no_application_protocol alert: this library sends none).
 */
START_TEST(server_alpn)
{
    static const char *const h2_http[] = { "-alpn", "h2,http/1.1", NULL };
    static const char *const http_h2[] = { "-alpn", "http/1.1,h2", NULL };
    static const char *const h2[] = { "-alpn", "h2", NULL };
    static const char *const none[] = { NULL };
    static const char *const http11[] = { "http/1.1", NULL };
    static const char *const both[] = { "h2", "http/1.1", NULL };
    static const struct {
        const char *const *args;
        const char *const *server;
        const char *chosen, *says;
    } v[] = {
        { h2_http, http11, "http/1.1", "ALPN protocol: http/1.1" },
        { http_h2, both, "h2", "ALPN protocol: h2" },
        { h2, http11, "", "No ALPN negotiated" },
        { none, http11, "", "No ALPN negotiated" },
        { h2_http, NULL, "", "No ALPN negotiated" },
    };
    unsigned char buf[256];
    SecBuffer ab;
    struct conn k;
    struct peer p;

    server_open(&k, &p, "localhost", v[_i].args);
    if (v[_i].server != NULL) {
        ab = alpn_buffer(buf, sizeof(buf), v[_i].server);
        k.alpn = &ab;
    }
    assert_sec(server_handshake(&k, false), SEC_E_OK);
    assert_alpn(&k.ctx, v[_i].chosen);
    assert_peer_says(&p, v[_i].says);
    server_hangup(&k, &p);
    conn_close(&k);
}
END_TEST

/* ------------------------------------------- renegotiation, KeyUpdate */

/* One line to an --interactive s_server's stdin: a command letter or
 * data for the client. */
static void
server_command(const char *name, const char *line)
{
    const char *dir = getenv("SSPIGSS_TLS_DIR");
    char path[600];
    FILE *f;

    ck_assert_ptr_nonnull(dir);
    snprintf(path, sizeof(path), "%s/%s.in", dir, name);
    f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_int_ge(fprintf(f, "%s\n", line), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/*
 * Windows' answer to SEC_I_RENEGOTIATE (Microsoft Learn, Recognizing a
 * Request to Renegotiate a Connection): the handshake call with the
 * SECBUFFER_EXTRA bytes (k->in) as its token, its output sent, until
 * SEC_E_OK. *calls counts the calls. Returns the bytes sent: none after
 * a TLS 1.3 session ticket.
 */
static size_t
renegotiate(struct conn *k, int *calls)
{
    SECURITY_STATUS st;
    size_t sent = 0;
    int i;

    *calls = 0;
    for (i = 0; i < 20; i++) {
        SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        ULONG attrs;

        st = InitializeSecurityContextA(
            k->reneg_cred != NULL ? k->reneg_cred : &k->cred, &k->ctx,
            (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, &id, 0, NULL,
            &od, &attrs, NULL);
        (*calls)++;
        if (ob.pvBuffer != NULL) {
            if (ob.cbBuffer > 0)
                send_all(k->sock, ob.pvBuffer, ob.cbBuffer);
            sent += ob.cbBuffer;
            assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
            continue;
        }
        ck_assert_msg(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED,
                      "InitializeSecurityContext: %s: %s",
                      sspigss_status_name(st), sspigss_last_error());
        keep_extra(k, &ib[1]);
        if (st == SEC_E_OK)
            return sent;
        if (k->in_len == 0)
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
    }
    ck_abort_msg("the renegotiation did not end");
    return sent;
}

/*
 * DecryptMessage until a SEC_I_RENEGOTIATE whose answer sends something:
 * the session tickets of TLS 1.3 come first and are answered with
 * nothing. Returns how many handshake calls the last answer took.
 */
static int
follow_renegotiation(struct conn *k)
{
    SECURITY_STATUS st;
    int i, calls = 0;

    for (i = 0; i < 40; i++) {
        SecBuffer b[4] = { { (ULONG)k->in_len, SECBUFFER_DATA, k->in },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL },
                           { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc d = { SECBUFFER_VERSION, 4, b };

        if (k->in_len == 0)
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
        b[0].cbBuffer = (ULONG)k->in_len;
        st = DecryptMessage(&k->ctx, &d, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
            continue;
        }
        ck_assert_msg(st == SEC_E_OK || st == SEC_I_RENEGOTIATE,
                      "DecryptMessage: %s", sspigss_status_name(st));
        ck_assert_uint_eq(b[1].cbBuffer, 0);    /* no data was sent */
        if (b[3].BufferType == SECBUFFER_EXTRA) {
            memmove(k->in, b[3].pvBuffer, b[3].cbBuffer);
            k->in_len = b[3].cbBuffer;
        } else {
            k->in_len = 0;
        }
        if (st == SEC_I_RENEGOTIATE && k->probe_encrypt) {
            unsigned char rec[64];
            SecBuffer e[4] = { { 5, SECBUFFER_STREAM_HEADER, rec },
                               { 1, SECBUFFER_DATA, rec + 5 },
                               { 32, SECBUFFER_STREAM_TRAILER, rec + 6 },
                               { 0, SECBUFFER_EMPTY, NULL } };
            SecBufferDesc ed = { SECBUFFER_VERSION, 4, e };

            rec[5] = 'x';
            assert_sec(EncryptMessage(&k->ctx, 0, &ed, 0),
                       SEC_E_CONTEXT_EXPIRED);
            k->probe_encrypt = false;
            k->probed = true;
        }
        if (st == SEC_I_RENEGOTIATE && renegotiate(k, &calls) > 0)
            return calls;
    }
    ck_abort_msg("no renegotiation came");
    return calls;
}

/*
 * The server asks for new keys (TLS 1.3 KeyUpdate with update_requested,
 * s_server's K) or for a new handshake (TLS 1.2 HelloRequest, r):
 * DecryptMessage returns SEC_I_RENEGOTIATE, and the client's next
 * InitializeSecurityContext calls send what OpenSSL has to answer (its
 * KeyUpdate; a whole new handshake). The session goes on both ways after
 * it, and EncryptMessage before that call is refused without harm with
 * SEC_E_CONTEXT_EXPIRED, Windows' answer there (curl commit cd015c8,
 * curl#18029: calls made before the renegotiation completed got it).
 */
START_TEST(renegotiation)
{
    static const char *const fifo[] = { "localhost@cmd13",
                                        "localhost@cmd12" };
    static const char *const name[] = { "CMD13", "CMD12" };
    static const char *const cmd[] = { "K", "r" };
    struct conn k;
    char line[256];
    int before;

    conn_open(&k, name[_i], 0, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    /* The session tickets (TLS 1.3) and a first line go by first. */
    server_command(fifo[_i], "before");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "before\n");
    server_command(fifo[_i], cmd[_i]);
    /* The next SEC_I_RENEGOTIATE is the server's request: EncryptMessage
     * before its handshake call is refused, nothing made or sent. */
    k.probe_encrypt = true;
    ck_assert_int_ge(follow_renegotiation(&k), 1);
    ck_assert(k.probed);
    /* After it, data both ways under the new keys. */
    before = log_count(name[_i], "after renegotiation", NULL, 0);
    send_line(&k, "after renegotiation\n");
    assert_server_logged(name[_i], "after renegotiation", before,
                         "after renegotiation");
    server_command(fifo[_i], "from the server");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "from the server\n");
    conn_close(&k);
}
END_TEST

static Suite *
schannel_suite(void)
{
    Suite *s = suite_create("schannel");
    TCase *tc = tcase_create("client");
    TCase *ts = tcase_create("server");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, handshake_and_data, 0, 3);
    tcase_add_test(tc, tickets_unanswered);
    tcase_add_test(tc, byte_by_byte);
    tcase_add_loop_test(tc, server_certificates, 0, 8);
    tcase_add_loop_test(tc, server_certificate_revoked, 0, 3);
    tcase_add_test(tc, records);
    tcase_add_test(tc, shutdown_sequence);
    tcase_add_test(tc, no_common_protocol);
    tcase_add_test(tc, credentials);
    tcase_add_loop_test(tc, client_alpn, 0, 4);
    tcase_add_loop_test(tc, client_certificate, 0, 2);
    tcase_add_loop_test(tc, client_certificate_declined, 0, 4);
    tcase_add_loop_test(tc, client_certificate_refused, 0, 5);
    tcase_add_loop_test(tc, client_certificate_from_my, 0, 3);
    tcase_add_loop_test(tc, client_certificate_late, 0, 2);
    tcase_add_loop_test(tc, channel_bindings, 0, 2);
    tcase_add_loop_test(tc, not_tls, 0, 2);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(ts, setup, teardown);
    tcase_set_timeout(ts, 30);
    tcase_add_loop_test(ts, server_handshake_and_data, 0, 4);
    tcase_add_test(ts, server_extra);
    tcase_add_loop_test(ts, server_client_certificate, 0, 5);
    tcase_add_loop_test(ts, server_alpn, 0, 5);
    tcase_add_loop_test(ts, renegotiation, 0, 2);
    suite_add_tcase(s, ts);
    return s;
}

int
main(void)
{
    const char *dir = getenv("SSPIGSS_TLS_DIR");

    if (dir == NULL) {
        fprintf(stderr, "check_schannel: run it through "
                "tests/check_schannel.sh\n");
        return 99;
    }
    snprintf(pki, sizeof(pki), "%s", dir);
    snprintf(trust, sizeof(trust), "%s/trust.pem", dir);
    /* A peer that has gone makes writes fail, not end the process. */
    signal(SIGPIPE, SIG_IGN);
    return run_suite(schannel_suite());
}
