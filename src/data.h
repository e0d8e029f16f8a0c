/* data.h -- nn_dataset: rows of inputs X and targets Y, splits, and batch gathering.
 *
 * A dataset owns its arrays. Loaders (csv.c, idx.c and npy.c through dataload.c) fill one;
 * training reads batches through nn_dataset_gather into buffers allocated once, so the storage
 * format can change without touching the training loop. Inputs are stored as floats, or as the
 * uint8 values an image file holds (a quarter of the memory); gather converts each batch to
 * floats and applies the preprocessing attached to the dataset (nn_prep_attach), so the stored
 * values are never rewritten. */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

struct nn_prep; /* preprocess.h */

/* How a dataset stores its inputs. */
typedef enum nn_xtype {
    NN_X_F32,          /* x holds floats (the zero value: what CSV gives) */
    NN_X_U8,           /* x8 holds bytes, as an IDX or npy uint8 file stores them */
} nn_xtype;

typedef struct nn_dataset {
    size_t n;          /* rows */
    int nx;            /* input values per row */
    int ny;            /* target floats per row; 0 when the data has no targets */
    float *x;          /* (n, nx) when xtype is NN_X_F32, else NULL */
    float *y;          /* (n, ny), or NULL */
    size_t *line;      /* (n): the source line of each row, for messages; or NULL */
    char *source;      /* the file it came from, for messages (owned) */
    nn_xtype xtype;
    unsigned char *x8; /* (n, nx) when xtype is NN_X_U8, else NULL */
    char *ysource;     /* the file the targets came from when not source (owned), or NULL */
    const struct nn_prep *prep; /* borrowed: applied by gather; NULL = none */
    char **xnames;     /* (nx) the header names of the input columns, in x's order (owned), or
                          NULL: a file without a header, an IDX or npy file, or a header that
                          uses an input's name twice (names that cannot find them again) */
} nn_dataset;

/* Frees what ds owns and zeroes it. */
void nn_dataset_destroy(nn_dataset *ds);

/* Moves a seeded random `fraction` of all's rows into *val and the rest into *train (row order
 * within each part follows the permutation). *all is emptied. Both parts keep all's storage
 * type and get copies of source, ysource and xnames (prep is not carried over: attach it
 * afterwards).
 * fraction must be in (0, 1) and leave at least one row on each side, else an error that names
 * the file and the row count. */
int nn_dataset_split(nn_dataset *all, double fraction, nn_rng *rng, nn_dataset *train,
                     nn_dataset *val, nn_err *err);

/* Names row i in messages about its target: "FILE:LINE" when the line is known, else
 * "FILE: row I+1", where FILE is ysource when the targets have a file of their own. */
void nn_dataset_where(const nn_dataset *ds, size_t i, char *buf, size_t size);

/* The file the targets came from: ysource, or source when they share it. */
const char *nn_dataset_ysource(const nn_dataset *ds);

/* Copies rows idx[0..count) into xb (count, nx) as floats, with ds->prep applied when set, and,
 * when yb is not NULL, the targets into yb (count, ny). Stored values are never changed. */
void nn_dataset_gather(const nn_dataset *ds, const size_t *idx, int count, float *xb, float *yb);

#endif
