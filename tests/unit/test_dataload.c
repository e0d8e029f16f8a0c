/* test_dataload.c -- choosing the loader by content (not by name), IDX and npy inputs with
 * their labels files, and the checks that tie them together: values per sample against the
 * model's input, label counts against sample counts, label shapes, and labels where none can
 * go (CSV) or where they are missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataload.h"
#include "testutil.h"
#include "xalloc.h"

/* ---------------------------------------------------------------- helpers */

/* An IDX file of uint8 with the given dims and data. */
static const char *write_idx(char *out, size_t size, const char *name, int ndim,
                             const uint32_t *dims, const unsigned char *data, size_t len, int gz)
{
    unsigned char buf[512];
    assert_true(4 + 4 * (size_t)ndim + len <= sizeof buf);
    size_t n = nn_test_idx(buf, 0x08, ndim, dims, data, len);
    return nn_test_write(out, size, name, buf, n, gz);
}

/* A version 1 .npy file with the given dict (padded to 64 bytes) and data. */
static const char *write_npy(char *out, size_t size, const char *name, const char *dict,
                             const void *data, size_t len)
{
    unsigned char buf[512];
    size_t dl = strlen(dict), hlen = (10 + dl + 1 + 63) / 64 * 64 - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)hlen;
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, dl);
    memset(buf + 10 + dl, ' ', hlen - dl - 1);
    buf[10 + hlen - 1] = '\n';
    memcpy(buf + 10 + hlen, data, len);
    return nn_test_write(out, size, name, buf, 10 + hlen + len, 0);
}

static nn_data_opts opts(nn_target_mode mode, int expect_nx, int ndim, int d0, int d1, int d2)
{
    nn_data_opts o;
    memset(&o, 0, sizeof o);
    o.csv.header = NN_HEADER_AUTO;
    o.csv.target_index = -1;
    o.csv.target_mode = mode;
    o.csv.expect_nx = expect_nx;
    o.input.ndim = ndim;
    o.input.dim[0] = d0;
    o.input.dim[1] = d1;
    o.input.dim[2] = d2;
    o.labels_key = "data.train_labels";
    return o;
}

static void read_fails(const char *p, const char *labels, const nn_data_opts *o,
                       const char *want)
{
    nn_dataset ds;
    nn_err err = {{0}};
    assert_int_equal(nn_data_read(p, labels, o, &ds, &err), -1);
    assert_string_equal(err.msg, want);
    assert_null(ds.x);
    assert_null(ds.x8);
    assert_null(ds.y);
    assert_null(ds.source);
    assert_null(ds.ysource);
}

static const unsigned char pixels[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255};
static const uint32_t images_dims[] = {3, 2, 2};
static const unsigned char labels3[] = {2, 0, 1};

/* ---------------------------------------------------------------- tests */

