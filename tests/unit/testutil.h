/* testutil.h -- helpers shared by the unit tests: one temporary directory per test program,
 * made by the group setup and removed with its files by the group teardown, and a writer that
 * puts bytes (plain or gzip-compressed) in a file of that directory. Failures of the helpers
 * fail the running test through cmocka's asserts. */
#ifndef NN_TESTUTIL_H
#define NN_TESTUTIL_H

#include <stddef.h>

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

#endif
