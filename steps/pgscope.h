/*
 * pgscope: what a backup covers and what a restore would discard.
 *
 * Scope.  A backup and its restore cover the schemas the application owns:
 * the pg_backup step's `schemas`, else every schema the connecting role
 * owns (or inherits the owner of: a superuser owns all), never the system
 * schemas, never a managed platform's own (Supabase: auth, storage,
 * realtime, extensions, graphql, vault, supabase_* ...; RDS: rdsadmin,
 * aws_*), never schema stagecoach (whose migration history a backup carries
 * on its own).
 *
 * Writes since a backup.  With each backup, the cumulative counters of
 * pg_stat_user_tables (n_tup_ins, n_tup_upd, n_tup_del) of the tables in
 * scope are recorded; before a restore they are read again, and the
 * difference, minus what stagecoach's own migrations wrote, is the rows
 * written since the backup, per table.  Exactness (also in docs): counts
 * statements' rows, not distinct rows (a row updated 5 times is 5 updates);
 * counts aborted writes too; a session's writes reach the counters when it
 * ends a transaction and goes idle (at most about 1 s late on PostgreSQL
 * 15+); a counter reset (pg_stat_reset, a crash) makes the count "unknown",
 * which is treated as writes.  Writes by other sessions while a migration
 * runs are counted as the migration's own.
 *
 * Counters are JSON objects {"SCHEMA.TABLE": [ins, upd, del], ...};
 * snapshots {"tables": counters, "stats_reset": text|null}.  Ownership:
 * returned json_t and strv are the caller's.
 */
#ifndef SC_PGSCOPE_H
#define SC_PGSCOPE_H

#include <jansson.h>
#include <libpq-fe.h>
#include "../lib/err.h"

/* 1 when schema is a system or managed platform's schema, never in scope */
int pgscope_is_platform(const char *schema);

/* The schemas in scope on db: configured (NULL: the default rule) filtered
 * to those that exist, or the role's own; sorted; never NULL. */
int pgscope_schemas(PGconn *db, char *const *configured, char ***out, struct err *e);
/* The schemas a restore of a backup replaces: those recorded with it
 * (recorded: a JSON array, or NULL) and those in scope now; never NULL
 * (caller strv_free). */
int pgscope_restore_schemas(PGconn *db, json_t *recorded, char *const *configured, char ***out, struct err *e);

/* Extensions installed in the given schemas (to dump with them). */
int pgscope_extensions(PGconn *db, char *const *schemas, char ***out, struct err *e);

/* A snapshot of the write counters of the tables of schemas (NULL: every
 * user table), after flushing this session's own pending counters. */
int pgscope_snapshot(PGconn *db, char *const *schemas, json_t **out, struct err *e);

/* Counters b - a per table (tables only in b count whole), nonzero only. */
json_t *pgscope_delta(json_t *a_snapshot, json_t *b_snapshot);

/*
 * Rows written since base (a snapshot recorded with a backup) in schemas,
 * minus own (counters, may be NULL).  *report gets an array of
 * {"table", "inserted", "updated", "deleted"}, *total their sum, *unknown 1
 * when base is missing or the counters were reset since.
 */
int pgscope_writes_since(PGconn *db, json_t *base, json_t *own, char *const *schemas, json_t **report,
			 long long *total, int *unknown, struct err *e);

/* "public.orders: 3 inserted, 1 updated; ..." (at most 8 tables), malloc'd */
char *pgscope_describe(json_t *report, long long total, int unknown);

#endif
