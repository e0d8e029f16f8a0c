/* maxpool2d.c -- the largest value of each window of each channel, as PyTorch's MaxPool2d.
 *
 * Input [C, H, W], output [C, OH, OW] with OH = floor((H - size) / stride) + 1 (no padding;
 * window.c). The cache keeps, for every output value, the position in its input plane of the
 * value picked, so backward routes each gradient to it without searching again. A tie goes to
 * the first position in row-major order; a NaN in a window is picked, so it is not hidden. */
#include <stddef.h>
#include <string.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

/* Positions are kept as floats in the cache, exact up to 2^24 values per plane. */
enum { MAX_PLANE = 1 << 24 };

static int maxpool2d_setup(nn_layer *l, nn_err *err)
{
    nn_conv_geom g;
    if (nn_pool_geometry(l, &g, err) < 0)
        return -1;
    if ((long long)g.h * g.w > MAX_PLANE)
        return nn_fail(err, "input planes of %dx%d are too large (at most %d values)", g.h, g.w,
                       MAX_PLANE);
    l->out = (nn_shape){.ndim = 3, .dim = {g.c, g.oh, g.ow}};
    l->cache_len = nn_shape_size(l->out); /* the position picked for each output */
    l->work_len = 0;
    l->state_len = 0;
    return 0;
}

/* Whether v replaces the maximum m so far: when larger, or when the first NaN. */
static int beats(float v, float m)
{
    return v > m || (v != v && m == m);
}

/* One input plane: x: (h, w)  y, at: (oh, ow) */
static void pool_plane(const nn_conv_geom *g, const float *x, float *y, float *at)
{
    int k = g->k, s = g->stride;
    for (int oy = 0; oy < g->oh; oy++) {
        for (int ox = 0; ox < g->ow; ox++) {
            int best = oy * s * g->w + ox * s;
            float m = x[best];
            for (int ki = 0; ki < k; ki++) {
                const float *row = x + (size_t)(oy * s + ki) * (size_t)g->w + (size_t)(ox * s);
                for (int kj = 0; kj < k; kj++) {
                    if (beats(row[kj], m)) {
                        m = row[kj];
                        best = (oy * s + ki) * g->w + ox * s + kj;
                    }
                }
            }
            y[oy * g->ow + ox] = m;
            at[oy * g->ow + ox] = (float)best;
        }
    }
}

/* The usual 2x2 window at stride 2, the same picks without the loops: four candidates in
 * row-major order, selected without branches. */
static void pool_plane_2x2(const nn_conv_geom *g, const float *x, float *y, float *at)
{
    int w = g->w;
    for (int oy = 0; oy < g->oh; oy++) {
        const float *r0 = x + (size_t)(2 * oy) * (size_t)w, *r1 = r0 + w;
        float *yo = y + (size_t)oy * (size_t)g->ow, *ao = at + (size_t)oy * (size_t)g->ow;
        for (int ox = 0; ox < g->ow; ox++) {
            int j = 2 * ox, first = 2 * oy * w + j;
            float m = r0[j], v;
            int best = first, take;
            v = r0[j + 1];
            take = beats(v, m);
            m = take ? v : m;
            best = take ? first + 1 : best;
            v = r1[j];
            take = beats(v, m);
            m = take ? v : m;
            best = take ? first + w : best;
            v = r1[j + 1];
            take = beats(v, m);
            m = take ? v : m;
            best = take ? first + w + 1 : best;
            yo[ox] = m;
            ao[ox] = (float)best;
        }
    }
}

static void maxpool2d_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                              float *cache)
{
    nn_conv_geom g;
    if (nn_pool_geometry(l, &g, NULL) < 0)
        return;
    size_t in = (size_t)g.h * (size_t)g.w, out = (size_t)g.oh * (size_t)g.ow;
    long planes = (long)p->batch * g.c;
#pragma omp parallel for schedule(static) if ((size_t)planes * in > NN_PAR_MIN)
    for (long i = 0; i < planes; i++) {
        if (g.k == 2 && g.stride == 2)
            pool_plane_2x2(&g, x + (size_t)i * in, y + (size_t)i * out, cache + (size_t)i * out);
        else
            pool_plane(&g, x + (size_t)i * in, y + (size_t)i * out, cache + (size_t)i * out);
    }
}

/* Each plane of dx is zeroed and written by one task, so overlapping windows (stride < size)
 * add up in a fixed order. */
static void maxpool2d_backward(const nn_layer *l, const nn_pass *p, const float *x,
                               const float *y, const float *cache, const float *dy, float *dx)
{
    (void)x;
    (void)y;
    nn_conv_geom g;
    if (!dx || nn_pool_geometry(l, &g, NULL) < 0)
        return;
    size_t in = (size_t)g.h * (size_t)g.w, out = (size_t)g.oh * (size_t)g.ow;
    long planes = (long)p->batch * g.c;
#pragma omp parallel for schedule(static) if ((size_t)planes * in > NN_PAR_MIN)
    for (long i = 0; i < planes; i++) {
        float *d = dx + (size_t)i * in;
        const float *at = cache + (size_t)i * out, *g_out = dy + (size_t)i * out;
        memset(d, 0, in * sizeof(float));
        for (size_t j = 0; j < out; j++)
            d[(size_t)at[j]] += g_out[j];
    }
}

const nn_layer_ops nn_maxpool2d_ops = {
    "maxpool2d", nn_pool_hparams, sizeof(nn_pool_hp),
    maxpool2d_setup, maxpool2d_forward, maxpool2d_backward,
};
