/* schedule.c -- the table of learning-rate schedules; see schedule.h.
 *
 * Epoch k counts from 0 within the schedule proper (after the warmup), which lasts T epochs;
 * base is the model file's learning_rate. The formulas are PyTorch's closed forms, stepped
 * once per epoch:
 *
 *   constant     lr = base
 *   step         lr = base * gamma^floor(k / step_size)          (torch StepLR)
 *   exponential  lr = base * gamma^k                             (torch ExponentialLR)
 *   cosine       lr = min_lr + (base - min_lr) * (1 + cos(pi * k / T)) / 2
 *                                                                 (torch CosineAnnealingLR,
 *                                                                  T_max = T, eta_min = min_lr)
 *
 * warmup_epochs W > 0 puts W epochs of linear warmup first: epoch e = 1..W uses
 * base * e / (W + 1), rising towards base without reaching it; the schedule proper then starts
 * at k = 0 with T = epochs - W (at least 1). */
#include "schedule.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define WARMUP                                                                                \
    {"warmup_epochs", NN_HP_INT, offsetof(nn_schedule_hp, warmup_epochs), 0, .def = 0,       \
     .min = 0, .max = INT_MAX, .help = "epochs of linear warmup before the schedule"}

static double constant_lr(const nn_schedule_hp *hp, double base, int k, int T)
{
    (void)hp;
    (void)k;
    (void)T;
    return base;
}

static const nn_hparam constant_hparams[] = {WARMUP, {0}};

static const nn_schedule_ops constant_ops = {"constant", constant_hparams,
                                             sizeof(nn_schedule_hp), constant_lr};

static double step_lr(const nn_schedule_hp *hp, double base, int k, int T)
{
    (void)T;
    return base * pow(hp->gamma, (double)(k / hp->step_size));
}

static const nn_hparam step_hparams[] = {
    {"step_size", NN_HP_INT, offsetof(nn_schedule_hp, step_size), NN_HP_MAIN, .def = 10,
     .min = 1, .max = INT_MAX, .help = "epochs between two decays"},
    {"gamma", NN_HP_FLOAT, offsetof(nn_schedule_hp, gamma), NN_HP_OPEN_MIN, .def = 0.1,
     .min = 0, .max = DBL_MAX, .help = "factor applied at each decay"},
    WARMUP,
    {0},
};

static const nn_schedule_ops step_ops = {"step", step_hparams, sizeof(nn_schedule_hp), step_lr};

static double exponential_lr(const nn_schedule_hp *hp, double base, int k, int T)
{
    (void)T;
    return base * pow(hp->gamma, (double)k);
}

static const nn_hparam exponential_hparams[] = {
    {"gamma", NN_HP_FLOAT, offsetof(nn_schedule_hp, gamma), NN_HP_MAIN | NN_HP_OPEN_MIN,
     .def = 0.9, .min = 0, .max = DBL_MAX, .help = "factor applied every epoch"},
    WARMUP,
    {0},
};

static const nn_schedule_ops exponential_ops = {"exponential", exponential_hparams,
                                                sizeof(nn_schedule_hp), exponential_lr};

static double cosine_lr(const nn_schedule_hp *hp, double base, int k, int T)
{
    const double pi = 3.14159265358979323846;
    if (k > T)
        k = T;
    return hp->min_lr + (base - hp->min_lr) * (1 + cos(pi * (double)k / (double)T)) / 2;
}

static const nn_hparam cosine_hparams[] = {
    {"min_lr", NN_HP_FLOAT, offsetof(nn_schedule_hp, min_lr), NN_HP_MAIN, .def = 0, .min = 0,
     .max = DBL_MAX, .help = "learning rate at the end of the run"},
    WARMUP,
    {0},
};

static const nn_schedule_ops cosine_ops = {"cosine", cosine_hparams, sizeof(nn_schedule_hp),
                                           cosine_lr};

/* To add a schedule: write its lr function above (a closed form in k and T), give it a key
 * table that ends with WARMUP, add it here and document it above and in man/nnmodel.5. */
const nn_schedule_ops *const nn_schedules[] = {
    &constant_ops, &step_ops, &exponential_ops, &cosine_ops, NULL,
};

const nn_schedule_ops *nn_schedule_find(const char *type)
{
    if (!type)
        return NULL;
    for (int i = 0; nn_schedules[i]; i++)
        if (strcmp(nn_schedules[i]->type, type) == 0)
            return nn_schedules[i];
    return NULL;
}

double nn_schedule_lr(const nn_schedule_ops *ops, const void *hp, double base, int epoch,
                      int epochs)
{
    if (!ops || !hp)
        return base;
    const nn_schedule_hp *h = hp;
    int W = h->warmup_epochs > 0 ? h->warmup_epochs : 0;
    if (epoch <= W)
        return base * (double)epoch / ((double)W + 1);
    int T = epochs - W > 1 ? epochs - W : 1;
    return ops->lr(h, base, epoch - W - 1, T);
}
