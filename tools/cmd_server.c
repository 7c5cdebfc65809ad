/*
 * cmd_server.c - `sspigss server`: MIT's gss-server, written against the
 * SSPI API only.
 *
 * Follows MIT krb5's src/appl/gss-sample/gss-server.c (sign_server,
 * server_establish_context) with framing from gss-misc.c
 * (tools/gss_sample.c), so MIT's gss-client and `sspigss client` can talk
 * to it:
 *
 *   <- NOOP[|CONTEXT_NEXT]                     CONTEXT_NEXT: authenticate
 *   <- CONTEXT, -> CONTEXT ...                 AcceptSecurityContext loop
 *   <- DATA[|WRAPPED][|ENCRYPTED][|SEND_MIC]   DecryptMessage when WRAPPED
 *   -> MIC (MakeSignature) or NOOP             MIC only for SEND_MIC
 *   <- NOOP                                    end of the connection
 *
 * A wrapped message arrives as one RFC 4121 token; it is handed to
 * DecryptMessage as Windows callers do with stream-style data: [STREAM
 * (the whole token), DATA (empty)], after which DATA points at the
 * plaintext inside the STREAM buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <sspigss/sspigss.h>

#include "cli.h"
#include "gss_sample.h"

#define WHO "server"

/* Set by SIGINT/SIGTERM: stop accepting, clean up, exit 0. */
static volatile sig_atomic_t server_stop;

struct server {
    /* from the command line */
    const char *service;
    const char *principal_arg;
    const char *package;
    const char *ready_file;
    unsigned port;
    int once;
    int ansi;
    int allocate;
    int verbose;
    /* derived */
    char *principal;            /* pszPrincipal, or NULL for any key */
    ULONG max_token;
    CredHandle cred;
    int have_cred;
};

static void
server_help(FILE *fp)
{
    fputs("usage: sspigss server [options] SERVICE\n\n"
          "Mirrors MIT's gss-server (krb5 src/appl/gss-sample) using the "
          "SSPI API:\naccepts gss-sample clients on 127.0.0.1, prints "
          "their messages and\nanswers with MakeSignature MICs. Keys come "
          "from the keytab (KRB5_KTNAME).\n\n"
          "SERVICE is \"svc\" (accept with any key of the keytab), "
          "\"svc@host\" or\n\"svc/host\" (pszPrincipal \"svc/host\" for "
          "AcquireCredentialsHandle).\n\n"
          "options:\n"
          "  --port N          port on 127.0.0.1 (default 4444; 0 picks a "
          "free one)\n"
          "  --once            serve one connection and exit with its "
          "result\n"
          "  --ready-file F    write the port to F once listening\n"
          "  --principal P     pszPrincipal of AcquireCredentialsHandle "
          "(overrides\n"
          "                    the one SERVICE gives)\n"
          "  --package NAME    security package (default Kerberos)\n"
          "  --ansi            use the A entry points (UTF-8); default W "
          "(UTF-16)\n"
          "  --no-allocate     own output buffers of cbMaxToken instead "
          "of\n"
          "                    ASC_REQ_ALLOCATE_MEMORY\n"
          "  --verbose         print each SSPI call and its status\n\n"
          "Runs until SIGINT/SIGTERM unless --once. Exit status: 0 "
          "success, 1 failure\n(the SEC_E_ code is printed), 2 bad usage.\n",
          fp);
}

static void
server_clear(struct server *s)
{
    if (s->have_cred) {
        SECURITY_STATUS st = FreeCredentialsHandle(&s->cred);

        sample_trace("FreeCredentialsHandle", st);
        s->have_cred = 0;
    }
    free(s->principal);
    s->principal = NULL;
}

