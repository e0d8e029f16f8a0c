/* layers.h -- the ops object of every layer type, for registry.c and the layer files only.
 *
 * Each src/layers/<type>.c defines one `const nn_layer_ops nn_<type>_ops` and includes this
 * header, so its definition is checked against the declaration here. The rest of the program
 * reaches layer types only through the registry (nn_layers[], nn_layer_find in layer.h). */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include "kernels.h"
#include "layer.h"

extern const nn_layer_ops nn_dense_ops;
extern const nn_layer_ops nn_sigmoid_ops;
extern const nn_layer_ops nn_tanh_ops;
extern const nn_layer_ops nn_relu_ops;
extern const nn_layer_ops nn_leaky_relu_ops;
extern const nn_layer_ops nn_elu_ops;
extern const nn_layer_ops nn_softmax_ops;
extern const nn_layer_ops nn_linear_ops;
extern const nn_layer_ops nn_conv2d_ops;
extern const nn_layer_ops nn_maxpool2d_ops;
extern const nn_layer_ops nn_avgpool2d_ops;
extern const nn_layer_ops nn_flatten_ops;
extern const nn_layer_ops nn_dropout_ops;
extern const nn_layer_ops nn_batchnorm_ops;

/* Shared by the layers that slide a square window over images (window.c): checks that l->in is
 * [channels, height, width] and fills g for a window of size k moved by stride, with pad zero
 * rows and columns on every side, or, when same is set, with the padding that gives an output
 * of ceil(height / stride) x ceil(width / stride) (an odd total goes below and right). A
 * layer without padding passes pad -1 (none, and not mentioned in messages). `key` names the
 * window's setting in messages ("kernel", "size"). Returns 0, or -1 with a message naming the
 * shapes: "kernel 5 is larger than input 4x4 (with padding 0)". */
int nn_window_setup(const nn_layer *l, const char *key, int k, int stride, int pad, int same,
                    nn_conv_geom *g, nn_err *err);

/* The settings of maxpool2d and avgpool2d (window.c): a square window and its step. */
typedef struct nn_pool_hp {
    int size;
    int stride; /* 0: the window size */
} nn_pool_hp;
extern const nn_hparam nn_pool_hparams[];

/* nn_window_setup for a pooling layer: no padding, the stride defaulting to the size. */
int nn_pool_geometry(const nn_layer *l, nn_conv_geom *g, nn_err *err);

/* The setup of an elementwise layer (linear.c): the output keeps the input's shape, and the
 * layer needs no cache and no work area. The activations use it as theirs. */
int nn_elementwise_setup(nn_layer *l, nn_err *err);

/* y = x and dx = dy, whatever the shapes (linear.c): linear's passes, and flatten's, whose
 * values keep their order and only the shape changes. */
void nn_identity_forward(const nn_layer *l, const nn_pass *p, const float *x, float *y,
                         float *cache);
void nn_identity_backward(const nn_layer *l, const nn_pass *p, const float *x, const float *y,
                          const float *cache, const float *dy, float *dx);

#endif
