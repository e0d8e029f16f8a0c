/* test_metrics.c -- the regression figures of nnpredict --eval: MAE and RMSE over every value,
 * R² averaged over the output columns as scikit-learn's r2_score (uniform_average,
 * force_finite), batch by batch the same as all at once, and stable on large offsets. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics.h"

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-12 * (1 + fabs(want))))
        fail_msg("got %.17g, expected %.17g", got, want);
}

static void test_one_output(void **state)
{
    (void)state;
    /* targets 3, -0.5, 2, 7 and predictions 2.5, 0, 2, 8 (sklearn's r2_score example):
     * residuals -0.5 0.5 0 1, SS_res 1.5, mean 2.875, SS_tot 29.1875 */
    const float y[] = {3, -0.5f, 2, 7}, p[] = {2.5f, 0, 2, 8};
    nn_regression r;
    assert_int_equal(nn_regression_init(&r, 1, NULL), 0);
    nn_regression_add(&r, p, y, 4);
    assert_int_equal(r.rows, 4);
    assert_near(nn_regression_mae(&r), 0.5);
    assert_near(nn_regression_rmse(&r), sqrt(0.375));
    assert_near(nn_regression_r2(&r), 1 - 1.5 / 29.1875); /* 0.948608137... */
    nn_regression_destroy(&r);
}

static void test_columns_averaged(void **state)
{
    (void)state;
    /* sklearn's example: r2_score([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]],
     * multioutput='uniform_average') is 0.936...: columns 1 - 1.25/36.1667 and 1 - 3/32.6667 */
    const float y[] = {0.5f, 1, -1, 1, 7, -6}, p[] = {0, 2, -1, 2, 8, -5};
    nn_regression r, b;
    assert_int_equal(nn_regression_init(&r, 2, NULL), 0);
    nn_regression_add(&r, p, y, 3);
    double ss0 = 0, m0 = 6.5 / 3, ss1 = 0, m1 = -4.0 / 3;
    for (int i = 0; i < 3; i++) {
        ss0 += (y[2 * i] - m0) * (y[2 * i] - m0);
        ss1 += (y[2 * i + 1] - m1) * (y[2 * i + 1] - m1);
    }
    assert_near(nn_regression_r2(&r), (1 - 1.25 / ss0 + 1 - 3.0 / ss1) / 2);
    assert_true(fabs(nn_regression_r2(&r) - 0.9368005266622779) < 1e-7);
    assert_near(nn_regression_mae(&r), 4.5 / 6);  /* every value counts */
    assert_near(nn_regression_rmse(&r), sqrt(4.25 / 6));
    /* one row at a time gives the same figures */
    assert_int_equal(nn_regression_init(&b, 2, NULL), 0);
    for (int i = 0; i < 3; i++)
        nn_regression_add(&b, p + 2 * i, y + 2 * i, 1);
    assert_near(nn_regression_r2(&b), nn_regression_r2(&r));
    assert_near(nn_regression_mae(&b), nn_regression_mae(&r));
    assert_near(nn_regression_rmse(&b), nn_regression_rmse(&r));
    nn_regression_destroy(&r);
    nn_regression_destroy(&b);
}

static void test_constant_targets(void **state)
{
    (void)state;
    const float y[] = {4, 1, 4, 2}, exact[] = {4, 1, 4, 2}, off[] = {4, 1, 5, 2};
    nn_regression r;
    assert_int_equal(nn_regression_init(&r, 2, NULL), 0);
    nn_regression_add(&r, exact, y, 2); /* column 0 is constant and predicted exactly: 1 */
    assert_near(nn_regression_r2(&r), 1);
    nn_regression_destroy(&r);
    assert_int_equal(nn_regression_init(&r, 2, NULL), 0);
    nn_regression_add(&r, off, y, 2);   /* column 0 constant and missed: 0; column 1 exact */
    assert_near(nn_regression_r2(&r), 0.5);
    nn_regression_destroy(&r);
}

static void test_undefined(void **state)
{
    (void)state;
    const float y[] = {1}, p[] = {2};
    nn_regression r;
    nn_err err;
    assert_int_equal(nn_regression_init(&r, 1, NULL), 0);
    assert_true(isnan(nn_regression_mae(&r)) && isnan(nn_regression_rmse(&r)));
    nn_regression_add(&r, p, y, 1);
    assert_near(nn_regression_mae(&r), 1);
    assert_true(isnan(nn_regression_r2(&r))); /* one row */
    nn_regression_destroy(&r);
    nn_regression_destroy(&r);                  /* twice is fine */
    assert_int_equal(nn_regression_init(&r, 0, &err), -1);
    nn_regression_destroy(&r);
}

static void test_large_offset(void **state)
{
    (void)state;
    /* Targets near 1e6: sum and sum of squares would cancel; Welford keeps SS_tot exact. */
    float y[1000], p[1000];
    double ss_tot = 0;
    for (int i = 0; i < 1000; i++) {
        y[i] = 1e6f + (float)(i % 3);
        p[i] = y[i] + (i % 2 ? 0.5f : -0.5f);
    }
    for (int i = 0; i < 1000; i++) {
        double d = (i % 3) - 999.0 / 1000; /* mean offset: (333 * 1 + 333 * 2) / 1000 */
        ss_tot += d * d;
    }
    nn_regression r;
    assert_int_equal(nn_regression_init(&r, 1, NULL), 0);
    nn_regression_add(&r, p, y, 1000);
    assert_true(fabs(nn_regression_r2(&r) - (1 - 250.0 / ss_tot)) < 1e-9);
    assert_near(nn_regression_mae(&r), 0.5);
    nn_regression_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_output),
        cmocka_unit_test(test_columns_averaged),
        cmocka_unit_test(test_constant_targets),
        cmocka_unit_test(test_undefined),
        cmocka_unit_test(test_large_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
