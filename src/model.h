/* model.h -- nn_model: a network built from an nn_spec through the layer registry.
 *
 * The model owns every byte the network uses, allocated once by nn_model_build for batches of up
 * to max_batch rows: the trainable values and, with the same layout, their gradients (so the
 * optimizer updates the whole network with one call over two flat arrays); frozen values; and
 * the activations, their gradients, the layers' caches and one shared scratch area. Nothing is
 * allocated by forward or backward.
 *
 * Losses that fuse an activation (cross_entropy with softmax) see logits: when the network ends
 * with that activation, forward stops before it and returns its input ("z"); otherwise z is the
 * network's output. nn_model_predict turns z into what a user sees. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>

#include "err.h"
#include "layer.h"
#include "loss.h"
#include "rng.h"
#include "spec.h"
#include "weights.h"

typedef struct nn_model nn_model;

/* Builds the network of spec for batches of up to max_batch rows: runs each layer's setup on
 * the previous layer's output shape, names the layers ("dense1", "tanh1", ... or their `name:`)
 * and allocates every arena. Parameters are zero until nn_model_init_params or nn_model_load.
 * Errors name the layer's place in the model file. The model keeps no pointer into spec except
 * the layers' settings, so spec must outlive the model. Free with nn_model_free. */
nn_model *nn_model_build(const nn_spec *spec, int max_batch, nn_err *err);
void nn_model_free(nn_model *m);

/* Fills every parameter by its init scheme, drawing from rng in layer order. */
void nn_model_init_params(nn_model *m, nn_rng *rng);

/* Forward pass over x (batch, input size), batch <= max_batch. Returns z (batch, z width); the
 * pointer is owned by the model and valid until the next forward. train selects training
 * behaviour (dropout); rng may be NULL when train is 0. */
const float *nn_model_forward(nn_model *m, const float *x, int batch, int train, nn_rng *rng);

/* Backward pass from dz = dE/dz (batch, z width): adds every parameter's gradient. Must follow
 * nn_model_forward with the same x and batch. */
void nn_model_backward(nn_model *m, const float *x, const float *dz, int batch);

/* Zeroes the gradient arena. */
void nn_model_zero_grad(nn_model *m);

/* Forward in prediction mode, then the loss's activation: writes what a user sees
 * (probabilities for classification, values for regression) into out (batch, out width). */
void nn_model_predict(nn_model *m, const float *x, int batch, float *out);

/* The trainable values and their gradients: two arrays of *n floats with the same layout. */
float *nn_model_values(nn_model *m, size_t *n);
float *nn_model_grads(nn_model *m, size_t *n);

const nn_loss_ops *nn_model_loss(const nn_model *m);
int nn_model_nlayers(const nn_model *m);
const nn_layer *nn_model_layer(const nn_model *m, int i);
nn_shape nn_model_input_shape(const nn_model *m);
int nn_model_input_size(const nn_model *m);
int nn_model_out_width(const nn_model *m);   /* width of z and of predictions */
size_t nn_model_param_count(const nn_model *m); /* every parameter, frozen ones included */

/* Describes every parameter as a named tensor ("dense1.W") pointing into the model, for the
 * weights file. *t is a heap array of *n entries owned by the caller (nn_free); the data
 * pointers are borrowed from m. */
int nn_model_tensors(const nn_model *m, nn_tensor **t, int *n, nn_err *err);

/* Copies parameters from tensors read from `file`: every parameter must be present once with
 * its exact shape, and no tensor may be left over; errors name the file and the tensor. */
int nn_model_load(nn_model *m, const nn_tensor *t, int n, const char *file, nn_err *err);

#endif
