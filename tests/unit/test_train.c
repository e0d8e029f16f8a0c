/* test_train.c -- the training loop: it learns, it is deterministic, it stops when asked, it
 * refuses a diverging loss, and targets are checked before training. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "model.h"
#include "train.h"
#include "xalloc.h"

/* Two Gaussian-ish blobs in 2-D, separable by x0 + x1 > 0. */
static void make_blobs(nn_dataset *ds, size_t n, uint64_t seed)
{
    nn_err err;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->nx = 2;
    ds->ny = 1;
    ds->x = nn_alloc(n, 2 * sizeof(float), &err);
    ds->y = nn_alloc(n, sizeof(float), &err);
    ds->source = nn_strdup("blobs.csv", &err);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % 2);
        ds->x[2 * i] = (float)((c ? 1.0 : -1.0) + 0.3 * nn_rng_normal(&rng));
        ds->x[2 * i + 1] = (float)((c ? 1.0 : -1.0) + 0.3 * nn_rng_normal(&rng));
        ds->y[i] = (float)c;
    }
}

typedef struct fixture {
    nn_spec spec;
    nn_model *m;
    nn_trainer *t;
    nn_dataset ds;
} fixture;

static const char blob_yaml[] =
    "input: 2\nlayers:\n  - dense: {units: 8, init: he}\n  - relu\n  - dense: 2\n  - softmax\n"
    "loss: cross_entropy\nepochs: 20\nlearning_rate: 0.1\nbatch_size: 16\n";

static void setup_fixture(fixture *f, const char *yaml, const nn_override *ov, int nov)
{
    nn_err err = {{0}};
    memset(f, 0, sizeof *f);
    if (nn_config_parse(yaml, strlen(yaml), "t.yaml", NULL, ov, nov, &f->spec, &err) < 0)
        fail_msg("%s", err.msg);
    f->m = nn_model_build(&f->spec, f->spec.run.batch_size, &err);
    assert_non_null(f->m);
    make_blobs(&f->ds, 200, 5);
    nn_rng init;
    nn_rng_seed(&init, (uint64_t)f->spec.run.seed);
    nn_model_init_params(f->m, &init);
    f->t = nn_trainer_new(f->m, &f->spec, &f->ds, &err);
    assert_non_null(f->t);
}

static void teardown_fixture(fixture *f)
{
    nn_trainer_free(f->t);
    nn_model_free(f->m);
    nn_dataset_destroy(&f->ds);
    nn_config_destroy(&f->spec);
}

typedef struct history {
    int calls;
    double first_loss, last_loss, last_acc;
} history;

static void record(const nn_epoch_report *r, void *ctx)
{
    history *h = ctx;
    if (h->calls++ == 0)
        h->first_loss = r->train.loss;
    h->last_loss = r->train.loss;
    h->last_acc = r->train.acc;
}

static void training_learns_separable_blobs(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, blob_yaml, NULL, 0);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    history h = {0};
    int done;
    nn_err err;
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, record, &h, NULL, &done, &err), 0);
    assert_int_equal(done, 20);
    assert_int_equal(h.calls, 20);
    assert_true(h.last_loss < h.first_loss / 4);
    assert_true(h.last_acc >= 0.98);
    nn_metrics m = nn_trainer_evaluate(f.t, &f.ds, NULL);
    assert_true(m.has_acc && m.acc >= 0.98 && m.n == 200);
    teardown_fixture(&f);
}

