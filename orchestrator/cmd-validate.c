/*
 * cmd-validate: the config and everything in it, with no connection at
 * all: every environment's variables (or only the ENVs named), every step's
 * settings (their plan is not called: it may read targets).
 */
#include <stdio.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../steps/step.h"

int cmd_validate(int argc, char **argv, struct global *g, struct err *e)
{
	struct config *cfg;
	int rc;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cmd_usage_error("validate", e, "unknown option '%s'", argv[i]);
	if ((rc = cmd_load_config(g, &cfg, e)) < 0)
		return rc;
	if (argc > 1) {
		for (int i = 1; i < argc && rc == 0; i++) {
			struct env_config *env;
			if ((rc = config_env_get(cfg, argv[i], &env, e)) == 0)
				rc = config_env_resolve(cfg, env, e);
		}
	} else {
		for (size_t i = 0; i < cfg->nenvs && rc == 0; i++)
			rc = config_env_resolve(cfg, &cfg->envs[i], e);
	}
	if (rc == 0)
		out_text(g->out, "%s: valid: project '%s', %zu environment%s, %zu step%s", cfg->path, cfg->project,
			 cfg->nenvs, cfg->nenvs == 1 ? "" : "s", cfg->nsteps, cfg->nsteps == 1 ? "" : "s");
	config_free(cfg);
	return rc < 0 ? rc : 0;
}
