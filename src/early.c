/* early.c -- the early stopping rule; see early.h. */
#include "early.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>

const char *const nn_monitor_names[] = {"val_loss", "val_acc", "loss", NULL};

const nn_hparam nn_early_hparams[] = {
    {"patience", NN_HP_INT, offsetof(nn_early_spec, patience), NN_HP_MAIN, .def = 5, .min = 1,
     .max = INT_MAX, .help = "epochs without improvement before stopping"},
    {"monitor", NN_HP_CHOICE, offsetof(nn_early_spec, monitor), 0, .def = NN_MONITOR_VAL_LOSS,
     .choices = nn_monitor_names, .help = "the metric watched"},
    {"min_delta", NN_HP_FLOAT, offsetof(nn_early_spec, min_delta), 0, .def = 0, .min = 0,
     .max = DBL_MAX, .help = "the smallest change that counts as an improvement"},
    {0},
};

int nn_early_is_acc(const nn_early_spec *s)
{
    return s->monitor == NN_MONITOR_VAL_ACC;
}

int nn_early_watches(const nn_early_spec *s)
{
    return s->enabled || s->restore_best;
}

int nn_early_needs_val(const nn_early_spec *s)
{
    return s->monitor == NN_MONITOR_VAL_LOSS || s->monitor == NN_MONITOR_VAL_ACC;
}

int nn_early_update(const nn_early_spec *s, nn_early_state *st, int epoch, double value)
{
    int better;
    if (isnan(value))
        better = 0;
    else if (st->best_epoch == 0)
        better = 1;
    else if (nn_early_is_acc(s))
        better = value - s->min_delta > st->best;
    else
        better = value + s->min_delta < st->best;
    if (better) {
        st->best = value;
        st->best_epoch = epoch;
        st->wait = 0;
        return NN_EARLY_BETTER;
    }
    st->wait++;
    return s->enabled && st->wait >= s->patience ? NN_EARLY_STOP : NN_EARLY_WAIT;
}
