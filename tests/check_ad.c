/*
 * check_ad.c - account states and PACs: what an Active Directory KDC
 * (Samba 4.17's AD DC) says about an account, and what the Kerberos
 * package makes of it; the same scenarios against MIT's KDC where it has
 * an equivalent.
 *
 * Run through tests/check_ad.sh (SSPIGSS_KDC=samba) and
 * tests/check_ad_mit.sh (SSPIGSS_KDC=mit), which start the KDC with
 * tests/check_kerberos.sh, put a TGT for alice in the default ccache and
 * describe the KDC in SSPIGSS_TEST_KDC, SSPIGSS_TEST_REALM,
 * SSPIGSS_TEST_HOST and SSPIGSS_TEST_DIR. The accounts
 * (tests/harness/samba.sh, kdc.sh and the MIT setup in
 * tests/check_kerberos.sh):
 *
 *   AD (SAMBA.TEST)      disabled, expired, mustchange, oldpw, locked,
 *                        lockme (locked out after 3 bad passwords),
 *                        smartcard; password "<user>-pw"
 *   MIT (SSPIGSS.TEST)   disabled (-allow_tix, password "x"), expired
 *                        (principal expired, "expired-pw"), keyexp
 *                        (password expired, "keyexp-pw"), lockme
 *                        (policy: locked out after 3 bad passwords,
 *                        "lockme-pw")
 *
 * Every refused logon is SEC_E_LOGON_DENIED from the first
 * InitializeSecurityContext of an explicit credential, whose
 * AcquireCredentialsHandle succeeded (Windows asks for the ticket only
 * when it is needed; Microsoft documents SEC_E_LOGON_DENIED, "the logon
 * failed", for InitializeSecurityContext (Kerberos), and records no finer
 * code for these states). The reason is in sspigss_last_error(): the
 * KDC's error, and for AD the NTSTATUS of the KRB-ERROR's e-data as
 * "KDC NTSTATUS 0x........ (STATUS_...)" (lib/krb_edata.c,
 * lib/map_ntstatus.c). Samba sends no NTSTATUS for a locked account, a
 * smartcard-required one, a wrong password or an unknown user, and the
 * test asserts that none appears.
 *
 * Differences between the KDCs, asserted as such: AD checks the password
 * before the account's state (a disabled account with a wrong password
 * is a wrong password); MIT checks the account first. MIT has no
 * must-change-password or smartcard-required state (a password past its
 * expiry is its KEY_EXP; +requires_hwauth is a preauthentication the
 * client cannot do, SEC_E_UNSUPPORTED_PREAUTH in tests/check_mapping.c).
 *
 * The mapping TCase: client-side refusals (only camellia permitted, no
 * client preauthentication, only aes128 permitted with an aes256 TGT)
 * give the same SEC code whichever KDC answers; tests/check_mapping.c
 * has them and the rest against MIT.
 *
 * The PAC test decrypts the service ticket of a real handshake with the
 * service's keytab (krb5 API): AD's carries a PAC with the logon
 * information (KERB_VALIDATION_INFO); MIT 1.20's KDC issues a PAC
 * without it.
 */
#include "setup.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <krb5.h>

#include "handles.h"
#include "internal.h"
#include "testutil.h"
#include "tokenloop.h"

#define PKG "Kerberos"
#define MAX_TOKEN 48000

#define REQ_ALL (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY)
#define ASC_REQ_ALL (ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT \
                     | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY \
                     | ASC_REQ_INTEGRITY)

/* The KDC under test (tests/check_kerberos.sh sets these). */
static struct {
    bool ad;
    const char *kind;
    const char *realm;
    char target[160];           /* host/HOST */
} cfg;

static bool
load_config(void)
{
    const char *kind = getenv("SSPIGSS_TEST_KDC");
    const char *realm = getenv("SSPIGSS_TEST_REALM");
    const char *host = getenv("SSPIGSS_TEST_HOST");

    if (kind == NULL || realm == NULL || host == NULL)
        return false;
    cfg.kind = kind;
    cfg.ad = strcmp(kind, "samba") == 0;
    cfg.realm = realm;
    snprintf(cfg.target, sizeof(cfg.target), "host/%s", host);
    return true;
}

/* ------------------------------------------------------------ fixture */

