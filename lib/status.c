/*
 * status.c - names and messages of SSPI status codes.
 *
 * Everything here is generated from lib/status_table.h, the one list of
 * codes: the lookups below, the compile-time check that every public
 * #define in <sspigss/secstatus.h> equals its row, and (through `sspigss
 * status --all --markdown`) docs/status-codes.md. Lookups never allocate.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct status_row {
    SECURITY_STATUS value;
    const char *name;
    const char *en;
    const char *ja;
    bool alias;
    bool ref;
};

/* Each public #define must equal its table row (and each alias its
 * primary): a drift between header and table fails the build. */
#define SSPIGSS_STATUS(sym, val, ref, en, ja) \
    _Static_assert((sym) == (HRESULT)(val), #sym " differs from the table");
#define SSPIGSS_STATUS_ALIAS(sym, primary, ref, en, ja) \
    _Static_assert((sym) == (primary), #sym " is not an alias of " #primary);
#include "status_table.h"
#undef SSPIGSS_STATUS
#undef SSPIGSS_STATUS_ALIAS

static const struct status_row rows[] = {
#define SSPIGSS_STATUS(sym, val, ref, en, ja) \
    { (SECURITY_STATUS)(val), #sym, en, ja, false, (ref) != 0 },
#define SSPIGSS_STATUS_ALIAS(sym, primary, ref, en, ja) \
    { (primary), #sym, en, ja, true, (ref) != 0 },
#include "status_table.h"
#undef SSPIGSS_STATUS
#undef SSPIGSS_STATUS_ALIAS
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char unknown_name[] = "(unknown)";
static const char unknown_en[] =
    "This value is not an SSPI status code known to sspigss.";
static const char unknown_ja[] =
    "この値は sspigss が知っている SSPI 状態コードではありません。";

/* The primary row of a value; aliases are never chosen by value. */
static const struct status_row *
find_value(SECURITY_STATUS value)
{
    size_t i;

    for (i = 0; i < NROWS; i++)
        if (!rows[i].alias && rows[i].value == value)
            return &rows[i];
    return NULL;
}

/* "ja" when lang (or, for NULL, the locale variables in POSIX order)
 * names Japanese; "en" otherwise. */
static bool
want_japanese(const char *lang)
{
    if (lang == NULL) {
        static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        size_t i;

        for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
            const char *v = getenv(vars[i]);

            if (v != NULL && *v != '\0') {
                lang = v;
                break;
            }
        }
        if (lang == NULL)
            return false;
    }
    return strncmp(lang, "ja", 2) == 0
           && (lang[2] == '\0' || lang[2] == '_' || lang[2] == '-'
               || lang[2] == '.');
}

SSPIGSS_EXPORT const char *
sspigss_status_name(SECURITY_STATUS status)
{
    const struct status_row *r = find_value(status);

    return r != NULL ? r->name : unknown_name;
}

SSPIGSS_EXPORT const char *
sspigss_status_message(SECURITY_STATUS status, const char *lang)
{
    const struct status_row *r = find_value(status);
    bool ja = want_japanese(lang);

    if (r == NULL)
        return ja ? unknown_ja : unknown_en;
    return ja ? r->ja : r->en;
}

SSPIGSS_EXPORT int
sspigss_status_from_name(const char *name, SECURITY_STATUS *status)
{
    size_t i;

    if (name == NULL)
        return 0;
    for (i = 0; i < NROWS; i++) {
        if (strcmp(rows[i].name, name) == 0) {
            if (status != NULL)
                *status = rows[i].value;
            return 1;
        }
    }
    return 0;
}

SSPIGSS_EXPORT int
sspigss_status_entry(size_t index, SECURITY_STATUS *status,
                     const char **name, int *is_alias, int *in_reference)
{
    if (index >= NROWS)
        return 0;
    if (status != NULL)
        *status = rows[index].value;
    if (name != NULL)
        *name = rows[index].name;
    if (is_alias != NULL)
        *is_alias = rows[index].alias;
    if (in_reference != NULL)
        *in_reference = rows[index].ref;
    return 1;
}

SSPIGSS_EXPORT size_t
sspigss_format_status(SECURITY_STATUS status, const char *lang, char *buf,
                      size_t size)
{
    const struct status_row *r = find_value(status);
    const char *msg;
    size_t len;

    if (r == NULL)
        return 0;
    msg = want_japanese(lang) ? r->ja : r->en;
    len = strlen(msg);
    if (buf != NULL && size > 0) {
        size_t n = len < size - 1 ? len : size - 1;

        memcpy(buf, msg, n);
        buf[n] = '\0';
    }
    return len;
}
