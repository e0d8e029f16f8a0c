/* test_hparam.c -- strict parsing, ranges, defaults and printing of nn_hparam tables.
 *
 * What the parser accepts (see hparam.c): integers are an optional sign and decimal digits;
 * floats are finite decimal strtod text; bools are true/false/yes/no/on/off/1/0 in any case;
 * choices are exact words. Everything else, including surrounding spaces, hex ("0x10"),
 * "1e999", "nan" and the empty string, is an error that names the place, owner, key, what was
 * expected and the value given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hparam.h"

typedef struct blob {
    int units;
    double rate;
    int flag;
    int pick;
    double slope;
    int any;
} blob;

static const char *const words[] = {"uniform", "xavier", "he", NULL};

static const nn_hparam table[] = {
    {"units", NN_HP_INT, offsetof(blob, units), NN_HP_REQUIRED | NN_HP_MAIN, .def = 8, .min = 1,
     .max = 1 << 20},
    {"rate", NN_HP_FLOAT, offsetof(blob, rate), NN_HP_OPEN_MIN, .def = 0.5, .min = 0, .max = 1},
    {"flag", NN_HP_BOOL, offsetof(blob, flag), .def = 1},
    {"pick", NN_HP_CHOICE, offsetof(blob, pick), .def = 2, .choices = words},
    {"slope", NN_HP_FLOAT, offsetof(blob, slope), NN_HP_OPEN_MIN, .def = 1, .min = 0,
     .max = DBL_MAX},
    {"any", NN_HP_INT, offsetof(blob, any), .def = -3},
    {0},
};

static const nn_pos here = {"m.yaml", 7, 9};

static const nn_hparam *entry(const char *key)
{
    const nn_hparam *h = nn_hparam_find(table, key);
    assert_non_null(h);
    return h;
}

static int parse(blob *b, const char *key, const char *value, nn_err *err)
{
    return nn_hparam_parse(entry(key), b, "dense", value, here, err);
}

static void test_defaults(void **state)
{
    (void)state;
    blob b;
    memset(&b, 0x5a, sizeof b);
    nn_hparam_defaults(table, &b);
    assert_int_equal(b.units, 8);
    assert_true(b.rate == 0.5);
    assert_int_equal(b.flag, 1);
    assert_int_equal(b.pick, 2);
    assert_true(b.slope == 1.0);
    assert_int_equal(b.any, -3);
    assert_int_equal(nn_hparam_get_int(entry("pick"), &b), 2);
    assert_true(nn_hparam_get_float(entry("rate"), &b) == 0.5);
}

static void test_find_and_main(void **state)
{
    (void)state;
    assert_ptr_equal(nn_hparam_find(table, "rate"), &table[1]);
    assert_null(nn_hparam_find(table, "Rate"));
    assert_null(nn_hparam_find(table, ""));
    assert_null(nn_hparam_find(NULL, "rate"));
    assert_ptr_equal(nn_hparam_main(table), &table[0]);
    assert_null(nn_hparam_main(&table[1]));
    assert_null(nn_hparam_main(NULL));
}

static void test_int(void **state)
{
    (void)state;
    blob b = {0};
    nn_err err = {{0}};
    assert_int_equal(parse(&b, "units", "64", &err), 0);
    assert_int_equal(b.units, 64);
    assert_int_equal(parse(&b, "units", "+5", &err), 0);
    assert_int_equal(b.units, 5);
    assert_int_equal(parse(&b, "units", "1", &err), 0);
    assert_int_equal(parse(&b, "units", "1048576", &err), 0);
    assert_int_equal(b.units, 1048576);
    assert_int_equal(parse(&b, "any", "-2147483648", &err), 0);
    assert_int_equal(b.any, INT_MIN);
    assert_int_equal(parse(&b, "any", "2147483647", &err), 0);
    assert_int_equal(b.any, INT_MAX);
}

static void test_int_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " 3", "3 ", "3abc", "0x10", "3.0", "1e3", "abc", "-", "+", "--3", "0",
        "1048577", "-5", "99999999999999999999", "2147483648", "3\t", "\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        blob b = {.units = 77};
        nn_err err = {{0}};
        assert_int_equal(parse(&b, "units", bad[i], &err), -1);
        assert_int_equal(b.units, 77); /* untouched on error */
        assert_non_null(strstr(err.msg, "m.yaml:7:9: dense: units: expected an integer in "
                                        "[1, 1048576], got '"));
    }
    nn_err err = {{0}};
    blob b = {0};
    assert_int_equal(parse(&b, "units", "3abc", &err), -1);
    assert_string_equal(err.msg,
                        "m.yaml:7:9: dense: units: expected an integer in [1, 1048576], got "
                        "'3abc'");
    assert_int_equal(parse(&b, "any", "2147483648", &err), -1);
    assert_string_equal(err.msg, "m.yaml:7:9: dense: any: expected an integer, got '2147483648'");
}

