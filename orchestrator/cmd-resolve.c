/*
 * cmd-resolve: `resolve ENV --approve --note TEXT`: a person fixed by hand
 * what a run left behind, and says so.  The run that blocks deploys (an
 * interrupted one, else the newest deploy/promote left rollback_failed)
 * becomes 'resolved'; the resolve is a run of its own in the records
 * (command 'resolve', with the actor), and the note is stored as an
 * artifact (kind 'resolve_note', name = the resolved run's id) holding the
 * note, the actor, the run and its previous status.  Nothing else changes:
 * no step is undone or redone.
 *
 * Before marking an interrupted run, its surviving database sessions are
 * ended (as rollback does), so that a query a killed run left executing
 * cannot commit after the person's fix.  Needs --approve without a
 * terminal (exit 5), and a non-empty --note (exit 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../env/recovery.h"
#include "../env/run.h"
#include "../env/state.h"

int cmd_resolve(int argc, char **argv, struct global *g, struct err *e)
{
	const char *env_name = NULL, *note = NULL;
	int approve = 0, yes = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--approve") == 0)
			approve = 1;
		else if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			yes = 1;
		else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
			note = argv[++i];
		else if (starts_with(argv[i], "--note="))
			note = argv[i] + 7;
		else if (argv[i][0] == '-')
			return cmd_unknown_option(g, e, argv[i]);
		else if (env_name)
			return cmd_usage_error(g, e, "unexpected argument '%s'", argv[i]);
		else
			env_name = argv[i];
	}
	if (!env_name)
		return cmd_usage_error(g, e, "name the environment");
	if (!note || !note[0])
		return cmd_usage_error(g, e, "say what was done with --note TEXT (it is recorded with your name)");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run_flags f;
	memset(&f, 0, sizeof(f));
	f.approve = approve;
	f.yes = yes;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, env_name, "resolve", &f, 1, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	struct state_run target = { 0 };
	int found = state_interrupted_run(r->state, &target, e);
	if (found == 0)
		found = recovery_blocking_run(r->state, &target, e);
	if (found < 0) {
		rc = err_prefix(e, "resolve '%s'", env_name);
		goto out;
	}
	if (found == 0) {
		rc = err_set(e, SC_EUSAGE,
			     "resolve '%s': no interrupted or rollback_failed run to resolve: nothing was changed "
			     "(see 'stagecoach status %s')", env_name, env_name);
		goto out;
	}
	char *msg = xasprintf("mark run %s (%s of release %s by %s, %s) as resolved by hand", target.id,
			      target.command, target.release ? target.release : "-", target.actor ? target.actor : "?",
			      strcmp(target.status, "running") == 0 ? "interrupted" : target.status);
	rc = run_approval(r, msg, e);
	free(msg);
	if (rc < 0) {
		err_prefix(e, "resolve '%s'", env_name);
		rc = -SC_EAPPROVAL;
		goto out;
	}
	if (strcmp(target.status, "running") == 0)
		recovery_end_children(r, &target);
	if (strcmp(target.status, "running") == 0 && (rc = state_end_sessions(r->state, target.id, e)) < 0) {
		err_prefix(e, "resolve '%s'", env_name);
		goto out;
	}
	free(r->release);
	r->release = target.release ? xstrdup(target.release) : NULL;
	if ((rc = state_run_begin(r->state, r, e)) < 0 ||
	    (rc = state_run_set_status(r->state, target.id, "resolved", e)) < 0) {
		err_prefix(e, "resolve '%s'", env_name);
		goto out;
	}
	json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:s}", "note", note, "actor", r->actor ? r->actor : "?",
				"resolved_run", target.id, "previous_status", target.status, "resolve_run", r->run_id);
	char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(rec);
	char sha[65];
	sha256_hex(text, strlen(text), sha);
	rc = state_artifact_put(r->state, r->release, r->run_id, "resolve_note", target.id, sha, text, strlen(text), e);
	free(text);
	if (rc < 0 || (rc = state_run_finish(r->state, r, "succeeded", NULL, e)) < 0) {
		err_prefix(e, "resolve '%s'", env_name);
		goto out;
	}
	out_text(g->out, "run %s is resolved (by %s: %s); deploys to '%s' are allowed again", target.id,
		 r->actor ? r->actor : "?", note, env_name);
	if (g->json)
		out_json(g->out, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "event", "resolved", "env", env_name,
					   "run_id", r->run_id, "resolved_run", target.id, "previous_status",
					   target.status, "actor", r->actor ? r->actor : "?", "note", note));
	rc = 0;
out:
	state_run_release(&target);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
