/* nnpredict.c -- main of `nnpredict WEIGHTS.nnw [INPUT...] [options]`: weights -> config ->
 * model -> inputs -> predictions on stdout (or --eval metrics, or --info). No model file is
 * needed: the weights file carries its own config and preprocessing. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dataload.h"
#include "metrics.h"
#include "model.h"
#include "preprocess.h"
#include "report.h"
#include "train.h"
#include "weights.h"
#include "xalloc.h"

static const char usage[] =
    "usage: nnpredict WEIGHTS.nnw [INPUT...] [options]\n"
    "Predict with a trained network. INPUT is a CSV, IDX or npy file, plain or gzipped\n"
    "(default: CSV on standard input).\n"
    "\n"
    "      --proba               print the probability of every class\n"
    "      --eval                inputs are labelled: print loss, accuracy, confusion matrix\n"
    "      --labels FILE         labels (IDX or npy) of an IDX or npy INPUT, for --eval\n"
    "      --info                print the architecture and training metadata, then exit\n"
    "  -b, --batch-size N        rows per forward pass (default 256)\n"
    "  -j, --threads N           threads for BLAS and loops (default: all cores)\n"
    "  -h, --help                show this help\n"
    "      --version             show the version\n"
    "\n"
    "See nnpredict(1) and nnmodel(5).\n";

enum { OPT_PROBA = 256, OPT_EVAL, OPT_INFO, OPT_VERSION, OPT_LABELS };

static const struct option longopts[] = {
    {"proba", no_argument, NULL, OPT_PROBA},
    {"eval", no_argument, NULL, OPT_EVAL},
    {"info", no_argument, NULL, OPT_INFO},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"batch-size", required_argument, NULL, 'b'},
    {"threads", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

typedef struct options {
    const char *weights;
    char **inputs;
    int ninputs;
    const char *labels;   /* --labels FILE, or NULL */
    int proba, eval, info;
    int batch, threads;
} options;

typedef struct predictor {
    nn_weights w;
    nn_spec spec;
    nn_model *model;
    float *out;           /* (batch, width) */
    float *xb;            /* (batch, inputs): one batch of preprocessed inputs */
    size_t *rows;         /* (batch) row indices of that batch */
    char *conf_name;      /* "WEIGHTS (embedded config)" */
} predictor;

static int fail_usage(const char *msg, const char *arg)
{
    return nn_cli_usage_error("nnpredict", msg, arg);
}

/* Returns -1 to go on, or the exit code to stop with. */
static int parse_options(int argc, char **argv, options *o)
{
    nn_err err;
    long n;
    int c;
    o->batch = 256;
    o->threads = nn_cli_cores();
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PROBA: o->proba = 1; break;
        case OPT_EVAL: o->eval = 1; break;
        case OPT_INFO: o->info = 1; break;
        case OPT_LABELS: o->labels = optarg; break;
        case 'b':
        case 'j':
            if (nn_cli_int(c == 'b' ? "--batch-size" : "--threads", optarg, 1,
                           c == 'b' ? 1 << 16 : 1024, &n, &err) < 0) {
                fprintf(stderr, "nnpredict: %s\n", err.msg);
                return NN_EXIT_USAGE;
            }
            *(c == 'b' ? &o->batch : &o->threads) = (int)n;
            break;
        case 'h': fputs(usage, stdout); return NN_EXIT_OK;
        case OPT_VERSION: printf("nnpredict %s\n", NN_VERSION); return NN_EXIT_OK;
        case ':': return fail_usage("missing value for", argv[optind - 1]);
        default: return nn_cli_bad_option("nnpredict", longopts, argv[optind - 1], optopt);
        }
    }
    if (optind >= argc)
        return fail_usage("expected a weights file", NULL);
    if (o->proba && o->eval)
        return fail_usage("--proba and --eval do not go together", NULL);
    o->weights = argv[optind];
    o->inputs = argv + optind + 1;
    o->ninputs = argc - optind - 1;
    if (o->labels && (!o->eval || o->ninputs != 1))
        return fail_usage(o->eval ? "--labels goes with exactly one INPUT file"
                                  : "--labels goes with --eval", NULL);
    return -1;
}

/* The error for a model file given where a weights file belongs: what to run instead. */
static int model_file_given(const char *path, nn_err *err)
{
    char *weights = nn_cli_default_output(path, err);
    if (!weights)
        return -1;
    nn_fail(err, "%s: this is a model file (YAML); nnpredict takes the weights file nntrain "
            "writes (run 'nntrain %s', then 'nnpredict %s')", path, path, weights);
    nn_free(weights);
    return -1;
}

