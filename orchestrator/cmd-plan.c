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
#include "../steps/step.h"

/* plan --json's last line: every step of the pipeline with what it would
 * do (its lines, and data where the step gives some: pending migrations,
 * functions) and how it is undone */
json_t *cmd_plan_json(struct run *r, json_t *lines)
{
	json_t *steps = json_array();
	size_t planned = 0;
	for (size_t i = 0; i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		const struct step *st = x->step;
		int applies = x->status != STEP_SKIPPED;
		enum step_undo undo = step_undo_of(st);
		json_t *s = json_pack("{s:s,s:s,s:b,s:s,s:s?}", "step", st->name, "kind", st->kind, "applies", applies,
				      "undo", undo == UNDO_NOTHING ? "nothing" : undo == UNDO_ROLLBACK ? "rollback" : "impossible",
				      "rollback", st->ops->rollback_strategy ? st->ops->rollback_strategy(st) : NULL);
		json_t *l = json_object_get(lines, st->name);
		json_object_set_new(s, "lines", l ? json_incref(l) : json_array());
		json_t *data = json_object_get(x->detail, "plan");
		if (data)
			json_object_set(s, "plan", data);
		json_array_append_new(steps, s);
		planned += (size_t)applies;
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b,s:I,s:o}", "event", "plan_finished", "run_id", r->run_id, "env",
			 r->env->name, "release", r->release ? r->release : "", "content_hash", r->content_hash,
			 "protected", r->env->protected_env, "applicable_steps", (json_int_t)planned, "steps", steps);
}

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
	if (g->json)
		g->out->plan_lines = json_object();
	rc = pipeline_preflight(r, e);
	if (rc != 0)
		err_prefix(e, "plan '%s'", pos[0]);
	else if (!g->json)
		out_text(g->out, "plan: nothing was changed");
	else
		out_json(g->out, cmd_plan_json(r, g->out->plan_lines));
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
