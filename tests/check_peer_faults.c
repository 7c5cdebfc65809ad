/*
 * check_peer_faults.c - the packages facing a peer that fails (issue #15,
 * item 3; docs/reliability.md, "Peer faults"): a TLS peer that closes or
 * resets the connection mid-handshake or mid-record, records handed over
 * split at every byte boundary, a record duplicated, two swapped, an
 * oversized record; and a GSS peer whose tokens arrive duplicated,
 * reordered, truncated at every byte boundary or not at all, and whose
 * messages arrive duplicated, reordered, truncated or modified.
 *
 * Every case asserts the exact SEC code, that sspigss_last_error() names
 * the cause, that a call that failed made no handle and changed nothing
 * (the handle table's count, the caller's buffers, and a later call that
 * succeeds with the same state), and what the context is good for after
 * the fault, as on Windows. Leaks are the ASan and valgrind passes' to
 * find; the fixture checks handles, context buffers and certificate
 * contexts.
 *
 * The peers are real:
 *   - Schannel: `openssl s_server -rev` (TLS 1.3 and TLS 1.2, started by
 *     tests/check_peer_faults.sh with tests/harness/tls.sh), reached
 *     through a fault relay, a thread of this program on 127.0.0.1 that
 *     passes the client's bytes on and the server's up to a point, then
 *     closes or resets both connections (struct relay); and this
 *     library's own server and client in one process, where the test
 *     decides which bytes each side gets (cheap enough to try every byte
 *     boundary, also under valgrind).
 *   - Kerberos and Negotiate against the throwaway MIT realm of
 *     tests/harness/kdc.sh (alice's password, the service keytab), NTLM
 *     through gss-ntlmssp and a user file, client and server of this
 *     library in one process.
 *
 * Environment (tests/check_peer_faults.sh):
 *   SSPIGSS_TLS_DIR           the PKI: trust.pem, localhost.p12, ...
 *   SSPIGSS_TLS_PORT_LOCALHOST, SSPIGSS_TLS_PORT_TLS12
 *                             s_server -rev, TLS 1.3 / TLS 1.2 only
 *   KRB5_CONFIG, KRB5_KTNAME  the realm SSPIGSS.TEST (kdc.sh's env)
 *   NTLM_USER_FILE            SSPIGSS:alice:alice-pw-1
 *   PEER_FAULTS_VERBOSE       set: print each prefix's code (debugging)
 */
#include "setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include <sspigss/schannel.h>
#include <sspigss/wincrypt.h>

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

#define TLS_HEADER 5
#define WAIT_SECS 10

static const char *pki;
static char trust[600];
static size_t bufs_before, certs_before;
static bool verbose;

static struct timespec t_setup;
/* Faulty inputs handed to the library in this test (a prefix, a copy, a
 * token out of turn, ...), printed with PEER_FAULTS_VERBOSE. */
static unsigned long tried;

static void
setup(void)
{
    clock_gettime(CLOCK_MONOTONIC, &t_setup);
    tried = 0;
    bufs_before = ctxbuf_outstanding();
    certs_before = crypt32_live_contexts();
    ck_assert_int_eq(setenv("SSL_CERT_FILE", trust, 1), 0);
    ck_assert_int_eq(setenv("SSL_CERT_DIR", "/nonexistent", 1), 0);
    unsetenv("SSPIGSS_CERT_STORE_MY");
}

static void
teardown(void)
{
    if (verbose) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        fprintf(stderr, "test took %.2f s, %lu faulty inputs\n",
                (double)(t.tv_sec - t_setup.tv_sec)
                    + (double)(t.tv_nsec - t_setup.tv_nsec) / 1e9, tried);
    }
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "credential handles left");
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "context handles left");
    ck_assert_msg(ctxbuf_outstanding() == bufs_before, "buffers not freed");
    ck_assert_msg(crypt32_live_contexts() == certs_before,
                  "%zu certificate contexts not freed",
                  crypt32_live_contexts() - certs_before);
}

/* The last error names the cause: one of two texts is in it. */
static void
assert_cause2(const char *text, const char *or_text)
{
    ck_assert_msg(strstr(sspigss_last_error(), text) != NULL
                      || strstr(sspigss_last_error(), or_text) != NULL,
                  "last error \"%s\" lacks \"%s\" and \"%s\"",
                  sspigss_last_error(), text, or_text);
}

/* The last error names the cause: text is in it. */
static void
assert_cause(const char *text)
{
    ck_assert_msg(strstr(sspigss_last_error(), text) != NULL,
                  "last error \"%s\" lacks \"%s\"", sspigss_last_error(),
                  text);
}

/* ================================================= Schannel: credentials */

/* localhost.p12's certificate with its key, imported once in main() (a
 * PFX import is slow under valgrind) and inherited by every test. */
static PCCERT_CONTEXT server_cert;

static PCCERT_CONTEXT
load_server_cert(void)
{
    unsigned char buf[16384];
    char path[700];
    CRYPT_DATA_BLOB blob;
    HCERTSTORE store;
    PCCERT_CONTEXT cert;
    FILE *f;

    /* Before any test: no Check assertions here. */
    snprintf(path, sizeof(path), "%s/localhost.p12", pki);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    blob.cbData = (DWORD)fread(buf, 1, sizeof(buf), f);
    fclose(f);
    blob.pbData = buf;
    if (blob.cbData == 0 || blob.cbData == sizeof(buf))
        return NULL;
    store = PFXImportCertStore(&blob, u"p12-pw", 0);
    if (store == NULL)
        return NULL;
    /* The context keeps its store (and the CA in it) alive. */
    cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                      CERT_FIND_HAS_PRIVATE_KEY, NULL, NULL);
    CertCloseStore(store, 0);
    return cert;
}

/* A Schannel credential: the server's with localhost.p12's certificate,
 * the client's with none; protocols as SCHANNEL_CRED has them. */
static void
tls_cred(bool server, DWORD protocols, CredHandle *h)
{
    PCCERT_CONTEXT cert = server ? server_cert : NULL;
    SCHANNEL_CRED sc;
    TimeStamp ts;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = protocols;
    if (cert != NULL) {
        sc.cCreds = 1;
        sc.paCred = &cert;
    }
    assert_sec(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel",
                                         server ? SECPKG_CRED_INBOUND
                                                : SECPKG_CRED_OUTBOUND,
                                         NULL, &sc, NULL, NULL, h, &ts),
               SEC_E_OK);
}

/* ================================================ Schannel: the framing */

/* One direction of the wire: bytes sent and not yet taken. */
struct wire {
    unsigned char b[65536];
    size_t n;
};

/*
 * What SECBUFFER_MISSING must say for the first n bytes of a stream of
 * TLS records: the bytes the first record that is not whole still lacks
 * (5 - n of a header not all there, else the rest of the record), 0 when
 * the input ends on a record boundary.
 */
static size_t
missing_for(const unsigned char *p, size_t n)
{
    size_t off = 0;

    while (off < n) {
        size_t rec;

        if (n - off < TLS_HEADER)
            return TLS_HEADER - (n - off);
        rec = TLS_HEADER + ((size_t)p[off + 3] << 8 | p[off + 4]);
        if (n - off < rec)
            return rec - (n - off);
        off += rec;
    }
    return 0;
}

/* The length of the record at p (n bytes there), 0 when not whole. */
static size_t
record_len(const unsigned char *p, size_t n)
{
    size_t rec;

    if (n < TLS_HEADER)
        return 0;
    rec = TLS_HEADER + ((size_t)p[3] << 8 | p[4]);
    return rec <= n ? rec : 0;
}

/* ============================================ Schannel: in-process pair */

struct end {
    CredHandle cred;
    CtxtHandle ctx;
    bool server, have, done;
    SECURITY_STATUS st;
    int incomplete;                 /* SEC_E_INCOMPLETE_MESSAGE answers */
};

/*
 * Hand the first avail bytes of in to the side's handshake call (ISC or
 * ASC, [TOKEN, EMPTY] in, an allocated TOKEN out), append what it sends
 * to out. On success the bytes it took leave the wire (SECBUFFER_EXTRA
 * stays). On SEC_E_INCOMPLETE_MESSAGE it asserts Windows' answer: the
 * second buffer SECBUFFER_MISSING with the exact count, nothing to send,
 * no handle made, the input untouched.
 */
static SECURITY_STATUS
tls_step(struct end *e, struct wire *in, size_t avail, struct wire *out)
{
    static unsigned char copy[65536];
    SecBuffer ib[2] = { { (ULONG)avail, SECBUFFER_TOKEN, in->b },
                        { 0, SECBUFFER_EMPTY, NULL } };
    SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    size_t ctx_before = handle_count(HANDLE_CTX);
    CtxtHandle fresh;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;
    bool first = !e->have;

    memcpy(copy, in->b, avail);
    memset(&fresh, 0xAB, sizeof(fresh));
    if (e->server)
        st = AcceptSecurityContext(first ? &e->cred : NULL,
                                   first ? NULL : &e->ctx, &id,
                                   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM
                                       | ASC_REQ_CONFIDENTIALITY,
                                   0, first ? &fresh : &e->ctx, &od, &attrs,
                                   &ts);
    else
        st = InitializeSecurityContextA(
            first ? &e->cred : NULL, first ? NULL : &e->ctx,
            (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM
                | ISC_REQ_CONFIDENTIALITY,
            0, 0, first ? NULL : &id, 0, first ? &fresh : &e->ctx, &od,
            &attrs, &ts);
    e->st = st;
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
        e->incomplete++;
        tried++;
        ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
        ck_assert_uint_eq(ib[1].cbBuffer, missing_for(in->b, avail));
        assert_cause("more bytes needed");
        ck_assert_uint_eq(ob.cbBuffer, 0);
        ck_assert_ptr_null(ob.pvBuffer);
        ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx_before);
        if (first)
            ck_assert_uint_eq(fresh.dwLower,
                              (ULONG_PTR)0xABABABABABABABABULL);
        ck_assert(memcmp(copy, in->b, avail) == 0);
        return st;
    }
    if (ob.cbBuffer > 0) {
        ck_assert_uint_le(out->n + ob.cbBuffer, sizeof(out->b));
        memcpy(out->b + out->n, ob.pvBuffer, ob.cbBuffer);
        out->n += ob.cbBuffer;
    }
    if (ob.pvBuffer != NULL)
        assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    if (!SEC_SUCCESS(st))
        return st;
    if (first) {
        e->ctx = fresh;
        e->have = true;
    }
    if (!first || e->server) {
        size_t extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer
                                                           : 0;

        ck_assert_uint_le(extra, avail);
        memmove(in->b, in->b + avail - extra, in->n - (avail - extra));
        in->n -= avail - extra;
    }
    if (st == SEC_E_OK)
        e->done = true;
    return st;
}

