/* config.c -- the model file (YAML) and -s overrides -> nn_spec; see config.h.
 *
 * The only file that includes <yaml.h>. Reading happens in three steps:
 *   1. libyaml's event stream becomes a small tree of nodes (map, sequence, scalar), each with
 *      its position. Anchors, aliases and tags, more than one document, duplicate keys, NUL
 *      characters and absurd sizes (file, depth, node count) are refused here.
 *   2. Each override (-s KEY=VALUE, and the flags that stand for one) is applied to that tree:
 *      its value is parsed as YAML into a tree of its own, whose nodes carry the override's
 *      label as their file and no line, and is put at the dotted path.
 *   3. The final tree is checked and turned into the spec, once, so an override is checked
 *      exactly like the same key written in the file.
 * Every scalar setting goes through hparam.c, with the registries' tables for layers and
 * optimizers and the tables below for the top-level and data keys.
 *
 * Paths under data: (and a validation file) are joined to the model file's directory unless
 * absolute; paths that come from an override are kept as written, so they resolve against the
 * working directory. Nothing here opens a data file or checks that a path exists.
 *
 * nn_config_emit writes the canonical form of a spec (every top-level key, every layer with all
 * its keys, strings double-quoted), which this file reads back to an equal spec. */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "hparam.h"
#include "xalloc.h"
#include "yamlhint.h"

/* Limits that keep a hostile file from using unbounded time or memory. No real model file
 * comes near them. */
enum {
    MAX_FILE = 16 << 20,      /* bytes in a model file */
    MAX_DEPTH = 64,           /* nested maps and sequences */
    MAX_NODES = 1 << 20,      /* maps, sequences and scalars in one document */
    MAX_MAP_KEYS = 1024,      /* keys in one map */
    MAX_LAYERS = 100000,      /* items under layers: */
    MAX_STEPS = 32,           /* steps in an override's dotted key */
    MAX_DIM = 1 << 24,        /* one dimension of input: */
};

_Static_assert(sizeof(nn_header) == sizeof(int) && sizeof(nn_norm) == sizeof(int),
               "hparam.c stores choices as int");

/* ---- the node tree ------------------------------------------------------------------------ */

typedef enum node_kind { N_SCALAR, N_SEQ, N_MAP } node_kind;

typedef struct node {
    node_kind kind;
    int plain;            /* scalar written without quotes */
    int from_override;    /* came from an override's value: paths resolve against the cwd */
    nn_pos pos;
    char *text;           /* scalar: its text, NUL-terminated (never contains NUL) */
    struct node **kid;    /* sequence: items; map: key, value, key, value, ... */
    int nkid, cap;
} node;

static void node_free(node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nkid; i++)
        node_free(n->kid[i]);
    nn_free(n->kid);
    nn_free(n->text);
    nn_free(n);
}

static node *node_new(node_kind kind, nn_pos pos, int from_override, nn_err *err)
{
    node *n = nn_alloc(1, sizeof *n, err);
    if (!n)
        return NULL;
    n->kind = kind;
    n->pos = pos;
    n->from_override = from_override;
    return n;
}

static node *scalar_new(const char *text, size_t len, int plain, nn_pos pos, int from_override,
                        nn_err *err)
{
    node *n = node_new(N_SCALAR, pos, from_override, err);
    if (!n)
        return NULL;
    n->plain = plain;
    n->text = nn_strndup(text, len, err);
    if (!n->text) {
        nn_free(n);
        return NULL;
    }
    return n;
}

/* Appends child to n's kids; on failure child still belongs to the caller. */
static int node_add(node *n, node *child, nn_err *err)
{
    if (n->nkid == n->cap) {
        int cap = n->cap ? 2 * n->cap : 4;
        node **kid = nn_realloc(n->kid, (size_t)cap, sizeof *kid, err);
        if (!kid)
            return -1;
        n->kid = kid;
        n->cap = cap;
    }
    n->kid[n->nkid++] = child;
    return 0;
}

/* A plain empty scalar: YAML's null, as in `data:` with nothing after it. */
static int is_null(const node *n)
{
    return n->kind == N_SCALAR && n->plain && n->text[0] == '\0';
}

/* The value node for key in map n, or NULL. */
static node **map_slot(node *n, const char *key)
{
    for (int i = 0; i + 1 < n->nkid; i += 2)
        if (strcmp(n->kid[i]->text, key) == 0)
            return &n->kid[i + 1];
    return NULL;
}

static node *map_get(node *n, const char *key)
{
    node **slot = map_slot(n, key);
    return slot ? *slot : NULL;
}

static const char *kind_name(const node *n)
{
    return n->kind == N_MAP ? "a map" : n->kind == N_SEQ ? "a sequence" : "a scalar";
}

/* Copies text into buf for a message: printable ASCII as is, other bytes as \xNN, cut with
 * "..." when long, so a hostile key or value cannot flood or garble the message. */
static const char *shown(const char *text, char *buf, size_t size)
{
    size_t used = 0, i;
    buf[0] = '\0';
    for (i = 0; text[i] && i < 60; i++) {
        unsigned char c = (unsigned char)text[i];
        int w = c >= 0x20 && c < 0x7f ? snprintf(buf + used, size - used, "%c", c)
                                       : snprintf(buf + used, size - used, "\\x%02x", c);
        if (w < 0 || (size_t)w >= size - used)
            return buf;
        used += (size_t)w;
    }
    if (text[i] && used + 4 < size)
        memcpy(buf + used, "...", 4);
    return buf;
}

/* ---- YAML text -> tree -------------------------------------------------------------------- */

typedef struct source {
    const char *text;
    size_t len;
    const char *file;   /* the name positions carry */
    int from_override;  /* 1: positions carry no line; the text is an override's value */
} source;

static nn_pos mark_pos(const source *s, yaml_mark_t m)
{
    nn_pos pos = {s->file, 0, 0};
    if (!s->from_override) {
        pos.line = m.line < INT_MAX ? (int)m.line + 1 : INT_MAX;
        pos.col = m.column < INT_MAX ? (int)m.column + 1 : INT_MAX;
    }
    return pos;
}

/* libyaml's reader reports a byte offset; count lines up to it. */
static nn_pos offset_pos(const source *s, size_t offset)
{
    nn_pos pos = {s->file, 0, 0};
    if (s->from_override)
        return pos;
    if (offset > s->len)
        offset = s->len;
    size_t line = 1, start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (s->text[i] == '\n') {
            line++;
            start = i + 1;
        }
    }
    pos.line = line < INT_MAX ? (int)line : INT_MAX;
    pos.col = offset - start < INT_MAX ? (int)(offset - start) + 1 : INT_MAX;
    return pos;
}

/* A tab or a badly indented line, in plain words (yamlhint.c): -1 with err when recognised. */
static int explain_indentation(const source *s, const yaml_parser_t *p, nn_err *err)
{
    nn_pos at = mark_pos(s, p->problem_mark);
    nn_yaml_error e = {p->problem, p->context, at.line, at.col,
                       p->context ? mark_pos(s, p->context_mark).line : 0};
    return nn_yamlhint_explain(s->text, s->len, s->file, &e, err);
}

static int syntax_error(const source *s, const yaml_parser_t *p, nn_err *err)
{
    const char *problem = p->problem ? p->problem : "unreadable input";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return nn_fail(err, "%s: out of memory while reading YAML", s->file);
    case YAML_READER_ERROR:
        if (p->problem_value != -1)
            return nn_fail_at(err, offset_pos(s, p->problem_offset),
                              "invalid YAML: %s (character 0x%02X)", problem,
                              (unsigned)p->problem_value);
        return nn_fail_at(err, offset_pos(s, p->problem_offset), "invalid YAML: %s", problem);
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
        if (!s->from_override && explain_indentation(s, p, err) < 0)
            return -1;
        if (p->context && !s->from_override)
            return nn_fail_at(err, mark_pos(s, p->problem_mark),
                              "invalid YAML: %s (%s at line %zu, column %zu)", problem,
                              p->context, p->context_mark.line + 1, p->context_mark.column + 1);
        if (p->context)
            return nn_fail_at(err, mark_pos(s, p->problem_mark), "invalid YAML: %s (%s)",
                              problem, p->context);
        return nn_fail_at(err, mark_pos(s, p->problem_mark), "invalid YAML: %s", problem);
    default:
        return nn_fail(err, "%s: invalid YAML", s->file);
    }
}

/* Refuses what this format does not use: anchors (so a "billion laughs" file cannot grow) and
 * tags (a value means what its key says, never what a tag says). */
static int check_props(const yaml_char_t *anchor, const yaml_char_t *tag, nn_pos pos,
                       nn_err *err)
{
    if (anchor)
        return nn_fail_at(err, pos, "YAML aliases and anchors are not supported");
    if (tag)
        return nn_fail_at(err, pos, "YAML tags are not supported (write the plain value)");
    return 0;
}

/* Hangs n under the innermost open collection (or makes it the root). In a map, every other
 * child is a key, which must be a scalar and new. */
