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

struct identity;
struct ntlm_msg;
struct krb_msg;

/* What a GSS package runs on. */
enum gss_mech_kind {
    KIND_KERBEROS,          /* MIT's krb5 mechanism */
    KIND_NTLM,              /* gss-ntlmssp */
    KIND_SPNEGO,            /* MIT's SPNEGO over the two */
};

struct gss_mech {
    gss_OID_desc oid;
    enum gss_mech_kind kind;
    bool krb5;              /* Kerberos credentials (krb_creds.c) */
    const char *package;    /* the SSPI package of this mechanism */
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
    /* Certificate credential (a marshaled CertCredential as the user
     * name, the PIN as the password): the MIT PKINIT identity of the
     * certificate (certcred.c), or NULL. The PIN is in password. */
    char *pkinit_identity;
    /* EX2 keytab credential: its bytes until the ticket is obtained
     * (wiped), the client's keys instead of a password. */
    unsigned char *keytab;
    size_t keytab_len;
    /* Inbound EX2 keytab credential: the memory file MIT reads the keys
     * from at every AcceptSecurityContext, open while acc_kt is set. */
    bool acc_kt;
    int acc_ktfd;
    TimeStamp expiry;
    /* Made while impersonating a client (ImpersonateSecurityContext):
     * that acceptor context, which is held. */
    struct handle_obj *impersonated;
    /* gcred belongs to the impersonated context (its forwarded TGT), not
     * to this credential. */
    bool borrowed;
    /* A failure Windows reports at the first InitializeSecurityContext
     * rather than at AcquireCredentialsHandle, or SEC_E_OK; and its
     * underlying reason, when known (malloc). */
    SECURITY_STATUS deferred;
    char *deferred_why;
    /* The krb5 error of the last failed attempt at the initial ticket. */
    krb5_error_code krb_code;
    /* SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS (krb_proxy.c): the proxy's URL,
     * or why the server string names none (a static text; both NULL: no
     * proxy), whether every request goes through it, and, for a default
     * credential, the krb5 context whose profile names it. */
    char *kdc_proxy_url;
    const char *kdc_proxy_bad;
    bool kdc_proxy_force;
    krb5_context proxy_ctx;
    /* Negotiate (negotiate.c): which packages it may use (NEG_*), and
     * for an explicit identity its Kerberos credential and what NTLM
     * needs (the password's NT hash, kept until the credential is
     * freed, as Windows keeps the secret for each new context). */
    unsigned neg_allowed;
    bool neg_ntlm_named;        /* PackageList names NTLM alone */
    gss_cred_id_t raw_gcred;    /* inbound: for tokens without SPNEGO */
    struct gss_cred *krb;
    char *neg_name;             /* GSS_C_NT_USER_NAME for both mechs */
    char *ntlm_domain;
    char *ntlm_nthash;
};

#define NEG_KERBEROS 1u
#define NEG_NTLM 2u

/*
 * A context. The GSS context is the package's mechanism's (SPNEGO's for
 * Negotiate); actual is the mechanism that ended up authenticating
 * (Kerberos or NTLM), known when the handshake is complete and deciding
 * the per-message code, the sizes and the names.
 */
struct gss_ctx {
    struct handle_obj h;
    pthread_mutex_t lock;
    struct gss_cred *cred;          /* referenced */
    const struct gss_mech *mech;
    const struct gss_mech *actual;  /* once established */
    gss_ctx_id_t gctx;
    gss_name_t target;              /* initiator: the target's name */
    gss_cred_id_t delegated;        /* acceptor: forwarded TGT, if any */
    gss_cred_id_t negcred;          /* Negotiate initiator: this context's */
    bool initiator;
    bool established;
    ULONG req;                      /* ISC_REQ_* or ASC_REQ_* asked for */
    ULONG attrs;                    /* ISC_RET_* or ASC_RET_* granted */
    SecPkgContext_Sizes sizes;
    int64_t start;                  /* UNIX time the context was made */
    OM_uint32 lifetime;             /* seconds, from establishment */
    int64_t endtime;                /* UNIX time the ticket ends, or 0 */
    /* A later handshake step whose output did not fit the caller's
     * buffer (SEC_E_BUFFER_TOO_SMALL): GSS has taken its input already,
     * so the step's result waits here for the call that repeats it. */
    bool pending;
    gss_buffer_desc pend_out;       /* GSS's output token (gss-owned) */
    void *pend_in;                  /* a copy of the input it answers */
    size_t pend_in_len;
    OM_uint32 pend_maj, pend_flags, pend_time;
    /* RFC 4121 wrap tokens: the TOKEN and PADDING lengths of
     * EncryptMessage, which do not depend on the message ([0] without,
     * [1] with confidentiality). */
    ULONG wrap_tok_len[2], wrap_pad_len[2];
    bool seq_known;                 /* recv_seq is tracked (RFC 4121) */
    bool cfx;                       /* RFC 4121 tokens (else RFC 1964) */
    uint64_t recv_seq;              /* next sequence number from the peer */
    /* SPNEGO: the NTLM message types (bit 1 << type) its input tokens
     * have carried to GSS; each is due once (spnego_ntlm_due). */
    unsigned ntlm_taken;
    /* NTLM messages done by sspigss (ntlm_msg.c), chosen once when the
     * context is established or imported (ntlm_msg_start): it then owns
     * the keys, RC4 streams and sequence numbers; NULL: gss-ntlmssp does
     * (its state is stale once this is set). */
    struct ntlm_msg *nmsg;
    /* Kerberos message fast path (krb_msg.c), chosen once when the
     * context is established or imported: it then protects every
     * message and owns the send sequence number; NULL: GSS-API does. */
    struct krb_msg *fast;
    /* Negotiate: an initiator whose SPNEGO framing sspigss makes around
     * an NTLM context (neg_ntlm_init); an acceptor whose client offered
     * NTLM alone (neg_init_sole_ntlm). */
    bool neg_wrap;
    bool neg_sole_ntlm;
    /* An acceptor whose CHALLENGE negotiated NTLM key exchange
     * (ntlm_authenticate_unsafe_kx). */
    bool ntlm_kx;
};

