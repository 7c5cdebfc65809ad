/*
 * schannel.h (compat) - Windows' schannel.h, here <sspigss/schannel.h>.
 */
#ifndef SSPIGSS_COMPAT_SCHANNEL_H
#define SSPIGSS_COMPAT_SCHANNEL_H

#include <sspigss/schannel.h>

#endif /* SSPIGSS_COMPAT_SCHANNEL_H */
