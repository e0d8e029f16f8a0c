/* test_idx.c -- IDX files: every element type (values, byte order, signs), uint8 kept or
 * converted, gzip, and hostile headers: every truncation of a small file, bad magic and types,
 * 0 or too many dimensions, zero and overflowing dimensions, sizes beyond the file, trailing
 * bytes, non-finite floats, damaged gzip, unreadable paths; each error with its exact byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "testutil.h"

static char path[NN_TEST_PATH_MAX]; /* the last file written */

/* ---------------------------------------------------------------- helpers */

/* Writes len bytes to a file of the temp directory, gzip-compressed when gz. */
static const char *write_file(const char *name, const void *data, size_t len, int gz)
{
    return nn_test_write(path, sizeof path, name, data, len, gz);
}

/* Reads bytes that must fail with exactly "PATH: " + after; the array stays empty. */
static void fails(const void *data, size_t len, int gz, const char *after)
{
    nn_test_read_fails(nn_idx_read, write_file(gz ? "bad.idx.gz" : "bad.idx", data, len, gz), after);
}

static void reads(const void *data, size_t len, int gz, int keep_u8, nn_array *a)
{
    nn_test_read_ok(nn_idx_read, write_file(gz ? "ok.idx.gz" : "ok.idx", data, len, gz), keep_u8, a);
}

/* ---------------------------------------------------------------- good files */

static void test_uint8_images(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {2, 2, 3};
    const unsigned char px[] = {0, 1, 2, 127, 128, 255, 9, 8, 7, 6, 5, 4};
    size_t len = nn_test_idx(buf, 0x08, 3, dims, px, sizeof px);
    for (int gz = 0; gz < 2; gz++) {
        nn_array a;
        reads(buf, len, gz, 1, &a);
        assert_int_equal(a.ndim, 3);
        assert_int_equal(a.dim[0], 2);
        assert_int_equal(a.dim[1], 2);
        assert_int_equal(a.dim[2], 3);
        assert_int_equal(a.count, 12);
        assert_int_equal(a.shape_offset, 4);
        assert_int_equal(a.data_offset, 16);
        assert_non_null(a.u8); /* kept as stored */
        assert_null(a.f32);
        assert_memory_equal(a.u8, px, sizeof px);
        nn_array_destroy(&a);
        assert_null(a.u8);

        reads(buf, len, gz, 0, &a); /* or converted */
        assert_null(a.u8);
        assert_non_null(a.f32);
        for (size_t i = 0; i < sizeof px; i++)
            assert_float_equal(a.f32[i], (float)px[i], 0);
        nn_array_destroy(&a);
    }
}

