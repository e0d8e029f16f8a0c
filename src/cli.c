/* cli.c -- shared command-line pieces; see cli.h.
 *
 * The stop flag is the project's one piece of file-scope mutable state: a signal handler has
 * nowhere else to write. */
#include "cli.h"

#include <cblas.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suggest.h"
#include "xalloc.h"

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

/* ---- options getopt_long refused --------------------------------------------------------- */

enum { MAX_OPTIONS = 64 };

/* The names of longopts that start with the len bytes of typed, at most MAX_OPTIONS. */
static int names_starting(const struct option *longopts, const char *typed, size_t len,
                          const char **names)
{
    int n = 0;
    for (const struct option *o = longopts; o->name && n < MAX_OPTIONS; o++)
        if (strncmp(o->name, typed, len) == 0)
            names[n++] = o->name;
    return n;
}

/* "--a, --b or --c" into buf. */
static void list_names(const char *const *names, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s--%s", i == 0 ? "" : i + 1 < n ? ", " :
                         " or ", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* "--name=value" for an option that takes none: getopt_long found the option (prefixes
 * included) and left its value in optopt. */
static const char *valueless_option(const struct option *longopts, const char *typed,
                                    size_t len, int optopt)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->has_arg == no_argument && o->val == optopt && strncmp(o->name, typed, len) == 0)
            return o->name;
    return NULL;
}

int nn_cli_bad_option(const char *prog, const struct option *longopts, const char *arg,
                      int optopt)
{
    const char *names[MAX_OPTIONS];
    char msg[512], list[384];
    int is_long = arg && strncmp(arg, "--", 2) == 0;
    const char *typed = is_long ? arg + 2 : "";
    size_t len = strcspn(typed, "=");
    const char *valueless = is_long && typed[len] == '=' && optopt != 0
                                ? valueless_option(longopts, typed, len, optopt) : NULL;
    if (valueless) {
        snprintf(msg, sizeof msg, "option --%s takes no value", valueless);
        return nn_cli_usage_error(prog, msg, NULL);
    }
    if (!is_long || (optopt > 0 && optopt < 256)) { /* a short option, maybe in a bundle */
        char shown[3] = {'-', (char)optopt, '\0'};
        return nn_cli_usage_error(prog, "unknown option",
                                  optopt > 0 && isprint(optopt) ? shown : arg);
    }
    char word[128];
    snprintf(word, sizeof word, "--%.*s", (int)len, typed); /* without any "=value" */
    int n = names_starting(longopts, typed, len, names);
    if (n >= 2) {
        list_names(names, n, list, sizeof list);
        snprintf(msg, sizeof msg, "ambiguous option %s (did you mean %s?", word, list);
    } else {
        n = 0;
        for (const struct option *o = longopts; o->name && n < MAX_OPTIONS; o++)
            names[n++] = o->name;
        const char *near = nn_suggest(word + 2, names, n);
        if (!near)
            return nn_cli_usage_error(prog, "unknown option", word);
        snprintf(msg, sizeof msg, "unknown option %s (did you mean --%s?", word, near);
    }
    fprintf(stderr, "%s: %s see %s --help)\n", prog, msg, prog);
    return NN_EXIT_USAGE;
}

char *nn_cli_default_output(const char *model, nn_err *err)
{
    if (strcmp(model, "-") == 0)
        return nn_strdup("model.nnw", err);
    const char *base = strrchr(model, '/');
    base = base ? base + 1 : model;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        len = (size_t)(dot - base);
    char *out = nn_alloc(len + 5, 1, err);
    if (out)
        snprintf(out, len + 5, "%.*s.nnw", (int)len, base);
    return out;
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
