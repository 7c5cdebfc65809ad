/*
 * trace.c - SSPIGSS_TRACE logging.
 *
 * SSPIGSS_TRACE=1 (or "stderr") writes one line per SSPI call to stderr;
 * any other non-empty value is a file name that lines are appended to.
 * Each line names the call and the status with its symbolic name; the
 * packages add the underlying GSS, krb5 or OpenSSL text before it.
 */
#include "setup.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static FILE *trace_fp;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

static void
trace_open(void)
{
    const char *v = getenv("SSPIGSS_TRACE");

    if (v == NULL || *v == '\0' || strcmp(v, "0") == 0)
        return;
    if (strcmp(v, "1") == 0 || strcmp(v, "stderr") == 0) {
        trace_fp = stderr;
        return;
    }
    trace_fp = fopen(v, "ae");
    if (trace_fp == NULL) {
        /* Tracing was asked for: say why it cannot happen, once. */
        fprintf(stderr, "sspigss: cannot open SSPIGSS_TRACE file %s\n", v);
        return;
    }
    setvbuf(trace_fp, NULL, _IOLBF, 0);
}

bool
trace_enabled(void)
{
    pthread_once(&trace_once, trace_open);
    return trace_fp != NULL;
}

void
trace_printf(const char *fmt, ...)
{
    va_list ap;

    if (!trace_enabled())
        return;
    pthread_mutex_lock(&trace_lock);
    fputs("sspigss: ", trace_fp);
    va_start(ap, fmt);
    vfprintf(trace_fp, fmt, ap);
    va_end(ap);
    fputc('\n', trace_fp);
    fflush(trace_fp);
    pthread_mutex_unlock(&trace_lock);
}

static _Thread_local char last_error[768];

void
trace_cause(const char *fmt, ...)
{
    char buf[sizeof(last_error)];
    va_list ap;

    /* Through a copy: the arguments may include the last error itself
     * (a cause that adds to the one before). */
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    memcpy(last_error, buf, sizeof(last_error));
    if (trace_enabled())
        trace_printf("  %s", last_error);
}

void
trace_clear_cause(void)
{
    last_error[0] = '\0';
}

SSPIGSS_EXPORT const char *
sspigss_last_error(void)
{
    return last_error;
}

SECURITY_STATUS
trace_result(const char *func, SECURITY_STATUS status)
{
    if (trace_enabled())
        trace_printf("%s -> 0x%08X %s", func, (unsigned)status,
                     sspigss_status_name(status));
    return status;
}
