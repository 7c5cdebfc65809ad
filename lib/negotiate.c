/*
 * negotiate.c - the Negotiate package's credentials, over MIT's SPNEGO.
 *
 * Windows' Negotiate uses Kerberos when it can and falls back to NTLM
 * when Kerberos cannot be used: no KDC, no ticket-granting ticket, a
 * target without a Kerberos service ([ms] "Microsoft Negotiate"). MIT's
 * SPNEGO does not fall back by itself: it sends the first mechanism's
 * token optimistically and fails with it. So each new client context
 * gets a SPNEGO credential of its own, restricted (gss_set_neg_mechs) to
 * the mechanisms that will work for this target:
 *
 *   Kerberos  if allowed, the credential yields a TGT (an explicit
 *             identity's password, or the default ccache), and a service
 *             ticket for the target can be had: a throwaway
 *             gss_init_sec_context of the krb5 mechanism finds out (the
 *             ticket stays cached for the real one);
 *   NTLM      if allowed and gss-ntlmssp has credentials (the identity's
 *             password, or NTLM_USER_FILE / winbind).
 *
 * SEC_WINNT_AUTH_IDENTITY_EX's PackageList ("Kerberos", "NTLM", "!NTLM",
 * comma-separated, as Windows reads it) narrows the set. A refusal by the
 * KDC of the identity itself (a wrong password: SEC_E_LOGON_DENIED) is
 * final, as on Windows; Kerberos being unreachable or not knowing the
 * target only moves Negotiate to NTLM. When nothing is left, the
 * Kerberos failure (if any) is the answer, else SEC_E_NO_CREDENTIALS.
 *
 * A PackageList naming NTLM alone makes the client Windows' two-leg one
 * (done once the AUTHENTICATE is sent): sspigss frames SPNEGO itself
 * around gss-ntlmssp then (neg_ntlm_init, at the end of this file).
 *
 * Acceptors take a SPNEGO credential over the keytab and gss-ntlmssp's
 * user file, whichever exist.
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gssapi/gssapi_ext.h>

#include "certcred.h"
#include "gss_int.h"
#include "identity.h"
#include "internal.h"

/* ------------------------------------------------------------ helpers */

/*
 * The packages an EX identity's PackageList allows: a comma-separated
 * list of names, each optionally preceded by '!' to exclude it. Names
 * listed without '!' are the only ones allowed (names of packages this
 * library lacks allow nothing); exclusions remove from that set (or
 * from all when nothing is listed). Surrounding spaces are ignored.
 * *ntlm_named: the list names NTLM and no other package, and leaves it
 * allowed (Windows' client then offers NTLM alone and is done after its
 * AUTHENTICATE: neg_ntlm_init).
 */
