/*
 * migrate: applies the pending migrations of the configured folder (SPEC
 * section 3) to the environment's database, with their history in
 * stagecoach.schema_migrations.
 *
 * plan checks, before anything changes: the checksums of applied
 * migrations against their files (allow_changed), pending migrations older
 * than the newest applied one (out_of_order), the lint of the pending ones
 * (error-level findings, and on a protected environment unaccepted
 * destructive ones, stop with exit 2), and that rollback = "restore" has a
 * pg_backup step before this one.
 *
 * apply runs each pending up in numeric order, in its own transaction with
 * SET LOCAL lock_timeout/statement_timeout, its history row written in the
 * same transaction (one round trip per migration).  A no-transaction
 * migration runs statement by statement; if one fails, the statements
 * already run are named in the error and in the detail ("partial").  The
 * detail records the run id, the strategy and the versions applied; the
 * down SQL is in the history rows and also stored as an artifact
 * (kind "down_sql", name = version).  When a migration fails, the engine
 * rolls this step back too: the ones this run applied before it are undone.
 *
 * rollback undoes the migrations of the run:
 *   "down"    the down SQL of the run's history rows (read from the
 *             database, not from files: works from any checkout), newest
 *             first, each in a transaction with the deletion of its row.  A
 *             missing down (or a no-transaction migration left half-run)
 *             falls back to restoring the run's backup, if it has one; else
 *             the error says what remains.
 *   "restore" restores the backup of the run's pg_backup step (pgtools.h),
 *             then deletes the run's history rows.
 *   "none"    nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "step.h"
#include "lint.h"
#include "migrations.h"
#include "history.h"
#include "alembic.h"
#include "pgtools.h"
#include "pgscope.h"
#include "txcontrol.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/util.h"

extern const struct step_ops step_migrate_ops, step_migrate_alembic_ops;

enum migrate_rollback {
	MIGRATE_DOWN = 0,
	MIGRATE_RESTORE,
	MIGRATE_NONE,
};
static const char *const migrate_rollback_names[] = { "down", "restore", "none" };

struct migrate {
	enum migrate_rollback rollback;
	long long lock_timeout_ms;      /* 0: not set */
	long long statement_timeout_ms; /* 0: not set */
	int allow_changed;
	int out_of_order;
	int restore_over_writes;        /* on_writes_since_backup = "restore" */
	char linted_run[48];            /* run whose plan linted the pending ones */
	long long deadline_ms;          /* while apply runs: when timeout_ms ends (0: none) */
	int timed_out;                  /* apply cancelled a statement at deadline_ms */
	enum history_tool history;      /* `history`: the tool's table to keep (history.h) */
	/* while apply or rollback runs: the tool's table to write, the run
	 * whose records are undone and golang-migrate's version before it */
	const struct history *hist;
	enum history_tool undo_tool;
	const char *undo_run_id;
	const char *golang_before;
	/* the folder as this run's plan found it, reused by apply: the file
	 * cache holds the same bytes anyway, and what was planned and linted
	 * is what is applied (a second discovery of 3,000 files, saved) */
	char discovered_run[48];
	struct migration *disc;
	size_t ndisc;
	char **disc_ignored;
};

static const char *const migrate_key_names[] = { "rollback", "lock_timeout_ms", "statement_timeout_ms",
						 "allow_changed", "out_of_order", "on_writes_since_backup",
						 "history", NULL };
/* with tool = "alembic" the step is alembic.c's, with its own keys */
static const struct cfg_keys migrate_keys[] = { { "migrate.", migrate_key_names },
						{ "migrate[tool=alembic].", alembic_step_keys },
						{ NULL, NULL } };

static int migrate_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	if (config_setting_get_member(s, "tool")) {
		/* tool = "alembic": delegated to the alembic program (alembic.c) */
		st->ops = &step_migrate_alembic_ops;
		return st->ops->parse(st, s, e);
	}
	struct migrate *m = xcalloc(1, sizeof *m);
	st->priv = m;
	char *rb = NULL, *ow = NULL, *hist = NULL;
	int rc;
	if ((rc = cfg_string(s, "on_writes_since_backup", 0, &ow, e)) < 0)
		return rc;
	if (ow) {
		int ok = strcmp(ow, "stop") == 0 || strcmp(ow, "restore") == 0;
		m->restore_over_writes = strcmp(ow, "restore") == 0;
		free(ow);
		if (!ok) {
			const config_setting_t *k = config_setting_get_member(s, "on_writes_since_backup");
			return cfg_error(k ? k : s, e, "'on_writes_since_backup' must be \"stop\" or \"restore\"");
		}
	}
	if ((rc = cfg_check_keys(s, migrate_key_names, e)) < 0 || (rc = cfg_string(s, "rollback", 0, &rb, e)) < 0 ||
	    (rc = cfg_int_range(s, "lock_timeout_ms", 0, 0, CFG_MAX_MS, &m->lock_timeout_ms, e)) < 0 ||
	    (rc = cfg_int_range(s, "statement_timeout_ms", 0, 0, CFG_MAX_MS, &m->statement_timeout_ms, e)) < 0 ||
	    (rc = cfg_bool(s, "allow_changed", 0, &m->allow_changed, e)) < 0 ||
	    (rc = cfg_bool(s, "out_of_order", 0, &m->out_of_order, e)) < 0 ||
	    (rc = cfg_string(s, "history", 0, &hist, e)) < 0) {
		free(rb);
		return rc;
	}
	if (hist && history_tool_parse(hist, &m->history) < 0) {
		const config_setting_t *h = config_setting_get_member(s, "history");
		rc = cfg_error(h ? h : s, e,
			       "'history' must be \"prisma\", \"supabase\", \"dbmate\", \"golang-migrate\", "
			       "\"flyway\" or \"stagecoach\", not \"%s\"",
			       hist);
		free(hist);
		free(rb);
		return rc;
	}
	free(hist);
	if (rb) {
		int found = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(rb, migrate_rollback_names[i]) == 0)
				found = i;
		if (found < 0) {
			const config_setting_t *r = config_setting_get_member(s, "rollback");
			rc = cfg_error(r ? r : s, e, "'rollback' must be \"down\", \"restore\" or \"none\", not \"%s\"",
				       rb);
			free(rb);
			return rc;
		}
		m->rollback = (enum migrate_rollback)found;
		free(rb);
	}
	if (m->lock_timeout_ms < 0 || m->statement_timeout_ms < 0)
		return cfg_error(s, e, "timeouts must not be negative");
	return 0;
}

/* ---- database helpers (the steps' connection) ---- */

static int migrate_pg_error(PGconn *db, PGresult *res, struct err *e)
{
	if (res && PQresultStatus(res) == PGRES_COPY_IN) {
		/* end the COPY so the connection is usable for the ROLLBACK */
		PQputCopyEnd(db, "COPY FROM STDIN is not supported in a migration");
		PGresult *r;
		while ((r = PQgetResult(db)))
			PQclear(r);
		return err_set(e, SC_EFAIL,
			       "COPY ... FROM STDIN is not supported in a migration: use INSERT, or COPY from a file "
			       "the server can read");
	}
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (primary)
		return err_set(e, SC_EFAIL, "%s", primary);
	const char *msg = PQerrorMessage(db);
	size_t l = strlen(msg);
	while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
		l--;
	return err_set(e, SC_EFAIL, "%.*s", (int)l, msg);
}

static PGresult *migrate_query(PGconn *db, const char *sql, int n, const char *const *params, struct err *e)
{
	PGresult *res = n ? PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0) : PQexec(db, sql);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		migrate_pg_error(db, res, e);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The 1-based line of the file where the statement position of res lies,
 * when the error happened in [from, from+len) of query; 0 when unknown.
 * PostgreSQL counts the position in characters, not bytes. */
