/* kernels.c -- the math the layers and losses share; see kernels.h.
 *
 * Matrix products go through CBLAS (OpenBLAS by default), row-major. Everything else is plain
 * loops; elementwise loops longer than NN_PAR_MIN floats are split across OpenMP threads. No
 * loop here reduces across threads, so results do not depend on how the work is split. */
#include "kernels.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

/* ---- matrix products --------------------------------------------------------------------- */

/* The bias is copied into every row of y first and the product is added on top (beta = 1), so y
 * is written once. With in == 0 the product is empty and y is the bias alone (or zero); BLAS is
 * not called then, since it rejects a leading dimension of 0. */
void nn_linear_forward(const float *x, const float *W, const float *b, float *y, int n, int in,
                       int out)
{
    if (n <= 0 || out <= 0)
        return;
    size_t row = (size_t)out * sizeof(float);
    if (b) {
        for (int i = 0; i < n; i++)
            memcpy(y + (size_t)i * (size_t)out, b, row);
    }
    if (in <= 0) {
        if (!b)
            memset(y, 0, (size_t)n * row);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, W, in,
                b ? 1.0f : 0.0f, y, out);
}

/* Two products (dW += dy^T x with beta = 1, dx = dy W with beta = 0) and a column sum for db,
 * row by row so the inner loop runs over contiguous memory. */
void nn_linear_backward(const float *x, const float *W, const float *dy, float *dW, float *db,
                        float *dx, int n, int in, int out)
{
    if (n <= 0)
        return;
    if (out <= 0) { /* no outputs: nothing flows back */
        if (dx && in > 0)
            memset(dx, 0, (size_t)n * (size_t)in * sizeof(float));
        return;
    }
    if (in > 0) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x, in,
                    1.0f, dW, in);
        if (dx)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, W,
                        in, 0.0f, dx, in);
    }
    if (db) {
        for (int i = 0; i < n; i++) {
            const float *r = dy + (size_t)i * (size_t)out;
            for (int j = 0; j < out; j++)
                db[j] += r[j];
        }
    }
}

/* CBLAS counts in int, so very long vectors go in chunks. */
void nn_axpy(size_t n, float a, const float *x, float *y)
{
    while (n > 0) {
        int k = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        cblas_saxpy(k, a, x, 1, y, 1);
        x += k;
        y += k;
        n -= (size_t)k;
    }
}

/* ---- elementwise maps -------------------------------------------------------------------- */

/* exp(x - max) never overflows, and the largest term is exactly 1, so the sum is at least 1.
 * The sum is kept in double: a row of thousands of small terms loses nothing to rounding. */
static void softmax_row(const float *x, float *y, int width)
{
    float m = x[0];
    for (int j = 1; j < width; j++)
        if (x[j] > m)
            m = x[j];
    double sum = 0;
    for (int j = 0; j < width; j++) {
        float e = expf(x[j] - m);
        y[j] = e;
        sum += e;
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < width; j++)
        y[j] *= inv;
}

void nn_softmax_rows(const float *x, float *y, int n, int width)
{
    if (n <= 0 || width <= 0)
        return;
#pragma omp parallel for if ((size_t)n * (size_t)width > NN_PAR_MIN)
    for (int i = 0; i < n; i++)
        softmax_row(x + (size_t)i * (size_t)width, y + (size_t)i * (size_t)width, width);
}

/* exp is only ever taken of a non-positive number, so it cannot overflow. */
static float sigmoid1(float v)
{
    if (v >= 0)
        return 1.0f / (1.0f + expf(-v));
    float e = expf(v);
    return e / (1.0f + e);
}

void nn_sigmoid(const float *x, float *y, size_t n)
{
#pragma omp parallel for if (n > NN_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = sigmoid1(x[i]);
}

/* ---- convolution ------------------------------------------------------------------------- */

/* The columns ox of one output row whose input column ox*stride + kj - pad_w lies inside the
 * input: [*lo, *hi). Outside it the window reads padding. */
static void valid_span(const nn_conv_geom *g, int kj, int *lo, int *hi)
{
    int off = kj - g->pad_w; /* input column of ox = 0 */
    int s = g->stride;
    *lo = off >= 0 ? 0 : (-off + s - 1) / s;
    *hi = off > g->w - 1 ? 0 : (g->w - 1 - off) / s + 1;
    if (*hi > g->ow)
        *hi = g->ow;
    if (*lo > *hi)
        *lo = *hi;
}

/* Row (ci, ki, kj) of col: window offset (ki, kj) of input channel ci, over every output pixel
 * of n samples.  x: (n, c, h, w)  out: (n, oh, ow) */
