/* binfile.c -- the byte reader and the array checks idx.c and npy.c share; see binfile.h.
 *
 * Data is read in chunks of CHUNK_SIZE bytes and decoded element by element into the array, so
 * byte order and element type never depend on the host: every multi-byte value is assembled
 * from its bytes. Integers become floats by plain conversion (exact up to 2^24); float64 values
 * must fit a float32. NaN and infinities are refused, as CSV refuses them: a data file holding
 * them is far more likely broken than meant. */
#include "binfile.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

enum {
    CHUNK_SIZE = 1 << 20,         /* bytes decoded at a time; a multiple of every element size */
    GZ_BUFFER = 1 << 17,          /* zlib's input buffer */
    FIRST_ELEMS = 1 << 20,        /* first allocation for data of unknown size, in elements */
};

/* ---------------------------------------------------------------- arrays */

void nn_array_destroy(nn_array *a)
{
    if (!a)
        return;
    nn_free(a->u8);
    nn_free(a->f32);
    memset(a, 0, sizeof *a);
}

void nn_array_shape_text(const nn_array *a, int first, char *buf, size_t size)
{
    size_t k = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    if (first >= a->ndim) {
        snprintf(buf, size, "[1]");
        return;
    }
    for (int i = first; i < a->ndim && k < size; i++) {
        int w = snprintf(buf + k, size - k, "%s%zu", i == first ? "[" : ", ", a->dim[i]);
        if (w < 0)
            return;
        k += (size_t)w;
    }
    if (k < size)
        snprintf(buf + k, size - k, "]");
}

const char *nn_elem_type_name(nn_elem_type t)
{
    switch (t.kind) {
    case 'u':
        return t.size == 1 ? "uint8" : t.size == 2 ? "uint16" : t.size == 4 ? "uint32" : "uint64";
    case 'i':
        return t.size == 1 ? "int8" : t.size == 2 ? "int16" : t.size == 4 ? "int32" : "int64";
    default:
        return t.size == 4 ? "float32" : "float64";
    }
}

int nn_array_check_shape(nn_array *a, const char *path, nn_err *err)
{
    size_t count = 1;
    if (a->ndim < 1 || a->ndim > NN_ARRAY_MAX_DIM)
        return nn_fail_byte(err, path, a->shape_offset, "%d dimensions (expected 1 to %d)",
                            a->ndim, NN_ARRAY_MAX_DIM);
    for (int i = 0; i < a->ndim; i++) {
        if (a->dim[i] == 0)
            return nn_fail_byte(err, path, a->shape_offset, "dimension %d is 0 (expected at "
                                "least 1: an array with no elements holds no samples)", i + 1);
        if (!nn_mul_ok(count, a->dim[i], &count) || count > NN_ARRAY_MAX_ELEMS) {
            char shape[NN_ARRAY_MAX_DIM * 24];
            nn_array_shape_text(a, 0, shape, sizeof shape);
            return nn_fail_byte(err, path, a->shape_offset, "shape %s holds more than %zu "
                                "elements (expected at most %zu)", shape, NN_ARRAY_MAX_ELEMS,
                                NN_ARRAY_MAX_ELEMS);
        }
    }
    a->count = count;
    return 0;
}

/* ---------------------------------------------------------------- reading bytes */

int nn_binfile_open(nn_binfile *f, const char *path, nn_err *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->size = -1;
    errno = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nn_fail_io(err, path, "cannot open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nn_fail_io(err, path, "cannot open", e);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return nn_fail(err, "%s: is a directory (expected a data file)", path);
    }
    errno = 0;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        int e = errno ? errno : ENOMEM;
        close(fd);
        return nn_fail_io(err, path, "cannot open", e);
    }
    gzbuffer(f->gz, GZ_BUFFER);
    if (S_ISREG(st.st_mode) && gzdirect(f->gz))
        f->size = (long long)st.st_size;
    return 0;
}

