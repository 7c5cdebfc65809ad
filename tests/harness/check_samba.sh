#!/bin/sh
# check_samba.sh - self-test of tests/harness/samba.sh (the Samba AD DC).
#
# Starts the DC in a fresh temporary directory (building the cached
# template first if there is none), gets alice a TGT and service tickets
# with MIT's kinit/kvno, checks the keytabs, asks MIT's kinit for a ticket
# for each special account and prints the KDC's error, whether the
# KRB-ERROR carried e-data and the NTSTATUS in it (MS-KILE KERB-EXT-ERROR,
# as Samba sends it: PA-DATA type 3), checks that the answers are the
# expected ones, stops the DC and checks that no samba process and no
# file outside the directory and the template cache is left behind.
#
# Not part of `make check` (yet). By hand, as root:
#     top_srcdir=/work/main sh tests/harness/check_samba.sh
# Exit status: 0 pass, 1 a check failed, 99 cannot run here.

top_srcdir=${top_srcdir:-${srcdir:-.}}
PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing=
for prog in samba samba-tool kinit kvno klist ss; do
    command -v "$prog" >/dev/null 2>&1 || missing="$missing $prog"
done
if [ -n "$missing" ]; then
    echo "check_samba: missing$missing; install them with:" >&2
    echo "    apt-get install --no-install-recommends samba-ad-dc" \
         "samba-ad-provision samba winbind krb5-user iproute2" >&2
    exit 99
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "check_samba: the Samba AD DC harness needs root" >&2
    exit 99
fi

