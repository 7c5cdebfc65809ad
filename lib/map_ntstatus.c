/*
 * map_ntstatus.c - Active Directory's NTSTATUS reasons to SEC codes.
 *
 * An AD KDC refuses a disabled, expired or locked account with the same
 * KDC_ERR_CLIENT_REVOKED and says which in an NTSTATUS (MS-KILE 2.2.1);
 * an expired or must-change password shares KDC_ERR_KEY_EXP. The rows
 * below decide from the NTSTATUS where Windows' Kerberos package tells
 * the cases apart; any other NTSTATUS falls back to the krb5 code's rule.
 */
#include "setup.h"

#include <stdio.h>

#include "internal.h"
#include "krb_edata.h"
#include "map_gss.h"

static const struct map_ntstatus_rule ntstatus_rules[] = {
    /* Smartcard logon required for this account: Windows has a code of
     * its own for it (SEC_E_SMARTCARD_LOGON_REQUIRED, "smart card logon
     * is required and was not used"). */
    { 0xC00002FAU, SEC_E_SMARTCARD_LOGON_REQUIRED },
    /* The DC's clock: SEC_E_TIME_SKEW, as for KRB_AP_ERR_SKEW. */
    { 0xC0000133U, SEC_E_TIME_SKEW },
};

const struct map_ntstatus_rule *
map_ntstatus_rules(size_t *count)
{
    *count = sizeof(ntstatus_rules) / sizeof(ntstatus_rules[0]);
    return ntstatus_rules;
}

SECURITY_STATUS
map_krb5_ntstatus(krb5_context ctx, krb5_error_code code, uint32_t ntstatus,
                  enum map_op op)
{
    const char *name = krb_ntstatus_name(ntstatus);
    SECURITY_STATUS st;
    char cause[768];
    size_t i;

    /* The krb5 code's own rule first (it records its cause)... */
    st = map_krb5(ctx, code, op);
    /* ...then the NTSTATUS, where it says more. */
    for (i = 0; i < sizeof(ntstatus_rules) / sizeof(ntstatus_rules[0]);
         i++) {
        if (ntstatus_rules[i].ntstatus == ntstatus) {
            st = ntstatus_rules[i].status;
            break;
        }
    }
    snprintf(cause, sizeof(cause), "%s; KDC NTSTATUS 0x%08X (%s) -> %s",
             sspigss_last_error(), (unsigned)ntstatus,
             name != NULL ? name : "?", sspigss_status_name(st));
    trace_cause("%s", cause);
    return st;
}
