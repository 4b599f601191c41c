/*
 * approval: a gate that needs a person's yes.  apply changes nothing; there
 * is nothing to undo.  Its detail records who gave it, when and how
 * (approved_by, approved_at, how).
 *
 * An ordinary approval: on a terminal it asks for the environment's name to
 * be typed, when the step is reached; without a terminal it needs --approve
 * (or --approve=NAME), and that is checked in plan, before anything changes.
 *
 * A checkpoint (`pause = true`) stands where it is in the pipeline: on a
 * terminal it asks; otherwise it is given only by --approve=NAME naming it,
 * or by `stagecoach approve ENV NAME` while the run is paused (which writes
 * approved_by into this step's stored detail, read back by `deploy
 * --resume`).  Plain --approve never gives it.  Not given, apply fails with
 * SC_EPAUSED: the engine records the run as paused and exits 7, nothing
 * rolled back.
 */
#include <stdlib.h>
#include "step.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/util.h"

struct approval {
	char *message;
	int pause;
};

static const char *const keys[] = { "message", "pause", NULL };
static const struct cfg_keys approval_keys[] = { { "approval.", keys }, { NULL, NULL } };

static int approval_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct approval *a = xcalloc(1, sizeof(*a));
	st->priv = a;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = cfg_string(s, "message", 0, &a->message, e)) < 0 ||
	    (rc = cfg_bool(s, "pause", 0, &a->pause, e)) < 0)
		return rc;
	return 0;
}

static char *approval_message(struct step *st, struct run *r, struct err *e)
{
	struct approval *a = st->priv;
	char *msg = NULL;
	if (a->message) {
		if (run_expand(r, a->message, &msg, e) < 0)
			return NULL;
		return msg;
	}
	return xasprintf("step '%s' asks to continue on '%s'", st->name, r->env->name);
}

static int approval_plan(struct step *st, struct run *r, struct err *e)
{
	struct approval *a = st->priv;
	char *msg = approval_message(st, r, e);
	if (!msg)
		return -SC_EUSAGE;
	int named = run_step_approved(r, st->name);
	int rc = 0;
	if (a->pause) {
		if (named)
			run_plan_line(r, "checkpoint: %s (given with --approve=%s)", msg, st->name);
		else
			run_plan_line(r, "checkpoint: %s (%s)", msg,
				      r->interactive ? "asked on the terminal"
						     : "pauses here, exit 7, until 'approve ENV STEP' and 'deploy --resume'");
	} else {
		run_plan_line(r, "asks: %s%s", msg, r->approve || named ? " (approved with --approve)" : "");
		if (!r->approve && !named && !r->interactive && !r->dry_run)
			rc = err_set(e, SC_EAPPROVAL,
				     "%s: approval needed and there is no terminal to ask: pass --approve (or "
				     "--approve=%s)", msg, st->name);
	}
	free(msg);
	return rc;
}

static void record(struct run *r, const char *by, const char *how)
{
	char t[32];
	time_iso8601(time_wall_ms(), t);
	json_object_set_new(run_detail(r), "approved_by", json_string(by));
	json_object_set_new(run_detail(r), "approved_at", json_string(t));
	json_object_set_new(run_detail(r), "how", json_string(how));
}

static int checkpoint_apply(struct step *st, struct run *r, const char *msg, struct err *e)
{
	json_t *d = run_detail(r);
	const char *by = json_string_value(json_object_get(d, "approved_by"));
	if (by) {
		/* given by `approve ENV STEP` while the run was paused */
		run_log(r, "checkpoint given by %s at %s", by,
			json_string_value(json_object_get(d, "approved_at")) ? json_string_value(json_object_get(d, "approved_at")) : "?");
		return 0;
	}
	if (run_step_approved(r, st->name)) {
		char *how = xasprintf("--approve=%s", st->name);
		record(r, r->actor, how);
		free(how);
		return 0;
	}
	if (r->interactive) {
		char *prompt = xasprintf("Checkpoint '%s': type the environment's name ('%s') to continue, anything "
					 "else to pause here:", st->name, r->env->name);
		int yes = run_ask_name(r, msg, prompt);
		free(prompt);
		if (yes) {
			record(r, r->actor, "terminal");
			return 0;
		}
	}
	json_object_set_new(d, "waiting_since", json_integer(time_wall_ms() / 1000));
	return err_set(e, SC_EPAUSED,
		       "paused at checkpoint '%s' (%s): what ran so far stays; run 'stagecoach approve %s %s' "
		       "then 'stagecoach deploy %s --resume' to continue, or 'stagecoach rollback %s --last' to undo",
		       st->name, msg, r->env->name, st->name, r->env->name, r->env->name);
}

static int approval_apply(struct step *st, struct run *r, struct err *e)
{
	struct approval *a = st->priv;
	char *msg = approval_message(st, r, e);
	if (!msg)
		return -SC_EUSAGE;
	int rc;
	if (a->pause) {
		rc = checkpoint_apply(st, r, msg, e);
	} else if (!r->approve && run_step_approved(r, st->name)) {
		char *how = xasprintf("--approve=%s", st->name);
		record(r, r->actor, how);
		free(how);
		rc = 0;
	} else {
		rc = run_approval(r, msg, e);
		if (rc == 0)
			record(r, r->actor, r->approve ? "--approve" : "terminal");
	}
	free(msg);
	return rc;
}

static void approval_free(struct step *st)
{
	struct approval *a = st->priv;
	if (a) {
		free(a->message);
		free(a);
	}
	st->priv = NULL;
}

const struct step_ops step_approval_ops = {
	.keys = approval_keys,
	.kind = "approval",
	.parse = approval_parse,
	.plan = approval_plan,
	.apply = approval_apply,
	.free = approval_free,
};
