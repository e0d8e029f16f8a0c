/* metrics.h -- regression figures of a network's predictions against their targets, beside the
 * loss: the mean absolute error, the root mean squared error and the coefficient of
 * determination R².
 *
 * MAE and RMSE are taken over every value: every row and, for a network with several outputs,
 * every output. R² is 1 - SS_res / SS_tot of each output column, averaged over the columns, as
 * scikit-learn's r2_score with multioutput='uniform_average': 1 is a perfect fit, 0 predicts no
 * better than each column's mean, and it can fall below 0. A column whose targets are all
 * equal scores 1 when it is predicted exactly and 0 otherwise (sklearn's force_finite); with
 * fewer than two rows R² is not defined and is NaN.
 *
 * The figures accumulate batch by batch in one pass, keeping per column a running mean and sum
 * of squared deviations of the targets (Welford's method, stable where sum and sum of squares
 * would cancel), so the predictions of a data set are never held all at once. */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include <stddef.h>

#include "err.h"

typedef struct nn_regression {
    int width;          /* outputs per row */
    size_t rows;
    double abs_sum;     /* sum of |prediction - target| over every value */
    double sq_sum;      /* sum of (prediction - target)^2 over every value */
    double *mean;       /* (width) running mean of each column's targets */
    double *m2;         /* (width) sum of squared deviations from it: SS_tot */
    double *sq_res;     /* (width) sum of squared residuals: SS_res */
} nn_regression;

/* Starts empty figures for rows of width values (width >= 1). Allocates; free with
 * nn_regression_destroy (also after a failed init). */
int nn_regression_init(nn_regression *r, int width, nn_err *err);

/* Adds rows predictions and their targets, both (rows, width). */
void nn_regression_add(nn_regression *r, const float *pred, const float *target, int rows);

/* The figures over every row added so far; all NaN when no row was added. */
double nn_regression_mae(const nn_regression *r);
double nn_regression_rmse(const nn_regression *r);
double nn_regression_r2(const nn_regression *r);

void nn_regression_destroy(nn_regression *r);

#endif
