/*
 * winclient.c - an SSPI client written the way Windows programs are:
 * TCHAR strings, the unsuffixed names that follow UNICODE, SecBufferDesc
 * arrays on the stack, FormatMessage for errors. It is not run; it shows
 * that such code builds unchanged against sspigss (tests/samples/
 * build-winclient.sh builds it as C11 and C++17, ANSI and UNICODE, with
 * warnings as errors, and links it against libsspigss).
 *
 * What it would do: list the packages, get Negotiate credentials for an
 * explicit user, produce the first token for an SPN, seal a message with
 * the context's sizes, and open a Schannel client credential.
 */
#define SECURITY_WIN32
#include <windows.h>
#include <security.h>
#include <schannel.h>
#include <tchar.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a TCHAR string: UTF-8 as is, UTF-16 narrowed (ASCII is enough
 * for a sample). */
static void
put_tstr(const TCHAR *s)
{
#ifdef UNICODE
    for (; *s; s++)
        putchar(*s < 0x80 ? (int)*s : '?');
#else
    fputs(s, stdout);
#endif
}

static size_t
tstr_len(const TCHAR *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* Report a failed call with the system's text for the status. */
static void
report(const TCHAR *what, SECURITY_STATUS status)
{
    LPTSTR text = NULL;
    DWORD n;

    put_tstr(what);
    printf(" failed: 0x%08lX\n", (unsigned long)(DWORD)status);
    n = FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM |
                          FORMAT_MESSAGE_ALLOCATE_BUFFER |
                          FORMAT_MESSAGE_IGNORE_INSERTS,
                      NULL, (DWORD)status,
                      MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                      (LPTSTR)&text, 0, NULL);
    if (n == 0) {
        printf("  (no message: error %lu)\n", (unsigned long)GetLastError());
        return;
    }
    printf("  ");
    put_tstr(text);
    LocalFree(text);
}

static int
list_packages(void)
{
    ULONG count = 0, i;
    PSecPkgInfo packages = NULL;
    PSecPkgInfo info = NULL;
    SECURITY_STATUS status;

    status = EnumerateSecurityPackages(&count, &packages);
    if (status != SEC_E_OK) {
        report(TEXT("EnumerateSecurityPackages"), status);
        return -1;
    }
    for (i = 0; i < count; i++) {
        put_tstr(packages[i].Name);
        printf(": max token %lu, capabilities 0x%08lx\n",
               (unsigned long)packages[i].cbMaxToken,
               (unsigned long)packages[i].fCapabilities);
    }
    FreeContextBuffer(packages);

    status = QuerySecurityPackageInfo((LPTSTR)NEGOSSP_NAME, &info);
    if (status != SEC_E_OK) {
        report(TEXT("QuerySecurityPackageInfo"), status);
        return -1;
    }
    printf("Negotiate: cbMaxToken %lu\n", (unsigned long)info->cbMaxToken);
    FreeContextBuffer(info);
    return 0;
}

