/*
 * identity.c - SEC_WINNT_AUTH_IDENTITY* parsing and principal names.
 */
#include "setup.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity.h"
#include "internal.h"

/* Copy one counted string of the identity. NULL stays NULL. */
static SECURITY_STATUS
copy_field(const void *p, ULONG len, bool wide, char **out)
{
    *out = NULL;
    if (p == NULL)
        return len == 0 ? SEC_E_OK : SEC_E_UNKNOWN_CREDENTIALS;
    if (wide) {
        SECURITY_STATUS st = utf16_to_utf8(p, len, out, NULL);

        return st == SEC_E_INVALID_PARAMETER ? SEC_E_UNKNOWN_CREDENTIALS
                                             : st;
    }
    if (!utf8_valid(p, len))
        return SEC_E_UNKNOWN_CREDENTIALS;
    *out = malloc((size_t)len + 1);
    if (*out == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(*out, p, len);
    (*out)[len] = '\0';
    return SEC_E_OK;
}

/* ------------------------------------------------------------ EX2 */

/*
 * SEC_WINNT_AUTH_IDENTITY_EX2 (MicrosoftDocs sdk-api
 * ns-sspi-sec_winnt_auth_identity_ex2): a 48-byte header, then the user,
 * domain, package list and packed credential anywhere in the block, each
 * located by an offset from the block's start and a length in bytes;
 * cbStructureLength is the size of the whole block. The packed credential
 * is a SEC_WINNT_AUTH_PACKED_CREDENTIALS whose AuthData.CredData is an
 * offset from the packed credential's own start and a byte count (the
 * builders in sspilib src/sspilib/raw/_credential.pyx and in NtApiDotNet
 * Win32/Security/Credential/AuthIdentity put the data right after that
 * header, at offset cbHeaderLength).
 *
 * The block is bytes at any alignment, so every field is copied out with
 * memcpy (in the machine's byte order, as the caller's compiler wrote
 * it), and UTF-16 strings are copied to aligned memory before decoding.
 */

/*
 * sspilib 0.4.0 on Linux lays the packed credential out with 64-bit
 * GUID.Data1 and ByteArrayOffset (its python_sspi.h spells them "unsigned
 * long", 8 bytes under LP64): a 48-byte header with AuthData at offset 8,
 * where Windows has 28 bytes and 4 (docs/sspilib.md, gap 6). The header
 * length tells the two apart; accepting sspilib's is a compatibility
 * allowance, not Windows behaviour. Offsets of that layout:
 */
#define SSPILIB_PC_HEADER 48
#define SSPILIB_PC_DATA1 8       /* 8 bytes; the GUID's Data1 is the low 4 */
#define SSPILIB_PC_DATA2 16
#define SSPILIB_PC_DATA3 18
#define SSPILIB_PC_DATA4 20
#define SSPILIB_PC_OFFSET 32     /* 8 bytes */
#define SSPILIB_PC_LENGTH 40

static const GUID type_password = AUTH_DATA_TYPE_PASSWORD;
static const GUID type_keytab = AUTH_DATA_TYPE_KEYTAB;

#define EX2_FIELD(b, m) ((b) + offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, m))
#define PC_FIELD(b, m) ((b) + offsetof(SEC_WINNT_AUTH_PACKED_CREDENTIALS, m))

static unsigned short
rd16(const unsigned char *p)
{
    unsigned short v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static ULONG
rd32(const unsigned char *p)
{
    ULONG v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t
rd64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

/* Does the part (off, len) of a block of total bytes lie after its
 * header of hdr bytes and inside the block? An empty part always does. */
static bool
part_inside(uint64_t off, uint64_t len, size_t hdr, size_t total)
{
    if (len == 0)
        return true;
    return off >= hdr && off <= total && len <= total - off;
}

/*
 * Copy one string of an EX2 block: len bytes at p, UTF-16 (wide) or
 * 8-bit. NULL when len is 0. A secret's temporary copy is wiped.
 */
static SECURITY_STATUS
ex2_string(const unsigned char *p, size_t len, bool wide, char **out)
{
    WCHAR *units;
    SECURITY_STATUS st;

    *out = NULL;
    if (len == 0)
        return SEC_E_OK;
    if (!wide)
        return copy_field(p, (ULONG)len, false, out);
    /* A UTF-16 string is a whole number of 16-bit units. */
    if (len % 2 != 0)
        return SEC_E_UNKNOWN_CREDENTIALS;
    units = malloc(len);
    if (units == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(units, p, len);
    st = copy_field(units, (ULONG)(len / 2), true, out);
    mem_wipe(units, len);
    free(units);
    return st;
}

/* Is the 16-byte GUID g (Data1, Data2, Data3 as read) equal to want? */
static bool
guid_is(ULONG d1, unsigned short d2, unsigned short d3,
        const unsigned char d4[8], const GUID *want)
{
    return d1 == want->Data1 && d2 == want->Data2 && d3 == want->Data3
           && memcmp(d4, want->Data4, 8) == 0;
}

/*
 * The packed credential: n bytes at pc. Sets id->password (a password
 * credential; an empty one is "") or id->keytab.
 */
static SECURITY_STATUS
ex2_packed(const unsigned char *pc, size_t n, struct identity *id)
{
    unsigned short hdr, total, dlen;
    uint64_t doff;
    ULONG d1;
    unsigned short d2, d3;
    const unsigned char *d4;
    const unsigned char *data;

    if (n < offsetof(SEC_WINNT_AUTH_PACKED_CREDENTIALS, AuthData))
        return SEC_E_UNKNOWN_CREDENTIALS;
    hdr = rd16(PC_FIELD(pc, cbHeaderLength));
    total = rd16(PC_FIELD(pc, cbStructureLength));
    /* The packed credential must fit the part of the block given for it,
     * and its header must fit in it. */
    if (total > n || hdr > total)
        return SEC_E_UNKNOWN_CREDENTIALS;
    if (hdr == sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS)) {
        /* Windows' layout. */
        d1 = rd32(PC_FIELD(pc, AuthData.CredType.Data1));
        d2 = rd16(PC_FIELD(pc, AuthData.CredType.Data2));
        d3 = rd16(PC_FIELD(pc, AuthData.CredType.Data3));
        d4 = PC_FIELD(pc, AuthData.CredType.Data4);
        doff = rd32(PC_FIELD(pc, AuthData.CredData.ByteArrayOffset));
        dlen = rd16(PC_FIELD(pc, AuthData.CredData.ByteArrayLength));
    } else if (hdr == SSPILIB_PC_HEADER) {
        /* sspilib's Linux layout (above). */
        d1 = (ULONG)rd64(pc + SSPILIB_PC_DATA1);
        d2 = rd16(pc + SSPILIB_PC_DATA2);
        d3 = rd16(pc + SSPILIB_PC_DATA3);
        d4 = pc + SSPILIB_PC_DATA4;
        doff = rd64(pc + SSPILIB_PC_OFFSET);
        dlen = rd16(pc + SSPILIB_PC_LENGTH);
    } else {
        return SEC_E_UNKNOWN_CREDENTIALS;
    }
    if (!part_inside(doff, dlen, hdr, total))
        return SEC_E_UNKNOWN_CREDENTIALS;
    data = pc + (dlen != 0 ? doff : hdr);

    if (guid_is(d1, d2, d3, d4, &type_password)) {
        /* The password in UTF-16LE without a NUL, byte-counted
         * (NtApiDotNet SecWinNtAuthPackedCredentialPassword decodes the
         * data as Encoding.Unicode). */
        SECURITY_STATUS st;

        if (dlen == 0) {
            id->password = strdup("");
            return id->password != NULL ? SEC_E_OK
                                        : SEC_E_INSUFFICIENT_MEMORY;
        }
        st = ex2_string(data, dlen, true, &id->password);
        return st;
    }
    if (guid_is(d1, d2, d3, d4, &type_keytab)) {
        /* The keytab's bytes (sspilib KeytabCredential; jborean93's
         * LocalKdc README: "CredData is for the raw keytab bytes"). Its
         * contents are read when the ticket is requested, as Windows
         * accepts the handle even for a keytab that is not one (sspilib
         * tests/test_credential.py, test_keytab_*: data b"foo"). */
        id->keytab = malloc(dlen != 0 ? dlen : 1);
        if (id->keytab == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        memcpy(id->keytab, data, dlen);
        id->keytab_len = dlen;
        return SEC_E_OK;
    }
    /* Certificates, smart cards, CSP data, NGC, FIDO, delegation tokens:
     * nothing here can use them. */
    if (trace_enabled())
        trace_printf("EX2 identity: packed credential type "
                     "{%08lx-%04x-%04x-...} is not supported "
                     "(only PASSWORD and KEYTAB)",
                     (unsigned long)d1, (unsigned)d2, (unsigned)d3);
    return SEC_E_UNKNOWN_CREDENTIALS;
}

/* A SEC_WINNT_AUTH_IDENTITY_EX2 block at b. */
static SECURITY_STATUS
ex2_parse(const unsigned char *b, struct identity *id)
{
    size_t hdr, total;
    ULONG uoff, doff, poff, ploff, flags;
    unsigned short ulen, dlen, plen, pllen;
    SECURITY_STATUS st;
    bool wide;

    hdr = rd16(EX2_FIELD(b, cbHeaderLength));
    total = rd32(EX2_FIELD(b, cbStructureLength));
    if (hdr < sizeof(SEC_WINNT_AUTH_IDENTITY_EX2) || hdr > total)
        return SEC_E_UNKNOWN_CREDENTIALS;
    uoff = rd32(EX2_FIELD(b, UserOffset));
    ulen = rd16(EX2_FIELD(b, UserLength));
    doff = rd32(EX2_FIELD(b, DomainOffset));
    dlen = rd16(EX2_FIELD(b, DomainLength));
    poff = rd32(EX2_FIELD(b, PackedCredentialsOffset));
    plen = rd16(EX2_FIELD(b, PackedCredentialsLength));
    ploff = rd32(EX2_FIELD(b, PackageListOffset));
    /* sspilib declares PackageListLength a ULONG (docs/sspilib.md,
     * section 1); its low half, on a little-endian machine, is the same
     * USHORT. */
    pllen = rd16(EX2_FIELD(b, PackageListLength));
    flags = rd32(EX2_FIELD(b, Flags));
    if (!part_inside(uoff, ulen, hdr, total)
        || !part_inside(doff, dlen, hdr, total)
        || !part_inside(poff, plen, hdr, total)
        || !part_inside(ploff, pllen, hdr, total))
        return SEC_E_UNKNOWN_CREDENTIALS;
    /* Without a packed credential an EX2 identity says nothing an EX
     * one could not; we take it for a malformed one. */
    if (plen == 0)
        return SEC_E_UNKNOWN_CREDENTIALS;
    /* The strings are UTF-16 unless the caller says ANSI alone. Windows'
     * own packer sets UNICODE (NtApiDotNet's SecWinNtAuthIdentity.Create
     * mirrors SspiEncodeStringsAsAuthIdentity: IdentityMarshalled |
     * Unicode); callers that set no flag at all mean UTF-16 too. */
    wide = !((flags & SEC_WINNT_AUTH_IDENTITY_ANSI)
             && !(flags & SEC_WINNT_AUTH_IDENTITY_UNICODE));

    st = ex2_string(b + uoff, ulen, wide, &id->user);
    if (st == SEC_E_OK)
        st = ex2_string(b + doff, dlen, wide, &id->domain);
    if (st == SEC_E_OK)
        st = ex2_string(b + ploff, pllen, wide, &id->package_list);
    if (st == SEC_E_OK)
        st = ex2_packed(b + poff, plen, id);
    return st;
}

/* ------------------------------------------------------- all forms */

SECURITY_STATUS
identity_from_auth_data(const void *auth_data, struct identity *id)
{
    const void *user, *domain, *password, *plist = NULL;
    ULONG ulen, dlen, plen, pllen = 0, flags, version, second;
    SECURITY_STATUS st;
    bool wide;

    memset(id, 0, sizeof(*id));
    /* Read with memcpy: an EX2 block is bytes, at any alignment. */
    version = rd32(auth_data);
    second = rd32((const unsigned char *)auth_data + sizeof(ULONG));
    /*
     * An EX identity starts with Version and Length; a plain one with the
     * User pointer, whose low half may happen to equal the version. Only
     * a Length of exactly the EX structure's size makes it EX (a real EX
     * caller sets sizeof); a shorter one is a malformed EX; a larger one
     * is the high half of a pointer: a plain identity. (Found by
     * fuzz/fuzz_identity.c: reading a plain identity as EX ran past it.)
     */
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION
        && second <= sizeof(SEC_WINNT_AUTH_IDENTITY_EXW)) {
        /* The A and W EX layouts are the same but for string types. */
        const SEC_WINNT_AUTH_IDENTITY_EXW *ex = auth_data;

        if (ex->Length != sizeof(*ex))
            return SEC_E_UNKNOWN_CREDENTIALS;
        user = ex->User, ulen = ex->UserLength;
        domain = ex->Domain, dlen = ex->DomainLength;
        password = ex->Password, plen = ex->PasswordLength;
        plist = ex->PackageList, pllen = ex->PackageListLength;
        flags = ex->Flags;
    } else if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        st = ex2_parse(auth_data, id);
        if (st != SEC_E_OK)
            identity_clear(id);
        return st;
    } else {
        const SEC_WINNT_AUTH_IDENTITY_W *w = auth_data;

        user = w->User, ulen = w->UserLength;
        domain = w->Domain, dlen = w->DomainLength;
        password = w->Password, plen = w->PasswordLength;
        flags = w->Flags;
    }
    if ((flags & (SEC_WINNT_AUTH_IDENTITY_ANSI
                  | SEC_WINNT_AUTH_IDENTITY_UNICODE)) == 0)
        return SEC_E_UNKNOWN_CREDENTIALS;
    wide = (flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) != 0;

    st = copy_field(user, ulen, wide, &id->user);
    if (st == SEC_E_OK)
        st = copy_field(domain, dlen, wide, &id->domain);
    if (st == SEC_E_OK)
        st = copy_field(password, plen, wide, &id->password);
    if (st == SEC_E_OK)
        st = copy_field(plist, pllen, wide, &id->package_list);
    if (st != SEC_E_OK)
        identity_clear(id);
    return st;
}

void
identity_clear(struct identity *id)
{
    free(id->user);
    free(id->domain);
    mem_free_secret_str(id->password);
    free(id->package_list);
    if (id->keytab != NULL) {
        mem_wipe(id->keytab, id->keytab_len);
        free(id->keytab);
    }
    memset(id, 0, sizeof(*id));
}

/* Upper-case a realm in place (ASCII; realms are ASCII in practice). */
static void
upcase(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)toupper((unsigned char)*s);
}

SECURITY_STATUS
identity_krb5_principal(const struct identity *id, const char *default_realm,
                        char **out)
{
    const char *user = id->user, *realm = NULL, *bs, *at;
    size_t ulen, rlen;
    char *p;

    *out = NULL;
    if (user == NULL || *user == '\0')
        return SEC_E_UNKNOWN_CREDENTIALS;
    bs = strchr(user, '\\');
    at = strrchr(user, '@');
    if (bs != NULL && at == NULL) {
        /* DOMAIN\user */
        realm = user;
        rlen = (size_t)(bs - user);
        user = bs + 1;
        ulen = strlen(user);
    } else if (at != NULL) {
        /* user@realm: a UPN names its realm itself. */
        ulen = (size_t)(at - user);
        realm = at + 1;
        rlen = strlen(realm);
    } else {
        ulen = strlen(user);
        if (id->domain != NULL && *id->domain != '\0') {
            realm = id->domain;
            rlen = strlen(realm);
        }
    }
    if (ulen == 0)
        return SEC_E_UNKNOWN_CREDENTIALS;
    if (realm != NULL && rlen == 0)
        realm = NULL;
    if (realm != NULL && default_realm != NULL
        && memchr(realm, '.', rlen) == NULL
        && strncasecmp(realm, default_realm, rlen) == 0
        && (default_realm[rlen] == '.' || default_realm[rlen] == '\0')) {
        realm = default_realm;
        rlen = strlen(realm);
    }
    p = malloc(ulen + (realm ? rlen + 1 : 0) + 1);
    if (p == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(p, user, ulen);
    p[ulen] = '\0';
    if (realm != NULL) {
        p[ulen] = '@';
        memcpy(p + ulen + 1, realm, rlen);
        p[ulen + 1 + rlen] = '\0';
        upcase(p + ulen + 1);
    }
    *out = p;
    return SEC_E_OK;
}
