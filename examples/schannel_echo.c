/*
 * schannel_echo.c - a Windows-style Schannel (TLS) client and server: the
 * client sends lines, the server answers each one in capitals.
 *
 * The same source builds on Windows (MSVC or mingw; secur32, crypt32 and
 * ws2_32) and on Linux against sspigss:
 *
 *     cc -o schannel_echo schannel_echo.c \
 *         $(pkg-config --cflags --libs sspigss)
 *
 *     schannel_echo client [OPTIONS] HOST PORT [LINE...]
 *         sends each LINE (else each line of its standard input) and
 *         prints the answer; any TLS server that answers line by line
 *         will do (`openssl s_server -rev` answers them reversed)
 *     schannel_echo server [OPTIONS] PFX [PORT]
 *         serves one client on 127.0.0.1:PORT (by default any free port,
 *         which it prints) with the certificate and key of the PKCS #12
 *         file PFX
 *
 *     --password PW   the password of a PFX (default: none)
 *     --pfx FILE      client: a certificate and key to present (PKCS #12)
 *     --target NAME   client: the name the server's certificate must
 *                     carry (pszTargetName; default HOST)
 *     --manual        client: SCH_CRED_MANUAL_CRED_VALIDATION, Schannel
 *                     leaves the server's certificate unchecked
 *     --ask-cert      server: ASC_REQ_MUTUAL_AUTH, ask the client for a
 *                     certificate (Schannel does not validate it)
 *     --tls1.2, --tls1.3   only this version of TLS
 *     --schannel-cred the SCHANNEL_CRED structure (older Windows; no TLS
 *                     1.3 there) instead of SCH_CREDENTIALS
 *     --package NAME  the security package (default UNISP_NAME; also
 *                     "Schannel")
 *
 * The calls follow Microsoft's documented Schannel patterns (Microsoft
 * Learn: "Creating a Secure Connection Using Schannel",
 * InitializeSecurityContext (Schannel), AcceptSecurityContext (Schannel),
 * EncryptMessage and DecryptMessage (Schannel), "Recognizing a Request to
 * Renegotiate a Connection", "Shutting Down an Schannel Connection").
 * Only the socket calls differ between Windows and Linux: they are in one
 * block below. On a failure the program prints the failing call and its
 * status in hex, as FormatMessage describes it, and exits with status 1.
 */
#define SECURITY_WIN32
/* Windows' schannel.h declares SCH_CREDENTIALS only on request, and it
 * needs UNICODE_STRING from subauth.h. */
#define SCHANNEL_USE_BLACKLISTS
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#define _POSIX_C_SOURCE 200809L
#include <windows.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif
#include <subauth.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _MSC_VER
#pragma comment(lib, "secur32.lib")
#pragma comment(lib, "crypt32.lib")
#pragma comment(lib, "ws2_32.lib")
#endif

/* ------------------------------------------------------------ sockets */

/* The part that is not the same on both systems: Winsock's startup,
 * socket type and close; Linux's SIGPIPE, kept away by MSG_NOSIGNAL. */
#ifdef _WIN32
typedef SOCKET sock_t;
#define SEND_FLAGS 0

static int
sock_startup(void)
{
    WSADATA wsa;

    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
}

static void
sock_close(sock_t s)
{
    closesocket(s);
}
#else
typedef int sock_t;
#define INVALID_SOCKET (-1)
#define SEND_FLAGS MSG_NOSIGNAL

static int
sock_startup(void)
{
    return 0;
}

static void
sock_close(sock_t s)
{
    close(s);
}
#endif

/* A connected socket to HOST:PORT, or INVALID_SOCKET. */
static sock_t
tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    sock_t s = INVALID_SOCKET;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return INVALID_SOCKET;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s == INVALID_SOCKET)
            continue;
        if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == 0)
            break;
        sock_close(s);
        s = INVALID_SOCKET;
    }
    freeaddrinfo(res);
    return s;
}

/* A socket listening on 127.0.0.1:port (0: any); *bound gets the port. */
static sock_t
tcp_listen(unsigned short port, unsigned short *bound)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    sock_t s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;

    if (s == INVALID_SOCKET)
        return INVALID_SOCKET;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const char *)&one,
               sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || listen(s, 1) != 0
        || getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        sock_close(s);
        return INVALID_SOCKET;
    }
    *bound = ntohs(sa.sin_port);
    return s;
}

