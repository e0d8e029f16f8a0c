/* data.c -- nn_dataset: freeing, train/validation splits, naming rows, gathering batches.
 *
 * A dataset is a plain owner of flat arrays: x (floats) or x8 (bytes) is (n, nx), y is (n, ny)
 * or NULL, line is (n) or NULL, source (and ysource) are the file names used in messages, and
 * xnames, when the file had a header, the names of the input columns.
 * Nothing here reads files (csv.c, idx.c and npy.c do) and nothing allocates per batch:
 * nn_dataset_gather converts rows into buffers the caller allocated once, applying the attached
 * preprocessing with the same arithmetic for both storage types, so a uint8 dataset gives
 * exactly the floats its float copy would. See data.h for the contracts. */
#include "data.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "preprocess.h"
#include "xalloc.h"

void nn_dataset_destroy(nn_dataset *ds)
{
    if (!ds)
        return;
    nn_free(ds->x);
    nn_free(ds->x8);
    nn_free(ds->y);
    nn_free(ds->line);
    nn_free(ds->source);
    nn_free(ds->ysource);
    for (int j = 0; ds->xnames && j < ds->nx; j++)
        nn_free(ds->xnames[j]);
    nn_free(ds->xnames);
    memset(ds, 0, sizeof *ds);
}

/* Gives part a copy of like's input column names, when it has them. */
static int copy_names(nn_dataset *part, const nn_dataset *like, nn_err *err)
{
    if (!like->xnames)
        return 0;
    part->xnames = nn_alloc((size_t)like->nx, sizeof *part->xnames, err);
    if (!part->xnames)
        return -1;
    for (int j = 0; j < like->nx; j++)
        if (!(part->xnames[j] = nn_strdup(like->xnames[j], err)))
            return -1;
    return 0;
}

/* Allocates part to hold `count` rows shaped like `like`, with a copy of like's source. */
static int alloc_part(nn_dataset *part, const nn_dataset *like, size_t count, nn_err *err)
{
    memset(part, 0, sizeof *part);
    part->n = count;
    part->nx = like->nx;
    part->ny = like->ny;
    part->xtype = like->xtype;
    if (like->xtype == NN_X_U8) {
        part->x8 = nn_alloc(count, (size_t)like->nx, err);
        if (!part->x8)
            goto fail;
    } else {
        part->x = nn_alloc(count, (size_t)like->nx * sizeof(float), err);
        if (!part->x)
            goto fail;
    }
    if (like->y && like->ny > 0) {
        part->y = nn_alloc(count, (size_t)like->ny * sizeof(float), err);
        if (!part->y)
            goto fail;
    }
    if (like->line) {
        part->line = nn_alloc(count, sizeof(size_t), err);
        if (!part->line)
            goto fail;
    }
    part->source = nn_strdup(like->source ? like->source : "?", err);
    if (!part->source)
        goto fail;
    if (like->ysource && !(part->ysource = nn_strdup(like->ysource, err)))
        goto fail;
    if (copy_names(part, like, err) < 0)
        goto fail;
    return 0;
fail:
    nn_dataset_destroy(part);
    return -1;
}

/* Copies the rows idx[0..count) of all (inputs, targets and line numbers) into part. */
static void fill_part(nn_dataset *part, const nn_dataset *all, const size_t *idx, size_t count)
{
    size_t xrow = (size_t)all->nx, yrow = (size_t)all->ny;
    for (size_t i = 0; i < count; i++) {
        size_t r = idx[i];
        if (all->xtype == NN_X_U8)
            memcpy(part->x8 + i * xrow, all->x8 + r * xrow, xrow);
        else
            memcpy(part->x + i * xrow, all->x + r * xrow, xrow * sizeof(float));
        if (part->y)
            memcpy(part->y + i * yrow, all->y + r * yrow, yrow * sizeof(float));
        if (part->line)
            part->line[i] = all->line[r];
    }
}

