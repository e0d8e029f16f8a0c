/* preprocess.h -- input preprocessing: scale, then minmax or standard normalisation.
 *
 * Statistics are fitted on the training set only, applied to every set, saved in the weights
 * file and reapplied by nnpredict. Each input feature i becomes (x * scale - shift[i]) * mul[i]:
 * minmax maps the training range to [0, 1], standard to mean 0 and variance 1 (population);
 * a constant feature keeps mul 1. */
#ifndef NN_PREPROCESS_H
#define NN_PREPROCESS_H

#include "data.h"
#include "err.h"
#include "spec.h"

typedef struct nn_prep {
    double scale;
    nn_norm kind;
    int n;             /* features; 0 when kind is NN_NORM_NONE */
    float *shift;      /* (n), owned */
    float *mul;        /* (n), owned */
} nn_prep;

/* Fits the statistics of `kind` on train's inputs (after scale), stored as floats or uint8. */
int nn_prep_fit(nn_prep *p, double scale, nn_norm kind, const nn_dataset *train, nn_err *err);

/* Applies p to ds's inputs in place. ds must store floats (NN_X_F32); ds->nx must equal p->n
 * unless kind is none. */
void nn_prep_apply(const nn_prep *p, nn_dataset *ds);

/* Makes nn_dataset_gather apply p to every batch it takes from ds (either storage type), leaving
 * the stored values as they are. ds borrows p, which must outlive its use. ds->nx must equal
 * p->n unless kind is none. */
void nn_prep_attach(const nn_prep *p, nn_dataset *ds);

void nn_prep_destroy(nn_prep *p);

#endif