/*
 * Everything on the wire to e: all at once, or (trickle) one byte more
 * at each call, so that the side sees every prefix of every flight.
 */
static void
deliver(struct end *e, struct wire *in, struct wire *out, bool trickle)
{
    size_t given = trickle ? 1 : in->n;

    while (in->n > 0 && !e->done) {
        SECURITY_STATUS st;

        if (given > in->n)
            given = in->n;
        st = tls_step(e, in, given, out);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            ck_assert_msg(given < in->n, "a whole flight is incomplete");
            given++;
            continue;
        }
        ck_assert_msg(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED,
                      "handshake step: %s: %s", sspigss_status_name(st),
                      sspigss_last_error());
        given = trickle ? 1 : in->n;
        /* What is left is a record cut short: give one byte more. */
        if (trickle && in->n > 0)
            given = in->n + 1;
    }
}

/* A handshake between our client and our server, each flight delivered
 * whole or a byte at a time. */
static void
tls_pair(struct end *cl, struct end *sv, DWORD protocols, bool trickle,
         struct wire *c2s, struct wire *s2c)
{
    SecPkgContext_ConnectionInfo ci;
    int rounds;

    memset(cl, 0, sizeof(*cl));
    memset(sv, 0, sizeof(*sv));
    sv->server = true;
    tls_cred(false, protocols & (SP_PROT_TLS1_2_CLIENT
                                 | SP_PROT_TLS1_3_CLIENT), &cl->cred);
    tls_cred(true, protocols & (SP_PROT_TLS1_2_SERVER
                                | SP_PROT_TLS1_3_SERVER), &sv->cred);
    c2s->n = s2c->n = 0;
    assert_sec(tls_step(cl, s2c, 0, c2s), SEC_I_CONTINUE_NEEDED);
    for (rounds = 0; rounds < 10 && !(cl->done && sv->done); rounds++) {
        deliver(sv, c2s, s2c, trickle);
        deliver(cl, s2c, c2s, trickle);
    }
    ck_assert_msg(cl->done && sv->done, "the handshake did not end");
    assert_sec(QueryContextAttributesA(&cl->ctx, SECPKG_ATTR_CONNECTION_INFO,
                                       &ci), SEC_E_OK);
    ck_assert_uint_ne(ci.dwProtocol & protocols, 0);
}

static void
end_free(struct end *e)
{
    if (e->have)
        assert_sec(DeleteSecurityContext(&e->ctx), SEC_E_OK);
    e->have = false;
    assert_sec(FreeCredentialsHandle(&e->cred), SEC_E_OK);
}

/* EncryptMessage of len bytes of text into one record, appended to w;
 * returns the record's length. */
static size_t
tls_seal(CtxtHandle *h, const void *text, size_t len, struct wire *w)
{
    SecPkgContext_StreamSizes sz;
    unsigned char *rec = w->b + w->n;
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    size_t n;

    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_STREAM_SIZES, &sz),
               SEC_E_OK);
    ck_assert_uint_le(w->n + sz.cbHeader + len + sz.cbTrailer,
                      sizeof(w->b));
    memcpy(rec + sz.cbHeader, text, len);
    b[0] = (SecBuffer){ sz.cbHeader, SECBUFFER_STREAM_HEADER, rec };
    b[1] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, rec + sz.cbHeader };
    b[2] = (SecBuffer){ sz.cbTrailer, SECBUFFER_STREAM_TRAILER,
                        rec + sz.cbHeader + len };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    assert_sec(EncryptMessage(h, 0, &d, 0), SEC_E_OK);
    n = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
    w->n += n;
    return n;
}

/* DecryptMessage of [DATA(p, n), EMPTY, EMPTY, EMPTY]; b gets the
 * buffers as the call left them. */
static SECURITY_STATUS
tls_open(CtxtHandle *h, unsigned char *p, size_t n, SecBuffer b[4])
{
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };

    b[0] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, p };
    b[1] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    b[2] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    return DecryptMessage(h, &d, 0, NULL);
}

/*
 * Every prefix of the record at the start of p (n bytes there, the
 * record and maybe more) that is not the whole record:
 * SEC_E_INCOMPLETE_MESSAGE, the DATA buffer and the first EMPTY one
 * SECBUFFER_MISSING with the bytes still lacking (Wine's
 * dlls/secur32/tests/schannel.c, recorded on Windows), the bytes
 * untouched. Returns the record's length.
 */
static size_t
tls_open_prefixes(CtxtHandle *h, const unsigned char *p, size_t n)
{
    static unsigned char buf[65536];
    size_t rec = record_len(p, n), len;
    SecBuffer b[4];

    ck_assert_uint_gt(rec, 0);
    for (len = 1; len < rec; len++) {
        memcpy(buf, p, len);
        assert_sec(tls_open(h, buf, len, b), SEC_E_INCOMPLETE_MESSAGE);
        tried++;
        assert_cause("more bytes needed");
        ck_assert_uint_eq(b[0].BufferType, SECBUFFER_MISSING);
        ck_assert_uint_eq(b[0].cbBuffer, missing_for(p, len));
        ck_assert_uint_eq(b[1].BufferType, SECBUFFER_MISSING);
        ck_assert_uint_eq(b[1].cbBuffer, missing_for(p, len));
        ck_assert_uint_eq(b[2].BufferType, SECBUFFER_EMPTY);
        ck_assert_uint_eq(b[3].BufferType, SECBUFFER_EMPTY);
        ck_assert(memcmp(buf, p, len) == 0);
    }
    return rec;
}

/* Bytes for a message: deterministic, different for each seed. */
static void
fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 31u + i * 7u + (i >> 8));
}

/* The protocol sets of the in-process cases: TLS 1.3, TLS 1.2. */
static const DWORD tls_versions[] = { SP_PROT_TLS1_3, SP_PROT_TLS1_2 };

/* ======================================== Schannel: in-process cases */

/*
 * The handshake with every flight handed over one byte more at a time,
 * both sides (the server's first call makes no context until the
 * ClientHello is whole): each call short of a whole record is
 * SEC_E_INCOMPLETE_MESSAGE with the exact SECBUFFER_MISSING count,
 * nothing to send, no handle, the input untouched (tls_step); the
 * handshake then completes and data passes unchanged.
 */
START_TEST(tls_split_handshake)
{
    static struct wire c2s, s2c;
    unsigned char msg[300];
    struct end cl, sv;
    SecBuffer b[4];
    size_t rec;

    tls_pair(&cl, &sv, tls_versions[_i], true, &c2s, &s2c);
    /* Every byte of the ClientHello and of the client's last flight but
     * the last of each record, and the same of the server's flight. */
    ck_assert_int_gt(sv.incomplete, 100);
    ck_assert_int_gt(cl.incomplete, 100);
    fill(msg, sizeof(msg), 1);
    c2s.n = 0;
    rec = tls_seal(&cl.ctx, msg, sizeof(msg), &c2s);
    assert_sec(tls_open(&sv.ctx, c2s.b, rec, b), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, sizeof(msg));
    ck_assert(memcmp(b[1].pvBuffer, msg, sizeof(msg)) == 0);
    end_free(&cl);
    end_free(&sv);
}
END_TEST

/*
 * Application records split at every byte boundary (1000 bytes, then a
 * short one behind it): every prefix of a record is
 * SEC_E_INCOMPLETE_MESSAGE with the missing count and nothing taken; the
 * record with the start of the next one behind it opens, the rest comes
 * back as SECBUFFER_EXTRA, and the plaintext is the sender's.
 */
START_TEST(tls_split_record)
{
    static struct wire c2s, s2c;
    unsigned char a[1000], z[10];
    struct end cl, sv;
    SecBuffer b[4];
    size_t ra, rz;

    tls_pair(&cl, &sv, tls_versions[_i], false, &c2s, &s2c);
    fill(a, sizeof(a), 2);
    fill(z, sizeof(z), 3);
    c2s.n = 0;
    ra = tls_seal(&cl.ctx, a, sizeof(a), &c2s);
    rz = tls_seal(&cl.ctx, z, sizeof(z), &c2s);
    ck_assert_uint_eq(tls_open_prefixes(&sv.ctx, c2s.b, c2s.n), ra);
    /* The whole record and three bytes of the next. */
    assert_sec(tls_open(&sv.ctx, c2s.b, ra + 3, b), SEC_E_OK);
    ck_assert_uint_eq(b[0].BufferType, SECBUFFER_STREAM_HEADER);
    ck_assert_uint_eq(b[1].BufferType, SECBUFFER_DATA);
    ck_assert_uint_eq(b[1].cbBuffer, sizeof(a));
    ck_assert(memcmp(b[1].pvBuffer, a, sizeof(a)) == 0);
    ck_assert_uint_eq(b[2].BufferType, SECBUFFER_STREAM_TRAILER);
    ck_assert_uint_eq(b[3].BufferType, SECBUFFER_EXTRA);
    ck_assert_uint_eq(b[3].cbBuffer, 3);
    ck_assert_ptr_eq(b[3].pvBuffer, c2s.b + ra);
    ck_assert_uint_eq(tls_open_prefixes(&sv.ctx, c2s.b + ra, rz), rz);
    assert_sec(tls_open(&sv.ctx, c2s.b + ra, rz, b), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, sizeof(z));
    ck_assert(memcmp(b[1].pvBuffer, z, sizeof(z)) == 0);
    ck_assert_uint_ne(b[3].BufferType, SECBUFFER_EXTRA);
    end_free(&cl);
    end_free(&sv);
}
END_TEST

/*
 * After a record that did not open, the connection is over, as TLS
 * requires (RFC 8446 6, RFC 5246 7.2.2: a fatal alert closes it): the
 * next record in order does not open and nothing can be sent, both
 * SEC_E_CONTEXT_EXPIRED naming the earlier failure (lib/pkg_schannel.c,
 * record_after_failure), while the handle stays valid for
 * QueryContextAttributes and DeleteSecurityContext.
 */
static void
assert_connection_over(CtxtHandle *h, unsigned char *next, size_t len,
                       const char *cause)
{
    unsigned char buf[64];
    SecBuffer b[4] = { { 5, SECBUFFER_STREAM_HEADER, buf },
                       { 3, SECBUFFER_DATA, buf + 5 },
                       { 48, SECBUFFER_STREAM_TRAILER, buf + 8 },
                       { 0, SECBUFFER_EMPTY, NULL } };
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    SecPkgContext_ConnectionInfo ci;
    SecBuffer ob[4];
    size_t ctx = handle_count(HANDLE_CTX);

    assert_sec(tls_open(h, next, len, ob), SEC_E_CONTEXT_EXPIRED);
    assert_cause("after the connection failed");
    assert_cause(cause);
    memcpy(buf + 5, "abc", 3);
    assert_sec(EncryptMessage(h, 0, &d, 0), SEC_E_CONTEXT_EXPIRED);
    assert_cause(cause);
    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_CONNECTION_INFO, &ci),
               SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx);
}