/* Returns 0 to go on, 1 after --help, 2 on bad usage (printed). */
static int
server_parse(int argc, char **argv, struct server *s)
{
    const char *v;
    int i, r;

    s->port = SAMPLE_DEFAULT_PORT;
    s->package = "Kerberos";
    s->allocate = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            server_help(stdout);
            return 1;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (s->service != NULL)
                return cli_usage_error("server: unexpected argument '%s' "
                                       "(see sspigss server --help)", a);
            s->service = a;
            continue;
        }
        if ((r = sample_opt_value(argc, argv, &i, "--port", &v)) != 0) {
            if (r < 0 || sample_parse_port(v, 1, &s->port) < 0)
                return cli_usage_error("server: --port wants 0..65535");
        } else if ((r = sample_opt_value(argc, argv, &i, "--ready-file",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("server: --ready-file wants a file "
                                       "name");
            s->ready_file = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--principal",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("server: --principal wants a name");
            s->principal_arg = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--package",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("server: --package wants a name");
            s->package = v;
        } else if (strcmp(a, "--once") == 0) {
            s->once = 1;
        } else if (strcmp(a, "--ansi") == 0) {
            s->ansi = 1;
        } else if (strcmp(a, "--no-allocate") == 0) {
            s->allocate = 0;
        } else if (strcmp(a, "--verbose") == 0) {
            s->verbose = 1;
        } else {
            return cli_usage_error("server: unknown option '%s' "
                                   "(see sspigss server --help)", a);
        }
    }
    if (s->service == NULL || s->service[0] == '\0') {
        server_help(stderr);
        return 2;
    }
    return 0;
}

/* AcquireCredentialsHandle(INBOUND), A or W. Returns 0 or -1. */
static int
server_acquire(struct server *s)
{
    SEC_WCHAR *pkg16 = NULL, *princ16 = NULL;
    TimeStamp expiry;
    SECURITY_STATUS st;
    const char *call;
    int rc = -1;

    if (s->ansi) {
        call = "AcquireCredentialsHandleA";
        st = AcquireCredentialsHandleA((SEC_CHAR *)s->principal,
                                       (SEC_CHAR *)s->package,
                                       SECPKG_CRED_INBOUND, NULL, NULL,
                                       NULL, NULL, &s->cred, &expiry);
    } else {
        call = "AcquireCredentialsHandleW";
        pkg16 = sample_utf16(s->package, NULL);
        if (s->principal != NULL)
            princ16 = sample_utf16(s->principal, NULL);
        if (pkg16 == NULL || (s->principal != NULL && princ16 == NULL)) {
            fprintf(stderr, "sspigss server: package or principal is not "
                            "valid UTF-8 (or out of memory)\n");
            goto out;
        }
        st = AcquireCredentialsHandleW(princ16, pkg16, SECPKG_CRED_INBOUND,
                                       NULL, NULL, NULL, NULL, &s->cred,
                                       &expiry);
    }
    sample_trace(call, st);
    if (st != SEC_E_OK) {
        sample_report(WHO, call, st);
        goto out;
    }
    s->have_cred = 1;
    rc = 0;
out:
    free(princ16);
    free(pkg16);
    return rc;
}

/*
 * The AcceptSecurityContext loop of gss-server.c
 * server_establish_context: each CONTEXT token from the client goes to
 * AcceptSecurityContext; every output token goes back as a CONTEXT token
 * (also on failure: an error token tells the client why). *have_ctx is
 * set once a context handle exists. Returns 0 or -1 (reported).
 */
