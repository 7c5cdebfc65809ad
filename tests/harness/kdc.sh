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
#   disabled@ (-allow_tix), expired@ (principal expired)
# and DIR/ccache holds a TGT for alice once kdc_kinit alice has run.

KDC_REALM=SSPIGSS.TEST
KDC_HOST=sspigss.test

kdc_free_port() {
    # A port nothing listens on, from the dynamic range.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        p=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 20000 ) + 30000 ))
        if ! (ss -Hltnu 2>/dev/null | awk '{print $5}' | grep -q ":$p\$"); then
            echo "$p"
            return 0
        fi
    done
    return 1
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
    cat > "$dir/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port
[realms]
    $KDC_REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }
[logging]
    kdc = FILE:$dir/kdc.log
CONF
    : > "$dir/kadm5.acl"
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
            >/dev/null 2>&1 \
            || { echo "kdc: kadmin.local failed" >&2; exit 1; }
    ) || return 1
    (
        . "$dir/env"
        unset KRB5_TRACE
        exec krb5kdc -n -P "$dir/kdc.pid" > "$dir/kdc.out" 2>&1
    ) &
    echo $! > "$dir/kdc.pid.shell"
    # Ready when it answers: a kinit that gets an answer (any answer).
    i=0
    while [ $i -lt 100 ]; do
        if grep -q "commencing operation" "$dir/kdc.log" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$(cat "$dir/kdc.pid.shell")" 2>/dev/null; then
            echo "kdc: krb5kdc exited:" >&2
            cat "$dir/kdc.out" "$dir/kdc.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "kdc: krb5kdc did not start in 10 s" >&2
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
