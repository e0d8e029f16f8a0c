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
            if (h->kind == NN_HP_CHOICE || h->kind == NN_HP_INT_OR_WORD)
                assert_non_null(h->choices);
            if (h->kind == NN_HP_INT_OR_WORD) { /* words are -(i + 1); integers are >= 0 */
                int n = 0;
                while (h->choices[n])
                    n++;
                assert_true(h->min >= 0);
                assert_true(h->def >= -n && (h->def < 0 || h->def >= h->min));
            } else if ((h->min != 0 || h->max != 0) && !(h->flags & NN_HP_REQUIRED)) {
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

/* ---- image layers: shared helpers -------------------------------------------------------- */

static float *falloc(size_t n)
{
    nn_err err;
    float *p = nn_alloc(n ? n : 1, sizeof(float), &err);
    if (!p)
        fail_msg("%s", err.msg);
    return p;
}

/* Gives every parameter of l zeroed value and gradient arrays. */
static void give_params(nn_layer *l)
{
    for (int k = 0; k < l->nparam; k++) {
        size_t n = nn_shape_size(l->param[k].shape);
        l->param[k].w = falloc(n);
        l->param[k].g = falloc(n);
    }
}

static void free_params(nn_layer *l)
{
    for (int k = 0; k < l->nparam; k++) {
        nn_free(l->param[k].w);
        nn_free(l->param[k].g);
    }
}

static nn_shape img(int c, int h, int w)
{
    nn_shape s = {.ndim = 3, .dim = {c, h, w}};
    return s;
}

static void set_conv(blob *b, int filters, int kernel, int stride, int padding)
{
    const nn_layer_ops *ops = find("conv2d");
    nn_hparam_defaults(ops->hparams, b);
    *(int *)field(ops, "filters", b) = filters;
    *(int *)field(ops, "kernel", b) = kernel;
    *(int *)field(ops, "stride", b) = stride;
    *(int *)field(ops, "padding", b) = padding;
}

enum { VALID = -1, SAME = -2 }; /* the words of conv2d's padding, as hparam.c stores them */

/* ---- conv2d ------------------------------------------------------------------------------ */

static void test_conv2d_setup(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("conv2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_conv(&b, 8, 5, 1, VALID);
    assert_int_equal(*(int *)field(ops, "padding", &b), VALID); /* the default */
    assert_int_equal(setup(&l, ops, img(3, 28, 28), &b, &err), 0);
    nn_shape out = img(8, 24, 24);
    assert_memory_equal(&l.out, &out, sizeof out);
    assert_int_equal(l.nparam, 2);
    assert_string_equal(l.param[0].name, "W");
    nn_shape w = {.ndim = 4, .dim = {8, 3, 5, 5}};
    assert_memory_equal(&l.param[0].shape, &w, sizeof w);
    assert_int_equal(l.param[0].fan_in, 75);
    assert_int_equal(l.param[0].fan_out, 200);
    assert_int_equal(l.param[0].init, NN_INIT_UNIFORM);
    assert_string_equal(l.param[1].name, "b");
    assert_int_equal(l.param[1].shape.ndim, 1);
    assert_int_equal(l.param[1].shape.dim[0], 8);
    assert_int_equal(l.param[1].init, NN_INIT_UNIFORM);
    assert_true(l.work_len > 0);
    *(int *)field(ops, "init", &b) = NN_INIT_HE;
    *(int *)field(ops, "bias", &b) = 0;
    assert_int_equal(setup(&l, ops, img(3, 28, 28), &b, &err), 0);
    assert_int_equal(l.nparam, 1);
    assert_int_equal(l.param[0].init, NN_INIT_HE);

    /* Output sizes: floor((H + 2p - k) / s) + 1, or ceil(H / s) with same. */
    static const struct {
        int h, w, k, stride, padding, oh, ow;
    } cases[] = {
        {28, 28, 5, 1, VALID, 24, 24}, {28, 28, 5, 1, 2, 28, 28}, {28, 28, 5, 1, SAME, 28, 28},
        {28, 28, 5, 2, SAME, 14, 14},  {28, 28, 5, 2, VALID, 12, 12}, {28, 28, 3, 3, 0, 9, 9},
        {7, 5, 4, 1, SAME, 7, 5},      {7, 7, 2, 2, SAME, 4, 4},      {5, 9, 3, 2, 1, 3, 5},
        {4, 4, 5, 1, 1, 2, 2},         {1, 1, 1, 1, VALID, 1, 1},     {1, 1, 3, 1, SAME, 1, 1},
        {8, 3, 3, 5, 1, 2, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        set_conv(&b, 2, cases[i].k, cases[i].stride, cases[i].padding);
        if (setup(&l, ops, img(1, cases[i].h, cases[i].w), &b, &err) < 0)
            fail_msg("case %zu refused: %s", i, err.msg);
        nn_shape want = img(2, cases[i].oh, cases[i].ow);
        if (memcmp(&l.out, &want, sizeof want) != 0)
            fail_msg("case %zu: output %dx%dx%d, expected 2x%dx%d", i, l.out.dim[0],
                     l.out.dim[1], l.out.dim[2], cases[i].oh, cases[i].ow);
    }
}

static void test_conv2d_errors(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("conv2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_conv(&b, 4, 5, 1, VALID);
    assert_int_equal(setup(&l, ops, img(1, 4, 4), &b, &err), -1);
    assert_string_equal(err.msg, "kernel 5 is larger than input 4x4 (with padding 0)");
    set_conv(&b, 4, 7, 1, 1);
    assert_int_equal(setup(&l, ops, img(2, 4, 9), &b, &err), -1);
    assert_string_equal(err.msg, "kernel 7 is larger than input 4x9 (with padding 1)");
    set_conv(&b, 4, 3, 1, VALID);
    assert_int_equal(setup(&l, ops, nn_shape_1d(784), &b, &err), -1);
    assert_non_null(strstr(err.msg, "conv2d needs an input of shape [channels, height, width], "
                                    "got 784"));
    nn_shape flat2 = {.ndim = 2, .dim = {28, 28}};
    assert_int_equal(setup(&l, ops, flat2, &b, &err), -1);
    assert_non_null(strstr(err.msg, "got 28x28"));
    nn_shape four = {.ndim = 4, .dim = {1, 2, 8, 8}};
    assert_int_equal(setup(&l, ops, four, &b, &err), -1);
    assert_non_null(strstr(err.msg, "got 1x2x8x8"));
    /* Sizes that CBLAS's int cannot count. */
    set_conv(&b, 1 << 20, 64, 1, SAME);
    assert_int_equal(setup(&l, ops, img(1024, 64, 64), &b, &err), -1);
    assert_non_null(strstr(err.msg, "too many"));
}

/* `same` with an even kernel pads the odd row and column below and right, as TensorFlow. */
static void test_conv2d_same_even_kernel(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("conv2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_conv(&b, 1, 2, 1, SAME);
    *(int *)field(ops, "bias", &b) = 0;
    assert_int_equal(setup(&l, ops, img(1, 3, 3), &b, &err), 0);
    nn_shape want = img(1, 3, 3);
    assert_memory_equal(&l.out, &want, sizeof want);
    give_params(&l);
    for (int i = 0; i < 4; i++)
        l.param[0].w[i] = 1;
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[9];
    float *work = falloc(l.work_len);
    nn_pass p = {.batch = 1, .train = 1, .work = work};
    ops->forward(&l, &p, x, y, NULL);
    const float expect[9] = {12, 16, 9, 24, 28, 15, 15, 17, 9};
    for (int i = 0; i < 9; i++)
        assert_near(y[i], expect[i], 1e-7);
    nn_free(work);
    free_params(&l);
}

/* x: (n, c, h, w)  W: (f, c, k, k)  y: (n, f, oh, ow); positions outside x read as 0. */
typedef struct conv_case {
    int n, c, h, w, f, k, stride, padding;
} conv_case;

static double at_x(const float *x, const conv_case *t, int b, int ci, int iy, int ix)
{
    if (iy < 0 || iy >= t->h || ix < 0 || ix >= t->w)
        return 0;
    return x[(((size_t)b * t->c + ci) * t->h + iy) * t->w + ix];
}

/* Forward and backward of one case against plain loops in double: values, dW, db and dx. The
 * sizes include batches large enough to be split in chunks and threaded. */
static void check_conv_case(const conv_case *t, nn_rng *r)
{
    const nn_layer_ops *ops = find("conv2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_conv(&b, t->f, t->k, t->stride, t->padding);
    if (setup(&l, ops, img(t->c, t->h, t->w), &b, &err) < 0)
        fail_msg("%s", err.msg);
    give_params(&l);
    int oh = l.out.dim[1], ow = l.out.dim[2], k = t->k, s = t->stride;
    int ph = t->padding >= 0 ? t->padding : 0, pw = ph;
    if (t->padding == SAME) { /* the top and left padding of `same` */
        int th = (oh - 1) * s + k - t->h, tw = (ow - 1) * s + k - t->w;
        ph = th > 0 ? th / 2 : 0;
        pw = tw > 0 ? tw / 2 : 0;
    }
    size_t nx = (size_t)t->n * t->c * t->h * t->w, ny = (size_t)t->n * t->f * oh * ow;
    size_t nw = nn_shape_size(l.param[0].shape);
    float *x = falloc(nx), *y = falloc(ny), *dy = falloc(ny), *dx = falloc(nx);
    float *work = falloc((size_t)t->n * l.work_len);
    double *ry = nn_alloc(ny, sizeof(double), &err), *rdx = nn_alloc(nx, sizeof(double), &err);
    double *rdw = nn_alloc(nw, sizeof(double), &err), *rdb = nn_alloc((size_t)t->f, 8, &err);
    assert_true(ry && rdx && rdw && rdb);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)nn_rng_normal(r);
    for (size_t i = 0; i < ny; i++)
        dy[i] = (float)nn_rng_normal(r);
    for (size_t i = 0; i < nw; i++)
        l.param[0].w[i] = (float)nn_rng_normal(r);
    for (int i = 0; i < t->f; i++)
        l.param[1].w[i] = (float)nn_rng_normal(r);
    const float *W = l.param[0].w;
    for (int bb = 0; bb < t->n; bb++)
        for (int o = 0; o < t->f; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    size_t yi = (((size_t)bb * t->f + o) * oh + oy) * ow + ox;
                    double v = l.param[1].w[o], g = dy[yi];
                    rdb[o] += g;
                    for (int ci = 0; ci < t->c; ci++)
                        for (int ki = 0; ki < k; ki++)
                            for (int kj = 0; kj < k; kj++) {
                                int iy = oy * s + ki - ph, ix = ox * s + kj - pw;
                                size_t wi = (((size_t)o * t->c + ci) * k + ki) * k + kj;
                                double xv = at_x(x, t, bb, ci, iy, ix);
                                v += W[wi] * xv;
                                rdw[wi] += g * xv;
                                if (iy >= 0 && iy < t->h && ix >= 0 && ix < t->w)
                                    rdx[(((size_t)bb * t->c + ci) * t->h + iy) * t->w + ix] +=
                                        g * W[wi];
                            }
                    ry[yi] = v;
                }
    nn_pass p = {.batch = t->n, .train = 1, .work = work};
    ops->forward(&l, &p, x, y, NULL);
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    ops->backward(&l, &p, x, y, NULL, dy, dx);
    for (size_t i = 0; i < ny; i++)
        assert_near(y[i], ry[i], 1e-4);
    for (size_t i = 0; i < nx; i++)
        assert_near(dx[i], rdx[i], 1e-4);
    for (size_t i = 0; i < nw; i++)
        assert_near(l.param[0].g[i], rdw[i], 1e-4);
    for (int i = 0; i < t->f; i++)
        assert_near(l.param[1].g[i], rdb[i], 1e-4);
    nn_free(x);
    nn_free(y);
    nn_free(dy);
    nn_free(dx);
    nn_free(work);
    nn_free(ry);
    nn_free(rdx);
    nn_free(rdw);
    nn_free(rdb);
    free_params(&l);
}

static void test_conv2d_against_loops(void **state)
{
    (void)state;
    static const conv_case cases[] = {
        {3, 2, 7, 6, 4, 3, 2, 1},    {2, 3, 5, 5, 2, 2, 1, SAME},  {1, 1, 6, 6, 1, 6, 1, VALID},
        {4, 2, 9, 7, 3, 4, 3, SAME}, {2, 1, 3, 3, 2, 3, 1, 2},     {5, 3, 8, 8, 2, 1, 1, VALID},
        {40, 3, 20, 20, 5, 3, 1, SAME}, /* threaded loops */
        {50, 8, 16, 16, 4, 5, 1, SAME}, /* several chunks of samples */
    };
    nn_rng r;
    nn_rng_seed(&r, 3);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_conv_case(&cases[i], &r);
}

/* ---- pooling ----------------------------------------------------------------------------- */

static void set_pool(const nn_layer_ops *ops, blob *b, int size, int stride)
{
    nn_hparam_defaults(ops->hparams, b);
    *(int *)field(ops, "size", b) = size;
    *(int *)field(ops, "stride", b) = stride;
}

static void test_pool_setup(void **state)
{
    (void)state;
    const char *names[] = {"maxpool2d", "avgpool2d"};
    for (int t = 0; t < 2; t++) {
        const nn_layer_ops *ops = find(names[t]);
        blob b;
        nn_layer l;
        nn_err err;
        nn_hparam_defaults(ops->hparams, &b);
        assert_int_equal(*(int *)field(ops, "size", &b), 2);
        assert_string_equal(nn_hparam_main(ops->hparams)->key, "size");
        assert_int_equal(setup(&l, ops, img(32, 24, 24), &b, &err), 0);
        nn_shape want = img(32, 12, 12);
        assert_memory_equal(&l.out, &want, sizeof want);
        assert_int_equal(l.nparam, 0);
        set_pool(ops, &b, 2, 0); /* stride 0: the size */
        assert_int_equal(setup(&l, ops, img(2, 5, 5), &b, &err), 0);
        want = img(2, 2, 2);
        assert_memory_equal(&l.out, &want, sizeof want);
        set_pool(ops, &b, 3, 1);
        assert_int_equal(setup(&l, ops, img(2, 5, 4), &b, &err), 0);
        want = img(2, 3, 2);
        assert_memory_equal(&l.out, &want, sizeof want);
        set_pool(ops, &b, 3, 2);
        assert_int_equal(setup(&l, ops, img(1, 2, 2), &b, &err), -1);
        assert_string_equal(err.msg, "size 3 is larger than input 2x2");
        assert_int_equal(setup(&l, ops, nn_shape_1d(10), &b, &err), -1);
        assert_non_null(strstr(err.msg, "needs an input of shape [channels, height, width], "
                                        "got 10"));
        assert_non_null(strstr(err.msg, names[t]));
    }
}

static void test_maxpool_values(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("maxpool2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_pool(ops, &b, 2, 0);
    assert_int_equal(setup(&l, ops, img(1, 4, 4), &b, &err), 0);
    float x[32] = {1, 5, 2, 0,   3, 4, 8, 1,   -1, -2, 0, 7,   -3, -4, 6, 6,
                   0, 0, 0, 0,   0, 0, 0, 0,   9, 1, 1, 1,    1, 1, 1, 9};
    float y[8], cache[8], dy[8] = {1, 2, 3, 4, 5, 6, 7, 8}, dx[32];
    nn_pass p = {.batch = 2, .train = 1};
    ops->forward(&l, &p, x, y, cache);
    const float want[8] = {5, 8, -1, 7, 0, 0, 9, 9};
    assert_memory_equal(y, want, sizeof want);
    for (int i = 0; i < 32; i++)
        dx[i] = NAN;
    ops->backward(&l, &p, x, y, cache, dy, dx);
    for (int i = 0; i < 32; i++) {
        /* Only the picked position of each window gets its gradient; a tie goes to the first. */
        float g = i == 1 ? 1 : i == 6 ? 2 : i == 8 ? 3 : i == 11 ? 4 : i == 16 ? 5 : i == 18 ? 6
                : i == 24 ? 7 : i == 31 ? 8 : 0;
        if (dx[i] != g)
            fail_msg("dx[%d] = %g, expected %g", i, dx[i], g);
    }

    /* Overlapping windows (stride 1) add up at a shared maximum; a NaN is picked. */
    set_pool(ops, &b, 2, 1);
    assert_int_equal(setup(&l, ops, img(1, 3, 3), &b, &err), 0);
    float x2[9] = {0, 0, 0, 0, 9, 0, 0, 0, NAN}, y2[4], c2[4], dy2[4] = {1, 1, 1, 1}, dx2[9];
    p.batch = 1;
    ops->forward(&l, &p, x2, y2, c2);
    assert_true(y2[0] == 9 && y2[1] == 9 && y2[2] == 9 && isnan(y2[3]));
    ops->backward(&l, &p, x2, y2, c2, dy2, dx2);
    assert_true(dx2[4] == 3 && dx2[8] == 1 && dx2[0] == 0);

    /* The 2x2 stride-2 path picks the same way: a NaN anywhere in the window, ties to the
     * first. */
    set_pool(ops, &b, 2, 2);
    assert_int_equal(setup(&l, ops, img(1, 2, 4), &b, &err), 0);
    float x3[8] = {1, NAN, 2, 2, 5, 0, 2, 2}, y3[2], c3[2], dy3[2] = {1, 1}, dx3[8];
    ops->forward(&l, &p, x3, y3, c3);
    assert_true(isnan(y3[0]) && y3[1] == 2);
    ops->backward(&l, &p, x3, y3, c3, dy3, dx3);
    const float want3[8] = {0, 1, 1, 0, 0, 0, 0, 0};
    assert_memory_equal(dx3, want3, sizeof want3);
}

static void test_avgpool_values(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("avgpool2d");
    blob b;
    nn_layer l;
    nn_err err;
    set_pool(ops, &b, 2, 1);
    assert_int_equal(setup(&l, ops, img(1, 3, 3), &b, &err), 0);
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[4], dy[4] = {4, 8, 0, 0}, dx[9];
    nn_pass p = {.batch = 1, .train = 1};
    ops->forward(&l, &p, x, y, NULL);
    assert_near(y[0], 3, 1e-7);
    assert_near(y[1], 4, 1e-7);
    assert_near(y[2], 6, 1e-7);
    assert_near(y[3], 7, 1e-7);
    ops->backward(&l, &p, x, y, NULL, dy, dx);
    const float want[9] = {1, 3, 2, 1, 3, 2, 0, 0, 0};
    for (int i = 0; i < 9; i++)
        assert_near(dx[i], want[i], 1e-7);
}

/* ---- flatten ----------------------------------------------------------------------------- */

static void test_flatten(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("flatten");
    assert_null(ops->hparams);
    nn_layer l;
    nn_err err;
    assert_int_equal(setup(&l, ops, img(2, 3, 4), NULL, &err), 0);
    assert_int_equal(l.out.ndim, 1);
    assert_int_equal(l.out.dim[0], 24);
    assert_int_equal(l.nparam, 0);
    float x[48], y[48], dx[48];
    for (int i = 0; i < 48; i++)
        x[i] = (float)i;
    nn_pass p = {.batch = 2};
    ops->forward(&l, &p, x, y, NULL);
    assert_memory_equal(x, y, sizeof x);
    ops->backward(&l, &p, x, y, NULL, x, dx);
    assert_memory_equal(x, dx, sizeof x);
    assert_int_equal(setup(&l, ops, nn_shape_1d(5), NULL, &err), 0);
    assert_int_equal(l.out.dim[0], 5);
}

/* ---- dropout ----------------------------------------------------------------------------- */

static void test_dropout(void **state)
{
    (void)state;
    enum { N = 1000, B = 100, ALL = N * B };
    const nn_layer_ops *ops = find("dropout");
    blob b;
    nn_layer l;
    nn_err err;
    nn_hparam_defaults(ops->hparams, &b);
    assert_true(*(double *)field(ops, "rate", &b) == 0.5);
    assert_string_equal(nn_hparam_main(ops->hparams)->key, "rate");
    *(double *)field(ops, "rate", &b) = 0.3;
    assert_int_equal(setup(&l, ops, nn_shape_1d(N), &b, &err), 0);
    assert_int_equal(l.out.dim[0], N);
    assert_int_equal(l.cache_len, N);
    float *x = falloc(ALL), *y = falloc(ALL), *y2 = falloc(ALL), *cache = falloc(ALL);
    float *dy = falloc(ALL), *dx = falloc(ALL);
    for (size_t i = 0; i < ALL; i++) {
        x[i] = 1.0f + (float)(i % 7);
        dy[i] = 2.0f;
    }
    nn_rng rng, again;
    nn_rng_seed(&rng, 42);
    again = rng;
    nn_pass p = {.batch = B, .train = 1, .rng = &rng};
    ops->forward(&l, &p, x, y, cache);
    size_t zeros = 0;
    for (size_t i = 0; i < ALL; i++) {
        if (y[i] == 0) {
            zeros++;
        } else if (fabsf(y[i] - x[i] / 0.7f) > 1e-5f * y[i]) {
            fail_msg("kept value %g of %g is not scaled by 1/(1 - rate)", y[i], x[i]);
        }
    }
    double frac = (double)zeros / ALL; /* binomial: sd 0.0015 */
    if (fabs(frac - 0.3) > 0.01)
        fail_msg("%.4f of the values dropped, expected about 0.3", frac);
    ops->backward(&l, &p, x, y, cache, dy, dx);
    for (size_t i = 0; i < ALL; i++)
        assert_true(y[i] == 0 ? dx[i] == 0 : fabsf(dx[i] - 2.0f / 0.7f) < 1e-5f);

    /* The same generator state gives the same mask; the next draws a different one. */
    p.rng = &again;
    ops->forward(&l, &p, x, y2, cache);
    assert_memory_equal(y, y2, ALL * sizeof(float));
    ops->forward(&l, &p, x, y2, cache);
    assert_true(memcmp(y, y2, ALL * sizeof(float)) != 0);

    /* Prediction: the identity, without a generator. */
    nn_pass pred = {.batch = B, .train = 0, .rng = NULL};
    ops->forward(&l, &pred, x, y, cache);
    assert_memory_equal(x, y, ALL * sizeof(float));
    ops->backward(&l, &pred, x, y, cache, dy, dx);
    assert_memory_equal(dy, dx, ALL * sizeof(float));

    /* rate 0 keeps everything even in training; rate 1 would keep nothing and is refused. */
    *(double *)field(ops, "rate", &b) = 0;
    assert_int_equal(setup(&l, ops, nn_shape_1d(N), &b, &err), 0);
    ops->forward(&l, &p, x, y, cache);
    assert_memory_equal(x, y, ALL * sizeof(float));
    *(double *)field(ops, "rate", &b) = 1;
    assert_int_equal(setup(&l, ops, nn_shape_1d(N), &b, &err), -1);
    assert_non_null(strstr(err.msg, "rate"));
    nn_free(x);
    nn_free(y);
    nn_free(y2);
    nn_free(cache);
    nn_free(dy);
    nn_free(dx);
}

/* ---- batchnorm --------------------------------------------------------------------------- */

static void test_batchnorm_setup(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("batchnorm");
    blob b;
    nn_layer l;
    nn_err err;
    nn_hparam_defaults(ops->hparams, &b);
    assert_true(*(double *)field(ops, "momentum", &b) == 0.1);
    assert_true(*(double *)field(ops, "eps", &b) == 1e-5);
    assert_int_equal(setup(&l, ops, nn_shape_1d(3), &b, &err), 0);
    assert_int_equal(l.out.dim[0], 3);
    assert_int_equal(l.nparam, 4);
    static const char *const names[] = {"gamma", "beta", "running_mean", "running_var"};
    static const nn_init inits[] = {NN_INIT_ONE, NN_INIT_ZERO, NN_INIT_ZERO, NN_INIT_ONE};
    for (int k = 0; k < 4; k++) {
        assert_string_equal(l.param[k].name, names[k]);
        assert_int_equal(l.param[k].init, inits[k]);
        assert_int_equal(l.param[k].flags, k >= 2 ? NN_PARAM_FROZEN : 0);
        assert_int_equal(l.param[k].shape.ndim, 1);
        assert_int_equal(l.param[k].shape.dim[0], 3);
    }
    assert_int_equal(l.state_len, 6);
    assert_int_equal(setup(&l, ops, img(4, 5, 5), &b, &err), 0); /* per channel after conv */
    assert_int_equal(l.param[0].shape.dim[0], 4);
    assert_int_equal(l.state_len, 8);
    nn_shape want = img(4, 5, 5);
    assert_memory_equal(&l.out, &want, sizeof want);
}

static void test_batchnorm_training(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("batchnorm");
    blob b;
    nn_layer l;
    nn_err err;
    nn_hparam_defaults(ops->hparams, &b);
    assert_int_equal(setup(&l, ops, nn_shape_1d(2), &b, &err), 0);
    give_params(&l);
    for (int c = 0; c < 2; c++) {
        l.param[0].w[c] = 1;
        l.param[3].w[c] = 1; /* as initialised: running mean 0, running var 1 */
    }
    /* Feature 0: 1, 2, 3, 4 (mean 2.5, variance 1.25); feature 1: 10 in every row. */
    float x[8] = {1, 10, 2, 10, 3, 10, 4, 10}, y[8], cache[4];
    nn_pass p = {.batch = 4, .train = 1};
    ops->forward(&l, &p, x, y, cache);
    for (int i = 0; i < 4; i++) {
        assert_near(y[2 * i], (x[2 * i] - 2.5) / sqrt(1.25 + 1e-5), 1e-6);
        assert_near(y[2 * i + 1], 0, 1e-6);
    }
    /* PyTorch's update: momentum 0.1, the unbiased variance (1.25 * 4 / 3). */
    assert_near(l.param[2].w[0], 0.25, 1e-6);
    assert_near(l.param[2].w[1], 1.0, 1e-6);
    assert_near(l.param[3].w[0], 0.9 + 0.1 * 1.25 * 4 / 3, 1e-6);
    assert_near(l.param[3].w[1], 0.9, 1e-6);

    /* One value per channel: output beta, running statistics untouched. */
    l.param[1].w[0] = 0.5f;
    float rm = l.param[2].w[0], rv = l.param[3].w[0];
    p.batch = 1;
    ops->forward(&l, &p, x, y, cache);
    assert_near(y[0], 0.5, 1e-7);
    assert_true(l.param[2].w[0] == rm && l.param[3].w[0] == rv);
    free_params(&l);

    /* After conv: statistics per channel over the batch and every position. */
    assert_int_equal(setup(&l, ops, img(2, 2, 2), &b, &err), 0);
    give_params(&l);
    l.param[0].w[0] = l.param[0].w[1] = 1;
    float xi[24], yi[24], ci[4];
    for (int i = 0; i < 24; i++)
        xi[i] = (float)(i * i % 11) + (i / 4 % 2 ? 100.0f : 0.0f); /* channel 1 is far off */
    p.batch = 3;
    ops->forward(&l, &p, xi, yi, ci);
    for (int c = 0; c < 2; c++) {
        double sum = 0, sq = 0;
        for (int s = 0; s < 3; s++)
            for (int j = 0; j < 4; j++)
                sum += yi[(s * 2 + c) * 4 + j];
        for (int s = 0; s < 3; s++)
            for (int j = 0; j < 4; j++)
                sq += yi[(s * 2 + c) * 4 + j] * yi[(s * 2 + c) * 4 + j];
        assert_near(sum / 12, 0, 1e-5);
        assert_near(sq / 12, 1, 1e-3);
    }
    free_params(&l);
}

/* Prediction uses the running statistics and leaves them alone. */
static void test_batchnorm_prediction(void **state)
{
    (void)state;
    const nn_layer_ops *ops = find("batchnorm");
    blob b;
    nn_layer l;
    nn_err err;
    nn_hparam_defaults(ops->hparams, &b);
    *(double *)field(ops, "eps", &b) = 0.01;
    assert_int_equal(setup(&l, ops, img(2, 1, 2), &b, &err), 0);
    give_params(&l);
    const float gamma[2] = {2, 1}, beta[2] = {0.5f, 0}, rm[2] = {1, -2}, rv[2] = {4, 0.25f};
    memcpy(l.param[0].w, gamma, sizeof gamma);
    memcpy(l.param[1].w, beta, sizeof beta);
    memcpy(l.param[2].w, rm, sizeof rm);
    memcpy(l.param[3].w, rv, sizeof rv);
    float x[4] = {3, -1, 0, 5}, y[4], cache[4];
    nn_pass p = {.batch = 1, .train = 0};
    ops->forward(&l, &p, x, y, cache);
    assert_near(y[0], 2 * (3 - 1) / sqrt(4.01) + 0.5, 1e-6);
    assert_near(y[1], 2 * (-1 - 1) / sqrt(4.01) + 0.5, 1e-6);
    assert_near(y[2], (0 + 2) / sqrt(0.26), 1e-6);
    assert_near(y[3], (5 + 2) / sqrt(0.26), 1e-6);
    assert_memory_equal(l.param[2].w, rm, sizeof rm);
    assert_memory_equal(l.param[3].w, rv, sizeof rv);
    free_params(&l);
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
        cmocka_unit_test(test_conv2d_setup),      cmocka_unit_test(test_conv2d_errors),
        cmocka_unit_test(test_conv2d_same_even_kernel),
        cmocka_unit_test(test_conv2d_against_loops),
        cmocka_unit_test(test_pool_setup),        cmocka_unit_test(test_maxpool_values),
        cmocka_unit_test(test_avgpool_values),    cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_dropout),           cmocka_unit_test(test_batchnorm_setup),
        cmocka_unit_test(test_batchnorm_training), cmocka_unit_test(test_batchnorm_prediction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
