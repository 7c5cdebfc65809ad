/*
 * check_dlopen.c - the shared object as module loaders use it.
 *
 * FreeRDP, WinPR and sspilib-style bindings load an SSPI module by path
 * and take everything from InitSecurityInterfaceA/W. This suite does the
 * same with the freshly built libsspigss.so: RTLD_NOW (every symbol
 * resolves), the table works, and no internal symbol leaks out.
 */
#include "setup.h"

#include <dlfcn.h>
#include <string.h>

#include "testutil.h"

static void *lib;

static void
open_lib(void)
{
    lib = dlopen(SSPIGSS_SO, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(lib != NULL, "dlopen %s: %s", SSPIGSS_SO, dlerror());
}

static void
close_lib(void)
{
    if (lib != NULL)
        dlclose(lib);
    lib = NULL;
}

START_TEST(table_from_module)
{
    INIT_SECURITY_INTERFACE_W init;
    PSecurityFunctionTableW t;
    PSecPkgInfoW info = NULL;
    ULONG n = 0;

    *(void **)&init = dlsym(lib, "InitSecurityInterfaceW");
    ck_assert_ptr_nonnull(init);
    t = init();
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->EnumerateSecurityPackagesW(&n, &info), SEC_E_OK);
    ck_assert_uint_ge(n, 4);
    ck_assert_int_eq(t->FreeContextBuffer(info), SEC_E_OK);
    /* The table's functions are the exported ones. */
    ck_assert_ptr_eq(*(void **)&t->AcceptSecurityContext,
                     dlsym(lib, "AcceptSecurityContext"));
}
END_TEST

START_TEST(table_a_from_module)
{
    INIT_SECURITY_INTERFACE_A init;
    PSecurityFunctionTableA t;
    PSecPkgInfoA info = NULL;

    *(void **)&init = dlsym(lib, "InitSecurityInterfaceA");
    ck_assert_ptr_nonnull(init);
    t = init();
    ck_assert_int_eq(t->QuerySecurityPackageInfoA((LPSTR)"Negotiate", &info),
                  SEC_E_OK);
    ck_assert_str_eq(info->Name, "Negotiate");
    ck_assert_int_eq(t->FreeContextBuffer(info), SEC_E_OK);
}
END_TEST

START_TEST(internal_symbols_stay_inside)
{
    static const char *const internal[] = {
        "handle_lookup", "handle_insert", "ctxbuf_alloc", "utf16_to_utf8",
        "package_find", "trace_printf", "secbuf_find", "mem_wipe",
    };
    size_t i;

    for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        ck_assert_msg(dlsym(lib, internal[i]) == NULL, "%s is exported",
                      internal[i]);
    ck_assert_ptr_nonnull(dlsym(lib, "sspigss_status_name"));
}
END_TEST

static Suite *
dlopen_suite(void)
{
    Suite *s = suite_create("dlopen");
    TCase *tc = tcase_create("module");

    tcase_add_checked_fixture(tc, open_lib, close_lib);
    tcase_add_test(tc, table_from_module);
    tcase_add_test(tc, table_a_from_module);
    tcase_add_test(tc, internal_symbols_stay_inside);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return run_suite(dlopen_suite());
}