static void same_seed_same_weights(void **state)
{
    (void)state;
    fixture a, b;
    setup_fixture(&a, blob_yaml, NULL, 0);
    setup_fixture(&b, blob_yaml, NULL, 0);
    nn_rng ra, rb;
    nn_rng_seed(&ra, 8);
    nn_rng_seed(&rb, 8);
    int done;
    nn_err err;
    assert_int_equal(nn_train(a.t, &a.ds, NULL, &ra, NULL, NULL, NULL, &done, &err), 0);
    assert_int_equal(nn_train(b.t, &b.ds, NULL, &rb, NULL, NULL, NULL, &done, &err), 0);
    size_t na, nb;
    const float *wa = nn_model_values(a.m, &na), *wb = nn_model_values(b.m, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(wa, wb, na * sizeof(float));
    teardown_fixture(&a);
    teardown_fixture(&b);
}

static void stop_flag_ends_after_the_current_batch(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, blob_yaml, NULL, 0);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    volatile sig_atomic_t stop = SIGINT;
    history h = {0};
    int done = -1;
    nn_err err;
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, record, &h, &stop, &done, &err), 1);
    assert_int_equal(done, 0);
    assert_int_equal(h.calls, 0);
    teardown_fixture(&f);
}

static void diverging_loss_is_an_error(void **state)
{
    (void)state;
    fixture f;
    nn_override ov = {"-l", "learning_rate", "1e30"};
    setup_fixture(&f, blob_yaml, &ov, 1);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    int done;
    nn_err err = {{0}};
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, NULL, NULL, NULL, &done, &err), -1);
    assert_non_null(strstr(err.msg, "loss became"));
    assert_non_null(strstr(err.msg, "at epoch 1 batch"));
    teardown_fixture(&f);
}

static void targets_are_checked_with_their_line(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, blob_yaml, NULL, 0);
    nn_err err = {{0}};
    assert_int_equal(nn_check_targets(f.m, &f.ds, &err), 0);
    f.ds.y[7] = 2; /* two outputs: classes 0..1 */
    assert_int_equal(nn_check_targets(f.m, &f.ds, &err), -1);
    assert_non_null(strstr(err.msg, "blobs.csv: row 8: label 2"));
    assert_non_null(strstr(err.msg, "0..1"));
    f.ds.y[7] = 0.5f;
    assert_int_equal(nn_check_targets(f.m, &f.ds, &err), -1);
    f.ds.y[7] = -1;
    assert_int_equal(nn_check_targets(f.m, &f.ds, &err), -1);
    f.ds.y[7] = 1;
    f.ds.ny = 3; /* neither 1 class column nor 2 one-hot columns */
    assert_int_equal(nn_check_targets(f.m, &f.ds, &err), -1);
    assert_non_null(strstr(err.msg, "blobs.csv"));
    f.ds.ny = 1;
    teardown_fixture(&f);
}

/* ---- schedules, hooks, early stopping, resume ------------------------------------------- */

static const char adam_yaml[] =
    "input: 2\nlayers:\n  - dense: {units: 8, init: he}\n  - relu\n  - dense: 2\n  - softmax\n"
    "loss: cross_entropy\nepochs: 8\nlearning_rate: 0.01\nbatch_size: 16\n"
    "optimizer: {type: adam, beta1: 0.8}\nweight_decay: 0.01\nclip_norm: 1\n"
    "lr_schedule: {type: step, step_size: 3, gamma: 0.5, warmup_epochs: 1}\n";

typedef struct counts {
    int batches, epochs, last_batch_epoch;
    long last_batch, batches_per_epoch;
    size_t last_rows;
    double lr[16];
    volatile sig_atomic_t *stop;
    int stop_after;           /* epoch_end raises *stop after this epoch, 0: never */
    int stop_epoch;           /* the batch hook raises *stop after batch stop_batch of it */
    long stop_batch;
    int fail_at;              /* epoch_end fails at this epoch, 0: never */
} counts;

static void count_epoch(const nn_epoch_report *r, void *ctx)
{
    counts *c = ctx;
    c->epochs++;
    if (r->epoch < 16)
        c->lr[r->epoch] = r->lr;
    assert_true(r->samples_per_s > 0);
}

static void count_batch(const nn_batch_report *b, void *ctx)
{
    counts *c = ctx;
    c->batches++;
    assert_int_equal(b->batch, c->last_batch_epoch == b->epoch ? c->last_batch + 1 : 1);
    c->last_batch_epoch = b->epoch;
    c->last_batch = b->batch;
    c->batches_per_epoch = b->batches;
    c->last_rows = b->rows;
    assert_true(b->loss > 0 && b->seconds >= 0);
    if (b->epoch == c->stop_epoch && b->batch == c->stop_batch)
        *c->stop = SIGINT;
}

