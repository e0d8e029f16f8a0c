/* kernels.c -- the math the layers and losses share; see kernels.h.
 *
 * Matrix products go through CBLAS (OpenBLAS by default), row-major. Everything else is plain
 * loops; elementwise loops longer than NN_PAR_MIN floats are split across OpenMP threads. No
 * loop here reduces across threads, so results do not depend on how the work is split, except
 * the convolution's weight gradient, summed per thread and then in thread order: the same for
 * a given thread count. */
#include "kernels.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <string.h>

/* ---- matrix products --------------------------------------------------------------------- */

/* The bias is copied into every row of y first and the product is added on top (beta = 1), so y
 * is written once. With in == 0 the product is empty and y is the bias alone (or zero); BLAS is
 * not called then, since it rejects a leading dimension of 0. */
/* Products below this many multiply-adds run on one thread: a fork costs more than it saves. */
enum { GEMM_PAR_MIN = 1 << 17 };

void nn_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc)
{
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads <= 1 || (size_t)m * (size_t)n * (size_t)k < GEMM_PAR_MIN) {
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* Split the longer side of C into blocks of whole 16-float groups, one per thread. */
    int split_n = n >= m;
    int len = split_n ? n : m;
    int step = ((len + threads - 1) / threads + 15) / 16 * 16;
#pragma omp parallel num_threads(threads)
    {
        int lo = omp_get_thread_num() * step;
        int hi = lo + step < len ? lo + step : len;
        if (lo < hi) {
            if (split_n) { /* columns lo..hi of op(B) and C */
                const float *b = trans_b ? B + (size_t)lo * (size_t)ldb : B + lo;
                cblas_sgemm(CblasRowMajor, ta, tb, m, hi - lo, k, alpha, A, lda, b, ldb, beta,
                            C + lo, ldc);
            } else { /* rows lo..hi of op(A) and C */
                const float *a = trans_a ? A + lo : A + (size_t)lo * (size_t)lda;
                cblas_sgemm(CblasRowMajor, ta, tb, hi - lo, n, k, alpha, a, lda, B, ldb, beta,
                            C + (size_t)lo * (size_t)ldc, ldc);
            }
        }
    }
}

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
    nn_gemm(0, 1, n, out, in, 1.0f, x, in, W, in, b ? 1.0f : 0.0f, y, out);
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
        nn_gemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 1.0f, dW, in);
        if (dx)
            nn_gemm(0, 0, n, in, out, 1.0f, dy, out, W, in, 0.0f, dx, in);
    }
    if (db) {
        for (int i = 0; i < n; i++) {
            const float *r = dy + (size_t)i * (size_t)out;
            for (int j = 0; j < out; j++)
                db[j] += r[j];
        }
    }
}

