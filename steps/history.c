/*
 * history: the migration tools' own history tables (see history.h).  The
 * formats follow each tool's source: Prisma's migration engine
 * (_prisma_migrations), the Supabase CLI's pkg/migration (version, name,
 * statements), dbmate's and golang-migrate's PostgreSQL drivers
 * (schema_migrations), Flyway's JDBC table (flyway_schema_history).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"
#include "../lib/util.h"

static const char *const history_names[] = { NULL, "stagecoach", "prisma", "supabase", "dbmate", "golang-migrate",
					      "flyway" };

const char *history_tool_name(enum history_tool t)
{
	return (int)t >= 0 && (int)t <= HISTORY_FLYWAY ? history_names[t] : NULL;
}

const char *history_tool_table(enum history_tool t)
{
	switch (t) {
	case HISTORY_PRISMA:
		return "_prisma_migrations";
	case HISTORY_SUPABASE:
		return "supabase_migrations.schema_migrations";
	case HISTORY_DBMATE:
	case HISTORY_GOLANG:
		return "schema_migrations";
	case HISTORY_FLYWAY:
		return "flyway_schema_history";
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		break;
	}
	return "stagecoach.schema_migrations";
}

int history_tool_parse(const char *s, enum history_tool *out)
{
	for (int i = HISTORY_STAGECOACH; i <= HISTORY_FLYWAY; i++)
		if (strcmp(s, history_names[i]) == 0) {
			*out = (enum history_tool)i;
			return 0;
		}
	return -1;
}

static void history_entries_free(struct history_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].version);
		free(v[i].name);
		free(v[i].checksum);
		free(v[i].applied_at);
		free(v[i].run_id);
	}
	free(v);
}

void history_release(struct history *h)
{
	history_entries_free(h->sc, h->nsc);
	history_entries_free(h->tl, h->ntl);
	free(h->golang_version);
	memset(h, 0, sizeof *h);
}

static PGresult *history_query(PGconn *db, const char *sql, struct err *e)
{
	PGresult *res = PQexec(db, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		err_set(e, SC_EFAIL, "%s", msg ? msg : PQerrorMessage(db));
		PQclear(res);
		return NULL;
	}
	return res;
}

static char *history_val(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

static struct history_entry *history_push(struct history_entry **v, size_t *n)
{
	/* grown at 0 (to 16) and at each power of two from 16 (doubled) */
	if (*n < 16 ? *n == 0 : !(*n & (*n - 1)))
		*v = xrealloc(*v, (*n < 16 ? 16 : *n * 2) * sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	return &(*v)[(*n)++];
}

/* The entry for version in v, sorted by history_sort(). */
static struct history_entry *history_find(struct history_entry *v, size_t n, const char *version)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = migration_version_cmp(v[mid].version, version);
		if (c == 0)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct history_keyed {
	struct history_entry e;
	size_t seq;
	int undone;
};

static int history_keyed_cmp(const void *a, const void *b)
{
	const struct history_keyed *x = a, *y = b;
	int c = migration_version_cmp(x->e.version, y->e.version);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort v by version; of the rows of one version keep the last read (a
 * migration rolled back and applied again), and drop it when undone[] says
 * the last one undid it.  undone may be NULL. */
static void history_sort(struct history_entry **v, size_t *n, const int *undone)
{
	if (*n < 1)
		return;
	struct history_keyed *k = xcalloc(*n, sizeof *k);
	for (size_t i = 0; i < *n; i++) {
		k[i].e = (*v)[i];
		k[i].seq = i;
		k[i].undone = undone ? undone[i] : 0;
	}
	int sorted = 1; /* rows read in order need no sort */
	for (size_t i = 1; i < *n && sorted; i++)
		sorted = history_keyed_cmp(&k[i - 1], &k[i]) < 0;
	if (!sorted)
		qsort(k, *n, sizeof *k, history_keyed_cmp);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		int last = i + 1 == *n || migration_version_cmp(k[i].e.version, k[i + 1].e.version) != 0;
		if (last && !k[i].undone) {
			(*v)[out++] = k[i].e;
			continue;
		}
		free(k[i].e.version);
		free(k[i].e.name);
		free(k[i].e.checksum);
		free(k[i].e.applied_at);
		free(k[i].e.run_id);
	}
	*n = out;
	free(k);
}

