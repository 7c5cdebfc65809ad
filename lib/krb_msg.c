/*
 * krb_msg.c - the Kerberos per-message engine (krb_msg.h, issue #12).
 *
 * Why it exists: Debian's libk5crypto uses its own AES and SHA code, not
 * the CPU's AES-NI and SHA-NI, and MIT allocates about ten times per
 * wrap+unwrap (docs/performance.md). Once a context is established, the
 * keys and sequence numbers are all a message needs; this file protects
 * messages with them through OpenSSL, and produces the same tokens.
 *
 * Sources (facts only; no code taken from anywhere):
 *  - RFC 4121 4.2: token layout (TOK_ID, Flags, Filler, EC, RRC, SND_SEQ),
 *    key usages 22-25, the encrypted copy of the header, rotation (RRC);
 *  - RFC 3961 5.1 (n-fold, DK), 5.3 (simplified profile: Ke, Ki, Kc from
 *    usage | 0xAA/0x55/0x99; E(conf | plain) | HMAC(Ki, conf | plain));
 *  - RFC 3962: AES in CBC mode with ciphertext stealing (the last two
 *    blocks swapped: CS3), IV zero, HMAC-SHA1 truncated to 96 bits;
 *  - RFC 8009: KDF-HMAC-SHA2 (SP 800-108 counter mode), E(conf | plain)
 *    then HMAC(Ki, IV | ciphertext), checksums truncated to 128/192 bits;
 *  - where RFC 4121 leaves room, what MIT krb5 1.20 does, read in its
 *    source (src/lib/gssapi/krb5/k5sealv3iov.c, k5unsealiov.c,
 *    util_crypt.c, util_cksum.c, ser_sctx.c, lucid_context.c; generic/
 *    util_seqstate.c), because the tokens must be the ones MIT makes and
 *    the failures the ones it reports: EC 0 and RRC = the trailer length
 *    without a TRAILER buffer, the checks and their order on receipt, the
 *    layout of the exported context.
 *
 * Memory: every key and OpenSSL object is made when the engine is made;
 * a message allocates nothing. AES goes through EVP (AES-NI); the HMACs
 * use OpenSSL's SHA1/SHA256/SHA512 context structures directly, because
 * OpenSSL 3.0's EVP digests allocate on every (re)initialisation
 * (EVP_DigestInit_ex, EVP_MAC_init, EVP_MD_CTX_copy_ex: measured, 1-2
 * allocations each) while a precomputed HMAC inner/outer state held in a
 * plain structure is copied for free. Those functions are deprecated in
 * OpenSSL 3 but present and use the same SHA-NI code as EVP.
 */
#include "setup.h"

/* SHA1_Init & co: see above. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "internal.h"
#include "krb_msg.h"

/* ------------------------------------------------------------ hashes */

enum hash { H_SHA1, H_SHA256, H_SHA384 };

union hctx {
    SHA_CTX s1;
    SHA256_CTX s256;
    SHA512_CTX s512;
};

#define HASH_MAX 48

static size_t
hash_len(enum hash h)
{
    return h == H_SHA1 ? 20 : h == H_SHA256 ? 32 : 48;
}

static size_t
hash_block(enum hash h)
{
    return h == H_SHA384 ? 128 : 64;
}

static void
h_init(enum hash h, union hctx *c)
{
    if (h == H_SHA1)
        SHA1_Init(&c->s1);
    else if (h == H_SHA256)
        SHA256_Init(&c->s256);
    else
        SHA384_Init(&c->s512);
}

static void
h_update(enum hash h, union hctx *c, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (h == H_SHA1)
        SHA1_Update(&c->s1, p, n);
    else if (h == H_SHA256)
        SHA256_Update(&c->s256, p, n);
    else
        SHA384_Update(&c->s512, p, n);
}

static void
h_final(enum hash h, union hctx *c, unsigned char *out)
{
    if (h == H_SHA1)
        SHA1_Final(out, &c->s1);
    else if (h == H_SHA256)
        SHA256_Final(out, &c->s256);
    else
        SHA384_Final(out, &c->s512);
}

/* An HMAC key (RFC 2104) as the hash states after the padded key. */
struct mac {
    enum hash h;
    union hctx in, out;
};

static void
mac_setkey(struct mac *k, enum hash h, const unsigned char *key, size_t len)
{
    unsigned char pad[128];
    size_t i, b = hash_block(h);

    /* Kerberos keys are at most 32 bytes: never longer than a block. */
    k->h = h;
    memset(pad, 0x36, b);
    for (i = 0; i < len; i++)
        pad[i] ^= key[i];
    h_init(h, &k->in);
    h_update(h, &k->in, pad, b);
    memset(pad, 0x5c, b);
    for (i = 0; i < len; i++)
        pad[i] ^= key[i];
    h_init(h, &k->out);
    h_update(h, &k->out, pad, b);
    mem_wipe(pad, sizeof(pad));
}

static void
mac_begin(const struct mac *k, union hctx *c)
{
    *c = k->in;
}

/* Finish the HMAC begun in c; out gets hash_len bytes. */
static void
mac_end(const struct mac *k, union hctx *c, unsigned char *out)
{
    unsigned char inner[HASH_MAX];

    h_final(k->h, c, inner);
    *c = k->out;
    h_update(k->h, c, inner, hash_len(k->h));
    h_final(k->h, c, out);
    mem_wipe(inner, sizeof(inner));
    mem_wipe(c, sizeof(*c));
}

/* ---------------------------------------------------------- enctypes */

struct etype {
    int32_t num;
    size_t keylen;          /* base key and Ke */
    bool rfc8009;           /* else the RFC 3961 simplified profile */
    enum hash h;
    size_t cksum;           /* truncated HMAC: checksum and trailer */
    size_t kclen, kilen;    /* derived Kc and Ki */
};

static const struct etype etypes[] = {
    /* RFC 3962 */
    { .num = 17, .keylen = 16, .rfc8009 = false, .h = H_SHA1, .cksum = 12,
      .kclen = 16, .kilen = 16 },
    { .num = 18, .keylen = 32, .rfc8009 = false, .h = H_SHA1, .cksum = 12,
      .kclen = 32, .kilen = 32 },
    /* RFC 8009 5 */
    { .num = 19, .keylen = 16, .rfc8009 = true, .h = H_SHA256, .cksum = 16,
      .kclen = 16, .kilen = 16 },
    { .num = 20, .keylen = 32, .rfc8009 = true, .h = H_SHA384, .cksum = 24,
      .kclen = 24, .kilen = 24 },
};

static const struct etype *
etype_find(int32_t num)
{
    size_t i;

    for (i = 0; i < sizeof(etypes) / sizeof(etypes[0]); i++)
        if (etypes[i].num == num)
            return &etypes[i];
    return NULL;
}

bool
krb_msg_enctype_supported(int32_t enctype)
{
    return etype_find(enctype) != NULL;
}

bool
krb_msg_enabled(void)
{
    const char *v = getenv("SSPIGSS_KRB_FASTPATH");

    return v == NULL || strcmp(v, "0") != 0;
}

/* ----------------------------------------------------------- AES */

