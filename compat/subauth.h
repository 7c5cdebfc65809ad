/*
 * subauth.h (compat) - Windows' subauth.h as SSPI code uses it: the NT
 * string types (UNICODE_STRING, PUNICODE_STRING), which Windows' own
 * schannel.h needs in scope before it declares SCH_CREDENTIALS and
 * TLS_PARAMETERS. Here they come from <sspigss/wintypes.h>, and
 * <sspigss/schannel.h> declares those structures unconditionally, so
 * code written for Windows' headers
 *
 *     #define SCHANNEL_USE_BLACKLISTS
 *     #include <subauth.h>
 *     #include <schannel.h>
 *
 * builds unchanged.
 */
#ifndef SSPIGSS_COMPAT_SUBAUTH_H
#define SSPIGSS_COMPAT_SUBAUTH_H

#include <sspigss/wintypes.h>

#endif /* SSPIGSS_COMPAT_SUBAUTH_H */