. "$top_srcdir/tests/harness/samba.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/sspigss-samba.XXXXXX") || exit 99
marker="$dir.marker"
: > "$marker"
cleanup() {
    samba_stop "$dir"
    rm -rf "$dir" "$marker"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
ok() {
    echo "ok:   $*"
}

# A tiny krb5 program that prints the KRB-ERROR's code and the NTSTATUS
# in its e-data, which kinit and GSSAPI do not show. Optional: without a
# C compiler the NTSTATUS column says so.
probe="$dir/edata-probe"
cat > "$dir/edata-probe.c" <<'C'
#include <krb5.h>
#include <stdio.h>

/* Read one DER header at p (len n): tag, content start, content length. */
static int der(const unsigned char *p, size_t n, unsigned *tag,
               const unsigned char **c, size_t *clen)
{
    size_t i = 2, l;
    if (n < 2)
        return -1;
    *tag = p[0];
    l = p[1];
    if (l & 0x80) {
        unsigned k = l & 0x7f;
        if (k == 0 || k > 3 || n < 2 + k)
            return -1;
        for (l = 0; k > 0; k--)
            l = (l << 8) | p[i++];
    }
    if (l > n - i)
        return -1;
    *c = p + i;
    *clen = l;
    return (int)(i + l);
}

int main(int argc, char **argv)
{
    krb5_context ctx;
    krb5_principal princ;
    krb5_init_creds_context icc;
    krb5_error *err = NULL;
    krb5_error_code ret;
    const unsigned char *p, *c, *e;
    size_t n, clen, elen;
    unsigned tag, found = 0;
    int len;

    if (argc != 3 || krb5_init_context(&ctx) != 0)
        return 2;
    if (krb5_parse_name(ctx, argv[1], &princ) != 0
        || krb5_init_creds_init(ctx, princ, NULL, NULL, 0, NULL, &icc) != 0
        || krb5_init_creds_set_password(ctx, icc, argv[2]) != 0)
        return 2;
    ret = krb5_init_creds_get(ctx, icc);
    if (ret == 0) {
        printf("ok\n");
        return 0;
    }
    if (krb5_init_creds_get_error(ctx, icc, &err) != 0 || err == NULL) {
        printf("no-krb-error %d\n", (int)ret);
        return 0;
    }
    printf("error %d e-data %u", (int)err->error, err->e_data.length);
    /* METHOD-DATA ::= SEQUENCE OF PA-DATA { [1] type, [2] value } */
    p = (const unsigned char *)err->e_data.data;
    n = err->e_data.length;
    if ((len = der(p, n, &tag, &c, &clen)) > 0 && tag == 0x30) {
        p = c;
        n = clen;
        while (n > 0 && (len = der(p, n, &tag, &e, &elen)) > 0) {
            const unsigned char *q = e, *v = NULL;
            size_t m = elen, vlen = 0;
            long type = -1;
            int l2;
            while (m > 0 && (l2 = der(q, m, &tag, &c, &clen)) > 0) {
                const unsigned char *ic;
                size_t il;
                unsigned it;
                if (der(c, clen, &it, &ic, &il) > 0) {
                    if (tag == 0xa1 && it == 0x02) {
                        type = 0;
                        while (il-- > 0)
                            type = (type << 8) | *ic++;
                    } else if (tag == 0xa2 && it == 0x04) {
                        v = ic;
                        vlen = il;
                    }
                }
                q += l2;
                m -= (size_t)l2;
            }
            /* KERB-EXT-ERROR: NTSTATUS, reserved, flags (little-endian) */
            if (type == 3 && v != NULL && vlen >= 4) {
                printf(" ntstatus 0x%08X", (unsigned)v[0] | (unsigned)v[1] << 8
                       | (unsigned)v[2] << 16 | (unsigned)v[3] << 24);
                found = 1;
            }
            p += len;
            n -= (size_t)len;
        }
    }
    if (!found)
        printf(" ntstatus none");
    printf("\n");
    return 0;
}
C
if ! cc -o "$probe" "$dir/edata-probe.c" -lkrb5 >/dev/null 2>&1; then
    probe=
fi

tpl=$(samba_template_dir)
if [ -f "$tpl/sspigss-template" ]; then
    cached="cached template"
else
    cached="first run, template built"
fi
t0=$(date +%s%N)
if ! samba_start "$dir"; then
    echo "check_samba: the Samba DC did not start" >&2
    exit 99
fi
t1=$(date +%s%N)
echo "samba_start: $(( (t1 - t0) / 1000000 )) ms ($cached: $tpl)"
. "$dir/env"
unset KRB5_TRACE
echo "KDC 127.0.0.1:$SSPIGSS_SAMBA_PORT, kpasswd :$SSPIGSS_SAMBA_KPASSWD_PORT"

# Bound to loopback only.
if ss -Hltnu 2>/dev/null | awk '{print $5}' \
   | grep -E ":($SSPIGSS_SAMBA_PORT|$SSPIGSS_SAMBA_KPASSWD_PORT)\$" \
   | grep -v -q '^127\.0\.0\.1:'; then
    fail "samba listens beyond 127.0.0.1"
else
    ok "listening on 127.0.0.1 only"
fi

if samba_kinit "$dir" alice && klist -s; then
    ok "kinit alice"
else
    fail "kinit alice"
fi
for spn in host/localhost HTTP/localhost gssdemo/localhost; do
    if out=$(kvno -k "$dir/keytab" "$spn" 2>&1); then
        ok "kvno $spn: ${out#*: }"
    else
        fail "kvno $spn: $out"
    fi
done
klist -e | grep -A1 'host/localhost' | sed -n 's/^[[:space:]]*/      /p' \
    | tail -n 1
if klist -k -e "$dir/keytab" | grep -q 'aes256-cts' \
   && klist -k -e "$dir/keytab" | grep -q 'aes128-cts' \
   && klist -k -e "$dir/keytab" | grep -q 'arcfour-hmac'; then
    ok "DIR/keytab holds AES256, AES128 and RC4 keys"
else
    fail "DIR/keytab lacks an enctype"
fi
if out=$(kvno -k "$dir/rc4.keytab" rc4test/localhost 2>&1) \
   && klist -e | grep -A1 'rc4test/localhost' \
      | grep -q 'arcfour-hmac, .*arcfour-hmac' \
   && [ "$(klist -k -e "$dir/rc4.keytab" | grep -c 'rc4test')" -eq 1 ]; then
    ok "kvno rc4test/localhost: RC4 ticket, DIR/rc4.keytab holds only RC4"
else
    fail "rc4test/localhost: $out"
fi

# One kinit: kinit's message, the KDC error in MIT's trace, whether the
# trace shows e-data (preauth "tryagain" types: PA-PW-SALT (3) is the
# NTSTATUS), and the probe's NTSTATUS.
try() {  # try USER PASSWORD EXPECT_KDC_ERROR EXPECT_NTSTATUS
    tr="$dir/trace.$1"
    msg=$(echo "$2" | KRB5_TRACE="$tr" KRB5CCNAME="FILE:$dir/ccache.$1" \
          kinit "$1@$SAMBA_REALM" 2>&1 | grep -v '^Password for' | tail -n 1)
    kdc=$(sed -n 's/.*Received error from KDC: //p' "$tr" \
          | grep -v 'Additional pre-authentication required' | head -n 1)
    types=$(sed -n 's/.*Preauth tryagain input types ([0-9]*): //p' "$tr" \
            | head -n 1)
    if [ -n "$probe" ]; then
        nt=$("$probe" "$1@$SAMBA_REALM" "$2")
    else
        nt="(no C compiler: NTSTATUS not decoded)"
    fi
    echo "  $1: ${msg:-kinit: success}"
    echo "      KDC error: ${kdc:-none}"
    echo "      trace, padata in the error's e-data: ${types:-not shown}"
    echo "      probe: $nt"
    case "$kdc" in
        "$3"*) ;;
        *) fail "$1: expected KDC error $3"; return ;;
    esac
    if [ -n "$probe" ]; then
        case "$nt" in
            *"ntstatus $4") ;;
            *) fail "$1: expected NTSTATUS $4"; return ;;
        esac
    fi
    ok "$1"
}

