# abi-scan.awk - read the preprocessed form of the sspigss headers
# ($CC -E output, line markers kept) and list what they declare.
#
# Only lines that come from files whose path starts with the variable
# "dir1" or "dir2" are read. Declarations are split into statements
# at ";" (or at the "}" closing a function body) and classified. Output,
# one record per line, fields separated by tabs:
#
#   STRUCT  file  name                 struct/union with a body; name is
#                                      the first typedef name, or
#                                      "struct TAG" for a bare definition
#   MEMBER  name  member  type         one member; type is the member's
#                                      type written as a type name, or
#                                      empty when it has no name of its own
#                                      (a nested struct)
#   ENUM    file  enumerator
#   TYPEDEF file  name                 every typedef name
#   REPLAY  file  kind  names  text    a declaration that must also be
#                                      valid after Windows' headers; kind
#                                      is "tag" for the "typedef struct
#                                      TAG NAMES;" form of a structure
#                                      typedef or a bare "struct TAG;",
#                                      "typedef" for a plain typedef,
#                                      "function" for a prototype,
#                                      "variable" for an extern object
#   ERROR   file  text                 a statement this script cannot read
#
# The headers are written in a plain style (one declarator per member,
# function pointers through typedefs), which is all this script handles;
# anything else is reported as ERROR so the test fails loudly.

function is_ident(t) {
    return t ~ /^[A-Za-z_][A-Za-z0-9_]*$/
}

function reset_stmt() {
    n = 0
    depth = 0
    stmt_file = ""
}

# Join tokens from..to with single spaces.
function join(a, from, to,    s, i) {
    s = ""
    for (i = from; i <= to; i++)
        s = s (s == "" ? "" : " ") a[i]
    return s
}

# Index of the token closing the brace or paren opened at position i.
function closing(a, i, last,    d, j, op, cl) {
    op = a[i]
    cl = (op == "{") ? "}" : (op == "(") ? ")" : "]"
    d = 0
    for (j = i; j <= last; j++) {
        if (a[j] == op)
            d++
        else if (a[j] == cl) {
            d--
            if (d == 0)
                return j
        }
    }
    return 0
}

# Names declared by the declarator list a[from..to] (after the base type
# or after the closing brace of a body).
function declarator_names(a, from, to,    i, names, pd) {
    names = ""
    pd = 0
    for (i = from; i <= to; i++) {
        if (a[i] == "(" || a[i] == "[")
            pd++
        else if (a[i] == ")" || a[i] == "]")
            pd--
        # "( * NAME )": function pointer declarator
        if (a[i] == "(" && a[i + 1] == "*" && is_ident(a[i + 2]) &&
            a[i + 3] == ")") {
            names = names " " a[i + 2]
            i += 3
            pd--
            continue
        }
        if (pd == 0 && is_ident(a[i]) &&
            (i == to || a[i + 1] == "," || a[i + 1] == "[" ||
             a[i + 1] == ";"))
            names = names " " a[i]
    }
    sub(/^ /, "", names)
    return names
}

# Members of the body a[from..to] (without its braces) of struct "sname";
# anonymous nested structures are flattened into it.
function members(a, from, to, sname,    i, j, k, c, m, last, nm, ty, d) {
    i = from
    while (i <= to) {
        # one member declaration: up to ";" at brace depth 0
        d = 0
        for (j = i; j <= to; j++) {
            if (a[j] == "{")
                d++
            else if (a[j] == "}")
                d--
            else if (a[j] == ";" && d == 0)
                break
        }
        last = j - 1
        c = 0
        for (k = i; k <= last; k++)
            if (a[k] == "{") {
                c = k
                break
            }
        if (c) {
            m = closing(a, c, last)
            if (m == last)
                members(a, c + 1, m - 1, sname)
            else if (m + 1 == last && is_ident(a[last]))
                print "MEMBER\t" sname "\t" a[last] "\t"
            else
                print "ERROR\t" stmt_file "\t" join(a, i, last)
        } else {
            # the name is the last identifier outside brackets
            nm = 0
            d = 0
            for (k = i; k <= last; k++) {
                if (a[k] == "[" || a[k] == "(")
                    d++
                else if (a[k] == "]" || a[k] == ")")
                    d--
                else if (a[k] == ",")
                    nm = -1
                if (nm >= 0 && d == 0 && is_ident(a[k]))
                    nm = k
            }
            if (nm <= i) {
                print "ERROR\t" stmt_file "\t" join(a, i, last)
            } else {
                ty = join(a, i, nm - 1)
                if (nm < last)
                    ty = ty " " join(a, nm + 1, last)
                print "MEMBER\t" sname "\t" a[nm] "\t" ty
            }
        }
        i = j + 1
    }
}

function enumerators(a, from, to,    i, expect) {
    expect = 1
    for (i = from; i <= to; i++) {
        if (expect && is_ident(a[i])) {
            print "ENUM\t" stmt_file "\t" a[i]
            expect = 0
        } else if (a[i] == ",") {
            expect = 1
        }
    }
}

