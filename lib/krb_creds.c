/*
 * krb_creds.c - Kerberos credentials for the GSS packages.
 *
 * Explicit identities (SEC_WINNT_AUTH_IDENTITY*) with a password get their
 * initial ticket through the krb5 init_creds API into a private MEMORY:
 * credential cache owned by the credential object: never the user's
 * cache, never a file. Using the krb5 API rather than
 * gss_acquire_cred_with_password keeps the krb5 error code (which
 * GSS-API reports only as GSS_S_NO_CRED) for the mapper, and the KDC's
 * error data for Active Directory diagnostics.
 *
 * An EX2 identity's keytab (SEC_WINNT_AUTH_DATA_TYPE_KEYTAB) stands for
 * the password: the initial ticket is obtained with the keys it holds.
 * MIT reads keytabs only through its keytab types, so the bytes are
 * written to an anonymous memory file (memfd_create: no file system, no
 * name another process can open) that MIT reads through /proc/self/fd,
 * and closed as soon as the ticket is obtained.
 *
 * A certificate credential (smart card logon): the user name is a
 * marshaled CertCredential ("@@B...", CredMarshalCredential) and the
 * password the card's PIN, as Windows code passes them. The certificate is
 * looked up by its hash (certcred.c) when the credential is acquired; the
 * first InitializeSecurityContext gets the ticket with MIT's PKINIT
 * (X509_user_identity), answering the PIN through the krb5 responder and
 * reading the krb5 trace for the reason of a failure MIT reports only
 * there (map_pkinit in map_gss.c). The PIN is wiped as a password is.
 *
 * Without an identity: outbound credentials come from the default ccache
 * (KRB5CCNAME, collections), inbound ones from the keytab (KRB5_KTNAME or
 * the default); pszPrincipal (or an identity without a password) selects
 * a principal.
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "certcred.h"
#include "gss_int.h"
#include "identity.h"
#include "krb_edata.h"
#include "internal.h"

/* 100 ns intervals between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

TimeStamp
gss_timestamp(int64_t unix_time)
{
    TimeStamp ts;
    struct tm tm;
    time_t t = (time_t)unix_time;

    if (localtime_r(&t, &tm) != NULL)
        unix_time += tm.tm_gmtoff;
    ts.QuadPart = unix_time * 10000000LL + FILETIME_UNIX_EPOCH;
    return ts;
}

/* Wipe and free a credential's keytab bytes. */
static void
free_keytab(struct gss_cred *c)
{
    if (c->keytab != NULL) {
        mem_wipe(c->keytab, c->keytab_len);
        free(c->keytab);
    }
    c->keytab = NULL;
    c->keytab_len = 0;
}

/*
 * A keytab handle over n bytes at p: an anonymous memory file holding
 * them, named "FILE:/proc/self/fd/N". On success *fd is the file's
 * descriptor, to be closed after krb5_kt_close(*kt); it is the only name
 * of the file. Returns a krb5 error code (errno values for system
 * failures, as MIT's own keytab code reports them).
 */
/*
 * Does keytab kt hold a key for client (any key, client NULL)? False also
 * when it cannot be read (bytes that are not a keytab:
 * KRB5_KEYTAB_BADVNO); *code says why.
 */
static bool
keytab_has_client(krb5_context k, krb5_keytab kt, krb5_const_principal client,
                  krb5_error_code *code)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    bool found = false;

    *code = krb5_kt_start_seq_get(k, kt, &cur);
    if (*code != 0)
        return false;
    while (!found && (*code = krb5_kt_next_entry(k, kt, &e, &cur)) == 0) {
        found = client == NULL
                || krb5_principal_compare(k, e.principal, client);
        krb5_free_keytab_entry_contents(k, &e);
    }
    krb5_kt_end_seq_get(k, kt, &cur);
    if (!found && (*code == 0 || *code == KRB5_KT_END))
        *code = KRB5_KT_NOTFOUND;
    return found;
}

/* n bytes at p in a new anonymous memory file (*fd). Returns 0 or an
 * errno value. */
static int
keytab_memfd(const unsigned char *p, size_t n, int *fd)
{
    size_t done = 0;
    int err;

    *fd = memfd_create("sspigss-keytab", MFD_CLOEXEC);
    if (*fd < 0)
        return errno;
    while (done < n) {
        ssize_t w = write(*fd, p + done, n - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            close(*fd);
            *fd = -1;
            return err;
        }
        done += (size_t)w;
    }
    return 0;
}

static krb5_error_code
keytab_from_bytes(krb5_context k, const unsigned char *p, size_t n, int *fd,
                  krb5_keytab *kt)
{
    char name[64];
    krb5_error_code code;

    *kt = NULL;
    code = keytab_memfd(p, n, fd);
    if (code != 0)
        return code;
    snprintf(name, sizeof(name), "FILE:/proc/self/fd/%d", *fd);
    code = krb5_kt_resolve(k, name, kt);
    if (code == 0)
        return 0;
    close(*fd);
    *fd = -1;
    *kt = NULL;
    return code;
}

