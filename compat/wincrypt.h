/*
 * wincrypt.h (compat) - the crypt32 subset sspigss provides, here
 * <sspigss/wincrypt.h>.
 */
#ifndef SSPIGSS_COMPAT_WINCRYPT_H
#define SSPIGSS_COMPAT_WINCRYPT_H

#include <sspigss/wincrypt.h>

#endif /* SSPIGSS_COMPAT_WINCRYPT_H */
