/* kernels.h -- the math layers share: CBLAS matrix products, bias, elementwise maps.
 *
 * Plain functions over float arrays with the shape of each argument in a comment. No
 * allocation, no I/O; deterministic for a given thread count. Row-major throughout. */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>

/* y = x W^T (+ b when b is not NULL).  x: (n, in)  W: (out, in)  b: (out)  y: (n, out) */
void nn_linear_forward(const float *x, const float *W, const float *b, float *y, int n, int in,
                       int out);

/* dW += dy^T x;  db += column sums of dy (db may be NULL);  dx = dy W (dx may be NULL).
 * dy: (n, out)  x: (n, in)  W: (out, in)  dW: (out, in)  db: (out)  dx: (n, in) */
void nn_linear_backward(const float *x, const float *W, const float *dy, float *dW, float *db,
                        float *dx, int n, int in, int out);

/* y[i] = a * x[i] + y[i] */
void nn_axpy(size_t n, float a, const float *x, float *y);

/* Elementwise loops over more floats than this are split across OpenMP threads; shorter ones
 * run on one thread, where the fork would cost more than it saves. */
enum { NN_PAR_MIN = 1 << 15 };

/* Row-wise softmax, stable (the row maximum is subtracted before exp). y may equal x.
 * x: (n, width)  y: (n, width) */
void nn_softmax_rows(const float *x, float *y, int n, int width);

/* y[i] = 1 / (1 + exp(-x[i])), without overflow for any finite x. y may equal x.
 * x: (n)  y: (n) */
void nn_sigmoid(const float *x, float *y, size_t n);

#endif
