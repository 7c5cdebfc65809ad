/*
 * check_krb_fast.c - the Kerberos message fast path (lib/krb_msg.c, issue
 * #12) is the same protocol as MIT's: in one process, an SSPI context
 * talks to a raw MIT GSS-API peer context, for every enctype the engine
 * implements, with sspigss as initiator and as acceptor. Each message
 * sspigss protects is unprotected by MIT (gss_unwrap, gss_verify_mic),
 * and each MIT protects by sspigss (DecryptMessage as TOKEN + DATA and as
 * STREAM, VerifySignature), at every length from 0 to 70 bytes, odd
 * lengths, and 1, 16 and 64 KiB; tampered and replayed messages give
 * Windows' codes with no plaintext left; a context exported and imported
 * after messages goes on with the right sequence numbers both ways.
 *
 * The same under Negotiate: an SSPI "Negotiate" context against MIT's
 * SPNEGO, which picks Kerberos.
 *
 * Runs under tests/check_kerberos.sh (a throwaway MIT KDC) through
 * tests/check_krb_fast.sh. Each enctype gets a service fast/HOST with keys
 * of all four enctypes and a krb5.conf in front of the realm's that asks
 * for that enctype's service tickets (default_tgs_enctypes), which also
 * makes it the acceptor subkey's. With SSPIGSS_KRB_FASTPATH=0 the same
 * tests run against sspigss' GSS-API path and must pass too (then the
 * fast path must be off).
 */
#include "setup.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "gss_int.h"
#include "handles.h"
#include "internal.h"
#include "testutil.h"

static const struct {
    int32_t et;
    const char *name;
} enctypes[] = {
    { 17, "aes128-cts-hmac-sha1-96" },
    { 18, "aes256-cts-hmac-sha1-96" },
    { 19, "aes128-cts-hmac-sha256-128" },
    { 20, "aes256-cts-hmac-sha384-192" },
};
#define N_ET (sizeof(enctypes) / sizeof(enctypes[0]))

static const char *dir, *host;
static char target[256];

static void
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    (void)system(cmd);
}

/* The service and configuration of enctype e; see the top. */
static void
setup_enctype(size_t e)
{
    char conf[512], ktname[512], krbconf[2048];
    const char *orig = getenv("KRB5_CONFIG");
    FILE *f;

    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(orig);
    run("kadmin.local -q 'addprinc -randkey -e \"aes256-cts-hmac-sha384-192"
        ":normal aes128-cts-hmac-sha256-128:normal aes256-cts-hmac-sha1-96"
        ":normal aes128-cts-hmac-sha1-96:normal\" fast%d/%s' >/dev/null 2>&1",
        enctypes[e].et, host);
    run("kadmin.local -q 'ktadd -norandkey -k %s/fast.keytab fast%d/%s' "
        ">/dev/null 2>&1", dir, enctypes[e].et, host);
    /* A service of its own per enctype: its ticket, cached in the
     * realm's ccache, has that enctype's session key. */
    snprintf(target, sizeof(target), "fast%d/%s", enctypes[e].et, host);
    snprintf(conf, sizeof(conf), "%s/fast-%d.conf", dir, enctypes[e].et);
    f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    /* The TGT's session key (aes256-cts-hmac-sha1-96) must stay
     * usable: the enctype wanted first, the realm's after it. */
    fprintf(f, "[libdefaults]\n    default_tgs_enctypes = %s "
            "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96\n",
            enctypes[e].name);
    fclose(f);
    snprintf(krbconf, sizeof(krbconf), "%s:%s", conf, orig);
    ck_assert_int_eq(setenv("KRB5_CONFIG", krbconf, 1), 0);
    snprintf(ktname, sizeof(ktname), "FILE:%s/fast.keytab", dir);
    ck_assert_int_eq(setenv("KRB5_KTNAME", ktname, 1), 0);
}

static bool
fast_expected(void)
{
    const char *v = getenv("SSPIGSS_KRB_FASTPATH");

    return v == NULL || strcmp(v, "0") != 0;
}

static bool
ctx_is_fast(CtxtHandle *h)
{
    struct handle_obj *obj;
    bool fast;

    ck_assert_sec(handle_lookup(h, HANDLE_CTX, &obj), SEC_E_OK);
    fast = gss_ctx_fast_path(obj);
    handle_obj_unref(obj);
    return fast;
}

