/* test_gradcheck.c -- every registered layer and loss against central finite differences.
 *
 * The test walks nn_layers[] and nn_losses[], so a type is checked the day it is registered:
 * one cmocka test per type, named after it.
 *
 * Layers. For random settings (each key drawn within its range; required ones too) and random
 * input shapes (mostly 1-D of 1..7 values, sometimes 2-D or 3-D of up to 3x3x3; a layer that
 * refuses the shape, such as conv2d or a pooling layer wanting [C, H, W], gets images of
 * 1..3 x 2..7 x 2..7 instead), batch 1..4 (2..4 for layers with per-batch state, such as
 * batchnorm, which runs in training mode like every layer here), random x, parameters and dy,
 * the scalar checked is E = sum(dy .* y). backward must give dE/dx and, added into each
 * trainable parameter's g, dE/dW; the reference is
 *   n_i = (E(v_i + eps) - E(v_i - eps)) / (actual float step),   eps = 1e-3,
 * with the forward pass in float (as the layers run) and E summed in double. Inputs are kept at
 * least 0.05 from 0, where relu-like activations have kinks, so no step crosses one, and at
 * least 0.005 from each other, so no step changes which value a max pooling window picks.
 * Before every forward pass the pass's generator restarts from the same state, so dropout
 * draws the same mask each time.
 *
 * Losses. For random logits/values z and targets of every accepted form (class indices and
 * one-hot or soft rows for multiclass), dz from eval must match finite differences of eval's
 * value. For targets of the output's width, z is kept at least 0.05 from t (mae's kink).
 *
 * The bound, for each tensor (dx, each parameter gradient, dz), with a = analytic, n = numeric:
 *   max_i |a_i - n_i| / max(1e-2, max_i |a_i| + max_i |n_i|) < 1e-2.
 * Float rounding in E is about 1e-7 of its terms, so the numeric gradient carries an error of
 * about 1e-4 at most for these sizes; a wrong gradient misses by far more than 1e-2.
 *
 * Besides the values, it checks the contract: backward adds into g (g starts non-zero), writes
 * every element of dx (dx starts as NaN), gives the same parameter gradients with dx == NULL,
 * and eval gives the same loss with dz == NULL. The scratch area is refilled with NaN before
 * every call, so a layer cannot rely on what it held before. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hparam.h"
#include "layer.h"
#include "loss.h"
#include "rng.h"
#include "xalloc.h"

enum { TRIALS = 16 };
static const double EPS = 1e-3;
static const double TOL = 1e-2;
static const double FLOOR = 1e-2;
static const float KINK = 0.05f;
static const float SEP = 0.005f;

/* ---- helpers ----------------------------------------------------------------------------- */

static void *xalloc(size_t n, size_t size)
{
    nn_err err;
    void *p = nn_alloc(n, size, &err);
    if (!p)
        fail_msg("%s", err.msg);
    return p;
}

/* A seed per type name, so adding a type does not change the draws of the others. */
static uint64_t seed_of(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int rand_int(nn_rng *r, int lo, int hi) /* [lo, hi] */
{
    return lo + (int)nn_rng_below(r, (uint64_t)(hi - lo + 1));
}

/* Normal values, none within KINK of 0. */
static void fill_away_from_zero(nn_rng *r, float *v, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++) {
        do
            v[i] = (float)(scale * nn_rng_normal(r));
        while (fabsf(v[i]) < KINK);
    }
}

/* Moves values apart, without drawing anything, so no two are within SEP: within each sign,
 * in order of magnitude, each magnitude is raised to at least SEP above the one before. Values
 * only move away from 0, so they stay at least KINK from it. */
typedef struct ranked {
    float mag;
    size_t i;
} ranked;

