/* mpi.c -- the dist.h backend of `make MPI=1`: the ranks of an MPI job (MPI_COMM_WORLD).
 *
 * Only the main thread calls MPI (MPI_THREAD_FUNNELED): OpenMP and BLAS threads compute between
 * the calls. MPI's default error handler, errors are fatal, stays in place: a collective that
 * cannot complete (a rank died, a message was cut) ends every rank of the job instead of
 * returning, which is the behaviour nntrain wants, so the return codes of the collectives are
 * not looked at. MPI_Init's is, for the message. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "dist.h"

#include <limits.h>
#include <mpi.h>
#include <sched.h>

#include "xalloc.h"

struct nn_dist {
    int rank, size;
    int local;           /* ranks on this machine (sharing its memory) */
    MPI_Request vote;    /* the vote in progress, or MPI_REQUEST_NULL */
    int vote_in, vote_out;
};

nn_dist *nn_dist_init(int *argc, char ***argv, nn_err *err)
{
    int provided;
    int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        char msg[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(rc, msg, &len);
        nn_fail(err, "MPI could not start: %.*s", len, msg);
        return NULL;
    }
    nn_dist *d = nn_alloc(1, sizeof *d, err);
    if (!d) {
        MPI_Finalize();
        return NULL;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &d->local);
    MPI_Comm_free(&node);
    d->vote = MPI_REQUEST_NULL;
    return d;
}

void nn_dist_finalize(nn_dist *d)
{
    if (!d)
        return;
    if (d->vote != MPI_REQUEST_NULL)
        MPI_Wait(&d->vote, MPI_STATUS_IGNORE);
    nn_free(d);
    MPI_Finalize();
}

int nn_dist_rank(const nn_dist *d)
{
    return d->rank;
}

int nn_dist_size(const nn_dist *d)
{
    return d->size;
}

int nn_dist_threads(const nn_dist *d, int cores)
{
    int share = cores / (d->local > 0 ? d->local : 1);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < share)
        share = CPU_COUNT(&set); /* bound to fewer cores than its share: use those */
    return share < 1 ? 1 : share;
}

void nn_dist_sum_floats(nn_dist *d, float *v, size_t n)
{
    (void)d;
    while (n > 0) { /* one pass for any count below 2^31 */
        int count = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, v, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        v += count;
        n -= (size_t)count;
    }
}

void nn_dist_sum(nn_dist *d, double *v, int n)
{
    (void)d;
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void nn_dist_max(nn_dist *d, double *v, int n)
{
    (void)d;
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

void nn_dist_vote_start(nn_dist *d, int value)
{
    d->vote_in = value != 0;
    MPI_Iallreduce(&d->vote_in, &d->vote_out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &d->vote);
}

int nn_dist_vote_end(nn_dist *d)
{
    MPI_Wait(&d->vote, MPI_STATUS_IGNORE);
    return d->vote_out;
}