struct peers {
    CredHandle cred;
    CtxtHandle sspi;
    gss_ctx_id_t gss;
    bool sspi_initiates;
};

#define GSS_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG \
                   | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)
#define ISC_FLAGS (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                   | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
                   | ISC_REQ_SEQUENCE_DETECT)
#define ASC_FLAGS (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY \
                   | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT \
                   | ASC_REQ_SEQUENCE_DETECT)

/* Establish an SSPI context against a raw MIT one. */
static void
peers_open(struct peers *p, bool sspi_initiates, int32_t want_et)
{
    unsigned char tok[12000];
    SecBuffer ob = { sizeof(tok), SECBUFFER_TOKEN, tok }, ib;
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob }, id = {
        SECBUFFER_VERSION, 1, &ib };
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, nb;
    gss_name_t name = GSS_C_NO_NAME;
    SecPkgContext_KeyInfoA ki;
    OM_uint32 maj, min, flags = 0;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    memset(p, 0, sizeof(*p));
    p->gss = GSS_C_NO_CONTEXT;
    p->sspi_initiates = sspi_initiates;
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos",
                                            sspi_initiates
                                            ? SECPKG_CRED_OUTBOUND
                                            : SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &p->cred, &ts),
                  SEC_E_OK);
    if (sspi_initiates) {
        st = InitializeSecurityContextA(&p->cred, NULL, target, ISC_FLAGS,
                                        0, SECURITY_NATIVE_DREP, NULL, 0,
                                        &p->sspi, &od, &attrs, &ts);
        ck_assert_sec(st, SEC_I_CONTINUE_NEEDED);
        in.value = tok;
        in.length = ob.cbBuffer;
        maj = gss_accept_sec_context(&min, &p->gss, GSS_C_NO_CREDENTIAL,
                                     &in, GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                     NULL, &out, &flags, NULL, NULL);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        ib.BufferType = SECBUFFER_TOKEN;
        ib.pvBuffer = out.value;
        ib.cbBuffer = (ULONG)out.length;
        ob.cbBuffer = sizeof(tok);
        st = InitializeSecurityContextA(&p->cred, &p->sspi, target,
                                        ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                                        &id, 0, &p->sspi, &od, &attrs, &ts);
        ck_assert_sec(st, SEC_E_OK);
        gss_release_buffer(&min, &out);
    } else {
        nb.value = target + 0;
        {
            /* svc/host as the host-based service svc@host */
            static char hb[256];
            char *slash;

            snprintf(hb, sizeof(hb), "%s", target);
            slash = strchr(hb, '/');
            ck_assert_ptr_nonnull(slash);
            *slash = '@';
            nb.value = hb;
            nb.length = strlen(hb);
        }
        maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &name);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, &p->gss, name,
                                   GSS_C_NO_OID, GSS_FLAGS, 0,
                                   GSS_C_NO_CHANNEL_BINDINGS,
                                   GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
        ck_assert_uint_eq(maj, GSS_S_CONTINUE_NEEDED);
        ib.BufferType = SECBUFFER_TOKEN;
        ib.pvBuffer = out.value;
        ib.cbBuffer = (ULONG)out.length;
        st = AcceptSecurityContext(&p->cred, NULL, &id, ASC_FLAGS,
                                   SECURITY_NATIVE_DREP, &p->sspi, &od,
                                   &attrs, &ts);
        ck_assert_sec(st, SEC_E_OK);
        gss_release_buffer(&min, &out);
        in.value = tok;
        in.length = ob.cbBuffer;
        maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL, &p->gss, name,
                                   GSS_C_NO_OID, GSS_FLAGS, 0,
                                   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
                                   &out, NULL, NULL);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        gss_release_buffer(&min, &out);
        gss_release_name(&min, &name);
    }
    ck_assert_sec(QueryContextAttributesA(&p->sspi, SECPKG_ATTR_KEY_INFO,
                                          &ki), SEC_E_OK);
    ck_assert_int_eq((int32_t)ki.EncryptAlgorithm, want_et);
    FreeContextBuffer(ki.sSignatureAlgorithmName);
    FreeContextBuffer(ki.sEncryptAlgorithmName);
    ck_assert_int_eq(ctx_is_fast(&p->sspi), fast_expected());
}