const struct history_entry *history_find_sc(const struct history *h, const char *version)
{
	return history_find(h->sc, h->nsc, version);
}

const struct history_entry *history_find_tool(const struct history *h, const char *version)
{
	return history_find(h->tl, h->ntl, version);
}

/* "20240101_init" -> version "20240101", name "init" */
static void history_split_name(const char *full, char **version, char **name)
{
	size_t d = 0;
	while (isdigit((unsigned char)full[d]))
		d++;
	*version = xstrndup(full, d);
	*name = xstrdup(full[d] == '_' || full[d] == '-' ? full + d + 1 : full + d);
}

/* "R__my_views.sql" or "sub/R__my_views.sql" -> "R__my_views" */
static char *history_flyway_repeatable_version(const char *script)
{
	const char *base = strrchr(script, '/');
	base = base ? base + 1 : script;
	size_t l = strlen(base);
	if (ends_with(base, ".sql"))
		l -= 4;
	return xstrndup(base, l);
}

/* Which history tables exist, asked in one round trip (a no-op deploy asks
 * twice: in its plan and again before applying). */
enum { HT_SC, HT_SC_RUNS, HT_PRISMA, HT_SUPABASE, HT_FLYWAY, HT_SCHEMA_MIGRATIONS, HT_DIRTY, HT_N };
static int history_tables(PGconn *db, int exists[HT_N], struct err *e)
{
	PGresult *res = history_query(db,
				      "SELECT to_regclass('stagecoach.schema_migrations') IS NOT NULL, "
				      "to_regclass('stagecoach.runs') IS NOT NULL, "
				      "to_regclass('_prisma_migrations') IS NOT NULL, "
				      "to_regclass('supabase_migrations.schema_migrations') IS NOT NULL, "
				      "to_regclass('flyway_schema_history') IS NOT NULL, "
				      "to_regclass('schema_migrations') IS NOT NULL, "
				      /* one name, two tools: golang-migrate's has a dirty column */
				      "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
				      "to_regclass('schema_migrations') AND attname = 'dirty' AND NOT attisdropped)",
				      e);
	if (!res)
		return -SC_EFAIL;
	for (int i = 0; i < HT_N; i++)
		exists[i] = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, i), "t") == 0;
	PQclear(res);
	return 0;
}

static int history_table_exists(const int exists[HT_N], enum history_tool t)
{
	switch (t) {
	case HISTORY_PRISMA:
		return exists[HT_PRISMA];
	case HISTORY_SUPABASE:
		return exists[HT_SUPABASE];
	case HISTORY_FLYWAY:
		return exists[HT_FLYWAY];
	case HISTORY_DBMATE:
		return exists[HT_SCHEMA_MIGRATIONS] && !exists[HT_DIRTY];
	case HISTORY_GOLANG:
		return exists[HT_SCHEMA_MIGRATIONS] && exists[HT_DIRTY];
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		break;
	}
	return 0;
}

static enum history_tool history_layout_tool(const struct migration *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (all[i].layout) {
		case MIGRATION_PRISMA:
			return HISTORY_PRISMA;
		case MIGRATION_SUPABASE:
			return HISTORY_SUPABASE;
		case MIGRATION_FLYWAY:
			return HISTORY_FLYWAY;
		case MIGRATION_DBMATE:
			return HISTORY_DBMATE;
		case MIGRATION_GOLANG:
			return HISTORY_GOLANG;
		case MIGRATION_PLAIN:
			break;
		}
	}
	return HISTORY_STAGECOACH;
}

static int history_read_sc(PGconn *db, struct history *h, const int exists[HT_N], struct err *e)
{
	if (!exists[HT_SC])
		return 0;
	int runs = exists[HT_SC_RUNS];
	PGresult *res = history_query(
		db,
		/* ordered as versions mostly sort (history_sort then has nothing to do) */
		runs ? "SELECT m.version, m.name, m.checksum, m.applied_at::text, m.run_id, "
		       "coalesce(r.command = 'baseline', false) FROM stagecoach.schema_migrations m "
		       "LEFT JOIN stagecoach.runs r ON r.id = m.run_id ORDER BY length(m.version), m.version COLLATE \"C\""
		     : "SELECT version, name, checksum, applied_at::text, run_id, false FROM stagecoach.schema_migrations "
		       "ORDER BY length(version), version COLLATE \"C\"",
		e);
	if (!res)
		return -SC_EFAIL;
	for (int i = 0; i < PQntuples(res); i++) {
		struct history_entry *x = history_push(&h->sc, &h->nsc);
		x->version = history_val(res, i, 0);
		x->name = history_val(res, i, 1);
		x->checksum = history_val(res, i, 2);
		x->applied_at = history_val(res, i, 3);
		x->run_id = history_val(res, i, 4);
		x->baselined = strcmp(PQgetvalue(res, i, 5), "t") == 0;
	}
	PQclear(res);
	history_sort(&h->sc, &h->nsc, NULL);
	return 0;
}

