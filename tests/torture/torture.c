/*
 * torture.c - allocation-failure torture (issue #15 item 1,
 * docs/reliability.md "Allocation-failure torture").
 *
 * Each scenario is a piece of Windows-style SSPI code (a Kerberos
 * handshake, messages, Negotiate, NTLM, Schannel, export/import, the
 * CLI). It is run once clean, counting the heap allocations it makes
 * (ours and those of MIT krb5, gss-ntlmssp, OpenSSL and glibc: see
 * failalloc.h); then once per allocation k, in a child process, with
 * allocation k failed. Each failing run must:
 *
 *  - end the scenario with an SSPI status of the status table: a SEC_E_
 *    code where it fails (SEC_E_INSUFFICIENT_MEMORY when the allocation
 *    that failed was the library's own), or complete correctly when the
 *    failure was absorbed;
 *  - leak nothing: every allocation the run made and did not free after
 *    its cleanup is a leak, unless the clean run keeps it too;
 *  - leave other handles valid (a credential acquired before the run
 *    still answers) and the state consistent: the same scenario, run
 *    again in the same process without a failure (or, for messages, the
 *    failed call retried), succeeds;
 *  - never crash in our code. A crash is told apart by its faulting
 *    frame: the first frame outside glibc names the module; crashes
 *    inside MIT krb5 or OpenSSL are counted and listed (docs/
 *    reliability.md lists each with its upstream reference), crashes in
 *    libsspigss or this program fail the run.
 *
 * usage: alloc_torture [--all | --sample N] [--only NAME] [--at K]
 *                      [--verbose]
 *   --all      every allocation of every scenario (make check-torture)
 *   --sample N at most N runs per scenario, spread over its allocations
 *              (default 60; the form ./quickstart test runs)
 *   --at K     only the run that fails allocation K (with --only: the
 *              reproduction of a finding), told in full
 *   --verbose  every run's report; the library's and the tool's output
 * Environment: what tests/check_torture.sh sets up (the throwaway KDC's
 * variables, NTLM_USER_FILE, SSPIGSS_TLS_DIR, SSPIGSS_TORTURE_GSS_PORT).
 * Exit status: 0 when no run failed, 1 otherwise, 77 when allocation
 * failures cannot be injected (valgrind or a sanitizer own malloc).
 */
#include "setup.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sspigss/sspigss.h>
#include <sspigss/schannel.h>
#include <sspigss/wincrypt.h>

#include <openssl/crypto.h>

#include "../../tools/cli.h"
#include "failalloc.h"

/* ------------------------------------------------------------ reporting */

/* What the run in progress last called, and what it found wrong beyond
 * a status (a status outside the table, data that came back changed). */
static const char *g_call = "";
static char g_bad[512];
static SECURITY_STATUS g_status;    /* the status that ended the run */
static const char *g_status_call = "";

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
bad(const char *fmt, ...)
{
    va_list ap;

    if (g_bad[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(g_bad, sizeof(g_bad), fmt, ap);
    va_end(ap);
}

static bool
known(SECURITY_STATUS st)
{
    return strcmp(sspigss_status_name(st), "(unknown)") != 0;
}

/* Every SSPI call of a scenario goes through here. */
static SECURITY_STATUS
sec(const char *call, SECURITY_STATUS st)
{
    g_call = call;
    if (!known(st))
        bad("%s returned 0x%08X, not an SSPI status", call, (unsigned)st);
    if (st < 0 && g_status >= 0) {
        g_status = st;
        g_status_call = call;
    }
    return st;
}

/* -------------------------------------------------------- configuration */

static const char *realm, *host, *tls_dir;
static char spn[256];
static char p12_path[512], trust_path[512];
static int gss_port;
static bool verbose;
static long only_at = -1;       /* --at K: that run alone, told in full */

/* A credential acquired before any run: it must still answer after each
 * failing one. */
static CredHandle bystander;

static bool
bystander_ok(void)
{
    SecPkgCredentials_NamesA names;

    if (QueryCredentialsAttributesA(&bystander, SECPKG_CRED_ATTR_NAMES,
                                    &names) != SEC_E_OK)
        return false;
    FreeContextBuffer(names.sUserName);
    return true;
}

/* ------------------------------------------------------------- GSS legs */

struct pair {
    CtxtHandle c, s;
    bool have_c, have_s;
};

static void
pair_free(struct pair *p)
{
    if (p->have_c)
        sec("DeleteSecurityContext", DeleteSecurityContext(&p->c));
    if (p->have_s)
        sec("DeleteSecurityContext", DeleteSecurityContext(&p->s));
    p->have_c = p->have_s = false;
}

#define GSS_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT \
                 | ISC_REQ_REPLAY_DETECT)
#define GSS_AREQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY \
                  | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT)

/*
 * A handshake between an outbound and an inbound credential, tokens in
 * the program's own buffers (or, with alloc, the library's:
 * ISC_REQ_ALLOCATE_MEMORY, freed with FreeContextBuffer). Contexts made
 * are left in *p, also on failure.
 */
static SECURITY_STATUS
gss_handshake(CredHandle *cc, CredHandle *sc, bool alloc, struct pair *p)
{
    static unsigned char tc[65536], ts[65536];
    SecBuffer cin, cout, sin, sout;
    SecBufferDesc cind = { SECBUFFER_VERSION, 1, &cin };
    SecBufferDesc coutd = { SECBUFFER_VERSION, 1, &cout };
    SecBufferDesc sind = { SECBUFFER_VERSION, 1, &sin };
    SecBufferDesc soutd = { SECBUFFER_VERSION, 1, &sout };
    SECURITY_STATUS cst = SEC_I_CONTINUE_NEEDED, sst = SEC_I_CONTINUE_NEEDED;
    ULONG attrs, creq = GSS_REQ, sreq = GSS_AREQ;
    ULONG clen = 0, slen = 0;
    int legs;

    if (alloc) {
        creq |= ISC_REQ_ALLOCATE_MEMORY;
        sreq |= ASC_REQ_ALLOCATE_MEMORY;
    }
    memset(p, 0, sizeof(*p));
    for (legs = 0; legs < 10; legs++) {
        /* The client's call: first, or with the server's token. */
        if (legs == 0 || slen > 0) {
            cout = (SecBuffer){ alloc ? 0 : sizeof(tc), SECBUFFER_TOKEN,
                                alloc ? NULL : tc };
            cin = (SecBuffer){ slen, SECBUFFER_TOKEN, ts };
            cst = sec("InitializeSecurityContextA",
                      InitializeSecurityContextA(
                          cc, p->have_c ? &p->c : NULL, spn, creq, 0,
                          SECURITY_NATIVE_DREP, legs == 0 ? NULL : &cind,
                          0, &p->c, &coutd, &attrs, NULL));
            slen = 0;
            if (cst < 0) {
                if (alloc && cout.pvBuffer != NULL)
                    bad("a failed InitializeSecurityContext handed out a "
                        "token");
                return cst;
            }
            p->have_c = true;
            clen = cout.cbBuffer;
            if (clen > sizeof(tc))
                return bad("client token too long"), SEC_E_INTERNAL_ERROR;
            if (alloc && cout.pvBuffer != NULL) {
                memcpy(tc, cout.pvBuffer, clen);
                sec("FreeContextBuffer", FreeContextBuffer(cout.pvBuffer));
            }
        } else if (cst == SEC_I_CONTINUE_NEEDED) {
            bad("the client waits for a token the server did not send");
            return SEC_E_INTERNAL_ERROR;
        }
        if (clen > 0) {
            sout = (SecBuffer){ alloc ? 0 : sizeof(ts), SECBUFFER_TOKEN,
                                alloc ? NULL : ts };
            sin = (SecBuffer){ clen, SECBUFFER_TOKEN, tc };
            sst = sec("AcceptSecurityContext",
                      AcceptSecurityContext(sc, p->have_s ? &p->s : NULL,
                                            &sind, sreq,
                                            SECURITY_NATIVE_DREP, &p->s,
                                            &soutd, &attrs, NULL));
            clen = 0;
            if (sst < 0) {
                if (alloc && sout.pvBuffer != NULL)
                    bad("a failed AcceptSecurityContext handed out a "
                        "token");
                return sst;
            }
            p->have_s = true;
            slen = sout.cbBuffer;
            if (slen > sizeof(ts))
                return bad("server token too long"), SEC_E_INTERNAL_ERROR;
            if (alloc && sout.pvBuffer != NULL) {
                memcpy(ts, sout.pvBuffer, slen);
                sec("FreeContextBuffer", FreeContextBuffer(sout.pvBuffer));
            }
        }
        if (slen > 0 && cst == SEC_E_OK) {
            bad("the server sent a token after the client was done");
            return SEC_E_INTERNAL_ERROR;
        }
        if (slen == 0 && cst == SEC_E_OK && sst == SEC_E_OK)
            return SEC_E_OK;
        if (slen == 0 && sst == SEC_I_CONTINUE_NEEDED) {
            bad("the server waits for a token the client did not send");
            return SEC_E_INTERNAL_ERROR;
        }
    }
    bad("the handshake did not end in 10 legs");
    return SEC_E_INTERNAL_ERROR;
}

static SECURITY_STATUS
acquire(const char *pkg, ULONG use, void *auth, CredHandle *h)
{
    TimeStamp ts;

    return sec("AcquireCredentialsHandleA",
               AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, use, NULL,
                                         auth, NULL, NULL, h, &ts));
}

static void
release(CredHandle *h, bool *have)
{
    if (*have)
        sec("FreeCredentialsHandle", FreeCredentialsHandle(h));
    *have = false;
}

