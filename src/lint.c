/* lint.c -- warnings about valid but unlikely model files and data; see lint.h. */
#include "lint.h"

#include <stdio.h>
#include <string.h>

/* 1 for a layer type that reads its input as images [C, H, W]: the types ending in "2d". */
static int works_on_images(const nn_layer_ops *ops)
{
    size_t n = strlen(ops->type);
    return n > 2 && strcmp(ops->type + n - 2, "2d") == 0;
}

int nn_lint_channels_last(const nn_spec *spec, char *buf, size_t size)
{
    const nn_shape *in = &spec->input;
    if (in->ndim != 3)
        return 0;
    int h = in->dim[0], w = in->dim[1], c = in->dim[2];
    if (!(c == 1 || c == 3 || c == 4) || h <= 4 || w <= 4)
        return 0;
    int images = 0;
    for (int i = 0; i < spec->nlayers; i++)
        images |= works_on_images(spec->layers[i].ops);
    if (!images)
        return 0;
    snprintf(buf, size, "input [%d, %d, %d] is channels, height, width: %d channels of %dx%d "
             "(for %dx%d images of %d channel%s, write input: [%d, %d, %d])", h, w, c, h, w, c,
             h, w, c, c == 1 ? "" : "s", c, h, w);
    return 1;
}

int nn_lint_last_activation(const nn_spec *spec, nn_err *warn)
{
    const nn_loss_ops *loss = spec->loss;
    if (!loss || !loss->fuses || spec->nlayers < 1)
        return 0;
    const nn_layer_spec *last = &spec->layers[spec->nlayers - 1];
    const char *type = last->ops->type;
    const nn_loss_ops *owner = NULL; /* the loss that goes with this activation */
    for (int i = 0; nn_losses[i]; i++)
        if (nn_losses[i]->fuses && strcmp(nn_losses[i]->fuses, type) == 0)
            owner = nn_losses[i];
    if (!owner || owner == loss)
        return 0;
    nn_fail_at(warn, last->pos, "%s before %s: the %s loss expects logits or %s, which it "
               "applies itself, so the outputs are squashed twice (end the layers with %s or "
               "with no activation; %s is the loss that goes with %s)", type, loss->type,
               loss->task == NN_TASK_MULTICLASS ? "multi-class" : "binary", loss->fuses,
               loss->fuses, owner->type, type);
    return 1;
}

int nn_lint_classes(const nn_spec *spec, int width, const nn_dataset *const *sets, int nsets,
                    nn_err *warn)
{
    if (!spec->loss || spec->loss->task != NN_TASK_MULTICLASS || nsets < 1)
        return 0;
    float top = -1;
    for (int k = 0; k < nsets; k++) {
        const nn_dataset *ds = sets[k];
        if (ds->n == 0 || ds->ny != 1) /* one-hot targets have one column per output */
            continue;
        for (size_t i = 0; i < ds->n; i++)
            if (ds->y[i] > top)
                top = ds->y[i];
    }
    int classes = (int)top + 1; /* labels are checked integers in [0, width) by now */
    if (top < 0 || classes >= width)
        return 0;
    nn_fail_at(warn, (nn_pos){nn_dataset_ysource(sets[0]), 0, 0}, "the labels hold %d "
               "class%s (0 to %d), but the network has %d outputs: %d of them are never the "
               "right answer (give the last layer %d outputs, such as units: %d)", classes,
               classes == 1 ? "" : "es", classes - 1, width, width - classes, classes, classes);
    return 1;
}
