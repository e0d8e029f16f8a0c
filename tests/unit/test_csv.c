/* test_csv.c -- CSV loading: the project's data files, the accepted text (headers, quotes, CRLF,
 * comments, gzip, stdin), column choice, and hostile inputs, each error with its exact place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "testutil.h"
#include "xalloc.h"

static char path[NN_TEST_PATH_MAX]; /* the last file written */

/* ---------------------------------------------------------------- helpers */

static const char *write_bytes(const char *name, const char *data, size_t len)
{
    return nn_test_write(path, sizeof path, name, data, len, 0);
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

static const char *write_gz(const char *name, const char *data, size_t len)
{
    return nn_test_write(path, sizeof path, name, data, len, 1);
}

static nn_csv_opts opts(void)
{
    nn_csv_opts o;
    memset(&o, 0, sizeof o);
    o.header = NN_HEADER_AUTO;
    o.target_index = -1;
    o.target_mode = NN_TARGET_REQUIRED;
    return o;
}

/* Loads text that must be read successfully. */
static void load_ok(const char *text, const nn_csv_opts *o, nn_dataset *ds)
{
    nn_err err = {{0}};
    const char *p = write_text("ok.csv", text);
    int rc = nn_csv_read(p, o, ds, &err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err.msg);
    assert_string_equal(ds->source, p);
}

/* Loads the bytes and asserts the error reads exactly "PATH" followed by `after`. */
static void load_fails_bytes(const char *data, size_t len, const nn_csv_opts *o, const char *after)
{
    nn_err err = {{0}};
    nn_dataset ds;
    char want[NN_ERR_MAX];
    const char *p = write_bytes("bad.csv", data, len);
    assert_int_equal(nn_csv_read(p, o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s%s", p, after);
    assert_string_equal(err.msg, want);
    assert_null(ds.x);
    assert_null(ds.y);
    assert_null(ds.line);
    assert_null(ds.source);
    assert_null(ds.xnames);
    assert_int_equal(ds.n, 0);
}

static void load_fails(const char *text, const nn_csv_opts *o, const char *after)
{
    load_fails_bytes(text, strlen(text), o, after);
}

/* ---------------------------------------------------------------- the project's data */

static void test_iris(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    assert_int_equal(nn_csv_read("data/iris.csv", &o, &ds, &err), 0);
    assert_int_equal(ds.n, 150);
    assert_int_equal(ds.nx, 4);
    assert_int_equal(ds.ny, 1);
    assert_float_equal(ds.x[0], 5.1f, 1e-6);
    assert_float_equal(ds.x[3], 0.2f, 1e-6);
    assert_float_equal(ds.y[0], 0.0f, 0);
    assert_float_equal(ds.y[149], 2.0f, 0);
    assert_int_equal(ds.line[0], 2);
    assert_int_equal(ds.line[149], 151);
    assert_string_equal(ds.source, "data/iris.csv");
    int count[3] = {0, 0, 0};
    for (size_t i = 0; i < ds.n; i++) {
        assert_true(ds.y[i] == 0.0f || ds.y[i] == 1.0f || ds.y[i] == 2.0f);
        count[(int)ds.y[i]]++;
    }
    assert_int_equal(count[0], 50);
    assert_int_equal(count[1], 50);
    assert_int_equal(count[2], 50);
    nn_dataset_destroy(&ds);
    assert_null(ds.x);
}

static void test_digits(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    assert_int_equal(nn_csv_read("data/digits.csv", &o, &ds, &err), 0);
    assert_int_equal(ds.n, 1797);
    assert_int_equal(ds.nx, 64);
    assert_int_equal(ds.ny, 1);
    for (size_t i = 0; i < ds.n; i++)
        assert_true(ds.y[i] >= 0.0f && ds.y[i] <= 9.0f && ds.y[i] == (float)(int)ds.y[i]);
    for (size_t k = 0; k < ds.n * 64; k++)
        assert_true(ds.x[k] >= 0.0f && ds.x[k] <= 16.0f);
    nn_dataset_destroy(&ds);
}

/* The digits by name: the target is called "digit" and two inputs are picked by name/index. */
static void test_digits_by_name(void **state)
{
    (void)state;
    char *inputs[] = {"p63", "0"};
    nn_csv_opts o = opts();
    o.target = "digit";
    o.inputs = inputs;
    o.ninputs = 2;
    nn_dataset ds, all;
    nn_err err = {{0}};
    assert_int_equal(nn_csv_read("data/digits.csv", &o, &ds, &err), 0);
    nn_csv_opts d = opts();
    assert_int_equal(nn_csv_read("data/digits.csv", &d, &all, &err), 0);
    assert_int_equal(ds.nx, 2);
    for (size_t i = 0; i < ds.n; i++) {
        assert_float_equal(ds.x[i * 2], all.x[i * 64 + 63], 0);
        assert_float_equal(ds.x[i * 2 + 1], all.x[i * 64], 0);
        assert_float_equal(ds.y[i], all.y[i], 0);
    }
    nn_dataset_destroy(&ds);
    nn_dataset_destroy(&all);
}

/* ---------------------------------------------------------------- accepted text */

static void test_header_auto(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_ok("1,2,3\n4,5,6\n", &o, &ds); /* all numbers: no header */
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.nx, 2);
    assert_float_equal(ds.x[0], 1.0f, 0);
    assert_float_equal(ds.y[1], 6.0f, 0);
    assert_int_equal(ds.line[0], 1);
    nn_dataset_destroy(&ds);

    load_ok("a,2,3\n4,5,6\n", &o, &ds); /* one name is enough */
    assert_int_equal(ds.n, 1);
    assert_int_equal(ds.line[0], 2);
    nn_dataset_destroy(&ds);
}

static void test_header_forced(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.header = NN_HEADER_YES;
    load_ok("1,2,3\n4,5,6\n", &o, &ds);
    assert_int_equal(ds.n, 1);
    assert_float_equal(ds.x[0], 4.0f, 0);
    nn_dataset_destroy(&ds);

    o.header = NN_HEADER_NO;
    load_fails("x,y,z\n4,5,6\n", &o, ":1:1: expected a number, got 'x'");
}

/* An empty field in the first line does not make it a header: it is a row with a hole. */
static void test_header_auto_empty_field(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    load_fails("1,,3\n4,5,6\n", &o, ":1:3: empty field (expected a number)");
}

/* Quoted names and numbers; by default every other column is an input, so the text column
 * is named in the error. */
static void test_quoted(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    o.target = "say \"hi\"";
    load_fails("\"len, cm\" , \"say \"\"hi\"\"\",  \"id\"\n"
               "\"1.5\",  \"2\"  ,abc\n",
               &o, ":2:15: expected a number, got 'abc'");
}

static void test_quoted_inputs(void **state)
{
    (void)state;
    char *inputs[] = {"len, cm"};
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target = "say \"hi\"";
    o.inputs = inputs;
    o.ninputs = 1;
    load_ok("\"len, cm\" , \"say \"\"hi\"\"\",  \"id\"\n"
            "\"1.5\",  \"2\"  ,abc\n"
            "  -3e2 , +.5, \"x,y\"\n",
            &o, &ds);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.nx, 1);
    assert_float_equal(ds.x[0], 1.5f, 0);
    assert_float_equal(ds.y[0], 2.0f, 0);
    assert_float_equal(ds.x[1], -300.0f, 0);
    assert_float_equal(ds.y[1], 0.5f, 0);
    nn_dataset_destroy(&ds);
}

static void test_crlf_comments_blank(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_ok("# a comment\r\n"
            "\r\n"
            "a,b\r\n"
            "   # indented comment, 1,2\r\n"
            "1,2\r\n"
            "   \t \r\n"
            "3,4\r\n"
            "\n"
            "#\n",
            &o, &ds);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.line[0], 5);
    assert_int_equal(ds.line[1], 7);
    assert_float_equal(ds.x[1], 3.0f, 0);
    assert_float_equal(ds.y[1], 4.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_ok("a,b\n1,2\n3,4", &o, &ds);
    assert_int_equal(ds.n, 2);
    assert_float_equal(ds.y[1], 4.0f, 0);
    nn_dataset_destroy(&ds);
    load_ok("a,b\r\n1,2\r\n3,4\r", &o, &ds);
    assert_int_equal(ds.n, 2);
    assert_float_equal(ds.y[1], 4.0f, 0);
    nn_dataset_destroy(&ds);
}

/* A CRLF split across two reads: the '\r' is the last byte of the first 64 KiB block. */
static void test_crlf_across_reads(void **state)
{
    (void)state;
    size_t n = 65531, len = 0;
    char *text = nn_alloc(n + 64, 1, NULL);
    assert_non_null(text);
    text[len++] = '#';
    memset(text + len, 'x', n - 1);
    len += n - 1;
    memcpy(text + len, "\n1,2\r\n3,4\r\n", 12);
    len += 11;
    assert_int_equal(text[65535], '\r');
    assert_int_equal(text[65536], '\n');
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_ok(text, &o, &ds);
    nn_free(text);
    assert_int_equal(ds.n, 2);
    assert_float_equal(ds.y[0], 2.0f, 0);
    assert_int_equal(ds.line[1], 3);
    nn_dataset_destroy(&ds);
}

static void test_bom(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target = "y";
    load_ok("\xEF\xBB\xBFx,y\n1,2\n", &o, &ds);
    assert_int_equal(ds.n, 1);
    assert_float_equal(ds.y[0], 2.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_gzip(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    /* more rows than one read chunk holds, so lines cross chunk boundaries */
    size_t rows = 20000, cap = rows * 24, len = 0;
    char *text = nn_alloc(cap, 1, NULL);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "a,b,label\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(text + len, cap - len, "%zu,%zu.5,%zu\n", i, i, i % 3);
    const char *p = write_gz("rows.csv.gz", text, len);
    nn_free(text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), 0);
    assert_int_equal(ds.n, rows);
    assert_int_equal(ds.nx, 2);
    for (size_t i = 0; i < rows; i += 997) {
        assert_float_equal(ds.x[i * 2], (float)i, 0);
        assert_float_equal(ds.x[i * 2 + 1], (float)i + 0.5f, 0);
        assert_float_equal(ds.y[i], (float)(i % 3), 0);
        assert_int_equal(ds.line[i], i + 2);
    }
    nn_dataset_destroy(&ds);
}

static void test_stdin(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    const char *p = write_text("in.csv", "1,2\n3,4\n");
    int saved = dup(0);
    assert_true(saved >= 0);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    close(fd);
    int rc = nn_csv_read("-", &o, &ds, &err);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(ds.n, 2);
    assert_string_equal(ds.source, "stdin");
    nn_dataset_destroy(&ds);
}

/* ---------------------------------------------------------------- choosing columns */

static const char *const table = "a,b,c,d\n"
                                 "1,2,3,4\n"
                                 "5,6,7,8\n";

static void test_target_index(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target_index = 1;
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 3);
    assert_float_equal(ds.y[0], 2.0f, 0);
    assert_float_equal(ds.x[0], 1.0f, 0);
    assert_float_equal(ds.x[1], 3.0f, 0);
    assert_float_equal(ds.x[2], 4.0f, 0);
    nn_dataset_destroy(&ds);

    o.target_index = 0;
    load_ok(table, &o, &ds);
    assert_float_equal(ds.y[1], 5.0f, 0);
    assert_float_equal(ds.x[3], 6.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_target_name(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target = "c";
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 3);
    assert_float_equal(ds.y[0], 3.0f, 0);
    assert_float_equal(ds.x[2], 4.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_inputs(void **state)
{
    (void)state;
    char *inputs[] = {"d", "0", " 2"};
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target = "b";
    o.inputs = inputs;
    o.ninputs = 2;
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 2);
    assert_float_equal(ds.x[0], 4.0f, 0); /* the order given, not the file's */
    assert_float_equal(ds.x[1], 1.0f, 0);
    assert_float_equal(ds.x[2], 8.0f, 0);
    assert_float_equal(ds.x[3], 5.0f, 0);
    nn_dataset_destroy(&ds);

    /* " 2" is not an index, and no column is called that */
    o.ninputs = 3;
    load_fails(table, &o, ": inputs: no column named ' 2' (expected one of: 'a', 'b', 'c', "
                          "'d')");
}

static void test_inputs_leave_junk_alone(void **state)
{
    (void)state;
    char *inputs[] = {"x"};
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target = "y";
    o.inputs = inputs;
    o.ninputs = 1;
    load_ok("id,x,name,y\nr1,1,setosa,0\nr2,2,\"a, b\",1\n", &o, &ds);
    assert_int_equal(ds.n, 2);
    assert_float_equal(ds.x[1], 2.0f, 0);
    assert_float_equal(ds.y[1], 1.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_target_modes(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target_mode = NN_TARGET_NONE;
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 4);
    assert_int_equal(ds.ny, 0);
    assert_null(ds.y);
    assert_float_equal(ds.x[7], 8.0f, 0);
    nn_dataset_destroy(&ds);

    o.target_mode = NN_TARGET_OPTIONAL;
    o.expect_nx = 4; /* four columns, four inputs: no target */
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 4);
    assert_int_equal(ds.ny, 0);
    nn_dataset_destroy(&ds);

    o.expect_nx = 3; /* one more than the model needs: the last is the target */
    load_ok(table, &o, &ds);
    assert_int_equal(ds.nx, 3);
    assert_int_equal(ds.ny, 1);
    assert_float_equal(ds.y[0], 4.0f, 0);
    nn_dataset_destroy(&ds);

    o.expect_nx = 2;
    load_fails(table, &o, ": 3 input columns, but the model's input needs 2");

    o.target_mode = NN_TARGET_REQUIRED;
    o.expect_nx = 4;
    load_fails(table, &o, ": 3 input columns, but the model's input needs 4");

    /* a header naming the target keeps it a target even when the count matches */
    o.target_mode = NN_TARGET_OPTIONAL;
    o.target = "d";
    load_fails(table, &o, ": 3 input columns, but the model's input needs 4");
}

static void test_opts_from_spec(void **state)
{
    (void)state;
    char *inputs[] = {"a", "b"};
    nn_data_spec d;
    memset(&d, 0, sizeof d);
    d.target = "label";
    d.target_index = 3;
    d.inputs = inputs;
    d.ninputs = 2;
    d.header = NN_HEADER_NO;
    nn_csv_opts o = nn_csv_opts_from_spec(&d, NN_TARGET_OPTIONAL, 7);
    assert_string_equal(o.target, "label");
    assert_int_equal(o.target_index, 3);
    assert_ptr_equal(o.inputs, inputs);
    assert_int_equal(o.ninputs, 2);
    assert_int_equal(o.header, NN_HEADER_NO);
    assert_int_equal(o.target_mode, NN_TARGET_OPTIONAL);
    assert_int_equal(o.expect_nx, 7);
}

/* ---------------------------------------------------------------- column errors */

static void test_column_errors(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    o.target = "e";
    load_fails(table, &o,
               ": target: no column named 'e' (expected one of: 'a', 'b', 'c', 'd')");
    o.target = "a";
    load_fails("1,2\n3,4\n", &o, ": target 'a' names a column, but the file has no header row "
                                 "(expected a 0-based column index)");
    o.target = "a";
    load_fails("a,b,a\n1,2,3\n", &o, ": target 'a' is ambiguous: columns 0 and 2 share that "
                                     "name (expected a 0-based column index)");
    o.target = NULL;
    o.target_index = 4;
    load_fails(table, &o, ": target: column index 4 is out of range (the file has 4 columns, "
                          "expected 0 to 3)");
    o.target_index = -2;
    load_fails(table, &o, ": target: column index -2 is out of range (the file has 4 columns, "
                          "expected 0 to 3)");

    char *twice[] = {"a", "0"};
    o = opts();
    o.inputs = twice;
    o.ninputs = 2;
    load_fails(table, &o, ": inputs: column 0 ('a') is listed twice");
    char *target[] = {"b", "d"};
    o.inputs = target;
    load_fails(table, &o, ": inputs: column 3 ('d') is the target (expected only input "
                          "columns)");
    char *far[] = {"9"};
    o.inputs = far;
    o.ninputs = 1;
    load_fails(table, &o, ": inputs: column index 9 is out of range (the file has 4 columns, "
                          "expected 0 to 3)");
    char *huge[] = {"99999999999999999999999"};
    o.inputs = huge;
    load_fails(table, &o, ": inputs: column index 99999999999999999999999 is out of range (the "
                          "file has 4 columns, expected 0 to 3)");
    char *minus[] = {"-1"};
    o.inputs = minus;
    load_fails(table, &o, ": inputs: column index -1 is out of range (the file has 4 columns, "
                          "expected 0 to 3)");
    char *noheader[] = {"1", "b"};
    o.inputs = noheader;
    o.ninputs = 2;
    load_fails("1,2,3\n", &o, ": inputs 'b' names a column, but the file has no header row "
                              "(expected a 0-based column index)");
    o = opts();
    load_fails("y\n1\n", &o, ": no input columns (expected at least one besides the target)");
}

/* A long header is listed only in part. */
static void test_column_list_cut(void **state)
{
    (void)state;
    char text[8192];
    size_t len = 0;
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%scolumn_%d", i ? "," : "", i);
    len += (size_t)snprintf(text + len, sizeof text - len, "\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s1", i ? "," : "");
    snprintf(text + len, sizeof text - len, "\n");
    nn_csv_opts o = opts();
    o.target = "nope";
    nn_dataset ds;
    nn_err err = {{0}};
    const char *p = write_text("wide.csv", text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    assert_non_null(strstr(err.msg, "no column named 'nope' (expected one of: 'column_0', "));
    assert_non_null(strstr(err.msg, ", ... (300 in all))"));
    assert_true(strlen(err.msg) < 600);
}

/* ---------------------------------------------------------------- column names */

static void assert_names(const nn_dataset *ds, const char *const *want, int n)
{
    assert_int_equal(ds->nx, n);
    assert_non_null(ds->xnames);
    for (int j = 0; j < n; j++)
        assert_string_equal(ds->xnames[j], want[j]);
}

/* A header's input names go with the dataset, in x's order; no header, no names. */
static void test_names_kept(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    assert_int_equal(nn_csv_read("data/iris.csv", &o, &ds, &err), 0);
    assert_names(&ds, (const char *const[]){"sepal_length", "sepal_width", "petal_length",
                                            "petal_width"}, 4);
    nn_dataset_destroy(&ds);
    assert_null(ds.xnames);

    char *inputs[] = {"d", "0"};
    o.target = "b";
    o.inputs = inputs;
    o.ninputs = 2;
    load_ok(table, &o, &ds);
    assert_names(&ds, (const char *const[]){"d", "a"}, 2);
    nn_dataset_destroy(&ds);

    o = opts();
    load_ok("1,2,3\n4,5,6\n", &o, &ds);
    assert_null(ds.xnames);
    nn_dataset_destroy(&ds);

    /* an empty header field is a name too */
    load_ok(",x,y\n1,2,3\n", &o, &ds);
    assert_names(&ds, (const char *const[]){"", "x"}, 2);
    nn_dataset_destroy(&ds);
}

/* A name the header uses twice could not find its column again: no names are kept, and the
 * file still reads as before. A repeated name outside the inputs does not matter. */
static void test_names_repeated(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_ok("x,x,y\n1,2,3\n", &o, &ds);
    assert_int_equal(ds.nx, 2);
    assert_float_equal(ds.x[1], 2.0f, 0);
    assert_null(ds.xnames);
    nn_dataset_destroy(&ds);

    load_ok("x,y,y\n1,2,3\n", &o, &ds); /* the input y is also the target's name */
    assert_int_equal(ds.nx, 2);
    assert_null(ds.xnames);
    nn_dataset_destroy(&ds);

    o.target_index = 0;
    load_ok("t,a,id,id\n1,2,3,4\n", &o, &ds); /* the repeated "id" is an input */
    assert_null(ds.xnames);
    nn_dataset_destroy(&ds);

    char *inputs[] = {"a"};
    o.inputs = inputs;
    o.ninputs = 1;
    load_ok("t,a,id,id\n1,2,3,4\n", &o, &ds); /* ... and here it is not */
    assert_names(&ds, (const char *const[]){"a"}, 1);
    nn_dataset_destroy(&ds);
}

/* Prediction with the names the model was trained on: found wherever the header puts them. */
static void test_columns_by_name(void **state)
{
    (void)state;
    char *trained[] = {"c", "a"};
    nn_csv_opts o = opts();
    nn_dataset ds;
    o.target_mode = NN_TARGET_OPTIONAL;
    o.expect_nx = 2;
    o.columns = trained;
    o.ncolumns = 2;
    load_ok(table, &o, &ds); /* the target column d is there, and ignored */
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.ny, 0);
    assert_null(ds.y);
    float want[] = {3, 1, 7, 5};
    assert_memory_equal(ds.x, want, sizeof want);
    assert_names(&ds, (const char *const[]){"c", "a"}, 2);
    nn_dataset_destroy(&ds);

    /* any order, any other columns, text in them */
    load_ok("id,a,name,c\nr1,1,\"setosa, iris\",3\nr2,5,x,7\n", &o, &ds);
    assert_memory_equal(ds.x, want, sizeof want);
    nn_dataset_destroy(&ds);

    /* without a header the names cannot be used: the columns in training order */
    load_ok("3,1\n7,5\n", &o, &ds);
    assert_memory_equal(ds.x, want, sizeof want);
    assert_null(ds.xnames);
    nn_dataset_destroy(&ds);

    /* --eval reads the target as well, by data.target */
    o.target_mode = NN_TARGET_REQUIRED;
    o.target = "d";
    load_ok("d,a,c\n4,1,3\n8,5,7\n", &o, &ds);
    assert_memory_equal(ds.x, want, sizeof want);
    assert_int_equal(ds.ny, 1);
    assert_float_equal(ds.y[1], 8.0f, 0);
    nn_dataset_destroy(&ds);
}

static void test_columns_by_name_errors(void **state)
{
    (void)state;
    char *trained[] = {"c", "a"};
    nn_csv_opts o = opts();
    o.target_mode = NN_TARGET_OPTIONAL;
    o.expect_nx = 2;
    o.columns = trained;
    o.ncolumns = 2;
    load_fails("a,b,d\n1,2,3\n", &o, ": no column named 'c' (the model was trained on: c, a)");
    load_fails("c,a,c\n1,2,3\n", &o, ": columns 0 and 2 are both named 'c' (expected one "
                                     "column of each name the model was trained on)");
    o.target_mode = NN_TARGET_REQUIRED; /* the last column, c, would be the target */
    load_fails("a,b,c\n1,2,3\n", &o, ": column 2 ('c') is the target, but the model was "
                                     "trained on it as an input (expected a target column "
                                     "besides the inputs)");
    o.target = "t";
    load_fails("a,b,c\n1,2,3\n", &o, ": target: no column named 't' (expected one of: 'a', "
                                     "'b', 'c')");

    /* a long list of names is cut */
    char *many[300], text[8192];
    char store[300][24];
    for (int i = 0; i < 300; i++) {
        snprintf(store[i], sizeof store[i], "column_%d", i);
        many[i] = store[i];
    }
    o = opts();
    o.target_mode = NN_TARGET_OPTIONAL;
    o.columns = many;
    o.ncolumns = 300;
    snprintf(text, sizeof text, "column_0,column_1\n1,2\n");
    nn_dataset ds;
    nn_err err = {{0}};
    const char *p = write_text("wide.csv", text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    assert_non_null(strstr(err.msg, "no column named 'column_2' (the model was trained on: "
                                    "column_0, column_1, "));
    assert_non_null(strstr(err.msg, ", ... (300 in all))"));
    assert_true(strlen(err.msg) < 600);
}

/* Prediction for a model that picked its inputs with data.inputs: rows of just those inputs
 * read in training order without a header, by name with one; no target column is needed. */
static void test_prediction_picked_inputs(void **state)
{
    (void)state;
    char *named[] = {"c", "a"}, *numbered[] = {"2", "0"};
    nn_csv_opts o = opts();
    nn_dataset ds;
    float want[] = {3, 1};
    o.target = "d";
    o.inputs = named;
    o.ninputs = 2;
    o.target_mode = NN_TARGET_OPTIONAL;
    o.expect_nx = 2;
    load_ok("3,1\n", &o, &ds);
    assert_memory_equal(ds.x, want, sizeof want);
    assert_int_equal(ds.ny, 0);
    nn_dataset_destroy(&ds);

    load_ok("a,c\n1,3\n", &o, &ds); /* by name, not by place */
    assert_memory_equal(ds.x, want, sizeof want);
    nn_dataset_destroy(&ds);

    load_ok("a,b,c\n1,2,3\n", &o, &ds); /* no target column */
    assert_memory_equal(ds.x, want, sizeof want);
    assert_int_equal(ds.ny, 0);
    nn_dataset_destroy(&ds);

    o.target = NULL;
    o.inputs = numbered;
    load_ok("a,b\n3,1\n", &o, &ds); /* just the inputs: the header's names do not matter */
    assert_memory_equal(ds.x, want, sizeof want);
    nn_dataset_destroy(&ds);

    load_ok("1,2,3\n", &o, &ds); /* wider: by index; the last column is not needed as a target */
    assert_memory_equal(ds.x, want, sizeof want);
    assert_int_equal(ds.ny, 0);
    nn_dataset_destroy(&ds);

    /* named inputs in a wider row without a header cannot be found */
    o.inputs = named;
    load_fails("1,2,3\n", &o, ": inputs 'c' names a column, but the file has no header row "
                              "(expected a 0-based column index)");
}

/* ---------------------------------------------------------------- field errors */

static void test_field_errors(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    load_fails("a,b,c\n1,2,3\n4,,6\n", &o, ":3:3: empty field (expected a number)");
    load_fails("a,b,c\n1,2,3\n4,  ,6\n", &o, ":3:5: empty field (expected a number)");
    load_fails("a,b,c\n1,2,\"\"\n", &o, ":2:5: empty field (expected a number)");
    load_fails("# iris\n\na,b,species\n1,2,setosa\n", &o,
               ":4:5: expected a number, got 'setosa'");
    load_fails("a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n", &o,
               ":3: expected 5 fields (as on line 1), got 4");
    load_fails("\n# c\n1,2,3,4,5\n1,2,3,4,5,6\n", &o,
               ":4: expected 5 fields (as on line 3), got 6");
    load_fails("a,b\n1, 2x\n", &o, ":2:4: expected a number, got '2x'");
    load_fails("a,b\n1,\"2\" 3\n", &o,
               ":2:7: unexpected text after a quoted field (expected ',' or the end of the line)");
    load_fails("a,b\n1,\"2\n3\"\n", &o,
               ":2:3: unterminated quoted field (expected a closing '\"' on the same line)");
    load_fails("a,b\n1,2\n3,\x01\n", &o, ":3:3: expected a number, got '?'");
}

/* strtod takes more than plain decimals; the reader does not. */
static void test_number_syntax(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    load_fails("a,b\n1,nan\n", &o, ":2:3: expected a number, got 'nan'");
    load_fails("a,b\n1,inf\n", &o, ":2:3: expected a number, got 'inf'");
    load_fails("a,b\n1,-Infinity\n", &o, ":2:3: expected a number, got '-Infinity'");
    load_fails("a,b\n1,0x1p3\n", &o, ":2:3: expected a number, got '0x1p3'");
    load_fails("a,b\n1,1e\n", &o, ":2:3: expected a number, got '1e'");
    load_fails("a,b\n1,.\n", &o, ":2:3: expected a number, got '.'");
    load_fails("a,b\n1,1.2.3\n", &o, ":2:3: expected a number, got '1.2.3'");
    load_fails("a,b\n1,--1\n", &o, ":2:3: expected a number, got '--1'");
    load_fails("a,b\n1,1,5\n", &o, ":2: expected 2 fields (as on line 1), got 3");
    load_fails("a,b\n1,1e999\n", &o,
               ":2:3: number out of range, got '1e999' (expected a magnitude below "
               "3.40282e+38)");
    load_fails("a,b\n1,-1e39\n", &o,
               ":2:3: number out of range, got '-1e39' (expected a magnitude below "
               "3.40282e+38)");

    load_ok("a,b\n1e-999,5.\n-.25,+1E+2\n", &o, &ds);
    assert_float_equal(ds.x[0], 0.0f, 0); /* underflow becomes zero */
    assert_float_equal(ds.y[0], 5.0f, 0);
    assert_float_equal(ds.x[1], -0.25f, 0);
    assert_float_equal(ds.y[1], 100.0f, 0);
    nn_dataset_destroy(&ds);
}

/* A trailing comma makes one more (empty) field. */
static void test_trailing_comma(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    load_fails("a,b\n1,2,\n", &o, ":2: expected 2 fields (as on line 1), got 3");
    load_fails("a,b,\n1,2,\n", &o, ":2:5: empty field (expected a number)");
    nn_dataset ds;
    o.target_index = 1; /* the empty last column is simply not selected */
    char *in[] = {"a"};
    o.inputs = in;
    o.ninputs = 1;
    load_ok("a,b,\n1,2,\n", &o, &ds);
    assert_int_equal(ds.n, 1);
    assert_float_equal(ds.y[0], 2.0f, 0);
    nn_dataset_destroy(&ds);
}

/* ---------------------------------------------------------------- hostile files */

static void test_no_rows(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    load_fails("", &o, ": no data rows");
    load_fails("a,b,c\n", &o, ": no data rows");
    load_fails("a,b,c", &o, ": no data rows");
    load_fails("# only\n\n  \r\n#comments\n", &o, ": no data rows");
    load_fails("\n\n\n", &o, ": no data rows");
}

static void test_nul_bytes(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    static const char data[] = "a,b\n1,2\n3,4\0,5\n6,7\n";
    load_fails_bytes(data, sizeof data - 1, &o,
                     ":3:4: NUL byte (expected CSV text, not a binary file)");
    static const char comment[] = "# \0\na,b\n1,2\n";
    load_fails_bytes(comment, sizeof comment - 1, &o,
                     ":1:3: NUL byte (expected CSV text, not a binary file)");
    static const char binary[] = "\x93NUMPY\x01\0v\0{'descr'";
    load_fails_bytes(binary, sizeof binary - 1, &o,
                     ":1:8: NUL byte (expected CSV text, not a binary file)");
}

/* A 1 MB number: too large for a float, and the message quotes only its start. */
static void test_megabyte_line(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *text = nn_alloc(n + 16, 1, NULL);
    assert_non_null(text);
    memcpy(text, "a,b\n1,", 6);
    memset(text + 6, '7', n);
    memcpy(text + 6 + n, "\n", 2);
    nn_csv_opts o = opts();
    load_fails(text, &o, ":2:3: number out of range, got '7777777777777777777777777777777777777777"
                         "...' (expected a magnitude below 3.40282e+38)");

    /* the same length of leading zeros is just 5 */
    memset(text + 6, '0', n);
    text[6 + n - 1] = '5';
    nn_dataset ds;
    load_ok(text, &o, &ds);
    assert_float_equal(ds.y[0], 5.0f, 0);
    nn_dataset_destroy(&ds);
    nn_free(text);
}

/* A row of half a million columns loads. */
static void test_wide_rows(void **state)
{
    (void)state;
    size_t cols = 1 << 19, len = 0;
    char *text = nn_alloc(cols * 4 + 16, 1, NULL);
    assert_non_null(text);
    for (int r = 0; r < 2; r++)
        for (size_t c = 0; c < cols; c++) {
            text[len++] = (char)('0' + (c + (size_t)r) % 10);
            text[len++] = c + 1 < cols ? ',' : '\n';
        }
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    const char *p = write_bytes("wide.csv", text, len);
    nn_free(text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), 0);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.nx, (int)cols - 1);
    assert_float_equal(ds.x[12345], 5.0f, 0);
    assert_float_equal(ds.x[(cols - 1) + 12345], 6.0f, 0);
    assert_float_equal(ds.y[1], (float)((cols - 1 + 1) % 10), 0);
    nn_dataset_destroy(&ds);
}

/* A line past the limit is refused before it exhausts memory (gzip keeps the test file small). */
static void test_endless_line(void **state)
{
    (void)state;
    size_t n = ((size_t)64 << 20) + 4096;
    char *text = nn_alloc(n, 1, NULL);
    assert_non_null(text);
    memset(text, '1', n);
    memcpy(text, "a,b\n", 4);
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    char want[256];
    const char *p = write_gz("endless.csv.gz", text, n);
    nn_free(text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s:2: line longer than 64 MiB (expected CSV text)", p);
    assert_string_equal(err.msg, want);
}

/* A header line of 2^20 + 1 one-byte names is refused at its last field, before it costs a
 * field slot and a string per byte; 2^20 fields are fine. */
static void test_too_many_fields(void **state)
{
    (void)state;
    size_t fields = (size_t)1 << 20, len = 0;
    char *text = nn_alloc(2 * (fields + 1) + 16, 1, NULL);
    assert_non_null(text);
    for (size_t c = 0; c < fields; c++) {
        text[len++] = 'a';
        text[len++] = c + 1 < fields ? ',' : '\n';
    }
    nn_csv_opts o = opts();
    o.header = NN_HEADER_YES;
    o.target_mode = NN_TARGET_NONE;
    nn_dataset ds;
    nn_err err = {{0}};
    const char *p = write_bytes("many.csv", text, len);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    assert_non_null(strstr(err.msg, ": no data rows")); /* the header itself was accepted */

    memcpy(text + len - 1, ",b\n", 3);
    len += 2;
    char want[256];
    p = write_bytes("many.csv", text, len);
    nn_free(text);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s:1:%zu: more than 1048576 fields on one line (expected at "
             "most 1048576 columns)", p, 2 * fields + 1);
    assert_string_equal(err.msg, want);
    assert_null(ds.x);
}

static void test_io_errors(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    char want[256];

    snprintf(want, sizeof want, "%s/missing.csv", nn_test_dir());
    assert_int_equal(nn_csv_read(want, &o, &ds, &err), -1);
    strcat(want, ": cannot open: No such file or directory");
    assert_string_equal(err.msg, want);
    assert_null(ds.x);

    assert_int_equal(nn_csv_read(nn_test_dir(), &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", nn_test_dir());
    assert_string_equal(err.msg, want);
}

static void test_bad_gzip(void **state)
{
    (void)state;
    nn_csv_opts o = opts();
    nn_dataset ds;
    nn_err err = {{0}};
    char text[4096], want[256];
    size_t len = 0;
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d\n", i, i % 2);
    write_gz("cut.csv.gz", text, len);

    /* truncated: keep half of the compressed bytes */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char gz[4096];
    size_t glen = fread(gz, 1, sizeof gz, f);
    assert_true(glen > 20);
    assert_int_equal(fclose(f), 0);
    const char *p = write_bytes("cut.csv.gz", gz, glen / 2);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: cannot read: ", p);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "truncated gzip"));

    /* cut so short that zlib reports it only when the file is closed */
    p = write_bytes("short.csv.gz", gz, 20);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: cannot read: ", p);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "truncated gzip"));
    assert_null(ds.x);

    /* corrupt: garbage after a valid gzip header */
    memset(gz + 10, 0xFF, glen - 10);
    p = write_bytes("bad.csv.gz", gz, glen);
    assert_int_equal(nn_csv_read(p, &o, &ds, &err), -1);
    snprintf(want, sizeof want, "%s: cannot read: ", p);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_null(ds.x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iris),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_digits_by_name),
        cmocka_unit_test(test_header_auto),
        cmocka_unit_test(test_header_forced),
        cmocka_unit_test(test_header_auto_empty_field),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_quoted_inputs),
        cmocka_unit_test(test_crlf_comments_blank),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_crlf_across_reads),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_target_index),
        cmocka_unit_test(test_target_name),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_inputs_leave_junk_alone),
        cmocka_unit_test(test_target_modes),
        cmocka_unit_test(test_opts_from_spec),
        cmocka_unit_test(test_column_errors),
        cmocka_unit_test(test_column_list_cut),
        cmocka_unit_test(test_names_kept),
        cmocka_unit_test(test_names_repeated),
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_columns_by_name_errors),
        cmocka_unit_test(test_prediction_picked_inputs),
        cmocka_unit_test(test_field_errors),
        cmocka_unit_test(test_number_syntax),
        cmocka_unit_test(test_trailing_comma),
        cmocka_unit_test(test_no_rows),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_megabyte_line),
        cmocka_unit_test(test_wide_rows),
        cmocka_unit_test(test_endless_line),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_bad_gzip),
    };
    return cmocka_run_group_tests(tests, nn_test_dir_setup, nn_test_dir_teardown);
}
