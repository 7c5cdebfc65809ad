/*
 * security.h (compat) - Windows' security.h: the whole SSPI surface, here
 * <sspigss/sspigss.h>.
 *
 * Windows insists on SECURITY_WIN32 (or SECURITY_KERNEL) being defined
 * before this header; ported code does that, and code that forgets gets
 * the user-mode interface, the only one sspigss has.
 */
#ifndef SSPIGSS_COMPAT_SECURITY_H
#define SSPIGSS_COMPAT_SECURITY_H

#if !defined(SECURITY_WIN32) && !defined(SECURITY_KERNEL) && \
    !defined(SECURITY_MAC)
#define SECURITY_WIN32
#endif

#include <sspigss/sspigss.h>

#endif /* SSPIGSS_COMPAT_SECURITY_H */