/*
 * The display form of a GSS name as a new string (free()), or NULL.
 * (gss-ntlmssp counts the NUL in the length; it is not copied.)
 */
char *gss_name_text(gss_name_t name);

/*
 * A Windows target name (pszTargetName) as a GSS name for a mechanism
 * (pkg_gss.c, which lists the forms). NTLM and Negotiate take NULL.
 */
/*
 * Is a Windows target name one of the host-based forms ("service/host",
 * "service@host" with no upper-case realm after '@')? Then *svc_len is
 * the service's length and *host the host part (pkg_gss.c).
 */
bool gss_target_hostbased(const char *target, size_t *svc_len,
                          const char **host);

SECURITY_STATUS gss_import_target(const char *target,
                                  enum gss_mech_kind kind, gss_name_t *out);

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

/*
 * After krb_creds_ready failed: whether Kerberos is merely unusable for
 * this identity (no KDC reachable, realm unknown, a user the KDC does not
 * know), rather than the KDC refusing it (a wrong password, a disabled
 * account). Negotiate falls back to NTLM only in the first case.
 */
bool krb_creds_unusable(const struct gss_cred *c);

/*
 * An inbound credential's keys from an EX2 keytab (id->keytab): write
 * them to a memory file that c keeps open (closed by
 * krb_creds_close_keytab) and put its keytab name, for a GSS cred store
 * "keytab" element, in name. principal (may be NULL: any key) must have
 * a key in it. Returns SEC_E_OK; SEC_E_NO_CREDENTIALS (not a keytab, no
 * such key: nothing kept open); SEC_E_INSUFFICIENT_MEMORY;
 * SEC_E_INTERNAL_ERROR (no memory file).
 */
SECURITY_STATUS krb_creds_acceptor_keytab(struct gss_cred *c,
                                          const struct identity *id,
                                          const char *principal,
                                          char *name, size_t size);

/* Close the memory file of krb_creds_acceptor_keytab, if any. */
void krb_creds_close_keytab(struct gss_cred *c);

/*
 * SetCredentialsAttributes(SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS) on a
 * Kerberos credential (krb_proxy.c): buffer as Windows lays it out
 * (SecPkgCredentials_KdcProxySettingsW, then the server string), size
 * its bytes. SEC_E_INVALID_PARAMETER for a malformed block;
 * SEC_E_UNSUPPORTED_FUNCTION for a client TLS credential.
 */
SECURITY_STATUS krb_proxy_set(struct gss_cred *c, const void *buffer,
                              ULONG size);

/*
 * With a KDC proxy set: the service ticket for target fetched through
 * it into the credential's cache (the default cache for a default
 * credential), so that gss_init_sec_context needs no KDC. SEC_E_OK at
 * once without a proxy. c->lock held; after krb_creds_ready().
 */
SECURITY_STATUS krb_proxy_prefetch(struct gss_cred *c, const char *target);

/* Free the proxy settings (the credential's destructor). */
void krb_proxy_free(struct gss_cred *c);

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

/*
 * Whether the messages of a context go through the Kerberos fast path
 * (krb_msg.c) rather than GSS-API: for tests and benchmarks. obj is a
 * context handle object of a GSS package. (pkg_gss.c)
 */