static void test_float(void **state)
{
    (void)state;
    blob b = {0};
    nn_err err = {{0}};
    assert_int_equal(parse(&b, "rate", "0.1", &err), 0);
    assert_true(b.rate == 0.1);
    assert_int_equal(parse(&b, "rate", "1", &err), 0); /* max is inclusive */
    assert_true(b.rate == 1.0);
    assert_int_equal(parse(&b, "rate", ".5", &err), 0);
    assert_true(b.rate == 0.5);
    assert_int_equal(parse(&b, "rate", "1e-3", &err), 0);
    assert_true(b.rate == 1e-3);
    assert_int_equal(parse(&b, "slope", "1e300", &err), 0);
    assert_true(b.slope == 1e300);
    assert_int_equal(parse(&b, "slope", "1e-999", &err), -1); /* underflows a double */
    assert_non_null(strstr(err.msg, "got '1e-999'"));
}

static void test_float_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    " 0.5", "0.5 ", "0.5x", "0x0.8p0", "nan", "NaN", "inf", "-inf", "infinity",
        "1e999", "0",  "-0.1", "1.0000001", "1e", "..5", "0,5", "half",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        blob b = {.rate = 0.25};
        nn_err err = {{0}};
        assert_int_equal(parse(&b, "rate", bad[i], &err), -1);
        assert_true(b.rate == 0.25);
        assert_non_null(strstr(err.msg, "m.yaml:7:9: dense: rate: expected a number in (0, 1], "
                                        "got '"));
    }
    nn_err err = {{0}};
    blob b = {0};
    assert_int_equal(parse(&b, "slope", "0", &err), -1);
    assert_string_equal(err.msg, "m.yaml:7:9: dense: slope: expected a number > 0, got '0'");
    assert_int_equal(parse(&b, "slope", "1e999", &err), -1);
    assert_non_null(strstr(err.msg, "got '1e999'"));
}

static void test_open_min_only_when_flagged(void **state)
{
    (void)state;
    static const nn_hparam closed = {"x", NN_HP_FLOAT, 0, 0, .min = 0, .max = 1};
    static const nn_hparam open = {"x", NN_HP_FLOAT, 0, NN_HP_OPEN_MIN, .min = 0, .max = 1};
    double v = -1;
    nn_err err = {{0}};
    assert_int_equal(nn_hparam_parse(&closed, &v, "o", "0", here, &err), 0);
    assert_true(v == 0);
    assert_int_equal(nn_hparam_parse(&open, &v, "o", "0", here, &err), -1);
    assert_non_null(strstr(err.msg, "expected a number in (0, 1]"));
    assert_int_equal(nn_hparam_parse(&open, &v, "o", "1e-300", here, &err), 0);
    assert_true(v == 1e-300);
    /* open min with no upper bound */
    static const nn_hparam pos = {"x", NN_HP_INT, 0, NN_HP_OPEN_MIN, .min = 0};
    int i = 0;
    assert_int_equal(nn_hparam_parse(&pos, &i, "o", "0", here, &err), -1);
    assert_non_null(strstr(err.msg, "expected an integer > 0, got '0'"));
    assert_int_equal(nn_hparam_parse(&pos, &i, "o", "123456789", here, &err), 0);
    assert_int_equal(i, 123456789);
}

static void test_bool(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "1"};
    static const char *const no[] = {"false", "False", "no", "NO", "off", "Off", "0"};
    static const char *const bad[] = {"", "2", "y", "n", "truee", " true", "true ", "t",
                                      "nil"};
    blob b = {0};
    nn_err err = {{0}};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        b.flag = 0;
        assert_int_equal(parse(&b, "flag", yes[i], &err), 0);
        assert_int_equal(b.flag, 1);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        b.flag = 1;
        assert_int_equal(parse(&b, "flag", no[i], &err), 0);
        assert_int_equal(b.flag, 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        b.flag = 5;
        assert_int_equal(parse(&b, "flag", bad[i], &err), -1);
        assert_int_equal(b.flag, 5);
        assert_non_null(strstr(err.msg, "dense: flag: expected true or false, got '"));
    }
}

