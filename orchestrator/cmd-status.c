/*
 * cmd-status: `status ENV`: the current release (of the last successful
 * deploy or promote, or the release a later `restore` brought the database
 * back to), the last run and its outcome, an interrupted run, and the lock
 * holder.  Read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../env/lock.h"
#include "../env/recovery.h"
#include "../env/run.h"
#include "../env/state.h"

static json_t *run_json(const struct state_run *sr)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(sr->id));
	json_object_set_new(o, "command", json_string(sr->command));
	json_object_set_new(o, "release", sr->release ? json_string(sr->release) : json_null());
	json_object_set_new(o, "status", json_string(sr->status));
	json_object_set_new(o, "actor", sr->actor ? json_string(sr->actor) : json_null());
	json_object_set_new(o, "host", sr->host ? json_string(sr->host) : json_null());
	json_object_set_new(o, "started_at", json_string(sr->started_at));
	json_object_set_new(o, "finished_at", sr->finished_at ? json_string(sr->finished_at) : json_null());
	json_object_set_new(o, "duration_ms", sr->duration_ms >= 0 ? json_integer(sr->duration_ms) : json_null());
	json_object_set_new(o, "error", sr->error ? json_string(sr->error) : json_null());
	json_object_set_new(o, "last_step", sr->last_step ? json_string(sr->last_step) : json_null());
	if (sr->promoted_from)
		json_object_set_new(o, "promoted_from", json_string(sr->promoted_from));
	json_object_set_new(o, "content_hash", sr->content_hash ? json_string(sr->content_hash) : json_null());
	json_object_set_new(o, "git_commit", sr->git_commit ? json_string(sr->git_commit) : json_null());
	json_object_set_new(o, "git_dirty", sr->git_dirty < 0 ? json_null() : json_boolean(sr->git_dirty));
	json_object_set_new(o, "approvals", sr->approvals ? json_incref(sr->approvals) : json_array());
	return o;
}

/* "v1.2.3 (content 3f2a9c1b0d4e, git 1a2b3c4d5e6f, dirty)" into buf */
void status_release_text(const struct state_run *sr, char *buf, size_t len);
void status_release_text(const struct state_run *sr, char *buf, size_t len)
{
	snprintf(buf, len, "%s (content %.12s%s%.12s%s)", sr->release ? sr->release : "-",
		 sr->content_hash ? sr->content_hash : "unrecorded", sr->git_commit ? ", git " : "",
		 sr->git_commit ? sr->git_commit : "", sr->git_dirty == 1 ? ", dirty" : "");
}

/* "    approved 'cp' by alice at 2026-... (approve command)" lines */
void status_print_approvals(const struct state_run *sr, const char *indent);
void status_print_approvals(const struct state_run *sr, const char *indent)
{
	size_t i;
	json_t *a;
	json_array_foreach(sr->approvals, i, a) {
		const char *at = json_string_value(json_object_get(a, "at"));
		const char *how = json_string_value(json_object_get(a, "how"));
		printf("%sapproved '%s' by %s%s%s%s%s%s\n", indent, json_string_value(json_object_get(a, "step")),
		       json_string_value(json_object_get(a, "by")), at ? " at " : "", at ? at : "", how ? " (" : "",
		       how ? how : "", how ? ")" : "");
	}
}

json_t *status_run_json(const struct state_run *sr);
json_t *status_run_json(const struct state_run *sr)
{
	return run_json(sr);
}

