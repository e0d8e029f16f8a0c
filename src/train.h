/* train.h -- the training loop and evaluation.
 *
 * A trainer owns the buffers one run needs (the shuffle permutation, a batch of inputs and
 * targets, dE/dz, optimizer slots), all allocated by nn_trainer_new: the loop itself allocates
 * nothing. It reports each epoch through a callback and never prints. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "data.h"
#include "err.h"
#include "model.h"
#include "spec.h"

typedef struct nn_metrics {
    double loss;
    double acc;       /* fraction correct; only meaningful when has_acc */
    int has_acc;
    size_t n;         /* rows evaluated */
} nn_metrics;

typedef struct nn_epoch_report {
    int epoch, epochs;
    nn_metrics train;
    nn_metrics val;
    int has_val;
    double seconds;   /* wall time of the epoch, validation included */
} nn_epoch_report;

typedef void (*nn_epoch_fn)(const nn_epoch_report *r, void *ctx);

typedef struct nn_trainer nn_trainer;

/* Allocates everything a run over `train` needs. The trainer borrows m and spec. */
nn_trainer *nn_trainer_new(nn_model *m, const nn_spec *spec, const nn_dataset *train,
                           nn_err *err);
void nn_trainer_free(nn_trainer *t);

/* Checks that a dataset's targets fit the model's loss and output width: the column count and,
 * for classification, every label (an integer class in range, or 0/1 for binary). Errors name
 * the file and line of the first bad row. */
int nn_check_targets(const nn_model *m, const nn_dataset *ds, nn_err *err);

/* Trains for spec->run.epochs epochs (val may be NULL), calling on_epoch after each. Stops early,
 * returning 1, when *stop becomes non-zero (checked after every batch). Returns 0 when every
 * epoch ran, or -1 with err when the loss becomes NaN or infinite ("loss became NaN at epoch E
 * batch B"). *epochs_done tells how many epochs completed. */
int nn_train(nn_trainer *t, const nn_dataset *train, const nn_dataset *val, nn_rng *rng,
             nn_epoch_fn on_epoch, void *ctx, volatile sig_atomic_t *stop, int *epochs_done,
             nn_err *err);

/* Mean loss (and accuracy for classification) of the model over ds, in batches of the
 * trainer's size; confusion (width x width, row = true class) is filled when not NULL. */
nn_metrics nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion);

#endif