SECURITY_STATUS
krb_creds_acceptor_keytab(struct gss_cred *c, const struct identity *id,
                          const char *principal, char *name, size_t size)
{
    krb5_context k = NULL;
    krb5_keytab kt = NULL;
    krb5_principal p = NULL;
    krb5_error_code code;
    SECURITY_STATUS st;
    const char *why;
    int fd, err;

    err = keytab_memfd(id->keytab, id->keytab_len, &fd);
    if (err != 0) {
        trace_cause("no memory file for the EX2 keytab: %s -> %s",
                    strerror(err), err == ENOMEM
                    ? "SEC_E_INSUFFICIENT_MEMORY" : "SEC_E_INTERNAL_ERROR");
        return err == ENOMEM ? SEC_E_INSUFFICIENT_MEMORY
                             : SEC_E_INTERNAL_ERROR;
    }
    snprintf(name, size, "FILE:/proc/self/fd/%d", fd);
    /* Check the keys here rather than leave it to gss_acquire_cred_from:
     * MIT 1.20.1 leaks the acceptor's name when a named acceptor's keytab
     * has no key for it, and its "no key" says less than we can. */
    code = krb5_init_context(&k);
    if (code != 0) {
        k = NULL;
        st = map_krb5(NULL, code, MAP_ACQUIRE);
        goto out;
    }
    code = krb5_kt_resolve(k, name, &kt);
    if (code == 0 && principal != NULL)
        code = krb5_parse_name(k, principal, &p);
    if (code == 0 && !keytab_has_client(k, kt, p, &code)) {
        why = krb5_get_error_message(k, code);
        trace_cause("the EX2 keytab holds no key for %s (%s) -> "
                    "SEC_E_NO_CREDENTIALS",
                    principal != NULL ? principal : "any service", why);
        krb5_free_error_message(k, why);
        st = SEC_E_NO_CREDENTIALS;
        goto out;
    }
    if (code != 0) {
        st = map_krb5(k, code, MAP_ACQUIRE);
        if (st != SEC_E_INSUFFICIENT_MEMORY)
            st = SEC_E_NO_CREDENTIALS;
        goto out;
    }
    c->acc_kt = true;
    c->acc_ktfd = fd;
    fd = -1;
    st = SEC_E_OK;
out:
    if (k != NULL) {
        krb5_free_principal(k, p);
        if (kt != NULL)
            krb5_kt_close(k, kt);
        krb5_free_context(k);
    }
    if (fd >= 0)
        close(fd);
    return st;
}

void
krb_creds_close_keytab(struct gss_cred *c)
{
    if (c->acc_kt)
        close(c->acc_ktfd);
    c->acc_kt = false;
}

static void
cred_destroy(struct handle_obj *obj)
{
    struct gss_cred *c = (struct gss_cred *)obj;
    OM_uint32 min;

    if (c->gcred != GSS_C_NO_CREDENTIAL && !c->borrowed)
        gss_release_cred(&min, &c->gcred);
    handle_obj_unref(c->impersonated);
    if (c->kctx != NULL) {
        if (c->ccache != NULL)
            krb5_cc_destroy(c->kctx, c->ccache);
        krb5_free_principal(c->kctx, c->client);
        krb5_free_context(c->kctx);
    }
    mem_free_secret_str(c->password);
    free(c->pkinit_identity);
    free_keytab(c);
    krb_creds_close_keytab(c);
    krb_proxy_free(c);
    free(c->principal);
    free(c->deferred_why);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static gss_cred_usage_t
usage_of(ULONG use)
{
    if ((use & SECPKG_CRED_BOTH) == SECPKG_CRED_BOTH)
        return GSS_C_BOTH;
    return (use & SECPKG_CRED_INBOUND) ? GSS_C_ACCEPT : GSS_C_INITIATE;
}

/* Credentials from the environment: default ccache / keytab; or, with
 * store, an acceptor's from the keytab it names. */
static SECURITY_STATUS
acquire_default(struct gss_cred *c, const char *principal,
                gss_const_key_value_set_t store, TimeStamp *expiry)
{
    gss_OID_set_desc mechs = { 1, (gss_OID)&c->mech->oid };
    gss_name_t name = GSS_C_NO_NAME, got = GSS_C_NO_NAME;
    OM_uint32 maj, min, lifetime = 0;
    SECURITY_STATUS st;

    if (principal != NULL) {
        gss_buffer_desc b = { strlen(principal), (void *)principal };

        maj = gss_import_name(&min, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
        if (GSS_ERROR(maj)) {
            /* A principal that does not parse names no credentials. */
            map_gss(maj, min, &c->mech->oid, MAP_ACQUIRE);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
    }
    if (store != GSS_C_NO_CRED_STORE)
        maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs,
                                    GSS_C_ACCEPT, store, &c->gcred, NULL,
                                    &lifetime);
    else
        maj = gss_acquire_cred(&min, name, GSS_C_INDEFINITE, &mechs,
                               usage_of(c->use), &c->gcred, NULL,
                               &lifetime);
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &c->mech->oid, MAP_ACQUIRE);
        /* Whatever the reason (no cache, no keytab, no such principal),
         * the caller has no usable credentials. */
        if (st != SEC_E_INSUFFICIENT_MEMORY)
            st = SEC_E_NO_CREDENTIALS;
        goto out;
    }
    if (gss_inquire_cred(&min, c->gcred, &got, NULL, NULL, NULL)
        == GSS_S_COMPLETE) {
        c->principal = gss_name_text(got);
        gss_release_name(&min, &got);
    } else if (principal != NULL) {
        c->principal = strdup(principal);
    }
    if ((c->use & SECPKG_CRED_OUTBOUND) && lifetime != GSS_C_INDEFINITE)
        *expiry = gss_timestamp((int64_t)time(NULL) + lifetime);
    else
        expiry->QuadPart = TIMESTAMP_NEVER;
    st = SEC_E_OK;
out:
    gss_release_name(&min, &name);
    return st;
}

