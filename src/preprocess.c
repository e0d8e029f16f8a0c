/* preprocess.c -- input preprocessing: fitting and applying scale + minmax/standard statistics.
 *
 * Feature i of a row becomes (x * scale - shift[i]) * mul[i]. nn_prep_fit computes shift and mul
 * from the training inputs (after scale) with double accumulators, so a large set of floats
 * loses no precision in its sums:
 *   minmax    shift = min, mul = 1 / (max - min): the training range maps onto [0, 1];
 *   standard  shift = mean, mul = 1 / std with the population std (divide by n): mean 0,
 *             variance 1 on the training set.
 * A constant feature (max == min, or std == 0) keeps mul 1 and its shift, so it maps to 0 under
 * both kinds; so does a feature whose range is so small that 1 / range overflows a float. The
 * statistics are plain arrays so weights.c can save them and nnpredict can reapply them.
 * Fitting reads float and uint8 datasets alike. The programs attach the fitted statistics to
 * each dataset (nn_prep_attach) and data.c applies them batch by batch; nn_prep_apply rewrites
 * a float dataset in place with the same arithmetic. */
#include "preprocess.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "xalloc.h"

/* 1 / spread as a float, or 1 when the spread is zero or too small for a finite float result. */
static float inverse(double spread)
{
    if (!(spread > 0.0))
        return 1.0f;
    double inv = 1.0 / spread;
    return inv <= FLT_MAX ? (float)inv : 1.0f;
}

/* Input k (row-major index) of ds as a double, whatever its storage. */
static double value(const nn_dataset *ds, size_t k)
{
    return ds->xtype == NN_X_U8 ? (double)ds->x8[k] : (double)ds->x[k];
}

/* The statistics are gathered row by row (each row read once, in storage order, which matters
 * for tens of megabytes of images) into per-feature accumulators; each feature still sums its
 * rows in order, as a column-by-column loop would. acc holds 2 * nx doubles. */
static void fit_minmax(nn_prep *p, const nn_dataset *ds, double *acc)
{
    size_t nx = (size_t)ds->nx;
    double *lo = acc, *hi = acc + nx;
    for (size_t i = 0; i < nx; i++)
        lo[i] = hi[i] = value(ds, i) * p->scale;
    for (size_t r = 1; r < ds->n; r++) {
        for (size_t i = 0; i < nx; i++) {
            double v = value(ds, r * nx + i) * p->scale;
            if (v < lo[i])
                lo[i] = v;
            if (v > hi[i])
                hi[i] = v;
        }
    }
    for (size_t i = 0; i < nx; i++) {
        p->shift[i] = (float)lo[i];
        p->mul[i] = inverse(hi[i] - lo[i]);
    }
}

static void fit_standard(nn_prep *p, const nn_dataset *ds, double *acc)
{
    size_t nx = (size_t)ds->nx;
    double n = (double)ds->n;
    double *mean = acc, *ss = acc + nx;
    for (size_t r = 0; r < ds->n; r++)
        for (size_t i = 0; i < nx; i++)
            mean[i] += value(ds, r * nx + i) * p->scale;
    for (size_t i = 0; i < nx; i++)
        mean[i] /= n;
    /* Second pass over the deviations: exact for a constant column, stable otherwise. */
    for (size_t r = 0; r < ds->n; r++) {
        for (size_t i = 0; i < nx; i++) {
            double d = value(ds, r * nx + i) * p->scale - mean[i];
            ss[i] += d * d;
        }
    }
    for (size_t i = 0; i < nx; i++) {
        p->shift[i] = (float)mean[i];
        p->mul[i] = inverse(sqrt(ss[i] / n));
    }
}

int nn_prep_fit(nn_prep *p, double scale, nn_norm kind, const nn_dataset *train, nn_err *err)
{
    memset(p, 0, sizeof *p);
    if (!isfinite(scale) || scale == 0.0)
        return nn_fail(err, "scale %g is not usable (expected a finite, non-zero factor)", scale);
    p->scale = scale;
    p->kind = kind;
    if (kind == NN_NORM_NONE)
        return 0;
    const char *src = train->source ? train->source : "?";
    if (train->n == 0)
        return nn_fail(err, "%s: no rows to fit the %s statistics on", src, nn_norm_names[kind]);
    p->shift = nn_alloc((size_t)train->nx, sizeof(float), err);
    p->mul = nn_alloc((size_t)train->nx, sizeof(float), err);
    double *acc = nn_alloc(2 * (size_t)train->nx, sizeof(double), err);
    if (!p->shift || !p->mul || !acc) {
        nn_free(acc);
        nn_prep_destroy(p);
        return -1;
    }
    p->n = train->nx;
    if (kind == NN_NORM_MINMAX)
        fit_minmax(p, train, acc);
    else
        fit_standard(p, train, acc);
    nn_free(acc);
    return 0;
}

void nn_prep_attach(const nn_prep *p, nn_dataset *ds)
{
    assert(p->kind == NN_NORM_NONE || ds->nx == p->n);
    ds->prep = p;
}

void nn_prep_apply(const nn_prep *p, nn_dataset *ds)
{
    assert(ds->xtype == NN_X_F32);
    size_t total = ds->n * (size_t)ds->nx;
    if (p->kind == NN_NORM_NONE) {
        if (p->scale != 1.0)
            for (size_t k = 0; k < total; k++)
                ds->x[k] = (float)((double)ds->x[k] * p->scale);
        return;
    }
    assert(ds->nx == p->n);
    size_t nx = (size_t)ds->nx;
    for (size_t r = 0; r < ds->n; r++) {
        float *row = ds->x + r * nx;
        for (size_t i = 0; i < nx; i++)
            row[i] = (float)(((double)row[i] * p->scale - p->shift[i]) * p->mul[i]);
    }
}

void nn_prep_destroy(nn_prep *p)
{
    if (!p)
        return;
    nn_free(p->shift);
    nn_free(p->mul);
    memset(p, 0, sizeof *p);
}
