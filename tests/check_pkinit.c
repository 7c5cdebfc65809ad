/*
 * check_pkinit.c - certificate (smart card) logon against a real MIT KDC
 * with PKINIT and a real PKCS#11 token (SoftHSM2): the Windows way, a
 * marshaled CertCredential as the user name and the PIN as the password,
 * and every PKINIT failure's SEC code.
 *
 * Run through tests/check_pkinit.sh, which starts the realm of
 * tests/harness/kdc.sh with tests/harness/pkinit.sh's PKI, token and
 * settings. Each failure test asserts the exact SEC code and that
 * sspigss_last_error() holds the KDC's or MIT's own reason. The test
 * expired_kdc_cert runs alone under libfaketime (the script's second
 * pass, CK_RUN_CASE=faketime); the rest without it, so that the
 * sanitizer builds run them.
 *
 * Environment (the realm's, plus):
 *   SSPIGSS_PKINIT_DIR      DIR/pki: NAME.sha1 (the certificate's SHA-1
 *                           hash, hex) for each certificate of the token
 *   SSPIGSS_KDC_DIR         krb5-pkinit-*.conf client profiles
 *   SSPIGSS_PKCS11_MODULE   SoftHSM2's module; SOFTHSM2_CONF its tokens
 */
#include "setup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/wincred.h>

#include "handles.h"
#include "internal.h"
#include "msgutil.h"
#include "testutil.h"
#include "tokenloop.h"

#define PKG "Kerberos"
#define PIN "1234"
#define REQ_ALL (ISC_REQ_MUTUAL_AUTH | ISC_REQ_REPLAY_DETECT \
                 | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY)
#define ASC_REQ_ALL (ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT \
                     | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY \
                     | ASC_REQ_INTEGRITY)

static char target[256];

static const char *
env_or_die(const char *name)
{
    const char *v = getenv(name);

    ck_assert_msg(v != NULL && *v != '\0', "%s is not set: run this suite "
                  "through tests/check_pkinit.sh", name);
    return v;
}

static void
setup(void)
{
    snprintf(target, sizeof(target), "host/%s",
             env_or_die("SSPIGSS_HOST"));
}

/* The client profile DIR/krb5-pkinit-NAME.conf for this test. */
static void
use_profile(const char *name)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/krb5-pkinit-%s.conf",
             env_or_die("SSPIGSS_KDC_DIR"), name);
    ck_assert_int_eq(setenv("KRB5_CONFIG", path, 1), 0);
}

/* The SHA-1 hash of certificate NAME of the token (DIR/pki/NAME.sha1). */
static void
cert_hash(const char *name, CERT_CREDENTIAL_INFO *info)
{
    char path[1024], hex[64];
    unsigned x;
    FILE *f;
    int i;

    snprintf(path, sizeof(path), "%s/%s.sha1",
             env_or_die("SSPIGSS_PKINIT_DIR"), name);
    f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    ck_assert_ptr_nonnull(fgets(hex, sizeof(hex), f));
    fclose(f);
    memset(info, 0, sizeof(*info));
    info->cbSize = sizeof(*info);
    for (i = 0; i < CERT_HASH_LENGTH; i++) {
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &x), 1);
        info->rgbHashOfCert[i] = (UCHAR)x;
    }
}

/*
 * An outbound Kerberos credential for certificate NAME, the Windows way:
 * CredMarshalCredentialW's string as the user, the PIN as the password
 * of a SEC_WINNT_AUTH_IDENTITY_W.
 */
static SECURITY_STATUS
acquire_cert_pkg(const SEC_WCHAR *pkg, const char *name, const char *pin,
                 CredHandle *c)
{
    CERT_CREDENTIAL_INFO info;
    SEC_WINNT_AUTH_IDENTITY_W id;
    LPWSTR user = NULL;
    WCHAR *wpin = tokenloop_wide(pin);
    TimeStamp ts;
    SECURITY_STATUS st;

    cert_hash(name, &info);
    ck_assert(CredMarshalCredentialW(CertCredential, &info, &user));
    memset(&id, 0, sizeof(id));
    id.User = (unsigned short *)user;
    id.UserLength = (ULONG)wstr_len(user);
    id.Password = (unsigned short *)wpin;
    id.PasswordLength = (ULONG)wstr_len(wpin);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    st = AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)pkg,
                                   SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                   NULL, c, &ts);
    CredFree(user);
    free(wpin);
    return st;
}

static SECURITY_STATUS
acquire_cert(const char *name, const char *pin, CredHandle *c)
{
    return acquire_cert_pkg(u"Kerberos", name, pin, c);
}

/* The first InitializeSecurityContext with c: its status (a failure
 * creates no context, which is checked). */
