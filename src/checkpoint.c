/* checkpoint.c -- resuming a run from a weights file; see checkpoint.h.
 *
 * Writing a checkpoint needs nothing of its own: nntrain puts the trainer's state
 * (nn_trainer_state) into the weights file it writes anyway. Reading one back is the careful
 * part, done here: the file's own config is parsed with config.c and compared with this run's
 * spec, item by item, so a mismatch is reported in words rather than as a tensor shape. */
#include "checkpoint.h"

#include <string.h>

#include "config.h"
#include "weights.h"

static const char hint[] = "only training settings such as epochs may change on resume";

int nn_checkpoint_same_network(const nn_spec *a, const nn_spec *b, const char *file,
                               nn_err *err)
{
    char sa[64], sb[64];
    if (!nn_shape_equal(a->input, b->input)) {
        nn_shape_format(b->input, sb, sizeof sb);
        nn_shape_format(a->input, sa, sizeof sa);
        return nn_fail(err, "%s: the checkpoint's input is %s, the model file's %s (%s)", file,
                       sb, sa, hint);
    }
    if (a->nlayers != b->nlayers)
        return nn_fail(err, "%s: the checkpoint has %d layers, the model file %d (%s)", file,
                       b->nlayers, a->nlayers, hint);
    for (int i = 0; i < a->nlayers; i++) {
        const nn_layer_spec *la = &a->layers[i], *lb = &b->layers[i];
        if (la->ops != lb->ops)
            return nn_fail(err, "%s: layer %d is %s in the checkpoint, %s in the model file "
                           "(%s)", file, i + 1, lb->ops->type, la->ops->type, hint);
        if (strcmp(la->name, lb->name) != 0)
            return nn_fail(err, "%s: layer %d is named '%s' in the checkpoint, '%s' in the "
                           "model file (%s)", file, i + 1, lb->name, la->name, hint);
        for (const nn_hparam *h = la->ops->hparams; h && h->key; h++) {
            nn_hparam_format(h, la->hp, sa, sizeof sa);
            nn_hparam_format(h, lb->hp, sb, sizeof sb);
            if (strcmp(sa, sb) != 0)
                return nn_fail(err, "%s: layer %d (%s): %s is %s in the checkpoint, %s in the "
                               "model file (%s)", file, i + 1, la->ops->type, h->key, sb, sa,
                               hint);
        }
    }
    if (a->loss != b->loss)
        return nn_fail(err, "%s: the checkpoint's loss is %s, the model file's %s (%s)", file,
                       b->loss->type, a->loss->type, hint);
    return 0;
}

static int same_prep(const nn_prep *a, const nn_prep *b)
{
    if (a->scale != b->scale || a->kind != b->kind || a->n != b->n)
        return 0;
    size_t bytes = (size_t)a->n * sizeof(float);
    return a->n == 0 || (memcmp(a->shift, b->shift, bytes) == 0 &&
                         memcmp(a->mul, b->mul, bytes) == 0);
}

/* The checks and loading, on a file already read. */
static int resume_from(const char *path, const nn_weights *w, const nn_spec *spec,
                       const nn_prep *prep, nn_model *m, nn_trainer *t, nn_rng *rng,
                       nn_err *err)
{
    const nn_train_state *s = w->state;
    if (!s)
        return nn_fail(err, "%s: no training state to resume from (the file has no OPTM "
                       "section; it was not written by a training run of nntrain)", path);
    if (s->flags & NN_STATE_STOPPED)
        return nn_fail(err, "%s: early stopping ended this run at epoch %d (best epoch %d); "
                       "there is nothing to resume", path, s->epochs_done, s->best_epoch);
    if (s->epochs_done >= spec->run.epochs)
        return nn_fail(err, "%s: the checkpoint has done %d epochs and epochs is %d (expected "
                       "more epochs, e.g. -e %d, to train longer)", path, s->epochs_done,
                       spec->run.epochs, s->epochs_done + 10);
    nn_spec saved;
    if (nn_config_parse(w->conf, strlen(w->conf), path, NULL, NULL, 0, &saved, err) < 0)
        return -1;
    int rc = nn_checkpoint_same_network(spec, &saved, path, err);
    nn_config_destroy(&saved);
    if (rc < 0)
        return -1;
    if (!same_prep(prep, &w->prep))
        return nn_fail(err, "%s: the preprocessing fitted on this training data differs from "
                       "the checkpoint's (resume with the same training data)", path);
    if (nn_model_load(m, w->tensors, w->ntensors, path, err) < 0)
        return -1;
    return nn_trainer_resume(t, s, path, rng, err);
}

int nn_checkpoint_resume(const char *path, const nn_spec *spec, const nn_prep *prep,
                         nn_model *m, nn_trainer *t, nn_rng *rng, nn_err *err)
{
    nn_weights w;
    if (nn_weights_read(path, &w, err) < 0)
        return -1;
    int rc = resume_from(path, &w, spec, prep, m, t, rng, err);
    nn_weights_destroy(&w);
    return rc;
}
