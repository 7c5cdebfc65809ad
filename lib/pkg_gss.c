/*
 * pkg_gss.c - the GSS-API engine behind the Kerberos package (and, with
 * another mechanism, Negotiate and NTLM).
 *
 * Windows semantics kept here (DESIGN.md, "Windows semantics to keep"):
 *  - output tokens go to the SECBUFFER_TOKEN found by type; with
 *    ISC_REQ_ALLOCATE_MEMORY they are allocated for the caller
 *    (FreeContextBuffer), otherwise a buffer too small is
 *    SEC_E_BUFFER_TOO_SMALL;
 *  - returned attributes are what GSS granted, translated from GSS flags;
 *  - EncryptMessage writes the RFC 4121 wrap header into the TOKEN buffer
 *    and the ciphertext in place in DATA, so TOKEN||DATA is a token MIT's
 *    gss_unwrap accepts (Microsoft, "SSPI/Kerberos Interoperability with
 *    GSSAPI"); DecryptMessage also takes one SECBUFFER_STREAM;
 *  - no plaintext is left in the caller's buffers when a message is
 *    rejected (tampered, replayed, out of order).
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi_ext.h>

#include "gss_int.h"
#include "internal.h"
#include "ntlm_msg.h"
#include "krb_msg.h"

const struct gss_mech gss_mech_kerberos = {
    /* 1.2.840.113554.1.2.2, RFC 1964 */
    .oid = { 9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" },
    .kind = KIND_KERBEROS,
    .krb5 = true,
    .package = "Kerberos",
};

