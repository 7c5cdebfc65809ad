/*
 * map_tls.h - TLS alerts and certificate verification results to SEC
 * codes (map_tls.c), for the Schannel package.
 */
#ifndef SSPIGSS_MAP_TLS_H
#define SSPIGSS_MAP_TLS_H

#include "setup.h"

#include <sspigss/sspigss.h>

/* The SEC code Schannel gives for a TLS alert (its description byte). */
SECURITY_STATUS map_tls_alert(int alert);

/* The SEC code for an alert this side sends about the peer's messages. */
SECURITY_STATUS map_tls_sent_alert(int alert);

/* The SEC code for an X509_V_ERR_* verification result (SEC_E_OK for
 * X509_V_OK). */
SECURITY_STATUS map_tls_verify(long result);

#endif /* SSPIGSS_MAP_TLS_H */
