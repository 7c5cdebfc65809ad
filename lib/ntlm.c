/*
 * ntlm.c - the NTLM package's credentials and messages, over gss-ntlmssp.
 *
 * Credentials. Explicit identities (SEC_WINNT_AUTH_IDENTITY*) become
 * gss-ntlmssp credentials for a GSS_C_NT_USER_NAME "DOMAIN\user",
 * "user@domain" or "user", given the password's NT hash (ntowf.c) through
 * the cred store rather than the password itself, and the hash is wiped.
 * Without a password, and without an identity, the
 * credentials are the ones gss-ntlmssp finds itself: the user file named
 * by NTLM_USER_FILE ("DOMAIN:user:password" lines; the first entry when
 * no user is named), else winbind. Inbound credentials check clients
 * against the same user file (or winbind). As on Windows, a credential is
 * always made; one without usable secrets fails at the first
 * InitializeSecurityContext with SEC_E_NO_CREDENTIALS.
 *
 * Messages. Once a context is established, sspigss protects its
 * messages itself (ntlm_msg.c: MS-NLMP 3.4 with extended session
 * security, the state taken over from gss-ntlmssp's exported context):
 * every DATA buffer enters the signature, only the plain ones are sealed,
 * so Windows' SECBUFFER_READONLY(_WITH_CHECKSUM) layouts (DCE/RPC) work.
 * Contexts the engine does not take (no extended session security,
 * datagram mode, SSPIGSS_NTLM_ENGINE=0) go through gss-ntlmssp, which
 * has no IOV calls: gss_wrap's output is the 16-byte signature followed
 * by the sealed data (MS-NLMP 3.4.3), Windows' TOKEN + DATA once split;
 * the DATA buffers are joined, wrapped or signed whole, and put back,
 * and READONLY_WITH_CHECKSUM data in EncryptMessage is
 * SEC_E_UNSUPPORTED_FUNCTION. Either way:
 *   - every QOP value is taken and the message sealed, as Windows' NTLM
 *     does (SECQOP_WRAP_NO_ENCRYPT included: ntlm_encrypt);
 *   - an empty message is SEC_E_INVALID_TOKEN (gss-ntlmssp refuses
 *     them, and its peers would);
 *   - every verified or unsealed message, good or bad, advances NTLM's
 *     sequence number and RC4 state, as in Windows' own NTLM (a tampered
 *     message is SEC_E_MESSAGE_ALTERED and the next good one verifies).
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_ext.h>

#include "gss_int.h"
#include "identity.h"
#include "internal.h"
#include "ntlm_msg.h"

/* --------------------------------------------------------- credentials */

/* "DOMAIN\user", or the user as given when it names its domain itself
 * ("user@domain", "DOMAIN\user") or there is no domain. */
static char *
ntlm_user_name(const struct identity *id)
{
    size_t ul, dl;
    char *s;

    if (id->domain == NULL || *id->domain == '\0'
        || strchr(id->user, '\\') != NULL || strchr(id->user, '@') != NULL)
        return strdup(id->user);
    ul = strlen(id->user);
    dl = strlen(id->domain);
    s = malloc(dl + 1 + ul + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, id->domain, dl);
    s[dl] = '\\';
    memcpy(s + dl + 1, id->user, ul + 1);
    return s;
}

/* Record why the credential cannot initiate, for its first
 * InitializeSecurityContext (Windows makes the handle anyway). */
static void
defer(struct gss_cred *c, OM_uint32 maj, OM_uint32 min, const char *what)
{
    (void)map_gss(maj, min, &gss_mech_ntlm.oid, MAP_ACQUIRE);
    free(c->deferred_why);
    c->deferred_why = strdup(sspigss_last_error());
    c->deferred = SEC_E_NO_CREDENTIALS;
    trace_cause("NTLM %s: %s", what,
                c->deferred_why != NULL ? c->deferred_why : "");
}

