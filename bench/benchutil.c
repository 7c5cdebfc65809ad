/*
 * benchutil.c - options, clock, interleaved measurement and context
 * setup shared by the benchmarks (benchutil.h).
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"

#define DEFAULT_ROUNDS 15
#define DEFAULT_ROUND_TIME 0.2
#define MAX_ROUNDS 101
#define SMOKE_ITERS 3
#define SMOKE_ROUNDS 2
/* Slices per round: the paths alternate this often within a round. */
#define SLICES 20
/* Generous: SECPKG_ATTR_SIZES says 48000 for Kerberos. */
#define TOKEN_BUF 65536

/* ------------------------------------------------------------ options */

static void
usage(FILE *f, const char *prog, const char *what)
{
    fprintf(f,
            "usage: %s [--smoke] [--rounds N] [--round-time SECONDS]\n"
            "          [--only METRIC]\n"
            "%s\n"
            "  --smoke            every metric for a few iterations (CI)\n"
            "  --rounds N         alternating rounds per metric (default "
            "%d; odd is best)\n"
            "  --round-time S     seconds per round and path (default "
            "%.1f)\n"
            "  --only METRIC      one metric (for profiling one path "
            "with perf):\n"
            "                     Kerberos: wrap64, wrap1k, wrap16k, "
            "wrap64k, mic,\n"
            "                     handshake; TLS: tls-enc1k, tls-enc16k, "
            "tls-dec1k,\n"
            "                     tls-dec16k, tls-handshake\n"
            "The Kerberos programs need the environment of bench/run.sh "
            "(a throwaway\n"
            "KDC); the TLS ones need nothing.\n",
            prog, what, DEFAULT_ROUNDS, DEFAULT_ROUND_TIME);
}

static int
parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int
bench_parse_args(int argc, char **argv, const char *what,
                 struct bench_opts *o)
{
    int i;
    double v;

    o->smoke = false;
    o->rounds = DEFAULT_ROUNDS;
    o->round_time = DEFAULT_ROUND_TIME;
    o->only = NULL;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            o->smoke = true;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            if (parse_number(argv[++i], 1, MAX_ROUNDS, &v) != 0)
                goto bad;
            o->rounds = (int)v;
        } else if (strcmp(argv[i], "--round-time") == 0 && i + 1 < argc) {
            if (parse_number(argv[++i], 0.001, 60, &v) != 0)
                goto bad;
            o->round_time = v;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            o->only = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout, argv[0], what);
            return 1;
        } else {
            goto bad;
        }
    }
    if (o->only != NULL) {
        static const char *const names[] = {
            "wrap64", "wrap1k", "wrap16k", "wrap64k", "mic", "handshake",
            "tls-enc1k", "tls-enc16k", "tls-dec1k", "tls-dec16k",
            "tls-handshake"
        };
        size_t k;

        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (strcmp(o->only, names[k]) == 0)
                break;
        if (k == sizeof(names) / sizeof(names[0])) {
            fprintf(stderr, "%s: no metric '%s'\n", argv[0], o->only);
            usage(stderr, argv[0], what);
            return -1;
        }
    }
    if (o->smoke)
        o->rounds = SMOKE_ROUNDS;
    return 0;
bad:
    fprintf(stderr, "%s: bad argument '%s'\n", argv[0], argv[i]);
    usage(stderr, argv[0], what);
    return -1;
}

bool
bench_selected(const struct bench_opts *o, const char *name)
{
    return o->only == NULL || strcmp(o->only, name) == 0;
}

/* ------------------------------------------------------------ timing */

double
bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time a bench_fn spent paused since timed_run() started it, and
 * when the current pause began. One benchmark thread. */
static double paused_time, pause_start;
static void (*pause_hook)(bool paused);

void
bench_set_pause_hook(void (*hook)(bool paused))
{
    pause_hook = hook;
}

void
bench_pause(void)
{
    if (pause_hook != NULL)
        pause_hook(true);
    pause_start = bench_now();
}

void
bench_resume(void)
{
    paused_time += bench_now() - pause_start;
    if (pause_hook != NULL)
        pause_hook(false);
}

