/*
 * ex2.h - build SEC_WINNT_AUTH_IDENTITY_EX2 blocks for the tests, in
 * Windows' layout or in sspilib's Linux one (docs/sspilib.md, gap 6).
 *
 * The block: the 48-byte header, the user, domain and package list in
 * UTF-16LE (byte lengths), then the packed credential at an 8-byte
 * aligned offset with its data right after its own header, as sspilib's
 * and NtApiDotNet's builders place it.
 */
#ifndef SSPIGSS_TESTS_EX2_H
#define SSPIGSS_TESTS_EX2_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/sspigss.h>

struct ex2_spec {
    const char *user, *domain, *package_list;   /* ASCII, or NULL */
    const GUID *type;
    const void *data;
    size_t data_len;
    int sspilib_layout;     /* 48-byte packed header, 64-bit longs */
};

/* Offsets of the packed credential in each layout. */
struct ex2_offsets {
    size_t user, domain, plist, packed, data;
};

static inline size_t
ex2_put_ascii16(unsigned char *dst, const char *s)
{
    size_t i, n = s != NULL ? strlen(s) : 0;

    for (i = 0; i < n; i++) {
        dst[2 * i] = (unsigned char)s[i];
        dst[2 * i + 1] = 0;
    }
    return 2 * n;
}

/*
 * A newly allocated EX2 block (free()); *len its size; where the parts
 * went in *off (may be NULL). All lengths and offsets are set so that
 * the block is well-formed; tests then break one field at a time.
 */
static inline unsigned char *
ex2_build(const struct ex2_spec *s, size_t *len, struct ex2_offsets *off)
{
    SEC_WINNT_AUTH_IDENTITY_EX2 h;
    struct ex2_offsets o;
    size_t ul = s->user ? 2 * strlen(s->user) : 0;
    size_t dl = s->domain ? 2 * strlen(s->domain) : 0;
    size_t pl = s->package_list ? 2 * strlen(s->package_list) : 0;
    size_t phead = sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS);
    size_t total;
    unsigned char *b;

    if (s->sspilib_layout)
        phead = 48;
    o.user = sizeof(h);
    o.domain = o.user + ul;
    o.plist = o.domain + dl;
    o.packed = (o.plist + pl + 7) & ~(size_t)7;
    o.data = o.packed + phead;
    total = o.data + s->data_len;
    b = calloc(1, total);
    if (b == NULL)
        abort();
    memset(&h, 0, sizeof(h));
    h.Version = SEC_WINNT_AUTH_IDENTITY_VERSION_2;
    h.cbHeaderLength = sizeof(h);
    h.cbStructureLength = (ULONG)total;
    h.UserOffset = ul ? (ULONG)o.user : 0;
    h.UserLength = (unsigned short)ul;
    h.DomainOffset = dl ? (ULONG)o.domain : 0;
    h.DomainLength = (unsigned short)dl;
    h.PackageListOffset = pl ? (ULONG)o.plist : 0;
    h.PackageListLength = (unsigned short)pl;
    h.PackedCredentialsOffset = (ULONG)o.packed;
    h.PackedCredentialsLength = (unsigned short)(phead + s->data_len);
    h.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    memcpy(b, &h, sizeof(h));
    ex2_put_ascii16(b + o.user, s->user);
    ex2_put_ascii16(b + o.domain, s->domain);
    ex2_put_ascii16(b + o.plist, s->package_list);
    if (s->sspilib_layout) {
        /* python_sspi.h under LP64: GUID {unsigned long Data1; ...} is
         * 24 bytes, the byte vector {unsigned long; unsigned short} 16,
         * AuthData at 8. */
        unsigned char *p = b + o.packed;
        uint16_t hl = (uint16_t)phead, sl = (uint16_t)(phead + s->data_len);
        uint64_t d1 = s->type->Data1, doff = phead;
        uint16_t dlen = (uint16_t)s->data_len;

        memcpy(p, &hl, 2);
        memcpy(p + 2, &sl, 2);
        memcpy(p + 8, &d1, 8);
        memcpy(p + 16, &s->type->Data2, 2);
        memcpy(p + 18, &s->type->Data3, 2);
        memcpy(p + 20, s->type->Data4, 8);
        memcpy(p + 32, &doff, 8);
        memcpy(p + 40, &dlen, 2);
    } else {
        SEC_WINNT_AUTH_PACKED_CREDENTIALS pc;

        memset(&pc, 0, sizeof(pc));
        pc.cbHeaderLength = (unsigned short)phead;
        pc.cbStructureLength = (unsigned short)(phead + s->data_len);
        pc.AuthData.CredType = *s->type;
        pc.AuthData.CredData.ByteArrayOffset = (ULONG)phead;
        pc.AuthData.CredData.ByteArrayLength = (unsigned short)s->data_len;
        memcpy(b + o.packed, &pc, sizeof(pc));
    }
    if (s->data_len > 0)
        memcpy(b + o.data, s->data, s->data_len);
    *len = total;
    if (off != NULL)
        *off = o;
    return b;
}

/* The UTF-16LE bytes of an ASCII password, for SEC_WINNT_AUTH_DATA_TYPE_
 * PASSWORD (free()). */
static inline unsigned char *
ex2_password(const char *pw, size_t *len)
{
    unsigned char *b = malloc(2 * strlen(pw) + 1);

    if (b == NULL)
        abort();
    *len = ex2_put_ascii16(b, pw);
    return b;
}

/* The bytes of a (small) file, e.g. a keytab (free()); NULL when it
 * cannot be read. */
static inline unsigned char *
ex2_file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < 65536
        && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n)) != NULL
        && fread(b, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

#endif /* SSPIGSS_TESTS_EX2_H */