static void
ntlm_cred_destroy(struct handle_obj *obj)
{
    struct gss_cred *c = (struct gss_cred *)obj;
    OM_uint32 min;

    if (c->gcred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &c->gcred);
    free(c->deferred_why);
    free(c->principal);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

SECURITY_STATUS
ntlm_creds_acquire(const struct package *pkg, const struct acquire_args *args,
                   struct gss_cred **out, TimeStamp *expiry)
{
    gss_OID_set_desc mechs = { 1, (gss_OID)&gss_mech_ntlm.oid };
    struct identity id = { 0 };
    struct gss_cred *c;
    gss_name_t name = GSS_C_NO_NAME, got = GSS_C_NO_NAME;
    gss_buffer_desc b;
    OM_uint32 maj = GSS_S_COMPLETE, min = 0;
    char *uname = NULL;
    SECURITY_STATUS st;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&c->h, HANDLE_CRED, pkg, ntlm_cred_destroy);
    pthread_mutex_init(&c->lock, NULL);
    c->mech = &gss_mech_ntlm;
    c->use = args->cred_use;
    c->gcred = GSS_C_NO_CREDENTIAL;
    /* NTLM credentials do not expire ([wine] ntlm.c reads "never"). */
    expiry->QuadPart = TIMESTAMP_NEVER;

    if (args->auth_data != NULL) {
        st = identity_from_auth_data(args->auth_data, &id);
        if (st != SEC_E_OK)
            goto out;
        /* A keytab holds Kerberos keys; NTLM needs the password's hash.
         * (Our choice: no Windows evidence for NTLM given a keytab.) */
        if (id.keytab != NULL) {
            trace_cause("NTLM: an EX2 keytab credential has no NTLM "
                        "secret -> SEC_E_UNKNOWN_CREDENTIALS");
            st = SEC_E_UNKNOWN_CREDENTIALS;
            goto out;
        }
    }
    st = SEC_E_INSUFFICIENT_MEMORY;
    if (c->use & SECPKG_CRED_INBOUND) {
        /* The acceptor: gss-ntlmssp checks clients against its user
         * file or winbind when they authenticate. pszPrincipal is kept
         * as the credential's name but not given to gss-ntlmssp: a named
         * gss-ntlmssp acceptor announces its name in its CHALLENGE and
         * gss-ntlmssp clients that target any other name then give up,
         * while Windows' NTLM server ignores the name (pyspnego
         * docs/exceptions, an invalid SPN completes). */
        maj = gss_acquire_cred(&min, name, GSS_C_INDEFINITE, &mechs,
                               GSS_C_ACCEPT, &c->gcred, NULL, NULL);
        if (GSS_ERROR(maj)) {
            st = map_gss(maj, min, &gss_mech_ntlm.oid, MAP_ACQUIRE);
            if (st != SEC_E_INSUFFICIENT_MEMORY)
                st = SEC_E_NO_CREDENTIALS;
            goto out;
        }
        if (args->principal != NULL
            && (c->principal = strdup(args->principal)) == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        st = SEC_E_OK;
        goto out;
    }

    if (id.user != NULL) {
        uname = ntlm_user_name(&id);
        if (uname == NULL)
            goto out;
        b.value = uname;
        b.length = strlen(uname);
        maj = gss_import_name(&min, &b, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(maj)) {
            (void)map_gss(maj, min, &gss_mech_ntlm.oid, MAP_ACQUIRE);
            st = SEC_E_UNKNOWN_CREDENTIALS;
            goto out;
        }
    } else if (args->principal != NULL) {
        b.value = (void *)args->principal;
        b.length = strlen(args->principal);
        maj = gss_import_name(&min, &b, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(maj)) {
            (void)map_gss(maj, min, &gss_mech_ntlm.oid, MAP_ACQUIRE);
            st = SEC_E_UNKNOWN_CREDENTIALS;
            goto out;
        }
    }
    if (id.password != NULL) {
        /* The NT hash rather than the password: gss-ntlmssp's own MD4
         * leaks (ntowf.c). */
        char hash[33];
        gss_key_value_element_desc el = { "ntlmssp_nthash", hash };
        gss_key_value_set_desc store = { 1, &el };

        st = ntowf_hex(id.password, hash);
        if (st != SEC_E_OK)
            goto out;
        maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs,
                                    GSS_C_INITIATE, &store, &c->gcred,
                                    NULL, NULL);
        mem_wipe(hash, sizeof(hash));
    } else {
        maj = gss_acquire_cred(&min, name, GSS_C_INDEFINITE, &mechs,
                               GSS_C_INITIATE, &c->gcred, NULL, NULL);
    }
    if (GSS_ERROR(maj)) {
        c->gcred = GSS_C_NO_CREDENTIAL;
        defer(c, maj, min, id.password != NULL
                               ? "credentials from the password"
                               : "default credentials (NTLM_USER_FILE, "
                                 "winbind)");
        c->principal = uname != NULL ? strdup(uname) : NULL;
        st = SEC_E_OK;
        goto out;
    }
    if (gss_inquire_cred(&min, c->gcred, &got, NULL, NULL, NULL)
        == GSS_S_COMPLETE)
        c->principal = gss_name_text(got);
    st = SEC_E_OK;
out:
    gss_release_name(&min, &got);
    gss_release_name(&min, &name);
    identity_clear(&id);
    free(uname);
    if (st != SEC_E_OK) {
        handle_obj_unref(&c->h);
        return st;
    }
    *out = c;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ messages */

#define MAX_PARTS 16

/*
 * The buffers of a message: the TOKEN (exactly one) and the DATA buffers
 * in order (at least one, not all empty). With sspigss's engine
 * (engine), every DATA buffer enters the signature, READONLY ones
 * included (MS-NLMP 3.4.6.1: "all of the input data buffers for NTLMv2,
 * including the cleartext data buffers"; Wine's msv1_0 and sspi-rs sign
 * them too), and only the plain ones are sealed. Through gss-ntlmssp,
 * SECBUFFER_READONLY data is left out, and READONLY_WITH_CHECKSUM data
 * cannot be signed without being sealed when sealing.
 */
struct parts {
    SecBuffer *token;
    SecBuffer *data[MAX_PARTS];
    bool seal[MAX_PARTS];
    size_t ndata;
    size_t total;
};

static SECURITY_STATUS
collect(SecBufferDesc *msg, bool sealing, bool engine, struct parts *p)
{
    ULONG i;

    memset(p, 0, sizeof(*p));
    for (i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];
        ULONG type = SECBUF_TYPE(b);
        bool ro_ck, ro;

        if (type == SECBUFFER_TOKEN) {
            if (p->token != NULL)
                return SEC_E_INVALID_TOKEN;
            p->token = b;
            continue;
        }
        if (type != SECBUFFER_DATA)
            continue;
        ro_ck = (b->BufferType & SECBUFFER_READONLY_WITH_CHECKSUM)
                == SECBUFFER_READONLY_WITH_CHECKSUM;
        ro = (b->BufferType & SECBUFFER_READONLY) != 0;
        if (!engine) {
            if (ro_ck && sealing) {
                trace_cause("NTLM: gss-ntlmssp cannot sign data without "
                            "sealing it (SECBUFFER_READONLY_WITH_CHECKSUM)"
                            " -> SEC_E_UNSUPPORTED_FUNCTION");
                return SEC_E_UNSUPPORTED_FUNCTION;
            }
            if (ro && !ro_ck)
                continue;
        }
        if (p->ndata == MAX_PARTS)
            return SEC_E_INVALID_TOKEN;
        if (b->cbBuffer > 0 && b->pvBuffer == NULL)
            return SEC_E_INVALID_TOKEN;
        p->seal[p->ndata] = !ro && !ro_ck;
        p->data[p->ndata++] = b;
        p->total += b->cbBuffer;
    }
    if (p->token == NULL || p->ndata == 0)
        return SEC_E_INVALID_TOKEN;
    if (p->total == 0) {
        trace_cause("NTLM: gss-ntlmssp does not protect an empty message "
                    "-> SEC_E_INVALID_TOKEN");
        return SEC_E_INVALID_TOKEN;
    }
    return SEC_E_OK;
}

