/* test_lint.c -- the warnings about valid but unlikely models and data: each fires on the case
 * it is for, names the right place, and stays silent on the shapes, layers and labels that are
 * fine. Model files are parsed from text as "m.yaml". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "lint.h"

static void parse(const char *text, nn_spec *spec)
{
    nn_err err;
    if (nn_config_parse(text, strlen(text), "m.yaml", NULL, NULL, 0, spec, &err) < 0)
        fail_msg("%s", err.msg);
}

/* The channels advice for an image model with this input and first layer. */
static int channels(const char *input, const char *layer, char *buf, size_t size)
{
    char text[256];
    nn_spec spec;
    snprintf(text, sizeof text, "input: %s\nlayers:\n  - %s\n  - flatten\nloss: mse\n", input,
             layer);
    parse(text, &spec);
    int rc = nn_lint_channels_last(&spec, buf, size);
    nn_config_destroy(&spec);
    return rc;
}

static void test_channels_last(void **state)
{
    (void)state;
    char buf[256];
    assert_int_equal(channels("[28, 28, 1]", "conv2d: {filters: 2, kernel: 1}", buf, sizeof buf),
                     1);
    assert_string_equal(buf, "input [28, 28, 1] is channels, height, width: 28 channels of "
                             "28x1 (for 28x28 images of 1 channel, write input: [1, 28, 28])");
    assert_int_equal(channels("[32, 24, 3]", "maxpool2d: 1", buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "for 32x24 images of 3 channels, write input: [3, 32, 24]"));
    /* channels first, no image layer, too small to be an image, or a channel count of 5 */
    assert_int_equal(channels("[1, 28, 28]", "conv2d: {filters: 2, kernel: 3}", buf, 8), 0);
    assert_int_equal(channels("[28, 28, 1]", "dense: 3", buf, sizeof buf), 0);
    assert_int_equal(channels("[4, 8, 1]", "avgpool2d: 1", buf, sizeof buf), 0);
    assert_int_equal(channels("[28, 28, 5]", "conv2d: {filters: 2, kernel: 1}", buf, 8), 0);
    assert_int_equal(channels("784", "dense: 3", buf, sizeof buf), 0);
}

/* The warning for a classifier ending in `last` with loss `loss`, or "" when none. */
static const char *last_activation(const char *last, const char *loss, nn_err *w)
{
    char text[256];
    nn_spec spec;
    snprintf(text, sizeof text, "input: 4\nlayers:\n  - dense: 3\n  - %s\nloss: %s\n", last,
             loss);
    parse(text, &spec);
    int rc = nn_lint_last_activation(&spec, w);
    nn_config_destroy(&spec);
    return rc ? w->msg : "";
}

static void test_last_activation(void **state)
{
    (void)state;
    nn_err w;
    assert_string_equal(last_activation("sigmoid", "cross_entropy", &w),
                        "m.yaml:4:5: sigmoid before cross_entropy: the multi-class loss expects "
                        "logits or softmax, which it applies itself, so the outputs are "
                        "squashed twice (end the layers with softmax or with no activation; "
                        "binary_cross_entropy is the loss that goes with sigmoid)");
    assert_non_null(strstr(last_activation("softmax", "binary_cross_entropy", &w),
                           "m.yaml:4:5: softmax before binary_cross_entropy: the binary loss "
                           "expects logits or sigmoid"));
    assert_string_equal(last_activation("softmax", "cross_entropy", &w), "");
    assert_string_equal(last_activation("sigmoid", "binary_cross_entropy", &w), "");
    assert_string_equal(last_activation("sigmoid", "mse", &w), "");
    assert_string_equal(last_activation("tanh", "cross_entropy", &w), "");
}

static void test_classes(void **state)
{
    (void)state;
    nn_spec spec;
    nn_err w;
    parse("input: 1\nlayers: [dense: 5]\nloss: cross_entropy\n", &spec);
    float labels[] = {0, 2, 1, 2}, onehot[2 * 5] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    nn_dataset train = {.n = 4, .nx = 1, .ny = 1, .y = labels, .source = (char *)"t.csv"};
    nn_dataset val = {.n = 1, .nx = 1, .ny = 1, .y = labels + 1, .source = (char *)"v.csv"};
    nn_dataset none = {0};
    const nn_dataset *sets[] = {&train, &val, &none};
    assert_int_equal(nn_lint_classes(&spec, 5, sets, 3, &w), 1);
    assert_string_equal(w.msg, "t.csv: the labels hold 3 classes (0 to 2), but the network has "
                               "5 outputs: 2 of them are never the right answer (give the last "
                               "layer 3 outputs, such as units: 3)");
    labels[0] = 4; /* every output has a class */
    assert_int_equal(nn_lint_classes(&spec, 5, sets, 3, &w), 0);
    labels[0] = 0;
    val.y = (float[]){4}; /* the validation rows hold the highest class */
    assert_int_equal(nn_lint_classes(&spec, 5, sets, 3, &w), 0);
    nn_dataset hot = {.n = 2, .nx = 1, .ny = 5, .y = onehot, .source = (char *)"h.csv"};
    const nn_dataset *hots[] = {&hot};
    assert_int_equal(nn_lint_classes(&spec, 5, hots, 1, &w), 0); /* one column per output */
    nn_config_destroy(&spec);
    parse("input: 1\nlayers: [dense: 5]\nloss: mse\n", &spec);
    assert_int_equal(nn_lint_classes(&spec, 5, sets, 1, &w), 0); /* regression */
    nn_config_destroy(&spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels_last),
        cmocka_unit_test(test_last_activation),
        cmocka_unit_test(test_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
