/* spec.c -- the words of the model file's enumerated keys; see spec.h. */
#include "spec.h"

const char *const nn_norm_names[] = {"none", "minmax", "standard", NULL};
const char *const nn_header_names[] = {"auto", "yes", "no", NULL};