static void
peers_close(struct peers *p)
{
    OM_uint32 min;

    DeleteSecurityContext(&p->sspi);
    FreeCredentialsHandle(&p->cred);
    gss_delete_sec_context(&min, &p->gss, GSS_C_NO_BUFFER);
}

static void
fill(unsigned char *b, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 131 + seed * 7 + 1);
}

#define BIG 65536

/* sspigss protects, MIT unprotects. */
static void
sspi_to_mit(struct peers *p, size_t len, bool conf, unsigned seed)
{
    static unsigned char data[BIG], plain[BIG], tok[128], joined[BIG + 128];
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    int state = -1;

    fill(plain, len, seed);
    memcpy(data, plain, len);
    b[0] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
    b[1] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, data };
    b[2] = (SecBuffer){ 1, SECBUFFER_PADDING, tok + 100 };
    ck_assert_sec(EncryptMessage(&p->sspi, conf ? 0 : SECQOP_WRAP_NO_ENCRYPT,
                                 &d, 0), SEC_E_OK);
    ck_assert_uint_eq(b[2].cbBuffer, 0);
    if (conf && len >= 16)
        ck_assert(memcmp(data, plain, len) != 0);
    memcpy(joined, tok, b[0].cbBuffer);
    memcpy(joined + b[0].cbBuffer, data, len);
    in.value = joined;
    in.length = b[0].cbBuffer + len;
    maj = gss_unwrap(&min, p->gss, &in, &out, &state, NULL);
    ck_assert_msg(maj == GSS_S_COMPLETE, "MIT gss_unwrap of %zu bytes "
                  "(conf %d): major %x", len, conf, maj);
    ck_assert_int_eq(state, conf);
    ck_assert_uint_eq(out.length, len);
    ck_assert(len == 0 || memcmp(out.value, plain, len) == 0);
    gss_release_buffer(&min, &out);
    /* MIT 1.20 returns an allocation of 0 bytes for an empty sign-only
     * message, which its gss_release_buffer leaves alone (it frees only
     * buffers with a length; mechglue/g_rel_buffer.c): free it here. */
    free(out.value);

    /* A signature of the same bytes. */
    b[0] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
    b[1] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, plain };
    d.cBuffers = 2;
    ck_assert_sec(MakeSignature(&p->sspi, 0, &d, 0), SEC_E_OK);
    in.value = plain;
    in.length = len;
    out.value = tok;
    out.length = b[0].cbBuffer;
    maj = gss_verify_mic(&min, p->gss, &in, &out, NULL);
    ck_assert_msg(maj == GSS_S_COMPLETE, "MIT gss_verify_mic of %zu bytes: "
                  "major %x", len, maj);
}

/*
 * MIT protects, sspigss unprotects: form 0 TOKEN + DATA (gss_wrap_iov
 * without a TRAILER: rotated), 1 STREAM of a gss_wrap token (RRC 0),
 * 2 STREAM of the rotated one.
 */
