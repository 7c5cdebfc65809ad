/*
 * fuzz_unicode.c - libFuzzer target: UTF-16 <-> UTF-8 at the A/W boundary
 * (lib/unicode.c). Every string a W entry point receives goes through it.
 * Round trips must be exact; malformed input must be refused.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    WCHAR *w = malloc(size + 2), *back = NULL;
    char *u8 = NULL;
    size_t units = size / 2, n8, nback;

    if (w == NULL)
        return 0;
    memcpy(w, data, units * 2);
    if (utf16_to_utf8(w, units, &u8, &n8) == SEC_E_OK) {
        if (utf8_to_utf16(u8, n8, &back, &nback) != SEC_E_OK
            || nback != units || memcmp(back, w, units * 2) != 0)
            abort();
    }
    free(u8);
    free(back);
    /* The same bytes read as UTF-8. */
    if (utf8_valid((const char *)data, size)) {
        if (utf8_to_utf16((const char *)data, size, &back, &nback)
            != SEC_E_OK)
            abort();
        free(back);
    }
    free(w);
    return 0;
}
