/* nntrain.c -- main of `nntrain MODEL.yaml [options]`: options -> config -> model -> data ->
 * train -> weights file. Turns every nn_err into "nntrain: <message>" and an exit code. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "dataload.h"
#include "dist.h"
#include "lint.h"
#include "model.h"
#include "plot.h"
#include "preprocess.h"
#include "report.h"
#include "train.h"
#include "weights.h"
#include "xalloc.h"

static const char usage[] =
    "usage: nntrain MODEL.yaml [options]\n"
    "Train the network MODEL.yaml describes and write its weights file.\n"
    "\n"
    "  -o, --output FILE         weights file (default: MODEL with .nnw, in this directory)\n"
    "  -e, --epochs N            epochs to train\n"
    "  -l, --learning-rate X     learning rate\n"
    "  -b, --batch-size N        samples per batch\n"
    "      --seed N              seed of initialisation, shuffling and splits\n"
    "  -j, --threads N           threads for BLAS and loops (default: all cores)\n"
    "  -s, --set KEY=VALUE       override a model file key (dotted path; repeatable)\n"
    "      --log-format FMT      per-epoch lines as text (default) or json\n"
    "      --history FILE.csv    write the per-epoch figures as CSV\n"
    "      --plot FILE.png|.svg  draw loss and accuracy against epochs (needs gnuplot)\n"
    "      --checkpoint-every N  write the weights file every N epochs\n"
    "      --resume FILE.nnw     continue the run saved in FILE.nnw\n"
    "      --summary             print the layer table and exit\n"
    "      --dry-run             check the model file and data, then exit\n"
    "  -q, --quiet               print nothing but errors\n"
    "  -h, --help                show this help\n"
    "      --version             show the version\n"
    "\n"
    "See nntrain(1) and nnmodel(5).\n";

enum { OPT_SEED = 256, OPT_LOG_FORMAT, OPT_SUMMARY, OPT_DRY_RUN, OPT_VERSION, OPT_HISTORY,
       OPT_PLOT, OPT_CHECKPOINT, OPT_RESUME };

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"epochs", required_argument, NULL, 'e'},
    {"learning-rate", required_argument, NULL, 'l'},
    {"batch-size", required_argument, NULL, 'b'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, 'j'},
    {"set", required_argument, NULL, 's'},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"history", required_argument, NULL, OPT_HISTORY},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

typedef struct options {
    const char *model;
    const char *output;
    nn_override *ov;     /* in command-line order: later ones win */
    char **ov_text;      /* owned copies of "-s" arguments, split at '=' */
    int nov;
    int threads;
    int quiet, summary, dry_run;
    int mute;               /* a rank other than 0 of a job: rank 0 speaks for it */
    nn_log_format log_format;
    const char *history;    /* --history FILE.csv, or NULL */
    const char *plot;       /* --plot FILE.png|FILE.svg, or NULL */
    const char *resume;     /* --resume FILE.nnw, or NULL */
    int checkpoint_every;   /* epochs between checkpoints; 0: none */
} options;

/* Everything one run holds, so one function can release it on every path. */
typedef struct run {
    options opt;
    nn_spec spec;
    nn_model *model;
    nn_dataset train, val, test;
    nn_prep prep;
    nn_trainer *trainer;
    char *output;        /* the weights path actually used (owned) */
    nn_rng shuffle;      /* shuffles the rows and drives dropout; saved in checkpoints */
    nn_history history;  /* every epoch, for --history and --plot */
    nn_dist *dist;       /* the processes of the job: one, unless run by mpirun (dist.h) */
    int rank;            /* this process's: only rank 0 prints and writes files */
    int agreed;          /* the ranks have agreed on how the job ends (see agree) */
    const char *status;  /* how the run ended, for the JSON summary; NULL: it did not start */
    int wrote;           /* a weights file was written by this run: */
    nn_epoch_record written; /* the epoch of its weights and their figures, */
    int written_whole;   /* and whether they are that epoch's end (not a stop inside the next) */
    nn_metrics test_metrics; /* the test set's figures, when evaluated (test_metrics.n > 0) */
} run;

static int fail_usage(const char *msg, const char *arg)
{
    return nn_cli_usage_error("nntrain", msg, arg);
}

/* Whether the log on stdout (epoch lines, the test line, the JSON summary) is printed: -q
 * silences it, but not a JSON log asked for with --log-format json. */