/* An explicit identity with a password or a keytab: parse the principal
 * now, get the ticket later (krb_creds_ready). */
static SECURITY_STATUS
prepare_explicit(struct gss_cred *c, struct identity *id)
{
    char *realm = NULL, *name = NULL, *unparsed = NULL;
    krb5_error_code code;
    SECURITY_STATUS st;

    code = krb5_init_context(&c->kctx);
    if (code != 0) {
        c->kctx = NULL;
        return map_krb5(NULL, code, MAP_ACQUIRE);
    }
    if (krb5_get_default_realm(c->kctx, &realm) != 0)
        realm = NULL;
    st = identity_krb5_principal(id, realm, &name);
    if (st != SEC_E_OK)
        goto out;
    code = krb5_parse_name(c->kctx, name, &c->client);
    if (code != 0) {
        st = map_krb5(c->kctx, code, MAP_ACQUIRE);
        if (st != SEC_E_INSUFFICIENT_MEMORY)
            st = SEC_E_UNKNOWN_CREDENTIALS;
        goto out;
    }
    code = krb5_unparse_name(c->kctx, c->client, &unparsed);
    if (code != 0) {
        st = map_krb5(c->kctx, code, MAP_ACQUIRE);
        goto out;
    }
    c->principal = strdup(unparsed);
    if (c->principal == NULL) {
        st = SEC_E_INSUFFICIENT_MEMORY;
        goto out;
    }
    /* The password moves into the credential; it is wiped as soon as the
     * ticket is in the private cache (or with the credential). */
    c->password = id->password;
    id->password = NULL;
    c->keytab = id->keytab;
    c->keytab_len = id->keytab_len;
    id->keytab = NULL;
    id->keytab_len = 0;
    st = SEC_E_OK;
out:
    krb5_free_unparsed_name(c->kctx, unparsed);
    krb5_free_default_realm(c->kctx, realm);
    free(name);
    return st;
}

/*
 * A certificate credential: id->user is a marshaled CertCredential whose
 * hash is hash, id->password the PIN (may be NULL). Finds the
 * certificate now (SEC_E_NO_CREDENTIALS when no store has it: ours, no
 * Windows evidence); the ticket comes later (krb_creds_ready). The client
 * is the principal the certificate names; one that names none is refused
 * there (SEC_E_PKINIT_NAME_MISMATCH).
 */
static SECURITY_STATUS
prepare_cert(struct gss_cred *c, struct identity *id,
             const unsigned char hash[CERTCRED_HASH_LEN])
{
    struct certcred cert = { 0 };
    char *unparsed = NULL;
    krb5_error_code code;
    SECURITY_STATUS st;

    st = certcred_find(hash, &cert);
    if (st != SEC_E_OK)
        return st;
    code = krb5_init_context(&c->kctx);
    if (code != 0) {
        c->kctx = NULL;
        st = map_krb5(NULL, code, MAP_ACQUIRE);
        goto out;
    }
    if (cert.principal != NULL) {
        code = krb5_parse_name(c->kctx, cert.principal, &c->client);
        if (code == 0)
            code = krb5_unparse_name(c->kctx, c->client, &unparsed);
        if (code != 0) {
            st = map_krb5(c->kctx, code, MAP_ACQUIRE);
            if (st != SEC_E_INSUFFICIENT_MEMORY)
                st = SEC_E_UNKNOWN_CREDENTIALS;
            goto out;
        }
        c->principal = strdup(unparsed);
        if (c->principal == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
            goto out;
        }
    }
    c->pkinit_identity = cert.identity;
    cert.identity = NULL;
    c->password = id->password;
    id->password = NULL;
    st = SEC_E_OK;
out:
    krb5_free_unparsed_name(c->kctx, unparsed);
    certcred_clear(&cert);
    return st;
}

