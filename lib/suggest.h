/*
 * suggest: "did you mean --limit?" for a mistyped option or command name
 * (git's help.c does the same with its own distance).  Pure code.
 */
#ifndef SC_SUGGEST_H
#define SC_SUGGEST_H

#include <stddef.h>

/* The edit distance of a and b: insertions, deletions, substitutions and
 * swaps of two neighbouring characters each count 1 (Damerau-Levenshtein,
 * optimal string alignment). */
size_t suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to word, or NULL when none is close: at most 1 edit
 * away for words of up to 4 characters, 2 for longer ones, or a candidate
 * that word is a prefix of (3 characters at least: "--lim" for "--limit").
 * candidates is NULL-terminated; the result is one of them (borrowed).
 * Ties go to the first candidate.
 */
const char *suggest_closest(const char *word, const char *const *candidates);

#endif
