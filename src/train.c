/* train.c -- the training loop: minibatches over a shuffled index permutation, each followed by
 * one optimizer step (optim.c, with the schedule's learning rate, clipping and weight decay);
 * early stopping after each epoch; and the trainer's state for checkpoints; see train.h. */
#include "train.h"

#include <math.h>
#include <stdio.h>
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
    double lr;            /* the learning rate of the current epoch */
    int epochs_done;
    unsigned flags;       /* NN_STATE_PARTIAL, NN_STATE_STOPPED */
    size_t rows_done;     /* rows of the epoch in progress trained before a stop inside it */
    nn_train_part own;    /* this process's sums over the rows of the epoch in progress */
    nn_train_part *parts; /* (nparts) every process's sums at a stop inside an epoch */
    int nparts;           /* the processes of the job: 1 alone */
    double *gather;       /* (3 * nparts) scratch to collect parts across a job */
    nn_tensor *params;    /* every parameter, frozen ones included, in the weights file's order */
    int nparams;
    size_t nparam_values; /* the floats of all of them */
    float *best;          /* (nparam_values) the best epoch's parameters, when one is watched */
    float *current;       /* (nparam_values) the parameters as training left them, with
                             restore_best, once the best ones are in the model (kept) */
    int kept;             /* restore_best has put the best epoch's weights into the model */
    int diverged;         /* training stopped on a loss that is not finite */
    nn_early_state early;
    int stopped_epoch;    /* the epoch at which early stopping ended the run, or 0 */
    nn_epoch_record last; /* the last completed epoch's figures */
    nn_epoch_record best_record; /* the best epoch's */
    nn_train_hooks hooks;
    nn_dist *dist;        /* the job, when it has several ranks; else NULL */
    int voting;           /* with dist: a stop vote is in progress */
    int halt;             /* with dist: the ranks agreed to stop */
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
    t->nparts = 1;
    t->parts = nn_alloc(1, sizeof *t->parts, err);
    int watch = nn_early_watches(&spec->early), restore = spec->early.restore_best;
    if (nn_model_tensors(m, &t->params, &t->nparams, err) == 0) {
        for (int i = 0; i < t->nparams; i++)
            t->nparam_values += nn_shape_size(t->params[i].shape);
        if (watch)
            t->best = nn_alloc(t->nparam_values, sizeof(float), err);
        if (restore)
            t->current = nn_alloc(t->nparam_values, sizeof(float), err);
    }
    if (!t->order || !t->seq || !t->xb || !t->yb || !t->dz || !t->slots || !t->params ||
        !t->parts || (watch && !t->best) || (restore && !t->current)) {
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
    nn_free(t->params);
    nn_free(t->best);
    nn_free(t->current);
    nn_free(t->parts);
    nn_free(t->gather);
    nn_free(t);
}

