/* test_config.c -- the model file and -s overrides -> nn_spec, and back with nn_config_emit.
 *
 * Most tests parse text in memory as "models/x.yaml" with base directory "models", and assert
 * on the exact place ("models/x.yaml:7:9:") and the expected words of every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "xalloc.h"

#define FILE_NAME "models/x.yaml"

/* ---- helpers ------------------------------------------------------------------------------ */

static int parse_ov(const char *text, const nn_override *ov, int nov, nn_spec *spec,
                    nn_err *err)
{
    memset(err, 0, sizeof *err);
    return nn_config_parse(text, strlen(text), FILE_NAME, "models", ov, nov, spec, err);
}

/* Parses text that must be valid. */
static void ok_ov(const char *text, const nn_override *ov, int nov, nn_spec *spec)
{
    nn_err err;
    int rc = parse_ov(text, ov, nov, spec, &err);
    if (rc != 0)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

static void ok(const char *text, nn_spec *spec)
{
    ok_ov(text, NULL, 0, spec);
}

/* Parses text that must fail with a message containing every one of the given words. */
static void fails_ov(const char *text, const nn_override *ov, int nov, const char *want1,
                     const char *want2)
{
    nn_spec spec;
    nn_err err;
    int rc = parse_ov(text, ov, nov, &spec, &err);
    if (rc == 0 || !strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        print_error("text:\n%s\nmessage: %s\nwanted: '%s' and '%s'\n", text, err.msg, want1,
                    want2 ? want2 : "");
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, want1));
    if (want2)
        assert_non_null(strstr(err.msg, want2));
    /* a failed parse leaves the spec empty */
    assert_null(spec.layers);
    assert_null(spec.file);
    assert_int_equal(spec.nlayers, 0);
}

static void fails(const char *text, const char *want1, const char *want2)
{
    fails_ov(text, NULL, 0, want1, want2);
}

static void fails_override(const char *text, const char *key, const char *value,
                           const char *want1, const char *want2)
{
    char origin[256];
    snprintf(origin, sizeof origin, "-s %s=%s", key, value);
    nn_override ov = {origin, key, value};
    fails_ov(text, &ov, 1, want1, want2);
}

static int hp_int(const nn_layer_spec *ls, const char *key)
{
    const nn_hparam *h = nn_hparam_find(ls->ops->hparams, key);
    assert_non_null(h);
    return nn_hparam_get_int(h, ls->hp);
}

static double hp_float(const nn_layer_spec *ls, const char *key)
{
    const nn_hparam *h = nn_hparam_find(ls->ops->hparams, key);
    assert_non_null(h);
    return nn_hparam_get_float(h, ls->hp);
}

