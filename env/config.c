/*
 * config (env): lookups over the loaded configuration (see config.h).
 */
#include <string.h>
#include "config.h"
#include "../lib/util.h"

struct env_config *config_env(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nenvs; i++)
		if (cfg->envs[i].name && strcmp(cfg->envs[i].name, name) == 0)
			return &cfg->envs[i];
	return NULL;
}

struct step *config_step(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nsteps; i++)
		if (strcmp(cfg->steps[i].name, name) == 0)
			return &cfg->steps[i];
	return NULL;
}

int config_step_applies(const struct step *st, const struct env_config *env)
{
	if (st->gate_only) /* run per host by the ssh or release step it gates */
		return 0;
	if (st->only && !strv_contains(st->only, env->name))
		return 0;
	if (st->skip && strv_contains(st->skip, env->name))
		return 0;
	return 1;
}
