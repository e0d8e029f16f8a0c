/* csv.h -- CSV files -> nn_dataset.
 *
 * Reads plain or gzip-compressed files through zlib (and stdin for "-"). Header row detected
 * when any field of the first data line is not a number (or forced with header: yes|no).
 * Numbers with or without double quotes, blank lines and `#` comment lines skipped, CRLF
 * tolerated. Every row must have the same number of fields. A bad field gives
 * "FILE:LINE:COL: expected a number, got 'setosa'". */
#ifndef NN_CSV_H
#define NN_CSV_H

#include "data.h"
#include "err.h"
#include "spec.h"

typedef enum nn_target_mode {
    NN_TARGET_REQUIRED, /* the target column must be there (training, --eval) */
    NN_TARGET_NONE,     /* every selected column is an input (nothing is a target) */
    NN_TARGET_OPTIONAL, /* prediction: a row of exactly expect_nx columns is all inputs, in
                           order; inputs chosen by name or index need no target column */
} nn_target_mode;

typedef struct nn_csv_opts {
    nn_header header;
    const char *target;         /* target column by name (needs a header), or NULL */
    int target_index;           /* 0-based column when target is NULL; -1 = last */
    char *const *inputs;        /* input columns by name or decimal index; NULL = all but target */
    int ninputs;
    nn_target_mode target_mode;
    int expect_nx;              /* inputs per row the model needs; 0 = do not check */
    char *const *columns;       /* the header names of the inputs the model was trained on, in
                                   x's order, or NULL; used only when the file has a header */
    int ncolumns;
} nn_csv_opts;

/* Fills *out (one target column: ny = 1 with a target, 0 without). When the file has a header,
 * out->xnames gets the names of the input columns (unless two of them share a name). When
 * expect_nx > 0 and the input column count differs, the error names the file, the count found
 * and the count the model's input needs. On error *out is left empty.
 *
 * With `columns` and a header, the inputs are the columns of those names, found wherever they
 * are; the others are ignored (the target too, unless target_mode is NN_TARGET_REQUIRED). A
 * name the header lacks is an error that lists the names the model was trained on. */
int nn_csv_read(const char *path, const nn_csv_opts *opts, nn_dataset *out, nn_err *err);

/* The nn_csv_opts a data spec asks for. */
nn_csv_opts nn_csv_opts_from_spec(const nn_data_spec *d, nn_target_mode mode, int expect_nx);

#endif
