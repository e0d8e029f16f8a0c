/* csv.c -- CSV text -> nn_dataset; see csv.h.
 *
 * Owns the whole path from bytes to rows: reading through zlib (gzread passes a plain file
 * through untouched, so plain and .gz files share one path; "-" is stdin), splitting physical
 * lines, splitting fields, choosing the input and target columns, and the number syntax.
 *
 * The accepted text:
 *   - Lines end in LF or CRLF; the last line may lack its newline. A UTF-8 byte order mark at
 *     the start of the file is skipped. A line longer than MAX_LINE bytes is refused, so one
 *     endless line cannot exhaust memory, and so is a line of more than MAX_FIELDS fields
 *     (a line of commas would otherwise cost 16 bytes of field table, and a header line a
 *     string, per byte). A NUL byte anywhere is refused (a binary file).
 *   - Blank lines and lines whose first non-blank character is '#' are skipped, but they count
 *     for line numbers: every message gives the 1-based physical line and, for a field, the
 *     1-based byte column where the field's text starts.
 *   - Fields are separated by ','; spaces and tabs around a field are dropped. A field may be
 *     double-quoted, with "" standing for one quote and commas allowed inside; a quoted field
 *     ends on its own line.
 *   - Numbers are plain decimals only: [+-] digits [. digits] [e|E [+-] digits], with at least
 *     one digit before the exponent (".5" and "5." are fine). strtod would also take "nan",
 *     "inf", "infinity" and hex floats such as "0x1p3"; those are refused ("expected a number")
 *     because a data file holding them is far more likely broken than meant. A magnitude beyond
 *     FLT_MAX is refused as out of range; one too small for a float becomes 0 or a subnormal,
 *     as any float conversion does.
 *   - Only the selected columns (inputs and target) must hold numbers; other columns may hold
 *     anything, e.g. an id or a name.
 *
 * Columns. With a header (header: yes, or auto and some non-empty field of the first data line
 * is not a number) columns have names. The target is named (needs a header) or given by 0-based
 * index, -1 meaning the last. `inputs` entries that look like integers ([+-]digits) are 0-based
 * indices, anything else is a header name; the order given is the order of x's columns. By
 * default every column but the target is an input, in file order. The header names of the
 * inputs go with the dataset, so a model can keep them.
 *
 * Prediction (NN_TARGET_OPTIONAL) reads files made for a model. Given the names the model was
 * trained on and a header, the inputs are found by name wherever they are, and other columns
 * are ignored. Otherwise a row of exactly the model's input count holds just the inputs, in
 * training order; a wider row is read as training read it, except that inputs picked by
 * `inputs` need no target column. */
#include "csv.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xalloc.h"

enum {
    CHUNK_SIZE = 1 << 16, /* bytes asked of gzread at a time */
    SHOW_MAX = 40,        /* bytes of a bad field quoted in a message */
    LIST_MAX = 300,       /* bytes of column names listed in a message */
    ROW_BYTES0 = 1 << 16, /* first allocation of row storage, in bytes */
    MAX_FIELDS = 1 << 20, /* the most fields a line may have */
};
#define MAX_LINE ((size_t)64 << 20) /* the longest physical line accepted, in bytes */

/* ---------------------------------------------------------------- reading physical lines */

typedef struct field {
    char *s; /* NUL-terminated text (unquoted, trimmed), inside the line buffer */
    int col; /* 1-based byte column where the field starts */
} field;

typedef struct reader {
    gzFile gz;
    const char *name; /* for messages: the path, or "stdin" */
    char *chunk;      /* (CHUNK_SIZE) bytes read ahead */
    size_t chunk_len, chunk_pos;
    int eof;
    char *line;       /* the current line without its line end, NUL-terminated */
    size_t line_len, line_cap;
    size_t lineno;    /* 1-based number of the current line */
    field *f;         /* (nf) the current line's fields */
    size_t nf, f_cap;
} reader;

