/*
 * tokenloop.c - an in-process client <-> server handshake (tokenloop.h).
 */
#include "setup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenloop.h"

#define DEFAULT_TOKEN_SIZE 65536

static SECURITY_STATUS
loop_fail(struct tokenloop *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static SECURITY_STATUS
loop_fail(struct tokenloop *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->error, sizeof(t->error), fmt, ap);
    va_end(ap);
    return SEC_E_INTERNAL_ERROR;
}

/* Input descriptor of one call: the peer's token (if any), then the
 * channel bindings (if any). */
static void
build_input(SecBufferDesc *desc, SecBuffer *b, const unsigned char *tok,
            ULONG tok_len, const void *cb, ULONG cb_len)
{
    ULONG n = 0;

    if (tok != NULL) {
        b[n].BufferType = SECBUFFER_TOKEN;
        b[n].cbBuffer = tok_len;
        b[n].pvBuffer = (void *)tok;
        n++;
    }
    if (cb != NULL) {
        b[n].BufferType = SECBUFFER_CHANNEL_BINDINGS;
        b[n].cbBuffer = cb_len;
        b[n].pvBuffer = (void *)cb;
        n++;
    }
    desc->ulVersion = SECBUFFER_VERSION;
    desc->cBuffers = n;
    desc->pBuffers = b;
}

/*
 * Record a call's output token in a new leg: copy it, and hand an
 * allocated one back with FreeContextBuffer. Returns SEC_E_OK or the
 * loop's own failure.
 */
static SECURITY_STATUS
record_leg(struct tokenloop *t, bool client, SECURITY_STATUS st,
           ULONG attrs, TimeStamp expiry, SecBuffer *out, bool allocated)
{
    struct tokenloop_leg *leg = &t->legs[t->nlegs++];

    leg->client = client;
    leg->status = st;
    leg->attrs = attrs;
    leg->expiry = expiry;
    if (SEC_SUCCESS(st) && out->cbBuffer > 0 && out->pvBuffer != NULL) {
        leg->token = malloc(out->cbBuffer);
        if (leg->token == NULL)
            return loop_fail(t, "out of memory");
        memcpy(leg->token, out->pvBuffer, out->cbBuffer);
        leg->token_len = out->cbBuffer;
    }
    if (allocated && out->pvBuffer != NULL) {
        SECURITY_STATUS fr = FreeContextBuffer(out->pvBuffer);

        out->pvBuffer = NULL;
        if (fr != SEC_E_OK)
            return loop_fail(t, "FreeContextBuffer of the %s token: 0x%08X",
                             client ? "client" : "server", (unsigned)fr);
    }
    return SEC_E_OK;
}

/* After SEC_I_COMPLETE_NEEDED / SEC_I_COMPLETE_AND_CONTINUE the caller
 * must call CompleteAuthToken; the status becomes OK / CONTINUE. */
static SECURITY_STATUS
complete_if_needed(CtxtHandle *ctx, SecBufferDesc *out, SECURITY_STATUS st)
{
    SECURITY_STATUS c;

    if (st != SEC_I_COMPLETE_NEEDED && st != SEC_I_COMPLETE_AND_CONTINUE)
        return st;
    c = CompleteAuthToken(ctx, out);
    if (c != SEC_E_OK)
        return c;
    return st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
}

