/*
 * tls_records.h - DecryptMessage on fuzz input, with the checks both
 * Schannel targets (fuzz_schannel, fuzz_schannel_server) make of it.
 */
#ifndef SSPIGSS_FUZZ_TLS_RECORDS_H
#define SSPIGSS_FUZZ_TLS_RECORDS_H

#include <stddef.h>

#include <sspigss/sspigss.h>

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
