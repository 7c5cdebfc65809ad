/*
 * check_kdc_proxy.c - SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS: Kerberos and
 * Negotiate through an MS-KKDCP KDC proxy (lib/krb_proxy.c,
 * docs/kerberos.md "KDC proxy").
 *
 * Run through tests/check_kdc_proxy.sh, which starts the throwaway MIT
 * KDC of tests/harness/kdc.sh, a real KDC proxy in front of it (Debian's
 * python3-kdcproxy over TLS, tests/harness/kdcproxy_server.py) and points
 * KRB5_CONFIG at a client profile whose only KDC for the realm is a port
 * nothing listens on: a ticket this process gets can only have come
 * through the proxy. It sets:
 *   SSPIGSS_PROXY_PORT   the proxy's port on 127.0.0.1 (name "localhost")
 *   SSPIGSS_PROXY_LOG    the proxy's request log (one line per request)
 *   SSPIGSS_DEAD_PORT    a port nothing listens on
 *   SSPIGSS_REALM, SSPIGSS_HOST, KRB5CCNAME (alice's TGT), KRB5_KTNAME
 *   SSL_CERT_FILE        the test CA, which issued the proxy's certificate
 *   SSPIGSS_UNTRUSTED    a CA file without it
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sspigss/schannel.h>

#include "handles.h"
#include "msgutil.h"
#include "testutil.h"
#include "tokenloop.h"

static const char *realm, *host, *proxy_port, *proxy_log, *dead_port;
static char target[256];

#define assert_sec_why(got, want)                                         \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s, want %s: %s",                    \
                      sspigss_status_name(g_), sspigss_status_name(w_),   \
                      sspigss_last_error());                              \
    } while (0)

/* Requests the proxy has logged so far. */
static int
proxy_requests(void)
{
    FILE *f = fopen(proxy_log, "r");
    char line[512];
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, "POST /") != NULL;
    fclose(f);
    return n;
}

/*
 * SecPkgCredentials_KdcProxySettingsW followed by the server string (n
 * UTF-16 units, may hold a NUL) in buf; its size returned.
 */
static ULONG
settings(unsigned char *buf, ULONG flags, const WCHAR *server, size_t n)
{
    SecPkgCredentials_KdcProxySettingsW s;

    memset(&s, 0, sizeof(s));
    s.Version = KDC_PROXY_SETTINGS_V1;
    s.Flags = flags;
    if (n > 0) {
        s.ProxyServerOffset = sizeof(s);
        s.ProxyServerLength = (USHORT)(n * sizeof(WCHAR));
        memcpy(buf + sizeof(s), server, n * sizeof(WCHAR));
    }
    memcpy(buf, &s, sizeof(s));
    return (ULONG)(sizeof(s) + n * sizeof(WCHAR));
}

/* The same from a UTF-8 server string. */
static ULONG
settings_utf8(unsigned char *buf, ULONG flags, const char *server)
{
    WCHAR *w = tokenloop_wide(server);
    size_t n = 0;
    ULONG len;

    ck_assert_ptr_nonnull(w);
    while (w[n] != 0)
        n++;
    len = settings(buf, flags, w, n);
    free(w);
    return len;
}

static SECURITY_STATUS
set_proxy(CredHandle *h, ULONG flags, const char *server)
{
    unsigned char buf[1024];
    ULONG len = settings_utf8(buf, flags, server);

    return SetCredentialsAttributesW(h, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
                                     buf, len);
}

static void
acquire(const char *pkg, ULONG use, bool explicit_id, CredHandle *h)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    TimeStamp ts;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)"alice";
    id.UserLength = 5;
    id.Domain = (unsigned char *)realm;
    id.DomainLength = (ULONG)strlen(realm);
    id.Password = (unsigned char *)"alice-pw-1";
    id.PasswordLength = 10;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_sec_why(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, use, NULL,
                                             explicit_id ? &id : NULL, NULL,
                                             NULL, h, &ts),
                   SEC_E_OK);
}

/* A whole handshake and a message each way; the package the client
 * ended up with in *pkg (64 bytes). */