static unsigned
package_list_mask(const char *list, bool *ntlm_named)
{
    unsigned include = 0, exclude = 0;
    bool named = false;         /* a package listed without '!' */
    bool other = false;         /* one listed that is not NTLM */
    const char *p = list;

    *ntlm_named = false;
    if (list == NULL)
        return NEG_KERBEROS | NEG_NTLM;
    while (*p != '\0') {
        const char *e = strchr(p, ',');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        bool neg = false;
        unsigned bit = 0;

        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0 && *p == '!') {
            neg = true;
            p++;
            n--;
        }
        if (n == 8 && strncasecmp(p, "Kerberos", 8) == 0)
            bit = NEG_KERBEROS;
        else if (n == 4 && strncasecmp(p, "NTLM", 4) == 0)
            bit = NEG_NTLM;
        if (neg)
            exclude |= bit;
        else if (n > 0) {
            include |= bit;
            named = true;
            if (bit != NEG_NTLM)
                other = true;
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    /* Listed packages are the only ones allowed, even when none of them
     * is one this library has ("NegoExtender" alone leaves nothing:
     * SEC_E_NO_CREDENTIALS, as sspilib's tests record on Windows). */
    if (!named)
        include = NEG_KERBEROS | NEG_NTLM;
    *ntlm_named = named && !other && (include & ~exclude) == NEG_NTLM;
    return include & ~exclude;
}

void
neg_creds_clear(struct gss_cred *c)
{
    handle_obj_unref(c->krb != NULL ? &c->krb->h : NULL);
    c->krb = NULL;
    free(c->neg_name);
    free(c->ntlm_domain);
    mem_free_secret_str(c->ntlm_nthash);
    c->neg_name = c->ntlm_domain = c->ntlm_nthash = NULL;
}

static void
neg_cred_destroy(struct handle_obj *obj)
{
    struct gss_cred *c = (struct gss_cred *)obj;
    OM_uint32 min;

    if (c->gcred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &c->gcred);
    if (c->raw_gcred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &c->raw_gcred);
    neg_creds_clear(c);
    krb_creds_close_keytab(c);
    krb_proxy_free(c);
    free(c->deferred_why);
    free(c->principal);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static gss_OID_set_desc spnego_set = { 1, (gss_OID)&gss_mech_spnego.oid };
static gss_OID_set_desc ntlm_set = { 1, (gss_OID)&gss_mech_ntlm.oid };

static char *default_cache_principal(void);

/* ------------------------------------------------------------ acquire */

SECURITY_STATUS
neg_creds_acquire(const struct package *pkg, const struct acquire_args *args,
                  struct gss_cred **out, TimeStamp *expiry)
{
    struct identity id = { 0 };
    struct gss_cred *c;
    OM_uint32 maj, min;
    SECURITY_STATUS st;
    unsigned char hash[CERTCRED_HASH_LEN];

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&c->h, HANDLE_CRED, pkg, neg_cred_destroy);
    pthread_mutex_init(&c->lock, NULL);
    c->mech = &gss_mech_spnego;
    c->use = args->cred_use;
    c->gcred = GSS_C_NO_CREDENTIAL;
    c->raw_gcred = GSS_C_NO_CREDENTIAL;
    expiry->QuadPart = TIMESTAMP_NEVER;

    if (args->auth_data != NULL) {
        st = identity_from_auth_data(args->auth_data, &id);
        if (st != SEC_E_OK)
            goto out;
    }
    c->neg_allowed = package_list_mask(id.package_list, &c->neg_ntlm_named);

    if (c->use & SECPKG_CRED_INBOUND) {
        char ktname[64];
        gss_key_value_element_desc el = { "keytab", ktname };
        gss_key_value_set_desc kstore = { 1, &el };
        gss_const_key_value_set_t store = GSS_C_NO_CRED_STORE;

        /* An EX2 keytab replaces the default keytab (Kerberos' keys, as
         * the Kerberos package takes them). Kerberos only: gss-ntlmssp
         * given a cred store without its own keys makes no acceptor
         * credential ("Not a server credential type"), and the keytab
         * holds nothing for NTLM. */
        if (id.keytab != NULL) {
            c->neg_allowed &= ~NEG_NTLM;
            st = krb_creds_acceptor_keytab(c, &id, NULL, ktname,
                                           sizeof(ktname));
            if (st != SEC_E_OK)
                goto out;
            store = &kstore;
        }
        /* SPNEGO over whatever acceptor credentials exist: the keytab
         * (Kerberos) and gss-ntlmssp's user file. */
        maj = gss_acquire_cred_from(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE,
                                    &spnego_set, GSS_C_ACCEPT, store,
                                    &c->gcred, NULL, NULL);
        if (GSS_ERROR(maj)) {
            st = map_gss(maj, min, &gss_mech_spnego.oid, MAP_ACQUIRE);
            if (st != SEC_E_INSUFFICIENT_MEMORY)
                st = SEC_E_NO_CREDENTIALS;
            goto out;
        }
        if (c->neg_allowed != (NEG_KERBEROS | NEG_NTLM)) {
            gss_OID_desc one = c->neg_allowed == NEG_NTLM
                               ? gss_mech_ntlm.oid : gss_mech_kerberos.oid;
            gss_OID_set_desc set = { 1, &one };

            if (c->neg_allowed == 0) {
                st = SEC_E_NO_CREDENTIALS;
                goto out;
            }
            maj = gss_set_neg_mechs(&min, c->gcred, &set);
            if (GSS_ERROR(maj)) {
                st = map_gss(maj, min, &gss_mech_spnego.oid, MAP_ACQUIRE);
                goto out;
            }
        }
        /* For clients that send a mechanism's token without SPNEGO
         * around it: the same mechanisms, unwrapped. Without it such
         * tokens fail as a missing credential would. */
        {
            gss_OID_desc raw[2];
            gss_OID_set_desc set = { 0, raw };

            if (c->neg_allowed & NEG_KERBEROS)
                raw[set.count++] = gss_mech_kerberos.oid;
            if (c->neg_allowed & NEG_NTLM)
                raw[set.count++] = gss_mech_ntlm.oid;
            if (GSS_ERROR(gss_acquire_cred_from(&min, GSS_C_NO_NAME,
                                                GSS_C_INDEFINITE, &set,
                                                GSS_C_ACCEPT, store,
                                                &c->raw_gcred, NULL,
                                                NULL)))
                c->raw_gcred = GSS_C_NO_CREDENTIAL;
        }
        st = SEC_E_OK;
        goto out;
    }

    if (id.user == NULL && id.keytab != NULL) {
        /* Keys for no user named (as the Kerberos package says). */
        st = SEC_E_UNKNOWN_CREDENTIALS;
        goto out;
    }
    if (id.user != NULL
        && (id.keytab != NULL || certcred_unmarshal_hash(id.user, hash))) {
        /* An EX2 keytab: Kerberos keys, nothing NTLM can use. The
         * Kerberos package's lazy TGT, from the keytab. So for a
         * certificate (a marshaled CertCredential, smart card logon):
         * PKINIT, which only Kerberos does (MS-PKCA). */
        const struct package *kp = package_find("Kerberos");
        struct acquire_args ka = *args;

        c->neg_allowed &= ~NEG_NTLM;
        if (kp == NULL) {
            st = SEC_E_SECPKG_NOT_FOUND;
            goto out;
        }
        ka.cred_use = SECPKG_CRED_OUTBOUND;
        st = krb_creds_acquire(kp, &ka, &c->krb, expiry);
        if (st != SEC_E_OK) {
            c->krb = NULL;
            goto out;
        }
        expiry->QuadPart = TIMESTAMP_NEVER;
        if (c->krb->principal != NULL) {
            c->neg_name = strdup(c->krb->principal);
            c->principal = strdup(c->krb->principal);
            if (c->neg_name == NULL || c->principal == NULL) {
                st = SEC_E_INSUFFICIENT_MEMORY;
                goto out;
            }
        }
        st = SEC_E_OK;
        goto out;
    }
    if (id.user != NULL && id.password != NULL) {
        /* Kerberos: the same lazy TGT as the Kerberos package's. */
        if (c->neg_allowed & NEG_KERBEROS) {
            const struct package *kp = package_find("Kerberos");
            struct acquire_args ka = *args;

            ka.cred_use = SECPKG_CRED_OUTBOUND;
            if (kp != NULL && krb_creds_acquire(kp, &ka, &c->krb, expiry)
                != SEC_E_OK)
                c->krb = NULL;
            expiry->QuadPart = TIMESTAMP_NEVER;
        }
        /* NTLM: user, domain and password for gss-ntlmssp's cred store;
         * the Kerberos principal's spelling serves both mechanisms. */
        if (c->krb != NULL && c->krb->kctx != NULL) {
            char *u = NULL;

            if (krb5_unparse_name(c->krb->kctx, c->krb->client, &u) == 0) {
                c->neg_name = strdup(u);
                krb5_free_unparsed_name(c->krb->kctx, u);
            }
        } else {
            c->neg_name = strdup(id.user);
        }
        c->ntlm_domain = id.domain != NULL ? strdup(id.domain) : NULL;
        c->ntlm_nthash = malloc(33);
        if (c->neg_name == NULL || c->ntlm_nthash == NULL
            || (id.domain != NULL && c->ntlm_domain == NULL)) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        /* The NT hash, not the password: gss-ntlmssp's own MD4 leaks
         * (ntowf.c), and the hash is all NTLM needs. */
        st = ntowf_hex(id.password, c->ntlm_nthash);
        if (st != SEC_E_OK)
            goto out;
        c->principal = strdup(c->neg_name);
        st = SEC_E_OK;
        goto out;
    }
    /* Default credentials, or a named user's from the environment: the
     * context's SPNEGO credential is made from them when it starts. */
    if (id.user != NULL || args->principal != NULL) {
        c->neg_name = strdup(id.user != NULL ? id.user : args->principal);
        if (c->neg_name == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
        c->principal = strdup(c->neg_name);
    } else if (c->use & SECPKG_CRED_OUTBOUND) {
        /* The default user, for SECPKG_CRED_ATTR_NAMES: the default
         * cache's principal, as the Kerberos package names its default
         * credential. Without a cache the name stays unknown. */
        c->principal = default_cache_principal();
    }
    st = SEC_E_OK;
out:
    identity_clear(&id);
    if (st != SEC_E_OK) {
        handle_obj_unref(&c->h);
        return st;
    }
    *out = c;
    return SEC_E_OK;
}

/* The default credential cache's principal, unparsed (malloc), or NULL
 * when there is none. */
static char *
default_cache_principal(void)
{
    krb5_context k = NULL;
    krb5_ccache cc = NULL;
    krb5_principal p = NULL;
    char *u = NULL, *out = NULL;

    if (krb5_init_context(&k) != 0)
        return NULL;
    if (krb5_cc_default(k, &cc) == 0 && krb5_cc_get_principal(k, cc, &p) == 0
        && krb5_unparse_name(k, p, &u) == 0)
        out = strdup(u);
    krb5_free_unparsed_name(k, u);
    krb5_free_principal(k, p);
    if (cc != NULL)
        krb5_cc_close(k, cc);
    krb5_free_context(k);
    return out;
}

/* ---------------------------------------------------- a new context's */

/*
 * Can Kerberos reach target with this credential? A throwaway first
 * krb5 token (its ticket stays in the cache for SPNEGO). Returns SEC_E_OK
 * or the mapped failure, with its cause recorded.
 */
static SECURITY_STATUS
kerberos_reaches(gss_cred_id_t kcred, const char *target)
{
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_name_t name = GSS_C_NO_NAME;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    OM_uint32 maj, min;
    SECURITY_STATUS st;

    if (target == NULL || *target == '\0') {
        trace_cause("Negotiate: no target name, so no Kerberos service "
                    "ticket -> NTLM only");
        return SEC_E_TARGET_UNKNOWN;
    }
    st = gss_import_target(target, KIND_KERBEROS, &name);
    if (st != SEC_E_OK)
        return st;
    maj = gss_init_sec_context(&min, kcred, &ctx, name,
                               (gss_OID)&gss_mech_kerberos.oid, 0,
                               GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                               GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    st = GSS_ERROR(maj) ? map_gss(maj, min, &gss_mech_kerberos.oid,
                                  MAP_INIT)
                        : SEC_E_OK;
    gss_release_buffer(&min, &out);
    gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&min, &name);
    return st;
}

/* A refusal of the identity by the KDC: final, no fallback to NTLM. */
static bool
kdc_refused_logon(SECURITY_STATUS st)
{
    return st == SEC_E_LOGON_DENIED || st == SEC_E_TIME_SKEW
           || st == SEC_E_INSUFFICIENT_MEMORY;
}

SECURITY_STATUS
neg_context_cred(struct gss_cred *cred, const char *target,
                 gss_cred_id_t *gcred, bool *ntlm_wrap)
{
    gss_key_value_element_desc el[3];
    gss_key_value_set_desc store = { 0, el };
    gss_OID_desc mechs[2];
    gss_OID_set_desc set = { 0, mechs };
    gss_cred_id_t kcred = GSS_C_NO_CREDENTIAL;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc b;
    char ccname[256] = "";
    unsigned use = cred->neg_allowed;
    OM_uint32 maj, min;
    SECURITY_STATUS kst = SEC_E_OK, st;
    /* An explicit identity: a password (the NT hash is kept) or a keytab
     * (only the Kerberos credential). */
    bool explicit_id = cred->ntlm_nthash != NULL || cred->krb != NULL;
    bool unusable = false;

    *gcred = GSS_C_NO_CREDENTIAL;
    *ntlm_wrap = false;

    /* 1. Kerberos, if allowed and it reaches the target. */
    if (use & NEG_KERBEROS) {
        if (explicit_id) {
            if (cred->krb == NULL) {
                kst = SEC_E_NO_CREDENTIALS;
            } else {
                pthread_mutex_lock(&cred->krb->lock);
                kst = krb_creds_ready(cred->krb);
                if (kst != SEC_E_OK && krb_creds_unusable(cred->krb))
                    unusable = true;
                /* With a KDC proxy: the service ticket through it. */
                if (kst == SEC_E_OK)
                    kst = krb_proxy_prefetch(cred->krb, target);
                if (kst == SEC_E_OK) {
                    OM_uint32 m2, j2;

                    /* Without it kcred would stay GSS_C_NO_CREDENTIAL, the
                     * default credential: never in place of the identity
                     * given (out of memory here: tests/torture). */
                    j2 = gss_krb5_import_cred(&m2, cred->krb->ccache, NULL,
                                              NULL, &kcred);
                    if (GSS_ERROR(j2)) {
                        kst = map_gss(j2, m2, &gss_mech_kerberos.oid,
                                      MAP_ACQUIRE);
                        pthread_mutex_unlock(&cred->krb->lock);
                        return kst == SEC_E_OK ? SEC_E_INTERNAL_ERROR : kst;
                    }
                    snprintf(ccname, sizeof(ccname), "%s:%s",
                             krb5_cc_get_type(cred->krb->kctx,
                                              cred->krb->ccache),
                             krb5_cc_get_name(cred->krb->kctx,
                                              cred->krb->ccache));
                }
                pthread_mutex_unlock(&cred->krb->lock);
            }
        } else {
            gss_OID_set_desc k = { 1, (gss_OID)&gss_mech_kerberos.oid };

            /* With a KDC proxy: the service ticket through it into the
             * default cache, where the Kerberos leg finds it. */
            kst = krb_proxy_prefetch(cred, target);
            if (kst != SEC_E_OK)
                goto kerberos_done;
            maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE,
                                   &k, GSS_C_INITIATE, &kcred, NULL, NULL);
            if (GSS_ERROR(maj)) {
                kst = map_gss(maj, min, &gss_mech_kerberos.oid,
                              MAP_ACQUIRE);
                if (kst != SEC_E_INSUFFICIENT_MEMORY)
                    kst = SEC_E_NO_CREDENTIALS;
            }
        }
kerberos_done:
        if (kst == SEC_E_OK)
            kst = kerberos_reaches(kcred, target);
        if (kcred != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&min, &kcred);
        if (kst != SEC_E_OK) {
            use &= ~NEG_KERBEROS;
            if (!unusable && kdc_refused_logon(kst))
                return kst;
            if (trace_enabled())
                trace_printf("Negotiate: Kerberos cannot be used (%s): %s",
                             sspigss_status_name(kst), sspigss_last_error());
        }
    }
    if (use == 0 && kst == SEC_E_NO_AUTHENTICATING_AUTHORITY
        && !(cred->neg_allowed & NEG_NTLM)) {
        /* No KDC, and NTLM is not allowed: Windows' Negotiate refuses to
         * fall back with SEC_E_DOWNGRADE_DETECTED, which Microsoft notes
         * "can be generated simply due to lack of connectivity to a
         * domain controller" ([ms] SSPI status codes; KB 2522623 and
         * dotnet/corefx#11708 show Negotiate returning it when Kerberos
         * fails for want of a domain controller). */
        trace_cause("Negotiate: no KDC answers and NTLM is excluded, so "
                    "Kerberos cannot be replaced (%s) -> "
                    "SEC_E_DOWNGRADE_DETECTED", sspigss_last_error());
        return SEC_E_DOWNGRADE_DETECTED;
    }
    if (use == 0)
        return kst != SEC_E_OK ? kst : SEC_E_NO_CREDENTIALS;

    /* 2. The SPNEGO credential over what is left. */
    if (cred->neg_name != NULL) {
        b.value = cred->neg_name;
        b.length = strlen(cred->neg_name);
        maj = gss_import_name(&min, &b, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(maj))
            return map_gss(maj, min, &gss_mech_spnego.oid, MAP_ACQUIRE);
    }
    if (explicit_id) {
        if (ccname[0] != '\0') {
            el[store.count].key = "ccache";
            el[store.count++].value = ccname;
        }
        if (cred->ntlm_domain != NULL) {
            el[store.count].key = "ntlmssp_domain";
            el[store.count++].value = cred->ntlm_domain;
        }
        if (cred->ntlm_nthash != NULL) {
            el[store.count].key = "ntlmssp_nthash";
            el[store.count++].value = cred->ntlm_nthash;
        }
    }
    /* A PackageList naming NTLM alone: the two-leg client
     * (neg_ntlm_init) over an NTLM credential. It needs the NTLM engine,
     * which learns that the server's mechListMIC was not waited for
     * (ntlm_msg_peer_mic_unseen); without it, MIT's SPNEGO and its third
     * leg. */
    *ntlm_wrap = use == NEG_NTLM && cred->neg_ntlm_named
                 && ntlm_engine_enabled();
    maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE,
                                *ntlm_wrap ? &ntlm_set : &spnego_set,
                                GSS_C_INITIATE,
                                store.count > 0 ? &store
                                                : GSS_C_NO_CRED_STORE,
                                gcred, NULL, NULL);
    gss_release_name(&min, &name);
    if (GSS_ERROR(maj)) {
        *gcred = GSS_C_NO_CREDENTIAL;
        st = map_gss(maj, min, *ntlm_wrap ? &gss_mech_ntlm.oid
                                          : &gss_mech_spnego.oid,
                     MAP_ACQUIRE);
        *ntlm_wrap = false;
        if (kst != SEC_E_OK)
            return kst;
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_NO_CREDENTIALS;
    }
    if (*ntlm_wrap)
        return SEC_E_OK;
    if (use & NEG_KERBEROS)
        mechs[set.count++] = gss_mech_kerberos.oid;
    if (use & NEG_NTLM)
        mechs[set.count++] = gss_mech_ntlm.oid;
    maj = gss_set_neg_mechs(&min, *gcred, &set);
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &gss_mech_spnego.oid, MAP_ACQUIRE);
        gss_release_cred(&min, gcred);
        if (kst != SEC_E_OK)
            return kst;
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_NO_CREDENTIALS;
    }
    return SEC_E_OK;
}