static int logs(const options *o)
{
    return !o->mute && (!o->quiet || o->log_format == NN_LOG_JSON);
}

/* Records one override; origin names it in messages. arg is "KEY=VALUE" for -s, or just the
 * value for a flag that stands for a fixed key. */
static int add_override(options *o, const char *origin, const char *key, const char *arg,
                        nn_err *err)
{
    char *copy = nn_strdup(arg, err);
    size_t label_size = strlen(origin) + strlen(arg) + 2;
    char *label = nn_alloc(label_size, 1, err);
    nn_override *ov = nn_realloc(o->ov, (size_t)o->nov + 1, sizeof *ov, err);
    if (ov)
        o->ov = ov;
    char **texts = nn_realloc(o->ov_text, 2 * ((size_t)o->nov + 1), sizeof(char *), err);
    if (texts)
        o->ov_text = texts;
    if (!copy || !label || !ov || !texts) {
        nn_free(copy);
        nn_free(label);
        return -1;
    }
    const char *value = copy;
    if (!key) { /* -s KEY=VALUE */
        snprintf(label, label_size, "%s %s", origin, arg);
        char *eq = strchr(copy, '=');
        if (!eq || eq == copy) {
            nn_free(copy);
            nn_free(label);
            return nn_fail(err, "-s %s: expected KEY=VALUE", arg);
        }
        *eq = '\0';
        key = copy;
        value = eq + 1;
    } else {
        snprintf(label, label_size, "%s", origin);
    }
    o->ov_text[2 * o->nov] = copy;
    o->ov_text[2 * o->nov + 1] = label;
    o->ov[o->nov++] = (nn_override){label, key, value};
    return 0;
}

static void free_options(options *o)
{
    for (int i = 0; i < 2 * o->nov; i++)
        nn_free(o->ov_text[i]);
    nn_free(o->ov_text);
    nn_free(o->ov);
}

/* Returns -1 to go on, or the exit code to stop with. */
static int parse_options(int argc, char **argv, options *o)
{
    nn_err err;
    long n;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:e:l:b:j:s:qh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'e': rc = add_override(o, "--epochs", "epochs", optarg, &err); break;
        case 'l': rc = add_override(o, "--learning-rate", "learning_rate", optarg, &err); break;
        case 'b': rc = add_override(o, "--batch-size", "batch_size", optarg, &err); break;
        case OPT_SEED: rc = add_override(o, "--seed", "seed", optarg, &err); break;
        case 's': rc = add_override(o, "-s", NULL, optarg, &err); break;
        case 'j':
            rc = nn_cli_int("--threads", optarg, 1, 1024, &n, &err);
            if (rc == 0)
                o->threads = (int)n;
            break;
        case OPT_LOG_FORMAT: {
            int f = nn_hparam_word_index(nn_log_format_names, optarg);
            if (f < 0)
                return fail_usage("--log-format: expected text or json, got", optarg);
            o->log_format = (nn_log_format)f;
            break;
        }
        case OPT_HISTORY: o->history = optarg; break;
        case OPT_PLOT: o->plot = optarg; break;
        case OPT_RESUME: o->resume = optarg; break;
        case OPT_CHECKPOINT:
            rc = nn_cli_int("--checkpoint-every", optarg, 1, INT_MAX, &n, &err);
            if (rc == 0)
                o->checkpoint_every = (int)n;
            break;
        case OPT_SUMMARY: o->summary = 1; break;
        case OPT_DRY_RUN: o->dry_run = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': fputs(usage, stdout); return NN_EXIT_OK;
        case OPT_VERSION: printf("nntrain %s\n", NN_VERSION); return NN_EXIT_OK;
        case ':': return fail_usage("missing value for", argv[optind - 1]);
        default: return nn_cli_bad_option("nntrain", longopts, argv[optind - 1], optopt);
        }
        if (rc < 0) {
            fprintf(stderr, "nntrain: %s\n", err.msg);
            return NN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return fail_usage(optind == argc ? "expected a model file" : "unexpected argument",
                          optind == argc ? NULL : argv[optind + 1]);
    o->model = argv[optind];
    return -1;
}

/* ---- data -------------------------------------------------------------------------------- */

/* Reads one set (CSV, IDX or npy; labels: its labels file or NULL). */
static int load_set(const nn_spec *spec, const char *path, const char *labels,
                    const char *labels_key, int nx, nn_dataset *ds, nn_err *err)
{
    nn_data_opts o = nn_data_opts_from_spec(spec, NN_TARGET_REQUIRED, nx, labels_key);
    return nn_data_read(path, labels, &o, ds, err);
}