static int opt_str_equal(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void hp_equal(const nn_hparam *table, const void *a, const void *b)
{
    char x[64], y[64];
    for (const nn_hparam *h = table; h && h->key; h++) {
        nn_hparam_format(h, a, x, sizeof x);
        nn_hparam_format(h, b, y, sizeof y);
        assert_string_equal(x, y);
    }
}

/* The parts of two specs a reader can see are equal (positions and file names aside). */
static void spec_equal(const nn_spec *a, const nn_spec *b)
{
    assert_memory_equal(&a->input, &b->input, sizeof a->input);
    assert_int_equal(a->nlayers, b->nlayers);
    for (int i = 0; i < a->nlayers; i++) {
        assert_ptr_equal(a->layers[i].ops, b->layers[i].ops);
        assert_string_equal(a->layers[i].name, b->layers[i].name);
        hp_equal(a->layers[i].ops->hparams, a->layers[i].hp, b->layers[i].hp);
    }
    assert_ptr_equal(a->loss, b->loss);
    assert_ptr_equal(a->optim, b->optim);
    hp_equal(a->optim->hparams, a->optim_hp, b->optim_hp);
    assert_int_equal(a->run.epochs, b->run.epochs);
    assert_memory_equal(&a->run.learning_rate, &b->run.learning_rate, sizeof(double));
    assert_int_equal(a->run.batch_size, b->run.batch_size);
    assert_int_equal(a->run.seed, b->run.seed);
    assert_int_equal(a->run.shuffle, b->run.shuffle);
    assert_int_equal(a->run.init, b->run.init);
    assert_memory_equal(&a->run.weight_decay, &b->run.weight_decay, sizeof(double));
    assert_memory_equal(&a->run.clip_norm, &b->run.clip_norm, sizeof(double));
    assert_ptr_equal(a->schedule, b->schedule);
    hp_equal(a->schedule->hparams, a->schedule_hp, b->schedule_hp);
    assert_int_equal(a->early.enabled, b->early.enabled);
    if (a->early.enabled)
        hp_equal(nn_early_hparams, &a->early, &b->early);
    const nn_data_spec *d = &a->data, *e = &b->data;
    assert_true(opt_str_equal(d->train, e->train));
    assert_true(opt_str_equal(d->test, e->test));
    assert_true(opt_str_equal(d->validation_file, e->validation_file));
    assert_true(opt_str_equal(d->train_labels, e->train_labels));
    assert_true(opt_str_equal(d->test_labels, e->test_labels));
    assert_true(opt_str_equal(d->validation_labels, e->validation_labels));
    assert_memory_equal(&d->validation, &e->validation, sizeof(double));
    assert_true(opt_str_equal(d->target, e->target));
    assert_int_equal(d->target_index, e->target_index);
    assert_int_equal(d->ninputs, e->ninputs);
    for (int i = 0; i < d->ninputs; i++)
        assert_string_equal(d->inputs[i], e->inputs[i]);
    assert_int_equal(d->header, e->header);
    assert_memory_equal(&d->scale, &e->scale, sizeof(double));
    assert_int_equal(d->normalize, e->normalize);
}

/* emit -> parse -> emit gives the same bytes and an equal spec. */
static void round_trip(const nn_spec *spec)
{
    nn_err err = {{0}};
    char *one = NULL, *two = NULL;
    nn_spec back;
    assert_int_equal(nn_config_emit(spec, &one, &err), 0);
    int rc = nn_config_parse(one, strlen(one), "conf", NULL, NULL, 0, &back, &err);
    if (rc != 0)
        print_error("emitted:\n%s\nerror: %s\n", one, err.msg);
    assert_int_equal(rc, 0);
    spec_equal(spec, &back);
    assert_int_equal(nn_config_emit(&back, &two, &err), 0);
    assert_string_equal(one, two);
    nn_free(one);
    nn_free(two);
    nn_config_destroy(&back);
}

static const char xor_yaml[] =
    "# models/xor.yaml -- the seed's XOR network\n"
    "input: 2                 # shape of one sample\n"
    "layers:\n"
    "  - dense: 3             # shorthand for {units: 3}\n"
    "  - tanh\n"
    "  - dense: 1\n"
    "  - tanh\n"
    "loss: mse\n"
    "epochs: 1000\n"
    "learning_rate: 0.1\n"
    "batch_size: 1            # the seed trains one sample at a time\n"
    "data:\n"
    "  train: ../data/xor.csv # paths are relative to the model file\n";

/* A minimal valid head that error tests extend (lines 1-3). */
#define HEAD "input: 2\nloss: mse\nlayers:\n"

/* ---- parsing ------------------------------------------------------------------------------ */

static void test_xor_example(void **state)
{
    (void)state;
    nn_spec s;
    ok(xor_yaml, &s);
    assert_string_equal(s.file, FILE_NAME);
    assert_int_equal(s.input.ndim, 1);
    assert_int_equal(s.input.dim[0], 2);
    assert_int_equal(s.input_pos.line, 2);
    assert_int_equal(s.input_pos.col, 8);
    assert_int_equal(s.nlayers, 4);
    static const char *const types[] = {"dense", "tanh", "dense", "tanh"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(s.layers[i].ops->type, types[i]);
        assert_string_equal(s.layers[i].pos.file, FILE_NAME);
        assert_int_equal(s.layers[i].pos.line, 4 + i);
        assert_int_equal(s.layers[i].pos.col, 5);
        assert_string_equal(s.layers[i].name, "");
    }
    assert_int_equal(hp_int(&s.layers[0], "units"), 3);
    assert_int_equal(hp_int(&s.layers[0], "init"), NN_INIT_UNIFORM);
    assert_int_equal(hp_int(&s.layers[0], "bias"), 1);
    assert_int_equal(hp_int(&s.layers[2], "units"), 1);
    assert_string_equal(s.loss->type, "mse");
    assert_int_equal(s.loss_pos.line, 8);
    assert_string_equal(s.optim->type, "sgd");
    assert_int_equal(s.run.epochs, 1000);
    assert_true(s.run.learning_rate == 0.1);
    assert_int_equal(s.run.batch_size, 1);
    assert_int_equal(s.run.seed, 1);
    assert_int_equal(s.run.shuffle, 1);
    assert_int_equal(s.run.init, NN_INIT_UNIFORM);
    assert_string_equal(s.data.train, "models/../data/xor.csv");
    assert_int_equal(s.data.train_pos.line, 13);
    assert_int_equal(s.data.train_pos.col, 10);
    assert_null(s.data.test);
    assert_null(s.data.validation_file);
    assert_true(s.data.validation == 0);
    assert_null(s.data.target);
    assert_int_equal(s.data.target_index, -1);
    assert_int_equal(s.data.ninputs, 0);
    assert_int_equal(s.data.header, NN_HEADER_AUTO);
    assert_true(s.data.scale == 1);
    assert_int_equal(s.data.normalize, NN_NORM_NONE);
    nn_config_destroy(&s);
    assert_null(s.layers);
    nn_config_destroy(&s); /* twice is fine */
}

static void test_defaults(void **state)
{
    (void)state;
    nn_spec s;
    ok("input: 4\nlayers: [relu]\nloss: mae\n", &s);
    assert_int_equal(s.run.epochs, 10);
    assert_true(s.run.learning_rate == 0.01);
    assert_int_equal(s.run.batch_size, 1);
    assert_int_equal(s.run.seed, 1);
    assert_int_equal(s.run.shuffle, 1);
    assert_int_equal(s.run.init, NN_INIT_UNIFORM);
    assert_string_equal(s.optim->type, "sgd");
    assert_null(s.optim_hp);
    assert_null(s.data.train);
    nn_config_destroy(&s);
}

static void test_layer_forms(void **state)
{
    (void)state;
    nn_spec s;
    ok(HEAD "  - dense: 5\n"
            "  - dense: {units: 7, init: he, bias: false, name: hidden-1}\n"
            "  - dense:\n"
            "      units: 9\n"
            "      init: xavier\n"
            "  - leaky_relu\n"
            "  - leaky_relu: 0.2\n"
            "  - elu: {alpha: 0.5}\n"
            "  - tanh: {name: act}\n"
            "  - {sigmoid: }\n"
            "  - softmax:\n"
            "  - linear\n",
       &s);
    assert_int_equal(s.nlayers, 10);
    assert_int_equal(hp_int(&s.layers[0], "units"), 5);
    assert_int_equal(hp_int(&s.layers[1], "units"), 7);
    assert_int_equal(hp_int(&s.layers[1], "init"), NN_INIT_HE);
    assert_int_equal(hp_int(&s.layers[1], "bias"), 0);
    assert_string_equal(s.layers[1].name, "hidden-1");
    assert_int_equal(hp_int(&s.layers[2], "units"), 9);
    assert_int_equal(hp_int(&s.layers[2], "init"), NN_INIT_XAVIER);
    assert_int_equal(s.layers[2].pos.line, 6);
    assert_true(hp_float(&s.layers[3], "alpha") == 0.01);
    assert_true(hp_float(&s.layers[4], "alpha") == 0.2);
    assert_true(hp_float(&s.layers[5], "alpha") == 0.5);
    assert_string_equal(s.layers[6].ops->type, "tanh");
    assert_string_equal(s.layers[6].name, "act");
    assert_string_equal(s.layers[7].ops->type, "sigmoid");
    assert_string_equal(s.layers[8].ops->type, "softmax");
    assert_string_equal(s.layers[9].ops->type, "linear");
    nn_config_destroy(&s);
}

static void test_top_level_keys(void **state)
{
    (void)state;
    nn_spec s;
    ok("input: [1, 28, 28]\n"
       "layers: [{dense: 10}, softmax]\n"
       "loss: cross_entropy\n"
       "optimizer: {type: sgd}\n"
       "epochs: 3\n"
       "learning_rate: 5e-2\n"
       "batch_size: 64\n"
       "seed: 0\n"
       "shuffle: no\n"
       "init: he\n"
       "validation: 0.25\n"
       "data:\n"
       "  train: /abs/train.csv\n"
       "  test: '-'\n"
       "  target: label\n"
       "  inputs: [a, 3, \"7\", b]\n"
       "  header: true\n"
       "  scale: 0.00392156862745098\n"
       "  normalize: standard\n",
       &s);
    assert_int_equal(s.input.ndim, 3);
    assert_int_equal(s.input.dim[0], 1);
    assert_int_equal(s.input.dim[2], 28);
    assert_int_equal(s.run.epochs, 3);
    assert_true(s.run.learning_rate == 0.05);
    assert_int_equal(s.run.batch_size, 64);
    assert_int_equal(s.run.seed, 0);
    assert_int_equal(s.run.shuffle, 0);
    assert_int_equal(s.run.init, NN_INIT_HE);
    assert_int_equal(hp_int(&s.layers[0], "init"), NN_INIT_HE); /* the top-level default */
    assert_true(s.data.validation == 0.25);
    assert_string_equal(s.data.train, "/abs/train.csv");
    assert_string_equal(s.data.test, "-");
    assert_string_equal(s.data.target, "label");
    assert_int_equal(s.data.ninputs, 4);
    assert_string_equal(s.data.inputs[0], "a");
    assert_string_equal(s.data.inputs[1], "3");
    assert_string_equal(s.data.inputs[2], "7");
    assert_int_equal(s.data.header, NN_HEADER_YES);
    assert_true(s.data.scale == 0.00392156862745098);
    assert_int_equal(s.data.normalize, NN_NORM_STANDARD);
    nn_config_destroy(&s);

    ok("input: 1\nlayers: [linear]\nloss: mse\nvalidation: holdout.csv\n"
       "data: {target: 0, header: no}\n",
       &s);
    assert_string_equal(s.data.validation_file, "models/holdout.csv");
    assert_int_equal(s.data.validation_pos.line, 4);
    assert_null(s.data.target);
    assert_int_equal(s.data.target_index, 0);
    assert_int_equal(s.data.header, NN_HEADER_NO);
    nn_config_destroy(&s);

    ok("input: 1\nlayers: [linear]\nloss: mse\nvalidation: \"0.5\"\ndata: {header: false}\n",
       &s);
    assert_string_equal(s.data.validation_file, "models/0.5"); /* quoted: a path */
    assert_int_equal(s.data.header, NN_HEADER_NO);
    nn_config_destroy(&s);
}

static void test_layer_init_default(void **state)
{
    (void)state;
    nn_spec s;
    ok("init: xavier\n" HEAD "  - dense: 3\n  - dense: {units: 2, init: uniform}\n", &s);
    assert_int_equal(hp_int(&s.layers[0], "init"), NN_INIT_XAVIER);
    assert_int_equal(hp_int(&s.layers[1], "init"), NN_INIT_UNIFORM);
    nn_config_destroy(&s);
    /* the top-level init may come after the layers */
    ok(HEAD "  - dense: 3\ninit: he\n", &s);
    assert_int_equal(hp_int(&s.layers[0], "init"), NN_INIT_HE);
    nn_config_destroy(&s);
}

static void test_base_dir(void **state)
{
    (void)state;
    nn_spec s;
    nn_err err;
    const char *t = "input: 1\nlayers: [linear]\nloss: mse\ndata: {train: a.csv, test: t/b.csv}\n";
    assert_int_equal(nn_config_parse(t, strlen(t), "m.yaml", NULL, NULL, 0, &s, &err), 0);
    assert_string_equal(s.data.train, "a.csv"); /* no base: kept as written */
    nn_config_destroy(&s);
    assert_int_equal(nn_config_parse(t, strlen(t), "m.yaml", "/srv/", NULL, 0, &s, &err), 0);
    assert_string_equal(s.data.train, "/srv/a.csv");
    assert_string_equal(s.data.test, "/srv/t/b.csv");
    nn_config_destroy(&s);
    /* label files resolve like the data they label */
    t = "input: 1\nlayers: [linear]\nloss: mse\nvalidation: v.npy\ndata: {train: a.idx, "
        "train_labels: la.idx.gz, test_labels: /abs/lt.npy, validation_labels: lv.npy}\n";
    assert_int_equal(nn_config_parse(t, strlen(t), "m.yaml", "/srv/", NULL, 0, &s, &err), 0);
    assert_string_equal(s.data.train_labels, "/srv/la.idx.gz");
    assert_string_equal(s.data.test_labels, "/abs/lt.npy");
    assert_string_equal(s.data.validation_labels, "/srv/lv.npy");
    assert_int_equal(s.data.validation_labels_pos.line, 5);
    nn_config_destroy(&s);
}

/* ---- errors: exact place and expected words ----------------------------------------------- */

static void test_err_unknown_top_key(void **state)
{
    (void)state;
    fails(HEAD "  - tanh\nepoch: 3\n", "models/x.yaml:5:1: unknown key 'epoch' (expected one of: "
                                       "input, layers, loss, optimizer, epochs, learning_rate, "
                                       "batch_size, seed, shuffle, init, weight_decay, "
                                       "clip_norm, lr_schedule, early_stopping, restore_best, "
                                       "validation, data)",
          NULL);
}

static void test_err_unknown_layer_type(void **state)
{
    (void)state;
    fails(HEAD "  - dense: 3\n  - tahn\n", "models/x.yaml:5:5: unknown layer type 'tahn' "
                                           "(expected one of: dense, sigmoid, tanh, relu",
          NULL);
    fails(HEAD "  - tanhh: 3\n", "models/x.yaml:4:5: unknown layer type 'tanhh'", NULL);
    fails(HEAD "  - dense: 3\n  - \"\"\n", "models/x.yaml:5:5: layers: expected a layer", NULL);
}

static void test_err_unknown_layer_key(void **state)
{
    (void)state;
    fails(HEAD "  - dense: {units: 3, unit: 4}\n",
          "models/x.yaml:4:23: unknown key 'unit' for dense (expected one of: units, init, bias, "
          "name)",
          NULL);
    fails(HEAD "  - tanh: {alpha: 1}\n",
          "models/x.yaml:4:12: unknown key 'alpha' for tanh (expected one of: name)", NULL);
    fails(HEAD "  - dense: 3\n    tanh:\n",
          "models/x.yaml:5:5: a layer item holds one type; 'tanh' starts another layer", NULL);
}

static void test_err_values(void **state)
{
    (void)state;
    fails(HEAD "  - dense: abc\n",
          "models/x.yaml:4:12: dense: units: expected an integer in [1, 16777216], got 'abc'",
          NULL);
    fails(HEAD "  - dense: {units: 3, init: gaussian}\n",
          "models/x.yaml:4:29: dense: init: expected one of: uniform, xavier, he, got 'gaussian'",
          NULL);
    fails(HEAD "  - dense: {units: 3, bias: maybe}\n", "models/x.yaml:4:29: dense: bias: "
                                                      "expected true or false, got 'maybe'",
          NULL);
    fails(HEAD "  - leaky_relu: nan\n", "models/x.yaml:4:17: leaky_relu: alpha: expected a "
                                        "number in [0, 1], got 'nan'",
          NULL);
    fails(HEAD "  - tanh\nepochs: 0\n", "models/x.yaml:5:9: epochs: expected an integer >= 1, "
                                        "got '0'",
          NULL);
    fails(HEAD "  - tanh\nlearning_rate: 0\n", "models/x.yaml:5:16: learning_rate: expected a "
                                               "number > 0, got '0'",
          NULL);
    fails(HEAD "  - tanh\nseed: -1\n", "models/x.yaml:5:7: seed: expected an integer >= 0, got "
                                       "'-1'",
          NULL);
    fails(HEAD "  - tanh\nshuffle: 2\n", "models/x.yaml:5:10: shuffle: expected true or false",
          NULL);
    fails(HEAD "  - tanh\ninit: normal\n", "models/x.yaml:5:7: init: expected one of: uniform, "
                                           "xavier, he, got 'normal'",
          NULL);
    fails(HEAD "  - tanh\nbatch_size: 1e999\n", "models/x.yaml:5:13: batch_size: expected an "
                                                "integer",
          NULL);
    fails(HEAD "  - tanh\nvalidation: 1\n", "models/x.yaml:5:13: validation: expected a fraction "
                                            "in [0, 1)",
          "or a file path, got '1'");
    fails(HEAD "  - tanh\nvalidation: -0.1\n", "models/x.yaml:5:13: validation: expected", NULL);
    fails(HEAD "  - tanh\nloss: mse2\n", "duplicate key 'loss'", NULL);
    fails("input: 2\nloss: mse2\nlayers: [tanh]\n",
          "models/x.yaml:2:7: unknown loss 'mse2' (expected one of: mse, mae, cross_entropy, "
          "binary_cross_entropy)",
          NULL);
    fails("input: 0\nloss: mse\nlayers: [tanh]\n",
          "models/x.yaml:1:8: input: expected an integer in [1, 16777216], got '0'", NULL);
    fails("input: [1, 2, 3, 4, 5]\nloss: mse\nlayers: [tanh]\n",
          "models/x.yaml:1:8: input: expected 1 to 4 sizes, got 5", NULL);
    fails("input: []\nloss: mse\nlayers: [tanh]\n", "models/x.yaml:1:8: input: expected 1 to 4",
          NULL);
    fails("input: [1, x]\nloss: mse\nlayers: [tanh]\n",
          "models/x.yaml:1:12: input: expected an integer", "got 'x'");
    fails("input: [65536, 65536]\nloss: mse\nlayers: [tanh]\n", "models/x.yaml:1:8: input:",
          "too large");
}

static void test_err_data(void **state)
{
    (void)state;
    fails(HEAD "  - tanh\ndata:\n  train: a.csv\n  trian: b.csv\n",
          "models/x.yaml:7:3: unknown key 'trian' for data (expected one of: train, test, target, "
          "inputs, header, scale, normalize, train_labels, test_labels, validation_labels)",
          NULL);
    fails(HEAD "  - tanh\ndata:\n  scale: 0\n", "models/x.yaml:6:10: data: scale: expected a "
                                                "number > 0, got '0'",
          NULL);
    fails(HEAD "  - tanh\ndata:\n  normalize: zscore\n",
          "models/x.yaml:6:14: data: normalize: expected one of: none, minmax, standard", NULL);
    fails(HEAD "  - tanh\ndata:\n  header: maybe\n",
          "models/x.yaml:6:11: data: header: expected one of: auto, yes, no", NULL);
    fails(HEAD "  - tanh\ndata:\n  target: -1\n",
          "models/x.yaml:6:11: data: target: expected a column name or an index", NULL);
    fails(HEAD "  - tanh\ndata:\n  inputs: []\n",
          "models/x.yaml:6:11: data: inputs: expected a non-empty sequence", NULL);
    fails(HEAD "  - tanh\ndata:\n  inputs: a\n",
          "models/x.yaml:6:11: data: inputs: expected a non-empty sequence", "got a scalar");
    fails(HEAD "  - tanh\ndata:\n  train: ''\n",
          "models/x.yaml:6:10: data: train: expected a file path, got ''", NULL);
    fails(HEAD "  - tanh\ndata:\n  train: [a]\n",
          "models/x.yaml:6:10: data: train: expected a scalar, got a sequence", NULL);
}

static void test_err_node_kinds(void **state)
{
    (void)state;
    fails("input: 2\nloss: mse\nlayers: tanh\n",
          "models/x.yaml:3:9: layers: expected a non-empty sequence of layers", "got a scalar");
    fails("input: 2\nloss: mse\nlayers: []\n", "models/x.yaml:3:9: layers: expected a non-empty",
          "got an empty one");
    fails("input: 2\nloss: mse\nlayers: {dense: 3}\n", "models/x.yaml:3:9: layers: expected",
          "got a map");
    fails(HEAD "  - [dense, 3]\n", "models/x.yaml:4:5: layers: expected a layer such as '- tanh'",
          "got a sequence");
    fails(HEAD "  - dense: [3]\n", "models/x.yaml:4:12: dense: expected a value or a map of "
                                   "settings, got a sequence",
          NULL);
    fails(HEAD "  - dense: {units: [3]}\n", "models/x.yaml:4:20: dense: units: expected a "
                                            "scalar, got a sequence",
          NULL);
    fails(HEAD "  - tanh\nepochs: {a: 1}\n", "models/x.yaml:5:9: epochs: expected a scalar, "
                                             "got a map",
          NULL);
    fails(HEAD "  - tanh\ndata: [a]\n", "models/x.yaml:5:7: data: expected a map", NULL);
    fails(HEAD "  - tanh\nloss: [mse]\n", "duplicate key", NULL);
    fails("input: {a: 1}\nloss: mse\nlayers: [tanh]\n", "models/x.yaml:1:8: input: expected",
          "got a map");
    fails("input: 2\nloss: {mse: 1}\nlayers: [tanh]\n",
          "models/x.yaml:2:7: loss: expected a scalar, got a map", NULL);
    fails(HEAD "  - tanh\n[a]: 1\n", "models/x.yaml:5:1: expected a key (a scalar), got a "
                                     "sequence",
          NULL);
}

static void test_err_duplicates(void **state)
{
    (void)state;
    fails(HEAD "  - tanh\nepochs: 1\nepochs: 2\n",
          "models/x.yaml:6:1: duplicate key 'epochs' (first given at line 5)", NULL);
    fails(HEAD "  - dense: {units: 3, units: 4}\n",
          "models/x.yaml:4:23: duplicate key 'units' (first given at line 4)", NULL);
    fails(HEAD "  - dense: {units: 3, name: a}\n  - dense: {units: 3, name: a}\n",
          "models/x.yaml:5:29: layer name 'a' is already used by layer 1", NULL);
    fails(HEAD "  - dense: {units: 3, name: dense2}\n  - dense: 3\n",
          "models/x.yaml:4:29: layer name 'dense2' is the default name of layer 2", NULL);
    fails(HEAD "  - dense: {units: 3, name: 'a b'}\n",
          "models/x.yaml:4:29: dense: name: expected 1 to 31 letters, digits, '_' or '-', "
          "got 'a b'",
          NULL);
    fails(HEAD "  - dense: {units: 3, name: abcdefghijabcdefghijabcdefghijab}\n",
          "models/x.yaml:4:29: dense: name: expected 1 to 31", NULL);
}

static void test_err_missing(void **state)
{
    (void)state;
    fails("input: 2\nlayers: [tanh]\n",
          "models/x.yaml:1:1: missing required key: loss (a model needs input, layers and loss)",
          NULL);
    fails("\n\nepochs: 3\n", "models/x.yaml:3:1: missing required keys: input, layers, loss",
          NULL);
    fails(HEAD "  - tanh\n  - dense: {bias: false}\n",
          "models/x.yaml:5:5: dense: missing required key 'units'", NULL);
    fails(HEAD "  - dense\n", "models/x.yaml:4:5: dense: missing required key 'units'", NULL);
    fails(HEAD "  - dense:\n", "models/x.yaml:4:5: dense: missing required key 'units'", NULL);
    fails(HEAD "  - tanh: 3\n", "models/x.yaml:4:11: tanh takes no settings", NULL);
    /* a map without type is the default optimizer */
    fails(HEAD "  - tanh\noptimizer: {lr: 1}\n",
          "models/x.yaml:5:13: unknown key 'lr' for sgd (expected one of: type)", NULL);
}

static void test_err_optimizer(void **state)
{
    (void)state;
    fails(HEAD "  - tanh\noptimizer: adamw2\n",
          "models/x.yaml:5:12: unknown optimizer 'adamw2' (expected one of: sgd", NULL);
    fails(HEAD "  - tanh\noptimizer: {type: sgd, momentum: 0.9}\n",
          "models/x.yaml:5:24: unknown key 'momentum' for sgd (expected one of: type", NULL);
    fails(HEAD "  - tanh\noptimizer: [sgd]\n",
          "models/x.yaml:5:12: optimizer: expected a name or a map", NULL);
}

static void test_err_yaml(void **state)
{
    (void)state;
    fails("", "models/x.yaml: the model file is empty", NULL);
    fails("# nothing but a comment\n\n", "models/x.yaml: the model file is empty", NULL);
    fails("---\n", "models/x.yaml: the model file is empty", NULL);
    fails("- a\n- b\n", "models/x.yaml:1:1: model file: expected a map of keys", "got a sequence");
    fails("just words\n", "models/x.yaml:1:1: model file: expected a map", "got a scalar");
    fails("input: 2\n---\ninput: 3\n", "models/x.yaml:2:1: a second YAML document starts here",
          NULL);
    fails("input: [2\nloss: mse\n", "models/x.yaml:", "invalid YAML:");
    fails("input: 2\nloss: mse: x\n", "models/x.yaml:2:10: invalid YAML: mapping values are "
                                       "not allowed in this context",
          NULL);
    fails("input: 2\n  loss: mse\n", "models/x.yaml:2:3: bad indentation: 'loss: mse' is "
                                     "indented further than line 1",
          "line it up with the keys it belongs with");
    fails("input: 2\nlayers:\n  - tanh\n - relu\n", "models/x.yaml:4:2: bad indentation: "
                                                   "'- relu' starts at column 2",
          "they start at columns 1, 3 and 5");
    fails("input: \"abc\n", "models/x.yaml:", "invalid YAML: found unexpected end of stream");
    fails("input: 2\n\tloss: mse\n", "models/x.yaml:2:1: a tab in the indentation (tabs are "
                                     "not allowed for indentation in YAML, use spaces)",
          NULL);
    fails("input: &a 2\n", "models/x.yaml:1:8: YAML aliases and anchors are not supported", NULL);
    fails("input: 2\nloss: mse\nlayers: [*a]\n", "models/x.yaml:3:10: YAML aliases", NULL);
    fails(HEAD "  - &x tanh\n  - *x\n", "models/x.yaml:4:5: YAML aliases and anchors are not "
                                        "supported",
          NULL);
    fails("input: !!int 2\n", "models/x.yaml:1:8: YAML tags are not supported", NULL);
    fails("input: 2\nloss: mse\nlayers: !seq [tanh]\n", "models/x.yaml:3:9: YAML tags", NULL);
    fails("input: \"a\\0b\"\n", "models/x.yaml:1:8: a NUL character in a value is not allowed",
          NULL);
}

/* ---- overrides ---------------------------------------------------------------------------- */

static void test_override_scalars(void **state)
{
    (void)state;
    nn_spec s;
    nn_override ov[] = {
        {"--epochs", "epochs", "5"},
        {"-l", "learning_rate", "0.5"},
        {"-b", "batch_size", "32"},
        {"--seed", "seed", "42"},
        {"-s shuffle=off", "shuffle", "off"},
        {"-s epochs=7", "epochs", "7"}, /* later wins */
        {"-s init=he", "init", "he"},
        {"-s validation=0.2", "validation", "0.2"},
        {"-s loss=mae", "loss", "mae"},
    };
    ok_ov(xor_yaml, ov, (int)(sizeof ov / sizeof *ov), &s);
    assert_int_equal(s.run.epochs, 7);
    assert_true(s.run.learning_rate == 0.5);
    assert_int_equal(s.run.batch_size, 32);
    assert_int_equal(s.run.seed, 42);
    assert_int_equal(s.run.shuffle, 0);
    assert_int_equal(hp_int(&s.layers[0], "init"), NN_INIT_HE);
    assert_true(s.data.validation == 0.2);
    assert_string_equal(s.loss->type, "mae");
    assert_string_equal(s.loss_pos.file, "-s loss=mae");
    assert_int_equal(s.loss_pos.line, 0);
    nn_config_destroy(&s);
}

static void test_override_structures(void **state)
{
    (void)state;
    nn_spec s;
    const char *text = HEAD "  - dense: 3\n  - leaky_relu\n  - dense: {units: 2, bias: false}\n"
                            "  - tanh\n  - dense:\n";
    nn_override ov[] = {
        {"-s input=[1,28,28]", "input", "[1,28,28]"},
        {"-s layers.0.units=64", "layers.0.units", "64"},
        {"-s layers.1.alpha=0.2", "layers.1.alpha", "0.2"},
        {"-s layers.2.init=he", "layers.2.init", "he"},
        {"-s layers.3.name=act", "layers.3.name", "act"},
        {"-s layers.4.units=4", "layers.4.units", "4"},
        {"-s optimizer.type=sgd", "optimizer.type", "sgd"},
        {"-s data.train=x.csv", "data.train", "x.csv"},
        {"-s data.test=t.csv", "data.test", "t.csv"},
        {"-s data.inputs=[a, 2]", "data.inputs", "[a, 2]"},
    };
    ok_ov(text, ov, (int)(sizeof ov / sizeof *ov), &s);
    assert_int_equal(s.input.ndim, 3);
    assert_int_equal(s.input.dim[1], 28);
    assert_int_equal(hp_int(&s.layers[0], "units"), 64);
    assert_int_equal(s.layers[0].pos.line, 4); /* the item stays where it was written */
    assert_true(hp_float(&s.layers[1], "alpha") == 0.2);
    assert_int_equal(hp_int(&s.layers[2], "init"), NN_INIT_HE);
    assert_int_equal(hp_int(&s.layers[2], "bias"), 0);
    assert_int_equal(hp_int(&s.layers[2], "units"), 2);
    assert_string_equal(s.layers[3].name, "act");
    assert_int_equal(hp_int(&s.layers[4], "units"), 4);
    assert_string_equal(s.optim->type, "sgd");
    assert_string_equal(s.data.train, "x.csv"); /* against the working directory */
    assert_string_equal(s.data.train_pos.file, "-s data.train=x.csv");
    assert_string_equal(s.data.test, "t.csv");
    assert_int_equal(s.data.ninputs, 2);
    assert_string_equal(s.data.inputs[1], "2");
    nn_config_destroy(&s);

    /* a whole item, a whole list, the optimizer word turned into a map */
    nn_override ov2[] = {
        {"-s layers.0={dense: 64}", "layers.0", "{dense: 64}"},
        {"-s optimizer.type=sgd", "optimizer.type", "sgd"},
    };
    ok_ov(xor_yaml, ov2, 2, &s);
    assert_int_equal(hp_int(&s.layers[0], "units"), 64);
    assert_string_equal(s.layers[0].pos.file, "-s layers.0={dense: 64}");
    assert_int_equal(s.layers[0].pos.line, 0);
    assert_string_equal(s.data.train, "models/../data/xor.csv"); /* from the file */
    nn_config_destroy(&s);

    nn_override ov3[] = {{"-s layers=[relu, {dense: 2}]", "layers", "[relu, {dense: 2}]"},
                         {"-s optimizer=sgd", "optimizer", "sgd"}};
    ok_ov(xor_yaml, ov3, 2, &s);
    assert_int_equal(s.nlayers, 2);
    assert_string_equal(s.layers[0].ops->type, "relu");
    nn_config_destroy(&s);

    /* data: left empty in the file, filled in by an override */
    nn_override ov4 = {"-s data.target=3", "data.target", "3"};
    ok_ov(HEAD "  - tanh\ndata:\n", &ov4, 1, &s);
    assert_int_equal(s.data.target_index, 3);
    nn_config_destroy(&s);
}

static void test_override_origin_is_label(void **state)
{
    (void)state;
    nn_spec s;
    nn_err err;
    char key[] = "layers.0={dense: 5}", value[] = "{dense: 5}";
    char origin[] = "-s layers.0={dense: 5}";
    nn_override ov = {origin, "layers.0", value};
    ok_ov(xor_yaml, &ov, 1, &s);
    /* the caller's strings may go away: positions must not point at them */
    memset(origin, 'X', sizeof origin - 1);
    memset(key, 'X', sizeof key - 1);
    assert_string_equal(s.layers[0].pos.file, "-s layers.0={dense: 5}");
    nn_config_destroy(&s);

    nn_override noorigin = {NULL, "epochs", "x"};
    assert_int_equal(parse_ov(xor_yaml, &noorigin, 1, &s, &err), -1);
    assert_non_null(strstr(err.msg, "-s epochs=x: epochs: expected an integer >= 1, got 'x'"));
}

static void test_override_errors(void **state)
{
    (void)state;
    fails_override(xor_yaml, "", "", "-s =: expected KEY=VALUE with a key", NULL);
    fails_override(xor_yaml, "a..b", "1", "-s a..b=1: key 'a..b' has an empty step", NULL);
    fails_override(xor_yaml, ".epochs", "1", "key '.epochs' has an empty step", NULL);
    fails_override(xor_yaml, "epochs.", "1", "key 'epochs.' has an empty step", NULL);
    fails_override(xor_yaml, "layers.99.units", "3",
                   "-s layers.99.units=3: index 99 is out of range for 'layers' (expected 0..3)",
                   NULL);
    fails_override(xor_yaml, "layers.-1.units", "3",
                   "'layers' is a sequence: expected an index 0..3, got '-1'", NULL);
    fails_override(xor_yaml, "layers.x", "3", "'layers' is a sequence: expected an index 0..3",
                   NULL);
    fails_override(xor_yaml, "layers.0.units", "abc",
                   "-s layers.0.units=abc: dense: units: expected an integer in [1, 16777216], "
                   "got 'abc'",
                   NULL);
    fails_override(xor_yaml, "layers.1.alpha", "0.2",
                   "-s layers.1.alpha=0.2: unknown key 'alpha' for tanh (expected one of: name)",
                   NULL);
    fails_override(xor_yaml, "layers.0.unit", "3",
                   "-s layers.0.unit=3: unknown key 'unit' for dense (expected one of: units, "
                   "init, bias, name)",
                   NULL);
    fails_override(xor_yaml, "epoch", "3", "-s epoch=3: unknown key 'epoch' (expected one of: "
                                           "input, layers",
                   NULL);
    fails_override(xor_yaml, "epochs.x", "3",
                   "-s epochs.x=3: cannot set 'epochs.x': 'epochs' holds a single value", NULL);
    fails_override(xor_yaml, "epochs", "", "-s epochs=: epochs: expected an integer >= 1, got ''",
                   NULL);
    fails_override(xor_yaml, "epochs", "[1", "-s epochs=[1: invalid YAML:", NULL);
    fails_override(xor_yaml, "epochs", "&a 3", "-s epochs=&a 3: YAML aliases and anchors", NULL);
    fails_override(xor_yaml, "epochs", "1\n---\n2", "a second YAML document", NULL);
    fails_override(xor_yaml, "epochs", "{a: 1, a: 2}", "duplicate key 'a'", NULL);
    fails_override(xor_yaml, "optimizer.momentum", "0.9",
                   "-s optimizer.momentum=0.9: unknown key 'momentum' for sgd (expected one of: "
                   "type",
                   NULL);
    fails_override(xor_yaml, "optimizer.type", "adam9", "-s optimizer.type=adam9: unknown "
                                                        "optimizer 'adam9'",
                   NULL);
    fails_override(xor_yaml, "layers.0", "{dense: 64, x: 1}",
                   "-s layers.0={dense: 64, x: 1}: 'x' in a dense item is neither a layer "
                   "type nor a setting of dense (expected one of: units, init, bias, name)",
                   NULL);
    fails_override(xor_yaml, "layers.0", "{dense: 64, init: he}",
                   "-s layers.0={dense: 64, init: he}: 'init' is beside the layer type dense",
                   "(give dense its settings as one map: '- dense: {units: 64, init: he}')");
    fails_override(xor_yaml, "layers.0.dense.units", "3",
                   "unknown key 'dense' for dense", NULL);
    fails_override(xor_yaml, "layers.1.units", "3", "unknown key 'units' for tanh", NULL);
    fails_override(HEAD "  - tanh: 3\n", "layers.0.name", "a",
                   "models/x.yaml:4:11: tanh takes no settings", NULL);
    fails_override(HEAD "  - foo\n", "layers.0.units", "3",
                   "models/x.yaml:4:5: unknown layer type 'foo'", NULL);
    fails_override(xor_yaml, "layers", "[]", "-s layers=[]: layers: expected a non-empty", NULL);
    fails_override(xor_yaml, "input.0", "3", "'input' holds a single value", NULL);
    fails_override(xor_yaml, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D.E.F.G",
                   "1", "has more than 32 steps", NULL);
    fails_override(xor_yaml, "data.train", "", "-s data.train=: data: train: expected a file path",
                   NULL);
    fails_override(xor_yaml, "input", "[1, 2, 3, 4, 5]",
                   "-s input=[1, 2, 3, 4, 5]: input: expected 1 to 4 sizes", NULL);
}

/* The training keys: optimizers, weight_decay, clip_norm, lr_schedule and early_stopping, as
 * words, maps and overrides, and their errors. */
static void test_training_keys(void **state)
{
    (void)state;
    nn_spec s;
    ok(HEAD "  - tanh\n", &s); /* defaults */
    assert_string_equal(s.optim->type, "sgd");
    assert_string_equal(s.schedule->type, "constant");
    assert_false(s.early.enabled);
    assert_true(s.run.weight_decay == 0 && s.run.clip_norm == 0);
    nn_config_destroy(&s);

    ok(HEAD "  - tanh\noptimizer: nesterov\nlr_schedule: step\nearly_stopping: 4\n"
            "weight_decay: 1e-4\nclip_norm: 5\n", &s);
    assert_string_equal(s.optim->type, "nesterov");
    assert_true(nn_hparam_get_float(nn_hparam_find(s.optim->hparams, "momentum"), s.optim_hp) ==
                0.9);
    const nn_schedule_hp *sh = s.schedule_hp;
    assert_string_equal(s.schedule->type, "step");
    assert_int_equal(sh->step_size, 10);
    assert_true(sh->gamma == 0.1);
    assert_true(s.early.enabled && s.early.patience == 4 && s.early.monitor == 0);
    assert_int_equal(s.early_pos.line, 7);
    assert_true(s.run.weight_decay == 1e-4 && s.run.clip_norm == 5);
    nn_config_destroy(&s);

    ok(HEAD "  - tanh\noptimizer: {type: adam, beta2: 0.99}\n"
            "lr_schedule: {type: exponential, gamma: 0.5, warmup_epochs: 2}\n"
            "early_stopping: {monitor: loss}\n", &s);
    assert_true(nn_hparam_get_float(nn_hparam_find(s.optim->hparams, "beta2"), s.optim_hp) ==
                0.99);
    sh = s.schedule_hp;
    assert_true(sh->gamma == 0.5 && sh->warmup_epochs == 2);
    assert_true(s.early.enabled && s.early.patience == 5 && s.early.monitor == 2);
    nn_config_destroy(&s);

    /* overrides reach into the word forms */
    nn_override ov[] = {
        {"-s lr_schedule.gamma=0.2", "lr_schedule.gamma", "0.2"},
        {"-s early_stopping.monitor=val_acc", "early_stopping.monitor", "val_acc"},
        {"-s optimizer.momentum=0.5", "optimizer.momentum", "0.5"},
    };
    ok_ov(HEAD "  - tanh\noptimizer: momentum\nlr_schedule: exponential\nearly_stopping: 2\n",
          ov, 3, &s);
    sh = s.schedule_hp;
    assert_true(sh->gamma == 0.2);
    assert_true(s.early.patience == 2 && s.early.monitor == 1);
    assert_true(nn_hparam_get_float(nn_hparam_find(s.optim->hparams, "momentum"), s.optim_hp) ==
                0.5);
    nn_config_destroy(&s);
    ok(HEAD "  - tanh\nearly_stopping: {patience: 3}\n", &s);
    assert_true(s.early.enabled);
    nn_config_destroy(&s);
    nn_override off = {"-s early_stopping=false", "early_stopping", "false"};
    ok_ov(HEAD "  - tanh\nearly_stopping: {patience: 3}\n", &off, 1, &s);
    assert_false(s.early.enabled);
    nn_config_destroy(&s);
    ok(HEAD "  - tanh\nearly_stopping: on\n", &s);
    assert_true(s.early.enabled && s.early.patience == 5);
    nn_config_destroy(&s);
    nn_override ov2[] = {{"-s early_stopping=3", "early_stopping", "3"},
                         {"-s lr_schedule={type: cosine}", "lr_schedule", "{type: cosine}"}};
    ok_ov(HEAD "  - tanh\n", ov2, 2, &s);
    assert_true(s.early.enabled && s.early.patience == 3);
    assert_string_equal(s.schedule->type, "cosine");
    nn_config_destroy(&s);

    fails(HEAD "  - tanh\nlr_schedule: linear\n",
          "models/x.yaml:5:14: unknown lr_schedule 'linear' (expected one of: constant, step, "
          "exponential, cosine)", NULL);
    fails(HEAD "  - tanh\nlr_schedule: {type: cosine, gamma: 0.5}\n",
          "models/x.yaml:5:29: unknown key 'gamma' for lr_schedule cosine (expected one of: "
          "type, min_lr, warmup_epochs)", NULL);
    fails(HEAD "  - tanh\nlr_schedule: {type: step, step_size: 0}\n",
          "step: step_size: expected an integer >= 1, got '0'", NULL);
    fails(HEAD "  - tanh\nlr_schedule: [step]\n", "lr_schedule: expected a name or a map",
          NULL);
    fails(HEAD "  - tanh\nearly_stopping: {patience: 3, monitr: loss}\n",
          "models/x.yaml:5:31: unknown key 'monitr' for early_stopping (expected one of: "
          "patience, monitor, min_delta)", NULL);
    fails(HEAD "  - tanh\nearly_stopping: {monitor: acc}\n",
          "early_stopping: monitor: expected one of", "val_loss, val_acc, loss");
    fails(HEAD "  - tanh\nearly_stopping: 0\n",
          "early_stopping: patience: expected an integer >= 1, got '0'", NULL);
    fails(HEAD "  - tanh\nweight_decay: -1\n", "weight_decay: expected a number >= 0", NULL);
    fails(HEAD "  - tanh\nclip_norm: x\n", "clip_norm: expected a number", NULL);
    fails(HEAD "  - tanh\noptimizer: {type: adam, momentum: 0.9}\n",
          "unknown key 'momentum' for adam (expected one of: type, beta1, beta2, eps)", NULL);
    fails(HEAD "  - tanh\noptimizer: {type: nesterov, momentum: 0}\n",
          "nesterov: momentum: expected a number in (0, 1]", NULL);
}

/* ---- emit --------------------------------------------------------------------------------- */

static void test_emit_xor(void **state)
{
    (void)state;
    nn_spec s;
    nn_err err;
    char *text;
    ok(xor_yaml, &s);
    assert_int_equal(nn_config_emit(&s, &text, &err), 0);
    assert_string_equal(text, "input: 2\n"
                              "layers:\n"
                              "  - dense: {units: 3, init: uniform, bias: true}\n"
                              "  - tanh\n"
                              "  - dense: {units: 1, init: uniform, bias: true}\n"
                              "  - tanh\n"
                              "loss: mse\n"
                              "optimizer: {type: sgd}\n"
                              "epochs: 1000\n"
                              "learning_rate: 0.1\n"
                              "batch_size: 1\n"
                              "seed: 1\n"
                              "shuffle: true\n"
                              "init: uniform\n"
                              "weight_decay: 0\n"
                              "clip_norm: 0\n"
                              "lr_schedule: {type: constant, warmup_epochs: 0}\n"
                              "validation: 0\n"
                              "data:\n"
                              "  train: \"models/../data/xor.csv\"\n"
                              "  header: auto\n"
                              "  scale: 1\n"
                              "  normalize: none\n");
    nn_free(text);
    round_trip(&s);
    nn_config_destroy(&s);
}

static void test_emit_round_trips(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "input: [1, 28, 28]\n"
        "layers:\n"
        "  - dense: {units: 256, init: he, name: fc1}\n"
        "  - leaky_relu: 0.3\n"
        "  - dense: {units: 128, bias: no}\n"
        "  - elu: {alpha: 0.7, name: act_2}\n"
        "  - dense: 10\n"
        "  - softmax: {name: out}\n"
        "loss: cross_entropy\n"
        "epochs: 12\nlearning_rate: 0.00392156862745098\nbatch_size: 64\nseed: 2147483647\n"
        "shuffle: false\ninit: xavier\nvalidation: 0.1\n"
        "data:\n  train: 'we\"ird\\path\ttab.csv'\n  test: \"\\u00e9t\\u00e9\\u2028x\\x01.csv\"\n"
        "  target: \"my label\"\n  inputs: [a, 0, 'b c', 12]\n  header: yes\n"
        "  scale: 1e-7\n  normalize: minmax\n",

        ("input: 3\nlayers: [sigmoid, relu, linear, tanh]\nloss: binary_cross_entropy\n"
         "validation: held.csv\ndata: {target: 7, header: no}\n"),

        "input: [2, 3]\nlayers: [{dense: 1}]\nloss: mae\noptimizer: sgd\n",

        ("input: 2\nlayers: [{dense: 2}, softmax]\nloss: cross_entropy\n"
         "optimizer: {type: adamw, beta1: 0.85, eps: 1e-7}\nweight_decay: 0.05\n"
         "clip_norm: 2.5\nlr_schedule: {type: cosine, min_lr: 0.001, warmup_epochs: 3}\n"
         "early_stopping: {patience: 7, monitor: val_acc, min_delta: 0.01}\n"),

        ("input: [1, 28, 28]\nlayers: [{dense: 10}, softmax]\nloss: cross_entropy\n"
         "validation: v-images.idx\ndata: {train: t-images.idx.gz, train_labels: t-labels.npy, "
         "test: s.npy, test_labels: s-labels.npy, validation_labels: v-labels.idx}\n"),
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        nn_spec s;
        ok(texts[i], &s);
        round_trip(&s);
        nn_config_destroy(&s);
    }
}