static void im2col_row(const nn_conv_geom *g, const float *x, int n, int ci, int ki, int kj,
                       float *restrict out)
{
    int lo, hi, s = g->stride, ow = g->ow;
    size_t plane = (size_t)g->h * (size_t)g->w;
    valid_span(g, kj, &lo, &hi);
    for (int b = 0; b < n; b++) {
        const float *in = x + ((size_t)b * (size_t)g->c + (size_t)ci) * plane;
        for (int oy = 0; oy < g->oh; oy++, out += ow) {
            int iy = oy * s + ki - g->pad_h;
            if (iy < 0 || iy >= g->h) {
                for (int ox = 0; ox < ow; ox++)
                    out[ox] = 0.0f;
                continue;
            }
            for (int ox = 0; ox < lo; ox++)
                out[ox] = 0.0f;
            /* src[(ox - lo) * s] for lo <= ox < hi is inside the input row */
            const float *restrict src = in + (size_t)iy * (size_t)g->w + (kj - g->pad_w) + lo * s;
            if (s == 1) {
                for (int ox = lo; ox < hi; ox++)
                    out[ox] = src[ox - lo];
            } else {
                for (int ox = lo; ox < hi; ox++)
                    out[ox] = src[(ox - lo) * s];
            }
            for (int ox = hi; ox < ow; ox++)
                out[ox] = 0.0f;
        }
    }
}

/* One task per row of col, which it writes from start to end. */
void nn_im2col(const nn_conv_geom *g, const float *x, int n, float *col)
{
    size_t ld = (size_t)n * (size_t)g->oh * (size_t)g->ow;
    int k = g->k, rows = g->c * k * k;
#pragma omp parallel for schedule(static) if ((size_t)rows * ld > NN_PAR_MIN)
    for (int row = 0; row < rows; row++)
        im2col_row(g, x, n, row / (k * k), row / k % k, row % k, col + (size_t)row * ld);
}

/* Tasks are (channel, block of samples): a task owns its planes of dx, so the sums run in a fixed
 * order whatever the thread count, and it reads each row of dcol it needs as one contiguous run
 * over its samples while its planes stay in cache. */
void nn_col2im(const nn_conv_geom *g, const float *dcol, int n, float *dx)
{
    size_t p = (size_t)g->oh * (size_t)g->ow, plane = (size_t)g->h * (size_t)g->w;
    size_t ld = (size_t)n * p;
    int k = g->k, s = g->stride, ow = g->ow, c = g->c;
    int bs = plane >= 4096 ? 1 : (int)(4096 / plane), nblk = (n + bs - 1) / bs;
    long tasks = (long)c * nblk;
    size_t adds = (size_t)n * (size_t)c * p * (size_t)k * (size_t)k;
#pragma omp parallel for schedule(static) if (adds > NN_PAR_MIN)
    for (long t = 0; t < tasks; t++) {
        int ci = (int)(t / nblk), b0 = (int)(t % nblk) * bs, b1 = b0 + bs < n ? b0 + bs : n;
        for (int b = b0; b < b1; b++)
            memset(dx + ((size_t)b * (size_t)c + (size_t)ci) * plane, 0, plane * sizeof(float));
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                size_t row = ((size_t)ci * (size_t)k + (size_t)ki) * (size_t)k + (size_t)kj;
                int lo, hi, off = kj - g->pad_w; /* ox * s + off >= 0 for ox >= lo */
                valid_span(g, kj, &lo, &hi);
                for (int b = b0; b < b1; b++) {
                    const float *src = dcol + row * ld + (size_t)b * p;
                    float *out = dx + ((size_t)b * (size_t)c + (size_t)ci) * plane;
                    for (int oy = 0; oy < g->oh; oy++) {
                        int iy = oy * s + ki - g->pad_h;
                        if (iy < 0 || iy >= g->h)
                            continue;
                        float *dst = out + (size_t)iy * (size_t)g->w;
                        const float *r = src + (size_t)oy * (size_t)ow;
                        if (s == 1) {
#pragma omp simd
                            for (int ox = lo; ox < hi; ox++)
                                dst[ox + off] += r[ox];
                        } else {
                            for (int ox = lo; ox < hi; ox++)
                                dst[ox * s + off] += r[ox];
                        }
                    }
                }
            }
        }
    }
}

