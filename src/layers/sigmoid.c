/* sigmoid.c -- the logistic activation y = 1 / (1 + exp(-x)), elementwise.
 *
 * binary_cross_entropy fuses it: a network that ends with sigmoid hands the loss its logits,
 * and this layer then only runs when predicting. Backward needs y alone: dy/dx = y (1 - y). */
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

static void sigmoid_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                            float *cache)
{
    (void)cache;
    nn_sigmoid(x, y, (size_t)p->batch * nn_shape_size(l->in));
}

static void sigmoid_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                             const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)cache;
    if (!dx)
        return;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

const nn_layer_ops nn_sigmoid_ops = {
    "sigmoid", NULL, 0, nn_elementwise_setup, sigmoid_forward, sigmoid_backward,
};
