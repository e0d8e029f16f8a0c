/* early.h -- early stopping: watch one metric per epoch, stop when it stops improving.
 *
 * The model file's `early_stopping` is a patience (`early_stopping: 5`) or a map
 * (`early_stopping: {patience: 5, monitor: val_loss, min_delta: 0.001}`). The rule is Keras's
 * EarlyStopping with restore_best_weights: an epoch improves when its value beats the best so
 * far by more than min_delta (lower for a loss, higher for an accuracy); after `patience`
 * epochs in a row without improvement training stops and the weights of the best epoch are
 * put back. This module holds the settings, the state and the rule; train.c keeps the best
 * weights. */
#ifndef NN_EARLY_H
#define NN_EARLY_H

#include "hparam.h"

typedef enum nn_monitor {
    NN_MONITOR_VAL_LOSS,
    NN_MONITOR_VAL_ACC,
    NN_MONITOR_LOSS,
    NN_MONITOR_COUNT
} nn_monitor;
extern const char *const nn_monitor_names[]; /* "val_loss", "val_acc", "loss", NULL */

/* The settings; enabled is 0 when the model file has no early_stopping. The same monitor
 * serves restore_best (the model file's top-level key), which keeps the best epoch's weights
 * with or without early stopping: it is on by default with early stopping, and without it
 * watches val_loss when there is validation data, else loss, unless it names a monitor. */
typedef struct nn_early_spec {
    int enabled;      /* stop when the monitor stops improving */
    int patience;     /* epochs without improvement before stopping, >= 1 */
    int monitor;      /* nn_monitor */
    double min_delta; /* the smallest change that counts as an improvement, >= 0 */
    int restore_best; /* the weights written are the best epoch's, not the last's */
} nn_early_spec;

/* The keys of the early_stopping map (patience is the main one), for config.c. */
extern const nn_hparam nn_early_hparams[];

/* Where a run stands. best_epoch 0: no epoch seen yet. */
typedef struct nn_early_state {
    double best;      /* the best value so far */
    int best_epoch;   /* the epoch that reached it, from 1 */
    int wait;         /* epochs since then without improvement */
} nn_early_state;

enum { NN_EARLY_BETTER = 1, NN_EARLY_WAIT = 0, NN_EARLY_STOP = -1 };

/* Records the monitored value of epoch `epoch`: NN_EARLY_BETTER when it is the new best (the
 * caller keeps these weights), NN_EARLY_STOP when early stopping is enabled and patience has
 * run out (the caller stops), else NN_EARLY_WAIT. A NaN value never improves. */
int nn_early_update(const nn_early_spec *s, nn_early_state *st, int epoch, double value);

/* 1 when a best epoch is watched: for early stopping, restore_best, or both. */
int nn_early_watches(const nn_early_spec *s);

/* 1 when the monitor needs validation data (val_loss, val_acc). */
int nn_early_needs_val(const nn_early_spec *s);

/* 1 when the monitor is an accuracy (higher is better). */
int nn_early_is_acc(const nn_early_spec *s);

#endif
