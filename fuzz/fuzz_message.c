/*
 * fuzz_message.c - libFuzzer target: DecryptMessage and VerifySignature
 * ("Kerberos") on hostile messages. One established context pair (alice
 * with a forged ticket and the service with its keytab, realm.c) receives
 * every input, on either side, so messages reach the library's buffer
 * layout and sequence checks, MIT's RFC 4121 token parsing and
 * decryption, and the mapping. A refused message changes nothing in the
 * library (it refuses before GSS spends state), so the pair is reused; an
 * accepted one (a seed) advances the receiver, so the pair is then made
 * again, with the same keys (realm_rng_reset()).
 *
 * Input: byte 0 chooses the call and the buffers; byte 1 is the length of
 * the TOKEN buffer; the rest is TOKEN then DATA (or one STREAM).
 *   bits 0-1  0 DecryptMessage, STREAM + empty DATA
 *             1 DecryptMessage, TOKEN + DATA
 *             2 VerifySignature, TOKEN + DATA
 *             3 DecryptMessage, TOKEN + DATA + empty PADDING
 *   bit 2     the client receives (the server's messages), else the server
 *   bit 3     DATA split at its middle into two DATA buffers
 *   bit 4     the last DATA buffer is SECBUFFER_READONLY_WITH_CHECKSUM
 * Every buffer is its own exact-size copy, so ASan sees any overrun.
 *
 * What must hold: a known SEC_E_ code, or SEC_E_OK only for a token with
 * the RFC 4121 ID of the call (05 04 wrap, 04 04 MIC); never a SEC_I_
 * code. A refused DecryptMessage leaves each DATA and STREAM buffer as it
 * was or wiped to zeros (no plaintext of a rejected message); a stream's
 * plaintext lies inside the stream; VerifySignature never writes DATA. No
 * handle appears or goes, no context buffer or memory leaks.
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

static CredHandle client_cred, server_cred;
static CtxtHandle client, server;

static void
new_pair(void)
{
    realm_pair(&client_cred, &server_cred, ISC_REQ, &client, &server);
}

static void
drop_pair(void)
{
    if (DeleteSecurityContext(&client) != SEC_E_OK
        || DeleteSecurityContext(&server) != SEC_E_OK)
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

/* p[0..n) is all zeros. */
static bool
zeros(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/*
 * Run one message (the layout above) against the pair. Returns the
 * status after checking what must hold; remakes the pair when a message
 * was accepted.
 */
static SECURITY_STATUS
one_message(const uint8_t *data, size_t size)
{
    SecBuffer b[4];
    SecBufferDesc desc = { SECBUFFER_VERSION, 0, b };
    const unsigned char *orig[4] = { NULL };
    unsigned form, mode, nb = 0, i;
    size_t tok_len, data_len, half;
    const uint8_t *tok, *body;
    CtxtHandle *ctx;
    ULONG qop = 0;
    SECURITY_STATUS st;

    if (size < 2)
        return SEC_E_INVALID_TOKEN;
    mode = data[0];
    form = mode & 3;
    ctx = (mode & TO_CLIENT) ? &client : &server;
    tok_len = form == FORM_STREAM ? size - 2
              : (data[1] < size - 2 ? data[1] : size - 2);
    tok = data + 2;
    body = tok + tok_len;
    data_len = size - 2 - tok_len;
    memset(b, 0, sizeof(b));
    if (form == FORM_STREAM) {
        b[nb].BufferType = SECBUFFER_STREAM;
        b[nb].cbBuffer = (ULONG)tok_len;
        b[nb++].pvBuffer = dup_bytes(tok, tok_len);
        b[nb].BufferType = SECBUFFER_DATA;
        b[nb].cbBuffer = 0;
        b[nb++].pvBuffer = NULL;
    } else {
        b[nb].BufferType = SECBUFFER_TOKEN;
        b[nb].cbBuffer = (ULONG)tok_len;
        b[nb++].pvBuffer = dup_bytes(tok, tok_len);
        half = (mode & SPLIT) ? data_len / 2 : data_len;
        b[nb].BufferType = SECBUFFER_DATA;
        b[nb].cbBuffer = (ULONG)half;
        orig[nb] = body;
        b[nb++].pvBuffer = dup_bytes(body, half);
        if (mode & SPLIT) {
            b[nb].BufferType = SECBUFFER_DATA;
            b[nb].cbBuffer = (ULONG)(data_len - half);
            orig[nb] = body + half;
            b[nb++].pvBuffer = dup_bytes(body + half, data_len - half);
        }
        if (mode & SIGN_ONLY)
            b[nb - 1].BufferType |= SECBUFFER_READONLY_WITH_CHECKSUM;
        if (form == FORM_WRAP_PAD) {
            b[nb].BufferType = SECBUFFER_PADDING;
            b[nb].cbBuffer = 0;
            b[nb++].pvBuffer = NULL;
        }
    }
    desc.cBuffers = nb;
    if (form == FORM_MIC)
        st = VerifySignature(ctx, &desc, 0, &qop);
    else
        st = DecryptMessage(ctx, &desc, 0, &qop);

    if (strcmp(sspigss_status_name(st), "(unknown)") == 0)
        abort();
    if (st != SEC_E_OK && !(st & 0x80000000u))
        abort();                    /* a SEC_I_ code */
    if (st == SEC_E_OK) {
        /* Plausible only for a token of the right kind (the pair uses
         * AES, hence RFC 4121 tokens). */
        if (tok_len < 16 || tok[1] != 0x04
            || tok[0] != (form == FORM_MIC ? 0x04 : 0x05))
            abort();
        if (form == FORM_STREAM) {
            uintptr_t s = (uintptr_t)b[0].pvBuffer, p;

            p = (uintptr_t)b[1].pvBuffer;
            if (b[1].cbBuffer > 0
                && (p < s || p + b[1].cbBuffer > s + b[0].cbBuffer))
                abort();
        }
    }
    for (i = 0; i < nb; i++) {
        ULONG type = b[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK;
        const unsigned char *was = form == FORM_STREAM && i == 0 ? tok
                                                                 : orig[i];

        if (was == NULL || (type != SECBUFFER_DATA
                            && type != SECBUFFER_STREAM))
            continue;
        if (form == FORM_MIC || st != SEC_E_OK) {
            bool same = memcmp(b[i].pvBuffer, was, b[i].cbBuffer) == 0;

            /* No plaintext of a refused message; VerifySignature reads
             * DATA only. */
            if (!same && (form == FORM_MIC
                          || !zeros(b[i].pvBuffer, b[i].cbBuffer)))
                abort();
        }
    }
    /* STREAM's DATA pointed into the stream (or was NULL): not ours. */
    if (form == FORM_STREAM)
        free(b[0].pvBuffer);
    else
        for (i = 0; i < nb; i++)
            free(b[i].pvBuffer);
    if (st == SEC_E_OK) {
        drop_pair();
        new_pair();
    }
    if (handle_count(HANDLE_CTX) != 2 || ctxbuf_outstanding() != 0)
        abort();
    return st;
}

/*
 * Make one message of a fresh pair (the first the sender sends, so the
 * receiver's fresh twin expects it), write it as a seed in the input
 * layout, and check that the harness accepts it.
 */
static void
seed(const char *name, unsigned mode, ULONG qop)
{
    static const char text[] = "fuzz message 16b";
    unsigned char tok[256], head[2 + 256], body[sizeof(text) - 1];
    SecBuffer b[3];
    SecBufferDesc desc = { SECBUFFER_VERSION, 2, b };
    CtxtHandle *sender = (mode & TO_CLIENT) ? &server : &client;
    unsigned form = mode & 3;
    size_t n = 0, half = sizeof(body) / 2;
    SECURITY_STATUS st;

    drop_pair();
    new_pair();
    memcpy(body, text, sizeof(body));
    memset(b, 0, sizeof(b));
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].cbBuffer = sizeof(tok);
    b[0].pvBuffer = tok;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = (mode & SPLIT) ? (ULONG)half : sizeof(body);
    b[1].pvBuffer = body;
    if (mode & SPLIT) {
        b[2].BufferType = SECBUFFER_DATA;
        b[2].cbBuffer = (ULONG)(sizeof(body) - half);
        b[2].pvBuffer = body + half;
        desc.cBuffers = 3;
    }
    if (mode & SIGN_ONLY)
        b[desc.cBuffers - 1].BufferType |= SECBUFFER_READONLY_WITH_CHECKSUM;
    st = form == FORM_MIC ? MakeSignature(sender, 0, &desc, 0)
                          : EncryptMessage(sender, qop, &desc, 0);
    if (st != SEC_E_OK || b[0].cbBuffer > 255)
        abort();
    head[n++] = (unsigned char)mode;
    head[n++] = (unsigned char)b[0].cbBuffer;
    memcpy(head + n, tok, b[0].cbBuffer);
    n += b[0].cbBuffer;
    /* The STREAM form is the token followed by the data. */
    realm_seed(name, head, n, body, sizeof(body));
    memcpy(head + n, body, sizeof(body));
    if (one_message(head, n + sizeof(body)) != SEC_E_OK) {
        fprintf(stderr, "seed %s refused: %s\n", name,
                sspigss_last_error());
        abort();
    }
}

/* Before libFuzzer reads the corpus, so that the seeds written count. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    realm_setup();
    realm_cred(SECPKG_CRED_OUTBOUND, &client_cred);
    realm_cred(SECPKG_CRED_INBOUND, &server_cred);
    new_pair();
    seed("wrap-stream", FORM_STREAM, 0);
    seed("wrap", FORM_WRAP, 0);
    seed("wrap-no-encrypt", FORM_WRAP, SECQOP_WRAP_NO_ENCRYPT);
    seed("wrap-split-sign-only", FORM_WRAP | SPLIT | SIGN_ONLY, 0);
    seed("wrap-padding", FORM_WRAP_PAD, 0);
    seed("mic", FORM_MIC, 0);
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