/* MIT's cache configuration naming the service of a proxy credential. */
#define PROXY_CONF "proxy_impersonator"

/*
 * A copy of the acceptor's delegated credential deleg in a new MEMORY
 * cache (*cc) whose principal (*client) is the credential's.
 * gss_krb5_copy_ccache copies the credentials only, not the principal.
 */
static krb5_error_code
copy_deleg(krb5_context k, gss_cred_id_t deleg, krb5_principal *client,
           krb5_ccache *cc)
{
    gss_name_t gname = GSS_C_NO_NAME;
    gss_buffer_desc disp = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min;
    krb5_error_code code = KRB5_CC_NOTFOUND;
    char *name = NULL;

    *client = NULL;
    *cc = NULL;
    maj = gss_inquire_cred(&min, deleg, &gname, NULL, NULL, NULL);
    if (!GSS_ERROR(maj))
        maj = gss_display_name(&min, gname, &disp, NULL);
    if (!GSS_ERROR(maj) && (name = strndup(disp.value, disp.length)) != NULL
        && (code = krb5_parse_name(k, name, client)) == 0
        && (code = krb5_cc_new_unique(k, "MEMORY", NULL, cc)) == 0
        && (code = krb5_cc_initialize(k, *cc, *client)) == 0) {
        maj = gss_krb5_copy_ccache(&min, deleg, *cc);
        if (GSS_ERROR(maj))
            code = KRB5_CC_NOTFOUND;
    }
    free(name);
    gss_release_buffer(&min, &disp);
    gss_release_name(&min, &gname);
    if (code != 0) {
        if (*cc != NULL)
            krb5_cc_destroy(k, *cc);
        krb5_free_principal(k, *client);
        *cc = NULL;
        *client = NULL;
    }
    return code;
}

bool
krb_creds_is_proxy(gss_cred_id_t deleg)
{
    krb5_context k;
    krb5_principal client;
    krb5_ccache cc;
    krb5_data conf = { 0 };
    bool proxy = false;

    if (krb5_init_context(&k) != 0)
        return false;
    if (copy_deleg(k, deleg, &client, &cc) == 0) {
        proxy = krb5_cc_get_config(k, cc, NULL, PROXY_CONF, &conf) == 0;
        krb5_free_data_contents(k, &conf);
        krb5_cc_destroy(k, cc);
        krb5_free_principal(k, client);
    }
    krb5_free_context(k);
    return proxy;
}

/*
 * Constrained delegation (S4U2Proxy, [MS-SFU] 3.2.5.2). When a client
 * authenticates without delegating its TGT to a service whose credential
 * can also initiate (SECPKG_CRED_BOTH), MIT's acceptor hands back a
 * "proxy" credential: the client's ticket to the service (the evidence
 * ticket) and the service's own TGT, in a cache whose configuration names
 * the service as "proxy_impersonator". InitializeSecurityContext with it
 * asks the KDC for a ticket to the next service in the client's name.
 *
 * MIT looks the evidence ticket up under the impersonator's name, so both
 * must be the same principal. They are under MIT's KDC, where a service
 * gets its TGT as its service principal. They are not under Active
 * Directory, which issues TGTs to the account (front@REALM) while the
 * client's ticket is for one of its SPNs (HTTP/front.example@REALM): the
 * ticket is found only if it is also filed under the account's name. The
 * KDC reads the ticket itself, not that name.
 *
 * Returns 0 when deleg is a proxy credential and c now owns a copy of it
 * made usable so; nonzero otherwise (a TGT the client forwarded, which c
 * borrows as it is).
 */
