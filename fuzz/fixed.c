/*
 * fixed.c - the same random bytes, clock and host name in every run, for
 * the fuzz targets (fixed.h).
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "fixed.h"

/* ----------------------------------------------------------- randomness */

static uint64_t stream[2];
static OSSL_LIB_CTX *own_ctx;
static bool own_ctx_set;

void
fixed_rng_reset(void)
{
    stream[0] = 0x5353504947535321ULL;      /* "SSPIGSS!" */
    stream[1] = 0x5353504947535322ULL;
}

void
fixed_rng_own_stream(OSSL_LIB_CTX *libctx)
{
    own_ctx = libctx;
    own_ctx_set = true;
}

/* splitmix64, as realm.c: short, and no short cycles. */
static void
draw(OSSL_LIB_CTX *libctx, unsigned char *buf, size_t num)
{
    uint64_t *s = &stream[own_ctx_set && libctx == own_ctx ? 1 : 0];
    size_t i;

    for (i = 0; i < num; i += 8) {
        uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        memcpy(buf + i, &z, num - i < 8 ? num - i : 8);
    }
}

/* OpenSSL's four entry points to its DRBGs (openssl/rand.h). */
int
RAND_bytes(unsigned char *buf, int num)
{
    if (num < 0)
        return 0;
    draw(NULL, buf, (size_t)num);
    return 1;
}

int
RAND_priv_bytes(unsigned char *buf, int num)
{
    return RAND_bytes(buf, num);
}

int
RAND_bytes_ex(OSSL_LIB_CTX *ctx, unsigned char *buf, size_t num,
              unsigned int strength)
{
    (void)strength;
    draw(ctx, buf, num);
    return 1;
}

int
RAND_priv_bytes_ex(OSSL_LIB_CTX *ctx, unsigned char *buf, size_t num,
                   unsigned int strength)
{
    (void)strength;
    draw(ctx, buf, num);
    return 1;
}

/* ---------------------------------------------------------------- clock */

static bool clock_pinned;

/* 2024-01-01T00:00:00Z */
#define PINNED_TIME 1704067200

void
fixed_clock(bool pinned)
{
    clock_pinned = pinned;
}

/*
 * Replaces libc's (and the sanitizers' weak interceptor of it). The real
 * time comes from clock_gettime(), which nothing here replaces.
 */
int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timespec ts;

    (void)tz;
    if (clock_pinned) {
        ts.tv_sec = PINNED_TIME;
        ts.tv_nsec = 0;
    } else if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return -1;
    }
    tv->tv_sec = ts.tv_sec;             /* declared nonnull */
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

/* ------------------------------------------------------------ host name */

int
gethostname(char *name, size_t len)
{
    if (len < sizeof(FIXED_HOST_NAME)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(name, FIXED_HOST_NAME, sizeof(FIXED_HOST_NAME));
    return 0;
}

/* ------------------------------------------------------------ the files */

static char dir[] = "/tmp/sspigss-fuzz-fixed-XXXXXX";
static char users[sizeof(dir) + 16], roots[sizeof(dir) + 16];

/* At exit (libFuzzer ends a timed run with exit()): leave no files. */
static void
remove_dir(void)
{
    unlink(users);
    unlink(roots);
    rmdir(dir);
}

/* The temporary directory, made once. */
static void
make_dir(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    if (mkdtemp(dir) == NULL || atexit(remove_dir) != 0)
        abort();
    snprintf(users, sizeof(users), "%s/users", dir);
    snprintf(roots, sizeof(roots), "%s/roots.pem", dir);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

void
fixed_ntlm_setup(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    fixed_rng_reset();
    make_dir();
    /* smbpasswd form: DOMAIN\user, uid, LM hash (none), NT hash. */
    write_file(users, FIXED_NTLM_DOMAIN "\\" FIXED_NTLM_USER ":1000:"
               "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:" FIXED_NTLM_NTHASH
               ":[U          ]:LCT-00000000:\n");
    if (setenv("NTLM_USER_FILE", users, 1) != 0
        || setenv("NETBIOS_COMPUTER_NAME", "FUZZ-SERVER", 1) != 0
        || setenv("NETBIOS_DOMAIN_NAME", FIXED_NTLM_DOMAIN, 1) != 0)
        abort();
    /* NTLMv2 only, gss-ntlmssp's default: whatever the environment
     * says, the seeds are made the same way. */
    unsetenv("LM_COMPAT_LEVEL");
}

void
fixed_trust_setup(void)
{
    make_dir();
    write_file(roots, "");
    if (setenv("SSL_CERT_FILE", roots, 1) != 0
        || setenv("SSL_CERT_DIR", dir, 1) != 0)
        abort();
}

bool
fixed_known_bugs(void)
{
    /* None open: the three found (gss-ntlmssp 1.2's empty TargetName
     * and short session key, MIT's CONTINUE without a token) are refused
     * by the library now, and their reproducers are ordinary seeds
     * (regress-*). SSPIGSS_FUZZ_STEP_AROUND=1 brings the step-arounds
     * back, to compare. */
    static int step_around = -1;

    if (step_around < 0)
        step_around = getenv("SSPIGSS_FUZZ_STEP_AROUND") != NULL;
    return step_around != 0;
}

bool
fixed_ntlm_known_bug(const unsigned char *t, size_t n)
{
    /* MS-NLMP 2.2.1.3: signature and type, then at offset 52 the
     * EncryptedRandomSessionKeyFields (Len, MaxLen, BufferOffset). */
    static const unsigned char head[12] = {
        'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3, 0, 0, 0
    };
    size_t i;

    if (!fixed_known_bugs())
        return false;
    for (i = 0; n >= 60 && i <= n - 60; i++)
        if (memcmp(t + i, head, sizeof(head)) == 0
            && (t[i + 52] | t[i + 53] << 8) < 16)
            return true;
    return false;
}
