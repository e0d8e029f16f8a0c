/* checkpoint.h -- --resume: continuing a run from a weights file that holds its training state.
 *
 * Every weights file nntrain writes from a training run (at the end, at each
 * --checkpoint-every, on SIGINT/SIGTERM) carries an OPTM section (weights.h: nn_train_state).
 * Resuming reads such a file, checks that the model file given describes the same network,
 * loads the weights and hands the state to the trainer, so the run goes on as if it had never
 * stopped: with the same seed, data and thread count, 5 epochs and a resume to 10 write the
 * same bytes as 10 epochs straight.
 *
 * What must match the checkpoint: input, layers (types, names and every setting), loss, the
 * optimizer type, the training rows (their number and the preprocessing fitted on them).
 * Everything else may change on resume and applies from the next epoch: epochs (the total, so
 * raise it to train longer), learning_rate, lr_schedule, the optimizer's settings,
 * weight_decay, clip_norm, batch_size, shuffle, early_stopping, validation and test data. */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include "err.h"
#include "model.h"
#include "preprocess.h"
#include "rng.h"
#include "spec.h"
#include "train.h"

/* 0 when spec b (read from `file`) describes the same network as spec a: the same input
 * shape, the same layers with the same names and settings, the same loss. Else -1, and err
 * names the first difference. */
int nn_checkpoint_same_network(const nn_spec *a, const nn_spec *b, const char *file,
                               nn_err *err);

/* Resumes from the weights file at path: checks it against spec (the model file and
 * overrides of this run) and prep (fitted on this run's training rows), loads its weights
 * into m, its training state into t and its generator state into rng. Errors (exit 2) say
 * what does not match, or that the file has no training state, that early stopping already
 * ended its run, or that it has already done spec's epochs. */
int nn_checkpoint_resume(const char *path, const nn_spec *spec, const nn_prep *prep,
                         nn_model *m, nn_trainer *t, nn_rng *rng, nn_err *err);

#endif
