/* test_kernels.c -- the shared kernels against naive loops: the linear layer's products at odd
 * sizes, axpy, row softmax and sigmoid (values, stability, in place, the threaded path). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels.h"
#include "rng.h"
#include "xalloc.h"

static float *falloc(size_t n)
{
    nn_err err;
    float *p = nn_alloc(n, sizeof(float), &err);
    if (!p)
        fail_msg("%s", err.msg);
    return p;
}

static void fill(nn_rng *r, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)nn_rng_normal(r);
}

/* |a - b| within a relative-and-absolute tolerance of float sums of a few dozen terms. */
static void assert_near(double a, double b, double tol)
{
    if (!(fabs(a - b) <= tol * (1 + fabs(b))))
        fail_msg("got %.9g, expected %.9g", a, b);
}

/* Sizes chosen odd, with 1s and 0s, and one large enough for OpenBLAS to block it. */
static const int sizes[][3] = {
    {1, 1, 1}, {3, 5, 7}, {7, 3, 5}, {2, 1, 4}, {5, 4, 1}, {33, 17, 9}, {64, 129, 65}, {4, 0, 3},
};

static void test_linear_forward(void **state)
{
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 1);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s][0], in = sizes[s][1], out = sizes[s][2];
        size_t nx = (size_t)n * (size_t)in, nw = (size_t)out * (size_t)in;
        size_t ny = (size_t)n * (size_t)out;
        float *x = falloc(nx), *W = falloc(nw), *b = falloc((size_t)out), *y = falloc(ny);
        fill(&r, x, nx);
        fill(&r, W, nw);
        fill(&r, b, (size_t)out);
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            for (size_t i = 0; i < ny; i++)
                y[i] = NAN; /* must be overwritten, never read */
            nn_linear_forward(x, W, with_bias ? b : NULL, y, n, in, out);
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < out; o++) {
                    double want = with_bias ? b[o] : 0;
                    for (int k = 0; k < in; k++)
                        want += (double)x[i * in + k] * W[o * in + k];
                    assert_near(y[i * out + o], want, 1e-5);
                }
            }
        }
        nn_free(x);
        nn_free(W);
        nn_free(b);
        nn_free(y);
    }
}

static void test_linear_backward(void **state)
{
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 2);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s][0], in = sizes[s][1], out = sizes[s][2];
        size_t nx = (size_t)n * (size_t)in, nw = (size_t)out * (size_t)in;
        size_t ny = (size_t)n * (size_t)out;
        float *x = falloc(nx), *W = falloc(nw), *dy = falloc(ny), *dx = falloc(nx);
        float *dW = falloc(nw), *dW0 = falloc(nw), *db = falloc((size_t)out);
        float *db0 = falloc((size_t)out);
        fill(&r, x, nx);
        fill(&r, W, nw);
        fill(&r, dy, ny);
        for (int variant = 0; variant < 2; variant++) { /* 1: db and dx NULL */
            fill(&r, dW0, nw);
            fill(&r, db0, (size_t)out);
            for (size_t i = 0; i < nw; i++)
                dW[i] = dW0[i];
            for (int o = 0; o < out; o++)
                db[o] = db0[o];
            for (size_t i = 0; i < nx; i++)
                dx[i] = NAN;
            nn_linear_backward(x, W, dy, dW, variant ? NULL : db, variant ? NULL : dx, n, in,
                               out);
            /* dW accumulates: the old contents plus dy^T x. */
            for (int o = 0; o < out; o++) {
                for (int k = 0; k < in; k++) {
                    double want = dW0[o * in + k];
                    for (int i = 0; i < n; i++)
                        want += (double)dy[i * out + o] * x[i * in + k];
                    assert_near(dW[o * in + k], want, 1e-5);
                }
                double want_b = db0[o];
                for (int i = 0; i < n; i++)
                    want_b += dy[i * out + o];
                assert_near(db[o], variant ? db0[o] : want_b, 1e-5);
            }
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < in; k++) {
                    if (variant) {
                        assert_true(isnan(dx[i * in + k])); /* NULL: nothing written */
                        continue;
                    }
                    double want = 0;
                    for (int o = 0; o < out; o++)
                        want += (double)dy[i * out + o] * W[o * in + k];
                    assert_near(dx[i * in + k], want, 1e-5);
                }
            }
        }
        nn_free(x);
        nn_free(W);
        nn_free(dy);
        nn_free(dx);
        nn_free(dW);
        nn_free(dW0);
        nn_free(db);
        nn_free(db0);
    }
}