static SECURITY_STATUS
client_step(CredHandle *cred, const struct tokenloop_opts *o,
            struct tokenloop *t, const unsigned char *in, ULONG in_len,
            WCHAR *wtarget, unsigned char *scratch, ULONG scratch_len,
            SECURITY_STATUS *status)
{
    bool alloc = (o->isc_req & ISC_REQ_ALLOCATE_MEMORY) != 0;
    SecBuffer inb[2], outb[1];
    SecBufferDesc indesc, outdesc;
    CtxtHandle newctx;
    ULONG attrs = 0;
    TimeStamp expiry = { 0 };
    SECURITY_STATUS st;
    bool first = !t->have_client;

    build_input(&indesc, inb, in, in_len, o->bindings, o->bindings_len);
    outb[0].BufferType = SECBUFFER_TOKEN;
    outb[0].cbBuffer = alloc ? 0 : scratch_len;
    outb[0].pvBuffer = alloc ? NULL : scratch;
    outdesc.ulVersion = SECBUFFER_VERSION;
    outdesc.cBuffers = 1;
    outdesc.pBuffers = outb;
    memset(&newctx, 0, sizeof(newctx));
    if (o->wide)
        st = InitializeSecurityContextW(cred, first ? NULL : &t->client,
                                        wtarget, o->isc_req, 0,
                                        SECURITY_NATIVE_DREP,
                                        indesc.cBuffers ? &indesc : NULL, 0,
                                        &newctx, &outdesc, &attrs, &expiry);
    else
        st = InitializeSecurityContextA(cred, first ? NULL : &t->client,
                                        (SEC_CHAR *)o->target, o->isc_req,
                                        0, SECURITY_NATIVE_DREP,
                                        indesc.cBuffers ? &indesc : NULL, 0,
                                        &newctx, &outdesc, &attrs, &expiry);
    if (SEC_SUCCESS(st) && first) {
        t->client = newctx;
        t->have_client = true;
    }
    if (SEC_SUCCESS(st))
        st = complete_if_needed(&t->client, &outdesc, st);
    *status = st;
    if (SEC_SUCCESS(st)) {
        t->isc_attrs = attrs;
        t->isc_expiry = expiry;
    }
    return record_leg(t, true, st, attrs, expiry, &outb[0],
                      alloc && SEC_SUCCESS(st));
}

static SECURITY_STATUS
server_step(CredHandle *cred, const struct tokenloop_opts *o,
            struct tokenloop *t, const unsigned char *in, ULONG in_len,
            unsigned char *scratch, ULONG scratch_len,
            SECURITY_STATUS *status)
{
    bool alloc = (o->asc_req & ASC_REQ_ALLOCATE_MEMORY) != 0;
    const void *cb = o->server_bindings != NULL ? o->server_bindings
                                                : o->bindings;
    ULONG cb_len = o->server_bindings != NULL ? o->server_bindings_len
                                              : o->bindings_len;
    SecBuffer inb[2], outb[1];
    SecBufferDesc indesc, outdesc;
    CtxtHandle newctx;
    ULONG attrs = 0;
    TimeStamp expiry = { 0 };
    SECURITY_STATUS st;
    bool first = !t->have_server;

    build_input(&indesc, inb, in, in_len, cb, cb_len);
    outb[0].BufferType = SECBUFFER_TOKEN;
    outb[0].cbBuffer = alloc ? 0 : scratch_len;
    outb[0].pvBuffer = alloc ? NULL : scratch;
    outdesc.ulVersion = SECBUFFER_VERSION;
    outdesc.cBuffers = 1;
    outdesc.pBuffers = outb;
    memset(&newctx, 0, sizeof(newctx));
    st = AcceptSecurityContext(cred, first ? NULL : &t->server, &indesc,
                               o->asc_req, SECURITY_NATIVE_DREP, &newctx,
                               &outdesc, &attrs, &expiry);
    if (SEC_SUCCESS(st) && first) {
        t->server = newctx;
        t->have_server = true;
    }
    if (SEC_SUCCESS(st))
        st = complete_if_needed(&t->server, &outdesc, st);
    *status = st;
    if (SEC_SUCCESS(st)) {
        t->asc_attrs = attrs;
        t->asc_expiry = expiry;
    }
    return record_leg(t, false, st, attrs, expiry, &outb[0],
                      alloc && SEC_SUCCESS(st));
}

