/*
 * check_negotiate.c - the Negotiate package: Kerberos when it can be
 * used, NTLM when it cannot, within the caller's PackageList, against a
 * real KDC and gss-ntlmssp.
 *
 * Run through tests/check_negotiate.sh, which writes an NTLM user file
 * (NTLM_USER_FILE: alice with her Kerberos password, and carol, whom the
 * KDC does not know) and starts a throwaway MIT KDC with
 * tests/check_kerberos.sh (SSPIGSS_TEST_* describe it; alice has a TGT in
 * the default ccache; the default keytab holds host/HOST). Each test runs
 * the client and the server in this process (tests/tokenloop.c) and
 * asserts the exact SEC code of every call that fails, the package
 * chosen (SECPKG_ATTR_NEGOTIATION_INFO), and that nothing leaks.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#include "gss_int.h"
#include "handles.h"
#include "internal.h"
#include "testutil.h"
#include "tokenloop.h"
#include "ex2.h"

#define PKG "Negotiate"

#define REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
             | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
             | ISC_REQ_SEQUENCE_DETECT)
#define AREQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY \
              | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT \
              | ASC_REQ_SEQUENCE_DETECT)

static struct {
    const char *realm;
    const char *domain;         /* NetBIOS-style: first label of realm */
    char target[160];           /* host/HOST: a service the KDC knows */
    char unknown[160];          /* nosuch/HOST: one it does not */
    char alice_names[160];      /* DOMAIN\alice */
} cfg;

static bool
load_config(void)
{
    const char *realm = getenv("SSPIGSS_TEST_REALM");
    const char *domain = getenv("SSPIGSS_TEST_DOMAIN");
    const char *host = getenv("SSPIGSS_TEST_HOST");

    if (realm == NULL || domain == NULL || host == NULL
        || getenv("NTLM_USER_FILE") == NULL)
        return false;
    cfg.realm = realm;
    cfg.domain = domain;
    snprintf(cfg.target, sizeof(cfg.target), "host/%s", host);
    snprintf(cfg.unknown, sizeof(cfg.unknown), "nosuch/%s", host);
    snprintf(cfg.alice_names, sizeof(cfg.alice_names), "%s\\alice",
             domain);
    return true;
}

/* ------------------------------------------------------------ fixture */

static size_t bufs_before;
static char profile_path[512];

static void
leak_setup(void)
{
    bufs_before = ctxbuf_outstanding();
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}

static void
leak_teardown(void)
{
    if (profile_path[0] != '\0')
        unlink(profile_path);
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "%zu credential handles "
                  "left", handle_count(HANDLE_CRED));
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "%zu context handles left",
                  handle_count(HANDLE_CTX));
    ck_assert_msg(ctxbuf_outstanding() == bufs_before,
                  "%zu context buffers not freed",
                  ctxbuf_outstanding() - bufs_before);
}

#define assert_sec(got, want)                                             \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

/* ------------------------------------------------------------ helpers */

/* An explicit identity (EX form when package_list is not NULL). */
static SECURITY_STATUS
acquire_id(const char *user, const char *domain, const char *password,
           const char *package_list, ULONG use, CredHandle *c)
{
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    TimeStamp ts;

    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)user;
    ex.UserLength = user != NULL ? (ULONG)strlen(user) : 0;
    ex.Domain = (unsigned char *)domain;
    ex.DomainLength = domain != NULL ? (ULONG)strlen(domain) : 0;
    ex.Password = (unsigned char *)password;
    ex.PasswordLength = password != NULL ? (ULONG)strlen(password) : 0;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)package_list;
    ex.PackageListLength = package_list != NULL
                           ? (ULONG)strlen(package_list) : 0;
    return AcquireCredentialsHandleA(NULL, (LPSTR)PKG, use, NULL, &ex, NULL,
                                     NULL, c, &ts);
}

static SECURITY_STATUS
acquire_alice(const char *package_list, CredHandle *c)
{
    return acquire_id("alice", cfg.domain, "alice-pw-1", package_list,
                      SECPKG_CRED_OUTBOUND, c);
}

static void
acquire_server(CredHandle *s)
{
    TimeStamp ts;

    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                         SECPKG_CRED_INBOUND, NULL, NULL,
                                         NULL, NULL, s, &ts), SEC_E_OK);
}

/* The package a side negotiated (SECPKG_ATTR_NEGOTIATION_INFO). */
static void
assert_chosen(CtxtHandle *h, const char *want)
{
    SecPkgContext_NegotiationInfoA ni;

    memset(&ni, 0, sizeof(ni));
    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_NEGOTIATION_INFO,
                                       &ni), SEC_E_OK);
    ck_assert_ptr_nonnull(ni.PackageInfo);
    ck_assert_str_eq(ni.PackageInfo->Name, want);
    ck_assert_uint_eq(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
    ck_assert_sec(FreeContextBuffer(ni.PackageInfo), SEC_E_OK);
    /* PACKAGE_INFO names it too once established (sspilib's and
     * pyspnego's tests on Windows). */
    {
        SecPkgContext_PackageInfoA pi;

        assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_PACKAGE_INFO, &pi),
                   SEC_E_OK);
        ck_assert_str_eq(pi.PackageInfo->Name, want);
        ck_assert_sec(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
    }
}

static void
assert_names(CtxtHandle *h, const char *want)
{
    SecPkgContext_NamesA n;

    assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    ck_assert_str_eq(n.sUserName, want);
    ck_assert_sec(FreeContextBuffer(n.sUserName), SEC_E_OK);
}

/* One EncryptMessage -> DecryptMessage and one MakeSignature ->
 * VerifySignature, from a to b, in the sizes the context reports. */
