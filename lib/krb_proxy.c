/*
 * krb_proxy.c - SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS: Kerberos through a
 * KDC proxy (MS-KKDCP, Kerberos over HTTPS).
 *
 * Windows code names a proxy for one credential with
 * SetCredentialsAttributesW(cred, SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
 * SecPkgCredentials_KdcProxySettingsW + the server string, size)
 * (Microsoft Learn, SecPkgCredentials_KdcProxySettingsW; Python's
 * sspilib makes this call). The server string is "host[:port[:path]]",
 * the form of Windows' "KDC proxy servers" policy (port 443 and path
 * "KdcProxy" by default); an "https://" URL is taken as it is.
 * KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY sends every request through the
 * proxy; without it the realm's own KDCs are tried first and the proxy
 * after them.
 *
 * MIT krb5 speaks MS-KKDCP since 1.13 (a realm's "kdc = https://..."
 * relation; Debian's krb5-k5tls package holds its TLS module), but only
 * through a profile, which is per krb5 context, while GSS-API makes its
 * own contexts from the process's profile. So the credential gets a krb5
 * context of its own whose profile routes the client's realm to the
 * proxy, and everything that talks to a KDC for it goes through that
 * context before GSS-API is asked to: the initial ticket of an explicit
 * identity (krb_creds_ready() uses the credential's context), and the
 * service ticket for each target, fetched into the credential's cache
 * (krb_proxy_prefetch()), where gss_init_sec_context finds it and asks
 * no KDC.
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile.h>

#include "gss_int.h"
#include "internal.h"

/* Windows' defaults for a proxy named by host alone. */
#define PROXY_PORT "443"
#define PROXY_PATH "KdcProxy"

void
krb_proxy_free(struct gss_cred *c)
{
    free(c->kdc_proxy_url);
    c->kdc_proxy_url = NULL;
    c->kdc_proxy_bad = NULL;
    c->kdc_proxy_force = false;
    if (c->proxy_ctx != NULL)
        krb5_free_context(c->proxy_ctx);
    c->proxy_ctx = NULL;
}

/* Append s (n bytes) to the URL being built; false when out of room. */
static bool
put(char *url, size_t size, size_t *at, const char *s, size_t n)
{
    if (*at + n >= size)
        return false;
    memcpy(url + *at, s, n);
    *at += n;
    url[*at] = '\0';
    return true;
}

/*
 * The URL MIT takes from the server string (UTF-16, n units: Windows
 * counts, and may contain a NUL). In the path, bytes outside RFC 3986's
 * unreserved set and '/' are percent-encoded; a host or port that cannot
 * be one fails with why set.
 */
