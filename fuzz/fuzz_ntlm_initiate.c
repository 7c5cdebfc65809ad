/*
 * fuzz_ntlm_initiate.c - libFuzzer target: the client side of NTLM and
 * Negotiate fed by a hostile server: InitializeSecurityContext("NTLM")
 * given an arbitrary CHALLENGE, and InitializeSecurityContext
 * ("Negotiate") given an arbitrary server reply (a SPNEGO NegTokenResp,
 * or anything else). The clients are alice of FUZZ with her password
 * (fixed.h) and, for Kerberos, alice with her forged ticket for
 * host/fuzz.test@FUZZ.TEST (realm.h); the server that makes the seeds and
 * the earlier legs is the library's own Negotiate acceptor over the
 * keytab and the NTLM user file. Randomness and, for NTLM, the clock are
 * fixed (fixed.c, realm.c), so a server reply written as a seed by one
 * run answers the client of every later run, and mutations of it reach
 * gss-ntlmssp's CHALLENGE parsing (target information, flags, the
 * NTLMv2 response and MIC it computes from them), MIT's SPNEGO client
 * (negState, supportedMech, responseToken, the mechListMIC it checks) and
 * the library's mapping.
 *
 * Input: byte 0 chooses the mode, the rest is the server's token.
 *   bits 0-1  0: NTLM: the token answers the client's NEGOTIATE (ISC#2);
 *             1: Negotiate, NTLM alone (PackageList "NTLM", the library's
 *                own SPNEGO framing, lib/negotiate.c neg_ntlm_init): the
 *                token answers the NegTokenInit (ISC#2), the client's
 *                last call; then the real server takes the client's
 *                final token without an output buffer, as sspilib's
 *                callers do, and messages go both ways;
 *             2: Negotiate, NTLM only through MIT's SPNEGO (PackageList
 *                "!Kerberos", three legs), after a real NegTokenInit,
 *                CHALLENGE and AUTHENTICATE: the token is the server's
 *                last reply, where the mechListMIC is checked (ISC#3);
 *             3: Negotiate with alice's ticket (Kerberos first): the
 *                token answers the NegTokenInit holding the AP-REQ
 *                (ISC#2; the Kerberos clock is real, so the AP-REP of a
 *                seed decrypts but no longer matches: as fuzz_initiate)
 * Other bits are ignored. Every token is its own exact-size copy.
 * Tokens that would crash gss-ntlmssp's client itself (a known bug
 * outside the library, empty_target_name() below) are skipped.
 *
 * Seeds are written at start-up (realm_seed): the real reply of each
 * mode, each of which (but mode 3's) must complete its call. Checked in
 * beside them: neg-krb-error-* (mode 3), fuzz_initiate's KRB-ERROR
 * tokens as the responseToken of a NegTokenResp (accept-incomplete).
 *
 * What must hold: every call gives a known SSPI code, and
 *  - NTLM: SEC_E_OK only for a CHALLENGE message, with an AUTHENTICATE
 *    message as output; never SEC_I_CONTINUE_NEEDED;
 *  - Negotiate: SEC_E_OK or SEC_I_CONTINUE_NEEDED only for a
 *    NegTokenResp (0xa1);
 *  - mode 1: never SEC_I_CONTINUE_NEEDED (the client is done after its
 *    AUTHENTICATE, as Windows' is); SEC_E_OK only with a NegTokenResp
 *    out that holds an AUTHENTICATE. When the reply's CHALLENGE is the
 *    real server's own (its framing may differ), the server must accept
 *    that token with SEC_E_OK and no output buffer, and a sealed message
 *    must open at the other end each way, the server's first (its
 *    unsent mechListMIC took sequence number 0: ntlm_msg_peer_mic_unseen);
 *    for any other reply, whatever the server and the messages (the
 *    client's own back to itself when the server refuses) answer must
 *    be a known code;
 * a failed call hands out no token; a complete context answers
 * SECPKG_ATTR_SIZES; each context deletes with SEC_E_OK; nothing is left
 * behind (handles, context buffers, memory; run.sh suppresses
 * gss-ntlmssp's own leaks, tests/lsan-gssntlmssp.supp).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "gss_int.h"
#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MODE_NTLM 0
#define MODE_NEG_NTLM 1
#define MODE_NEG_LAST 2
#define MODE_NEG_KERBEROS 3

/* gss-ntlmssp takes an SPN without a realm; Kerberos needs the realm. */
#define NTLM_TARGET "host/fuzz.test"

