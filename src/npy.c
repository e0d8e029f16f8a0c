/* npy.c -- NumPy .npy files -> nn_array; the format is described in npy.h.
 *
 * The header dict is parsed by a small strict reader of exactly the Python literals NumPy
 * writes: strings in single or double quotes (no escapes), True and False, and tuples of
 * non-negative integers (a trailing comma allowed, an 'L' suffix tolerated as Python 2 wrote
 * it). Whitespace may separate tokens; anything else is an error at its byte. */
#include "npy.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

enum {
    MAGIC_LEN = 6,
    SHOW_MAX = 24,      /* bytes of a bad token quoted in a message */
};

/* ---------------------------------------------------------------- the header dict */

typedef struct hdr {
    const char *s;      /* the header text (not NUL-terminated) */
    size_t len, i;      /* its length and the read position */
    long long base;     /* the file offset of s[0] */
    const char *path;
    nn_err *err;
} hdr;

static int fail_here(hdr *h, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_here(hdr *h, size_t at, const char *fmt, ...)
{
    char msg[NN_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nn_fail_byte(h->err, h->path, h->base + (long long)at, "%s", msg);
}

/* Writes the bytes at h->i for a message: printable ASCII, cut at SHOW_MAX. */
static void show_here(const hdr *h, char *buf, size_t size)
{
    size_t k = 0;
    if (h->i >= h->len) {
        snprintf(buf, size, "the end of the header");
        return;
    }
    buf[k++] = '\'';
    for (size_t j = h->i; j < h->len && j < h->i + SHOW_MAX && k + 5 < size; j++) {
        unsigned char c = (unsigned char)h->s[j];
        buf[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    if (h->i + SHOW_MAX < h->len && k + 5 < size) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k++] = '\'';
    buf[k] = '\0';
}

static int unexpected(hdr *h, const char *expected)
{
    char got[SHOW_MAX + 16];
    show_here(h, got, sizeof got);
    return fail_here(h, h->i, "bad header: expected %s, got %s", expected, got);
}

static void skip_ws(hdr *h)
{
    while (h->i < h->len && (h->s[h->i] == ' ' || h->s[h->i] == '\t' || h->s[h->i] == '\n' ||
                             h->s[h->i] == '\r'))
        h->i++;
}

static int peek(const hdr *h)
{
    return h->i < h->len ? (unsigned char)h->s[h->i] : -1;
}

static int expect_char(hdr *h, char c, const char *expected)
{
    skip_ws(h);
    if (peek(h) != (unsigned char)c)
        return unexpected(h, expected);
    h->i++;
    return 0;
}

/* A quoted string into buf (at most size - 1 bytes). */
static int parse_string(hdr *h, char *buf, size_t size, const char *expected)
{
    skip_ws(h);
    int q = peek(h);
    if (q != '\'' && q != '"')
        return unexpected(h, expected);
    size_t start = h->i++;
    size_t k = 0;
    for (;;) {
        int c = peek(h);
        if (c < 0)
            return fail_here(h, start, "bad header: unterminated string (expected a closing "
                                       "%c)", q);
        if (c == q)
            break;
        if (c == '\\' || c < 0x20 || c >= 0x7F)
            return fail_here(h, h->i, "bad header: byte 0x%02X in a string (expected plain "
                                      "ASCII text)", (unsigned)c);
        if (k + 1 >= size)
            return fail_here(h, start, "bad header: string longer than %zu bytes (expected %s)",
                             size - 1, expected);
        buf[k++] = (char)c;
        h->i++;
    }
    h->i++;
    buf[k] = '\0';
    return 0;
}

static int word_here(const hdr *h, const char *w)
{
    size_t n = strlen(w);
    return h->len - h->i >= n && memcmp(h->s + h->i, w, n) == 0;
}

/* The dtype string, e.g. '<f4' or '|u1'. */
static int parse_descr(hdr *h, nn_elem_type *t)
{
    char d[16] = {0};
    skip_ws(h);
    size_t at = h->i;
    if (parse_string(h, d, sizeof d, "a dtype string such as '<f4'") < 0)
        return -1;
    char order = d[0], kind = d[1];
    int size = d[2] >= '1' && d[2] <= '8' && d[3] == '\0' ? d[2] - '0' : 0;
    int ok = strlen(d) == 3 && (order == '<' || order == '>' || order == '|') &&
             (kind == 'u' || kind == 'i' || kind == 'f') &&
             (size == 1 || size == 2 || size == 4 || size == 8) &&
             (kind != 'f' || size >= 4) && (order != '|' || size == 1);
    if (!ok)
        return fail_here(h, at, "dtype '%s' is not supported (expected float32, float64, uint8, "
                                "int32 or int64 as '<f4', '<f8', '|u1', '<i4', '<i8', or another "
                                "integer width; '>' for big-endian)", d);
    t->kind = kind;
    t->size = size;
    t->big_endian = order == '>';
    return 0;
}

static int parse_bool(hdr *h, int *v)
{
    skip_ws(h);
    if (word_here(h, "True")) {
        h->i += 4;
        *v = 1;
    } else if (word_here(h, "False")) {
        h->i += 5;
        *v = 0;
    } else {
        return unexpected(h, "True or False");
    }
    return 0;
}

/* A non-negative integer dimension; values beyond NN_ARRAY_MAX_ELEMS are refused here so
 * nothing overflows. */
static int parse_dim(hdr *h, size_t *v)
{
    size_t start = h->i;
    uint64_t x = 0;
    int digits = 0;
    while (peek(h) >= '0' && peek(h) <= '9') {
        x = x * 10 + (uint64_t)(peek(h) - '0');
        if (x > NN_ARRAY_MAX_ELEMS)
            return fail_here(h, start, "bad header: dimension larger than %zu (expected at "
                                       "most %zu elements in all)", NN_ARRAY_MAX_ELEMS,
                             NN_ARRAY_MAX_ELEMS);
        h->i++;
        digits++;
    }
    if (!digits)
        return unexpected(h, "a dimension (a non-negative integer)");
    if (peek(h) == 'L')
        h->i++;
    *v = (size_t)x;
    return 0;
}

/* The shape tuple into a->ndim and a->dim; a->shape_offset gets its byte. */
static int parse_shape(hdr *h, nn_array *a)
{
    skip_ws(h);
    a->shape_offset = h->base + (long long)h->i;
    if (expect_char(h, '(', "a shape tuple such as (60000, 28, 28)") < 0)
        return -1;
    a->ndim = 0;
    for (;;) {
        skip_ws(h);
        if (peek(h) == ')')
            break;
        if (a->ndim == NN_ARRAY_MAX_DIM)
            return fail_here(h, h->i, "bad header: more than %d dimensions (expected 1 to %d)",
                             NN_ARRAY_MAX_DIM, NN_ARRAY_MAX_DIM);
        if (parse_dim(h, &a->dim[a->ndim]) < 0)
            return -1;
        a->ndim++;
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            continue;
        }
        if (peek(h) != ')')
            return unexpected(h, "',' or ')' in the shape tuple");
    }
    h->i++;
    return 0;
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4, KEY_ALL = 7 };

/* Parses the whole dict: descr into *t, the shape into a; refuses fortran order. */
static int parse_dict(hdr *h, nn_elem_type *t, nn_array *a)
{
    unsigned seen = 0;
    if (expect_char(h, '{', "'{' (a Python dict)") < 0)
        return -1;
    for (;;) {
        skip_ws(h);
        if (peek(h) == '}')
            break;
        char key[32];
        size_t at = h->i;
        if (parse_string(h, key, sizeof key, "a key: 'descr', 'fortran_order' or 'shape'") < 0)
            return -1;
        unsigned which = strcmp(key, "descr") == 0           ? KEY_DESCR
                         : strcmp(key, "fortran_order") == 0 ? KEY_FORTRAN
                         : strcmp(key, "shape") == 0         ? KEY_SHAPE
                                                             : 0;
        if (!which)
            return fail_here(h, at, "bad header: unknown key '%s' (expected descr, "
                                    "fortran_order and shape)", key);
        if (seen & which)
            return fail_here(h, at, "bad header: key '%s' given twice", key);
        seen |= which;
        if (expect_char(h, ':', "':' after the key") < 0)
            return -1;
        if (which == KEY_DESCR) {
            if (parse_descr(h, t) < 0)
                return -1;
        } else if (which == KEY_SHAPE) {
            if (parse_shape(h, a) < 0)
                return -1;
        } else {
            int fortran = 0;
            skip_ws(h);
            size_t vat = h->i;
            if (parse_bool(h, &fortran) < 0)
                return -1;
            if (fortran)
                return fail_here(h, vat, "fortran_order is True: only C-order arrays are read "
                                         "(expected False; save a C-order copy, e.g. with "
                                         "numpy.ascontiguousarray)");
        }
        skip_ws(h);
        if (peek(h) == ',') {
            h->i++;
            continue;
        }
        if (peek(h) != '}')
            return unexpected(h, "',' or '}'");
    }
    if (seen != KEY_ALL)
        return fail_here(h, h->i, "bad header: no '%s' (expected descr, fortran_order and "
                                  "shape)", !(seen & KEY_DESCR)     ? "descr"
                                            : !(seen & KEY_FORTRAN) ? "fortran_order"
                                                                    : "shape");
    h->i++;
    skip_ws(h);
    if (h->i < h->len)
        return unexpected(h, "only spaces and a newline after the dict");
    if (a->ndim == 0)
        return nn_fail_byte(h->err, h->path, a->shape_offset, "shape () is a single value "
                            "(expected at least one dimension: the samples)");
    return 0;
}

/* ---------------------------------------------------------------- the file */

int nn_npy_sniff(const unsigned char *head, size_t len)
{
    return len >= MAGIC_LEN && memcmp(head, "\x93NUMPY", MAGIC_LEN) == 0;
}

int nn_npy_read(const char *path, int keep_u8, nn_array *out, nn_err *err)
{
    nn_binfile f;
    unsigned char pre[12];
    char *text = NULL;
    memset(out, 0, sizeof *out);
    if (nn_binfile_open(&f, path, err) < 0)
        return -1;
    if (nn_binfile_read(&f, pre, 10, "the header", err) < 0)
        goto fail;
    if (!nn_npy_sniff(pre, 10)) {
        nn_fail_byte(err, path, 0, "bad magic (expected \"\\x93NUMPY\": a .npy file)");
        goto fail;
    }
    if (pre[6] < 1 || pre[6] > 3) {
        nn_fail_byte(err, path, 6, "format version %d.%d (expected 1.x, 2.x or 3.x)", pre[6],
                     pre[7]);
        goto fail;
    }
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (pre[6] > 1) {
        if (nn_binfile_read(&f, pre + 10, 2, "the header", err) < 0)
            goto fail;
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (hlen == 0 || hlen > NN_NPY_MAX_HEADER) {
        nn_fail_byte(err, path, 8, "header length %zu (expected 1 to %d bytes)", hlen,
                     NN_NPY_MAX_HEADER);
        goto fail;
    }
    long long base = f.pos;
    if (f.size >= 0 && (unsigned long long)(f.size - base) < hlen) {
        nn_fail_byte(err, path, 8, "header length %zu, but the file holds only %lld more bytes "
                     "(a truncated file?)", hlen, f.size - base);
        goto fail;
    }
    text = nn_alloc(hlen, 1, err);
    if (!text || nn_binfile_read(&f, text, hlen, "the header", err) < 0)
        goto fail;
    hdr h = {text, hlen, 0, base, path, err};
    nn_elem_type t = {0, 0, 0};
    if (parse_dict(&h, &t, out) < 0 || nn_array_check_shape(out, path, err) < 0 ||
        nn_binfile_read_data(&f, t, keep_u8, out, err) < 0)
        goto fail;
    nn_free(text);
    text = NULL;
    if (nn_binfile_close(&f, err) < 0)
        goto fail;
    return 0;
fail:
    nn_free(text);
    nn_binfile_close(&f, NULL);
    nn_array_destroy(out);
    return -1;
}