static void test_axpy(void **state)
{
    (void)state;
    float x[5] = {1, -2, 0.5f, 0, 4};
    float y[5] = {10, 10, 10, 10, 10};
    nn_axpy(5, -0.5f, x, y);
    const float want[5] = {9.5f, 11, 9.75f, 10, 8};
    for (int i = 0; i < 5; i++)
        assert_near(y[i], want[i], 1e-7);
    nn_axpy(0, 3.0f, x, y); /* empty: no change */
    assert_near(y[0], 9.5, 1e-7);
}

static void test_softmax_values(void **state)
{
    (void)state;
    float x[6] = {0, logf(3.0f), 1000, -1000, 0, 1000};
    float y[6];
    nn_softmax_rows(x, y, 2, 3); /* rows: {0, log 3, 1000}, {-1000, 0, 1000} */
    assert_near(y[0], 0, 1e-7);
    assert_near(y[2], 1, 1e-7);
    assert_near(y[3], 0, 1e-7);
    assert_near(y[5], 1, 1e-7);
    float z[4] = {0, logf(3.0f), 5, 5};
    nn_softmax_rows(z, z, 2, 2); /* in place */
    assert_near(z[0], 0.25, 1e-6);
    assert_near(z[1], 0.75, 1e-6);
    assert_near(z[2], 0.5, 1e-7);
    assert_near(z[3], 0.5, 1e-7);
    float one = -7;
    nn_softmax_rows(&one, &one, 1, 1);
    assert_true(one == 1.0f);
}

/* Large enough for the OpenMP path: each row must match the formula on its own. */
static void test_softmax_threaded(void **state)
{
    (void)state;
    enum { N = 4099, W = 17 };
    float *x = falloc((size_t)N * W), *y = falloc((size_t)N * W);
    nn_rng r;
    nn_rng_seed(&r, 3);
    for (size_t i = 0; i < (size_t)N * W; i++)
        x[i] = (float)(10 * nn_rng_normal(&r));
    assert_true((size_t)N * W > NN_PAR_MIN);
    nn_softmax_rows(x, y, N, W);
    for (int i = 0; i < N; i += 97) {
        double m = -INFINITY, s = 0, sum = 0;
        for (int j = 0; j < W; j++)
            m = fmax(m, x[i * W + j]);
        for (int j = 0; j < W; j++)
            s += exp(x[i * W + j] - m);
        for (int j = 0; j < W; j++) {
            assert_near(y[i * W + j], exp(x[i * W + j] - m) / s, 1e-6);
            sum += y[i * W + j];
        }
        assert_near(sum, 1, 1e-5);
    }
    nn_free(x);
    nn_free(y);
}

static void test_sigmoid(void **state)
{
    (void)state;
    float x[6] = {0, 2, -2, 1000, -1000, -100};
    float y[6];
    nn_sigmoid(x, y, 6);
    assert_near(y[0], 0.5, 1e-7);
    assert_near(y[1], 1 / (1 + exp(-2.0)), 1e-6);
    assert_near(y[1] + y[2], 1, 1e-6);
    assert_true(y[3] == 1.0f);
    assert_true(y[4] == 0.0f);
    assert_true(y[5] >= 0 && y[5] < 1e-40f && isfinite(y[5]));
    enum { N = (1 << 15) + 3 };
    float *v = falloc(N);
    for (int i = 0; i < N; i++)
        v[i] = (float)(i % 41 - 20);
    nn_sigmoid(v, v, N); /* in place, threaded */
    for (int i = 0; i < N; i += 1001)
        assert_near(v[i], 1 / (1 + exp(-(double)(i % 41 - 20))), 1e-6);
    nn_free(v);
}

/* im2col against its definition, and col2im as its adjoint: <im2col(x), c> = <x, col2im(c)>
 * for every geometry, including padding on one side only and windows wholly in padding. */
