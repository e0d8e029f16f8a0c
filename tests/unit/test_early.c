/* test_early.c -- the early stopping rule: improvement by more than min_delta in the right
 * direction, patience counted in epochs without one, NaN never improving. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "early.h"

static nn_early_spec spec(int patience, int monitor, double min_delta)
{
    nn_early_spec s;
    nn_hparam_defaults(nn_early_hparams, &s);
    s.enabled = 1;
    s.patience = patience;
    s.monitor = monitor;
    s.min_delta = min_delta;
    return s;
}

static void test_defaults(void **state)
{
    (void)state;
    nn_early_spec s = {0};
    nn_hparam_defaults(nn_early_hparams, &s);
    assert_int_equal(s.patience, 5);
    assert_int_equal(s.monitor, NN_MONITOR_VAL_LOSS);
    assert_true(s.min_delta == 0);
    assert_string_equal(nn_hparam_main(nn_early_hparams)->key, "patience");
    assert_string_equal(nn_monitor_names[NN_MONITOR_VAL_ACC], "val_acc");
    assert_string_equal(nn_monitor_names[NN_MONITOR_LOSS], "loss");
    assert_null(nn_monitor_names[3]);
    s.monitor = NN_MONITOR_LOSS;
    assert_false(nn_early_needs_val(&s));
    s.monitor = NN_MONITOR_VAL_ACC;
    assert_true(nn_early_needs_val(&s) && nn_early_is_acc(&s));
    nn_err err;
    assert_int_equal(nn_hparam_parse(nn_hparam_find(nn_early_hparams, "patience"), &s,
                                     "early_stopping", "0", (nn_pos){"m", 1, 1}, &err), -1);
    assert_int_equal(nn_hparam_parse(nn_hparam_find(nn_early_hparams, "monitor"), &s,
                                     "early_stopping", "acc", (nn_pos){"m", 1, 1}, &err), -1);
    assert_non_null(strstr(err.msg, "val_loss, val_acc, loss"));
}

/* A loss: lower is better. Patience 2 stops at the second epoch in a row without a new best. */
static void test_loss(void **state)
{
    (void)state;
    nn_early_spec s = spec(2, NN_MONITOR_VAL_LOSS, 0);
    nn_early_state st = {0};
    assert_int_equal(nn_early_update(&s, &st, 1, 0.9), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 2, 0.5), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 3, 0.5), NN_EARLY_WAIT); /* equal: no */
    assert_int_equal(nn_early_update(&s, &st, 4, 0.4), NN_EARLY_BETTER);
    assert_int_equal(st.wait, 0);
    assert_int_equal(nn_early_update(&s, &st, 5, 0.6), NN_EARLY_WAIT);
    assert_int_equal(st.wait, 1);
    assert_int_equal(nn_early_update(&s, &st, 6, 0.45), NN_EARLY_STOP);
    assert_int_equal(st.best_epoch, 4);
    assert_true(st.best == 0.4);
}

/* An accuracy: higher is better; min_delta demands a real gain. */
static void test_acc_min_delta(void **state)
{
    (void)state;
    nn_early_spec s = spec(3, NN_MONITOR_VAL_ACC, 0.01);
    nn_early_state st = {0};
    assert_int_equal(nn_early_update(&s, &st, 1, 0.5), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 2, 0.505), NN_EARLY_WAIT); /* < 0.01 more */
    assert_int_equal(nn_early_update(&s, &st, 3, 0.52), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 4, 0.3), NN_EARLY_WAIT);
    assert_int_equal(nn_early_update(&s, &st, 5, 0.525), NN_EARLY_WAIT);
    assert_int_equal(nn_early_update(&s, &st, 6, 0.529), NN_EARLY_STOP);
    assert_int_equal(st.best_epoch, 3);
    /* min_delta applies to a loss the other way */
    s = spec(1, NN_MONITOR_LOSS, 0.1);
    memset(&st, 0, sizeof st);
    assert_int_equal(nn_early_update(&s, &st, 1, 1.0), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 2, 0.95), NN_EARLY_STOP);
}

static void test_nan(void **state)
{
    (void)state;
    nn_early_spec s = spec(2, NN_MONITOR_VAL_LOSS, 0);
    nn_early_state st = {0};
    assert_int_equal(nn_early_update(&s, &st, 1, NAN), NN_EARLY_WAIT);
    assert_int_equal(st.best_epoch, 0);
    assert_int_equal(nn_early_update(&s, &st, 2, 3.0), NN_EARLY_BETTER);
    assert_int_equal(nn_early_update(&s, &st, 3, NAN), NN_EARLY_WAIT);
    assert_int_equal(nn_early_update(&s, &st, 4, NAN), NN_EARLY_STOP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_acc_min_delta),
        cmocka_unit_test(test_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