int nn_check_targets(const nn_model *m, const nn_dataset *ds, nn_err *err)
{
    const nn_loss_ops *loss = nn_model_loss(m);
    int width = nn_model_out_width(m);
    nn_err why;
    if (nn_loss_check_targets(loss, width, ds->ny, &why) < 0)
        return nn_fail(err, "%s: %s", nn_dataset_ysource(ds), why.msg);
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
    float *g = nn_model_grads(t->m, &n);
    t->step++;
    nn_optim_update(t->spec->optim, t->spec->optim_hp, t->lr, t->spec->run.weight_decay,
                    t->spec->run.clip_norm, w, g, t->slots, n, t->step);
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

/* Tells the batch hook where the epoch stands: rows done (of the whole batches), and the mean
 * loss over the rows of them this process computed (all of them unless in a job). */
static void report_batch(const nn_trainer *t, int epoch, long batch_no, size_t rows, size_t n,
                         double start)
{
    size_t B = (size_t)t->batch;
    const nn_train_part *own = &t->own;
    nn_batch_report b = {
        .epoch = epoch, .epochs = t->spec->run.epochs, .batch = batch_no,
        .batches = (long)((n + B - 1) / B), .rows = rows,
        .loss = own->rows ? own->loss_sum / (double)own->rows : 0,
        .seconds = now_seconds() - start,
    };
    t->hooks.batch(&b, t->hooks.ctx);
}

/* ---- several ranks (dist.h) -------------------------------------------------------------- */

/* The generator dropout draws from in a job: one stream per rank and step, derived from the
 * shared generator, which is left to the shuffles so that it stays the same on every rank. A
 * checkpoint saves the shared one and the step, so a resumed job derives the same streams. */
static nn_rng dropout_rng(const nn_trainer *t, const nn_rng *shared)
{
    uint64_t k = (uint64_t)t->step * (uint64_t)nn_dist_size(t->dist) +
                 (uint64_t)nn_dist_rank(t->dist) + 1;
    nn_rng r;
    nn_rng_seed(&r, shared->s[0] ^ (k * 0x9e3779b97f4a7c15ULL));
    return r;
}

/* One batch in a job: this rank's shard of the batch of b rows at order[start..], its dE/dz
 * scaled by its share of the rows (the loss gives the gradient of the mean over its own rows),
 * so that the sum over the ranks is the gradient of the mean over the whole batch; then the one
 * sum of the gradient arena over the ranks, and the same step everywhere. A rank without rows
 * in the batch still takes part, with zero gradients. A non-finite loss on any rank travels in
 * that sum as a non-finite first gradient, so every rank refuses the step at the same batch.
 * t->own adds this rank's rows. */
static int dist_batch(nn_trainer *t, const nn_dataset *train, size_t start, int b, nn_rng *rng,
                      int epoch, long batch_no, nn_err *err)
{
    size_t lo, count, n;
    nn_dist_shard((size_t)b, nn_dist_rank(t->dist), nn_dist_size(t->dist), &lo, &count);
    int nb = (int)count;
    double loss = 0;
    float *g = nn_model_grads(t->m, &n);
    nn_model_zero_grad(t->m);
    if (nb > 0) {
        nn_rng drop = dropout_rng(t, rng);
        nn_dataset_gather(train, t->order + start + lo, nb, t->xb, t->yb);
        const float *z = nn_model_forward(t->m, t->xb, nb, 1, &drop);
        loss = t->loss->eval(z, t->yb, t->ty, t->dz, t->width, nb);
        t->own.correct += (uint64_t)nn_loss_correct(t->loss, z, t->yb, t->ty, t->width, nb);
        if (isfinite(loss)) {
            double share = (double)nb / (double)b;
            size_t nz = (size_t)nb * (size_t)t->width;
            for (size_t i = 0; i < nz; i++)
                t->dz[i] = (float)(t->dz[i] * share);
            nn_model_backward(t->m, t->xb, t->dz, nb);
        }
        t->own.loss_sum += loss * nb;
        t->own.rows += count;
    }
    double bad; /* non-finite when some rank's loss was */
    if (n > 0) {
        if (!isfinite(loss))
            g[0] = (float)loss;
        nn_dist_sum_floats(t->dist, g, n);
        bad = g[0];
    } else { /* nothing to train: the loss travels alone */
        bad = isfinite(loss) ? 0 : loss;
        nn_dist_sum(t->dist, &bad, 1);
    }
    t->diverged = !isfinite(bad);
    if (t->diverged)
        return nn_fail(err, "loss became %s at epoch %d batch %ld (try a smaller "
                       "learning_rate)", isnan(bad) ? "NaN" : "infinite", epoch, batch_no);
    step(t);
    return 0;
}

/* Whether to stop after this batch. Alone: the stop flag. In a job the ranks vote without
 * waiting: the vote started after batch k is counted after batch k+1, so every rank stops after
 * the same batch, one batch after any of them was signalled. */
static int stop_after_batch(nn_trainer *t, volatile sig_atomic_t *stop)
{
    if (!t->dist)
        return stop && *stop;
    if (t->voting && nn_dist_vote_end(t->dist))
        t->halt = 1;
    nn_dist_vote_start(t->dist, stop && *stop);
    t->voting = 1;
    return t->halt;
}

/* Whether training was asked to stop: by the flag, or in a job by the ranks' vote. */
static int stopped(const nn_trainer *t, volatile sig_atomic_t *stop)
{
    return t->dist ? t->halt : stop && *stop;
}

/* At the end of an epoch in a job: whether any rank was asked to stop (then t->halt is set) or
 * failed in the epoch_end hook (own: whether this rank did). A rank that did not fail itself
 * gets an error naming the one that did. Returns 1 when some rank failed. */
static int epoch_vote(nn_trainer *t, volatile sig_atomic_t *stop, int own, int epoch,
                      nn_err *err)
{
    int size = nn_dist_size(t->dist);
    double v[2] = {t->halt || (stop && *stop), own ? size - nn_dist_rank(t->dist) : 0};
    nn_dist_max(t->dist, v, 2);
    t->halt = v[0] > 0;
    if (v[1] > 0 && !own)
        nn_fail(err, "rank %d failed at the end of epoch %d", size - (int)v[1], epoch);
    return v[1] > 0;
}

/* Sums n counts over the ranks, through doubles (exact below 2^53). */
static void sum_counts(nn_trainer *t, long *v, size_t n)
{
    double buf[64];
    for (size_t at = 0; at < n; at += 64) {
        int k = (int)(n - at < 64 ? n - at : 64);
        for (int i = 0; i < k; i++)
            buf[i] = (double)v[at + (size_t)i];
        nn_dist_sum(t->dist, buf, k);
        for (int i = 0; i < k; i++)
            v[at + (size_t)i] = (long)buf[i];
    }
}

/* Frozen values (batchnorm's running statistics) follow each rank's own rows; after an epoch
 * they are averaged over the ranks, so that every rank evaluates, saves and resumes the same
 * model. */
static void average_frozen(nn_trainer *t)
{
    float ranks = (float)nn_dist_size(t->dist);
    for (int i = 0; i < nn_model_nlayers(t->m); i++) {
        const nn_layer *l = nn_model_layer(t->m, i);
        for (int k = 0; k < l->nparam; k++) {
            if (!(l->param[k].flags & NN_PARAM_FROZEN))
                continue;
            float *w = l->param[k].w;
            size_t n = nn_shape_size(l->param[k].shape);
            nn_dist_sum_floats(t->dist, w, n);
            for (size_t j = 0; j < n; j++)
                w[j] /= ranks;
        }
    }
}

/* One batch alone: forward, loss, backward and the step over the b rows at order[start..]. */
static int solo_batch(nn_trainer *t, const nn_dataset *train, size_t start, int b, nn_rng *rng,
                      int epoch, long batch_no, nn_err *err)
{
    nn_dataset_gather(train, t->order + start, b, t->xb, t->yb);
    const float *z = nn_model_forward(t->m, t->xb, b, 1, rng);
    double loss = t->loss->eval(z, t->yb, t->ty, t->dz, t->width, b);
    t->diverged = !isfinite(loss);
    if (t->diverged)
        return nn_fail(err, "loss became %s at epoch %d batch %ld (try a smaller "
                       "learning_rate)", isnan(loss) ? "NaN" : "infinite", epoch, batch_no);
    t->own.correct += (uint64_t)nn_loss_correct(t->loss, z, t->yb, t->ty, t->width, b);
    nn_model_zero_grad(t->m);
    nn_model_backward(t->m, t->xb, t->dz, b);
    step(t);
    t->own.loss_sum += loss * b;
    t->own.rows += (size_t)b;
    return 0;
}

/* Trains one epoch, or its rest when a resume put t->rows_done inside it: the permutation
 * and t->own then are those of the rows before, and the shuffle was done. Stops after the
 * batch at which a stop is asked for; out->n tells the rows reached, *trained those this run
 * trained itself. */
static int run_epoch(nn_trainer *t, const nn_dataset *train, nn_rng *rng, int epoch,
                     volatile sig_atomic_t *stop, nn_metrics *out, size_t *trained, nn_err *err)
{
    double epoch_start = now_seconds();
    size_t from = t->rows_done, B = (size_t)t->batch;
    if (from == 0) {
        memset(&t->own, 0, sizeof t->own);
        if (t->spec->run.shuffle)
            nn_rng_shuffle(rng, t->order, t->order_n);
    }
    t->rows_done = 0;
    size_t seen = from; /* rows of the batches done, over every rank */
    long batch_no = (long)((from + B - 1) / B);
    for (size_t start = from; start < train->n; start += B) {
        int b = (int)(train->n - start < B ? train->n - start : B);
        batch_no++;
        int rc = t->dist ? dist_batch(t, train, start, b, rng, epoch, batch_no, err)
                         : solo_batch(t, train, start, b, rng, epoch, batch_no, err);
        if (rc < 0)
            return -1;
        seen += (size_t)b;
        if (t->hooks.batch)
            report_batch(t, epoch, batch_no, seen, train->n, epoch_start);
        if (stop_after_batch(t, stop))
            break;
    }
    double loss_sum = t->own.loss_sum, correct = (double)t->own.correct;
    if (t->dist) { /* the last vote, and the epoch's figures summed over the ranks */
        if (t->voting && nn_dist_vote_end(t->dist))
            t->halt = 1;
        t->voting = 0;
        double v[2] = {loss_sum, correct};
        nn_dist_sum(t->dist, v, 2);
        loss_sum = v[0];
        correct = v[1];
    }
    out->n = seen;
    out->loss = seen ? loss_sum / (double)seen : 0;
    out->has_acc = t->loss->task != NN_TASK_REGRESSION;
    out->acc = accuracy(t, (long)correct, seen);
    *trained = seen - from;
    return 0;
}

/* At a stop inside an epoch: where it stands, and every process's sums over its rows so far,
 * for the state (in a job each rank puts its own in its slot of one sum, so every rank gets
 * every part exactly: the other slots add zeros). */
static void hold_epoch(nn_trainer *t, size_t rows_done)
{
    t->rows_done = rows_done;
    t->flags |= NN_STATE_PARTIAL;
    if (!t->dist) {
        t->parts[0] = t->own;
        return;
    }
    int size = t->nparts, rank = nn_dist_rank(t->dist);
    double *v = t->gather;
    memset(v, 0, 3 * (size_t)size * sizeof *v);
    v[3 * rank] = t->own.loss_sum;
    v[3 * rank + 1] = (double)t->own.correct;
    v[3 * rank + 2] = (double)t->own.rows;
    nn_dist_sum(t->dist, v, 3 * size);
    for (int r = 0; r < size; r++)
        t->parts[r] = (nn_train_part){v[3 * r], (uint64_t)v[3 * r + 1], (uint64_t)v[3 * r + 2]};
}

/* ---- the best epoch: early stopping and restore_best ------------------------------------- */

/* Copies every parameter, in the weights file's order, into dst or (to_model) from src. */
static void save_params(const nn_trainer *t, float *dst)
{
    size_t at = 0;
    for (int i = 0; i < t->nparams; i++) {
        size_t n = nn_shape_size(t->params[i].shape);
        memcpy(dst + at, t->params[i].data, n * sizeof(float));
        at += n;
    }
}

static void load_params(nn_trainer *t, const float *src)
{
    size_t at = 0;
    for (int i = 0; i < t->nparams; i++) {
        size_t n = nn_shape_size(t->params[i].shape);
        memcpy(t->params[i].data, src + at, n * sizeof(float));
        at += n;
    }
}

static double monitored(const nn_trainer *t, const nn_epoch_report *r)
{
    switch (t->spec->early.monitor) {
    case NN_MONITOR_VAL_ACC: return r->val.acc;
    case NN_MONITOR_LOSS: return r->train.loss;
    default: return r->val.loss;
    }
}

static nn_epoch_record record_of(const nn_epoch_report *r)
{
    nn_epoch_record rec = {.epoch = r->epoch, .loss = r->train.loss};
    if (r->train.has_acc) {
        rec.has |= NN_RECORD_ACC;
        rec.acc = r->train.acc;
    }
    if (r->has_val) {
        rec.has |= NN_RECORD_VAL;
        rec.val_loss = r->val.loss;
        if (r->val.has_acc) {
            rec.has |= NN_RECORD_VAL_ACC;
            rec.val_acc = r->val.acc;
        }
    }
    return rec;
}

/* Records epoch r: its figures, and whether it is the best so far by the monitor (then its
 * weights are kept). Returns 1 when early stopping ends the run. */
static int watch_epoch(nn_trainer *t, const nn_epoch_report *r)
{
    t->last = record_of(r);
    if (!t->best)
        return 0;
    int verdict = nn_early_update(&t->spec->early, &t->early, r->epoch, monitored(t, r));
    if (verdict == NN_EARLY_BETTER) {
        save_params(t, t->best);
        t->best_record = t->last;
    }
    if (verdict != NN_EARLY_STOP)
        return 0;
    t->stopped_epoch = r->epoch;
    t->flags |= NN_STATE_STOPPED;
    return 1;
}

/* 1 when the weights a file gets are the best epoch's rather than the model's as it is. */
static int writes_best(const nn_trainer *t)
{
    return t->spec->early.restore_best && t->early.best_epoch > 0;
}

/* At the end of a run that completed (every epoch, or early stopping), restore_best puts the
 * best epoch's weights into the model, for the test set and the weights file, and keeps the
 * ones training reached for a resume. */
static void keep_best(nn_trainer *t)
{
    if (!writes_best(t) || t->kept)
        return;
    save_params(t, t->current);
    load_params(t, t->best);
    t->kept = 1;
}

/* ---- the loop ---------------------------------------------------------------------------- */

int nn_train(nn_trainer *t, const nn_dataset *train, const nn_dataset *val, nn_rng *rng,
             nn_epoch_fn on_epoch, void *ctx, volatile sig_atomic_t *stop, int *epochs_done,
             nn_err *err)
{
    const nn_spec *spec = t->spec;
    int epochs = spec->run.epochs;
    *epochs_done = t->epochs_done;
    t->halt = 0;
    if (nn_early_watches(&spec->early) && nn_early_needs_val(&spec->early) && !val)
        return nn_fail(err, "%s: monitor %s needs validation data",
                       spec->early.enabled ? "early_stopping" : "restore_best",
                       nn_monitor_names[spec->early.monitor]);
    for (int e = t->epochs_done + 1; e <= epochs && !(t->flags & NN_STATE_STOPPED); e++) {
        double start = now_seconds();
        nn_epoch_report r = {.epoch = e, .epochs = epochs};
        t->lr = nn_schedule_lr(spec->schedule, spec->schedule_hp, spec->run.learning_rate, e,
                               epochs);
        r.lr = t->lr;
        size_t trained;
        if (run_epoch(t, train, rng, e, stop, &r.train, &trained, err) < 0)
            return -1;
        double train_seconds = now_seconds() - start;
        if (stopped(t, stop) && r.train.n < train->n) {
            hold_epoch(t, r.train.n);
            return 1; /* the epoch was cut short: it is not reported as done */
        }
        if (t->dist)
            average_frozen(t);
        if (val) {
            r.val = nn_trainer_evaluate(t, val, NULL);
            r.has_val = 1;
        }
        r.seconds = now_seconds() - start;
        r.samples_per_s = train_seconds > 0 ? (double)trained / train_seconds : 0;
        t->epochs_done = e;
        t->flags &= ~(unsigned)NN_STATE_PARTIAL;
        *epochs_done = e;
        if (on_epoch)
            on_epoch(&r, ctx);
        watch_epoch(t, &r);
        int failed = t->hooks.epoch_end && t->hooks.epoch_end(t, &r, t->hooks.ctx, err) < 0;
        if (t->dist)
            failed = epoch_vote(t, stop, failed, e, err);
        if (failed)
            return -1;
        if (stopped(t, stop))
            return 1; /* the signal came during the epoch's last batch, or after */
    }
    keep_best(t);
    return 0;
}

/* ---- state for checkpoints --------------------------------------------------------------- */

void nn_trainer_set_hooks(nn_trainer *t, const nn_train_hooks *h)
{
    t->hooks = *h;
}

int nn_trainer_set_dist(nn_trainer *t, nn_dist *d, nn_err *err)
{
    t->dist = d && nn_dist_size(d) > 1 ? d : NULL;
    if (!t->dist)
        return 0;
    int size = nn_dist_size(d);
    nn_train_part *parts = nn_realloc(t->parts, (size_t)size, sizeof *parts, err);
    if (!parts)
        return -1;
    t->parts = parts;
    t->nparts = size;
    nn_free(t->gather);
    t->gather = nn_alloc(3 * (size_t)size, sizeof *t->gather, err);
    return t->gather ? 0 : -1;
}

int nn_trainer_epochs_done(const nn_trainer *t)
{
    return t->epochs_done;
}

int nn_trainer_diverged(const nn_trainer *t)
{
    return t->diverged;
}

int nn_trainer_best(const nn_trainer *t, double *best, int *stopped_epoch)
{
    *best = t->early.best;
    *stopped_epoch = t->stopped_epoch;
    return t->best ? t->early.best_epoch : 0;
}

nn_epoch_record nn_trainer_kept(const nn_trainer *t, int *epoch_end)
{
    *epoch_end = writes_best(t) || t->rows_done == 0;
    return writes_best(t) ? t->best_record : t->last;
}

size_t nn_trainer_rows_done(const nn_trainer *t)
{
    return t->rows_done;
}

int nn_trainer_tensors(const nn_trainer *t, nn_tensor **out, int *n, nn_err *err)
{
    if (nn_model_tensors(t->m, out, n, err) < 0)
        return -1;
    if (!writes_best(t) || t->kept)
        return 0;
    size_t at = 0; /* the best values, in the same order */
    for (int i = 0; i < *n; i++) {
        (*out)[i].data = t->best + at;
        at += nn_shape_size((*out)[i].shape);
    }
    return 0;
}

void nn_trainer_state(nn_trainer *t, const nn_rng *rng, nn_train_state *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->optim, sizeof s->optim, "%s", t->spec->optim->type);
    s->nslots = t->spec->optim->nslots;
    nn_model_values(t->m, &s->nvalues);
    s->slots = t->slots;
    s->step = (uint64_t)t->step;
    s->epochs_done = t->epochs_done;
    s->flags = t->flags;
    memcpy(s->rng, rng->s, sizeof s->rng);
    s->nrows = t->order_n;
    s->order = t->order;
    s->monitor = t->best ? t->spec->early.monitor : 0;
    s->rows_done = t->rows_done;
    s->nparts = t->rows_done ? t->nparts : 0;
    s->parts = t->parts;
    s->last = t->last;
    if (t->best && t->early.best_epoch > 0) {
        s->best_epoch = t->early.best_epoch;
        s->wait = t->early.wait;
        s->best = t->early.best;
        s->best_record = t->best_record;
        s->nbest = t->nparam_values;
        s->best_values = t->best;
    }
    if (writes_best(t)) { /* TENS gets the best values: the state keeps the current ones */
        if (!t->kept)
            save_params(t, t->current);
        s->flags |= NN_STATE_TENS_BEST;
        s->nbest = 0;
        s->best_values = NULL;
        s->ncurrent = t->nparam_values;
        s->current = t->current;
    }
}

