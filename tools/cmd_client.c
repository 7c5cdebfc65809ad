/*
 * cmd_client.c - `sspigss client`: MIT's gss-client, written against the
 * SSPI API only.
 *
 * Speaks the protocol of MIT krb5's src/appl/gss-sample/gss-client.c
 * (call_server, client_establish_context) with framing from gss-misc.c
 * (tools/gss_sample.c), so it talks to MIT's gss-server and to
 * `sspigss server`:
 *
 *   -> NOOP|CONTEXT_NEXT (empty)               not in v1 mode
 *   -> CONTEXT token, <- CONTEXT token ...     until the context is made
 *   -> DATA|WRAPPED[|ENCRYPTED][|SEND_MIC]     the message, EncryptMessage'd
 *   <- MIC (MakeSignature of the plaintext)    or NOOP without SEND_MIC
 *   ... once per --mcount
 *   -> NOOP (empty)                            not in v1 mode
 *
 * EncryptMessage is called in Windows' layout: TOKEN (cbSecurityTrailer
 * bytes), DATA (the message, encrypted in place), PADDING (cbBlockSize).
 * TOKEN || DATA || PADDING, each at the size the call left it, is one RFC
 * 4121 wrap token, which gss-server's gss_unwrap accepts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sspigss/sspigss.h>
#include <sspigss/wincred.h>

#include "cli.h"
#include "gss_sample.h"

#define WHO "client"

struct client {
    /* from the command line */
    const char *host;
    const char *service;
    const char *msg_arg;
    const char *connect_to;
    const char *package;
    const char *user;
    const char *domain;
    const char *smartcard;      /* --smartcard: a certificate's SHA-1 */
    char *marshaled;            /* its CredMarshalCredentialA string */
    char *password;             /* our copy: wiped once used */
    unsigned port;
    long ccount;
    long mcount;
    int ansi;
    int mutual;
    int replay;
    int wrap;
    int crypt;
    int mic;
    int delegate;
    int v1;
    int auth;
    int allocate;
    int use_file;
    int verbose;
    /* derived */
    char *spn;                  /* target name, "service/host" */
    SEC_WCHAR *spn16;
    unsigned char *msg;         /* the message bytes (argv or file) */
    size_t msg_len;
    unsigned char *file_buf;
    ULONG max_token;            /* without ALLOCATE_MEMORY */
    CredHandle cred;
    int have_cred;
};

static void
client_help(FILE *fp)
{
    fputs("usage: sspigss client [options] HOST SERVICE MSG\n\n"
          "Mirrors MIT's gss-client (krb5 src/appl/gss-sample) using the "
          "SSPI API:\nauthenticates to a gss-server, sends MSG wrapped with "
          "EncryptMessage and\nchecks the server's MakeSignature of it with "
          "VerifySignature.\n\n"
          "SERVICE is \"svc@host\" (as for gss-client; becomes the SPN "
          "svc/host),\n\"svc/host\" (an SPN), or \"svc\" (SPN svc/HOST).\n\n"
          "options:\n"
          "  --port N          server port (default 4444)\n"
          "  --connect ADDR    connect to ADDR instead of HOST (HOST still "
          "names the\n"
          "                    service)\n"
          "  --package NAME    security package (default Kerberos)\n"
          "  --user U          explicit identity (SEC_WINNT_AUTH_IDENTITY)"
          "\n"
          "  --domain D        its domain (Kerberos realm)\n"
          "  --password P      its password (wiped after use)\n"
          "  --smartcard SHA1  smart card logon: the certificate whose "
          "SHA-1 hash (hex,\n"
          "                    colons allowed) is given, marshaled with\n"
          "                    CredMarshalCredential as the user "
          "(docs/pkinit.md)\n"
          "  --pin PIN         the card's PIN, as the password (wiped "
          "after use)\n"
          "  --ansi            use the A entry points (UTF-8); default W "
          "(UTF-16)\n"
          "  --no-mutual       no ISC_REQ_MUTUAL_AUTH (gss-client "
          "-nomutual)\n"
          "  --no-replay       no ISC_REQ_REPLAY_DETECT (-noreplay)\n"
          "  --delegate        ISC_REQ_DELEGATE (-d)\n"
          "  --no-wrap         send MSG in clear (-nw)\n"
          "  --no-crypt        sign only: SECQOP_WRAP_NO_ENCRYPT (-nx)\n"
          "  --no-mic          do not ask for a MIC (-nm)\n"
          "  --no-auth         no context at all (-na)\n"
          "  --v1              old framing without token flags (-v1)\n"
          "  --ccount N        connections, one context each (-ccount)\n"
          "  --mcount N        messages per connection (-mcount)\n"
          "  --file            MSG names a file to send (-f)\n"
          "  --no-allocate     own output buffers of cbMaxToken instead "
          "of\n"
          "                    ISC_REQ_ALLOCATE_MEMORY\n"
          "  --verbose         print each SSPI call and its status\n\n"
          "Exit status: 0 success, 1 failure (the SEC_E_ code is printed), "
          "2 bad usage.\n",
          fp);
}

