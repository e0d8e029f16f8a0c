/* optim.c -- the optimizer table; see optim.h.
 *
 * An optimizer updates the flat arrays of every trainable weight and its gradient in one call,
 * knowing nothing of layers. Its state (nslots floats per weight, laid out as nslots arrays of
 * n) is owned by the caller and starts at zero.
 *
 * The updates are PyTorch's, for one weight w with gradient g (after clipping and L2 weight
 * decay, see nn_optim_update), learning rate lr and step count t = 1, 2, ...:
 *
 *   sgd       w -= lr * g                                       (torch.optim.SGD)
 *   momentum  b = mu * b + g;  w -= lr * b                      (SGD, momentum=mu, dampening 0)
 *   nesterov  b = mu * b + g;  w -= lr * (g + mu * b)           (SGD, nesterov=True)
 *   adam      m = b1 * m + (1 - b1) * g                         (torch.optim.Adam)
 *             v = b2 * v + (1 - b2) * g * g
 *             w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *   adamw     w *= 1 - lr * weight_decay, then adam's update    (torch.optim.AdamW)
 *
 * With zero initial state the first momentum buffer is g, as PyTorch's (which copies g on the
 * first step). Vector arithmetic is in float, like PyTorch's float32 tensors; the scalars
 * (bias corrections, step size) are computed in double, like PyTorch's Python floats. The m
 * update uses torch.lerp's form m += (1 - b1) * (g - m), which PyTorch's Adam calls. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- sgd --------------------------------------------------------------------------------- */

/* Plain gradient descent: w -= lr * g. No settings, no state. */
static void sgd_step(const void *hp, float lr, float *w, const float *g, float *slots, size_t n,
                     long t)
{
    (void)hp;
    (void)slots;
    (void)t;
    nn_axpy(n, -lr, g, w);
}

static const nn_optim_ops sgd_ops = {"sgd", NULL, 0, 0, sgd_step, 0};

/* ---- momentum and nesterov --------------------------------------------------------------- */

typedef struct momentum_hp {
    double momentum;
} momentum_hp;

static const nn_hparam momentum_hparams[] = {
    {"momentum", NN_HP_FLOAT, offsetof(momentum_hp, momentum), NN_HP_MAIN, .def = 0.9, .min = 0,
     .max = 1, .help = "fraction of the previous update kept"},
    {0},
};

/* slots: the momentum buffer b (n). */
static void momentum_step(const void *hp, float lr, float *w, const float *g, float *slots,
                          size_t n, long t)
{
    (void)t;
    const float mu = (float)((const momentum_hp *)hp)->momentum;
    float *b = slots;
#pragma omp parallel for if (n >= NN_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        b[i] = mu * b[i] + g[i];
        w[i] += -lr * b[i];
    }
}

static void nesterov_step(const void *hp, float lr, float *w, const float *g, float *slots,
                          size_t n, long t)
{
    (void)t;
    const float mu = (float)((const momentum_hp *)hp)->momentum;
    float *b = slots;
#pragma omp parallel for if (n >= NN_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        b[i] = mu * b[i] + g[i];
        w[i] += -lr * (g[i] + mu * b[i]);
    }
}

static const nn_optim_ops momentum_ops = {"momentum", momentum_hparams, sizeof(momentum_hp), 1,
                                          momentum_step, 0};

/* Nesterov needs a momentum above 0, as PyTorch requires. */
static const nn_hparam nesterov_hparams[] = {
    {"momentum", NN_HP_FLOAT, offsetof(momentum_hp, momentum), NN_HP_MAIN | NN_HP_OPEN_MIN,
     .def = 0.9, .min = 0, .max = 1, .help = "fraction of the previous update kept"},
    {0},
};

static const nn_optim_ops nesterov_ops = {"nesterov", nesterov_hparams, sizeof(momentum_hp), 1,
                                          nesterov_step, 0};

/* ---- adam and adamw ---------------------------------------------------------------------- */

typedef struct adam_hp {
    double beta1, beta2, eps;
} adam_hp;

