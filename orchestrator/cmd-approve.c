/*
 * cmd-approve: `approve ENV STEP` gives the approval a paused run waits for.
 * A run that reached a checkpoint (an approval step with `pause = true`)
 * nobody gave is recorded `paused`, and its checkpoint's step row `paused`.
 * approve takes the environment's lock (so no resume runs meanwhile),
 * checks that STEP is that checkpoint, and writes who gave it and when into
 * the step row's detail (approved_by, approved_at, how); `deploy ENV
 * --resume` reads it back and continues after the checkpoint.  Records
 * only: nothing else is changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"

int cmd_approve(int argc, char **argv, struct global *g, struct err *e)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(g, e, argv[i]);
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cmd_usage_error(g, e, "name the environment and the checkpoint step");
	const char *env_name = argv[1], *step_name = argv[2];
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct step *st = config_step(cfg, step_name);
	if (!st || strcmp(st->kind, "approval") != 0) {
		rc = err_set(e, SC_EUSAGE, "approve '%s' '%s': %s in %s; nothing was changed", env_name, step_name,
			     st ? "that step is not an approval step" : "no step has that name", cfg->path);
		config_free(cfg);
		return rc;
	}
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, env_name, "approve", NULL, 1, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	struct state_run paused = { 0 };
	struct state_step *steps = NULL;
	size_t n = 0;
	int found = state_paused_run(r->state, &paused, e);
	if (found < 0) {
		rc = err_prefix(e, "approve '%s' '%s'", env_name, step_name);
		goto out;
	}
	if (!found) {
		rc = err_set(e, SC_EUSAGE, "approve '%s' '%s': refused: no run is paused on '%s', so there is nothing to "
			     "approve; nothing was changed (see 'stagecoach status %s')", env_name, step_name,
			     env_name, env_name);
		goto out;
	}
	if ((rc = state_run_steps(r->state, paused.id, &steps, &n, e)) < 0) {
		rc = err_prefix(e, "approve '%s' '%s'", env_name, step_name);
		goto out;
	}
	struct state_step *waiting = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(steps[i].status, "paused") == 0)
			waiting = &steps[i];
	if (!waiting || strcmp(waiting->name, step_name) != 0) {
		rc = err_set(e, SC_EUSAGE,
			     "approve '%s' '%s': refused: run '%s' is paused at checkpoint '%s', not at '%s'; nothing "
			     "was changed: run 'stagecoach approve %s %s'", env_name, step_name, paused.id,
			     waiting ? waiting->name : "?", step_name, env_name, waiting ? waiting->name : "STEP");
		goto out;
	}
	const char *by = json_string_value(json_object_get(waiting->detail, "approved_by"));
	if (by && g->json) {
		const char *at = json_string_value(json_object_get(waiting->detail, "approved_at"));
		out_json(g->out, json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s,s:b}", "event", "approved", "time", at, "run_id",
					   paused.id, "env", env_name, "step", step_name, "approved_by", by,
					   "already_given", 1));
		rc = 0;
		goto out;
	}
	if (by) {
		out_text(g->out, "approve '%s' '%s': already given by %s at %s; continue with 'stagecoach deploy %s "
			 "--resume'", env_name, step_name, by,
			 json_string_value(json_object_get(waiting->detail, "approved_at")) ?
				 json_string_value(json_object_get(waiting->detail, "approved_at")) : "?",
			 env_name);
		rc = 0;
		goto out;
	}
	char t[32];
	time_iso8601(time_wall_ms(), t);
	json_object_set_new(waiting->detail, "approved_by", json_string(r->actor));
	json_object_set_new(waiting->detail, "approved_at", json_string(t));
	json_object_set_new(waiting->detail, "how", json_string("approve command"));
	if ((rc = state_step_set_detail(r->state, paused.id, waiting->position, waiting->detail, e)) < 0) {
		rc = err_prefix(e, "approve '%s' '%s'", env_name, step_name);
		goto out;
	}
	if (g->json) {
		json_t *o = json_object();
		json_object_set_new(o, "event", json_string("approved"));
		json_object_set_new(o, "time", json_string(t));
		json_object_set_new(o, "run_id", json_string(paused.id));
		json_object_set_new(o, "env", json_string(env_name));
		json_object_set_new(o, "step", json_string(step_name));
		json_object_set_new(o, "approved_by", json_string(r->actor));
		json_object_set_new(o, "already_given", json_false());
		out_json(g->out, o);
	} else {
		printf("approved checkpoint '%s' of run %s on '%s' (by %s at %s)\n"
		       "continue it with: stagecoach deploy %s --resume\n",
		       step_name, paused.id, env_name, r->actor, t, env_name);
	}
	rc = 0;
out:
	state_steps_free(steps, n);
	state_run_release(&paused);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