/* Free everything a client holds; wipes the password. */
static void
client_clear(struct client *c)
{
    if (c->have_cred) {
        SECURITY_STATUS st = FreeCredentialsHandle(&c->cred);

        sample_trace("FreeCredentialsHandle", st);
        c->have_cred = 0;
    }
    sample_wipe_str(c->password);
    free(c->password);
    c->password = NULL;
    CredFree(c->marshaled);
    c->marshaled = NULL;
    free(c->spn);
    c->spn = NULL;
    free(c->spn16);
    c->spn16 = NULL;
    free(c->file_buf);
    c->file_buf = NULL;
}

/*
 * --smartcard: the certificate's SHA-1 hash as Windows code names a smart
 * card certificate where a user name goes, CredMarshalCredential's
 * "@@B..." string (c->marshaled). Returns 0, or 2 (reported).
 */
static int
client_marshal(struct client *c)
{
    CERT_CREDENTIAL_INFO info;
    const char *p = c->smartcard;
    size_t n = 0;

    memset(&info, 0, sizeof(info));
    info.cbSize = sizeof(info);
    while (*p != '\0' && n < CERT_HASH_LENGTH) {
        unsigned hi, lo;

        if (*p == ':' || *p == ' ') {
            p++;
            continue;
        }
        if (sscanf(p, "%1x%1x", &hi, &lo) != 2)
            break;
        info.rgbHashOfCert[n++] = (UCHAR)(hi << 4 | lo);
        p += 2;
    }
    if (n != CERT_HASH_LENGTH || *p != '\0')
        return cli_usage_error("client: --smartcard wants 20 bytes in "
                               "hex (a SHA-1 hash)");
    if (!CredMarshalCredentialA(CertCredential, &info, &c->marshaled)) {
        fprintf(stderr, "sspigss: client: CredMarshalCredentialA failed\n");
        return 2;
    }
    if (c->verbose)
        printf("CredMarshalCredentialA(CertCredential) -> %s\n",
               c->marshaled);
    return 0;
}

/*
 * Parse the command line into *c. Returns 0 to go on, 1 when --help was
 * printed, 2 on bad usage (message printed). The password argument is
 * copied and wiped in argv, so that it does not linger in /proc.
 */