/* The three AES operations of one key: CBC both ways (IV reset per
 * message), and single-block decryption for the stolen block. */
struct cipher {
    EVP_CIPHER_CTX *enc, *dec, *ecb_dec;
    /* The IV each CBC context holds now (the last ciphertext block it
     * saw), tracked so that a message needs no EVP_CipherInit_ex to
     * reset it: that call parses parameters by name and cost a fifth of
     * a 64-byte round trip. A message starting from IV zero XORs its
     * first block with the stale IV instead. false: unknown (after a
     * failure), reset at the next message. */
    unsigned char enc_iv[16], dec_iv[16];
    bool enc_synced, dec_synced;
};

static const unsigned char zero_iv[16];

/*
 * The AES ciphers, fetched once for the process ([0] AES-128, [1]
 * AES-256): EVP_aes_256_cbc() & co make OpenSSL 3 look the cipher up
 * again at every initialisation, which made a context's setup cost a
 * quarter of a handshake.
 */
static EVP_CIPHER *aes_cbc[2], *aes_ecb[2];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void
fetch_ciphers(void)
{
    aes_cbc[0] = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    aes_cbc[1] = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    aes_ecb[0] = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    aes_ecb[1] = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
}

static bool
ciphers_ready(void)
{
    pthread_once(&fetch_once, fetch_ciphers);
    return aes_cbc[0] != NULL && aes_cbc[1] != NULL && aes_ecb[0] != NULL
           && aes_ecb[1] != NULL;
}

static void
cipher_clear(struct cipher *c)
{
    EVP_CIPHER_CTX_free(c->enc);
    EVP_CIPHER_CTX_free(c->dec);
    EVP_CIPHER_CTX_free(c->ecb_dec);
    c->enc = c->dec = c->ecb_dec = NULL;
}

/* A new AES context for key: CBC or ECB, encrypting or decrypting,
 * padding off; NULL on failure. */
static EVP_CIPHER_CTX *
aes_ctx(const unsigned char *key, size_t len, bool cbc, int enc)
{
    EVP_CIPHER_CTX *x;
    int i = len == 16 ? 0 : 1;

    if (!ciphers_ready())
        return NULL;
    x = EVP_CIPHER_CTX_new();
    if (x == NULL
        || EVP_CipherInit_ex(x, cbc ? aes_cbc[i] : aes_ecb[i], NULL, key,
                             cbc ? zero_iv : NULL, enc) != 1) {
        EVP_CIPHER_CTX_free(x);
        return NULL;
    }
    EVP_CIPHER_CTX_set_padding(x, 0);
    return x;
}

#define CIPH_ENC 1      /* CBC encryption */
#define CIPH_DEC 2      /* CBC and single-block decryption */

/* The contexts of key a sender (CIPH_ENC), a receiver (CIPH_DEC) or
 * both need. */
static bool
cipher_setkey(struct cipher *c, const unsigned char *key, size_t len,
              int which)
{
    memset(c, 0, sizeof(*c));
    c->enc_synced = c->dec_synced = true;   /* made with IV zero */
    if (((which & CIPH_ENC) && (c->enc = aes_ctx(key, len, true, 1)) == NULL)
        || ((which & CIPH_DEC)
            && ((c->dec = aes_ctx(key, len, true, 0)) == NULL
                || (c->ecb_dec = aes_ctx(key, len, false, 0)) == NULL))) {
        cipher_clear(c);
        return false;
    }
    return true;
}

static bool
evp_run(EVP_CIPHER_CTX *x, unsigned char *out, const unsigned char *in,
        size_t len)
{
    int ol = 0;

    /* With padding off, CBC and ECB hand back every whole block at once. */
    return EVP_CipherUpdate(x, out, &ol, in, (int)len) == 1
           && (size_t)ol == len;
}

/*
 * The message as a list of pieces, in the order RFC 4121 and MIT put them
 * into the crypto system: ENC pieces are encrypted (and signed), SIGN
 * pieces only signed.
 */
#define SEG_ENC 1
#define SEG_SIGN 2
#define MAX_SEGS 24

struct seg {
    unsigned char *p;
    size_t n;
    int f;
};

/*
 * One call of a message's CBC run: as EVP_CipherUpdate in CBC mode, but
 * for a message that starts from IV zero on a context whose IV is
 * whatever the last message left (struct cipher). On the first call of
 * a message, encryption XORs the stale IV into the first plaintext block
 * (E(P ^ IV ^ IV) = E(P ^ 0)), decryption XORs it out of the first
 * plaintext block; every call records the last ciphertext block, which
 * is the context's IV afterwards. in may equal out; len is a multiple of
 * 16.
 */
struct cbc_run {
    EVP_CIPHER_CTX *x;
    unsigned char *iv;
    bool *synced;
    bool encrypt;
    bool first;
};

static bool
cbc(struct cbc_run *r, unsigned char *out, const unsigned char *in,
    size_t len)
{
    unsigned char last[16], blk[16];
    size_t j;

    if (len == 0)
        return true;
    if (!r->encrypt)
        memcpy(last, in + len - 16, 16);
    if (r->first) {
        r->first = false;
        memcpy(blk, in, 16);
        if (r->encrypt)
            for (j = 0; j < 16; j++)
                blk[j] ^= r->iv[j];
        if (!evp_run(r->x, out, blk, 16))
            goto fail;
        if (!r->encrypt)
            for (j = 0; j < 16; j++)
                out[j] ^= r->iv[j];
        if (len > 16 && !evp_run(r->x, out + 16, in + 16, len - 16))
            goto fail;
    } else if (!evp_run(r->x, out, in, len)) {
        goto fail;
    }
    memcpy(r->iv, r->encrypt ? out + len - 16 : last, 16);
    mem_wipe(blk, sizeof(blk));
    return true;
fail:
    *r->synced = false;
    mem_wipe(blk, sizeof(blk));
    return false;
}

/*
 * AES-CBC with ciphertext stealing (RFC 3962: CBC, then the last two
 * blocks swapped and the final one cut to the length of the last
 * plaintext block; exactly one block is plain CBC), IV zero, in place over
 * the ENC pieces of s, total bytes in all. total >= 16.
 *
 * Whole blocks inside a piece go to EVP in place; a block that straddles
 * pieces, and the last two blocks, go through small stack buffers and are
 * written back.
 */