/*
 * A record delivered twice (_i even) or two records swapped (_i odd),
 * TLS 1.3 and 1.2. TLS numbers records implicitly: the copy, or the
 * record ahead of its turn, is opened with the wrong sequence number
 * and fails its check like a changed record, bad_record_mac:
 * SEC_E_MESSAGE_ALTERED (Microsoft, "Schannel error codes for TLS and
 * SSL alerts"; DecryptMessage (Schannel) lists it for "the message has
 * been altered"). Schannel has no replay code of its own for TLS
 * (SEC_E_OUT_OF_SEQUENCE is for the message packages' numbering;
 * DecryptMessage (Schannel): "Schannel SSP does not use sequence
 * numbers"). The plaintext is not handed out.
 */
START_TEST(tls_duplicate_or_swapped)
{
    static struct wire c2s, s2c;
    unsigned char a[100], z[100], copy[200];
    struct end cl, sv;
    SecBuffer b[4];
    size_t ra, rz;

    tls_pair(&cl, &sv, tls_versions[_i / 2], false, &c2s, &s2c);
    fill(a, sizeof(a), 4);
    fill(z, sizeof(z), 5);
    c2s.n = 0;
    ra = tls_seal(&cl.ctx, a, sizeof(a), &c2s);
    rz = tls_seal(&cl.ctx, z, sizeof(z), &c2s);
    ck_assert_uint_le(ra, sizeof(copy));
    if (_i % 2 == 0) {
        memcpy(copy, c2s.b, ra);
        assert_sec(tls_open(&sv.ctx, c2s.b, ra, b), SEC_E_OK);
        ck_assert(memcmp(b[1].pvBuffer, a, sizeof(a)) == 0);
        assert_sec(tls_open(&sv.ctx, copy, ra, b), SEC_E_MESSAGE_ALTERED);
        ck_assert_uint_eq(b[1].BufferType, SECBUFFER_EMPTY);
        assert_cause("alert sent: bad record mac");
        assert_connection_over(&sv.ctx, c2s.b + ra, rz, "bad record mac");
    } else {
        assert_sec(tls_open(&sv.ctx, c2s.b + ra, rz, b),
                   SEC_E_MESSAGE_ALTERED);
        ck_assert_uint_eq(b[1].BufferType, SECBUFFER_EMPTY);
        assert_cause("alert sent: bad record mac");
        assert_connection_over(&sv.ctx, c2s.b, ra, "bad record mac");
    }
    end_free(&cl);
    end_free(&sv);
}
END_TEST

/*
 * A record longer than TLS allows, judged from its header alone (the
 * rest never needs to arrive): a body of 2^14 + 2048 + 1 bytes (over
 * RFC 5246 6.2.3's limit, so over TLS 1.3's too) on either version,
 * and of 2^14 + 256 + 1 under TLS 1.3 (RFC 8446 5.2). OpenSSL sends
 * record_overflow; Schannel's code for that alert is
 * SEC_E_ILLEGAL_MESSAGE (Microsoft, "Schannel error codes for TLS and
 * SSL alerts"; lib/map_tls.c). A header of a record within the limit
 * is SEC_E_INCOMPLETE_MESSAGE as any other. The connection is over
 * afterwards.
 */
START_TEST(tls_oversized_record)
{
    static const struct {
        int version;                /* index into tls_versions */
        size_t body;
        SECURITY_STATUS want;
    } v[] = {
        { 0, 16384 + 2048 + 1, SEC_E_ILLEGAL_MESSAGE },
        { 1, 16384 + 2048 + 1, SEC_E_ILLEGAL_MESSAGE },
        { 0, 16384 + 256 + 1, SEC_E_ILLEGAL_MESSAGE },
        { 1, 16384 + 256 + 1, SEC_E_INCOMPLETE_MESSAGE },
        { 1, 16384 + 2048, SEC_E_INCOMPLETE_MESSAGE },
    };
    static struct wire c2s, s2c;
    unsigned char hdr[TLS_HEADER] = { 23, 3, 3, 0, 0 }, a[10];
    struct end cl, sv;
    SecBuffer b[4];
    size_t ra;

    tls_pair(&cl, &sv, tls_versions[v[_i].version], false, &c2s, &s2c);
    fill(a, sizeof(a), 6);
    c2s.n = 0;
    ra = tls_seal(&cl.ctx, a, sizeof(a), &c2s);
    hdr[3] = (unsigned char)(v[_i].body >> 8);
    hdr[4] = (unsigned char)(v[_i].body & 0xff);
    assert_sec(tls_open(&sv.ctx, hdr, sizeof(hdr), b), v[_i].want);
    if (v[_i].want == SEC_E_INCOMPLETE_MESSAGE) {
        ck_assert_uint_eq(b[0].BufferType, SECBUFFER_MISSING);
        ck_assert_uint_eq(b[0].cbBuffer, v[_i].body);
        /* Nothing taken: the next real record opens. */
        assert_sec(tls_open(&sv.ctx, c2s.b, ra, b), SEC_E_OK);
        ck_assert(memcmp(b[1].pvBuffer, a, sizeof(a)) == 0);
    } else {
        assert_cause("alert sent: record overflow");
        assert_connection_over(&sv.ctx, c2s.b, ra, "record overflow");
    }
    end_free(&cl);
    end_free(&sv);
}
END_TEST

/*
 * A record whose plaintext is longer than TLS allows (2^14 + 1 bytes,
 * RFC 5246 6.2.1) inside a valid protection. No TLS stack writes one,
 * so the peer is OpenSSL as a TLS 1.2 client in this process (memory
 * BIOs, ECDHE-ECDSA-AES128-GCM-SHA256) against this library's server,
 * and the record is sealed here with the client's write key and IV
 * (RFC 5246 6.3 key block from the session's master secret, RFC 5288
 * nonce and additional data). A 100-byte record made so opens first,
 * which shows the keys are right; the long one then fails after
 * decryption with record_overflow: SEC_E_ILLEGAL_MESSAGE, and the
 * connection is over.
 */
static size_t
gcm_record(const unsigned char key[16], const unsigned char iv[4],
           uint64_t seq, const unsigned char *plain, size_t len,
           unsigned char *out)
{
    unsigned char nonce[12], aad[13];
    EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
    int n = 0, m = 0, i;

    ck_assert_ptr_nonnull(e);
    memcpy(nonce, iv, 4);
    for (i = 0; i < 8; i++)
        nonce[4 + i] = aad[i] = (unsigned char)(seq >> (56 - 8 * i));
    aad[8] = 23;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (unsigned char)(len >> 8);
    aad[12] = (unsigned char)len;
    out[0] = 23;
    out[1] = 3;
    out[2] = 3;
    out[3] = (unsigned char)((8 + len + 16) >> 8);
    out[4] = (unsigned char)(8 + len + 16);
    memcpy(out + 5, nonce + 4, 8);
    ck_assert_int_eq(EVP_EncryptInit_ex(e, EVP_aes_128_gcm(), NULL, key,
                                        nonce), 1);
    ck_assert_int_eq(EVP_EncryptUpdate(e, NULL, &n, aad, sizeof(aad)), 1);
    ck_assert_int_eq(EVP_EncryptUpdate(e, out + 13, &n, plain, (int)len),
                     1);
    ck_assert_int_eq(EVP_EncryptFinal_ex(e, out + 13 + n, &m), 1);
    ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16,
                                         out + 13 + n + m), 1);
    EVP_CIPHER_CTX_free(e);
    return 13 + len + 16;
}

