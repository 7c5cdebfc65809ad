/*
 * handles.h - the handle table behind CredHandle and CtxtHandle.
 *
 * Callers of SSPI hold SecHandle values; the library holds objects. The
 * table maps one to the other so that a stale handle (freed), a zeroed or
 * forged handle, or a handle of the wrong kind (a credential passed as a
 * context) is recognised and refused with SEC_E_INVALID_HANDLE instead of
 * being dereferenced. Handle values are opaque: a slot index and a
 * generation, both mixed with a per-process random cookie.
 *
 * Objects are reference-counted. The table holds one reference while the
 * handle is live; handle_lookup() gives the caller another for the length
 * of a call, so a concurrent Free/Delete never frees an object in use; a
 * context holds one on its credential, so FreeCredentialsHandle() while a
 * context lives is safe (as on Windows).
 */
#ifndef SSPIGSS_HANDLES_H
#define SSPIGSS_HANDLES_H

#include "setup.h"

#include <stdatomic.h>

#include <sspigss/sspigss.h>

struct package;

enum handle_kind {
    HANDLE_CRED = 1,
    HANDLE_CTX = 2
};

/* Embedded as the first member of every object a handle can name. */
struct handle_obj {
    atomic_uint refs;
    enum handle_kind kind;
    /* The package that made the object; its ops serve every call on the
     * handle. */
    const struct package *pkg;
    /* Called when the last reference goes; frees the whole object. */
    void (*destroy)(struct handle_obj *obj);
};

/* Set up the header: one reference, owned by the creator. */
void handle_obj_init(struct handle_obj *obj, enum handle_kind kind,
                     const struct package *pkg,
                     void (*destroy)(struct handle_obj *obj));

/* Take one more reference. */
void handle_obj_ref(struct handle_obj *obj);

/* Drop a reference; the last one destroys the object. NULL accepted. */
void handle_obj_unref(struct handle_obj *obj);

/*
 * Give obj a handle. The table takes its own reference; the caller keeps
 * its own. Returns SEC_E_OK or SEC_E_INSUFFICIENT_MEMORY (out untouched).
 */
SECURITY_STATUS handle_insert(struct handle_obj *obj, SecHandle *out);

/*
 * Find the object a handle names, with a new reference for the caller
 * (release with handle_obj_unref). Returns SEC_E_INVALID_HANDLE when h is
 * NULL, invalidated, stale, forged or of another kind.
 */
SECURITY_STATUS handle_lookup(const SecHandle *h, enum handle_kind kind,
                              struct handle_obj **out);

/*
 * Retire a handle: later lookups fail. The table's reference is dropped.
 * Returns SEC_E_INVALID_HANDLE as handle_lookup() does; then *stale (may
 * be NULL) says whether h is a handle of this kind that was already
 * retired, as opposed to one never issued (DeleteSecurityContext treats
 * the two differently, as Windows does).
 */
SECURITY_STATUS handle_remove(const SecHandle *h, enum handle_kind kind,
                              bool *stale);

/* Number of live handles of a kind (for tests and leak checks). */
size_t handle_count(enum handle_kind kind);

#endif /* SSPIGSS_HANDLES_H */