static int
client_parse(int argc, char **argv, struct client *c)
{
    const char *pos[3], *v;
    int i, npos = 0, r;

    c->port = SAMPLE_DEFAULT_PORT;
    c->package = "Kerberos";
    c->ccount = 1;
    c->mcount = 1;
    c->mutual = c->replay = c->wrap = c->crypt = c->mic = 1;
    c->auth = c->allocate = 1;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            client_help(stdout);
            return 1;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (npos == 3)
                return cli_usage_error("client: unexpected argument '%s' "
                                       "(see sspigss client --help)", a);
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (npos == 3)
                    return cli_usage_error("client: unexpected argument "
                                           "'%s'", argv[i]);
                pos[npos++] = argv[i];
            }
            break;
        }
        if ((r = sample_opt_value(argc, argv, &i, "--port", &v)) != 0) {
            if (r < 0 || sample_parse_port(v, 0, &c->port) < 0)
                return cli_usage_error("client: --port wants 1..65535");
        } else if ((r = sample_opt_value(argc, argv, &i, "--connect",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("client: --connect wants an "
                                       "address");
            c->connect_to = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--package",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("client: --package wants a name");
            c->package = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--user",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("client: --user wants a name");
            c->user = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--domain",
                                         &v)) != 0) {
            if (r < 0)
                return 2;
            c->domain = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--smartcard",
                                         &v)) != 0) {
            if (r < 0 || *v == '\0')
                return cli_usage_error("client: --smartcard wants a "
                                       "SHA-1 hash");
            c->smartcard = v;
        } else if ((r = sample_opt_value(argc, argv, &i, "--password",
                                         &v)) != 0
                   || (r = sample_opt_value(argc, argv, &i, "--pin",
                                            &v)) != 0) {
            if (r < 0)
                return 2;
            if (c->password != NULL) {
                sample_wipe_str(c->password);
                free(c->password);
            }
            c->password = strdup(v);
            sample_wipe_str((char *)v);
            if (c->password == NULL) {
                fprintf(stderr, "sspigss: client: out of memory\n");
                return 2;
            }
        } else if ((r = sample_opt_value(argc, argv, &i, "--ccount",
                                         &v)) != 0) {
            if (r < 0 || sample_parse_count(v, 1, &c->ccount) < 0)
                return cli_usage_error("client: --ccount wants 1 or more");
        } else if ((r = sample_opt_value(argc, argv, &i, "--mcount",
                                         &v)) != 0) {
            if (r < 0 || sample_parse_count(v, 0, &c->mcount) < 0)
                return cli_usage_error("client: --mcount wants 0 or more");
        } else if (strcmp(a, "--ansi") == 0) {
            c->ansi = 1;
        } else if (strcmp(a, "--no-mutual") == 0) {
            c->mutual = 0;
        } else if (strcmp(a, "--no-replay") == 0) {
            c->replay = 0;
        } else if (strcmp(a, "--delegate") == 0) {
            c->delegate = 1;
        } else if (strcmp(a, "--no-wrap") == 0) {
            c->wrap = 0;
        } else if (strcmp(a, "--no-crypt") == 0) {
            c->crypt = 0;
        } else if (strcmp(a, "--no-mic") == 0) {
            c->mic = 0;
        } else if (strcmp(a, "--no-auth") == 0) {
            /* gss-client.c -na: no context, hence no protection. */
            c->auth = c->wrap = c->crypt = c->mic = 0;
        } else if (strcmp(a, "--v1") == 0) {
            c->v1 = 1;
        } else if (strcmp(a, "--file") == 0) {
            c->use_file = 1;
        } else if (strcmp(a, "--no-allocate") == 0) {
            c->allocate = 0;
        } else if (strcmp(a, "--verbose") == 0) {
            c->verbose = 1;
        } else {
            return cli_usage_error("client: unknown option '%s' "
                                   "(see sspigss client --help)", a);
        }
    }
    if (npos != 3) {
        client_help(stderr);
        return 2;
    }
    c->host = pos[0];
    c->service = pos[1];
    c->msg_arg = pos[2];
    if (c->host[0] == '\0' || c->service[0] == '\0')
        return cli_usage_error("client: HOST and SERVICE must not be "
                               "empty");
    if (c->smartcard != NULL) {
        if (c->user != NULL || c->domain != NULL)
            return cli_usage_error("client: --smartcard names the user "
                                   "(the certificate's)");
        if (client_marshal(c) != 0)
            return 2;
        c->user = c->marshaled;
    }
    if ((c->domain != NULL || c->password != NULL) && c->user == NULL)
        return cli_usage_error("client: --domain and --password go with "
                               "--user");
    if (!c->auth && (c->user != NULL || c->delegate))
        return cli_usage_error("client: --no-auth makes no context; "
                               "--user and --delegate do not apply");
    if (c->connect_to == NULL)
        c->connect_to = c->host;
    return 0;
}

