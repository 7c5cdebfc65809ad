#!/bin/sh
# build-winclient.sh - Windows-style SSPI code builds unchanged against
# sspigss: tests/samples/winclient.c is compiled with -Wall -Wextra -Werror
# as C11 and as C++17, each without and with UNICODE/_UNICODE, against the
# public and compat headers, and linked against lib/libsspigss.la (it is
# never run). When the Win64 cross compiler is there, the same source is
# also compiled against the Windows headers, to show it is Windows code.
#
# Environment: top_srcdir, top_builddir, CC, CXX, MINGW_CC (make check).
set -u

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${CC:=cc}"
: "${CXX:=c++}"
: "${MINGW_CC:=}"

src="$top_srcdir/tests/samples/winclient.c"
lib="$top_builddir/lib/libsspigss.la"
libtool="$top_builddir/libtool"
inc="-I$top_srcdir/include -I$top_srcdir/compat"
warn="-Wall -Wextra -Werror"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

[ -f "$lib" ] || { echo "FAIL: $lib is not built" >&2; exit 1; }
[ -x "$libtool" ] || { echo "FAIL: $libtool is missing" >&2; exit 1; }

# build NAME TAG COMPILER STD-AND-LANGUAGE DEFINES
build() {
    name=$1 tag=$2 comp=$3 std=$4 defs=$5
    # shellcheck disable=SC2086
    if ! $comp $std $warn $defs $inc -c -o "$tmp/$name.o" "$src" \
            > "$tmp/$name.err" 2>&1; then
        echo "FAIL: winclient.c does not compile as $name:" >&2
        cat "$tmp/$name.err" >&2
        failed=1
        return
    fi
    # shellcheck disable=SC2086
    if ! "$libtool" --quiet --tag="$tag" --mode=link $comp \
            ${SAN_CFLAGS:-} -o "$tmp/$name" "$tmp/$name.o" "$lib" \
            > "$tmp/$name.err" 2>&1; then
        echo "FAIL: winclient.c does not link against libsspigss" \
             "as $name:" >&2
        cat "$tmp/$name.err" >&2
        failed=1
        return
    fi
    echo "ok: $name"
}

build c11-ansi CC "$CC" "-std=c11 -x c" ""
build c11-unicode CC "$CC" "-std=c11 -x c" "-DUNICODE -D_UNICODE"
build cxx17-ansi CXX "$CXX" "-std=c++17 -x c++" ""
build cxx17-unicode CXX "$CXX" "-std=c++17 -x c++" "-DUNICODE -D_UNICODE"

if [ -n "$MINGW_CC" ] && command -v "$MINGW_CC" > /dev/null 2>&1; then
    for defs in "" "-DUNICODE -D_UNICODE"; do
        # shellcheck disable=SC2086
        if $MINGW_CC -std=c11 $warn $defs -fsyntax-only "$src" \
                > "$tmp/win.err" 2>&1; then
            echo "ok: Windows headers ${defs:-(ANSI)}"
        else
            echo "FAIL: winclient.c is not valid against the Windows" \
                 "headers ${defs:-(ANSI)}:" >&2
            cat "$tmp/win.err" >&2
            failed=1
        fi
    done
else
    echo "note: no Win64 cross compiler; the Windows-header build is" \
         "skipped (tests/abi/abi-check.sh fails for that reason)"
fi

exit $failed