static int history_read_tool(PGconn *db, struct history *h, const struct migration *all, size_t n, struct err *e)
{
	PGresult *res = NULL;
	switch (h->tool) {
	case HISTORY_PRISMA:
		/* rows in order: a migration rolled back and applied again has two */
		res = history_query(db,
				    "SELECT migration_name, checksum, coalesce(finished_at, started_at)::text, "
				    "finished_at IS NOT NULL, rolled_back_at IS NOT NULL, applied_steps_count "
				    "FROM _prisma_migrations ORDER BY started_at, migration_name",
				    e);
		if (!res)
			return -SC_EFAIL;
		for (int i = 0; i < PQntuples(res); i++) {
			int finished = strcmp(PQgetvalue(res, i, 3), "t") == 0;
			int rolled_back = strcmp(PQgetvalue(res, i, 4), "t") == 0;
			if (rolled_back)
				continue;
			struct history_entry *x = history_push(&h->tl, &h->ntl);
			history_split_name(PQgetvalue(res, i, 0), &x->version, &x->name);
			x->checksum = history_val(res, i, 1);
			x->applied_at = history_val(res, i, 2);
			x->failed = !finished;
		}
		history_sort(&h->tl, &h->ntl, NULL);
		break;
	case HISTORY_SUPABASE:
		res = history_query(db, "SELECT version, coalesce(name, '') FROM supabase_migrations.schema_migrations", e);
		if (!res)
			return -SC_EFAIL;
		for (int i = 0; i < PQntuples(res); i++) {
			struct history_entry *x = history_push(&h->tl, &h->ntl);
			x->version = history_val(res, i, 0);
			x->name = history_val(res, i, 1);
		}
		history_sort(&h->tl, &h->ntl, NULL);
		break;
	case HISTORY_DBMATE:
		res = history_query(db, "SELECT version::text FROM schema_migrations", e);
		if (!res)
			return -SC_EFAIL;
		for (int i = 0; i < PQntuples(res); i++) {
			struct history_entry *x = history_push(&h->tl, &h->ntl);
			x->version = history_val(res, i, 0);
			x->name = xstrdup("");
		}
		history_sort(&h->tl, &h->ntl, NULL);
		break;
	case HISTORY_GOLANG:
		res = history_query(db, "SELECT version::text, dirty FROM schema_migrations ORDER BY version DESC LIMIT 1",
				    e);
		if (!res)
			return -SC_EFAIL;
		if (PQntuples(res) == 1) {
			/* one row: every migration up to its version is applied */
			h->golang_version = xstrdup(PQgetvalue(res, 0, 0));
			int dirty = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
			int found = 0;
			for (size_t i = 0; i < n; i++) {
				int c = migration_version_cmp(all[i].version_str, h->golang_version);
				if (c > 0 || all[i].repeatable)
					continue;
				struct history_entry *x = history_push(&h->tl, &h->ntl);
				x->version = xstrdup(all[i].version_str);
				x->name = xstrdup(all[i].name);
				x->failed = c == 0 && dirty;
				found |= c == 0;
			}
			if (!found) {
				struct history_entry *x = history_push(&h->tl, &h->ntl);
				x->version = xstrdup(h->golang_version);
				x->name = xstrdup("");
				x->failed = dirty;
			}
		}
		history_sort(&h->tl, &h->ntl, NULL);
		break;
	case HISTORY_FLYWAY: {
		res = history_query(db,
				    "SELECT version, description, type, script, checksum::text, installed_on::text, success "
				    "FROM flyway_schema_history ORDER BY installed_rank",
				    e);
		if (!res)
			return -SC_EFAIL;
		int *undone = xcalloc((size_t)PQntuples(res) + 1, sizeof *undone);
		const char *baseline = NULL, *baseline_at = NULL;
		for (int i = 0; i < PQntuples(res); i++) {
			const char *type = PQgetvalue(res, i, 2);
			int success = strcmp(PQgetvalue(res, i, 6), "t") == 0;
			if (strcmp(type, "SCHEMA") == 0)
				continue;
			if (strcmp(type, "BASELINE") == 0) {
				if (!PQgetisnull(res, i, 0)) {
					baseline = PQgetvalue(res, i, 0);
					baseline_at = PQgetvalue(res, i, 5);
				}
				continue;
			}
			struct history_entry *x = history_push(&h->tl, &h->ntl);
			x->version = PQgetisnull(res, i, 0) ? history_flyway_repeatable_version(PQgetvalue(res, i, 3))
							    : xstrdup(PQgetvalue(res, i, 0));
			x->name = history_val(res, i, 1);
			x->checksum = history_val(res, i, 4);
			x->applied_at = history_val(res, i, 5);
			x->failed = !success;
			/* an undo row: the migration is no longer applied */
			undone[h->ntl - 1] = strcmp(type, "UNDO_SQL") == 0 || strcmp(type, "DELETE") == 0;
		}
		history_sort(&h->tl, &h->ntl, undone);
		free(undone);
		if (baseline) {
			/* every versioned migration up to it counts as applied */
			size_t before = h->ntl;
			for (size_t k = 0; k < n; k++) {
				if (all[k].repeatable || migration_version_cmp(all[k].version_str, baseline) > 0 ||
				    history_find(h->tl, before, all[k].version_str))
					continue;
				struct history_entry *x = history_push(&h->tl, &h->ntl);
				x->version = xstrdup(all[k].version_str);
				x->name = xstrdup(all[k].name);
				x->applied_at = xstrdup(baseline_at);
				x->baselined = 1;
			}
			history_sort(&h->tl, &h->ntl, NULL);
		}
		break;
	}
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		return 0;
	}
	PQclear(res);
	return 0;
}