static void test_emit_refuses_bad_spec(void **state)
{
    (void)state;
    nn_spec s;
    nn_err err;
    char *text = (char *)"untouched";
    memset(&s, 0, sizeof s);
    assert_int_equal(nn_config_emit(&s, &text, &err), -1);
    assert_null(text);
    assert_non_null(strstr(err.msg, "incomplete"));
    ok(xor_yaml, &s);
    nn_free(s.data.train);
    s.data.train = nn_strdup("bad\xff utf8", &err);
    assert_int_equal(nn_config_emit(&s, &text, &err), -1);
    assert_non_null(strstr(err.msg, "not valid UTF-8"));
    nn_config_destroy(&s);
}

/* ---- hostile input ------------------------------------------------------------------------ */

static void test_billion_laughs(void **state)
{
    (void)state;
    fails("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
          "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
          "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
          "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
          "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
          "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
          "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
          "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
          "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
          "models/x.yaml:1:4: YAML aliases and anchors are not supported", NULL);
}

static void fails_bytes(const char *bytes, size_t len, const char *want)
{
    nn_spec s;
    nn_err err = {{0}};
    assert_int_equal(nn_config_parse(bytes, len, FILE_NAME, NULL, NULL, 0, &s, &err), -1);
    if (want && !strstr(err.msg, want))
        print_error("message: %s\nwanted: %s\n", err.msg, want);
    if (want)
        assert_non_null(strstr(err.msg, want));
    assert_true(strlen(err.msg) > 0);
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    static const char nul[] = "input: 2\nlo\0ss: mse\n";
    fails_bytes(nul, sizeof nul - 1, "models/x.yaml:2:3: invalid YAML: control characters");
    static const char utf8[] = "input: 2\nloss: \xff\xfe\n";
    fails_bytes(utf8, sizeof utf8 - 1, "models/x.yaml:2:7: invalid YAML:");
    static const char overlong[] = "input: 2\nloss: \xc0\xaf\n";
    fails_bytes(overlong, sizeof overlong - 1, "invalid YAML");
    static const char lone[] = "input: \xe2\x82\n";
    fails_bytes(lone, sizeof lone - 1, "invalid YAML");
    fails_bytes("\0\0\0\0", 4, NULL);
    fails_bytes("\xef\xbb\xbf", 3, "empty");   /* a lone byte order mark */
    fails_bytes("\xfe\xff\0i", 4, NULL);        /* UTF-16 mark, garbage after */
    fails_bytes("{", 1, "invalid YAML");
    fails_bytes("input: [", 8, "invalid YAML");
    fails_bytes(":", 1, NULL);
    fails_bytes("? ", 2, NULL);
    fails_bytes("%YAML 9.9\n---\na: 1\n", 19, "invalid YAML");
}

