/*
 * api_cred.c - marshaled credentials: CredMarshalCredentialA/W,
 * CredUnmarshalCredentialA/W, CredIsMarshaledCredentialA/W, CredFree.
 *
 * The format (no Microsoft page describes it; Wine's advapi32 tests
 * record it from Windows, dlls/advapi32/tests/cred.c,
 * test_CredMarshalCredentialA and test_CredUnmarshalCredentialA, whose
 * vectors tests/check_cred.c repeats):
 *
 *   "@@" + one character for the CRED_MARSHAL_TYPE + the encoded data
 *
 * Every number below is a character of a 64-character alphabet, 'A'-'Z'
 * (0-25), 'a'-'z' (26-51), '0'-'9' (52-61), '#' (62), '-' (63). Bytes
 * are encoded as a little-endian bit string cut into 6-bit groups from
 * the lowest bit up, the last group padded with zero bits: n bytes take
 * ceil(8n / 6) characters. A CertCredential ('B') is the 20-byte hash
 * (27 characters); a UsernameTargetCredential ('C') is the user name's
 * byte count (UTF-16, no NUL) as 4 little-endian bytes (6 characters),
 * then those bytes. Decoding wants exactly that many characters and
 * ignores the padding bits (Windows reads "@@CEAAAAA0BQZAQ" as "te").
 *
 * Errors are Win32 codes for GetLastError() (compat/windows.h), as
 * Windows sets them in the same tests.
 */
#include "setup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/wincred.h>

#include "certcred.h"
#include "internal.h"

/* The Win32 last error (defined in api_crypt32.c). */
extern _Thread_local DWORD sspigss_compat_last_error;

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789#-";

/* Characters that n bytes take. */
static size_t
enc_len(size_t n)
{
    return (n * 8 + 5) / 6;
}

static int
char_value(char c)
{
    const char *p;

    if (c == '\0')
        return -1;
    p = strchr(alphabet, c);
    return p != NULL ? (int)(p - alphabet) : -1;
}

/* Encode n bytes at in into enc_len(n) characters at out. */
static void
encode(const unsigned char *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < enc_len(n); i++) {
        size_t bit = i * 6, byte = bit / 8;
        unsigned shift = bit % 8;
        unsigned v = in[byte] >> shift;

        if (shift > 2 && byte + 1 < n)
            v |= (unsigned)in[byte + 1] << (8 - shift);
        out[i] = alphabet[v & 63];
    }
}

/* Decode exactly enc_len(n) characters at in into n bytes; false when a
 * character is outside the alphabet. */
static bool
decode(const char *in, size_t n, unsigned char *out)
{
    size_t i;

    memset(out, 0, n);
    for (i = 0; i < enc_len(n); i++) {
        size_t bit = i * 6, byte = bit / 8;
        unsigned shift = bit % 8;
        int v = char_value(in[i]);

        if (v < 0)
            return false;
        out[byte] |= (unsigned char)(v << shift);
        if (shift > 2 && byte + 1 < n)
            out[byte + 1] |= (unsigned char)(v >> (8 - shift));
    }
    return true;
}

static void
fail(const char *func, DWORD code, const char *why)
{
    sspigss_compat_last_error = code;
    trace_cause("%s: %s -> GetLastError() %u", func, why, (unsigned)code);
}

/*
 * The marshaled form of a credential as a new UTF-8 string (ASCII), or
 * NULL with the last error set.
 */
