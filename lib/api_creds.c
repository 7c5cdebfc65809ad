/*
 * api_creds.c - credential entry points.
 *
 * Each entry point: validate arguments, resolve handles, convert strings
 * once, call the package, trace. Argument results follow Windows where it
 * is recorded (citations inline); where Windows' answer is not recorded,
 * the choice is ours and documented in docs/api.md.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package.h"

/*
 * The packed-credential types of SEC_WINNT_AUTH_IDENTITY_EX2 (sspi.h),
 * for programs; values in internal.h. The library compares with its own
 * copies (lib/identity.c), so that it makes no dynamic relocation against
 * its exports.
 */
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_PASSWORD =
    AUTH_DATA_TYPE_PASSWORD;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_CERT =
    AUTH_DATA_TYPE_CERT;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_CREDMAN_CERT =
    AUTH_DATA_TYPE_CREDMAN_CERT;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_NGC =
    AUTH_DATA_TYPE_NGC;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_FIDO =
    AUTH_DATA_TYPE_FIDO;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_KEYTAB =
    AUTH_DATA_TYPE_KEYTAB;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_DELEGATION_TOKEN =
    AUTH_DATA_TYPE_DELEGATION_TOKEN;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_CSP_DATA =
    AUTH_DATA_TYPE_CSP_DATA;
SSPIGSS_EXPORT const GUID SEC_WINNT_AUTH_DATA_TYPE_SMARTCARD_CONTEXTS =
    AUTH_DATA_TYPE_SMARTCARD_CONTEXTS;

/* The direction bits a caller must name one of. */
#define CRED_USE_DIRECTION (SECPKG_CRED_INBOUND | SECPKG_CRED_OUTBOUND)
/* Every bit AcquireCredentialsHandle accepts in fCredentialUse. */
#define CRED_USE_KNOWN \
    (CRED_USE_DIRECTION | SECPKG_CRED_AUTOLOGON_RESTRICTED \
     | SECPKG_CRED_PROCESS_POLICY_ONLY)

