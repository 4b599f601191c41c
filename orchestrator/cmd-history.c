/* cmd-history: `history ENV [--limit N]`: the runs, newest first.  Read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../env/run.h"
#include "../env/state.h"

json_t *status_run_json(const struct state_run *sr);
void status_print_approvals(const struct state_run *sr, const char *indent);

int cmd_history(int argc, char **argv, struct global *g, struct err *e)
{
	const char *env = NULL;
	int limit = 20;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 100000)
				return cmd_usage_error(g, e, "--limit takes a number from 1 to 100000");
			limit = (int)v;
		} else if (strcmp(argv[i], "--limit") == 0) {
			return cmd_usage_error(g, e, "--limit needs a number (--limit 5 or --limit=5)");
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cmd_unknown_option(g, e, argv[i]);
		} else if (argv[i][0] == '-' || env) {
			return cmd_usage_error(g, e, "unexpected argument '%s'", argv[i]);
		} else {
			env = argv[i];
		}
	}
	if (!env)
		return cmd_usage_error(g, e, "name the environment");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, env, "history", NULL, 0, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	struct state_run *list = NULL;
	size_t n = 0;
	if ((rc = state_runs_list(r->state, limit, &list, &n, e)) < 0) {
		rc = err_prefix(e, "history '%s'", env);
	} else {
		if (!g->json)
			printf("%-24s %-9s %-14s %-12s %-16s %-12s %-20s %8s\n", "RUN", "COMMAND", "RELEASE", "CONTENT",
			       "STATUS", "ACTOR", "STARTED", "DURATION");
		for (size_t i = 0; i < n; i++) {
			struct state_run *s = &list[i];
			if (g->json) {
				/* "event" and "env" first, then the run's fields */
				json_t *o = json_pack("{s:s,s:s}", "event", "run", "env", env);
				json_t *run = status_run_json(s);
				json_object_update(o, run);
				json_decref(run);
				out_json_buffered(g->out, o);
				continue;
			}
			char dur[32] = "-";
			if (s->duration_ms >= 0)
				snprintf(dur, sizeof(dur), "%.1fs", (double)s->duration_ms / 1000.0);
			printf("%-24s %-9s %-14s %-12.12s %-16s %-12s %-20s %8s\n", s->id, s->command,
			       s->release ? s->release : "-", s->content_hash ? s->content_hash : "-", s->status,
			       s->actor ? s->actor : "?", s->started_at, dur);
			if (s->promoted_from)
				printf("    promoted from %s\n", s->promoted_from);
			if (s->git_commit)
				printf("    git %.12s%s\n", s->git_commit, s->git_dirty == 1 ? ", dirty" : "");
			status_print_approvals(s, "    ");
			if (s->error)
				printf("    error: %s\n", s->error);
		}
		if (!g->json && n == 0)
			printf("(no runs on '%s' yet)\n", env);
		/* the last line: how many runs were listed (also when none) */
		if (g->json)
			out_json_buffered(g->out, json_pack("{s:s,s:s,s:I,s:i}", "event", "history_finished", "env", env,
							    "count", (json_int_t)n, "limit", limit));
		fflush(stdout);
		rc = 0;
	}
	for (size_t i = 0; i < n; i++)
		state_run_release(&list[i]);
	free(list);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
