/* layer.h -- the contract between model.c and one layer type.
 *
 * Every layer type lives in its own file under src/layers/ and exports one `nn_<type>_ops`
 * registered in src/layers/registry.c. A layer owns no memory: model.c allocates the parameter,
 * gradient, activation and cache arenas once at build time and hands the layer slices of them.
 * Layers do no I/O, no allocation and no printing.
 *
 * Tensors are batch-major: a batch of B samples of a layer's input is B contiguous rows of
 * nn_shape_size(in) floats. */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stddef.h>

#include "err.h"
#include "hparam.h"
#include "rng.h"

enum { NN_MAX_DIM = 4, NN_MAX_PARAMS = 4, NN_NAME_MAX = 32 };

/* The shape of one sample: {1, {2}} for two features, {3, {1, 28, 28}} for an image. */
typedef struct nn_shape {
    int ndim;
    int dim[NN_MAX_DIM];
} nn_shape;

/* Number of floats in one sample of shape s (0 for an empty shape). */
size_t nn_shape_size(nn_shape s);
nn_shape nn_shape_1d(int n);
/* Whether a and b have the same dimensions. */
int nn_shape_equal(nn_shape a, nn_shape b);
/* Writes "3", "1x28x28" into buf. */
void nn_shape_format(nn_shape s, char *buf, size_t size);

/* Weight initialisation schemes. uniform is the seed's U(-0.5, 0.5); xavier and he are the
 * uniform Glorot and Kaiming schemes (bounds sqrt(6/(fan_in+fan_out)) and sqrt(6/fan_in)). */
typedef enum nn_init { NN_INIT_UNIFORM, NN_INIT_XAVIER, NN_INIT_HE, NN_INIT_ZERO, NN_INIT_ONE } nn_init;
extern const char *const nn_init_names[]; /* "uniform", "xavier", "he", NULL: the YAML words */

enum { NN_PARAM_FROZEN = 1 }; /* saved in .nnw, never stepped by the optimizer */

typedef struct nn_param {      /* declared by setup(); w and g are filled in by the model */
    char name[NN_NAME_MAX];    /* "W"; stored in the weights file as "<layer>.W" */
    nn_shape shape;
    nn_init init;
    int fan_in, fan_out;       /* for xavier and he */
    unsigned flags;
    float *w, *g;              /* slices of the model's value and gradient arenas */
} nn_param;

/* What one forward or backward call works on. `work` is a scratch area of at least
 * work_len * batch floats, shared by all layers and valid only during the call. */
typedef struct nn_pass {
    int batch;
    int train;     /* 1 while training (dropout active), 0 when predicting */
    nn_rng *rng;   /* for stochastic layers; NULL when predicting */
    float *work;
} nn_pass;

typedef struct nn_layer nn_layer;

typedef struct nn_layer_ops {
    const char *type;          /* the YAML type word, e.g. "dense" */
    const nn_hparam *hparams;  /* keys it accepts, {0}-ended; NULL: none */
    size_t hp_size;            /* sizeof its hyperparameter struct (0: none) */
    /* Shape function: from l->in and l->hp set l->out, declare params with nn_layer_declare,
     * set cache_len / work_len. Returns 0, or -1 with a message (model.c adds the place). */
    int (*setup)(nn_layer *l, nn_err *err);
    /* y = f(x) for p->batch rows; keeps what backward needs in cache.
     * x: (batch, in)  y: (batch, out)
     * cache: state_len floats of per-batch state, then (batch, cache_len) */
    void (*forward)(const nn_layer *l, const nn_pass *p, const float *x, float *y, float *cache);
    /* Adds dE/dW into each param[i].g; writes dE/dX into dx unless dx is NULL.
     * dy: (batch, out)  dx: (batch, in) */
    void (*backward)(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                     const float *cache, const float *dy, float *dx);
} nn_layer_ops;

struct nn_layer {              /* built, owned and freed by model.c only */
    const nn_layer_ops *ops;
    char name[NN_NAME_MAX];    /* YAML `name:`, or "<type><index>", 1-based: "dense1" */
    const void *hp;            /* read-only here; filled by hparam.c */
    nn_shape in, out;
    nn_param param[NN_MAX_PARAMS];
    int nparam;
    size_t cache_len, work_len; /* floats per sample */
    size_t state_len;          /* floats of per-batch state at the head of the cache
                                * (batch statistics, say); not scaled by the batch */
};

/* Adds a parameter to l (at most NN_MAX_PARAMS; setup code declares a fixed few). */
void nn_layer_declare(nn_layer *l, const char *name, nn_shape s, nn_init init, int fan_in,
                      int fan_out, unsigned flags);

/* The registry (src/layers/registry.c): a NULL-ended table of every layer type. */
extern const nn_layer_ops *const nn_layers[];
const nn_layer_ops *nn_layer_find(const char *type); /* NULL if unknown */

#endif
