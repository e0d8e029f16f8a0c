/* dist.h -- the processes of a data-parallel job, with MPI behind a small interface.
 *
 * nntrain runs as one rank of a job of `size` processes (mpirun -np N nntrain-mpi ...), or
 * alone. This header is the only place the rest of the code meets MPI. The backend is chosen
 * when building, not with #ifdef in the callers: src/dist/mpi.c (make MPI=1, compiled by mpicc)
 * or src/dist/serial.c (a job of one, where every reduction leaves its input as it is; the
 * plain build links no MPI). What does not depend on the backend (sharding, fingerprints, the
 * agreement on how a job ends) is in dist.c.
 *
 * Collective calls (every function below that takes an nn_dist, except rank, size and threads)
 * must be made by every rank, in the same order, as MPI requires. A failure inside MPI, such as
 * a rank that died, ends the whole job (MPI's default error handler stays in place, and mpirun
 * then stops every rank and names the one that failed), so the collectives return nothing. They
 * are called from the main thread only. */
#ifndef NN_DIST_H
#define NN_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct nn_dist nn_dist;

/* Joins the job (MPI_Init_thread with MPI_THREAD_FUNNELED; argc and argv as main got them).
 * Returns the handle, to be released by nn_dist_finalize, or NULL with err when MPI cannot
 * start. Call once per process. */
nn_dist *nn_dist_init(int *argc, char ***argv, nn_err *err);

/* Leaves the job (MPI_Finalize) and frees d; NULL is a no-op. */
void nn_dist_finalize(nn_dist *d);

int nn_dist_rank(const nn_dist *d); /* 0 .. size-1 */
int nn_dist_size(const nn_dist *d); /* 1 without MPI */

/* The threads one rank should use when none were asked for, out of the machine's `cores`:
 * without MPI, all of them; with MPI, the cores this process may run on (mpirun binds each
 * rank to a core by default), shared among the ranks on this machine. At least 1. */
int nn_dist_threads(const nn_dist *d, int cores);

/* ---- collectives ------------------------------------------------------------------------- */

/* Replaces v[0..n) on every rank by its sum over the ranks (MPI_Allreduce, one call for any n
 * that fits an int, which covers any model nntrain can build). Every rank gets the same sums,
 * bit for bit. */
void nn_dist_sum_floats(nn_dist *d, float *v, size_t n);

/* Replaces v[0..n) by its sum, or its maximum, over the ranks. n is small (a few metrics). */
void nn_dist_sum(nn_dist *d, double *v, int n);
void nn_dist_max(nn_dist *d, double *v, int n);

/* A vote that does not wait: start sends this rank's value (0 or 1), end returns 1 when any
 * rank sent 1. Between the two the caller computes, so the vote costs no time; one vote at a
 * time, and every rank must start and end it at the same point of its work. */
void nn_dist_vote_start(nn_dist *d, int value);
int nn_dist_vote_end(nn_dist *d);

/* ---- the same for every backend (dist.c) --------------------------------------------------- */

/* The part of n rows rank `rank` of `size` takes: rows [*lo, *lo + *count). Contiguous, in rank
 * order, covering all n; the counts differ by at most one (the first n % size ranks take one
 * more), and are 0 for every rank past n when n < size. */
void nn_dist_shard(size_t n, int rank, int size, size_t *lo, size_t *count);

/* FNV-1a over n bytes of p, continuing from h (0 to start). For fingerprints of what every rank
 * must share; not for security. */
uint64_t nn_dist_hash(const void *p, size_t n, uint64_t h);

/* How the ranks of a job agreed to end or go on (nn_dist_agree). */
typedef struct nn_dist_verdict {
    int code;         /* the job's exit code: the highest of the ranks' codes */
    int first_failed; /* the lowest rank whose code is not 0, or -1 */
    int differ;       /* every code was 0 but the fingerprints differ */
} nn_dist_verdict;

/* Collective: every rank gives its exit code (0: ready to go on) and a fingerprint of what
 * must be the same on every rank (model, data, resume point); every rank gets the same
 * verdict. Fingerprints are compared only when every code is 0; a difference then makes the
 * job's code `differ_code`. */
nn_dist_verdict nn_dist_agree(nn_dist *d, int code, uint64_t fingerprint, int differ_code);

#endif
