/*
 * tchar.h (compat) - the generic-text names of Windows' tchar.h that
 * follow _UNICODE: _TCHAR and _T("x"), which is u"x" with _UNICODE
 * (Windows writes L"x"; char16_t is the 16-bit equivalent on Linux) and
 * "x" without. The _tcs* string functions are not provided.
 */
#ifndef SSPIGSS_COMPAT_TCHAR_H
#define SSPIGSS_COMPAT_TCHAR_H

#include <sspigss/wintypes.h>

#ifdef _UNICODE
#ifndef __TCHAR_DEFINED
#define __TCHAR_DEFINED
typedef WCHAR _TCHAR;
typedef WCHAR _TSCHAR;
typedef WCHAR _TUCHAR;
typedef WCHAR _TXCHAR;
#endif
#define __T(x) u##x
#else
#ifndef __TCHAR_DEFINED
#define __TCHAR_DEFINED
typedef char _TCHAR;
typedef signed char _TSCHAR;
typedef unsigned char _TUCHAR;
typedef char _TXCHAR;
#endif
#define __T(x) x
#endif

#define _T(x) __T(x)
#define _TEXT(x) __T(x)

#endif /* SSPIGSS_COMPAT_TCHAR_H */
