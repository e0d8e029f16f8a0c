/* test_plot.c -- --plot: the checks made before training (file type, gnuplot in PATH) and
 * the pictures gnuplot draws (a PNG by its magic, an SVG by its element), with no temporary
 * file left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plot.h"
#include "xalloc.h"
#include "testutil.h"

static void test_check(void **state)
{
    (void)state;
    nn_err err = {{0}};
    assert_int_equal(nn_plot_check("curves.png", &err), 0);
    assert_int_equal(nn_plot_check("dir/curves.svg", &err), 0);
    const char *bad[] = {"curves.jpg", "curves", ".png", "curves.PNG", "curves.png.txt"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(nn_plot_check(bad[i], &err), -1);
        assert_non_null(strstr(err.msg, "expected a file name ending in .png or .svg"));
    }
    const char *path = getenv("PATH");
    char *saved = nn_strdup(path ? path : "", &err);
    assert_int_equal(setenv("PATH", "/nonexistent:/also/not", 1), 0);
    assert_int_equal(nn_plot_check("curves.png", &err), -1);
    assert_string_equal(err.msg, "--plot curves.png: gnuplot was not found in PATH (install "
                                 "it: apt-get install gnuplot-nox)");
    assert_int_equal(setenv("PATH", saved, 1), 0);
    nn_free(saved);
}

static nn_history sample_history(int acc, int val)
{
    nn_history h = {0};
    nn_err err;
    for (int e = 1; e <= 5; e++) {
        nn_epoch_report r = {.epoch = e, .epochs = 5, .lr = 0.1};
        r.train = (nn_metrics){.loss = 1.0 / e, .acc = 1 - 0.5 / e, .has_acc = acc};
        r.val = (nn_metrics){.loss = 1.2 / e, .acc = 1 - 0.6 / e, .has_acc = acc};
        r.has_val = val;
        assert_int_equal(nn_history_add(&h, &r, &err), 0);
    }
    return h;
}

static size_t slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

static void test_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_plot.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char png[64], svg[64], lone[64], missing[80];
    snprintf(png, sizeof png, "%s/it's.png", dir); /* a quote in the name */
    snprintf(svg, sizeof svg, "%s/c.svg", dir);
    snprintf(lone, sizeof lone, "%s/r.svg", dir);
    snprintf(missing, sizeof missing, "%s/no/c.png", dir);
    nn_err err = {{0}};
    nn_history h = sample_history(1, 1);
    if (nn_plot_write(png, &h, &err) < 0)
        fail_msg("%s", err.msg);
    static char buf[1 << 16];
    size_t n = slurp(png, buf, sizeof buf);
    assert_true(n > 1000);
    assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(nn_plot_write(svg, &h, &err), 0);
    slurp(svg, buf, sizeof buf);
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "accuracy"));
    assert_non_null(strstr(buf, "validation"));
    nn_history_destroy(&h);

    h = sample_history(0, 0); /* regression, no validation: the loss alone */
    assert_int_equal(nn_plot_write(lone, &h, &err), 0);
    slurp(lone, buf, sizeof buf);
    assert_non_null(strstr(buf, "<svg"));
    assert_null(strstr(buf, "accuracy"));
    assert_null(strstr(buf, "validation"));
    assert_int_equal(nn_plot_write(missing, &h, &err), -1);
    assert_non_null(strstr(err.msg, "cannot create"));
    nn_history_destroy(&h);
    nn_history empty = {0};
    assert_int_equal(nn_plot_write(png, &empty, &err), -1);
    assert_non_null(strstr(err.msg, "no epoch to draw"));
    assert_int_equal(nn_test_count_files(dir), 3); /* the three pictures, nothing else */
    unlink(png);
    unlink(svg);
    unlink(lone);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