/* Inputs found by tests/fuzz (fuzz_override, fuzz_config), kept as regression tests. */
static void test_fuzz_findings(void **state)
{
    (void)state;
    nn_spec s;
    nn_err err;
    /* A key or value spanning lines: its label is shown with \x0a, so the message stays on
     * one line (and a terminal escape in it is not sent to the terminal). */
    nn_override ov = {"-s layers.e\nx=1", "layers.e\nx", "1"};
    assert_int_equal(parse_ov(xor_yaml, &ov, 1, &s, &err), -1);
    assert_non_null(strstr(err.msg, "-s layers.e\\x0ax=1: "));
    assert_null(strchr(err.msg, '\n'));
    nn_override esc = {NULL, "epochs", "\x1b[2J"};
    assert_int_equal(parse_ov(xor_yaml, &esc, 1, &s, &err), -1);
    assert_non_null(strstr(err.msg, "-s epochs=\\x1b[2J: "));
    assert_null(strchr(err.msg, '\x1b'));
    /* A quoted column such as '0555' was emitted bare and came back as index 555, so the
     * emitted text changed on a second round. */
    ok("input: 2\nlayers: [dense: 1]\nloss: mse\n"
       "data: {inputs: ['0555', \"00\", '0', 7, '1234567890']}\n", &s);
    round_trip(&s);
    nn_config_destroy(&s);
}

