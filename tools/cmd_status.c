/*
 * cmd_status.c - `sspigss status`: decode status codes, and generate
 * docs/status-codes.md.
 *
 * Names, values and messages come from the library (sspigss_status_*,
 * built from lib/status_table.h); where each code comes from on Linux
 * comes from lib/status_docs.h, a data-only list with one row per status
 * row in the same order. The two are checked against each other before
 * anything is printed from them, so the document cannot drift from
 * either list.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspigss/sspigss.h>

#include "cli.h"

enum doc_kind {
    DOC_PRODUCED,
    DOC_NEVER,
    DOC_LATER
};

/* One row of lib/status_docs.h. */
struct doc_row {
    const char *name;
    SECURITY_STATUS value;
    enum doc_kind kind;
    const char *packages;       /* PRODUCED: packages; LATER: the package */
    const char *calls;          /* PRODUCED */
    const char *text;           /* conditions, or NEVER's reason */
    const char *tests;          /* PRODUCED: FILE:NAME references */
    int issue;                  /* LATER */
};

/* Nothing may be left blank: every text of a row is non-empty (checked
 * by the compiler), and a later package names its issue. Only the test
 * list may be empty, which the document and tests/check_docs.sh report. */
#define SSPIGSS_DOC_PRODUCED(sym, pkgs, calls, cond, tests) \
    _Static_assert(sizeof(pkgs) > 1 && sizeof(calls) > 1 \
                   && sizeof(cond) > 1 && sizeof(tests) >= 1, \
                   #sym ": empty field in lib/status_docs.h");
#define SSPIGSS_DOC_NEVER(sym, reason) \
    _Static_assert(sizeof(reason) > 1, \
                   #sym ": empty reason in lib/status_docs.h");
#define SSPIGSS_DOC_LATER(sym, pkg, issue, cond) \
    _Static_assert(sizeof(pkg) > 1 && sizeof(cond) > 1 && (issue) > 0, \
                   #sym ": empty field in lib/status_docs.h");
#include "status_docs.h"
#undef SSPIGSS_DOC_PRODUCED
#undef SSPIGSS_DOC_NEVER
#undef SSPIGSS_DOC_LATER

static const struct doc_row doc_rows[] = {
/* (Parameter names differ from the member names they initialise.) */
#define SSPIGSS_DOC_PRODUCED(sym, p_pkgs, p_calls, p_cond, p_tests) \
    { .name = #sym, .value = (SECURITY_STATUS)(sym), .kind = DOC_PRODUCED, \
      .packages = p_pkgs, .calls = p_calls, .text = p_cond, \
      .tests = p_tests },
#define SSPIGSS_DOC_NEVER(sym, p_reason) \
    { .name = #sym, .value = (SECURITY_STATUS)(sym), .kind = DOC_NEVER, \
      .text = p_reason },
#define SSPIGSS_DOC_LATER(sym, p_pkg, p_issue, p_cond) \
    { .name = #sym, .value = (SECURITY_STATUS)(sym), .kind = DOC_LATER, \
      .packages = p_pkg, .text = p_cond, .issue = (p_issue) },
#include "status_docs.h"
#undef SSPIGSS_DOC_PRODUCED
#undef SSPIGSS_DOC_NEVER
#undef SSPIGSS_DOC_LATER
};

#define NDOCS (sizeof(doc_rows) / sizeof(doc_rows[0]))

/*
 * Unit suites: they call one module directly (the mapper, the argument
 * checks, the identity parser, ...). A code shown only by these is
 * produced by the library but not yet seen in a scenario, where a
 * program's SSPI calls meet a real KDC or peer.
 */
static const char *const unit_suites[] = {
    "check_api.c", "check_map_gss.c", "check_identity.c", "check_unicode.c",
    "check_secbuf.c", "check_handles.c", "check_memory.c", "check_edata.c",
};

#define NUNIT (sizeof(unit_suites) / sizeof(unit_suites[0]))

static void
status_help(FILE *fp)
{
    fputs("usage: sspigss status CODE...\n"
          "       sspigss status --all [--markdown]\n\n"
          "CODE is a name (SEC_E_INVALID_TOKEN), a hexadecimal value\n"
          "(0x80090308) or a decimal value, signed (-2146893048) or not\n"
          "(2148074248). Prints the name, the value, the message in\n"
          "English and Japanese, and where sspigss returns the code (or\n"
          "why it never does, or which later package will). Exit status\n"
          "1 when a code is unknown.\n"
          "--all lists every code; --markdown prints that list as the\n"
          "Markdown document docs/status-codes.md is made of.\n",
          fp);
}

/* Parse a code given as a name or a number. Returns 1 and sets *out on
 * success; 0 when the text is neither a known name nor a 32-bit number. */
static int
parse_code(const char *s, SECURITY_STATUS *out)
{
    char *end;
    long long v;

    if (sspigss_status_from_name(s, out))
        return 1;
    if (strncmp(s, "SEC_", 4) == 0 || strncmp(s, "sec_", 4) == 0) {
        char upper[64];
        size_t i;

        for (i = 0; s[i] != '\0' && i + 1 < sizeof(upper); i++)
            upper[i] = (char)toupper((unsigned char)s[i]);
        upper[i] = '\0';
        return s[i] == '\0' && sspigss_status_from_name(upper, out);
    }
    if (*s == '\0' || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 0);
    if (errno != 0 || *end != '\0')
        return 0;
    if (v < -2147483648LL || v > 0xFFFFFFFFLL)
        return 0;
    *out = (SECURITY_STATUS)(uint32_t)(v & 0xFFFFFFFF);
    return 1;
}

/*
 * lib/status_docs.h must have one row per status row, in the same order,
 * with the same value. Returns 1 when it does; otherwise says where the
 * lists part on stderr and returns 0.
 */
static int
docs_match_table(void)
{
    SECURITY_STATUS st;
    const char *name;
    size_t i;

    for (i = 0; sspigss_status_entry(i, &st, &name, NULL, NULL); i++) {
        if (i >= NDOCS) {
            fprintf(stderr, "sspigss: status: lib/status_docs.h has %zu "
                            "rows; the status table goes on with %s\n",
                    NDOCS, name);
            return 0;
        }
        if (strcmp(doc_rows[i].name, name) != 0 || doc_rows[i].value != st) {
            fprintf(stderr, "sspigss: status: row %zu is %s in "
                            "lib/status_docs.h but %s in the status table\n",
                    i, doc_rows[i].name, name);
            return 0;
        }
    }
    if (i != NDOCS) {
        fprintf(stderr, "sspigss: status: lib/status_docs.h has %zu rows, "
                        "the status table %zu\n", NDOCS, i);
        return 0;
    }
    return 1;
}

/* The documentation row of a name, or NULL. */
static const struct doc_row *
doc_of(const char *name)
{
    size_t i;

    for (i = 0; i < NDOCS; i++)
        if (strcmp(doc_rows[i].name, name) == 0)
            return &doc_rows[i];
    return NULL;
}

/* Whether p starts a test reference: a word FILE.c: or FILE.sh:. */
static int
is_ref_start(const char *p)
{
    const char *q = p;

    while (isalnum((unsigned char)*q) || *q == '_' || *q == '-')
        q++;
    if (q == p)
        return 0;
    return strncmp(q, ".c:", 3) == 0 || strncmp(q, ".sh:", 4) == 0;
}

/*
 * The next test reference of a list (lib/status_docs.h): FILE:NAME, where
 * NAME runs on, spaces included, until the next word that starts a
 * reference. Returns 0 at the end; otherwise sets *ref and *len and
 * advances *p.
 */
static int
next_ref(const char **p, const char **ref, size_t *len)
{
    const char *s = *p, *e, *n;

    while (*s == ' ')
        s++;
    if (*s == '\0')
        return 0;
    e = s;
    for (;;) {
        while (*e != '\0' && *e != ' ')
            e++;
        n = e;
        while (*n == ' ')
            n++;
        if (*n == '\0' || is_ref_start(n))
            break;
        e = n;
    }
    *ref = s;
    *len = (size_t)(e - s);
    *p = e;
    return 1;
}

/* Whether a reference names one of the unit suites. */
static int
ref_is_unit(const char *ref, size_t len)
{
    const char *colon = memchr(ref, ':', len);
    size_t flen = colon != NULL ? (size_t)(colon - ref) : len, i;

    for (i = 0; i < NUNIT; i++)
        if (strlen(unit_suites[i]) == flen
            && strncmp(unit_suites[i], ref, flen) == 0)
            return 1;
    return 0;
}

/* How a code stands on Linux, for the summary. */
enum standing {
    ST_SCENARIO,        /* produced; a scenario test makes it happen */
    ST_UNIT,            /* produced; only unit suites show it */
    ST_UNTESTED,        /* produced; no test yet */
    ST_LATER,
    ST_NEVER,
    ST_COUNT
};

static enum standing
standing_of(const struct doc_row *d)
{
    const char *p, *ref;
    size_t len;
    int any = 0;

    if (d->kind == DOC_NEVER)
        return ST_NEVER;
    if (d->kind == DOC_LATER)
        return ST_LATER;
    p = d->tests;
    while (next_ref(&p, &ref, &len)) {
        if (!ref_is_unit(ref, len))
            return ST_SCENARIO;
        any = 1;
    }
    return any ? ST_UNIT : ST_UNTESTED;
}

static void
print_one(SECURITY_STATUS st)
{
    const struct doc_row *d = doc_of(sspigss_status_name(st));

    printf("%s\n"
           "  value:    0x%08X (%ld)\n"
           "  english:  %s\n"
           "  japanese: %s\n",
           sspigss_status_name(st), (unsigned)st, (long)st,
           sspigss_status_message(st, "en"),
           sspigss_status_message(st, "ja"));
    if (d == NULL)
        return;
    switch (d->kind) {
    case DOC_PRODUCED:
        printf("  returned by: %s [%s]\n", d->calls, d->packages);
        break;
    case DOC_NEVER:
        printf("  never on Linux: %s\n", d->text);
        break;
    case DOC_LATER:
        printf("  not yet: arrives with %s (issue #%d): %s\n", d->packages,
               d->issue, d->text);
        break;
    }
}

/*
 * Print a Markdown list item: "- " label text, wrapped at 79 columns with
 * continuation lines indented by two spaces. Lines break only at spaces
 * outside `code spans`, so a code span is never split. With wrap 0 the
 * item stays on one line (Japanese text, whose width is not its length).
 */
static void
md_item(const char *label, const char *text, int wrap)
{
    const char *p = text;
    size_t col = 2 + strlen(label);
    int first = 1;

    printf("- %s", label);
    while (*p != '\0') {
        const char *w = p;
        int code = 0;
        size_t len;

        while (*w != '\0' && (code || *w != ' ')) {
            if (*w == '`')
                code = !code;
            w++;
        }
        len = (size_t)(w - p);
        if (!first) {
            if (wrap && col + 1 + len > 79) {
                fputs("\n  ", stdout);
                col = 2;
            } else {
                putchar(' ');
                col++;
            }
        }
        fwrite(p, 1, len, stdout);
        col += len;
        first = 0;
        p = w;
        while (*p == ' ')
            p++;
    }
    putchar('\n');
}

/* "`a`, `b`, ..." for a test list; "none yet" for an empty one. */
static char *
tests_text(const char *tests)
{
    const char *p = tests, *ref;
    size_t len, size = 1;
    char *out, *o;

    while (next_ref(&p, &ref, &len))
        size += len + 4;
    out = malloc(size < 9 ? 9 : size);
    if (out == NULL)
        return NULL;
    o = out;
    p = tests;
    while (next_ref(&p, &ref, &len)) {
        if (o != out) {
            memcpy(o, ", ", 2);
            o += 2;
        }
        *o++ = '`';
        memcpy(o, ref, len);
        o += len;
        *o++ = '`';
    }
    if (o == out) {
        memcpy(out, "none yet", 9);
        return out;
    }
    *o = '\0';
    return out;
}

static const char *
standing_cell(const struct doc_row *d, char *buf, size_t size)
{
    switch (standing_of(d)) {
    case ST_SCENARIO:
        return "produced";
    case ST_UNIT:
        return "produced (unit tests only)";
    case ST_UNTESTED:
        return "produced (no test yet)";
    case ST_LATER:
        snprintf(buf, size, "not yet: %s, issue #%d", d->packages,
                 d->issue);
        return buf;
    case ST_NEVER:
    case ST_COUNT:
        break;
    }
    return "never on Linux";
}

static int
print_markdown(void)
{
    static const char *const standing_label[ST_COUNT] = {
        "produced, and a scenario test makes it happen",
        "produced, shown by unit tests only (mapper, argument checks)",
        "produced, no test makes it happen yet",
        "not yet: arrives with a later package",
        "never produced on Linux",
    };
    size_t count[ST_COUNT][2] = { { 0 } };
    SECURITY_STATUS st;
    const char *name;
    int alias, ref;
    size_t i, n = 0, nref = 0;
    char buf[160];

    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, &ref); i++) {
        enum standing s = standing_of(&doc_rows[i]);

        n++;
        nref += ref != 0;
        count[s][0] += ref != 0;
        count[s][1]++;
    }
    printf("# SSPI status codes\n\n"
           "<!-- Generated by `sspigss status --all --markdown` from "
           "lib/status_table.h\n"
           "     and lib/status_docs.h. Do not edit: run `make "
           "docs-status`.\n"
           "     tests/check_docs.sh fails when this file differs from "
           "those lists, or\n"
           "     when a test it names does not exist. -->\n\n"
           "Every SEC_E_/SEC_I_ code of the Windows SSPI range and the "
           "revocation codes\nSchannel also returns (%zu names, "
           "%zu of them in the\n"
           "project's reference list, marked **ref**): its value, the "
           "messages sspigss\n"
           "gives in English and Japanese (`sspigss_status_message()`, "
           "`FormatMessage` in\n"
           "compat, `sspigss status CODE`), and where it comes from on "
           "Linux: the packages\n"
           "and calls that return it, the conditions behind it and the "
           "tests that make it\n"
           "happen; or why Linux never produces it; or the later package "
           "that will.\n"
           "Aliases are other Windows names for the same value. The three "
           "CRYPT_E_ codes\n"
           "are the certificate chain engine's, which Schannel returns "
           "as they are.\n\n",
           n, nref);
    printf("## Summary\n\n"
           "| | reference codes | all codes |\n"
           "|---|---|---|\n");
    for (i = 0; i < ST_COUNT; i++)
        printf("| %s | %zu | %zu |\n", standing_label[i], count[i][0],
               count[i][1]);
    printf("| total | %zu | %zu |\n\n", nref, n);
    printf("A *scenario* test makes the code happen through the SSPI calls "
           "a program makes,\n"
           "against a real KDC or MIT's gss-sample programs where a peer is "
           "involved. The\n"
           "unit suites call one module directly:");
    for (i = 0; i < NUNIT; i++)
        printf("%s`%s`%s", i % 4 == 0 ? "\n" : " ", unit_suites[i],
               i + 1 < NUNIT ? "," : ".");
    printf("\nTests are named `FILE:NAME`: `START_TEST(NAME)` in "
           "`tests/FILE` for a C suite,\n"
           "a string of the script for `tests/*.sh`.\n\n"
           "Sources cited in the conditions: [ms] Microsoft's "
           "documentation of the call\n"
           "named; [alerts] Microsoft, \"Schannel error codes for TLS and "
           "SSL alerts\";\n"
           "[wine] Wine's dlls/secur32/tests, recorded on Windows; "
           "[pyspnego] pyspnego's\n"
           "docs/exceptions, recorded on Windows; KB: Microsoft support "
           "articles. The\n"
           "mapper rules named are in lib/map_gss.c and "
           "lib/map_ntstatus.c, each with its\n"
           "evidence.\n\n");
    printf("| Name | Value | Ref | On Linux |\n"
           "|---|---|---|---|\n");
    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, &ref); i++) {
        char anchor[64];
        size_t j;

        for (j = 0; name[j] != '\0' && j + 1 < sizeof(anchor); j++)
            anchor[j] = (char)tolower((unsigned char)name[j]);
        anchor[j] = '\0';
        printf("| [`%s`](#%s) | `0x%08X` | %s | %s |\n", name, anchor,
               (unsigned)st, ref ? "**ref**" : "",
               standing_cell(&doc_rows[i], buf, sizeof(buf)));
    }
    printf("\n## Codes\n");
    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, &ref); i++) {
        const struct doc_row *d = &doc_rows[i];

        printf("\n### %s\n\n`0x%08X` (%ld)", name, (unsigned)st, (long)st);
        if (ref)
            fputs(", reference list", stdout);
        printf(".\n");
        if (alias)
            printf("Another name for the value of `%s`.\n",
                   sspigss_status_name(st));
        putchar('\n');
        md_item("**English:** ", sspigss_status_message(st, "en"), 1);
        md_item("**Japanese:** ", sspigss_status_message(st, "ja"), 0);
        switch (d->kind) {
        case DOC_PRODUCED: {
            char *t = tests_text(d->tests);

            if (t == NULL)
                return 1;
            md_item("**Packages:** ", d->packages, 1);
            md_item("**Returned by:** ", d->calls, 1);
            md_item("**Conditions:** ", d->text, 1);
            md_item("**Tests:** ", t, 1);
            free(t);
            break;
        }
        case DOC_NEVER:
            md_item("**Never on Linux:** ", d->text, 1);
            break;
        case DOC_LATER:
            snprintf(buf, sizeof(buf), "**Not yet:** arrives with %s "
                     "(issue #%d). ", d->packages, d->issue);
            md_item(buf, d->text, 1);
            break;
        }
    }
    return 0;
}

