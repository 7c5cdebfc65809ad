/*
 * windows.h (compat) - the small part of Windows' windows.h that SSPI
 * code uses besides SSPI itself: the base types and TCHAR/TEXT() (from
 * <sspigss/wintypes.h>), _T() (from tchar.h), winerror.h, the crypt32
 * subset unless WIN32_LEAN_AND_MEAN, language identifiers, memory macros,
 * LocalAlloc/LocalFree, GetLastError/SetLastError and FormatMessageA/W.
 *
 * FormatMessage knows the messages of the SSPI status codes only (through
 * sspigss_format_status() in libsspigss), in English and Japanese: with
 * FORMAT_MESSAGE_FROM_SYSTEM it gives the text of a SEC_E_/SEC_I_ code
 * followed by "\r\n" as Windows does, and fails with
 * ERROR_MR_MID_NOT_FOUND for any other code, leaving nothing allocated.
 * Inserts are never expanded (system messages of SSPI have none).
 * FORMAT_MESSAGE_FROM_STRING is not supported (ERROR_CALL_NOT_IMPLEMENTED).
 * A non-zero FORMAT_MESSAGE_MAX_WIDTH_MASK drops the final line break, as
 * on Windows, but lines are not re-wrapped.
 *
 * The functions are static inline; the last-error value they share is one
 * thread-local variable for the whole program (a weak definition here).
 */
#ifndef SSPIGSS_COMPAT_WINDOWS_H
#define SSPIGSS_COMPAT_WINDOWS_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/wintypes.h>

#include "winerror.h"
#include "tchar.h"

#ifndef WIN32_LEAN_AND_MEAN
#include <sspigss/wincrypt.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Calling-convention keywords of the Microsoft compilers: one convention
 * on Linux, so they mean nothing. */
#if !defined(_MSC_VER)
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#endif

/* ----------------------------------------------------------- languages */

#define MAKELANGID(p, s) ((((WORD)(s)) << 10) | (WORD)(p))
#define PRIMARYLANGID(lgid) ((WORD)(lgid) & 0x3ff)
#define SUBLANGID(lgid) ((WORD)(lgid) >> 10)

#define LANG_NEUTRAL 0x00
#define LANG_INVARIANT 0x7f
#define LANG_ENGLISH 0x09
#define LANG_JAPANESE 0x11

#define SUBLANG_NEUTRAL 0x00
#define SUBLANG_DEFAULT 0x01
#define SUBLANG_SYS_DEFAULT 0x02
#define SUBLANG_ENGLISH_US 0x01
#define SUBLANG_JAPANESE_JAPAN 0x01

#define LANG_SYSTEM_DEFAULT (MAKELANGID(LANG_NEUTRAL, SUBLANG_SYS_DEFAULT))
#define LANG_USER_DEFAULT (MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT))

/* -------------------------------------------------------------- memory */

#define MoveMemory(Destination, Source, Length) \
    memmove((Destination), (Source), (Length))
#define CopyMemory(Destination, Source, Length) \
    memcpy((Destination), (Source), (Length))
#define FillMemory(Destination, Length, Fill) \
    memset((Destination), (Fill), (Length))
#define ZeroMemory(Destination, Length) memset((Destination), 0, (Length))

/* Zeroes through a volatile pointer, so the compiler cannot drop the
 * stores as dead (use it for passwords and keys). */
static inline PVOID
SecureZeroMemory(PVOID ptr, SIZE_T cnt)
{
    volatile BYTE *p = (volatile BYTE *)ptr;

    while (cnt--)
        *p++ = 0;
    return ptr;
}

typedef HANDLE HLOCAL;

#define LMEM_FIXED 0x0000
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)

/* Local memory is the C heap: LocalAlloc is malloc (calloc with
 * LMEM_ZEROINIT), LocalFree is free and returns NULL. */
static inline HLOCAL
LocalAlloc(UINT uFlags, SIZE_T uBytes)
{
    if (uFlags & LMEM_ZEROINIT)
        return calloc(1, uBytes ? uBytes : 1);
    return malloc(uBytes ? uBytes : 1);
}

