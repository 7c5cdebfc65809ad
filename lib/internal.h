/*
 * internal.h - helpers shared by the whole library (never installed).
 *
 * memory.c   context buffers (ALLOCATE_MEMORY results, FreeContextBuffer)
 *            and secret wiping
 * unicode.c  UTF-16 <-> UTF-8 at the A/W boundary
 * secbuf.c   SecBufferDesc validation and lookup by type
 * trace.c    SSPIGSS_TRACE logging
 */
#ifndef SSPIGSS_INTERNAL_H
#define SSPIGSS_INTERNAL_H

#include "setup.h"

#include <sspigss/sspigss.h>

/* -------------------------------------------------------------- lifecycle */

/*
 * SEC_E_OK while the library runs; SEC_E_SHUTDOWN_IN_PROGRESS once its
 * destructor has run (process exit, dlclose). Entry points that start new
 * work call it first; releasing calls do not.
 */
SECURITY_STATUS lib_enter(void);

/* Start refusing new work (the destructor; tests). */
void lib_begin_shutdown(void);

struct handle_obj;

/*
 * lib_enter(), then the object a handle names (handle_lookup(): a new
 * reference for the caller). The first steps of every call that starts
 * new work on a handle.
 */
SECURITY_STATUS lib_enter_handle(const SecHandle *h, int kind,
                                 struct handle_obj **out);

/* ----------------------------------------------------------------- memory */

/*
 * Allocate a block the caller of an SSPI function will own and release
 * with FreeContextBuffer(). The block is zeroed and registered, so that
 * FreeContextBuffer() can tell our blocks from foreign pointers. Returns
 * NULL when memory is exhausted.
 */
void *ctxbuf_alloc(size_t size);

/*
 * Release a block from ctxbuf_alloc(). NULL is accepted. Returns
 * SEC_E_OK, or SEC_E_INVALID_HANDLE when p was not allocated by
 * ctxbuf_alloc() (or was freed already): the pointer is then left alone.
 */
SECURITY_STATUS ctxbuf_free(void *p);

/* Number of context buffers currently handed out (tests use it to prove
 * that failures leave nothing allocated). */
size_t ctxbuf_outstanding(void);

/* A copy of a UTF-8 string as a context buffer: UTF-8 (wide false) or
 * UTF-16 (wide true). NULL when memory is exhausted. */
void *ctxbuf_string(const char *s, bool wide);

/* Overwrite secret bytes in a way the compiler may not drop. */
void mem_wipe(void *p, size_t n);

/* Wipe a NUL-terminated secret string and free it. NULL is accepted. */
void mem_free_secret_str(char *s);

/* ------------------------------------------------------- EX2 types */

/*
 * SEC_WINNT_AUTH_DATA_TYPE_* (the CredType of a packed credential), as
 * initialisers: the Windows SDK's um/sspi.h values, which mingw-w64's
 * sspi.h and sspilib's python_sspi.h repeat. api_creds.c exports them
 * under their Windows names; identity.c compares with its own copies.
 */
#define AUTH_DATA_TYPE_PASSWORD \
    { 0x28bfc32f, 0x10f6, 0x4738, \
      { 0x98, 0xd1, 0x1a, 0xc0, 0x61, 0xdf, 0x71, 0x6a } }
#define AUTH_DATA_TYPE_CERT \
    { 0x235f69ad, 0x73fb, 0x4dbc, \
      { 0x82, 0x03, 0x06, 0x29, 0xe7, 0x39, 0x33, 0x9b } }
#define AUTH_DATA_TYPE_CREDMAN_CERT \
    { 0x7cb72412, 0x1016, 0x491a, \
      { 0x8c, 0x87, 0x4d, 0x2a, 0xa1, 0xb7, 0xdd, 0x3a } }
#define AUTH_DATA_TYPE_NGC \
    { 0x10a47879, 0x5ebf, 0x4b85, \
      { 0xbd, 0x8d, 0xc2, 0x1b, 0xb4, 0xf4, 0x9c, 0x8a } }
#define AUTH_DATA_TYPE_FIDO \
    { 0x32e8f8d7, 0x7871, 0x4bcc, \
      { 0x83, 0xc5, 0x46, 0x0f, 0x66, 0xc6, 0x13, 0x5c } }
#define AUTH_DATA_TYPE_KEYTAB \
    { 0xd587aae8, 0xf78f, 0x4455, \
      { 0xa1, 0x12, 0xc9, 0x34, 0xbe, 0xee, 0x7c, 0xe1 } }