static int count_epoch_end(nn_trainer *t, const nn_epoch_report *r, void *ctx, nn_err *err)
{
    counts *c = ctx;
    assert_int_equal(nn_trainer_epochs_done(t), r->epoch);
    if (c->fail_at == r->epoch)
        return nn_fail(err, "checkpoint failed at %d", r->epoch);
    if (c->stop_after == r->epoch)
        *c->stop = SIGINT;
    return 0;
}

/* The learning rate of each epoch follows the schedule; the hooks see every batch. */
static void schedule_and_hooks(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, adam_yaml, NULL, 0);
    counts c = {0};
    nn_train_hooks h = {count_batch, count_epoch_end, &c};
    nn_trainer_set_hooks(f.t, &h);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    int done;
    nn_err err;
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, count_epoch, &c, NULL, &done, &err),
                     0);
    assert_int_equal(done, 8);
    assert_int_equal(c.epochs, 8);
    assert_int_equal(c.batches_per_epoch, 13); /* 200 rows in batches of 16 */
    assert_int_equal(c.batches, 8 * 13);
    assert_int_equal(c.last_rows, 200);
    /* warmup 1 (0.01 / 2), then step_size 3, gamma 0.5 */
    const double want[] = {0, 0.005, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025};
    for (int e = 1; e <= 8; e++)
        assert_true(fabs(c.lr[e] - want[e]) < 1e-15);
    teardown_fixture(&f);
}

static void failing_hook_ends_training(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, adam_yaml, NULL, 0);
    counts c = {.fail_at = 2};
    nn_train_hooks h = {NULL, count_epoch_end, &c};
    nn_trainer_set_hooks(f.t, &h);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    int done;
    nn_err err = {{0}};
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, NULL, NULL, NULL, &done, &err), -1);
    assert_string_equal(err.msg, "checkpoint failed at 2");
    assert_int_equal(done, 2);
    teardown_fixture(&f);
}

/* Loads into `to` the tensors a weights file written from `from` would hold. */
static void load_as_file(const fixture *from, fixture *to)
{
    nn_tensor *t;
    int n;
    nn_err err = {{0}};
    assert_int_equal(nn_trainer_tensors(from->t, &t, &n, &err), 0);
    assert_int_equal(nn_model_load(to->m, t, n, "b.nnw", &err), 0);
    nn_free(t);
}

/* A run stopped after epoch 4, saved and resumed in a new trainer, ends with the same weights,
 * bit for bit, as a run of 8 epochs straight. */
