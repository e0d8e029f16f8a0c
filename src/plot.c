/* plot.c -- runs gnuplot on the training history; see plot.h.
 *
 * The data goes into the script itself as a gnuplot datablock ($h << EOD ... EOD), so one
 * temporary file holds everything gnuplot reads. gnuplot is started with posix_spawnp and
 * waited for; its own messages go to our standard error. */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xalloc.h"

extern char **environ;

static const char install_hint[] = "install it: apt-get install gnuplot-nox";

/* 1 when name ends in suffix. */
static int ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

/* 1 when an executable `gnuplot` is in one of $PATH's directories. */
static int gnuplot_in_path(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return 0;
    char dir[4096];
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len + sizeof "/gnuplot" < sizeof dir) {
            if (len == 0)
                snprintf(dir, sizeof dir, "./gnuplot");
            else
                snprintf(dir, sizeof dir, "%.*s/gnuplot", (int)len, p);
            struct stat st;
            if (stat(dir, &st) == 0 && S_ISREG(st.st_mode) && access(dir, X_OK) == 0)
                return 1;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return 0;
}

int nn_plot_check(const char *path, nn_err *err)
{
    if (!ends_with(path, ".png") && !ends_with(path, ".svg"))
        return nn_fail(err, "--plot %s: expected a file name ending in .png or .svg", path);
    if (!gnuplot_in_path())
        return nn_fail(err, "--plot %s: gnuplot was not found in PATH (%s)", path,
                       install_hint);
    return 0;
}

/* Writes s into a gnuplot single-quoted string: a quote is doubled. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* A value for the datablock: NaN (missing) when not measured or not finite. */
static void put_value(FILE *f, int have, double v)
{
    if (have && isfinite(v))
        fprintf(f, " %.9g", v);
    else
        fputs(" NaN", f);
}

/* The script drawing h into out (a temporary name), as SVG or PNG. */
static void write_script(FILE *f, const char *out, int svg, const nn_history *h)
{
    int has_acc = 0, has_val = 0;
    for (int i = 0; i < h->n; i++) {
        has_acc |= h->rows[i].train.has_acc;
        has_val |= h->rows[i].has_val;
    }
    fputs("$h << EOD\n", f);
    for (int i = 0; i < h->n; i++) {
        const nn_epoch_report *r = &h->rows[i];
        fprintf(f, "%d", r->epoch);
        put_value(f, 1, r->train.loss);
        put_value(f, r->has_val, r->val.loss);
        put_value(f, r->train.has_acc, r->train.acc);
        put_value(f, r->has_val && r->val.has_acc, r->val.acc);
        fputc('\n', f);
    }
    fputs("EOD\n", f);
    if (svg)
        fprintf(f, "set terminal svg size %d,420 dynamic font 'sans,11'\n",
                has_acc ? 960 : 560);
    else
        fprintf(f, "set terminal pngcairo size %d,420 font 'sans,10'\n", has_acc ? 960 : 560);
    fputs("set output ", f);
    put_quoted(f, out);
    fputs("\nset datafile missing 'NaN'\n"
          "set grid\nset key top right\nset xlabel 'epoch'\n"
          "set style line 1 lw 2 lc rgb '#1f77b4'\nset style line 2 lw 2 lc rgb '#ff7f0e'\n",
          f);
    if (h->n == 1)
        fputs("set xrange [0.5:1.5]\n", f);
    if (has_acc)
        fputs("set multiplot layout 1,2\n", f);
    fputs("set title 'loss'\nset ylabel 'loss'\n", f);
    fputs("plot $h using 1:2 with linespoints ls 1 pt 7 ps 0.4 title 'train'", f);
    if (has_val)
        fputs(", $h using 1:3 with linespoints ls 2 pt 7 ps 0.4 title 'validation'", f);
    fputc('\n', f);
    if (has_acc) {
        fputs("set title 'accuracy'\nset ylabel 'accuracy'\nset key bottom right\n", f);
        fputs("plot $h using 1:4 with linespoints ls 1 pt 7 ps 0.4 title 'train'", f);
        if (has_val)
            fputs(", $h using 1:5 with linespoints ls 2 pt 7 ps 0.4 title 'validation'", f);
        fputs("\nunset multiplot\n", f);
    }
    fputs("set output\n", f);
}

/* "<path><suffix>" in a new buffer. */
static char *with_suffix(const char *path, const char *suffix, nn_err *err)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *s = nn_alloc(n, 1, err);
    if (s)
        snprintf(s, n, "%s%s", path, suffix);
    return s;
}

/* Runs `gnuplot script` and waits for it. */
static int run_gnuplot(const char *script, const char *path, nn_err *err)
{
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (rc != 0)
        return nn_fail(err, "--plot %s: cannot run gnuplot: %s (%s)", path, strerror(rc),
                       install_hint);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return nn_fail(err, "--plot %s: waiting for gnuplot: %s", path, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        return nn_fail(err, "--plot %s: gnuplot exited with status %d", path,
                       WEXITSTATUS(status));
    return nn_fail(err, "--plot %s: gnuplot was killed by signal %d", path, WTERMSIG(status));
}

/* Flushes the picture gnuplot wrote to disk before it is renamed into place. */
static int sync_file(const char *path, nn_err *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nn_fail_io(err, path, "cannot open", errno);
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return nn_fail_io(err, path, "cannot sync", e);
    }
    if (close(fd) != 0)
        return nn_fail_io(err, path, "cannot close", errno);
    return 0;
}

int nn_plot_write(const char *path, const nn_history *h, nn_err *err)
{
    if (h->n < 1)
        return nn_fail(err, "--plot %s: no epoch to draw", path);
    char *script = with_suffix(path, ".gp.XXXXXX", err);
    char *tmp = with_suffix(path, ".tmp.XXXXXX", err);
    int sfd = -1, made_script = 0, made_tmp = 0, rc = -1;
    if (!script || !tmp)
        goto out;
    sfd = mkstemp(script);
    if (sfd < 0) {
        nn_fail(err, "--plot %s: cannot create %s: %s", path, script, strerror(errno));
        goto out;
    }
    made_script = 1;
    int tfd = mkstemp(tmp);
    if (tfd < 0) {
        nn_fail(err, "--plot %s: cannot create %s: %s", path, tmp, strerror(errno));
        goto out;
    }
    made_tmp = 1;
    if (close(tfd) != 0 || chmod(tmp, 0644) != 0) {
        nn_fail_io(err, tmp, "cannot prepare", errno);
        goto out;
    }
    FILE *f = fdopen(sfd, "w");
    if (!f) {
        nn_fail_io(err, script, "cannot open", errno);
        goto out;
    }
    sfd = -1;
    write_script(f, tmp, ends_with(path, ".svg"), h);
    int werr = fflush(f) != 0 || ferror(f);
    int e = errno;
    if (fclose(f) != 0 && !werr) {
        werr = 1;
        e = errno;
    }
    if (werr) {
        nn_fail_io(err, script, "cannot write", e);
        goto out;
    }
    if (run_gnuplot(script, path, err) < 0 || sync_file(tmp, err) < 0)
        goto out;
    if (rename(tmp, path) != 0) {
        nn_fail(err, "--plot %s: cannot rename %s to it: %s", path, tmp, strerror(errno));
        goto out;
    }
    made_tmp = 0;
    rc = 0;
out:
    if (sfd >= 0)
        close(sfd);
    if (made_script)
        unlink(script);
    if (made_tmp)
        unlink(tmp);
    nn_free(script);
    nn_free(tmp);
    return rc;
}