/* The name says CSV, the bytes say IDX (and the other way round): the bytes win. */
static void test_format_by_content(void **state)
{
    (void)state;
    char p[128];
    nn_data_format fmt;
    nn_err err = {{0}};
    write_idx(p, sizeof p, "images.csv", 3, images_dims, pixels, sizeof pixels, 0);
    assert_int_equal(nn_data_format_of(p, &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_IDX);
    write_idx(p, sizeof p, "images.idx", 3, images_dims, pixels, sizeof pixels, 1);
    assert_int_equal(nn_data_format_of(p, &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_IDX);
    write_npy(p, sizeof p, "a.idx", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
              "\0\0\0\0", 4);
    assert_int_equal(nn_data_format_of(p, &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_NPY);
    nn_test_write(p, sizeof p, "x.npy", "1,2\n3,4\n", 8, 1);
    assert_int_equal(nn_data_format_of(p, &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_CSV);
    nn_test_write(p, sizeof p, "one.idx", "\0", 1, 0); /* too short to be anything but CSV */
    assert_int_equal(nn_data_format_of(p, &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_CSV);
    assert_int_equal(nn_data_format_of("-", &fmt, &err), 0);
    assert_int_equal(fmt, NN_DATA_CSV);
    snprintf(p, sizeof p, "%s/none", nn_test_dir());
    assert_int_equal(nn_data_format_of(p, &fmt, &err), -1);
    assert_non_null(strstr(err.msg, "none: cannot open: No such file or directory"));
}

static void test_idx_images_and_labels(void **state)
{
    (void)state;
    char img[128], lab[128];
    nn_dataset ds;
    nn_err err = {{0}};
    write_idx(img, sizeof img, "images.bin", 3, images_dims, pixels, sizeof pixels, 1);
    const uint32_t ldims[] = {3};
    write_idx(lab, sizeof lab, "labels.bin", 1, ldims, labels3, 3, 0);
    nn_data_opts o = opts(NN_TARGET_REQUIRED, 4, 3, 1, 2, 2);
    assert_int_equal(nn_data_read(img, lab, &o, &ds, &err), 0);
    assert_int_equal(ds.n, 3);
    assert_int_equal(ds.nx, 4);
    assert_int_equal(ds.ny, 1);
    assert_int_equal(ds.xtype, NN_X_U8); /* kept as stored */
    assert_null(ds.x);
    assert_memory_equal(ds.x8, pixels, sizeof pixels);
    assert_float_equal(ds.y[0], 2.0f, 0);
    assert_float_equal(ds.y[2], 1.0f, 0);
    assert_string_equal(ds.source, img);
    assert_string_equal(ds.ysource, lab);
    assert_null(ds.line);
    char where[256], want[256];
    nn_dataset_where(&ds, 1, where, sizeof where);
    snprintf(want, sizeof want, "%s: row 2", lab); /* targets are named in their own file */
    assert_string_equal(where, want);

    float xb[8], yb[2];
    size_t idx[] = {2, 0};
    nn_dataset_gather(&ds, idx, 2, xb, yb);
    assert_float_equal(xb[0], 80.0f, 0);
    assert_float_equal(xb[3], 255.0f, 0);
    assert_float_equal(xb[5], 10.0f, 0);
    assert_float_equal(yb[0], 1.0f, 0);
    assert_float_equal(yb[1], 2.0f, 0);
    nn_dataset_destroy(&ds);

    /* predicting needs no labels */
    o = opts(NN_TARGET_OPTIONAL, 4, 1, 4, 0, 0);
    assert_int_equal(nn_data_read(img, NULL, &o, &ds, &err), 0);
    assert_int_equal(ds.ny, 0);
    assert_null(ds.y);
    assert_null(ds.ysource);
    nn_dataset_destroy(&ds);
}

static void test_npy_inputs_and_one_hot(void **state)
{
    (void)state;
    char x[128], y[128];
    nn_dataset ds;
    nn_err err = {{0}};
    const float xv[] = {0.5f, -1.0f, 2.0f, 4.0f};
    write_npy(x, sizeof x, "x.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}",
              xv, sizeof xv); /* little-endian floats: this test runs on little-endian hosts */
    const unsigned char one_hot[] = {0, 1, 0, 1, 0, 0};
    write_npy(y, sizeof y, "y.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)}",
              one_hot, sizeof one_hot);
    nn_data_opts o = opts(NN_TARGET_REQUIRED, 2, 1, 2, 0, 0);
    assert_int_equal(nn_data_read(x, y, &o, &ds, &err), 0);
    assert_int_equal(ds.xtype, NN_X_F32);
    assert_int_equal(ds.nx, 2);
    assert_int_equal(ds.ny, 3);
    assert_memory_equal(ds.x, xv, sizeof xv);
    assert_float_equal(ds.y[1], 1.0f, 0);
    assert_float_equal(ds.y[3], 1.0f, 0);
    nn_dataset_destroy(&ds);

    /* a 1-D input file: one value per sample */
    write_npy(x, sizeof x, "x1.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,)}",
              "\x05\0\0\0\0\0\0\0\xfb\xff\xff\xff\xff\xff\xff\xff", 16);
    o = opts(NN_TARGET_NONE, 1, 1, 1, 0, 0);
    assert_int_equal(nn_data_read(x, NULL, &o, &ds, &err), 0);
    assert_int_equal(ds.nx, 1);
    assert_float_equal(ds.x[1], -5.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_csv_still_reads(void **state)
{
    (void)state;
    char p[128];
    nn_dataset ds;
    nn_err err = {{0}};
    nn_test_write(p, sizeof p, "t.idx", "a,b,y\n1,2,0\n3,4,1\n", 18, 1);
    nn_data_opts o = opts(NN_TARGET_REQUIRED, 2, 1, 2, 0, 0);
    assert_int_equal(nn_data_read(p, NULL, &o, &ds, &err), 0);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.xtype, NN_X_F32);
    assert_float_equal(ds.x[2], 3.0f, 0);
    assert_int_equal(ds.line[1], 3);
    nn_dataset_destroy(&ds);

    char want[512], lab[128];
    const uint32_t ldims[] = {2};
    write_idx(lab, sizeof lab, "l.idx", 1, ldims, labels3, 2, 0);
    snprintf(want, sizeof want, "%s: a CSV file carries its own target column (expected no "
             "labels file, here %s, or IDX or npy inputs)", p, lab);
    read_fails(p, lab, &o, want);
}

static void test_shape_against_the_model(void **state)
{
    (void)state;
    char img[128], want[512];
    write_idx(img, sizeof img, "images.idx", 3, images_dims, pixels, sizeof pixels, 0);
    nn_data_opts o = opts(NN_TARGET_OPTIONAL, 784, 3, 1, 28, 28);
    snprintf(want, sizeof want, "%s: byte 4: each sample has shape [2, 2] (4 values), but the "
             "model's input [1, 28, 28] takes 784 (expected the same number of values per "
             "sample)", img);
    read_fails(img, NULL, &o, want);
    o = opts(NN_TARGET_OPTIONAL, 5, 0, 0, 0, 0);
    snprintf(want, sizeof want, "%s: byte 4: each sample has shape [2, 2] (4 values), but the "
             "model's input 5 takes 5 (expected the same number of values per sample)", img);
    read_fails(img, NULL, &o, want);
}

static void test_labels_that_do_not_fit(void **state)
{
    (void)state;
    char img[128], lab[128], want[512];
    write_idx(img, sizeof img, "images.idx", 3, images_dims, pixels, sizeof pixels, 0);
    nn_data_opts o = opts(NN_TARGET_REQUIRED, 4, 1, 4, 0, 0);

    const uint32_t two[] = {2};
    write_idx(lab, sizeof lab, "few.idx", 1, two, labels3, 2, 1);
    snprintf(want, sizeof want, "%s: byte 4: 2 labels, but %s holds 3 samples (expected one "
             "label per sample)", lab, img);
    read_fails(img, lab, &o, want);

    const uint32_t four[] = {4};
    write_idx(lab, sizeof lab, "many.idx", 1, four, pixels, 4, 0);
    snprintf(want, sizeof want, "%s: byte 4: 4 labels, but %s holds 3 samples (expected one "
             "label per sample)", lab, img);
    read_fails(img, lab, &o, want);

    const uint32_t cube[] = {3, 1, 1};
    write_idx(lab, sizeof lab, "cube.idx", 3, cube, labels3, 3, 0);
    snprintf(want, sizeof want, "%s: byte 4: labels of shape [3, 1, 1] (expected [N] class "
             "indices or targets, or [N, K] one-hot rows or targets)", lab);
    read_fails(img, lab, &o, want);

    nn_test_write(lab, sizeof lab, "labels.csv", "2\n0\n1\n", 6, 0);
    snprintf(want, sizeof want, "%s: not an IDX or npy file (expected the labels of %s as an IDX "
             "or npy array)", lab, img);
    read_fails(img, lab, &o, want);

    snprintf(want, sizeof want, "%s: no labels for these IDX inputs (an IDX file holds inputs "
             "only: expected a labels file given by data.train_labels)", img);
    read_fails(img, NULL, &o, want);

    write_idx(lab, sizeof lab, "bad.idx", 1, two, labels3, 1, 0); /* a broken labels file */
    snprintf(want, sizeof want, "%s: byte 8: the header announces 2 bytes of data ([2] uint8), "
             "but the file holds only 1 more (a truncated file?)", lab);
    read_fails(img, lab, &o, want);
}

static void test_opts_from_spec(void **state)
{
    (void)state;
    nn_spec s;
    memset(&s, 0, sizeof s);
    s.input.ndim = 3;
    s.input.dim[0] = 1;
    s.input.dim[1] = 28;
    s.input.dim[2] = 28;
    s.data.header = NN_HEADER_NO;
    s.data.target_index = 3;
    nn_data_opts o = nn_data_opts_from_spec(&s, NN_TARGET_OPTIONAL, 784, "--labels");
    assert_int_equal(o.csv.header, NN_HEADER_NO);
    assert_int_equal(o.csv.target_index, 3);
    assert_int_equal(o.csv.target_mode, NN_TARGET_OPTIONAL);
    assert_int_equal(o.csv.expect_nx, 784);
    assert_int_equal(o.input.ndim, 3);
    assert_int_equal(o.input.dim[2], 28);
    assert_string_equal(o.labels_key, "--labels");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_by_content),
        cmocka_unit_test(test_idx_images_and_labels),
        cmocka_unit_test(test_npy_inputs_and_one_hot),
        cmocka_unit_test(test_csv_still_reads),
        cmocka_unit_test(test_shape_against_the_model),
        cmocka_unit_test(test_labels_that_do_not_fit),
        cmocka_unit_test(test_opts_from_spec),
    };
    return cmocka_run_group_tests(tests, nn_test_dir_setup, nn_test_dir_teardown);
}
