/* test_data.c -- nn_dataset: splits (sizes, determinism, disjoint and covering parts, errors,
 * uint8 storage, column names), gathering batches (float and uint8 storage, with scale and
 * normalisation giving the same floats either way), naming rows, and freeing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "data.h"
#include "preprocess.h"
#include "xalloc.h"

/* n rows of 2 inputs (r, r + 0.5) and 1 target (r), read from "f.csv" lines r + 2. */
static void make(nn_dataset *ds, size_t n, int with_lines)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->nx = 2;
    ds->ny = 1;
    ds->x = nn_alloc(n, 2 * sizeof(float), NULL);
    ds->y = nn_alloc(n, sizeof(float), NULL);
    ds->line = with_lines ? nn_alloc(n, sizeof(size_t), NULL) : NULL;
    ds->source = nn_strdup("f.csv", NULL);
    assert_non_null(ds->x);
    assert_non_null(ds->y);
    assert_non_null(ds->source);
    for (size_t r = 0; r < n; r++) {
        ds->x[r * 2] = (float)r;
        ds->x[r * 2 + 1] = (float)r + 0.5f;
        ds->y[r] = (float)r;
        if (with_lines)
            ds->line[r] = r + 2;
    }
}

/* Every row of part is intact (x, y and line agree) and marks its original index in seen. */
static void check_part(const nn_dataset *part, int *seen, size_t n)
{
    assert_non_null(part->x);
    assert_non_null(part->y);
    assert_string_equal(part->source, "f.csv");
    assert_int_equal(part->nx, 2);
    assert_int_equal(part->ny, 1);
    for (size_t i = 0; i < part->n; i++) {
        size_t r = (size_t)part->y[i];
        assert_true(r < n);
        assert_float_equal(part->x[i * 2], (float)r, 0);
        assert_float_equal(part->x[i * 2 + 1], (float)r + 0.5f, 0);
        if (part->line)
            assert_int_equal(part->line[i], r + 2);
        seen[r]++;
    }
}

static void test_split_sizes_and_cover(void **state)
{
    (void)state;
    size_t n = 100;
    nn_dataset all, train, val;
    nn_rng rng;
    nn_err err = {{0}};
    int seen[100] = {0};
    make(&all, n, 1);
    nn_rng_seed(&rng, 42);
    assert_int_equal(nn_dataset_split(&all, 0.2, &rng, &train, &val, &err), 0);
    assert_int_equal(val.n, 20);
    assert_int_equal(train.n, 80);
    assert_null(all.x); /* emptied */
    assert_null(all.source);
    assert_int_equal(all.n, 0);
    assert_non_null(train.line);
    check_part(&train, seen, n);
    check_part(&val, seen, n);
    for (size_t r = 0; r < n; r++)
        assert_int_equal(seen[r], 1);
    /* the source strings are separate copies */
    assert_ptr_not_equal(train.source, val.source);

    /* shuffled: the validation rows are not simply the first or the last 20 */
    int in_order = 1;
    for (size_t i = 1; i < val.n; i++)
        if (val.y[i] != val.y[i - 1] + 1.0f)
            in_order = 0;
    assert_false(in_order);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);
}

/* Both parts of a split carry their own copy of the input column names. */
static void test_split_keeps_names(void **state)
{
    (void)state;
    nn_dataset all, train, val;
    nn_rng rng;
    nn_err err = {{0}};
    make(&all, 10, 0);
    all.xnames = nn_alloc(2, sizeof *all.xnames, NULL);
    assert_non_null(all.xnames);
    all.xnames[0] = nn_strdup("petal_width", NULL);
    all.xnames[1] = nn_strdup("", NULL);
    nn_rng_seed(&rng, 1);
    assert_int_equal(nn_dataset_split(&all, 0.5, &rng, &train, &val, &err), 0);
    assert_null(all.xnames);
    const nn_dataset *parts[] = {&train, &val};
    for (int p = 0; p < 2; p++) {
        assert_non_null(parts[p]->xnames);
        assert_string_equal(parts[p]->xnames[0], "petal_width");
        assert_string_equal(parts[p]->xnames[1], "");
    }
    assert_ptr_not_equal(train.xnames[0], val.xnames[0]);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);

    /* without names, none appear */
    make(&all, 10, 0);
    assert_int_equal(nn_dataset_split(&all, 0.5, &rng, &train, &val, &err), 0);
    assert_null(train.xnames);
    assert_null(val.xnames);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);
}

