/*
 * sspigss.h - the whole public interface of libsspigss.
 *
 * Including this header gives the Windows SSPI surface (types, constants,
 * status codes and the Windows-named functions of sspi.h, security.h and
 * schannel.h) plus the library's own extensions, all prefixed sspigss_.
 *
 * Windows code that includes <security.h> or <windows.h> gets the same
 * declarations through the forwarding headers in compat/ (see
 * `pkg-config --cflags sspigss`).
 */
#ifndef SSPIGSS_SSPIGSS_H
#define SSPIGSS_SSPIGSS_H

#include <stdint.h>

#include "wintypes.h"
#include "secstatus.h"
#include "sspi.h"
#include "wincrypt.h"
#include "schannel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ status */

/*
 * Symbolic name of a status code ("SEC_E_INVALID_TOKEN"). Codes with an
 * alias give the primary name (SEC_E_UNSUPPORTED_FUNCTION, not
 * SEC_E_NOT_SUPPORTED). Never NULL: an unknown code gives "(unknown)".
 * The string is static; nothing is allocated.
 */
const char *sspigss_status_name(SECURITY_STATUS status);

/*
 * Text describing a status code in one of the languages of the status
 * table: lang "en" or "ja" (a locale name such as "ja_JP.UTF-8" also
 * selects Japanese); NULL picks the language from the locale (LC_ALL,
 * LC_MESSAGES, LANG). Unknown languages fall back to English. Never NULL:
 * an unknown code gives a fixed sentence. The string is static (UTF-8).
 */
const char *sspigss_status_message(SECURITY_STATUS status, const char *lang);

/*
 * Look up a status code by name ("SEC_E_INVALID_TOKEN", aliases such as
 * "SEC_E_NOT_SUPPORTED" included, case-sensitive as in C). Returns 1 and
 * stores the value in *status when found, 0 otherwise.
 */
int sspigss_status_from_name(const char *name, SECURITY_STATUS *status);

/*
 * Iterate over the status table: index 0, 1, ... Returns 1 and fills the
 * outputs (any may be NULL) while index is in range, 0 past the end.
 * *is_alias is 1 for alias rows (another name for an earlier code);
 * *in_reference is 1 when the code is one of the 77 codes of the
 * project's reference list.
 */
int sspigss_status_entry(size_t index, SECURITY_STATUS *status,
                         const char **name, int *is_alias,
                         int *in_reference);

/*
 * Formats the message of a status code for FormatMessageA/W in compat/:
 * writes at most size bytes of UTF-8 (NUL-terminated) into buf and returns
 * the length of the full message without the NUL, or 0 when the code is
 * not an SSPI status code. lang as for sspigss_status_message().
 */
size_t sspigss_format_status(SECURITY_STATUS status, const char *lang,
                             char *buf, size_t size);

/* -------------------------------------------------------------- mapping */

/*
 * The operation a GSS-API or krb5 status came from. The same minor code
 * means different things in different calls (a failed integrity check is
 * a wrong password while acquiring a ticket, a bad token during the
 * handshake, a modified message when unwrapping).
 */
enum sspigss_op {
    SSPIGSS_OP_ACQUIRE = 1 << 0,    /* gss_acquire_cred, krb5 init_creds */
    SSPIGSS_OP_INITIATE = 1 << 1,   /* gss_init_sec_context */
    SSPIGSS_OP_ACCEPT = 1 << 2,     /* gss_accept_sec_context */
    SSPIGSS_OP_WRAP = 1 << 3,       /* gss_wrap, gss_wrap_iov */
    SSPIGSS_OP_UNWRAP = 1 << 4,     /* gss_unwrap, gss_unwrap_iov */
    SSPIGSS_OP_MIC = 1 << 5,        /* gss_get_mic */
    SSPIGSS_OP_VERIFY = 1 << 6,     /* gss_verify_mic */
    SSPIGSS_OP_EXPORT = 1 << 7,     /* gss_export_sec_context */
    SSPIGSS_OP_IMPORT = 1 << 8,     /* gss_import_sec_context */
    SSPIGSS_OP_QUERY = 1 << 9       /* gss_inquire_* */
};

/* MIT's gss_OID_desc, declared only by name so that this header does not
 * need <gssapi/gssapi.h>; pass a gss_OID. */
struct gss_OID_desc_struct;

/*
 * The SEC code Windows gives for a GSS-API result (major, minor) of
 * mechanism mech (a gss_OID: Kerberos, SPNEGO or gss-ntlmssp's NTLM; NULL
 * reads minor as a krb5 code) in operation op (enum sspigss_op), by the
 * same rules the library's own packages use (docs/status-codes.md).
 * GSS_S_COMPLETE and GSS_S_CONTINUE_NEEDED give SEC_E_OK; call
 * sspigss_last_error() for the GSS text behind a failure.
 */
SECURITY_STATUS sspigss_status_from_gss(uint32_t major, uint32_t minor,
                                        const struct gss_OID_desc_struct
                                            *mech,
                                        int op);

/* The same for a krb5 library error code (krb5_get_init_creds_*,
 * ccache, keytab). 0 gives SEC_E_OK. */
SECURITY_STATUS sspigss_status_from_krb5(int32_t code, int op);

/* ------------------------------------------------------------ diagnosis */

/*
 * This thread's last underlying error: the GSS-API, krb5 or OpenSSL text
 * behind the most recent failure the library mapped to a SEC code, with
 * the code chosen ("gss initiate: major 0x000d0000 minor ... (...) ->
 * SEC_E_LOGON_DENIED"). Empty when nothing was recorded. The string
 * belongs to the thread and stays valid until its next SSPI call.
 */
const char *sspigss_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* SSPIGSS_SSPIGSS_H */
