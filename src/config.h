/* config.h -- the model file (YAML) and -s overrides -> nn_spec.
 *
 * The only module that includes <yaml.h>. It knows the top-level keys, the layer item forms
 * (`- tanh`, `- dense: 3`, `- dense: {units: 3, init: he}`) and the registries' key tables; it
 * knows nothing of the math. Errors name the file, line and column and list what was expected:
 *   models/x.yaml:7:9: unknown key 'unit' for dense (expected one of: units, init, bias, name)
 * Unknown keys, duplicate keys, wrong types, YAML anchors/aliases and tags are errors. */
#ifndef NN_CONFIG_H
#define NN_CONFIG_H

#include <stddef.h>

#include "err.h"
#include "spec.h"

/* One `-s KEY=VALUE` (or a flag such as -e that stands for one). key is a dotted path
 * ("epochs", "optimizer.type", "layers.0.units", "data.train"); value is parsed as YAML.
 * origin names the override in messages ("-s layers.0.units=x", "--epochs"). */
typedef struct nn_override {
    const char *origin;
    const char *key;
    const char *value;
} nn_override;

/* Reads the model file at path ("-" reads stdin; relative data paths then resolve against the
 * working directory, otherwise against the model file's directory), applies the overrides in
 * order, and fills *spec. On error fills err and leaves *spec empty (safe to destroy).
 * Strings in spec are owned by it; free with nn_config_destroy. */
int nn_config_load(const char *path, const nn_override *ov, int nov, nn_spec *spec, nn_err *err);

/* The same from text in memory: `name` is used in messages and kept as spec->file; data paths
 * are resolved against base_dir unless it is NULL (kept as written). */
int nn_config_parse(const char *text, size_t len, const char *name, const char *base_dir,
                    const nn_override *ov, int nov, nn_spec *spec, nn_err *err);

/* 1 when the file at path holds a model file, judged by content: YAML text whose top level is
 * a map with a `layers:` key (whether or not the rest is valid). 0 for anything else, and when
 * the file cannot be read: nnpredict asks this only to explain a file that is not weights. */
int nn_config_is_model_file(const char *path);

/* Writes the resolved spec as canonical YAML (every layer as a full map with all its keys,
 * every top-level key), which nn_config_parse reads back to an equal spec. *text is a
 * NUL-terminated heap string owned by the caller (nn_free). Deterministic byte for byte. */
int nn_config_emit(const nn_spec *spec, char **text, nn_err *err);

/* Frees everything spec owns and zeroes it. NULL or an empty spec is fine. */
void nn_config_destroy(nn_spec *spec);

#endif
