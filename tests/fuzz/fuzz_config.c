/* fuzz_config.c -- libFuzzer target: the model file parser (nn_config_parse) on raw bytes.
 *
 * The bytes are the model file, as nntrain reads it (data paths resolve against "models").
 * Promises checked (config_trip.h): a failure leaves one single-line message and an empty
 * spec; a spec that parses is emitted by nn_config_emit as text that parses back to a spec
 * that emits the very same text. */
#include <stdint.h>
#include <string.h>

#include "config_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_spec spec;
    nn_err err;
    memset(&err, 0, sizeof err);
    int rc = nn_config_parse((const char *)data, size, "fuzz.yaml", "models", NULL, 0, &spec,
                             &err);
    config_check(rc, &spec, &err);
    return 0;
}