static int
server_establish(struct server *s, int fd, CtxtHandle *ctx, int *have_ctx,
                 ULONG *attrs)
{
    ULONG req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY
                | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;
    unsigned char *in = NULL;
    size_t in_len;
    SECURITY_STATUS st;
    TimeStamp expiry;
    int rc = -1, flags, more = 0;

    if (s->allocate)
        req |= ASC_REQ_ALLOCATE_MEMORY;
    do {
        SecBuffer inb, outb = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc ind = { SECBUFFER_VERSION, 1, &inb };
        SecBufferDesc outd = { SECBUFFER_VERSION, 1, &outb };
        void *own = NULL;
        int send_rc = 0;

        if (sample_recv_token(fd, &flags, &in, &in_len) < 0)
            goto out;
        if (s->verbose)
            printf("Received token (size=%zu)\n", in_len);
        inb.cbBuffer = (ULONG)in_len;
        inb.BufferType = SECBUFFER_TOKEN;
        inb.pvBuffer = in;
        if (!s->allocate) {
            own = malloc(s->max_token > 0 ? s->max_token : 1);
            if (own == NULL) {
                fprintf(stderr, "sspigss server: out of memory\n");
                goto out;
            }
            outb.cbBuffer = s->max_token;
            outb.pvBuffer = own;
        }
        st = AcceptSecurityContext(&s->cred, *have_ctx ? ctx : NULL, &ind,
                                   req, SECURITY_NATIVE_DREP, ctx, &outd,
                                   attrs, &expiry);
        sample_trace("AcceptSecurityContext", st);
        if (st < 0)
            sample_report(WHO, "AcceptSecurityContext", st);
        else
            *have_ctx = 1;
        free(in);
        in = NULL;
        if (st == SEC_I_COMPLETE_NEEDED
            || st == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS cst = CompleteAuthToken(ctx, &outd);

            sample_trace("CompleteAuthToken", cst);
            if (cst != SEC_E_OK) {
                sample_report(WHO, "CompleteAuthToken", cst);
                st = cst;
            }
        }
        if (outb.cbBuffer > 0 && outb.pvBuffer != NULL) {
            if (s->verbose)
                printf("Sending accept_sec_context token (size=%lu)\n",
                       (unsigned long)outb.cbBuffer);
            send_rc = sample_send_token(fd, SAMPLE_TOKEN_CONTEXT,
                                        outb.pvBuffer, outb.cbBuffer);
        }
        if (s->allocate && outb.pvBuffer != NULL)
            FreeContextBuffer(outb.pvBuffer);
        free(own);
        if (st < 0 || send_rc < 0)
            goto out;
        more = st == SEC_I_CONTINUE_NEEDED
               || st == SEC_I_COMPLETE_AND_CONTINUE;
        if (!more && st != SEC_E_OK && st != SEC_I_COMPLETE_NEEDED) {
            fprintf(stderr, "sspigss server: AcceptSecurityContext returned "
                            "%s (0x%08X), which this program does not "
                            "handle\n", sspigss_status_name(st),
                    (unsigned)st);
            goto out;
        }
        if (more && s->verbose)
            printf("continue needed...\n");
    } while (more);
    rc = 0;
out:
    free(in);
    return rc;
}

/*
 * Who connected: QueryContextAttributes NAMES (gss-server prints
 * "Accepted connection: "client"") and NATIVE_NAMES (client and server
 * principal; informational), SIZES for MakeSignature. Returns 0 or -1.
 */