static int
send_all(sock_t s, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        int k = send(s, c, (int)n, SEND_FLAGS);

        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ------------------------------------------------------------- state */

/* Room for a TLS record (16 KiB of data and what protection adds) many
 * times over: the handshake's flights and records not yet decrypted. */
#define IO_BUFFER_SIZE 0x10000

static const char *me = "schannel_echo";

struct tls {
    sock_t s;
    BOOL server;
    const char *target;             /* client: pszTargetName */
    ULONG req;                      /* ISC_REQ_* or ASC_REQ_* */
    CredHandle cred;
    CtxtHandle ctx;
    BOOL have_cred, have_ctx;
    SecPkgContext_StreamSizes sizes;
    unsigned char *out;             /* one record for EncryptMessage */
    size_t out_size;
    unsigned char *in;              /* received, not yet taken */
    size_t in_len;
    char *plain;                    /* decrypted, not yet read */
    size_t plain_len;
    BOOL peer_closed;               /* the peer's close_notify came */
    BOOL manual;                    /* SCH_CRED_MANUAL_CRED_VALIDATION */
};

/* "CALL failed: 0x80090322", with the system's text for the code. */
static void
print_failure(const char *call, SECURITY_STATUS st)
{
    char text[512];
    DWORD n;

    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM
                           | FORMAT_MESSAGE_IGNORE_INSERTS,
                       NULL, (DWORD)st, 0, text, sizeof(text), NULL);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    fprintf(stderr, "%s: %s failed: 0x%08lX", me, call,
            (unsigned long)(ULONG)st);
#ifdef SSPIGSS_SSPIGSS_H
    /* Built against sspigss: its name for the code as well. */
    fprintf(stderr, " (%s)", sspigss_status_name(st));
#endif
    if (n > 0)
        fprintf(stderr, ": %s", text);
    fputc('\n', stderr);
}

/* ------------------------------------------------------- credentials */

/* The PFX password as UTF-16 (Windows code writes L"..." or converts
 * with MultiByteToWideChar; ASCII is enough here). */
static int
widen(const char *s, WCHAR *w, size_t size)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if ((unsigned char)s[i] > 0x7f || i + 1 >= size)
            return -1;
        w[i] = (WCHAR)s[i];
    }
    w[i] = 0;
    return 0;
}

/*
 * The certificate with a private key in a PKCS #12 file, as Windows code
 * finds it: PFXImportCertStore, then CertFindCertificateInStore. The
 * caller frees the context and closes the store, after
 * AcquireCredentialsHandle (the store holds the chain sent with the
 * certificate).
 */
static PCCERT_CONTEXT
load_pfx(const char *path, const char *password, HCERTSTORE *store)
{
    WCHAR wpw[256];
    CRYPT_DATA_BLOB blob;
    PCCERT_CONTEXT cert = NULL;
    unsigned char *data = NULL;
    size_t len = 0, size = 0, k;
    FILE *f;

    *store = NULL;
    if (widen(password != NULL ? password : "", wpw, 256) != 0) {
        fprintf(stderr, "%s: the PFX password must be ASCII\n", me);
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open %s\n", me, path);
        return NULL;
    }
    for (;;) {
        if (len == size) {
            unsigned char *more = realloc(data, size + 4096);

            if (more == NULL)
                break;
            data = more;
            size += 4096;
        }
        k = fread(data + len, 1, size - len, f);
        if (k == 0)
            break;
        len += k;
    }
    fclose(f);
    blob.cbData = (DWORD)len;
    blob.pbData = data;
    /* Flags 0: Windows keeps the key in a key container of the user
     * (PKCS12_NO_PERSIST_KEY would keep it in memory only). */
    *store = data != NULL ? PFXImportCertStore(&blob, wpw, 0) : NULL;
    SecureZeroMemory(wpw, sizeof(wpw));
    free(data);
    if (*store == NULL) {
        fprintf(stderr, "%s: PFXImportCertStore(%s) failed: 0x%08lX\n", me,
                path, (unsigned long)GetLastError());
        return NULL;
    }
    cert = CertFindCertificateInStore(*store, X509_ASN_ENCODING, 0,
                                      CERT_FIND_HAS_PRIVATE_KEY, NULL, NULL);
    if (cert == NULL) {
        fprintf(stderr, "%s: no certificate with a private key in %s\n", me,
                path);
        CertCloseStore(*store, 0);
        *store = NULL;
    }
    return cert;
}

struct options {
    const char *package;
    const char *pfx, *password;
    const char *target;
    BOOL manual, ask_cert, schannel_cred;
    DWORD only;                     /* SP_PROT_TLS1_x of both sides, or 0 */
};

/*
 * AcquireCredentialsHandle for Schannel: SCH_CREDENTIALS (Windows 10 1809
 * and later; versions are given as the ones to disable) or the older
 * SCHANNEL_CRED (versions to enable), with cert as the certificate to
 * present when there is one.
 */
