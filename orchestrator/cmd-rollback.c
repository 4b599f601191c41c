/*
 * cmd-rollback: `rollback ENV --to RELEASE | --last [--dry-run]
 * [--no-safety-backup]` undoes every release newer than RELEASE, newest
 * first (--last: the newest run only, back to the release before it), from
 * the records in ENV's database alone: each undone run's step rows give the steps and
 * their `detail` (stored down SQL, backups, previous function bundles,
 * hosts touched), and the config gives only the steps' settings (rollback
 * strategy, rollback_command), so it works from any checkout that has the
 * config.
 *
 * Without --to or --last it refuses (exit 2) listing the recent releases,
 * unless on a terminal, where it previews --last and asks.  --to the
 * release ENV is at undoes nothing (exit 0): a retried job never undoes
 * twice.
 *
 * Before changing anything it checks every step in the way: one that is no
 * longer in the config, or whose kind cannot be undone, refuses the whole
 * rollback (exit 2), naming it.  Then each step's rollback_plan shows what
 * it would undo (each down, restore with the rows it discards, function,
 * host) and checks that what it needs exists (backup files and their sha256,
 * stored downs, bundles): anything missing refuses the whole rollback (exit
 * 2).  --dry-run stops there.  Restoring over rows written since a backup
 * needs approval (--approve, or the environment's name typed).  The rollback is a run of its own in `runs`
 * (command 'rollback'); the runs it undid become 'rolled_back'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "../hooks/notify.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/recovery.h"
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
	       strcmp(s, "rollback_failed") == 0 || strcmp(s, "paused") == 0; /* paused: undo what ran */
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

/* The recent releases, for the message that asks for --to or --last. */
static char *recent_releases(struct run *r)
{
	struct state_run *runs = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	if (state_runs_list(r->state, 50, &runs, &n, &e) < 0)
		return xstrdup("(cannot read the runs)");
	int shown = 0, current = 1;
	for (size_t i = 0; i < n; i++) {
		if ((strcmp(runs[i].command, "deploy") != 0 && strcmp(runs[i].command, "promote") != 0) ||
		    strcmp(runs[i].status, "succeeded") != 0 || shown >= 10)
			continue;
		buf_addf(&b, "\n  %s  (run %s, %s%s)", runs[i].release ? runs[i].release : "-", runs[i].id,
			 runs[i].finished_at ? runs[i].finished_at : runs[i].started_at, current ? ", current" : "");
		current = 0;
		shown++;
	}
	if (!shown)
		buf_adds(&b, "\n  (no successful deploy on record)");
	for (size_t i = 0; i < n; i++)
		state_run_release(&runs[i]);
	free(runs);
	return buf_detach(&b);
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

/* What the rollback would undo, newest first, each step checking what it
 * needs; prints the lines (run_plan_line shows them during a dry run). */
static int preview(struct run *r, struct target *t, size_t n, struct err *e)
{
	int was_dry = r->dry_run;
	int rc = 0;
	r->dry_run = 1;
	r->writes_at_risk = 0;
	r->writes_unknown = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		out_text(r->out, "would undo run %s (%s of release %s by %s, %s):", t[i].run.id, t[i].run.command,
			 t[i].run.release ? t[i].run.release : "-", t[i].run.actor ? t[i].run.actor : "?",
			 t[i].run.status);
		load_execs(r, &t[i], (int)i * 1000);
		r->undoing_run_id = t[i].run.id;
		for (size_t k = r->nexecs; k-- > 0 && rc == 0;) {
			struct step_exec *x = &r->execs[k];
			if (x->status != STEP_SUCCEEDED || !x->step)
				continue;
			struct step *st = x->step;
			out_text(r->out, "  step '%s' (%s)", st->name, st->kind);
			r->cur = x;
			if (st->ops->rollback_plan)
				rc = st->ops->rollback_plan(st, r, e);
			else if (step_undo_of(st) == UNDO_NOTHING)
				run_plan_line(r, "nothing to undo");
			else
				run_plan_line(r, "%s", st->ops->rollback_strategy ? st->ops->rollback_strategy(st)
										  : "its rollback");
			r->cur = NULL;
			if (rc < 0)
				err_prefix(e, "run '%s' (release %s)", t[i].run.id, t[i].run.release ? t[i].run.release : "-");
		}
		r->undoing_run_id = NULL;
	}
	r->dry_run = was_dry;
	return rc;
}