static void test_split_rounding(void **state)
{
    (void)state;
    nn_dataset all, train, val;
    nn_rng rng;
    nn_err err = {{0}};
    nn_rng_seed(&rng, 1);

    make(&all, 10, 0);
    assert_int_equal(nn_dataset_split(&all, 0.25, &rng, &train, &val, &err), 0);
    assert_int_equal(val.n, 3); /* round(2.5) */
    assert_int_equal(train.n, 7);
    assert_null(train.line);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);

    make(&all, 10, 0);
    assert_int_equal(nn_dataset_split(&all, 0.01, &rng, &train, &val, &err), 0);
    assert_int_equal(val.n, 1); /* at least one */
    assert_int_equal(train.n, 9);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);

    make(&all, 2, 0);
    assert_int_equal(nn_dataset_split(&all, 0.5, &rng, &train, &val, &err), 0);
    assert_int_equal(val.n, 1);
    assert_int_equal(train.n, 1);
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);
}

static void test_split_deterministic(void **state)
{
    (void)state;
    nn_dataset a, b, c, ta, va, tb, vb, tc, vc;
    nn_rng r1, r2, r3;
    nn_err err = {{0}};
    make(&a, 50, 1);
    make(&b, 50, 1);
    make(&c, 50, 1);
    nn_rng_seed(&r1, 7);
    nn_rng_seed(&r2, 7);
    nn_rng_seed(&r3, 8);
    assert_int_equal(nn_dataset_split(&a, 0.3, &r1, &ta, &va, &err), 0);
    assert_int_equal(nn_dataset_split(&b, 0.3, &r2, &tb, &vb, &err), 0);
    assert_int_equal(nn_dataset_split(&c, 0.3, &r3, &tc, &vc, &err), 0);
    assert_int_equal(va.n, 15);
    assert_memory_equal(va.x, vb.x, va.n * 2 * sizeof(float));
    assert_memory_equal(ta.x, tb.x, ta.n * 2 * sizeof(float));
    assert_memory_equal(va.line, vb.line, va.n * sizeof(size_t));
    assert_true(memcmp(va.y, vc.y, va.n * sizeof(float)) != 0);
    nn_dataset *parts[] = {&ta, &va, &tb, &vb, &tc, &vc};
    for (size_t i = 0; i < 6; i++)
        nn_dataset_destroy(parts[i]);
}

static void test_split_errors(void **state)
{
    (void)state;
    nn_dataset all, train, val;
    nn_rng rng;
    nn_err err = {{0}};
    nn_rng_seed(&rng, 1);
    make(&all, 10, 1);

    assert_int_equal(nn_dataset_split(&all, 0.96, &rng, &train, &val, &err), -1);
    assert_string_equal(err.msg, "f.csv: cannot hold out a validation fraction of 0.96 from 10 "
                                 "rows (expected at least one row left on each side)");
    assert_null(train.x);
    assert_null(val.x);
    assert_int_equal(all.n, 10); /* left as it was */
    assert_non_null(all.x);

    assert_int_equal(nn_dataset_split(&all, 0.0, &rng, &train, &val, &err), -1);
    assert_string_equal(err.msg, "f.csv: validation fraction 0 is out of range (expected more "
                                 "than 0 and less than 1)");
    assert_int_equal(nn_dataset_split(&all, 1.0, &rng, &train, &val, &err), -1);
    assert_int_equal(nn_dataset_split(&all, NAN, &rng, &train, &val, &err), -1);
    nn_dataset_destroy(&all);

    make(&all, 1, 1);
    assert_int_equal(nn_dataset_split(&all, 0.5, &rng, &train, &val, &err), -1);
    assert_string_equal(err.msg, "f.csv: cannot hold out a validation fraction of 0.5 from 1 "
                                 "rows (expected at least one row left on each side)");
    nn_dataset_destroy(&all);
}

