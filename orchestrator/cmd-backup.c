/*
 * cmd-backup: `backup ENV`: an on-demand backup of ENV's database, the
 * pg_backup logic outside a pipeline.  It is a run of command "backup" that
 * holds the environment's lock and is recorded like any other; the dump
 * goes where the configured pg_backup step that applies to ENV puts its
 * dumps, with its `keep` and `pg_dump` (else backups/, keep 5).
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/pgtools.h"
#include "../steps/step.h"

extern const struct step_ops step_pg_backup_ops;

int cmd_backup(int argc, char **argv, struct global *g, struct err *e)
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
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, pos[0], "backup", &f, 1, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	/* the configured step's exec when there is one, so its row is written */
	struct step fake = { 0 };
	fake.ops = &step_pg_backup_ops;
	fake.name = "backup";
	fake.kind = "pg_backup";
	struct step_exec own = { 0 };
	own.step = &fake;
	own.detail = json_object();
	struct step_exec *x = &own;
	size_t index = 0;
	for (size_t i = 0; i < r->nexecs; i++)
		if (strcmp(r->execs[i].step->kind, "pg_backup") == 0 && config_step_applies(r->execs[i].step, r->env)) {
			x = &r->execs[i];
			index = i;
			break;
		}
	struct err we = ERR_INIT;
	if ((rc = state_run_begin(r->state, r, e)) < 0) {
		err_prefix(e, "backup '%s'", pos[0]);
		goto out;
	}
	/* SIGINT/SIGTERM stop pg_dump: its temporary file is removed and the
	 * run row is closed 'failed' (kill -9 leaves it interrupted) */
	pipeline_signals(r);
	out_run_started(g->out, r);
	x->status = STEP_RUNNING;
	x->started_ms = time_wall_ms();
	if (x != &own)
		state_step_write(r->state, r, index, &we);
	out_step_started(g->out, r, x);
	long long t0 = time_mono_ms();
	r->cur = x;
	rc = pg_backup_run(x->step, r, e);
	r->cur = NULL;
	x->duration_ms = time_mono_ms() - t0;
	x->status = rc < 0 ? STEP_FAILED : STEP_SUCCEEDED;
	if (rc < 0)
		x->error = redact(e->msg);
	if (x != &own)
		state_step_write(r->state, r, index, &we);
	out_step_finished(g->out, r, x);
	if (rc < 0)
		err_prefix(e, "backup '%s'", pos[0]);
	state_run_finish(r->state, r, rc < 0 ? "failed" : "succeeded", rc < 0 ? e->msg : NULL, &we);
	out_run_finished(g->out, r, rc < 0 ? "failed" : "succeeded", rc < 0 ? e->msg : NULL,
			 rc < 0 ? (e->code ? e->code : SC_EFAIL) : 0);
	if (rc == 0 && !g->json) {
		json_t *d = x->detail;
		char h[32];
		pgtools_human_size((long long)json_integer_value(json_object_get(d, "size")), h, sizeof h);
		out_text(g->out, "backup: %s (%s, sha256 %s)", json_string_value(json_object_get(d, "path")), h,
			 json_string_value(json_object_get(d, "sha256")));
	} else if (rc == 0) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:O}", "event", "backup", "run_id", r->run_id, "env", r->env->name,
				      "detail", x->detail);
		out_json(g->out, o);
	}
out:
	if (own.error)
		free(own.error);
	json_decref(own.detail);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