static bool
cts(struct cipher *c, bool encrypt, struct seg *s, size_t ns, size_t total)
{
    struct cbc_run run;
    unsigned char blk[16], tail[32], a[16], b[16];
    unsigned char *bw[16], *tw[32];
    size_t r, body, done = 0, have = 0, t = 0, i, j;
    bool ok = false;

    if (total < 16)
        return false;
    run.x = encrypt ? c->enc : c->dec;
    run.iv = encrypt ? c->enc_iv : c->dec_iv;
    run.synced = encrypt ? &c->enc_synced : &c->dec_synced;
    run.encrypt = encrypt;
    run.first = true;
    if (!*run.synced) {
        if (EVP_CipherInit_ex(run.x, NULL, NULL, NULL, zero_iv, -1) != 1)
            return false;
        memset(run.iv, 0, 16);
        *run.synced = true;
    }
    r = total % 16 != 0 ? total % 16 : 16;
    body = total == 16 ? 0 : total - 16 - r;
    for (i = 0; i < ns; i++) {
        unsigned char *p = s[i].p;
        size_t n = s[i].n;

        if (!(s[i].f & SEG_ENC))
            continue;
        while (n > 0 && done < body) {
            if (have == 0 && n >= 16 && body - done >= 16) {
                size_t bulk = n < body - done ? n : body - done;

                bulk &= ~(size_t)15;
                if (!cbc(&run, p, p, bulk))
                    goto out;
                p += bulk;
                n -= bulk;
                done += bulk;
                continue;
            }
            bw[have] = p;
            blk[have++] = *p++;
            n--;
            done++;
            if (have == 16) {
                if (!cbc(&run, blk, blk, 16))
                    goto out;
                for (j = 0; j < 16; j++)
                    *bw[j] = blk[j];
                have = 0;
            }
        }
        while (n > 0 && t < sizeof(tail)) {
            tw[t] = p;
            tail[t++] = *p++;
            n--;
        }
    }
    if (have != 0 || t != total - body)
        goto out;
    if (total == 16) {
        /* One block: CBC with IV zero is the block cipher itself. */
        if (encrypt ? !cbc(&run, tail, tail, 16)
                    : !evp_run(c->ecb_dec, tail, tail, 16))
            goto out;
    } else if (encrypt) {
        /* a = E(P[n-1] ^ C[n-2]); b = E(P[n] | 0 ^ a); out b | a[0..r). */
        if (!cbc(&run, a, tail, 16))
            goto out;
        memset(b, 0, 16);
        memcpy(b, tail + 16, r);
        if (!cbc(&run, b, b, 16))
            goto out;
        memcpy(tail, b, 16);
        memcpy(tail + 16, a, r);
    } else {
        /* tail = X (16) | Y (r). D(X) = (P[n] | 0) ^ C', where C' is Y
         * followed by the rest of D(X); P[n-1] = CBC-D(C'). */
        if (!evp_run(c->ecb_dec, a, tail, 16))
            goto out;
        memcpy(b, tail + 16, r);
        memcpy(b + r, a + r, 16 - r);
        for (j = 0; j < r; j++)
            a[j] ^= b[j];
        if (!cbc(&run, tail, b, 16))
            goto out;
        memcpy(tail + 16, a, r);
    }
    for (j = 0; j < t; j++)
        *tw[j] = tail[j];
    ok = true;
out:
    mem_wipe(blk, sizeof(blk));
    mem_wipe(tail, sizeof(tail));
    mem_wipe(a, sizeof(a));
    mem_wipe(b, sizeof(b));
    return ok;
}

/* ------------------------------------------------- key derivation */

/*
 * RFC 3961 5.1 n-fold: replicate the input to lcm(in, out) bytes, each
 * copy rotated 13 bits right more than the one before, and add the
 * out-sized pieces with end-around carry (ones' complement).
 */
void
krb_msg_nfold(const void *in_, size_t inlen, void *out_, size_t outlen)
{
    const unsigned char *in = in_;
    unsigned char *out = out_;
    size_t a = outlen, b = inlen, lcm, i;
    unsigned int carry = 0;

    while (b != 0) {
        size_t t = a % b;

        a = b;
        b = t;
    }
    lcm = outlen * inlen / a;
    memset(out, 0, outlen);
    /* From the last byte up, so carries run towards the first. */
    for (i = lcm; i-- > 0;) {
        /* Byte i of the replicated string: copy k = i / inlen, rotated
         * right by 13 * k bits; its bit 0 is bit msbit of the input. */
        size_t k = i / inlen;
        size_t bits = inlen * 8;
        size_t pos = ((i % inlen) * 8 + bits - (13 * k) % bits) % bits;
        unsigned int v;

        /* The 8 bits at pos (MSB first) of the input, wrapping. */
        v = ((unsigned int)in[pos / 8] << 8
             | in[(pos / 8 + 1) % inlen]) >> (8 - pos % 8);
        v &= 0xff;
        carry += out[i % outlen] + v;
        out[i % outlen] = (unsigned char)carry;
        carry >>= 8;
    }
    /* End-around carry, until none is left. */
    while (carry != 0) {
        for (i = outlen; carry != 0 && i-- > 0;) {
            carry += out[i];
            out[i] = (unsigned char)carry;
            carry >>= 8;
        }
    }
}

/*
 * The derived key for usage and constant: RFC 3961 DK (AES-ECB of the
 * n-folded constant, chained) or RFC 8009 KDF-HMAC-SHA2. out gets len
 * bytes.
 */
static bool
derive(const struct etype *et, const unsigned char *key, EVP_CIPHER_CTX *ecb,
       uint32_t usage, unsigned char constant, unsigned char *out,
       size_t len)
{
    unsigned char label[5], blk[16], buf[HASH_MAX];
    bool ok = false;

    label[0] = (unsigned char)(usage >> 24);
    label[1] = (unsigned char)(usage >> 16);
    label[2] = (unsigned char)(usage >> 8);
    label[3] = (unsigned char)usage;
    label[4] = constant;
    if (et->rfc8009) {
        /* K1 = HMAC(key, 00000001 | label | 00 | k) (RFC 8009 3). */
        static const unsigned char one[4] = { 0, 0, 0, 1 };
        unsigned char kbits[4] = { 0, 0, (unsigned char)((len * 8) >> 8),
                                   (unsigned char)(len * 8) };
        struct mac m;
        union hctx c;

        mac_setkey(&m, et->h, key, et->keylen);
        mac_begin(&m, &c);
        h_update(m.h, &c, one, 4);
        h_update(m.h, &c, label, 5);
        h_update(m.h, &c, "", 1);
        h_update(m.h, &c, kbits, 4);
        mac_end(&m, &c, buf);
        memcpy(out, buf, len);
        mem_wipe(&m, sizeof(m));
        ok = true;
    } else {
        /* DK(key, constant) = random-to-key(DR): E(nfold(constant)), then
         * E of the previous block, concatenated (RFC 3961 5.1); ecb is
         * AES-ECB encryption under key. */
        size_t got = 0;

        krb_msg_nfold(label, 5, blk, 16);
        ok = ecb != NULL;
        while (ok && got < len) {
            ok = evp_run(ecb, blk, blk, 16);
            memcpy(out + got, blk, len - got < 16 ? len - got : 16);
            got += 16;
        }
    }
    mem_wipe(blk, sizeof(blk));
    mem_wipe(buf, sizeof(buf));
    return ok;
}

/* ---------------------------------------------------- protection */

/* The keys of one base key for one sender's usages (RFC 4121 2:
 * 22/23 the acceptor's seal/sign, 24/25 the initiator's). */
struct keyset {
    const struct etype *et;
    struct cipher ke;
    struct mac ki;
    struct mac kc_seal;     /* wrap without confidentiality */
    struct mac kc_sign;     /* MIC */
};

