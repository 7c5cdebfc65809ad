/*
 * map_gss.c - GSS-API and krb5 results to Windows status codes.
 *
 * Data, not code: three const tables (supplementary bits, routine errors,
 * minor codes by operation), each row citing why Windows gives that code.
 * Sources abbreviated in the comments:
 *   [isc]   Microsoft, "InitializeSecurityContext (Kerberos)" return values
 *   [asc]   Microsoft, "AcceptSecurityContext (Kerberos)" return values
 *   [dec]   Microsoft, "DecryptMessage (Kerberos)" return values
 *   [entra] Microsoft, "Microsoft Entra hybrid join using Microsoft Entra
 *           Kerberos", table of Kerberos errors and the SEC codes
 *           Windows reports for them
 *   [kb2090913] Microsoft KB 2090913: a ticket the service cannot decrypt
 *           (KRB_AP_ERR_MODIFIED) surfaces as SEC_E_WRONG_PRINCIPAL
 *   [kb278467]  Microsoft KB 278467: clock skew is SEC_E_TIME_SKEW
 *   [pyspnego]  jborean93/pyspnego docs/exceptions/wrapping.md, results
 *           recorded against Windows SSPI
 *   [nlmp]  MS-NLMP / MS-KILE: a logon failure (bad password, unknown
 *           user) is STATUS_LOGON_FAILURE, which SSPI returns as
 *           SEC_E_LOGON_DENIED
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi_krb5.h>

#include "internal.h"
#include "map_gss.h"

/* ------------------------------------------------------------ routine */

struct routine_rule {
    OM_uint32 routine;          /* GSS_ROUTINE_ERROR(major) */
    SECURITY_STATUS status;
};

static const struct routine_rule routine_rules[] = {
    /* [isc]/[asc]: tokens that do not parse are SEC_E_INVALID_TOKEN. */
    { GSS_S_DEFECTIVE_TOKEN, SEC_E_INVALID_TOKEN },
    /* Integrity check failed: the message was modified ([dec]). */
    { GSS_S_BAD_SIG, SEC_E_MESSAGE_ALTERED },
    { GSS_S_NO_CRED, SEC_E_NO_CREDENTIALS },
    { GSS_S_DEFECTIVE_CREDENTIAL, SEC_E_UNKNOWN_CREDENTIALS },
    { GSS_S_CREDENTIALS_EXPIRED, SEC_E_NO_CREDENTIALS },
    { GSS_S_NO_CONTEXT, SEC_E_INVALID_HANDLE },
    { GSS_S_CONTEXT_EXPIRED, SEC_E_CONTEXT_EXPIRED },
    { GSS_S_BAD_BINDINGS, SEC_E_BAD_BINDINGS },
    { GSS_S_BAD_NAME, SEC_E_TARGET_UNKNOWN },
    { GSS_S_BAD_NAMETYPE, SEC_E_TARGET_UNKNOWN },
    { GSS_S_BAD_MECH, SEC_E_SECPKG_NOT_FOUND },
    { GSS_S_BAD_QOP, SEC_E_QOP_NOT_SUPPORTED },
    { GSS_S_UNAUTHORIZED, SEC_E_LOGON_DENIED },
    { GSS_S_UNAVAILABLE, SEC_E_UNSUPPORTED_FUNCTION },
    /* Anything the minor code does not explain: Windows' catch-all. */
    { GSS_S_FAILURE, SEC_E_INTERNAL_ERROR },
};

/* -------------------------------------------------------------- minor */

/*
 * Minor codes, by operation. The first matching row wins, so rows for
 * one operation come before broader rows for the same code.
 */
