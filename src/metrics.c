/* metrics.c -- MAE, RMSE and R² of regression predictions; see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <string.h>

#include "xalloc.h"

int nn_regression_init(nn_regression *r, int width, nn_err *err)
{
    memset(r, 0, sizeof *r);
    if (width < 1)
        return nn_fail(err, "regression figures need at least 1 output, got %d", width);
    r->width = width;
    r->mean = nn_alloc((size_t)width, 3 * sizeof(double), err); /* mean, m2, sq_res */
    if (!r->mean)
        return -1;
    r->m2 = r->mean + width;
    r->sq_res = r->m2 + width;
    return 0;
}

void nn_regression_add(nn_regression *r, const float *pred, const float *target, int rows)
{
    for (int i = 0; i < rows; i++) {
        const float *p = pred + (size_t)i * (size_t)r->width;
        const float *t = target + (size_t)i * (size_t)r->width;
        r->rows++;
        for (int j = 0; j < r->width; j++) {
            double y = t[j], d = (double)p[j] - y;
            r->abs_sum += fabs(d);
            r->sq_sum += d * d;
            r->sq_res[j] += d * d;
            double delta = y - r->mean[j]; /* Welford: mean and m2 in one pass */
            r->mean[j] += delta / (double)r->rows;
            r->m2[j] += delta * (y - r->mean[j]);
        }
    }
}

/* Every value added: rows * width, as a double. */
static double values(const nn_regression *r)
{
    return (double)r->rows * (double)r->width;
}

double nn_regression_mae(const nn_regression *r)
{
    return r->rows ? r->abs_sum / values(r) : NAN;
}

double nn_regression_rmse(const nn_regression *r)
{
    return r->rows ? sqrt(r->sq_sum / values(r)) : NAN;
}

double nn_regression_r2(const nn_regression *r)
{
    if (r->rows < 2)
        return NAN;
    double sum = 0;
    for (int j = 0; j < r->width; j++) {
        if (r->m2[j] > 0)
            sum += 1 - r->sq_res[j] / r->m2[j];
        else
            sum += r->sq_res[j] == 0 ? 1 : 0; /* constant targets: sklearn's force_finite */
    }
    return sum / r->width;
}

void nn_regression_destroy(nn_regression *r)
{
    nn_free(r->mean);
    memset(r, 0, sizeof *r);
}