static void
handshake_ok(CredHandle *cc, const char *pkgname, char *pkg)
{
    struct tokenloop_opts o;
    struct tokenloop t;
    CredHandle sc;
    SecPkgContext_PackageInfoA pi;
    unsigned char tok[256], data[64];
    ULONG tok_len = sizeof(tok);

    acquire(pkgname, SECPKG_CRED_INBOUND, false, &sc);
    memset(&o, 0, sizeof(o));
    o.target = target;
    o.isc_req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY
                | ISC_REQ_INTEGRITY;
    assert_sec_why(tokenloop_run(cc, &sc, &o, &t), SEC_E_OK);
    assert_sec_why(QueryContextAttributesA(&t.client,
                                           SECPKG_ATTR_PACKAGE_INFO, &pi),
                   SEC_E_OK);
    snprintf(pkg, 64, "%s", pi.PackageInfo->Name);
    FreeContextBuffer(pi.PackageInfo);
    memcpy(data, "through the proxy", 17);
    assert_sec_why(sign(&t.client, tok, &tok_len, data, 17), SEC_E_OK);
    assert_sec_why(verify(&t.server, tok, tok_len, data, 17, NULL),
                   SEC_E_OK);
    tokenloop_free(&t);
    FreeCredentialsHandle(&sc);
}

/* The first InitializeSecurityContext's status (no context kept). */
static SECURITY_STATUS
first_call(CredHandle *cc)
{
    unsigned char out[65536];
    SecBuffer ob = { sizeof(out), SECBUFFER_TOKEN, out };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    CtxtHandle ctx;
    ULONG attrs;
    SECURITY_STATUS st;

    st = InitializeSecurityContextA(cc, NULL, target, ISC_REQ_MUTUAL_AUTH,
                                    0, SECURITY_NATIVE_DREP, NULL, 0, &ctx,
                                    &od, &attrs, NULL);
    if (SEC_SUCCESS(st))
        DeleteSecurityContext(&ctx);
    return st;
}

static char *
server_string(void)
{
    static char s[128];

    snprintf(s, sizeof(s), "localhost:%s:KdcProxy", proxy_port);
    return s;
}

/*
 * A default credential's cache of this test's own: a copy of the one
 * holding alice's TGT, so that no service ticket an earlier test fetched
 * is there (Check's fork mode keeps KRB5CCNAME to the test).
 */
