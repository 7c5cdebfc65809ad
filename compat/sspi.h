/*
 * sspi.h (compat) - Windows' sspi.h. sspigss keeps the SSPI declarations
 * of sspi.h and security.h together, so this is <sspigss/sspigss.h> too,
 * with SECURITY_WIN32 supplied when the program did not define it.
 */
#ifndef SSPIGSS_COMPAT_SSPI_H
#define SSPIGSS_COMPAT_SSPI_H

#if !defined(SECURITY_WIN32) && !defined(SECURITY_KERNEL) && \
    !defined(SECURITY_MAC)
#define SECURITY_WIN32
#endif

#include <sspigss/sspigss.h>

#endif /* SSPIGSS_COMPAT_SSPI_H */