static void resume_continues_bit_for_bit(void **state)
{
    (void)state;
    nn_override es = {"-s", "early_stopping", "{patience: 50, monitor: loss}"};
    fixture a, b, c;
    setup_fixture(&a, adam_yaml, &es, 1);
    setup_fixture(&b, adam_yaml, &es, 1);
    nn_rng ra, rb, rc;
    nn_rng_seed(&ra, 8);
    nn_rng_seed(&rb, 8);
    int done;
    nn_err err = {{0}};
    assert_int_equal(nn_train(a.t, &a.ds, NULL, &ra, NULL, NULL, NULL, &done, &err), 0);
    assert_int_equal(done, 8);

    volatile sig_atomic_t stop = 0;
    counts cb = {.stop = &stop, .stop_after = 4};
    nn_train_hooks h = {NULL, count_epoch_end, &cb};
    nn_trainer_set_hooks(b.t, &h);
    assert_int_equal(nn_train(b.t, &b.ds, NULL, &rb, NULL, NULL, &stop, &done, &err), 1);
    assert_int_equal(done, 4);
    nn_train_state st;
    nn_trainer_state(b.t, &rb, &st);
    assert_int_equal(st.epochs_done, 4);
    assert_int_equal(st.nslots, 2);
    assert_int_equal(st.step, 4 * 13);
    assert_int_equal(st.nrows, 200);
    assert_int_equal(st.monitor, NN_MONITOR_LOSS);
    assert_int_equal(st.rows_done, 0);
    assert_int_equal(st.last.epoch, 4);
    /* restore_best (on with early stopping): the file's tensors are the best epoch's, and the
     * state keeps the values training continues from */
    assert_int_equal(st.flags, NN_STATE_TENS_BEST);
    assert_true(st.best_epoch >= 1 && st.nbest == 0 && st.ncurrent == 8 * 2 + 8 + 2 * 8 + 2);
    assert_int_equal(st.best_record.epoch, st.best_epoch);

    setup_fixture(&c, adam_yaml, &es, 1);
    load_as_file(&b, &c);
    size_t n;
    nn_rng_seed(&rc, 12345); /* overwritten by the saved state */
    assert_int_equal(nn_trainer_resume(c.t, &st, "b.nnw", &rc, &err), 0);
    assert_int_equal(nn_trainer_epochs_done(c.t), 4);
    assert_int_equal(nn_train(c.t, &c.ds, NULL, &rc, NULL, NULL, NULL, &done, &err), 0);
    assert_int_equal(done, 8);
    const float *wa = nn_model_values(a.m, &n), *wc = nn_model_values(c.m, &n);
    assert_memory_equal(wa, wc, n * sizeof(float));
    assert_memory_equal(&ra, &rc, sizeof ra);
    double best_a, best_c;
    int stop_a, stop_c;
    assert_int_equal(nn_trainer_best(a.t, &best_a, &stop_a),
                     nn_trainer_best(c.t, &best_c, &stop_c));
    assert_true(best_a == best_c);

    /* a state that does not fit is refused with the reason */
    nn_train_state bad = st;
    snprintf(bad.optim, sizeof bad.optim, "sgd");
    assert_int_equal(nn_trainer_resume(c.t, &bad, "b.nnw", &rc, &err), -1);
    assert_non_null(strstr(err.msg, "b.nnw: the checkpoint was trained with optimizer sgd"));
    bad = st;
    bad.nrows = 199;
    assert_int_equal(nn_trainer_resume(c.t, &bad, "b.nnw", &rc, &err), -1);
    assert_non_null(strstr(err.msg, "trained on 199 rows, the training data has 200"));
    bad = st;
    bad.nvalues = 3;
    assert_int_equal(nn_trainer_resume(c.t, &bad, "b.nnw", &rc, &err), -1);
    assert_non_null(strstr(err.msg, "optimizer state holds 2 x 3 values"));
    teardown_fixture(&a);
    teardown_fixture(&b);
    teardown_fixture(&c);
}

typedef struct snapshots {
    nn_model *m;
    float w[9][64]; /* the trainable values after each epoch 1..8 */
} snapshots;

static void snapshot(const nn_epoch_report *r, void *ctx)
{
    snapshots *s = ctx;
    size_t n;
    const float *w = nn_model_values(s->m, &n);
    assert_true(n <= 64);
    if (r->epoch < 9)
        memcpy(s->w[r->epoch], w, n * sizeof(float));
}

static const char dropout_yaml[] =
    "input: 2\nlayers:\n  - dense: {units: 8, init: he}\n  - relu\n  - dropout: 0.3\n"
    "  - dense: 2\n  - softmax\nloss: cross_entropy\nepochs: 5\nlearning_rate: 0.05\n"
    "batch_size: 16\noptimizer: {type: adam}\n";

static void keep_epoch3(const nn_epoch_report *r, void *ctx)
{
    if (r->epoch == 3)
        *(nn_epoch_report *)ctx = *r;
}

/* A stop inside epoch 3 (after its 5th batch) saves where the epoch stands; a new trainer
 * resumed from that state continues with the 6th batch and ends, bit for bit, where a run
 * straight through does, with the same figures for epoch 3. */