static int
proxy_cred(struct gss_cred *c, gss_cred_id_t deleg)
{
    krb5_context k = NULL;
    krb5_ccache cc = NULL;
    krb5_principal imp = NULL, client = NULL;
    krb5_data conf = { 0 };
    krb5_cc_cursor cur = NULL;
    krb5_creds cr, *evidence = NULL;
    krb5_error_code code;
    gss_cred_id_t made = GSS_C_NO_CREDENTIAL;
    OM_uint32 maj, min;
    char *impname = NULL;
    int ret = 1;

    if (krb5_init_context(&k) != 0)
        return 1;
    if (copy_deleg(k, deleg, &client, &cc) != 0)
        goto out;
    if (krb5_cc_get_config(k, cc, NULL, PROXY_CONF, &conf) != 0)
        goto out;               /* not a proxy credential */
    impname = strndup(conf.data, conf.length);
    if (impname == NULL || krb5_parse_name(k, impname, &imp) != 0
        || krb5_cc_start_seq_get(k, cc, &cur) != 0)
        goto out;
    /* The evidence ticket: the client's, to a service that is not a TGS.
     * (Stored to only after the scan: a cache is not written to while a
     * cursor walks it.) */
    while (evidence == NULL && krb5_cc_next_cred(k, cc, &cur, &cr) == 0) {
        if (!krb5_is_config_principal(k, cr.server)
            && krb5_principal_compare(k, cr.client, client)
            && !(cr.server->length == 2 && cr.server->data[0].length == 6
                 && memcmp(cr.server->data[0].data, "krbtgt", 6) == 0)
            && krb5_copy_creds(k, &cr, &evidence) != 0)
            evidence = NULL;
        krb5_free_cred_contents(k, &cr);
    }
    krb5_cc_end_seq_get(k, cc, &cur);
    if (evidence == NULL)
        goto out;
    if (!krb5_principal_compare(k, evidence->server, imp)) {
        krb5_principal own = evidence->server;

        evidence->server = imp;
        code = krb5_cc_store_cred(k, cc, evidence);
        evidence->server = own;
        if (code != 0)
            goto out;
        if (trace_enabled())
            trace_printf("constrained delegation: the client's ticket is "
                         "filed under the impersonator %s too", impname);
    }
    maj = gss_krb5_import_cred(&min, cc, NULL, NULL, &made);
    if (GSS_ERROR(maj))
        goto out;
    c->gcred = made;
    c->kctx = k;
    c->ccache = cc;
    k = NULL;
    cc = NULL;
    ret = 0;
out:
    free(impname);
    krb5_free_creds(k != NULL ? k : c->kctx, evidence);
    if (k != NULL) {
        krb5_free_data_contents(k, &conf);
        krb5_free_principal(k, imp);
        krb5_free_principal(k, client);
        if (cc != NULL)
            krb5_cc_destroy(k, cc);
        krb5_free_context(k);
    } else {
        krb5_free_data_contents(c->kctx, &conf);
        krb5_free_principal(c->kctx, imp);
        krb5_free_principal(c->kctx, client);
    }
    return ret;
}

SECURITY_STATUS
krb_creds_acquire(const struct package *pkg, const struct acquire_args *args,
                  struct gss_cred **out, TimeStamp *expiry)
{
    struct identity id = { 0 };
    struct gss_cred *c;
    SECURITY_STATUS st;
    char *principal = NULL;
    unsigned char hash[CERTCRED_HASH_LEN];

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    handle_obj_init(&c->h, HANDLE_CRED, pkg, cred_destroy);
    pthread_mutex_init(&c->lock, NULL);
    c->mech = pkg->data;
    c->use = args->cred_use;
    c->gcred = GSS_C_NO_CREDENTIAL;

    if (args->auth_data != NULL) {
        st = identity_from_auth_data(args->auth_data, &id);
        if (st != SEC_E_OK)
            goto out;
    }
    if (args->auth_data == NULL && args->principal == NULL
        && c->use == SECPKG_CRED_OUTBOUND
        && (c->impersonated = gss_impersonation()) != NULL) {
        /* Outbound credentials while impersonating a client are the
         * client's, if it delegated them: the double hop of Windows. */
        gss_cred_id_t deleg = gss_ctx_delegated(c->impersonated);

        expiry->QuadPart = TIMESTAMP_NEVER;
        if (deleg != GSS_C_NO_CREDENTIAL && proxy_cred(c, deleg) != 0) {
            c->gcred = deleg;   /* a forwarded TGT: borrowed as it is */
            c->borrowed = true;
        }
        if (deleg == GSS_C_NO_CREDENTIAL) {
            /* Windows lets the handle be made and fails the hop:
             * SEC_E_DELEGATION_REQUIRED ("the computer must be trusted
             * for delegation and the user account must allow it"). */
            c->deferred = SEC_E_DELEGATION_REQUIRED;
        } else {
            gss_name_t n = GSS_C_NO_NAME;
            OM_uint32 min;

            if (gss_inquire_cred(&min, c->gcred, &n, NULL, NULL, NULL)
                == GSS_S_COMPLETE)
                c->principal = gss_name_text(n);
            gss_release_name(&min, &n);
        }
        st = SEC_E_OK;
    } else if (id.user != NULL && certcred_unmarshal_hash(id.user, hash)
               && (c->use & SECPKG_CRED_OUTBOUND)
               && !(c->use & SECPKG_CRED_INBOUND)) {
        /* Smart card logon: a certificate for a user name. */
        st = prepare_cert(c, &id, hash);
        expiry->QuadPart = TIMESTAMP_NEVER;
    } else if (id.user != NULL && (id.password != NULL || id.keytab != NULL)
        && (c->use & SECPKG_CRED_OUTBOUND)
        && !(c->use & SECPKG_CRED_INBOUND)) {
        st = prepare_explicit(c, &id);
        /* Windows reports no expiry for a password credential before it
         * is used; "never" is what its packages return then. */
        expiry->QuadPart = TIMESTAMP_NEVER;
    } else {
        /* An identity without a password names whose tickets (or keys)
         * to use; so does pszPrincipal. */
        if (id.user != NULL) {
            krb5_context k;
            char *realm = NULL;

            if (krb5_init_context(&k) == 0) {
                if (krb5_get_default_realm(k, &realm) != 0)
                    realm = NULL;
                st = identity_krb5_principal(&id, realm, &principal);
                krb5_free_default_realm(k, realm);
                krb5_free_context(k);
            } else {
                st = identity_krb5_principal(&id, NULL, &principal);
            }
            if (st != SEC_E_OK)
                goto out;
        }
        char ktname[64];
        gss_key_value_element_desc el = { "keytab", ktname };
        gss_key_value_set_desc store = { 1, &el };

        if (id.keytab != NULL && !(c->use & SECPKG_CRED_INBOUND)) {
            /* Keys for no user named: whose would they be? */
            st = SEC_E_UNKNOWN_CREDENTIALS;
            goto out;
        }
        if (id.keytab != NULL) {
            /* An inbound EX2 keytab: the acceptor's keys (a Windows
             * acceptor takes one so, its SPN as the user: jborean93's
             * LocalKdc README, "SSPI Details"). SECPKG_CRED_BOTH gets
             * the accepting half only. */
            st = krb_creds_acceptor_keytab(c, &id,
                                           principal != NULL
                                           ? principal : args->principal,
                                           ktname, sizeof(ktname));
            if (st != SEC_E_OK)
                goto out;
        }
        st = acquire_default(c, principal != NULL ? principal
                                                  : args->principal,
                             id.keytab != NULL ? &store
                                               : GSS_C_NO_CRED_STORE,
                             expiry);
    }
out:
    identity_clear(&id);
    free(principal);
    if (st != SEC_E_OK) {
        handle_obj_unref(&c->h);
        return st;
    }
    *out = c;
    return SEC_E_OK;
}