/* beta must stay below 1, or the bias correction 1 - beta^t is 0. */
static const nn_hparam adam_hparams[] = {
    {"beta1", NN_HP_FLOAT, offsetof(adam_hp, beta1), 0, .def = 0.9, .min = 0, .max = 0.999999,
     .help = "decay of the running mean of the gradient"},
    {"beta2", NN_HP_FLOAT, offsetof(adam_hp, beta2), 0, .def = 0.999, .min = 0,
     .max = 0.999999, .help = "decay of the running mean of the squared gradient"},
    {"eps", NN_HP_FLOAT, offsetof(adam_hp, eps), NN_HP_OPEN_MIN, .def = 1e-8, .min = 0, .max = 1,
     .help = "added to the denominator"},
    {0},
};

/* slots: m (n), then v (n). */
static void adam_step(const void *hp, float lr, float *w, const float *g, float *slots, size_t n,
                      long t)
{
    const adam_hp *a = hp;
    float *m = slots, *v = slots + n;
    const double bc1 = 1 - pow(a->beta1, (double)t), bc2 = 1 - pow(a->beta2, (double)t);
    const float step_size = (float)((double)lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float w1 = (float)(1 - a->beta1), b2 = (float)a->beta2, w2 = (float)(1 - a->beta2);
    const float b1 = (float)a->beta1, eps = (float)a->eps;
    const int lerp_low = w1 < 0.5f; /* torch.lerp's two forms, picked by the weight */
#pragma omp parallel for if (n >= NN_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        m[i] = lerp_low ? m[i] + w1 * (g[i] - m[i]) : g[i] - (g[i] - m[i]) * b1;
        v[i] = v[i] * b2 + w2 * g[i] * g[i];
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        w[i] += -step_size * (m[i] / denom);
    }
}

static const nn_optim_ops adam_ops = {"adam", adam_hparams, sizeof(adam_hp), 2, adam_step, 0};
static const nn_optim_ops adamw_ops = {"adamw", adam_hparams, sizeof(adam_hp), 2, adam_step, 1};

/* ---- the table --------------------------------------------------------------------------- */

/* To add an optimizer: write its step above (state in `slots`, nslots floats per weight, laid
 * out as nslots arrays of n, zero at the start), give it an ops object with its key table and
 * add it here; then document its formula above and in man/nnmodel.5. */
const nn_optim_ops *const nn_optimizers[] = {
    &sgd_ops, &momentum_ops, &nesterov_ops, &adam_ops, &adamw_ops, NULL,
};

const nn_optim_ops *nn_optim_find(const char *type)
{
    if (!type)
        return NULL;
    for (int i = 0; nn_optimizers[i]; i++)
        if (strcmp(nn_optimizers[i]->type, type) == 0)
            return nn_optimizers[i];
    return NULL;
}

double nn_optim_norm(const float *g, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)g[i] * (double)g[i];
    return sqrt(sum);
}

double nn_optim_update(const nn_optim_ops *ops, const void *hp, double lr, double weight_decay,
                       double clip_norm, float *w, float *g, float *slots, size_t n, long t)
{
    double norm = 0;
    if (clip_norm > 0) {
        norm = nn_optim_norm(g, n);
        double coef = clip_norm / (norm + 1e-6);
        if (coef < 1) {
            const float c = (float)coef;
#pragma omp parallel for if (n >= NN_PAR_MIN)
            for (size_t i = 0; i < n; i++)
                g[i] *= c;
        }
    }
    if (weight_decay > 0) {
        if (ops->decoupled_decay) {
            const float keep = (float)(1 - lr * weight_decay);
#pragma omp parallel for if (n >= NN_PAR_MIN)
            for (size_t i = 0; i < n; i++)
                w[i] *= keep;
        } else {
            nn_axpy(n, (float)weight_decay, w, g);
        }
    }
    ops->step(hp, (float)lr, w, g, ops->nslots ? slots : NULL, n, t);
    return norm;
}
