/*
 * winerror.h (compat) - Windows' winerror.h for code ported to sspigss: the
 * SSPI status codes (SEC_E_*, SEC_I_*, from <sspigss/secstatus.h>), the
 * HRESULT helpers (SUCCEEDED, FAILED, HRESULT_CODE, ...) and the handful of
 * Win32 error codes the compat functions set (GetLastError()).
 *
 * Everything is guarded with #ifndef so the definitions give way to any
 * that secstatus.h or the program already made.
 */
#ifndef SSPIGSS_COMPAT_WINERROR_H
#define SSPIGSS_COMPAT_WINERROR_H

#include <sspigss/wintypes.h>
#include <sspigss/secstatus.h>

/* ------------------------------------------------------------ HRESULTs */

#ifndef SEVERITY_SUCCESS
#define SEVERITY_SUCCESS 0
#endif
#ifndef SEVERITY_ERROR
#define SEVERITY_ERROR 1
#endif

#ifndef FACILITY_NULL
#define FACILITY_NULL 0
#endif
#ifndef FACILITY_WIN32
#define FACILITY_WIN32 7
#endif
#ifndef FACILITY_SSPI
#define FACILITY_SSPI 9
#endif
#ifndef FACILITY_SECURITY
#define FACILITY_SECURITY 9
#endif

#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif
/* DWORD, not unsigned long: the latter is 64 bits wide on Linux. */
#ifndef IS_ERROR
#define IS_ERROR(Status) (((DWORD)(Status)) >> 31 == SEVERITY_ERROR)
#endif
#ifndef HRESULT_CODE
#define HRESULT_CODE(hr) ((hr) & 0xFFFF)
#endif
#ifndef HRESULT_FACILITY
#define HRESULT_FACILITY(hr) (((hr) >> 16) & 0x1fff)
#endif
#ifndef HRESULT_SEVERITY
#define HRESULT_SEVERITY(hr) (((hr) >> 31) & 0x1)
#endif
#ifndef MAKE_HRESULT
#define MAKE_HRESULT(sev, fac, code)                                   \
    ((HRESULT)(((DWORD)(sev) << 31) | ((DWORD)(fac) << 16) |            \
               ((DWORD)(code))))
#endif
#ifndef HRESULT_FROM_WIN32
#define HRESULT_FROM_WIN32(x)                                          \
    ((HRESULT)(x) <= 0                                                 \
         ? ((HRESULT)(x))                                              \
         : ((HRESULT)(((DWORD)(x) & 0x0000FFFF) |                      \
                      (FACILITY_WIN32 << 16) | 0x80000000)))
#endif

#ifndef S_OK
#define S_OK ((HRESULT)0x00000000)
#endif
#ifndef S_FALSE
#define S_FALSE ((HRESULT)0x00000001)
#endif
#ifndef E_UNEXPECTED
#define E_UNEXPECTED ((HRESULT)0x8000FFFF)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL ((HRESULT)0x80004001)
#endif
#ifndef E_OUTOFMEMORY
#define E_OUTOFMEMORY ((HRESULT)0x8007000E)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG ((HRESULT)0x80070057)
#endif
#ifndef E_POINTER
#define E_POINTER ((HRESULT)0x80004003)
#endif
#ifndef E_FAIL
#define E_FAIL ((HRESULT)0x80004005)
#endif

/* ----------------------------------------------------- Win32 error codes */

/* Windows writes these with an L suffix, which makes them 32-bit there;
 * plain int constants have that width on Linux. */
#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0
#endif
#ifndef NO_ERROR
#define NO_ERROR 0
#endif
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE 6
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY 8
#endif
#ifndef ERROR_OUTOFMEMORY
#define ERROR_OUTOFMEMORY 14
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER 87
#endif
#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif
#ifndef ERROR_INSUFFICIENT_BUFFER
#define ERROR_INSUFFICIENT_BUFFER 122
#endif
#ifndef ERROR_MR_MID_NOT_FOUND
#define ERROR_MR_MID_NOT_FOUND 317
#endif
#ifndef ERROR_RESOURCE_LANG_NOT_FOUND
#define ERROR_RESOURCE_LANG_NOT_FOUND 1815
#endif

#endif /* SSPIGSS_COMPAT_WINERROR_H */
