/* report.c -- formats what training prints; see report.h. */
#include "report.h"

const char *const nn_log_format_names[] = {"text", "json", NULL};

void nn_report_epoch(FILE *out, nn_log_format fmt, const nn_epoch_report *r)
{
    if (fmt == NN_LOG_JSON) {
        fprintf(out, "{\"epoch\":%d,\"epochs\":%d,\"loss\":%.9g", r->epoch, r->epochs,
                r->train.loss);
        if (r->train.has_acc)
            fprintf(out, ",\"acc\":%.6g", r->train.acc);
        if (r->has_val) {
            fprintf(out, ",\"val_loss\":%.9g", r->val.loss);
            if (r->val.has_acc)
                fprintf(out, ",\"val_acc\":%.6g", r->val.acc);
        }
        fprintf(out, ",\"seconds\":%.6f}\n", r->seconds);
    } else {
        fprintf(out, "epoch %d/%d loss=%.6f", r->epoch, r->epochs, r->train.loss);
        if (r->train.has_acc)
            fprintf(out, " acc=%.4f", r->train.acc);
        if (r->has_val) {
            fprintf(out, " val_loss=%.6f", r->val.loss);
            if (r->val.has_acc)
                fprintf(out, " val_acc=%.4f", r->val.acc);
        }
        fprintf(out, " time=%.2fs\n", r->seconds);
    }
    fflush(out);
}

void nn_report_test(FILE *out, nn_log_format fmt, const nn_metrics *m)
{
    if (fmt == NN_LOG_JSON) {
        fprintf(out, "{\"test_loss\":%.9g", m->loss);
        if (m->has_acc)
            fprintf(out, ",\"test_acc\":%.6g", m->acc);
        fprintf(out, ",\"test_rows\":%zu}\n", m->n);
    } else {
        fprintf(out, "test loss=%.6f", m->loss);
        if (m->has_acc)
            fprintf(out, " acc=%.4f", m->acc);
        fprintf(out, " rows=%zu\n", m->n);
    }
    fflush(out);
}

void nn_report_summary(FILE *out, const nn_model *m)
{
    char shape[64];
    nn_shape_format(nn_model_input_shape(m), shape, sizeof shape);
    fprintf(out, "%-20s %-12s %-14s %12s\n", "layer", "type", "output", "params");
    fprintf(out, "%-20s %-12s %-14s %12d\n", "(input)", "", shape, 0);
    for (int i = 0; i < nn_model_nlayers(m); i++) {
        const nn_layer *l = nn_model_layer(m, i);
        size_t params = 0;
        for (int k = 0; k < l->nparam; k++)
            params += nn_shape_size(l->param[k].shape);
        nn_shape_format(l->out, shape, sizeof shape);
        fprintf(out, "%-20s %-12s %-14s %12zu\n", l->name, l->ops->type, shape, params);
    }
    fprintf(out, "total parameters: %zu\n", nn_model_param_count(m));
}
