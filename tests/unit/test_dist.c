/* test_dist.c -- dist.h as the plain build has it: how rows are split among ranks, the
 * fingerprint hash, the agreement, and the one-process backend, whose collectives leave their
 * input as it is, so a trainer given it trains exactly as one that was not. (The MPI backend is
 * tested end to end by tests/mpi/.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "dist.h"
#include "model.h"
#include "train.h"
#include "xalloc.h"

static void shards_cover_the_rows_in_order(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 70; n++) {
        for (int size = 1; size <= 9; size++) {
            size_t next = 0, most = 0, least = (size_t)-1;
            for (int r = 0; r < size; r++) {
                size_t lo, count;
                nn_dist_shard(n, r, size, &lo, &count);
                assert_int_equal(lo, next); /* contiguous, in rank order */
                next = lo + count;
                most = count > most ? count : most;
                least = count < least ? count : least;
                /* the first n % size ranks take the extra rows */
                assert_int_equal(count, n / (size_t)size + ((size_t)r < n % (size_t)size));
            }
            assert_int_equal(next, n);
            assert_true(most - least <= 1);
        }
    }
}

static void a_short_batch_is_split_evenly(void **state)
{
    (void)state;
    size_t lo, count;
    nn_dist_shard(5, 0, 2, &lo, &count); /* 5 rows on 2 ranks: 3 and 2 */
    assert_int_equal(lo, 0);
    assert_int_equal(count, 3);
    nn_dist_shard(5, 1, 2, &lo, &count);
    assert_int_equal(lo, 3);
    assert_int_equal(count, 2);
    nn_dist_shard(2, 3, 4, &lo, &count); /* fewer rows than ranks: the last ones get none */
    assert_int_equal(count, 0);
    assert_int_equal(lo, 2);
}

static void hash_is_fnv1a_and_continues(void **state)
{
    (void)state;
    assert_int_equal(nn_dist_hash("", 0, 0), 0xcbf29ce484222325ULL);
    assert_int_equal(nn_dist_hash("a", 1, 0), 0xaf63dc4c8601ec8cULL);
    assert_int_equal(nn_dist_hash("ab", 2, 0), nn_dist_hash("b", 1, nn_dist_hash("a", 1, 0)));
    assert_int_not_equal(nn_dist_hash("ab", 2, 0), nn_dist_hash("ba", 2, 0));
}

static void one_process_is_a_job_of_one(void **state)
{
    (void)state;
    nn_err err;
    int argc = 1;
    char *args[] = {"test", NULL};
    char **argv = args;
    nn_dist *d = nn_dist_init(&argc, &argv, &err);
    assert_non_null(d);
    assert_int_equal(nn_dist_rank(d), 0);
    assert_int_equal(nn_dist_size(d), 1);
    assert_int_equal(nn_dist_threads(d, 8), 8);
    assert_int_equal(nn_dist_threads(d, 0), 1);
    float f[3] = {1.5f, -2, 3};
    nn_dist_sum_floats(d, f, 3);
    assert_true(f[0] == 1.5f && f[1] == -2 && f[2] == 3);
    double v[2] = {4, -5};
    nn_dist_sum(d, v, 2);
    nn_dist_max(d, v, 2);
    assert_true(v[0] == 4 && v[1] == -5);
    nn_dist_vote_start(d, 1);
    assert_int_equal(nn_dist_vote_end(d), 1);
    nn_dist_vote_start(d, 0);
    assert_int_equal(nn_dist_vote_end(d), 0);

    nn_dist_verdict ok = nn_dist_agree(d, 0, 0x123456789abcdefULL, 2);
    assert_int_equal(ok.code, 0);
    assert_int_equal(ok.first_failed, -1);
    assert_int_equal(ok.differ, 0);
    nn_dist_verdict bad = nn_dist_agree(d, 143, 0, 2);
    assert_int_equal(bad.code, 143);
    assert_int_equal(bad.first_failed, 0);
    nn_dist_finalize(d);
    nn_dist_finalize(NULL);
}

/* Trains the same small network twice, the second time as rank 0 of a job of one. */
static void a_job_of_one_trains_as_before(void **state)
{
    (void)state;
    static const char yaml[] =
        "input: 2\nlayers:\n  - dense: {units: 6, init: he}\n  - dropout: 0.2\n  - tanh\n"
        "  - dense: 2\n  - softmax\nloss: cross_entropy\nepochs: 3\nlearning_rate: 0.1\n"
        "batch_size: 7\nseed: 3\n";
    nn_err err = {{0}};
    nn_spec spec;
    if (nn_config_parse(yaml, strlen(yaml), "t.yaml", NULL, NULL, 0, &spec, &err) < 0)
        fail_msg("%s", err.msg);
    nn_dataset ds = {.n = 40, .nx = 2, .ny = 1};
    ds.x = nn_alloc(ds.n, 2 * sizeof(float), &err);
    ds.y = nn_alloc(ds.n, sizeof(float), &err);
    ds.source = nn_strdup("t.csv", &err);
    for (size_t i = 0; i < ds.n; i++) {
        ds.x[2 * i] = (float)i / 40 - 0.5f;
        ds.x[2 * i + 1] = (float)(i % 7) / 7 - 0.4f;
        ds.y[i] = ds.x[2 * i] + ds.x[2 * i + 1] > 0;
    }
    int argc = 1;
    char *args[] = {"test", NULL};
    char **argv = args;
    nn_dist *d = nn_dist_init(&argc, &argv, &err);
    float *w[2];
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        nn_model *m = nn_model_build(&spec, spec.run.batch_size, &err);
        assert_non_null(m);
        nn_rng init, rng;
        nn_rng_seed(&init, 3);
        nn_rng_seed(&rng, 4);
        nn_model_init_params(m, &init);
        nn_trainer *t = nn_trainer_new(m, &spec, &ds, &err);
        assert_non_null(t);
        if (k == 1)
            assert_int_equal(nn_trainer_set_dist(t, d, &err), 0);
        int done = 0;
        assert_int_equal(nn_train(t, &ds, &ds, &rng, NULL, NULL, NULL, &done, &err), 0);
        assert_int_equal(done, 3);
        const float *v = nn_model_values(m, &n);
        w[k] = nn_alloc(n, sizeof(float), &err);
        memcpy(w[k], v, n * sizeof(float));
        nn_trainer_free(t);
        nn_model_free(m);
    }
    assert_memory_equal(w[0], w[1], n * sizeof(float));
    nn_free(w[0]);
    nn_free(w[1]);
    nn_dist_finalize(d);
    nn_dataset_destroy(&ds);
    nn_config_destroy(&spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shards_cover_the_rows_in_order),
        cmocka_unit_test(a_short_batch_is_split_evenly),
        cmocka_unit_test(hash_is_fnv1a_and_continues),
        cmocka_unit_test(one_process_is_a_job_of_one),
        cmocka_unit_test(a_job_of_one_trains_as_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