const struct gss_mech gss_mech_ntlm = {
    /* 1.3.6.1.4.1.311.2.2.10, Microsoft's NTLMSSP (gss-ntlmssp) */
    .oid = { 10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" },
    .kind = KIND_NTLM,
    .package = "NTLM",
};

const struct gss_mech gss_mech_spnego = {
    /* 1.3.6.1.5.5.2, RFC 4178 */
    .oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" },
    .kind = KIND_SPNEGO,
    .package = "Negotiate",
};


/* ------------------------------------------------------------- flags */

struct flag_map {
    ULONG sspi;
    OM_uint32 gss;
};

/* ISC_REQ_* to GSS request flags (values differ: ISC_REQ_DELEGATE is 1,
 * GSS_C_DELEG_FLAG is 1, but ISC_REQ_INTEGRITY is 0x10000, GSS 32). */
static const struct flag_map isc_req_map[] = {
    { ISC_REQ_DELEGATE, GSS_C_DELEG_FLAG },
    { ISC_REQ_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG },
    { ISC_REQ_REPLAY_DETECT, GSS_C_REPLAY_FLAG },
    { ISC_REQ_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG },
    { ISC_REQ_CONFIDENTIALITY, GSS_C_CONF_FLAG },
    { ISC_REQ_INTEGRITY, GSS_C_INTEG_FLAG },
    { ISC_REQ_USE_DCE_STYLE, GSS_C_DCE_STYLE },
    { ISC_REQ_IDENTIFY, GSS_C_IDENTIFY_FLAG },
};

static const struct flag_map isc_ret_map[] = {
    { ISC_RET_DELEGATE, GSS_C_DELEG_FLAG },
    { ISC_RET_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG },
    { ISC_RET_REPLAY_DETECT, GSS_C_REPLAY_FLAG },
    { ISC_RET_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG },
    { ISC_RET_CONFIDENTIALITY, GSS_C_CONF_FLAG },
    { ISC_RET_INTEGRITY, GSS_C_INTEG_FLAG },
    { ISC_RET_USED_DCE_STYLE, GSS_C_DCE_STYLE },
    { ISC_RET_IDENTIFY, GSS_C_IDENTIFY_FLAG },
};

static const struct flag_map asc_ret_map[] = {
    { ASC_RET_DELEGATE, GSS_C_DELEG_FLAG },
    { ASC_RET_MUTUAL_AUTH, GSS_C_MUTUAL_FLAG },
    { ASC_RET_REPLAY_DETECT, GSS_C_REPLAY_FLAG },
    { ASC_RET_SEQUENCE_DETECT, GSS_C_SEQUENCE_FLAG },
    { ASC_RET_CONFIDENTIALITY, GSS_C_CONF_FLAG },
    { ASC_RET_INTEGRITY, GSS_C_INTEG_FLAG },
    { ASC_RET_USED_DCE_STYLE, GSS_C_DCE_STYLE },
    { ASC_RET_IDENTIFY, GSS_C_IDENTIFY_FLAG },
};

#define NFLAGS(m) (sizeof(m) / sizeof((m)[0]))

static OM_uint32
to_gss(const struct flag_map *m, size_t n, ULONG sspi)
{
    OM_uint32 g = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (sspi & m[i].sspi)
            g |= m[i].gss;
    return g;
}

static ULONG
to_sspi(const struct flag_map *m, size_t n, OM_uint32 gss)
{
    ULONG s = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (gss & m[i].gss)
            s |= m[i].sspi;
    return s;
}

/* ------------------------------------------------------------ helpers */

/* Forget a waiting step result (c->lock held, or c unshared). */
static void
pending_drop(struct gss_ctx *c)
{
    OM_uint32 min;

    if (!c->pending)
        return;
    gss_release_buffer(&min, &c->pend_out);
    free(c->pend_in);
    c->pend_in = NULL;
    c->pending = false;
}

static void
ctx_destroy(struct handle_obj *obj)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    OM_uint32 min;

    if (c->gctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&min, &c->gctx, GSS_C_NO_BUFFER);
    if (c->delegated != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &c->delegated);
    if (c->negcred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &c->negcred);
    pending_drop(c);
    ntlm_msg_free(c->nmsg);
    krb_msg_free(c->fast);
    gss_release_name(&min, &c->target);
    handle_obj_unref(c->cred != NULL ? &c->cred->h : NULL);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct gss_ctx *
ctx_new(struct gss_cred *cred, bool initiator)
{
    struct gss_ctx *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    handle_obj_init(&c->h, HANDLE_CTX, cred->h.pkg, ctx_destroy);
    pthread_mutex_init(&c->lock, NULL);
    handle_obj_ref(&cred->h);
    c->cred = cred;
    c->mech = cred->mech;
    c->actual = cred->mech;
    c->gctx = GSS_C_NO_CONTEXT;
    c->target = GSS_C_NO_NAME;
    c->delegated = GSS_C_NO_CREDENTIAL;
    c->negcred = GSS_C_NO_CREDENTIAL;
    c->initiator = initiator;
    c->start = (int64_t)time(NULL);
    return c;
}

/*
 * Turn a Windows target name into a GSS name:
 *   "svc/host"            host-based service svc@host (the KDC's realm
 *                         for host comes from domain_realm or referrals,
 *                         as Windows finds an SPN's domain)
 *   "svc/host:port", "svc/host@REALM", "a/b/c"
 *                         a Kerberos principal name, as written
 *   "svc@host"            GSS-style host-based service
 *   "user@REALM"          a principal (UPN), when the part after '@' is
 *                         upper case like a realm
 *   "name"                a principal in the default realm
 */
bool
gss_target_hostbased(const char *target, size_t *svc_len, const char **host)
{
    const char *slash = strchr(target, '/'), *at = strchr(target, '@');

    if (slash != NULL && at == NULL && strchr(slash + 1, '/') == NULL
        && strchr(slash + 1, ':') == NULL && slash != target
        && slash[1] != '\0') {
        *svc_len = (size_t)(slash - target);
        *host = slash + 1;
        return true;
    }
    if (slash == NULL && at != NULL) {
        const char *p;
        bool realm_like = at[1] != '\0';

        for (p = at + 1; *p != '\0'; p++)
            if (*p >= 'a' && *p <= 'z')
                realm_like = false;
        if (!realm_like) {
            *svc_len = (size_t)(at - target);
            *host = at + 1;
            return true;
        }
    }
    return false;
}

SECURITY_STATUS
gss_import_target(const char *target, enum gss_mech_kind kind,
                  gss_name_t *out)
{
    const char *host;
    size_t svc_len;
    gss_buffer_desc b;
    gss_OID type = GSS_KRB5_NT_PRINCIPAL_NAME;
    char *tmp = NULL;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    *out = GSS_C_NO_NAME;
    if ((target == NULL || *target == '\0') && kind != KIND_KERBEROS) {
        /* NTLM needs no target (Windows' own tests pass none, [wine]
         * ntlm.c and negotiate.c); gss-ntlmssp wants a name anyway and
         * only puts it in the AUTHENTICATE message's target field. */
        target = "host@localhost";
    }
    if (target == NULL || *target == '\0')
        return SEC_E_TARGET_UNKNOWN;
    if (gss_target_hostbased(target, &svc_len, &host)) {
        size_t n = strlen(target);

        /* GSS-API's host-based form is "service@host". */
        tmp = strdup(target);
        if (tmp == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        tmp[svc_len] = '@';
        b.value = tmp;
        b.length = n;
        type = GSS_C_NT_HOSTBASED_SERVICE;
    } else {
        b.value = (void *)target;
        b.length = strlen(target);
    }
    /* gss-ntlmssp takes host-based names only. */
    if (kind == KIND_NTLM && type != GSS_C_NT_HOSTBASED_SERVICE)
        type = GSS_C_NT_HOSTBASED_SERVICE;
    maj = gss_import_name(&min, &b, type, out);
    st = GSS_ERROR(maj) ? map_gss(maj, min, GSS_C_NO_OID, MAP_INIT)
                        : SEC_E_OK;
    if (st != SEC_E_OK && st != SEC_E_INSUFFICIENT_MEMORY)
        st = SEC_E_TARGET_UNKNOWN;
    free(tmp);
    return st;
}

/*
 * SECBUFFER_CHANNEL_BINDINGS (a SEC_CHANNEL_BINDINGS with its data after
 * it) to GSS channel bindings. *out points into the caller's buffer.
 * Returns SEC_E_OK (also when there is none: *present false) or
 * SEC_E_BAD_BINDINGS for a structure whose offsets leave the buffer.
 */
static SECURITY_STATUS
channel_bindings(const SecBufferDesc *in, struct gss_channel_bindings_struct
                 *out, bool *present)
{
    SecBuffer *b = secbuf_find(in, SECBUFFER_CHANNEL_BINDINGS, 0);
    const SEC_CHANNEL_BINDINGS *cb;
    const unsigned char *base;

    *present = false;
    if (b == NULL)
        return SEC_E_OK;
    if (b->cbBuffer < sizeof(*cb) || b->pvBuffer == NULL)
        return SEC_E_BAD_BINDINGS;
    cb = b->pvBuffer;
    base = b->pvBuffer;
#define CB_FITS(off, len) \
    ((uint64_t)(off) + (uint64_t)(len) <= (uint64_t)b->cbBuffer)
    if (!CB_FITS(cb->dwInitiatorOffset, cb->cbInitiatorLength)
        || !CB_FITS(cb->dwAcceptorOffset, cb->cbAcceptorLength)
        || !CB_FITS(cb->dwApplicationDataOffset,
                    cb->cbApplicationDataLength))
        return SEC_E_BAD_BINDINGS;
#undef CB_FITS
    out->initiator_addrtype = cb->dwInitiatorAddrType;
    out->initiator_address.length = cb->cbInitiatorLength;
    out->initiator_address.value = cb->cbInitiatorLength
        ? (void *)(base + cb->dwInitiatorOffset) : NULL;
    out->acceptor_addrtype = cb->dwAcceptorAddrType;
    out->acceptor_address.length = cb->cbAcceptorLength;
    out->acceptor_address.value = cb->cbAcceptorLength
        ? (void *)(base + cb->dwAcceptorOffset) : NULL;
    out->application_data.length = cb->cbApplicationDataLength;
    out->application_data.value = cb->cbApplicationDataLength
        ? (void *)(base + cb->dwApplicationDataOffset) : NULL;
    *present = true;
    return SEC_E_OK;
}

/*
 * Check that an output token of len bytes can be delivered, before any
 * state is committed. Returns SEC_E_OK or SEC_E_BUFFER_TOO_SMALL.
 */
static SECURITY_STATUS
output_fits(const SecBufferDesc *out, bool allocate, size_t len)
{
    SecBuffer *b;

    if (len == 0)
        return SEC_E_OK;
    /* No output descriptor, or none with a TOKEN buffer, is "too small"
     * even when the library would allocate: there is nowhere to say
     * where the token went (Windows, per Wine
     * dlls/secur32/tests/ntlm.c, runClient). */
    b = secbuf_find(out, SECBUFFER_TOKEN, 0);
    if (b == NULL)
        return SEC_E_BUFFER_TOO_SMALL;
    if (allocate)
        return SEC_E_OK;
    if (b->pvBuffer == NULL || b->cbBuffer < len)
        return SEC_E_BUFFER_TOO_SMALL;
    return SEC_E_OK;
}

/* Deliver an output token (output_fits() said it fits). */
static SECURITY_STATUS
output_put(SecBufferDesc *out, bool allocate, const gss_buffer_desc *tok,
           bool *allocated)
{
    SecBuffer *b = secbuf_find(out, SECBUFFER_TOKEN, 0);

    *allocated = false;
    if (b == NULL)
        return SEC_E_OK;            /* nothing to deliver, nowhere to */
    if (tok->length == 0) {
        b->cbBuffer = 0;
        if (allocate)
            b->pvBuffer = NULL;
        return SEC_E_OK;
    }
    if (allocate) {
        void *p = ctxbuf_alloc(tok->length);

        if (p == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        memcpy(p, tok->value, tok->length);
        b->pvBuffer = p;
        *allocated = true;
    } else {
        memcpy(b->pvBuffer, tok->value, tok->length);
    }
    b->cbBuffer = (ULONG)tok->length;
    return SEC_E_OK;
}

static bool
is_rfc4121(struct gss_ctx *c)
{
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    OM_uint32 maj, min;
    bool cfx = true;

    /* The session key's enctype: RFC 3961 simplified profile enctypes
     * (AES) use RFC 4121 tokens; DES and RC4 use RFC 1964 ones. */
    maj = gss_inquire_sec_context_by_oid(&min, c->gctx,
                                         GSS_C_INQ_SSPI_SESSION_KEY, &set);
    if (!GSS_ERROR(maj) && set != GSS_C_NO_BUFFER_SET && set->count >= 2) {
        /* Second buffer: the enctype as an OID
         * 1.2.840.113554.1.2.2.4.<enctype>. */
        const unsigned char *o = set->elements[1].value;
        size_t n = set->elements[1].length;

        if (n > 0) {
            unsigned et = o[n - 1];

            cfx = et != ENCTYPE_ARCFOUR_HMAC && et != ENCTYPE_DES_CBC_CRC
                  && et != ENCTYPE_DES_CBC_MD5 && et != ENCTYPE_DES3_CBC_SHA1
                  && et != ENCTYPE_ARCFOUR_HMAC_EXP;
        }
    }
    gss_release_buffer_set(&min, &set);
    return cfx;
}

/*
 * The krb5 mechanism's lucid view of an established context: its ticket's
 * end time and the peer's next sequence number. Asked for with
 * gss_inquire_sec_context_by_oid directly, because the
 * gss_krb5_export_lucid_sec_context wrapper deletes the context
 * afterwards (MIT src/lib/gssapi/krb5/krb5_gss_glue.c).
 */
static void
learn_lucid(struct gss_ctx *c)
{
    /* GSS_KRB5_EXPORT_LUCID_SEC_CONTEXT_OID 1.2.840.113554.1.2.2.5.6,
     * with the structure version (1) as the last arc. */
    static const gss_OID_desc lucid_v1 = {
        12, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x06\x01"
    };
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    gss_krb5_lucid_context_v1_t *lc;
    OM_uint32 maj, min;
    void *p;

    c->seq_known = false;
    c->endtime = 0;
    krb_msg_free(c->fast);
    c->fast = NULL;
    if (c->actual->kind != KIND_KERBEROS)
        return;
    maj = gss_inquire_sec_context_by_oid(&min, c->gctx,
                                         (gss_OID)&lucid_v1, &set);
    if (GSS_ERROR(maj) || set == GSS_C_NO_BUFFER_SET || set->count != 1
        || set->elements[0].length != sizeof(void *)) {
        gss_release_buffer_set(&min, &set);
        return;
    }
    memcpy(&p, set->elements[0].value, sizeof(p));
    gss_release_buffer_set(&min, &set);
    lc = p;
    if (lc->version == 1) {
        c->endtime = lc->endtime;
        /* RFC 4121 tokens carry the sequence number in clear. */
        c->seq_known = lc->protocol == 1;
        c->recv_seq = lc->recv_seq;
        /* RFC 4121 contexts with an AES enctype get their messages
         * protected by krb_msg.c (issue #12) unless
         * SSPIGSS_KRB_FASTPATH=0; anything else stays with GSS-API. */
        if (c->seq_known && krb_msg_enabled())
            c->fast = krb_msg_new(lc, (c->attrs & (c->initiator
                                                   ? ISC_RET_USED_DCE_STYLE
                                                   : ASC_RET_USED_DCE_STYLE))
                                      != 0);
    }
    gss_krb5_free_lucid_sec_context(&min, p);
}

/*
 * The fast path of c ready for a message (c->lock held), or NULL: GSS-API
 * protects c's messages. The engine derives its keys at the first
 * message; should that fail, the context goes on with GSS-API, whose
 * state is still current since no message went through the fast path.
 */
static struct krb_msg *
fast_path(struct gss_ctx *c)
{
    if (c->fast != NULL && !krb_msg_prepare(c->fast)) {
        trace_cause("Kerberos fast path off: its keys could not be made");
        krb_msg_free(c->fast);
        c->fast = NULL;
    }
    return c->fast;
}

/*
 * The fast path only for contexts whose token sizes it agrees with MIT
 * on (compute_sizes asked GSS-API): a safety net, never expected to
 * trip.
 */
static void
fast_check_sizes(struct gss_ctx *c)
{
    if (c->fast == NULL)
        return;
    if (!c->cfx
        || c->wrap_tok_len[0] != krb_msg_wrap_header_len(c->fast, false)
        || c->wrap_tok_len[1] != krb_msg_wrap_header_len(c->fast, true)
        || c->wrap_pad_len[0] != 0 || c->wrap_pad_len[1] != 0
        || c->sizes.cbMaxSignature != krb_msg_mic_len(c->fast)) {
        trace_cause("Kerberos fast path off: token sizes differ from "
                    "GSS-API's");
        krb_msg_free(c->fast);
        c->fast = NULL;
    }
}

/*
 * Windows refuses a message that is not the next one in order, even
 * without ISC_REQ_SEQUENCE_DETECT, and refusing it changes nothing: the
 * expected message is still accepted afterwards ([pyspnego]
 * docs/exceptions/wrapping.md, "out of order"). MIT records a gap or a
 * replay in its state before reporting it, so the order is checked here,
 * from the clear-text RFC 4121 header, before GSS sees the token. Tokens
 * that are not well-formed RFC 4121 wrap or MIC tokens are left to GSS.
 */
static SECURITY_STATUS
check_order(struct gss_ctx *c, const void *token, size_t len, bool wrap,
            uint64_t *seq)
{
    const unsigned char *t = token;
    uint64_t v = 0;
    size_t i;

    *seq = 0;
    if (!c->seq_known || token == NULL || len < 16)
        return SEC_E_OK;
    if (t[0] != (wrap ? 0x05 : 0x04) || t[1] != 0x04)
        return SEC_E_OK;
    for (i = 8; i < 16; i++)
        v = (v << 8) | t[i];
    *seq = v;
    if (v != c->recv_seq) {
        trace_cause("message sequence number %llu, expected %llu -> %s",
                    (unsigned long long)v,
                    (unsigned long long)c->recv_seq,
                    sspigss_status_name(SEC_E_OUT_OF_SEQUENCE));
        return SEC_E_OUT_OF_SEQUENCE;
    }
    return SEC_E_OK;
}

/*
 * Whether an input token arrived whole, judged before GSS sees it. GSS
 * reports some cut-short tokens only as a generic failure, and
 * gss-ntlmssp and MIT's SPNEGO delete the partial context on any failed
 * step, so a truncated token would end a handshake that the whole token
 * would still complete; refused here, the context stays as it was
 * (DESIGN.md: a truncated token gives a SEC_E_ code, never a changed
 * context). A framed GSS-API token (RFC 2743 3.1: 0x60) and a SPNEGO
 * NegTokenResp (RFC 4178 4.2.2: [1], every SPNEGO token after the
 * first) must be exactly as long as their DER length says; a raw NTLM
 * message must hold its fixed part and every payload field (MS-NLMP
 * 2.2.1) and, when ntlm_type is not 0 (the NTLM package, which takes
 * nothing else), be that message (the first call of a server the
 * NEGOTIATE, a continuation the next one: a client the CHALLENGE, a
 * server the AUTHENTICATE). With resp (a SPNEGO continuation), only a
 * NegTokenResp will do: MIT's SPNEGO drops the context over a
 * NegTokenInit there. *why says what is wrong.
 */
static bool
framing_ok(const void *token, size_t len, unsigned ntlm_type, bool resp,
           const char **why)
{
    const unsigned char *t = token;
    size_t hdr, body = 0, i, n;
    unsigned type;

    *why = "is empty";
    if (len == 0 || t == NULL)
        return false;
    if (ntlm_type != 0
        || (len >= 8 && memcmp(t, "NTLMSSP", 8) == 0)) {
        /* The NTLM package takes NTLM messages only. */
        type = ntlm_message_whole(t, len);
        *why = "is an NTLM message cut short";
        if (type == 0)
            return false;
        *why = "is not the NTLM message due at this step";
        return ntlm_type == 0 || type == ntlm_type;
    }
    *why = "is not a SPNEGO NegTokenResp, which is due at this step";
    if (resp && t[0] != 0xa1)
        return false;
    if (t[0] != 0x60 && t[0] != 0xa1)
        return true;
    *why = "is cut short or padded (its DER length is not its length)";
    if (len < 2)
        return false;
    if (t[1] < 0x80) {
        hdr = 2;
        body = t[1];
    } else {
        n = t[1] & 0x7f;
        if (n == 0 || n > 4 || len < 2 + n)
            return false;
        for (i = 0; i < n; i++)
            body = (body << 8) | t[2 + i];
        hdr = 2 + n;
    }
    return body == len - hdr;
}

/*
 * A SPNEGO continuation token that carries an NTLM message (found as
 * ntlm_in_token finds it) must carry the one due, once: a client the
 * CHALLENGE (2), a server the AUTHENTICATE (3). MIT's SPNEGO hands
 * anything else to gss-ntlmssp, which fails and drops the whole context
 * (a duplicated CHALLENGE where the server's last token is due, say).
 * *type gets the type carried, 0 for none. *why says what is wrong.
 */
static bool
spnego_ntlm_due(const struct gss_ctx *c, const gss_buffer_desc *in,
                unsigned due, unsigned *type, const char **why)
{
    const unsigned char *p = in->value, *m;

    *type = 0;
    if (c->mech->kind != KIND_SPNEGO || p == NULL || in->length < 8)
        return true;
    m = memmem(p, in->length, "NTLMSSP", 8);
    if (m == NULL)
        return true;
    *type = ntlm_message_whole(m, in->length - (size_t)(m - p));
    *why = "carries an NTLM message that is not the one due at this step";
    return *type == due && !(c->ntlm_taken & (1u << due));
}

/*
 * The mechanism that authenticated: the package's own, or for SPNEGO the
 * one negotiated (MIT's SPNEGO answers gss_inquire_context with it).
 * Only the mechanism is asked for: gss-ntlmssp 1.2 crashes when an
 * acceptor without a service name is asked for its own name.
 */
static const struct gss_mech *
actual_mech(struct gss_ctx *c)
{
    gss_OID mech = GSS_C_NO_OID;
    OM_uint32 maj, min;

    if (c->mech->kind != KIND_SPNEGO)
        return c->mech;
    maj = gss_inquire_context(&min, c->gctx, NULL, NULL, NULL, &mech, NULL,
                              NULL, NULL);
    if (!GSS_ERROR(maj) && mech != GSS_C_NO_OID) {
        if (gss_oid_equal(mech, &gss_mech_ntlm.oid))
            return &gss_mech_ntlm;
        if (gss_oid_equal(mech, &gss_mech_kerberos.oid))
            return &gss_mech_kerberos;
    }
    return &gss_mech_kerberos;
}

/* Sizes, once the context is established. */
static void
compute_sizes(struct gss_ctx *c)
{
    const struct package *actual = package_find(c->actual->package);
    gss_iov_buffer_desc iov[3];
    OM_uint32 maj, min;
    ULONG header_len;

    /* A Negotiate context reports the sizes of the package it chose:
     * NTLM's cbMaxToken after an NTLM handshake ([wine] negotiate.c). */
    c->sizes.cbMaxToken = actual != NULL ? actual->max_token
                                         : c->h.pkg->max_token;
    if (c->actual->kind == KIND_NTLM) {
        /* [wine] ntlm.c and negotiate.c: 16, 16, block size 0. */
        c->sizes.cbMaxSignature = NTLM_SIGNATURE_SIZE;
        c->sizes.cbSecurityTrailer = NTLM_SIGNATURE_SIZE;
        c->sizes.cbBlockSize = 0;
        return;
    }
    /* Windows reports 1 for Kerberos (the observed value; AES-CTS needs
     * no padding). */
    c->sizes.cbBlockSize = 1;
    /* The largest header any message gets: RFC 1964 (RC4, DES) headers
     * hold the token's DER length, which grows with the data; RFC 4121
     * headers do not. (Messages past 16 MiB would need one byte more.) */
    memset(iov, 0, sizeof(iov));
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = 0xFFFF00;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
    maj = gss_wrap_iov_length(&min, c->gctx, 1, GSS_C_QOP_DEFAULT, NULL,
                              iov, 3);
    header_len = GSS_ERROR(maj) ? 0 : (ULONG)iov[0].buffer.length;
    /* Windows reports 76 for AES although it writes 60: room for the
     * 16-byte EC of DCE style (PowerShell issue 20168 trace; FreeRDP
     * PR 8307). Callers size TOKEN buffers from this value. */
    c->cfx = is_rfc4121(c);
    c->sizes.cbSecurityTrailer = header_len + (c->cfx ? 16 : 0);
    /* RFC 4121 token lengths do not grow with the data: learn them once
     * rather than before every EncryptMessage. */
    if (c->cfx) {
        int conf;

        for (conf = 0; conf < 2; conf++) {
            memset(iov, 0, sizeof(iov));
            iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
            iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
            iov[1].buffer.length = 1;
            iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
            maj = gss_wrap_iov_length(&min, c->gctx, conf, GSS_C_QOP_DEFAULT,
                                      NULL, iov, 3);
            if (GSS_ERROR(maj)) {
                c->cfx = false;     /* ask each time, then */
                break;
            }
            c->wrap_tok_len[conf] = (ULONG)iov[0].buffer.length;
            c->wrap_pad_len[conf] = (ULONG)iov[2].buffer.length;
        }
    }
    memset(iov, 0, sizeof(iov));
    iov[0].type = GSS_IOV_BUFFER_TYPE_MIC_TOKEN;
    maj = gss_get_mic_iov_length(&min, c->gctx, GSS_C_QOP_DEFAULT, iov, 1);
    c->sizes.cbMaxSignature = GSS_ERROR(maj) ? 0
                              : (ULONG)iov[0].buffer.length;
}

/* A handshake finished: learn what the finished context knows. */
static void
established(struct gss_ctx *c, OM_uint32 time_rec)
{
    c->established = true;
    c->lifetime = time_rec;
    c->actual = actual_mech(c);
    learn_lucid(c);
    compute_sizes(c);
    ntlm_msg_start(c);
    fast_check_sizes(c);
}

/*
 * The expiry to report. MIT's acceptor adds its clock-skew allowance to
 * the lifetime it reports; the ticket's own end time, when known, is what
 * the initiator sees too.
 */
static TimeStamp
context_expiry(const struct gss_ctx *c, OM_uint32 time_rec)
{
    TimeStamp ts;

    if (c->endtime != 0)
        return gss_timestamp(c->endtime);
    if (time_rec == GSS_C_INDEFINITE) {
        ts.QuadPart = TIMESTAMP_NEVER;
        return ts;
    }
    return gss_timestamp((int64_t)time(NULL) + time_rec);
}

/*
 * After a successful GSS handshake step (c->lock held): deliver the output
 * token, record the granted attributes and, when complete, what the
 * finished context knows. Returns SEC_E_OK, SEC_I_CONTINUE_NEEDED, or the
 * failure to deliver the token (then nothing about c changed).
 */
static SECURITY_STATUS
step_done(struct gss_ctx *c, OM_uint32 maj, OM_uint32 ret_flags,
          OM_uint32 time_rec, SecBufferDesc *output, bool allocate,
          const gss_buffer_desc *out, ULONG *attrs, TimeStamp *expiry)
{
    bool allocated = false;
    SECURITY_STATUS st;

    st = output_fits(output, allocate, out->length);
    if (st == SEC_E_OK)
        st = output_put(output, allocate, out, &allocated);
    if (st != SEC_E_OK)
        return st;
    if (c->initiator) {
        /* NTLM cannot prove the server to the client (MS-NLMP 1.3; [ms]
         * "COM and Security Packages": with NTLMSSP the client cannot
         * discover the server); gss-ntlmssp echoes the flag anyway. Once
         * Negotiate has settled on NTLM, the same. */
        if (c->actual->kind == KIND_NTLM
            || (maj == GSS_S_COMPLETE && c->mech->kind == KIND_SPNEGO
                && actual_mech(c)->kind == KIND_NTLM))
            ret_flags &= ~(OM_uint32)GSS_C_MUTUAL_FLAG;
        c->attrs = to_sspi(isc_ret_map, NFLAGS(isc_ret_map), ret_flags);
        /* Confidentiality and integrity only when asked for: Windows
         * refuses EncryptMessage on a context made without
         * ISC_REQ_CONFIDENTIALITY (pyspnego docs/exceptions/wrapping.md). */
        c->attrs &= ~((ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY)
                      & ~(c->req & (ISC_REQ_CONFIDENTIALITY
                                    | ISC_REQ_INTEGRITY)));
    } else {
        c->attrs = to_sspi(asc_ret_map, NFLAGS(asc_ret_map), ret_flags);
    }
    if (maj == GSS_S_COMPLETE) {
        established(c, time_rec);
        /* Only ntlm_msg_start can undo it: gss-ntlmssp's export failed
         * after taking the context or it could not import its own
         * export, or Negotiate's two-leg client could not take its
         * messages (out of memory all), and the context is gone.
         * The token delivered is taken back: the caller's no_output()
         * forgets it, and a block of ALLOCATE_MEMORY's would leak. */
        st = c->established ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
        if (st != SEC_E_OK && allocated) {
            SecBuffer *b = secbuf_find(output, SECBUFFER_TOKEN, 0);

            (void)ctxbuf_free(b->pvBuffer);
            b->pvBuffer = NULL;
            b->cbBuffer = 0;
        }
    } else {
        st = SEC_I_CONTINUE_NEEDED;
    }
    /* ALLOCATED_MEMORY describes this call, not the context. */
    *attrs = c->attrs | (allocated ? (c->initiator ? ISC_RET_ALLOCATED_MEMORY
                                                  : ASC_RET_ALLOCATED_MEMORY)
                                   : 0);
    *expiry = context_expiry(c, time_rec);
    return st;
}

/*
 * A later step's output did not fit: keep GSS's result for the call
 * that repeats the step with a larger buffer (Windows leaves a context
 * usable after SEC_E_BUFFER_TOO_SMALL; GSS has consumed the input by
 * now and cannot take it twice). Takes *out. Returns the status to give.
 */
static SECURITY_STATUS
pending_keep(struct gss_ctx *c, const gss_buffer_desc *in, OM_uint32 maj,
             OM_uint32 ret_flags, OM_uint32 time_rec, gss_buffer_desc *out)
{
    pending_drop(c);
    c->pend_in = malloc(in->length > 0 ? in->length : 1);
    if (c->pend_in == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (in->length > 0)
        memcpy(c->pend_in, in->value, in->length);
    c->pend_in_len = in->length;
    c->pend_out = *out;
    out->value = NULL;
    out->length = 0;
    c->pend_maj = maj;
    c->pend_flags = ret_flags;
    c->pend_time = time_rec;
    c->pending = true;
    trace_cause("the step's output token (%zu bytes) does not fit the "
                "output buffer; it waits for the call repeated with a "
                "larger one -> SEC_E_BUFFER_TOO_SMALL", c->pend_out.length);
    return SEC_E_BUFFER_TOO_SMALL;
}

/*
 * The call repeated after SEC_E_BUFFER_TOO_SMALL: the same input token
 * gets the kept result (and an output buffer that fits now). Returns
 * true when it handled the call (*st set).
 */
static bool
pending_take(struct gss_ctx *c, const gss_buffer_desc *in,
             SecBufferDesc *output, bool allocate, ULONG *attrs,
             TimeStamp *expiry, SECURITY_STATUS *st)
{
    if (!c->pending)
        return false;
    if (in->length != c->pend_in_len
        || (in->length > 0 && memcmp(in->value, c->pend_in, in->length))) {
        trace_cause("a step is waiting for its input token to be given "
                    "again with a larger output buffer; this is another "
                    "token -> SEC_E_INVALID_TOKEN");
        *st = SEC_E_INVALID_TOKEN;
        return true;
    }
    *st = step_done(c, c->pend_maj, c->pend_flags, c->pend_time, output,
                    allocate, &c->pend_out, attrs, expiry);
    if (*st >= 0)
        pending_drop(c);
    return true;
}

/*
 * A failed step sends nothing: the output TOKEN says 0 bytes (a caller
 * that sends whenever cbBuffer is not 0, as FreeRDP's NLA does with
 * ASC_REQ_EXTENDED_ERROR, would otherwise send its own empty buffer).
 */
static void
no_output(SecBufferDesc *output, bool allocate)
{
    SecBuffer *tok = output != NULL ? secbuf_find(output, SECBUFFER_TOKEN, 0)
                                    : NULL;

    if (tok == NULL)
        return;
    tok->cbBuffer = 0;
    if (allocate)
        tok->pvBuffer = NULL;
}

/* --------------------------------------------------------- handshakes */

/*
 * Make sure an outbound credential is ready for a first
 * InitializeSecurityContext to target (cred->lock held).
 */
static SECURITY_STATUS
creds_ready(struct gss_cred *cred, const char *target, gss_cred_id_t *negcred,
            bool *ntlm_wrap)
{
    switch (cred->mech->kind) {
    case KIND_KERBEROS: {
        SECURITY_STATUS st = krb_creds_ready(cred);

        /* With a KDC proxy: the service ticket through it first. */
        return st == SEC_E_OK ? krb_proxy_prefetch(cred, target) : st;
    }
    case KIND_SPNEGO:
        return neg_context_cred(cred, target, negcred, ntlm_wrap);
    case KIND_NTLM:
        break;
    }
    if (cred->deferred != SEC_E_OK) {
        trace_cause("%s", cred->deferred_why != NULL ? cred->deferred_why
                                                     : "no credentials");
        return cred->deferred;
    }
    return cred->gcred != GSS_C_NO_CREDENTIAL ? SEC_E_OK
                                              : SEC_E_NO_CREDENTIALS;
}

/*
 * Whether a token carries an NTLM message for which is(message, bytes
 * to the token's end) holds. Input tokens: an NTLM message gss-ntlmssp
 * 1.2 cannot take safely (is is ntlm_challenge_unsafe or
 * ntlm_authenticate_unsafe[_kx]) is refused before GSS-API sees it, so
 * the context stays as it was; the acceptor's own output: its CHALLENGE
 * negotiating key exchange (ntlm_challenge_key_exch). Raw NTLM is the
 * message itself; in SPNEGO every "NTLMSSP\0" is looked at, not only a
 * well-formed responseToken's, since MIT's SPNEGO decoder is more
 * lenient about lengths than ours (fuzz_negotiate_accept found one it
 * passed on).
 */
static bool
ntlm_in_token(const struct gss_mech *mech, const gss_buffer_desc *in,
              bool (*is)(const void *, size_t))
{
    const unsigned char *p = in->value, *end;

    /* An acceptor's output may be empty, its value NULL. */
    if (in->length == 0 || p == NULL)
        return false;
    end = p + in->length;
    if (mech->kind == KIND_NTLM)
        return is(p, in->length);
    if (mech->kind != KIND_SPNEGO)
        return false;
    while (p < end
           && (p = memmem(p, (size_t)(end - p), "NTLMSSP", 8))
                  != NULL) {
        if (is(p, (size_t)(end - p)))
            return true;
        p += 8;
    }
    return false;
}

static SECURITY_STATUS
gssp_initialize(struct handle_obj *cred_obj, struct handle_obj **ctx_obj,
               const struct init_args *args, ULONG *attrs,
               TimeStamp *expiry)
{
    struct gss_cred *cred = (struct gss_cred *)cred_obj;
    struct gss_ctx *c = (struct gss_ctx *)*ctx_obj, *fresh = NULL;
    struct gss_channel_bindings_struct cb;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    gss_name_t target = GSS_C_NO_NAME;
    gss_cred_id_t negcred = GSS_C_NO_CREDENTIAL;
    OM_uint32 maj, min, ret_flags = 0, time_rec = 0;
    bool allocate = (args->req & ISC_REQ_ALLOCATE_MEMORY) != 0;
    bool have_cb;
    SecBuffer *tok;
    const char *why;
    unsigned ntlm_type = 0;
    bool ntlm_wrap = false;
    SECURITY_STATUS st;

    if (c == NULL) {
        if (!(cred->use & SECPKG_CRED_OUTBOUND))
            return SEC_E_NO_CREDENTIALS;
        pthread_mutex_lock(&cred->lock);
        st = creds_ready(cred, args->target, &negcred, &ntlm_wrap);
        pthread_mutex_unlock(&cred->lock);
        if (st != SEC_E_OK)
            return st;
        st = gss_import_target(args->target, cred->mech->kind, &target);
        if (st != SEC_E_OK)
            goto out;
        fresh = c = ctx_new(cred, true);
        if (c == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        c->req = args->req;
        c->target = target;
        target = GSS_C_NO_NAME;
        c->negcred = negcred;
        negcred = GSS_C_NO_CREDENTIAL;
        c->neg_wrap = ntlm_wrap;
        if (ntlm_wrap)
            trace_printf("Negotiate: the PackageList names NTLM alone: "
                         "SPNEGO framing by sspigss around NTLM, done "
                         "after the AUTHENTICATE as Windows is");
    } else {
        if (cred != NULL && cred != c->cred)
            return SEC_E_WRONG_CREDENTIAL_HANDLE;
        if (!c->initiator)
            return SEC_E_INVALID_HANDLE;
    }

    tok = secbuf_find(args->input, SECBUFFER_TOKEN, 0);
    if (tok != NULL) {
        in.value = tok->pvBuffer;
        in.length = tok->cbBuffer;
    }
    st = channel_bindings(args->input, &cb, &have_cb);
    if (st != SEC_E_OK)
        goto out;

    pthread_mutex_lock(&c->lock);
    if (c->established) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the context is complete: no token is due "
                    "-> SEC_E_INVALID_TOKEN", c->mech->package);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    if (fresh == NULL && c->gctx == GSS_C_NO_CONTEXT) {
        /* A failed step made GSS drop the partial context. */
        pthread_mutex_unlock(&c->lock);
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    /* A continuation call must bring the peer's whole token. */
    if (fresh == NULL
        && !framing_ok(in.value, in.length,
                       c->mech->kind == KIND_NTLM ? 2 : 0,
                       c->mech->kind == KIND_SPNEGO, &why)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the server's token (%lu bytes) %s -> "
                    "SEC_E_INVALID_TOKEN", c->mech->package,
                    (unsigned long)in.length, why);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    /* The call repeated after SEC_E_BUFFER_TOO_SMALL brings the token
     * GSS has taken already: before the checks of what is due. */
    if (fresh == NULL && pending_take(c, &in, args->output, allocate, attrs,
                                      expiry, &st)) {
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (fresh == NULL && !spnego_ntlm_due(c, &in, 2, &ntlm_type, &why)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the server's token %s -> SEC_E_INVALID_TOKEN",
                    c->mech->package, why);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    if (fresh == NULL
        && ntlm_in_token(c->mech, &in, ntlm_challenge_unsafe)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("NTLM: a CHALLENGE with an empty TargetName, UNICODE "
                    "and a target type flag (gss-ntlmssp 1.2 would crash "
                    "on it) -> SEC_E_INVALID_TOKEN");
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    if (c->neg_wrap) {
        st = neg_ntlm_init(c->negcred, &c->gctx, c->target,
                           to_gss(isc_req_map, NFLAGS(isc_req_map), c->req),
                           have_cb ? &cb : GSS_C_NO_CHANNEL_BINDINGS, &in,
                           &out, &maj, &min, &ret_flags, &time_rec);
        if (st != SEC_E_OK) {
            pthread_mutex_unlock(&c->lock);
            goto out;
        }
    } else {
        maj = gss_init_sec_context(&min, c->negcred != GSS_C_NO_CREDENTIAL
                                             ? c->negcred : c->cred->gcred,
                                   &c->gctx, c->target,
                                   (gss_OID)&c->mech->oid,
                                   to_gss(isc_req_map, NFLAGS(isc_req_map),
                                          c->req),
                                   GSS_C_INDEFINITE,
                                   have_cb ? &cb : GSS_C_NO_CHANNEL_BINDINGS,
                                   &in, NULL, &out, &ret_flags, &time_rec);
    }
    if (!GSS_ERROR(maj) && ntlm_type != 0)
        c->ntlm_taken |= 1u << ntlm_type;
    if (GSS_ERROR(maj)) {
        /* A first call has read only KDC replies (map_gss.h). */
        st = fresh != NULL ? map_gss_first_init(maj, min, &c->mech->oid)
                           : map_gss(maj, min, &c->mech->oid, MAP_INIT);
        if (c->mech->kind == KIND_SPNEGO && fresh == NULL
            && neg_token_rejected(in.value, in.length)) {
            /* The server answered SPNEGO's "reject": it refused the
             * logon (a wrong password, an unknown user). MIT reports a
             * bare failure; the server's own call said
             * SEC_E_LOGON_DENIED, and so does the client's. */
            trace_cause("Negotiate: the server rejected the "
                        "authentication (SPNEGO negState reject) -> "
                        "SEC_E_LOGON_DENIED");
            st = SEC_E_LOGON_DENIED;
        }
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    /* On failure of a first call, dropping the fresh context undoes
     * everything (an AP-REQ can be made again). */
    st = step_done(c, maj, ret_flags, time_rec, args->output, allocate,
                   &out, attrs, expiry);
    if (st == SEC_E_BUFFER_TOO_SMALL && fresh == NULL)
        st = pending_keep(c, &in, maj, ret_flags, time_rec, &out);
    pthread_mutex_unlock(&c->lock);
    if (st < 0)
        goto out;
    if (fresh != NULL) {
        *ctx_obj = &fresh->h;
        fresh = NULL;
    }
out:
    if (st < 0)
        no_output(args->output, allocate);
    gss_release_buffer(&min, &out);
    gss_release_name(&min, &target);
    if (negcred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &negcred);
    if (fresh != NULL)
        handle_obj_unref(&fresh->h);
    return st;
}

/* Whether an acceptor's last token may stay unsent: the caller gave no
 * output TOKEN buffer, and the token is a NegTokenResp without a
 * responseToken. */
static bool
final_unwanted(const SecBufferDesc *output, const gss_buffer_desc *out)
{
    struct neg_resp r;

    if (output != NULL && secbuf_find(output, SECBUFFER_TOKEN, 0) != NULL)
        return false;
    return neg_resp_parse(out->value, out->length, &r) && r.token == NULL
           && r.state == 0;
}

static SECURITY_STATUS
gssp_accept(struct handle_obj *cred_obj, struct handle_obj **ctx_obj,
           const struct accept_args *args, ULONG *attrs, TimeStamp *expiry)
{
    struct gss_cred *cred = (struct gss_cred *)cred_obj;
    struct gss_ctx *c = (struct gss_ctx *)*ctx_obj, *fresh = NULL;
    struct gss_channel_bindings_struct cb;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
    OM_uint32 maj, min, ret_flags = 0, time_rec = 0;
    bool allocate = (args->req & ASC_REQ_ALLOCATE_MEMORY) != 0;
    bool have_cb;
    SecBuffer *tok;
    const char *why;
    unsigned ntlm_type = 0;
    SECURITY_STATUS st;

    tok = secbuf_find(args->input, SECBUFFER_TOKEN, 0);
    if (tok == NULL)
        return SEC_E_INVALID_TOKEN;
    /* A first call: the whole token before a context is made. */
    if (c == NULL
        && !framing_ok(tok->pvBuffer, tok->cbBuffer,
                       cred->mech->kind == KIND_NTLM ? 1 : 0, false,
                       &why)) {
        trace_cause("%s: the client's token (%lu bytes) %s -> "
                    "SEC_E_INVALID_TOKEN", cred->mech->package,
                    (unsigned long)tok->cbBuffer, why);
        return SEC_E_INVALID_TOKEN;
    }
    in.value = tok->pvBuffer;
    in.length = tok->cbBuffer;
    st = channel_bindings(args->input, &cb, &have_cb);
    if (st != SEC_E_OK)
        return st;
    if (c == NULL) {
        if (!(cred->use & SECPKG_CRED_INBOUND))
            return SEC_E_NO_CREDENTIALS;
        fresh = c = ctx_new(cred, false);
        if (c == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        c->req = args->req;
        if (cred->mech->kind == KIND_SPNEGO) {
            c->mech = c->actual = neg_raw_mech(in.value, in.length);
            c->neg_sole_ntlm = neg_init_sole_ntlm(in.value, in.length);
        }
    } else {
        if (cred != NULL && cred != c->cred)
            return SEC_E_WRONG_CREDENTIAL_HANDLE;
        if (c->initiator)
            return SEC_E_INVALID_HANDLE;
    }

    pthread_mutex_lock(&c->lock);
    if (c->established) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the context is complete: no token is due "
                    "-> SEC_E_INVALID_TOKEN", c->mech->package);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    if (fresh == NULL && c->gctx == GSS_C_NO_CONTEXT) {
        pthread_mutex_unlock(&c->lock);
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    /* A continuation call must bring the client's whole token. */
    if (fresh == NULL
        && !framing_ok(in.value, in.length,
                       c->mech->kind == KIND_NTLM ? 3 : 0,
                       c->mech->kind == KIND_SPNEGO, &why)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the client's token (%lu bytes) %s -> "
                    "SEC_E_INVALID_TOKEN", c->mech->package,
                    (unsigned long)in.length, why);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    /* The call repeated after SEC_E_BUFFER_TOO_SMALL brings the token
     * GSS has taken already: before the checks of what is due. */
    if (fresh == NULL && pending_take(c, &in, args->output, allocate, attrs,
                                      expiry, &st)) {
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (fresh == NULL && !spnego_ntlm_due(c, &in, 3, &ntlm_type, &why)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("%s: the client's token %s -> SEC_E_INVALID_TOKEN",
                    c->mech->package, why);
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    if (ntlm_in_token(c->mech, &in,
                      c->ntlm_kx ? ntlm_authenticate_unsafe_kx
                                 : ntlm_authenticate_unsafe)) {
        pthread_mutex_unlock(&c->lock);
        trace_cause("NTLM: an AUTHENTICATE whose EncryptedRandomSessionKey "
                    "is not 16 bytes while key exchange is negotiated "
                    "(gss-ntlmssp 1.2 would read past it) -> "
                    "SEC_E_INVALID_TOKEN");
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    maj = gss_accept_sec_context(&min, &c->gctx,
                                 c->mech != c->cred->mech
                                     ? c->cred->raw_gcred : c->cred->gcred,
                                 &in,
                                 have_cb ? &cb : GSS_C_NO_CHANNEL_BINDINGS,
                                 NULL, NULL, &out, &ret_flags, &time_rec,
                                 &deleg);
    if (!GSS_ERROR(maj) && ntlm_type != 0)
        c->ntlm_taken |= 1u << ntlm_type;
    /* What the CHALLENGE going out negotiated, for the AUTHENTICATE. */
    if (maj == GSS_S_CONTINUE_NEEDED
        && ntlm_in_token(c->mech, &out, ntlm_challenge_key_exch))
        c->ntlm_kx = true;
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &c->mech->oid, MAP_ACCEPT);
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (maj == GSS_S_CONTINUE_NEEDED && out.length == 0) {
        /* An acceptor that wants more while it has nothing to send
         * would leave both sides waiting: MIT's krb5 acceptor answers a
         * Kerberos-framed token that is no AP-REQ so (kg_accept_krb5).
         * No mechanism continues so legitimately: the token is bad. */
        OM_uint32 m2;

        trace_cause("%s: the acceptor asked for more without a token to "
                    "send (a token of the wrong kind) -> "
                    "SEC_E_INVALID_TOKEN", c->mech->package);
        gss_delete_sec_context(&m2, &c->gctx, GSS_C_NO_BUFFER);
        if (deleg != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&m2, &deleg);
        st = SEC_E_INVALID_TOKEN;
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (maj == GSS_S_COMPLETE && c->mech->kind == KIND_SPNEGO
        && actual_mech(c)->kind == KIND_NTLM
        && !neg_token_has_mic(in.value, in.length)) {
        /* MIT's acceptor completes an NTLM exchange whose last client
         * token lacks the mechListMIC; Windows requires it once NTLM
         * signs its messages (MS-SPNG 3.1.5.1; MIT's own spnego_mech.c
         * notes that Microsoft servers insist). Without it the offered
         * mechanism list is unprotected: refuse, and drop the context
         * as a failed step does. */
        OM_uint32 m2;

        trace_cause("Negotiate: the client's NTLM AUTHENTICATE came "
                    "without the SPNEGO mechListMIC that protects the "
                    "mechanism list -> SEC_E_MESSAGE_ALTERED");
        gss_delete_sec_context(&m2, &c->gctx, GSS_C_NO_BUFFER);
        gss_release_buffer(&m2, &out);
        if (deleg != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&m2, &deleg);
        st = SEC_E_MESSAGE_ALTERED;
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (maj == GSS_S_COMPLETE && c->neg_sole_ntlm && out.length > 0
        && final_unwanted(args->output, &out)) {
        /* A client that offered NTLM alone may be done already (Windows'
         * is, after its AUTHENTICATE; sspilib's
         * test_sec_exchange_allowed_package_list), and this caller has
         * nowhere to put the last token, which carries no NTLM message,
         * only negState and mechListMIC: Windows' server answers
         * SEC_E_OK there. With an output buffer the token is given, for
         * clients (MIT's, Samba's) that wait for the mechListMIC. */
        OM_uint32 m2;

        trace_printf("Negotiate: the final SPNEGO token (%zu bytes, "
                     "negState and mechListMIC) is not given: the caller "
                     "supplied no output TOKEN buffer, and a client that "
                     "offered NTLM alone does not need it", out.length);
        gss_release_buffer(&m2, &out);
    }
    /* MIT flags delegation for its proxy credential too (an acceptor
     * credential that can also initiate gets one for every forwardable
     * ticket); Windows' ASC_RET_DELEGATE means the client forwarded its
     * TGT, which a proxy credential is not. */
    if ((ret_flags & GSS_C_DELEG_FLAG) && deleg != GSS_C_NO_CREDENTIAL
        && krb_creds_is_proxy(deleg))
        ret_flags &= ~GSS_C_DELEG_FLAG;
    st = step_done(c, maj, ret_flags, time_rec, args->output, allocate,
                   &out, attrs, expiry);
    if (st == SEC_E_BUFFER_TOO_SMALL && fresh == NULL)
        st = pending_keep(c, &in, maj, ret_flags, time_rec, &out);
    if ((st >= 0 || c->pending) && deleg != GSS_C_NO_CREDENTIAL) {
        c->delegated = deleg;
        deleg = GSS_C_NO_CREDENTIAL;
    }
    pthread_mutex_unlock(&c->lock);
    if (st < 0)
        goto out;
    if (fresh != NULL) {
        *ctx_obj = &fresh->h;
        fresh = NULL;
    }
out:
    if (st < 0)
        no_output(args->output, allocate);
    if (deleg != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &deleg);
    gss_release_buffer(&min, &out);
    if (fresh != NULL)
        handle_obj_unref(&fresh->h);
    return st;
}

/* ----------------------------------------------------------- messages */

#define MAX_IOV 16

/* Wipe every DATA buffer of a rejected message: what MIT decrypted in
 * place must not reach the caller. */
static void
wipe_data(SecBufferDesc *msg)
{
    ULONG i;

    for (i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];

        if ((SECBUF_TYPE(b) == SECBUFFER_DATA
             || SECBUF_TYPE(b) == SECBUFFER_STREAM)
            && !(b->BufferType & SECBUFFER_READONLY) && b->pvBuffer != NULL)
            mem_wipe(b->pvBuffer, b->cbBuffer);
    }
}

static SECURITY_STATUS
ctx_ready(struct gss_ctx *c)
{
    return c->established ? SEC_E_OK : SEC_E_INVALID_HANDLE;
}

/* Whether messages of c go through NTLM (ntlm.c). Once established, a
 * context's mechanism never changes. */
static bool
ntlm_messages(struct gss_ctx *c)
{
    bool ntlm;

    pthread_mutex_lock(&c->lock);
    ntlm = c->established && c->actual->kind == KIND_NTLM;
    pthread_mutex_unlock(&c->lock);
    return ntlm;
}

enum ntlm_op { NTLM_ENCRYPT, NTLM_DECRYPT, NTLM_SIGN, NTLM_VERIFY };

static SECURITY_STATUS
ntlm_message(struct gss_ctx *c, enum ntlm_op op, ULONG qop_in,
             SecBufferDesc *msg, ULONG *qop_out)
{
    SECURITY_STATUS st;

    pthread_mutex_lock(&c->lock);
    switch (op) {
    case NTLM_ENCRYPT:
        st = ntlm_encrypt(c, qop_in, msg);
        break;
    case NTLM_DECRYPT:
        st = ntlm_decrypt(c, msg, qop_out);
        break;
    case NTLM_SIGN:
        st = ntlm_sign(c, msg);
        break;
    default:
        st = ntlm_verify(c, msg, qop_out);
        break;
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

/*
 * Build the IOV array of an Encrypt/Decrypt/Sign/Verify call from the
 * caller's buffers, Windows layout: TOKEN (one), DATA (one or more),
 * PADDING (optional). token_type is the GSS type the TOKEN becomes.
 * Returns SEC_E_INVALID_TOKEN when the TOKEN or every DATA is missing.
 */
static SECURITY_STATUS
build_iov(SecBufferDesc *msg, OM_uint32 token_type, bool sealing,
          gss_iov_buffer_desc *iov, SecBuffer **src, size_t *n,
          size_t *tok_i, size_t *pad_i)
{
    size_t k = 0, ndata = 0, ntok = 0;
    ULONG i;

    *tok_i = *pad_i = (size_t)-1;
    for (i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];
        ULONG type = SECBUF_TYPE(b);
        OM_uint32 gtype;

        if (type == SECBUFFER_TOKEN) {
            if (ntok++ > 0)
                return SEC_E_INVALID_TOKEN;
            gtype = token_type;
            *tok_i = k;
        } else if (type == SECBUFFER_DATA) {
            if ((b->BufferType & SECBUFFER_READONLY_WITH_CHECKSUM)
                == SECBUFFER_READONLY_WITH_CHECKSUM)
                gtype = sealing ? GSS_IOV_BUFFER_TYPE_SIGN_ONLY
                                : GSS_IOV_BUFFER_TYPE_DATA;
            else if (b->BufferType & SECBUFFER_READONLY)
                continue;       /* neither protected nor signed */
            else
                gtype = GSS_IOV_BUFFER_TYPE_DATA;
            ndata++;
        } else if (type == SECBUFFER_PADDING && sealing) {
            gtype = GSS_IOV_BUFFER_TYPE_PADDING;
            *pad_i = k;
        } else {
            continue;
        }
        if (k == MAX_IOV)
            return SEC_E_INVALID_TOKEN;
        iov[k].type = gtype;
        iov[k].buffer.value = b->pvBuffer;
        iov[k].buffer.length = b->cbBuffer;
        src[k] = b;
        k++;
    }
    if (ntok == 0 || ndata == 0)
        return SEC_E_INVALID_TOKEN;
    *n = k;
    return SEC_E_OK;
}

static SECURITY_STATUS
gssp_encrypt(struct handle_obj *obj, ULONG qop, SecBufferDesc *msg, ULONG seq)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_iov_buffer_desc iov[MAX_IOV], len_iov[MAX_IOV];
    SecBuffer *src[MAX_IOV];
    size_t n, tok_i, pad_i;
    int conf = qop != SECQOP_WRAP_NO_ENCRYPT;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    (void)seq;      /* Kerberos keeps its own sequence numbers. */
    if (ntlm_messages(c))
        return ntlm_message(c, NTLM_ENCRYPT, qop, msg, NULL);
    st = build_iov(msg, GSS_IOV_BUFFER_TYPE_HEADER, true, iov, src, &n,
                   &tok_i, &pad_i);
    if (st != SEC_E_OK)
        return st;
    pthread_mutex_lock(&c->lock);
    st = ctx_ready(c);
    if (st != SEC_E_OK)
        goto out;
    if (conf && !(c->attrs & (c->initiator ? ISC_RET_CONFIDENTIALITY
                                           : ASC_RET_CONFIDENTIALITY))) {
        /* Windows: no confidentiality was negotiated (pyspnego
         * docs/exceptions/wrapping.md, "wrap - no confidentiality"). */
        st = SEC_E_UNSUPPORTED_FUNCTION;
        goto out;
    }
    /* RFC 1964 (RC4, DES) wrap tokens end in 1-8 bytes of padding, which
     * has nowhere to go without a PADDING buffer: the layout does not fit
     * this context. (Windows' own RC4 tokens omit it, which RFC 4757
     * peers such as MIT cannot read: krb5 PR 1093.) */
    if (!c->cfx && pad_i == (size_t)-1) {
        trace_cause("EncryptMessage on an RFC 1964 (RC4/DES) context needs "
                    "a SECBUFFER_PADDING buffer -> SEC_E_INVALID_TOKEN");
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    /* Sizes first, so a short TOKEN or PADDING fails before a sequence
     * number is spent (no half-changed context). RFC 4121 contexts know
     * them already (compute_sizes). */
    if (c->cfx) {
        len_iov[tok_i].buffer.length = c->wrap_tok_len[conf];
        if (pad_i != (size_t)-1)
            len_iov[pad_i].buffer.length = c->wrap_pad_len[conf];
    } else {
        memcpy(len_iov, iov, n * sizeof(iov[0]));
        maj = gss_wrap_iov_length(&min, c->gctx, conf, GSS_C_QOP_DEFAULT,
                                  NULL, len_iov, (int)n);
        if (GSS_ERROR(maj)) {
            st = map_gss(maj, min, &c->mech->oid, MAP_WRAP);
            goto out;
        }
    }
    if (iov[tok_i].buffer.length < len_iov[tok_i].buffer.length
        || (pad_i != (size_t)-1
            && iov[pad_i].buffer.length < len_iov[pad_i].buffer.length)) {
        st = SEC_E_BUFFER_TOO_SMALL;
        goto out;
    }
    iov[tok_i].buffer.length = len_iov[tok_i].buffer.length;
    if (pad_i != (size_t)-1)
        iov[pad_i].buffer.length = len_iov[pad_i].buffer.length;
    if (fast_path(c) != NULL) {
        maj = krb_msg_wrap(c->fast, conf != 0, iov, n);
        min = 0;
    } else {
        maj = gss_wrap_iov(&min, c->gctx, conf, GSS_C_QOP_DEFAULT, NULL,
                           iov, (int)n);
    }
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &c->mech->oid, MAP_WRAP);
        goto out;
    }
    src[tok_i]->cbBuffer = (ULONG)iov[tok_i].buffer.length;
    if (pad_i != (size_t)-1)
        src[pad_i]->cbBuffer = (ULONG)iov[pad_i].buffer.length;
    st = SEC_E_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

static SECURITY_STATUS
gssp_decrypt(struct handle_obj *obj, SecBufferDesc *msg, ULONG msgseq,
             ULONG *qop)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_iov_buffer_desc iov[MAX_IOV];
    SecBuffer *src[MAX_IOV], *stream, *data = NULL;
    size_t n, tok_i = 0, pad_i;
    uint64_t seq;
    int conf = 0;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    (void)msgseq;
    if (ntlm_messages(c))
        return ntlm_message(c, NTLM_DECRYPT, 0, msg, qop);
    stream = secbuf_find(msg, SECBUFFER_STREAM, 0);
    if (stream != NULL) {
        /* One whole token in STREAM; the DATA buffer receives a pointer
         * to the plaintext inside it (Microsoft, "SSPI/Kerberos
         * Interoperability with GSSAPI"). */
        data = secbuf_find(msg, SECBUFFER_DATA, 0);
        if (data == NULL || stream->pvBuffer == NULL)
            return SEC_E_INVALID_TOKEN;
        memset(iov, 0, 2 * sizeof(iov[0]));
        iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
        iov[0].buffer.value = stream->pvBuffer;
        iov[0].buffer.length = stream->cbBuffer;
        iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
        n = 2;
    } else {
        st = build_iov(msg, GSS_IOV_BUFFER_TYPE_HEADER, true, iov, src, &n,
                       &tok_i, &pad_i);
        if (st != SEC_E_OK)
            return st;
    }
    pthread_mutex_lock(&c->lock);
    st = ctx_ready(c);
    if (st != SEC_E_OK)
        goto out;
    if (stream != NULL && c->cfx
        && (stream->cbBuffer < 16
            || ((const unsigned char *)stream->pvBuffer)[0] != 0x05
            || ((const unsigned char *)stream->pvBuffer)[1] != 0x04)) {
        /* Only RFC 4121 wrap tokens (05 04) belong to this context. MIT
         * 1.20's stream unwrap dereferences a key an AES context does
         * not have when given an RFC 1964 token ID (fuzz/corpus/message,
         * crash-stream-rfc1964-token-id); the TOKEN + DATA form already
         * refuses these bytes. */
        trace_cause("DecryptMessage: the stream is not an RFC 4121 wrap "
                    "token -> SEC_E_INVALID_TOKEN");
        st = SEC_E_INVALID_TOKEN;
        goto out;
    }
    st = check_order(c, stream != NULL ? stream->pvBuffer
                                       : iov[tok_i].buffer.value,
                     stream != NULL ? stream->cbBuffer
                                    : iov[tok_i].buffer.length,
                     true, &seq);
    if (st != SEC_E_OK)
        goto out;
    if (fast_path(c) != NULL) {
        uint64_t fseq;

        maj = krb_msg_unwrap(c->fast, iov, n, &conf, &fseq);
        min = 0;
    } else {
        maj = gss_unwrap_iov(&min, c->gctx, &conf, NULL, iov, (int)n);
    }
    if (maj != GSS_S_COMPLETE) {
        /* Errors and sequence problems alike: nothing decrypted may
         * reach the caller. */
        st = map_gss(maj, min, &c->mech->oid, MAP_UNWRAP);
        if (st == SEC_E_OK)
            st = SEC_E_INTERNAL_ERROR;
        wipe_data(msg);
        goto out;
    }
    if (data != NULL) {
        data->pvBuffer = iov[1].buffer.value;
        data->cbBuffer = (ULONG)iov[1].buffer.length;
    }
    if (qop != NULL)
        *qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    if (c->seq_known)
        c->recv_seq = seq + 1;
    st = SEC_E_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

static SECURITY_STATUS
gssp_sign(struct handle_obj *obj, ULONG qop, SecBufferDesc *msg, ULONG seq)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_iov_buffer_desc iov[MAX_IOV], len_iov[MAX_IOV];
    SecBuffer *src[MAX_IOV];
    size_t n, tok_i, pad_i;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    /* Windows' Kerberos ignores other QOP values (pyspnego
     * docs/exceptions/wrapping.md, "sign - invalid qop"). */
    (void)qop;
    (void)seq;
    if (ntlm_messages(c))
        return ntlm_message(c, NTLM_SIGN, 0, msg, NULL);
    st = build_iov(msg, GSS_IOV_BUFFER_TYPE_MIC_TOKEN, false, iov, src, &n,
                   &tok_i, &pad_i);
    if (st != SEC_E_OK)
        return st;
    pthread_mutex_lock(&c->lock);
    st = ctx_ready(c);
    if (st != SEC_E_OK)
        goto out;
    memcpy(len_iov, iov, n * sizeof(iov[0]));
    if (fast_path(c) != NULL) {
        len_iov[tok_i].buffer.length = krb_msg_mic_len(c->fast);
    } else {
        maj = gss_get_mic_iov_length(&min, c->gctx, GSS_C_QOP_DEFAULT,
                                     len_iov, (int)n);
        if (GSS_ERROR(maj)) {
            st = map_gss(maj, min, &c->mech->oid, MAP_MIC);
            goto out;
        }
    }
    if (iov[tok_i].buffer.length < len_iov[tok_i].buffer.length) {
        st = SEC_E_BUFFER_TOO_SMALL;
        goto out;
    }
    iov[tok_i].buffer.length = len_iov[tok_i].buffer.length;
    if (c->fast != NULL) {
        maj = krb_msg_get_mic(c->fast, iov, n);
        min = 0;
    } else {
        maj = gss_get_mic_iov(&min, c->gctx, GSS_C_QOP_DEFAULT, iov,
                              (int)n);
    }
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &c->mech->oid, MAP_MIC);
        goto out;
    }
    src[tok_i]->cbBuffer = (ULONG)iov[tok_i].buffer.length;
    st = SEC_E_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

static SECURITY_STATUS
gssp_verify(struct handle_obj *obj, SecBufferDesc *msg, ULONG msgseq,
            ULONG *qop)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_iov_buffer_desc iov[MAX_IOV];
    SecBuffer *src[MAX_IOV];
    size_t n, tok_i, pad_i;
    uint64_t seq;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    (void)msgseq;
    if (ntlm_messages(c))
        return ntlm_message(c, NTLM_VERIFY, 0, msg, qop);
    st = build_iov(msg, GSS_IOV_BUFFER_TYPE_MIC_TOKEN, false, iov, src, &n,
                   &tok_i, &pad_i);
    if (st != SEC_E_OK)
        return st;
    pthread_mutex_lock(&c->lock);
    st = ctx_ready(c);
    if (st != SEC_E_OK)
        goto out;
    if (c->cfx && iov[tok_i].buffer.length <= 16) {
        /* An RFC 4121 MIC token is its 16-byte header and a checksum. A
         * bare header makes MIT 1.20 abort on an assertion
         * (checksum_iov_v3; fuzz/corpus/message,
         * crash-mic-token-without-checksum): it cannot verify, so it is
         * an altered signature, as a short checksum is. */
        trace_cause("VerifySignature: a %lu-byte signature has no "
                    "checksum -> SEC_E_MESSAGE_ALTERED",
                    (unsigned long)iov[tok_i].buffer.length);
        st = SEC_E_MESSAGE_ALTERED;
        goto out;
    }
    st = check_order(c, iov[tok_i].buffer.value, iov[tok_i].buffer.length,
                     false, &seq);
    if (st != SEC_E_OK)
        goto out;
    if (fast_path(c) != NULL) {
        uint64_t fseq;

        maj = krb_msg_verify_mic(c->fast, iov, n, &fseq);
        min = 0;
    } else {
        maj = gss_verify_mic_iov(&min, c->gctx, NULL, iov, (int)n);
    }
    if (maj != GSS_S_COMPLETE) {
        st = map_gss(maj, min, &c->mech->oid, MAP_VERIFY);
        if (st == SEC_E_OK)
            st = SEC_E_INTERNAL_ERROR;
        goto out;
    }
    /* pfQOP is left alone on failure, as Windows does (Wine
     * dlls/secur32/tests/ntlm.c, testSignSeal). */
    if (qop != NULL)
        *qop = 0;
    if (c->seq_known)
        c->recv_seq = seq + 1;
    st = SEC_E_OK;
out:
    pthread_mutex_unlock(&c->lock);
    return st;
}

bool
gss_ctx_fast_path(struct handle_obj *obj)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    bool fast;

    pthread_mutex_lock(&c->lock);
    fast = c->fast != NULL;
    pthread_mutex_unlock(&c->lock);
    return fast;
}

/* --------------------------------------------------------- attributes */

char *
gss_name_text(gss_name_t name)
{
    gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
    OM_uint32 min;
    char *s;

    if (GSS_ERROR(gss_display_name(&min, name, &b, NULL)))
        return NULL;
    s = strndup(b.value, b.length);
    gss_release_buffer(&min, &b);
    return s;
}

/*
 * Windows' SECPKG_ATTR_NAMES gives the client as "DOMAIN\user" (observed
 * for Kerberos acceptors: pyspnego tests/integration). Linux has no
 * NetBIOS domain names; the first label of the realm stands for it, as
 * it does by default in Active Directory ("alice@EXAMPLE.COM" ->
 * "EXAMPLE\alice").
 */
static char *
netlogon_name(const char *principal)
{
    const char *at = strrchr(principal, '@');
    size_t ulen, dlen;
    char *s;

    if (at == NULL)
        return strdup(principal);
    ulen = (size_t)(at - principal);
    dlen = strcspn(at + 1, ".");
    s = malloc(dlen + 1 + ulen + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, at + 1, dlen);
    s[dlen] = '\\';
    memcpy(s + dlen + 1, principal, ulen);
    s[dlen + 1 + ulen] = '\0';
    return s;
}

/* Fill a SecPkgInfo block describing pkg into a context buffer, as
 * QuerySecurityPackageInfo would (api_packages.c). */
static SECURITY_STATUS
package_info(const struct package *pkg, bool wide, void **out)
{
    SECURITY_STATUS st;

    if (wide) {
        WCHAR *name = NULL;

        st = utf8_to_utf16(pkg->name, (size_t)-1, &name, NULL);
        if (st == SEC_E_OK)
            st = QuerySecurityPackageInfoW(name, (PSecPkgInfoW *)out);
        free(name);
    } else {
        st = QuerySecurityPackageInfoA((LPSTR)pkg->name,
                                       (PSecPkgInfoA *)out);
    }
    return st;
}

static SECURITY_STATUS
put_string(void **field, const char *s, bool wide)
{
    void *p;

    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    p = ctxbuf_string(s, wide);
    if (p == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    *field = p;
    return SEC_E_OK;
}

static const char *
enctype_name(int32_t et)
{
    switch (et) {
    case ENCTYPE_AES256_CTS_HMAC_SHA1_96: return "AES256-CTS-HMAC-SHA1-96";
    case ENCTYPE_AES128_CTS_HMAC_SHA1_96: return "AES128-CTS-HMAC-SHA1-96";
    case ENCTYPE_AES256_CTS_HMAC_SHA384_192:
        return "AES256-CTS-HMAC-SHA384-192";
    case ENCTYPE_AES128_CTS_HMAC_SHA256_128:
        return "AES128-CTS-HMAC-SHA256-128";
    case ENCTYPE_ARCFOUR_HMAC: return "RSADSI RC4-HMAC";
    default: return "unknown";
    }
}

static const char *
checksum_name(int32_t et)
{
    switch (et) {
    case ENCTYPE_AES256_CTS_HMAC_SHA1_96: return "HMAC-SHA1-96-AES256";
    case ENCTYPE_AES128_CTS_HMAC_SHA1_96: return "HMAC-SHA1-96-AES128";
    case ENCTYPE_AES256_CTS_HMAC_SHA384_192:
        return "HMAC-SHA384-192-AES256";
    case ENCTYPE_AES128_CTS_HMAC_SHA256_128:
        return "HMAC-SHA256-128-AES128";
    case ENCTYPE_ARCFOUR_HMAC: return "RSADSI RC4-HMAC";
    default: return "unknown";
    }
}

/* RFC 3961 checksum type paired with each enctype (RFC 3962, 8009). */
static ULONG
checksum_type(int32_t et)
{
    switch (et) {
    case ENCTYPE_AES256_CTS_HMAC_SHA1_96: return 16;
    case ENCTYPE_AES128_CTS_HMAC_SHA1_96: return 15;
    case ENCTYPE_AES256_CTS_HMAC_SHA384_192: return 20;
    case ENCTYPE_AES128_CTS_HMAC_SHA256_128: return 19;
    case ENCTYPE_ARCFOUR_HMAC: return (ULONG)-138;
    default: return 0;
    }
}

/* The session key (acceptor subkey if any, else initiator subkey, as
 * MIT's GSS_C_INQ_SSPI_SESSION_KEY documents) and its enctype. */
static SECURITY_STATUS
session_key(struct gss_ctx *c, gss_buffer_set_t *set, int32_t *enctype)
{
    OM_uint32 maj, min;
    const unsigned char *o;
    size_t n, i;
    int32_t et = 0;

    maj = gss_inquire_sec_context_by_oid(&min, c->gctx,
                                         GSS_C_INQ_SSPI_SESSION_KEY, set);
    if (GSS_ERROR(maj))
        return map_gss(maj, min, &c->mech->oid, MAP_QUERY);
    if (*set == GSS_C_NO_BUFFER_SET || (*set)->count < 1) {
        gss_release_buffer_set(&min, set);
        return SEC_E_INTERNAL_ERROR;
    }
    /* Kerberos: the enctype is the last arc of
     * 1.2.840.113554.1.2.2.4.<enctype>, base-128 encoded. (NTLM gives
     * the key alone.) */
    if ((*set)->count >= 2) {
        o = (*set)->elements[1].value;
        n = (*set)->elements[1].length;
        for (i = 10; i < n; i++)
            et = (et << 7) | (o[i] & 0x7f);
    }
    *enctype = et;
    return SEC_E_OK;
}

/* The package a context reports: Negotiate's choice once established. */
static const struct package *
chosen_package(const struct gss_ctx *c)
{
    const struct package *chosen = NULL;

    if (c->established && c->cred->mech->kind == KIND_SPNEGO)
        chosen = package_find(c->actual->package);
    return chosen != NULL ? chosen : c->h.pkg;
}

static SECURITY_STATUS
gssp_query_context(struct handle_obj *obj, ULONG attr, void *buffer,
                  bool wide)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_name_t src = GSS_C_NO_NAME, targ = GSS_C_NO_NAME;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    char *s1 = NULL, *s2 = NULL;
    OM_uint32 maj, min;
    int32_t et = 0;
    bool ntlm_acceptor;
    SECURITY_STATUS st;

    pthread_mutex_lock(&c->lock);
    /* Only what a partial context already knows may be asked early. */
    if (!c->established && attr != SECPKG_ATTR_PACKAGE_INFO
        && attr != SECPKG_ATTR_NEGOTIATION_INFO
        && attr != SECPKG_ATTR_FLAGS) {
        st = SEC_E_INVALID_HANDLE;
        goto out;
    }
    switch (attr) {
    case SECPKG_ATTR_SIZES:
        memcpy(buffer, &c->sizes, sizeof(c->sizes));
        st = SEC_E_OK;
        break;
    case SECPKG_ATTR_FLAGS:
        ((SecPkgContext_Flags *)buffer)->Flags = c->attrs;
        st = SEC_E_OK;
        break;
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *l = buffer;

        l->tsStart = gss_timestamp(c->start);
        if (c->endtime != 0)
            l->tsExpiry = gss_timestamp(c->endtime);
        else if (c->lifetime == GSS_C_INDEFINITE)
            l->tsExpiry.QuadPart = TIMESTAMP_NEVER;
        else
            l->tsExpiry = gss_timestamp(c->start + c->lifetime);
        st = SEC_E_OK;
        break;
    }
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_NATIVE_NAMES:
    case SECPKG_ATTR_AUTHORITY:
        /* Not the acceptor's own name from gss-ntlmssp 1.2: it crashes
         * when the acceptor credential has no service name. */
        ntlm_acceptor = c->actual->kind == KIND_NTLM && !c->initiator;
        maj = gss_inquire_context(&min, c->gctx, &src,
                                  ntlm_acceptor ? NULL : &targ, NULL, NULL,
                                  NULL, NULL, NULL);
        if (GSS_ERROR(maj)) {
            st = map_gss(maj, min, &c->mech->oid, MAP_QUERY);
            break;
        }
        s1 = gss_name_text(src);
        /* An NTLM acceptor has no name of its own unless its credential
         * was given one (pszPrincipal): an empty server name then. */
        s2 = ntlm_acceptor ? strdup(c->cred->principal != NULL
                                    ? c->cred->principal : "")
                           : gss_name_text(targ);
        /* A name the context has but could not be put into words (out
         * of memory, found by tests/torture): no answer with a name
         * missing. */
        if ((src != GSS_C_NO_NAME && s1 == NULL)
            || ((ntlm_acceptor || targ != GSS_C_NO_NAME) && s2 == NULL)) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            break;
        }
        if (attr == SECPKG_ATTR_NATIVE_NAMES) {
            SecPkgContext_NativeNamesA *nn = buffer;
            void *cn = NULL, *sn = NULL;

            st = put_string(&cn, s1, wide);
            if (st == SEC_E_OK && (st = put_string(&sn, s2, wide))
                != SEC_E_OK) {
                ctxbuf_free(cn);
                break;
            }
            if (st == SEC_E_OK) {
                nn->sClientName = cn;
                nn->sServerName = sn;
            }
        } else if (attr == SECPKG_ATTR_NAMES) {
            char *nl = s1 != NULL ? netlogon_name(s1) : NULL;

            if (s1 != NULL && nl == NULL) {
                st = SEC_E_INSUFFICIENT_MEMORY;
                break;
            }
            st = put_string((void **)&((SecPkgContext_NamesA *)buffer)
                                ->sUserName, nl, wide);
            free(nl);
        } else if (c->actual->kind == KIND_NTLM) {
            /* NTLM names are DOMAIN\user: the domain authenticated. */
            const char *bs = s1 != NULL ? strchr(s1, '\\') : NULL;

            if (bs != NULL)
                s1[bs - s1] = '\0';
            st = put_string((void **)&((SecPkgContext_AuthorityA *)buffer)
                                ->sAuthorityName,
                            bs != NULL ? s1 : NULL, wide);
        } else {
            const char *at = s1 != NULL ? strrchr(s1, '@') : NULL;

            st = put_string((void **)&((SecPkgContext_AuthorityA *)buffer)
                                ->sAuthorityName,
                            at != NULL ? at + 1 : NULL, wide);
        }
        break;
    case SECPKG_ATTR_SESSION_KEY: {
        SecPkgContext_SessionKey *k = buffer;
        void *p;

        st = session_key(c, &set, &et);
        if (st != SEC_E_OK)
            break;
        p = ctxbuf_alloc(set->elements[0].length);
        if (p == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            break;
        }
        memcpy(p, set->elements[0].value, set->elements[0].length);
        k->SessionKey = p;
        k->SessionKeyLength = (ULONG)set->elements[0].length;
        break;
    }
    case SECPKG_ATTR_KEY_INFO: {
        SecPkgContext_KeyInfoA *ki = buffer;
        void *sig = NULL, *enc = NULL;

        if (c->actual->kind == KIND_NTLM) {
            /* gss-ntlmssp does not say which algorithms it negotiated. */
            st = SEC_E_UNSUPPORTED_FUNCTION;
            break;
        }

        st = session_key(c, &set, &et);
        if (st != SEC_E_OK)
            break;
        st = put_string(&sig, checksum_name(et), wide);
        if (st == SEC_E_OK && (st = put_string(&enc, enctype_name(et),
                                               wide)) != SEC_E_OK) {
            ctxbuf_free(sig);
            break;
        }
        if (st != SEC_E_OK)
            break;
        ki->sSignatureAlgorithmName = sig;
        ki->sEncryptAlgorithmName = enc;
        ki->KeySize = (ULONG)set->elements[0].length * 8;
        ki->SignatureAlgorithm = checksum_type(et);
        ki->EncryptAlgorithm = (ULONG)et;
        break;
    }
    case SECPKG_ATTR_PACKAGE_INFO:
        /* Negotiate names the package it chose once it is done, here as
         * in NEGOTIATION_INFO (sspilib's and pyspnego's tests on
         * Windows: both sides of a Negotiate exchange report the
         * package actually used). */
        st = package_info(chosen_package(c), wide,
                          (void **)&((SecPkgContext_PackageInfoA *)buffer)
                              ->PackageInfo);
        break;
    case SECPKG_ATTR_NEGOTIATION_INFO: {
        SecPkgContext_NegotiationInfoA *ni = buffer;
        void *info = NULL;

        /* [wine] negotiate.c: "NTLM" after an NTLM handshake. */
        st = package_info(chosen_package(c), wide, &info);
        if (st == SEC_E_OK) {
            ni->PackageInfo = info;
            ni->NegotiationState = c->established
                                   ? SECPKG_NEGOTIATION_COMPLETE
                                   : SECPKG_NEGOTIATION_IN_PROGRESS;
        }
        break;
    }
    default:
        st = SEC_E_UNSUPPORTED_FUNCTION;
        break;
    }
out:
    pthread_mutex_unlock(&c->lock);
    gss_release_buffer_set(&min, &set);
    gss_release_name(&min, &src);
    gss_release_name(&min, &targ);
    free(s1);
    free(s2);
    return st;
}

/* -------------------------------------------------- export and import */

static SECURITY_STATUS
gssp_export(struct handle_obj *obj, ULONG flags, SecBuffer *packed,
           void **token)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    gss_buffer_desc blob = GSS_C_EMPTY_BUFFER, again;
    OM_uint32 maj, min;
    bool packable, patched = true;
    void *p;
    SECURITY_STATUS st;

    if (token != NULL)
        *token = NULL;      /* no Windows token object to hand out */
    pthread_mutex_lock(&c->lock);
    if (!c->established) {
        st = SEC_E_CANNOT_PACK;
        goto out;
    }
    /* gss_export_sec_context consumes the context: re-import it unless
     * the caller asked Windows' SECPKG_CONTEXT_EXPORT_DELETE_OLD. */
    maj = gss_export_sec_context(&min, &c->gctx, &blob);
    if (GSS_ERROR(maj)) {
        map_gss(maj, min, &c->mech->oid, MAP_EXPORT);
        st = SEC_E_CANNOT_PACK;
        goto out;
    }
    /* NTLM messages done by sspigss: their state goes into the blob
     * (gss-ntlmssp's own stopped when the engine took over). */
    packable = ntlm_export_patch(c, blob.value, blob.length);
    /* MIT's token says which receive number the context started with,
     * not the next one (its lucid view, which import reads, reports that
     * field); and under the fast path MIT's counters stopped at the
     * handshake. Put in what sspigss knows, so that the imported
     * context, and this one re-imported, go on where this one is. */
    if (c->seq_known) {
        uint64_t send = c->fast != NULL ? krb_msg_send_seq(c->fast) : 0;

        patched = krb_msg_patch_export(blob.value, blob.length,
                                       c->fast != NULL ? &send : NULL,
                                       c->recv_seq);
        /* A layout of another MIT version: on the GSS-API path MIT's
         * token is still right but for the receive number an import
         * reports (as before); under the fast path it would carry stale
         * numbers, so it is refused. */
        if (!patched && c->fast == NULL) {
            trace_cause("ExportSecurityContext: MIT's exported context "
                        "has a layout sspigss does not know; exported "
                        "as it is");
            patched = true;
        } else if (!patched) {
            trace_cause("ExportSecurityContext: MIT's exported context "
                        "has a layout sspigss does not know -> "
                        "SEC_E_CANNOT_PACK");
        }
    }
    p = packable && patched ? ctxbuf_alloc(blob.length) : NULL;
    if (p != NULL)
        memcpy(p, blob.value, blob.length);
    if (!(flags & SECPKG_CONTEXT_EXPORT_DELETE_OLD) || p == NULL) {
        again = blob;
        maj = gss_import_sec_context(&min, &again, &c->gctx);
        if (GSS_ERROR(maj)) {
            /* The old context is gone; say so rather than pretend. */
            map_gss(maj, min, &c->mech->oid, MAP_IMPORT);
            c->established = false;
        }
    } else {
        c->established = false;
    }
    if (!patched) {
        st = SEC_E_CANNOT_PACK;
        goto out;
    }
    if (p == NULL) {
        st = packable ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_CANNOT_PACK;
        goto out;
    }
    packed->BufferType = SECBUFFER_EMPTY;
    packed->pvBuffer = p;
    packed->cbBuffer = (ULONG)blob.length;
    st = SEC_E_OK;
out:
    if (blob.value != NULL) {
        mem_wipe(blob.value, blob.length);
        gss_release_buffer(&min, &blob);
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

/*
 * An imported context needs a credential object for its package; it gets
 * an empty one (no GSS credential), since the exported context carries
 * its keys.
 */
static void
empty_cred_destroy(struct handle_obj *obj)
{
    struct gss_cred *cr = (struct gss_cred *)obj;

    pthread_mutex_destroy(&cr->lock);
    free(cr);
}

static SECURITY_STATUS
gssp_import(const struct package *pkg, const SecBuffer *packed, void *token,
           struct handle_obj **out)
{
    gss_buffer_desc blob = { packed->cbBuffer, packed->pvBuffer };
    struct gss_cred *cr;
    struct gss_ctx *c;
    OM_uint32 maj, min, flags = 0, lifetime = 0;
    int initiator = 0, open = 0;

    (void)token;
    cr = calloc(1, sizeof(*cr));
    if (cr == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&cr->h, HANDLE_CRED, pkg, empty_cred_destroy);
    pthread_mutex_init(&cr->lock, NULL);
    cr->mech = pkg->data;
    cr->gcred = GSS_C_NO_CREDENTIAL;
    c = ctx_new(cr, false);
    handle_obj_unref(&cr->h);       /* the context holds it */
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    maj = gss_import_sec_context(&min, &blob, &c->gctx);
    if (GSS_ERROR(maj)) {
        SECURITY_STATUS st = map_gss(maj, min, &c->mech->oid, MAP_IMPORT);

        handle_obj_unref(&c->h);
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_INVALID_TOKEN;
    }
    maj = gss_inquire_context(&min, c->gctx, NULL, NULL, &lifetime, NULL,
                              &flags, &initiator, &open);
    if (GSS_ERROR(maj)) {
        handle_obj_unref(&c->h);
        return map_gss(maj, min, &c->mech->oid, MAP_IMPORT);
    }
    c->initiator = initiator != 0;
    c->established = open != 0;
    c->lifetime = lifetime;
    c->attrs = initiator ? to_sspi(isc_ret_map, NFLAGS(isc_ret_map), flags)
                         : to_sspi(asc_ret_map, NFLAGS(asc_ret_map), flags);
    if (c->established) {
        learn_lucid(c);
        compute_sizes(c);
        ntlm_msg_start(c);
        if (!c->established) {
            /* gss-ntlmssp could not import its own export again. */
            handle_obj_unref(&c->h);
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        fast_check_sizes(c);
    }
    *out = &c->h;
    return SEC_E_OK;
}

/* ------------------------------------------------------ impersonation */

/*
 * Linux has no access tokens to put on a thread. What impersonation gives
 * Windows code that matters here is the double hop: while a thread
 * impersonates a client, outbound credentials acquired without an
 * identity are that client's delegated ones (krb_creds.c). The context
 * being impersonated is per thread and held until RevertSecurityContext
 * (or until the thread impersonates another).
 */
static _Thread_local struct gss_ctx *impersonating;

struct handle_obj *
gss_impersonation(void)
{
    if (impersonating == NULL)
        return NULL;
    handle_obj_ref(&impersonating->h);
    return &impersonating->h;
}

gss_cred_id_t
gss_ctx_delegated(struct handle_obj *obj)
{
    return ((struct gss_ctx *)obj)->delegated;
}

static SECURITY_STATUS
gssp_impersonate(struct handle_obj *obj)
{
    struct gss_ctx *c = (struct gss_ctx *)obj, *old = impersonating;

    /* Only a server impersonates its client; a client context has no one
     * to impersonate. */
    if (c->initiator) {
        trace_cause("ImpersonateSecurityContext on a client context -> "
                    "SEC_E_NO_IMPERSONATION");
        return SEC_E_NO_IMPERSONATION;
    }
    if (!c->established)
        return SEC_E_INVALID_HANDLE;
    handle_obj_ref(&c->h);
    impersonating = c;
    handle_obj_unref(old != NULL ? &old->h : NULL);
    return SEC_E_OK;
}

static SECURITY_STATUS
gssp_revert(struct handle_obj *obj)
{
    struct gss_ctx *old = impersonating;

    (void)obj;
    impersonating = NULL;
    handle_obj_unref(old != NULL ? &old->h : NULL);
    return SEC_E_OK;
}

/*
 * CompleteAuthToken. Windows' NTLM and Negotiate may return
 * SEC_I_COMPLETE_NEEDED and leave the last step of a token to it ([ms]
 * CompleteAuthToken; [wine]'s handshake loops call it then). The GSS
 * mechanisms here finish every token themselves, so no handshake step
 * returns those codes and nothing is left to complete: a caller that
 * calls it anyway, as portable loops do, gets SEC_E_OK for an NTLM or
 * Negotiate context. Kerberos never asks for it: there it is not
 * supported, as on Windows.
 */
static SECURITY_STATUS
gssp_complete(struct handle_obj *obj, SecBufferDesc *token)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;

    (void)token;
    if (c->mech->kind == KIND_KERBEROS)
        return SEC_E_UNSUPPORTED_FUNCTION;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ the ops */

static SECURITY_STATUS
gssp_acquire(const struct package *pkg, const struct acquire_args *args,
            struct handle_obj **cred, TimeStamp *expiry)
{
    const struct gss_mech *mech = pkg->data;
    struct gss_cred *c;
    SECURITY_STATUS st;

    switch (mech->kind) {
    case KIND_NTLM:
        st = ntlm_creds_acquire(pkg, args, &c, expiry);
        break;
    case KIND_SPNEGO:
        st = neg_creds_acquire(pkg, args, &c, expiry);
        break;
    default:
        st = krb_creds_acquire(pkg, args, &c, expiry);
        break;
    }

    *cred = st == SEC_E_OK ? &c->h : NULL;
    return st;
}

/*
 * SetCredentialsAttributes. Kerberos takes SECPKG_CRED_ATTR_KDC_PROXY_
 * SETTINGS (krb_proxy.c), and so does Negotiate, for the Kerberos it
 * runs: an explicit identity's Kerberos credential, or the Negotiate
 * credential itself for the default one. NTLM has no KDC.
 */
static SECURITY_STATUS
gssp_set_cred(struct handle_obj *obj, ULONG attr, void *buffer, ULONG size,
              bool wide)
{
    struct gss_cred *c = (struct gss_cred *)obj;

    (void)wide;     /* the structure's string is UTF-16 in both */
    if (attr != SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS
        || c->mech->kind == KIND_NTLM) {
        trace_cause("SetCredentialsAttributes: attribute %lu is not one "
                    "the %s package sets -> SEC_E_UNSUPPORTED_FUNCTION",
                    (unsigned long)attr, c->h.pkg->name);
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    if (c->mech->kind == KIND_SPNEGO && c->krb != NULL)
        return krb_proxy_set(c->krb, buffer, size);
    return krb_proxy_set(c, buffer, size);
}

const struct package_ops gss_package_ops = {
    .acquire_credentials = gssp_acquire,
    .query_credentials = krb_creds_query,
    .set_credentials = gssp_set_cred,
    .initialize_context = gssp_initialize,
    .accept_context = gssp_accept,
    .complete_auth_token = gssp_complete,
    .query_context = gssp_query_context,
    .make_signature = gssp_sign,
    .verify_signature = gssp_verify,
    .encrypt = gssp_encrypt,
    .decrypt = gssp_decrypt,
    .export_context = gssp_export,
    .import_context = gssp_import,
    .impersonate = gssp_impersonate,
    .revert = gssp_revert,
};