void nn_conv_rows_to_nchw(const float *t, const float *bias, float *y, int n, int f, int p)
{
    size_t ld = (size_t)n * (size_t)p, tasks = (size_t)n * (size_t)f;
#pragma omp parallel for schedule(static) if (tasks * (size_t)p > NN_PAR_MIN)
    for (size_t i = 0; i < tasks; i++) {
        size_t b = i / (size_t)f, c = i % (size_t)f;
        const float *src = t + c * ld + b * (size_t)p;
        float *dst = y + i * (size_t)p;
        float add = bias ? bias[c] : 0.0f;
        for (int q = 0; q < p; q++)
            dst[q] = src[q] + add;
    }
}

/* One task per channel, so each db[c] is summed by one thread in a fixed order (in double). */
void nn_nchw_to_conv_rows(const float *dy, float *t, float *db, int n, int f, int p)
{
    size_t ld = (size_t)n * (size_t)p;
#pragma omp parallel for schedule(static) if ((size_t)f * ld > NN_PAR_MIN)
    for (int c = 0; c < f; c++) {
        double sum = 0;
        for (int b = 0; b < n; b++) {
            const float *src = dy + ((size_t)b * (size_t)f + (size_t)c) * (size_t)p;
            float *dst = t + (size_t)c * ld + (size_t)b * (size_t)p;
            float part = 0;
            for (int q = 0; q < p; q++) {
                dst[q] = src[q];
                part += src[q];
            }
            sum += part;
        }
        if (db)
            db[c] += (float)sum;
    }
}

/* The batch goes through in chunks of samples whose column matrix, about CONV_CHUNK floats,
 * stays in cache between im2col and the products that read it: lowering the whole batch at
 * once would send every column matrix through memory, which is slower here than the
 * products themselves. The chunk keeps at least one sample, and its n*p columns fit in the
 * int of CBLAS. */
#ifndef CONV_CHUNK
#define CONV_CHUNK (1 << 18)
#endif
static int conv_chunk(const nn_conv_geom *g, int n)
{
    long p = (long)g->oh * g->ow, kk = (long)g->c * g->k * g->k;
    long most = INT_MAX / (p > 0 ? p : 1), want = CONV_CHUNK / (kk * p > 0 ? kk * p : 1);
    if (want < 1)
        want = 1;
    if (want > most)
        want = most;
    return n < want ? n : (int)want;
}

size_t nn_conv_work_len(const nn_conv_geom *g, int f)
{
    size_t p = (size_t)g->oh * (size_t)g->ow, kk = (size_t)g->c * (size_t)g->k * (size_t)g->k;
    return 2 * kk * p + (size_t)f * p;
}

void nn_conv_forward(const nn_conv_geom *g, const float *x, const float *W, const float *b,
                     float *y, int n, int f, float *work)
{
    int p = g->oh * g->ow, kk = g->c * g->k * g->k, chunk = conv_chunk(g, n);
    size_t in = (size_t)g->c * (size_t)g->h * (size_t)g->w;
    float *col = work, *t = work + (size_t)chunk * (size_t)kk * (size_t)p;
    for (int b0 = 0; b0 < n; b0 += chunk) {
        int nb = n - b0 < chunk ? n - b0 : chunk, cols = nb * p;
        nn_im2col(g, x + (size_t)b0 * in, nb, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, f, cols, kk, 1.0f, W, kk, col,
                    cols, 0.0f, t, cols);
        nn_conv_rows_to_nchw(t, b, y + (size_t)b0 * (size_t)f * (size_t)p, nb, f, p);
    }
}

void nn_conv_backward(const nn_conv_geom *g, const float *x, const float *W, const float *dy,
                      float *dW, float *db, float *dx, int n, int f, float *work)
{
    int p = g->oh * g->ow, kk = g->c * g->k * g->k, chunk = conv_chunk(g, n);
    size_t in = (size_t)g->c * (size_t)g->h * (size_t)g->w;
    size_t ncol = (size_t)chunk * (size_t)kk * (size_t)p;
    float *col = work, *t = work + ncol, *dcol = t + (size_t)chunk * (size_t)f * (size_t)p;
    for (int b0 = 0; b0 < n; b0 += chunk) {
        int nb = n - b0 < chunk ? n - b0 : chunk, cols = nb * p;
        nn_im2col(g, x + (size_t)b0 * in, nb, col);
        nn_nchw_to_conv_rows(dy + (size_t)b0 * (size_t)f * (size_t)p, t, db, nb, f, p);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, f, kk, cols, 1.0f, t, cols, col,
                    cols, 1.0f, dW, kk);
        if (dx) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kk, cols, f, 1.0f, W, kk, t,
                        cols, 0.0f, dcol, cols);
            nn_col2im(g, dcol, nb, dx + (size_t)b0 * in);
        }
    }
}
