/*
 * cmd-deploy: `deploy ENV`: the pipeline on one environment, and the part
 * of it that `promote` shares (cmd_deploy_run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "util.h"
#include "../env/run.h"
#include "../env/state.h"

int cmd_parse_flags(const char *name, int argc, char **argv, struct run_flags *f, const char **pos, int maxpos,
		    struct err *e)
{
	int npos = 0;
	memset(f, 0, sizeof(*f));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--approve") == 0)
			f->approve = 1;
		else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0)
			f->yes = 1;
		else if (strcmp(a, "--dry-run") == 0)
			f->dry_run = 1;
		else if (strcmp(a, "--resume") == 0)
			f->resume = 1;
		else if (strcmp(a, "--no-rollback") == 0)
			f->no_rollback = 1;
		else if (strcmp(a, "--release") == 0 || strcmp(a, "--junit") == 0 || strcmp(a, "--to") == 0 ||
			 strcmp(a, "--limit") == 0) {
			if (i + 1 >= argc)
				return cmd_usage_error(name, e, "%s needs a value", a);
			if (strcmp(a, "--release") == 0)
				f->release = argv[++i];
			else if (strcmp(a, "--junit") == 0)
				f->junit = argv[++i];
			else
				return cmd_usage_error(name, e, "unknown option '%s'", a);
		} else if (starts_with(a, "--release=")) {
			f->release = a + 10;
		} else if (starts_with(a, "--junit=")) {
			f->junit = a + 8;
		} else if (a[0] == '-') {
			return cmd_usage_error(name, e, "unknown option '%s'", a);
		} else {
			if (npos >= maxpos)
				return cmd_usage_error(name, e, "unexpected argument '%s'", a);
			pos[npos++] = a;
		}
	}
	if (f->release && (!f->release[0] || strlen(f->release) > 200))
		return cmd_usage_error(name, e, "--release must be 1 to 200 characters");
	return npos;
}

int cmd_deploy_run(struct global *g, struct config *cfg, const char *env_name, const char *command,
		   const struct run_flags *flags, const char *promoted_from, struct err *e)
{
	struct run *r;
	int rc = cmd_open_run(g, cfg, env_name, command, flags, !flags->dry_run, &r, e);
	if (rc < 0)
		return rc;
	if (promoted_from)
		r->promoted_from = xstrdup(promoted_from);
	struct state_run ir;
	int found = state_interrupted_run(r->state, &ir, e);
	if (found < 0) {
		cmd_close_run(r);
		return err_prefix(e, "%s '%s'", command, env_name);
	}
	if (found && !flags->dry_run) {
		if (flags->resume)
			rc = err_set(e, SC_EUSAGE, "%s '%s': --resume is not yet implemented: run 'stagecoach "
				     "rollback %s' to undo interrupted run '%s'", command, env_name, env_name, ir.id);
		else
			rc = err_set(e, SC_EUSAGE,
				     "%s '%s': run '%s' (%s by %s, started %s) was interrupted at step '%s' and "
				     "left the environment part-way; nothing was changed now: run 'stagecoach "
				     "deploy %s --resume' to continue it or 'stagecoach rollback %s' to undo it",
				     command, env_name, ir.id, ir.command, ir.actor ? ir.actor : "?", ir.started_at,
				     ir.last_step ? ir.last_step : "-", env_name, env_name);
		state_run_release(&ir);
		cmd_close_run(r);
		return rc;
	}
	if (found)
		state_run_release(&ir);
	rc = pipeline_deploy(r, e);
	if (rc != 0)
		err_prefix(e, "%s '%s'", command, env_name);
	cmd_close_run(r);
	return rc;
}

int cmd_deploy(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[1];
	int n = cmd_parse_flags("deploy", argc, argv, &f, pos, 1, e);
	if (n < 0)
		return n;
	if (n != 1)
		return cmd_usage_error("deploy", e, "name the environment");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct env_config *env;
	if ((rc = config_env_get(cfg, pos[0], &env, e)) == 0) {
		if (env->promote_from && !f.dry_run)
			rc = err_set(e, SC_EAPPROVAL,
				     "deploy '%s': refused: '%s' takes releases only by promotion from '%s'; "
				     "nothing was changed: run 'stagecoach promote %s %s'", env->name, env->name,
				     env->promote_from, env->promote_from, env->name);
		else
			rc = cmd_deploy_run(g, cfg, env->name, "deploy", &f, NULL, e);
	}
	config_free(cfg);
	return rc;
}
