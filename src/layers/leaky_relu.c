/* leaky_relu.c -- y = x for x > 0, alpha * x otherwise, elementwise.
 *
 * At x = 0 the gradient is taken as alpha. alpha = 0 is relu; alpha = 1 is the identity. */
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct leaky_relu_hp {
    double alpha;
} leaky_relu_hp;

static const nn_hparam leaky_relu_hparams[] = {
    {"alpha", NN_HP_FLOAT, offsetof(leaky_relu_hp, alpha), NN_HP_MAIN, .def = 0.01, .min = 0,
     .max = 1, .help = "slope for negative inputs"},
    {0},
};

static void leaky_relu_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                               float *cache)
{
    (void)cache;
    const leaky_relu_hp *hp = l->hp;
    float a = (float)hp->alpha;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : a * x[i];
}

static void leaky_relu_backward(const nn_layer *l, const nn_pass *p, const float *x,
                                const float *y, const float *cache, const float *dy, float *dx)
{
    (void)y;
    (void)cache;
    if (!dx)
        return;
    const leaky_relu_hp *hp = l->hp;
    float a = (float)hp->alpha;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : a * dy[i];
}

const nn_layer_ops nn_leaky_relu_ops = {
    "leaky_relu",     leaky_relu_hparams, sizeof(leaky_relu_hp),
    nn_elementwise_setup, leaky_relu_forward, leaky_relu_backward,
};
