/*
 * fuzz_ntlm_accept.c - libFuzzer target: AcceptSecurityContext("NTLM") on
 * hostile tokens: a first token (where a NEGOTIATE message belongs) and,
 * more interesting, the third token (the AUTHENTICATE) of an exchange
 * whose first two legs were real. The acceptor checks clients against a
 * user file with one user, alice of FUZZ, password alice-pw (fixed.h);
 * the client is alice with her password. Randomness, clock and host name
 * are fixed (fixed.c), so every exchange has the same server challenge
 * and the same CHALLENGE message: a real AUTHENTICATE written as a seed
 * by one run verifies in every later one, and mutations of it reach the
 * NTLMv2 proof, the MIC, the session key exchange and the library's
 * mapping.
 *
 * Input: byte 0 chooses the mode, the rest is the token.
 *   bit 0  0: the token is the first one, given to a fresh context;
 *          1: a client (ISC#1) and the server (ASC#1) make a real
 *             NEGOTIATE and CHALLENGE, the client is dropped, and the
 *             token is the server's second input (ASC#2)
 *   bit 1  (mode 1) ASC#2 also gets a SECBUFFER_CHANNEL_BINDINGS
 * Other bits are ignored. Every token is its own exact-size copy.
 * Third tokens that would crash gss-ntlmssp itself (a known bug outside
 * the library, fixed.h) are skipped.
 *
 * What must hold: every call gives a known SEC_E_ code, or
 *  - SEC_I_CONTINUE_NEEDED only for a first token that is an NTLM
 *    NEGOTIATE message, with a CHALLENGE message as output;
 *  - SEC_E_OK only for a third token that is an AUTHENTICATE message,
 *    and then for the only user there is (alice; SECPKG_ATTR_NAMES);
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
#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define THIRD 0x01
#define BINDINGS 0x02

#define TARGET "host/fuzz"
#define ISC_REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY \
                 | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT \
                 | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_REQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY \
                 | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT \
                 | ASC_REQ_ALLOCATE_MEMORY)

static CredHandle client_cred, server_cred;

/* SEC_CHANNEL_BINDINGS with application data only, as a TLS channel
 * binding is given. */
static struct {
    SEC_CHANNEL_BINDINGS h;
    char data[24];
} bindings;

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

/* An NTLM message of the type (MS-NLMP 2.2.1: "NTLMSSP\0", then the
 * type as a little-endian 32-bit number). */
static bool
ntlm_message(const unsigned char *t, size_t n, unsigned type)
{
    return n >= 12 && memcmp(t, "NTLMSSP", 8) == 0 && t[8] == type
           && t[9] == 0 && t[10] == 0 && t[11] == 0;
}

static void
delete_ctx(CtxtHandle *h)
{
    if (DeleteSecurityContext(h) != SEC_E_OK)
        abort();
}

/*
 * One call of either side, the token in an exact-size copy (the
 * channel bindings beside it when asked). Returns the status; *out gets
 * a malloc'd copy of the output token (NULL when there is none).
 */