static void test_every_type(void **state)
{
    (void)state;
    unsigned char buf[128];
    const uint32_t dims[] = {3};
    const unsigned char i8[] = {0x00, 0x7F, 0x80}; /* 0, 127, -128 */
    const unsigned char i16[] = {0x01, 0x02, 0xFF, 0xFE, 0x80, 0x00}; /* 258, -2, -32768 */
    const unsigned char i32[] = {0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
                                 0x80, 0x00, 0x00, 0x00}; /* 65536, -1, -2^31 */
    const unsigned char f32[] = {0x3F, 0x80, 0x00, 0x00, 0xC0, 0x20, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x01}; /* 1, -2.5, the smallest subnormal */
    const unsigned char f64[] = {0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0xC0, 0x59, 0, 0, 0, 0, 0, 0,
                                 0x38, 0x10, 0, 0, 0, 0, 0, 0}; /* 1.5, -100, 2^-126 */
    const struct {
        unsigned char code;
        const unsigned char *data;
        size_t len;
        float want[3];
        const char *name;
    } cases[] = {
        {0x09, i8, sizeof i8, {0, 127, -128}, "int8"},
        {0x0B, i16, sizeof i16, {258, -2, -32768}, "int16"},
        {0x0C, i32, sizeof i32, {65536, -1, -2147483648.0f}, "int32"},
        {0x0D, f32, sizeof f32, {1, -2.5f, 1.40129846e-45f}, "float32"},
        {0x0E, f64, sizeof f64, {1.5f, -100, 1.17549435e-38f}, "float64"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t len = nn_test_idx(buf, cases[c].code, 1, dims, cases[c].data, cases[c].len);
        for (int gz = 0; gz < 2; gz++) {
            nn_array a;
            reads(buf, len, gz, 1, &a);
            assert_null(a.u8); /* only uint8 stays as stored */
            assert_non_null(a.f32);
            assert_string_equal(nn_elem_type_name(a.type), cases[c].name);
            for (int i = 0; i < 3; i++)
                assert_memory_equal(&a.f32[i], &cases[c].want[i], sizeof(float));
            nn_array_destroy(&a);
        }
    }
}

/* A file larger than one read chunk, so conversion crosses chunk boundaries. */
static void test_large_gzip(void **state)
{
    (void)state;
    size_t n = (1 << 20) / 4 + 3; /* a little more than one chunk of int32 */
    size_t len = 8 + 4 * n;
    unsigned char *buf = test_malloc(len);
    const uint32_t dims[] = {(uint32_t)n};
    nn_test_idx(buf, 0x0C, 1, dims, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(i * 7);
        buf[8 + 4 * i] = (unsigned char)(v >> 24);
        buf[8 + 4 * i + 1] = (unsigned char)(v >> 16);
        buf[8 + 4 * i + 2] = (unsigned char)(v >> 8);
        buf[8 + 4 * i + 3] = (unsigned char)v;
    }
    nn_array a;
    reads(buf, len, 1, 1, &a);
    assert_int_equal(a.count, n);
    for (size_t i = 0; i < n; i += 4099)
        assert_float_equal(a.f32[i], (float)(i * 7), 0);
    assert_float_equal(a.f32[n - 1], (float)((n - 1) * 7), 0);
    nn_array_destroy(&a);
    test_free(buf);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(nn_idx_sniff((const unsigned char *)"\0\0\x08\x03", 4));
    assert_false(nn_idx_sniff((const unsigned char *)"\0\0\x08\x03", 3));
    assert_false(nn_idx_sniff((const unsigned char *)"\0\0\x07\x03", 4));
    assert_false(nn_idx_sniff((const unsigned char *)"\0\0\x08\x00", 4));
    assert_false(nn_idx_sniff((const unsigned char *)"\0\0\x08\x09", 4));
    assert_false(nn_idx_sniff((const unsigned char *)"1,2,", 4));
}

/* ---------------------------------------------------------------- hostile headers */

/* Every proper prefix of a good file fails, plain and gzipped, with the place it ends. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {2, 3};
    const unsigned char px[] = {1, 2, 3, 4, 5, 6};
    size_t len = nn_test_idx(buf, 0x08, 2, dims, px, sizeof px);
    char want[256];
    for (int gz = 0; gz < 2; gz++) {
        for (size_t cut = 0; cut < len; cut++) {
            if (cut < 4)
                snprintf(want, sizeof want, "byte %zu: the file ends inside the header "
                         "(expected 4 bytes, got %zu)", cut, cut);
            else if (cut < 12)
                snprintf(want, sizeof want, "byte %zu: the file ends inside the dimensions "
                         "(expected 8 bytes, got %zu)", cut, cut - 4);
            else if (!gz)
                snprintf(want, sizeof want, "byte 12: the header announces 6 bytes of data "
                         "([2, 3] uint8), but the file holds only %zu more (a truncated "
                         "file?)", cut - 12);
            else
                snprintf(want, sizeof want, "byte %zu: the file ends inside the data: %zu of "
                         "6 elements of [2, 3] uint8 read (a truncated file?)", cut, cut - 12);
            fails(buf, cut, gz, want);
        }
    }
    nn_array a;
    reads(buf, len, 0, 1, &a); /* the whole file is fine */
    nn_array_destroy(&a);
}

