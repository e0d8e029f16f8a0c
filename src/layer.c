/* layer.c -- the small shared pieces of the layer contract: sample shapes, the `init` words and
 * parameter declaration; see layer.h. The layer types themselves live in src/layers/. */
#include "layer.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>

/* Kept in the order of enum nn_init: the index of a word is its nn_init value. zero and one are
 * not offered to users; layers pick them for biases and scales. */
const char *const nn_init_names[] = {"uniform", "xavier", "he", NULL};

/* A shape with no dimensions, or with a dimension below 1, holds nothing and gives 0. A product
 * that does not fit in size_t gives SIZE_MAX, which no allocation can satisfy. */
size_t nn_shape_size(nn_shape s)
{
    if (s.ndim <= 0 || s.ndim > NN_MAX_DIM)
        return 0;
    size_t n = 1;
    for (int i = 0; i < s.ndim; i++) {
        if (s.dim[i] <= 0)
            return 0;
        if ((size_t)s.dim[i] > SIZE_MAX / n)
            return SIZE_MAX;
        n *= (size_t)s.dim[i];
    }
    return n;
}

nn_shape nn_shape_1d(int n)
{
    nn_shape s = {.ndim = 1, .dim = {n}};
    return s;
}

int nn_shape_equal(nn_shape a, nn_shape b)
{
    if (a.ndim != b.ndim)
        return 0;
    for (int i = 0; i < a.ndim; i++)
        if (a.dim[i] != b.dim[i])
            return 0;
    return 1;
}

/* Dimensions joined by 'x'; an empty shape is written as "0". Truncated to fit buf, always
 * NUL-terminated when size > 0. */
void nn_shape_format(nn_shape s, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (s.ndim <= 0 || s.ndim > NN_MAX_DIM) {
        snprintf(buf, size, "0");
        return;
    }
    size_t used = 0;
    for (int i = 0; i < s.ndim && used < size; i++) {
        int w = snprintf(buf + used, size - used, i ? "x%d" : "%d", s.dim[i]);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

/* The name is copied (truncated to NN_NAME_MAX - 1 bytes); w and g stay NULL until the model
 * hands out its arenas. Declaring more than NN_MAX_PARAMS parameters is a bug in the layer. */
void nn_layer_declare(nn_layer *l, const char *name, nn_shape s, nn_init init, int fan_in,
                      int fan_out, unsigned flags)
{
    assert(l->nparam >= 0 && l->nparam < NN_MAX_PARAMS);
    if (l->nparam < 0 || l->nparam >= NN_MAX_PARAMS)
        return;
    nn_param *p = &l->param[l->nparam++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->shape = s;
    p->init = init;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
    p->flags = flags;
    p->w = NULL;
    p->g = NULL;
}