/* Every prefix of a valid file either parses or fails with a message; none crashes. */
static void test_truncated_documents(void **state)
{
    (void)state;
    static const char full[] =
        "input: [1, 4]\nlayers:\n  - dense: {units: 3, init: he, name: \"a\\tb\"}\n"
        "  - leaky_relu: 0.2\n  - dense:\n      units: 2\nloss: mse\n"
        "optimizer: {type: sgd}\nvalidation: 0.5\ndata:\n  train: 'x.csv'\n  inputs: [a, 1]\n";
    for (size_t n = 0; n <= sizeof full - 1; n++) {
        nn_spec s;
        nn_err err = {{0}};
        int rc = nn_config_parse(full, n, FILE_NAME, NULL, NULL, 0, &s, &err);
        if (rc == 0)
            nn_config_destroy(&s);
        else
            assert_true(strncmp(err.msg, FILE_NAME, strlen(FILE_NAME)) == 0);
    }
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t n = 10u << 20;
    char *big = nn_alloc(n, 1, NULL);
    assert_non_null(big);
    memset(big, '[', n);
    fails_bytes(big, n, "models/x.yaml:1:65: maps and sequences nested deeper than 64 levels");
    memset(big, '{', n); /* a map as the key of a map: refused at once */
    fails_bytes(big, n, "models/x.yaml:1:2: expected a key (a scalar), got a map");
    /* block nesting: "- - - - ..." */
    for (size_t i = 0; i + 1 < 4000; i += 2) {
        big[i] = '-';
        big[i + 1] = ' ';
    }
    fails_bytes(big, 4000, "nested deeper than 64 levels");
    nn_free(big);
    /* 64 levels are fine for the reader (the checks then refuse the value) */
    char ok64[200];
    size_t k = 0;
    k += (size_t)snprintf(ok64, sizeof ok64, "input: ");
    for (int i = 0; i < 63; i++)
        ok64[k++] = '[';
    for (int i = 0; i < 63; i++)
        ok64[k++] = ']';
    ok64[k] = '\0';
    fails_bytes(ok64, k, "models/x.yaml:1:9: input: expected a scalar, got a sequence");
}

