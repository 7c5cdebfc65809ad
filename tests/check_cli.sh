#!/bin/sh
# The sspigss command-line tool: status decoding in every input form, all
# 77 reference codes in both languages, errors and exit codes, packages.
set -u
: "${top_builddir:=.}"
tool="$top_builddir/tools/sspigss"
fail=0
pass=0

check() {  # check DESCRIPTION EXPECTED_EXIT COMMAND...
    desc=$1 want=$2
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: $desc: exit $rc, want $want; output: $out" >&2
        fail=$((fail + 1))
        return 1
    fi
    pass=$((pass + 1))
    return 0
}

expect_in() {  # expect_in DESCRIPTION NEEDLE (in $out)
    case $out in
        *"$2"*) pass=$((pass + 1)) ;;
        *) echo "FAIL: $1: '$2' not in: $out" >&2; fail=$((fail + 1)) ;;
    esac
}

for form in 0x80090308 0X80090308 -2146893048 2148074248 SEC_E_INVALID_TOKEN \
            sec_e_invalid_token; do
    check "status $form" 0 "$tool" status "$form"
    expect_in "status $form name" "SEC_E_INVALID_TOKEN"
    expect_in "status $form hex" "0x80090308"
    expect_in "status $form english" "english:"
    expect_in "status $form japanese" "japanese:"
done

check "alias by name" 0 "$tool" status SEC_E_NOT_SUPPORTED
expect_in "alias resolves to primary" "SEC_E_UNSUPPORTED_FUNCTION"
check "success code" 0 "$tool" status 0
expect_in "SEC_E_OK" "SEC_E_OK"
check "several codes" 0 "$tool" status SEC_I_CONTINUE_NEEDED 0x8009030C
expect_in "several: first" "SEC_I_CONTINUE_NEEDED"
expect_in "several: second" "SEC_E_LOGON_DENIED"

# Where each code comes from on Linux (lib/status_docs.h).
check "produced code" 0 "$tool" status SEC_E_LOGON_DENIED
expect_in "produced: returned by" "returned by: InitializeSecurityContext"
expect_in "produced: package" "[Kerberos, Negotiate, NTLM]"
check "never code" 0 "$tool" status SEC_E_MUST_BE_KDC
expect_in "never: reason" "never on Linux: "
check "later code" 0 "$tool" status SEC_E_MULTIPLE_ACCOUNTS
expect_in "later: package and issue" \
    "not yet: arrives with PKINIT/smartcard (issue #11)"
check "alias code" 0 "$tool" status SEC_E_NOT_SUPPORTED
expect_in "alias: primary's origin" "returned by: "

check "unknown value" 1 "$tool" status 0x80090319
expect_in "unknown value message" "not an SSPI status code"
check "unknown name" 2 "$tool" status SEC_E_NO_SUCH_THING
expect_in "unknown name message" "neither a status code name"
check "garbage" 2 "$tool" status 12abc
check "out of range" 2 "$tool" status 0x100000000
check "too negative" 2 "$tool" status -2147483649
check "empty" 2 "$tool" status ""
check "no codes" 2 "$tool" status
check "bad option" 2 "$tool" status --bogus
check "markdown without all" 2 "$tool" status --markdown
check "all with codes" 2 "$tool" status --all 0
check "status help" 0 "$tool" status --help
expect_in "status help text" "usage: sspigss status"
check "top help" 0 "$tool" --help
expect_in "top help lists status" "status"
check "no command" 2 "$tool"
check "unknown command" 2 "$tool" frobnicate
expect_in "unknown command message" "unknown command"
check "version" 0 "$tool" --version

# Every reference code decodes, with distinct English and Japanese text.
check "status --all" 0 "$tool" status --all
nref=$(printf '%s\n' "$out" | grep -c ' ref')
if [ "$nref" -ne 77 ]; then
    echo "FAIL: --all marks $nref reference codes, want 77" >&2
    fail=$((fail + 1))
fi
for name in $(printf '%s\n' "$out" | awk '$3 == "ref" { print $2 }'); do
    if check "decode $name" 0 "$tool" status "$name"; then
        en=$(printf '%s\n' "$out" | sed -n 's/^  english:  //p')
        ja=$(printf '%s\n' "$out" | sed -n 's/^  japanese: //p')
        if [ -z "$en" ] || [ -z "$ja" ] || [ "$en" = "$ja" ]; then
            echo "FAIL: $name lacks a message in one language" >&2
            fail=$((fail + 1))
        fi
        # Japanese text is not plain ASCII.
        if printf '%s' "$ja" | LC_ALL=C grep -q '^[ -~]*$'; then
            echo "FAIL: $name Japanese message is ASCII" >&2
            fail=$((fail + 1))
        fi
    fi
done

# map-gss: GSS_S_FAILURE with KRB5KDC_ERR_PREAUTH_FAILED, by operation.
check "map-gss preauth acquire" 0 "$tool" map-gss 0xd0000 -1765328360 --op acquire
expect_in "map-gss LOGON_DENIED" "SEC_E_LOGON_DENIED"
expect_in "map-gss shows krb5 text" "Preauthentication failed"
check "map-gss bad integrity unwrap" 0 "$tool" map-gss 851968 -1765328353 --op unwrap
expect_in "map-gss MESSAGE_ALTERED" "SEC_E_MESSAGE_ALTERED"
check "map-gss sequence flag" 0 "$tool" map-gss 0x2 0 --op unwrap
expect_in "map-gss duplicate token" "SEC_E_OUT_OF_SEQUENCE"
check "map-gss spnego" 0 "$tool" map-gss 0xd0000 0x20000002 --mech spnego
expect_in "map-gss spnego no creds" "SEC_E_NO_CREDENTIALS"
check "map-gss krb5 code" 0 "$tool" map-gss --krb5 -1765328228
expect_in "map-gss krb5 kdc unreachable" "SEC_E_NO_AUTHENTICATING_AUTHORITY"
check "map-gss success" 0 "$tool" map-gss 0 0
expect_in "map-gss success is OK" "SEC_E_OK"
check "map-gss bad mech" 2 "$tool" map-gss 0 0 --mech foo
check "map-gss bad op" 2 "$tool" map-gss 0 0 --op frob
check "map-gss one value" 2 "$tool" map-gss 5
check "map-gss garbage" 2 "$tool" map-gss 5 x
check "map-gss help" 0 "$tool" map-gss --help

check "packages" 0 "$tool" packages
for p in Negotiate Kerberos NTLM Schannel \
         "Microsoft Unified Security Protocol Provider"; do
    expect_in "packages lists $p" "$p"
done
expect_in "packages decodes caps" "MUTUAL_AUTH"
check "packages extra arg" 2 "$tool" packages extra
check "packages help" 0 "$tool" packages --help

echo "check_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