/* Read the whole message file (gss-client.c read_file). Returns 0/-1. */
static int
client_read_file(struct client *c)
{
    FILE *fp = NULL;
    size_t cap = 4096, n = 0, got;
    unsigned char *buf = NULL, *nbuf;
    int rc = -1;

    fp = fopen(c->msg_arg, "rb");
    if (fp == NULL) {
        fprintf(stderr, "sspigss client: %s: %s\n", c->msg_arg,
                strerror(errno));
        goto out;
    }
    buf = malloc(cap);
    if (buf == NULL)
        goto nomem;
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            if (cap >= SAMPLE_MAX_TOKEN / 2) {
                fprintf(stderr, "sspigss client: %s: larger than %lu "
                                "bytes\n", c->msg_arg,
                        SAMPLE_MAX_TOKEN / 2);
                goto out;
            }
            nbuf = realloc(buf, cap * 2);
            if (nbuf == NULL)
                goto nomem;
            buf = nbuf;
            cap *= 2;
        }
    }
    if (ferror(fp)) {
        fprintf(stderr, "sspigss client: reading %s failed\n", c->msg_arg);
        goto out;
    }
    c->file_buf = buf;
    c->msg = buf;
    c->msg_len = n;
    buf = NULL;
    rc = 0;
    goto out;
nomem:
    fprintf(stderr, "sspigss client: out of memory\n");
out:
    free(buf);
    if (fp != NULL)
        fclose(fp);
    return rc;
}

/*
 * AcquireCredentialsHandle(OUTBOUND): the default credentials (the
 * ccache) or, with --user, a SEC_WINNT_AUTH_IDENTITY_W (or _A with
 * --ansi). The password is wiped from every copy afterwards, whatever the
 * result. Returns 0 or -1 (reported).
 */
static int
client_acquire(struct client *c)
{
    SEC_WINNT_AUTH_IDENTITY_W idw;
    SEC_WINNT_AUTH_IDENTITY_A ida;
    SEC_WCHAR *pkg16 = NULL, *user16 = NULL, *dom16 = NULL, *pw16 = NULL;
    ULONG pw16_len = 0;
    void *auth = NULL;
    TimeStamp expiry;
    SECURITY_STATUS st;
    const char *call;
    int rc = -1;

    memset(&idw, 0, sizeof(idw));
    memset(&ida, 0, sizeof(ida));
    if (c->ansi) {
        call = "AcquireCredentialsHandleA";
        if (c->user != NULL) {
            ida.User = (unsigned char *)c->user;
            ida.UserLength = (ULONG)strlen(c->user);
            if (c->domain != NULL) {
                ida.Domain = (unsigned char *)c->domain;
                ida.DomainLength = (ULONG)strlen(c->domain);
            }
            if (c->password != NULL) {
                ida.Password = (unsigned char *)c->password;
                ida.PasswordLength = (ULONG)strlen(c->password);
            }
            ida.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
            auth = &ida;
        }
        st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)c->package,
                                       SECPKG_CRED_OUTBOUND, NULL, auth,
                                       NULL, NULL, &c->cred, &expiry);
    } else {
        call = "AcquireCredentialsHandleW";
        pkg16 = sample_utf16(c->package, NULL);
        if (pkg16 == NULL)
            goto badstr;
        if (c->user != NULL) {
            user16 = sample_utf16(c->user, &idw.UserLength);
            if (user16 == NULL)
                goto badstr;
            idw.User = (unsigned short *)user16;
            if (c->domain != NULL) {
                dom16 = sample_utf16(c->domain, &idw.DomainLength);
                if (dom16 == NULL)
                    goto badstr;
                idw.Domain = (unsigned short *)dom16;
            }
            if (c->password != NULL) {
                pw16 = sample_utf16(c->password, &pw16_len);
                if (pw16 == NULL)
                    goto badstr;
                idw.Password = (unsigned short *)pw16;
                idw.PasswordLength = pw16_len;
            }
            idw.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
            auth = &idw;
        }
        st = AcquireCredentialsHandleW(NULL, pkg16, SECPKG_CRED_OUTBOUND,
                                       NULL, auth, NULL, NULL, &c->cred,
                                       &expiry);
    }
    sample_trace(call, st);
    if (st != SEC_E_OK) {
        sample_report(WHO, call, st);
        goto out;
    }
    c->have_cred = 1;
    rc = 0;
    goto out;
badstr:
    fprintf(stderr, "sspigss client: package or identity is not valid "
                    "UTF-8 (or out of memory)\n");
