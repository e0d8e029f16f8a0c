/* atomic.c -- temporary file, fsync, rename; see atomic.h. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

/* "<path>.tmp.XXXXXX", ready for mkstemp; NULL with err when out of memory. */
static char *temp_name(const char *path, nn_err *err)
{
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    char *tmp = nn_alloc(plen + sizeof suffix, 1, err);
    if (tmp) {
        memcpy(tmp, path, plen);
        memcpy(tmp + plen, suffix, sizeof suffix);
    }
    return tmp;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Makes the rename durable. Best effort: the file is already in place, so failures here only
 * weaken the guarantee after a power cut and are not reported. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? nn_strndup(path, slash == path ? 1 : (size_t)(slash - path), NULL)
                      : nn_strdup(".", NULL);
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
    nn_free(dir);
}

int nn_atomic_write(const char *path, const void *buf, size_t size, nn_err *err)
{
    char *tmp = temp_name(path, err);
    if (!tmp)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        nn_fail(err, "%s: cannot create the temporary file %s: %s", path, tmp, strerror(errno));
        nn_free(tmp);
        return -1;
    }
    const char *step, *tail = "";
    if (fchmod(fd, 0644) != 0) {
        step = "cannot set the mode of";
    } else if (write_all(fd, buf, size) != 0) {
        step = "cannot write";
    } else if (fsync(fd) != 0) {
        step = "cannot sync";
    } else {
        int rc = close(fd);
        fd = -1;
        if (rc != 0) {
            step = "cannot close";
        } else if (rename(tmp, path) != 0) {
            step = "cannot rename";
            tail = " to it";
        } else {
            step = NULL;
        }
    }
    if (step) {
        int e = errno;
        if (fd >= 0)
            (void)close(fd);
        (void)unlink(tmp);
        nn_fail(err, "%s: %s %s%s: %s", path, step, tmp, tail, strerror(e));
        nn_free(tmp);
        return -1;
    }
    nn_free(tmp);
    sync_dir(path);
    return 0;
}

int nn_atomic_probe(const char *path, nn_err *err)
{
    char *tmp = temp_name(path, err);
    if (!tmp)
        return -1;
    int fd = mkstemp(tmp);
    int rc = 0;
    if (fd < 0) {
        rc = nn_fail(err, "%s: cannot write there: %s (expected a writable directory)", path,
                     strerror(errno));
    } else {
        (void)close(fd);
        (void)unlink(tmp);
    }
    nn_free(tmp);
    return rc;
}