bool gss_ctx_fast_path(struct handle_obj *obj);

/* Package ops of the GSS engine (pkg_gss.c). */
extern const struct package_ops gss_package_ops;

/* Mechanisms. */
extern const struct gss_mech gss_mech_kerberos;
extern const struct gss_mech gss_mech_ntlm;
extern const struct gss_mech gss_mech_spnego;

/* ------------------------------------------- Negotiate (negotiate.c) */

/* Make a Negotiate credential; args as for the package op. */
SECURITY_STATUS neg_creds_acquire(const struct package *pkg,
                                  const struct acquire_args *args,
                                  struct gss_cred **out, TimeStamp *expiry);

/*
 * The SPNEGO credential for a new context of cred to target (NULL when
 * none was given): Kerberos first when it can reach target, NTLM when
 * allowed and possible, as gss_set_neg_mechs restricts it. *gcred is
 * the caller's (gss_release_cred). Called with cred->lock held.
 */
SECURITY_STATUS neg_context_cred(struct gss_cred *cred, const char *target,
                                 gss_cred_id_t *gcred, bool *ntlm_wrap);

/*
 * Negotiate's two-leg NTLM client (negotiate.c): when the PackageList
 * names NTLM alone, Windows' client is done once it sends the
 * AUTHENTICATE (sspilib's test_sec_exchange_allowed_package_list: ISC #2
 * SEC_E_OK). MIT's SPNEGO waits for the server's mechListMIC, so such a
 * context (neg_context_cred sets *ntlm_wrap, and *gcred is an NTLM
 * credential) is a gss-ntlmssp context inside SPNEGO framing made here:
 * NegTokenInit { NTLMSSP } with the NEGOTIATE; then, from the server's
 * NegTokenResp, the CHALLENGE in and NegTokenResp { AUTHENTICATE,
 * mechListMIC } out. Arguments as gss_init_sec_context's. Returns
 * SEC_E_OK with *maj from gss-ntlmssp (a GSS error for the caller to
 * map), or a failure of its own (traced): SEC_E_INVALID_TOKEN (not a
 * NegTokenResp, another mechanism, no CHALLENGE), SEC_E_LOGON_DENIED
 * (negState reject), SEC_E_INSUFFICIENT_MEMORY. A failed second step
 * deletes *gctx.
 */
SECURITY_STATUS neg_ntlm_init(gss_cred_id_t cred, gss_ctx_id_t *gctx,
                              gss_name_t target, OM_uint32 req,
                              gss_channel_bindings_t cb,
                              const gss_buffer_desc *in,
                              gss_buffer_desc *out, OM_uint32 *maj,
                              OM_uint32 *min, OM_uint32 *ret_flags,
                              OM_uint32 *time_rec);

/* The fields of a SPNEGO NegTokenResp (RFC 4178 4.2.2), pointing into
 * the token; state -1 when absent. */
struct neg_resp {
    int state;
    const unsigned char *mech, *token, *mic;
    size_t mech_len, token_len, mic_len;
};

/* Parse a NegTokenResp strictly (each field once, each element filling
 * its field). False when token is not one. */
bool neg_resp_parse(const void *token, size_t len, struct neg_resp *r);

/* Whether a NegTokenInit offers NTLM and nothing else. */
bool neg_init_sole_ntlm(const void *token, size_t len);

/*
 * The mechanism of a Negotiate acceptor's first token: SPNEGO's for a
 * SPNEGO token; NTLM's or Kerberos' for a raw NTLMSSP message or a raw
 * Kerberos AP-REQ, which Windows' Negotiate accepts from clients that do
 * not wrap them. (negotiate.c)
 */
const struct gss_mech *neg_raw_mech(const void *token, size_t len);

/* Whether a SPNEGO NegTokenResp says negState reject (RFC 4178). */
bool neg_token_rejected(const void *token, size_t len);

/* Whether a SPNEGO NegTokenResp carries a mechListMIC (RFC 4178). */
bool neg_token_has_mic(const void *token, size_t len);

/*
 * A CHALLENGE_MESSAGE gss-ntlmssp 1.2 cannot take: UNICODE, a target type
 * flag and an empty TargetName make it write through a NULL pointer
 * (fixed upstream in 1.3.0, commit a060d02; Debian 12 ships 1.2.0). True
 * when token is such a message (ntlm.c).
 */
bool ntlm_challenge_unsafe(const void *token, size_t len);
/* The MessageType (1-3) of an NTLM message that arrived whole, 0 for one
 * cut short or of no known type (MS-NLMP 2.2.1; lib/ntlm.c). */
unsigned ntlm_message_whole(const void *token, size_t len);

