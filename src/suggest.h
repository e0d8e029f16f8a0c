/* suggest.h -- "did you mean": the known word nearest to a misspelt one.
 *
 * Used for unknown command-line options (--lr, --batch_size, --epoch), where a user who typed
 * a near miss is better served by the right word than by the whole --help. */
#ifndef NN_SUGGEST_H
#define NN_SUGGEST_H

/* The word of words[0..n) that `typed` most likely means, or NULL when none is near enough.
 * Case, '_' against '-' and one swap of two neighbouring letters do not count as differences.
 * A word is near when it is
 *   - within 1 edit (insert, delete, change or swap) for a typed word of 3 to 5 letters, or 2
 *     edits from 6 letters on (--lerning-rat, --batchsize, --epoch);
 *   - made of words whose initials `typed` spells ("lr" -> "learning-rate");
 *   - a prefix of `typed`, of 4 letters or more ("probability" -> "proba").
 * The fewest edits win; ties go to the first word. The returned pointer is words[i]. */
const char *nn_suggest(const char *typed, const char *const *words, int n);

/* The optimal string alignment distance between a and b (Levenshtein's edits plus the swap of
 * two neighbouring characters), with case and '_'/'-' ignored. Words longer than 63 bytes
 * count as far from everything (INT_MAX / 2). */
int nn_suggest_distance(const char *a, const char *b);

#endif
