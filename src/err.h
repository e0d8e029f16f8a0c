/* err.h -- the one error type every fallible function fills.
 *
 * A function that can fail returns 0 (or a pointer) on success and -1 (or NULL) on failure, and
 * takes `nn_err *err` as its last argument. The code that knows where the problem is writes the
 * message once, already prefixed by its place; callers pass it up untouched, and only main()
 * prints it (as "nntrain: <msg>") and picks the exit code. */
#ifndef NN_ERR_H
#define NN_ERR_H

#include <stddef.h>

enum { NN_ERR_MAX = 1024 };

typedef struct nn_err {
    char msg[NN_ERR_MAX];
} nn_err;

/* A place in a text file: 1-based line and column. line 0 means "the file as a whole",
 * col 0 means "the line as a whole". `file` is borrowed and must outlive the nn_pos. */
typedef struct nn_pos {
    const char *file;
    int line;
    int col;
} nn_pos;

/* Writes the message as is. Always returns -1, so `return nn_fail(err, ...);` reads naturally.
 * err may be NULL (the message is dropped). */
int nn_fail(nn_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "FILE:LINE:COL: message" (or "FILE:LINE: ", or "FILE: " as pos allows). Returns -1. */
int nn_fail_at(nn_err *err, nn_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes "FILE: byte OFFSET: message", for binary files. Returns -1. */
int nn_fail_byte(nn_err *err, const char *file, long long offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes "PATH: strerror(errno_value)" with an optional action ("cannot open"). Returns -1. */
int nn_fail_io(nn_err *err, const char *path, const char *action, int errno_value);

#endif