/*
 * An AUTHENTICATE_MESSAGE gss-ntlmssp 1.2 reads past: key exchange
 * negotiated (NTLMSSP_NEGOTIATE_KEY_EXCH in its flags) and an
 * EncryptedRandomSessionKey that is not 16 bytes, or one of 1 to 15
 * bytes in any case; it copies 16 bytes from wherever the field points
 * (a NULL read for an empty one). True when token is such a message
 * (ntlm.c).
 */
bool ntlm_authenticate_unsafe(const void *token, size_t len);
/* The same once the acceptor's CHALLENGE negotiated key exchange, which
 * is what gss-ntlmssp goes by: an empty key is unsafe whatever the
 * AUTHENTICATE's own flags say. */
bool ntlm_authenticate_unsafe_kx(const void *token, size_t len);
/* Whether token (an NTLM message, as pkg_gss.c's ntlm_in_token finds
 * one in an acceptor's output) is a CHALLENGE_MESSAGE with
 * NTLMSSP_NEGOTIATE_KEY_EXCH (ntlm.c). */
bool ntlm_challenge_key_exch(const void *token, size_t len);

/* Free what a Negotiate credential holds beyond the common fields. */
void neg_creds_clear(struct gss_cred *c);

/* ---------------------------------------------------- NTLM (ntlm.c) */

/* Make an NTLM credential (gss-ntlmssp); args as for the package op. */
SECURITY_STATUS ntlm_creds_acquire(const struct package *pkg,
                                   const struct acquire_args *args,
                                   struct gss_cred **out, TimeStamp *expiry);

/*
 * Per-message calls of an established context whose actual mechanism is
 * NTLM, in Windows' layout (the 16-byte signature in the TOKEN buffer):
 * through ntlm_msg.c when c->nmsg is set, else through gss-ntlmssp, which
 * has no IOV interface (the DATA buffers are joined, wrapped or signed
 * whole, and the result put back). Called with c->lock held.
 */
SECURITY_STATUS ntlm_encrypt(struct gss_ctx *c, ULONG qop,
                             SecBufferDesc *msg);
SECURITY_STATUS ntlm_decrypt(struct gss_ctx *c, SecBufferDesc *msg,
                             ULONG *qop);
SECURITY_STATUS ntlm_sign(struct gss_ctx *c, SecBufferDesc *msg);
SECURITY_STATUS ntlm_verify(struct gss_ctx *c, SecBufferDesc *msg,
                            ULONG *qop);

/*
 * Once an NTLM context is established or imported: take its message
 * state from gss-ntlmssp (an export, re-imported at once) into
 * c->nmsg, unless SSPIGSS_NTLM_ENGINE=0 or the context is one the
 * engine does not take (no extended session security, datagram mode),
 * which stay with gss-ntlmssp. Called with c->lock held (or before the
 * context is published). If the export fails after it took the context
 * or gss-ntlmssp cannot re-import its own export, the context is no
 * longer established; nor is a Negotiate two-leg client's (c->neg_wrap)
 * whose messages could not be taken because a call failed (gss-ntlmssp
 * would refuse the server's first message).
 */
void ntlm_msg_start(struct gss_ctx *c);

/* Whether NTLM messages may be done by sspigss (ntlm_msg.c): not when
 * SSPIGSS_NTLM_ENGINE=0. */
bool ntlm_engine_enabled(void);

/*
 * ExportSecurityContext: write c->nmsg's state into blob, gss-ntlmssp's
 * export of c (ntlm_msg_patch_export). True when there is no engine or
 * the state was written; false: the blob cannot carry it
 * (SEC_E_CANNOT_PACK).
 */
bool ntlm_export_patch(struct gss_ctx *c, void *blob, size_t len);

/* Whether c's messages go through ntlm_msg.c (tests); and, for tests,
 * hand them back to gss-ntlmssp: only right after establishment, while
 * gss-ntlmssp's own state is still current. */
bool gss_ctx_ntlm_engine(struct handle_obj *obj);
void gss_ctx_ntlm_engine_off(struct handle_obj *obj);

/* MD4 (RFC 1320) of len bytes (ntowf.c). */
void md4(const void *data, size_t len, unsigned char out[16]);

/*
 * The NT hash of a UTF-8 password (MS-NLMP NTOWFv1) as 32 lower-case hex
 * digits and a NUL, the form gss-ntlmssp's "ntlmssp_nthash" cred-store
 * key takes. The caller wipes out after use.
 */
SECURITY_STATUS ntowf_hex(const char *password, char out[33]);

/* NTLM's signature and security trailer: 16 bytes (MS-NLMP 2.2.2.9). */
#define NTLM_SIGNATURE_SIZE 16

#endif /* SSPIGSS_GSS_INT_H */
