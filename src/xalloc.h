/* xalloc.h -- checked, overflow-safe allocation: the only caller of malloc/calloc/realloc.
 *
 * Every function returns NULL and fills err ("out of memory allocating N bytes") when the
 * product n*size overflows or the allocation fails. Memory is released with nn_free
 * (NULL is a no-op). */
#ifndef NN_XALLOC_H
#define NN_XALLOC_H

#include <stddef.h>

#include "err.h"

/* n*size bytes, zeroed. n == 0 returns a valid pointer to a 1-byte block. */
void *nn_alloc(size_t n, size_t size, nn_err *err);

/* Resizes p (which may be NULL) to n*size bytes; on failure p is left untouched and valid. */
void *nn_realloc(void *p, size_t n, size_t size, nn_err *err);

/* A heap copy of s (or of its first len bytes, NUL added, for nn_strndup). */
char *nn_strdup(const char *s, nn_err *err);
char *nn_strndup(const char *s, size_t len, nn_err *err);

void nn_free(void *p);

/* 1 when a*b fits in size_t, with the product in *out. */
int nn_mul_ok(size_t a, size_t b, size_t *out);

#endif
