#!/bin/sh
# kdc.sh - a throwaway MIT Kerberos realm on loopback (after MIT's k5test).
#
#   . tests/harness/kdc.sh          # defines the functions below
#   kdc_start DIR                   # create realm in DIR, start krb5kdc
#   kdc_stop DIR                    # stop it by its pid (and only it)
#
# kdc_start writes DIR/env, a file of shell assignments that point every
# Kerberos program at the realm (KRB5_CONFIG, KRB5_KDC_PROFILE,
# KRB5CCNAME, KRB5_KTNAME); source it. Works for root and other users:
# everything lives in DIR, the KDC listens on 127.0.0.1 on a free port.
#
# The realm SSPIGSS.TEST has:
#   alice@   password "alice-pw-1"   (requires preauth, as AD always does)
#   bob@     password "bob-pw-2"
#   host/sspigss.test@ and gssdemo/sspigss.test@  (keys in DIR/keytab)
#   bob's keys also in DIR/bob.keytab (-norandkey: the password still
#   works), a client keytab for EX2 keytab identities
#   disabled@ (-allow_tix), expired@ (principal expired)
# and DIR/ccache holds a TGT for alice once kdc_kinit alice has run.

KDC_REALM=SSPIGSS.TEST
KDC_HOST=sspigss.test

kdc_free_port() {
    # A port no socket uses, below Linux's ephemeral range (32768 up), so
    # that the clients' own sockets of parallel tests cannot take it
    # between this check and the bind.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 12000 ) + 20000 ))
        if ! (ss -Hantu 2>/dev/null | awk '{print $5}' | grep -q ":$p\$"); then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# kdc_write_kdc_conf DIR REALM PORT [EXTRA]: the KDC's own profile
# (DIR/kdc.conf: 127.0.0.1:PORT, database and log in DIR, AES only) and an
# empty ACL; EXTRA is one more line for the realm's section.
kdc_write_kdc_conf() {
    cat > "$1/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$3
    kdc_tcp_listen = 127.0.0.1:$3
[realms]
    $2 = {
        database_name = $1/principal
        key_stash_file = $1/stash
        acl_file = $1/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
        ${4:-}
    }
[logging]
    kdc = FILE:$1/kdc.log
CONF
    : > "$1/kadm5.acl"
}

kdc_start() {
    dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=$(kdc_free_port) || { echo "kdc: no free port" >&2; return 1; }
    cat > "$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $KDC_REALM
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
    $KDC_REALM = {
        kdc = 127.0.0.1:$port
        admin_server = 127.0.0.1:1
    }
[domain_realm]
    $KDC_HOST = $KDC_REALM
    .$KDC_HOST = $KDC_REALM
CONF
    kdc_write_kdc_conf "$dir" "$KDC_REALM" "$port"
    cat > "$dir/env" <<ENV
KRB5_CONFIG='$dir/krb5.conf'
KRB5_KDC_PROFILE='$dir/kdc.conf'
KRB5CCNAME='FILE:$dir/ccache'
KRB5_KTNAME='FILE:$dir/keytab'
KRB5_CLIENT_KTNAME='FILE:$dir/client.keytab'
KRB5RCACHEDIR='$dir'
KRB5_TRACE='$dir/krb5.trace'
SSPIGSS_KDC_DIR='$dir'
SSPIGSS_KDC_PORT='$port'
SSPIGSS_REALM='$KDC_REALM'
SSPIGSS_HOST='$KDC_HOST'
export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME
export KRB5RCACHEDIR SSPIGSS_KDC_DIR SSPIGSS_KDC_PORT SSPIGSS_REALM
export SSPIGSS_HOST
ENV
    (
        . "$dir/env"
        unset KRB5_TRACE
        kdb5_util create -s -r "$KDC_REALM" -P sspigss-master >/dev/null 2>&1 \
            || { echo "kdc: kdb5_util create failed" >&2; exit 1; }
        kadmin.local -q "addprinc -pw alice-pw-1 +requires_preauth alice" \
            >/dev/null 2>&1 &&
        kadmin.local -q "addprinc -pw bob-pw-2 +requires_preauth bob" \
            >/dev/null 2>&1 &&
        kadmin.local -q "addprinc -pw x -allow_tix +requires_preauth disabled" \
            >/dev/null 2>&1 &&
        kadmin.local -q "addprinc -pw expired-pw +requires_preauth -expire 2000-01-01 expired" \
            >/dev/null 2>&1 &&
        kadmin.local -q "addprinc -randkey host/$KDC_HOST" >/dev/null 2>&1 &&
        kadmin.local -q "addprinc -randkey gssdemo/$KDC_HOST" >/dev/null 2>&1 &&
        kadmin.local -q "ktadd -k $dir/keytab host/$KDC_HOST gssdemo/$KDC_HOST" \
            >/dev/null 2>&1 &&
        kadmin.local -q "ktadd -k $dir/bob.keytab -norandkey bob" \
            >/dev/null 2>&1 \
            || { echo "kdc: kadmin.local failed" >&2; exit 1; }
    ) || return 1
    # Another process may still take the port first: then move to a new
    # one and try again.
    for _try in 1 2 3; do
        kdc_launch "$dir" && return 0
        grep -qi "in use" "$dir/kdc.out" "$dir/kdc.log" 2>/dev/null \
            || return 1
        newport=$(kdc_free_port) || return 1
        sed -i "s/:$port\$/:$newport/; s/:$port\([^0-9]\)/:$newport\1/g" \
            "$dir/krb5.conf" "$dir/kdc.conf"
        sed -i "s/^SSPIGSS_KDC_PORT='$port'/SSPIGSS_KDC_PORT='$newport'/" \
            "$dir/env"
        port=$newport
    done
    return 1
}

kdc_kinit() {  # kdc_kinit DIR USER: TGT for USER into DIR/ccache
    (
        . "$1/env"
        unset KRB5_TRACE
        case $2 in
            alice) pw=alice-pw-1 ;;
            bob) pw=bob-pw-2 ;;
            *) pw=x ;;
        esac
        echo "$pw" | kinit "$2@$KDC_REALM" >/dev/null 2>&1
    )
}

