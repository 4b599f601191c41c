/*
 * cmd-restore: `restore ENV FILE [--yes] [--approve]`: restores a backup
 * into ENV's database (pgtools_restore: afterwards the database holds
 * exactly what the backup holds, schema stagecoach's records excepted;
 * all in one transaction).  The file is checked first (its sha256 against
 * the records when it is one of our backups, then pg_restore --list): a
 * corrupted file is refused before anything is asked or changed.  Then
 * the rows written since the backup are counted per table (steps/pgscope.h;
 * "unknown" for a file that is not one of ours): rows it would discard, or a
 * protected environment, need approval (the name typed, or --approve);
 * otherwise --yes or a "y" on the terminal.  A safety backup of the
 * database as it is comes first, unless --no-safety-backup.  A run of
 * command "restore" holding the lock, recorded like the others, whose
 * release is the one the backup's database was at (what `status` shows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "pipeline.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/pgscope.h"
#include "../steps/pgtools.h"
#include "../steps/step.h"

extern const struct step_ops step_pg_backup_ops;

static int restore_confirm(struct run *r, const char *file, const char *writes, int at_risk, struct err *e)
{
	if (r->env->protected_env || at_risk) {
		char *msg = xasprintf("restore '%s' into %senvironment '%s' (the schemas it covers are replaced; rows "
				      "written since the backup that it discards: %s)",
				      file, r->env->protected_env ? "protected " : "", r->env->name, writes);
		int rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0 && at_risk)
			err_prefix(e, "rows written since the backup would be discarded (%s)", writes);
		return rc;
	}
	if (r->yes)
		return 0;
	if (!r->interactive)
		return err_set(e, SC_EAPPROVAL,
			       "restoring replaces the schemas of '%s' that the backup covers: pass --yes to "
			       "confirm (nothing was changed)",
			       r->env->name);
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return err_set(e, SC_EAPPROVAL, "cannot open /dev/tty to confirm: pass --yes");
	fprintf(tty, "Restore '%s' into '%s'? The schemas it covers are replaced. [y/N] ", file, r->env->name);
	fflush(tty);
	char line[64] = "";
	char *got = fgets(line, sizeof line, tty);
	fclose(tty);
	if (got && (line[0] == 'y' || line[0] == 'Y'))
		return 0;
	return err_set(e, SC_EAPPROVAL, "not confirmed: nothing was changed");
}

/* Rows written since the backup file: a description, and whether any (or
 * unknown).  rec: the file's records (NULL when not ours). */
static int restore_writes(struct run *r, PGconn *db, json_t *rec, struct step *backup_step, char **what,
			  int *at_risk, struct err *e)
{
	char **schemas = NULL;
	if (pgscope_restore_schemas(db, json_object_get(rec, "schemas"), pg_backup_schemas(backup_step), &schemas, e) <
	    0)
		return -SC_EFAIL;
	json_t *report = NULL;
	long long total = 0;
	int unknown = 0;
	int rc = pgscope_writes_since(db, json_object_get(rec, "writes_base"), NULL, schemas, &report, &total,
				      &unknown, e);
	strv_free(schemas);
	if (rc < 0)
		return rc;
	*what = pgscope_describe(report, total, unknown);
	if (!rec) {
		free(*what);
		*what = xstrdup("unknown (the file is not a backup stagecoach recorded for this environment)");
	}
	*at_risk = total > 0 || unknown;
	json_decref(report);
	return 0;
}

int cmd_restore(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[2];
	int no_safety = 0;
	char **args = xcalloc((size_t)argc + 1, sizeof(char *));
	int nargs = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--no-safety-backup") == 0)
			no_safety = 1;
		else
			args[nargs++] = argv[i];
	}
	int n = cmd_parse_flags(g, nargs, args, &f, pos, 2, e);
	free(args);
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
	char *writes = NULL, *safety = NULL;
	json_t *rec = NULL;
	int at_risk = 0;
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
	if ((rc = pgtools_check_backup(r, file, pg_dump, &known, e)) < 0 || !(db = run_db(r, e)) ||
	    (rc = pgtools_backup_record(r, file, &rec, e)) < 0 ||
	    (rc = restore_writes(r, db, rec, backup_step, &writes, &at_risk, e)) < 0 ||
	    (rc = restore_confirm(r, file, writes, at_risk, e)) < 0) {
		rc = -(e->code ? e->code : SC_EFAIL);
		err_prefix(e, "restore '%s'", pos[0]);
		goto out;
	}
	/* the release the database comes back to */
	free(r->release);
	r->release = NULL;
	if (rec && json_is_string(json_object_get(rec, "db_release")))
		r->release = xstrdup(json_string_value(json_object_get(rec, "db_release")));
	if ((rc = state_run_begin(r->state, r, e)) < 0) {
		err_prefix(e, "restore '%s'", pos[0]);
		goto out;
	}
	/* SIGINT/SIGTERM stop pg_restore, whose single transaction then leaves
	 * the database as it was; the run row is closed 'failed' */
	pipeline_signals(r);
	out_run_started(g->out, r);
	x.status = STEP_RUNNING;
	x.started_ms = time_wall_ms();
	out_step_started(g->out, r, &x);
	long long t0 = time_mono_ms();
	r->cur = &x;
	json_object_set_new(x.detail, "file", json_string(file));
	json_object_set_new(x.detail, "writes_since_backup", json_string(writes));
	if (!no_safety) {
		char *dir = xstrdup(file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		rc = pgtools_safety_backup(r, db, slash ? (*dir ? dir : "/") : ".", pg_dump, pg_backup_schemas(backup_step),
					   &safety, e);
		free(dir);
		if (rc == 0)
			json_object_set_new(x.detail, "safety_backup", json_string(safety));
	}
	if (rc == 0)
		rc = pgtools_restore(r, db, file, pg_dump, pg_backup_schemas(backup_step), e);
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
	if (rc == 0 && !g->json) {
		out_text(g->out, "restored %s into '%s'%s; rows written since the backup, discarded: %s", file,
			 r->env->name, known ? " (sha256 matched the records)" : "", writes);
		if (safety)
			out_text(g->out, "safety backup of the database as it was: %s", safety);
		out_text(g->out, "the database of '%s' is at release %s (functions and hosts are not changed by a "
			 "restore)", r->env->name, r->release ? r->release : "unknown (a file stagecoach did not record)");
	} else if (rc == 0) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b,s:s,s:s?}", "event", "restore", "run_id", r->run_id,
				      "env", r->env->name, "file", file, "release", r->release, "recorded", known,
				      "writes_since_backup", writes, "safety_backup", safety);
		out_json(g->out, o);
	}
out:
	free(x.error);
	json_decref(x.detail);
	json_decref(rec);
	free(writes);
	free(safety);
	free(pg_dump);
	cmd_close_run(r);
	config_free(cfg);
	return rc;
}
