/*
 * check_ntlm.c - the NTLM package (lib/ntlm.c over gss-ntlmssp) through
 * the public SSPI API.
 *
 * Run through tests/check_ntlm.sh, which writes a throwaway NTLM user
 * file ("DOMAIN:user:password" lines: SSPIGSS:alice, then SSPIGSS:bob)
 * and exports it as NTLM_USER_FILE, points KRB5_CONFIG at an empty
 * profile (no realm, no KDC: NTLM needs none) and describes the setup in
 * SSPIGSS_TEST_* variables (struct ntlm_config below). gss-ntlmssp reads
 * the file for the initiator's default credentials (its first entry) and,
 * on the acceptor, to check every client. Each test runs in its own
 * process (Check's fork mode), so a test that changes the environment
 * (no_credentials unsets NTLM_USER_FILE) changes it for itself only.
 *
 * What Windows does, and where that is known from:
 *   [wine]     Wine's conformance tests, which pass on Windows:
 *              dlls/secur32/tests/ntlm.c (testAuth, runClient,
 *              testSignSeal, testAcquireCredentialsHandle,
 *              test_cred_multiple_use) and tests/negotiate.c
 *              (NEGOTIATION_INFO after an NTLM handshake).
 *   [pyspnego] jborean93/pyspnego docs/exceptions/wrapping.md: SSPI NTLM
 *              on Windows Server 2019 (out of order -> MESSAGE_ALTERED,
 *              QOP values ignored, no integrity nor confidentiality ->
 *              EncryptMessage UNSUPPORTED_FUNCTION).
 * Where the library cannot do what Windows does because gss-ntlmssp 1.2
 * cannot (lib/ntlm.c's header lists it), the test asserts the library's
 * documented refusal and says so.
 *
 * Only the public SSPI API and the sspigss_* extensions are used, plus
 * the library's own counters (handle_count, ctxbuf_outstanding): after
 * every test no handle is left and every context buffer was given back.
 * Each assertion names the exact SEC code.
 */
#include "setup.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gss_int.h"
#include "handles.h"
#include "internal.h"
#include "ntlm_msg.h"
#include "testutil.h"
#include "msgutil.h"
#include "tokenloop.h"

#define PKG "NTLM"

/*
 * The setup, from the environment tests/check_ntlm.sh sets; every
 * default is the script's.
 *
 *   NTLM_USER_FILE          the user file (required)
 *   SSPIGSS_TEST_DIR        the script's temporary directory
 *   SSPIGSS_TEST_DOMAIN     SSPIGSS: the domain of both entries
 *   SSPIGSS_TEST_ALICE_PW   alice-pw-1 (alice: the file's first entry)
 *   SSPIGSS_TEST_BOB_PW     bob-pw-2
 */
struct ntlm_config {
    const char *user_file;
    const char *dir;
    const char *domain;
    const char *alice_pw;
    const char *bob_pw;
    char alice[128];            /* DOMAIN\alice */
    char bob[128];              /* DOMAIN\bob */
    char alice_upn[128];        /* alice@DOMAIN */
    char bob_upn[128];          /* bob@DOMAIN */
};

static struct ntlm_config cfg;

static const char *
env_default(const char *name, const char *def)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' ? v : def;
}

static bool
load_config(void)
{
    cfg.user_file = env_default("NTLM_USER_FILE", NULL);
    cfg.dir = env_default("SSPIGSS_TEST_DIR", "/tmp");
    cfg.domain = env_default("SSPIGSS_TEST_DOMAIN", "SSPIGSS");
    cfg.alice_pw = env_default("SSPIGSS_TEST_ALICE_PW", "alice-pw-1");
    cfg.bob_pw = env_default("SSPIGSS_TEST_BOB_PW", "bob-pw-2");
    if (cfg.user_file == NULL)
        return false;
    snprintf(cfg.alice, sizeof(cfg.alice), "%s\\alice", cfg.domain);
    snprintf(cfg.bob, sizeof(cfg.bob), "%s\\bob", cfg.domain);
    snprintf(cfg.alice_upn, sizeof(cfg.alice_upn), "alice@%s", cfg.domain);
    snprintf(cfg.bob_upn, sizeof(cfg.bob_upn), "bob@%s", cfg.domain);
    return true;
}

#define DOMAIN (cfg.domain)
#define ALICE (cfg.alice)
#define ALICE_PW (cfg.alice_pw)
#define BOB (cfg.bob)
#define BOB_PW (cfg.bob_pw)

/* An SPN for the tests that name a target (NTLM needs none: the
 * acceptor here has no service name, so any target is accepted). */
#define TARGET "HTTP/web.sspigss.test"

/* TimeStamp: FILETIME, 100 ns since 1601, local time. */
#define FT_EPOCH 116444736000000000LL
#define FT_SEC 10000000LL
#define FT_NEVER 0x7FFFFFFFFFFFFFFFLL

#define REQ_ALL (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY)
#define ASC_REQ_ALL (ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT \
                     | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY)

/* SecPkgContext_Sizes of every NTLM context ([wine] ntlm.c testAuth:
 * cbMaxToken 1904 or 2888, Windows 10 reports 2888; the rest exact). */
#define MAX_TOKEN 2888
#define MAX_SIGNATURE 16
#define BLOCK_SIZE 0
#define SECURITY_TRAILER 16

/* SecPkgInfo of NTLM (lib/packages.c; [wine] negotiate.c NTLM_BASE_CAPS
 * plus RESTRICTED_TOKENS and APPCONTAINER_CHECKS, RPC_C_AUTHN_WINNT). */
#define NTLM_CAPS 0x00882B37
#define NTLM_RPCID 10

/* MS-NLMP 2.2.1: "NTLMSSP\0" and the message type. */
#define NTLM_NEGOTIATE 1
#define NTLM_CHALLENGE 2
#define NTLM_AUTHENTICATE 3

static const WCHAR ntlm_w[] = { 'N', 'T', 'L', 'M', 0 };

/* ------------------------------------------------------------ fixture */

static size_t bufs_before;

static void
leak_setup(void)
{
    bufs_before = ctxbuf_outstanding();
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}

/* After every test: no handle left, every context buffer given back. */
static void
leak_teardown(void)
{
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "%zu credential handles "
                  "left", handle_count(HANDLE_CRED));
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "%zu context handles left",
                  handle_count(HANDLE_CTX));
    ck_assert_msg(ctxbuf_outstanding() == bufs_before,
                  "%zu context buffers not freed",
                  ctxbuf_outstanding() - bufs_before);
}

/* ------------------------------------------------------------ helpers */

static LONGLONG
ft_local(time_t t)
{
    struct tm tm;

    ck_assert_ptr_nonnull(localtime_r(&t, &tm));
    return ((LONGLONG)t + tm.tm_gmtoff) * FT_SEC + FT_EPOCH;
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    /* Never 0, so a wiped buffer cannot look like plaintext. */
    for (i = 0; i < n; i++)
        p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
}

/* Bytes of buf equal to plain at the same position. */
static size_t
same_bytes(const unsigned char *buf, const unsigned char *plain, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += buf[i] == plain[i];
    return k;
}

/* The MS-NLMP message type of an NTLM token, or -1. */
static int
ntlm_type(const unsigned char *t, ULONG len)
{
    if (t == NULL || len < 12 || memcmp(t, "NTLMSSP", 8) != 0)
        return -1;
    return t[8] | (t[9] << 8) | (t[10] << 16) | (t[11] << 24);
}

/* A describing line for a handshake. */
static const char *
describe(const struct tokenloop *t)
{
    static char buf[1024];
    size_t n = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < t->nlegs && n < sizeof(buf) - 64; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s(%lu) ",
                              t->legs[i].client ? "ISC" : "ASC",
                              sspigss_status_name(t->legs[i].status),
                              (unsigned long)t->legs[i].token_len);
    snprintf(buf + n, sizeof(buf) - n, "[%s] last error: %s", t->error,
             sspigss_last_error());
    return buf;
}

/* An exact SEC code; on a mismatch, say what the library kept. */
#define assert_sec_why(got, want)                                         \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

#define assert_loop(st, t)                                               \
    ck_assert_msg((st) == SEC_E_OK, "handshake: %s: %s",                 \
                  sspigss_status_name(st), describe(t))

/*
 * Windows' NTLM pattern ([wine] ntlm.c testAuth): ISC -> CONTINUE with
 * NEGOTIATE, ASC -> CONTINUE with CHALLENGE, ISC -> OK with
 * AUTHENTICATE, ASC -> OK with no token.
 */