static void test_gather(void **state)
{
    (void)state;
    nn_dataset ds;
    make(&ds, 6, 1);
    size_t idx[] = {4, 0, 4};
    float xb[6], yb[3];
    memset(xb, 0xFF, sizeof xb);
    nn_dataset_gather(&ds, idx, 3, xb, yb);
    const float wantx[] = {4.0f, 4.5f, 0.0f, 0.5f, 4.0f, 4.5f};
    const float wanty[] = {4.0f, 0.0f, 4.0f};
    assert_memory_equal(xb, wantx, sizeof xb);
    assert_memory_equal(yb, wanty, sizeof yb);

    /* no target buffer: only x is written */
    float xonly[2] = {0};
    nn_dataset_gather(&ds, idx + 1, 1, xonly, NULL);
    assert_float_equal(xonly[1], 0.5f, 0);
    nn_dataset_destroy(&ds);
}

/* The same pixels stored as uint8 and as float: n rows of nx values. */
static void make_pair(nn_dataset *u8, nn_dataset *f32, size_t n, int nx)
{
    memset(u8, 0, sizeof *u8);
    memset(f32, 0, sizeof *f32);
    u8->n = f32->n = n;
    u8->nx = f32->nx = nx;
    u8->xtype = NN_X_U8;
    u8->x8 = nn_alloc(n, (size_t)nx, NULL);
    f32->x = nn_alloc(n, (size_t)nx * sizeof(float), NULL);
    u8->source = nn_strdup("images.idx", NULL);
    f32->source = nn_strdup("images.csv", NULL);
    assert_non_null(u8->x8);
    assert_non_null(f32->x);
    for (size_t k = 0; k < n * (size_t)nx; k++) {
        unsigned char v = (unsigned char)((k * 37 + k / 5) % 256);
        if (k % 11 == 0)
            v = 255;
        u8->x8[k] = v;
        f32->x[k] = (float)v;
    }
}

/* uint8 storage gathers exactly the floats float storage gives, with no preprocessing, with
 * scale alone (1/255: the Fashion-MNIST case), and with minmax and standard statistics fitted
 * on either copy (the fits agree too). The stored values never change. */
static void test_gather_u8_like_f32(void **state)
{
    (void)state;
    enum { N = 40, NX = 6 };
    nn_dataset u8, f32;
    make_pair(&u8, &f32, N, NX);
    size_t idx[N];
    for (size_t i = 0; i < N; i++)
        idx[i] = (i * 7) % N;
    float a[N * NX], b[N * NX], c[N * NX];
    nn_dataset_gather(&u8, idx, N, a, NULL);
    nn_dataset_gather(&f32, idx, N, b, NULL);
    assert_memory_equal(a, b, sizeof a);
    assert_float_equal(a[0], 255.0f, 0);

    const double scales[] = {1.0, 0.00392156862745098, 2.5};
    const nn_norm kinds[] = {NN_NORM_NONE, NN_NORM_MINMAX, NN_NORM_STANDARD};
    for (size_t s = 0; s < 3; s++) {
        for (size_t k = 0; k < 3; k++) {
            nn_prep pu, pf;
            nn_err err = {{0}};
            assert_int_equal(nn_prep_fit(&pu, scales[s], kinds[k], &u8, &err), 0);
            assert_int_equal(nn_prep_fit(&pf, scales[s], kinds[k], &f32, &err), 0);
            if (kinds[k] != NN_NORM_NONE) {
                assert_memory_equal(pu.shift, pf.shift, NX * sizeof(float));
                assert_memory_equal(pu.mul, pf.mul, NX * sizeof(float));
            }
            nn_prep_attach(&pu, &u8);
            nn_prep_attach(&pf, &f32);
            nn_dataset_gather(&u8, idx, N, a, NULL);
            nn_dataset_gather(&f32, idx, N, b, NULL);
            assert_memory_equal(a, b, sizeof a);
            /* and the same as rewriting a float copy in place, the way it used to be done */
            nn_dataset plain, unused;
            make_pair(&unused, &plain, N, NX);
            nn_dataset_destroy(&unused);
            nn_prep_apply(&pf, &plain);
            for (size_t i = 0; i < N; i++)
                memcpy(c + i * NX, plain.x + idx[i] * NX, NX * sizeof(float));
            assert_memory_equal(a, c, sizeof a);
            nn_dataset_destroy(&plain);
            if (kinds[k] == NN_NORM_MINMAX) /* the training range maps onto [0, 1] */
                for (size_t j = 0; j < N * NX; j++)
                    assert_true(a[j] >= -1e-6f && a[j] <= 1.0f + 1e-6f);
            u8.prep = NULL;
            f32.prep = NULL;
            nn_prep_destroy(&pu);
            nn_prep_destroy(&pf);
        }
    }
    assert_int_equal(u8.x8[0], 255); /* untouched by all of it */
    assert_float_equal(f32.x[0], 255.0f, 0);
    nn_dataset_destroy(&u8);
    nn_dataset_destroy(&f32);
}

