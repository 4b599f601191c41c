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
#include "release.h"
#include "../lib/util.h"
#include "../env/recovery.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/step.h"

/* Each deploy keeps the manifest of the tree it deployed (named by its
 * content hash), so that promote can name the files that differ; a
 * manifest of that content hash already stored is the same list, not
 * stored again (each no-op deploy of 3,000 migrations added 300 KB). */
static void store_manifest(struct run *r)
{
	struct err e = ERR_INIT;
	if (state_artifact_latest(r->state, "manifest", r->content_hash, NULL, NULL, NULL, &e) == 1)
		return;
	err_clear(&e);
	json_t *m = release_manifest(r->cfg, r->env);
	char *s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	if (state_artifact_put(r->state, r->release, r->run_id, "manifest", r->content_hash, NULL, s, strlen(s), &e) <
	    0)
		out_warn(r->out, "could not record the release manifest: %s", e.msg);
	free(s);
}

/*
 * deploy --resume: take the interrupted run over (same id, same release),
 * keep the steps it finished, and run the rest starting with the step it was
 * in (steps are written to be re-run: migrations are recorded one by one).
 */
static int resume_prepare(struct run *r, struct state_run *ir, const struct run_flags *flags, struct err *e)
{
	if (strcmp(ir->command, "deploy") != 0 && strcmp(ir->command, "promote") != 0)
		return err_set(e, SC_EUSAGE, "the interrupted run '%s' is a '%s', which cannot be resumed: run "
			       "'stagecoach rollback %s --last'", ir->id, ir->command, r->env->name);
	/* `deploy ENV --resume` also continues a promotion (the way into an
	 * environment fed by promotion only) */
	if (strcmp(ir->command, r->command) != 0 && strcmp(r->command, "deploy") != 0)
		return err_set(e, SC_EUSAGE, "the interrupted run '%s' was a '%s': resume it with 'stagecoach deploy %s "
			       "--resume'", ir->id, ir->command, r->env->name);
	if (ir->content_hash ? strcmp(ir->content_hash, r->content_hash) != 0
			     : !flags->release && ir->release && strcmp(ir->release, r->release) != 0)
		return err_set(e, SC_EUSAGE,
			       "the %s run '%s' deployed release %s (content %.12s) but the local tree is release "
			       "%s (content %.12s): check out what it deployed, or run 'stagecoach rollback %s --last'",
			       strcmp(ir->status, "paused") == 0 ? "paused" : "interrupted", ir->id,
			       ir->release ? ir->release : "-", ir->content_hash ? ir->content_hash : "-", r->release,
			       r->content_hash, r->env->name);
	r->command = strcmp(ir->command, "promote") == 0 ? "promote" : "deploy";
	struct state_step *steps = NULL;
	size_t n = 0;
	recovery_end_children(r, ir);
	if (state_end_sessions(r->state, ir->id, e) < 0 || state_run_steps(r->state, ir->id, &steps, &n, e) < 0)
		return -SC_EFAIL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r->nexecs; j++) {
			struct step_exec *x = &r->execs[j];
			if (x->step->position != steps[i].position || strcmp(x->step->name, steps[i].name) != 0)
				continue;
			json_decref(x->detail);
			x->detail = json_incref(steps[i].detail);
			if (strcmp(steps[i].status, "succeeded") == 0)
				x->status = STEP_SUCCEEDED;
		}
	state_steps_free(steps, n);
	snprintf(r->run_id, sizeof(r->run_id), "%s", ir->id);
	free(r->release);
	r->release = xstrdup(ir->release ? ir->release : r->release);
	if (ir->promoted_from && !r->promoted_from)
		r->promoted_from = xstrdup(ir->promoted_from);
	r->resuming = 1;
	out_text(r->out, "resuming run %s (%s, started %s by %s), from step '%s'", ir->id,
		 strcmp(ir->status, "paused") == 0 ? "paused" : "interrupted", ir->started_at,
		 ir->actor ? ir->actor : "?", ir->last_step ? ir->last_step : "-");
	return 0;
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
	if (found == 0) {
		/* a run paused at a checkpoint blocks deploys as an interrupted one does */
		found = state_paused_run(r->state, &ir, e);
		if (found > 0 && !flags->resume && !flags->dry_run) {
			rc = err_set(e, SC_EUSAGE,
				     "%s '%s': run '%s' (%s of release %s by %s, started %s) is paused at checkpoint "
				     "'%s'; nothing was changed now: run 'stagecoach approve %s %s' then 'stagecoach "
				     "deploy %s --resume' to continue it, or 'stagecoach rollback %s --last' to undo it",
				     command, env_name, ir.id, ir.command, ir.release ? ir.release : "-",
				     ir.actor ? ir.actor : "?", ir.started_at, ir.last_step ? ir.last_step : "-",
				     env_name, ir.last_step ? ir.last_step : "STEP", env_name, env_name);
			state_run_release(&ir);
			cmd_close_run(r);
			return rc;
		}
	}
	if (found < 0) {
		cmd_close_run(r);
		return err_prefix(e, "%s '%s'", command, env_name);
	}
	if (found && !flags->dry_run && flags->resume) {
		rc = resume_prepare(r, &ir, flags, e);
		state_run_release(&ir);
		if (rc < 0) {
			cmd_close_run(r);
			return err_prefix(e, "%s '%s' --resume", command, env_name);
		}
		found = 0;
	} else if (!found && flags->resume) {
		cmd_close_run(r);
		return err_set(e, SC_EUSAGE, "%s '%s' --resume: no interrupted run to resume, and none paused (see "
			       "'stagecoach status %s')", command, env_name, env_name);
	}
	if (found && !flags->dry_run) {
		char next[512];
		recovery_next_commands(env_name, "running", ir.command, next, sizeof(next));
		rc = err_set(e, SC_EUSAGE,
			     "%s '%s': run '%s' (%s by %s, started %s) was interrupted at step '%s' and "
			     "left the environment part-way; nothing was changed now: %s",
			     command, env_name, ir.id, ir.command, ir.actor ? ir.actor : "?", ir.started_at,
			     ir.last_step ? ir.last_step : "-", next);
		state_run_release(&ir);
		cmd_close_run(r);
		return rc;
	}
	if (found)
		state_run_release(&ir);
	/* a deploy whose rollback did not complete blocks deploys until it is
	 * completed or resolved (a resumed run is the one being completed) */
	if (!flags->dry_run && !r->resuming && (found = recovery_blocking_run(r->state, &ir, e)) != 0) {
		if (found > 0) {
			char next[512];
			recovery_next_commands(env_name, "rollback_failed", NULL, next, sizeof(next));
			err_set(e, SC_EUSAGE,
				"%s '%s': run '%s' (%s of release %s by %s, started %s) failed and its rollback did "
				"not complete (%s); nothing was changed now: %s",
				command, env_name, ir.id, ir.command, ir.release ? ir.release : "-",
				ir.actor ? ir.actor : "?", ir.started_at, ir.error ? ir.error : "see its steps", next);
			state_run_release(&ir);
		} else {
			err_prefix(e, "%s '%s'", command, env_name);
		}
		cmd_close_run(r);
		return -SC_EUSAGE;
	}
	if (!r->dry_run && !r->resuming)
		store_manifest(r);
	if (r->dry_run && g->json && !g->out->plan_lines)
		g->out->plan_lines = json_object(); /* --dry-run is plan: the same last object */
	rc = pipeline_deploy(r, e);
	if (rc == 0 && r->dry_run && g->json)
		out_json(g->out, cmd_plan_json(r, g->out->plan_lines));
	if (rc != 0)
		err_prefix(e, "%s '%s'", command, env_name);
	cmd_close_run(r);
	return rc;
}

int cmd_deploy(int argc, char **argv, struct global *g, struct err *e)
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
	struct env_config *env;
	if ((rc = config_env_get(cfg, pos[0], &env, e)) == 0) {
		if (env->promote_from && !f.dry_run && !f.resume)
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
