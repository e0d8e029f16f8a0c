/* testutil.h -- helpers shared by the unit tests: one temporary directory per test program,
 * made by the group setup and removed with its files by the group teardown, and a writer that
 * puts bytes (plain or gzip-compressed) in a file of that directory; a file counter; IDX
 * images; the two checks of an array reader (idx.c, npy.c); settings blobs from KEY, VALUE
 * pairs. Failures of the helpers fail the running test through cmocka's asserts. */
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "binfile.h"
#include "err.h"
#include "hparam.h"

/* Room for a path in the temporary directory: its name, '/', and a short file name. */
#define NN_TEST_PATH_MAX 256

/* cmocka group setup: makes the directory with mkdtemp("/tmp/nntrain_test_XXXXXX").
 * Returns 0, or -1 when it cannot be made. Pass as cmocka_run_group_tests(tests, setup, ...). */
int nn_test_dir_setup(void **state);

/* cmocka group teardown: unlinks every entry of the directory (no subdirectories expected)
 * and removes it. Returns 0, or -1 when it cannot be opened or removed. */
int nn_test_dir_teardown(void **state);

/* The directory made by nn_test_dir_setup, valid until nn_test_dir_teardown. */
const char *nn_test_dir(void);

/* Writes len bytes of data to the file `name` of the directory, gzip-compressed (level 6)
 * when gz is nonzero, replacing any file of that name. Stores the path in out (size bytes,
 * NN_TEST_PATH_MAX is enough) and returns out. Fails the test when the path does not fit or
 * any write fails. */
const char *nn_test_write(char *out, size_t size, const char *name, const void *data, size_t len,
                          int gz);

/* The entries of the directory dir whose names do not start with '.'. */
int nn_test_count_files(const char *dir);

/* An IDX file in buf, which has room for 4 + 4 * ndim + len bytes: the magic for element type
 * `type` (0x08 uint8, 0x0D float...), the dims big-endian, then len bytes of data. Returns the
 * file's length. */
size_t nn_test_idx(unsigned char *buf, unsigned char type, int ndim, const uint32_t *dims,
                   const void *data, size_t len);

/* An array reader: nn_idx_read or nn_npy_read. */
typedef int (*nn_test_reader)(const char *path, int keep_u8, nn_array *out, nn_err *err);

/* read(path) must fail with exactly "PATH: " + after and leave the array empty. */
void nn_test_read_fails(nn_test_reader read, const char *path, const char *after);

/* read(path, keep_u8) must succeed into *a. */
void nn_test_read_ok(nn_test_reader read, const char *path, int keep_u8, nn_array *a);

/* Fills blob with the defaults of table, then sets each KEY, VALUE pair of ap (strings, up to
 * a NULL key) as the model file would. An unknown key or a refused value fails the test. */
void nn_test_hparams(const nn_hparam *table, const char *owner, void *blob, va_list ap);

#endif
