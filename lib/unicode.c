/*
 * unicode.c - UTF-16 <-> UTF-8 at the A/W boundary.
 *
 * The W entry points take UTF-16 (16-bit WCHAR, as on Windows); everything
 * inside the library is UTF-8. Conversion happens once per call, and
 * malformed input (unpaired surrogates, overlong or truncated UTF-8,
 * embedded NULs in counted strings) is refused rather than repaired, so a
 * name or password never silently changes on its way to Kerberos.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t
wstr_len(const WCHAR *s)
{
    size_t n = 0;

    while (s[n] != 0)
        n++;
    return n;
}

/* Decode one UTF-8 sequence at s[i..len). Returns the code point and sets
 * *adv to the sequence length, or returns -1 for malformed input. */
static long
utf8_decode(const unsigned char *s, size_t len, size_t i, size_t *adv)
{
    unsigned char c = s[i];
    size_t n, k;
    long cp, min;

    if (c < 0x80) {
        *adv = 1;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (len - i < n)
        return -1;
    for (k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *adv = n;
    return cp;
}

bool
utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;

    while (i < len) {
        long cp = utf8_decode(u, len, i, &adv);

        if (cp <= 0)
            return false;
        i += adv;
    }
    return true;
}

SECURITY_STATUS
utf16_to_utf8(const WCHAR *s, size_t len, char **out, size_t *out_len)
{
    size_t i, need = 0, o = 0;
    char *buf;

    *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (len == (size_t)-1)
        len = wstr_len(s);

    /* First pass: validate and size. */
    for (i = 0; i < len; i++) {
        uint32_t c = s[i];

        if (c == 0)
            return SEC_E_INVALID_PARAMETER;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= len || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                return SEC_E_INVALID_PARAMETER;
            i++;
            need += 4;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return SEC_E_INVALID_PARAMETER;
        } else {
            need += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
    }
    buf = malloc(need + 1);
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    for (i = 0; i < len; i++) {
        uint32_t c = s[i];

        if (c >= 0xD800 && c <= 0xDBFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
            buf[o++] = (char)(0xF0 | (c >> 18));
            buf[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x80) {
            buf[o++] = (char)c;
        } else if (c < 0x800) {
            buf[o++] = (char)(0xC0 | (c >> 6));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            buf[o++] = (char)(0xE0 | (c >> 12));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    buf[o] = '\0';
    *out = buf;
    if (out_len != NULL)
        *out_len = o;
    return SEC_E_OK;
}

void
utf8_to_utf16_into(const char *s, WCHAR *dst, size_t units)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0, adv, len = strlen(s);

    while (i < len && o < units) {
        long cp = utf8_decode(u, len, i, &adv);

        if (cp < 0)
            break;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            dst[o++] = (WCHAR)(0xD800 + (cp >> 10));
            if (o < units)
                dst[o++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
        } else {
            dst[o++] = (WCHAR)cp;
        }
        i += adv;
    }
    dst[o] = 0;
}

SECURITY_STATUS
utf8_to_utf16(const char *s, size_t len, WCHAR **out, size_t *out_units)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, units = 0, adv, o = 0;
    WCHAR *buf;

    if (out != NULL)
        *out = NULL;
    if (out_units != NULL)
        *out_units = 0;
    if (len == (size_t)-1)
        len = strlen(s);
    while (i < len) {
        long cp = utf8_decode(u, len, i, &adv);

        if (cp <= 0)
            return SEC_E_INVALID_PARAMETER;
        units += cp >= 0x10000 ? 2 : 1;
        i += adv;
    }
    if (out_units != NULL)
        *out_units = units;
    if (out == NULL)
        return SEC_E_OK;
    buf = malloc((units + 1) * sizeof(WCHAR));
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    for (i = 0; i < len; i += adv) {
        long cp = utf8_decode(u, len, i, &adv);

        if (cp >= 0x10000) {
            cp -= 0x10000;
            buf[o++] = (WCHAR)(0xD800 + (cp >> 10));
            buf[o++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
        } else {
            buf[o++] = (WCHAR)cp;
        }
    }
    buf[o] = 0;
    *out = buf;
    return SEC_E_OK;
}
