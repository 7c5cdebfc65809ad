#!/bin/sh
# abi-check.sh - prove that the public and compat headers of sspigss declare
# what 64-bit Windows declares: every constant with Windows' value, width
# and signedness, every structure with Windows' size, alignment, member
# offsets and member types, every typedef with Windows' size, every
# prototype and typedef compatible with Windows' own, and every name that
# follows UNICODE (SecPkgInfo, AcquireCredentialsHandle, ...) mapped to
# the same A or W name.
#
# Windows' side is the mingw-w64 headers, evaluated by the Win64 cross
# compiler at compile time; nothing runs on Windows. For each of the two
# character modes (ANSI, UNICODE):
#
#  1. The object-like macros our headers #define (found in the header
#     sources, so new ones are covered without being listed) are expanded
#     by both preprocessors. Strings and aliases (a macro naming a type or
#     function) are compared as text, L"" on Windows matching u"" here.
#  2. abi-scan.awk reads our preprocessed headers and lists structures,
#     members with their types, enumerators, typedefs and declarations.
#  3. abi-gen.c, built against our headers, prints _Static_asserts for the
#     numeric constants and enumerators, the typedef sizes and the layouts
#     of the structures in structs.list.
#  4. The Win64 compiler checks those assertions, the member types, and
#     our prototypes and typedefs re-declared after Windows' headers (a
#     conflicting redeclaration is an error), in one -fsyntax-only run.
#  5. The C++ compiler checks the sizes and offsets once more, as C++
#     sees the headers.
#
# structs.list must name every structure and member the headers declare.
# Names mingw-w64 lacks or gets wrong are listed in not-in-mingw.txt.
#
# Environment: top_srcdir, CC, CXX, MINGW_CC (set by make check), AWK;
# ABI_KEEP=1 keeps the work directory for inspection.
set -u

: "${top_srcdir:=.}"
: "${CC:=cc}"
: "${CXX:=}"
: "${MINGW_CC:=}"
: "${AWK:=awk}"
LC_ALL=C
export LC_ALL

if [ -z "$MINGW_CC" ] || ! command -v "$MINGW_CC" >/dev/null 2>&1; then
    echo "FAIL: the ABI test needs the Win64 cross compiler and the" \
         "mingw-w64 headers:" >&2
    echo "    apt-get install gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev" >&2
    echo "then run ./configure again (it looks for" \
         "x86_64-w64-mingw32-gcc)." >&2
    exit 1
fi

top=$(cd "$top_srcdir" && pwd) || exit 1
here="$top/tests/abi"
inc="-I$top/include -I$top/compat"
tmp=$(mktemp -d) || exit 1
[ -n "${ABI_KEEP:-}" ] && echo "work directory: $tmp"
trap '[ -n "${ABI_KEEP:-}" ] || rm -rf "$tmp"' EXIT
failed=0

fail() {
    echo "FAIL: $*" >&2
    failed=1
}

# ------------------------------------------------------------ allowlist

# "NAME KIND" per entry; an entry without a known kind and a reason fails
sed -e 's/#.*//' "$here/not-in-mingw.txt" |
    $AWK -v bad="$tmp/allow.bad" '
        NF == 0 { next }
        NF < 3 || ($2 != "missing" && $2 != "differs") { print > bad; next }
        { print $1, $2 }' | sort -u > "$tmp/allow"
if [ -s "$tmp/allow.bad" ]; then
    while read -r line; do
        fail "not-in-mingw.txt: want NAME missing|differs REASON: $line"
    done < "$tmp/allow.bad"
fi
cut -d' ' -f1 "$tmp/allow" > "$tmp/allow.names"
n_allow=$(wc -l < "$tmp/allow.names")

# Drop allowlisted names from a one-name-per-line list on stdin.
unallowed() {
    grep -vxF -f "$tmp/allow.names" || true
}

# --------------------------------------------------------------- probes

