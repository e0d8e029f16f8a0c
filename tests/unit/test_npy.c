/* test_npy.c -- NumPy .npy files: versions 1 to 3, every accepted dtype in both byte orders,
 * uint8 kept or converted, gzip, the dict syntax NumPy writes (and Python 2's), and hostile
 * headers: every truncation of a small file, bad magic, version and length, garbage in the
 * dict, unsupported dtypes, fortran order, empty and overflowing shapes, sizes beyond the file;
 * each error with its exact byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "testutil.h"

static char path[NN_TEST_PATH_MAX]; /* the last file written */

/* ---------------------------------------------------------------- helpers */

/* Writes len bytes to a file of the temp directory, gzip-compressed when gz. */
static const char *write_file(const char *name, const void *data, size_t len, int gz)
{
    return nn_test_write(path, sizeof path, name, data, len, gz);
}

/* A .npy file in buf with the header bytes exactly as given (hlen of them), then the data.
 * The header starts at byte 10 for version 1, 12 for versions 2 and 3. */
static size_t raw(unsigned char *buf, int major, const char *header, size_t hlen,
                  const void *data, size_t len)
{
    size_t k = 0;
    memcpy(buf, "\x93NUMPY", 6);
    k = 6;
    buf[k++] = (unsigned char)major;
    buf[k++] = 0;
    buf[k++] = (unsigned char)hlen;
    buf[k++] = (unsigned char)(hlen >> 8);
    if (major > 1) {
        buf[k++] = (unsigned char)(hlen >> 16);
        buf[k++] = (unsigned char)(hlen >> 24);
    }
    memcpy(buf + k, header, hlen);
    k += hlen;
    if (len)
        memcpy(buf + k, data, len);
    return k + len;
}

/* As NumPy writes it: the dict padded with spaces and a newline to a multiple of 64 bytes. */
static size_t npy(unsigned char *buf, int major, const char *dict, const void *data, size_t len)
{
    char header[512];
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64;
    size_t hlen = total - pre;
    memcpy(header, dict, dl);
    memset(header + dl, ' ', hlen - dl - 1);
    header[hlen - 1] = '\n';
    return raw(buf, major, header, hlen, data, len);
}

static void fails(const void *data, size_t len, int gz, const char *after)
{
    nn_test_read_fails(nn_npy_read, write_file(gz ? "bad.npy.gz" : "bad.npy", data, len, gz), after);
}

static void reads(const void *data, size_t len, int gz, int keep_u8, nn_array *a)
{
    nn_test_read_ok(nn_npy_read, write_file(gz ? "ok.npy.gz" : "ok.npy", data, len, gz), keep_u8, a);
}

/* A header dict of version 1 (so it starts at byte 10) that must fail at byte 10 + at. */
static void dict_fails(const char *dict, size_t at, const char *what)
{
    unsigned char buf[600];
    char want[NN_ERR_MAX];
    size_t len = raw(buf, 1, dict, strlen(dict), "\0\0\0\0\0\0\0\0", 8);
    snprintf(want, sizeof want, "byte %zu: %s", 10 + at, what);
    fails(buf, len, 0, want);
}

/* ---------------------------------------------------------------- good files */

static void test_uint8_kept(void **state)
{
    (void)state;
    unsigned char buf[256];
    const unsigned char px[] = {0, 1, 128, 255, 7, 9};
    size_t len = npy(buf, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", px,
                     sizeof px);
    assert_int_equal(len % 64, sizeof px);
    for (int gz = 0; gz < 2; gz++) {
        nn_array a;
        reads(buf, len, gz, 1, &a);
        assert_int_equal(a.ndim, 2);
        assert_int_equal(a.dim[0], 2);
        assert_int_equal(a.dim[1], 3);
        assert_int_equal(a.shape_offset, 10 + 50);
        assert_int_equal(a.data_offset, 128);
        assert_non_null(a.u8);
        assert_memory_equal(a.u8, px, sizeof px);
        nn_array_destroy(&a);
        reads(buf, len, gz, 0, &a);
        assert_non_null(a.f32);
        assert_float_equal(a.f32[3], 255.0f, 0);
        nn_array_destroy(&a);
    }
}

