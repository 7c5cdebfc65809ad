/*
 * package.h - security packages as ops tables, and their registry.
 *
 * A package (Kerberos, Negotiate, NTLM, Schannel) is a const struct of
 * Windows-visible facts (the SecPkgInfo values) and a table of operations,
 * in the manner of Samba's gensec or curl's TLS backends. The API layer
 * (api_*.c) validates arguments, resolves handles and converts strings,
 * then calls an operation; it never knows which package it talks to. An
 * operation a package does not provide is NULL, and the API layer answers
 * SEC_E_UNSUPPORTED_FUNCTION for it, so packages never repeat that check.
 *
 * Conventions for every operation:
 *  - strings are UTF-8; `wide` says whether the caller used a W entry
 *    point, for results the package must return as UTF-16;
 *  - handles arrive as referenced objects (struct handle_obj first in the
 *    package's own struct); the API layer owns the references;
 *  - on failure nothing the caller can see has changed: no output buffer
 *    written beyond what Windows writes on failure, no context state
 *    advanced (the "no half-changed context" rule).
 */
#ifndef SSPIGSS_PACKAGE_H
#define SSPIGSS_PACKAGE_H

#include "setup.h"

#include "handles.h"

struct acquire_args {
    const char *principal;      /* pszPrincipal, UTF-8, or NULL */
    ULONG cred_use;             /* SECPKG_CRED_INBOUND/OUTBOUND/BOTH */
    const LUID *logon_id;       /* pvLogonId, may be NULL */
    const void *auth_data;      /* pAuthData as given: package-defined */
    bool wide;                  /* W entry point: auth_data strings UTF-16 */
};

struct init_args {
    const char *target;         /* pszTargetName, UTF-8, or NULL */
    ULONG req;                  /* ISC_REQ_* */
    ULONG drep;                 /* SECURITY_NATIVE_DREP / NETWORK_DREP */
    SecBufferDesc *input;       /* may be NULL on the first call */
    SecBufferDesc *output;
    bool wide;
};

struct accept_args {
    ULONG req;                  /* ASC_REQ_* */
    ULONG drep;
    SecBufferDesc *input;
    SecBufferDesc *output;
};

struct package_ops {
    /* New credential object (one reference, owned by the caller). */
    SECURITY_STATUS (*acquire_credentials)(const struct package *pkg,
                                           const struct acquire_args *args,
                                           struct handle_obj **cred,
                                           TimeStamp *expiry);
    SECURITY_STATUS (*query_credentials)(struct handle_obj *cred, ULONG attr,
                                         void *buffer, bool wide);
    /* SetCredentialsAttributes: buffer of size bytes (not NULL). */
    SECURITY_STATUS (*set_credentials)(struct handle_obj *cred, ULONG attr,
                                       void *buffer, ULONG size, bool wide);
    /*
     * First call: *ctx is NULL and the package sets it to a new context
     * object (one reference for the caller) when it returns OK or a
     * CONTINUE status. Later calls: *ctx is the existing context.
     */
    SECURITY_STATUS (*initialize_context)(struct handle_obj *cred,
                                          struct handle_obj **ctx,
                                          const struct init_args *args,
                                          ULONG *attrs, TimeStamp *expiry);
    SECURITY_STATUS (*accept_context)(struct handle_obj *cred,
                                      struct handle_obj **ctx,
                                      const struct accept_args *args,
                                      ULONG *attrs, TimeStamp *expiry);
    SECURITY_STATUS (*complete_auth_token)(struct handle_obj *ctx,
                                           SecBufferDesc *token);
    SECURITY_STATUS (*apply_control)(struct handle_obj *ctx,
                                     SecBufferDesc *input);
    SECURITY_STATUS (*query_context)(struct handle_obj *ctx, ULONG attr,
                                     void *buffer, bool wide);
    SECURITY_STATUS (*set_context)(struct handle_obj *ctx, ULONG attr,
                                   void *buffer, ULONG size, bool wide);
    SECURITY_STATUS (*make_signature)(struct handle_obj *ctx, ULONG qop,
                                      SecBufferDesc *msg, ULONG seq);
    SECURITY_STATUS (*verify_signature)(struct handle_obj *ctx,
                                        SecBufferDesc *msg, ULONG seq,
                                        ULONG *qop);
    SECURITY_STATUS (*encrypt)(struct handle_obj *ctx, ULONG qop,
                               SecBufferDesc *msg, ULONG seq);
    SECURITY_STATUS (*decrypt)(struct handle_obj *ctx, SecBufferDesc *msg,
                               ULONG seq, ULONG *qop);
    SECURITY_STATUS (*export_context)(struct handle_obj *ctx, ULONG flags,
                                      SecBuffer *packed, void **token);
    SECURITY_STATUS (*import_context)(const struct package *pkg,
                                      const SecBuffer *packed, void *token,
                                      struct handle_obj **ctx);
    SECURITY_STATUS (*impersonate)(struct handle_obj *ctx);
    SECURITY_STATUS (*revert)(struct handle_obj *ctx);
};

struct package {
    const char *name;           /* as Windows spells it */
    const char *comment;
    ULONG capabilities;         /* SECPKG_FLAG_* */
    USHORT version;
    USHORT rpcid;
    ULONG max_token;
    const struct package_ops *ops;
    /* Package-private parameters (the GSS mechanism of a GSS package). */
    const void *data;
};

/*
 * Find a package by name, case-insensitively as Windows does (ASCII case
 * folding; package names are ASCII). NULL when unknown.
 */
const struct package *package_find(const char *name);

/* The Schannel package's ops (pkg_schannel.c). */
extern const struct package_ops schannel_package_ops;

/*
 * A package name from a W entry point, as UTF-8 in *out (free()). NULL
 * stays NULL. A name that is not valid UTF-16 names no package:
 * SEC_E_SECPKG_NOT_FOUND; SEC_E_INSUFFICIENT_MEMORY when memory runs out.
 */
SECURITY_STATUS package_name_from_w(const WCHAR *name, char **out);

/* Number of packages and the i-th one, in EnumerateSecurityPackages
 * order. */
size_t package_count(void);
const struct package *package_at(size_t i);

#endif /* SSPIGSS_PACKAGE_H */
