/*
 * wincred.h (compat) - marshaled credentials (CredMarshalCredential and
 * kin), here <sspigss/wincred.h>.
 */
#ifndef SSPIGSS_COMPAT_WINCRED_H
#define SSPIGSS_COMPAT_WINCRED_H

#include <sspigss/wincred.h>

#endif /* SSPIGSS_COMPAT_WINCRED_H */
