/* lint.h -- warnings: a model file or data that is valid but most likely not what was meant.
 *
 * Each check looks at what nntrain has read and, when something looks wrong, writes one line of
 * advice and returns 1; otherwise it returns 0. Training goes on either way: nntrain prints
 * each as "nntrain: warning: <message>" on standard error (unless -q). Nothing here prints. */
#ifndef NN_LINT_H
#define NN_LINT_H

#include <stddef.h>

#include "data.h"
#include "err.h"
#include "spec.h"

/* An image input written channels last: input [H, W, C] with C in {1, 3, 4}, H and W above 4,
 * and a layer that works on images (conv2d, maxpool2d, avgpool2d). Writes the advice, without
 * a place (it belongs to spec->input_pos), into buf:
 *   input [28, 28, 1] is channels, height, width: 28 channels of 28x1 (for 28x28 images of
 *   1 channel, write input: [1, 28, 28]) */
int nn_lint_channels_last(const nn_spec *spec, char *buf, size_t size);

/* The network's last layer is the activation another loss fuses with (sigmoid before
 * cross_entropy, softmax before binary_cross_entropy): the loss takes its input as logits and
 * applies its own activation, so the outputs are squashed twice. The warning names the layer's
 * place in the model file. */
int nn_lint_last_activation(const nn_spec *spec, nn_err *warn);

/* A cross_entropy classifier with class-index labels and more outputs than the classes its
 * labels hold (the highest label + 1, over the nsets sets given; sets with no rows are
 * skipped). The warning names the file of the first set's labels. */
int nn_lint_classes(const nn_spec *spec, int width, const nn_dataset *const *sets, int nsets,
                    nn_err *warn);

#endif
