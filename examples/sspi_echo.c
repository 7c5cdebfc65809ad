/*
 * sspi_echo.c - a Windows-style SSPI client and server: authenticate
 * with Negotiate, then exchange one encrypted message each way.
 *
 * The same source builds on Windows (MSVC or mingw, link secur32.lib and
 * ws2_32.lib) and on Linux against sspigss:
 *
 *     cc -o sspi_echo sspi_echo.c $(pkg-config --cflags --libs sspigss)
 *
 *     sspi_echo server PORT                 serve one client
 *     sspi_echo client HOST PORT SPN [USER DOMAIN PASSWORD]
 *
 * The SSPI calls are exactly what a Windows program makes; only the
 * socket calls differ between the two systems (the #ifdef _WIN32 block).
 * Tokens and messages travel as a 4-byte big-endian length and the bytes.
 * The client sends "hello from the client"; the server prints what it
 * decrypted, the name of the client and the package Negotiate chose, and
 * answers "hello, DOMAIN\user"; the client prints the answer. Exit
 * status 0 on success, 1 with the failing call and its status otherwise.
 */
#define SECURITY_WIN32
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET sock_t;
#define close_sock closesocket
#else
#include <windows.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
typedef int sock_t;
#define INVALID_SOCKET (-1)
#define close_sock close
#endif
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACKAGE "Negotiate"
#define MAX_MSG 65536

static int
fail(const char *call, SECURITY_STATUS st)
{
    fprintf(stderr, "sspi_echo: %s failed: 0x%08lX\n", call,
            (unsigned long)(ULONG)st);
    return 1;
}

/* ------------------------------------------------------------ framing */