/* Reads the weights file, rebuilds the model from its embedded config and loads its tensors. */
static int load_predictor(predictor *p, const options *o, nn_err *err)
{
    if (nn_weights_read(o->weights, &p->w, err) < 0) {
        /* A weights file starts with the bytes NNW\0, which no YAML text holds: only a file
         * that is not one can be a model file. */
        if (nn_config_is_model_file(o->weights))
            return model_file_given(o->weights, err);
        return -1;
    }
    size_t len = strlen(o->weights) + sizeof " (embedded config)";
    p->conf_name = nn_alloc(len, 1, err);
    if (!p->conf_name)
        return -1;
    snprintf(p->conf_name, len, "%s (embedded config)", o->weights);
    if (nn_config_parse(p->w.conf, strlen(p->w.conf), p->conf_name, NULL, NULL, 0, &p->spec,
                        err) < 0)
        return -1;
    p->spec.run.batch_size = o->batch;
    p->model = nn_model_build(&p->spec, o->batch, err);
    if (!p->model || nn_model_load(p->model, p->w.tensors, p->w.ntensors, o->weights, err) < 0)
        return -1;
    if (p->w.prep.kind != NN_NORM_NONE && p->w.prep.n != nn_model_input_size(p->model))
        return nn_fail(err, "%s: preprocessing covers %d inputs, the model has %d", o->weights,
                       p->w.prep.n, nn_model_input_size(p->model));
    if (p->w.ncolumns > 0 && p->w.ncolumns != nn_model_input_size(p->model))
        return nn_fail(err, "%s: %d input column names, the model has %d inputs", o->weights,
                       p->w.ncolumns, nn_model_input_size(p->model));
    p->out = nn_alloc((size_t)o->batch, (size_t)nn_model_out_width(p->model) * sizeof(float),
                      err);
    p->xb = nn_alloc((size_t)o->batch, (size_t)nn_model_input_size(p->model) * sizeof(float),
                     err);
    p->rows = nn_alloc((size_t)o->batch, sizeof(size_t), err);
    return p->out && p->xb && p->rows ? 0 : -1;
}

/* The CSV columns the model reads: by name when the training data had a header. */
static void print_columns(const nn_weights *w)
{
    if (w->ncolumns == 0) {
        printf("input columns: by position (the training data had no header)\n");
        return;
    }
    printf("input columns:");
    for (int i = 0; i < w->ncolumns; i++)
        printf("%s %s", i ? "," : "", w->columns[i]);
    putchar('\n');
}

static void print_info(const predictor *p, const options *o)
{
    printf("weights: %s\n", o->weights);
    nn_report_summary(stdout, p->model);
    printf("loss function: %s\n", p->spec.loss->type); /* "loss:" is the last loss */
    printf("optimizer: %s\n", p->spec.optim->type);
    printf("preprocessing: scale %.9g, normalize %s\n", p->w.prep.scale,
           nn_norm_names[p->w.prep.kind]);
    print_columns(&p->w);
    for (int i = 0; i < p->w.nmeta; i++)
        printf("%s: %s\n", p->w.meta[i].key, p->w.meta[i].value);
    printf("config:\n%s", p->w.conf);
}

/* One output row: the class for classification, else the values; --proba: every value. */
static void print_row(const nn_loss_ops *loss, const float *row, int width, int proba)
{
    if (loss->task == NN_TASK_MULTICLASS && !proba) {
        int best = 0;
        for (int j = 1; j < width; j++)
            if (row[j] > row[best])
                best = j;
        printf("%d\n", best);
        return;
    }
    for (int j = 0; j < width; j++) {
        if (loss->task == NN_TASK_BINARY && !proba)
            printf("%s%d", j ? "," : "", row[j] > 0.5f);
        else
            printf("%s%.6g", j ? "," : "", (double)row[j]);
    }
    putchar('\n');
}

/* Called with each batch's outputs in p->out, (rows, width), and its targets in yb. */
typedef void (*batch_fn)(const predictor *p, const float *yb, int rows, void *ctx);

/* Runs the network over every row of ds, o->batch rows at a time, and hands each batch to fn;
 * yb (o->batch, ds->ny) receives the targets, or is NULL when they are not needed. */
static void each_batch(predictor *p, const options *o, const nn_dataset *ds, float *yb,
                       batch_fn fn, void *ctx)
{
    for (size_t start = 0; start < ds->n; start += (size_t)o->batch) {
        size_t left = ds->n - start;
        int b = left < (size_t)o->batch ? (int)left : o->batch;
        for (int i = 0; i < b; i++)
            p->rows[i] = start + (size_t)i;
        nn_dataset_gather(ds, p->rows, b, p->xb, yb);
        nn_model_predict(p->model, p->xb, b, p->out);
        fn(p, yb, b, ctx);
    }
}

static void print_batch(const predictor *p, const float *yb, int rows, void *ctx)
{
    (void)yb;
    const options *o = ctx;
    int width = nn_model_out_width(p->model);
    for (int i = 0; i < rows; i++)
        print_row(nn_model_loss(p->model), p->out + (size_t)i * (size_t)width, width, o->proba);
}

static void predict(predictor *p, const options *o, const nn_dataset *ds)
{
    each_batch(p, o, ds, NULL, print_batch, (void *)o);
}

static void add_regression(const predictor *p, const float *yb, int rows, void *ctx)
{
    nn_regression_add(ctx, p->out, yb, rows);
}

/* The regression figures of the network over every row of ds, into *fig (initialised here;
 * the caller destroys it, also after a failure). */
