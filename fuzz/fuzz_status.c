/*
 * fuzz_status.c - libFuzzer target: status code names and messages
 * (lib/status.c) and the CODE argument of `sspigss status`
 * (tools/cmd_status.c), which reads a name, a hexadecimal or a decimal
 * number from the command line.
 *
 * parse_code() and print_one() are static in tools/cmd_status.c, so the
 * file is included here whole (its only outside need, cli_usage_error()
 * of tools/sspigss.c, is stubbed); print_one() writes to stdout, which
 * goes to /dev/null.
 *
 * Input: the text up to the first NUL is a CODE argument; the text after
 * it (up to the next NUL) a language for the messages; the first 4 bytes
 * are also a status value, and the last byte a buffer size for
 * sspigss_format_status().
 *
 * What must hold: lookups never return NULL; a name found gives back its
 * value and a value found its name (aliases give their primary's name);
 * sspigss_format_status() writes at most the size given, NUL-terminated,
 * a prefix of sspigss_status_message(), and returns that message's
 * length (0 for an unknown code); every table row reads back the same.
 */
#include "setup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/cmd_status.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
cli_usage_error(const char *fmt, ...)
{
    (void)fmt;
    return 2;
}

static bool
is_unknown(SECURITY_STATUS st)
{
    return strcmp(sspigss_status_name(st), "(unknown)") == 0;
}

/* Names, messages and sspigss_format_status() of one value. */
static void
check_value(SECURITY_STATUS st, const char *lang, size_t bufsize)
{
    const char *name = sspigss_status_name(st);
    const char *msg = sspigss_status_message(st, lang);
    SECURITY_STATUS back;
    char *buf;
    size_t len, n;

    if (name == NULL || msg == NULL
        || sspigss_status_message(st, NULL) == NULL)
        abort();
    if (!is_unknown(st)
        && (!sspigss_status_from_name(name, &back) || back != st))
        abort();
    /* An exact-size buffer, so that ASan sees a write past it. */
    buf = malloc(bufsize ? bufsize : 1);
    if (buf == NULL)
        abort();
    len = sspigss_format_status(st, lang, bufsize ? buf : NULL, bufsize);
    if (sspigss_format_status(st, lang, NULL, 0) != len)
        abort();
    if (is_unknown(st)) {
        if (len != 0)
            abort();
    } else {
        if (len != strlen(msg))
            abort();
        if (bufsize > 0) {
            n = len < bufsize - 1 ? len : bufsize - 1;
            if (buf[n] != '\0' || memcmp(buf, msg, n) != 0)
                abort();
        }
        print_one(st);
    }
    free(buf);
}

/* Row i of the table, if there is one, reads back as itself. */
static void
check_row(size_t i)
{
    SECURITY_STATUS st, back;
    const char *name;
    int alias, ref;

    if (!sspigss_status_entry(i, &st, &name, &alias, &ref))
        return;
    if (name == NULL || is_unknown(st) || (alias != 0 && alias != 1)
        || (ref != 0 && ref != 1))
        abort();
    if (!sspigss_status_from_name(name, &back) || back != st)
        abort();
    if (!alias && strcmp(sspigss_status_name(st), name) != 0)
        abort();
    if (!sspigss_status_entry(i, NULL, NULL, NULL, NULL))
        abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (freopen("/dev/null", "w", stdout) == NULL)
        abort();
    /* The two lists of tools/cmd_status.c agree (as `status --all`
     * checks before printing anything). */
    if (!docs_match_table())
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    const char *lang = NULL;
    SECURITY_STATUS st, raw = 0, byname;
    size_t n, bufsize = size ? data[size - 1] : 0;
    uint32_t u = 0;

    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    n = strlen(text);
    if (n < size)
        lang = text + n + 1;            /* the text after the first NUL */

    /* The CODE argument of `sspigss status`. A name is taken as it is or
     * in upper case; anything else is a number. */
    if (parse_code(text, &st)) {
        if (sspigss_status_from_name(text, &byname) && byname != st)
            abort();
        check_value(st, lang, bufsize);
    }
    if (sspigss_status_from_name(text, &byname)) {
        if (is_unknown(byname))
            abort();
        check_value(byname, lang, bufsize);
    }

    /* Arbitrary values and table indices. */
    if (size >= 4) {
        memcpy(&u, data, 4);
        raw = (SECURITY_STATUS)u;
    }
    check_value(raw, lang, bufsize);
    check_value((SECURITY_STATUS)(0x80090300u | (u & 0xff)), lang, bufsize);
    check_value((SECURITY_STATUS)(0x00090300u | (u & 0xff)), lang, bufsize);
    check_row((size_t)(uint32_t)raw);
    check_row(size ? data[0] : 0);
    free(text);
    return 0;
}