# What a Windows program includes; compat/ maps each name to our headers.
cat > "$tmp/probe.h" <<'EOF'
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <windows.h>
#include <winerror.h>
#include <wincrypt.h>
#include <wincred.h>
#include <subauth.h>
#include <security.h>
#include <sspi.h>
#include <schannel.h>
#include <tchar.h>
EOF

# The same for mingw-w64, targeting the newest Windows it knows. Windows
# declares SCH_CREDENTIALS only with SCHANNEL_USE_BLACKLISTS and
# UNICODE_STRING (subauth.h) in scope, and the packed-credential types
# (SEC_WINNT_AUTH_PACKED_CREDENTIALS, ...) only with _SEC_WINNT_AUTH_TYPES.
cat > "$tmp/mingw-probe.h" <<'EOF'
#define _WIN32_WINNT 0x0A00
#define NTDDI_VERSION WDK_NTDDI_VERSION
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#define _SEC_WINNT_AUTH_TYPES
#include <windows.h>
#include <winerror.h>
#include <wincrypt.h>
#include <wincred.h>
#include <subauth.h>
#include <security.h>
#include <sspi.h>
#include <schannel.h>
#include <tchar.h>
#include <stddef.h>
EOF

tab=$(printf '\t')

# Object-like macros #defined in our header sources (a name followed by
# blank or nothing; "NAME(" is function-like).
b='[[:blank:]]'
id='\([A-Za-z_][A-Za-z0-9_]*\)'
sed -n "s/^$b*#$b*define$b$b*$id\\($b.*\\)\\{0,1\\}\$/\\1/p" \
    "$top"/include/sspigss/*.h "$top"/compat/*.h |
    grep -v '^SSPIGSS_\|^sspigss_' | sort -u > "$tmp/ournames"

# One line per macro name: the name in a string (not expanded), then the
# macro (expanded), between markers.
markers() {
    while read -r m; do echo "@@@ \"$m\" @@@ $m @@@END@@@"; done
}

# "NAME<TAB>expansion" from the preprocessed marker lines of check_mode.
expansions() {
    sed -n "s/^@@@ \"$id\" @@@ *\\(.*\\) *@@@END@@@\$/\\1$tab\\2/p" |
        sed 's/ *$//'
}

check_mode() {
    mode=$1
    defs=$2
    w="$tmp/$mode"
    mkdir "$w" || exit 1
    cp "$tmp/probe.h" "$w/abi-probe.h"

    # ------------------------------------------------ 1. macros
    # shellcheck disable=SC2086
    $CC -std=c11 -E -dM $defs $inc "$w/abi-probe.h" > "$w/dm" ||
        { fail "$mode: our headers do not preprocess"; return; }
    sed -n 's/^#define \([A-Za-z_][A-Za-z0-9_]*\)\( .*\)\{0,1\}$/\1/p' \
        "$w/dm" | sort -u > "$w/defined"
    comm -12 "$tmp/ournames" "$w/defined" > "$w/names"

    { cat "$tmp/probe.h"
      markers < "$w/names"
    } > "$w/expand.c"
    { cat "$tmp/mingw-probe.h"
      markers < "$w/names"
    } > "$w/mexpand.c"
    # shellcheck disable=SC2086
    $CC -std=c11 -E -P $defs $inc "$w/expand.c" 2>&1 | expansions \
        > "$w/ours.exp"
    # shellcheck disable=SC2086
    $MINGW_CC -std=c11 -E -P $defs "$w/mexpand.c" 2>&1 | expansions \
        > "$w/theirs.exp"

    # Classes: C numeric constant (compiled), S string, A alias (text),
    # D defined empty (only its existence is checked).
    $AWK -F '\t' -v w="$w" '
        {
            e = $2
            if (e == "")                    c = "D"
            else if (e ~ /"/)               c = "S"
            else if (e ~ /(^|[^A-Za-z0-9_])[0-9\047]/) c = "C"
            else                            c = "A"
            print $1 > (w "/class." c)
        }' "$w/ours.exp"
    for c in C S A D; do
        touch "$w/class.$c"
        unallowed < "$w/class.$c" > "$w/check.$c"
    done

    # Strings and aliases: same text once L"" and u"" are both written
    # W"". A wide literal must be u"" here (wchar_t is 32-bit on Linux).
    # Prints "same NAME" or "diff NAME: why" for every string and alias.
    cat "$w/class.S" "$w/class.A" | $AWK -F "$tab" '
        # u8"" is narrow, L"" and u"" are 16-bit wide: write them "" and W""
        function norm(s,    p) {
            s = " " s
            while (match(s, /[^A-Za-z0-9_](u8|L|u)"/)) {
                p = substr(s, RSTART + 1, RLENGTH - 2)
                s = substr(s, 1, RSTART) (p == "u8" ? "" : "W") \
                    substr(s, RSTART + RLENGTH - 1)
            }
            gsub(/[ \t]+/, " ", s)
            sub(/^ /, "", s)
            return s
        }
        FILENAME == "-" { want[$1] = 1; next }
        FILENAME == ARGV[2] { theirs[$1] = norm($2); next }
        ($1 in want) {
            if ($2 ~ /(^|[^A-Za-z0-9_])L"/)
                print "diff " $1 ": wide string written L\"\"" \
                      " (32-bit on Linux)"
            else if (norm($2) != theirs[$1])
                print "diff " $1 ": " $2 "  <>  Windows: " theirs[$1]
            else
                print "same " $1
        }' - "$w/theirs.exp" "$w/ours.exp" > "$w/text"
    sed -n 's/^same //p' "$w/text" > "$w/text.same"
    sed -n 's/^diff //p' "$w/text" | while read -r name why; do
        name=${name%:}
        grep -qxF "$name" "$tmp/allow.names" ||
            echo "FAIL: $mode: $name: $why" >&2
    done
    sed -n 's/^diff \([^:]*\):.*/\1/p' "$w/text" | unallowed |
        grep -q . && failed=1

    # ------------------------------------------------ 2. declarations
    # shellcheck disable=SC2086
    $CC -std=c11 -E $defs $inc "$w/abi-probe.h" |
        $AWK -v dir1="$top/include/sspigss/" -v dir2="$top/compat/" \
             -f "$here/abi-scan.awk" > "$w/decls" ||
        { fail "$mode: abi-scan.awk failed"; return; }
    grep '^ERROR' "$w/decls" | while IFS="$tab" read -r _ f text; do
        echo "FAIL: $mode: cannot read this declaration of $f: $text" >&2
    done
    grep -q '^ERROR' "$w/decls" && failed=1

    # ------------------------------------------------ structs.list complete?
    grep '^STRUCT' "$w/decls" | cut -f3 | sort -u | unallowed \
        > "$w/structs.declared"
    $AWK '{ sub(/#.*/, "") } /^[^ \t]/ { sub(/:.*/, ""); print }' \
        "$here/structs.list" | sort -u | unallowed > "$w/structs.inlist"
    comm -23 "$w/structs.declared" "$w/structs.inlist" |
        while read -r s; do
            echo "FAIL: $mode: structure $s is not in" \
                 "tests/abi/structs.list" >&2
        done
    comm -13 "$w/structs.declared" "$w/structs.inlist" |
        while read -r s; do
            echo "FAIL: $mode: structs.list names $s, which the headers" \
                 "do not declare" >&2
        done
    [ -n "$(comm -3 "$w/structs.declared" "$w/structs.inlist")" ] &&
        failed=1
    # ------------------------------------------------ 3. Linux facts
    { cut -f1 "$w/check.C"
      grep '^ENUM' "$w/decls" | cut -f3 | unallowed
    } | sort -u | sed 's/.*/C(&)/' > "$w/abi-consts.def"
    grep '^TYPEDEF' "$w/decls" | cut -f3 | sort -u | unallowed |
        sed 's/.*/T(&)/' > "$w/abi-types.def"
    # structs.list -> S(TYPE) M(TYPE, member)
    $AWK -v allow="$tmp/allow.names" '
        BEGIN { while ((getline a < allow) > 0) skip[a] = 1 }
        { sub(/#.*/, "") }
        /^[^ \t]/ {
            t = $0; sub(/:.*/, "", t); rest = $0; sub(/^[^:]*:/, "", rest)
            cur = (t in skip) ? "" : t
            if (cur != "") print "S(" cur ")"
            $0 = rest
        }
        cur != "" { for (i = 1; i <= NF; i++) print "M(" cur ", " $i ")" }
    ' "$here/structs.list" > "$w/abi-structs.def"

    # shellcheck disable=SC2086
    if ! $CC -std=c11 $defs $inc -I"$w" -o "$w/abi-gen" \
            "$here/abi-gen.c" 2> "$w/gen.err"; then
        cat "$w/gen.err" >&2
        fail "$mode: abi-gen.c does not build against our headers" \
             "(a name in structs.list or a macro classified as a" \
             "constant is wrong)"
        return
    fi
    "$w/abi-gen" "$w/listed" > "$w/checks.c" ||
        { fail "$mode: abi-gen failed"; return; }

    # ------------------------------------------------ 4. Win64 checks
    {
        cat "$tmp/mingw-probe.h"
        cat "$w/checks.c"
        echo "/* macros defined empty */"
        while read -r m; do
            printf '#ifndef %s\n#error "%s: %s"\n#endif\n' \
                "$m" "$m" "not defined by the Windows headers"
        done < "$w/check.D"
        echo "/* our declarations again, functions known to Windows */"
        grep '^REPLAY' "$w/decls" |
            $AWK -F '\t' -v allow="$tmp/allow.names" '
                BEGIN { while ((getline a < allow) > 0) skip[a] = 1 }
                # the base types are spelt in C types, not Windows ones
                $2 ~ /\/wintypes\.h$/ && $3 != "tag" { next }
                { n = split($4, nm, " ")
                  for (i = 1; i <= n; i++) if (nm[i] in skip) next
                  if ($3 == "function" || $3 == "variable")
                      printf "extern __typeof__(%s) abi_exists_%s;\n",
                             $4, $4
                  print $5 }'
        echo "/* member types */"
        grep '^MEMBER' "$w/decls" |
            $AWK -F '\t' -v allow="$tmp/allow.names" '
                BEGIN { while ((getline a < allow) > 0) skip[a] = 1 }
                $4 == "" || ($2 in skip) { next }
                { printf "_Static_assert(__builtin_types_compatible_p(" \
                         "__typeof__(((%s *)0)->%s), %s), " \
                         "\"%s.%s: type is not Windows %s\");\n",
                         $2, $3, $4, $2, $3, $4 }'
    } > "$w/win64.c"
    # shellcheck disable=SC2086
    if ! $MINGW_CC -std=c11 -fsyntax-only -fmax-errors=0 $defs \
            "$w/win64.c" > "$w/win64.err" 2>&1; then
        grep -E 'error' "$w/win64.err" | sed 's/^[^ ]* //' | sort -u |
            while read -r line; do echo "FAIL: $mode: $line" >&2; done
        failed=1
    fi

    # ------------------------------------------------ 5. C++ agrees
    # The same sizes and offsets seen by the C++ compiler (WCHAR is
    # char16_t there).
    if [ -n "$CXX" ]; then
        { cat "$tmp/probe.h"
          echo "#include <cstddef>"
          grep -E '^_Static_assert\((sizeof|_Alignof|offsetof)\(' \
              "$w/checks.c" |
              sed -e 's/^_Static_assert/static_assert/' \
                  -e 's/^static_assert(_Alignof/static_assert(alignof/'
        } > "$w/cxx.cc"
        # shellcheck disable=SC2086
        if ! $CXX -std=c++17 -fsyntax-only $defs $inc "$w/cxx.cc" \
                > "$w/cxx.err" 2>&1; then
            grep 'error' "$w/cxx.err" | sed 's/^[^ ]* //' | sort -u |
                while read -r line; do
                    echo "FAIL: $mode: C++: $line" >&2
                done
            failed=1
        fi
    fi

    # ------------------------------------------------ members complete?
    grep '^MEMBER' "$w/decls" | cut -f2,3 | sort -u > "$w/members.declared"
    sort -u "$w/listed" > "$w/members.listed"
    comm -23 "$w/members.declared" "$w/members.listed" |
        while IFS="$tab" read -r s m; do
            grep -qxF "$s" "$tmp/allow.names" && continue
            echo "FAIL: $mode: member $s.$m is not in" \
                 "tests/abi/structs.list" >&2
            echo x
        done > "$w/missing.members"
    [ -s "$w/missing.members" ] && failed=1

    # ------------------------------------------------ counts
    n_c=$(grep -c '^C(' "$w/abi-consts.def")
    n_s=$(wc -l < "$w/check.S")
    n_a=$(wc -l < "$w/check.A")
    n_d=$(wc -l < "$w/check.D")
    n_t=$(wc -l < "$w/abi-types.def")
    n_st=$(grep -c '^S(' "$w/abi-structs.def")
    n_m=$(wc -l < "$w/listed")
    n_mt=$(grep -c '^_Static_assert(__builtin_types_compatible_p' \
           "$w/win64.c")
    n_r=$(grep '^REPLAY' "$w/decls" |
          grep -cv "/wintypes\\.h${tab}typedef$tab")
    echo "$mode: $n_c constants, $n_s strings, $n_a aliases," \
         "$n_d empty macros; $n_t typedefs; $n_st structures," \
         "$n_m members ($n_mt member types); $n_r declarations re-declared"
}

check_mode ansi ""
check_mode unicode "-DUNICODE -D_UNICODE"

# ------------------------------------------------- stale allowlist entries
known="$tmp/known"
cat "$tmp/ournames" > "$known"
for mode in ansi unicode; do
    [ -f "$tmp/$mode/decls" ] || continue
    $AWK -F '\t' '$1 == "STRUCT" || $1 == "ENUM" || $1 == "TYPEDEF" {
                      print $3 }
                  $1 == "REPLAY" { n = split($4, a, " ")
                                   for (i = 1; i <= n; i++) print a[i] }' \
        "$tmp/$mode/decls" >> "$known"
