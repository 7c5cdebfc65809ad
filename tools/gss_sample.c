/*
 * gss_sample.c - MIT gss-sample framing, sockets and small helpers shared
 * by `sspigss client` (cmd_client.c) and `sspigss server` (cmd_server.c).
 *
 * Wire format: MIT krb5 src/appl/gss-sample/gss-misc.c, send_token and
 * recv_token.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* getaddrinfo, explicit_bzero under -std=c11 */
#endif

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <sspigss/sspigss.h>

#include "gss_sample.h"

static int sample_verbose;

/* ------------------------------------------------------------- framing */

/* Write all of buf; send(MSG_NOSIGNAL) so a vanished peer gives EPIPE,
 * not a signal. Returns 0 or -1 (errno set; 0 for a zero-byte write). */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EPIPE;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Read exactly len bytes, waiting at most SAMPLE_RECV_TIMEOUT seconds for
 * each piece (gss-misc.c read_all waits 300 s). Returns the number of
 * bytes read (less than len when the peer closed or the wait timed out;
 * *timed_out says which), or -1 on an error (errno set).
 */
static ssize_t
read_all(int fd, unsigned char *buf, size_t len, int *timed_out)
{
    size_t got = 0;

    *timed_out = 0;
    while (got < len) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;
        int r;

        r = poll(&pfd, 1, SAMPLE_RECV_TIMEOUT * 1000);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0) {
            *timed_out = 1;
            break;
        }
        n = recv(fd, buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int
sample_send_token(int fd, int flags, const void *data, size_t len)
{
    unsigned char head[5];
    size_t hlen = 0;

    if (len > 0xFFFFFFFFUL) {
        fprintf(stderr, "sspigss: token of %zu bytes does not fit the "
                        "4-byte length of the wire format\n", len);
        return -1;
    }
    /* gss-misc.c send_token: the flags byte only when non-zero (v1). */
    if (flags != 0)
        head[hlen++] = (unsigned char)flags;
    head[hlen++] = (unsigned char)(len >> 24);
    head[hlen++] = (unsigned char)(len >> 16);
    head[hlen++] = (unsigned char)(len >> 8);
    head[hlen++] = (unsigned char)len;
    if (write_all(fd, head, hlen) < 0
        || (len > 0 && write_all(fd, data, len) < 0)) {
        fprintf(stderr, "sspigss: sending token: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Explain a short or failed read of what (e.g. "token length"). */
static void
short_read(const char *what, ssize_t got, size_t want, int timed_out)
{
    if (got < 0)
        fprintf(stderr, "sspigss: reading %s: %s\n", what, strerror(errno));
    else if (timed_out)
        fprintf(stderr, "sspigss: reading %s: no answer from the peer in "
                        "%d s\n", what, SAMPLE_RECV_TIMEOUT);
    else if (got == 0)
        fprintf(stderr, "sspigss: reading %s: connection closed by the "
                        "peer\n", what);
    else
        fprintf(stderr, "sspigss: reading %s: connection closed by the "
                        "peer after %zd of %zu bytes\n", what, got, want);
}

int
sample_recv_token(int fd, int *flags, unsigned char **data, size_t *len)
{
    unsigned char head[4], *buf = NULL;
    size_t n, off;
    ssize_t got;
    int timed_out, rc = -1;

    *flags = 0;
    *data = NULL;
    *len = 0;

    got = read_all(fd, head, 1, &timed_out);
    if (got != 1) {
        short_read("token flags", got, 1, timed_out);
        goto out;
    }
    /* gss-misc.c recv_token: a flags byte of 0 is the first byte of a v1
     * token's length. */
    if (head[0] == 0) {
        *flags = 0;
        off = 1;
    } else {
        *flags = head[0];
        off = 0;
    }
    got = read_all(fd, head + off, 4 - off, &timed_out);
    if (got != (ssize_t)(4 - off)) {
        short_read("token length", got, 4 - off, timed_out);
        goto out;
    }
    n = ((size_t)head[0] << 24) | ((size_t)head[1] << 16)
        | ((size_t)head[2] << 8) | (size_t)head[3];
    if (n > SAMPLE_MAX_TOKEN) {
        fprintf(stderr, "sspigss: peer announced a token of %zu bytes "
                        "(flags 0x%02x); refusing more than %lu\n",
                n, (unsigned)*flags, SAMPLE_MAX_TOKEN);
        goto out;
    }
    buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        fprintf(stderr, "sspigss: out of memory for a %zu-byte token\n", n);
        goto out;
    }
    got = read_all(fd, buf, n, &timed_out);
    if (got != (ssize_t)n) {
        short_read("token data", got, n, timed_out);
        goto out;
    }
    *data = buf;
    *len = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (rc != 0)
        *flags = 0;
    return rc;
}

/* ------------------------------------------------------------- sockets */

int
sample_connect(const char *host, unsigned port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char service[16];
    int fd = -1, err, saved = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%u", port);
    err = getaddrinfo(host, service, &hints, &res);
    if (err != 0) {
        fprintf(stderr, "sspigss: unknown host %s: %s\n", host,
                gai_strerror(err));
        goto out;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        fprintf(stderr, "sspigss: connecting to %s port %u: %s\n", host,
                port, strerror(saved));
out:
    if (res != NULL)
        freeaddrinfo(res);
    return fd;
}

int
sample_listen(unsigned port, unsigned *bound)
{
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    int fd, on = 1;

    *bound = 0;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "sspigss: creating socket: %s\n", strerror(errno));
        return -1;
    }
    /* As gss-server.c create_socket: the port is reusable at once. */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        fprintf(stderr, "sspigss: binding 127.0.0.1 port %u: %s\n", port,
                strerror(errno));
        goto fail;
    }
    if (listen(fd, 5) < 0) {
        fprintf(stderr, "sspigss: listening: %s\n", strerror(errno));
        goto fail;
    }
    if (getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
        fprintf(stderr, "sspigss: getsockname: %s\n", strerror(errno));
        goto fail;
    }
    *bound = ntohs(sin.sin_port);
    return fd;
fail:
    close(fd);
    return -1;
}

/* ------------------------------------------------------------- parsing */

int
sample_opt_value(int argc, char **argv, int *i, const char *name,
                 const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "sspigss: option %s needs a value\n", name);
        return -1;
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

int
sample_parse_port(const char *s, int allow_zero, unsigned *port)
{
    char *end;
    long v;

    if (s == NULL || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 65535 || (v == 0 && !allow_zero))
        return -1;
    *port = (unsigned)v;
    return 0;
}

int
sample_parse_count(const char *s, long min, long *out)
{
    char *end;
    long v;

    if (s == NULL || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > 1000000)
        return -1;
    *out = v;
    return 0;
}

char *
sample_spn(const char *service, const char *host)
{
    const char *at = strchr(service, '@');
    size_t n;
    char *spn;

    if (strchr(service, '/') != NULL || (at == NULL && host == NULL))
        return strdup(service);
    if (at != NULL) {
        /* GSS_C_NT_HOSTBASED_SERVICE "svc@host" -> SPN "svc/host". */
        spn = strdup(service);
        if (spn != NULL)
            spn[at - service] = '/';
        return spn;
    }
    n = strlen(service) + 1 + strlen(host) + 1;
    spn = malloc(n);
    if (spn != NULL)
        snprintf(spn, n, "%s/%s", service, host);
    return spn;
}

/* ------------------------------------------------------------- unicode */

SEC_WCHAR *
sample_utf16(const char *s, ULONG *nchars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, o = 0;
    SEC_WCHAR *w, *ret = NULL;

    /* At most one UTF-16 unit per byte, plus the NUL. */
    w = malloc((len + 1) * sizeof(*w));
    if (w == NULL)
        goto out;
    while (i < len) {
        uint32_t c = p[i];
        size_t k, extra;

        if (c < 0x80) {
            extra = 0;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            c &= 0x07;
        } else {
            goto out;
        }
        if (extra > 0 && i + extra >= len)
            goto out;
        for (k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto out;
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        /* Refuse overlong forms, surrogates and values past U+10FFFF. */
        if ((extra == 1 && c < 0x80) || (extra == 2 && c < 0x800)
            || (extra == 3 && c < 0x10000) || c > 0x10FFFF
            || (c >= 0xD800 && c <= 0xDFFF))
            goto out;
        i += extra + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            w[o++] = (SEC_WCHAR)(0xD800 + (c >> 10));
            w[o++] = (SEC_WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            w[o++] = (SEC_WCHAR)c;
        }
    }
    w[o] = 0;
    if (nchars != NULL)
        *nchars = (ULONG)o;
    ret = w;
    w = NULL;
out:
    if (w != NULL) {
        sample_wipe(w, (len + 1) * sizeof(*w));
        free(w);
    }
    return ret;
}

char *
sample_utf8(const SEC_WCHAR *s)
{
    size_t n = 0, i, o = 0;
    char *out;

    while (s[n] != 0)
        n++;
    out = malloc(n * 3 + 1);    /* a unit gives at most 3 bytes */
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        uint32_t c = s[i];

        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= n || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                goto bad;
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            goto bad;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* ------------------------------------------------------------------ sspi */

SECURITY_STATUS
sample_max_token(const char *who, const char *package, ULONG *max_token)
{
    PSecPkgInfoA info = NULL;
    SECURITY_STATUS st;

    *max_token = 0;
    st = QuerySecurityPackageInfoA((SEC_CHAR *)package, &info);
    sample_trace("QuerySecurityPackageInfoA", st);
    if (st != SEC_E_OK) {
        sample_report(who, "QuerySecurityPackageInfoA", st);
        return st;
    }
    *max_token = info->cbMaxToken;
    FreeContextBuffer(info);
    return SEC_E_OK;
}

/* -------------------------------------------------------------- secrets */

void
sample_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    {
        volatile unsigned char *v = p;

        while (n-- > 0)
            *v++ = 0;
    }
#endif
}

void
sample_wipe_str(char *s)
{
    if (s != NULL)
        sample_wipe(s, strlen(s));
}

void
sample_wipe_utf16(SEC_WCHAR *s)
{
    size_t n = 0;

    if (s == NULL)
        return;
    while (s[n] != 0)
        n++;
    sample_wipe(s, n * sizeof(*s));
}

/* ------------------------------------------------------------- messages */

void
sample_set_verbose(int on)
{
    sample_verbose = on;
}

void
sample_trace(const char *call, SECURITY_STATUS st)
{
    if (!sample_verbose)
        return;
    printf("%s -> %s (0x%08X)\n", call, sspigss_status_name(st),
           (unsigned)st);
    fflush(stdout);
}

void
sample_report(const char *who, const char *call, SECURITY_STATUS st)
{
    /* Read the underlying error first: it lasts until the next call. */
    const char *detail = sspigss_last_error();

    fflush(stdout);
    fprintf(stderr, "sspigss %s: %s failed: %s (0x%08X): %s\n", who, call,
            sspigss_status_name(st), (unsigned)st,
            sspigss_status_message(st, NULL));
    if (detail != NULL && detail[0] != '\0')
        fprintf(stderr, "sspigss %s: underlying error: %s\n", who, detail);
}

struct flag_name {
    ULONG bit;
    const char *name;
};

static const struct flag_name isc_ret_names[] = {
    { ISC_RET_DELEGATE, "ISC_RET_DELEGATE" },
    { ISC_RET_MUTUAL_AUTH, "ISC_RET_MUTUAL_AUTH" },
    { ISC_RET_REPLAY_DETECT, "ISC_RET_REPLAY_DETECT" },
    { ISC_RET_SEQUENCE_DETECT, "ISC_RET_SEQUENCE_DETECT" },
    { ISC_RET_CONFIDENTIALITY, "ISC_RET_CONFIDENTIALITY" },
    { ISC_RET_USE_SESSION_KEY, "ISC_RET_USE_SESSION_KEY" },
    { ISC_RET_USED_COLLECTED_CREDS, "ISC_RET_USED_COLLECTED_CREDS" },
    { ISC_RET_USED_SUPPLIED_CREDS, "ISC_RET_USED_SUPPLIED_CREDS" },
    { ISC_RET_ALLOCATED_MEMORY, "ISC_RET_ALLOCATED_MEMORY" },
    { ISC_RET_USED_DCE_STYLE, "ISC_RET_USED_DCE_STYLE" },
    { ISC_RET_DATAGRAM, "ISC_RET_DATAGRAM" },
    { ISC_RET_CONNECTION, "ISC_RET_CONNECTION" },
    { ISC_RET_INTERMEDIATE_RETURN, "ISC_RET_INTERMEDIATE_RETURN" },
    { ISC_RET_CALL_LEVEL, "ISC_RET_CALL_LEVEL" },
    { ISC_RET_EXTENDED_ERROR, "ISC_RET_EXTENDED_ERROR" },
    { ISC_RET_STREAM, "ISC_RET_STREAM" },
    { ISC_RET_INTEGRITY, "ISC_RET_INTEGRITY" },
    { ISC_RET_IDENTIFY, "ISC_RET_IDENTIFY" },
    { ISC_RET_NULL_SESSION, "ISC_RET_NULL_SESSION" },
    { ISC_RET_MANUAL_CRED_VALIDATION, "ISC_RET_MANUAL_CRED_VALIDATION" },
    { ISC_RET_FRAGMENT_ONLY, "ISC_RET_FRAGMENT_ONLY" },
    { ISC_RET_FORWARD_CREDENTIALS, "ISC_RET_FORWARD_CREDENTIALS" },
    { ISC_RET_USED_HTTP_STYLE, "ISC_RET_USED_HTTP_STYLE" },
    { ISC_RET_NO_ADDITIONAL_TOKEN, "ISC_RET_NO_ADDITIONAL_TOKEN" },
    { ISC_RET_REAUTHENTICATION, "ISC_RET_REAUTHENTICATION" },
    { ISC_RET_CONFIDENTIALITY_ONLY, "ISC_RET_CONFIDENTIALITY_ONLY" },
};

static const struct flag_name asc_ret_names[] = {
    { ASC_RET_DELEGATE, "ASC_RET_DELEGATE" },
    { ASC_RET_MUTUAL_AUTH, "ASC_RET_MUTUAL_AUTH" },
    { ASC_RET_REPLAY_DETECT, "ASC_RET_REPLAY_DETECT" },
    { ASC_RET_SEQUENCE_DETECT, "ASC_RET_SEQUENCE_DETECT" },
    { ASC_RET_CONFIDENTIALITY, "ASC_RET_CONFIDENTIALITY" },
    { ASC_RET_USE_SESSION_KEY, "ASC_RET_USE_SESSION_KEY" },
    { ASC_RET_SESSION_TICKET, "ASC_RET_SESSION_TICKET" },
    { ASC_RET_ALLOCATED_MEMORY, "ASC_RET_ALLOCATED_MEMORY" },
    { ASC_RET_USED_DCE_STYLE, "ASC_RET_USED_DCE_STYLE" },
    { ASC_RET_DATAGRAM, "ASC_RET_DATAGRAM" },
    { ASC_RET_CONNECTION, "ASC_RET_CONNECTION" },
    { ASC_RET_CALL_LEVEL, "ASC_RET_CALL_LEVEL" },
    { ASC_RET_THIRD_LEG_FAILED, "ASC_RET_THIRD_LEG_FAILED" },
    { ASC_RET_EXTENDED_ERROR, "ASC_RET_EXTENDED_ERROR" },
    { ASC_RET_STREAM, "ASC_RET_STREAM" },
    { ASC_RET_INTEGRITY, "ASC_RET_INTEGRITY" },
    { ASC_RET_LICENSING, "ASC_RET_LICENSING" },
    { ASC_RET_IDENTIFY, "ASC_RET_IDENTIFY" },
    { ASC_RET_NULL_SESSION, "ASC_RET_NULL_SESSION" },
    { ASC_RET_ALLOW_NON_USER_LOGONS, "ASC_RET_ALLOW_NON_USER_LOGONS" },
    { ASC_RET_ALLOW_CONTEXT_REPLAY, "ASC_RET_ALLOW_CONTEXT_REPLAY" },
    { ASC_RET_FRAGMENT_ONLY, "ASC_RET_FRAGMENT_ONLY" },
    { ASC_RET_NO_TOKEN, "ASC_RET_NO_TOKEN" },
    { ASC_RET_NO_ADDITIONAL_TOKEN, "ASC_RET_NO_ADDITIONAL_TOKEN" },
};

void
sample_print_flags(ULONG attrs, int accept)
{
    const struct flag_name *t = accept ? asc_ret_names : isc_ret_names;
    size_t i, n = accept ? sizeof(asc_ret_names) / sizeof(asc_ret_names[0])
                         : sizeof(isc_ret_names) / sizeof(isc_ret_names[0]);
    ULONG known = 0;

    for (i = 0; i < n; i++) {
        if (!(attrs & t[i].bit))
            continue;
        known |= t[i].bit;
        printf("context flag: %s\n", t[i].name);
    }
    if (attrs & ~known)
        printf("context flag: 0x%08lX (other)\n",
               (unsigned long)(attrs & ~known));
}

void
sample_print_message(const unsigned char *msg, size_t len)
{
    size_t i;
    int text = 1;

    /* gss-server.c looks at the first two bytes; we look at all, so that
     * no control character reaches the terminal. */
    for (i = 0; i < len; i++)
        if (msg[i] < 0x80 && !isprint(msg[i]) && !isspace(msg[i]))
            text = 0;
    fputs("Received message: ", stdout);
    if (text && len <= INT_MAX) {
        printf("\"%.*s\"\n", (int)len, (const char *)msg);
        return;
    }
    putchar('\n');
    for (i = 0; i < len; i++)
        printf("%02x%s", msg[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}
