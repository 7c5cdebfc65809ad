#!/bin/sh
# samba.sh - a throwaway Samba AD DC (its KDC only) on loopback.
#
#   . tests/harness/samba.sh        # defines the functions below
#   samba_start DIR                 # copy the domain into DIR, start samba
#   samba_kinit DIR USER            # TGT for USER into DIR/ccache
#   samba_lock_account DIR [USER]   # bad passwords until USER is locked out
#   samba_stop DIR                  # stop it by its pid (and only it)
#
# Samba 4.17 (Debian samba-ad-dc) runs with `server services = kdc`: the
# KDC and kpasswd, nothing else (no LDAP, SMB, DNS, RPC, winbindd), one
# process (-M single), bound to 127.0.0.1 on two free ports ("krb5 port",
# "kpasswd port"). Every path Samba uses is under DIR: DIR/smb.conf,
# DIR/private, DIR/state, DIR/lock, DIR/cache, DIR/pid, DIR/log; Samba is
# started with -s DIR/smb.conf and -l DIR/log (without -l it opens
# /var/log/samba/log.samba before reading smb.conf); its log is
# DIR/log/log.samba.
#
# samba_start writes DIR/env (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME,
# SSPIGSS_SAMBA_PORT, ...; source it), DIR/krb5.conf (127.0.0.1 only, no
# DNS), DIR/keytab (AES256, AES128 and RC4 keys of host/localhost,
# HTTP/localhost and gssdemo/localhost) and DIR/rc4.keytab (the RC4 key of
# rc4test/localhost, whose account allows RC4 only).
#
# Provisioning takes about 15 s, so it happens once, into a template
# directory: $SSPIGSS_SAMBA_TEMPLATE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/sspigss/samba-template-<samba version>-f<N>.
# samba_start copies it (cp -a) and writes a fresh smb.conf; the databases
# hold no absolute paths. Bump SAMBA_TEMPLATE_FORMAT when the accounts
# below change, so stale templates are not reused.
#
# Root only: samba-tool domain provision chowns the sysvol share and
# stores NT ACLs in security.* extended attributes, and fails for other
# users ("Unable to chown a file on your filesystem"). (samba itself does
# run as another user on a copy it owns, but the template needs root.)
# samba_start refuses other users with a message.
#
# The domain SAMBA (realm SAMBA.TEST); domain policy: no complexity, no
# expiry, no lockout. Passwords: alice "alice-pw-1", bob "bob-pw-2",
# Administrator "Admin-pw-1!", any other user "<user>-pw" (samba_password).
#   alice, bob    normal users
#   disabled      ACCOUNTDISABLE
#   expired       accountExpires 2000-01-01
#   mustchange    pwdLastSet 0 (must change password at next logon)
#   oldpw         pwdLastSet 2000-01-01 and a PSO (sspigss-oldpw) with a
#                 42-day maximum password age, so its password is too old
#   locked        locked out: a PSO (sspigss-lockout: 3 bad passwords,
#                 locked for ever) and lockoutTime set in the template
#   lockme        the same PSO, not locked: samba_lock_account locks it
#   smartcard     SMARTCARD_REQUIRED (random password)
#   svc-localhost SPNs host/localhost, HTTP/localhost, gssdemo/localhost;
#                 msDS-SupportedEncryptionTypes AES256|AES128|RC4
#   svc-rc4       SPN rc4test/localhost; msDS-SupportedEncryptionTypes RC4
#   s4u-front     SPN s4u/localhost; constrained delegation (Kerberos
#                 only) to HTTP/localhost (msDS-AllowedToDelegateTo), not
#                 to host/localhost; its keys in DIR/s4u.keytab (the SPN,
#                 to accept) and DIR/s4u-client.keytab (the account,
#                 s4u-front@SAMBA.TEST, for its own TGT)

SAMBA_REALM=SAMBA.TEST
SAMBA_DOMAIN=SAMBA
SAMBA_HOST=localhost
SAMBA_ADMIN_PW='Admin-pw-1!'
SAMBA_TEMPLATE_FORMAT=2
# Samba's Python modules live in Debian's python3, not a pyenv one.
SAMBA_PYTHON=/usr/bin/python3

samba_password() {  # samba_password USER: the harness's password for USER
    case $1 in
        alice) echo alice-pw-1 ;;
        bob) echo bob-pw-2 ;;
        [Aa]dministrator) echo "$SAMBA_ADMIN_PW" ;;
        *) echo "$1-pw" ;;
    esac
}

