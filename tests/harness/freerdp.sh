#!/bin/sh
# freerdp.sh - FreeRDP 2.11's NLA server (freerdp-shadow-cli) with an SSPI
# module of our choosing, on 127.0.0.1, for the script tests (sourced; not
# run). Needs procs.sh's bg_start/bg_ready and the variables it lists
# (tmp, tmo, bgnames), and kdc.sh's kdc_free_port.
#
# How FreeRDP finds the module. Its NLA server (libfreerdp/core/nla.c
# nla_new, 2.11.7 lines 2396-2430) reads the REG_SZ value "SspiModule"
# of HKLM\Software\FreeRDP\FreeRDP\Server from WinPR's registry, dlopens
# that path (LoadLibrary, line 773) and calls its InitSecurityInterfaceA
# (line 786; Debian builds FreeRDP without UNICODE), then asks the table
# for "Negotiate" (NLA_PKG_NAME, line 97: QuerySecurityPackageInfo line
# 795, AcquireCredentialsHandle SECPKG_CRED_INBOUND line 807).
#
# WinPR's registry is one text file at a fixed path, /etc/winpr/HKLM.reg
# (winpr/libwinpr/registry/registry_reg.c WINPR_HKLM_HIVE), read once per
# process; Debian 12 has no /etc/winpr. The server is therefore started
# in a mount namespace of its own (unshare --mount --propagation private)
# whose /etc is a read-only overlay of $tmp/etc on top of the real /etc:
# the server sees $tmp/etc/winpr/HKLM.reg as /etc/winpr/HKLM.reg and the
# rest of /etc unchanged; nothing outside the namespace sees anything.
# (A bind mount over /etc/winpr would need that directory to exist.)
# Mounts below /etc (a container's /etc/hosts, say) show the file
# beneath them inside the namespace; nothing here needs them.
#
# The value must be written `"SspiModule"=str:"PATH"`: WinPR 2.11's
# parser drops a plain `"SspiModule"="PATH"` without a word
# (registry_reg.c reg_load_value: for a value starting with a quote,
# data already points past that quote (lines 158, 165), and the REG_SZ
# branch then looks for an opening quote again (line 216), finds the
# closing one and no end after it (line 222), and fails).
#
# The shadow server and xfreerdp (which opens a display even with
# +auth-only) share one Xvfb. The server makes its TLS key and
# certificate under $XDG_CONFIG_HOME/freerdp/shadow/ (shadow_server.c
# shadow_server_init_config_path, shadow_server_init_certificate): here
# DIR/home/.config, inside the test's directory.

# freerdp_write_registry DIR MODULE: DIR/etc/winpr/HKLM.reg naming MODULE
# (an absolute path) as the NLA server's SSPI module.
freerdp_write_registry() {
    mkdir -p "$1/etc/winpr" || return 1
    cat > "$1/etc/winpr/HKLM.reg" <<REG
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\Software\\FreeRDP\\FreeRDP\\Server]
"SspiModule"=str:"$2"
REG
}

# The script `unshare --mount --propagation private sh -c
# "$freerdp_ns_script" freerdp-ns DIR CMD...` runs: lay DIR/etc over /etc
# in the new namespace, then exec CMD, which so keeps unshare's pid (the
# one bg_start records; unshare without --fork execs sh in place).
# shellcheck disable=SC2016 # expanded by that sh, not here
freerdp_ns_script='
    d=$1
    shift
    mount -t overlay overlay -o "lowerdir=$d/etc:/etc" /etc || exit 126
    exec "$@"'

# freerdp_ns_probe DIR: whether the namespace can be made here (root,
# CAP_SYS_ADMIN, overlayfs) and shows DIR's registry file.
freerdp_ns_probe() {
    unshare --mount --propagation private sh -c "$freerdp_ns_script" \
        freerdp-ns "$1" sh -c 'test -s /etc/winpr/HKLM.reg' 2>/dev/null
}

# freerdp_xvfb NAME: an Xvfb on a display it picks itself (-displayfd);
# sets display (":N"). Stopped by its pid like every bg_start process.
freerdp_xvfb() {
    xn=$1
    # shellcheck disable=SC2154 # tmp: set by the sourcing script
    rm -f "$tmp/$xn.display"
    # shellcheck disable=SC2016 # expanded by that sh, not here
    bg_start "$xn" sh -c 'f=$1; shift; exec "$@" 3>"$f"' xvfb \
        "$tmp/$xn.display" Xvfb -displayfd 3 -nolisten tcp -noreset \
        -screen 0 800x600x24
    bg_ready "$xn" "file:$tmp/$xn.display" || return 1
    display=:$(tr -d ' \n' < "$tmp/$xn.display")
}

# freerdp_shadow NAME DIR [ENV=VALUE...]: freerdp-shadow-cli with NLA
# only, on 127.0.0.1 at a free port (in $port), in the namespace of
# DIR's registry, on $display, with ENV added to its environment; waits
# until it listens. Its log is line-buffered (stdbuf) at INFO, so
# "Using SSPI Module: ..." and "Listening on ..." reach NAME.out as
# they happen.
freerdp_shadow() {
    sn=$1 sd=$2
    shift 2
    mkdir -p "$sd/home" || return 1
    # A port taken between kdc_free_port and the bind: another one.
    for _try in 1 2 3; do
        port=$(kdc_free_port) || return 1
        bg_start "$sn" unshare --mount --propagation private \
            sh -c "$freerdp_ns_script" freerdp-ns "$sd" \
            env DISPLAY="$display" HOME="$sd/home" \
            XDG_CONFIG_HOME="$sd/home/.config" WLOG_LEVEL=INFO "$@" \
            stdbuf -oL freerdp-shadow-cli /port:"$port" \
            /bind-address:127.0.0.1 /sec:nla
        bg_ready "$sn" "text:Listening on [127.0.0.1]:$port" && return 0
        grep -q "Port already used" "$tmp/$sn.out" 2>/dev/null || break
    done
    return 1
}