static int migrate_error_line(PGresult *res, const char *query, size_t from, size_t len, int first_line)
{
	const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	if (!pos)
		return 0;
	long want = strtol(pos, NULL, 10);
	long chars = 0;
	size_t i = 0;
	for (; query[i] && chars < want - 1; i++)
		if (((unsigned char)query[i] & 0xC0) != 0x80)
			chars++;
	while (query[i] && ((unsigned char)query[i] & 0xC0) == 0x80)
		i++;
	if (i < from || i > from + len)
		return 0;
	int line = first_line;
	for (size_t k = from; k < i; k++)
		if (query[k] == '\n')
			line++;
	return line;
}

static void migrate_rollback_tx(PGconn *db)
{
	if (PQtransactionStatus(db) != PQTRANS_IDLE)
		PQclear(PQexec(db, "ROLLBACK"));
}

/* ---- history and preflight ---- */

struct applied {
	long long version;
	char *version_str;
	char *checksum;
	size_t seq;                 /* order read in: the first of equal versions wins */
};

struct migrate_state {
	struct migration *all;
	size_t n;
	struct applied *applied;    /* sorted by version (migration_version_cmp) */
	size_t napplied;
	long long newest_applied;   /* -1 when none */
	struct migration *pending;  /* shallow copies of entries of all */
	size_t npending;
	struct lint_report lint;
	char **tables;              /* existing tables, for the lint */
	struct history hist;        /* stagecoach's records and the tool's table */
	char **ignored;             /* files of the folder no tool would apply */
	/* all and ignored are borrowed from struct migrate's discovery */
};

static void migrate_state_release(struct migrate_state *ms)
{
	for (size_t i = 0; i < ms->napplied; i++) {
		free(ms->applied[i].version_str);
		free(ms->applied[i].checksum);
	}
	free(ms->applied);
	free(ms->pending);
	lint_report_release(&ms->lint);
	strv_free(ms->tables);
	history_release(&ms->hist);
	memset(ms, 0, sizeof *ms);
}