void nn_parallel_chunks(size_t n, void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx)
{
    if (n <= NN_PAR_MIN || omp_in_parallel() || omp_get_max_threads() == 1) {
        fn(ctx, 0, n);
        return;
    }
#pragma omp parallel
    {
        size_t t = (size_t)omp_get_thread_num(), team = (size_t)omp_get_num_threads();
        size_t step = (n + team - 1) / team;
        size_t lo = t * step < n ? t * step : n, hi = lo + step < n ? lo + step : n;
        if (lo < hi)
            fn(ctx, lo, hi);
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

/* ---- convolution -------------------------------------------------------------------------
 * A convolution is lowered to matrix products. The loops that lower (im2col and friends) are
 * threaded on their own when called alone, and run on one thread inside the convolution, which
 * splits the batch between threads itself (see nn_conv_forward). */

/* Whether a loop of `work` elements should fork: only when long enough, and never inside a
 * parallel region (the convolution already runs one loop per thread there). */
static int fork_for(size_t work)
{
    return work > NN_PAR_MIN && !omp_in_parallel();
}

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

/* dst[0..n) = src[0..n) for short runs that do not overlap, such as one row of an output
 * image: fixed-size copies, which the compiler turns into a few vector moves, cost less here
 * than a call to memcpy. */
static void copy_run(float *restrict dst, const float *restrict src, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        memcpy(dst + i, src + i, 8 * sizeof(float));
    if (i + 4 <= n) {
        memcpy(dst + i, src + i, 4 * sizeof(float));
        i += 4;
    }
    switch (n - i) {
    case 3:
        dst[i + 2] = src[i + 2];
        /* fall through */
    case 2:
        dst[i + 1] = src[i + 1];
        /* fall through */
    case 1:
        dst[i] = src[i];
        break;
    default:
        break;
    }
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
                memset(out, 0, (size_t)ow * sizeof(float));
                continue;
            }
            for (int ox = 0; ox < lo; ox++)
                out[ox] = 0.0f;
            /* src[(ox - lo) * s] for lo <= ox < hi is inside the input row */
            const float *restrict src = in + (size_t)iy * (size_t)g->w + (kj - g->pad_w) + lo * s;
            if (s == 1) {
                copy_run(out + lo, src, hi - lo);
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
#pragma omp parallel for schedule(static) if (fork_for((size_t)rows * ld))
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
#pragma omp parallel for schedule(static) if (fork_for(adds))
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
                        float *restrict dst = out + (size_t)iy * (size_t)g->w;
                        const float *restrict r = src + (size_t)oy * (size_t)ow;
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

/* The window columns kj of output column ox that fall inside the input: [*lo, *hi). */
static void window_span(const nn_conv_geom *g, int ox, int *lo, int *hi)
{
    int start = ox * g->stride - g->pad_w; /* input column of kj = 0 */
    *lo = start >= 0 ? 0 : -start;
    *hi = g->w - start < g->k ? g->w - start : g->k;
    if (*lo > g->k)
        *lo = g->k;
    if (*hi < *lo)
        *hi = *lo;
}

void nn_im2row(const nn_conv_geom *g, const float *xt, int n, float *col)
{
    int k = g->k, c = g->c, ow = g->ow;
    size_t kk = (size_t)k * (size_t)k * (size_t)c, run = (size_t)k * (size_t)c;
    long rows = (long)n * g->oh * ow;
#pragma omp parallel for schedule(static) if (fork_for((size_t)rows * kk))
    for (long r = 0; r < rows; r++) {
        int ox = (int)(r % ow), oy = (int)(r / ow % g->oh), b = (int)(r / ow / g->oh), lo, hi;
        float *out = col + (size_t)r * kk;
        window_span(g, ox, &lo, &hi);
        for (int ki = 0; ki < k; ki++, out += run) {
            int iy = oy * g->stride + ki - g->pad_h;
            if (iy < 0 || iy >= g->h || hi == lo) {
                memset(out, 0, run * sizeof(float));
                continue;
            }
            size_t at = ((size_t)b * (size_t)g->h + (size_t)iy) * (size_t)g->w +
                        (size_t)(ox * g->stride + lo - g->pad_w);
            memset(out, 0, (size_t)lo * (size_t)c * sizeof(float));
            memcpy(out + (size_t)lo * (size_t)c, xt + at * (size_t)c,
                   (size_t)(hi - lo) * (size_t)c * sizeof(float));
            memset(out + (size_t)hi * (size_t)c, 0, (size_t)(k - hi) * (size_t)c * sizeof(float));
        }
    }
}

/* One task per input row (sample, iy), which only that task writes: it gathers, in a fixed
 * order, every window row that covers it. */
void nn_row2im(const nn_conv_geom *g, const float *dcol, int n, float *dxt)
{
    int k = g->k, c = g->c, s = g->stride, ow = g->ow;
    size_t kk = (size_t)k * (size_t)k * (size_t)c, run = (size_t)k * (size_t)c;
    size_t row = (size_t)g->w * (size_t)c;
    long tasks = (long)n * g->h;
    size_t adds = (size_t)n * (size_t)g->oh * (size_t)ow * kk;
#pragma omp parallel for schedule(static) if (fork_for(adds))
    for (long t = 0; t < tasks; t++) {
        int iy = (int)(t % g->h), b = (int)(t / g->h);
        float *restrict dst = dxt + (size_t)t * row;
        memset(dst, 0, row * sizeof(float));
        for (int ki = 0; ki < k; ki++) {
            int num = iy + g->pad_h - ki; /* oy * s */
            if (num < 0 || num % s != 0 || num / s >= g->oh)
                continue;
            int oy = num / s;
            for (int ox = 0; ox < ow; ox++) {
                int lo, hi;
                window_span(g, ox, &lo, &hi);
                size_t r = ((size_t)b * (size_t)g->oh + (size_t)oy) * (size_t)ow + (size_t)ox;
                const float *restrict src = dcol + r * kk + (size_t)ki * run + (size_t)lo * c;
                float *restrict d = dst + (size_t)(ox * s + lo - g->pad_w) * (size_t)c;
                size_t len = (size_t)(hi - lo) * (size_t)c;
#pragma omp simd
                for (size_t j = 0; j < len; j++)
                    d[j] += src[j];
            }
        }
    }
}

void nn_conv_rows_to_nchw(const float *t, const float *bias, float *y, int n, int f, int p)
{
    size_t ld = (size_t)n * (size_t)p, tasks = (size_t)n * (size_t)f;
#pragma omp parallel for schedule(static) if (fork_for(tasks * (size_t)p))
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
#pragma omp parallel for schedule(static) if (fork_for((size_t)f * ld))
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

/* ---- convolution: the whole layer ---------------------------------------------------------
 * The batch is split between the OpenMP threads, one contiguous range of samples each; a
 * thread lowers its samples a chunk at a time (a column matrix small enough to stay in its
 * cache: lowering the whole batch at once sends it through memory, which costs more than the
 * products) and multiplies with BLAS on its own thread. One fork per call, and no thread waits
 * on another until the end. BLAS threads would only fight the OpenMP ones for the cores
 * (measured: several times slower), so OpenBLAS is held at one thread during the call and
 * given back its count after. The weight gradient is summed per thread, then across threads
 * in thread order: the result depends on the thread count, never on timing.
 *
 * Channels first (nn_im2col), each sample is one product straight into y, and backward reads
 * dy in place. With many channels and small images (a conv2d after another), output rows are
 * short and nn_im2col spends its time on loop overhead; there the chunk goes channels last
 * through nn_im2row instead, where one window row of every channel is one contiguous run, with
 * W permuted to (f, k, k, c) to match, and is multiplied as a whole (a few samples make a
 * better shaped product than one). */

/* Target floats of column matrix per chunk (measured on W3's layers: 1x28x28 -> 32 5x5
 * filters, channels first; 32x12x12 -> 64 5x5 filters, channels last). */
enum { CONV_CHUNK = 1 << 16, CONV_CHUNK_LAST = 1 << 18 };

/* Channels last pays when a window row of all channels is longer than a row of the output. */
static int channels_last(const nn_conv_geom *g)
{
    return g->c > 1 && (long)g->c * g->k > g->ow;
}

/* Samples per chunk: at least one, at most n, and n*p columns fit in CBLAS's int. Channels
 * last multiplies a whole chunk at once, where a few samples make a better shaped product;
 * channels first multiplies sample by sample, and a small chunk keeps col in cache. */
static int conv_chunk(const nn_conv_geom *g, int n)
{
    long p = (long)g->oh * g->ow, kk = (long)g->c * g->k * g->k;
    long size = channels_last(g) ? CONV_CHUNK_LAST : CONV_CHUNK;
    long most = INT_MAX / (p > 0 ? p : 1), want = size / (kk * p > 0 ? kk * p : 1);
    if (want < 1)
        want = 1;
    if (want > most)
        want = most;
    return n < want ? n : (int)want;
}

/* Floats of per-sample scratch: col, t and dcol, and channels last the input and its gradient
 * that way round. */
static size_t per_sample(const nn_conv_geom *g, int f)
{
    size_t p = (size_t)g->oh * (size_t)g->ow, kk = (size_t)g->c * (size_t)g->k * (size_t)g->k;
    size_t in = (size_t)g->c * (size_t)g->h * (size_t)g->w;
    return 2 * kk * p + (size_t)f * p + (channels_last(g) ? 2 * in : 0);
}

/* The work area of a call with n samples and nt threads:
 *   wt        (f, kk)           W permuted, channels last only
 *   part[i]   (f*kk + f)        thread i's dW and db, backward only
 *   thread i  per_sample * (its samples): xt, col, t, dcol, dxt for one chunk
 * which fits n * nn_conv_work_len floats, since nt <= n. */
size_t nn_conv_work_len(const nn_conv_geom *g, int f)
{
    size_t kk = (size_t)g->c * (size_t)g->k * (size_t)g->k;
    return per_sample(g, f) + 2 * ((size_t)f * kk + (size_t)f);
}

typedef struct conv_bufs {
    float *xt, *col, *t, *dcol, *dxt;
} conv_bufs;

static conv_bufs conv_split(const nn_conv_geom *g, int f, int chunk, float *area)
{
    size_t p = (size_t)g->oh * (size_t)g->ow, kk = (size_t)g->c * (size_t)g->k * (size_t)g->k;
    size_t in = (size_t)g->c * (size_t)g->h * (size_t)g->w, nb = (size_t)chunk;
    int last = channels_last(g);
    conv_bufs w;
    w.xt = area;
    w.col = w.xt + (last ? nb * in : 0);
    w.t = w.col + nb * kk * p;
    w.dcol = w.t + nb * (size_t)f * p;
    w.dxt = w.dcol + nb * kk * p;
    return w;
}

/* W: (f, c, k, k) -> wt: (f, k, k, c) */
static void permute_weights(const nn_conv_geom *g, const float *W, float *wt, int f)
{
    size_t c = (size_t)g->c, kk2 = (size_t)g->k * (size_t)g->k;
    for (size_t o = 0; o < (size_t)f; o++)
        for (size_t ci = 0; ci < c; ci++)
            for (size_t q = 0; q < kk2; q++)
                wt[(o * kk2 + q) * c + ci] = W[(o * c + ci) * kk2 + q];
}

/* x: (n, c, hw)  xt: (n, hw, c) */
static void to_channels_last(const float *x, float *xt, int n, int c, int hw)
{
#pragma omp parallel for schedule(static) if (fork_for((size_t)n * (size_t)c * (size_t)hw))
    for (int b = 0; b < n; b++) {
        const float *src = x + (size_t)b * (size_t)c * (size_t)hw;
        float *dst = xt + (size_t)b * (size_t)c * (size_t)hw;
        for (int ci = 0; ci < c; ci++)
            for (int q = 0; q < hw; q++)
                dst[(size_t)q * (size_t)c + (size_t)ci] = src[(size_t)ci * (size_t)hw + (size_t)q];
    }
}

/* xt: (n, hw, c)  x: (n, c, hw) */
static void from_channels_last(const float *xt, float *x, int n, int c, int hw)
{
#pragma omp parallel for schedule(static) if (fork_for((size_t)n * (size_t)c * (size_t)hw))
    for (int b = 0; b < n; b++) {
        const float *src = xt + (size_t)b * (size_t)c * (size_t)hw;
        float *dst = x + (size_t)b * (size_t)c * (size_t)hw;
        for (int ci = 0; ci < c; ci++)
            for (int q = 0; q < hw; q++)
                dst[(size_t)ci * (size_t)hw + (size_t)q] = src[(size_t)q * (size_t)c + (size_t)ci];
    }
}

/* Holds OpenBLAS at one thread while the convolution's own threads call it; returns the count
 * to give back (0: nothing to give back). */
static int blas_single(void)
{
#ifdef OPENBLAS_VERSION
    /* An OpenMP build of OpenBLAS runs on one thread inside a parallel region by itself (and
     * its thread count is OpenMP's, not to be touched here). */
    int n = openblas_get_parallel() == OPENBLAS_THREAD ? openblas_get_num_threads() : 0;
    if (n > 1) {
        openblas_set_num_threads(1);
        return n;
    }
#endif
    return 0;
}

static void blas_restore(int n)
{
#ifdef OPENBLAS_VERSION
    if (n > 1)
        openblas_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Threads for a call: at most one per sample, and one when the batch is too small to share. */
static int conv_threads(const nn_conv_geom *g, int n, int f)
{
    size_t flops = (size_t)n * (size_t)f * (size_t)g->oh * (size_t)g->ow * (size_t)g->c *
                   (size_t)g->k * (size_t)g->k;
    int t = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (flops < (size_t)NN_PAR_MIN * 8)
        t = 1;
    return t < n ? t : n;
}

/* y_b = bias, one channel after another (or 0), before a product adds onto it.
 * bias: (f) or NULL  y: (f, p) */
static void fill_bias(float *y, const float *bias, int f, int p)
{
    for (int o = 0; o < f; o++) {
        float v = bias ? bias[o] : 0.0f;
        float *row = y + (size_t)o * (size_t)p;
        for (int q = 0; q < p; q++)
            row[q] = v;
    }
}

/* Forward of samples [s0, s1) on the calling thread, one product per sample straight into y
 * (its column block of the chunk's col).  wt: W permuted, channels last only */
static void forward_range(const nn_conv_geom *g, const float *x, const float *W,
                          const float *wt, const float *b, float *y, int s0, int s1, int f,
                          float *area)
{
    int p = g->oh * g->ow, kk = g->c * g->k * g->k, chunk = conv_chunk(g, s1 - s0);
    size_t in = (size_t)g->c * (size_t)g->h * (size_t)g->w, out = (size_t)f * (size_t)p;
    conv_bufs w = conv_split(g, f, chunk, area);
    for (int b0 = s0; b0 < s1; b0 += chunk) {
        int nb = s1 - b0 < chunk ? s1 - b0 : chunk, cols = nb * p;
        if (wt) { /* col: (nb*p, kk); one product for the chunk, then sample-major */
            to_channels_last(x + (size_t)b0 * in, w.xt, nb, g->c, g->h * g->w);
            nn_im2row(g, w.xt, nb, w.col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, f, cols, kk, 1.0f, wt, kk,
                        w.col, kk, 0.0f, w.t, cols);
            nn_conv_rows_to_nchw(w.t, b, y + (size_t)b0 * out, nb, f, p);
            continue;
        }
        nn_im2col(g, x + (size_t)b0 * in, nb, w.col); /* col: (kk, nb*p) */
        for (int i = 0; i < nb; i++) { /* this sample's columns, straight into y */
            float *yb = y + (size_t)(b0 + i) * out;
            fill_bias(yb, b, f, p);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, f, p, kk, 1.0f, W, kk,
                        w.col + (size_t)i * (size_t)p, cols, 1.0f, yb, p);
        }
    }
}

/* Backward of samples [s0, s1) on the calling thread: adds into dw (laid out like wt when
 * channels last, else like W) and db, writes dx for those samples unless it is NULL. */
static void backward_range(const nn_conv_geom *g, const float *x, const float *W,
                           const float *wt, const float *dy, float *dw, float *db, float *dx,
                           int s0, int s1, int f, float *area)
{
    int p = g->oh * g->ow, kk = g->c * g->k * g->k, chunk = conv_chunk(g, s1 - s0);
    int hw = g->h * g->w;
    size_t in = (size_t)g->c * (size_t)hw, out = (size_t)f * (size_t)p;
    conv_bufs w = conv_split(g, f, chunk, area);
    for (int b0 = s0; b0 < s1; b0 += chunk) {
        int nb = s1 - b0 < chunk ? s1 - b0 : chunk, cols = nb * p;
        if (wt) { /* dy as (f, nb*p) for whole-chunk products, db on the way */
            nn_nchw_to_conv_rows(dy + (size_t)b0 * out, w.t, db, nb, f, p);
            to_channels_last(x + (size_t)b0 * in, w.xt, nb, g->c, hw);
            nn_im2row(g, w.xt, nb, w.col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, f, kk, cols, 1.0f, w.t, cols,
                        w.col, kk, 1.0f, dw, kk);
            if (!dx)
                continue;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cols, kk, f, 1.0f, w.t, cols,
                        wt, kk, 0.0f, w.dcol, kk);
            nn_row2im(g, w.dcol, nb, w.dxt);
            from_channels_last(w.dxt, dx + (size_t)b0 * in, nb, g->c, hw);
            continue;
        }
        nn_im2col(g, x + (size_t)b0 * in, nb, w.col);
        for (int i = 0; i < nb; i++) {
            const float *dyb = dy + (size_t)(b0 + i) * out;
            for (int o = 0; o < f; o++) {
                const float *row = dyb + (size_t)o * (size_t)p;
                float sum = 0;
                for (int q = 0; q < p; q++)
                    sum += row[q];
                db[o] += sum;
            }
            const float *cb = w.col + (size_t)i * (size_t)p;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, f, kk, p, 1.0f, dyb, p, cb,
                        cols, 1.0f, dw, kk);
            if (dx)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kk, p, f, 1.0f, W, kk, dyb,
                            p, 0.0f, w.dcol + (size_t)i * (size_t)p, cols);
        }
        if (dx)
            nn_col2im(g, w.dcol, nb, dx + (size_t)b0 * in);
    }
}

void nn_conv_forward(const nn_conv_geom *g, const float *x, const float *W, const float *b,
                     float *y, int n, int f, float *work)
{
    if (n <= 0)
        return;
    size_t fkk = (size_t)f * (size_t)g->c * (size_t)g->k * (size_t)g->k;
    size_t ps = per_sample(g, f);
    float *wt = NULL, *areas = work;
    if (channels_last(g)) {
        wt = work;
        areas = work + fkk;
        permute_weights(g, W, wt, f);
    }
    int nt = conv_threads(g, n, f), blas = nt > 1 ? blas_single() : 0;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int id = omp_get_thread_num(), team = omp_get_num_threads();
        int s0 = (int)((long)n * id / team), s1 = (int)((long)n * (id + 1) / team);
        if (s1 > s0)
            forward_range(g, x, W, wt, b, y, s0, s1, f, areas + (size_t)s0 * ps);
    }
    blas_restore(blas);
}

