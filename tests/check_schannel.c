/*
 * check_schannel.c - the Schannel package as a client, against real
 * `openssl s_server` peers on 127.0.0.1 (tests/check_schannel.sh starts
 * them with tests/harness/tls.sh and describes them here):
 *
 *   SSPIGSS_TLS_DIR            the PKI: trust.pem (the test root CA)
 *   SSPIGSS_TLS_PORT_<NAME>    a server presenting certificate NAME:
 *                              LOCALHOST (valid), TLS12 (the same, TLS
 *                              1.2 only), CBC (TLS 1.2, an AES-CBC-SHA256
 *                              suite), EXPIRED, WRONGHOST, UNTRUSTED,
 *                              WRONGUSAGE
 *
 * Every server runs `s_server -rev`: it answers each line with the line
 * reversed. Each test connects, runs Windows' client loop
 * (InitializeSecurityContext until SEC_E_OK, feeding what the server
 * sends), and asserts the exact SEC code of every failure, the stream
 * buffer protocol (MISSING, EXTRA, HEADER/DATA/TRAILER) and that nothing
 * leaks.
 */
#include "setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sspigss/schannel.h>

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

static char trust[512];
static size_t bufs_before;

static void
setup(void)
{
    bufs_before = ctxbuf_outstanding();
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
    return atoi(v);
}

static int
dial(const char *name)
{
    struct sockaddr_in sa;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(s, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port_of(name));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0,
                  "connect to %s: %s", name, strerror(errno));
    return s;
}

static void
send_all(int s, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t k = send(s, c, n, 0);

        ck_assert_int_gt(k, 0);
        c += k;
        n -= (size_t)k;
    }
}

/* Append what the server sends next to buf (*len bytes held). */
static void
recv_more(int s, unsigned char *buf, size_t size, size_t *len)
{
    ssize_t k = recv(s, buf + *len, size - *len, 0);

    ck_assert_msg(k > 0, "the server closed the connection");
    *len += (size_t)k;
}

static SECURITY_STATUS
acquire(DWORD protocols, DWORD flags, CredHandle *c)
{
    SCHANNEL_CRED sc;
    TimeStamp ts;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = protocols;
    sc.dwFlags = flags;
    return AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A,
                                     SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                     NULL, c, &ts);
}

struct conn {
    int sock;
    CredHandle cred;
    CtxtHandle ctx;
    bool have_ctx;
    unsigned char in[65536];
    size_t in_len;              /* bytes received, not yet used */
    int incomplete;             /* SEC_E_INCOMPLETE_MESSAGE answers seen */
};

/*
 * Windows' client loop (curl's schannel.c has the same shape): ISC, send
 * its token, read what the server sends, ISC again with it; keep the
 * SECBUFFER_EXTRA bytes, read more after SEC_E_INCOMPLETE_MESSAGE. With
 * trickle, the server's bytes are handed in one at a time. Returns the
 * final status.
 */
static SECURITY_STATUS
client_handshake(struct conn *k, const char *target, bool trickle)
{
    unsigned char held[65536];
    size_t held_len = 0;
    SECURITY_STATUS st;
    ULONG attrs;
    TimeStamp ts;

    for (;;) {
        SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

        st = InitializeSecurityContextA(
            k->have_ctx ? NULL : &k->cred, k->have_ctx ? &k->ctx : NULL,
            (SEC_CHAR *)target,
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM
                | ISC_REQ_CONFIDENTIALITY | ISC_REQ_SEQUENCE_DETECT
                | ISC_REQ_REPLAY_DETECT,
            0, 0, k->have_ctx ? &id : NULL, 0, &k->ctx, &od, &attrs, &ts);
        if (ob.pvBuffer != NULL) {
            if (ob.cbBuffer > 0)
                send_all(k->sock, ob.pvBuffer, ob.cbBuffer);
            ck_assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            k->incomplete++;
            ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
            ck_assert_uint_gt(ib[1].cbBuffer, 0);
            if (trickle && held_len > 0) {
                k->in[k->in_len++] = held[0];
                memmove(held, held + 1, --held_len);
            } else if (trickle) {
                recv_more(k->sock, held, sizeof(held), &held_len);
                k->in[k->in_len++] = held[0];
                memmove(held, held + 1, --held_len);
            } else {
                recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
            }
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
            return st;
        k->have_ctx = true;
        if (k->in_len > 0 && ib[1].BufferType == SECBUFFER_EXTRA) {
            memmove(k->in, k->in + k->in_len - ib[1].cbBuffer,
                    ib[1].cbBuffer);
            k->in_len = ib[1].cbBuffer;
        } else {
            k->in_len = 0;
        }
        if (st == SEC_E_OK)
            break;
        if (k->in_len == 0) {
            if (trickle) {
                if (held_len == 0)
                    recv_more(k->sock, held, sizeof(held), &held_len);
                k->in[k->in_len++] = held[0];
                memmove(held, held + 1, --held_len);
            } else {
                recv_more(k->sock, k->in, sizeof(k->in), &k->in_len);
            }
        }
    }
    /* Bytes held back by the trickle belong to what follows. */
    memcpy(k->in + k->in_len, held, held_len);
    k->in_len += held_len;
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

/*
 * DecryptMessage until application data arrives (session tickets come
 * first in TLS 1.3); out gets it. Returns the last status.
 */
static SECURITY_STATUS
recv_data(struct conn *k, char *out, size_t size)
{
    int i;

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
        if (st != SEC_E_OK)
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
        if (b[1].cbBuffer > 0)
            return SEC_E_OK;
    }
    return SEC_E_INTERNAL_ERROR;
}

/* ------------------------------------------------------------- tests */

/*
 * A handshake and one line each way: TLS 1.3 by default; TLS 1.2 with
 * an AEAD suite and with a CBC one. The stream sizes are those of the
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
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer cb = { sizeof(type), SECBUFFER_TOKEN, &type };
    SecBufferDesc cd = { SECBUFFER_VERSION, 1, &cb };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    struct conn k;
    char line[256];
    ULONG attrs;
    TimeStamp ts;

    conn_open(&k, "LOCALHOST", 0, 0);
    assert_sec(client_handshake(&k, "localhost", false), SEC_E_OK);
    send_line(&k, "bye\n");
    assert_sec(recv_data(&k, line, sizeof(line)), SEC_E_OK);
    assert_sec(ApplyControlToken(&k.ctx, &cd), SEC_E_OK);
    assert_sec(InitializeSecurityContextA(NULL, &k.ctx, (SEC_CHAR *)"localhost",
                                          ISC_REQ_ALLOCATE_MEMORY
                                              | ISC_REQ_STREAM,
                                          0, 0, NULL, 0, &k.ctx, &od, &attrs,
                                          &ts), SEC_E_OK);
    ck_assert_uint_gt(ob.cbBuffer, 0);
    send_all(k.sock, ob.pvBuffer, ob.cbBuffer);
    ck_assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
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

static Suite *
schannel_suite(void)
{
    Suite *s = suite_create("schannel");
    TCase *tc = tcase_create("client");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, handshake_and_data, 0, 3);
    tcase_add_test(tc, byte_by_byte);
    tcase_add_loop_test(tc, server_certificates, 0, 8);
    tcase_add_test(tc, records);
    tcase_add_test(tc, shutdown_sequence);
    tcase_add_test(tc, no_common_protocol);
    tcase_add_test(tc, credentials);
    suite_add_tcase(s, tc);
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
    snprintf(trust, sizeof(trust), "%s/trust.pem", dir);
    return run_suite(schannel_suite());
}
