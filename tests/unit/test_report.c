/* test_report.c -- what training prints: the epoch line as text and JSON (lr and samples/s
 * included), the progress bar (drawn, throttled, erased), and the history CSV (written
 * atomically, read back for --resume, refused when it is not one). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"
#include "xalloc.h"
#include "testutil.h"

/* What fn wrote to a temporary stream, as a string (static buffer). */
static const char *captured(FILE *f)
{
    static char buf[4096];
    assert_int_equal(fflush(f), 0);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

static nn_epoch_report sample_report(int epoch, int val, int acc)
{
    nn_epoch_report r = {.epoch = epoch, .epochs = 10, .seconds = 1.25, .lr = 0.05,
                         .samples_per_s = 12345.67};
    r.train = (nn_metrics){.loss = 0.4123, .acc = 0.85125, .has_acc = acc, .n = 100};
    r.val = (nn_metrics){.loss = 0.4551, .acc = 0.84, .has_acc = acc, .n = 20};
    r.has_val = val;
    return r;
}

static void test_epoch_line(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nn_epoch_report r = sample_report(3, 1, 1);
    nn_report_epoch(f, NN_LOG_TEXT, &r);
    assert_string_equal(captured(f), "epoch 3/10 loss=0.412300 acc=0.8512 val_loss=0.455100 "
                                     "val_acc=0.8400 time=1.25s\n");
    rewind(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    nn_report_epoch(f, NN_LOG_JSON, &r);
    assert_string_equal(captured(f), "{\"epoch\":3,\"epochs\":10,\"loss\":0.4123,\"acc\":0.85125,"
                                     "\"val_loss\":0.4551,\"val_acc\":0.84,\"lr\":0.05,"
                                     "\"seconds\":1.250000,\"samples_per_s\":12345.7}\n");
    /* regression without validation; a non-finite value becomes null */
    r = sample_report(1, 1, 0);
    r.val.loss = INFINITY;
    rewind(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    nn_report_epoch(f, NN_LOG_JSON, &r);
    assert_string_equal(captured(f), "{\"epoch\":1,\"epochs\":10,\"loss\":0.4123,"
                                     "\"val_loss\":null,\"lr\":0.05,\"seconds\":1.250000,"
                                     "\"samples_per_s\":12345.7}\n");
    fclose(f);
}

static void test_progress(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    nn_progress p;
    nn_progress_init(&p, f);
    nn_progress_clear(&p); /* nothing shown: nothing written */
    assert_string_equal(captured(f), "");
    nn_batch_report b = {.epoch = 2, .epochs = 5, .batch = 30, .batches = 120, .rows = 960,
                         .loss = 0.5, .seconds = 2.0};
    nn_progress_update(&p, &b);
    assert_string_equal(captured(f), "\r\033[Kepoch 2/5 [#####---------------] 30/120  "
                                     "480 samples/s  loss=0.500000  ETA 0:06");
    b.batch = 31;
    nn_progress_update(&p, &b); /* within 0.1 s of the last draw: skipped */
    assert_null(strstr(captured(f), "31/120"));
    nn_progress_clear(&p);
    const char *all = captured(f);
    assert_string_equal(all + strlen(all) - 4, "\r\033[K");
    nn_progress_clear(&p); /* once only */
    assert_string_equal(captured(f), all);
    nanosleep(&(struct timespec){0, 120000000}, NULL);
    b.batch = 120;
    b.seconds = 4000;
    nn_progress_update(&p, &b);
    assert_non_null(strstr(captured(f), "[####################] 120/120"));
    assert_non_null(strstr(captured(f), "ETA 0:00"));
    fclose(f);
}

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = nn_alloc(1, sizeof *f, NULL);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_report.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/h.csv", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    nn_free(f);
    return 0;
}

static void spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_history_roundtrip(void **state)
{
    fixture *f = *state;
    nn_history h = {0};
    nn_err err;
    for (int e = 1; e <= 3; e++) {
        nn_epoch_report r = sample_report(e, 1, 1);
        r.train.loss = 1.0 / e;
        assert_int_equal(nn_history_add(&h, &r, &err), 0);
    }
    assert_int_equal(nn_history_write(&h, f->path, &err), 0);
    assert_string_equal(slurp(f->path),
                        "epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s\n"
                        "1,1,0.85125,0.4551,0.84,0.05,1.250000,12345.7\n"
                        "2,0.5,0.85125,0.4551,0.84,0.05,1.250000,12345.7\n"
                        "3,0.333333333,0.85125,0.4551,0.84,0.05,1.250000,12345.7\n");
    assert_int_equal(nn_test_count_files(f->dir), 1); /* no temporary file left */
    nn_history back = {0};
    assert_int_equal(nn_history_read(&back, f->path, 2, &err), 0);
    assert_int_equal(back.n, 2);
    assert_int_equal(back.rows[1].epoch, 2);
    assert_true(back.rows[1].train.loss == 0.5);
    assert_true(back.rows[1].has_val && back.rows[1].val.has_acc && back.rows[1].train.has_acc);
    assert_true(back.rows[0].val.acc == 0.84 && back.rows[0].lr == 0.05);
    nn_history_destroy(&back);
    nn_history_destroy(&h);

    /* regression without validation: only the columns that apply */
    nn_epoch_report r = sample_report(1, 0, 0);
    assert_int_equal(nn_history_add(&h, &r, &err), 0);
    assert_int_equal(nn_history_write(&h, f->path, &err), 0);
    assert_string_equal(slurp(f->path), "epoch,loss,lr,seconds,samples_per_s\n"
                                        "1,0.4123,0.05,1.250000,12345.7\n");
    assert_int_equal(nn_history_read(&back, f->path, 100, &err), 0);
    assert_int_equal(back.n, 1);
    assert_false(back.rows[0].has_val || back.rows[0].train.has_acc);
    nn_history_destroy(&back);
    nn_history_destroy(&h);

    /* a missing file is no history */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.csv", f->dir);
    assert_int_equal(nn_history_read(&back, missing, 5, &err), 0);
    assert_int_equal(back.n, 0);
    /* a directory that does not exist cannot take one */
    snprintf(missing, sizeof missing, "%s/no/h.csv", f->dir);
    assert_int_equal(nn_history_write(&h, missing, &err), -1);
    assert_non_null(strstr(err.msg, "cannot create the temporary file"));
}

/* The header follows the run's columns (has_acc, has_val), whatever the rows measured: a run
 * stopped before its first epoch writes the header of a whole run. */
static void test_history_columns(void **state)
{
    fixture *f = *state;
    nn_err err;
    static const struct {
        int acc, val;
        const char *header;
    } cases[] = {
        {1, 1, "epoch,loss,acc,val_loss,val_acc,lr,seconds,samples_per_s\n"},
        {1, 0, "epoch,loss,acc,lr,seconds,samples_per_s\n"},
        {0, 1, "epoch,loss,val_loss,lr,seconds,samples_per_s\n"},
        {0, 0, "epoch,loss,lr,seconds,samples_per_s\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nn_history h = {.has_acc = cases[i].acc, .has_val = cases[i].val};
        assert_int_equal(nn_history_write(&h, f->path, &err), 0);
        assert_string_equal(slurp(f->path), cases[i].header);
        nn_epoch_report r = sample_report(1, cases[i].val, cases[i].acc);
        assert_int_equal(nn_history_add(&h, &r, &err), 0);
        assert_int_equal(nn_history_write(&h, f->path, &err), 0);
        assert_int_equal(strncmp(slurp(f->path), cases[i].header, strlen(cases[i].header)), 0);
        nn_history_destroy(&h);
    }
}

static void test_history_refused(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"a,b\n1,2\n", "h.csv:1: not a history file"},
        {"loss,epoch\n1,2\n", "h.csv:1: not a history file"},
        {"epoch,loss,bogus\n", "h.csv:1: not a history file"},
        {"epoch,loss\n1,0.5\n2\n", "h.csv:3: expected 2 numbers"},
        {"epoch,loss\n1,x\n", "h.csv:2: expected 2 numbers"},
        {"epoch,loss\n1,0.5,3\n", "h.csv:2: expected 2 numbers"},
        {"epoch,loss\n0,0.5\n", "h.csv:2: expected 2 numbers"},
        {"epoch,loss\n1,0.5\n3,0.4\n", "h.csv:3: epoch 3 follows epoch 1"},
        {"epoch,loss,lr,seconds,samples_per_s,acc,val_loss,val_acc,loss\n", "not a history"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        spill(f->path, cases[i].text);
        nn_history h = {0};
        nn_err err = {{0}};
        assert_int_equal(nn_history_read(&h, f->path, 10, &err), -1);
        if (!strstr(err.msg, cases[i].expect))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].expect);
        nn_history_destroy(&h);
    }
    spill(f->path, "epoch,loss\r\n1,0.5\r\n2,0.25"); /* CRLF, no final newline */
    nn_history h = {0};
    nn_err err;
    assert_int_equal(nn_history_read(&h, f->path, 10, &err), 0);
    assert_int_equal(h.n, 2);
    assert_true(h.rows[1].train.loss == 0.25);
    nn_history_destroy(&h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_line),
        cmocka_unit_test(test_progress),
        T(test_history_roundtrip),
        T(test_history_columns),
        T(test_history_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