static void test_bad_magic_type_ndim(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const unsigned char one = 1;
    size_t len = nn_test_idx(buf, 0x08, 1, dims, &one, 1);
    buf[0] = 0x1F; /* not gzip either: the second byte is not 0x8B */
    fails(buf, len, 0, "byte 0: bad magic 0x1F 0x00 (expected 0x00 0x00: an IDX file)");
    buf[0] = 0;
    buf[1] = 3;
    fails(buf, len, 1, "byte 0: bad magic 0x00 0x03 (expected 0x00 0x00: an IDX file)");
    buf[1] = 0;
    buf[2] = 0x0A;
    fails(buf, len, 0, "byte 2: unknown element type 0x0A (expected 0x08 uint8, 0x09 int8, "
                       "0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64)");
    buf[2] = 0x08;
    buf[3] = 0;
    fails(buf, len, 0, "byte 3: 0 dimensions (expected 1 to 8)");
    len = nn_test_idx(buf, 0x08, 9, dims, &one, 1);
    fails(buf, len, 1, "byte 3: 9 dimensions (expected 1 to 8)");
    buf[3] = 255;
    fails(buf, len, 0, "byte 3: 255 dimensions (expected 1 to 8)");
}

static void test_zero_and_huge_dims(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t zero_first[] = {0, 28, 28};
    const uint32_t zero_last[] = {5, 28, 0};
    size_t len = nn_test_idx(buf, 0x08, 3, zero_first, NULL, 0);
    fails(buf, len, 0, "byte 4: dimension 1 is 0 (expected at least 1: an array with no "
                       "elements holds no samples)");
    len = nn_test_idx(buf, 0x08, 3, zero_last, NULL, 0);
    fails(buf, len, 1, "byte 12: dimension 3 is 0 (expected at least 1: an array with no "
                       "elements holds no samples)");

    /* 65536^3 overflows nothing on 64 bits but is far beyond 2^31 elements; 2^32-1 to the 8th
     * overflows size_t itself */
    const uint32_t big[] = {65536, 65536, 65536};
    len = nn_test_idx(buf, 0x0E, 3, big, NULL, 0);
    fails(buf, len, 0, "byte 4: shape [65536, 65536, 65536] holds more than 2147483648 elements "
                       "(expected at most 2147483648)");
    const uint32_t max[] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
                            UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    len = nn_test_idx(buf, 0x08, 8, max, NULL, 0);
    fails(buf, len, 1, "byte 4: shape [4294967295, 4294967295, 4294967295, 4294967295, "
                       "4294967295, 4294967295, 4294967295, 4294967295] holds more than "
                       "2147483648 elements (expected at most 2147483648)");
    /* exactly 2^31 elements is allowed by the header check, then refused by the file size */
    const uint32_t limit[] = {32768, 65536};
    len = nn_test_idx(buf, 0x08, 2, limit, "ab", 2);
    fails(buf, len, 0, "byte 12: the header announces 2147483648 bytes of data ([32768, 65536] "
                       "uint8), but the file holds only 2 more (a truncated file?)");
}

/* A compressed file cannot be sized up front: the data is read as it comes, so a header
 * claiming a gigabyte over a few bytes costs an error, not a gigabyte. */
