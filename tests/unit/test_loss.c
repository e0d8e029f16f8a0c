/* test_loss.c -- the loss table: known values and gradients, stability with huge logits,
 * target checks and their messages, accuracy counts, class indices and the fused activations. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loss.h"

static void assert_near(double a, double b, double tol)
{
    if (!(fabs(a - b) <= tol * (1 + fabs(b))))
        fail_msg("got %.9g, expected %.9g", a, b);
}

static const nn_loss_ops *find(const char *type)
{
    const nn_loss_ops *l = nn_loss_find(type);
    if (!l)
        fail_msg("loss '%s' is not registered", type);
    return l;
}

static void test_find(void **state)
{
    (void)state;
    const char *names[] = {"mse", "mae", "cross_entropy", "binary_cross_entropy"};
    for (int i = 0; i < 4; i++)
        assert_string_equal(find(names[i])->type, names[i]);
    assert_null(nn_loss_find("MSE"));
    assert_null(nn_loss_find("cross-entropy"));
    assert_null(nn_loss_find(""));
    assert_null(nn_loss_find(NULL));
    assert_string_equal(find("cross_entropy")->fuses, "softmax");
    assert_string_equal(find("binary_cross_entropy")->fuses, "sigmoid");
    assert_null(find("mse")->fuses);
    assert_int_equal(find("mse")->task, NN_TASK_REGRESSION);
    assert_int_equal(find("mae")->task, NN_TASK_REGRESSION);
    assert_int_equal(find("cross_entropy")->task, NN_TASK_MULTICLASS);
    assert_int_equal(find("binary_cross_entropy")->task, NN_TASK_BINARY);
}

/* The seed's mse: mean over every value of the squared difference, gradient 2 (z - t) / n. */
static void test_mse(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("mse");
    float z[4] = {1, 2, 3, 4}, t[4] = {0, 0, 0, 0}, dz[4];
    assert_near(l->eval(z, t, 2, dz, 2, 2), 7.5, 1e-12); /* (1 + 4 + 9 + 16) / 4 */
    const float want[4] = {0.5f, 1, 1.5f, 2};
    for (int i = 0; i < 4; i++)
        assert_near(dz[i], want[i], 1e-7);
    float z1[2] = {0.5f, 0.2f}, t1[2] = {1, 0};
    assert_near(l->eval(z1, t1, 2, dz, 2, 1), 0.145, 1e-7);
    assert_near(dz[0], -0.5, 1e-7);
    assert_near(dz[1], 0.2, 1e-6);
}

static void test_mae(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("mae");
    float z[3] = {1, -2, 0.5f}, t[3] = {0, 0, 0.5f}, dz[3];
    assert_near(l->eval(z, t, 3, dz, 3, 1), 1.0, 1e-12);
    assert_near(dz[0], 1.0 / 3, 1e-7);
    assert_near(dz[1], -1.0 / 3, 1e-7);
    assert_true(dz[2] == 0.0f); /* the subgradient at the kink */
}

static void test_cross_entropy_values(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("cross_entropy");
    /* Uniform logits: log(width), whatever the class. */
    float z[10] = {0}, t = 3, dz[10];
    for (int j = 0; j < 10; j++)
        z[j] = 2.5f;
    assert_near(l->eval(z, &t, 1, dz, 10, 1), log(10.0), 1e-7);
    for (int j = 0; j < 10; j++)
        assert_near(dz[j], j == 3 ? 0.1 - 1 : 0.1, 1e-6);
    /* softmax({0, log 3}) = {1/4, 3/4}; batch 2 halves the gradient. */
    float z2[4] = {0, logf(3.0f), 0, logf(3.0f)}, t2[2] = {1, 0}, dz2[4];
    assert_near(l->eval(z2, t2, 1, dz2, 2, 2), (-log(0.75) - log(0.25)) / 2, 1e-6);
    assert_near(dz2[0], 0.125, 1e-6);
    assert_near(dz2[1], -0.125, 1e-6);
    assert_near(dz2[2], -0.375, 1e-6);
    assert_near(dz2[3], 0.375, 1e-6);
}