/* Loads train, validation and test sets as the spec says, checks their targets against the
 * model, fits preprocessing on train and attaches it to all three (applied batch by batch). */
static int load_data(run *r, nn_err *err)
{
    const nn_spec *spec = &r->spec;
    const nn_data_spec *d = &spec->data;
    int nx = nn_model_input_size(r->model);
    if (!d->train)
        return nn_fail_at(err, (nn_pos){spec->file, 0, 0},
                          "no training data (expected data.train: a CSV, IDX or npy file)");
    if (d->validation_labels && !d->validation_file)
        return nn_fail_at(err, d->validation_labels_pos, "data: validation_labels needs "
                          "validation: PATH (the inputs those labels belong to)");
    if (load_set(spec, d->train, d->train_labels, "data.train_labels", nx, &r->train, err) < 0)
        return -1;
    if (d->validation_file) {
        if (load_set(spec, d->validation_file, d->validation_labels, "data.validation_labels",
                     nx, &r->val, err) < 0)
            return -1;
    } else if (d->validation > 0) {
        nn_rng split;
        nn_rng_seed(&split, (uint64_t)spec->run.seed ^ 0x73706c6974ULL); /* "split" */
        nn_dataset all = r->train;
        memset(&r->train, 0, sizeof r->train);
        int rc = nn_dataset_split(&all, d->validation, &split, &r->train, &r->val, err);
        nn_dataset_destroy(&all);
        if (rc < 0)
            return -1;
    }
    if (d->test && load_set(spec, d->test, d->test_labels, "data.test_labels", nx, &r->test,
                            err) < 0)
        return -1;
    const nn_dataset *sets[] = {&r->train, &r->val, &r->test};
    for (int i = 0; i < 3; i++)
        if (sets[i]->n && nn_check_targets(r->model, sets[i], err) < 0)
            return -1;
    if (nn_prep_fit(&r->prep, d->scale, d->normalize, &r->train, err) < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (sets[i]->n)
            nn_prep_attach(&r->prep, (nn_dataset *)sets[i]);
    return 0;
}

/* ---- the weights file -------------------------------------------------------------------- */

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Refuses an output path that would overwrite an input, or where no file can be written,
 * before any time is spent training. */
static int check_output(const run *r, nn_err *err)
{
    const char *inputs[] = {r->opt.model, r->spec.data.train, r->spec.data.test,
                            r->spec.data.validation_file, r->spec.data.train_labels,
                            r->spec.data.test_labels, r->spec.data.validation_labels};
    for (int i = 0; i < (int)(sizeof inputs / sizeof *inputs); i++)
        if (same_file(r->output, inputs[i]))
            return nn_fail(err, "%s: the weights file would overwrite the input file %s "
                           "(expected another -o path)", r->output, inputs[i]);
    struct stat st;
    if (stat(r->output, &st) == 0 && S_ISDIR(st.st_mode))
        return nn_fail(err, "%s: is a directory (expected a file path for -o)", r->output);
    char *copy = nn_strdup(r->output, err);
    if (!copy)
        return -1;
    const char *dir = dirname(copy);
    errno = 0;
    int found = stat(dir, &st) == 0;
    int saved = errno;
    int ok = found && S_ISDIR(st.st_mode);
    if (!ok && found)
        nn_fail(err, "%s: cannot write there: %s is not a directory", r->output, dir);
    else if (!ok)
        nn_fail(err, "%s: cannot write there: directory %s %s%s", r->output, dir,
                saved == ENOENT ? "does not exist" : "cannot be used: ",
                saved == ENOENT ? "" : strerror(saved));
    nn_free(copy);
    return ok ? nn_atomic_probe(r->output, err) : -1;
}

static int add_meta(nn_meta_entry *meta, int *n, char (*buf)[64], const char *key,
                    const char *fmt, double v)
{
    snprintf(buf[*n], sizeof buf[*n], fmt, v);
    meta[*n].key = (char *)key;
    meta[*n].value = buf[*n];
    (*n)++;
    return 0;
}

/* The figures of an epoch record under the keys the epoch lines use. */
static void add_record_meta(nn_meta_entry *meta, int *nmeta, char (*buf)[64],
                            const nn_epoch_record *rec)
{
    add_meta(meta, nmeta, buf, "loss", "%.9g", rec->loss);
    if (rec->has & NN_RECORD_ACC)
        add_meta(meta, nmeta, buf, "acc", "%.6g", rec->acc);
    if (rec->has & NN_RECORD_VAL)
        add_meta(meta, nmeta, buf, "val_loss", "%.9g", rec->val_loss);
    if (rec->has & NN_RECORD_VAL_ACC)
        add_meta(meta, nmeta, buf, "val_acc", "%.6g", rec->val_acc);
}

/* The best epoch's metadata (best_epoch, best_<monitor>, stopped_epoch). */
static void add_best_meta(const run *r, nn_meta_entry *meta, int *nmeta, char (*buf)[64])
{
    static const char *const best_keys[NN_MONITOR_COUNT] = {"best_val_loss", "best_val_acc",
                                                            "best_loss"};
    double best;
    int stopped;
    int best_epoch = nn_trainer_best(r->trainer, &best, &stopped);
    if (best_epoch > 0) {
        add_meta(meta, nmeta, buf, "best_epoch", "%.0f", best_epoch);
        add_meta(meta, nmeta, buf, best_keys[r->spec.early.monitor], "%.9g", best);
    }
    if (stopped)
        add_meta(meta, nmeta, buf, "stopped_epoch", "%.0f", stopped);
}

/* Writes the weights file: the tensors the trainer keeps (the best epoch's with restore_best),
 * metadata that describes them, and the training state; remembers what it wrote for the run's
 * summary. */
static int write_weights(run *r, nn_err *err)
{
    char *conf = NULL;
    nn_tensor *tensors = NULL;
    int ntensors = 0;
    if (nn_config_emit(&r->spec, &conf, err) < 0 ||
        nn_trainer_tensors(r->trainer, &tensors, &ntensors, err) < 0) {
        nn_free(conf);
        return -1;
    }
    int epoch_end;
    nn_epoch_record kept = nn_trainer_kept(r->trainer, &epoch_end);
    int epochs_done = nn_trainer_epochs_done(r->trainer);
    size_t rows_done = nn_trainer_rows_done(r->trainer);
    nn_meta_entry meta[16];
    char buf[16][64];
    int nmeta = 0;
    add_meta(meta, &nmeta, buf, "epochs_done", "%.0f", epochs_done);
    if (rows_done)
        add_meta(meta, &nmeta, buf, "epoch_rows_done", "%.0f", (double)rows_done);
    add_meta(meta, &nmeta, buf, "seed", "%.0f", r->spec.run.seed);
    add_meta(meta, &nmeta, buf, "threads", "%.0f", r->opt.threads);
    add_meta(meta, &nmeta, buf, "train_rows", "%.0f", (double)r->train.n);
    if (kept.epoch > 0 && epoch_end)
        add_meta(meta, &nmeta, buf, "weights_epoch", "%.0f", kept.epoch);
    if (kept.epoch > 0)
        add_record_meta(meta, &nmeta, buf, &kept);
    add_best_meta(r, meta, &nmeta, buf);
    nn_train_state state;
    nn_trainer_state(r->trainer, &r->shuffle, &state);
    meta[nmeta].key = "nntrain_version";
    meta[nmeta++].value = NN_VERSION;
    nn_weights w = {
        .conf = conf, .tensors = tensors, .ntensors = ntensors, .prep = r->prep,
        .meta = meta, .nmeta = nmeta, .state = &state,
    };
    if (r->train.xnames) { /* so nnpredict can find the input columns by name */
        w.columns = r->train.xnames;
        w.ncolumns = r->train.nx;
    }
    int rc = nn_weights_write(r->output, &w, err);
    nn_free(conf);
    nn_free(tensors);
    if (rc == 0) {
        r->wrote = 1;
        r->written = kept;
        r->written_whole = epoch_end;
    }
    return rc;
}

/* ---- training ---------------------------------------------------------------------------- */

typedef struct epoch_ctx {
    const options *opt;
    run *r;
    nn_progress *bar;     /* the progress bar, when stderr is a terminal; else NULL */
    int history_failed;   /* out of memory recording the history */
} epoch_ctx;

static void on_epoch(const nn_epoch_report *rep, void *ctx)
{
    epoch_ctx *c = ctx;
    if (c->bar)
        nn_progress_clear(c->bar);
    nn_err err;
    if ((c->opt->history || c->opt->plot) && nn_history_add(&c->r->history, rep, &err) < 0)
        c->history_failed = 1;
    if (logs(c->opt))
        nn_report_epoch(stdout, c->opt->log_format, rep);
}

static void on_batch(const nn_batch_report *b, void *ctx)
{
    nn_progress_update(((epoch_ctx *)ctx)->bar, b);
}

/* --checkpoint-every: the weights file (with the training state) and the history, every N
 * epochs. */
static int on_epoch_end(nn_trainer *t, const nn_epoch_report *rep, void *ctx, nn_err *err)
{
    (void)t;
    epoch_ctx *c = ctx;
    int every = c->opt->checkpoint_every;
    if (every <= 0 || rep->epoch % every != 0)
        return 0;
    if (write_weights(c->r, err) < 0)
        return -1;
    if (c->opt->history && nn_history_write(&c->r->history, c->opt->history, err) < 0)
        return -1;
    return 0;
}

/* 0 when the directory of path exists, else -1 naming the option that gave the path. */
static int check_dir(const char *opt, const char *path, nn_err *err)
{
    char *copy = nn_strdup(path, err);
    if (!copy)
        return -1;
    struct stat st;
    const char *dir = dirname(copy);
    int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok)
        nn_fail(err, "%s %s: cannot write there: directory %s does not exist", opt, path, dir);
    nn_free(copy);
    return ok ? 0 : -1;
}