static void test_choice(void **state)
{
    (void)state;
    blob b = {0};
    nn_err err = {{0}};
    assert_int_equal(parse(&b, "pick", "xavier", &err), 0);
    assert_int_equal(b.pick, 1);
    assert_int_equal(parse(&b, "pick", "uniform", &err), 0);
    assert_int_equal(b.pick, 0);
    assert_int_equal(parse(&b, "pick", "He", &err), -1);
    assert_string_equal(err.msg, "m.yaml:7:9: dense: pick: expected one of: uniform, xavier, he, "
                                 "got 'He'");
    assert_int_equal(parse(&b, "pick", "", &err), -1);
    assert_int_equal(parse(&b, "pick", "he ", &err), -1);
    assert_int_equal(nn_hparam_word_index(words, "he"), 2);
    assert_int_equal(nn_hparam_word_index(words, "h"), -1);
    assert_int_equal(nn_hparam_word_index(NULL, "he"), -1);
}

static void test_error_without_owner_or_line(void **state)
{
    (void)state;
    blob b = {0};
    nn_err err = {{0}};
    nn_pos ov = {"-s layers.0.units=abc", 0, 0};
    assert_int_equal(nn_hparam_parse(entry("units"), &b, NULL, "abc", ov, &err), -1);
    assert_string_equal(err.msg, "-s layers.0.units=abc: units: expected an integer in "
                                 "[1, 1048576], got 'abc'");
    assert_int_equal(nn_hparam_parse(entry("units"), &b, "dense", NULL, ov, &err), -1);
    assert_non_null(strstr(err.msg, "got ''"));
}

static void test_hostile_value_is_quoted_and_cut(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[3] = '\n';
    big[4] = '\x01';
    blob b = {0};
    nn_err err = {{0}};
    assert_int_equal(parse(&b, "units", big, &err), -1);
    assert_non_null(strstr(err.msg, "got 'AAA\\x0a\\x01AAA"));
    assert_non_null(strstr(err.msg, "...'"));
    assert_true(strlen(err.msg) < 300);
    assert_null(strchr(err.msg, '\n'));
}