out:
    /* The library keeps its own copy; ours go now (DESIGN: wipe secrets). */
    if (pw16 != NULL)
        sample_wipe(pw16, pw16_len * sizeof(*pw16));
    sample_wipe_str(c->password);
    sample_wipe(&idw, sizeof(idw));
    sample_wipe(&ida, sizeof(ida));
    free(pw16);
    free(dom16);
    free(user16);
    free(pkg16);
    return rc;
}

/*
 * The InitializeSecurityContext loop of gss-client.c
 * client_establish_context: every output token goes to the server as a
 * CONTEXT token (sent even when the call failed, as gss-client does, so
 * the server sees an error token); CONTINUE_NEEDED means the server has
 * a token for us. *have_ctx is set once a context handle exists, so the
 * caller deletes it whatever happens. Returns 0 or -1 (reported).
 */
static int
client_establish(struct client *c, int fd, CtxtHandle *ctx, int *have_ctx,
                 ULONG *attrs)
{
    const char *call = c->ansi ? "InitializeSecurityContextA"
                               : "InitializeSecurityContextW";
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
                | ISC_REQ_SEQUENCE_DETECT;
    unsigned char *in = NULL;
    size_t in_len = 0;
    SECURITY_STATUS st;
    TimeStamp expiry;
    int rc = -1, flags, more = 0;

    if (c->mutual)
        req |= ISC_REQ_MUTUAL_AUTH;
    if (c->replay)
        req |= ISC_REQ_REPLAY_DETECT;
    if (c->delegate)
        req |= ISC_REQ_DELEGATE;
    if (c->allocate)
        req |= ISC_REQ_ALLOCATE_MEMORY;

    do {
        SecBuffer inb = { 0, SECBUFFER_TOKEN, NULL };
        SecBuffer outb = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc ind = { SECBUFFER_VERSION, 1, &inb };
        SecBufferDesc outd = { SECBUFFER_VERSION, 1, &outb };
        void *own = NULL;
        int send_rc = 0;

        inb.cbBuffer = (ULONG)in_len;
        inb.pvBuffer = in;
        if (!c->allocate) {
            own = malloc(c->max_token > 0 ? c->max_token : 1);
            if (own == NULL) {
                fprintf(stderr, "sspigss client: out of memory\n");
                goto out;
            }
            outb.cbBuffer = c->max_token;
            outb.pvBuffer = own;
        }
        if (c->ansi)
            st = InitializeSecurityContextA(
                &c->cred, *have_ctx ? ctx : NULL, (SEC_CHAR *)c->spn, req,
                0, SECURITY_NATIVE_DREP, *have_ctx ? &ind : NULL, 0, ctx,
                &outd, attrs, &expiry);
        else
            st = InitializeSecurityContextW(
                &c->cred, *have_ctx ? ctx : NULL, c->spn16, req, 0,
                SECURITY_NATIVE_DREP, *have_ctx ? &ind : NULL, 0, ctx,
                &outd, attrs, &expiry);
        sample_trace(call, st);
        if (st < 0)
            sample_report(WHO, call, st);
        else
            *have_ctx = 1;
        free(in);
        in = NULL;
        /* The token is finished before it is sent (Microsoft docs,
         * CompleteAuthToken). */
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
            if (c->verbose)
                printf("Sending init_sec_context token (size=%lu)\n",
                       (unsigned long)outb.cbBuffer);
            send_rc = sample_send_token(fd, c->v1 ? 0 : SAMPLE_TOKEN_CONTEXT,
                                        outb.pvBuffer, outb.cbBuffer);
        }
        if (c->allocate && outb.pvBuffer != NULL)
            FreeContextBuffer(outb.pvBuffer);
        free(own);
        if (st < 0 || send_rc < 0)
            goto out;

        more = st == SEC_I_CONTINUE_NEEDED
               || st == SEC_I_COMPLETE_AND_CONTINUE;
        if (!more && st != SEC_E_OK && st != SEC_I_COMPLETE_NEEDED) {
            fprintf(stderr, "sspigss client: %s returned %s (0x%08X), "
                            "which this program does not handle\n", call,
                    sspigss_status_name(st), (unsigned)st);
            goto out;
        }
        if (more) {
            if (c->verbose)
                printf("continue needed...\n");
            if (sample_recv_token(fd, &flags, &in, &in_len) < 0)
                goto out;
        }
    } while (more);
    rc = 0;
out:
    free(in);
    return rc;
}