static size_t bufs_before;
static char profile_path[512];  /* a test's own profile, removed after */

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

/* ------------------------------------------------------------ helpers */

/* An exact SEC code; on a mismatch, say what the library kept. */
#define assert_sec(got, want)                                             \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

static SECURITY_STATUS
acquire_password(const char *user, const char *password, CredHandle *c)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    TimeStamp ts;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)cfg.realm;
    id.DomainLength = (ULONG)strlen(cfg.realm);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return AcquireCredentialsHandleA(NULL, (LPSTR)PKG, SECPKG_CRED_OUTBOUND,
                                     NULL, &id, NULL, NULL, c, &ts);
}

/*
 * The first InitializeSecurityContext (A, or W when wide) of c; a
 * failure must create nothing and leave the outputs alone.
 */
static SECURITY_STATUS
isc_first(CredHandle *c, bool wide)
{
    unsigned char out[MAX_TOKEN];
    SecBuffer ob = { sizeof(out), SECBUFFER_TOKEN, out };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    ULONG attrs = 0x1234;
    TimeStamp ts = { .QuadPart = 42 };
    CtxtHandle h;
    SECURITY_STATUS st;

    memset(&h, 0xAB, sizeof(h));
    if (wide) {
        WCHAR *w = tokenloop_wide(cfg.target);

        ck_assert_ptr_nonnull(w);
        st = InitializeSecurityContextW(c, NULL, w, REQ_ALL, 0,
                                        SECURITY_NATIVE_DREP, NULL, 0, &h,
                                        &od, &attrs, &ts);
        free(w);
    } else {
        st = InitializeSecurityContextA(c, NULL, (SEC_CHAR *)cfg.target,
                                        REQ_ALL, 0, SECURITY_NATIVE_DREP,
                                        NULL, 0, &h, &od, &attrs, &ts);
    }
    if (SEC_SUCCESS(st)) {
        ck_assert_sec(DeleteSecurityContext(&h), SEC_E_OK);
    } else {
        ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
        ck_assert_uint_eq(attrs, 0x1234);
        ck_assert_int_eq(ts.QuadPart, 42);
        ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    }
    return st;
}

/* The reason the library kept: krb5_text, and the KDC's NTSTATUS
 * exactly as "KDC NTSTATUS 0x%08X (name)", or no NTSTATUS at all. */
static void
assert_reason(const char *what, const char *krb5_text, uint32_t ntstatus,
              const char *ntname)
{
    const char *e = sspigss_last_error();
    char want[128];

    ck_assert_msg(e != NULL && strstr(e, krb5_text) != NULL,
                  "%s: last error \"%s\" lacks \"%s\"", what,
                  e != NULL ? e : "(null)", krb5_text);
    if (ntstatus != 0) {
        snprintf(want, sizeof(want), "KDC NTSTATUS 0x%08X (%s)",
                 (unsigned)ntstatus, ntname);
        ck_assert_msg(strstr(e, want) != NULL, "%s: last error \"%s\" "
                      "lacks \"%s\"", what, e, want);
    } else {
        ck_assert_msg(strstr(e, "NTSTATUS") == NULL, "%s: the KDC sent no "
                      "NTSTATUS, yet the last error says \"%s\"", what, e);
    }
}

/* ----------------------------------------------------- account states */

#define ON_MIT 1u
#define ON_AD 2u

/* KDC error texts (MIT's error tables; both KDCs send these codes). */
#define TXT_REVOKED "Client's credentials have been revoked"
#define TXT_KEY_EXP "Password has expired"
#define TXT_NAME_EXP "Client's entry in database has expired"
#define TXT_PREAUTH "Preauthentication failed"
#define TXT_UNKNOWN "not found in Kerberos database"