# Function-local variables are prefixed sb_: the functions run in the
# caller's shell, whose dir, pid, port, ... they must leave alone.

samba_free_port() {
    # A port no socket uses, below Linux's ephemeral range (32768 up), so
    # that client sockets of parallel tests cannot take it before the bind
    # (as kdc_free_port in kdc.sh).
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        sb_p=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 12000 ) + 20000 ))
        if ! (ss -Hantu 2>/dev/null | awk '{print $5}' \
              | grep -q ":$sb_p\$"); then
            echo "$sb_p"
            return 0
        fi
    done
    return 1
}

# samba_write_conf DIR KDC_PORT KPASSWD_PORT: DIR/smb.conf and
# DIR/krb5.conf, every path under DIR.
samba_write_conf() {
    cat > "$1/smb.conf" <<CONF
# Written by tests/harness/samba.sh: the KDC only, on 127.0.0.1.
[global]
	netbios name = DC
	workgroup = $SAMBA_DOMAIN
	realm = $SAMBA_REALM
	server role = active directory domain controller
	server services = kdc
	dcerpc endpoint servers =
	interfaces = 127.0.0.1
	bind interfaces only = yes
	krb5 port = $2
	kpasswd port = $3
	private dir = $1/private
	state directory = $1/state
	lock directory = $1/lock
	cache directory = $1/cache
	pid directory = $1/pid
	ncalrpc dir = $1/ncalrpc
	binddns dir = $1/bind-dns
	ntp signd socket directory = $1/ntp_signd
	winbindd socket directory = $1/winbindd
	log file = $1/log/log.samba
	max log size = 0
	logging = file
	log level = 1 auth_audit:3
	panic action =

[sysvol]
	path = $1/state/sysvol
	read only = no

[netlogon]
	path = $1/state/sysvol/samba.test/scripts
	read only = no
CONF
    cat > "$1/krb5.conf" <<CONF
[libdefaults]
    default_realm = $SAMBA_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    ignore_acceptor_hostname = false
    forwardable = true
    udp_preference_limit = 1
    kdc_timeout = 2000
    max_retries = 1
[realms]
    $SAMBA_REALM = {
        kdc = 127.0.0.1:$2
        # The only KDC is the primary one: without this MIT's client
        # repeats each failed AS request ("retrying with primary KDC"),
        # which counts every bad password twice.
        primary_kdc = 127.0.0.1:$2
        kpasswd_server = 127.0.0.1:$3
        admin_server = 127.0.0.1:$3
    }
[domain_realm]
    $SAMBA_HOST = $SAMBA_REALM
    .samba.test = $SAMBA_REALM
    samba.test = $SAMBA_REALM
CONF
    mkdir -p "$1/log" "$1/pid" "$1/lock" "$1/cache" "$1/private" \
        "$1/state" "$1/ncalrpc" "$1/bind-dns"
}

# samba_env DIR COMMAND...: run one of Samba's programs with nothing from
# the host: no /etc/krb5.conf, DIR as home, no byte-code files written
# next to Samba's Python modules.
samba_env() {
    sb_d=$1
    shift
    env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$sb_d" \
        LANG=C.UTF-8 KRB5_CONFIG="$sb_d/krb5.conf" \
        PYTHONDONTWRITEBYTECODE=1 "$@"
}

samba_template_dir() {
    if [ -n "${SSPIGSS_SAMBA_TEMPLATE:-}" ]; then
        echo "$SSPIGSS_SAMBA_TEMPLATE"
        return 0
    fi
    sb_v=$(samba --version 2>/dev/null | sed -n 's/^Version //p')
    [ -n "$sb_v" ] || return 1
    sb_c=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}
    echo "$sb_c/sspigss/samba-template-$sb_v-f$SAMBA_TEMPLATE_FORMAT"
}

