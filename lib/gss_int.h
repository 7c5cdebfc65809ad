/*
 * gss_int.h - the GSS-API engine shared by the Kerberos (and later
 * Negotiate and NTLM) packages: credential and context objects.
 */
#ifndef SSPIGSS_GSS_INT_H
#define SSPIGSS_GSS_INT_H

#include "setup.h"

#include <pthread.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "handles.h"
#include "map_gss.h"
#include "package.h"

/* What a GSS package runs on. */
struct gss_mech {
    gss_OID_desc oid;
    bool krb5;              /* Kerberos credentials (krb_creds.c) */
};

/*
 * A credential. Explicit Kerberos credentials get their initial ticket
 * lazily, at the first InitializeSecurityContext, so that a wrong
 * password fails there (SEC_E_LOGON_DENIED) as on Windows and not in
 * AcquireCredentialsHandle. The password is kept, in memory only, until
 * the ticket is obtained, then wiped.
 */
struct gss_cred {
    struct handle_obj h;
    pthread_mutex_t lock;
    const struct gss_mech *mech;
    ULONG use;                  /* SECPKG_CRED_INBOUND/OUTBOUND/BOTH */
    gss_cred_id_t gcred;        /* GSS_C_NO_CREDENTIAL until obtained */
    char *principal;            /* display name, or NULL when unknown */
    /* Explicit Kerberos identity: */
    krb5_context kctx;
    krb5_principal client;
    krb5_ccache ccache;         /* private MEMORY: cache, or NULL */
    char *password;             /* until the ticket is obtained */
    TimeStamp expiry;
    /* Made while impersonating a client (ImpersonateSecurityContext):
     * that acceptor context, which is held. */
    struct handle_obj *impersonated;
    /* gcred belongs to the impersonated context (its forwarded TGT), not
     * to this credential. */
    bool borrowed;
    /* A failure Windows reports at the first InitializeSecurityContext
     * rather than at AcquireCredentialsHandle, or SEC_E_OK. */
    SECURITY_STATUS deferred;
};

/*
 * Make a credential for pkg (krb_creds.c). args as for the package op.
 */
SECURITY_STATUS krb_creds_acquire(const struct package *pkg,
                                  const struct acquire_args *args,
                                  struct gss_cred **out, TimeStamp *expiry);

/*
 * Make sure an initiator credential has its GSS credential, getting the
 * initial ticket for an explicit identity now. Called with cred->lock
 * held. Returns the mapped failure (SEC_E_LOGON_DENIED, ...).
 */
SECURITY_STATUS krb_creds_ready(struct gss_cred *cred);

/* Credential attributes (NAMES). */
SECURITY_STATUS krb_creds_query(struct handle_obj *obj, ULONG attr,
                                void *buffer, bool wide);

/*
 * Convert a UNIX time to an SSPI TimeStamp: a FILETIME count in local
 * time, as Microsoft documents SSPI packages must return it
 * (AcquireCredentialsHandle, ptsExpiry).
 */
TimeStamp gss_timestamp(int64_t unix_time);

/* TimeStamp Windows uses for "never expires". */
#define TIMESTAMP_NEVER ((LONGLONG)0x7FFFFFFFFFFFFFFFLL)

/*
 * The acceptor context this thread impersonates (ImpersonateSecurityContext
 * until RevertSecurityContext), with a new reference, or NULL; and the
 * client credentials it received by delegation (GSS_C_NO_CREDENTIAL when
 * the client delegated none). (pkg_gss.c)
 */
struct handle_obj *gss_impersonation(void);
gss_cred_id_t gss_ctx_delegated(struct handle_obj *ctx);

/*
 * Whether an acceptor's delegated credential is MIT's proxy credential
 * for constrained delegation (the client's ticket to the service), not a
 * TGT the client forwarded (krb_creds.c).
 */
bool krb_creds_is_proxy(gss_cred_id_t deleg);

/* Package ops of the GSS engine (pkg_gss.c). */
extern const struct package_ops gss_package_ops;

/* Mechanisms. */
extern const struct gss_mech gss_mech_kerberos;

#endif /* SSPIGSS_GSS_INT_H */