static const struct account_case {
    const char *what;
    unsigned kdcs;
    const char *user;
    const char *password;
    const char *krb5_text;
    uint32_t ntstatus;          /* 0: no NTSTATUS may appear */
    const char *ntname;
} cases[] = {
    /* AD: KDC_ERR_CLIENT_REVOKED + STATUS_ACCOUNT_DISABLED. MIT
     * (-allow_tix): KDC_ERR_CLIENT_REVOKED. */
    { "disabled", ON_AD, "disabled", "disabled-pw", TXT_REVOKED,
      0xC0000072U, "STATUS_ACCOUNT_DISABLED" },
    { "disabled", ON_MIT, "disabled", "x", TXT_REVOKED, 0, NULL },
    /* AD: KDC_ERR_CLIENT_REVOKED + STATUS_ACCOUNT_EXPIRED. MIT:
     * KDC_ERR_NAME_EXP. */
    { "expired", ON_AD, "expired", "expired-pw", TXT_REVOKED, 0xC0000193U,
      "STATUS_ACCOUNT_EXPIRED" },
    { "expired", ON_MIT, "expired", "expired-pw", TXT_NAME_EXP, 0, NULL },
    /* AD: KDC_ERR_KEY_EXP + STATUS_PASSWORD_MUST_CHANGE (pwdLastSet 0). */
    { "must change password", ON_AD, "mustchange", "mustchange-pw",
      TXT_KEY_EXP, 0xC0000224U, "STATUS_PASSWORD_MUST_CHANGE" },
    /* AD: KDC_ERR_KEY_EXP + STATUS_PASSWORD_EXPIRED (older than the
     * maximum age). MIT: KDC_ERR_KEY_EXP (-pwexpire in the past). */
    { "password expired", ON_AD, "oldpw", "oldpw-pw", TXT_KEY_EXP,
      0xC0000071U, "STATUS_PASSWORD_EXPIRED" },
    { "password expired", ON_MIT, "keyexp", "keyexp-pw", TXT_KEY_EXP, 0,
      NULL },
    /* AD: KDC_ERR_CLIENT_REVOKED and no NTSTATUS (Samba 4.17). */
    { "locked out", ON_AD, "locked", "locked-pw", TXT_REVOKED, 0, NULL },
    /* AD: smartcard required, password used: KDC_ERR_PREAUTH_FAILED, no
     * NTSTATUS (Samba does not send STATUS_SMARTCARD_LOGON_REQUIRED,
     * which lib/map_ntstatus.c would turn into
     * SEC_E_SMARTCARD_LOGON_REQUIRED). */
    { "smartcard required", ON_AD, "smartcard", "smartcard-pw",
      TXT_PREAUTH, 0, NULL },
    { "wrong password", ON_AD | ON_MIT, "alice", "not-alice-pw",
      TXT_PREAUTH, 0, NULL },
    { "unknown user", ON_AD | ON_MIT, "nosuchuser", "x", TXT_UNKNOWN, 0,
      NULL },
    /* AD checks the password first: a wrong one for a disabled account
     * is a wrong password. MIT checks the account first. */
    { "disabled, wrong password", ON_AD, "disabled", "not-disabled-pw",
      TXT_PREAUTH, 0, NULL },
    { "disabled, wrong password", ON_MIT, "disabled", "not-x",
      TXT_REVOKED, 0, NULL },
};
#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

/*
 * One account state: AcquireCredentialsHandle succeeds, the first
 * InitializeSecurityContext (A) is SEC_E_LOGON_DENIED with the reason
 * kept, and a second one with the same credential (W) again (the
 * password is kept for a retry, docs/kerberos.md).
 */
