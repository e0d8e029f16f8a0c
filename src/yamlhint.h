/* yamlhint.h -- plain advice for the indentation mistakes of hand-written YAML.
 *
 * libyaml stops at a tab or a badly indented line with a parser's words ("found character that
 * cannot start any token", "did not find expected key") and the place where it noticed, which
 * is often not where the mistake is. This module looks at the lines around that place and says
 * what is wrong and what to write instead:
 *   x.yaml:3:1: a tab in the indentation (tabs are not allowed for indentation in YAML, use spaces)
 *   x.yaml:4:2: bad indentation: '- tanh' starts at column 2, but no line above it does (...)
 * It knows nothing of libyaml's types: config.c hands it libyaml's problem and marks. */
#ifndef NN_YAMLHINT_H
#define NN_YAMLHINT_H

#include <stddef.h>

#include "err.h"

/* A syntax error as libyaml reports it, with 1-based lines and columns. */
typedef struct nn_yaml_error {
    const char *problem;    /* "did not find expected key", ... */
    const char *context;    /* "while parsing a block mapping", ..., or NULL */
    int line, col;          /* where libyaml noticed the problem */
    int context_line;       /* where the context starts; 0 without one */
} nn_yaml_error;

/* When e is an indentation mistake this module knows, writes "FILE:LINE:COL: advice" into err
 * (the place of the mistake, which may differ from e's) and returns -1; otherwise returns 0
 * and leaves err alone. text holds the whole file (len bytes), file names it in the message. */
int nn_yamlhint_explain(const char *text, size_t len, const char *file, const nn_yaml_error *e,
                        nn_err *err);

#endif
