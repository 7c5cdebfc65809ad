/*
 * api_packages.c - package enumeration, package information, function
 * tables and FreeContextBuffer.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package.h"

/*
 * SecPkgInfo results are one context buffer each: the array of structs
 * followed by the strings they point into, so a single FreeContextBuffer()
 * releases everything, as on Windows.
 */

static size_t
info_strings_size(const struct package *p, bool wide)
{
    size_t n = 0;

    if (wide) {
        size_t u;

        utf8_to_utf16(p->name, (size_t)-1, NULL, &u);
        n += (u + 1) * sizeof(WCHAR);
        utf8_to_utf16(p->comment, (size_t)-1, NULL, &u);
        n += (u + 1) * sizeof(WCHAR);
    } else {
        n = strlen(p->name) + 1 + strlen(p->comment) + 1;
    }
    return n;
}

/* Copy a string into the string area; returns where it was put. */
static void *
put_string(unsigned char **area, const char *s, bool wide)
{
    void *where = *area;

    if (wide) {
        size_t u;

        utf8_to_utf16(s, (size_t)-1, NULL, &u);
        utf8_to_utf16_into(s, (WCHAR *)where, u);
        *area += (u + 1) * sizeof(WCHAR);
    } else {
        size_t n = strlen(s) + 1;

        memcpy(where, s, n);
        *area += n;
    }
    return where;
}

/* SecPkgInfoA and SecPkgInfoW differ only in the type of Name/Comment,
 * so one routine fills either through a char view of the same layout. */
static void
fill_info(SecPkgInfoA *info, const struct package *p, unsigned char **area,
          bool wide)
{
    info->fCapabilities = p->capabilities;
    info->wVersion = p->version;
    info->wRPCID = p->rpcid;
    info->cbMaxToken = p->max_token;
    info->Name = put_string(area, p->name, wide);
    info->Comment = put_string(area, p->comment, wide);
}

_Static_assert(sizeof(SecPkgInfoA) == sizeof(SecPkgInfoW),
               "SecPkgInfoA and SecPkgInfoW share one layout");
_Static_assert(offsetof(SecPkgInfoA, Name) == offsetof(SecPkgInfoW, Name)
               && offsetof(SecPkgInfoA, Comment)
                      == offsetof(SecPkgInfoW, Comment),
               "SecPkgInfoA and SecPkgInfoW share one layout");

