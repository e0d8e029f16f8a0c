/* test_layers.c -- the layer registry, the key tables, shapes, and each layer's setup and
 * forward values on small known cases. Gradients are test_gradcheck.c's job. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hparam.h"
#include "layer.h"
#include "xalloc.h"

static const char *const types[] = {"dense", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
                                    "softmax", "linear"};
enum { NTYPES = sizeof types / sizeof types[0] };

static void assert_near(double a, double b, double tol)
{
    if (!(fabs(a - b) <= tol * (1 + fabs(b))))
        fail_msg("got %.9g, expected %.9g", a, b);
}

static const nn_layer_ops *find(const char *type)
{
    const nn_layer_ops *ops = nn_layer_find(type);
    if (!ops)
        fail_msg("layer type '%s' is not registered", type);
    return ops;
}

/* Settings blobs for the tests: big enough and aligned for any of the layers' structs. */
typedef union blob {
    double d[8];
    int i[16];
} blob;

static void *field(const nn_layer_ops *ops, const char *key, blob *b)
{
    const nn_hparam *h = nn_hparam_find(ops->hparams, key);
    if (!h)
        fail_msg("%s has no key '%s'", ops->type, key);
    return (char *)b + h->offset;
}

/* A layer of the given type on input shape `in`, set up with its default settings (blob b);
 * the caller sets required keys in b first. */
static int setup(nn_layer *l, const nn_layer_ops *ops, nn_shape in, blob *b, nn_err *err)
{
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->hp = ops->hp_size ? b : NULL;
    l->in = in;
    return ops->setup(l, err);
}

/* ---- registry and tables ----------------------------------------------------------------- */

static void test_registry(void **state)
{
    (void)state;
    for (int i = 0; i < NTYPES; i++)
        assert_string_equal(find(types[i])->type, types[i]);
    assert_null(nn_layer_find("Dense"));
    assert_null(nn_layer_find("dense "));
    assert_null(nn_layer_find("conv"));
    assert_null(nn_layer_find(""));
    assert_null(nn_layer_find(NULL));
    int n = 0;
    for (; nn_layers[n]; n++) {
        const nn_layer_ops *ops = nn_layers[n];
        assert_non_null(ops->setup);
        assert_non_null(ops->forward);
        assert_non_null(ops->backward);
        assert_true((ops->hparams == NULL) == (ops->hp_size == 0));
        assert_ptr_equal(nn_layer_find(ops->type), ops); /* names are unique */
    }
    assert_true(n >= NTYPES);
}

/* Every key has help, a field inside the struct, choices when it is a choice, a default in
 * its range; at most one key is MAIN. */
static void test_tables(void **state)
{
    (void)state;
    for (int i = 0; nn_layers[i]; i++) {
        const nn_layer_ops *ops = nn_layers[i];
        int mains = 0;
        for (const nn_hparam *h = ops->hparams; h && h->key; h++) {
            if (!h->help || !h->help[0])
                fail_msg("%s.%s has no help text", ops->type, h->key);
            size_t size = h->kind == NN_HP_FLOAT ? sizeof(double) : sizeof(int);
            assert_true(h->offset + size <= ops->hp_size);
            if (h->kind == NN_HP_CHOICE)
                assert_non_null(h->choices);
            if ((h->min != 0 || h->max != 0) && !(h->flags & NN_HP_REQUIRED)) {
                assert_true(h->def >= h->min && h->def <= h->max);
                if (h->flags & NN_HP_OPEN_MIN)
                    assert_true(h->def > h->min);
            }
            mains += (h->flags & NN_HP_MAIN) != 0;
        }
        assert_true(mains <= 1);
    }
    const nn_hparam *u = nn_hparam_main(find("dense")->hparams);
    assert_non_null(u);
    assert_string_equal(u->key, "units");
    assert_int_equal(u->kind, NN_HP_INT);
    assert_true(u->flags & NN_HP_REQUIRED);
    assert_true(u->min == 1 && u->max == 1 << 24);
    const nn_hparam *init = nn_hparam_find(find("dense")->hparams, "init");
    assert_non_null(init);
    assert_ptr_equal(init->choices, nn_init_names);
    assert_true(init->def == NN_INIT_UNIFORM);
    const nn_hparam *bias = nn_hparam_find(find("dense")->hparams, "bias");
    assert_true(bias && bias->kind == NN_HP_BOOL && bias->def == 1);

    const nn_hparam *la = nn_hparam_main(find("leaky_relu")->hparams);
    assert_true(la && strcmp(la->key, "alpha") == 0 && la->kind == NN_HP_FLOAT);
    assert_true(la->def == 0.01 && la->min == 0 && la->max == 1);
    assert_false(la->flags & NN_HP_OPEN_MIN);
    const nn_hparam *ea = nn_hparam_main(find("elu")->hparams);
    assert_true(ea && strcmp(ea->key, "alpha") == 0 && ea->kind == NN_HP_FLOAT);
    assert_true(ea->def == 1.0 && ea->min == 0 && ea->max == 100);
    assert_true(ea->flags & NN_HP_OPEN_MIN);

    const char *plain[] = {"sigmoid", "tanh", "relu", "softmax", "linear"};
    for (int i = 0; i < 5; i++) {
        assert_null(find(plain[i])->hparams);
        assert_int_equal(find(plain[i])->hp_size, 0);
    }
}

