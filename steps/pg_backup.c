/*
 * pg_backup: a backup of the environment's database with PostgreSQL's own
 * pg_dump -Fc, before the steps that change it.
 *
 * apply writes dir/ENV-RUNID.dump (through a temporary name, fsynced,
 * renamed, mode 0600), verifies it with pg_restore --list, records its path,
 * size and sha256 in the step's detail and as an artifact (kind "backup"),
 * and removes this environment's older dumps beyond the newest `keep`.
 * rollback does nothing itself (the file is kept): it is what a migrate
 * step with rollback = "restore", or a missing down, restores.
 *
 * Keys: dir (default "backups", relative to the config file's folder),
 * keep (default 5; a backup a reachable rollback restores is never pruned),
 * pg_dump (path of the pg_dump to use), schemas (what the backup and its
 * restore cover; default: the schemas the connecting role owns, never a
 * platform's, see pgscope.h), safety_backup (default true: a restore of
 * this step's backups by an automatic rollback takes a backup first),
 * verify ("toc" or "full"), format ("custom", the default, or "directory":
 * pg_dump -Fd into the folder dir/ENV-RUNID.dumpdir) and jobs (directory
 * only: pg_dump -j N, and its restore pg_restore -j N, which is not one
 * transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "step.h"
#include "pgtools.h"
#include "pgscope.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/gitcheck.h"
#include "../lib/settings.h"
#include "../lib/util.h"

extern const struct step_ops step_pg_backup_ops;

struct pg_backup {
	char *dir;     /* raw */
	long long keep;
	char *pg_dump; /* raw, NULL: found */
	char **schemas; /* NULL: the role's own */
	int safety_backup;
	int verify_full; /* verify = "full" */
	long long jobs;  /* 0: format "custom"; N: format "directory", pg_dump -j N */
};

static const char *const pg_backup_key_names[] = { "dir", "keep", "pg_dump", "schemas", "safety_backup", "verify",
						   "format", "jobs", NULL };
static const struct cfg_keys pg_backup_keys[] = { { "pg_backup.", pg_backup_key_names }, { NULL, NULL } };

static int pg_backup_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct pg_backup *b = xcalloc(1, sizeof *b);
	st->priv = b;
	b->keep = 5;
	b->safety_backup = 1;
	int rc;
	if ((rc = cfg_check_keys(s, pg_backup_key_names, e)) < 0 || (rc = cfg_string(s, "dir", 0, &b->dir, e)) < 0 ||
	    (rc = cfg_int_range(s, "keep", 0, 1, 10000, &b->keep, e)) < 0 || (rc = cfg_string(s, "pg_dump", 0, &b->pg_dump, e)) < 0 ||
	    (rc = cfg_strings(s, "schemas", 0, &b->schemas, e)) < 0 ||
	    (rc = cfg_bool(s, "safety_backup", 0, &b->safety_backup, e)) < 0)
		return rc;
	for (size_t i = 0; b->schemas && b->schemas[i]; i++)
		if (pgscope_is_platform(b->schemas[i]) || !*b->schemas[i]) {
			const config_setting_t *k = config_setting_get_member(s, "schemas");
			return cfg_error(k ? k : s, e,
					 "'schemas' names '%s', a system or managed platform's schema (or schema "
					 "stagecoach, always kept): a backup never covers it",
					 b->schemas[i]);
		}
	if (b->schemas && !b->schemas[0]) {
		const config_setting_t *k = config_setting_get_member(s, "schemas");
		return cfg_error(k ? k : s, e, "'schemas' is empty: leave it out to back up the schemas the role owns");
	}
	if (b->keep < 1) {
		const config_setting_t *k = config_setting_get_member(s, "keep");
		return cfg_error(k ? k : s, e, "'keep' must be at least 1");
	}
	static const char *const verifies[] = { "toc", "full", NULL };
	static const char *const formats[] = { "custom", "directory", NULL };
	int verify = 0, format = 0;
	if ((rc = cfg_choice(s, "verify", verifies, "it is \"toc\" (the default: pg_restore reads the dump's table of "
				     "contents) or \"full\" (the dump is read back whole)", &verify, e)) < 0 ||
	    (rc = cfg_choice(s, "format", formats, "it is \"custom\" (the default: one file, pg_dump -Fc) or "
				     "\"directory\" (a folder, pg_dump -Fd, with 'jobs' for large databases)", &format, e)) < 0)
		return rc;
	b->verify_full = verify == 1;
	int directory = format == 1;
	if ((rc = cfg_int_range(s, "jobs", 0, 1, 64, &b->jobs, e)) < 0)
		return rc;
	if (b->jobs && !directory) {
		const config_setting_t *k = config_setting_get_member(s, "jobs");
		return cfg_error(k ? k : s, e,
				 "'jobs' needs format = \"directory\": pg_dump and pg_restore work in parallel only on "
				 "a directory-format backup");
	}
	if (directory && !b->jobs)
		b->jobs = 1;
	if (!b->dir)
		b->dir = xstrdup("backups");
	return 0;
}

/* Expanded folder (absolute) and pg_dump path; the caller frees both. */
static int pg_backup_settings(struct step *st, struct run *run, char **dir, char **pg_dump, struct err *e)
{
	struct pg_backup *b = st->priv;
	char *raw = NULL;
	*dir = *pg_dump = NULL;
	int rc = run_expand(run, b->dir, &raw, e);
	if (rc < 0)
		return rc;
	*dir = path_join(run->cfg->dir, raw);
	free(raw);
	if (b->pg_dump && (rc = run_expand(run, b->pg_dump, pg_dump, e)) < 0) {
		free(*dir);
		*dir = NULL;
		return rc;
	}
	return 0;
}