/* Checks made before any time is spent training: --history and --plot can be written, and
 * early stopping has the data its monitor needs. */
static int check_training(const run *r, nn_err *err)
{
    const nn_early_spec *e = &r->spec.early;
    if (r->opt.history && check_dir("--history", r->opt.history, err) < 0)
        return -1;
    if (r->opt.plot && (nn_plot_check(r->opt.plot, err) < 0 ||
                        check_dir("--plot", r->opt.plot, err) < 0))
        return -1;
    const char *key = e->enabled ? "early_stopping" : "restore_best";
    nn_pos pos = e->enabled ? r->spec.early_pos : r->spec.restore_best_pos;
    if (!nn_early_watches(e))
        return 0;
    if (nn_early_needs_val(e) && r->val.n == 0)
        return nn_fail_at(err, pos, "%s: monitor %s needs validation data (expected "
                          "validation: FRACTION or PATH, or monitor: loss)", key,
                          nn_monitor_names[e->monitor]);
    if (e->monitor == NN_MONITOR_VAL_ACC && r->spec.loss->task == NN_TASK_REGRESSION)
        return nn_fail_at(err, pos, "%s: monitor val_acc needs a classification loss "
                          "(expected monitor: val_loss or loss)", key);
    return 0;
}

/* --resume: the weights and training state of the checkpoint, and the rows of the history
 * file for the epochs it has done. */
