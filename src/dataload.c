/* dataload.c -- CSV, IDX or npy -> nn_dataset, chosen by content; see dataload.h.
 *
 * Sniffing opens the file once through zlib for its first bytes and closes it; the loader then
 * opens it again. That costs one extra open and a few bytes of inflate, and keeps each loader
 * the sole owner of its reading. Inputs and labels are read as nn_arrays (binfile.h) and then
 * moved into the dataset without a copy: the array's buffers become x8 or x, and y. */
#include "dataload.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "binfile.h"
#include "idx.h"
#include "npy.h"
#include "xalloc.h"

nn_data_opts nn_data_opts_from_spec(const nn_spec *spec, nn_target_mode mode, int expect_nx,
                                    const char *labels_key)
{
    nn_data_opts o;
    memset(&o, 0, sizeof o);
    o.csv = nn_csv_opts_from_spec(&spec->data, mode, expect_nx);
    o.input = spec->input;
    o.labels_key = labels_key;
    return o;
}

int nn_data_format_of(const char *path, nn_data_format *fmt, nn_err *err)
{
    *fmt = NN_DATA_CSV;
    if (strcmp(path, "-") == 0)
        return 0;
    nn_binfile f;
    unsigned char head[8];
    size_t got;
    if (nn_binfile_open(&f, path, err) < 0)
        return -1;
    if (nn_binfile_read_some(&f, head, sizeof head, &got, err) < 0) {
        nn_binfile_close(&f, NULL);
        return -1;
    }
    if (nn_binfile_close(&f, err) < 0)
        return -1;
    if (nn_npy_sniff(head, got))
        *fmt = NN_DATA_NPY;
    else if (got >= 2 && head[0] == 0 && head[1] == 0) /* no CSV text starts with NUL bytes */
        *fmt = NN_DATA_IDX;
    return 0;
}

/* Reads the array at path (IDX or npy, told by fmt). */
static int read_array(const char *path, nn_data_format fmt, int keep_u8, nn_array *a,
                      nn_err *err)
{
    return fmt == NN_DATA_NPY ? nn_npy_read(path, keep_u8, a, err)
                              : nn_idx_read(path, keep_u8, a, err);
}

/* "[1, 28, 28]" */
static void shape_text(nn_shape s, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < s.ndim && k < size; i++) {
        int w = snprintf(buf + k, size - k, "%s%d", i ? ", " : "[", s.dim[i]);
        if (w < 0)
            return;
        k += (size_t)w;
    }
    if (k < size)
        snprintf(buf + k, size - k, "]");
}

/* Checks the inputs array against the model and returns the values per sample, or -1. */
static long long sample_size(const nn_array *a, const char *path, const nn_data_opts *o,
                             nn_err *err)
{
    size_t nx = a->count / a->dim[0];
    char shape[NN_ARRAY_MAX_DIM * 24], model[NN_MAX_DIM * 16];
    nn_array_shape_text(a, 1, shape, sizeof shape);
    if (nx > INT_MAX)
        return nn_fail_byte(err, path, a->shape_offset, "each sample has shape %s (%zu values; "
                            "expected at most %d)", shape, nx, INT_MAX);
    int want = o->csv.expect_nx;
    if (want > 0 && nx != (size_t)want) {
        if (o->input.ndim > 0)
            shape_text(o->input, model, sizeof model);
        else
            snprintf(model, sizeof model, "%d", want);
        return nn_fail_byte(err, path, a->shape_offset, "each sample has shape %s (%zu value%s), "
                            "but the model's input %s takes %d (expected the same number of "
                            "values per sample)", shape, nx, nx == 1 ? "" : "s", model, want);
    }
    return (long long)nx;
}

/* Reads the labels of n samples (whose inputs come from `inputs`) into out's y and ny. */
static int read_labels(const char *labels, const char *inputs, size_t n, nn_dataset *out,
                       nn_err *err)
{
    nn_data_format fmt;
    nn_array lab;
    if (nn_data_format_of(labels, &fmt, err) < 0)
        return -1;
    if (fmt == NN_DATA_CSV)
        return nn_fail(err, "%s: not an IDX or npy file (expected the labels of %s as an IDX or "
                            "npy array)", labels, inputs);
    if (read_array(labels, fmt, 0, &lab, err) < 0)
        return -1;
    char shape[NN_ARRAY_MAX_DIM * 24];
    nn_array_shape_text(&lab, 0, shape, sizeof shape);
    int rc = -1;
    if (lab.ndim > 2 || (lab.ndim == 2 && lab.dim[1] > INT_MAX)) {
        nn_fail_byte(err, labels, lab.shape_offset, "labels of shape %s (expected [N] class "
                     "indices or targets, or [N, K] one-hot rows or targets)", shape);
    } else if (lab.dim[0] != n) {
        nn_fail_byte(err, labels, lab.shape_offset, "%zu label%s, but %s holds %zu sample%s "
                     "(expected one label per sample)", lab.dim[0], lab.dim[0] == 1 ? "" : "s",
                     inputs, n, n == 1 ? "" : "s");
    } else {
        out->ny = lab.ndim == 1 ? 1 : (int)lab.dim[1];
        out->y = lab.f32;
        lab.f32 = NULL;
        out->ysource = nn_strdup(labels, err);
        rc = out->ysource ? 0 : -1;
    }
    nn_array_destroy(&lab);
    return rc;
}

static int read_binary(const char *path, nn_data_format fmt, const char *labels,
                       const nn_data_opts *o, nn_dataset *out, nn_err *err)
{
    nn_array a;
    if (read_array(path, fmt, 1, &a, err) < 0)
        return -1;
    long long nx = sample_size(&a, path, o, err);
    if (nx < 0)
        goto fail;
    if (!labels && o->csv.target_mode == NN_TARGET_REQUIRED) {
        const char *kind = fmt == NN_DATA_NPY ? "npy" : "IDX";
        nn_fail(err, "%s: no labels for these %s inputs (an %s file holds inputs only: expected "
                     "a labels file given by %s)", path, kind, kind,
                o->labels_key ? o->labels_key : "the labels option");
        goto fail;
    }
    out->n = a.dim[0];
    out->nx = (int)nx;
    if (labels && read_labels(labels, path, out->n, out, err) < 0)
        goto fail;
    out->source = nn_strdup(path, err);
    if (!out->source)
        goto fail;
    if (a.u8) {
        out->xtype = NN_X_U8;
        out->x8 = a.u8;
        a.u8 = NULL;
    } else {
        out->xtype = NN_X_F32;
        out->x = a.f32;
        a.f32 = NULL;
    }
    nn_array_destroy(&a);
    return 0;
fail:
    nn_array_destroy(&a);
    nn_dataset_destroy(out);
    return -1;
}

int nn_data_read(const char *path, const char *labels, const nn_data_opts *o, nn_dataset *out,
                 nn_err *err)
{
    nn_data_format fmt;
    memset(out, 0, sizeof *out);
    if (nn_data_format_of(path, &fmt, err) < 0)
        return -1;
    if (fmt != NN_DATA_CSV)
        return read_binary(path, fmt, labels, o, out, err);
    if (labels)
        return nn_fail(err, "%s: a CSV file carries its own target column (expected no labels "
                            "file, here %s, or IDX or npy inputs)", path, labels);
    return nn_csv_read(path, &o->csv, out, err);
}