/* The same rows given as class indices and as one-hot rows give the same loss and gradient. */
static void test_cross_entropy_onehot(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("cross_entropy");
    float z[6] = {0.3f, -1.2f, 2.0f, 1.0f, 0.5f, -0.5f};
    float idx[2] = {2, 0}, hot[6] = {0, 0, 1, 1, 0, 0}, da[6], db[6];
    double a = l->eval(z, idx, 1, da, 3, 2), b = l->eval(z, hot, 3, db, 3, 2);
    assert_near(a, b, 1e-12);
    for (int i = 0; i < 6; i++)
        assert_near(da[i], db[i], 1e-7);
    /* Soft targets: the loss is the cross-entropy against the distribution. */
    float soft[3] = {0.25f, 0.25f, 0.5f}, d[3];
    double lse = log(exp(0.3) + exp(-1.2) + exp(2.0));
    double want = 0.25 * (lse - 0.3) + 0.25 * (lse + 1.2) + 0.5 * (lse - 2.0);
    assert_near(l->eval(z, soft, 3, d, 3, 1), want, 1e-6);
    assert_near(d[0] + d[1] + d[2], 0, 1e-6);
}

/* Logits of +-1000 overflow a naive exp; the losses must stay finite and right. */
static void test_stability(void **state)
{
    (void)state;
    const nn_loss_ops *ce = find("cross_entropy"), *bce = find("binary_cross_entropy");
    float z[2] = {1000, -1000}, dz[2];
    float c1 = 1, c0 = 0;
    assert_near(ce->eval(z, &c1, 1, dz, 2, 1), 2000, 1e-9);
    assert_near(dz[0], 1, 1e-7);
    assert_near(dz[1], -1, 1e-7);
    assert_near(ce->eval(z, &c0, 1, dz, 2, 1), 0, 1e-9);
    assert_true(isfinite(dz[0]) && isfinite(dz[1]));
    float hot[2] = {0, 1};
    assert_near(ce->eval(z, hot, 2, dz, 2, 1), 2000, 1e-9);

    float t[2] = {0, 0}, bdz[2];
    double v = bce->eval(z, t, 2, bdz, 2, 1); /* z = 1000 with t = 0 costs 1000; -1000 costs 0 */
    assert_near(v, 500, 1e-9);
    assert_near(bdz[0], 0.5, 1e-7);
    assert_near(bdz[1], 0, 1e-7);
    float t1[2] = {1, 1};
    assert_near(bce->eval(z, t1, 2, bdz, 2, 1), 500, 1e-9);
    assert_true(isfinite(bdz[0]) && isfinite(bdz[1]));
}

static void test_bce_values(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("binary_cross_entropy");
    float z[3] = {0, 2, -1}, t[3] = {1, 0.3f, 0}, dz[3];
    double s2 = 1 / (1 + exp(-2.0)), sm1 = 1 / (1 + exp(1.0));
    double want = (log(2.0) - 0.3 * log(s2) - 0.7 * log(1 - s2) - log(1 - sm1)) / 3;
    assert_near(l->eval(z, t, 3, dz, 3, 1), want, 1e-6);
    assert_near(dz[0], (0.5 - 1) / 3, 1e-6);
    assert_near(dz[1], (s2 - 0.3) / 3, 1e-6);
    assert_near(dz[2], sm1 / 3, 1e-6);
}

/* A class index outside [0, width) breaks eval's precondition: it must not be used as an index
 * (ASan would see it) and must show up as a NaN loss. */
static void test_bad_class_is_nan(void **state)
{
    (void)state;
    const nn_loss_ops *l = find("cross_entropy");
    float z[3] = {1, 2, 3}, dz[3];
    const float bad[] = {3, -1, 1.5f, 1e9f, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(isnan(l->eval(z, &bad[i], 1, dz, 3, 1)));
        assert_true(isfinite(dz[0]) && isfinite(dz[1]) && isfinite(dz[2]));
    }
}

static void test_check_targets(void **state)
{
    (void)state;
    nn_err err;
    const nn_loss_ops *ce = find("cross_entropy");
    assert_int_equal(nn_loss_check_targets(ce, 10, 1, &err), 0);
    assert_int_equal(nn_loss_check_targets(ce, 10, 10, &err), 0);
    assert_int_equal(nn_loss_check_targets(ce, 10, 3, &err), -1);
    assert_string_equal(err.msg, "cross_entropy needs 1 class-index column or 10 one-hot "
                                 "columns, got 3");
    assert_int_equal(nn_loss_check_targets(ce, 1, 1, &err), -1);
    assert_non_null(strstr(err.msg, "at least 2 outputs"));
    assert_non_null(strstr(err.msg, "binary_cross_entropy"));
    assert_int_equal(nn_loss_check_targets(find("mse"), 2, 1, &err), -1);
    assert_string_equal(err.msg, "mse needs 2 target columns (one per output), got 1");
    assert_int_equal(nn_loss_check_targets(find("mae"), 1, 3, &err), -1);
    assert_string_equal(err.msg, "mae needs 1 target column (one per output), got 3");
    assert_int_equal(nn_loss_check_targets(find("binary_cross_entropy"), 1, 1, &err), 0);
    assert_int_equal(nn_loss_check_targets(find("binary_cross_entropy"), 3, 1, &err), -1);
    assert_int_equal(nn_loss_check_targets(find("mse"), 0, 0, &err), -1);
    assert_non_null(strstr(err.msg, "at least 1"));
    assert_int_equal(nn_loss_check_targets(find("mse"), 4, 4, NULL), 0);
    assert_int_equal(nn_loss_check_targets(find("mse"), 4, 5, NULL), -1); /* err may be NULL */
}

