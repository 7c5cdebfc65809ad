/*
 * cli.h - the sspigss command-line tool's subcommands.
 *
 * Each subcommand takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit status: 0 success, 1 a
 * negative answer or a failed operation, 2 bad usage.
 */
#ifndef SSPIGSS_CLI_H
#define SSPIGSS_CLI_H

#include <stdio.h>

int cmd_status(int argc, char **argv);
int cmd_packages(int argc, char **argv);
int cmd_client(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_map_gss(int argc, char **argv);

/* Print "sspigss: " + message to stderr; returns 2 for usage errors. */
int cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* SSPIGSS_CLI_H */