# samba_template_accounts TMPDIR: the accounts, policies, SPNs and keytabs
# of the template, written straight into the stopped DC's database with
# Samba's Python bindings (one process: samba-tool takes a second for
# each command).
samba_template_accounts() {
    samba_env "$1" "$SAMBA_PYTHON" - "$1" <<'PY'
import secrets, sys, time
import ldb
from samba import enable_net_export_keytab
from samba.auth import system_session
from samba.net import Net
from samba.param import LoadParm
from samba.samdb import SamDB

d = sys.argv[1]
lp = LoadParm()
lp.load(d + "/smb.conf")
db = SamDB(url=d + "/private/sam.ldb", session_info=system_session(), lp=lp)
base = str(db.domain_dn())
NEVER = str(-0x8000000000000000)       # "never" in an AD interval
Y2000 = str(125911584000000000)        # 2000-01-01 as an NT time
BYPASS_LAST_SET = "local_oid:1.3.6.1.4.1.7165.4.3.20:0"  # samdb.h


def replace(dn, attrs, controls=None):
    m = ldb.Message()
    m.dn = ldb.Dn(db, dn)
    for k, v in attrs.items():
        m[k] = ldb.MessageElement(v, ldb.FLAG_MOD_REPLACE, k)
    db.modify(m, controls or [])


def user_dn(name):
    return "CN=%s,CN=Users,%s" % (name, base)


def pw(name):
    return {"alice": "alice-pw-1", "bob": "bob-pw-2"}.get(name, name + "-pw")


# Domain policy: nothing that could lock, expire or refuse the others.
replace(base, {"pwdProperties": "0", "minPwdLength": "0", "minPwdAge": "0",
               "maxPwdAge": NEVER, "pwdHistoryLength": "0",
               "lockoutThreshold": "0"})

for name in ("alice", "bob", "disabled", "expired", "oldpw", "locked",
             "lockme"):
    db.newuser(name, pw(name))
db.newuser("mustchange", pw("mustchange"),
           force_password_change_at_next_login_req=True)
db.newuser("smartcard", secrets.token_urlsafe(24), smartcard_required=True)
db.disable_account("(sAMAccountName=disabled)")
replace(user_dn("expired"), {"accountExpires": Y2000})
# pwdLastSet only takes 0 or -1, unless set with a password and the
# control Samba's upgrade code uses to keep an old pwdLastSet.
replace(user_dn("oldpw"),
        {"unicodePwd": ('"%s"' % pw("oldpw")).encode("utf-16-le"),
         "pwdLastSet": Y2000}, [BYPASS_LAST_SET])


def pso(name, precedence, applies_to, max_age, threshold, duration):
    db.add({"dn": "CN=%s,CN=Password Settings Container,CN=System,%s"
                  % (name, base),
            "objectClass": "msDS-PasswordSettings",
            "msDS-PasswordSettingsPrecedence": str(precedence),
            "msDS-PasswordReversibleEncryptionEnabled": "FALSE",
            "msDS-PasswordHistoryLength": "0",
            "msDS-PasswordComplexityEnabled": "FALSE",
            "msDS-MinimumPasswordLength": "0",
            "msDS-MinimumPasswordAge": "0",
            "msDS-MaximumPasswordAge": max_age,
            "msDS-LockoutThreshold": str(threshold),
            "msDS-LockoutObservationWindow": duration,
            "msDS-LockoutDuration": duration,
            "msDS-PSOAppliesTo": [user_dn(u) for u in applies_to]})


# Samba treats a maximum age under a day as "never": 42 days, and oldpw's
# password is from 2000.
pso("sspigss-oldpw", 10, ["oldpw"], str(-42 * 86400 * 10**7), 0, NEVER)
pso("sspigss-lockout", 11, ["locked", "lockme"], NEVER, 3, NEVER)
# Locked out for ever (the PSO's duration), whenever the template is used.
now = int((time.time() + 11644473600) * 10**7)   # NT time
replace(user_dn("locked"), {"lockoutTime": str(now)})

services = {"svc-localhost": (["host/localhost", "HTTP/localhost",
                               "gssdemo/localhost"], "28"),
            "svc-rc4": (["rc4test/localhost"], "4"),
            "s4u-front": (["s4u/localhost"], "28")}
for name, (spns, etypes) in services.items():
    db.newuser(name, secrets.token_urlsafe(24))
    replace(user_dn(name), {"servicePrincipalName": spns,
                            "msDS-SupportedEncryptionTypes": etypes})
replace(user_dn("s4u-front"), {"msDS-AllowedToDelegateTo": ["HTTP/localhost"]})

enable_net_export_keytab()
net = Net(None, lp)
for spn in services["svc-localhost"][0]:
    net.export_keytab(keytab=d + "/keytab", principal=spn)
net.export_keytab(keytab=d + "/rc4.keytab", principal="rc4test/localhost")
net.export_keytab(keytab=d + "/s4u.keytab", principal="s4u/localhost")
net.export_keytab(keytab=d + "/s4u-client.keytab", principal="s4u-front")
PY
}

