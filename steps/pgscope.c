/*
 * pgscope: the schemas a backup covers, and the rows written since a
 * backup, from pg_stat_user_tables (see pgscope.h for how exact that is).
 */
#include <stdlib.h>
#include <string.h>
#include "pgscope.h"
#include "../lib/util.h"

static const char *const pgscope_platform[] = {
	/* PostgreSQL's own */
	"pg_catalog", "information_schema", "pg_toast",
	/* Supabase */
	"auth", "storage", "realtime", "extensions", "graphql", "graphql_public", "vault", "pgsodium",
	"pgsodium_masks", "pgbouncer", "net", "cron", "pgtle", "_realtime", "_analytics",
	/* RDS / Aurora */
	"rdsadmin",
	/* ours: carried on its own */
	"stagecoach", NULL
};

int pgscope_is_platform(const char *s)
{
	for (int i = 0; pgscope_platform[i]; i++)
		if (strcmp(s, pgscope_platform[i]) == 0)
			return 1;
	/* supabase_migrations is the app's migration history (the Supabase CLI's):
	 * it describes the app's schemas and comes back with them */
	if (strcmp(s, "supabase_migrations") == 0)
		return 0;
	return starts_with(s, "pg_") || starts_with(s, "supabase_") || starts_with(s, "aws_");
}

/* A text[] literal of v ({"a","b"}), malloc'd. */
static char *pgscope_array(char *const *v)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '{');
	for (size_t i = 0; v && v[i]; i++) {
		buf_adds(&b, i ? ",\"" : "\"");
		for (const char *p = v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '"');
	}
	buf_addc(&b, '}');
	return buf_detach(&b);
}

static PGresult *pgscope_query(PGconn *db, const char *sql, int n, const char *const *params, struct err *e)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		err_set(e, SC_EFAIL, "%s", m ? m : PQerrorMessage(db));
		PQclear(res);
		return NULL;
	}
	return res;
}

