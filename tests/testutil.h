/*
 * testutil.h - shared by the Check suites.
 */
#ifndef SSPIGSS_TESTUTIL_H
#define SSPIGSS_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <sspigss/sspigss.h>

/* Assert an exact SEC code, printing both names on failure. */
#define ck_assert_sec(got, want)                                          \
    do {                                                                  \
        SECURITY_STATUS got_ = (got), want_ = (want);                     \
        ck_assert_msg(got_ == want_, "got %s (0x%08X), want %s (0x%08X)", \
                      sspigss_status_name(got_), (unsigned)got_,          \
                      sspigss_status_name(want_), (unsigned)want_);       \
    } while (0)

/* Run a suite in Check's fork mode (crashes are isolated and reported)
 * and turn its result into the exit status automake's harness reads. */
static inline int
run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* SSPIGSS_TESTUTIL_H */
