#!/bin/sh
# check_kerberos.sh - run a Kerberos Check suite against a throwaway KDC.
#
#   SSPIGSS_KDC=mit    (default) the MIT realm of tests/harness/kdc.sh,
#                      SSPIGSS.TEST; works as root and as any other user
#   SSPIGSS_KDC=samba  the Samba AD DC of tests/harness/samba.sh,
#                      SAMBA.TEST; needs root (samba-tool provisions the
#                      domain template once): other users SKIP (exit 77)
#   SSPIGSS_SUITE      the suite to run: check_kerberos (default) or
#                      check_ad (tests/check_ad.sh)
#
# Starts the KDC in a fresh temporary directory (127.0.0.1, free ports),
# gets alice a TGT in the KDC's default ccache, exports the KDC's
# environment and describes it to the suite in SSPIGSS_TEST_* variables
# (realm, NetBIOS-style domain, service host, directory, port, pid file,
# passwords, RC4 keytab: see tests/check_kerberos.c), runs the suite and
# stops the KDC by its pid on the way out, whatever happens. The MIT realm
# gets two principals more than kdc.sh makes, MIT's counterparts of AD
# accounts of tests/harness/samba.sh: keyexp@ (password expired, like
# oldpw) and lockme@ (policy "lockout": locked out for good after 3 bad
# passwords, like lockme).
#
# Run by `make check` (tests/check_kerberos_ad.sh and tests/check_ad.sh
# set the variables); by hand: top_srcdir=. top_builddir=_build \
#     SSPIGSS_KDC=samba sh tests/check_kerberos.sh

top_srcdir=${top_srcdir:-${srcdir:-.}}
top_builddir=${top_builddir:-.}
kind=${SSPIGSS_KDC:-mit}
name=${SSPIGSS_SUITE:-check_kerberos}
suite="$top_builddir/tests/$name"
me="$name($kind)"

# The KDC programs live in sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"
export PATH

case $kind in
    mit)
        progs="krb5kdc kdb5_util kadmin.local kinit"
        pkgs="krb5-kdc krb5-admin-server krb5-user"
        ;;
    samba)
        progs="samba samba-tool kinit ss flock"
        pkgs="samba samba-ad-dc samba-ad-provision winbind krb5-user"
        pkgs="$pkgs iproute2 util-linux"
        ;;
    *)
        echo "$me: SSPIGSS_KDC must be mit or samba" >&2
        exit 99
        ;;
esac
missing=
for prog in $progs; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "$me: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends $pkgs" >&2
    exit 99
fi
if [ ! -x "$suite" ]; then
    echo "$me: $suite not built" >&2
    exit 99
fi
if [ "$kind" = samba ] && [ "$(id -u)" -ne 0 ]; then
    # samba-tool domain provision chowns the sysvol share and sets NT ACLs
    # (security.* xattrs): only root can build the domain template.
    echo "$me: SKIP: the Samba AD DC harness needs root" \
         "(tests/harness/samba.sh); run make check as root for the AD" \
         "pass" >&2
    exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-$kind.XXXXXX") || exit 99