static SECURITY_STATUS
isc_status(CredHandle *c)
{
    unsigned char out[48000];
    SecBuffer ob = { sizeof(out), SECBUFFER_TOKEN, out };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    CtxtHandle h;
    ULONG attrs = 0;
    TimeStamp ts;
    SECURITY_STATUS st;

    memset(&h, 0xAB, sizeof(h));
    st = InitializeSecurityContextA(c, NULL, (SEC_CHAR *)target, REQ_ALL, 0,
                                    SECURITY_NATIVE_DREP, NULL, 0, &h, &od,
                                    &attrs, &ts);
    if (SEC_SUCCESS(st))
        ck_assert_sec(DeleteSecurityContext(&h), SEC_E_OK);
    else
        ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    return st;
}

/* An exact SEC code; on a mismatch, say what the library kept. */
#define assert_sec(got, want)                                             \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

/* The failure's own KDC/krb5 text must be what the library kept. */
#define assert_cause(needle)                                              \
    do {                                                                  \
        const char *e_ = sspigss_last_error();                            \
        ck_assert_msg(e_ != NULL && strstr(e_, (needle)) != NULL,         \
                      "last error \"%s\" lacks \"%s\"", e_ ? e_ : "",     \
                      (needle));                                          \
    } while (0)

/* Certificate NAME with pin: the first ISC's status. */
static SECURITY_STATUS
logon(const char *name, const char *pin)
{
    CredHandle c;
    SECURITY_STATUS st;

    assert_sec(acquire_cert(name, pin, &c), SEC_E_OK);
    st = isc_status(&c);
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    return st;
}

/* ------------------------------------------------------------ success */

/* A smart card logon: the handshake with a keytab acceptor, the
 * acceptor sees alice, and one message each way. */
START_TEST(logon_roundtrip)
{
    CredHandle cc, sc;
    TimeStamp ts;
    struct tokenloop t;
    struct tokenloop_opts o = { 0 };
    SecPkgContext_NamesA names;
    SecPkgCredentials_NamesA cn;
    unsigned char tok[128], data[] = "smart card", back[sizeof(data)];
    SecBuffer b[2];
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    ULONG qop = 0;

    assert_sec(acquire_cert("alice", PIN, &cc), SEC_E_OK);
    ck_assert_sec(QueryCredentialsAttributesA(&cc, SECPKG_CRED_ATTR_NAMES,
                                              &cn), SEC_E_OK);
    ck_assert_str_eq(cn.sUserName, "alice@SSPIGSS.TEST");
    FreeContextBuffer(cn.sUserName);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                            SECPKG_CRED_INBOUND, NULL, NULL,
                                            NULL, NULL, &sc, &ts), SEC_E_OK);
    o.target = target;
    o.isc_req = REQ_ALL;
    o.asc_req = ASC_REQ_ALL;
    assert_sec(tokenloop_run(&cc, &sc, &o, &t), SEC_E_OK);
    ck_assert(t.client_done && t.server_done);
    ck_assert_sec(QueryContextAttributesA(&t.server, SECPKG_ATTR_NAMES,
                                          &names), SEC_E_OK);
    ck_assert_str_eq(names.sUserName, "SSPIGSS\\alice");
    FreeContextBuffer(names.sUserName);

    memcpy(back, data, sizeof(data));
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].pvBuffer = tok;
    b[0].cbBuffer = sizeof(tok);
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = back;
    b[1].cbBuffer = sizeof(back);
    ck_assert_sec(EncryptMessage(&t.client, 0, &d, 0), SEC_E_OK);
    ck_assert(memcmp(back, data, sizeof(data)) != 0);
    ck_assert_sec(unseal(&t.server, tok, b[0].cbBuffer, back, sizeof(back),
                         &qop), SEC_E_OK);
    ck_assert_mem_eq(back, data, sizeof(data));
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&cc), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&sc), SEC_E_OK);
}
END_TEST

/* A certificate from the personal file store (SSPIGSS_CERT_STORE_MY:
 * a PEM file with the certificate and its key) when no token has it;
 * its key is not encrypted, so no PIN. */
START_TEST(file_store_logon)
{
    char dir[1024];

    snprintf(dir, sizeof(dir), "%s/my", env_or_die("SSPIGSS_PKINIT_DIR"));
    ck_assert_int_eq(setenv("SSPIGSS_CERT_STORE_MY", dir, 1), 0);
    assert_sec(logon("alice-file", ""), SEC_I_CONTINUE_NEEDED);
}
END_TEST

/* Without SSPIGSS_PKCS11_MODULE the certificate is looked for through
 * p11-kit's proxy module, which reaches every module p11-kit is
 * configured with (Debian's softhsm2 package registers SoftHSM2). */