void nn_conv_backward(const nn_conv_geom *g, const float *x, const float *W, const float *dy,
                      float *dW, float *db, float *dx, int n, int f, float *work)
{
    if (n <= 0)
        return;
    size_t c = (size_t)g->c, kk2 = (size_t)g->k * (size_t)g->k, fkk = (size_t)f * c * kk2;
    size_t ps = per_sample(g, f), part = fkk + (size_t)f;
    int nt = conv_threads(g, n, f), blas = nt > 1 ? blas_single() : 0;
    float *wt = NULL, *parts = work;
    if (channels_last(g)) {
        wt = work;
        parts = work + fkk;
        permute_weights(g, W, wt, f);
    }
    float *areas = parts + (size_t)nt * part;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int id = omp_get_thread_num(), team = omp_get_num_threads();
        int s0 = (int)((long)n * id / team), s1 = (int)((long)n * (id + 1) / team);
        float *mine = parts + (size_t)id * part;
        memset(mine, 0, part * sizeof(float));
        if (s1 > s0)
            backward_range(g, x, W, wt, dy, mine, mine + fkk, dx, s0, s1, f,
                           areas + (size_t)s0 * ps);
#pragma omp barrier
        /* dW and db += the threads' sums, in thread order, one filter per task. */
#pragma omp for schedule(static)
        for (int o = 0; o < f; o++) {
            /* over W's layout (ci, q); the parts are laid out like wt when channels last */
            float *dwo = dW + (size_t)o * c * kk2;
            const float *po = parts + (size_t)o * c * kk2;
            for (size_t ci = 0; ci < c; ci++) {
                for (size_t q = 0; q < kk2; q++) {
                    size_t at = wt ? q * c + ci : ci * kk2 + q;
                    float sum = 0;
                    for (int i = 0; i < team; i++)
                        sum += po[(size_t)i * part + at];
                    dwo[ci * kk2 + q] += sum;
                }
            }
            if (db) {
                float sum = 0;
                for (int i = 0; i < team; i++)
                    sum += parts[(size_t)i * part + fkk + (size_t)o];
                db[o] += sum;
            }
        }
    }
    blas_restore(blas);
}