static SEC_WINNT_AUTH_IDENTITY_A
identity(const char *user, const char *domain, const char *password)
{
    SEC_WINNT_AUTH_IDENTITY_A id;

    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)domain;
    id.DomainLength = (ULONG)strlen(domain);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return id;
}

/* ------------------------------------------------------ GSS messages */

static const char text1[] = "The quick brown fox jumps over the lazy dog.";

/*
 * EncryptMessage at one end in Windows' layout [TOKEN, DATA, PADDING],
 * DecryptMessage of the three as one [STREAM, DATA] at the other; the
 * plaintext must come back. step counts the calls made so far; a retry
 * starts again at the call that failed, with the same input.
 */
struct msgstate {
    int step;                       /* 0 seal, 1 unseal, 2 sign, 3 verify */
    unsigned char wire[4096];
    ULONG wire_len;
    unsigned char sig[1024];
    ULONG sig_len;
    unsigned char data[256];
};

static SECURITY_STATUS
msg_steps(CtxtHandle *from, CtxtHandle *to, struct msgstate *m, int last)
{
    SecPkgContext_Sizes sz;
    SECURITY_STATUS st;
    ULONG qop;

    while (m->step <= last) {
        switch (m->step) {
        case 0: {                           /* seal */
            SecBuffer b[3];
            SecBufferDesc d = { SECBUFFER_VERSION, 3, b };
            size_t n = sizeof(text1) - 1;

            st = sec("QueryContextAttributesA",
                     QueryContextAttributesA(from, SECPKG_ATTR_SIZES, &sz));
            if (st != SEC_E_OK)
                return st;
            if (sz.cbSecurityTrailer + n + sz.cbBlockSize > sizeof(m->wire))
                return bad("sizes too large"), SEC_E_INTERNAL_ERROR;
            b[0] = (SecBuffer){ sz.cbSecurityTrailer, SECBUFFER_TOKEN,
                                m->wire };
            memcpy(m->data, text1, n);
            b[1] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, m->data };
            b[2] = (SecBuffer){ sz.cbBlockSize, SECBUFFER_PADDING,
                                m->wire + sz.cbSecurityTrailer + n };
            st = sec("EncryptMessage", EncryptMessage(from, 0, &d, 0));
            if (st != SEC_E_OK)
                return st;
            /* TOKEN || DATA || PADDING is one token. */
            memmove(m->wire + b[0].cbBuffer, m->data, n);
            memmove(m->wire + b[0].cbBuffer + n, b[2].pvBuffer,
                    b[2].cbBuffer);
            m->wire_len = b[0].cbBuffer + (ULONG)n + b[2].cbBuffer;
            break;
        }
        case 1: {                           /* unseal */
            static unsigned char copy[4096];
            SecBuffer b[2];
            SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

            /* Decrypted in place: a retry needs the token as it came. */
            memcpy(copy, m->wire, m->wire_len);
            b[0] = (SecBuffer){ m->wire_len, SECBUFFER_STREAM, copy };
            b[1] = (SecBuffer){ 0, SECBUFFER_DATA, NULL };
            st = sec("DecryptMessage", DecryptMessage(to, &d, 0, &qop));
            if (st != SEC_E_OK)
                return st;
            if (b[1].cbBuffer != sizeof(text1) - 1
                || memcmp(b[1].pvBuffer, text1, b[1].cbBuffer) != 0) {
                bad("DecryptMessage returned other data");
                return SEC_E_INTERNAL_ERROR;
            }
            break;
        }
        case 2: {                           /* sign */
            SecBuffer b[2];
            SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

            st = sec("QueryContextAttributesA",
                     QueryContextAttributesA(to, SECPKG_ATTR_SIZES, &sz));
            if (st != SEC_E_OK)
                return st;
            if (sz.cbMaxSignature > sizeof(m->sig))
                return bad("signature too large"), SEC_E_INTERNAL_ERROR;
            b[0] = (SecBuffer){ sz.cbMaxSignature, SECBUFFER_TOKEN, m->sig };
            b[1] = (SecBuffer){ sizeof(text1) - 1, SECBUFFER_DATA,
                                (void *)text1 };
            st = sec("MakeSignature", MakeSignature(to, 0, &d, 0));
            if (st != SEC_E_OK)
                return st;
            m->sig_len = b[0].cbBuffer;
            break;
        }
        case 3: {                           /* verify */
            SecBuffer b[2];
            SecBufferDesc d = { SECBUFFER_VERSION, 2, b };

            b[0] = (SecBuffer){ m->sig_len, SECBUFFER_TOKEN, m->sig };
            b[1] = (SecBuffer){ sizeof(text1) - 1, SECBUFFER_DATA,
                                (void *)text1 };
            st = sec("VerifySignature", VerifySignature(from, &d, 0, &qop));
            if (st != SEC_E_OK)
                return st;
            break;
        }
        default:
            return SEC_E_INTERNAL_ERROR;
        }
        m->step++;
    }
    return SEC_E_OK;
}

/* --------------------------------------------------------- scenarios */

struct scenario {
    const char *name;
    const char *what;
    /* In the parent, unarmed, before the runs: make what the runs share
     * (contexts for the message scenarios). false: cannot run. */
    bool (*prepare)(void);
    /* The armed part: frees what it made, on success and on failure. */
    SECURITY_STATUS (*run)(void);
    /* After a failed run, unarmed: must succeed. */
    SECURITY_STATUS (*recover)(void);
    /* In the parent, after the runs. */
    void (*finish)(void);
    /* A run uses up what prepare made: made again after the first run
     * in the parent. (Otherwise that first run leaves it warmed up, its
     * per-context caches filled, as in a program that has run a while.) */
    bool reprepare;
};

/* Shared by the runs of one scenario (each child has its own copy). */
static CredHandle out_cred, in_cred;
static bool have_out, have_in;
static struct pair shared;
static struct msgstate ms;

static SECURITY_STATUS
kerberos_handshake(bool explicit_cred, bool alloc, const char *pkg)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice", realm, "alice-pw-1");
    CredHandle cc, sc;
    bool hc = false, hs = false;
    struct pair p = { 0 };
    SECURITY_STATUS st;

    st = acquire(pkg, SECPKG_CRED_OUTBOUND, explicit_cred ? &id : NULL,
                 &cc);
    if (st == SEC_E_OK) {
        hc = true;
        st = acquire(pkg, SECPKG_CRED_INBOUND, NULL, &sc);
    }
    if (st == SEC_E_OK) {
        hs = true;
        st = gss_handshake(&cc, &sc, alloc, &p);
    }
    if (st == SEC_E_OK) {
        SecPkgContext_NamesA n;

        st = sec("QueryContextAttributesA",
                 QueryContextAttributesA(&p.s, SECPKG_ATTR_NAMES, &n));
        if (st == SEC_E_OK) {
            if (strstr(n.sUserName, "alice") == NULL)
                bad("the server sees %s, not alice", n.sUserName);
            sec("FreeContextBuffer", FreeContextBuffer(n.sUserName));
        }
    }
    if (st == SEC_E_OK) {
        struct msgstate m = { 0 };

        st = msg_steps(&p.c, &p.s, &m, 3);
    }
    pair_free(&p);
    release(&sc, &hs);
    release(&cc, &hc);
    return st;
}

static SECURITY_STATUS
krb_password(void)
{
    return kerberos_handshake(true, false, "Kerberos");
}

static SECURITY_STATUS
krb_default(void)
{
    return kerberos_handshake(false, true, "Kerberos");
}

static SECURITY_STATUS
negotiate(void)
{
    return kerberos_handshake(true, false, "Negotiate");
}

static SECURITY_STATUS
ntlm(void)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice", "SSPIGSS",
                                            "alice-pw-1");
    CredHandle cc, sc;
    bool hc = false, hs = false;
    struct pair p = { 0 };
    SECURITY_STATUS st;

    st = acquire("NTLM", SECPKG_CRED_OUTBOUND, &id, &cc);
    if (st == SEC_E_OK) {
        hc = true;
        st = acquire("NTLM", SECPKG_CRED_INBOUND, NULL, &sc);
    }
    if (st == SEC_E_OK) {
        hs = true;
        st = gss_handshake(&cc, &sc, false, &p);
    }
    if (st == SEC_E_OK) {
        struct msgstate m = { 0 };

        st = msg_steps(&p.c, &p.s, &m, 3);
    }
    pair_free(&p);
    release(&sc, &hs);
    release(&cc, &hc);
    return st;
}

/*
 * Negotiate's two-leg NTLM exchange (lib/negotiate.c neg_ntlm_init), as
 * sspilib records Windows: the client, whose PackageList names NTLM
 * alone, sends NegTokenInit { NEGOTIATE } and is done (SEC_E_OK) when it
 * sends NegTokenResp { AUTHENTICATE, mechListMIC }; the server's second
 * call has no output descriptor (sspilib's callers pass NULL once the
 * client is done), so its final token, negState and mechListMIC only,
 * is dropped. gss_handshake would call the server with an output buffer
 * and refuse a token after the client was done.
 */
