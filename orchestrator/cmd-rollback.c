/*
 * cmd-rollback: `rollback ENV [--to RELEASE]` undoes the newest release on
 * ENV (or every release newer than RELEASE, newest first) from the records
 * in ENV's database alone: each undone run's step rows give the steps and
 * their `detail` (stored down SQL, backups, previous function bundles,
 * hosts touched), and the config gives only the steps' settings (rollback
 * strategy, rollback_command), so it works from any checkout that has the
 * config.
 *
 * Before changing anything it checks every step in the way: one that is no
 * longer in the config, or whose kind cannot be undone, refuses the whole
 * rollback (exit 2), naming it.  The rollback is a run of its own in `runs`
 * (command 'rollback'); the runs it undid become 'rolled_back'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/step.h"

/* a run to undo, with its steps from the records */
struct target {
	struct state_run run;
	struct state_step *steps;
	size_t nsteps;
};

static int undoable_status(const char *s)
{
	return strcmp(s, "succeeded") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "running") == 0 ||
	       strcmp(s, "rollback_failed") == 0;
}

/* The runs to undo, newest first.  Runs that are still `running` here are
 * dead: we hold the environment's lock. */
static int find_targets(struct run *r, const char *to, struct target **out, size_t *n, struct err *e)
{
	struct state_run *runs = NULL;
	size_t nruns = 0;
	*out = NULL;
	*n = 0;
	if (state_runs_list(r->state, 100000, &runs, &nruns, e) < 0)
		return -SC_EFAIL;
	int rc = 0;
	size_t stop = nruns;
	if (to) {
		for (size_t i = 0; i < nruns && stop == nruns; i++)
			if (runs[i].release && strcmp(runs[i].release, to) == 0 &&
			    strcmp(runs[i].status, "succeeded") == 0 &&
			    (strcmp(runs[i].command, "deploy") == 0 || strcmp(runs[i].command, "promote") == 0))
				stop = i;
		if (stop == nruns) {
			rc = err_set(e, SC_EUSAGE, "no successful deploy of release '%s' on '%s' to roll back to "
				     "(see 'stagecoach history %s')", to, r->env->name, r->env->name);
			goto out;
		}
	}
	struct target *t = xcalloc(nruns ? nruns : 1, sizeof(*t));
	size_t nt = 0;
	for (size_t i = 0; i < stop; i++) {
		struct state_run *sr = &runs[i];
		if (strcmp(sr->command, "deploy") != 0 && strcmp(sr->command, "promote") != 0)
			continue;
		if (!undoable_status(sr->status))
			continue;
		t[nt].run = *sr;
		memset(sr, 0, sizeof(*sr));
		if ((rc = state_run_steps(r->state, t[nt].run.id, &t[nt].steps, &t[nt].nsteps, e)) < 0) {
			nt++;
			break;
		}
		nt++;
		if (!to)
			break; /* without --to: the newest release only */
	}
	*out = t;
	*n = nt;
out:
	for (size_t i = 0; i < nruns; i++)
		state_run_release(&runs[i]);
	free(runs);
	return rc;
}

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		state_run_release(&t[i].run);
		state_steps_free(t[i].steps, t[i].nsteps);
	}
	free(t);
}

/* Every step in the way must be in the config and undoable. */
static int check_targets(struct run *r, struct target *t, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < t[i].nsteps; j++) {
			struct state_step *ss = &t[i].steps[j];
			if (!undoable_status(ss->status))
				continue;
			struct step *st = config_step(r->cfg, ss->name);
			if (!st || strcmp(st->kind, ss->kind) != 0)
				return err_set(e, SC_EUSAGE,
					       "refused, nothing was changed: step '%s' (%s) of run '%s' is no longer "
					       "in the config %s: its settings are needed to undo it", ss->name,
					       ss->kind, t[i].run.id, r->cfg->path);
			if (step_undo_of(st) == UNDO_IMPOSSIBLE)
				return err_set(e, SC_EUSAGE,
					       "refused, nothing was changed: step '%s' of run '%s' (release %s) "
					       "cannot be undone", ss->name, t[i].run.id,
					       t[i].run.release ? t[i].run.release : "-");
		}
	return 0;
}

static int confirm(struct run *r, const struct target *t, size_t n, struct err *e)
{
	if (r->yes || !r->interactive)
		return 0;
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return 0;
	fprintf(tty, "Roll back %zu run%s on '%s' (newest: %s, release %s)? [y/N] ", n, n == 1 ? "" : "s",
		r->env->name, t[0].run.id, t[0].run.release ? t[0].run.release : "-");
	fflush(tty);
	char line[32] = "";
	char *got = fgets(line, sizeof(line), tty);
	fclose(tty);
	if (got && (line[0] == 'y' || line[0] == 'Y'))
		return 0;
	return err_set(e, SC_EAPPROVAL, "rollback of '%s' not confirmed: nothing was changed", r->env->name);
}