int history_read(PGconn *db, enum history_tool setting, const struct migration *all, size_t n, struct history *h,
		 struct err *e)
{
	int r, exists[HT_N];
	memset(h, 0, sizeof *h);
	if ((r = history_tables(db, exists, e)) < 0 || (r = history_read_sc(db, h, exists, e)) < 0)
		return err_prefix(e, "cannot read the migration history");
	enum history_tool t = setting == HISTORY_AUTO ? history_layout_tool(all, n) : setting;
	h->tool = t;
	if (t == HISTORY_STAGECOACH)
		return 0;
	r = history_table_exists(exists, t);
	h->tool_table_exists = r;
	if (!r) {
		if (setting == HISTORY_AUTO)
			h->tool = HISTORY_STAGECOACH; /* the tool never ran here: stagecoach alone */
		return 0;
	}
	if ((r = history_read_tool(db, h, all, n, e)) < 0)
		return err_prefix(e, "cannot read %s's history (%s)", history_tool_name(t), history_tool_table(t));
	return 0;
}

int history_check(const struct history *h, struct err *e)
{
	if (h->tool == HISTORY_STAGECOACH || !h->tool_table_exists)
		return 0;
	const char *tool = history_tool_name(h->tool), *table = history_tool_table(h->tool);
	for (size_t i = 0; i < h->ntl; i++) {
		if (!h->tl[i].failed)
			continue;
		const char *fix = h->tool == HISTORY_PRISMA	  ? "npx prisma migrate resolve --rolled-back NAME (or --applied)"
				  : h->tool == HISTORY_FLYWAY ? "flyway repair"
							      : "migrate force VERSION";
		return err_set(e, SC_EUSAGE,
			       "%s's history (%s) shows migration %s%s%s as failed or half-applied: fix the database, "
			       "then '%s'; nothing was changed",
			       tool, table, h->tl[i].version, *h->tl[i].name ? "_" : "", h->tl[i].name, fix);
	}
	if (!h->nsc)
		return 0;
	/* stagecoach took over at its oldest record: before it, the tool's rows
	 * are the tool's own past */
	const char *first = NULL;
	for (size_t i = 0; i < h->nsc; i++)
		if (!h->sc[i].version[0] || h->sc[i].version[0] != 'R')
			if (!first || migration_version_cmp(h->sc[i].version, first) < 0)
				first = h->sc[i].version;
	struct buf only_sc = BUF_INIT, only_tool = BUF_INIT;
	for (size_t i = 0; i < h->nsc; i++) {
		if (h->sc[i].version[0] == 'R')
			continue;
		if (!history_find(h->tl, h->ntl, h->sc[i].version))
			buf_addf(&only_sc, "%s%s", only_sc.len ? ", " : "", h->sc[i].version);
	}
	for (size_t i = 0; i < h->ntl && first; i++) {
		if (h->tl[i].version[0] == 'R' || h->tl[i].baselined)
			continue;
		if (migration_version_cmp(h->tl[i].version, first) > 0 && !history_find(h->sc, h->nsc, h->tl[i].version))
			buf_addf(&only_tool, "%s%s", only_tool.len ? ", " : "", h->tl[i].version);
	}
	int rc = 0;
	if (only_sc.len || only_tool.len)
		rc = err_set(e, SC_EUSAGE,
			     "stagecoach's records and %s's history (%s) disagree: applied per stagecoach only: %s; "
			     "per %s only: %s. Find out which is true, then 'stagecoach repair' or fix %s; nothing "
			     "was changed",
			     tool, table, only_sc.len ? buf_str(&only_sc) : "none", tool,
			     only_tool.len ? buf_str(&only_tool) : "none", table);
	buf_release(&only_sc);
	buf_release(&only_tool);
	return rc;
}