static void test_unknown_and_lists(void **state)
{
    (void)state;
    char buf[256];
    nn_err err = {{0}};
    nn_hparam_list_keys(table, buf, sizeof buf);
    assert_string_equal(buf, "units, rate, flag, pick, slope, any");
    nn_hparam_list_keys(NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    nn_hparam_list_words(words, buf, sizeof buf);
    assert_string_equal(buf, "uniform, xavier, he");
    nn_hparam_list_words(words, buf, 12); /* too small: cut cleanly */
    assert_true(strlen(buf) < 12);
    assert_non_null(strstr(buf, "..."));
    assert_int_equal(nn_hparam_unknown(table, "dense", "unit", here, &err), -1);
    assert_string_equal(err.msg, "m.yaml:7:9: unknown key 'unit' for dense (expected one of: "
                                 "units, rate, flag, pick, slope, any)");
    static const nn_hparam none[] = {{0}};
    assert_int_equal(nn_hparam_unknown(none, "tanh", "x", here, &err), -1);
    assert_non_null(strstr(err.msg, "unknown key 'x' for tanh"));
}

static void test_format(void **state)
{
    (void)state;
    blob b = {.units = 42, .rate = 0.1, .flag = 0, .pick = 2, .slope = 1.0 / 3.0, .any = -7};
    char buf[64];
    nn_hparam_format(entry("units"), &b, buf, sizeof buf);
    assert_string_equal(buf, "42");
    nn_hparam_format(entry("rate"), &b, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    nn_hparam_format(entry("flag"), &b, buf, sizeof buf);
    assert_string_equal(buf, "false");
    b.flag = 1;
    nn_hparam_format(entry("flag"), &b, buf, sizeof buf);
    assert_string_equal(buf, "true");
    nn_hparam_format(entry("pick"), &b, buf, sizeof buf);
    assert_string_equal(buf, "he");
    nn_hparam_format(entry("any"), &b, buf, sizeof buf);
    assert_string_equal(buf, "-7");
    nn_hparam_format(entry("slope"), &b, buf, sizeof buf);
    assert_string_equal(buf, "0.3333333333333333");
    b.pick = 9; /* out of range: printed as "?", never read past the word list */
    nn_hparam_format(entry("pick"), &b, buf, sizeof buf);
    assert_string_equal(buf, "?");
}

/* Every value printed by nn_hparam_format parses back to the same field. */
static void test_format_round_trip(void **state)
{
    (void)state;
    static const double floats[] = {0.1, 1e-3, 0.00392156862745098, 1.0 / 3.0, 0.7,
                                    1 - 1e-16, 2.2250738585072014e-308, 0.1 + 0.2, 1};
    static const nn_hparam any_float = {.key = "f", .kind = NN_HP_FLOAT};
    char buf[64];
    nn_err err = {{0}};
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
        double v = floats[i], back = -1;
        nn_hparam_format(&any_float, &v, buf, sizeof buf);
        assert_int_equal(nn_hparam_parse(&any_float, &back, "o", buf, here, &err), 0);
        assert_memory_equal(&v, &back, sizeof v);
    }
    blob b = {.units = 1048576, .rate = 0.3, .flag = 1, .pick = 1, .slope = 12345.678e9,
              .any = INT_MIN};
    for (const nn_hparam *h = table; h->key; h++) {
        blob c;
        memset(&c, 0, sizeof c);
        nn_hparam_format(h, &b, buf, sizeof buf);
        assert_int_equal(nn_hparam_parse(h, &c, "o", buf, here, &err), 0);
        char again[64];
        nn_hparam_format(h, &c, again, sizeof again);
        assert_string_equal(buf, again);
    }
}

/* An integer or a word (conv2d's padding): words are stored as -(index + 1). */
static const char *const pad_words[] = {"valid", "same", NULL};
static const nn_hparam pad_table[] = {
    {"padding", NN_HP_INT_OR_WORD, 0, 0, .def = -1, .min = 0, .max = 64, .choices = pad_words},
    {0},
};

static void test_int_or_word(void **state)
{
    (void)state;
    const nn_hparam *h = &pad_table[0];
    int v = 99;
    nn_err err = {{0}};
    nn_hparam_defaults(pad_table, &v);
    assert_int_equal(v, -1);
    char buf[32];
    nn_hparam_format(h, &v, buf, sizeof buf);
    assert_string_equal(buf, "valid");
    assert_int_equal(nn_hparam_parse(h, &v, "conv2d", "same", here, &err), 0);
    assert_int_equal(v, -2);
    nn_hparam_format(h, &v, buf, sizeof buf);
    assert_string_equal(buf, "same");
    assert_int_equal(nn_hparam_parse(h, &v, "conv2d", "valid", here, &err), 0);
    assert_int_equal(v, -1);
    assert_int_equal(nn_hparam_parse(h, &v, "conv2d", "0", here, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(nn_hparam_parse(h, &v, "conv2d", "64", here, &err), 0);
    assert_int_equal(v, 64);
    nn_hparam_format(h, &v, buf, sizeof buf);
    assert_string_equal(buf, "64");

    /* Neither a word nor an integer in range; a negative integer never passes as a word. */
    static const char *const bad[] = {"Same", "-1", "-2", "65", "2.0", "", " 1", "0x2",
                                      "valid ", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = 7;
        assert_int_equal(nn_hparam_parse(h, &v, "conv2d", bad[i], here, &err), -1);
        assert_int_equal(v, 7);
        assert_non_null(strstr(err.msg, "m.yaml:7:9: conv2d: padding: expected one of: valid, "
                                        "same, or an integer in [0, 64], got '"));
    }

    /* Out-of-range stored values print as "?", never read past the word list. */
    v = -3;
    nn_hparam_format(h, &v, buf, sizeof buf);
    assert_string_equal(buf, "?");
    for (int w = -2; w <= 64; w++) {
        int back = 1000;
        nn_hparam_format(h, &w, buf, sizeof buf);
        assert_int_equal(nn_hparam_parse(h, &back, "o", buf, here, &err), 0);
        assert_int_equal(back, w);
    }
    assert_int_equal(nn_hparam_get_int(h, &v), -3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_or_word),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_find_and_main),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_int_errors),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_float_errors),
        cmocka_unit_test(test_open_min_only_when_flagged),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_error_without_owner_or_line),
        cmocka_unit_test(test_hostile_value_is_quoted_and_cut),
        cmocka_unit_test(test_unknown_and_lists),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