static int migrate_applied_cmp(const void *a, const void *b)
{
	const struct applied *x = a, *y = b;
	int c = migration_version_cmp(x->version_str, y->version_str);
	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort ms->applied by version, keeping the first read of equal versions. */
static void migrate_sort_applied(struct migrate_state *ms)
{
	size_t k = 0, sorted = 1;
	for (size_t i = 1; i < ms->napplied && sorted; i++) /* stagecoach's rows come sorted */
		sorted = migrate_applied_cmp(&ms->applied[i - 1], &ms->applied[i]) < 0;
	if (ms->napplied > 1 && !sorted)
		qsort(ms->applied, ms->napplied, sizeof *ms->applied, migrate_applied_cmp);
	for (size_t i = 0; i < ms->napplied; i++) {
		if (k && migration_version_cmp(ms->applied[k - 1].version_str, ms->applied[i].version_str) == 0) {
			free(ms->applied[i].version_str);
			free(ms->applied[i].checksum);
			continue;
		}
		ms->applied[k++] = ms->applied[i];
	}
	ms->napplied = k;
}

/* What stagecoach's records say is applied (read by history_read()). */
static void migrate_read_history(struct migrate_state *ms)
{
	ms->newest_applied = -1;
	ms->applied = xcalloc(ms->hist.nsc + 1, sizeof *ms->applied);
	for (size_t i = 0; i < ms->hist.nsc; i++) {
		const struct history_entry *h = &ms->hist.sc[i];
		struct applied *a = &ms->applied[ms->napplied++];
		a->seq = i;
		a->version_str = xstrdup(h->version);
		a->version = strtoll(a->version_str, NULL, 10);
		a->checksum = xstrdup(h->checksum ? h->checksum : "");
		if (a->version > ms->newest_applied)
			ms->newest_applied = a->version;
	}
	migrate_sort_applied(ms);
}

/* Lookups are binary searches: a no-op deploy on 3,000 applied migrations
 * looked each one up in a linear scan (9 million comparisons, twice). */
static const struct applied *migrate_find_applied(const struct migrate_state *ms, const char *version)
{
	size_t lo = 0, hi = ms->napplied;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = migration_version_cmp(ms->applied[mid].version_str, version);
		if (c == 0)
			return &ms->applied[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The migration of version in the folder (ms->all is sorted), NULL when none. */
static const struct migration *migrate_find_migration(const struct migrate_state *ms, const char *version)
{
	size_t lo = 0, hi = ms->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = migration_version_cmp(ms->all[mid].version_str, version);
		if (c == 0)
			return &ms->all[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The file of version in the folder, NULL when none. */
static const char *migrate_file_of(const struct migrate_state *ms, const char *version)
{
	const struct migration *m = migrate_find_migration(ms, version);
	return m ? m->file : NULL;
}

/* Add what the tool's table says is applied and stagecoach's records do
 * not know (a database the tool migrated before stagecoach took over), with
 * the checksum when the tool's matches the file (else "" and the tool's
 * verdict in *changed_file). */
static int migrate_add_tool_applied(struct migrate_state *ms, struct migrate *cfg, struct err *e)
{
	size_t nsc = ms->napplied; /* stagecoach's records, sorted: what is appended is sorted after */
	size_t cap = ms->applied ? nsc + 1 : 0;
	int rc = 0;
	for (size_t i = 0; i < ms->hist.ntl; i++) {
		const struct history_entry *t = &ms->hist.tl[i];
		size_t all = ms->napplied;
		ms->napplied = nsc;
		const struct applied *known = migrate_find_applied(ms, t->version);
		ms->napplied = all;
		if (known)
			continue;
		const struct migration *m = migrate_find_migration(ms, t->version);
		if (m && !m->repeatable && history_tool_changed(&ms->hist, t, m) && !cfg->allow_changed) {
			rc = err_set(e, SC_EUSAGE,
				     "migration '%s' was changed after %s applied it (%s's checksum %s no longer "
				     "matches the file): restore the file and add a new migration, or set "
				     "allow_changed = true",
				     m->file, history_tool_name(ms->hist.tool), history_tool_table(ms->hist.tool),
				     t->checksum);
			break;
		}
		if (ms->napplied + 1 > cap) {
			cap = cap * 2 + 16;
			ms->applied = xrealloc(ms->applied, cap * sizeof *ms->applied);
		}
		struct applied *a = &ms->applied[ms->napplied++];
		a->seq = nsc + i;
		a->version_str = xstrdup(t->version);
		a->version = strtoll(t->version, NULL, 10);
		/* a repeatable is pending again when the tool's checksum differs */
		a->checksum = xstrdup(m && (!m->repeatable || !history_tool_changed(&ms->hist, t, m)) ? m->checksum
					: m ? "-" : "");
		if (t->version[0] != 'R' && a->version > ms->newest_applied)
			ms->newest_applied = a->version;
	}
	migrate_sort_applied(ms);
	return rc;
}

static int migrate_read_tables(PGconn *db, struct migrate_state *ms, struct err *e)
{
	PGresult *res = migrate_query(db,
				      "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
				      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				      "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', "
				      "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'",
				      0, NULL, e);
	if (!res)
		return err_prefix(e, "cannot list the tables");
	for (int i = 0; i < PQntuples(res); i++)
		strv_push(&ms->tables, PQgetvalue(res, i, 0));
	if (!ms->tables)
		strv_push(&ms->tables, "pg_catalog.-none-");
	PQclear(res);
	return 0;
}

/* A pg_backup step configured before st that runs on the run's environment
 * (NULL when none). */
static struct step *migrate_backup_step(struct step *st, struct run *run)
{
	struct step *found = NULL;
	for (size_t i = 0; i < run->cfg->nsteps; i++) {
		struct step *o = &run->cfg->steps[i];
		if (o->position < st->position && strcmp(o->kind, "pg_backup") == 0 &&
		    config_step_applies(o, run->env))
			found = o;
	}
	return found;
}

/* A pending migration with the same content as an applied one of another
 * version is most likely that file renamed: applying it would run the same
 * SQL twice.  Refused unless allow_changed. */
static int migrate_check_renamed(const struct migrate *cfg, const struct migrate_state *ms, struct err *e)
{
	if (cfg->allow_changed)
		return 0;
	for (size_t i = 0; i < ms->npending; i++) {
		const struct migration *m = &ms->pending[i];
		for (size_t k = 0; k < ms->napplied; k++) {
			const struct applied *a = &ms->applied[k];
			if (a->version != m->version && strcmp(a->checksum, m->checksum) == 0)
				return err_set(e, SC_EUSAGE,
					       "pending migration '%s' has the same content (sha256 %.12s) as applied "
					       "migration %s, whose file is %s: was it renamed? Give the file back its "
					       "name, or set allow_changed = true to apply the same SQL again",
					       m->file, m->checksum, a->version_str,
					       migrate_file_of(ms, a->version_str) ? migrate_file_of(ms, a->version_str)
										: "no longer in the folder");
		}
	}
	return 0;
}

/* Applied migrations whose file is no longer in the folder: a warning (the
 * database has them; this checkout does not say what they did). */
static void migrate_warn_missing(struct run *run, const struct migrate_state *ms)
{
	struct buf b = BUF_INIT;
	size_t n = 0;
	for (size_t k = 0; k < ms->napplied; k++) {
		if (migrate_file_of(ms, ms->applied[k].version_str))
			continue;
		buf_addf(&b, "%s%s", n++ ? ", " : "", ms->applied[k].version_str);
	}
	if (n)
		run_warn(run,
			 "%s '%s': %zu applied migration%s missing from folder '%s': %s (applied to the database, "
			 "but no file here says what %s did: restore %s from version control)",
			 run->command, run->env->name, n, n == 1 ? " is" : "s are", run->cfg->migrations, buf_str(&b),
			 n == 1 ? "it" : "they", n == 1 ? "it" : "them");
	buf_release(&b);
}

static void migrate_forget_discovery(struct migrate *m)
{
	migrations_free(m->disc, m->ndisc);
	strv_free(m->disc_ignored);
	m->disc = NULL;
	m->ndisc = 0;
	m->disc_ignored = NULL;
	m->discovered_run[0] = '\0';
}

/* Discover, read the history, check it, and lint the pending migrations.
 * Every failure is SC_EUSAGE (nothing changed) but an unreachable database. */
static int migrate_preflight(struct step *st, struct run *run, PGconn *db, struct migrate_state *ms, int lint,
			     struct err *e)
{
	struct migrate *cfg = st->priv;
	int rc;
	memset(ms, 0, sizeof *ms);
	ms->newest_applied = -1;
	if (!run->cfg->migrations) {
		char *ini = path_join(run->cfg->dir, "alembic.ini");
		int alembic = access(ini, F_OK) == 0;
		free(ini);
		return err_set(e, SC_EUSAGE, "the config sets no 'migrations' folder%s",
			       alembic ? " (alembic.ini is here: for an Alembic project, set tool = \"alembic\" on this step)"
				       : "");
	}
	if (cfg->rollback == MIGRATE_RESTORE && !migrate_backup_step(st, run))
		return err_set(e, SC_EUSAGE,
			       "rollback = \"restore\" needs a pg_backup step before this one that runs on '%s'",
			       run->env->name);
	if (strcmp(cfg->discovered_run, run->run_id) != 0) {
		migrate_forget_discovery(cfg);
		if ((rc = migrations_discover_notes(run->cfg->migrations, &cfg->disc, &cfg->ndisc, &cfg->disc_ignored,
						    e)) < 0)
			return rc;
		snprintf(cfg->discovered_run, sizeof cfg->discovered_run, "%s", run->run_id);
	}
	ms->all = cfg->disc;
	ms->n = cfg->ndisc;
	ms->ignored = cfg->disc_ignored;
	if ((rc = history_read(db, cfg->history, ms->all, ms->n, &ms->hist, e)) < 0)
		return rc;
	migrate_read_history(ms);
	if ((rc = history_check(&ms->hist, e)) < 0 || (rc = migrate_add_tool_applied(ms, cfg, e)) < 0)
		return rc;
	ms->pending = xcalloc(ms->n + 1, sizeof *ms->pending);
	for (size_t i = 0; i < ms->n; i++) {
		struct migration *m = &ms->all[i];
		const struct applied *a = migrate_find_applied(ms, m->version_str);
		if (m->repeatable) {
			/* Flyway's R__: applied again whenever its content changes */
			if (!a || strcmp(a->checksum, m->checksum) != 0)
				ms->pending[ms->npending++] = *m;
			continue;
		}
		if (a) {
			if (*a->checksum && strcmp(a->checksum, m->checksum) != 0 && !cfg->allow_changed)
				return err_set(e, SC_EUSAGE,
					       "migration '%s' was changed after it was applied (its sha256 is now %.12s, "
					       "it was %.12s): restore the file and add a new migration, or set "
					       "allow_changed = true",
					       m->file, m->checksum, a->checksum);
			continue;
		}
		if (m->version < ms->newest_applied && !cfg->out_of_order)
			return err_set(e, SC_EUSAGE,
				       "migration '%s' is pending but older than the newest applied one (%lld): "
				       "renumber it, or set out_of_order = true",
				       m->file, ms->newest_applied);
		ms->pending[ms->npending++] = *m;
	}
	if ((rc = migrate_check_renamed(cfg, ms, e)) < 0)
		return rc;
	if (lint)
		migrate_warn_missing(run, ms);
	if (ms->npending && lint) {
		if ((rc = migrate_read_tables(db, ms, e)) < 0)
			return rc;
		struct lint_options opt = { 1, ms->tables, PQserverVersion(db) };
		lint_migrations(ms->pending, ms->npending, &opt, &ms->lint);
		const struct lint_finding *blocker = NULL;
		for (size_t i = 0; i < ms->lint.n && !blocker; i++) {
			const struct lint_finding *f = &ms->lint.findings[i];
			if (!f->accepted && (f->severity == LINT_ERROR || (run->env->protected_env && f->destructive)))
				blocker = f;
		}
		if (blocker) {
			struct buf b = BUF_INIT;
			lint_finding_format(blocker, NULL, &b);
			if (blocker->severity == LINT_ERROR)
				rc = err_set(e, SC_EUSAGE, "the lint found an error: %s", buf_str(&b));
			else
				rc = err_set(e, SC_EUSAGE,
					     "'%s' is protected and a pending migration has an unaccepted destructive "
					     "finding (%zu in all): %s",
					     run->env->name, ms->lint.destructive, buf_str(&b));
			buf_release(&b);
			return rc;
		}
	}
	return 0;
}

/* rollback = "restore" needs a pg_backup step before this one on every
 * environment where this one runs: checked when the config loads. */
static int migrate_check(const struct step *st, const struct config *cfg, struct err *e)
{
	const struct migrate *m = st->priv;
	if (m->rollback != MIGRATE_RESTORE)
		return 0;
	for (size_t i = 0; i < cfg->nenvs; i++) {
		const struct env_config *env = &cfg->envs[i];
		if (!config_step_applies(st, env))
			continue;
		int found = 0;
		for (size_t j = 0; j < cfg->nsteps && &cfg->steps[j] != st; j++)
			if (strcmp(cfg->steps[j].kind, "pg_backup") == 0 && config_step_applies(&cfg->steps[j], env))
				found = 1;
		if (!found)
			return err_set(e, SC_EUSAGE,
				       "%s:%d: step '%s': rollback = \"restore\" needs a pg_backup step before it that "
				       "runs on environment '%s'", st->file, st->line, st->name, env->name);
	}
	return 0;
}

static const char *migrate_strategy(const struct step *st)
{
	const struct migrate *m = st->priv;
	switch (m->rollback) {
	case MIGRATE_DOWN:
		return "down SQL of each migration, newest first (restore the backup where a down is missing)";
	case MIGRATE_RESTORE:
		return "restore the backup taken before it";
	case MIGRATE_NONE:
		break;
	}
	return "none (migrations stay applied)";
}

static enum step_undo migrate_undo(const struct step *st)
{
	const struct migrate *m = st->priv;
	return m->rollback == MIGRATE_NONE ? UNDO_IMPOSSIBLE : UNDO_ROLLBACK;
}

/* What a dry run (plan, deploy --dry-run) would apply, as data: the step's
 * detail gets "plan" ({applied, history, pending: [{version, file,
 * no_transaction, down, findings}]}), which `plan --json` shows. */
static void migrate_plan_detail(struct run *run, const struct migrate_state *ms)
{
	if (!run->dry_run || !run->cur)
		return;
	json_t *pending = json_array();
	for (size_t i = 0; i < ms->npending; i++) {
		const struct migration *m = &ms->pending[i];
		json_t *findings = json_array();
		for (size_t k = 0; k < ms->lint.n; k++) {
			if (ms->lint.findings[k].migration != i)
				continue;
			json_t *f = lint_finding_json(&ms->lint.findings[k], NULL);
			json_object_del(f, "event");
			json_array_append_new(findings, f);
		}
		json_array_append_new(pending, json_pack("{s:s,s:s,s:b,s:b,s:o}", "version", m->version_str, "file",
							 m->file, "no_transaction", m->no_transaction, "down",
							 m->down_sql != NULL, "findings", findings));
	}
	json_object_set_new(run->cur->detail, "plan",
			    json_pack("{s:I,s:s,s:o}", "applied", (json_int_t)ms->napplied, "history",
				      history_tool_name(ms->hist.tool), "pending", pending));
}

static int migrate_plan(struct step *st, struct run *run, struct err *e)
{
	struct migrate *cfg = st->priv;
	struct migrate_state ms;
	PGconn *db = run_db_read(run, e);
	if (!db)
		return -e->code;
	int rc = migrate_preflight(st, run, db, &ms, 1, e);
	if (rc < 0) {
		migrate_state_release(&ms);
		return rc;
	}
	snprintf(cfg->linted_run, sizeof cfg->linted_run, "%s", run->run_id);
	migrate_plan_detail(run, &ms);
	for (size_t i = 0; ms.ignored && ms.ignored[i]; i++)
		run_plan_line(run, "note: %s", ms.ignored[i]);
	if (ms.hist.tool != HISTORY_STAGECOACH)
		run_plan_line(run, "history: stagecoach's records and %s's %s%s", history_tool_name(ms.hist.tool),
			      history_tool_table(ms.hist.tool),
			      ms.hist.tool_table_exists ? "" : " (created by the first migration)");
	if (!ms.npending) {
		run_plan_line(run, "no pending migration (%zu applied)", ms.napplied);
	} else {
		struct step *backup = migrate_backup_step(st, run);
		run_plan_line(run, "%zu pending migration%s (%zu applied), rollback: %s", ms.npending,
			      ms.npending == 1 ? "" : "s", ms.napplied, migrate_rollback_names[cfg->rollback]);
		for (size_t i = 0; i < ms.npending; i++) {
			const struct migration *m = &ms.pending[i];
			run_plan_line(run, "  apply %s%s%s", m->file, m->no_transaction ? " (no transaction)" : "",
				      cfg->rollback == MIGRATE_DOWN && !m->down_sql
					      ? (backup ? " (no down: rollback restores the backup)"
							: " (no down: cannot be rolled back)")
					      : "");
			for (size_t k = 0; k < ms.lint.n; k++) {
				const struct lint_finding *f = &ms.lint.findings[k];
				if (f->migration != i)
					continue;
				struct buf b = BUF_INIT;
				lint_finding_format(f, NULL, &b);
				run_plan_line(run, "    %s %s", f->severity == LINT_ERROR ? "error:" : "warning:",
					      buf_str(&b));
				buf_release(&b);
			}
		}
	}
	migrate_state_release(&ms);
	return 0;
}

/* ---- apply ---- */

/* The statement_timeout of the next statements: statement_timeout_ms, cut
 * to what is left of the step's timeout_ms (0: none). */
static long long migrate_statement_timeout(const struct migrate *cfg)
{
	long long t = cfg->statement_timeout_ms;
	if (cfg->deadline_ms) {
		long long left = cfg->deadline_ms - time_mono_ms();
		if (left < 1)
			left = 1;
		if (!t || left < t)
			t = left;
	}
	return t;
}

static void migrate_set_timeouts(struct buf *q, const struct migrate *cfg, int local)
{
	long long stmt = migrate_statement_timeout(cfg);
	if (cfg->lock_timeout_ms > 0)
		buf_addf(q, "SET %slock_timeout = %lld;\n", local ? "LOCAL " : "", cfg->lock_timeout_ms);
	if (stmt > 0)
		buf_addf(q, "SET %sstatement_timeout = %lld;\n", local ? "LOCAL " : "", stmt);
}

static void migrate_add_literal(PGconn *db, struct buf *q, const char *s)
{
	if (!s) {
		buf_adds(q, "NULL");
		return;
	}
	char *lit = PQescapeLiteral(db, s, strlen(s));
	if (!lit)
		BUG("PQescapeLiteral failed: %s", PQerrorMessage(db));
	buf_adds(q, lit);
	PQfreemem(lit);
}

/* The down SQL as stored: a no-transaction down carries the marker, since
 * rollback reads it from the database alone. */
static char *migrate_stored_down(const struct migration *m)
{
	if (!m->down_sql)
		return NULL;
	if (m->down_no_transaction && !strstr(m->down_sql, "stagecoach:no-transaction"))
		return xasprintf("-- stagecoach:no-transaction\n%s", m->down_sql);
	return xstrdup(m->down_sql);
}

static void migrate_add_history_insert(PGconn *db, struct buf *q, const struct migration *m, const char *down,
				       const char *run_id, long long duration_ms)
{
	if (m->repeatable) {
		/* a repeatable applied again replaces its record */
		buf_adds(q, "DELETE FROM stagecoach.schema_migrations WHERE version = ");
		migrate_add_literal(db, q, m->version_str);
		buf_adds(q, ";\n");
	}
	buf_adds(q, "INSERT INTO stagecoach.schema_migrations (version, name, checksum, down_sql, applied_at, "
		    "duration_ms, run_id) VALUES (");
	migrate_add_literal(db, q, m->version_str);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, m->name);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, m->checksum);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, down);
	buf_adds(q, ", now(), ");
	if (duration_ms >= 0)
		buf_addf(q, "%lld", duration_ms);
	else
		buf_adds(q, "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint");
	buf_adds(q, ", ");
	migrate_add_literal(db, q, run_id);
	buf_adds(q, ")");
}

/* The down SQL's artifact (kind "down_sql", name = version), written in the
 * migration's own transaction: it exists exactly when the migration is
 * applied, and costs no round trip of its own. */
static void migrate_add_artifact_insert(PGconn *db, struct buf *q, struct run *run, const struct migration *m,
					const char *down)
{
	if (!down)
		return;
	char sha[65];
	sha256_hex(down, strlen(down), sha);
	buf_adds(q, ";\nINSERT INTO stagecoach.artifacts (env, release, run_id, kind, name, sha256, content) VALUES (");
	migrate_add_literal(db, q, run->env->name);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, run->release);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, run->run_id);
	buf_adds(q, ", 'down_sql', ");
	migrate_add_literal(db, q, m->version_str);
	buf_adds(q, ", ");
	migrate_add_literal(db, q, sha);
	buf_adds(q, ", convert_to(");
	migrate_add_literal(db, q, down);
	buf_adds(q, ", 'UTF8'))");
}