static void
print_all(void)
{
    SECURITY_STATUS st;
    const char *name;
    int alias, ref;
    size_t i;

    for (i = 0; sspigss_status_entry(i, &st, &name, &alias, &ref); i++) {
        printf("0x%08X  %-38s %s%s\n", (unsigned)st, name,
               ref ? "ref" : "   ",
               alias ? "  (alias)" : "");
    }
}

int
cmd_status(int argc, char **argv)
{
    int i, all = 0, markdown = 0, rc = 0, ncodes = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            status_help(stdout);
            return 0;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = 1;
        } else if (strcmp(argv[i], "--markdown") == 0) {
            markdown = 1;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage_error("status: unknown option '%s' "
                                   "(see sspigss status --help)", argv[i]);
        } else {
            ncodes++;
        }
    }
    if (markdown && !all)
        return cli_usage_error("status: --markdown goes with --all");
    if (all) {
        if (ncodes != 0)
            return cli_usage_error("status: --all takes no codes");
        /* Nothing is printed from lists that disagree. */
        if (!docs_match_table())
            return 1;
        if (markdown)
            return print_markdown();
        print_all();
        return 0;
    }
    if (ncodes == 0) {
        status_help(stderr);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        SECURITY_STATUS st;

        if (argv[i][0] == '-' && argv[i][1] == '-')
            continue;
        if (!parse_code(argv[i], &st)) {
            fprintf(stderr, "sspigss: status: '%s' is neither a status "
                            "code name nor a 32-bit number\n", argv[i]);
            rc = rc ? rc : 2;
            continue;
        }
        if (strcmp(sspigss_status_name(st), "(unknown)") == 0) {
            fprintf(stderr, "sspigss: status: 0x%08X is not an SSPI "
                            "status code\n", (unsigned)st);
            rc = rc ? rc : 1;
            continue;
        }
        print_one(st);
    }
    return rc;
}