/* Build one info block describing `count` packages. */
static SECURITY_STATUS
make_info_block(const struct package *const *pkgs, size_t count, bool wide,
                void **out)
{
    size_t size = count * sizeof(SecPkgInfoA), i;
    unsigned char *block, *area;

    for (i = 0; i < count; i++)
        size += info_strings_size(pkgs[i], wide);
    block = ctxbuf_alloc(size);
    if (block == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    area = block + count * sizeof(SecPkgInfoA);
    for (i = 0; i < count; i++)
        fill_info((SecPkgInfoA *)block + i, pkgs[i], &area, wide);
    *out = block;
    return SEC_E_OK;
}

static SECURITY_STATUS
enumerate(ULONG *pcPackages, void **ppPackageInfo, bool wide)
{
    const struct package *pkgs[16];
    size_t n = package_count(), i;
    SECURITY_STATUS st;

    st = lib_enter();
    if (st != SEC_E_OK)
        return st;
    if (pcPackages == NULL || ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    *pcPackages = 0;
    *ppPackageInfo = NULL;
    for (i = 0; i < n && i < sizeof(pkgs) / sizeof(pkgs[0]); i++)
        pkgs[i] = package_at(i);
    st = make_info_block(pkgs, i, wide, ppPackageInfo);
    if (st == SEC_E_OK)
        *pcPackages = (ULONG)i;
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
EnumerateSecurityPackagesA(ULONG *pcPackages, PSecPkgInfoA *ppPackageInfo)
{
    return trace_result("EnumerateSecurityPackagesA",
                        enumerate(pcPackages, (void **)ppPackageInfo,
                                  false));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
EnumerateSecurityPackagesW(ULONG *pcPackages, PSecPkgInfoW *ppPackageInfo)
{
    return trace_result("EnumerateSecurityPackagesW",
                        enumerate(pcPackages, (void **)ppPackageInfo, true));
}

static SECURITY_STATUS
query_info(const char *name, void **ppPackageInfo, bool wide)
{
    const struct package *p;
    SECURITY_STATUS st = lib_enter();

    if (st != SEC_E_OK)
        return st;
    /* An unknown name leaves *ppPackageInfo untouched, as on Windows
     * (Wine dlls/secur32/tests/main.c, testQuerySecurityPackageInfo). */
    p = package_find(name);
    if (p == NULL)
        return SEC_E_SECPKG_NOT_FOUND;
    if (ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    return make_info_block(&p, 1, wide, ppPackageInfo);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QuerySecurityPackageInfoA(LPSTR pszPackageName, PSecPkgInfoA *ppPackageInfo)
{
    SECURITY_STATUS st;

    if (pszPackageName != NULL
        && !utf8_valid(pszPackageName, strlen(pszPackageName)))
        st = SEC_E_SECPKG_NOT_FOUND;
    else
        st = query_info(pszPackageName, (void **)ppPackageInfo, false);
    return trace_result("QuerySecurityPackageInfoA", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QuerySecurityPackageInfoW(LPWSTR pszPackageName, PSecPkgInfoW *ppPackageInfo)
{
    SECURITY_STATUS st;
    char *name = NULL;

    st = package_name_from_w(pszPackageName, &name);
    if (st == SEC_E_OK)
        st = query_info(name, (void **)ppPackageInfo, true);
    free(name);
    return trace_result("QuerySecurityPackageInfoW", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
FreeContextBuffer(PVOID pvContextBuffer)
{
    return trace_result("FreeContextBuffer", ctxbuf_free(pvContextBuffer));
}

/*
 * Function tables. Slot order is Windows' (SecurityFunctionTableA/W in
 * sspi.h). Windows reports dwVersion 1 (Wine
 * dlls/secur32/tests/secur32.c, test_InitSecurityInterface) and fills
 * Reserved3/Reserved4 with EncryptMessage/DecryptMessage, which old
 * callers rely on; we do the same. Slots Windows leaves empty (Reserved2,
 * Reserved8, and the Ex entries Microsoft documents as not initialised)
 * get real functions here, so no caller can jump through a NULL slot.
 */
static SECURITY_STATUS SEC_ENTRY
reserved_slot(void)
{
    return SEC_E_UNSUPPORTED_FUNCTION;
}

/* Reserved slots are void *; POSIX guarantees function pointers round
 * trip through it. */
#define RESERVED_FN(f) ((void *)(uintptr_t)(f))

static SecurityFunctionTableA table_a = {
    .dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    .EnumerateSecurityPackagesA = EnumerateSecurityPackagesA,
    .QueryCredentialsAttributesA = QueryCredentialsAttributesA,
    .AcquireCredentialsHandleA = AcquireCredentialsHandleA,
    .FreeCredentialHandle = FreeCredentialsHandle,
    .Reserved2 = RESERVED_FN(reserved_slot),
    .InitializeSecurityContextA = InitializeSecurityContextA,
    .AcceptSecurityContext = AcceptSecurityContext,
    .CompleteAuthToken = CompleteAuthToken,
    .DeleteSecurityContext = DeleteSecurityContext,
    .ApplyControlToken = ApplyControlToken,
    .QueryContextAttributesA = QueryContextAttributesA,
    .ImpersonateSecurityContext = ImpersonateSecurityContext,
    .RevertSecurityContext = RevertSecurityContext,
    .MakeSignature = MakeSignature,
    .VerifySignature = VerifySignature,
    .FreeContextBuffer = FreeContextBuffer,
    .QuerySecurityPackageInfoA = QuerySecurityPackageInfoA,
    .Reserved3 = RESERVED_FN(EncryptMessage),
    .Reserved4 = RESERVED_FN(DecryptMessage),
    .ExportSecurityContext = ExportSecurityContext,
    .ImportSecurityContextA = ImportSecurityContextA,
    .AddCredentialsA = AddCredentialsA,
    .Reserved8 = RESERVED_FN(reserved_slot),
    .QuerySecurityContextToken = QuerySecurityContextToken,
    .EncryptMessage = EncryptMessage,
    .DecryptMessage = DecryptMessage,
    .SetContextAttributesA = SetContextAttributesA,
    .SetCredentialsAttributesA = SetCredentialsAttributesA,
    .ChangeAccountPasswordA = ChangeAccountPasswordA,
    .QueryContextAttributesExA = QueryContextAttributesExA,
    .QueryCredentialsAttributesExA = QueryCredentialsAttributesExA,
};

static SecurityFunctionTableW table_w = {
    .dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    .EnumerateSecurityPackagesW = EnumerateSecurityPackagesW,
    .QueryCredentialsAttributesW = QueryCredentialsAttributesW,
    .AcquireCredentialsHandleW = AcquireCredentialsHandleW,
    .FreeCredentialsHandle = FreeCredentialsHandle,
    .Reserved2 = RESERVED_FN(reserved_slot),
    .InitializeSecurityContextW = InitializeSecurityContextW,
    .AcceptSecurityContext = AcceptSecurityContext,
    .CompleteAuthToken = CompleteAuthToken,
    .DeleteSecurityContext = DeleteSecurityContext,
    .ApplyControlToken = ApplyControlToken,
    .QueryContextAttributesW = QueryContextAttributesW,
    .ImpersonateSecurityContext = ImpersonateSecurityContext,
    .RevertSecurityContext = RevertSecurityContext,
    .MakeSignature = MakeSignature,
    .VerifySignature = VerifySignature,
    .FreeContextBuffer = FreeContextBuffer,
    .QuerySecurityPackageInfoW = QuerySecurityPackageInfoW,
    .Reserved3 = RESERVED_FN(EncryptMessage),
    .Reserved4 = RESERVED_FN(DecryptMessage),
    .ExportSecurityContext = ExportSecurityContext,
    .ImportSecurityContextW = ImportSecurityContextW,
    .AddCredentialsW = AddCredentialsW,
    .Reserved8 = RESERVED_FN(reserved_slot),
    .QuerySecurityContextToken = QuerySecurityContextToken,
    .EncryptMessage = EncryptMessage,
    .DecryptMessage = DecryptMessage,
    .SetContextAttributesW = SetContextAttributesW,
    .SetCredentialsAttributesW = SetCredentialsAttributesW,
    .ChangeAccountPasswordW = ChangeAccountPasswordW,
    .QueryContextAttributesExW = QueryContextAttributesExW,
    .QueryCredentialsAttributesExW = QueryCredentialsAttributesExW,
};

SSPIGSS_EXPORT PSecurityFunctionTableA SEC_ENTRY
InitSecurityInterfaceA(void)
{
    trace_printf("InitSecurityInterfaceA -> table v%lu",
                 (unsigned long)table_a.dwVersion);
    return &table_a;
}

SSPIGSS_EXPORT PSecurityFunctionTableW SEC_ENTRY
InitSecurityInterfaceW(void)
{
    trace_printf("InitSecurityInterfaceW -> table v%lu",
                 (unsigned long)table_w.dwVersion);
    return &table_w;
}
