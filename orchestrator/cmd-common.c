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
#include "pipeline.h"
#include "release.h"
#include "../lib/suggest.h"
#include "../lib/util.h"
#include "../env/lock.h"
#include "../env/recovery.h"
#include "../env/run.h"
#include "../env/state.h"

int cmd_load_config(struct global *g, struct config **cfg, struct err *e)
{
	return config_load(g->config_path, cfg, e);
}

/* --approve=a,b: each name must be an approval step of the config */
static int approve_steps(struct config *cfg, const char *list, char ***out, struct err *e)
{
	char *copy = xstrdup(list);
	int rc = 0;
	for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		struct step *st = config_step(cfg, name);
		if (!st || strcmp(st->kind, "approval") != 0) {
			rc = err_set(e, SC_EUSAGE, "--approve=%s: '%s' is %s; nothing was changed", list, name,
				     st ? "not an approval step" : "no step of the config");
			break;
		}
		strv_push(out, name);
	}
	free(copy);
	if (rc == 0 && !*out)
		rc = err_set(e, SC_EUSAGE, "--approve= names no step");
	return rc;
}

/* Commands that neither record nor show the local tree's release: they
 * skip its content hash (a read of every shipped file). */
static int cmd_needs_release(const char *command)
{
	static const char *const without[] = { "history", "migrations", "diff", "approve", NULL };
	for (size_t i = 0; without[i]; i++)
		if (strcmp(command, without[i]) == 0)
			return 0;
	return 1;
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
	r->sink = output_sink(g->out);
	if (flags) {
		r->approve = flags->approve;
		r->yes = flags->yes;
		r->dry_run = flags->dry_run;
		r->resume = flags->resume;
		r->no_rollback = flags->no_rollback;
		r->junit = flags->junit;
		if (flags->release)
			r->release = xstrdup(flags->release);
		if (flags->approve_steps && (rc = approve_steps(cfg, flags->approve_steps, &r->approve_steps, e)) < 0) {
			run_free(r);
			return err_prefix(e, "%s '%s'", command, env_name);
		}
	}
	if (!env->database && (strcmp(command, "backup") == 0 || strcmp(command, "restore") == 0)) {
		run_free(r);
		return err_set(e, SC_EUSAGE, "%s '%s': environment '%s' has no database; nothing was changed",
			       command, env_name, env->name);
	}
	/* the connection is made while the files are hashed: the two overlap
	 * (bench/noop.sh: the no-op deploy of 3,000 migrations is mostly these
	 * two, each about a third of its time on a quiet machine) */
	char app[80];
	snprintf(app, sizeof(app), "stagecoach/%s", r->run_id);
	struct state_opening *opening = env->database ? state_open_start(env->database, env->name, app, lock) : NULL;
	/* the release: its content hash, and its name unless --release gave one;
	 * `history` lists records only, and hashing every shipped file cost it
	 * more than its query (bench/history.sh); nor do the other commands
	 * that neither record nor show a release (cmd_needs_release) */
	if (cmd_needs_release(command)) {
		r->content_hash = release_content_hash(cfg, env);
		if (!r->release)
			r->release = xstrndup(r->content_hash, 12);
		r->git_commit = release_git_commit(cfg);
	}
	if (r->git_commit && lock)
		r->git_dirty = release_git_dirty(cfg, env);
	if (!env->database) {
		/* no database: the records are files in state_dir (SPEC section 2) */
		if ((rc = state_open_dir(env->state_dir, env->name, &r->state, e)) < 0) {
			run_free(r);
			return err_prefix(e, "%s '%s'", command, env_name);
		}
		state_set_holder(r->state, command, r->actor, r->hostname);
	} else {
		if ((rc = state_open_wait(opening, &r->state, e)) < 0) {
			run_free(r);
			return err_prefix(e, "%s '%s'", command, env_name);
		}
	}
	if (lock && (rc = lock_acquire(r->state, cfg->project, env->name, r->run_id, env->lock_wait_ms, e)) < 0) {
		run_free(r);
		return err_prefix(e, "%s '%s'", command, env_name);
	}
	if (lock)
		recovery_watch(r); /* its children are recorded once its run row exists */
	*out = r;
	return 0;
}

void cmd_close_run(struct run *r)
{
	recovery_unwatch(r);
	pipeline_signals_end();
	run_free(r);
}

int cmd_usage_error(const struct global *g, struct err *e, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, SC_EUSAGE, "%s: %s\nusage: stagecoach %s", g->cmd->name, msg, g->cmd->usage);
}

int cmd_unknown_option(const struct global *g, struct err *e, const char *opt)
{
	/* the candidates: every --word and -x of the command's usage line, and
	 * the global options that may follow the command */
	static const char *const globals[] = { "--json", "--quiet", "--verbose", "--config", "--color", "--help", NULL };
	const char *usage = g->cmd ? g->cmd->usage : "";
	char **names = NULL;
	for (const char *p = usage; (p = strchr(p, '-')) != NULL;) {
		size_t n = 1;
		while (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z'))
			n++;
		if (n > 1 && (p == usage || p[-1] == ' ' || p[-1] == '[' || p[-1] == '|')) {
			char *word = xstrndup(p, n);
			strv_push(&names, word);
			free(word);
		}
		p += n;
	}
	for (size_t i = 0; globals[i]; i++)
		strv_push(&names, globals[i]);
	char *name = xstrndup(opt, strcspn(opt, "="));
	const char *near = suggest_closest(name, (const char *const *)names);
	int rc;
	if (strv_contains(names, name) && strcmp(name, opt) == 0)
		rc = cmd_usage_error(g, e, "%s needs a value", opt); /* a known option, its value missing */
	else if (near)
		rc = cmd_usage_error(g, e, "unknown option '%s': did you mean %s?", opt, near);
	else
		rc = cmd_usage_error(g, e, "unknown option '%s'", opt);
	free(name);
	strv_free(names);
	return rc;
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cmd_parse_flags(const struct global *g, int argc, char **argv, struct run_flags *f, const char **pos, int maxpos,
		    struct err *e)
{
	int npos = 0;
	memset(f, 0, sizeof(*f));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--approve") == 0)
			f->approve = 1;
		else if (starts_with(a, "--approve=")) {
			if (f->approve_steps)
				return cmd_usage_error(g, e, "--approve=STEP is given twice: name the steps with commas "
							     "(--approve=a,b)");
			f->approve_steps = a + 10;
		}
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
				return cmd_usage_error(g, e, "%s needs a value", a);
			if (strcmp(a, "--release") == 0)
				f->release = argv[++i];
			else if (strcmp(a, "--junit") == 0)
				f->junit = argv[++i];
			else
				return cmd_unknown_option(g, e, a);
		} else if (starts_with(a, "--release=")) {
			f->release = a + 10;
		} else if (starts_with(a, "--junit=")) {
			f->junit = a + 8;
		} else if (a[0] == '-') {
			return cmd_unknown_option(g, e, a);
		} else {
			if (npos >= maxpos)
				return cmd_usage_error(g, e, "unexpected argument '%s'", a);
			pos[npos++] = a;
		}
	}
	if (f->release && (!f->release[0] || strlen(f->release) > 200))
		return cmd_usage_error(g, e, "--release must be 1 to 200 characters");
	return npos;
}
