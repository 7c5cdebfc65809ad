/*
 * ntlm_msg.c - NTLM per-message protection, MS-NLMP 3.4 with extended
 * session security (NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, which
 * every NTLMv2 context of gss-ntlmssp and Windows negotiates).
 *
 * Why sspigss does it rather than gss-ntlmssp: gss-ntlmssp 1.2 has no
 * IOV calls, so a message whose pieces are signed but not all sealed
 * (Windows' SECBUFFER_READONLY_WITH_CHECKSUM, DCE/RPC's layout) cannot
 * be made through gss_wrap. The keys and the state the handshake left
 * come from gss-ntlmssp's exported context (ntlm_msg_from_export); from
 * then on this file owns them, and writes them back into an export.
 *
 * Per direction (MS-NLMP 3.4.5.2, 3.4.5.3):
 *   SignKey = MD5(ExportedSessionKey || "session key to <dir> signing
 *             key magic constant\0")
 *   SealKey = MD5(ExportedSessionKey[0..k] || "... sealing key magic
 *             constant\0"), k = 16 with NTLMSSP_NEGOTIATE_128, 7 with
 *             _56, else 5
 * and an RC4 stream keyed with SealKey that runs across messages. A
 * message (3.4.4.2, 3.4.3):
 *   Checksum  = HMAC_MD5(SignKey, SeqNum || all pieces)[0..7], then
 *               RC4 (the stream, after the sealed data) with KEY_EXCH
 *   Signature = 01 00 00 00 || Checksum || SeqNum (little-endian)
 * sealed pieces are RC4-encrypted in order before the checksum is.
 * Known-answer vectors: MS-NLMP 4.2.4.4 (tests/check_ntlm.c).
 *
 * RC4 is done here (a few lines): OpenSSL 3 keeps it in the legacy
 * provider only. MD5 and HMAC-MD5 use OpenSSL's default provider.
 */
#include "setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "ntlm_msg.h"

struct rc4 {
    unsigned char s[256];
    unsigned char i, j;
};

/* One direction: keys, the running RC4 stream, the next number. */
struct dir {
    unsigned char sign_key[16];
    unsigned char seal_key[16];
    struct rc4 rc4;
    uint32_t seq;
};

struct ntlm_msg {
    uint32_t flags;
    struct dir send, recv;
    /* ntlm_msg_peer_mic_unseen: the peer's first message may carry the
     * number before recv.seq (its mechListMIC was never sent). */
    bool recv_either;
};

/* ------------------------------------------------------------- RC4 */

static void
rc4_init(struct rc4 *r, const unsigned char *key, size_t len)
{
    unsigned j = 0, k;

    for (k = 0; k < 256; k++)
        r->s[k] = (unsigned char)k;
    for (k = 0; k < 256; k++) {
        unsigned char t = r->s[k];

        j = (j + t + key[k % len]) & 0xff;
        r->s[k] = r->s[j];
        r->s[j] = t;
    }
    r->i = 0;
    r->j = 0;
}

/* XOR len bytes of the stream into p. */
static void
rc4_xor(struct rc4 *r, unsigned char *p, size_t len)
{
    unsigned i = r->i, j = r->j;
    size_t n;

    for (n = 0; n < len; n++) {
        unsigned char t;

        i = (i + 1) & 0xff;
        t = r->s[i];
        j = (j + t) & 0xff;
        r->s[i] = r->s[j];
        r->s[j] = t;
        p[n] ^= r->s[(r->s[i] + t) & 0xff];
    }
    r->i = (unsigned char)i;
    r->j = (unsigned char)j;
}

/* ------------------------------------------------------ MD5, HMAC-MD5 */

/* MD5 from the default provider, fetched once it can be (a failed fetch,
 * out of memory, is tried again at the next call). */
static EVP_MD *md5_md;
static pthread_mutex_t md5_lock = PTHREAD_MUTEX_INITIALIZER;

