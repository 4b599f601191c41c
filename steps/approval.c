/*
 * approval: a gate that needs a person's yes.  On a terminal it asks for the
 * environment's name to be typed, when the step is reached; without a
 * terminal it needs --approve, and that is checked in plan, before anything
 * changes.  apply changes nothing; there is nothing to undo.
 */
#include <stdlib.h>
#include "step.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/util.h"

struct approval {
	char *message;
};

static const char *const keys[] = { "message", NULL };

static int approval_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct approval *a = xcalloc(1, sizeof(*a));
	st->priv = a;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = cfg_string(s, "message", 0, &a->message, e)) < 0)
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
	char *msg = approval_message(st, r, e);
	if (!msg)
		return -SC_EUSAGE;
	run_plan_line(r, "asks: %s%s", msg, r->approve ? " (approved with --approve)" : "");
	int rc = 0;
	if (!r->approve && !r->interactive && !r->dry_run)
		rc = err_set(e, SC_EAPPROVAL, "%s: approval needed and there is no terminal to ask: pass --approve",
			     msg);
	free(msg);
	return rc;
}

static int approval_apply(struct step *st, struct run *r, struct err *e)
{
	char *msg = approval_message(st, r, e);
	if (!msg)
		return -SC_EUSAGE;
	int rc = run_approval(r, msg, e);
	json_object_set_new(run_detail(r), "approved_by", json_string(r->actor));
	json_object_set_new(run_detail(r), "how", json_string(r->approve ? "--approve" : "terminal"));
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
	.kind = "approval",
	.parse = approval_parse,
	.plan = approval_plan,
	.apply = approval_apply,
	.free = approval_free,
};