static int
server_show(struct server *s, CtxtHandle *ctx, ULONG attrs,
            SecPkgContext_Sizes *sizes)
{
    const char *call;
    SECURITY_STATUS st;
    char *user = NULL, *cname = NULL, *sname = NULL;
    int rc = -1;

    sample_print_flags(attrs, 1);
    if (s->ansi) {
        SecPkgContext_NamesA na = { NULL };
        SecPkgContext_NativeNamesA nn = { NULL, NULL };

        call = "QueryContextAttributesA(NAMES)";
        st = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &na);
        sample_trace(call, st);
        if (st != SEC_E_OK)
            goto fail;
        user = strdup(na.sUserName != NULL ? na.sUserName : "?");
        FreeContextBuffer(na.sUserName);
        call = "QueryContextAttributesA(NATIVE_NAMES)";
        st = QueryContextAttributesA(ctx, SECPKG_ATTR_NATIVE_NAMES, &nn);
        sample_trace(call, st);
        if (st == SEC_E_OK) {
            cname = strdup(nn.sClientName != NULL ? nn.sClientName : "?");
            sname = strdup(nn.sServerName != NULL ? nn.sServerName : "?");
            FreeContextBuffer(nn.sClientName);
            FreeContextBuffer(nn.sServerName);
        } else {
            sample_report(WHO, call, st);
        }
    } else {
        SecPkgContext_NamesW na = { NULL };
        SecPkgContext_NativeNamesW nn = { NULL, NULL };

        call = "QueryContextAttributesW(NAMES)";
        st = QueryContextAttributesW(ctx, SECPKG_ATTR_NAMES, &na);
        sample_trace(call, st);
        if (st != SEC_E_OK)
            goto fail;
        user = na.sUserName != NULL ? sample_utf8(na.sUserName)
                                    : strdup("?");
        FreeContextBuffer(na.sUserName);
        call = "QueryContextAttributesW(NATIVE_NAMES)";
        st = QueryContextAttributesW(ctx, SECPKG_ATTR_NATIVE_NAMES, &nn);
        sample_trace(call, st);
        if (st == SEC_E_OK) {
            cname = nn.sClientName != NULL ? sample_utf8(nn.sClientName)
                                           : strdup("?");
            sname = nn.sServerName != NULL ? sample_utf8(nn.sServerName)
                                           : strdup("?");
            FreeContextBuffer(nn.sClientName);
            FreeContextBuffer(nn.sServerName);
        } else {
            sample_report(WHO, call, st);
        }
    }
    printf("Accepted connection: \"%s\"\n", user != NULL ? user : "?");
    if (cname != NULL || sname != NULL)
        printf("\"%s\" to \"%s\", flags 0x%lx, remotely initiated\n",
               cname != NULL ? cname : "?", sname != NULL ? sname : "?",
               (unsigned long)attrs);

    call = s->ansi ? "QueryContextAttributesA(SIZES)"
                   : "QueryContextAttributesW(SIZES)";
    memset(sizes, 0, sizeof(*sizes));
    st = s->ansi ? QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, sizes)
                 : QueryContextAttributesW(ctx, SECPKG_ATTR_SIZES, sizes);
    sample_trace(call, st);
    if (st != SEC_E_OK)
        goto fail;
    rc = 0;
    goto out;
fail:
    sample_report(WHO, call, st);
out:
    free(user);
    free(cname);
    free(sname);
    return rc;
}

/*
 * Unwrap one gss wrap token with DecryptMessage([STREAM, DATA]): on
 * success *plain is DATA's pointer into tok (checked to lie within the
 * STREAM buffer), *plain_len its length, and *encrypted says whether the
 * sender encrypted (pfQOP != SECQOP_WRAP_NO_ENCRYPT). Returns 0 or -1.
 */
static int
server_unwrap(CtxtHandle *ctx, unsigned char *tok, size_t len,
              unsigned char **plain, size_t *plain_len, int *encrypted)
{
    SecBuffer b[2];
    SecBufferDesc desc = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st;
    ULONG qop = 0;
    unsigned char *p;

    *plain = NULL;
    *plain_len = 0;
    *encrypted = 0;
    b[0].cbBuffer = (ULONG)len;
    b[0].BufferType = SECBUFFER_STREAM;
    b[0].pvBuffer = tok;
    b[1].cbBuffer = 0;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = NULL;
    st = DecryptMessage(ctx, &desc, 0, &qop);
    sample_trace("DecryptMessage", st);
    if (st != SEC_E_OK) {
        sample_report(WHO, "DecryptMessage", st);
        return -1;
    }
    p = b[1].pvBuffer;
    if (b[1].cbBuffer > 0
        && (p == NULL || p < tok || p > tok + len
            || b[1].cbBuffer > (size_t)(tok + len - p))) {
        fprintf(stderr, "sspigss server: DecryptMessage left DATA (%lu "
                        "bytes) outside the STREAM buffer\n",
                (unsigned long)b[1].cbBuffer);
        return -1;
    }
    *plain = p;
    *plain_len = b[1].cbBuffer;
    *encrypted = qop != SECQOP_WRAP_NO_ENCRYPT;
    return 0;
}