done
while read -r name kind; do
    if ! grep -qxF "$name" "$known"; then
        fail "not-in-mingw.txt lists $name, which our headers do not" \
             "declare"
        continue
    fi
    case $kind in
    missing)
        { cat "$tmp/mingw-probe.h"
          printf '#ifdef %s\n#error "defined"\n#endif\nint %s;\n' \
              "$name" "$name"
        } > "$tmp/stale.c"
        if ! $MINGW_CC -std=c11 -fsyntax-only "$tmp/stale.c" \
                > /dev/null 2>&1; then
            fail "not-in-mingw.txt: mingw-w64 declares $name now;" \
                 "remove the entry"
        fi
        ;;
    differs)
        # stale when the texts agree in both modes
        if grep -qxF "$name" "$tmp/ansi/text.same" &&
           grep -qxF "$name" "$tmp/unicode/text.same"; then
            fail "not-in-mingw.txt: mingw-w64 agrees on $name now;" \
                 "remove the entry"
        fi
        ;;
    esac
done < "$tmp/allow"

mingw_version=$(printf '#include <_mingw.h>\n%s.%s.%s\n' \
    __MINGW64_VERSION_MAJOR __MINGW64_VERSION_MINOR __MINGW64_VERSION_BUGFIX |
    $MINGW_CC -E -P - 2>/dev/null | tail -n 1 | tr -d ' ')
echo "compared with mingw-w64 $mingw_version headers ($MINGW_CC);" \
     "$n_allow names not compared (tests/abi/not-in-mingw.txt)"
if [ $failed -ne 0 ]; then
    echo "ABI check FAILED. A name mingw-w64 lacks (or gets wrong) goes" \
         "into tests/abi/not-in-mingw.txt with a reason." >&2
    exit 1
fi
echo "ABI check passed: the headers match 64-bit Windows"
exit 0