static void
mit_to_sspi(struct peers *p, size_t len, bool conf, int form, unsigned seed)
{
    static unsigned char hdr[256], data[BIG], plain[BIG], stream[BIG + 256];
    gss_iov_buffer_desc iov[3], liov[3];
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    OM_uint32 maj, min;
    ULONG qop = 77;
    int state;

    fill(plain, len, seed);
    if (form == 1) {
        in.value = plain;
        in.length = len;
        maj = gss_wrap(&min, p->gss, conf, GSS_C_QOP_DEFAULT, &in, &state,
                       &out);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        memcpy(stream, out.value, out.length);
        b[0] = (SecBuffer){ (ULONG)out.length, SECBUFFER_STREAM, stream };
        b[1] = (SecBuffer){ 0, SECBUFFER_DATA, NULL };
        gss_release_buffer(&min, &out);
    } else {
        memcpy(data, plain, len);
        iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
        iov[0].buffer.value = hdr;
        iov[0].buffer.length = sizeof(hdr);
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[1].buffer.value = data;
        iov[1].buffer.length = len;
        iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
        iov[2].buffer.value = hdr + 200;
        iov[2].buffer.length = 16;
        /* MIT's gss_wrap_iov_length clears the buffer pointers: size a
         * copy. */
        memcpy(liov, iov, sizeof(liov));
        maj = gss_wrap_iov_length(&min, p->gss, conf, GSS_C_QOP_DEFAULT,
                                  NULL, liov, 3);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        iov[0].buffer.length = liov[0].buffer.length;
        iov[2].buffer.length = liov[2].buffer.length;
        maj = gss_wrap_iov(&min, p->gss, conf, GSS_C_QOP_DEFAULT, NULL, iov,
                           3);
        ck_assert_uint_eq(maj, GSS_S_COMPLETE);
        ck_assert_uint_eq(iov[2].buffer.length, 0);
        if (form == 0) {
            b[0] = (SecBuffer){ (ULONG)iov[0].buffer.length, SECBUFFER_TOKEN,
                                hdr };
            b[1] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, data };
        } else {
            memcpy(stream, hdr, iov[0].buffer.length);
            memcpy(stream + iov[0].buffer.length, data, len);
            b[0] = (SecBuffer){ (ULONG)(iov[0].buffer.length + len),
                                SECBUFFER_STREAM, stream };
            b[1] = (SecBuffer){ 0, SECBUFFER_DATA, NULL };
        }
    }
    ck_assert_sec(DecryptMessage(&p->sspi, &d, 0, &qop), SEC_E_OK);
    ck_assert_uint_eq(qop, conf ? 0 : SECQOP_WRAP_NO_ENCRYPT);
    ck_assert_uint_eq(b[1].cbBuffer, len);
    ck_assert(len == 0 || memcmp(b[1].pvBuffer, plain, len) == 0);

    /* MIT's signature, verified by sspigss. */
    in.value = plain;
    in.length = len;
    maj = gss_get_mic(&min, p->gss, GSS_C_QOP_DEFAULT, &in, &out);
    ck_assert_uint_eq(maj, GSS_S_COMPLETE);
    b[0] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, plain };
    b[1] = (SecBuffer){ (ULONG)out.length, SECBUFFER_TOKEN, out.value };
    ck_assert_sec(VerifySignature(&p->sspi, &d, 0, &qop), SEC_E_OK);
    gss_release_buffer(&min, &out);
}

static const size_t odd_sizes[] = {
    71, 99, 127, 255, 257, 1000, 1023, 1024, 1025, 4095, 4097, 16383, 16384,
    16385, 65535, BIG,
};
#define N_SIZES_EXTRA (sizeof(odd_sizes) / sizeof(odd_sizes[0]))

START_TEST(equivalence)
{
    size_t e = (size_t)_i / 2;
    struct peers p;
    size_t len, i;
    unsigned seed = 1;

    /* Under valgrind (SSPIGSS_TEST_RUNNER) every 7th small length and
     * the odd ones: the same code paths in a tenth of the time. */
    const char *runner = getenv("SSPIGSS_TEST_RUNNER");
    size_t step = runner != NULL && *runner != '\0' ? 7 : 1;

    setup_enctype(e);
    peers_open(&p, _i % 2 == 0, enctypes[e].et);
    for (len = 0; len <= 70 + N_SIZES_EXTRA; len += len < 70 ? step : 1) {
        size_t l = len <= 70 ? len : odd_sizes[len - 71];

        for (i = 0; i < 2; i++) {
            sspi_to_mit(&p, l, i == 0, seed++);
            mit_to_sspi(&p, l, i == 0, (int)(seed % 3), seed);
            seed++;
        }
    }
    peers_close(&p);
}
END_TEST

/* A tampered message: MESSAGE_ALTERED, nothing decrypted left behind; the
 * genuine one is still the next; a replay is OUT_OF_SEQUENCE. */