static const EVP_MD *
md5(void)
{
    EVP_MD *md;

    pthread_mutex_lock(&md5_lock);
    if (md5_md == NULL)
        md5_md = EVP_MD_fetch(NULL, "MD5", NULL);
    md = md5_md;
    pthread_mutex_unlock(&md5_lock);
    return md;
}

/* MD5 over a || b (b's NUL included, as MS-NLMP's magic constants). */
static int
md5_key(const unsigned char *a, size_t alen, const char *b,
        unsigned char out[16])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    ok = ctx != NULL && md5() != NULL
         && EVP_DigestInit_ex(ctx, md5(), NULL)
         && EVP_DigestUpdate(ctx, a, alen)
         && EVP_DigestUpdate(ctx, b, strlen(b) + 1)
         && EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

/*
 * HMAC-MD5 (RFC 2104) with a 16-byte key over seq (4 bytes LE) and the
 * parts in order; the first 8 bytes of it into out. plain[k], when not
 * NULL, stands for part k's bytes (the decrypted form of a sealed part).
 */
static int
mac(const unsigned char key[16], uint32_t seq, const struct ntlm_part *parts,
    size_t n, unsigned char *const *plain, unsigned char out[8])
{
    unsigned char pad[64], inner[16], outer[16], s[4];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t k;
    int ok;

    s[0] = (unsigned char)seq;
    s[1] = (unsigned char)(seq >> 8);
    s[2] = (unsigned char)(seq >> 16);
    s[3] = (unsigned char)(seq >> 24);
    memset(pad, 0x36, sizeof(pad));
    for (k = 0; k < 16; k++)
        pad[k] ^= key[k];
    ok = ctx != NULL && md5() != NULL
         && EVP_DigestInit_ex(ctx, md5(), NULL)
         && EVP_DigestUpdate(ctx, pad, sizeof(pad))
         && EVP_DigestUpdate(ctx, s, 4);
    for (k = 0; ok && k < n; k++) {
        const unsigned char *p = plain != NULL && plain[k] != NULL
                                 ? plain[k] : parts[k].p;

        if (parts[k].len > 0)
            ok = EVP_DigestUpdate(ctx, p, parts[k].len);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, inner, NULL);
    memset(pad, 0x5c, sizeof(pad));
    for (k = 0; k < 16; k++)
        pad[k] ^= key[k];
    ok = ok && EVP_DigestInit_ex(ctx, md5(), NULL)
         && EVP_DigestUpdate(ctx, pad, sizeof(pad))
         && EVP_DigestUpdate(ctx, inner, sizeof(inner))
         && EVP_DigestFinal_ex(ctx, outer, NULL);
    EVP_MD_CTX_free(ctx);
    if (ok)
        memcpy(out, outer, 8);
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    OPENSSL_cleanse(outer, sizeof(outer));
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------- keys */

static const char *const magic_sign[2] = {
    "session key to server-to-client signing key magic constant",
    "session key to client-to-server signing key magic constant",
};
static const char *const magic_seal[2] = {
    "session key to server-to-client sealing key magic constant",
    "session key to client-to-server sealing key magic constant",
};

/* MS-NLMP 3.4.5.3 SEALKEY with extended session security. */
static size_t
seal_key_len(uint32_t flags)
{
    if (flags & NTLMSSP_NEGOTIATE_128)
        return 16;
    return (flags & NTLMSSP_NEGOTIATE_56) ? 7 : 5;
}

/* The keys of the direction from the client (c2s) or to it. */
static int
derive(uint32_t flags, bool c2s, const unsigned char key[16], struct dir *d)
{
    if (md5_key(key, 16, magic_sign[c2s], d->sign_key) != 0
        || md5_key(key, seal_key_len(flags), magic_seal[c2s], d->seal_key)
           != 0)
        return -1;
    return 0;
}

static bool
flags_usable(uint32_t flags)
{
    return (flags & NTLMSSP_NEGOTIATE_ESS) != 0
           && (flags & NTLMSSP_NEGOTIATE_DATAGRAM) == 0;
}

struct ntlm_msg *
ntlm_msg_new(uint32_t flags, bool client, const unsigned char session_key[16])
{
    struct ntlm_msg *m;

    if (!flags_usable(flags))
        return NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->flags = flags;
    if (derive(flags, client, session_key, &m->send) != 0
        || derive(flags, !client, session_key, &m->recv) != 0) {
        ntlm_msg_free(m);
        return NULL;
    }
    rc4_init(&m->send.rc4, m->send.seal_key, 16);
    rc4_init(&m->recv.rc4, m->recv.seal_key, 16);
    return m;
}

void
ntlm_msg_free(struct ntlm_msg *m)
{
    if (m == NULL)
        return;
    OPENSSL_cleanse(m, sizeof(*m));
    free(m);
}

uint32_t
ntlm_msg_flags(const struct ntlm_msg *m)
{
    return m->flags;
}

void
ntlm_msg_keys(const struct ntlm_msg *m, bool send, unsigned char sign_key[16],
              unsigned char seal_key[16])
{
    const struct dir *d = send ? &m->send : &m->recv;

    memcpy(sign_key, d->sign_key, 16);
    memcpy(seal_key, d->seal_key, 16);
}

/* ------------------------------------------------ gss-ntlmssp's export */

/*
 * gss-ntlmssp's export format, version 5 (src/gss_serialize.c, struct
 * export_ctx, packed, little-endian integers), as offsets: the fixed
 * part is 180 bytes, then the data its relmem {ptr, len} pairs point
 * into (ptr counted from the data's start). Per direction (struct
 * export_keys): sign_key, seal_key, rc4_state relmems and seq_num. The
 * RC4 state is OpenSSL's RC4_KEY as gss-ntlmssp's RC4_EXPORT writes it
 * (src/crypto.c): x, y and the 256 entries, each an RC4_INT, which is a
 * 4-byte unsigned int on Debian's OpenSSL 3 (configuration.h).
 */
#define EXP_VERSION 0x0005
#define EXP_OFF_VERSION 0
#define EXP_OFF_ROLE 2
#define EXP_OFF_STAGE 3
#define EXP_OFF_NEG_FLAGS 103
#define EXP_OFF_SESSION_KEY 107
#define EXP_OFF_SEND 115
#define EXP_OFF_RECV 143
#define EXP_KEYS_SIGN 0
#define EXP_KEYS_SEAL 8
#define EXP_KEYS_RC4 16
#define EXP_KEYS_SEQ 24
#define EXP_FIXED 180
#define EXP_ROLE_CLIENT 1
#define EXP_STAGE_DONE 5
#define EXP_RC4_LEN (258 * 4)

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* RC4_INT in host order (gss-ntlmssp copies the array as it is). */
static uint32_t
get_host32(const unsigned char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static void
put_host32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* 1.3.6.1.4.1.311.2.2.10, NTLMSSP */
static const unsigned char ntlmssp_oid[] = {
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};

/*
 * gss-ntlmssp's own token inside mechglue's: each layer is a 4-byte
 * big-endian OID length, the OID, the mechanism's token (SPNEGO's is
 * the layer of the mechanism it negotiated; MIT
 * g_exp_sec_context.c, spnego_gss_export_sec_context). Two layers at
 * most. NULL when no NTLMSSP layer is found.
 */
static unsigned char *
inner_token(unsigned char *blob, size_t len, size_t *inner_len)
{
    int depth;

    for (depth = 0; depth < 2; depth++) {
        uint32_t olen;

        if (len < 4)
            return NULL;
        olen = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16
               | (uint32_t)blob[2] << 8 | blob[3];
        if (olen == 0 || olen > 64 || len - 4 < olen)
            return NULL;
        if (olen == sizeof(ntlmssp_oid)
            && memcmp(blob + 4, ntlmssp_oid, olen) == 0) {
            *inner_len = len - 4 - olen;
            return blob + 4 + olen;
        }
        blob += 4 + olen;
        len -= 4 + olen;
    }
    return NULL;
}

/* Where a relmem at off points, checked: its length must be want. */
static unsigned char *
relmem(unsigned char *tok, size_t len, size_t off, size_t want)
{
    uint32_t ptr = get32(tok + off), rlen = get32(tok + off + 4);
    size_t data = len - EXP_FIXED;

    if (rlen != want || ptr > data || data - ptr < rlen)
        return NULL;
    return tok + EXP_FIXED + ptr;
}

/* The pieces of one direction in an export token. */
struct exp_dir {
    unsigned char *sign_key, *seal_key, *rc4, *seq;
};

static bool
exp_dir(unsigned char *tok, size_t len, size_t off, struct exp_dir *e)
{
    e->sign_key = relmem(tok, len, off + EXP_KEYS_SIGN, 16);
    e->seal_key = relmem(tok, len, off + EXP_KEYS_SEAL, 16);
    e->rc4 = relmem(tok, len, off + EXP_KEYS_RC4, EXP_RC4_LEN);
    e->seq = tok + off + EXP_KEYS_SEQ;
    return e->sign_key != NULL && e->seal_key != NULL && e->rc4 != NULL;
}

/*
 * An export token's layout, checked: version, a finished context, and
 * both directions' keys and RC4 states present with their lengths.
 */
static bool
exp_parse(unsigned char *tok, size_t len, bool *client, uint32_t *flags,
          struct exp_dir *send, struct exp_dir *recv, const char **why)
{
    if (len < EXP_FIXED) {
        *why = "export shorter than gss-ntlmssp's format";
        return false;
    }
    if ((tok[EXP_OFF_VERSION] | tok[EXP_OFF_VERSION + 1] << 8)
        != EXP_VERSION) {
        *why = "gss-ntlmssp export format version is not 5";
        return false;
    }
    if (tok[EXP_OFF_STAGE] != EXP_STAGE_DONE) {
        *why = "exported context not finished";
        return false;
    }
    *client = tok[EXP_OFF_ROLE] == EXP_ROLE_CLIENT;
    *flags = get32(tok + EXP_OFF_NEG_FLAGS);
    if (!flags_usable(*flags)) {
        *why = (*flags & NTLMSSP_NEGOTIATE_ESS) == 0
               ? "no extended session security (NTLMv1-style signing)"
               : "datagram mode";
        return false;
    }
    if (!exp_dir(tok, len, EXP_OFF_SEND, send)
        || !exp_dir(tok, len, EXP_OFF_RECV, recv)) {
        *why = "keys or RC4 state missing from the export";
        return false;
    }
    return true;
}

/* An RC4 state from its exported form: x, y < 256 and a permutation. */
static bool
rc4_import(struct rc4 *r, const unsigned char *p)
{
    unsigned char seen[256] = { 0 };
    uint32_t x = get_host32(p), y = get_host32(p + 4);
    unsigned k;

    if (x > 255 || y > 255)
        return false;
    for (k = 0; k < 256; k++) {
        uint32_t v = get_host32(p + 8 + 4 * k);

        if (v > 255 || seen[v])
            return false;
        seen[v] = 1;
        r->s[k] = (unsigned char)v;
    }
    r->i = (unsigned char)x;
    r->j = (unsigned char)y;
    return true;
}

static void
rc4_export(const struct rc4 *r, unsigned char *p)
{
    unsigned k;

    put_host32(p, r->i);
    put_host32(p + 4, r->j);
    for (k = 0; k < 256; k++)
        put_host32(p + 8 + 4 * k, r->s[k]);
}

struct ntlm_msg *
ntlm_msg_from_export(const void *blob, size_t len,
                     const unsigned char session_key[16], const char **why)
{
    struct exp_dir es, er;
    struct ntlm_msg *m = NULL;
    unsigned char *tok;
    size_t tlen = 0;
    uint32_t flags = 0;
    bool client = false;

    *why = "out of memory";
    tok = inner_token((unsigned char *)blob, len, &tlen);
    if (tok == NULL) {
        *why = "no NTLMSSP context in the export";
        return NULL;
    }
    if (!exp_parse(tok, tlen, &client, &flags, &es, &er, why))
        return NULL;
    m = ntlm_msg_new(flags, client, session_key);
    if (m == NULL)
        return NULL;
    /* The keys gss-ntlmssp holds must be the ones MS-NLMP derives from
     * the session key: a check of this file and of the parse. */
    if (CRYPTO_memcmp(m->send.sign_key, es.sign_key, 16) != 0
        || CRYPTO_memcmp(m->send.seal_key, es.seal_key, 16) != 0
        || CRYPTO_memcmp(m->recv.sign_key, er.sign_key, 16) != 0
        || CRYPTO_memcmp(m->recv.seal_key, er.seal_key, 16) != 0) {
        *why = "gss-ntlmssp's keys differ from MS-NLMP's derivation";
        goto fail;
    }
    if (!rc4_import(&m->send.rc4, es.rc4)
        || !rc4_import(&m->recv.rc4, er.rc4)) {
        *why = "RC4 state in the export is not a permutation";
        goto fail;
    }
    m->send.seq = get32(es.seq);
    m->recv.seq = get32(er.seq);
    *why = NULL;
    return m;
fail:
    ntlm_msg_free(m);
    return NULL;
}

bool
ntlm_msg_patch_export(const struct ntlm_msg *m, void *blob, size_t len)
{
    struct exp_dir es, er;
    unsigned char *tok;
    size_t tlen = 0;
    uint32_t flags = 0;
    bool client = false;
    const char *why;

    tok = inner_token(blob, len, &tlen);
    if (tok == NULL || !exp_parse(tok, tlen, &client, &flags, &es, &er, &why)
        || flags != m->flags
        || CRYPTO_memcmp(es.sign_key, m->send.sign_key, 16) != 0
        || CRYPTO_memcmp(er.sign_key, m->recv.sign_key, 16) != 0)
        return false;
    rc4_export(&m->send.rc4, es.rc4);
    rc4_export(&m->recv.rc4, er.rc4);
    put32(es.seq, m->send.seq);
    put32(er.seq, m->recv.seq);
    return true;
}

/* --------------------------------------------------------- messages */

/* 01 00 00 00 || checksum || seq (MS-NLMP 2.2.2.9.1). */
static void
signature(unsigned char sig[16], const unsigned char checksum[8],
          uint32_t seq)
{
    put32(sig, 1);
    memcpy(sig + 4, checksum, 8);
    put32(sig + 12, seq);
}

int
ntlm_msg_seal(struct ntlm_msg *m, struct ntlm_part *parts, size_t n,
              unsigned char sig[16])
{
    unsigned char cks[8];
    size_t k;

    /* The checksum over the plaintext first: if OpenSSL fails, nothing
     * has moved. */
    if (mac(m->send.sign_key, m->send.seq, parts, n, NULL, cks) != 0)
        return -1;
    for (k = 0; k < n; k++)
        if (parts[k].seal && parts[k].len > 0)
            rc4_xor(&m->send.rc4, parts[k].p, parts[k].len);
    if (m->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        rc4_xor(&m->send.rc4, cks, 8);
    signature(sig, cks, m->send.seq);
    m->send.seq++;
    OPENSSL_cleanse(cks, sizeof(cks));
    return 0;
}

/* The signature expected from the peer for parts (plain[k]: part k's
 * plaintext where it was sealed), spending the receive number. */
static int
expect(struct ntlm_msg *m, const struct ntlm_part *parts, size_t n,
       unsigned char *const *plain, const unsigned char got[16],
       unsigned char sig[16])
{
    unsigned char cks[8];
    uint32_t seq = m->recv.seq;

    /* The first message after ntlm_msg_peer_mic_unseen: the number it
     * carries, if it is the one the peer's mechListMIC would have
     * taken. The checksum covers it either way. */
    if (m->recv_either && seq > 0 && get32(got + 12) == seq - 1)
        seq--;
    if (mac(m->recv.sign_key, seq, parts, n, plain, cks) != 0)
        return -1;
    if (m->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        rc4_xor(&m->recv.rc4, cks, 8);
    signature(sig, cks, seq);
    m->recv.seq = seq + 1;
    m->recv_either = false;
    OPENSSL_cleanse(cks, sizeof(cks));
    return 0;
}

int
ntlm_msg_unseal(struct ntlm_msg *m, struct ntlm_part *parts, size_t n,
                const unsigned char sig[16])
{
    unsigned char *plain[16] = { NULL }, *buf = NULL, want[16];
    struct rc4 saved = m->recv.rc4;
    uint32_t saved_seq = m->recv.seq;
    size_t k, total = 0, off = 0;
    int rc = -1;

    if (n > 16)
        return -1;
    for (k = 0; k < n; k++)
        if (parts[k].seal)
            total += parts[k].len;
    /* The plaintext goes to a scratch buffer: a message that does not
     * verify leaves the caller's buffers with the ciphertext. */
    if (total > 0 && (buf = malloc(total)) == NULL)
        return -1;
    for (k = 0; k < n; k++) {
        if (!parts[k].seal || parts[k].len == 0)
            continue;
        plain[k] = buf + off;
        memcpy(plain[k], parts[k].p, parts[k].len);
        rc4_xor(&m->recv.rc4, plain[k], parts[k].len);
        off += parts[k].len;
    }
    if (expect(m, parts, n, plain, sig, want) != 0) {
        m->recv.rc4 = saved;
        m->recv.seq = saved_seq;
        goto out;
    }
    if (CRYPTO_memcmp(want, sig, 16) != 0) {
        rc = 1;
        goto out;
    }
    for (k = 0; k < n; k++)
        if (plain[k] != NULL)
            memcpy(parts[k].p, plain[k], parts[k].len);
    rc = 0;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, total);
        free(buf);
    }
    OPENSSL_cleanse(&saved, sizeof(saved));
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}

/* MS-NLMP 3.4.4: without NTLMSSP_NEGOTIATE_SIGN, ALWAYS_SIGN gives the
 * dummy signature, 01 00 00 00 and zeros ([wine] testSignSeal;
 * gss-ntlmssp src/ntlm_crypto.c does the same). */
static const unsigned char dummy_sig[16] = { 1 };

int
ntlm_msg_sign(struct ntlm_msg *m, const struct ntlm_part *parts, size_t n,
              unsigned char sig[16])
{
    unsigned char cks[8];

    if (!(m->flags & NTLMSSP_NEGOTIATE_SIGN)) {
        if (!(m->flags & NTLMSSP_NEGOTIATE_ALWAYS_SIGN))
            return -2;
        memcpy(sig, dummy_sig, 16);
        return 0;
    }
    if (mac(m->send.sign_key, m->send.seq, parts, n, NULL, cks) != 0)
        return -1;
    if (m->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        rc4_xor(&m->send.rc4, cks, 8);
    signature(sig, cks, m->send.seq);
    m->send.seq++;
    OPENSSL_cleanse(cks, sizeof(cks));
    return 0;
}

void
ntlm_msg_peer_mic_unseen(struct ntlm_msg *m)
{
    m->recv.seq++;
    m->recv_either = true;
}

int
ntlm_msg_verify(struct ntlm_msg *m, const struct ntlm_part *parts, size_t n,
                const unsigned char sig[16])
{
    unsigned char want[16];
    int rc;

    if (!(m->flags & NTLMSSP_NEGOTIATE_SIGN)) {
        if (!(m->flags & NTLMSSP_NEGOTIATE_ALWAYS_SIGN))
            return -2;
        return CRYPTO_memcmp(sig, dummy_sig, 16) == 0 ? 0 : 1;
    }
    if (expect(m, parts, n, NULL, sig, want) != 0)
        return -1;
    rc = CRYPTO_memcmp(want, sig, 16) == 0 ? 0 : 1;
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}
