/* cli.c -- shared command-line pieces; see cli.h.
 *
 * The stop flag is the project's one piece of file-scope mutable state: a signal handler has
 * nowhere else to write. */
#include "cli.h"

#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

int nn_cli_int(const char *opt, const char *text, long min, long max, long *out, nn_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max || text[0] == ' ')
        return nn_fail(err, "%s: expected an integer in [%ld, %ld], got '%s'", opt, min, max,
                       text);
    *out = v;
    return 0;
}

int nn_cli_usage_error(const char *prog, const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s (see %s --help)\n", prog, msg, arg ? " " : "", arg ? arg : "",
            prog);
    return NN_EXIT_USAGE;
}

int nn_cli_exit_code(int code, const nn_err *err)
{
    if (code != NN_EXIT_OK && err && strstr(err->msg, "out of memory"))
        return NN_EXIT_FAILURE;
    return code;
}

void nn_cli_set_threads(int n)
{
#ifdef OPENBLAS_VERSION
    /* OpenBLAS's own pool would fight OpenMP's for the same cores (each spins while the other
     * works); nn_gemm splits products across OpenMP threads instead. */
    openblas_set_num_threads(1);
#endif
    omp_set_num_threads(n);
}

int nn_cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
}

static void on_stop(int sig)
{
    if (stop_signal) /* a second Ctrl-C: the user means it */
        _exit(128 + sig);
    stop_signal = sig;
}

volatile sig_atomic_t *nn_cli_stop_flag(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_signal;
}