/* The DATA buffers as the engine's pieces. */
static void
to_parts(const struct parts *p, struct ntlm_part *out)
{
    size_t i;

    for (i = 0; i < p->ndata; i++) {
        out[i].p = p->data[i]->pvBuffer;
        out[i].len = p->data[i]->cbBuffer;
        out[i].seal = p->seal[i];
    }
}

/* The SEC code of an engine result that is not 0. */
static SECURITY_STATUS
engine_status(int rc, const char *what)
{
    if (rc == 1) {
        trace_cause("NTLM: %s: the signature does not match (altered, "
                    "replayed or out of order) -> SEC_E_MESSAGE_ALTERED",
                    what);
        return SEC_E_MESSAGE_ALTERED;
    }
    if (rc == -2) {
        trace_cause("NTLM: %s: neither NTLMSSP_NEGOTIATE_SIGN nor "
                    "ALWAYS_SIGN negotiated -> SEC_E_UNSUPPORTED_FUNCTION",
                    what);
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    trace_cause("NTLM: %s: OpenSSL's MD5 failed -> "
                "SEC_E_INSUFFICIENT_MEMORY", what);
    return SEC_E_INSUFFICIENT_MEMORY;
}

/* The DATA buffers joined after an optional 16-byte prefix (malloc). */
static unsigned char *
join(const struct parts *p, const void *prefix, size_t plen)
{
    unsigned char *buf = malloc(plen + p->total), *q;
    size_t i;

    if (buf == NULL)
        return NULL;
    if (plen > 0)
        memcpy(buf, prefix, plen);
    q = buf + plen;
    for (i = 0; i < p->ndata; i++) {
        if (p->data[i]->cbBuffer > 0)
            memcpy(q, p->data[i]->pvBuffer, p->data[i]->cbBuffer);
        q += p->data[i]->cbBuffer;
    }
    return buf;
}

/* Put len bytes back into the DATA buffers, in order. */
static void
scatter(const struct parts *p, const unsigned char *src)
{
    size_t i;

    for (i = 0; i < p->ndata; i++) {
        if (p->data[i]->cbBuffer > 0)
            memcpy(p->data[i]->pvBuffer, src, p->data[i]->cbBuffer);
        src += p->data[i]->cbBuffer;
    }
}

/*
 * An outgoing message (EncryptMessage, MakeSignature): its buffers and a
 * TOKEN that can hold the signature; for gss-ntlmssp also the DATA
 * joined into *in (malloc; the caller wipes and frees in->value).
 */
static SECURITY_STATUS
outgoing(struct gss_ctx *c, SecBufferDesc *msg, bool sealing,
         struct parts *p, gss_buffer_desc *in)
{
    SECURITY_STATUS st = collect(msg, sealing, c->nmsg != NULL, p);

    if (st != SEC_E_OK)
        return st;
    if (p->token->cbBuffer < NTLM_SIGNATURE_SIZE || p->token->pvBuffer == NULL)
        return SEC_E_BUFFER_TOO_SMALL;
    if (c->nmsg != NULL)
        return SEC_E_OK;
    in->value = join(p, NULL, 0);
    if (in->value == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    in->length = p->total;
    return SEC_E_OK;
}

static bool
has_attr(const struct gss_ctx *c, ULONG isc, ULONG asc)
{
    return (c->attrs & (c->initiator ? isc : asc)) != 0;
}

SECURITY_STATUS
ntlm_encrypt(struct gss_ctx *c, ULONG qop, SecBufferDesc *msg)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    struct ntlm_part parts[MAX_PARTS];
    struct parts p;
    OM_uint32 maj, min;
    int conf = 0, rc;
    SECURITY_STATUS st;

    if (!c->established)
        return SEC_E_INVALID_HANDLE;
    /* Windows' NTLM takes any QOP, SECQOP_WRAP_NO_ENCRYPT included, and
     * the peer's DecryptMessage gives the plaintext back (pyspnego
     * tests/test_sspi.py test_sspi_wrap_no_encryption, which runs on
     * Windows; docs/exceptions/wrapping.md "wrap - invalid qop": "SSPI
     * doesn't seem to care about the QoP"). An NTLM signature says
     * nothing of whether the data was sealed, so the message is sealed
     * as always: that is what a DecryptMessage can open. */
    (void)qop;
    /* Windows' NTLM seals with either integrity or confidentiality
     * negotiated (pyspnego docs/exceptions/wrapping.md, "SSPI - NTLM");
     * with neither there is no key to seal with. */
    if (!has_attr(c, ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY,
                  ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY))
        return SEC_E_UNSUPPORTED_FUNCTION;
    st = outgoing(c, msg, true, &p, &in);
    if (st != SEC_E_OK)
        return st;
    if (c->nmsg != NULL) {
        to_parts(&p, parts);
        rc = ntlm_msg_seal(c->nmsg, parts, p.ndata, p.token->pvBuffer);
        if (rc != 0)
            return engine_status(rc, "EncryptMessage");
        p.token->cbBuffer = NTLM_SIGNATURE_SIZE;
        return SEC_E_OK;
    }
    maj = gss_wrap(&min, c->gctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &out);
    mem_wipe(in.value, in.length);
    free(in.value);
    if (GSS_ERROR(maj))
        return map_gss(maj, min, &gss_mech_ntlm.oid, MAP_WRAP);
    if (out.length != NTLM_SIGNATURE_SIZE + p.total) {
        trace_cause("NTLM: gss_wrap gave %zu bytes for %zu -> "
                    "SEC_E_INTERNAL_ERROR", out.length, p.total);
        gss_release_buffer(&min, &out);
        return SEC_E_INTERNAL_ERROR;
    }
    memcpy(p.token->pvBuffer, out.value, NTLM_SIGNATURE_SIZE);
    p.token->cbBuffer = NTLM_SIGNATURE_SIZE;
    scatter(&p, (unsigned char *)out.value + NTLM_SIGNATURE_SIZE);
    gss_release_buffer(&min, &out);
    return SEC_E_OK;
}

/* Unseal sig + the DATA buffers; on success the plaintext goes back into
 * them, on failure they keep the ciphertext. */
static SECURITY_STATUS
unseal(struct gss_ctx *c, const struct parts *p, const void *sig,
       ULONG *qop)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    unsigned char *buf;
    OM_uint32 maj, min;
    int conf = 0;

    if (c->nmsg != NULL) {
        struct ntlm_part parts[MAX_PARTS];
        int rc;

        to_parts(p, parts);
        rc = ntlm_msg_unseal(c->nmsg, parts, p->ndata, sig);
        if (rc != 0)
            return engine_status(rc, "DecryptMessage");
        if (qop != NULL)
            *qop = 0;
        return SEC_E_OK;
    }
    buf = join(p, sig, NTLM_SIGNATURE_SIZE);
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    in.value = buf;
    in.length = NTLM_SIGNATURE_SIZE + p->total;
    maj = gss_unwrap(&min, c->gctx, &in, &out, &conf, NULL);
    free(buf);
    if (GSS_ERROR(maj) || out.length != p->total) {
        SECURITY_STATUS st = GSS_ERROR(maj)
            ? map_gss(maj, min, &gss_mech_ntlm.oid, MAP_UNWRAP)
            : SEC_E_INTERNAL_ERROR;

        if (out.value != NULL)
            mem_wipe(out.value, out.length);
        gss_release_buffer(&min, &out);
        return st;
    }
    scatter(p, out.value);
    mem_wipe(out.value, out.length);
    gss_release_buffer(&min, &out);
    if (qop != NULL)
        *qop = 0;
    return SEC_E_OK;
}

