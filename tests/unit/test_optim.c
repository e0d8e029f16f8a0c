/* test_optim.c -- the optimizer table and every update: hand-computed values for three steps
 * of each optimizer (with weight decay and clipping), and a double-precision transcription of
 * PyTorch's formulas over many steps of random gradients. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "optim.h"
#include "rng.h"
#include "testutil.h"

/* A settings blob for ops with its defaults, then KEY=VALUE pairs (NULL-ended). */
static void make_hp(const nn_optim_ops *ops, double *blob, ...)
{
    memset(blob, 0, 8 * sizeof *blob);
    assert_true(ops->hp_size <= 8 * sizeof *blob);
    va_list ap;
    va_start(ap, blob);
    nn_test_hparams(ops->hparams, ops->type, blob, ap);
    va_end(ap);
}

static double setting(const nn_optim_ops *ops, const void *blob, const char *key)
{
    const nn_hparam *h = nn_hparam_find(ops->hparams, key);
    assert_non_null(h);
    return nn_hparam_get_float(h, blob);
}

static void test_find(void **state)
{
    (void)state;
    const char *names[] = {"sgd", "momentum", "nesterov", "adam", "adamw"};
    const int slots[] = {0, 1, 1, 2, 2};
    for (int i = 0; i < 5; i++) {
        const nn_optim_ops *o = nn_optim_find(names[i]);
        assert_non_null(o);
        assert_string_equal(o->type, names[i]);
        assert_int_equal(o->nslots, slots[i]);
        assert_int_equal(o->decoupled_decay, i == 4);
    }
    const nn_optim_ops *sgd = nn_optim_find("sgd");
    assert_null(sgd->hparams);
    assert_int_equal(sgd->hp_size, 0);
    assert_null(nn_optim_find("SGD"));
    assert_null(nn_optim_find("sgdx"));
    assert_null(nn_optim_find(""));
    assert_null(nn_optim_find(NULL));
    int n = 0;
    for (int i = 0; nn_optimizers[i]; i++, n++) {
        assert_non_null(nn_optimizers[i]->step);
        assert_ptr_equal(nn_optim_find(nn_optimizers[i]->type), nn_optimizers[i]);
    }
    assert_int_equal(n, 5);
}

/* The defaults the issue and PyTorch give; the ranges refuse what would divide by zero. */
static void test_settings(void **state)
{
    (void)state;
    double hp[8];
    const nn_optim_ops *m = nn_optim_find("momentum"), *n = nn_optim_find("nesterov");
    const nn_optim_ops *a = nn_optim_find("adam"), *aw = nn_optim_find("adamw");
    make_hp(m, hp, NULL);
    assert_true(setting(m, hp, "momentum") == 0.9);
    make_hp(n, hp, NULL);
    assert_true(setting(n, hp, "momentum") == 0.9);
    for (int k = 0; k < 2; k++) {
        const nn_optim_ops *o = k ? aw : a;
        make_hp(o, hp, NULL);
        assert_true(setting(o, hp, "beta1") == 0.9);
        assert_true(setting(o, hp, "beta2") == 0.999);
        assert_true(setting(o, hp, "eps") == 1e-8);
    }
    nn_err err;
    nn_pos pos = {"m.yaml", 3, 4};
    assert_int_equal(nn_hparam_parse(nn_hparam_find(n->hparams, "momentum"), hp, "nesterov", "0",
                                     pos, &err), -1); /* PyTorch: nesterov needs momentum > 0 */
    assert_non_null(strstr(err.msg, "m.yaml:3:4: nesterov: momentum: expected a number in (0"));
    assert_int_equal(nn_hparam_parse(nn_hparam_find(m->hparams, "momentum"), hp, "momentum",
                                     "1.5", pos, &err), -1);
    assert_int_equal(nn_hparam_parse(nn_hparam_find(a->hparams, "beta1"), hp, "adam", "1", pos,
                                     &err), -1);
    assert_int_equal(nn_hparam_parse(nn_hparam_find(a->hparams, "beta2"), hp, "adam", "-0.1",
                                     pos, &err), -1);
    assert_int_equal(nn_hparam_parse(nn_hparam_find(a->hparams, "eps"), hp, "adam", "0", pos,
                                     &err), -1);
    assert_null(nn_hparam_find(a->hparams, "momentum"));
    assert_string_equal(nn_hparam_main(m->hparams)->key, "momentum");
}

