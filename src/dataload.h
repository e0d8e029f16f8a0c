/* dataload.h -- one entry point for data files: CSV, IDX or npy, told apart by their content.
 *
 * A file is decompressed if it is gzip (zlib tells by its magic, whatever the name), then its
 * first bytes decide: 0x00 0x00 is IDX, "\x93NUMPY" is npy, anything else is CSV. The name's
 * extension plays no part. Standard input ("-") is always CSV.
 *
 * IDX and npy files hold one array each: the inputs, [N, ...] with the first dimension counting
 * the samples, and, in a file of their own, the labels: [N] (class indices, or one target per
 * sample) or [N, K] (one-hot rows or K targets). uint8 inputs stay uint8 in the dataset (a
 * quarter of the memory); nn_dataset_gather converts them batch by batch. */
#ifndef NN_DATALOAD_H
#define NN_DATALOAD_H

#include "csv.h"
#include "data.h"
#include "err.h"
#include "spec.h"

typedef enum nn_data_format { NN_DATA_CSV, NN_DATA_IDX, NN_DATA_NPY } nn_data_format;

typedef struct nn_data_opts {
    nn_csv_opts csv;          /* CSV columns; target_mode and expect_nx apply to every format */
    nn_shape input;           /* the model's input shape, for messages; ndim 0: unknown */
    const char *labels_key;   /* how labels are given for this set ("data.train_labels",
                                 "--labels"), for messages; NULL: "a labels file" */
} nn_data_opts;

/* The options a spec asks for, for a set read with `mode` by a model taking expect_nx inputs.
 * labels_key is borrowed. */
nn_data_opts nn_data_opts_from_spec(const nn_spec *spec, nn_target_mode mode, int expect_nx,
                                    const char *labels_key);

/* Tells the format of the file at path by its first (decompressed) bytes. */
int nn_data_format_of(const char *path, nn_data_format *fmt, nn_err *err);

/* Reads the data at path into *out, whatever its format. labels (or NULL) names the labels file
 * of IDX or npy inputs; it is an error with a CSV file, and required for IDX or npy inputs when
 * o->csv.target_mode is NN_TARGET_REQUIRED. When o->csv.expect_nx > 0, the values per sample
 * must match it: "FILE: byte N: each sample has shape [28, 28] (784 values), but the model's
 * input [1, 32, 32] takes 1024". Label counts must match sample counts. On error *out is left
 * empty; on success the dataset owns everything (source and ysource are copies). */
int nn_data_read(const char *path, const char *labels, const nn_data_opts *o, nn_dataset *out,
                 nn_err *err);

#endif