/* Print a UTF-16 name returned by the W API (converted) or "?" when it
 * is missing or malformed. */
static void
print_name16(const char *label, const SEC_WCHAR *w)
{
    char *s = w != NULL ? sample_utf8(w) : NULL;

    printf("%s\"%s\"", label, s != NULL ? s : "?");
    free(s);
}

/*
 * After establishment: the context flags (gss-misc.c display_ctx_flags)
 * and who is talking to whom (gss-client.c call_server prints
 * gss_inquire_context's names), from QueryContextAttributes NAMES and
 * NATIVE_NAMES; SIZES goes to *sizes for EncryptMessage. NATIVE_NAMES is
 * informational: its failure is reported but does not fail the run.
 * Returns 0 or -1 (reported).
 */
static int
client_show(struct client *c, CtxtHandle *ctx, ULONG attrs,
            SecPkgContext_Sizes *sizes)
{
    const char *qca = c->ansi ? "QueryContextAttributesA(SIZES)"
                              : "QueryContextAttributesW(SIZES)";
    SECURITY_STATUS st;

    sample_print_flags(attrs, 0);
    memset(sizes, 0, sizeof(*sizes));
    st = c->ansi ? QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, sizes)
                 : QueryContextAttributesW(ctx, SECPKG_ATTR_SIZES, sizes);
    sample_trace(qca, st);
    if (st != SEC_E_OK) {
        sample_report(WHO, qca, st);
        return -1;
    }
    printf("Sizes: max token %lu, max signature %lu, block size %lu, "
           "security trailer %lu\n", (unsigned long)sizes->cbMaxToken,
           (unsigned long)sizes->cbMaxSignature,
           (unsigned long)sizes->cbBlockSize,
           (unsigned long)sizes->cbSecurityTrailer);

    if (c->ansi) {
        SecPkgContext_NamesA na = { NULL };
        SecPkgContext_NativeNamesA nn = { NULL, NULL };

        st = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &na);
        sample_trace("QueryContextAttributesA(NAMES)", st);
        if (st != SEC_E_OK) {
            sample_report(WHO, "QueryContextAttributesA(NAMES)", st);
            return -1;
        }
        printf("Context user: \"%s\"\n",
               na.sUserName != NULL ? na.sUserName : "?");
        FreeContextBuffer(na.sUserName);
        st = QueryContextAttributesA(ctx, SECPKG_ATTR_NATIVE_NAMES, &nn);
        sample_trace("QueryContextAttributesA(NATIVE_NAMES)", st);
        if (st != SEC_E_OK) {
            sample_report(WHO, "QueryContextAttributesA(NATIVE_NAMES)", st);
            return 0;
        }
        printf("\"%s\" to \"%s\", flags 0x%lx, locally initiated\n",
               nn.sClientName != NULL ? nn.sClientName : "?",
               nn.sServerName != NULL ? nn.sServerName : "?",
               (unsigned long)attrs);
        FreeContextBuffer(nn.sClientName);
        FreeContextBuffer(nn.sServerName);
    } else {
        SecPkgContext_NamesW na = { NULL };
        SecPkgContext_NativeNamesW nn = { NULL, NULL };

        st = QueryContextAttributesW(ctx, SECPKG_ATTR_NAMES, &na);
        sample_trace("QueryContextAttributesW(NAMES)", st);
        if (st != SEC_E_OK) {
            sample_report(WHO, "QueryContextAttributesW(NAMES)", st);
            return -1;
        }
        print_name16("Context user: ", na.sUserName);
        putchar('\n');
        FreeContextBuffer(na.sUserName);
        st = QueryContextAttributesW(ctx, SECPKG_ATTR_NATIVE_NAMES, &nn);
        sample_trace("QueryContextAttributesW(NATIVE_NAMES)", st);
        if (st != SEC_E_OK) {
            sample_report(WHO, "QueryContextAttributesW(NATIVE_NAMES)", st);
            return 0;
        }
        print_name16("", nn.sClientName);
        print_name16(" to ", nn.sServerName);
        printf(", flags 0x%lx, locally initiated\n", (unsigned long)attrs);
        FreeContextBuffer(nn.sClientName);
        FreeContextBuffer(nn.sServerName);
    }
    return 0;
}

