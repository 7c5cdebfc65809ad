/*
 * certcred.h - certificate credentials (smart card logon) for the
 * Kerberos package: from a marshaled credential's certificate hash to an
 * identity MIT's PKINIT can use.
 */
#ifndef SSPIGSS_CERTCRED_H
#define SSPIGSS_CERTCRED_H

#include "setup.h"

#include <sspigss/sspigss.h>

#define CERTCRED_HASH_LEN 20

/*
 * True when user is a marshaled CertCredential ("@@B...",
 * CredMarshalCredential); hash receives the certificate's SHA-1 hash.
 * (lib/api_cred.c)
 */
bool certcred_unmarshal_hash(const char *user,
                             unsigned char hash[CERTCRED_HASH_LEN]);

/* A certificate found for a hash. All strings malloc'ed. */
struct certcred {
    /* MIT PKINIT identity (X509_user_identity): PKCS11:module_name=...:
     * slotid=N:certid=HEX, FILE:path or PKCS12:path */
    char *identity;
    /* The client principal the certificate names: its id-pkinit-san
     * (RFC 4556 3.2.2), else its Microsoft UPN (realm upper-cased), else
     * NULL. */
    char *principal;
};

/*
 * Find the certificate whose DER encoding has SHA-1 hash hash among the
 * certificates sspigss can see, in this order (docs/pkinit.md):
 *   1. the tokens of the PKCS#11 module SSPIGSS_PKCS11_MODULE names (a
 *      path), else of p11-kit's proxy module (every module p11-kit is
 *      configured with);
 *   2. the personal file store, the directory SSPIGSS_CERT_STORE_MY
 *      names (docs/crypt32.md): PEM files holding the certificate and its
 *      key, and PKCS #12 files.
 * Returns SEC_E_OK and fills *out (certcred_clear frees it);
 * SEC_E_NO_CREDENTIALS when no store has it (the reason is traced);
 * SEC_E_INSUFFICIENT_MEMORY.
 */
SECURITY_STATUS certcred_find(const unsigned char hash[CERTCRED_HASH_LEN],
                              struct certcred *out);

/* Free what certcred_find filled in; accepts a zeroed struct. */
void certcred_clear(struct certcred *c);

/* The principal a DER certificate names (as struct certcred), or NULL. */
char *certcred_principal(const unsigned char *der, size_t len);

#endif /* SSPIGSS_CERTCRED_H */
