#!/bin/sh
# check_mapping.sh - run tests/check_mapping against three throwaway MIT
# KDCs on 127.0.0.1 (SSPIGSS_KDC=mit, the default), or against a
# throwaway Samba AD DC (SSPIGSS_KDC=samba, tests/check_mapping_ad.sh:
# tests/harness/samba.sh, SAMBA.TEST; needs root, other users SKIP),
# under libfaketime.
#
# SSPIGSS_KDC=mit:
#   SSPIGSS.TEST  the realm of tests/harness/kdc.sh, plus:
#                 kvno/ (keytab one kvno behind), etype/ (keytab without
#                 its aes256 key), u2u/ (-allow_svr), hwauth@
#                 (+requires_hwauth), keyexp@ (password expired), and
#                 trust towards OTHER.TEST and UNSERVED.TEST (no KDC)
#   OTHER.TEST    host/svc.other.test; trusts SSPIGSS.TEST and THIRD.TEST
#   THIRD.TEST    trusts OTHER.TEST
#
# SSPIGSS_KDC=samba: the DC's realm only (no second realm, no
# kadmin.local): client profiles as below, etype-aes128.keytab (the DC's
# keytab less host/localhost's aes256 key) and kvno-old.keytab
# (host/localhost at the kvno before the account's, with another key, as
# a keytab left from before a password change); the suite skips the
# rest with the reason. The suite learns which KDC from SSPIGSS_TEST_*
# (tests/check_mapping.c, struct map_config).
#
# Each MIT KDC reads a [domain_realm] of its own (the clients' profile has
# none for these domains, so clients follow referrals):
#   SSPIGSS.TEST: .other.test and .loop.test -> OTHER.TEST,
#                 .nopath.test -> NOPATH.TEST (no key towards it)
#   OTHER.TEST:   .loop.test -> THIRD.TEST
#   THIRD.TEST:   .loop.test -> OTHER.TEST (a referral loop)
#
# The suite runs with LD_PRELOAD=libfaketime, FAKETIME_NO_CACHE=1 and
# FAKETIME=+0, so each test can move its own clock; the KDCs keep real
# time. Everything lives in one temporary directory; every KDC is
# stopped by its pid on the way out, whatever happens.
#
# CHECK_MAPPING_KEEP=1 keeps the directory (profiles, keytabs, KDC logs).
# Run by `make check`; by hand: top_srcdir=. top_builddir=_build \
#     [SSPIGSS_KDC=samba] sh tests/check_mapping.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
suite="$top_builddir/tests/check_mapping"
kind=${SSPIGSS_KDC:-mit}

PATH="$PATH:/usr/sbin:/sbin"
export PATH

case $kind in
    mit)
        progs="krb5kdc kdb5_util kadmin.local kinit ktutil"
        pkgs="krb5-kdc krb5-admin-server krb5-user" ;;
    samba)
        progs="samba samba-tool kinit ktutil ss flock"
        pkgs="--no-install-recommends samba samba-ad-dc samba-ad-provision"
        pkgs="$pkgs winbind krb5-user iproute2 util-linux" ;;
    *)
        echo "check_mapping: SSPIGSS_KDC must be mit or samba" >&2
        exit 99 ;;
esac
missing=
for prog in $progs; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "check_mapping($kind): missing$missing; install them with:" >&2
    echo "    apt-get install $pkgs" >&2
    exit 99
fi
if [ "$kind" = samba ] && [ "$(id -u)" -ne 0 ]; then
    echo "check_mapping(samba): SKIP: the Samba AD DC harness needs root" \
         "(tests/harness/samba.sh); run make check as root for the AD" \
         "pass" >&2
    exit 77
fi
# libfaketime and AddressSanitizer deadlock while the process starts
# (both hook the clock and thread functions before either is ready), so
# the sanitizer build cannot run this suite; the gcc pass runs it, and
# the valgrind pass checks its memory handling.
case ${SAN_CFLAGS:-} in
    *sanitize=*)
        echo "check_mapping: not run in a sanitizer build (libfaketime" \
             "deadlocks with ASan); the gcc and valgrind passes run it"
        exit 77 ;;
