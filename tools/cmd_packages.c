/*
 * cmd_packages.c - `sspigss packages`: what EnumerateSecurityPackages
 * reports, decoded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sspigss/sspigss.h>

#include "cli.h"

static const struct {
    ULONG bit;
    const char *name;
} cap_names[] = {
    { SECPKG_FLAG_INTEGRITY, "INTEGRITY" },
    { SECPKG_FLAG_PRIVACY, "PRIVACY" },
    { SECPKG_FLAG_TOKEN_ONLY, "TOKEN_ONLY" },
    { SECPKG_FLAG_DATAGRAM, "DATAGRAM" },
    { SECPKG_FLAG_CONNECTION, "CONNECTION" },
    { SECPKG_FLAG_MULTI_REQUIRED, "MULTI_REQUIRED" },
    { SECPKG_FLAG_CLIENT_ONLY, "CLIENT_ONLY" },
    { SECPKG_FLAG_EXTENDED_ERROR, "EXTENDED_ERROR" },
    { SECPKG_FLAG_IMPERSONATION, "IMPERSONATION" },
    { SECPKG_FLAG_ACCEPT_WIN32_NAME, "ACCEPT_WIN32_NAME" },
    { SECPKG_FLAG_STREAM, "STREAM" },
    { SECPKG_FLAG_NEGOTIABLE, "NEGOTIABLE" },
    { SECPKG_FLAG_GSS_COMPATIBLE, "GSS_COMPATIBLE" },
    { SECPKG_FLAG_LOGON, "LOGON" },
    { SECPKG_FLAG_ASCII_BUFFERS, "ASCII_BUFFERS" },
    { SECPKG_FLAG_FRAGMENT, "FRAGMENT" },
    { SECPKG_FLAG_MUTUAL_AUTH, "MUTUAL_AUTH" },
    { SECPKG_FLAG_DELEGATION, "DELEGATION" },
    { SECPKG_FLAG_READONLY_WITH_CHECKSUM, "READONLY_WITH_CHECKSUM" },
    { SECPKG_FLAG_RESTRICTED_TOKENS, "RESTRICTED_TOKENS" },
    { SECPKG_FLAG_NEGO_EXTENDER, "NEGO_EXTENDER" },
    { SECPKG_FLAG_NEGOTIABLE2, "NEGOTIABLE2" },
    { SECPKG_FLAG_APPCONTAINER_PASSTHROUGH, "APPCONTAINER_PASSTHROUGH" },
    { SECPKG_FLAG_APPCONTAINER_CHECKS, "APPCONTAINER_CHECKS" },
};

int
cmd_packages(int argc, char **argv)
{
    PSecPkgInfoA info = NULL;
    ULONG count = 0, i;
    SECURITY_STATUS st;
    size_t k;

    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            puts("usage: sspigss packages\n\n"
                 "Lists the security packages as EnumerateSecurityPackages "
                 "reports them,\nwith the capability flags decoded.");
            return 0;
        }
        return cli_usage_error("packages: unexpected argument '%s'",
                               argv[1]);
    }
    st = EnumerateSecurityPackagesA(&count, &info);
    if (st != SEC_E_OK) {
        fprintf(stderr, "sspigss: EnumerateSecurityPackagesA: %s (0x%08X)\n",
                sspigss_status_name(st), (unsigned)st);
        return 1;
    }
    for (i = 0; i < count; i++) {
        printf("%s\n  comment:     %s\n  version:     %u\n"
               "  rpc id:      %u\n  max token:   %lu bytes\n"
               "  capabilities: 0x%08lX",
               info[i].Name, info[i].Comment, (unsigned)info[i].wVersion,
               (unsigned)info[i].wRPCID, (unsigned long)info[i].cbMaxToken,
               (unsigned long)info[i].fCapabilities);
        for (k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
            if (info[i].fCapabilities & cap_names[k].bit)
                printf(" %s", cap_names[k].name);
        putchar('\n');
    }
    FreeContextBuffer(info);
    return 0;
}
