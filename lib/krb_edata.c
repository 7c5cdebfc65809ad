/*
 * krb_edata.c - NTSTATUS from a KRB-ERROR's e-data (MS-KILE 2.2.1-2.2.2).
 *
 * A minimal DER reader for exactly the two shapes described in
 * krb_edata.h: definite lengths only, every length checked against what
 * is left, nothing allocated. The input comes from the network.
 */
#include "setup.h"

#include <string.h>

#include "der.h"
#include "krb_edata.h"

/* KERB_ERR_TYPE_EXTENDED (MS-KILE 2.2.1); also the PA-DATA type AD uses
 * for the same octets in METHOD-DATA. */
#define EXT_ERROR_TYPE 3


/* A small non-negative INTEGER. */
static bool
der_int(struct der *d, long *out)
{
    struct der v;
    long x = 0;

    if (!der_take(d, 0x02, &v) || v.p == v.end || v.end - v.p > 4
        || (v.p[0] & 0x80))
        return false;
    for (; v.p < v.end; v.p++)
        x = (x << 8) | *v.p;
    *out = x;
    return true;
}

/* The body of a KERB-ERROR-DATA or a PA-DATA: [1] INTEGER, [2] OCTET
 * STRING. Returns true with the octets when the type is 3. */
static bool
typed_value(struct der body, struct der *octets)
{
    struct der t, v;
    long type;

    if (!der_take(&body, 0xA1, &t) || !der_int(&t, &type) || t.p != t.end)
        return false;
    if (!der_take(&body, 0xA2, &v) || !der_take(&v, 0x04, octets)
        || v.p != v.end)
        return false;
    return type == EXT_ERROR_TYPE;
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

/*
 * KERB-EXT-ERROR: status, reserved, flags. MS-KILE 2.2.1 sets flags to 1
 * (Windows and Samba send 1 in AS replies, 3 in TGS replies: Samba
 * python/samba/tests/krb5/raw_testcase.py); only error statuses (both
 * severity bits set) count. Type 3 is also PA-PW-SALT, so a 12-byte salt
 * must not pass for a status: the flags and severity checks see to it.
 */
static bool
ext_error(struct der octets, uint32_t *status)
{
    uint32_t s, flags;

    if (octets.end - octets.p != 12)
        return false;
    s = le32(octets.p);
    flags = le32(octets.p + 8);
    if ((s & 0xC0000000u) != 0xC0000000u || (flags != 1 && flags != 3))
        return false;
    *status = s;
    return true;
}

bool
krb_edata_ntstatus(const void *edata, size_t len, uint32_t *ntstatus)
{
    struct der all, outer, elem, octets;

    /* KDC errors without e-data come as { 0, NULL }: no pointer
     * arithmetic on NULL, not even + 0. */
    if (edata == NULL || len == 0)
        return false;
    all.p = edata;
    all.end = all.p + len;
    if (!der_take(&all, 0x30, &outer))
        return false;
    if (outer.p < outer.end && outer.p[0] == 0xA1) {
        /* KERB-ERROR-DATA */
        return typed_value(outer, &octets) && ext_error(octets, ntstatus);
    }
    /* METHOD-DATA: the first PA-DATA of type 3 that is a KERB-EXT-ERROR */
    while (outer.p < outer.end) {
        if (!der_take(&outer, 0x30, &elem))
            return false;
        if (typed_value(elem, &octets) && ext_error(octets, ntstatus))
            return true;
    }
    return false;
}

const char *
krb_ntstatus_name(uint32_t s)
{
    /* NTSTATUS values from [MS-ERREF] 2.3.1. */
    switch (s) {
    case 0xC000006AU: return "STATUS_WRONG_PASSWORD";
    case 0xC000006DU: return "STATUS_LOGON_FAILURE";
    case 0xC000006EU: return "STATUS_ACCOUNT_RESTRICTION";
    case 0xC000006FU: return "STATUS_INVALID_LOGON_HOURS";
    case 0xC0000070U: return "STATUS_INVALID_WORKSTATION";
    case 0xC0000071U: return "STATUS_PASSWORD_EXPIRED";
    case 0xC0000072U: return "STATUS_ACCOUNT_DISABLED";
    case 0xC0000064U: return "STATUS_NO_SUCH_USER";
    case 0xC0000193U: return "STATUS_ACCOUNT_EXPIRED";
    case 0xC0000224U: return "STATUS_PASSWORD_MUST_CHANGE";
    case 0xC0000234U: return "STATUS_ACCOUNT_LOCKED_OUT";
    case 0xC00002FAU: return "STATUS_SMARTCARD_LOGON_REQUIRED";
    case 0xC0000133U: return "STATUS_TIME_DIFFERENCE_AT_DC";
    case 0xC000015BU: return "STATUS_LOGON_TYPE_NOT_GRANTED";
    default: return NULL;
    }
}

bool
krb_edata_padata_types(const void *edata, size_t len, int32_t *types,
                       size_t max, size_t *n)
{
    struct der all, outer, elem, t, v;

    *n = 0;
    if (edata == NULL || len == 0)
        return false;
    all.p = edata;
    all.end = all.p + len;
    /* METHOD-DATA ::= SEQUENCE OF PA-DATA; PA-DATA ::= SEQUENCE {
     * padata-type [1] Int32, padata-value [2] OCTET STRING } (RFC 4120
     * 5.2.7, 5.9.1). */
    if (!der_take(&all, 0x30, &outer) || all.p != all.end)
        return false;
    while (outer.p < outer.end) {
        int32_t x;
        size_t i, l;

        if (!der_take(&outer, 0x30, &elem) || !der_take(&elem, 0xA1, &t)
            || !der_take(&t, 0x02, &v) || t.p != t.end)
            return false;
        l = (size_t)(v.end - v.p);
        if (l == 0 || l > 4)
            return false;
        /* Two's complement, sign-extended. */
        x = (v.p[0] & 0x80) ? -1 : 0;
        for (i = 0; i < l; i++)
            x = (int32_t)(((uint32_t)x << 8) | v.p[i]);
        if (*n < max)
            types[(*n)++] = x;
    }
    return true;
}