START_TEST(tls_plaintext_overflow)
{
    static struct wire c2s, s2c;
    static unsigned char plain[16385], rec[16500];
    unsigned char master[48], seed[13 + 64], kb[40];
    SSL_CTX *octx = SSL_CTX_new(TLS_client_method());
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM params[4];
    struct end sv;
    SecBuffer b[4];
    BIO *rb, *wb;
    SSL *ssl;
    size_t n;
    int rounds, r = 0;

    ck_assert_ptr_nonnull(octx);
    ck_assert_ptr_nonnull(kctx);
    ck_assert_int_eq(SSL_CTX_set_min_proto_version(octx, TLS1_2_VERSION),
                     1);
    ck_assert_int_eq(SSL_CTX_set_max_proto_version(octx, TLS1_2_VERSION),
                     1);
    ck_assert_int_eq(SSL_CTX_set_cipher_list(
                         octx, "ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
    ssl = SSL_new(octx);
    rb = BIO_new(BIO_s_mem());
    wb = BIO_new(BIO_s_mem());
    ck_assert(ssl != NULL && rb != NULL && wb != NULL);
    SSL_set_bio(ssl, rb, wb);
    SSL_set_connect_state(ssl);
    memset(&sv, 0, sizeof(sv));
    sv.server = true;
    tls_cred(true, SP_PROT_TLS1_2_SERVER, &sv.cred);
    c2s.n = s2c.n = 0;
    for (rounds = 0; rounds < 10 && !(r == 1 && sv.done); rounds++) {
        int k;

        r = SSL_do_handshake(ssl);
        while ((k = BIO_read(wb, c2s.b + c2s.n,
                             (int)(sizeof(c2s.b) - c2s.n))) > 0)
            c2s.n += (size_t)k;
        deliver(&sv, &c2s, &s2c, false);
        if (s2c.n > 0) {
            ck_assert_int_eq(BIO_write(rb, s2c.b, (int)s2c.n),
                             (int)s2c.n);
            s2c.n = 0;
        }
    }
    ck_assert_msg(r == 1 && sv.done, "the handshake did not end");

    /* RFC 5246 6.3: key_block = PRF(master_secret, "key expansion",
     * server_random + client_random); AES-128-GCM takes no MAC keys:
     * client key, server key, client IV, server IV. */
    ck_assert_uint_eq(SSL_SESSION_get_master_key(SSL_get_session(ssl),
                                                 master, sizeof(master)),
                      48);
    memcpy(seed, "key expansion", 13);
    ck_assert_uint_eq(SSL_get_server_random(ssl, seed + 13, 32), 32);
    ck_assert_uint_eq(SSL_get_client_random(ssl, seed + 45, 32), 32);
    params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string("secret", master,
                                                  sizeof(master));
    params[2] = OSSL_PARAM_construct_octet_string("seed", seed,
                                                  sizeof(seed));
    params[3] = OSSL_PARAM_construct_end();
    ck_assert_int_eq(EVP_KDF_derive(kctx, kb, sizeof(kb), params), 1);

    /* The client's first record after its Finished has sequence 1. */
    fill(plain, 100, 7);
    n = gcm_record(kb, kb + 32, 1, plain, 100, rec);
    assert_sec(tls_open(&sv.ctx, rec, n, b), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, 100);
    ck_assert(memcmp(b[1].pvBuffer, plain, 100) == 0);
    fill(plain, sizeof(plain), 8);
    n = gcm_record(kb, kb + 32, 2, plain, sizeof(plain), rec);
    ck_assert_uint_le(n - TLS_HEADER, 16384 + 2048);
    assert_sec(tls_open(&sv.ctx, rec, n, b), SEC_E_ILLEGAL_MESSAGE);
    assert_cause("alert sent: record overflow");
    ck_assert_uint_eq(b[1].BufferType, SECBUFFER_EMPTY);
    assert_connection_over(&sv.ctx, rec, n, "record overflow");

    OPENSSL_cleanse(master, sizeof(master));
    OPENSSL_cleanse(kb, sizeof(kb));
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    SSL_free(ssl);
    SSL_CTX_free(octx);
    end_free(&sv);
}
END_TEST

/* ============================================ Schannel: the fault relay */

/*
 * A relay between this program's TLS client and an s_server: a thread
 * that accepts one connection on 127.0.0.1, connects to the server and
 * passes bytes both ways. Once armed, it passes the server's records
 * until cut_record records after the arming point and cut_bytes bytes of
 * that one (its header included) have gone to the client, sets
 * cut_reached, and waits for the test to say "now" (the test has read
 * every byte passed, so none is lost to a reset), then ends both
 * connections: a close (FIN) or, with reset, an abortive close (RST,
 * SO_LINGER 0). The s_server serves its next connection as usual.
 */
struct relay {
    pthread_t thread;
    bool started;
    int ls, go[2];
    uint16_t port, upstream;
    bool reset;
    bool upward;                    /* cut the connecting side's stream */
    atomic_int armed;               /* 1: cut as below */
    int cut_record;
    size_t cut_bytes;
    atomic_int cut_reached;
    atomic_size_t passed;           /* bytes of the cut stream passed */
};

static void
set_timeouts(int fd)
{
    struct timeval tv = { WAIT_SECS, 0 };

    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool
send_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;

    while (n > 0) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);

        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

static int
dial(uint16_t port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    set_timeouts(fd);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* End the client's connection: FIN, or RST with reset. */
static void
hang_up(int fd, bool reset)
{
    if (reset) {
        struct linger l = { 1, 0 };

        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    close(fd);
}

static void *
relay_main(void *arg)
{
    static unsigned char buf[65536], pend[65536];
    struct relay *r = arg;
    struct pollfd lp = { r->ls, POLLIN, 0 };
    size_t npend = 0, limit = 0, start = 0, off = 0;
    int cl, up, from, to, rec = 0;
    bool limit_known = false;

    if (poll(&lp, 1, WAIT_SECS * 1000) != 1)
        return NULL;
    cl = accept4(r->ls, NULL, NULL, SOCK_CLOEXEC);
    if (cl < 0)
        return NULL;
    set_timeouts(cl);
    up = dial(r->upstream);
    if (up < 0) {
        close(cl);
        return NULL;
    }
    /* The stream that is cut runs from `from` to `to`: the server's to
     * the client (downward), or the connecting side's to the server. */
    from = r->upward ? cl : up;
    to = r->upward ? up : cl;
    for (;;) {
        struct pollfd p[2] = { { to, POLLIN, 0 }, { from, POLLIN, 0 } };
        ssize_t n;

        if (poll(p, 2, WAIT_SECS * 1000) <= 0)
            break;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            n = recv(to, buf, sizeof(buf), 0);
            if (n <= 0 || !send_all(from, buf, (size_t)n))
                break;
        }
        if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = recv(from, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        if (!atomic_load(&r->armed)) {
            if (!send_all(to, buf, (size_t)n))
                break;
            atomic_fetch_add(&r->passed, (size_t)n);
            continue;
        }
        /* Armed: keep what arrives, find where the cut is, pass up to
         * it. pend[0] is the first byte after the arming point. */
        if (npend + (size_t)n > sizeof(pend))
            break;
        memcpy(pend + npend, buf, (size_t)n);
        npend += (size_t)n;
        while (!limit_known && npend - start >= (rec == r->cut_record
                                                     ? 0 : TLS_HEADER)) {
            if (rec == r->cut_record) {
                limit = start + r->cut_bytes;
                limit_known = true;
                break;
            }
            start += TLS_HEADER
                     + ((size_t)pend[start + 3] << 8 | pend[start + 4]);
            rec++;
        }
        {
            size_t upto = limit_known && limit < npend ? limit : npend;

            if (upto > off) {
                if (!send_all(to, pend + off, upto - off))
                    break;
                atomic_fetch_add(&r->passed, upto - off);
                off = upto;
            }
        }
        if (limit_known && off == limit) {
            char c;
            struct pollfd gp = { r->go[0], POLLIN, 0 };

            atomic_store(&r->cut_reached, 1);
            if (poll(&gp, 1, WAIT_SECS * 1000) == 1)
                (void)read(r->go[0], &c, 1);
            break;
        }
    }
    hang_up(to, r->reset);
    close(from);
    return NULL;
}

/* A socket listening on 127.0.0.1 on a port the kernel picks. */
static int
listen_loopback(uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A relay in front of 127.0.0.1:upstream; upward: the stream it cuts is
 * the connecting side's (else the server's). */
static void
relay_start_port(struct relay *r, uint16_t upstream, bool reset,
                 bool upward)
{
    memset(r, 0, sizeof(*r));
    r->upstream = upstream;
    r->reset = reset;
    r->upward = upward;
    r->ls = listen_loopback(&r->port);
    ck_assert_int_eq(pipe2(r->go, O_CLOEXEC), 0);
    ck_assert_int_eq(pthread_create(&r->thread, NULL, relay_main, r), 0);
    r->started = true;
}

/* A relay in front of the s_server SSPIGSS_TLS_PORT_<server>. */
static void
relay_start(struct relay *r, const char *server, bool reset)
{
    char var[64];
    const char *v;

    snprintf(var, sizeof(var), "SSPIGSS_TLS_PORT_%s", server);
    v = getenv(var);
    ck_assert_msg(v != NULL, "%s not set", var);
    relay_start_port(r, (uint16_t)strtoul(v, NULL, 10), reset, false);
}

/* Cut the stream cut_bytes into the cut_record-th record from now (the
 * stream is at a record boundary: nothing is on its way). */
static void
relay_arm(struct relay *r, int cut_record, size_t cut_bytes)
{
    r->cut_record = cut_record;
    r->cut_bytes = cut_bytes;
    atomic_store(&r->armed, 1);
}

static void
relay_stop(struct relay *r)
{
    if (!r->started)
        return;
    ck_assert_int_eq(write(r->go[1], "x", 1), 1);
    pthread_join(r->thread, NULL);
    close(r->ls);
    close(r->go[0]);
    close(r->go[1]);
    r->started = false;
}

/* ----------------------------------------- Schannel: the client's loop */

struct tls_conn {
    struct relay *relay;
    int sock;
    CredHandle cred;
    CtxtHandle ctx;
    bool have;
    unsigned char in[65536];
    size_t in_len;
    size_t total;                   /* bytes received in all */
    int eof;                        /* -1: open; 0: FIN; else errno */
    bool told;                      /* the relay was told to cut */
    SECURITY_STATUS last;           /* the loop's last status */
};

static void
tls_conn_open(struct tls_conn *k, struct relay *r, DWORD protocols)
{
    memset(k, 0, sizeof(*k));
    k->relay = r;
    k->eof = -1;
    tls_cred(false, protocols, &k->cred);
    k->sock = dial(r->port);
    ck_assert_int_ge(k->sock, 0);
}

/*
 * More bytes from the server. When the relay has cut the stream and
 * every byte it passed is here, it is told to end the connection first,
 * so that the read sees the close or the reset. False at the end.
 */
static bool
tls_conn_read(struct tls_conn *k)
{
    ssize_t n;
    int i;

    /* The relay may flag its cut only after its bytes have arrived:
     * wait in short steps, telling it as soon as it has. */
    for (i = 0; i < WAIT_SECS * 20; i++) {
        struct pollfd pf = { k->sock, POLLIN, 0 };

        if (!k->told && atomic_load(&k->relay->cut_reached)
            && k->total == atomic_load(&k->relay->passed)) {
            ck_assert_int_eq(write(k->relay->go[1], "x", 1), 1);
            k->told = true;
        }
        if (poll(&pf, 1, 50) == 1)
            break;
    }
    ck_assert_uint_lt(k->in_len, sizeof(k->in));
    n = recv(k->sock, k->in + k->in_len, sizeof(k->in) - k->in_len, 0);
    if (n <= 0) {
        k->eof = n == 0 ? 0 : errno;
        ck_assert_msg(n == 0 || errno != EAGAIN, "the relay went silent");
        return false;
    }
    k->in_len += (size_t)n;
    k->total += (size_t)n;
    return true;
}

/*
 * Windows' client loop (curl's schannel.c has its shape) until
 * SEC_E_OK, a failure, or the end of the connection: after
 * SEC_E_INCOMPLETE_MESSAGE (whose MISSING count is checked) it reads
 * more, and a connection that ends there makes the caller give up with
 * the status it has.
 */
static SECURITY_STATUS
tls_conn_handshake(struct tls_conn *k)
{
    for (;;) {
        SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        ULONG attrs;
        TimeStamp ts;
        SECURITY_STATUS st;

        st = InitializeSecurityContextA(
            k->have ? NULL : &k->cred, k->have ? &k->ctx : NULL,
            (SEC_CHAR *)"localhost",
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM
                | ISC_REQ_CONFIDENTIALITY,
            0, 0, k->have ? &id : NULL, 0, &k->ctx, &od, &attrs, &ts);
        k->last = st;
        if (ob.pvBuffer != NULL) {
            ck_assert(send_all(k->sock, ob.pvBuffer, ob.cbBuffer));
            assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
            ck_assert_uint_eq(ib[1].cbBuffer,
                              missing_for(k->in, k->in_len));
            assert_cause("more bytes needed");
            if (!tls_conn_read(k))
                return st;
            continue;
        }
        if (!SEC_SUCCESS(st))
            return st;
        if (k->have) {
            size_t extra = ib[1].BufferType == SECBUFFER_EXTRA
                           ? ib[1].cbBuffer : 0;

            memmove(k->in, k->in + k->in_len - extra, extra);
            k->in_len = extra;
        }
        k->have = true;
        if (st == SEC_E_OK)
            return st;
        if (k->in_len == 0 && !tls_conn_read(k))
            return st;
    }
}

/* EncryptMessage of text, sent. */
static void
tls_conn_send(struct tls_conn *k, const char *text)
{
    struct wire *w = malloc(sizeof(*w));

    ck_assert_ptr_nonnull(w);
    w->n = 0;
    tls_seal(&k->ctx, text, strlen(text), w);
    ck_assert(send_all(k->sock, w->b, w->n));
    free(w);
}

/*
 * The next record with application data, as Windows' callers read: more
 * bytes after SEC_E_INCOMPLETE_MESSAGE, and each TLS 1.3 session ticket
 * (SEC_I_RENEGOTIATE) answered with InitializeSecurityContext and the
 * EXTRA bytes. out gets the data (NUL-terminated). Returns the last
 * status: SEC_E_OK, a failure, or SEC_E_INCOMPLETE_MESSAGE when the
 * connection ended in a record.
 */
static SECURITY_STATUS
tls_conn_recv(struct tls_conn *k, char *out, size_t size)
{
    for (;;) {
        SecBuffer b[4];
        SECURITY_STATUS st;

        if (k->in_len == 0 && !tls_conn_read(k))
            return SEC_E_INCOMPLETE_MESSAGE;
        st = tls_open(&k->ctx, k->in, k->in_len, b);
        k->last = st;
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            ck_assert_uint_eq(b[0].cbBuffer, missing_for(k->in, k->in_len));
            assert_cause("more bytes needed");
            if (!tls_conn_read(k))
                return st;
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE)
            return st;
        if (b[1].cbBuffer > 0) {
            ck_assert_uint_lt(b[1].cbBuffer, size);
            memcpy(out, b[1].pvBuffer, b[1].cbBuffer);
            out[b[1].cbBuffer] = '\0';
        }
        if (b[3].BufferType == SECBUFFER_EXTRA) {
            memmove(k->in, b[3].pvBuffer, b[3].cbBuffer);
            k->in_len = b[3].cbBuffer;
        } else {
            k->in_len = 0;
        }
        if (st == SEC_I_RENEGOTIATE) {
            SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN,
                                  k->in },
                                { 0, SECBUFFER_EMPTY, NULL } };
            SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
            SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
            SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
            ULONG attrs;

            assert_sec(InitializeSecurityContextA(
                           NULL, &k->ctx, (SEC_CHAR *)"localhost",
                           ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0,
                           &id, 0, NULL, &od, &attrs, NULL),
                       SEC_E_OK);
            ck_assert_uint_eq(ob.cbBuffer, 0);
            continue;
        }
        if (b[1].cbBuffer > 0)
            return SEC_E_OK;
    }
}

/* The caller gives up: the context (half-made or not) and credential
 * are deleted, the socket closed; nothing is left (the fixture). */
static void
tls_conn_close(struct tls_conn *k)
{
    if (k->have)
        assert_sec(DeleteSecurityContext(&k->ctx), SEC_E_OK);
    assert_sec(FreeCredentialsHandle(&k->cred), SEC_E_OK);
    close(k->sock);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}

/* The s_servers the relay cases use: TLS 1.3 and TLS 1.2. */
static const struct {
    const char *name;
    DWORD protocols;
} tls_servers[] = {
    { "LOCALHOST", SP_PROT_TLS1_3_CLIENT },
    { "TLS12", SP_PROT_TLS1_2_CLIENT },
};

/*
 * The server closes (_i even) or resets (_i odd) the connection in the
 * middle of its first flight: 3 bytes into its first record's header,
 * 60 bytes into it, and 2 bytes into its second record, against TLS
 * 1.3 and TLS 1.2 (s_server). Each InitializeSecurityContext short of a
 * whole record is SEC_E_INCOMPLETE_MESSAGE with the exact MISSING count
 * (checked in tls_conn_handshake); then the read sees the close (0) or
 * the reset (ECONNRESET), the caller gives up, and
 * DeleteSecurityContext on the half-made context succeeds.
 */
START_TEST(tls_peer_gone_mid_handshake)
{
    static const struct {
        int record;
        size_t bytes;
    } cuts[] = { { 0, 3 }, { 0, 60 }, { 1, 2 } };
    int server = (_i / 2) % 2, cut = _i / 4;
    bool reset = _i % 2 == 1;
    struct relay r;
    struct tls_conn k;

    relay_start(&r, tls_servers[server].name, reset);
    relay_arm(&r, cuts[cut].record, cuts[cut].bytes);
    tls_conn_open(&k, &r, tls_servers[server].protocols);
    assert_sec(tls_conn_handshake(&k), SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_int_eq(k.eof, reset ? ECONNRESET : 0);
    ck_assert(k.have);
    ck_assert_uint_eq(k.total, atomic_load(&r.passed));
    /* Handing in the same bytes again changes nothing. */
    {
        SecBuffer ib[2] = { { (ULONG)k.in_len, SECBUFFER_TOKEN, k.in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        ULONG attrs;

        assert_sec(InitializeSecurityContextA(
                       NULL, &k.ctx, (SEC_CHAR *)"localhost",
                       ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, 0, 0, &id,
                       0, NULL, &od, &attrs, NULL),
                   SEC_E_INCOMPLETE_MESSAGE);
        ck_assert_uint_eq(ib[1].cbBuffer, missing_for(k.in, k.in_len));
        ck_assert_ptr_null(ob.pvBuffer);
    }
    tls_conn_close(&k);
    relay_stop(&r);
}
END_TEST

/*
 * The server closes (_i even) or resets (_i odd) the connection in the
 * middle of an application record (TLS 1.3 and 1.2, 10 bytes of its
 * body passed): DecryptMessage is SEC_E_INCOMPLETE_MESSAGE with the
 * bytes still missing, and stays so (nothing taken); the read sees the
 * close or the reset, and the caller gives up. The context is intact
 * (STREAM_SIZES answers) and is deleted cleanly.
 */
START_TEST(tls_peer_gone_mid_record)
{
    int server = (_i / 2) % 2;
    bool reset = _i % 2 == 1;
    SecPkgContext_StreamSizes sz;
    struct relay r;
    struct tls_conn k;
    char line[256];
    SecBuffer b[4];

    relay_start(&r, tls_servers[server].name, reset);
    tls_conn_open(&k, &r, tls_servers[server].protocols);
    assert_sec(tls_conn_handshake(&k), SEC_E_OK);
    tls_conn_send(&k, "ping\n");
    assert_sec(tls_conn_recv(&k, line, sizeof(line)), SEC_E_OK);
    ck_assert_str_eq(line, "gnip\n");
    ck_assert_uint_eq(k.in_len, 0);
    relay_arm(&r, 0, TLS_HEADER + 10);
    tls_conn_send(&k, "a line the server will not finish sending\n");
    assert_sec(tls_conn_recv(&k, line, sizeof(line)),
               SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_int_eq(k.eof, reset ? ECONNRESET : 0);
    ck_assert_uint_eq(k.in_len, TLS_HEADER + 10);
    assert_sec(tls_open(&k.ctx, k.in, k.in_len, b),
               SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_uint_eq(b[0].BufferType, SECBUFFER_MISSING);
    ck_assert_uint_eq(b[0].cbBuffer, missing_for(k.in, k.in_len));
    assert_sec(QueryContextAttributesA(&k.ctx, SECPKG_ATTR_STREAM_SIZES,
                                       &sz), SEC_E_OK);
    tls_conn_close(&k);
    relay_stop(&r);
}
END_TEST

/*
 * A record of the real server handed in at every byte boundary (TLS 1.3
 * and 1.2): a 600-byte line comes back reversed in one record; each
 * prefix is SEC_E_INCOMPLETE_MESSAGE with its MISSING count and nothing
 * taken, and the whole record opens to the server's bytes.
 */
START_TEST(tls_server_record_split)
{
    char text[602], want[602], line[700];
    struct relay r;
    struct tls_conn k;
    SecBuffer b[4];
    size_t rec, i;

    relay_start(&r, tls_servers[_i].name, false);
    tls_conn_open(&k, &r, tls_servers[_i].protocols);
    assert_sec(tls_conn_handshake(&k), SEC_E_OK);
    tls_conn_send(&k, "ping\n");
    assert_sec(tls_conn_recv(&k, line, sizeof(line)), SEC_E_OK);
    for (i = 0; i < 600; i++)
        text[i] = (char)('a' + i % 26);
    text[600] = '\n';
    text[601] = '\0';
    for (i = 0; i < 600; i++)
        want[i] = text[599 - i];
    want[600] = '\n';
    want[601] = '\0';
    tls_conn_send(&k, text);
    while (record_len(k.in, k.in_len) == 0)
        ck_assert(tls_conn_read(&k));
    rec = tls_open_prefixes(&k.ctx, k.in, k.in_len);
    assert_sec(tls_open(&k.ctx, k.in, rec, b), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, 601);
    ck_assert(memcmp(b[1].pvBuffer, want, 601) == 0);
    tls_conn_close(&k);
    relay_stop(&r);
}
END_TEST

/* ----------------------------------------- Schannel: the server's loop */

/*
 * `openssl s_client -connect 127.0.0.1:port -CAfile trust.pem
 * -servername localhost -quiet` and the version option, its output
 * thrown away, stdin /dev/null (-quiet implies -ign_eof: it stays until
 * the connection ends). Killed by the kernel if this process dies
 * (PR_SET_PDEATHSIG); stopped by its pid with s_client_stop.
 */
static pid_t
s_client_start(uint16_t port, const char *version)
{
    char addr[32];
    pid_t parent = getpid(), pid;

    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)port);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent
            || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0
            || dup2(null, 2) < 0)
            _exit(126);
        execlp("openssl", "openssl", "s_client", "-connect", addr,
               "-CAfile", trust, "-servername", "localhost", "-quiet",
               version, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void
s_client_stop(pid_t pid)
{
    int status;

    (void)kill(pid, SIGTERM);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/*
 * Windows' server loop: read, AcceptSecurityContext with [TOKEN, EMPTY],
 * send its token, keep EXTRA, read more after SEC_E_INCOMPLETE_MESSAGE
 * (MISSING and the cause checked; the first call makes no context until
 * the ClientHello is whole), until SEC_E_OK, a failure or the end of the
 * connection.
 */
static SECURITY_STATUS
tls_conn_accept(struct tls_conn *k)
{
    if (!tls_conn_read(k))
        return SEC_E_INCOMPLETE_MESSAGE;
    for (;;) {
        SecBuffer ib[2] = { { (ULONG)k->in_len, SECBUFFER_TOKEN, k->in },
                            { 0, SECBUFFER_EMPTY, NULL } };
        SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
        SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
        size_t ctx_before = handle_count(HANDLE_CTX);
        CtxtHandle fresh;
        ULONG attrs;
        TimeStamp ts;
        SECURITY_STATUS st;

        memset(&fresh, 0xAB, sizeof(fresh));
        st = AcceptSecurityContext(
            k->have ? NULL : &k->cred, k->have ? &k->ctx : NULL, &id,
            ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM
                | ASC_REQ_CONFIDENTIALITY,
            0, k->have ? &k->ctx : &fresh, &od, &attrs, &ts);
        k->last = st;
        if (ob.pvBuffer != NULL) {
            ck_assert(send_all(k->sock, ob.pvBuffer, ob.cbBuffer));
            assert_sec(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
            ck_assert_uint_eq(ib[1].cbBuffer,
                              missing_for(k->in, k->in_len));
            assert_cause("more bytes needed");
            ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx_before);
            if (!tls_conn_read(k))
                return st;
            continue;
        }
        if (!SEC_SUCCESS(st))
            return st;
        if (!k->have) {
            k->ctx = fresh;
            k->have = true;
        }
        {
            size_t extra = ib[1].BufferType == SECBUFFER_EXTRA
                           ? ib[1].cbBuffer : 0;

            memmove(k->in, k->in + k->in_len - extra, extra);
            k->in_len = extra;
        }
        if (st == SEC_E_OK)
            return st;
        if (k->in_len == 0 && !tls_conn_read(k))
            return st;
    }
}

/*
 * The client (openssl s_client, TLS 1.3 and 1.2) closes (_i even) or
 * resets (_i odd) the connection in the middle of its handshake, our
 * server reading through the relay: 50 bytes into the ClientHello (the
 * first AcceptSecurityContext has made no context: nothing to delete),
 * 3 bytes into the header of its second flight's first record, and
 * inside its second flight's second record (the server has a half-made
 * context, deleted cleanly). Every call short of a record is
 * SEC_E_INCOMPLETE_MESSAGE with the exact MISSING count; the read sees
 * the close (0) or the reset (ECONNRESET).
 */
START_TEST(tls_client_gone_mid_handshake)
{
    static const struct {
        int record;
        size_t bytes;
    } cuts[] = { { 0, 50 }, { 1, 3 }, { 2, 10 } };
    static const struct {
        DWORD protocols;
        const char *option;
    } versions[] = {
        { SP_PROT_TLS1_3_SERVER, "-tls1_3" },
        { SP_PROT_TLS1_2_SERVER, "-tls1_2" },
    };
    int version = (_i / 2) % 2, cut = _i / 4, ls;
    bool reset = _i % 2 == 1;
    struct pollfd pf;
    struct relay r;
    struct tls_conn k;
    uint16_t port;
    pid_t pid;

    memset(&k, 0, sizeof(k));
    k.eof = -1;
    k.relay = &r;
    tls_cred(true, versions[version].protocols, &k.cred);
    ls = listen_loopback(&port);
    relay_start_port(&r, port, reset, true);
    relay_arm(&r, cuts[cut].record, cuts[cut].bytes);
    pid = s_client_start(r.port, versions[version].option);
    pf = (struct pollfd){ ls, POLLIN, 0 };
    ck_assert_msg(poll(&pf, 1, WAIT_SECS * 1000) == 1,
                  "no connection from the relay");
    k.sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(k.sock, 0);
    set_timeouts(k.sock);
    close(ls);
    assert_sec(tls_conn_accept(&k), SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_int_eq(k.eof, reset ? ECONNRESET : 0);
    ck_assert_uint_eq(k.total, atomic_load(&r.passed));
    ck_assert(k.have == (cut > 0));
    ck_assert_uint_eq(handle_count(HANDLE_CTX), k.have ? 1 : 0);
    tls_conn_close(&k);
    relay_stop(&r);
    s_client_stop(pid);
}
END_TEST

/* ======================================================= GSS packages */

#define GSS_TOKEN_MAX 65536
#define GSS_ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY         \
                     | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT         \
                     | ISC_REQ_REPLAY_DETECT)
#define GSS_ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY         \
                     | ASC_REQ_INTEGRITY | ASC_REQ_SEQUENCE_DETECT         \
                     | ASC_REQ_REPLAY_DETECT)

/* The packages and alice's identity for each: Kerberos and Negotiate
 * (which chooses Kerberos) in the realm of tests/harness/kdc.sh, NTLM in
 * the user file. */
static const struct gss_pkg {
    const char *name, *domain, *package_list, *chosen;
    int legs;                       /* tokens in a complete handshake */
} gss_pkgs[] = {
    { "Kerberos", "SSPIGSS.TEST", NULL, "Kerberos", 2 },
    { "NTLM", "SSPIGSS", NULL, "NTLM", 3 },
    { "Negotiate", "SSPIGSS.TEST", NULL, "Kerberos", 2 },
    { "Negotiate", "SSPIGSS", "!kerberos", "NTLM", 4 },
};
#define N_GSS_PKGS 4
#define GSS_TARGET "host/sspigss.test"

struct token {
    unsigned char b[GSS_TOKEN_MAX];
    ULONG n;
};

struct gss_pair {
    const struct gss_pkg *pkg;
    CredHandle c, s;
    CtxtHandle cx, sx;
    bool have_c, have_s, done_c, done_s;
};

static void
gss_open(struct gss_pair *p, int pkg)
{
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    TimeStamp ts;

    memset(p, 0, sizeof(*p));
    p->pkg = &gss_pkgs[pkg];
    memset(&id, 0, sizeof(id));
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof(id);
    if (p->pkg->package_list != NULL) {
        id.PackageList = (unsigned char *)p->pkg->package_list;
        id.PackageListLength = (ULONG)strlen(p->pkg->package_list);
    }
    id.User = (unsigned char *)"alice";
    id.UserLength = 5;
    id.Domain = (unsigned char *)p->pkg->domain;
    id.DomainLength = (ULONG)strlen(p->pkg->domain);
    id.Password = (unsigned char *)"alice-pw-1";
    id.PasswordLength = 10;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_sec(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)p->pkg->name,
                                         SECPKG_CRED_OUTBOUND, NULL, &id,
                                         NULL, NULL, &p->c, &ts), SEC_E_OK);
    assert_sec(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)p->pkg->name,
                                         SECPKG_CRED_INBOUND, NULL, NULL,
                                         NULL, NULL, &p->s, &ts), SEC_E_OK);
}

static void
gss_close(struct gss_pair *p)
{
    if (p->have_c)
        assert_sec(DeleteSecurityContext(&p->cx), SEC_E_OK);
    if (p->have_s)
        assert_sec(DeleteSecurityContext(&p->sx), SEC_E_OK);
    assert_sec(FreeCredentialsHandle(&p->c), SEC_E_OK);
    assert_sec(FreeCredentialsHandle(&p->s), SEC_E_OK);
}

/*
 * One InitializeSecurityContext (client) or AcceptSecurityContext
 * (server) step with in (n bytes; NULL: none) on the side's context, or
 * a new one when it has none; out gets the token. A call that fails
 * must leave no new handle: the output handle untouched, the table's
 * count unchanged.
 */
static SECURITY_STATUS
gss_step(struct gss_pair *p, bool client, const unsigned char *in, ULONG n,
         struct token *out)
{
    static unsigned char copy[GSS_TOKEN_MAX];
    SecBuffer ib = { n, SECBUFFER_TOKEN, copy };
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBuffer ob = { sizeof(out->b), SECBUFFER_TOKEN, out->b };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    bool have = client ? p->have_c : p->have_s;
    size_t ctx_before = handle_count(HANDLE_CTX);
    CtxtHandle fresh, *h = client ? &p->cx : &p->sx;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (in != NULL)
        memcpy(copy, in, n);
    memset(&fresh, 0xAB, sizeof(fresh));
    if (client)
        st = InitializeSecurityContextA(
            have ? NULL : &p->c, have ? h : NULL, (SEC_CHAR *)GSS_TARGET,
            GSS_ISC_REQ, 0, SECURITY_NATIVE_DREP, in != NULL ? &id : NULL,
            0, have ? h : &fresh, &od, &attrs, &ts);
    else
        st = AcceptSecurityContext(have ? NULL : &p->s, have ? h : NULL,
                                   in != NULL ? &id : NULL, GSS_ASC_REQ,
                                   SECURITY_NATIVE_DREP, have ? h : &fresh,
                                   &od, &attrs, &ts);
    out->n = SEC_SUCCESS(st) ? ob.cbBuffer : 0;
    if (!have && SEC_SUCCESS(st)) {
        *h = fresh;
        if (client)
            p->have_c = true;
        else
            p->have_s = true;
    } else if (!have) {
        ck_assert_uint_eq(fresh.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
        ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx_before);
    } else if (!SEC_SUCCESS(st)) {
        ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx_before);
    }
    if (st == SEC_E_OK) {
        if (client)
            p->done_c = true;
        else
            p->done_s = true;
    }
    return st;
}

