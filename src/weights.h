/* weights.h -- the .nnw weights file: read and write (the format is specified atop weights.c).
 *
 * The file is self-contained: the resolved model config as YAML text, every parameter tensor by
 * name and shape, the preprocessing statistics and training metadata, the names of the input
 * columns when the training data had a header, and optionally the training state --resume
 * continues from (optimizer slots, step and epoch counts, generator state, row order, early
 * stopping), all little-endian and covered by a CRC32. Writing goes to a temporary file in the
 * same directory, flushed, synced and renamed over the target, so a crash never leaves a
 * half-written file in its place.
 * Reading checks every length against the file size before allocating and refuses a truncated,
 * corrupted or foreign file with "FILE: byte N: what was wrong". This module knows no YAML and
 * no model: it moves text, named float tensors and key/value strings. */
#ifndef NN_WEIGHTS_H
#define NN_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "layer.h"
#include "preprocess.h"

enum { NN_TENSOR_NAME_MAX = 64 };

typedef struct nn_tensor {
    char name[NN_TENSOR_NAME_MAX]; /* "dense1.W" */
    nn_shape shape;
    float *data;                   /* nn_shape_size(shape) floats */
} nn_tensor;

typedef struct nn_meta_entry {
    char *key, *value;
} nn_meta_entry;

/* nn_train_state.flags */
enum {
    NN_STATE_PARTIAL = 1,   /* written when a signal stopped training inside an epoch */
    NN_STATE_STOPPED = 2,   /* early stopping ended the run */
    NN_STATE_TENS_BEST = 4, /* TENS holds the best epoch's weights (restore_best); the values
                               training continues from are in nn_train_state.current */
};
enum { NN_STATE_MAX_SLOTS = 8, NN_STATE_MAX_PARTS = 1 << 20 };

/* What one process has summed over the rows of an epoch so far. */
typedef struct nn_train_part {
    double loss_sum;                /* the loss times the rows of each batch, summed */
    uint64_t correct;               /* correct predictions (per output for binary tasks) */
    uint64_t rows;                  /* the rows this process trained */
} nn_train_part;

/* nn_epoch_record.has */
enum { NN_RECORD_ACC = 1, NN_RECORD_VAL = 2, NN_RECORD_VAL_ACC = 4 };

/* The figures of one completed epoch. */
typedef struct nn_epoch_record {
    int epoch;                      /* from 1; 0: no such epoch */
    unsigned has;                   /* NN_RECORD_*: which figures besides loss are there */
    double loss, acc, val_loss, val_acc;
} nn_epoch_record;

/* The training state of the optional OPT2 section (or of OPTM, its first layout): what
 * --resume needs besides the weights (TENS) to continue a run exactly where it stopped, even
 * inside an epoch. */
typedef struct nn_train_state {
    char optim[NN_TENSOR_NAME_MAX]; /* the optimizer's type word, 1..63 printable ASCII */
    int nslots;                     /* 0..NN_STATE_MAX_SLOTS */
    size_t nvalues;                 /* trainable values; each slot holds that many floats */
    float *slots;                   /* (nslots, nvalues): the optimizer's state */
    uint64_t step;                  /* optimizer steps taken */
    int epochs_done;                /* also the position of the learning-rate schedule */
    unsigned flags;                 /* NN_STATE_* */
    uint64_t rng[4];                /* the generator that shuffles and drives dropout */
    size_t nrows;                   /* training rows */
    size_t *order;                  /* (nrows): the current permutation of the rows */
    int monitor;                    /* the nn_monitor best refers to */
    int best_epoch;                 /* the best epoch so far, 0: none */
    int wait;                       /* early stopping: epochs since best_epoch */
    double best;                    /* the monitored value at best_epoch */
    size_t nbest;                   /* 0, or the number of parameter values below */
    float *best_values;             /* (nbest): every parameter at best_epoch, in TENS order */
    /* From here on, OPT2 only (a file with OPTM reads as zeros). */
    size_t rows_done;               /* rows of epoch epochs_done + 1 already trained; 0: the
                                       state is at the end of an epoch */
    int nparts;                     /* 0 when rows_done is 0, else one per process of the run */
    nn_train_part *parts;           /* (nparts): what each process summed over those rows */
    nn_epoch_record last;           /* the last completed epoch's figures */
    nn_epoch_record best_record;    /* the best epoch's figures */
    size_t ncurrent;                /* 0, or (with NN_STATE_TENS_BEST) the parameter values: */
    float *current;                 /* (ncurrent): every parameter now, in TENS order */
} nn_train_state;

/* What a weights file holds. When writing, every pointer is borrowed from the caller; when
 * read by nn_weights_read, everything is owned by the struct (free with nn_weights_destroy). */
typedef struct nn_weights {
    char *conf;               /* resolved model config, YAML text, NUL-terminated */
    nn_tensor *tensors;
    int ntensors;
    nn_prep prep;
    nn_meta_entry *meta;      /* training metadata: epochs_done, seed, loss, ... in order */
    int nmeta;
    nn_train_state *state;    /* the OPTM section, or NULL when the file has none */
    char **columns;           /* (ncolumns) the header names of the training data's input
                                 columns, in the model's input order (COLS); NULL: none */
    int ncolumns;
} nn_weights;

/* Writes w to path atomically (temp file + fflush + fsync + rename; on failure the temp file is
 * removed and any old file at path is untouched). Same content => byte-identical file. */
int nn_weights_write(const char *path, const nn_weights *w, nn_err *err);

/* Reads path into *w (owned). On error *w is empty and err names the file and byte offset. */
int nn_weights_read(const char *path, nn_weights *w, nn_err *err);

/* Frees a struct filled by nn_weights_read. */
void nn_weights_destroy(nn_weights *w);

/* The value of a metadata key, or NULL. */
const char *nn_weights_meta(const nn_weights *w, const char *key);

#endif
