/* xalloc.c -- the project's only calls to malloc, calloc and realloc; see xalloc.h. */
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int nn_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

void *nn_alloc(size_t n, size_t size, nn_err *err)
{
    size_t bytes;
    if (!nn_mul_ok(n, size, &bytes)) {
        nn_fail(err, "out of memory: %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        nn_fail(err, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *nn_realloc(void *p, size_t n, size_t size, nn_err *err)
{
    size_t bytes;
    if (!nn_mul_ok(n, size, &bytes)) {
        nn_fail(err, "out of memory: %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        nn_fail(err, "out of memory allocating %zu bytes", bytes);
    return q;
}

char *nn_strndup(const char *s, size_t len, nn_err *err)
{
    char *copy = nn_alloc(len + 1, 1, err);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

char *nn_strdup(const char *s, nn_err *err)
{
    return nn_strndup(s, strlen(s), err);
}

void nn_free(void *p)
{
    free(p);
}