int history_tool_changed(const struct history *h, const struct history_entry *t, const struct migration *m)
{
	if (!t || !t->checksum || t->baselined)
		return 0;
	if (h->tool == HISTORY_PRISMA)
		return strcmp(t->checksum, m->checksum) != 0;
	if (h->tool == HISTORY_FLYWAY && m->layout == MIGRATION_FLYWAY)
		return strtol(t->checksum, NULL, 10) != m->flyway_checksum;
	return 0;
}

static void history_lit(PGconn *db, struct buf *q, const char *s)
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

/* The DDL each tool runs on first use, verbatim in meaning. */
static void history_add_create(struct buf *q, enum history_tool t)
{
	switch (t) {
	case HISTORY_PRISMA:
		buf_adds(q, "CREATE TABLE IF NOT EXISTS \"_prisma_migrations\" (\"id\" VARCHAR(36) PRIMARY KEY NOT NULL, "
			    "\"checksum\" VARCHAR(64) NOT NULL, \"finished_at\" TIMESTAMPTZ, \"migration_name\" "
			    "VARCHAR(255) NOT NULL, \"logs\" TEXT, \"rolled_back_at\" TIMESTAMPTZ, \"started_at\" "
			    "TIMESTAMPTZ NOT NULL DEFAULT now(), \"applied_steps_count\" INTEGER NOT NULL DEFAULT 0);\n");
		break;
	case HISTORY_SUPABASE:
		buf_adds(q, "CREATE SCHEMA IF NOT EXISTS supabase_migrations;\n"
			    "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL "
			    "PRIMARY KEY);\n"
			    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];\n"
			    "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;\n");
		break;
	case HISTORY_DBMATE:
		buf_adds(q, "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY);\n");
		break;
	case HISTORY_GOLANG:
		buf_adds(q, "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty "
			    "boolean NOT NULL);\n");
		break;
	case HISTORY_FLYWAY:
		buf_adds(q, "CREATE TABLE IF NOT EXISTS \"flyway_schema_history\" (\"installed_rank\" INT NOT NULL, "
			    "\"version\" VARCHAR(50), \"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) NOT NULL, "
			    "\"script\" VARCHAR(1000) NOT NULL, \"checksum\" INT, \"installed_by\" VARCHAR(100) NOT NULL, "
			    "\"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), \"execution_time\" INT NOT NULL, "
			    "\"success\" BOOLEAN NOT NULL, CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY "
			    "(\"installed_rank\"));\n"
			    "CREATE INDEX IF NOT EXISTS \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" "
			    "(\"success\");\n");
		break;
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		break;
	}
}

