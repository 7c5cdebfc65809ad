/*
 * der.h - the smallest DER reader over untrusted bytes, shared by the
 * parsers that need one TLV at a time (krb_edata.c: KRB-ERROR e-data;
 * certcred.c: names in certificates).
 */
#ifndef SSPIGSS_DER_H
#define SSPIGSS_DER_H

#include <stdbool.h>
#include <stddef.h>

struct der {
    const unsigned char *p, *end;
};

/*
 * Read one TLV with the given tag. On success val describes its
 * contents and d advances past it. Rejects indefinite lengths, lengths
 * over 4 octets and anything running past the end.
 */
static inline bool
der_take(struct der *d, unsigned char tag, struct der *val)
{
    size_t len = 0, n, i;

    if (d->end - d->p < 2 || d->p[0] != tag)
        return false;
    d->p++;
    if (*d->p < 0x80) {
        len = *d->p++;
    } else {
        n = *d->p++ & 0x7f;
        if (n == 0 || n > 4 || (size_t)(d->end - d->p) < n)
            return false;
        for (i = 0; i < n; i++)
            len = (len << 8) | *d->p++;
    }
    if ((size_t)(d->end - d->p) < len)
        return false;
    val->p = d->p;
    val->end = d->p + len;
    d->p += len;
    return true;
}

#endif /* SSPIGSS_DER_H */