/*
 * The krb5 responder of a certificate credential: the PIN for every
 * PKCS#11 token (or key file) MIT's PKINIT asks about. Without a PIN
 * nothing is answered, and the token login fails as with a wrong PIN.
 */
static krb5_error_code
pin_responder(krb5_context k, void *data, krb5_responder_context rctx)
{
    const struct gss_cred *c = data;
    krb5_responder_pkinit_challenge *chl = NULL;
    size_t i;

    if (c->password == NULL
        || krb5_responder_pkinit_get_challenge(k, rctx, &chl) != 0
        || chl == NULL)
        return 0;
    for (i = 0; chl->identities != NULL && chl->identities[i] != NULL; i++)
        krb5_responder_pkinit_set_answer(k, rctx,
                                         chl->identities[i]->identity,
                                         c->password);
    krb5_responder_pkinit_challenge_free(k, rctx, chl);
    return 0;
}

/*
 * What MIT's PKINIT said in the krb5 trace while getting a ticket: the
 * last failure of its module and of the token login (MIT 1.20 reports
 * the client's refusal of the KDC's certificate only there: the call
 * itself fails with whatever the mechanisms tried afterwards returned).
 */
struct pkinit_trace {
    int pa_type;
    long pa_code;
    char pa_text[256];
    char token_text[128];
};

static void
pkinit_trace_cb(krb5_context k, const krb5_trace_info *info, void *data)
{
    static const char mod[] = "Preauth module pkinit (";
    static const char login[] = "PKINIT PKCS11 C_Login failed: ";
    /* MIT's two ways of saying that the token is not there (no token in
     * any slot; none in the slot and with the label asked for). */
    static const char notoken[] = "PKINIT PKCS#11 module shows no slots";
    static const char nomatch[] = "PKINIT PKCS#11 module has no matching";
    struct pkinit_trace *t = data;
    const char *m, *p;
    int pa;
    long code;
    int used = 0;

    (void)k;
    if (info == NULL || info->message == NULL)
        return;
    m = info->message;
    if (trace_enabled())
        trace_printf("krb5: %.*s", (int)strcspn(m, "\n"), m);
    /* Lines start with "[pid] time: ". */
    p = strstr(m, ": ");
    if (p == NULL)
        return;
    p += 2;
    if (strncmp(p, mod, sizeof(mod) - 1) == 0
        && sscanf(p + sizeof(mod) - 1, "%d) (real) returned: %ld/%n", &pa,
                  &code, &used) == 2
        && used > 0 && code != 0) {
        t->pa_type = pa;
        t->pa_code = code;
        snprintf(t->pa_text, sizeof(t->pa_text), "%.*s",
                 (int)strcspn(p + sizeof(mod) - 1 + used, "\n"),
                 p + sizeof(mod) - 1 + used);
    } else if (strncmp(p, login, sizeof(login) - 1) == 0) {
        snprintf(t->token_text, sizeof(t->token_text), "%.*s",
                 (int)strcspn(p + sizeof(login) - 1, "\n"),
                 p + sizeof(login) - 1);
    } else if (strncmp(p, notoken, sizeof(notoken) - 1) == 0
               || strncmp(p, nomatch, sizeof(nomatch) - 1) == 0) {
        snprintf(t->token_text, sizeof(t->token_text), "no token");
    }
}

