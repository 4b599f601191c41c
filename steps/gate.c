/*
 * gate: runs another configured step's apply as a gate inside the current
 * step (ssh's `health` between batches).  Its outcome is logged and kept in
 * the current step's detail as `last_gate`; it is not recorded as its own
 * step.
 */
#include <jansson.h>
#include "gate.h"
#include "step.h"
#include "../env/run.h"
#include "../lib/util.h"

int gate_run(struct run *r, const char *step_name, struct err *e)
{
	struct step *st = config_step(r->cfg, step_name);
	if (!st)
		return err_set(e, SC_EUSAGE, "gate step '%s' does not exist", step_name);
	struct step_exec gate = { .step = st, .status = STEP_RUNNING, .detail = json_object(),
				  .started_ms = time_wall_ms() };
	struct step_exec *saved = r->cur;
	r->cur = &gate;
	int rc = st->ops->apply(st, r, e);
	r->cur = saved;
	if (saved)
		json_object_set_new(saved->detail, "last_gate", json_pack("{s:s,s:b,s:O}", "step", step_name, "ok",
									  rc == 0, "detail", gate.detail));
	json_decref(gate.detail);
	if (rc < 0)
		return err_prefix(e, "gate '%s'", step_name);
	run_log(r, "gate '%s' passed", step_name);
	return 0;
}

int gate_run_hosts(struct run *r, const char *step_name, struct host **hosts, size_t n, struct err *e)
{
	struct step *st = config_step(r->cfg, step_name);
	if (!st || !st->gate_only || !n)
		return gate_run(r, step_name, e);
	const struct host *saved = r->host;
	for (size_t i = 0; i < n; i++) {
		r->host = hosts[i];
		int rc = gate_run(r, step_name, e);
		r->host = saved;
		if (rc < 0)
			return err_prefix(e, "host '%s'", hosts[i]->name);
	}
	return 0;
}
