/* test_preprocess.c -- scale, minmax and standard statistics on small known matrices: fitted
 * values, constant features, scale alone, and reapplying fitted statistics to another set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "preprocess.h"
#include "xalloc.h"

/* A dataset of n rows of nx inputs copied from v, no targets. */
static void make(nn_dataset *ds, const float *v, size_t n, int nx)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->nx = nx;
    ds->x = nn_alloc(n, (size_t)nx * sizeof(float), NULL);
    ds->source = nn_strdup("t.csv", NULL);
    assert_non_null(ds->x);
    assert_non_null(ds->source);
    memcpy(ds->x, v, n * (size_t)nx * sizeof(float));
}

/* Four rows: an increasing column, a column ten times larger, and a constant column. */
static const float known[] = {
    1, 10, 5,
    2, 20, 5,
    3, 30, 5,
    4, 40, 5,
};

static void test_minmax(void **state)
{
    (void)state;
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, known, 4, 3);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_MINMAX, &ds, &err), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.kind, NN_NORM_MINMAX);
    assert_float_equal(p.shift[0], 1.0f, 1e-7);
    assert_float_equal(p.shift[1], 10.0f, 1e-7);
    assert_float_equal(p.shift[2], 5.0f, 1e-7);
    assert_float_equal(p.mul[0], 1.0f / 3.0f, 1e-7);
    assert_float_equal(p.mul[1], 1.0f / 30.0f, 1e-7);
    assert_float_equal(p.mul[2], 1.0f, 0); /* constant: mul stays 1 */
    nn_prep_apply(&p, &ds);
    for (size_t r = 0; r < 4; r++) {
        assert_float_equal(ds.x[r * 3], (float)r / 3.0f, 1e-6);
        assert_float_equal(ds.x[r * 3 + 1], (float)r / 3.0f, 1e-6);
        assert_float_equal(ds.x[r * 3 + 2], 0.0f, 0); /* constant maps to 0 */
    }
    nn_prep_destroy(&p);
    assert_null(p.shift);
    assert_null(p.mul);
    nn_dataset_destroy(&ds);
}

static void test_standard(void **state)
{
    (void)state;
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, known, 4, 3);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_STANDARD, &ds, &err), 0);
    /* column 0: mean 2.5, population variance 1.25 */
    assert_float_equal(p.shift[0], 2.5f, 1e-7);
    assert_float_equal(p.mul[0], (float)(1.0 / sqrt(1.25)), 1e-6);
    assert_float_equal(p.shift[1], 25.0f, 1e-6);
    assert_float_equal(p.mul[1], (float)(1.0 / sqrt(125.0)), 1e-7);
    assert_float_equal(p.shift[2], 5.0f, 0);
    assert_float_equal(p.mul[2], 1.0f, 0);
    nn_prep_apply(&p, &ds);
    const double want[] = {-1.5 / sqrt(1.25), -0.5 / sqrt(1.25), 0.5 / sqrt(1.25),
                           1.5 / sqrt(1.25)};
    for (size_t c = 0; c < 2; c++) {
        double sum = 0, ss = 0;
        for (size_t r = 0; r < 4; r++) {
            double v = ds.x[r * 3 + c];
            assert_float_equal(v, want[r], 1e-6);
            sum += v;
            ss += v * v;
        }
        assert_float_equal(sum / 4, 0.0, 1e-6);
        assert_float_equal(ss / 4, 1.0, 1e-6);
    }
    for (size_t r = 0; r < 4; r++)
        assert_float_equal(ds.x[r * 3 + 2], 0.0f, 0);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

/* A large offset with a small spread: double accumulation keeps the statistics exact enough. */
static void test_standard_offset(void **state)
{
    (void)state;
    enum { N = 1000 };
    float v[N];
    for (int i = 0; i < N; i++)
        v[i] = 10000.0f + (i % 2 ? 1.0f : -1.0f);
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, v, N, 1);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_STANDARD, &ds, &err), 0);
    assert_float_equal(p.shift[0], 10000.0f, 0);
    assert_float_equal(p.mul[0], 1.0f, 1e-6);
    nn_prep_apply(&p, &ds);
    assert_float_equal(ds.x[0], -1.0f, 1e-6);
    assert_float_equal(ds.x[1], 1.0f, 1e-6);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

static void test_scale_only(void **state)
{
    (void)state;
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, known, 4, 3);
    assert_int_equal(nn_prep_fit(&p, 0.5, NN_NORM_NONE, &ds, &err), 0);
    assert_float_equal(p.scale, 0.5, 0);
    assert_int_equal(p.kind, NN_NORM_NONE);
    assert_int_equal(p.n, 0);
    assert_null(p.shift);
    assert_null(p.mul);
    nn_prep_apply(&p, &ds);
    for (size_t k = 0; k < 12; k++)
        assert_float_equal(ds.x[k], known[k] * 0.5f, 0);
    nn_prep_destroy(&p);

    /* scale 1 and none: nothing changes */
    memcpy(ds.x, known, sizeof known);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_NONE, &ds, &err), 0);
    nn_prep_apply(&p, &ds);
    assert_memory_equal(ds.x, known, sizeof known);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