static int
send_all(sock_t s, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        int k = send(s, c, (int)n, 0);

        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int
recv_all(sock_t s, void *p, size_t n)
{
    char *c = p;

    while (n > 0) {
        int k = recv(s, c, (int)n, 0);

        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int
send_msg(sock_t s, const void *p, ULONG n)
{
    unsigned char h[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n };

    return send_all(s, h, 4) == 0 && send_all(s, p, n) == 0 ? 0 : -1;
}

/* Receive one message into buf (size bytes); its length, or -1. */
static long
recv_msg(sock_t s, void *buf, ULONG size)
{
    unsigned char h[4];
    ULONG n;

    if (recv_all(s, h, 4) != 0)
        return -1;
    n = (ULONG)h[0] << 24 | (ULONG)h[1] << 16 | (ULONG)h[2] << 8 | h[3];
    if (n > size || recv_all(s, buf, n) != 0)
        return -1;
    return (long)n;
}

/* ------------------------------------------------------------ messages */

/* EncryptMessage into out: [trailer][data], sent as one message. */
static SECURITY_STATUS
send_sealed(sock_t s, CtxtHandle *ctx, const char *text)
{
    SecPkgContext_Sizes sizes;
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    unsigned char *buf;
    ULONG len = (ULONG)strlen(text);
    SECURITY_STATUS st;

    st = QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, &sizes);
    if (st != SEC_E_OK)
        return st;
    buf = malloc(sizes.cbSecurityTrailer + len);
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(buf + sizes.cbSecurityTrailer, text, len);
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].cbBuffer = sizes.cbSecurityTrailer;
    b[0].pvBuffer = buf;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = len;
    b[1].pvBuffer = buf + sizes.cbSecurityTrailer;
    st = EncryptMessage(ctx, 0, &d, 0);
    if (st == SEC_E_OK) {
        /* The trailer may be shorter than the most it can be. */
        memmove(buf + b[0].cbBuffer, b[1].pvBuffer, len);
        if (send_msg(s, buf, b[0].cbBuffer + len) != 0)
            st = SEC_E_INTERNAL_ERROR;
    }
    free(buf);
    return st;
}

/* Receive [trailer][data] and decrypt it in place (STREAM form: the
 * package finds where its trailer ends); text gets the plaintext. */
static SECURITY_STATUS
recv_sealed(sock_t s, CtxtHandle *ctx, char *text, size_t size)
{
    static unsigned char buf[MAX_MSG];
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    ULONG qop = 0;
    long n = recv_msg(s, buf, sizeof(buf));
    SECURITY_STATUS st;

    if (n < 0)
        return SEC_E_INTERNAL_ERROR;
    b[0].BufferType = SECBUFFER_STREAM;
    b[0].cbBuffer = (ULONG)n;
    b[0].pvBuffer = buf;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = 0;
    b[1].pvBuffer = NULL;
    st = DecryptMessage(ctx, &d, 0, &qop);
    if (st != SEC_E_OK)
        return st;
    if (b[1].cbBuffer >= size)
        return SEC_E_BUFFER_TOO_SMALL;
    memcpy(text, b[1].pvBuffer, b[1].cbBuffer);
    text[b[1].cbBuffer] = '\0';
    return SEC_E_OK;
}

/* -------------------------------------------------------------- client */

static int
client(sock_t s, const char *spn, SEC_WINNT_AUTH_IDENTITY_A *id)
{
    static unsigned char in[MAX_MSG], out[MAX_MSG];
    CredHandle cred;
    CtxtHandle ctx;
    SecBuffer ib, ob;
    SecBufferDesc idesc = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc odesc = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs;
    TimeStamp expiry;
    SECURITY_STATUS st;
    char text[1024];
    int first = 1;
    long n;

    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)PACKAGE,
                                   SECPKG_CRED_OUTBOUND, NULL, id, NULL,
                                   NULL, &cred, &expiry);
    if (st != SEC_E_OK)
        return fail("AcquireCredentialsHandle", st);
    for (;;) {
        ob.BufferType = SECBUFFER_TOKEN;
        ob.cbBuffer = sizeof(out);
        ob.pvBuffer = out;
        st = InitializeSecurityContextA(
            first ? &cred : NULL, first ? NULL : &ctx, (SEC_CHAR *)spn,
            ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY
                | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT
                | ISC_REQ_SEQUENCE_DETECT,
            0, SECURITY_NATIVE_DREP, first ? NULL : &idesc, 0, &ctx, &odesc,
            &attrs, &expiry);
        if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS c = CompleteAuthToken(&ctx, &odesc);

            if (c != SEC_E_OK)
                return fail("CompleteAuthToken", c);
            st = st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK
                                             : SEC_I_CONTINUE_NEEDED;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            return fail("InitializeSecurityContext", st);
        first = 0;
        if (ob.cbBuffer > 0 && send_msg(s, out, ob.cbBuffer) != 0)
            return fail("send", SEC_E_INTERNAL_ERROR);
        if (st == SEC_E_OK)
            break;
        n = recv_msg(s, in, sizeof(in));
        if (n < 0)
            return fail("recv", SEC_E_INTERNAL_ERROR);
        ib.BufferType = SECBUFFER_TOKEN;
        ib.cbBuffer = (ULONG)n;
        ib.pvBuffer = in;
    }
    st = send_sealed(s, &ctx, "hello from the client");
    if (st != SEC_E_OK)
        return fail("EncryptMessage", st);
    st = recv_sealed(s, &ctx, text, sizeof(text));
    if (st != SEC_E_OK)
        return fail("DecryptMessage", st);
    printf("client: the server says \"%s\"\n", text);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return 0;
}

/* -------------------------------------------------------------- server */