/*
 * EncryptMessage in Windows' layout, into one gss wrap token:
 * [TOKEN cbSecurityTrailer][DATA message][PADDING cbBlockSize] in one
 * allocation; after the call the pieces, at their final cbBuffer, are
 * moved together. *wire (malloc'd) and *wire_len receive the token.
 * Returns 0 or -1 (reported).
 */
static int
client_wrap(struct client *c, CtxtHandle *ctx,
            const SecPkgContext_Sizes *sizes, unsigned char **wire,
            size_t *wire_len)
{
    size_t trailer = sizes->cbSecurityTrailer, block = sizes->cbBlockSize;
    size_t total = trailer + c->msg_len + block, t, d, p;
    unsigned char *buf;
    SecBuffer b[3];
    SecBufferDesc desc = { SECBUFFER_VERSION, 3, b };
    SECURITY_STATUS st;

    *wire = NULL;
    *wire_len = 0;
    buf = malloc(total > 0 ? total : 1);
    if (buf == NULL) {
        fprintf(stderr, "sspigss client: out of memory\n");
        return -1;
    }
    if (c->msg_len > 0)
        memcpy(buf + trailer, c->msg, c->msg_len);
    b[0].cbBuffer = (ULONG)trailer;
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].pvBuffer = buf;
    b[1].cbBuffer = (ULONG)c->msg_len;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = buf + trailer;
    b[2].cbBuffer = (ULONG)block;
    b[2].BufferType = SECBUFFER_PADDING;
    b[2].pvBuffer = buf + trailer + c->msg_len;
    st = EncryptMessage(ctx, c->crypt ? 0 : SECQOP_WRAP_NO_ENCRYPT, &desc, 0);
    sample_trace("EncryptMessage", st);
    if (st != SEC_E_OK) {
        sample_report(WHO, "EncryptMessage", st);
        goto fail;
    }
    t = b[0].cbBuffer;
    d = b[1].cbBuffer;
    p = b[2].cbBuffer;
    /* Windows shrinks TOKEN and PADDING to what it wrote and never moves
     * or grows a buffer; anything else would be a library bug. */
    if (t > trailer || d != c->msg_len || p > block
        || b[0].pvBuffer != buf || b[1].pvBuffer != buf + trailer
        || b[2].pvBuffer != buf + trailer + c->msg_len) {
        fprintf(stderr, "sspigss client: EncryptMessage returned buffers "
                        "it was not given (token %lu/%zu, data %lu/%zu, "
                        "padding %lu/%zu)\n", (unsigned long)t, trailer,
                (unsigned long)d, c->msg_len, (unsigned long)p, block);
        goto fail;
    }
    if (c->verbose)
        printf("Wrapped: token %zu + data %zu + padding %zu bytes\n", t, d,
               p);
    memmove(buf + t, buf + trailer, d);
    memmove(buf + t + d, buf + trailer + c->msg_len, p);
    *wire = buf;
    *wire_len = t + d + p;
    return 0;
fail:
    free(buf);
    return -1;
}

/* VerifySignature([DATA plaintext, TOKEN mic]). Returns 0 or -1. */
static int
client_verify(struct client *c, CtxtHandle *ctx, unsigned char *mic,
              size_t mic_len)
{
    SecBuffer b[2];
    SecBufferDesc desc = { SECBUFFER_VERSION, 2, b };
    SECURITY_STATUS st;
    ULONG qop = 0;

    b[0].cbBuffer = (ULONG)c->msg_len;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = c->msg;
    b[1].cbBuffer = (ULONG)mic_len;
    b[1].BufferType = SECBUFFER_TOKEN;
    b[1].pvBuffer = mic;
    st = VerifySignature(ctx, &desc, 0, &qop);
    sample_trace("VerifySignature", st);
    if (st != SEC_E_OK) {
        sample_report(WHO, "VerifySignature", st);
        return -1;
    }
    return 0;
}