static void
own_ccache(void)
{
    const char *cc = getenv("KRB5CCNAME");
    static char path[512], name[520];
    FILE *in, *out;
    char buf[4096];
    size_t n;

    ck_assert_ptr_nonnull(cc);
    ck_assert(strncmp(cc, "FILE:", 5) == 0);
    snprintf(path, sizeof(path), "%s.%d", cc + 5, (int)getpid());
    in = fopen(cc + 5, "rb");
    out = fopen(path, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
    snprintf(name, sizeof(name), "FILE:%s", path);
    ck_assert_int_eq(setenv("KRB5CCNAME", name, 1), 0);
}

/* Without the proxy the realm has no reachable KDC: the control. */
START_TEST(no_proxy_no_kdc)
{
    CredHandle cc;

    acquire("Kerberos", SECPKG_CRED_OUTBOUND, true, &cc);
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* An explicit password: the AS exchange and the service ticket through
 * the proxy, FORCEPROXY and the server as Windows' policy writes it; and
 * the same with an https:// URL. */
START_TEST(explicit_password)
{
    CredHandle cc;
    char pkg[64], srv[160];
    int before = proxy_requests();

    if (_i == 0)
        snprintf(srv, sizeof(srv), "%s", server_string());
    else
        snprintf(srv, sizeof(srv), "https://localhost:%s/KdcProxy",
                 proxy_port);
    acquire("Kerberos", SECPKG_CRED_OUTBOUND, true, &cc);
    assert_sec_why(set_proxy(&cc, KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY, srv),
                   SEC_E_OK);
    handshake_ok(&cc, "Kerberos", pkg);
    ck_assert_str_eq(pkg, "Kerberos");
    /* AS (twice: preauthentication) and TGS. */
    ck_assert_int_ge(proxy_requests() - before, 2);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* The default credential (alice's TGT): the service ticket through the
 * proxy, after the realm's own (dead) KDC: no FORCEPROXY. */
START_TEST(default_credential)
{
    CredHandle cc;
    char pkg[64];
    int before = proxy_requests();

    own_ccache();
    acquire("Kerberos", SECPKG_CRED_OUTBOUND, false, &cc);
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_sec_why(set_proxy(&cc, 0, server_string()), SEC_E_OK);
    handshake_ok(&cc, "Kerberos", pkg);
    ck_assert_int_ge(proxy_requests() - before, 1);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* Negotiate, explicit and default: Kerberos through the proxy, not a
 * fallback to NTLM (which has no user file here and would fail). */
START_TEST(negotiate)
{
    CredHandle cc;
    char pkg[64];
    int before = proxy_requests();

    own_ccache();
    acquire("Negotiate", SECPKG_CRED_OUTBOUND, _i == 0, &cc);
    assert_sec_why(set_proxy(&cc, KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
                             server_string()),
                   SEC_E_OK);
    handshake_ok(&cc, "Negotiate", pkg);
    ck_assert_str_eq(pkg, "Kerberos");
    ck_assert_int_ge(proxy_requests() - before, 1);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* A proxy that is down, or whose certificate the client does not trust:
 * no authority reached, and MIT's reason in the last error. */
START_TEST(proxy_unreachable)
{
    CredHandle cc;
    char srv[128];

    if (_i == 0) {
        snprintf(srv, sizeof(srv), "localhost:%s:KdcProxy", dead_port);
    } else {
        snprintf(srv, sizeof(srv), "%s", server_string());
        ck_assert_int_eq(setenv("SSL_CERT_FILE",
                                getenv("SSPIGSS_UNTRUSTED"), 1), 0);
    }
    acquire("Kerberos", SECPKG_CRED_OUTBOUND, true, &cc);
    assert_sec_why(set_proxy(&cc, KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY, srv),
                   SEC_E_OK);
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_msg(strstr(sspigss_last_error(), "KDC") != NULL, "%s",
                  sspigss_last_error());
    /* The handle is intact: a second try says the same. */
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    FreeCredentialsHandle(&cc);
}
END_TEST

/*
 * sspilib's three calls (tests/raw/test_credential_attributes.py), which
 * Windows answers SEC_E_OK: no server, FORCEPROXY and no server, and a
 * server string with a surrogate pair and a NUL in it. The last names no
 * usable host: the first call needing a KDC says so.
 */
START_TEST(sspilib_settings)
{
    static const WCHAR odd[] = { 'k', 'd', 'c', '.', 0xD83D, 0xDCA0, '.',
                                 'c', 'o', 'm', ':', '4', '4', '3', ':',
                                 'k', 'd', 'c', 0, 'p', 'r', 'o', 'x',
                                 'y' };
    unsigned char buf[256];
    CredHandle cc;
    ULONG len;

    acquire("Kerberos", SECPKG_CRED_OUTBOUND, true, &cc);
    len = settings(buf, 0, NULL, 0);
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_OK);
    len = settings(buf, KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY, NULL, 0);
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_OK);
    len = settings(buf, 0, odd, sizeof(odd) / sizeof(odd[0]));
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_OK);
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_msg(strstr(sspigss_last_error(), "KDC") != NULL, "%s",
                  sspigss_last_error());
    /* The A entry point takes the same structure. */
    len = settings_utf8(buf, 0, server_string());
    assert_sec_why(SetCredentialsAttributesA(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_OK);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* Malformed settings and the packages and attributes that take none. */
START_TEST(bad_settings)
{
    SecPkgCredentials_KdcProxySettingsW *s;
    unsigned char buf[256];
    CredHandle cc, nt, bad = { 12345, 67890 };
    SCHANNEL_CRED sch;
    TimeStamp ts;
    ULONG len;

    acquire("Kerberos", SECPKG_CRED_OUTBOUND, true, &cc);
    s = (SecPkgCredentials_KdcProxySettingsW *)buf;
    len = settings_utf8(buf, 0, "localhost:443:KdcProxy");
    /* Shorter than the structure. */
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, 8),
                   SEC_E_INVALID_PARAMETER);
    /* The string beyond the bytes given; odd length; version 2; a flag
     * that does not exist; a client TLS credential. */
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf,
                       len - 2),
                   SEC_E_INVALID_PARAMETER);
    s->ProxyServerLength -= 1;
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_INVALID_PARAMETER);
    s->ProxyServerLength += 1;
    s->Version = 2;
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_INVALID_PARAMETER);
    s->Version = KDC_PROXY_SETTINGS_V1;
    s->Flags = 0x2;
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_INVALID_PARAMETER);
    s->Flags = 0;
    s->ClientTlsCredOffset = s->ProxyServerOffset;
    s->ClientTlsCredLength = 2;
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_UNSUPPORTED_FUNCTION);
    assert_sec_why(SetCredentialsAttributesW(
                       &cc, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, NULL, len),
                   SEC_E_INVALID_PARAMETER);
    /* Another attribute. */
    assert_sec_why(SetCredentialsAttributesW(&cc, SECPKG_CRED_ATTR_NAMES,
                                             buf, len),
                   SEC_E_UNSUPPORTED_FUNCTION);
    /* The handle still works after all that. */
    assert_sec_why(first_call(&cc), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    FreeCredentialsHandle(&cc);

    /* NTLM has no KDC; Schannel no such attribute. */
    acquire("NTLM", SECPKG_CRED_OUTBOUND, true, &nt);
    len = settings_utf8(buf, 0, "localhost:443:KdcProxy");
    assert_sec_why(SetCredentialsAttributesW(
                       &nt, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_UNSUPPORTED_FUNCTION);
    FreeCredentialsHandle(&nt);
    memset(&sch, 0, sizeof(sch));
    sch.dwVersion = SCHANNEL_CRED_VERSION;
    assert_sec_why(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Schannel",
                                             SECPKG_CRED_OUTBOUND, NULL, &sch,
                                             NULL, NULL, &nt, &ts),
                   SEC_E_OK);
    assert_sec_why(SetCredentialsAttributesW(
                       &nt, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_UNSUPPORTED_FUNCTION);
    FreeCredentialsHandle(&nt);
    assert_sec_why(SetCredentialsAttributesW(
                       &bad, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, buf, len),
                   SEC_E_INVALID_HANDLE);
}
END_TEST

static void
setup(void)
{
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
}

static void
teardown(void)
{
    ck_assert_msg(handle_count(HANDLE_CRED) == 0, "credential handles left");
    ck_assert_msg(handle_count(HANDLE_CTX) == 0, "context handles left");
}

static Suite *
proxy_suite(void)
{
    Suite *s = suite_create("kdc_proxy");
    TCase *tc = tcase_create("proxy");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, no_proxy_no_kdc);
    tcase_add_loop_test(tc, explicit_password, 0, 2);
    tcase_add_test(tc, default_credential);
    tcase_add_loop_test(tc, negotiate, 0, 2);
    tcase_add_loop_test(tc, proxy_unreachable, 0, 2);
    tcase_add_test(tc, sspilib_settings);
    tcase_add_test(tc, bad_settings);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    realm = getenv("SSPIGSS_REALM");
    host = getenv("SSPIGSS_HOST");
    proxy_port = getenv("SSPIGSS_PROXY_PORT");
    proxy_log = getenv("SSPIGSS_PROXY_LOG");
    dead_port = getenv("SSPIGSS_DEAD_PORT");
    if (realm == NULL || host == NULL || proxy_port == NULL
        || proxy_log == NULL || dead_port == NULL
        || getenv("SSPIGSS_UNTRUSTED") == NULL) {
        fprintf(stderr, "check_kdc_proxy: run tests/check_kdc_proxy.sh\n");
        return 99;
    }
    snprintf(target, sizeof(target), "host/%s", host);
    return run_suite(proxy_suite());
}
