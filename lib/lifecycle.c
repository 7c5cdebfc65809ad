/*
 * lifecycle.c - the library's life: loaded, running, shutting down.
 *
 * When the process exits (or the library is unloaded) while other threads
 * still call SSPI, Windows' LSA answers new work with
 * SEC_E_SHUTDOWN_IN_PROGRESS. The library does the same from the moment
 * its destructor runs: new work (acquiring credentials, building
 * contexts, protecting messages, queries) is refused with that code,
 * while releasing (FreeCredentialsHandle, DeleteSecurityContext,
 * FreeContextBuffer) keeps working so nothing leaks on the way out.
 */
#include "setup.h"

#include <stdatomic.h>

#include "handles.h"
#include "internal.h"

static atomic_bool shutting_down;

void
lib_begin_shutdown(void)
{
    atomic_store_explicit(&shutting_down, true, memory_order_release);
}

SECURITY_STATUS
lib_enter(void)
{
    if (atomic_load_explicit(&shutting_down, memory_order_acquire)) {
        trace_cause("sspigss is shutting down (library unloaded or process "
                    "exiting) -> SEC_E_SHUTDOWN_IN_PROGRESS");
        return SEC_E_SHUTDOWN_IN_PROGRESS;
    }
    return SEC_E_OK;
}

SECURITY_STATUS
lib_enter_handle(const SecHandle *h, int kind, struct handle_obj **out)
{
    SECURITY_STATUS st = lib_enter();

    *out = NULL;
    if (st != SEC_E_OK)
        return st;
    return handle_lookup(h, (enum handle_kind)kind, out);
}

/* From the library's destructor on, new work is refused. (The other
 * destructors only free tables that are empty, so their order does not
 * matter.) */
__attribute__((destructor)) static void
lib_fini(void)
{
    lib_begin_shutdown();
}