static void test_im2col_col2im(void **state)
{
    (void)state;
    static const nn_conv_geom geoms[] = {
        /* c, h, w, k, stride, pad_h, pad_w, oh, ow */
        {1, 4, 4, 3, 1, 0, 0, 2, 2}, {2, 5, 3, 2, 2, 1, 0, 3, 2}, {3, 6, 7, 3, 2, 1, 1, 3, 4},
        {1, 3, 3, 2, 1, 0, 0, 3, 3}, {2, 2, 2, 5, 1, 3, 3, 4, 4}, {4, 9, 9, 1, 3, 0, 0, 3, 3},
        {40, 12, 12, 5, 1, 2, 2, 12, 12}, /* threaded */
    };
    nn_rng r;
    nn_rng_seed(&r, 11);
    for (size_t gi = 0; gi < sizeof geoms / sizeof *geoms; gi++) {
        const nn_conv_geom *g = &geoms[gi];
        int n = 3, k = g->k;
        size_t nx = (size_t)n * g->c * g->h * g->w, p = (size_t)g->oh * g->ow;
        size_t ld = (size_t)n * p, ncol = (size_t)g->c * k * k * ld;
        float *x = falloc(nx), *col = falloc(ncol), *c = falloc(ncol), *dx = falloc(nx);
        fill(&r, x, nx);
        fill(&r, c, ncol);
        for (size_t i = 0; i < ncol; i++)
            col[i] = NAN;
        nn_im2col(g, x, n, col);
        double lhs = 0, rhs = 0;
        for (int ci = 0; ci < g->c; ci++)
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                    for (int b = 0; b < n; b++)
                        for (int oy = 0; oy < g->oh; oy++)
                            for (int ox = 0; ox < g->ow; ox++) {
                                size_t row = ((size_t)ci * k + ki) * k + kj;
                                size_t at = row * ld + (size_t)b * p + (size_t)oy * g->ow + ox;
                                int iy = oy * g->stride + ki - g->pad_h;
                                int ix = ox * g->stride + kj - g->pad_w;
                                float want = iy < 0 || iy >= g->h || ix < 0 || ix >= g->w
                                                 ? 0.0f
                                                 : x[(((size_t)b * g->c + ci) * g->h + iy) *
                                                         g->w + ix];
                                if (col[at] != want)
                                    fail_msg("geometry %zu: col[%zu] = %g, expected %g", gi, at,
                                             col[at], want);
                                lhs += (double)col[at] * c[at];
                            }
        for (size_t i = 0; i < nx; i++)
            dx[i] = NAN;
        nn_col2im(g, c, n, dx);
        for (size_t i = 0; i < nx; i++)
            rhs += (double)x[i] * dx[i];
        assert_near(rhs, lhs, 1e-4);
        nn_free(x);
        nn_free(col);
        nn_free(c);
        nn_free(dx);
    }
}

/* The channels-last pair, the same way: row (b, oy, ox), window column (ki, kj, ci). */
static void test_im2row_row2im(void **state)
{
    (void)state;
    static const nn_conv_geom geoms[] = {
        /* c, h, w, k, stride, pad_h, pad_w, oh, ow */
        {2, 4, 4, 3, 1, 0, 0, 2, 2},   {3, 5, 3, 2, 2, 1, 0, 3, 2}, {4, 6, 7, 3, 2, 1, 1, 3, 4},
        {2, 3, 3, 2, 1, 0, 0, 3, 3},   {2, 2, 2, 5, 1, 3, 3, 4, 4}, {5, 9, 9, 1, 3, 0, 0, 3, 3},
        {32, 12, 12, 5, 1, 0, 0, 8, 8}, /* threaded */
    };
    nn_rng r;
    nn_rng_seed(&r, 12);
    for (size_t gi = 0; gi < sizeof geoms / sizeof *geoms; gi++) {
        const nn_conv_geom *g = &geoms[gi];
        int n = 3, k = g->k, c = g->c;
        size_t nx = (size_t)n * c * g->h * g->w, kk = (size_t)k * k * c;
        size_t ncol = (size_t)n * g->oh * g->ow * kk;
        float *xt = falloc(nx), *col = falloc(ncol), *dc = falloc(ncol), *dxt = falloc(nx);
        fill(&r, xt, nx);
        fill(&r, dc, ncol);
        for (size_t i = 0; i < ncol; i++)
            col[i] = NAN;
        nn_im2row(g, xt, n, col);
        double lhs = 0, rhs = 0;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < g->oh; oy++)
                for (int ox = 0; ox < g->ow; ox++)
                    for (int ki = 0; ki < k; ki++)
                        for (int kj = 0; kj < k; kj++)
                            for (int ci = 0; ci < c; ci++) {
                                size_t row = ((size_t)b * g->oh + oy) * g->ow + ox;
                                size_t at = row * kk + ((size_t)ki * k + kj) * c + ci;
                                int iy = oy * g->stride + ki - g->pad_h;
                                int ix = ox * g->stride + kj - g->pad_w;
                                float want = iy < 0 || iy >= g->h || ix < 0 || ix >= g->w
                                                 ? 0.0f
                                                 : xt[(((size_t)b * g->h + iy) * g->w + ix) *
                                                          c + ci];
                                if (col[at] != want)
                                    fail_msg("geometry %zu: col[%zu] = %g, expected %g", gi, at,
                                             col[at], want);
                                lhs += (double)col[at] * dc[at];
                            }
        for (size_t i = 0; i < nx; i++)
            dxt[i] = NAN;
        nn_row2im(g, dc, n, dxt);
        for (size_t i = 0; i < nx; i++)
            rhs += (double)xt[i] * dxt[i];
        assert_near(rhs, lhs, 1e-4);
        nn_free(xt);
        nn_free(col);
        nn_free(dc);
        nn_free(dxt);
    }
}

