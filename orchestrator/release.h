/*
 * release: the identity of the local tree (SPEC section 4).  A release has
 * a name (--release NAME, else the content hash's first 12 hex digits) and
 * a content hash of everything the pipeline ships: the config file, the
 * migrations, the function bundles and every `release` step's artifact;
 * the git commit and whether the shipped files differ from it are recorded
 * beside it.
 */
#ifndef SC_RELEASE_H
#define SC_RELEASE_H

#include <jansson.h>
#include "../lib/err.h"

struct config;
struct env_config;

/* The 64-hex-digit content hash of what the pipeline ships (env expands
 * ${...} in artifact paths; may be NULL).  Caller frees. */
char *release_content_hash(const struct config *cfg, const struct env_config *env);
/* {"config/stagecoach.conf": sha256, "migrations/x.sql": sha256,
 *  "release/STEP/file": sha256, ...}: every entry behind the content hash
 * ("missing" for an artifact that is not there).  New reference, caller decrefs. */
json_t *release_manifest(const struct config *cfg, const struct env_config *env);
/* The git commit checked out in cfg->dir or above, NULL outside git. */
char *release_git_commit(const struct config *cfg);
/* 1 when the shipped files differ from that commit (changed or untracked),
 * 0 when they do not, -1 unknown (outside git, or no git program). */
int release_git_dirty(const struct config *cfg, const struct env_config *env);

#endif