static int attach(const source *s, node **stack, int depth, node **root, node *n, nn_err *err)
{
    char buf[256];
    if (depth == 0) {
        *root = n;
        return 0;
    }
    node *parent = stack[depth - 1];
    if (parent->kind == N_MAP && parent->nkid % 2 == 0) {
        if (n->kind != N_SCALAR)
            return nn_fail_at(err, n->pos, "expected a key (a scalar), got %s", kind_name(n));
        if (parent->nkid / 2 >= MAX_MAP_KEYS)
            return nn_fail_at(err, n->pos, "too many keys in one map (at most %d)",
                              MAX_MAP_KEYS);
        for (int i = 0; i < parent->nkid; i += 2) {
            const node *k = parent->kid[i];
            if (strcmp(k->text, n->text) != 0)
                continue;
            if (k->pos.line > 0 && !s->from_override)
                return nn_fail_at(err, n->pos, "duplicate key '%s' (first given at line %d)",
                                  shown(n->text, buf, sizeof buf), k->pos.line);
            return nn_fail_at(err, n->pos, "duplicate key '%s'",
                              shown(n->text, buf, sizeof buf));
        }
    }
    return node_add(parent, n, err);
}

/* Parses s into a tree. *out is NULL when the text holds no document at all. */
static int build_tree(const source *s, node **out, nn_err *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    node *stack[MAX_DEPTH];
    node *root = NULL;
    int depth = 0, docs = 0, done = 0, rc = -1;
    long count = 0;

    *out = NULL;
    if (!yaml_parser_initialize(&parser))
        return nn_fail(err, "%s: out of memory while reading YAML", s->file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, s->len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(s, &parser, err);
            goto out;
        }
        nn_pos pos = mark_pos(s, ev.start_mark);
        node *n = NULL;
        int ok = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = ok = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                nn_fail_at(err, pos, "a second YAML document starts here (expected one)");
            else
                ok = 1;
            break;
        case YAML_ALIAS_EVENT:
            nn_fail_at(err, pos, "YAML aliases and anchors are not supported");
            break;
        case YAML_SCALAR_EVENT:
            if (check_props(ev.data.scalar.anchor, ev.data.scalar.tag, pos, err) < 0)
                break;
            if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
                nn_fail_at(err, pos, "a NUL character in a value is not allowed");
                break;
            }
            n = scalar_new((const char *)ev.data.scalar.value, ev.data.scalar.length,
                           ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, pos,
                           s->from_override, err);
            ok = n != NULL;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            int seq = ev.type == YAML_SEQUENCE_START_EVENT;
            if (check_props(seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor,
                            seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag, pos,
                            err) < 0)
                break;
            if (depth >= MAX_DEPTH) {
                nn_fail_at(err, pos, "maps and sequences nested deeper than %d levels",
                           MAX_DEPTH);
                break;
            }
            n = node_new(seq ? N_SEQ : N_MAP, pos, s->from_override, err);
            ok = n != NULL;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            ok = 1;
            break;
        default:
            ok = 1;
            break;
        }
        yaml_event_delete(&ev);
        if (!ok)
            goto out;
        if (!n)
            continue;
        if (++count > MAX_NODES) {
            node_free(n);
            nn_fail_at(err, pos, "too many YAML nodes (at most %d)", MAX_NODES);
            goto out;
        }
        if (attach(s, stack, depth, &root, n, err) < 0) {
            if (root != n)
                node_free(n);
            goto out;
        }
        if (n->kind != N_SCALAR)
            stack[depth++] = n;
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    node_free(root);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- the tables of keys ------------------------------------------------------------------- */

static const char *const top_keys[] = {
    "input", "layers", "loss", "optimizer", "epochs", "learning_rate", "batch_size", "seed",
    "shuffle", "init", "weight_decay", "clip_norm", "lr_schedule", "early_stopping",
    "restore_best", "validation", "data", NULL,
};

static const char *const data_keys[] = {
    "train", "test", "target", "inputs", "header", "scale", "normalize", "train_labels",
    "test_labels", "validation_labels", NULL,
};

/* The top-level scalars, parsed straight into nn_run_spec. */
static const nn_hparam run_hparams[] = {
    {"epochs", NN_HP_INT, offsetof(nn_run_spec, epochs), 0, .def = 10, .min = 1,
     .max = INT_MAX, .help = "passes over the training data"},
    {"learning_rate", NN_HP_FLOAT, offsetof(nn_run_spec, learning_rate), NN_HP_OPEN_MIN,
     .def = 0.01, .min = 0, .max = DBL_MAX, .help = "step size of the optimizer"},
    {"batch_size", NN_HP_INT, offsetof(nn_run_spec, batch_size), 0, .def = 1, .min = 1,
     .max = 1 << 24, .help = "samples per gradient step"},
    {"seed", NN_HP_INT, offsetof(nn_run_spec, seed), 0, .def = 1, .min = 0, .max = INT_MAX,
     .help = "seed of the random generator (initialisation, shuffling, splits)"},
    {"shuffle", NN_HP_BOOL, offsetof(nn_run_spec, shuffle), 0, .def = 1,
     .help = "shuffle the training data every epoch"},
    {"init", NN_HP_CHOICE, offsetof(nn_run_spec, init), 0, .def = NN_INIT_UNIFORM,
     .choices = nn_init_names, .help = "weight initialisation of layers that do not set init"},
    {"weight_decay", NN_HP_FLOAT, offsetof(nn_run_spec, weight_decay), 0, .def = 0, .min = 0,
     .max = DBL_MAX, .help = "weight decay (L2; decoupled for adamw), 0 for none"},
    {"clip_norm", NN_HP_FLOAT, offsetof(nn_run_spec, clip_norm), 0, .def = 0, .min = 0,
     .max = DBL_MAX, .help = "largest global gradient norm, 0 for no clipping"},
    {0},
};

/* The scalar keys of data:. */
static const nn_hparam data_hparams[] = {
    {"header", NN_HP_CHOICE, offsetof(nn_data_spec, header), 0, .def = NN_HEADER_AUTO,
     .choices = nn_header_names, .help = "whether CSV files start with a header row"},
    {"scale", NN_HP_FLOAT, offsetof(nn_data_spec, scale), NN_HP_OPEN_MIN, .def = 1, .min = 0,
     .max = DBL_MAX, .help = "factor applied to every input"},
    {"normalize", NN_HP_CHOICE, offsetof(nn_data_spec, normalize), 0, .def = NN_NORM_NONE,
     .choices = nn_norm_names, .help = "per-feature normalisation fitted on train"},
    {0},
};

/* One dimension of input: and one column index under data:. */
static const nn_hparam dim_hparam = {"input", NN_HP_INT, 0, 0, .min = 1, .max = MAX_DIM};

/* "a, b, c" from a NULL-ended word list, optionally followed by one more word. */
static void list_words(const char *const *words, const char *extra, char *buf, size_t size)
{
    nn_hparam_list_words(words, buf, size);
    size_t used = strlen(buf);
    if (extra)
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", extra);
}