/* The batch-wide product's channel-major rows and the layers' sample-major tensors. */
static void test_conv_rows(void **state)
{
    (void)state;
    enum { N = 3, F = 4, P = 5 };
    float t[N * F * P], y[N * F * P], back[N * F * P], bias[F] = {1, 2, 3, 4};
    float db[F] = {10, 10, 10, 10};
    for (int i = 0; i < N * F * P; i++)
        t[i] = (float)i;
    nn_conv_rows_to_nchw(t, bias, y, N, F, P);
    for (int b = 0; b < N; b++)
        for (int f = 0; f < F; f++)
            for (int q = 0; q < P; q++)
                assert_true(y[(b * F + f) * P + q] == t[f * N * P + b * P + q] + bias[f]);
    nn_conv_rows_to_nchw(t, NULL, y, N, F, P);
    nn_nchw_to_conv_rows(y, back, db, N, F, P);
    assert_memory_equal(t, back, sizeof t);
    for (int f = 0; f < F; f++) {
        double sum = 10;
        for (int i = 0; i < N * P; i++)
            sum += t[f * N * P + i];
        assert_near(db[f], sum, 1e-6);
    }
    nn_nchw_to_conv_rows(y, back, NULL, N, F, P);
    assert_memory_equal(t, back, sizeof t);
}

/* nn_gemm against a naive product for every transpose pair, on sizes large enough to be split
 * across threads (m * n * k above its fork threshold), with leading dimensions wider than the
 * matrices and beta = 1 so the blocks must also keep C's prior values. */
static void test_gemm_split_matches_naive(void **state)
{
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 21);
    const int m = 70, n = 91, k = 43, pad = 3;
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
            float *A = falloc((size_t)(ta ? k : m) * (size_t)lda);
            float *B = falloc((size_t)(tb ? n : k) * (size_t)ldb);
            float *C = falloc((size_t)m * (size_t)ldc);
            fill(&r, A, (size_t)(ta ? k : m) * (size_t)lda);
            fill(&r, B, (size_t)(tb ? n : k) * (size_t)ldb);
            fill(&r, C, (size_t)m * (size_t)ldc);
            float *C0 = falloc((size_t)m * (size_t)ldc);
            for (size_t i = 0; i < (size_t)m * (size_t)ldc; i++)
                C0[i] = C[i];
            nn_gemm(ta, tb, m, n, k, 0.5f, A, lda, B, ldb, 1.0f, C, ldc);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double want = C0[(size_t)i * (size_t)ldc + (size_t)j];
                    for (int p = 0; p < k; p++) {
                        double a = ta ? A[(size_t)p * (size_t)lda + (size_t)i]
                                      : A[(size_t)i * (size_t)lda + (size_t)p];
                        double b = tb ? B[(size_t)j * (size_t)ldb + (size_t)p]
                                      : B[(size_t)p * (size_t)ldb + (size_t)j];
                        want += 0.5 * a * b;
                    }
                    assert_near(C[(size_t)i * (size_t)ldc + (size_t)j], want, 1e-4);
                }
                for (int j = n; j < ldc; j++) /* padding past n is never written */
                    assert_true(C[(size_t)i * (size_t)ldc + (size_t)j] ==
                                C0[(size_t)i * (size_t)ldc + (size_t)j]);
            }
            nn_free(A);
            nn_free(B);
            nn_free(C);
            nn_free(C0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_forward),  cmocka_unit_test(test_linear_backward),
        cmocka_unit_test(test_axpy),            cmocka_unit_test(test_softmax_values),
        cmocka_unit_test(test_softmax_threaded), cmocka_unit_test(test_sigmoid),
        cmocka_unit_test(test_im2col_col2im),    cmocka_unit_test(test_im2row_row2im),
        cmocka_unit_test(test_conv_rows),        cmocka_unit_test(test_gemm_split_matches_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