int cmd_status(int argc, char **argv, struct global *g, struct err *e)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(g, e, argv[i]);
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(g, e, "name the environment");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, argv[1], "status", NULL, 0, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	struct state_run last = { 0 }, ok = { 0 }, intr = { 0 }, blocked = { 0 }, paused = { 0 };
	struct state_run *list = NULL, *recent = NULL;
	size_t n = 0, nrecent = 0;
	const struct state_run *restored = NULL;
	char holder[512] = "";
	int has_ok, has_intr, has_blocked = 0, has_paused;
	if ((rc = state_runs_list(r->state, 1, &list, &n, e)) < 0 || (has_ok = state_last_success(r->state, &ok, e)) < 0 ||
	    (has_intr = state_interrupted_run(r->state, &intr, e)) < 0 ||
	    (has_blocked = recovery_blocking_run(r->state, &blocked, e)) < 0 ||
	    (has_paused = state_paused_run(r->state, &paused, e)) < 0 ||
	    lock_holder(r->state, cfg->project, argv[1], holder, sizeof(holder), e) < 0) {
		rc = err_prefix(e, "status '%s'", argv[1]);
		goto out;
	}
	if (n)
		last = list[0];
	/* a restore newer than the last deploy: the database is at the release
	 * its backup was taken at (functions and hosts are not restored) */
	if (state_runs_list(r->state, 200, &recent, &nrecent, e) < 0) {
		rc = err_prefix(e, "status '%s'", argv[1]);
		goto out;
	}
	for (size_t i = 0; i < nrecent && !restored; i++) {
		if (strcmp(recent[i].status, "succeeded") != 0)
			continue;
		if (has_ok && strcmp(recent[i].id, ok.id) == 0)
			break;
		if (strcmp(recent[i].command, "restore") == 0)
			restored = &recent[i];
	}
	if (g->json) {
		json_t *o = json_object();
		json_object_set_new(o, "event", json_string("status"));
		json_object_set_new(o, "env", json_string(argv[1]));
		if (restored)
			json_object_set_new(o, "current_release",
					    restored->release ? json_string(restored->release) : json_null());
		else
			json_object_set_new(o, "current_release", has_ok ? json_string(ok.release) : json_null());
		json_object_set_new(o, "restored_by", restored ? json_string(restored->id) : json_null());
		json_object_set_new(o, "current_content_hash",
				    has_ok && ok.content_hash ? json_string(ok.content_hash) : json_null());
		json_object_set_new(o, "current_run", has_ok ? run_json(&ok) : json_null());
		json_object_set_new(o, "paused_run", has_paused ? run_json(&paused) : json_null());
		json_object_set_new(o, "last_run", n ? run_json(&last) : json_null());
		json_object_set_new(o, "interrupted_run", has_intr ? run_json(&intr) : json_null());
		json_object_set_new(o, "rollback_failed_run", has_blocked ? run_json(&blocked) : json_null());
		if (has_intr || has_blocked) {
			char next[512];
			recovery_next_commands(argv[1], has_intr ? "running" : "rollback_failed", has_intr ? intr.command : NULL, next,
					       sizeof(next));
			json_object_set_new(o, "next", json_string(next));
		}
		json_object_set_new(o, "lock_holder", holder[0] ? json_string(holder) : json_null());
		json_object_set_new(o, "local_release", json_string(r->release));
		json_object_set_new(o, "local_content_hash", json_string(r->content_hash));
		out_json(g->out, o);
	} else {
		printf("environment:     %s%s\n", argv[1], r->env->protected_env ? " (protected)" : "");
		char rel[512] = "none (never deployed)";
		if (has_ok)
			status_release_text(&ok, rel, sizeof(rel));
		if (restored)
			printf("current release: %s, database restored %s by run %s (functions and hosts not "
			       "restored: last deployed %s)\n",
			       restored->release ? restored->release : "unknown (restored from a file stagecoach did not record)",
			       restored->finished_at ? restored->finished_at : restored->started_at, restored->id,
			       has_ok ? ok.release : "none");
		else
			printf("current release: %s%s%s\n", rel, has_ok ? ", deployed " : "", has_ok ? ok.finished_at : "");
		if (has_ok && !restored && ok.promoted_from)
			printf("                 promoted from %s\n", ok.promoted_from);
		if (has_ok && !restored)
			status_print_approvals(&ok, "                 ");
		printf("local release:   %s (content %.12s)\n", r->release, r->content_hash);
		if (n)
			printf("last run:        %s %s %s by %s, started %s%s%s\n", last.id, last.command, last.status,
			       last.actor ? last.actor : "?", last.started_at, last.error ? "\n  error: " : "",
			       last.error ? last.error : "");
		else
			printf("last run:        none\n");
		char next[512];
		if (has_intr) {
			recovery_next_commands(argv[1], "running", intr.command, next, sizeof(next));
			printf("INTERRUPTED:     run %s (%s by %s, started %s) stopped at step '%s' (%s)\n"
			       "                 %s\n",
			       intr.id, intr.command, intr.actor ? intr.actor : "?", intr.started_at,
			       intr.last_step ? intr.last_step : "-", intr.last_step_status ? intr.last_step_status : "-",
			       next);
		}
		if (has_blocked) {
			recovery_next_commands(argv[1], "rollback_failed", NULL, next, sizeof(next));
			printf("ROLLBACK FAILED: run %s (%s of release %s by %s, started %s): deploys are refused\n"
			       "                 %s\n"
			       "                 %s\n",
			       blocked.id, blocked.command, blocked.release ? blocked.release : "-",
			       blocked.actor ? blocked.actor : "?", blocked.started_at,
			       blocked.error ? blocked.error : "see 'stagecoach history'", next);
		}
		if (has_paused) {
			printf("PAUSED:          run %s (%s of release %s by %s, started %s) waits at checkpoint '%s'\n",
			       paused.id, paused.command, paused.release ? paused.release : "-",
			       paused.actor ? paused.actor : "?", paused.started_at, paused.last_step ? paused.last_step : "-");
			status_print_approvals(&paused, "                 ");
			printf("                 run 'stagecoach approve %s %s' then 'stagecoach deploy %s --resume', or "
			       "'stagecoach rollback %s --last'\n",
			       argv[1], paused.last_step ? paused.last_step : "STEP", argv[1], argv[1]);
		}
		printf("lock:            %s\n", holder[0] ? holder : "free");
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		state_run_release(&list[i]);
	free(list);
	for (size_t i = 0; i < nrecent; i++)
		state_run_release(&recent[i]);
	free(recent);
	state_run_release(&ok);
	state_run_release(&intr);
	state_run_release(&blocked);
	state_run_release(&paused);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