START_TEST(account_state)
{
    const struct account_case *k = &cases[_i];
    char what[128];
    CredHandle c;

    ck_assert(k->kdcs & (cfg.ad ? ON_AD : ON_MIT));
    snprintf(what, sizeof(what), "%s (%s, %s)", k->what, k->user, cfg.kind);
    assert_sec(acquire_password(k->user, k->password, &c), SEC_E_OK);
    assert_sec(isc_first(&c, false), SEC_E_LOGON_DENIED);
    assert_reason(what, k->krb5_text, k->ntstatus, k->ntname);
    assert_sec(isc_first(&c, true), SEC_E_LOGON_DENIED);
    assert_reason(what, k->krb5_text, k->ntstatus, k->ntname);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/*
 * Lockout through the library itself: lockme's policy (AD: a PSO; MIT:
 * a kadmin policy) locks it after 3 bad passwords. Three
 * InitializeSecurityContext calls with a wrong password are wrong
 * passwords; then the right password is refused as a locked account:
 * KDC_ERR_CLIENT_REVOKED without an NTSTATUS (Samba 4.17 sends none for
 * a lockout), SEC_E_LOGON_DENIED either way.
 */
START_TEST(lockout)
{
    CredHandle bad, good;
    int i;

    assert_sec(acquire_password("lockme", "not-lockme-pw", &bad), SEC_E_OK);
    for (i = 0; i < 3; i++) {
        assert_sec(isc_first(&bad, false), SEC_E_LOGON_DENIED);
        assert_reason("lockme, bad password", TXT_PREAUTH, 0, NULL);
    }
    ck_assert_sec(FreeCredentialsHandle(&bad), SEC_E_OK);
    assert_sec(acquire_password("lockme", "lockme-pw", &good), SEC_E_OK);
    assert_sec(isc_first(&good, false), SEC_E_LOGON_DENIED);
    assert_reason("lockme, locked out", TXT_REVOKED, 0, NULL);
    ck_assert_sec(FreeCredentialsHandle(&good), SEC_E_OK);
}
END_TEST

/* A good logon next to them works (the KDC is fine, the accounts are
 * what is refused). */
START_TEST(good_logon)
{
    CredHandle c;

    assert_sec(acquire_password("bob", "bob-pw-2", &c), SEC_E_OK);
    assert_sec(isc_first(&c, false), SEC_I_CONTINUE_NEEDED);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------------------ mapping */

/*
 * Client-side refusals the mapper must name the same way whichever KDC
 * answers (the scenarios of tests/check_mapping.c that need no second
 * realm and no clock change). Each writes a profile of its own, read
 * before the KDC's (KRB5_CONFIG is a list; the first file that sets a
 * relation wins), in this test's process only.
 */
static void
use_profile_extra(const char *text)
{
    const char *orig = getenv("KRB5_CONFIG");
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char path[512];
    char list[1200];
    FILE *f;
    int fd;

    ck_assert_ptr_nonnull(orig);
    /* In the KDC's directory, which the wrapper removes. */
    snprintf(path, sizeof(path), "%s/check_ad-profile.XXXXXX",
             dir != NULL ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(list, sizeof(list), "%s:%s", path, orig);
    ck_assert_int_eq(setenv("KRB5_CONFIG", list, 1), 0);
    snprintf(profile_path, sizeof(profile_path), "%s", path);
}

/* The client asks only for camellia128-cts-cmac, which neither KDC has
 * keys of: KDC_ERR_ETYPE_NOSUPP: SEC_E_KDC_UNKNOWN_ETYPE. */
START_TEST(kdc_unknown_etype)
{
    CredHandle c;

    use_profile_extra("[libdefaults]\n"
                      "    default_tkt_enctypes = camellia128-cts-cmac\n"
                      "    permitted_enctypes = camellia128-cts-cmac\n");
    assert_sec(acquire_password("alice", "alice-pw-1", &c), SEC_E_OK);
    assert_sec(isc_first(&c, false), SEC_E_KDC_UNKNOWN_ETYPE);
    assert_reason("camellia only", "KDC has no support for encryption type",
                  0, NULL);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* Every client preauthentication mechanism disabled: both KDCs require
 * preauthentication (AD always; MIT's alice has +requires_preauth), the
 * client has none to offer: SEC_E_UNSUPPORTED_PREAUTH. */
START_TEST(unsupported_preauth)
{
    CredHandle c;

    use_profile_extra("[plugins]\n"
                      "    clpreauth = {\n"
                      "        disable = encrypted_timestamp\n"
                      "        disable = encrypted_challenge\n"
                      "        disable = spake\n"
                      "        disable = pkinit\n"
                      "        disable = otp\n"
                      "    }\n");
    assert_sec(acquire_password("alice", "alice-pw-1", &c), SEC_E_OK);
    assert_sec(isc_first(&c, false), SEC_E_UNSUPPORTED_PREAUTH);
    assert_reason("no client preauth", "preauthentication", 0, NULL);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* Only aes128 permitted, and alice's TGT (from the KDC's default
 * ccache) is aes256: no usable credentials (KRB5_CC_NOT_KTYPE):
 * SEC_E_CRYPTO_SYSTEM_INVALID. */
START_TEST(crypto_system_invalid)
{
    CredHandle c;
    TimeStamp ts;

    use_profile_extra("[libdefaults]\n"
                      "    permitted_enctypes = aes128-cts-hmac-sha1-96\n");
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &c, &ts), SEC_E_OK);
    assert_sec(isc_first(&c, false), SEC_E_CRYPTO_SYSTEM_INVALID);
    assert_reason("aes128 only", "No credentials found with supported "
                  "encryption types", 0, NULL);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* ---------------------------------------------------------------- PAC */

/* The AP-REQ inside a GSS krb5 initial context token (RFC 2743 3.1,
 * RFC 4121 4.1: 0x60, length, krb5 OID, token ID 01 00, AP-REQ). */
static bool
ap_req_of(const unsigned char *t, size_t len, krb5_data *out)
{
    static const unsigned char oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
                                         0x86, 0xf7, 0x12, 0x01, 0x02,
                                         0x02 };
    size_t i = 2;

    if (len < 2 || t[0] != 0x60)
        return false;
    if (t[1] & 0x80)
        i += t[1] & 0x7f;
    if (i + sizeof(oid) + 2 > len || memcmp(t + i, oid, sizeof(oid)) != 0)
        return false;
    i += sizeof(oid);
    if (t[i] != 0x01 || t[i + 1] != 0x00)
        return false;
    i += 2;
    out->data = (char *)(t + i);
    out->length = (unsigned int)(len - i);
    return true;
}

/*
 * A handshake between alice's cache and the service's keytab works, and
 * its service ticket, decrypted here with the same keytab, carries a PAC
 * whose server signature verifies with the service's key. AD's PAC has
 * the logon information (KERB_VALIDATION_INFO, buffer type 1) and the
 * client information (type 10); MIT 1.20's KDC issues a PAC with the
 * client information only.
 */
START_TEST(ticket_pac)
{
    struct tokenloop_opts o = { .target = cfg.target, .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    krb5_context k = NULL;
    krb5_auth_context ac = NULL;
    krb5_keytab kt = NULL;
    krb5_ticket *tkt = NULL;
    krb5_authdata **pac_ad = NULL;
    krb5_keytab_entry ent;
    krb5_pac pac = NULL;
    krb5_data apreq;
    krb5_ui_4 *types = NULL;
    krb5_error_code code;
    CredHandle c, s;
    struct tokenloop t;
    TimeStamp ts;
    SECURITY_STATUS st;
    bool logon_info = false, client_info = false;
    size_t n = 0, i;

    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &c, &ts), SEC_E_OK);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                            SECPKG_CRED_INBOUND, NULL, NULL,
                                            NULL, NULL, &s, &ts), SEC_E_OK);
    st = tokenloop_run(&c, &s, &o, &t);
    ck_assert_msg(st == SEC_E_OK, "handshake: %s [%s] %s",
                  sspigss_status_name(st), t.error, sspigss_last_error());
    ck_assert_int_ge(t.nlegs, 1);
    ck_assert(ap_req_of(t.legs[0].token, t.legs[0].token_len, &apreq));

    /* The acceptor took this AP-REQ already: read it again without a
     * replay cache (this test's process only). */
    ck_assert_int_eq(setenv("KRB5RCACHETYPE", "none", 1), 0);
    ck_assert_int_eq(krb5_init_context(&k), 0);
    ck_assert_int_eq(krb5_kt_default(k, &kt), 0);
    code = krb5_rd_req(k, &ac, &apreq, NULL, kt, NULL, &tkt);
    ck_assert_msg(code == 0, "krb5_rd_req: %s",
                  krb5_get_error_message(k, code));
    code = krb5_find_authdata(k, tkt->enc_part2->authorization_data, NULL,
                              KRB5_AUTHDATA_WIN2K_PAC, &pac_ad);
    ck_assert_msg(code == 0 && pac_ad != NULL && pac_ad[0] != NULL,
                  "%s: the service ticket carries no PAC", cfg.kind);
    ck_assert_int_eq(krb5_pac_parse(k, pac_ad[0]->contents,
                                    pac_ad[0]->length, &pac), 0);
    ck_assert_int_eq(krb5_pac_get_types(k, pac, &n, &types), 0);
    for (i = 0; i < n; i++) {
        logon_info |= types[i] == KRB5_PAC_LOGON_INFO;
        client_info |= types[i] == KRB5_PAC_CLIENT_INFO;
    }
    ck_assert_msg(client_info, "%s: PAC without client information",
                  cfg.kind);
    ck_assert_msg(logon_info == cfg.ad, "%s: PAC %s logon information",
                  cfg.kind, logon_info ? "with" : "without");
    /* The server signature, with the key the ticket was sealed with. */
    ck_assert_int_eq(krb5_kt_get_entry(k, kt, tkt->server,
                                       tkt->enc_part.kvno,
                                       tkt->enc_part.enctype, &ent), 0);
    code = krb5_pac_verify(k, pac, tkt->enc_part2->times.authtime,
                           tkt->enc_part2->client, &ent.key, NULL);
    ck_assert_msg(code == 0, "krb5_pac_verify: %s",
                  krb5_get_error_message(k, code));
    krb5_free_keytab_entry_contents(k, &ent);

    free(types);
    krb5_pac_free(k, pac);
    krb5_free_authdata(k, pac_ad);
    krb5_free_ticket(k, tkt);
    krb5_auth_con_free(k, ac);
    krb5_kt_close(k, kt);
    krb5_free_context(k);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&s), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------ constrained delegation */