/*
 * PQexec that a signal can interrupt: the query is sent, and while it runs
 * the stop flag is checked every 200 ms; when it is set the server is asked
 * to cancel it (PQcancel), so Ctrl-C stops a long migration within moments
 * instead of after it.  Returns what PQexec would: the first error result,
 * else the last result.
 */
/* Whether the migrate step being applied ran past its timeout_ms (the
 * server's statement_timeout may have been changed by the migration
 * itself: the client cancels too).  Notes it for the error message. */
static int migrate_past_deadline(struct run *run)
{
	struct step *st = run->cur ? run->cur->step : NULL;
	struct migrate *cfg = st && st->ops == &step_migrate_ops ? st->priv : NULL;
	if (!cfg || !cfg->deadline_ms || time_mono_ms() < cfg->deadline_ms)
		return 0;
	cfg->timed_out = 1;
	return 1;
}

static PGresult *migrate_exec(struct run *run, PGconn *db, const char *sql)
{
	if (!PQsendQuery(db, sql))
		return PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
	int cancelled = 0;
	PGresult *keep = NULL, *res;
	for (;;) {
		while (PQisBusy(db)) {
			struct pollfd pfd = { .fd = PQsocket(db), .events = POLLIN };
			int pr = poll(&pfd, 1, 200);
			if (pr < 0 && errno != EINTR)
				break;
			if (!PQconsumeInput(db))
				break;
			if (!cancelled && (run_should_stop(run) || migrate_past_deadline(run))) {
				char buf[256];
				PGcancel *c = PQgetCancel(db);
				if (c) {
					PQcancel(c, buf, sizeof(buf));
					PQfreeCancel(c);
				}
				cancelled = 1;
			}
		}
		res = PQgetResult(db);
		if (!res)
			break;
		ExecStatusType st = PQresultStatus(res);
		int error = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY;
		if (keep && (PQresultStatus(keep) == PGRES_COMMAND_OK || PQresultStatus(keep) == PGRES_TUPLES_OK ||
			     PQresultStatus(keep) == PGRES_EMPTY_QUERY)) {
			PQclear(keep);
			keep = NULL;
		}
		if (!keep)
			keep = res;
		else
			PQclear(res);
		(void)error;
	}
	return keep ? keep : PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
}

