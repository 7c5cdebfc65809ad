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
 *   [tktbridge] PADL/TktBridgeAP errors.cpp, KrbErrorToNtStatus: a
 *           Windows LSA authentication package's krb5 error -> NTSTATUS
 *           table (Heimdal codes)
 *   [sspi-codes] Microsoft, "SSPI Status Codes" (learn.microsoft.com,
 *           windows/win32/secauthn/sspi-status-codes): which condition
 *           of smart card logon each code stands for (the card's or the
 *           domain controller's certificate revoked, expired, from an
 *           untrusted CA, of unknown revocation status, ...)
 *   [pkca]  MS-PKCA 3.1.5.2 (KDC processing): the KRB-ERROR codes a
 *           Windows KDC returns for each certificate check (RFC 4556
 *           3.2.3 names them)
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
 * Error tables MIT does not install headers for; values from their .et
 * sources (com_err bases: "k5g" 39756032, "ggss" -2045022976) and
 * src/lib/gssapi/spnego/gssapiP_spnego.h, checked against the library's
 * own messages by tests/check_map_gss.c.
 */
#define KG_BASE 39756032
#define KG_CCACHE_NOMATCH (KG_BASE + 0)
#define KG_KEYTAB_NOMATCH (KG_BASE + 1)
#define KG_TGT_MISSING (KG_BASE + 2)
#define KG_NO_SUBKEY (KG_BASE + 3)
#define KG_CONTEXT_ESTABLISHED (KG_BASE + 4)
#define KG_BAD_SIGN_TYPE (KG_BASE + 5)
#define KG_BAD_LENGTH (KG_BASE + 6)
#define KG_CTX_INCOMPLETE (KG_BASE + 7)
#define KG_BAD_SEQ (KG_BASE + 11)
#define KG_EMPTY_CCACHE (KG_BASE + 12)
#define KG_NO_CTYPES (KG_BASE + 13)
#define GG_BASE (-2045022976)
#define G_BAD_SERVICE_NAME (GG_BASE + 0)
#define G_BUFFER_ALLOC (GG_BASE + 4)
#define G_UNKNOWN_QOP (GG_BASE + 8)
#define G_BAD_HOSTNAME (GG_BASE + 10)
#define G_WRONG_MECH (GG_BASE + 11)
#define G_BAD_TOK_HEADER (GG_BASE + 12)
#define G_BAD_DIRECTION (GG_BASE + 13)
#define G_TOK_TRUNC (GG_BASE + 14)
#define G_REFLECT (GG_BASE + 15)
#define G_WRONG_TOKID (GG_BASE + 16)
#define G_CRED_USAGE_MISMATCH (GG_BASE + 17)
#define SPNEGO_NO_MECHS_AVAILABLE 0x20000001
#define SPNEGO_NO_CREDS_ACQUIRED 0x20000002
#define SPNEGO_NO_MECH_FROM_ACCEPTOR 0x20000003
#define SPNEGO_NEGOTIATION_FAILED 0x20000004
#define SPNEGO_NO_TOKEN_FROM_ACCEPTOR 0x20000005

/*
 * gss-ntlmssp's own minor codes (its src/ntlm_common.h, base 0x4E540000,
 * "NT"); it also returns plain errno values.
 */
#define NTLM_ERR_DECODE 0x4E540001
#define NTLM_ERR_NOARG 0x4E540004
#define NTLM_ERR_WRONGMSG 0x4E54000D
#define NTLM_ERR_REQNEGFLAG 0x4E54000E
#define NTLM_ERR_FAILNEGFLAGS 0x4E54000F
#define NTLM_ERR_TIMESKEW 0x4E540019
#define NTLM_ERR_EXPIRED 0x4E54001A
#define NTLM_ERR_NONTLMV1 0x4E54001C
#define NTLM_ERR_NOUSRFOUND 0x4E54001D

#define KRB5 MECH_KRB5
#define ANY_MECH MECH_ANY
#define NTLM MECH_NTLM
#define ACQ MAP_ACQUIRE
#define INI MAP_INIT
#define ACC MAP_ACCEPT
#define MSG_IN (MAP_UNWRAP | MAP_VERIFY)

/*
 * Minor codes, by mechanism and operation. The first matching row wins,
 * so rows for one operation come before broader rows for the same code.
 */
