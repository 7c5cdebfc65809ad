/*
 * tls_records.h - what both Schannel fuzz targets (fuzz_schannel,
 * fuzz_schannel_server) share: DecryptMessage on fuzz input with its
 * checks, and small helpers.
 */
#ifndef SSPIGSS_FUZZ_TLS_RECORDS_H
#define SSPIGSS_FUZZ_TLS_RECORDS_H

#include <stddef.h>

#include <openssl/bio.h>

#include <sspigss/sspigss.h>

/* abort() unless st is a code of the status table (call names it). */
void fuzz_known(SECURITY_STATUS st, const char *call);

/* A malloc'd copy of n bytes (abort() when out of memory). */
void *fuzz_dup(const void *p, size_t n);

/* Everything pending in a memory BIO, malloc'd (NULL when empty). */
unsigned char *fuzz_drain(BIO *b, size_t *len);

/*
 * DecryptMessage([DATA = a copy of the n bytes at p, EMPTY x3]) on ctx,
 * checked as docs/schannel.md lays it out (abort() on any breach):
 * SEC_E_OK and SEC_I_RENEGOTIATE put HEADER, DATA and TRAILER over the
 * first record and EXTRA over the rest; SEC_E_INCOMPLETE_MESSAGE marks
 * the data buffer and the first empty one MISSING with the same count,
 * and says the same again for the same bytes (nothing taken);
 * SEC_I_CONTEXT_EXPIRED (close_notify) leaves the bytes after the record
 * as EXTRA; any other status is a known SEC_E_ code. *extra gets the
 * count of the bytes after the record (0 when none).
 */
SECURITY_STATUS fuzz_decrypt(CtxtHandle *ctx, const unsigned char *p,
                             size_t n, size_t *extra);

#endif
