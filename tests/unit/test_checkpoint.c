/* test_checkpoint.c -- --resume's checks: the same network or a message naming the difference;
 * files without a training state, finished runs and changed data refused; a good checkpoint
 * loads its weights and state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"
#include "config.h"
#include "xalloc.h"

static const char base_yaml[] =
    "input: 2\nlayers:\n  - dense: {units: 4, init: he}\n  - relu\n  - dense: 2\n  - softmax\n"
    "loss: cross_entropy\nepochs: 6\nlearning_rate: 0.1\nbatch_size: 4\noptimizer: momentum\n";

static void parse(const char *extra, nn_spec *s)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s", base_yaml, extra);
    nn_err err;
    if (nn_config_parse(text, strlen(text), "m.yaml", NULL, NULL, 0, s, &err) < 0)
        fail_msg("%s", err.msg);
}

/* Replaces the first occurrence of `from` in base_yaml by `to` and parses it. */
static void parse_variant(const char *from, const char *to, nn_spec *s)
{
    char text[1024];
    const char *at = strstr(base_yaml, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base_yaml), base_yaml, to,
             at + strlen(from));
    nn_err err;
    if (nn_config_parse(text, strlen(text), "m.yaml", NULL, NULL, 0, s, &err) < 0)
        fail_msg("%s", err.msg);
}

static void test_same_network(void **state)
{
    (void)state;
    nn_spec a, b;
    nn_err err = {{0}};
    parse("", &a);
    /* training settings may differ */
    parse("weight_decay: 0.1\nlr_schedule: cosine\nearly_stopping: 3\n", &b);
    assert_int_equal(nn_checkpoint_same_network(&a, &b, "c.nnw", &err), 0);
    nn_config_destroy(&b);
    parse_variant("epochs: 6\nlearning_rate: 0.1\nbatch_size: 4\noptimizer: momentum",
                  "epochs: 60\nlearning_rate: 0.5\nbatch_size: 1\n"
                  "optimizer: {type: momentum, momentum: 0.5}",
                  &b);
    assert_int_equal(nn_checkpoint_same_network(&a, &b, "c.nnw", &err), 0);
    nn_config_destroy(&b);

    static const struct {
        const char *from, *to, *expect;
    } diffs[] = {
        {"units: 4", "units: 5",
         "c.nnw: layer 1 (dense): units is 5 in the checkpoint, 4 in the model file"},
        {"init: he", "init: xavier", "layer 1 (dense): init is xavier in the checkpoint"},
        {"  - relu\n", "  - tanh\n", "c.nnw: layer 2 is tanh in the checkpoint, relu in the"},
        {"  - relu\n", "  - relu\n  - relu\n", "c.nnw: the checkpoint has 5 layers, the model "
                                               "file 4"},
        {"  - relu\n", "  - {relu: {name: act}}\n", "layer 2 is named 'act' in the checkpoint"},
        {"input: 2", "input: [2, 1]", "c.nnw: the checkpoint's input is 2x1, the model file's 2"},
        {"loss: cross_entropy", "loss: mse", "c.nnw: the checkpoint's loss is mse"},
    };
    for (size_t i = 0; i < sizeof diffs / sizeof *diffs; i++) {
        parse_variant(diffs[i].from, diffs[i].to, &b);
        err.msg[0] = '\0';
        assert_int_equal(nn_checkpoint_same_network(&a, &b, "c.nnw", &err), -1);
        if (!strstr(err.msg, diffs[i].expect) || !strstr(err.msg, "may change on resume"))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, diffs[i].expect);
        nn_config_destroy(&b);
    }
    nn_config_destroy(&a);
}

/* ---- resuming from files ------------------------------------------------------------------ */

typedef struct world {
    char dir[64], path[128];
    nn_spec spec;
    nn_model *m;
    nn_trainer *t;
    nn_dataset ds;
    nn_prep prep;
} world;

/* A model of base_yaml plus extra keys (or with optimizer: replaced when optim is not NULL),
 * 8 rows of data and a trainer. */