int cmd_rollback(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[1];
	const char *to = NULL;
	int last = 0, no_safety = 0;
	/* --to, --last and --no-safety-backup are ours; the rest are the common run flags */
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
		if (strcmp(argv[i], "--last") == 0) {
			last = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-safety-backup") == 0) {
			no_safety = 1;
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
	if (f.resume || f.release)
		return cmd_usage_error(g, e, "takes only --to, --last, --dry-run, --no-safety-backup, --approve, --yes "
				       "and --junit");
	if (to && last)
		return cmd_usage_error(g, e, "--to and --last exclude each other");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, pos[0], "rollback", &f, !f.dry_run, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	r->no_safety_backup = no_safety;
	struct target *t = NULL;
	size_t nt = 0;
	if (!to && !last) {
		if (!r->interactive && !f.dry_run) {
			char *list = recent_releases(r);
			rc = err_set(e, SC_EUSAGE,
				     "rollback '%s': say where to: --to RELEASE, or --last (back to the release before the "
				     "newest run); nothing was changed. Recent releases, newest first:%s",
				     pos[0], list);
			free(list);
			goto out;
		}
		last = 1; /* on a terminal: preview --last, then ask */
	}
	if ((rc = find_targets(r, to, &t, &nt, e)) < 0 || (rc = check_targets(r, t, nt, e)) < 0) {
		err_prefix(e, "rollback '%s'", pos[0]);
		goto out;
	}
	if (nt == 0) {
		if (to)
			out_text(g->out, "rollback '%s': already at release %s: nothing to undo", pos[0], to);
		else
			out_text(g->out, "rollback '%s': nothing to undo: no deploy on record", pos[0]);
		if (g->json)
			out_json(g->out, json_pack("{s:s,s:s,s:s?,s:[]}", "event", "rollback_nothing", "env", pos[0],
						   "release", to, "undoes"));
		rc = 0;
		goto out;
	}
	if ((rc = preview(r, t, nt, e)) < 0) {
		char *why = xstrdup(e->msg);
		rc = err_set(e, SC_EUSAGE, "rollback '%s' refused, nothing was changed: %s", pos[0], why);
		free(why);
		goto out;
	}
	if (r->writes_at_risk || r->writes_unknown)
		out_text(g->out, "rows written since the backups it restores, which it discards: %s",
			 r->writes_unknown ? "unknown (counters reset or not recorded)" : "see above");
	if (f.dry_run) {
		out_text(g->out, "dry run: nothing was changed");
		if (g->json) {
			/* the "plan" events above name each step; this names the runs */
			json_t *runs = json_array();
			for (size_t i = 0; i < nt; i++)
				json_array_append_new(runs, json_pack("{s:s,s:s,s:s?,s:s?,s:s}", "run_id", t[i].run.id,
								      "command", t[i].run.command, "release",
								      t[i].run.release, "actor", t[i].run.actor, "status",
								      t[i].run.status));
			out_json(g->out, json_pack("{s:s,s:s,s:o,s:I,s:b}", "event", "rollback_preview", "env", pos[0],
						   "undoes", runs, "writes_at_risk", (json_int_t)r->writes_at_risk,
						   "writes_unknown", r->writes_unknown != 0));
		}
		rc = 0;
		goto out;
	}
	if (r->writes_at_risk || r->writes_unknown) {
		char *msg = xasprintf("rollback of '%s' restores backups over rows written since them (%lld%s rows, "
				      "see above), which are discarded",
				      r->env->name, r->writes_at_risk, r->writes_unknown ? "+ unknown" : "");
		rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0) {
			err_prefix(e, "rollback '%s'", pos[0]);
			goto out;
		}
	}
	/* the rows were counted in the preview the user saw (writes made in the
	 * seconds since are not counted again; a down's own writes, when a
	 * --to undoes several runs, would otherwise stop it half-way) */
	r->writes_approved = 1;
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
	{
		/* a killed run that is not undone here (a killed `rollback`,
		 * `backup` or `restore`): its processes and sessions are ended
		 * and it is closed `failed`, or it would block deploys after
		 * this rollback did its work */
		struct state_run ir;
		int found = state_interrupted_run(r->state, &ir, e), had = found > 0;
		if (found < 0) {
			err_prefix(e, "rollback '%s'", pos[0]);
			rc = -SC_EFAIL;
			goto out;
		}
		for (size_t i = 0; found && i < nt; i++)
			if (strcmp(t[i].run.id, ir.id) == 0)
				found = 0;
		if (found) {
			recovery_end_children(r, &ir);
			if ((rc = state_end_sessions(r->state, ir.id, e)) < 0 ||
			    (rc = state_run_set_status(r->state, ir.id, "failed", e)) < 0) {
				err_prefix(e, "rollback '%s'", pos[0]);
				state_run_release(&ir);
				goto out;
			}
			out_text(g->out, "run %s (%s, killed) closed as failed", ir.id, ir.command);
		}
		if (had)
			state_run_release(&ir);
	}
	for (size_t i = 0; i < nt; i++) {
		if (strcmp(t[i].run.status, "running") == 0)
			recovery_end_children(r, &t[i].run);
		if (strcmp(t[i].run.status, "running") == 0 && (rc = state_end_sessions(r->state, t[i].run.id, e)) < 0) {
			err_prefix(e, "rollback '%s'", pos[0]);
			goto out;
		}
	}

	/* the release we return to: the newest successful run older than the targets */
	free(r->release);
	r->release = NULL;
	free(r->content_hash); /* the rollback run records the release it returns to, not the local tree */
	r->content_hash = NULL;
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
					r->content_hash = xstrdup(runs[i].content_hash);
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
	notify_run_started(r);

	int failed = 0;
	struct buf msg = BUF_INIT;
	memset(&r->tally_carried, 0, sizeof(r->tally_carried)); /* the preview loaded the steps too */
	for (size_t i = 0; i < nt && !failed; i++) {
		if (i > 0)
			run_tally_carry(r); /* the summary counts every run undone */
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