#define ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY \
                 | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT \
                 | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_ALLOCATE_MEMORY)

/* NTLM's client; Negotiate's clients: NTLM alone (PackageList "NTLM",
 * two legs), NTLM through MIT's SPNEGO ("!Kerberos", three legs), the
 * default; the server. */
static CredHandle ntlm_client, neg_ntlm, neg_not_krb, neg_default, server;

/* A token: malloc'd bytes and their length. */
struct tok {
    unsigned char *p;
    size_t n;
};

/* ------------------------------------------------------------- helpers */

static void
known(SECURITY_STATUS st, const char *call)
{
    if (strcmp(sspigss_status_name(st), "(unknown)") == 0
        || (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED
            && !(st & 0x80000000u))) {
        fprintf(stderr, "%s returned 0x%08X (%s)\n", call, (unsigned)st,
                sspigss_last_error());
        abort();
    }
}

/* An NTLM message of the type at t (MS-NLMP 2.2.1: "NTLMSSP\0" and the
 * type, 32 bits little-endian), or anywhere in t (inside a SPNEGO token)
 * when anywhere is true. */
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
 * Not the library's (fixed.h, "Known bugs"): whether t holds an NTLM
 * CHALLENGE (raw, or inside a SPNEGO token) that crashes gss-ntlmssp
 * 1.2.0's client, and fixed_known_bugs(). With NEGOTIATE_UNICODE and a
 * target type (TARGET_TYPE_DOMAIN or _SERVER) set, an empty TargetName
 * makes ntlm_decode_u16l_str_hdr() (src/ntlm.c, called from
 * ntlm_decode_chal_msg) skip the allocation and then terminate the string
 * it did not allocate: a write to address 0, SIGSEGV, in every client
 * that meets such a server. Fixed upstream in 1.3.0 (commit a060d02,
 * "Fix potential crash when no target name is present"). Reproducers:
 * fuzz/corpus/ntlm_initiate/regress-empty-target-name* (the library
 * refuses them now: SEC_E_INVALID_TOKEN).
 */
static bool
empty_target_name(const unsigned char *t, size_t n)
{
    /* MS-NLMP 2.2.1.2: signature and type, TargetNameFields (Len at 12),
     * NegotiateFlags at 20. */
    static const unsigned char head[12] = {
        'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0
    };
    size_t i;

    if (!fixed_known_bugs())
        return false;
    for (i = 0; n >= 24 && i <= n - 24; i++) {
        const unsigned char *m = t + i;

        if (memcmp(m, head, sizeof(head)) == 0
            && (m[12] | m[13] << 8) == 0
            && (m[20] & 0x01)                   /* NEGOTIATE_UNICODE */
            && (m[22] & 0x03))                  /* TARGET_TYPE_* */
            return true;
    }
    return false;
}

static void
delete_ctx(CtxtHandle *h)
{
    if (DeleteSecurityContext(h) != SEC_E_OK)
        abort();
}

/*
 * One call: InitializeSecurityContext with cred (client: have_ctx says
 * whether *ctx exists yet) or, with cred NULL, AcceptSecurityContext with
 * the server's. The input token (none for a client's first call) is an
 * exact-size copy. Returns the status after the checks every call must
 * pass; *out (when not NULL) gets a malloc'd copy of the output token.
 */