static int regression_figures(predictor *p, const options *o, const nn_dataset *ds,
                              nn_regression *fig, nn_err *err)
{
    if (nn_regression_init(fig, nn_model_out_width(p->model), err) < 0)
        return -1;
    float *yb = nn_alloc((size_t)o->batch, (size_t)ds->ny * sizeof(float), err);
    if (!yb)
        return -1;
    each_batch(p, o, ds, yb, add_regression, fig);
    nn_free(yb);
    return 0;
}

/* " mae=... rmse=... r2=..." */
static void print_regression(const nn_regression *fig)
{
    double r2 = nn_regression_r2(fig);
    printf(" mae=%.6f rmse=%.6f", nn_regression_mae(fig), nn_regression_rmse(fig));
    if (isnan(r2))
        printf(" r2=nan");
    else
        printf(" r2=%.6f", r2);
}

static int evaluate(predictor *p, const options *o, const nn_dataset *ds, nn_err *err)
{
    if (nn_check_targets(p->model, ds, err) < 0)
        return -1;
    nn_trainer *t = nn_trainer_new(p->model, &p->spec, ds, err);
    int width = nn_model_out_width(p->model);
    long *confusion = nn_alloc((size_t)width, (size_t)width * sizeof(long), err);
    if (!t || !confusion) {
        nn_trainer_free(t);
        nn_free(confusion);
        return -1;
    }
    nn_metrics m = nn_trainer_evaluate(t, ds, confusion);
    nn_regression fig = {0};
    int regression = nn_model_loss(p->model)->task == NN_TASK_REGRESSION;
    if (regression && regression_figures(p, o, ds, &fig, err) < 0) {
        nn_regression_destroy(&fig);
        nn_trainer_free(t);
        nn_free(confusion);
        return -1;
    }
    printf("rows=%zu loss=%.6f", m.n, m.loss);
    if (m.has_acc)
        printf(" acc=%.4f", m.acc);
    if (regression)
        print_regression(&fig);
    nn_regression_destroy(&fig);
    putchar('\n');
    if (nn_model_loss(p->model)->task == NN_TASK_MULTICLASS) {
        printf("confusion (rows: true class, columns: predicted class)\n%6s", "");
        for (int j = 0; j < width; j++)
            printf(" %6d", j);
        putchar('\n');
        for (int i = 0; i < width; i++) {
            printf("%6d", i);
            for (int j = 0; j < width; j++)
                printf(" %6ld", confusion[(size_t)i * (size_t)width + (size_t)j]);
            putchar('\n');
        }
    }
    nn_trainer_free(t);
    nn_free(confusion);
    return 0;
}

/* Reads one input file ("-" for stdin; CSV, IDX or npy), attaches the preprocessing and
 * predicts or evaluates. */
static int run_input(predictor *p, const options *o, const char *path, nn_err *err)
{
    nn_data_opts d = nn_data_opts_from_spec(&p->spec,
                                            o->eval ? NN_TARGET_REQUIRED : NN_TARGET_OPTIONAL,
                                            nn_model_input_size(p->model), "--labels");
    d.csv.columns = p->w.columns; /* a header is read by these names, in this order */
    d.csv.ncolumns = p->w.ncolumns;
    nn_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (nn_data_read(path, o->labels, &d, &ds, err) < 0)
        return -1;
    nn_prep_attach(&p->w.prep, &ds);
    int rc = 0;
    if (o->eval)
        rc = evaluate(p, o, &ds, err);
    else
        predict(p, o, &ds);
    nn_dataset_destroy(&ds);
    return rc;
}

static int predict_main(predictor *p, const options *o, nn_err *err)
{
    nn_cli_set_threads(o->threads);
    if (load_predictor(p, o, err) < 0)
        return NN_EXIT_USAGE;
    if (o->info) {
        print_info(p, o);
        return NN_EXIT_OK;
    }
    if (o->ninputs == 0)
        return run_input(p, o, "-", err) < 0 ? NN_EXIT_USAGE : NN_EXIT_OK;
    for (int i = 0; i < o->ninputs; i++)
        if (run_input(p, o, o->inputs[i], err) < 0)
            return NN_EXIT_USAGE;
    return NN_EXIT_OK;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    int code = parse_options(argc, argv, &o);
    if (code >= 0)
        return code;
    predictor p;
    memset(&p, 0, sizeof p);
    nn_err err = {{0}};
    code = nn_cli_exit_code(predict_main(&p, &o, &err), &err);
    if (code != NN_EXIT_OK)
        fprintf(stderr, "nnpredict: %s\n", err.msg);
    if (fflush(stdout) != 0 && code == NN_EXIT_OK) {
        fprintf(stderr, "nnpredict: writing to standard output: %s\n", strerror(errno));
        code = NN_EXIT_FAILURE;
    }
    nn_free(p.out);
    nn_free(p.xb);
    nn_free(p.rows);
    nn_free(p.conf_name);
    nn_model_free(p.model);
    nn_config_destroy(&p.spec);
    nn_weights_destroy(&p.w);
    return code;
}