/* Scale comes first: minmax statistics are of the scaled values. */
static void test_scale_then_minmax(void **state)
{
    (void)state;
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, known, 4, 3);
    assert_int_equal(nn_prep_fit(&p, 2.0, NN_NORM_MINMAX, &ds, &err), 0);
    assert_float_equal(p.shift[0], 2.0f, 0);
    assert_float_equal(p.mul[0], 1.0f / 6.0f, 1e-7);
    assert_float_equal(p.shift[2], 10.0f, 0);
    nn_prep_apply(&p, &ds);
    assert_float_equal(ds.x[9], 1.0f, 1e-6);
    assert_float_equal(ds.x[11], 0.0f, 0);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

/* Statistics fitted on one set are applied unchanged to another (as nnpredict does). */
static void test_apply_other_set(void **state)
{
    (void)state;
    nn_dataset train, test;
    nn_prep p;
    nn_err err = {{0}};
    const float other[] = {5, 50, 6, 0, 10, 4};
    make(&train, known, 4, 3);
    make(&test, other, 2, 3);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_MINMAX, &train, &err), 0);
    nn_prep_apply(&p, &test);
    assert_float_equal(test.x[0], 4.0f / 3.0f, 1e-6); /* outside [0, 1]: not refitted */
    assert_float_equal(test.x[1], 4.0f / 3.0f, 1e-6);
    assert_float_equal(test.x[2], 1.0f, 1e-6);
    assert_float_equal(test.x[3], -1.0f / 3.0f, 1e-6);
    assert_float_equal(test.x[4], 0.0f, 1e-6);
    assert_float_equal(test.x[5], -1.0f, 1e-6);
    /* the training set itself was not touched by fitting */
    assert_memory_equal(train.x, known, sizeof known);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&test);
}

/* A spread too small for 1/spread to fit a float is treated as constant. */
static void test_tiny_spread(void **state)
{
    (void)state;
    const float v[] = {0.0f, 1e-45f};
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, v, 2, 1);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_MINMAX, &ds, &err), 0);
    assert_float_equal(p.mul[0], 1.0f, 0);
    assert_true(isfinite(p.mul[0]));
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

/* Fitting reads uint8 storage (IDX images) directly; attaching leaves the bytes alone. */
static void test_fit_uint8(void **state)
{
    (void)state;
    const unsigned char px[] = {0, 10, 255, 4, 20, 255, 8, 30, 255, 12, 40, 255};
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    memset(&ds, 0, sizeof ds);
    ds.n = 4;
    ds.nx = 3;
    ds.xtype = NN_X_U8;
    ds.x8 = nn_alloc(sizeof px, 1, NULL);
    ds.source = nn_strdup("images.idx", NULL);
    assert_non_null(ds.x8);
    memcpy(ds.x8, px, sizeof px);
    assert_int_equal(nn_prep_fit(&p, 0.5, NN_NORM_MINMAX, &ds, &err), 0);
    assert_float_equal(p.shift[0], 0.0f, 0);
    assert_float_equal(p.mul[0], 1.0f / 6.0f, 1e-7);
    assert_float_equal(p.shift[1], 5.0f, 0);
    assert_float_equal(p.mul[1], 1.0f / 15.0f, 1e-7);
    assert_float_equal(p.shift[2], 127.5f, 0);
    assert_float_equal(p.mul[2], 1.0f, 0); /* constant */
    nn_prep_destroy(&p);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_STANDARD, &ds, &err), 0);
    assert_float_equal(p.shift[0], 6.0f, 0);
    assert_float_equal(p.mul[0], 1.0f / sqrtf(20.0f), 1e-7); /* population variance 20 */
    assert_float_equal(p.shift[1], 25.0f, 0);
    nn_prep_attach(&p, &ds);
    assert_ptr_equal(ds.prep, &p);
    assert_memory_equal(ds.x8, px, sizeof px);
    nn_prep_destroy(&p);
    nn_dataset_destroy(&ds);
}

static void test_errors(void **state)
{
    (void)state;
    nn_dataset ds;
    nn_prep p;
    nn_err err = {{0}};
    make(&ds, known, 0, 3);
    assert_int_equal(nn_prep_fit(&p, 1.0, NN_NORM_STANDARD, &ds, &err), -1);
    assert_string_equal(err.msg, "t.csv: no rows to fit the standard statistics on");
    assert_null(p.shift);
    assert_int_equal(nn_prep_fit(&p, 0.0, NN_NORM_NONE, &ds, &err), -1);
    assert_string_equal(err.msg,
                        "scale 0 is not usable (expected a finite, non-zero factor)");
    assert_int_equal(nn_prep_fit(&p, INFINITY, NN_NORM_MINMAX, &ds, &err), -1);
    nn_prep_destroy(&p);
    nn_prep_destroy(NULL);
    nn_dataset_destroy(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minmax),
        cmocka_unit_test(test_standard),
        cmocka_unit_test(test_standard_offset),
        cmocka_unit_test(test_scale_only),
        cmocka_unit_test(test_scale_then_minmax),
        cmocka_unit_test(test_apply_other_set),
        cmocka_unit_test(test_tiny_spread),
        cmocka_unit_test(test_fit_uint8),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