static void
assert_ntlm_legs(const struct tokenloop *t)
{
    ck_assert_msg(t->nlegs == 4, "%d legs: %s", t->nlegs, describe(t));
    ck_assert(t->legs[0].client && !t->legs[1].client && t->legs[2].client
              && !t->legs[3].client);
    ck_assert_sec(t->legs[0].status, SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(ntlm_type(t->legs[0].token, t->legs[0].token_len),
                     NTLM_NEGOTIATE);
    ck_assert_sec(t->legs[1].status, SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(ntlm_type(t->legs[1].token, t->legs[1].token_len),
                     NTLM_CHALLENGE);
    ck_assert_sec(t->legs[2].status, SEC_E_OK);
    ck_assert_int_eq(ntlm_type(t->legs[2].token, t->legs[2].token_len),
                     NTLM_AUTHENTICATE);
    ck_assert_sec(t->legs[3].status, SEC_E_OK);
    ck_assert_uint_eq(t->legs[3].token_len, 0);
    ck_assert(t->client_done && t->server_done);
    /* Every token fits in cbMaxToken ([wine] runClient). */
    ck_assert_uint_lt(t->legs[0].token_len, MAX_TOKEN);
    ck_assert_uint_lt(t->legs[1].token_len, MAX_TOKEN);
    ck_assert_uint_lt(t->legs[2].token_len, MAX_TOKEN);
}

static void
acquire_default(CredHandle *c, ULONG use)
{
    TimeStamp ts;
    SECURITY_STATUS st;

    st = AcquireCredentialsHandleA(NULL, (LPSTR)PKG, use, NULL, NULL, NULL,
                                   NULL, c, &ts);
    ck_assert_msg(st == SEC_E_OK, "AcquireCredentialsHandleA(%s): %s (%s)",
                  use == SECPKG_CRED_INBOUND ? "inbound" : "outbound",
                  sspigss_status_name(st), sspigss_last_error());
    /* NTLM credentials do not expire. */
    ck_assert_int_eq(ts.QuadPart, FT_NEVER);
}

static void
free_cred(CredHandle *c)
{
    ck_assert_sec(FreeCredentialsHandle(c), SEC_E_OK);
}

static size_t
wlen(const WCHAR *w)
{
    size_t n = 0;

    while (w != NULL && w[n] != 0)
        n++;
    return n;
}

enum id_form { ID_A, ID_W, ID_EXA, ID_EXW };

static const char *
form_name(enum id_form f)
{
    switch (f) {
    case ID_A: return "SEC_WINNT_AUTH_IDENTITY_A";
    case ID_W: return "SEC_WINNT_AUTH_IDENTITY_W";
    case ID_EXA: return "SEC_WINNT_AUTH_IDENTITY_EXA";
    default: return "SEC_WINNT_AUTH_IDENTITY_EXW";
    }
}

/*
 * AcquireCredentialsHandle(OUTBOUND) with an explicit identity (A entry
 * point for the A forms, W for the W forms) of package pkg. domain and
 * password may be NULL.
 */
static SECURITY_STATUS
acquire_identity_pkg(const char *pkg, enum id_form form, const char *user,
                     const char *domain, const char *password,
                     CredHandle *c, TimeStamp *ts)
{
    WCHAR *wu = tokenloop_wide(user), *wd = tokenloop_wide(domain);
    WCHAR *wp = tokenloop_wide(password), *wpkg = tokenloop_wide(pkg);
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;

    switch (form) {
    case ID_A: {
        SEC_WINNT_AUTH_IDENTITY_A id;

        memset(&id, 0, sizeof(id));
        id.User = (unsigned char *)user;
        id.UserLength = user != NULL ? (ULONG)strlen(user) : 0;
        id.Domain = (unsigned char *)domain;
        id.DomainLength = domain != NULL ? (ULONG)strlen(domain) : 0;
        id.Password = (unsigned char *)password;
        id.PasswordLength = password != NULL ? (ULONG)strlen(password) : 0;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        st = AcquireCredentialsHandleA(NULL, (LPSTR)pkg,
                                       SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                       NULL, c, ts);
        break;
    }
    case ID_W: {
        SEC_WINNT_AUTH_IDENTITY_W id;

        memset(&id, 0, sizeof(id));
        id.User = wu;
        id.UserLength = (ULONG)wlen(wu);
        id.Domain = wd;
        id.DomainLength = (ULONG)wlen(wd);
        id.Password = wp;
        id.PasswordLength = (ULONG)wlen(wp);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        st = AcquireCredentialsHandleW(NULL, wpkg, SECPKG_CRED_OUTBOUND,
                                       NULL, &id, NULL, NULL, c, ts);
        break;
    }
    case ID_EXA: {
        SEC_WINNT_AUTH_IDENTITY_EXA id;

        memset(&id, 0, sizeof(id));
        id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        id.Length = sizeof(id);
        id.User = (unsigned char *)user;
        id.UserLength = user != NULL ? (ULONG)strlen(user) : 0;
        id.Domain = (unsigned char *)domain;
        id.DomainLength = domain != NULL ? (ULONG)strlen(domain) : 0;
        id.Password = (unsigned char *)password;
        id.PasswordLength = password != NULL ? (ULONG)strlen(password) : 0;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        st = AcquireCredentialsHandleA(NULL, (LPSTR)pkg,
                                       SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                       NULL, c, ts);
        break;
    }
    case ID_EXW: {
        SEC_WINNT_AUTH_IDENTITY_EXW id;

        memset(&id, 0, sizeof(id));
        id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        id.Length = sizeof(id);
        id.User = wu;
        id.UserLength = (ULONG)wlen(wu);
        id.Domain = wd;
        id.DomainLength = (ULONG)wlen(wd);
        id.Password = wp;
        id.PasswordLength = (ULONG)wlen(wp);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        st = AcquireCredentialsHandleW(NULL, wpkg, SECPKG_CRED_OUTBOUND,
                                       NULL, &id, NULL, NULL, c, ts);
        break;
    }
    }
    free(wu);
    free(wd);
    free(wp);
    free(wpkg);
    return st;
}

static SECURITY_STATUS
acquire_identity(enum id_form form, const char *user, const char *domain,
                 const char *password, CredHandle *c, TimeStamp *ts)
{
    return acquire_identity_pkg(PKG, form, user, domain, password, c, ts);
}

/* acquire_identity that must succeed. */
static void
acquire_identity_ok(enum id_form form, const char *user, const char *domain,
                    const char *password, CredHandle *c)
{
    TimeStamp ts;

    assert_sec_why(acquire_identity(form, user, domain, password, c, &ts),
                   SEC_E_OK);
    ck_assert_int_eq(ts.QuadPart, FT_NEVER);
}

/* Two credentials and the contexts of one handshake between them. */
struct pair {
    CredHandle c;
    CredHandle s;
    struct tokenloop t;
};

#define CLI(p) (&(p)->t.client)
#define SRV(p) (&(p)->t.server)

/* A handshake between the default credentials (alice, the user file's
 * first entry) and an acceptor. */
static void
pair_open(struct pair *p, ULONG isc_req)
{
    struct tokenloop_opts o = { .target = TARGET, .isc_req = isc_req,
                                .asc_req = ASC_REQ_ALL };
    SECURITY_STATUS st;

    acquire_default(&p->c, SECPKG_CRED_OUTBOUND);
    acquire_default(&p->s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&p->c, &p->s, &o, &p->t);
    assert_loop(st, &p->t);
    assert_ntlm_legs(&p->t);
    tokenloop_forget_tokens(&p->t);
}

static void
pair_close(struct pair *p)
{
    tokenloop_free(&p->t);
    free_cred(&p->c);
    free_cred(&p->s);
}

/*
 * One call of a hand-driven handshake: the token buffer it wrote (own
 * buffer of `size` bytes, at most sizeof(tok)), its attributes and
 * expiry.
 */
struct step {
    unsigned char tok[4096];
    ULONG len;
    ULONG attrs;
    TimeStamp ts;
};

/* InitializeSecurityContextA: first call when in is NULL (phContext
 * NULL, no input), else a continuation with in. */
static SECURITY_STATUS
isc(CredHandle *c, CtxtHandle *h, const char *target, ULONG req,
    const void *in, ULONG in_len, ULONG size, struct step *o)
{
    SecBuffer ib = { in_len, SECBUFFER_TOKEN, (void *)in };
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBuffer ob = { size, SECBUFFER_TOKEN, o->tok };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    SECURITY_STATUS st;

    o->attrs = 0;
    st = InitializeSecurityContextA(c, in != NULL ? h : NULL,
                                    (SEC_CHAR *)target, req, 0,
                                    SECURITY_NATIVE_DREP,
                                    in != NULL ? &id : NULL, 0, h, &od,
                                    &o->attrs, &o->ts);
    o->len = SEC_SUCCESS(st) ? ob.cbBuffer : 0;
    return st;
}

/* AcceptSecurityContext: first call when first, else a continuation. */
static SECURITY_STATUS
asc(CredHandle *c, CtxtHandle *h, bool first, ULONG req, const void *in,
    ULONG in_len, ULONG size, struct step *o)
{
    SecBuffer ib = { in_len, SECBUFFER_TOKEN, (void *)in };
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBuffer ob = { size, SECBUFFER_TOKEN, o->tok };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    SECURITY_STATUS st;

    o->attrs = 0;
    st = AcceptSecurityContext(c, first ? NULL : h, &id, req,
                               SECURITY_NATIVE_DREP, h, &od, &o->attrs,
                               &o->ts);
    o->len = SEC_SUCCESS(st) ? ob.cbBuffer : 0;
    return st;
}

/* The NAMES of a context (A), compared with want. */
static void
assert_names(CtxtHandle *h, const char *want)
{
    SecPkgContext_NamesA n = { NULL };

    assert_sec_why(QueryContextAttributesA(h, SECPKG_ATTR_NAMES, &n),
                   SEC_E_OK);
    ck_assert_ptr_nonnull(n.sUserName);
    ck_assert_str_eq(n.sUserName, want);
    ck_assert_sec(FreeContextBuffer(n.sUserName), SEC_E_OK);
}

/* ----------------------------------------------------- message helpers */

/* EncryptMessage [TOKEN, DATA]; the TOKEN buffer holds *tok_len bytes and
 * gets the trailer's length. */
static SECURITY_STATUS
seal(CtxtHandle *h, ULONG qop, unsigned char *tok, ULONG *tok_len,
     unsigned char *data, ULONG len)
{
    SecBuffer b[2] = {
        { *tok_len, SECBUFFER_TOKEN, tok },
        { len, SECBUFFER_DATA, data },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st = EncryptMessage(h, qop, &d, 0);

    if (st == SEC_E_OK) {
        ck_assert_uint_eq(b[0].cbBuffer, SECURITY_TRAILER);
        ck_assert_uint_eq(b[1].cbBuffer, len);
        ck_assert_ptr_eq(b[0].pvBuffer, tok);
        ck_assert_ptr_eq(b[1].pvBuffer, data);
        *tok_len = b[0].cbBuffer;
    }
    return st;
}

/* The NTLM signature layout (MS-NLMP 2.2.2.9.1): version 1, little
 * endian, then checksum and sequence number. */
static void
assert_signature(const unsigned char *tok)
{
    static const unsigned char v1[4] = { 1, 0, 0, 0 };

    ck_assert_mem_eq(tok, v1, 4);
}

/* One encrypted message from -> to, checked end to end. */
static void
roundtrip(CtxtHandle *from, CtxtHandle *to, ULONG len, unsigned seed)
{
    unsigned char tok[SECURITY_TRAILER], *data = malloc(len + 1);
    unsigned char *plain = malloc(len + 1);
    ULONG tok_len = sizeof(tok), qop = 0xdead;
    SECURITY_STATUS st;

    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_nonnull(plain);
    fill(plain, len, seed);
    memcpy(data, plain, len);
    st = seal(from, 0, tok, &tok_len, data, len);
    ck_assert_msg(st == SEC_E_OK, "EncryptMessage(%lu): %s (%s)",
                  (unsigned long)len, sspigss_status_name(st),
                  sspigss_last_error());
    assert_signature(tok);
    if (len >= 16)
        ck_assert_uint_lt(same_bytes(data, plain, len), len / 2);
    st = unseal(to, tok, tok_len, data, len, &qop);
    ck_assert_msg(st == SEC_E_OK, "DecryptMessage(%lu): %s (%s)",
                  (unsigned long)len, sspigss_status_name(st),
                  sspigss_last_error());
    ck_assert_uint_eq(qop, 0);
    ck_assert_mem_eq(data, plain, len);
    free(data);
    free(plain);
}

/* One signed message from -> to. */
static void
mic_roundtrip(CtxtHandle *from, CtxtHandle *to, ULONG len, unsigned seed)
{
    unsigned char tok[MAX_SIGNATURE], *data = malloc(len + 1);
    ULONG tok_len = sizeof(tok), qop = 0xdead;
    SECURITY_STATUS st;

    ck_assert_ptr_nonnull(data);
    fill(data, len, seed);
    st = sign(from, tok, &tok_len, data, len);
    ck_assert_msg(st == SEC_E_OK, "MakeSignature: %s (%s)",
                  sspigss_status_name(st), sspigss_last_error());
    ck_assert_uint_eq(tok_len, MAX_SIGNATURE);
    assert_signature(tok);
    st = verify(to, tok, tok_len, data, len, &qop);
    ck_assert_msg(st == SEC_E_OK, "VerifySignature: %s (%s)",
                  sspigss_status_name(st), sspigss_last_error());
    ck_assert_uint_eq(qop, 0);
    free(data);
}

/* ---------------------------------------------------------- handshake */

/*
 * Explicit identities: the four structure forms, each with the user
 * written the three ways Windows takes them (user + Domain,
 * "DOMAIN\user", "user@DOMAIN"). Every one is alice; the acceptor names
 * her "SSPIGSS\alice" (DOMAIN\user, as Windows' SECPKG_ATTR_NAMES). W
 * forms go through InitializeSecurityContextW; odd cases let the library
 * allocate the tokens. Windows' status sequence ([wine] testAuth).
 */
#define N_ID_CASES 12

START_TEST(handshake_identity)
{
    enum id_form form = (enum id_form)(_i % 4);
    int how = _i / 4;
    bool wide = form == ID_W || form == ID_EXW, alloc = (_i & 1) != 0;
    struct tokenloop_opts o = {
        .target = TARGET, .wide = wide,
        .isc_req = REQ_ALL | (alloc ? ISC_REQ_ALLOCATE_MEMORY : 0),
        .asc_req = ASC_REQ_ALL | (alloc ? ASC_REQ_ALLOCATE_MEMORY : 0),
    };
    const char *user = how == 0 ? "alice"
                       : how == 1 ? ALICE : cfg.alice_upn;
    const char *domain = how == 0 ? DOMAIN : NULL;
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_identity_ok(form, user, domain, ALICE_PW, &c);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_msg(st == SEC_E_OK, "%s user \"%s\" domain \"%s\": %s: %s",
                  form_name(form), user, domain != NULL ? domain : "(none)",
                  sspigss_status_name(st), describe(&t));
    assert_ntlm_legs(&t);
    /* What was asked for is granted; ALLOCATED_MEMORY describes each
     * call that returned a token. */
    ck_assert_uint_eq(t.isc_attrs & (ISC_RET_CONFIDENTIALITY
                                     | ISC_RET_INTEGRITY),
                      ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY);
    ck_assert_uint_eq(t.asc_attrs & (ASC_RET_CONFIDENTIALITY
                                     | ASC_RET_INTEGRITY),
                      ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY);
    /* NTLM cannot authenticate the server: no ISC_RET_MUTUAL_AUTH,
     * though it was asked for. */
    ck_assert_uint_eq(t.isc_attrs & ISC_RET_MUTUAL_AUTH, 0);
    ck_assert_uint_eq(t.legs[0].attrs & ISC_RET_ALLOCATED_MEMORY,
                      alloc ? ISC_RET_ALLOCATED_MEMORY : 0);
    ck_assert_uint_eq(t.legs[1].attrs & ASC_RET_ALLOCATED_MEMORY,
                      alloc ? ASC_RET_ALLOCATED_MEMORY : 0);
    ck_assert_uint_eq(t.legs[2].attrs & ISC_RET_ALLOCATED_MEMORY,
                      alloc ? ISC_RET_ALLOCATED_MEMORY : 0);
    ck_assert_uint_eq(t.legs[3].attrs & ASC_RET_ALLOCATED_MEMORY, 0);
    assert_names(&t.server, ALICE);
    assert_names(&t.client, ALICE);
    roundtrip(&t.client, &t.server, 100, 1);
    roundtrip(&t.server, &t.client, 100, 2);
    mic_roundtrip(&t.client, &t.server, 10, 3);
    mic_roundtrip(&t.server, &t.client, 10, 4);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/* bob, the file's second entry, and a user name without a domain:
 * gss-ntlmssp takes a missing domain as "any" and finds bob's entry. */
START_TEST(handshake_bob)
{
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_identity_ok(ID_W, "bob", DOMAIN, BOB_PW, &c);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    assert_names(&t.server, BOB);
    roundtrip(&t.client, &t.server, 64, 1);
    tokenloop_free(&t);
    free_cred(&c);

    acquire_identity_ok(ID_A, "bob", NULL, BOB_PW, &c);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    roundtrip(&t.client, &t.server, 64, 1);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * No target name (Windows' own tests pass NULL, [wine] testAuth), A and
 * W; and a target in the "svc@host" form.
 */
START_TEST(handshake_targets)
{
    static const char *const targets[] = { NULL, NULL, "HTTP@web", TARGET };
    struct tokenloop_opts o = { .target = targets[_i], .wide = (_i & 1) != 0,
                                .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_msg(st == SEC_E_OK, "target %s: %s: %s",
                  targets[_i] != NULL ? targets[_i] : "NULL",
                  sspigss_status_name(st), describe(&t));
    assert_ntlm_legs(&t);
    roundtrip(&t.client, &t.server, 32, 1);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * Default credentials (no identity): the user file's first entry,
 * alice, on both the credential and the acceptor's view of the client.
 */
START_TEST(handshake_default)
{
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    SecPkgCredentials_NamesA na;
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    ck_assert_sec(QueryCredentialsAttributesA(&c, SECPKG_CRED_ATTR_NAMES,
                                              &na), SEC_E_OK);
    ck_assert_str_eq(na.sUserName, ALICE);
    ck_assert_sec(FreeContextBuffer(na.sUserName), SEC_E_OK);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    assert_names(&t.server, ALICE);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * Caller-supplied token buffers of exactly cbMaxToken (what
 * QuerySecurityPackageInfo says, as [wine] setupBuffers sizes them) and
 * library-allocated ones, in each combination on the two sides.
 */
START_TEST(handshake_buffers)
{
    bool ialloc = (_i & 1) != 0, aalloc = (_i & 2) != 0;
    PSecPkgInfoA info = NULL;
    struct tokenloop_opts o = { .target = NULL, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)PKG, &info), SEC_E_OK);
    ck_assert_uint_eq(info->cbMaxToken, MAX_TOKEN);
    o.token_size = info->cbMaxToken;
    ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);
    if (ialloc)
        o.isc_req |= ISC_REQ_ALLOCATE_MEMORY;
    if (aalloc)
        o.asc_req |= ASC_REQ_ALLOCATE_MEMORY;
    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    ck_assert_uint_eq(t.legs[0].attrs & ISC_RET_ALLOCATED_MEMORY,
                      ialloc ? ISC_RET_ALLOCATED_MEMORY : 0);
    ck_assert_uint_eq(t.legs[1].attrs & ASC_RET_ALLOCATED_MEMORY,
                      aalloc ? ASC_RET_ALLOCATED_MEMORY : 0);
    roundtrip(&t.client, &t.server, 100, 1);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * One credential, two contexts at once ([wine] test_cred_multiple_use):
 * both first calls CONTINUE, both handshakes complete, and the contexts
 * keep their own keys (a message of one does not verify in the other).
 */
START_TEST(cred_multiple_use)
{
    struct step a1, a2, b1, b2, x;
    unsigned char tok[MAX_SIGNATURE], data[32];
    ULONG tok_len = sizeof(tok), qop;
    CtxtHandle ca, cb, sa, sb;
    CredHandle c, s;

    acquire_identity_ok(ID_A, "alice", DOMAIN, ALICE_PW, &c);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ca, NULL, ISC_REQ_CONNECTION | REQ_ALL, NULL, 0,
                      sizeof(a1.tok), &a1), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&c, &cb, NULL, ISC_REQ_CONNECTION | REQ_ALL, NULL, 0,
                      sizeof(b1.tok), &b1), SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 2);
    ck_assert_sec(asc(&s, &sa, true, ASC_REQ_ALL, a1.tok, a1.len,
                      sizeof(a2.tok), &a2), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sb, true, ASC_REQ_ALL, b1.tok, b1.len,
                      sizeof(b2.tok), &b2), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&c, &ca, NULL, REQ_ALL, a2.tok, a2.len,
                      sizeof(a1.tok), &a1), SEC_E_OK);
    ck_assert_sec(isc(&c, &cb, NULL, REQ_ALL, b2.tok, b2.len,
                      sizeof(b1.tok), &b1), SEC_E_OK);
    ck_assert_sec(asc(&s, &sa, false, ASC_REQ_ALL, a1.tok, a1.len,
                      sizeof(x.tok), &x), SEC_E_OK);
    ck_assert_uint_eq(x.len, 0);
    ck_assert_sec(asc(&s, &sb, false, ASC_REQ_ALL, b1.tok, b1.len,
                      sizeof(x.tok), &x), SEC_E_OK);
    roundtrip(&ca, &sa, 20, 1);
    roundtrip(&cb, &sb, 20, 2);
    fill(data, sizeof(data), 3);
    ck_assert_sec(sign(&ca, tok, &tok_len, data, sizeof(data)), SEC_E_OK);
    ck_assert_sec(verify(&sb, tok, tok_len, data, sizeof(data), &qop),
                  SEC_E_MESSAGE_ALTERED);
    ck_assert_sec(DeleteSecurityContext(&ca), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&cb), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sa), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sb), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * The first InitializeSecurityContext with nowhere to put the NEGOTIATE
 * message ([wine] runClient): no output descriptor, a TOKEN buffer of 0
 * bytes (cbBuffer stays 0), a buffer of type DATA instead of TOKEN, and
 * (the library's own rule) a TOKEN buffer smaller than the message:
 * SEC_E_BUFFER_TOO_SMALL each time, no handle, outputs untouched. Then
 * the same credential completes a handshake.
 */
START_TEST(initiate_output_too_small)
{
    unsigned char buf[MAX_TOKEN];
    SecBuffer ob = { 0, SECBUFFER_TOKEN, buf };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    struct tokenloop_opts o = { .target = NULL, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    ULONG attrs = 0x1234;
    TimeStamp ts = { .QuadPart = 42 };
    CredHandle c, s;
    CtxtHandle h;
    SECURITY_STATUS st;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    memset(&h, 0xAB, sizeof(h));
    ck_assert_sec(InitializeSecurityContextA(&c, NULL, NULL, 0, 0,
                                             SECURITY_NATIVE_DREP, NULL, 0,
                                             &h, NULL, &attrs, &ts),
                  SEC_E_BUFFER_TOO_SMALL);
    ob.cbBuffer = 0;
    ck_assert_sec(InitializeSecurityContextA(&c, NULL, NULL, 0, 0,
                                             SECURITY_NATIVE_DREP, NULL, 0,
                                             &h, &od, &attrs, &ts),
                  SEC_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(ob.cbBuffer, 0);
    ob.cbBuffer = sizeof(buf);
    ob.BufferType = SECBUFFER_DATA;
    ck_assert_sec(InitializeSecurityContextA(&c, NULL, NULL, 0, 0,
                                             SECURITY_NATIVE_DREP, NULL, 0,
                                             &h, &od, &attrs, &ts),
                  SEC_E_BUFFER_TOO_SMALL);
    ob.BufferType = SECBUFFER_TOKEN;
    ob.cbBuffer = 8;
    ck_assert_sec(InitializeSecurityContextA(&c, NULL, NULL, REQ_ALL, 0,
                                             SECURITY_NATIVE_DREP, NULL, 0,
                                             &h, &od, &attrs, &ts),
                  SEC_E_BUFFER_TOO_SMALL);
    /* Allocation asked for, but no output descriptor to say where. */
    ck_assert_sec(InitializeSecurityContextA(&c, NULL, NULL,
                                             REQ_ALL
                                             | ISC_REQ_ALLOCATE_MEMORY, 0,
                                             SECURITY_NATIVE_DREP, NULL, 0,
                                             &h, NULL, &attrs, &ts),
                  SEC_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
    ck_assert_uint_eq(attrs, 0x1234);
    ck_assert_int_eq(ts.QuadPart, 42);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * AcceptSecurityContext with a buffer too small for the CHALLENGE:
 * SEC_E_BUFFER_TOO_SMALL and no handle; the same NEGOTIATE is then
 * accepted and the handshake completes.
 */
START_TEST(accept_output_too_small)
{
    struct step n, ch, au, fin;
    CredHandle c, s;
    CtxtHandle ch_h, sh;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    memset(&sh, 0xAB, sizeof(sh));
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len, 16, &ch),
                  SEC_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(sh.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 1);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_sec(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_OK);
    roundtrip(&ch_h, &sh, 50, 1);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * A later call whose output does not fit: the client's AUTHENTICATE
 * into 16 bytes. GSS has taken the CHALLENGE already; the library keeps
 * the step's result, so the same call repeated with a larger buffer
 * completes (and another token instead is refused without harm), as a
 * Windows context stays usable after SEC_E_BUFFER_TOO_SMALL.
 */
START_TEST(continuation_output_too_small)
{
    struct step n, ch, au, fin, junk;
    CredHandle c, s;
    CtxtHandle ch_h, sh;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len, 16, &au),
                  SEC_E_BUFFER_TOO_SMALL);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "does not fit"));
    /* Not the same input: refused, the kept result still waits. */
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, n.tok, n.len,
                      sizeof(junk.tok), &junk), SEC_E_INVALID_TOKEN);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_uint_gt(au.len, 16);
    ck_assert_sec(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_OK);
    roundtrip(&ch_h, &sh, 50, 1);
    roundtrip(&sh, &ch_h, 50, 2);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * An acceptor credential with a service name (pszPrincipal). Windows'
 * NTLM ignores it for the handshake: its CHALLENGE carries no target
 * name to check ([pyspnego] docs/scenarios/sspi_ntlm.md) and a client
 * with a wrong SPN still completes (sspi_ntlm_invalid_spn.md). The
 * library keeps the name as the credential's own and does not give it
 * to gss-ntlmssp, which would announce it and make its clients refuse
 * any other target.
 */
START_TEST(acceptor_principal)
{
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    TimeStamp ts;
    SECURITY_STATUS st;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    assert_sec_why(AcquireCredentialsHandleA((LPSTR)"HTTP@web.sspigss.test",
                                             (LPSTR)PKG, SECPKG_CRED_INBOUND,
                                             NULL, NULL, NULL, NULL, &s,
                                             &ts), SEC_E_OK);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    assert_names(&t.server, ALICE);

    /* Its own name, for NATIVE_NAMES, is the one it was given. */
    {
        SecPkgContext_NativeNamesA nn;

        ck_assert_sec(QueryContextAttributesA(&t.server,
                                              SECPKG_ATTR_NATIVE_NAMES,
                                              &nn), SEC_E_OK);
        ck_assert_str_eq(nn.sClientName, ALICE);
        ck_assert_str_eq(nn.sServerName, "HTTP@web.sspigss.test");
        ck_assert_sec(FreeContextBuffer(nn.sClientName), SEC_E_OK);
        ck_assert_sec(FreeContextBuffer(nn.sServerName), SEC_E_OK);
    }
    tokenloop_free(&t);

    /* The name is not announced to clients (Windows' NTLM server
     * ignores it, [pyspnego] docs/exceptions, an invalid SPN
     * completes): another target, no target, and the Windows SPN form
     * as pszPrincipal all work. */
    {
        static const char *const targets[] = {
            "HTTP/other.sspigss.test", NULL, TARGET };
        size_t i;

        for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
            o.target = targets[i];
            st = tokenloop_run(&c, &s, &o, &t);
            assert_loop(st, &t);
            assert_names(&t.server, ALICE);
            tokenloop_free(&t);
        }
    }
    free_cred(&s);
    assert_sec_why(AcquireCredentialsHandleA((LPSTR)TARGET, (LPSTR)PKG,
                                             SECPKG_CRED_INBOUND, NULL, NULL,
                                             NULL, NULL, &s, &ts),
                   SEC_E_OK);
    o.target = TARGET;
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    tokenloop_free(&t);
    free_cred(&s);
    free_cred(&c);
}
END_TEST

