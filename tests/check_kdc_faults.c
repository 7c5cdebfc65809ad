/*
 * check_kdc_faults.c - the Kerberos and Negotiate packages facing a KDC
 * that fails: down, hung (answers nothing within the client's time),
 * closing the connection mid-reply, a truncated or garbage reply, a KDC
 * of another realm, and a KDC reachable over one transport only (issue
 * #15, item 2; docs/reliability.md, "KDC faults").
 *
 * Each scenario asserts the exact SEC code, that the failing call returns
 * within a bound, that the credential handle stays valid and no context
 * handle is made, and that a later call succeeds once the KDC is healthy:
 * the same credential handle again (the package keeps the password and
 * asks for the initial ticket at each InitializeSecurityContext until it
 * has one), and a new credential handle.
 *
 * The faulty KDC is a thread of the test process (struct fault_kdc): it
 * listens on 127.0.0.1 over TCP, UDP or both, reads each request and,
 * according to its current fault, forwards it to the real KDC of
 * tests/harness/kdc.sh and relays the reply (healthy), holds it and says
 * nothing, relays half the reply and closes, relays a reply cut in half,
 * or answers with bytes that are no Kerberos message. Each test writes a
 * client profile naming the fault KDC as the realm's only KDC and points
 * KRB5_CONFIG at it (Check's fork mode keeps that to the test).
 *
 * MIT krb5 1.20's client has no setting for its KDC timeouts (no
 * request_timeout; Heimdal's kdc_timeout and max_retries are not read),
 * so a KDC that never answers costs MIT's fixed schedule: one second per
 * UDP server per pass and ten seconds for an established TCP connection,
 * plus 2 + 4 + 8 s of backoff over three passes (sendto_kdc.c), 27 s
 * measured when both transports are open but silent. That scenario has a
 * bound of its own (SILENT_BOUND); every other fault must end within
 * FAST_BOUND. The bounds hold under valgrind and ASan: the time is spent
 * waiting, not computing.
 *
 * Run through tests/check_kdc_faults.sh, which starts SSPIGSS.TEST and a
 * second realm, OTHER.TEST, and sets:
 *   SSPIGSS_KDC_PORT     the real KDC of SSPIGSS.TEST (kdc.sh's env)
 *   SSPIGSS_KDC_DIR      its directory; DIR/ccache holds alice's TGT
 *   SSPIGSS_OTHER_PORT   the KDC of OTHER.TEST (no alice there)
 *   SSPIGSS_FAULTS_DIR   where the client profiles are written
 */
#include "setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "handles.h"
#include "internal.h"
#include "testutil.h"

#define REALM "SSPIGSS.TEST"
#define TARGET "host/sspigss.test"
#define ALICE_PW "alice-pw-1"
#define REQ_ALL (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY \
                 | ISC_REQ_INTEGRITY)
#define MAX_TOKEN 48000

/* Seconds a failing call may take (module comment). */
#define FAST_BOUND 10.0
#define SILENT_BOUND 35.0

#define assert_sec(got, want)                                             \
    do {                                                                  \
        SECURITY_STATUS g_ = (got), w_ = (want);                          \
        ck_assert_msg(g_ == w_, "got %s (0x%08X), want %s (0x%08X): %s",  \
                      sspigss_status_name(g_), (unsigned)g_,              \
                      sspigss_status_name(w_), (unsigned)w_,              \
                      sspigss_last_error());                              \
    } while (0)

/* ------------------------------------------------------ the fault KDC */

enum fault {
    F_HEALTHY,      /* relay the real KDC's reply */
    F_SILENT,       /* read the request, never answer */
    F_CLOSE_MID,    /* TCP: announce the whole reply, send half, close */
    F_TRUNCATE,     /* a reply cut in half (TCP: framed as its length) */
    F_GARBAGE,      /* bytes that are no Kerberos message */
    F_WRONG_REALM   /* a KRB-ERROR: KDC_ERR_WRONG_REALM, no referral */
};

#define T_TCP 1
#define T_UDP 2
#define MAX_HELD 32

struct fault_kdc {
    pthread_t thread;
    bool started;
    int tcp, udp, wake[2];
    int held[MAX_HELD];         /* silent TCP connections, kept open */
    int nheld;
    uint16_t port, upstream;
    atomic_int fault;
};

