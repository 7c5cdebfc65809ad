/*
 * fuzz_identity.c - libFuzzer target: SEC_WINNT_AUTH_IDENTITY* parsing and
 * the Kerberos principal an identity names (lib/identity.c). The input's
 * first bytes choose the structure (plain or EX, A or W), its flags and
 * the split of the rest into user, domain and password; lengths may lie
 * within the bytes given, as a careless caller's would not exceed them.
 * With the first byte's top bit set the rest is a SEC_WINNT_AUTH_IDENTITY_
 * EX2 block instead, every offset and length in it the fuzzer's, only
 * Version and cbStructureLength made true (the library trusts the
 * latter, as Windows does).
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An EX2 block: the bytes given, at least a header's worth (zero-padded),
 * in a heap copy exactly cbStructureLength long. */
static int
fuzz_ex2(const uint8_t *data, size_t size)
{
    size_t len = size < sizeof(SEC_WINNT_AUTH_IDENTITY_EX2)
                 ? sizeof(SEC_WINNT_AUTH_IDENTITY_EX2) : size;
    ULONG version = SEC_WINNT_AUTH_IDENTITY_VERSION_2, total;
    unsigned char *buf;
    struct identity id;
    char *princ = NULL;

    if (len > 0xFFFFFFFFu)
        return 0;
    total = (ULONG)len;
    buf = calloc(1, len);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    memcpy(buf + offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, Version), &version,
           sizeof(version));
    memcpy(buf + offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, cbStructureLength),
           &total, sizeof(total));
    if (identity_from_auth_data(buf, &id) == SEC_E_OK) {
        if (identity_krb5_principal(&id, "FUZZ.TEST", &princ) == SEC_E_OK)
            free(princ);
        identity_clear(&id);
    }
    free(buf);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SEC_WINNT_AUTH_IDENTITY_EXW ex;
    SEC_WINNT_AUTH_IDENTITY_W w;
    struct identity id;
    unsigned char *buf;
    size_t rest, a, b;
    bool wide, use_ex;
    ULONG flags;
    char *princ = NULL;

    if (size < 4)
        return 0;
    if (data[0] & 0x80)
        return fuzz_ex2(data + 4, size - 4);
    use_ex = data[0] & 1;
    flags = data[1];                    /* may be 0, 1, 2, 3, junk */
    /* The library reads the strings as UTF-16 when the UNICODE flag is
     * set: the lengths must then count 16-bit units, as a real caller's
     * would (it trusts them, as Windows does). */
    wide = (flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) != 0;
    rest = size - 4;
    buf = malloc(rest + 2);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 4, rest);
    /* Split the rest: user | domain | password, by two cut points. */
    a = rest ? data[2] % (rest + 1) : 0;
    b = rest ? a + data[3] % (rest - a + 1) : 0;
    {
        size_t unit = wide ? 2 : 1;
        ULONG ulen = (ULONG)(a / unit), dlen = (ULONG)((b - a) / unit);
        ULONG plen = (ULONG)((rest - b) / unit);

        memset(&w, 0, sizeof(w));
        w.User = (unsigned short *)buf;
        w.UserLength = ulen;
        w.Domain = (unsigned short *)(buf + a);
        w.DomainLength = dlen;
        w.Password = (unsigned short *)(buf + b);
        w.PasswordLength = plen;
        w.Flags = flags;
        memset(&ex, 0, sizeof(ex));
        ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        ex.Length = sizeof(ex);
        ex.User = w.User;
        ex.UserLength = ulen;
        ex.Domain = w.Domain;
        ex.DomainLength = dlen;
        ex.Password = w.Password;
        ex.PasswordLength = plen;
        ex.Flags = flags;
    }
    /* Odd byte counts make UTF-16 pointers unaligned: keep them aligned
     * as a C caller's would be. */
    if (wide && ((uintptr_t)w.Domain % 2 || (uintptr_t)w.Password % 2)) {
        free(buf);
        return 0;
    }
    if (identity_from_auth_data(use_ex ? (void *)&ex : (void *)&w, &id)
        == SEC_E_OK) {
        if (identity_krb5_principal(&id, "FUZZ.TEST", &princ) == SEC_E_OK)
            free(princ);
        identity_clear(&id);
    }
    free(buf);
    return 0;
}
