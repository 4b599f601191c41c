/*
 * hooks: before/after/on_failure commands (see hooks.h).  Their output is
 * shown with -v, redacted, and the tail of a failing hook's output is in
 * the error.
 */
#include <stdlib.h>
#include <string.h>
#include "hooks.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/sink.h"
#include "../lib/proc.h"
#include "../lib/shellexpand.h"
#include "../lib/redact.h"
#include "../lib/util.h"

static void hook_line(void *ctx, const char *line)
{
	struct run *r = ctx;
	if (r->sink.verbose)
		sink_warn(NULL, "hook: %s", line);
}

int hooks_run(struct run *r, char **list, const char *which, struct err *e)
{
	for (size_t i = 0; list && list[i]; i++) {
		char *cmd = NULL;
		char **exports = NULL;
		if (run_expand_command(r, list[i], &cmd, &exports, e) < 0) {
			strv_free(exports);
			return err_prefix(e, "%s hook %zu", which, i + 1);
		}
		char **envp = run_child_env(r);
		expand_env_merge(&envp, exports);
		strv_free(exports);
		struct proc_result res;
		int rc = proc_run_shell(cmd, envp, r->cfg->dir, 300000, hook_line, r, NULL, &res, e);
		strv_free(envp);
		if (rc == 0 && !(res.exited && res.status == 0)) {
			char how[128];
			proc_describe(&res, 300000, how, sizeof(how));
			char *tail = proc_tail(&res, 5);
			rc = err_set(e, SC_EFAIL, "%s hook '%s' %s%s%s", which, cmd, how, tail[0] ? ": " : "", tail);
			free(tail);
		}
		proc_result_release(&res);
		free(cmd);
		if (rc < 0)
			return rc;
	}
	return 0;
}