static const struct map_minor_rule minor_rules[] = {
    /* Wrong password, unknown client, preauthentication refused: a logon
     * failure ([nlmp]). The initial ticket of an explicit credential is
     * requested (as MAP_ACQUIRE) by the first InitializeSecurityContext,
     * where Windows reports it. Without preauthentication a wrong
     * password shows as an AS-REP the client cannot decrypt. */
    { KRB5KDC_ERR_PREAUTH_FAILED, MAP_ACQUIRE | MAP_INIT,
      SEC_E_LOGON_DENIED },
    { KRB5KRB_AP_ERR_BAD_INTEGRITY, MAP_ACQUIRE, SEC_E_LOGON_DENIED },
    /* During the handshake itself the same code means the peer's token
     * (an AP-REP) fails its integrity check: a bad token. */
    { KRB5KRB_AP_ERR_BAD_INTEGRITY, MAP_INIT | MAP_ACCEPT,
      SEC_E_INVALID_TOKEN },
    /* An AP-REQ seen before (replay cache): the token is not acceptable
     * again. Windows' code for this is not recorded; ours. */
    { KRB5KRB_AP_ERR_REPEAT, MAP_ACCEPT, SEC_E_INVALID_TOKEN },
    { KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, MAP_ACQUIRE | MAP_INIT,
      SEC_E_LOGON_DENIED },
    { KRB5_PREAUTH_FAILED, MAP_ACQUIRE | MAP_INIT, SEC_E_LOGON_DENIED },
    { KRB5KDC_ERR_CLIENT_REVOKED, MAP_ACQUIRE | MAP_INIT,
      SEC_E_LOGON_DENIED },
    { KRB5KDC_ERR_NAME_EXP, MAP_ACQUIRE | MAP_INIT, SEC_E_LOGON_DENIED },
    { KRB5KDC_ERR_KEY_EXP, MAP_ACQUIRE | MAP_INIT, SEC_E_LOGON_DENIED },
    /* KDC_ERR_NULL_KEY is SEC_E_LOGON_DENIED ([entra]). */
    { KRB5KDC_ERR_NULL_KEY, MAP_ANY, SEC_E_LOGON_DENIED },
    /* Unknown service principal: SEC_E_TARGET_UNKNOWN ([entra]). */
    { KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, MAP_ANY, SEC_E_TARGET_UNKNOWN },
    /* No KDC answers, or none is known for the realm ([entra], [isc]). */
    { KRB5_KDC_UNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5_REALM_CANT_RESOLVE, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5_REALM_UNKNOWN, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ECONNREFUSED, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ETIMEDOUT, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { EHOSTUNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ENETUNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    /* Clocks apart ([kb278467]). */
    { KRB5KRB_AP_ERR_SKEW, MAP_ANY, SEC_E_TIME_SKEW },
    /* The KDC shares no enctype with the request. */
    { KRB5KDC_ERR_ETYPE_NOSUPP, MAP_ANY, SEC_E_KDC_UNKNOWN_ETYPE },
    /* No ticket cache, or one without tickets: no credentials. */
    { KRB5_FCC_NOFILE, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5_CC_NOTFOUND, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5_CC_NOSUPP, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5_NO_TKT_SUPPLIED, MAP_ANY, SEC_E_NO_CREDENTIALS },
    /* Acceptor: the ticket is for another principal, or was sealed with
     * a key the service does not have ([kb2090913]). */
    { KRB5KRB_AP_ERR_NOT_US, MAP_ACCEPT, SEC_E_WRONG_PRINCIPAL },
    { KRB5KRB_AP_ERR_MODIFIED, MAP_ACCEPT | MAP_INIT,
      SEC_E_WRONG_PRINCIPAL },
    { KRB5_KT_NOTFOUND, MAP_ACCEPT, SEC_E_NO_KERB_KEY },
    { KRB5_KT_KVNONOTFOUND, MAP_ACCEPT, SEC_E_NO_KERB_KEY },
    { KRB5KRB_AP_ERR_BADKEYVER, MAP_ACCEPT, SEC_E_NO_KERB_KEY },
    { KRB5_KT_NOTFOUND, MAP_ACQUIRE, SEC_E_NO_CREDENTIALS },
    { ENOENT, MAP_ACQUIRE, SEC_E_NO_CREDENTIALS },
    /* Per-message integrity failures. */
    { KRB5KRB_AP_ERR_BAD_INTEGRITY, MAP_UNWRAP | MAP_VERIFY,
      SEC_E_MESSAGE_ALTERED },
    { ENOMEM, MAP_ANY, SEC_E_INSUFFICIENT_MEMORY },
};

const struct map_minor_rule *
map_minor_rules(size_t *count)
{
    *count = sizeof(minor_rules) / sizeof(minor_rules[0]);
    return minor_rules;
}

static bool
minor_lookup(int32_t code, enum map_op op, SECURITY_STATUS *out)
{
    size_t i;

    for (i = 0; i < sizeof(minor_rules) / sizeof(minor_rules[0]); i++) {
        if (minor_rules[i].code == code && (minor_rules[i].ops & op)) {
            *out = minor_rules[i].status;
            return true;
        }
    }
    return false;
}

static const char *
op_name(enum map_op op)
{
    switch (op) {
    case MAP_ACQUIRE: return "acquire";
    case MAP_INIT: return "initiate";
    case MAP_ACCEPT: return "accept";
    case MAP_WRAP: return "wrap";
    case MAP_UNWRAP: return "unwrap";
    case MAP_MIC: return "mic";
    case MAP_VERIFY: return "verify";
    case MAP_EXPORT: return "export";
    case MAP_IMPORT: return "import";
    case MAP_QUERY: return "query";
    }
    return "?";
}

/* Append GSS display text for one status type to buf. */
static void
append_gss_text(char *buf, size_t size, OM_uint32 code, int type,
                gss_const_OID mech)
{
    OM_uint32 min, ctx = 0;
    size_t len = strlen(buf);

    do {
        gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;

        if (gss_display_status(&min, code, type, (gss_OID)mech, &ctx, &msg)
            != GSS_S_COMPLETE) {
            break;
        }
        if (len + 3 < size) {
            len += (size_t)snprintf(buf + len, size - len, "%s%.*s",
                                    len ? "; " : "", (int)msg.length,
                                    (const char *)msg.value);
            if (len >= size)
                len = size - 1;
        }
        gss_release_buffer(&min, &msg);
    } while (ctx != 0);
}

SECURITY_STATUS
map_gss(OM_uint32 major, OM_uint32 minor, gss_const_OID mech, enum map_op op)
{
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    OM_uint32 calling = GSS_CALLING_ERROR(major);
    OM_uint32 supp = GSS_SUPPLEMENTARY_INFO(major);
    SECURITY_STATUS st = SEC_E_OK;
    char text[512];
    size_t i;

    if (major == GSS_S_COMPLETE || major == GSS_S_CONTINUE_NEEDED)
        return SEC_E_OK;

    /* 1. Sequence problems on a message: out of sequence, whatever the
     * routine part says (DESIGN.md; [dec] lists SEC_E_OUT_OF_SEQUENCE;
     * Windows checks order even without SEQUENCE_DETECT, [pyspnego]). */
    if ((op & (MAP_UNWRAP | MAP_VERIFY))
        && (supp & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN
                    | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN))
        && (routine == 0 || routine == GSS_S_FAILURE)) {
        st = SEC_E_OUT_OF_SEQUENCE;
    } else if (calling != 0) {
        /* Our own misuse of GSS-API: never the caller's fault. */
        st = SEC_E_INTERNAL_ERROR;
    } else if (routine != 0) {
        st = SEC_E_INTERNAL_ERROR;
        for (i = 0; i < sizeof(routine_rules) / sizeof(routine_rules[0]);
             i++) {
            if (routine_rules[i].routine == routine) {
                st = routine_rules[i].status;
                break;
            }
        }
        /* 3. The minor refines generic or ambiguous routine errors. */
        if (minor != 0) {
            SECURITY_STATUS refined;

            if (minor_lookup((int32_t)minor, op, &refined))
                st = refined;
        }
    }

    text[0] = '\0';
    append_gss_text(text, sizeof(text), major, GSS_C_GSS_CODE, mech);
    if (minor != 0) {
        size_t before = strlen(text);

        append_gss_text(text, sizeof(text), minor, GSS_C_MECH_CODE, mech);
        if (strlen(text) == before) {
            /* The mechglue knows only minor codes it handed out itself;
             * for others, krb5's error tables still have the text. */
            krb5_context k = NULL;
            const char *m;

            /* A context loads the error tables (failure path only). */
            if (krb5_init_context(&k) != 0)
                k = NULL;
            m = krb5_get_error_message(k, (krb5_error_code)minor);
            snprintf(text + before, sizeof(text) - before, "%s%s",
                     before ? "; " : "", m != NULL ? m : "?");
            krb5_free_error_message(k, m);
            if (k != NULL)
                krb5_free_context(k);
        }
    }
    trace_cause("gss %s: major 0x%08x minor %u (%s) -> %s", op_name(op),
                (unsigned)major, (unsigned)minor, text,
                sspigss_status_name(st));
    return st;
}

SECURITY_STATUS
map_krb5(krb5_context ctx, krb5_error_code code, enum map_op op)
{
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    krb5_context own = NULL;
    const char *msg;

    if (code == 0)
        return SEC_E_OK;
    minor_lookup(code, op, &st);
    /* Without a context krb5 has no error tables loaded. */
    if (ctx == NULL && krb5_init_context(&own) == 0)
        ctx = own;
    msg = krb5_get_error_message(ctx, code);
    trace_cause("krb5 %s: %ld (%s) -> %s", op_name(op), (long)code,
                msg != NULL ? msg : "?", sspigss_status_name(st));
    krb5_free_error_message(ctx, msg);
    if (own != NULL)
        krb5_free_context(own);
    return st;
}
