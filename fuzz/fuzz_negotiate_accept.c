/*
 * fuzz_negotiate_accept.c - libFuzzer target: AcceptSecurityContext
 * ("Negotiate") on hostile tokens: first tokens (a SPNEGO NegTokenInit,
 * or a mechanism's own token that lib/negotiate.c neg_raw_mech() takes
 * without SPNEGO: a raw NTLMSSP message, a raw Kerberos AP-REQ), and the
 * second token (a NegTokenResp carrying the NTLM AUTHENTICATE and the
 * mechListMIC) after a real first leg with an NTLM-only client. The
 * acceptor has a keytab for host/fuzz.test@FUZZ.TEST (realm.h) and an
 * NTLM user file (fixed.h), so tokens reach MIT's SPNEGO decoder, both
 * mechanisms, the library's mechListMIC check and its mapping. Kerberos
 * seeds are alice's forged ticket (realm.c); NTLM's randomness and clock
 * are fixed (fixed.c), so a real AUTHENTICATE written as a seed is valid
 * for every later run's first leg.
 *
 * Input: byte 0 chooses the mode, the rest is the token.
 *   bit 0  0: the token is the first one, given to a fresh context;
 *          1: an NTLM-only client (SEC_WINNT_AUTH_IDENTITY_EXA with
 *             PackageList "NTLM": the library's own two-leg SPNEGO
 *             framing, lib/negotiate.c neg_ntlm_init) and the server make
 *             a real NegTokenInit and NegTokenResp (NTLM NEGOTIATE,
 *             CHALLENGE), the client is dropped, and the token is the
 *             server's second input
 *   bit 1  (second tokens) the server's call has no output descriptor,
 *          as sspilib's callers make it once the client is done: the
 *          final negState-and-mechListMIC token is dropped
 *          (lib/pkg_gss.c final_unwanted), any other token is
 *          SEC_E_BUFFER_TOO_SMALL
 * Other bits are ignored. Every token is its own exact-size copy. Every
 * token also goes straight to the library's SPNEGO readers
 * (lib/negotiate.c neg_resp_parse, neg_init_sole_ntlm), whose answers
 * must stay inside it.
 * Known bugs (fixed.h) are stepped around: second tokens that would
 * crash gss-ntlmssp itself are skipped, and a Kerberos-framed first token
 * other than an AP-REQ may get SEC_I_CONTINUE_NEEDED without a token.
 *
 * What must hold: every call gives a known SEC_E_ code, or
 *  - SEC_I_CONTINUE_NEEDED with an output token, for a first token only
 *    when it is GSS-framed (0x60: SPNEGO, Kerberos) or an NTLM NEGOTIATE,
 *    for a second token only when it is a NegTokenResp (0xa1);
 *  - SEC_E_OK for a first token only when it is GSS-framed (Kerberos
 *    completes in one leg), for a second only when it is a NegTokenResp
 *    holding an NTLM AUTHENTICATE, and then for alice (SECPKG_ATTR_NAMES),
 *    the only user either mechanism knows;
 *  - without an output descriptor, never SEC_I_CONTINUE_NEEDED;
 *  - neg_resp_parse accepts only a [1] NegTokenResp, and its fields lie
 *    inside the token; neg_init_sole_ntlm only a GSS-framed token;
 * a failed call hands out no token; each context deletes with SEC_E_OK;
 * nothing is left behind (handles, context buffers, memory; run.sh
 * suppresses gss-ntlmssp's own leaks, tests/lsan-gssntlmssp.supp).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixed.h"
#include "gss_int.h"
#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECOND 0x01
#define NO_OUTPUT 0x02

/* The NTLM-only client's target: an SPN (gss-ntlmssp takes no realm);
 * the Kerberos clients' is REALM_TARGET. */
#define NTLM_TARGET "host/fuzz.test"

#define ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY \
                 | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT \
                 | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_ALLOCATE_MEMORY)

/* The server; the NTLM-only client; for seeds, a default Negotiate
 * client (alice's ticket, then NTLM), and NTLM's and Kerberos' own. */
static CredHandle server_cred, ntlm_only, neg_default, ntlm_pkg, krb_pkg;

/* ------------------------------------------------------------- helpers */

static void
known(SECURITY_STATUS st, const char *call)
{
    if (strcmp(sspigss_status_name(st), "(unknown)") == 0
        || (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED
            && !(st & 0x80000000u))) {
        fprintf(stderr, "%s returned 0x%08X\n", call, (unsigned)st);
        abort();
    }
}

/* An NTLM message of the type at t (MS-NLMP 2.2.1), or anywhere in t
 * (inside a SPNEGO token) when anywhere is true. */