/* ------------------------------------------------------ token checks */

/* One DER tag-length header at *p (of n bytes): the tag, and the length
 * of its content, which must fit. Advances *p past the header. */
static bool
der_header(const unsigned char **p, size_t *n, unsigned char *tag,
           size_t *len)
{
    const unsigned char *q = *p;
    size_t left = *n, l, k;

    if (left < 2)
        return false;
    *tag = q[0];
    l = q[1];
    q += 2;
    left -= 2;
    if (l & 0x80) {
        k = l & 0x7f;
        if (k == 0 || k > 4 || k > left)
            return false;
        for (l = 0; k > 0; k--, left--)
            l = (l << 8) | *q++;
    }
    if (l > left)
        return false;
    *p = q;
    *n = left;
    *len = l;
    return true;
}

/* Into the SEQUENCE of a negTokenResp (RFC 4178 4.2.2: [1] SEQUENCE {
 * negState [0], supportedMech [1], responseToken [2], mechListMIC [3] }):
 * *p, *n are its contents. */
static bool
neg_resp_fields(const void *token, size_t len, const unsigned char **p,
                size_t *n)
{
    unsigned char tag;
    size_t l;

    *p = token;
    *n = len;
    if (token == NULL || !der_header(p, n, &tag, &l) || tag != 0xa1)
        return false;
    *n = l;
    if (!der_header(p, n, &tag, &l) || tag != 0x30)
        return false;
    *n = l;
    return true;
}