/* The position of the current line (col 0: the line as a whole). Saturates at INT_MAX. */
static nn_pos at(const reader *rd, int col)
{
    nn_pos pos = {rd->name, rd->lineno > INT_MAX ? INT_MAX : (int)rd->lineno, col};
    return pos;
}

static int read_error(reader *rd, int saved_errno, nn_err *err)
{
    int zerr = Z_OK;
    const char *msg = gzerror(rd->gz, &zerr);
    if (zerr == Z_ERRNO)
        return nn_fail_io(err, rd->name, "cannot read", saved_errno ? saved_errno : EIO);
    if (zerr == Z_BUF_ERROR)
        return nn_fail(err, "%s: cannot read: %s (a truncated gzip file?)", rd->name, msg);
    return nn_fail(err, "%s: cannot read: %s", rd->name, msg);
}

static int reader_open(reader *rd, const char *path, nn_err *err)
{
    memset(rd, 0, sizeof *rd);
    int stdin_input = strcmp(path, "-") == 0;
    rd->name = stdin_input ? "stdin" : path;
    rd->chunk = nn_alloc(CHUNK_SIZE, 1, err);
    if (!rd->chunk)
        return -1;
    errno = 0;
    if (stdin_input) {
        int fd = dup(0);
        if (fd < 0)
            return nn_fail_io(err, rd->name, "cannot open", errno);
        rd->gz = gzdopen(fd, "rb");
        if (!rd->gz) {
            int e = errno ? errno : ENOMEM;
            close(fd);
            return nn_fail_io(err, rd->name, "cannot open", e);
        }
    } else {
        rd->gz = gzopen(path, "rb");
        if (!rd->gz)
            return nn_fail_io(err, rd->name, "cannot open", errno ? errno : ENOMEM);
    }
    return 0;
}

/* Closes the input; -1 when closing reports an error (and the caller has none yet). */
static int reader_close(reader *rd, nn_err *err)
{
    int rc = 0;
    if (rd->gz) {
        errno = 0;
        int zrc = gzclose_r(rd->gz);
        /* zlib may report a stream cut short only here, once every byte has been read. */
        if (zrc == Z_BUF_ERROR)
            rc = nn_fail(err, "%s: cannot read: the compressed data ends early (a truncated "
                              "gzip file?)", rd->name);
        else if (zrc != Z_OK)
            rc = zrc == Z_ERRNO ? nn_fail_io(err, rd->name, "cannot close", errno)
                                : nn_fail(err, "%s: cannot close (zlib error %d)", rd->name, zrc);
    }
    nn_free(rd->chunk);
    nn_free(rd->line);
    nn_free(rd->f);
    memset(rd, 0, sizeof *rd);
    return rc;
}

static int fill(reader *rd, nn_err *err)
{
    errno = 0;
    int n = gzread(rd->gz, rd->chunk, CHUNK_SIZE);
    int saved = errno;
    if (n < 0)
        return read_error(rd, saved, err);
    if (n == 0) {
        int zerr = Z_OK;
        gzerror(rd->gz, &zerr);
        if (zerr != Z_OK)
            return read_error(rd, saved, err);
        rd->eof = 1;
    }
    rd->chunk_len = (size_t)n;
    rd->chunk_pos = 0;
    return 0;
}

/* Appends len bytes to the current line, refusing to grow it past MAX_LINE. */
static int append(reader *rd, const char *s, size_t len, nn_err *err)
{
    if (len > MAX_LINE - rd->line_len) {
        nn_pos pos = {rd->name, 0, 0};
        size_t lineno = rd->lineno + 1;
        pos.line = lineno > INT_MAX ? INT_MAX : (int)lineno;
        return nn_fail_at(err, pos, "line longer than %zu MiB (expected CSV text)",
                          MAX_LINE >> 20);
    }
    size_t need = rd->line_len + len + 1;
    if (need > rd->line_cap) {
        size_t cap = rd->line_cap ? rd->line_cap : 256;
        while (cap < need)
            cap *= 2;
        if (cap > MAX_LINE + 1)
            cap = MAX_LINE + 1;
        char *p = nn_realloc(rd->line, cap, 1, err);
        if (!p)
            return -1;
        rd->line = p;
        rd->line_cap = cap;
    }
    memcpy(rd->line + rd->line_len, s, len);
    rd->line_len += len;
    return 0;
}