static inline HLOCAL
LocalFree(HLOCAL hMem)
{
    free(hMem);
    return NULL;
}

/* ----------------------------------------------------------- last error */

#if defined(__cplusplus)
extern thread_local DWORD sspigss_compat_last_error;
__attribute__((weak)) thread_local DWORD sspigss_compat_last_error;
#else
extern _Thread_local DWORD sspigss_compat_last_error;
__attribute__((weak)) _Thread_local DWORD sspigss_compat_last_error;
#endif

static inline DWORD
GetLastError(void)
{
    return sspigss_compat_last_error;
}

static inline void
SetLastError(DWORD dwErrCode)
{
    sspigss_compat_last_error = dwErrCode;
}

/* -------------------------------------------------------- FormatMessage */

#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x00000100
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x00000200
#define FORMAT_MESSAGE_FROM_STRING 0x00000400
#define FORMAT_MESSAGE_FROM_HMODULE 0x00000800
#define FORMAT_MESSAGE_FROM_SYSTEM 0x00001000
#define FORMAT_MESSAGE_ARGUMENT_ARRAY 0x00002000
#define FORMAT_MESSAGE_MAX_WIDTH_MASK 0x000000FF

/* Declared in <sspigss/sspigss.h> (SECURITY_STATUS is LONG there); the
 * declaration is repeated so that this header needs no SSPI types. */
size_t sspigss_format_status(LONG status, const char *lang, char *buf,
                             size_t size);

/*
 * Shared part of FormatMessageA/W: checks the flags, maps dwLanguageId to
 * a language of the status table, fetches the message and appends the
 * line break. Returns a malloc'ed UTF-8 string (free() it) or NULL with
 * the last error set.
 */