function statement(    i, ob, cb, names, nm, kind, tag, text, head, first) {
    if (n == 0)
        return
    ob = 0
    for (i = 1; i <= n; i++)
        if (tok[i] == "{") {
            ob = i
            break
        }
    # --- typedef
    if (tok[1] == "typedef") {
        if (ob) {
            kind = tok[2]
            tag = (ob == 4) ? tok[3] : ""
            cb = closing(tok, ob, n)
            if ((kind != "struct" && kind != "union" && kind != "enum") ||
                ob > 4 || !cb) {
                print "ERROR\t" stmt_file "\t" join(tok, 1, n)
                return
            }
            names = declarator_names(tok, cb + 1, n - 1)
            split(names, nm, " ")
            for (i in nm)
                print "TYPEDEF\t" stmt_file "\t" nm[i]
            if (kind == "enum") {
                enumerators(tok, ob + 1, cb - 1)
            } else {
                print "STRUCT\t" stmt_file "\t" nm[1]
                members(tok, ob + 1, cb - 1, nm[1])
            }
            if (tag != "")
                print "REPLAY\t" stmt_file "\ttag\t" names "\ttypedef " \
                      kind " " tag " " join(tok, cb + 1, n)
            return
        }
        names = declarator_names(tok, 2, n - 1)
        split(names, nm, " ")
        for (i in nm)
            print "TYPEDEF\t" stmt_file "\t" nm[i]
        print "REPLAY\t" stmt_file "\ttypedef\t" names "\t" join(tok, 1, n)
        return
    }
    # --- bare struct: definition or forward declaration
    if ((tok[1] == "struct" || tok[1] == "union") && is_ident(tok[2])) {
        if (ob == 3) {
            cb = closing(tok, ob, n)
            if (cb != n - 1) {
                print "ERROR\t" stmt_file "\t" join(tok, 1, n)
                return
            }
            print "STRUCT\t" stmt_file "\t" tok[1] " " tok[2]
            members(tok, ob + 1, cb - 1, tok[1] " " tok[2])
        }
        if (ob == 3 || (n == 3 && tok[3] == ";"))
            print "REPLAY\t" stmt_file "\ttag\t" tok[1] " " tok[2] "\t" \
                  tok[1] " " tok[2] " ;"
        else
            print "ERROR\t" stmt_file "\t" join(tok, 1, n)
        return
    }
    # --- functions and variables: the part before any body
    head = ob ? ob - 1 : n - 1
    text = join(tok, 1, head)
    if (text ~ /(^| )sspigss_/)
        return                  # the library's own names
    first = 0
    for (i = 1; i <= head; i++)
        if (tok[i] == "(") {
            first = i
            break
        }
    # "extern TYPE NAME ;": a variable (the GUIDs of sspi.h)
    if (!first && !ob && tok[1] == "extern" && is_ident(tok[head])) {
        print "REPLAY\t" stmt_file "\tvariable\t" tok[head] "\t" \
              text " ;"
        return
    }
    if (!first || !is_ident(tok[first - 1])) {
        print "ERROR\t" stmt_file "\t" join(tok, 1, n)
        return
    }
    # definitions of static inline functions become prototypes
    sub(/^(static |inline |__inline |__inline__ )+/, "", text)
    print "REPLAY\t" stmt_file "\tfunction\t" tok[first - 1] "\t" \
          text " ;"
}

function add_token(t) {
    if (n == 0)
        stmt_file = cur
    tok[++n] = t
    if (t == "{") {
        depth++
    } else if (t == "}") {
        depth--
        # end of a function body (not of a typedef'd or bare structure)
        if (depth == 0 && tok[1] != "typedef" && tok[1] != "struct" &&
            tok[1] != "union" && tok[1] != "enum") {
            statement()
            reset_stmt()
        }
    } else if (t == ";" && depth == 0) {
        statement()
        reset_stmt()
    }
}

BEGIN {
    reset_stmt()
    cur = ""
    keep = 0
}

# line markers: # 12 "path" flags
/^# [0-9]+ "/ {
    f = $0
    sub(/^# [0-9]+ "/, "", f)
    sub(/".*$/, "", f)
    cur = f
    keep = (index(f, dir1) == 1 || index(f, dir2) == 1)
    next
}

/^#/ { next }

keep {
    s = $0
    while (s != "") {
        if (match(s, /^[ \t]+/)) {
            s = substr(s, RLENGTH + 1)
            continue
        }
        if (match(s, /^(u8|[uUL])?"([^"\\]|\\.)*"/) ||
            match(s, /^(u8|[uUL])?'([^'\\]|\\.)*'/) ||
            match(s, /^[A-Za-z_][A-Za-z0-9_]*/) ||
            match(s, /^[0-9][0-9A-Za-z_.]*/) ||
            match(s, /^(\.\.\.|->|<<|>>|<=|>=|==|!=|&&|\|\|)/) ||
            match(s, /^./)) {
            add_token(substr(s, 1, RLENGTH))
            s = substr(s, RLENGTH + 1)
        }
    }
}

END {
    if (n > 0)
        print "ERROR\t" stmt_file "\tunterminated: " join(tok, 1, n)
}
