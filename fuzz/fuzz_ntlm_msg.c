/*
 * fuzz_ntlm_msg.c - libFuzzer target: lib/ntlm_msg.c, sspigss's own NTLM
 * message protection, on hostile input.
 *
 * Input: byte 0 chooses what is done with the rest.
 *   0  an "export": ntlm_msg_from_export() parses it as gss-ntlmssp's
 *      exported context (mechglue OID layers, format 5); when it takes
 *      it, ntlm_msg_patch_export() writes the state back into a copy,
 *      which must parse again to the same state (sealing the same
 *      message with both gives the same bytes).
 *   1  a message to unseal: 16-byte signature, then the pieces (byte 1:
 *      split points and which pieces are sealed); ntlm_msg_unseal() must
 *      say 0 or 1, and on 1 leave every piece as it was.
 *   2  the same for ntlm_msg_verify(): 0 or 1, pieces never written.
 *   3  a round trip: the rest sealed (and signed) by a client state,
 *      opened (and verified) by the server's; then altered by one bit,
 *      which must be refused, and the next message must open again.
 * Byte 1 bits 0-2 also pick the negotiated flags (key exchange or not,
 * 128/56/40-bit sealing). Every piece is its own exact-size copy.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "ntlm_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE_FLAGS (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL \
                    | NTLMSSP_NEGOTIATE_ALWAYS_SIGN \
                    | NTLMSSP_NEGOTIATE_ESS)

static const unsigned char session_key[16] = {
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
};

static uint32_t
pick_flags(uint8_t b)
{
    uint32_t f = BASE_FLAGS;

    if (b & 1)
        f |= NTLMSSP_NEGOTIATE_KEY_EXCH;
    if (b & 2)
        f |= NTLMSSP_NEGOTIATE_128;
    if (b & 4)
        f |= NTLMSSP_NEGOTIATE_56;
    return f;
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

/* Up to three pieces of msg, split and sealed as b says. */
static size_t
make_parts(const uint8_t *msg, size_t len, uint8_t b, struct ntlm_part *p)
{
    size_t cut1 = len / 3, cut2 = 2 * len / 3, n = 0;
    size_t ends[3];
    size_t k, from = 0;

    if (b & 0x08) {
        ends[n++] = cut1;
        ends[n++] = cut2;
    }
    ends[n++] = len;
    for (k = 0; k < n; k++) {
        p[k].len = ends[k] - from;
        p[k].p = dup_bytes(msg + from, p[k].len);
        p[k].seal = ((b >> (4 + k)) & 1) == 0;
        from = ends[k];
    }
    return n;
}

static void
free_parts(struct ntlm_part *p, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        free(p[k].p);
}

static void
fuzz_export(const uint8_t *data, size_t size)
{
    struct ntlm_msg *m, *again;
    unsigned char *copy, s1[16], s2[16], msg1[8] = "fuzzing", msg2[8];
    struct ntlm_part p1 = { msg1, sizeof(msg1), true };
    struct ntlm_part p2 = { msg2, sizeof(msg2), true };
    const char *why = NULL;

    m = ntlm_msg_from_export(data, size, session_key, &why);
    if (m == NULL) {
        if (why == NULL)
            abort();
        return;
    }
    copy = dup_bytes(data, size);
    if (!ntlm_msg_patch_export(m, copy, size))
        abort();
    again = ntlm_msg_from_export(copy, size, session_key, &why);
    if (again == NULL)
        abort();
    memcpy(msg2, msg1, sizeof(msg1));
    if (ntlm_msg_seal(m, &p1, 1, s1) != 0
        || ntlm_msg_seal(again, &p2, 1, s2) != 0
        || memcmp(s1, s2, 16) != 0 || memcmp(msg1, msg2, 8) != 0)
        abort();
    ntlm_msg_free(again);
    ntlm_msg_free(m);
    free(copy);
}

static void
fuzz_receive(const uint8_t *data, size_t size, bool sealed)
{
    struct ntlm_part parts[3], before[3];
    struct ntlm_msg *srv;
    size_t n, k;
    int rc;

    if (size < 2 + 16)
        return;
    srv = ntlm_msg_new(pick_flags(data[1]), false, session_key);
    if (srv == NULL)
        abort();
    n = make_parts(data + 18, size - 18, data[1], parts);
    for (k = 0; k < n; k++) {
        before[k] = parts[k];
        before[k].p = dup_bytes(parts[k].p, parts[k].len);
    }
    rc = sealed ? ntlm_msg_unseal(srv, parts, n, data + 2)
                : ntlm_msg_verify(srv, parts, n, data + 2);
    if (rc != 0 && rc != 1)
        abort();
    for (k = 0; k < n; k++)
        if ((rc == 1 || !sealed)
            && memcmp(before[k].p, parts[k].p, parts[k].len) != 0)
            abort();
    free_parts(before, n);
    free_parts(parts, n);
    ntlm_msg_free(srv);
}

static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
    struct ntlm_part parts[3];
    struct ntlm_msg *cli, *srv;
    unsigned char sig[16];
    uint32_t flags;
    size_t n, k, total = 0;
    int round;

    if (size < 2)
        return;
    flags = pick_flags(data[1]);
    cli = ntlm_msg_new(flags, true, session_key);
    srv = ntlm_msg_new(flags, false, session_key);
    if (cli == NULL || srv == NULL)
        abort();
    for (round = 0; round < 3; round++) {
        n = make_parts(data + 2, size - 2, data[1], parts);
        for (k = 0; k < n; k++)
            total += parts[k].len;
        if (ntlm_msg_seal(cli, parts, n, sig) != 0)
            abort();
        if (round == 1) {
            /* One bit changed: refused, and both sides stay in step. */
            if (total > 0 && parts[n - 1].len > 0)
                parts[n - 1].p[0] ^= 1;
            else
                sig[4] ^= 1;
            if (ntlm_msg_unseal(srv, parts, n, sig) != 1)
                abort();
        } else if (ntlm_msg_unseal(srv, parts, n, sig) != 0) {
            abort();
        } else {
            size_t from = 0;

            for (k = 0; k < n; k++) {
                if (memcmp(parts[k].p, data + 2 + from, parts[k].len) != 0)
                    abort();
                from += parts[k].len;
            }
        }
        if (ntlm_msg_sign(srv, parts, n, sig) != 0
            || ntlm_msg_verify(cli, parts, n, sig) != 0)
            abort();
        free_parts(parts, n);
    }
    ntlm_msg_free(cli);
    ntlm_msg_free(srv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] & 3) {
    case 0:
        fuzz_export(data + 1, size - 1);
        break;
    case 1:
        fuzz_receive(data, size, true);
        break;
    case 2:
        fuzz_receive(data, size, false);
        break;
    default:
        fuzz_roundtrip(data, size);
        break;
    }
    return 0;
}
