/* fuzz_weights.c -- libFuzzer target: the .nnw reader (nn_weights_read), and the writer on
 * whatever the reader accepts.
 *
 * The bytes are the file, except that when they start with the magic and hold at least the
 * header and checksum, the last four bytes are replaced by the right CRC-32: a mutated file
 * would otherwise almost never get past the checksum to the sections behind it. (The checksum
 * test itself is in tests/unit/test_weights.c.)
 * Promises checked: a failure leaves one single-line message and an empty struct; whatever is
 * read obeys the format's rules (column names included: present and unique), is accepted by
 * nn_weights_write (the writer refuses anything the reader would), and reads back from the
 * written file equal to what was written. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "weights.h"
#include "xalloc.h"

static void check_struct(const nn_weights *w)
{
    if (!w->conf || w->ntensors < 1 || !w->tensors || w->nmeta < 0 || w->prep.n < 0)
        fuzz_fail("read a struct without config text or tensors", NULL);
    for (int t = 0; t < w->ntensors; t++) {
        const nn_tensor *ts = &w->tensors[t];
        size_t n = 1;
        if (ts->shape.ndim < 1 || ts->shape.ndim > NN_MAX_DIM || !ts->data ||
            strnlen(ts->name, NN_TENSOR_NAME_MAX) == NN_TENSOR_NAME_MAX)
            fuzz_fail("read a malformed tensor", NULL);
        for (int i = 0; i < ts->shape.ndim; i++)
            n *= (size_t)ts->shape.dim[i];
        volatile float sum = 0; /* touches every value, so ASan sees a short buffer */
        for (size_t i = 0; i < n; i++)
            sum += ts->data[i];
        (void)sum;
    }
    if (w->prep.n > 0 && (!w->prep.shift || !w->prep.mul))
        fuzz_fail("read preprocessing without its arrays", NULL);
    if (!isfinite(w->prep.scale))
        fuzz_fail("read a non-finite preprocessing scale", NULL);
    for (int e = 0; e < w->nmeta; e++)
        if (!w->meta[e].key || !w->meta[e].value ||
            nn_weights_meta(w, w->meta[e].key) != w->meta[e].value)
            fuzz_fail("read a metadata entry that cannot be looked up", NULL);
    if (w->ncolumns < 0 || (w->ncolumns > 0) != (w->columns != NULL))
        fuzz_fail("read a column count that does not match the names", NULL);
    for (int k = 0; k < w->ncolumns; k++) {
        if (!w->columns[k])
            fuzz_fail("read a missing column name", NULL);
        for (int j = 0; j < k; j++)
            if (strcmp(w->columns[j], w->columns[k]) == 0)
                fuzz_fail("read a repeated column name", NULL);
    }
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* The training state (OPTM or OPT2) must survive the round trip; `best` counts only with a
 * best epoch (the writer stores 0 otherwise). */
static void check_state_equal(const nn_train_state *a, const nn_train_state *b)
{
    if (!a || !b) {
        if (a || b)
            fuzz_fail("write -> read lost or invented the training state", NULL);
        return;
    }
    if (strcmp(a->optim, b->optim) != 0 || a->nslots != b->nslots ||
        a->nvalues != b->nvalues || a->step != b->step || a->epochs_done != b->epochs_done ||
        a->flags != b->flags || memcmp(a->rng, b->rng, sizeof a->rng) != 0 ||
        a->nrows != b->nrows || a->monitor != b->monitor || a->best_epoch != b->best_epoch ||
        a->wait != b->wait || (a->best_epoch > 0 && memcmp(&a->best, &b->best, sizeof a->best)) ||
        a->nbest != b->nbest || !same_floats(a->best_values, b->best_values, a->nbest) ||
        !same_floats(a->slots, b->slots, a->nvalues * (size_t)a->nslots) ||
        (a->nrows && memcmp(a->order, b->order, a->nrows * sizeof *a->order) != 0) ||
        a->rows_done != b->rows_done || a->nparts != b->nparts ||
        (a->nparts && memcmp(a->parts, b->parts, (size_t)a->nparts * sizeof *a->parts) != 0) ||
        memcmp(&a->last, &b->last, sizeof a->last) != 0 ||
        memcmp(&a->best_record, &b->best_record, sizeof a->best_record) != 0 ||
        a->ncurrent != b->ncurrent || !same_floats(a->current, b->current, a->ncurrent))
        fuzz_fail("write -> read changed the training state", NULL);
}

