/* binfile.h -- what the binary array loaders (idx.c, npy.c) share: a byte reader over zlib that
 * counts offsets and knows a plain file's size, and nn_array, the n-dimensional array they fill.
 *
 * The reader goes through gzread, which passes a plain file through untouched, so plain and
 * gzip-compressed files read alike. Offsets in messages count bytes of the (decompressed) stream
 * from 0. Header values are checked before they are trusted: every dimension at least 1, at most
 * NN_ARRAY_MAX_ELEMS elements in all, and, for a plain file, no more data than the file holds.
 * A compressed file's size is unknown until it is read, so its data is read incrementally into a
 * buffer that grows as bytes arrive: a header that lies about the size costs an error, never a
 * large allocation. */
#ifndef NN_BINFILE_H
#define NN_BINFILE_H

#include <stddef.h>
#include <zlib.h>

#include "err.h"

enum { NN_ARRAY_MAX_DIM = 8 };

/* The most elements one array may hold (2^31), whatever its header claims. */
#define NN_ARRAY_MAX_ELEMS ((size_t)1 << 31)

/* How one element is stored in a file. */
typedef struct nn_elem_type {
    char kind;        /* 'u' unsigned integer, 'i' signed integer, 'f' IEEE float */
    int size;         /* bytes: 1, 2, 4 or 8 (floats: 4 or 8) */
    int big_endian;   /* byte order of multi-byte elements */
} nn_elem_type;

/* An array read from a file: its shape and its values, kept as stored when the file holds uint8
 * (and the caller asked for that), converted to float otherwise. */
typedef struct nn_array {
    int ndim;                       /* 1..NN_ARRAY_MAX_DIM */
    size_t dim[NN_ARRAY_MAX_DIM];   /* each >= 1 */
    size_t count;                   /* product of the dims, <= NN_ARRAY_MAX_ELEMS */
    nn_elem_type type;              /* as stored in the file */
    unsigned char *u8;              /* (count) the stored bytes, when kept as uint8; else NULL */
    float *f32;                     /* (count) the values as floats otherwise; else NULL */
    long long shape_offset;         /* byte of the file where the shape is stated */
    long long data_offset;          /* byte where the data starts */
} nn_array;

/* Frees what a owns and zeroes it. */
void nn_array_destroy(nn_array *a);

/* "[60000, 28, 28]" for dims first..ndim-1 of a (first = 1: the shape of one sample). */
void nn_array_shape_text(const nn_array *a, int first, char *buf, size_t size);

/* "uint8", "float32", "int64", ... */
const char *nn_elem_type_name(nn_elem_type t);

typedef struct nn_binfile {
    gzFile gz;
    const char *path;   /* borrowed, for messages */
    long long pos;      /* bytes read so far */
    long long size;     /* the plain file's size, or -1 when compressed (unknown) */
} nn_binfile;

/* Opens path (a regular file, plain or gzip) for reading. */
int nn_binfile_open(nn_binfile *f, const char *path, nn_err *err);

/* Reads exactly len bytes into buf. Running out gives "FILE: byte POS: the file ends inside
 * WHAT (expected LEN bytes, got K)". */
int nn_binfile_read(nn_binfile *f, void *buf, size_t len, const char *what, nn_err *err);

/* Reads up to len bytes; *got tells how many (fewer only at the end of the file). */
int nn_binfile_read_some(nn_binfile *f, void *buf, size_t len, size_t *got, nn_err *err);

/* Closes f; -1 when zlib reports an error on closing. f may be closed already. */
int nn_binfile_close(nn_binfile *f, nn_err *err);

/* Checks a's shape (a->ndim, a->dim, a->shape_offset set by the caller) and fills a->count:
 * every dimension at least 1 and their product at most NN_ARRAY_MAX_ELEMS, each failure named
 * "FILE: byte N: what (expected ...)". */
int nn_array_check_shape(nn_array *a, const char *path, nn_err *err);

/* Reads a->count elements of type t from the current position to the end of the file into a:
 * a->u8 when keep_u8 and t is uint8, else a->f32. For a plain file the data must fit in what
 * is left of it (checked before allocating); every file must end right after the data. Float
 * values must be finite and within float range. */
int nn_binfile_read_data(nn_binfile *f, nn_elem_type t, int keep_u8, nn_array *a, nn_err *err);

#endif
