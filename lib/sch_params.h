/*
 * sch_params.h - SCH_CREDENTIALS' TLS_PARAMETERS applied to an OpenSSL
 * context (lib/sch_params.c).
 */
#ifndef SSPIGSS_SCH_PARAMS_H
#define SSPIGSS_SCH_PARAMS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include <sspigss/schannel.h>

struct sch_alpn_params;

/*
 * A record cipher (an OpenSSL cipher NID) as Windows names it: CNG's
 * algorithm name ("AES", "CHACHA20_POLY1305", "3DES"), or NULL when CNG
 * has none for it; *mode its CNG chaining mode ("ChainingModeGCM",
 * "ChainingModeCBC", "ChainingModeCCM", "" for none) and *calg its
 * CryptoAPI id (0 for none), each when not NULL.
 */
const char *sch_cipher_cng(int nid, const char **mode, ALG_ID *calg);

/*
 * Checks s5's TLS_PARAMETERS and applies those that hold whatever the
 * application protocol (cAlpnIds 0) to ctx: the protocols they disable
 * narrow [*min, *max] (TLS versions; 0 where not set, as protocol_range()
 * gives them), the algorithms they disable leave the cipher suites and
 * signature algorithms. SEC_E_UNKNOWN_CREDENTIALS for a structure that
 * breaks Microsoft's limits, SEC_E_ALGORITHM_MISMATCH when nothing is
 * left to negotiate; the cause is traced. Those tied to application
 * protocols go to *scoped (NULL when none), for sch_alpn_violation().
 */
SECURITY_STATUS sch_tls_parameters(SSL_CTX *ctx, bool server,
                                   const SCH_CREDENTIALS *s5, int *min,
                                   int *max,
                                   struct sch_alpn_params **scoped);

/*
 * The TLS_PARAMETERS of a credential that hold only for some application
 * protocols (cAlpnIds > 0), kept for the handshake: NULL when there are
 * none. sch_tls_parameters() makes them; free with
 * sch_alpn_params_free().
 */
void sch_alpn_params_free(struct sch_alpn_params *p);

/*
 * Whether a handshake that settled on application protocol alpn (len
 * bytes; none: 0), TLS version and cipher breaks a restriction meant
 * for that protocol (TLS_PARAMS_OPTIONAL ones excepted: they are
 * honoured only where they end no handshake). *why names it.
 */
bool sch_alpn_violation(const struct sch_alpn_params *p, bool server,
                        const unsigned char *alpn, unsigned int len,
                        int version, const SSL_CIPHER *cipher,
                        const char **why);

#endif
