/*
 * benchutil.h - what the benchmarks share: options, the clock, the
 * interleaved raw-versus-sspigss measurement and its table row, and the
 * two ways of making a Kerberos context pair (raw MIT GSS-API, and SSPI
 * through sspigss). The TLS benchmarks add theirs in tlsops.h.
 *
 * Both ways use the same credentials (the default ccache, holding a TGT
 * for alice, and the default keytab, holding host/sspigss.test), the same
 * target (host/sspigss.test) and the same flags (mutual authentication,
 * confidentiality, integrity, replay and sequence detection), so the
 * contexts get the same enctype from the same KDC. bench/run.sh sets the
 * environment up (a throwaway KDC of tests/harness/kdc.sh).
 *
 * Every function prints what went wrong to stderr and returns -1 on
 * failure; the programs then exit non-zero, so `make bench-smoke` fails
 * when a path stops working. No function asserts anything about time.
 */
#ifndef SSPIGSS_BENCHUTIL_H
#define SSPIGSS_BENCHUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <sspigss/sspigss.h>

struct bench_opts {
    bool smoke;             /* a few iterations of everything, no timing */
    int rounds;             /* alternating rounds per path (median) */
    double round_time;      /* seconds one round of one path should take */
    const char *only;       /* run this metric only (--only), or NULL */
};

/*
 * Parse --smoke, --rounds N, --round-time SECONDS, --only METRIC, --help.
 * Returns 0, or 1 after printing help, or -1 after printing what was
 * wrong. --only takes the name of any program's metric (one list, in
 * benchutil.c); a program asked for another program's metric runs
 * nothing.
 */
int bench_parse_args(int argc, char **argv, const char *what,
                     struct bench_opts *o);

/* Whether metric name is to run (no --only, or --only name). */
bool bench_selected(const struct bench_opts *o, const char *name);

/* CLOCK_MONOTONIC, in seconds. */
double bench_now(void);

/*
 * One measured path: run iters iterations of one operation (a message
 * round trip, a handshake). Returns 0, or -1 after printing why.
 */
typedef int (*bench_fn)(void *arg, unsigned long iters);

/*
 * Inside a bench_fn: the work between bench_pause() and bench_resume()
 * is not the operation measured (the TLS benchmarks' peer, which is the
 * same raw OpenSSL server for both paths, and their checks), so
 * bench_compare does not count its time, and a pause hook (set by the
 * allocation counter) does not count its allocations. Pauses do not
 * nest. The Kerberos operations never pause.
 */
void bench_pause(void);
void bench_resume(void);

/* Called with true when a pause starts and false when it ends; NULL
 * for none. */
void bench_set_pause_hook(void (*hook)(bool paused));

struct bench_result {
    double raw;             /* median iterations per second, raw GSS-API */
    double sspi;            /* the same through sspigss */
    /* sspi / raw of each round (both paths back to back): the median,
     * and the quartiles, which show how much the machine moved. The
     * paired ratio is steadier than the ratio of the two medians when
     * other work shares the CPU. */
    double ratio, ratio_q1, ratio_q3;
    unsigned long raw_iters;    /* iterations per round */
    unsigned long sspi_iters;
};

/*
 * Measure two paths against each other in this process: calibrate each
 * so that its share of a round takes about o->round_time, then
 * o->rounds rounds. Within a round the two paths alternate in 20 slices
 * (raw first in even slices, sspigss first in odd ones), so that a
 * drifting clock speed, cache state or a neighbour's burst of work hits
 * both alike. Results are the median rate of each path, and the median
 * and quartiles of the per-round ratios. In smoke mode: two rounds of
 * three iterations, one slice.
 */
int bench_compare(const struct bench_opts *o, bench_fn raw, void *raw_arg,
                  bench_fn sspi, void *sspi_arg, struct bench_result *r);

/*
 * Print r as one Markdown row, | metric | raw | sspigss | ratio |
 * quartiles |, rates as operations per second, and as MB/s (10^6 bytes)
 * of payload when bytes (per operation) is not 0.
 */
void bench_print_row(const char *metric, const struct bench_result *r,
                     size_t bytes);

/* ------------------------------------------------------- raw GSS-API */

/* The target, as a GSS host-based service name and as an SPN. */
#define BENCH_GSS_TARGET "host@sspigss.test"
#define BENCH_SPN "host/sspigss.test"

/* GSS flags of every raw context, and the ISC_REQ_* flags that sspigss
 * translates into exactly these (lib/pkg_gss.c, isc_req_map). */
#define BENCH_GSS_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG \
                         | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG \
                         | GSS_C_SEQUENCE_FLAG)
#define BENCH_ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                       | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT \
                       | ISC_REQ_SEQUENCE_DETECT)
#define BENCH_ISC_RET (ISC_RET_MUTUAL_AUTH | ISC_RET_CONFIDENTIALITY \
                       | ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT \
                       | ISC_RET_SEQUENCE_DETECT)
#define BENCH_ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY \
                       | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT \
                       | ASC_REQ_SEQUENCE_DETECT)

struct raw_creds {
    gss_cred_id_t initiator;    /* default ccache */
    gss_cred_id_t acceptor;     /* default keytab */
};

int raw_creds_get(struct raw_creds *rc);
void raw_creds_free(struct raw_creds *rc);

/*
 * A whole handshake as a raw GSS-API program makes one for a new
 * connection: import the target name, gss_init_sec_context and
 * gss_accept_sec_context until both are complete (three legs with mutual
 * authentication), release the name. The contexts are left in *ini and
 * *acc (release with gss_delete_sec_context).
 */
int raw_handshake(const struct raw_creds *rc, gss_ctx_id_t *ini,
                  gss_ctx_id_t *acc);

/* The session key's enctype of a raw context (RFC 3961 number), or -1. */
int raw_enctype(gss_ctx_id_t ctx);

/* -------------------------------------------------------- SSPI (ours) */

struct sspi_creds {
    CredHandle initiator;       /* SECPKG_CRED_OUTBOUND, no identity */
    CredHandle acceptor;        /* SECPKG_CRED_INBOUND, no identity */
};

int sspi_creds_get(struct sspi_creds *sc);
void sspi_creds_free(struct sspi_creds *sc);

/*
 * A whole handshake through SSPI, Windows' way: InitializeSecurityContext
 * and AcceptSecurityContext with caller-supplied token buffers (no
 * ALLOCATE_MEMORY) until both return SEC_E_OK. The contexts are left in
 * *ini and *acc (release with DeleteSecurityContext).
 */
int sspi_handshake(struct sspi_creds *sc, CtxtHandle *ini, CtxtHandle *acc);

/* The session key's enctype (SECPKG_ATTR_KEY_INFO), or -1. */
int sspi_enctype(CtxtHandle *ctx);

/* Print "what: 0x%08X NAME (last error)" to stderr; returns -1. */
int bench_sspi_fail(const char *what, SECURITY_STATUS st);

/* Print "what: GSS major/minor text" to stderr; returns -1. */
int bench_gss_fail(const char *what, OM_uint32 maj, OM_uint32 min);

#endif /* SSPIGSS_BENCHUTIL_H */
