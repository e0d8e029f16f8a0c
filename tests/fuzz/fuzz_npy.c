/* fuzz_npy.c -- libFuzzer target: the .npy reader (nn_npy_read), plain or gzip-compressed.
 *
 * The bytes are the file. It is read twice, keeping uint8 data as bytes and converting it to
 * float; the promises checked are in array_check.h. */
#include "array_check.h"
#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    array_check(nn_npy_read, data, size);
    return 0;
}