/* Each dtype in both byte orders: the values 1, -2 (0 for unsigned) and 300 (or 3). */
static void test_every_dtype(void **state)
{
    (void)state;
    const struct {
        const char *descr;
        int size;
        unsigned char le[24]; /* three little-endian values */
        float want[3];
    } cases[] = {
        {"f4", 4, {0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0x96, 0x43}, {1, -2, 300}},
        {"f8", 8, {0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0,
                   0, 0, 0, 0, 0, 0xC0, 0x72, 0x40}, {1, -2, 300}},
        {"i4", 4, {1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0x2C, 1, 0, 0}, {1, -2, 300}},
        {"i8", 8, {1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                   0x2C, 1, 0, 0, 0, 0, 0, 0}, {1, -2, 300}},
        {"i2", 2, {1, 0, 0xFE, 0xFF, 0x2C, 1}, {1, -2, 300}},
        {"u2", 2, {1, 0, 0, 0, 0x2C, 1}, {1, 0, 300}},
        {"u4", 4, {1, 0, 0, 0, 0, 0, 0, 0, 0x2C, 1, 0, 0}, {1, 0, 300}},
        {"u8", 8, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2C, 1, 0, 0, 0, 0, 0, 0},
         {1, 0, 300}},
        {"i1", 1, {1, 0xFE, 3}, {1, -2, 3}},
        {"u1", 1, {1, 0, 3}, {1, 0, 3}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int big = 0; big < 2; big++) {
            unsigned char data[24], buf[256];
            char dict[128];
            int sz = cases[c].size;
            for (int v = 0; v < 3; v++)
                for (int b = 0; b < sz; b++)
                    data[v * sz + b] = cases[c].le[v * sz + (big ? sz - 1 - b : b)];
            snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, "
                     "'shape': (3,), }", sz == 1 ? '|' : big ? '>' : '<', cases[c].descr);
            for (int major = 1; major <= 3; major++) {
                size_t len = npy(buf, major, dict, data, (size_t)(3 * sz));
                nn_array a;
                reads(buf, len, major == 2, 0, &a);
                assert_int_equal(a.count, 3);
                assert_int_equal(a.type.size, sz);
                for (int v = 0; v < 3; v++)
                    assert_float_equal(a.f32[v], cases[c].want[v], 0);
                nn_array_destroy(&a);
            }
        }
    }
}

static void test_dict_syntax(void **state)
{
    (void)state;
    unsigned char buf[256];
    const char *const dicts[] = {
        "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<i4\"}", /* any key order */
        "{ 'descr' : '<i4' ,\t'fortran_order':False,'shape':( 2 , ) }\n  \r\n",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2L,)}",        /* Python 2 */
        "{'descr': '>i4', 'fortran_order': False, 'shape': (1, 2)}",
    };
    for (size_t i = 0; i < sizeof dicts / sizeof *dicts; i++) {
        const unsigned char le[] = {7, 0, 0, 0, 0, 0, 0, 9};
        const unsigned char be[] = {0, 0, 0, 7, 9, 0, 0, 0};
        size_t len = raw(buf, 1, dicts[i], strlen(dicts[i]), i == 3 ? be : le, 8);
        nn_array a;
        reads(buf, len, 0, 1, &a);
        assert_int_equal(a.count, 2);
        assert_float_equal(a.f32[0], 7.0f, 0);
        assert_float_equal(a.f32[1], 150994944.0f, 0); /* 9 << 24 */
        nn_array_destroy(&a);
    }
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(nn_npy_sniff((const unsigned char *)"\x93NUMPY\x01", 7));
    assert_false(nn_npy_sniff((const unsigned char *)"\x93NUMP", 5));
    assert_false(nn_npy_sniff((const unsigned char *)"\x93numpy", 6));
}

/* ---------------------------------------------------------------- hostile files */

static void test_truncated_everywhere(void **state)
{
    (void)state;
    unsigned char buf[256];
    const unsigned char px[] = {1, 2, 3, 4, 5, 6};
    size_t len = npy(buf, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", px,
                     sizeof px);
    char want[256];
    for (int gz = 0; gz < 2; gz++) {
        for (size_t cut = 0; cut < len; cut++) {
            if (cut < 10)
                snprintf(want, sizeof want, "byte %zu: the file ends inside the header "
                         "(expected 10 bytes, got %zu)", cut, cut);
            else if (cut < 128 && !gz)
                snprintf(want, sizeof want, "byte 8: header length 118, but the file holds "
                         "only %zu more bytes (a truncated file?)", cut - 10);
            else if (cut < 128)
                snprintf(want, sizeof want, "byte %zu: the file ends inside the header "
                         "(expected 118 bytes, got %zu)", cut, cut - 10);
            else if (!gz)
                snprintf(want, sizeof want, "byte 128: the header announces 6 bytes of data "
                         "([2, 3] uint8), but the file holds only %zu more (a truncated "
                         "file?)", cut - 128);
            else
                snprintf(want, sizeof want, "byte %zu: the file ends inside the data: %zu of "
                         "6 elements of [2, 3] uint8 read (a truncated file?)", cut, cut - 128);
            fails(buf, cut, gz, want);
        }
    }
}

