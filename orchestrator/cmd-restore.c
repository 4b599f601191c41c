/*
 * cmd-restore: `restore ENV FILE [--yes] [--approve]`: restores a backup
 * into ENV's database (pgtools_restore: afterwards the database holds
 * exactly what the backup holds, schema stagecoach's records excepted;
 * all in one transaction).  The file is checked first (its sha256 against
 * the records when it is one of our backups, then pg_restore --list): a
 * corrupted file is refused before anything is asked or changed.  A
 * protected environment needs approval (the name typed, or --approve);
 * another needs --yes or a "y" on the terminal.  A run of command
 * "restore" holding the lock, recorded like the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/pgtools.h"
#include "../steps/step.h"

extern const struct step_ops step_pg_backup_ops;

static int restore_confirm(struct run *r, const char *file, struct err *e)
{
	if (r->env->protected_env) {
		char *msg = xasprintf("restore '%s' into protected environment '%s' (every object outside schema "
				      "stagecoach is replaced)",
				      file, r->env->name);
		int rc = run_approval(r, msg, e);
		free(msg);
		return rc;
	}
	if (r->yes)
		return 0;
	if (!r->interactive)
		return err_set(e, SC_EAPPROVAL,
			       "restoring replaces every object of '%s' outside schema stagecoach: pass --yes to "
			       "confirm (nothing was changed)",
			       r->env->name);
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return err_set(e, SC_EAPPROVAL, "cannot open /dev/tty to confirm: pass --yes");
	fprintf(tty, "Restore '%s' into '%s'? Every object outside schema stagecoach is replaced. [y/N] ", file,
		r->env->name);
	fflush(tty);
	char line[64] = "";
	char *got = fgets(line, sizeof line, tty);
	fclose(tty);
	if (got && (line[0] == 'y' || line[0] == 'Y'))
		return 0;
	return err_set(e, SC_EAPPROVAL, "not confirmed: nothing was changed");
}

int cmd_restore(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[2];
	int n = cmd_parse_flags(g, argc, argv, &f, pos, 2, e);
	if (n < 0)
		return n;
	if (n != 2)
		return cmd_usage_error(g, e, "name the environment and the backup file");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct run *r;
	if ((rc = cmd_open_run(g, cfg, pos[0], "restore", &f, 1, &r, e)) < 0) {
		config_free(cfg);
		return rc;
	}
	const char *file = pos[1];
	struct step *backup_step = NULL;
	for (size_t i = 0; i < cfg->nsteps && !backup_step; i++)
		if (strcmp(cfg->steps[i].kind, "pg_backup") == 0 && config_step_applies(&cfg->steps[i], r->env))
			backup_step = &cfg->steps[i];
	char *pg_dump = pg_backup_pg_dump(backup_step, r);
	struct step fake = { 0 };
	fake.ops = &step_pg_backup_ops;
	fake.name = "restore";
	fake.kind = "restore";
	struct step_exec x = { 0 };
	x.step = &fake;
	x.detail = json_object();
	struct err we = ERR_INIT;
	int known = 0;
	PGconn *db = NULL;
	if ((rc = pgtools_check_backup(r, file, pg_dump, &known, e)) < 0 || (rc = restore_confirm(r, file, e)) < 0 ||
	    !(db = run_db(r, e))) {
		rc = -(e->code ? e->code : SC_EFAIL);
		err_prefix(e, "restore '%s'", pos[0]);
		goto out;
	}
	if ((rc = state_run_begin(r->state, r, e)) < 0) {
		err_prefix(e, "restore '%s'", pos[0]);
		goto out;
	}
	out_run_started(g->out, r);
	x.status = STEP_RUNNING;
	x.started_ms = time_wall_ms();
	out_step_started(g->out, r, &x);
	long long t0 = time_mono_ms();
	r->cur = &x;
	rc = pgtools_restore(r, db, file, pg_dump, e);
	r->cur = NULL;
	x.duration_ms = time_mono_ms() - t0;
	x.status = rc < 0 ? STEP_FAILED : STEP_SUCCEEDED;
	if (rc < 0) {
		x.error = redact(e->msg);
		err_prefix(e, "restore '%s'", pos[0]);
	}
	out_step_finished(g->out, r, &x);
	state_run_finish(r->state, r, rc < 0 ? "failed" : "succeeded", rc < 0 ? e->msg : NULL, &we);
	out_run_finished(g->out, r, rc < 0 ? "failed" : "succeeded", rc < 0 ? e->msg : NULL,
			 rc < 0 ? (e->code ? e->code : SC_EFAIL) : 0);
	if (rc == 0 && !g->json)
		out_text(g->out, "restored %s into '%s'%s", file, r->env->name,
			 known ? " (sha256 matched the records)" : "");
out:
	free(x.error);
	json_decref(x.detail);
	free(pg_dump);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
