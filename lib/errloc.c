/* errloc: the FILE:LINE an error message names (see errloc.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "errloc.h"

static int errloc_word_char(char c)
{
	return c && !isspace((unsigned char)c) && c != '\'' && c != '"' && c != '(' && c != ')' && c != ',' &&
	       c != '`';
}

int errloc_find(const char *msg, char *file, size_t size, int *line)
{
	for (const char *p = msg; *p; p++) {
		if (*p != ':' || !isdigit((unsigned char)p[1]))
			continue;
		const char *d = p + 1;
		long n = 0;
		while (isdigit((unsigned char)*d) && n < 100000000)
			n = n * 10 + (*d++ - '0');
		if (*d != ':' || n < 1)
			continue;
		/* the word before ':' */
		const char *start = p;
		while (start > msg && errloc_word_char(start[-1]) && start[-1] != ':')
			start--;
		/* a path may hold ':' only as part of a drive or URL: not ours */
		size_t wlen = (size_t)(p - start);
		if (wlen == 0 || (start > msg && start[-1] == ':'))
			continue;
		int letter = 0, sep = 0;
		for (const char *q = start; q < p; q++) {
			if (isalpha((unsigned char)*q))
				letter = 1;
			if (*q == '.' || *q == '/')
				sep = 1;
		}
		if (!letter || !sep)
			continue;
		if (size) {
			size_t k = wlen < size - 1 ? wlen : size - 1;
			memcpy(file, start, k);
			file[k] = '\0';
		}
		*line = (int)n;
		return 1;
	}
	return 0;
}