/* One transactional migration: one round trip holding BEGIN, the timeouts,
 * the up SQL, the history row and COMMIT.  A migration holding its own
 * BEGIN/COMMIT never gets here: the lint refuses it (transaction-control)
 * before anything changes. */
static int migrate_apply_tx(struct run *run, PGconn *db, const struct migrate *cfg, const struct migration *m,
			    const char *down, struct err *e)
{
	struct buf q = BUF_INIT;
	int rc = 0;
	buf_adds(&q, "BEGIN;\n");
	migrate_set_timeouts(&q, cfg, 1);
	size_t from = q.len;
	buf_adds(&q, m->up_sql);
	size_t len = q.len - from;
	buf_adds(&q, "\n;\n");
	migrate_add_history_insert(db, &q, m, down, run->run_id, -1);
	history_add_apply(db, &q, cfg->hist, m, -1, 0);
	migrate_add_artifact_insert(db, &q, run, m, down);
	buf_adds(&q, ";\nCOMMIT");
	PGresult *res = migrate_exec(run, db, buf_str(&q));
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		int line = migrate_error_line(res, buf_str(&q), from, len, m->up_line);
		migrate_pg_error(db, res, e);
		if (line)
			err_prefix(e, "%s:%d", m->file, line);
		else
			err_prefix(e, "%s", m->file);
		rc = -SC_EFAIL;
	}
	PQclear(res);
	migrate_rollback_tx(db);
	buf_release(&q);
	return rc;
}

/* A no-transaction migration: statement by statement, then its history row.
 * On failure the statements already run are in the error and in
 * detail.partial. */
static int migrate_apply_notx(struct run *run, PGconn *db, const struct migrate *cfg, const struct migration *m,
			      const char *down, json_t *detail, struct err *e)
{
	struct sql_stmt *stmts = NULL;
	size_t ns = 0;
	int rc = sql_split(m->up_sql, m->file, m->up_line, &stmts, &ns, e);
	if (rc < 0)
		return rc;
	long long t0 = time_mono_ms();
	struct buf q = BUF_INIT;
	migrate_set_timeouts(&q, cfg, 0);
	if (q.len) {
		PGresult *res = migrate_query(db, buf_str(&q), 0, NULL, e);
		if (!res) {
			rc = err_prefix(e, "%s", m->file);
			goto out;
		}
		PQclear(res);
	}
	for (size_t i = 0; i < ns; i++) {
		/* recorded before each statement: a run killed here is known to
		 * have run this migration in part, and its rollback restores */
		json_object_set_new(detail, "partial",
				    json_pack("{s:s,s:s,s:i,s:i,s:b}", "version", m->version_str, "file", m->file,
					      "statement", (int)i + 1, "line", stmts[i].line, "in_progress", 1));
		run_checkpoint(run);
		PGresult *res = migrate_exec(run, db, stmts[i].sql);
		if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
			PQclear(res);
			continue;
		}
		migrate_pg_error(db, res, e);
		PQclear(res);
		migrate_rollback_tx(db);
		json_t *ran = json_array();
		struct buf lines = BUF_INIT;
		for (size_t k = 0; k < i; k++) {
			json_array_append_new(ran, json_pack("{s:i,s:s}", "line", stmts[k].line, "sql", stmts[k].sql));
			buf_addf(&lines, "%s%d", k ? ", " : "", stmts[k].line);
		}
		json_object_set_new(detail, "partial",
				    json_pack("{s:s,s:s,s:o,s:i}", "version", m->version_str, "file", m->file, "ran",
					      ran, "failed_line", stmts[i].line));
		if (i)
			err_prefix(e,
				   "%s:%d: no-transaction migration failed after %zu of its %zu statements had run "
				   "(lines %s; they stay applied)",
				   m->file, stmts[i].line, i, ns, buf_str(&lines));
		else
			err_prefix(e, "%s:%d", m->file, stmts[i].line);
		buf_release(&lines);
		rc = -SC_EFAIL;
		goto out;
	}
	buf_reset(&q);
	if (cfg->lock_timeout_ms > 0)
		buf_adds(&q, "RESET lock_timeout;\n");
	if (cfg->statement_timeout_ms > 0 || cfg->deadline_ms)
		buf_adds(&q, "RESET statement_timeout;\n");
	buf_adds(&q, "BEGIN;\n");
	long long took = time_mono_ms() - t0;
	migrate_add_history_insert(db, &q, m, down, run->run_id, took);
	history_add_apply(db, &q, cfg->hist, m, took, 0);
	migrate_add_artifact_insert(db, &q, run, m, down);
	buf_adds(&q, ";\nCOMMIT");
	PGresult *res = migrate_query(db, buf_str(&q), 0, NULL, e);
	if (res)
		json_object_del(detail, "partial"); /* it ran whole and is recorded */
	if (!res) {
		migrate_rollback_tx(db);
		rc = err_prefix(e, "%s: applied, but its history row could not be written", m->file);
		json_object_set_new(detail, "partial",
				    json_pack("{s:s,s:s,s:b}", "version", m->version_str, "file", m->file, "all_ran", 1));
		goto out;
	}
	PQclear(res);
out:
	buf_release(&q);
	sql_stmts_free(stmts, ns);
	return rc;
}