static const char *
env_or_die(const char *name)
{
    const char *v = getenv(name);

    ck_assert_msg(v != NULL && *v != '\0', "%s is not set: run this suite "
                  "through tests/check_kdc_faults.sh", name);
    return v;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
set_timeouts(int fd, int seconds)
{
    struct timeval tv = { seconds, 0 };

    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool
read_all(int fd, void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = recv(fd, p, len, 0);

        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool
write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static int
loopback_socket(int type, uint16_t port)
{
    struct sockaddr_in a;
    int one = 1;
    int fd = socket(AF_INET, type, 0);

    if (fd < 0)
        return -1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || (type == SOCK_STREAM && listen(fd, 16) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint16_t
port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    return ntohs(a.sin_port);
}

/*
 * The real KDC's reply to req (TCP, RFC 4120 7.2.2 framing); *len in,
 * reply length out. False when it does not answer.
 */
static bool
ask_upstream(uint16_t port, const unsigned char *req, uint32_t reqlen,
             unsigned char *reply, uint32_t *len)
{
    struct sockaddr_in a;
    unsigned char hdr[4];
    uint32_t n;
    bool ok = false;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return false;
    set_timeouts(fd, 5);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    n = htonl(reqlen);
    memcpy(hdr, &n, 4);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0
        && write_all(fd, hdr, 4) && write_all(fd, req, reqlen)
        && read_all(fd, hdr, 4)) {
        memcpy(&n, hdr, 4);
        n = ntohl(n);
        if (n <= *len && read_all(fd, reply, n)) {
            *len = n;
            ok = true;
        }
    }
    close(fd);
    return ok;
}

/*
 * A KRB-ERROR (RFC 4120 5.9.1) saying KDC_ERR_WRONG_REALM (68) for
 * krbtgt/SSPIGSS.TEST without naming the client's realm (no crealm or
 * cname): a KDC that will not serve the realm and gives no referral.
 * Returns its length, 0 when out is too small.
 */
static uint32_t
wrong_realm_error(unsigned char *out, uint32_t cap)
{
    static const unsigned char body[] = {
        0xa0, 0x03, 0x02, 0x01, 0x05,               /* pvno 5 */
        0xa1, 0x03, 0x02, 0x01, 0x1e,               /* msg-type 30 */
        0xa4, 0x11, 0x18, 0x0f,                     /* stime */
        '2', '0', '2', '6', '0', '1', '0', '1', '0', '0', '0', '0',
        '0', '0', 'Z',
        0xa5, 0x03, 0x02, 0x01, 0x00,               /* susec */
        0xa6, 0x03, 0x02, 0x01, 0x44,               /* error-code 68 */
        0xa9, 0x0e, 0x1b, 0x0c,                     /* realm */
        'S', 'S', 'P', 'I', 'G', 'S', 'S', '.', 'T', 'E', 'S', 'T',
        0xaa, 0x21, 0x30, 0x1f,                     /* sname */
        0xa0, 0x03, 0x02, 0x01, 0x02,               /* NT-SRV-INST */
        0xa1, 0x18, 0x30, 0x16,
        0x1b, 0x06, 'k', 'r', 'b', 't', 'g', 't',
        0x1b, 0x0c,
        'S', 'S', 'P', 'I', 'G', 'S', 'S', '.', 'T', 'E', 'S', 'T',
    };
    uint32_t n = (uint32_t)sizeof(body);

    if (cap < n + 4 || n > 127)
        return 0;
    out[0] = 0x7e;                  /* [APPLICATION 30] */
    out[1] = (unsigned char)(n + 2);
    out[2] = 0x30;                  /* SEQUENCE */
    out[3] = (unsigned char)n;
    memcpy(out + 4, body, n);
    return n + 4;
}

/*
 * What the fault KDC sends back for one request: the bytes to send and,
 * for TCP, the length announced in the frame. False: say nothing.
 */
static bool
fault_reply(struct fault_kdc *k, enum fault f, const unsigned char *req,
            uint32_t reqlen, unsigned char *out, uint32_t *outlen,
            uint32_t *announced)
{
    /* 's' (0x73) opens no Kerberos message (AS-REP 0x6b, KRB-ERROR
     * 0x7e): MIT's client says KRB5KRB_AP_ERR_MSG_TYPE. */
    static const char garbage[] = "sspigss-garbage, no Kerberos reply. ";
    uint32_t len = *outlen;

    switch (f) {
    case F_SILENT:
        return false;
    case F_WRONG_REALM:
        len = wrong_realm_error(out, *outlen);
        *outlen = *announced = len;
        return len != 0;
    case F_GARBAGE:
        len = (uint32_t)(sizeof(garbage) - 1);
        memcpy(out, garbage, len);
        *outlen = *announced = len;
        return true;
    default:
        break;
    }
    if (!ask_upstream(k->upstream, req, reqlen, out, &len))
        return false;
    *announced = len;
    if (f == F_TRUNCATE)
        *announced = len / 2;
    *outlen = f == F_HEALTHY ? len : len / 2;
    return true;
}

static void
serve_tcp(struct fault_kdc *k)
{
    static unsigned char req[65536], rep[65536];
    unsigned char hdr[4];
    uint32_t n, replen = sizeof(rep), announced;
    enum fault f;
    int fd = accept(k->tcp, NULL, NULL);

    if (fd < 0)
        return;
    set_timeouts(fd, 5);
    if (!read_all(fd, hdr, 4)) {
        close(fd);
        return;
    }
    memcpy(&n, hdr, 4);
    n = ntohl(n);
    if (n > sizeof(req) || !read_all(fd, req, n)) {
        close(fd);
        return;
    }
    f = (enum fault)atomic_load(&k->fault);
    if (!fault_reply(k, f, req, n, rep, &replen, &announced)) {
        /* Silent: keep the connection open, as a hung KDC's kernel
         * does, so the client waits rather than seeing it closed. */
        if (k->nheld == MAX_HELD)
            close(k->held[--k->nheld]);
        k->held[k->nheld++] = fd;
        return;
    }
    announced = htonl(announced);
    memcpy(hdr, &announced, 4);
    (void)(write_all(fd, hdr, 4) && write_all(fd, rep, replen));
    close(fd);
}

static void
serve_udp(struct fault_kdc *k)
{
    static unsigned char req[65536], rep[65536];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    uint32_t replen = sizeof(rep), announced;
    ssize_t n = recvfrom(k->udp, req, sizeof(req), 0,
                         (struct sockaddr *)&from, &flen);

    if (n <= 0)
        return;
    /* Over UDP a reply closed mid-way is a datagram cut short. */
    if (fault_reply(k, (enum fault)atomic_load(&k->fault), req,
                    (uint32_t)n, rep, &replen, &announced))
        (void)sendto(k->udp, rep, replen, 0, (struct sockaddr *)&from,
                     flen);
}

static void *
fault_kdc_main(void *arg)
{
    struct fault_kdc *k = arg;

    for (;;) {
        struct pollfd p[3] = {
            { k->wake[0], POLLIN, 0 }, { k->tcp, POLLIN, 0 },
            { k->udp, POLLIN, 0 } };

        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents != 0)
            break;
        if (p[1].revents & POLLIN)
            serve_tcp(k);
        if (p[2].revents & POLLIN)
            serve_udp(k);
    }
    return NULL;
}

/*
 * Listen on 127.0.0.1:port (0: a free port, the same for TCP and UDP)
 * over the transports in `transports`; faults start healthy.
 */
static void
fault_kdc_start(struct fault_kdc *k, unsigned transports, uint16_t port)
{
    int attempt;

    memset(k, 0, sizeof(*k));
    k->tcp = k->udp = -1;
    k->upstream = (uint16_t)strtoul(env_or_die("SSPIGSS_KDC_PORT"), NULL,
                                    10);
    atomic_store(&k->fault, F_HEALTHY);
    for (attempt = 0; attempt < 20; attempt++) {
        uint16_t p = port;
        int probe = -1;

        if (p == 0) {
            /* A port free for both transports. */
            probe = loopback_socket(SOCK_STREAM, 0);
            ck_assert_int_ge(probe, 0);
            p = port_of(probe);
            close(probe);
        }
        if (transports & T_TCP)
            k->tcp = loopback_socket(SOCK_STREAM, p);
        if (transports & T_UDP)
            k->udp = loopback_socket(SOCK_DGRAM, p);
        if ((!(transports & T_TCP) || k->tcp >= 0)
            && (!(transports & T_UDP) || k->udp >= 0)) {
            k->port = p;
            break;
        }
        if (k->tcp >= 0)
            close(k->tcp);
        if (k->udp >= 0)
            close(k->udp);
        k->tcp = k->udp = -1;
        ck_assert_msg(port == 0, "port %u is taken", (unsigned)port);
    }
    ck_assert_msg(k->port != 0, "no free port for the fault KDC");
    ck_assert_int_eq(pipe(k->wake), 0);
    ck_assert_int_eq(pthread_create(&k->thread, NULL, fault_kdc_main, k),
                     0);
    k->started = true;
}

static void
fault_kdc_stop(struct fault_kdc *k)
{
    int i;

    if (!k->started)
        return;
    ck_assert_int_eq(write(k->wake[1], "x", 1), 1);
    pthread_join(k->thread, NULL);
    for (i = 0; i < k->nheld; i++)
        close(k->held[i]);
    if (k->tcp >= 0)
        close(k->tcp);
    if (k->udp >= 0)
        close(k->udp);
    close(k->wake[0]);
    close(k->wake[1]);
    k->started = false;
}

/* A port nothing listens on, over either transport (for "down"). */
static uint16_t
unused_port(void)
{
    struct fault_kdc k;
    uint16_t p;

    fault_kdc_start(&k, T_TCP | T_UDP, 0);
    p = k.port;
    fault_kdc_stop(&k);
    return p;
}

/* ------------------------------------------------------ client side */

/*
 * Point KRB5_CONFIG at a profile whose SSPIGSS.TEST has one KDC,
 * 127.0.0.1:port. udp_limit is udp_preference_limit: 1 tries TCP first,
 * 65535 UDP first (MIT tries the other transport next either way).
 */
static void
use_kdc(uint16_t port, int udp_limit)
{
    static char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/krb5-%ld-%u.conf",
             env_or_die("SSPIGSS_FAULTS_DIR"), (long)getpid(),
             (unsigned)port);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "[libdefaults]\n"
            "    default_realm = " REALM "\n"
            "    dns_lookup_kdc = false\n"
            "    dns_lookup_realm = false\n"
            "    dns_canonicalize_hostname = false\n"
            "    rdns = false\n"
            "    udp_preference_limit = %d\n"
            "[realms]\n"
            "    " REALM " = {\n"
            "        kdc = 127.0.0.1:%u\n"
            "    }\n"
            "[domain_realm]\n"
            "    sspigss.test = " REALM "\n"
            "    .sspigss.test = " REALM "\n",
            udp_limit, (unsigned)port);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(setenv("KRB5_CONFIG", path, 1), 0);
}