/*
 * MakeSignature([DATA msg, TOKEN of cbMaxSignature]) and send the
 * TOKEN, at the size the call left it, as a MIC token (gss-server.c
 * sign_server: gss_get_mic). Returns 0 or -1.
 */
static int
server_send_mic(CtxtHandle *ctx, int fd, const SecPkgContext_Sizes *sizes,
                unsigned char *msg, size_t len)
{
    SecBuffer b[2];
    SecBufferDesc desc = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st;
    unsigned char *sig;
    int rc = -1;

    sig = malloc(sizes->cbMaxSignature > 0 ? sizes->cbMaxSignature : 1);
    if (sig == NULL) {
        fprintf(stderr, "sspigss server: out of memory\n");
        return -1;
    }
    b[0].cbBuffer = (ULONG)len;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = msg;
    b[1].cbBuffer = sizes->cbMaxSignature;
    b[1].BufferType = SECBUFFER_TOKEN;
    b[1].pvBuffer = sig;
    st = MakeSignature(ctx, 0, &desc, 0);
    sample_trace("MakeSignature", st);
    if (st != SEC_E_OK) {
        sample_report(WHO, "MakeSignature", st);
        goto out;
    }
    if (b[1].cbBuffer > sizes->cbMaxSignature || b[1].pvBuffer != sig) {
        fprintf(stderr, "sspigss server: MakeSignature returned a TOKEN "
                        "it was not given (%lu of %lu bytes)\n",
                (unsigned long)b[1].cbBuffer,
                (unsigned long)sizes->cbMaxSignature);
        goto out;
    }
    rc = sample_send_token(fd, SAMPLE_TOKEN_MIC, sig, b[1].cbBuffer);
out:
    free(sig);
    return rc;
}

/* One connection: gss-server.c sign_server. Returns 0 or -1. */
static int
server_serve(struct server *s, int fd)
{
    CtxtHandle ctx;
    SecPkgContext_Sizes sizes;
    unsigned char *tok = NULL, *msg;
    size_t len, msg_len;
    ULONG attrs = 0;
    int flags, have_ctx = 0, rc = -1, encrypted;

    memset(&ctx, 0, sizeof(ctx));
    memset(&sizes, 0, sizeof(sizes));
    if (sample_recv_token(fd, &flags, &tok, &len) < 0)
        goto out;
    free(tok);
    tok = NULL;
    if (!(flags & SAMPLE_TOKEN_NOOP)) {
        fprintf(stderr, "Expected NOOP token, got %d token instead\n",
                flags);
        goto out;
    }
    if (flags & SAMPLE_TOKEN_CONTEXT_NEXT) {
        if (server_establish(s, fd, &ctx, &have_ctx, &attrs) < 0)
            goto out;
        if (server_show(s, &ctx, attrs, &sizes) < 0)
            goto out;
    } else {
        printf("Accepted unauthenticated connection.\n");
    }

    for (;;) {
        if (sample_recv_token(fd, &flags, &tok, &len) < 0)
            goto out;
        if (flags & SAMPLE_TOKEN_NOOP) {
            printf("NOOP token\n");
            break;
        }
        if (s->verbose)
            printf("Message token (flags=%d, size=%zu)\n", flags, len);
        if (!have_ctx && (flags & (SAMPLE_TOKEN_WRAPPED
                                   | SAMPLE_TOKEN_ENCRYPTED
                                   | SAMPLE_TOKEN_SEND_MIC))) {
            fprintf(stderr, "Unauthenticated client requested "
                            "authenticated services!\n");
            goto out;
        }
        if (flags & SAMPLE_TOKEN_WRAPPED) {
            if (server_unwrap(&ctx, tok, len, &msg, &msg_len,
                              &encrypted) < 0)
                goto out;
            if (!encrypted && (flags & SAMPLE_TOKEN_ENCRYPTED))
                fprintf(stderr, "Warning!  Message not encrypted.\n");
            printf("Message protection: %s\n",
                   encrypted ? "encrypted"
                             : "integrity only (SECQOP_WRAP_NO_ENCRYPT)");
        } else {
            msg = tok;
            msg_len = len;
        }
        sample_print_message(msg, msg_len);
        if (flags & SAMPLE_TOKEN_SEND_MIC) {
            if (server_send_mic(&ctx, fd, &sizes, msg, msg_len) < 0)
                goto out;
        } else if (sample_send_token(fd, SAMPLE_TOKEN_NOOP, NULL, 0) < 0) {
            goto out;
        }
        free(tok);
        tok = NULL;
        fflush(stdout);
    }
    rc = 0;
out:
    free(tok);
    if (have_ctx) {
        SECURITY_STATUS st = DeleteSecurityContext(&ctx);

        sample_trace("DeleteSecurityContext", st);
    }
    fflush(stdout);
    return rc;
}