/*
 * The handshake to its end from where p is: the client's first call
 * when it has no context, then each side's token to the other. Returns
 * the number of tokens exchanged; each one is copied to legs[] when
 * legs is not NULL (at most max).
 */
static int
gss_finish(struct gss_pair *p, struct token *legs, int max)
{
    static struct token t;
    struct token *cur = &t;
    bool client = !p->have_c;
    int n = 0;

    if (client) {
        assert_sec(gss_step(p, true, NULL, 0, cur), SEC_I_CONTINUE_NEEDED);
        client = false;
        if (legs != NULL && n < max)
            legs[n] = *cur;
        n++;
    }
    while (!(p->done_c && p->done_s)) {
        static struct token next;
        SECURITY_STATUS st;

        ck_assert_msg(n < 10, "the handshake did not end");
        if (cur->n == 0)
            break;
        st = gss_step(p, client, cur->b, cur->n, &next);
        ck_assert_msg(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED,
                      "leg %d: %s: %s", n + 1, sspigss_status_name(st),
                      sspigss_last_error());
        t = next;
        cur = &t;
        if (cur->n > 0) {
            if (legs != NULL && n < max)
                legs[n] = *cur;
            n++;
        }
        client = !client;
    }
    ck_assert(p->done_c && p->done_s);
    return n;
}