/* The checks of nn_trainer_resume: what must match between s and this run. */
static int resumable(const nn_trainer *t, const nn_train_state *s, const char *file,
                     nn_err *err)
{
    const nn_optim_ops *o = t->spec->optim;
    size_t nvalues;
    nn_model_values(t->m, &nvalues);
    if (strcmp(s->optim, o->type) != 0)
        return nn_fail(err, "%s: the checkpoint was trained with optimizer %s, the model file "
                       "says %s (the optimizer type cannot change on resume)", file, s->optim,
                       o->type);
    if (s->nslots != o->nslots || s->nvalues != nvalues)
        return nn_fail(err, "%s: the optimizer state holds %d x %zu values, the model needs "
                       "%d x %zu", file, s->nslots, s->nvalues, o->nslots, nvalues);
    if (s->nrows != t->order_n)
        return nn_fail(err, "%s: the checkpoint was trained on %zu rows, the training data "
                       "has %zu (resume with the same training data)", file, s->nrows,
                       t->order_n);
    if ((s->nbest != 0 && s->nbest != t->nparam_values) ||
        (s->ncurrent != 0 && s->ncurrent != t->nparam_values))
        return nn_fail(err, "%s: the saved parameters hold %zu values, the model has %zu", file,
                       s->nbest ? s->nbest : s->ncurrent, t->nparam_values);
    return 0;
}

