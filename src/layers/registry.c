/* registry.c -- the table of every layer type; see layer.h.
 *
 * config.c finds a type by its YAML word here and reads the type's key table; model.c calls
 * the type's setup, forward and backward. Nothing else in the program names a layer type. */
#include <string.h>

#include "layer.h"
#include "layers.h"

/* To add a layer type:
 *   1. write src/layers/<type>.c defining `const nn_layer_ops nn_<type>_ops` (STYLE.md section 3:
 *      a hyperparameter struct and {0}-ended nn_hparam table with help texts, then setup,
 *      forward and backward);
 *   2. declare it in src/layers/layers.h;
 *   3. add one line below.
 * The Makefile picks up the new file by itself, tests/unit/test_gradcheck.c checks its
 * gradients, and the man page nnmodel(5) should list its keys. The order here is the order of
 * listings such as "expected one of: ...". */
const nn_layer_ops *const nn_layers[] = {
    &nn_dense_ops,
    &nn_sigmoid_ops,
    &nn_tanh_ops,
    &nn_relu_ops,
    &nn_leaky_relu_ops,
    &nn_elu_ops,
    &nn_softmax_ops,
    &nn_linear_ops,
    &nn_conv2d_ops,
    &nn_maxpool2d_ops,
    &nn_avgpool2d_ops,
    &nn_flatten_ops,
    &nn_dropout_ops,
    &nn_batchnorm_ops,
    NULL,
};

const nn_layer_ops *nn_layer_find(const char *type)
{
    if (!type)
        return NULL;
    for (int i = 0; nn_layers[i]; i++)
        if (strcmp(nn_layers[i]->type, type) == 0)
            return nn_layers[i];
    return NULL;
}