/* A received TOKEN that cannot be NTLM's 16-byte signature (one cut
 * short): refused before gss-ntlmssp sees it, so its sequence number and
 * RC4 stream do not move. */
static SECURITY_STATUS
short_signature(const SecBuffer *token)
{
    trace_cause("NTLM: a %lu-byte TOKEN is no %d-byte signature -> "
                "SEC_E_INVALID_TOKEN", (unsigned long)token->cbBuffer,
                NTLM_SIGNATURE_SIZE);
    return SEC_E_INVALID_TOKEN;
}

SECURITY_STATUS
ntlm_decrypt(struct gss_ctx *c, SecBufferDesc *msg, ULONG *qop)
{
    SecBuffer *stream = secbuf_find(msg, SECBUFFER_STREAM, 0);
    struct parts p;
    SECURITY_STATUS st;

    if (!c->established)
        return SEC_E_INVALID_HANDLE;
    if (stream != NULL) {
        /* One whole message in STREAM: signature, then sealed data; DATA
         * receives a pointer to the plaintext inside it. */
        SecBuffer *data = secbuf_find(msg, SECBUFFER_DATA, 0);
        SecBuffer part;

        if (data == NULL || stream->pvBuffer == NULL
            || stream->cbBuffer <= NTLM_SIGNATURE_SIZE) {
            trace_cause("NTLM: the stream (%lu bytes) holds no %d-byte "
                        "signature and data -> SEC_E_INVALID_TOKEN",
                        (unsigned long)stream->cbBuffer,
                        NTLM_SIGNATURE_SIZE);
            return SEC_E_INVALID_TOKEN;
        }
        memset(&p, 0, sizeof(p));
        part.BufferType = SECBUFFER_DATA;
        part.pvBuffer = (unsigned char *)stream->pvBuffer
                        + NTLM_SIGNATURE_SIZE;
        part.cbBuffer = stream->cbBuffer - NTLM_SIGNATURE_SIZE;
        p.data[0] = &part;
        p.seal[0] = true;
        p.ndata = 1;
        p.total = part.cbBuffer;
        st = unseal(c, &p, stream->pvBuffer, qop);
        if (st != SEC_E_OK)
            return st;
        data->pvBuffer = part.pvBuffer;
        data->cbBuffer = part.cbBuffer;
        return SEC_E_OK;
    }
    st = collect(msg, true, c->nmsg != NULL, &p);
    if (st != SEC_E_OK)
        return st;
    if (p.token->cbBuffer < NTLM_SIGNATURE_SIZE || p.token->pvBuffer == NULL)
        return short_signature(p.token);
    return unseal(c, &p, p.token->pvBuffer, qop);
}