static SECURITY_STATUS
neg_ntlm_handshake(CredHandle *cc, CredHandle *sc, struct pair *p)
{
    static unsigned char tc[65536], ts[65536];
    SecBuffer cin, cout, sin, sout;
    SecBufferDesc cind = { SECBUFFER_VERSION, 1, &cin };
    SecBufferDesc coutd = { SECBUFFER_VERSION, 1, &cout };
    SecBufferDesc sind = { SECBUFFER_VERSION, 1, &sin };
    SecBufferDesc soutd = { SECBUFFER_VERSION, 1, &sout };
    ULONG attrs;
    SECURITY_STATUS st;

    memset(p, 0, sizeof(*p));
    /* ISC #1: the NegTokenInit. */
    cout = (SecBuffer){ sizeof(tc), SECBUFFER_TOKEN, tc };
    st = sec("InitializeSecurityContextA",
             InitializeSecurityContextA(cc, NULL, spn, GSS_REQ, 0,
                                        SECURITY_NATIVE_DREP, NULL, 0,
                                        &p->c, &coutd, &attrs, NULL));
    if (st < 0)
        return st;
    p->have_c = true;
    if (st != SEC_I_CONTINUE_NEEDED || cout.cbBuffer == 0)
        return bad("ISC #1 gave %s", sspigss_status_name(st)),
               SEC_E_INTERNAL_ERROR;
    /* ASC #1: the CHALLENGE. */
    sin = (SecBuffer){ cout.cbBuffer, SECBUFFER_TOKEN, tc };
    sout = (SecBuffer){ sizeof(ts), SECBUFFER_TOKEN, ts };
    st = sec("AcceptSecurityContext",
             AcceptSecurityContext(sc, NULL, &sind, GSS_AREQ,
                                   SECURITY_NATIVE_DREP, &p->s, &soutd,
                                   &attrs, NULL));
    if (st < 0)
        return st;
    p->have_s = true;
    if (st != SEC_I_CONTINUE_NEEDED || sout.cbBuffer == 0)
        return bad("ASC #1 gave %s", sspigss_status_name(st)),
               SEC_E_INTERNAL_ERROR;
    /* ISC #2: the AUTHENTICATE, and the client is done. */
    cin = (SecBuffer){ sout.cbBuffer, SECBUFFER_TOKEN, ts };
    cout = (SecBuffer){ sizeof(tc), SECBUFFER_TOKEN, tc };
    st = sec("InitializeSecurityContextA",
             InitializeSecurityContextA(cc, &p->c, spn, GSS_REQ, 0,
                                        SECURITY_NATIVE_DREP, &cind, 0,
                                        &p->c, &coutd, &attrs, NULL));
    if (st < 0)
        return st;
    if (st != SEC_E_OK || cout.cbBuffer == 0)
        return bad("ISC #2 gave %s (Windows: SEC_E_OK and the "
                   "AUTHENTICATE)", sspigss_status_name(st)),
               SEC_E_INTERNAL_ERROR;
    /* ASC #2, no output descriptor. */
    sin = (SecBuffer){ cout.cbBuffer, SECBUFFER_TOKEN, tc };
    st = sec("AcceptSecurityContext",
             AcceptSecurityContext(sc, &p->s, &sind, GSS_AREQ,
                                   SECURITY_NATIVE_DREP, &p->s, NULL,
                                   &attrs, NULL));
    if (st < 0)
        return st;
    if (st != SEC_E_OK)
        return bad("ASC #2 without an output descriptor gave %s",
                   sspigss_status_name(st)), SEC_E_INTERNAL_ERROR;
    return SEC_E_OK;
}

/* Negotiate, PackageList "NTLM": the two-leg handshake, then messages
 * the server's way first (its unsent mechListMIC took sequence number
 * 0, lib/ntlm_msg.c ntlm_msg_peer_mic_unseen), then the client's. */
static SECURITY_STATUS
negotiate_ntlm(void)
{
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    CredHandle cc, sc;
    bool hc = false, hs = false;
    struct pair p = { 0 };
    SECURITY_STATUS st;

    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)"alice";
    ex.UserLength = 5;
    ex.Domain = (unsigned char *)"SSPIGSS";
    ex.DomainLength = 7;
    ex.Password = (unsigned char *)"alice-pw-1";
    ex.PasswordLength = 10;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)"NTLM";
    ex.PackageListLength = 4;
    st = acquire("Negotiate", SECPKG_CRED_OUTBOUND, &ex, &cc);
    if (st == SEC_E_OK) {
        hc = true;
        st = acquire("Negotiate", SECPKG_CRED_INBOUND, NULL, &sc);
    }
    if (st == SEC_E_OK) {
        hs = true;
        st = neg_ntlm_handshake(&cc, &sc, &p);
    }
    if (st == SEC_E_OK) {
        struct msgstate m = { 0 };

        st = msg_steps(&p.s, &p.c, &m, 3);
        if (st == SEC_E_OK) {
            memset(&m, 0, sizeof(m));
            st = msg_steps(&p.c, &p.s, &m, 3);
        }
    }
    pair_free(&p);
    release(&sc, &hs);
    release(&cc, &hc);
    return st;
}

/* Kerberos messages over contexts made before the runs. */
static bool
krb_messages_prepare(void)
{
    have_out = acquire("Kerberos", SECPKG_CRED_OUTBOUND, NULL, &out_cred)
               == SEC_E_OK;
    have_in = acquire("Kerberos", SECPKG_CRED_INBOUND, NULL, &in_cred)
              == SEC_E_OK;
    return have_out && have_in
           && gss_handshake(&out_cred, &in_cred, false, &shared) == SEC_E_OK;
}

static SECURITY_STATUS
krb_messages(void)
{
    memset(&ms, 0, sizeof(ms));
    return msg_steps(&shared.c, &shared.s, &ms, 3);
}

/* The call that failed, retried; then a whole round more. */
static SECURITY_STATUS
krb_messages_recover(void)
{
    SECURITY_STATUS st = msg_steps(&shared.c, &shared.s, &ms, 3);

    if (st != SEC_E_OK)
        return st;
    memset(&ms, 0, sizeof(ms));
    return msg_steps(&shared.c, &shared.s, &ms, 3);
}

static void
shared_finish(void)
{
    pair_free(&shared);
    release(&in_cred, &have_in);
    release(&out_cred, &have_out);
}

/* Export the server's context, import it, use the copy. */
static SECURITY_STATUS
export_import(struct pair *p)
{
    SecBuffer packed = { 0, SECBUFFER_EMPTY, NULL };
    HANDLE token = NULL;
    CtxtHandle imported;
    SECURITY_STATUS st;

    st = sec("ExportSecurityContext",
             ExportSecurityContext(&p->s, SECPKG_CONTEXT_EXPORT_DELETE_OLD,
                                   &packed, &token));
    if (st != SEC_E_OK)
        return st;
    /* DELETE_OLD: the exported context is gone (docs/kerberos.md). */
    p->have_s = false;
    st = sec("ImportSecurityContextA",
             ImportSecurityContextA((SEC_CHAR *)"Kerberos", &packed, NULL,
                                    &imported));
    sec("FreeContextBuffer", FreeContextBuffer(packed.pvBuffer));
    if (st != SEC_E_OK)
        return st;
    p->s = imported;
    p->have_s = true;
    memset(&ms, 0, sizeof(ms));
    return msg_steps(&p->c, &p->s, &ms, 3);
}

static SECURITY_STATUS
krb_export(void)
{
    struct pair p = shared;
    SECURITY_STATUS st = export_import(&p);

    /* The client context is the prepared one; the server's is this
     * run's (the prepared one was exported). */
    if (p.have_s)
        sec("DeleteSecurityContext", DeleteSecurityContext(&p.s));
    return st;
}

/* A new handshake over the prepared credentials, exported and imported. */
static SECURITY_STATUS
krb_export_recover(void)
{
    struct pair p;
    SECURITY_STATUS st = gss_handshake(&out_cred, &in_cred, false, &p);

    if (st == SEC_E_OK)
        st = export_import(&p);
    pair_free(&p);
    return st;
}

/* ------------------------------------------------------------ Schannel */

static PCCERT_CONTEXT server_cert;

static bool
read_file(const char *path, CRYPT_DATA_BLOB *blob)
{
    FILE *f = fopen(path, "rb");
    long n;

    if (f == NULL)
        return false;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0
        || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return false;
    }
    blob->pbData = malloc((size_t)n);
    blob->cbData = (DWORD)n;
    if (blob->pbData == NULL
        || fread(blob->pbData, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(blob->pbData);
        return false;
    }
    fclose(f);
    return true;
}

static bool
schannel_prepare(void)
{
    CRYPT_DATA_BLOB blob;
    HCERTSTORE store;

    if (server_cert != NULL)
        return true;
    if (!read_file(p12_path, &blob))
        return false;
    store = PFXImportCertStore(&blob, u"p12-pw", 0);
    free(blob.pbData);
    if (store == NULL)
        return false;
    server_cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0,
                                             CERT_FIND_HAS_PRIVATE_KEY,
                                             NULL, NULL);
    CertCloseStore(store, 0);
    return server_cert != NULL;
}

struct wire {
    unsigned char b[65536];
    size_t n;
};

struct end {
    CredHandle *cred;
    CtxtHandle ctx;
    bool have, done;
    SECURITY_STATUS st;
};

