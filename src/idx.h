/* idx.h -- IDX files (the MNIST family) -> nn_array.
 *
 * The format (big-endian throughout):
 *   byte 0-1   0x00 0x00
 *   byte 2     the element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
 *              0x0E float64
 *   byte 3     the number of dimensions, 1 to NN_ARRAY_MAX_DIM
 *   byte 4     that many u32 dimensions, the first one the number of items
 *   then       the elements in C order (the last dimension varies fastest), and nothing after.
 * Images and labels live in separate files: train-images-idx3-ubyte holds [60000, 28, 28]
 * uint8, train-labels-idx1-ubyte [60000] uint8. Plain or gzip-compressed (read through zlib). */
#ifndef NN_IDX_H
#define NN_IDX_H

#include "binfile.h"
#include "err.h"

/* 1 when the first 4 bytes of a (decompressed) stream look like an IDX header. */
int nn_idx_sniff(const unsigned char *head, size_t len);

/* Reads the IDX file at path into *out. keep_u8: uint8 data stays uint8 (out->u8); every other
 * type, and uint8 when keep_u8 is 0, becomes float (out->f32). Every problem with the header or
 * the data length is "PATH: byte N: what (expected ...)". On error *out is left empty. */
int nn_idx_read(const char *path, int keep_u8, nn_array *out, nn_err *err);

#endif
