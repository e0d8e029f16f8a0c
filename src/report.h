/* report.h -- the only module that formats training output: the per-epoch line (text or JSON),
 * the test line, the layer table, the progress bar and the history CSV. Callers pick the
 * stream; the history file is the one this module writes itself. */
#ifndef NN_REPORT_H
#define NN_REPORT_H

#include <stdio.h>

#include "err.h"
#include "model.h"
#include "train.h"

typedef enum nn_log_format { NN_LOG_TEXT, NN_LOG_JSON } nn_log_format;
extern const char *const nn_log_format_names[]; /* "text", "json", NULL */

/* text: "epoch 3/10 loss=0.412300 acc=0.8512 val_loss=0.455100 val_acc=0.8401 time=1.23s"
 * json: {"epoch":3,"epochs":10,"loss":0.4123,"acc":0.8512,...,"lr":0.01,"seconds":1.23,
 *        "samples_per_s":41234.5}
 * acc only for classification, val_* only with validation data, in both forms. */
void nn_report_epoch(FILE *out, nn_log_format fmt, const nn_epoch_report *r);

/* text: "test loss=0.412300 acc=0.8512"; json: {"test_loss":...,"test_acc":...} */
void nn_report_test(FILE *out, nn_log_format fmt, const nn_metrics *m);

/* How a run ended, for the last line of a JSON log. */
typedef struct nn_run_summary {
    const char *status;            /* finished, early_stopped, interrupted, diverged, failed */
    int exit_code;
    int epochs_done;
    size_t rows_done;              /* rows of epoch epochs_done + 1 trained before a stop */
    const char *weights;           /* the weights file this run wrote, or NULL: none */
    const nn_epoch_record *kept;   /* the epoch of its weights and their figures; NULL when
                                      they are not an epoch's end (a stop inside one) */
    const nn_metrics *test;        /* the test set's figures, or NULL */
    const char *error;             /* what went wrong, or NULL */
} nn_run_summary;

/* One JSON object: {"status":"finished","exit_code":0,"epochs_done":10,"weights":"x.nnw",
 * "weights_epoch":8,"loss":...,"acc":...,"val_loss":...,"val_acc":...,"test_loss":...,
 * "test_acc":...,"test_rows":...}; "epoch_rows_done" after epochs_done when a stop cut the
 * next epoch short, "weights":null when no file was written, "error" when something went
 * wrong. The figures are those of weights_epoch; both are left out when the weights are not
 * an epoch's end. */
void nn_report_run(FILE *out, const nn_run_summary *s);

/* The layer table: layer, type, output shape, parameters; then the total. */
void nn_report_summary(FILE *out, const nn_model *m);

/* ---- progress bar ------------------------------------------------------------------------ */

/* A progress bar for the batches of the current epoch, redrawn in place on a terminal:
 *   epoch 3/10 [########------------]  61/150  4312 samples/s  loss=0.412300  ETA 0:02
 * Drawn at most 10 times a second; erased ("\r" and clear to end of line) before anything
 * else is printed. The caller decides whether out is a terminal. */
typedef struct nn_progress {
    FILE *out;
    int shown;        /* a bar is on the line now */
    double last_draw; /* monotonic seconds of the last draw, < 0: never */
} nn_progress;

void nn_progress_init(nn_progress *p, FILE *out);

/* Redraws the bar for b when the last draw is 0.1 s old or more. */
void nn_progress_update(nn_progress *p, const nn_batch_report *b);

/* Erases the bar if one is shown. */
void nn_progress_clear(nn_progress *p);

/* ---- history ----------------------------------------------------------------------------- */

/* The epochs of a run, for --history (CSV) and --plot. */
typedef struct nn_history {
    nn_epoch_report *rows; /* in epoch order */
    int n, cap;
    /* The columns the run has, whatever its rows measured, so that the header of a run
     * stopped before its first epoch is the header of a whole run: set before training. */
    int has_acc, has_val;
} nn_history;

/* Appends a copy of r. Fails only when memory runs out. */
int nn_history_add(nn_history *h, const nn_epoch_report *r, nn_err *err);

/* Reads a history CSV written by nn_history_write and keeps its rows for epochs 1..upto, in
 * order (for --resume, so the file keeps the epochs before the checkpoint). A missing file
 * gives no rows and no error; a file in another format is an error naming its line. */
int nn_history_read(nn_history *h, const char *path, int upto, nn_err *err);

/* Writes the history CSV atomically (a temporary file in the same directory, synced, then
 * renamed over path). The header is
 *   epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s
 * without acc when neither h->has_acc nor any row has an accuracy, and without
 * val_loss,val_acc when neither h->has_val nor any row has validation; one row per epoch,
 * numbers as in the JSON lines. */
int nn_history_write(const nn_history *h, const char *path, nn_err *err);

void nn_history_destroy(nn_history *h);

#endif
