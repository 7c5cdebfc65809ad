/*
 * check_packages.c - EnumerateSecurityPackages, QuerySecurityPackageInfo
 * and the function tables, against the values Windows reports.
 */
#include "setup.h"

#include <string.h>
#include <strings.h>

#include "internal.h"
#include "testutil.h"

/* What Windows 10/11 reports (see lib/packages.c for the sources). */
static const struct {
    const char *name;
    const char *comment;
    ULONG caps;
    USHORT rpcid;
    ULONG max_token;
} windows[] = {
    { "Negotiate", "Microsoft Package Negotiator", 0x00883BB3, 9, 48256 },
    { "Kerberos", "Microsoft Kerberos V1.0", 0x008F3BBF, 16, 48000 },
    { "NTLM", "NTLM Security Package", 0x00882B37, 10, 2888 },
    { "Schannel", "Schannel Security Package", 0x004107B3, 14, 24576 },
    { "Microsoft Unified Security Protocol Provider",
      "Schannel Security Package", 0x004107B3, 14, 24576 },
};

#define NWIN (sizeof(windows) / sizeof(windows[0]))

/* Compare a UTF-16 string with ASCII. */
static bool
weq(const WCHAR *w, const char *a)
{
    size_t i;

    for (i = 0; a[i] != '\0'; i++)
        if (w[i] != (WCHAR)(unsigned char)a[i])
            return false;
    return w[i] == 0;
}

START_TEST(enumerate_a)
{
    PSecPkgInfoA info = NULL;
    ULONG n = 0, i;
    size_t base = ctxbuf_outstanding();

    ck_assert_sec(EnumerateSecurityPackagesA(&n, &info), SEC_E_OK);
    ck_assert_uint_eq(n, NWIN);
    for (i = 0; i < n; i++) {
        ck_assert_str_eq(info[i].Name, windows[i].name);
        ck_assert_str_eq(info[i].Comment, windows[i].comment);
        ck_assert_uint_eq(info[i].fCapabilities, windows[i].caps);
        ck_assert_uint_eq(info[i].wVersion, 1);
        ck_assert_uint_eq(info[i].wRPCID, windows[i].rpcid);
        ck_assert_uint_eq(info[i].cbMaxToken, windows[i].max_token);
    }
    /* One block: one FreeContextBuffer releases everything. */
    ck_assert_uint_eq(ctxbuf_outstanding(), base + 1);
    ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);
    ck_assert_uint_eq(ctxbuf_outstanding(), base);
}
END_TEST

START_TEST(enumerate_w)
{
    PSecPkgInfoW info = NULL;
    ULONG n = 0, i;

    ck_assert_sec(EnumerateSecurityPackagesW(&n, &info), SEC_E_OK);
    ck_assert_uint_eq(n, NWIN);
    for (i = 0; i < n; i++) {
        ck_assert_msg(weq(info[i].Name, windows[i].name), "name %u", i);
        ck_assert_msg(weq(info[i].Comment, windows[i].comment), "cmt %u", i);
        ck_assert_uint_eq(info[i].fCapabilities, windows[i].caps);
        ck_assert_uint_eq(info[i].cbMaxToken, windows[i].max_token);
    }
    ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);
}
END_TEST

START_TEST(enumerate_null_arguments)
{
    PSecPkgInfoA info = NULL;
    ULONG n = 0;

    ck_assert_sec(EnumerateSecurityPackagesA(NULL, &info),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(EnumerateSecurityPackagesA(&n, NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_sec(EnumerateSecurityPackagesW(NULL, NULL),
                  SEC_E_INVALID_PARAMETER);
}
END_TEST

START_TEST(query_case_insensitive)
{
    static const char *const names[] = {
        "kerberos", "KERBEROS", "Kerberos", "negotiate", "ntlm",
        "schannel", "microsoft unified security protocol provider",
    };
    size_t i, j;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        PSecPkgInfoA info = NULL;

        ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)names[i], &info),
                      SEC_E_OK);
        /* Windows' spelling comes back, whatever the caller typed. */
        for (j = 0; j < NWIN; j++)
            if (strcasecmp(windows[j].name, names[i]) == 0)
                break;
        ck_assert_uint_lt(j, NWIN);
        ck_assert_str_eq(info->Name, windows[j].name);
        ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);
    }
}
END_TEST

