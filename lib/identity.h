/*
 * identity.h - explicit credentials given to AcquireCredentialsHandle.
 *
 * pAuthData of the Kerberos, Negotiate and NTLM packages may point to a
 * SEC_WINNT_AUTH_IDENTITY_A/W or SEC_WINNT_AUTH_IDENTITY_EXA/EXW. The
 * structure is told apart by its first member (Version ==
 * SEC_WINNT_AUTH_IDENTITY_VERSION for the EX forms, as Windows does) and
 * its strings' encoding by Flags (ANSI or UNICODE), not by which entry
 * point was called: Windows' W entry point accepts an ANSI identity (Wine
 * dlls/secur32/tests/ntlm.c, testAcquireCredentialsHandleW).
 *
 * SEC_WINNT_AUTH_IDENTITY_EX2 (Version SEC_WINNT_AUTH_IDENTITY_VERSION_2)
 * is one contiguous block: a header of offsets and byte lengths, the
 * strings, and a SEC_WINNT_AUTH_PACKED_CREDENTIALS whose CredType says
 * what its data is: a password (UTF-16LE) or a keytab. Other types are
 * refused.
 */
#ifndef SSPIGSS_IDENTITY_H
#define SSPIGSS_IDENTITY_H

#include "setup.h"

#include <sspigss/sspigss.h>

struct identity {
    char *user;             /* UTF-8, NULL when not given */
    char *domain;           /* UTF-8, NULL when not given */
    char *password;         /* UTF-8 secret, NULL when not given */
    char *package_list;     /* EX forms: "Kerberos,!NTLM", or NULL */
    /* EX2 with SEC_WINNT_AUTH_DATA_TYPE_KEYTAB: the keytab's bytes, as
     * MIT writes a keytab file (a secret: wiped when freed), or NULL. */
    unsigned char *keytab;
    size_t keytab_len;
};

/*
 * Copy the identity pAuthData points to into *id (all strings UTF-8,
 * freshly allocated). Returns SEC_E_OK; SEC_E_UNKNOWN_CREDENTIALS for a
 * structure with neither the ANSI nor the UNICODE flag, an unknown
 * Version or malformed strings, and for an EX2 block that is malformed
 * (a part outside cbStructureLength or inside the header, an odd UTF-16
 * byte count), has no packed credential, or one of a type other than
 * password or keytab; SEC_E_INSUFFICIENT_MEMORY. An EX2 block is trusted
 * to be cbStructureLength bytes long, as Windows trusts it. On failure
 * *id holds nothing.
 */
SECURITY_STATUS identity_from_auth_data(const void *auth_data,
                                        struct identity *id);

/* Free the strings, wiping the password and keytab. Accepts a zeroed
 * struct. */
void identity_clear(struct identity *id);

/*
 * The Kerberos principal an identity names: "user@REALM". The user may
 * be "user", "user@realm" (a UPN: the part after @ is the realm, upper-
 * cased) or "DOMAIN\\user"; otherwise the Domain field gives the realm,
 * upper-cased as Kerberos realms are (MS-KILE 3.1.1.2). A NetBIOS-style
 * domain (no dot) that is the first label of default_realm (may be NULL)
 * stands for default_realm, as "SSPIGSS\alice" stands for
 * alice@SSPIGSS.TEST. With no realm at all, *out is the bare user and the
 * library's default realm applies. Returns SEC_E_OK,
 * SEC_E_UNKNOWN_CREDENTIALS (no user name), or SEC_E_INSUFFICIENT_MEMORY.
 */
SECURITY_STATUS identity_krb5_principal(const struct identity *id,
                                        const char *default_realm,
                                        char **out);

#endif /* SSPIGSS_IDENTITY_H */
