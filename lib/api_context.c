/*
 * api_context.c - security context entry points.
 *
 * Windows' calling pattern: the first InitializeSecurityContext or
 * AcceptSecurityContext call passes no context and receives a new handle
 * in phNewContext; later calls pass that handle back (phNewContext may then
 * be NULL, or receives the same value). A failed first call creates no
 * handle. A failed later call leaves the handle valid, and the context
 * either as it was (input the library refuses before the mechanism sees
 * it, an output buffer too small: the step's result is kept for the
 * call repeated with a larger one) or finished for good when the
 * mechanism itself rejected the token and dropped its state (as MIT does
 * for a bad AP-REP): later calls on it give SEC_E_INVALID_HANDLE, and
 * DeleteSecurityContext frees it.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "package.h"

/*
 * Resolve the handles of an Initialize/Accept call. First call (ctx_h
 * NULL): the credential is required and gives the package; phNewContext
 * must be there to receive the handle. Later calls: the context gives the
 * package; a credential, if passed, must be valid (the package decides
 * whether it is the right one: SEC_E_WRONG_CREDENTIAL_HANDLE).
 */
static SECURITY_STATUS
resolve_handles(PCredHandle cred_h, PCtxtHandle ctx_h, PCtxtHandle new_h,
                struct handle_obj **cred, struct handle_obj **ctx)
{
    SECURITY_STATUS st;

    *cred = NULL;
    *ctx = NULL;
    if (ctx_h == NULL) {
        if (new_h == NULL)
            return SEC_E_INVALID_HANDLE;
        return handle_lookup(cred_h, HANDLE_CRED, cred);
    }
    st = handle_lookup(ctx_h, HANDLE_CTX, ctx);
    if (st != SEC_E_OK || cred_h == NULL)
        return st;
    st = handle_lookup(cred_h, HANDLE_CRED, cred);
    if (st != SEC_E_OK) {
        handle_obj_unref(*ctx);
        *ctx = NULL;
    }
    return st;
}

/*
 * After a package call: on the first call publish the new context handle;
 * on later calls echo the handle into phNewContext. Returns the status to
 * give the caller (st, or a handle-table failure).
 */
static SECURITY_STATUS
publish_context(SECURITY_STATUS st, PCtxtHandle ctx_h, PCtxtHandle new_h,
                struct handle_obj *newctx)
{
    SECURITY_STATUS ins;

    if (ctx_h != NULL) {
        if (SEC_SUCCESS(st) && new_h != NULL && new_h != ctx_h)
            *new_h = *ctx_h;
        return st;
    }
    if (newctx == NULL)
        return st;
    if (!SEC_SUCCESS(st))
        return st;
    ins = handle_insert(newctx, new_h);
    return ins == SEC_E_OK ? st : ins;
}

/*
 * The shared body of InitializeSecurityContext (init given) and
 * AcceptSecurityContext (acc given): resolve handles, check descriptors,
 * call the package, publish the new context, write the outputs on
 * success only.
 */
static SECURITY_STATUS
handshake(PCredHandle cred_h, PCtxtHandle ctx_h, PCtxtHandle new_h,
          const struct init_args *init, const struct accept_args *acc,
          ULONG *attrs, PTimeStamp expiry)
{
    PSecBufferDesc input = init != NULL ? init->input : acc->input;
    PSecBufferDesc output = init != NULL ? init->output : acc->output;
    struct handle_obj *cred, *ctx, *newctx = NULL;
    const struct package_ops *ops;
    ULONG got = 0;
    TimeStamp ts = { 0 };
    SECURITY_STATUS st;

    st = lib_enter();
    if (st != SEC_E_OK)
        return st;
    st = resolve_handles(cred_h, ctx_h, new_h, &cred, &ctx);
    if (st != SEC_E_OK)
        return st;
    if (input != NULL && (st = secbuf_check_desc(input)) != SEC_E_OK)
        goto out;
    if (output != NULL && (st = secbuf_check_desc(output)) != SEC_E_OK)
        goto out;
    newctx = ctx;
    if (newctx != NULL)
        handle_obj_ref(newctx);
    ops = (ctx != NULL ? ctx->pkg : cred->pkg)->ops;
    if (init != NULL && ops->initialize_context != NULL)
        st = ops->initialize_context(cred, &newctx, init, &got, &ts);
    else if (acc != NULL && ops->accept_context != NULL)
        st = ops->accept_context(cred, &newctx, acc, &got, &ts);
    else
        st = SEC_E_UNSUPPORTED_FUNCTION;
    st = publish_context(st, ctx_h, new_h, newctx);
    if (SEC_SUCCESS(st)) {
        if (attrs != NULL)
            *attrs = got;
        if (expiry != NULL)
            *expiry = ts;
    }
out:
    handle_obj_unref(newctx);
    handle_obj_unref(ctx);
    handle_obj_unref(cred);
    return st;
}

