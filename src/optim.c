/* optim.c -- the optimizer table; see optim.h.
 *
 * An optimizer updates the flat arrays of every trainable weight and its gradient in one call,
 * knowing nothing of layers. Its state (nslots floats per weight) is owned by the caller. */
#include "optim.h"

#include <string.h>

#include "kernels.h"

/* Plain gradient descent: w -= lr * g. No settings, no state. */
static void sgd_step(const void *hp, float lr, float *w, const float *g, float *slots, size_t n,
                     long t)
{
    (void)hp;
    (void)slots;
    (void)t;
    nn_axpy(n, -lr, g, w);
}

static const nn_optim_ops sgd_ops = {"sgd", NULL, 0, 0, sgd_step};

/* To add an optimizer: write its step above (state in `slots`, nslots floats per weight, laid
 * out as nslots arrays of n), give it an ops object with its key table and add it here. */
const nn_optim_ops *const nn_optimizers[] = {&sgd_ops, NULL};

const nn_optim_ops *nn_optim_find(const char *type)
{
    if (!type)
        return NULL;
    for (int i = 0; nn_optimizers[i]; i++)
        if (strcmp(nn_optimizers[i]->type, type) == 0)
            return nn_optimizers[i];
    return NULL;
}