/* The message for a short read that gzread did not report as an error. */
static int read_failed(nn_binfile *f, int saved_errno, nn_err *err)
{
    int zerr = Z_OK;
    const char *msg = gzerror(f->gz, &zerr);
    if (zerr == Z_ERRNO)
        return nn_fail_io(err, f->path, "cannot read", saved_errno ? saved_errno : EIO);
    if (zerr == Z_BUF_ERROR)
        return nn_fail_byte(err, f->path, f->pos, "the compressed data ends early: %s "
                            "(a truncated .gz file?)", msg);
    return nn_fail_byte(err, f->path, f->pos, "cannot decompress: %s (a damaged .gz file?)",
                        msg);
}

int nn_binfile_read_some(nn_binfile *f, void *buf, size_t len, size_t *got, nn_err *err)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        if (want > (size_t)INT_MAX)
            want = (size_t)INT_MAX;
        errno = 0;
        int n = gzread(f->gz, p + *got, (unsigned)want);
        int saved = errno;
        if (n < 0)
            return read_failed(f, saved, err);
        if (n == 0) {
            int zerr = Z_OK;
            gzerror(f->gz, &zerr);
            if (zerr != Z_OK)
                return read_failed(f, saved, err);
            break;
        }
        *got += (size_t)n;
        f->pos += n;
    }
    return 0;
}

int nn_binfile_read(nn_binfile *f, void *buf, size_t len, const char *what, nn_err *err)
{
    size_t got;
    if (nn_binfile_read_some(f, buf, len, &got, err) < 0)
        return -1;
    if (got < len)
        return nn_fail_byte(err, f->path, f->pos, "the file ends inside %s (expected %zu "
                            "bytes, got %zu)", what, len, got);
    return 0;
}