static SECURITY_STATUS
leg(bool client, CtxtHandle *ctx, bool have_ctx, const void *tok,
    size_t len, bool cb, unsigned char **out, size_t *out_len)
{
    void *copy = malloc(len ? len : 1);
    SecBuffer in[2] = {
        { (ULONG)len, SECBUFFER_TOKEN, copy },
        { sizeof(bindings), SECBUFFER_CHANNEL_BINDINGS, &bindings },
    };
    SecBuffer o = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, cb ? 2 : 1, in };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &o };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (copy == NULL)
        abort();
    if (len > 0)
        memcpy(copy, tok, len);
    if (client)
        st = InitializeSecurityContextA(
            &client_cred, have_ctx ? ctx : NULL, (SEC_CHAR *)TARGET, ISC_REQ,
            0, SECURITY_NATIVE_DREP, tok != NULL ? &ind : NULL, 0, ctx,
            &outd, &attrs, &ts);
    else
        st = AcceptSecurityContext(&server_cred, have_ctx ? ctx : NULL,
                                   &ind, ASC_REQ, SECURITY_NATIVE_DREP, ctx,
                                   &outd, &attrs, &ts);
    known(st, client ? "InitializeSecurityContext"
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

/* The legs every third-token input starts with: a real NEGOTIATE from a
 * fresh client, a real CHALLENGE from a fresh server context (*server).
 * The client context is handed back in *client (for seeds) or deleted. */
static void
first_legs(CtxtHandle *server, CtxtHandle *client, unsigned char **chal,
           size_t *chal_len)
{
    CtxtHandle c;
    unsigned char *nego;
    size_t nego_len;

    fixed_rng_reset();
    if (leg(true, &c, false, NULL, 0, false, &nego, &nego_len)
            != SEC_I_CONTINUE_NEEDED
        || leg(false, server, false, nego, nego_len, false, chal, chal_len)
            != SEC_I_CONTINUE_NEEDED)
        abort();
    free(nego);
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
    if (!(data[0] & THIRD)) {
        fixed_rng_reset();
        st = leg(false, &server, false, tok, len, false, &out, &out_len);
        if (st == SEC_I_CONTINUE_NEEDED) {
            if (!ntlm_message(tok, len, 1)
                || !ntlm_message(out, out_len, 2))
                abort();
            delete_ctx(&server);
        } else if (st >= 0) {
            abort();                /* SEC_E_OK on a first token */
        }
    } else {
        unsigned char *chal;
        size_t chal_len;

        if (fixed_ntlm_known_bug(tok, len))
            return SEC_E_INVALID_TOKEN;     /* not ours: fixed.h */
        first_legs(&server, NULL, &chal, &chal_len);
        free(chal);
        st = leg(false, &server, true, tok, len, (data[0] & BINDINGS) != 0,
                 &out, &out_len);
        if (st == SEC_E_OK) {
            if (!ntlm_message(tok, len, 3))
                abort();
            check_user(&server);
        } else if (st >= 0) {
            abort();                /* NTLM's server has two legs */
        }
        delete_ctx(&server);
    }
    free(out);
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        abort();
    return st;
}

/* ------------------------------------------------------------- seeds */

/* The real NEGOTIATE (mode 0) and a real AUTHENTICATE (mode 1, with or
 * without channel bindings), written as seeds and checked. */
static void
seeds(void)
{
    unsigned char head = 0, *nego, *chal, *auth;
    size_t nego_len, chal_len, auth_len;
    CtxtHandle c, s;
    int cb;

    fixed_rng_reset();
    if (leg(true, &c, false, NULL, 0, false, &nego, &nego_len)
        != SEC_I_CONTINUE_NEEDED)
        abort();
    delete_ctx(&c);
    realm_seed("negotiate", &head, 1, nego, nego_len);
    {
        unsigned char in[1 + 4096];

        if (nego_len > 4096)
            abort();
        in[0] = head;
        memcpy(in + 1, nego, nego_len);
        if (one_input(in, 1 + nego_len) != SEC_I_CONTINUE_NEEDED)
            abort();
    }
    free(nego);

    for (cb = 0; cb < 2; cb++) {
        unsigned char in[1 + 4096];

        first_legs(&s, &c, &chal, &chal_len);
        if (leg(true, &c, true, chal, chal_len, cb, &auth, &auth_len)
            != SEC_E_OK || auth_len > 4096)
            abort();
        delete_ctx(&c);
        delete_ctx(&s);
        head = THIRD | (cb ? BINDINGS : 0);
        realm_seed(cb ? "authenticate-bindings" : "authenticate", &head, 1,
                   auth, auth_len);
        in[0] = head;
        memcpy(in + 1, auth, auth_len);
        if (one_input(in, 1 + auth_len) != SEC_E_OK) {
            fprintf(stderr, "seed refused: %s\n", sspigss_last_error());
            abort();
        }
        free(chal);
        free(auth);
    }
}

/* Before libFuzzer reads the corpus, so that the seeds written count. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    TimeStamp ts;

    (void)argc, (void)argv;
    /* Before the first SSPI call: gss-ntlmssp reads its environment
     * when MIT's mechanism glue loads it. */
    fixed_ntlm_setup();
    fixed_clock(true);              /* nothing here needs the real time */
    memset(&bindings, 0, sizeof(bindings));
    memcpy(bindings.data, "tls-unique:fuzz-binding", 23);
    bindings.h.cbApplicationDataLength = 23;
    bindings.h.dwApplicationDataOffset = sizeof(bindings.h);

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)FIXED_NTLM_USER;
    id.UserLength = sizeof(FIXED_NTLM_USER) - 1;
    id.Domain = (unsigned char *)FIXED_NTLM_DOMAIN;
    id.DomainLength = sizeof(FIXED_NTLM_DOMAIN) - 1;
    id.Password = (unsigned char *)FIXED_NTLM_PASSWORD;
    id.PasswordLength = sizeof(FIXED_NTLM_PASSWORD) - 1;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM",
                                  SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                  NULL, &client_cred, &ts) != SEC_E_OK
        || AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM",
                                     SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                     NULL, &server_cred, &ts) != SEC_E_OK)
        abort();
    seeds();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)one_input(data, size);
    return 0;
}