/* The package the handshake settled on, by its name. */
static void
assert_chosen(CtxtHandle *h, const char *want)
{
    SecPkgContext_PackageInfoA pi;

    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_PACKAGE_INFO, &pi),
               SEC_E_OK);
    ck_assert_str_eq(pi.PackageInfo->Name, want);
    assert_sec(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
}

/* An EncryptMessage from one side that the other's DecryptMessage opens:
 * the contexts work. */
static void
gss_roundtrip(CtxtHandle *from, CtxtHandle *to, unsigned seed)
{
    unsigned char tok[128], data[64], plain[64];
    SecBuffer b[2] = { { sizeof(tok), SECBUFFER_TOKEN, tok },
                       { sizeof(data), SECBUFFER_DATA, data } };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SecPkgContext_Sizes sz;
    ULONG qop;

    assert_sec(QueryContextAttributesA(from, SECPKG_ATTR_SIZES, &sz),
               SEC_E_OK);
    b[0].cbBuffer = sz.cbSecurityTrailer;
    fill(data, sizeof(data), seed);
    memcpy(plain, data, sizeof(data));
    assert_sec(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    assert_sec(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
    ck_assert(memcmp(data, plain, sizeof(data)) == 0);
}

/*
 * Every handshake token truncated at every byte boundary before the
 * whole one arrives, for each package (Kerberos, NTLM, Negotiate with
 * Kerberos and with NTLM): each prefix, the empty one included, is
 * SEC_E_INVALID_TOKEN ("the input token is malformed, truncated",
 * docs/status-codes.md), the last error says the token is cut short, no
 * handle is made and the side's context is unchanged: the whole token
 * then goes on with the handshake, which completes and protects
 * messages. The check runs before GSS-API sees the token
 * (lib/pkg_gss.c, framing_ok): gss-ntlmssp and MIT's SPNEGO would drop
 * the partial context over a bad step.
 */
START_TEST(gss_truncated_tokens)
{
    static struct token legs[8], x;
    struct gss_pair p, q;
    int n, leg;
    ULONG len;

    /* The tokens of one whole handshake, to know their lengths. */
    gss_open(&q, _i);
    n = gss_finish(&q, legs, 8);
    ck_assert_int_eq(n, gss_pkgs[_i].legs);
    gss_close(&q);

    gss_open(&p, _i);
    assert_sec(gss_step(&p, true, NULL, 0, &legs[0]),
               SEC_I_CONTINUE_NEEDED);
    for (leg = 0; leg < n; leg++) {
        bool to_client = leg % 2 == 1;
        size_t before = handle_count(HANDLE_CTX);
        SECURITY_STATUS st;

        for (len = 0; len < legs[leg].n; len++) {
            st = gss_step(&p, to_client, legs[leg].b, len, &x);
            if (verbose)
                fprintf(stderr, "%s leg %d, %lu of %lu bytes: %s\n",
                        p.pkg->name, leg + 1, (unsigned long)len,
                        (unsigned long)legs[leg].n,
                        sspigss_status_name(st));
            assert_sec(st, SEC_E_INVALID_TOKEN);
            tried++;
            assert_cause(len == 0 ? "is empty" : "cut short");
            ck_assert_uint_eq(x.n, 0);
            ck_assert_uint_eq(handle_count(HANDLE_CTX), before);
        }
        if (leg + 1 == n)
            break;
        /* The whole token: the next one, as the handshake makes it. */
        st = gss_step(&p, to_client, legs[leg].b, legs[leg].n,
                      &legs[leg + 1]);
        ck_assert_msg(SEC_SUCCESS(st), "leg %d: %s: %s", leg + 1,
                      sspigss_status_name(st), sspigss_last_error());
    }
    assert_sec(gss_step(&p, n % 2 == 0, legs[n - 1].b, legs[n - 1].n, &x),
               SEC_E_OK);
    ck_assert(p.done_c && p.done_s);
    assert_chosen(&p.cx, p.pkg->chosen);
    gss_roundtrip(&p.cx, &p.sx, 1);
    gss_roundtrip(&p.sx, &p.cx, 2);
    gss_close(&p);
}
END_TEST

/*
 * Give the side a token it must refuse: SEC_E_INVALID_TOKEN, the cause
 * containing why, no token out, the handle count unchanged.
 */
static void
assert_refused(struct gss_pair *p, bool client, const struct token *t,
               const char *why)
{
    static struct token x;
    size_t before = handle_count(HANDLE_CTX);

    assert_sec(gss_step(p, client, t->b, t->n, &x), SEC_E_INVALID_TOKEN);
    tried++;
    assert_cause(why);
    ck_assert_uint_eq(x.n, 0);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), before);
}

