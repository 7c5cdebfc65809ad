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
