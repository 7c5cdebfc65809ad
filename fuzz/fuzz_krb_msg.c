/*
 * fuzz_krb_msg.c - libFuzzer target: the Kerberos message fast path's
 * parsers (lib/krb_msg.c: unwrap in the TOKEN + DATA and STREAM forms,
 * verify MIC) against MIT's, differentially.
 *
 * Two context pairs with the same keys and sequence numbers (realm.h: the
 * random stream restarts for each handshake): one made with the fast path
 * (the default), one with SSPIGSS_KRB_FASTPATH=0, whose messages go
 * through MIT's gss_unwrap_iov / gss_verify_mic_iov. Every input goes to
 * the receiver of both pairs, each with its own copies of the buffers.
 *
 * Input: as fuzz_message.c's. Byte 0 chooses the call and the buffers,
 * byte 1 the length of the TOKEN buffer; the rest is TOKEN then DATA (or
 * one STREAM).
 *   bits 0-1  0 DecryptMessage, STREAM + empty DATA
 *             1 DecryptMessage, TOKEN + DATA
 *             2 VerifySignature, TOKEN + DATA
 *             3 DecryptMessage, TOKEN + DATA + empty PADDING
 *   bit 2     the client receives (the server's messages), else the server
 *   bit 3     DATA split at its middle into two DATA buffers
 *   bit 4     the last DATA buffer is SECBUFFER_READONLY_WITH_CHECKSUM
 *
 * What must hold: both paths return the same SEC code, with the same
 * pfQOP, and leave every buffer with the same bytes (the plaintext, or a
 * wiped or untouched buffer when refused; a refused message's TOKEN
 * excepted, where MIT leaves what it decrypted and the fast path wipes
 * it) and a stream's DATA at the same offset - except where a token is not RFC 4121's at all (no 05 04 /
 * 04 04 / 04 05 ID: the fast path calls it SEC_E_INVALID_TOKEN, MIT may
 * read it as an RFC 1964 token of a key the context does not have), where
 * only the fast path's result is checked to be a refusal. An accepted
 * message advances both receivers; then both pairs are made again.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FORM_STREAM 0
#define FORM_WRAP 1
#define FORM_MIC 2
#define FORM_WRAP_PAD 3
#define TO_CLIENT 0x04
#define SPLIT 0x08
#define SIGN_ONLY 0x10

#define ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT)

struct pair {
    CtxtHandle client, server;
};

static CredHandle client_cred, server_cred;
static struct pair fast, gss;

static void
pairs_new(void)
{
    if (setenv("SSPIGSS_KRB_FASTPATH", "0", 1) != 0)
        abort();
    realm_pair(&client_cred, &server_cred, ISC_REQ, &gss.client, &gss.server);
    if (unsetenv("SSPIGSS_KRB_FASTPATH") != 0)
        abort();
    realm_pair(&client_cred, &server_cred, ISC_REQ, &fast.client,
               &fast.server);
}

static void
pairs_drop(void)
{
    if (DeleteSecurityContext(&fast.client) != SEC_E_OK
        || DeleteSecurityContext(&fast.server) != SEC_E_OK
        || DeleteSecurityContext(&gss.client) != SEC_E_OK
        || DeleteSecurityContext(&gss.server) != SEC_E_OK)
        abort();
}

static void *
dup_bytes(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);

    if (q == NULL)
        abort();
    if (n > 0)
        memcpy(q, p, n);
    return q;
}

/* The buffers of one input (layout above), each an exact-size copy. */
static unsigned
build(const uint8_t *data, size_t size, SecBuffer *b)
{
    unsigned mode = data[0], form = mode & 3, nb = 0;
    size_t tok_len, data_len, half;
    const uint8_t *tok = data + 2, *body;

    tok_len = form == FORM_STREAM ? size - 2
              : (data[1] < size - 2 ? data[1] : size - 2);
    body = tok + tok_len;
    data_len = size - 2 - tok_len;
    memset(b, 0, 4 * sizeof(b[0]));
    if (form == FORM_STREAM) {
        b[nb++] = (SecBuffer){ (ULONG)tok_len, SECBUFFER_STREAM,
                               dup_bytes(tok, tok_len) };
        b[nb++] = (SecBuffer){ 0, SECBUFFER_DATA, NULL };
        return nb;
    }
    b[nb++] = (SecBuffer){ (ULONG)tok_len, SECBUFFER_TOKEN,
                           dup_bytes(tok, tok_len) };
    half = (mode & SPLIT) ? data_len / 2 : data_len;
    b[nb++] = (SecBuffer){ (ULONG)half, SECBUFFER_DATA,
                           dup_bytes(body, half) };
    if (mode & SPLIT)
        b[nb++] = (SecBuffer){ (ULONG)(data_len - half), SECBUFFER_DATA,
                               dup_bytes(body + half, data_len - half) };
    if (mode & SIGN_ONLY)
        b[nb - 1].BufferType |= SECBUFFER_READONLY_WITH_CHECKSUM;
    if (form == FORM_WRAP_PAD)
        b[nb++] = (SecBuffer){ 0, SECBUFFER_PADDING, NULL };
    return nb;
}