static void
keyset_clear(struct keyset *k)
{
    cipher_clear(&k->ke);
    mem_wipe(&k->ki, sizeof(k->ki));
    mem_wipe(&k->kc_seal, sizeof(k->kc_seal));
    mem_wipe(&k->kc_sign, sizeof(k->kc_sign));
    k->et = NULL;
}

static bool
keyset_init(struct keyset *k, const struct etype *et,
            const unsigned char *key, uint32_t seal, uint32_t sign,
            int which)
{
    EVP_CIPHER_CTX *ecb = NULL;
    unsigned char d[32];
    bool ok = false;

    memset(k, 0, sizeof(*k));
    k->et = et;
    /* RFC 3961 derivation encrypts with the base key: one context for
     * the four keys. */
    if (!et->rfc8009 && (ecb = aes_ctx(key, et->keylen, false, 1)) == NULL)
        goto out;
    if (!derive(et, key, ecb, seal, 0xAA, d, et->keylen)
        || !cipher_setkey(&k->ke, d, et->keylen, which))
        goto out;
    if (!derive(et, key, ecb, seal, 0x55, d, et->kilen))
        goto out;
    mac_setkey(&k->ki, et->h, d, et->kilen);
    if (!derive(et, key, ecb, seal, 0x99, d, et->kclen))
        goto out;
    mac_setkey(&k->kc_seal, et->h, d, et->kclen);
    if (!derive(et, key, ecb, sign, 0x99, d, et->kclen))
        goto out;
    mac_setkey(&k->kc_sign, et->h, d, et->kclen);
    ok = true;
out:
    EVP_CIPHER_CTX_free(ecb);
    mem_wipe(d, sizeof(d));
    if (!ok)
        keyset_clear(k);
    return ok;
}

/* HMAC over the pieces of s (all of them: ENC and SIGN), preceded by the
 * zero IV for RFC 8009; out gets the truncated checksum. */
static void
mac_segs(const struct mac *k, bool iv, const struct seg *s, size_t ns,
         unsigned char *out, size_t outlen)
{
    unsigned char full[HASH_MAX];
    union hctx c;
    size_t i;

    mac_begin(k, &c);
    if (iv)
        h_update(k->h, &c, zero_iv, 16);
    for (i = 0; i < ns; i++)
        h_update(k->h, &c, s[i].p, s[i].n);
    mac_end(k, &c, full);
    memcpy(out, full, outlen);
    mem_wipe(full, sizeof(full));
}

static size_t
enc_total(const struct seg *s, size_t ns)
{
    size_t i, t = 0;

    for (i = 0; i < ns; i++)
        if (s[i].f & SEG_ENC)
            t += s[i].n;
    return t;
}

/* RFC 3961/8009 encryption of the pieces (the confounder is the first
 * ENC piece, already random) in place; cksum gets the trailer. */
static bool
seal(struct keyset *k, struct seg *s, size_t ns, unsigned char *cksum)
{
    size_t total = enc_total(s, ns);

    if (k->et->rfc8009) {
        if (!cts(&k->ke, true, s, ns, total))
            return false;
        mac_segs(&k->ki, true, s, ns, cksum, k->et->cksum);
        return true;
    }
    mac_segs(&k->ki, false, s, ns, cksum, k->et->cksum);
    return cts(&k->ke, true, s, ns, total);
}

static void
wipe_enc(struct seg *s, size_t ns)
{
    size_t i;

    for (i = 0; i < ns; i++)
        if (s[i].f & SEG_ENC)
            mem_wipe(s[i].p, s[i].n);
}

/* The inverse: false when the checksum does not match (then no plaintext
 * is left in the pieces) or the cipher failed. */
static bool
unseal(struct keyset *k, struct seg *s, size_t ns,
       const unsigned char *cksum)
{
    unsigned char want[HASH_MAX];
    size_t total = enc_total(s, ns);
    bool ok;

    if (total < 16)
        return false;
    if (k->et->rfc8009) {
        /* Encrypt-then-MAC: nothing is decrypted unless it verifies. */
        mac_segs(&k->ki, true, s, ns, want, k->et->cksum);
        ok = CRYPTO_memcmp(want, cksum, k->et->cksum) == 0
             && cts(&k->ke, false, s, ns, total);
    } else {
        ok = cts(&k->ke, false, s, ns, total);
        if (ok) {
            mac_segs(&k->ki, false, s, ns, want, k->et->cksum);
            ok = CRYPTO_memcmp(want, cksum, k->et->cksum) == 0;
        }
        if (!ok)
            wipe_enc(s, ns);
    }
    mem_wipe(want, sizeof(want));
    return ok;
}

/* ------------------------------------------------------- the engine */

#define TOK_MIC 0x0404
#define TOK_WRAP 0x0504
#define TOK_DEL 0x0405
#define FLAG_ACCEPTOR 0x01
#define FLAG_SEALED 0x02
#define FLAG_SUBKEY 0x04

#define POOL 1024

struct krb_msg {
    bool initiator;
    bool acc_subkey;            /* tokens use the acceptor subkey */
    struct keyset send;         /* this side's usages, the token key */
    struct keyset recv;         /* the peer's usages, the token key */
    struct keyset recv_ctx;     /* the peer's, the initiator's key, for
                                 * tokens without FLAG_SUBKEY when an
                                 * acceptor subkey exists (MIT accepts
                                 * them): made at the first such token,
                                 * which MIT and Windows peers never send;
                                 * et NULL until then */
    const struct etype *ctx_et; /* the initiator's key, for recv_ctx */
    unsigned char ctx_key[32];
    /* The token key, until send and recv are made from it: at the first
     * message (krb_msg_prepare), so that a context that only
     * authenticates never pays for the derivations and OpenSSL contexts
     * (about 17 us here). */
    const struct etype *tok_et;
    unsigned char tok_key[32];
    bool ready;
    uint32_t s_seal, s_sign, r_seal, r_sign;
    uint64_t send_seq;
    /* Confounders: random bytes fetched in bulk. */
    unsigned char pool[POOL];
    size_t pool_off;
};

struct krb_msg *
krb_msg_new(const gss_krb5_lucid_context_v1_t *lc, bool dce)
{
    const gss_krb5_lucid_key_t *tk, *ck;
    const struct etype *et, *cet;
    struct krb_msg *m;
    uint32_t s_seal, s_sign, r_seal, r_sign;

    if (lc == NULL || lc->version != 1 || lc->protocol != 1 || dce)
        return NULL;
    ck = &lc->cfx_kd.ctx_key;
    tk = lc->cfx_kd.have_acceptor_subkey ? &lc->cfx_kd.acceptor_subkey : ck;
    et = etype_find((int32_t)tk->type);
    cet = etype_find((int32_t)ck->type);
    if (et == NULL || tk->length != et->keylen || tk->data == NULL)
        return NULL;
    /* The initiator's key is only needed to read tokens that lack the
     * acceptor-subkey flag; an enctype we lack there means GSS for all. */
    if (cet == NULL || ck->length != cet->keylen || ck->data == NULL)
        return NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->initiator = lc->initiate != 0;
    m->acc_subkey = lc->cfx_kd.have_acceptor_subkey != 0;
    /* RFC 4121 2: KG-USAGE-ACCEPTOR-SEAL 22, -SIGN 23, INITIATOR 24, 25. */
    s_seal = m->initiator ? 24 : 22;
    s_sign = m->initiator ? 25 : 23;
    r_seal = m->initiator ? 22 : 24;
    r_sign = m->initiator ? 23 : 25;
    m->tok_et = et;
    memcpy(m->tok_key, tk->data, tk->length);
    m->ctx_et = cet;
    memcpy(m->ctx_key, ck->data, ck->length);
    m->s_seal = s_seal;
    m->s_sign = s_sign;
    m->r_seal = r_seal;
    m->r_sign = r_sign;
    m->send_seq = lc->send_seq;
    m->pool_off = POOL;
    return m;
}