START_TEST(tamper_and_replay)
{
    size_t e = (size_t)_i / 2;
    static unsigned char hdr[256], data[1000], plain[1000], keep[256 + 1000];
    gss_iov_buffer_desc iov[2], liov[2];
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    struct peers p;
    OM_uint32 maj, min;
    ULONG qop;
    size_t hl, bit, i;

    setup_enctype(e);
    peers_open(&p, _i % 2 == 0, enctypes[e].et);
    fill(plain, sizeof(plain), 5);
    memcpy(data, plain, sizeof(data));
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer.value = hdr;
    iov[0].buffer.length = sizeof(hdr);
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.value = data;
    iov[1].buffer.length = sizeof(data);
    memcpy(liov, iov, sizeof(liov));
    maj = gss_wrap_iov_length(&min, p.gss, 1, GSS_C_QOP_DEFAULT, NULL, liov,
                              2);
    ck_assert_uint_eq(maj, GSS_S_COMPLETE);
    iov[0].buffer.length = liov[0].buffer.length;
    maj = gss_wrap_iov(&min, p.gss, 1, GSS_C_QOP_DEFAULT, NULL, iov, 2);
    ck_assert_uint_eq(maj, GSS_S_COMPLETE);
    hl = iov[0].buffer.length;
    memcpy(keep, hdr, hl);
    memcpy(keep + hl, data, sizeof(data));
    /* Every bit of the header's fields after the sequence number, and a
     * sample of the rest. */
    for (bit = 16 * 8; bit < (hl + sizeof(data)) * 8; bit += 37) {
        SECURITY_STATUS st;

        memcpy(hdr, keep, hl);
        memcpy(data, keep + hl, sizeof(data));
        if (bit / 8 < hl)
            hdr[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        else
            data[bit / 8 - hl] ^= (unsigned char)(1u << (bit % 8));
        b[0] = (SecBuffer){ (ULONG)hl, SECBUFFER_TOKEN, hdr };
        b[1] = (SecBuffer){ sizeof(data), SECBUFFER_DATA, data };
        st = DecryptMessage(&p.sspi, &d, 0, &qop);
        ck_assert_msg(st == SEC_E_MESSAGE_ALTERED, "bit %zu: %s", bit,
                      sspigss_status_name(st));
        for (i = 0; i + 8 <= sizeof(data); i++)
            ck_assert_msg(memcmp(data + i, plain + i, 8) != 0,
                          "bit %zu: plaintext left at %zu", bit, i);
    }
    memcpy(hdr, keep, hl);
    memcpy(data, keep + hl, sizeof(data));
    b[0] = (SecBuffer){ (ULONG)hl, SECBUFFER_TOKEN, hdr };
    b[1] = (SecBuffer){ sizeof(data), SECBUFFER_DATA, data };
    ck_assert_sec(DecryptMessage(&p.sspi, &d, 0, &qop), SEC_E_OK);
    ck_assert(memcmp(data, plain, sizeof(data)) == 0);
    memcpy(hdr, keep, hl);
    memcpy(data, keep + hl, sizeof(data));
    ck_assert_sec(DecryptMessage(&p.sspi, &d, 0, &qop),
                  SEC_E_OUT_OF_SEQUENCE);
    peers_close(&p);
}
END_TEST

/* Export and import after messages both ways: the imported context sends
 * and expects the right sequence numbers. */
START_TEST(export_after_messages)
{
    size_t e = (size_t)_i / 2;
    struct peers p;
    SecBuffer packed;
    CtxtHandle imported;
    int round;
    unsigned seed = 9;

    setup_enctype(e);
    peers_open(&p, _i % 2 == 0, enctypes[e].et);
    for (round = 0; round < 3; round++) {
        int k;

        for (k = 0; k < 5 + round; k++) {
            sspi_to_mit(&p, 100 + (size_t)k, true, seed++);
            mit_to_sspi(&p, 50 + (size_t)k, true, 0, seed++);
        }
        memset(&packed, 0, sizeof(packed));
        ck_assert_sec(ExportSecurityContext(&p.sspi, 0, &packed, NULL),
                      SEC_E_OK);
        if (round == 2) {
            /* The original goes on as well (not deleted). */
            sspi_to_mit(&p, 33, true, seed++);
            mit_to_sspi(&p, 34, false, 1, seed++);
            ck_assert_sec(DeleteSecurityContext(&p.sspi), SEC_E_OK);
            FreeContextBuffer(packed.pvBuffer);
            break;
        }
        ck_assert_sec(ImportSecurityContextA((SEC_CHAR *)"Kerberos", &packed,
                                             NULL, &imported), SEC_E_OK);
        FreeContextBuffer(packed.pvBuffer);
        ck_assert_int_eq(ctx_is_fast(&imported), fast_expected());
        ck_assert_sec(DeleteSecurityContext(&p.sspi), SEC_E_OK);
        p.sspi = imported;
    }
    SecInvalidateHandle(&p.sspi);
    peers_close(&p);
}
END_TEST

/*
 * Under Negotiate: an SSPI "Negotiate" context against a raw MIT SPNEGO
 * context, token loop until both are done (SPNEGO may add a leg for its
 * mechListMIC). The SSPI side must be on the fast path (Kerberos was
 * negotiated) and talk to MIT's SPNEGO wrap and MIC both ways.
 */
static void
negotiate_open(struct peers *p, bool sspi_initiates)
{
    static gss_OID_desc spnego = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };
    static char hb[256];
    unsigned char tok[12000];
    SecBuffer ob, ib;
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob }, id = {
        SECBUFFER_VERSION, 1, &ib };
    gss_buffer_desc nb, gin = GSS_C_EMPTY_BUFFER, gout = GSS_C_EMPTY_BUFFER;
    gss_name_t name = GSS_C_NO_NAME;
    bool sspi_done = false, gss_done = false, sspi_turn = sspi_initiates;
    bool sspi_started = false, gss_started = false;
    OM_uint32 maj, min;
    ULONG attrs, inlen = 0;
    TimeStamp ts;
    SECURITY_STATUS st;
    int legs;

    memset(p, 0, sizeof(*p));
    p->gss = GSS_C_NO_CONTEXT;
    p->sspi_initiates = sspi_initiates;
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Negotiate",
                                            sspi_initiates
                                            ? SECPKG_CRED_OUTBOUND
                                            : SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &p->cred, &ts),
                  SEC_E_OK);
    snprintf(hb, sizeof(hb), "%s", target);
    *strchr(hb, '/') = '@';
    nb.value = hb;
    nb.length = strlen(hb);
    ck_assert_uint_eq(gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE,
                                      &name), GSS_S_COMPLETE);
    for (legs = 0; legs < 8 && !(sspi_done && gss_done); legs++,
         sspi_turn = !sspi_turn) {
        if (sspi_turn) {
            if (sspi_done)
                break;
            ib = (SecBuffer){ (ULONG)gout.length, SECBUFFER_TOKEN,
                              gout.value };
            ob = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
            if (sspi_initiates)
                st = InitializeSecurityContextA(
                    &p->cred, sspi_started ? &p->sspi : NULL, target,
                    ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                    sspi_started ? &id : NULL, 0, &p->sspi, &od, &attrs,
                    &ts);
            else
                st = AcceptSecurityContext(
                    &p->cred, sspi_started ? &p->sspi : NULL, &id,
                    ASC_FLAGS, SECURITY_NATIVE_DREP, &p->sspi, &od, &attrs,
                    &ts);
            ck_assert_msg(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED,
                          "leg %d: %s", legs, sspigss_status_name(st));
            sspi_started = true;
            sspi_done = st == SEC_E_OK;
            gss_release_buffer(&min, &gout);
            inlen = ob.cbBuffer;
            if (inlen == 0)
                break;
        } else {
            if (gss_done)
                break;
            gin.value = tok;
            gin.length = inlen;
            if (sspi_initiates)
                maj = gss_accept_sec_context(&min, &p->gss,
                                             GSS_C_NO_CREDENTIAL, &gin,
                                             GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                             NULL, &gout, NULL, NULL, NULL);
            else
                maj = gss_init_sec_context(&min, GSS_C_NO_CREDENTIAL,
                                           &p->gss, name, &spnego, GSS_FLAGS,
                                           0, GSS_C_NO_CHANNEL_BINDINGS,
                                           gss_started ? &gin : NULL, NULL,
                                           &gout, NULL, NULL);
            ck_assert_msg(maj == GSS_S_COMPLETE
                          || maj == GSS_S_CONTINUE_NEEDED,
                          "leg %d: MIT major %x", legs, maj);
            gss_started = true;
            gss_done = maj == GSS_S_COMPLETE;
            if (gout.length == 0)
                break;
        }
    }
    gss_release_buffer(&min, &gout);
    gss_release_name(&min, &name);
    ck_assert(sspi_done);
    ck_assert(gss_done);
    ck_assert_int_eq(ctx_is_fast(&p->sspi), fast_expected());
}