static void world_init(world *w, const char *extra, const char *optim)
{
    nn_err err;
    memset(w, 0, sizeof *w);
    strcpy(w->dir, "/tmp/test_checkpoint.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->path, sizeof w->path, "%s/c.nnw", w->dir);
    if (optim)
        parse_variant("optimizer: momentum", optim, &w->spec);
    else
        parse(extra, &w->spec);
    w->m = nn_model_build(&w->spec, w->spec.run.batch_size, &err);
    assert_non_null(w->m);
    w->ds.n = 8;
    w->ds.nx = 2;
    w->ds.ny = 1;
    w->ds.x = nn_alloc(16, sizeof(float), &err);
    w->ds.y = nn_alloc(8, sizeof(float), &err);
    w->ds.source = nn_strdup("d.csv", &err);
    for (int i = 0; i < 8; i++) {
        w->ds.x[2 * i] = (float)(i % 2) - 0.5f;
        w->ds.x[2 * i + 1] = (float)i / 8;
        w->ds.y[i] = (float)(i % 2);
    }
    w->prep.scale = 1;
    nn_rng init;
    nn_rng_seed(&init, 1);
    nn_model_init_params(w->m, &init);
    w->t = nn_trainer_new(w->m, &w->spec, &w->ds, &err);
    assert_non_null(w->t);
}

static void world_free(world *w)
{
    nn_trainer_free(w->t);
    nn_model_free(w->m);
    nn_dataset_destroy(&w->ds);
    nn_config_destroy(&w->spec);
    unlink(w->path);
    rmdir(w->dir);
}

/* Writes w's model and (with_state) trainer state to w->path, as nntrain does. */
static void save(world *w, const nn_rng *rng, int with_state)
{
    nn_err err;
    char *conf;
    nn_tensor *t;
    int nt;
    assert_int_equal(nn_config_emit(&w->spec, &conf, &err), 0);
    assert_int_equal(nn_model_tensors(w->m, &t, &nt, &err), 0);
    nn_train_state st;
    nn_trainer_state(w->t, rng, &st);
    nn_weights wf = {.conf = conf, .tensors = t, .ntensors = nt, .prep = w->prep,
                     .state = with_state ? &st : NULL};
    assert_int_equal(nn_weights_write(w->path, &wf, &err), 0);
    nn_free(conf);
    nn_free(t);
}

static void train(world *w, nn_rng *rng, int epochs)
{
    nn_err err;
    int done;
    volatile sig_atomic_t stop = 0;
    w->spec.run.epochs = epochs;
    assert_true(nn_train(w->t, &w->ds, NULL, rng, NULL, NULL, &stop, &done, &err) >= 0);
}

static void test_resume(void **state)
{
    (void)state;
    world a, b;
    nn_err err = {{0}};
    world_init(&a, "", NULL);
    nn_rng rng, back;
    nn_rng_seed(&rng, 9);
    train(&a, &rng, 2);
    save(&a, &rng, 1);

    world_init(&b, "", NULL);
    nn_rng_seed(&back, 1);
    b.spec.run.epochs = 6;
    assert_int_equal(nn_checkpoint_resume(a.path, &b.spec, &b.prep, b.m, b.t, &back, &err), 0);
    assert_int_equal(nn_trainer_epochs_done(b.t), 2);
    assert_memory_equal(&back, &rng, sizeof rng);
    size_t n;
    const float *wa = nn_model_values(a.m, &n), *wb = nn_model_values(b.m, &n);
    assert_memory_equal(wa, wb, n * sizeof(float));

    /* already done */
    b.spec.run.epochs = 2;
    assert_int_equal(nn_checkpoint_resume(a.path, &b.spec, &b.prep, b.m, b.t, &back, &err), -1);
    assert_non_null(strstr(err.msg, "c.nnw: the checkpoint has done 2 epochs and epochs is 2 "
                                    "(expected more epochs, e.g. -e 12"));
    b.spec.run.epochs = 6;
    /* other preprocessing: other data */
    b.prep.scale = 0.5;
    assert_int_equal(nn_checkpoint_resume(a.path, &b.spec, &b.prep, b.m, b.t, &back, &err), -1);
    assert_non_null(strstr(err.msg, "preprocessing fitted on this training data differs"));
    b.prep.scale = 1;
    /* no training state */
    save(&a, &rng, 0);
    assert_int_equal(nn_checkpoint_resume(a.path, &b.spec, &b.prep, b.m, b.t, &back, &err), -1);
    assert_non_null(strstr(err.msg, "no training state to resume from"));
    /* not a weights file at all */
    assert_int_equal(nn_checkpoint_resume("/nonexistent.nnw", &b.spec, &b.prep, b.m, b.t, &back,
                                          &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent.nnw"));
    world_free(&b);

    /* another optimizer type */
    save(&a, &rng, 1);
    world_init(&b, "", NULL);
    world c;
    world_init(&c, "", "optimizer: adam");
    assert_int_equal(nn_checkpoint_resume(a.path, &c.spec, &c.prep, c.m, c.t, &back, &err), -1);
    assert_non_null(strstr(err.msg, "trained with optimizer momentum, the model file says adam"));
    world_free(&c);
    world_free(&b);
    world_free(&a);
}

static void test_resume_after_early_stop(void **state)
{
    (void)state;
    world a, b;
    nn_err err = {{0}};
    world_init(&a, "early_stopping: {patience: 1, monitor: loss, min_delta: 100}\n", NULL);
    nn_rng rng;
    nn_rng_seed(&rng, 9);
    train(&a, &rng, 6);
    double best;
    int stopped;
    assert_int_equal(nn_trainer_best(a.t, &best, &stopped), 1);
    assert_int_equal(stopped, 2);
    save(&a, &rng, 1);
    world_init(&b, "early_stopping: 5\n", NULL);
    b.spec.run.epochs = 10;
    assert_int_equal(nn_checkpoint_resume(a.path, &b.spec, &b.prep, b.m, b.t, &rng, &err), -1);
    assert_non_null(strstr(err.msg, "early stopping ended this run at epoch 2 (best epoch 1)"));
    world_free(&b);
    world_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_network),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_resume_after_early_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
