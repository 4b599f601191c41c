/* suggest: the closest known name to a mistyped one (see suggest.h). */
#include <stdlib.h>
#include <string.h>
#include "suggest.h"
#include "util.h"

size_t suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	/* three rows of the (n+1) x (m+1) table: two back for the swap */
	size_t *prev2 = xcalloc(m + 1, sizeof(size_t)), *prev = xcalloc(m + 1, sizeof(size_t)),
	       *cur = xcalloc(m + 1, sizeof(size_t));
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	size_t d = prev[m];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

const char *suggest_closest(const char *word, const char *const *candidates)
{
	/* "--" of an option is not part of what was mistyped */
	size_t skip = strncmp(word, "--", 2) == 0 ? 2 : 0;
	size_t len = strlen(word + skip);
	size_t limit = len <= 4 ? 1 : 2;
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; candidates && candidates[i]; i++) {
		const char *c = candidates[i];
		if (strcmp(c, word) == 0)
			continue;
		size_t d = suggest_distance(word, c);
		if (len >= 3 && strncmp(c, word, strlen(word)) == 0 && d > limit)
			d = limit; /* a prefix of the name: "--lim" */
		if (d <= limit && d < best_d) {
			best = c;
			best_d = d;
		}
	}
	return best;
}
