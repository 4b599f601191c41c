/*
 * release: the release id of the local tree (SPEC section 4): a content
 * hash of the migrations and function bundles, and the git commit beside it.
 */
#ifndef SC_RELEASE_H
#define SC_RELEASE_H

#include "../lib/err.h"

struct config;

/* A 12-hex-digit content hash of cfg->migrations and cfg->functions
 * (every file, by relative path and content).  Caller frees. */
char *release_local_id(const struct config *cfg);
/* {relative path: sha256} of every file behind the release id ("migrations/x.sql").
 * New reference, caller decrefs. */
#include <jansson.h>
json_t *release_manifest(const struct config *cfg);
/* The git commit checked out in cfg->dir or above, NULL outside git. */
char *release_git_commit(const struct config *cfg);

#endif
