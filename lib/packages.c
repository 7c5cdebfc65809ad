/*
 * packages.c - the package registry.
 *
 * The SecPkgInfo values are Windows' own, so code that sizes buffers from
 * cbMaxToken or tests fCapabilities behaves as it does there. Sources for
 * each value are cited next to it.
 */
#include "setup.h"

#include <strings.h>

#include "gss_int.h"
#include "internal.h"
#include "package.h"

static const struct package packages[] = {
    /*
     * Order and values as modern Windows (10/11) reports them: Negotiate,
     * Kerberos, NTLM, Schannel, Microsoft Unified Security Protocol
     * Provider (J. Forshaw, "Windows Security Internals", listing 12-1;
     * Get-SecurityPackage output recorded on Windows 10). Packages Linux
     * has no equivalent for (NegoExtender, pku2u, CloudAP, ...) are left
     * out. wVersion is 1 for all (Wine dlls/secur32/tests/main.c,
     * testQuerySecurityPackageInfo).
     */
    {
        /* caps: Wine tests/negotiate.c NEGOTIATE_BASE_CAPS 0x3BB3 plus
         * RESTRICTED_TOKENS and APPCONTAINER_CHECKS as Windows 10 shows;
         * RPC id RPC_C_AUTHN_GSS_NEGOTIATE. cbMaxToken: Windows reports
         * Kerberos' maximum + 256 (12256 with the old 12000 default, as
         * WinPR hard-codes; 65791 with 65535); with the Windows 8+
         * Kerberos default of 48000 that is 48256. */
        .name = "Negotiate",
        .comment = "Microsoft Package Negotiator",
        .capabilities = 0x00883BB3,
        .version = 1,
        .rpcid = 9,
        .max_token = 48256,
        .ops = &gss_package_ops,
        .data = &gss_mech_spnego,
    },
    {
        /* caps: Wine tests/secur32.c test_kerberos base 0x73BBF plus
         * RESTRICTED_TOKENS and APPCONTAINER_CHECKS (Windows 10);
         * RPC_C_AUTHN_GSS_KERBEROS; cbMaxToken 48000 is the default from
         * Windows 8 on (Microsoft, Kerberos MaxTokenSize policy). */
        .name = "Kerberos",
        .comment = "Microsoft Kerberos V1.0",
        .capabilities = 0x008F3BBF,
        .version = 1,
        .rpcid = 16,
        .max_token = 48000,
        .ops = &gss_package_ops,
        .data = &gss_mech_kerberos,
    },
    {
        /* caps: Wine tests/ntlm.c NTLM_BASE_CAPS 0x2B37 plus
         * RESTRICTED_TOKENS and APPCONTAINER_CHECKS (Windows 10);
         * RPC_C_AUTHN_WINNT; cbMaxToken 2888 (Wine accepts 1904 or 2888,
         * Windows 10 shows 2888). */
        .name = "NTLM",
        .comment = "NTLM Security Package",
        .capabilities = 0x00882B37,
        .version = 1,
        .rpcid = 10,
        .max_token = 2888,
        .ops = &gss_package_ops,
        .data = &gss_mech_ntlm,
    },
    {
        /* caps 0x004107B3 and cbMaxToken 24576 as Windows 10 shows them
         * (WinPR uses the same cbMaxToken); UNISP_RPC_ID 14. Both names
         * carry the comment "Schannel Security Package" on Windows. */
        .name = "Schannel",
        .comment = "Schannel Security Package",
        .capabilities = 0x004107B3,
        .version = 1,
        .rpcid = 14,
        .max_token = 24576,
        .ops = &schannel_package_ops,
    },
    {
        .name = "Microsoft Unified Security Protocol Provider",
        .comment = "Schannel Security Package",
        .capabilities = 0x004107B3,
        .version = 1,
        .rpcid = 14,
        .max_token = 24576,
        .ops = &schannel_package_ops,
    },
};

const struct package *
package_find(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < sizeof(packages) / sizeof(packages[0]); i++)
        if (strcasecmp(packages[i].name, name) == 0)
            return &packages[i];
    return NULL;
}

SECURITY_STATUS
package_name_from_w(const WCHAR *name, char **out)
{
    SECURITY_STATUS st;

    *out = NULL;
    if (name == NULL)
        return SEC_E_OK;
    st = utf16_to_utf8(name, (size_t)-1, out, NULL);
    return st == SEC_E_INVALID_PARAMETER ? SEC_E_SECPKG_NOT_FOUND : st;
}

size_t
package_count(void)
{
    return sizeof(packages) / sizeof(packages[0]);
}

const struct package *
package_at(size_t i)
{
    return i < package_count() ? &packages[i] : NULL;
}