static int migrate_apply(struct step *st, struct run *run, struct err *e)
{
	struct migrate *cfg = st->priv;
	json_t *detail = run_detail(run);
	struct migrate_state ms;
	PGconn *db = run_db_read(run, e);
	if (!db)
		return -e->code;
	/* the history is checked again; the lint only when this run's plan
	 * (which the engine runs before anything changes) did not */
	int rc = migrate_preflight(st, run, db, &ms, strcmp(cfg->linted_run, run->run_id) != 0, e);
	if (rc < 0) {
		migrate_state_release(&ms);
		return rc;
	}
	/* the steps' own connection only when there is something to apply */
	if (ms.npending && !(db = run_db(run, e))) {
		migrate_state_release(&ms);
		return -e->code;
	}
	json_object_set_new(detail, "run_id", json_string(run->run_id));
	json_object_set_new(detail, "rollback", json_string(migrate_rollback_names[cfg->rollback]));
	json_object_set_new(detail, "history", json_string(history_tool_name(ms.hist.tool)));
	if (ms.hist.golang_version)
		json_object_set_new(detail, "history_before", json_string(ms.hist.golang_version));
	cfg->hist = &ms.hist;
	json_t *applied = json_array();
	json_object_set_new(detail, "applied", applied);
	run_checkpoint(run); /* the run id is in the records before anything is applied */
	/* the migrations' own writes, so that a restore does not count them as
	 * rows written since the backup (pgscope.h) */
	json_t *writes0 = NULL;
	if (ms.npending && pgscope_snapshot(db, NULL, &writes0, e) < 0) {
		run_warn(run, "%s: a restore will count the migrations' own writes as written since the backup", e->msg);
		err_clear(e);
	}
	cfg->deadline_ms = st->timeout_ms > 0 ? time_mono_ms() + st->timeout_ms : 0;
	cfg->timed_out = 0;
	for (size_t i = 0; i < ms.npending && rc == 0; i++) {
		const struct migration *m = &ms.pending[i];
		if (run_should_stop(run)) {
			rc = err_set(e, SC_EFAIL, "interrupted before '%s'", m->file);
			break;
		}
		if (migrate_past_deadline(run)) {
			rc = err_set(e, SC_EFAIL, "stopped before '%s'", m->file);
			break;
		}
		run_progress(run, "migration %zu/%zu %s", i + 1, ms.npending, m->file);
		char *down = migrate_stored_down(m);
		long long t0 = time_mono_ms();
		rc = m->no_transaction ? migrate_apply_notx(run, db, cfg, m, down, detail, e)
				       : migrate_apply_tx(run, db, cfg, m, down, e);
		if (rc == 0) {
			json_array_append_new(applied, json_pack("{s:s,s:s,s:b,s:I}", "version", m->version_str, "name",
								 m->name, "down", down != NULL, "duration_ms",
								 (json_int_t)(time_mono_ms() - t0)));
		}
		free(down);
	}
	json_t *writes1 = NULL;
	struct err we = ERR_INIT;
	if (writes0 && pgscope_snapshot(db, NULL, &writes1, &we) == 0)
		json_object_set_new(detail, "own_writes", pgscope_delta(writes0, writes1));
	json_decref(writes0);
	json_decref(writes1);
	cfg->hist = NULL;
	size_t n_applied = json_array_size(applied);
	if (rc < 0 && (cfg->timed_out || (cfg->deadline_ms && time_mono_ms() >= cfg->deadline_ms)))
		err_prefix(e, "timed out (timeout_ms = %lld, %zu of %zu migrations applied)", st->timeout_ms, n_applied,
			   ms.npending);
	cfg->deadline_ms = 0;
	if (rc == 0)
		run_log(run, "%zu migration%s applied", n_applied, n_applied == 1 ? "" : "s");
	migrate_state_release(&ms);
	return rc;
}

/* ---- rollback ---- */

/* The backup of this run: the detail of a pg_backup step before st. */
static const char *migrate_run_backup(struct step *st, struct run *run, struct step **backup_step,
				      json_t **backup_detail)
{
	const char *path = NULL;
	*backup_step = NULL;
	*backup_detail = NULL;
	for (size_t i = 0; i < run->nexecs; i++) {
		struct step_exec *x = &run->execs[i];
		if (!x->step || x->step == st || x->step->position > st->position)
			continue;
		if (strcmp(x->step->kind, "pg_backup") != 0 || !x->detail)
			continue;
		const char *p = json_string_value(json_object_get(x->detail, "path"));
		if (p) {
			path = p;
			*backup_step = x->step;
			*backup_detail = x->detail;
		}
	}
	return path;
}

struct history_row {
	char *version;
	char *name;
	char *down;   /* NULL when none */
};

static int history_row_cmp(const void *a, const void *b)
{
	const struct history_row *x = a, *y = b;
	long long vx = strtoll(x->version, NULL, 10), vy = strtoll(y->version, NULL, 10);
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return -strcmp(x->version, y->version);
}

static void history_rows_free(struct history_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].version);
		free(rows[i].name);
		free(rows[i].down);
	}
	free(rows);
}

/* The SQL removing the records matching where from the tool's table
 * (before) and setting golang-migrate's row (after); "" when none. */
static void migrate_add_unapply(PGconn *db, struct buf *q, const struct migrate *cfg, const char *where, int after)
{
	if (!after)
		history_add_unapply(db, q, cfg->undo_tool, where);
	else if (cfg->undo_run_id)
		history_add_unapply_after(db, q, cfg->undo_tool, cfg->undo_run_id, cfg->golang_before);
}

static int migrate_delete_history(PGconn *db, const struct migrate *cfg, const char *run_id, struct err *e)
{
	struct buf q = BUF_INIT, where = BUF_INIT;
	buf_adds(&where, "run_id = ");
	migrate_add_literal(db, &where, run_id);
	buf_adds(&q, "BEGIN;\n");
	migrate_add_unapply(db, &q, cfg, buf_str(&where), 0);
	buf_adds(&q, "DELETE FROM stagecoach.schema_migrations WHERE ");
	buf_adds(&q, buf_str(&where));
	buf_adds(&q, ";\n");
	migrate_add_unapply(db, &q, cfg, NULL, 1);
	buf_adds(&q, "COMMIT");
	PGresult *res = migrate_query(db, buf_str(&q), 0, NULL, e);
	buf_release(&q);
	buf_release(&where);
	if (!res) {
		migrate_rollback_tx(db);
		return err_prefix(e, "cannot delete the history rows of run '%s'", run_id);
	}
	PQclear(res);
	return 0;
}

/* Rows written since the backup (bd: the pg_backup step's detail) that a
 * restore would discard, minus the migrations' own (detail.own_writes). */
static int migrate_writes_since(struct run *run, PGconn *db, json_t *bd, json_t *detail, struct step *backup_step,
				json_t **report, long long *total, int *unknown, struct err *e)
{
	char **schemas = NULL;
	if (pgscope_restore_schemas(db, json_object_get(bd, "schemas"), pg_backup_schemas(backup_step), &schemas, e) < 0)
		return -SC_EFAIL;
	int rc = pgscope_writes_since(db, json_object_get(bd, "writes_base"), json_object_get(detail, "own_writes"),
				      schemas, report, total, unknown, e);
	strv_free(schemas);
	return rc;
}

