/* testutil.c -- the unit tests' temporary directory and file writer (see testutil.h). The
 * directory name is the one piece of state, set by the group setup and read by the tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

static char dir[64]; /* the mkdtemp() directory of this test program */

int nn_test_dir_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/nntrain_test_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

int nn_test_dir_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    char p[sizeof dir + 264];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    return rmdir(dir);
}

const char *nn_test_dir(void)
{
    return dir;
}

const char *nn_test_write(char *out, size_t size, const char *name, const void *data, size_t len,
                          int gz)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < size);
    if (gz) {
        gzFile g = gzopen(out, "wb6");
        assert_non_null(g);
        if (len > 0)
            assert_int_equal(gzwrite(g, data, (unsigned)len), (int)len);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(out, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
    return out;
}
