/* elu.c -- the exponential linear unit: y = x for x > 0, alpha * (exp(x) - 1) otherwise,
 * elementwise.
 *
 * For x <= 0 the derivative alpha * exp(x) equals y + alpha, so backward needs only y there.
 * At x = 0 the gradient is taken as alpha (the left derivative, as in PyTorch). */
#include <math.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct elu_hp {
    double alpha;
} elu_hp;

static const nn_hparam elu_hparams[] = {
    {"alpha", NN_HP_FLOAT, offsetof(elu_hp, alpha), NN_HP_MAIN | NN_HP_OPEN_MIN, .def = 1.0,
     .min = 0, .max = 100, .help = "scale of the negative part (outputs tend to -alpha)"},
    {0},
};

static void elu_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                        float *cache)
{
    (void)cache;
    const elu_hp *hp = l->hp;
    float a = (float)hp->alpha;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : a * expm1f(x[i]);
}

static void elu_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                         const float *cache, const float *dy, float *dx)
{
    (void)cache;
    if (!dx)
        return;
    const elu_hp *hp = l->hp;
    float a = (float)hp->alpha;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + a);
}

const nn_layer_ops nn_elu_ops = {
    "elu", elu_hparams, sizeof(elu_hp), nn_elementwise_setup, elu_forward, elu_backward,
};
