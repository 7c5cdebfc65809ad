/*
 * wintypes.h - the Windows base types SSPI, Schannel and the crypt32 subset
 * are written in, for Linux.
 *
 * Sizes follow 64-bit Windows (LLP64), not the LP64 habits of Linux: LONG,
 * ULONG and DWORD are 32 bits, the *_PTR types and SIZE_T are as wide as a
 * pointer, WCHAR is a 16-bit UTF-16 code unit. In C++ WCHAR is char16_t so
 * that u"..." literals can be used where Windows code writes L"..."; in C it
 * is uint_least16_t, the type char16_t is defined as, so the two languages
 * share one representation. Calling-convention macros (WINAPI, ...) expand
 * to nothing: Linux has one calling convention.
 *
 * Where Windows protects a group of declarations with a "#ifndef X" macro
 * (GUID_DEFINED, _FILETIME_, BASETYPES, ...), the same macro protects it
 * here, so code that brings its own copy of such a group still compiles.
 * The layouts are checked against the Win64 ones by tests/abi.
 */
#ifndef SSPIGSS_WINTYPES_H
#define SSPIGSS_WINTYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------ calling conventions */

#ifndef WINAPI
#define WINAPI
#endif
#ifndef WINAPIV
#define WINAPIV
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef APIENTRY
#define APIENTRY WINAPI
#endif
#ifndef NTAPI
#define NTAPI
#endif

#ifndef CONST
#define CONST const
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* Trailing one-element arrays that really hold a variable number of
 * elements. */
#ifndef ANYSIZE_ARRAY
#define ANYSIZE_ARRAY 1
#endif

/* -------------------------------------------------------- integer types */

/* Windows keeps VOID, CHAR, SHORT and LONG under one guard. */
#ifndef VOID
#define VOID void
typedef char CHAR;
typedef short SHORT;
typedef int32_t LONG;
#endif

/* Windows keeps these under BASETYPES. */
#ifndef BASETYPES
#define BASETYPES
typedef uint32_t ULONG;
typedef ULONG *PULONG;
typedef unsigned short USHORT;
typedef USHORT *PUSHORT;
typedef unsigned char UCHAR;
typedef UCHAR *PUCHAR;
typedef char *PSZ;
#endif

typedef unsigned char BYTE;
typedef BYTE *PBYTE, *LPBYTE;
typedef int BOOL;
typedef BOOL *PBOOL, *LPBOOL;
typedef BYTE BOOLEAN;
typedef BOOLEAN *PBOOLEAN;
typedef unsigned short WORD;
typedef WORD *PWORD, *LPWORD;
typedef uint32_t DWORD;
typedef DWORD *PDWORD, *LPDWORD;
typedef int INT;
typedef INT *PINT, *LPINT;
typedef unsigned int UINT;
typedef UINT *PUINT;
typedef CHAR *PCHAR;
typedef SHORT *PSHORT;
typedef LONG *PLONG, *LPLONG;

typedef int32_t INT32, LONG32;
typedef uint32_t UINT32, ULONG32, DWORD32;
typedef int64_t INT64, LONG64, LONGLONG;
typedef uint64_t UINT64, ULONG64, DWORD64, ULONGLONG, DWORDLONG;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;

/* Integers as wide as a pointer. */
typedef intptr_t INT_PTR, LONG_PTR;
typedef uintptr_t UINT_PTR, ULONG_PTR;
typedef ULONG_PTR DWORD_PTR, SIZE_T;
typedef LONG_PTR SSIZE_T;
typedef INT_PTR *PINT_PTR;
typedef UINT_PTR *PUINT_PTR;
typedef LONG_PTR *PLONG_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef DWORD_PTR *PDWORD_PTR;
typedef SIZE_T *PSIZE_T;
typedef SSIZE_T *PSSIZE_T;

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef LONG HRESULT;
#endif

/* ------------------------------------------------------------ characters */

#ifdef __cplusplus
typedef char16_t WCHAR;
#else
typedef uint_least16_t WCHAR;
#endif

