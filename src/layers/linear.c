/* linear.c -- the identity activation y = x: a named no-op, for a model file that wants to say
 * explicitly that a layer's output is used as is. Its pieces serve other layers too (layers.h):
 * the elementwise setup, and the identity passes flatten shares. */
#include <stddef.h>
#include <string.h>

#include "layer.h"
#include "layers.h"

int nn_elementwise_setup(nn_layer *l, nn_err *err)
{
    (void)err;
    l->out = l->in;
    l->cache_len = 0;
    l->work_len = 0;
    return 0;
}

void nn_identity_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                         float *cache)
{
    (void)cache;
    memcpy(y, x, (size_t)p->batch * nn_shape_size(l->in) * sizeof(float));
}

void nn_identity_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                          const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    (void)cache;
    if (dx)
        memcpy(dx, dy, (size_t)p->batch * nn_shape_size(l->in) * sizeof(float));
}

const nn_layer_ops nn_linear_ops = {
    "linear", NULL, 0, nn_elementwise_setup, nn_identity_forward, nn_identity_backward,
};
