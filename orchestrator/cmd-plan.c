/*
 * cmd-plan: `plan ENV`: what `deploy ENV` would do, read-only.  It opens
 * the environment's state without the lock and runs the engine's preflight
 * in dry-run mode: every step that applies to ENV says, through its plan(),
 * what it would do (pending migrations with their lint findings, functions
 * whose content differs, hosts, gates) and checks its preconditions, next
 * to its rollback strategy.  `deploy --dry-run` prints the same.
 */
#include <stdio.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "../env/run.h"

int cmd_plan(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[1];
	int n = cmd_parse_flags(g, argc, argv, &f, pos, 1, e);
	if (n < 0)
		return n;
	if (n != 1)
		return cmd_usage_error(g, e, "name the environment");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	f.dry_run = 1;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, pos[0], "plan", &f, 0, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	r->dry_run = 1;
	if (!g->json)
		out_text(g->out, "plan for '%s'%s, release %s", r->env->name, r->env->protected_env ? " (protected)" : "",
			 r->release ? r->release : "-");
	rc = pipeline_preflight(r, e);
	if (rc != 0)
		err_prefix(e, "plan '%s'", pos[0]);
	else if (!g->json)
		out_text(g->out, "plan: nothing was changed");
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