static int migrate_restore_backup(struct step *st, struct run *run, PGconn *db, const char *path,
				  struct step *backup_step, json_t *bd, const char *run_id, struct err *e)
{
	struct migrate *cfg = st->priv;
	json_t *detail = run_detail(run);
	/* No silent data loss: rows written since the backup are not discarded
	 * unless the user approved it (rollback --approve, checked before
	 * anything was undone) or the step says so */
	if (!run->writes_approved) {
		json_t *report = NULL;
		long long total = 0;
		int unknown = 0;
		if (migrate_writes_since(run, db, bd, detail, backup_step, &report, &total, &unknown, e) < 0)
			return err_prefix(e, "cannot count the rows written since the backup, not restoring it");
		char *what = pgscope_describe(report, total, unknown);
		json_object_set_new(detail, "writes_since_backup", report);
		if ((total || unknown) && !cfg->restore_over_writes) {
			int rc = err_set(e, SC_EROLLBACK,
					 "not restoring backup %s: rows were written since it was taken, a restore would "
					 "discard them (%s). The migrations of run '%s' stay applied. To restore anyway: "
					 "'stagecoach rollback %s --last --dry-run' to see what it discards, then with "
					 "--approve; or undo by hand and 'stagecoach resolve %s'",
					 path, what, run_id, run->env->name, run->env->name);
			free(what);
			return rc;
		}
		if (total || unknown)
			run_warn(run, "restoring backup %s over rows written since it (on_writes_since_backup = "
				 "\"restore\"): %s", path, what);
		free(what);
	}
	if (!run->no_safety_backup && pg_backup_safety(backup_step)) {
		char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		char *pg_dump = pg_backup_pg_dump(backup_step, run);
		char *safety = NULL;
		int rc = pgtools_safety_backup(run, db, slash ? dir : ".", pg_dump, pg_backup_schemas(backup_step),
					       &safety, e);
		free(pg_dump);
		free(dir);
		if (rc < 0)
			return rc;
		json_object_set_new(detail, "safety_backup", json_string(safety));
		free(safety);
	}
	char *pg_dump = pg_backup_pg_dump(backup_step, run);
	int rc = pgtools_restore(run, db, path, pg_dump, pg_backup_schemas(backup_step), e);
	free(pg_dump);
	if (rc < 0)
		return rc;
	/* the records of schema stagecoach survive a restore: the run's
	 * migrations are no longer applied */
	return migrate_delete_history(db, cfg, run_id, e);
}

/* Whether the down text asks to run outside a transaction, or must.  A
 * stored down holding its own BEGIN/COMMIT (recorded before the lint
 * refused them) runs statement by statement too, so that its transactions
 * are its own and never commit half of ours. */
static int migrate_down_no_tx(const char *down, struct sql_stmt *stmts, size_t n)
{
	if (strstr(down, "stagecoach:no-transaction") || strstr(down, "transaction:false"))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (txcontrol_span(stmts[i].sql, 0, strlen(stmts[i].sql)))
			return 1;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!stmts[i].no_transaction)
			return 0;
	return 1;
}

static int migrate_run_down(PGconn *db, const struct migrate *cfg, const struct history_row *r, struct err *e)
{
	struct sql_stmt *stmts = NULL;
	size_t ns = 0;
	char *file = xasprintf("down of %s", r->version);
	int rc = 0;
	struct buf q = BUF_INIT;
	const char *vp[1] = { r->version };
	if (sql_split(r->down, file, 1, &stmts, &ns, e) < 0)
		err_clear(e);   /* the server will say what is wrong */
	if (migrate_down_no_tx(r->down, stmts, ns)) {
		for (size_t i = 0; i < ns; i++) {
			PGresult *res = migrate_query(db, stmts[i].sql, 0, NULL, e);
			if (!res) {
				rc = err_prefix(e, "%s:%d", file, stmts[i].line);
				goto out;
			}
			PQclear(res);
		}
		struct buf where = BUF_INIT;
		buf_adds(&where, "version = ");
		migrate_add_literal(db, &where, r->version);
		buf_adds(&q, "BEGIN;\n");
		migrate_add_unapply(db, &q, cfg, buf_str(&where), 0);
		buf_addf(&q, "DELETE FROM stagecoach.schema_migrations WHERE %s;\n", buf_str(&where));
		migrate_add_unapply(db, &q, cfg, NULL, 1);
		buf_adds(&q, "COMMIT");
		buf_release(&where);
		(void)vp;
		PGresult *res = migrate_query(db, buf_str(&q), 0, NULL, e);
		if (!res) {
			migrate_rollback_tx(db);
			rc = err_prefix(e, "%s", file);
			goto out;
		}
		PQclear(res);
		goto out;
	}
	buf_adds(&q, "BEGIN;\n");
	migrate_set_timeouts(&q, cfg, 1);
	size_t from = q.len;
	buf_adds(&q, r->down);
	size_t len = q.len - from;
	buf_adds(&q, "\n;\n");
	{
		struct buf where = BUF_INIT;
		buf_adds(&where, "version = ");
		migrate_add_literal(db, &where, r->version);
		migrate_add_unapply(db, &q, cfg, buf_str(&where), 0);
		buf_addf(&q, "DELETE FROM stagecoach.schema_migrations WHERE %s;\n", buf_str(&where));
		buf_release(&where);
	}
	migrate_add_unapply(db, &q, cfg, NULL, 1);
	buf_adds(&q, "COMMIT");
	PGresult *res = PQexec(db, buf_str(&q));
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		int line = migrate_error_line(res, buf_str(&q), from, len, 1);
		migrate_pg_error(db, res, e);
		if (line)
			err_prefix(e, "%s:%d", file, line);
		else
			err_prefix(e, "%s", file);
		rc = -SC_EFAIL;
	}
	PQclear(res);
	migrate_rollback_tx(db);
out:
	buf_release(&q);
	sql_stmts_free(stmts, ns);
	free(file);
	return rc;
}

static int migrate_rollback(struct step *st, struct run *run, struct err *e)
{
	struct migrate *cfg = st->priv;
	json_t *detail = run_detail(run);
	const char *strategy = json_string_value(json_object_get(detail, "rollback"));
	const char *run_id = json_string_value(json_object_get(detail, "run_id"));
	if (!strategy)
		strategy = migrate_rollback_names[cfg->rollback];
	if (!run_id)
		run_id = run_target_id(run); /* killed before its detail was saved */
	/* the tool's table the run wrote to: its rows go with the run's records */
	const char *tool = json_string_value(json_object_get(detail, "history"));
	cfg->undo_tool = HISTORY_STAGECOACH;
	if (tool)
		history_tool_parse(tool, &cfg->undo_tool);
	cfg->undo_run_id = run_id;
	cfg->golang_before = json_string_value(json_object_get(detail, "history_before"));
	if (strcmp(strategy, "none") == 0) {
		run_log(run, "rollback = \"none\": the migrations of run '%s' stay applied", run_id);
		return 0;
	}
	PGconn *db = run_db(run, e);
	if (!db)
		return -e->code;
	migrate_rollback_tx(db);
	struct step *backup_step = NULL;
	json_t *backup_detail = NULL;
	const char *backup = migrate_run_backup(st, run, &backup_step, &backup_detail);
	json_t *partial = json_object_get(detail, "partial");

	/* the run's migrations, from the database */
	const char *p[1] = { run_id };
	PGresult *res = migrate_query(db,
				      "SELECT version, coalesce(name, ''), down_sql FROM stagecoach.schema_migrations "
				      "WHERE run_id = $1",
				      1, p, e);
	if (!res)
		return err_prefix(e, "cannot read the migration history");
	size_t n = (size_t)PQntuples(res);
	struct history_row *rows = xcalloc(n + 1, sizeof *rows);
	int missing_down = 0;
	for (size_t i = 0; i < n; i++) {
		rows[i].version = xstrdup(PQgetvalue(res, (int)i, 0));
		rows[i].name = xstrdup(PQgetvalue(res, (int)i, 1));
		rows[i].down = PQgetisnull(res, (int)i, 2) ? NULL : xstrdup(PQgetvalue(res, (int)i, 2));
		if (!rows[i].down)
			missing_down = 1;
	}
	PQclear(res);
	if (n)
		qsort(rows, n, sizeof *rows, history_row_cmp);
	int rc = 0;
	if (strcmp(strategy, "restore") == 0 || ((missing_down || partial) && backup)) {
		if (!backup) {
			rc = err_set(e, SC_EROLLBACK, "rollback = \"restore\" but run '%s' has no backup", run_id);
		} else {
			if (strcmp(strategy, "restore") != 0)
				run_log(run, "%s: restoring the backup %s",
					partial ? "a no-transaction migration ran in part" : "a migration has no down SQL",
					backup);
			rc = migrate_restore_backup(st, run, db, backup, backup_step, backup_detail, run_id, e);
			if (rc == 0)
				json_object_set_new(detail, "restored", json_string(backup));
		}
		history_rows_free(rows, n);
		return rc;
	}
	json_t *done = json_array();
	size_t i = 0;
	for (; i < n; i++) {
		if (!rows[i].down) {
			struct buf rest = BUF_INIT;
			for (size_t k = i; k < n; k++)
				buf_addf(&rest, "%s%s%s%s", k > i ? ", " : "", rows[k].version, *rows[k].name ? "_" : "",
					 rows[k].name);
			rc = err_set(e, SC_EROLLBACK,
				     "migration %s has no down SQL and run '%s' has no backup: still applied: %s", rows[i].version,
				     run_id, buf_str(&rest));
			buf_release(&rest);
			break;
		}
		run_progress(run, "down %zu/%zu %s", i + 1, n, rows[i].version);
		if ((rc = migrate_run_down(db, cfg, &rows[i], e)) < 0) {
			struct buf rest = BUF_INIT;
			for (size_t k = i; k < n; k++)
				buf_addf(&rest, "%s%s", k > i ? ", " : "", rows[k].version);
			err_prefix(e, "rolling back (still applied: %s)", buf_str(&rest));
			e->code = SC_EROLLBACK;
			rc = -SC_EROLLBACK;
			buf_release(&rest);
			break;
		}
		json_array_append_new(done, json_string(rows[i].version));
	}
	json_object_set_new(detail, "rolled_back", done);
	if (rc == 0 && partial) {
		rc = err_set(e, SC_EROLLBACK,
			     "no-transaction migration '%s' ran in part and run '%s' has no backup: its statements "
			     "that ran stay applied (see the step's detail)",
			     json_string_value(json_object_get(partial, "file")), run_id);
	}
	history_rows_free(rows, n);
	return rc;
}

