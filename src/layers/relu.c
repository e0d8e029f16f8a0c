/* relu.c -- the rectified linear activation y = max(x, 0), elementwise.
 *
 * At x = 0 the gradient is taken as 0, as in PyTorch. */
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

/* An activation keeps the shape of its input and needs no cache: backward gets x and y. */
static int relu_setup(nn_layer *l, nn_err *err)
{
    (void)err;
    l->out = l->in;
    l->cache_len = 0;
    l->work_len = 0;
    return 0;
}

static void relu_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                         float *cache)
{
    (void)cache;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0.0f;
}

static void relu_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                          const float *cache, const float *dy, float *dx)
{
    (void)y;
    (void)cache;
    if (!dx)
        return;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : 0.0f;
}

const nn_layer_ops nn_relu_ops = {
    "relu", NULL, 0, relu_setup, relu_forward, relu_backward,
};
