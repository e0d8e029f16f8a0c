/* test_suggest.c -- "did you mean": the edit distance (swaps, case and '_' against '-'
 * included) and the choice of the nearest option name, with the near misses users type. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "suggest.h"

/* nntrain's long options, in the order of its table. */
static const char *const options[] = {
    "output", "epochs", "learning-rate", "batch-size", "seed", "threads", "set", "log-format",
    "history", "plot", "checkpoint-every", "resume", "summary", "dry-run", "quiet", "help",
    "version",
};
enum { NOPTIONS = sizeof options / sizeof *options };

static void expect(const char *typed, const char *want)
{
    const char *got = nn_suggest(typed, options, NOPTIONS);
    if (want == NULL && got != NULL)
        fail_msg("'%s': expected no suggestion, got '%s'", typed, got);
    if (want != NULL && (got == NULL || strcmp(got, want) != 0))
        fail_msg("'%s': expected '%s', got '%s'", typed, want, got ? got : "(none)");
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(nn_suggest_distance("", ""), 0);
    assert_int_equal(nn_suggest_distance("abc", ""), 3);
    assert_int_equal(nn_suggest_distance("", "abc"), 3);
    assert_int_equal(nn_suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(nn_suggest_distance("epoch", "epochs"), 1);      /* an insertion */
    assert_int_equal(nn_suggest_distance("outptu", "output"), 1);     /* a swap */
    assert_int_equal(nn_suggest_distance("batch_size", "batch-size"), 0);
    assert_int_equal(nn_suggest_distance("SEED", "seed"), 0);
    assert_int_equal(nn_suggest_distance("ca", "abc"), 3);            /* no edit twice */
    char huge[100];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_true(nn_suggest_distance(huge, "a") >= INT_MAX / 2);
}

static void test_near_misses(void **state)
{
    (void)state;
    expect("batch_size", "batch-size");     /* Python's spelling */
    expect("learning_rate", "learning-rate");
    expect("epoch", "epochs");
    expect("lerning-rat", "learning-rate"); /* two edits in a long word */
    expect("outptu", "output");
    expect("sed", "seed");                  /* seed and set tie: the first in the table */
    expect("Threads", "threads");
}

static void test_initials_and_prefixes(void **state)
{
    (void)state;
    expect("lr", "learning-rate");
    expect("bs", "batch-size");
    expect("ce", "checkpoint-every");
    expect("versions", "version");         /* an edit before a prefix */
    expect("dryrun", "dry-run");
    expect("plotfile", "plot");             /* the option starts what was typed */
}

static void test_nothing_near(void **state)
{
    (void)state;
    expect("frobnicate", NULL);
    expect("x", NULL);
    expect("", NULL);
    expect("ab", NULL);                     /* too short for an edit, not initials */
    expect("l", NULL);                      /* one initial is no abbreviation */
    expect("lrx", NULL);
    assert_null(nn_suggest("seed", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_near_misses),
        cmocka_unit_test(test_initials_and_prefixes),
        cmocka_unit_test(test_nothing_near),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
