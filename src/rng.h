/* rng.h -- the project's seeded generator (xoshiro256**, seeded through splitmix64).
 *
 * The state is a plain struct owned by whoever uses it and passed explicitly: there is no
 * global generator and rand() is never used, so a seed gives the same stream on every host. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_rng {
    uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);

/* Uniform double in [0, 1), 53 random bits. */
double nn_rng_uniform(nn_rng *r);

/* Standard normal (Box-Muller; one of the pair is used). */
double nn_rng_normal(nn_rng *r);

/* Uniform integer in [0, n), without modulo bias. n must be > 0. */
uint64_t nn_rng_below(nn_rng *r, uint64_t n);

/* Fisher-Yates shuffle of idx[0..n). */
void nn_rng_shuffle(nn_rng *r, size_t *idx, size_t n);

#endif
