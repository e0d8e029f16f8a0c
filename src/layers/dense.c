/* dense.c -- the fully connected layer: y = x W^T + b.
 *
 * W has shape [units, in] (as in PyTorch), b has shape [units]. An input of several dimensions
 * is taken as flattened (in = every value of a sample), and the output is 1-D [units]. The
 * forward pass needs nothing beyond x, so the layer keeps no cache. */
#include <limits.h>
#include <stddef.h>

#include "kernels.h"
#include "layer.h"
#include "layers.h"

typedef struct dense_hp {
    int units;
    int init; /* an nn_init: the index of the word in nn_init_names */
    int bias; /* bool */
} dense_hp;

static const nn_hparam dense_hparams[] = {
    {"units", NN_HP_INT, offsetof(dense_hp, units), NN_HP_REQUIRED | NN_HP_MAIN, .min = 1,
     .max = 1 << 24, .help = "number of outputs"},
    {"init", NN_HP_CHOICE, offsetof(dense_hp, init), .def = NN_INIT_UNIFORM,
     .choices = nn_init_names, .help = "weight initialisation scheme"},
    {"bias", NN_HP_BOOL, offsetof(dense_hp, bias), .def = 1,
     .help = "add a learned bias to each output"},
    {0},
};

/* The products go through CBLAS, which counts in int: in and units*in must fit. */
static int dense_setup(nn_layer *l, nn_err *err)
{
    const dense_hp *hp = l->hp;
    size_t in = nn_shape_size(l->in);
    if (in == 0)
        return nn_fail(err, "dense needs an input with at least one value");
    if (hp->units < 1)
        return nn_fail(err, "units must be at least 1, got %d", hp->units);
    if (in > (size_t)INT_MAX / (size_t)hp->units)
        return nn_fail(err, "%zu inputs x %d units is too many weights (at most %d)", in,
                       hp->units, INT_MAX);
    nn_shape w = {.ndim = 2, .dim = {hp->units, (int)in}};
    nn_layer_declare(l, "W", w, (nn_init)hp->init, (int)in, hp->units, 0);
    if (hp->bias) {
        /* The seed draws biases like weights; the scaled schemes start them at zero. */
        nn_init b = hp->init == NN_INIT_UNIFORM ? NN_INIT_UNIFORM : NN_INIT_ZERO;
        nn_layer_declare(l, "b", nn_shape_1d(hp->units), b, (int)in, hp->units, 0);
    }
    l->out = nn_shape_1d(hp->units);
    l->cache_len = 0;
    l->work_len = 0;
    return 0;
}

static void dense_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                          float *cache)
{
    (void)cache;
    const dense_hp *hp = l->hp;
    const float *b = hp->bias ? l->param[1].w : NULL;
    nn_linear_forward(x, l->param[0].w, b, y, p->batch, l->param[0].shape.dim[1], hp->units);
}

static void dense_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                           const float *cache, const float *dy, float *dx)
{
    (void)y;
    (void)cache;
    const dense_hp *hp = l->hp;
    float *db = hp->bias ? l->param[1].g : NULL;
    nn_linear_backward(x, l->param[0].w, dy, l->param[0].g, db, dx, p->batch,
                       l->param[0].shape.dim[1], hp->units);
}

const nn_layer_ops nn_dense_ops = {
    "dense", dense_hparams, sizeof(dense_hp), dense_setup, dense_forward, dense_backward,
};
