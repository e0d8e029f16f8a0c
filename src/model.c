/* model.c -- builds a network from an nn_spec and runs it; see model.h.
 *
 * Memory layout (all allocated in nn_model_build, released in nn_model_free):
 *   values, grads  trainable parameters and their gradients, one layout, layer by layer
 *   frozen         parameters saved but never stepped (none of this layers use it)
 *   act[i]         layer i's output, (max_batch, out_i)
 *   dact[i]        dE/d(act[i]), same size; layer i+1's backward writes it
 *   cache[i]       state_len_i floats, then (max_batch, cache_len_i)
 *   work           (max_batch, max work_len)
 * The layers run are layers[0 .. nrun): nrun is nlayers - 1 when the last layer is the
 * activation the loss fuses with, so z = act[nrun - 1] feeds the loss directly. */
#include "model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

struct nn_model {
    nn_layer *layers;
    int nlayers;
    int nrun;                 /* layers run by forward/backward */
    const nn_loss_ops *loss;
    nn_shape input;
    int max_batch;
    float *values, *grads, *frozen;
    size_t nvalues, nfrozen;
    float **act, **dact, **cache;
    float *work;
    float *zcopy;             /* z when no layer runs at all (a lone fused activation) */
    nn_rng *pass_rng;
};

static size_t param_size(const nn_param *p)
{
    return nn_shape_size(p->shape);
}

/* ---- building ---------------------------------------------------------------------------- */

static void name_layer(nn_layer *l, const nn_layer_spec *ls, const nn_layer_spec *all, int i)
{
    if (ls->name[0]) {
        snprintf(l->name, sizeof l->name, "%s", ls->name);
        return;
    }
    int same_type = 1; /* 1-based count of this type so far: dense1, dense2, ... */
    for (int j = 0; j < i; j++)
        same_type += all[j].ops == ls->ops;
    snprintf(l->name, sizeof l->name, "%s%d", ls->ops->type, same_type);
}

/* Runs every layer's setup in order, so each sees the previous output shape. */
static int setup_layers(nn_model *m, const nn_spec *spec, nn_err *err)
{
    nn_shape shape = spec->input;
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        const nn_layer_spec *ls = &spec->layers[i];
        l->ops = ls->ops;
        l->hp = ls->hp;
        l->in = shape;
        name_layer(l, ls, spec->layers, i);
        nn_err why;
        if (l->ops->setup(l, &why) < 0)
            return nn_fail_at(err, ls->pos, "%s (layer %d, %s): %s", l->name, i + 1,
                              l->ops->type, why.msg);
        if (nn_shape_size(l->out) == 0)
            return nn_fail_at(err, ls->pos, "%s (layer %d): empty output shape", l->name, i + 1);
        shape = l->out;
    }
    return 0;
}

static int alloc_arenas(nn_model *m, nn_err *err)
{
    size_t B = (size_t)m->max_batch, work = 0;
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        for (int k = 0; k < l->nparam; k++) {
            if (l->param[k].flags & NN_PARAM_FROZEN)
                m->nfrozen += param_size(&l->param[k]);
            else
                m->nvalues += param_size(&l->param[k]);
        }
        if (l->work_len > work)
            work = l->work_len;
    }
    m->values = nn_alloc(m->nvalues, sizeof(float), err);
    m->grads = nn_alloc(m->nvalues, sizeof(float), err);
    m->frozen = nn_alloc(m->nfrozen, sizeof(float), err);
    m->work = nn_alloc(B, (work ? work : 1) * sizeof(float), err);
    m->act = nn_alloc((size_t)m->nlayers, sizeof(float *), err);
    m->dact = nn_alloc((size_t)m->nlayers, sizeof(float *), err);
    m->cache = nn_alloc((size_t)m->nlayers, sizeof(float *), err);
    m->zcopy = nn_alloc(B, nn_shape_size(m->input) * sizeof(float), err);
    if (!m->values || !m->grads || !m->frozen || !m->work || !m->act || !m->dact || !m->cache ||
        !m->zcopy)
        return -1;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        size_t out = nn_shape_size(l->out), cache;
        if (!nn_mul_ok(B, l->cache_len, &cache) || cache > SIZE_MAX - l->state_len - 1)
            return nn_fail(err, "%s: cache too large", l->name);
        m->act[i] = nn_alloc(B, out * sizeof(float), err);
        m->dact[i] = nn_alloc(B, out * sizeof(float), err);
        m->cache[i] = nn_alloc(cache + l->state_len + 1, sizeof(float), err);
        if (!m->act[i] || !m->dact[i] || !m->cache[i])
            return -1;
    }
    /* Hand each parameter its slices of the arenas. */
    size_t v = 0, f = 0;
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        for (int k = 0; k < l->nparam; k++) {
            nn_param *p = &l->param[k];
            if (p->flags & NN_PARAM_FROZEN) {
                p->w = m->frozen + f;
                p->g = NULL;
                f += param_size(p);
            } else {
                p->w = m->values + v;
                p->g = m->grads + v;
                v += param_size(p);
            }
        }
    }
    return 0;
}

