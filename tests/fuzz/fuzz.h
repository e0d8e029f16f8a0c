/* fuzz.h -- what the libFuzzer targets in tests/fuzz/ share.
 *
 * Each target is one fuzz_<name>.c with LLVMFuzzerTestOneInput, built with
 * clang -fsanitize=fuzzer,address,undefined by `make fuzz` and run over the seeds in
 * tests/fuzz/corpus/<name>/. A target feeds the bytes to one parser the way the programs do and
 * then checks what the parser promises, calling fuzz_fail() (an abort, which libFuzzer reports
 * as a crash and saves the input of) when a promise is broken:
 *   - on success, the result obeys the documented invariants (and, where there is a writer,
 *     survives a round trip through it);
 *   - on failure, there is exactly one message: non-empty and a single line (the programs print
 *     it as one line on stderr, which tests/cli/lib.sh checks).
 *
 * Parsers that read a path (CSV, weights) get the bytes through a file in a private directory
 * made once per process under /dev/shm (or $TMPDIR, or /tmp) and removed at exit. The harness
 * is test code: unlike the library it keeps that path in process state. */
#ifndef NN_FUZZ_H
#define NN_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports a broken promise with the parser's message and aborts. */
static inline __attribute__((noreturn)) void fuzz_fail(const char *what, const nn_err *err)
{
    fprintf(stderr, "fuzz: %s\n", what);
    if (err)
        fprintf(stderr, "fuzz: message: %.*s\n", (int)sizeof err->msg, err->msg);
    abort();
}

/* Checks the message a failed call left: one non-empty line. */
static inline void fuzz_check_message(const nn_err *err)
{
    size_t len = strnlen(err->msg, sizeof err->msg);
    if (len == 0 || len == sizeof err->msg)
        fuzz_fail("a failure left no message, or an unterminated one", err);
    if (memchr(err->msg, '\n', len) || memchr(err->msg, '\r', len))
        fuzz_fail("a message spans more than one line", err);
}

static char fuzz_dir[256];

static inline void fuzz_cleanup(void)
{
    char path[300];
    static const char *const names[] = {"input", "output", NULL};
    for (int i = 0; names[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, names[i]);
        (void)unlink(path);
    }
    (void)rmdir(fuzz_dir);
}

/* The path of a file called name in the private directory (made on first use). */
static inline const char *fuzz_path(const char *name, char *buf, size_t size)
{
    if (!fuzz_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/nnfuzz.XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("fuzz: mkdtemp");
            exit(1);
        }
        atexit(fuzz_cleanup);
    }
    snprintf(buf, size, "%s/%s", fuzz_dir, name);
    return buf;
}

/* Writes the bytes to the private file called name and returns its path. */
static inline const char *fuzz_file(const char *name, const void *data, size_t size, char *buf,
                             size_t bufsize)
{
    const char *path = fuzz_path(name, buf, bufsize);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const unsigned char *p = data;
    if (fd < 0) {
        perror("fuzz: open");
        exit(1);
    }
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            perror("fuzz: write");
            exit(1);
        }
        p += w;
        size -= (size_t)w;
    }
    if (close(fd) != 0) {
        perror("fuzz: close");
        exit(1);
    }
    return path;
}

#endif
