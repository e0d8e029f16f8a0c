/* hparam.c -- key tables -> typed, range-checked struct fields; see hparam.h.
 *
 * Owns the strict parsing of every scalar setting in the project (layer, loss and optimizer
 * settings, and the top-level scalars of the model file) and the way those values print back,
 * so a value reads the same wherever it is written and every error says what was expected.
 *
 * Accepted text, by kind:
 *   int     optional sign, then decimal digits only: no spaces, no "0x10", no "3.0", no "1e3";
 *           it must fit in an int.
 *   float   what strtod reads in decimal, finite: "0.1", "-2", "1e-3", ".5"; rejected are
 *           surrounding spaces, hex floats ("0x1p3"), "nan", "inf", and values that overflow
 *           or underflow a double ("1e999", "1e-999").
 *   bool    true/false, yes/no, on/off, 1/0, in any letter case ("True", "NO").
 *   choice  one of the table's words, exactly (case matters).
 *   int or word  one of the table's words, else an int as above ("same", "2").
 * An empty value is always an error. Ranges: min == max == 0 (without NN_HP_OPEN_MIN) means no
 * range check; otherwise the value must be >= min (> min with NN_HP_OPEN_MIN) and, when
 * max > min, <= max (max <= min leaves it unbounded above; messages also call a max of
 * INT_MAX or DBL_MAX unbounded: "expected an integer >= 1").
 *
 * Floats print in the shortest "%.Ng" (N up to 17) that reads back to the same double, so the
 * output is exact and deterministic, and 0.1 prints as "0.1". */
#include "hparam.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ------------------------------------------------------------------------ */

static int *int_field(const nn_hparam *h, void *blob)
{
    return (int *)(void *)((char *)blob + h->offset);
}

static double *float_field(const nn_hparam *h, void *blob)
{
    return (double *)(void *)((char *)blob + h->offset);
}

static int has_range(const nn_hparam *h)
{
    return h->min != 0 || h->max != 0 || (h->flags & NN_HP_OPEN_MIN);
}

static int has_max(const nn_hparam *h)
{
    return h->max > h->min;
}

/* Copies value into buf for a message: printable ASCII as is, other bytes as \xNN, cut with
 * "..." when long, so a hostile value cannot flood or garble the message. */
