/* relu.c -- the rectified linear activation y = max(x, 0), elementwise.
 *
 * At x = 0 the gradient is taken as 0, as in PyTorch. */
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct relu_args {
    const float *x, *dy;
    float *out;
} relu_args;

static void relu_forward_range(void *ctx, size_t lo, size_t hi)
{
    const relu_args *a = ctx;
    const float *restrict x = a->x;
    float *restrict y = a->out;
    for (size_t i = lo; i < hi; i++)
        y[i] = x[i] > 0 ? x[i] : 0.0f;
}

static void relu_backward_range(void *ctx, size_t lo, size_t hi)
{
    const relu_args *a = ctx;
    const float *restrict x = a->x, *restrict dy = a->dy;
    float *restrict dx = a->out;
    for (size_t i = lo; i < hi; i++) {
        float g = dy[i]; /* loaded whatever x is, so the loop vectorises into a select */
        dx[i] = x[i] > 0 ? g : 0.0f;
    }
}

static void relu_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                         float *cache)
{
    (void)cache;
    relu_args a = {x, NULL, y};
    nn_parallel_chunks((size_t)p->batch * nn_shape_size(l->in), relu_forward_range, &a);
}

static void relu_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                          const float *cache, const float *dy, float *dx)
{
    (void)y;
    (void)cache;
    if (!dx)
        return;
    relu_args a = {x, dy, dx};
    nn_parallel_chunks((size_t)p->batch * nn_shape_size(l->in), relu_backward_range, &a);
}

const nn_layer_ops nn_relu_ops = {
    "relu", NULL, 0, nn_elementwise_setup, relu_forward, relu_backward,
};