/*
 * Every handshake token delivered twice: each copy that arrives after
 * its original is SEC_E_INVALID_TOKEN and changes nothing, and the
 * handshake completes with the real next token. A side that has
 * completed takes no more tokens; an NTLM side refuses a message other
 * than the one due; MIT's replay cache refuses an AP-REQ a second
 * acceptor sees again (KRB_AP_ERR_REPEAT, "Request is a replay";
 * docs/status-codes.md, SEC_E_INVALID_TOKEN), while NTLM's NEGOTIATE,
 * which carries nothing to replay, starts a new handshake.
 */
START_TEST(gss_duplicated_tokens)
{
    static struct token legs[8], x;
    const struct gss_pkg *pkg = &gss_pkgs[_i];
    struct gss_pair p, q;
    int leg;

    gss_open(&p, _i);
    assert_sec(gss_step(&p, true, NULL, 0, &legs[0]),
               SEC_I_CONTINUE_NEEDED);
    for (leg = 0; leg < pkg->legs; leg++) {
        bool to_client = leg % 2 == 1;
        SECURITY_STATUS st;

        st = gss_step(&p, to_client, legs[leg].b, legs[leg].n,
                      &legs[leg + 1]);
        assert_sec(st, leg + 1 >= pkg->legs - 1 ? SEC_E_OK
                                                : SEC_I_CONTINUE_NEEDED);
        if (leg + 1 == pkg->legs - 1 && legs[leg + 1].n == 0)
            break;
        /* The same token again. */
        assert_refused(&p, to_client, &legs[leg],
                       st == SEC_E_OK ? "complete" : "due");
    }
    ck_assert(p.done_c && p.done_s);
    /* The last token again, to the side that completed with it. */
    assert_refused(&p, pkg->legs % 2 == 0, &legs[pkg->legs - 1],
                   "complete");
    gss_roundtrip(&p.cx, &p.sx, 3);

    /* The first token to a second acceptor. */
    gss_open(&q, _i);
    if (strcmp(pkg->chosen, "Kerberos") == 0) {
        assert_refused(&q, false, &legs[0], "Request is a replay");
    } else {
        assert_sec(gss_step(&q, false, legs[0].b, legs[0].n, &x),
                   SEC_I_CONTINUE_NEEDED);
        ck_assert_uint_gt(x.n, 0);
    }
    gss_close(&q);
    gss_close(&p);
}
END_TEST

/*
 * Tokens out of order: the acceptor's first call given the handshake's
 * last client token, or the server's reply (Kerberos), and the client
 * given its own first token back where the server's reply is due. Each
 * is SEC_E_INVALID_TOKEN, makes no handle and changes nothing: the
 * handshake then completes in order.
 */
START_TEST(gss_reordered_tokens)
{
    static struct token legs[8], x;
    const struct gss_pkg *pkg = &gss_pkgs[_i];
    struct gss_pair p, q;
    int n;

    /* A whole handshake, for its later tokens. */
    gss_open(&q, _i);
    n = gss_finish(&q, legs, 8);
    ck_assert_int_eq(n, pkg->legs);
    gss_close(&q);

    gss_open(&p, _i);
    /* Before anything else: a later token of another handshake. */
    assert_refused(&p, false, &legs[n % 2 == 1 ? n - 1 : n - 2], "");
    assert_refused(&p, false, &legs[1], "");
    ck_assert(!p.have_s);
    assert_sec(gss_step(&p, true, NULL, 0, &legs[0]),
               SEC_I_CONTINUE_NEEDED);
    assert_sec(gss_step(&p, false, legs[0].b, legs[0].n, &legs[1]),
               pkg->legs == 2 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED);
    /* The client's own token back where the server's reply is due. */
    assert_refused(&p, true, &legs[0], "");
    assert_sec(gss_step(&p, true, legs[1].b, legs[1].n, &x),
               pkg->legs <= 3 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED);
    if (pkg->legs > 2) {
        legs[2] = x;
        assert_sec(gss_step(&p, false, legs[2].b, legs[2].n, &x),
                   SEC_E_OK);
        if (pkg->legs > 3)
            assert_sec(gss_step(&p, true, x.b, x.n, &legs[4]), SEC_E_OK);
    }
    ck_assert(p.done_c && p.done_s);
    gss_roundtrip(&p.cx, &p.sx, 4);
    gss_close(&p);
}
END_TEST

/* A deleted context: a second delete is SEC_E_OK, as Microsoft documents
 * (lib/api_context.c), and any other call SEC_E_INVALID_HANDLE. */
static void
assert_gone(CtxtHandle *h)
{
    SecPkgContext_Sizes sz;

    assert_sec(DeleteSecurityContext(h), SEC_E_OK);
    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sz),
               SEC_E_INVALID_HANDLE);
}

/*
 * A handshake that stops half-way: the peer's next token never comes
 * (dropped, or the peer went away). The caller gives up and deletes its
 * half-made context, at each point where one exists: the client after
 * its first call, the server after its first (NTLM and Negotiate-NTLM:
 * waiting for the AUTHENTICATE), the client after its second (waiting
 * for the server's last token). DeleteSecurityContext succeeds, the
 * handle is gone (assert_gone) and nothing is left (the fixture; ASan
 * and valgrind for memory).
 */
START_TEST(gss_dropped_mid_handshake)
{
    static struct token t1, t2, t3;
    const struct gss_pkg *pkg = &gss_pkgs[_i / 3];
    int stop = _i % 3;
    struct gss_pair p;
    CtxtHandle h;

    gss_open(&p, _i / 3);
    assert_sec(gss_step(&p, true, NULL, 0, &t1), SEC_I_CONTINUE_NEEDED);
    if (stop >= 1)
        assert_sec(gss_step(&p, false, t1.b, t1.n, &t2),
                   pkg->legs == 2 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED);
    if (stop >= 2 && pkg->legs > 2)
        assert_sec(gss_step(&p, true, t2.b, t2.n, &t3),
                   pkg->legs == 3 ? SEC_E_OK : SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), stop == 0 ? 1 : 2);
    h = p.cx;
    assert_sec(DeleteSecurityContext(&p.cx), SEC_E_OK);
    p.have_c = false;
    assert_gone(&h);
    if (p.have_s) {
        h = p.sx;
        assert_sec(DeleteSecurityContext(&p.sx), SEC_E_OK);
        p.have_s = false;
        assert_gone(&h);
    }
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    gss_close(&p);
}
END_TEST

/* ------------------------------------------------------ GSS messages */

/* One protected message as it travels: the TOKEN and the DATA. */
struct gss_msg {
    unsigned char tok[128], data[64];
    ULONG tok_len;
};

/* EncryptMessage (seal) or MakeSignature of [TOKEN, DATA] of 64 bytes
 * made from seed. */
static void
gss_protect(CtxtHandle *h, bool seal, unsigned seed, struct gss_msg *m)
{
    SecBuffer b[2] = { { sizeof(m->tok), SECBUFFER_TOKEN, m->tok },
                       { sizeof(m->data), SECBUFFER_DATA, m->data } };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SecPkgContext_Sizes sz;

    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sz),
               SEC_E_OK);
    b[0].cbBuffer = seal ? sz.cbSecurityTrailer : sz.cbMaxSignature;
    fill(m->data, sizeof(m->data), seed);
    if (seal)
        assert_sec(EncryptMessage(h, 0, &d, 0), SEC_E_OK);
    else
        assert_sec(MakeSignature(h, 0, &d, 0), SEC_E_OK);
    m->tok_len = b[0].cbBuffer;
}