/* ----------------------------------------------------------- failures */

/*
 * A wrong password: the client cannot know (NTLM checks nothing there),
 * so every client call succeeds and the acceptor refuses the
 * AUTHENTICATE message with SEC_E_LOGON_DENIED ([wine] testAuth allows
 * exactly LOGON_DENIED at the server), keeping the reason.
 */
START_TEST(wrong_password)
{
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL, .wide = _i != 0 };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_identity_ok(_i != 0 ? ID_W : ID_A, "alice", DOMAIN, "wrong-pw",
                        &c);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_msg(st == SEC_E_LOGON_DENIED, "%s: %s",
                  sspigss_status_name(st), describe(&t));
    ck_assert_int_eq(t.nlegs, 4);
    ck_assert_sec(t.legs[0].status, SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(t.legs[1].status, SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(t.legs[2].status, SEC_E_OK);
    ck_assert_sec(t.legs[3].status, SEC_E_LOGON_DENIED);
    ck_assert(!t.server_done);
    ck_assert_msg(sspigss_last_error()[0] != '\0', "no reason kept");
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * Users the acceptor does not know: a name not in the user file (with
 * the file's domain, and without one) and alice of another domain. The
 * acceptor answers SEC_E_LOGON_DENIED, as Windows does for an unknown
 * user ([wine] testAuth runs as a user the server does not know and
 * accepts LOGON_DENIED).
 */
START_TEST(unknown_user)
{
    static const struct {
        const char *user;
        const char *domain;
    } users[] = {
        { "nobody", "SSPIGSS" },
        { "alice", "OTHERDOM" },
        { "nobody", NULL },
    };
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_identity_ok(ID_A, users[_i].user, users[_i].domain, "some-pw",
                        &c);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_int_eq(t.nlegs, 4);
    ck_assert_sec(t.legs[2].status, SEC_E_OK);
    /* Without a domain gss-ntlmssp asks winbind, which fails with
     * ENOENT: a refused logon too (lib/map_gss.c). */
    ck_assert_msg(st == SEC_E_LOGON_DENIED, "%s\\%s: %s: %s",
                  users[_i].domain != NULL ? users[_i].domain : "",
                  users[_i].user, sspigss_status_name(st), describe(&t));
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * No credentials at all: no NTLM_USER_FILE, no identity (and no winbind
 * here). As on Windows a credential handle is made; the first
 * InitializeSecurityContext fails with SEC_E_NO_CREDENTIALS, makes no
 * handle and keeps a reason. A and W.
 */
START_TEST(no_credentials)
{
    unsigned char buf[MAX_TOKEN];
    SecBuffer ob = { sizeof(buf), SECBUFFER_TOKEN, buf };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs = 0x1234;
    TimeStamp ts;
    CredHandle c;
    CtxtHandle h;
    int i;

    ck_assert_int_eq(unsetenv("NTLM_USER_FILE"), 0);
    if (_i == 0)
        assert_sec_why(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                                 SECPKG_CRED_OUTBOUND, NULL,
                                                 NULL, NULL, NULL, &c, &ts),
                       SEC_E_OK);
    else
        assert_sec_why(AcquireCredentialsHandleW(NULL, (LPWSTR)ntlm_w,
                                                 SECPKG_CRED_OUTBOUND, NULL,
                                                 NULL, NULL, NULL, &c, &ts),
                       SEC_E_OK);
    for (i = 0; i < 2; i++) {
        memset(&h, 0xAB, sizeof(h));
        ob.cbBuffer = sizeof(buf);
        if (_i == 0)
            assert_sec_why(InitializeSecurityContextA(
                               &c, NULL, (SEC_CHAR *)TARGET, REQ_ALL, 0,
                               SECURITY_NATIVE_DREP, NULL, 0, &h, &od,
                               &attrs, &ts),
                           SEC_E_NO_CREDENTIALS);
        else
            assert_sec_why(InitializeSecurityContextW(
                               &c, NULL, NULL, REQ_ALL, 0,
                               SECURITY_NATIVE_DREP, NULL, 0, &h, &od,
                               &attrs, &ts),
                           SEC_E_NO_CREDENTIALS);
        ck_assert_msg(sspigss_last_error()[0] != '\0', "no reason kept");
        ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
        ck_assert_uint_eq(attrs, 0x1234);
        ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    }
    free_cred(&c);
}
END_TEST

/*
 * Tokens that are not what the step expects: garbage at the first
 * AcceptSecurityContext (no handle made), a NEGOTIATE where the
 * AUTHENTICATE should come, garbage at the client's second call:
 * SEC_E_INVALID_TOKEN.
 */
START_TEST(bad_tokens)
{
    unsigned char junk[100];
    struct step n, ch, x;
    CredHandle c, s;
    CtxtHandle ch_h, sh;
    size_t i;

    for (i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 73 + 41);
    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    assert_sec_why(asc(&s, &sh, true, ASC_REQ_ALL, junk, sizeof(junk),
                       sizeof(x.tok), &x), SEC_E_INVALID_TOKEN);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);

    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    assert_sec_why(asc(&s, &sh, false, ASC_REQ_ALL, n.tok, n.len,
                       sizeof(x.tok), &x), SEC_E_INVALID_TOKEN);
    assert_sec_why(isc(&c, &ch_h, NULL, REQ_ALL, junk, sizeof(junk),
                       sizeof(x.tok), &x), SEC_E_INVALID_TOKEN);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * A CHALLENGE whose TargetName is empty while UNICODE and a target type
 * flag are set would crash gss-ntlmssp 1.2 (a hostile server could kill
 * the client): the library refuses it with SEC_E_INVALID_TOKEN before
 * gss-ntlmssp sees it, and the context is unchanged, so the real
 * CHALLENGE then completes the handshake.
 */
START_TEST(challenge_without_target_name)
{
    struct step n, ch, bad, au, fin;
    CredHandle c, s;
    CtxtHandle ch_h, sh;
    uint32_t flags;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, TARGET, REQ_ALL, NULL, 0, sizeof(n.tok),
                      &n), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_ge(ch.len, 24);
    ck_assert_int_eq(ntlm_type(ch.tok, ch.len), 2);
    memcpy(bad.tok, ch.tok, ch.len);
    bad.tok[12] = bad.tok[13] = bad.tok[14] = bad.tok[15] = 0;
    flags = (uint32_t)bad.tok[20] | (uint32_t)bad.tok[21] << 8
            | (uint32_t)bad.tok[22] << 16 | (uint32_t)bad.tok[23] << 24;
    flags |= 0x00000001u | 0x00010000u;     /* UNICODE, TARGET_TYPE_DOMAIN */
    bad.tok[20] = (unsigned char)flags;
    bad.tok[21] = (unsigned char)(flags >> 8);
    bad.tok[22] = (unsigned char)(flags >> 16);
    bad.tok[23] = (unsigned char)(flags >> 24);
    assert_sec_why(isc(&c, &ch_h, TARGET, REQ_ALL, bad.tok, ch.len,
                       sizeof(au.tok), &au), SEC_E_INVALID_TOKEN);
    ck_assert_sec(isc(&c, &ch_h, TARGET, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_sec(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * An AUTHENTICATE whose EncryptedRandomSessionKey is not 16 bytes while
 * key exchange is on (by the server's CHALLENGE, whatever the
 * AUTHENTICATE's flags say): gss-ntlmssp 1.2 would copy 16 bytes from it
 * (a NULL read for an empty one, crashing the server). Refused with
 * SEC_E_INVALID_TOKEN before gss-ntlmssp sees it; the acceptor's context
 * is unchanged and the real AUTHENTICATE completes.
 */
START_TEST(authenticate_short_session_key)
{
    struct step n, ch, au, bad, fin;
    CredHandle c, s;
    CtxtHandle ch_h, sh;
    uint32_t flags;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, TARGET, REQ_ALL, NULL, 0, sizeof(n.tok),
                      &n), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&c, &ch_h, TARGET, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_uint_ge(au.len, 64);
    ck_assert_int_eq(ntlm_type(au.tok, au.len), 3);
    flags = (uint32_t)au.tok[60] | (uint32_t)au.tok[61] << 8
            | (uint32_t)au.tok[62] << 16 | (uint32_t)au.tok[63] << 24;
    ck_assert_uint_ne(flags & 0x40000000u, 0);      /* KEY_EXCH */
    ck_assert_uint_eq(au.tok[52] | au.tok[53] << 8, 16);
    memcpy(bad.tok, au.tok, au.len);
    bad.tok[52] = bad.tok[53] = bad.tok[54] = bad.tok[55] = 0;
    assert_sec_why(asc(&s, &sh, false, ASC_REQ_ALL, bad.tok, au.len,
                       sizeof(fin.tok), &fin), SEC_E_INVALID_TOKEN);
    /* The same with KEY_EXCH cleared in the AUTHENTICATE: gss-ntlmssp
     * goes by what its CHALLENGE negotiated (fuzz_negotiate_accept). */
    bad.tok[63] &= ~0x40;
    assert_sec_why(asc(&s, &sh, false, ASC_REQ_ALL, bad.tok, au.len,
                       sizeof(fin.tok), &fin), SEC_E_INVALID_TOKEN);
    bad.tok[63] = au.tok[63];
    bad.tok[52] = bad.tok[54] = 8;                  /* 8 bytes: short */
    assert_sec_why(asc(&s, &sh, false, ASC_REQ_ALL, bad.tok, au.len,
                       sizeof(fin.tok), &fin), SEC_E_INVALID_TOKEN);
    ck_assert_sec(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/*
 * A continuation call with a credential that is not the context's:
 * SEC_E_WRONG_CREDENTIAL_HANDLE and nothing changes, whether it is a
 * Kerberos credential (an explicit identity: Kerberos asks its KDC only
 * at the first InitializeSecurityContext, so none is needed here) or a
 * second NTLM one; the same for the acceptor. The context's own
 * credential (or none) then completes the handshake.
 */
START_TEST(wrong_credential_handle)
{
    struct step n, ch, au, fin;
    CredHandle c, c2, k, s, s2;
    CtxtHandle ch_h, sh;
    TimeStamp ts;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_identity_ok(ID_A, "alice", DOMAIN, ALICE_PW, &c2);
    assert_sec_why(acquire_identity_pkg("Kerberos", ID_A, "alice",
                                        "SSPIGSS.TEST", ALICE_PW, &k, &ts),
                   SEC_E_OK);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    acquire_default(&s2, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(isc(&k, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_WRONG_CREDENTIAL_HANDLE);
    ck_assert_sec(isc(&c2, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_WRONG_CREDENTIAL_HANDLE);
    ck_assert_sec(isc(&s, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_WRONG_CREDENTIAL_HANDLE);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_sec(asc(&s2, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_WRONG_CREDENTIAL_HANDLE);
    ck_assert_sec(asc(&k, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_WRONG_CREDENTIAL_HANDLE);
    {
        /* A continuation may pass no credential at all. */
        SecBuffer ib = { au.len, SECBUFFER_TOKEN, au.tok };
        SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
        SecBuffer ob = { sizeof(fin.tok), SECBUFFER_TOKEN, fin.tok };
        SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };

        ck_assert_sec(AcceptSecurityContext(NULL, &sh, &id, ASC_REQ_ALL,
                                            SECURITY_NATIVE_DREP, &sh, &od,
                                            &fin.attrs, &ts), SEC_E_OK);
    }
    roundtrip(&ch_h, &sh, 40, 1);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&c2);
    free_cred(&k);
    free_cred(&s);
    free_cred(&s2);
}
END_TEST

/*
 * Deleting a context twice is fine (Microsoft, DeleteSecurityContext);
 * the deleted handle is refused by every other call; a freed credential
 * cannot be freed again. Freeing the credentials first leaves the
 * contexts working.
 */
START_TEST(handle_misuse)
{
    unsigned char tok[SECURITY_TRAILER], data[16];
    SecPkgContext_Sizes sz;
    ULONG tok_len = sizeof(tok), qop;
    CtxtHandle stale;
    CredHandle stale_cred;
    struct pair p;

    pair_open(&p, REQ_ALL);
    stale = p.t.client;
    stale_cred = p.c;
    free_cred(&p.c);
    free_cred(&p.s);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
    ck_assert_sec(FreeCredentialsHandle(&stale_cred), SEC_E_INVALID_HANDLE);
    roundtrip(CLI(&p), SRV(&p), 100, 1);
    roundtrip(SRV(&p), CLI(&p), 100, 2);
    ck_assert_sec(DeleteSecurityContext(&p.t.client), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&stale), SEC_E_OK);
    p.t.have_client = false;
    fill(data, sizeof(data), 1);
    ck_assert_sec(seal(&stale, 0, tok, &tok_len, data, sizeof(data)),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(unseal(&stale, tok, sizeof(tok), data, sizeof(data),
                         &qop), SEC_E_INVALID_HANDLE);
    ck_assert_sec(QueryContextAttributesA(&stale, SECPKG_ATTR_SIZES, &sz),
                  SEC_E_INVALID_HANDLE);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 1);
    tokenloop_free(&p.t);
}
END_TEST

/*
 * gss-ntlmssp refuses NTLMv1 (LM_COMPAT_LEVEL 3, its default, on the
 * acceptor); a client made to send NTLMv1 (LM_COMPAT_LEVEL 2 while it
 * acquires and initiates) is refused like a wrong password:
 * SEC_E_LOGON_DENIED, as Windows answers a response its policy forbids.
 */
START_TEST(ntlmv1_refused)
{
    struct step n, ch, au, x;
    CredHandle c, s;
    CtxtHandle ch_h, sh;

    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_int_eq(setenv("LM_COMPAT_LEVEL", "2", 1), 0);
    acquire_identity_ok(ID_A, "alice", DOMAIN, ALICE_PW, &c);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(unsetenv("LM_COMPAT_LEVEL"), 0);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(setenv("LM_COMPAT_LEVEL", "2", 1), 0);
    assert_sec_why(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                       sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_int_eq(unsetenv("LM_COMPAT_LEVEL"), 0);
    assert_sec_why(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                       sizeof(x.tok), &x), SEC_E_LOGON_DENIED);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/* --------------------------------------------------------- attributes */

/*
 * Every attribute of an established context, both sides, A (_i 0) or W
 * (_i 1) entry points.
 */
START_TEST(attributes)
{
    bool w = _i != 0;
    SECURITY_STATUS (*qca)(PCtxtHandle, ULONG, PVOID) =
        w ? QueryContextAttributesW : QueryContextAttributesA;
    SecPkgContext_SessionKey k[2];
    struct pair p;
    int side;

    pair_open(&p, REQ_ALL);
    for (side = 0; side < 2; side++) {
        CtxtHandle *h = side == 0 ? CLI(&p) : SRV(&p);
        SecPkgContext_Sizes sz;
        SecPkgContext_Flags fl;
        SecPkgContext_Lifespan ls;
        SecPkgContext_NegotiationInfoA ni;
        SecPkgContext_PackageInfoA pi;
        SecPkgContext_NamesA na;
        SecPkgContext_AuthorityA au;
        SecPkgContext_KeyInfoA ki;
        SecPkgInfoA *info;
        unsigned char buf[256];
        time_t now = time(NULL);

        memset(&sz, 0xAB, sizeof(sz));
        ck_assert_sec(qca(h, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
        ck_assert_uint_eq(sz.cbMaxToken, MAX_TOKEN);
        ck_assert_uint_eq(sz.cbMaxSignature, MAX_SIGNATURE);
        ck_assert_uint_eq(sz.cbBlockSize, BLOCK_SIZE);
        ck_assert_uint_eq(sz.cbSecurityTrailer, SECURITY_TRAILER);

        ck_assert_sec(qca(h, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
        ck_assert_uint_eq(fl.Flags & ~(ULONG)(ISC_RET_ALLOCATED_MEMORY),
                          (side == 0 ? p.t.isc_attrs : p.t.asc_attrs)
                          & ~(ULONG)ISC_RET_ALLOCATED_MEMORY);
        ck_assert_uint_ne(fl.Flags & (side == 0 ? ISC_RET_INTEGRITY
                                                : ASC_RET_INTEGRITY), 0);

        ck_assert_sec(qca(h, SECPKG_ATTR_LIFESPAN, &ls), SEC_E_OK);
        ck_assert_msg(ls.tsStart.QuadPart > ft_local(now - 60)
                      && ls.tsStart.QuadPart <= ft_local(now + 5),
                      "tsStart %lld, local now %lld",
                      (long long)ls.tsStart.QuadPart,
                      (long long)ft_local(now));
        ck_assert_int_gt(ls.tsExpiry.QuadPart, ls.tsStart.QuadPart);

        ck_assert_sec(qca(h, SECPKG_ATTR_NAMES, &na), SEC_E_OK);
        if (w)
            ck_assert(tokenloop_wcmp((const WCHAR *)(void *)na.sUserName,
                                     ALICE) == 0);
        else
            ck_assert_str_eq(na.sUserName, ALICE);
        ck_assert_sec(FreeContextBuffer(na.sUserName), SEC_E_OK);

        ck_assert_sec(qca(h, SECPKG_ATTR_AUTHORITY, &au), SEC_E_OK);
        if (w)
            ck_assert(tokenloop_wcmp((const WCHAR *)(void *)
                                     au.sAuthorityName, DOMAIN) == 0);
        else
            ck_assert_str_eq(au.sAuthorityName, DOMAIN);
        ck_assert_sec(FreeContextBuffer(au.sAuthorityName), SEC_E_OK);

        memset(&k[side], 0, sizeof(k[side]));
        ck_assert_sec(qca(h, SECPKG_ATTR_SESSION_KEY, &k[side]), SEC_E_OK);
        ck_assert_uint_eq(k[side].SessionKeyLength, 16);
        ck_assert_ptr_nonnull(k[side].SessionKey);

        /* Negotiate's view, and NTLM's own ([wine] negotiate.c: after
         * an NTLM handshake, COMPLETE with NTLM's SecPkgInfo). */
        ck_assert_sec(qca(h, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
        ck_assert_uint_eq(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
        info = ni.PackageInfo;
        ck_assert_ptr_nonnull(info);
        if (w)
            ck_assert(tokenloop_wcmp((const WCHAR *)(void *)info->Name,
                                     PKG) == 0);
        else
            ck_assert_str_eq(info->Name, PKG);
        ck_assert_uint_eq(info->fCapabilities, NTLM_CAPS);
        ck_assert_uint_eq(info->wRPCID, NTLM_RPCID);
        ck_assert_uint_eq(info->wVersion, 1);
        ck_assert_uint_eq(info->cbMaxToken, MAX_TOKEN);
        ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);

        ck_assert_sec(qca(h, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
        if (w)
            ck_assert(tokenloop_wcmp((const WCHAR *)(void *)
                                     pi.PackageInfo->Name, PKG) == 0);
        else
            ck_assert_str_eq(pi.PackageInfo->Name, PKG);
        ck_assert_uint_eq(pi.PackageInfo->cbMaxToken, MAX_TOKEN);
        ck_assert_sec(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);

        /* Not available from gss-ntlmssp (lib/pkg_gss.c): refused
         * rather than guessed. */
        ck_assert_sec(qca(h, SECPKG_ATTR_KEY_INFO, &ki),
                      SEC_E_UNSUPPORTED_FUNCTION);
        ck_assert_sec(qca(h, 0x12345, buf), SEC_E_UNSUPPORTED_FUNCTION);
        ck_assert_sec(qca(h, SECPKG_ATTR_SIZES, NULL),
                      SEC_E_INVALID_PARAMETER);
    }
    /* Both sides hold the same exported session key. */
    ck_assert_mem_eq(k[0].SessionKey, k[1].SessionKey, 16);
    ck_assert_sec(FreeContextBuffer(k[0].SessionKey), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(k[1].SessionKey), SEC_E_OK);
    pair_close(&p);
}
END_TEST

/*
 * SECPKG_ATTR_NATIVE_NAMES on the client: the client "DOMAIN\user" and
 * the target as gss-ntlmssp names it (its SPN form "svc/host"), A and W;
 * on the acceptor: the client and the acceptor's pszPrincipal. (Whether
 * Windows' NTLM answers NATIVE_NAMES at all is not known from the
 * sources cited here; MSDN describes it for Kerberos tickets.)
 */
START_TEST(native_names)
{
    SecPkgContext_NativeNamesA nn;
    SecPkgContext_NativeNamesW nw;
    struct pair p;

    pair_open(&p, REQ_ALL);
    ck_assert_sec(QueryContextAttributesA(CLI(&p), SECPKG_ATTR_NATIVE_NAMES,
                                          &nn), SEC_E_OK);
    ck_assert_str_eq(nn.sClientName, ALICE);
    ck_assert_str_eq(nn.sServerName, TARGET);
    ck_assert_sec(FreeContextBuffer(nn.sClientName), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(nn.sServerName), SEC_E_OK);
    ck_assert_sec(QueryContextAttributesW(CLI(&p), SECPKG_ATTR_NATIVE_NAMES,
                                          &nw), SEC_E_OK);
    ck_assert(tokenloop_wcmp(nw.sClientName, ALICE) == 0);
    ck_assert(tokenloop_wcmp(nw.sServerName, TARGET) == 0);
    ck_assert_sec(FreeContextBuffer(nw.sClientName), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(nw.sServerName), SEC_E_OK);
    /* The acceptor: the client, and its own name, which is its
     * credential's pszPrincipal, here none (lib/pkg_gss.c: gss-ntlmssp
     * cannot be asked for it). */
    ck_assert_sec(QueryContextAttributesA(SRV(&p), SECPKG_ATTR_NATIVE_NAMES,
                                          &nn), SEC_E_OK);
    ck_assert_str_eq(nn.sClientName, ALICE);
    ck_assert_str_eq(nn.sServerName, "");
    ck_assert_sec(FreeContextBuffer(nn.sClientName), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(nn.sServerName), SEC_E_OK);
    pair_close(&p);
}
END_TEST

/* A context half-way through its handshake tells its package and that
 * the negotiation is in progress. */
START_TEST(attributes_in_progress)
{
    SecPkgContext_NegotiationInfoA ni;
    SecPkgContext_PackageInfoA pi;
    struct step n;
    CredHandle c;
    CtxtHandle h;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    ck_assert_sec(isc(&c, &h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(QueryContextAttributesA(&h, SECPKG_ATTR_NEGOTIATION_INFO,
                                          &ni), SEC_E_OK);
    ck_assert_uint_eq(ni.NegotiationState, SECPKG_NEGOTIATION_IN_PROGRESS);
    ck_assert_str_eq(ni.PackageInfo->Name, PKG);
    ck_assert_sec(FreeContextBuffer(ni.PackageInfo), SEC_E_OK);
    ck_assert_sec(QueryContextAttributesA(&h, SECPKG_ATTR_PACKAGE_INFO,
                                          &pi), SEC_E_OK);
    ck_assert_str_eq(pi.PackageInfo->Name, PKG);
    ck_assert_sec(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&h), SEC_E_OK);
    free_cred(&c);
}
END_TEST

/* SECPKG_CRED_ATTR_NAMES: "DOMAIN\user" for default and explicit
 * credentials whatever form the user was given in, A and W. */
START_TEST(credential_names)
{
    SecPkgCredentials_NamesA na;
    SecPkgCredentials_NamesW nw;
    unsigned char buf[64];
    CredHandle c, e, u;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    ck_assert_sec(QueryCredentialsAttributesW(&c, SECPKG_CRED_ATTR_NAMES,
                                              &nw), SEC_E_OK);
    ck_assert(tokenloop_wcmp(nw.sUserName, ALICE) == 0);
    ck_assert_sec(FreeContextBuffer(nw.sUserName), SEC_E_OK);
    ck_assert_sec(QueryCredentialsAttributesA(&c, SECPKG_CRED_ATTR_CERT,
                                              buf),
                  SEC_E_UNSUPPORTED_FUNCTION);
    acquire_identity_ok(ID_W, "bob", DOMAIN, BOB_PW, &e);
    ck_assert_sec(QueryCredentialsAttributesA(&e, SECPKG_CRED_ATTR_NAMES,
                                              &na), SEC_E_OK);
    ck_assert_str_eq(na.sUserName, BOB);
    ck_assert_sec(FreeContextBuffer(na.sUserName), SEC_E_OK);
    acquire_identity_ok(ID_EXA, cfg.bob_upn, NULL, BOB_PW, &u);
    ck_assert_sec(QueryCredentialsAttributesA(&u, SECPKG_CRED_ATTR_NAMES,
                                              &na), SEC_E_OK);
    ck_assert_str_eq(na.sUserName, BOB);
    ck_assert_sec(FreeContextBuffer(na.sUserName), SEC_E_OK);
    free_cred(&c);
    free_cred(&e);
    free_cred(&u);
}
END_TEST

/* ----------------------------------------------------------- messages */

static const ULONG msg_sizes[] = { 1, 13, 15, 16, 17, 1000, 65536 };

/* EncryptMessage/DecryptMessage [TOKEN 16, DATA] of several sizes, both
 * directions. */
START_TEST(seal_sizes)
{
    struct pair p;

    pair_open(&p, REQ_ALL);
    roundtrip(CLI(&p), SRV(&p), msg_sizes[_i], 1);
    roundtrip(SRV(&p), CLI(&p), msg_sizes[_i], 2);
    roundtrip(CLI(&p), SRV(&p), msg_sizes[_i], 3);
    pair_close(&p);
}
END_TEST

/*
 * Several DATA buffers, the TOKEN anywhere in the array ([wine]
 * testSignSeal puts it last): sealed as one message, so DecryptMessage
 * takes it back in the same layout, or joined into one DATA buffer.
 * A PADDING buffer of cbBlockSize (0) is left at 0.
 */
START_TEST(seal_several_buffers)
{
    enum { A = 5, B = 100, C = 1 };
    unsigned char plain[A + B + C], msg[A + B + C], tok[SECURITY_TRAILER];
    unsigned char pad[1];
    SecBuffer b[5];
    SecBufferDesc d = { SECBUFFER_VERSION, 5, b };
    ULONG qop = 0xdead;
    struct pair p;
    int dir;

    pair_open(&p, REQ_ALL);
    for (dir = 0; dir < 2; dir++) {
        CtxtHandle *from = dir == 0 ? CLI(&p) : SRV(&p);
        CtxtHandle *to = dir == 0 ? SRV(&p) : CLI(&p);

        fill(plain, sizeof(plain), (unsigned)dir);
        memcpy(msg, plain, sizeof(msg));
        b[0] = (SecBuffer){ A, SECBUFFER_DATA, msg };
        b[1] = (SecBuffer){ B, SECBUFFER_DATA, msg + A };
        b[2] = (SecBuffer){ BLOCK_SIZE, SECBUFFER_PADDING, pad };
        b[3] = (SecBuffer){ C, SECBUFFER_DATA, msg + A + B };
        b[4] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
        assert_sec_why(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
        ck_assert_uint_eq(b[4].cbBuffer, SECURITY_TRAILER);
        ck_assert_uint_eq(b[2].cbBuffer, 0);
        ck_assert_uint_eq(b[0].cbBuffer + b[1].cbBuffer + b[3].cbBuffer,
                          sizeof(msg));
        assert_signature(tok);
        ck_assert_uint_lt(same_bytes(msg, plain, sizeof(msg)),
                          sizeof(msg) / 2);
        assert_sec_why(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);
        ck_assert_mem_eq(msg, plain, sizeof(msg));

        /* Sealed in three pieces, opened as one. */
        b[4].cbBuffer = sizeof(tok);
        assert_sec_why(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
        assert_sec_why(unseal(to, tok, SECURITY_TRAILER, msg, sizeof(msg),
                              &qop), SEC_E_OK);
        ck_assert_mem_eq(msg, plain, sizeof(msg));
    }
    pair_close(&p);
}
END_TEST

/*
 * DecryptMessage [STREAM, DATA]: the whole message (trailer, then
 * ciphertext) in STREAM; DATA is pointed at the plaintext inside it, as
 * sspigss server and Windows stream callers use it.
 */
START_TEST(seal_stream)
{
    enum { LEN = 300 };
    unsigned char stream[SECURITY_TRAILER + LEN], plain[LEN], *out;
    ULONG tok_len, out_len, qop = 0xdead;
    struct pair p;
    int dir;

    pair_open(&p, REQ_ALL);
    for (dir = 0; dir < 2; dir++) {
        CtxtHandle *from = dir == 0 ? CLI(&p) : SRV(&p);
        CtxtHandle *to = dir == 0 ? SRV(&p) : CLI(&p);

        fill(plain, LEN, (unsigned)dir + 7);
        memcpy(stream + SECURITY_TRAILER, plain, LEN);
        tok_len = SECURITY_TRAILER;
        ck_assert_sec(seal(from, 0, stream, &tok_len,
                           stream + SECURITY_TRAILER, LEN), SEC_E_OK);
        assert_sec_why(unseal_stream(to, stream, sizeof(stream), &out,
                                     &out_len, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);
        ck_assert_ptr_eq(out, stream + SECURITY_TRAILER);
        ck_assert_uint_eq(out_len, LEN);
        ck_assert_mem_eq(out, plain, LEN);
    }
    pair_close(&p);
}
END_TEST

/*
 * A DATA buffer marked SECBUFFER_READONLY is neither sealed nor changed,
 * on either side; the other DATA round-trips.
 */
START_TEST(seal_readonly)
{
    static const char hdr[] = "Header Test";
    unsigned char head[sizeof(hdr)], plain[40], msg[40], tok[16];
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    ULONG qop;
    struct pair p;

    pair_open(&p, REQ_ALL);
    memcpy(head, hdr, sizeof(hdr));
    fill(plain, sizeof(plain), 3);
    memcpy(msg, plain, sizeof(msg));
    b[0] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
    b[1] = (SecBuffer){ sizeof(head), SECBUFFER_DATA | SECBUFFER_READONLY,
                        head };
    b[2] = (SecBuffer){ sizeof(msg), SECBUFFER_DATA, msg };
    assert_sec_why(EncryptMessage(CLI(&p), 0, &d, 0), SEC_E_OK);
    ck_assert_mem_eq(head, hdr, sizeof(hdr));
    ck_assert_uint_lt(same_bytes(msg, plain, sizeof(msg)), sizeof(msg) / 2);
    assert_sec_why(DecryptMessage(SRV(&p), &d, 0, &qop), SEC_E_OK);
    ck_assert_mem_eq(head, hdr, sizeof(hdr));
    ck_assert_mem_eq(msg, plain, sizeof(msg));
    pair_close(&p);
}
END_TEST

/*
 * The DCE/RPC layout (sspilib's test_encrypt_dce[True], which runs on
 * Windows): [DATA|READONLY_WITH_CHECKSUM 24, DATA 32,
 * DATA|READONLY_WITH_CHECKSUM 8, TOKEN 16]. The read-only buffers enter
 * the signature but are not sealed (MS-NLMP 3.4.6, 3.4.6.1), the DATA
 * is; the peer's DecryptMessage with the same descriptor gives the
 * plaintext back; both directions, several times. An altered header
 * (signed, not sealed) is SEC_E_MESSAGE_ALTERED and DATA keeps its
 * ciphertext; the next message goes through (both sides spent one).
 * The same with plain SECBUFFER_READONLY buffers (signed too with
 * NTLMv2: 3.4.6.1 "including the cleartext data buffers").
 */
START_TEST(seal_dce)
{
    enum { H = 24, D = 32, T = 8 };
    unsigned char head[H], data[D], trail[T], tok[SECURITY_TRAILER];
    unsigned char head0[H], plain[D], trail0[T], sealed[D];
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    ULONG ro = _i == 0 ? SECBUFFER_READONLY_WITH_CHECKSUM
                       : SECBUFFER_READONLY;
    ULONG qop;
    struct pair p;
    int n;

    pair_open(&p, REQ_ALL);
    for (n = 0; n < 6; n++) {
        CtxtHandle *from = n % 2 == 0 ? CLI(&p) : SRV(&p);
        CtxtHandle *to = n % 2 == 0 ? SRV(&p) : CLI(&p);

        fill(head0, H, (unsigned)n + 1);
        fill(plain, D, (unsigned)n + 20);
        fill(trail0, T, (unsigned)n + 40);
        memcpy(head, head0, H);
        memcpy(data, plain, D);
        memcpy(trail, trail0, T);
        b[0] = (SecBuffer){ H, SECBUFFER_DATA | ro, head };
        b[1] = (SecBuffer){ D, SECBUFFER_DATA, data };
        b[2] = (SecBuffer){ T, SECBUFFER_DATA | ro, trail };
        b[3] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
        assert_sec_why(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
        ck_assert_uint_eq(b[3].cbBuffer, SECURITY_TRAILER);
        assert_signature(tok);
        ck_assert_mem_eq(head, head0, H);
        ck_assert_mem_eq(trail, trail0, T);
        ck_assert_uint_lt(same_bytes(data, plain, D), D / 2);
        if (n == 4) {
            /* A header byte changed on the way. */
            memcpy(sealed, data, D);
            head[3] ^= 0x20;
            qop = 0xdead;
            assert_sec_why(DecryptMessage(to, &d, 0, &qop),
                           SEC_E_MESSAGE_ALTERED);
            ck_assert_uint_eq(qop, 0xdead);
            ck_assert_mem_eq(data, sealed, D);
            continue;
        }
        qop = 0xdead;
        assert_sec_why(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);
        ck_assert_mem_eq(head, head0, H);
        ck_assert_mem_eq(data, plain, D);
        ck_assert_mem_eq(trail, trail0, T);
    }
    roundtrip(CLI(&p), SRV(&p), 40, 4);
    roundtrip(SRV(&p), CLI(&p), 40, 5);
    pair_close(&p);
}
END_TEST

/*
 * QOP values: Windows' NTLM takes any, SECQOP_WRAP_NO_ENCRYPT included,
 * and the peer's DecryptMessage gives the plaintext back (pyspnego
 * tests/test_sspi.py test_sspi_wrap_no_encryption runs that on Windows;
 * [pyspnego] "wrap - invalid qop": 51566 does not fail). An NTLM
 * signature does not say whether the data was sealed, so the message is
 * sealed as always (lib/ntlm.c) and pfQOP is 0.
 */
START_TEST(seal_qop)
{
    static const ULONG qops[] = { SECQOP_WRAP_NO_ENCRYPT, 51566 };
    unsigned char plain[40], msg[40], tok[16];
    ULONG tok_len, qop;
    struct pair p;
    size_t i;

    pair_open(&p, REQ_ALL);
    for (i = 0; i < sizeof(qops) / sizeof(qops[0]); i++) {
        fill(plain, sizeof(plain), (unsigned)i + 3);
        memcpy(msg, plain, sizeof(msg));
        tok_len = sizeof(tok);
        assert_sec_why(seal(CLI(&p), qops[i], tok, &tok_len, msg,
                            sizeof(msg)), SEC_E_OK);
        ck_assert_uint_lt(same_bytes(msg, plain, sizeof(msg)),
                          sizeof(msg) / 2);
        qop = 0xdead;
        assert_sec_why(unseal(SRV(&p), tok, tok_len, msg, sizeof(msg), &qop),
                       SEC_E_OK);
        ck_assert_uint_eq(qop, 0);
        ck_assert_mem_eq(msg, plain, sizeof(msg));
    }
    roundtrip(CLI(&p), SRV(&p), 40, 4);
    pair_close(&p);
}
END_TEST

/*
 * A tampered message: a byte of the trailer (_i 0), of the ciphertext
 * (_i 1), or of a STREAM (_i 2). SEC_E_MESSAGE_ALTERED, and DATA still
 * holds the ciphertext (no plaintext reaches the caller). The next good
 * message decrypts: both sides spent one sequence number.
 */
START_TEST(seal_tamper)
{
    enum { LEN = 64 };
    unsigned char stream[SECURITY_TRAILER + LEN], plain[LEN], sealed[LEN];
    unsigned char *tok = stream, *data = stream + SECURITY_TRAILER, *out;
    ULONG tok_len = SECURITY_TRAILER, out_len, qop = 0xdead;
    struct pair p;
    SECURITY_STATUS st;

    pair_open(&p, REQ_ALL);
    fill(plain, LEN, 5);
    memcpy(data, plain, LEN);
    ck_assert_sec(seal(CLI(&p), 0, tok, &tok_len, data, LEN), SEC_E_OK);
    if (_i == 0)
        tok[6] ^= 0x01;
    else
        data[LEN / 2] ^= 0x01;
    memcpy(sealed, data, LEN);
    if (_i < 2) {
        st = unseal(SRV(&p), tok, tok_len, data, LEN, &qop);
    } else {
        out = NULL;
        st = unseal_stream(SRV(&p), stream, sizeof(stream), &out, &out_len,
                           &qop);
    }
    assert_sec_why(st, SEC_E_MESSAGE_ALTERED);
    ck_assert_uint_eq(qop, 0xdead);
    ck_assert_mem_eq(data, sealed, LEN);
    ck_assert_uint_lt(same_bytes(data, plain, LEN), LEN / 2);
    roundtrip(CLI(&p), SRV(&p), LEN, 6);
    roundtrip(SRV(&p), CLI(&p), LEN, 7);
    pair_close(&p);
}
END_TEST

/*
 * Out of order: the second message before the first is
 * SEC_E_MESSAGE_ALTERED, as Windows' NTLM reports it ([pyspnego] "Out
 * of sequence wrapping", Server 2019: MESSAGE_ALTERED; NTLM's sequence
 * number is inside its checksum). Replaying a verified signature fails
 * the same way.
 */
START_TEST(out_of_order)
{
    enum { LEN = 11 };
    unsigned char t1[16], t2[16], d1[LEN], d2[LEN];
    ULONG l1 = sizeof(t1), l2 = sizeof(t2), qop;
    struct pair p;

    pair_open(&p, REQ_ALL);
    fill(d1, LEN, 1);
    fill(d2, LEN, 2);
    ck_assert_sec(seal(CLI(&p), 0, t1, &l1, d1, LEN), SEC_E_OK);
    ck_assert_sec(seal(CLI(&p), 0, t2, &l2, d2, LEN), SEC_E_OK);
    assert_sec_why(unseal(SRV(&p), t2, l2, d2, LEN, &qop),
                   SEC_E_MESSAGE_ALTERED);
    pair_close(&p);

    pair_open(&p, REQ_ALL);
    fill(d1, LEN, 1);
    l1 = sizeof(t1);
    ck_assert_sec(sign(SRV(&p), t1, &l1, d1, LEN), SEC_E_OK);
    ck_assert_sec(verify(CLI(&p), t1, l1, d1, LEN, &qop), SEC_E_OK);
    assert_sec_why(verify(CLI(&p), t1, l1, d1, LEN, &qop),
                   SEC_E_MESSAGE_ALTERED);
    pair_close(&p);
}
END_TEST

/*
 * MakeSignature/VerifySignature both directions: [TOKEN, DATA], and the
 * layout of [wine] testSignSeal's complex message (a signed read-only
 * header, data, the header again, TOKEN last), verified as laid out and
 * as one joined DATA buffer. MakeSignature leaves the data alone.
 */
START_TEST(sign_verify)
{
    static const char hdr[] = "Header Test";
    unsigned char head[sizeof(hdr)], msg[13], plain[13], tok[16];
    unsigned char joined[2 * sizeof(hdr) + sizeof(msg)];
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    ULONG qop = 0xdead, tok_len;
    struct pair p;
    int dir;

    pair_open(&p, REQ_ALL);
    mic_roundtrip(CLI(&p), SRV(&p), 100, 1);
    mic_roundtrip(SRV(&p), CLI(&p), 100, 2);
    mic_roundtrip(CLI(&p), SRV(&p), 65536, 3);
    for (dir = 0; dir < 2; dir++) {
        CtxtHandle *from = dir == 0 ? CLI(&p) : SRV(&p);
        CtxtHandle *to = dir == 0 ? SRV(&p) : CLI(&p);

        memcpy(head, hdr, sizeof(hdr));
        memcpy(msg, "Hello, world!", sizeof(msg));
        memcpy(plain, msg, sizeof(msg));
        b[0] = (SecBuffer){ sizeof(head), SECBUFFER_DATA
                            | SECBUFFER_READONLY_WITH_CHECKSUM, head };
        b[1] = (SecBuffer){ sizeof(msg), SECBUFFER_DATA, msg };
        b[2] = (SecBuffer){ sizeof(head), SECBUFFER_DATA
                            | SECBUFFER_READONLY_WITH_CHECKSUM, head };
        b[3] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
        assert_sec_why(MakeSignature(from, 0, &d, 0), SEC_E_OK);
        ck_assert_uint_eq(b[3].cbBuffer, MAX_SIGNATURE);
        assert_signature(tok);
        ck_assert_mem_eq(msg, plain, sizeof(msg));
        assert_sec_why(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);

        assert_sec_why(MakeSignature(from, 0, &d, 0), SEC_E_OK);
        memcpy(joined, head, sizeof(head));
        memcpy(joined + sizeof(head), msg, sizeof(msg));
        memcpy(joined + sizeof(head) + sizeof(msg), head, sizeof(head));
        assert_sec_why(verify(to, tok, MAX_SIGNATURE, joined, sizeof(joined),
                              &qop), SEC_E_OK);
    }
    /* Windows ignores MakeSignature's QOP ([pyspnego] "sign - invalid
     * qop"). */
    {
        SecBuffer sb[2] = { { sizeof(tok), SECBUFFER_TOKEN, tok },
                            { sizeof(msg), SECBUFFER_DATA, msg } };
        SecBufferDesc sd = { SECBUFFER_VERSION, 2, sb };

        assert_sec_why(MakeSignature(CLI(&p), 10, &sd, 0), SEC_E_OK);
        tok_len = sb[0].cbBuffer;
        assert_sec_why(verify(SRV(&p), tok, tok_len, msg, sizeof(msg),
                              &qop), SEC_E_OK);
    }
    pair_close(&p);
}
END_TEST

/*
 * MakeSignature over [DATA|READONLY, DATA, TOKEN]: the read-only buffer
 * is signed too (docs/negotiate.md; Wine's msv1_0 signs every DATA
 * buffer): changed on the way, VerifySignature says
 * SEC_E_MESSAGE_ALTERED; unchanged, SEC_E_OK.
 */
START_TEST(sign_readonly)
{
    unsigned char head[12], msg[20], tok[16];
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    ULONG qop;
    struct pair p;
    int n;

    pair_open(&p, REQ_ALL);
    for (n = 0; n < 2; n++) {
        fill(head, sizeof(head), (unsigned)n);
        fill(msg, sizeof(msg), (unsigned)n + 9);
        b[0] = (SecBuffer){ sizeof(head), SECBUFFER_DATA | SECBUFFER_READONLY,
                            head };
        b[1] = (SecBuffer){ sizeof(msg), SECBUFFER_DATA, msg };
        b[2] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
        assert_sec_why(MakeSignature(CLI(&p), 0, &d, 0), SEC_E_OK);
        if (n == 0)
            head[0] ^= 1;
        assert_sec_why(VerifySignature(SRV(&p), &d, 0, &qop),
                       n == 0 ? SEC_E_MESSAGE_ALTERED : SEC_E_OK);
    }
    pair_close(&p);
}
END_TEST

/*
 * A tampered signature ([wine] testSignSeal: a wrong trailer) or
 * tampered data: SEC_E_MESSAGE_ALTERED, pfQOP untouched; the next
 * signed message verifies.
 */
START_TEST(sign_tamper)
{
    enum { LEN = 20 };
    unsigned char tok[16], data[LEN];
    ULONG tok_len = sizeof(tok), qop = 0xdead;
    struct pair p;
    int what;

    pair_open(&p, REQ_ALL);
    for (what = 0; what < 2; what++) {
        fill(data, LEN, (unsigned)what);
        tok_len = sizeof(tok);
        ck_assert_sec(sign(CLI(&p), tok, &tok_len, data, LEN), SEC_E_OK);
        if (what == 0)
            tok[8] ^= 0x80;
        else
            data[0] ^= 0x80;
        assert_sec_why(verify(SRV(&p), tok, tok_len, data, LEN, &qop),
                       SEC_E_MESSAGE_ALTERED);
        ck_assert_uint_eq(qop, 0xdead);
        mic_roundtrip(CLI(&p), SRV(&p), LEN, 9);
        mic_roundtrip(SRV(&p), CLI(&p), LEN, 10);
    }
    pair_close(&p);
}
END_TEST

/*
 * An empty message: gss-ntlmssp protects none (lib/ntlm.c), so
 * EncryptMessage and MakeSignature of zero DATA bytes are
 * SEC_E_INVALID_TOKEN; nothing is spent, the next message goes through.
 */
START_TEST(empty_message)
{
    unsigned char tok[16], data[1];
    ULONG tok_len = sizeof(tok);
    struct pair p;

    pair_open(&p, REQ_ALL);
    assert_sec_why(seal(CLI(&p), 0, tok, &tok_len, data, 0),
                   SEC_E_INVALID_TOKEN);
    tok_len = sizeof(tok);
    assert_sec_why(sign(CLI(&p), tok, &tok_len, data, 0),
                   SEC_E_INVALID_TOKEN);
    roundtrip(CLI(&p), SRV(&p), 1, 1);
    mic_roundtrip(CLI(&p), SRV(&p), 1, 2);
    pair_close(&p);
}
END_TEST

/*
 * A TOKEN buffer shorter than the 16-byte signature: EncryptMessage and
 * MakeSignature say SEC_E_BUFFER_TOO_SMALL and leave the data alone;
 * DecryptMessage and VerifySignature cannot hold a signature there:
 * SEC_E_INVALID_TOKEN. No sequence number is spent.
 */
START_TEST(token_too_small)
{
    enum { LEN = 64 };
    unsigned char plain[LEN], data[LEN], tok[SECURITY_TRAILER];
    ULONG tok_len, qop;
    struct pair p;
    int dir;

    pair_open(&p, REQ_ALL);
    for (dir = 0; dir < 2; dir++) {
        CtxtHandle *from = dir == 0 ? CLI(&p) : SRV(&p);
        CtxtHandle *to = dir == 0 ? SRV(&p) : CLI(&p);

        fill(plain, LEN, 4);
        memcpy(data, plain, LEN);
        tok_len = SECURITY_TRAILER - 1;
        assert_sec_why(seal(from, 0, tok, &tok_len, data, LEN),
                       SEC_E_BUFFER_TOO_SMALL);
        ck_assert_mem_eq(data, plain, LEN);
        tok_len = MAX_SIGNATURE - 1;
        assert_sec_why(sign(from, tok, &tok_len, data, LEN),
                       SEC_E_BUFFER_TOO_SMALL);
        memset(tok, 0, sizeof(tok));
        assert_sec_why(unseal(to, tok, SECURITY_TRAILER - 1, data, LEN,
                              &qop), SEC_E_INVALID_TOKEN);
        ck_assert_mem_eq(data, plain, LEN);
        assert_sec_why(verify(to, tok, MAX_SIGNATURE - 1, data, LEN, &qop),
                       SEC_E_INVALID_TOKEN);
        roundtrip(from, to, LEN, 5);
        mic_roundtrip(from, to, LEN, 6);
    }
    pair_close(&p);
}
END_TEST

/*
 * A descriptor without its TOKEN (two DATA buffers, as [wine]
 * testSignSeal tries, or one) or without DATA: SEC_E_INVALID_TOKEN for
 * all four calls; the context is not disturbed.
 */
START_TEST(missing_buffers)
{
    unsigned char data[32], data2[16], tok[SECURITY_TRAILER];
    SecBuffer two_data[2] = { { sizeof(data2), SECBUFFER_DATA, data2 },
                              { sizeof(data), SECBUFFER_DATA, data } };
    SecBuffer only_tok = { sizeof(tok), SECBUFFER_TOKEN, tok };
    SecBufferDesc dd = { SECBUFFER_VERSION, 2, two_data };
    SecBufferDesc d1 = { SECBUFFER_VERSION, 1, two_data };
    SecBufferDesc td = { SECBUFFER_VERSION, 1, &only_tok };
    SecBufferDesc *descs[] = { &dd, &d1, &td };
    ULONG qop;
    struct pair p;
    size_t i;

    pair_open(&p, REQ_ALL);
    fill(data, sizeof(data), 0);
    fill(data2, sizeof(data2), 1);
    memset(tok, 0, sizeof(tok));
    for (i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
        ck_assert_sec(EncryptMessage(CLI(&p), 0, descs[i], 0),
                      SEC_E_INVALID_TOKEN);
        ck_assert_sec(DecryptMessage(SRV(&p), descs[i], 0, &qop),
                      SEC_E_INVALID_TOKEN);
        ck_assert_sec(MakeSignature(SRV(&p), 0, descs[i], 0),
                      SEC_E_INVALID_TOKEN);
        ck_assert_sec(VerifySignature(CLI(&p), descs[i], 0, &qop),
                      SEC_E_INVALID_TOKEN);
    }
    ck_assert_sec(EncryptMessage(CLI(&p), 0, NULL, 0), SEC_E_INVALID_TOKEN);
    ck_assert_sec(DecryptMessage(SRV(&p), NULL, 0, &qop),
                  SEC_E_INVALID_TOKEN);
    roundtrip(CLI(&p), SRV(&p), 32, 1);
    roundtrip(SRV(&p), CLI(&p), 32, 2);
    pair_close(&p);
}
END_TEST

/*
 * A context made with neither confidentiality nor integrity (the
 * request of [pyspnego] "wrap - no confidentiality", SSPI NTLM:
 * ISC_REQ_MUTUAL_AUTH only): EncryptMessage is
 * SEC_E_UNSUPPORTED_FUNCTION on the client, MakeSignature gives the
 * dummy signature. One made without ISC_REQ_CONFIDENTIALITY grants no
 * ISC_RET_CONFIDENTIALITY, and signing works both ways.
 */
START_TEST(no_confidentiality)
{
    unsigned char data[32], tok[SECURITY_TRAILER];
    ULONG tok_len = sizeof(tok);
    struct pair p;

    static const unsigned char dummy[16] = { 1 };
    ULONG qop = 0xdead;

    pair_open(&p, ISC_REQ_MUTUAL_AUTH);
    ck_assert_uint_eq(p.t.isc_attrs & (ISC_RET_CONFIDENTIALITY
                                       | ISC_RET_INTEGRITY), 0);
    fill(data, sizeof(data), 0);
    assert_sec_why(seal(CLI(&p), 0, tok, &tok_len, data, sizeof(data)),
                   SEC_E_UNSUPPORTED_FUNCTION);
    /* Without NTLMSSP_NEGOTIATE_SIGN the signature is the dummy one,
     * version 1 and zeros ([wine] testSignSeal message_signature), and
     * it verifies ([pyspnego] "sign - no integrity": no failure). */
    tok_len = sizeof(tok);
    assert_sec_why(sign(CLI(&p), tok, &tok_len, data, sizeof(data)),
                   SEC_E_OK);
    ck_assert_uint_eq(tok_len, MAX_SIGNATURE);
    ck_assert_mem_eq(tok, dummy, sizeof(dummy));
    assert_sec_why(verify(SRV(&p), tok, tok_len, data, sizeof(data), &qop),
                   SEC_E_OK);
    pair_close(&p);

    pair_open(&p, REQ_ALL & ~(ULONG)ISC_REQ_CONFIDENTIALITY);
    ck_assert_uint_eq(p.t.isc_attrs & ISC_RET_CONFIDENTIALITY, 0);
    ck_assert_uint_ne(p.t.isc_attrs & ISC_RET_INTEGRITY, 0);
    mic_roundtrip(CLI(&p), SRV(&p), 32, 1);
    mic_roundtrip(SRV(&p), CLI(&p), 32, 2);
    /* Windows' NTLM seals on a context with integrity but no
     * confidentiality ([pyspnego] "wrap - no confidentiality", SSPI -
     * NTLM: "if either integrity or confidentiality is set this works";
     * only Kerberos needs confidentiality), and the peer opens it. */
    fill(data, sizeof(data), 0);
    tok_len = sizeof(tok);
    ck_assert_sec(seal(CLI(&p), 0, tok, &tok_len, data, sizeof(data)),
                  SEC_E_OK);
    {
        unsigned char plain[sizeof(data)];
        ULONG q;

        fill(plain, sizeof(plain), 0);
        ck_assert_sec(unseal(SRV(&p), tok, tok_len, data, sizeof(data), &q),
                      SEC_E_OK);
        ck_assert_mem_eq(data, plain, sizeof(data));
    }
    pair_close(&p);
}
END_TEST

/* Messages on a context whose handshake is not finished (the client
 * waiting for the CHALLENGE): SEC_E_INVALID_HANDLE. */
START_TEST(not_established)
{
    unsigned char data[32], mtok[SECURITY_TRAILER];
    ULONG mlen = sizeof(mtok), qop;
    struct step n;
    CredHandle c;
    CtxtHandle h;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    ck_assert_sec(isc(&c, &h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    fill(data, sizeof(data), 0);
    ck_assert_sec(seal(&h, 0, mtok, &mlen, data, sizeof(data)),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(unseal(&h, mtok, sizeof(mtok), data, sizeof(data), &qop),
                  SEC_E_INVALID_HANDLE);
    mlen = MAX_SIGNATURE;
    ck_assert_sec(sign(&h, mtok, &mlen, data, sizeof(data)),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(verify(&h, mtok, MAX_SIGNATURE, data, sizeof(data), &qop),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&h), SEC_E_OK);
    free_cred(&c);
}
END_TEST

/* --------------------------------------------------- channel bindings */

/*
 * The same channel bindings (TLS tls-server-end-point style, application
 * data only) on both sides: the handshake completes and messages work.
 * Different bindings: the acceptor refuses the AUTHENTICATE message with
 * SEC_E_BAD_BINDINGS.
 */
START_TEST(channel_bindings)
{
    static const char app[] = "tls-server-end-point:0123456789abcdef";
    static const char other[] = "tls-server-end-point:fedcba9876543210";
    unsigned char cb[sizeof(SEC_CHANNEL_BINDINGS) + 64];
    unsigned char cb2[sizeof(SEC_CHANNEL_BINDINGS) + 64];
    struct tokenloop_opts o = { .target = TARGET, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    struct tokenloop t;
    CredHandle c, s;
    SECURITY_STATUS st;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    o.bindings = cb;
    o.bindings_len = tokenloop_bindings(cb, app, sizeof(app) - 1);
    st = tokenloop_run(&c, &s, &o, &t);
    assert_loop(st, &t);
    assert_ntlm_legs(&t);
    roundtrip(&t.client, &t.server, 50, 1);
    roundtrip(&t.server, &t.client, 50, 2);
    tokenloop_free(&t);

    o.server_bindings = cb2;
    o.server_bindings_len = tokenloop_bindings(cb2, other,
                                               sizeof(other) - 1);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_msg(st == SEC_E_BAD_BINDINGS, "%s: %s",
                  sspigss_status_name(st), describe(&t));
    ck_assert_int_eq(t.nlegs, 4);
    ck_assert_sec(t.legs[2].status, SEC_E_OK);
    ck_assert_sec(t.legs[3].status, SEC_E_BAD_BINDINGS);
    tokenloop_free(&t);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/* ----------------------------------------------------- export, import */

/*
 * Export an established context and import it in the same process: the
 * imported context decrypts what the peer encrypts and answers it. _i:
 * bit 0 exports the client side (else the server), bit 1 asks
 * SECPKG_CONTEXT_EXPORT_DELETE_OLD (the old handle stops working; else it
 * keeps a copy of the state at export). W import for odd cases.
 */
START_TEST(export_import)
{
    bool client = (_i & 1) != 0, delete_old = (_i & 2) != 0;
    SecBuffer packed = { 0, 0xdead, NULL };
    SecPkgContext_Sizes sz;
    unsigned char data[64], tok[SECURITY_TRAILER], plain[64];
    ULONG tok_len = sizeof(tok), qop;
    CtxtHandle imported, *old, *peer;
    struct pair p;

    pair_open(&p, REQ_ALL);
    old = client ? CLI(&p) : SRV(&p);
    peer = client ? SRV(&p) : CLI(&p);
    roundtrip(old, peer, 10, 1);
    assert_sec_why(ExportSecurityContext(old, delete_old
                                         ? SECPKG_CONTEXT_EXPORT_DELETE_OLD
                                         : 0, &packed, NULL), SEC_E_OK);
    ck_assert_uint_gt(packed.cbBuffer, 0);
    ck_assert_ptr_nonnull(packed.pvBuffer);
    if (client)
        assert_sec_why(ImportSecurityContextW((LPWSTR)ntlm_w, &packed, NULL,
                                              &imported), SEC_E_OK);
    else
        assert_sec_why(ImportSecurityContextA((LPSTR)PKG, &packed, NULL,
                                              &imported), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(packed.pvBuffer), SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 3);
    memset(&sz, 0, sizeof(sz));
    ck_assert_sec(QueryContextAttributesA(&imported, SECPKG_ATTR_SIZES,
                                          &sz), SEC_E_OK);
    ck_assert_uint_eq(sz.cbSecurityTrailer, SECURITY_TRAILER);
    ck_assert_uint_eq(sz.cbMaxSignature, MAX_SIGNATURE);

    fill(plain, sizeof(plain), 5);
    memcpy(data, plain, sizeof(data));
    ck_assert_sec(seal(peer, 0, tok, &tok_len, data, sizeof(data)),
                  SEC_E_OK);
    assert_sec_why(unseal(&imported, tok, tok_len, data, sizeof(data), &qop),
                   SEC_E_OK);
    ck_assert_mem_eq(data, plain, sizeof(data));
    roundtrip(&imported, peer, 100, 2);
    mic_roundtrip(peer, &imported, 10, 3);
    mic_roundtrip(&imported, peer, 10, 4);
    memcpy(data, plain, sizeof(data));
    tok_len = sizeof(tok);
    if (delete_old)
        ck_assert_sec(seal(old, 0, tok, &tok_len, data, sizeof(data)),
                      SEC_E_INVALID_HANDLE);
    else
        ck_assert_sec(seal(old, 0, tok, &tok_len, data, sizeof(data)),
                      SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&imported), SEC_E_OK);
    pair_close(&p);
}
END_TEST

/* Exporting a context whose handshake is not over: SEC_E_CANNOT_PACK
 * (lib/pkg_gss.c gssp_export), and the context still completes. */
START_TEST(export_unfinished)
{
    SecBuffer packed = { 0, SECBUFFER_EMPTY, NULL };
    struct step n, ch, au, fin;
    CredHandle c, s;
    CtxtHandle ch_h, sh;

    acquire_default(&c, SECPKG_CRED_OUTBOUND);
    acquire_default(&s, SECPKG_CRED_INBOUND);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, NULL, 0, sizeof(n.tok), &n),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(ExportSecurityContext(&ch_h, 0, &packed, NULL),
                  SEC_E_CANNOT_PACK);
    ck_assert_ptr_null(packed.pvBuffer);
    ck_assert_sec(asc(&s, &sh, true, ASC_REQ_ALL, n.tok, n.len,
                      sizeof(ch.tok), &ch), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(ExportSecurityContext(&sh,
                                        SECPKG_CONTEXT_EXPORT_DELETE_OLD,
                                        &packed, NULL), SEC_E_CANNOT_PACK);
    ck_assert_ptr_null(packed.pvBuffer);
    ck_assert_sec(isc(&c, &ch_h, NULL, REQ_ALL, ch.tok, ch.len,
                      sizeof(au.tok), &au), SEC_E_OK);
    ck_assert_sec(asc(&s, &sh, false, ASC_REQ_ALL, au.tok, au.len,
                      sizeof(fin.tok), &fin), SEC_E_OK);
    roundtrip(&ch_h, &sh, 10, 1);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&ch_h), SEC_E_OK);
    free_cred(&c);
    free_cred(&s);
}
END_TEST

/* Importing what is not an exported context: SEC_E_INVALID_TOKEN, no
 * handle. */
START_TEST(import_garbage)
{
    unsigned char junk[200];
    SecBuffer packed = { sizeof(junk), SECBUFFER_EMPTY, junk };
    CtxtHandle h;
    size_t i;

    for (i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 29 + 3);
    memset(&h, 0xAB, sizeof(h));
    ck_assert_sec(ImportSecurityContextA((LPSTR)PKG, &packed, NULL, &h),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(ImportSecurityContextW((LPWSTR)ntlm_w, &packed, NULL, &h),
                  SEC_E_INVALID_TOKEN);
    ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}
END_TEST

/* ---------------------------------------------------- message engine */

/* Whether a context's messages go through lib/ntlm_msg.c. */
static bool
ctx_engine(CtxtHandle *h)
{
    struct handle_obj *obj;
    bool on;

    ck_assert_sec(handle_lookup(h, HANDLE_CTX, &obj), SEC_E_OK);
    on = gss_ctx_ntlm_engine(obj);
    handle_obj_unref(obj);
    return on;
}

/* Hand a fresh context's messages back to gss-ntlmssp (gss_wrap,
 * gss_unwrap, gss_get_mic, gss_verify_mic on its own context). */
static void
ctx_engine_off(CtxtHandle *h)
{
    struct handle_obj *obj;

    ck_assert_sec(handle_lookup(h, HANDLE_CTX, &obj), SEC_E_OK);
    gss_ctx_ntlm_engine_off(obj);
    handle_obj_unref(obj);
}

/*
 * MS-NLMP 4.2.4 (NTLMv2 authentication) known answers, 4.2.4.4
 * GSS_WrapEx: flags 0xE28A8233 (KEY_EXCH, 56, 128, VERSION,
 * TARGET_INFO, EXTENDED_SESSIONSECURITY, TARGET_TYPE_SERVER,
 * ALWAYS_SIGN, NTLM, SEAL, SIGN, OEM, UNICODE), RandomSessionKey 0x55 x
 * 16 (the exported session key with key exchange), SeqNum 0, "Plaintext"
 * in UTF-16LE: the client-to-server sealing and signing keys, the sealed
 * data and the signature. The server's receive side opens it.
 */
START_TEST(nlmp_vectors)
{
    static const unsigned char seal_key[16] = {
        0x59, 0xf6, 0x00, 0x97, 0x3c, 0xc4, 0x96, 0x0a,
        0x25, 0x48, 0x0a, 0x7c, 0x19, 0x6e, 0x4c, 0x58 };
    static const unsigned char sign_key[16] = {
        0x47, 0x88, 0xdc, 0x86, 0x1b, 0x47, 0x82, 0xf3,
        0x5d, 0x43, 0xfd, 0x98, 0xfe, 0x1a, 0x2d, 0x39 };
    static const unsigned char sealed[18] = {
        0x54, 0xe5, 0x01, 0x65, 0xbf, 0x19, 0x36, 0xdc, 0x99,
        0x60, 0x20, 0xc1, 0x81, 0x1b, 0x0f, 0x06, 0xfb, 0x5f };
    static const unsigned char sig[16] = {
        0x01, 0x00, 0x00, 0x00, 0x7f, 0xb3, 0x8e, 0xc5,
        0xc5, 0x5d, 0x49, 0x76, 0x00, 0x00, 0x00, 0x00 };
    static const char text[] = "Plaintext";
    const uint32_t flags = 0xE28A8233u;
    unsigned char rsk[16], plain[18], msg[18], out[16], k1[16], k2[16];
    struct ntlm_msg *cli, *srv;
    struct ntlm_part part = { msg, sizeof(msg), true };
    size_t i;

    memset(rsk, 0x55, sizeof(rsk));
    for (i = 0; i < 9; i++) {
        plain[2 * i] = (unsigned char)text[i];
        plain[2 * i + 1] = 0;
    }
    cli = ntlm_msg_new(flags, true, rsk);
    srv = ntlm_msg_new(flags, false, rsk);
    ck_assert_ptr_nonnull(cli);
    ck_assert_ptr_nonnull(srv);
    ntlm_msg_keys(cli, true, k1, k2);
    ck_assert_mem_eq(k1, sign_key, 16);
    ck_assert_mem_eq(k2, seal_key, 16);
    ntlm_msg_keys(srv, false, k1, k2);
    ck_assert_mem_eq(k1, sign_key, 16);
    ck_assert_mem_eq(k2, seal_key, 16);
    memcpy(msg, plain, sizeof(msg));
    ck_assert_int_eq(ntlm_msg_seal(cli, &part, 1, out), 0);
    ck_assert_mem_eq(msg, sealed, sizeof(sealed));
    ck_assert_mem_eq(out, sig, sizeof(sig));
    ck_assert_int_eq(ntlm_msg_unseal(srv, &part, 1, out), 0);
    ck_assert_mem_eq(msg, plain, sizeof(plain));
    ntlm_msg_free(cli);
    ntlm_msg_free(srv);
    /* What the engine does not take: no extended session security
     * (NTLMv1-style signing), datagram mode. */
    ck_assert_ptr_null(ntlm_msg_new(flags & ~NTLMSSP_NEGOTIATE_ESS, true,
                                    rsk));
    ck_assert_ptr_null(ntlm_msg_new(flags | NTLMSSP_NEGOTIATE_DATAGRAM,
                                    true, rsk));
}
END_TEST

/*
 * ntlm_msg_peer_mic_unseen (Negotiate's two-leg client, which does not
 * wait for the server's mechListMIC): the server's first message may
 * carry number 1 (it sent a mechListMIC with 0: MIT's, Samba's servers)
 * or 0 (it sent none), whichever, once; later ones follow on. _i: 0 the
 * server sent a mechListMIC, 1 it did not, 2 its first message carries
 * 2 (a message lost: refused, as any number out of turn is).
 */
START_TEST(engine_peer_mic_unseen)
{
    /* Without KEY_EXCH a signature leaves the RC4 stream alone, so the
     * numbers alone differ (the handshakes of check_negotiate cover the
     * stream restart, MS-SPNG 3.3.5.1, with gss-ntlmssp's own). */
    const uint32_t flags = 0xE28A8233u & ~NTLMSSP_NEGOTIATE_KEY_EXCH;
    static const unsigned char mech_list[] = {
        0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
        0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };
    unsigned char rsk[16], sig[16], msg[32];
    struct ntlm_msg *cli, *srv;
    struct ntlm_part mic = { (unsigned char *)mech_list, sizeof(mech_list),
                             false };
    struct ntlm_part part = { msg, sizeof(msg), false };
    int k, spent = _i == 0 ? 1 : _i == 1 ? 0 : 2;

    memset(rsk, 0x42, sizeof(rsk));
    cli = ntlm_msg_new(flags, true, rsk);
    srv = ntlm_msg_new(flags, false, rsk);
    ck_assert_ptr_nonnull(cli);
    ck_assert_ptr_nonnull(srv);
    ntlm_msg_peer_mic_unseen(cli);
    /* The server's mechListMIC (and for _i 2 one more), never
     * delivered. */
    for (k = 0; k < spent; k++)
        ck_assert_int_eq(ntlm_msg_sign(srv, &mic, 1, sig), 0);
    for (k = 0; k < 3; k++) {
        int rc;

        memset(msg, 'a' + k, sizeof(msg));
        ck_assert_int_eq(ntlm_msg_sign(srv, &part, 1, sig), 0);
        rc = ntlm_msg_verify(cli, &part, 1, sig);
        if (_i == 2) {
            ck_assert_int_eq(rc, 1);
            break;
        }
        ck_assert_int_eq(rc, 0);
    }
    ntlm_msg_free(cli);
    ntlm_msg_free(srv);
}
END_TEST

/*
 * sspigss's engine on one side, gss-ntlmssp (gss_wrap, gss_unwrap,
 * gss_get_mic, gss_verify_mic on the peer's context) on the other: _i 0
 * the client has the engine, 1 the server. Every length 1..64, then
 * every 61st up to 4096, sealed and signed, in both directions, in one
 * sequence; a tampered message each way in between. gss-ntlmssp checks
 * the whole 16-byte signature and the engine the same, so a message
 * accepted across is byte for byte what the other side makes.
 */
START_TEST(engine_interop)
{
    unsigned char tok[16], data[32];
    ULONG len, tok_len, qop;
    struct pair p;
    unsigned seed = 1;
    int dir;

    pair_open(&p, REQ_ALL);
    ck_assert(ctx_engine(CLI(&p)));
    ck_assert(ctx_engine(SRV(&p)));
    ctx_engine_off(_i == 0 ? SRV(&p) : CLI(&p));
    ck_assert(ctx_engine(CLI(&p)) == (_i == 0));
    ck_assert(ctx_engine(SRV(&p)) == (_i == 1));
    for (len = 1; len <= 4096; len += len < 64 ? 1 : 61) {
        roundtrip(CLI(&p), SRV(&p), len, seed++);
        roundtrip(SRV(&p), CLI(&p), len, seed++);
        mic_roundtrip(CLI(&p), SRV(&p), len, seed++);
        mic_roundtrip(SRV(&p), CLI(&p), len, seed++);
        if (len == 20) {
            for (dir = 0; dir < 2; dir++) {
                CtxtHandle *from = dir == 0 ? CLI(&p) : SRV(&p);
                CtxtHandle *to = dir == 0 ? SRV(&p) : CLI(&p);

                fill(data, sizeof(data), seed++);
                tok_len = sizeof(tok);
                ck_assert_sec(seal(from, 0, tok, &tok_len, data,
                                   sizeof(data)), SEC_E_OK);
                data[5] ^= 1;
                assert_sec_why(unseal(to, tok, tok_len, data, sizeof(data),
                                      &qop), SEC_E_MESSAGE_ALTERED);
                tok_len = sizeof(tok);
                ck_assert_sec(sign(from, tok, &tok_len, data, sizeof(data)),
                              SEC_E_OK);
                tok[9] ^= 1;
                assert_sec_why(verify(to, tok, tok_len, data, sizeof(data),
                                      &qop), SEC_E_MESSAGE_ALTERED);
            }
        }
    }
    roundtrip(CLI(&p), SRV(&p), 4096, seed++);
    roundtrip(SRV(&p), CLI(&p), 4096, seed++);
    pair_close(&p);
}
END_TEST

/*
 * Export after the engine's messages: the blob carries the engine's RC4
 * streams and sequence numbers (lib/ntlm_msg.c writes them into
 * gss-ntlmssp's format), so a context imported from it with the engine
 * off (SSPIGSS_NTLM_ENGINE=0: gss-ntlmssp's own gss_wrap & co) goes on
 * where the exported one stood, with the peer's engine. _i 0 exports
 * the client, 1 the server.
 */
START_TEST(engine_export_state)
{
    SecBuffer packed = { 0, SECBUFFER_EMPTY, NULL };
    CtxtHandle imported, *old, *peer;
    struct pair p;
    unsigned seed;

    pair_open(&p, REQ_ALL);
    old = _i == 0 ? CLI(&p) : SRV(&p);
    peer = _i == 0 ? SRV(&p) : CLI(&p);
    for (seed = 0; seed < 5; seed++) {
        roundtrip(old, peer, 100 + seed, seed);
        roundtrip(peer, old, 50 + seed, seed);
        mic_roundtrip(old, peer, 10, seed);
    }
    assert_sec_why(ExportSecurityContext(old,
                                         SECPKG_CONTEXT_EXPORT_DELETE_OLD,
                                         &packed, NULL), SEC_E_OK);
    ck_assert_int_eq(setenv("SSPIGSS_NTLM_ENGINE", "0", 1), 0);
    assert_sec_why(ImportSecurityContextA((LPSTR)PKG, &packed, NULL,
                                          &imported), SEC_E_OK);
    ck_assert_sec(FreeContextBuffer(packed.pvBuffer), SEC_E_OK);
    ck_assert(!ctx_engine(&imported));
    ck_assert(ctx_engine(peer));
    for (seed = 10; seed < 14; seed++) {
        roundtrip(&imported, peer, 33, seed);
        roundtrip(peer, &imported, 77, seed);
        mic_roundtrip(peer, &imported, 12, seed);
        mic_roundtrip(&imported, peer, 12, seed);
    }
    ck_assert_sec(DeleteSecurityContext(&imported), SEC_E_OK);
    pair_close(&p);
}
END_TEST

/*
 * SSPIGSS_NTLM_ENGINE=0: messages stay with gss-ntlmssp, as before the
 * engine (lib/ntlm.c): READONLY_WITH_CHECKSUM data in EncryptMessage is
 * SEC_E_UNSUPPORTED_FUNCTION and touches nothing; the rest works.
 */
START_TEST(engine_disabled)
{
    static const char hdr[] = "Header Test";
    unsigned char head[sizeof(hdr)], plain[40], msg[40], tok[16];
    SecBuffer b[3];
    SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
    struct pair p;

    ck_assert_int_eq(setenv("SSPIGSS_NTLM_ENGINE", "0", 1), 0);
    pair_open(&p, REQ_ALL);
    ck_assert(!ctx_engine(CLI(&p)));
    ck_assert(!ctx_engine(SRV(&p)));
    memcpy(head, hdr, sizeof(hdr));
    fill(plain, sizeof(plain), 3);
    memcpy(msg, plain, sizeof(msg));
    b[0] = (SecBuffer){ sizeof(head),
                        SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                        head };
    b[1] = (SecBuffer){ sizeof(msg), SECBUFFER_DATA, msg };
    b[2] = (SecBuffer){ sizeof(tok), SECBUFFER_TOKEN, tok };
    assert_sec_why(EncryptMessage(CLI(&p), 0, &d, 0),
                   SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_mem_eq(msg, plain, sizeof(msg));
    ck_assert_mem_eq(head, hdr, sizeof(hdr));
    roundtrip(CLI(&p), SRV(&p), 40, 4);
    roundtrip(SRV(&p), CLI(&p), 40, 5);
    mic_roundtrip(CLI(&p), SRV(&p), 40, 6);
    pair_close(&p);
}
END_TEST

/*
 * One context, both directions at once from two threads, as Windows
 * allows ([ms] EncryptMessage (NTLM): one thread encrypting and another
 * decrypting on the same context): the client seals messages to the
 * server while another thread unseals, on the same client context,
 * messages the server sealed beforehand. Every message opens, in order;
 * the per-context lock keeps the engine's state whole (run under TSan
 * too). The workers only record a status: Check asserts on the main
 * thread alone (docs/testing.md).
 */
enum { MT_N = 200, MT_LEN = 48 };

struct mt_msgs {
    CtxtHandle *h;
    unsigned char tok[MT_N][16];
    unsigned char data[MT_N][MT_LEN];
    SECURITY_STATUS st;
};

static void *
mt_seal(void *arg)
{
    struct mt_msgs *m = arg;
    int i;

    m->st = SEC_E_OK;
    for (i = 0; i < MT_N && m->st == SEC_E_OK; i++) {
        SecBuffer b[2] = { { 16, SECBUFFER_TOKEN, m->tok[i] },
                           { MT_LEN, SECBUFFER_DATA, m->data[i] } };
        SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

        fill(m->data[i], MT_LEN, (unsigned)i);
        m->st = EncryptMessage(m->h, 0, &d, 0);
    }
    return NULL;
}

static void *
mt_unseal(void *arg)
{
    struct mt_msgs *m = arg;
    unsigned char plain[MT_LEN];
    ULONG qop;
    int i;

    m->st = SEC_E_OK;
    for (i = 0; i < MT_N && m->st == SEC_E_OK; i++) {
        SecBuffer b[2] = { { 16, SECBUFFER_TOKEN, m->tok[i] },
                           { MT_LEN, SECBUFFER_DATA, m->data[i] } };
        SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

        m->st = DecryptMessage(m->h, &d, 0, &qop);
        fill(plain, MT_LEN, 1000u + (unsigned)i);
        if (m->st == SEC_E_OK && memcmp(plain, m->data[i], MT_LEN) != 0)
            m->st = SEC_E_INTERNAL_ERROR;
    }
    return NULL;
}

START_TEST(engine_threads)
{
    static struct mt_msgs out, in;
    unsigned char plain[MT_LEN];
    pthread_t a, b;
    ULONG tok_len, qop;
    struct pair p;
    int i;

    pair_open(&p, REQ_ALL);
    for (i = 0; i < MT_N; i++) {
        tok_len = 16;
        fill(in.data[i], MT_LEN, 1000u + (unsigned)i);
        ck_assert_sec(seal(SRV(&p), 0, in.tok[i], &tok_len, in.data[i],
                           MT_LEN), SEC_E_OK);
    }
    out.h = CLI(&p);
    in.h = CLI(&p);
    ck_assert_int_eq(pthread_create(&a, NULL, mt_seal, &out), 0);
    ck_assert_int_eq(pthread_create(&b, NULL, mt_unseal, &in), 0);
    ck_assert_int_eq(pthread_join(a, NULL), 0);
    ck_assert_int_eq(pthread_join(b, NULL), 0);
    ck_assert_sec(out.st, SEC_E_OK);
    ck_assert_sec(in.st, SEC_E_OK);
    for (i = 0; i < MT_N; i++) {
        assert_sec_why(unseal(SRV(&p), out.tok[i], 16, out.data[i], MT_LEN,
                              &qop), SEC_E_OK);
        fill(plain, MT_LEN, (unsigned)i);
        ck_assert_mem_eq(out.data[i], plain, MT_LEN);
    }
    pair_close(&p);
}
END_TEST

/* -------------------------------------------------------------- suite */

static TCase *
tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *
ntlm_suite(void)
{
    Suite *s = suite_create("ntlm");
    TCase *tc;

    tc = tcase(s, "handshake");
    tcase_add_loop_test(tc, handshake_identity, 0, N_ID_CASES);
    tcase_add_test(tc, handshake_bob);
    tcase_add_loop_test(tc, handshake_targets, 0, 4);
    tcase_add_test(tc, handshake_default);
    tcase_add_loop_test(tc, handshake_buffers, 0, 4);
    tcase_add_test(tc, cred_multiple_use);
    tcase_add_test(tc, initiate_output_too_small);
    tcase_add_test(tc, accept_output_too_small);
    tcase_add_test(tc, continuation_output_too_small);
    tcase_add_test(tc, acceptor_principal);

    tc = tcase(s, "failures");
    tcase_add_loop_test(tc, wrong_password, 0, 2);
    tcase_add_loop_test(tc, unknown_user, 0, 3);
    tcase_add_loop_test(tc, no_credentials, 0, 2);
    tcase_add_test(tc, bad_tokens);
    tcase_add_test(tc, challenge_without_target_name);
    tcase_add_test(tc, authenticate_short_session_key);
    tcase_add_test(tc, wrong_credential_handle);
    tcase_add_test(tc, handle_misuse);
    tcase_add_test(tc, ntlmv1_refused);

    tc = tcase(s, "attributes");
    tcase_add_loop_test(tc, attributes, 0, 2);
    tcase_add_test(tc, native_names);
    tcase_add_test(tc, attributes_in_progress);
    tcase_add_test(tc, credential_names);

    tc = tcase(s, "messages");
    tcase_add_loop_test(tc, seal_sizes, 0,
                        (int)(sizeof(msg_sizes) / sizeof(msg_sizes[0])));
    tcase_add_test(tc, seal_several_buffers);
    tcase_add_test(tc, seal_stream);
    tcase_add_test(tc, seal_readonly);
    tcase_add_loop_test(tc, seal_dce, 0, 2);
    tcase_add_test(tc, seal_qop);
    tcase_add_loop_test(tc, seal_tamper, 0, 3);
    tcase_add_test(tc, out_of_order);
    tcase_add_test(tc, sign_verify);
    tcase_add_test(tc, sign_readonly);
    tcase_add_test(tc, sign_tamper);
    tcase_add_test(tc, empty_message);
    tcase_add_test(tc, token_too_small);
    tcase_add_test(tc, missing_buffers);
    tcase_add_test(tc, no_confidentiality);
    tcase_add_test(tc, not_established);

    tc = tcase(s, "bindings");
    tcase_add_test(tc, channel_bindings);

    tc = tcase(s, "engine");
    tcase_add_test(tc, nlmp_vectors);
    tcase_add_loop_test(tc, engine_peer_mic_unseen, 0, 3);
    tcase_add_loop_test(tc, engine_interop, 0, 2);
    tcase_add_loop_test(tc, engine_export_state, 0, 2);
    tcase_add_test(tc, engine_disabled);

    /* The TSan pass runs this TCase only (tests/local.am check-threads). */
    tc = tcase(s, "threads");
    tcase_add_test(tc, engine_threads);

    tc = tcase(s, "export");
    tcase_add_loop_test(tc, export_import, 0, 4);
    tcase_add_test(tc, export_unfinished);
    tcase_add_test(tc, import_garbage);
    return s;
}

int
main(void)
{
    if (!load_config()) {
        fprintf(stderr, "check_ntlm: needs NTLM_USER_FILE; run it through "
                "tests/check_ntlm.sh\n");
        return 99;
    }
    return run_suite(ntlm_suite());
}