/* Reads the next physical line into rd->line. 1: a line, 0: end of input, -1: error. */
static int next_line(reader *rd, nn_err *err)
{
    int got = 0;
    rd->line_len = 0;
    for (;;) {
        if (rd->chunk_pos == rd->chunk_len) {
            if (!rd->eof && fill(rd, err) < 0)
                return -1;
            if (rd->eof)
                break;
        }
        char *start = rd->chunk + rd->chunk_pos;
        size_t avail = rd->chunk_len - rd->chunk_pos;
        char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (append(rd, start, take, err) < 0)
            return -1;
        rd->chunk_pos += take + (nl != NULL);
        got = 1;
        if (nl)
            break;
    }
    if (!got)
        return 0;
    rd->lineno++;
    if (rd->line_len > 0 && rd->line[rd->line_len - 1] == '\r')
        rd->line_len--;
    rd->line[rd->line_len] = '\0';
    if (rd->lineno == 1 && rd->line_len >= 3 && memcmp(rd->line, "\xEF\xBB\xBF", 3) == 0) {
        memmove(rd->line, rd->line + 3, rd->line_len - 2);
        rd->line_len -= 3;
    }
    return 1;
}

/* ---------------------------------------------------------------- fields */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 for a line with nothing to read: blank, or a '#' comment. */
static int skippable(const char *s)
{
    while (is_blank(*s))
        s++;
    return *s == '\0' || *s == '#';
}

static int push_field(reader *rd, char *s, int col, nn_err *err)
{
    if (rd->nf == MAX_FIELDS)
        return nn_fail_at(err, at(rd, col), "more than %d fields on one line (expected at "
                                            "most %d columns)", MAX_FIELDS, MAX_FIELDS);
    if (rd->nf == rd->f_cap) {
        size_t cap = rd->f_cap ? rd->f_cap * 2 : 64;
        field *f = nn_realloc(rd->f, cap, sizeof *f, err);
        if (!f)
            return -1;
        rd->f = f;
        rd->f_cap = cap;
    }
    rd->f[rd->nf].s = s;
    rd->f[rd->nf].col = col;
    rd->nf++;
    return 0;
}

/* Splits the current line into rd->f, unquoting and terminating each field in place (the text
 * of a field never grows, and the byte after it -- a ',' or the line's NUL -- is free). */
