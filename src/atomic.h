/* atomic.h -- replacing a file all at once: the weights file, checkpoints, the history CSV.
 *
 * The content goes to a temporary file beside the target ("<path>.tmp.XXXXXX", mode 0644),
 * which is synced, closed and renamed over the target; the directory is then synced. A crash
 * or a full disk at any point leaves either the old file or the new one, never a mix; on
 * failure the temporary file is removed. */
#ifndef NN_ATOMIC_H
#define NN_ATOMIC_H

#include <stddef.h>

#include "err.h"

/* Replaces path with the size bytes at buf. On failure err names path, the step that failed
 * and strerror, and any old file at path is untouched. */
int nn_atomic_write(const char *path, const void *buf, size_t size, nn_err *err);

/* Creates and removes a temporary file where nn_atomic_write would, so a place that cannot
 * be written (a missing or read-only directory, /proc, a name too long) is found before any
 * work is spent on what is to go there. */
int nn_atomic_probe(const char *path, nn_err *err);

#endif