/* Run fn for n iterations; *elapsed gets the seconds it took, less its
 * pauses. */
static int
timed_run(bench_fn fn, void *arg, unsigned long n, double *elapsed)
{
    double t0;

    paused_time = 0;
    t0 = bench_now();
    if (fn(arg, n) != 0)
        return -1;
    *elapsed = bench_now() - t0 - paused_time;
    return 0;
}

/*
 * Iterations for one round of about t seconds: double from 1 until a run
 * takes a tenth of t, then scale. The calibration runs also warm the
 * path up (caches, lazily initialised library state).
 */
static int
calibrate(bench_fn fn, void *arg, double t, unsigned long *iters)
{
    unsigned long n = 1;
    double el;

    for (;;) {
        if (timed_run(fn, arg, n, &el) != 0)
            return -1;
        if (el >= t / 10 || n >= (1UL << 30))
            break;
        n *= 2;
    }
    if (el <= 0)
        el = 1e-9;
    *iters = (unsigned long)((double)n * t / el);
    if (*iters < 1)
        *iters = 1;
    return 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n values, sorting them; linear between the
 * two nearest ranks. */
static double
quantile(double *v, int n, double q)
{
    double pos, frac;
    int i;

    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    pos = q * (n - 1);
    i = (int)pos;
    frac = pos - i;
    return i + 1 < n ? v[i] + frac * (v[i + 1] - v[i]) : v[i];
}

/*
 * One round: each path runs its iterations in SLICES slices, the two
 * paths alternating slice by slice (ABBA: raw first in even slices), so
 * that both see the same machine within milliseconds; each path's time
 * is the sum of its slices. *raw_rate and *sspi_rate get iterations per
 * second.
 */
static int
round_pair(bench_fn raw, void *raw_arg, unsigned long raw_iters,
           bench_fn sspi, void *sspi_arg, unsigned long sspi_iters,
           int slices, double *raw_rate, double *sspi_rate)
{
    double t_raw = 0, t_sspi = 0;
    unsigned long done_raw = 0, done_sspi = 0;
    int k;

    for (k = 0; k < slices; k++) {
        /* Slice k's share, so the slices add up to the round. */
        unsigned long nr = raw_iters * (k + 1) / slices - done_raw;
        unsigned long ns = sspi_iters * (k + 1) / slices - done_sspi;
        int side;

        for (side = 0; side < 2; side++) {
            bool raw_now = (side == 0) == (k % 2 == 0);
            double el;

            if (raw_now ? timed_run(raw, raw_arg, nr, &el)
                        : timed_run(sspi, sspi_arg, ns, &el))
                return -1;
            if (raw_now)
                t_raw += el;
            else
                t_sspi += el;
        }
        done_raw += nr;
        done_sspi += ns;
    }
    *raw_rate = (double)raw_iters / (t_raw > 0 ? t_raw : 1e-9);
    *sspi_rate = (double)sspi_iters / (t_sspi > 0 ? t_sspi : 1e-9);
    return 0;
}

int
bench_compare(const struct bench_opts *o, bench_fn raw, void *raw_arg,
              bench_fn sspi, void *sspi_arg, struct bench_result *r)
{
    double raw_rate[MAX_ROUNDS], sspi_rate[MAX_ROUNDS], ratio[MAX_ROUNDS];
    int i, slices = o->smoke ? 1 : SLICES;

    memset(r, 0, sizeof(*r));
    if (o->smoke) {
        r->raw_iters = r->sspi_iters = SMOKE_ITERS;
    } else if (calibrate(raw, raw_arg, o->round_time, &r->raw_iters) != 0
               || calibrate(sspi, sspi_arg, o->round_time,
                            &r->sspi_iters) != 0) {
        return -1;
    }
    /* At least one iteration per slice. */
    if (r->raw_iters < (unsigned long)slices)
        r->raw_iters = (unsigned long)slices;
    if (r->sspi_iters < (unsigned long)slices)
        r->sspi_iters = (unsigned long)slices;
    for (i = 0; i < o->rounds; i++) {
        if (round_pair(raw, raw_arg, r->raw_iters, sspi, sspi_arg,
                       r->sspi_iters, slices, &raw_rate[i], &sspi_rate[i])
            != 0)
            return -1;
        ratio[i] = sspi_rate[i] / raw_rate[i];
    }
    r->raw = quantile(raw_rate, o->rounds, 0.5);
    r->sspi = quantile(sspi_rate, o->rounds, 0.5);
    r->ratio = quantile(ratio, o->rounds, 0.5);
    r->ratio_q1 = quantile(ratio, o->rounds, 0.25);
    r->ratio_q3 = quantile(ratio, o->rounds, 0.75);
    return 0;
}

static void
rate_text(char *buf, size_t len, double ops, size_t bytes)
{
    char o[32];

    if (ops >= 1e4)
        snprintf(o, sizeof(o), "%.1f k/s", ops / 1e3);
    else
        snprintf(o, sizeof(o), "%.0f /s", ops);
    if (bytes > 0)
        snprintf(buf, len, "%.1f MB/s (%s)", ops * (double)bytes / 1e6, o);
    else
        snprintf(buf, len, "%s", o);
}

void
bench_print_row(const char *metric, const struct bench_result *r,
                size_t bytes)
{
    char a[64], b[64];

    rate_text(a, sizeof(a), r->raw, bytes);
    rate_text(b, sizeof(b), r->sspi, bytes);
    printf("| %s | %s | %s | **%.2f** | %.2f-%.2f |\n", metric, a, b,
           r->ratio, r->ratio_q1, r->ratio_q3);
    fflush(stdout);
}

/* ------------------------------------------------------------ errors */

int
bench_sspi_fail(const char *what, SECURITY_STATUS st)
{
    const char *why = sspigss_last_error();

    fprintf(stderr, "bench: %s: 0x%08X %s%s%s\n", what, (unsigned)st,
            sspigss_status_name(st), why[0] != '\0' ? ": " : "", why);
    return -1;
}

static void
gss_text(OM_uint32 code, int type, char *buf, size_t len)
{
    OM_uint32 min, ctx = 0;
    gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
    size_t used = 0;

    buf[0] = '\0';
    do {
        if (GSS_ERROR(gss_display_status(&min, code, type, GSS_C_NO_OID,
                                         &ctx, &b)))
            break;
        used += (size_t)snprintf(buf + used, len - used, "%s%.*s",
                                 used ? "; " : "", (int)b.length,
                                 (const char *)b.value);
        gss_release_buffer(&min, &b);
        if (used >= len)
            break;
    } while (ctx != 0);
}

int
bench_gss_fail(const char *what, OM_uint32 maj, OM_uint32 min)
{
    char a[256], b[256];

    gss_text(maj, GSS_C_GSS_CODE, a, sizeof(a));
    gss_text(min, GSS_C_MECH_CODE, b, sizeof(b));
    fprintf(stderr, "bench: %s: %s (%s)\n", what, a, b);
    return -1;
}

/* ------------------------------------------------------- raw GSS-API */

/* 1.2.840.113554.1.2.2, RFC 1964 */
static gss_OID_desc krb5_oid = {
    9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
};

int
raw_creds_get(struct raw_creds *rc)
{
    gss_OID_set_desc mechs = { 1, &krb5_oid };
    OM_uint32 maj, min;

    rc->initiator = rc->acceptor = GSS_C_NO_CREDENTIAL;
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                           GSS_C_INITIATE, &rc->initiator, NULL, NULL);
    if (GSS_ERROR(maj))
        return bench_gss_fail("gss_acquire_cred(initiate)", maj, min);
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                           GSS_C_ACCEPT, &rc->acceptor, NULL, NULL);
    if (GSS_ERROR(maj)) {
        raw_creds_free(rc);
        return bench_gss_fail("gss_acquire_cred(accept)", maj, min);
    }
    return 0;
}