static void test_init_names(void **state)
{
    (void)state;
    assert_string_equal(nn_init_names[NN_INIT_UNIFORM], "uniform");
    assert_string_equal(nn_init_names[NN_INIT_XAVIER], "xavier");
    assert_string_equal(nn_init_names[NN_INIT_HE], "he");
    assert_null(nn_init_names[3]);
}

/* ---- shapes ------------------------------------------------------------------------------ */

static void test_shapes(void **state)
{
    (void)state;
    nn_shape img = {3, {1, 28, 28}}, empty = {0}, zero = {2, {3, 0}}, neg = {1, {-2}};
    assert_int_equal(nn_shape_size(img), 784);
    assert_int_equal(nn_shape_size(nn_shape_1d(5)), 5);
    assert_int_equal(nn_shape_size(empty), 0);
    assert_int_equal(nn_shape_size(zero), 0);
    assert_int_equal(nn_shape_size(neg), 0);
    nn_shape huge = {4, {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX}};
    assert_true(nn_shape_size(huge) == SIZE_MAX);
    nn_shape s = nn_shape_1d(7);
    assert_int_equal(s.ndim, 1);
    assert_int_equal(s.dim[0], 7);

    char buf[32];
    nn_shape_format(img, buf, sizeof buf);
    assert_string_equal(buf, "1x28x28");
    nn_shape_format(nn_shape_1d(3), buf, sizeof buf);
    assert_string_equal(buf, "3");
    nn_shape_format(empty, buf, sizeof buf);
    assert_string_equal(buf, "0");
    char tiny[5];
    nn_shape_format(img, tiny, sizeof tiny); /* truncated, still terminated */
    assert_string_equal(tiny, "1x28");
    nn_shape_format(img, tiny, 1);
    assert_string_equal(tiny, "");
    nn_shape_format(img, NULL, 0); /* nothing written */
}

static void test_declare(void **state)
{
    (void)state;
    nn_layer l;
    memset(&l, 0, sizeof l);
    nn_layer_declare(&l, "W", nn_shape_1d(4), NN_INIT_HE, 3, 5, 0);
    nn_layer_declare(&l, "a_name_that_is_far_too_long_to_keep_whole", nn_shape_1d(2),
                     NN_INIT_ONE, 1, 2, NN_PARAM_FROZEN);
    assert_int_equal(l.nparam, 2);
    assert_string_equal(l.param[0].name, "W");
    assert_int_equal(l.param[0].init, NN_INIT_HE);
    assert_int_equal(l.param[0].fan_in, 3);
    assert_int_equal(l.param[0].fan_out, 5);
    assert_null(l.param[0].w);
    assert_null(l.param[0].g);
    assert_int_equal(strlen(l.param[1].name), NN_NAME_MAX - 1);
    assert_int_equal(l.param[1].flags, NN_PARAM_FROZEN);
}

/* ---- dense ------------------------------------------------------------------------------- */