samba_template_build() {  # samba_template_build TEMPLATE
    sb_tpl=$1
    mkdir -p "$(dirname "$sb_tpl")" || return 1
    sb_tmp=$(mktemp -d "$sb_tpl.tmp.XXXXXX") || return 1
    echo "samba: provisioning $SAMBA_REALM into $sb_tpl (once, ~15 s)" >&2
    samba_write_conf "$sb_tmp" 88 464
    if ! samba_env "$sb_tmp" samba-tool domain provision \
            -s "$sb_tmp/smb.conf" --targetdir="$sb_tmp" \
            --realm="$SAMBA_REALM" --domain="$SAMBA_DOMAIN" \
            --server-role=dc --dns-backend=NONE \
            --host-name=dc --host-ip=127.0.0.1 \
            --adminpass="$SAMBA_ADMIN_PW" \
            > "$sb_tmp/provision.log" 2>&1; then
        echo "samba: samba-tool domain provision failed:" >&2
        tail -n 20 "$sb_tmp/provision.log" >&2
        rm -rf "$sb_tmp"
        return 1
    fi
    if ! samba_template_accounts "$sb_tmp" \
            > "$sb_tmp/accounts.log" 2>&1; then
        echo "samba: creating the test accounts failed:" >&2
        tail -n 20 "$sb_tmp/accounts.log" >&2
        rm -rf "$sb_tmp"
        return 1
    fi
    # What samba_start writes for each run.
    rm -rf "$sb_tmp/smb.conf" "$sb_tmp/krb5.conf" "$sb_tmp/etc" \
        "$sb_tmp/log" "$sb_tmp/private/krb5.conf"
    echo "$SAMBA_TEMPLATE_FORMAT $(samba --version)" \
        > "$sb_tmp/sspigss-template"
    # Another process may have built one meanwhile: keep the first.
    if ! mv -T "$sb_tmp" "$sb_tpl" 2>/dev/null; then
        rm -rf "$sb_tmp"
        [ -f "$sb_tpl/sspigss-template" ] || return 1
    fi
    return 0
}

samba_template() {  # echo the template directory, building it if needed
    sb_tpl=$(samba_template_dir) || {
        echo "samba: cannot tell Samba's version" >&2
        return 1
    }
    sb_want="$SAMBA_TEMPLATE_FORMAT $(samba --version)"
    if [ -d "$sb_tpl" ]; then
        if [ "$(cat "$sb_tpl/sspigss-template" 2>/dev/null)" != "$sb_want" ]
        then
            echo "samba: $sb_tpl is not a template of this harness" \
                 "($sb_want); remove it" >&2
            return 1
        fi
    else
        samba_template_build "$sb_tpl" || return 1
    fi
    echo "$sb_tpl"
}