nn_model *nn_model_build(const nn_spec *spec, int max_batch, nn_err *err)
{
    if (max_batch < 1)
        max_batch = 1;
    if (spec->nlayers < 1) {
        nn_fail_at(err, spec->input_pos, "the model has no layers (expected at least one)");
        return NULL;
    }
    nn_model *m = nn_alloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->nlayers = spec->nlayers;
    m->loss = spec->loss;
    m->input = spec->input;
    m->max_batch = max_batch;
    m->layers = nn_alloc((size_t)m->nlayers, sizeof *m->layers, err);
    if (!m->layers || setup_layers(m, spec, err) < 0 || alloc_arenas(m, err) < 0) {
        nn_model_free(m);
        return NULL;
    }
    const nn_layer *last = &m->layers[m->nlayers - 1];
    int fused = m->loss && m->loss->fuses && strcmp(last->ops->type, m->loss->fuses) == 0;
    m->nrun = m->nlayers - fused;
    return m;
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nlayers && m->act; i++) {
        nn_free(m->act[i]);
        if (m->dact)
            nn_free(m->dact[i]);
        if (m->cache)
            nn_free(m->cache[i]);
    }
    nn_free(m->act);
    nn_free(m->dact);
    nn_free(m->cache);
    nn_free(m->values);
    nn_free(m->grads);
    nn_free(m->frozen);
    nn_free(m->work);
    nn_free(m->zcopy);
    nn_free(m->layers);
    nn_free(m);
}

/* ---- parameters -------------------------------------------------------------------------- */

static float init_bound(const nn_param *p)
{
    switch (p->init) {
    case NN_INIT_UNIFORM:
        return 0.5f;
    case NN_INIT_XAVIER:
        return (float)sqrt(6.0 / (double)(p->fan_in + p->fan_out));
    case NN_INIT_HE:
        return (float)sqrt(6.0 / (double)p->fan_in);
    default:
        return 0.0f;
    }
}

void nn_model_init_params(nn_model *m, nn_rng *rng)
{
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        for (int k = 0; k < l->nparam; k++) {
            nn_param *p = &l->param[k];
            size_t n = param_size(p);
            if (p->init == NN_INIT_ZERO || p->init == NN_INIT_ONE) {
                for (size_t j = 0; j < n; j++)
                    p->w[j] = p->init == NN_INIT_ONE ? 1.0f : 0.0f;
                continue;
            }
            float bound = init_bound(p);
            for (size_t j = 0; j < n; j++)
                p->w[j] = (float)((2.0 * nn_rng_uniform(rng) - 1.0) * bound);
        }
    }
}

float *nn_model_values(nn_model *m, size_t *n)
{
    *n = m->nvalues;
    return m->values;
}

float *nn_model_grads(nn_model *m, size_t *n)
{
    *n = m->nvalues;
    return m->grads;
}

void nn_model_zero_grad(nn_model *m)
{
    memset(m->grads, 0, m->nvalues * sizeof(float));
}

size_t nn_model_param_count(const nn_model *m)
{
    return m->nvalues + m->nfrozen;
}

/* ---- passes ------------------------------------------------------------------------------ */

