/* window.c -- the shape arithmetic of layers that slide a square window over images (conv2d,
 * maxpool2d, avgpool2d), and the settings the two pooling layers share; see layers.h.
 *
 * Sizes follow PyTorch: with p zero rows and columns on every side, an input of height h gives
 * floor((h + 2p - k) / stride) + 1 rows. `same` follows TensorFlow (and PyTorch's
 * padding='same' at stride 1): the output has ceil(h / stride) rows, and the padding needed,
 * max((out - 1) * stride + k - h, 0), is split with the odd row, if any, at the bottom (and the
 * odd column at the right); so an even kernel at stride 1 pads k/2 - 1 above and k/2 below. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

/* Rows of output and zero rows above for one dimension; -1 when the window does not fit. */
static int out_size(int in, int k, int stride, int pad, int same, int *before)
{
    if (same) {
        long out = ((long)in + stride - 1) / stride;
        long total = (out - 1) * (long)stride + k - in;
        *before = total > 0 ? (int)(total / 2) : 0;
        return (int)out;
    }
    *before = pad;
    long span = (long)in + 2L * pad;
    if (span < k)
        return -1;
    return (int)((span - k) / stride + 1);
}

int nn_window_setup(const nn_layer *l, const char *key, int k, int stride, int pad, int same,
                    nn_conv_geom *g, nn_err *err)
{
    char shape[64];
    nn_shape_format(l->in, shape, sizeof shape);
    if (l->in.ndim != 3 || nn_shape_size(l->in) == 0)
        return nn_fail(err, "%s needs an input of shape [channels, height, width], got %s "
                            "(an image model starts with input: [C, H, W])",
                       l->ops->type, shape);
    int padded = pad >= 0;
    if (!padded)
        pad = 0;
    if (k < 1 || stride < 1)
        return nn_fail(err, "%s %d and stride %d: expected both >= 1", key, k, stride);
    int c = l->in.dim[0], h = l->in.dim[1], w = l->in.dim[2];
    g->c = c;
    g->h = h;
    g->w = w;
    g->k = k;
    g->stride = stride;
    g->oh = out_size(h, k, stride, pad, same, &g->pad_h);
    g->ow = out_size(w, k, stride, pad, same, &g->pad_w);
    if ((g->oh < 0 || g->ow < 0) && !padded)
        return nn_fail(err, "%s %d is larger than input %dx%d", key, k, h, w);
    if (g->oh < 0 || g->ow < 0)
        return nn_fail(err, "%s %d is larger than input %dx%d (with padding %d)", key, k, h, w,
                       pad);
    if ((long long)c * k * k > INT_MAX || (long long)g->oh * g->ow > INT_MAX)
        return nn_fail(err, "%s %d over input %s gives too many values (at most %d per window "
                            "and per output plane)", key, k, shape, INT_MAX);
    return 0;
}

const nn_hparam nn_pool_hparams[] = {
    {"size", NN_HP_INT, offsetof(nn_pool_hp, size), NN_HP_MAIN, .def = 2, .min = 1,
     .max = 1 << 16, .help = "height and width of the square window"},
    {"stride", NN_HP_INT, offsetof(nn_pool_hp, stride), .def = 0, .min = 0, .max = 1 << 16,
     .help = "step between windows (0: the window size)"},
    {0},
};

int nn_pool_geometry(const nn_layer *l, nn_conv_geom *g, nn_err *err)
{
    const nn_pool_hp *hp = l->hp;
    return nn_window_setup(l, "size", hp->size, hp->stride ? hp->stride : hp->size, -1, 0, g,
                           err);
}