samba_start() {
    sb_dir=$1
    PATH="$PATH:/usr/sbin:/sbin"
    for sb_prog in samba samba-tool ss kinit; do
        if ! command -v "$sb_prog" >/dev/null 2>&1; then
            echo "samba: $sb_prog missing; install the packages with:" >&2
            echo "    apt-get install --no-install-recommends samba-ad-dc" \
                 "samba-ad-provision samba winbind krb5-user iproute2" >&2
            return 1
        fi
    done
    if [ "$(id -u)" -ne 0 ]; then
        echo "samba: the Samba AD DC harness needs root: samba-tool" \
             "domain provision chowns and sets NT ACLs (security.*" \
             "xattrs) on the sysvol share and fails otherwise" >&2
        return 1
    fi
    sb_tpl=$(samba_template) || return 1
    mkdir -p "$sb_dir"
    sb_dir=$(cd "$sb_dir" && pwd)
    cp -a "$sb_tpl/." "$sb_dir/" || {
        echo "samba: cannot copy $sb_tpl" >&2
        return 1
    }
    # A port may still be taken between the check and the bind: then try
    # two more pairs.
    for _sb_try in 1 2 3; do
        sb_port=$(samba_free_port) && sb_kpport=$(samba_free_port) || {
            echo "samba: no free port" >&2
            return 1
        }
        if [ "$sb_kpport" = "$sb_port" ]; then
            sb_kpport=$(samba_free_port) || return 1
        fi
        samba_write_conf "$sb_dir" "$sb_port" "$sb_kpport"
        cat > "$sb_dir/env" <<ENV
KRB5_CONFIG='$sb_dir/krb5.conf'
KRB5CCNAME='FILE:$sb_dir/ccache'
KRB5_KTNAME='FILE:$sb_dir/keytab'
KRB5_CLIENT_KTNAME='FILE:$sb_dir/client.keytab'
KRB5RCACHEDIR='$sb_dir'
KRB5_TRACE='$sb_dir/krb5.trace'
SSPIGSS_SAMBA_DIR='$sb_dir'
SSPIGSS_SAMBA_PORT='$sb_port'
SSPIGSS_SAMBA_KPASSWD_PORT='$sb_kpport'
SSPIGSS_SAMBA_REALM='$SAMBA_REALM'
SSPIGSS_SAMBA_DOMAIN='$SAMBA_DOMAIN'
SSPIGSS_SAMBA_HOST='$SAMBA_HOST'
SSPIGSS_SAMBA_RC4_KEYTAB='FILE:$sb_dir/rc4.keytab'
export KRB5_CONFIG KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME KRB5RCACHEDIR
export SSPIGSS_SAMBA_DIR SSPIGSS_SAMBA_PORT SSPIGSS_SAMBA_KPASSWD_PORT
export SSPIGSS_SAMBA_REALM SSPIGSS_SAMBA_DOMAIN SSPIGSS_SAMBA_HOST
export SSPIGSS_SAMBA_RC4_KEYTAB
ENV
        # samba itself, in the foreground (-F) as this very process (exec),
        # in DIR (samba_stop checks its cwd; Samba overwrites its command line
        # with "samba: root process").
        (
            cd "$sb_dir" || exit 1
            exec env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$sb_dir" \
                LANG=C.UTF-8 KRB5_CONFIG="$sb_dir/krb5.conf" \
                samba -F --no-process-group -M single \
                -s "$sb_dir/smb.conf" -l "$sb_dir/log" \
                > "$sb_dir/log/samba.out" 2>&1 < /dev/null
        ) &
        echo $! > "$sb_dir/samba.pid.shell"
        # Ready when the KDC listens on its TCP port.
        sb_i=0
        while [ $sb_i -lt 200 ]; do
            if ss -Hltn "sport = :$sb_port" 2>/dev/null \
               | grep -q "127\.0\.0\.1:$sb_port"; then
                return 0
            fi
            if ! kill -0 "$(cat "$sb_dir/samba.pid.shell")" 2>/dev/null; then
                if grep -q ALREADY_ASSOCIATED "$sb_dir/log/samba.out" \
                       2>/dev/null && [ "$_sb_try" -lt 3 ]; then
                    continue 2
                fi
                echo "samba: samba exited:" >&2
                cat "$sb_dir/log/samba.out" "$sb_dir/log/log.samba" >&2
                return 1
            fi
            sleep 0.1
            sb_i=$((sb_i + 1))
        done
        echo "samba: the KDC did not listen on 127.0.0.1:$sb_port in 20 s" >&2
        return 1
    done
    return 1
}

samba_kinit() {  # samba_kinit DIR USER: TGT for USER into DIR/ccache
    (
        . "$1/env"
        unset KRB5_TRACE
        samba_password "$2" | kinit "$2@$SAMBA_REALM" >/dev/null 2>&1
    )
}

# samba_lock_account DIR [USER]: wrong passwords for USER (default lockme,
# whose PSO locks it after 3) until the KDC answers CLIENT_REVOKED.
samba_lock_account() {
    (
        . "$1/env"
        unset KRB5_TRACE
        u=${2:-lockme}
        i=0
        while [ $i -lt 10 ]; do
            out=$(echo "not-the-password" | kinit "$u@$SAMBA_REALM" 2>&1)
            case $out in
                *"credentials have been revoked"*) exit 0 ;;
            esac
            i=$((i + 1))
        done
        echo "samba: $u not locked out after $i bad passwords" >&2
        exit 1
    )
}

samba_stop() {
    sb_dir=$1
    [ -f "$sb_dir/samba.pid.shell" ] || return 0
    sb_pid=$(cat "$sb_dir/samba.pid.shell")
    # Only our samba: the process samba_start started in DIR.
    if [ "$(readlink "/proc/$sb_pid/cwd" 2>/dev/null)" \
         = "$(cd "$sb_dir" && pwd)" ]; then
        kill "$sb_pid" 2>/dev/null || true
        sb_i=0
        while kill -0 "$sb_pid" 2>/dev/null && [ $sb_i -lt 50 ]; do
            # Exited, and a zombie until its parent reaps it.
            case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
                   "/proc/$sb_pid/status" 2>/dev/null) in
                Z) break ;;
            esac
            sleep 0.1
            sb_i=$((sb_i + 1))
        done
        kill -9 "$sb_pid" 2>/dev/null || true
        wait "$sb_pid" 2>/dev/null || true
    fi
    rm -f "$sb_dir/samba.pid.shell"
}