static SECURITY_STATUS
acquire(const char *principal, const char *package, ULONG use,
        void *logon_id, void *auth_data, PCredHandle cred,
        PTimeStamp expiry, bool wide)
{
    const struct package *pkg;
    struct acquire_args args;
    struct handle_obj *obj = NULL;
    TimeStamp ts = { 0 };
    SECURITY_STATUS st;

    st = lib_enter();
    if (st != SEC_E_OK)
        return st;
    /* Package first: a NULL or unknown package fails as
     * SEC_E_SECPKG_NOT_FOUND whatever else is wrong (Wine
     * dlls/secur32/tests/schannel.c, testAcquireSecurityContext). */
    pkg = package_find(package);
    if (pkg == NULL)
        return SEC_E_SECPKG_NOT_FOUND;
    /* No direction, or bits Windows does not define: no credential can
     * be made (same test: fCredentialUse 0 gives SEC_E_NO_CREDENTIALS). */
    if ((use & CRED_USE_DIRECTION) == 0 || (use & ~CRED_USE_KNOWN) != 0)
        return SEC_E_NO_CREDENTIALS;
    if (cred == NULL)
        return SEC_E_INVALID_HANDLE;
    if (pkg->ops->acquire_credentials == NULL)
        return SEC_E_UNSUPPORTED_FUNCTION;

    args.principal = principal;
    args.cred_use = use;
    args.logon_id = logon_id;
    args.auth_data = auth_data;
    args.wide = wide;
    st = pkg->ops->acquire_credentials(pkg, &args, &obj, &ts);
    if (st != SEC_E_OK)
        return st;
    st = handle_insert(obj, cred);
    /* The handle holds its own reference now (or failed to take one). */
    handle_obj_unref(obj);
    if (st == SEC_E_OK && expiry != NULL)
        *expiry = ts;
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
AcquireCredentialsHandleA(LPSTR pszPrincipal, LPSTR pszPackage,
                          ULONG fCredentialUse, PVOID pvLogonId,
                          PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                          PVOID pvGetKeyArgument, PCredHandle phCredential,
                          PTimeStamp ptsExpiry)
{
    SECURITY_STATUS st;

    (void)pGetKeyFn;
    (void)pvGetKeyArgument;
    if (pszPrincipal != NULL
        && !utf8_valid(pszPrincipal, strlen(pszPrincipal)))
        st = SEC_E_INVALID_PARAMETER;
    else
        st = acquire(pszPrincipal, pszPackage, fCredentialUse, pvLogonId,
                     pAuthData, phCredential, ptsExpiry, false);
    return trace_result("AcquireCredentialsHandleA", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
AcquireCredentialsHandleW(LPWSTR pszPrincipal, LPWSTR pszPackage,
                          ULONG fCredentialUse, PVOID pvLogonId,
                          PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                          PVOID pvGetKeyArgument, PCredHandle phCredential,
                          PTimeStamp ptsExpiry)
{
    char *principal = NULL, *package = NULL;
    SECURITY_STATUS st = SEC_E_OK;

    (void)pGetKeyFn;
    (void)pvGetKeyArgument;
    st = package_name_from_w(pszPackage, &package);
    if (st == SEC_E_OK && pszPrincipal != NULL)
        st = utf16_to_utf8(pszPrincipal, (size_t)-1, &principal, NULL);
    if (st == SEC_E_OK)
        st = acquire(principal, package, fCredentialUse, pvLogonId,
                     pAuthData, phCredential, ptsExpiry, true);
    free(principal);
    free(package);
    return trace_result("AcquireCredentialsHandleW", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
FreeCredentialsHandle(PCredHandle phCredential)
{
    /* Microsoft: an invalid handle gives SEC_E_INVALID_HANDLE
     * (FreeCredentialsHandle documentation). The credential object lives
     * on while contexts made from it do. */
    return trace_result("FreeCredentialsHandle",
                        handle_remove(phCredential, HANDLE_CRED, NULL));
}

static SECURITY_STATUS
query_cred(PCredHandle h, ULONG attr, void *buffer, bool wide)
{
    struct handle_obj *cred;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CRED, &cred);
    if (st != SEC_E_OK)
        return st;
    if (cred->pkg->ops->query_credentials == NULL)
        st = SEC_E_UNSUPPORTED_FUNCTION;
    else if (buffer == NULL)
        st = SEC_E_INVALID_PARAMETER;
    else
        st = cred->pkg->ops->query_credentials(cred, attr, buffer, wide);
    handle_obj_unref(cred);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryCredentialsAttributesA(PCredHandle phCredential, ULONG ulAttribute,
                            PVOID pBuffer)
{
    return trace_result("QueryCredentialsAttributesA",
                        query_cred(phCredential, ulAttribute, pBuffer,
                                   false));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryCredentialsAttributesW(PCredHandle phCredential, ULONG ulAttribute,
                            PVOID pBuffer)
{
    return trace_result("QueryCredentialsAttributesW",
                        query_cred(phCredential, ulAttribute, pBuffer,
                                   true));
}

/*
 * SetCredentialsAttributes: the package decides (Kerberos and Negotiate
 * take SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, lib/krb_proxy.c); a package
 * without the op, or an attribute it does not take, answers
 * SEC_E_UNSUPPORTED_FUNCTION.
 */
static SECURITY_STATUS
set_cred(PCredHandle h, ULONG attr, void *buffer, ULONG size, bool wide)
{
    struct handle_obj *cred;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CRED, &cred);
    if (st != SEC_E_OK)
        return st;
    if (cred->pkg->ops->set_credentials == NULL)
        st = SEC_E_UNSUPPORTED_FUNCTION;
    else if (buffer == NULL)
        st = SEC_E_INVALID_PARAMETER;
    else
        st = cred->pkg->ops->set_credentials(cred, attr, buffer, size, wide);
    handle_obj_unref(cred);
    return st;
}

/*
 * The Ex variants and AddCredentials have no package support yet: they
 * check the handle (so misuse is reported as such) and answer
 * SEC_E_UNSUPPORTED_FUNCTION.
 */
static SECURITY_STATUS
cred_unsupported(PCredHandle h)
{
    struct handle_obj *cred;
    SECURITY_STATUS st = lib_enter_handle(h, HANDLE_CRED,
                                          &cred);

    if (st != SEC_E_OK)
        return st;
    handle_obj_unref(cred);
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryCredentialsAttributesExA(PCredHandle phCredential, ULONG ulAttribute,
                              PVOID pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute, (void)pBuffer, (void)cbBuffer;
    return trace_result("QueryCredentialsAttributesExA",
                        cred_unsupported(phCredential));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryCredentialsAttributesExW(PCredHandle phCredential, ULONG ulAttribute,
                              PVOID pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute, (void)pBuffer, (void)cbBuffer;
    return trace_result("QueryCredentialsAttributesExW",
                        cred_unsupported(phCredential));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
SetCredentialsAttributesA(PCredHandle phCredential, ULONG ulAttribute,
                          PVOID pBuffer, ULONG cbBuffer)
{
    return trace_result("SetCredentialsAttributesA",
                        set_cred(phCredential, ulAttribute, pBuffer,
                                 cbBuffer, false));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
SetCredentialsAttributesW(PCredHandle phCredential, ULONG ulAttribute,
                          PVOID pBuffer, ULONG cbBuffer)
{
    return trace_result("SetCredentialsAttributesW",
                        set_cred(phCredential, ulAttribute, pBuffer,
                                 cbBuffer, true));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
AddCredentialsA(PCredHandle hCredentials, LPSTR pszPrincipal,
                LPSTR pszPackage, ULONG fCredentialUse, PVOID pAuthData,
                SEC_GET_KEY_FN pGetKeyFn, PVOID pvGetKeyArgument,
                PTimeStamp ptsExpiry)
{
    (void)pszPrincipal, (void)pszPackage, (void)fCredentialUse;
    (void)pAuthData, (void)pGetKeyFn, (void)pvGetKeyArgument;
    (void)ptsExpiry;
    return trace_result("AddCredentialsA", cred_unsupported(hCredentials));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
AddCredentialsW(PCredHandle hCredentials, LPWSTR pszPrincipal,
                LPWSTR pszPackage, ULONG fCredentialUse, PVOID pAuthData,
                SEC_GET_KEY_FN pGetKeyFn, PVOID pvGetKeyArgument,
                PTimeStamp ptsExpiry)
{
    (void)pszPrincipal, (void)pszPackage, (void)fCredentialUse;
    (void)pAuthData, (void)pGetKeyFn, (void)pvGetKeyArgument;
    (void)ptsExpiry;
    return trace_result("AddCredentialsW", cred_unsupported(hCredentials));
}
