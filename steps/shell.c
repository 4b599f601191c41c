/*
 * shell: runs `command` locally with /bin/sh -c, in the config's folder,
 * with STAGECOACH_ENV, STAGECOACH_RELEASE, STAGECOACH_RUN_ID and
 * DATABASE_URL set, cut after timeout_ms.
 *
 * apply: runs `command`; fails unless it exits 0 (the error holds the last
 * lines of its output).  rollback: runs `rollback_command`, if given; with
 * none, the step is taken as changing nothing that stagecoach can undo
 * (its plan says so).
 */
#include <stdlib.h>
#include <string.h>
#include "step.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/proc.h"
#include "../lib/shellexpand.h"
#include "../lib/util.h"

struct shell {
	char *command;
	char *rollback_command;
	char *cwd;
};

static const char *const keys[] = { "command", "rollback_command", "cwd", NULL };
static const struct cfg_keys shell_keys[] = { { "shell.", keys }, { NULL, NULL } };

static int shell_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct shell *sh = xcalloc(1, sizeof(*sh));
	st->priv = sh;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = cfg_string(s, "command", 1, &sh->command, e)) < 0 ||
	    (rc = cfg_string(s, "rollback_command", 0, &sh->rollback_command, e)) < 0 ||
	    (rc = cfg_string(s, "cwd", 0, &sh->cwd, e)) < 0)
		return rc;
	if (!sh->command[0])
		return cfg_error(s, e, "'command' is empty");
	return 0;
}

static void shell_line(void *ctx, const char *line)
{
	run_log(ctx, "%s", line);
}

static int shell_exec(struct step *st, struct run *r, const char *raw, const char *what, struct err *e)
{
	struct shell *sh = st->priv;
	char *cmd = NULL, *cwd = NULL;
	char **exports = NULL;
	int rc = run_expand_command(r, raw, &cmd, &exports, e);
	if (rc == 0 && sh->cwd)
		rc = run_expand(r, sh->cwd, &cwd, e);
	if (rc < 0) {
		free(cmd);
		strv_free(exports);
		return rc;
	}
	char *dir = cwd ? path_join(r->cfg->dir, cwd) : xstrdup(r->cfg->dir);
	char **envp = run_child_env(r);
	expand_env_merge(&envp, exports);
	strv_free(exports);
	struct proc_result res;
	rc = proc_run_shell(cmd, envp, dir, st->timeout_ms, shell_line, r, &r->stop, &res, e);
	strv_free(envp);
	if (rc == 0) {
		json_t *d = run_detail(r);
		json_object_set_new(d, what, json_pack("{s:i,s:I}", "exit_status", res.exited ? res.status : -1,
						       "duration_ms", (json_int_t)res.duration_ms));
		if (!(res.exited && res.status == 0)) {
			char how[160];
			proc_describe(&res, st->timeout_ms, how, sizeof(how));
			char *tail = proc_tail(&res, 10);
			rc = err_set(e, SC_EFAIL, "%s '%s' %s%s%s", what, cmd, how, tail[0] ? ": " : "", tail);
			free(tail);
		}
		proc_result_release(&res);
	}
	free(dir);
	free(cwd);
	free(cmd);
	return rc;
}

static int shell_plan(struct step *st, struct run *r, struct err *e)
{
	struct shell *sh = st->priv;
	char *cmd = NULL;
	if (run_expand_command(r, sh->command, &cmd, NULL, e) < 0)
		return -SC_EUSAGE;
	run_plan_line(r, "would run: %s", cmd);
	free(cmd);
	return 0;
}

static int shell_apply(struct step *st, struct run *r, struct err *e)
{
	return shell_exec(st, r, ((struct shell *)st->priv)->command, "command", e);
}

static int shell_rollback(struct step *st, struct run *r, struct err *e)
{
	struct shell *sh = st->priv;
	if (!sh->rollback_command)
		return 0;
	return shell_exec(st, r, sh->rollback_command, "rollback_command", e);
}

static enum step_undo shell_undo(const struct step *st)
{
	/* a command without rollback_command is taken as changing nothing */
	return ((struct shell *)st->priv)->rollback_command ? UNDO_ROLLBACK : UNDO_NOTHING;
}

static const char *shell_strategy(const struct step *st)
{
	return ((struct shell *)st->priv)->rollback_command ? "rollback: runs rollback_command"
							    : "rollback: none (no rollback_command)";
}

static void shell_free(struct step *st)
{
	struct shell *sh = st->priv;
	if (!sh)
		return;
	free(sh->command);
	free(sh->rollback_command);
	free(sh->cwd);
	free(sh);
	st->priv = NULL;
}

const struct step_ops step_shell_ops = {
	.keys = shell_keys,
	.kind = "shell",
	.parse = shell_parse,
	.plan = shell_plan,
	.apply = shell_apply,
	.rollback = shell_rollback,
	.free = shell_free,
	.undo = shell_undo,
	.rollback_strategy = shell_strategy,
};
