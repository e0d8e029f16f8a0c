/* spec.h -- nn_spec: the resolved model file as plain structs.
 *
 * config.c fills an nn_spec from YAML (and -s overrides) and frees it with nn_config_destroy;
 * everything else only reads it. Nothing here knows YAML: a spec could come from anywhere.
 * Each item keeps its place in the model file so later stages (shape inference, data loading)
 * can name the line a problem comes from. */
#ifndef NN_SPEC_H
#define NN_SPEC_H

#include <stdint.h>

#include "early.h"
#include "err.h"
#include "layer.h"
#include "loss.h"
#include "optim.h"
#include "schedule.h"

typedef struct nn_layer_spec {
    const nn_layer_ops *ops;
    void *hp;                /* ops->hp_size bytes, filled by hparam.c; owned by the spec */
    char name[NN_NAME_MAX];  /* the item's `name:`, or "" (the model names it "<type><index>") */
    nn_pos pos;              /* the item in the model file */
} nn_layer_spec;

typedef enum nn_norm { NN_NORM_NONE, NN_NORM_MINMAX, NN_NORM_STANDARD } nn_norm;
extern const char *const nn_norm_names[];   /* "none", "minmax", "standard", NULL */

typedef enum nn_header { NN_HEADER_AUTO, NN_HEADER_YES, NN_HEADER_NO } nn_header;
extern const char *const nn_header_names[]; /* "auto", "yes", "no", NULL */

/* Where the data is and how to read it: the `data:` map (paths resolved against the model
 * file's directory) and the top-level `validation:`. Strings are owned by the spec. */
typedef struct nn_data_spec {
    char *train, *test;       /* NULL when absent */
    char *validation_file;    /* `validation: PATH`, or NULL */
    double validation;        /* `validation: FRACTION` of train held out, 0 = none */
    nn_pos train_pos, test_pos, validation_pos;
    /* Labels of IDX or npy inputs, which keep them in a file of their own (NULL when absent;
     * CSV files carry their target column instead). */
    char *train_labels, *test_labels, *validation_labels;
    nn_pos train_labels_pos, test_labels_pos, validation_labels_pos;
    char *target;             /* target column by name, or NULL */
    int target_index;         /* 0-based column when target is NULL; -1 = last */
    char **inputs;            /* input columns (names, or decimal indices as text) */
    int ninputs;              /* 0: every column but the target */
    nn_header header;
    double scale;             /* multiply inputs by this first; 1 = none */
    nn_norm normalize;
} nn_data_spec;

/* Training settings: the top-level scalar keys. */
typedef struct nn_run_spec {
    int epochs;
    double learning_rate;
    int batch_size;
    int seed;
    int shuffle;              /* bool */
    int init;                 /* nn_init: the default of layers that take `init` */
    double weight_decay;      /* L2 (or decoupled, for adamw) weight decay; 0 = none */
    double clip_norm;         /* clip the global gradient norm to this; 0 = no clipping */
} nn_run_spec;

typedef struct nn_spec {
    char *file;               /* the model file as named on the command line, "-" for stdin */
    nn_shape input;
    nn_pos input_pos;
    nn_layer_spec *layers;
    int nlayers;
    const nn_loss_ops *loss;
    nn_pos loss_pos;
    const nn_optim_ops *optim;
    void *optim_hp;           /* optim->hp_size bytes, or NULL */
    const nn_schedule_ops *schedule; /* lr_schedule: never NULL once parsed (constant) */
    void *schedule_hp;        /* an nn_schedule_hp of schedule->hp_size bytes, owned */
    nn_early_spec early;      /* early_stopping and restore_best; early.enabled 0 when absent */
    nn_pos early_pos;         /* the early_stopping item in the model file */
    nn_pos restore_best_pos;  /* the restore_best item, or the early_stopping one */
    nn_run_spec run;
    nn_data_spec data;
    /* Positions of items set by -s overrides name the override ("-s layers.0={dense: 4}")
     * instead of the model file; these are the owned copies of those labels. */
    char **origins;
    int norigins;
} nn_spec;

#endif
