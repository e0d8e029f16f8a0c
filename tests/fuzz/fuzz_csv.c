/* fuzz_csv.c -- libFuzzer target: the CSV reader (nn_csv_read), plain or gzip-compressed.
 *
 * The first two bytes choose the options, the rest is the file (written to a private file,
 * since the reader takes a path and goes through zlib, which also inflates a gzip stream):
 *   byte 0: header mode (% 3: auto, yes, no); target mode (/ 3 % 3: required, none,
 *           optional); target by name (/ 9 % 2); inputs listed by the selector below (/ 18 % 2)
 *   byte 1: target index (% 8 - 1, so -1..6); expected input count (/ 8 % 5, 0 = any);
 *           which input list (/ 40 % 3)
 * Promises checked: a failure leaves one single-line message and an empty dataset; a dataset
 * has rows, the input count asked for, one target column exactly when there is a target, a
 * finite number in every cell and a line number for every row. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

static char *const inputs_a[] = {"0", "1"};
static char *const inputs_b[] = {"a", "b", "2"};
static char *const inputs_c[] = {"-1", "99999999999999999999", "x"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned b0 = data[0], b1 = data[1];
    nn_csv_opts o;
    memset(&o, 0, sizeof o);
    o.header = (nn_header)(b0 % 3);
    o.target_mode = (nn_target_mode)(b0 / 3 % 3);
    o.target = b0 / 9 % 2 ? "y" : NULL;
    o.target_index = (int)(b1 % 8) - 1;
    o.expect_nx = (int)(b1 / 8 % 5);
    if (b0 / 18 % 2) {
        unsigned which = b1 / 40 % 3;
        o.inputs = which == 0 ? inputs_a : which == 1 ? inputs_b : inputs_c;
        o.ninputs = which == 0 ? 2 : 3;
    }

    char path[300];
    fuzz_file("input", data + 2, size - 2, path, sizeof path);
    nn_dataset ds;
    nn_err err;
    memset(&err, 0, sizeof err);
    if (nn_csv_read(path, &o, &ds, &err) < 0) {
        fuzz_check_message(&err);
        if (ds.n || ds.x || ds.y || ds.line || ds.source)
            fuzz_fail("a failed read left a non-empty dataset", &err);
        return 0;
    }
    int want_ny = o.target_mode == NN_TARGET_REQUIRED;
    if (ds.n == 0 || ds.nx < 1 || !ds.x || !ds.line || !ds.source)
        fuzz_fail("a dataset without rows, inputs or lines", NULL);
    if ((want_ny && ds.ny != 1) || (o.target_mode == NN_TARGET_NONE && ds.ny != 0) ||
        ds.ny < 0 || ds.ny > 1 || (ds.ny && !ds.y))
        fuzz_fail("the target column does not match the target mode", NULL);
    if (o.expect_nx > 0 && ds.nx != o.expect_nx)
        fuzz_fail("the input count differs from expect_nx", NULL);
    for (size_t i = 0; i < ds.n; i++) {
        for (int j = 0; j < ds.nx; j++)
            if (!isfinite(ds.x[i * (size_t)ds.nx + j]))
                fuzz_fail("a non-finite input value", NULL);
        for (int j = 0; j < ds.ny; j++)
            if (!isfinite(ds.y[i * (size_t)ds.ny + j]))
                fuzz_fail("a non-finite target value", NULL);
        if (ds.line[i] < 1 || (i > 0 && ds.line[i] <= ds.line[i - 1]))
            fuzz_fail("row line numbers are not increasing from 1", NULL);
    }
    nn_dataset_destroy(&ds);
    return 0;
}