bool
krb_msg_prepare(struct krb_msg *m)
{
    if (m->ready)
        return true;
    if (!keyset_init(&m->send, m->tok_et, m->tok_key, m->s_seal, m->s_sign,
                     CIPH_ENC)
        || !keyset_init(&m->recv, m->tok_et, m->tok_key, m->r_seal,
                        m->r_sign, CIPH_DEC)) {
        keyset_clear(&m->send);
        keyset_clear(&m->recv);
        return false;
    }
    m->ready = true;
    return true;
}

void
krb_msg_free(struct krb_msg *m)
{
    if (m == NULL)
        return;
    keyset_clear(&m->send);
    keyset_clear(&m->recv);
    keyset_clear(&m->recv_ctx);
    mem_wipe(m, sizeof(*m));
    free(m);
}

uint64_t
krb_msg_send_seq(const struct krb_msg *m)
{
    return m->send_seq;
}

size_t
krb_msg_wrap_header_len(const struct krb_msg *m, bool conf)
{
    /* Header, confounder, E(header), checksum (EC 0); or header and
     * checksum. */
    return conf ? 16 + 16 + 16 + m->tok_et->cksum
                : 16 + m->tok_et->cksum;
}

size_t
krb_msg_mic_len(const struct krb_msg *m)
{
    return 16 + m->tok_et->cksum;
}

static bool
confounder(struct krb_msg *m, unsigned char *out)
{
    if (m->pool_off + 16 > POOL) {
        if (RAND_bytes(m->pool, POOL) != 1)
            return false;
        m->pool_off = 0;
    }
    memcpy(out, m->pool + m->pool_off, 16);
    mem_wipe(m->pool + m->pool_off, 16);
    m->pool_off += 16;
    return true;
}

static void
put16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static size_t
get16(const unsigned char *p)
{
    return (size_t)p[0] << 8 | p[1];
}

static void
put64(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char)v;
        v >>= 8;
    }
}

static uint64_t
get64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * The message pieces of iov in MIT's order: DATA and PADDING encrypted
 * (when enc) and signed, SIGN_ONLY signed; the token buffers left out.
 * Returns the count, or -1 when there are too many.
 */
static int
iov_segs(gss_iov_buffer_desc *iov, size_t n, bool enc, struct seg *s,
         size_t room)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        OM_uint32 t = GSS_IOV_BUFFER_TYPE(iov[i].type);
        int f;

        if (t == GSS_IOV_BUFFER_TYPE_DATA
            || t == GSS_IOV_BUFFER_TYPE_PADDING)
            f = enc ? SEG_ENC | SEG_SIGN : SEG_SIGN;
        else if (t == GSS_IOV_BUFFER_TYPE_SIGN_ONLY)
            f = SEG_SIGN;
        else
            continue;
        if (iov[i].buffer.length == 0)
            continue;
        if (k == room)
            return -1;
        s[k].p = iov[i].buffer.value;
        s[k].n = iov[i].buffer.length;
        s[k].f = f;
        k++;
    }
    return (int)k;
}

/* The one buffer of type t in iov, or NULL (none, or more than one). */
static gss_iov_buffer_desc *
iov_find(gss_iov_buffer_desc *iov, size_t n, OM_uint32 t)
{
    gss_iov_buffer_desc *found = NULL;
    size_t i;

    for (i = 0; i < n; i++)
        if (GSS_IOV_BUFFER_TYPE(iov[i].type) == t) {
            if (found != NULL)
                return NULL;
            found = &iov[i];
        }
    return found;
}

OM_uint32
krb_msg_wrap(struct krb_msg *m, bool conf, gss_iov_buffer_desc *iov,
             size_t n)
{
    gss_iov_buffer_desc *hdr = iov_find(iov, n, GSS_IOV_BUFFER_TYPE_HEADER);
    gss_iov_buffer_desc *pad = iov_find(iov, n, GSS_IOV_BUFFER_TYPE_PADDING);
    struct seg s[MAX_SEGS];
    size_t cks = m->tok_et->cksum, hlen = krb_msg_wrap_header_len(m, conf);
    unsigned char *h;
    int k;

    if (!krb_msg_prepare(m))
        return GSS_S_FAILURE;
    if (hdr == NULL || hdr->buffer.length < hlen
        || iov_find(iov, n, GSS_IOV_BUFFER_TYPE_TRAILER) != NULL)
        return GSS_S_FAILURE;
    if (pad != NULL)
        pad->buffer.length = 0;
    h = hdr->buffer.value;
    hdr->buffer.length = hlen;
    put16(h, TOK_WRAP);
    h[2] = (unsigned char)((m->initiator ? 0 : FLAG_ACCEPTOR)
                           | (conf ? FLAG_SEALED : 0)
                           | (m->acc_subkey ? FLAG_SUBKEY : 0));
    h[3] = 0xFF;
    put16(h + 4, 0);            /* EC: CTS needs no filler */
    put16(h + 6, 0);            /* RRC: 0 while protected */
    put64(h + 8, m->send_seq);
    if (conf) {
        /* Header | E(conf | data | header) rotated by RRC = 16 + cksum:
         * header, E(header), checksum, E(conf), and the data in place. */
        unsigned char *ehdr = h + 16, *conf_p = h + hlen - 16;

        memcpy(ehdr, h, 16);
        if (!confounder(m, conf_p))
            return GSS_S_FAILURE;
        s[0].p = conf_p;
        s[0].n = 16;
        s[0].f = SEG_ENC | SEG_SIGN;
        k = iov_segs(iov, n, true, s + 1, MAX_SEGS - 2);
        if (k < 0)
            return GSS_S_FAILURE;
        s[k + 1].p = ehdr;
        s[k + 1].n = 16;
        s[k + 1].f = SEG_ENC | SEG_SIGN;
        if (!seal(&m->send, s, (size_t)k + 2, h + 32))
            return GSS_S_FAILURE;
        put16(h + 6, 16 + cks);
    } else {
        /* Header | checksum(data | header with EC = RRC = 0), rotated
         * into the header; then EC = RRC = checksum length. */
        k = iov_segs(iov, n, false, s, MAX_SEGS - 1);
        if (k < 0)
            return GSS_S_FAILURE;
        s[k].p = h;
        s[k].n = 16;
        s[k].f = SEG_SIGN;
        mac_segs(&m->send.kc_seal, false, s, (size_t)k + 1, h + 16, cks);
        put16(h + 4, cks);
        put16(h + 6, cks);
    }
    m->send_seq++;
    return GSS_S_COMPLETE;
}