static void check_equal(const nn_weights *a, const nn_weights *b)
{
    if (strcmp(a->conf, b->conf) != 0 || a->ntensors != b->ntensors || a->nmeta != b->nmeta ||
        memcmp(&a->prep.scale, &b->prep.scale, sizeof a->prep.scale) != 0 ||
        a->prep.kind != b->prep.kind || a->prep.n != b->prep.n ||
        !same_floats(a->prep.shift, b->prep.shift, (size_t)a->prep.n) ||
        !same_floats(a->prep.mul, b->prep.mul, (size_t)a->prep.n))
        fuzz_fail("write -> read changed the config, the counts or the preprocessing", NULL);
    for (int t = 0; t < a->ntensors; t++) {
        const nn_tensor *x = &a->tensors[t], *y = &b->tensors[t];
        size_t n = 1;
        for (int i = 0; i < x->shape.ndim; i++)
            n *= (size_t)x->shape.dim[i];
        if (strcmp(x->name, y->name) != 0 || x->shape.ndim != y->shape.ndim ||
            memcmp(x->shape.dim, y->shape.dim, sizeof x->shape.dim[0] * (size_t)x->shape.ndim) ||
            !same_floats(x->data, y->data, n))
            fuzz_fail("write -> read changed a tensor", NULL);
    }
    for (int e = 0; e < a->nmeta; e++)
        if (strcmp(a->meta[e].key, b->meta[e].key) != 0 ||
            strcmp(a->meta[e].value, b->meta[e].value) != 0)
            fuzz_fail("write -> read changed a metadata entry", NULL);
    if (a->ncolumns != b->ncolumns)
        fuzz_fail("write -> read changed the column count", NULL);
    for (int k = 0; k < a->ncolumns; k++)
        if (strcmp(a->columns[k], b->columns[k]) != 0)
            fuzz_fail("write -> read changed a column name", NULL);
    check_state_equal(a->state, b->state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *bytes = nn_alloc(size, 1, NULL);
    if (!bytes)
        return 0;
    if (size > 0)
        memcpy(bytes, data, size);
    if (size >= 16 && memcmp(bytes, "NNW", 4) == 0) {
        uLong crc = crc32(crc32(0L, Z_NULL, 0), bytes, (uInt)(size - 4));
        for (int i = 0; i < 4; i++)
            bytes[size - 4 + (size_t)i] = (unsigned char)((crc >> (8 * i)) & 0xff);
    }
    char in[300], out[300];
    fuzz_file("input", bytes, size, in, sizeof in);
    nn_free(bytes);

    nn_weights w, back;
    nn_err err;
    memset(&err, 0, sizeof err);
    if (nn_weights_read(in, &w, &err) < 0) {
        fuzz_check_message(&err);
        if (w.conf || w.tensors || w.ntensors || w.meta || w.nmeta || w.prep.shift ||
            w.columns || w.ncolumns)
            fuzz_fail("a failed read left a non-empty struct", &err);
        return 0;
    }
    check_struct(&w);
    fuzz_path("output", out, sizeof out);
    if (nn_weights_write(out, &w, &err) < 0)
        fuzz_fail("nn_weights_write refused what nn_weights_read accepted", &err);
    if (nn_weights_read(out, &back, &err) < 0)
        fuzz_fail("nn_weights_read refused what nn_weights_write wrote", &err);
    check_equal(&w, &back);
    nn_weights_destroy(&back);
    nn_weights_destroy(&w);
    return 0;
}
