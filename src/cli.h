/* cli.h -- what nntrain and nnpredict share: exit codes, usage errors, strict numeric flags,
 * the thread budget and the stop flag set by SIGINT/SIGTERM. */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <getopt.h>
#include <signal.h>

#include "err.h"

/* Exit codes, documented in nntrain(1) and nnpredict(1). */
enum {
    NN_EXIT_OK = 0,
    NN_EXIT_FAILURE = 1, /* a runtime failure: NaN loss, a write error, out of memory */
    NN_EXIT_USAGE = 2,   /* a bad command line, model file, data file or weights file */
    NN_EXIT_SIGINT = 130,
    NN_EXIT_SIGTERM = 143,
};

/* Parses text as a whole decimal integer in [min, max] for option opt; else
 * "OPT: expected an integer in [min, max], got 'text'". */
int nn_cli_int(const char *opt, const char *text, long min, long max, long *out, nn_err *err);

/* Prints "PROG: MSG[ ARG] (see PROG --help)" to stderr for a bad command line (arg may be
 * NULL) and returns NN_EXIT_USAGE. */
int nn_cli_usage_error(const char *prog, const char *msg, const char *arg);

/* Reports an option getopt_long refused with '?' and returns NN_EXIT_USAGE. arg is the
 * argument that held it (argv[optind - 1]), optopt getopt's optopt, longopts the program's
 * table. One line on stderr:
 *   PROG: unknown option --lr (did you mean --learning-rate? see PROG --help)
 *   PROG: ambiguous option --s (did you mean --seed, --set or --summary? see PROG --help)
 *   PROG: option --summary takes no value (see PROG --help)
 *   PROG: unknown option -x (see PROG --help) */
int nn_cli_bad_option(const char *prog, const struct option *longopts, const char *arg,
                      int optopt);

/* The weights file nntrain writes for a model file by default: the model file's base name with
 * its last extension replaced by .nnw, in the working directory ("model.nnw" for "-").
 * Heap string (nn_free), or NULL with err. */
char *nn_cli_default_output(const char *model, nn_err *err);

/* The exit code for a run that failed with code and message err: NN_EXIT_FAILURE when memory
 * ran out (xalloc.c's "out of memory ...", wherever it was reported: a data set too large for
 * the memory available is a runtime failure, not a bad file), else code unchanged. */
int nn_cli_exit_code(int code, const nn_err *err);

/* Sets the threads training and prediction may use (n >= 1): one pool, OpenMP's. OpenBLAS
 * runs single-threaded inside it (nn_gemm splits large products across the pool), so BLAS
 * threads and OpenMP threads never compete for the cores. */
void nn_cli_set_threads(int n);

/* Cores available to this process. */
int nn_cli_cores(void);

/* Installs SIGINT and SIGTERM handlers that set the returned flag (to the signal number) so the
 * training loop can stop at the end of the current batch. A second signal kills at once. */
volatile sig_atomic_t *nn_cli_stop_flag(void);

#endif