static void layer_types(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; nn_layers[i] && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", nn_layers[i]->type);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static const nn_layer_ops *layer_find(const char *type)
{
    for (int i = 0; nn_layers[i]; i++)
        if (strcmp(nn_layers[i]->type, type) == 0)
            return nn_layers[i];
    return NULL;
}

static int layer_index(const nn_layer_ops *ops)
{
    for (int i = 0; nn_layers[i]; i++)
        if (nn_layers[i] == ops)
            return i;
    return -1;
}

static const nn_loss_ops *loss_find(const char *type)
{
    for (int i = 0; nn_losses[i]; i++)
        if (strcmp(nn_losses[i]->type, type) == 0)
            return nn_losses[i];
    return NULL;
}

static const nn_optim_ops *optim_find(const char *type)
{
    for (int i = 0; nn_optimizers[i]; i++)
        if (strcmp(nn_optimizers[i]->type, type) == 0)
            return nn_optimizers[i];
    return NULL;
}

/* ---- checks shared by overrides and conversion -------------------------------------------- */

static int fail_kind(const node *n, const char *what, const char *expected, nn_err *err)
{
    return nn_fail_at(err, n->pos, "%s: expected %s, got %s", what, expected, kind_name(n));
}

static int unknown_layer_type(const node *t, nn_err *err)
{
    char types[NN_ERR_MAX / 2], buf[256];
    layer_types(types, sizeof types);
    return nn_fail_at(err, t->pos, "unknown layer type '%s' (expected one of: %s)",
                      shown(t->text, buf, sizeof buf), types);
}

static int bad_layer_item(const node *item, nn_err *err)
{
    return nn_fail_at(err, item->pos,
                      "layers: expected a layer such as '- tanh', '- dense: 3' or "
                      "'- dense: {units: 3}', got %s",
                      kind_name(item));
}

/* A layer item map with a second key. A layer type there starts another layer; any other key
 * is most likely a setting written at the column of the type instead of under it:
 *   - dense:
 *     units: 3       (a key beside `dense`, where `      units: 3` is one of its settings) */
static int second_key(const node *item, nn_err *err)
{
    char key_buf[256], set_buf[256], val_buf[256], map[800];
    const node *type = item->kid[0], *set = item->kid[1], *key = item->kid[2];
    const char *other = shown(key->text, key_buf, sizeof key_buf);
    const nn_layer_ops *ops = layer_find(type->text);
    if (layer_find(key->text))
        return nn_fail_at(err, key->pos, "a layer item holds one type; '%s' starts another "
                          "layer (write it as a new item '- %s')", other, other);
    if (!ops)
        return unknown_layer_type(type, err);
    int in_file = type->pos.line > 0 && key->pos.line > type->pos.line; /* block style */
    if (in_file && is_null(set))
        return nn_fail_at(err, key->pos, "'%s' is at the column of '%s', so it reads as a "
                          "second layer type of the item (indent it under %s, to column %d, to "
                          "make it a setting of %s)", other, ops->type, ops->type,
                          type->pos.col + 2, ops->type);
    if (in_file && set->kind == N_MAP)
        return nn_fail_at(err, key->pos, "'%s' is at the column of '%s', not of its settings "
                          "(indent it to column %d, with the other settings of %s)", other,
                          ops->type, set->pos.col, ops->type);
    if (strcmp(key->text, "name") != 0 && !nn_hparam_find(ops->hparams, key->text)) {
        char keys[NN_ERR_MAX / 2];
        nn_hparam_list_keys(ops->hparams, keys, sizeof keys);
        return nn_fail_at(err, key->pos, "'%s' in a %s item is neither a layer type nor a "
                          "setting of %s (expected one of: %s%sname)", other, ops->type,
                          ops->type, keys, keys[0] ? ", " : "");
    }
    /* On one line, from an override, or beside a shorthand value: show the one map. */
    const nn_hparam *main = nn_hparam_main(ops->hparams);
    const node *v = item->kid[3];
    const char *value = v->kind == N_SCALAR ? shown(v->text, val_buf, sizeof val_buf) : "...";
    if (main && set->kind == N_SCALAR && !is_null(set))
        snprintf(map, sizeof map, "{%s: %s, %s: %s}", main->key,
                 shown(set->text, set_buf, sizeof set_buf), other, value);
    else
        snprintf(map, sizeof map, "{%s: %s}", other, value);
    return nn_fail_at(err, key->pos, "'%s' is beside the layer type %s, not one of its "
                      "settings (give %s its settings as one map: '- %s: %s')", other,
                      ops->type, ops->type, ops->type, map);
}

/* Splits a layer item into its type node and its settings (NULL, a scalar or a map). */
static int layer_parts(const node *item, node **type, node **set, nn_err *err)
{
    *set = NULL;
    if (item->kind == N_SCALAR) {
        *type = (node *)item;
    } else if (item->kind == N_MAP && item->nkid >= 2) {
        if (item->nkid > 2)
            return second_key(item, err);
        *type = item->kid[0];
        *set = is_null(item->kid[1]) ? NULL : item->kid[1];
        if (*set && (*set)->kind == N_SEQ)
            return fail_kind(*set, (*type)->text, "a value or a map of settings", err);
    } else {
        return bad_layer_item(item, err);
    }
    if ((*type)->text[0] == '\0')
        return bad_layer_item(item, err);
    return 0;
}

/* The error for `- TYPE: VALUE` when TYPE has no key flagged NN_HP_MAIN. */
static int no_main(const nn_layer_ops *ops, const node *at, nn_err *err)
{
    if (!ops->hparams || !ops->hparams[0].key)
        return nn_fail_at(err, at->pos, "%s takes no settings", ops->type);
    char keys[NN_ERR_MAX / 2];
    nn_hparam_list_keys(ops->hparams, keys, sizeof keys);
    return nn_fail_at(err, at->pos, "%s takes no single value; write its settings as a map "
                                    "(keys: %s)",
                      ops->type, keys);
}

/* ---- overrides ---------------------------------------------------------------------------- */

/* Turns the layer item at *slot into the map {TYPE: {settings}} and returns the settings map,
 * so an override path can step into it: `- tanh` becomes {tanh: {}}, `- dense: 3` becomes
 * {dense: {units: 3}}. */
static node *layer_settings(node **slot, nn_err *err)
{
    node *item = *slot, *type, *set;
    if (layer_parts(item, &type, &set, err) < 0)
        return NULL;
    const nn_layer_ops *ops = layer_find(type->text);
    if (!ops) {
        unknown_layer_type(type, err);
        return NULL;
    }
    if (set && set->kind == N_MAP)
        return set;
    if (set && !nn_hparam_main(ops->hparams)) {
        no_main(ops, set, err);
        return NULL;
    }
    node *map = node_new(N_MAP, set ? set->pos : type->pos, type->from_override, err);
    if (!map)
        return NULL;
    if (set) {
        const nn_hparam *h = nn_hparam_main(ops->hparams);
        node *key = scalar_new(h->key, strlen(h->key), 1, set->pos, set->from_override, err);
        if (!key || node_add(map, key, err) < 0) {
            node_free(key);
            node_free(map);
            return NULL;
        }
        if (node_add(map, set, err) < 0) {
            node_free(map);
            return NULL;
        }
        item->kid[1] = map; /* set now belongs to map */
        return map;
    }
    if (item->kind == N_MAP) { /* `- TYPE:` with nothing after it */
        node_free(item->kid[1]);
        item->kid[1] = map;
        return map;
    }
    node *wrap = node_new(N_MAP, item->pos, item->from_override, err);
    if (!wrap || node_add(wrap, item, err) < 0) {
        nn_free(wrap);
        node_free(map);
        return NULL;
    }
    if (node_add(wrap, map, err) < 0) {
        wrap->nkid = 0; /* item is still owned by *slot */
        node_free(wrap);
        node_free(map);
        return NULL;
    }
    *slot = wrap;
    return map;
}

/* Parses an override's value text; an empty text is the null scalar. */
static node *override_value(const nn_override *ov, const char *origin, nn_err *err)
{
    const char *value = ov->value ? ov->value : "";
    size_t len = strlen(value);
    nn_pos pos = {origin, 0, 0};
    source s = {value, len, origin, 1};
    node *val;
    if (len > MAX_FILE)
        return nn_fail_at(err, pos, "the value is longer than %d bytes", MAX_FILE), NULL;
    if (build_tree(&s, &val, err) < 0)
        return NULL;
    if (!val)
        val = scalar_new("", 0, 1, pos, 1, err);
    return val;
}

/* The key a scalar stands for under a top-level key that is a word or a map, or NULL. */
static const char *scalar_key(const char *top)
{
    if (strcmp(top, "optimizer") == 0 || strcmp(top, "lr_schedule") == 0)
        return "type";
    if (strcmp(top, "early_stopping") == 0)
        return "patience";
    return NULL;
}

/* Applies one override to the tree under root (a map). See the file comment. */
static int apply_override(node *root, const nn_override *ov, const char *origin, nn_err *err)
{
    const char *key = ov->key ? ov->key : "";
    nn_pos pos = {origin, 0, 0};
    char buf[256], prefix[256];
    char *steps[MAX_STEPS];
    int nsteps = 0;

    if (!*key)
        return nn_fail_at(err, pos, "expected KEY=VALUE with a key such as epochs or "
                                    "layers.0.units, got an empty key");
    char *path = nn_strdup(key, err);
    if (!path)
        return -1;
    for (char *p = path;; p++) {
        char *dot = strchr(p, '.');
        if (nsteps == MAX_STEPS) {
            nn_free(path);
            return nn_fail_at(err, pos, "key '%s' has more than %d steps",
                              shown(key, buf, sizeof buf), MAX_STEPS);
        }
        steps[nsteps++] = p;
        if (dot)
            *dot = '\0';
        if (!*p) {
            nn_free(path);
            return nn_fail_at(err, pos, "key '%s' has an empty step (expected words and "
                                        "indices joined by single dots, e.g. layers.0.units)",
                              shown(key, buf, sizeof buf));
        }
        if (!dot)
            break;
        p = dot;
    }

    node *val = override_value(ov, origin, err);
    if (!val) {
        nn_free(path);
        return -1;
    }

    node *holder = root;
    node **slot = &holder;
    int rc = -1, via_seq = 0;
    for (int i = 0; i < nsteps; i++) {
        node *n = *slot;
        const char *step = steps[i];
        char before[256]; /* the path before this step, for messages */
        size_t off = (size_t)(step - path);
        snprintf(before, sizeof before, "%.*s", (int)(off ? off - 1 : 0), key);
        shown(before, prefix, sizeof prefix);
        if (i == 2 && via_seq) {
            n = layer_settings(slot, err);
            if (!n)
                goto out;
        } else if (n->kind == N_SCALAR && i == 1 && scalar_key(steps[0]) && !is_null(n)) {
            /* optimizer: WORD becomes {type: WORD} so optimizer.KEY can be added (and
             * lr_schedule: WORD, and early_stopping: N as {patience: N}). */
            const char *skey = scalar_key(steps[0]);
            node *map = node_new(N_MAP, n->pos, n->from_override, err);
            node *k = scalar_new(skey, strlen(skey), 1, n->pos, n->from_override, err);
            if (!map || !k || node_add(map, k, err) < 0) {
                node_free(map);
                node_free(k);
                goto out;
            }
            if (node_add(map, n, err) < 0) {
                node_free(map);
                goto out;
            }
            *slot = map;
            n = map;
        } else if (is_null(n)) {
            n->kind = N_MAP; /* `data:` left empty in the file: fill it in */
        }
        if (n->kind == N_MAP) {
            node **found = map_slot(n, step);
            if (!found) {
                if (n->nkid / 2 >= MAX_MAP_KEYS) {
                    nn_fail_at(err, pos, "too many keys in one map (at most %d)", MAX_MAP_KEYS);
                    goto out;
                }
                node *k = scalar_new(step, strlen(step), 1, pos, 1, err);
                node *v = scalar_new("", 0, 1, pos, 1, err);
                if (!k || !v || node_add(n, k, err) < 0) {
                    node_free(k);
                    node_free(v);
                    goto out;
                }
                if (node_add(n, v, err) < 0) {
                    node_free(v);
                    goto out;
                }
                found = &n->kid[n->nkid - 1];
            }
            slot = found;
        } else if (n->kind == N_SEQ) {
            char *end;
            errno = 0;
            long idx = strtol(step, &end, 10);
            int is_index = step[0] >= '0' && step[0] <= '9' && !*end && !errno;
            if (n->nkid == 0) {
                nn_fail_at(err, pos, "'%s' is an empty sequence; it has no item '%s'", prefix,
                           shown(step, buf, sizeof buf));
                goto out;
            }
            if (!is_index) {
                nn_fail_at(err, pos, "'%s' is a sequence: expected an index 0..%d, got '%s'",
                           prefix, n->nkid - 1, shown(step, buf, sizeof buf));
                goto out;
            }
            if (idx >= n->nkid) {
                nn_fail_at(err, pos, "index %s is out of range for '%s' (expected 0..%d)",
                           shown(step, buf, sizeof buf), prefix, n->nkid - 1);
                goto out;
            }
            slot = &n->kid[idx];
            via_seq = i == 1 && strcmp(steps[0], "layers") == 0;
        } else {
            nn_fail_at(err, pos, "cannot set '%s': '%s' holds a single value, not a map",
                       shown(key, buf, sizeof buf), prefix);
            goto out;
        }
    }
    node_free(*slot);
    *slot = val;
    val = NULL;
    rc = 0;
out:
    node_free(val);
    nn_free(path);
    return rc;
}

/* ---- tree -> spec ------------------------------------------------------------------------- */

/* What restore_best said, resolved against early_stopping once every key is read. */
typedef enum restore_said { RESTORE_UNSAID, RESTORE_OFF, RESTORE_ON, RESTORE_MONITOR } restore_said;

typedef struct conv {
    nn_spec *spec;
    const char *base_dir; /* NULL: relative paths kept as written */
    nn_err *err;
    restore_said restore;
    int restore_monitor;  /* with RESTORE_MONITOR: the nn_monitor named */
} conv;

static int need_scalar(const node *n, const char *what, nn_err *err)
{
    if (n->kind != N_SCALAR)
        return fail_kind(n, what, "a scalar", err);
    return 0;
}

/* A path value: joined to base_dir when relative and from the file. "-" (stdin) is kept. */
static int take_path(conv *c, const node *n, const char *what, char **out)
{
    char buf[256];
    if (need_scalar(n, what, c->err) < 0)
        return -1;
    if (!n->text[0])
        return nn_fail_at(c->err, n->pos, "%s: expected a file path, got '%s'", what,
                          shown(n->text, buf, sizeof buf));
    nn_free(*out);
    *out = NULL;
    if (n->from_override || !c->base_dir || n->text[0] == '/' || strcmp(n->text, "-") == 0) {
        *out = nn_strdup(n->text, c->err);
        return *out ? 0 : -1;
    }
    size_t blen = strlen(c->base_dir), tlen = strlen(n->text);
    int slash = blen > 0 && c->base_dir[blen - 1] != '/';
    char *p = nn_alloc(blen + (size_t)slash + tlen + 1, 1, c->err);
    if (!p)
        return -1;
    memcpy(p, c->base_dir, blen);
    if (slash)
        p[blen] = '/';
    memcpy(p + blen + (size_t)slash, n->text, tlen + 1);
    *out = p;
    return 0;
}

static int conv_input(conv *c, const node *n)
{
    nn_shape *s = &c->spec->input;
    c->spec->input_pos = n->pos;
    if (n->kind == N_MAP)
        return fail_kind(n, "input", "a size or a sequence of sizes such as [1, 28, 28]",
                         c->err);
    if (n->kind == N_SCALAR) {
        s->ndim = 1;
        return nn_hparam_parse(&dim_hparam, &s->dim[0], NULL, n->text, n->pos, c->err);
    }
    if (n->nkid < 1 || n->nkid > NN_MAX_DIM)
        return nn_fail_at(c->err, n->pos, "input: expected 1 to %d sizes, got %d", NN_MAX_DIM,
                          n->nkid);
    size_t total = 1;
    for (int i = 0; i < n->nkid; i++) {
        if (need_scalar(n->kid[i], "input", c->err) < 0 ||
            nn_hparam_parse(&dim_hparam, &s->dim[i], NULL, n->kid[i]->text, n->kid[i]->pos,
                            c->err) < 0)
            return -1;
        total *= (size_t)s->dim[i];
        if (total > INT_MAX)
            return nn_fail_at(c->err, n->pos, "input: a sample of more than %d values is "
                                              "too large",
                              INT_MAX);
    }
    s->ndim = n->nkid;
    return 0;
}

static int conv_loss(conv *c, const node *n)
{
    char words[NN_ERR_MAX / 2], buf[256];
    c->spec->loss_pos = n->pos;
    if (need_scalar(n, "loss", c->err) < 0)
        return -1;
    c->spec->loss = loss_find(n->text);
    if (c->spec->loss)
        return 0;
    size_t used = 0;
    words[0] = '\0';
    for (int i = 0; nn_losses[i] && used < sizeof words; i++) {
        int w = snprintf(words + used, sizeof words - used, "%s%s", i ? ", " : "",
                         nn_losses[i]->type);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return nn_fail_at(c->err, n->pos, "unknown loss '%s' (expected one of: %s)",
                      shown(n->text, buf, sizeof buf), words);
}

static int set_optim(conv *c, const node *t)
{
    char words[NN_ERR_MAX / 2], buf[256];
    const nn_optim_ops *ops = optim_find(t->text);
    if (!ops) {
        size_t used = 0;
        words[0] = '\0';
        for (int i = 0; nn_optimizers[i] && used < sizeof words; i++) {
            int w = snprintf(words + used, sizeof words - used, "%s%s", i ? ", " : "",
                             nn_optimizers[i]->type);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return nn_fail_at(c->err, t->pos, "unknown optimizer '%s' (expected one of: %s)",
                          shown(t->text, buf, sizeof buf), words);
    }
    c->spec->optim = ops;
    if (ops->hp_size) {
        c->spec->optim_hp = nn_alloc(1, ops->hp_size, c->err);
        if (!c->spec->optim_hp)
            return -1;
        nn_hparam_defaults(ops->hparams, c->spec->optim_hp);
    }
    return 0;
}

static int conv_optim(conv *c, node *n)
{
    char keys[NN_ERR_MAX / 2], buf[256];
    if (n->kind == N_SEQ)
        return fail_kind(n, "optimizer", "a name or a map {type: NAME, ...}", c->err);
    if (n->kind == N_SCALAR)
        return set_optim(c, n);
    node *t = map_get(n, "type");
    node sgd = {.kind = N_SCALAR, .pos = n->pos, .text = (char *)"sgd"};
    if (!t)
        t = &sgd; /* the default optimizer, as when optimizer: is absent */
    if (need_scalar(t, "optimizer: type", c->err) < 0 || set_optim(c, t) < 0)
        return -1;
    const nn_optim_ops *ops = c->spec->optim;
    for (int i = 0; i + 1 < n->nkid; i += 2) {
        const node *k = n->kid[i], *v = n->kid[i + 1];
        if (strcmp(k->text, "type") == 0)
            continue;
        const nn_hparam *h = nn_hparam_find(ops->hparams, k->text);
        if (!h) {
            nn_hparam_list_keys(ops->hparams, keys, sizeof keys);
            return nn_fail_at(c->err, k->pos, "unknown key '%s' for %s (expected one of: "
                                              "type%s%s)",
                              shown(k->text, buf, sizeof buf), ops->type, keys[0] ? ", " : "",
                              keys);
        }
        if (need_scalar(v, h->key, c->err) < 0 ||
            nn_hparam_parse(h, c->spec->optim_hp, ops->type, v->text, v->pos, c->err) < 0)
            return -1;
    }
    for (const nn_hparam *h = ops->hparams; h && h->key; h++)
        if ((h->flags & NN_HP_REQUIRED) && !map_get(n, h->key))
            return nn_fail_at(c->err, n->pos, "%s: missing required key '%s'%s%s%s", ops->type,
                              h->key, h->help ? " (" : "", h->help ? h->help : "",
                              h->help ? ")" : "");
    return 0;
}

/* lr_schedule: a word, or a map {type: WORD, KEY: VALUE, ...}; a map without type is the
 * constant schedule, as when lr_schedule: is absent. */
static int conv_schedule(conv *c, const node *n)
{
    char words[NN_ERR_MAX / 2], buf[256];
    if (n->kind == N_SEQ)
        return fail_kind(n, "lr_schedule", "a name or a map {type: NAME, ...}", c->err);
    const node *t = n->kind == N_SCALAR ? n : map_get((node *)n, "type");
    const char *type = t ? t->text : "constant";
    if (t && need_scalar(t, "lr_schedule: type", c->err) < 0)
        return -1;
    const nn_schedule_ops *ops = nn_schedule_find(type);
    if (!ops) {
        size_t used = 0;
        words[0] = '\0';
        for (int i = 0; nn_schedules[i] && used < sizeof words; i++) {
            int w = snprintf(words + used, sizeof words - used, "%s%s", i ? ", " : "",
                             nn_schedules[i]->type);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return nn_fail_at(c->err, t->pos, "unknown lr_schedule '%s' (expected one of: %s)",
                          shown(type, buf, sizeof buf), words);
    }
    nn_free(c->spec->schedule_hp);
    c->spec->schedule = ops;
    c->spec->schedule_hp = nn_alloc(1, ops->hp_size, c->err);
    if (!c->spec->schedule_hp)
        return -1;
    nn_hparam_defaults(ops->hparams, c->spec->schedule_hp);
    for (int i = 0; n->kind == N_MAP && i + 1 < n->nkid; i += 2) {
        const node *k = n->kid[i], *v = n->kid[i + 1];
        if (strcmp(k->text, "type") == 0)
            continue;
        const nn_hparam *h = nn_hparam_find(ops->hparams, k->text);
        if (!h) {
            nn_hparam_list_keys(ops->hparams, words, sizeof words);
            return nn_fail_at(c->err, k->pos, "unknown key '%s' for lr_schedule %s (expected "
                                              "one of: type, %s)",
                              shown(k->text, buf, sizeof buf), ops->type, words);
        }
        if (need_scalar(v, h->key, c->err) < 0 ||
            nn_hparam_parse(h, c->spec->schedule_hp, ops->type, v->text, v->pos, c->err) < 0)
            return -1;
    }
    return 0;
}

/* early_stopping: a patience (`early_stopping: 5`), a boolean (`false` turns it off, handy
 * with -s), or a map of nn_early_hparams. */
static int conv_early(conv *c, const node *n)
{
    char keys[NN_ERR_MAX / 2], buf[256];
    nn_early_spec *e = &c->spec->early;
    c->spec->early_pos = n->pos;
    nn_hparam_defaults(nn_early_hparams, e);
    e->enabled = 1;
    if (n->kind == N_SEQ)
        return fail_kind(n, "early_stopping", "a patience or a map {patience: N, ...}", c->err);
    if (n->kind == N_SCALAR) {
        if (is_null(n))
            return 0; /* `early_stopping:` alone: every setting at its default */
        static const nn_hparam onoff = {.key = "early_stopping", .kind = NN_HP_BOOL,
                                        .offset = offsetof(nn_early_spec, enabled)};
        nn_err ignored;
        if (!(n->text[0] >= '0' && n->text[0] <= '9') && n->text[0] != '-' &&
            nn_hparam_parse(&onoff, e, NULL, n->text, n->pos, &ignored) == 0)
            return 0; /* true/false, on/off, yes/no: defaults, or no early stopping */
        return nn_hparam_parse(nn_hparam_main(nn_early_hparams), e, "early_stopping", n->text,
                               n->pos, c->err);
    }
    for (int i = 0; i + 1 < n->nkid; i += 2) {
        const node *k = n->kid[i], *v = n->kid[i + 1];
        const nn_hparam *h = nn_hparam_find(nn_early_hparams, k->text);
        if (!h) {
            nn_hparam_list_keys(nn_early_hparams, keys, sizeof keys);
            return nn_fail_at(c->err, k->pos, "unknown key '%s' for early_stopping (expected "
                                              "one of: %s)",
                              shown(k->text, buf, sizeof buf), keys);
        }
        if (need_scalar(v, h->key, c->err) < 0 ||
            nn_hparam_parse(h, e, "early_stopping", v->text, v->pos, c->err) < 0)
            return -1;
    }
    return 0;
}

/* restore_best: a boolean, or the monitor whose best epoch's weights to keep. */
static int conv_restore_best(conv *c, const node *n)
{
    char buf[256];
    c->spec->restore_best_pos = n->pos;
    if (need_scalar(n, "restore_best", c->err) < 0)
        return -1;
    int monitor = nn_hparam_word_index(nn_monitor_names, n->text);
    if (monitor >= 0) {
        c->restore = RESTORE_MONITOR;
        c->restore_monitor = monitor;
        return 0;
    }
    static const nn_hparam onoff = {.key = "restore_best", .kind = NN_HP_BOOL};
    int on;
    nn_err ignored;
    if (nn_hparam_parse(&onoff, &on, NULL, n->text, n->pos, &ignored) < 0)
        return nn_fail_at(c->err, n->pos, "restore_best: expected true, false or the monitor "
                                          "to watch (val_loss, val_acc, loss), got '%s'",
                          shown(n->text, buf, sizeof buf));
    c->restore = on ? RESTORE_ON : RESTORE_OFF;
    return 0;
}

/* Settles restore_best: on by default with early stopping, whose monitor it shares; alone, it
 * watches the monitor it names, or val_loss when there is validation data, else loss. */
static int resolve_restore_best(conv *c)
{
    nn_spec *s = c->spec;
    nn_early_spec *e = &s->early;
    const nn_data_spec *d = &s->data;
    if (c->restore == RESTORE_UNSAID) {
        e->restore_best = e->enabled;
        s->restore_best_pos = s->early_pos;
        return 0;
    }
    e->restore_best = c->restore != RESTORE_OFF;
    if (c->restore == RESTORE_MONITOR && e->enabled && c->restore_monitor != e->monitor)
        return nn_fail_at(c->err, s->restore_best_pos, "restore_best watches %s, "
                          "early_stopping %s (expected one monitor: restore_best: true keeps "
                          "early_stopping's)", nn_monitor_names[c->restore_monitor],
                          nn_monitor_names[e->monitor]);
    if (e->enabled)
        return 0;
    if (c->restore == RESTORE_MONITOR)
        e->monitor = c->restore_monitor;
    else
        e->monitor = d->validation > 0 || d->validation_file ? NN_MONITOR_VAL_LOSS
                                                             : NN_MONITOR_LOSS;
    return 0;
}

/* Reads `text` in full as a decimal number into *v; 0 when it is not one. */
static int full_number(const char *text, double *v)
{
    char *end;
    if (!text[0])
        return 0;
    errno = 0;
    *v = strtod(text, &end);
    return *end == '\0';
}

static int conv_validation(conv *c, const node *n)
{
    char buf[256];
    nn_data_spec *d = &c->spec->data;
    double v;
    d->validation_pos = n->pos;
    if (need_scalar(n, "validation", c->err) < 0)
        return -1;
    nn_free(d->validation_file);
    d->validation_file = NULL;
    d->validation = 0;
    if (n->plain && full_number(n->text, &v)) {
        if (errno || !(v >= 0 && v < 1))
            return nn_fail_at(c->err, n->pos, "validation: expected a fraction in [0, 1) of "
                                              "the training data (0: none) or a file path, "
                                              "got '%s'",
                              shown(n->text, buf, sizeof buf));
        d->validation = v;
        return 0;
    }
    return take_path(c, n, "validation", &d->validation_file);
}

/* A column named or numbered under data: (target, inputs). An index is a plain scalar of
 * decimal digits (a sign makes it an error); anything else, or anything quoted, is a name.
 * *index is -1 for a name. */
static int column(conv *c, const node *n, const char *what, int *index)
{
    char buf[256];
    *index = -1;
    if (need_scalar(n, what, c->err) < 0)
        return -1;
    if (!n->text[0])
        return nn_fail_at(c->err, n->pos, "%s: expected a column name or index, got ''", what);
    const char *digits = n->text + (n->text[0] == '-' || n->text[0] == '+');
    const char *p = digits;
    while (*p >= '0' && *p <= '9')
        p++;
    if (!n->plain || *p || p == digits)
        return 0;
    if (digits != n->text || p - digits > 9)
        return nn_fail_at(c->err, n->pos, "%s: expected a column name or an index from 0 to "
                                          "999999999, got '%s'",
                          what, shown(n->text, buf, sizeof buf));
    *index = (int)strtol(digits, NULL, 10);
    return 0;
}

static int conv_data(conv *c, const node *n)
{
    char keys[NN_ERR_MAX / 2], buf[256];
    nn_data_spec *d = &c->spec->data;
    if (is_null(n))
        return 0;
    if (n->kind != N_MAP)
        return fail_kind(n, "data", "a map (train, test, target, ...)", c->err);
    for (int i = 0; i + 1 < n->nkid; i += 2) {
        const node *k = n->kid[i], *v = n->kid[i + 1];
        const char *key = k->text;
        if (strcmp(key, "train") == 0) {
            d->train_pos = v->pos;
            if (take_path(c, v, "data: train", &d->train) < 0)
                return -1;
        } else if (strcmp(key, "test") == 0) {
            d->test_pos = v->pos;
            if (take_path(c, v, "data: test", &d->test) < 0)
                return -1;
        } else if (strcmp(key, "train_labels") == 0) {
            d->train_labels_pos = v->pos;
            if (take_path(c, v, "data: train_labels", &d->train_labels) < 0)
                return -1;
        } else if (strcmp(key, "test_labels") == 0) {
            d->test_labels_pos = v->pos;
            if (take_path(c, v, "data: test_labels", &d->test_labels) < 0)
                return -1;
        } else if (strcmp(key, "validation_labels") == 0) {
            d->validation_labels_pos = v->pos;
            if (take_path(c, v, "data: validation_labels", &d->validation_labels) < 0)
                return -1;
        } else if (strcmp(key, "target") == 0) {
            int idx;
            if (column(c, v, "data: target", &idx) < 0)
                return -1;
            d->target_index = idx;
            if (idx < 0 && !(d->target = nn_strdup(v->text, c->err)))
                return -1;
        } else if (strcmp(key, "inputs") == 0) {
            if (v->kind != N_SEQ || v->nkid == 0)
                return nn_fail_at(c->err, v->pos, "data: inputs: expected a non-empty sequence "
                                                  "of column names or indices, got %s",
                                  v->kind == N_SEQ ? "an empty one" : kind_name(v));
            d->inputs = nn_alloc((size_t)v->nkid, sizeof *d->inputs, c->err);
            if (!d->inputs)
                return -1;
            d->ninputs = v->nkid;
            for (int j = 0; j < v->nkid; j++) {
                int idx;
                char num[16];
                if (column(c, v->kid[j], "data: inputs", &idx) < 0)
                    return -1;
                if (idx >= 0)
                    snprintf(num, sizeof num, "%d", idx);
                d->inputs[j] = nn_strdup(idx >= 0 ? num : v->kid[j]->text, c->err);
                if (!d->inputs[j])
                    return -1;
            }
        } else if (strcmp(key, "header") == 0 && v->kind == N_SCALAR &&
                   (strcmp(v->text, "true") == 0 || strcmp(v->text, "false") == 0)) {
            d->header = v->text[0] == 't' ? NN_HEADER_YES : NN_HEADER_NO;
        } else {
            const nn_hparam *h = nn_hparam_find(data_hparams, key);
            if (!h) {
                list_words(data_keys, NULL, keys, sizeof keys);
                return nn_fail_at(c->err, k->pos, "unknown key '%s' for data (expected one "
                                                  "of: %s)",
                                  shown(key, buf, sizeof buf), keys);
            }
            if (need_scalar(v, key, c->err) < 0 ||
                nn_hparam_parse(h, d, "data", v->text, v->pos, c->err) < 0)
                return -1;
        }
    }
    return 0;
}

/* A name: 1 to NN_NAME_MAX-1 letters, digits, '_' or '-'. */
static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n >= NN_NAME_MAX)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* Whether key was given in the item's settings (a map, or the shorthand's main key). */
static int given(const node *set, const nn_hparam *main, const char *key)
{
    if (!set)
        return 0;
    if (set->kind == N_MAP)
        return map_get((node *)set, key) != NULL;
    return main && strcmp(main->key, key) == 0;
}

static int conv_layer(conv *c, const node *item, nn_layer_spec *ls, nn_pos *name_pos)
{
    char keys[NN_ERR_MAX / 2], buf[256];
    node *type, *set;
    if (layer_parts(item, &type, &set, c->err) < 0)
        return -1;
    const nn_layer_ops *ops = layer_find(type->text);
    if (!ops)
        return unknown_layer_type(type, c->err);
    ls->ops = ops;
    ls->pos = item->pos;
    if (ops->hp_size) {
        ls->hp = nn_alloc(1, ops->hp_size, c->err);
        if (!ls->hp)
            return -1;
        nn_hparam_defaults(ops->hparams, ls->hp);
    }
    const nn_hparam *main = nn_hparam_main(ops->hparams);
    if (set && set->kind == N_SCALAR) {
        if (!main)
            return no_main(ops, set, c->err);
        if (nn_hparam_parse(main, ls->hp, ops->type, set->text, set->pos, c->err) < 0)
            return -1;
    } else if (set) {
        for (int i = 0; i + 1 < set->nkid; i += 2) {
            const node *k = set->kid[i], *v = set->kid[i + 1];
            if (strcmp(k->text, "name") == 0) {
                if (need_scalar(v, "name", c->err) < 0)
                    return -1;
                if (!valid_name(v->text))
                    return nn_fail_at(c->err, v->pos, "%s: name: expected 1 to %d letters, "
                                                      "digits, '_' or '-', got '%s'",
                                      ops->type, NN_NAME_MAX - 1,
                                      shown(v->text, buf, sizeof buf));
                snprintf(ls->name, sizeof ls->name, "%s", v->text);
                *name_pos = v->pos;
                continue;
            }
            const nn_hparam *h = nn_hparam_find(ops->hparams, k->text);
            if (!h) {
                nn_hparam_list_keys(ops->hparams, keys, sizeof keys);
                return nn_fail_at(c->err, k->pos, "unknown key '%s' for %s (expected one of: "
                                                  "%s%sname)",
                                  shown(k->text, buf, sizeof buf), ops->type, keys,
                                  keys[0] ? ", " : "");
            }
            if (v->kind != N_SCALAR)
                return nn_fail_at(c->err, v->pos, "%s: %s: expected a scalar, got %s",
                                  ops->type, h->key, kind_name(v));
            if (nn_hparam_parse(h, ls->hp, ops->type, v->text, v->pos, c->err) < 0)
                return -1;
        }
    }
    for (const nn_hparam *h = ops->hparams; h && h->key; h++) {
        if ((h->flags & NN_HP_REQUIRED) && !given(set, main, h->key))
            return nn_fail_at(c->err, item->pos, "%s: missing required key '%s'%s%s%s",
                              ops->type, h->key, h->help ? " (" : "", h->help ? h->help : "",
                              h->help ? ")" : "");
        /* The top-level init is the default of every layer that takes one. */
        if (strcmp(h->key, "init") == 0 && h->kind == NN_HP_CHOICE && !given(set, main, "init") &&
            nn_hparam_parse(h, ls->hp, ops->type, nn_init_names[c->spec->run.init], item->pos,
                            c->err) < 0)
            return -1;
    }
    return 0;
}

/* For the uniqueness check: a layer's name as model.c will give it ("dense2" for the second
 * unnamed dense). */
typedef struct layer_name {
    char name[NN_NAME_MAX + 12];
    int index;
    int given;
} layer_name;

static int name_cmp(const void *a, const void *b)
{
    const layer_name *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : (x->index > y->index) - (x->index < y->index);
}

static int check_names(conv *c, const nn_pos *name_pos)
{
    nn_spec *s = c->spec;
    int ntypes = 0, rc = -1;
    while (nn_layers[ntypes])
        ntypes++;
    int *seen = nn_alloc((size_t)ntypes + 1, sizeof *seen, c->err);
    layer_name *names = nn_alloc((size_t)s->nlayers, sizeof *names, c->err);
    if (!seen || !names)
        goto out;
    for (int i = 0; i < s->nlayers; i++) {
        int t = layer_index(s->layers[i].ops);
        seen[t < 0 ? ntypes : t]++;
        names[i].index = i;
        names[i].given = s->layers[i].name[0] != '\0';
        if (names[i].given)
            snprintf(names[i].name, sizeof names[i].name, "%s", s->layers[i].name);
        else
            snprintf(names[i].name, sizeof names[i].name, "%s%d", s->layers[i].ops->type,
                     seen[t < 0 ? ntypes : t]);
    }
    qsort(names, (size_t)s->nlayers, sizeof *names, name_cmp);
    for (int i = 1; i < s->nlayers; i++) {
        const layer_name *a = &names[i - 1], *b = &names[i];
        if (strcmp(a->name, b->name) != 0)
            continue;
        if (a->given && b->given) {
            nn_fail_at(c->err, name_pos[b->index], "layer name '%s' is already used by layer %d",
                       b->name, a->index + 1);
        } else {
            const layer_name *g = a->given ? a : b, *d = a->given ? b : a;
            nn_fail_at(c->err, name_pos[g->index], "layer name '%s' is the default name of "
                                                   "layer %d; pick another",
                       g->name, d->index + 1);
        }
        goto out;
    }
    rc = 0;
out:
    nn_free(seen);
    nn_free(names);
    return rc;
}

static int conv_layers(conv *c, const node *n)
{
    if (n->kind != N_SEQ || n->nkid == 0)
        return nn_fail_at(c->err, n->pos, "layers: expected a non-empty sequence of layers "
                                          "such as '- dense: 3', got %s",
                          n->kind == N_SEQ ? "an empty one" : kind_name(n));
    if (n->nkid > MAX_LAYERS)
        return nn_fail_at(c->err, n->pos, "layers: %d layers is too many (at most %d)",
                          n->nkid, MAX_LAYERS);
    nn_spec *s = c->spec;
    nn_pos *name_pos = nn_alloc((size_t)n->nkid, sizeof *name_pos, c->err);
    s->layers = nn_alloc((size_t)n->nkid, sizeof *s->layers, c->err);
    if (!name_pos || !s->layers) {
        nn_free(name_pos);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n->nkid && rc == 0; i++) {
        s->nlayers = i + 1;
        name_pos[i] = n->kid[i]->pos;
        rc = conv_layer(c, n->kid[i], &s->layers[i], &name_pos[i]);
    }
    if (rc == 0)
        rc = check_names(c, name_pos);
    nn_free(name_pos);
    return rc;
}

/* A key of data: (train, test, target, ...) written at the top level. */
static int data_key_at_top(node *root, const node *k, nn_err *err)
{
    const node *data = NULL;
    for (int i = 0; i + 1 < root->nkid; i += 2)
        if (strcmp(root->kid[i]->text, "data") == 0)
            data = root->kid[i];
    if (k->from_override)
        return nn_fail_at(err, k->pos, "'%s' belongs under data: (expected -s data.%s=VALUE)",
                          k->text, k->text);
    if (data && data->pos.line > 0)
        return nn_fail_at(err, k->pos, "'%s' belongs under data:, not at the top level (move "
                          "it under the data: at line %d, indented like the keys there)",
                          k->text, data->pos.line);
    return nn_fail_at(err, k->pos, "'%s' belongs under data:, not at the top level (write a "
                      "line 'data:' and indent '%s:' under it)", k->text, k->text);
}

static int convert(conv *c, node *root)
{
    char keys[NN_ERR_MAX / 2], buf[256];
    nn_spec *s = c->spec;
    node *layers = NULL, *optim = NULL;
    int has_input = 0, has_loss = 0;

    nn_hparam_defaults(run_hparams, &s->run);
    nn_hparam_defaults(data_hparams, &s->data);
    s->data.target_index = -1;

    for (int i = 0; i + 1 < root->nkid; i += 2) {
        node *k = root->kid[i], *v = root->kid[i + 1];
        const char *key = k->text;
        const nn_hparam *h = nn_hparam_find(run_hparams, key);
        int rc = 0;
        if (h) {
            rc = need_scalar(v, key, c->err);
            if (rc == 0)
                rc = nn_hparam_parse(h, &s->run, NULL, v->text, v->pos, c->err);
        } else if (strcmp(key, "input") == 0) {
            has_input = 1;
            rc = conv_input(c, v);
        } else if (strcmp(key, "layers") == 0) {
            layers = v; /* after the loop, once the top-level init is known */
        } else if (strcmp(key, "loss") == 0) {
            has_loss = 1;
            rc = conv_loss(c, v);
        } else if (strcmp(key, "optimizer") == 0) {
            optim = v;
        } else if (strcmp(key, "lr_schedule") == 0) {
            rc = conv_schedule(c, v);
        } else if (strcmp(key, "early_stopping") == 0) {
            rc = conv_early(c, v);
        } else if (strcmp(key, "restore_best") == 0) {
            rc = conv_restore_best(c, v);
        } else if (strcmp(key, "validation") == 0) {
            rc = conv_validation(c, v);
        } else if (strcmp(key, "data") == 0) {
            rc = conv_data(c, v);
        } else if (nn_hparam_word_index(data_keys, key) >= 0) {
            return data_key_at_top(root, k, c->err);
        } else {
            list_words(top_keys, NULL, keys, sizeof keys);
            return nn_fail_at(c->err, k->pos, "unknown key '%s' (expected one of: %s)",
                              shown(key, buf, sizeof buf), keys);
        }
        if (rc < 0)
            return -1;
    }
    if (!has_input || !layers || !has_loss) {
        snprintf(keys, sizeof keys, "%s%s%s%s%s", has_input ? "" : "input",
                 !has_input && !layers ? ", " : "", layers ? "" : "layers",
                 (!has_input || !layers) && !has_loss ? ", " : "", has_loss ? "" : "loss");
        return nn_fail_at(c->err, root->pos, "missing required key%s: %s (a model needs input, "
                                             "layers and loss)",
                          strchr(keys, ',') ? "s" : "", keys);
    }
    node sgd = {.kind = N_SCALAR, .pos = root->pos, .text = (char *)"sgd"};
    if (conv_optim(c, optim ? optim : &sgd) < 0)
        return -1;
    node constant = {.kind = N_SCALAR, .pos = root->pos, .text = (char *)"constant"};
    if ((!s->schedule && conv_schedule(c, &constant) < 0) || resolve_restore_best(c) < 0)
        return -1;
    return conv_layers(c, layers);
}

/* ---- entry points ------------------------------------------------------------------------- */

/* A copy of an override's label for messages, with control bytes written as \xNN, so a key or
 * value that spans lines (or holds a terminal escape) still gives a one-line message. */
static char *label_copy(const char *s, nn_err *err)
{
    size_t n = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p < 0x20 || *p == 0x7f ? 4 : 1;
    char *out = nn_alloc(n, 1, err);
    if (!out)
        return NULL;
    char *w = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            w += snprintf(w, 5, "\\x%02x", *p);
        else
            *w++ = (char)*p;
    }
    *w = '\0';
    return out;
}

/* The parse behind both entry points. spec->file becomes `name`; positions in the file carry
 * `shown_name` (which must live as long as the spec: spec->file itself, or a literal). */
static int parse(const char *text, size_t len, const char *name, int stdin_name,
                 const char *base_dir, const nn_override *ov, int nov, nn_spec *spec,
                 nn_err *err)
{
    node *root = NULL;
    memset(spec, 0, sizeof *spec);
    spec->file = nn_strdup(name ? name : "<text>", err);
    if (!spec->file)
        goto fail;
    const char *shown_name = stdin_name ? "<stdin>" : spec->file;
    nn_pos whole = {shown_name, 0, 0};
    if (len > MAX_FILE) {
        nn_fail_at(err, whole, "the model file is larger than %d MiB", MAX_FILE >> 20);
        goto fail;
    }
    if (nov < 0 || (nov > 0 && !ov)) {
        nn_fail(err, "bad override list");
        goto fail;
    }
    if (nov > 0) {
        spec->origins = nn_alloc((size_t)nov, sizeof *spec->origins, err);
        if (!spec->origins)
            goto fail;
        spec->norigins = nov;
        for (int i = 0; i < nov; i++) {
            if (ov[i].origin) {
                spec->origins[i] = label_copy(ov[i].origin, err);
            } else {
                const char *k = ov[i].key ? ov[i].key : "", *v = ov[i].value ? ov[i].value : "";
                size_t n = strlen(k) + strlen(v) + 5;
                char *raw = nn_alloc(n, 1, err);
                if (raw)
                    snprintf(raw, n, "-s %s=%s", k, v);
                spec->origins[i] = raw ? label_copy(raw, err) : NULL;
                nn_free(raw);
            }
            if (!spec->origins[i])
                goto fail;
        }
    }

    source src = {text ? text : "", text ? len : 0, shown_name, 0};
    if (build_tree(&src, &root, err) < 0)
        goto fail;
    if (!root || is_null(root)) {
        nn_fail_at(err, whole, "the model file is empty (expected a map with input, layers "
                               "and loss)");
        goto fail;
    }
    if (root->kind != N_MAP) {
        fail_kind(root, "model file", "a map of keys (one of: input, layers, loss, ...)", err);
        goto fail;
    }
    for (int i = 0; i < nov; i++)
        if (apply_override(root, &ov[i], spec->origins[i], err) < 0)
            goto fail;
    conv c = {.spec = spec, .base_dir = base_dir, .err = err};
    if (convert(&c, root) < 0)
        goto fail;
    node_free(root);
    return 0;
fail:
    node_free(root);
    nn_config_destroy(spec);
    return -1;
}

int nn_config_parse(const char *text, size_t len, const char *name, const char *base_dir,
                    const nn_override *ov, int nov, nn_spec *spec, nn_err *err)
{
    return parse(text, len, name, 0, base_dir, ov, nov, spec, err);
}

/* Reads all of f (at most MAX_FILE + 1 bytes, enough to tell that it is too large). */
static char *read_all(FILE *f, const char *path, size_t *len, nn_err *err)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = nn_alloc(cap, 1, err);
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap > MAX_FILE)
                break;
            size_t ncap = cap * 2 > (size_t)MAX_FILE + 1 ? (size_t)MAX_FILE + 1 : cap * 2;
            char *p = nn_realloc(buf, ncap, 1, err);
            if (!p) {
                nn_free(buf);
                return NULL;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                nn_fail_io(err, path, "cannot read", errno);
                nn_free(buf);
                return NULL;
            }
            break;
        }
    }
    *len = n;
    return buf;
}