static void pgscope_sort(char **v)
{
	size_t n = strv_len(v);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

int pgscope_schemas(PGconn *db, char *const *configured, char ***out, struct err *e)
{
	*out = NULL;
	char *arr = configured ? pgscope_array(configured) : NULL;
	const char *p[1] = { arr };
	PGresult *res = configured
				? pgscope_query(db, "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1::text[])",
						1, p, e)
				: pgscope_query(db,
						"SELECT nspname FROM pg_catalog.pg_namespace "
						"WHERE pg_catalog.pg_has_role(current_user, nspowner, 'USAGE')",
						0, NULL, e);
	free(arr);
	if (!res)
		return err_prefix(e, "cannot list the schemas to back up");
	for (int i = 0; i < PQntuples(res); i++) {
		const char *s = PQgetvalue(res, i, 0);
		if (!configured && pgscope_is_platform(s))
			continue;
		if (configured && strcmp(s, "stagecoach") == 0)
			continue;
		strv_push(out, s);
	}
	PQclear(res);
	if (!*out)
		*out = xcalloc(1, sizeof(char *));
	pgscope_sort(*out);
	return 0;
}

int pgscope_extensions(PGconn *db, char *const *schemas, char ***out, struct err *e)
{
	*out = NULL;
	char *arr = pgscope_array(schemas);
	const char *p[1] = { arr };
	PGresult *res = pgscope_query(db,
				      "SELECT e.extname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
				      "ON n.oid = e.extnamespace WHERE n.nspname = ANY($1::text[]) ORDER BY 1",
				      1, p, e);
	free(arr);
	if (!res)
		return err_prefix(e, "cannot list the extensions to back up");
	for (int i = 0; i < PQntuples(res); i++)
		strv_push(out, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int pgscope_snapshot(PGconn *db, char *const *schemas, json_t **out, struct err *e)
{
	*out = NULL;
	/* our own session's counters reach the shared ones when it goes idle;
	 * force that now rather than at most a second later */
	if (PQserverVersion(db) >= 150000) {
		PGresult *f = pgscope_query(db, "SELECT pg_catalog.pg_stat_force_next_flush()", 0, NULL, e);
		if (!f)
			return err_prefix(e, "cannot read the write counters");
		PQclear(f);
	}
	char *arr = schemas ? pgscope_array(schemas) : NULL;
	const char *p[1] = { arr };
	PGresult *res = pgscope_query(
		db,
		"SELECT coalesce((SELECT json_object_agg(quote_ident(schemaname) || '.' || quote_ident(relname), "
		"json_build_array(n_tup_ins, n_tup_upd, n_tup_del)) FROM pg_catalog.pg_stat_user_tables "
		"WHERE $1::text[] IS NULL OR schemaname = ANY($1::text[])), '{}')::text, "
		"(SELECT stats_reset::text FROM pg_catalog.pg_stat_database WHERE datname = current_database())",
		1, p, e);
	free(arr);
	if (!res)
		return err_prefix(e, "cannot read the write counters");
	json_t *tables = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	*out = json_pack("{s:o,s:s?}", "tables", tables ? tables : json_object(), "stats_reset",
			 PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

static long long pgscope_n(json_t *counters, const char *table, int i)
{
	return (long long)json_integer_value(json_array_get(json_object_get(counters, table), (size_t)i));
}

json_t *pgscope_delta(json_t *a, json_t *b)
{
	json_t *out = json_object();
	json_t *ta = json_object_get(a, "tables"), *tb = json_object_get(b, "tables");
	const char *k;
	json_t *v;
	json_object_foreach(tb, k, v) {
		long long d[3], any = 0;
		for (int i = 0; i < 3; i++) {
			d[i] = pgscope_n(tb, k, i) - pgscope_n(ta, k, i);
			if (d[i] < 0)
				d[i] = pgscope_n(tb, k, i); /* the table was made again */
			any |= d[i];
		}
		if (any)
			json_object_set_new(out, k, json_pack("[I,I,I]", (json_int_t)d[0], (json_int_t)d[1],
							      (json_int_t)d[2]));
	}
	return out;
}

int pgscope_writes_since(PGconn *db, json_t *base, json_t *own, char *const *schemas, json_t **report,
			 long long *total, int *unknown, struct err *e)
{
	*report = json_array();
	*total = 0;
	*unknown = !json_is_object(json_object_get(base, "tables"));
	json_t *now = NULL;
	if (pgscope_snapshot(db, schemas, &now, e) < 0) {
		json_decref(*report);
		*report = NULL;
		return -SC_EFAIL;
	}
	const char *r0 = json_string_value(json_object_get(base, "stats_reset"));
	const char *r1 = json_string_value(json_object_get(now, "stats_reset"));
	if (!*unknown && ((r0 == NULL) != (r1 == NULL) || (r0 && strcmp(r0, r1) != 0)))
		*unknown = 1;
	json_t *d = pgscope_delta(base, now);
	const char *k;
	json_t *v;
	json_object_foreach(d, k, v) {
		long long n[3], sum = 0;
		for (int i = 0; i < 3; i++) {
			n[i] = pgscope_n(d, k, i) - pgscope_n(own, k, i);
			if (n[i] < 0)
				n[i] = 0;
			sum += n[i];
		}
		if (!sum)
			continue;
		*total += sum;
		json_array_append_new(*report, json_pack("{s:s,s:I,s:I,s:I}", "table", k, "inserted", (json_int_t)n[0],
							 "updated", (json_int_t)n[1], "deleted", (json_int_t)n[2]));
	}
	json_decref(d);
	json_decref(now);
	return 0;
}

char *pgscope_describe(json_t *report, long long total, int unknown)
{
	struct buf b = BUF_INIT;
	if (unknown)
		buf_adds(&b, "unknown (the write counters were reset since the backup, or it recorded none)");
	else if (!total)
		buf_adds(&b, "none");
	else
		buf_addf(&b, "%lld row%s", total, total == 1 ? "" : "s");
	size_t i;
	json_t *t;
	json_array_foreach(report, i, t) {
		if (i == 8) {
			buf_addf(&b, "; and %zu more tables", json_array_size(report) - 8);
			break;
		}
		buf_addf(&b, "%s %s: %lld inserted, %lld updated, %lld deleted", i ? ";" : ":",
			 json_string_value(json_object_get(t, "table")),
			 (long long)json_integer_value(json_object_get(t, "inserted")),
			 (long long)json_integer_value(json_object_get(t, "updated")),
			 (long long)json_integer_value(json_object_get(t, "deleted")));
	}
	return buf_detach(&b);
}

int pgscope_restore_schemas(PGconn *db, json_t *recorded, char *const *configured, char ***out, struct err *e)
{
	char **schemas = NULL, **scope = NULL;
	size_t i;
	json_t *v;
	*out = NULL;
	json_array_foreach(recorded, i, v)
		strv_push(&schemas, json_string_value(v));
	if (pgscope_schemas(db, configured, &scope, e) < 0) {
		strv_free(schemas);
		return -SC_EFAIL;
	}
	for (i = 0; scope && scope[i]; i++)
		if (!strv_contains(schemas, scope[i]))
			strv_push(&schemas, scope[i]);
	strv_free(scope);
	*out = schemas ? schemas : xcalloc(1, sizeof(char *));
	return 0;
}
