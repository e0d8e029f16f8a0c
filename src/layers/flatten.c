/* flatten.c -- a sample of any shape as one row of values: [C, H, W] becomes [C*H*W].
 *
 * The values keep their row-major order (channel, then row, then column, as PyTorch's
 * Flatten), so a dense layer after it sees the same inputs it would see without it; flatten
 * makes the shape explicit in --summary and in the model file. */
#include <limits.h>
#include <stddef.h>

#include "layer.h"
#include "layers.h"

static int flatten_setup(nn_layer *l, nn_err *err)
{
    size_t n = nn_shape_size(l->in);
    if (n == 0 || n > (size_t)INT_MAX)
        return nn_fail(err, "flatten needs an input of 1 to %d values, got %zu", INT_MAX, n);
    l->out = nn_shape_1d((int)n);
    l->cache_len = 0;
    l->work_len = 0;
    l->state_len = 0;
    return 0;
}

const nn_layer_ops nn_flatten_ops = {
    "flatten", NULL, 0, flatten_setup, nn_identity_forward, nn_identity_backward,
};