static void stop_inside_an_epoch_resumes_with_the_next_batch(void **state)
{
    (void)state;
    fixture a, b, c;
    setup_fixture(&a, dropout_yaml, NULL, 0);
    setup_fixture(&b, dropout_yaml, NULL, 0);
    setup_fixture(&c, dropout_yaml, NULL, 0);
    nn_rng ra, rb, rc;
    nn_rng_seed(&ra, 8);
    nn_rng_seed(&rb, 8);
    int done;
    nn_err err = {{0}};
    nn_epoch_report ea, ec;
    assert_int_equal(nn_train(a.t, &a.ds, NULL, &ra, keep_epoch3, &ea, NULL, &done, &err), 0);

    volatile sig_atomic_t stop = 0;
    counts cb = {.stop = &stop, .stop_epoch = 3, .stop_batch = 5};
    nn_train_hooks h = {count_batch, NULL, &cb};
    nn_trainer_set_hooks(b.t, &h);
    assert_int_equal(nn_train(b.t, &b.ds, NULL, &rb, NULL, NULL, &stop, &done, &err), 1);
    assert_int_equal(done, 2);
    nn_train_state st;
    nn_trainer_state(b.t, &rb, &st);
    assert_int_equal(st.flags, NN_STATE_PARTIAL);
    assert_int_equal(st.epochs_done, 2);
    assert_int_equal(st.rows_done, 5 * 16);
    assert_int_equal(st.step, 2 * 13 + 5);
    assert_int_equal(st.nparts, 1);
    assert_int_equal(st.parts[0].rows, 5 * 16);
    assert_true(st.parts[0].loss_sum > 0 && st.parts[0].correct <= 5 * 16);
    assert_int_equal(st.last.epoch, 2);

    load_as_file(&b, &c);
    assert_int_equal(nn_trainer_resume(c.t, &st, "b.nnw", &rc, &err), 0);
    counts cc = {.last_batch_epoch = 3, .last_batch = 5}; /* it goes on with batch 6 */
    nn_train_hooks hc = {count_batch, NULL, &cc};
    nn_trainer_set_hooks(c.t, &hc);
    assert_int_equal(nn_train(c.t, &c.ds, NULL, &rc, keep_epoch3, &ec, NULL, &done, &err), 0);
    assert_int_equal(done, 5);
    assert_int_equal(cc.batches, 13 - 5 + 2 * 13); /* the rest of epoch 3, then 4 and 5 */
    size_t n;
    const float *wa = nn_model_values(a.m, &n), *wc = nn_model_values(c.m, &n);
    assert_memory_equal(wa, wc, n * sizeof(float));
    assert_memory_equal(&ra, &rc, sizeof ra);
    assert_true(ea.train.loss == ec.train.loss && ea.train.acc == ec.train.acc);
    assert_int_equal(ec.train.n, 200);
    teardown_fixture(&a);
    teardown_fixture(&b);
    teardown_fixture(&c);
}

/* restore_best without early stopping: every epoch runs, the model ends with the best epoch's
 * weights by the monitor, and the state keeps the last epoch's to continue from. */
static void restore_best_keeps_the_best_epoch(void **state)
{
    (void)state;
    /* no validation data: the monitor is the training loss; large steps make it go up and
     * down, so the best epoch is seldom the last */
    nn_override ov[2] = {{"-s", "restore_best", "true"}, {"-s", "learning_rate", "0.5"}};
    fixture f;
    setup_fixture(&f, adam_yaml, ov, 2);
    assert_int_equal(f.spec.early.monitor, NN_MONITOR_LOSS);
    snapshots s = {f.m, {{0}}};
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    int done;
    nn_err err;
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, snapshot, &s, NULL, &done, &err), 0);
    assert_int_equal(done, 8);
    double best;
    int stopped;
    int best_epoch = nn_trainer_best(f.t, &best, &stopped);
    assert_int_equal(stopped, 0);
    size_t n;
    int epoch_end;
    nn_epoch_record kept = nn_trainer_kept(f.t, &epoch_end);
    assert_int_equal(kept.epoch, best_epoch);
    assert_true(epoch_end);
    assert_true(kept.loss == best);
    const float *w = nn_model_values(f.m, &n);
    assert_memory_equal(w, s.w[best_epoch], n * sizeof(float));
    nn_train_state st;
    nn_trainer_state(f.t, &shuffle, &st);
    assert_int_equal(st.flags, NN_STATE_TENS_BEST);
    assert_int_equal(st.last.epoch, 8);
    assert_memory_equal(st.current, s.w[8], n * sizeof(float)); /* trainable values first */
    assert_true(best_epoch < 8); /* so the weights kept are not the last ones */
    assert_memory_not_equal(w, s.w[8], n * sizeof(float));
    teardown_fixture(&f);
}

