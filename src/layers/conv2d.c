/* conv2d.c -- the 2-D convolution (cross-correlation, as in PyTorch's Conv2d) over images.
 *
 * Input [C, H, W], output [filters, OH, OW]; W has shape [filters, C, kernel, kernel] and b
 * shape [filters], so a weights file reads like a PyTorch state dict. The output size and the
 * padding words are window.c's: `valid` (no padding, the default), `same`, or a number of zero
 * rows and columns on every side.
 *
 * The arithmetic is kernels.c's nn_conv_forward and nn_conv_backward: the convolution lowered
 * to matrix products (im2col), the batch split between threads, in the shared work area. The
 * layer keeps no cache: backward lowers x again, which costs less than storing and reloading
 * the column matrices. */
#include <limits.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct conv2d_hp {
    int filters;
    int kernel;
    int stride;
    int padding; /* -1 valid, -2 same (the words, see hparam.h), or zeros on each side */
    int init;    /* an nn_init: the index of the word in nn_init_names */
    int bias;    /* bool */
} conv2d_hp;

static const char *const padding_words[] = {"valid", "same", NULL};
enum { PAD_VALID = -1, PAD_SAME = -2 };

static const nn_hparam conv2d_hparams[] = {
    {"filters", NN_HP_INT, offsetof(conv2d_hp, filters), NN_HP_REQUIRED | NN_HP_MAIN, .min = 1,
     .max = 1 << 20, .help = "number of output channels"},
    {"kernel", NN_HP_INT, offsetof(conv2d_hp, kernel), NN_HP_REQUIRED, .min = 1, .max = 1 << 16,
     .help = "height and width of the square kernel"},
    {"stride", NN_HP_INT, offsetof(conv2d_hp, stride), .def = 1, .min = 1, .max = 1 << 16,
     .help = "step between kernel positions"},
    {"padding", NN_HP_INT_OR_WORD, offsetof(conv2d_hp, padding), .def = PAD_VALID, .min = 0,
     .max = 1 << 16, .choices = padding_words,
     .help = "valid, same, or zero rows and columns added on each side"},
    {"init", NN_HP_CHOICE, offsetof(conv2d_hp, init), .def = NN_INIT_UNIFORM,
     .choices = nn_init_names, .help = "weight initialisation scheme"},
    {"bias", NN_HP_BOOL, offsetof(conv2d_hp, bias), .def = 1,
     .help = "add a learned bias to each output channel"},
    {0},
};

static int geometry(const nn_layer *l, nn_conv_geom *g, nn_err *err)
{
    const conv2d_hp *hp = l->hp;
    int pad = hp->padding >= 0 ? hp->padding : 0;
    return nn_window_setup(l, "kernel", hp->kernel, hp->stride, pad, hp->padding == PAD_SAME, g,
                           err);
}

static int conv2d_setup(nn_layer *l, nn_err *err)
{
    const conv2d_hp *hp = l->hp;
    nn_conv_geom g;
    if (geometry(l, &g, err) < 0)
        return -1;
    if (hp->filters < 1)
        return nn_fail(err, "filters must be at least 1, got %d", hp->filters);
    long long kk = (long long)g.c * g.k * g.k;
    if (kk * hp->filters > INT_MAX)
        return nn_fail(err, "%d filters of %dx%dx%d is too many weights (at most %d)",
                       hp->filters, g.c, g.k, g.k, INT_MAX);
    nn_shape w = {.ndim = 4, .dim = {hp->filters, g.c, g.k, g.k}};
    int fan_in = (int)kk, fan_out = hp->filters * g.k * g.k;
    nn_layer_declare(l, "W", w, (nn_init)hp->init, fan_in, fan_out, 0);
    if (hp->bias) {
        /* As in dense: the seed's scheme draws biases too, the scaled ones start at zero. */
        nn_init b = hp->init == NN_INIT_UNIFORM ? NN_INIT_UNIFORM : NN_INIT_ZERO;
        nn_layer_declare(l, "b", nn_shape_1d(hp->filters), b, fan_in, fan_out, 0);
    }
    l->out = (nn_shape){.ndim = 3, .dim = {hp->filters, g.oh, g.ow}};
    l->cache_len = 0;
    l->work_len = nn_conv_work_len(&g, hp->filters);
    l->state_len = 0;
    return 0;
}

static void conv2d_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                           float *cache)
{
    const conv2d_hp *hp = l->hp;
    nn_conv_geom g;
    if (geometry(l, &g, NULL) < 0)
        return; /* setup accepted this shape: cannot happen */
    const float *b = hp->bias ? l->param[1].w : NULL;
    (void)cache;
    nn_conv_forward(&g, x, l->param[0].w, b, y, p->batch, hp->filters, p->work);
}

static void conv2d_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                            const float *cache, const float *dy, float *dx)
{
    (void)y;
    (void)cache;
    const conv2d_hp *hp = l->hp;
    nn_conv_geom g;
    if (geometry(l, &g, NULL) < 0)
        return;
    float *db = hp->bias ? l->param[1].g : NULL;
    nn_conv_backward(&g, x, l->param[0].w, dy, l->param[0].g, db, dx, p->batch, hp->filters,
                     p->work);
}

const nn_layer_ops nn_conv2d_ops = {
    "conv2d", conv2d_hparams, sizeof(conv2d_hp), conv2d_setup, conv2d_forward, conv2d_backward,
};