kdc_stop() {
    dir=$1
    [ -f "$dir/kdc.pid.shell" ] || return 0
    pid=$(cat "$dir/kdc.pid.shell")
    # krb5kdc -n runs in the foreground as that very process (exec).
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/kdc.pid.shell"
}

# ------------------------------------------------------------------------
# More realms and changes to a running one (tests/check_mapping.sh). None
# of these is needed for the realm above; kdc_start is unchanged by them.
#
#   kdc_admin DIR QUERY...          kadmin.local in the realm of DIR
#   kdc_launch DIR [KRB5_CONFIG]    (re)start DIR's krb5kdc; the optional
#                                   file is the profile the KDC reads
#                                   (e.g. with its own [domain_realm] for
#                                   referrals), else DIR/krb5.conf
#   kdc_restart DIR [KRB5_CONFIG]   kdc_stop then kdc_launch
#   kdc_start_realm DIR REALM       a second, empty realm (no principals
#                                   but its own krbtgt) in DIR, started;
#                                   DIR/env as kdc_start writes it
#   kdc_cross DIR1 DIR2             krbtgt/REALM2@REALM1 with one key in
#                                   both databases: REALM1 trusts REALM2
#   kdc_add_realm DIR REALM PORT    name REALM's KDC (127.0.0.1:PORT) in
#                                   DIR/krb5.conf, for the clients of DIR

kdc_admin() {  # kdc_admin DIR QUERY: kadmin.local -q QUERY in DIR's realm
    (
        . "$1/env"
        unset KRB5_TRACE
        kadmin.local -r "$SSPIGSS_REALM" -q "$2" > "$1/kadmin.out" 2>&1 &&
            ! grep -q -i "error\|failed\|not found\|usage:" "$1/kadmin.out"
    ) || {
        echo "kdc: kadmin.local '$2' failed:" >&2
        cat "$1/kadmin.out" >&2
        return 1
    }
}

