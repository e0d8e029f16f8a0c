/* loss.c -- the loss table and the helpers around it; see loss.h.
 *
 * Every loss is a mean: over batch * width values for mse, mae and binary_cross_entropy, over
 * the batch rows for cross_entropy. The gradient written to dz is the gradient of that mean, so
 * the learning rate does not depend on the batch size. Sums are kept in double and the loops
 * are plain (no OpenMP reduction), so a loss is the same bit for bit on every run.
 *
 * Preconditions, checked by the training code before any loss is evaluated: targets have the
 * width nn_loss_check_targets accepts, and class-index targets (cross_entropy with one target
 * column) are integers in [0, width). A class index that breaks this is never used to index z:
 * its row makes the returned loss NaN, which the training loop reports. */
#include "loss.h"

#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- regression -------------------------------------------------------------------------- */

/* The seed's loss: mean of (z - t)^2; dz = 2 (z - t) / (batch * width). */
static double mse_eval(const float *z, const float *t, int twidth, float *dz, int width,
                       int batch)
{
    (void)twidth;
    if (batch <= 0 || width <= 0)
        return 0;
    size_t n = (size_t)batch * (size_t)width;
    double k = 2.0 / (double)n, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)z[i] - (double)t[i];
        sum += d * d;
        if (dz)
            dz[i] = (float)(k * d);
    }
    return sum / (double)n;
}

/* Mean of |z - t|; dz = sign(z - t) / (batch * width), 0 where z == t. */
static double mae_eval(const float *z, const float *t, int twidth, float *dz, int width,
                       int batch)
{
    (void)twidth;
    if (batch <= 0 || width <= 0)
        return 0;
    size_t n = (size_t)batch * (size_t)width;
    double k = 1.0 / (double)n, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)z[i] - (double)t[i];
        sum += fabs(d);
        if (dz)
            dz[i] = (float)(d > 0 ? k : d < 0 ? -k : 0.0);
    }
    return sum / (double)n;
}

/* ---- classification ---------------------------------------------------------------------- */

/* Softmax cross-entropy from logits, per row, through log-sum-exp:
 *   lse = m + log(sum_j exp(z_j - m)),  m = max_j z_j,  -log softmax(z)_j = lse - z_j.
 * Class index c: loss lse - z_c, dz = (softmax(z) - onehot(c)) / batch.
 * Target row t (one-hot or probabilities): loss sum_j t_j (lse - z_j),
 *   dz = (softmax(z) * sum_j t_j - t) / batch, which is softmax(z) - t when t sums to 1.
 * A row is read as class indices when twidth == 1 and width > 1; with width == 1 the target is
 * a one-column distribution (and the loss is 0: one class is always right). */
static double cross_entropy_eval(const float *z, const float *t, int twidth, float *dz,
                                 int width, int batch)
{
    if (batch <= 0 || width <= 0)
        return 0;
    double inv_b = 1.0 / (double)batch, total = 0;
    for (int i = 0; i < batch; i++) {
        const float *zr = z + (size_t)i * (size_t)width;
        const float *tr = t + (size_t)i * (size_t)twidth;
        float *dr = dz ? dz + (size_t)i * (size_t)width : NULL;
        double m = zr[0];
        for (int j = 1; j < width; j++)
            if (zr[j] > m)
                m = zr[j];
        double s = 0;
        for (int j = 0; j < width; j++)
            s += exp((double)zr[j] - m);
        double lse = m + log(s);
        double tsum = 1;
        int c = -1;
        if (twidth == width) {
            tsum = 0;
            for (int j = 0; j < width; j++) {
                if (tr[j] != 0) /* skip 0 * inf when a logit is infinite */
                    total += (double)tr[j] * (lse - (double)zr[j]);
                tsum += tr[j];
            }
        } else {
            c = nn_loss_target_class(tr, 1);
            if (c < 0 || c >= width) {
                total = NAN; /* broken precondition: see the top of the file */
                c = -1;
            } else {
                total += lse - (double)zr[c];
            }
        }
        if (!dr)
            continue;
        for (int j = 0; j < width; j++) {
            double p = exp((double)zr[j] - m) / s;
            double target = twidth == width ? (double)tr[j] : j == c ? 1.0 : 0.0;
            dr[j] = (float)((p * tsum - target) * inv_b);
        }
    }
    return total * inv_b;
}

/* Sigmoid cross-entropy from logits, elementwise, in the form that never overflows:
 *   max(z, 0) - z t + log(1 + exp(-|z|)),  dz = (sigmoid(z) - t) / (batch * width). */
