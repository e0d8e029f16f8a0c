/* loss.h -- the loss table: mse, mae, cross_entropy, binary_cross_entropy.
 *
 * A loss sees the network's final values z (batch, width) and the targets t, returns the mean
 * loss over the batch and, when dz is not NULL, writes dE/dz (the gradient of that mean).
 *
 * Losses that name an activation in `fuses` (cross_entropy: softmax, binary_cross_entropy:
 * sigmoid) take logits: when the network ends with that activation, the model hands the loss
 * the activation's input and skips it, which is the numerically stable form; when it does not,
 * the network's output is taken as logits, as in PyTorch. */
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include <stddef.h>

#include "err.h"

typedef enum nn_task {
    NN_TASK_REGRESSION, /* targets: width numbers per row */
    NN_TASK_MULTICLASS, /* targets: one class index per row, or width one-hot numbers */
    NN_TASK_BINARY,     /* targets: width numbers in {0, 1} per row */
} nn_task;

typedef struct nn_loss_ops {
    const char *type;  /* the YAML word */
    const char *fuses; /* activation type taken as part of the loss, or NULL */
    nn_task task;
    /* z: (batch, width)  t: (batch, twidth)  dz: (batch, width) or NULL.
     * twidth is width, or 1 for class indices (NN_TASK_MULTICLASS only). */
    double (*eval)(const float *z, const float *t, int twidth, float *dz, int width, int batch);
} nn_loss_ops;

extern const nn_loss_ops *const nn_losses[]; /* NULL-ended */
const nn_loss_ops *nn_loss_find(const char *type);

/* Checks that targets of width twidth fit a network output of width `width` for this loss
 * ("cross_entropy needs 1 class-index column or 10 one-hot columns, got 3"). */
int nn_loss_check_targets(const nn_loss_ops *loss, int width, int twidth, nn_err *err);

/* Applies the fused activation (if any) to logits in place, turning them into the values a
 * user sees: probabilities for classification. z: (batch, width). */
void nn_loss_activate(const nn_loss_ops *loss, float *z, int width, int batch);

/* Counts correct predictions in a batch (classification tasks; 0 for regression).
 * Multiclass: argmax of z equals the class; binary: (z > 0) per output, as logits. */
long nn_loss_correct(const nn_loss_ops *loss, const float *z, const float *t, int twidth,
                     int width, int batch);

/* Class index of a target row (class index or one-hot). A class-index column that is not an
 * integer >= 0 gives -1. */
int nn_loss_target_class(const float *t, int twidth);

#endif