static int
negotiate(const TCHAR *user, const TCHAR *domain, const TCHAR *password,
          const TCHAR *spn)
{
    SEC_WINNT_AUTH_IDENTITY identity;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SecBuffer out_buf, msg_buf[3];
    SecBufferDesc out_desc, msg_desc;
    SecPkgContext_Sizes sizes;
    ULONG attrs = 0;
    SECURITY_STATUS status;
    BYTE *token = NULL, *trailer = NULL, *padding = NULL;
    char message[] = "hello from a Windows-style client";
    int rc = -1;

    SecInvalidateHandle(&cred);
    SecInvalidateHandle(&ctx);

    ZeroMemory(&identity, sizeof(identity));
#ifdef UNICODE
    identity.User = (unsigned short *)user;
    identity.Domain = (unsigned short *)domain;
    identity.Password = (unsigned short *)password;
    identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
#else
    identity.User = (unsigned char *)user;
    identity.Domain = (unsigned char *)domain;
    identity.Password = (unsigned char *)password;
    identity.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
#endif
    identity.UserLength = (ULONG)tstr_len(user);
    identity.DomainLength = (ULONG)tstr_len(domain);
    identity.PasswordLength = (ULONG)tstr_len(password);

    status = AcquireCredentialsHandle(NULL, (LPTSTR)NEGOSSP_NAME,
                                      SECPKG_CRED_OUTBOUND, NULL, &identity,
                                      NULL, NULL, &cred, &expiry);
    if (status != SEC_E_OK) {
        report(TEXT("AcquireCredentialsHandle"), status);
        goto out;
    }

    token = (BYTE *)malloc(48000);
    if (token == NULL)
        goto out;
    out_buf.BufferType = SECBUFFER_TOKEN;
    out_buf.cbBuffer = 48000;
    out_buf.pvBuffer = token;
    out_desc.ulVersion = SECBUFFER_VERSION;
    out_desc.cBuffers = 1;
    out_desc.pBuffers = &out_buf;

    status = InitializeSecurityContext(
        &cred, NULL, (LPTSTR)spn,
        ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH |
            ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT,
        0, SECURITY_NATIVE_DREP, NULL, 0, &ctx, &out_desc, &attrs, &expiry);
    if (status == SEC_I_COMPLETE_NEEDED ||
        status == SEC_I_COMPLETE_AND_CONTINUE)
        status = CompleteAuthToken(&ctx, &out_desc);
    if (status == SEC_I_CONTINUE_NEEDED) {
        /* A real client sends out_buf to the server here and loops. */
        printf("first token: %lu bytes\n", (unsigned long)out_buf.cbBuffer);
        goto out;
    }
    if (status != SEC_E_OK) {
        report(TEXT("InitializeSecurityContext"), status);
        goto out;
    }

    status = QueryContextAttributes(&ctx, SECPKG_ATTR_SIZES, &sizes);
    if (status != SEC_E_OK) {
        report(TEXT("QueryContextAttributes"), status);
        goto out;
    }
    trailer = (BYTE *)malloc(sizes.cbSecurityTrailer);
    padding = (BYTE *)malloc(sizes.cbBlockSize ? sizes.cbBlockSize : 1);
    if (trailer == NULL || padding == NULL)
        goto out;

    msg_buf[0].BufferType = SECBUFFER_TOKEN;
    msg_buf[0].cbBuffer = sizes.cbSecurityTrailer;
    msg_buf[0].pvBuffer = trailer;
    msg_buf[1].BufferType = SECBUFFER_DATA;
    msg_buf[1].cbBuffer = (ULONG)strlen(message);
    msg_buf[1].pvBuffer = message;
    msg_buf[2].BufferType = SECBUFFER_PADDING;
    msg_buf[2].cbBuffer = sizes.cbBlockSize;
    msg_buf[2].pvBuffer = padding;
    msg_desc.ulVersion = SECBUFFER_VERSION;
    msg_desc.cBuffers = 3;
    msg_desc.pBuffers = msg_buf;

    status = EncryptMessage(&ctx, 0, &msg_desc, 0);
    if (FAILED(status)) {
        report(TEXT("EncryptMessage"), status);
        goto out;
    }
    rc = 0;

out:
    if (SecIsValidHandle(&ctx))
        DeleteSecurityContext(&ctx);
    if (SecIsValidHandle(&cred))
        FreeCredentialsHandle(&cred);
    SecureZeroMemory(token, token ? 48000 : 0);
    free(token);
    free(trailer);
    free(padding);
    return rc;
}

static int
tls_credentials(void)
{
    SCHANNEL_CRED sc;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS status;
    PSecurityFunctionTable table;

    ZeroMemory(&sc, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;
    sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION |
                 SCH_USE_STRONG_CRYPTO;

    /* Through the function table, as code that loads an SSPI module by
     * path does. */
    table = InitSecurityInterface();
    if (table == NULL || table->AcquireCredentialsHandle == NULL)
        return -1;
    status = table->AcquireCredentialsHandle(NULL, (LPTSTR)UNISP_NAME,
                                             SECPKG_CRED_OUTBOUND, NULL, &sc,
                                             NULL, NULL, &cred, &expiry);
    if (status != SEC_E_OK) {
        report(TEXT("AcquireCredentialsHandle(Schannel)"), status);
        return -1;
    }
    table->FreeCredentialsHandle(&cred);
    return 0;
}

int
main(void)
{
    int rc = 0;

    if (list_packages() != 0)
        rc = 1;
    if (negotiate(TEXT("alice"), TEXT("EXAMPLE.COM"), TEXT("secret"),
                  TEXT("HTTP/www.example.com")) != 0)
        rc = 1;
    if (tls_credentials() != 0)
        rc = 1;
    return rc;
}
