/*
 * msgutil.h - the per-message calls of the package suites in their
 * simplest Windows layouts: [TOKEN, DATA] and [STREAM, DATA].
 */
#ifndef SSPIGSS_MSGUTIL_H
#define SSPIGSS_MSGUTIL_H

#include <sspigss/sspigss.h>

/* DecryptMessage of [TOKEN, DATA]. */
SECURITY_STATUS unseal(CtxtHandle *h, unsigned char *tok, ULONG tok_len,
                       unsigned char *data, ULONG len, ULONG *qop);

/* DecryptMessage of [STREAM, DATA-empty]: *out points into stream. */
SECURITY_STATUS unseal_stream(CtxtHandle *h, unsigned char *stream,
                              ULONG len, unsigned char **out,
                              ULONG *out_len, ULONG *qop);

/* MakeSignature of [TOKEN, DATA]; *tok_len in: room, out: used. */
SECURITY_STATUS sign(CtxtHandle *h, unsigned char *tok, ULONG *tok_len,
                     unsigned char *data, ULONG len);

/* VerifySignature of [TOKEN, DATA]. */
SECURITY_STATUS verify(CtxtHandle *h, unsigned char *tok, ULONG tok_len,
                       unsigned char *data, ULONG len, ULONG *qop);

#endif /* SSPIGSS_MSGUTIL_H */