static SECURITY_STATUS
acquire(struct tls *t, const struct options *o, PCCERT_CONTEXT cert)
{
    SCH_CREDENTIALS sc;
    TLS_PARAMETERS tp;
    SCHANNEL_CRED old;
    DWORD side = t->server ? SP_PROT_TLS1_X_SERVER : SP_PROT_TLS1_X_CLIENT;
    DWORD flags = 0;
    void *auth;
    TimeStamp expiry;
    SECURITY_STATUS st;

    if (!t->server) {
        /* The client certificate is the one given, or none: Schannel
         * must not pick one of the user's by itself. The server's
         * certificate is checked by Schannel unless told not to. */
        flags = SCH_CRED_NO_DEFAULT_CREDS
                | (o->manual ? SCH_CRED_MANUAL_CRED_VALIDATION
                             : SCH_CRED_AUTO_CRED_VALIDATION);
    }
    if (o->schannel_cred) {
        memset(&old, 0, sizeof(old));
        old.dwVersion = SCHANNEL_CRED_VERSION;
        old.dwFlags = flags;
        old.grbitEnabledProtocols = o->only & side;
        if (cert != NULL) {
            old.cCreds = 1;
            old.paCred = &cert;
        }
        auth = &old;
    } else {
        memset(&sc, 0, sizeof(sc));
        memset(&tp, 0, sizeof(tp));
        sc.dwVersion = SCH_CREDENTIALS_VERSION;
        sc.dwFlags = flags;
        if (cert != NULL) {
            sc.cCreds = 1;
            sc.paCred = &cert;
        }
        if (o->only != 0) {
            tp.grbitDisabledProtocols = ~(o->only & side);
            sc.cTlsParameters = 1;
            sc.pTlsParameters = &tp;
        }
        auth = &sc;
    }
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)o->package,
                                   t->server ? SECPKG_CRED_INBOUND
                                             : SECPKG_CRED_OUTBOUND,
                                   NULL, auth, NULL, NULL, &t->cred,
                                   &expiry);
    if (st == SEC_E_OK)
        t->have_cred = TRUE;
    return st;
}

/* ---------------------------------------------------------- handshake */

/* Receive what the socket has into the input buffer: the byte count,
 * 0 when the peer closed the connection, -1 on an error. */
static int
fill(struct tls *t)
{
    int k;

    if (t->in_len == IO_BUFFER_SIZE) {
        fprintf(stderr, "%s: the input buffer is full\n", me);
        return -1;
    }
    k = recv(t->s, (char *)t->in + t->in_len,
             (int)(IO_BUFFER_SIZE - t->in_len), 0);
    if (k > 0)
        t->in_len += (size_t)k;
    return k < 0 ? -1 : k;
}

/* The output of a handshake call, [TOKEN, ALERT, EMPTY]: Schannel
 * allocates what it hands out (ISC_REQ_ALLOCATE_MEMORY); an alert comes
 * with a failure (Microsoft Learn, AcceptSecurityContext (Schannel)). */
static void
output_init(SecBufferDesc *d, SecBuffer *b)
{
    static const ULONG types[3] = { SECBUFFER_TOKEN, SECBUFFER_ALERT,
                                    SECBUFFER_EMPTY };
    int i;

    for (i = 0; i < 3; i++) {
        b[i].BufferType = types[i];
        b[i].cbBuffer = 0;
        b[i].pvBuffer = NULL;
    }
    d->ulVersion = SECBUFFER_VERSION;
    d->cBuffers = 3;
    d->pBuffers = b;
}

/* Send the tokens of an output to the peer and free every buffer
 * Schannel allocated. -1 when sending failed. */
static int
send_output(struct tls *t, SecBufferDesc *d)
{
    ULONG i;
    int rc = 0;

    for (i = 0; i < d->cBuffers; i++) {
        SecBuffer *b = &d->pBuffers[i];

        if (b->pvBuffer == NULL)
            continue;
        if (b->BufferType == SECBUFFER_TOKEN && b->cbBuffer > 0
            && send_all(t->s, b->pvBuffer, b->cbBuffer) != 0)
            rc = -1;
        FreeContextBuffer(b->pvBuffer);
        b->pvBuffer = NULL;
    }
    return rc;
}

/* One handshake call: InitializeSecurityContext for the client,
 * AcceptSecurityContext for the server. in NULL: the client's first. */
static SECURITY_STATUS
handshake_call(struct tls *t, SecBufferDesc *in, SecBufferDesc *out,
               ULONG *attrs)
{
    TimeStamp expiry;

    if (t->server)
        return AcceptSecurityContext(&t->cred, t->have_ctx ? &t->ctx : NULL,
                                     in, t->req, 0, &t->ctx, out, attrs,
                                     &expiry);
    return InitializeSecurityContextA(&t->cred, t->have_ctx ? &t->ctx : NULL,
                                      (SEC_CHAR *)t->target, t->req, 0, 0,
                                      in, 0, &t->ctx, out, attrs, &expiry);
}