static void test_absurd_counts(void **state)
{
    (void)state;
    size_t cap = 1200000, k = 0;
    char *t = nn_alloc(cap, 1, NULL);
    assert_non_null(t);
    k += (size_t)snprintf(t, cap, "input: 2\nloss: mse\nlayers: [");
    for (int i = 0; i < 100001; i++)
        k += (size_t)snprintf(t + k, cap - k, "%stanh", i ? "," : "");
    k += (size_t)snprintf(t + k, cap - k, "]\n");
    fails_bytes(t, k, "models/x.yaml:3:9: layers: 100001 layers is too many (at most 100000)");
    /* a map with too many keys */
    k = (size_t)snprintf(t, cap, "data: {");
    for (int i = 0; i < 1100; i++)
        k += (size_t)snprintf(t + k, cap - k, "k%d: 1, ", i);
    k += (size_t)snprintf(t + k, cap - k, "}\n");
    fails_bytes(t, k, "too many keys in one map (at most 1024)");
    nn_free(t);
    /* over 16 MiB */
    size_t n = (16u << 20) + 1;
    char *big = nn_alloc(n, 1, NULL);
    assert_non_null(big);
    memset(big, '#', n);
    fails_bytes(big, n, "models/x.yaml: the model file is larger than 16 MiB");
    nn_free(big);
}