/*
 * The double hop without a forwarded TGT ([MS-SFU] S4U2Proxy), as a
 * Windows service does it: alice logs on to s4u/localhost without
 * ISC_REQ_DELEGATE; the service, whose credential is
 * SECPKG_CRED_BOTH (its keys to accept, its account's TGT to initiate),
 * impersonates her and acquires outbound credentials; the KDC issues a
 * ticket in her name to a service it may delegate to (HTTP/localhost,
 * msDS-AllowedToDelegateTo) and refuses one to any other (host/localhost):
 * KDC_ERR_BADOPTION, SEC_E_KDC_INVALID_REQUEST by the mapper's rule.
 * (An AD KDC adds STATUS_NO_MATCH there, [MS-SFU] 3.2.5.2.2; MIT's
 * GSS-API does not pass a TGS reply's error data on.)
 *
 * The front service's credential comes from its own keytabs and an empty
 * cache (this test's process only): tests/harness/samba.sh's s4u-front.
 */
static void
s4u_front(CredHandle *front)
{
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char kt[512], ckt[512];
    TimeStamp ts;

    ck_assert_ptr_nonnull(dir);
    snprintf(kt, sizeof(kt), "FILE:%s/s4u.keytab", dir);
    snprintf(ckt, sizeof(ckt), "FILE:%s/s4u-client.keytab", dir);
    ck_assert_int_eq(setenv("KRB5_KTNAME", kt, 1), 0);
    ck_assert_int_eq(setenv("KRB5_CLIENT_KTNAME", ckt, 1), 0);
    ck_assert_int_eq(setenv("KRB5CCNAME", "MEMORY:s4u-front", 1), 0);
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG, SECPKG_CRED_BOTH,
                                         NULL, NULL, NULL, NULL, front, &ts),
               SEC_E_OK);
}