bool
neg_token_has_mic(const void *token, size_t len)
{
    const unsigned char *p;
    size_t n, l;
    unsigned char tag;

    if (!neg_resp_fields(token, len, &p, &n))
        return false;
    while (n > 0) {
        if (!der_header(&p, &n, &tag, &l))
            return false;
        if (tag == 0xa3)
            return l > 0;
        p += l;
        n -= l;
    }
    return false;
}

bool
neg_token_rejected(const void *token, size_t len)
{
    const unsigned char *p;
    size_t n, l;
    unsigned char tag;

    /* negState [0] ENUMERATED { ..., reject (2) }, the first field. */
    if (!neg_resp_fields(token, len, &p, &n)
        || !der_header(&p, &n, &tag, &l) || tag != 0xa0)
        return false;
    n = l;
    if (!der_header(&p, &n, &tag, &l) || tag != 0x0a || l != 1)
        return false;
    return p[0] == 2;
}

const struct gss_mech *
neg_raw_mech(const void *token, size_t len)
{
    /* 1.2.840.113554.1.2.2 and Microsoft's 1.2.840.48018.1.2.2. */
    static const unsigned char krb5[] = {
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
    static const unsigned char mskrb5[] = {
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02 };
    const unsigned char *p = token;
    size_t n = len, l;
    unsigned char tag;

    if (p == NULL)
        return &gss_mech_spnego;
    /* MS-NLMP 2.2.1: every NTLM message starts "NTLMSSP\0". */
    if (len >= 8 && memcmp(p, "NTLMSSP", 8) == 0)
        return &gss_mech_ntlm;
    /* RFC 2743 3.1: [APPLICATION 0] { mechanism OID, inner token }. */
    if (der_header(&p, &n, &tag, &l) && tag == 0x60 && l >= sizeof(krb5)
        && (memcmp(p, krb5, sizeof(krb5)) == 0
            || memcmp(p, mskrb5, sizeof(mskrb5)) == 0))
        return &gss_mech_kerberos;
    return &gss_mech_spnego;
}

/* ------------------------------------- SPNEGO fields and NegTokenInit */

/* One NegTokenResp field's element (of tag inner) into *dst: it must be
 * of the tag wanted, and the field must not have come before. */
static bool
resp_field(unsigned char inner, unsigned char want, const unsigned char *q,
           size_t l, const unsigned char **dst, size_t *dst_len)
{
    if (inner != want || *dst != NULL)
        return false;
    *dst = q;
    *dst_len = l;
    return true;
}

bool
neg_resp_parse(const void *token, size_t len, struct neg_resp *r)
{
    const unsigned char *p, *q;
    size_t n, field, m, l;
    unsigned char tag, inner;

    memset(r, 0, sizeof(*r));
    r->state = -1;
    if (!neg_resp_fields(token, len, &p, &n))
        return false;
    while (n > 0) {
        if (!der_header(&p, &n, &tag, &field))
            return false;
        q = p;
        m = field;
        /* Each field holds one element that fills it exactly. */
        if (!der_header(&q, &m, &inner, &l) || l != m)
            return false;
        switch (tag) {
        case 0xa0:              /* negState ENUMERATED */
            if (inner != 0x0a || l != 1 || r->state >= 0)
                return false;
            r->state = q[0];
            break;
        case 0xa1:              /* supportedMech OBJECT IDENTIFIER */
            if (!resp_field(inner, 0x06, q, l, &r->mech, &r->mech_len))
                return false;
            break;
        case 0xa2:              /* responseToken OCTET STRING */
            if (!resp_field(inner, 0x04, q, l, &r->token, &r->token_len))
                return false;
            break;
        case 0xa3:              /* mechListMIC OCTET STRING */
            if (!resp_field(inner, 0x04, q, l, &r->mic, &r->mic_len))
                return false;
            break;
        default:
            return false;
        }
        p += field;
        n -= field;
    }
    return true;
}

/* 1.3.6.1.5.5.2, SPNEGO, as its DER element. */
static const unsigned char spnego_oid_der[] = {
    0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
/* MechTypeList { NTLMSSP }: what a NegTokenInit offering NTLM alone
 * lists, and what its mechListMIC signs (RFC 4178 4.2.1, 5). */
static const unsigned char ntlm_mech_list[] = {
    0x30, 0x0c, 0x06, 0x0a,
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

bool
neg_init_sole_ntlm(const void *token, size_t len)
{
    const unsigned char *p = token;
    size_t n = len, l;
    unsigned char tag;

    /* [APPLICATION 0] { SPNEGO OID, [0] NegTokenInit SEQUENCE {
     * [0] MechTypeList, ... } } (RFC 4178 4.2.1, RFC 2743 3.1). */
    if (p == NULL || !der_header(&p, &n, &tag, &l) || tag != 0x60)
        return false;
    n = l;
    if (n < sizeof(spnego_oid_der)
        || memcmp(p, spnego_oid_der, sizeof(spnego_oid_der)) != 0)
        return false;
    p += sizeof(spnego_oid_der);
    n -= sizeof(spnego_oid_der);
    if (!der_header(&p, &n, &tag, &l) || tag != 0xa0)
        return false;
    n = l;
    if (!der_header(&p, &n, &tag, &l) || tag != 0x30)
        return false;
    n = l;
    if (!der_header(&p, &n, &tag, &l) || tag != 0xa0)
        return false;
    return l == sizeof(ntlm_mech_list)
           && memcmp(p, ntlm_mech_list, sizeof(ntlm_mech_list)) == 0;
}

/* ------------------------------------- the two-leg NTLM client */

/* gss-ntlmssp's controls (its src/gssapi_ntlmssp.h; MIT's spnego_mech.c
 * uses both): asked about, the first tells it that SPNEGO will carry a
 * mechListMIC, so it may put its own MIC in the AUTHENTICATE; set, the
 * second restarts a direction's RC4 stream after a mechListMIC
 * (MS-SPNG 3.3.5.1). */
static const gss_OID_desc ntlm_req_mic_oid = {
    11, (void *)"\x2b\x06\x01\x04\x01\xb7\x7d\x85\x0f\x01\x02" };
static const gss_OID_desc ntlm_reset_crypto_oid = {
    11, (void *)"\x2b\x06\x01\x04\x01\xb7\x7d\x85\x0f\x01\x03" };

/* The bytes of a DER length. */
static size_t
der_len_size(size_t n)
{
    size_t k = 1;

    if (n < 0x80)
        return 1;
    while (n > 0) {
        k++;
        n >>= 8;
    }
    return k;
}

/* A tag and a length at p; returns what follows. */
static unsigned char *
der_put(unsigned char *p, unsigned char tag, size_t n)
{
    size_t k = der_len_size(n), i;

    *p++ = tag;
    if (k == 1) {
        *p++ = (unsigned char)n;
        return p;
    }
    *p++ = (unsigned char)(0x80 | (k - 1));
    for (i = k - 1; i > 0; i--)
        *p++ = (unsigned char)(n >> (8 * (i - 1)));
    return p;
}

/* The size of an element of n content bytes. */
static size_t
der_size(size_t n)
{
    return 1 + der_len_size(n) + n;
}

/* A context-tagged OCTET STRING, tag { OCTET STRING b }, at p; returns
 * what follows. Its size is der_size(der_size(b->length)). */
static unsigned char *
der_put_octets(unsigned char *p, unsigned char tag, const gss_buffer_desc *b)
{
    p = der_put(p, tag, der_size(b->length));
    p = der_put(p, 0x04, b->length);
    memcpy(p, b->value, b->length);
    return p + b->length;
}

/* NegTokenInit { mechTypes { NTLMSSP }, mechToken } in its framing. */
static bool
wrap_init(const gss_buffer_desc *mech, gss_buffer_desc *out)
{
    size_t tok = der_size(mech->length), types = der_size(
               sizeof(ntlm_mech_list)),
           seq = types + der_size(tok), init = der_size(der_size(seq)),
           all = sizeof(spnego_oid_der) + init;
    unsigned char *b = malloc(der_size(all)), *p = b;

    if (b == NULL)
        return false;
    p = der_put(p, 0x60, all);
    memcpy(p, spnego_oid_der, sizeof(spnego_oid_der));
    p += sizeof(spnego_oid_der);
    p = der_put(p, 0xa0, der_size(seq));
    p = der_put(p, 0x30, seq);
    p = der_put(p, 0xa0, sizeof(ntlm_mech_list));
    memcpy(p, ntlm_mech_list, sizeof(ntlm_mech_list));
    p += sizeof(ntlm_mech_list);
    (void)der_put_octets(p, 0xa2, mech);
    out->value = b;
    out->length = der_size(all);
    return true;
}

/* NegTokenResp { responseToken, mechListMIC (if any) }; an initiator's
 * token gives no negState (RFC 4178 4.2.2). */
static bool
wrap_resp(const gss_buffer_desc *mech, const gss_buffer_desc *mic,
          gss_buffer_desc *out)
{
    size_t tok = der_size(der_size(mech->length)),
           m = mic->length > 0 ? der_size(der_size(mic->length)) : 0,
           seq = der_size(tok + m);
    unsigned char *b = malloc(der_size(seq)), *p = b;

    if (b == NULL)
        return false;
    p = der_put(p, 0xa1, seq);
    p = der_put(p, 0x30, tok + m);
    p = der_put_octets(p, 0xa2, mech);
    if (m > 0)
        (void)der_put_octets(p, 0xa3, mic);
    out->value = b;
    out->length = der_size(seq);
    return true;
}

/* The server's NegTokenResp: the CHALLENGE in it, or why not. */
static SECURITY_STATUS
challenge_of(const gss_buffer_desc *in, gss_buffer_desc *challenge)
{
    struct neg_resp r;

    if (!neg_resp_parse(in->value, in->length, &r)) {
        trace_cause("Negotiate: the server's token is not a SPNEGO "
                    "NegTokenResp -> SEC_E_INVALID_TOKEN");
        return SEC_E_INVALID_TOKEN;
    }
    if (r.state == 2) {
        /* As the MIT SPNEGO path reads a reject (pkg_gss.c). */
        trace_cause("Negotiate: the server rejected the authentication "
                    "(SPNEGO negState reject) -> SEC_E_LOGON_DENIED");
        return SEC_E_LOGON_DENIED;
    }
    if (r.mech != NULL
        && (r.mech_len != gss_mech_ntlm.oid.length
            || memcmp(r.mech, gss_mech_ntlm.oid.elements, r.mech_len) != 0)) {
        trace_cause("Negotiate: the server chose a mechanism other than "
                    "NTLM, the only one offered -> SEC_E_INVALID_TOKEN");
        return SEC_E_INVALID_TOKEN;
    }
    if (r.token == NULL || r.token_len == 0) {
        trace_cause("Negotiate: the server's NegTokenResp carries no NTLM "
                    "CHALLENGE -> SEC_E_INVALID_TOKEN");
        return SEC_E_INVALID_TOKEN;
    }
    challenge->value = (void *)r.token;
    challenge->length = r.token_len;
    return SEC_E_OK;
}

SECURITY_STATUS
neg_ntlm_init(gss_cred_id_t cred, gss_ctx_id_t *gctx, gss_name_t target,
              OM_uint32 req, gss_channel_bindings_t cb,
              const gss_buffer_desc *in, gss_buffer_desc *out,
              OM_uint32 *maj, OM_uint32 *min, OM_uint32 *ret_flags,
              OM_uint32 *time_rec)
{
    gss_buffer_desc mech_in = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc mech_out = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
    bool first = *gctx == GSS_C_NO_CONTEXT;
    SECURITY_STATUS st = SEC_E_OK;
    OM_uint32 m2;

    *maj = GSS_S_COMPLETE;
    *min = 0;
    out->value = NULL;
    out->length = 0;
    if (!first) {
        st = challenge_of(in, &mech_in);
        if (st != SEC_E_OK)
            return st;
    }
    /* SPNEGO asks its mechanism for integrity, which protects the
     * mechanism list (RFC 4178 5; MIT's SPNEGO does the same). */
    *maj = gss_init_sec_context(min, cred, gctx, target,
                                (gss_OID)&gss_mech_ntlm.oid,
                                req | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
                                cb, &mech_in, NULL, &mech_out, ret_flags,
                                time_rec);
    if (GSS_ERROR(*maj)) {
        /* A mechanism may hand out an error token; SPNEGO framing has
         * no place for it here (the failed call hands out nothing). */
        gss_release_buffer(&m2, &mech_out);
        return SEC_E_OK;            /* the caller maps it */
    }
    if (first) {
        gss_buffer_set_t bs = GSS_C_NO_BUFFER_SET;

        if (*maj != GSS_S_CONTINUE_NEEDED) {
            trace_cause("Negotiate: NTLM finished on its first message "
                        "-> SEC_E_INTERNAL_ERROR");
            st = SEC_E_INTERNAL_ERROR;
            goto out;
        }
        if (!GSS_ERROR(gss_inquire_sec_context_by_oid(
                &m2, *gctx, (gss_OID)&ntlm_req_mic_oid, &bs)))
            gss_release_buffer_set(&m2, &bs);
        if (!wrap_init(&mech_out, out))
            st = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    if (*maj != GSS_S_COMPLETE) {
        trace_cause("Negotiate: NTLM wants a message after its "
                    "AUTHENTICATE -> SEC_E_INTERNAL_ERROR");
        st = SEC_E_INTERNAL_ERROR;
        goto out;
    }
    /* The mechListMIC: MIT's and Samba's servers answer with theirs
     * once they get it, and Windows' insist on it when the AUTHENTICATE
     * has its own MIC (MIT's spnego_mech.c, mech_requires_mechlistMIC).
     * Then the send stream starts again (MS-SPNG 3.3.5.1). */
    if (*ret_flags & GSS_C_INTEG_FLAG) {
        gss_buffer_desc list = { sizeof(ntlm_mech_list),
                                 (void *)ntlm_mech_list };
        OM_uint32 zero = 0, j;
        gss_buffer_desc which = { sizeof(zero), &zero };

        j = gss_get_mic(min, *gctx, GSS_C_QOP_DEFAULT, &list, &mic);
        if (!GSS_ERROR(j)) {
            j = gss_set_sec_context_option(
                min, gctx, (gss_OID)&ntlm_reset_crypto_oid, &which);
            if (j == GSS_S_UNAVAILABLE)
                j = GSS_S_COMPLETE;
        }
        if (GSS_ERROR(j)) {
            st = map_gss(j, *min, &gss_mech_ntlm.oid, MAP_INIT);
            if (st == SEC_E_OK)
                st = SEC_E_INTERNAL_ERROR;
            goto out;
        }
    }
    if (!wrap_resp(&mech_out, &mic, out))
        st = SEC_E_INSUFFICIENT_MEMORY;
out:
    gss_release_buffer(&m2, &mech_out);
    gss_release_buffer(&m2, &mic);
    if (st != SEC_E_OK && !first && *gctx != GSS_C_NO_CONTEXT)
        /* A failed step leaves no half-made context (as GSS drops its
         * own after a failed step). */
        gss_delete_sec_context(&m2, gctx, GSS_C_NO_BUFFER);
    return st;
}