START_TEST(negotiate_equivalence)
{
    static const size_t sizes[] = { 0, 1, 17, 1000, 16384, 65536 };
    struct peers p;
    size_t i;
    unsigned seed = 3;

    setup_enctype((size_t)_i / 2);
    negotiate_open(&p, _i % 2 == 0);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        sspi_to_mit(&p, sizes[i], true, seed++);
        sspi_to_mit(&p, sizes[i], false, seed++);
        mit_to_sspi(&p, sizes[i], true, (int)(i % 3), seed++);
        mit_to_sspi(&p, sizes[i], false, (int)((i + 1) % 3), seed++);
    }
    peers_close(&p);
}
END_TEST

/*
 * Threads share one context: each message gets its own sequence number
 * (none twice, none skipped) and MIT accepts them all in that order.
 */
#define T_THREADS 4
#define T_MSGS 150
#define T_LEN 100

struct t_msg {
    unsigned char tok[T_LEN + 128];
    ULONG len;
    uint64_t seq;
};

struct t_arg {
    CtxtHandle *h;
    struct t_msg *msgs;
    int failures;
};

static void *
t_worker(void *v)
{
    struct t_arg *a = v;
    int i;

    for (i = 0; i < T_MSGS; i++) {
        struct t_msg *m = &a->msgs[i];
        unsigned char data[T_LEN];
        SecBuffer b[2];
        SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
        int k;

        fill(data, T_LEN, (unsigned)i);
        b[0] = (SecBuffer){ 128, SECBUFFER_TOKEN, m->tok };
        b[1] = (SecBuffer){ T_LEN, SECBUFFER_DATA, data };
        if (EncryptMessage(a->h, 0, &d, 0) != SEC_E_OK) {
            a->failures++;
            continue;
        }
        memmove(m->tok + b[0].cbBuffer, data, T_LEN);
        m->len = b[0].cbBuffer + T_LEN;
        m->seq = 0;
        for (k = 8; k < 16; k++)
            m->seq = m->seq << 8 | m->tok[k];
    }
    return NULL;
}

