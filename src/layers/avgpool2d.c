/* avgpool2d.c -- the mean of each window of each channel, as PyTorch's AvgPool2d.
 *
 * Input [C, H, W], output [C, OH, OW] with OH = floor((H - size) / stride) + 1 (no padding, so
 * every window averages size*size values; window.c). No cache: the gradient of a mean is
 * dy / (size*size) for each value of the window. */
#include <stddef.h>
#include <string.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

static int avgpool2d_setup(nn_layer *l, nn_err *err)
{
    nn_conv_geom g;
    if (nn_pool_geometry(l, &g, err) < 0)
        return -1;
    l->out = (nn_shape){.ndim = 3, .dim = {g.c, g.oh, g.ow}};
    l->cache_len = 0;
    l->work_len = 0;
    l->state_len = 0;
    return 0;
}

/* One input plane: x: (h, w)  y: (oh, ow) */
static void pool_plane(const nn_conv_geom *g, const float *x, float *y)
{
    int k = g->k, s = g->stride;
    float scale = 1.0f / (float)((double)k * k);
    for (int oy = 0; oy < g->oh; oy++) {
        for (int ox = 0; ox < g->ow; ox++) {
            float sum = 0;
            for (int ki = 0; ki < k; ki++) {
                const float *row = x + (size_t)(oy * s + ki) * (size_t)g->w + (size_t)(ox * s);
                for (int kj = 0; kj < k; kj++)
                    sum += row[kj];
            }
            y[oy * g->ow + ox] = sum * scale;
        }
    }
}

static void avgpool2d_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                              float *cache)
{
    (void)cache;
    nn_conv_geom g;
    if (nn_pool_geometry(l, &g, NULL) < 0)
        return;
    size_t in = (size_t)g.h * (size_t)g.w, out = (size_t)g.oh * (size_t)g.ow;
    long planes = (long)p->batch * g.c;
#pragma omp parallel for schedule(static) if ((size_t)planes * in > NN_PAR_MIN)
    for (long i = 0; i < planes; i++)
        pool_plane(&g, x + (size_t)i * in, y + (size_t)i * out);
}

/* Each plane of dx is zeroed and written by one task, so overlapping windows add up in a fixed
 * order. */
static void avgpool2d_backward(const nn_layer *l, const nn_pass *p, const float *x,
                               const float *y, const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    (void)cache;
    nn_conv_geom g;
    if (!dx || nn_pool_geometry(l, &g, NULL) < 0)
        return;
    size_t in = (size_t)g.h * (size_t)g.w, out = (size_t)g.oh * (size_t)g.ow;
    long planes = (long)p->batch * g.c;
    int k = g.k, s = g.stride;
    float scale = 1.0f / (float)((double)k * k);
#pragma omp parallel for schedule(static) if ((size_t)planes * in > NN_PAR_MIN)
    for (long i = 0; i < planes; i++) {
        float *d = dx + (size_t)i * in;
        const float *go = dy + (size_t)i * out;
        memset(d, 0, in * sizeof(float));
        for (int oy = 0; oy < g.oh; oy++) {
            for (int ox = 0; ox < g.ow; ox++) {
                float v = go[oy * g.ow + ox] * scale;
                for (int ki = 0; ki < k; ki++) {
                    float *row = d + (size_t)(oy * s + ki) * (size_t)g.w + (size_t)(ox * s);
                    for (int kj = 0; kj < k; kj++)
                        row[kj] += v;
                }
            }
        }
    }
}

const nn_layer_ops nn_avgpool2d_ops = {
    "avgpool2d", nn_pool_hparams, sizeof(nn_pool_hp),
    avgpool2d_setup, avgpool2d_forward, avgpool2d_backward,
};