int nn_dataset_split(nn_dataset *all, double fraction, nn_rng *rng, nn_dataset *train,
                     nn_dataset *val, nn_err *err)
{
    const char *src = all->source ? all->source : "?";
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    if (!(fraction > 0.0 && fraction < 1.0))
        return nn_fail(err, "%s: validation fraction %g is out of range (expected more than 0 "
                            "and less than 1)", src, fraction);
    double want = floor(fraction * (double)all->n + 0.5);
    size_t nval = want < 1.0 ? 1 : (size_t)want;
    if (all->n < 2 || nval >= all->n)
        return nn_fail(err, "%s: cannot hold out a validation fraction of %g from %zu rows "
                            "(expected at least one row left on each side)",
                       src, fraction, all->n);

    size_t *idx = nn_alloc(all->n, sizeof *idx, err);
    if (!idx)
        return -1;
    for (size_t i = 0; i < all->n; i++)
        idx[i] = i;
    nn_rng_shuffle(rng, idx, all->n);

    size_t ntrain = all->n - nval;
    if (alloc_part(val, all, nval, err) < 0 || alloc_part(train, all, ntrain, err) < 0) {
        nn_dataset_destroy(val);
        nn_free(idx);
        return -1;
    }
    fill_part(val, all, idx, nval);
    fill_part(train, all, idx + nval, ntrain);
    nn_free(idx);
    nn_dataset_destroy(all);
    return 0;
}

void nn_dataset_where(const nn_dataset *ds, size_t i, char *buf, size_t size)
{
    const char *src = nn_dataset_ysource(ds);
    if (ds->line && i < ds->n && ds->line[i] > 0)
        snprintf(buf, size, "%s:%zu", src, ds->line[i]);
    else
        snprintf(buf, size, "%s: row %zu", src, i + 1);
}

const char *nn_dataset_ysource(const nn_dataset *ds)
{
    return ds->ysource ? ds->ysource : ds->source ? ds->source : "?";
}

/* Row of floats -> dst: x * scale, or (x * scale - shift) * mul per feature (p NULL: a copy).
 * The arithmetic is nn_prep_apply's, in double, so every path gives the same floats. */
static void convert_f32(const float *src, size_t nx, const nn_prep *p, float *dst)
{
    if (!p) {
        memcpy(dst, src, nx * sizeof(float));
    } else if (p->kind == NN_NORM_NONE) {
        for (size_t i = 0; i < nx; i++)
            dst[i] = (float)((double)src[i] * p->scale);
    } else {
        for (size_t i = 0; i < nx; i++)
            dst[i] = (float)(((double)src[i] * p->scale - p->shift[i]) * p->mul[i]);
    }
}

/* Row of bytes -> dst; lut holds the 256 possible results when p does not normalise. */
static void convert_u8(const unsigned char *src, size_t nx, const nn_prep *p, const float *lut,
                       float *dst)
{
    if (!p || p->kind == NN_NORM_NONE) {
        for (size_t i = 0; i < nx; i++)
            dst[i] = lut[src[i]];
    } else {
        for (size_t i = 0; i < nx; i++)
            dst[i] = (float)(((double)src[i] * p->scale - p->shift[i]) * p->mul[i]);
    }
}

void nn_dataset_gather(const nn_dataset *ds, const size_t *idx, int count, float *xb, float *yb)
{
    size_t xrow = (size_t)ds->nx, yrow = (size_t)ds->ny;
    int copy_y = yb && ds->y && ds->ny > 0;
    const nn_prep *p = ds->prep;
    if (p && p->kind == NN_NORM_NONE && p->scale == 1.0)
        p = NULL; /* the identity */
    float lut[256];
    if (ds->xtype == NN_X_U8 && (!p || p->kind == NN_NORM_NONE))
        for (int v = 0; v < 256; v++)
            lut[v] = p ? (float)((double)v * p->scale) : (float)v;
    for (int i = 0; i < count; i++) {
        size_t r = idx[i];
        float *dst = xb + (size_t)i * xrow;
        if (ds->xtype == NN_X_U8)
            convert_u8(ds->x8 + r * xrow, xrow, p, lut, dst);
        else
            convert_f32(ds->x + r * xrow, xrow, p, dst);
        if (copy_y)
            memcpy(yb + (size_t)i * yrow, ds->y + r * yrow, yrow * sizeof(float));
    }
}