START_TEST(p11kit_default_module)
{
    ck_assert_int_eq(unsetenv("SSPIGSS_PKCS11_MODULE"), 0);
    assert_sec(logon("alice", PIN), SEC_I_CONTINUE_NEEDED);
}
END_TEST

/* Negotiate over it: SPNEGO carries the PKINIT-backed Kerberos
 * context (a certificate is nothing NTLM can use). */
START_TEST(negotiate_logon)
{
    CredHandle cc, sc;
    TimeStamp ts;
    struct tokenloop t;
    struct tokenloop_opts o = { 0 };
    SecPkgContext_NegotiationInfoA ni;

    assert_sec(acquire_cert_pkg(u"Negotiate", "alice", PIN, &cc), SEC_E_OK);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Negotiate",
                                            SECPKG_CRED_INBOUND, NULL, NULL,
                                            NULL, NULL, &sc, &ts), SEC_E_OK);
    o.target = target;
    o.isc_req = REQ_ALL;
    o.asc_req = ASC_REQ_ALL;
    assert_sec(tokenloop_run(&cc, &sc, &o, &t), SEC_E_OK);
    ck_assert_sec(QueryContextAttributesA(&t.client,
                                          SECPKG_ATTR_NEGOTIATION_INFO, &ni),
                  SEC_E_OK);
    ck_assert_str_eq(ni.PackageInfo->Name, "Kerberos");
    FreeContextBuffer(ni.PackageInfo);
    tokenloop_free(&t);
    ck_assert_sec(FreeCredentialsHandle(&cc), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&sc), SEC_E_OK);
}
END_TEST

/* A hash no token or file holds: no credentials, at
 * AcquireCredentialsHandle (ours: no Windows evidence). */
START_TEST(unknown_certificate)
{
    CERT_CREDENTIAL_INFO info = { sizeof(info), { 0x5a } };
    SEC_WINNT_AUTH_IDENTITY_A id;
    LPSTR user = NULL;
    CredHandle c;
    TimeStamp ts;

    ck_assert(CredMarshalCredentialA(CertCredential, &info, &user));
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (unsigned char *)PIN;
    id.PasswordLength = 4;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                         SECPKG_CRED_OUTBOUND, NULL, &id,
                                         NULL, NULL, &c, &ts),
               SEC_E_NO_CREDENTIALS);
    assert_cause("no certificate with SHA-1 hash 5a00");
    CredFree(user);
}
END_TEST

/* ------------------------------------------------- the card, the client */

/* A wrong PIN: the token refuses the login (CKR_PIN_INCORRECT); a
 * logon failure, as a wrong password. */
START_TEST(wrong_pin)
{
    assert_sec(logon("alice", "9999"), SEC_E_LOGON_DENIED);
    assert_cause("pin incorrect");
}
END_TEST

/* The card is taken out between AcquireCredentialsHandle (which found
 * its certificate) and InitializeSecurityContext: the module shows no
 * token (SOFTHSM2_CONF naming an empty token directory). */