void
raw_creds_free(struct raw_creds *rc)
{
    OM_uint32 min;

    if (rc->initiator != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &rc->initiator);
    if (rc->acceptor != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &rc->acceptor);
}

int
raw_handshake(const struct raw_creds *rc, gss_ctx_id_t *ini,
              gss_ctx_id_t *acc)
{
    gss_buffer_desc name = { sizeof(BENCH_GSS_TARGET) - 1,
                             (void *)BENCH_GSS_TARGET };
    gss_buffer_desc tok = GSS_C_EMPTY_BUFFER, reply = GSS_C_EMPTY_BUFFER;
    gss_name_t target = GSS_C_NO_NAME;
    OM_uint32 maj, min, flags = 0;
    bool ini_done = false, acc_done = false;
    int ret = -1, legs;

    *ini = *acc = GSS_C_NO_CONTEXT;
    maj = gss_import_name(&min, &name, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(maj))
        return bench_gss_fail("gss_import_name", maj, min);
    for (legs = 0; legs < 10 && !(ini_done && acc_done); legs++) {
        if (legs % 2 == 0) {
            maj = gss_init_sec_context(&min, rc->initiator, ini, target,
                                       &krb5_oid, BENCH_GSS_FLAGS,
                                       GSS_C_INDEFINITE,
                                       GSS_C_NO_CHANNEL_BINDINGS, &reply,
                                       NULL, &tok, &flags, NULL);
            gss_release_buffer(&min, &reply);
            if (GSS_ERROR(maj)) {
                bench_gss_fail("gss_init_sec_context", maj, min);
                goto out;
            }
            ini_done = maj == GSS_S_COMPLETE;
            if (tok.length == 0)
                break;
        } else {
            maj = gss_accept_sec_context(&min, acc, rc->acceptor, &tok,
                                         GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                         NULL, &reply, NULL, NULL, NULL);
            gss_release_buffer(&min, &tok);
            if (GSS_ERROR(maj)) {
                bench_gss_fail("gss_accept_sec_context", maj, min);
                goto out;
            }
            acc_done = maj == GSS_S_COMPLETE;
            if (reply.length == 0)
                break;
        }
    }
    if (!ini_done || !acc_done) {
        fprintf(stderr, "bench: raw handshake did not finish\n");
        goto out;
    }
    if ((flags & BENCH_GSS_FLAGS) != BENCH_GSS_FLAGS) {
        fprintf(stderr, "bench: raw context lacks flags (0x%x)\n",
                (unsigned)flags);
        goto out;
    }
    ret = 0;
out:
    gss_release_buffer(&min, &tok);
    gss_release_buffer(&min, &reply);
    gss_release_name(&min, &target);
    if (ret != 0) {
        gss_delete_sec_context(&min, ini, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&min, acc, GSS_C_NO_BUFFER);
    }
    return ret;
}

