/*
 * abi-gen.c - the Linux half of the ABI test (tests/abi/abi-check.sh).
 *
 * Built against the sspigss headers, it measures what they say on LP64
 * Linux -- the value, width and signedness of every constant, the size of
 * every typedef, the size, alignment and member offsets of every
 * structure -- and prints each fact as a C11 _Static_assert. The script
 * then compiles those assertions with the Win64 cross compiler against
 * the Windows headers, so any difference stops that compilation with the
 * name of the item.
 *
 * The lists come from files the script generates in its work directory:
 *   abi-probe.h    the #defines and #includes of the headers under test
 *   abi-consts.def C(NAME) per integer constant (macro or enumerator)
 *   abi-types.def  T(NAME) per typedef name
 *   abi-structs.def S(TYPE) and M(TYPE, member) from structs.list
 *
 * Usage: abi-gen MEMBERS-OUT > checks.c
 * MEMBERS-OUT receives "TYPE<TAB>member" per M() entry with the member
 * name macro-expanded, for the script's completeness check.
 */
#include "abi-probe.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Kind of an expression's type: 's' signed or 'u' unsigned integer, or
 * 100 + GCC's type class for anything else (pointer, structure, ...).
 * The same macro is emitted for the Win64 side, so both compilers
 * classify the same way. Enumerations match their compatible integer
 * type. Plain char is classified by its signedness.
 */
#define ABI_KIND_TEXT                                                   \
    "#define ABI_KIND(x) _Generic((x), \\\n"                            \
    "    _Bool: 'u', char: ((char)-1 < 0 ? 's' : 'u'), \\\n"            \
    "    signed char: 's', unsigned char: 'u', \\\n"                     \
    "    short: 's', unsigned short: 'u', int: 's', unsigned: 'u', \\\n" \
    "    long: 's', unsigned long: 'u', \\\n"                            \
    "    long long: 's', unsigned long long: 'u', \\\n"                  \
    "    default: 100 + __builtin_classify_type(x))\n"

#define ABI_KIND(x) _Generic((x),                                       \
    _Bool: 'u', char: ((char)-1 < 0 ? 's' : 'u'),                       \
    signed char: 's', unsigned char: 'u',                               \
    short: 's', unsigned short: 'u', int: 's', unsigned: 'u',           \
    long: 's', unsigned long: 'u',                                      \
    long long: 's', unsigned long long: 'u',                            \
    default: 100 + __builtin_classify_type(x))

#define ABI_STR(x) #x
#define ABI_XSTR(x) ABI_STR(x)

static unsigned long n_consts, n_types, n_structs, n_members;

/* A kind as C source: 's' and 'u' as character constants. */
static const char *
kind_text(int kind)
{
    static char buf[16];

    if (kind == 's' || kind == 'u')
        snprintf(buf, sizeof(buf), "'%c'", kind);
    else
        snprintf(buf, sizeof(buf), "%d", kind);
    return buf;
}

static void
check_const(const char *name, int kind, size_t size, long long sv,
            unsigned long long uv)
{
    n_consts++;
    printf("_Static_assert(sizeof(%s) == %zu, "
           "\"%s: width differs from Win64\");\n", name, size, name);
    printf("_Static_assert(ABI_KIND(%s) == %s, "
           "\"%s: type kind (signedness) differs from Win64\");\n",
           name, kind_text(kind), name);
    if (kind == 's')
        printf("_Static_assert((%s) == (%lldLL), "
               "\"%s: value differs from Win64\");\n", name, sv, name);
    else if (kind == 'u')
        printf("_Static_assert((%s) == %lluULL, "
               "\"%s: value differs from Win64\");\n", name, uv, name);
    else
        printf("_Static_assert((unsigned long long)(%s) == %lluULL, "
               "\"%s: value differs from Win64\");\n", name, uv, name);
}

static void
check_type(const char *name, size_t size, int kind)
{
    n_types++;
    printf("_Static_assert(sizeof(%s) == %zu, "
           "\"typedef %s: size differs from Win64\");\n", name, size, name);
    printf("_Static_assert(ABI_KIND(*(%s *)0) == %s, "
           "\"typedef %s: kind (signedness) differs from Win64\");\n",
           name, kind_text(kind), name);
}

static void
check_struct(const char *name, size_t size, size_t align)
{
    n_structs++;
    printf("_Static_assert(sizeof(%s) == %zu, "
           "\"%s: size differs from Win64\");\n", name, size, name);
    printf("_Static_assert(_Alignof(%s) == %zu, "
           "\"%s: alignment differs from Win64\");\n", name, align, name);
}

static void
check_member(FILE *list, const char *type, const char *member,
             size_t offset, size_t size, int kind)
{
    n_members++;
    fprintf(list, "%s\t%s\n", type, member);
    printf("_Static_assert(offsetof(%s, %s) == %zu, "
           "\"%s.%s: offset differs from Win64\");\n",
           type, member, offset, type, member);
    printf("_Static_assert(sizeof(((%s *)0)->%s) == %zu, "
           "\"%s.%s: size differs from Win64\");\n",
           type, member, size, type, member);
    printf("_Static_assert(ABI_KIND(((%s *)0)->%s) == %s, "
           "\"%s.%s: kind (signedness) differs from Win64\");\n",
           type, member, kind_text(kind), type, member);
}

int
main(int argc, char **argv)
{
    FILE *list;

    if (argc != 2) {
        fprintf(stderr, "usage: abi-gen MEMBERS-OUT > checks.c\n");
        return 2;
    }
    list = fopen(argv[1], "w");
    if (list == NULL) {
        perror(argv[1]);
        return 1;
    }

    printf("/* Generated by tests/abi/abi-gen from the sspigss headers. */\n");
    printf("%s", ABI_KIND_TEXT);

    printf("\n/* constants */\n");
#define C(name)                                                         \
    check_const(#name, ABI_KIND(name), sizeof(name), (long long)(name),   \
                (unsigned long long)(uintptr_t)(name));
#include "abi-consts.def"
#undef C

    printf("\n/* typedefs */\n");
#define T(name) check_type(#name, sizeof(name), ABI_KIND(*(name *)0));
#include "abi-types.def"
#undef T

    printf("\n/* structures */\n");
#define S(type) check_struct(#type, sizeof(type), _Alignof(type));
#define M(type, member)                                                 \
    check_member(list, #type, ABI_XSTR(member), offsetof(type, member),   \
                 sizeof(((type *)0)->member), ABI_KIND(((type *)0)->member));
#include "abi-structs.def"
#undef S
#undef M

    printf("\n/* %lu constants, %lu typedefs, %lu structures, "
           "%lu members */\n", n_consts, n_types, n_structs, n_members);
    if (fclose(list) != 0 || fflush(stdout) != 0) {
        perror("abi-gen");
        return 1;
    }
    return 0;
}
