/*
 * fuzz_cred.c - libFuzzer target: marshaled credentials
 * (CredUnmarshalCredentialA/W, CredIsMarshaledCredentialA/W and the
 * library's own reading of a user name as a CertCredential), which any
 * user name given to AcquireCredentialsHandle reaches. The input is the
 * string, as bytes (A) and as UTF-16 units (W); what unmarshals is
 * marshaled again and must come back the same.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include <sspigss/wincred.h>

#include "certcred.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    WCHAR *w = malloc((size / 2 + 1) * sizeof(WCHAR));
    unsigned char hash[CERTCRED_HASH_LEN];
    CRED_MARSHAL_TYPE type;
    void *cred = NULL;
    size_t i;

    if (s == NULL || w == NULL)
        goto out;
    memcpy(s, data, size);
    s[size] = '\0';
    for (i = 0; i < size / 2; i++)
        w[i] = (WCHAR)(data[2 * i] | data[2 * i + 1] << 8);
    w[size / 2] = 0;

    (void)certcred_unmarshal_hash(s, hash);
    (void)CredIsMarshaledCredentialA(s);
    (void)CredIsMarshaledCredentialW(w);
    if (CredUnmarshalCredentialW(w, &type, &cred))
        CredFree(cred);
    if (CredUnmarshalCredentialA(s, &type, &cred)) {
        LPSTR again = NULL;

        /* A valid string is its credential's only encoding, but for the
         * padding bits (Windows reads "@@CEAAAAA0BQZAQ" as "te"). */
        if (CredMarshalCredentialA(type, cred, &again)) {
            CRED_MARSHAL_TYPE t2;
            void *c2 = NULL;

            if (!CredUnmarshalCredentialA(again, &t2, &c2) || t2 != type)
                abort();
            if (type == CertCredential
                && memcmp(c2, cred, sizeof(CERT_CREDENTIAL_INFO)) != 0)
                abort();
            CredFree(c2);
            CredFree(again);
        }
        CredFree(cred);
    }
out:
    free(s);
    free(w);
    return 0;
}
