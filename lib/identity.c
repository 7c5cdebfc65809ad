/*
 * identity.c - SEC_WINNT_AUTH_IDENTITY* parsing and principal names.
 */
#include "setup.h"

#include <ctype.h>
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

SECURITY_STATUS
identity_from_auth_data(const void *auth_data, struct identity *id)
{
    const void *user, *domain, *password, *plist = NULL;
    ULONG ulen, dlen, plen, pllen = 0, flags;
    SECURITY_STATUS st;
    bool wide;

    memset(id, 0, sizeof(*id));
    /*
     * An EX identity starts with Version and Length; a plain one with the
     * User pointer, whose low half may happen to equal the version. Only
     * a Length of exactly the EX structure's size makes it EX (a real EX
     * caller sets sizeof); a shorter one is a malformed EX; a larger one
     * is the high half of a pointer: a plain identity. (Found by
     * fuzz/fuzz_identity.c: reading a plain identity as EX ran past it.)
     */
    if (*(const ULONG *)auth_data == SEC_WINNT_AUTH_IDENTITY_VERSION
        && ((const ULONG *)auth_data)[1]
               <= sizeof(SEC_WINNT_AUTH_IDENTITY_EXW)) {
        /* The A and W EX layouts are the same but for string types. */
        const SEC_WINNT_AUTH_IDENTITY_EXW *ex = auth_data;

        if (ex->Length != sizeof(*ex))
            return SEC_E_UNKNOWN_CREDENTIALS;
        user = ex->User, ulen = ex->UserLength;
        domain = ex->Domain, dlen = ex->DomainLength;
        password = ex->Password, plen = ex->PasswordLength;
        plist = ex->PackageList, pllen = ex->PackageListLength;
        flags = ex->Flags;
    } else if (*(const ULONG *)auth_data
               == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        /* Packed EX2 identities are not supported (yet). */
        return SEC_E_UNKNOWN_CREDENTIALS;
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