SECURITY_STATUS
ntlm_sign(struct gss_ctx *c, SecBufferDesc *msg)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    struct parts p;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    if (!c->established)
        return SEC_E_INVALID_HANDLE;
    st = outgoing(c, msg, false, &p, &in);
    if (st != SEC_E_OK)
        return st;
    if (c->nmsg != NULL) {
        struct ntlm_part parts[MAX_PARTS];
        int rc;

        to_parts(&p, parts);
        rc = ntlm_msg_sign(c->nmsg, parts, p.ndata, p.token->pvBuffer);
        if (rc != 0)
            return engine_status(rc, "MakeSignature");
        p.token->cbBuffer = NTLM_SIGNATURE_SIZE;
        return SEC_E_OK;
    }
    maj = gss_get_mic(&min, c->gctx, GSS_C_QOP_DEFAULT, &in, &out);
    free(in.value);
    if (GSS_ERROR(maj))
        return map_gss(maj, min, &gss_mech_ntlm.oid, MAP_MIC);
    if (out.length != NTLM_SIGNATURE_SIZE) {
        gss_release_buffer(&min, &out);
        return SEC_E_INTERNAL_ERROR;
    }
    memcpy(p.token->pvBuffer, out.value, NTLM_SIGNATURE_SIZE);
    p.token->cbBuffer = NTLM_SIGNATURE_SIZE;
    gss_release_buffer(&min, &out);
    return SEC_E_OK;
}