START_TEST(query_w)
{
    static const WCHAR kerb[] = { 'K', 'e', 'R', 'b', 'E', 'r', 'O', 's', 0 };
    PSecPkgInfoW info = NULL;

    ck_assert_sec(QuerySecurityPackageInfoW((LPWSTR)kerb, &info), SEC_E_OK);
    ck_assert(weq(info->Name, "Kerberos"));
    ck_assert(weq(info->Comment, "Microsoft Kerberos V1.0"));
    ck_assert_uint_eq(info->wRPCID, 16);
    ck_assert_sec(FreeContextBuffer(info), SEC_E_OK);
}
END_TEST

START_TEST(query_unknown)
{
    static const WCHAR bad16[] = { 'K', 0xD800, 0 };
    PSecPkgInfoA info = (PSecPkgInfoA)0x1234;
    PSecPkgInfoW winfo = (PSecPkgInfoW)0x1234;
    size_t base = ctxbuf_outstanding();

    /* Unknown names leave the output alone (Wine main.c,
     * testQuerySecurityPackageInfo, recorded on Windows). */
    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)"Winetest", &info),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_ptr_eq(info, (PSecPkgInfoA)0x1234);
    ck_assert_sec(QuerySecurityPackageInfoA(NULL, &info),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)"Kerb\xFF", &info),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)"", &info),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(QuerySecurityPackageInfoW((LPWSTR)bad16, &winfo),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_ptr_eq(winfo, (PSecPkgInfoW)0x1234);
    ck_assert_sec(QuerySecurityPackageInfoA((LPSTR)"NTLM", NULL),
                  SEC_E_INVALID_PARAMETER);
    ck_assert_uint_eq(ctxbuf_outstanding(), base);
}
END_TEST

START_TEST(function_table_w)
{
    PSecurityFunctionTableW t = InitSecurityInterfaceW();
    void *const *slot;
    size_t i, nslots;

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_eq(t, InitSecurityInterfaceW());
    /* Windows reports version 1 (Wine secur32.c,
     * test_InitSecurityInterface). */
    ck_assert_uint_eq(t->dwVersion, 1);
    ck_assert_ptr_eq(t->EnumerateSecurityPackagesW,
                     EnumerateSecurityPackagesW);
    ck_assert_ptr_eq(t->QueryCredentialsAttributesW,
                     QueryCredentialsAttributesW);
    ck_assert_ptr_eq(t->AcquireCredentialsHandleW, AcquireCredentialsHandleW);
    ck_assert_ptr_eq(t->FreeCredentialsHandle, FreeCredentialsHandle);
    ck_assert_ptr_eq(t->InitializeSecurityContextW,
                     InitializeSecurityContextW);
    ck_assert_ptr_eq(t->AcceptSecurityContext, AcceptSecurityContext);
    ck_assert_ptr_eq(t->CompleteAuthToken, CompleteAuthToken);
    ck_assert_ptr_eq(t->DeleteSecurityContext, DeleteSecurityContext);
    ck_assert_ptr_eq(t->ApplyControlToken, ApplyControlToken);
    ck_assert_ptr_eq(t->QueryContextAttributesW, QueryContextAttributesW);
    ck_assert_ptr_eq(t->ImpersonateSecurityContext,
                     ImpersonateSecurityContext);
    ck_assert_ptr_eq(t->RevertSecurityContext, RevertSecurityContext);
    ck_assert_ptr_eq(t->MakeSignature, MakeSignature);
    ck_assert_ptr_eq(t->VerifySignature, VerifySignature);
    ck_assert_ptr_eq(t->FreeContextBuffer, FreeContextBuffer);
    ck_assert_ptr_eq(t->QuerySecurityPackageInfoW, QuerySecurityPackageInfoW);
    ck_assert_ptr_eq(t->Reserved3, (void *)(uintptr_t)EncryptMessage);
    ck_assert_ptr_eq(t->Reserved4, (void *)(uintptr_t)DecryptMessage);
    ck_assert_ptr_eq(t->ExportSecurityContext, ExportSecurityContext);
    ck_assert_ptr_eq(t->ImportSecurityContextW, ImportSecurityContextW);
    ck_assert_ptr_eq(t->AddCredentialsW, AddCredentialsW);
    ck_assert_ptr_eq(t->QuerySecurityContextToken,
                     QuerySecurityContextToken);
    ck_assert_ptr_eq(t->EncryptMessage, EncryptMessage);
    ck_assert_ptr_eq(t->DecryptMessage, DecryptMessage);
    ck_assert_ptr_eq(t->SetContextAttributesW, SetContextAttributesW);
    ck_assert_ptr_eq(t->SetCredentialsAttributesW, SetCredentialsAttributesW);
    ck_assert_ptr_eq(t->ChangeAccountPasswordW, ChangeAccountPasswordW);
    ck_assert_ptr_eq(t->QueryContextAttributesExW, QueryContextAttributesExW);
    ck_assert_ptr_eq(t->QueryCredentialsAttributesExW,
                     QueryCredentialsAttributesExW);
    /* No slot is NULL: 31 pointers after dwVersion (and its padding). */
    nslots = (sizeof(*t) - offsetof(SecurityFunctionTableW,
                                     EnumerateSecurityPackagesW))
             / sizeof(void *);
    ck_assert_uint_eq(nslots, 31);
    slot = (void *const *)&t->EnumerateSecurityPackagesW;
    for (i = 0; i < nslots; i++)
        ck_assert_msg(slot[i] != NULL, "slot %zu is NULL", i);
}
END_TEST