static bool
ntlm_message(const unsigned char *t, size_t n, unsigned type, bool anywhere)
{
    size_t i;

    for (i = 0; n >= 12 && i <= n - 12; i++) {
        if (memcmp(t + i, "NTLMSSP", 8) == 0 && t[i + 8] == type
            && t[i + 9] == 0 && t[i + 10] == 0 && t[i + 11] == 0)
            return true;
        if (!anywhere)
            break;
    }
    return false;
}

/*
 * A known library bug (fixed.h): a first token framed as a Kerberos
 * token (RFC 2743 3.1 with the krb5 OID, RFC 4121 4.1) whose token ID is
 * not an AP-REQ's (01 00) makes MIT's acceptor answer
 * GSS_S_CONTINUE_NEEDED without a token or a context (its
 * KRB5KRB_AP_ERR_MSG_TYPE case), which lib/pkg_gss.c gssp_accept passes
 * on as SEC_I_CONTINUE_NEEDED with nothing to send. Tolerated while
 * fixed_known_bugs(); reproducer
 * fuzz/corpus/negotiate_accept/regress-krb5-wrong-token-id (the library
 * refuses it now: SEC_E_INVALID_TOKEN).
 */
static bool
krb5_other_token(const unsigned char *t, size_t n)
{
    static const unsigned char oid[] = {
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
    };
    size_t hdr;

    if (!fixed_known_bugs() || n < 2 || t[0] != 0x60)
        return false;
    hdr = t[1] < 0x80 ? 2 : 2 + (t[1] & 0x7f);
    return n >= hdr + sizeof(oid) + 2
           && memcmp(t + hdr, oid, sizeof(oid)) == 0
           && !(t[hdr + sizeof(oid)] == 0x01
                && t[hdr + sizeof(oid) + 1] == 0x00);
}

static void
delete_ctx(CtxtHandle *h)
{
    if (DeleteSecurityContext(h) != SEC_E_OK)
        abort();
}

/*
 * One call: InitializeSecurityContext with cred (client) or
 * AcceptSecurityContext with the server's, the token in an exact-size
 * copy. Returns the status; *out gets a malloc'd copy of the output
 * token (NULL when there is none).
 */
static SECURITY_STATUS
leg_out(CredHandle *client, const char *target, CtxtHandle *ctx,
        bool have_ctx, const void *tok, size_t len, bool output,
        unsigned char **out, size_t *out_len)
{
    void *copy = malloc(len ? len : 1);
    SecBuffer in = { (ULONG)len, SECBUFFER_TOKEN, copy };
    SecBuffer o = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &in };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &o };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (copy == NULL)
        abort();
    if (len > 0)
        memcpy(copy, tok, len);
    if (client != NULL)
        st = InitializeSecurityContextA(
            client, have_ctx ? ctx : NULL, (SEC_CHAR *)target, ISC_REQ, 0,
            SECURITY_NATIVE_DREP, tok != NULL ? &ind : NULL, 0, ctx, &outd,
            &attrs, &ts);
    else
        st = AcceptSecurityContext(&server_cred, have_ctx ? ctx : NULL,
                                   &ind, ASC_REQ, SECURITY_NATIVE_DREP, ctx,
                                   output ? &outd : NULL, &attrs, &ts);
    known(st, client != NULL ? "InitializeSecurityContext"
                             : "AcceptSecurityContext");
    free(copy);
    if (st < 0 && (o.cbBuffer != 0 || o.pvBuffer != NULL))
        abort();                    /* a failed call hands out nothing */
    *out = NULL;
    *out_len = o.cbBuffer;
    if (o.cbBuffer > 0) {
        *out = malloc(o.cbBuffer);
        if (*out == NULL)
            abort();
        memcpy(*out, o.pvBuffer, o.cbBuffer);
    }
    if (o.pvBuffer != NULL && FreeContextBuffer(o.pvBuffer) != SEC_E_OK)
        abort();
    return st;
}

/* leg_out with an output descriptor, as every call but one makes it. */
static SECURITY_STATUS
leg(CredHandle *client, const char *target, CtxtHandle *ctx, bool have_ctx,
    const void *tok, size_t len, unsigned char **out, size_t *out_len)
{
    return leg_out(client, target, ctx, have_ctx, tok, len, true, out,
                   out_len);
}

/*
 * The library's SPNEGO readers on the token as it came (libFuzzer's
 * exact-size buffer: a read past it is ASan's finding): what they
 * accept has the tag they read, and neg_resp_parse's fields lie inside
 * the token.
 */
