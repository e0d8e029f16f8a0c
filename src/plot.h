/* plot.h -- --plot: loss and accuracy curves drawn by gnuplot.
 *
 * The picture has one panel for the loss and, for classification, one for the accuracy, each
 * with the training curve and, when there is validation data, the validation curve, against
 * the epoch. The format follows the file name: .png (gnuplot's pngcairo terminal) or .svg.
 * gnuplot (Debian: gnuplot-nox) runs as a child process on a script written beside the
 * output; the picture is written to a temporary file, synced and renamed into place. */
#ifndef NN_PLOT_H
#define NN_PLOT_H

#include "err.h"
#include "report.h"

/* Checks that path ends in .png or .svg and that gnuplot is an executable in $PATH, so a run
 * can refuse --plot before it trains. The message says what to install. */
int nn_plot_check(const char *path, nn_err *err);

/* Draws the epochs of h into path. Errors name the path, or gnuplot's exit status. */
int nn_plot_write(const char *path, const nn_history *h, nn_err *err);

#endif
