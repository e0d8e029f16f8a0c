/* report.h -- the only module that formats training output: the per-epoch line (text or JSON),
 * the test line and the layer table. Callers pick the stream. */
#ifndef NN_REPORT_H
#define NN_REPORT_H

#include <stdio.h>

#include "model.h"
#include "train.h"

typedef enum nn_log_format { NN_LOG_TEXT, NN_LOG_JSON } nn_log_format;
extern const char *const nn_log_format_names[]; /* "text", "json", NULL */

/* text: "epoch 3/10 loss=0.412300 acc=0.8512 val_loss=0.455100 val_acc=0.8401 time=1.23s"
 * json: {"epoch":3,"epochs":10,"loss":0.4123,"acc":0.8512,...,"seconds":1.23} */
void nn_report_epoch(FILE *out, nn_log_format fmt, const nn_epoch_report *r);

/* text: "test loss=0.412300 acc=0.8512"; json: {"test_loss":...,"test_acc":...} */
void nn_report_test(FILE *out, nn_log_format fmt, const nn_metrics *m);

/* The layer table: layer, type, output shape, parameters; then the total. */
void nn_report_summary(FILE *out, const nn_model *m);

#endif