static SECURITY_STATUS
leg(CredHandle *cred, const char *target, CtxtHandle *ctx, bool have_ctx,
    const struct tok *in, struct tok *out)
{
    void *copy = malloc(in != NULL && in->n > 0 ? in->n : 1);
    SecBuffer ib = { 0, SECBUFFER_TOKEN, copy };
    SecBuffer ob = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (copy == NULL)
        abort();
    if (in != NULL && in->n > 0) {
        memcpy(copy, in->p, in->n);
        ib.cbBuffer = (ULONG)in->n;
    }
    if (cred != NULL)
        st = InitializeSecurityContextA(
            cred, have_ctx ? ctx : NULL, (SEC_CHAR *)target, ISC_REQ, 0,
            SECURITY_NATIVE_DREP, in != NULL ? &ind : NULL, 0, ctx, &outd,
            &attrs, &ts);
    else
        st = AcceptSecurityContext(&server, have_ctx ? ctx : NULL, &ind,
                                   ASC_REQ, SECURITY_NATIVE_DREP, ctx, &outd,
                                   &attrs, &ts);
    known(st, cred != NULL ? "InitializeSecurityContext"
                           : "AcceptSecurityContext");
    free(copy);
    if (st < 0 && (ob.cbBuffer != 0 || ob.pvBuffer != NULL)) {
        fprintf(stderr, "a failed call (%s) hands out a token\n",
                sspigss_status_name(st));
        abort();
    }
    if (out != NULL) {
        out->n = ob.cbBuffer;
        out->p = malloc(ob.cbBuffer > 0 ? ob.cbBuffer : 1);
        if (out->p == NULL)
            abort();
        if (ob.cbBuffer > 0)
            memcpy(out->p, ob.pvBuffer, ob.cbBuffer);
    }
    if (ob.pvBuffer != NULL && FreeContextBuffer(ob.pvBuffer) != SEC_E_OK)
        abort();
    return st;
}

/* The client of a mode and its target. */
static CredHandle *
client_of(unsigned mode, const char **target)
{
    *target = mode == MODE_NEG_KERBEROS ? REALM_TARGET : NTLM_TARGET;
    return mode == MODE_NTLM ? &ntlm_client
           : mode == MODE_NEG_KERBEROS ? &neg_default
           : mode == MODE_NEG_LAST ? &neg_not_krb : &neg_ntlm;
}

/*
 * The legs before the fuzzed call, from restarted random streams (and
 * the NTLM clock pinned), as the seeds were made: the client's first
 * call and, for the last-reply mode, the real server's two legs and the
 * client's second. *c is the client context; when reply is not NULL it
 * gets the real server's answer to the fuzzed call's position; when srv
 * is not NULL (mode 1) the server's context is kept there for the leg
 * after the fuzzed call.
 */
static void
legs_before(unsigned mode, CtxtHandle *c, struct tok *reply, CtxtHandle *srv)
{
    struct tok t1, t2 = { NULL, 0 }, t3 = { NULL, 0 }, t4 = { NULL, 0 };
    const char *target;
    CredHandle *cred = client_of(mode, &target);
    CtxtHandle s;
    SECURITY_STATUS st;

    realm_rng_reset();
    fixed_rng_reset();
    if (leg(cred, target, c, false, NULL, &t1) != SEC_I_CONTINUE_NEEDED)
        abort();
    if (reply == NULL && srv == NULL && mode != MODE_NEG_LAST) {
        free(t1.p);
        return;
    }
    /* The server's answer (Kerberos completes it in one leg), and for
     * the last reply the client's AUTHENTICATE and the answer to that. */
    st = leg(NULL, NULL, &s, false, &t1, &t2);
    if (mode == MODE_NEG_KERBEROS ? st != SEC_E_OK
                                  : st != SEC_I_CONTINUE_NEEDED)
        abort();
    if (mode == MODE_NEG_LAST) {
        if (leg(cred, target, c, true, &t2, &t3) != SEC_I_CONTINUE_NEEDED
            || leg(NULL, NULL, &s, true, &t3, &t4) != SEC_E_OK)
            abort();
        free(t2.p);
        t2 = t4;
    }
    if (srv != NULL)
        *srv = s;
    else
        delete_ctx(&s);
    free(t1.p);
    free(t3.p);
    if (reply != NULL)
        *reply = t2;
    else
        free(t2.p);
}

/*
 * Mode 1's last leg: AcceptSecurityContext with the client's final
 * token and no output descriptor (sspilib's callers pass NULL once the
 * client is done; the library then drops its negState-and-mechListMIC
 * token, lib/pkg_gss.c final_unwanted).
 */
