/* test_schedule.c -- the learning rate of every epoch for each schedule, with and without
 * warmup, against values worked out by hand from PyTorch's closed forms. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "schedule.h"
#include "testutil.h"

/* A settings blob for ops: its defaults, then KEY=VALUE pairs (NULL-ended). */
static void make_hp(const nn_schedule_ops *ops, nn_schedule_hp *hp, ...)
{
    memset(hp, 0, sizeof *hp);
    assert_int_equal(ops->hp_size, sizeof *hp);
    va_list ap;
    va_start(ap, hp);
    nn_test_hparams(ops->hparams, ops->type, hp, ap);
    va_end(ap);
}

/* lr of epochs 1..n against want[]. */
static void expect_lrs(const nn_schedule_ops *ops, const nn_schedule_hp *hp, double base,
                       int epochs, const double *want, int n)
{
    for (int e = 1; e <= n; e++) {
        double got = nn_schedule_lr(ops, hp, base, e, epochs);
        if (fabs(got - want[e - 1]) > 1e-12 * (1 + fabs(want[e - 1])))
            fail_msg("%s: epoch %d of %d: lr %.17g, expected %.17g", ops ? ops->type : "NULL",
                     e, epochs, got, want[e - 1]);
    }
}

static void test_table(void **state)
{
    (void)state;
    const char *names[] = {"constant", "step", "exponential", "cosine"};
    for (int i = 0; i < 4; i++) {
        const nn_schedule_ops *o = nn_schedule_find(names[i]);
        assert_non_null(o);
        assert_ptr_equal(o, nn_schedules[i]);
        assert_non_null(nn_hparam_find(o->hparams, "warmup_epochs"));
    }
    assert_null(nn_schedules[4]);
    assert_null(nn_schedule_find("Cosine"));
    assert_null(nn_schedule_find(NULL));
    nn_schedule_hp hp;
    make_hp(nn_schedule_find("step"), &hp, NULL);
    assert_int_equal(hp.step_size, 10);
    assert_true(hp.gamma == 0.1);
    assert_int_equal(hp.warmup_epochs, 0);
    make_hp(nn_schedule_find("exponential"), &hp, NULL);
    assert_true(hp.gamma == 0.9);
    make_hp(nn_schedule_find("cosine"), &hp, NULL);
    assert_true(hp.min_lr == 0);
    assert_null(nn_hparam_find(nn_schedule_find("cosine")->hparams, "gamma"));
    assert_string_equal(nn_hparam_main(nn_schedule_find("step")->hparams)->key, "step_size");
    nn_err err;
    const nn_hparam *g = nn_hparam_find(nn_schedule_find("step")->hparams, "gamma");
    assert_int_equal(nn_hparam_parse(g, &hp, "step", "0", (nn_pos){"m", 2, 3}, &err), -1);
    const nn_hparam *s = nn_hparam_find(nn_schedule_find("step")->hparams, "step_size");
    assert_int_equal(nn_hparam_parse(s, &hp, "step", "0", (nn_pos){"m", 2, 3}, &err), -1);
}

static void test_constant(void **state)
{
    (void)state;
    const double want[] = {0.1, 0.1, 0.1};
    expect_lrs(NULL, NULL, 0.1, 3, want, 3);
    nn_schedule_hp hp;
    const nn_schedule_ops *c = nn_schedule_find("constant");
    make_hp(c, &hp, NULL);
    expect_lrs(c, &hp, 0.1, 3, want, 3);
    /* warmup 3: base * e / 4 for e = 1..3, then base */
    make_hp(c, &hp, "warmup_epochs", "3", NULL);
    const double warm[] = {0.025, 0.05, 0.075, 0.1, 0.1};
    expect_lrs(c, &hp, 0.1, 5, warm, 5);
}

/* StepLR(step_size=2, gamma=0.5): 1, 1, 0.5, 0.5, 0.25 times base. */
static void test_step(void **state)
{
    (void)state;
    nn_schedule_hp hp;
    const nn_schedule_ops *s = nn_schedule_find("step");
    make_hp(s, &hp, "step_size", "2", "gamma", "0.5", NULL);
    const double want[] = {0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025};
    expect_lrs(s, &hp, 0.2, 7, want, 7);
    make_hp(s, &hp, "step_size", "2", "gamma", "0.5", "warmup_epochs", "1", NULL);
    const double warm[] = {0.1, 0.2, 0.2, 0.1, 0.1, 0.05};
    expect_lrs(s, &hp, 0.2, 6, warm, 6);
}

/* ExponentialLR(gamma=0.5): base * 0.5^(e-1). */
static void test_exponential(void **state)
{
    (void)state;
    nn_schedule_hp hp;
    const nn_schedule_ops *x = nn_schedule_find("exponential");
    make_hp(x, &hp, "gamma", "0.5", NULL);
    const double want[] = {1, 0.5, 0.25, 0.125};
    expect_lrs(x, &hp, 1, 4, want, 4);
    make_hp(x, &hp, "gamma", "2", "warmup_epochs", "2", NULL); /* gamma above 1 grows */
    const double warm[] = {1.0 / 3, 2.0 / 3, 1, 2, 4};
    expect_lrs(x, &hp, 1, 5, warm, 5);
}

/* CosineAnnealingLR(T_max = epochs, eta_min): min + (base - min)(1 + cos(pi k / T)) / 2. */
static void test_cosine(void **state)
{
    (void)state;
    nn_schedule_hp hp;
    const nn_schedule_ops *c = nn_schedule_find("cosine");
    make_hp(c, &hp, NULL);
    /* T = 4: k = 0..3 gives (1 + cos(0, pi/4, pi/2, 3pi/4)) / 2 */
    const double want[] = {1, (1 + sqrt(0.5)) / 2, 0.5, (1 - sqrt(0.5)) / 2};
    expect_lrs(c, &hp, 1, 4, want, 4);
    make_hp(c, &hp, "min_lr", "0.1", NULL);
    const double floor_[] = {1, 0.1 + 0.9 * (1 + sqrt(0.5)) / 2, 0.55,
                             0.1 + 0.9 * (1 - sqrt(0.5)) / 2};
    expect_lrs(c, &hp, 1, 4, floor_, 4);
    /* warmup 2 of 6 epochs: 1/3, 2/3, then cosine over T = 4 */
    make_hp(c, &hp, "warmup_epochs", "2", NULL);
    const double warm[] = {1.0 / 3, 2.0 / 3, 1, (1 + sqrt(0.5)) / 2, 0.5, (1 - sqrt(0.5)) / 2};
    expect_lrs(c, &hp, 1, 6, warm, 6);
    /* more warmup than epochs: the schedule proper has T = 1 */
    make_hp(c, &hp, "warmup_epochs", "5", NULL);
    assert_true(fabs(nn_schedule_lr(c, &hp, 1, 3, 3) - 0.5) < 1e-15);
    assert_true(nn_schedule_lr(c, &hp, 1, 6, 3) == 1);
    /* one epoch: the base rate */
    make_hp(c, &hp, NULL);
    assert_true(nn_schedule_lr(c, &hp, 0.3, 1, 1) == 0.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_constant),
        cmocka_unit_test(test_step),       cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_cosine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
