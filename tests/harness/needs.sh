#!/bin/sh
# needs.sh - checks the script tests share for what they need (sourced;
# not run). Each test keeps its own message and exit status.

# have_gssntlmssp: gss-ntlmssp is registered with MIT's mechglue (it
# lists its mechanism, 1.3.6.1.4.1.311.2.2.10, in /etc/gss/mech.d).
have_gssntlmssp() {
    cat /etc/gss/mech /etc/gss/mech.d/*.conf 2>/dev/null |
        grep -q '^[^#]*1\.3\.6\.1\.4\.1\.311\.2\.2\.10'
}

# lib_has_asan LIB: LIB was built with -fsanitize=address, which leaves
# the ASan runtime to the executable: a host without one (python3)
# cannot load it.
lib_has_asan() {
    command -v nm > /dev/null 2>&1 &&
        nm -D --undefined-only "$1" 2>/dev/null | grep -q ' __asan_'
}