static void test_dense_setup(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("dense");
    blob b;
    nn_hparam_defaults(ops->hparams, &b);
    *(int *)field(ops, "units", &b) = 3;
    nn_layer l;
    nn_err err;
    assert_int_equal(setup(&l, ops, nn_shape_1d(4), &b, &err), 0);
    assert_int_equal(l.out.ndim, 1);
    assert_int_equal(l.out.dim[0], 3);
    assert_int_equal(l.nparam, 2);
    assert_string_equal(l.param[0].name, "W");
    assert_int_equal(l.param[0].shape.ndim, 2);
    assert_int_equal(l.param[0].shape.dim[0], 3); /* [out, in], as in PyTorch */
    assert_int_equal(l.param[0].shape.dim[1], 4);
    assert_int_equal(l.param[0].fan_in, 4);
    assert_int_equal(l.param[0].fan_out, 3);
    assert_int_equal(l.param[0].init, NN_INIT_UNIFORM);
    assert_int_equal(l.param[0].flags, 0);
    assert_string_equal(l.param[1].name, "b");
    assert_int_equal(l.param[1].shape.ndim, 1);
    assert_int_equal(l.param[1].shape.dim[0], 3);
    assert_int_equal(l.param[1].init, NN_INIT_UNIFORM); /* the seed draws biases too */
    assert_int_equal(l.cache_len, 0);

    /* Scaled schemes start the bias at zero; a multi-dimensional input is flattened. */
    *(int *)field(ops, "init", &b) = NN_INIT_HE;
    nn_shape img = {3, {2, 3, 4}};
    assert_int_equal(setup(&l, ops, img, &b, &err), 0);
    assert_int_equal(l.param[0].init, NN_INIT_HE);
    assert_int_equal(l.param[0].shape.dim[1], 24);
    assert_int_equal(l.param[0].fan_in, 24);
    assert_int_equal(l.param[1].init, NN_INIT_ZERO);
    assert_int_equal(l.out.ndim, 1);

    *(int *)field(ops, "bias", &b) = 0;
    assert_int_equal(setup(&l, ops, nn_shape_1d(4), &b, &err), 0);
    assert_int_equal(l.nparam, 1);

    /* Too many weights for CBLAS's int sizes, and nonsense that the key table would refuse. */
    *(int *)field(ops, "units", &b) = 1 << 24;
    assert_int_equal(setup(&l, ops, nn_shape_1d(1 << 20), &b, &err), -1);
    assert_non_null(strstr(err.msg, "too many weights"));
    *(int *)field(ops, "units", &b) = 0;
    assert_int_equal(setup(&l, ops, nn_shape_1d(4), &b, &err), -1);
    nn_shape none = {0};
    *(int *)field(ops, "units", &b) = 2;
    assert_int_equal(setup(&l, ops, none, &b, &err), -1);
}

/* y = x W^T + b on a case worked by hand. */
static void test_dense_forward(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("dense");
    blob b;
    nn_hparam_defaults(ops->hparams, &b);
    *(int *)field(ops, "units", &b) = 2;
    nn_layer l;
    nn_err err;
    assert_int_equal(setup(&l, ops, nn_shape_1d(3), &b, &err), 0);
    float W[6] = {1, 2, 3, 4, 5, 6}, bias[2] = {0.5f, -0.5f}, gw[6] = {0}, gb[2] = {0};
    l.param[0].w = W;
    l.param[0].g = gw;
    l.param[1].w = bias;
    l.param[1].g = gb;
    float x[6] = {1, 1, 1, 1, 0, -1}, y[4], dy[4] = {1, 0, 0, 1}, dx[6];
    nn_pass p = {.batch = 2, .train = 1};
    ops->forward(&l, &p, x, y, NULL);
    assert_near(y[0], 6.5, 1e-7);
    assert_near(y[1], 14.5, 1e-7);
    assert_near(y[2], -1.5, 1e-7);
    assert_near(y[3], -2.5, 1e-7);
    ops->backward(&l, &p, x, y, NULL, dy, dx);
    const float want_dx[6] = {1, 2, 3, 4, 5, 6};
    const float want_gw[6] = {1, 1, 1, 1, 0, -1};
    for (int i = 0; i < 6; i++) {
        assert_near(dx[i], want_dx[i], 1e-7);
        assert_near(gw[i], want_gw[i], 1e-7);
    }
    assert_near(gb[0], 1, 1e-7);
    assert_near(gb[1], 1, 1e-7);
}

/* ---- activations ------------------------------------------------------------------------- */

static void test_activation_setup(void **state)
{
    (void)state;
    nn_shape shapes[] = {nn_shape_1d(1), nn_shape_1d(10), {3, {1, 28, 28}}, {2, {4, 5}}};
    for (int i = 1; i < NTYPES; i++) {
        const nn_layer_ops *ops = find(types[i]);
        blob b;
        nn_hparam_defaults(ops->hparams, &b);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            nn_layer l;
            nn_err err;
            assert_int_equal(setup(&l, ops, shapes[s], &b, &err), 0);
            assert_memory_equal(&l.out, &shapes[s], sizeof(nn_shape));
            assert_int_equal(l.nparam, 0);
            assert_int_equal(l.work_len, 0);
        }
    }
}

/* Forward of one activation over x (n values, one sample), defaults unless alpha is given. */
static void run_activation(const char *type, double alpha, const float *x, float *y, int n)
{
    const nn_layer_ops *ops = find(type);
    blob b;
    nn_hparam_defaults(ops->hparams, &b);
    if (alpha >= 0)
        *(double *)field(ops, "alpha", &b) = alpha;
    nn_layer l;
    nn_err err;
    assert_int_equal(setup(&l, ops, nn_shape_1d(n), &b, &err), 0);
    nn_pass p = {.batch = 1};
    ops->forward(&l, &p, x, y, NULL);
}