int nn_binfile_close(nn_binfile *f, nn_err *err)
{
    int rc = 0;
    if (f->gz) {
        errno = 0;
        int zrc = gzclose_r(f->gz);
        /* zlib may report a stream cut short only here, once the bytes read are used up. */
        if (zrc == Z_BUF_ERROR)
            rc = nn_fail_byte(err, f->path, f->pos, "the compressed data ends early (a "
                              "truncated .gz file?)");
        else if (zrc != Z_OK)
            rc = zrc == Z_ERRNO ? nn_fail_io(err, f->path, "cannot close", errno)
                                : nn_fail(err, "%s: cannot close (zlib error %d)", f->path, zrc);
        f->gz = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- decoding */

static uint64_t load_uint(const unsigned char *p, int size, int big_endian)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
    return v;
}

/* The value of one stored element as a double. */
static double element(const unsigned char *p, nn_elem_type t)
{
    uint64_t u = load_uint(p, t.size, t.big_endian);
    if (t.kind == 'u')
        return (double)u;
    if (t.kind == 'i') {
        int bits = 8 * t.size;
        uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
        if ((u >> (bits - 1)) & 1) /* negative, in two's complement */
            return -(double)((~u + 1) & mask);
        return (double)u;
    }
    if (t.size == 4) {
        uint32_t u32 = (uint32_t)u;
        float v;
        memcpy(&v, &u32, sizeof v);
        return (double)v;
    }
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Decodes n elements of src into dst; returns n, or the index of the first value a float cannot
 * hold (NaN, infinite, or beyond FLT_MAX). */
static size_t decode(const unsigned char *src, size_t n, nn_elem_type t, float *dst)
{
    if (t.kind == 'u' && t.size == 1) {
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        double v = element(src + i * (size_t)t.size, t);
        if (t.kind == 'f' && !(fabs(v) <= FLT_MAX))
            return i;
        dst[i] = (float)v;
    }
    return n;
}

/* Grows the data buffer of a to at least `need` elements (at most a->count). */
static int grow(nn_array *a, size_t *cap, size_t need, size_t out_size, nn_err *err)
{
    if (need <= *cap)
        return 0;
    size_t want = *cap * 2 > need ? *cap * 2 : need;
    if (want > a->count)
        want = a->count;
    void *old = out_size == 1 ? (void *)a->u8 : (void *)a->f32;
    void *p = nn_realloc(old, want, out_size, err);
    if (!p)
        return -1;
    if (out_size == 1)
        a->u8 = p;
    else
        a->f32 = p;
    *cap = want;
    return 0;
}

int nn_binfile_read_data(nn_binfile *f, nn_elem_type t, int keep_u8, nn_array *a, nn_err *err)
{
    size_t esize = (size_t)t.size, bytes;
    a->type = t;
    a->data_offset = f->pos;
    if (!nn_mul_ok(a->count, esize, &bytes))
        return nn_fail_byte(err, f->path, f->pos, "%zu elements of %zu bytes are too many",
                            a->count, esize);
    char shape[NN_ARRAY_MAX_DIM * 24];
    nn_array_shape_text(a, 0, shape, sizeof shape);
    if (f->size >= 0) {
        long long left = f->size - f->pos;
        if (left < 0 || (unsigned long long)left < (unsigned long long)bytes)
            return nn_fail_byte(err, f->path, f->pos, "the header announces %zu bytes of data "
                                "(%s %s), but the file holds only %lld more (a truncated "
                                "file?)", bytes, shape, nn_elem_type_name(t),
                                left < 0 ? 0 : left);
        if ((unsigned long long)left > (unsigned long long)bytes)
            return nn_fail_byte(err, f->path, f->pos + (long long)bytes, "%lld bytes after the "
                                "data (expected the file to end after %zu bytes of %s %s)",
                                left - (long long)bytes, bytes, shape, nn_elem_type_name(t));
    }

    int as_u8 = keep_u8 && t.kind == 'u' && t.size == 1;
    size_t out_size = as_u8 ? 1 : sizeof(float);
    /* A plain file was just checked to hold all of it; a compressed one proves it as it goes. */
    size_t cap = f->size >= 0 || a->count < FIRST_ELEMS ? a->count : FIRST_ELEMS;
    void *buf = nn_alloc(cap, out_size, err);
    unsigned char *chunk = as_u8 ? NULL : nn_alloc(CHUNK_SIZE, 1, err);
    if (!buf || (!as_u8 && !chunk)) {
        nn_free(buf);
        return -1;
    }
    if (as_u8)
        a->u8 = buf;
    else
        a->f32 = buf;

    size_t done = 0;
    while (done < a->count) {
        size_t n = a->count - done;
        if (n > CHUNK_SIZE / esize)
            n = CHUNK_SIZE / esize;
        if (grow(a, &cap, done + n, out_size, err) < 0)
            goto fail;
        unsigned char *dst = as_u8 ? a->u8 + done : chunk;
        size_t got;
        if (nn_binfile_read_some(f, dst, n * esize, &got, err) < 0)
            goto fail;
        if (got < n * esize) {
            nn_fail_byte(err, f->path, f->pos, "the file ends inside the data: %zu of %zu "
                         "elements of %s %s read (a truncated file?)", done + got / esize,
                         a->count, shape, nn_elem_type_name(t));
            goto fail;
        }
        if (!as_u8) {
            size_t ok = decode(chunk, n, t, a->f32 + done);
            if (ok < n) {
                long long at = a->data_offset + (long long)((done + ok) * esize);
                nn_fail_byte(err, f->path, at, "value %g at element %zu is not a finite "
                             "float32 (expected finite numbers below %g)",
                             element(chunk + ok * esize, t), done + ok, (double)FLT_MAX);
                goto fail;
            }
        }
        done += n;
    }
    if (f->size < 0) {
        unsigned char extra[64];
        size_t got;
        if (nn_binfile_read_some(f, extra, sizeof extra, &got, err) < 0)
            goto fail;
        if (got > 0) {
            nn_fail_byte(err, f->path, f->pos - (long long)got, "more bytes after the data "
                         "(expected the file to end after %zu bytes of %s %s)", bytes, shape,
                         nn_elem_type_name(t));
            goto fail;
        }
    }
    nn_free(chunk);
    return 0;
fail:
    nn_free(chunk);
    nn_free(a->u8);
    nn_free(a->f32);
    a->u8 = NULL;
    a->f32 = NULL;
    return -1;
}
