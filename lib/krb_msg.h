/*
 * krb_msg.h - the Kerberos per-message engine (issue #12): RFC 4121 wrap,
 * unwrap, MIC and verify done by sspigss itself with OpenSSL, on the keys
 * and sequence numbers an established MIT krb5 context hands over in its
 * lucid form. The tokens are byte-for-byte what MIT's gss_wrap_iov,
 * gss_get_mic_iov and their inverses make and take.
 *
 * Enctypes: aes128/aes256-cts-hmac-sha1-96 (RFC 3961 simplified profile,
 * RFC 3962) and aes128-cts-hmac-sha256-128 / aes256-cts-hmac-sha384-192
 * (RFC 8009). krb_msg_new() says no to anything else, and the caller keeps
 * using GSS-API for that context.
 *
 * Not thread-safe by itself: the caller serialises the calls on one engine
 * (pkg_gss.c holds the context's lock). The send sequence number lives
 * here; the receive order is checked by the caller (pkg_gss.c,
 * check_order), exactly as for the GSS path.
 */
#ifndef SSPIGSS_KRB_MSG_H
#define SSPIGSS_KRB_MSG_H

#include "setup.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

struct krb_msg;

/* Whether the engine implements enctype (RFC 3961 number). */
bool krb_msg_enctype_supported(int32_t enctype);

/*
 * Whether the fast path may be used: false when the environment says
 * SSPIGSS_KRB_FASTPATH=0 (every message through GSS-API, so that each
 * Kerberos test can run both ways). Read at each call (a context asks
 * once, when it is established).
 */
bool krb_msg_enabled(void);

/*
 * An engine for an established RFC 4121 context from its lucid view
 * (version 1, protocol 1), or NULL: another protocol, an enctype the
 * engine lacks, DCE style (dce: GSS_C_DCE_STYLE was negotiated, whose
 * EC/RRC rules this engine does not implement), or no memory. Keys are
 * copied and derived; lc stays the caller's. Free with krb_msg_free.
 */
struct krb_msg *krb_msg_new(const gss_krb5_lucid_context_v1_t *lc,
                            bool dce);

/*
 * Derive the keys and make the OpenSSL contexts, which krb_msg_new leaves
 * to the first message (every operation below calls this). False when
 * that fails (no memory): the engine is unusable then, and since no
 * message went through it, the caller may go on with GSS-API.
 */
bool krb_msg_prepare(struct krb_msg *m);

/* Wipe the keys and free; NULL is fine. */
void krb_msg_free(struct krb_msg *m);

/* The next sequence number this side sends. */
uint64_t krb_msg_send_seq(const struct krb_msg *m);

/*
 * The HEADER length a wrap token needs (the Windows layout: RFC 4121
 * header, confounder and the rotated trailer, RRC as MIT writes it) and
 * the MIC token length.
 */
size_t krb_msg_wrap_header_len(const struct krb_msg *m, bool conf);
size_t krb_msg_mic_len(const struct krb_msg *m);

/*
 * gss_wrap_iov with a HEADER, DATA and SIGN_ONLY buffers and an optional
 * PADDING (set to length 0), no TRAILER: the HEADER's length must be at
 * least krb_msg_wrap_header_len and is set to it. Returns a GSS major
 * status (GSS_S_COMPLETE, GSS_S_FAILURE for a layout it does not take or
 * a crypto failure); the sequence number advances only on success.
 */
OM_uint32 krb_msg_wrap(struct krb_msg *m, bool conf,
                       gss_iov_buffer_desc *iov, size_t n);

/*
 * gss_unwrap_iov: a HEADER (the whole token header with the rotated
 * trailer), DATA, SIGN_ONLY and PADDING buffers; or a STREAM and one
 * DATA, which on success is set to the plaintext inside the stream.
 * Returns what MIT's gss_unwrap_iov returns for the same token (without
 * the sequence check, which the caller does first):
 * GSS_S_DEFECTIVE_TOKEN, GSS_S_BAD_SIG (integrity; no plaintext is left
 * in the DATA buffers then), GSS_S_COMPLETE, GSS_S_FAILURE. *seq is the
 * token's sequence number, *conf whether it was encrypted.
 */
OM_uint32 krb_msg_unwrap(struct krb_msg *m, gss_iov_buffer_desc *iov,
                         size_t n, int *conf, uint64_t *seq);

/*
 * gss_get_mic_iov (one MIC_TOKEN of at least krb_msg_mic_len bytes, set
 * to it; DATA and SIGN_ONLY buffers) and gss_verify_mic_iov, with the
 * same statuses as above.
 */
OM_uint32 krb_msg_get_mic(struct krb_msg *m, gss_iov_buffer_desc *iov,
                          size_t n);
OM_uint32 krb_msg_verify_mic(struct krb_msg *m, gss_iov_buffer_desc *iov,
                             size_t n, uint64_t *seq);

/*
 * Make MIT's exported context (the gss_export_sec_context token, krb5
 * mechanism, possibly inside SPNEGO's) carry the sequence state sspigss
 * knows: the next number to send (when send_next is not NULL: the engine
 * owns it, MIT's stopped counting), and the next number expected from the
 * peer, with a receive window in which every number before it has arrived
 * (this package accepts messages only in order). MIT's own lucid view
 * reports the receive number it started with, not the next one; after
 * this, an imported context reports recv_next. Changes the token in
 * place. Returns false when the token is not the MIT 1.20 layout this
 * knows (nothing changed then).
 */
bool krb_msg_patch_export(void *token, size_t len, const uint64_t *send_next,
                          uint64_t recv_next);

/* ---------------------------------------------- for the tests only */

/* The RFC 3961/3962/8009 primitives, exposed for known-answer tests. */
struct krb_msg_key;

/* A key of enctype from its bytes (NULL: unsupported or no memory). */
struct krb_msg_key *krb_msg_key_new(int32_t enctype, const void *key,
                                    size_t len);
void krb_msg_key_free(struct krb_msg_key *k);

/* RFC 3961 n-fold of in to out_len bytes. */
void krb_msg_nfold(const void *in, size_t in_len, void *out,
                   size_t out_len);

/* The key derived for usage and constant (0x99 Kc, 0xAA Ke, 0x55 Ki):
 * writes its bytes to out (room for 32), returns its length. */
size_t krb_msg_derive(const struct krb_msg_key *k, uint32_t usage,
                      unsigned char constant, unsigned char *out);

/* Raw CBC-CTS with a zero IV (RFC 3962), in place, len >= 16, with the
 * base key itself (no derivation). */
bool krb_msg_cts(const struct krb_msg_key *k, bool encrypt, void *buf,
                 size_t len);

/* krb5 checksum (RFC 3961 get_mic) of data under usage: out gets the
 * truncated HMAC; returns its length. */
size_t krb_msg_checksum(const struct krb_msg_key *k, uint32_t usage,
                        const void *data, size_t len, unsigned char *out);

/* krb5 encrypt (RFC 3961 / RFC 8009) of in under usage with the given
 * confounder (16 bytes) into out (len + 16 + checksum bytes); and
 * decrypt (returns false on an integrity failure). */
size_t krb_msg_encrypt(const struct krb_msg_key *k, uint32_t usage,
                       const unsigned char conf[16], const void *in,
                       size_t len, unsigned char *out);
bool krb_msg_decrypt(const struct krb_msg_key *k, uint32_t usage,
                     const void *in, size_t len, unsigned char *out,
                     size_t *out_len);

#endif /* SSPIGSS_KRB_MSG_H */