static void test_activation_values(void **state)
{
    (void)state;
    const float x[4] = {-2, -0.5f, 0, 3};
    float y[4];
    run_activation("relu", -1, x, y, 4);
    assert_true(y[0] == 0 && y[1] == 0 && y[2] == 0 && y[3] == 3);
    run_activation("leaky_relu", -1, x, y, 4); /* default alpha 0.01 */
    assert_near(y[0], -0.02, 1e-6);
    assert_near(y[3], 3, 1e-7);
    run_activation("leaky_relu", 0.25, x, y, 4);
    assert_near(y[1], -0.125, 1e-7);
    run_activation("elu", -1, x, y, 4); /* default alpha 1 */
    assert_near(y[0], exp(-2.0) - 1, 1e-6);
    assert_near(y[2], 0, 1e-7);
    assert_near(y[3], 3, 1e-7);
    run_activation("elu", 2, x, y, 4);
    assert_near(y[1], 2 * (exp(-0.5) - 1), 1e-6);
    run_activation("tanh", -1, x, y, 4);
    assert_near(y[0], tanh(-2.0), 1e-6);
    assert_near(y[3], tanh(3.0), 1e-6);
    run_activation("sigmoid", -1, x, y, 4);
    assert_near(y[2], 0.5, 1e-7);
    assert_near(y[3], 1 / (1 + exp(-3.0)), 1e-6);
    run_activation("linear", -1, x, y, 4);
    assert_memory_equal(x, y, sizeof y);
    run_activation("softmax", -1, x, y, 4);
    double s = exp(-2.0) + exp(-0.5) + 1 + exp(3.0);
    assert_near(y[0], exp(-2.0) / s, 1e-6);
    assert_near(y[3], exp(3.0) / s, 1e-6);
    const float big[3] = {1000, 999, -1000};
    run_activation("softmax", -1, big, y, 3);
    assert_true(isfinite(y[0]) && isfinite(y[1]) && isfinite(y[2]));
    assert_near(y[0], 1 / (1 + exp(-1.0)), 1e-6);
}

/* Softmax normalises each sample over all of its values, whatever the shape. */
static void test_softmax_per_sample(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("softmax");
    nn_layer l;
    nn_err err;
    nn_shape s = {2, {2, 3}};
    assert_int_equal(setup(&l, ops, s, NULL, &err), 0);
    float x[12], y[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i * 0.3f;
    nn_pass p = {.batch = 2};
    ops->forward(&l, &p, x, y, NULL);
    for (int r = 0; r < 2; r++) {
        double sum = 0;
        for (int j = 0; j < 6; j++)
            sum += y[r * 6 + j];
        assert_near(sum, 1, 1e-6);
    }
}

/* Over NN_PAR_MIN values the loops run threaded; the result must not change. */
static void test_large_batch(void **state)
{
    (void)state;
    enum { N = 40000 };
    nn_err err;
    float *x = nn_alloc(N, sizeof(float), &err), *y = nn_alloc(N, sizeof(float), &err);
    float *dx = nn_alloc(N, sizeof(float), &err), *dy = nn_alloc(N, sizeof(float), &err);
    assert_true(x && y && dx && dy);
    for (int i = 0; i < N; i++) {
        x[i] = (float)((i * 7919) % 2001 - 1000) / 250.0f;
        dy[i] = 1;
    }
    for (int t = 1; t < NTYPES; t++) {
        const nn_layer_ops *ops = find(types[t]);
        blob b;
        nn_hparam_defaults(ops->hparams, &b);
        nn_layer l;
        assert_int_equal(setup(&l, ops, nn_shape_1d(N / 8), &b, &err), 0);
        nn_pass p = {.batch = 8};
        ops->forward(&l, &p, x, y, NULL);
        ops->backward(&l, &p, x, y, NULL, dy, dx);
        float ys[4], one[4] = {1, 1, 1, 1}, dxs[4];
        for (int i = 0; i < N; i += 4999) {
            if (strcmp(types[t], "softmax") == 0)
                continue; /* rows of N/8: checked in test_kernels */
            nn_layer l1;
            assert_int_equal(setup(&l1, ops, nn_shape_1d(1), &b, &err), 0);
            nn_pass p1 = {.batch = 1};
            ops->forward(&l1, &p1, &x[i], ys, NULL);
            ops->backward(&l1, &p1, &x[i], ys, NULL, one, dxs);
            assert_true(ys[0] == y[i]);
            assert_true(dxs[0] == dx[i]);
        }
    }
    nn_free(x);
    nn_free(y);
    nn_free(dx);
    nn_free(dy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),          cmocka_unit_test(test_tables),
        cmocka_unit_test(test_init_names),        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_declare),           cmocka_unit_test(test_dense_setup),
        cmocka_unit_test(test_dense_forward),     cmocka_unit_test(test_activation_setup),
        cmocka_unit_test(test_activation_values), cmocka_unit_test(test_softmax_per_sample),
        cmocka_unit_test(test_large_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
