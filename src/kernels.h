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

/* ---- convolution ------------------------------------------------------------------------- */

/* Where a square window of size k slides over one sample of c planes of h x w values (NCHW):
 * output pixel (oy, ox) covers input rows oy*stride - pad_h .. + k - 1 and columns
 * ox*stride - pad_w .. + k - 1; positions outside the input read as zero. pad_h and pad_w are
 * the zero rows above and columns left of the input; padding below and right is implied by
 * oh and ow. Filled by the layers' setup (nn_window_setup in src/layers/layers.h). */
typedef struct nn_conv_geom {
    int c, h, w;        /* input channels, height, width */
    int k, stride;      /* window size and step */
    int pad_h, pad_w;   /* zero rows above, zero columns to the left */
    int oh, ow;         /* output height and width */
} nn_conv_geom;

/* Lowers n samples to one matrix, so a convolution of the whole batch is one product:
 * row (ci, ki, kj) of col, column (b, oy, ox) holds x[b][ci][oy*stride + ki - pad_h]
 * [ox*stride + kj - pad_w], or 0 where that falls outside the input.
 * x: (n, c, h, w)  col: (c*k*k, n*oh*ow) */
void nn_im2col(const nn_conv_geom *g, const float *x, int n, float *col);

/* The adjoint of nn_im2col: dx = the sum, over every entry of dcol, into the input position it
 * was read from (padding positions are dropped). dx is overwritten.
 * dcol: (c*k*k, n*oh*ow)  dx: (n, c, h, w) */
void nn_col2im(const nn_conv_geom *g, const float *dcol, int n, float *dx);

/* The product W col is channel-major over the whole batch; a layer's output is sample-major.
 * y[b][f][q] = t[f][b*p + q] + bias[f] (bias may be NULL).
 * t: (f, n*p)  bias: (f)  y: (n, f, p) */
void nn_conv_rows_to_nchw(const float *t, const float *bias, float *y, int n, int f, int p);

/* The reverse, for backward: t[f][b*p + q] = dy[b][f][q], and db[f] += the sum of channel f
 * over the batch (db may be NULL).  dy: (n, f, p)  t: (f, n*p)  db: (f) */
void nn_nchw_to_conv_rows(const float *dy, float *t, float *db, int n, int f, int p);

/* Floats of scratch per sample that nn_conv_forward and nn_conv_backward may use (they use
 * less for large batches). */
size_t nn_conv_work_len(const nn_conv_geom *g, int f);

/* A 2-D convolution of n samples (cross-correlation, as in PyTorch), lowered to matrix
 * products over chunks of samples: col = im2col(x), t = W col, y = t + b rearranged
 * sample-major. With p = oh*ow and kk = c*k*k:
 * x: (n, c, h, w)  W: (f, kk)  b: (f) or NULL  y: (n, f, p)
 * work: n * nn_conv_work_len(g, f) floats of scratch */
void nn_conv_forward(const nn_conv_geom *g, const float *x, const float *W, const float *b,
                     float *y, int n, int f, float *work);

/* Its gradients, from the same x: dW += dy col^T, db += the sums of dy per channel (db may be
 * NULL), and unless dx is NULL dx = col2im(W^T dy) (overwritten). The columns are lowered
 * again rather than kept from forward: recomputing them in cache is cheaper than storing them.
 * dy: (n, f, p)  dW: (f, kk)  db: (f)  dx: (n, c, h, w)  work: as for nn_conv_forward */
void nn_conv_backward(const nn_conv_geom *g, const float *x, const float *W, const float *dy,
                      float *dW, float *db, float *dx, int n, int f, float *work);

#endif
