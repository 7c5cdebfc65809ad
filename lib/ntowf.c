/*
 * ntowf.c - the NT hash of a password (MS-NLMP 3.3.1, NTOWFv1: MD4 of
 * the password in UTF-16LE), written out for gss-ntlmssp's cred store.
 *
 * gss-ntlmssp 1.2 computes the hash itself from a password, but its MD4
 * (src/crypto.c, MD4_HASH) fetches the algorithm from a new OpenSSL
 * library context each time and never frees it: every credential made
 * from a password leaks that context (about 6 KB, found by the ASan
 * pass). Handing it the hash ("ntlmssp_nthash") avoids the path. OpenSSL
 * 3 keeps MD4 in its legacy provider, which need not be loaded or even
 * installed, so MD4 (RFC 1320) is written out here: one block function
 * over the padded message, all state on the stack and wiped.
 */
#include "setup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gss_int.h"
#include "internal.h"

#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))

static void
md4_block(uint32_t st[4], const unsigned char blk[64])
{
    static const int r1[4] = { 3, 7, 11, 19 }, r2[4] = { 3, 5, 9, 13 },
                     r3[4] = { 3, 9, 11, 15 };
    static const int o3[16] = { 0, 8, 4, 12, 2, 10, 6, 14,
                                1, 9, 5, 13, 3, 11, 7, 15 };
    uint32_t x[16], a = st[0], b = st[1], c = st[2], d = st[3], t;
    int i;

    for (i = 0; i < 16; i++)
        x[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8
               | (uint32_t)blk[4 * i + 2] << 16
               | (uint32_t)blk[4 * i + 3] << 24;
    /* Each round: a = (a + f(b,c,d) + x[k] + K) <<< s, then rotate the
     * four words (a, b, c, d) <- (d, a, b, c). */
    for (i = 0; i < 16; i++) {
        t = ROTL(a + F(b, c, d) + x[i], r1[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    for (i = 0; i < 16; i++) {
        t = ROTL(a + G(b, c, d) + x[(i % 4) * 4 + i / 4] + 0x5A827999U,
                 r2[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    for (i = 0; i < 16; i++) {
        t = ROTL(a + H(b, c, d) + x[o3[i]] + 0x6ED9EBA1U, r3[i % 4]);
        a = d; d = c; c = b; b = t;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    mem_wipe(x, sizeof(x));
}

void
md4(const void *data, size_t len, unsigned char out[16])
{
    uint32_t st[4] = { 0x67452301U, 0xEFCDAB89U, 0x98BADCFEU, 0x10325476U };
    const unsigned char *p = data;
    unsigned char blk[64];
    uint64_t bits = (uint64_t)len * 8;
    size_t rest;
    int i;

    for (; len >= 64; p += 64, len -= 64)
        md4_block(st, p);
    rest = len;
    memset(blk, 0, sizeof(blk));
    if (rest > 0)
        memcpy(blk, p, rest);
    blk[rest] = 0x80;
    if (rest >= 56) {
        md4_block(st, blk);
        memset(blk, 0, sizeof(blk));
    }
    for (i = 0; i < 8; i++)
        blk[56 + i] = (unsigned char)(bits >> (8 * i));
    md4_block(st, blk);
    for (i = 0; i < 16; i++)
        out[i] = (unsigned char)(st[i / 4] >> (8 * (i % 4)));
    mem_wipe(blk, sizeof(blk));
    mem_wipe(st, sizeof(st));
}

SECURITY_STATUS
ntowf_hex(const char *password, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char h[16], *le;
    WCHAR *w = NULL;
    size_t units = 0, i;
    SECURITY_STATUS st;

    st = utf8_to_utf16(password, (size_t)-1, &w, &units);
    if (st != SEC_E_OK)
        return st;
    le = malloc(units * 2 + 1);
    if (le == NULL) {
        mem_wipe(w, units * sizeof(WCHAR));
        free(w);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    for (i = 0; i < units; i++) {
        le[2 * i] = (unsigned char)(w[i] & 0xff);
        le[2 * i + 1] = (unsigned char)(w[i] >> 8);
    }
    md4(le, units * 2, h);
    for (i = 0; i < 16; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[32] = '\0';
    mem_wipe(le, units * 2);
    mem_wipe(w, units * sizeof(WCHAR));
    mem_wipe(h, sizeof(h));
    free(le);
    free(w);
    return SEC_E_OK;
}
