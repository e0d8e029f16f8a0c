/* test_err.c -- error formatting (err.c), checked allocation (xalloc.c), strict flags (cli.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "xalloc.h"

static void fail_at_formats_place(void **state)
{
    (void)state;
    nn_err err;
    assert_int_equal(nn_fail_at(&err, (nn_pos){"m.yaml", 7, 9}, "bad %s", "key"), -1);
    assert_string_equal(err.msg, "m.yaml:7:9: bad key");
    nn_fail_at(&err, (nn_pos){"d.csv", 3, 0}, "short row");
    assert_string_equal(err.msg, "d.csv:3: short row");
    nn_fail_at(&err, (nn_pos){"d.csv", 0, 0}, "empty");
    assert_string_equal(err.msg, "d.csv: empty");
    nn_fail_byte(&err, "w.nnw", 4096, "tensor '%s'", "dense1.W");
    assert_string_equal(err.msg, "w.nnw: byte 4096: tensor 'dense1.W'");
    nn_fail_io(&err, "x.csv", "cannot open", ENOENT);
    assert_string_equal(err.msg, "x.csv: cannot open: No such file or directory");
    assert_int_equal(nn_fail(NULL, "dropped"), -1);
}

static void long_messages_are_truncated_safely(void **state)
{
    (void)state;
    char big[4000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    nn_err err;
    nn_fail_at(&err, (nn_pos){big, 1, 1}, "%s", big);
    assert_int_equal(strlen(err.msg), NN_ERR_MAX - 1);
}

static void alloc_refuses_overflow(void **state)
{
    (void)state;
    nn_err err = {{0}};
    assert_null(nn_alloc(SIZE_MAX / 2, 4, &err));
    assert_non_null(strstr(err.msg, "overflows"));
    size_t out;
    assert_false(nn_mul_ok(SIZE_MAX, 2, &out));
    assert_true(nn_mul_ok(0, SIZE_MAX, &out) && out == 0);
    float *p = nn_alloc(4, sizeof(float), &err);
    assert_non_null(p);
    for (int i = 0; i < 4; i++)
        assert_true(p[i] == 0.0f);
    float *q = nn_realloc(p, SIZE_MAX / 2, 4, &err);
    assert_null(q); /* p is still valid */
    q = nn_realloc(p, 8, sizeof(float), &err);
    assert_non_null(q);
    nn_free(q);
    char *s = nn_strndup("hello", 3, &err);
    assert_string_equal(s, "hel");
    nn_free(s);
    nn_free(NULL);
}

static void cli_int_is_strict(void **state)
{
    (void)state;
    nn_err err;
    long v;
    assert_int_equal(nn_cli_int("-e", "12", 1, 100, &v, &err), 0);
    assert_int_equal(v, 12);
    const char *bad[] = {"", "abc", "12x", " 12", "0", "101", "1e3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(nn_cli_int("-e", bad[i], 1, 100, &v, &err), -1);
        assert_non_null(strstr(err.msg, "expected an integer in [1, 100]"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_at_formats_place),
        cmocka_unit_test(long_messages_are_truncated_safely),
        cmocka_unit_test(alloc_refuses_overflow),
        cmocka_unit_test(cli_int_is_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