int
raw_enctype(gss_ctx_id_t ctx)
{
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    OM_uint32 maj, min;
    int et = -1;

    /* The second buffer is 1.2.840.113554.1.2.2.4.<enctype>. */
    maj = gss_inquire_sec_context_by_oid(&min, ctx,
                                         GSS_C_INQ_SSPI_SESSION_KEY, &set);
    if (!GSS_ERROR(maj) && set != GSS_C_NO_BUFFER_SET && set->count >= 2) {
        const unsigned char *o = set->elements[1].value;
        size_t i;

        et = 0;
        for (i = 10; i < set->elements[1].length; i++)
            et = (et << 7) | (o[i] & 0x7f);
    }
    gss_release_buffer_set(&min, &set);
    return et;
}

/* -------------------------------------------------------- SSPI (ours) */

int
sspi_creds_get(struct sspi_creds *sc)
{
    SECURITY_STATUS st;
    TimeStamp exp;

    SecInvalidateHandle(&sc->initiator);
    SecInvalidateHandle(&sc->acceptor);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos",
                                   SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                   NULL, &sc->initiator, &exp);
    if (st != SEC_E_OK)
        return bench_sspi_fail("AcquireCredentialsHandle(OUTBOUND)", st);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos",
                                   SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                   NULL, &sc->acceptor, &exp);
    if (st != SEC_E_OK) {
        bench_sspi_fail("AcquireCredentialsHandle(INBOUND)", st);
        sspi_creds_free(sc);
        return -1;
    }
    return 0;
}

