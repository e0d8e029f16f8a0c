/* idx.c -- IDX files -> nn_array; the format is described in idx.h.
 *
 * The header is read and checked in full (magic, type, dimension count, every dimension, the
 * element count) before binfile.c reads the data, which it checks against the file's size. */
#include "idx.h"

#include <stdint.h>
#include <string.h>

/* The element types by their code in byte 2; a zero size marks an unknown code. */
static nn_elem_type type_of(unsigned char code)
{
    nn_elem_type none = {0, 0, 0};
    switch (code) {
    case 0x08: return (nn_elem_type){'u', 1, 1};
    case 0x09: return (nn_elem_type){'i', 1, 1};
    case 0x0B: return (nn_elem_type){'i', 2, 1};
    case 0x0C: return (nn_elem_type){'i', 4, 1};
    case 0x0D: return (nn_elem_type){'f', 4, 1};
    case 0x0E: return (nn_elem_type){'f', 8, 1};
    default: return none;
    }
}

int nn_idx_sniff(const unsigned char *head, size_t len)
{
    return len >= 4 && head[0] == 0 && head[1] == 0 && type_of(head[2]).size != 0 &&
           head[3] >= 1 && head[3] <= NN_ARRAY_MAX_DIM;
}

int nn_idx_read(const char *path, int keep_u8, nn_array *out, nn_err *err)
{
    nn_binfile f;
    unsigned char head[4], dims[4 * NN_ARRAY_MAX_DIM];
    memset(out, 0, sizeof *out);
    if (nn_binfile_open(&f, path, err) < 0)
        return -1;
    if (nn_binfile_read(&f, head, sizeof head, "the header", err) < 0)
        goto fail;
    if (head[0] != 0 || head[1] != 0) {
        nn_fail_byte(err, path, 0, "bad magic 0x%02X 0x%02X (expected 0x00 0x00: an IDX file)",
                     head[0], head[1]);
        goto fail;
    }
    nn_elem_type t = type_of(head[2]);
    if (t.size == 0) {
        nn_fail_byte(err, path, 2, "unknown element type 0x%02X (expected 0x08 uint8, 0x09 "
                     "int8, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64)", head[2]);
        goto fail;
    }
    if (head[3] < 1 || head[3] > NN_ARRAY_MAX_DIM) {
        nn_fail_byte(err, path, 3, "%d dimensions (expected 1 to %d)", head[3],
                     NN_ARRAY_MAX_DIM);
        goto fail;
    }
    out->ndim = head[3];
    out->shape_offset = 4;
    if (nn_binfile_read(&f, dims, 4 * (size_t)out->ndim, "the dimensions", err) < 0)
        goto fail;
    for (int i = 0; i < out->ndim; i++) {
        const unsigned char *p = dims + 4 * i;
        out->dim[i] = (size_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                               (uint32_t)p[2] << 8 | (uint32_t)p[3]);
        if (out->dim[i] == 0) {
            nn_fail_byte(err, path, 4 + 4 * i, "dimension %d is 0 (expected at least 1: an "
                         "array with no elements holds no samples)", i + 1);
            goto fail;
        }
    }
    if (nn_array_check_shape(out, path, err) < 0 ||
        nn_binfile_read_data(&f, t, keep_u8, out, err) < 0)
        goto fail;
    if (nn_binfile_close(&f, err) < 0)
        goto fail;
    return 0;
fail:
    nn_binfile_close(&f, NULL);
    nn_array_destroy(out);
    return -1;
}
