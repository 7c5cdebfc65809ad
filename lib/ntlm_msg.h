/*
 * ntlm_msg.h - NTLM per-message protection done by sspigss itself
 * (ntlm_msg.c): MS-NLMP 3.4 with extended session security, the form
 * every NTLMv2 context gss-ntlmssp and Windows make uses.
 */
#ifndef SSPIGSS_NTLM_MSG_H
#define SSPIGSS_NTLM_MSG_H

#include "setup.h"

/* MS-NLMP 2.2.2.5 NegotiateFlags the engine looks at. */
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_DATAGRAM 0x00000040u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_NEGOTIATE_ESS 0x00080000u   /* EXTENDED_SESSIONSECURITY */
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

/* The state of one NTLM context's messages (opaque). */
struct ntlm_msg;

/*
 * One piece of a message, in order. Every piece enters the signature
 * (MS-NLMP 3.4.6.1: with NTLMv2 "all of the input data buffers ...
 * including the cleartext data buffers"); only pieces with seal set are
 * sealed (3.4.6: buffers with conf_req_flag).
 */
struct ntlm_part {
    unsigned char *p;
    size_t len;
    bool seal;
};

/*
 * The state for a context from its exported session key (16 bytes) and
 * negotiated flags: signing and sealing keys of both directions (MS-NLMP
 * 3.4.5.2, 3.4.5.3), fresh RC4 streams, sequence numbers 0. NULL when
 * the flags are not ones the engine takes (no extended session
 * security, datagram mode) or memory ran out. Free with ntlm_msg_free.
 */
struct ntlm_msg *ntlm_msg_new(uint32_t flags, bool client,
                              const unsigned char session_key[16]);

/*
 * The state held in a context gss-ntlmssp exported (blob as
 * gss_export_sec_context gives it, mechglue's OID prefixes included:
 * SPNEGO's and then NTLMSSP's, or NTLMSSP's alone), for a context
 * established with session_key. Every field is checked against
 * gss-ntlmssp's export format (version 5, src/gss_serialize.c, the same
 * in 1.1.0 to 1.3.1) and the keys against ones derived from session_key
 * and the flags; anything else gives NULL and a reason in *why (static).
 */
struct ntlm_msg *ntlm_msg_from_export(const void *blob, size_t len,
                                      const unsigned char session_key[16],
                                      const char **why);

/*
 * Write m's RC4 states and sequence numbers into a blob of
 * gss-ntlmssp's export format (as for ntlm_msg_from_export), so that
 * the context it imports to continues where m stands. False when blob
 * is not of that format (nothing written).
 */
bool ntlm_msg_patch_export(const struct ntlm_msg *m, void *blob,
                           size_t len);

/* Wipe and free (NULL is fine). */
void ntlm_msg_free(struct ntlm_msg *m);

/* The negotiated flags. */
uint32_t ntlm_msg_flags(const struct ntlm_msg *m);

/*
 * Seal (MS-NLMP 3.4.3 with 3.4.6): the signature over all parts (their
 * plaintext) into sig, the parts marked seal encrypted in place, in
 * order. Spends a sequence number. 0, or -1 when OpenSSL failed (nothing
 * changed).
 */
int ntlm_msg_seal(struct ntlm_msg *m, struct ntlm_part *parts, size_t n,
                  unsigned char sig[16]);

/*
 * Unseal: decrypt the parts marked seal and check sig over the result.
 * 0: the plaintext is in the parts. 1: the signature does not match
 * (the parts keep their ciphertext). -1: OpenSSL or memory failed
 * (nothing changed). 0 and 1 spend a sequence number and the RC4
 * stream, as gss-ntlmssp and Windows do.
 */
int ntlm_msg_unseal(struct ntlm_msg *m, struct ntlm_part *parts, size_t n,
                    const unsigned char sig[16]);

/*
 * Sign (MS-NLMP 3.4.4.2): the signature of the parts into sig. Without
 * NTLMSSP_NEGOTIATE_SIGN but with ALWAYS_SIGN, the dummy signature
 * (version 1, zeros; 3.4.4), nothing spent. 0, -1 (OpenSSL failed,
 * nothing changed), or -2 (neither flag: no signature possible).
 */
int ntlm_msg_sign(struct ntlm_msg *m, const struct ntlm_part *parts,
                  size_t n, unsigned char sig[16]);

/* Verify a signature made by the peer's ntlm_msg_sign: 0, 1 (does not
 * match; spent as for unseal), -1, -2 as for ntlm_msg_sign. */
int ntlm_msg_verify(struct ntlm_msg *m, const struct ntlm_part *parts,
                    size_t n, const unsigned char sig[16]);

/*
 * The peer's SPNEGO mechListMIC was not waited for (Negotiate's two-leg
 * NTLM client, negotiate.c): a peer that sent one spent its sequence
 * number on it (MS-SPNG 3.3.5.1 leaves the RC4 stream as it was), one
 * that did not starts its messages at the number expected now. The next
 * number expected becomes one more, and the first message received may
 * carry either.
 */
void ntlm_msg_peer_mic_unseen(struct ntlm_msg *m);

/* For tests: the keys of one direction (send or receive). */
void ntlm_msg_keys(const struct ntlm_msg *m, bool send,
                   unsigned char sign_key[16], unsigned char seal_key[16]);

#endif /* SSPIGSS_NTLM_MSG_H */
