/* test_optim.c -- the optimizer table and sgd's update. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "optim.h"

static void test_find(void **state)
{
    (void)state;
    const nn_optim_ops *sgd = nn_optim_find("sgd");
    assert_non_null(sgd);
    assert_string_equal(sgd->type, "sgd");
    assert_int_equal(sgd->nslots, 0);
    assert_null(sgd->hparams);
    assert_int_equal(sgd->hp_size, 0);
    assert_null(nn_optim_find("SGD"));
    assert_null(nn_optim_find("sgdx"));
    assert_null(nn_optim_find(""));
    assert_null(nn_optim_find(NULL));
    for (int i = 0; nn_optimizers[i]; i++) {
        assert_non_null(nn_optimizers[i]->step);
        assert_ptr_equal(nn_optim_find(nn_optimizers[i]->type), nn_optimizers[i]);
    }
}

/* w -= lr * g, elementwise; g is left alone. */
static void test_sgd_step(void **state)
{
    (void)state;
    const nn_optim_ops *sgd = nn_optim_find("sgd");
    assert_non_null(sgd);
    float w[4] = {1, 2, 3, -4}, g[4] = {0.5f, -1, 0, 2};
    sgd->step(NULL, 0.1f, w, g, NULL, 4, 1);
    const float want[4] = {0.95f, 2.1f, 3, -4.2f};
    for (int i = 0; i < 4; i++)
        assert_true(fabsf(w[i] - want[i]) < 1e-6f);
    assert_true(g[0] == 0.5f && g[1] == -1 && g[2] == 0 && g[3] == 2);
    sgd->step(NULL, 0.1f, w, g, NULL, 4, 2); /* stateless: the same step again */
    assert_true(fabsf(w[0] - 0.9f) < 1e-6f);
    sgd->step(NULL, 0.0f, w, g, NULL, 4, 3); /* lr 0: no change */
    assert_true(fabsf(w[0] - 0.9f) < 1e-6f);
    sgd->step(NULL, 1.0f, w, g, NULL, 0, 4); /* n 0: no change */
    assert_true(fabsf(w[3] + 4.4f) < 1e-6f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_sgd_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
