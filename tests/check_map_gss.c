/*
 * check_map_gss.c - the GSS/krb5 to SEC mapper: every rule of its tables
 * driven through the engine, and the precedence between the layers.
 * Conditions a real KDC can produce are also driven end to end in
 * check_kerberos; this suite covers every row, reachable or not.
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi_krb5.h>
#include <openssl/x509_vfy.h>

#include "internal.h"
#include "map_gss.h"
#include "map_tls.h"
#include "testutil.h"

static const gss_OID_desc krb5_oid = {
    9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
};
static const gss_OID_desc spnego_oid = {
    6, (void *)"\x2b\x06\x01\x05\x05\x02"
};
static const gss_OID_desc ntlm_oid = {
    10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
};

static gss_const_OID
oid_of(enum map_mech m)
{
    switch (m) {
    case MECH_SPNEGO: return &spnego_oid;
    case MECH_NTLM: return &ntlm_oid;
    default: return &krb5_oid;
    }
}

START_TEST(every_minor_rule)
{
    const struct map_minor_rule *r;
    size_t n, i, j;
    unsigned bit;

    r = map_minor_rules(&n);
    ck_assert_uint_gt(n, 20);
    for (i = 0; i < n; i++) {
        for (bit = 1; bit <= MAP_QUERY; bit <<= 1) {
            bool shadowed = false;

            if (!(r[i].ops & bit))
                continue;
            /* An earlier row for the same code, mechanism and operation
             * wins. */
            for (j = 0; j < i; j++)
                if (r[j].code == r[i].code && (r[j].ops & bit)
                    && (r[j].mech == r[i].mech || r[j].mech == MECH_ANY))
                    shadowed = true;
            if (shadowed)
                continue;
            ck_assert_msg(map_gss(GSS_S_FAILURE, (OM_uint32)r[i].code,
                                  oid_of(r[i].mech), (enum map_op)bit)
                              == r[i].status,
                          "row %zu (code %d, op %u)", i, (int)r[i].code,
                          bit);
            /* The public entry point gives the same answer. */
            ck_assert_msg(sspigss_status_from_gss(GSS_S_FAILURE,
                                                  (uint32_t)r[i].code,
                                                  oid_of(r[i].mech),
                                                  (int)bit)
                              == r[i].status,
                          "public row %zu", i);
            if (r[i].mech == MECH_KRB5 || r[i].mech == MECH_ANY) {
                ck_assert_msg(map_krb5(NULL, r[i].code, (enum map_op)bit)
                                  == r[i].status,
                              "krb5 row %zu (code %d, op %u)", i,
                              (int)r[i].code, bit);
                ck_assert_msg(sspigss_status_from_krb5(r[i].code, (int)bit)
                                  == r[i].status,
                              "public krb5 row %zu", i);
            }
        }
    }
}
END_TEST

/* The values of the error tables MIT installs no header for, checked
 * against the messages libgssapi_krb5 itself has for them. */
START_TEST(private_error_tables)
{
    static const struct {
        int32_t code;
        const char *text;
    } known[] = {
        { 39756032 + 12, "Credential cache is empty" },
        { 39756032 + 2, "Credential cache has no TGT" },
        { 39756032 + 13, "Acceptor and Initiator share no checksum types" },
        { -2045022976 + 12, "Token header is malformed or corrupt" },
        { -2045022976 + 14, "Token is missing data" },
        { -2045022976 + 8, "Unknown quality of protection specified" },
    };
    OM_uint32 min;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    krb5_context k;
    size_t i;

    /* Loading the GSS library registers its error tables. */
    gss_indicate_mechs(&min, &mechs);
    gss_release_oid_set(&min, &mechs);
    ck_assert_int_eq(krb5_init_context(&k), 0);
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        const char *m = krb5_get_error_message(k, known[i].code);

        ck_assert_str_eq(m, known[i].text);
        krb5_free_error_message(k, m);
    }
    krb5_free_context(k);
}
END_TEST