static void test_bad_preamble(void **state)
{
    (void)state;
    unsigned char buf[256];
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}";
    size_t len = npy(buf, 1, dict, "\0\0\0\0", 4);
    buf[1] = 'n';
    fails(buf, len, 0, "byte 0: bad magic (expected \"\\x93NUMPY\": a .npy file)");
    buf[1] = 'N';
    buf[6] = 4;
    fails(buf, len, 1, "byte 6: format version 4.0 (expected 1.x, 2.x or 3.x)");
    buf[6] = 0;
    fails(buf, len, 0, "byte 6: format version 0.0 (expected 1.x, 2.x or 3.x)");
    buf[6] = 1;
    buf[8] = buf[9] = 0;
    fails(buf, len, 0, "byte 8: header length 0 (expected 1 to 65536 bytes)");
    len = raw(buf, 2, "", 0, NULL, 0);
    buf[8] = 1; /* 65537 */
    buf[10] = 1;
    fails(buf, len, 1, "byte 8: header length 65537 (expected 1 to 65536 bytes)");
    buf[10] = 0xFF;
    buf[11] = 0xFF;
    fails(buf, len, 0, "byte 8: header length 4294901761 (expected 1 to 65536 bytes)");
}

static void test_fortran_order(void **state)
{
    (void)state;
    dict_fails("{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", 34,
               "fortran_order is True: only C-order arrays are read (expected False; save a "
               "C-order copy, e.g. with numpy.ascontiguousarray)");
    unsigned char buf[256];
    size_t len = npy(buf, 3, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }",
                     "\0\0\0\0\0\0\0\0", 8);
    fails(buf, len, 1, "byte 46: fortran_order is True: only C-order arrays are read (expected "
                       "False; save a C-order copy, e.g. with numpy.ascontiguousarray)");
}

