/* tanh.c -- the hyperbolic tangent activation, elementwise (the seed's activation).
 *
 * Backward needs y alone: dy/dx = 1 - y^2. */
#include <math.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

static void tanh_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                         float *cache)
{
    (void)cache;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

static void tanh_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                          const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)cache;
    if (!dx)
        return;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

const nn_layer_ops nn_tanh_ops = {
    "tanh", NULL, 0, nn_elementwise_setup, tanh_forward, tanh_backward,
};
