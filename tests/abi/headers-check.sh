#!/bin/sh
# headers-check.sh - every public header (include/sspigss/*.h) and every
# compat header (compat/*.h) compiles on its own, twice included, as C11
# (-pedantic) and as C++17, with and without UNICODE/_UNICODE, warnings
# treated as errors.
#
# Environment: top_srcdir, CC, CXX (set by make check).
set -u

: "${top_srcdir:=.}"
: "${CC:=cc}"
: "${CXX:=c++}"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
inc="-I$top_srcdir/include -I$top_srcdir/compat"
failed=0
n=0

for path in "$top_srcdir"/include/sspigss/*.h "$top_srcdir"/compat/*.h; do
    case $path in
    */include/sspigss/*) hdr="sspigss/${path##*/}" ;;
    *) hdr="${path##*/}" ;;
    esac
    printf '#include <%s>\n#include <%s>\n' "$hdr" "$hdr" > "$tmp/t.c"
    cp "$tmp/t.c" "$tmp/t.cc"
    for defs in "" "-DUNICODE -D_UNICODE"; do
        # shellcheck disable=SC2086
        if ! $CC -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only \
                $defs $inc "$tmp/t.c" > "$tmp/err" 2>&1; then
            echo "FAIL: <$hdr> as C11 ${defs:-(ANSI)}:" >&2
            cat "$tmp/err" >&2
            failed=1
        fi
        # shellcheck disable=SC2086
        if ! $CXX -std=c++17 -Wall -Wextra -Werror -fsyntax-only \
                $defs $inc "$tmp/t.cc" > "$tmp/err" 2>&1; then
            echo "FAIL: <$hdr> as C++17 ${defs:-(ANSI)}:" >&2
            cat "$tmp/err" >&2
            failed=1
        fi
        n=$((n + 2))
    done
done

[ $n -ge 40 ] || { echo "FAIL: only $n compilations: headers not found" >&2
                   exit 1; }
[ $failed -eq 0 ] || exit 1
echo "$n compilations: every header compiles on its own as C11 and C++17"
