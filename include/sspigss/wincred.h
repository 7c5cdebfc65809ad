/*
 * wincred.h - the marshaled-credential part of Windows' credential API
 * (advapi32): how a program names a certificate (a smart card's) where a
 * user name is expected. CredMarshalCredential turns the SHA-1 hash of a
 * certificate into a string "@@B..." that the program passes as the user
 * name of a SEC_WINNT_AUTH_IDENTITY to AcquireCredentialsHandle, with the
 * card's PIN as the password; the Kerberos and Negotiate packages then log
 * on with that certificate (PKINIT, docs/pkinit.md).
 *
 * Names, values and layouts are Windows' (MicrosoftDocs sdk-api
 * wincred.h: CredMarshalCredentialW, CRED_MARSHAL_TYPE,
 * CERT_CREDENTIAL_INFO, USERNAME_TARGET_CREDENTIAL_INFO). The credential
 * store itself (CredRead, CredWrite, ...) is not provided.
 */
#ifndef SSPIGSS_WINCRED_H
#define SSPIGSS_WINCRED_H

#include "wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The length of a certificate's SHA-1 hash (CERT_CREDENTIAL_INFO). */
#define CERT_HASH_LENGTH 20

typedef enum _CRED_MARSHAL_TYPE {
    CertCredential = 1,
    UsernameTargetCredential,
    BinaryBlobCredential,
    UsernameForPackedCredentials,
    BinaryBlobForSystem
} CRED_MARSHAL_TYPE, *PCRED_MARSHAL_TYPE;

/* A certificate, by the SHA-1 hash of its DER encoding. */
typedef struct _CERT_CREDENTIAL_INFO {
    ULONG cbSize;               /* sizeof(CERT_CREDENTIAL_INFO) */
    UCHAR rgbHashOfCert[CERT_HASH_LENGTH];
} CERT_CREDENTIAL_INFO, *PCERT_CREDENTIAL_INFO;

/* A user name whose password the credential manager holds. */
typedef struct _USERNAME_TARGET_CREDENTIAL_INFO {
    LPWSTR UserName;
} USERNAME_TARGET_CREDENTIAL_INFO, *PUSERNAME_TARGET_CREDENTIAL_INFO;

typedef struct _BINARY_BLOB_CREDENTIAL_INFO {
    ULONG cbBlob;
    LPBYTE pbBlob;
} BINARY_BLOB_CREDENTIAL_INFO, *PBINARY_BLOB_CREDENTIAL_INFO;

/*
 * CredMarshalCredentialA/W: Credential points to a CERT_CREDENTIAL_INFO
 * (CredType CertCredential; cbSize at least its size) or a
 * USERNAME_TARGET_CREDENTIAL_INFO (UsernameTargetCredential; a non-empty
 * UserName). On success *MarshaledCredential is a new string the caller
 * frees with CredFree. Failures return FALSE and leave *MarshaledCredential
 * unchanged; GetLastError() is ERROR_INVALID_PARAMETER (bad arguments),
 * ERROR_NOT_SUPPORTED (BinaryBlobCredential and the later types) or
 * ERROR_NOT_ENOUGH_MEMORY.
 *
 * CredUnmarshalCredentialA/W: the reverse. *CredType is set whenever the
 * string names a type (also when the rest is malformed, as on Windows);
 * on success *Credential is a new CERT_CREDENTIAL_INFO or
 * USERNAME_TARGET_CREDENTIAL_INFO (one allocation, strings included) the
 * caller frees with CredFree; on failure it is NULL and GetLastError() is
 * ERROR_INVALID_PARAMETER.
 *
 * CredIsMarshaledCredentialA/W: TRUE when the string unmarshals.
 * CredFree: frees what the functions above returned; NULL is ignored.
 */
BOOL WINAPI
CredMarshalCredentialA(CRED_MARSHAL_TYPE CredType, PVOID Credential,
                       LPSTR *MarshaledCredential);
BOOL WINAPI
CredMarshalCredentialW(CRED_MARSHAL_TYPE CredType, PVOID Credential,
                       LPWSTR *MarshaledCredential);
BOOL WINAPI
CredUnmarshalCredentialA(LPCSTR MarshaledCredential,
                         PCRED_MARSHAL_TYPE CredType, PVOID *Credential);
BOOL WINAPI
CredUnmarshalCredentialW(LPCWSTR MarshaledCredential,
                         PCRED_MARSHAL_TYPE CredType, PVOID *Credential);
BOOL WINAPI
CredIsMarshaledCredentialA(LPCSTR MarshaledCredential);
BOOL WINAPI
CredIsMarshaledCredentialW(LPCWSTR MarshaledCredential);
VOID WINAPI
CredFree(PVOID Buffer);

#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED 50
#endif

#ifdef UNICODE
#define CredMarshalCredential CredMarshalCredentialW
#define CredUnmarshalCredential CredUnmarshalCredentialW
#define CredIsMarshaledCredential CredIsMarshaledCredentialW
#else
#define CredMarshalCredential CredMarshalCredentialA
#define CredUnmarshalCredential CredUnmarshalCredentialA
#define CredIsMarshaledCredential CredIsMarshaledCredentialA
#endif

#ifdef __cplusplus
}
#endif

#endif /* SSPIGSS_WINCRED_H */