static int resume(run *r, nn_err *err)
{
    const options *o = &r->opt;
    if (nn_checkpoint_resume(o->resume, &r->spec, &r->prep, r->model, r->trainer, &r->shuffle,
                             err) < 0)
        return -1;
    if (o->history &&
        nn_history_read(&r->history, o->history, nn_trainer_epochs_done(r->trainer), err) < 0)
        return -1;
    return 0;
}

/* The history's columns follow the run (a classifier, validation data), not the epochs it
 * gets through, so a run stopped in its first epoch writes the same header as a whole one. */
static void plan_history(run *r)
{
    r->history.has_acc = r->spec.loss->task != NN_TASK_REGRESSION;
    r->history.has_val = r->val.n > 0;
}

/* --plot, also after a signal: the picture of the epochs done, and where it went (unless -q). */
static int draw_plot(const run *r, nn_err *err)
{
    const options *o = &r->opt;
    if (r->history.n == 0) {
        if (!o->quiet)
            fprintf(stderr, "nntrain: --plot %s: no epoch finished, so nothing was drawn\n",
                    o->plot);
        return 0;
    }
    if (nn_plot_write(o->plot, &r->history, err) < 0)
        return -1;
    if (!o->quiet)
        fprintf(stderr, "nntrain: plot written to %s\n", o->plot);
    return 0;
}

/* After training: the history file and the picture. */
static int write_outputs(run *r, const epoch_ctx *ctx, nn_err *err)
{
    const options *o = &r->opt;
    if (ctx->history_failed)
        return nn_fail(err, "out of memory recording the history of the epochs");
    if (o->history && nn_history_write(&r->history, o->history, err) < 0)
        return -1;
    if (o->plot && draw_plot(r, err) < 0)
        return -1;
    return 0;
}

