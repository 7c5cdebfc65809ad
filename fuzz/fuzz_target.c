/*
 * fuzz_target.c - libFuzzer target: target names (pszTargetName) of
 * InitializeSecurityContextA/W ("Kerberos"): the library's A/W
 * conversion and its reading of SPNs, host-based names, UPNs and
 * principals (import_target in lib/pkg_gss.c), then MIT's name parsing
 * and credential lookup. The client is alice with one forged ticket, for
 * host/fuzz.test@FUZZ.TEST (realm.c: no KDC, no DNS), so names of that
 * service succeed and every other name fails without the network.
 *
 * The input is the A name up to its first NUL, and, read as UTF-16 (an
 * odd last byte dropped), the W name up to its first NUL unit.
 *
 * What must hold: each call gives a known SEC_E_ code or
 * SEC_I_CONTINUE_NEEDED with an AP-REQ (mutual authentication is asked
 * for); a failed call leaves no context; when the A name is UTF-8, W
 * given the same name in UTF-16 gives the same status; no handle,
 * context buffer or memory outlives the input.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "internal.h"
#include "realm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY)

static CredHandle cred;

/* One first call with target name a (wide NULL) or w; checks what must
 * hold of it, deletes what it made, returns its status. */
static SECURITY_STATUS
one_call(const char *a, const WCHAR *w)
{
    SecBuffer out = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
    CtxtHandle ctx;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS st;

    if (w != NULL)
        st = InitializeSecurityContextW(&cred, NULL, (SEC_WCHAR *)w, REQ, 0,
                                        SECURITY_NATIVE_DREP, NULL, 0, &ctx,
                                        &outd, &attrs, &ts);
    else
        st = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)a, REQ, 0,
                                        SECURITY_NATIVE_DREP, NULL, 0, &ctx,
                                        &outd, &attrs, &ts);
    if (strcmp(sspigss_status_name(st), "(unknown)") == 0)
        abort();
    if (st == SEC_I_CONTINUE_NEEDED) {
        /* An AP-REQ: a framed GSS token. */
        if (out.cbBuffer == 0 || ((unsigned char *)out.pvBuffer)[0] != 0x60
            || DeleteSecurityContext(&ctx) != SEC_E_OK)
            abort();
    } else if (!(st & 0x80000000u)) {
        abort();            /* OK or another SEC_I_ code on a first call */
    }
    if (out.pvBuffer != NULL && FreeContextBuffer(out.pvBuffer) != SEC_E_OK)
        abort();
    if (handle_count(HANDLE_CTX) != 0 || ctxbuf_outstanding() != 0)
        abort();
    return st;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    realm_setup();
    realm_cred(SECPKG_CRED_OUTBOUND, &cred);
    /* The harness is no use unless the one good name works. */
    if (one_call(REALM_TARGET, NULL) != SEC_I_CONTINUE_NEEDED
        || one_call("host/fuzz.test", NULL) != SEC_I_CONTINUE_NEEDED)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t units = size / 2, n8;
    char *a = malloc(size + 1);
    WCHAR *w = malloc((units + 1) * sizeof(WCHAR)), *w8 = NULL;
    SECURITY_STATUS sa;

    if (a == NULL || w == NULL)
        abort();
    memcpy(a, data, size);
    a[size] = '\0';
    memcpy(w, data, units * sizeof(WCHAR));
    w[units] = 0;
    realm_rng_reset();
    sa = one_call(a, NULL);
    (void)one_call(NULL, w);
    /* A and W differ only in the string's encoding. */
    n8 = strlen(a);
    if (utf8_valid(a, n8)) {
        if (utf8_to_utf16(a, n8, &w8, &units) != SEC_E_OK)
            abort();
        if (one_call(NULL, w8) != sa) {
            fprintf(stderr, "A and W disagree on the same name\n");
            abort();
        }
        free(w8);
    }
    free(a);
    free(w);
    return 0;
}