SECURITY_STATUS
ntlm_verify(struct gss_ctx *c, SecBufferDesc *msg, ULONG *qop)
{
    gss_buffer_desc in, tok;
    struct parts p;
    unsigned char *buf;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    if (!c->established)
        return SEC_E_INVALID_HANDLE;
    st = collect(msg, false, c->nmsg != NULL, &p);
    if (st != SEC_E_OK)
        return st;
    if (p.token->cbBuffer != NTLM_SIGNATURE_SIZE || p.token->pvBuffer == NULL)
        return short_signature(p.token);
    if (c->nmsg != NULL) {
        struct ntlm_part parts[MAX_PARTS];
        int rc;

        to_parts(&p, parts);
        rc = ntlm_msg_verify(c->nmsg, parts, p.ndata, p.token->pvBuffer);
        if (rc != 0)
            return engine_status(rc, "VerifySignature");
        if (qop != NULL)
            *qop = 0;
        return SEC_E_OK;
    }
    buf = join(&p, NULL, 0);
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    in.value = buf;
    in.length = p.total;
    tok.value = p.token->pvBuffer;
    tok.length = p.token->cbBuffer;
    maj = gss_verify_mic(&min, c->gctx, &in, &tok, NULL);
    free(buf);
    if (GSS_ERROR(maj))
        return map_gss(maj, min, &gss_mech_ntlm.oid, MAP_VERIFY);
    if (qop != NULL)
        *qop = 0;
    return SEC_E_OK;
}

/* --------------------------------------------- the engine's lifecycle */

bool
ntlm_engine_enabled(void)
{
    const char *env = getenv("SSPIGSS_NTLM_ENGINE");

    return env == NULL || strcmp(env, "0") != 0;
}

