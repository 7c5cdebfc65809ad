/*
 * tokenloop.h - an in-process client <-> server handshake for the Check
 * suites (Kerberos now; Negotiate and NTLM later).
 *
 * tokenloop_run() drives InitializeSecurityContext (A or W) and
 * AcceptSecurityContext against each other until both sides are done or
 * one fails, passing each output token to the other side, and records
 * every call: its status, returned attributes, expiry and a copy of the
 * token it produced. Tokens come either from caller-supplied buffers or,
 * with ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY, from the library
 * (freed here with FreeContextBuffer once copied). Optional channel
 * bindings go to both sides (or different ones to each side).
 *
 * The loop uses only the public SSPI API. It does not use Check, so that a
 * failure inside it is reported by the suite's own assertions on the
 * recorded statuses (and tokenloop.error says what the loop itself saw).
 */
#ifndef SSPIGSS_TOKENLOOP_H
#define SSPIGSS_TOKENLOOP_H

#include <stdbool.h>

#include <sspigss/sspigss.h>

/* More legs than any package needs (Kerberos 2-3, NTLM 3, SPNEGO 4). */
#define TOKENLOOP_MAX_LEGS 10

struct tokenloop_opts {
    const char *target;         /* pszTargetName, UTF-8 (W: converted) */
    ULONG isc_req;              /* ISC_REQ_* */
    ULONG asc_req;              /* ASC_REQ_* */
    bool wide;                  /* InitializeSecurityContextW, not A */
    /* Caller-supplied token buffer size when not allocating; 0 means
     * 65536 (more than any package's cbMaxToken). */
    ULONG token_size;
    /* A SECBUFFER_CHANNEL_BINDINGS blob (SEC_CHANNEL_BINDINGS and its
     * data) given to both sides, or NULL. server_bindings, when not NULL,
     * is given to AcceptSecurityContext instead. */
    const void *bindings;
    ULONG bindings_len;
    const void *server_bindings;
    ULONG server_bindings_len;
    /* The server's last token may go to a client that is done already
     * (Negotiate's two-leg NTLM client: the token carries only the
     * server's mechListMIC, which Windows' client does not wait for).
     * The loop ends there, the token recorded and not delivered. */
    bool final_to_done_client;
};

struct tokenloop_leg {
    bool client;                /* InitializeSecurityContext, else Accept */
    SECURITY_STATUS status;
    ULONG attrs;                /* *pfContextAttr after the call */
    TimeStamp expiry;           /* *ptsExpiry after the call */
    unsigned char *token;       /* copy of the output token, or NULL */
    ULONG token_len;
};

struct tokenloop {
    CtxtHandle client;          /* valid when have_client */
    CtxtHandle server;          /* valid when have_server */
    bool have_client;
    bool have_server;
    bool client_done;           /* ISC returned SEC_E_OK */
    bool server_done;           /* ASC returned SEC_E_OK */
    struct tokenloop_leg legs[TOKENLOOP_MAX_LEGS];
    int nlegs;
    /* Attributes and expiry of the last successful call of each side. */
    ULONG isc_attrs;
    ULONG asc_attrs;
    TimeStamp isc_expiry;
    TimeStamp asc_expiry;
    char error[256];            /* the loop's own complaint, or "" */
};

/*
 * Run a handshake between client_cred (outbound) and server_cred
 * (inbound). *t is cleared first. Returns SEC_E_OK when both sides
 * completed; otherwise the first failing SSPI status (t->legs tell which
 * call), or SEC_E_INTERNAL_ERROR when the loop itself found the exchange
 * broken (a side waiting for a token the other did not send, too many
 * legs, FreeContextBuffer refusing an allocated token): see t->error.
 * Contexts made are left in t (have_client/have_server) also on failure;
 * release them with tokenloop_free().
 */
SECURITY_STATUS tokenloop_run(CredHandle *client_cred,
                              CredHandle *server_cred,
                              const struct tokenloop_opts *o,
                              struct tokenloop *t);

/* Delete the contexts still in t and free the token copies. */
void tokenloop_free(struct tokenloop *t);

/* Free the token copies only; the contexts stay (the caller owns them
 * now and deletes them itself). */
void tokenloop_forget_tokens(struct tokenloop *t);

/*
 * A NUL-terminated UTF-16 copy of a UTF-8 string (malloc; free()); NULL
 * for NULL or malformed input.
 */
WCHAR *tokenloop_wide(const char *s);

/* strcmp between a NUL-terminated UTF-16 string and a UTF-8 one; a NULL
 * wide string compares unequal. */
int tokenloop_wcmp(const WCHAR *w, const char *s);

/*
 * Fill buf (at least sizeof(SEC_CHANNEL_BINDINGS) + app_len bytes) with
 * a SEC_CHANNEL_BINDINGS carrying app as its application data, as TLS
 * channel bindings (tls-server-end-point) are passed. Returns the blob's
 * length.
 */
ULONG tokenloop_bindings(void *buf, const void *app, ULONG app_len);

#endif /* SSPIGSS_TOKENLOOP_H */