kdc_launch() {  # kdc_launch DIR [KRB5_CONFIG]: start krb5kdc, wait for it
    _kl_dir=$1
    _kl_conf=${2:-}
    if [ -f "$_kl_dir/kdc.pid.shell" ] &&
       kill -0 "$(cat "$_kl_dir/kdc.pid.shell")" 2>/dev/null; then
        echo "kdc: $_kl_dir: a KDC is running; kdc_restart it" >&2
        return 1
    fi
    # Ready when a new "commencing operation" line is in the log.
    _kl_before=$(grep -c "commencing operation" "$_kl_dir/kdc.log" \
                 2>/dev/null || true)
    (
        . "$_kl_dir/env"
        unset KRB5_TRACE
        if [ -n "$_kl_conf" ]; then
            KRB5_CONFIG=$_kl_conf
            export KRB5_CONFIG
        fi
        exec krb5kdc -n -P "$_kl_dir/kdc.pid" > "$_kl_dir/kdc.out" 2>&1
    ) &
    echo $! > "$_kl_dir/kdc.pid.shell"
    _kl_i=0
    while [ $_kl_i -lt 300 ]; do
        _kl_now=$(grep -c "commencing operation" "$_kl_dir/kdc.log" \
                  2>/dev/null || true)
        if [ "${_kl_now:-0}" -gt "${_kl_before:-0}" ]; then
            return 0
        fi
        if ! kill -0 "$(cat "$_kl_dir/kdc.pid.shell")" 2>/dev/null; then
            echo "kdc: krb5kdc exited:" >&2
            cat "$_kl_dir/kdc.out" "$_kl_dir/kdc.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.1
        _kl_i=$((_kl_i + 1))
    done
    echo "kdc: krb5kdc did not start in 30 s" >&2
    return 1
}

kdc_restart() {  # kdc_restart DIR [KRB5_CONFIG]
    kdc_stop "$1"
    kdc_launch "$@"
}

kdc_start_realm() {  # kdc_start_realm DIR REALM: a second realm, started
    _kr_dir=$1
    _kr_realm=$2
    mkdir -p "$_kr_dir"
    _kr_dir=$(cd "$_kr_dir" && pwd)
    _kr_port=$(kdc_free_port) || { echo "kdc: no free port" >&2; return 1; }
    cat > "$_kr_dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $_kr_realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    kdc_timeout = 2000
    max_retries = 1
[realms]
    $_kr_realm = {
        kdc = 127.0.0.1:$_kr_port
        admin_server = 127.0.0.1:1
    }
CONF
    # Throwaway trust graphs (referral chains) without [capaths].
    kdc_write_kdc_conf "$_kr_dir" "$_kr_realm" "$_kr_port" \
        "reject_bad_transit = false"
    cat > "$_kr_dir/env" <<ENV
KRB5_CONFIG='$_kr_dir/krb5.conf'
KRB5_KDC_PROFILE='$_kr_dir/kdc.conf'
KRB5CCNAME='FILE:$_kr_dir/ccache'
KRB5_KTNAME='FILE:$_kr_dir/keytab'
KRB5RCACHEDIR='$_kr_dir'
SSPIGSS_KDC_DIR='$_kr_dir'
SSPIGSS_KDC_PORT='$_kr_port'
SSPIGSS_REALM='$_kr_realm'
export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME KRB5RCACHEDIR
export SSPIGSS_KDC_DIR SSPIGSS_KDC_PORT SSPIGSS_REALM
ENV
    (
        . "$_kr_dir/env"
        kdb5_util create -s -r "$_kr_realm" -P sspigss-master >/dev/null 2>&1
    ) || { echo "kdc: kdb5_util create $_kr_realm failed" >&2; return 1; }
    kdc_launch "$_kr_dir"
}

kdc_cross() {  # kdc_cross DIR1 DIR2: REALM1 issues tickets to REALM2
    _kc_r1=$(. "$1/env" && echo "$SSPIGSS_REALM")
    _kc_r2=$(. "$2/env" && echo "$SSPIGSS_REALM")
    # One password and one (default) salt give both databases one key.
    _kc_q="addprinc -pw cross-$_kc_r1-$_kc_r2 krbtgt/$_kc_r2@$_kc_r1"
    kdc_admin "$1" "$_kc_q" && kdc_admin "$2" "$_kc_q"
}

kdc_add_realm() {  # kdc_add_realm DIR REALM PORT: clients of DIR find REALM
    # The profile library merges a repeated section into the first one.
    cat >> "$1/krb5.conf" <<CONF
[realms]
    $2 = {
        kdc = 127.0.0.1:$3
    }
CONF
}
