#!/bin/sh
# check_source.sh - house rules a compiler does not enforce (STYLE.md):
#   - no sprintf/vsprintf/strcpy/strcat/strtok/atoi/atol/gets in lib/,
#     tools/ or fuzz/ (snprintf, strtol and explicit lengths instead);
#   - every lib/*.c includes "setup.h" first;
#   - no tabs, no line over 79 columns (counted in characters) in lib/,
#     tools/, include/ and compat/ sources;
#   - every exported Windows name is defined only in lib/api_*.c.
set -u
: "${top_srcdir:=.}"
cd "$top_srcdir" || exit 1
fail=0
n=0

bad() { echo "check_source: $*" >&2; fail=$((fail + 1)); }

for f in lib/*.c lib/*.h tools/*.c tools/*.h fuzz/*.c; do
    n=$((n + 1))
    if grep -nE '(^|[^_a-z])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\(' "$f" \
       | grep -v '^\([0-9]*\):[[:space:]]*\*'; then
        bad "$f uses a banned function (see above)"
    fi
done

for f in lib/*.c; do
    first=$(grep -m 1 '^#include' "$f")
    [ "$first" = '#include "setup.h"' ] \
        || bad "$f: first include is '$first', not \"setup.h\""
done

for f in lib/*.c lib/*.h tools/*.c tools/*.h include/sspigss/*.h \
         compat/*.h; do
    if grep -n "$(printf '\t')" "$f" > /dev/null; then
        bad "$f contains tabs"
    fi
    # Lines with non-ASCII text (the Japanese messages) are left out:
    # awk counts their bytes, not their width.
    long=$(LC_ALL=C awk '/^[ -~]*$/ && length($0) > 79 {
                             print FILENAME ":" FNR }' "$f" | head -n 3)
    [ -z "$long" ] || bad "lines over 79 columns: $long"
done

# Exported Windows names (the linker map) are defined in lib/api_*.c only.
for sym in $(sed -n 's/^ *\([A-Z][A-Za-z0-9]*\);$/\1/p' lib/libsspigss.map); do
    where=$(grep -l "^$sym(" lib/*.c 2>/dev/null | tr '\n' ' ')
    case $where in
        lib/api_*) ;;
        *) bad "$sym is defined in '${where:-nowhere}', not lib/api_*.c" ;;
    esac
done

echo "check_source: $n files checked, $fail problems"
[ "$fail" -eq 0 ]