cleanup() {
    if [ "$kind" = samba ]; then
        samba_stop "$dir"
    else
        kdc_stop "$dir"
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$kind" = mit ]; then
    . "$top_srcdir/tests/harness/kdc.sh"
    if ! kdc_start "$dir"; then
        echo "$me: the KDC did not start" >&2
        exit 99
    fi
    pre="addprinc +requires_preauth"
    for q in \
        "$pre -pw keyexp-pw -pwexpire 2000-01-01 keyexp" \
        "addpol -maxfailure 3 -failurecountinterval 0 -lockoutduration 0 \
lockout" \
        "$pre -pw lockme-pw -policy lockout lockme"
    do
        kdc_admin "$dir" "$q" || exit 99
    done
    if ! kdc_kinit "$dir" alice; then
        echo "$me: kinit alice failed" >&2
        cat "$dir/kdc.log" >&2
        exit 99
    fi
    . "$dir/env"
    SSPIGSS_TEST_KDC=mit
    SSPIGSS_TEST_REALM=$SSPIGSS_REALM
    SSPIGSS_TEST_DOMAIN=${SSPIGSS_REALM%%.*}
    SSPIGSS_TEST_HOST=$SSPIGSS_HOST
    SSPIGSS_TEST_DIR=$SSPIGSS_KDC_DIR
    SSPIGSS_TEST_PORT=$SSPIGSS_KDC_PORT
    SSPIGSS_TEST_KDC_PIDFILE=$dir/kdc.pid.shell
    SSPIGSS_TEST_DISABLED_PW=x
    SSPIGSS_TEST_EXPIRED_PW=expired-pw
    log=$dir/kdc.log
else
    . "$top_srcdir/tests/harness/samba.sh"
    # Several tests may start at once on a machine without the template:
    # one provisions it (~15 s), the others wait for it.
    tpl=$(samba_template_dir) || { echo "$me: no Samba version" >&2; exit 99; }
    mkdir -p "$(dirname "$tpl")" || exit 99
    if ! flock "$(dirname "$tpl")/.sspigss-template.lock" \
         sh -c ". '$top_srcdir/tests/harness/samba.sh' && samba_template" \
         >/dev/null; then
        echo "$me: the Samba domain template could not be built" >&2
        exit 99
    fi
    if ! samba_start "$dir"; then
        echo "$me: the Samba AD DC did not start" >&2
        exit 99
    fi
    if ! samba_kinit "$dir" alice; then
        echo "$me: kinit alice failed" >&2
        tail -n 40 "$dir/log/log.samba" >&2
        exit 99
    fi
    . "$dir/env"
    SSPIGSS_TEST_KDC=samba
    SSPIGSS_TEST_REALM=$SSPIGSS_SAMBA_REALM
    SSPIGSS_TEST_DOMAIN=$SSPIGSS_SAMBA_DOMAIN
    SSPIGSS_TEST_HOST=$SSPIGSS_SAMBA_HOST
    SSPIGSS_TEST_DIR=$SSPIGSS_SAMBA_DIR
    SSPIGSS_TEST_PORT=$SSPIGSS_SAMBA_PORT
    SSPIGSS_TEST_KDC_PIDFILE=$dir/samba.pid.shell
    SSPIGSS_TEST_DISABLED_PW=$(samba_password disabled)
    SSPIGSS_TEST_EXPIRED_PW=$(samba_password expired)
    SSPIGSS_TEST_RC4_KEYTAB=$SSPIGSS_SAMBA_RC4_KEYTAB
    export SSPIGSS_TEST_RC4_KEYTAB
    log=$dir/log/log.samba
fi
SSPIGSS_TEST_ALICE_PW=alice-pw-1
SSPIGSS_TEST_BOB_PW=bob-pw-2
export SSPIGSS_TEST_KDC SSPIGSS_TEST_REALM SSPIGSS_TEST_DOMAIN
export SSPIGSS_TEST_HOST SSPIGSS_TEST_DIR SSPIGSS_TEST_PORT
export SSPIGSS_TEST_KDC_PIDFILE SSPIGSS_TEST_ALICE_PW SSPIGSS_TEST_BOB_PW
export SSPIGSS_TEST_DISABLED_PW SSPIGSS_TEST_EXPIRED_PW

# Under a runner (valgrind) the AD Kerberos suite runs its rc4 TCase only:
# the handshakes with AD's tickets (PAC), mutual and not, and the RC4
# message paths; every other TCase runs the library code the MIT pass
# already runs under the runner, and the gcc and sanitizer passes run the
# whole suite against AD. SSPIGSS_AD_FULL=1 runs all of it anyway.
if [ "$kind" = samba ] && [ "$name" = check_kerberos ] &&
   [ -n "${SSPIGSS_TEST_RUNNER:-}" ] && [ -z "${CK_RUN_CASE:-}" ] &&
   [ -z "${SSPIGSS_AD_FULL:-}" ]; then
    echo "$me: under SSPIGSS_TEST_RUNNER: the rc4 TCase only" \
         "(SSPIGSS_AD_FULL=1 for all)"
    CK_RUN_CASE=rc4
    export CK_RUN_CASE
fi

# Under a runner (valgrind) the threads TCase is left out. Its threads
# accept contexts at the same time, and MIT krb5 guards the replay cache
# (and the FILE ccache) with OFD locks: valgrind 3.19 holds its scheduler
# lock while a thread waits in fcntl(F_OFD_SETLKW), so the thread that
# has the krb5 lock never runs to release it and the test hangs (seen:
# one thread in F_OFD_SETLKW on krb5_0.rcache2, all others waiting for
# valgrind's scheduler). valgrind serialises threads anyway; the gcc,
# ASan and ThreadSanitizer passes run these tests.
if [ -n "${SSPIGSS_TEST_RUNNER:-}" ] && [ -z "${CK_RUN_CASE:-}" ] &&
   [ -z "${CK_EXCLUDE_TAGS:-}" ]; then
    echo "$me: under SSPIGSS_TEST_RUNNER: without the threads TCase"
    CK_EXCLUDE_TAGS=threads
    export CK_EXCLUDE_TAGS
fi

# SSPIGSS_TEST_RUNNER: e.g. "valgrind --error-exitcode=9" (hardening runs).
${SSPIGSS_TEST_RUNNER:-} "$suite"
rc=$?
if [ $rc -ne 0 ] && [ -f "$log" ]; then
    echo "$me: failed ($rc); the KDC's log:" >&2
    tail -n 40 "$log" >&2
fi
exit $rc