static void
readers(const unsigned char *tok, size_t len)
{
    struct neg_resp r;
    const unsigned char *end = tok + len;

    if (neg_resp_parse(tok, len, &r)) {
        if (len == 0 || tok[0] != 0xa1 || r.state < -1 || r.state > 255)
            abort();
        if ((r.mech != NULL
             && (r.mech < tok || r.mech_len > (size_t)(end - r.mech)))
            || (r.token != NULL
                && (r.token < tok || r.token_len > (size_t)(end - r.token)))
            || (r.mic != NULL
                && (r.mic < tok || r.mic_len > (size_t)(end - r.mic))))
            abort();
    }
    if (neg_init_sole_ntlm(tok, len) && (len == 0 || tok[0] != 0x60))
        abort();
}

/* The first leg of every second-token input: the NTLM-only client's
 * NegTokenInit, the server's NegTokenResp. The client is handed back in
 * *client (for seeds) or deleted. */
static void
first_leg(CtxtHandle *server, CtxtHandle *client, unsigned char **resp,
          size_t *resp_len)
{
    CtxtHandle c;
    unsigned char *init;
    size_t init_len;

    fixed_rng_reset();
    if (leg(&ntlm_only, NTLM_TARGET, &c, false, NULL, 0, &init,
            &init_len) != SEC_I_CONTINUE_NEEDED
        || leg(NULL, NULL, server, false, init, init_len, resp, resp_len)
            != SEC_I_CONTINUE_NEEDED)
        abort();
    free(init);
    if (client != NULL)
        *client = c;
    else
        delete_ctx(&c);
}

/* An accepted context is alice's: "DOMAIN\alice" (any case). */
static void
check_user(CtxtHandle *ctx)
{
    SecPkgContext_NamesA n;
    const char *u;

    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &n) != SEC_E_OK)
        abort();
    u = strrchr(n.sUserName, '\\');
    u = u != NULL ? u + 1 : n.sUserName;
    if (strcasecmp(u, FIXED_NTLM_USER) != 0) {
        fprintf(stderr, "accepted as %s\n", n.sUserName);
        abort();
    }
    if (FreeContextBuffer(n.sUserName) != SEC_E_OK)
        abort();
}

/* ---------------------------------------------------------- one input */

static SECURITY_STATUS
one_input(const uint8_t *data, size_t size)
{
    const unsigned char *tok = data + 1;
    size_t len = size - 1, out_len;
    unsigned char *out = NULL;
    CtxtHandle server;
    SECURITY_STATUS st;

    if (size < 1)
        return SEC_E_INVALID_TOKEN;
    readers(tok, len);
    if (!(data[0] & SECOND)) {
        bool framed = len > 0 && tok[0] == 0x60;

        realm_rng_reset();
        fixed_rng_reset();
        st = leg(NULL, NULL, &server, false, tok, len, &out, &out_len);
        if (st == SEC_I_CONTINUE_NEEDED) {
            if ((out_len == 0 && !krb5_other_token(tok, len))
                || (!framed && !ntlm_message(tok, len, 1, false)))
                abort();
        } else if (st == SEC_E_OK) {
            if (!framed)
                abort();
            check_user(&server);
        }
        if (st >= 0)
            delete_ctx(&server);
    } else {
        unsigned char *resp;
        size_t resp_len;
        bool output = !(data[0] & NO_OUTPUT);

        if (fixed_ntlm_known_bug(tok, len))
            return SEC_E_INVALID_TOKEN;     /* not ours: fixed.h */
        fixed_clock(true);
        first_leg(&server, NULL, &resp, &resp_len);
        free(resp);
        st = leg_out(NULL, NULL, &server, true, tok, len, output, &out,
                     &out_len);
        fixed_clock(false);
        if (st == SEC_I_CONTINUE_NEEDED) {
            /* A token to send and nowhere to put it is
             * SEC_E_BUFFER_TOO_SMALL (lib/pkg_gss.c output_fits). */
            if (!output || out_len == 0 || len == 0 || tok[0] != 0xa1)
                abort();
        } else if (st == SEC_E_OK) {
            if (len == 0 || tok[0] != 0xa1
                || !ntlm_message(tok, len, 3, true))
                abort();
            check_user(&server);
        }
        delete_ctx(&server);
    }
    free(out);
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        abort();
    return st;
}

/* ------------------------------------------------------------- seeds */