#define AUTH_DATA_TYPE_DELEGATION_TOKEN \
    { 0x12e52e0f, 0x6f9b, 0x4f83, \
      { 0x90, 0x20, 0x9d, 0xe4, 0x2b, 0x22, 0x62, 0x67 } }
#define AUTH_DATA_TYPE_CSP_DATA \
    { 0x68fd9879, 0x079c, 0x4dfe, \
      { 0x82, 0x81, 0x57, 0x8a, 0xad, 0xc1, 0xc1, 0x00 } }
#define AUTH_DATA_TYPE_SMARTCARD_CONTEXTS \
    { 0xb86c4ff3, 0x49d7, 0x4dc4, \
      { 0xb5, 0x60, 0xb1, 0x16, 0x36, 0x85, 0xb2, 0x36 } }

/* ---------------------------------------------------------------- unicode */

/* Length in UTF-16 code units of a NUL-terminated wide string. */
size_t wstr_len(const WCHAR *s);

/*
 * Convert UTF-16 to a newly allocated, NUL-terminated UTF-8 string (free
 * with free(); mem_free_secret_str() for secrets). len is the number of
 * code units, or (size_t)-1 for a NUL-terminated input. Unpaired
 * surrogates and embedded NULs in a counted string are rejected.
 *
 * Returns SEC_E_OK; SEC_E_INVALID_PARAMETER for malformed input (nothing
 * allocated); SEC_E_INSUFFICIENT_MEMORY.
 */
SECURITY_STATUS utf16_to_utf8(const WCHAR *s, size_t len, char **out,
                              size_t *out_len);

/*
 * Convert UTF-8 to UTF-16. out_units gets the number of code units
 * without the terminating NUL. If out is NULL only the length is computed
 * (used to size a caller-owned block). Overlong forms, surrogates encoded
 * in UTF-8, code points above U+10FFFF and truncated sequences are
 * rejected with SEC_E_INVALID_PARAMETER; len as above.
 */
SECURITY_STATUS utf8_to_utf16(const char *s, size_t len, WCHAR **out,
                              size_t *out_units);

/* Check that a counted byte string is well-formed UTF-8 with no NUL. */
bool utf8_valid(const char *s, size_t len);

/* Write the UTF-16 form of a valid UTF-8 string into dst (room for
 * units + 1 code units, as computed by utf8_to_utf16 with out NULL). */
void utf8_to_utf16_into(const char *s, WCHAR *dst, size_t units);

/* ----------------------------------------------------------------- secbuf */

/* Buffer type without the attribute bits (SECBUFFER_READONLY, ...). */
#define SECBUF_TYPE(b) ((b)->BufferType & ~(ULONG)SECBUFFER_ATTRMASK)

/*
 * Validate a SecBufferDesc from a caller: version SECBUFFER_VERSION, a
 * buffer array when cBuffers is non-zero, and every buffer with a non-zero
 * length has a pointer. Returns SEC_E_OK or SEC_E_INVALID_TOKEN.
 */
SECURITY_STATUS secbuf_check_desc(const SecBufferDesc *desc);

/* The n-th (0-based) buffer of a type, attribute bits ignored; NULL when
 * there is none. desc may be NULL. */
SecBuffer *secbuf_find(const SecBufferDesc *desc, ULONG type, unsigned n);

/* Number of buffers of a type in desc (0 when desc is NULL). */
unsigned secbuf_count(const SecBufferDesc *desc, ULONG type);

/* ------------------------------------------------------------------ trace */

/* True when SSPIGSS_TRACE is set (read once). */
bool trace_enabled(void);

/* Write one trace line: "sspigss: " + formatted text + newline. Cheap
 * when tracing is off; callers still test trace_enabled() before doing
 * work to build arguments. */
void trace_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Record the underlying cause of a failure (GSS, krb5 or OpenSSL text and
 * the SEC code chosen): kept as this thread's last error
 * (sspigss_last_error()) and written to the trace.
 */
void trace_cause(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Forget this thread's last error (at the start of an exported call that
 * succeeds, so a stale cause is not reported for it). */
void trace_clear_cause(void);

/* Trace the end of an exported call: function name and result. Returns
 * status unchanged so entry points can `return trace_result(...)`. */
SECURITY_STATUS trace_result(const char *func, SECURITY_STATUS status);

#endif /* SSPIGSS_INTERNAL_H */
