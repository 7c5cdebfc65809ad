#!/bin/sh
# Install into a scratch DESTDIR and build a client the way users are told
# to: `pkg-config --cflags --libs sspigss`, with both include styles; the
# program then runs against the installed library.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}" "${CC:=cc}"
MAKE=${MAKE:-make}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MAKE" -s -C "$top_builddir" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; exit 1; }
pc=$(find "$tmp/root" -name sspigss.pc | head -n 1)
[ -n "$pc" ] || { echo "sspigss.pc was not installed" >&2; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$tmp/root"
cflags=$(pkg-config --cflags sspigss)
libs=$(pkg-config --libs sspigss)
libdir=$(dirname "$(find "$tmp/root" -name 'libsspigss.so' | head -n 1)")

for h in public compat; do
    if [ $h = public ]; then
        inc='#include <sspigss/sspigss.h>'
    else
        inc='#define SECURITY_WIN32
#include <windows.h>
#include <security.h>
#include <schannel.h>'
    fi
    cat > "$tmp/c_$h.c" <<C
$inc
#include <stdio.h>
int
main(void)
{
    PSecPkgInfoA info = NULL;
    SECURITY_STATUS st = QuerySecurityPackageInfoA((LPSTR)"Kerberos", &info);

    if (st != SEC_E_OK)
        return 1;
    printf("%s %lu\n", info->Name, (unsigned long)info->cbMaxToken);
    FreeContextBuffer(info);
    puts(sspigss_status_name(SEC_E_INVALID_TOKEN));
    return 0;
}
C
    # shellcheck disable=SC2086
    # (SAN_CFLAGS: a sanitizer build's library needs the runtime too.)
    $CC -std=c11 -Wall -Wextra -Werror ${SAN_CFLAGS:-} -o "$tmp/c_$h" \
        "$tmp/c_$h.c" $cflags $libs
    out=$(LD_LIBRARY_PATH="$libdir" "$tmp/c_$h")
    [ "$out" = "Kerberos 48000
SEC_E_INVALID_TOKEN" ] || { echo "unexpected output ($h): $out" >&2; exit 1; }
done
# -lsspi, as Python's sspilib links, through the libsspi.so the install
# provides in its own directory.
cat > "$tmp/c_sspi.c" <<C
#include <sspigss/sspigss.h>
int
main(void)
{
    PSecPkgInfoA info = NULL;

    if (QuerySecurityPackageInfoA((LPSTR)"NTLM", &info) != SEC_E_OK)
        return 1;
    FreeContextBuffer(info);
    return 0;
}
C
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror ${SAN_CFLAGS:-} -o "$tmp/c_sspi" \
    "$tmp/c_sspi.c" $cflags -L"$libdir/sspigss" -lsspi
LD_LIBRARY_PATH="$libdir" "$tmp/c_sspi" \
    || { echo "a -lsspi program failed" >&2; exit 1; }
# Headers were installed where the .pc file says.
for f in sspigss/sspigss.h sspigss/sspi.h sspigss/compat/security.h \
         sspigss/compat/windows.h; do
    [ -n "$(find "$tmp/root" -path "*/include/$f")" ] \
        || { echo "missing installed header $f" >&2; exit 1; }
done
echo "installed library, headers and pkg-config file work (both styles)"