static void quote_value(const char *value, char *buf, size_t size)
{
    static const size_t limit = 60;
    size_t used = 0, i;
    buf[0] = '\0';
    for (i = 0; value[i] && i < limit; i++) {
        unsigned char c = (unsigned char)value[i];
        int n;
        if (c >= 0x20 && c < 0x7f)
            n = snprintf(buf + used, size - used, "%c", c);
        else
            n = snprintf(buf + used, size - used, "\\x%02x", c);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
    if (value[i] && used + 4 < size)
        memcpy(buf + used, "...", 4);
}

/* Formats a bound: integers plainly, floats in their shortest exact form. */
static void format_number(double v, int as_int, char *buf, size_t size)
{
    if (as_int && v >= INT_MIN && v <= INT_MAX) {
        snprintf(buf, size, "%d", (int)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* "an integer in [1, 1048576]", "a number > 0", "a number in (0, 1]", "an integer". */
static void describe(const nn_hparam *h, char *buf, size_t size)
{
    int as_int = h->kind == NN_HP_INT || h->kind == NN_HP_INT_OR_WORD;
    const char *what = as_int ? "an integer" : "a number";
    char lo[40], hi[40];
    if (!has_range(h)) {
        snprintf(buf, size, "%s", what);
        return;
    }
    format_number(h->min, as_int, lo, sizeof lo);
    int open = (h->flags & NN_HP_OPEN_MIN) != 0;
    if (!has_max(h) || h->max >= (as_int ? (double)INT_MAX : DBL_MAX)) {
        snprintf(buf, size, "%s %s %s", what, open ? ">" : ">=", lo);
        return;
    }
    format_number(h->max, as_int, hi, sizeof hi);
    snprintf(buf, size, "%s in %c%s, %s]", what, open ? '(' : '[', lo, hi);
}

static int fail_expected(const nn_hparam *h, const char *owner, const char *what,
                         const char *value, nn_pos pos, nn_err *err)
{
    char shown[256];
    quote_value(value, shown, sizeof shown);
    if (owner && *owner)
        return nn_fail_at(err, pos, "%s: %s: expected %s, got '%s'", owner, h->key, what,
                          shown);
    return nn_fail_at(err, pos, "%s: expected %s, got '%s'", h->key, what, shown);
}

static int in_range(const nn_hparam *h, double v)
{
    if (!has_range(h))
        return 1;
    if (h->flags & NN_HP_OPEN_MIN ? !(v > h->min) : !(v >= h->min))
        return 0;
    return !has_max(h) || v <= h->max;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int parse_int(const char *s, int *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_float(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s) || strpbrk(s, "xXpP"))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int nn_hparam_parse(const nn_hparam *h, void *blob, const char *owner, const char *value,
                    nn_pos pos, nn_err *err)
{
    char what[NN_ERR_MAX / 2];
    if (!value)
        value = "";
    switch (h->kind) {
    case NN_HP_INT: {
        int v;
        if (parse_int(value, &v) < 0 || !in_range(h, v)) {
            describe(h, what, sizeof what);
            return fail_expected(h, owner, what, value, pos, err);
        }
        *int_field(h, blob) = v;
        return 0;
    }
    case NN_HP_FLOAT: {
        double v;
        if (parse_float(value, &v) < 0 || !in_range(h, v)) {
            describe(h, what, sizeof what);
            return fail_expected(h, owner, what, value, pos, err);
        }
        *float_field(h, blob) = v;
        return 0;
    }
    case NN_HP_BOOL: {
        int v;
        if (parse_bool(value, &v) < 0)
            return fail_expected(h, owner, "true or false", value, pos, err);
        *int_field(h, blob) = v;
        return 0;
    }
    case NN_HP_CHOICE: {
        int i = h->choices ? nn_hparam_word_index(h->choices, value) : -1;
        if (i < 0) {
            size_t n = (size_t)snprintf(what, sizeof what, "one of: ");
            nn_hparam_list_words(h->choices, what + n, sizeof what - n);
            return fail_expected(h, owner, what, value, pos, err);
        }
        *int_field(h, blob) = i;
        return 0;
    }
    case NN_HP_INT_OR_WORD: {
        int i = h->choices ? nn_hparam_word_index(h->choices, value) : -1, v;
        if (i >= 0) {
            *int_field(h, blob) = -(i + 1);
            return 0;
        }
        if (parse_int(value, &v) < 0 || v < 0 || !in_range(h, v)) {
            size_t n = (size_t)snprintf(what, sizeof what, "one of: ");
            nn_hparam_list_words(h->choices, what + n, sizeof what - n);
            n = strlen(what);
            snprintf(what + n, sizeof what - n, ", or ");
            n = strlen(what);
            describe(h, what + n, sizeof what - n);
            return fail_expected(h, owner, what, value, pos, err);
        }
        *int_field(h, blob) = v;
        return 0;
    }
    }
    return nn_fail_at(err, pos, "%s: unsupported setting kind", h->key);
}

/* ---- tables ------------------------------------------------------------------------------- */

void nn_hparam_defaults(const nn_hparam *table, void *blob)
{
    for (const nn_hparam *h = table; h && h->key; h++) {
        if (h->kind == NN_HP_FLOAT)
            *float_field(h, blob) = h->def;
        else
            *int_field(h, blob) = (int)h->def;
    }
}

const nn_hparam *nn_hparam_find(const nn_hparam *table, const char *key)
{
    for (const nn_hparam *h = table; h && h->key; h++)
        if (strcmp(h->key, key) == 0)
            return h;
    return NULL;
}

const nn_hparam *nn_hparam_main(const nn_hparam *table)
{
    for (const nn_hparam *h = table; h && h->key; h++)
        if (h->flags & NN_HP_MAIN)
            return h;
    return NULL;
}

int nn_hparam_unknown(const nn_hparam *table, const char *owner, const char *key, nn_pos pos,
                      nn_err *err)
{
    char keys[NN_ERR_MAX / 2], shown[256];
    nn_hparam_list_keys(table, keys, sizeof keys);
    quote_value(key, shown, sizeof shown);
    if (!keys[0])
        return nn_fail_at(err, pos, "unknown key '%s' for %s (it takes no settings)", shown,
                          owner);
    return nn_fail_at(err, pos, "unknown key '%s' for %s (expected one of: %s)", shown, owner,
                      keys);
}

/* Appends word to buf as part of "a, b, c". When buf is full the list ends with "..." and
 * *used becomes size, so later words are dropped. */
static void list_append(char *buf, size_t size, size_t *used, const char *word)
{
    if (*used >= size)
        return;
    const char *sep = *used ? ", " : "";
    size_t need = strlen(sep) + strlen(word);
    if (*used + need + 4 >= size) {
        if (*used + 4 < size)
            memcpy(buf + *used, "...", 4);
        *used = size;
        return;
    }
    snprintf(buf + *used, size - *used, "%s%s", sep, word);
    *used += need;
}

void nn_hparam_list_keys(const nn_hparam *table, char *buf, size_t size)
{
    size_t used = 0;
    if (!size)
        return;
    buf[0] = '\0';
    for (const nn_hparam *h = table; h && h->key; h++)
        list_append(buf, size, &used, h->key);
}

void nn_hparam_list_words(const char *const *words, char *buf, size_t size)
{
    size_t used = 0;
    if (!size)
        return;
    buf[0] = '\0';
    for (int i = 0; words && words[i]; i++)
        list_append(buf, size, &used, words[i]);
}

int nn_hparam_word_index(const char *const *words, const char *word)
{
    for (int i = 0; words && words[i]; i++)
        if (strcmp(words[i], word) == 0)
            return i;
    return -1;
}

/* ---- output ------------------------------------------------------------------------------- */

void nn_hparam_format(const nn_hparam *h, const void *blob, char *buf, size_t size)
{
    if (!size)
        return;
    switch (h->kind) {
    case NN_HP_INT:
        snprintf(buf, size, "%d", nn_hparam_get_int(h, blob));
        return;
    case NN_HP_FLOAT:
        format_number(nn_hparam_get_float(h, blob), 0, buf, size);
        return;
    case NN_HP_BOOL:
        snprintf(buf, size, "%s", nn_hparam_get_int(h, blob) ? "true" : "false");
        return;
    case NN_HP_CHOICE: {
        int v = nn_hparam_get_int(h, blob), n = 0;
        while (h->choices && h->choices[n])
            n++;
        snprintf(buf, size, "%s", v >= 0 && v < n ? h->choices[v] : "?");
        return;
    }
    case NN_HP_INT_OR_WORD: {
        int v = nn_hparam_get_int(h, blob), n = 0;
        while (h->choices && h->choices[n])
            n++;
        if (v >= 0)
            snprintf(buf, size, "%d", v);
        else
            snprintf(buf, size, "%s", v >= -n ? h->choices[-v - 1] : "?");
        return;
    }
    }
    buf[0] = '\0';
}

int nn_hparam_get_int(const nn_hparam *h, const void *blob)
{
    int v;
    memcpy(&v, (const char *)blob + h->offset, sizeof v);
    return v;
}

double nn_hparam_get_float(const nn_hparam *h, const void *blob)
{
    double v;
    memcpy(&v, (const char *)blob + h->offset, sizeof v);
    return v;
}