/* One ISC or ASC on what the peer sent; the answer goes to out. */
static SECURITY_STATUS
tls_step(struct end *e, bool server, struct wire *in, struct wire *out)
{
    SecBuffer ib[2], ob[1];
    SecBufferDesc id = { SECBUFFER_VERSION, 2, ib };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, ob };
    ULONG attrs;
    SECURITY_STATUS st;

    ib[0] = (SecBuffer){ (ULONG)in->n, SECBUFFER_TOKEN, in->b };
    ib[1] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    ob[0] = (SecBuffer){ 0, SECBUFFER_TOKEN, NULL };
    if (server)
        st = sec("AcceptSecurityContext",
                 AcceptSecurityContext(e->cred, e->have ? &e->ctx : NULL,
                                       &id,
                                       ASC_REQ_ALLOCATE_MEMORY
                                           | ASC_REQ_STREAM
                                           | ASC_REQ_CONFIDENTIALITY,
                                       0, &e->ctx, &od, &attrs, NULL));
    else
        st = sec("InitializeSecurityContextA",
                 InitializeSecurityContextA(
                     e->cred, e->have ? &e->ctx : NULL,
                     (SEC_CHAR *)"localhost",
                     ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM
                         | ISC_REQ_CONFIDENTIALITY,
                     0, 0, e->have ? &id : NULL, 0,
                     e->have ? NULL : &e->ctx, &od, &attrs, NULL));
    e->st = st;
    if (SEC_SUCCESS(st)) {
        size_t extra = 0;

        if (!server && !e->have)
            extra = in->n;      /* the first client call takes none */
        else if (ib[1].BufferType == SECBUFFER_EXTRA)
            extra = ib[1].cbBuffer;
        if (extra > in->n) {
            bad("EXTRA larger than the input");
            extra = in->n;
        }
        memmove(in->b, in->b + in->n - extra, extra);
        in->n = extra;
        e->have = true;
        if (st == SEC_E_OK)
            e->done = true;
    }
    if (ob[0].cbBuffer > 0 && ob[0].pvBuffer != NULL) {
        if (out->n + ob[0].cbBuffer > sizeof(out->b))
            bad("handshake output too large");
        else {
            memcpy(out->b + out->n, ob[0].pvBuffer, ob[0].cbBuffer);
            out->n += ob[0].cbBuffer;
        }
    }
    if (ob[0].pvBuffer != NULL) {
        if (!SEC_SUCCESS(st) && st != SEC_E_INCOMPLETE_MESSAGE
            && ob[0].cbBuffer == 0)
            bad("a failed call handed out an empty buffer");
        sec("FreeContextBuffer", FreeContextBuffer(ob[0].pvBuffer));
    }
    return st;
}

static SECURITY_STATUS
tls_handshake(struct end *cl, struct end *sv, struct wire *c2s,
              struct wire *s2c)
{
    int rounds;

    if (tls_step(cl, false, s2c, c2s) != SEC_I_CONTINUE_NEEDED)
        return cl->st;
    for (rounds = 0; rounds < 20; rounds++) {
        if (c2s->n > 0 && !sv->done) {
            /* A failed server call may still have an alert to send
             * (Windows' rule): it is not read here. */
            if (!SEC_SUCCESS(tls_step(sv, true, c2s, s2c)))
                return sv->st;
        }
        if (cl->done && sv->done)
            return SEC_E_OK;
        if (s2c->n > 0 && !cl->done) {
            tls_step(cl, false, s2c, c2s);
            if (cl->st != SEC_E_OK && cl->st != SEC_I_CONTINUE_NEEDED)
                return cl->st < 0 ? cl->st : SEC_E_INTERNAL_ERROR;
        }
        if (cl->done && sv->done)
            return SEC_E_OK;
    }
    bad("the TLS handshake did not end in 20 rounds");
    return SEC_E_INTERNAL_ERROR;
}

/* EncryptMessage at one end, DecryptMessage at the other: a TLS 1.2
 * record (no tickets in between). */
