/* test_model.c -- building networks from specs, arenas, the fused loss input, a whole-network
 * finite-difference gradient check, and loading tensors by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "model.h"
#include "xalloc.h"

static const char xor_yaml[] =
    "input: 2\nlayers:\n  - dense: 3\n  - tanh\n  - dense: 1\n  - tanh\nloss: mse\n";
static const char clf_yaml[] =
    "input: 5\nlayers:\n  - dense: {units: 6, init: he}\n  - tanh\n"
    "  - dense: {units: 4, init: xavier}\n  - softmax\nloss: cross_entropy\nbatch_size: 3\n";

static nn_model *build(const char *yaml, nn_spec *spec, int max_batch)
{
    nn_err err = {{0}};
    if (nn_config_parse(yaml, strlen(yaml), "t.yaml", NULL, NULL, 0, spec, &err) < 0)
        fail_msg("%s", err.msg);
    nn_model *m = nn_model_build(spec, max_batch, &err);
    if (!m)
        fail_msg("%s", err.msg);
    return m;
}

static void xor_builds_with_names_and_counts(void **state)
{
    (void)state;
    nn_spec spec;
    nn_model *m = build(xor_yaml, &spec, 1);
    assert_int_equal(nn_model_nlayers(m), 4);
    assert_string_equal(nn_model_layer(m, 0)->name, "dense1");
    assert_string_equal(nn_model_layer(m, 1)->name, "tanh1");
    assert_string_equal(nn_model_layer(m, 2)->name, "dense2");
    assert_string_equal(nn_model_layer(m, 3)->name, "tanh2");
    assert_int_equal(nn_model_param_count(m), 2 * 3 + 3 + 3 * 1 + 1);
    assert_int_equal(nn_model_input_size(m), 2);
    assert_int_equal(nn_model_out_width(m), 1);
    size_t n;
    assert_non_null(nn_model_values(m, &n));
    assert_int_equal(n, 13);
    nn_model_free(m);
    nn_config_destroy(&spec);
}

static void init_schemes_respect_their_bounds(void **state)
{
    (void)state;
    nn_spec spec;
    nn_model *m = build(clf_yaml, &spec, 3);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    nn_model_init_params(m, &rng);
    const nn_layer *d1 = nn_model_layer(m, 0), *d2 = nn_model_layer(m, 2);
    float he = sqrtf(6.0f / 5), xavier = sqrtf(6.0f / (6 + 4));
    float max1 = 0, max2 = 0;
    for (int i = 0; i < 30; i++)
        max1 = fmaxf(max1, fabsf(d1->param[0].w[i]));
    for (int i = 0; i < 24; i++)
        max2 = fmaxf(max2, fabsf(d2->param[0].w[i]));
    assert_true(max1 <= he && max1 > 0.5f * he);
    assert_true(max2 <= xavier && max2 > 0.5f * xavier);
    for (int i = 0; i < 6; i++)
        assert_true(d1->param[1].w[i] == 0.0f); /* he and xavier start biases at zero */
    nn_model_free(m);
    nn_config_destroy(&spec);
}

static double loss_of(nn_model *m, const float *x, const float *t, int batch)
{
    const float *z = nn_model_forward(m, x, batch, 1, NULL);
    return nn_model_loss(m)->eval(z, t, 1, NULL, nn_model_out_width(m), batch);
}

/* The model's gradients against central differences of the loss, over every parameter.
 * Bound: |analytic - numeric| <= 2e-2 * max(1e-2, |analytic| + |numeric|), eps 1e-2 in float. */
