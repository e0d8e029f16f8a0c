/* optim.h -- optimizers see flat float arrays, never layers.
 *
 * The model keeps every trainable weight in one value arena and every gradient in one gradient
 * arena of the same layout, so one step call updates the whole network. The optimizer's state
 * (nslots floats per weight) lives in one arena owned by the caller (train.c), which also keeps
 * --resume simple: the state is three flat arrays and a step count.
 *
 * The update formulas are PyTorch's (torch.optim.SGD, Adam, AdamW) and are written out in
 * optim.c and nnmodel(5). */
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
    /* 1: weight_decay shrinks the weights before the step, w *= 1 - lr * weight_decay
     * (decoupled, AdamW); 0: weight_decay * w is added to the gradient (L2). */
    int decoupled_decay;
} nn_optim_ops;

extern const nn_optim_ops *const nn_optimizers[]; /* NULL-ended */
const nn_optim_ops *nn_optim_find(const char *type);

/* The global L2 norm of g (n floats), summed in double in index order, so it is the same for
 * every thread count. */
double nn_optim_norm(const float *g, size_t n);

/* One training step over the whole network, in the order PyTorch users write it:
 *   1. clip_norm > 0: when the global norm N of g exceeds it, g *= clip_norm / (N + 1e-6)
 *      (torch.nn.utils.clip_grad_norm_);
 *   2. weight_decay > 0: g += weight_decay * w, or for a decoupled optimizer
 *      w *= 1 - lr * weight_decay;
 *   3. ops->step with learning rate lr and step count t (from 1).
 * g is modified in place (it is rebuilt by the next backward pass). slots: (ops->nslots, n),
 * NULL when nslots is 0. Returns the norm of g before clipping (0 when clip_norm is 0, where
 * it is not computed). */
double nn_optim_update(const nn_optim_ops *ops, const void *hp, double lr, double weight_decay,
                       double clip_norm, float *w, float *g, float *slots, size_t n, long t);

#endif
