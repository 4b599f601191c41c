/*
 * cmd-common: what the commands share: loading the config, opening a run
 * with its state and lock (in the environment's database, or in files
 * under state_dir for an environment without one), usage errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "release.h"
#include "../lib/util.h"
#include "../env/lock.h"
#include "../env/run.h"
#include "../env/state.h"

int cmd_load_config(struct global *g, struct config **cfg, struct err *e)
{
	return config_load(g->config_path, cfg, e);
}

int cmd_open_run(struct global *g, struct config *cfg, const char *env_name, const char *command,
		 const struct run_flags *flags, int lock, struct run **out, struct err *e)
{
	struct env_config *env;
	int rc;
	*out = NULL;
	if ((rc = config_env_get(cfg, env_name, &env, e)) < 0 || (rc = config_env_resolve(cfg, env, e)) < 0)
		return rc;
	struct run *r = run_new(cfg, env, command);
	r->out = g->out;
	if (flags) {
		r->approve = flags->approve;
		r->yes = flags->yes;
		r->dry_run = flags->dry_run;
		r->resume = flags->resume;
		r->no_rollback = flags->no_rollback;
		r->junit = flags->junit;
		if (flags->release)
			r->release = xstrdup(flags->release);
	}
	if (!r->release)
		r->release = release_local_id(cfg);
	r->git_commit = release_git_commit(cfg);
	if (!env->database && (strcmp(command, "backup") == 0 || strcmp(command, "restore") == 0)) {
		run_free(r);
		return err_set(e, SC_EUSAGE, "%s '%s': environment '%s' has no database; nothing was changed",
			       command, env_name, env->name);
	}
	if (!env->database) {
		/* no database: the records are files in state_dir (SPEC section 2) */
		if ((rc = state_open_dir(env->state_dir, env->name, &r->state, e)) < 0) {
			run_free(r);
			return err_prefix(e, "%s '%s'", command, env_name);
		}
		state_set_holder(r->state, command, r->actor, r->hostname);
	} else {
		char app[80];
		snprintf(app, sizeof(app), "stagecoach/%s", r->run_id);
		if ((rc = state_open_ex(env->database, env->name, app, lock, &r->state, e)) < 0) {
			run_free(r);
			return err_prefix(e, "%s '%s'", command, env_name);
		}
	}
	if (lock && (rc = lock_acquire(r->state, cfg->project, env->name, r->run_id, env->lock_wait_ms, e)) < 0) {
		run_free(r);
		return err_prefix(e, "%s '%s'", command, env_name);
	}
	*out = r;
	return 0;
}

void cmd_close_run(struct run *r)
{
	run_free(r);
}

int cmd_usage_error(const char *name, struct err *e, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct command *c = command_find(name);
	return err_set(e, SC_EUSAGE, "%s: %s\nusage: stagecoach %s", name, msg, c ? c->usage : name);
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cmd_print_help(const char *name)
{
	const struct command *c = command_find(name);
	if (!c)
		return SC_EUSAGE;
	printf("usage: stagecoach %s\n\n%s\n\n%s\n", c->usage, c->summary, c->help);
	return 0;
}