typedef WCHAR *PWCHAR, *LPWCH, *PWCH;
typedef CONST WCHAR *LPCWCH, *PCWCH;
typedef WCHAR *LPWSTR, *PWSTR, *NWPSTR;
typedef CONST WCHAR *LPCWSTR, *PCWSTR;

typedef CHAR *LPCH, *PCH;
typedef CONST CHAR *LPCCH, *PCCH;
typedef CHAR *LPSTR, *PSTR, *NPSTR;
typedef CONST CHAR *LPCSTR, *PCSTR;

/*
 * Text that follows UNICODE: TCHAR is WCHAR and TEXT("x") is u"x" when
 * UNICODE is defined, char and "x" otherwise (Windows writes L"x"; its
 * wchar_t is 16 bits wide, char16_t is the Linux equivalent).
 */
#ifdef UNICODE
#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef WCHAR TCHAR, *PTCHAR;
typedef WCHAR TBYTE, *PTBYTE;
#endif
typedef LPWSTR LPTSTR, PTSTR, LPTCH, PTCH;
typedef LPCWSTR LPCTSTR, PCTSTR;
#define __TEXT(quote) u##quote
#else
#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef char TCHAR, *PTCHAR;
typedef unsigned char TBYTE, *PTBYTE;
#endif
typedef LPSTR LPTSTR, PTSTR, LPTCH, PTCH;
typedef LPCSTR LPCTSTR, PCTSTR;
#define __TEXT(quote) quote
#endif
#define TEXT(quote) __TEXT(quote)

/* ------------------------------------------------------ pointers, handles */

typedef void *PVOID, *LPVOID;
typedef CONST void *LPCVOID;

typedef void *HANDLE;
typedef HANDLE *PHANDLE, *LPHANDLE;

/* Window handle: only SecPkgContext_UiInfo carries one. As on Windows it
 * points to a structure type of its own, so handle kinds do not mix. */
struct HWND__ {
    int unused;
};
typedef struct HWND__ *HWND;

/* ------------------------------------------------------------ structures */

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    ULONG Data1;
    USHORT Data2;
    USHORT Data3;
    UCHAR Data4[8];
} GUID;
#endif

#ifndef __LPGUID_DEFINED__
#define __LPGUID_DEFINED__
typedef GUID *LPGUID;
#endif

#ifndef __LPCGUID_DEFINED__
#define __LPCGUID_DEFINED__
typedef CONST GUID *LPCGUID;
#endif

/* 100-nanosecond intervals since 1601-01-01 UTC, split in two halves. */
#ifndef _FILETIME_
#define _FILETIME_
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;
#endif

/*
 * 64-bit integers readable as a whole (QuadPart) or as two halves, both
 * directly (LowPart, HighPart) and through the named member u. C++ has no
 * anonymous structures in its standard; __extension__ keeps GCC and Clang
 * quiet about them there.
 */
#if defined(__cplusplus) && defined(__GNUC__)
#define SSPIGSS_ANON_STRUCT_ __extension__ struct
#else
#define SSPIGSS_ANON_STRUCT_ struct
#endif

typedef union _LARGE_INTEGER {
    SSPIGSS_ANON_STRUCT_ {
        DWORD LowPart;
        LONG HighPart;
    };
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER;
typedef LARGE_INTEGER *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    SSPIGSS_ANON_STRUCT_ {
        DWORD LowPart;
        DWORD HighPart;
    };
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER;
typedef ULARGE_INTEGER *PULARGE_INTEGER;

#undef SSPIGSS_ANON_STRUCT_

/* Locally unique identifier (logon sessions: pvLogonId). */
typedef struct _LUID {
    DWORD LowPart;
    LONG HighPart;
} LUID, *PLUID;

/* Counted UTF-16 string of the NT API (Schannel's TLS_PARAMETERS use it);
 * Length and MaximumLength count bytes, not characters. */
#ifndef __UNICODE_STRING_DEFINED
#define __UNICODE_STRING_DEFINED
typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
#endif

#ifdef __cplusplus
}
#endif

#endif /* SSPIGSS_WINTYPES_H */