/*
 * The handshake loop: the bytes received go to the handshake call as
 * [TOKEN, EMPTY] and what it hands out goes to the peer, until SEC_E_OK.
 * SEC_E_INCOMPLETE_MESSAGE: the same bytes and more next time.
 * SECBUFFER_EXTRA: bytes it left (the start of the next flight, or,
 * after SEC_E_OK, records for DecryptMessage) stay in the buffer.
 * read_first FALSE: begin with what is in the buffer (a renegotiation
 * begins with the EXTRA bytes of DecryptMessage, even none).
 */
static int
handshake(struct tls *t, BOOL read_first)
{
    SecBuffer ib[2], ob[3];
    SecBufferDesc idesc = { SECBUFFER_VERSION, 2, ib };
    SecBufferDesc odesc;
    BOOL need_read = read_first;
    ULONG attrs = 0, want;
    SECURITY_STATUS st;

    for (;;) {
        if (need_read) {
            int k = fill(t);

            if (k <= 0) {
                fprintf(stderr, "%s: the connection %s during the "
                        "handshake\n", me, k == 0 ? "closed" : "failed");
                return -1;
            }
        }
        ib[0].BufferType = SECBUFFER_TOKEN;
        ib[0].cbBuffer = (ULONG)t->in_len;
        ib[0].pvBuffer = t->in;
        ib[1].BufferType = SECBUFFER_EMPTY;
        ib[1].cbBuffer = 0;
        ib[1].pvBuffer = NULL;
        output_init(&odesc, ob);
        st = handshake_call(t, &idesc, &odesc, &attrs);
        if (st != SEC_E_INCOMPLETE_MESSAGE && !FAILED(st))
            t->have_ctx = TRUE;
        /* Whatever it hands out goes to the peer, a failure's alert
         * included. */
        if (send_output(t, &odesc) != 0 && !FAILED(st)) {
            fprintf(stderr, "%s: sending the handshake failed\n", me);
            return -1;
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            need_read = TRUE;
            continue;
        }
        if (st == SEC_I_INCOMPLETE_CREDENTIALS && !t->server
            && !(t->req & ISC_REQ_USE_SUPPLIED_CREDS)) {
            /* The server asks for a certificate and the credential has
             * none: go on without one, the same input again (a server
             * that requires one then refuses the handshake). */
            printf("%s: the server asks for a client certificate; going "
                   "on without one\n", me);
            t->req |= ISC_REQ_USE_SUPPLIED_CREDS;
            need_read = FALSE;
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            print_failure(t->server ? "AcceptSecurityContext"
                                    : "InitializeSecurityContext", st);
            return -1;
        }
        if (ib[1].BufferType == SECBUFFER_EXTRA && ib[1].cbBuffer > 0) {
            memmove(t->in, t->in + (t->in_len - ib[1].cbBuffer),
                    ib[1].cbBuffer);
            t->in_len = ib[1].cbBuffer;
        } else {
            t->in_len = 0;
        }
        if (st == SEC_E_OK)
            break;
        need_read = t->in_len == 0;
    }
    want = t->server ? ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM
                           | ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT
                     : ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM
                           | ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT;
    if ((attrs & want) != want) {
        fprintf(stderr, "%s: the context lacks attributes: 0x%08lx of "
                "0x%08lx\n", me, (unsigned long)attrs, (unsigned long)want);
        return -1;
    }
    /* The record sizes belong to the suite: after a renegotiation they
     * may be others. */
    st = QueryContextAttributesA(&t->ctx, SECPKG_ATTR_STREAM_SIZES,
                                 &t->sizes);
    if (st != SEC_E_OK) {
        print_failure("QueryContextAttributes(STREAM_SIZES)", st);
        return -1;
    }
    if (t->out_size < (size_t)t->sizes.cbHeader + t->sizes.cbMaximumMessage
                          + t->sizes.cbTrailer) {
        size_t n = (size_t)t->sizes.cbHeader + t->sizes.cbMaximumMessage
                   + t->sizes.cbTrailer;
        unsigned char *p = realloc(t->out, n);

        if (p == NULL)
            return -1;
        t->out = p;
        t->out_size = n;
    }
    return 0;
}