/* alice's context with the front service, and the outbound credential
 * the service acquires while impersonating her. */
static void
s4u_first_hop(CredHandle *alice, CredHandle *front, struct tokenloop *t,
              CredHandle *hop)
{
    struct tokenloop_opts o = { .target = "s4u/localhost",
                                .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    TimeStamp ts;
    SECURITY_STATUS st;

    assert_sec(acquire_password("alice", "alice-pw-1", alice), SEC_E_OK);
    s4u_front(front);
    st = tokenloop_run(alice, front, &o, t);
    ck_assert_msg(st == SEC_E_OK, "first hop: %s [%s] %s",
                  sspigss_status_name(st), t->error, sspigss_last_error());
    ck_assert(!(t->asc_attrs & ASC_RET_DELEGATE));
    assert_sec(ImpersonateSecurityContext(&t->server), SEC_E_OK);
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                         SECPKG_CRED_OUTBOUND, NULL, NULL,
                                         NULL, NULL, hop, &ts), SEC_E_OK);
    assert_sec(RevertSecurityContext(&t->server), SEC_E_OK);
}

START_TEST(constrained_delegation)
{
    struct tokenloop_opts o = { .target = "HTTP/localhost",
                                .isc_req = REQ_ALL,
                                .asc_req = ASC_REQ_ALL };
    CredHandle alice, front, hop, back;
    struct tokenloop t, t2;
    SecPkgContext_NamesA sn;
    SecPkgCredentials_NamesA cn;
    const char *dir = getenv("SSPIGSS_TEST_DIR");
    char kt[512];
    TimeStamp ts;
    SECURITY_STATUS st;

    s4u_first_hop(&alice, &front, &t, &hop);
    /* The outbound credential is alice's. */
    assert_sec(QueryCredentialsAttributesA(&hop, SECPKG_CRED_ATTR_NAMES,
                                           &cn), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(cn.sUserName, "alice"));
    ck_assert_sec(FreeContextBuffer(cn.sUserName), SEC_E_OK);

    /* The back service (svc-localhost, the default keytab) sees alice. */
    snprintf(kt, sizeof(kt), "FILE:%s/keytab", dir);
    ck_assert_int_eq(setenv("KRB5_KTNAME", kt, 1), 0);
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                         SECPKG_CRED_INBOUND, NULL, NULL,
                                         NULL, NULL, &back, &ts), SEC_E_OK);
    st = tokenloop_run(&hop, &back, &o, &t2);
    ck_assert_msg(st == SEC_E_OK, "second hop: %s [%s] %s",
                  sspigss_status_name(st), t2.error, sspigss_last_error());
    assert_sec(QueryContextAttributesA(&t2.server, SECPKG_ATTR_NAMES, &sn),
               SEC_E_OK);
    ck_assert_str_eq(sn.sUserName, "SAMBA\\alice");
    ck_assert_sec(FreeContextBuffer(sn.sUserName), SEC_E_OK);
    tokenloop_free(&t2);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&back), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&hop), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&front), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&alice), SEC_E_OK);
}
END_TEST

