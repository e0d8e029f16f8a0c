/* train.c -- the training loop: minibatch SGD over a shuffled index permutation; see train.h. */
#include "train.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

struct nn_trainer {
    nn_model *m;
    const nn_spec *spec;
    const nn_loss_ops *loss;
    int batch;            /* rows per batch */
    int in, width, ty;    /* input floats, z width, target floats per row */
    size_t *order;        /* (train rows) the epoch's permutation */
    size_t order_n;
    size_t *seq;          /* (batch) identity indices used by evaluation */
    float *xb, *yb;       /* (batch, in), (batch, ty) */
    float *dz;            /* (batch, width) */
    float *slots;         /* optimizer state, (nslots, values) */
    long step;
};

nn_trainer *nn_trainer_new(nn_model *m, const nn_spec *spec, const nn_dataset *train,
                           nn_err *err)
{
    nn_trainer *t = nn_alloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->m = m;
    t->spec = spec;
    t->loss = nn_model_loss(m);
    t->batch = spec->run.batch_size;
    t->in = nn_model_input_size(m);
    t->width = nn_model_out_width(m);
    t->ty = train->ny > 0 ? train->ny : 1;
    t->order_n = train->n;
    size_t nvalues;
    nn_model_values(m, &nvalues);
    size_t B = (size_t)t->batch;
    t->order = nn_alloc(train->n, sizeof(size_t), err);
    t->seq = nn_alloc(B, sizeof(size_t), err);
    t->xb = nn_alloc(B, (size_t)t->in * sizeof(float), err);
    /* Targets are 1 or width floats per row (nn_check_targets), whatever set is evaluated. */
    size_t ymax = (size_t)(t->ty > t->width ? t->ty : t->width);
    t->yb = nn_alloc(B, ymax * sizeof(float), err);
    t->dz = nn_alloc(B, (size_t)t->width * sizeof(float), err);
    t->slots = nn_alloc((size_t)spec->optim->nslots, nvalues * sizeof(float), err);
    if (!t->order || !t->seq || !t->xb || !t->yb || !t->dz || !t->slots) {
        nn_trainer_free(t);
        return NULL;
    }
    for (size_t i = 0; i < train->n; i++)
        t->order[i] = i;
    return t;
}

void nn_trainer_free(nn_trainer *t)
{
    if (!t)
        return;
    nn_free(t->order);
    nn_free(t->seq);
    nn_free(t->xb);
    nn_free(t->yb);
    nn_free(t->dz);
    nn_free(t->slots);
    nn_free(t);
}