/* Write a seed (mode byte, token) and check the harness's verdict. */
static void
seed(const char *name, unsigned char mode, const unsigned char *tok,
     size_t len, SECURITY_STATUS want)
{
    unsigned char *in = malloc(1 + len);
    SECURITY_STATUS st;

    if (in == NULL)
        abort();
    realm_seed(name, &mode, 1, tok, len);
    in[0] = mode;
    memcpy(in + 1, tok, len);
    st = one_input(in, 1 + len);
    if (st != want) {
        fprintf(stderr, "seed %s: %s, not %s (%s)\n", name,
                sspigss_status_name(st), sspigss_status_name(want),
                sspigss_last_error());
        abort();
    }
    free(in);
}

/* A client's first token; sole: whether it offers NTLM alone
 * (neg_init_sole_ntlm must say so). */
static void
first_token(CredHandle *cred, const char *target, const char *name,
            SECURITY_STATUS want, bool sole)
{
    unsigned char *tok;
    size_t len;
    CtxtHandle c;

    realm_rng_reset();
    fixed_rng_reset();
    if (leg(cred, target, &c, false, NULL, 0, &tok, &len)
        != SEC_I_CONTINUE_NEEDED)
        abort();
    delete_ctx(&c);
    if (neg_init_sole_ntlm(tok, len) != sole) {
        fprintf(stderr, "seed %s: neg_init_sole_ntlm says %d\n", name,
                !sole);
        abort();
    }
    seed(name, 0, tok, len, want);
    free(tok);
}

static void
seeds(void)
{
    unsigned char *resp, *auth;
    size_t resp_len, auth_len;
    CtxtHandle c, s;

    first_token(&ntlm_only, NTLM_TARGET, "init-ntlm",
                SEC_I_CONTINUE_NEEDED, true);
    first_token(&neg_default, REALM_TARGET, "init-kerberos", SEC_E_OK,
                false);
    first_token(&ntlm_pkg, NTLM_TARGET, "raw-ntlm-negotiate",
                SEC_I_CONTINUE_NEEDED, false);
    first_token(&krb_pkg, REALM_TARGET, "raw-ap-req", SEC_E_OK, false);

    /* The client offering NTLM alone is done after its AUTHENTICATE
     * (ISC #2 SEC_E_OK). */
    fixed_clock(true);
    first_leg(&s, &c, &resp, &resp_len);
    if (leg(&ntlm_only, NTLM_TARGET, &c, true, resp, resp_len, &auth,
            &auth_len) != SEC_E_OK)
        abort();
    fixed_clock(false);
    delete_ctx(&c);
    delete_ctx(&s);
    seed("resp-authenticate", SECOND, auth, auth_len, SEC_E_OK);
    seed("resp-authenticate-no-output", SECOND | NO_OUTPUT, auth, auth_len,
         SEC_E_OK);
    free(resp);
    free(auth);
}

static void
acquire(const char *pkg, ULONG use, void *auth, CredHandle *out)
{
    TimeStamp ts;
    SECURITY_STATUS st;

    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, use, NULL, auth,
                                   NULL, NULL, out, &ts);
    if (st != SEC_E_OK) {
        fprintf(stderr, "AcquireCredentialsHandle(%s): %s (%s)\n", pkg,
                sspigss_status_name(st), sspigss_last_error());
        abort();
    }
}

/* Before libFuzzer reads the corpus, so that the seeds written count. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    SEC_WINNT_AUTH_IDENTITY_A id;

    (void)argc, (void)argv;
    /* Before the first SSPI call: MIT's libraries and gss-ntlmssp read
     * their environment when first used. */
    realm_setup();
    fixed_ntlm_setup();

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)FIXED_NTLM_USER;
    id.UserLength = sizeof(FIXED_NTLM_USER) - 1;
    id.Domain = (unsigned char *)FIXED_NTLM_DOMAIN;
    id.DomainLength = sizeof(FIXED_NTLM_DOMAIN) - 1;
    id.Password = (unsigned char *)FIXED_NTLM_PASSWORD;
    id.PasswordLength = sizeof(FIXED_NTLM_PASSWORD) - 1;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = id.User;
    ex.UserLength = id.UserLength;
    ex.Domain = id.Domain;
    ex.DomainLength = id.DomainLength;
    ex.Password = id.Password;
    ex.PasswordLength = id.PasswordLength;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)"NTLM";
    ex.PackageListLength = 4;

    acquire("Negotiate", SECPKG_CRED_INBOUND, NULL, &server_cred);
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, &ex, &ntlm_only);
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, NULL, &neg_default);
    acquire("NTLM", SECPKG_CRED_OUTBOUND, &id, &ntlm_pkg);
    realm_cred(SECPKG_CRED_OUTBOUND, &krb_pkg);
    seeds();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)one_input(data, size);
    return 0;
}
