/*
 * msgutil.c - the per-message calls of the package suites
 * (tests/msgutil.h).
 */
#include "setup.h"

#include "msgutil.h"

SECURITY_STATUS
unseal(CtxtHandle *h, unsigned char *tok, ULONG tok_len,
       unsigned char *data, ULONG len, ULONG *qop)
{
    SecBuffer b[2] = {
        { tok_len, SECBUFFER_TOKEN, tok },
        { len, SECBUFFER_DATA, data },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

    return DecryptMessage(h, &d, 0, qop);
}

SECURITY_STATUS
unseal_stream(CtxtHandle *h, unsigned char *stream, ULONG len,
              unsigned char **out, ULONG *out_len, ULONG *qop)
{
    SecBuffer b[2] = {
        { len, SECBUFFER_STREAM, stream },
        { 0, SECBUFFER_DATA, NULL },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st = DecryptMessage(h, &d, 0, qop);

    *out = b[1].pvBuffer;
    *out_len = b[1].cbBuffer;
    return st;
}

SECURITY_STATUS
sign(CtxtHandle *h, unsigned char *tok, ULONG *tok_len,
     unsigned char *data, ULONG len)
{
    SecBuffer b[2] = {
        { *tok_len, SECBUFFER_TOKEN, tok },
        { len, SECBUFFER_DATA, data },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st = MakeSignature(h, 0, &d, 0);

    if (st == SEC_E_OK)
        *tok_len = b[0].cbBuffer;
    return st;
}

SECURITY_STATUS
verify(CtxtHandle *h, unsigned char *tok, ULONG tok_len,
       unsigned char *data, ULONG len, ULONG *qop)
{
    SecBuffer b[2] = {
        { tok_len, SECBUFFER_TOKEN, tok },
        { len, SECBUFFER_DATA, data },
    };
    SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

    return VerifySignature(h, &d, 0, qop);
}