static SECURITY_STATUS
initialize(PCredHandle cred_h, PCtxtHandle ctx_h, const char *target,
           ULONG req, ULONG drep, PSecBufferDesc input, PCtxtHandle new_h,
           PSecBufferDesc output, ULONG *attrs, PTimeStamp expiry, bool wide)
{
    struct init_args args;

    args.target = target;
    args.req = req;
    args.drep = drep;
    args.input = input;
    args.output = output;
    args.wide = wide;
    return handshake(cred_h, ctx_h, new_h, &args, NULL, attrs, expiry);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
InitializeSecurityContextA(PCredHandle phCredential, PCtxtHandle phContext,
                           SEC_CHAR *pszTargetName, ULONG fContextReq,
                           ULONG Reserved1, ULONG TargetDataRep,
                           PSecBufferDesc pInput, ULONG Reserved2,
                           PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                           ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    SECURITY_STATUS st;

    (void)Reserved1, (void)Reserved2;
    if (pszTargetName != NULL
        && !utf8_valid(pszTargetName, strlen(pszTargetName)))
        st = SEC_E_INVALID_PARAMETER;
    else
        st = initialize(phCredential, phContext, pszTargetName, fContextReq,
                        TargetDataRep, pInput, phNewContext, pOutput,
                        pfContextAttr, ptsExpiry, false);
    return trace_result("InitializeSecurityContextA", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
InitializeSecurityContextW(PCredHandle phCredential, PCtxtHandle phContext,
                           SEC_WCHAR *pszTargetName, ULONG fContextReq,
                           ULONG Reserved1, ULONG TargetDataRep,
                           PSecBufferDesc pInput, ULONG Reserved2,
                           PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                           ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    char *target = NULL;
    SECURITY_STATUS st = SEC_E_OK;

    (void)Reserved1, (void)Reserved2;
    if (pszTargetName != NULL)
        st = utf16_to_utf8(pszTargetName, (size_t)-1, &target, NULL);
    if (st == SEC_E_OK)
        st = initialize(phCredential, phContext, target, fContextReq,
                        TargetDataRep, pInput, phNewContext, pOutput,
                        pfContextAttr, ptsExpiry, true);
    free(target);
    return trace_result("InitializeSecurityContextW", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
AcceptSecurityContext(PCredHandle phCredential, PCtxtHandle phContext,
                      PSecBufferDesc pInput, ULONG fContextReq,
                      ULONG TargetDataRep, PCtxtHandle phNewContext,
                      PSecBufferDesc pOutput, ULONG *pfContextAttr,
                      PTimeStamp ptsExpiry)
{
    struct accept_args args;

    args.req = fContextReq;
    args.drep = TargetDataRep;
    args.input = pInput;
    args.output = pOutput;
    return trace_result("AcceptSecurityContext",
                        handshake(phCredential, phContext, phNewContext,
                                  NULL, &args, pfContextAttr, ptsExpiry));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
DeleteSecurityContext(PCtxtHandle phContext)
{
    bool stale = false;
    SECURITY_STATUS st = handle_remove(phContext, HANDLE_CTX, &stale);

    /* Microsoft (DeleteSecurityContext documentation): SEC_E_OK also when
     * the handle has already been deleted; a handle never issued is
     * SEC_E_INVALID_HANDLE. */
    if (st == SEC_E_INVALID_HANDLE && stale)
        st = SEC_E_OK;
    return trace_result("DeleteSecurityContext", st);
}

/* Op selectors for the context calls that share one shape: look up the
 * context, check the package has the op, call it. */
enum ctx_op {
    OP_COMPLETE,
    OP_APPLY,
    OP_IMPERSONATE,
    OP_REVERT
};

static SECURITY_STATUS
ctx_call(PCtxtHandle h, enum ctx_op op, PSecBufferDesc desc)
{
    const struct package_ops *ops;
    struct handle_obj *ctx;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CTX, &ctx);
    if (st != SEC_E_OK)
        return st;
    ops = ctx->pkg->ops;
    switch (op) {
    case OP_COMPLETE:
        if (ops->complete_auth_token == NULL)
            st = SEC_E_UNSUPPORTED_FUNCTION;
        else if ((st = secbuf_check_desc(desc)) == SEC_E_OK)
            st = ops->complete_auth_token(ctx, desc);
        break;
    case OP_APPLY:
        /* NULL descriptor: SEC_E_INTERNAL_ERROR on Windows (Wine
         * dlls/secur32/tests/schannel.c, test_connection_shutdown). */
        if (desc == NULL)
            st = SEC_E_INTERNAL_ERROR;
        else if (ops->apply_control == NULL)
            st = SEC_E_UNSUPPORTED_FUNCTION;
        else if ((st = secbuf_check_desc(desc)) == SEC_E_OK)
            st = ops->apply_control(ctx, desc);
        break;
    case OP_IMPERSONATE:
        st = ops->impersonate == NULL ? SEC_E_UNSUPPORTED_FUNCTION
                                      : ops->impersonate(ctx);
        break;
    case OP_REVERT:
        st = ops->revert == NULL ? SEC_E_UNSUPPORTED_FUNCTION
                                 : ops->revert(ctx);
        break;
    }
    handle_obj_unref(ctx);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken)
{
    return trace_result("CompleteAuthToken",
                        ctx_call(phContext, OP_COMPLETE, pToken));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput)
{
    return trace_result("ApplyControlToken",
                        ctx_call(phContext, OP_APPLY, pInput));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ImpersonateSecurityContext(PCtxtHandle phContext)
{
    return trace_result("ImpersonateSecurityContext",
                        ctx_call(phContext, OP_IMPERSONATE, NULL));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
RevertSecurityContext(PCtxtHandle phContext)
{
    return trace_result("RevertSecurityContext",
                        ctx_call(phContext, OP_REVERT, NULL));
}

static SECURITY_STATUS
query_context(PCtxtHandle h, ULONG attr, void *buffer, bool wide)
{
    struct handle_obj *ctx;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CTX, &ctx);
    if (st != SEC_E_OK)
        return st;
    if (buffer == NULL)
        st = SEC_E_INVALID_PARAMETER;
    else if (ctx->pkg->ops->query_context == NULL)
        st = SEC_E_UNSUPPORTED_FUNCTION;
    else
        st = ctx->pkg->ops->query_context(ctx, attr, buffer, wide);
    handle_obj_unref(ctx);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
                        PVOID pBuffer)
{
    return trace_result("QueryContextAttributesA",
                        query_context(phContext, ulAttribute, pBuffer,
                                      false));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute,
                        PVOID pBuffer)
{
    return trace_result("QueryContextAttributesW",
                        query_context(phContext, ulAttribute, pBuffer,
                                      true));
}

/* Shared by the calls with no package support yet: the handle is still
 * checked, so misuse is reported as misuse. */
static SECURITY_STATUS
ctx_unsupported(PCtxtHandle h)
{
    struct handle_obj *ctx;
    SECURITY_STATUS st = lib_enter_handle(h, HANDLE_CTX,
                                          &ctx);

    if (st != SEC_E_OK)
        return st;
    handle_obj_unref(ctx);
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryContextAttributesExA(PCtxtHandle phContext, ULONG ulAttribute,
                          PVOID pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute, (void)pBuffer, (void)cbBuffer;
    return trace_result("QueryContextAttributesExA",
                        ctx_unsupported(phContext));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QueryContextAttributesExW(PCtxtHandle phContext, ULONG ulAttribute,
                          PVOID pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute, (void)pBuffer, (void)cbBuffer;
    return trace_result("QueryContextAttributesExW",
                        ctx_unsupported(phContext));
}

static SECURITY_STATUS
set_context(PCtxtHandle h, ULONG attr, void *buffer, ULONG size, bool wide)
{
    struct handle_obj *ctx;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CTX, &ctx);
    if (st != SEC_E_OK)
        return st;
    if (buffer == NULL && size != 0)
        st = SEC_E_INVALID_PARAMETER;
    else if (ctx->pkg->ops->set_context == NULL)
        st = SEC_E_UNSUPPORTED_FUNCTION;
    else
        st = ctx->pkg->ops->set_context(ctx, attr, buffer, size, wide);
    handle_obj_unref(ctx);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
SetContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
                      PVOID pBuffer, ULONG cbBuffer)
{
    return trace_result("SetContextAttributesA",
                        set_context(phContext, ulAttribute, pBuffer,
                                    cbBuffer, false));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
SetContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute,
                      PVOID pBuffer, ULONG cbBuffer)
{
    return trace_result("SetContextAttributesW",
                        set_context(phContext, ulAttribute, pBuffer,
                                    cbBuffer, true));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
QuerySecurityContextToken(PCtxtHandle phContext, void **Token)
{
    SECURITY_STATUS st;

    if (Token != NULL)
        *Token = NULL;
    /* Linux has no Windows access tokens to hand out. */
    st = ctx_unsupported(phContext);
    if (st == SEC_E_UNSUPPORTED_FUNCTION && Token == NULL)
        st = SEC_E_INVALID_PARAMETER;
    return trace_result("QuerySecurityContextToken", st);
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                      PSecBuffer pPackedContext, void **pToken)
{
    struct handle_obj *ctx;
    SECURITY_STATUS st;

    st = lib_enter_handle(phContext, HANDLE_CTX, &ctx);
    if (st != SEC_E_OK)
        return trace_result("ExportSecurityContext", st);
    if (pPackedContext == NULL)
        st = SEC_E_INVALID_PARAMETER;
    else if (ctx->pkg->ops->export_context == NULL)
        st = SEC_E_UNSUPPORTED_FUNCTION;
    else
        st = ctx->pkg->ops->export_context(ctx, fFlags, pPackedContext,
                                           pToken);
    handle_obj_unref(ctx);
    return trace_result("ExportSecurityContext", st);
}

static SECURITY_STATUS
import_context(const char *package, PSecBuffer packed, void *token,
               PCtxtHandle out)
{
    const struct package *pkg = package_find(package);
    struct handle_obj *ctx = NULL;
    SECURITY_STATUS st;

    st = lib_enter();
    if (st != SEC_E_OK)
        return st;
    if (pkg == NULL)
        return SEC_E_SECPKG_NOT_FOUND;
    if (out == NULL)
        return SEC_E_INVALID_HANDLE;
    if (packed == NULL || (packed->cbBuffer != 0 && packed->pvBuffer == NULL))
        return SEC_E_INVALID_TOKEN;
    if (pkg->ops->import_context == NULL)
        return SEC_E_UNSUPPORTED_FUNCTION;
    st = pkg->ops->import_context(pkg, packed, token, &ctx);
    if (st != SEC_E_OK)
        return st;
    st = handle_insert(ctx, out);
    handle_obj_unref(ctx);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ImportSecurityContextA(LPSTR pszPackage, PSecBuffer pPackedContext,
                       VOID *Token, PCtxtHandle phContext)
{
    return trace_result("ImportSecurityContextA",
                        import_context(pszPackage, pPackedContext, Token,
                                       phContext));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ImportSecurityContextW(LPWSTR pszPackage, PSecBuffer pPackedContext,
                       VOID *Token, PCtxtHandle phContext)
{
    char *package = NULL;
    SECURITY_STATUS st = package_name_from_w(pszPackage, &package);

    if (st == SEC_E_OK)
        st = import_context(package, pPackedContext, Token, phContext);
    free(package);
    return trace_result("ImportSecurityContextW", st);
}

static SECURITY_STATUS
change_password(const char *package)
{
    /* Password change (kpasswd for Kerberos) is not provided yet. */
    return package_find(package) == NULL ? SEC_E_SECPKG_NOT_FOUND
                                         : SEC_E_UNSUPPORTED_FUNCTION;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ChangeAccountPasswordA(SEC_CHAR *pszPackageName, SEC_CHAR *pszDomainName,
                       SEC_CHAR *pszAccountName, SEC_CHAR *pszOldPassword,
                       SEC_CHAR *pszNewPassword, BOOLEAN bImpersonating,
                       ULONG dwReserved, PSecBufferDesc pOutput)
{
    (void)pszDomainName, (void)pszAccountName, (void)pszOldPassword;
    (void)pszNewPassword, (void)bImpersonating, (void)dwReserved;
    (void)pOutput;
    return trace_result("ChangeAccountPasswordA",
                        change_password(pszPackageName));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
ChangeAccountPasswordW(SEC_WCHAR *pszPackageName, SEC_WCHAR *pszDomainName,
                       SEC_WCHAR *pszAccountName, SEC_WCHAR *pszOldPassword,
                       SEC_WCHAR *pszNewPassword, BOOLEAN bImpersonating,
                       ULONG dwReserved, PSecBufferDesc pOutput)
{
    char *package = NULL;
    SECURITY_STATUS st = package_name_from_w(pszPackageName, &package);

    (void)pszDomainName, (void)pszAccountName, (void)pszOldPassword;
    (void)pszNewPassword, (void)bImpersonating, (void)dwReserved;
    (void)pOutput;
    if (st == SEC_E_OK)
        st = change_password(package);
    free(package);
    return trace_result("ChangeAccountPasswordW", st);
}