int nn_config_load(const char *path, const nn_override *ov, int nov, nn_spec *spec, nn_err *err)
{
    int from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    size_t len = 0;
    memset(spec, 0, sizeof *spec);
    if (!f)
        return nn_fail_io(err, path, "cannot open", errno);
    char *text = read_all(f, from_stdin ? "<stdin>" : path, &len, err);
    if (!from_stdin && fclose(f) != 0 && text) {
        nn_fail_io(err, path, "cannot close", errno);
        nn_free(text);
        return -1;
    }
    if (!text)
        return -1;
    if (len > MAX_FILE) {
        nn_free(text);
        return nn_fail(err, "%s: the model file is larger than %d MiB", path, MAX_FILE >> 20);
    }
    char *base = NULL;
    const char *slash = strrchr(path, '/');
    if (!from_stdin && slash) {
        base = nn_strndup(path, slash == path ? 1 : (size_t)(slash - path), err);
        if (!base) {
            nn_free(text);
            return -1;
        }
    }
    int rc = parse(text, len, path, from_stdin, base, ov, nov, spec, err);
    nn_free(base);
    nn_free(text);
    return rc;
}

int nn_config_is_model_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    nn_err ignored;
    size_t len = 0;
    char *text = read_all(f, path, &len, &ignored);
    if (fclose(f) != 0 || !text) {
        nn_free(text);
        return 0;
    }
    node *root = NULL;
    source src = {text, len, path, 0};
    int yes = len <= MAX_FILE && build_tree(&src, &root, &ignored) == 0 && root &&
              root->kind == N_MAP && map_get(root, "layers") != NULL;
    node_free(root);
    nn_free(text);
    return yes;
}

