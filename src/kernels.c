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
