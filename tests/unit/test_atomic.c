/* test_atomic.c -- replacing files all at once: content, mode, failures that leave the old file
 * and no temporary file behind, and the probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

static char dir[] = "/tmp/nn_atomic_XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static void read_back(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* No "*.tmp.*" file is left in the directory. */
static void assert_no_temp_files(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
}

static void writes_and_replaces(void **state)
{
    (void)state;
    char path[256], got[64];
    nn_err err;
    path_in_dir(path, sizeof path, "a.txt");
    assert_int_equal(nn_atomic_write(path, "first", 5, &err), 0);
    read_back(path, got, sizeof got);
    assert_string_equal(got, "first");
    assert_int_equal(nn_atomic_write(path, "second", 6, &err), 0);
    read_back(path, got, sizeof got);
    assert_string_equal(got, "second");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(nn_atomic_write(path, "", 0, &err), 0); /* empty content is fine */
    read_back(path, got, sizeof got);
    assert_string_equal(got, "");
    assert_no_temp_files();
}

static void failures_keep_the_old_file(void **state)
{
    (void)state;
    char path[256], sub[256], got[64];
    nn_err err;
    path_in_dir(path, sizeof path, "missing/x.txt");
    assert_int_equal(nn_atomic_write(path, "x", 1, &err), -1);
    assert_non_null(strstr(err.msg, "missing/x.txt: cannot create the temporary file"));
    assert_non_null(strstr(err.msg, "No such file or directory"));

    path_in_dir(sub, sizeof sub, "adir"); /* renaming a file over a directory fails */
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(nn_atomic_write(sub, "x", 1, &err), -1);
    assert_non_null(strstr(err.msg, "cannot rename"));
    assert_no_temp_files();

    path_in_dir(path, sizeof path, "keep.txt");
    assert_int_equal(nn_atomic_write(path, "old", 3, &err), 0);
    char bad[300];
    snprintf(bad, sizeof bad, "%s/sub", path); /* a path under a regular file */
    assert_int_equal(nn_atomic_write(bad, "new", 3, &err), -1);
    read_back(path, got, sizeof got);
    assert_string_equal(got, "old");
    assert_no_temp_files();
}

static void probe_finds_unwritable_places(void **state)
{
    (void)state;
    char path[256];
    nn_err err;
    path_in_dir(path, sizeof path, "ok.nnw");
    assert_int_equal(nn_atomic_probe(path, &err), 0);
    assert_int_equal(access(path, F_OK), -1); /* the probe leaves nothing */
    assert_no_temp_files();
    path_in_dir(path, sizeof path, "nodir/ok.nnw");
    assert_int_equal(nn_atomic_probe(path, &err), -1);
    assert_non_null(strstr(err.msg, "cannot write there"));
    assert_int_equal(nn_atomic_probe("/proc/nn_atomic_probe.nnw", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_and_replaces),
        cmocka_unit_test(failures_keep_the_old_file),
        cmocka_unit_test(probe_finds_unwritable_places),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
