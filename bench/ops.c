/*
 * ops.c - the measured operations, raw GSS-API and SSPI (ops.h).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gss_int.h"
#include "handles.h"
#include "ops.h"

/* ------------------------------------------------------------ the pair */

int
bench_pair_open(struct bench_pair *p, int want_enctype)
{
    gss_ctx_id_t i2, a2;
    CtxtHandle si2, sa2;
    SECURITY_STATUS st;
    OM_uint32 min;
    int raw_et, sspi_et;

    memset(p, 0, sizeof(*p));
    SecInvalidateHandle(&p->sc.initiator);
    SecInvalidateHandle(&p->sc.acceptor);
    p->rc.initiator = p->rc.acceptor = GSS_C_NO_CREDENTIAL;
    if (raw_creds_get(&p->rc) != 0 || sspi_creds_get(&p->sc) != 0)
        goto fail;
    /* The first handshake of each path gets and caches the service
     * ticket; the ones measured later find it in the ccache. */
    if (raw_handshake(&p->rc, &i2, &a2) != 0)
        goto fail;
    gss_delete_sec_context(&min, &i2, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&min, &a2, GSS_C_NO_BUFFER);
    if (sspi_handshake(&p->sc, &si2, &sa2) != 0)
        goto fail;
    DeleteSecurityContext(&si2);
    DeleteSecurityContext(&sa2);

    if (raw_handshake(&p->rc, &p->raw_ini, &p->raw_acc) != 0)
        goto fail;
    p->have_raw = true;
    if (sspi_handshake(&p->sc, &p->sspi_ini, &p->sspi_acc) != 0)
        goto fail;
    p->have_sspi = true;
    st = QueryContextAttributesA(&p->sspi_ini, SECPKG_ATTR_SIZES, &p->sizes);
    if (st != SEC_E_OK) {
        bench_sspi_fail("QueryContextAttributes(SIZES)", st);
        goto fail;
    }
    raw_et = raw_enctype(p->raw_ini);
    sspi_et = sspi_enctype(&p->sspi_ini);
    if (raw_et != sspi_et || raw_et < 0
        || (want_enctype != 0 && raw_et != want_enctype)) {
        fprintf(stderr, "bench: enctypes differ or are not the one wanted:"
                " raw %d, sspigss %d, wanted %d\n", raw_et, sspi_et,
                want_enctype);
        goto fail;
    }
    if (raw_enctype(p->raw_acc) != raw_et
        || sspi_enctype(&p->sspi_acc) != raw_et) {
        fprintf(stderr, "bench: acceptor enctype differs\n");
        goto fail;
    }
    p->enctype = raw_et;
    {
        struct handle_obj *obj;

        if (handle_lookup(&p->sspi_ini, HANDLE_CTX, &obj) == SEC_E_OK) {
            p->fast = gss_ctx_fast_path(obj);
            handle_obj_unref(obj);
        }
    }
    return 0;
fail:
    bench_pair_close(p);
    return -1;
}

void
bench_pair_close(struct bench_pair *p)
{
    OM_uint32 min;

    if (p->have_raw) {
        gss_delete_sec_context(&min, &p->raw_ini, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&min, &p->raw_acc, GSS_C_NO_BUFFER);
    }
    if (p->have_sspi) {
        DeleteSecurityContext(&p->sspi_ini);
        DeleteSecurityContext(&p->sspi_acc);
    }
    p->have_raw = p->have_sspi = false;
    raw_creds_free(&p->rc);
    sspi_creds_free(&p->sc);
}

/* ----------------------------------------------------- encrypt/decrypt */

static void
fill(unsigned char *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        b[i] = (unsigned char)(i * 31 + 7);
}

/* The raw iov of one message, lengths as sized once. */
static void
raw_iov(struct wrap_state *w, gss_iov_buffer_desc *iov)
{
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer.length = w->header_len;
    iov[0].buffer.value = w->header;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = w->len;
    iov[1].buffer.value = w->data;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
    iov[2].buffer.length = w->padding_len;
    iov[2].buffer.value = w->padding;
    iov[3].type = GSS_IOV_BUFFER_TYPE_TRAILER;
    iov[3].buffer.length = w->trailer_len;
    iov[3].buffer.value = w->trailer;
}

/* The SSPI buffers of one message, Windows layout, as sized by
 * SECPKG_ATTR_SIZES. */