static int split_fields(reader *rd, nn_err *err)
{
    char *line = rd->line;
    char *p = line, *end = line + rd->line_len;
    rd->nf = 0;
    for (;;) {
        while (p < end && is_blank(*p))
            p++;
        int col = (int)(p - line) + 1;
        char *text = p, *stop;
        if (p < end && *p == '"') {
            char *w = p;
            p++;
            for (;;) {
                if (p == end)
                    return nn_fail_at(err, at(rd, col), "unterminated quoted field (expected "
                                                        "a closing '\"' on the same line)");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            stop = w;
            while (p < end && is_blank(*p))
                p++;
            if (p < end && *p != ',')
                return nn_fail_at(err, at(rd, (int)(p - line) + 1),
                                  "unexpected text after a quoted field (expected ',' or the "
                                  "end of the line)");
        } else {
            while (p < end && *p != ',')
                p++;
            stop = p;
            while (stop > text && is_blank(stop[-1]))
                stop--;
        }
        int more = p < end; /* p is at a ',' */
        *stop = '\0';
        if (push_field(rd, text, col, err) < 0)
            return -1;
        if (!more)
            return 0;
        p++;
    }
}

/* Writes s for a message: at most SHOW_MAX bytes (cut on a UTF-8 boundary, "..." added), with
 * control bytes shown as '?'. */
static void show(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s), cut = len;
    if (cut > SHOW_MAX) {
        cut = SHOW_MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    size_t k = 0;
    for (size_t i = 0; i < cut && k + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[k++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
    }
    buf[k] = '\0';
    if (cut < len && k + 4 < size)
        memcpy(buf + k, "...", 4);
}

/* 1 when s is a plain decimal number (see the top of the file). */
static int plain_decimal(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; is_digit(*s); s++)
        digits++;
    if (*s == '.')
        for (s++; is_digit(*s); s++)
            digits++;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return 0;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

/* Parses field f of the current line as a float. */
static int parse_number(const reader *rd, const field *f, float *out, nn_err *err)
{
    char shown[SHOW_MAX + 8];
    if (f->s[0] == '\0')
        return nn_fail_at(err, at(rd, f->col), "empty field (expected a number)");
    if (!plain_decimal(f->s)) {
        show(f->s, shown, sizeof shown);
        return nn_fail_at(err, at(rd, f->col), "expected a number, got '%s'", shown);
    }
    char *end;
    errno = 0;
    double v = strtod(f->s, &end);
    if (*end != '\0' || !isfinite(v) || fabs(v) > FLT_MAX || (errno == ERANGE && fabs(v) > 1.0)) {
        show(f->s, shown, sizeof shown);
        return nn_fail_at(err, at(rd, f->col),
                          "number out of range, got '%s' (expected a magnitude below %g)", shown,
                          (double)FLT_MAX);
    }
    *out = (float)v;
    return 0;
}

/* ---------------------------------------------------------------- choosing columns */

typedef struct layout {
    char **names;   /* (ncols) header names, or NULL when the file has no header */
    size_t ncols;   /* fields per line */
    int header_line; /* line of the header or of the first row: "as on line N" */
    int *in;        /* (nx) column of each input, in the order of x */
    int nx;
    int target;     /* column of the target, or -1 */
} layout;

static void layout_destroy(layout *lay)
{
    if (lay->names)
        for (size_t i = 0; i < lay->ncols; i++)
            nn_free(lay->names[i]);
    nn_free(lay->names);
    nn_free(lay->in);
    memset(lay, 0, sizeof *lay);
}

/* Writes "'a', 'b', 'c'" (or, unquoted, "a, b, c") into buf: the n names, cut after about
 * LIST_MAX bytes. */
static void list_names(char *const *names, size_t n, int quoted, char *buf, size_t size)
{
    const char *q = quoted ? "'" : "";
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char shown[SHOW_MAX + 8];
        show(names[i], shown, sizeof shown);
        int w = snprintf(buf + k, size - k, "%s%s%s%s", i ? ", " : "", q, shown, q);
        if (w < 0 || (size_t)w >= size - k || k + (size_t)w > LIST_MAX) {
            buf[k] = '\0';
            snprintf(buf + k, size - k, "%s... (%zu in all)", i ? ", " : "", n);
            return;
        }
        k += (size_t)w;
    }
}

/* The first column called name, or -1; *other gets a second one, or -1. */
static int lookup(const layout *lay, const char *name, int *other)
{
    int found = -1;
    *other = -1;
    for (size_t i = 0; i < lay->ncols; i++) {
        if (strcmp(lay->names[i], name) != 0)
            continue;
        if (found >= 0) {
            *other = (int)i;
            break;
        }
        found = (int)i;
    }
    return found;
}

/* Finds the column called name. -1 with a message when absent or when two columns share it. */
static int find_name(const layout *lay, const reader *rd, const char *what, const char *name,
                     nn_err *err)
{
    char shown[SHOW_MAX + 8], list[LIST_MAX + 64];
    show(name, shown, sizeof shown);
    if (!lay->names)
        return nn_fail(err, "%s: %s '%s' names a column, but the file has no header row "
                            "(expected a 0-based column index)", rd->name, what, shown);
    int other, found = lookup(lay, name, &other);
    if (other >= 0)
        return nn_fail(err, "%s: %s '%s' is ambiguous: columns %d and %d share that name "
                            "(expected a 0-based column index)", rd->name, what, shown,
                       found, other);
    if (found < 0) {
        list_names(lay->names, lay->ncols, 1, list, sizeof list);
        return nn_fail(err, "%s: %s: no column named '%s' (expected one of: %s)", rd->name, what,
                       shown, list);
    }
    return found;
}

/* Checks a 0-based column index against the column count; text, when given, is the index as
 * written (it may not fit a long). */
static int check_index(const layout *lay, const reader *rd, const char *what, long index,
                       const char *text, nn_err *err)
{
    if (index >= 0 && (size_t)index < lay->ncols)
        return (int)index;
    char shown[SHOW_MAX + 8];
    if (text)
        show(text, shown, sizeof shown);
    else
        snprintf(shown, sizeof shown, "%ld", index);
    return nn_fail(err, "%s: %s: column index %s is out of range (the file has %zu columns, "
                        "expected 0 to %zu)", rd->name, what, shown, lay->ncols, lay->ncols - 1);
}

/* 1 when an `inputs` entry is a column index ([+-]digits), 0 when it is a header name. */
static int is_index(const char *entry)
{
    const char *s = entry + (entry[0] == '+' || entry[0] == '-');
    int numeric = is_digit(*s);
    while (is_digit(*s))
        s++;
    return numeric && *s == '\0';
}

/* Resolves an `inputs` entry: [+-]digits is an index, anything else a header name. */
static int input_column(const layout *lay, const reader *rd, const char *entry, nn_err *err)
{
    if (!is_index(entry))
        return find_name(lay, rd, "inputs", entry, err);
    char *end;
    errno = 0;
    long index = strtol(entry, &end, 10);
    if (errno == ERANGE)
        index = -1;
    return check_index(lay, rd, "inputs", index, entry, err);
}

/* "column 'name'" or "column 3", for messages. */
static void label(const layout *lay, int col, char *buf, size_t size)
{
    if (lay->names) {
        char shown[SHOW_MAX + 8];
        show(lay->names[col], shown, sizeof shown);
        snprintf(buf, size, "column %d ('%s')", col, shown);
    } else {
        snprintf(buf, size, "column %d", col);
    }
}

/* Finds the target column (data.target by name, or by index, the last by default). */
static int find_target(layout *lay, const reader *rd, const nn_csv_opts *o, nn_err *err)
{
    if (o->target) {
        lay->target = find_name(lay, rd, "target", o->target, err);
    } else {
        long index = o->target_index == -1 ? (long)lay->ncols - 1 : o->target_index;
        lay->target = check_index(lay, rd, "target", index, NULL, err);
    }
    return lay->target < 0 ? -1 : 0;
}

/* The inputs chosen must be as many as the model takes. */
static int check_count(const layout *lay, const reader *rd, const nn_csv_opts *o, nn_err *err)
{
    if (lay->nx == 0)
        return nn_fail(err, "%s: no input columns (expected at least one besides the target)",
                       rd->name);
    if (o->expect_nx > 0 && lay->nx != o->expect_nx)
        return nn_fail(err, "%s: %d input column%s, but the model's input needs %d", rd->name,
                       lay->nx, lay->nx == 1 ? "" : "s", o->expect_nx);
    return 0;
}

/* A header, and the names of the columns the model was trained on: each input is the column of
 * its name, wherever the header puts it, so a file with its columns in another order, or with
 * more columns, gives the same inputs. Every other column is ignored; the target is looked for
 * only when it is required (--eval). */
static int choose_by_name(layout *lay, const reader *rd, const nn_csv_opts *o, nn_err *err)
{
    char shown[SHOW_MAX + 8], list[LIST_MAX + 64], what[SHOW_MAX + 64];
    lay->target = -1;
    if (o->target_mode == NN_TARGET_REQUIRED && find_target(lay, rd, o, err) < 0)
        return -1;
    lay->in = nn_alloc((size_t)o->ncolumns, sizeof *lay->in, err);
    if (!lay->in)
        return -1;
    for (int k = 0; k < o->ncolumns; k++) {
        int other, col = lookup(lay, o->columns[k], &other);
        if (col < 0 || other >= 0)
            show(o->columns[k], shown, sizeof shown);
        if (col < 0) {
            list_names(o->columns, (size_t)o->ncolumns, 0, list, sizeof list);
            return nn_fail(err, "%s: no column named '%s' (the model was trained on: %s)",
                           rd->name, shown, list);
        }
        if (other >= 0)
            return nn_fail(err, "%s: columns %d and %d are both named '%s' (expected one "
                                "column of each name the model was trained on)", rd->name, col,
                           other, shown);
        if (col == lay->target) {
            label(lay, col, what, sizeof what);
            return nn_fail(err, "%s: %s is the target, but the model was trained on it as an "
                                "input (expected a target column besides the inputs)",
                           rd->name, what);
        }
        lay->in[lay->nx++] = col;
    }
    return check_count(lay, rd, o, err);
}

/* Prediction: 1 when the row holds just the model's inputs, in training order: exactly as many
 * columns as the model takes, and no header that says otherwise -- one naming the target (the
 * count check then speaks), or one to find the data.inputs names in. */
static int just_the_inputs(const layout *lay, const nn_csv_opts *o)
{
    if (o->target_mode != NN_TARGET_OPTIONAL || o->expect_nx <= 0 ||
        lay->ncols != (size_t)o->expect_nx)
        return 0;
    if (!lay->names)
        return 1;
    int other;
    if (o->inputs && o->ninputs > 0) {
        for (int k = 0; k < o->ninputs; k++)
            if (!is_index(o->inputs[k]))
                return 0;
        return 1;
    }
    return !o->target || lookup(lay, o->target, &other) < 0;
}

/* Decides the target and the inputs once the first line (header or row) is known. */
static int choose_columns(layout *lay, const reader *rd, const nn_csv_opts *o, nn_err *err)
{
    if (lay->names && o->columns && o->ncolumns > 0)
        return choose_by_name(lay, rd, o, err);
    int given = o->inputs && o->ninputs > 0;
    int has_target = o->target_mode != NN_TARGET_NONE;
    if (just_the_inputs(lay, o)) {
        given = 0;
        has_target = 0;
    } else if (o->target_mode == NN_TARGET_OPTIONAL && given) {
        has_target = 0; /* inputs picked by name or index: a prediction needs no target */
    }

    lay->target = -1;
    if (has_target && find_target(lay, rd, o, err) < 0)
        return -1;

    unsigned char *used = nn_alloc(lay->ncols, 1, err);
    lay->in = nn_alloc(given ? (size_t)o->ninputs : lay->ncols, sizeof *lay->in, err);
    if (!used || !lay->in) {
        nn_free(used);
        return -1;
    }
    lay->nx = 0;
    if (given) {
        for (int k = 0; k < o->ninputs; k++) {
            int col = input_column(lay, rd, o->inputs[k], err);
            if (col < 0)
                goto fail;
            char what[SHOW_MAX + 64];
            if (col == lay->target) {
                label(lay, col, what, sizeof what);
                nn_fail(err, "%s: inputs: %s is the target (expected only input columns)",
                        rd->name, what);
                goto fail;
            }
            if (used[col]) {
                label(lay, col, what, sizeof what);
                nn_fail(err, "%s: inputs: %s is listed twice", rd->name, what);
                goto fail;
            }
            used[col] = 1;
            lay->in[lay->nx++] = col;
        }
    } else {
        for (size_t i = 0; i < lay->ncols; i++)
            if ((int)i != lay->target)
                lay->in[lay->nx++] = (int)i;
    }
    nn_free(used);
    return check_count(lay, rd, o, err);
fail:
    nn_free(used);
    return -1;
}

/* Reads the first line's fields as column names (copied: the line buffer is reused). */
static int take_names(layout *lay, const reader *rd, nn_err *err)
{
    lay->names = nn_alloc(rd->nf, sizeof *lay->names, err);
    if (!lay->names)
        return -1;
    for (size_t i = 0; i < rd->nf; i++) {
        lay->names[i] = nn_strdup(rd->f[i].s, err);
        if (!lay->names[i])
            return -1;
    }
    return 0;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Gives ds the header names of its input columns, in x's order, unless the header uses one of
 * them twice: such a name could not find its column again, not even in this file, so the
 * dataset is then left unnamed, as one read from a file without a header. */
static int keep_input_names(const layout *lay, nn_dataset *ds, nn_err *err)
{
    char **sorted = nn_alloc(lay->ncols, sizeof *sorted, err);
    if (!sorted)
        return -1;
    memcpy(sorted, lay->names, lay->ncols * sizeof *sorted);
    qsort(sorted, lay->ncols, sizeof *sorted, cmp_text);
    int unique = 1;
    for (int j = 0; j < lay->nx && unique; j++) {
        char *const *hit = bsearch(&lay->names[lay->in[j]], sorted, lay->ncols, sizeof *sorted,
                                   cmp_text);
        size_t i = (size_t)(hit - sorted);
        unique = !(i > 0 && strcmp(sorted[i - 1], *hit) == 0) &&
                 !(i + 1 < lay->ncols && strcmp(sorted[i + 1], *hit) == 0);
    }
    nn_free(sorted);
    if (!unique)
        return 0;
    ds->xnames = nn_alloc((size_t)lay->nx, sizeof *ds->xnames, err);
    if (!ds->xnames)
        return -1;
    for (int j = 0; j < lay->nx; j++)
        if (!(ds->xnames[j] = nn_strdup(lay->names[lay->in[j]], err)))
            return -1;
    return 0;
}

/* 1 when the first line reads as a header under mode h. */
static int is_header(const reader *rd, nn_header h)
{
    if (h != NN_HEADER_AUTO)
        return h == NN_HEADER_YES;
    for (size_t i = 0; i < rd->nf; i++)
        if (rd->f[i].s[0] != '\0' && !plain_decimal(rd->f[i].s))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- rows */

/* Makes room for at least one more row, doubling the capacity (the first block is about
 * ROW_BYTES0 bytes, whatever the row width). */
static int grow_rows(nn_dataset *ds, size_t *cap, const reader *rd, nn_err *err)
{
    if (ds->n < *cap)
        return 0;
    size_t row = ((size_t)ds->nx + (size_t)ds->ny) * sizeof(float);
    size_t want = *cap ? *cap * 2 : ROW_BYTES0 / row + 1;
    if (*cap > SIZE_MAX / 2)
        return nn_fail(err, "%s: too many rows", rd->name);
    nn_err oom;
    float *x = nn_realloc(ds->x, want, (size_t)ds->nx * sizeof(float), &oom);
    if (!x)
        goto out_of_memory;
    ds->x = x;
    if (ds->ny > 0) {
        float *y = nn_realloc(ds->y, want, (size_t)ds->ny * sizeof(float), &oom);
        if (!y)
            goto out_of_memory;
        ds->y = y;
    }
    size_t *line = nn_realloc(ds->line, want, sizeof *line, &oom);
    if (!line)
        goto out_of_memory;
    ds->line = line;
    *cap = want;
    return 0;
out_of_memory: /* the blocks already grown stay valid and are freed with ds */
    return nn_fail_at(err, at(rd, 0), "%s (after %zu rows)", oom.msg, ds->n);
}

/* Parses the selected fields of the current line into a new row of ds. */
static int add_row(nn_dataset *ds, size_t *cap, const layout *lay, const reader *rd, nn_err *err)
{
    if (grow_rows(ds, cap, rd, err) < 0)
        return -1;
    float *x = ds->x + ds->n * (size_t)ds->nx;
    for (int j = 0; j < lay->nx; j++)
        if (parse_number(rd, &rd->f[lay->in[j]], &x[j], err) < 0)
            return -1;
    if (lay->target >= 0 && parse_number(rd, &rd->f[lay->target], &ds->y[ds->n], err) < 0)
        return -1;
    ds->line[ds->n] = rd->lineno;
    ds->n++;
    return 0;
}

/* Gives back the spare capacity; keeps the larger block if the smaller one cannot be had. */
static void shrink_rows(nn_dataset *ds)
{
    float *x = nn_realloc(ds->x, ds->n, (size_t)ds->nx * sizeof(float), NULL);
    if (x)
        ds->x = x;
    if (ds->y) {
        float *y = nn_realloc(ds->y, ds->n, (size_t)ds->ny * sizeof(float), NULL);
        if (y)
            ds->y = y;
    }
    size_t *line = nn_realloc(ds->line, ds->n, sizeof *line, NULL);
    if (line)
        ds->line = line;
}

/* ---------------------------------------------------------------- public */

int nn_csv_read(const char *path, const nn_csv_opts *opts, nn_dataset *out, nn_err *err)
{
    reader rd;
    layout lay = {0};
    size_t cap = 0;
    int first = 1, rc;
    memset(out, 0, sizeof *out);
    if (reader_open(&rd, path, err) < 0)
        goto fail;

    while ((rc = next_line(&rd, err)) > 0) {
        const char *nul = memchr(rd.line, '\0', rd.line_len);
        if (nul) {
            nn_fail_at(err, at(&rd, (int)(nul - rd.line) + 1),
                       "NUL byte (expected CSV text, not a binary file)");
            goto fail;
        }
        if (skippable(rd.line))
            continue;
        if (split_fields(&rd, err) < 0)
            goto fail;
        if (first) {
            first = 0;
            lay.ncols = rd.nf;
            lay.header_line = at(&rd, 0).line;
            int header = is_header(&rd, opts->header);
            if (header && take_names(&lay, &rd, err) < 0)
                goto fail;
            if (choose_columns(&lay, &rd, opts, err) < 0)
                goto fail;
            out->nx = lay.nx;
            out->ny = lay.target >= 0;
            if (header && keep_input_names(&lay, out, err) < 0)
                goto fail;
            if (header)
                continue;
        } else if (rd.nf != lay.ncols) {
            nn_fail_at(err, at(&rd, 0), "expected %zu field%s (as on line %d), got %zu",
                       lay.ncols, lay.ncols == 1 ? "" : "s", lay.header_line, rd.nf);
            goto fail;
        }
        if (add_row(out, &cap, &lay, &rd, err) < 0)
            goto fail;
    }
    if (rc < 0)
        goto fail;
    if (out->n == 0) {
        nn_fail(err, "%s: no data rows", rd.name);
        goto fail;
    }
    shrink_rows(out);
    out->source = nn_strdup(rd.name, err);
    if (!out->source)
        goto fail;
    layout_destroy(&lay);
    if (reader_close(&rd, err) < 0) {
        nn_dataset_destroy(out);
        return -1;
    }
    return 0;
fail:
    layout_destroy(&lay);
    reader_close(&rd, NULL);
    nn_dataset_destroy(out);
    return -1;
}

nn_csv_opts nn_csv_opts_from_spec(const nn_data_spec *d, nn_target_mode mode, int expect_nx)
{
    nn_csv_opts o;
    memset(&o, 0, sizeof o);
    o.header = d->header;
    o.target = d->target;
    o.target_index = d->target_index;
    o.inputs = d->inputs;
    o.ninputs = d->ninputs;
    o.target_mode = mode;
    o.expect_nx = expect_nx;
    return o;
}
