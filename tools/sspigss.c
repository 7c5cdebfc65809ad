/*
 * sspigss - command-line companion of libsspigss.
 *
 *   sspigss status CODE...          name, value and messages of codes
 *   sspigss status --all [--markdown]
 *   sspigss packages                the security packages and their info
 *   sspigss map-gss MAJOR MINOR     the SEC code for a GSS-API status
 *   sspigss client HOST SVC MSG     MIT gss-client's protocol over SSPI
 *   sspigss server SVC              MIT gss-server's protocol over SSPI
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "status", cmd_status, "decode SSPI status codes (SEC_E_*, SEC_I_*)" },
    { "packages", cmd_packages, "list the security packages" },
    { "map-gss", cmd_map_gss, "the SEC code for a GSS-API or krb5 status" },
    { "client", cmd_client, "MIT gss-client over SSPI (gss-sample protocol)" },
    { "server", cmd_server, "MIT gss-server over SSPI (gss-sample protocol)" },
};

static void
usage(FILE *fp)
{
    size_t i;

    fprintf(fp, "usage: sspigss COMMAND [ARGS...]\n"
                "       sspigss COMMAND --help\n\ncommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int
cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("sspigss: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sspigss %s\n", PACKAGE_VERSION);
        return 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_usage_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return 2;
}
