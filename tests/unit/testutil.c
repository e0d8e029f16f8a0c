/* testutil.c -- the unit tests' shared helpers (see testutil.h). The temporary directory's
 * name is the one piece of state, set by the group setup and read by the tests. */
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

int nn_test_count_files(const char *dir_path)
{
    DIR *d = opendir(dir_path);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

size_t nn_test_idx(unsigned char *buf, unsigned char type, int ndim, const uint32_t *dims,
                   const void *data, size_t len)
{
    size_t k = 0;
    buf[k++] = 0;
    buf[k++] = 0;
    buf[k++] = type;
    buf[k++] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++) {
        buf[k++] = (unsigned char)(dims[i] >> 24);
        buf[k++] = (unsigned char)(dims[i] >> 16);
        buf[k++] = (unsigned char)(dims[i] >> 8);
        buf[k++] = (unsigned char)dims[i];
    }
    if (len)
        memcpy(buf + k, data, len);
    return k + len;
}

void nn_test_read_fails(nn_test_reader read, const char *path, const char *after)
{
    nn_array a;
    nn_err err = {{0}};
    char want[NN_ERR_MAX];
    assert_int_equal(read(path, 1, &a, &err), -1);
    snprintf(want, sizeof want, "%s: %s", path, after);
    assert_string_equal(err.msg, want);
    assert_null(a.u8);
    assert_null(a.f32);
    assert_int_equal(a.count, 0);
}

void nn_test_read_ok(nn_test_reader read, const char *path, int keep_u8, nn_array *a)
{
    nn_err err = {{0}};
    if (read(path, keep_u8, a, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
}

void nn_test_hparams(const nn_hparam *table, const char *owner, void *blob, va_list ap)
{
    nn_hparam_defaults(table, blob);
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        const nn_hparam *h = nn_hparam_find(table, key);
        assert_non_null(h);
        nn_err err;
        assert_int_equal(nn_hparam_parse(h, blob, owner, value, (nn_pos){"t", 1, 1}, &err), 0);
    }
}