START_TEST(card_removed)
{
    CredHandle c;
    char conf[1024];

    assert_sec(acquire_cert("alice", PIN, &c), SEC_E_OK);
    snprintf(conf, sizeof(conf), "%s/softhsm2-empty.conf",
             env_or_die("SSPIGSS_KDC_DIR"));
    ck_assert_int_eq(setenv("SOFTHSM2_CONF", conf, 1), 0);
    assert_sec(isc_status(&c), SEC_E_NO_CREDENTIALS);
    assert_cause("token login: no token");
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

/* The card's certificate has expired: MIT's client will not sign with
 * it ("Failed to verify own certificate ... certificate has expired"). */
START_TEST(expired_client_cert)
{
    assert_sec(logon("alice-expired", PIN), SEC_E_SMARTCARD_CERT_EXPIRED);
    assert_cause("certificate has expired");
}
END_TEST

/* ------------------------------------------------------- KDC refusals */

/* The certificate names carol only by a UPN, which MIT's KDC does not
 * honour (pkinit_allow_upn off): KDC_ERR_CLIENT_NAME_MISMATCH. */
START_TEST(name_mismatch)
{
    assert_sec(logon("carol-upn", PIN), SEC_E_PKINIT_NAME_MISMATCH);
    assert_cause("Client name mismatch");
}
END_TEST

/* Revoked by its CA, in the CRL the KDC holds (pkinit_revoke). */
START_TEST(revoked_client_cert)
{
    assert_sec(logon("alice-revoked", PIN), SEC_E_SMARTCARD_CERT_REVOKED);
    assert_cause("Revoked certificate");
}
END_TEST

/* Issued by a CA the KDC does not trust (not in its pkinit_anchors). */
START_TEST(untrusted_client_ca)
{
    assert_sec(logon("alice-rogue", PIN), SEC_E_ISSUING_CA_UNTRUSTED);
    assert_cause("Can't verify certificate");
}
END_TEST

/* The KDC requires CRL checking (pkinit_require_crl_checking) and has
 * no CRL of the certificate's CA. */
START_TEST(client_crl_missing)
{
    assert_sec(logon("alice-ca2", PIN), SEC_E_REVOCATION_OFFLINE_C);
    assert_cause("Revocation status unknown");
}
END_TEST

/* Without the PKINIT client EKU (TLS client authentication only). */
START_TEST(no_pkinit_eku)
{
    assert_sec(logon("alice-noeku", PIN), SEC_E_PKINIT_CLIENT_FAILURE);
    assert_cause("Inconsistent key purpose");
}
END_TEST

/* --------------------------------------------- the KDC's certificate */

/* Issued by a CA the client does not trust (pkinit_anchors without
 * it). */
START_TEST(untrusted_kdc_ca)
{
    use_profile("untrusted");
    assert_sec(logon("alice", PIN), SEC_E_ISSUING_CA_UNTRUSTED_KDC);
    assert_cause("Failed to verify received certificate");
    assert_cause("unable to get local issuer certificate");
}
END_TEST

/* Revoked, in the CRL the client holds (pkinit_revoke). */
START_TEST(revoked_kdc_cert)
{
    use_profile("kdcrevoked");
    assert_sec(logon("alice", PIN), SEC_E_KDC_CERT_REVOKED);
    assert_cause("certificate revoked");
}
END_TEST

/* The client requires CRL checking and has no CRL of the KDC's CA. */
START_TEST(kdc_crl_missing)
{
    use_profile("crlreq");
    assert_sec(logon("alice", PIN), SEC_E_REVOCATION_OFFLINE_KDC);
    assert_cause("unable to get certificate CRL");
}
END_TEST

/* Expired: the client's clock runs five days ahead (libfaketime), past
 * the end of the KDC's two-day certificate. */
START_TEST(expired_kdc_cert)
{
    SECURITY_STATUS st;

    ck_assert_int_eq(setenv("FAKETIME", "+5d", 1), 0);
    st = logon("alice", PIN);
    /* Check measures the test's duration with this clock. */
    ck_assert_int_eq(setenv("FAKETIME", "+0", 1), 0);
    assert_sec(st, SEC_E_KDC_CERT_EXPIRED);
    assert_cause("certificate has expired");
}
END_TEST

/* ----------------------------------------------------------- password */

/* A password for a principal that requires hardware preauthentication
 * (+requires_hwauth): the KDC offers PKINIT only. */
START_TEST(smartcard_logon_required)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle c;
    TimeStamp ts;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)"hwauth";
    id.UserLength = 6;
    id.Domain = (unsigned char *)"SSPIGSS.TEST";
    id.DomainLength = 12;
    id.Password = (unsigned char *)"hwauth-pw-1";
    id.PasswordLength = 11;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)PKG,
                                            SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, &c, &ts), SEC_E_OK);
    assert_sec(isc_status(&c), SEC_E_SMARTCARD_LOGON_REQUIRED);
    assert_cause("requires preauthentication a password cannot give");
    ck_assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
}
END_TEST

static Suite *
pkinit_suite(void)
{
    Suite *s = suite_create("pkinit");
    TCase *tc = tcase_create("pkinit");
    TCase *ft = tcase_create("faketime");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, logon_roundtrip);
    tcase_add_test(tc, negotiate_logon);
    tcase_add_test(tc, file_store_logon);
    tcase_add_test(tc, p11kit_default_module);
    tcase_add_test(tc, unknown_certificate);
    tcase_add_test(tc, wrong_pin);
    tcase_add_test(tc, card_removed);
    tcase_add_test(tc, expired_client_cert);
    tcase_add_test(tc, name_mismatch);
    tcase_add_test(tc, revoked_client_cert);
    tcase_add_test(tc, untrusted_client_ca);
    tcase_add_test(tc, client_crl_missing);
    tcase_add_test(tc, no_pkinit_eku);
    tcase_add_test(tc, untrusted_kdc_ca);
    tcase_add_test(tc, revoked_kdc_cert);
    tcase_add_test(tc, kdc_crl_missing);
    tcase_add_test(tc, smartcard_logon_required);
    suite_add_tcase(s, tc);
    /* Run by the script's second pass, under libfaketime only. */
    tcase_add_checked_fixture(ft, setup, NULL);
    tcase_set_timeout(ft, 60);
    tcase_add_test(ft, expired_kdc_cert);
    suite_add_tcase(s, ft);
    return s;
}

int
main(void)
{
    return run_suite(pkinit_suite());
}