static const struct map_minor_rule minor_rules[] = {
    /* Wrong password, unknown client, preauthentication refused, account
     * disabled or expired: a logon failure ([nlmp]). The initial ticket
     * of an explicit credential is requested (as ACQ) by the first
     * InitializeSecurityContext, where Windows reports it. Without
     * preauthentication a wrong password shows as an AS-REP the client
     * cannot decrypt (BAD_INTEGRITY). */
    { KRB5, KRB5KDC_ERR_PREAUTH_FAILED, ACQ | INI, SEC_E_LOGON_DENIED },
    { KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY, ACQ, SEC_E_LOGON_DENIED },
    { KRB5, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, ACQ | INI,
      SEC_E_LOGON_DENIED },
    { KRB5, KRB5KDC_ERR_CLIENT_REVOKED, ACQ | INI, SEC_E_LOGON_DENIED },
    { KRB5, KRB5KDC_ERR_NAME_EXP, ACQ | INI, SEC_E_LOGON_DENIED },
    { KRB5, KRB5KDC_ERR_KEY_EXP, ACQ | INI, SEC_E_LOGON_DENIED },
    /* KDC_ERR_NULL_KEY is SEC_E_LOGON_DENIED ([entra]). */
    { KRB5, KRB5KDC_ERR_NULL_KEY, MAP_ANY, SEC_E_LOGON_DENIED },
    /* The KDC wants preauthentication the client cannot do, or was
     * offered a kind it does not support: "an unsupported
     * preauthentication mechanism" (the code's Windows meaning). MIT's
     * client says KRB5_PREAUTH_FAILED when none of the mechanisms the
     * KDC asks for can run here (preauth2.c process_pa_data; a password
     * the KDC rejects is KDC_ERR_PREAUTH_FAILED, get_in_tkt.c), as
     * Heimdal says HEIM_ERR_NO_MORE_PA_MECHS ([tktbridge]:
     * STATUS_UNSUPPORTED_PREAUTH). */
    { KRB5, KRB5_PREAUTH_FAILED, ACQ | INI, SEC_E_UNSUPPORTED_PREAUTH },
    { KRB5, KRB5KDC_ERR_PREAUTH_REQUIRED, ACQ | INI,
      SEC_E_UNSUPPORTED_PREAUTH },
    { KRB5, KRB5KDC_ERR_PADATA_TYPE_NOSUPP, MAP_ANY,
      SEC_E_UNSUPPORTED_PREAUTH },
    { KRB5, KRB5_PREAUTH_BAD_TYPE, MAP_ANY, SEC_E_UNSUPPORTED_PREAUTH },
    { KRB5, KRB5_PREAUTH_NO_KEY, MAP_ANY, SEC_E_UNSUPPORTED_PREAUTH },

    /* Certificate logon refused by the KDC ([pkca] names the error for
     * each check; [sspi-codes] the Windows code for each reason). The
     * certificate does not name the client: SEC_E_PKINIT_NAME_MISMATCH
     * (a certificate without a usable UPN, or naming another client). */
    { KRB5, KRB5KDC_ERR_CLIENT_NAME_MISMATCH, ACQ | INI,
      SEC_E_PKINIT_NAME_MISMATCH },
    /* Its chain ends at a CA the KDC does not trust: the card
     * certificate's CA is untrusted. */
    { KRB5, KRB5KDC_ERR_CANT_VERIFY_CERTIFICATE, ACQ | INI,
      SEC_E_ISSUING_CA_UNTRUSTED },
    /* The card's certificate is revoked. */
    { KRB5, KRB5KDC_ERR_REVOKED_CERTIFICATE, ACQ | INI,
      SEC_E_SMARTCARD_CERT_REVOKED },
    /* The card certificate's revocation status cannot be decided. */
    { KRB5, KRB5KDC_ERR_REVOCATION_STATUS_UNKNOWN, ACQ | INI,
      SEC_E_REVOCATION_OFFLINE_C },
    { KRB5, KRB5KDC_ERR_REVOCATION_STATUS_UNAVAILABLE, ACQ | INI,
      SEC_E_REVOCATION_OFFLINE_C },
    /* Any other refusal of the certificate (not for PKINIT client
     * authentication: INCONSISTENT_KEY_PURPOSE; not trusted, invalid,
     * badly signed, weak): the card's certificate is not trusted,
     * SEC_E_PKINIT_CLIENT_FAILURE. */
    { KRB5, KRB5KDC_ERR_INCONSISTENT_KEY_PURPOSE, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_CLIENT_NOT_TRUSTED, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_INVALID_CERTIFICATE, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_INVALID_SIG, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    { KRB5, KRB5KDC_ERR_CERTIFICATE_MISMATCH, ACQ | INI,
      SEC_E_PKINIT_CLIENT_FAILURE },
    /* The KDC finds that the client trusts none of its CAs (the client's
     * trustedCertifiers, RFC 4556 3.2.3): the domain controller
     * certificate's CA is untrusted. */
    { KRB5, KRB5KDC_ERR_KDC_NOT_TRUSTED, ACQ | INI,
      SEC_E_ISSUING_CA_UNTRUSTED_KDC },

    /* During the handshake the same integrity code means the peer's
     * token (an AP-REP) fails its check: a bad token. */
    { KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY, INI | ACC, SEC_E_INVALID_TOKEN },
    /* An AP-REQ seen before (replay cache): the token is not acceptable
     * again. Windows' code for this is not recorded; ours. */
    { KRB5, KRB5KRB_AP_ERR_REPEAT, ACC, SEC_E_INVALID_TOKEN },
    /* Unknown service principal: SEC_E_TARGET_UNKNOWN ([entra]). */
    { KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, MAP_ANY, SEC_E_TARGET_UNKNOWN },
    { KRB5, G_BAD_SERVICE_NAME, INI, SEC_E_TARGET_UNKNOWN },
    { KRB5, G_BAD_HOSTNAME, INI, SEC_E_TARGET_UNKNOWN },
    /* The service can only be reached user-to-user (it has no key) and
     * the client has no TGT reply to offer: SEC_E_NO_TGT_REPLY. */
    { KRB5, KRB5KDC_ERR_MUST_USE_USER2USER, MAP_ANY, SEC_E_NO_TGT_REPLY },
    /* The KDC found several principals for one name. */
    { KRB5, KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE, MAP_ANY,
      SEC_E_TOO_MANY_PRINCIPALS },
    /* Options or fields the KDC refuses: an invalid request. */
    { KRB5, KRB5KDC_ERR_BADOPTION, MAP_ANY, SEC_E_KDC_INVALID_REQUEST },
    { KRB5, KRB5KDC_ERR_BAD_PVNO, MAP_ANY, SEC_E_KDC_INVALID_REQUEST },
    { KRB5, KRB5KRB_ERR_FIELD_TOOLONG, MAP_ANY, SEC_E_KDC_INVALID_REQUEST },

    /* No KDC answers, or none is known for the realm ([entra], [isc]). */
    { KRB5, KRB5_KDC_UNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, KRB5_REALM_CANT_RESOLVE, MAP_ANY,
      SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, KRB5_REALM_UNKNOWN, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    /* The KDC at the realm's address does not serve it and names no
     * realm to follow (KDC_ERR_WRONG_REALM without a client referral):
     * Microsoft's text for the code ([ms] InitializeSecurityContext
     * (Kerberos)) says "the domain name of the authenticating party
     * could be wrong". Negotiate already treats it
     * as a KDC that cannot be used (krb_creds_unusable).
     * tests/check_kdc_faults.c:wrong_realm. */
    { KRB5, KRB5KDC_ERR_WRONG_REALM, ACQ | INI,
      SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ANY_MECH, ECONNREFUSED, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ANY_MECH, ETIMEDOUT, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ANY_MECH, EHOSTUNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { ANY_MECH, ENETUNREACH, MAP_ANY, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    /* While getting the initial ticket the only thing decoded is the
     * KDC's reply: one cut short (ASN1_OVERRUN and kin) or no Kerberos
     * message at all (MIT: KRB5KRB_AP_ERR_MSG_TYPE) means no KDC gave an
     * answer, as with no reply. Not recorded on Windows; sspi-rs (a
     * Windows-compatible SSPI) reports a KDC reply it cannot read as this
     * code, and Microsoft's text for it is "no authority could be
     * contacted". Handshake tokens that do not decode stay
     * SEC_E_INVALID_TOKEN (INI, ACC). tests/check_kdc_faults.c:bad_reply
     * drives both. */
    { KRB5, ASN1_OVERRUN, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_BAD_LENGTH, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_BAD_ID, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_BAD_FORMAT, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_PARSE_ERROR, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_MISSING_FIELD, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_MISPLACED_FIELD, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, ASN1_BAD_TIMEFORMAT, ACQ, SEC_E_NO_AUTHENTICATING_AUTHORITY },
    { KRB5, KRB5KRB_AP_ERR_MSG_TYPE, ACQ,
      SEC_E_NO_AUTHENTICATING_AUTHORITY },
    /* Clocks apart ([kb278467]); a ticket not yet valid is the same. */
    { KRB5, KRB5KRB_AP_ERR_SKEW, MAP_ANY, SEC_E_TIME_SKEW },
    { KRB5, KRB5KRB_AP_ERR_TKT_NYV, MAP_ANY, SEC_E_TIME_SKEW },
    /* A ticket past its end at the acceptor: the context it would make
     * is already expired. */
    { KRB5, KRB5KRB_AP_ERR_TKT_EXPIRED, ACC, SEC_E_CONTEXT_EXPIRED },
    /* The KDC shares no enctype with the request. */
    { KRB5, KRB5KDC_ERR_ETYPE_NOSUPP, MAP_ANY, SEC_E_KDC_UNKNOWN_ETYPE },
    /* This side cannot do the enctype or checksum it was handed: the
     * crypto system is invalid here ([isc] lists it). */
    { KRB5, KRB5_BAD_ENCTYPE, MAP_ANY, SEC_E_CRYPTO_SYSTEM_INVALID },
    { KRB5, KRB5_PROG_ETYPE_NOSUPP, MAP_ANY, SEC_E_CRYPTO_SYSTEM_INVALID },
    { KRB5, KRB5_PROG_SUMTYPE_NOSUPP, MAP_ANY, SEC_E_CRYPTO_SYSTEM_INVALID },
    { KRB5, KRB5KDC_ERR_SUMTYPE_NOSUPP, MAP_ANY,
      SEC_E_CRYPTO_SYSTEM_INVALID },
    /* An enctype this side's policy (permitted_enctypes) forbids: a
     * ticket the acceptor may not decrypt (MIT decrypt_tkt.c), or an
     * initiator whose cached tickets are all of such enctypes
     * (get_creds.c): the function needed is unavailable here. */
    { KRB5, KRB5_NOPERM_ETYPE, MAP_ANY, SEC_E_CRYPTO_SYSTEM_INVALID },
    { KRB5, KRB5_CC_NOT_KTYPE, ACQ | INI, SEC_E_CRYPTO_SYSTEM_INVALID },
    /* The two sides share no checksum type. */
    { KRB5, KG_NO_CTYPES, MAP_ANY, SEC_E_ALGORITHM_MISMATCH },

    /* No ticket cache, one without tickets, or no TGT: no credentials. */
    { KRB5, KRB5_FCC_NOFILE, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KRB5_CC_NOTFOUND, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KRB5_CC_NOSUPP, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KRB5_NO_TKT_SUPPLIED, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KG_EMPTY_CCACHE, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KG_TGT_MISSING, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, KG_CCACHE_NOMATCH, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { KRB5, G_CRED_USAGE_MISMATCH, MAP_ANY, SEC_E_NO_CREDENTIALS },

    /* Acceptor: the ticket is for another principal, or was sealed with
     * a key the service does not have ([kb2090913]). */
    { KRB5, KRB5KRB_AP_ERR_NOT_US, ACC, SEC_E_WRONG_PRINCIPAL },
    { KRB5, KG_KEYTAB_NOMATCH, ACC, SEC_E_WRONG_PRINCIPAL },
    { KRB5, KRB5KRB_AP_ERR_MODIFIED, ACC | INI, SEC_E_WRONG_PRINCIPAL },
    { KRB5, KRB5_KT_NOTFOUND, ACC, SEC_E_NO_KERB_KEY },
    { KRB5, KRB5_KT_KVNONOTFOUND, ACC, SEC_E_NO_KERB_KEY },
    { KRB5, KRB5KRB_AP_ERR_BADKEYVER, ACC, SEC_E_NO_KERB_KEY },
    { KRB5, KRB5KRB_AP_ERR_NOKEY, ACC, SEC_E_NO_KERB_KEY },
    { KRB5, KRB5_KT_NOTFOUND, ACQ, SEC_E_NO_CREDENTIALS },
    { KRB5, KG_KEYTAB_NOMATCH, ACQ, SEC_E_NO_CREDENTIALS },
    { ANY_MECH, ENOENT, ACQ, SEC_E_NO_CREDENTIALS },

    /* Tokens that do not parse. */
    { KRB5, G_BAD_TOK_HEADER, MAP_ANY, SEC_E_INVALID_TOKEN },
    { KRB5, G_TOK_TRUNC, MAP_ANY, SEC_E_INVALID_TOKEN },
    { KRB5, G_WRONG_TOKID, MAP_ANY, SEC_E_INVALID_TOKEN },
    { KRB5, G_WRONG_MECH, MAP_ANY, SEC_E_INVALID_TOKEN },
    { KRB5, KG_BAD_LENGTH, MAP_ANY, SEC_E_INVALID_TOKEN },
    { KRB5, KG_BAD_SIGN_TYPE, MAP_ANY, SEC_E_INVALID_TOKEN },
    /* Not for incoming messages: RFC 1964/4757 tokens encrypt their
     * sequence number with a key derived from the checksum, so a
     * modified checksum surfaces as a corrupt sequence number; the
     * routine error (GSS_S_BAD_SIG: modified) decides there. */
    { KRB5, KG_BAD_SEQ, MAP_ANY & ~MSG_IN, SEC_E_INVALID_TOKEN },
    /* Our own message coming back (reflection) or one sent the other
     * way: not a message from the peer. */
    { KRB5, G_REFLECT, MSG_IN, SEC_E_MESSAGE_ALTERED },
    { KRB5, G_BAD_DIRECTION, MSG_IN, SEC_E_MESSAGE_ALTERED },
    /* Per-message integrity failures. */
    { KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY, MSG_IN, SEC_E_MESSAGE_ALTERED },
    /* A context used before it is complete. */
    { KRB5, KG_CTX_INCOMPLETE, MAP_ANY, SEC_E_INVALID_HANDLE },
    { KRB5, G_UNKNOWN_QOP, MAP_ANY, SEC_E_QOP_NOT_SUPPORTED },

    /* SPNEGO: nothing to negotiate with, or the peers share no
     * mechanism ([isc]: no credentials; no common package). */
    { MECH_SPNEGO, SPNEGO_NO_CREDS_ACQUIRED, MAP_ANY, SEC_E_NO_CREDENTIALS },
    { MECH_SPNEGO, SPNEGO_NO_MECHS_AVAILABLE, ACQ, SEC_E_NO_CREDENTIALS },
    { MECH_SPNEGO, SPNEGO_NO_MECHS_AVAILABLE, INI | ACC,
      SEC_E_ALGORITHM_MISMATCH },
    { MECH_SPNEGO, SPNEGO_NO_MECH_FROM_ACCEPTOR, INI, SEC_E_INVALID_TOKEN },
    { MECH_SPNEGO, SPNEGO_NO_TOKEN_FROM_ACCEPTOR, INI, SEC_E_INVALID_TOKEN },
    { MECH_SPNEGO, SPNEGO_NEGOTIATION_FAILED, MAP_ANY, SEC_E_LOGON_DENIED },

    /* gss-ntlmssp, checking the client's AUTHENTICATE message: a
     * response that does not verify against the password it knows
     * (EINVAL), a user neither its user file nor winbind knows (EACCES,
     * ERR_NOUSRFOUND), an NTLMv1 response refused: Windows' NTLM answers
     * all with SEC_E_LOGON_DENIED ([wine] ntlm.c allows exactly that for
     * an unknown user; Microsoft documents it for a failed logon). A
     * malformed message is an invalid token. */
    { NTLM, EINVAL, ACC, SEC_E_LOGON_DENIED },
    { NTLM, EACCES, ACC, SEC_E_LOGON_DENIED },
    /* A user without a domain that the user file does not hold: the
     * winbind fallback finds no winbind (ENOENT). */
    { NTLM, ENOENT, ACC, SEC_E_LOGON_DENIED },
    { NTLM, NTLM_ERR_NOUSRFOUND, ACC, SEC_E_LOGON_DENIED },
    { NTLM, NTLM_ERR_NONTLMV1, ACC, SEC_E_LOGON_DENIED },
    /* gss-ntlmssp's client: the server's CHALLENGE names a service
     * (MsvAvTargetName) other than the one the client asked for, the
     * NTLM counterpart of a ticket for the wrong principal. */
    { NTLM, EINVAL, INI, SEC_E_WRONG_PRINCIPAL },
    { NTLM, NTLM_ERR_DECODE, INI | ACC, SEC_E_INVALID_TOKEN },
    { NTLM, NTLM_ERR_WRONGMSG, INI | ACC, SEC_E_INVALID_TOKEN },
    { NTLM, NTLM_ERR_TIMESKEW, MAP_ANY, SEC_E_TIME_SKEW },
    { NTLM, NTLM_ERR_EXPIRED, MAP_ANY, SEC_E_CONTEXT_EXPIRED },
    /* The server's CHALLENGE lacks what the client requires (128-bit
     * keys, signing, sealing), or the two share no character set: MS-NLMP
     * 3.1.5.1.2 has the client fail, with SEC_E_UNSUPPORTED_FUNCTION
     * where it names a code (128-bit encryption required). */
    { NTLM, NTLM_ERR_REQNEGFLAG, INI | ACC, SEC_E_UNSUPPORTED_FUNCTION },
    { NTLM, NTLM_ERR_FAILNEGFLAGS, INI | ACC, SEC_E_UNSUPPORTED_FUNCTION },
    /* No user file entry and no winbind to ask: no credentials. */
    { NTLM, ENOENT, ACQ | INI, SEC_E_NO_CREDENTIALS },
    { NTLM, NTLM_ERR_NOARG, ACQ | INI, SEC_E_NO_CREDENTIALS },

    { ANY_MECH, ENOMEM, MAP_ANY, SEC_E_INSUFFICIENT_MEMORY },
    { KRB5, G_BUFFER_ALLOC, MAP_ANY, SEC_E_INSUFFICIENT_MEMORY },
};

#undef KRB5
#undef NTLM
#undef ANY_MECH
#undef ACQ
#undef INI
#undef ACC
#undef MSG_IN

const struct map_minor_rule *
map_minor_rules(size_t *count)
{
    *count = sizeof(minor_rules) / sizeof(minor_rules[0]);
    return minor_rules;
}

enum map_mech
map_mech_of(gss_const_OID mech)
{
    /* 1.2.840.113554.1.2.2 (RFC 1964) and 1.2.840.48018.1.2.2 (the
     * Microsoft variant of the Kerberos OID). */
    static const unsigned char krb5[] = {
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
    static const unsigned char mskrb5[] = {
        0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02 };
    /* 1.3.6.1.5.5.2 (RFC 4178) */
    static const unsigned char spnego[] = {
        0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
    /* 1.3.6.1.4.1.311.2.2.10 (gss-ntlmssp) */
    static const unsigned char ntlm[] = {
        0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

#define OID_IS(o, b) \
    ((o)->length == sizeof(b) && memcmp((o)->elements, (b), sizeof(b)) == 0)
    if (mech == GSS_C_NO_OID || OID_IS(mech, krb5) || OID_IS(mech, mskrb5))
        return MECH_KRB5;
    if (OID_IS(mech, spnego))
        return MECH_SPNEGO;
    if (OID_IS(mech, ntlm))
        return MECH_NTLM;
#undef OID_IS
    return MECH_ANY;
}

/*
 * The code gss-ntlmssp gave, from the minor status the caller saw. MIT's
 * mechglue hands a mechanism's minor code on as it is unless another
 * mechanism in the process reported the same number first; then it
 * substitutes a number of its own from 100000 up (util_errmap.c), and
 * only gss_display_status can still tell the original. So a substituted
 * code is recognised by its text: the errno values by strerror's, the
 * mechanism's own codes by the texts it gives them.
 */
static const gss_OID_desc ntlm_oid = {
    10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
};

/* The first message gss_display_status gives for a minor status, into
 * buf; false when GSS has none. */
static bool
minor_text(OM_uint32 minor, gss_const_OID mech, char *buf, size_t size)
{
    gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;
    OM_uint32 min, ctx = 0;

    if (gss_display_status(&min, minor, GSS_C_MECH_CODE, (gss_OID)mech,
                           &ctx, &msg) != GSS_S_COMPLETE)
        return false;
    snprintf(buf, size, "%.*s", (int)msg.length, (const char *)msg.value);
    gss_release_buffer(&min, &msg);
    return true;
}

static int32_t
ntlm_minor(OM_uint32 minor, gss_const_OID mech)
{
    static const int errnos[] = { EINVAL, EACCES, ENOENT, ENOMEM };
    static const struct { int32_t code; const char *text; } own[] = {
        { NTLM_ERR_DECODE, "Failed to decode data" },
        { NTLM_ERR_NOARG, "A required argument is missing" },
        { NTLM_ERR_WRONGMSG, "Wrong message type" },
        { NTLM_ERR_REQNEGFLAG, "A required Negotiate flag was not provided" },
        { NTLM_ERR_FAILNEGFLAGS, "Failed to negotiate a common set of flags" },
        { NTLM_ERR_TIMESKEW, "Server and client clocks are too far apart" },
        { NTLM_ERR_EXPIRED, "Expired" },
        { NTLM_ERR_NONTLMV1, "NTLM version 1 not allowed" },
        { NTLM_ERR_NOUSRFOUND, "User not found" },
    };
    int32_t code = (int32_t)minor;
    char buf[128];
    size_t i;

    if (minor < 100000 || !minor_text(minor, mech, buf, sizeof(buf)))
        return code;
    for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
        if (strcmp(buf, strerror(errnos[i])) == 0)
            return errnos[i];
    for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (strcmp(buf, own[i].text) == 0)
            return own[i].code;
    return code;
}

/*
 * The Kerberos code behind a minor status MIT's SPNEGO passed on. SPNEGO
 * calls the krb5 mechanism through the mechglue, which records the code
 * under krb5's OID; SPNEGO then reports the same number as its own, and
 * the mechglue, finding it taken, substitutes one of its own (the same
 * util_errmap.c as for ntlm_minor()). Only the text survives: the code is
 * the Kerberos code of a rule whose message is that text (a KRB-ERROR
 * from the server, such as clock skew, arrives this way under
 * Negotiate). Returns the minor unchanged when it was not substituted
 * or no rule's text matches.
 */
static int32_t
krb5_minor(OM_uint32 minor, gss_const_OID mech, enum map_op op)
{
    krb5_context k = NULL;
    int32_t code = (int32_t)minor;
    char buf[256];
    size_t i;

    /* Substitutes count up from 100000; com_err codes are far away. */
    if (minor < 100000 || minor >= 0x1000000
        || !minor_text(minor, mech, buf, sizeof(buf)))
        return code;
    if (krb5_init_context(&k) != 0)
        return code;
    for (i = 0; i < sizeof(minor_rules) / sizeof(minor_rules[0]); i++) {
        const struct map_minor_rule *r = &minor_rules[i];
        const char *text;
        bool same;

        if (r->mech != MECH_KRB5 || !(r->ops & op))
            continue;
        text = krb5_get_error_message(k, (krb5_error_code)r->code);
        same = text != NULL && strcmp(text, buf) == 0;
        krb5_free_error_message(k, text);
        if (same) {
            code = r->code;
            break;
        }
    }
    krb5_free_context(k);
    return code;
}

static bool
minor_lookup(enum map_mech mech, int32_t code, enum map_op op,
             SECURITY_STATUS *out)
{
    size_t i;

    for (i = 0; i < sizeof(minor_rules) / sizeof(minor_rules[0]); i++) {
        const struct map_minor_rule *r = &minor_rules[i];

        if (r->code == code && (r->ops & op)
            && (r->mech == MECH_ANY || r->mech == mech)) {
            *out = r->status;
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
        /* MIT's SPNEGO reports peers without a mechanism in common as
         * a bad mechanism: for a handshake that is Windows' "no common
         * algorithm" ([ms] SEC_E_ALGORITHM_MISMATCH), not a package
         * missing here. */
        if (routine == GSS_S_BAD_MECH && (op & (MAP_INIT | MAP_ACCEPT))
            && map_mech_of(mech) == MECH_SPNEGO)
            st = SEC_E_ALGORITHM_MISMATCH;
        /* 3. The minor refines generic or ambiguous routine errors. */
        if (minor != 0) {
            enum map_mech m = map_mech_of(mech);
            int32_t code = m == MECH_NTLM ? ntlm_minor(minor, mech)
                                          : (int32_t)minor;
            SECURITY_STATUS refined;

            if (m == MECH_NTLM && routine == GSS_S_DEFECTIVE_TOKEN
                && code == EACCES && op == MAP_ACCEPT) {
                /* gss-ntlmssp: the AUTHENTICATE message's channel
                 * bindings hash (or its MIC over the handshake) does
                 * not match: what the client bound is not this
                 * channel, Windows' SEC_E_BAD_BINDINGS ([ms]
                 * AcceptSecurityContext). */
                st = SEC_E_BAD_BINDINGS;
            } else if (minor_lookup(m, code, op, &refined)) {
                st = refined;
            } else if (m == MECH_SPNEGO) {
                /* MIT's SPNEGO passes its mechanism's minor status on
                 * under its own OID: try the mechanisms it runs. */
                code = ntlm_minor(minor, &ntlm_oid);
                if (minor_lookup(MECH_NTLM, code, op, &refined)
                    || minor_lookup(MECH_KRB5, krb5_minor(minor, mech, op),
                                    op, &refined))
                    st = refined;
            }
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
map_gss_first_init(OM_uint32 major, OM_uint32 minor, gss_const_OID mech)
{
    SECURITY_STATUS st = map_gss(major, minor, mech, MAP_INIT);
    SECURITY_STATUS kdc;
    int32_t code;

    if (st != SEC_E_INTERNAL_ERROR || minor == 0
        || GSS_ROUTINE_ERROR(major) != GSS_S_FAILURE
        || GSS_CALLING_ERROR(major) != 0
        || map_mech_of(mech) == MECH_NTLM)
        return st;
    code = krb5_minor(minor, mech, MAP_ACQUIRE);
    if (minor_lookup(MECH_KRB5, code, MAP_ACQUIRE, &kdc)
        && kdc == SEC_E_NO_AUTHENTICATING_AUTHORITY) {
        trace_cause("%s; before any token from the peer only a KDC's "
                    "reply was decoded -> %s", sspigss_last_error(),
                    sspigss_status_name(kdc));
        st = kdc;
    }
    return st;
}

/* Does a krb5 message end in the text of ENOMEM ("...: Cannot allocate
 * memory")? strerror's text, so that a translated one matches too. */
static bool
ends_with_enomem(const char *msg)
{
    char buf[128];
    const char *e = strerror_r(ENOMEM, buf, sizeof(buf));
    size_t n = strlen(msg), m = strlen(e);

    return m > 0 && n >= m && strcmp(msg + n - m, e) == 0;
}

SECURITY_STATUS
map_krb5(krb5_context ctx, krb5_error_code code, enum map_op op)
{
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    krb5_context own = NULL;
    const char *msg;

    if (code == 0)
        return SEC_E_OK;
    minor_lookup(MECH_KRB5, code, op, &st);
    /* Without a context krb5 has no error tables loaded. */
    if (ctx == NULL && krb5_init_context(&own) == 0)
        ctx = own;
    msg = krb5_get_error_message(ctx, code);
    /* MIT wraps what made a step fail in a generic code and keeps the
     * cause only in the message: a preauth module out of memory comes
     * back as KRB5_PREAUTH_FAILED, "Pre-authentication failed: Cannot
     * allocate memory" (found by tests/torture). It is Windows'
     * out-of-memory code, not a refused preauthentication, and Negotiate
     * must not fall back to NTLM over it. */
    if (msg != NULL && ends_with_enomem(msg))
        st = SEC_E_INSUFFICIENT_MEMORY;
    trace_cause("krb5 %s: %ld (%s) -> %s", op_name(op), (long)code,
                msg != NULL ? msg : "?", sspigss_status_name(st));
    krb5_free_error_message(ctx, msg);
    if (own != NULL)
        krb5_free_context(own);
    return st;
}

/* ------------------------------------------------------------ PKINIT */

#define PA_REQ 16               /* PA-PK-AS-REQ: building our request */
#define PA_REP 17               /* PA-PK-AS-REP: checking the KDC's reply */
#define PA_TOKEN 0              /* the token's login (C_Login) */

/*
 * The client's own refusals, read from the krb5 trace (struct
 * map_pkinit). The texts are OpenSSL's X509_verify_cert_error_string()
 * for the verification result MIT names in its message ("Failed to
 * verify received certificate (depth N): <text>") and PKCS#11's names
 * for C_Login's result (MIT pkcs11err()). First match wins.
 */
static const struct map_pkinit_rule pkinit_rules[] = {
    /* The KDC's certificate, checked by the client when the reply
     * arrives ([sspi-codes] has a code for each thing wrong with the
     * domain controller's certificate). MIT turns the OpenSSL
     * result into a KDC error code (pkinit_crypto_openssl.c
     * cms_signeddata_verify): revoked, CRL missing, no trusted issuer;
     * everything else is INVALID_CERTIFICATE, told apart by its text. */
    { PA_REP, KRB5KDC_ERR_REVOKED_CERTIFICATE, NULL,
      SEC_E_KDC_CERT_REVOKED },
    { PA_REP, KRB5KDC_ERR_REVOCATION_STATUS_UNKNOWN, NULL,
      SEC_E_REVOCATION_OFFLINE_KDC },
    { PA_REP, KRB5KDC_ERR_REVOCATION_STATUS_UNAVAILABLE, NULL,
      SEC_E_REVOCATION_OFFLINE_KDC },
    { PA_REP, KRB5KDC_ERR_CANT_VERIFY_CERTIFICATE, NULL,
      SEC_E_ISSUING_CA_UNTRUSTED_KDC },
    { PA_REP, KRB5KDC_ERR_INVALID_CERTIFICATE, "certificate has expired",
      SEC_E_KDC_CERT_EXPIRED },
    { PA_REP, KRB5KDC_ERR_INVALID_CERTIFICATE, "CRL has expired",
      SEC_E_REVOCATION_OFFLINE_KDC },
    { PA_REP, KRB5KDC_ERR_INVALID_CERTIFICATE, "self-signed certificate",
      SEC_E_ISSUING_CA_UNTRUSTED_KDC },
    /* Our own certificate, which MIT checks against its anchors before
     * it signs the request ("Failed to verify own certificate"): the
     * smart card's ([sspi-codes]: the card's certificate expired,
     * revoked, or from an untrusted CA). */
    { PA_REQ, 0, "certificate has expired", SEC_E_SMARTCARD_CERT_EXPIRED },
    { PA_REQ, 0, "certificate revoked", SEC_E_SMARTCARD_CERT_REVOKED },
    { PA_REQ, 0, "unable to get local issuer certificate",
      SEC_E_ISSUING_CA_UNTRUSTED },
    { PA_REQ, 0, "unable to get issuer certificate",
      SEC_E_ISSUING_CA_UNTRUSTED },
    { PA_REQ, 0, "self-signed certificate", SEC_E_ISSUING_CA_UNTRUSTED },
    /* The token refused the PIN: a wrong password, a logon failure
     * ([nlmp]); a blocked PIN too (Windows has no SSPI code of its own
     * for a blocked card). */
    { PA_TOKEN, 0, "pin incorrect", SEC_E_LOGON_DENIED },
    { PA_TOKEN, 0, "pin invalid", SEC_E_LOGON_DENIED },
    { PA_TOKEN, 0, "pin len range", SEC_E_LOGON_DENIED },
    { PA_TOKEN, 0, "pin locked", SEC_E_LOGON_DENIED },
    { PA_TOKEN, 0, "pin expired", SEC_E_LOGON_DENIED },
    /* No token at all (no card in the reader): no credentials. */
    { PA_TOKEN, 0, "no token", SEC_E_NO_CREDENTIALS },
};

const struct map_pkinit_rule *
map_pkinit_rules(size_t *count)
{
    *count = sizeof(pkinit_rules) / sizeof(pkinit_rules[0]);
    return pkinit_rules;
}

SECURITY_STATUS
map_pkinit(krb5_context ctx, krb5_error_code code,
           const struct map_pkinit *why)
{
    const char *pa_text = why->pa_text != NULL ? why->pa_text : "";
    const char *token = why->token_text != NULL ? why->token_text : "";
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    krb5_context own = NULL;
    const char *msg;
    bool found = false;
    size_t i;

    if (code == 0)
        return SEC_E_OK;
    for (i = 0; i < sizeof(pkinit_rules) / sizeof(pkinit_rules[0]); i++) {
        const struct map_pkinit_rule *r = &pkinit_rules[i];
        const char *text = r->pa_type == PA_TOKEN ? token : pa_text;

        if (r->pa_type != PA_TOKEN
            && (why->pa_type != r->pa_type || why->pa_code == 0))
            continue;
        if (r->code != 0 && r->code != why->pa_code)
            continue;
        if (r->text != NULL && strstr(text, r->text) == NULL)
            continue;
        if (r->text == NULL && r->pa_type == PA_TOKEN)
            continue;
        st = r->status;
        found = true;
        break;
    }
    /* Otherwise the call's own code: the KDC's refusal, or the rest. */
    if (!found)
        minor_lookup(MECH_KRB5, code, MAP_ACQUIRE, &st);
    if (ctx == NULL && krb5_init_context(&own) == 0)
        ctx = own;
    msg = krb5_get_error_message(ctx, code);
    trace_cause("krb5 acquire (certificate logon): %ld (%s)%s%s%s%s -> %s",
                (long)code, msg != NULL ? msg : "?",
                pa_text[0] != '\0' ? "; PKINIT: " : "", pa_text,
                token[0] != '\0' ? "; token login: " : "", token,
                sspigss_status_name(st));
    krb5_free_error_message(ctx, msg);
    if (own != NULL)
        krb5_free_context(own);
    return st;
}

/*
 * PA-DATA types a password can answer: encrypted timestamp (RFC 4120),
 * encrypted challenge (RFC 6113) and SPAKE (MIT's, after
 * draft-ietf-kitten-krb-spake-preauth). (OTP, RFC 6560, is a hardware
 * token's, as MIT's KDC counts it.)
 */
static bool
password_padata(int32_t type)
{
    return type == 2 || type == 138 || type == 151;
}

bool
map_hwauth_required(krb5_context ctx, krb5_error_code code,
                    const int32_t *types, size_t n, SECURITY_STATUS *st)
{
    const char *msg;
    size_t i;

    for (i = 0; i < n; i++)
        if (password_padata(types[i]))
            return false;
    /* [sspi-codes]: smart card logon was required and not used; the
     * KDC lists only mechanisms a password cannot answer, as MIT's does
     * for +requires_hwauth (kdc_preauth.c: only hardware mechanisms are
     * offered) and AD's for SMARTCARD_REQUIRED accounts. */
    *st = SEC_E_SMARTCARD_LOGON_REQUIRED;
    msg = krb5_get_error_message(ctx, code);
    trace_cause("krb5 acquire: %ld (%s); the KDC requires "
                "preauthentication a password cannot give (it offers %zu "
                "PA-DATA types, none a password answers) -> %s",
                (long)code, msg != NULL ? msg : "?", n,
                sspigss_status_name(*st));
    krb5_free_error_message(ctx, msg);
    return true;
}

SSPIGSS_EXPORT SECURITY_STATUS
sspigss_status_from_gss(uint32_t major, uint32_t minor,
                        const struct gss_OID_desc_struct *mech, int op)
{
    if (op == 0 || (op & ~MAP_ANY) != 0 || (op & (op - 1)) != 0)
        op = MAP_INIT;  /* one operation; an unknown one reads as ISC */
    return map_gss(major, minor, mech, (enum map_op)op);
}

SSPIGSS_EXPORT SECURITY_STATUS
sspigss_status_from_krb5(int32_t code, int op)
{
    if (op == 0 || (op & ~MAP_ANY) != 0 || (op & (op - 1)) != 0)
        op = MAP_INIT;
    return map_krb5(NULL, code, (enum map_op)op);
}
