/* report.c -- formats what training prints; see report.h. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "xalloc.h"

const char *const nn_log_format_names[] = {"text", "json", NULL};

/* ,"key":value, or null for a value JSON cannot hold (NaN, infinity). */
static void json_number(FILE *out, const char *key, const char *fmt, double v)
{
    fprintf(out, ",\"%s\":", key);
    if (isfinite(v))
        fprintf(out, fmt, v);
    else
        fputs("null", out);
}

void nn_report_epoch(FILE *out, nn_log_format fmt, const nn_epoch_report *r)
{
    if (fmt == NN_LOG_JSON) {
        fprintf(out, "{\"epoch\":%d,\"epochs\":%d,\"loss\":%.9g", r->epoch, r->epochs,
                r->train.loss);
        if (r->train.has_acc)
            fprintf(out, ",\"acc\":%.6g", r->train.acc);
        if (r->has_val) {
            json_number(out, "val_loss", "%.9g", r->val.loss);
            if (r->val.has_acc)
                json_number(out, "val_acc", "%.6g", r->val.acc);
        }
        json_number(out, "lr", "%.9g", r->lr);
        fprintf(out, ",\"seconds\":%.6f", r->seconds);
        json_number(out, "samples_per_s", "%.1f", r->samples_per_s);
        fputs("}\n", out);
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

/* A JSON string: quotes, backslashes and control bytes escaped; other bytes as they are. */
static void json_string(FILE *out, const char *s)
{
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            putc(*p, out);
    }
    putc('"', out);
}

void nn_report_run(FILE *out, const nn_run_summary *s)
{
    fputs("{\"status\":", out);
    json_string(out, s->status);
    fprintf(out, ",\"exit_code\":%d,\"epochs_done\":%d", s->exit_code, s->epochs_done);
    if (s->rows_done)
        fprintf(out, ",\"epoch_rows_done\":%zu", s->rows_done);
    fputs(",\"weights\":", out);
    if (s->weights)
        json_string(out, s->weights);
    else
        fputs("null", out);
    const nn_epoch_record *k = s->weights ? s->kept : NULL;
    if (k && k->epoch > 0) {
        fprintf(out, ",\"weights_epoch\":%d", k->epoch);
        json_number(out, "loss", "%.9g", k->loss);
        if (k->has & NN_RECORD_ACC)
            json_number(out, "acc", "%.6g", k->acc);
        if (k->has & NN_RECORD_VAL)
            json_number(out, "val_loss", "%.9g", k->val_loss);
        if (k->has & NN_RECORD_VAL_ACC)
            json_number(out, "val_acc", "%.6g", k->val_acc);
    }
    if (s->test) {
        json_number(out, "test_loss", "%.9g", s->test->loss);
        if (s->test->has_acc)
            json_number(out, "test_acc", "%.6g", s->test->acc);
        fprintf(out, ",\"test_rows\":%zu", s->test->n);
    }
    if (s->error) {
        fputs(",\"error\":", out);
        json_string(out, s->error);
    }
    fputs("}\n", out);
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

/* ---- progress bar ------------------------------------------------------------------------ */

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void nn_progress_init(nn_progress *p, FILE *out)
{
    p->out = out;
    p->shown = 0;
    p->last_draw = -1;
}

/* "1:02:03" or "2:03" for a number of seconds. */
static void format_eta(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 359999) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

void nn_progress_update(nn_progress *p, const nn_batch_report *b)
{
    enum { BAR = 20 };
    double now = monotonic_seconds();
    if (p->last_draw >= 0 && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    char bar[BAR + 1], eta[32];
    long filled = b->batches > 0 ? b->batch * BAR / b->batches : 0;
    for (int i = 0; i < BAR; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[BAR] = '\0';
    double rate = b->seconds > 0 ? (double)b->rows / b->seconds : 0;
    double left = b->batch > 0 ? b->seconds / (double)b->batch * (double)(b->batches - b->batch)
                               : -1;
    format_eta(left, eta, sizeof eta);
    fprintf(p->out, "\r\033[Kepoch %d/%d [%s] %ld/%ld  %.0f samples/s  loss=%.6f  ETA %s",
            b->epoch, b->epochs, bar, b->batch, b->batches, rate, b->loss, eta);
    fflush(p->out);
    p->shown = 1;
}

void nn_progress_clear(nn_progress *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->shown = 0;
}

/* ---- history ----------------------------------------------------------------------------- */

int nn_history_add(nn_history *h, const nn_epoch_report *r, nn_err *err)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        nn_epoch_report *rows = nn_realloc(h->rows, (size_t)cap, sizeof *rows, err);
        if (!rows)
            return -1;
        h->rows = rows;
        h->cap = cap;
    }
    h->rows[h->n++] = *r;
    return 0;
}

void nn_history_destroy(nn_history *h)
{
    nn_free(h->rows);
    memset(h, 0, sizeof *h);
}

/* The columns a history file may have, in the order they are written. */
enum { COL_EPOCH, COL_LOSS, COL_ACC, COL_VAL_LOSS, COL_VAL_ACC, COL_LR, COL_SECONDS, COL_RATE,
       NCOL };
static const char *const columns[NCOL] = {"epoch", "loss", "acc", "val_loss", "val_acc",
                                          "lr", "seconds", "samples_per_s"};

/* Which columns h needs: acc and val_* only when the run has them or some row does. */
static void used_columns(const nn_history *h, int *use)
{
    for (int c = 0; c < NCOL; c++)
        use[c] = 1;
    use[COL_ACC] = h->has_acc;
    use[COL_VAL_LOSS] = use[COL_VAL_ACC] = h->has_val;
    use[COL_VAL_ACC] &= h->has_acc;
    for (int i = 0; i < h->n; i++) {
        const nn_epoch_report *r = &h->rows[i];
        use[COL_ACC] |= r->train.has_acc;
        use[COL_VAL_LOSS] |= r->has_val;
        use[COL_VAL_ACC] |= r->has_val && r->val.has_acc;
    }
}

static void put_field(FILE *f, const nn_epoch_report *r, int c)
{
    switch (c) {
    case COL_EPOCH: fprintf(f, "%d", r->epoch); break;
    case COL_LOSS: fprintf(f, "%.9g", r->train.loss); break;
    case COL_ACC:
        if (r->train.has_acc)
            fprintf(f, "%.6g", r->train.acc);
        break;
    case COL_VAL_LOSS:
        if (r->has_val)
            fprintf(f, "%.9g", r->val.loss);
        break;
    case COL_VAL_ACC:
        if (r->has_val && r->val.has_acc)
            fprintf(f, "%.6g", r->val.acc);
        break;
    case COL_LR: fprintf(f, "%.9g", r->lr); break;
    case COL_SECONDS: fprintf(f, "%.6f", r->seconds); break;
    default: fprintf(f, "%.1f", r->samples_per_s); break;
    }
}

int nn_history_write(const nn_history *h, const char *path, nn_err *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return nn_fail_io(err, path, "cannot format", errno);
    int use[NCOL], first = 1;
    used_columns(h, use);
    for (int c = 0; c < NCOL; c++) {
        if (use[c]) {
            fprintf(f, "%s%s", first ? "" : ",", columns[c]);
            first = 0;
        }
    }
    fputc('\n', f);
    for (int i = 0; i < h->n; i++) {
        first = 1;
        for (int c = 0; c < NCOL; c++) {
            if (!use[c])
                continue;
            if (!first)
                fputc(',', f);
            put_field(f, &h->rows[i], c);
            first = 0;
        }
        fputc('\n', f);
    }
    int rc;
    if (ferror(f) | (fclose(f) != 0)) /* both run: fclose releases the stream either way */
        rc = nn_fail(err, "%s: out of memory formatting the history", path);
    else
        rc = nn_atomic_write(path, text, len, err);
    nn_free(text); /* open_memstream's buffer comes from malloc, which nn_free releases */
    return rc;
}

/* Splits line (its newline removed) at commas into at most max fields, in place. */
static int split_fields(char *line, char **field, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        if (n == max)
            return max + 1;
        field[n++] = p;
        p = strchr(p, ',');
        if (!p)
            return n;
        *p = '\0';
    }
}

/* Parses one row of a history file into r, given the file's columns. */
static int parse_row(char **field, const int *col, int n, nn_epoch_report *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        if (col[i] == COL_EPOCH) {
            long e = strtol(field[i], &end, 10);
            if (errno || end == field[i] || *end || e < 1 || e > 2147483647L)
                return -1;
            r->epoch = (int)e;
            continue;
        }
        if (!field[i][0] && (col[i] == COL_ACC || col[i] == COL_VAL_LOSS ||
                             col[i] == COL_VAL_ACC))
            continue; /* not measured in that epoch */
        double v = strtod(field[i], &end);
        if (errno == ERANGE || end == field[i] || *end)
            return -1;
        switch (col[i]) {
        case COL_LOSS: r->train.loss = v; break;
        case COL_ACC: r->train.acc = v; r->train.has_acc = 1; break;
        case COL_VAL_LOSS: r->val.loss = v; r->has_val = 1; break;
        case COL_VAL_ACC: r->val.acc = v; r->val.has_acc = 1; break;
        case COL_LR: r->lr = v; break;
        case COL_SECONDS: r->seconds = v; break;
        default: r->samples_per_s = v; break;
        }
    }
    return r->epoch ? 0 : -1;
}