/* alice's explicit credential for pkg (Negotiate: with package_list). */
static void
acquire_alice(const char *pkg, const char *package_list, CredHandle *c)
{
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    TimeStamp ts;

    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)"alice";
    ex.UserLength = 5;
    ex.Domain = (unsigned char *)REALM;
    ex.DomainLength = (ULONG)strlen(REALM);
    ex.Password = (unsigned char *)ALICE_PW;
    ex.PasswordLength = (ULONG)strlen(ALICE_PW);
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)package_list;
    ex.PackageListLength = package_list != NULL
                           ? (ULONG)strlen(package_list) : 0;
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)pkg,
                                         SECPKG_CRED_OUTBOUND, NULL, &ex,
                                         NULL, NULL, c, &ts), SEC_E_OK);
}

/*
 * The first InitializeSecurityContext with c; *elapsed: its seconds. On
 * failure asserts that no context handle was made (the output handle is
 * untouched) and that c is still a valid credential; on success deletes
 * the context.
 */
static SECURITY_STATUS
isc_once(CredHandle *c, double *elapsed)
{
    unsigned char tok[MAX_TOKEN];
    SecBuffer ob = { sizeof(tok), SECBUFFER_TOKEN, tok };
    SecBufferDesc od = { SECBUFFER_VERSION, 1, &ob };
    SecPkgCredentials_NamesA names;
    size_t ctx_before = handle_count(HANDLE_CTX);
    ULONG attrs = 0;
    CtxtHandle h;
    TimeStamp ts;
    SECURITY_STATUS st;
    double t0 = now_s();

    memset(&h, 0xAB, sizeof(h));
    st = InitializeSecurityContextA(c, NULL, (SEC_CHAR *)TARGET, REQ_ALL,
                                    0, SECURITY_NATIVE_DREP, NULL, 0, &h,
                                    &od, &attrs, &ts);
    if (elapsed != NULL)
        *elapsed = now_s() - t0;
    if (SEC_SUCCESS(st)) {
        ck_assert_uint_gt(ob.cbBuffer, 0);
        assert_sec(DeleteSecurityContext(&h), SEC_E_OK);
    } else {
        ck_assert_uint_eq(h.dwLower, (ULONG_PTR)0xABABABABABABABABULL);
        ck_assert_uint_eq(h.dwUpper, (ULONG_PTR)0xABABABABABABABABULL);
        /* Nothing to send: the buffer is untouched or emptied. */
        ck_assert(ob.cbBuffer == 0 || ob.cbBuffer == sizeof(tok));
    }
    ck_assert_uint_eq(handle_count(HANDLE_CTX), ctx_before);
    assert_sec(QueryCredentialsAttributesA(c, SECPKG_CRED_ATTR_NAMES,
                                           &names), SEC_E_OK);
    assert_sec(FreeContextBuffer(names.sUserName), SEC_E_OK);
    return st;
}

