/* layers.h -- the ops object of every layer type, for registry.c and the layer files only.
 *
 * Each src/layers/<type>.c defines one `const nn_layer_ops nn_<type>_ops` and includes this
 * header, so its definition is checked against the declaration here. The rest of the program
 * reaches layer types only through the registry (nn_layers[], nn_layer_find in layer.h). */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include "layer.h"

extern const nn_layer_ops nn_dense_ops;
extern const nn_layer_ops nn_sigmoid_ops;
extern const nn_layer_ops nn_tanh_ops;
extern const nn_layer_ops nn_relu_ops;
extern const nn_layer_ops nn_leaky_relu_ops;
extern const nn_layer_ops nn_elu_ops;
extern const nn_layer_ops nn_softmax_ops;
extern const nn_layer_ops nn_linear_ops;

#endif