const float *nn_model_forward(nn_model *m, const float *x, int batch, int train, nn_rng *rng)
{
    nn_pass pass = {.batch = batch, .train = train, .rng = rng, .work = m->work};
    const float *in = x;
    for (int i = 0; i < m->nrun; i++) {
        const nn_layer *l = &m->layers[i];
        l->ops->forward(l, &pass, in, m->act[i], m->cache[i]);
        in = m->act[i];
    }
    if (m->nrun == 0) { /* the network is only the fused activation: z is the input itself */
        memcpy(m->zcopy, x, (size_t)batch * nn_shape_size(m->input) * sizeof(float));
        return m->zcopy;
    }
    return in;
}

void nn_model_backward(nn_model *m, const float *x, const float *dz, int batch)
{
    nn_pass pass = {.batch = batch, .train = 1, .rng = NULL, .work = m->work};
    for (int i = m->nrun - 1; i >= 0; i--) {
        const nn_layer *l = &m->layers[i];
        const float *in = i == 0 ? x : m->act[i - 1];
        const float *dy = i == m->nrun - 1 ? dz : m->dact[i];
        float *dx = i == 0 ? NULL : m->dact[i - 1];
        l->ops->backward(l, &pass, in, m->act[i], m->cache[i], dy, dx);
    }
}

void nn_model_predict(nn_model *m, const float *x, int batch, float *out)
{
    const float *z = nn_model_forward(m, x, batch, 0, NULL);
    int width = nn_model_out_width(m);
    memcpy(out, z, (size_t)batch * (size_t)width * sizeof(float));
    if (m->loss)
        nn_loss_activate(m->loss, out, width, batch);
}

/* ---- queries ----------------------------------------------------------------------------- */

const nn_loss_ops *nn_model_loss(const nn_model *m)
{
    return m->loss;
}

int nn_model_nlayers(const nn_model *m)
{
    return m->nlayers;
}

const nn_layer *nn_model_layer(const nn_model *m, int i)
{
    return &m->layers[i];
}

nn_shape nn_model_input_shape(const nn_model *m)
{
    return m->input;
}

int nn_model_input_size(const nn_model *m)
{
    return (int)nn_shape_size(m->input);
}

int nn_model_out_width(const nn_model *m)
{
    /* A fused activation keeps its input's shape, so the last layer's output width is z's. */
    return (int)nn_shape_size(m->layers[m->nlayers - 1].out);
}

/* ---- tensors for the weights file -------------------------------------------------------- */

int nn_model_tensors(const nn_model *m, nn_tensor **t, int *n, nn_err *err)
{
    int count = 0;
    for (int i = 0; i < m->nlayers; i++)
        count += m->layers[i].nparam;
    nn_tensor *ts = nn_alloc((size_t)count, sizeof *ts, err);
    if (!ts)
        return -1;
    int k = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const nn_layer *l = &m->layers[i];
        for (int j = 0; j < l->nparam; j++, k++) {
            snprintf(ts[k].name, sizeof ts[k].name, "%s.%s", l->name, l->param[j].name);
            ts[k].shape = l->param[j].shape;
            ts[k].data = l->param[j].w;
        }
    }
    *t = ts;
    *n = count;
    return 0;
}

int nn_model_load(nn_model *m, const nn_tensor *t, int n, const char *file, nn_err *err)
{
    int used = 0;
    for (int i = 0; i < m->nlayers; i++) {
        nn_layer *l = &m->layers[i];
        for (int j = 0; j < l->nparam; j++) {
            nn_param *p = &l->param[j];
            char name[NN_TENSOR_NAME_MAX];
            snprintf(name, sizeof name, "%s.%s", l->name, p->name);
            int found = -1;
            for (int k = 0; k < n && found < 0; k++)
                if (strcmp(t[k].name, name) == 0)
                    found = k;
            if (found < 0)
                return nn_fail(err, "%s: tensor '%s' is missing", file, name);
            if (!nn_shape_equal(t[found].shape, p->shape)) {
                char have[64], want[64];
                nn_shape_format(t[found].shape, have, sizeof have);
                nn_shape_format(p->shape, want, sizeof want);
                return nn_fail(err, "%s: tensor '%s' has shape %s, expected %s", file, name,
                               have, want);
            }
            memcpy(p->w, t[found].data, param_size(p) * sizeof(float));
            used++;
        }
    }
    if (used != n)
        return nn_fail(err, "%s: %d tensors do not belong to the model (expected %d)", file,
                       n - used, used);
    return 0;
}