SECURITY_STATUS
tokenloop_run(CredHandle *client_cred, CredHandle *server_cred,
              const struct tokenloop_opts *o, struct tokenloop *t)
{
    ULONG scratch_len = o->token_size != 0 ? o->token_size
                                           : DEFAULT_TOKEN_SIZE;
    unsigned char *scratch = NULL;
    const unsigned char *in = NULL;
    ULONG in_len = 0;
    WCHAR *wtarget = NULL;
    bool client_turn = true;
    SECURITY_STATUS st, ret;

    memset(t, 0, sizeof(*t));
    scratch = malloc(scratch_len);
    if (scratch == NULL)
        return loop_fail(t, "out of memory");
    if (o->wide && o->target != NULL) {
        wtarget = tokenloop_wide(o->target);
        if (wtarget == NULL) {
            ret = loop_fail(t, "target is not UTF-8");
            goto out;
        }
    }
    for (;;) {
        const struct tokenloop_leg *leg;

        if (t->nlegs == TOKENLOOP_MAX_LEGS) {
            ret = loop_fail(t, "no end after %d legs", t->nlegs);
            goto out;
        }
        if (client_turn)
            ret = client_step(client_cred, o, t, in, in_len, wtarget,
                              scratch, scratch_len, &st);
        else
            ret = server_step(server_cred, o, t, in, in_len, scratch,
                              scratch_len, &st);
        if (ret != SEC_E_OK)
            goto out;
        if (!SEC_SUCCESS(st)) {
            ret = st;
            goto out;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            ret = loop_fail(t, "%s returned 0x%08X, not OK or CONTINUE",
                            client_turn ? "ISC" : "ASC", (unsigned)st);
            goto out;
        }
        if (client_turn)
            t->client_done = st == SEC_E_OK;
        else
            t->server_done = st == SEC_E_OK;
        leg = &t->legs[t->nlegs - 1];
        if (leg->token_len == 0) {
            if (t->client_done && t->server_done) {
                ret = SEC_E_OK;
                goto out;
            }
            ret = loop_fail(t, "%s sent no token but the exchange is not "
                            "over (client %s, server %s)",
                            client_turn ? "ISC" : "ASC",
                            t->client_done ? "done" : "waiting",
                            t->server_done ? "done" : "waiting");
            goto out;
        }
        if (!client_turn && t->client_done && t->server_done
            && o->final_to_done_client) {
            ret = SEC_E_OK;
            goto out;
        }
        if ((client_turn && t->server_done)
            || (!client_turn && t->client_done)) {
            ret = loop_fail(t, "%s sent a token to a peer that is done",
                            client_turn ? "ISC" : "ASC");
            goto out;
        }
        in = leg->token;
        in_len = leg->token_len;
        client_turn = !client_turn;
    }
out:
    free(wtarget);
    free(scratch);
    return ret;
}

void
tokenloop_forget_tokens(struct tokenloop *t)
{
    int i;

    for (i = 0; i < t->nlegs; i++) {
        free(t->legs[i].token);
        t->legs[i].token = NULL;
        t->legs[i].token_len = 0;
    }
}

void
tokenloop_free(struct tokenloop *t)
{
    tokenloop_forget_tokens(t);
    if (t->have_client)
        DeleteSecurityContext(&t->client);
    if (t->have_server)
        DeleteSecurityContext(&t->server);
    t->have_client = t->have_server = false;
}

WCHAR *
tokenloop_wide(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, k = 0;
    WCHAR *w;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    w = malloc((n + 1) * sizeof(*w));       /* never more units than bytes */
    if (w == NULL)
        return NULL;
    while (*p != '\0') {
        unsigned long cp;
        int more, i;

        if (*p < 0x80) {
            cp = *p, more = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F, more = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F, more = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07, more = 3;
        } else {
            free(w);
            return NULL;
        }
        p++;
        for (i = 0; i < more; i++, p++) {
            if ((*p & 0xC0) != 0x80) {
                free(w);
                return NULL;
            }
            cp = (cp << 6) | (*p & 0x3F);
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[k++] = (WCHAR)(0xD800 + (cp >> 10));
            w[k++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
        } else {
            w[k++] = (WCHAR)cp;
        }
    }
    w[k] = 0;
    return w;
}

int
tokenloop_wcmp(const WCHAR *w, const char *s)
{
    WCHAR *ws;
    size_t i;
    int r;

    if (w == NULL || s == NULL)
        return w == NULL && s == NULL ? 0 : 1;
    ws = tokenloop_wide(s);
    if (ws == NULL)
        return 1;
    for (i = 0; w[i] != 0 && w[i] == ws[i]; i++)
        continue;
    r = (int)w[i] - (int)ws[i];
    free(ws);
    return r;
}

ULONG
tokenloop_bindings(void *buf, const void *app, ULONG app_len)
{
    SEC_CHANNEL_BINDINGS cb;

    memset(&cb, 0, sizeof(cb));
    cb.cbApplicationDataLength = app_len;
    cb.dwApplicationDataOffset = sizeof(cb);
    memcpy(buf, &cb, sizeof(cb));
    if (app_len > 0)
        memcpy((unsigned char *)buf + sizeof(cb), app, app_len);
    return (ULONG)sizeof(cb) + app_len;
}