static inline char *
sspigss_compat_message_(DWORD dwFlags, DWORD dwMessageId,
                        DWORD dwLanguageId, size_t *plen)
{
    const char *lang;
    char small[256];
    char *text;
    size_t len;

    if (dwFlags & FORMAT_MESSAGE_FROM_STRING) {
        SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
        return NULL;
    }
    if (!(dwFlags & FORMAT_MESSAGE_FROM_SYSTEM)) {
        /* No module carries message tables here. */
        SetLastError((dwFlags & FORMAT_MESSAGE_FROM_HMODULE)
                         ? ERROR_MR_MID_NOT_FOUND
                         : ERROR_INVALID_PARAMETER);
        return NULL;
    }

    /* 0 and the neutral ids (user/system default) mean "as the locale
     * says"; a specific language must be one the table has. */
    switch (PRIMARYLANGID(dwLanguageId)) {
    case LANG_NEUTRAL:
        lang = NULL;
        break;
    case LANG_ENGLISH:
        lang = "en";
        break;
    case LANG_JAPANESE:
        lang = "ja";
        break;
    default:
        SetLastError(ERROR_RESOURCE_LANG_NOT_FOUND);
        return NULL;
    }

    len = sspigss_format_status((LONG)dwMessageId, lang, small,
                                sizeof(small));
    if (len == 0) {
        SetLastError(ERROR_MR_MID_NOT_FOUND);
        return NULL;
    }
    text = (char *)malloc(len + 3);
    if (text == NULL) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    if (len < sizeof(small))
        memcpy(text, small, len + 1);
    else if (sspigss_format_status((LONG)dwMessageId, lang, text,
                                   len + 1) != len) {
        free(text);
        SetLastError(ERROR_MR_MID_NOT_FOUND);
        return NULL;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (!(dwFlags & FORMAT_MESSAGE_MAX_WIDTH_MASK)) {
        text[len++] = '\r';
        text[len++] = '\n';
    }
    text[len] = '\0';
    *plen = len;
    return text;
}

/*
 * UTF-8 to UTF-16: writes the code units of s[0..n) to out (when out is
 * not NULL) and returns their number. Malformed input becomes U+FFFD.
 */
static inline size_t
sspigss_compat_utf8_to_utf16_(const char *s, size_t n, WCHAR *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, units = 0;

    while (i < n) {
        uint32_t c = p[i], min;
        size_t need, k;

        if (c < 0x80) {
            need = 0;
            min = 0;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1;
            min = 0x80;
            c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            min = 0x800;
            c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            need = 0;
            min = 0;
            c = 0xfffd;
        }
        i++;
        for (k = 0; k < need; k++, i++) {
            if (i >= n || (p[i] & 0xc0) != 0x80)
                break;
            c = (c << 6) | (p[i] & 0x3f);
        }
        if (k < need || c < min || c > 0x10ffff ||
            (c >= 0xd800 && c <= 0xdfff))
            c = 0xfffd;
        if (c >= 0x10000) {
            if (out != NULL) {
                out[units] = (WCHAR)(0xd800 + ((c - 0x10000) >> 10));
                out[units + 1] = (WCHAR)(0xdc00 + ((c - 0x10000) & 0x3ff));
            }
            units += 2;
        } else {
            if (out != NULL)
                out[units] = (WCHAR)c;
            units++;
        }
    }
    return units;
}

/*
 * FormatMessageA: the message as UTF-8 (the A functions of sspigss speak
 * UTF-8). Returns the number of chars stored without the NUL, or 0 with
 * the last error set (ERROR_INSUFFICIENT_BUFFER when nSize is too small).
 * With FORMAT_MESSAGE_ALLOCATE_BUFFER, lpBuffer is really an LPSTR * that
 * receives a buffer to release with LocalFree().
 */
static inline DWORD
FormatMessageA(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId,
               DWORD dwLanguageId, LPSTR lpBuffer, DWORD nSize,
               va_list *Arguments)
{
    char *text;
    size_t len;

    (void)lpSource;
    (void)Arguments;
    if (lpBuffer == NULL) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    text = sspigss_compat_message_(dwFlags, dwMessageId, dwLanguageId,
                                   &len);
    if (text == NULL)
        return 0;
    if (dwFlags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        size_t size = len + 1 > nSize ? len + 1 : nSize;
        char *out = (char *)malloc(size);

        if (out == NULL) {
            free(text);
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        memcpy(out, text, len + 1);
        *(LPSTR *)(void *)lpBuffer = out;
    } else {
        if (len + 1 > nSize) {
            free(text);
            SetLastError(ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        memcpy(lpBuffer, text, len + 1);
    }
    free(text);
    return (DWORD)len;
}

/* FormatMessageW: the same in UTF-16; sizes count WCHARs. */
static inline DWORD
FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId,
               DWORD dwLanguageId, LPWSTR lpBuffer, DWORD nSize,
               va_list *Arguments)
{
    char *text;
    size_t len, units;
    WCHAR *out;

    (void)lpSource;
    (void)Arguments;
    if (lpBuffer == NULL) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    text = sspigss_compat_message_(dwFlags, dwMessageId, dwLanguageId,
                                   &len);
    if (text == NULL)
        return 0;
    units = sspigss_compat_utf8_to_utf16_(text, len, NULL);
    if (dwFlags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        size_t size = units + 1 > nSize ? units + 1 : nSize;

        out = (WCHAR *)malloc(size * sizeof(WCHAR));
        if (out == NULL) {
            free(text);
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        *(LPWSTR *)(void *)lpBuffer = out;
    } else {
        if (units + 1 > nSize) {
            free(text);
            SetLastError(ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        out = lpBuffer;
    }
    sspigss_compat_utf8_to_utf16_(text, len, out);
    out[units] = 0;
    free(text);
    return (DWORD)units;
}

#ifdef UNICODE
#define FormatMessage FormatMessageW
#else
#define FormatMessage FormatMessageA
#endif

#ifdef __cplusplus
}
#endif

#endif /* SSPIGSS_COMPAT_WINDOWS_H */