/* ---- nn_config_load ----------------------------------------------------------------------- */

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Indentation mistakes and tabs get advice at the line and column of the mistake. */
static void test_err_indentation(void **state)
{
    (void)state;
    /* a setting at the column of its layer's type (valid YAML: a second key in the item) */
    fails(HEAD "  - dense:\n    units: 3\n",
          "models/x.yaml:5:5: 'units' is at the column of 'dense', so it reads as a second layer "
          "type of the item (indent it under dense, to column 7, to make it a setting of dense)",
          NULL);
    fails(HEAD "  - dense:\n      units: 3\n    init: he\n",
          "models/x.yaml:6:5: 'init' is at the column of 'dense', not of its settings (indent it "
          "to column 7, with the other settings of dense)",
          NULL);
    fails(HEAD "  - dense: 3\n    init: he\n",
          "models/x.yaml:5:5: 'init' is beside the layer type dense, not one of its settings",
          "'- dense: {units: 3, init: he}'");
    fails(HEAD "  - {dense: 3, bogus: 1}\n",
          "models/x.yaml:4:16: 'bogus' in a dense item is neither a layer type nor a setting of "
          "dense (expected one of: units, init, bias, name)",
          NULL);
    fails(HEAD "  - dens:\n    units: 3\n", "models/x.yaml:4:5: unknown layer type 'dens'", NULL);
    /* the same under the '-': libyaml's "did not find expected '-' indicator" */
    fails(HEAD "  - dense:\n  units: 3\n",
          "models/x.yaml:5:3: bad indentation: 'units: 3' lines up with the '-' of the list at "
          "line 4 but is not an item (start it with '- ' for a new item, or indent it to column "
          "7 to put it inside the item above)",
          NULL);
    /* a key between two columns: libyaml's "did not find expected key" */
    fails("input: 2\ndata:\n    train: x\n  test: y\n",
          "models/x.yaml:4:3: bad indentation: 'test: y' starts at column 3, but no line above "
          "it does (they start at columns 1 and 5: line it up, with spaces, with the keys or "
          "items it belongs with)",
          NULL);
    fails(HEAD "  - dense: 3\n    - tanh\n",
          "models/x.yaml:5:5: bad indentation: the item '- tanh' lines up with the keys of the "
          "map at line 4 (line its '-' up with the other items of its list)",
          NULL);
    /* tabs, wherever libyaml notices them */
    fails(HEAD "\t- tanh\n", "models/x.yaml:4:1: a tab in the indentation (tabs are not "
                             "allowed for indentation in YAML, use spaces)",
          NULL);
    fails(HEAD "  - dense:\n      units: 3\n    \tinit: he\n",
          "models/x.yaml:6:5: a tab in the indentation", NULL);
    fails(HEAD "  - dense: |\n\t3\n", "models/x.yaml:5:1: a tab in the indentation", NULL);
    /* a tab after a key is fine, and so is one inside a quoted value */
    nn_spec s;
    ok("input:\t2\nloss: mse\nlayers: [tanh]\ndata: {train: \"a\tb.csv\"}\n", &s);
    nn_config_destroy(&s);
    /* what the advice does not recognise keeps libyaml's words */
    fails("input: 2\nloss: mse: x\n", "models/x.yaml:2:10: invalid YAML: mapping values", NULL);
    fails("input: 2\nfoo\nloss: mse\n", "invalid YAML: could not find expected ':'", NULL);
}

