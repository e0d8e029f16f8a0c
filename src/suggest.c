/* suggest.c -- the nearest known word to a misspelt one; see suggest.h.
 *
 * The distance is the textbook dynamic programme over a (len(a)+1) x (len(b)+1) table, kept on
 * the stack: the words compared are option names, a few dozen bytes at most. */
#include "suggest.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

enum { MAX_WORD = 64, FAR = INT_MAX / 2 };

/* The character as compared: lower case, '_' read as '-'. */
static int folded(char c)
{
    return c == '_' ? '-' : tolower((unsigned char)c);
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

int nn_suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX_WORD || lb >= MAX_WORD)
        return FAR;
    int d[MAX_WORD][MAX_WORD];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int same = folded(a[i - 1]) == folded(b[j - 1]);
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + !same);
            if (i > 1 && j > 1 && folded(a[i - 1]) == folded(b[j - 2]) &&
                folded(a[i - 2]) == folded(b[j - 1]) && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1; /* two neighbours swapped */
        }
    }
    return d[la][lb];
}

/* 1 when typed spells the initials of word's '-' or '_' separated parts, two parts or more:
 * "lr" for "learning-rate". */
static int initials(const char *typed, const char *word)
{
    size_t parts = 0;
    for (const char *p = word; *p; p++) {
        if (p != word && p[-1] != '-' && p[-1] != '_')
            continue;
        if (*p == '-' || *p == '_' || folded(typed[parts]) != folded(*p))
            return 0;
        parts++;
    }
    return parts >= 2 && typed[parts] == '\0';
}

/* 1 when word, of 4 letters or more, starts typed ("proba" in "probability"). */
static int starts(const char *typed, const char *word)
{
    size_t n = strlen(word);
    if (n < 4 || strlen(typed) <= n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (folded(typed[i]) != folded(word[i]))
            return 0;
    return 1;
}

const char *nn_suggest(const char *typed, const char *const *words, int n)
{
    size_t len = strlen(typed);
    int allowed = len >= 6 ? 2 : len >= 3 ? 1 : 0;
    const char *best = NULL;
    int best_d = FAR;
    for (int i = 0; i < n; i++) {
        int d = nn_suggest_distance(typed, words[i]);
        if (d <= allowed && d < best_d) {
            best = words[i];
            best_d = d;
        }
    }
    for (int i = 0; i < n && !best; i++)
        if (initials(typed, words[i]) || starts(typed, words[i]))
            best = words[i];
    return best;
}