/* On stderr, unless -q: why the run ended before its last epoch. */
static void report_early_stop(const run *r)
{
    double best;
    int stopped;
    int best_epoch = nn_trainer_best(r->trainer, &best, &stopped);
    if (!stopped || r->opt.quiet)
        return;
    const char *monitor = nn_monitor_names[r->spec.early.monitor];
    int patience = r->spec.early.patience;
    const char *epochs = patience == 1 ? "epoch" : "epochs";
    if (r->spec.early.restore_best)
        fprintf(stderr, "nntrain: early stopping at epoch %d: %s did not improve for %d %s; "
                "keeping the weights of epoch %d (%s=%.6g)\n", stopped, monitor, patience,
                epochs, best_epoch, monitor, best);
    else
        fprintf(stderr, "nntrain: early stopping at epoch %d: %s did not improve for %d %s "
                "since epoch %d (%s=%.6g); keeping the last weights (restore_best: false)\n",
                stopped, monitor, patience, epochs, best_epoch, monitor, best);
}

/* ---- warnings ---------------------------------------------------------------------------- */

/* On stderr, unless -q (which also keeps every rank but 0 silent): training goes on. */
static void print_warning(const run *r, const nn_err *w)
{
    if (!r->opt.quiet)
        fprintf(stderr, "nntrain: warning: %s\n", w->msg);
}

/* A model that did not build, with an input that looks channels last: the likely cause. */
static void explain_build_failure(const nn_spec *spec, nn_err *err)
{
    char advice[NN_ERR_MAX / 2];
    size_t used = strlen(err->msg);
    if (nn_lint_channels_last(spec, advice, sizeof advice))
        snprintf(err->msg + used, sizeof err->msg - used, "; %s", advice);
}

/* What looks wrong in a model that built. */
static void warn_about_model(const run *r)
{
    nn_err w;
    char advice[NN_ERR_MAX / 2];
    if (nn_lint_channels_last(&r->spec, advice, sizeof advice)) {
        nn_fail_at(&w, r->spec.input_pos, "%s", advice);
        print_warning(r, &w);
    }
    if (nn_lint_last_activation(&r->spec, &w))
        print_warning(r, &w);
}

/* What looks wrong in the data, once it is loaded and checked against the model. */
static void warn_about_data(const run *r)
{
    nn_err w;
    const nn_dataset *sets[] = {&r->train, &r->val, &r->test};
    if (nn_lint_classes(&r->spec, nn_model_out_width(r->model), sets, 3, &w))
        print_warning(r, &w);
}

/* ---- the ranks of a job (mpirun -np N nntrain-mpi; dist.h) ------------------------------ */

/* After the options: the default thread count (the cores a rank may use), and on ranks other
 * than 0 nothing to print nor write, since rank 0 speaks and writes for the job. */
static void join_job(run *r)
{
    options *o = &r->opt;
    if (o->threads == 0)
        o->threads = nn_dist_threads(r->dist, nn_cli_cores());
    if (r->rank == 0)
        return;
    o->quiet = 1;
    o->mute = 1;
    o->history = NULL;
    o->plot = NULL;
    o->checkpoint_every = 0;
}

/* What every rank must share before training together, as a hash: the resolved model file,
 * the row counts, the training targets, the preprocessing fitted on the training rows, and the
 * epoch a resume starts from. */
static int fingerprint(const run *r, uint64_t *fp, nn_err *err)
{
    char *conf = NULL;
    if (nn_config_emit(&r->spec, &conf, err) < 0)
        return -1;
    uint64_t h = nn_dist_hash(conf, strlen(conf), 0);
    nn_free(conf);
    size_t n[5] = {r->train.n, r->val.n, r->test.n, (size_t)r->prep.n,
                   (size_t)nn_trainer_epochs_done(r->trainer)};
    h = nn_dist_hash(n, sizeof n, h);
    if (r->train.y)
        h = nn_dist_hash(r->train.y, r->train.n * (size_t)r->train.ny * sizeof(float), h);
    if (r->prep.n > 0) {
        h = nn_dist_hash(r->prep.shift, (size_t)r->prep.n * sizeof(float), h);
        h = nn_dist_hash(r->prep.mul, (size_t)r->prep.n * sizeof(float), h);
    }
    *fp = h;
    return 0;
}