/*
 * DecryptMessage or VerifySignature of a copy of m (tok_len bytes of its
 * TOKEN); on success the plaintext must be seed's.
 */
static SECURITY_STATUS
gss_accept_msg(CtxtHandle *h, bool seal, const struct gss_msg *m,
               ULONG tok_len, unsigned seed)
{
    struct gss_msg c = *m;
    SecBuffer b[2] = { { tok_len, SECBUFFER_TOKEN, c.tok },
                       { sizeof(c.data), SECBUFFER_DATA, c.data } };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    unsigned char want[64];
    SECURITY_STATUS st;
    ULONG qop = 0;

    st = seal ? DecryptMessage(h, &d, 0, &qop) : VerifySignature(h, &d, 0,
                                                                 &qop);
    fill(want, sizeof(want), seed);
    if (st == SEC_E_OK)
        ck_assert(memcmp(c.data, want, sizeof(want)) == 0);
    else if (seal)
        /* A refused message leaves no plaintext behind. */
        ck_assert(memcmp(c.data, want, sizeof(want)) != 0);
    return st;
}

/* The same, the message as one SECBUFFER_STREAM (TOKEN then DATA) of
 * len bytes and an empty DATA buffer that gets the plaintext. */
static SECURITY_STATUS
gss_accept_stream(CtxtHandle *h, const struct gss_msg *m, size_t len)
{
    unsigned char stream[sizeof(m->tok) + sizeof(m->data)];
    SecBuffer b[2] = { { (ULONG)len, SECBUFFER_STREAM, stream },
                       { 0, SECBUFFER_DATA, NULL } };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    ULONG qop = 0;

    memcpy(stream, m->tok, m->tok_len);
    memcpy(stream + m->tok_len, m->data, sizeof(m->data));
    return DecryptMessage(h, &d, 0, &qop);
}

/*
 * Message faults over Kerberos (the Kerberos package, and Negotiate that
 * chose it), sealed (_i even) or signed: a duplicate and a message ahead
 * of its turn are SEC_E_OUT_OF_SEQUENCE (GSS-API's DUPLICATE and GAP;
 * Windows demands order even without ISC_REQ_SEQUENCE_DETECT,
 * docs/kerberos.md); a TOKEN cut short at every byte boundary is
 * SEC_E_INVALID_TOKEN while the 16-byte RFC 4121 header is not whole and
 * SEC_E_MESSAGE_ALTERED after (a signature: always MESSAGE_ALTERED), as
 * is a modified message; a SECBUFFER_STREAM cut short is INVALID_TOKEN
 * until the wrap token is whole. None of them spends a sequence number:
 * the expected message still opens after each, so the context stays
 * usable, as on Windows (docs/kerberos.md, "Messages"). A refused
 * message leaves no plaintext in the caller's buffers.
 */
START_TEST(gss_message_faults_kerberos)
{
    const bool seal = _i % 2 == 0;
    struct gss_pair p;
    struct gss_msg m[5];
    unsigned i;
    ULONG len;

    gss_open(&p, _i / 2 == 0 ? 0 : 2);
    gss_finish(&p, NULL, 0);
    assert_chosen(&p.cx, "Kerberos");
    for (i = 0; i < 5; i++)
        gss_protect(&p.cx, seal, 10 + i, &m[i]);
    assert_sec(gss_accept_msg(&p.sx, seal, &m[0], m[0].tok_len, 10),
               SEC_E_OK);
    /* Duplicated. */
    assert_sec(gss_accept_msg(&p.sx, seal, &m[0], m[0].tok_len, 10),
               SEC_E_OUT_OF_SEQUENCE);
    assert_cause("sequence number");
    /* Ahead of its turn (the one before it lost or late). */
    assert_sec(gss_accept_msg(&p.sx, seal, &m[2], m[2].tok_len, 12),
               SEC_E_OUT_OF_SEQUENCE);
    assert_cause("sequence number");
    assert_sec(gss_accept_msg(&p.sx, seal, &m[1], m[1].tok_len, 11),
               SEC_E_OK);
    /* Cut short at every byte boundary. */
    for (len = 0; len < m[2].tok_len; len++) {
        SECURITY_STATUS want = seal && len < 16 ? SEC_E_INVALID_TOKEN
                                                : SEC_E_MESSAGE_ALTERED;

        assert_sec(gss_accept_msg(&p.sx, seal, &m[2], len, 12), want);
        ck_assert_str_ne(sspigss_last_error(), "");
    }
    if (seal)
        for (len = 0; len < m[2].tok_len + sizeof(m[2].data); len++)
            assert_sec(gss_accept_stream(&p.sx, &m[2], len),
                       len < m[2].tok_len ? SEC_E_INVALID_TOKEN
                                          : SEC_E_MESSAGE_ALTERED);
    assert_sec(gss_accept_msg(&p.sx, seal, &m[2], m[2].tok_len, 12),
               SEC_E_OK);
    /* Modified in transit. */
    m[3].data[5] ^= 1;
    assert_sec(gss_accept_msg(&p.sx, seal, &m[3], m[3].tok_len, 13),
               SEC_E_MESSAGE_ALTERED);
    assert_cause2("signature does not match", "Message Integrity Check");
    m[3].data[5] ^= 1;
    assert_sec(gss_accept_msg(&p.sx, seal, &m[3], m[3].tok_len, 13),
               SEC_E_OK);
    assert_sec(gss_accept_stream(&p.sx, &m[4],
                                 m[4].tok_len + sizeof(m[4].data)),
               seal ? SEC_E_OK : SEC_E_INVALID_TOKEN);
    if (!seal)
        assert_sec(gss_accept_msg(&p.sx, seal, &m[4], m[4].tok_len, 14),
                   SEC_E_OK);
    gss_roundtrip(&p.sx, &p.cx, 20);
    gss_close(&p);
}
END_TEST

/*
 * Message faults over NTLM (the NTLM package, and Negotiate that chose
 * it), sealed (_i even) or signed. A TOKEN too short to hold NTLM's
 * 16-byte signature, or a SECBUFFER_STREAM too short for signature and
 * data, is SEC_E_INVALID_TOKEN before gss-ntlmssp sees it, and the
 * message then opens: nothing was spent. A message gss-ntlmssp processes
 * and refuses (a duplicate, modified, or out of turn) is
 * SEC_E_MESSAGE_ALTERED: NTLM's sequence number is inside its checksum
 * (Windows gives the same, per pyspnego; docs/negotiate.md), and the
 * sequence number and RC4 stream of that direction move on whether the
 * message verifies or not, as in Windows' own NTLM, so the next message
 * in that direction fails too; the other direction is unaffected.
 */
START_TEST(gss_message_faults_ntlm)
{
    const bool seal = _i % 2 == 0;
    struct gss_pair p;
    struct gss_msg m[3];
    unsigned i;
    ULONG len;

    gss_open(&p, _i / 2 == 0 ? 1 : 3);
    gss_finish(&p, NULL, 0);
    assert_chosen(&p.cx, "NTLM");
    for (i = 0; i < 3; i++)
        gss_protect(&p.cx, seal, 10 + i, &m[i]);
    ck_assert_uint_eq(m[0].tok_len, 16);
    assert_sec(gss_accept_msg(&p.sx, seal, &m[0], m[0].tok_len, 10),
               SEC_E_OK);
    for (len = 0; len < m[1].tok_len; len++) {
        assert_sec(gss_accept_msg(&p.sx, seal, &m[1], len, 11),
                   SEC_E_INVALID_TOKEN);
        ck_assert_str_ne(sspigss_last_error(), "");
    }
    if (seal)
        for (len = 0; len <= m[1].tok_len; len++)
            assert_sec(gss_accept_stream(&p.sx, &m[1], len),
                       SEC_E_INVALID_TOKEN);
    assert_sec(gss_accept_msg(&p.sx, seal, &m[1], m[1].tok_len, 11),
               SEC_E_OK);
    /* Duplicated: processed and refused; the direction has moved on. */
    assert_sec(gss_accept_msg(&p.sx, seal, &m[1], m[1].tok_len, 11),
               SEC_E_MESSAGE_ALTERED);
    assert_cause2("signature does not match", "Message Integrity Check");
    assert_sec(gss_accept_msg(&p.sx, seal, &m[2], m[2].tok_len, 12),
               SEC_E_MESSAGE_ALTERED);
    /* The server's own messages to the client still pass. */
    gss_roundtrip(&p.sx, &p.cx, 21);
    gss_close(&p);
}
END_TEST

static Suite *
peer_faults_suite(void)
{
    Suite *s = suite_create("peer_faults");
    TCase *tc = tcase_create("tls");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, tls_split_handshake, 0, 2);
    tcase_add_loop_test(tc, tls_split_record, 0, 2);
    tcase_add_loop_test(tc, tls_duplicate_or_swapped, 0, 4);
    tcase_add_loop_test(tc, tls_oversized_record, 0, 5);
    tcase_add_test(tc, tls_plaintext_overflow);
    suite_add_tcase(s, tc);

    /* The cases with the fault relay, a thread of their own: in the
     * TCase the ThreadSanitizer pass runs (docs/testing.md). */
    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, tls_peer_gone_mid_handshake, 0, 12);
    tcase_add_loop_test(tc, tls_peer_gone_mid_record, 0, 4);
    tcase_add_loop_test(tc, tls_server_record_split, 0, 2);
    tcase_add_loop_test(tc, tls_client_gone_mid_handshake, 0, 12);
    suite_add_tcase(s, tc);

    tc = tcase_create("gss");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, gss_truncated_tokens, 0, N_GSS_PKGS);
    tcase_add_loop_test(tc, gss_duplicated_tokens, 0, N_GSS_PKGS);
    tcase_add_loop_test(tc, gss_reordered_tokens, 0, N_GSS_PKGS);
    tcase_add_loop_test(tc, gss_dropped_mid_handshake, 0, 3 * N_GSS_PKGS);
    tcase_add_loop_test(tc, gss_message_faults_kerberos, 0, 4);
    tcase_add_loop_test(tc, gss_message_faults_ntlm, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    int rc;

    pki = getenv("SSPIGSS_TLS_DIR");
    if (pki == NULL) {
        fprintf(stderr, "check_peer_faults: SSPIGSS_TLS_DIR is not set; "
                        "run tests/check_peer_faults.sh\n");
        return 99;
    }
    snprintf(trust, sizeof(trust), "%s/trust.pem", pki);
    verbose = getenv("PEER_FAULTS_VERBOSE") != NULL;
    server_cert = load_server_cert();
    if (server_cert == NULL) {
        fprintf(stderr, "check_peer_faults: %s/localhost.p12 could not "
                        "be imported: %s\n", pki, sspigss_last_error());
        return 99;
    }
    rc = run_suite(peer_faults_suite());
    CertFreeCertificateContext(server_cert);
    return rc;
}