esac
faketime_lib=
for f in /usr/lib/*/faketime/libfaketime.so.1 \
         /usr/lib/faketime/libfaketime.so.1; do
    if [ -f "$f" ]; then
        faketime_lib=$f
        break
    fi
done
if [ -z "$faketime_lib" ]; then
    echo "check_mapping: libfaketime is missing; install it with:" >&2
    echo "    apt-get install libfaketime" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "check_mapping: $suite not built" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/kdc.sh"
. "$top_srcdir/tests/harness/samba.sh"

base=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-map.XXXXXX") || exit 99
main=$base/main
other=$base/other
third=$base/third
cleanup() {
    if [ "$kind" = samba ]; then
        samba_stop "$main"
    else
        kdc_stop "$third"
        kdc_stop "$other"
        kdc_stop "$base/main"
    fi
    if [ -n "${CHECK_MAPPING_KEEP:-}" ]; then
        echo "check_mapping: kept $base" >&2
    else
        rm -rf "$base"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "check_mapping($kind): $*" >&2
    exit 99
}

# --- client profiles (from the realm's own krb5.conf)
add_libdefaults() {  # add_libdefaults OUT LINES: krb5.conf plus LINES
    printf '%s\n' "$2" > "$1.add"
    sed "/^\[libdefaults\]/r $1.add" "$main/krb5.conf" > "$1"
    rm -f "$1.add"
}
client_profiles() {
    add_libdefaults "$base/krb5-camellia.conf" \
"    default_tkt_enctypes = camellia128-cts-cmac
    permitted_enctypes = camellia128-cts-cmac"
    add_libdefaults "$base/krb5-aes128.conf" \
"    permitted_enctypes = aes128-cts-hmac-sha1-96"
    cp "$main/krb5.conf" "$base/krb5-nopreauth.conf"
    cat >> "$base/krb5-nopreauth.conf" <<CONF
[plugins]
    clpreauth = {
        disable = encrypted_timestamp
        disable = encrypted_challenge
        disable = spake
        disable = pkinit
        disable = otp
    }
CONF
}

# keytab_drop IN OUT PRINCIPAL ENCTYPE: IN less PRINCIPAL's ENCTYPE keys
# (every principal's when PRINCIPAL is "*").
keytab_drop() {
    # Highest slot first: delent renumbers the slots after it.
    slots=$(printf 'rkt %s\nlist -e\n' "$1" | ktutil 2>/dev/null |
            awk -v p="$3" -v e="($4)" '($3 == p || p == "*") && $4 == e {
                print $1 }' | sort -rn)
    [ -n "$slots" ] || fail "no $4 key of $3 in $1"
    { echo "rkt $1"
      for s in $slots; do echo "delent $s"; done
      echo "wkt $2"; } | ktutil >/dev/null 2>&1 || fail "ktutil failed"
}

if [ "$kind" = samba ]; then
    # One test provisions the template (~15 s); parallel ones wait.
    tpl=$(samba_template_dir) || fail "no Samba version"
    mkdir -p "$(dirname "$tpl")" || exit 99
    flock "$(dirname "$tpl")/.sspigss-template.lock" \
        sh -c ". '$top_srcdir/tests/harness/samba.sh' && samba_template" \
        >/dev/null || fail "the Samba domain template could not be built"
    samba_start "$main" || fail "the Samba AD DC did not start"
    samba_kinit "$main" alice || fail "kinit alice failed"
    client_profiles
    . "$main/env"
    unset KRB5_TRACE
    princ=host/$SSPIGSS_SAMBA_HOST@$SSPIGSS_SAMBA_REALM
    # Every aes256 key: AD salts a key with the account's name, not the
    # SPN's, so HTTP/ and gssdemo/ hold host/'s very key, and an
    # acceptor without a name (any keytab entry) would use theirs.
    keytab_drop "$main/keytab" "$base/etype-aes128.keytab" "*" \
        aes256-cts-hmac-sha1-96
    # kvno-old.keytab: princ at the kvno before the DC's, another key.
    kvno=$(printf 'rkt %s\nlist\n' "$main/keytab" | ktutil 2>/dev/null |
           awk -v p="$princ" '$3 == p { print $2; exit }')
    [ -n "$kvno" ] && [ "$kvno" -gt 1 ] || fail "no kvno of $princ"
    { echo "addent -password -p $princ -k $((kvno - 1))" \
           "-e aes256-cts-hmac-sha1-96"
      echo "stale-key-pw-1"
      echo "wkt $base/kvno-old.keytab"; } |
        ktutil >/dev/null 2>&1 || fail "ktutil addent failed"
    [ -s "$base/kvno-old.keytab" ] || fail "no kvno-old.keytab"
    SSPIGSS_TEST_KDC=samba
    SSPIGSS_TEST_REALM=$SSPIGSS_SAMBA_REALM
    SSPIGSS_TEST_HOST=$SSPIGSS_SAMBA_HOST
    SSPIGSS_TEST_DIR=$SSPIGSS_SAMBA_DIR
    logs=$main/log/log.samba
else
# kdc.sh's functions use $dir for themselves: this script says $main.
kdc_start "$main" || fail "the KDC did not start"
kdc_kinit "$main" alice || fail "kinit alice failed"

# --- principals and keytabs of SSPIGSS.TEST
for q in \
    "addprinc -randkey kvno/$KDC_HOST" \
    "ktadd -k $base/kvno-old.keytab kvno/$KDC_HOST" \
    "ktadd -k $base/kvno-new.keytab kvno/$KDC_HOST" \
    "addprinc -randkey etype/$KDC_HOST" \
    "ktadd -k $base/etype-full.keytab etype/$KDC_HOST" \
    "addprinc -randkey -allow_svr u2u/$KDC_HOST" \
    "addprinc -pw hwauth-pw-1 +requires_preauth +requires_hwauth hwauth" \
    "addprinc -pw keyexp-pw-1 +requires_preauth -pwexpire 2000-01-01 keyexp" \
    "addprinc -pw cross-unserved krbtgt/UNSERVED.TEST@$KDC_REALM"
do
    kdc_admin "$main" "$q" || exit 99
done
# etype-aes128.keytab: etype/'s keytab less its aes256 entry.
keytab_drop "$base/etype-full.keytab" "$base/etype-aes128.keytab" \
    "etype/$KDC_HOST@$KDC_REALM" aes256-cts-hmac-sha1-96
client_profiles

# --- OTHER.TEST and THIRD.TEST, trust, referrals
kdc_start_realm "$other" OTHER.TEST || fail "OTHER.TEST did not start"
kdc_start_realm "$third" THIRD.TEST || fail "THIRD.TEST did not start"
kdc_cross "$main" "$other" && kdc_cross "$other" "$main" &&
    kdc_cross "$other" "$third" && kdc_cross "$third" "$other" ||
    exit 99
kdc_admin "$other" "addprinc -randkey host/svc.other.test" &&
    kdc_admin "$other" "ktadd -k $base/other.keytab host/svc.other.test" ||
    exit 99
port_of() { (. "$1/env" && echo "$SSPIGSS_KDC_PORT"); }
kdc_add_realm "$main" OTHER.TEST "$(port_of "$other")"
kdc_add_realm "$main" THIRD.TEST "$(port_of "$third")"

kdc_profile() {  # kdc_profile DIR MAPPINGS: DIR's krb5.conf + domain_realm
    cp "$1/krb5.conf" "$1/krb5-kdc.conf"
    printf '[domain_realm]\n%s\n' "$2" >> "$1/krb5-kdc.conf"
}
kdc_profile "$main" "    .other.test = OTHER.TEST
    .loop.test = OTHER.TEST
    .nopath.test = NOPATH.TEST"
kdc_profile "$other" "    .loop.test = THIRD.TEST"
kdc_profile "$third" "    .loop.test = OTHER.TEST"
kdc_restart "$main" "$main/krb5-kdc.conf" &&
    kdc_restart "$other" "$other/krb5-kdc.conf" &&
    kdc_restart "$third" "$third/krb5-kdc.conf" ||
    fail "a KDC did not restart"

. "$main/env"
unset KRB5_TRACE
SSPIGSS_TEST_KDC=mit
SSPIGSS_TEST_REALM=$SSPIGSS_REALM
SSPIGSS_TEST_HOST=$SSPIGSS_HOST
SSPIGSS_TEST_DIR=$SSPIGSS_KDC_DIR
logs="$main/kdc.log $other/kdc.log $third/kdc.log"
fi
SSPIGSS_MAP_DIR=$base
SSPIGSS_TEST_ALICE_PW=alice-pw-1
export SSPIGSS_MAP_DIR SSPIGSS_TEST_KDC SSPIGSS_TEST_REALM
export SSPIGSS_TEST_HOST SSPIGSS_TEST_DIR SSPIGSS_TEST_ALICE_PW

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
LD_PRELOAD="$faketime_lib${LD_PRELOAD:+ $LD_PRELOAD}" FAKETIME=+0 \
    FAKETIME_NO_CACHE=1 ${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ]; then
    for f in $logs; do
        [ -f "$f" ] || continue
        echo "check_mapping($kind): failed ($rc); $f:" >&2
        grep -v "closing down" "$f" | tail -n 15 | cut -c 1-300 >&2
    done
fi
exit $rc