/*
 * A password was refused because the KDC wants hardware: its last
 * KRB-ERROR (KDC_ERR_PREAUTH_REQUIRED) offers no preauthentication a
 * password can do. Sets *st and returns true then.
 */
static bool
hwauth_required(struct gss_cred *c, krb5_init_creds_context ictx,
                krb5_error_code code, SECURITY_STATUS *st)
{
    krb5_error *kerr = NULL;
    int32_t types[32];
    size_t n = 0;
    bool yes = false;

    if (c->password == NULL || c->pkinit_identity != NULL
        || krb5_init_creds_get_error(c->kctx, ictx, &kerr) != 0
        || kerr == NULL)
        return false;
    if (kerr->error == (KRB5KDC_ERR_PREAUTH_REQUIRED - ERROR_TABLE_BASE_krb5)
        && krb_edata_padata_types(kerr->e_data.data, kerr->e_data.length,
                                  types, sizeof(types) / sizeof(types[0]),
                                  &n))
        yes = map_hwauth_required(c->kctx, code, types, n, st);
    krb5_free_error(c->kctx, kerr);
    return yes;
}

SECURITY_STATUS
krb_creds_ready(struct gss_cred *c)
{
    krb5_get_init_creds_opt *opt = NULL;
    krb5_init_creds_context ictx = NULL;
    krb5_creds creds;
    krb5_ccache cc = NULL;
    krb5_keytab kt = NULL;
    krb5_error_code code;
    OM_uint32 maj, min;
    SECURITY_STATUS st;
    int ktfd = -1;
    struct pkinit_trace ptrace;

    if (c->deferred != SEC_E_OK) {
        trace_cause("credentials made while impersonating a client that "
                    "delegated none cannot reach another service -> %s",
                    sspigss_status_name(c->deferred));
        return c->deferred;
    }
    if (c->gcred != GSS_C_NO_CREDENTIAL)
        return SEC_E_OK;
    if (c->kctx == NULL || (c->password == NULL && c->keytab == NULL
                            && c->pkinit_identity == NULL))
        return SEC_E_NO_CREDENTIALS;
    if (c->pkinit_identity != NULL && c->client == NULL) {
        /* Microsoft's SSPI status code list: a client certificate
         * without a usable UPN is SEC_E_PKINIT_NAME_MISMATCH. */
        trace_cause("certificate logon: the certificate %s names no "
                    "principal (no id-pkinit-san, no UPN) -> "
                    "SEC_E_PKINIT_NAME_MISMATCH", c->pkinit_identity);
        return SEC_E_PKINIT_NAME_MISMATCH;
    }
    memset(&creds, 0, sizeof(creds));
    memset(&ptrace, 0, sizeof(ptrace));

    code = krb5_get_init_creds_opt_alloc(c->kctx, &opt);
    if (code != 0)
        goto krb_fail;
    /* Forwardable, so ISC_REQ_DELEGATE can forward the TGT. */
    krb5_get_init_creds_opt_set_forwardable(opt, 1);
    if (c->pkinit_identity != NULL) {
        code = krb5_get_init_creds_opt_set_pa(c->kctx, opt,
                                              "X509_user_identity",
                                              c->pkinit_identity);
        if (code == 0)
            code = krb5_get_init_creds_opt_set_responder(c->kctx, opt,
                                                         pin_responder, c);
        if (code != 0)
            goto krb_fail;
        /* This context is the credential's own: its trace goes to us
         * (KRB5_TRACE is not written for it). */
        krb5_set_trace_callback(c->kctx, pkinit_trace_cb, &ptrace);
    }
    code = krb5_init_creds_init(c->kctx, c->client, NULL, NULL, 0, opt,
                                &ictx);
    if (code != 0)
        goto krb_fail;
    /* A certificate credential's PIN is no password: PKINIT alone. */
    if (c->pkinit_identity == NULL && c->password != NULL) {
        code = krb5_init_creds_set_password(c->kctx, ictx, c->password);
    } else if (c->pkinit_identity == NULL) {
        /* Bytes that are not a keytab fail here or in the exchange
         * (KRB5_KEYTAB_BADVNO, KRB5_KT_NOTFOUND, ...), at the first
         * InitializeSecurityContext, as a wrong password does. */
        code = keytab_from_bytes(c->kctx, c->keytab, c->keytab_len, &ktfd,
                                 &kt);
        if (code == 0 && !keytab_has_client(c->kctx, kt, c->client, &code)) {
            /* Without a key for the user there is no credential to try,
             * whatever the KDC would say (ours: no Windows evidence). */
            const char *why = krb5_get_error_message(c->kctx, code);

            trace_cause("the EX2 keytab holds no key for %s (%s) -> "
                        "SEC_E_NO_CREDENTIALS", c->principal, why);
            krb5_free_error_message(c->kctx, why);
            c->krb_code = code;
            st = SEC_E_NO_CREDENTIALS;
            goto out;
        }
        if (code == 0)
            code = krb5_init_creds_set_keytab(c->kctx, ictx, kt);
    }
    if (code != 0)
        goto krb_fail;
    code = krb5_init_creds_get(c->kctx, ictx);
    if (c->pkinit_identity != NULL)
        krb5_set_trace_callback(c->kctx, NULL, NULL);
    if (code != 0 && c->pkinit_identity != NULL) {
        struct map_pkinit why = { ptrace.pa_type, (int32_t)ptrace.pa_code,
                                  ptrace.pa_text, ptrace.token_text };

        st = map_pkinit(c->kctx, code, &why);
        c->krb_code = code;
        goto out;
    }
    if (code != 0 && hwauth_required(c, ictx, code, &st)) {
        c->krb_code = code;
        goto out;
    }
    if (code != 0) {
        /* An AD KDC says why in the KRB-ERROR's e-data (an NTSTATUS);
         * GSS-API would have dropped it. */
        krb5_error *kerr = NULL;
        uint32_t nt;

        if (krb5_init_creds_get_error(c->kctx, ictx, &kerr) == 0
            && kerr != NULL
            && krb_edata_ntstatus(kerr->e_data.data, kerr->e_data.length,
                                  &nt)) {
            st = map_krb5_ntstatus(c->kctx, code, nt, MAP_ACQUIRE);
            krb5_free_error(c->kctx, kerr);
            c->krb_code = code;
            goto out;
        }
        krb5_free_error(c->kctx, kerr);
        goto krb_fail;
    }
    code = krb5_init_creds_get_creds(c->kctx, ictx, &creds);
    if (code != 0) {
        /* What a failed copy leaves in creds still points into ictx's own
         * (MIT's k5_copy_creds_contents: "its contents are garbage"):
         * freeing it too would free those twice (found by
         * tests/torture). */
        memset(&creds, 0, sizeof(creds));
        goto krb_fail;
    }
    code = krb5_cc_new_unique(c->kctx, "MEMORY", NULL, &cc);
    if (code != 0)
        goto krb_fail;
    code = krb5_cc_initialize(c->kctx, cc, creds.client);
    if (code == 0)
        code = krb5_cc_store_cred(c->kctx, cc, &creds);
    if (code != 0)
        goto krb_fail;
    maj = gss_krb5_import_cred(&min, cc, creds.client, NULL, &c->gcred);
    if (GSS_ERROR(maj)) {
        st = map_gss(maj, min, &c->mech->oid, MAP_ACQUIRE);
        c->gcred = GSS_C_NO_CREDENTIAL;
        goto out;
    }
    c->ccache = cc;
    cc = NULL;
    c->expiry = gss_timestamp(creds.times.endtime);
    /* The ticket is in hand: the password or keys are no longer
     * needed. */
    mem_free_secret_str(c->password);
    c->password = NULL;
    free_keytab(c);
    st = SEC_E_OK;
    goto out;

krb_fail:
    /* Acquiring the credential, though reported by ISC (Windows). */
    st = map_krb5(c->kctx, code, MAP_ACQUIRE);
    c->krb_code = code;
out:
    if (c->pkinit_identity != NULL)
        krb5_set_trace_callback(c->kctx, NULL, NULL);
    if (cc != NULL)
        krb5_cc_destroy(c->kctx, cc);
    if (kt != NULL)
        krb5_kt_close(c->kctx, kt);
    if (ktfd >= 0)
        close(ktfd);
    krb5_free_cred_contents(c->kctx, &creds);
    if (ictx != NULL)
        krb5_init_creds_free(c->kctx, ictx);
    if (opt != NULL)
        krb5_get_init_creds_opt_free(c->kctx, opt);
    return st;
}

bool
krb_creds_unusable(const struct gss_cred *c)
{
    switch (c->krb_code) {
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_UNKNOWN:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_CONFIG_NODEFREALM:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_WRONG_REALM:
        return true;
    default:
        return false;
    }
}

SECURITY_STATUS
krb_creds_query(struct handle_obj *obj, ULONG attr, void *buffer, bool wide)
{
    struct gss_cred *c = (struct gss_cred *)obj;
    SecPkgCredentials_NamesA *names = buffer;
    SECURITY_STATUS st;

    if (attr != SECPKG_CRED_ATTR_NAMES)
        return SEC_E_UNSUPPORTED_FUNCTION;
    pthread_mutex_lock(&c->lock);
    if (c->principal == NULL) {
        st = SEC_E_NO_CREDENTIALS;
    } else {
        void *s = ctxbuf_string(c->principal, wide);

        st = s != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
        if (s != NULL)
            names->sUserName = s;
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}
