/* yamlhint.c -- advice for YAML indentation mistakes; see yamlhint.h.
 *
 * Each rule matches one of libyaml's problems and checks the text before it speaks, so a
 * message never guesses: a rule that does not recognise the lines returns 0 and config.c
 * reports libyaml's own words. Columns count bytes, which are libyaml's characters on the
 * ASCII indentation these rules read. */
#include "yamlhint.h"

#include <stdio.h>
#include <string.h>

enum { MAX_COLUMNS = 8 };

typedef struct text_line {
    const char *p;
    size_t len;   /* without the line break */
} text_line;

/* Line n (1-based) of text; 0 when the text has fewer lines. */
static int get_line(const char *text, size_t len, int n, text_line *out)
{
    const char *p = text, *end = text + len;
    for (int i = 1; i < n; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return 0;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    out->p = p;
    out->len = (size_t)((nl ? nl : end) - p);
    if (out->len > 0 && p[out->len - 1] == '\r')
        out->len--;
    return n >= 1;
}

/* 1-based column of the line's first character that is not a space. */
static int first_column(const text_line *l)
{
    size_t i = 0;
    while (i < l->len && l->p[i] == ' ')
        i++;
    return (int)i + 1;
}

/* 1 for a line holding only spaces, or a comment. */
static int is_blank(const text_line *l)
{
    size_t i = (size_t)first_column(l) - 1;
    return i >= l->len || l->p[i] == '#';
}

/* 1-based column of the first tab among the spaces and tabs that start the line, or 0. */
static int tab_column(const text_line *l)
{
    for (size_t i = 0; i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'); i++)
        if (l->p[i] == '\t')
            return (int)i + 1;
    return 0;
}

/* The line from its first non-space character, as a short printable quote. */
static const char *snippet(const text_line *l, char *buf, size_t size)
{
    size_t from = (size_t)first_column(l) - 1, n = 0;
    for (size_t i = from; i < l->len && n + 4 < size && i - from < 30; i++) {
        unsigned char c = (unsigned char)l->p[i];
        buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (l->len > from + 30 && n + 4 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- the rules ----------------------------------------------------------------------------- */

/* A tab among the characters that indent the line libyaml stopped at. */
static int tab_rule(const char *file, const text_line *l, int line, nn_err *err)
{
    int col = tab_column(l);
    if (!col)
        return 0;
    return nn_fail_at(err, (nn_pos){file, line, col}, "a tab in the indentation (tabs are not "
                      "allowed for indentation in YAML, use spaces)");
}

/* The columns at which the blocks still open at line `line` start, from the lines above it:
 * the line before it and each line further up that starts further left, with the content
 * column of any "- " item among them. Sorted, without repeats; returns how many. */
static int open_columns(const char *text, size_t len, int line, int *cols)
{
    int n = 0, limit = 1 << 30;
    text_line l;
    for (int k = line - 1; k >= 1 && limit > 1 && get_line(text, len, k, &l); k--) {
        if (is_blank(&l))
            continue;
        int c = first_column(&l);
        if (c >= limit)
            continue;
        limit = c;
        for (size_t i = (size_t)c - 1; n < MAX_COLUMNS; i += 2) {
            int col = (int)i + 1, seen = 0;
            for (int j = 0; j < n; j++)
                seen |= cols[j] == col;
            if (!seen)
                cols[n++] = col;
            if (!(i + 1 < l.len && l.p[i] == '-' && l.p[i + 1] == ' '))
                break; /* "- " opens a block two columns further right */
        }
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of columns */
        for (int j = i; j > 0 && cols[j - 1] > cols[j]; j--) {
            int t = cols[j];
            cols[j] = cols[j - 1];
            cols[j - 1] = t;
        }
    return n;
}

/* "1, 3 and 5" */
static void list_columns(const int *cols, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%d",
                         i == 0 ? "" : i + 1 < n ? ", " : " and ", cols[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* "did not find expected key" in a block map: the line starts in a column that no block above
 * uses, or is a "- " item among the keys of a map. */
static int key_rule(const char *text, size_t len, const char *file, const text_line *l,
                    int line, const nn_yaml_error *e, nn_err *err)
{
    char quote[64], list[64];
    int cols[MAX_COLUMNS], col = first_column(l);
    int n = open_columns(text, len, line, cols), lined_up = 0;
    for (int i = 0; i < n; i++)
        lined_up |= cols[i] == col;
    nn_pos at = {file, line, col};
    snippet(l, quote, sizeof quote);
    if (!lined_up && n > 0) {
        list_columns(cols, n, list, sizeof list);
        return nn_fail_at(err, at, "bad indentation: '%s' starts at column %d, but no line "
                          "above it does (they start at column%s %s: line it up, with spaces, "
                          "with the keys or items it belongs with)",
                          quote, col, n > 1 ? "s" : "", list);
    }
    if (lined_up && quote[0] == '-' && e->context_line > 0)
        return nn_fail_at(err, at, "bad indentation: the item '%s' lines up with the keys of "
                          "the map at line %d (line its '-' up with the other items of its "
                          "list)", quote, e->context_line);
    return 0;
}

/* "did not find expected '-' indicator": a line at the column of a list's items that is not
 * one, such as a layer's setting written under the '-' instead of under the layer's type. */
static int item_rule(const char *file, const text_line *l, int line, const nn_yaml_error *e,
                     nn_err *err)
{
    char quote[64];
    int col = first_column(l);
    if (e->context_line <= 0)
        return 0;
    return nn_fail_at(err, (nn_pos){file, line, col}, "bad indentation: '%s' lines up with "
                      "the '-' of the list at line %d but is not an item (start it with '- ' "
                      "for a new item, or indent it to column %d to put it inside the item "
                      "above)", snippet(l, quote, sizeof quote), e->context_line, col + 4);
}

/* "mapping values are not allowed in this context" on a line indented further than the one
 * before it: that line continues the value above, and a key cannot start inside a value. */
static int value_rule(const char *text, size_t len, const char *file, const text_line *l,
                      int line, const nn_yaml_error *e, nn_err *err)
{
    text_line above = {NULL, 0};
    int k = line - 1;
    while (k >= 1 && get_line(text, len, k, &above) && is_blank(&above))
        k--;
    if (k < 1 || first_column(l) <= first_column(&above))
        return 0;
    /* The ':' libyaml stopped at must be the line's first one, so the line reads "key: ...";
     * otherwise the problem is a ": " inside a value, not indentation. */
    const char *colon = memchr(l->p, ':', l->len);
    if (!colon || (int)(colon - l->p) + 1 != e->col)
        return 0;
    char quote[64];
    return nn_fail_at(err, (nn_pos){file, line, first_column(l)}, "bad indentation: '%s' is "
                      "indented further than line %d, so it reads as more of the value there, "
                      "where no key can start (line it up with the keys it belongs with)",
                      snippet(l, quote, sizeof quote), k);
}

int nn_yamlhint_explain(const char *text, size_t len, const char *file, const nn_yaml_error *e,
                        nn_err *err)
{
    text_line l;
    if (!text || !e->problem || !get_line(text, len, e->line, &l))
        return 0;
    if (tab_rule(file, &l, e->line, err) < 0)
        return -1;
    if (strcmp(e->problem, "did not find expected key") == 0 && e->context &&
        strcmp(e->context, "while parsing a block mapping") == 0)
        return key_rule(text, len, file, &l, e->line, e, err);
    if (strcmp(e->problem, "did not find expected '-' indicator") == 0)
        return item_rule(file, &l, e->line, e, err);
    if (strcmp(e->problem, "mapping values are not allowed in this context") == 0)
        return value_rule(text, len, file, &l, e->line, e, err);
    return 0;
}
