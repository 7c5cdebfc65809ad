/*
 * smartcard_logon.c - smart card logon the way Windows programs do it:
 * the card's certificate, named by its SHA-1 hash, marshaled with
 * CredMarshalCredential as the user name of a SEC_WINNT_AUTH_IDENTITY,
 * the PIN as its password; AcquireCredentialsHandle for Kerberos and the
 * first InitializeSecurityContext, which logs on (PKINIT) and makes the
 * AP-REQ for the service.
 *
 * Windows code, built UNICODE: on Windows with
 *     cl /DUNICODE /D_UNICODE smartcard_logon.c secur32.lib advapi32.lib
 * and on Linux against sspigss (docs/pkinit.md says where the
 * certificate is looked for):
 *     cc -DUNICODE -D_UNICODE -o smartcard_logon smartcard_logon.c \
 *         $(pkg-config --cflags --libs sspigss)
 *
 *     smartcard_logon SHA1-HEX PIN SPN
 *
 * Prints each call's status; exit status 0 when the AP-REQ was made, 1
 * otherwise. tests/check_pkinit.sh runs it against the test token.
 */
#define SECURITY_WIN32
#include <windows.h>
#include <wincred.h>
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An ASCII command-line argument as a wide string (Windows programs
 * would take it from wmain). */
static WCHAR *
widen(const char *s)
{
    size_t n = strlen(s), i;
    WCHAR *w = (WCHAR *)malloc((n + 1) * sizeof(WCHAR));

    if (w == NULL)
        return NULL;
    for (i = 0; i <= n; i++)
        w[i] = (WCHAR)(unsigned char)s[i];
    return w;
}

static ULONG
wlen(const WCHAR *s)
{
    ULONG n = 0;

    while (s[n])
        n++;
    return n;
}

static int
fail(const char *call, SECURITY_STATUS st)
{
    fprintf(stderr, "smartcard_logon: %s failed: 0x%08lX\n", call,
            (unsigned long)(ULONG)st);
    return 1;
}

int
main(int argc, char **argv)
{
    CERT_CREDENTIAL_INFO cert;
    SEC_WINNT_AUTH_IDENTITY_W id;
    LPWSTR user = NULL;
    WCHAR *pin, *spn;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SecBuffer out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
    ULONG attrs = 0;
    SECURITY_STATUS st;
    unsigned i, x;

    if (argc != 4 || strlen(argv[1]) != 2 * CERT_HASH_LENGTH) {
        fprintf(stderr, "usage: smartcard_logon SHA1-HEX PIN SPN\n");
        return 2;
    }
    memset(&cert, 0, sizeof(cert));
    cert.cbSize = sizeof(cert);
    for (i = 0; i < CERT_HASH_LENGTH; i++) {
        if (sscanf(argv[1] + 2 * i, "%2x", &x) != 1)
            return 2;
        cert.rgbHashOfCert[i] = (UCHAR)x;
    }
    if (!CredMarshalCredentialW(CertCredential, &cert, &user)) {
        fprintf(stderr, "smartcard_logon: CredMarshalCredentialW failed: "
                "%lu\n", (unsigned long)GetLastError());
        return 1;
    }
    printf("CredMarshalCredentialW: OK\n");
    pin = widen(argv[2]);
    spn = widen(argv[3]);
    if (pin == NULL || spn == NULL)
        return 1;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned short *)user;
    id.UserLength = wlen(user);
    id.Password = (unsigned short *)pin;
    id.PasswordLength = wlen(pin);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    st = AcquireCredentialsHandleW(NULL, (LPWSTR)TEXT("Kerberos"),
                                   SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                   NULL, &cred, &expiry);
    SecureZeroMemory(pin, wlen(pin) * sizeof(WCHAR));
    CredFree(user);
    if (st != SEC_E_OK)
        return fail("AcquireCredentialsHandleW", st);
    printf("AcquireCredentialsHandleW: 0x%08lX\n", (unsigned long)(ULONG)st);

    st = InitializeSecurityContextW(&cred, NULL, spn,
                                    ISC_REQ_MUTUAL_AUTH
                                    | ISC_REQ_CONFIDENTIALITY
                                    | ISC_REQ_ALLOCATE_MEMORY, 0,
                                    SECURITY_NATIVE_DREP, NULL, 0, &ctx,
                                    &outd, &attrs, &expiry);
    printf("InitializeSecurityContextW: 0x%08lX\n",
           (unsigned long)(ULONG)st);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        FreeCredentialsHandle(&cred);
        return fail("InitializeSecurityContextW", st);
    }
    printf("AP-REQ for the service: %lu bytes\n",
           (unsigned long)out.cbBuffer);
    FreeContextBuffer(out.pvBuffer);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    free(pin);
    free(spn);
    return 0;
}