/* One connection of gss-client.c call_server. Returns 0 or -1. */
static int
client_call(struct client *c)
{
    CtxtHandle ctx;
    SecPkgContext_Sizes sizes;
    unsigned char *wire = NULL, *reply = NULL;
    size_t wire_len, reply_len;
    ULONG attrs = 0;
    long m;
    int fd, have_ctx = 0, rc = -1, flags;

    memset(&ctx, 0, sizeof(ctx));
    memset(&sizes, 0, sizeof(sizes));
    fd = sample_connect(c->connect_to, c->port);
    if (fd < 0)
        goto out;

    if (!c->auth) {
        if (sample_send_token(fd, SAMPLE_TOKEN_NOOP, NULL, 0) < 0)
            goto out;
    } else {
        if (!c->v1 && sample_send_token(fd, SAMPLE_TOKEN_NOOP
                                        | SAMPLE_TOKEN_CONTEXT_NEXT,
                                        NULL, 0) < 0)
            goto out;
        if (client_establish(c, fd, &ctx, &have_ctx, &attrs) < 0)
            goto out;
        if (client_show(c, &ctx, attrs, &sizes) < 0)
            goto out;
        if (c->crypt && !(attrs & ISC_RET_CONFIDENTIALITY))
            fprintf(stderr, "Warning!  Message not encrypted: the context "
                            "has no ISC_RET_CONFIDENTIALITY.\n");
    }

    for (m = 0; m < c->mcount; m++) {
        const unsigned char *out = c->msg;
        size_t out_len = c->msg_len;

        if (c->wrap) {
            if (client_wrap(c, &ctx, &sizes, &wire, &wire_len) < 0)
                goto out;
            out = wire;
            out_len = wire_len;
        }
        flags = SAMPLE_TOKEN_DATA | (c->wrap ? SAMPLE_TOKEN_WRAPPED : 0)
                | (c->crypt ? SAMPLE_TOKEN_ENCRYPTED : 0)
                | (c->mic ? SAMPLE_TOKEN_SEND_MIC : 0);
        if (sample_send_token(fd, c->v1 ? 0 : flags, out, out_len) < 0)
            goto out;
        free(wire);
        wire = NULL;

        if (sample_recv_token(fd, &flags, &reply, &reply_len) < 0)
            goto out;
        if (c->mic) {
            if (client_verify(c, &ctx, reply, reply_len) < 0)
                goto out;
            printf("Signature verified.\n");
        } else {
            printf("Response received.\n");
        }
        free(reply);
        reply = NULL;
    }
    if (!c->v1)
        (void)sample_send_token(fd, SAMPLE_TOKEN_NOOP, NULL, 0);
    rc = 0;
out:
    free(wire);
    free(reply);
    if (have_ctx) {
        SECURITY_STATUS st = DeleteSecurityContext(&ctx);

        sample_trace("DeleteSecurityContext", st);
    }
    if (fd >= 0)
        close(fd);
    fflush(stdout);
    return rc;
}

int
cmd_client(int argc, char **argv)
{
    struct client c;
    long i;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = client_parse(argc, argv, &c);
    if (rc != 0) {
        client_clear(&c);
        return rc == 1 ? 0 : 2;
    }
    rc = 1;
    sample_set_verbose(c.verbose);
    /* SERVICE is gss-client's host-based name; Windows wants an SPN. */
    c.spn = sample_spn(c.service, c.host);
    if (c.spn == NULL) {
        fprintf(stderr, "sspigss client: out of memory\n");
        goto out;
    }
    if (!c.ansi) {
        c.spn16 = sample_utf16(c.spn, NULL);
        if (c.spn16 == NULL) {
            fprintf(stderr, "sspigss client: SERVICE is not valid UTF-8\n");
            goto out;
        }
    }
    if (c.use_file) {
        if (client_read_file(&c) < 0)
            goto out;
    } else {
        c.msg = (unsigned char *)c.msg_arg;
        c.msg_len = strlen(c.msg_arg);
    }
    if (c.verbose)
        printf("Target %s, package %s, %s API\n", c.spn, c.package,
               c.ansi ? "A (UTF-8)" : "W (UTF-16)");
    if (c.auth) {
        if (!c.allocate
            && sample_max_token(WHO, c.package, &c.max_token) != SEC_E_OK)
            goto out;
        if (client_acquire(&c) < 0)
            goto out;
    }
    for (i = 0; i < c.ccount; i++)
        if (client_call(&c) < 0)
            goto out;
    rc = 0;
out:
    client_clear(&c);
    return rc;
}