void nn_config_destroy(nn_spec *spec)
{
    if (!spec)
        return;
    for (int i = 0; i < spec->nlayers; i++)
        nn_free(spec->layers ? spec->layers[i].hp : NULL);
    nn_free(spec->layers);
    nn_free(spec->optim_hp);
    nn_free(spec->schedule_hp);
    nn_free(spec->data.train);
    nn_free(spec->data.test);
    nn_free(spec->data.validation_file);
    nn_free(spec->data.train_labels);
    nn_free(spec->data.test_labels);
    nn_free(spec->data.validation_labels);
    nn_free(spec->data.target);
    for (int i = 0; i < spec->data.ninputs; i++)
        nn_free(spec->data.inputs ? spec->data.inputs[i] : NULL);
    nn_free(spec->data.inputs);
    for (int i = 0; i < spec->norigins; i++)
        nn_free(spec->origins[i]);
    nn_free(spec->origins);
    nn_free(spec->file);
    memset(spec, 0, sizeof *spec);
}

/* ---- emitting ----------------------------------------------------------------------------- */

typedef struct out {
    char *p;
    size_t len, cap;
    int failed;
    nn_err *err;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *p = nn_realloc(o->p, cap, 1, o->err);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void put_str(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        if (!o->failed)
            nn_fail(o->err, "cannot emit the model: a value is too long");
        o->failed = 1;
        return;
    }
    put(o, buf, (size_t)n);
}