static void test_garbage_in_the_dict(void **state)
{
    (void)state;
    const char *expect3 = "(expected descr, fortran_order and shape)";
    char msg[256];
    dict_fails("['descr']", 0, "bad header: expected '{' (a Python dict), got '['descr']'");
    dict_fails(" ", 1, "bad header: expected '{' (a Python dict), got the end of the header");
    dict_fails("{}", 1, "bad header: no 'descr' (expected descr, fortran_order and shape)");
    dict_fails("{'descr': '<f4', 'fortran_order': False}", 39,
               "bad header: no 'shape' (expected descr, fortran_order and shape)");
    snprintf(msg, sizeof msg, "bad header: unknown key 'extra' %s", expect3);
    dict_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 56, msg);
    dict_fails("{'descr': '<f4', 'descr': '<f4'}", 17, "bad header: key 'descr' given twice");
    snprintf(msg, sizeof msg, "bad header: unknown key 'descr: ' %s", expect3);
    dict_fails("{'descr: '<f4'}", 1, msg);
    dict_fails("{'descr' '<f4'}", 9, "bad header: expected ':' after the key, got ''<f4'}'");
    dict_fails("{'descr", 1, "bad header: unterminated string (expected a closing ')");
    dict_fails("{descr: 1}", 1, "bad header: expected a key: 'descr', 'fortran_order' or "
                                "'shape', got 'descr: 1}'");
    dict_fails("{'de\\scr': 1}", 4, "bad header: byte 0x5C in a string (expected plain ASCII "
                                    "text)");
    dict_fails("{'de\001scr': 1}", 4, "bad header: byte 0x01 in a string (expected plain ASCII "
                                      "text)");
    dict_fails("{'descrdescrdescrdescrdescrdescrdescr': 1}", 1, "bad header: string longer than "
               "31 bytes (expected a key: 'descr', 'fortran_order' or 'shape')");
    dict_fails("{'descr': '<c8'}", 10, "dtype '<c8' is not supported (expected float32, float64, "
               "uint8, int32 or int64 as '<f4', '<f8', '|u1', '<i4', '<i8', or another integer "
               "width; '>' for big-endian)");
    dict_fails("{'descr': '<f2'}", 10, "dtype '<f2' is not supported (expected float32, float64, "
               "uint8, int32 or int64 as '<f4', '<f8', '|u1', '<i4', '<i8', or another integer "
               "width; '>' for big-endian)");
    dict_fails("{'descr': '|f4'}", 10, "dtype '|f4' is not supported (expected float32, float64, "
               "uint8, int32 or int64 as '<f4', '<f8', '|u1', '<i4', '<i8', or another integer "
               "width; '>' for big-endian)");
    dict_fails("{'descr': '<'}", 10, "dtype '<' is not supported (expected float32, float64, "
               "uint8, int32 or int64 as '<f4', '<f8', '|u1', '<i4', '<i8', or another integer "
               "width; '>' for big-endian)");
    dict_fails("{'descr': [('x', '<f4')]}", 10, "bad header: expected a dtype string such as "
                                                "'<f4', got '[('x', '<f4')]}'");
    dict_fails("{'fortran_order': false}", 18, "bad header: expected True or False, got "
                                               "'false}'");
    dict_fails("{'shape': [2, 3]}", 10, "bad header: expected a shape tuple such as (60000, 28, "
                                        "28), got '[2, 3]}'");
    dict_fails("{'shape': (-2,)}", 11, "bad header: expected a dimension (a non-negative "
                                       "integer), got '-2,)}'");
    dict_fails("{'shape': (2 3)}", 13, "bad header: expected ',' or ')' in the shape tuple, got "
                                       "'3)}'");
    dict_fails("{'shape': (2,,)}", 13, "bad header: expected a dimension (a non-negative "
                                       "integer), got ',)}'");
    dict_fails("{'shape': (99999999999,)}", 11, "bad header: dimension larger than 2147483648 "
                                                "(expected at most 2147483648 elements in all)");
    dict_fails("{'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}", 35, "bad header: more than 8 "
                                                           "dimensions (expected 1 to 8)");
    dict_fails("{'descr': '<f4' 'shape': (2,)}", 16, "bad header: expected ',' or '}', got "
                                                     "''shape': (2,)}'");
    dict_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 56,
               "bad header: expected only spaces and a newline after the dict, got 'x'");
    dict_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\xff", 55,
               "bad header: expected only spaces and a newline after the dict, got '?'");
    dict_fails("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", 50,
               "shape () is a single value (expected at least one dimension: the samples)");
    /* a NUL byte inside the header */
    unsigned char buf[128];
    size_t len = raw(buf, 1, "{'descr'\0: '<f4'}", 17, NULL, 0);
    fails(buf, len, 0, "byte 18: bad header: expected ':' after the key, got '?: '<f4'}'");
}

static void test_bad_shapes_and_sizes(void **state)
{
    (void)state;
    dict_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 28)}", 50,
               "dimension 1 is 0 (expected at least 1: an array with no elements holds no "
               "samples)");
    dict_fails("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648, 2)}", 50,
               "shape [2147483648, 2] holds more than 2147483648 elements (expected at most "
               "2147483648)");
    dict_fails("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536, 65536)}", 50,
               "shape [65536, 65536, 65536] holds more than 2147483648 elements (expected at "
               "most 2147483648)");
    unsigned char buf[256];
    size_t len = npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }",
                     "\0\0\0\0\0\0\0\0", 8);
    fails(buf, len, 0, "byte 128: the header announces 188160000 bytes of data ([60000, 784] "
                       "float32), but the file holds only 8 more (a truncated file?)");
    fails(buf, len, 1, "byte 136: the file ends inside the data: 2 of 47040000 elements of "
                       "[60000, 784] float32 read (a truncated file?)");
    len = npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
              "\0\0\0\0\0", 5);
    fails(buf, len, 0, "byte 132: 1 bytes after the data (expected the file to end after 4 bytes "
                       "of [1] float32)");
    fails(buf, len, 1, "byte 132: more bytes after the data (expected the file to end after 4 "
                       "bytes of [1] float32)");
    const unsigned char nan[] = {0, 0, 0xC0, 0x7F};
    len = npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", nan, 4);
    fails(buf, len, 1, "byte 128: value nan at element 0 is not a finite float32 (expected finite "
                       "numbers below 3.40282e+38)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint8_kept),
        cmocka_unit_test(test_every_dtype),
        cmocka_unit_test(test_dict_syntax),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_preamble),
        cmocka_unit_test(test_fortran_order),
        cmocka_unit_test(test_garbage_in_the_dict),
        cmocka_unit_test(test_bad_shapes_and_sizes),
    };
    return cmocka_run_group_tests(tests, nn_test_dir_setup, nn_test_dir_teardown);
}
