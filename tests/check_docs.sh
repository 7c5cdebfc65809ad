#!/bin/sh
# docs/status-codes.md must be exactly what the status table generates.
# Fix a failure with `make docs-status` and commit the result.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
tool="$top_builddir/tools/sspigss"
want="$top_srcdir/docs/status-codes.md"
got=$(mktemp)
trap 'rm -f "$got"' EXIT
"$tool" status --all --markdown > "$got"
if ! cmp -s "$got" "$want"; then
    echo "docs/status-codes.md is out of date with lib/status_table.h:" >&2
    diff -u "$want" "$got" | head -40 >&2 || true
    echo "run 'make docs-status' and commit docs/status-codes.md" >&2
    exit 1
fi
# Every row of the table is in the document (the generator's own check).
rows=$("$tool" status --all | wc -l)
docrows=$(grep -c '^| `SEC_' "$want")
[ "$rows" -eq "$docrows" ] || {
    echo "table has $rows rows, document $docrows" >&2; exit 1; }
echo "docs/status-codes.md matches the status table ($rows codes)"