static void test_correct(void **state)
{
    (void)state;
    /* Multiclass: rows {argmax 2, argmax 0, argmax 1 (tie: first)}. */
    float z[9] = {0, 1, 5, 3, 1, 2, 0, 4, 4};
    float idx[3] = {2, 1, 1}, hot[9] = {0, 0, 1, 0, 1, 0, 0, 1, 0};
    const nn_loss_ops *ce = find("cross_entropy");
    assert_int_equal(nn_loss_correct(ce, z, idx, 1, 3, 3), 2);
    assert_int_equal(nn_loss_correct(ce, z, hot, 3, 3, 3), 2);
    float badidx[3] = {2, 7, 0.5f}; /* out of range and fractional classes are never correct */
    assert_int_equal(nn_loss_correct(ce, z, badidx, 1, 3, 3), 1);
    /* Binary: every output counts, logits against 0 and targets against 0.5. */
    const nn_loss_ops *bce = find("binary_cross_entropy");
    float bz[4] = {2, -1, 0.1f, 0}, bt[4] = {1, 0, 0, 1};
    assert_int_equal(nn_loss_correct(bce, bz, bt, 2, 2, 2), 2);
    float soft[4] = {0.9f, 0.4f, 0.6f, 0.2f};
    assert_int_equal(nn_loss_correct(bce, bz, soft, 2, 2, 2), 4);
    /* Regression: nothing to count. */
    assert_int_equal(nn_loss_correct(find("mse"), bz, bt, 2, 2, 2), 0);
}

static void test_target_class(void **state)
{
    (void)state;
    float v[] = {3, 0, 2.5f, -1, NAN, 1e10f, INFINITY};
    assert_int_equal(nn_loss_target_class(&v[0], 1), 3);
    assert_int_equal(nn_loss_target_class(&v[1], 1), 0);
    for (int i = 2; i < 7; i++)
        assert_int_equal(nn_loss_target_class(&v[i], 1), -1);
    float hot[4] = {0, 0, 1, 0}, tie[3] = {0.5f, 0.5f, 0}, soft[3] = {0.2f, 0.3f, 0.5f};
    assert_int_equal(nn_loss_target_class(hot, 4), 2);
    assert_int_equal(nn_loss_target_class(tie, 3), 0);
    assert_int_equal(nn_loss_target_class(soft, 3), 2);
}

static void test_activate(void **state)
{
    (void)state;
    float z[4] = {0, logf(3.0f), 1000, -1000};
    nn_loss_activate(find("cross_entropy"), z, 2, 2);
    assert_near(z[0], 0.25, 1e-6);
    assert_near(z[1], 0.75, 1e-6);
    assert_near(z[2], 1, 1e-7);
    assert_near(z[3], 0, 1e-7);
    float b[3] = {0, 1000, -1000};
    nn_loss_activate(find("binary_cross_entropy"), b, 3, 1);
    assert_near(b[0], 0.5, 1e-7);
    assert_near(b[1], 1, 1e-7);
    assert_near(b[2], 0, 1e-7);
    float r[2] = {-3, 7};
    nn_loss_activate(find("mse"), r, 2, 1);
    assert_true(r[0] == -3 && r[1] == 7);
}

/* An empty batch contributes nothing and writes nothing. */
static void test_empty(void **state)
{
    (void)state;
    float z = 1, t = 0, dz = 42;
    for (int i = 0; nn_losses[i]; i++) {
        assert_true(nn_losses[i]->eval(&z, &t, 1, &dz, 1, 0) == 0);
        assert_true(dz == 42);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_mse),
        cmocka_unit_test(test_mae),
        cmocka_unit_test(test_cross_entropy_values),
        cmocka_unit_test(test_cross_entropy_onehot),
        cmocka_unit_test(test_stability),
        cmocka_unit_test(test_bce_values),
        cmocka_unit_test(test_bad_class_is_nan),
        cmocka_unit_test(test_check_targets),
        cmocka_unit_test(test_correct),
        cmocka_unit_test(test_target_class),
        cmocka_unit_test(test_activate),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
