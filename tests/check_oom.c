/*
 * check_oom.c - out of memory inside the library: every allocation of a
 * call fails in turn, and each failure must be SEC_E_INSUFFICIENT_MEMORY
 * with nothing leaked and nothing handed out. (The whole-library torture
 * mode, through MIT krb5 and OpenSSL too, is the fault-injection issue's;
 * this suite covers the library's own allocations.)
 *
 * The test program interposes malloc/calloc/realloc: the core library is
 * linked statically into it, so its calls come here.
 */
#include "setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "internal.h"
#include "testutil.h"

/* Sanitizer runtimes own malloc themselves; there the interposer is left
 * out and the suite reports that it cannot run (exit 77, SKIP). */
#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSE 1
#endif
#endif

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long countdown = -1;     /* allocations left before one fails */
static long injected;

#ifndef NO_INTERPOSE
static bool
fail_now(void)
{
    if (countdown < 0)
        return false;
    if (countdown-- == 0) {
        injected++;
        errno = ENOMEM;
        return true;
    }
    return false;
}

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);

void *
malloc(size_t n)
{
    return fail_now() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
    return fail_now() ? NULL : __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __libc_realloc(p, n);
}
#endif

typedef SECURITY_STATUS (*scenario_fn)(void);

static SECURITY_STATUS
enumerate_w(void)
{
    PSecPkgInfoW info = NULL;
    ULONG n = 0;
    SECURITY_STATUS st = EnumerateSecurityPackagesW(&n, &info);

    if (st == SEC_E_OK)
        FreeContextBuffer(info);
    return st;
}

static SECURITY_STATUS
query_w(void)
{
    static const WCHAR ntlm[] = { 'N', 'T', 'L', 'M', 0 };
    PSecPkgInfoW info = NULL;
    SECURITY_STATUS st = QuerySecurityPackageInfoW((LPWSTR)ntlm, &info);

    if (st == SEC_E_OK)
        FreeContextBuffer(info);
    return st;
}

static SECURITY_STATUS
acquire_unknown_w(void)
{
    /* Conversions of both strings happen before the package is known. */
    static const WCHAR pkg[] = { 'N', 'o', 'p', 'e', 0 };
    static const WCHAR who[] = { 'a', 'l', 'i', 'c', 'e', 0 };
    CredHandle h;
    TimeStamp ts;

    return AcquireCredentialsHandleW((LPWSTR)who, (LPWSTR)pkg,
                                     SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                     NULL, &h, &ts);
}

/*
 * Fail the 1st, 2nd, ... allocation of a scenario until a run completes
 * without a failure; every failing run must give `fail_code` and leave
 * nothing behind. Returns how many runs failed.
 */
static long
torture(scenario_fn fn, SECURITY_STATUS ok_code, SECURITY_STATUS fail_code)
{
    size_t base = ctxbuf_outstanding();
    long k, failed = 0;

    for (k = 0; k < 1000; k++) {
        SECURITY_STATUS st;

        injected = 0;
        countdown = k;
        st = fn();
        countdown = -1;
        ck_assert_uint_eq(ctxbuf_outstanding(), base);
        ck_assert_uint_eq(handle_count(HANDLE_CRED), 0);
        if (injected == 0) {
            ck_assert_sec(st, ok_code);
            return failed;
        }
        ck_assert_msg(st == fail_code, "allocation %ld: got %s", k,
                      sspigss_status_name(st));
        failed++;
    }
    ck_abort_msg("scenario never completed");
    return failed;
}

START_TEST(enumerate_packages_out_of_memory)
{
    ck_assert_int_gt(torture(enumerate_w, SEC_E_OK,
                             SEC_E_INSUFFICIENT_MEMORY), 0);
}
END_TEST

START_TEST(query_package_out_of_memory)
{
    /* The UTF-16 name's conversion, then the info block. */
    ck_assert_int_ge(torture(query_w, SEC_E_OK, SEC_E_INSUFFICIENT_MEMORY),
                     2);
}
END_TEST

START_TEST(acquire_conversion_out_of_memory)
{
    ck_assert_int_ge(torture(acquire_unknown_w, SEC_E_SECPKG_NOT_FOUND,
                             SEC_E_INSUFFICIENT_MEMORY),
                     1);
}
END_TEST

static Suite *
oom_suite(void)
{
    Suite *s = suite_create("oom");
    TCase *tc = tcase_create("allocation failures");

    tcase_add_test(tc, enumerate_packages_out_of_memory);
    tcase_add_test(tc, query_package_out_of_memory);
    tcase_add_test(tc, acquire_conversion_out_of_memory);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /* Called through a volatile pointer so the compiler cannot assume
     * what malloc returns. */
    void *(*volatile alloc)(size_t) = malloc;
    void *probe;

    /* Is the interposer in effect? valgrind and the sanitizers replace
     * malloc with their own, and then nothing here can fail it. */
    countdown = 0;
    probe = alloc(1);
    countdown = -1;
    if (probe != NULL) {
        free(probe);
        puts("check_oom: the allocator is replaced (valgrind or a "
             "sanitizer); allocation failures cannot be injected here");
        return 77;
    }
    return run_suite(oom_suite());
}
