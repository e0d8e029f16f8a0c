/* npy.h -- NumPy .npy files -> nn_array.
 *
 * The format (versions 1.0, 2.0 and 3.0):
 *   byte 0-5   "\x93NUMPY"
 *   byte 6-7   the version: major 1, 2 or 3, any minor
 *   byte 8     the header length HLEN: u16 little-endian in version 1, u32 in 2 and 3
 *   then       HLEN bytes of header: a Python dict literal with exactly the keys 'descr' (the
 *              dtype, e.g. '<f4'), 'fortran_order' (True or False) and 'shape' (a tuple of
 *              integers), padded with spaces and ended by a newline
 *   then       the elements, and nothing after.
 * Accepted dtypes: float32 and float64 ('f4', 'f8'), uint8 ('u1'), int32 and int64 ('i4',
 * 'i8'), and the other integer widths ('i1', 'i2', 'u2', 'u4', 'u8'), little ('<') or big
 * ('>') endian ('|' for one-byte types). Only C order is read: fortran_order True is refused.
 * Plain or gzip-compressed (read through zlib). */
#ifndef NN_NPY_H
#define NN_NPY_H

#include "binfile.h"
#include "err.h"

/* The longest header accepted, in bytes. */
enum { NN_NPY_MAX_HEADER = 1 << 16 };

/* 1 when a (decompressed) stream starts with the npy magic. */
int nn_npy_sniff(const unsigned char *head, size_t len);

/* Reads the .npy file at path into *out. keep_u8: uint8 data stays uint8 (out->u8); everything
 * else becomes float (out->f32). Every problem with the header or the data length is
 * "PATH: byte N: what (expected ...)". On error *out is left empty. */
int nn_npy_read(const char *path, int keep_u8, nn_array *out, nn_err *err);

#endif