START_TEST(mechanism_decides_the_table)
{
    /* The same number is a different error in another mechanism. */
    ck_assert_sec(map_gss(GSS_S_FAILURE, 0x20000002, &spnego_oid, MAP_INIT),
                  SEC_E_NO_CREDENTIALS);
    ck_assert_sec(map_gss(GSS_S_FAILURE, 0x20000002, &krb5_oid, MAP_INIT),
                  SEC_E_INTERNAL_ERROR);
    /* errno values mean the same everywhere. */
    ck_assert_sec(map_gss(GSS_S_FAILURE, ECONNREFUSED, &ntlm_oid, MAP_INIT),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_int_eq(map_mech_of(GSS_C_NO_OID), MECH_KRB5);
    ck_assert_int_eq(map_mech_of(&spnego_oid), MECH_SPNEGO);
    ck_assert_int_eq(map_mech_of(&ntlm_oid), MECH_NTLM);
}
END_TEST

/*
 * Rules that look at more than one minor code: gss-ntlmssp's EACCES is a
 * refused logon when the AUTHENTICATE message fails (GSS_S_FAILURE) and
 * a binding mismatch when its bindings hash does not verify
 * (GSS_S_DEFECTIVE_TOKEN); SPNEGO's bad mechanism in a handshake is "no
 * common algorithm", elsewhere a package that is missing; a minor code
 * under SPNEGO's OID is looked up in the tables of the mechanisms it
 * runs.
 */
START_TEST(rules_beyond_the_minor)
{
    ck_assert_sec(map_gss(GSS_S_FAILURE, EACCES, &ntlm_oid, MAP_ACCEPT),
                  SEC_E_LOGON_DENIED);
    ck_assert_sec(map_gss(GSS_S_DEFECTIVE_TOKEN, EACCES, &ntlm_oid,
                          MAP_ACCEPT), SEC_E_BAD_BINDINGS);
    ck_assert_sec(map_gss(GSS_S_DEFECTIVE_TOKEN, EACCES, &ntlm_oid,
                          MAP_INIT), SEC_E_INVALID_TOKEN);
    ck_assert_sec(map_gss(GSS_S_BAD_MECH, 0, &spnego_oid, MAP_ACCEPT),
                  SEC_E_ALGORITHM_MISMATCH);
    ck_assert_sec(map_gss(GSS_S_BAD_MECH, 0, &spnego_oid, MAP_INIT),
                  SEC_E_ALGORITHM_MISMATCH);
    ck_assert_sec(map_gss(GSS_S_BAD_MECH, 0, &spnego_oid, MAP_ACQUIRE),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_sec(map_gss(GSS_S_BAD_MECH, 0, &krb5_oid, MAP_ACCEPT),
                  SEC_E_SECPKG_NOT_FOUND);
    /* NTLM's wrong password, reported through SPNEGO. */
    ck_assert_sec(map_gss(GSS_S_FAILURE, EINVAL, &spnego_oid, MAP_ACCEPT),
                  SEC_E_LOGON_DENIED);
    /* krb5's, likewise. */
    ck_assert_sec(map_gss(GSS_S_FAILURE, (OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED,
                          &spnego_oid, MAP_INIT), SEC_E_LOGON_DENIED);
}
END_TEST

/*
 * The Schannel rules (lib/map_tls.c): each TLS alert to the code Microsoft
 * lists for it ("Schannel error codes for TLS and SSL alerts"), the
 * default for any other, the no-common-algorithm alerts this side sends,
 * and certificate verification results.
 */
START_TEST(tls_rules)
{
    static const struct { int alert; SECURITY_STATUS st; } a[] = {
        { 10, SEC_E_ILLEGAL_MESSAGE }, { 20, SEC_E_MESSAGE_ALTERED },
        { 21, SEC_E_DECRYPT_FAILURE }, { 22, SEC_E_ILLEGAL_MESSAGE },
        { 30, SEC_E_MESSAGE_ALTERED }, { 40, SEC_E_ILLEGAL_MESSAGE },
        { 42, SEC_E_CERT_UNKNOWN }, { 43, SEC_E_CERT_UNKNOWN },
        { 44, CRYPT_E_REVOKED }, { 45, SEC_E_CERT_EXPIRED },
        { 46, SEC_E_CERT_UNKNOWN },
        { 47, SEC_E_ILLEGAL_MESSAGE }, { 48, SEC_E_UNTRUSTED_ROOT },
        { 49, SEC_E_LOGON_DENIED }, { 50, SEC_E_ILLEGAL_MESSAGE },
        { 51, SEC_E_DECRYPT_FAILURE }, { 60, SEC_E_ILLEGAL_MESSAGE },
        { 70, SEC_E_UNSUPPORTED_FUNCTION }, { 71, SEC_E_ALGORITHM_MISMATCH },
        { 80, SEC_E_INTERNAL_ERROR }, { 90, SEC_E_UNFINISHED_CONTEXT_DELETED },
        { 100, SEC_E_ILLEGAL_MESSAGE }, { 110, SEC_E_ILLEGAL_MESSAGE },
        { 115, SEC_E_ILLEGAL_MESSAGE },
        { 120, SEC_E_APPLICATION_PROTOCOL_MISMATCH },
        { 116, SEC_E_ILLEGAL_MESSAGE },     /* any other: the default */
    };
    size_t i;

    for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
        ck_assert_sec(map_tls_alert(a[i].alert), a[i].st);
    ck_assert_sec(map_tls_sent_alert(70), SEC_E_ALGORITHM_MISMATCH);
    ck_assert_sec(map_tls_sent_alert(40), SEC_E_ALGORITHM_MISMATCH);
    ck_assert_sec(map_tls_sent_alert(71), SEC_E_ALGORITHM_MISMATCH);
    ck_assert_sec(map_tls_sent_alert(20), SEC_E_MESSAGE_ALTERED);
    ck_assert_sec(map_tls_verify(X509_V_OK), SEC_E_OK);
    ck_assert_sec(map_tls_verify(X509_V_ERR_CERT_HAS_EXPIRED),
                  SEC_E_CERT_EXPIRED);
    ck_assert_sec(map_tls_verify(X509_V_ERR_CERT_NOT_YET_VALID),
                  SEC_E_CERT_EXPIRED);
    ck_assert_sec(map_tls_verify(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                  SEC_E_UNTRUSTED_ROOT);
    ck_assert_sec(map_tls_verify(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
                  SEC_E_UNTRUSTED_ROOT);
    ck_assert_sec(map_tls_verify(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN),
                  SEC_E_UNTRUSTED_ROOT);
    ck_assert_sec(map_tls_verify(X509_V_ERR_HOSTNAME_MISMATCH),
                  SEC_E_WRONG_PRINCIPAL);
    ck_assert_sec(map_tls_verify(X509_V_ERR_IP_ADDRESS_MISMATCH),
                  SEC_E_WRONG_PRINCIPAL);
    ck_assert_sec(map_tls_verify(X509_V_ERR_INVALID_PURPOSE),
                  SEC_E_CERT_WRONG_USAGE);
    ck_assert_sec(map_tls_verify(X509_V_ERR_CERT_SIGNATURE_FAILURE),
                  SEC_E_CERT_UNKNOWN);
    ck_assert_sec(map_tls_verify(X509_V_ERR_OUT_OF_MEM),
                  SEC_E_INSUFFICIENT_MEMORY);
}
END_TEST

START_TEST(routine_defaults)
{
    static const struct {
        OM_uint32 major;
        SECURITY_STATUS want;
    } cases[] = {
        { GSS_S_DEFECTIVE_TOKEN, SEC_E_INVALID_TOKEN },
        { GSS_S_BAD_SIG, SEC_E_MESSAGE_ALTERED },
        { GSS_S_NO_CRED, SEC_E_NO_CREDENTIALS },
        { GSS_S_NO_CONTEXT, SEC_E_INVALID_HANDLE },
        { GSS_S_CONTEXT_EXPIRED, SEC_E_CONTEXT_EXPIRED },
        { GSS_S_CREDENTIALS_EXPIRED, SEC_E_NO_CREDENTIALS },
        { GSS_S_DEFECTIVE_CREDENTIAL, SEC_E_UNKNOWN_CREDENTIALS },
        { GSS_S_BAD_BINDINGS, SEC_E_BAD_BINDINGS },
        { GSS_S_BAD_NAME, SEC_E_TARGET_UNKNOWN },
        { GSS_S_BAD_NAMETYPE, SEC_E_TARGET_UNKNOWN },
        { GSS_S_BAD_MECH, SEC_E_SECPKG_NOT_FOUND },
        { GSS_S_BAD_QOP, SEC_E_QOP_NOT_SUPPORTED },
        { GSS_S_UNAUTHORIZED, SEC_E_LOGON_DENIED },
        { GSS_S_UNAVAILABLE, SEC_E_UNSUPPORTED_FUNCTION },
        { GSS_S_FAILURE, SEC_E_INTERNAL_ERROR },
        { GSS_S_DUPLICATE_ELEMENT, SEC_E_INTERNAL_ERROR },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(map_gss(cases[i].major, 0, &krb5_oid, MAP_INIT)
                          == cases[i].want,
                      "case %zu", i);
}
END_TEST

START_TEST(supplementary_bits_are_flags)
{
    /* Sequence problems on a message, with or without a routine error,
     * alone or combined. */
    ck_assert_sec(map_gss(GSS_S_COMPLETE | GSS_S_DUPLICATE_TOKEN, 0,
                          &krb5_oid, MAP_UNWRAP),
                  SEC_E_OUT_OF_SEQUENCE);
    ck_assert_sec(map_gss(GSS_S_OLD_TOKEN, 0, &krb5_oid, MAP_VERIFY),
                  SEC_E_OUT_OF_SEQUENCE);
    ck_assert_sec(map_gss(GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN, 0, &krb5_oid,
                          MAP_UNWRAP),
                  SEC_E_OUT_OF_SEQUENCE);
    ck_assert_sec(map_gss(GSS_S_FAILURE | GSS_S_GAP_TOKEN, 0, &krb5_oid,
                          MAP_VERIFY),
                  SEC_E_OUT_OF_SEQUENCE);
    /* A forged message that also looks out of order is still forged. */
    ck_assert_sec(map_gss(GSS_S_BAD_SIG | GSS_S_DUPLICATE_TOKEN, 0,
                          &krb5_oid, MAP_UNWRAP),
                  SEC_E_MESSAGE_ALTERED);
    /* Outside messages, supplementary bits alone are not failures. */
    ck_assert_sec(map_gss(GSS_S_DUPLICATE_TOKEN, 0, &krb5_oid, MAP_INIT),
                  SEC_E_OK);
    ck_assert_sec(map_gss(GSS_S_COMPLETE, 0, &krb5_oid, MAP_UNWRAP),
                  SEC_E_OK);
    ck_assert_sec(map_gss(GSS_S_CONTINUE_NEEDED, 0, &krb5_oid, MAP_INIT),
                  SEC_E_OK);
}
END_TEST

START_TEST(minor_refines_by_operation)
{
    /* The same minor code means different things per operation. */
    ck_assert_sec(map_gss(GSS_S_FAILURE,
                          (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY,
                          &krb5_oid, MAP_ACQUIRE),
                  SEC_E_LOGON_DENIED);
    ck_assert_sec(map_gss(GSS_S_FAILURE,
                          (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY,
                          &krb5_oid, MAP_INIT),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(map_gss(GSS_S_FAILURE,
                          (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY,
                          &krb5_oid, MAP_UNWRAP),
                  SEC_E_MESSAGE_ALTERED);
    ck_assert_sec(map_gss(GSS_S_FAILURE, (OM_uint32)KRB5_KT_NOTFOUND,
                          &krb5_oid, MAP_ACCEPT),
                  SEC_E_NO_KERB_KEY);
    ck_assert_sec(map_gss(GSS_S_NO_CRED, (OM_uint32)KRB5_KT_NOTFOUND,
                          &krb5_oid, MAP_ACQUIRE),
                  SEC_E_NO_CREDENTIALS);
    /* An unknown minor keeps the routine default. */
    ck_assert_sec(map_gss(GSS_S_DEFECTIVE_TOKEN, 12345678, &krb5_oid,
                          MAP_ACCEPT),
                  SEC_E_INVALID_TOKEN);
    ck_assert_sec(map_krb5(NULL, 12345678, MAP_INIT), SEC_E_INTERNAL_ERROR);
    ck_assert_sec(map_krb5(NULL, 0, MAP_INIT), SEC_E_OK);
    /* Calling errors are our bug, never the caller's. */
    ck_assert_sec(map_gss(GSS_S_CALL_INACCESSIBLE_READ, 0, &krb5_oid,
                          MAP_INIT),
                  SEC_E_INTERNAL_ERROR);
}
END_TEST

/*
 * A KDC reply that does not decode (tests/check_kdc_faults.c:bad_reply,
 * tgs_fault): no usable answer from a KDC while getting a ticket, but a
 * bad token once the peer has spoken. And a KDC that refuses the realm
 * (check_kdc_faults.c:wrong_realm).
 */
START_TEST(kdc_reply_undecodable)
{
    static const krb5_error_code codes[] = {
        ASN1_OVERRUN, ASN1_BAD_ID, ASN1_BAD_LENGTH, ASN1_MISSING_FIELD,
        KRB5KRB_AP_ERR_MSG_TYPE };
    size_t i;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        ck_assert_sec(map_krb5(NULL, codes[i], MAP_ACQUIRE),
                      SEC_E_NO_AUTHENTICATING_AUTHORITY);
        ck_assert_sec(map_gss_first_init(GSS_S_FAILURE,
                                          (OM_uint32)codes[i], &krb5_oid),
                      SEC_E_NO_AUTHENTICATING_AUTHORITY);
        ck_assert_msg(strstr(sspigss_last_error(), "only a KDC's reply")
                      != NULL, "%s", sspigss_last_error());
        /* A later call has read the peer's token: no KDC involved. */
        ck_assert_sec(map_gss(GSS_S_FAILURE, (OM_uint32)codes[i],
                              &krb5_oid, MAP_INIT),
                      SEC_E_INTERNAL_ERROR);
        ck_assert_sec(map_gss(GSS_S_DEFECTIVE_TOKEN, (OM_uint32)codes[i],
                              &krb5_oid, MAP_ACCEPT),
                      SEC_E_INVALID_TOKEN);
        ck_assert_sec(map_gss_first_init(GSS_S_DEFECTIVE_TOKEN,
                                          (OM_uint32)codes[i], &krb5_oid),
                      SEC_E_INVALID_TOKEN);
    }
    /* A KDC that does not serve the realm and names no other. */
    ck_assert_sec(map_krb5(NULL, KRB5KDC_ERR_WRONG_REALM, MAP_ACQUIRE),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_sec(map_gss(GSS_S_FAILURE,
                          (OM_uint32)KRB5KDC_ERR_WRONG_REALM, &krb5_oid,
                          MAP_INIT),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    /* A first call's other failures keep their own rules. */
    ck_assert_sec(map_gss_first_init(GSS_S_FAILURE,
                                      (OM_uint32)KRB5_KDC_UNREACH,
                                      &krb5_oid),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_sec(map_gss_first_init(GSS_S_FAILURE, (OM_uint32)
                                      KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
                                      &krb5_oid),
                  SEC_E_TARGET_UNKNOWN);
    ck_assert_sec(map_gss_first_init(GSS_S_FAILURE, 12345678, &krb5_oid),
                  SEC_E_INTERNAL_ERROR);
    ck_assert_sec(map_gss_first_init(GSS_S_FAILURE, ENOENT, &ntlm_oid),
                  map_gss(GSS_S_FAILURE, ENOENT, &ntlm_oid, MAP_INIT));
}
END_TEST

/*
 * Out of memory inside a krb5 step that MIT reports under a generic code
 * with the cause in the message (tests/torture: a preauth module's
 * allocation failing gives KRB5_PREAUTH_FAILED, "Pre-authentication
 * failed: Cannot allocate memory").
 */
START_TEST(wrapped_out_of_memory)
{
    krb5_context k;
    char buf[128];

    ck_assert_int_eq(krb5_init_context(&k), 0);
    krb5_set_error_message(k, KRB5_PREAUTH_FAILED,
                           "Pre-authentication failed: %s",
                           strerror_r(ENOMEM, buf, sizeof(buf)));
    ck_assert_sec(map_krb5(k, KRB5_PREAUTH_FAILED, MAP_ACQUIRE),
                  SEC_E_INSUFFICIENT_MEMORY);
    ck_assert_msg(strstr(sspigss_last_error(), "Cannot allocate memory")
                  != NULL, "%s", sspigss_last_error());
    /* The same code for another reason keeps its rule. */
    krb5_set_error_message(k, KRB5_PREAUTH_FAILED,
                           "Pre-authentication failed: Permission denied");
    ck_assert_sec(map_krb5(k, KRB5_PREAUTH_FAILED, MAP_ACQUIRE),
                  map_krb5(NULL, KRB5_PREAUTH_FAILED, MAP_ACQUIRE));
    ck_assert_int_ne(map_krb5(NULL, KRB5_PREAUTH_FAILED, MAP_ACQUIRE),
                     SEC_E_INSUFFICIENT_MEMORY);
    krb5_free_context(k);
}
END_TEST

START_TEST(cause_is_recorded)
{
    ck_assert_sec(map_gss(GSS_S_FAILURE,
                          (OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED, &krb5_oid,
                          MAP_ACQUIRE),
                  SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "acquire"));
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "SEC_E_LOGON_DENIED"));
    ck_assert_msg(strstr(sspigss_last_error(), "Preauthentication failed")
                      != NULL, "%s", sspigss_last_error());
    ck_assert_sec(map_krb5(NULL, KRB5_KDC_UNREACH, MAP_INIT),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "KDC"));
}
END_TEST

/* Every PKINIT rule: the client's reason from the trace decides,
 * whatever the call returned. */
START_TEST(every_pkinit_rule)
{
    const struct map_pkinit_rule *r;
    size_t n, i;

    r = map_pkinit_rules(&n);
    ck_assert_uint_gt(n, 10);
    for (i = 0; i < n; i++) {
        struct map_pkinit why = { 0 };
        char text[256];

        snprintf(text, sizeof(text), "Failed to verify (depth 0): %s: x",
                 r[i].text != NULL ? r[i].text : "anything");
        why.pa_type = r[i].pa_type;
        why.pa_code = r[i].code != 0 ? r[i].code
                                     : KRB5KDC_ERR_PREAUTH_FAILED;
        why.pa_text = r[i].pa_type != 0 ? text : "";
        why.token_text = r[i].pa_type == 0 ? r[i].text : "";
        if (r[i].pa_type == 0)
            why.pa_type = 16;
        ck_assert_msg(map_pkinit(NULL, EIO, &why) == r[i].status,
                      "row %zu (%d, %s)", i, r[i].pa_type,
                      r[i].text != NULL ? r[i].text : "any");
        ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                     sspigss_status_name(r[i].status)));
    }
}
END_TEST

/* Which side said what: the KDC's certificate (17) and ours (16) with
 * the same code give different SEC codes; without a reason from the
 * trace the call's own code (the KDC's error) decides. */
START_TEST(pkinit_precedence)
{
    struct map_pkinit why = { 17, KRB5KDC_ERR_REVOKED_CERTIFICATE,
        "Failed to verify received certificate (depth 0): certificate "
        "revoked", "" };
    struct map_pkinit none = { 0, 0, "", "" };

    ck_assert_sec(map_pkinit(NULL, EIO, &why), SEC_E_KDC_CERT_REVOKED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "Failed to verify received certificate"));
    why.pa_type = 16;
    why.pa_text = "Failed to verify own certificate (depth 0): "
                  "certificate revoked";
    ck_assert_sec(map_pkinit(NULL, EIO, &why),
                  SEC_E_SMARTCARD_CERT_REVOKED);
    /* An expired KDC certificate is INVALID_CERTIFICATE plus its text;
     * another invalid one is not called expired. */
    why.pa_type = 17;
    why.pa_code = KRB5KDC_ERR_INVALID_CERTIFICATE;
    why.pa_text = "certificate has expired";
    ck_assert_sec(map_pkinit(NULL, EIO, &why), SEC_E_KDC_CERT_EXPIRED);
    why.pa_text = "certificate signature failure";
    ck_assert_sec(map_pkinit(NULL, EIO, &why), SEC_E_INTERNAL_ERROR);
    /* The KDC refused: its code. */
    ck_assert_sec(map_pkinit(NULL, KRB5KDC_ERR_REVOKED_CERTIFICATE, &none),
                  SEC_E_SMARTCARD_CERT_REVOKED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "Revoked certificate"));
    ck_assert_sec(map_pkinit(NULL, KRB5KDC_ERR_CLIENT_NAME_MISMATCH,
                             &none), SEC_E_PKINIT_NAME_MISMATCH);
    ck_assert_sec(map_pkinit(NULL, KRB5KDC_ERR_PREAUTH_FAILED, &none),
                  SEC_E_LOGON_DENIED);
    ck_assert_sec(map_pkinit(NULL, 0, &none), SEC_E_OK);
    /* A PIN the token refused, whatever the module returned. */
    none.token_text = "pin incorrect";
    ck_assert_sec(map_pkinit(NULL, KRB5KDC_ERR_PREAUTH_FAILED, &none),
                  SEC_E_LOGON_DENIED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(), "pin incorrect"));
}
END_TEST

/* A password logon the KDC wants hardware for: no PA-DATA type a
 * password answers. */
START_TEST(hwauth_rule)
{
    static const int32_t pkinit_only[] = { 16, 136, 19, 150, 133 };
    static const int32_t with_ts[] = { 16, 2, 136 };
    static const int32_t with_chal[] = { 138 };
    static const int32_t with_spake[] = { 151, 16 };
    SECURITY_STATUS st = SEC_E_OK;

    ck_assert(map_hwauth_required(NULL, EINVAL, pkinit_only, 5, &st));
    ck_assert_sec(st, SEC_E_SMARTCARD_LOGON_REQUIRED);
    ck_assert_ptr_nonnull(strstr(sspigss_last_error(),
                                 "a password cannot give"));
    st = SEC_E_OK;
    ck_assert(!map_hwauth_required(NULL, EINVAL, with_ts, 3, &st));
    ck_assert(!map_hwauth_required(NULL, EINVAL, with_chal, 1, &st));
    ck_assert(!map_hwauth_required(NULL, EINVAL, with_spake, 2, &st));
    ck_assert_sec(st, SEC_E_OK);
}
END_TEST

static Suite *
map_suite(void)
{
    Suite *s = suite_create("map_gss");
    TCase *tc = tcase_create("rules");

    tcase_add_test(tc, every_minor_rule);
    tcase_add_test(tc, private_error_tables);
    tcase_add_test(tc, mechanism_decides_the_table);
    tcase_add_test(tc, rules_beyond_the_minor);
    tcase_add_test(tc, tls_rules);
    tcase_add_test(tc, routine_defaults);
    tcase_add_test(tc, supplementary_bits_are_flags);
    tcase_add_test(tc, minor_refines_by_operation);
    tcase_add_test(tc, cause_is_recorded);
    tcase_add_test(tc, kdc_reply_undecodable);
    tcase_add_test(tc, wrapped_out_of_memory);
    tcase_add_test(tc, every_pkinit_rule);
    tcase_add_test(tc, pkinit_precedence);
    tcase_add_test(tc, hwauth_rule);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(map_suite());
}
