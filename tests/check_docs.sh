#!/bin/sh
# docs/status-codes.md is generated from lib/status_table.h (names, values,
# messages) and lib/status_docs.h (where each code comes from on Linux).
# This test fails when:
#   1. the document differs from what `sspigss status --all --markdown`
#      generates (fix: `make docs-status`, commit the result);
#   2. lib/status_docs.h does not have exactly one row per status row, in
#      the same order (a small C program checks it at compile time), or the
#      document does not have one section per code;
#   3. a test the document names does not exist: FILE:NAME needs
#      START_TEST(NAME) in tests/FILE for a C suite, the string NAME in
#      tests/FILE for a script.
# Codes documented as produced but with no test yet are listed, not failed.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
tool="$top_builddir/tools/sspigss"
doc="$top_srcdir/docs/status-codes.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# 1. The document is the generator's output.
if ! "$tool" status --all --markdown > "$tmp/got"; then
    echo "FAIL: sspigss status --all --markdown failed (see above)" >&2
    fail=1
elif ! cmp -s "$tmp/got" "$doc"; then
    echo "FAIL: docs/status-codes.md is out of date with" \
         "lib/status_table.h / lib/status_docs.h:" >&2
    diff -u "$doc" "$tmp/got" | head -40 >&2 || true
    echo "run 'make docs-status' and commit docs/status-codes.md" >&2
    fail=1
fi

# 2a. One docs row per status row, same order: each row's position in the
# two lists is an enumerator, so a missing, extra, duplicated or moved row
# fails to compile.
cat > "$tmp/rows.c" <<'EOF'
enum status_position {
#define SSPIGSS_STATUS(sym, val, ref, en, ja) STATUS_AT_##sym,
#define SSPIGSS_STATUS_ALIAS(sym, primary, ref, en, ja) STATUS_AT_##sym,
#include "status_table.h"
#undef SSPIGSS_STATUS
#undef SSPIGSS_STATUS_ALIAS
    STATUS_ROWS
};
enum docs_position {
#define SSPIGSS_DOC_PRODUCED(sym, pkgs, calls, cond, tests) DOCS_AT_##sym,
#define SSPIGSS_DOC_NEVER(sym, reason) DOCS_AT_##sym,
#define SSPIGSS_DOC_LATER(sym, pkg, issue, cond) DOCS_AT_##sym,
#include "status_docs.h"
#undef SSPIGSS_DOC_PRODUCED
#undef SSPIGSS_DOC_NEVER
#undef SSPIGSS_DOC_LATER
    DOCS_ROWS
};
_Static_assert(STATUS_ROWS == DOCS_ROWS,
               "lib/status_docs.h and lib/status_table.h differ in length");
#define AT_SAME_PLACE(sym) \
    _Static_assert(DOCS_AT_##sym == STATUS_AT_##sym, \
                   #sym " is not at its lib/status_table.h position");
#define SSPIGSS_DOC_PRODUCED(sym, pkgs, calls, cond, tests) AT_SAME_PLACE(sym)
#define SSPIGSS_DOC_NEVER(sym, reason) AT_SAME_PLACE(sym)
#define SSPIGSS_DOC_LATER(sym, pkg, issue, cond) AT_SAME_PLACE(sym)
#include "status_docs.h"
EOF
if ! ${CC:-cc} -std=c11 -fsyntax-only -I"$top_srcdir/lib" "$tmp/rows.c" \
        2> "$tmp/cc.out"; then
    echo "FAIL: lib/status_docs.h does not follow lib/status_table.h" \
         "row for row:" >&2
    grep -E 'error' "$tmp/cc.out" | head -20 >&2
    fail=1
fi

# 2b. One section per code in the document.
rows=$("$tool" status --all | wc -l)
sections=$(grep -cE '^### (SEC|CRYPT)_' "$doc")
if [ "$rows" -ne "$sections" ]; then
    echo "FAIL: the status table has $rows rows, the document" \
         "$sections sections" >&2
    fail=1
fi

# 3. Every test named resolves. The "- **Tests:**" item of each section
# may run over several lines; each reference is one `code span`.
awk '
    /^### / { code = $2; next }
    /^- \*\*Tests:\*\*/ { in_tests = 1; line = $0; next }
    in_tests && /^  / { line = line " " substr($0, 3); next }
    in_tests { print code "\t" line; in_tests = 0 }
    END { if (in_tests) print code "\t" line }
' "$doc" > "$tmp/tests"
nrefs=0
bad=0
: > "$tmp/bad"
: > "$tmp/untested"
while IFS="$(printf '\t')" read -r code line; do
    case $line in
        *"none yet"*) echo "$code" >> "$tmp/untested"; continue ;;
    esac
    printf '%s\n' "$line" | grep -o '`[^`]*`' | sed 's/^`//; s/`$//' \
        > "$tmp/refs"
    while IFS= read -r ref; do
        nrefs=$((nrefs + 1))
        file=${ref%%:*}
        name=${ref#*:}
        path="$top_srcdir/tests/$file"
        why=
        if [ ! -f "$path" ]; then
            why="no file tests/$file"
        else
            case $file in
                *.c) grep -qF "START_TEST($name)" "$path" \
                         || why="no START_TEST($name) in tests/$file" ;;
                *) grep -qF -- "$name" "$path" \
                       || why="no '$name' in tests/$file" ;;
            esac
        fi
        if [ -n "$why" ]; then
            printf '  %-36s %s: %s\n' "$code" "$ref" "$why" >> "$tmp/bad"
            bad=$((bad + 1))
        fi
    done < "$tmp/refs"
done < "$tmp/tests"
if [ "$bad" -ne 0 ]; then
    echo "FAIL: $bad of $nrefs test references do not resolve:" >&2
    cat "$tmp/bad" >&2
    fail=1
fi
if [ -s "$tmp/untested" ]; then
    echo "note: produced, but no test makes it happen yet:" \
         $(cat "$tmp/untested")
fi

# A code the document calls never produced or not yet produced, but that
# lib/*.c names (a return, a mapper row, or a comment): worth a look.
awk '
    /^### / { code = $2; next }
    /^- \*\*Never on Linux:\*\*/ { print code "\tnever" }
    /^- \*\*Not yet:\*\*/ { print code "\tnot yet" }
' "$doc" > "$tmp/unproduced"
while IFS="$(printf '\t')" read -r code kind; do
    files=$(grep -lw -- "$code" "$top_srcdir"/lib/*.c 2>/dev/null \
            | grep -v '/status\.c$' | sed 's|.*/lib/|lib/|' \
            | tr '\n' ' ' | sed 's/ $//')
    if [ -n "$files" ]; then
        echo "note: $code is '$kind' in the document but named in $files"
    fi
done < "$tmp/unproduced"

if [ "$fail" -ne 0 ]; then
    echo "check_docs: failed"
    exit 1
fi
echo "docs/status-codes.md matches lib/status_table.h and" \
     "lib/status_docs.h ($rows codes, $nrefs test references)"
