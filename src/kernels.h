/* kernels.h -- the math layers share: CBLAS matrix products, bias, elementwise maps.
 *
 * Plain functions over float arrays with the shape of each argument in a comment. No
 * allocation, no I/O; deterministic for a given thread count. Row-major throughout. */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>

/* C = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm: op(A) is (m, k), op(B) (k, n),
 * C (m, n). Large products are split into one block of C per OpenMP thread, each computed by
 * a single-threaded sgemm, so BLAS and the project's loops share one pool of threads (see
 * nn_cli_set_threads). Inside a parallel region it runs on the calling thread only. Blocks
 * are fixed by the thread count, so results are deterministic for a given count. */
void nn_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc);

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

/* Calls fn(ctx, lo, hi) over [0, n): once, on the calling thread, when n <= NN_PAR_MIN or
 * inside a parallel region; else once per OpenMP thread on contiguous chunks. fn's loop
 * should take its arrays as restrict pointers so the compiler can vectorise it, which an
 * `omp parallel for` body does not get. */
void nn_parallel_chunks(size_t n, void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx);

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

/* The lowering loops below split their work across OpenMP threads when it is large, except
 * inside a parallel region, where they run on the calling thread.
 *
 * Lowers n samples to one matrix, so a convolution of n samples is one product:
 * row (ci, ki, kj) of col, column (b, oy, ox) holds x[b][ci][oy*stride + ki - pad_h]
 * [ox*stride + kj - pad_w], or 0 where that falls outside the input.
 * x: (n, c, h, w)  col: (c*k*k, n*oh*ow) */
void nn_im2col(const nn_conv_geom *g, const float *x, int n, float *col);

/* The adjoint of nn_im2col: dx = the sum, over every entry of dcol, into the input position it
 * was read from (padding positions are dropped). dx is overwritten.
 * dcol: (c*k*k, n*oh*ow)  dx: (n, c, h, w) */
void nn_col2im(const nn_conv_geom *g, const float *dcol, int n, float *dx);

/* The same lowering from channels-last samples, for many channels and small images (a window
 * row of every channel is then one contiguous run): row (b, oy, ox) of col holds the window
 * of that output pixel ordered (ki, kj, ci), or 0 where it is padding.
 * xt: (n, h, w, c)  col: (n*oh*ow, k*k*c) */
void nn_im2row(const nn_conv_geom *g, const float *xt, int n, float *col);

/* Its adjoint: dxt = the sum of every entry of dcol into the input position it was read from
 * (padding positions are dropped); dxt is overwritten.
 * dcol: (n*oh*ow, k*k*c)  dxt: (n, h, w, c) */
void nn_row2im(const nn_conv_geom *g, const float *dcol, int n, float *dxt);

/* The product W col is channel-major over the whole batch; a layer's output is sample-major.
 * y[b][f][q] = t[f][b*p + q] + bias[f] (bias may be NULL).
 * t: (f, n*p)  bias: (f)  y: (n, f, p) */
void nn_conv_rows_to_nchw(const float *t, const float *bias, float *y, int n, int f, int p);

/* The reverse, for backward: t[f][b*p + q] = dy[b][f][q], and db[f] += the sum of channel f
 * over the batch (db may be NULL).  dy: (n, f, p)  t: (f, n*p)  db: (f) */
void nn_nchw_to_conv_rows(const float *dy, float *t, float *db, int n, int f, int p);

/* Floats of scratch per sample that nn_conv_forward and nn_conv_backward may use (they touch
 * much less for large batches). */
size_t nn_conv_work_len(const nn_conv_geom *g, int f);

/* A 2-D convolution of n samples (cross-correlation, as in PyTorch), lowered to matrix
 * products: y = W im2col(x) + b per sample. The batch is split between the OpenMP threads,
 * each multiplying its own samples with BLAS held at one thread (OpenBLAS's count is given
 * back on return); inside a parallel region it runs on the calling thread. With many
 * channels and small images the lowering goes channels last (nn_im2row), with W permuted to
 * match; the result is the same up to rounding. With p = oh*ow and kk = c*k*k:
 * x: (n, c, h, w)  W: (f, kk)  b: (f) or NULL  y: (n, f, p)
 * work: n * nn_conv_work_len(g, f) floats of scratch */
void nn_conv_forward(const nn_conv_geom *g, const float *x, const float *W, const float *b,
                     float *y, int n, int f, float *work);

/* Its gradients, from the same x: dW += dy col^T, db += the sums of dy per channel (db may be
 * NULL), and unless dx is NULL dx = col2im(W^T dy) (overwritten). The columns are lowered
 * again rather than kept from forward: recomputing them in cache is cheaper than storing them.
 * dW is summed per thread, then in thread order: deterministic for a given thread count.
 * dy: (n, f, p)  dW: (f, kk)  db: (f)  dx: (n, c, h, w)  work: as for nn_conv_forward */
void nn_conv_backward(const nn_conv_geom *g, const float *x, const float *W, const float *dy,
                      float *dW, float *db, float *dx, int n, int f, float *work);

#endif
