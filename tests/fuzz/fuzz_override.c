/* fuzz_override.c -- libFuzzer target: the -s KEY=VALUE override path of nn_config_parse.
 *
 * The input is split at NUL bytes: the first part is the model file, each later part (at most
 * MAX_OV) one override. A part with '=' is `-s KEY=VALUE`, split at the first '=' as nntrain
 * does; a part without one stands for a flag that sets a fixed key (-e, -l, -b, --seed), picked
 * by the part's length, with the part as its value. The promises checked are those of
 * fuzz_config.c (config_trip.h): one single-line message and an empty spec on failure, and a
 * stable emit -> parse -> emit round trip on success. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_trip.h"
#include "xalloc.h"

enum { MAX_OV = 8 };

static const char *const flag_keys[] = {"epochs", "learning_rate", "batch_size", "seed"};
static const char *const flag_names[] = {"--epochs", "--learning-rate", "--batch-size",
                                         "--seed"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_override ov[MAX_OV];
    char label[MAX_OV][96];
    int nov = 0;
    /* A NUL-terminated copy, so every part is a C string like argv's. */
    char *buf = nn_alloc(size + 1, 1, NULL);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t base_len = strnlen(buf, size);
    for (size_t pos = base_len + 1; pos <= size && nov < MAX_OV;) {
        char *part = buf + pos;
        size_t len = strlen(part);
        char *eq = strchr(part, '=');
        if (eq) {
            snprintf(label[nov], sizeof label[nov], "-s %s", part);
            *eq = '\0';
            ov[nov] = (nn_override){label[nov], part, eq + 1};
        } else {
            int f = (int)(len % 4);
            snprintf(label[nov], sizeof label[nov], "%s", flag_names[f]);
            ov[nov] = (nn_override){label[nov], flag_keys[f], part};
        }
        nov++;
        pos += len + 1;
    }

    nn_spec spec;
    nn_err err;
    memset(&err, 0, sizeof err);
    int rc = nn_config_parse(buf, base_len, "fuzz.yaml", "models", ov, nov, &spec, &err);
    config_check(rc, &spec, &err);
    nn_free(buf);
    return 0;
}