static void
release(SecBuffer *b, unsigned nb, unsigned form)
{
    unsigned i;

    for (i = 0; i < nb; i++)
        if (!(form == FORM_STREAM && i == 1))
            free(b[i].pvBuffer);
}

static SECURITY_STATUS
call(CtxtHandle *ctx, unsigned form, SecBuffer *b, unsigned nb, ULONG *qop)
{
    SecBufferDesc desc = { SECBUFFER_VERSION, nb, b };

    *qop = 12345;
    return form == FORM_MIC ? VerifySignature(ctx, &desc, 0, qop)
                            : DecryptMessage(ctx, &desc, 0, qop);
}

static bool
rfc4121_id(const uint8_t *t, size_t n)
{
    return n >= 2 && t[1] == 0x04 ? t[0] == 0x04 || t[0] == 0x05
           : n >= 2 && t[0] == 0x04 && t[1] == 0x05;
}

static void
differ(const char *what, SECURITY_STATUS f, SECURITY_STATUS g)
{
    fprintf(stderr, "fuzz_krb_msg: %s differs: fast path %s, GSS-API %s\n",
            what, sspigss_status_name(f), sspigss_status_name(g));
    abort();
}

static SECURITY_STATUS
one_message(const uint8_t *data, size_t size)
{
    SecBuffer fb[4], gb[4];
    unsigned mode, form, nb, i;
    bool to_client;
    ULONG fq, gq;
    SECURITY_STATUS fs, gs;

    if (size < 2)
        return SEC_E_INVALID_TOKEN;
    mode = data[0];
    form = mode & 3;
    to_client = (mode & TO_CLIENT) != 0;
    nb = build(data, size, fb);
    (void)build(data, size, gb);
    fs = call(to_client ? &fast.client : &fast.server, form, fb, nb, &fq);
    gs = call(to_client ? &gss.client : &gss.server, form, gb, nb, &gq);
    if (!rfc4121_id(data + 2, size - 2)) {
        if (fs == SEC_E_OK)
            differ("a token that is not RFC 4121's", fs, gs);
    } else {
        if (fs != gs)
            differ("status", fs, gs);
        if (fq != gq)
            differ("pfQOP", fs, gs);
        for (i = 0; i < nb; i++) {
            if (fb[i].cbBuffer != gb[i].cbBuffer)
                differ("a buffer's length", fs, gs);
            if (form == FORM_STREAM && i == 1) {
                if ((fb[1].pvBuffer == NULL) != (gb[1].pvBuffer == NULL)
                    || (fb[1].pvBuffer != NULL
                        && (const char *)fb[1].pvBuffer
                               - (const char *)fb[0].pvBuffer
                           != (const char *)gb[1].pvBuffer
                               - (const char *)gb[0].pvBuffer))
                    differ("the stream's DATA offset", fs, gs);
                continue;
            }
            /* A refused message's TOKEN holds whatever each decrypted
             * (MIT leaves its work there, the fast path wipes it): only
             * the message buffers must agree then (wiped alike). */
            if (fs != SEC_E_OK
                && (fb[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK)
                   == SECBUFFER_TOKEN)
                continue;
            if (fb[i].cbBuffer > 0
                && memcmp(fb[i].pvBuffer, gb[i].pvBuffer, fb[i].cbBuffer)
                   != 0)
                differ("a buffer's bytes", fs, gs);
        }
    }
    release(fb, nb, form);
    release(gb, nb, form);
    if (fs == SEC_E_OK || gs == SEC_E_OK) {
        pairs_drop();
        pairs_new();
    }
    if (handle_count(HANDLE_CTX) != 4 || ctxbuf_outstanding() != 0)
        abort();
    return fs;
}

/* One message of a fresh pair as a seed, which both paths must accept. */
static void
seed(const char *name, unsigned mode, ULONG qop)
{
    static const char text[] = "fuzz message 16b";
    unsigned char tok[256], head[2 + 256 + 16], body[sizeof(text) - 1];
    SecBuffer b[3];
    SecBufferDesc desc = { SECBUFFER_VERSION, 2, b };
    CtxtHandle *sender = (mode & TO_CLIENT) ? &fast.server : &fast.client;
    size_t n = 0, half = sizeof(body) / 2;
    SECURITY_STATUS st;

    pairs_drop();
    pairs_new();
    memcpy(body, text, sizeof(body));
    memset(b, 0, sizeof(b));
    b[0] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
    b[1] = (SecBuffer){ (mode & SPLIT) ? (ULONG)half : sizeof(body),
                        SECBUFFER_DATA, body };
    if (mode & SPLIT) {
        b[2] = (SecBuffer){ (ULONG)(sizeof(body) - half), SECBUFFER_DATA,
                            body + half };
        desc.cBuffers = 3;
    }
    if (mode & SIGN_ONLY)
        b[desc.cBuffers - 1].BufferType |= SECBUFFER_READONLY_WITH_CHECKSUM;
    st = (mode & 3) == FORM_MIC ? MakeSignature(sender, 0, &desc, 0)
                                : EncryptMessage(sender, qop, &desc, 0);
    if (st != SEC_E_OK || b[0].cbBuffer > 255)
        abort();
    head[n++] = (unsigned char)mode;
    head[n++] = (unsigned char)b[0].cbBuffer;
    memcpy(head + n, tok, b[0].cbBuffer);
    n += b[0].cbBuffer;
    realm_seed(name, head, n, body, sizeof(body));
    memcpy(head + n, body, sizeof(body));
    if (one_message(head, n + sizeof(body)) != SEC_E_OK) {
        fprintf(stderr, "seed %s refused: %s\n", name,
                sspigss_last_error());
        abort();
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    realm_setup();
    realm_cred(SECPKG_CRED_OUTBOUND, &client_cred);
    realm_cred(SECPKG_CRED_INBOUND, &server_cred);
    pairs_new();
    seed("wrap-stream", FORM_STREAM, 0);
    seed("wrap-stream-no-encrypt", FORM_STREAM, SECQOP_WRAP_NO_ENCRYPT);
    seed("wrap", FORM_WRAP, 0);
    seed("wrap-no-encrypt", FORM_WRAP, SECQOP_WRAP_NO_ENCRYPT);
    seed("wrap-split-sign-only", FORM_WRAP | SPLIT | SIGN_ONLY, 0);
    seed("wrap-padding", FORM_WRAP_PAD, 0);
    seed("mic", FORM_MIC, 0);
    seed("mic-split", FORM_MIC | SPLIT, 0);
    seed("wrap-to-client", FORM_WRAP | TO_CLIENT, 0);
    seed("mic-to-client", FORM_MIC | TO_CLIENT, 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)one_message(data, size);
    return 0;
}