/* A dump holds the database's data: inside a git work tree it must be
 * ignored, or the next `git add -A` commits it.  Read-only (git
 * check-ignore); says nothing outside a work tree or without git. */
static void warn_not_ignored(struct step *st, struct run *run, const char *dir)
{
	char *probe = xasprintf("%s/%s-%s.dump", dir, run->env->name, run->run_id);
	if (git_path_ignored(run->cfg->dir, probe) == 0)
		run_warn(run,
			 "step '%s': the dumps go to '%s', inside a git work tree and not ignored by git: "
			 "a database dump could be committed; add the folder to .gitignore, or set 'dir' outside the tree",
			 st->name, dir);
	free(probe);
}

static int pg_backup_plan(struct step *st, struct run *run, struct err *e)
{
	struct pg_backup *b = st->priv;
	char *dir, *pg_dump;
	int rc = pg_backup_settings(st, run, &dir, &pg_dump, e);
	if (rc < 0)
		return rc;
	warn_not_ignored(st, run, dir);
	char *bin = pgtools_find(pg_dump, "pg_dump");
	PGconn *db = run_db(run, e);
	if (!db)
		rc = -e->code;
	else
		rc = pgtools_check_version(bin, db, e);
	if (rc == 0)
	{
		char **scope = NULL;
		if (rc == 0 && (rc = pgscope_schemas(db, b->schemas, &scope, e)) == 0) {
			struct buf sl = BUF_INIT;
			for (size_t i = 0; scope[i]; i++)
				buf_addf(&sl, "%s%s", i ? ", " : "", scope[i]);
			char jobs[32] = "";
			if (b->jobs > 1)
				snprintf(jobs, sizeof jobs, " -j %lld", b->jobs);
			run_plan_line(run, "pg_dump -F%s%s of schema%s %s to %s/%s-%s.%s with %s, keep the newest %lld",
				      b->jobs ? "d" : "c", jobs, strv_len(scope) == 1 ? "" : "s",
				      scope[0] ? buf_str(&sl) : "(none)", dir, run->env->name, run->run_id,
				      b->jobs ? "dumpdir" : "dump", bin, b->keep);
			buf_release(&sl);
		}
		strv_free(scope);
	}
	free(bin);
	free(dir);
	free(pg_dump);
	return rc;
}

static int pg_backup_apply(struct step *st, struct run *run, struct err *e)
{
	struct pg_backup *b = st->priv;
	char *dir, *pg_dump;
	int rc = pg_backup_settings(st, run, &dir, &pg_dump, e);
	if (rc < 0)
		return rc;
	PGconn *db = run_db(run, e);
	if (!db)
		rc = -e->code;
	else
		rc = pgtools_backup(run, db, dir, (int)b->keep, pg_dump, b->schemas, b->verify_full, (int)b->jobs,
				    run_detail(run), e);
	free(dir);
	free(pg_dump);
	return rc;
}

static void pg_backup_free(struct step *st)
{
	struct pg_backup *b = st->priv;
	if (!b)
		return;
	free(b->dir);
	free(b->pg_dump);
	strv_free(b->schemas);
	free(b);
	st->priv = NULL;
}

static enum step_undo pg_backup_undo(const struct step *st)
{
	return UNDO_NOTHING;
}

static const char *pg_backup_strategy(const struct step *st)
{
	return "nothing (the dump is kept for a restore)";
}

int pg_backup_run(struct step *st, struct run *run, struct err *e)
{
	/* the configured step's settings when there is one (`backup` without a
	 * pg_backup step passes a step with none) */
	if (st && st->ops == &step_pg_backup_ops && st->priv)
		return pg_backup_apply(st, run, e);
	char *dir = path_join(run->cfg->dir, "backups");
	PGconn *db = run_db(run, e);
	int rc = db ? pgtools_backup(run, db, dir, 5, NULL, NULL, 0, 0, run_detail(run), e) : -e->code;
	free(dir);
	return rc;
}

char *pg_backup_pg_dump(struct step *st, struct run *run)
{
	struct pg_backup *b = st && st->ops == &step_pg_backup_ops ? st->priv : NULL;
	char *out = NULL;
	struct err e = ERR_INIT;
	if (b && b->pg_dump && run_expand(run, b->pg_dump, &out, &e) < 0)
		out = NULL;
	return out;
}

char *const *pg_backup_schemas(const struct step *st)
{
	const struct pg_backup *b = st && st->ops == &step_pg_backup_ops ? st->priv : NULL;
	return b ? b->schemas : NULL;
}

int pg_backup_safety(const struct step *st)
{
	const struct pg_backup *b = st && st->ops == &step_pg_backup_ops ? st->priv : NULL;
	return b ? b->safety_backup : 1;
}

const struct step_ops step_pg_backup_ops = {
	.keys = pg_backup_keys,
	.kind = "pg_backup",
	.parse = pg_backup_parse,
	.plan = pg_backup_plan,
	.apply = pg_backup_apply,
	.rollback = NULL,
	.free = pg_backup_free,
	.undo = pg_backup_undo,
	.rollback_strategy = pg_backup_strategy,
};