/* Length of the UTF-8 sequence at s, or 0 when it is not valid UTF-8. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || (n == 3 && s[0] > 0xef))
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    unsigned cp = n == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu)
                : n == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu)
                         : (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 |
                               (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

/* A double-quoted YAML string. Control characters and the characters YAML reads as line
 * breaks (U+0085, U+2028, U+2029) or a byte order mark are escaped; other UTF-8 is kept. */
static void put_quoted(out *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    put_str(o, "\"");
    while (*p && !o->failed) {
        int n = utf8_len(p);
        if (n == 0) {
            nn_fail(o->err, "cannot emit the model: a string is not valid UTF-8");
            o->failed = 1;
            return;
        }
        if (*p == '"' || *p == '\\') {
            putf(o, "\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            putf(o, "\\x%02X", *p);
        } else if (n == 2 && p[0] == 0xc2 && p[1] == 0x85) {
            put_str(o, "\\N");
        } else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            put_str(o, p[2] == 0xa8 ? "\\L" : "\\P");
        } else if (n == 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
            put_str(o, "\\uFEFF");
        } else {
            put(o, (const char *)p, (size_t)n);
        }
        p += n;
    }
    put_str(o, "\"");
}

/* A column under data:: decimal indices plain, names quoted. */
static void put_column(out *o, const char *s)
{
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        p++;
    /* Only an index as the parser writes it goes out bare ("0555" would come back as 555). */
    if (*s && !*p && p - s <= 9 && (s[0] != '0' || !s[1]))
        put_str(o, s);
    else
        put_quoted(o, s);
}