static void
sspi_bufs(struct wrap_state *w, SecBuffer *b)
{
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].cbBuffer = w->p->sizes.cbSecurityTrailer;
    b[0].pvBuffer = w->token;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = (ULONG)w->len;
    b[1].pvBuffer = w->data;
    b[2].BufferType = SECBUFFER_PADDING;
    b[2].cbBuffer = w->p->sizes.cbBlockSize;
    b[2].pvBuffer = w->pad;
}

int
wrap_check(const struct wrap_state *w)
{
    if (memcmp(w->data, w->orig, w->len) != 0) {
        fprintf(stderr, "bench: %zu-byte message did not survive the "
                "round trip\n", w->len);
        return -1;
    }
    return 0;
}

/* Encrypt once with a path, check the data changed (confidentiality is
 * on), decrypt, check it is back. */
static int
wrap_verify(struct wrap_state *w, bool sspi)
{
    gss_iov_buffer_desc iov[4];
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    OM_uint32 maj, min;
    int conf = 0;
    ULONG qop = 1;
    SECURITY_STATUS st;

    if (sspi) {
        sspi_bufs(w, b);
        st = EncryptMessage(&w->p->sspi_ini, 0, &d, 0);
        if (st != SEC_E_OK)
            return bench_sspi_fail("EncryptMessage", st);
    } else {
        raw_iov(w, iov);
        maj = gss_wrap_iov(&min, w->p->raw_ini, 1, GSS_C_QOP_DEFAULT, &conf,
                           iov, 4);
        if (GSS_ERROR(maj))
            return bench_gss_fail("gss_wrap_iov", maj, min);
        if (!conf) {
            fprintf(stderr, "bench: gss_wrap_iov did not encrypt\n");
            return -1;
        }
    }
    if (w->len >= 16 && memcmp(w->data, w->orig, w->len) == 0) {
        fprintf(stderr, "bench: the data was not encrypted\n");
        return -1;
    }
    if (sspi) {
        st = DecryptMessage(&w->p->sspi_acc, &d, 0, &qop);
        if (st != SEC_E_OK)
            return bench_sspi_fail("DecryptMessage", st);
        if (qop != 0) {
            fprintf(stderr, "bench: DecryptMessage: not encrypted\n");
            return -1;
        }
    } else {
        maj = gss_unwrap_iov(&min, w->p->raw_acc, &conf, NULL, iov, 4);
        if (maj != GSS_S_COMPLETE)
            return bench_gss_fail("gss_unwrap_iov", maj, min);
    }
    return wrap_check(w);
}

int
wrap_init(struct wrap_state *w, struct bench_pair *p, size_t len)
{
    gss_iov_buffer_desc iov[4];
    OM_uint32 maj, min;

    memset(w, 0, sizeof(*w));
    w->p = p;
    w->len = len;
    w->header_len = w->padding_len = w->trailer_len = 0;
    /* Sizes of the raw iov for this message length. */
    memset(iov, 0, sizeof(iov));
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = len;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
    iov[3].type = GSS_IOV_BUFFER_TYPE_TRAILER;
    maj = gss_wrap_iov_length(&min, p->raw_ini, 1, GSS_C_QOP_DEFAULT, NULL,
                              iov, 4);
    if (GSS_ERROR(maj))
        return bench_gss_fail("gss_wrap_iov_length", maj, min);
    w->header_len = iov[0].buffer.length;
    w->padding_len = iov[2].buffer.length;
    w->trailer_len = iov[3].buffer.length;
    /* +1: malloc(0) may give NULL. */
    w->data = malloc(len + 1);
    w->orig = malloc(len + 1);
    w->header = malloc(w->header_len + 1);
    w->padding = malloc(w->padding_len + 1);
    w->trailer = malloc(w->trailer_len + 1);
    w->token = malloc(p->sizes.cbSecurityTrailer + 1);
    w->pad = malloc(p->sizes.cbBlockSize + 1);
    if (w->data == NULL || w->orig == NULL || w->header == NULL
        || w->padding == NULL || w->trailer == NULL || w->token == NULL
        || w->pad == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        wrap_free(w);
        return -1;
    }
    fill(w->data, len);
    memcpy(w->orig, w->data, len);
    if (wrap_verify(w, false) != 0 || wrap_verify(w, true) != 0) {
        wrap_free(w);
        return -1;
    }
    return 0;
}

void
wrap_free(struct wrap_state *w)
{
    free(w->data);
    free(w->orig);
    free(w->header);
    free(w->padding);
    free(w->trailer);
    free(w->token);
    free(w->pad);
    memset(w, 0, sizeof(*w));
}