void
ntlm_msg_start(struct gss_ctx *c)
{
    gss_buffer_desc blob = GSS_C_EMPTY_BUFFER, again;
    gss_buffer_set_t keys = GSS_C_NO_BUFFER_SET;
    const char *why = NULL;
    OM_uint32 maj, min;
    /* A call failed (in practice for want of memory), as opposed to a
     * context the engine does not take (its flags, the export's
     * format). */
    bool failed = false;

    ntlm_msg_free(c->nmsg);
    c->nmsg = NULL;
    if (!c->established || c->actual->kind != KIND_NTLM)
        return;
    if (!ntlm_engine_enabled()) {
        trace_printf("NTLM messages stay with gss-ntlmssp: "
                     "SSPIGSS_NTLM_ENGINE=0");
        return;
    }
    maj = gss_inquire_sec_context_by_oid(&min, c->gctx,
                                         GSS_C_INQ_SSPI_SESSION_KEY, &keys);
    if (GSS_ERROR(maj) || keys == GSS_C_NO_BUFFER_SET || keys->count < 1
        || keys->elements[0].length != 16) {
        why = "gss-ntlmssp gives no 16-byte session key";
        failed = GSS_ERROR(maj);
        goto out;
    }
    /* gss-ntlmssp's export holds the state the handshake left: keys,
     * RC4 streams and sequence numbers after SPNEGO's mechListMIC
     * (gss-ntlmssp resets the streams then, MS-SPNG 3.3.5.1). The export
     * consumes the context; it is imported back at once. */
    maj = gss_export_sec_context(&min, &c->gctx, &blob);
    if (GSS_ERROR(maj)) {
        why = "gss-ntlmssp cannot export the context";
        failed = true;
        if (c->gctx == GSS_C_NO_CONTEXT) {
            /* MIT's mechglue has the mechanism's export, which deletes
             * its context, before its own allocation that failed
             * (g_exp_sec_context.c): nothing is left to import. */
            (void)map_gss(maj, min, &c->mech->oid, MAP_EXPORT);
            trace_cause("NTLM: gss-ntlmssp's export failed after it took "
                        "the context; the context is lost");
            c->established = false;
            why = NULL;
        }
        goto out;
    }
    c->nmsg = ntlm_msg_from_export(blob.value, blob.length,
                                   keys->elements[0].value, &why);
    /* ntlm_msg_from_export's reason for its own allocations. */
    failed = c->nmsg == NULL && why != NULL
             && strcmp(why, "out of memory") == 0;
    again = blob;
    maj = gss_import_sec_context(&min, &again, &c->gctx);
    if (GSS_ERROR(maj)) {
        (void)map_gss(maj, min, &c->mech->oid, MAP_IMPORT);
        trace_cause("NTLM: gss-ntlmssp cannot import its own export; the "
                    "context is lost");
        c->established = false;
        ntlm_msg_free(c->nmsg);
        c->nmsg = NULL;
        why = NULL;
    }
out:
    if (blob.value != NULL) {
        mem_wipe(blob.value, blob.length);
        gss_release_buffer(&min, &blob);
    }
    if (keys != GSS_C_NO_BUFFER_SET) {
        size_t i;

        for (i = 0; i < keys->count; i++)
            mem_wipe(keys->elements[i].value, keys->elements[i].length);
        gss_release_buffer_set(&min, &keys);
    }
    /* Negotiate's two-leg client did not wait for the server's
     * mechListMIC (neg_ntlm_init). */
    if (c->nmsg != NULL && c->neg_wrap) {
        ntlm_msg_peer_mic_unseen(c->nmsg);
    } else if (c->neg_wrap && c->established && failed) {
        /* Without the engine gss-ntlmssp would refuse the server's
         * first message (number 1, after its mechListMIC): a context
         * that would fail later, for a call that failed (for want of
         * memory: gss-ntlmssp reports its OpenSSL's as a crypto
         * failure) now. The caller reads it as gss-ntlmssp's failed
         * import (SEC_E_INSUFFICIENT_MEMORY; alloc_torture's
         * negotiate-ntlm). */
        trace_cause("Negotiate: the two-leg NTLM context's messages "
                    "could not be taken (%s); without them the server's "
                    "first message would be refused -> "
                    "SEC_E_INSUFFICIENT_MEMORY", why);
        gss_delete_sec_context(&min, &c->gctx, GSS_C_NO_BUFFER);
        c->established = false;
        why = NULL;
    } else if (c->neg_wrap) {
        trace_printf("Negotiate: without the NTLM engine the server's "
                     "first message is expected to carry number 0; a "
                     "server that sent a mechListMIC uses 1");
    }
    /* Notes, not failures: the handshake succeeded either way. */
    if (c->nmsg != NULL)
        trace_printf("NTLM messages by sspigss (ntlm_msg.c), negotiated "
                     "flags 0x%08x", (unsigned)ntlm_msg_flags(c->nmsg));
    else if (why != NULL)
        trace_printf("NTLM messages stay with gss-ntlmssp: %s", why);
}

bool
ntlm_export_patch(struct gss_ctx *c, void *blob, size_t len)
{
    if (c->nmsg == NULL)
        return true;
    if (ntlm_msg_patch_export(c->nmsg, blob, len))
        return true;
    trace_cause("NTLM: gss-ntlmssp's export has no room for sspigss's "
                "message state -> SEC_E_CANNOT_PACK");
    return false;
}

bool
gss_ctx_ntlm_engine(struct handle_obj *obj)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;
    bool on;

    pthread_mutex_lock(&c->lock);
    on = c->nmsg != NULL;
    pthread_mutex_unlock(&c->lock);
    return on;
}

void
gss_ctx_ntlm_engine_off(struct handle_obj *obj)
{
    struct gss_ctx *c = (struct gss_ctx *)obj;

    pthread_mutex_lock(&c->lock);
    ntlm_msg_free(c->nmsg);
    c->nmsg = NULL;
    pthread_mutex_unlock(&c->lock);
}

/* Little-endian fields of NTLM messages (MS-NLMP 2.2). */
static uint16_t
le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

/* A payload field (Len, MaxLen, Offset at p + at) lies within len. */
static bool
field_within(const unsigned char *p, size_t at, size_t len)
{
    size_t n = le16(p + at), off = le32(p + at + 4);

    return n == 0 || (off <= len && n <= len - off);
}

/*
 * MS-NLMP 2.2.1: an NTLM message ("NTLMSSP\0", MessageType at offset 8)
 * that arrived whole: its fixed part (NEGOTIATE 16 bytes, CHALLENGE 48,
 * AUTHENTICATE 64, and the 8-byte Version after them when
 * NTLMSSP_NEGOTIATE_VERSION is set; a NEGOTIATE's two fields only when
 * it is long enough to have them, as older clients send 16 bytes) and
 * every payload field it names lie within len. Returns the MessageType,
 * 0 for a message cut short or of no known type.
 */