static char *
marshal(const char *func, CRED_MARSHAL_TYPE type, const void *cred)
{
    unsigned char *bytes = NULL;
    size_t n;
    char *s = NULL;

    if (cred == NULL) {
        fail(func, ERROR_INVALID_PARAMETER, "no credential");
        return NULL;
    }
    if (type == CertCredential) {
        const CERT_CREDENTIAL_INFO *c = cred;

        if (c->cbSize < sizeof(*c)) {
            fail(func, ERROR_INVALID_PARAMETER, "cbSize too small");
            return NULL;
        }
        s = malloc(3 + enc_len(CERT_HASH_LENGTH) + 1);
        if (s == NULL) {
            fail(func, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
            return NULL;
        }
        encode(c->rgbHashOfCert, CERT_HASH_LENGTH, s + 3);
        s[3 + enc_len(CERT_HASH_LENGTH)] = '\0';
    } else if (type == UsernameTargetCredential) {
        const USERNAME_TARGET_CREDENTIAL_INFO *u = cred;
        unsigned char len[4];
        size_t units, i;

        if (u->UserName == NULL || u->UserName[0] == 0) {
            fail(func, ERROR_INVALID_PARAMETER, "no user name");
            return NULL;
        }
        units = wstr_len(u->UserName);
        if (units > UINT32_MAX / 2) {
            fail(func, ERROR_INVALID_PARAMETER, "user name too long");
            return NULL;
        }
        n = units * 2;
        bytes = malloc(n);
        s = malloc(3 + enc_len(4) + enc_len(n) + 1);
        if (bytes == NULL || s == NULL) {
            free(bytes);
            free(s);
            fail(func, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
            return NULL;
        }
        for (i = 0; i < units; i++) {       /* UTF-16LE */
            bytes[2 * i] = (unsigned char)(u->UserName[i] & 0xff);
            bytes[2 * i + 1] = (unsigned char)(u->UserName[i] >> 8);
        }
        for (i = 0; i < 4; i++)
            len[i] = (unsigned char)((n >> (8 * i)) & 0xff);
        encode(len, 4, s + 3);
        encode(bytes, n, s + 3 + enc_len(4));
        s[3 + enc_len(4) + enc_len(n)] = '\0';
        free(bytes);
    } else if (type == BinaryBlobCredential
               || type == UsernameForPackedCredentials
               || type == BinaryBlobForSystem) {
        /* Their encoding is not recorded anywhere we could check. */
        fail(func, ERROR_NOT_SUPPORTED, "credential type not supported");
        return NULL;
    } else {
        fail(func, ERROR_INVALID_PARAMETER, "unknown credential type");
        return NULL;
    }
    s[0] = '@';
    s[1] = '@';
    s[2] = alphabet[type];
    return s;
}

/*
 * Unmarshal s (UTF-8). *type is the type the string names (0 when it
 * names none); returns the new credential, or NULL with the last error
 * set (func NULL: no last error, no trace).
 */
static void *
unmarshal(const char *func, const char *s, CRED_MARSHAL_TYPE *type)
{
    size_t len;
    int t;

    *type = (CRED_MARSHAL_TYPE)0;
    if (s == NULL || s[0] != '@' || s[1] != '@'
        || (t = char_value(s[2])) < 0)
        goto bad;
    *type = (CRED_MARSHAL_TYPE)t;
    s += 3;
    len = strlen(s);
    if (t == CertCredential) {
        CERT_CREDENTIAL_INFO *c;

        if (len != enc_len(CERT_HASH_LENGTH))
            goto bad;
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            goto nomem;
        c->cbSize = sizeof(*c);
        if (!decode(s, CERT_HASH_LENGTH, c->rgbHashOfCert)) {
            free(c);
            goto bad;
        }
        return c;
    }
    if (t == UsernameTargetCredential) {
        USERNAME_TARGET_CREDENTIAL_INFO *u;
        unsigned char lb[4], *bytes;
        size_t n, i;
        WCHAR *w;

        if (len < enc_len(4) || !decode(s, 4, lb))
            goto bad;
        n = (size_t)lb[0] | (size_t)lb[1] << 8 | (size_t)lb[2] << 16
            | (size_t)lb[3] << 24;
        /* A non-empty whole number of UTF-16 units, exactly encoded. */
        if (n == 0 || n % 2 != 0 || n > len
            || len - enc_len(4) != enc_len(n))
            goto bad;
        /* One block: the struct, then the NUL-terminated name. */
        u = malloc(sizeof(*u) + n + sizeof(WCHAR));
        bytes = malloc(n);
        if (u == NULL || bytes == NULL) {
            free(u);
            free(bytes);
            goto nomem;
        }
        if (!decode(s + enc_len(4), n, bytes)) {
            free(u);
            free(bytes);
            goto bad;
        }
        w = (WCHAR *)(u + 1);
        for (i = 0; i < n / 2; i++)
            w[i] = (WCHAR)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        w[n / 2] = 0;
        u->UserName = w;
        free(bytes);
        return u;
    }
bad:
    if (func != NULL)
        fail(func, ERROR_INVALID_PARAMETER, "not a marshaled credential");
    return NULL;
nomem:
    if (func != NULL)
        fail(func, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
    return NULL;
}

bool
certcred_unmarshal_hash(const char *user, unsigned char hash[20])
{
    CRED_MARSHAL_TYPE type;
    CERT_CREDENTIAL_INFO *c = unmarshal(NULL, user, &type);

    if (c == NULL || type != CertCredential) {
        free(c);
        return false;
    }
    memcpy(hash, c->rgbHashOfCert, CERT_HASH_LENGTH);
    free(c);
    return true;
}

SSPIGSS_EXPORT BOOL WINAPI
CredMarshalCredentialA(CRED_MARSHAL_TYPE CredType, PVOID Credential,
                       LPSTR *MarshaledCredential)
{
    char *s;

    if (MarshaledCredential == NULL) {
        fail(__func__, ERROR_INVALID_PARAMETER, "no output pointer");
        return FALSE;
    }
    s = marshal(__func__, CredType, Credential);
    if (s == NULL)
        return FALSE;
    *MarshaledCredential = s;
    return TRUE;
}

SSPIGSS_EXPORT BOOL WINAPI
CredMarshalCredentialW(CRED_MARSHAL_TYPE CredType, PVOID Credential,
                       LPWSTR *MarshaledCredential)
{
    char *s;
    WCHAR *w = NULL;

    if (MarshaledCredential == NULL) {
        fail(__func__, ERROR_INVALID_PARAMETER, "no output pointer");
        return FALSE;
    }
    s = marshal(__func__, CredType, Credential);
    if (s == NULL)
        return FALSE;
    if (utf8_to_utf16(s, (size_t)-1, &w, NULL) != SEC_E_OK) {
        free(s);
        fail(__func__, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
        return FALSE;
    }
    free(s);
    *MarshaledCredential = w;
    return TRUE;
}

SSPIGSS_EXPORT BOOL WINAPI
CredUnmarshalCredentialA(LPCSTR MarshaledCredential,
                         PCRED_MARSHAL_TYPE CredType, PVOID *Credential)
{
    CRED_MARSHAL_TYPE type;
    void *c;

    if (MarshaledCredential == NULL || CredType == NULL
        || Credential == NULL) {
        fail(__func__, ERROR_INVALID_PARAMETER, "NULL argument");
        return FALSE;
    }
    *Credential = NULL;
    c = unmarshal(__func__, MarshaledCredential, &type);
    *CredType = type;
    if (c == NULL)
        return FALSE;
    *Credential = c;
    return TRUE;
}

/* A wide string as UTF-8 for the unmarshaler, or NULL (not a credential:
 * malformed UTF-16 or no memory, which the caller reports as invalid). */
static char *
narrow(LPCWSTR w)
{
    char *s = NULL;

    if (utf16_to_utf8(w, (size_t)-1, &s, NULL) != SEC_E_OK)
        return NULL;
    return s;
}

SSPIGSS_EXPORT BOOL WINAPI
CredUnmarshalCredentialW(LPCWSTR MarshaledCredential,
                         PCRED_MARSHAL_TYPE CredType, PVOID *Credential)
{
    CRED_MARSHAL_TYPE type;
    char *s;
    void *c;

    if (MarshaledCredential == NULL || CredType == NULL
        || Credential == NULL) {
        fail(__func__, ERROR_INVALID_PARAMETER, "NULL argument");
        return FALSE;
    }
    *Credential = NULL;
    s = narrow(MarshaledCredential);
    c = unmarshal(__func__, s != NULL ? s : "", &type);
    free(s);
    *CredType = type;
    if (c == NULL)
        return FALSE;
    *Credential = c;
    return TRUE;
}

SSPIGSS_EXPORT BOOL WINAPI
CredIsMarshaledCredentialA(LPCSTR MarshaledCredential)
{
    CRED_MARSHAL_TYPE type;
    void *c = unmarshal(__func__, MarshaledCredential, &type);

    free(c);
    return c != NULL;
}

SSPIGSS_EXPORT BOOL WINAPI
CredIsMarshaledCredentialW(LPCWSTR MarshaledCredential)
{
    CRED_MARSHAL_TYPE type;
    char *s = MarshaledCredential != NULL ? narrow(MarshaledCredential)
                                          : NULL;
    void *c = unmarshal(__func__, s, &type);

    free(s);
    free(c);
    return c != NULL;
}

SSPIGSS_EXPORT VOID WINAPI
CredFree(PVOID Buffer)
{
    free(Buffer);
}