/* The ranks agree on how the job goes on: each gives its exit code (0: ready to train) and all
 * take the highest, so a rank that failed releases the others instead of leaving them waiting
 * in a sum. A failure is reported once: by rank 0, or when rank 0 has none, by each failing
 * rank, naming itself. Alone, this prints err when code is not 0 and returns code. */
static int agree(run *r, int code, uint64_t fp, const nn_err *err)
{
    nn_dist_verdict v = nn_dist_agree(r->dist, code, fp, NN_EXIT_USAGE);
    if (v.differ && r->rank == 0)
        fprintf(stderr, "nntrain: the ranks read different model files, data or --resume "
                "files (expected the same on every machine: each rank reads them itself)\n");
    else if (code != NN_EXIT_OK && err->msg[0] && r->rank == 0)
        fprintf(stderr, "nntrain: %s\n", err->msg);
    else if (code != NN_EXIT_OK && err->msg[0] && v.first_failed != 0)
        fprintf(stderr, "nntrain: rank %d: %s\n", r->rank, err->msg);
    return v.code;
}

/* Before the first step: every rank has its model, data and resume state, and they match. */
static int start_together(run *r, nn_err *err)
{
    uint64_t fp;
    if (fingerprint(r, &fp, err) < 0)
        return NN_EXIT_FAILURE;
    int code = agree(r, NN_EXIT_OK, fp, err);
    r->agreed = code != NN_EXIT_OK; /* then the job ends here, and main must not ask again */
    return code;
}

/* The JSON log's last line: how the run ended (a run that failed before training began too;
 * not --summary, --dry-run, --help or --version, which train nothing). */
static void report_run(const run *r, int code, const nn_err *err)
{
    int trained = r->status != NULL;
    if (!trained && (code == NN_EXIT_OK || !r->opt.model))
        return;
    nn_run_summary s = {
        .status = trained ? r->status : "failed",
        .exit_code = code,
        .epochs_done = r->trainer ? nn_trainer_epochs_done(r->trainer) : 0,
        .weights = r->wrote ? r->output : NULL,
        .rows_done = r->trainer ? nn_trainer_rows_done(r->trainer) : 0,
        .kept = r->written_whole ? &r->written : NULL,
        .test = r->test_metrics.n ? &r->test_metrics : NULL,
        .error = code != NN_EXIT_OK && err->msg[0] && code < 128 ? err->msg : NULL,
    };
    nn_report_run(stdout, &s);
}

static void free_run(run *r)
{
    nn_trainer_free(r->trainer);
    nn_dataset_destroy(&r->train);
    nn_dataset_destroy(&r->val);
    nn_dataset_destroy(&r->test);
    nn_prep_destroy(&r->prep);
    nn_model_free(r->model);
    nn_config_destroy(&r->spec);
    nn_free(r->output);
    nn_history_destroy(&r->history);
    free_options(&r->opt);
}

static int train_and_write(run *r, nn_err *err);

/* Everything after option parsing; returns the exit code. */
static int train_main(run *r, nn_err *err)
{
    const options *o = &r->opt;
    if (nn_config_load(o->model, o->ov, o->nov, &r->spec, err) < 0)
        return NN_EXIT_USAGE;
    nn_cli_set_threads(o->threads);
    r->model = nn_model_build(&r->spec, r->spec.run.batch_size, err);
    if (!r->model) {
        explain_build_failure(&r->spec, err);
        return NN_EXIT_USAGE;
    }
    warn_about_model(r);
    if (o->summary) {
        nn_report_summary(stdout, r->model);
        return NN_EXIT_OK;
    }
    r->output = o->output ? nn_strdup(o->output, err) : nn_cli_default_output(o->model, err);
    if (!r->output)
        return NN_EXIT_FAILURE;
    if ((r->rank == 0 && check_output(r, err) < 0) || load_data(r, err) < 0 ||
        check_training(r, err) < 0)
        return NN_EXIT_USAGE;
    warn_about_data(r);
    plan_history(r);
    if (o->dry_run) {
        if (!o->quiet)
            printf("ok: %zu training rows, %zu validation rows, %zu test rows, "
                   "%zu parameters\n", r->train.n, r->val.n, r->test.n,
                   nn_model_param_count(r->model));
        return NN_EXIT_OK;
    }

    nn_rng init;
    nn_rng_seed(&init, (uint64_t)r->spec.run.seed);
    nn_rng_seed(&r->shuffle, (uint64_t)r->spec.run.seed ^ 0x7368756666ULL); /* "shuff" */
    nn_model_init_params(r->model, &init);
    r->trainer = nn_trainer_new(r->model, &r->spec, &r->train, err);
    if (!r->trainer)
        return NN_EXIT_FAILURE;
    if (nn_trainer_set_dist(r->trainer, r->dist, err) < 0)
        return NN_EXIT_FAILURE;
    if (o->resume && resume(r, err) < 0)
        return NN_EXIT_USAGE;
    int code = start_together(r, err);
    if (code != NN_EXIT_OK)
        return code;
    return train_and_write(r, err);
}