unsigned
ntlm_message_whole(const void *token, size_t len)
{
    static const size_t fields2[] = { 12, 40 };
    static const size_t fields3[] = { 12, 20, 28, 36, 44, 52 };
    const unsigned char *p = token;
    const size_t *fields;
    size_t fixed, nfields, i;
    uint32_t type, flags;

    if (p == NULL || len < 16 || memcmp(p, "NTLMSSP", 8) != 0)
        return 0;
    type = le32(p + 8);
    switch (type) {
    case 1:
        flags = le32(p + 12);
        fixed = (flags & 0x02000000u) ? 40 : len >= 32 ? 32 : 16;
        fields = fields2;           /* unused: checked below */
        nfields = 0;
        break;
    case 2:
        if (len < 24)
            return 0;
        flags = le32(p + 20);
        fixed = (flags & 0x02000000u) ? 56 : 48;
        fields = fields2;
        nfields = 2;
        break;
    case 3:
        if (len < 64)
            return 0;
        flags = le32(p + 60);
        fixed = (flags & 0x02000000u) ? 72 : 64;
        fields = fields3;
        nfields = 6;
        break;
    default:
        return 0;
    }
    if (len < fixed)
        return 0;
    if (type == 1 && fixed >= 32)
        return field_within(p, 16, len) && field_within(p, 24, len) ? 1 : 0;
    for (i = 0; i < nfields; i++)
        if (!field_within(p, fields[i], len))
            return 0;
    return type;
}

/*
 * MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE: "NTLMSSP\0", MessageType 2 (offset
 * 8), TargetNameFields (Len, MaxLen, Offset; offset 12), NegotiateFlags
 * (offset 20). gss-ntlmssp 1.2.0 decodes an empty TargetName under
 * NTLMSSP_NEGOTIATE_UNICODE into no buffer and then writes its
 * terminator there when NTLMSSP_TARGET_TYPE_DOMAIN or _SERVER is set:
 * a server (or anyone in the path) could crash the client. Such a
 * message is refused before it reaches gss-ntlmssp. Windows itself
 * takes an empty TargetName; no real server sends one with those flags.
 */
bool
ntlm_challenge_unsafe(const void *token, size_t len)
{
    const unsigned char *p = token;
    uint32_t type, flags;
    uint16_t name_len;

    if (p == NULL || len < 24 || memcmp(p, "NTLMSSP", 8) != 0)
        return false;
    type = le32(p + 8);
    name_len = le16(p + 12);
    flags = le32(p + 20);
    return type == 2 && name_len == 0 && (flags & 0x00000001u) != 0
           && (flags & (0x00010000u | 0x00020000u)) != 0;
}

/*
 * MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE: MessageType 3 (offset 8),
 * EncryptedRandomSessionKeyFields (Len, MaxLen, Offset; offset 52),
 * NegotiateFlags (offset 60). A 16-byte key is the only one MS-NLMP
 * defines (3.1.5.1.2); gss-ntlmssp 1.2.0 copies 16 bytes without looking
 * at the length when key exchange is on (src/gss_sec_ctx.c), so any
 * other length is refused before it sees the message. "On" is what its
 * CHALLENGE negotiated (kx), not what the AUTHENTICATE says: gss-ntlmssp
 * reads its own flags there, and nothing the NTLMv2 proof covers stops
 * anyone in the path from clearing the AUTHENTICATE's
 * (fuzz_negotiate_accept's regress-empty-session-key-flags).
 */
static bool
authenticate_unsafe(const void *token, size_t len, bool kx)
{
    const unsigned char *p = token;
    uint32_t type, flags;
    uint16_t key_len;

    if (p == NULL || len < 64 || memcmp(p, "NTLMSSP", 8) != 0)
        return false;
    type = le32(p + 8);
    if (type != 3)
        return false;
    key_len = le16(p + 52);
    flags = le32(p + 60);
    if (key_len != 0 && key_len != 16)
        return true;
    return key_len == 0 && (kx || (flags & 0x40000000u) != 0);
}

bool
ntlm_authenticate_unsafe(const void *token, size_t len)
{
    return authenticate_unsafe(token, len, false);
}

bool
ntlm_authenticate_unsafe_kx(const void *token, size_t len)
{
    return authenticate_unsafe(token, len, true);
}

bool
ntlm_challenge_key_exch(const void *token, size_t len)
{
    const unsigned char *p = token;

    return p != NULL && len >= 24 && memcmp(p, "NTLMSSP", 8) == 0
           && le32(p + 8) == 2 && (le32(p + 20) & 0x40000000u) != 0;
}
