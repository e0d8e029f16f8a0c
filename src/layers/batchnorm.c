/* batchnorm.c -- batch normalisation, as PyTorch's BatchNorm1d/BatchNorm2d.
 *
 * The first dimension of a sample is the channel: an input [N] (after dense) is normalised per
 * feature over the batch; an input [C, H, W] (after conv2d) per channel over the batch and
 * every position, and [C, L] per channel over the batch and L. With m the values of a channel
 * in a batch:
 *   training:   y = gamma * (x - mean(m)) / sqrt(var(m) + eps) + beta,  var biased (over |m|)
 *   prediction: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
 * gamma and beta are trained (they start at 1 and 0). running_mean and running_var (starting at
 * 0 and 1) are frozen parameters: saved in the weights file, never stepped by the optimizer,
 * and updated by every training forward pass as in PyTorch:
 *   running = (1 - momentum) * running + momentum * batch statistic,
 * with the unbiased variance (over |m| - 1). A batch with one value per channel has no
 * variance to learn from and leaves them unchanged.
 *
 * The per-batch mean and 1/sqrt(var + eps) of every channel are the layer's state (state_len
 * floats at the head of the cache); backward recomputes the normalised x from them. Sums run
 * in double, each channel on one thread, so results do not depend on the thread count. */
#include <math.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct batchnorm_hp {
    double momentum;
    double eps;
} batchnorm_hp;

static const nn_hparam batchnorm_hparams[] = {
    {"momentum", NN_HP_FLOAT, offsetof(batchnorm_hp, momentum), .def = 0.1, .min = 0, .max = 1,
     .help = "weight of each batch in the running statistics"},
    {"eps", NN_HP_FLOAT, offsetof(batchnorm_hp, eps), NN_HP_OPEN_MIN, .def = 1e-5, .min = 0,
     .max = 1, .help = "added to the variance before the square root"},
    {0},
};

enum { GAMMA, BETA, RUNNING_MEAN, RUNNING_VAR };

/* Channels and values per channel per sample. */
static void channels(const nn_layer *l, int *c, size_t *s)
{
    *c = l->in.dim[0];
    *s = nn_shape_size(l->in) / (size_t)l->in.dim[0];
}

static int batchnorm_setup(nn_layer *l, nn_err *err)
{
    if (nn_shape_size(l->in) == 0)
        return nn_fail(err, "batchnorm needs an input with at least one value");
    int c = l->in.dim[0];
    nn_shape s = nn_shape_1d(c);
    nn_layer_declare(l, "gamma", s, NN_INIT_ONE, c, c, 0);
    nn_layer_declare(l, "beta", s, NN_INIT_ZERO, c, c, 0);
    nn_layer_declare(l, "running_mean", s, NN_INIT_ZERO, c, c, NN_PARAM_FROZEN);
    nn_layer_declare(l, "running_var", s, NN_INIT_ONE, c, c, NN_PARAM_FROZEN);
    l->out = l->in;
    l->state_len = 2 * (size_t)c; /* mean, then 1 / sqrt(var + eps), per channel */
    l->cache_len = 0;
    l->work_len = 0;
    return 0;
}

/* Value j (0 <= j < s) of channel ch in sample b. */
static size_t at(int b, int c, int ch, size_t s, size_t j)
{
    return ((size_t)b * (size_t)c + (size_t)ch) * s + j;
}

static void batchnorm_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                              float *cache)
{
    const batchnorm_hp *hp = l->hp;
    int c, batch = p->batch;
    size_t s;
    channels(l, &c, &s);
    const float *gamma = l->param[GAMMA].w, *beta = l->param[BETA].w;
    float *rmean = l->param[RUNNING_MEAN].w, *rvar = l->param[RUNNING_VAR].w;
    size_t total = (size_t)batch * (size_t)c * s;
    double count = (double)batch * (double)s, mom = hp->momentum;
#pragma omp parallel for schedule(static) if (total > NN_PAR_MIN)
    for (int ch = 0; ch < c; ch++) {
        double mean, inv;
        if (p->train) {
            double sum = 0, sq = 0;
            for (int b = 0; b < batch; b++)
                for (size_t j = 0; j < s; j++)
                    sum += x[at(b, c, ch, s, j)];
            mean = sum / count;
            for (int b = 0; b < batch; b++) {
                for (size_t j = 0; j < s; j++) {
                    double d = x[at(b, c, ch, s, j)] - mean;
                    sq += d * d;
                }
            }
            double var = sq / count;
            inv = 1.0 / sqrt(var + hp->eps);
            cache[ch] = (float)mean;
            cache[c + ch] = (float)inv;
            if (count > 1) {
                rmean[ch] = (float)((1 - mom) * rmean[ch] + mom * mean);
                rvar[ch] = (float)((1 - mom) * rvar[ch] + mom * var * count / (count - 1));
            }
        } else {
            mean = rmean[ch];
            inv = 1.0 / sqrt((double)rvar[ch] + hp->eps);
        }
        float scale = (float)(gamma[ch] * inv), shift = (float)(beta[ch] - gamma[ch] * inv * mean);
        for (int b = 0; b < batch; b++)
            for (size_t j = 0; j < s; j++)
                y[at(b, c, ch, s, j)] = x[at(b, c, ch, s, j)] * scale + shift;
    }
}

/* Follows a training forward pass. With xh the normalised x of a channel and n its count:
 *   dgamma += sum(dy * xh),  dbeta += sum(dy),
 *   dx = gamma * inv / n * (n * dy - sum(dy) - xh * sum(dy * xh)). */
static void batchnorm_backward(const nn_layer *l, const nn_pass *p, const float *x,
                               const float *y, const float *cache, const float *dy, float *dx)
{
    (void)y;
    int c, batch = p->batch;
    size_t s;
    channels(l, &c, &s);
    const float *gamma = l->param[GAMMA].w;
    float *dgamma = l->param[GAMMA].g, *dbeta = l->param[BETA].g;
    size_t total = (size_t)batch * (size_t)c * s;
    double count = (double)batch * (double)s;
#pragma omp parallel for schedule(static) if (total > NN_PAR_MIN)
    for (int ch = 0; ch < c; ch++) {
        double mean = cache[ch], inv = cache[c + ch], sdy = 0, sdyxh = 0;
        for (int b = 0; b < batch; b++) {
            for (size_t j = 0; j < s; j++) {
                size_t i = at(b, c, ch, s, j);
                sdy += dy[i];
                sdyxh += dy[i] * ((x[i] - mean) * inv);
            }
        }
        dgamma[ch] += (float)sdyxh;
        dbeta[ch] += (float)sdy;
        if (!dx)
            continue;
        double k = gamma[ch] * inv / count;
        for (int b = 0; b < batch; b++) {
            for (size_t j = 0; j < s; j++) {
                size_t i = at(b, c, ch, s, j);
                double xh = (x[i] - mean) * inv;
                dx[i] = (float)(k * (count * dy[i] - sdy - xh * sdyxh));
            }
        }
    }
}

const nn_layer_ops nn_batchnorm_ops = {
    "batchnorm", batchnorm_hparams, sizeof(batchnorm_hp), batchnorm_setup, batchnorm_forward,
    batchnorm_backward,
};