/* Write the port to the ready file through a temporary name and a
 * rename, so a reader never sees half a number. Returns 0 or -1. */
static int
server_write_ready(const char *path, unsigned port)
{
    char tmp[4096];
    FILE *fp;
    int n;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        fprintf(stderr, "sspigss server: ready file name too long\n");
        return -1;
    }
    fp = fopen(tmp, "w");
    if (fp == NULL) {
        fprintf(stderr, "sspigss server: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(fp, "%u\n", port);
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "sspigss server: writing %s: %s\n", path,
                strerror(errno));
        (void)unlink(tmp);
        return -1;
    }
    return 0;
}

static void
on_stop_signal(int sig)
{
    (void)sig;
    server_stop = 1;
}

/* SIGINT/SIGTERM interrupt accept() (no SA_RESTART) so the server can
 * free its credentials before it exits. */
static void
install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int
cmd_server(int argc, char **argv)
{
    struct server s;
    unsigned bound = 0;
    int lfd = -1, rc;

    memset(&s, 0, sizeof(s));
    rc = server_parse(argc, argv, &s);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    rc = 1;
    sample_set_verbose(s.verbose);
    if (s.principal_arg != NULL) {
        s.principal = strdup(s.principal_arg);
    } else if (strchr(s.service, '@') != NULL
               || strchr(s.service, '/') != NULL) {
        /* gss-server imports SERVICE as GSS_C_NT_HOSTBASED_SERVICE;
         * "svc@host" names the SPN "svc/host". */
        s.principal = sample_spn(s.service, NULL);
    }
    if ((s.principal_arg != NULL || strchr(s.service, '@') != NULL
         || strchr(s.service, '/') != NULL) && s.principal == NULL) {
        fprintf(stderr, "sspigss server: out of memory\n");
        goto out;
    }
    if (!s.allocate
        && sample_max_token(WHO, s.package, &s.max_token) != SEC_E_OK)
        goto out;
    if (server_acquire(&s) < 0)
        goto out;
    install_signals();
    lfd = sample_listen(s.port, &bound);
    if (lfd < 0)
        goto out;
    printf("Listening on 127.0.0.1 port %u as %s (package %s)\n", bound,
           s.principal != NULL ? s.principal : s.service, s.package);
    fflush(stdout);
    /* gss-server.c prints this once its socket listens. */
    fprintf(stderr, "starting...\n");
    if (s.ready_file != NULL && server_write_ready(s.ready_file, bound) < 0)
        goto out;

    rc = 0;
    while (!server_stop) {
        struct pollfd pfd = { .fd = lfd, .events = POLLIN };
        int fd;

        /* Wake up now and then: a signal that lands between the check
         * of server_stop and the wait must not leave us blocked. */
        if (poll(&pfd, 1, 500) <= 0)
            continue;
        fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "sspigss server: accepting connection: %s\n",
                    strerror(errno));
            rc = 1;
            break;
        }
        /* As gss-server, a failed connection does not stop the server;
         * with --once its result is the exit status. */
        if (server_serve(&s, fd) < 0)
            rc = 1;
        close(fd);
        if (s.once)
            break;
        rc = 0;
    }
out:
    if (lfd >= 0)
        close(lfd);
    server_clear(&s);
    return rc;
}
