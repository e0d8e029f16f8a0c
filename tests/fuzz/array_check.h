/* array_check.h -- the check fuzz_idx.c and fuzz_npy.c share: read the bytes with one of the
 * binary array loaders, once keeping uint8 data as bytes and once converting everything to
 * float, and hold both results to binfile.h's promises. */
#ifndef NN_FUZZ_ARRAY_CHECK_H
#define NN_FUZZ_ARRAY_CHECK_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "binfile.h"
#include "fuzz.h"

typedef int (*array_reader)(const char *path, int keep_u8, nn_array *out, nn_err *err);

/* Checks one result of reader(path, keep_u8); returns rc. */
static inline int array_read_checked(array_reader reader, const char *path, int keep_u8,
                                     nn_array *a)
{
    nn_err err;
    memset(&err, 0, sizeof err);
    int rc = reader(path, keep_u8, a, &err);
    if (rc < 0) {
        fuzz_check_message(&err);
        if (a->u8 || a->f32 || a->count || a->ndim)
            fuzz_fail("a failed read left a non-empty array", &err);
        return rc;
    }
    size_t count = 1;
    if (a->ndim < 1 || a->ndim > NN_ARRAY_MAX_DIM)
        fuzz_fail("an array with a bad dimension count", NULL);
    for (int i = 0; i < a->ndim; i++) {
        if (a->dim[i] < 1)
            fuzz_fail("an array with an empty dimension", NULL);
        count *= a->dim[i];
    }
    if (count != a->count || count > NN_ARRAY_MAX_ELEMS)
        fuzz_fail("the element count is not the product of the dims", NULL);
    int as_u8 = keep_u8 && a->type.kind == 'u' && a->type.size == 1;
    if (as_u8 ? (!a->u8 || a->f32) : (!a->f32 || a->u8))
        fuzz_fail("the data is not kept in the form asked for", NULL);
    for (size_t i = 0; !as_u8 && i < count; i++)
        if (!isfinite(a->f32[i]))
            fuzz_fail("a non-finite value was accepted", NULL);
    if (as_u8) {
        volatile unsigned sum = 0; /* touches every byte, so ASan sees a short buffer */
        for (size_t i = 0; i < count; i++)
            sum += a->u8[i];
        (void)sum;
    }
    return rc;
}

/* Reads the bytes both ways; the two reads must agree. */
static inline void array_check(array_reader reader, const uint8_t *data, size_t size)
{
    char path[300];
    nn_array kept, floats;
    fuzz_file("input", data, size, path, sizeof path);
    int rc1 = array_read_checked(reader, path, 1, &kept);
    int rc2 = array_read_checked(reader, path, 0, &floats);
    if (rc1 != rc2)
        fuzz_fail("keep_u8 changed whether the file is accepted", NULL);
    if (rc1 == 0) {
        if (kept.ndim != floats.ndim || kept.count != floats.count ||
            memcmp(kept.dim, floats.dim, sizeof kept.dim) != 0)
            fuzz_fail("keep_u8 changed the shape", NULL);
        for (size_t i = 0; kept.u8 && i < kept.count; i++)
            if ((float)kept.u8[i] != floats.f32[i])
                fuzz_fail("uint8 values kept as bytes differ from their floats", NULL);
    }
    nn_array_destroy(&kept);
    nn_array_destroy(&floats);
}

#endif