int nn_check_targets(const nn_model *m, const nn_dataset *ds, nn_err *err)
{
    const nn_loss_ops *loss = nn_model_loss(m);
    int width = nn_model_out_width(m);
    nn_err why;
    if (nn_loss_check_targets(loss, width, ds->ny, &why) < 0)
        return nn_fail(err, "%s: %s", ds->source, why.msg);
    if (loss->task == NN_TASK_REGRESSION)
        return 0;
    for (size_t i = 0; i < ds->n; i++) {
        for (int j = 0; j < ds->ny; j++) {
            float v = ds->y[i * (size_t)ds->ny + (size_t)j];
            int ok;
            const char *want;
            if (loss->task == NN_TASK_MULTICLASS && ds->ny == 1) {
                ok = v >= 0 && v < (float)width && v == floorf(v);
                want = "a class index";
            } else {
                ok = v >= 0 && v <= 1;
                want = "a value in [0, 1]";
            }
            if (!ok) {
                char where[512];
                nn_dataset_where(ds, i, where, sizeof where);
                if (ds->ny == 1 && loss->task == NN_TASK_MULTICLASS)
                    return nn_fail(err, "%s: label %g is not %s (expected an integer in 0..%d "
                                   "for %d outputs)", where, (double)v, want, width - 1, width);
                return nn_fail(err, "%s: target %g is not %s (%s)", where, (double)v, want,
                               loss->type);
            }
        }
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One optimizer step over the whole network. */
static void step(nn_trainer *t)
{
    size_t n;
    float *w = nn_model_values(t->m, &n);
    const float *g = nn_model_grads(t->m, &n);
    t->step++;
    t->spec->optim->step(t->spec->optim_hp, (float)t->spec->run.learning_rate, w, g,
                         t->spec->optim->nslots ? t->slots : NULL, n, t->step);
}

/* Accuracy from a count of correct predictions: per row for multiclass, per output for binary
 * (nn_loss_correct counts each output of a binary task). */
static double accuracy(const nn_trainer *t, long correct, size_t rows)
{
    size_t total = rows * (size_t)(t->loss->task == NN_TASK_BINARY ? t->width : 1);
    return total ? (double)correct / (double)total : 0;
}

/* confusion (width, width): row = true class, column = predicted class (argmax of z). */
static void add_confusion(long *confusion, const float *z, const float *t, int twidth,
                          int width, int batch)
{
    for (int i = 0; i < batch; i++) {
        const float *row = z + (size_t)i * (size_t)width;
        int best = 0;
        for (int j = 1; j < width; j++)
            if (row[j] > row[best])
                best = j;
        int truth = nn_loss_target_class(t + (size_t)i * (size_t)twidth, twidth);
        confusion[(size_t)truth * (size_t)width + (size_t)best]++;
    }
}

static int run_epoch(nn_trainer *t, const nn_dataset *train, nn_rng *rng, int epoch,
                     volatile sig_atomic_t *stop, nn_metrics *out, nn_err *err)
{
    if (t->spec->run.shuffle)
        nn_rng_shuffle(rng, t->order, t->order_n);
    double loss_sum = 0;
    long correct = 0;
    size_t seen = 0;
    long batch_no = 0;
    for (size_t start = 0; start < train->n; start += (size_t)t->batch) {
        int b = (int)(train->n - start < (size_t)t->batch ? train->n - start : (size_t)t->batch);
        batch_no++;
        nn_dataset_gather(train, t->order + start, b, t->xb, t->yb);
        const float *z = nn_model_forward(t->m, t->xb, b, 1, rng);
        double loss = t->loss->eval(z, t->yb, t->ty, t->dz, t->width, b);
        if (!isfinite(loss))
            return nn_fail(err, "loss became %s at epoch %d batch %ld (try a smaller "
                           "learning_rate)", isnan(loss) ? "NaN" : "infinite", epoch, batch_no);
        correct += nn_loss_correct(t->loss, z, t->yb, t->ty, t->width, b);
        nn_model_zero_grad(t->m);
        nn_model_backward(t->m, t->xb, t->dz, b);
        step(t);
        loss_sum += loss * b;
        seen += (size_t)b;
        if (stop && *stop)
            break;
    }
    out->n = seen;
    out->loss = seen ? loss_sum / (double)seen : 0;
    out->has_acc = t->loss->task != NN_TASK_REGRESSION;
    out->acc = accuracy(t, correct, seen);
    return 0;
}

int nn_train(nn_trainer *t, const nn_dataset *train, const nn_dataset *val, nn_rng *rng,
             nn_epoch_fn on_epoch, void *ctx, volatile sig_atomic_t *stop, int *epochs_done,
             nn_err *err)
{
    int epochs = t->spec->run.epochs;
    *epochs_done = 0;
    for (int e = 1; e <= epochs; e++) {
        double start = now_seconds();
        nn_epoch_report r = {.epoch = e, .epochs = epochs};
        if (run_epoch(t, train, rng, e, stop, &r.train, err) < 0)
            return -1;
        if (stop && *stop)
            return 1; /* the epoch was cut short: it is not reported as done */
        if (val) {
            r.val = nn_trainer_evaluate(t, val, NULL);
            r.has_val = 1;
        }
        r.seconds = now_seconds() - start;
        *epochs_done = e;
        if (on_epoch)
            on_epoch(&r, ctx);
    }
    return 0;
}

nn_metrics nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion)
{
    nn_metrics r = {.has_acc = t->loss->task != NN_TASK_REGRESSION};
    double loss_sum = 0;
    long correct = 0;
    const float *yb = ds->ny > 0 ? t->yb : NULL;
    for (size_t start = 0; start < ds->n; start += (size_t)t->batch) {
        int b = (int)(ds->n - start < (size_t)t->batch ? ds->n - start : (size_t)t->batch);
        for (int i = 0; i < b; i++)
            t->seq[i] = start + (size_t)i;
        nn_dataset_gather(ds, t->seq, b, t->xb, ds->ny > 0 ? t->yb : NULL);
        const float *z = nn_model_forward(t->m, t->xb, b, 0, NULL);
        if (!yb)
            continue;
        loss_sum += t->loss->eval(z, yb, ds->ny, NULL, t->width, b) * b;
        correct += nn_loss_correct(t->loss, z, yb, ds->ny, t->width, b);
        if (confusion && t->loss->task == NN_TASK_MULTICLASS)
            add_confusion(confusion, z, yb, ds->ny, t->width, b);
    }
    r.n = ds->n;
    r.loss = ds->n ? loss_sum / (double)ds->n : 0;
    r.acc = accuracy(t, correct, ds->n);
    return r;
}
