/*
 * ops.h - the operations the benchmarks measure, each in its raw MIT
 * GSS-API form and its SSPI (sspigss) form, with the state they run on.
 *
 * Every operation has the bench_fn shape (benchutil.h): run n
 * iterations, return 0 or -1 after printing why. The functions allocate
 * nothing themselves, so an allocation counted around them (bench_allocs)
 * is the library's.
 */
#ifndef SSPIGSS_BENCH_OPS_H
#define SSPIGSS_BENCH_OPS_H

#include "benchutil.h"

/* An established context pair of each path, with the same enctype and
 * flags; messages go from the initiator to the acceptor. */
struct bench_pair {
    struct raw_creds rc;
    struct sspi_creds sc;
    gss_ctx_id_t raw_ini, raw_acc;
    CtxtHandle sspi_ini, sspi_acc;
    bool have_raw, have_sspi;
    SecPkgContext_Sizes sizes;      /* of sspi_ini */
    int enctype;                    /* of both: checked equal */
    bool fast;                      /* sspigss uses its own engine
                                     * (lib/krb_msg.c) for messages */
};

/*
 * Credentials of both paths, one handshake of each (the first gets the
 * service ticket into the ccache, so later handshakes do not ask the
 * KDC), the contexts messages are measured on, and the checks that both
 * paths have the same enctype (aes256-cts-hmac-sha1-96 when want_enctype
 * is 18; 0 accepts any) and the same flags.
 */
int bench_pair_open(struct bench_pair *p, int want_enctype);
void bench_pair_close(struct bench_pair *p);

/*
 * One message size: the caller's buffers of both paths.
 *  raw:  gss_wrap_iov + gss_unwrap_iov, iov HEADER, DATA, PADDING,
 *        TRAILER, conf on, lengths from gss_wrap_iov_length once (as a
 *        program with a fixed message size does);
 *  sspi: EncryptMessage + DecryptMessage, Windows layout: TOKEN
 *        (cbSecurityTrailer), DATA, PADDING (cbBlockSize); the
 *        token and padding lengths reset before each message as Windows
 *        code does.
 * Data is encrypted and decrypted in place, so after any number of
 * round trips it equals the original again (wrap_check).
 */
struct wrap_state {
    struct bench_pair *p;
    size_t len;
    unsigned char *data, *orig;
    /* raw */
    unsigned char *header, *padding, *trailer;
    size_t header_len, padding_len, trailer_len;
    /* sspi */
    unsigned char *token, *pad;
};

int wrap_init(struct wrap_state *w, struct bench_pair *p, size_t len);
void wrap_free(struct wrap_state *w);
int wrap_check(const struct wrap_state *w);    /* data == original */
int raw_wrap_rt(void *w, unsigned long n);
int sspi_wrap_rt(void *w, unsigned long n);

/*
 * Signatures: gss_get_mic + gss_verify_mic (the token allocated by GSS
 * and released, as that API works) against MakeSignature +
 * VerifySignature (DATA, TOKEN of cbMaxSignature).
 */
struct mic_state {
    struct bench_pair *p;
    size_t len;
    unsigned char *data;
    unsigned char *token;
};

int mic_init(struct mic_state *m, struct bench_pair *p, size_t len);
void mic_free(struct mic_state *m);
int raw_mic_rt(void *m, unsigned long n);
int sspi_mic_rt(void *m, unsigned long n);

/* Whole handshakes, each context deleted after it: arg is the pair
 * (its credentials are used; its contexts are not touched). */
int raw_handshake_rt(void *p, unsigned long n);
int sspi_handshake_rt(void *p, unsigned long n);

#endif /* SSPIGSS_BENCH_OPS_H */