/*
 * The KDC is healthy again: the credential that failed now works, and so
 * does a new one.
 */
static void
assert_recovers(CredHandle *c, const char *pkg, const char *package_list)
{
    CredHandle c2;

    assert_sec(isc_once(c, NULL), SEC_I_CONTINUE_NEEDED);
    acquire_alice(pkg, package_list, &c2);
    assert_sec(isc_once(&c2, NULL), SEC_I_CONTINUE_NEEDED);
    assert_sec(FreeCredentialsHandle(&c2), SEC_E_OK);
}

static void
assert_within(double elapsed, double bound, const char *what)
{
    ck_assert_msg(elapsed < bound, "%s took %.1f s (bound %.0f s)", what,
                  elapsed, bound);
}

/* Last error holds the krb5 text of this very failure. */
static void
assert_cause(const char *text)
{
    ck_assert_msg(strstr(sspigss_last_error(), text) != NULL,
                  "last error \"%s\" lacks \"%s\"", sspigss_last_error(),
                  text);
}

/* ---------------------------------------------------------- scenarios */

/*
 * Down: nothing listens at the KDC's address (TCP refused, UDP port
 * unreachable). MIT: KRB5_KDC_UNREACH at once. Windows:
 * SEC_E_NO_AUTHENTICATING_AUTHORITY, "no authority could be contacted
 * for authentication" ([ms] InitializeSecurityContext (Kerberos); sspi-rs
 * reports any failure to connect to the KDC so). Then a KDC comes up at
 * that address and the same credential works.
 */
