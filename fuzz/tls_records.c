/*
 * tls_records.c - what the Schannel client and server fuzz targets share
 * (tls_records.h).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_records.h"

void
fuzz_known(SECURITY_STATUS st, const char *call)
{
    if (strcmp(sspigss_status_name(st), "(unknown)") == 0) {
        fprintf(stderr, "%s returned 0x%08X\n", call, (unsigned)st);
        abort();
    }
}

void *
fuzz_dup(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);

    if (q == NULL)
        abort();
    if (n > 0)
        memcpy(q, p, n);
    return q;
}

unsigned char *
fuzz_drain(BIO *b, size_t *len)
{
    size_t n = (size_t)BIO_ctrl_pending(b);
    unsigned char *p = NULL;

    *len = n;
    if (n > 0) {
        p = malloc(n);
        if (p == NULL || BIO_read(b, p, (int)n) != (int)n)
            abort();
    }
    return p;
}

SECURITY_STATUS
fuzz_decrypt(CtxtHandle *ctx, const unsigned char *p, size_t n,
             size_t *extra)
{
    unsigned char *copy = fuzz_dup(p, n);
    SecBuffer b[4];
    SecBufferDesc desc = { SECBUFFER_VERSION, 4, b };
    ULONG qop;
    size_t rec = n >= 5 ? 5 + ((size_t)p[3] << 8 | p[4]) : 0;
    SECURITY_STATUS st;

    memset(b, 0, sizeof(b));
    b[0].BufferType = SECBUFFER_DATA;
    b[0].cbBuffer = (ULONG)n;
    b[0].pvBuffer = copy;
    st = DecryptMessage(ctx, &desc, 0, &qop);
    fuzz_known(st, "DecryptMessage");
    *extra = 0;
    if (st == SEC_E_OK || st == SEC_I_RENEGOTIATE) {
        /* HEADER | DATA | TRAILER over the record, EXTRA after it. */
        if (b[0].BufferType != SECBUFFER_STREAM_HEADER
            || b[1].BufferType != SECBUFFER_DATA
            || b[2].BufferType != SECBUFFER_STREAM_TRAILER
            || b[0].pvBuffer != copy
            || (unsigned char *)b[1].pvBuffer != copy + b[0].cbBuffer
            || (unsigned char *)b[2].pvBuffer
                   != copy + b[0].cbBuffer + b[1].cbBuffer
            || rec == 0 || rec > n
            || (size_t)b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer
                   != rec)
            abort();
        if (n > rec) {
            if (b[3].BufferType != SECBUFFER_EXTRA
                || b[3].pvBuffer != copy + rec || b[3].cbBuffer != n - rec)
                abort();
            *extra = n - rec;
        } else if (b[3].BufferType != SECBUFFER_EMPTY) {
            abort();
        }
    } else if (st == SEC_E_INCOMPLETE_MESSAGE) {
        ULONG missing = b[1].cbBuffer;

        if (b[1].BufferType != SECBUFFER_MISSING || missing == 0
            || b[0].BufferType != SECBUFFER_MISSING
            || b[0].cbBuffer != missing)
            abort();
        /* Nothing was taken: the same bytes, the same answer. */
        memset(b, 0, sizeof(b));
        b[0].BufferType = SECBUFFER_DATA;
        b[0].cbBuffer = (ULONG)n;
        b[0].pvBuffer = copy;
        if (DecryptMessage(ctx, &desc, 0, &qop) != SEC_E_INCOMPLETE_MESSAGE
            || b[1].BufferType != SECBUFFER_MISSING
            || b[1].cbBuffer != missing)
            abort();
    } else if (st == SEC_I_CONTEXT_EXPIRED) {
        /* close_notify: the bytes after it, if any, are EXTRA. */
        if (rec == 0 || rec > n
            || (n > rec && (b[1].BufferType != SECBUFFER_EXTRA
                            || b[1].pvBuffer != copy + rec
                            || b[1].cbBuffer != n - rec)))
            abort();
    } else if (!(st & 0x80000000u)) {
        abort();                    /* another SEC_I_ code */
    }
    free(copy);
    return st;
}