static void whole_network_gradient_check(void **state)
{
    (void)state;
    nn_spec spec;
    nn_model *m = build(clf_yaml, &spec, 3);
    nn_rng rng;
    nn_rng_seed(&rng, 11);
    nn_model_init_params(m, &rng);
    float x[15], t[3] = {0, 3, 1}, dz[12];
    for (int i = 0; i < 15; i++)
        x[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    const float *z = nn_model_forward(m, x, 3, 1, NULL);
    nn_model_loss(m)->eval(z, t, 1, dz, 4, 3);
    nn_model_zero_grad(m);
    nn_model_backward(m, x, dz, 3);
    size_t n;
    float *w = nn_model_values(m, &n);
    const float *g = nn_model_grads(m, &n);
    const float eps = 1e-2f;
    for (size_t i = 0; i < n; i++) {
        float saved = w[i];
        w[i] = saved + eps;
        double up = loss_of(m, x, t, 3);
        w[i] = saved - eps;
        double down = loss_of(m, x, t, 3);
        w[i] = saved;
        double numeric = (up - down) / (2 * eps), analytic = g[i];
        double scale = fmax(1e-2, fabs(analytic) + fabs(numeric));
        if (fabs(analytic - numeric) > 2e-2 * scale)
            fail_msg("parameter %zu: analytic %g numeric %g", i, analytic, numeric);
    }
    nn_model_free(m);
    nn_config_destroy(&spec);
}

/* The same check through convolution (channels first, then channels last: 4 channels x 3 wide
 * windows span more than the 2-wide output), 2x2 max pooling, flatten and dense, on a batch
 * that splits across threads. Inputs are spread so no pooling window holds a near tie. */
static const char cnn_yaml[] =
    "input: [1, 12, 12]\nlayers:\n  - conv2d: {filters: 4, kernel: 5}\n  - relu\n"
    "  - maxpool2d: 2\n  - conv2d: {filters: 6, kernel: 3}\n  - relu\n  - maxpool2d: 2\n"
    "  - flatten\n  - dense: 5\n  - tanh\n  - dense: 3\n  - softmax\n"
    "loss: cross_entropy\ninit: he\nbatch_size: 4\n";

/* Big enough for convolution to split its batch across threads and lower it in chunks. */
static const char cnn_threaded_yaml[] =
    "input: [3, 16, 16]\nlayers:\n  - conv2d: {filters: 8, kernel: 5}\n  - relu\n"
    "  - maxpool2d: 2\n  - conv2d: {filters: 6, kernel: 3}\n  - relu\n  - maxpool2d: 2\n"
    "  - flatten\n  - dense: 5\n  - tanh\n  - dense: 3\n  - softmax\n"
    "loss: cross_entropy\ninit: he\nbatch_size: 8\n";

/* W3's first layer: one channel, channels first, several chunks of samples per thread. Smooth
 * activations and average pooling: with 16 x 576 positions, relu and max pooling put enough
 * kinks within eps of the weights to blur a finite difference; here none may disagree. */
static const char cnn_chunked_yaml[] =
    "input: [1, 28, 28]\nlayers:\n  - conv2d: {filters: 4, kernel: 5}\n  - tanh\n"
    "  - avgpool2d: 2\n  - conv2d: {filters: 6, kernel: 3}\n  - tanh\n  - avgpool2d: 2\n"
    "  - flatten\n  - dense: 5\n  - tanh\n  - dense: 3\n  - softmax\n"
    "loss: cross_entropy\ninit: he\nbatch_size: 16\n";

/* Checks the first `limit` parameters in layer order (0: all of them); at most `kinks` may
 * disagree, for networks whose relu and max pooling put kinks within eps of some weights. */
static void check_network_gradients(const char *yaml, int batch, int in, size_t limit,
                                    int kinks)
{
    nn_spec spec;
    nn_model *m = build(yaml, &spec, batch);
    nn_rng rng;
    nn_rng_seed(&rng, 17);
    nn_model_init_params(m, &rng);
    nn_err err;
    float *x = nn_alloc((size_t)batch * (size_t)in, sizeof(float), &err);
    float *t = nn_alloc((size_t)batch, sizeof(float), &err);
    float *dz = nn_alloc((size_t)batch * 3, sizeof(float), &err);
    assert_true(x && t && dz);
    for (int i = 0; i < batch * in; i++)
        x[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (int i = 0; i < batch; i++)
        t[i] = (float)(i % 3);
    const float *z = nn_model_forward(m, x, batch, 1, NULL);
    nn_model_loss(m)->eval(z, t, 1, dz, 3, batch);
    nn_model_zero_grad(m);
    nn_model_backward(m, x, dz, batch);
    size_t n;
    float *w = nn_model_values(m, &n);
    const float *g = nn_model_grads(m, &n);
    const float eps = 1e-3f;
    int bad = 0;
    if (limit && limit < n)
        n = limit;
    for (size_t i = 0; i < n; i++) {
        float saved = w[i];
        w[i] = saved + eps;
        double up = loss_of(m, x, t, batch);
        w[i] = saved - eps;
        double down = loss_of(m, x, t, batch);
        w[i] = saved;
        double numeric = (up - down) / (2 * eps), analytic = g[i];
        if (fabs(analytic - numeric) > 5e-2 * fmax(1e-2, fabs(analytic) + fabs(numeric)))
            bad++;
    }
    if (bad > kinks)
        fail_msg("%d of %zu parameters disagree with finite differences", bad, n);
    nn_free(x);
    nn_free(t);
    nn_free(dz);
    nn_model_free(m);
    nn_config_destroy(&spec);
}

static void conv_network_gradient_check(void **state)
{
    (void)state;
    /* A kink of relu or a swap in a pooling window inside [w - eps, w + eps] makes the numeric
     * side meaningless for that weight: a few such (1%) are tolerated, not a pattern. */
    check_network_gradients(cnn_yaml, 4, 144, 0, 5);
    check_network_gradients(cnn_threaded_yaml, 8, 3 * 16 * 16, 0, 12);
    /* Its two convolutions' 4*25+4 + 6*4*9+6 parameters: the dense ones are checked above. */
    check_network_gradients(cnn_chunked_yaml, 16, 28 * 28, 104 + 222, 0);
}

static void fused_softmax_gives_logits_and_predict_probabilities(void **state)
{
    (void)state;
    nn_spec spec;
    nn_model *m = build(clf_yaml, &spec, 3);
    nn_rng rng;
    nn_rng_seed(&rng, 2);
    nn_model_init_params(m, &rng);
    float x[15], out[12];
    for (int i = 0; i < 15; i++)
        x[i] = (float)i / 7.0f - 1.0f;
    const float *z = nn_model_forward(m, x, 3, 0, NULL);
    float zsum = 0;
    for (int i = 0; i < 4; i++)
        zsum += z[i];
    nn_model_predict(m, x, 3, out);
    for (int r = 0; r < 3; r++) {
        float s = 0;
        for (int j = 0; j < 4; j++) {
            assert_true(out[r * 4 + j] > 0 && out[r * 4 + j] < 1);
            s += out[r * 4 + j];
        }
        assert_true(fabsf(s - 1) < 1e-5f);
    }
    assert_true(fabsf(zsum - 1) > 1e-3f); /* z is not already a probability row */
    nn_model_free(m);
    nn_config_destroy(&spec);
}

static void tensors_round_trip_and_mismatches_are_refused(void **state)
{
    (void)state;
    nn_spec spec, spec2;
    nn_model *a = build(xor_yaml, &spec, 1), *b = build(xor_yaml, &spec2, 1);
    nn_rng rng;
    nn_rng_seed(&rng, 4);
    nn_model_init_params(a, &rng);
    nn_tensor *t;
    int n;
    nn_err err;
    assert_int_equal(nn_model_tensors(a, &t, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(t[0].name, "dense1.W");
    assert_string_equal(t[1].name, "dense1.b");
    assert_int_equal(t[0].shape.dim[0], 3);
    assert_int_equal(t[0].shape.dim[1], 2);
    assert_int_equal(nn_model_load(b, t, n, "w.nnw", &err), 0);
    size_t na, nb;
    assert_memory_equal(nn_model_values(a, &na), nn_model_values(b, &nb), 13 * sizeof(float));

    t[2].shape.dim[0] = 2; /* dense2.W as [2, 3] */
    assert_int_equal(nn_model_load(b, t, n, "w.nnw", &err), -1);
    assert_non_null(strstr(err.msg, "w.nnw: tensor 'dense2.W' has shape 2x3, expected 1x3"));
    t[2].shape.dim[0] = 1;
    assert_int_equal(nn_model_load(b, t, n - 1, "w.nnw", &err), -1);
    assert_non_null(strstr(err.msg, "'dense2.b' is missing"));
    strcpy(t[1].name, "dense9.b");
    assert_int_equal(nn_model_load(b, t, n, "w.nnw", &err), -1);
    assert_non_null(strstr(err.msg, "dense1.b"));
    nn_free(t);
    nn_model_free(a);
    nn_model_free(b);
    nn_config_destroy(&spec);
    nn_config_destroy(&spec2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xor_builds_with_names_and_counts),
        cmocka_unit_test(init_schemes_respect_their_bounds),
        cmocka_unit_test(whole_network_gradient_check),
        cmocka_unit_test(conv_network_gradient_check),
        cmocka_unit_test(fused_softmax_gives_logits_and_predict_probabilities),
        cmocka_unit_test(tensors_round_trip_and_mismatches_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
