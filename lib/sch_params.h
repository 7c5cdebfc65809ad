/*
 * sch_params.h - SCH_CREDENTIALS' TLS_PARAMETERS applied to an OpenSSL
 * context (lib/sch_params.c).
 */
#ifndef SSPIGSS_SCH_PARAMS_H
#define SSPIGSS_SCH_PARAMS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include <sspigss/schannel.h>

/*
 * Checks s5's TLS_PARAMETERS and applies those that hold whatever the
 * application protocol (cAlpnIds 0) to ctx: the protocols they disable
 * narrow [*min, *max] (TLS versions; 0 where not set, as protocol_range()
 * gives them), the algorithms they disable leave the cipher suites and
 * signature algorithms. SEC_E_UNKNOWN_CREDENTIALS for a structure that
 * breaks Microsoft's limits, SEC_E_ALGORITHM_MISMATCH when nothing is
 * left to negotiate, SEC_E_UNSUPPORTED_FUNCTION for restrictions tied to
 * application protocols; the cause is traced.
 */
SECURITY_STATUS sch_tls_parameters(SSL_CTX *ctx, bool server,
                                   const SCH_CREDENTIALS *s5, int *min,
                                   int *max);

#endif
