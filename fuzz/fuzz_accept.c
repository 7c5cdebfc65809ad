/*
 * fuzz_accept.c - libFuzzer target: AcceptSecurityContext("Kerberos") on
 * hostile first tokens. The acceptor has a real keytab (a fixed AES256
 * key for host/fuzz.test@FUZZ.TEST, made at start-up), so tokens reach
 * the GSS framing check, MIT's AP-REQ decoder and the library's mapping.
 * Every input must give a SEC_E_ code, leave no handle and leak nothing.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#include "handles.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static CredHandle cred;
static bool ready;

static void
setup(void)
{
    static char dir[] = "/tmp/sspigss-fuzz-XXXXXX";
    char path[256], conf[256];
    unsigned char keybytes[32];
    krb5_context k;
    krb5_keytab kt;
    krb5_keytab_entry e;
    FILE *f;
    TimeStamp ts;

    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
    f = fopen(conf, "w");
    if (f == NULL)
        abort();
    fputs("[libdefaults]\n default_realm = FUZZ.TEST\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "FILE:%s/keytab", dir);
    setenv("KRB5_CONFIG", conf, 1);
    setenv("KRB5_KTNAME", path, 1);
    setenv("KRB5RCACHETYPE", "none", 1);
    memset(keybytes, 0x5a, sizeof(keybytes));
    if (krb5_init_context(&k) != 0 || krb5_kt_resolve(k, path, &kt) != 0)
        abort();
    memset(&e, 0, sizeof(e));
    if (krb5_parse_name(k, "host/fuzz.test@FUZZ.TEST", &e.principal) != 0)
        abort();
    e.vno = 1;
    e.key.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    e.key.length = sizeof(keybytes);
    e.key.contents = keybytes;
    if (krb5_kt_add_entry(k, kt, &e) != 0)
        abort();
    krb5_free_principal(k, e.principal);
    krb5_kt_close(k, kt);
    krb5_free_context(k);
    if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos",
                                  SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                  NULL, &cred, &ts) != SEC_E_OK)
        abort();
    ready = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    SecBuffer in = { (ULONG)size, SECBUFFER_TOKEN, copy };
    SecBuffer out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc ind = { SECBUFFER_VERSION, 1, &in };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
    CtxtHandle ctx;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (!ready)
        setup();
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    st = AcceptSecurityContext(&cred, NULL, &ind,
                               ASC_REQ_ALLOCATE_MEMORY
                                   | ASC_REQ_MUTUAL_AUTH,
                               SECURITY_NATIVE_DREP, &ctx, &outd, &attrs,
                               &ts);
    if (SEC_SUCCESS(st))
        DeleteSecurityContext(&ctx);
    else if (st == SEC_E_OK || (st & 0x80000000u) == 0)
        abort();
    if (out.pvBuffer != NULL)
        FreeContextBuffer(out.pvBuffer);
    /* Nothing may be left behind by a refused token. */
    if (!SEC_SUCCESS(st) && handle_count(HANDLE_CTX) != 0)
        abort();
    free(copy);
    return 0;
}