/* Reads the whole of a small text file into a NUL-terminated buffer (nn_free). A missing file
 * gives NULL and no error. */
static char *read_text(const char *path, nn_err *err, int *missing)
{
    enum { MAX_HISTORY = 64 << 20 };
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) {
            *missing = 1;
            return NULL;
        }
        nn_fail_io(err, path, "cannot open", errno);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = nn_alloc(cap, 1, err);
    while (buf) {
        if (len + 1 == cap) {
            if (cap > MAX_HISTORY) {
                nn_fail(err, "%s: larger than %d MiB (expected a history file)", path,
                        MAX_HISTORY >> 20);
                break;
            }
            char *bigger = nn_realloc(buf, cap * 2, 1, err);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                nn_fail_io(err, path, "cannot read", errno);
                break;
            }
            buf[len] = '\0';
            fclose(f);
            if (memchr(buf, '\0', len)) {
                nn_free(buf);
                nn_fail(err, "%s: NUL byte (expected a history file)", path);
                return NULL;
            }
            return buf;
        }
    }
    nn_free(buf);
    fclose(f);
    return NULL;
}

int nn_history_read(nn_history *h, const char *path, int upto, nn_err *err)
{
    int missing;
    char *text = read_text(path, err, &missing);
    if (!text)
        return missing ? 0 : -1;
    long lineno = 0;
    int col[NCOL], ncol = 0, rc = 0;
    for (char *line = text, *next; rc == 0 && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        lineno++;
        char *field[NCOL];
        int n = split_fields(line, field, NCOL);
        if (lineno == 1) {
            for (int i = 0; i < n && i < NCOL && rc == 0; i++) {
                int c = 0;
                while (c < NCOL && strcmp(field[i], columns[c]) != 0)
                    c++;
                col[i] = c;
                if (c == NCOL || (i == 0) != (c == COL_EPOCH))
                    rc = -1;
            }
            ncol = n;
            if (rc < 0 || n > NCOL)
                rc = nn_fail(err, "%s:1: not a history file of nntrain (expected the header "
                             "epoch,loss,...)", path);
            continue;
        }
        nn_epoch_report r;
        if (n != ncol || parse_row(field, col, n, &r) < 0) {
            rc = nn_fail(err, "%s:%ld: expected %d numbers as in the header", path, lineno,
                         ncol);
            break;
        }
        if (r.epoch > upto)
            break;
        if (r.epoch != h->n + 1) {
            rc = nn_fail(err, "%s:%ld: epoch %d follows epoch %d (expected %d)", path, lineno,
                         r.epoch, h->n, h->n + 1);
            break;
        }
        rc = nn_history_add(h, &r, err);
    }
    nn_free(text);
    return rc;
}