/* The client's first call: no context, no input; the ClientHello. */
static int
client_hello(struct tls *t)
{
    SecBuffer ob[3];
    SecBufferDesc odesc;
    ULONG attrs;
    SECURITY_STATUS st;

    output_init(&odesc, ob);
    st = handshake_call(t, NULL, &odesc, &attrs);
    if (st != SEC_I_CONTINUE_NEEDED) {
        send_output(t, &odesc);
        print_failure("InitializeSecurityContext", st);
        return -1;
    }
    t->have_ctx = TRUE;
    if (send_output(t, &odesc) != 0) {
        fprintf(stderr, "%s: sending the ClientHello failed\n", me);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- messages */

/* EncryptMessage: [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] over one
 * buffer, at most cbMaximumMessage bytes a record. */
static int
send_data(struct tls *t, const char *p, size_t n)
{
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    SECURITY_STATUS st;

    while (n > 0) {
        size_t chunk = n < t->sizes.cbMaximumMessage
                           ? n : t->sizes.cbMaximumMessage;

        memcpy(t->out + t->sizes.cbHeader, p, chunk);
        b[0].BufferType = SECBUFFER_STREAM_HEADER;
        b[0].cbBuffer = t->sizes.cbHeader;
        b[0].pvBuffer = t->out;
        b[1].BufferType = SECBUFFER_DATA;
        b[1].cbBuffer = (ULONG)chunk;
        b[1].pvBuffer = t->out + t->sizes.cbHeader;
        b[2].BufferType = SECBUFFER_STREAM_TRAILER;
        b[2].cbBuffer = t->sizes.cbTrailer;
        b[2].pvBuffer = t->out + t->sizes.cbHeader + chunk;
        b[3].BufferType = SECBUFFER_EMPTY;
        b[3].cbBuffer = 0;
        b[3].pvBuffer = NULL;
        st = EncryptMessage(&t->ctx, 0, &d, 0);
        if (st != SEC_E_OK) {
            print_failure("EncryptMessage", st);
            return -1;
        }
        /* The trailer may be shorter than cbTrailer. */
        if (send_all(t->s, t->out, (size_t)b[0].cbBuffer + b[1].cbBuffer
                                       + b[2].cbBuffer) != 0) {
            fprintf(stderr, "%s: send failed\n", me);
            return -1;
        }
        p += chunk;
        n -= chunk;
    }
    return 0;
}

/*
 * DecryptMessage until one record has been taken: [DATA, EMPTY, EMPTY,
 * EMPTY] over the bytes received; the plaintext (possibly none) is added
 * to t->plain, the bytes after the record (SECBUFFER_EXTRA) stay for the
 * next call. SEC_I_CONTEXT_EXPIRED: the peer's close_notify.
 * SEC_I_RENEGOTIATE: the peer sent a handshake message (TLS 1.2
 * renegotiation, a TLS 1.3 KeyUpdate or, on Windows 11, a session
 * ticket); the handshake call with the EXTRA bytes deals with it.
 * 0 when a record was taken, -1 on a failure.
 */
static int
read_record(struct tls *t)
{
    SecBuffer b[4], *data, *extra;
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    BOOL need_read = t->in_len == 0;
    SECURITY_STATUS st;
    int i, k;

    for (;;) {
        if (need_read) {
            k = fill(t);
            if (k <= 0) {
                fprintf(stderr, "%s: the connection %s without "
                        "close_notify\n", me, k == 0 ? "closed" : "failed");
                return -1;
            }
        }
        b[0].BufferType = SECBUFFER_DATA;
        b[0].cbBuffer = (ULONG)t->in_len;
        b[0].pvBuffer = t->in;
        for (i = 1; i < 4; i++) {
            b[i].BufferType = SECBUFFER_EMPTY;
            b[i].cbBuffer = 0;
            b[i].pvBuffer = NULL;
        }
        st = DecryptMessage(&t->ctx, &d, 0, NULL);
        if (st != SEC_E_INCOMPLETE_MESSAGE)
            break;
        need_read = TRUE;
    }
    if (st == SEC_I_CONTEXT_EXPIRED) {
        t->peer_closed = TRUE;
        t->in_len = 0;
        return 0;
    }
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE) {
        print_failure("DecryptMessage", st);
        return -1;
    }
    data = extra = NULL;
    for (i = 1; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && data == NULL)
            data = &b[i];
        else if (b[i].BufferType == SECBUFFER_EXTRA && extra == NULL)
            extra = &b[i];
    }
    if (data != NULL && data->cbBuffer > 0) {
        if (data->cbBuffer > IO_BUFFER_SIZE - t->plain_len) {
            fprintf(stderr, "%s: a line too long\n", me);
            return -1;
        }
        memcpy(t->plain + t->plain_len, data->pvBuffer, data->cbBuffer);
        t->plain_len += data->cbBuffer;
    }
    if (extra != NULL && extra->cbBuffer > 0) {
        memmove(t->in, t->in + (t->in_len - extra->cbBuffer),
                extra->cbBuffer);
        t->in_len = extra->cbBuffer;
    } else {
        t->in_len = 0;
    }
    if (st == SEC_I_RENEGOTIATE) {
        /* Microsoft Learn, "Recognizing a Request to Renegotiate a
         * Connection": call the handshake function again with the EXTRA
         * bytes as its input token, send what it hands out, and go on as
         * in the handshake until SEC_E_OK. */
        printf("%s: DecryptMessage returned SEC_I_RENEGOTIATE; %s with "
               "%lu extra bytes\n", me,
               t->server ? "AcceptSecurityContext"
                         : "InitializeSecurityContext",
               (unsigned long)t->in_len);
        if (handshake(t, FALSE) != 0)
            return -1;
        printf("%s: renegotiated\n", me);
    }
    return 0;
}