/* w -= lr * g, elementwise; g is left alone. */
static void test_sgd_step(void **state)
{
    (void)state;
    const nn_optim_ops *sgd = nn_optim_find("sgd");
    assert_non_null(sgd);
    float w[4] = {1, 2, 3, -4}, g[4] = {0.5f, -1, 0, 2};
    sgd->step(NULL, 0.1f, w, g, NULL, 4, 1);
    const float want[4] = {0.95f, 2.1f, 3, -4.2f};
    for (int i = 0; i < 4; i++)
        assert_true(fabsf(w[i] - want[i]) < 1e-6f);
    assert_true(g[0] == 0.5f && g[1] == -1 && g[2] == 0 && g[3] == 2);
    sgd->step(NULL, 0.1f, w, g, NULL, 4, 2); /* stateless: the same step again */
    assert_true(fabsf(w[0] - 0.9f) < 1e-6f);
    sgd->step(NULL, 0.0f, w, g, NULL, 4, 3); /* lr 0: no change */
    assert_true(fabsf(w[0] - 0.9f) < 1e-6f);
    sgd->step(NULL, 1.0f, w, g, NULL, 0, 4); /* n 0: no change */
    assert_true(fabsf(w[3] + 4.4f) < 1e-6f);
}

/* Three steps from w = (1, -2, 0.5) with lr 0.1 and the gradients below, worked out by hand
 * (in double) from PyTorch's formulas as optim.c spells them out. */
static const float grads[3][3] = {{0.1f, -0.2f, 0.3f}, {-0.5f, 0.4f, 0.0f}, {0.2f, 0.2f, -0.1f}};

typedef struct hand_case {
    const char *optim;
    const char *key, *value; /* one setting, or NULL */
    double weight_decay, clip_norm;
    double want[3][3];       /* w after steps 1, 2, 3 */
} hand_case;

static const hand_case hand[] = {
    {"sgd", NULL, NULL, 0, 0,
     {{0.99, -1.98, 0.47}, {1.04, -2.02, 0.47}, {1.02, -2.04, 0.48}}},
    /* b = g; w = 1 - 0.1 * 0.1 = 0.99; b = 0.9 * 0.1 - 0.5 = -0.41; w = 0.99 + 0.041 */
    {"momentum", NULL, NULL, 0, 0,
     {{0.99, -1.98, 0.47}, {1.031, -2.002, 0.443}, {1.0479, -2.0418, 0.4287}}},
    {"momentum", "momentum", "0.5", 0, 0,
     {{0.99, -1.98, 0.47}, {1.035, -2.01, 0.455}, {1.0375, -2.045, 0.4575}}},
    /* b = g = 0.1; w = 1 - 0.1 * (0.1 + 0.9 * 0.1) = 0.981 */
    {"nesterov", NULL, NULL, 0, 0,
     {{0.981, -1.962, 0.443}, {1.0679, -2.0218, 0.4187}, {1.06311, -2.07762, 0.41583}}},
    /* step 1: m/(1-b1) = g, sqrt(v/(1-b2)) = |g|: w moves by lr against the sign of g */
    {"adam", NULL, NULL, 0, 0,
     {{0.90000001, -1.9, 0.400000003},
      {0.959835427, -1.93661036, 0.332994181},
      {0.979554919, -1.98853444, 0.304080646}}},
    /* w *= 1 - 0.1 * 0.01 first */
    {"adamw", NULL, NULL, 0.01, 0,
     {{0.89900001, -1.898, 0.399500003},
      {0.957936427, -1.93271236, 0.332094681},
      {0.976697982, -1.98270372, 0.302849052}}},
    /* L2: g + 0.1 * w = 0.1 + 0.1 = 0.2: w = 1 - 0.02 = 0.98 */
    {"sgd", NULL, NULL, 0.1, 0,
     {{0.98, -1.96, 0.465}, {1.0202, -1.9804, 0.46035}, {0.989998, -1.980596, 0.4657465}}},
    {"adam", NULL, NULL, 0.1, 0,
     {{0.900000005, -1.9, 0.400000003},
      {0.937522035, -1.87528317, 0.324974365},
      {0.927303799, -1.85794868, 0.280051171}}},
    /* |g1| = sqrt(0.14) = 0.374: scaled by 0.3 / (0.374 + 1e-6) */
    {"sgd", NULL, NULL, 0, 0.3,
     {{0.991982184, -1.98396437, 0.475946553},
      {1.01540821, -2.00270519, 0.475946553},
      {0.995408279, -2.02270512, 0.485946519}}},
    {"nesterov", NULL, NULL, 0.05, 0.5,
     {{0.9715, -1.943, 0.43825},
      {1.02430317, -1.95958744, 0.407761625},
      {0.993327853, -1.97453232, 0.397420477}}},
};