START_TEST(function_table_a)
{
    PSecurityFunctionTableA t = InitSecurityInterfaceA();
    void *const *slot;
    size_t i, nslots;

    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->dwVersion, 1);
    ck_assert_ptr_eq(t->EnumerateSecurityPackagesA,
                     EnumerateSecurityPackagesA);
    ck_assert_ptr_eq(t->AcquireCredentialsHandleA, AcquireCredentialsHandleA);
    ck_assert_ptr_eq(t->InitializeSecurityContextA,
                     InitializeSecurityContextA);
    ck_assert_ptr_eq(t->QueryContextAttributesA, QueryContextAttributesA);
    ck_assert_ptr_eq(t->QuerySecurityPackageInfoA, QuerySecurityPackageInfoA);
    ck_assert_ptr_eq(t->ImportSecurityContextA, ImportSecurityContextA);
    ck_assert_ptr_eq(t->AddCredentialsA, AddCredentialsA);
    ck_assert_ptr_eq(t->SetContextAttributesA, SetContextAttributesA);
    ck_assert_ptr_eq(t->SetCredentialsAttributesA, SetCredentialsAttributesA);
    ck_assert_ptr_eq(t->ChangeAccountPasswordA, ChangeAccountPasswordA);
    ck_assert_ptr_eq(t->QueryContextAttributesExA, QueryContextAttributesExA);
    ck_assert_ptr_eq(t->QueryCredentialsAttributesExA,
                     QueryCredentialsAttributesExA);
    nslots = (sizeof(*t) - offsetof(SecurityFunctionTableA,
                                     EnumerateSecurityPackagesA))
             / sizeof(void *);
    ck_assert_uint_eq(nslots, 31);
    slot = (void *const *)&t->EnumerateSecurityPackagesA;
    for (i = 0; i < nslots; i++)
        ck_assert_msg(slot[i] != NULL, "slot %zu is NULL", i);
}
END_TEST

START_TEST(reserved_slots_answer_unsupported)
{
    typedef SECURITY_STATUS (*fn)(void);
    PSecurityFunctionTableW t = InitSecurityInterfaceW();

    ck_assert_sec(((fn)(uintptr_t)t->Reserved2)(),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_sec(((fn)(uintptr_t)t->Reserved8)(),
                  SEC_E_UNSUPPORTED_FUNCTION);
}
END_TEST

static Suite *
packages_suite(void)
{
    Suite *s = suite_create("packages");
    TCase *tc = tcase_create("info");

    tcase_add_test(tc, enumerate_a);
    tcase_add_test(tc, enumerate_w);
    tcase_add_test(tc, enumerate_null_arguments);
    tcase_add_test(tc, query_case_insensitive);
    tcase_add_test(tc, query_w);
    tcase_add_test(tc, query_unknown);
    tcase_add_test(tc, function_table_w);
    tcase_add_test(tc, function_table_a);
    tcase_add_test(tc, reserved_slots_answer_unsupported);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(packages_suite());
}
