/*
 * gss_sample.h - MIT's gss-sample wire protocol and the helpers shared by
 * `sspigss client` and `sspigss server`.
 *
 * The protocol is the one of MIT krb5's src/appl/gss-sample (gss-misc.c,
 * gss-client.c, gss-server.c): over one TCP connection, each token is one
 * byte of flags (absent in the old "v1" format), a 4-byte big-endian
 * length and the token bytes. gss-misc.c's recv_token reads a flags byte
 * of 0 as the first byte of a v1 length, so a v1 token is 4 bytes of
 * length and the token.
 *
 * Functions here print their own diagnostics (to stderr) and return -1 on
 * failure, so callers only decide the exit status.
 */
#ifndef SSPIGSS_GSS_SAMPLE_H
#define SSPIGSS_GSS_SAMPLE_H

#include <stddef.h>

#include <sspigss/sspigss.h>

/* Token flags: src/appl/gss-sample/gss-misc.h. */
#define SAMPLE_TOKEN_NOOP 0x01
#define SAMPLE_TOKEN_CONTEXT 0x02
#define SAMPLE_TOKEN_DATA 0x04
#define SAMPLE_TOKEN_MIC 0x08
#define SAMPLE_TOKEN_CONTEXT_NEXT 0x10
#define SAMPLE_TOKEN_WRAPPED 0x20
#define SAMPLE_TOKEN_ENCRYPTED 0x40
#define SAMPLE_TOKEN_SEND_MIC 0x80

/* gss-client's and gss-server's default port. */
#define SAMPLE_DEFAULT_PORT 4444

/* Largest token we accept from a peer (the wire allows 4 GiB; a garbage
 * length must not make us allocate that much). */
#define SAMPLE_MAX_TOKEN (64UL * 1024 * 1024)

/* Seconds a receive waits for the peer, as gss-misc.c's read_all. */
#define SAMPLE_RECV_TIMEOUT 300

/*
 * Send one token: the flags byte unless flags is 0 (gss-misc.c
 * send_token), the length, the bytes. len may be 0 (data may then be
 * NULL). Returns 0, or -1 after printing why. Never raises SIGPIPE.
 */
int sample_send_token(int fd, int flags, const void *data, size_t len);

/*
 * Receive one token (gss-misc.c recv_token). On success returns 0, stores
 * the flags (0 for a v1 token) in *flags and a malloc'd copy of the token
 * in *data (never NULL, even for an empty token; the caller frees it) and
 * its length in *len. Returns -1 after printing why: peer closed, I/O
 * error, timeout, or a length above SAMPLE_MAX_TOKEN. Outputs are cleared
 * on entry.
 */
int sample_recv_token(int fd, int *flags, unsigned char **data,
                      size_t *len);

/*
 * Connect a TCP socket to host:port (a name or a numeric address).
 * Returns the descriptor, or -1 after printing why.
 */
int sample_connect(const char *host, unsigned port);

/*
 * Listen on 127.0.0.1:port (0 = a free port). Stores the port really bound
 * in *bound. Returns the descriptor, or -1 after printing why.
 */
int sample_listen(unsigned port, unsigned *bound);

/*
 * Option with a value: when argv[*i] is "--NAME VALUE" or "--NAME=VALUE"
 * (name given with its dashes), stores VALUE in *value, advances *i past
 * what it used and returns 1; returns 0 when argv[*i] is another option;
 * -1 (after printing a usage message) when the value is missing.
 */
int sample_opt_value(int argc, char **argv, int *i, const char *name,
                     const char **value);

/* Parse a port (0..65535; 0 only when allow_zero). Returns 0 or -1. */
int sample_parse_port(const char *s, int allow_zero, unsigned *port);

/* Parse a count min..1000000 into *out. Returns 0 or -1. */
int sample_parse_count(const char *s, long min, long *out);

/*
 * The SSPI service principal name for a gss-sample service argument:
 * "svc@host" (GSS_C_NT_HOSTBASED_SERVICE, as gss-client takes it) becomes
 * "svc/host"; a name with '/' is kept; a bare "svc" becomes "svc/" + host
 * (NULL host: the bare name is kept). Returns a malloc'd string, or NULL
 * when out of memory.
 */
char *sample_spn(const char *service, const char *host);

/*
 * UTF-8 to a malloc'd, NUL-terminated UTF-16 string; *nchars (may be
 * NULL) receives its length in code units without the NUL. NULL for
 * malformed UTF-8 or no memory. Wipe with sample_wipe_utf16 when secret.
 */
SEC_WCHAR *sample_utf16(const char *s, ULONG *nchars);

/* UTF-16 (NUL-terminated) to a malloc'd UTF-8 string; NULL for malformed
 * input or no memory. */
char *sample_utf8(const SEC_WCHAR *s);

/* Overwrite n bytes of secret memory in a way the compiler keeps. */
void sample_wipe(void *p, size_t n);

/* Wipe a whole NUL-terminated string / UTF-16 string in place (NULL ok). */
void sample_wipe_str(char *s);
void sample_wipe_utf16(SEC_WCHAR *s);

/*
 * cbMaxToken of a package (QuerySecurityPackageInfoA), for callers that
 * pass their own output buffers instead of ISC/ASC_REQ_ALLOCATE_MEMORY.
 * Returns SEC_E_OK or the failing status (already reported as WHO).
 */
SECURITY_STATUS sample_max_token(const char *who, const char *package,
                                 ULONG *max_token);

/* Turn on sample_trace output (the --verbose of client and server). */
void sample_set_verbose(int on);

/*
 * With verbose on, print one SSPI call and its result to stdout:
 * "InitializeSecurityContextW -> SEC_I_CONTINUE_NEEDED (0x00090312)".
 */
void sample_trace(const char *call, SECURITY_STATUS st);

/*
 * Report a failed SSPI call to stderr: "sspigss WHO: CALL failed:
 * NAME (0xHEX): message", then the library's underlying error
 * (sspigss_last_error) when it has one. Call it right after the failing
 * call: the underlying error lasts until this thread's next SSPI call.
 */
void sample_report(const char *who, const char *call, SECURITY_STATUS st);

/* Print "context flag: ISC_RET_..." lines for the attributes a context
 * obtained (gss-misc.c display_ctx_flags). accept selects ASC_RET_ names. */
void sample_print_flags(ULONG attrs, int accept);

/*
 * Print a message as gss-server does: "Received message: "text"" when
 * its first two bytes are printable, a hex dump otherwise.
 */
void sample_print_message(const unsigned char *msg, size_t len);

#endif /* SSPIGSS_GSS_SAMPLE_H */