/* With a min_delta no later epoch can beat, early stopping ends the run after `patience`
 * epochs and puts back the first epoch's weights. */
static void early_stopping_restores_the_best(void **state)
{
    (void)state;
    nn_override es = {"-s", "early_stopping", "{patience: 2, monitor: loss, min_delta: 10}"};
    fixture f;
    setup_fixture(&f, blob_yaml, &es, 1);
    snapshots s = {f.m, {{0}}};
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 3);
    int done;
    nn_err err;
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, snapshot, &s, NULL, &done, &err), 0);
    assert_int_equal(done, 3);
    double best;
    int stopped;
    assert_int_equal(nn_trainer_best(f.t, &best, &stopped), 1);
    assert_int_equal(stopped, 3);
    size_t n;
    const float *w = nn_model_values(f.m, &n);
    assert_memory_equal(w, s.w[1], n * sizeof(float));
    assert_memory_not_equal(s.w[3], s.w[1], n * sizeof(float));
    nn_train_state st;
    nn_trainer_state(f.t, &shuffle, &st);
    assert_int_equal(st.flags, NN_STATE_STOPPED | NN_STATE_TENS_BEST);
    assert_memory_equal(st.current, s.w[3], n * sizeof(float));
    assert_int_equal(st.best_epoch, 1);
    assert_int_equal(st.wait, 2);
    /* a second call has nothing left to do */
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, NULL, NULL, NULL, &done, &err), 0);
    assert_int_equal(done, 3);
    teardown_fixture(&f);

    /* watching val_loss without validation data is an error */
    nn_override ev = {"-s", "early_stopping", "3"};
    setup_fixture(&f, blob_yaml, &ev, 1);
    err.msg[0] = '\0';
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, NULL, NULL, NULL, &done, &err), -1);
    assert_non_null(strstr(err.msg, "monitor val_loss needs validation data"));
    assert_int_equal(nn_train(f.t, &f.ds, &f.ds, &shuffle, NULL, NULL, NULL, &done, &err), 0);
    teardown_fixture(&f);

    /* restore_best: false keeps the weights of the epoch early stopping ended at */
    nn_override keep_last[2] = {es, {"-s", "restore_best", "false"}};
    setup_fixture(&f, blob_yaml, keep_last, 2);
    s.m = f.m;
    nn_rng_seed(&shuffle, 3);
    assert_int_equal(nn_train(f.t, &f.ds, NULL, &shuffle, snapshot, &s, NULL, &done, &err), 0);
    assert_int_equal(done, 3);
    w = nn_model_values(f.m, &n);
    assert_memory_equal(w, s.w[3], n * sizeof(float));
    nn_trainer_state(f.t, &shuffle, &st);
    assert_int_equal(st.flags, NN_STATE_STOPPED);
    assert_int_equal(st.nbest, nn_model_param_count(f.m));
    teardown_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(training_learns_separable_blobs),
        cmocka_unit_test(same_seed_same_weights),
        cmocka_unit_test(stop_flag_ends_after_the_current_batch),
        cmocka_unit_test(diverging_loss_is_an_error),
        cmocka_unit_test(targets_are_checked_with_their_line),
        cmocka_unit_test(schedule_and_hooks),
        cmocka_unit_test(failing_hook_ends_training),
        cmocka_unit_test(resume_continues_bit_for_bit),
        cmocka_unit_test(early_stopping_restores_the_best),
        cmocka_unit_test(stop_inside_an_epoch_resumes_with_the_next_batch),
        cmocka_unit_test(restore_best_keeps_the_best_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