static SECURITY_STATUS
tls_record(CtxtHandle *from, CtxtHandle *to, const char *text)
{
    static unsigned char rec[4096], copy[4096];
    SecPkgContext_StreamSizes sz;
    SecBuffer b[4];
    SecBufferDesc d = { SECBUFFER_VERSION, 4, b };
    size_t n = strlen(text), len;
    SECURITY_STATUS st;
    unsigned i;

    st = sec("QueryContextAttributesA",
             QueryContextAttributesA(from, SECPKG_ATTR_STREAM_SIZES, &sz));
    if (st != SEC_E_OK)
        return st;
    b[0] = (SecBuffer){ sz.cbHeader, SECBUFFER_STREAM_HEADER, rec };
    memcpy(rec + sz.cbHeader, text, n);
    b[1] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, rec + sz.cbHeader };
    b[2] = (SecBuffer){ sz.cbTrailer, SECBUFFER_STREAM_TRAILER,
                        rec + sz.cbHeader + n };
    b[3] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    st = sec("EncryptMessage", EncryptMessage(from, 0, &d, 0));
    if (st != SEC_E_OK)
        return st;
    len = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
    memcpy(copy, rec, len);
    b[0] = (SecBuffer){ (ULONG)len, SECBUFFER_DATA, copy };
    for (i = 1; i < 4; i++)
        b[i] = (SecBuffer){ 0, SECBUFFER_EMPTY, NULL };
    st = sec("DecryptMessage", DecryptMessage(to, &d, 0, NULL));
    if (st != SEC_E_OK)
        return st;
    if (b[1].BufferType != SECBUFFER_DATA || b[1].cbBuffer != n
        || memcmp(b[1].pvBuffer, text, n) != 0) {
        bad("DecryptMessage returned other data");
        return SEC_E_INTERNAL_ERROR;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS
tls_cred(bool server, DWORD protocols, CredHandle *h)
{
    SCHANNEL_CRED sc;

    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = protocols;
    if (server) {
        sc.cCreds = 1;
        sc.paCred = &server_cert;
    }
    return acquire("Schannel",
                   server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND, &sc,
                   h);
}

static SECURITY_STATUS
schannel_session(DWORD cproto, DWORD sproto, bool records)
{
    static struct wire c2s, s2c;
    CredHandle cc, sc;
    bool hc = false, hs = false;
    struct end cl = { .cred = &cc }, sv = { .cred = &sc };
    SECURITY_STATUS st;

    c2s.n = s2c.n = 0;
    st = tls_cred(false, cproto, &cc);
    if (st == SEC_E_OK) {
        hc = true;
        st = tls_cred(true, sproto, &sc);
    }
    if (st == SEC_E_OK) {
        hs = true;
        st = tls_handshake(&cl, &sv, &c2s, &s2c);
    }
    if (st == SEC_E_OK) {
        PCCERT_CONTEXT peer = NULL;

        st = sec("QueryContextAttributesA",
                 QueryContextAttributesA(&cl.ctx,
                                         SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                                         &peer));
        if (st == SEC_E_OK)
            CertFreeCertificateContext(peer);
    }
    if (st == SEC_E_OK && records) {
        st = tls_record(&cl.ctx, &sv.ctx, text1);
        if (st == SEC_E_OK)
            st = tls_record(&sv.ctx, &cl.ctx, "and back");
    }
    if (cl.have)
        sec("DeleteSecurityContext", DeleteSecurityContext(&cl.ctx));
    if (sv.have)
        sec("DeleteSecurityContext", DeleteSecurityContext(&sv.ctx));
    release(&sc, &hs);
    release(&cc, &hc);
    return st;
}

static SECURITY_STATUS
schannel_tls12(void)
{
    return schannel_session(SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER,
                            true);
}

static SECURITY_STATUS
schannel_tls13(void)
{
    /* Handshake only: the server's TLS 1.3 tickets follow it as records
     * (tests/check_schannel_server.c answers them). */
    return schannel_session(0, 0, false);
}

/* Records over a TLS 1.2 session made before the runs. */
static struct end tcl = { .cred = &out_cred }, tsv = { .cred = &in_cred };
static int rec_step;

static bool
schannel_records_prepare(void)
{
    static struct wire c2s, s2c;

    if (!schannel_prepare())
        return false;
    have_out = tls_cred(false, SP_PROT_TLS1_2_CLIENT, &out_cred) == SEC_E_OK;
    have_in = tls_cred(true, SP_PROT_TLS1_2_SERVER, &in_cred) == SEC_E_OK;
    return have_out && have_in
           && tls_handshake(&tcl, &tsv, &c2s, &s2c) == SEC_E_OK;
}

static SECURITY_STATUS
schannel_records_from(int first)
{
    SECURITY_STATUS st = SEC_E_OK;

    for (rec_step = first; rec_step < 2 && st == SEC_E_OK;) {
        st = rec_step == 0 ? tls_record(&tcl.ctx, &tsv.ctx, text1)
                           : tls_record(&tsv.ctx, &tcl.ctx, "and back");
        if (st == SEC_E_OK)
            rec_step++;
    }
    return st;
}

static SECURITY_STATUS
schannel_records(void)
{
    return schannel_records_from(0);
}

/*
 * The failed call retried, then a round more. A TLS session that failed
 * for good (OpenSSL's fatal error: no more I/O on it) answers
 * SEC_E_CONTEXT_EXPIRED; then a new session over the same credentials
 * must work.
 */
static SECURITY_STATUS
schannel_records_recover(void)
{
    static struct wire c2s, s2c;
    struct end cl = { .cred = &out_cred }, sv = { .cred = &in_cred };
    SECURITY_STATUS st = schannel_records_from(rec_step);

    if (st == SEC_E_OK)
        return schannel_records_from(0);
    if (st != SEC_E_CONTEXT_EXPIRED)
        return st;
    g_status = SEC_E_OK;
    c2s.n = s2c.n = 0;
    st = tls_handshake(&cl, &sv, &c2s, &s2c);
    if (st == SEC_E_OK)
        st = tls_record(&cl.ctx, &sv.ctx, text1);
    if (cl.have)
        DeleteSecurityContext(&cl.ctx);
    if (sv.have)
        DeleteSecurityContext(&sv.ctx);
    return st;
}

static void
schannel_records_finish(void)
{
    if (tcl.have)
        DeleteSecurityContext(&tcl.ctx);
    if (tsv.have)
        DeleteSecurityContext(&tsv.ctx);
    tcl.have = tsv.have = false;
    release(&in_cred, &have_in);
    release(&out_cred, &have_out);
}

/* ----------------------------------------------------------------- CLI */

/* The tool's subcommands, in process, their output to /dev/null. A run
 * ends SEC_E_OK when every command said 0, SEC_E_INSUFFICIENT_MEMORY-like
 * failure otherwise: the tool's contract is exit status 1 with a message
 * for a failed operation (tools/cli.h), checked here. */
static SECURITY_STATUS
cli_run(int (*cmd)(int, char **), int argc, char **argv)
{
    int rc;

    g_call = argv[0];
    fflush(stdout);
    fflush(stderr);
    rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    if (rc == 0)
        return SEC_E_OK;
    if (rc != 1)
        bad("sspigss %s exited %d (1 is the failure status)", argv[0], rc);
    if (g_status >= 0) {
        g_status = SEC_E_INSUFFICIENT_MEMORY;
        g_status_call = argv[0];
    }
    return g_status;
}

static SECURITY_STATUS
cli(void)
{
    static char port[16];
    char *status[] = { "status", "SEC_E_LOGON_DENIED", "0x80090302", NULL };
    char *packages[] = { "packages", NULL };
    char *map[] = { "map-gss", "0x000d0000", "0x96c73a23", NULL };
    char *client[] = { "client", "--port", port, "--connect", "127.0.0.1",
                       (char *)host, "gssdemo", "hello", NULL };
    SECURITY_STATUS st;

    snprintf(port, sizeof(port), "%d", gss_port);
    st = cli_run(cmd_status, 3, status);
    if (st == SEC_E_OK)
        st = cli_run(cmd_packages, 1, packages);
    if (st == SEC_E_OK)
        st = cli_run(cmd_map_gss, 3, map);
    if (st == SEC_E_OK && gss_port > 0)
        st = cli_run(cmd_client, 8, client);
    return st;
}

/* tools/sspigss.c's, for the subcommands linked here. */
int
cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("sspigss: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static SECURITY_STATUS
rerun(void);

static const struct scenario scenarios[] = {
    { "kerberos-password", "Kerberos: explicit password credential "
      "(AS exchange), handshake, messages", NULL, krb_password, rerun,
      NULL, false },
    { "kerberos-default", "Kerberos: default credential (ccache, TGS "
      "exchange), ISC_REQ_ALLOCATE_MEMORY tokens", NULL, krb_default,
      rerun, NULL, false },
    { "kerberos-messages", "Kerberos: Encrypt/Decrypt, Make/Verify"
      "Signature on an established context", krb_messages_prepare,
      krb_messages, krb_messages_recover, shared_finish, false },
    { "kerberos-export", "Kerberos: ExportSecurityContext, "
      "ImportSecurityContext, messages on the copy", krb_messages_prepare,
      krb_export, krb_export_recover, shared_finish, true },
    { "negotiate", "Negotiate (Kerberos under SPNEGO): explicit "
      "password, handshake, messages", NULL, negotiate, rerun, NULL, false },
    { "ntlm", "NTLM (gss-ntlmssp): explicit password, handshake, "
      "messages", NULL, ntlm, rerun, NULL, false },
    { "negotiate-ntlm", "Negotiate, PackageList \"NTLM\": explicit "
      "password, the two-leg handshake (ASC #2 without output), messages "
      "the server's way first", NULL, negotiate_ntlm, rerun, NULL, false },
    { "schannel-tls12", "Schannel: client and server credentials, TLS "
      "1.2 handshake, a record each way", schannel_prepare, schannel_tls12,
      rerun, NULL, false },
    { "schannel-tls13", "Schannel: TLS 1.3 handshake",
      schannel_prepare, schannel_tls13, rerun, NULL, false },
    { "schannel-records", "Schannel: records on an established TLS 1.2 "
      "session", schannel_records_prepare, schannel_records,
      schannel_records_recover, schannel_records_finish, false },
    { "cli", "the sspigss tool: status, packages, map-gss, client "
      "against MIT's gss-server", NULL, cli, rerun, NULL, false },
};

static const struct scenario *current;

static SECURITY_STATUS
rerun(void)
{
    return current->run();
}

/* ---------------------------------------------------- one run, a child */

/* The clean run's leftovers (sites of allocations still live after its
 * cleanup): a failing run may keep these too. */
#define MAX_SITES 4096
static void *baseline[MAX_SITES];
static size_t nbaseline;

static int report_fd = -1;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
put(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 1;
    if (n > 0 && write(report_fd, line, (size_t)n) < 0)
        _exit(3);
}

static void
on_crash(int sig)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    static const char head[] = "CRASH\n";

    static const char failed[] = "(the allocation that failed:)\n";
    void *bt[FA_FRAMES];
    int nb = fa_failed_backtrace(bt);

    if (write(report_fd, head, sizeof(head) - 1) < 0)
        _exit(3);
    backtrace_symbols_fd(frames, n, report_fd);
    if (nb > 2 && write(report_fd, failed, sizeof(failed) - 1) > 0)
        backtrace_symbols_fd(bt + 2, nb - 2, report_fd);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Is the address in our code (libsspigss or this program)? */
static const char *
module_of(void *addr)
{
    Dl_info info;
    const char *slash;

    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return "?";
    slash = strrchr(info.dli_fname, '/');
    return slash != NULL ? slash + 1 : info.dli_fname;
}

static bool
ours(const char *module)
{
    return strncmp(module, "libsspigss", 10) == 0
           || strncmp(module, "alloc_torture", 13) == 0
           || strncmp(module, "lt-alloc_torture", 16) == 0;
}

static void
describe(void *addr, char *out, size_t size)
{
    Dl_info info;

    if (addr != NULL && dladdr(addr, &info) != 0 && info.dli_fname != NULL) {
        const char *m = strrchr(info.dli_fname, '/');

        m = m != NULL ? m + 1 : info.dli_fname;
        if (info.dli_sname != NULL)
            snprintf(out, size, "%s(%s+0x%lx)", m, info.dli_sname,
                     (unsigned long)((char *)addr - (char *)info.dli_saddr));
        else
            snprintf(out, size, "%s(+0x%lx)", m,
                     (unsigned long)((char *)addr - (char *)info.dli_fbase));
    } else {
        snprintf(out, size, "%p", addr);
    }
}

/* Allocations live after the run that the clean run does not keep. */
static size_t
leftovers(void)
{
    static void *live[MAX_SITES];
    static bool used[MAX_SITES];
    size_t n = fa_live(live, MAX_SITES), i, j, left = 0;

    if (n > MAX_SITES)
        n = MAX_SITES;
    memset(used, 0, sizeof(used));
    for (i = 0; i < n; i++) {
        bool matched = false;

        for (j = 0; j < nbaseline && !matched; j++)
            if (!used[j] && baseline[j] == live[i])
                used[j] = matched = true;
        if (!matched)
            left++;
    }
    return left;
}

/* LEAK lines for the live allocations of generation g made where one of
 * generation g - 1 is still live too (a block replaced, as a cache's
 * table grown, is not a leak), with the backtraces captured. */
static void
report_leaks(unsigned g)
{
    static void *live[MAX_SITES], *before[MAX_SITES];
    size_t n = fa_live_gen(g, live, MAX_SITES), i, j, shown = 0;
    size_t nb4 = fa_live_gen(g - 1, before, MAX_SITES);

    if (n > MAX_SITES)
        n = MAX_SITES;
    if (nb4 > MAX_SITES)
        nb4 = MAX_SITES;
    for (i = 0; i < n && shown < 8; i++) {
        void *bt[FA_FRAMES];
        char where[256];
        size_t nth = 0;
        bool again = false;
        int k, nb;

        for (j = 0; j < nb4 && !again; j++)
            again = before[j] == live[i];
        if (!again)
            continue;
        shown++;
        describe(live[i], where, sizeof(where));
        put("LEAK %s\n", where);
        for (j = 0; j < i; j++)
            nth += live[j] == live[i];
        nb = fa_live_backtrace(live[i], nth, bt);
        /* Frames 0 and 1 are this program's malloc. */
        for (k = 2; k < nb; k++) {
            describe(bt[k], where, sizeof(where));
            put("  at %s\n", where);
        }
    }
}

/*
 * The default credential's cache as it was when the program started
 * (alice's TGT only), and each child's own copy of it: runs that store
 * service tickets in a shared cache would change the path of the runs
 * after them, and a finding would not replay with --at.
 */
static char pristine_cc[512], child_cc[600];

static bool
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out;
    char buf[4096];
    size_t n;
    bool ok = true;

    if (in == NULL)
        return false;
    out = fopen(to, "wb");
    if (out == NULL) {
        fclose(in);
        return false;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ok = ok && fwrite(buf, 1, n, out) == n;
    fclose(in);
    return fclose(out) == 0 && ok;
}

static void
child_ccache(void)
{
    static char name[620];

    if (pristine_cc[0] == '\0')
        return;
    snprintf(child_cc, sizeof(child_cc), "%s.%d", pristine_cc,
             (int)getpid());
    if (copy_file(pristine_cc, child_cc)) {
        snprintf(name, sizeof(name), "FILE:%s", child_cc);
        setenv("KRB5CCNAME", name, 1);
    } else {
        child_cc[0] = '\0';
    }
}

static void
child_exit(void)
{
    if (child_cc[0] != '\0')
        unlink(child_cc);
    _exit(0);
}

static void
child_setup(void)
{
    static char stack[65536];
    stack_t ss = { .ss_sp = stack, .ss_size = sizeof(stack) };
    struct sigaction sa;
    int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
    size_t i;
    int devnull;

    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    alarm(60);
    /* The CLI's output, and the libraries' complaints, go nowhere. */
    devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0 && !verbose) {
        dup2(devnull, 1);
        dup2(devnull, 2);
    }
    g_bad[0] = '\0';
    g_status = SEC_E_OK;
    g_status_call = "";
    child_ccache();
}

/*
 * The child: run the scenario with allocation k failed (k < 0: none, the
 * clean run), judge, report. What a run leaves behind beyond the clean
 * run's leftovers is reported as LEFT n; the parent then runs
 * child_repeat() to tell a leak from state a library keeps.
 */
static void
child(const struct scenario *s, long k)
{
    SECURITY_STATUS st;
    void *site;
    long count;
    size_t i, left = 0;
    char where[256];

    child_setup();
    fa_arm(k, false);
    st = s->run();
    fa_disarm();
    /* OpenSSL keeps a thread's errors, and buffers for their texts even
     * once cleared (up to 16): state of the thread, not a leak. MIT's
     * PKINIT module leaves some there when it tries identities. Freed
     * with the thread's other OpenSSL state; made again on next use. */
    OPENSSL_thread_stop();
    count = fa_count();
    site = fa_failed_site();
    if (k < 0) {
        /* The clean run: its leftovers are the baseline, sent to the
         * parent (addresses mean the same there: a fork). */
        static void *live[MAX_SITES];
        size_t n = fa_live(live, MAX_SITES);

        for (i = 0; i < n && i < MAX_SITES; i++)
            put("KEEP %p\n", live[i]);
    } else {
        left = leftovers();
    }
    fa_stop();
    describe(site, where, sizeof(where));
    put("RESULT count=%ld injected=%d status=0x%08X call=%s site=%s "
        "ours=%d left=%zu\n",
        count, site != NULL, (unsigned)st,
        g_status_call[0] ? g_status_call : g_call, where,
        site != NULL && ours(module_of(site)), left);
    if (g_bad[0] != '\0')
        put("BAD %s\n", g_bad);
    else if (site == NULL && st != SEC_E_OK)
        put("BAD the clean run failed: %s at %s: %s\n",
            sspigss_status_name(st), g_status_call,
            sspigss_last_error());
    else if (site != NULL && st != SEC_E_OK
             && (st > 0 || !known(st)))
        put("BAD the run ended %s (0x%08X), not a SEC_E_ code\n",
            sspigss_status_name(st), (unsigned)st);
    else if (site != NULL && st != SEC_E_OK && ours(module_of(site))
             && st != SEC_E_INSUFFICIENT_MEMORY)
        put("BAD our allocation failed but %s returned %s, not "
            "SEC_E_INSUFFICIENT_MEMORY\n", g_status_call,
            sspigss_status_name(st));
    if (site != NULL && st != SEC_E_OK)
        put("WHY %s\n", sspigss_last_error());
    if (site != NULL && verbose) {
        void *bt[FA_FRAMES];
        int j, nb = fa_failed_backtrace(bt);

        for (j = 2; j < nb; j++) {
            describe(bt[j], where, sizeof(where));
            put("FAILED at %s\n", where);
        }
    }
    if (!bystander_ok())
        put("BAD the bystander credential no longer answers\n");
    if (site != NULL && st != SEC_E_OK) {
        SECURITY_STATUS r;

        g_bad[0] = '\0';
        g_status = SEC_E_OK;
        r = s->recover();
        if (r != SEC_E_OK || g_bad[0] != '\0')
            put("BAD after the failure, the scenario again: %s at %s "
                "(%s) %s\n", sspigss_status_name(r), g_status_call,
                sspigss_last_error(), g_bad);
    }
    child_exit();
}

/*
 * The same failing run three times in one process: a leak grows the heap
 * each time by what the run leaves; state a library keeps (a cache
 * filled on first use, the last error message of a thread) stops growing
 * once filled. LEAK lines name what the third run left, with backtraces.
 */
static void
child_repeat(const struct scenario *s, long k)
{
    size_t live[3];
    unsigned g;

    child_setup();
    fa_arm(k, true);
    for (g = 0; g < 3; g++) {
        if (g > 0)
            fa_rearm(k);
        s->run();
        fa_disarm();
        OPENSSL_thread_stop();
        live[g] = fa_live(NULL, 0);
    }
    fa_stop();
    put("REPEAT live=%zu,%zu,%zu\n", live[0], live[1], live[2]);
    if (live[2] > live[1] && live[1] > live[0]) {
        void *bt[FA_FRAMES];
        char where[256];
        int j, nb = fa_failed_backtrace(bt);

        for (j = 2; j < nb; j++) {
            describe(bt[j], where, sizeof(where));
            put("FAILED at %s\n", where);
        }
        report_leaks(3);
    }
    child_exit();
}

/* ------------------------------------------------------ the parent */

/*
 * Faults of the libraries underneath, told apart from ours by where they
 * happen: every word of a row must be in the report of the run (its
 * failed allocation's backtrace, and the backtraces of what leaked or
 * the crash's frames). docs/reliability.md lists each with its
 * reproduction (--only SCENARIO --at K) and the source it comes from.
 */
static const struct known_fault {
    const char *kind;           /* "leak" or "crash" */
    const char *words[3];
    const char *what;
} known_faults[] = {
    { "crash", { "krb5_tkt_creds_free", "krb5_tkt_creds_init", NULL },
      "MIT krb5: krb5_tkt_creds_init, failing before it has duplicated "
      "the ccache (krb5_copy_creds out of memory), frees its state with "
      "krb5_cc_close on a NULL cache (src/lib/krb5/krb/get_creds.c; "
      "unchanged on krb5 master)" },
    { "crash", { "gss_import_sec_context", "k5_internalize_principal",
                 NULL },
      "MIT krb5: gss_import_sec_context, when an allocation fails while it "
      "rebuilds a Kerberos context, goes on and reads through the pointer "
      "it did not get (src/lib/gssapi/krb5/ser_sctx.c)" },
    { "crash", { "gss_inquire_sec_context_by_oid",
                 "(the allocation that failed:)", NULL },
      "MIT krb5: generic_gss_add_buffer_set_member drops the element array "
      "when realloc fails but keeps the count, and the session-key "
      "inquiry's cleanup reads element 0 of it "
      "(src/lib/gssapi/generic/util_buffer_set.c, krb5/inq_context.c)" },
    { "crash", { "krb5_free_creds", "krb5_get_credentials", NULL },
      "MIT krb5: krb5_get_credentials frees the copy that "
      "krb5_tkt_creds_get_creds left half-made when an allocation failed, "
      "whose pointers are still the context's own: a double free "
      "(src/lib/krb5/krb/get_creds.c, copy_creds.c)" },
    { "crash", { "krb5_sendto_kdc", "profile_get_values", NULL },
      "MIT krb5: locating the realm's KDCs goes on after an allocation "
      "fails and crashes reading the profile (src/lib/krb5/os/"
      "locate_kdc.c, reached by krb5_sendto_kdc)" },
    { "crash", { "gss_accept_sec_context",
                 "libgssapi_krb5.so.2(+0x21089)", NULL },
      "MIT krb5: the acceptor (kg_accept_krb5) uses the authenticator copy "
      "that krb5_copy_authenticator failed to make (src/lib/gssapi/krb5/"
      "accept_sec_context.c)" },
    { "crash", { "krb5_auth_con_free", "krb5_free_authenticator",
                 "gss_init_sec_context" },
      "MIT krb5: krb5_mk_req_extended leaves the authenticator it "
      "malloc'd uninitialised in the auth context when a step before "
      "generate_authenticator fails (krb5_get_tgs_ktypes); freeing the "
      "auth context frees garbage (src/lib/krb5/krb/mk_req_ext.c)" },
    { "crash", { "krb5_tkt_creds_step", "libkrb5.so.3(+0x47159)", NULL },
      "MIT krb5: a step of the TGS exchange (krb5_tkt_creds_step) goes "
      "on after an allocation fails and crashes in the ASN.1 encoder "
      "(src/lib/krb5/krb/get_creds.c; identified by offset in Debian "
      "12's build, not yet read to the line)" },
    { "crash", { "gss_indicate_mechs_by_attrs",
                 "libgssapi_krb5.so.2(+0x39294)", NULL },
      "MIT krb5: SPNEGO's get_available_mechs reads mechs->count before "
      "it looks at what gss_indicate_mechs_by_attrs returned; when that "
      "fails out of memory the set is NULL (src/lib/gssapi/spnego/"
      "spnego_mech.c; reached by every Negotiate acceptor credential)" },
    { "crash", { "gss_release_cred", "gss_set_cred_option", NULL },
      "MIT krb5: alloc_union_cred sets the credential's count before its "
      "arrays; when an array cannot be allocated, the gss_release_cred of "
      "its cleanup walks the missing array (src/lib/gssapi/mechglue/"
      "g_set_cred_option.c, reached by gss_krb5_import_cred)" },
    { "crash", { "k5_plugin_load_all", "profile_get_values", NULL },
      "MIT krb5: loading a plugin interface goes on after an allocation "
      "fails and crashes reading the profile (src/lib/krb5/krb/plugin.c, "
      "reached by krb5_get_host_realm)" },
    /* gss-ntlmssp ships stripped: Debian 12's 1.2.0 build, by offset.
     * In each the allocation that failed and the crash are both inside
     * gss-ntlmssp, entered straight from the mechanism glue. */
    { "crash", { "gssntlmssp.so(+0xa9b9)", "gss_init_sec_context", NULL },
      "gss-ntlmssp 1.2.0: the client's first leg, out of memory, frees a "
      "pointer it never allocated (abort in free)" },
    { "crash", { "gssntlmssp.so(+0x6afd)", "iconv", NULL },
      "gss-ntlmssp 1.2.0: the client's AUTHENTICATE message, out of "
      "memory, goes on to convert a string with a failed iconv state" },
    { "crash", { "gssntlmssp.so(+0xeab3)", "gss_accept_sec_context",
                 NULL },
      "gss-ntlmssp 1.2.0: the acceptor, out of memory in its first leg, "
      "reads through the pointer it did not get" },
    /* The same fault when that pointer (an uninitialised stack slot)
     * happens to point at readable memory: the read at +0xeab3 of the
     * context deleter succeeds, and free() of what it read crashes, its
     * return address +0xeabc (negotiate-ntlm --all, --at 1098). */
    { "crash", { "gssntlmssp.so(+0xeabc)", "gss_accept_sec_context",
                 NULL },
      "gss-ntlmssp 1.2.0: the acceptor, out of memory in its first leg, "
      "frees what it read through the pointer it did not get" },
    { "crash", { "OSSL_LIB_CTX_new_child", "OSSL_PROVIDER_try_load",
                 NULL },
      "OpenSSL 3.0: a child library context (the legacy provider's, "
      "which gss-ntlmssp loads for MD4) that fails part-way is freed "
      "with half-made state and crashes (crypto/context.c, "
      "crypto/provider_child.c)" },
    { "leak", { "gss_release_name", "krb5_init_context", NULL },
      "MIT krb5: gss_release_name of a Kerberos name makes a new krb5 "
      "context first; when that fails the name is not freed "
      "(src/lib/gssapi/krb5/rel_name.c)" },
    { "leak", { "gss_release_cred", "krb5_init_context", NULL },
      "MIT krb5: gss_release_cred of a Kerberos credential makes a new "
      "krb5 context first; when that fails the credential is not freed "
      "(src/lib/gssapi/krb5/rel_cred.c)" },
    { "leak", { "libgssapi_krb5", "krb5_init_context_profile", NULL },
      "MIT krb5: a GSS-API call makes a krb5 context of its own; when "
      "that fails, what the call was given or had made is not freed" },
    { "leak", { "gssntlmssp.so(+0xab82)", "gss_acquire_cred_from", NULL },
      "gss-ntlmssp: an acceptor credential without a name leaks the empty "
      "name it imported, 32 bytes each time (src/gss_creds.c, "
      "get_server_creds; tests/lsan-gssntlmssp.supp)" },
    { "leak", { "gssntlmssp.so", "OSSL_PROVIDER_try_load", NULL },
      "gss-ntlmssp: when fetching MD4 fails it loads OpenSSL's legacy "
      "provider again, each time, and never unloads it (src/crypto.c)" },
};

/*
 * Is a leak report ours? Each leaked block is owned by the first module
 * of its backtrace, from the allocation up, that is not glibc (strdup,
 * asprintf allocate for their caller): libsspigss or this program
 * making a block it then loses is our bug; a block a library made and
 * lost inside itself is the library's.
 */
static bool is_libc(const char *module);
static void frame_module(const char *line, char *out, size_t size);

static bool
leak_is_ours(const char *report)
{
    const char *line = report;
    bool owned = true;

    while (line != NULL && *line != '\0') {
        const char *nl = strchr(line, '\n');
        char module[128];

        if (strncmp(line, "LEAK ", 5) == 0)
            owned = false;
        if (!owned && (strncmp(line, "LEAK ", 5) == 0
                       || strncmp(line, "  at ", 5) == 0)) {
            frame_module(line + 5, module, sizeof(module));
            if (!is_libc(module)) {
                owned = true;
                if (ours(module))
                    return true;
            }
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return false;
}

/* The row of known_faults the report matches, or NULL. */
static const struct known_fault *
known_fault(const char *kind, const char *report)
{
    size_t i, j;

    for (i = 0; i < sizeof(known_faults) / sizeof(known_faults[0]); i++) {
        const struct known_fault *f = &known_faults[i];
        bool all = strcmp(f->kind, kind) == 0;

        for (j = 0; all && j < 3 && f->words[j] != NULL; j++)
            all = strstr(report, f->words[j]) != NULL;
        if (all)
            return f;
    }
    return NULL;
}

struct tally {
    long runs, failed_runs, absorbed, failures, library_crashes;
    long kept;                  /* runs that left state a library keeps */
    long library_leaks;         /* leaks of known_faults */
    const char *notes[8];       /* the known_faults rows seen */
    char leak_sites[8][160];    /* library leaks not in known_faults */
    long leak_k[8];
    long codes[8];
    SECURITY_STATUS code_of[8];
    char crash_sites[8][256];
    long crash_count[8];
    long crash_k[8];            /* a run that shows it (--at K) */
};

static void
note(struct tally *t, const char *what)
{
    int i;

    for (i = 0; i < 8; i++) {
        if (t->notes[i] == what)
            return;
        if (t->notes[i] == NULL) {
            t->notes[i] = what;
            return;
        }
    }
}

/* A library leak not in known_faults: its first LEAK line, kept for the
 * summary (docs/reliability.md lists what is not analysed yet). */
static void
note_leak(struct tally *t, const char *report, long k)
{
    const char *l = strstr(report, "LEAK ");
    int i;

    if (l == NULL)
        return;
    for (i = 0; i < 8; i++) {
        if (t->leak_sites[i][0] == '\0') {
            snprintf(t->leak_sites[i], sizeof(t->leak_sites[i]), "%.*s",
                     (int)strcspn(l + 5, "\n"), l + 5);
            t->leak_k[i] = k;
            return;
        }
        if (strncmp(t->leak_sites[i], l + 5, strcspn(l + 5, "\n")) == 0)
            return;
    }
}

static void
count_code(struct tally *t, SECURITY_STATUS st)
{
    int i;

    for (i = 0; i < 8; i++) {
        if (t->codes[i] == 0 || t->code_of[i] == st) {
            t->code_of[i] = st;
            t->codes[i]++;
            return;
        }
    }
}

/* From a backtrace_symbols_fd line "path(sym+off)[addr]": the module's
 * base name into out. */
static void
frame_module(const char *line, char *out, size_t size)
{
    const char *end = strchr(line, '(');
    const char *start;
    size_t n;

    if (end == NULL)
        end = strchr(line, '[');
    if (end == NULL)
        end = line + strlen(line);
    start = end;
    while (start > line && start[-1] != '/')
        start--;
    n = (size_t)(end - start);
    if (n >= size)
        n = size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

static bool
is_libc(const char *module)
{
    return strncmp(module, "libc.so", 7) == 0
           || strncmp(module, "ld-linux", 8) == 0
           || strncmp(module, "libpthread", 10) == 0;
}

/*
 * Fork a child for allocation k, read what it reports. Returns the
 * allocation count of the run; *injected tells whether k was reached.
 * The clean run (k < 0) fills the baseline.
 */
static long
one_run(const struct scenario *s, long k, bool repeat, struct tally *t,
        bool *injected, bool *failed, size_t *left)
{
    static char buf[1 << 16];
    int fds[2], status;
    size_t n = 0;
    ssize_t r;
    pid_t pid;
    long count = -1;
    int inj = 0;
    unsigned code = 0;
    char *p;

    *injected = false;
    *failed = false;
    *left = 0;
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        report_fd = fds[1];
        if (repeat)
            child_repeat(s, k);
        child(s, k);
    }
    close(fds[1]);
    while ((r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    p = strstr(buf, "RESULT ");
    if (p != NULL) {
        char *l = strstr(p, " left=");

        sscanf(p, "RESULT count=%ld injected=%d status=0x%X", &count, &inj,
               &code);
        *injected = inj != 0;
        if (l != NULL)
            *left = strtoul(l + 6, NULL, 10);
    }
    if (k < 0) {
        char *q = buf;

        while ((q = strstr(q, "KEEP ")) != NULL && nbaseline < MAX_SITES) {
            void *site = NULL;

            if (sscanf(q, "KEEP %p", &site) == 1)
                baseline[nbaseline++] = site;
            q += 5;
        }
    }
    if (repeat) {
        /* Only the leak verdict counts here; the run itself was judged
         * in its first child. */
        const struct known_fault *f = known_fault("leak", buf);

        if (strstr(buf, "LEAK ") != NULL && !leak_is_ours(buf)) {
            t->library_leaks++;
            if (f != NULL)
                note(t, f->what);
            else
                note_leak(t, buf, k);
            if (verbose)
                printf("  library leak %s k=%ld: %s\n%s", s->name, k,
                       f != NULL ? f->what : "(not analysed)", buf);
        } else if (strstr(buf, "LEAK ") != NULL) {
            printf("  FAIL %s k=%ld: a leak (the same failing run, "
                   "repeated, leaves more each time):\n%s", s->name, k,
                   buf);
            *failed = true;
            t->failures++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            t->kept++;
        }
        return count;
    }
    if (k >= 0)
        t->runs++;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        char *c = strstr(buf, "CRASH\n");
        char module[128] = "?", first[256] = "?";
        static char frames[1 << 15];

        snprintf(frames, sizeof(frames), "%s", c != NULL ? c + 6 : "");

        *injected = true;
        if (sig == SIGALRM) {
            printf("  FAIL %s k=%ld: hung (60 s)\n", s->name, k);
            *failed = true;
            t->failures++;
            return count;
        }
        if (c != NULL) {
            /* Frames: 0 the handler, 1 the signal trampoline, then the
             * faulting code; glibc's frames (abort, free) are skipped. */
            char *line = c + 6;
            int i = 0;

            while (*line != '\0') {
                char *nl = strchr(line, '\n');

                if (nl != NULL)
                    *nl = '\0';
                if (i >= 2) {
                    frame_module(line, module, sizeof(module));
                    if (!is_libc(module)) {
                        snprintf(first, sizeof(first), "%s", line);
                        break;
                    }
                }
                i++;
                if (nl == NULL)
                    break;
                line = nl + 1;
            }
        }
        if (ours(module) || strcmp(module, "?") == 0) {
            printf("  FAIL %s k=%ld: signal %d in our code: %s\n",
                   s->name, k, sig, first);
            printf("%s\n", frames);
            *failed = true;
            t->failures++;
        } else if (known_fault("crash", frames) == NULL) {
            /* Inside a library, but not one of the analysed faults: a
             * library's frame on top says little (our double free
             * crashes in free(), our bad handle inside MIT), so it
             * fails until someone has read the backtrace and either
             * fixed our code or added a known_faults row. */
            printf("  FAIL %s k=%ld: signal %d in %s, not an analysed "
                   "library fault (--at %ld):\n%s\n", s->name, k, sig, module,
                   k, frames);
            *failed = true;
            t->failures++;
        } else {
            const struct known_fault *f = known_fault("crash", frames);
            int i;

            if (f != NULL)
                snprintf(first, sizeof(first), "%s", f->what);
            t->library_crashes++;
            for (i = 0; i < 8; i++) {
                if (t->crash_count[i] == 0
                    || strcmp(t->crash_sites[i], first) == 0) {
                    snprintf(t->crash_sites[i], sizeof(t->crash_sites[i]),
                             "%s", first);
                    if (t->crash_count[i]++ == 0)
                        t->crash_k[i] = k;
                    break;
                }
            }
            if (verbose)
                printf("  library crash %s k=%ld: signal %d: %s\n%s\n",
                       s->name, k, sig, first, frames);
        }
        return count;
    }
    if (p == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("  FAIL %s k=%ld: no result (exit %d)\n%s", s->name, k,
               WIFEXITED(status) ? WEXITSTATUS(status) : -1, buf);
        *failed = true;
        t->failures++;
        return count;
    }
    if (strstr(buf, "BAD ") != NULL) {
        printf("  FAIL %s k=%ld:\n%s", s->name, k, buf);
        *failed = true;
        t->failures++;
        return count;
    }
    if (k >= 0 && *injected) {
        t->failed_runs++;
        if (code == 0)
            t->absorbed++;
        else
            count_code(t, (SECURITY_STATUS)code);
    }
    if (verbose)
        printf("%s", buf);
    return count;
}

/*
 * The clean run, in a child: how many allocations the scenario makes,
 * and which of them outlive it (the baseline for the leak check).
 */
static long
clean_run(const struct scenario *s, struct tally *t)
{
    bool injected, failed;
    size_t left;
    long count;

    nbaseline = 0;
    count = one_run(s, -1, false, t, &injected, &failed, &left);
    return failed ? -1 : count;
}

/* The scenario in this process, its output (the CLI's) to /dev/null. */
static bool
quiet_run(const struct scenario *s)
{
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    SECURITY_STATUS st;

    fflush(stdout);
    fflush(stderr);
    if (!verbose && null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
    }
    g_bad[0] = '\0';
    g_status = SEC_E_OK;
    st = s->run();
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    if (null >= 0)
        close(null);
    return st == SEC_E_OK && g_bad[0] == '\0';
}

static int
run_scenario(const struct scenario *s, long sample)
{
    struct tally t;
    long total, k, step = 1, last = -1;
    bool injected, failed;
    size_t left;
    int i;

    memset(&t, 0, sizeof(t));
    current = s;
    if (s->prepare != NULL && !s->prepare()) {
        printf("FAIL %s: could not prepare (%s)\n", s->name,
               sspigss_last_error());
        return 1;
    }
    /* Once in this process, so that one-time initialisation (the GSS
     * mechanism list, OpenSSL's tables, profile caches) happens before
     * the runs, as in a program that has run for a while. The tool's
     * output goes nowhere. */
    if (!quiet_run(s)) {
        printf("FAIL %s: the scenario fails without injected failures: "
               "%s at %s: %s %s\n", s->name, sspigss_status_name(g_status),
               g_status_call, sspigss_last_error(), g_bad);
        if (s->finish != NULL)
            s->finish();
        return 1;
    }
    /* What the runs share is made again when the first run used it. */
    if (s->reprepare && s->finish != NULL)
        s->finish();
    if (s->reprepare && !s->prepare()) {
        printf("FAIL %s: could not prepare again (%s)\n", s->name,
               sspigss_last_error());
        return 1;
    }
    memset(&ms, 0, sizeof(ms));
    rec_step = 0;
    total = clean_run(s, &t);
    if (total < 0) {
        printf("FAIL %s: the clean run failed\n", s->name);
        if (s->finish != NULL)
            s->finish();
        return 1;
    }
    if (sample > 0 && total > sample)
        step = (total + sample - 1) / sample;
    if (only_at >= 0) {
        one_run(s, only_at, false, &t, &injected, &failed, &left);
        if (!failed && left > 0)
            one_run(s, only_at, true, &t, &injected, &failed, &left);
        total = 0;              /* no more runs */
    }
    for (k = 0; only_at < 0 && k < total + 1; k += step) {
        /* Sampling: spread over the run, a different offset per
         * scenario so that repeated runs do not favour one phase. */
        long at = k;

        if (step > 1 && k > 0)
            at = k + (long)((unsigned)(k * 2654435761u) % (unsigned)step);
        if (at >= total)
            at = total;
        if (at <= last)
            continue;
        last = at;
        one_run(s, at, false, &t, &injected, &failed, &left);
        /* Left something behind: a leak, or a library's kept state? */
        if (!failed && left > 0)
            one_run(s, at, true, &t, &injected, &failed, &left);
        if (t.failures > 20)
            break;
    }
    if (s->finish != NULL)
        s->finish();

    printf("%-18s %6ld allocations, %5ld runs: %5ld failed cleanly, %4ld "
           "absorbed, %3ld kept state, %3ld library leaks, %3ld library "
           "crashes, %ld FAILURES\n", s->name, total, t.runs,
           t.failed_runs - t.absorbed, t.absorbed, t.kept, t.library_leaks,
           t.library_crashes, t.failures);
    for (i = 0; i < 8 && t.notes[i] != NULL; i++)
        printf("    known: %s\n", t.notes[i]);
    for (i = 0; i < 8 && t.leak_sites[i][0] != '\0'; i++)
        printf("    library leak, not analysed (--at %ld): %s\n",
               t.leak_k[i], t.leak_sites[i]);
    for (i = 0; i < 8 && t.codes[i] > 0; i++)
        printf("    %-40s %ld\n", sspigss_status_name(t.code_of[i]),
               t.codes[i]);
    for (i = 0; i < 8 && t.crash_count[i] > 0; i++)
        printf("    library crash x%ld (--at %ld): %s\n", t.crash_count[i],
               t.crash_k[i], t.crash_sites[i]);
    return t.failures > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    long sample = 60;
    const char *only = NULL;
    const char *v;
    int i, failed = 0;
    size_t si;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            sample = 0;
        else if (strcmp(argv[i], "--sample") == 0 && i + 1 < argc)
            sample = atol(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = true;
        else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            only_at = atol(argv[++i]);
            verbose = true;
        }
        else {
            fprintf(stderr, "usage: alloc_torture [--all | --sample N] "
                            "[--only NAME] [--at K] [--verbose]\n");
            return 2;
        }
    }
    if (!fa_init() || !fa_interposed()) {
        puts("torture: the allocator is replaced (valgrind or a "
             "sanitizer): allocation failures cannot be injected here");
        return 77;
    }
    realm = getenv("SSPIGSS_REALM");
    host = getenv("SSPIGSS_HOST");
    tls_dir = getenv("SSPIGSS_TLS_DIR");
    v = getenv("SSPIGSS_TORTURE_GSS_PORT");
    gss_port = v != NULL ? atoi(v) : 0;
    if (realm == NULL || host == NULL || tls_dir == NULL) {
        fprintf(stderr, "torture: run it through tests/check_torture.sh "
                        "(SSPIGSS_REALM, SSPIGSS_HOST, SSPIGSS_TLS_DIR)\n");
        return 99;
    }
    snprintf(spn, sizeof(spn), "host/%s", host);
    snprintf(p12_path, sizeof(p12_path), "%s/localhost.p12", tls_dir);
    snprintf(trust_path, sizeof(trust_path), "%s/trust.pem", tls_dir);
    setenv("SSL_CERT_FILE", trust_path, 1);
    v = getenv("KRB5CCNAME");
    if (v != NULL && strncmp(v, "FILE:", 5) == 0) {
        snprintf(pristine_cc, sizeof(pristine_cc), "%s.pristine", v + 5);
        if (!copy_file(v + 5, pristine_cc))
            pristine_cc[0] = '\0';
    }
    setenv("SSL_CERT_DIR", "/nonexistent", 1);

    if (acquire("Kerberos", SECPKG_CRED_OUTBOUND, NULL, &bystander)
        != SEC_E_OK) {
        fprintf(stderr, "torture: no default credential: %s\n",
                sspigss_last_error());
        return 99;
    }
    printf("torture: %s\n", sample > 0 ? "sampled runs" : "every allocation");
    for (si = 0; si < sizeof(scenarios) / sizeof(scenarios[0]); si++) {
        if (only != NULL && strcmp(only, scenarios[si].name) != 0)
            continue;
        failed |= run_scenario(&scenarios[si], sample);
        fflush(stdout);
    }
    FreeCredentialsHandle(&bystander);
    if (server_cert != NULL)
        CertFreeCertificateContext(server_cert);
    return failed ? 1 : 0;
}