int
raw_wrap_rt(void *arg, unsigned long n)
{
    struct wrap_state *w = arg;
    gss_iov_buffer_desc iov[4];
    OM_uint32 maj, min;
    int conf;

    while (n-- > 0) {
        raw_iov(w, iov);
        maj = gss_wrap_iov(&min, w->p->raw_ini, 1, GSS_C_QOP_DEFAULT, &conf,
                           iov, 4);
        if (GSS_ERROR(maj))
            return bench_gss_fail("gss_wrap_iov", maj, min);
        maj = gss_unwrap_iov(&min, w->p->raw_acc, &conf, NULL, iov, 4);
        if (maj != GSS_S_COMPLETE)
            return bench_gss_fail("gss_unwrap_iov", maj, min);
    }
    return 0;
}

int
sspi_wrap_rt(void *arg, unsigned long n)
{
    struct wrap_state *w = arg;
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    SECURITY_STATUS st;
    ULONG qop;

    while (n-- > 0) {
        sspi_bufs(w, b);
        st = EncryptMessage(&w->p->sspi_ini, 0, &d, 0);
        if (st != SEC_E_OK)
            return bench_sspi_fail("EncryptMessage", st);
        st = DecryptMessage(&w->p->sspi_acc, &d, 0, &qop);
        if (st != SEC_E_OK)
            return bench_sspi_fail("DecryptMessage", st);
    }
    return 0;
}

/* --------------------------------------------------------- signatures */

int
mic_init(struct mic_state *m, struct bench_pair *p, size_t len)
{
    memset(m, 0, sizeof(*m));
    m->p = p;
    m->len = len;
    m->data = malloc(len + 1);
    m->token = malloc(p->sizes.cbMaxSignature + 1);
    if (m->data == NULL || m->token == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        mic_free(m);
        return -1;
    }
    fill(m->data, len);
    /* Both paths once: a signature each that verifies. */
    if (raw_mic_rt(m, 1) != 0 || sspi_mic_rt(m, 1) != 0) {
        mic_free(m);
        return -1;
    }
    return 0;
}

void
mic_free(struct mic_state *m)
{
    free(m->data);
    free(m->token);
    memset(m, 0, sizeof(*m));
}

int
raw_mic_rt(void *arg, unsigned long n)
{
    struct mic_state *m = arg;
    gss_buffer_desc msg = { m->len, m->data };
    gss_buffer_desc tok;
    OM_uint32 maj, min;

    while (n-- > 0) {
        maj = gss_get_mic(&min, m->p->raw_ini, GSS_C_QOP_DEFAULT, &msg,
                          &tok);
        if (GSS_ERROR(maj))
            return bench_gss_fail("gss_get_mic", maj, min);
        maj = gss_verify_mic(&min, m->p->raw_acc, &msg, &tok, NULL);
        gss_release_buffer(&min, &tok);
        if (maj != GSS_S_COMPLETE)
            return bench_gss_fail("gss_verify_mic", maj, min);
    }
    return 0;
}

int
sspi_mic_rt(void *arg, unsigned long n)
{
    struct mic_state *m = arg;
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st;
    ULONG qop;

    while (n-- > 0) {
        b[0].BufferType = SECBUFFER_DATA;
        b[0].cbBuffer = (ULONG)m->len;
        b[0].pvBuffer = m->data;
        b[1].BufferType = SECBUFFER_TOKEN;
        b[1].cbBuffer = m->p->sizes.cbMaxSignature;
        b[1].pvBuffer = m->token;
        st = MakeSignature(&m->p->sspi_ini, 0, &d, 0);
        if (st != SEC_E_OK)
            return bench_sspi_fail("MakeSignature", st);
        st = VerifySignature(&m->p->sspi_acc, &d, 0, &qop);
        if (st != SEC_E_OK)
            return bench_sspi_fail("VerifySignature", st);
    }
    return 0;
}

/* --------------------------------------------------------- handshakes */

int
raw_handshake_rt(void *arg, unsigned long n)
{
    struct bench_pair *p = arg;
    gss_ctx_id_t ini, acc;
    OM_uint32 min;

    while (n-- > 0) {
        if (raw_handshake(&p->rc, &ini, &acc) != 0)
            return -1;
        gss_delete_sec_context(&min, &ini, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&min, &acc, GSS_C_NO_BUFFER);
    }
    return 0;
}

int
sspi_handshake_rt(void *arg, unsigned long n)
{
    struct bench_pair *p = arg;
    CtxtHandle ini, acc;

    while (n-- > 0) {
        if (sspi_handshake(&p->sc, &ini, &acc) != 0)
            return -1;
        DeleteSecurityContext(&ini);
        DeleteSecurityContext(&acc);
    }
    return 0;
}
