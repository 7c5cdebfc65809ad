/*
 * krb_edata.h - the NTSTATUS an Active Directory KDC puts in a KRB-ERROR.
 *
 * AD (and Samba's AD DC) explain many AS-REQ refusals only in the error's
 * e-data: KDC_ERR_CLIENT_REVOKED stands for a disabled, expired or locked
 * account, and which one is an NTSTATUS inside a KERB-EXT-ERROR (MS-KILE
 * 2.2.1-2.2.2). It arrives in two encodings, both accepted:
 *   - KERB-ERROR-DATA ::= SEQUENCE { data-type [1] INTEGER (3),
 *                                    data-value [2] OCTET STRING }
 *   - METHOD-DATA (SEQUENCE OF PA-DATA) holding a PA-DATA of type 3 with
 *     the same octets (what Samba sends);
 * where the octets are KERB-EXT-ERROR: NTSTATUS, reserved, flags, each
 * 32 bits little-endian.
 */
#ifndef SSPIGSS_KRB_EDATA_H
#define SSPIGSS_KRB_EDATA_H

#include "setup.h"

/*
 * Find the NTSTATUS in a KRB-ERROR's e-data. Returns true and sets
 * *ntstatus when the e-data (len bytes, untrusted) holds a well-formed
 * KERB-EXT-ERROR with an error status; false otherwise. Never reads
 * outside [edata, edata + len).
 */
bool krb_edata_ntstatus(const void *edata, size_t len, uint32_t *ntstatus);

/*
 * The PA-DATA types a KRB-ERROR's e-data lists when it is METHOD-DATA (a
 * KDC_ERR_PREAUTH_REQUIRED's: the preauthentication the KDC accepts).
 * Returns true and sets types[0..*n) (at most max; more are dropped)
 * when the e-data (len bytes, untrusted) is well-formed METHOD-DATA;
 * false otherwise. Never reads outside [edata, edata + len).
 */
bool krb_edata_padata_types(const void *edata, size_t len, int32_t *types,
                            size_t max, size_t *n);

/* Symbolic name of an NTSTATUS the KDC reports for logon failures
 * ("STATUS_ACCOUNT_DISABLED"), or NULL when it is not one of them. */
const char *krb_ntstatus_name(uint32_t ntstatus);

#endif /* SSPIGSS_KRB_EDATA_H */