void
sspi_creds_free(struct sspi_creds *sc)
{
    if (SecIsValidHandle(&sc->initiator))
        FreeCredentialsHandle(&sc->initiator);
    if (SecIsValidHandle(&sc->acceptor))
        FreeCredentialsHandle(&sc->acceptor);
    SecInvalidateHandle(&sc->initiator);
    SecInvalidateHandle(&sc->acceptor);
}

int
sspi_handshake(struct sspi_creds *sc, CtxtHandle *ini, CtxtHandle *acc)
{
    /* Token buffers of the caller, as most Windows code passes them. */
    static unsigned char tok_a[TOKEN_BUF], tok_b[TOKEN_BUF];
    SecBuffer in_b, out_b;
    SecBufferDesc in_d = { SECBUFFER_VERSION, 1, &in_b };
    SecBufferDesc out_d = { SECBUFFER_VERSION, 1, &out_b };
    bool have_ini = false, have_acc = false;
    bool ini_done = false, acc_done = false;
    ULONG attrs, isc_attrs = 0, in_len = 0;
    unsigned char *in_tok = NULL;
    TimeStamp exp;
    SECURITY_STATUS st;
    int legs;

    SecInvalidateHandle(ini);
    SecInvalidateHandle(acc);
    for (legs = 0; legs < 10 && !(ini_done && acc_done); legs++) {
        unsigned char *out = legs % 2 == 0 ? tok_a : tok_b;

        in_b.BufferType = SECBUFFER_TOKEN;
        in_b.cbBuffer = in_len;
        in_b.pvBuffer = in_tok;
        out_b.BufferType = SECBUFFER_TOKEN;
        out_b.cbBuffer = TOKEN_BUF;
        out_b.pvBuffer = out;
        if (legs % 2 == 0) {
            st = InitializeSecurityContextA(
                &sc->initiator, have_ini ? ini : NULL,
                (SEC_CHAR *)BENCH_SPN, BENCH_ISC_REQ, 0,
                SECURITY_NATIVE_DREP, have_ini ? &in_d : NULL, 0, ini,
                &out_d, &attrs, &exp);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
                bench_sspi_fail("InitializeSecurityContext", st);
                goto fail;
            }
            have_ini = true;
            ini_done = st == SEC_E_OK;
            isc_attrs = attrs;
        } else {
            st = AcceptSecurityContext(&sc->acceptor, have_acc ? acc : NULL,
                                       &in_d, BENCH_ASC_REQ,
                                       SECURITY_NATIVE_DREP, acc, &out_d,
                                       &attrs, &exp);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
                bench_sspi_fail("AcceptSecurityContext", st);
                goto fail;
            }
            have_acc = true;
            acc_done = st == SEC_E_OK;
        }
        if (out_b.cbBuffer == 0)
            break;
        in_tok = out;
        in_len = out_b.cbBuffer;
    }
    if (!ini_done || !acc_done) {
        fprintf(stderr, "bench: SSPI handshake did not finish\n");
        goto fail;
    }
    if ((isc_attrs & BENCH_ISC_RET) != BENCH_ISC_RET) {
        fprintf(stderr, "bench: SSPI context lacks attributes (0x%lx)\n",
                (unsigned long)isc_attrs);
        goto fail;
    }
    return 0;
fail:
    if (have_ini)
        DeleteSecurityContext(ini);
    if (have_acc)
        DeleteSecurityContext(acc);
    return -1;
}

int
sspi_enctype(CtxtHandle *ctx)
{
    SecPkgContext_KeyInfoA ki;
    SECURITY_STATUS st;

    memset(&ki, 0, sizeof(ki));
    st = QueryContextAttributesA(ctx, SECPKG_ATTR_KEY_INFO, &ki);
    if (st != SEC_E_OK)
        return bench_sspi_fail("QueryContextAttributes(KEY_INFO)", st);
    FreeContextBuffer(ki.sSignatureAlgorithmName);
    FreeContextBuffer(ki.sEncryptAlgorithmName);
    return (int)ki.EncryptAlgorithm;
}