static int
by_seq(const void *x, const void *y)
{
    const struct t_msg *a = *(const struct t_msg *const *)x;
    const struct t_msg *b = *(const struct t_msg *const *)y;

    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

START_TEST(threads_share_a_context)
{
    static struct t_msg msgs[T_THREADS][T_MSGS];
    static struct t_msg *all[T_THREADS * T_MSGS];
    struct t_arg args[T_THREADS];
    pthread_t th[T_THREADS];
    struct peers p;
    size_t i, n = 0;

    setup_enctype(1);
    peers_open(&p, true, enctypes[1].et);
    for (i = 0; i < T_THREADS; i++) {
        args[i] = (struct t_arg){ &p.sspi, msgs[i], 0 };
        ck_assert_int_eq(pthread_create(&th[i], NULL, t_worker, &args[i]),
                         0);
    }
    for (i = 0; i < T_THREADS; i++) {
        int k;

        pthread_join(th[i], NULL);
        ck_assert_int_eq(args[i].failures, 0);
        for (k = 0; k < T_MSGS; k++)
            all[n++] = &msgs[i][k];
    }
    qsort(all, n, sizeof(all[0]), by_seq);
    for (i = 0; i < n; i++) {
        gss_buffer_desc in = { all[i]->len, all[i]->tok }, out;
        OM_uint32 maj, min;

        ck_assert_uint_eq(all[i]->seq, all[0]->seq + i);
        maj = gss_unwrap(&min, p.gss, &in, &out, NULL, NULL);
        ck_assert_msg(maj == GSS_S_COMPLETE, "message %zu: major %x", i,
                      maj);
        gss_release_buffer(&min, &out);
    }
    peers_close(&p);
}
END_TEST

static Suite *
fast_suite(void)
{
    Suite *s = suite_create("krb_fast");
    TCase *tc = tcase_create("fastpath");

    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, equivalence, 0, 2 * N_ET);
    tcase_add_loop_test(tc, tamper_and_replay, 0, 2 * N_ET);
    tcase_add_loop_test(tc, export_after_messages, 0, 2 * N_ET);
    tcase_add_loop_test(tc, negotiate_equivalence, 0, 2 * N_ET);
    suite_add_tcase(s, tc);
    /* Tagged as check_kerberos.sh expects: left out under valgrind. */
    tc = tcase_create("threads");
    tcase_set_tags(tc, "threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, threads_share_a_context);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    dir = getenv("SSPIGSS_KDC_DIR");
    host = getenv("SSPIGSS_HOST") != NULL ? getenv("SSPIGSS_HOST")
                                          : "sspigss.test";
    return run_suite(fast_suite());
}