/* rollback_plan: each down, or the restore with the rows it would discard,
 * after checking the backup file (sha256) and the stored downs exist. */
static int migrate_rollback_plan(struct step *st, struct run *run, struct err *e)
{
	struct migrate *cfg = st->priv;
	json_t *detail = run_detail(run);
	const char *strategy = json_string_value(json_object_get(detail, "rollback"));
	const char *run_id = json_string_value(json_object_get(detail, "run_id"));
	if (!strategy)
		strategy = migrate_rollback_names[cfg->rollback];
	if (!run_id)
		run_id = run_target_id(run);
	if (strcmp(strategy, "none") == 0)
		return err_set(e, SC_EUSAGE, "step '%s' of run '%s' has rollback = \"none\": its migrations cannot be "
			       "undone", st->name, run_id);
	PGconn *db = run_db(run, e);
	if (!db)
		return -e->code;
	struct step *backup_step = NULL;
	json_t *bd = NULL;
	const char *backup = migrate_run_backup(st, run, &backup_step, &bd);
	const char *p[1] = { run_id };
	PGresult *res = migrate_query(db,
				      "SELECT version, coalesce(name, ''), down_sql FROM stagecoach.schema_migrations "
				      "WHERE run_id = $1",
				      1, p, e);
	if (!res)
		return err_prefix(e, "cannot read the migration history");
	size_t n = (size_t)PQntuples(res);
	struct history_row *rows = xcalloc(n + 1, sizeof *rows);
	int missing_down = 0;
	for (size_t i = 0; i < n; i++) {
		rows[i].version = xstrdup(PQgetvalue(res, (int)i, 0));
		rows[i].name = xstrdup(PQgetvalue(res, (int)i, 1));
		rows[i].down = PQgetisnull(res, (int)i, 2) ? NULL : xstrdup(PQgetvalue(res, (int)i, 2));
		missing_down |= rows[i].down == NULL;
	}
	PQclear(res);
	if (n)
		qsort(rows, n, sizeof *rows, history_row_cmp);
	int rc = 0;
	int partial = json_object_get(detail, "partial") != NULL;
	if (strcmp(strategy, "restore") == 0 || ((missing_down || partial) && backup)) {
		if (!backup) {
			rc = err_set(e, SC_EUSAGE, "step '%s': run '%s' restores its backup, but it has none", st->name,
				     run_id);
			goto out;
		}
		const char *want = json_string_value(json_object_get(bd, "sha256"));
		char got[65];
		if (pgtools_backup_sha256(backup, got) < 0) {
			rc = err_set(e, SC_EUSAGE, "step '%s': the backup of run '%s' is missing: %s: %s", st->name, run_id,
				     backup, strerror(errno));
			goto out;
		}
		if (want && strcmp(want, got) != 0) {
			rc = err_set(e, SC_EUSAGE, "step '%s': the backup of run '%s' is corrupted: %s has sha256 %s, the "
				     "records say %s", st->name, run_id, backup, got, want);
			goto out;
		}
		json_t *report = NULL;
		long long total = 0;
		int unknown = 0;
		if ((rc = migrate_writes_since(run, db, bd, detail, backup_step, &report, &total, &unknown, e)) < 0) {
			err_prefix(e, "cannot count the rows written since the backup");
			goto out;
		}
		char *what = pgscope_describe(report, total, unknown);
		run_plan_line(run, "restore %s (sha256 %.12s, checked), undoing %zu migration%s; rows written since "
			      "the backup that it discards: %s", backup, got, n, n == 1 ? "" : "s", what);
		if (!run->no_safety_backup && pg_backup_safety(backup_step))
			run_plan_line(run, "a safety backup of the database as it is comes first");
		free(what);
		json_decref(report);
		run->writes_at_risk += total;
		run->writes_unknown |= unknown;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].down) {
			rc = err_set(e, SC_EUSAGE, "step '%s': migration %s has no stored down SQL and run '%s' has no "
				     "backup: it cannot be undone", st->name, rows[i].version, run_id);
			goto out;
		}
		const char *d = rows[i].down;
		while (*d == '\n' || *d == ' ')
			d++;
		size_t lines = 1;
		for (const char *c = d; *c; c++)
			lines += *c == '\n' && c[1];
		run_plan_line(run, "down %s%s%s: %.*s%s", rows[i].version, *rows[i].name ? "_" : "", rows[i].name,
			      (int)strcspn(d, "\n"), d, lines > 1 ? " ..." : "");
	}
	if (partial) {
		rc = err_set(e, SC_EUSAGE, "step '%s': a no-transaction migration of run '%s' ran in part and there is no "
			     "backup to restore: it cannot be undone", st->name, run_id);
		goto out;
	}
	if (!n)
		run_plan_line(run, "no migration of run '%s' is applied: nothing to undo", run_id);
out:
	history_rows_free(rows, n);
	return rc;
}

enum history_tool step_migrate_history(const struct step *st)
{
	if (st->ops != &step_migrate_ops)
		return HISTORY_STAGECOACH; /* tool = "alembic": alembic_version is its own */
	const struct migrate *m = st->priv;
	return m ? m->history : HISTORY_AUTO;
}

static void migrate_free(struct step *st)
{
	if (st->priv)
		migrate_forget_discovery(st->priv);
	free(st->priv);
	st->priv = NULL;
}

const struct step_ops step_migrate_ops = {
	.keys = migrate_keys,
	.kind = "migrate",
	.parse = migrate_parse,
	.plan = migrate_plan,
	.apply = migrate_apply,
	.rollback = migrate_rollback,
	.free = migrate_free,
	.undo = migrate_undo,
	.rollback_strategy = migrate_strategy,
	.check = migrate_check,
	.rollback_plan = migrate_rollback_plan,
};