static void test_dims_beyond_the_data(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {60000, 28, 28};
    size_t len = nn_test_idx(buf, 0x08, 3, dims, "0123456789", 10);
    fails(buf, len, 0, "byte 16: the header announces 47040000 bytes of data ([60000, 28, 28] "
                       "uint8), but the file holds only 10 more (a truncated file?)");
    fails(buf, len, 1, "byte 26: the file ends inside the data: 10 of 47040000 elements of "
                       "[60000, 28, 28] uint8 read (a truncated file?)");
    const uint32_t huge[] = {1u << 31};
    len = nn_test_idx(buf, 0x0E, 1, huge, "01234567", 8);
    fails(buf, len, 1, "byte 16: the file ends inside the data: 1 of 2147483648 elements of "
                       "[2147483648] float64 read (a truncated file?)");
    fails(buf, len, 0, "byte 8: the header announces 17179869184 bytes of data ([2147483648] "
                       "float64), but the file holds only 8 more (a truncated file?)");
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {2};
    size_t len = nn_test_idx(buf, 0x08, 1, dims, "\1\2\3", 3);
    fails(buf, len, 0, "byte 10: 1 bytes after the data (expected the file to end after 2 "
                       "bytes of [2] uint8)");
    fails(buf, len, 1, "byte 10: more bytes after the data (expected the file to end after 2 "
                       "bytes of [2] uint8)");
}

static void test_non_finite(void **state)
{
    (void)state;
    unsigned char buf[64];
    const uint32_t dims[] = {3};
    const unsigned char nan[] = {0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0, 0, 0, 0, 0};
    size_t len = nn_test_idx(buf, 0x0D, 1, dims, nan, sizeof nan);
    fails(buf, len, 0, "byte 12: value nan at element 1 is not a finite float32 (expected "
                       "finite numbers below 3.40282e+38)");
    const unsigned char inf[] = {0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xF0, 0, 0, 0, 0, 0, 0};
    const uint32_t two[] = {2};
    len = nn_test_idx(buf, 0x0E, 1, two, inf, sizeof inf);
    fails(buf, len, 1, "byte 16: value -inf at element 1 is not a finite float32 (expected "
                       "finite numbers below 3.40282e+38)");
    const unsigned char big[] = {0x47, 0xEF, 0xFF, 0xFF, 0xE0, 0, 0, 1}; /* above FLT_MAX */
    const uint32_t one[] = {1};
    len = nn_test_idx(buf, 0x0E, 1, one, big, sizeof big);
    fails(buf, len, 0, "byte 8: value 3.40282e+38 at element 0 is not a finite float32 "
                       "(expected finite numbers below 3.40282e+38)");
}

static void test_io_errors(void **state)
{
    (void)state;
    nn_array a;
    nn_err err = {{0}};
    char p[NN_TEST_PATH_MAX];
    snprintf(p, sizeof p, "%s/missing.idx", nn_test_dir());
    assert_int_equal(nn_idx_read(p, 1, &a, &err), -1);
    assert_non_null(strstr(err.msg, "missing.idx: cannot open: No such file or directory"));
    assert_int_equal(nn_idx_read(nn_test_dir(), 1, &a, &err), -1);
    char want[NN_TEST_PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: is a directory (expected a data file)", nn_test_dir());
    assert_string_equal(err.msg, want);

    /* a gzip header followed by garbage */
    const unsigned char junk[] = {0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const char *bad = write_file("junk.idx.gz", junk, sizeof junk, 0);
    assert_int_equal(nn_idx_read(bad, 1, &a, &err), -1);
    assert_non_null(strstr(err.msg, "byte 0: cannot decompress: "));
    assert_null(a.u8);

    /* a gzip stream cut short */
    unsigned char buf[64];
    const uint32_t dims[] = {4};
    size_t len = nn_test_idx(buf, 0x08, 1, dims, "abcd", 4);
    write_file("whole.idx.gz", buf, len, 1);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char gz[256];
    size_t glen = fread(gz, 1, sizeof gz, f);
    fclose(f);
    assert_true(glen > 12);
    bad = write_file("cut.idx.gz", gz, glen - 6, 0);
    assert_int_equal(nn_idx_read(bad, 1, &a, &err), -1);
    assert_non_null(strstr(err.msg, "the compressed data ends early"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint8_images),
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_large_gzip),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_magic_type_ndim),
        cmocka_unit_test(test_zero_and_huge_dims),
        cmocka_unit_test(test_dims_beyond_the_data),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_io_errors),
    };
    return cmocka_run_group_tests(tests, nn_test_dir_setup, nn_test_dir_teardown);
}