/* A key of data: at the top level says where it belongs. */
static void test_err_data_key_at_top(void **state)
{
    (void)state;
    fails(HEAD "  - tanh\ntrain: x.csv\n",
          "models/x.yaml:5:1: 'train' belongs under data:, not at the top level (write a line "
          "'data:' and indent 'train:' under it)",
          NULL);
    fails(HEAD "  - tanh\ndata:\n  train: x.csv\ntarget: y\n",
          "models/x.yaml:7:1: 'target' belongs under data:, not at the top level (move it under "
          "the data: at line 5, indented like the keys there)",
          NULL);
    fails_override(xor_yaml, "test", "t.csv",
                   "-s test=t.csv: 'test' belongs under data: (expected -s data.test=VALUE)",
                   NULL);
    fails(HEAD "  - tanh\ntrian: x.csv\n", "unknown key 'trian' (expected one of: input,", NULL);
}

/* nnpredict's question: is this file a model file? By content, whatever its name. */
static void test_is_model_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/nn_test_config_XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    const struct {
        const char *text;
        int model;
    } cases[] = {
        {"input: 2\nlayers: [tanh]\nloss: mse\n", 1},
        {"layers:\n  - dense:\n    units: 3\n", 1},   /* invalid as a model, still one */
        {"input: 2\nloss: mse\n", 0},                  /* no layers: */
        {"- layers\n", 0},                              /* not a map */
        {"layers: [tanh\n", 0},                         /* not YAML */
        {"NNW\0\1\0\0\0", 0},
        {"", 0},
    };
    snprintf(path, sizeof path, "%s/m.nnw", dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = i == 5 ? 8 : strlen(cases[i].text);
        write_file(path, cases[i].text, len);
        if (nn_config_is_model_file(path) != cases[i].model)
            fail_msg("case %zu: expected %d", i, cases[i].model);
    }
    assert_int_equal(unlink(path), 0);
    assert_int_equal(nn_config_is_model_file(path), 0); /* missing */
    assert_int_equal(nn_config_is_model_file(dir), 0);  /* a directory */
    assert_int_equal(rmdir(dir), 0);
}

static void test_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/nn_test_config_XXXXXX";
    char sub[128], path[160], big[160];
    nn_spec s;
    nn_err err;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/models", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/xor.yaml", sub);
    write_file(path, xor_yaml, sizeof xor_yaml - 1);

    nn_override ov = {"-s data.test=t.csv", "data.test", "t.csv"};
    assert_int_equal(nn_config_load(path, &ov, 1, &s, &err), 0);
    char want[256];
    snprintf(want, sizeof want, "%s/../data/xor.csv", sub);
    assert_string_equal(s.data.train, want);
    assert_string_equal(s.data.test, "t.csv");
    assert_string_equal(s.file, path);
    assert_string_equal(s.layers[0].pos.file, path);
    nn_config_destroy(&s);

    /* errors name the path as given */
    snprintf(big, sizeof big, "%s/bad.yaml", sub);
    write_file(big, "input: 2\nlayers: [tanh]\nloss: mse\nepochs: x\n", 43);
    assert_int_equal(nn_config_load(big, NULL, 0, &s, &err), -1);
    char head[200];
    snprintf(head, sizeof head, "%s:4:9: epochs: expected an integer", big);
    assert_non_null(strstr(err.msg, head));
    assert_int_equal(unlink(big), 0);

    /* missing file, directory */
    assert_int_equal(nn_config_load("/nonexistent/dir/x.yaml", NULL, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.yaml: cannot open:"));
    assert_int_equal(nn_config_load(sub, NULL, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, sub));

    /* too large */
    size_t n = (16u << 20) + 10;
    char *blob = nn_alloc(n, 1, NULL);
    assert_non_null(blob);
    memset(blob, '#', n);
    snprintf(big, sizeof big, "%s/big.yaml", sub);
    write_file(big, blob, n);
    nn_free(blob);
    assert_int_equal(nn_config_load(big, NULL, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "larger than 16 MiB"));
    assert_int_equal(unlink(big), 0);

    /* a file in the working directory keeps its relative paths */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(sub), 0);
    assert_int_equal(nn_config_load("xor.yaml", NULL, 0, &s, &err), 0);
    assert_string_equal(s.data.train, "../data/xor.csv");
    nn_config_destroy(&s);
    assert_int_equal(chdir(cwd), 0);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_layer_forms),
        cmocka_unit_test(test_top_level_keys),
        cmocka_unit_test(test_layer_init_default),
        cmocka_unit_test(test_base_dir),
        cmocka_unit_test(test_err_unknown_top_key),
        cmocka_unit_test(test_err_unknown_layer_type),
        cmocka_unit_test(test_err_unknown_layer_key),
        cmocka_unit_test(test_err_values),
        cmocka_unit_test(test_err_data),
        cmocka_unit_test(test_err_node_kinds),
        cmocka_unit_test(test_err_duplicates),
        cmocka_unit_test(test_err_missing),
        cmocka_unit_test(test_err_optimizer),
        cmocka_unit_test(test_training_keys),
        cmocka_unit_test(test_err_yaml),
        cmocka_unit_test(test_override_scalars),
        cmocka_unit_test(test_override_structures),
        cmocka_unit_test(test_override_origin_is_label),
        cmocka_unit_test(test_override_errors),
        cmocka_unit_test(test_emit_xor),
        cmocka_unit_test(test_emit_round_trips),
        cmocka_unit_test(test_emit_refuses_bad_spec),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_fuzz_findings),
        cmocka_unit_test(test_truncated_documents),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_absurd_counts),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_err_indentation),
        cmocka_unit_test(test_err_data_key_at_top),
        cmocka_unit_test(test_is_model_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