static void test_hand_computed(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof hand / sizeof *hand; c++) {
        const hand_case *h = &hand[c];
        const nn_optim_ops *o = nn_optim_find(h->optim);
        assert_non_null(o);
        double hp[8];
        if (o->hparams)
            make_hp(o, hp, h->key, h->value, NULL);
        float w[3] = {1.0f, -2.0f, 0.5f}, slots[6] = {0};
        for (int t = 0; t < 3; t++) {
            float g[3];
            memcpy(g, grads[t], sizeof g);
            nn_optim_update(o, o->hparams ? hp : NULL, 0.1, h->weight_decay, h->clip_norm, w,
                            g, slots, 3, t + 1);
            for (int i = 0; i < 3; i++) {
                double want = h->want[t][i];
                if (fabs(w[i] - want) > 2e-6 * (1 + fabs(want)))
                    fail_msg("%s (case %zu) step %d w[%d] = %.9g, expected %.9g", h->optim, c,
                             t + 1, i, (double)w[i], want);
            }
        }
    }
}

/* The reference: PyTorch's formulas in double, one weight at a time. */
static void reference_step(const char *type, double mu, double b1, double b2, double eps,
                           double lr, double wd, double *w, const double *g, double *s1,
                           double *s2, size_t n, long t)
{
    for (size_t i = 0; i < n; i++) {
        double gi = g[i];
        if (strcmp(type, "adamw") == 0)
            w[i] *= 1 - lr * wd;
        else
            gi += wd * w[i];
        if (strcmp(type, "sgd") == 0) {
            w[i] -= lr * gi;
        } else if (strcmp(type, "momentum") == 0) {
            s1[i] = mu * s1[i] + gi;
            w[i] -= lr * s1[i];
        } else if (strcmp(type, "nesterov") == 0) {
            s1[i] = mu * s1[i] + gi;
            w[i] -= lr * (gi + mu * s1[i]);
        } else {
            s1[i] = b1 * s1[i] + (1 - b1) * gi;
            s2[i] = b2 * s2[i] + (1 - b2) * gi * gi;
            double bc1 = 1 - pow(b1, (double)t), bc2 = 1 - pow(b2, (double)t);
            w[i] -= lr / bc1 * s1[i] / (sqrt(s2[i]) / sqrt(bc2) + eps);
        }
    }
}

/* 40 steps of random gradients over 1000 weights, with clipping and weight decay: the float
 * update stays within float rounding of the double reference. */
