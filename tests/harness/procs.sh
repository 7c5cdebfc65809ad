#!/bin/sh
# procs.sh - the result counters and background-process helpers the
# script tests share (sourced; not run). The sourcing script sets tmp (a
# private directory), tmo (seconds to wait for readiness), pass=0, fail=0
# and bgnames="", and stops the processes named in bgnames on exit.
ok() { pass=$((pass + 1)); }

bad() {  # bad MESSAGE [FILE...]: count a failure, show the files
    echo "FAIL: $1" >&2
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        echo "  --- $(basename "$f")" >&2
        sed -n '1,60s/^/  | /p' "$f" >&2
    done
    fail=$((fail + 1))
}

expect_rc() {  # expect_rc DESC GOT WANT [FILE...]
    d=$1 got=$2 want=$3
    shift 3
    if [ "$got" -eq "$want" ]; then ok; else
        bad "$d: exit $got, want $want" "$@"
    fi
}

expect_in() {  # expect_in DESC FILE NEEDLE
    if grep -qF -- "$3" "$2"; then ok; else
        bad "$1: '$3' not found" "$2"
    fi
}

expect_not_in() {  # expect_not_in DESC FILE NEEDLE
    if grep -qF -- "$3" "$2"; then
        bad "$1: '$3' found" "$2"
    else
        ok
    fi
}

expect_count() {  # expect_count DESC FILE NEEDLE N
    n=$(grep -cF -- "$3" "$2")
    if [ "$n" -eq "$4" ]; then ok; else
        bad "$1: '$3' seen $n times, want $4" "$2"
    fi
}

# bg_start NAME CMD...: run CMD in the background with output in
# $tmp/NAME.out; its pid goes to NAME.pid, its exit status to NAME.rc.
bg_start() {
    bn=$1
    shift
    rm -f "$tmp/$bn.pid" "$tmp/$bn.rc" "$tmp/$bn.out"
    (
        "$@" > "$tmp/$bn.out" 2>&1 &
        echo $! > "$tmp/$bn.pid.new"
        mv "$tmp/$bn.pid.new" "$tmp/$bn.pid"
        wait $!
        # Written whole, then renamed: readers test for the file and
        # must never see it empty.
        echo $? > "$tmp/$bn.rc.new"
        mv "$tmp/$bn.rc.new" "$tmp/$bn.rc"
    ) 2>/dev/null &
    bgnames="$bgnames $bn"
    i=0
    while [ ! -s "$tmp/$bn.pid" ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
}

# bg_wait NAME SECONDS: wait for NAME to exit; stop it (by its pid) when
# it takes longer. Sets bg_rc (124 when it had to be stopped).
bg_wait() {
    i=0
    while [ ! -f "$tmp/$1.rc" ] && [ $i -lt $(($2 * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -f "$tmp/$1.rc" ]; then
        kill "$(cat "$tmp/$1.pid")" 2>/dev/null
        i=0
        while [ ! -f "$tmp/$1.rc" ] && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        [ -f "$tmp/$1.rc" ] || kill -9 "$(cat "$tmp/$1.pid")" 2>/dev/null
        bg_rc=124
        return
    fi
    bg_rc=$(cat "$tmp/$1.rc")
}

# bg_ready NAME FILE-OR-TEXT: wait until NAME is ready: "file:F" waits for
# F, "text:T" for T in its output. Returns 1 when it died or timed out.
bg_ready() {
    i=0
    while [ $i -lt $((tmo * 10)) ]; do
        case $2 in
            file:*) [ -s "${2#file:}" ] && return 0 ;;
            text:*) grep -qF -- "${2#text:}" "$tmp/$1.out" 2>/dev/null \
                        && return 0 ;;
        esac
        [ -f "$tmp/$1.rc" ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
