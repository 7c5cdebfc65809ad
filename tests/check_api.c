/*
 * check_api.c - argument validation of every exported entry point.
 *
 * Every call here gets bad input (NULL, zeroed, forged, stale or foreign
 * handles, unknown packages, malformed strings) and must answer with its
 * exact SEC_E_ code without touching anything. Objects are made through
 * the handle table directly where no package can make them yet, so the
 * dispatcher's own checks are what is exercised.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "internal.h"
#include "package.h"
#include "testutil.h"

static void
obj_destroy(struct handle_obj *obj)
{
    free(obj);
}

/* A package with no operations: what every package was before its issue
 * landed, and what the dispatcher must answer for on its own. */
static const struct package_ops no_ops;
static const struct package bare = {
    .name = "Bare", .comment = "no operations", .ops = &no_ops,
};

/* A live handle of a kind, owned by the package without operations. */
static SecHandle
make_handle(enum handle_kind kind)
{
    struct handle_obj *o = calloc(1, sizeof(*o));
    SecHandle h;

    ck_assert_ptr_nonnull(o);
    handle_obj_init(o, kind, &bare, obj_destroy);
    ck_assert_sec(handle_insert(o, &h), SEC_E_OK);
    handle_obj_unref(o);
    return h;
}

static SecHandle
forged(void)
{
    SecHandle h;

    h.dwLower = 0x1234;
    h.dwUpper = 0x5678;
    return h;
}

START_TEST(acquire_credentials)
{
    static const WCHAR kerb[] = { 'K', 'e', 'r', 'b', 'e', 'r', 'o', 's', 0 };
    static const WCHAR bogus[] = { 'B', 'o', 'g', 'u', 's', 0 };
    static const WCHAR bad16[] = { 0xDC00, 0 };
    CredHandle cred;
    TimeStamp ts = { .QuadPart = 42 };

    memset(&cred, 0xAB, sizeof(cred));
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Bogus",
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cred, &ts),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, NULL, SECPKG_CRED_OUTBOUND,
                                            NULL, NULL, NULL, NULL, &cred,
                                            &ts),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(AcquireCredentialsHandleW(NULL, (LPWSTR)bogus,
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cred, &ts),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(AcquireCredentialsHandleW(NULL, (LPWSTR)bad16,
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cred, &ts),
                  SEC_E_SECPKG_NOT_FOUND);
    /* No direction: SEC_E_NO_CREDENTIALS (Wine schannel.c,
     * testAcquireSecurityContext), also with unknown bits. */
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Kerberos", 0, NULL,
                                            NULL, NULL, NULL, &cred, &ts),
                  SEC_E_NO_CREDENTIALS);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"kerberos",
                                            SECPKG_CRED_OUTBOUND | 0x100,
                                            NULL, NULL, NULL, NULL, &cred,
                                            &ts),
                  SEC_E_NO_CREDENTIALS);
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Kerberos",
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, NULL, &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AcquireCredentialsHandleW((LPWSTR)bad16, (LPWSTR)kerb,
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cred, &ts),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(AcquireCredentialsHandleA((LPSTR)"a\xC0\xAF",
                                            (LPSTR)"Kerberos",
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cred, &ts),
                  SEC_E_INVALID_PARAMETER);
    /* Nothing was written on failure. */
    ck_assert_uint_eq(cred.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
    ck_assert_int_eq(ts.QuadPart, 42);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
}
END_TEST