static double bce_eval(const float *z, const float *t, int twidth, float *dz, int width,
                       int batch)
{
    (void)twidth;
    if (batch <= 0 || width <= 0)
        return 0;
    size_t n = (size_t)batch * (size_t)width;
    double k = 1.0 / (double)n, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double zi = z[i], ti = t[i];
        double e = exp(-fabs(zi)); /* in (0, 1] */
        sum += (zi > 0 ? zi : 0) - zi * ti + log1p(e);
        if (dz) {
            double sig = zi >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            dz[i] = (float)((sig - ti) * k);
        }
    }
    return sum * k;
}

/* ---- the table --------------------------------------------------------------------------- */

static const nn_loss_ops mse_ops = {"mse", NULL, NN_TASK_REGRESSION, mse_eval};
static const nn_loss_ops mae_ops = {"mae", NULL, NN_TASK_REGRESSION, mae_eval};
static const nn_loss_ops cross_entropy_ops = {"cross_entropy", "softmax", NN_TASK_MULTICLASS,
                                              cross_entropy_eval};
static const nn_loss_ops bce_ops = {"binary_cross_entropy", "sigmoid", NN_TASK_BINARY,
                                    bce_eval};

/* To add a loss: write its eval above (mean loss, gradient of the mean into dz when not NULL),
 * give it an ops object and add it here; tests/unit/test_gradcheck.c then checks it. */
const nn_loss_ops *const nn_losses[] = {&mse_ops, &mae_ops, &cross_entropy_ops, &bce_ops, NULL};

const nn_loss_ops *nn_loss_find(const char *type)
{
    if (!type)
        return NULL;
    for (int i = 0; nn_losses[i]; i++)
        if (strcmp(nn_losses[i]->type, type) == 0)
            return nn_losses[i];
    return NULL;
}

/* ---- targets and predictions ------------------------------------------------------------- */

/* Multiclass losses take one class-index column, or one column per class; they need at least
 * two classes (a single output is a binary task). Every other loss takes one target column per
 * output. */
int nn_loss_check_targets(const nn_loss_ops *loss, int width, int twidth, nn_err *err)
{
    if (width < 1)
        return nn_fail(err, "%s needs a network output of at least 1 value, got %d", loss->type,
                       width);
    if (loss->task == NN_TASK_MULTICLASS) {
        if (width < 2)
            return nn_fail(err, "%s needs at least 2 outputs (one per class), got 1 "
                           "(use binary_cross_entropy for a single output)", loss->type);
        if (twidth != 1 && twidth != width)
            return nn_fail(err, "%s needs 1 class-index column or %d one-hot columns, got %d",
                           loss->type, width, twidth);
        return 0;
    }
    if (twidth != width)
        return nn_fail(err, "%s needs %d target column%s (one per output), got %d", loss->type,
                       width, width == 1 ? "" : "s", twidth);
    return 0;
}

void nn_loss_activate(const nn_loss_ops *loss, float *z, int width, int batch)
{
    if (!loss->fuses || batch <= 0 || width <= 0)
        return;
    if (strcmp(loss->fuses, "softmax") == 0)
        nn_softmax_rows(z, z, batch, width);
    else if (strcmp(loss->fuses, "sigmoid") == 0)
        nn_sigmoid(z, z, (size_t)batch * (size_t)width);
}

/* Index of the largest value; the first one on ties. */
static int argmax(const float *v, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* Multiclass: one count per row whose argmax is the target class (so accuracy is correct /
 * batch). Binary: one count per output whose logit sign matches its target, z > 0 against
 * t > 0.5 (so accuracy is correct / (batch * width), Keras' binary accuracy). Regression: 0. */
long nn_loss_correct(const nn_loss_ops *loss, const float *z, const float *t, int twidth,
                     int width, int batch)
{
    long correct = 0;
    if (batch <= 0 || width <= 0)
        return 0;
    if (loss->task == NN_TASK_MULTICLASS) {
        for (int i = 0; i < batch; i++)
            correct += argmax(z + (size_t)i * (size_t)width, width) ==
                       nn_loss_target_class(t + (size_t)i * (size_t)twidth, twidth);
    } else if (loss->task == NN_TASK_BINARY) {
        size_t n = (size_t)batch * (size_t)width;
        for (size_t i = 0; i < n; i++)
            correct += (z[i] > 0) == (t[i] > 0.5f);
    }
    return correct;
}

/* One column: the value itself, or -1 unless it is an integer in [0, INT_MAX) (negative,
 * fractional, NaN and huge values all give -1, which matches no class). Several columns: the
 * index of the largest (the first one on ties). */
int nn_loss_target_class(const float *t, int twidth)
{
    if (twidth <= 0)
        return -1;
    if (twidth > 1)
        return argmax(t, twidth);
    float v = t[0];
    if (!(v >= 0.0f && v < 2147483647.0f) || v != floorf(v))
        return -1;
    return (int)v;
}
