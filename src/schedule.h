/* schedule.h -- learning-rate schedules: the learning rate of each epoch.
 *
 * The model file's `lr_schedule` is a word (`lr_schedule: cosine`) or a map with its settings
 * (`lr_schedule: {type: step, step_size: 10, gamma: 0.5, warmup_epochs: 2}`). Every schedule is
 * a pure function of the epoch, the base learning rate and the run's number of epochs, so the
 * epochs already done are all a checkpoint needs to resume one. The formulas are in schedule.c
 * and nnmodel(5). */
#ifndef NN_SCHEDULE_H
#define NN_SCHEDULE_H

#include <stddef.h>

#include "hparam.h"

/* The settings of every schedule type, one struct for all; each type's key table names the
 * fields it uses. */
typedef struct nn_schedule_hp {
    int warmup_epochs; /* linear warmup over the first epochs, before the schedule proper */
    int step_size;     /* step: epochs between two decays */
    double gamma;      /* step, exponential: the decay factor */
    double min_lr;     /* cosine: the learning rate it anneals to */
} nn_schedule_hp;

typedef struct nn_schedule_ops {
    const char *type;         /* the YAML word */
    const nn_hparam *hparams; /* keys besides `type`, {0}-ended */
    size_t hp_size;           /* sizeof(nn_schedule_hp) */
    /* The learning rate of epoch k (0-based) of the schedule proper, which lasts T epochs
     * (the run's epochs minus the warmup; T >= 1), from the base learning rate. */
    double (*lr)(const nn_schedule_hp *hp, double base, int k, int T);
} nn_schedule_ops;

extern const nn_schedule_ops *const nn_schedules[]; /* NULL-ended; the first is constant */
const nn_schedule_ops *nn_schedule_find(const char *type);

/* The learning rate of epoch `epoch` (1-based) of a run of `epochs` epochs. ops NULL is the
 * constant schedule; hp (an nn_schedule_hp) may be NULL for it. With warmup_epochs W > 0 the
 * epochs e = 1..W use base * e / (W + 1), and epoch W + k + 1 uses the schedule's rate for k
 * over T = max(1, epochs - W) epochs. */
double nn_schedule_lr(const nn_schedule_ops *ops, const void *hp, double base, int epoch,
                      int epochs);

#endif