static SECURITY_STATUS
proxy_url(const WCHAR *w, size_t n, char *url, size_t size, const char **why)
{
    size_t i, start, field = 0, at = 0;
    size_t from[3] = { 0, 0, 0 }, to[3] = { 0, 0, 0 };
    char *part[3] = { NULL, NULL, NULL };
    SECURITY_STATUS st = SEC_E_OK;
    static const char https[] = "https://";

    url[0] = '\0';
    /* Split at the first two ':' (a path may hold more). */
    for (i = 0, start = 0; i <= n; i++) {
        if (i == n || (w[i] == ':' && field < 2)) {
            from[field] = start;
            to[field] = i;
            field++;
            start = i + 1;
            if (i == n)
                break;
        }
    }
    if (n >= 8) {
        bool is_url = true;

        for (i = 0; i < 8 && is_url; i++)
            is_url = w[i] == (WCHAR)https[i];
        if (is_url) {
            /* A URL: NULs and malformed UTF-16 cannot be in one. */
            st = utf16_to_utf8(w, n, &part[0], NULL);
            if (st != SEC_E_OK) {
                *why = "the proxy URL is not text";
                if (st != SEC_E_INSUFFICIENT_MEMORY)
                    st = SEC_E_INVALID_PARAMETER;
                return st;
            }
            if (!put(url, size, &at, part[0], strlen(part[0])))
                st = SEC_E_INVALID_PARAMETER, *why = "the URL is too long";
            free(part[0]);
            return st;
        }
    }
    for (i = 0; i < field; i++) {
        if (to[i] == from[i])
            continue;
        st = utf16_to_utf8(w + from[i], to[i] - from[i], &part[i], NULL);
        if (st == SEC_E_INSUFFICIENT_MEMORY)
            goto out;
        if (st != SEC_E_OK && i < 2) {
            *why = i == 0 ? "the proxy host is not a host name (a NUL or "
                            "unpaired surrogate in it)"
                          : "the proxy port is not a number";
            st = SEC_E_INVALID_PARAMETER;
            goto out;
        }
        st = SEC_E_OK;
    }
    if (part[0] == NULL) {
        *why = "the proxy server names no host";
        st = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if (strspn(part[0], "/?#@") != 0 || strpbrk(part[0], "/?#@[] ") != NULL) {
        *why = "the proxy host is not a host name";
        st = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if (part[1] != NULL
        && (strspn(part[1], "0123456789") != strlen(part[1])
            || strlen(part[1]) > 5 || strtoul(part[1], NULL, 10) == 0
            || strtoul(part[1], NULL, 10) > 65535)) {
        *why = "the proxy port is not a number from 1 to 65535";
        st = SEC_E_INVALID_PARAMETER;
        goto out;
    }
    if (!put(url, size, &at, https, sizeof(https) - 1)
        || !put(url, size, &at, part[0], strlen(part[0]))
        || !put(url, size, &at, ":", 1)
        || !put(url, size, &at, part[1] != NULL ? part[1] : PROXY_PORT,
                strlen(part[1] != NULL ? part[1] : PROXY_PORT))
        || !put(url, size, &at, "/", 1))
        goto too_long;
    if (field < 3) {
        if (!put(url, size, &at, PROXY_PATH, sizeof(PROXY_PATH) - 1))
            goto too_long;
    } else {
        /* The path unit by unit: a NUL or a malformed code unit is
         * percent-encoded (UTF-8 of valid characters, the unit's low byte
         * otherwise). */
        for (i = from[2]; i < to[2]; i++) {
            char enc[32];
            unsigned char raw[1];
            char *u = NULL;
            size_t len = 1, k, ulen = 0;
            const unsigned char *b;

            if (w[i] >= 0xD800 && w[i] <= 0xDBFF && i + 1 < to[2]
                && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF)
                len = 2;
            if (w[i] != 0
                && utf16_to_utf8(w + i, len, &u, &ulen) == SEC_E_OK) {
                b = (const unsigned char *)u;
            } else {
                raw[0] = (unsigned char)w[i];
                b = raw;
                ulen = 1;
                len = 1;
            }
            for (k = 0; k < ulen; k++) {
                unsigned char ch = b[k];
                bool plain = (ch >= 'A' && ch <= 'Z')
                             || (ch >= 'a' && ch <= 'z')
                             || (ch >= '0' && ch <= '9') || ch == '-'
                             || ch == '.' || ch == '_' || ch == '~'
                             || ch == '/';

                if (plain)
                    snprintf(enc, sizeof(enc), "%c", ch);
                else
                    snprintf(enc, sizeof(enc), "%%%02X", ch);
                if (!put(url, size, &at, enc, strlen(enc))) {
                    free(u);
                    goto too_long;
                }
            }
            free(u);
            i += len - 1;
        }
    }
    st = SEC_E_OK;
    goto out;
too_long:
    *why = "the proxy URL is too long";
    st = SEC_E_INVALID_PARAMETER;
out:
    for (i = 0; i < 3; i++)
        free(part[i]);
    return st;
}

/*
 * The profile of a credential's context: the process's profile, except
 * that the client realm's "kdc" relation is the proxy (force) or the
 * realm's KDCs followed by it. A layer over a copy of the process's
 * profile (profile_init_vtable) rather than a changed copy: a context
 * made from a profile copies it by reading its files again, and
 * profile_release() would write a change back to them.
 */
struct layer {
    profile_t base;
    char *realm;
    char *url;
    bool force;
};

static void
layer_free(struct layer *l)
{
    if (l == NULL)
        return;
    if (l->base != NULL)
        profile_abandon(l->base);
    free(l->realm);
    free(l->url);
    free(l);
}

static struct layer *
layer_new(profile_t base, const char *realm, const char *url, bool force)
{
    struct layer *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->base = base;
    l->realm = strdup(realm);
    l->url = strdup(url);
    l->force = force;
    if (l->realm == NULL || l->url == NULL) {
        l->base = NULL;     /* the caller's still */
        layer_free(l);
        return NULL;
    }
    return l;
}

static bool
is_kdc_relation(const struct layer *l, const char *const *names)
{
    return names[0] != NULL && names[1] != NULL && names[2] != NULL
           && names[3] == NULL && strcmp(names[0], "realms") == 0
           && strcmp(names[1], l->realm) == 0 && strcmp(names[2], "kdc") == 0;
}

static long
layer_get_values(void *cb, const char *const *names, char ***ret)
{
    struct layer *l = cb;
    char **base = NULL, **out;
    size_t n = 0, i;
    long code;

    if (!is_kdc_relation(l, names))
        return profile_get_values(l->base, names, ret);
    if (!l->force) {
        code = profile_get_values(l->base, names, &base);
        if (code != 0 && code != PROF_NO_RELATION && code != PROF_NO_SECTION)
            return code;
    }
    while (base != NULL && base[n] != NULL)
        n++;
    out = calloc(n + 2, sizeof(*out));
    if (out == NULL) {
        profile_free_list(base);
        return ENOMEM;
    }
    for (i = 0; i < n; i++)
        out[i] = base[i];
    out[n] = strdup(l->url);
    free(base);             /* the strings moved to out */
    if (out[n] == NULL) {
        profile_free_list(out);
        return ENOMEM;
    }
    *ret = out;
    return 0;
}

static void
layer_free_values(void *cb, char **values)
{
    (void)cb;
    profile_free_list(values);
}

static void
layer_cleanup(void *cb)
{
    layer_free(cb);
}

/* The process's profile, as a krb5 context reads it (a copy). */
static long
process_profile(profile_t *out)
{
    krb5_context k = NULL;
    long code = krb5_init_context(&k);

    if (code != 0)
        return code;
    code = krb5_get_profile(k, out);
    krb5_free_context(k);
    return code;
}

static long
layer_copy(void *cb, void **ret)
{
    struct layer *l = cb, *c;
    profile_t base;
    long code = process_profile(&base);

    if (code != 0)
        return code;
    c = layer_new(base, l->realm, l->url, l->force);
    if (c == NULL) {
        profile_abandon(base);
        return ENOMEM;
    }
    *ret = c;
    return 0;
}

static long
layer_iterator_create(void *cb, const char *const *names, int flags,
                      void **ret)
{
    struct layer *l = cb;

    return profile_iterator_create(l->base, names, flags, ret);
}

static long
layer_iterator(void *cb, void *iter, char **name, char **value)
{
    (void)cb;
    return profile_iterator(&iter, name, value);
}

static void
layer_iterator_free(void *cb, void *iter)
{
    (void)cb;
    profile_iterator_free(&iter);
}

static void
layer_free_string(void *cb, char *s)
{
    (void)cb;
    profile_release_string(s);
}

static struct profile_vtable layer_vtable = {
    .minor_ver = 1,
    .get_values = layer_get_values,
    .free_values = layer_free_values,
    .cleanup = layer_cleanup,
    .copy = layer_copy,
    .iterator_create = layer_iterator_create,
    .iterator = layer_iterator,
    .iterator_free = layer_iterator_free,
    .free_string = layer_free_string,
};

/* A krb5 context whose profile sends realm's KDC traffic to url. */
static krb5_error_code
proxy_context(const char *realm, const char *url, bool force,
              krb5_context *out)
{
    profile_t prof = NULL, layered = NULL;
    struct layer *l;
    krb5_error_code code;

    *out = NULL;
    code = (krb5_error_code)process_profile(&prof);
    if (code != 0)
        return code;
    l = layer_new(prof, realm, url, force);
    if (l == NULL) {
        profile_abandon(prof);
        return ENOMEM;
    }
    code = profile_init_vtable(&layer_vtable, l, &layered);
    if (code != 0) {
        layer_free(l);
        return code;
    }
    /* The context copies the profile (layer_copy); this one goes. */
    code = krb5_init_context_profile(layered, 0, out);
    profile_abandon(layered);
    return code;
}

/* The realm of a principal as a C string (malloc). */
static char *
realm_of(krb5_const_principal p)
{
    return strndup(p->realm.data, p->realm.length);
}

/*
 * Route an explicit identity's initial ticket through the proxy: its
 * context (c->kctx, made when the credential was) is replaced by one
 * whose profile names the proxy. c->lock held.
 */
static SECURITY_STATUS
apply_explicit(struct gss_cred *c, const char *url, bool force)
{
    krb5_context k;
    krb5_error_code code;
    char *realm = realm_of(c->client);

    if (realm == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    code = proxy_context(realm, url, force, &k);
    free(realm);
    if (code != 0)
        return map_krb5(NULL, code, MAP_ACQUIRE);
    /* The principal and a cache made so far do not belong to a
     * context: they carry over. */
    krb5_free_context(c->kctx);
    c->kctx = k;
    return SEC_E_OK;
}

SECURITY_STATUS
krb_proxy_set(struct gss_cred *c, const void *buffer, ULONG size)
{
    const SecPkgCredentials_KdcProxySettingsW *s = buffer;
    const unsigned char *base = buffer;
    size_t off, len;
    WCHAR *copy;
    char url[1024], *saved = NULL;
    const char *why = "", *bad = NULL;
    bool force;
    SECURITY_STATUS st;

    if (size < sizeof(*s)) {
        trace_cause("KDC_PROXY_SETTINGS: %lu bytes, fewer than the "
                    "structure's %zu -> SEC_E_INVALID_PARAMETER",
                    (unsigned long)size, sizeof(*s));
        return SEC_E_INVALID_PARAMETER;
    }
    if (s->Version != KDC_PROXY_SETTINGS_V1
        || (s->Flags & ~(ULONG)KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY) != 0) {
        trace_cause("KDC_PROXY_SETTINGS: version %lu, flags 0x%lx (version "
                    "1 and KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY are known) "
                    "-> SEC_E_INVALID_PARAMETER", (unsigned long)s->Version,
                    (unsigned long)s->Flags);
        return SEC_E_INVALID_PARAMETER;
    }
    off = s->ProxyServerOffset;
    len = s->ProxyServerLength;
    if ((len > 0 && (off < sizeof(*s) || off > size || len > size - off))
        || len % sizeof(WCHAR) != 0
        || (s->ClientTlsCredLength > 0
            && (s->ClientTlsCredOffset > size
                || s->ClientTlsCredLength
                       > size - s->ClientTlsCredOffset))) {
        trace_cause("KDC_PROXY_SETTINGS: the server string (offset %zu, "
                    "%zu bytes) or the TLS credential lies outside the %lu "
                    "bytes given -> SEC_E_INVALID_PARAMETER", off, len,
                    (unsigned long)size);
        return SEC_E_INVALID_PARAMETER;
    }
    if (s->ClientTlsCredLength > 0) {
        trace_cause("KDC_PROXY_SETTINGS: a client TLS credential for the "
                    "proxy is not supported -> SEC_E_UNSUPPORTED_FUNCTION");
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    force = (s->Flags & KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY) != 0;
    pthread_mutex_lock(&c->lock);
    if (len == 0) {
        /* No server: Windows then uses the proxies its policy names; no
         * such policy here, so the realm's KDCs serve as before. */
        krb_proxy_free(c);
        c->kdc_proxy_force = force;
        pthread_mutex_unlock(&c->lock);
        trace_printf("KDC_PROXY_SETTINGS: no proxy server named; the "
                     "realm's KDCs are used");
        return SEC_E_OK;
    }
    /* The string copied out (it need not be aligned for WCHAR), turned
     * into the URL once; the credential changes only when all went
     * well. Windows takes any string here (sspilib's test sets one with
     * a NUL in it); one that names no proxy fails when a KDC is
     * needed. */
    copy = malloc(len);
    if (copy != NULL) {
        memcpy(copy, base + off, len);
        st = proxy_url(copy, len / sizeof(WCHAR), url, sizeof(url), &why);
        free(copy);
    } else {
        st = SEC_E_INSUFFICIENT_MEMORY;
    }
    if (st == SEC_E_OK && (saved = strdup(url)) == NULL)
        st = SEC_E_INSUFFICIENT_MEMORY;
    if (st == SEC_E_OK && c->kctx != NULL && c->client != NULL)
        st = apply_explicit(c, url, force);
    if (st == SEC_E_INVALID_PARAMETER) {
        bad = why;
        st = SEC_E_OK;
    }
    if (st != SEC_E_OK) {
        free(saved);
        pthread_mutex_unlock(&c->lock);
        return st;
    }
    krb_proxy_free(c);
    c->kdc_proxy_url = saved;
    c->kdc_proxy_bad = bad;
    c->kdc_proxy_force = force;
    if (trace_enabled())
        trace_printf("KDC_PROXY_SETTINGS: %s%s", saved != NULL ? saved : bad,
                     force ? " (FORCEPROXY)" : "");
    pthread_mutex_unlock(&c->lock);
    return SEC_E_OK;
}

/* The target as the krb5 principal GSS-API asks a ticket for: its
 * host-based forms as gss_import_target() reads them. */
static krb5_error_code
target_principal(krb5_context k, const char *target, krb5_principal *out)
{
    const char *host;
    size_t svc_len;
    char *svc;
    krb5_error_code code;

    if (!gss_target_hostbased(target, &svc_len, &host))
        return krb5_parse_name(k, target, out);
    svc = strndup(target, svc_len);
    if (svc == NULL)
        return ENOMEM;
    code = krb5_sname_to_principal(k, host, svc, KRB5_NT_SRV_HST, out);
    free(svc);
    return code;
}

SECURITY_STATUS
krb_proxy_prefetch(struct gss_cred *c, const char *target)
{
    krb5_context k;
    krb5_ccache cc = NULL;
    krb5_principal client = NULL;
    krb5_creds in, *out = NULL;
    krb5_error_code code = 0;
    const char *url = c->kdc_proxy_url;
    SECURITY_STATUS st;

    if ((url == NULL && c->kdc_proxy_bad == NULL) || target == NULL
        || *target == '\0')
        return SEC_E_OK;
    if (url == NULL) {
        trace_cause("KDC_PROXY_SETTINGS: %s, so no KDC can be reached "
                    "through it -> SEC_E_NO_AUTHENTICATING_AUTHORITY",
                    c->kdc_proxy_bad);
        return SEC_E_NO_AUTHENTICATING_AUTHORITY;
    }
    memset(&in, 0, sizeof(in));
    if (c->ccache != NULL) {
        /* An explicit identity: its context already names the proxy. */
        k = c->kctx;
        cc = c->ccache;
    } else {
        /* A default credential: its context is made once, for the realm
         * of the default cache's principal. */
        if (c->proxy_ctx == NULL) {
            krb5_context probe = NULL;
            char *realm = NULL;

            code = krb5_init_context(&probe);
            if (code == 0)
                code = krb5_cc_default(probe, &cc);
            if (code == 0)
                code = krb5_cc_get_principal(probe, cc, &client);
            if (code == 0) {
                realm = realm_of(client);
                code = realm == NULL ? ENOMEM
                                     : proxy_context(realm, url,
                                                     c->kdc_proxy_force,
                                                     &c->proxy_ctx);
            }
            free(realm);
            if (cc != NULL)
                krb5_cc_close(probe, cc);
            cc = NULL;
            krb5_free_principal(probe, client);
            client = NULL;
            if (probe != NULL)
                krb5_free_context(probe);
        }
        k = c->proxy_ctx;
        if (code == 0)
            code = krb5_cc_default(k, &cc);
    }
    if (code == 0)
        code = krb5_cc_get_principal(k, cc, &client);
    if (code == 0)
        code = target_principal(k, target, &in.server);
    if (code == 0) {
        in.client = client;
        code = krb5_get_credentials(k, 0, cc, &in, &out);
    }
    if (code != 0) {
        st = map_krb5(k, code, MAP_INIT);
        trace_cause("the service ticket for %s through the KDC proxy %s: "
                    "%s", target, url, sspigss_last_error());
    } else {
        st = SEC_E_OK;
    }
    if (k != NULL) {
        krb5_free_creds(k, out);
        krb5_free_principal(k, in.server);
        krb5_free_principal(k, client);
        if (cc != NULL && cc != c->ccache)
            krb5_cc_close(k, cc);
    }
    return st;
}
