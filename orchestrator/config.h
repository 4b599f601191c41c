/*
 * config: loads the configuration file (docs/config.md) into struct config
 * (the types, and the lookups steps use, are env/config.h).
 *
 * Loading checks everything that can be checked without a connection:
 * syntax, unknown keys (with the closest known key), types, required keys,
 * step kinds, duplicate step names, only/skip naming unknown environments,
 * and that every ${...} in every string expands for every environment.
 * Every error names FILE:LINE and has code SC_EUSAGE.
 *
 * Strings are copied out of the libconfig tree, which is freed at the end of
 * config_load().  Step strings are kept raw (unexpanded): a step expands them
 * with run_expand() when it runs, since ${env}, ${release}, ${run_id} and
 * ${vars.X} depend on the run.  Environment-level strings (database, token,
 * ssh, hosts) are expanded at load, per environment.
 *
 * config_free() frees everything, wiping secrets.
 */
#ifndef SC_CONFIG_LOAD_H
#define SC_CONFIG_LOAD_H

#include "../env/config.h"
#include "../lib/err.h"
#include "../lib/settings.h"

/* The keys of the file's own groups (top level, environments, hooks, every
 * step's common keys), ending with { NULL, NULL }; each step kind lists its
 * own in its step_ops.keys.  For `stagecoach help config --keys`. */
extern const struct cfg_keys config_keys[];

/* Load and check path.  Returns 0 and *out, or -SC_EUSAGE with e filled
 * ("FILE:LINE: ...").  The caller frees *out with config_free(). */
int config_load(const char *path, struct config **out, struct err *e);
void config_free(struct config *cfg);

/*
 * Expand the environment's own strings (database, functions_api, ssh,
 * hosts) and check that every step string and hook that applies to it
 * expands.  Commands that target one environment resolve only that one, so
 * a CI job for staging needs no production secrets; `validate` resolves
 * them all.  Idempotent.
 */
int config_env_resolve(struct config *cfg, struct env_config *env, struct err *e);
/* config_env, with an error naming the known environments when absent */
int config_env_get(struct config *cfg, const char *name, struct env_config **out, struct err *e);

#endif
