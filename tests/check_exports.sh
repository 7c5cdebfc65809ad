#!/bin/sh
# The shared object exports exactly the Windows SSPI names of the linker
# map plus the sspigss_ functions of <sspigss/sspigss.h>; every one of them
# is documented in docs/api.md.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
so="$top_builddir/lib/.libs/libsspigss.so"
map="$top_srcdir/lib/libsspigss.map"
hdr="$top_srcdir/include/sspigss/sspigss.h"
doc="$top_srcdir/docs/api.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -f "$so" ] || { echo "missing $so" >&2; exit 1; }
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' \
    | sed 's/@.*//' | grep -v '^SSPIGSS_' | sort -u > "$tmp/exported"
sed -n 's/^ *\([A-Za-z][A-Za-z0-9_]*\);$/\1/p' "$map" | sort -u \
    > "$tmp/windows"
sed -n 's/^\(sspigss_[a-z0-9_]*\)(.*/\1/p; s/^[A-Za-z].* \**\(sspigss_[a-z0-9_]*\)(.*/\1/p' "$hdr" \
    | sort -u > "$tmp/ext"
# Data: the variable behind GetLastError() of compat/windows.h.
sed -n 's/^extern .* \(sspigss_[a-z0-9_]*\);$/\1/p' \
    "$top_srcdir/compat/windows.h" | sort -u > "$tmp/data"
cat "$tmp/windows" "$tmp/ext" "$tmp/data" | sort -u > "$tmp/expected"

status=0
if ! cmp -s "$tmp/exported" "$tmp/expected"; then
    echo "exports differ from lib/libsspigss.map + sspigss.h:" >&2
    diff "$tmp/expected" "$tmp/exported" >&2 || true
    status=1
fi
n=0
while read -r sym; do
    n=$((n + 1))
    if ! grep -q "\`$sym\`" "$doc"; then
        echo "$sym is exported but not documented in docs/api.md" >&2
        status=1
    fi
done < "$tmp/expected"
[ "$n" -gt 40 ] || { echo "only $n symbols found: parser broken" >&2; exit 1; }
# The library binds its own functions itself (-Bsymbolic-functions): no
# dynamic relocation may name one of its exports, or another SSPI
# implementation in the process (FreeRDP's libwinpr) would receive the
# library's own calls and fill its function tables. The data symbols are
# the exception: they are meant to bind to the program's definition.
if command -v objdump >/dev/null 2>&1; then
    objdump -R "$so" | awk 'NR > 5 { print $3 }' | sed 's/@.*//' \
        | sort -u > "$tmp/relocated"
    # Functions only: exported data (GetLastError()'s variable, the
    # SEC_WINNT_AUTH_DATA_TYPE_* GUIDs) may be relocated, whichever way
    # the compiler reaches it.
    nm -D --defined-only "$so" | awk '$2 ~ /^[TW]$/ { print $3 }' \
        | sed 's/@.*//' | sort -u > "$tmp/code"
    cat "$tmp/windows" "$tmp/ext" | sort -u \
        | comm -12 - "$tmp/code" > "$tmp/functions"
    if comm -12 "$tmp/functions" "$tmp/relocated" > "$tmp/self" \
       && [ -s "$tmp/self" ]; then
        echo "dynamic relocations against the library's own exports" \
             "(link with -Bsymbolic-functions):" >&2
        cat "$tmp/self" >&2
        status=1
    fi
fi
[ $status -eq 0 ] && echo "$n exported symbols, all expected and documented"
exit $status