static SECURITY_STATUS
accept_final(CtxtHandle *s, const struct tok *in)
{
    void *copy = malloc(in->n > 0 ? in->n : 1);
    SecBuffer ib = { (ULONG)in->n, SECBUFFER_TOKEN, copy };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &ib };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (copy == NULL)
        abort();
    memcpy(copy, in->p, in->n);
    st = AcceptSecurityContext(&server, s, &ind, ASC_REQ,
                               SECURITY_NATIVE_DREP, s, NULL, &attrs, &ts);
    known(st, "AcceptSecurityContext (no output)");
    free(copy);
    return st;
}

/*
 * A message sealed at from, opened at to ([TOKEN, DATA] both ways, as
 * NTLM's SSPI callers lay it out). Returns the first failure, or
 * SEC_E_OK when the text came back; every status must be known.
 */
static SECURITY_STATUS
sealed(CtxtHandle *from, CtxtHandle *to)
{
    static const char text[] = "fuzz_ntlm_initiate";
    unsigned char sig[64], data[sizeof(text) - 1];
    SecPkgContext_Sizes sz;
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    ULONG qop;
    SECURITY_STATUS st;

    st = QueryContextAttributesA(from, SECPKG_ATTR_SIZES, &sz);
    known(st, "QueryContextAttributes");
    if (st != SEC_E_OK)
        return st;
    if (sz.cbSecurityTrailer > sizeof(sig))
        abort();
    memcpy(data, text, sizeof(data));
    b[0] = (SecBuffer){ sz.cbSecurityTrailer, SECBUFFER_TOKEN, sig };
    b[1] = (SecBuffer){ sizeof(data), SECBUFFER_DATA, data };
    st = EncryptMessage(from, 0, &d, 0);
    known(st, "EncryptMessage");
    if (st != SEC_E_OK)
        return st;
    st = DecryptMessage(to, &d, 0, &qop);
    known(st, "DecryptMessage");
    if (st == SEC_E_OK && (b[1].cbBuffer != sizeof(data)
                           || memcmp(b[1].pvBuffer, text, sizeof(data)) != 0))
        abort();
    return st;
}

/* Whether reply carries the same NTLM message as the real server's
 * answer, whatever the SPNEGO framing around it. */
static bool
same_challenge(const struct tok *reply, const struct tok *real)
{
    struct neg_resp a, b;

    return neg_resp_parse(reply->p, reply->n, &a)
           && neg_resp_parse(real->p, real->n, &b) && a.token != NULL
           && b.token != NULL && a.token_len == b.token_len
           && memcmp(a.token, b.token, a.token_len) == 0;
}

/* ---------------------------------------------------------- one input */

static void
fail(const char *what, SECURITY_STATUS st)
{
    fprintf(stderr, "fuzz_ntlm_initiate: %s (%s; %s)\n", what,
            sspigss_status_name(st), sspigss_last_error());
    abort();
}

/*
 * Mode 1 after the client's SEC_E_OK: the real server takes the final
 * token (out) with no output buffer, then a message each way, the
 * server's first. Required to work when the reply's CHALLENGE was the
 * server's own (genuine); otherwise only known codes.
 */
static void
two_leg_end(CtxtHandle *c, CtxtHandle *s, const struct tok *out,
            bool genuine)
{
    SECURITY_STATUS st;

    fixed_clock(true);
    st = accept_final(s, out);
    fixed_clock(false);
    if (genuine && st != SEC_E_OK)
        fail("the server refuses the AUTHENTICATE for its own CHALLENGE",
             st);
    if (st == SEC_E_OK) {
        st = sealed(s, c);
        if (genuine && st != SEC_E_OK)
            fail("the server's first message does not open at the client",
                 st);
        st = sealed(c, s);
        if (genuine && st != SEC_E_OK)
            fail("the client's first message does not open at the server",
                 st);
    } else {
        /* The client alone, on whatever keys and flags the reply made:
         * its own message back to itself, known codes only. */
        (void)sealed(c, c);
    }
    delete_ctx(s);
}

