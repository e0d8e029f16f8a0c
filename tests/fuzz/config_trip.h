/* config_trip.h -- the check fuzz_config.c and fuzz_override.c share. */
#ifndef NN_FUZZ_CONFIG_TRIP_H
#define NN_FUZZ_CONFIG_TRIP_H

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "xalloc.h"

/* Emits spec, parses the text back and emits again: both texts must be equal, so what a
 * weights file stores is what nnpredict rebuilds. */
static inline void config_round_trip(const nn_spec *spec)
{
    nn_err err;
    char *text = NULL, *again = NULL;
    nn_spec back;
    if (nn_config_emit(spec, &text, &err) < 0)
        fuzz_fail("nn_config_emit refused a spec nn_config_parse accepted", &err);
    if (nn_config_parse(text, strlen(text), "emitted", NULL, NULL, 0, &back, &err) < 0) {
        fprintf(stderr, "fuzz: emitted text:\n%s", text);
        fuzz_fail("the emitted config does not parse", &err);
    }
    if (nn_config_emit(&back, &again, &err) < 0)
        fuzz_fail("nn_config_emit refused a re-parsed spec", &err);
    if (strcmp(text, again) != 0) {
        fprintf(stderr, "fuzz: first emit:\n%s\nfuzz: second emit:\n%s", text, again);
        fuzz_fail("emit -> parse -> emit changed the text", NULL);
    }
    nn_config_destroy(&back);
    nn_free(text);
    nn_free(again);
}

/* The checks after one nn_config_parse call that returned rc. */
static inline void config_check(int rc, nn_spec *spec, const nn_err *err)
{
    if (rc < 0) {
        fuzz_check_message(err);
        if (spec->file || spec->layers || spec->nlayers || spec->origins)
            fuzz_fail("a failed parse left a non-empty spec", err);
        return;
    }
    config_round_trip(spec);
    nn_config_destroy(spec);
}

#endif
