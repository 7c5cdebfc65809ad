/*
 * cmd_map.c - `sspigss map-gss`: which SEC code a GSS-API result becomes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/sspigss.h>

#include "cli.h"

/* The mechanisms' OIDs, as MIT's gss_OID_desc lays them out. */
struct oid {
    uint32_t length;
    void *elements;
};

static struct oid krb5_oid = {
    9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
};
static struct oid spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };
static struct oid ntlm_oid = {
    10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
};

static const struct {
    const char *name;
    int op;
} ops[] = {
    { "acquire", SSPIGSS_OP_ACQUIRE }, { "initiate", SSPIGSS_OP_INITIATE },
    { "init", SSPIGSS_OP_INITIATE }, { "accept", SSPIGSS_OP_ACCEPT },
    { "wrap", SSPIGSS_OP_WRAP }, { "unwrap", SSPIGSS_OP_UNWRAP },
    { "mic", SSPIGSS_OP_MIC }, { "verify", SSPIGSS_OP_VERIFY },
    { "export", SSPIGSS_OP_EXPORT }, { "import", SSPIGSS_OP_IMPORT },
    { "query", SSPIGSS_OP_QUERY },
};

static void
map_help(FILE *fp)
{
    fputs("usage: sspigss map-gss MAJOR MINOR [--mech krb5|spnego|ntlm] "
          "[--op OP]\n"
          "       sspigss map-gss --krb5 CODE [--op OP]\n\n"
          "Shows the SEC code sspigss (and sspigss_status_from_gss()) gives\n"
          "for a GSS-API result: MAJOR and MINOR as decimal or 0x hex,\n"
          "MINOR may be negative (krb5 codes). --mech picks the minor\n"
          "code's error table (default krb5). --op is the call the status\n"
          "came from: acquire, initiate (default), accept, wrap, unwrap,\n"
          "mic, verify, export, import, query. --krb5 maps a krb5 library\n"
          "error code instead. The GSS or krb5 text is printed with it.\n",
          fp);
}

/* A 32-bit value given signed or unsigned, decimal or hex. */
static int
parse_u32(const char *s, uint32_t *out)
{
    char *end;
    long long v;

    if (*s == '\0')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 0);
    if (errno != 0 || *end != '\0' || v < -2147483648LL
        || v > 0xFFFFFFFFLL)
        return 0;
    *out = (uint32_t)(v & 0xFFFFFFFF);
    return 1;
}

int
cmd_map_gss(int argc, char **argv)
{
    const struct gss_OID_desc_struct *mech;
    struct oid *m = &krb5_oid;
    uint32_t vals[2];
    int nvals = 0, op = SSPIGSS_OP_INITIATE, krb5 = 0, i;
    SECURITY_STATUS st;
    size_t k;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            map_help(stdout);
            return 0;
        } else if (strcmp(a, "--krb5") == 0) {
            krb5 = 1;
        } else if (strcmp(a, "--mech") == 0 || strcmp(a, "--op") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("map-gss: %s needs a value", a);
            if (strcmp(a, "--mech") == 0) {
                const char *v = argv[++i];

                if (strcmp(v, "krb5") == 0 || strcmp(v, "kerberos") == 0)
                    m = &krb5_oid;
                else if (strcmp(v, "spnego") == 0
                         || strcmp(v, "negotiate") == 0)
                    m = &spnego_oid;
                else if (strcmp(v, "ntlm") == 0)
                    m = &ntlm_oid;
                else
                    return cli_usage_error("map-gss: unknown mechanism "
                                           "'%s' (krb5, spnego, ntlm)", v);
            } else {
                const char *v = argv[++i];

                op = 0;
                for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
                    if (strcmp(v, ops[k].name) == 0)
                        op = ops[k].op;
                if (op == 0)
                    return cli_usage_error("map-gss: unknown operation "
                                           "'%s' (see --help)", v);
            }
        } else if (nvals < 2 && parse_u32(a, &vals[nvals])) {
            nvals++;
        } else {
            return cli_usage_error("map-gss: unexpected argument '%s' "
                                   "(see sspigss map-gss --help)", a);
        }
    }
    if (krb5 ? nvals != 1 : nvals != 2) {
        map_help(stderr);
        return 2;
    }
    mech = (const struct gss_OID_desc_struct *)m;
    if (krb5)
        st = sspigss_status_from_krb5((int32_t)vals[0], op);
    else
        st = sspigss_status_from_gss(vals[0], vals[1], mech, op);
    if (krb5)
        printf("krb5 code:  %ld\n", (long)(int32_t)vals[0]);
    else
        printf("GSS major:  0x%08X\nGSS minor:  %lu (%ld)\n",
               (unsigned)vals[0], (unsigned long)vals[1],
               (long)(int32_t)vals[1]);
    if (*sspigss_last_error() != '\0')
        printf("underlying: %s\n", sspigss_last_error());
    printf("SEC code:   %s (0x%08X)\n  english:  %s\n  japanese: %s\n",
           sspigss_status_name(st), (unsigned)st,
           sspigss_status_message(st, "en"),
           sspigss_status_message(st, "ja"));
    return 0;
}