/* Whether a 2-byte token ID is one of RFC 4121's (MIT then reads the
 * token as RFC 4121; anything else is refused here). */
static bool
cfx_id(size_t id)
{
    return id == TOK_MIC || id == TOK_WRAP || id == TOK_DEL;
}

/* The receiving keys for a token's flags (MIT k5sealv3iov.c: the acceptor
 * subkey when the context has one and the token says so), or NULL when
 * they cannot be made. */
static struct keyset *
recv_keys(struct krb_msg *m, unsigned char flags)
{
    if (!m->acc_subkey || (flags & FLAG_SUBKEY))
        return &m->recv;
    if (m->recv_ctx.et == NULL
        && !keyset_init(&m->recv_ctx, m->ctx_et, m->ctx_key, m->r_seal,
                        m->r_sign, CIPH_DEC))
        return NULL;
    return &m->recv_ctx;
}

/* Rotate buf left by k (mod n) in place (three reversals). */
static void
reverse(unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n / 2; i++) {
        unsigned char t = p[i];

        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static void
rotate_left(unsigned char *buf, size_t n, size_t k)
{
    if (n == 0)
        return;
    k %= n;
    if (k == 0)
        return;
    reverse(buf, k);
    reverse(buf + k, n - k);
    reverse(buf, n);
}

/*
 * The checks and decryption of an RFC 4121 wrap token whose parts are
 * known: h the 16-byte header, (for conf) conf_p the confounder and
 * ehdr the EC filler and encrypted header (ec + 16 bytes), cks_p the
 * checksum; data the caller's pieces.
 */
static OM_uint32
open_wrap(struct keyset *k, unsigned char *h, bool conf, size_t ec,
          unsigned char *conf_p, unsigned char *ehdr,
          const unsigned char *cks_p, struct seg *s, size_t ns)
{
    struct seg all[MAX_SEGS];
    size_t i, j = 0;

    if (conf) {
        const unsigned char *alt = ehdr + ec;

        all[j].p = conf_p;
        all[j].n = 16;
        all[j++].f = SEG_ENC | SEG_SIGN;
        for (i = 0; i < ns; i++)
            all[j++] = s[i];
        all[j].p = ehdr;
        all[j].n = ec + 16;
        all[j++].f = SEG_ENC | SEG_SIGN;
        if (!unseal(k, all, j, cks_p))
            return GSS_S_BAD_SIG;
        /* The encrypted copy must repeat the header, its RRC aside, and
         * the EC too: a malformed token, not a forged one (MIT commit
         * b0a2f8a, CVE-2024-37370, which Debian's 1.20.1-2+deb12u2 and
         * later carry; before it MIT ignored EC and said BAD_SIG). */
        if (get16(alt) != TOK_WRAP || alt[2] != h[2] || alt[3] != h[3]
            || get16(alt + 4) != ec || memcmp(alt + 8, h + 8, 8) != 0) {
            wipe_enc(all, j);
            return GSS_S_DEFECTIVE_TOKEN;
        }
        return GSS_S_COMPLETE;
    }
    {
        unsigned char want[HASH_MAX];
        bool ok;

        /* The checksum covers the header with EC and RRC zero; MIT zeroes
         * them in the caller's token, and so does this. */
        put16(h + 4, 0);
        put16(h + 6, 0);
        for (i = 0; i < ns; i++)
            all[j++] = s[i];
        all[j].p = h;
        all[j].n = 16;
        all[j++].f = SEG_SIGN;
        mac_segs(&k->kc_seal, false, all, j, want, k->et->cksum);
        ok = CRYPTO_memcmp(want, cks_p, k->et->cksum) == 0;
        mem_wipe(want, sizeof(want));
        return ok ? GSS_S_COMPLETE : GSS_S_BAD_SIG;
    }
}

/* The STREAM form (MIT k5unsealiov.c, kg_unseal_stream_iov). */
static OM_uint32
unwrap_stream(struct krb_msg *m, gss_iov_buffer_desc *stream,
              gss_iov_buffer_desc *data, int *conf_out, uint64_t *seq)
{
    unsigned char *h = stream->buffer.value;
    size_t len = stream->buffer.length, ec, rrc, trailer, hl, cks;
    struct keyset *k;
    struct seg s[1];
    bool conf;
    OM_uint32 maj;

    if (h == NULL || len < 16 || !cfx_id(get16(h)))
        return GSS_S_DEFECTIVE_TOKEN;
    conf = (h[2] & FLAG_SEALED) != 0;
    ec = conf ? get16(h + 4) : 0;
    rrc = get16(h + 6);
    if (rrc != 0) {
        rotate_left(h + 16, len - 16, rrc);
        put16(h + 6, 0);
    }
    /* The lengths come from the token key's enctype; the checks below
     * from the key the flags choose (as MIT). */
    hl = 16 + (conf ? 16 : 0);
    trailer = ec + (conf ? 16 : 0) + m->tok_et->cksum;
    if (len < hl + trailer)
        return GSS_S_DEFECTIVE_TOKEN;
    /* kg_unseal_v3_iov with a TRAILER. */
    if ((h[2] & FLAG_ACCEPTOR) != (m->initiator ? FLAG_ACCEPTOR : 0))
        return GSS_S_BAD_SIG;
    k = recv_keys(m, h[2]);
    if (k == NULL)
        return GSS_S_FAILURE;
    if (get16(h) != TOK_WRAP || h[3] != 0xFF)
        return GSS_S_DEFECTIVE_TOKEN;
    ec = get16(h + 4);
    *seq = get64(h + 8);
    cks = k->et->cksum;
    if (conf) {
        if (trailer != ec + 16 + cks)
            return GSS_S_BAD_SIG;
    } else {
        if (ec != cks)
            return GSS_S_DEFECTIVE_TOKEN;
        if (trailer != cks)
            return GSS_S_BAD_SIG;
    }
    s[0].p = h + hl;
    s[0].n = len - hl - trailer;
    s[0].f = conf ? SEG_ENC | SEG_SIGN : SEG_SIGN;
    maj = open_wrap(k, h, conf, ec, h + 16, h + len - trailer,
                    h + len - cks, s, s[0].n > 0 ? 1 : 0);
    if (maj != GSS_S_COMPLETE)
        return maj;
    data->buffer.value = h + hl;
    data->buffer.length = len - hl - trailer;
    *conf_out = conf;
    return GSS_S_COMPLETE;
}

OM_uint32
krb_msg_unwrap(struct krb_msg *m, gss_iov_buffer_desc *iov, size_t n,
               int *conf_out, uint64_t *seq)
{
    gss_iov_buffer_desc *hdr, *pad, *stream;
    struct seg s[MAX_SEGS];
    struct keyset *k;
    unsigned char *h;
    size_t len, ec, rrc, cks;
    bool conf;
    int ns;

    *conf_out = 0;
    *seq = 0;
    if (!krb_msg_prepare(m))
        return GSS_S_FAILURE;
    stream = iov_find(iov, n, GSS_IOV_BUFFER_TYPE_STREAM);
    if (stream != NULL) {
        gss_iov_buffer_desc *data = iov_find(iov, n,
                                             GSS_IOV_BUFFER_TYPE_DATA);

        if (data == NULL)
            return GSS_S_FAILURE;
        return unwrap_stream(m, stream, data, conf_out, seq);
    }
    hdr = iov_find(iov, n, GSS_IOV_BUFFER_TYPE_HEADER);
    pad = iov_find(iov, n, GSS_IOV_BUFFER_TYPE_PADDING);
    if (hdr == NULL || iov_find(iov, n, GSS_IOV_BUFFER_TYPE_TRAILER) != NULL)
        return GSS_S_FAILURE;
    h = hdr->buffer.value;
    len = hdr->buffer.length;
    /* kg_unseal_iov_token, then kg_unseal_v3_iov, in their order. */
    if (len < 2 || h == NULL || !cfx_id(get16(h)))
        return GSS_S_DEFECTIVE_TOKEN;
    if (pad != NULL && pad->buffer.length != 0)
        return GSS_S_DEFECTIVE_TOKEN;
    if (len < 16)
        return GSS_S_DEFECTIVE_TOKEN;
    if ((h[2] & FLAG_ACCEPTOR) != (m->initiator ? FLAG_ACCEPTOR : 0))
        return GSS_S_BAD_SIG;
    k = recv_keys(m, h[2]);
    if (k == NULL)
        return GSS_S_FAILURE;
    if (get16(h) != TOK_WRAP || h[3] != 0xFF)
        return GSS_S_DEFECTIVE_TOKEN;
    conf = (h[2] & FLAG_SEALED) != 0;
    ec = get16(h + 4);
    rrc = get16(h + 6);
    *seq = get64(h + 8);
    cks = k->et->cksum;
    /* Without a TRAILER the token must be rotated by exactly the trailer
     * length (MIT: "we only need to deal with a fixed RRC"). */
    if (rrc != cks + (conf ? 16 + ec : 0))
        return GSS_S_DEFECTIVE_TOKEN;
    if (!conf && ec != cks)
        return GSS_S_DEFECTIVE_TOKEN;
    /* Then the HEADER must hold exactly header, confounder and trailer. */
    if (len != (conf ? 16 + 16 + ec + 16 + cks : 16 + cks))
        return GSS_S_BAD_SIG;
    ns = iov_segs(iov, n, conf, s, MAX_SEGS - 2);
    if (ns < 0)
        return GSS_S_FAILURE;
    *conf_out = conf;
    if (conf)
        return open_wrap(k, h, true, ec, h + len - 16, h + 16,
                         h + 16 + ec + 16, s, (size_t)ns);
    return open_wrap(k, h, false, 0, NULL, NULL, h + 16, s, (size_t)ns);
}

OM_uint32
krb_msg_get_mic(struct krb_msg *m, gss_iov_buffer_desc *iov, size_t n)
{
    gss_iov_buffer_desc *tok = iov_find(iov, n,
                                        GSS_IOV_BUFFER_TYPE_MIC_TOKEN);
    struct seg s[MAX_SEGS];
    size_t cks = m->tok_et->cksum;
    unsigned char *h;
    int k;

    if (!krb_msg_prepare(m))
        return GSS_S_FAILURE;
    if (tok == NULL || tok->buffer.length < 16 + cks)
        return GSS_S_FAILURE;
    k = iov_segs(iov, n, false, s, MAX_SEGS - 1);
    if (k < 0)
        return GSS_S_FAILURE;
    h = tok->buffer.value;
    tok->buffer.length = 16 + cks;
    put16(h, TOK_MIC);
    h[2] = (unsigned char)((m->initiator ? 0 : FLAG_ACCEPTOR)
                           | (m->acc_subkey ? FLAG_SUBKEY : 0));
    memset(h + 3, 0xFF, 5);
    put64(h + 8, m->send_seq);
    s[k].p = h;
    s[k].n = 16;
    s[k].f = SEG_SIGN;
    mac_segs(&m->send.kc_sign, false, s, (size_t)k + 1, h + 16, cks);
    m->send_seq++;
    return GSS_S_COMPLETE;
}

OM_uint32
krb_msg_verify_mic(struct krb_msg *m, gss_iov_buffer_desc *iov, size_t n,
                   uint64_t *seq)
{
    gss_iov_buffer_desc *tok = iov_find(iov, n,
                                        GSS_IOV_BUFFER_TYPE_MIC_TOKEN);
    unsigned char want[HASH_MAX], *h;
    struct seg s[MAX_SEGS];
    struct keyset *k;
    size_t len;
    bool ok;
    int ns;

    *seq = 0;
    if (!krb_msg_prepare(m) || tok == NULL)
        return GSS_S_FAILURE;
    h = tok->buffer.value;
    len = tok->buffer.length;
    if (len < 2 || h == NULL || !cfx_id(get16(h)))
        return GSS_S_DEFECTIVE_TOKEN;
    if (len < 16)
        return GSS_S_DEFECTIVE_TOKEN;
    if ((h[2] & FLAG_ACCEPTOR) != (m->initiator ? FLAG_ACCEPTOR : 0))
        return GSS_S_BAD_SIG;
    k = recv_keys(m, h[2]);
    if (k == NULL)
        return GSS_S_FAILURE;
    if (get16(h) != TOK_MIC || h[3] != 0xFF)
        return GSS_S_DEFECTIVE_TOKEN;
    *seq = get64(h + 8);
    /* MIT fakes RRC = length - 16, which must be the checksum length. */
    if (len != 16 + k->et->cksum)
        return GSS_S_BAD_SIG;
    ns = iov_segs(iov, n, false, s, MAX_SEGS - 1);
    if (ns < 0)
        return GSS_S_FAILURE;
    s[ns].p = h;
    s[ns].n = 16;
    s[ns].f = SEG_SIGN;
    mac_segs(&k->kc_sign, false, s, (size_t)ns + 1, want, k->et->cksum);
    ok = CRYPTO_memcmp(want, h + 16, k->et->cksum) == 0;
    mem_wipe(want, sizeof(want));
    return ok ? GSS_S_COMPLETE : GSS_S_BAD_SIG;
}

/* ------------------------------------------- the exported context */

/*
 * MIT 1.20's exported krb5 context (ser_sctx.c, kg_ctx_externalize): big-
 * endian int32 fields from KG_CONTEXT on; seq_send (int64) at byte 72;
 * then tagged parts (mechanism OID, principals, keyblocks) up to the
 * receive-sequence state (util_seqstate.c), which is its C structure
 * copied as it is in memory, between two KV5M_GSS_QUEUE tags.
 * gss_export_sec_context puts a 4-byte length and the mechanism OID in
 * front, once more for SPNEGO around the krb5 token.
 */
#define KG_CONTEXT_MAGIC 39756040L  /* k5g error table base + 8 */
#define KV5M_GSS_OID_TAG (-1760647369L)
#define KV5M_GSS_QUEUE_TAG (-1760647368L)
#define KV5M_PRINCIPAL_TAG (-1760647423L)
#define KV5M_KEYBLOCK_TAG (-1760647421L)

struct mit_seqstate {
    int do_replay;
    int do_sequence;
    uint64_t seqmask;
    uint64_t base;
    uint64_t next;
    uint64_t recvmap;
};

_Static_assert(sizeof(struct mit_seqstate) == 40,
               "MIT's g_seqnum_state_st is 40 bytes on LP64");

static bool
get32(const unsigned char *p, size_t len, size_t off, int32_t *v)
{
    if (off > len || len - off < 4)
        return false;
    *v = (int32_t)((uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16
                   | (uint32_t)p[off + 2] << 8 | p[off + 3]);
    return true;
}

bool
krb_msg_patch_export(void *token, size_t len, const uint64_t *send_next,
                     uint64_t recv_next)
{
    unsigned char *p = token;
    size_t off = 0, level;
    int32_t v, n;
    struct mit_seqstate st;

    /* Mechanism prefixes: [length][OID], up to the krb5 token. */
    for (level = 0;; level++) {
        if (level == 3 || !get32(p, len, off, &n) || n < 0
            || (size_t)n > len - off - 4)
            return false;
        off += 4 + (size_t)n;
        if (!get32(p, len, off, &v))
            return false;
        if (v == KG_CONTEXT_MAGIC)
            break;
    }
    p += off;
    len -= off;
    if (len < 88)
        return false;
    off = 88;
    for (;;) {
        if (!get32(p, len, off, &v))
            return false;
        if (v == KV5M_GSS_QUEUE_TAG)
            break;
        if (v == KV5M_GSS_OID_TAG || v == KV5M_PRINCIPAL_TAG) {
            if (!get32(p, len, off + 4, &n) || n < 0
                || (size_t)n > len - off - 12)
                return false;
            off += 8 + (size_t)n;
        } else if (v == KV5M_KEYBLOCK_TAG) {
            if (!get32(p, len, off + 8, &n) || n < 0
                || (size_t)n > len - off - 16)
                return false;
            off += 12 + (size_t)n;
        } else {
            return false;
        }
        if (!get32(p, len, off, &n) || n != v)
            return false;
        off += 4;
    }
    off += 4;
    if (len - off < sizeof(st) + 4 || !get32(p, len, off + sizeof(st), &v)
        || v != KV5M_GSS_QUEUE_TAG)
        return false;
    memcpy(&st, p + off, sizeof(st));
    if ((st.do_replay != 0 && st.do_replay != 1)
        || (st.do_sequence != 0 && st.do_sequence != 1)
        || (st.seqmask != UINT32_MAX && st.seqmask != UINT64_MAX))
        return false;
    /* Every number before recv_next arrived, in order. */
    st.next = (recv_next - st.base) & st.seqmask;
    st.recvmap = st.next >= 64 ? UINT64_MAX
                               : ((uint64_t)1 << st.next) - 1;
    memcpy(p + off, &st, sizeof(st));
    if (send_next != NULL)
        put64(p + 72, *send_next);
    put64(p + 80, recv_next);
    return true;
}

/* --------------------------------------------- for the tests only */

struct krb_msg_key {
    const struct etype *et;
    unsigned char key[32];
};

struct krb_msg_key *
krb_msg_key_new(int32_t enctype, const void *key, size_t len)
{
    const struct etype *et = etype_find(enctype);
    struct krb_msg_key *k;

    if (et == NULL || len != et->keylen)
        return NULL;
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        return NULL;
    k->et = et;
    memcpy(k->key, key, len);
    return k;
}

void
krb_msg_key_free(struct krb_msg_key *k)
{
    if (k == NULL)
        return;
    mem_wipe(k, sizeof(*k));
    free(k);
}

size_t
krb_msg_derive(const struct krb_msg_key *k, uint32_t usage,
               unsigned char constant, unsigned char *out)
{
    size_t len = constant == 0xAA ? k->et->keylen
                 : constant == 0x55 ? k->et->kilen : k->et->kclen;
    EVP_CIPHER_CTX *ecb = NULL;
    bool ok;

    if (!k->et->rfc8009)
        ecb = aes_ctx(k->key, k->et->keylen, false, 1);
    ok = derive(k->et, k->key, ecb, usage, constant, out, len);
    EVP_CIPHER_CTX_free(ecb);
    return ok ? len : 0;
}

bool
krb_msg_cts(const struct krb_msg_key *k, bool encrypt, void *buf,
            size_t len)
{
    struct cipher c;
    struct seg s = { buf, len, SEG_ENC };
    bool ok;

    if (!cipher_setkey(&c, k->key, k->et->keylen, CIPH_ENC | CIPH_DEC))
        return false;
    ok = cts(&c, encrypt, &s, 1, len);
    cipher_clear(&c);
    return ok;
}

size_t
krb_msg_checksum(const struct krb_msg_key *k, uint32_t usage,
                 const void *data, size_t len, unsigned char *out)
{
    struct keyset ks;
    struct seg s = { (void *)data, len, SEG_SIGN };

    if (!keyset_init(&ks, k->et, k->key, usage, usage,
                     CIPH_ENC | CIPH_DEC))
        return 0;
    mac_segs(&ks.kc_sign, false, &s, len > 0 ? 1 : 0, out, k->et->cksum);
    keyset_clear(&ks);
    return k->et->cksum;
}

size_t
krb_msg_encrypt(const struct krb_msg_key *k, uint32_t usage,
                const unsigned char conf[16], const void *in, size_t len,
                unsigned char *out)
{
    struct keyset ks;
    struct seg s[2];
    bool ok;

    if (!keyset_init(&ks, k->et, k->key, usage, usage,
                     CIPH_ENC | CIPH_DEC))
        return 0;
    memcpy(out, conf, 16);
    if (len > 0)
        memcpy(out + 16, in, len);
    s[0].p = out;
    s[0].n = 16;
    s[0].f = SEG_ENC | SEG_SIGN;
    s[1].p = out + 16;
    s[1].n = len;
    s[1].f = SEG_ENC | SEG_SIGN;
    ok = seal(&ks, s, 2, out + 16 + len);
    keyset_clear(&ks);
    return ok ? 16 + len + k->et->cksum : 0;
}

bool
krb_msg_decrypt(const struct krb_msg_key *k, uint32_t usage, const void *in,
                size_t len, unsigned char *out, size_t *out_len)
{
    struct keyset ks;
    struct seg s[1];
    unsigned char *buf;
    bool ok;

    if (len < 16 + k->et->cksum)
        return false;
    buf = malloc(len);
    if (buf == NULL)
        return false;
    memcpy(buf, in, len);
    if (!keyset_init(&ks, k->et, k->key, usage, usage,
                     CIPH_ENC | CIPH_DEC)) {
        free(buf);
        return false;
    }
    s[0].p = buf;
    s[0].n = len - k->et->cksum;
    s[0].f = SEG_ENC | SEG_SIGN;
    ok = unseal(&ks, s, 1, buf + len - k->et->cksum);
    if (ok) {
        *out_len = len - 16 - k->et->cksum;
        memcpy(out, buf + 16, *out_len);
    }
    keyset_clear(&ks);
    mem_wipe(buf, len);
    free(buf);
    return ok;
}