START_TEST(down)
{
    static const int limits[] = { 1, 65535 };
    struct fault_kdc k;
    uint16_t port = unused_port();
    double t;
    CredHandle c;

    use_kdc(port, limits[_i]);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause("Cannot contact any KDC");
    assert_within(t, FAST_BOUND, "down");
    fault_kdc_start(&k, T_TCP | T_UDP, port);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * Hung: both transports accept and read, nothing ever answers (a KDC
 * process stuck, a black-holing middlebox). MIT gives up after its fixed
 * schedule (27 s; module comment) with KRB5_KDC_UNREACH:
 * SEC_E_NO_AUTHENTICATING_AUTHORITY, as for a KDC that is down (Windows
 * waits KdcWaitTime, 10 s by default, per attempt, then reports the
 * domain unreachable the same way). A reply later than the client's
 * schedule is the same as none.
 */
START_TEST(silent)
{
    struct fault_kdc k;
    double t;
    CredHandle c;

    fault_kdc_start(&k, T_TCP | T_UDP, 0);
    atomic_store(&k.fault, F_SILENT);
    use_kdc(k.port, 1);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause("Cannot contact any KDC");
    assert_within(t, SILENT_BOUND, "silent KDC");
    atomic_store(&k.fault, F_HEALTHY);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * TCP only, and the connection closes after half the announced reply.
 * MIT drops the connection as failed, finds no other way to the KDC
 * (UDP refused) and says KRB5_KDC_UNREACH:
 * SEC_E_NO_AUTHENTICATING_AUTHORITY, as sspi-rs reports a KDC reply it
 * cannot read to the end.
 */
START_TEST(close_mid_reply)
{
    struct fault_kdc k;
    double t;
    CredHandle c;

    fault_kdc_start(&k, T_TCP, 0);
    atomic_store(&k.fault, F_CLOSE_MID);
    use_kdc(k.port, 1);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause("Cannot contact any KDC");
    assert_within(t, FAST_BOUND, "connection closed mid-reply");
    atomic_store(&k.fault, F_HEALTHY);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * A reply that arrives whole as far as the transport knows but is cut
 * short (_i 0: a TCP frame announcing the short length; 1: a UDP
 * datagram) or is no Kerberos message at all (_i 2, 3: garbage). MIT
 * fails to decode it (ASN1_OVERRUN, KRB5KRB_AP_ERR_MSG_TYPE). No KDC
 * gave an answer: SEC_E_NO_AUTHENTICATING_AUTHORITY (lib/map_gss.c: the
 * krb5 code of a KDC reply that does not parse, while getting the
 * initial ticket).
 */
START_TEST(bad_reply)
{
    static const struct {
        enum fault fault;
        unsigned transport;
        int udp_limit;
        const char *cause;
    } cases[] = {
        { F_TRUNCATE, T_TCP, 1, "ASN.1 encoding ended unexpectedly" },
        { F_TRUNCATE, T_UDP, 65535, "ASN.1 encoding ended unexpectedly" },
        { F_GARBAGE, T_TCP, 1, "Invalid message type" },
        { F_GARBAGE, T_UDP, 65535, "Invalid message type" },
    };
    struct fault_kdc k;
    double t;
    CredHandle c;

    fault_kdc_start(&k, cases[_i].transport, 0);
    atomic_store(&k.fault, cases[_i].fault);
    use_kdc(k.port, cases[_i].udp_limit);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause(cases[_i].cause);
    assert_within(t, FAST_BOUND, "bad reply");
    atomic_store(&k.fault, F_HEALTHY);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * The KDC at the realm's address serves another realm (OTHER.TEST: a
 * stale krb5.conf or DNS record). An MIT KDC with one realm answers for
 * its own database, where alice is unknown: KDC_ERR_C_PRINCIPAL_UNKNOWN,
 * which Windows reports as a logon failure, SEC_E_LOGON_DENIED (the
 * client cannot tell that KDC from its own; lib/map_gss.c cites the
 * evidence). Back on the right KDC a new credential works.
 */
START_TEST(other_realm)
{
    uint16_t other = (uint16_t)strtoul(env_or_die("SSPIGSS_OTHER_PORT"),
                                       NULL, 10);
    struct fault_kdc k;
    double t;
    CredHandle c;

    use_kdc(other, 1);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_LOGON_DENIED);
    assert_cause("not found in Kerberos database");
    assert_within(t, FAST_BOUND, "KDC of another realm");
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_start(&k, T_TCP | T_UDP, 0);
    use_kdc(k.port, 1);
    acquire_alice("Kerberos", NULL, &c);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * The KDC at the realm's address refuses the realm: KDC_ERR_WRONG_REALM
 * with no client realm to follow (RFC 6806 client referrals name one;
 * this names none), as a KDC that serves other realms only may answer.
 * MIT's client stops with KRB5KDC_ERR_WRONG_REALM. Microsoft's text for
 * SEC_E_NO_AUTHENTICATING_AUTHORITY names this case: "the domain name of
 * the authenticating party could be wrong" (lib/map_gss.c).
 */
START_TEST(wrong_realm)
{
    struct fault_kdc k;
    double t;
    CredHandle c;

    fault_kdc_start(&k, T_TCP | T_UDP, 0);
    atomic_store(&k.fault, F_WRONG_REALM);
    use_kdc(k.port, _i == 0 ? 1 : 65535);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause("Realm not local to KDC");
    assert_within(t, FAST_BOUND, "wrong realm");
    atomic_store(&k.fault, F_HEALTHY);
    assert_recovers(&c, "Kerberos", NULL);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * The KDC is reachable over one transport only and the client prefers
 * the other (_i 0: TCP only, client tries UDP first; 1: UDP only, client
 * tries TCP first). MIT moves to the other transport: the handshake
 * starts, well within the bound.
 */
START_TEST(one_transport)
{
    struct fault_kdc k;
    double t;
    CredHandle c;

    fault_kdc_start(&k, _i == 0 ? T_TCP : T_UDP, 0);
    use_kdc(k.port, _i == 0 ? 65535 : 1);
    acquire_alice("Kerberos", NULL, &c);
    assert_sec(isc_once(&c, &t), SEC_I_CONTINUE_NEEDED);
    assert_within(t, FAST_BOUND, _i == 0 ? "TCP only" : "UDP only");
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * Negotiate with the KDC down. NTLM allowed: Negotiate falls back to it
 * (docs/negotiate.md), so the handshake starts. NTLM excluded
 * ("!ntlm"): SEC_E_DOWNGRADE_DETECTED, Windows' answer when Kerberos is
 * lost for want of a domain controller and no fallback is allowed (lib/
 * negotiate.c cites [ms] and KB 2522623). With the KDC back, the same
 * credential gets Kerberos.
 */
START_TEST(negotiate_down)
{
    static const char *const lists[] = { NULL, "!ntlm" };
    struct fault_kdc k;
    uint16_t port = unused_port();
    double t;
    CredHandle c;

    use_kdc(port, 1);
    acquire_alice("Negotiate", lists[_i], &c);
    assert_sec(isc_once(&c, &t), _i == 0 ? SEC_I_CONTINUE_NEEDED
                                         : SEC_E_DOWNGRADE_DETECTED);
    assert_within(t, FAST_BOUND, "Negotiate, KDC down");
    fault_kdc_start(&k, T_TCP | T_UDP, port);
    assert_recovers(&c, "Negotiate", lists[_i]);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/*
 * The same faults in the TGS exchange: a default credential (alice's TGT
 * in a ticket cache of the test's own) needs a service ticket, which the
 * first InitializeSecurityContext asks the KDC for. _i: down, closed
 * mid-reply, truncated, garbage. The codes are the AS exchange's: the
 * first call decodes nothing but the KDC's reply (lib/pkg_gss.c).
 */
START_TEST(tgs_fault)
{
    static const struct {
        enum fault fault;       /* F_HEALTHY here: nothing listens */
        unsigned transport;
        int udp_limit;
        const char *cause;
    } cases[] = {
        { F_HEALTHY, 0, 1, "Cannot contact any KDC" },
        { F_CLOSE_MID, T_TCP, 1, "Cannot contact any KDC" },
        { F_TRUNCATE, T_TCP, 1, "ASN.1 encoding ended unexpectedly" },
        { F_GARBAGE, T_UDP, 65535, "Invalid message type" },
    };
    static char ccache[1024];
    char cmd[2600];
    struct fault_kdc k;
    uint16_t port;
    double t;
    CredHandle c;
    TimeStamp ts;

    snprintf(ccache, sizeof(ccache), "%s/ccache-%ld",
             env_or_die("SSPIGSS_FAULTS_DIR"), (long)getpid());
    snprintf(cmd, sizeof(cmd), "cp '%s/ccache' '%s'",
             env_or_die("SSPIGSS_KDC_DIR"), ccache);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(setenv("KRB5CCNAME", ccache, 1), 0);
    if (cases[_i].transport == 0) {
        port = unused_port();
    } else {
        fault_kdc_start(&k, cases[_i].transport, 0);
        atomic_store(&k.fault, cases[_i].fault);
        port = k.port;
    }
    use_kdc(port, cases[_i].udp_limit);
    assert_sec(AcquireCredentialsHandleA(NULL, (LPSTR)"Kerberos",
                                         SECPKG_CRED_OUTBOUND, NULL, NULL,
                                         NULL, NULL, &c, &ts), SEC_E_OK);
    assert_sec(isc_once(&c, &t), SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_cause(cases[_i].cause);
    assert_within(t, FAST_BOUND, "TGS exchange");
    if (cases[_i].transport == 0)
        fault_kdc_start(&k, T_TCP | T_UDP, port);
    atomic_store(&k.fault, F_HEALTHY);
    assert_sec(isc_once(&c, NULL), SEC_I_CONTINUE_NEEDED);
    assert_sec(FreeCredentialsHandle(&c), SEC_E_OK);
    fault_kdc_stop(&k);
}
END_TEST

/* -------------------------------------------------------------- suite */

static Suite *
kdc_faults_suite(void)
{
    Suite *s = suite_create("kdc_faults");
    TCase *tc = tcase_create("hung");

    /* The silent KDC takes MIT's whole schedule (27 s); a case of its
     * own, so CK_RUN_CASE=faults runs the rest in seconds. */
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, silent);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, down, 0, 2);
    tcase_add_test(tc, close_mid_reply);
    tcase_add_loop_test(tc, bad_reply, 0, 4);
    tcase_add_test(tc, other_realm);
    tcase_add_loop_test(tc, wrong_realm, 0, 2);
    tcase_add_loop_test(tc, one_transport, 0, 2);
    tcase_add_loop_test(tc, negotiate_down, 0, 2);
    tcase_add_loop_test(tc, tgs_fault, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(kdc_faults_suite());
}