static void
roundtrip(CtxtHandle *a, CtxtHandle *b)
{
    SecPkgContext_Sizes sz;
    char msg[] = "negotiated message";
    char data[sizeof(msg)];
    unsigned char tok[128];
    SecBuffer bufs[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, bufs };
    ULONG qop = 7;

    assert_sec(QueryContextAttributesA(a, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    ck_assert_uint_le(sz.cbSecurityTrailer, sizeof(tok));
    memcpy(data, msg, sizeof(msg));
    bufs[0] = (SecBuffer){ sz.cbSecurityTrailer, SECBUFFER_TOKEN, tok };
    bufs[1] = (SecBuffer){ sizeof(data), SECBUFFER_DATA, data };
    assert_sec(EncryptMessage(a, 0, &d, 0), SEC_E_OK);
    ck_assert(memcmp(data, msg, sizeof(msg)) != 0);
    assert_sec(DecryptMessage(b, &d, 0, &qop), SEC_E_OK);
    ck_assert_uint_eq(qop, 0);
    ck_assert_mem_eq(data, msg, sizeof(msg));

    bufs[0] = (SecBuffer){ sz.cbMaxSignature, SECBUFFER_TOKEN, tok };
    bufs[1] = (SecBuffer){ sizeof(data), SECBUFFER_DATA, data };
    assert_sec(MakeSignature(a, 0, &d, 1), SEC_E_OK);
    assert_sec(VerifySignature(b, &d, 1, &qop), SEC_E_OK);
    /* A changed message: MESSAGE_ALTERED whichever package signs. */
    bufs[0].cbBuffer = sz.cbMaxSignature;
    assert_sec(MakeSignature(a, 0, &d, 2), SEC_E_OK);
    data[0] ^= 1;
    assert_sec(VerifySignature(b, &d, 2, &qop), SEC_E_MESSAGE_ALTERED);
}

/* No step returned SEC_I_COMPLETE_NEEDED, so nothing is left to
 * complete: CompleteAuthToken called anyway succeeds on both sides
 * (lib/pkg_gss.c gssp_complete), and no leg asked for it. */
static void
complete_nothing(struct tokenloop *t)
{
    unsigned char tok[16];
    SecBuffer b = { sizeof(tok), SECBUFFER_TOKEN, tok };
    SecBufferDesc d = { SECBUFFER_VERSION, 1, &b };
    int i;

    for (i = 0; i < t->nlegs; i++) {
        ck_assert_int_ne(t->legs[i].status, SEC_I_COMPLETE_NEEDED);
        ck_assert_int_ne(t->legs[i].status, SEC_I_COMPLETE_AND_CONTINUE);
    }
    assert_sec(CompleteAuthToken(&t->client, &d), SEC_E_OK);
    assert_sec(CompleteAuthToken(&t->server, &d), SEC_E_OK);
}

/* A full handshake that must succeed; t is left for the caller. */
static void
handshake(CredHandle *c, CredHandle *s, const char *target,
          struct tokenloop *t)
{
    struct tokenloop_opts o = { .target = target, .isc_req = REQ,
                                .asc_req = AREQ };
    SECURITY_STATUS st = tokenloop_run(c, s, &o, t);

    ck_assert_msg(st == SEC_E_OK, "handshake to %s: %s [%s] %s",
                  target != NULL ? target : "(none)",
                  sspigss_status_name(st), t->error, sspigss_last_error());
}

/* A profile read before the KDC's (KRB5_CONFIG is a list: the first file
 * that sets a relation wins), in this test's process only. */
static void
use_profile_extra(const char *text)
{
    const char *orig = getenv("KRB5_CONFIG");
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char list[1200];
    FILE *f;
    int fd;

    ck_assert_ptr_nonnull(orig);
    snprintf(profile_path, sizeof(profile_path),
             "%s/check_negotiate-profile.XXXXXX",
             dir != NULL ? dir : "/tmp");
    fd = mkstemp(profile_path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(list, sizeof(list), "%s:%s", profile_path, orig);
    ck_assert_int_eq(setenv("KRB5_CONFIG", list, 1), 0);
}

/*
 * A realm whose KDC nobody runs: NOKDC.TEST, at a port where nothing
 * listens. alice has an NTLM account in the domain of that name too
 * (tests/check_negotiate.sh), so NTLM can stand in.
 */
#define NOKDC "NOKDC.TEST"

static void
no_kdc(void)
{
    use_profile_extra("[libdefaults]\n    kdc_timeout = 1000\n"
                      "    max_retries = 1\n"
                      "[realms]\n    " NOKDC " = {\n"
                      "        kdc = 127.0.0.1:9\n    }\n");
}

static SECURITY_STATUS
acquire_alice_nokdc(const char *package_list, CredHandle *c)
{
    return acquire_id("alice", NOKDC, "alice-pw-1", package_list,
                      SECPKG_CRED_OUTBOUND, c);
}

/* The first InitializeSecurityContext only, expected to fail: nothing is
 * made and the outputs are left alone. */
static SECURITY_STATUS
isc_fails(CredHandle *c, const char *target)
{
    unsigned char out[4096];
    SecBuffer ob = { sizeof(out), SECBUFFER_TOKEN, out };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs = 0x1234;
    TimeStamp ts = { .QuadPart = 42 };
    CtxtHandle h;
    SECURITY_STATUS st;

    memset(&h, 0xAB, sizeof(h));
    st = InitializeSecurityContextA(c, NULL, (SEC_CHAR *)target, REQ, 0,
                                    SECURITY_NATIVE_DREP, NULL, 0, &h, &od,
                                    &attrs, &ts);
    ck_assert_msg(!SEC_SUCCESS(st), "%s succeeded",
                  sspigss_status_name(st));
    ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
    ck_assert_uint_eq(attrs, 0x1234);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    return st;
}

/* ---------------------------------------------------------- Kerberos */

/*
 * With a KDC and a known target, Negotiate picks Kerberos: the SPNEGO
 * exchange carries the AP-REQ and AP-REP, the sizes are Kerberos', both
 * sides name Kerberos as negotiated and the server sees DOMAIN\alice.
 * _i: 0 explicit identity, 1 the default ccache.
 */
START_TEST(chooses_kerberos)
{
    CredHandle c, s;
    struct tokenloop t;
    SecPkgContext_Sizes sz;
    TimeStamp ts;

    if (_i == 0)
        assert_sec(acquire_alice(NULL, &c), SEC_E_OK);
    else
        assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                             SECPKG_CRED_OUTBOUND, NULL, NULL,
                                             NULL, NULL, &c, &ts), SEC_E_OK);
    acquire_server(&s);
    handshake(&c, &s, cfg.target, &t);
    ck_assert_int_eq(t.legs[0].status, SEC_I_CONTINUE_NEEDED);
    assert_chosen(&t.client, "Kerberos");
    assert_chosen(&t.server, "Kerberos");
    assert_names(&t.server, cfg.alice_names);
    ck_assert(t.isc_attrs & ISC_RET_MUTUAL_AUTH);
    assert_sec(QueryContextAttributesA(&t.client, SECPKG_ATTR_SIZES, &sz),
               SEC_E_OK);
    ck_assert_uint_eq(sz.cbMaxToken, 48000);
    ck_assert_uint_eq(sz.cbMaxSignature, 28);
    complete_nothing(&t);
    roundtrip(&t.client, &t.server);
    roundtrip(&t.server, &t.client);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* SECPKG_CRED_ATTR_NAMES of a default outbound credential: the default
 * cache's user, as the Kerberos package says it. */
START_TEST(default_credential_names)
{
    SecPkgCredentials_NamesA na;
    CredHandle c;
    TimeStamp ts;
    char want[200];

    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                         SECPKG_CRED_OUTBOUND, NULL, NULL,
                                         NULL, NULL, &c, &ts), SEC_E_OK);
    assert_sec(QueryCredentialsAttributesA(&c, SECPKG_CRED_ATTR_NAMES, &na),
               SEC_E_OK);
    snprintf(want, sizeof(want), "alice@%s", cfg.realm);
    ck_assert_str_eq(na.sUserName, want);
    ck_assert_sec(FreeContextBuffer(na.sUserName), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* A wrong password with the KDC reachable is the KDC's refusal: final,
 * no NTLM attempt (SEC_E_LOGON_DENIED at the first call). */
START_TEST(wrong_password)
{
    CredHandle c;

    assert_sec(acquire_id("alice", cfg.domain, "not-alice-pw", NULL,
                          SECPKG_CRED_OUTBOUND, &c), SEC_E_OK);
    assert_sec(isc_fails(&c, cfg.target), SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "Preauthentication failed"));
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* ---------------------------------------------------------- EX2 */

/* Negotiate, outbound, with an EX2 block. */
static SECURITY_STATUS
acquire_ex2(const struct ex2_spec *spec, CredHandle *c)
{
    size_t len;
    unsigned char *b = ex2_build(spec, &len, NULL);
    static const WCHAR negotiate_w[] = { 'N', 'e', 'g', 'o', 't', 'i', 'a',
                                         't', 'e', 0 };
    TimeStamp ts;
    SECURITY_STATUS st;

    st = AcquireCredentialsHandleW(NULL, (LPWSTR)negotiate_w,
                                   SECPKG_CRED_OUTBOUND, NULL, b, NULL, NULL,
                                   c, &ts);
    free(b);
    return st;
}

/*
 * A packed password serves both mechanisms, as an EX identity's does:
 * Kerberos to a service the KDC knows (_i 0), NTLM to one it does not
 * (_i 1: gss-ntlmssp gets the password's NT hash). sspilib's packed
 * layout for _i 1.
 */
START_TEST(ex2_password_both)
{
    size_t plen;
    unsigned char *pw = ex2_password("alice-pw-1", &plen);
    struct ex2_spec spec = { "alice", cfg.domain, NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_PASSWORD, pw, plen,
                             _i };
    CredHandle c, s;
    struct tokenloop t;

    assert_sec(acquire_ex2(&spec, &c), SEC_E_OK);
    acquire_server(&s);
    handshake(&c, &s, _i == 0 ? cfg.target : cfg.unknown, &t);
    assert_chosen(&t.client, _i == 0 ? "Kerberos" : "NTLM");
    assert_chosen(&t.server, _i == 0 ? "Kerberos" : "NTLM");
    assert_names(&t.server, cfg.alice_names);
    roundtrip(&t.client, &t.server);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
    free(pw);
}
END_TEST

/*
 * A packed keytab (sspilib's KeytabCredential: Negotiate, its Linux
 * layout) holds Kerberos keys only: Kerberos to a known service (_i 0);
 * no NTLM to fall back on for an unknown one (_i 1), so the Kerberos
 * failure is the answer.
 */
START_TEST(ex2_keytab_kerberos_only)
{
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char path[600], who[200];
    size_t klen;
    unsigned char *kt;
    struct ex2_spec spec = { "bob", cfg.realm, NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_KEYTAB, NULL, 0, 1 };
    CredHandle c, s;
    struct tokenloop t;

    snprintf(path, sizeof(path), "%s/bob.keytab", dir != NULL ? dir : ".");
    kt = ex2_file_bytes(path, &klen);
    ck_assert_msg(kt != NULL, "no %s (tests/harness/kdc.sh makes it)",
                  path);
    spec.data = kt;
    spec.data_len = klen;
    /* Keys for nobody named: refused, as by the Kerberos package. */
    spec.user = NULL;
    assert_sec(acquire_ex2(&spec, &c), SEC_E_UNKNOWN_CREDENTIALS);
    spec.user = "bob";
    assert_sec(acquire_ex2(&spec, &c), SEC_E_OK);
    free(kt);
    if (_i == 0) {
        acquire_server(&s);
        handshake(&c, &s, cfg.target, &t);
        assert_chosen(&t.client, "Kerberos");
        assert_chosen(&t.server, "Kerberos");
        snprintf(who, sizeof(who), "%s\\bob", cfg.domain);
        assert_names(&t.server, who);
        roundtrip(&t.client, &t.server);
        tokenloop_free(&t);
        ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
    } else {
        assert_sec(isc_fails(&c, cfg.unknown), SEC_E_TARGET_UNKNOWN);
    }
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/*
 * A Negotiate acceptor from an EX2 keytab (sspilib's KeytabCredential
 * with usage "accept"): the default keytab points at nothing, the
 * service's keys come from the block; Kerberos clients are accepted
 * (_i 0). Such an acceptor is Kerberos only (lib/negotiate.c): an NTLM
 * client finds no common mechanism (_i 1), as no_common_package.
 */
START_TEST(ex2_keytab_acceptor)
{
    static const WCHAR negotiate_w[] = { 'N', 'e', 'g', 'o', 't', 'i', 'a',
                                         't', 'e', 0 };
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char path[600], *old;
    struct ex2_spec spec = { NULL, NULL, NULL,
                             &SEC_WINNT_AUTH_DATA_TYPE_KEYTAB, NULL, 0, 0 };
    unsigned char *kt, *b;
    size_t klen, blen;
    CredHandle c, s;
    struct tokenloop t;
    TimeStamp ts;

    snprintf(path, sizeof(path), "%s/keytab", dir != NULL ? dir : ".");
    kt = ex2_file_bytes(path, &klen);
    ck_assert_ptr_nonnull(kt);
    spec.data = kt;
    spec.data_len = klen;
    old = getenv("KRB5_KTNAME") ? strdup(getenv("KRB5_KTNAME")) : NULL;
    ck_assert_int_eq(setenv("KRB5_KTNAME", "FILE:/nonexistent/keytab", 1),
                     0);
    b = ex2_build(&spec, &blen, NULL);
    assert_sec(AcquireCredentialsHandleW(NULL, (LPWSTR)negotiate_w,
                                         SECPKG_CRED_INBOUND, NULL, b, NULL,
                                         NULL, &s, &ts), SEC_E_OK);
    free(b);
    free(kt);
    assert_sec(acquire_alice(NULL, &c), SEC_E_OK);
    if (_i == 0) {
        handshake(&c, &s, cfg.target, &t);
        assert_chosen(&t.server, "Kerberos");
        assert_names(&t.server, cfg.alice_names);
    } else {
        struct tokenloop_opts o = { .target = cfg.unknown, .isc_req = REQ,
                                    .asc_req = AREQ };

        assert_sec(tokenloop_run(&c, &s, &o, &t), SEC_E_ALGORITHM_MISMATCH);
    }
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
    if (old != NULL)
        setenv("KRB5_KTNAME", old, 1);
    else
        unsetenv("KRB5_KTNAME");
    free(old);
}
END_TEST

/* -------------------------------------------------------- to NTLM */

/*
 * Kerberos cannot be used, NTLM can: the handshake completes over NTLM
 * (three SPNEGO round trips' worth: ISC CONTINUE, CONTINUE, OK), NTLM's
 * sizes, and the server sees DOMAIN\user from the NTLM user file.
 *   0: the target has no Kerberos service (nosuch/HOST)
 *   1: no KDC answers (alice of NOKDC.TEST)
 *   2: carol, whom the KDC does not know (only NTLM knows her)
 *   3: no target name at all (Windows' own tests pass NULL)
 *   4: default credentials without a TGT (an empty ccache): NTLM's
 *      default, the user file's first entry
 */
START_TEST(falls_back_to_ntlm)
{
    const char *target = cfg.target;
    char who[160];
    CredHandle c, s;
    struct tokenloop t;
    SecPkgContext_Sizes sz;

    snprintf(who, sizeof(who), "%s", cfg.alice_names);
    switch (_i) {
    case 0:
        target = cfg.unknown;
        break;
    case 1:
        no_kdc();
        break;
    case 3:
        target = NULL;
        break;
    default:
        break;
    }
    if (_i == 4) {
        TimeStamp ts;
        char cc[600];

        snprintf(cc, sizeof(cc), "FILE:%s/no-such-ccache",
                 getenv("SSPIGSS_TEST_DIR"));
        ck_assert_int_eq(setenv("KRB5CCNAME", cc, 1), 0);
        assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                             SECPKG_CRED_OUTBOUND, NULL, NULL,
                                             NULL, NULL, &c, &ts), SEC_E_OK);
    } else if (_i == 2) {
        assert_sec(acquire_id("carol", cfg.domain, "carol-pw", NULL,
                              SECPKG_CRED_OUTBOUND, &c), SEC_E_OK);
        snprintf(who, sizeof(who), "%s\\carol", cfg.domain);
    } else if (_i == 1) {
        assert_sec(acquire_alice_nokdc(NULL, &c), SEC_E_OK);
        snprintf(who, sizeof(who), "%s\\alice", NOKDC);
    } else {
        assert_sec(acquire_alice(NULL, &c), SEC_E_OK);
    }
    acquire_server(&s);
    handshake(&c, &s, target, &t);
    ck_assert_int_eq(t.legs[0].status, SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(t.legs[1].status, SEC_I_CONTINUE_NEEDED);
    assert_chosen(&t.client, "NTLM");
    assert_chosen(&t.server, "NTLM");
    assert_names(&t.server, who);
    assert_sec(QueryContextAttributesA(&t.client, SECPKG_ATTR_SIZES, &sz),
               SEC_E_OK);
    /* [wine] negotiate.c: NTLM's sizes once NTLM was chosen. */
    ck_assert_uint_eq(sz.cbMaxToken, 2888);
    ck_assert_uint_eq(sz.cbMaxSignature, 16);
    ck_assert_uint_eq(sz.cbSecurityTrailer, 16);
    ck_assert_uint_eq(sz.cbBlockSize, 0);
    /* NTLM does not authenticate the server: no ISC_RET_MUTUAL_AUTH,
     * although it was asked for. */
    ck_assert_uint_eq(t.isc_attrs & ISC_RET_MUTUAL_AUTH, 0);
    /* The server has no name of its own over NTLM: an empty one. */
    {
        SecPkgContext_NativeNamesA nn;

        assert_sec(QueryContextAttributesA(&t.server,
                                           SECPKG_ATTR_NATIVE_NAMES, &nn),
                   SEC_E_OK);
        ck_assert_str_eq(nn.sServerName, "");
        ck_assert_ptr_nonnull(strstr(nn.sClientName, "\\"));
        ck_assert_sec(FreeContextBuffer(nn.sClientName), SEC_E_OK);
        ck_assert_sec(FreeContextBuffer(nn.sServerName), SEC_E_OK);
    }
    complete_nothing(&t);
    roundtrip(&t.client, &t.server);
    roundtrip(&t.server, &t.client);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* Whether a context's NTLM messages go through lib/ntlm_msg.c; with
 * off, hand them back to gss-ntlmssp first. */
static bool
ntlm_engine(CtxtHandle *h, bool off)
{
    struct handle_obj *obj;
    bool on;

    ck_assert_sec(handle_lookup(h, HANDLE_CTX, &obj), SEC_E_OK);
    if (off)
        gss_ctx_ntlm_engine_off(obj);
    on = gss_ctx_ntlm_engine(obj);
    handle_obj_unref(obj);
    return on;
}

/*
 * Negotiate settled on NTLM: SPNEGO's mechListMIC has used NTLM's first
 * sequence numbers and gss-ntlmssp has reset its RC4 streams (MS-SPNG
 * 3.3.5.1). sspigss's NTLM engine takes that state from gss-ntlmssp
 * (lib/ntlm_msg.c); on one side only (_i 0: the client, 1: the server),
 * the other keeps gss-ntlmssp's gss_wrap & co, and messages go both
 * ways, several times.
 */
START_TEST(ntlm_engine_after_spnego)
{
    CredHandle c, s;
    struct tokenloop t;
    int n;

    assert_sec(acquire_alice(NULL, &c), SEC_E_OK);
    acquire_server(&s);
    handshake(&c, &s, cfg.unknown, &t);
    assert_chosen(&t.client, "NTLM");
    assert_chosen(&t.server, "NTLM");
    ck_assert(ntlm_engine(&t.client, false));
    ck_assert(ntlm_engine(&t.server, false));
    ck_assert(!ntlm_engine(_i == 0 ? &t.server : &t.client, true));
    for (n = 0; n < 4; n++) {
        roundtrip(&t.client, &t.server);
        roundtrip(&t.server, &t.client);
    }
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/*
 * A Negotiate server given a mechanism's own token, without SPNEGO
 * around it, as older and non-Windows clients send ("Negotiate" over
 * HTTP with a raw NTLMSSP message or a raw Kerberos AP-REQ): Windows'
 * Negotiate accepts both, and so does this one; the context then names
 * that package.
 *   0: a Kerberos package client (raw AP-REQ)
 *   1: an NTLM package client (raw NTLMSSP)
 */
START_TEST(raw_mechanism_tokens)
{
    static const char *const pkgs[] = { "Kerberos", "NTLM" };
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle c, s;
    struct tokenloop t;
    TimeStamp ts;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)"alice";
    id.UserLength = 5;
    id.Domain = (unsigned char *)cfg.domain;
    id.DomainLength = (ULONG)strlen(cfg.domain);
    id.Password = (unsigned char *)"alice-pw-1";
    id.PasswordLength = 10;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)pkgs[_i],
                                         SECPKG_CRED_OUTBOUND, NULL, &id,
                                         NULL, NULL, &c, &ts), SEC_E_OK);
    acquire_server(&s);
    handshake(&c, &s, cfg.target, &t);
    assert_chosen(&t.server, pkgs[_i]);
    assert_names(&t.server, cfg.alice_names);
    roundtrip(&t.client, &t.server);
    roundtrip(&t.server, &t.client);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------------ PackageList */

/* MechTypeList { NTLMSSP } as a NegTokenInit's [0] field. */
static const unsigned char ntlm_alone[] = {
    0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
    0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

static bool
has_bytes(const unsigned char *p, size_t n, const unsigned char *what,
          size_t wn)
{
    return n >= wn && memmem(p, n, what, wn) != NULL;
}

/* Messages both ways, several times (sequence numbers move on). */
static void
messages_both_ways(CtxtHandle *c, CtxtHandle *s)
{
    int i;

    for (i = 0; i < 3; i++) {
        roundtrip(s, c);
        roundtrip(c, s);
    }
}

/*
 * "NTLM" alone: NTLM although Kerberos would work, in two legs as
 * Windows' client takes them (sspilib's test_sec_exchange_allowed_
 * package_list): the client offers NTLM alone and is done when it sends
 * the AUTHENTICATE with its mechListMIC; the server's last token
 * (accept-completed and its mechListMIC) is not needed. The server's
 * first message after that carries number 1 (its mechListMIC had 0).
 */
START_TEST(package_list_ntlm_only)
{
    CredHandle c, s;
    struct tokenloop t;
    struct tokenloop_opts o = { .target = cfg.target, .isc_req = REQ,
                                .asc_req = AREQ,
                                .final_to_done_client = true };
    struct neg_resp r;
    char who[256];

    assert_sec(acquire_alice("NTLM", &c), SEC_E_OK);
    acquire_server(&s);
    assert_sec(tokenloop_run(&c, &s, &o, &t), SEC_E_OK);
    ck_assert_int_eq(t.nlegs, 4);
    assert_sec(t.legs[0].status, SEC_I_CONTINUE_NEEDED);
    assert_sec(t.legs[1].status, SEC_I_CONTINUE_NEEDED);
    assert_sec(t.legs[2].status, SEC_E_OK);
    assert_sec(t.legs[3].status, SEC_E_OK);
    ck_assert(has_bytes(t.legs[0].token, t.legs[0].token_len, ntlm_alone,
                        sizeof(ntlm_alone)));
    /* The AUTHENTICATE leg: responseToken and mechListMIC, no negState. */
    ck_assert(neg_resp_parse(t.legs[2].token, t.legs[2].token_len, &r));
    ck_assert_int_eq(r.state, -1);
    ck_assert_ptr_nonnull(r.token);
    ck_assert_mem_eq(r.token, "NTLMSSP\0\3\0\0\0", 12);
    ck_assert_uint_eq(r.mic_len, 16);
    /* The server's last: accept-completed, its mechListMIC, no token. */
    ck_assert(neg_resp_parse(t.legs[3].token, t.legs[3].token_len, &r));
    ck_assert_int_eq(r.state, 0);
    ck_assert_ptr_null(r.token);
    ck_assert_uint_eq(r.mic_len, 16);
    assert_chosen(&t.client, "NTLM");
    assert_chosen(&t.server, "NTLM");
    snprintf(who, sizeof(who), "%s\\alice", cfg.domain);
    assert_names(&t.server, who);
    messages_both_ways(&t.client, &t.server);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/*
 * The same two legs with the server called as sspilib's test calls it:
 * AcceptSecurityContext #2 with pOutput NULL is SEC_E_OK (Windows'
 * answer there), the unsent token's number spent all the same.
 * _i 1: a TOKEN-less output descriptor (an EMPTY buffer) is the same;
 * _i 2: a TOKEN buffer too small is not: SEC_E_BUFFER_TOO_SMALL, and the
 * call repeated with room gives the token.
 */
START_TEST(package_list_ntlm_no_output)
{
    unsigned char buf[4096], cbuf[4096];
    CredHandle c, s;
    CtxtHandle ch, sh;
    SecBuffer ib, ob, cb;
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    SecBufferDesc cd = { SECBUFFER_VERSION, 1, &cb };
    ULONG attrs;
    TimeStamp ts;

    assert_sec(acquire_alice("NTLM", &c), SEC_E_OK);
    acquire_server(&s);
    cb = (SecBuffer){ sizeof(cbuf), SECBUFFER_TOKEN, cbuf };
    assert_sec(InitializeSecurityContextA(&c, NULL, (SEC_CHAR *)cfg.target,
                                          REQ, 0, 0, NULL, 0, &ch, &cd,
                                          &attrs, &ts),
               SEC_I_CONTINUE_NEEDED);
    ib = (SecBuffer){ cb.cbBuffer, SECBUFFER_TOKEN, cbuf };
    ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
    assert_sec(AcceptSecurityContext(&s, NULL, &id, AREQ, 0, &sh, &od,
                                     &attrs, &ts), SEC_I_CONTINUE_NEEDED);
    ib = (SecBuffer){ ob.cbBuffer, SECBUFFER_TOKEN, buf };
    cb = (SecBuffer){ sizeof(cbuf), SECBUFFER_TOKEN, cbuf };
    assert_sec(InitializeSecurityContextA(NULL, &ch, NULL, REQ, 0, 0, &id,
                                          0, &ch, &cd, &attrs, &ts),
               SEC_E_OK);
    ib = (SecBuffer){ cb.cbBuffer, SECBUFFER_TOKEN, cbuf };
    switch (_i) {
    case 0:
        assert_sec(AcceptSecurityContext(&s, &sh, &id, AREQ, 0, &sh, NULL,
                                         &attrs, &ts), SEC_E_OK);
        break;
    case 1:
        ob = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
        assert_sec(AcceptSecurityContext(&s, &sh, &id, AREQ, 0, &sh, &od,
                                         &attrs, &ts), SEC_E_OK);
        break;
    default:
        ob = (SecBuffer){ 8, SECBUFFER_TOKEN, buf };
        assert_sec(AcceptSecurityContext(&s, &sh, &id, AREQ, 0, &sh, &od,
                                         &attrs, &ts),
                   SEC_E_BUFFER_TOO_SMALL);
        ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
        assert_sec(AcceptSecurityContext(&s, &sh, &id, AREQ, 0, &sh, &od,
                                         &attrs, &ts), SEC_E_OK);
        ck_assert_uint_gt(ob.cbBuffer, 0);
        break;
    }
    assert_chosen(&ch, "NTLM");
    assert_chosen(&sh, "NTLM");
    messages_both_ways(&ch, &sh);
    ck_assert_sec(DeleteSecurityContext(&ch), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/*
 * Excluding Kerberos ("!Kerberos") is not naming NTLM alone: Windows
 * takes the three-leg form there (sspilib's test_sec_exchange_with_
 * negotiate_restricted_package), mechListMICs both ways, and so does
 * the library (MIT's SPNEGO).
 */
START_TEST(package_list_not_kerberos)
{
    CredHandle c, s;
    struct tokenloop t;
    struct tokenloop_opts o = { .target = cfg.target, .isc_req = REQ,
                                .asc_req = AREQ };

    assert_sec(acquire_alice("!Kerberos", &c), SEC_E_OK);
    acquire_server(&s);
    assert_sec(tokenloop_run(&c, &s, &o, &t), SEC_E_OK);
    ck_assert_int_eq(t.nlegs, 5);
    assert_sec(t.legs[2].status, SEC_I_CONTINUE_NEEDED);
    assert_sec(t.legs[3].status, SEC_E_OK);
    assert_sec(t.legs[4].status, SEC_E_OK);
    ck_assert_uint_eq(t.legs[4].token_len, 0);
    assert_chosen(&t.client, "NTLM");
    messages_both_ways(&t.client, &t.server);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/*
 * NTLM excluded ("Kerberos", "!NTLM", "Kerberos,!NTLM"):
 *   - with Kerberos working, Kerberos;
 *   - with no KDC, Windows' Negotiate refuses to downgrade:
 *     SEC_E_DOWNGRADE_DETECTED ([ms] SSPI status codes: "can be
 *     generated simply due to lack of connectivity to a domain
 *     controller"; dotnet/corefx#11708);
 *   - with a target Kerberos does not know, the Kerberos failure itself,
 *     SEC_E_TARGET_UNKNOWN.
 */
START_TEST(package_list_without_ntlm)
{
    static const char *const lists[] = { "Kerberos", "!NTLM",
                                         "Kerberos, !NTLM" };
    const char *list = lists[_i];
    CredHandle c, s;
    struct tokenloop t;

    assert_sec(acquire_alice(list, &c), SEC_E_OK);
    acquire_server(&s);
    handshake(&c, &s, cfg.target, &t);
    assert_chosen(&t.client, "Kerberos");
    tokenloop_free(&t);

    assert_sec(isc_fails(&c, cfg.unknown), SEC_E_TARGET_UNKNOWN);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);

    no_kdc();
    assert_sec(acquire_alice_nokdc(list, &c), SEC_E_OK);
    assert_sec(isc_fails(&c, cfg.target), SEC_E_DOWNGRADE_DETECTED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "NTLM is excluded"));
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* Nothing allowed at all: no credentials to use. "!Kerberos,!NTLM"
 * excludes both; "NegoExtender" names only a package this library lacks
 * (Windows answers SEC_E_NO_CREDENTIALS there, sspilib's
 * test_fail_with_negotiate_and_no_available_packages). */
START_TEST(package_list_nothing)
{
    static const char *const lists[] = { "!Kerberos,!NTLM", "NegoExtender" };
    CredHandle c;

    assert_sec(acquire_alice(lists[_i], &c), SEC_E_OK);
    assert_sec(isc_fails(&c, cfg.target), SEC_E_NO_CREDENTIALS);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/*
 * The server accepts Kerberos only, the client offers NTLM only: the
 * peers share no mechanism. MIT's SPNEGO acceptor finds nothing to
 * negotiate: SEC_E_ALGORITHM_MISMATCH by the mapper's SPNEGO rule
 * (lib/map_gss.c), at AcceptSecurityContext.
 */
START_TEST(no_common_package)
{
    struct tokenloop_opts o = { .target = cfg.target, .isc_req = REQ,
                                .asc_req = AREQ };
    CredHandle c, s;
    struct tokenloop t;
    SECURITY_STATUS st;

    assert_sec(acquire_alice("NTLM", &c), SEC_E_OK);
    assert_sec(acquire_id(NULL, NULL, NULL, "Kerberos", SECPKG_CRED_INBOUND,
                          &s), SEC_E_OK);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_int_ge(t.nlegs, 2);
    ck_assert(!t.legs[1].client);
    assert_sec(t.legs[1].status, SEC_E_ALGORITHM_MISMATCH);
    assert_sec(st, SEC_E_ALGORITHM_MISMATCH);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* --------------------------------------------------------- tampering */

/* The last byte of a NegTokenResp: its mechListMIC's, the last field. */
static size_t
alter_mic(unsigned char *tok, size_t len)
{
    tok[len - 1] ^= 0x01;
    return len;
}

/* DER length of n bytes written at out (short or long form). */
static size_t
der_len(unsigned char *out, size_t n)
{
    if (n < 0x80) {
        out[0] = (unsigned char)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (unsigned char)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)n;
    return 3;
}

/* Read a DER header: tag, content length; returns the header size. */
static size_t
der_read(const unsigned char *p, unsigned char *tag, size_t *len)
{
    size_t i, k;

    *tag = p[0];
    if (p[1] < 0x80) {
        *len = p[1];
        return 2;
    }
    k = p[1] & 0x7f;
    *len = 0;
    for (i = 0; i < k; i++)
        *len = (*len << 8) | p[2 + i];
    return 2 + k;
}

/* A NegTokenResp (RFC 4178) rewritten without its mechListMIC [3], as
 * a man in the middle would strip it. Returns the new length. */
static size_t
strip_mic(unsigned char *tok, size_t len)
{
    unsigned char body[4096], out[4096], tag;
    size_t h, l, bl = 0, n, o = 0;
    const unsigned char *p;

    h = der_read(tok, &tag, &l);
    ck_assert_uint_eq(tag, 0xa1);
    p = tok + h;
    h = der_read(p, &tag, &l);
    ck_assert_uint_eq(tag, 0x30);
    p += h;
    n = l;
    while (n > 0) {
        size_t eh = der_read(p, &tag, &l);

        if (tag != 0xa3) {
            memcpy(body + bl, p, eh + l);
            bl += eh + l;
        }
        p += eh + l;
        n -= eh + l;
    }
    ck_assert_uint_lt(bl, len);
    /* a1 { 30 { body } } */
    {
        unsigned char seq[4096];
        size_t sl = 0;

        seq[sl++] = 0x30;
        sl += der_len(seq + sl, bl);
        memcpy(seq + sl, body, bl);
        sl += bl;
        out[o++] = 0xa1;
        o += der_len(out + o, sl);
        memcpy(out + o, seq, sl);
        o += sl;
    }
    memcpy(tok, out, o);
    return o;
}

/*
 * An NTLM exchange through Negotiate whose leg-th token (1: the server's
 * first, 2: the client's AUTHENTICATE leg, 3: the server's last) goes
 * through tamper on the way; the side that reads it must fail with want,
 * the others having succeeded before. list is the client's PackageList:
 * "!Kerberos" takes three legs (MIT's SPNEGO, mechListMICs both ways),
 * "NTLM" two (the client is done after its AUTHENTICATE).
 */
static void
tampered_exchange(const char *list, int leg_at,
                  size_t (*tamper)(unsigned char *, size_t),
                  SECURITY_STATUS want)
{
    bool two_legs = strcmp(list, "NTLM") == 0;
    unsigned char buf[4096];
    CredHandle c, s;
    CtxtHandle ch, sh;
    SecBuffer ib, ob;
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;
    int leg;

    assert_sec(acquire_alice(list, &c), SEC_E_OK);
    acquire_server(&s);
    ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
    assert_sec(InitializeSecurityContextA(&c, NULL, (SEC_CHAR *)cfg.target,
                                          REQ, 0, 0, NULL, 0, &ch, &od,
                                          &attrs, &ts),
               SEC_I_CONTINUE_NEEDED);
    for (leg = 1; leg <= 4; leg++) {
        ULONG n = ob.cbBuffer;

        if (leg == leg_at + 1)
            n = (ULONG)tamper(buf, n);
        ib = (SecBuffer){ n, SECBUFFER_TOKEN, buf };
        ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
        if (leg % 2 == 1)
            st = AcceptSecurityContext(&s, leg == 1 ? NULL : &sh, &id, AREQ,
                                       0, &sh, &od, &attrs, &ts);
        else
            st = InitializeSecurityContextA(NULL, &ch, NULL, REQ, 0, 0, &id,
                                            0, &ch, &od, &attrs, &ts);
        if (leg == leg_at + 1) {
            assert_sec(st, want);
            /* A failed step sends nothing (FreeRDP sends cbBuffer bytes
             * whenever they are not 0). */
            ck_assert_uint_eq(ob.cbBuffer, 0);
            break;
        }
        assert_sec(st, leg == 3 || (two_legs && leg == 2)
                           ? SEC_E_OK : SEC_I_CONTINUE_NEEDED);
    }
    if (leg_at == 2 && want == SEC_E_MESSAGE_ALTERED) {
        /* The server's failed context is done for: even a whole token
         * (an empty NegTokenResp; one cut short is refused before GSS
         * sees it, lib/pkg_gss.c framing_ok) finds no context. */
        static const unsigned char empty_resp[] = { 0xa1, 0x02, 0x30, 0x00 };

        memcpy(buf, empty_resp, sizeof(empty_resp));
        ib = (SecBuffer){ sizeof(empty_resp), SECBUFFER_TOKEN, buf };
        assert_sec(AcceptSecurityContext(&s, &sh, &id, AREQ, 0, &sh, &od,
                                         &attrs, &ts), SEC_E_INVALID_HANDLE);
    }
    ck_assert_sec(DeleteSecurityContext(&ch), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&sh), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}

/*
 * neg_resp_parse, which the two-leg client reads the server's reply
 * with, takes a NegTokenResp only: each field once, each element of its
 * type and filling its field, nothing after the SEQUENCE's fields.
 */
START_TEST(resp_parse_strict)
{
    static const struct {
        const char *what;
        unsigned char tok[24];
        size_t len;
        bool ok;
        int state;
    } cases[] = {
        { "negState reject", { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a,
                               0x01, 0x02 }, 9, true, 2 },
        { "empty", { 0xa1, 0x02, 0x30, 0x00 }, 4, true, -1 },
        { "responseToken", { 0xa1, 0x08, 0x30, 0x06, 0xa2, 0x04, 0x04,
                             0x02, 'h', 'i' }, 10, true, -1 },
        { "negState twice", { 0xa1, 0x0c, 0x30, 0x0a, 0xa0, 0x03, 0x0a,
                              0x01, 0x00, 0xa0, 0x03, 0x0a, 0x01, 0x01 },
          14, false, 0 },
        { "responseToken not an OCTET STRING",
          { 0xa1, 0x08, 0x30, 0x06, 0xa2, 0x04, 0x05, 0x02, 'h', 'i' },
          10, false, 0 },
        { "an element shorter than its field",
          { 0xa1, 0x09, 0x30, 0x07, 0xa2, 0x05, 0x04, 0x02, 'h', 'i',
            0x00 }, 11, false, 0 },
        { "an unknown field", { 0xa1, 0x07, 0x30, 0x05, 0xa4, 0x03, 0x0a,
                                0x01, 0x00 }, 9, false, 0 },
        { "a NegTokenInit", { 0x60, 0x02, 0x30, 0x00 }, 4, false, 0 },
        { "cut short", { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01 },
          8, false, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct neg_resp r;
        bool ok = neg_resp_parse(cases[i].tok, cases[i].len, &r);

        ck_assert_msg(ok == cases[i].ok, "%s: %s", cases[i].what,
                      ok ? "taken" : "refused");
        if (ok)
            ck_assert_int_eq(r.state, cases[i].state);
    }
    /* A NegTokenInit offering NTLM alone, and one offering more. */
    {
        static const unsigned char init[] = {
            0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
            0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
            0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };
        unsigned char two[sizeof(init) + 11];

        ck_assert(neg_init_sole_ntlm(init, sizeof(init)));
        ck_assert(!neg_init_sole_ntlm(init, sizeof(init) - 1));
        /* The krb5 OID added to the list. */
        memcpy(two, init, 18);
        memcpy(two + 18, "\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02",
               11);
        memcpy(two + 29, init + 18, sizeof(init) - 18);
        two[1] += 11;
        two[11] += 11;
        two[13] += 11;
        two[15] += 11;
        two[17] += 11;
        ck_assert(!neg_init_sole_ntlm(two, sizeof(two)));
    }
}
END_TEST

/* What MIT's SPNEGO acceptor sends when it refuses the logon: a
 * NegTokenResp with negState reject (RFC 4178 4.2.2). */
static size_t
reject_token(unsigned char *tok, size_t len)
{
    static const unsigned char reject[] = {
        0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02 };

    (void)len;
    memcpy(tok, reject, sizeof(reject));
    return sizeof(reject);
}

/*
 * The SPNEGO mechListMIC protects the offered mechanism list (RFC 4178
 * 5, MS-SPNG 3.1.5.1). Over NTLM both sides send one.
 *   0: the client's altered (its last byte): the server fails,
 *      SEC_E_MESSAGE_ALTERED (MIT: GSS_S_BAD_SIG);
 *   1: the server's altered: the client's last call, likewise;
 *   2: the client's stripped in transit (the downgrade attack: the
 *      mechanism list can then be changed unseen). MIT's acceptor would
 *      complete without it; Windows insists on it once NTLM signs, and
 *      so does the library: SEC_E_MESSAGE_ALTERED, the code of an
 *      altered MIC, and the server's context is dropped;
 *   3: the server's stripped: MIT's initiator refuses the token,
 *      SEC_E_INVALID_TOKEN.
 */
START_TEST(mech_list_mic)
{
    switch (_i) {
    case 0:
        tampered_exchange("!Kerberos", 2, alter_mic, SEC_E_MESSAGE_ALTERED);
        break;
    case 1:
        tampered_exchange("!Kerberos", 3, alter_mic, SEC_E_MESSAGE_ALTERED);
        break;
    case 2:
        tampered_exchange("!Kerberos", 2, strip_mic, SEC_E_MESSAGE_ALTERED);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "mechListMIC"));
        break;
    case 3:
        tampered_exchange("!Kerberos", 3, strip_mic, SEC_E_INVALID_TOKEN);
        break;
    /* The two-leg client's mechListMIC protects its list as well. */
    case 4:
        tampered_exchange("NTLM", 2, alter_mic, SEC_E_MESSAGE_ALTERED);
        break;
    default:
        tampered_exchange("NTLM", 2, strip_mic, SEC_E_MESSAGE_ALTERED);
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "mechListMIC"));
        break;
    }
}
END_TEST

/* The server refuses the logon with SPNEGO's reject (as MIT's acceptor
 * does for a wrong NTLM password): the client's last call is
 * SEC_E_LOGON_DENIED, as the server's own was, not a bare failure. */
START_TEST(server_rejects)
{
    tampered_exchange("!Kerberos", 3, reject_token, SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "reject"));
    /* The two-leg client reads a reject in place of the CHALLENGE. */
    tampered_exchange("NTLM", 1, reject_token, SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "reject"));
}
END_TEST

/*
 * The server answers the client's AP-REQ with a KRB-ERROR (RFC 4121
 * 4.1: the krb5 mechanism's error token, ID 03 00) inside a NegTokenResp,
 * as a Kerberos acceptor whose clock is off or whose key does not fit
 * does. Under Negotiate the client's call fails with the Kerberos
 * package's code for that error, not a bare internal error: the
 * mechglue renumbers the krb5 minor status SPNEGO passes on, and the
 * mapper recovers it (lib/map_gss.c, krb5_minor).
 */
/* How many bytes der_len() writes for n. */
static size_t
der_len_size(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

static size_t
krb_error_reply(unsigned char *out, size_t size, krb5_error_code code)
{
    static const unsigned char krb5_oid[] = {
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
    unsigned char tok[1024], seq[1200];
    char name[512];
    krb5_context k;
    krb5_error e;
    krb5_data der;
    size_t t = 0, q = 0, o = 0, inner;

    ck_assert_int_eq(krb5_init_context(&k), 0);
    memset(&e, 0, sizeof(e));
    e.stime = (krb5_timestamp)time(NULL);
    e.error = (krb5_ui_4)(code - ERROR_TABLE_BASE_krb5);
    snprintf(name, sizeof(name), "%s@%s", cfg.target, cfg.realm);
    ck_assert_int_eq(krb5_parse_name(k, name, &e.server), 0);
    ck_assert_int_eq(krb5_mk_error(k, &e, &der), 0);
    /* The GSS token: 0x60, length, the krb5 OID, 03 00, the KRB-ERROR. */
    inner = sizeof(krb5_oid) + 2 + der.length;
    tok[t++] = 0x60;
    t += der_len(tok + t, inner);
    memcpy(tok + t, krb5_oid, sizeof(krb5_oid));
    t += sizeof(krb5_oid);
    tok[t++] = 0x03;
    tok[t++] = 0x00;
    ck_assert_uint_lt(t + der.length, sizeof(tok));
    memcpy(tok + t, der.data, der.length);
    t += der.length;
    krb5_free_data_contents(k, &der);
    krb5_free_principal(k, e.server);
    krb5_free_context(k);
    /* NegTokenResp: negState accept-incomplete, supportedMech krb5,
     * responseToken. */
    seq[q++] = 0xa0;
    seq[q++] = 0x03;
    seq[q++] = 0x0a;
    seq[q++] = 0x01;
    seq[q++] = 0x01;
    seq[q++] = 0xa1;
    seq[q++] = (unsigned char)sizeof(krb5_oid);
    memcpy(seq + q, krb5_oid, sizeof(krb5_oid));
    q += sizeof(krb5_oid);
    seq[q++] = 0xa2;
    q += der_len(seq + q, 1 + der_len_size(t) + t);
    seq[q++] = 0x04;
    q += der_len(seq + q, t);
    memcpy(seq + q, tok, t);
    q += t;
    ck_assert_uint_lt(q + 8, size);
    out[o++] = 0xa1;
    o += der_len(out + o, 1 + der_len_size(q) + q);
    out[o++] = 0x30;
    o += der_len(out + o, q);
    memcpy(out + o, seq, q);
    return o + q;
}

START_TEST(kerberos_error_reply)
{
    static const struct {
        krb5_error_code code;
        SECURITY_STATUS want;
        const char *text;
    } v[] = {
        { KRB5KRB_AP_ERR_SKEW, SEC_E_TIME_SKEW, "Clock skew too great" },
        { KRB5KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL,
          "Message stream modified" },
    };
    unsigned char buf[4096];
    CredHandle c;
    CtxtHandle ch;
    SecBuffer ib, ob;
    SecBufferDesc id = { SECBUFFER_VERSION, 1, &ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs;
    TimeStamp ts;

    assert_sec(acquire_alice(NULL, &c), SEC_E_OK);
    ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
    assert_sec(InitializeSecurityContextA(&c, NULL, (SEC_CHAR *)cfg.target,
                                          REQ, 0, 0, NULL, 0, &ch, &od,
                                          &attrs, &ts),
               SEC_I_CONTINUE_NEEDED);
    ib = (SecBuffer){ (ULONG)krb_error_reply(buf, sizeof(buf), v[_i].code),
                      SECBUFFER_TOKEN, buf };
    ob = (SecBuffer){ sizeof(buf), SECBUFFER_TOKEN, buf };
    assert_sec(InitializeSecurityContextA(NULL, &ch, NULL, REQ, 0, 0, &id, 0,
                                          &ch, &od, &attrs, &ts),
               v[_i].want);
    ck_assert_msg(strstr(sspigss_last_error(), v[_i].text) != NULL, "%s",
                  sspigss_last_error());
    ck_assert_sec(DeleteSecurityContext(&ch), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------------------- suite */

static Suite *
negotiate_suite(void)
{
    Suite *s = suite_create("negotiate");
    TCase *tc;

    tc = tcase_create("kerberos");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, chooses_kerberos, 0, 2);
    tcase_add_test(tc, wrong_password);
    tcase_add_test(tc, default_credential_names);
    tcase_add_loop_test(tc, kerberos_error_reply, 0, 2);
    tcase_add_loop_test(tc, ex2_password_both, 0, 2);
    tcase_add_loop_test(tc, ex2_keytab_kerberos_only, 0, 2);
    tcase_add_loop_test(tc, ex2_keytab_acceptor, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("fallback");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, falls_back_to_ntlm, 0, 5);
    tcase_add_loop_test(tc, ntlm_engine_after_spnego, 0, 2);
    tcase_add_loop_test(tc, raw_mechanism_tokens, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("package_list");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, package_list_ntlm_only);
    tcase_add_loop_test(tc, package_list_ntlm_no_output, 0, 3);
    tcase_add_test(tc, package_list_not_kerberos);
    tcase_add_loop_test(tc, package_list_without_ntlm, 0, 3);
    tcase_add_loop_test(tc, package_list_nothing, 0, 2);
    tcase_add_test(tc, no_common_package);
    suite_add_tcase(s, tc);

    tc = tcase_create("tampering");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, mech_list_mic, 0, 6);
    tcase_add_test(tc, server_rejects);
    tcase_add_test(tc, resp_parse_strict);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    if (!load_config()) {
        fprintf(stderr, "check_negotiate: needs a KDC and an NTLM user "
                "file; run it through tests/check_negotiate.sh\n");
        return 99;
    }
    return run_suite(negotiate_suite());
}
