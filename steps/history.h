/*
 * history: the history tables of the migration tools a team already uses,
 * read and written in each tool's own format, beside stagecoach's records
 * (stagecoach.schema_migrations):
 *
 *   prisma          _prisma_migrations (id, checksum = sha256 hex of
 *                   migration.sql, finished_at, migration_name, logs,
 *                   rolled_back_at, started_at, applied_steps_count)
 *   supabase        supabase_migrations.schema_migrations (version, name,
 *                   statements text[] as the Supabase CLI splits the file)
 *   dbmate          schema_migrations (version)
 *   golang-migrate  schema_migrations: one row (version bigint, dirty bool)
 *   flyway          flyway_schema_history (installed_rank, version,
 *                   description, type, script, checksum = Flyway's CRC-32,
 *                   installed_by, installed_on, execution_time, success)
 *
 * A migrate step's `history` names the tool; by default it is the tool of
 * the folder's layout when that tool's table exists in the database, else
 * stagecoach's records alone.  history_read() reads both; the migrate step
 * then treats as applied what either says is applied, after
 * history_check() made sure they agree.  The SQL that records an applied
 * migration (and removes it on rollback) is appended to the migration's own
 * transaction, so the tool's table never disagrees with the schema.
 *
 * Ownership: struct history owns every string in it; release with
 * history_release().  The SQL builders append to a caller's buffer.
 */
#ifndef SC_HISTORY_H
#define SC_HISTORY_H

#include <stddef.h>
#include <libpq-fe.h>
#include "migrations.h"
#include "../lib/err.h"
#include "../lib/util.h"

enum history_tool {
	HISTORY_AUTO = 0,   /* the layout's tool when its table exists */
	HISTORY_STAGECOACH, /* stagecoach's records alone */
	HISTORY_PRISMA,
	HISTORY_SUPABASE,
	HISTORY_DBMATE,
	HISTORY_GOLANG,
	HISTORY_FLYWAY,
};

/* "prisma", ...; NULL for HISTORY_AUTO */
const char *history_tool_name(enum history_tool t);
/* The tool's table as users know it ("_prisma_migrations", ...) */
const char *history_tool_table(enum history_tool t);
/* 0 with *out, or -1 when s names no tool */
int history_tool_parse(const char *s, enum history_tool *out);

/* One row of a history table, keyed by the migration's version string (as
 * migrations.h spells it: "20240101000000", "1.2", "R__views"). */
struct history_entry {
	char *version;
	char *name;
	char *checksum;   /* stagecoach: sha256 hex; prisma: sha256 hex; flyway:
			   * the CRC-32 as decimal text; NULL when the tool keeps none */
	char *applied_at; /* text timestamp, NULL when the tool keeps none */
	char *run_id;     /* stagecoach's rows: the run that applied it */
	int baselined;    /* recorded by `baseline` (stagecoach) or a Flyway
			   * BASELINE row, not run */
	int failed;       /* prisma: started, not finished; flyway: success =
			   * false; golang-migrate: dirty */
};

struct history {
	enum history_tool tool;    /* the tool's table in use; HISTORY_STAGECOACH when none */
	int tool_table_exists;     /* when not, the first apply creates it */
	struct history_entry *sc;  /* stagecoach.schema_migrations */
	size_t nsc;
	struct history_entry *tl;  /* the tool's table (golang-migrate: the folder's
				    * versions up to its one row's) */
	size_t ntl;
	char *golang_version;      /* golang-migrate's row, NULL when none */
};

/*
 * Decide the tool (setting, else the layout of the folder's migrations) and
 * read both tables of db.  Read-only.  Returns 0, or -SC_EFAIL with e filled.
 */
int history_read(PGconn *db, enum history_tool setting, const struct migration *all, size_t n, struct history *h,
		 struct err *e);
void history_release(struct history *h);

/*
 * Stop (-SC_EUSAGE, nothing changed) when the tool's table holds a failed
 * migration (prisma, flyway) or is dirty (golang-migrate), or when both
 * stagecoach's records and the tool's table exist and disagree: a version
 * one says is applied and the other does not (versions older than
 * stagecoach's first record are the tool's own past, not a disagreement).
 */
int history_check(const struct history *h, struct err *e);

/* The entry of version in stagecoach's records / the tool's table, or NULL. */
const struct history_entry *history_find_sc(const struct history *h, const char *version);
const struct history_entry *history_find_tool(const struct history *h, const char *version);

/*
 * Whether the tool's record of m says its file changed since it was applied
 * (prisma: another sha256; flyway: another CRC-32): 1, 0, or 0 when the
 * tool keeps no checksum.
 */
int history_tool_changed(const struct history *h, const struct history_entry *t, const struct migration *m);

/*
 * Append to q (inside the migration's transaction) the SQL that records m
 * as applied in the tool's table (creating it in the tool's own format when
 * it does not exist yet).  duration_ms < 0: measured by the server.  Nothing
 * for HISTORY_STAGECOACH.  baseline: recorded without running (prisma:
 * applied_steps_count 0; flyway: type BASELINE).
 */
void history_add_apply(PGconn *db, struct buf *q, const struct history *h, const struct migration *m,
		       long long duration_ms, int baseline);

/*
 * Append the SQL that removes from tool's table the migrations of
 * stagecoach's records matching where (an SQL condition over
 * stagecoach.schema_migrations, e.g. "version = '5'"): it must run BEFORE
 * those records are deleted.  golang_before: golang-migrate's version
 * before the run (NULL: none); golang-migrate's row is set to the newest
 * version of run_id's records left, else golang_before; that part must run
 * AFTER the records are deleted: history_add_unapply_after().
 */
void history_add_unapply(PGconn *db, struct buf *q, enum history_tool tool, const char *where);
void history_add_unapply_after(PGconn *db, struct buf *q, enum history_tool tool, const char *run_id,
			       const char *golang_before);

/* ---- per migration: what `migrations`, `baseline` and `repair` show ---- */

enum history_state {
	HISTORY_APPLIED,
	HISTORY_PENDING,
	HISTORY_CHANGED,   /* applied, and its file changed since */
	HISTORY_MISSING,   /* recorded as applied, no longer in the folder */
	HISTORY_BASELINED, /* recorded by `baseline` (or Flyway's BASELINE), never run */
};
const char *history_state_name(enum history_state s);

struct history_status {
	const char *version;
	const char *name;
	const struct migration *m;      /* NULL when missing */
	const struct history_entry *sc; /* stagecoach's record, or NULL */
	const struct history_entry *tl; /* the tool's, or NULL */
	enum history_state state;
	const char *by;                 /* "stagecoach" or the tool's name; NULL when pending */
};

/* One status per migration of the folder and per record missing from it,
 * in version order.  *out borrows from h and all; free() it. */
size_t history_statuses(const struct history *h, const struct migration *all, size_t n, struct history_status **out);

/* The tool's own name for a migration in its table (Prisma: the folder's
 * name; others: the version).  Caller frees. */
char *history_tool_key(enum history_tool t, const struct migration *m);

/* The `history` setting of a migrate step (migrate.c) */
struct step;
enum history_tool step_migrate_history(const struct step *st);

/* The statements of a Supabase migration as the Supabase CLI stores them:
 * split at ';' outside quotes, comments, dollar quotes, parentheses and
 * BEGIN ATOMIC bodies; the final ';' and surrounding blanks trimmed; empty
 * ones left out.  A strv (strv_free). */
char **history_supabase_statements(const char *sql);

#endif