/* Load one target run's steps into r->execs (positions offset by base). */
static void load_execs(struct run *r, struct target *t, int base)
{
	for (size_t i = 0; i < r->nexecs; i++) {
		json_decref(r->execs[i].detail);
		free(r->execs[i].error);
		free(r->execs[i].rollback_error);
	}
	free(r->execs);
	r->execs = xcalloc(t->nsteps ? t->nsteps : 1, sizeof(*r->execs));
	r->nexecs = 0;
	for (size_t j = 0; j < t->nsteps; j++) {
		struct state_step *ss = &t->steps[j];
		struct step_exec *x = &r->execs[r->nexecs++];
		x->step = config_step(r->cfg, ss->name);
		x->detail = json_incref(ss->detail);
		x->position = base + ss->position;
		x->started_ms = time_wall_ms();
		/* a step interrupted mid-way may have done part of its work */
		if (strcmp(ss->status, "succeeded") == 0 || strcmp(ss->status, "running") == 0 ||
		    strcmp(ss->status, "failed") == 0 || strcmp(ss->status, "rollback_failed") == 0)
			x->status = STEP_SUCCEEDED;
		else
			x->status = STEP_SKIPPED;
	}
}

int cmd_rollback(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[1];
	const char *to = NULL;
	/* --to is ours; the rest are the common run flags */
	char **args = xcalloc((size_t)argc + 1, sizeof(char *));
	int nargs = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			to = argv[++i];
			continue;
		}
		if (starts_with(argv[i], "--to=")) {
			to = argv[i] + 5;
			continue;
		}
		args[nargs++] = argv[i];
	}
	int n = cmd_parse_flags(g, nargs, args, &f, pos, 1, e);
	free(args);
	if (n < 0)
		return n;
	if (n != 1)
		return cmd_usage_error(g, e, "name the environment");
	if (f.dry_run || f.resume || f.release)
		return cmd_usage_error(g, e, "takes only --to, --approve, --yes and --junit");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, pos[0], "rollback", &f, 1, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	struct target *t = NULL;
	size_t nt = 0;
	if ((rc = find_targets(r, to, &t, &nt, e)) < 0 || (rc = check_targets(r, t, nt, e)) < 0) {
		err_prefix(e, "rollback '%s'", pos[0]);
		goto out;
	}
	if (nt == 0) {
		out_text(g->out, "rollback '%s': nothing to undo: %s", pos[0],
			 to ? "no release newer than the one named" : "no deploy on record");
		rc = 0;
		goto out;
	}
	if (r->env->protected_env) {
		char *msg = xasprintf("rollback of protected environment '%s' (%zu run%s)", r->env->name, nt,
				      nt == 1 ? "" : "s");
		rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0) {
			err_prefix(e, "rollback '%s'", pos[0]);
			goto out;
		}
	}
	if ((rc = confirm(r, t, nt, e)) < 0)
		goto out;
	for (size_t i = 0; i < nt; i++)
		if (strcmp(t[i].run.status, "running") == 0 && (rc = state_end_sessions(r->state, t[i].run.id, e)) < 0) {
			err_prefix(e, "rollback '%s'", pos[0]);
			goto out;
		}

	/* the release we return to: the newest successful run older than the targets */
	free(r->release);
	r->release = NULL;
	{
		struct state_run *runs = NULL;
		size_t nruns = 0;
		if (state_runs_list(r->state, 100000, &runs, &nruns, e) == 0) {
			int past = 0;
			for (size_t i = 0; i < nruns; i++) {
				if (strcmp(runs[i].id, t[nt - 1].run.id) == 0)
					past = 1;
				else if (past && strcmp(runs[i].status, "succeeded") == 0 &&
					 (strcmp(runs[i].command, "deploy") == 0 || strcmp(runs[i].command, "promote") == 0)) {
					r->release = xstrdup(runs[i].release);
					break;
				}
			}
		}
		for (size_t i = 0; i < nruns; i++)
			state_run_release(&runs[i]);
		free(runs);
	}
	struct buf undoes = BUF_INIT;
	for (size_t i = 0; i < nt; i++)
		buf_addf(&undoes, "%s%s", i ? "," : "", t[i].run.id);
	r->undoes = buf_detach(&undoes);
	pipeline_signals(r);
	out_run_started(g->out, r);
	if ((rc = state_run_begin(r->state, r, e)) < 0)
		goto out;

	int failed = 0;
	struct buf msg = BUF_INIT;
	for (size_t i = 0; i < nt && !failed; i++) {
		out_text(g->out, "undoing run %s (%s of release %s by %s, %s)", t[i].run.id, t[i].run.command,
			 t[i].run.release ? t[i].run.release : "-", t[i].run.actor ? t[i].run.actor : "?",
			 t[i].run.status);
		load_execs(r, &t[i], (int)i * 1000);
		r->undoing_run_id = t[i].run.id;
		struct err re = ERR_INIT;
		if (pipeline_rollback(r, &re) != 0) {
			failed = 1;
			buf_addf(&msg, "run '%s': %s", t[i].run.id, re.msg);
			state_run_set_status(r->state, t[i].run.id, "rollback_failed", &re);
		}
		r->undoing_run_id = NULL;
		if (!failed && state_run_set_status(r->state, t[i].run.id, "rolled_back", &re) < 0)
			out_warn(g->out, "rollback '%s': %s", pos[0], re.msg);
	}
	if (failed) {
		buf_addf(&msg, "; manual attention needed: see 'stagecoach status %s'", pos[0]);
		pipeline_finish(r, "rollback_failed", buf_str(&msg), SC_EROLLBACK);
		rc = err_set(e, SC_EROLLBACK, "rollback '%s': %s", pos[0], buf_str(&msg));
	} else {
		pipeline_finish(r, "succeeded", NULL, 0);
		out_text(g->out, "'%s' is back at release %s", pos[0], r->release ? r->release : "(before any deploy)");
		rc = 0;
	}
	buf_release(&msg);
out:
	targets_free(t, nt);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