static void test_split_u8(void **state)
{
    (void)state;
    nn_dataset all, f, train, val;
    nn_rng rng;
    nn_err err = {{0}};
    make_pair(&all, &f, 20, 3);
    nn_dataset_destroy(&f);
    all.ny = 1;
    all.y = nn_alloc(20, sizeof(float), NULL);
    all.ysource = nn_strdup("labels.idx", NULL);
    assert_non_null(all.y);
    for (size_t r = 0; r < 20; r++)
        all.y[r] = (float)r;
    unsigned char copy[60];
    memcpy(copy, all.x8, sizeof copy);
    nn_rng_seed(&rng, 3);
    assert_int_equal(nn_dataset_split(&all, 0.25, &rng, &train, &val, &err), 0);
    assert_null(all.x8);
    assert_null(all.ysource);
    nn_dataset *parts[] = {&train, &val};
    for (int p = 0; p < 2; p++) {
        assert_int_equal(parts[p]->xtype, NN_X_U8);
        assert_null(parts[p]->x);
        assert_string_equal(parts[p]->ysource, "labels.idx");
        for (size_t i = 0; i < parts[p]->n; i++) {
            size_t r = (size_t)parts[p]->y[i];
            assert_memory_equal(parts[p]->x8 + i * 3, copy + r * 3, 3);
        }
    }
    assert_int_equal(val.n, 5);
    char buf[64];
    nn_dataset_where(&val, 0, buf, sizeof buf);
    assert_string_equal(buf, "labels.idx: row 1");
    assert_string_equal(nn_dataset_ysource(&val), "labels.idx");
    nn_dataset_destroy(&train);
    nn_dataset_destroy(&val);
}

static void test_where(void **state)
{
    (void)state;
    nn_dataset ds;
    char buf[64];
    make(&ds, 3, 1);
    nn_dataset_where(&ds, 1, buf, sizeof buf);
    assert_string_equal(buf, "f.csv:3");
    nn_free(ds.line);
    ds.line = NULL;
    nn_dataset_where(&ds, 1, buf, sizeof buf);
    assert_string_equal(buf, "f.csv: row 2");
    char tiny[6];
    nn_dataset_where(&ds, 1, tiny, sizeof tiny);
    assert_string_equal(tiny, "f.csv");
    nn_dataset_destroy(&ds);
}

static void test_destroy(void **state)
{
    (void)state;
    nn_dataset ds;
    make(&ds, 3, 1);
    nn_dataset_destroy(&ds);
    assert_null(ds.x);
    assert_null(ds.y);
    assert_null(ds.line);
    assert_null(ds.source);
    assert_int_equal(ds.n, 0);
    nn_dataset_destroy(&ds); /* twice is harmless */
    nn_dataset_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_sizes_and_cover),
        cmocka_unit_test(test_split_keeps_names),
        cmocka_unit_test(test_split_rounding),
        cmocka_unit_test(test_split_deterministic),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_gather_u8_like_f32),
        cmocka_unit_test(test_split_u8),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