/* Prisma's migration_name: the folder's name */
static char *history_prisma_name(const struct migration *m)
{
	const char *slash = strrchr(m->file, '/');
	return slash ? xstrndup(m->file, (size_t)(slash - m->file)) : xasprintf("%s_%s", m->version_str, m->name);
}

char *history_tool_key(enum history_tool t, const struct migration *m)
{
	return t == HISTORY_PRISMA ? history_prisma_name(m) : xstrdup(m->version_str);
}

const char *history_state_name(enum history_state st)
{
	static const char *const names[] = { "applied", "pending", "changed", "missing", "baselined" };
	return names[st];
}

static int history_status_cmp(const void *a, const void *b)
{
	const struct history_status *x = a, *y = b;
	return migration_version_cmp(x->version, y->version);
}

size_t history_statuses(const struct history *h, const struct migration *all, size_t n, struct history_status **out)
{
	size_t cap = n + h->nsc + h->ntl + 1, k = 0;
	struct history_status *v = xcalloc(cap, sizeof *v);
	const char *tool = h->tool == HISTORY_STAGECOACH ? NULL : history_tool_name(h->tool);
	for (size_t i = 0; i < n; i++) {
		const struct migration *m = &all[i];
		struct history_status *s = &v[k++];
		s->version = m->version_str;
		s->name = m->name;
		s->m = m;
		s->sc = history_find(h->sc, h->nsc, m->version_str);
		s->tl = history_find(h->tl, h->ntl, m->version_str);
		if (s->sc) {
			s->by = "stagecoach";
			if (s->sc->baselined)
				s->state = HISTORY_BASELINED;
			else if (s->sc->checksum && *s->sc->checksum && strcmp(s->sc->checksum, m->checksum) != 0)
				s->state = m->repeatable ? HISTORY_PENDING : HISTORY_CHANGED;
			else
				s->state = HISTORY_APPLIED;
		} else if (s->tl) {
			s->by = tool;
			if (s->tl->baselined)
				s->state = HISTORY_BASELINED;
			else if (history_tool_changed(h, s->tl, m))
				s->state = m->repeatable ? HISTORY_PENDING : HISTORY_CHANGED;
			else
				s->state = HISTORY_APPLIED;
		} else {
			s->state = HISTORY_PENDING;
		}
	}
	/* records of migrations no longer in the folder */
	for (int pass = 0; pass < 2; pass++) {
		const struct history_entry *ents = pass ? h->tl : h->sc;
		size_t ne = pass ? h->ntl : h->nsc;
		for (size_t i = 0; i < ne; i++) {
			const struct history_entry *x = &ents[i];
			size_t lo = 0, hi = n;
			int found = 0;
			while (lo < hi && !found) {
				size_t mid = lo + (hi - lo) / 2;
				int c = migration_version_cmp(all[mid].version_str, x->version);
				if (c == 0)
					found = 1;
				else if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (found || (pass && history_find(h->sc, h->nsc, x->version)))
				continue;
			struct history_status *s = &v[k++];
			s->version = x->version;
			s->name = x->name ? x->name : "";
			s->state = HISTORY_MISSING;
			s->by = pass ? tool : "stagecoach";
			s->sc = pass ? history_find(h->sc, h->nsc, x->version) : x;
			s->tl = pass ? x : history_find(h->tl, h->ntl, x->version);
		}
	}
	if (k > 1)
		qsort(v, k, sizeof *v, history_status_cmp);
	*out = v;
	return k;
}

void history_add_apply(PGconn *db, struct buf *q, const struct history *h, const struct migration *m,
		       long long duration_ms, int baseline)
{
	char dur[64];
	if (duration_ms >= 0)
		snprintf(dur, sizeof dur, "%lld", duration_ms);
	else
		snprintf(dur, sizeof dur, "(extract(epoch FROM clock_timestamp() - now()) * 1000)::int");
	if (h->tool == HISTORY_STAGECOACH || h->tool == HISTORY_AUTO)
		return;
	buf_adds(q, ";\n");
	if (!h->tool_table_exists)
		history_add_create(q, h->tool);
	switch (h->tool) {
	case HISTORY_PRISMA: {
		char *name = history_prisma_name(m);
		buf_adds(q, "INSERT INTO \"_prisma_migrations\" (id, checksum, finished_at, migration_name, logs, "
			    "rolled_back_at, started_at, applied_steps_count) VALUES (gen_random_uuid()::text, ");
		history_lit(db, q, m->checksum);
		buf_adds(q, ", clock_timestamp(), ");
		history_lit(db, q, name);
		buf_addf(q, ", NULL, NULL, now(), %d)", baseline ? 0 : 1);
		free(name);
		break;
	}
	case HISTORY_SUPABASE: {
		char **stmts = history_supabase_statements(m->up_sql);
		buf_adds(q, "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES (");
		history_lit(db, q, m->version_str);
		buf_adds(q, ", ");
		history_lit(db, q, m->name);
		buf_adds(q, ", ARRAY[");
		for (size_t i = 0; stmts && stmts[i]; i++) {
			if (i)
				buf_adds(q, ", ");
			history_lit(db, q, stmts[i]);
		}
		buf_adds(q, "]::text[])");
		strv_free(stmts);
		break;
	}
	case HISTORY_DBMATE:
		buf_adds(q, "INSERT INTO schema_migrations (version) VALUES (");
		history_lit(db, q, m->version_str);
		buf_adds(q, ")");
		break;
	case HISTORY_GOLANG:
		/* golang-migrate keeps one row: the newest version */
		buf_adds(q, "TRUNCATE schema_migrations;\nINSERT INTO schema_migrations (version, dirty) VALUES (");
		history_lit(db, q, m->version_str);
		buf_adds(q, "::bigint, false)");
		break;
	case HISTORY_FLYWAY: {
		char *desc = xstrdup(m->name);
		for (char *c = desc; *c; c++)
			if (*c == '_')
				*c = ' ';
		buf_adds(q, "INSERT INTO \"flyway_schema_history\" (installed_rank, version, description, type, script, "
			    "checksum, installed_by, installed_on, execution_time, success) SELECT "
			    "coalesce(max(installed_rank), 0) + 1, ");
		if (baseline) {
			history_lit(db, q, m->version_str);
			buf_adds(q, ", '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, current_user, "
				    "now(), 0, true FROM \"flyway_schema_history\"");
			free(desc);
			break;
		}
		history_lit(db, q, m->repeatable ? NULL : m->version_str);
		buf_adds(q, ", ");
		history_lit(db, q, desc);
		buf_adds(q, ", 'SQL', ");
		history_lit(db, q, m->file);
		buf_addf(q, ", %d, current_user, now(), %s, true FROM \"flyway_schema_history\"",
			 m->layout == MIGRATION_FLYWAY ? m->flyway_checksum
						       : migration_flyway_checksum(m->up_sql, strlen(m->up_sql)),
			 dur);
		free(desc);
		break;
	}
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		break;
	}
}

/* The tool's table may be gone when this runs (a restored backup taken
 * before its first migration): the SQL acts only when it exists. */
static void history_guard_open(struct buf *q, enum history_tool tool)
{
	buf_addf(q, "DO $sc_history$ BEGIN IF to_regclass('%s') IS NOT NULL THEN\n", history_tool_table(tool));
}

static void history_guard_close(struct buf *q)
{
	buf_adds(q, "END IF; END $sc_history$;\n");
}

void history_add_unapply(PGconn *db, struct buf *q, enum history_tool tool, const char *where)
{
	(void)db;
	if (tool != HISTORY_PRISMA && tool != HISTORY_SUPABASE && tool != HISTORY_DBMATE && tool != HISTORY_FLYWAY)
		return;
	history_guard_open(q, tool);
	const char *sub = "SELECT version FROM stagecoach.schema_migrations WHERE ";
	switch (tool) {
	case HISTORY_PRISMA:
		buf_addf(q, "DELETE FROM \"_prisma_migrations\" WHERE migration_name IN (SELECT version || '_' || name "
			    "FROM stagecoach.schema_migrations WHERE %s UNION ALL SELECT version || '-' || name FROM "
			    "stagecoach.schema_migrations WHERE %s);\n",
			 where, where);
		break;
	case HISTORY_SUPABASE:
		buf_addf(q, "DELETE FROM supabase_migrations.schema_migrations WHERE version IN (%s%s);\n", sub, where);
		break;
	case HISTORY_DBMATE:
		buf_addf(q, "DELETE FROM schema_migrations WHERE version IN (%s%s);\n", sub, where);
		break;
	case HISTORY_FLYWAY:
		/* a versioned migration's rows; a repeatable's newest row (its
		 * previous content becomes the applied one again) */
		buf_addf(q, "DELETE FROM \"flyway_schema_history\" WHERE version IN (%s%s);\n", sub, where);
		buf_addf(q, "DELETE FROM \"flyway_schema_history\" WHERE installed_rank IN (SELECT max(installed_rank) "
			    "FROM \"flyway_schema_history\" WHERE version IS NULL AND regexp_replace(script, '^.*/', '') IN (SELECT version || '.sql' "
			    "FROM stagecoach.schema_migrations WHERE %s AND version LIKE 'R\\_\\_%%') GROUP BY script);\n",
			 where);
		break;
	case HISTORY_GOLANG:
	case HISTORY_AUTO:
	case HISTORY_STAGECOACH:
		break;
	}
	history_guard_close(q);
}

void history_add_unapply_after(PGconn *db, struct buf *q, enum history_tool tool, const char *run_id,
			       const char *golang_before)
{
	if (tool != HISTORY_GOLANG)
		return;
	history_guard_open(q, tool);
	buf_adds(q, "TRUNCATE schema_migrations;\nINSERT INTO schema_migrations (version, dirty) SELECT v, false FROM "
		    "(SELECT coalesce((SELECT max(version::bigint) FROM stagecoach.schema_migrations WHERE run_id = ");
	history_lit(db, q, run_id);
	buf_adds(q, " AND version ~ '^[0-9]+$'), ");
	history_lit(db, q, golang_before);
	buf_adds(q, "::bigint) AS v) x WHERE v IS NOT NULL;\n");
	history_guard_close(q);
}

/* ---- the Supabase CLI's statement splitter ---- */

char **history_supabase_statements(const char *sql)
{
	char **out = NULL;
	const char *p = sql, *start = sql;
	int paren = 0, atomic = 0;
	while (*p) {
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (*p && depth) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
			continue;
		}
		if (*p == '\'' || *p == '"') {
			char d = *p++;
			while (*p) {
				if (*p == d && p[1] == d) {
					p += 2;
				} else if (*p == d) {
					p++;
					break;
				} else {
					p++;
				}
			}
			continue;
		}
		if (*p == '$') {
			const char *t = p + 1;
			while (isalnum((unsigned char)*t) || *t == '_' || ((unsigned char)*t & 0x80))
				t++;
			if (*t == '$' && !(t > p + 1 && isdigit((unsigned char)p[1]))) {
				size_t tl = (size_t)(t - p + 1);
				const char *close = NULL;
				for (const char *s = t + 1; *s; s++)
					if (strncmp(s, p, tl) == 0) {
						close = s;
						break;
					}
				p = close ? close + tl : p + strlen(p);
				continue;
			}
			p++;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p += 2;
			continue;
		}
		if (*p == '(') {
			paren++;
		} else if (*p == ')' && paren > 0) {
			paren--;
		} else if (!atomic && (p - sql) >= 6 && strncasecmp(p - 5, "atomic", 6) == 0 &&
			   isspace((unsigned char)p[-6]) && !isalnum((unsigned char)p[1]) && p[1] != '_') {
			atomic = 1;
		} else if (atomic && strncasecmp(p, "end", 3) == 0 && (p == sql || !isalnum((unsigned char)p[-1])) &&
			   !isalnum((unsigned char)p[3]) && p[3] != '_') {
			atomic = 0;
			p += 3;
			continue;
		} else if (*p == ';' && !paren && !atomic) {
			const char *s = start, *e = p;
			while (s < e && isspace((unsigned char)*s))
				s++;
			while (e > s && (isspace((unsigned char)e[-1]) || e[-1] == ';'))
				e--;
			if (e > s) {
				char *stmt = xstrndup(s, (size_t)(e - s));
				strv_push(&out, stmt);
				free(stmt);
			}
			start = p + 1;
		}
		p++;
	}
	const char *s = start, *e = sql + strlen(sql);
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && (isspace((unsigned char)e[-1]) || e[-1] == ';'))
		e--;
	if (e > s) {
		char *stmt = xstrndup(s, (size_t)(e - s));
		strv_push(&out, stmt);
		free(stmt);
	}
	return out;
}