/* One line (without its end) into line: 1, or 0 when the peer ended the
 * session first, -1 on a failure. */
static int
read_line(struct tls *t, char *line, size_t size)
{
    char *nl;
    size_t n;

    while ((nl = memchr(t->plain, '\n', t->plain_len)) == NULL) {
        if (t->peer_closed)
            return 0;
        if (read_record(t) != 0)
            return -1;
    }
    n = (size_t)(nl - t->plain);
    if (n >= size) {
        fprintf(stderr, "%s: a line too long\n", me);
        return -1;
    }
    memcpy(line, t->plain, n);
    line[n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
        line[n - 1] = '\0';
    t->plain_len -= n + 1;
    memmove(t->plain, nl + 1, t->plain_len);
    return 1;
}

/*
 * Microsoft Learn, "Shutting Down an Schannel Connection":
 * ApplyControlToken(SCHANNEL_SHUTDOWN), then the handshake call hands
 * out the close_notify alert for the peer. A peer that has gone already
 * does not get it, which is no failure.
 */
static int
shutdown_tls(struct tls *t)
{
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer ib[1], ob[3];
    SecBufferDesc idesc = { SECBUFFER_VERSION, 1, ib };
    SecBufferDesc odesc;
    ULONG attrs;
    TimeStamp expiry;
    SECURITY_STATUS st;

    ib[0].BufferType = SECBUFFER_TOKEN;
    ib[0].cbBuffer = sizeof(type);
    ib[0].pvBuffer = &type;
    st = ApplyControlToken(&t->ctx, &idesc);
    if (FAILED(st)) {
        print_failure("ApplyControlToken(SCHANNEL_SHUTDOWN)", st);
        return -1;
    }
    output_init(&odesc, ob);
    if (t->server)
        st = AcceptSecurityContext(&t->cred, &t->ctx, NULL, t->req, 0,
                                   &t->ctx, &odesc, &attrs, &expiry);
    else
        st = InitializeSecurityContextA(&t->cred, &t->ctx,
                                        (SEC_CHAR *)t->target, t->req, 0, 0,
                                        NULL, 0, &t->ctx, &odesc, &attrs,
                                        &expiry);
    if (FAILED(st)) {
        send_output(t, &odesc);
        print_failure(t->server ? "AcceptSecurityContext(shutdown)"
                                : "InitializeSecurityContext(shutdown)",
                      st);
        return -1;
    }
    if (send_output(t, &odesc) == 0)
        printf("%s: close_notify sent\n", me);
    return 0;
}

/* ---------------------------------------------------------- reporting */

static const char *
protocol_name(DWORD p)
{
    if (p & SP_PROT_TLS1_3)
        return "TLS 1.3";
    if (p & SP_PROT_TLS1_2)
        return "TLS 1.2";
    if (p & SP_PROT_TLS1_1)
        return "TLS 1.1";
    if (p & SP_PROT_TLS1_0)
        return "TLS 1.0";
    return "an unknown protocol";
}

static const char *
cipher_name(ALG_ID a)
{
    switch (a) {
    case CALG_AES_128:
        return "AES-128";
    case CALG_AES_192:
        return "AES-192";
    case CALG_AES_256:
        return "AES-256";
    case CALG_3DES:
        return "3DES";
    case CALG_RC4:
        return "RC4";
    default:
        return NULL;
    }
}

static const char *
exchange_name(ALG_ID a)
{
    switch (a) {
    case CALG_ECDH_EPHEM:
        return "ECDHE";
    case CALG_ECDH:
        return "ECDH";
    case CALG_DH_EPHEM:
        return "DHE";
    case CALG_RSA_KEYX:
        return "RSA";
    default:
        return "other";
    }
}

/* "NAME, issued by ISSUER" of a certificate: CertGetNameString. */
static void
print_cert(const char *what, PCCERT_CONTEXT cert)
{
    char name[256], issuer[256];

    CertGetNameStringA(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, name,
                       sizeof(name));
    CertGetNameStringA(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE,
                       CERT_NAME_ISSUER_FLAG, NULL, issuer, sizeof(issuer));
    printf("%s: %s \"%s\", issued by \"%s\"\n", me, what, name, issuer);
}

/* What was negotiated and who the peer is: the protocol and algorithms
 * (SECPKG_ATTR_CONNECTION_INFO) and the peer's certificate
 * (SECPKG_ATTR_REMOTE_CERT_CONTEXT), which a server may lack. */
static int
print_session(struct tls *t)
{
    SecPkgContext_ConnectionInfo ci;
    PCCERT_CONTEXT peer = NULL;
    char cipher[16];
    SECURITY_STATUS st;

    st = QueryContextAttributesA(&t->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
    if (st != SEC_E_OK) {
        print_failure("QueryContextAttributes(CONNECTION_INFO)", st);
        return -1;
    }
    if (cipher_name(ci.aiCipher) != NULL)
        snprintf(cipher, sizeof(cipher), "%s", cipher_name(ci.aiCipher));
    else
        snprintf(cipher, sizeof(cipher), "0x%04x", (unsigned)ci.aiCipher);
    printf("%s: %s, cipher %s (%lu bits), key exchange %s\n", me,
           protocol_name(ci.dwProtocol), cipher,
           (unsigned long)ci.dwCipherStrength, exchange_name(ci.aiExch));
    st = QueryContextAttributesA(&t->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                 &peer);
    if (st == SEC_E_OK && peer != NULL) {
        print_cert(t->server ? "client certificate" : "server certificate",
                   peer);
        CertFreeCertificateContext(peer);
    } else if (t->server && st == SEC_E_NO_CREDENTIALS) {
        /* Schannel does not check a client's certificate: a real server
         * would check this one's chain and decide (Microsoft Learn,
         * "Performing Authentication Using Schannel"). */
        printf("%s: no client certificate\n", me);
    } else {
        print_failure("QueryContextAttributes(REMOTE_CERT_CONTEXT)", st);
        return -1;
    }
    if (t->manual) {
        /* A real client would check the chain itself now
         * (CertGetCertificateChain, CertVerifyCertificateChainPolicy). */
        printf("%s: the server's certificate was not validated\n", me);
    }
    return 0;
}

/* ------------------------------------------------------------- sides */

/* Send each line, print each answer. */
static int
client_lines(struct tls *t, int n, char **lines)
{
    char line[4096], answer[4096];
    int i = 0, r;

    for (;;) {
        size_t len;

        if (n > 0) {
            if (i == n)
                break;
            snprintf(line, sizeof(line), "%s", lines[i++]);
        } else if (fgets(line, sizeof(line), stdin) == NULL) {
            break;
        }
        len = strcspn(line, "\r\n");
        line[len] = '\n';
        if (send_data(t, line, len + 1) != 0)
            return -1;
        line[len] = '\0';
        printf("%s: sent \"%s\"\n", me, line);
        r = read_line(t, answer, sizeof(answer));
        if (r < 0)
            return -1;
        if (r == 0) {
            fprintf(stderr, "%s: the server ended the session before "
                    "answering\n", me);
            return -1;
        }
        printf("%s: received \"%s\"\n", me, answer);
    }
    return 0;
}

/* Answer each line in capitals until the client's close_notify. */
static int
server_lines(struct tls *t)
{
    char line[4096];
    size_t i, len;
    int r;

    while ((r = read_line(t, line, sizeof(line) - 1)) > 0) {
        len = strlen(line);
        printf("%s: received \"%s\"\n", me, line);
        for (i = 0; i < len; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 'a' + 'A');
        line[len] = '\n';
        if (send_data(t, line, len + 1) != 0)
            return -1;
    }
    if (r == 0)
        printf("%s: the client ended the session (close_notify)\n", me);
    return r;
}

static void
usage(void)
{
    fprintf(stderr,
            "usage: schannel_echo client [OPTIONS] HOST PORT [LINE...]\n"
            "       schannel_echo server [OPTIONS] PFX [PORT]\n"
            "options: --password PW, --pfx FILE, --target NAME, --manual,\n"
            "         --ask-cert, --tls1.2, --tls1.3, --schannel-cred,\n"
            "         --package NAME\n");
}

int
main(int argc, char **argv)
{
    struct options o;
    struct tls t;
    HCERTSTORE store = NULL;
    PCCERT_CONTEXT cert = NULL;
    sock_t ls = INVALID_SOCKET;
    unsigned short port = 0;
    SECURITY_STATUS st;
    int i, rc = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&o, 0, sizeof(o));
    memset(&t, 0, sizeof(t));
    t.s = INVALID_SOCKET;
    o.package = UNISP_NAME_A;
    if (argc < 2 || (strcmp(argv[1], "client") != 0
                     && strcmp(argv[1], "server") != 0)) {
        usage();
        return 2;
    }
    t.server = strcmp(argv[1], "server") == 0;
    me = argv[1];
    for (i = 2; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        BOOL more = i + 1 < argc;

        if (strcmp(a, "--password") == 0 && more)
            o.password = argv[++i];
        else if (strcmp(a, "--pfx") == 0 && more && !t.server)
            o.pfx = argv[++i];
        else if (strcmp(a, "--target") == 0 && more && !t.server)
            o.target = argv[++i];
        else if (strcmp(a, "--package") == 0 && more)
            o.package = argv[++i];
        else if (strcmp(a, "--manual") == 0 && !t.server)
            o.manual = TRUE;
        else if (strcmp(a, "--ask-cert") == 0 && t.server)
            o.ask_cert = TRUE;
        else if (strcmp(a, "--tls1.2") == 0)
            o.only = SP_PROT_TLS1_2;
        else if (strcmp(a, "--tls1.3") == 0)
            o.only = SP_PROT_TLS1_3;
        else if (strcmp(a, "--schannel-cred") == 0)
            o.schannel_cred = TRUE;
        else {
            usage();
            return 2;
        }
    }
    if (t.server ? argc - i < 1 || argc - i > 2 : argc - i < 2) {
        usage();
        return 2;
    }
    if (t.server) {
        o.pfx = argv[i];
        if (argc - i == 2) {
            char *end;
            unsigned long p = strtoul(argv[i + 1], &end, 10);

            if (*argv[i + 1] == '\0' || *end != '\0' || p > 65535) {
                usage();
                return 2;
            }
            port = (unsigned short)p;
        }
    }
    if (sock_startup() != 0)
        return 1;
    t.in = malloc(IO_BUFFER_SIZE);
    t.plain = malloc(IO_BUFFER_SIZE);
    if (t.in == NULL || t.plain == NULL)
        goto out;

    /* The certificate, then the credential; the PFX store closes only
     * after AcquireCredentialsHandle has taken what it needs. */
    if (o.pfx != NULL) {
        cert = load_pfx(o.pfx, o.password, &store);
        if (cert == NULL)
            goto out;
    }
    if (t.server) {
        t.req = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT
                | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR
                | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM
                | (o.ask_cert ? ASC_REQ_MUTUAL_AUTH : 0);
    } else {
        t.target = o.target != NULL ? o.target : argv[i];
        t.req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT
                | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY
                | ISC_REQ_STREAM;
        t.manual = o.manual;
    }
    st = acquire(&t, &o, cert);
    if (cert != NULL) {
        CertFreeCertificateContext(cert);
        CertCloseStore(store, 0);
    }
    if (st != SEC_E_OK) {
        print_failure("AcquireCredentialsHandle", st);
        goto out;
    }

    if (t.server) {
        ls = tcp_listen(port, &port);
        if (ls == INVALID_SOCKET) {
            perror("server: listen");
            goto out;
        }
        printf("server: listening on 127.0.0.1 port %u\n", (unsigned)port);
        t.s = accept(ls, NULL, NULL);
        if (t.s == INVALID_SOCKET) {
            perror("server: accept");
            goto out;
        }
        if (handshake(&t, TRUE) != 0 || print_session(&t) != 0
            || server_lines(&t) != 0)
            goto out;
    } else {
        t.s = tcp_connect(argv[i], argv[i + 1]);
        if (t.s == INVALID_SOCKET) {
            fprintf(stderr, "client: cannot connect to %s port %s\n",
                    argv[i], argv[i + 1]);
            goto out;
        }
        if (client_hello(&t) != 0 || handshake(&t, TRUE) != 0
            || print_session(&t) != 0
            || client_lines(&t, argc - i - 2, argv + i + 2) != 0)
            goto out;
    }
    if (shutdown_tls(&t) != 0)
        goto out;
    rc = 0;
out:
    if (t.have_ctx)
        DeleteSecurityContext(&t.ctx);
    if (t.have_cred)
        FreeCredentialsHandle(&t.cred);
    if (t.s != INVALID_SOCKET)
        sock_close(t.s);
    if (ls != INVALID_SOCKET)
        sock_close(ls);
    free(t.in);
    free(t.plain);
    free(t.out);
#ifdef _WIN32
    WSACleanup();
#endif
    return rc;
}