/* The status of the JSON summary for nn_train's result rc. */
static const char *status_of(const run *r, int rc)
{
    double best;
    int stopped;
    nn_trainer_best(r->trainer, &best, &stopped);
    if (rc < 0)
        return nn_trainer_diverged(r->trainer) ? "diverged" : "failed";
    if (rc == 1)
        return "interrupted";
    return stopped ? "early_stopped" : "finished";
}

/* Trains, evaluates the test set and writes the weights file and the other outputs; returns
 * the exit code. */
static int train_and_write(run *r, nn_err *err)
{
    const options *o = &r->opt;
    volatile sig_atomic_t *stop = nn_cli_stop_flag();
    nn_progress bar;
    nn_progress_init(&bar, stderr);
    int show_bar = !o->quiet && isatty(STDERR_FILENO);
    epoch_ctx ctx = {.opt = o, .r = r, .bar = show_bar ? &bar : NULL};
    nn_train_hooks hooks = {show_bar ? on_batch : NULL, on_epoch_end, &ctx};
    nn_trainer_set_hooks(r->trainer, &hooks);
    int done = 0;
    int rc = nn_train(r->trainer, &r->train, r->val.n ? &r->val : NULL, &r->shuffle, on_epoch,
                      &ctx, stop, &done, err);
    if (show_bar)
        nn_progress_clear(&bar);
    r->status = status_of(r, rc);
    if (rc < 0) {
        nn_err ignored; /* the history up to the last good epoch is still worth having */
        if (o->history && !ctx.history_failed)
            (void)nn_history_write(&r->history, o->history, &ignored);
        return NN_EXIT_FAILURE; /* NaN: the last good weights file stays as it was */
    }
    report_early_stop(r);
    if (rc == 0 && r->test.n) {
        r->test_metrics = nn_trainer_evaluate(r->trainer, &r->test, NULL);
        if (logs(o))
            nn_report_test(stdout, o->log_format, &r->test_metrics);
    }
    if ((r->rank == 0 && write_weights(r, err) < 0) || write_outputs(r, &ctx, err) < 0) {
        r->status = "failed";
        return NN_EXIT_FAILURE;
    }
    if (rc == 1) {
        if (r->rank == 0)
            fprintf(stderr, "nntrain: stopped by signal after %d epoch%s; weights written to "
                    "%s\n", done, done == 1 ? "" : "s", r->output);
        return *stop == SIGTERM ? NN_EXIT_SIGTERM : NN_EXIT_SIGINT;
    }
    if (!o->quiet)
        fprintf(stderr, "nntrain: weights written to %s\n", r->output);
    return NN_EXIT_OK;
}

int main(int argc, char **argv)
{
    run r;
    memset(&r, 0, sizeof r);
    nn_err err = {{0}};
    r.dist = nn_dist_init(&argc, &argv, &err);
    if (!r.dist) {
        fprintf(stderr, "nntrain: %s\n", err.msg);
        return NN_EXIT_FAILURE;
    }
    r.rank = nn_dist_rank(r.dist);
    if (r.rank != 0 && !freopen("/dev/null", "w", stdout)) /* rank 0 prints for the job */
        r.opt.quiet = 1;
    int code = parse_options(argc, argv, &r.opt);
    if (code < 0) {
        join_job(&r);
        code = nn_cli_exit_code(train_main(&r, &err), &err);
        if (fflush(stdout) != 0 && code == NN_EXIT_OK) {
            nn_fail(&err, "writing to standard output: %s", strerror(errno));
            code = NN_EXIT_FAILURE;
        }
    }
    if (!r.agreed) /* prints the error, once for the job */
        code = agree(&r, code, 0, &err);
    if (code >= 0 && logs(&r.opt) && r.opt.log_format == NN_LOG_JSON)
        report_run(&r, code, &err);
    free_run(&r);
    nn_dist_finalize(r.dist);
    return code;
}