/* The sums over the rows of an epoch that a stop cut short, for this process: its own part
 * when the job has as many processes as the one that stopped; else the first process takes
 * the sum of every part (the epoch's figures then add up, if not bit for bit). */
static void resume_parts(nn_trainer *t, const nn_train_state *s)
{
    memset(&t->own, 0, sizeof t->own);
    t->rows_done = s->rows_done;
    int rank = t->dist ? nn_dist_rank(t->dist) : 0;
    if (s->nparts == t->nparts) {
        t->own = s->parts[rank];
        return;
    }
    for (int i = 0; rank == 0 && i < s->nparts; i++) {
        t->own.loss_sum += s->parts[i].loss_sum;
        t->own.correct += s->parts[i].correct;
        t->own.rows += s->parts[i].rows;
    }
}

int nn_trainer_resume(nn_trainer *t, const nn_train_state *s, const char *file, nn_rng *rng,
                      nn_err *err)
{
    if (resumable(t, s, file, err) < 0)
        return -1;
    if (s->nslots > 0)
        memcpy(t->slots, s->slots, s->nvalues * (size_t)s->nslots * sizeof(float));
    memcpy(t->order, s->order, s->nrows * sizeof(size_t));
    t->step = (long)s->step;
    t->epochs_done = s->epochs_done;
    t->flags = s->flags & NN_STATE_PARTIAL;
    memcpy(rng->s, s->rng, sizeof rng->s);
    resume_parts(t, s);
    t->last = s->last;
    memset(&t->early, 0, sizeof t->early);
    memset(&t->best_record, 0, sizeof t->best_record);
    t->stopped_epoch = 0;
    int same_watch = t->best && s->best_epoch > 0 && s->monitor == t->spec->early.monitor;
    if (same_watch) {
        t->early.best = s->best;
        t->early.best_epoch = s->best_epoch;
        t->early.wait = s->wait;
        t->best_record = s->best_record;
    }
    if (s->ncurrent > 0) { /* the model holds the best epoch's weights (TENS): swap them */
        if (same_watch)
            save_params(t, t->best);
        load_params(t, s->current);
    } else if (same_watch && s->nbest > 0) {
        memcpy(t->best, s->best_values, s->nbest * sizeof(float));
    }
    return 0;
}

nn_metrics nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion)
{
    nn_metrics r = {.has_acc = t->loss->task != NN_TASK_REGRESSION};
    double loss_sum = 0;
    long correct = 0;
    const float *yb = ds->ny > 0 ? t->yb : NULL;
    size_t lo = 0, count = ds->n; /* in a job, this rank's shard of the rows */
    if (t->dist)
        nn_dist_shard(ds->n, nn_dist_rank(t->dist), nn_dist_size(t->dist), &lo, &count);
    size_t end = lo + count;
    for (size_t start = lo; start < end; start += (size_t)t->batch) {
        int b = (int)(end - start < (size_t)t->batch ? end - start : (size_t)t->batch);
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
    if (t->dist) {
        double v[2] = {loss_sum, (double)correct};
        nn_dist_sum(t->dist, v, 2);
        loss_sum = v[0];
        correct = (long)v[1];
        if (confusion && t->loss->task == NN_TASK_MULTICLASS)
            sum_counts(t, confusion, (size_t)t->width * (size_t)t->width);
    }
    r.n = ds->n;
    r.loss = ds->n ? loss_sum / (double)ds->n : 0;
    r.acc = accuracy(t, correct, ds->n);
    return r;
}
