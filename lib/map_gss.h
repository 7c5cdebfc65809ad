/*
 * map_gss.h - GSS-API and krb5 results to Windows status codes.
 *
 * Raw GSS-API reports (major, minor) where the minor code belongs to a
 * mechanism and means different things in different calls. The mapper
 * takes (major, minor, mechanism, operation) and returns the SEC code
 * Windows gives in that situation (DESIGN.md, "Status mapping"):
 *
 *   1. supplementary bits are flags: a replayed, old, early or skipped
 *      message is SEC_E_OUT_OF_SEQUENCE whatever else the major says;
 *   2. the routine error gives a default;
 *   3. the minor code refines it where the routine error is generic.
 *
 * Every call also records the original status for SSPIGSS_TRACE and the
 * thread-local last error, so the cause is never lost.
 */
#ifndef SSPIGSS_MAP_GSS_H
#define SSPIGSS_MAP_GSS_H

#include "setup.h"

#include <gssapi/gssapi.h>
#include <krb5/krb5.h>

#include <sspigss/sspigss.h>

/* The operation a status came from: the same minor code can mean
 * different things when acquiring, initiating or accepting. */
/* The same bits as the public enum sspigss_op. */
enum map_op {
    MAP_ACQUIRE = SSPIGSS_OP_ACQUIRE,
    MAP_INIT = SSPIGSS_OP_INITIATE,
    MAP_ACCEPT = SSPIGSS_OP_ACCEPT,
    MAP_WRAP = SSPIGSS_OP_WRAP,
    MAP_UNWRAP = SSPIGSS_OP_UNWRAP,
    MAP_MIC = SSPIGSS_OP_MIC,
    MAP_VERIFY = SSPIGSS_OP_VERIFY,
    MAP_EXPORT = SSPIGSS_OP_EXPORT,
    MAP_IMPORT = SSPIGSS_OP_IMPORT,
    MAP_QUERY = SSPIGSS_OP_QUERY
};
#define MAP_ANY 0x3ff

/* Whose error table a minor code comes from. */
enum map_mech {
    MECH_ANY = 0,           /* errno values: any mechanism */
    MECH_KRB5,              /* krb5, KG_ and generic GSS (ggss) tables */
    MECH_SPNEGO,            /* MIT's SPNEGO (ERR_SPNEGO_*) */
    MECH_NTLM               /* gss-ntlmssp */
};

/* The mechanism an OID names (NULL: Kerberos, as MIT's mechglue reports
 * krb5 codes for calls without a mechanism). */
enum map_mech map_mech_of(gss_const_OID mech);

/*
 * Map a GSS-API result. mech may be GSS_C_NO_OID (minor then read as a
 * krb5 code when it is in a krb5 error table, as MIT's mechglue reports
 * it). Records the cause (trace, last error). Success without a
 * sequence problem gives SEC_E_OK.
 */
SECURITY_STATUS map_gss(OM_uint32 major, OM_uint32 minor, gss_const_OID mech,
                        enum map_op op);

/*
 * map_gss() for the first InitializeSecurityContext call of a context
 * (no token from the peer yet). Until then GSS-API has decoded nothing
 * but KDC replies (the TGS exchange, referrals), so a krb5 code that
 * means "no usable answer from a KDC" while getting an initial ticket
 * (SEC_E_NO_AUTHENTICATING_AUTHORITY at MAP_ACQUIRE: a reply cut short
 * or not a Kerberos message) means the same here, where MAP_INIT alone
 * cannot tell it from a bad token of the peer.
 */
SECURITY_STATUS map_gss_first_init(OM_uint32 major, OM_uint32 minor,
                                   gss_const_OID mech);

/* Map a krb5 library error code (krb5_init_creds_*, ccache and keytab
 * calls). ctx (may be NULL) gives the extended message for the trace. */
SECURITY_STATUS map_krb5(krb5_context ctx, krb5_error_code code,
                         enum map_op op);

/*
 * Map a krb5 error that came with an NTSTATUS in its e-data (an Active
 * Directory KDC's reason: account disabled, expired, locked, password
 * expired, ...; lib/krb_edata.c). The NTSTATUS decides where it is
 * specific; otherwise the krb5 code does, as map_krb5(). Both appear in
 * the recorded cause. (lib/map_ntstatus.c)
 */
SECURITY_STATUS map_krb5_ntstatus(krb5_context ctx, krb5_error_code code,
                                  uint32_t ntstatus, enum map_op op);

struct map_ntstatus_rule {
    uint32_t ntstatus;
    SECURITY_STATUS status;
};
const struct map_ntstatus_rule *map_ntstatus_rules(size_t *count);

/* The rule tables, for the loop tests. */
struct map_minor_rule {
    enum map_mech mech;
    int32_t code;           /* the mechanism's error code, or errno */
    unsigned ops;           /* enum map_op mask the rule applies to */
    SECURITY_STATUS status;
};
const struct map_minor_rule *map_minor_rules(size_t *count);

/*
 * Certificate logon (PKINIT). MIT 1.20's client reports its own refusals
 * (of the KDC's certificate, of its own, of the token's PIN) only in the
 * krb5 trace, and the call then fails with whatever was tried next; what
 * krb_creds.c read there:
 */
struct map_pkinit {
    int pa_type;            /* the PKINIT module's last failing step: 16
                             * (PA-PK-AS-REQ: our certificate, the token)
                             * or 17 (PA-PK-AS-REP: the KDC's reply and
                             * certificate); 0 when it did not fail */
    int32_t pa_code;        /* the krb5 code it returned */
    const char *pa_text;    /* its message ("Failed to verify received
                             * certificate (depth 0): certificate
                             * revoked: ..."), "" when none */
    const char *token_text; /* "pin incorrect" (C_Login's failure), "no
                             * token", or "" */
};

/*
 * The code for a certificate logon that failed with krb5 code code (the
 * call's result: a KDC's error such as KDC_ERR_CLIENT_NAME_MISMATCH, or
 * anything) and why (above): the client's own reason when the trace has
 * one, else the KDC's, else as map_krb5(MAP_ACQUIRE). Records the cause
 * (krb5 message and PKINIT text) for the trace and sspigss_last_error().
 */
SECURITY_STATUS map_pkinit(krb5_context ctx, krb5_error_code code,
                           const struct map_pkinit *why);

struct map_pkinit_rule {
    int pa_type;            /* 16, 17, or 0 for the token's login */
    int32_t code;           /* the module's code, 0: any */
    const char *text;       /* a part of its text (or the token's), or
                             * NULL: any */
    SECURITY_STATUS status;
};
const struct map_pkinit_rule *map_pkinit_rules(size_t *count);

/*
 * A password logon the KDC refused with KDC_ERR_PREAUTH_REQUIRED and
 * whose PA-DATA types (METHOD-DATA, n of them) include none a password
 * can answer: the account needs a smart card (+requires_hwauth).
 * Returns true and sets *st (SEC_E_SMARTCARD_LOGON_REQUIRED, the cause
 * recorded) then; false otherwise. code is the call's result.
 */
bool map_hwauth_required(krb5_context ctx, krb5_error_code code,
                         const int32_t *types, size_t n,
                         SECURITY_STATUS *st);

#endif /* SSPIGSS_MAP_GSS_H */
