/* data.h -- nn_dataset: rows of inputs X and targets Y, splits, and batch gathering.
 *
 * A dataset owns its arrays. Loaders (csv.c, later idx.c and npy.c) fill one; training reads
 * batches through nn_dataset_gather into buffers allocated once, so the storage format can
 * change without touching the training loop. */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

typedef struct nn_dataset {
    size_t n;          /* rows */
    int nx;            /* input floats per row */
    int ny;            /* target floats per row; 0 when the data has no targets */
    float *x;          /* (n, nx) */
    float *y;          /* (n, ny), or NULL */
    size_t *line;      /* (n): the source line of each row, for messages; or NULL */
    char *source;      /* the file it came from, for messages (owned) */
} nn_dataset;

/* Frees what ds owns and zeroes it. */
void nn_dataset_destroy(nn_dataset *ds);

/* Moves a seeded random `fraction` of all's rows into *val and the rest into *train (row order
 * within each part follows the permutation). *all is emptied. Both parts get a copy of source.
 * fraction must be in (0, 1) and leave at least one row on each side, else an error that names
 * the file and the row count. */
int nn_dataset_split(nn_dataset *all, double fraction, nn_rng *rng, nn_dataset *train,
                     nn_dataset *val, nn_err *err);

/* Names row i in messages: "FILE:LINE" when the line is known, else "FILE: row I+1". */
void nn_dataset_where(const nn_dataset *ds, size_t i, char *buf, size_t size);

/* Copies rows idx[0..count) into xb (count, nx) and, when yb is not NULL, yb (count, ny). */
void nn_dataset_gather(const nn_dataset *ds, const size_t *idx, int count, float *xb, float *yb);

#endif
