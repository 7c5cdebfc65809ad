/*
 * map_tls.c - TLS alerts and certificate verification results to the SEC
 * codes Windows' Schannel returns.
 *
 * Alerts: Microsoft, "Schannel error codes for TLS and SSL alerts" ([alerts]
 * in docs/status-codes.md) lists the code Schannel returns for each alert
 * it receives; the same table serves for an alert OpenSSL decides to send
 * about the peer's messages (it names the same fault).
 *
 * Certificates: the end of a client handshake reports why the server's
 * certificate is not acceptable, as Windows' Schannel does from
 * InitializeSecurityContext unless SCH_CRED_MANUAL_CRED_VALIDATION is set:
 * an untrusted root, an expired certificate, a name that is not the
 * target's, a certificate not meant for servers. The codes are the ones
 * [alerts] gives for the matching alerts (unknown_ca, certificate_expired,
 * bad_certificate) and the ones Microsoft documents for
 * InitializeSecurityContext (Schannel): SEC_E_WRONG_PRINCIPAL for a name
 * mismatch, SEC_E_CERT_WRONG_USAGE for a usage mismatch.
 */
#include "setup.h"

#include <openssl/x509_vfy.h>

#include <sspigss/wincrypt.h>

#include "internal.h"
#include "map_tls.h"

static const struct {
    int alert;
    SECURITY_STATUS status;
} alert_rules[] = {
    { 10, SEC_E_ILLEGAL_MESSAGE },          /* unexpected_message */
    { 20, SEC_E_MESSAGE_ALTERED },          /* bad_record_mac */
    { 21, SEC_E_DECRYPT_FAILURE },          /* decryption_failed */
    { 22, SEC_E_ILLEGAL_MESSAGE },          /* record_overflow */
    { 30, SEC_E_MESSAGE_ALTERED },          /* decompression_failure */
    { 40, SEC_E_ILLEGAL_MESSAGE },          /* handshake_failure */
    { 42, SEC_E_CERT_UNKNOWN },             /* bad_certificate */
    { 43, SEC_E_CERT_UNKNOWN },             /* unsupported_certificate */
    { 44, CRYPT_E_REVOKED },                /* certificate_revoked */
    { 45, SEC_E_CERT_EXPIRED },             /* certificate_expired */
    { 46, SEC_E_CERT_UNKNOWN },             /* certificate_unknown */
    { 47, SEC_E_ILLEGAL_MESSAGE },          /* illegal_parameter */
    { 48, SEC_E_UNTRUSTED_ROOT },           /* unknown_ca */
    { 49, SEC_E_LOGON_DENIED },             /* access_denied */
    { 50, SEC_E_ILLEGAL_MESSAGE },          /* decode_error */
    { 51, SEC_E_DECRYPT_FAILURE },          /* decrypt_error */
    { 60, SEC_E_ILLEGAL_MESSAGE },          /* export_restriction */
    { 70, SEC_E_UNSUPPORTED_FUNCTION },     /* protocol_version */
    { 71, SEC_E_ALGORITHM_MISMATCH },       /* insufficient_security */
    { 80, SEC_E_INTERNAL_ERROR },           /* internal_error */
    { 90, SEC_E_UNFINISHED_CONTEXT_DELETED }, /* user_canceled */
    { 100, SEC_E_ILLEGAL_MESSAGE },         /* no_renegotiation */
    { 110, SEC_E_ILLEGAL_MESSAGE },         /* unsupported_extension */
    { 115, SEC_E_ILLEGAL_MESSAGE },         /* unknown_psk_identity */
    { 120, SEC_E_APPLICATION_PROTOCOL_MISMATCH }, /* no_application_protocol */
    /* Not in [alerts], so its Default: certificate_required (116, TLS
     * 1.3), bad_certificate_status_response (113), and the rest. */
};

SECURITY_STATUS
map_tls_alert(int alert)
{
    size_t i;

    for (i = 0; i < sizeof(alert_rules) / sizeof(alert_rules[0]); i++)
        if (alert_rules[i].alert == alert)
            return alert_rules[i].status;
    /* [alerts]: any other alert, "Default". */
    return SEC_E_ILLEGAL_MESSAGE;
}

/*
 * An alert this side sends about the peer's messages. The same table,
 * except where the local verdict is "no version or suite in common"
 * (protocol_version, handshake_failure, insufficient_security): the
 * peers share no algorithm, SEC_E_ALGORITHM_MISMATCH ("the client and
 * server cannot communicate, because they do not possess a common
 * algorithm", [ms] SSPI status codes).
 */
SECURITY_STATUS
map_tls_sent_alert(int alert)
{
    if (alert == 70 || alert == 40 || alert == 71)
        return SEC_E_ALGORITHM_MISMATCH;
    return map_tls_alert(alert);
}

SECURITY_STATUS
map_tls_verify(long result)
{
    switch (result) {
    case X509_V_OK:
        return SEC_E_OK;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return SEC_E_CERT_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return SEC_E_UNTRUSTED_ROOT;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return SEC_E_WRONG_PRINCIPAL;
    case X509_V_ERR_INVALID_PURPOSE:
        return SEC_E_CERT_WRONG_USAGE;
    /* The chain could not be checked for want of memory, which says
     * nothing about the certificate (found by tests/torture). */
    case X509_V_ERR_OUT_OF_MEM:
        return SEC_E_INSUFFICIENT_MEMORY;
    /* Revocation (only with SCH_CRED_REVOCATION_CHECK_*): Windows'
     * InitializeSecurityContext returns the certificate chain engine's
     * own CRYPT_E_ codes, not SEC_E_ ones, as curl's Schannel back end
     * reports them ("CRYPT_E_REVOKED (0x80092010)", "CRYPT_E_NO_
     * REVOCATION_CHECK (0x80092012)", "CRYPT_E_REVOCATION_OFFLINE
     * (0x80092013)"; curl issues 3727 and 14315, pull request 12241).
     * A CRL that is out of date
     * is the nearest thing here to Windows' unreachable revocation
     * server. */
    case X509_V_ERR_CERT_REVOKED:
        return CRYPT_E_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        return CRYPT_E_NO_REVOCATION_CHECK;
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
        return CRYPT_E_REVOCATION_OFFLINE;
    default:
        /* A certificate that cannot be used for another reason (a bad
         * signature, an unreadable extension): [alerts]' bad_certificate
         * and certificate_unknown. */
        return SEC_E_CERT_UNKNOWN;
    }
}