static int by_mag(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->mag != y->mag)
        return x->mag < y->mag ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void spread(float *v, size_t n, ranked *tmp)
{
    for (int sign = -1; sign <= 1; sign += 2) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if ((v[i] > 0) == (sign > 0))
                tmp[m++] = (ranked){fabsf(v[i]), i};
        qsort(tmp, m, sizeof *tmp, by_mag);
        for (size_t j = 1; j < m; j++)
            if (tmp[j].mag < tmp[j - 1].mag + SEP)
                tmp[j].mag = tmp[j - 1].mag + SEP;
        for (size_t j = 0; j < m; j++)
            v[tmp[j].i] = (float)sign * tmp[j].mag;
    }
}

static void fill_nan(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

/* The bound stated at the top of the file; also fails on a NaN in either array. */
static double rel_error(const double *a, const double *n, size_t len)
{
    double diff = 0, ma = 0, mn = 0;
    for (size_t i = 0; i < len; i++) {
        if (isnan(a[i]) || isnan(n[i]))
            return INFINITY;
        diff = fmax(diff, fabs(a[i] - n[i]));
        ma = fmax(ma, fabs(a[i]));
        mn = fmax(mn, fabs(n[i]));
    }
    return diff / fmax(FLOOR, ma + mn);
}

/* ---- random settings --------------------------------------------------------------------- */

static void *int_field(const nn_hparam *h, void *blob)
{
    return (char *)blob + h->offset;
}

/* Every key gets a value in its range: small ints (layer sizes stay tiny), floats in the first
 * few units of their range, random booleans and choices. Keys without a range keep their
 * default. */
static void random_settings(nn_rng *r, const nn_hparam *table, void *blob)
{
    nn_hparam_defaults(table, blob);
    for (const nn_hparam *h = table; h && h->key; h++) {
        int ranged = h->min != 0 || h->max != 0;
        switch (h->kind) {
        case NN_HP_INT:
            if (ranged) {
                int lo = (int)h->min + ((h->flags & NN_HP_OPEN_MIN) != 0);
                int hi = h->max < lo + 5 ? (int)h->max : lo + 5;
                *(int *)int_field(h, blob) = rand_int(r, lo, hi);
            }
            break;
        case NN_HP_FLOAT:
            if (ranged) {
                double hi = h->max < h->min + 3 ? h->max : h->min + 3;
                double *f = (double *)int_field(h, blob);
                *f = h->min + (hi - h->min) * (0.05 + 0.95 * nn_rng_uniform(r));
            }
            break;
        case NN_HP_BOOL:
            *(int *)int_field(h, blob) = rand_int(r, 0, 1);
            break;
        case NN_HP_CHOICE: {
            int n = 0;
            while (h->choices && h->choices[n])
                n++;
            if (n > 0)
                *(int *)int_field(h, blob) = rand_int(r, 0, n - 1);
            break;
        }
        case NN_HP_INT_OR_WORD: { /* a word (stored as -(i + 1)) or a small integer */
            int n = 0;
            while (h->choices && h->choices[n])
                n++;
            int lo = (int)h->min, hi = h->max < lo + 5 ? (int)h->max : lo + 5;
            int pick = rand_int(r, -n, hi - lo);
            *(int *)int_field(h, blob) = pick < 0 ? pick : lo + pick;
            break;
        }
        }
    }
}

static nn_shape random_shape(nn_rng *r)
{
    nn_shape s = {0};
    int kind = rand_int(r, 0, 5);
    if (kind <= 3)
        return nn_shape_1d(rand_int(r, 1, 7));
    s.ndim = kind == 4 ? 2 : 3;
    for (int i = 0; i < s.ndim; i++)
        s.dim[i] = rand_int(r, 1, 3);
    return s;
}

/* An image [C, H, W] for layers that take nothing else. */
static nn_shape random_image(nn_rng *r)
{
    nn_shape s = {.ndim = 3};
    s.dim[0] = rand_int(r, 1, 3);
    s.dim[1] = rand_int(r, 2, 7);
    s.dim[2] = rand_int(r, 2, 7);
    return s;
}

/* ---- layers ------------------------------------------------------------------------------ */

/* One layer with every buffer it touches, sized exactly so ASan sees any overrun. */
typedef struct bench {
    nn_layer l;
    nn_pass pass;
    nn_rng rng, rng0; /* the pass's generator and its state before each forward */
    size_t nin, nout, ncache, nwork;
    float *x, *y, *dy, *dx, *cache, *work;
    float *w0[NN_MAX_PARAMS];  /* parameter values, restored before every forward */
    double *g0[NN_MAX_PARAMS]; /* what g held before backward */
} bench;

static size_t param_size(const nn_param *p)
{
    return nn_shape_size(p->shape);
}

static void bench_free(bench *b)
{
    nn_free(b->x);
    nn_free(b->y);
    nn_free(b->dy);
    nn_free(b->dx);
    nn_free(b->cache);
    nn_free(b->work);
    for (int k = 0; k < b->l.nparam; k++) {
        nn_free(b->l.param[k].w);
        nn_free(b->l.param[k].g);
        nn_free(b->w0[k]);
        nn_free(b->g0[k]);
    }
}

/* E = sum(dy .* y) after a forward pass from the saved parameters, with param[k][j] (when k >= 0)
 * set to v. The pass's generator restarts from the same state every time, so stochastic layers
 * draw the same numbers. */
static double energy(bench *b, int k, size_t j, float v)
{
    for (int q = 0; q < b->l.nparam; q++)
        memcpy(b->l.param[q].w, b->w0[q], param_size(&b->l.param[q]) * sizeof(float));
    if (k >= 0)
        b->l.param[k].w[j] = v;
    b->rng = b->rng0;
    fill_nan(b->work, b->nwork);
    b->l.ops->forward(&b->l, &b->pass, b->x, b->y, b->cache);
    double e = 0;
    for (size_t i = 0; i < b->nout; i++)
        e += (double)b->dy[i] * (double)b->y[i];
    return e;
}

/* Central difference of E in one float value *v, with the actual float step as denominator. */
static double numeric(bench *b, float *v, int k, size_t j)
{
    float keep = *v;
    float hi = (float)(keep + EPS), lo = (float)(keep - EPS);
    double ep, em;
    if (k >= 0) {
        ep = energy(b, k, j, hi);
        em = energy(b, k, j, lo);
    } else {
        *v = hi;
        ep = energy(b, -1, 0, 0);
        *v = lo;
        em = energy(b, -1, 0, 0);
        *v = keep;
    }
    return (ep - em) / ((double)hi - (double)lo);
}

/* Sets up one layer on input shape `in`; returns 0, or -1 when setup refused the shape (its
 * message in why). */
static int bench_init(bench *b, const nn_layer_ops *ops, const void *hp, nn_shape in, nn_rng *r,
                      nn_err *why)
{
    memset(b, 0, sizeof *b);
    b->l.ops = ops;
    b->l.hp = hp;
    b->l.in = in;
    snprintf(b->l.name, sizeof b->l.name, "%s1", ops->type);
    if (ops->setup(&b->l, why) < 0)
        return -1;
    /* Per-batch statistics of a single sample are degenerate (batchnorm's output is beta). */
    int batch = rand_int(r, b->l.state_len > 0 ? 2 : 1, 4);
    assert_true(b->l.nparam >= 0 && b->l.nparam <= NN_MAX_PARAMS);
    b->nin = (size_t)batch * nn_shape_size(b->l.in);
    b->nout = (size_t)batch * nn_shape_size(b->l.out);
    assert_true(b->nout > 0);
    b->ncache = b->l.state_len + (size_t)batch * b->l.cache_len;
    b->nwork = (size_t)batch * b->l.work_len;
    b->x = xalloc(b->nin, sizeof(float));
    b->dx = xalloc(b->nin, sizeof(float));
    b->y = xalloc(b->nout, sizeof(float));
    b->dy = xalloc(b->nout, sizeof(float));
    b->cache = xalloc(b->ncache, sizeof(float));
    b->work = xalloc(b->nwork, sizeof(float));
    fill_away_from_zero(r, b->x, b->nin, 1.0);
    ranked *tmp = xalloc(b->nin, sizeof *tmp);
    spread(b->x, b->nin, tmp);
    nn_free(tmp);
    for (size_t i = 0; i < b->nout; i++)
        b->dy[i] = (float)nn_rng_normal(r);
    for (int k = 0; k < b->l.nparam; k++) {
        nn_param *p = &b->l.param[k];
        size_t n = param_size(p);
        assert_true(n > 0);
        p->w = xalloc(n, sizeof(float));
        b->w0[k] = xalloc(n, sizeof(float));
        b->g0[k] = xalloc(n, sizeof(double));
        fill_away_from_zero(r, b->w0[k], n, 0.5);
        if (!(p->flags & NN_PARAM_FROZEN))
            p->g = xalloc(n, sizeof(float));
    }
    nn_rng_seed(&b->rng0, nn_rng_next(r));
    b->pass = (nn_pass){.batch = batch, .train = 1, .rng = &b->rng, .work = b->work};
    return 0;
}

/* Runs backward from the saved parameters, with each g starting at a random value. */
static void run_backward(bench *b, nn_rng *r, float *dx)
{
    energy(b, -1, 0, 0);
    for (int k = 0; k < b->l.nparam; k++) {
        nn_param *p = &b->l.param[k];
        for (size_t j = 0; p->g && j < param_size(p); j++) {
            p->g[j] = (float)nn_rng_normal(r);
            b->g0[k][j] = p->g[j];
        }
    }
    if (dx)
        fill_nan(dx, b->nin);
    fill_nan(b->work, b->nwork);
    b->l.ops->backward(&b->l, &b->pass, b->x, b->y, b->cache, b->dy, dx);
}

static void describe(const bench *b, char *buf, size_t size)
{
    char shape[64];
    nn_shape_format(b->l.in, shape, sizeof shape);
    size_t used = (size_t)snprintf(buf, size, "%s, input %s, batch %d, settings", b->l.ops->type,
                                   shape, b->pass.batch);
    for (const nn_hparam *h = b->l.ops->hparams; h && h->key && used < size; h++) {
        char v[64];
        nn_hparam_format(h, b->l.hp, v, sizeof v);
        used += (size_t)snprintf(buf + used, size - used, " %s=%s", h->key, v);
    }
}

static void check_layer_once(bench *b, nn_rng *r, double *worst)
{
    char what[512];
    describe(b, what, sizeof what);

    /* Analytic gradients; then the parameter gradients again with dx == NULL. */
    run_backward(b, r, b->dx);
    double *dx_a = xalloc(b->nin, sizeof(double)), *dx_n = xalloc(b->nin, sizeof(double));
    for (size_t i = 0; i < b->nin; i++) {
        if (isnan(b->dx[i]))
            fail_msg("%s: backward left dx[%zu] unwritten", what, i);
        dx_a[i] = b->dx[i];
    }
    double *ga[NN_MAX_PARAMS] = {0};
    for (int k = 0; k < b->l.nparam; k++) {
        nn_param *p = &b->l.param[k];
        if (!p->g)
            continue;
        size_t n = param_size(p);
        ga[k] = xalloc(n, sizeof(double));
        for (size_t j = 0; j < n; j++)
            ga[k][j] = (double)p->g[j] - b->g0[k][j];
    }
    run_backward(b, r, NULL);
    for (int k = 0; k < b->l.nparam; k++) {
        nn_param *p = &b->l.param[k];
        for (size_t j = 0; ga[k] && j < param_size(p); j++) {
            double again = (double)p->g[j] - b->g0[k][j];
            if (fabs(again - ga[k][j]) > 1e-5 * (1 + fabs(ga[k][j])))
                fail_msg("%s: %s gradient differs when dx is NULL (%g vs %g)", what, p->name,
                         again, ga[k][j]);
        }
    }

    /* Finite differences. */
    for (size_t i = 0; i < b->nin; i++)
        dx_n[i] = numeric(b, &b->x[i], -1, 0);
    double e = rel_error(dx_a, dx_n, b->nin);
    if (e >= TOL)
        fail_msg("%s: dx relative error %.3g (bound %.3g)", what, e, TOL);
    *worst = fmax(*worst, e);
    for (int k = 0; k < b->l.nparam; k++) {
        nn_param *p = &b->l.param[k];
        if (!ga[k])
            continue;
        size_t n = param_size(p);
        double *gn = xalloc(n, sizeof(double));
        for (size_t j = 0; j < n; j++)
            gn[j] = numeric(b, &b->w0[k][j], k, j) ;
        e = rel_error(ga[k], gn, n);
        if (e >= TOL)
            fail_msg("%s: %s gradient relative error %.3g (bound %.3g)", what, p->name, e, TOL);
        *worst = fmax(*worst, e);
        nn_free(gn);
        nn_free(ga[k]);
    }
    nn_free(dx_a);
    nn_free(dx_n);
}

static void test_layer(void **state)
{
    const nn_layer_ops *ops = nn_layers[*(int *)*state];
    nn_rng r;
    nn_rng_seed(&r, seed_of(ops->type));
    void *hp = xalloc(ops->hp_size ? ops->hp_size : 1, 1);
    int done = 0;
    double worst = 0;
    nn_err why = {{0}};
    for (int t = 0; t < TRIALS; t++) {
        random_settings(&r, ops->hparams, hp);
        bench b;
        const void *set = ops->hp_size ? hp : NULL;
        int ok = bench_init(&b, ops, set, random_shape(&r), &r, &why) == 0;
        for (int retry = 0; !ok && retry < 3; retry++) {
            bench_free(&b);
            ok = bench_init(&b, ops, set, random_image(&r), &r, &why) == 0;
        }
        if (ok) {
            check_layer_once(&b, &r, &worst);
            done++;
        }
        bench_free(&b);
    }
    nn_free(hp);
    /* A type may refuse some random shapes (a kernel larger than the input), not most. */
    if (done < TRIALS / 2)
        fail_msg("%s: setup refused %d of %d random shapes (last: %s)", ops->type, TRIALS - done,
                 TRIALS, why.msg);
    print_message("%s: %d checks, worst relative error %.2g\n", ops->type, done, worst);
}

/* ---- losses ------------------------------------------------------------------------------ */

/* Targets of width tw for a loss: class indices, one-hot or soft rows, or values. */
static void random_targets(nn_rng *r, const nn_loss_ops *loss, float *t, int tw, int width,
                           int batch)
{
    for (int i = 0; i < batch; i++) {
        float *row = t + (size_t)i * (size_t)tw;
        int onehot = rand_int(r, 0, 1);
        if (loss->task == NN_TASK_MULTICLASS && tw == 1) {
            row[0] = (float)rand_int(r, 0, width - 1);
        } else if (loss->task == NN_TASK_MULTICLASS) {
            double sum = 0;
            for (int j = 0; j < tw; j++)
                sum += row[j] = onehot ? 0.0f : (float)nn_rng_uniform(r);
            if (onehot)
                row[rand_int(r, 0, tw - 1)] = 1.0f;
            else
                for (int j = 0; j < tw; j++)
                    row[j] = (float)(row[j] / sum);
        } else if (loss->task == NN_TASK_BINARY) {
            for (int j = 0; j < tw; j++)
                row[j] = onehot ? (float)rand_int(r, 0, 1) : (float)nn_rng_uniform(r);
        } else {
            for (int j = 0; j < tw; j++)
                row[j] = (float)nn_rng_normal(r);
        }
    }
}

static void test_loss(void **state)
{
    const nn_loss_ops *loss = nn_losses[*(int *)*state];
    nn_rng r;
    nn_rng_seed(&r, seed_of(loss->type));
    double worst = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        int batch = rand_int(&r, 1, 4);
        int width = rand_int(&r, loss->task == NN_TASK_MULTICLASS ? 2 : 1, 7);
        int tw = loss->task == NN_TASK_MULTICLASS && trial % 2 ? 1 : width;
        nn_err err;
        if (nn_loss_check_targets(loss, width, tw, &err) < 0)
            fail_msg("%s: width %d, %d target columns refused: %s", loss->type, width, tw,
                     err.msg);
        size_t n = (size_t)batch * (size_t)width;
        float *z = xalloc(n, sizeof(float)), *dz = xalloc(n, sizeof(float));
        float *t = xalloc((size_t)batch * (size_t)tw, sizeof(float));
        double *a = xalloc(n, sizeof(double)), *num = xalloc(n, sizeof(double));
        random_targets(&r, loss, t, tw, width, batch);
        for (size_t i = 0; i < n; i++) {
            do
                z[i] = (float)(2.0 * nn_rng_normal(&r));
            while (tw == width && fabsf(z[i] - t[i]) < KINK);
        }
        fill_nan(dz, n);
        double value = loss->eval(z, t, tw, dz, width, batch);
        assert_true(isfinite(value));
        assert_true(loss->eval(z, t, tw, NULL, width, batch) == value);
        for (size_t i = 0; i < n; i++) {
            if (isnan(dz[i]))
                fail_msg("%s: eval left dz[%zu] unwritten", loss->type, i);
            a[i] = dz[i];
            float keep = z[i], hi = (float)(keep + EPS), lo = (float)(keep - EPS);
            z[i] = hi;
            double ep = loss->eval(z, t, tw, NULL, width, batch);
            z[i] = lo;
            double em = loss->eval(z, t, tw, NULL, width, batch);
            z[i] = keep;
            num[i] = (ep - em) / ((double)hi - (double)lo);
        }
        double e = rel_error(a, num, n);
        if (e >= TOL)
            fail_msg("%s: batch %d, width %d, %d target columns: dz relative error %.3g "
                     "(bound %.3g)", loss->type, batch, width, tw, e, TOL);
        worst = fmax(worst, e);
        nn_free(z);
        nn_free(dz);
        nn_free(t);
        nn_free(a);
        nn_free(num);
    }
    print_message("%s: %d checks, worst relative error %.2g\n", loss->type, TRIALS, worst);
}

/* ---- main: one test per registered type -------------------------------------------------- */

int main(void)
{
    int nl = 0, nloss = 0;
    while (nn_layers[nl])
        nl++;
    while (nn_losses[nloss])
        nloss++;
    size_t n = (size_t)(nl + nloss);
    struct CMUnitTest *tests = xalloc(n, sizeof *tests);
    int *index = xalloc(n, sizeof *index);
    char(*names)[64] = xalloc(n, sizeof *names);
    for (int i = 0; i < nl; i++) {
        index[i] = i;
        snprintf(names[i], sizeof names[i], "layer %s", nn_layers[i]->type);
        tests[i] = (struct CMUnitTest){names[i], test_layer, NULL, NULL, &index[i]};
    }
    for (int i = 0; i < nloss; i++) {
        index[nl + i] = i;
        snprintf(names[nl + i], sizeof names[nl + i], "loss %s", nn_losses[i]->type);
        tests[nl + i] = (struct CMUnitTest){names[nl + i], test_loss, NULL, NULL, &index[nl + i]};
    }
    int failed = _cmocka_run_group_tests("gradcheck", tests, n, NULL, NULL);
    nn_free(tests);
    nn_free(index);
    nn_free(names);
    return failed;
}
