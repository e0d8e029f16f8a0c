/* optim.h -- optimizers see flat float arrays, never layers.
 *
 * The model keeps every trainable weight in one value arena and every gradient in one gradient
 * arena of the same layout, so one step call updates the whole network. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>

#include "hparam.h"

typedef struct nn_optim_ops {
    const char *type;         /* the YAML word */
    const nn_hparam *hparams; /* keys besides `type`, {0}-ended; NULL: none */
    size_t hp_size;
    int nslots;               /* state floats per weight: sgd 0, momentum 1, adam 2 */
    /* One update of n weights. slots: (nslots, n) or NULL; t counts steps from 1. */
    void (*step)(const void *hp, float lr, float *w, const float *g, float *slots, size_t n,
                 long t);
} nn_optim_ops;

extern const nn_optim_ops *const nn_optimizers[]; /* NULL-ended */
const nn_optim_ops *nn_optim_find(const char *type);

#endif