START_TEST(credential_calls_on_bad_handles)
{
    SecHandle f = forged(), z, ctx = make_handle(HANDLE_CTX);
    SecPkgCredentials_NamesA names;

    memset(&z, 0, sizeof(z));
    ck_assert_sec(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    ck_assert_sec(FreeCredentialsHandle(&z), SEC_E_INVALID_HANDLE);
    ck_assert_sec(FreeCredentialsHandle(&f), SEC_E_INVALID_HANDLE);
    /* A context handle is not a credential handle. */
    ck_assert_sec(FreeCredentialsHandle(&ctx), SEC_E_INVALID_HANDLE);
    ck_assert_sec(QueryCredentialsAttributesA(&f, SECPKG_CRED_ATTR_NAMES,
                                              &names),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(QueryCredentialsAttributesW(NULL, SECPKG_CRED_ATTR_NAMES,
                                              &names),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(QueryCredentialsAttributesExA(&ctx, 1, &names,
                                                sizeof(names)),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(QueryCredentialsAttributesExW(&f, 1, &names,
                                                sizeof(names)),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(SetCredentialsAttributesA(&f, 1, NULL, 0),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(SetCredentialsAttributesW(NULL, 1, NULL, 0),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AddCredentialsA(&f, NULL, (LPSTR)"Kerberos",
                                  SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                  NULL),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AddCredentialsW(NULL, NULL, NULL, SECPKG_CRED_OUTBOUND,
                                  NULL, NULL, NULL, NULL),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&ctx), SEC_E_OK);
}
END_TEST

START_TEST(credential_calls_without_package_support)
{
    SecHandle cred = make_handle(HANDLE_CRED);
    SecPkgCredentials_NamesA names;

    ck_assert_sec(QueryCredentialsAttributesA(&cred, SECPKG_CRED_ATTR_NAMES,
                                              &names),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(QueryCredentialsAttributesExW(&cred, 1, &names,
                                                sizeof(names)),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(SetCredentialsAttributesA(&cred, 1, NULL, 0),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(AddCredentialsA(&cred, NULL, (LPSTR)"Kerberos",
                                  SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                  NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
    /* Stale now. */
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
}
END_TEST

START_TEST(context_establishment_on_bad_handles)
{
    SecHandle f = forged(), newctx;
    SecHandle cred = make_handle(HANDLE_CRED);
    SecBuffer tok = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc out = { SECBUFFER_VERSION, 1, &tok };
    SecBufferDesc badver = { 7, 1, &tok };
    ULONG attrs = 0xfeed;
    TimeStamp ts = { .QuadPart = 7 };

    memset(&newctx, 0x5A, sizeof(newctx));
    /* First call without a credential. */
    ck_assert_sec(InitializeSecurityContextA(NULL, NULL, (LPSTR)"host/x", 0,
                                             0, SECURITY_NATIVE_DREP, NULL, 0,
                                             &newctx, &out, &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(InitializeSecurityContextW(&f, NULL, NULL, 0, 0, 0, NULL,
                                             0, &newctx, &out, &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    /* First call with nowhere to put the new context. */
    ck_assert_sec(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0,
                                             NULL, 0, NULL, &out, &attrs,
                                             &ts),
                  SEC_E_INVALID_HANDLE);
    /* Later call with a forged context; a credential given as context. */
    ck_assert_sec(InitializeSecurityContextA(&cred, &f, NULL, 0, 0, 0, NULL,
                                             0, &newctx, &out, &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(InitializeSecurityContextA(&cred, &cred, NULL, 0, 0, 0,
                                             NULL, 0, &newctx, &out, &attrs,
                                             &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AcceptSecurityContext(NULL, NULL, &out, 0, 0, &newctx,
                                        &out, &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AcceptSecurityContext(&cred, &f, &out, 0, 0, &newctx, &out,
                                        &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(AcceptSecurityContext(&cred, NULL, &out, 0, 0, NULL, &out,
                                        &attrs, &ts),
                  SEC_E_INVALID_HANDLE);
    /* A malformed descriptor is a bad token. */
    ck_assert_sec(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0,
                                             &badver, 0, &newctx, &out,
                                             &attrs, &ts),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(AcceptSecurityContext(&cred, NULL, &badver, 0, 0, &newctx,
                                        &out, &attrs, &ts),
                  SEC_E_INVALID_TOKEN);
    /* Malformed target names. */
    ck_assert_sec(InitializeSecurityContextA(&cred, NULL, (LPSTR)"\xFFx", 0,
                                             0, 0, NULL, 0, &newctx, &out,
                                             &attrs, &ts),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(InitializeSecurityContextW(&cred, NULL,
                                             (SEC_WCHAR *)(const WCHAR[]){
                                                 0xD800, 'x', 0 },
                                             0, 0, 0, NULL, 0, &newctx, &out,
                                             &attrs, &ts),
                  SEC_E_INVALID_PARAMETER);
    /* No package operation yet. */
    ck_assert_sec(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0,
                                             NULL, 0, &newctx, &out, &attrs,
                                             &ts),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(AcceptSecurityContext(&cred, NULL, NULL, 0, 0, &newctx,
                                        &out, &attrs, &ts),
                  SEC_E_UNSUPPORTED_FUNCTION);
    /* Outputs untouched, no context made. */
    ck_assert_uint_eq(attrs, 0xfeed);
    ck_assert_int_eq(ts.QuadPart, 7);
    ck_assert_uint_eq(newctx.dwLower, (ULONG_PTR)0x5A5A5A5A5A5A5A5AULL);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
}
END_TEST

START_TEST(delete_context)
{
    SecHandle f = forged(), z, ctx = make_handle(HANDLE_CTX);
    SecHandle cred = make_handle(HANDLE_CRED);

    memset(&z, 0, sizeof(z));
    ck_assert_sec(DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&z), SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&f), SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&cred), SEC_E_INVALID_HANDLE);
    ck_assert_sec(DeleteSecurityContext(&ctx), SEC_E_OK);
    /* Microsoft: deleting an already deleted context is SEC_E_OK. */
    ck_assert_sec(DeleteSecurityContext(&ctx), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}
END_TEST

START_TEST(context_calls_on_bad_handles)
{
    SecHandle f = forged(), cred = make_handle(HANDLE_CRED);
    SecPkgContext_Sizes sizes;
    char data[16];
    SecBuffer b = { sizeof(data), SECBUFFER_DATA, data };
    SecBufferDesc d = { SECBUFFER_VERSION, 1, &b };
    SecBuffer packed = { 0, SECBUFFER_EMPTY, NULL };
    ULONG qop = 0;
    void *tok = (void *)1;
    PSecHandle bad[3] = { NULL, &f, &cred };
    size_t i;

    for (i = 0; i < 3; i++) {
        PSecHandle h = bad[i];

        ck_assert_sec(QueryContextAttributesA(h, SECPKG_ATTR_SIZES, &sizes),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(QueryContextAttributesW(h, SECPKG_ATTR_SIZES, &sizes),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(QueryContextAttributesExA(h, SECPKG_ATTR_SIZES, &sizes,
                                                sizeof(sizes)),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(QueryContextAttributesExW(h, SECPKG_ATTR_SIZES, &sizes,
                                                sizeof(sizes)),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(SetContextAttributesA(h, 1, NULL, 0),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(SetContextAttributesW(h, 1, NULL, 0),
                      SEC_E_INVALID_HANDLE);
        ck_assert_sec(MakeSignature(h, 0, &d, 0), SEC_E_INVALID_HANDLE);
        ck_assert_sec(VerifySignature(h, &d, 0, &qop), SEC_E_INVALID_HANDLE);
        ck_assert_sec(EncryptMessage(h, 0, &d, 0), SEC_E_INVALID_HANDLE);
        ck_assert_sec(DecryptMessage(h, &d, 0, &qop), SEC_E_INVALID_HANDLE);
        ck_assert_sec(CompleteAuthToken(h, &d), SEC_E_INVALID_HANDLE);
        ck_assert_sec(ApplyControlToken(h, &d), SEC_E_INVALID_HANDLE);
        ck_assert_sec(ImpersonateSecurityContext(h), SEC_E_INVALID_HANDLE);
        ck_assert_sec(RevertSecurityContext(h), SEC_E_INVALID_HANDLE);
        ck_assert_sec(QuerySecurityContextToken(h, &tok),
                      SEC_E_INVALID_HANDLE);
        ck_assert_ptr_null(tok);
        ck_assert_sec(ExportSecurityContext(h, 0, &packed, NULL),
                      SEC_E_INVALID_HANDLE);
    }
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
}
END_TEST

START_TEST(context_calls_without_package_support)
{
    SecHandle ctx = make_handle(HANDLE_CTX);
    SecPkgContext_Sizes sizes;
    char data[16];
    SecBuffer b = { sizeof(data), SECBUFFER_DATA, data };
    SecBufferDesc d = { SECBUFFER_VERSION, 1, &b };
    SecBufferDesc badver = { 3, 1, &b };
    SecBuffer packed = { 0, SECBUFFER_EMPTY, NULL };
    ULONG qop = 0;
    void *tok;

    ck_assert_sec(QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sizes),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(QueryContextAttributesW(&ctx, SECPKG_ATTR_SIZES, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(SetContextAttributesA(&ctx, 1, NULL, 4),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(SetContextAttributesW(&ctx, 1, &sizes, sizeof(sizes)),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(MakeSignature(&ctx, 0, &d, 0), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(VerifySignature(&ctx, &d, 0, &qop),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(EncryptMessage(&ctx, 0, &d, 0), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(DecryptMessage(&ctx, &d, 0, &qop),
                  SEC_E_UNSUPPORTED_FUNCTION);
    /* Descriptors are checked before the package is asked. */
    ck_assert_sec(EncryptMessage(&ctx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    ck_assert_sec(DecryptMessage(&ctx, &badver, 0, &qop),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(CompleteAuthToken(&ctx, &d), SEC_E_UNSUPPORTED_FUNCTION);
    /* ApplyControlToken with no descriptor: SEC_E_INTERNAL_ERROR (Wine
     * schannel.c, test_connection_shutdown). */
    ck_assert_sec(ApplyControlToken(&ctx, NULL), SEC_E_INTERNAL_ERROR);
    ck_assert_sec(ApplyControlToken(&ctx, &d), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(ImpersonateSecurityContext(&ctx),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(RevertSecurityContext(&ctx), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(QuerySecurityContextToken(&ctx, &tok),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(QuerySecurityContextToken(&ctx, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(ExportSecurityContext(&ctx, 0, &packed, NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(ExportSecurityContext(&ctx, 0, NULL, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(DeleteSecurityContext(&ctx), SEC_E_OK);
}
END_TEST

START_TEST(import_and_password_change)
{
    static const WCHAR ntlm[] = { 'N', 'T', 'L', 'M', 0 };
    char blob[8] = { 0 };
    SecBuffer packed = { sizeof(blob), SECBUFFER_EMPTY, blob };
    SecBuffer nullpacked = { 8, SECBUFFER_EMPTY, NULL };
    SecHandle ctx;

    ck_assert_sec(ImportSecurityContextA((LPSTR)"Bogus", &packed, NULL,
                                         &ctx),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(ImportSecurityContextA(NULL, &packed, NULL, &ctx),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(ImportSecurityContextA((LPSTR)"Kerberos", &packed, NULL,
                                         NULL),
                  SEC_E_INVALID_HANDLE);
    ck_assert_sec(ImportSecurityContextA((LPSTR)"Kerberos", NULL, NULL,
                                         &ctx),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(ImportSecurityContextA((LPSTR)"Kerberos", &nullpacked,
                                         NULL, &ctx),
                  SEC_E_INVALID_TOKEN);
    /* An NTLM blob that is none (gss-ntlmssp reads it). */
    ck_assert_sec(ImportSecurityContextW((LPWSTR)ntlm, &packed, NULL, &ctx),
                  SEC_E_INVALID_TOKEN);
    /* A package without contexts yet. */
    ck_assert_sec(ImportSecurityContextA((LPSTR)"Schannel", &packed, NULL,
                                         &ctx),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(ChangeAccountPasswordA((SEC_CHAR *)"Bogus", NULL, NULL,
                                         NULL, NULL, 0, 0, NULL),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(ChangeAccountPasswordW(NULL, NULL, NULL, NULL, NULL, 0, 0,
                                         NULL),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(ChangeAccountPasswordA((SEC_CHAR *)"Kerberos", NULL, NULL,
                                         NULL, NULL, 0, 0, NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
}
END_TEST

START_TEST(credential_outlives_its_handle)
{
    /* A context holds its credential: freeing the credential handle
     * first leaves the object alive until the context goes. */
    struct handle_obj *cred_obj;
    SecHandle cred = make_handle(HANDLE_CRED);

    ck_assert_sec(handle_lookup(&cred, HANDLE_CRED, &cred_obj), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
    ck_assert_uint_eq(atomic_load(&cred_obj->refs), 1);
    ck_assert_sec(QueryCredentialsAttributesA(&cred, SECPKG_CRED_ATTR_NAMES,
                                              cred_obj),
                  SEC_E_INVALID_HANDLE);
    handle_obj_unref(cred_obj);
}
END_TEST

/* Once the library's destructor has run (process exit, dlclose), new work
 * is refused with SEC_E_SHUTDOWN_IN_PROGRESS while releases still work, so
 * threads still running at exit neither crash nor leak. */
START_TEST(shutdown_in_progress)
{
    SecHandle cred = make_handle(HANDLE_CRED), ctx = make_handle(HANDLE_CTX);
    char data[16];
    SecBuffer b = { sizeof(data), SECBUFFER_DATA, data };
    SecBufferDesc d = { SECBUFFER_VERSION, 1, &b };
    SecPkgContext_Sizes sizes;
    PSecPkgInfoA info = NULL;
    SecHandle newctx;
    ULONG n, attrs;
    TimeStamp ts;
    void *keep = ctxbuf_alloc(8);

    lib_begin_shutdown();
    ck_assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Kerberos",
                                            SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &newctx, &ts),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "shutting down"));
    ck_assert_sec(InitializeSecurityContextA(&cred, NULL, (LPSTR)"host/x", 0,
                                             0, 0, NULL, 0, &newctx, NULL,
                                             &attrs, &ts),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_sec(AcceptSecurityContext(&cred, NULL, &d, 0, 0, &newctx, NULL,
                                        &attrs, &ts),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_sec(EncryptMessage(&ctx, 0, &d, 0), SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_sec(QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sizes),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_sec(EnumerateSecurityPackagesA(&n, &info),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)"NTLM", &info),
                  SEC_E_SHUTDOWN_IN_PROGRESS);
    /* Releasing still works. */
    ck_assert_sec(FreeContextBuffer(keep), SEC_E_OK);
    ck_assert_sec(DeleteSecurityContext(&ctx), SEC_E_OK);
    ck_assert_sec(FreeCredentialsHandle(&cred), SEC_E_OK);
    ck_assert_uint_eq(handle_count(HANDLE_CTX), 0);
    ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
}
END_TEST

static Suite *
api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("validation");

    tcase_add_test(tc, acquire_credentials);
    tcase_add_test(tc, credential_calls_on_bad_handles);
    tcase_add_test(tc, credential_calls_without_package_support);
    tcase_add_test(tc, context_establishment_on_bad_handles);
    tcase_add_test(tc, delete_context);
    tcase_add_test(tc, context_calls_on_bad_handles);
    tcase_add_test(tc, context_calls_without_package_support);
    tcase_add_test(tc, import_and_password_change);
    tcase_add_test(tc, credential_outlives_its_handle);
    tcase_add_test(tc, shutdown_in_progress);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(api_suite());
}
