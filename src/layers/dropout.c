/* dropout.c -- inverted dropout: while training, each value is zeroed with probability `rate`
 * and the others are scaled by 1 / (1 - rate), so the expected output is the input and
 * prediction needs no rescaling: there the layer is the identity.
 *
 * The mask is drawn from the pass's generator (one uniform number per value, in order), so a
 * seed gives the same masks on every run. The cache keeps the mask as the factor each value was
 * multiplied by (0 or 1 / (1 - rate)); backward multiplies dy by it. */
#include <stddef.h>
#include <string.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct dropout_hp {
    double rate;
} dropout_hp;

static const nn_hparam dropout_hparams[] = {
    {"rate", NN_HP_FLOAT, offsetof(dropout_hp, rate), NN_HP_MAIN, .def = 0.5, .min = 0,
     .max = 1, .help = "probability of zeroing each value while training, in [0, 1)"},
    {0},
};

static int dropout_setup(nn_layer *l, nn_err *err)
{
    const dropout_hp *hp = l->hp;
    if (!(hp->rate >= 0 && hp->rate < 1))
        return nn_fail(err, "rate: expected a number in [0, 1), got %g (1 would drop every value)",
                       hp->rate);
    l->out = l->in;
    l->cache_len = nn_shape_size(l->in); /* the mask */
    l->work_len = 0;
    l->state_len = 0;
    return 0;
}

/* Whether this pass drops values: only while training, with a generator and a rate above 0. */
static int active(const dropout_hp *hp, const nn_pass *p)
{
    return p->train && hp->rate > 0;
}

static void dropout_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                            float *cache)
{
    const dropout_hp *hp = l->hp;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
    if (!active(hp, p)) {
        if (y != x)
            memcpy(y, x, n * sizeof(float));
        return;
    }
    /* The draws are sequential (one stream); the multiplication is not. Without a generator
     * (a caller's mistake) nothing is dropped, and backward agrees since the mask says so. */
    float keep = (float)(1.0 / (1.0 - hp->rate));
    for (size_t i = 0; i < n; i++)
        cache[i] = !p->rng ? 1.0f : nn_rng_uniform(p->rng) >= hp->rate ? keep : 0.0f;
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * cache[i];
}

/* Must follow a forward pass of the same mode: in training, dy flows through the mask. */
static void dropout_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                             const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    const dropout_hp *hp = l->hp;
    if (!dx)
        return;
    size_t n = (size_t)p->batch * nn_shape_size(l->in);
    if (!active(hp, p)) {
        memcpy(dx, dy, n * sizeof(float));
        return;
    }
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * cache[i];
}

const nn_layer_ops nn_dropout_ops = {
    "dropout", dropout_hparams, sizeof(dropout_hp), dropout_setup, dropout_forward,
    dropout_backward,
};