static SECURITY_STATUS
one_input(const uint8_t *data, size_t size)
{
    struct tok in, out = { NULL, 0 }, real = { NULL, 0 };
    unsigned mode;
    const char *target;
    CredHandle *cred;
    CtxtHandle c, s;
    SECURITY_STATUS st;
    bool resp;

    if (size < 1)
        return SEC_E_INVALID_TOKEN;
    mode = data[0] & 3;
    in.p = (unsigned char *)data + 1;
    in.n = size - 1;
    resp = in.n > 0 && in.p[0] == 0xa1;
    if (empty_target_name(in.p, in.n))
        return SEC_E_INVALID_TOKEN;
    cred = client_of(mode, &target);
    fixed_clock(mode != MODE_NEG_KERBEROS);
    /* Mode 1 keeps the server, for the token the client ends with. */
    if (mode == MODE_NEG_NTLM)
        legs_before(mode, &c, &real, &s);
    else
        legs_before(mode, &c, NULL, NULL);
    st = leg(cred, target, &c, true, &in, &out);
    fixed_clock(false);
    if (mode == MODE_NTLM) {
        if (st == SEC_I_CONTINUE_NEEDED)
            fail("the NTLM client continues after the CHALLENGE", st);
        if (st == SEC_E_OK && (!ntlm_message(in.p, in.n, 2, false)
                               || !ntlm_message(out.p, out.n, 3, false)))
            fail("SEC_E_OK without CHALLENGE in, AUTHENTICATE out", st);
    } else if (st >= 0 && !resp) {
        fail("a Negotiate client moves on without a NegTokenResp", st);
    } else if (mode == MODE_NEG_NTLM && st == SEC_I_CONTINUE_NEEDED) {
        fail("the two-leg Negotiate client continues after the CHALLENGE",
             st);
    } else if (mode == MODE_NEG_NTLM && st == SEC_E_OK
               && (out.n == 0 || out.p[0] != 0xa1
                   || !ntlm_message(out.p, out.n, 3, true))) {
        fail("the two-leg Negotiate client ends without a NegTokenResp "
             "holding an AUTHENTICATE", st);
    }
    if (st == SEC_E_OK) {
        SecPkgContext_Sizes sz;
        SECURITY_STATUS q = QueryContextAttributesA(&c, SECPKG_ATTR_SIZES,
                                                    &sz);

        if (q != SEC_E_OK)
            fail("a complete context without SECPKG_ATTR_SIZES", q);
    }
    if (mode == MODE_NEG_NTLM) {
        if (st == SEC_E_OK)
            two_leg_end(&c, &s, &out, same_challenge(&in, &real));
        else
            delete_ctx(&s);
        free(real.p);
    }
    free(out.p);
    delete_ctx(&c);
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        fail("a context or context buffer outlives the input", st);
    return st;
}

/* ------------------------------------------------------------- seeds */

static void
seed(const char *name, unsigned mode, SECURITY_STATUS want)
{
    unsigned char head = (unsigned char)mode, *in;
    struct tok reply;
    CtxtHandle c;
    SECURITY_STATUS st;

    fixed_clock(mode != MODE_NEG_KERBEROS);
    legs_before(mode, &c, &reply, NULL);
    fixed_clock(false);
    delete_ctx(&c);
    realm_seed(name, &head, 1, reply.p, reply.n);
    in = malloc(1 + reply.n);
    if (in == NULL)
        abort();
    in[0] = head;
    memcpy(in + 1, reply.p, reply.n);
    st = one_input(in, 1 + reply.n);
    if (want != 0 && st != want) {
        fprintf(stderr, "seed %s: %s, not %s (%s)\n", name,
                sspigss_status_name(st), sspigss_status_name(want),
                sspigss_last_error());
        abort();
    }
    free(in);
    free(reply.p);
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

    acquire("NTLM", SECPKG_CRED_OUTBOUND, &id, &ntlm_client);
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, &ex, &neg_ntlm);
    ex.PackageList = (unsigned char *)"!Kerberos";
    ex.PackageListLength = 9;
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, &ex, &neg_not_krb);
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, NULL, &neg_default);
    acquire("Negotiate", SECPKG_CRED_INBOUND, NULL, &server);

    seed("challenge", MODE_NTLM, SEC_E_OK);
    seed("neg-challenge", MODE_NEG_NTLM, SEC_E_OK);
    seed("neg-last-reply", MODE_NEG_LAST, SEC_E_OK);
    seed("neg-kerberos-reply", MODE_NEG_KERBEROS, 0);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)one_input(data, size);
    return 0;
}
