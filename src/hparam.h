/* hparam.h -- tables of accepted keys, turned into typed, range-checked struct fields.
 *
 * A layer, loss or optimizer describes the keys it accepts with a {0}-ended nn_hparam table; its
 * settings live in a plain struct ("blob") whose fields the table locates by offset. config.c
 * hands each YAML key and value text here; the owner of the struct only ever reads the filled
 * fields. The same tables print the settings (--info, the weights file's config) and list the
 * valid keys in error messages.
 *
 * Field types by kind: NN_HP_INT, NN_HP_BOOL and NN_HP_CHOICE store an `int` (a choice stores
 * the index of the word in `choices`); NN_HP_FLOAT stores a `double`. NN_HP_INT_OR_WORD takes
 * either one of `choices` or an integer in its range (`padding: same` or `padding: 2`) and
 * stores an `int`: word i as -(i + 1), an integer as itself; its range must have min >= 0, so
 * the two never meet (its `def` may be a word: -1 is the first). */
#ifndef NN_HPARAM_H
#define NN_HPARAM_H

#include <stddef.h>

#include "err.h"

typedef enum nn_hp_kind {
    NN_HP_INT,
    NN_HP_FLOAT,
    NN_HP_BOOL,
    NN_HP_CHOICE,
    NN_HP_INT_OR_WORD,
} nn_hp_kind;

enum {
    NN_HP_REQUIRED = 1, /* must be given */
    NN_HP_MAIN = 2,     /* the target of the scalar shorthand `- dense: 3` */
    NN_HP_OPEN_MIN = 4, /* value must be > min rather than >= min */
};

typedef struct nn_hparam {
    const char *key;
    nn_hp_kind kind;
    size_t offset;
    unsigned flags;
    double def, min, max;        /* min == max == 0 (and no OPEN_MIN): no range check;
                                  * max <= min: no upper bound */
    const char *const *choices;  /* NN_HP_CHOICE, NN_HP_INT_OR_WORD: NULL-ended words */
    const char *help;            /* one line for --help style listings and error hints */
} nn_hparam;

/* Sets every field of blob to its default. */
void nn_hparam_defaults(const nn_hparam *table, void *blob);

/* The entry for key, or NULL. */
const nn_hparam *nn_hparam_find(const nn_hparam *table, const char *key);

/* The entry flagged NN_HP_MAIN, or NULL. */
const nn_hparam *nn_hparam_main(const nn_hparam *table);

/* Parses `value` strictly for entry h and stores it in blob. On error writes
 * "<pos>: <owner>: <key>: expected <what>, got '<value>'" and returns -1.
 * Booleans accept true/false/yes/no/on/off/1/0; integers and floats go through strtol/strtod
 * with an end pointer and the range check. */
int nn_hparam_parse(const nn_hparam *h, void *blob, const char *owner, const char *value,
                    nn_pos pos, nn_err *err);

/* Writes "unknown key 'k' for OWNER (expected one of: a, b, c)" at pos. Returns -1. */
int nn_hparam_unknown(const nn_hparam *table, const char *owner, const char *key, nn_pos pos,
                      nn_err *err);

/* Writes "a, b, c" (the table's keys) into buf. */
void nn_hparam_list_keys(const nn_hparam *table, char *buf, size_t size);

/* Writes "a, b, c" (a NULL-ended word list) into buf. */
void nn_hparam_list_words(const char *const *words, char *buf, size_t size);

/* Index of word in words, or -1. */
int nn_hparam_word_index(const char *const *words, const char *word);

/* Formats the field of entry h as YAML-safe text ("3", "0.1", "true", "he") into buf; floats
 * use the shortest %.Ng (N <= 17) that reads back exactly. */
void nn_hparam_format(const nn_hparam *h, const void *blob, char *buf, size_t size);

/* Typed access to the field of entry h in blob. */
int nn_hparam_get_int(const nn_hparam *h, const void *blob);
double nn_hparam_get_float(const nn_hparam *h, const void *blob);

#endif