START_TEST(constrained_delegation_refused)
{
    CredHandle alice, front, hop;
    struct tokenloop t;
    char saved[sizeof(cfg.target)];

    s4u_first_hop(&alice, &front, &t, &hop);
    /* The credential outlives the context it was made from. */
    tokenloop_free(&t);
    /* host/localhost is not in s4u-front's msDS-AllowedToDelegateTo. */
    memcpy(saved, cfg.target, sizeof(saved));
    snprintf(cfg.target, sizeof(cfg.target), "host/localhost");
    assert_sec(isc_first(&hop, false), SEC_E_KDC_INVALID_REQUEST);
    assert_reason("delegation to host/localhost",
                  "KDC can't fulfill requested option", 0, NULL);
    memcpy(cfg.target, saved, sizeof(saved));
    ck_assert_sec(FreeCredentialsHandle(&hop), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&front), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&alice), SEC_E_OK);
}
END_TEST

/* -------------------------------------------------------------- suite */

static Suite *
ad_suite(void)
{
    Suite *s = suite_create("ad");
    TCase *tc;
    int i;

    tc = tcase_create("accounts");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    /* This KDC's rows only. */
    for (i = 0; i < N_CASES; i++)
        if (cases[i].kdcs & (cfg.ad ? ON_AD : ON_MIT))
            tcase_add_loop_test(tc, account_state, i, i + 1);
    tcase_add_test(tc, lockout);
    tcase_add_test(tc, good_logon);
    suite_add_tcase(s, tc);

    tc = tcase_create("mapping");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, kdc_unknown_etype);
    tcase_add_test(tc, unsupported_preauth);
    tcase_add_test(tc, crypto_system_invalid);
    suite_add_tcase(s, tc);

    /* MIT's KDB2 database keeps no delegation lists: AD only. */
    if (cfg.ad) {
        tc = tcase_create("delegation");
        tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, constrained_delegation);
        tcase_add_test(tc, constrained_delegation_refused);
        suite_add_tcase(s, tc);
    }

    tc = tcase_create("pac");
    tcase_add_checked_fixture(tc, leak_setup, leak_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ticket_pac);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    if (!load_config()) {
        fprintf(stderr, "check_ad: needs a KDC; run it through "
                "tests/check_ad.sh or tests/check_ad_mit.sh\n");
        return 99;
    }
    printf("check_ad: against %s (%s)\n", cfg.kind, cfg.realm);
    return run_suite(ad_suite());
}
