/*
 * errloc: the FILE:LINE an error message names, for --json's error object
 * ("file" and "line").  Messages are built by every layer as text (struct
 * err), with the place as "PATH:LINE: " (a config key, a migration's
 * statement), possibly behind prefixes such as "deploy 'prod': step 'm': ".
 * Pure code.
 */
#ifndef SC_ERRLOC_H
#define SC_ERRLOC_H

#include <stddef.h>

/*
 * The first "PATH:LINE:" of msg: PATH is one word (no space or quote) that
 * holds a letter and a '.' or '/' and is no URL; LINE is 1 or more.  Returns
 * 1 with file (NUL-terminated, cut to size) and *line filled, 0 when msg
 * names no place.
 */
int errloc_find(const char *msg, char *file, size_t size, int *line);

#endif
