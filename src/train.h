/* train.h -- the training loop and evaluation.
 *
 * A trainer owns the buffers one run needs (the shuffle permutation, a batch of inputs and
 * targets, dE/dz, optimizer slots, the best weights for early stopping), all allocated by
 * nn_trainer_new: the loop itself allocates nothing. It reports each epoch (and each batch,
 * for a progress bar) through callbacks and never prints.
 *
 * One step, as in PyTorch: forward, loss, backward, clip the global gradient norm
 * (clip_norm), weight decay, optimizer step (optim.h), with the learning rate the schedule
 * gives the epoch (schedule.h). After each epoch the monitor (early.h) records the best epoch
 * and its weights; early stopping may end the run, and restore_best makes the best epoch's
 * weights the ones a weights file gets. The trainer's state (optimizer slots, step count,
 * epochs done, row permutation, the position inside an epoch a stop cut short, the best
 * epoch) can be exported into an nn_train_state for a checkpoint and imported again to resume,
 * so that a resumed run continues with the very next batch, bit for bit. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "data.h"
#include "dist.h"
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
    double lr;        /* the learning rate of the epoch */
    double samples_per_s; /* training rows per second, over the training part of the epoch */
} nn_epoch_report;

/* Progress inside an epoch, after each batch. */
typedef struct nn_batch_report {
    int epoch, epochs;
    long batch, batches; /* batches done in this epoch, and in a whole epoch */
    size_t rows;         /* rows done in this epoch */
    double loss;         /* their mean loss */
    double seconds;      /* since the epoch began */
} nn_batch_report;

typedef void (*nn_epoch_fn)(const nn_epoch_report *r, void *ctx);

typedef struct nn_trainer nn_trainer;

/* Optional callbacks besides the per-epoch report; any member may be NULL. */
typedef struct nn_train_hooks {
    void (*batch)(const nn_batch_report *b, void *ctx);
    /* After each completed epoch, once on_epoch has run and early stopping has decided (the
     * trainer's state is then that of a checkpoint): may save one. Returning -1 with err ends
     * training with that error. */
    int (*epoch_end)(nn_trainer *t, const nn_epoch_report *r, void *ctx, nn_err *err);
    void *ctx;
} nn_train_hooks;

/* Allocates everything a run over `train` needs. The trainer borrows m and spec. */
nn_trainer *nn_trainer_new(nn_model *m, const nn_spec *spec, const nn_dataset *train,
                           nn_err *err);
void nn_trainer_free(nn_trainer *t);

/* Sets the callbacks of later nn_train calls (copied). */
void nn_trainer_set_hooks(nn_trainer *t, const nn_train_hooks *h);

/* Makes the trainer one rank of the data-parallel job d (borrowed; see dist.h). Every rank must
 * have built the same model from the same seed and hold the same data. Each then trains on its
 * contiguous shard of every batch (batch_size stays the size of the whole batch), with its loss
 * gradient scaled by its share of the batch's rows, so that the one sum of the gradient arena
 * over the ranks per step is the gradient of the mean over the whole batch; clipping and the
 * optimizer step then run alike everywhere, and the weights stay the same on every rank.
 * Metrics, validation and nn_trainer_evaluate are sharded and summed too; frozen values
 * (batchnorm's running statistics) are averaged over the ranks after each epoch. Dropout draws
 * from a stream of its own per rank and step, so the shared generator only shuffles. The stop
 * flag is honoured by all ranks together, one batch after any rank sees it, and a failing
 * epoch_end hook on one rank ends nn_train on every rank. A job of one rank changes nothing. */
int nn_trainer_set_dist(nn_trainer *t, nn_dist *d, nn_err *err);

/* Fills *s with the trainer's state and rng's (the generator given to nn_train), for the
 * training state section of a weights file, to go with the tensors of nn_trainer_tensors. The
 * arrays are borrowed from the trainer and valid until it trains again or is freed. */
void nn_trainer_state(nn_trainer *t, const nn_rng *rng, nn_train_state *s);

/* The tensors a weights file gets, as nn_model_tensors gives them (*out is the caller's to
 * nn_free), but pointing at the best epoch's values when restore_best keeps those and they are
 * not in the model. Valid until the trainer trains again or is freed. */
int nn_trainer_tensors(const nn_trainer *t, nn_tensor **out, int *n, nn_err *err);

/* The figures of the epoch whose weights nn_trainer_tensors gives (epoch 0: none completed
 * yet). *epoch_end is 1 when the weights are those of that epoch's end; 0 when they are those
 * of a stop inside the next epoch (the figures are then the last completed epoch's). */
nn_epoch_record nn_trainer_kept(const nn_trainer *t, int *epoch_end);

/* Rows of the epoch in progress trained before a stop cut it short, else 0. */
size_t nn_trainer_rows_done(const nn_trainer *t);

/* Makes the trainer continue from state s (read from `file`, named in messages) and sets rng
 * to the saved generator; the model's weights must already be loaded from the same file, and
 * in a job nn_trainer_set_dist must come first. The optimizer type, its slot count, the number
 * of trainable values and of training rows must match, else an error that says which. A state
 * saved inside an epoch continues with the next batch of that epoch. If the monitor now
 * watches another metric than s did, its record starts afresh. */
int nn_trainer_resume(nn_trainer *t, const nn_train_state *s, const char *file, nn_rng *rng,
                      nn_err *err);

/* Epochs completed so far (resumed ones included). */
int nn_trainer_epochs_done(const nn_trainer *t);

/* 1 when nn_train failed because the loss became NaN or infinite. */
int nn_trainer_diverged(const nn_trainer *t);

/* The monitor's record: the best epoch so far (0: none, or nothing is watched) and its value;
 * *stopped_epoch is the epoch at which early stopping ended the run, or 0. */
int nn_trainer_best(const nn_trainer *t, double *best, int *stopped_epoch);

/* Checks that a dataset's targets fit the model's loss and output width: the column count and,
 * for classification, every label (an integer class in range, or 0/1 for binary). Errors name
 * the file and line of the first bad row. */
int nn_check_targets(const nn_model *m, const nn_dataset *ds, nn_err *err);

/* Trains from where the trainer stands (the epoch after the last one done, or the next batch
 * of an epoch a stop cut short) up to spec->run.epochs (val may be NULL), calling on_epoch
 * after each epoch. Stops early, returning 1, when *stop becomes non-zero (checked after every
 * batch): the state then holds the position inside the epoch. Returns 0 when every epoch ran
 * or early stopping ended the run; with restore_best the model then holds the best epoch's
 * weights (the trainer must not train again). Returns -1 with err when the loss becomes NaN or
 * infinite ("loss became NaN at epoch E batch B"), when the monitor watches validation data
 * and val is NULL, or when a hook fails. *epochs_done tells how many epochs completed in all. */
int nn_train(nn_trainer *t, const nn_dataset *train, const nn_dataset *val, nn_rng *rng,
             nn_epoch_fn on_epoch, void *ctx, volatile sig_atomic_t *stop, int *epochs_done,
             nn_err *err);

/* Mean loss (and accuracy for classification) of the model over ds, in batches of the
 * trainer's size; confusion (width x width, row = true class) is filled when not NULL. In a job
 * (nn_trainer_set_dist) this is collective: each rank evaluates its shard of the rows and every
 * rank gets the totals (confusion must then come in zeroed). */
nn_metrics nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion);

#endif