static void test_against_reference(void **state)
{
    (void)state;
    enum { N = 1000, STEPS = 40 };
    static float w[N], g[N], slots[2 * N];
    static double rw[N], rg[N], s1[N], s2[N];
    const char *types[] = {"sgd", "momentum", "nesterov", "adam", "adamw"};
    for (int k = 0; k < 5; k++) {
        const nn_optim_ops *o = nn_optim_find(types[k]);
        double hp[8];
        if (o->hparams)
            make_hp(o, hp, NULL);
        nn_rng rng;
        nn_rng_seed(&rng, 42 + (uint64_t)k);
        for (int i = 0; i < N; i++) {
            w[i] = (float)nn_rng_normal(&rng);
            rw[i] = w[i];
        }
        memset(slots, 0, sizeof slots);
        memset(s1, 0, sizeof s1);
        memset(s2, 0, sizeof s2);
        const double lr = 0.01, wd = 0.001, clip = 20;
        for (long t = 1; t <= STEPS; t++) {
            for (int i = 0; i < N; i++)
                g[i] = (float)nn_rng_normal(&rng);
            double norm = 0;
            for (int i = 0; i < N; i++)
                norm += (double)g[i] * g[i];
            norm = sqrt(norm);
            double coef = clip / (norm + 1e-6) < 1 ? clip / (norm + 1e-6) : 1;
            for (int i = 0; i < N; i++)
                rg[i] = (double)(coef < 1 ? g[i] * (float)coef : g[i]);
            double got = nn_optim_update(o, o->hparams ? hp : NULL, lr, wd, clip, w, g, slots,
                                         N, t);
            assert_true(fabs(got - norm) < 1e-9 * norm);
            reference_step(types[k], 0.9, 0.9, 0.999, 1e-8, lr, wd, rw, rg, s1, s2, N, t);
        }
        double worst = 0;
        for (int i = 0; i < N; i++) {
            double d = fabs(w[i] - rw[i]) / (1 + fabs(rw[i]));
            worst = d > worst ? d : worst;
        }
        if (worst > 1e-5)
            fail_msg("%s: relative difference %g from the double reference", types[k], worst);
    }
}

/* Clipping scales g exactly when its norm is above the bound, and only then. */
static void test_clip_norm(void **state)
{
    (void)state;
    const nn_optim_ops *sgd = nn_optim_find("sgd");
    float w[2] = {0, 0}, g[2] = {3, 4};
    assert_true(fabs(nn_optim_norm(g, 2) - 5) < 1e-12);
    double norm = nn_optim_update(sgd, NULL, 1.0, 0, 10, w, g, NULL, 2, 1);
    assert_true(fabs(norm - 5) < 1e-12);
    assert_true(w[0] == -3 && w[1] == -4); /* under the bound: untouched */
    w[0] = w[1] = 0;
    g[0] = 3;
    g[1] = 4;
    nn_optim_update(sgd, NULL, 1.0, 0, 1, w, g, NULL, 2, 2);
    assert_true(fabsf(w[0] + 0.6f) < 1e-6f && fabsf(w[1] + 0.8f) < 1e-6f);
    assert_true(fabs(nn_optim_norm(g, 2) - 1) < 1e-5); /* g itself was scaled */
    g[0] = 3;
    g[1] = 4;
    assert_true(nn_optim_update(sgd, NULL, 1.0, 0, 0, w, g, NULL, 2, 3) == 0); /* off */
    assert_true(nn_optim_norm(g, 0) == 0);
}

/* Adam with lr 0 leaves w alone but still updates its moments. */
static void test_adam_state(void **state)
{
    (void)state;
    const nn_optim_ops *a = nn_optim_find("adam");
    double hp[8];
    make_hp(a, hp, "beta1", "0.5", NULL);
    float w[2] = {1, 2}, g[2] = {2, -4}, slots[4] = {0};
    nn_optim_update(a, hp, 0, 0, 0, w, g, slots, 2, 1);
    assert_true(w[0] == 1 && w[1] == 2);
    assert_true(fabsf(slots[0] - 1.0f) < 1e-7f && fabsf(slots[1] + 2.0f) < 1e-7f); /* m */
    assert_true(fabsf(slots[2] - 0.004f) < 1e-8f && fabsf(slots[3] - 0.016f) < 1e-8f); /* v */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_sgd_step),
        cmocka_unit_test(test_hand_computed),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_clip_norm),
        cmocka_unit_test(test_adam_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
