/* test_train.c -- the training loop: it learns, it is deterministic, it stops when asked, it
 * refuses a diverging loss, and targets are checked before training. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(training_learns_separable_blobs),
        cmocka_unit_test(same_seed_same_weights),
        cmocka_unit_test(stop_flag_ends_after_the_current_batch),
        cmocka_unit_test(diverging_loss_is_an_error),
        cmocka_unit_test(targets_are_checked_with_their_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
