/*
 * fuzz_initiate.c - libFuzzer target: InitializeSecurityContext("Kerberos")
 * continuation tokens, the AP-REP (or KRB-ERROR) a client waits for after
 * asking for mutual authentication. The client is alice with a forged
 * ticket for host/fuzz.test (realm.c: no KDC); each input gets a fresh
 * context that has just sent its AP-REQ, and is the token of the second
 * call, so it reaches the library's framing check, MIT's AP-REP and
 * KRB-ERROR decoders, decryption in the ticket's (fixed) session key and
 * the library's mapping.
 *
 * What must hold: the second call gives a known SEC_E_ code, or SEC_E_OK
 * with mutual authentication for a token that is at least framed as a
 * Kerberos AP-REP, never a SEC_I_ code; the context then deletes with
 * SEC_E_OK; nothing is left behind (handles, context buffers, memory).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY)

/* RFC 2743 3.1 framing of a Kerberos token: 0x60, DER length, the krb5
 * mechanism OID, then the two-byte token ID (RFC 4121 4.1). */
static const unsigned char krb5_oid_der[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};

static CredHandle cred;

/* A known status code, or abort with it. */
static void
known(SECURITY_STATUS st, const char *call)
{
    if (strcmp(sspigss_status_name(st), "(unknown)") == 0) {
        fprintf(stderr, "%s returned 0x%08X, not an SSPI code\n", call,
                (unsigned)st);
        abort();
    }
}

/* Whether a token is framed as a Kerberos AP-REP (token ID 02 00). */
static bool
framed_ap_rep(const unsigned char *t, size_t n)
{
    size_t hdr;

    if (n < 2 || t[0] != 0x60)
        return false;
    hdr = t[1] < 0x80 ? 2 : 2 + (t[1] & 0x7f);
    return n >= hdr + sizeof(krb5_oid_der) + 2
           && memcmp(t + hdr, krb5_oid_der, sizeof(krb5_oid_der)) == 0
           && t[hdr + sizeof(krb5_oid_der)] == 0x02
           && t[hdr + sizeof(krb5_oid_der) + 1] == 0x00;
}

/*
 * First call of a client context: no input, must give CONTINUE_NEEDED
 * and an AP-REQ. The token (a context buffer) is handed to *tok, or
 * freed when tok is NULL.
 */
static void
first_call(CtxtHandle *ctx, SecBuffer *tok)
{
    SecBuffer out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    st = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)REALM_TARGET,
                                    REQ, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                    ctx, &outd, &attrs, &ts);
    if (st != SEC_I_CONTINUE_NEEDED || out.cbBuffer == 0) {
        fprintf(stderr, "first InitializeSecurityContext: %s (%s)\n",
                sspigss_status_name(st), sspigss_last_error());
        abort();
    }
    if (tok != NULL)
        *tok = out;
    else if (FreeContextBuffer(out.pvBuffer) != SEC_E_OK)
        abort();
}

/* Append the DER length n at p; returns the number of bytes written. */
static size_t
der_len(unsigned char *p, size_t n)
{
    if (n < 0x80) {
        p[0] = (unsigned char)n;
        return 1;
    }
    p[0] = 0x82;
    p[1] = (unsigned char)(n >> 8);
    p[2] = (unsigned char)n;
    return 3;
}

/* A KRB-ERROR token of the GSS mechanism (token ID 03 00) with code. */
static void
seed_krb_error(krb5_context k, const char *name, krb5_error_code code)
{
    unsigned char head[32];
    krb5_error e;
    krb5_data der;
    size_t n = 0;

    memset(&e, 0, sizeof(e));
    e.stime = 1700000000;
    e.error = (krb5_ui_4)code;
    if (krb5_parse_name(k, REALM_TARGET, &e.server) != 0
        || krb5_mk_error(k, &e, &der) != 0)
        abort();
    head[n++] = 0x60;
    n += der_len(head + n, sizeof(krb5_oid_der) + 2 + der.length);
    memcpy(head + n, krb5_oid_der, sizeof(krb5_oid_der));
    n += sizeof(krb5_oid_der);
    head[n++] = 0x03;
    head[n++] = 0x00;
    realm_seed(name, head, n, der.data, der.length);
    krb5_free_data_contents(k, &der);
    krb5_free_principal(k, e.server);
}

/*
 * Seed files: the service's real AP-REP to one of our AP-REQs (it
 * decrypts, in the fixed session key, in any run; only its time stamp
 * differs from what a later AP-REQ expects), the AP-REQ itself (a token
 * of the wrong direction), and KRB-ERROR tokens.
 */
static void
write_seeds(void)
{
    CredHandle server;
    CtxtHandle c, s;
    SecBuffer req, rep = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &req };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &rep };
    krb5_context k;
    ULONG attrs;
    TimeStamp ts;

    realm_cred(SECPKG_CRED_INBOUND, &server);
    first_call(&c, &req);
    if (AcceptSecurityContext(&server, NULL, &ind, ASC_REQ_ALLOCATE_MEMORY,
                              SECURITY_NATIVE_DREP, &s, &outd, &attrs, &ts)
        != SEC_E_OK || !framed_ap_rep(rep.pvBuffer, rep.cbBuffer))
        abort();
    realm_seed("ap-rep", rep.pvBuffer, rep.cbBuffer, NULL, 0);
    realm_seed("ap-req", req.pvBuffer, req.cbBuffer, NULL, 0);
    FreeContextBuffer(rep.pvBuffer);
    FreeContextBuffer(req.pvBuffer);
    DeleteSecurityContext(&s);
    DeleteSecurityContext(&c);
    FreeCredentialsHandle(&server);
    if (krb5_init_context(&k) != 0)
        abort();
    /* KRB-ERROR carries the protocol number, not the com_err code. */
    seed_krb_error(k, "krb-error-skew",
                   KRB5KRB_AP_ERR_SKEW - ERROR_TABLE_BASE_krb5);
    seed_krb_error(k, "krb-error-modified",
                   KRB5KRB_AP_ERR_MODIFIED - ERROR_TABLE_BASE_krb5);
    krb5_free_context(k);
}

/* Before libFuzzer reads the corpus, so that the seeds written count. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    realm_setup();
    realm_cred(SECPKG_CRED_OUTBOUND, &cred);
    write_seeds();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    SecBuffer in, out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &in };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
    CtxtHandle ctx;
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS st;

    /* The same AP-REQ (subkey, sequence number) for every input. */
    realm_rng_reset();
    first_call(&ctx, NULL);
    /* An exact-size copy, so that ASan sees any read past the token. */
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    in.cbBuffer = (ULONG)size;
    in.BufferType = SECBUFFER_TOKEN;
    in.pvBuffer = copy;
    st = InitializeSecurityContextA(&cred, &ctx, (SEC_CHAR *)REALM_TARGET,
                                    REQ, 0, SECURITY_NATIVE_DREP, &ind, 0,
                                    &ctx, &outd, &attrs, &ts);
    known(st, "InitializeSecurityContext");
    if (st == SEC_E_OK) {
        /* Only a real AP-REP completes the context; it needs no answer. */
        if (!framed_ap_rep(copy, size) || !(attrs & ISC_RET_MUTUAL_AUTH)
            || out.cbBuffer != 0)
            abort();
    } else if (!(st & 0x80000000u)) {
        abort();                /* no SEC_I_ code ends a mutual handshake */
    }
    if (out.pvBuffer != NULL && FreeContextBuffer(out.pvBuffer) != SEC_E_OK)
        abort();
    if (DeleteSecurityContext(&ctx) != SEC_E_OK)
        abort();
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        abort();
    free(copy);
    return 0;
}