static int
server(sock_t s)
{
    static unsigned char in[MAX_MSG], out[MAX_MSG];
    CredHandle cred;
    CtxtHandle ctx;
    SecBuffer ib, ob;
    SecBufferDesc idesc = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc odesc = { SECBUFFER_VERSION, 1, &ob };
    SecPkgContext_NamesA names;
    SecPkgContext_NegotiationInfoA neg;
    ULONG attrs;
    TimeStamp expiry;
    SECURITY_STATUS st;
    char text[1024], reply[1200];
    int first = 1;
    long n;

    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)PACKAGE,
                                   SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                   NULL, &cred, &expiry);
    if (st != SEC_E_OK)
        return fail("AcquireCredentialsHandle", st);
    do {
        n = recv_msg(s, in, sizeof(in));
        if (n < 0)
            return fail("recv", SEC_E_INTERNAL_ERROR);
        ib.BufferType = SECBUFFER_TOKEN;
        ib.cbBuffer = (ULONG)n;
        ib.pvBuffer = in;
        ob.BufferType = SECBUFFER_TOKEN;
        ob.cbBuffer = sizeof(out);
        ob.pvBuffer = out;
        st = AcceptSecurityContext(&cred, first ? NULL : &ctx, &idesc,
                                   ASC_REQ_MUTUAL_AUTH
                                       | ASC_REQ_CONFIDENTIALITY
                                       | ASC_REQ_INTEGRITY
                                       | ASC_REQ_REPLAY_DETECT
                                       | ASC_REQ_SEQUENCE_DETECT,
                                   SECURITY_NATIVE_DREP, &ctx, &odesc,
                                   &attrs, &expiry);
        if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS c = CompleteAuthToken(&ctx, &odesc);

            if (c != SEC_E_OK)
                return fail("CompleteAuthToken", c);
            st = st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK
                                             : SEC_I_CONTINUE_NEEDED;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            return fail("AcceptSecurityContext", st);
        first = 0;
        if (ob.cbBuffer > 0 && send_msg(s, out, ob.cbBuffer) != 0)
            return fail("send", SEC_E_INTERNAL_ERROR);
    } while (st == SEC_I_CONTINUE_NEEDED);

    st = QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names);
    if (st != SEC_E_OK)
        return fail("QueryContextAttributes(NAMES)", st);
    st = QueryContextAttributesA(&ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg);
    if (st != SEC_E_OK)
        return fail("QueryContextAttributes(NEGOTIATION_INFO)", st);
    st = recv_sealed(s, &ctx, text, sizeof(text));
    if (st != SEC_E_OK)
        return fail("DecryptMessage", st);
    printf("server: %s says \"%s\" (package %s)\n", names.sUserName, text,
           neg.PackageInfo->Name);
    snprintf(reply, sizeof(reply), "hello, %s", names.sUserName);
    FreeContextBuffer(names.sUserName);
    FreeContextBuffer(neg.PackageInfo);
    st = send_sealed(s, &ctx, reply);
    if (st != SEC_E_OK)
        return fail("EncryptMessage", st);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return 0;
}

/* ---------------------------------------------------------------- main */

int
main(int argc, char **argv)
{
    struct sockaddr_in sa;
    sock_t s, c;
    int rc;

#ifdef _WIN32
    WSADATA wsa;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 1;
#endif
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        int one = 1;

        s = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)atoi(argv[2]));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const char *)&one,
                   sizeof(one));
        if (s == INVALID_SOCKET
            || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0
            || listen(s, 1) != 0) {
            perror("sspi_echo: listen");
            return 1;
        }
        printf("server: listening\n");
        fflush(stdout);
        c = accept(s, NULL, NULL);
        if (c == INVALID_SOCKET) {
            perror("sspi_echo: accept");
            return 1;
        }
        rc = server(c);
        close_sock(c);
        close_sock(s);
        return rc;
    }
    if ((argc == 5 || argc == 8) && strcmp(argv[1], "client") == 0) {
        SEC_WINNT_AUTH_IDENTITY_A id;

        memset(&id, 0, sizeof(id));
        if (argc == 8) {
            id.User = (unsigned char *)argv[5];
            id.UserLength = (ULONG)strlen(argv[5]);
            id.Domain = (unsigned char *)argv[6];
            id.DomainLength = (ULONG)strlen(argv[6]);
            id.Password = (unsigned char *)argv[7];
            id.PasswordLength = (ULONG)strlen(argv[7]);
            id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        }
        s = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)atoi(argv[3]));
        if (s == INVALID_SOCKET
            || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1
            || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            perror("sspi_echo: connect");
            return 1;
        }
        rc = client(s, argv[4], argc == 8 ? &id : NULL);
        close_sock(s);
        return rc;
    }
    fprintf(stderr, "usage: sspi_echo server PORT\n"
                    "       sspi_echo client HOST PORT SPN "
                    "[USER DOMAIN PASSWORD]\n");
    return 2;
}