echo "special accounts (kinit with each one's password):"
try disabled "$(samba_password disabled)" \
    "-1765328366/Client's credentials have been revoked" 0xC0000072
try expired "$(samba_password expired)" \
    "-1765328366/Client's credentials have been revoked" 0xC0000193
try mustchange "$(samba_password mustchange)" \
    "-1765328361/Password has expired" 0xC0000224
try oldpw "$(samba_password oldpw)" \
    "-1765328361/Password has expired" 0xC0000071
try locked "$(samba_password locked)" \
    "-1765328366/Client's credentials have been revoked" none
try smartcard "any-password" \
    "-1765328360/Preauthentication failed" none
try alice "wrong-password" \
    "-1765328360/Preauthentication failed" none
try nosuchuser "x" "-1765328378/Client " none

# Lockout by the KDC itself, limited to the PSO's accounts.
for _ in 1 2 3 4 5; do
    echo wrong | kinit "bob@$SAMBA_REALM" >/dev/null 2>&1
done
if samba_kinit "$dir" bob; then
    ok "bob not locked out by 5 bad passwords (domain policy: no lockout)"
else
    fail "bob locked out"
fi
if samba_lock_account "$dir" lockme; then
    ok "samba_lock_account: lockme locked out by bad passwords"
else
    fail "samba_lock_account"
fi
try lockme "$(samba_password lockme)" \
    "-1765328366/Client's credentials have been revoked" none

pid=$(cat "$dir/samba.pid.shell")
samba_stop "$dir"
if kill -0 "$pid" 2>/dev/null; then
    fail "samba (pid $pid) still runs after samba_stop"
else
    ok "samba_stop: pid $pid gone"
fi
left=
for p in $(pgrep -x samba 2>/dev/null); do
    case $(readlink "/proc/$p/cwd" 2>/dev/null) in
        "$dir"*) left="$left $p" ;;
    esac
done
if [ -n "$left" ]; then
    fail "samba processes left in $dir:$left"
else
    ok "no samba process left in $dir"
fi
touched=$(find /etc/samba /var/lib/samba /var/log/samba /run/samba \
          /var/cache/samba /etc/krb5.conf -newer "$marker" 2>/dev/null)
if [ -n "$touched" ]; then
    fail "written outside DIR: $touched"
else
    ok "nothing written to /etc/samba, /var/lib/samba, /var/log/samba," \
       "/run/samba, /var/cache/samba, /etc/krb5.conf"
fi

if [ $failures -ne 0 ]; then
    echo "check_samba: $failures failed; samba's log:" >&2
    tail -n 30 "$dir/log/log.samba" >&2
    exit 1
fi
echo "check_samba: all passed"
exit 0
