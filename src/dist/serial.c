/* serial.c -- the dist.h backend of the plain build: a job of one process, without MPI.
 *
 * Every collective leaves its input as it is (the sum or maximum over one rank), so code written
 * for a job of N ranks runs unchanged as a job of one. */
#include "dist.h"

#include "xalloc.h"

struct nn_dist {
    int vote; /* the value of the vote in progress */
};

nn_dist *nn_dist_init(int *argc, char ***argv, nn_err *err)
{
    (void)argc;
    (void)argv;
    return nn_alloc(1, sizeof(nn_dist), err);
}

void nn_dist_finalize(nn_dist *d)
{
    nn_free(d);
}

int nn_dist_rank(const nn_dist *d)
{
    (void)d;
    return 0;
}

int nn_dist_size(const nn_dist *d)
{
    (void)d;
    return 1;
}

int nn_dist_threads(const nn_dist *d, int cores)
{
    (void)d;
    return cores < 1 ? 1 : cores;
}

void nn_dist_sum_floats(nn_dist *d, float *v, size_t n)
{
    (void)d;
    (void)v;
    (void)n;
}

void nn_dist_sum(nn_dist *d, double *v, int n)
{
    (void)d;
    (void)v;
    (void)n;
}

void nn_dist_max(nn_dist *d, double *v, int n)
{
    (void)d;
    (void)v;
    (void)n;
}

void nn_dist_vote_start(nn_dist *d, int value)
{
    d->vote = value != 0;
}

int nn_dist_vote_end(nn_dist *d)
{
    return d->vote;
}