static void put_hparams(out *o, const nn_hparam *table, const void *blob, int *first)
{
    char val[64];
    for (const nn_hparam *h = table; h && h->key; h++) {
        nn_hparam_format(h, blob, val, sizeof val);
        putf(o, "%s%s: %s", *first ? "" : ", ", h->key, val);
        *first = 0;
    }
}

int nn_config_emit(const nn_spec *spec, char **text, nn_err *err)
{
    out o = {NULL, 0, 0, 0, err};
    char val[64];
    *text = NULL;
    if (!spec || spec->nlayers < 1 || !spec->layers || !spec->loss || !spec->optim ||
        spec->input.ndim < 1 || spec->input.ndim > NN_MAX_DIM)
        return nn_fail(err, "cannot emit the model: the spec is incomplete");

    if (spec->input.ndim == 1) {
        putf(&o, "input: %d\n", spec->input.dim[0]);
    } else {
        put_str(&o, "input: [");
        for (int i = 0; i < spec->input.ndim; i++)
            putf(&o, "%s%d", i ? ", " : "", spec->input.dim[i]);
        put_str(&o, "]\n");
    }
    put_str(&o, "layers:\n");
    for (int i = 0; i < spec->nlayers; i++) {
        const nn_layer_spec *ls = &spec->layers[i];
        int has_keys = ls->ops->hparams && ls->ops->hparams[0].key && ls->hp;
        putf(&o, "  - %s", ls->ops->type);
        if (has_keys || ls->name[0]) {
            int first = 1;
            put_str(&o, ": {");
            if (has_keys)
                put_hparams(&o, ls->ops->hparams, ls->hp, &first);
            if (ls->name[0]) {
                putf(&o, "%sname: ", first ? "" : ", ");
                put_quoted(&o, ls->name);
            }
            put_str(&o, "}");
        }
        put_str(&o, "\n");
    }
    putf(&o, "loss: %s\n", spec->loss->type);
    putf(&o, "optimizer: {type: %s", spec->optim->type);
    if (spec->optim->hparams && spec->optim_hp) {
        int first = 0;
        put_hparams(&o, spec->optim->hparams, spec->optim_hp, &first);
    }
    put_str(&o, "}\n");
    for (const nn_hparam *h = run_hparams; h->key; h++) {
        nn_hparam_format(h, &spec->run, val, sizeof val);
        putf(&o, "%s: %s\n", h->key, val);
    }
    if (spec->schedule && spec->schedule_hp) {
        int first = 0;
        putf(&o, "lr_schedule: {type: %s", spec->schedule->type);
        put_hparams(&o, spec->schedule->hparams, spec->schedule_hp, &first);
        put_str(&o, "}\n");
    }
    if (spec->early.enabled) {
        int first = 1;
        put_str(&o, "early_stopping: {");
        put_hparams(&o, nn_early_hparams, &spec->early, &first);
        put_str(&o, "}\n");
    }
    if (spec->early.enabled || spec->early.restore_best)
        putf(&o, "restore_best: %s\n", spec->early.restore_best
                                            ? nn_monitor_names[spec->early.monitor] : "false");
    const nn_data_spec *d = &spec->data;
    if (d->validation_file) {
        put_str(&o, "validation: ");
        put_quoted(&o, d->validation_file);
        put_str(&o, "\n");
    } else {
        nn_hparam vh = {.key = "validation", .kind = NN_HP_FLOAT,
                        .offset = offsetof(nn_data_spec, validation)};
        nn_hparam_format(&vh, d, val, sizeof val);
        putf(&o, "validation: %s\n", val);
    }
    put_str(&o, "data:\n");
    if (d->train) {
        put_str(&o, "  train: ");
        put_quoted(&o, d->train);
        put_str(&o, "\n");
    }
    if (d->test) {
        put_str(&o, "  test: ");
        put_quoted(&o, d->test);
        put_str(&o, "\n");
    }
    const char *const label_keys[] = {"train_labels", "test_labels", "validation_labels"};
    const char *const label_paths[] = {d->train_labels, d->test_labels, d->validation_labels};
    for (int i = 0; i < 3; i++) {
        if (label_paths[i]) {
            putf(&o, "  %s: ", label_keys[i]);
            put_quoted(&o, label_paths[i]);
            put_str(&o, "\n");
        }
    }
    if (d->target) {
        put_str(&o, "  target: ");
        put_quoted(&o, d->target);
        put_str(&o, "\n");
    } else if (d->target_index >= 0) {
        putf(&o, "  target: %d\n", d->target_index);
    }
    if (d->ninputs > 0 && d->inputs) {
        put_str(&o, "  inputs: [");
        for (int i = 0; i < d->ninputs; i++) {
            if (i)
                put_str(&o, ", ");
            put_column(&o, d->inputs[i]);
        }
        put_str(&o, "]\n");
    }
    for (const nn_hparam *h = data_hparams; h->key; h++) {
        nn_hparam_format(h, d, val, sizeof val);
        putf(&o, "  %s: %s\n", h->key, val);
    }
    if (o.failed) {
        nn_free(o.p);
        return -1;
    }
    *text = o.p;
    return 0;
}
