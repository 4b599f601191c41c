/*
 * recovery: runs that block deploys, and the commands that unblock them
 * (see recovery.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recovery.h"
#include "../lib/util.h"

int recovery_blocking_run(struct state *st, struct state_run *out, struct err *e)
{
	struct state_run *runs = NULL;
	size_t n = 0;
	int found = 0;
	memset(out, 0, sizeof(*out));
	if (state_runs_list(st, 1000, &runs, &n, e) < 0)
		return -SC_EFAIL;
	for (size_t i = 0; i < n; i++) {
		if (!found && strcmp(runs[i].status, "rollback_failed") == 0 &&
		    (strcmp(runs[i].command, "deploy") == 0 || strcmp(runs[i].command, "promote") == 0)) {
			*out = runs[i];
			found = 1;
			continue;
		}
		state_run_release(&runs[i]);
	}
	free(runs);
	return found;
}

void recovery_next_commands(const char *env, const char *status, char *buf, size_t len)
{
	if (strcmp(status, "rollback_failed") == 0)
		snprintf(buf, len,
			 "run 'stagecoach rollback %s --last' to complete its rollback, or, once a person has fixed what "
			 "remains, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env);
	else
		snprintf(buf, len,
			 "run 'stagecoach deploy %s --resume' to continue it, 'stagecoach rollback %s --last' to undo it, or, "
			 "once a person has fixed it, 'stagecoach resolve %s --approve --note \"what was done\"'",
			 env, env, env);
}
