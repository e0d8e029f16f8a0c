/* softmax.c -- softmax over each sample: y_j = exp(x_j) / sum_k exp(x_k).
 *
 * The whole sample is one row, whatever its shape. The forward pass subtracts the row maximum
 * first, so no exp overflows. cross_entropy fuses this layer: a network that ends with softmax
 * hands the loss its logits and this layer only runs when predicting. When it does run in
 * training, backward uses y alone: dx_j = y_j * (dy_j - sum_k dy_k y_k). */
#include <limits.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

/* Keeps the input's shape; needs no cache (backward gets y). */
static int softmax_setup(nn_layer *l, nn_err *err)
{
    if (nn_shape_size(l->in) > (size_t)INT_MAX)
        return nn_fail(err, "softmax over more than %d values per sample", INT_MAX);
    return nn_elementwise_setup(l, err);
}

static void softmax_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                            float *cache)
{
    (void)cache;
    nn_softmax_rows(x, y, p->batch, (int)nn_shape_size(l->in));
}

static void softmax_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                             const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)cache;
    if (!dx)
        return;
    size_t w = nn_shape_size(l->in);
    int n = p->batch;
#pragma omp parallel for if ((size_t)n * w > NN_PAR_MIN)
    for (int i = 0; i < n; i++) {
        const float *yr = y + (size_t)i * w, *dyr = dy + (size_t)i * w;
        float *dxr = dx + (size_t)i * w;
        double dot = 0;
        for (size_t j = 0; j < w; j++)
            dot += (double)dyr[j] * yr[j];
        for (size_t j = 0; j < w; j++)
            dxr[j] = yr[j] * (dyr[j] - (float)dot);
    }
}

const nn_layer_ops nn_softmax_ops = {
    "softmax", NULL, 0, softmax_setup, softmax_forward, softmax_backward,
};
