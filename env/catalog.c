/*
 * catalog: the catalog items of a database and of an environment's deployed
 * functions, and their comparison (see catalog.h).  Each catalog query
 * returns rows (kind, name, parent, value); the values are built in SQL from
 * PostgreSQL's own deparsers (format_type, pg_get_expr, pg_get_indexdef,
 * pg_get_constraintdef, pg_get_triggerdef, pg_get_viewdef,
 * pg_get_functiondef), which print the same text for the same object when
 * search_path holds no user schema.
 */
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "../lib/util.h"

static const struct {
	const char *name, *json;
} catalog_kinds[CATALOG_NKINDS] = {
	[CATALOG_EXTENSION] = { "extension", "extension" },
	[CATALOG_SCHEMA] = { "schema", "schema" },
	[CATALOG_ENUM] = { "enum", "enum" },
	[CATALOG_TABLE] = { "table", "table" },
	[CATALOG_COLUMN] = { "column", "column" },
	[CATALOG_CONSTRAINT] = { "constraint", "constraint" },
	[CATALOG_INDEX] = { "index", "index" },
	[CATALOG_TRIGGER] = { "trigger", "trigger" },
	[CATALOG_POLICY] = { "policy", "policy" },
	[CATALOG_VIEW] = { "view", "view" },
	[CATALOG_MATVIEW] = { "materialized view", "materialized_view" },
	[CATALOG_FUNCTION] = { "function", "function" },
	[CATALOG_DEPLOYED_FUNCTION] = { "deployed function", "deployed_function" },
};

#define CATALOG_TOMBSTONE "0000000000000000000000000000000000000000000000000000000000000000"

const char *catalog_kind_name(enum catalog_kind k)
{
	if ((int)k < 0 || k >= CATALOG_NKINDS)
		BUG("catalog kind %d", (int)k);
	return catalog_kinds[k].name;
}

const char *catalog_kind_json(enum catalog_kind k)
{
	if ((int)k < 0 || k >= CATALOG_NKINDS)
		BUG("catalog kind %d", (int)k);
	return catalog_kinds[k].json;
}

int catalog_kind_find(const char *n)
{
	for (int k = 0; k < CATALOG_NKINDS; k++)
		if (strcmp(n, catalog_kinds[k].name) == 0 || strcmp(n, catalog_kinds[k].json) == 0)
			return k;
	return -1;
}

void catalog_init(struct catalog *c)
{
	memset(c, 0, sizeof(*c));
}

void catalog_release(struct catalog *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].name);
		free(c->items[i].parent);
		free(c->items[i].value);
	}
	free(c->items);
	catalog_init(c);
}

void catalog_add(struct catalog *c, enum catalog_kind kind, const char *name, const char *parent, const char *value)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->items = xrealloc(c->items, c->cap * sizeof(*c->items));
	}
	struct catalog_item *it = &c->items[c->n++];
	it->kind = kind;
	it->name = xstrdup(name);
	it->parent = xstrdup(parent);
	it->value = xstrdup(value ? value : "");
	c->sorted = 0;
}

static int catalog_cmp_key(enum catalog_kind ka, const char *na, enum catalog_kind kb, const char *nb)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(na, nb);
}

static int catalog_cmp_items(const void *pa, const void *pb)
{
	const struct catalog_item *a = pa, *b = pb;
	int r = catalog_cmp_key(a->kind, a->name, b->kind, b->name);
	/* duplicates (two overloads print alike only in theory): by value, for a stable order */
	return r ? r : strcmp(a->value, b->value);
}

void catalog_sort(struct catalog *c)
{
	if (c->n > 1)
		qsort(c->items, c->n, sizeof(*c->items), catalog_cmp_items);
	c->sorted = 1;
}

const struct catalog_item *catalog_find(struct catalog *c, enum catalog_kind kind, const char *name)
{
	if (!c->sorted)
		catalog_sort(c);
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = catalog_cmp_key(c->items[mid].kind, c->items[mid].name, kind, name);
		if (r == 0)
			return &c->items[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- reading a database ---- */

/* schemas diff looks at, for namespace alias n */
#define CATALOG_NSP                                                                                  \
	" n.nspname NOT IN ('stagecoach', 'pg_catalog', 'information_schema')"                        \
	" AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
/* object OID of catalog CLS is not a member of an extension */
#define CATALOG_NOT_EXT(CLS, OID)                                                                    \
	" NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '" CLS "'::regclass AND d.objid = " OID \
	" AND d.deptype = 'e') "
#define CATALOG_REL "n.nspname || '.' || c.relname"

static const char *const catalog_queries[] = {
	/* extensions */
	"SELECT 'extension', e.extname, NULL, 'version ' || e.extversion FROM pg_extension e",
	/* schemas */
	"SELECT 'schema', n.nspname, NULL, '' FROM pg_namespace n WHERE" CATALOG_NSP
	"AND" CATALOG_NOT_EXT("pg_namespace", "n.oid"),
	/* enum types and their labels in order */
	"SELECT 'enum', n.nspname || '.' || t.typname, NULL,"
	" '(' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) || ')'"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid"
	" WHERE" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_type", "t.oid") "GROUP BY 1, 2",
	/* tables (plain, partitioned, foreign) */
	"SELECT 'table', " CATALOG_REL ", NULL,"
	" CASE c.relkind WHEN 'p' THEN 'partitioned, ' WHEN 'f' THEN 'foreign, ' ELSE '' END ||"
	" 'row level security ' || CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p', 'f') AND" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_class", "c.oid"),
	/* columns: type, nullability, default or generation */
	"SELECT 'column', " CATALOG_REL " || '.' || a.attname, " CATALOG_REL ","
	" format_type(a.atttypid, a.atttypmod)"
	" || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
	" || coalesce(CASE WHEN a.attgenerated = 's' THEN ' generated always as ('"
	"    || pg_get_expr(ad.adbin, ad.adrelid) || ') stored'"
	"    ELSE ' default ' || pg_get_expr(ad.adbin, ad.adrelid) END, '')"
	" || CASE a.attidentity WHEN 'a' THEN ' generated always as identity'"
	"    WHEN 'd' THEN ' generated by default as identity' ELSE '' END"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND" CATALOG_NSP
	"AND" CATALOG_NOT_EXT("pg_class", "c.oid"),
	/* constraints of tables (not-null ones are the columns' business) */
	"SELECT 'constraint', " CATALOG_REL " || '.' || co.conname, " CATALOG_REL ", pg_get_constraintdef(co.oid)"
	" FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE co.contype <> 'n' AND" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_class", "c.oid"),
	/* indexes other than those of primary key/unique/exclusion constraints */
	"SELECT 'index', n.nspname || '.' || ic.relname, " CATALOG_REL ","
	" CASE WHEN i.indisunique THEN 'unique ' ELSE '' END || 'on ' || " CATALOG_REL
	" || substring(pg_get_indexdef(i.indexrelid) from ' USING .*$')"
	" FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_class", "c.oid")
	"AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid"
	" AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))",
	/* triggers written by users (not those of foreign keys) */
	"SELECT 'trigger', " CATALOG_REL " || '.' || t.tgname, " CATALOG_REL ","
	" regexp_replace(pg_get_triggerdef(t.oid), '^CREATE (CONSTRAINT )?TRIGGER \\S+ ', '')"
	" || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' ELSE '' END"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE NOT t.tgisinternal AND" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_class", "c.oid"),
	/* row level security policies */
	"SELECT 'policy', " CATALOG_REL " || '.' || p.polname, " CATALOG_REL ","
	" CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END || ' for '"
	" || CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'"
	"    WHEN 'd' THEN 'delete' ELSE 'all' END"
	" || ' to ' || coalesce((SELECT string_agg(rn, ', ' ORDER BY rn) FROM (SELECT CASE WHEN r = 0"
	"    THEN 'public' ELSE pg_get_userbyid(r)::text END AS rn FROM unnest(p.polroles) r) s), 'public')"
	" || coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')"
	" || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')"
	" FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE" CATALOG_NSP,
	/* views and materialized views, whitespace collapsed */
	"SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, " CATALOG_REL ", NULL,"
	" regexp_replace(btrim(pg_get_viewdef(c.oid), E' \\t\\n;'), '\\s+', ' ', 'g')"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('v', 'm') AND" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_class", "c.oid"),
	/* functions, procedures, aggregates: signature, result, language, md5 of the whole definition */
	"SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',"
	" NULL,"
	" CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure'"
	"    ELSE 'returns ' || pg_get_function_result(p.oid) END"
	" || ', ' || l.lanname || ', md5 ' || left(md5(CASE WHEN p.prokind = 'a' THEN coalesce(p.prosrc, '')"
	"    || ' ' || pg_get_function_result(p.oid) ELSE pg_get_functiondef(p.oid) END), 12)"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang"
	" WHERE" CATALOG_NSP "AND" CATALOG_NOT_EXT("pg_proc", "p.oid"),
};
#define CATALOG_NQUERIES (sizeof(catalog_queries) / sizeof(catalog_queries[0]))

static int catalog_pg_error(struct err *e, const char *what, const char *msg)
{
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return err_set(e, SC_EFAIL, "%s: %.*s", what, (int)n, msg);
}

static int catalog_exec(PGconn *conn, const char *sql, struct err *e)
{
	PGresult *res = PQexec(conn, sql);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = catalog_pg_error(e, "reading the catalog", PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

static int catalog_add_rows(struct catalog *c, PGresult *res, struct err *e)
{
	for (int i = 0; i < PQntuples(res); i++) {
		int kind = catalog_kind_find(PQgetvalue(res, i, 0));
		if (kind < 0)
			BUG("catalog query returned kind '%s'", PQgetvalue(res, i, 0));
		catalog_add(c, (enum catalog_kind)kind, PQgetvalue(res, i, 1),
			    PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2),
			    PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3));
	}
	return 0;
}

int catalog_load(struct catalog *c, PGconn *conn, struct err *e)
{
	int rc = catalog_exec(conn,
			      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
			      "SET LOCAL search_path = pg_catalog; SET LOCAL statement_timeout = '60s'",
			      e);
	if (rc < 0)
		return rc;
	for (size_t q = 0; q < CATALOG_NQUERIES && rc == 0; q++) {
		PGresult *res = PQexec(conn, catalog_queries[q]);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = catalog_pg_error(e, "reading the catalog", PQresultErrorMessage(res));
		else
			rc = catalog_add_rows(c, res, e);
		PQclear(res);
	}
	PGresult *res = PQexec(conn, "ROLLBACK");
	PQclear(res);
	catalog_sort(c);
	return rc;
}

int catalog_load_deployed(struct catalog *c, PGconn *conn, const char *env, struct err *e)
{
	const char *p[] = { env };
	PGresult *res = PQexecParams(conn,
				     "SELECT DISTINCT ON (name) name, sha256 FROM stagecoach.artifacts"
				     " WHERE env = $1 AND kind = 'function'"
				     " ORDER BY name, id DESC",
				     1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* no records at all: nothing deployed by stagecoach */
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		int rc = state && (strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0)
				 ? 0
				 : catalog_pg_error(e, "reading the deployed functions", PQresultErrorMessage(res));
		PQclear(res);
		return rc;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *sha = PQgetisnull(res, i, 1) ? "" : PQgetvalue(res, i, 1);
		if (!*sha || strcmp(sha, CATALOG_TOMBSTONE) == 0)
			continue;
		catalog_add(c, CATALOG_DEPLOYED_FUNCTION, PQgetvalue(res, i, 0), NULL, sha);
	}
	PQclear(res);
	catalog_sort(c);
	return 0;
}

/* ---- comparing ---- */

/* an item of `side` missing in `other` whose table is missing there too goes unsaid */
static int catalog_covered(const struct catalog_item *it, struct catalog *other)
{
	return it->parent && !catalog_find(other, CATALOG_TABLE, it->parent);
}

static void catalog_push(struct catalog_diff **out, size_t *n, size_t *cap, enum catalog_kind kind, const char *name,
			 const char *a, const char *b)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*out = xrealloc(*out, *cap * sizeof(**out));
	}
	(*out)[(*n)++] = (struct catalog_diff){ kind, name, a, b };
}

size_t catalog_compare(struct catalog *a, struct catalog *b, struct catalog_diff **out)
{
	size_t i = 0, j = 0, n = 0, cap = 0;
	*out = NULL;
	if (!a->sorted)
		catalog_sort(a);
	if (!b->sorted)
		catalog_sort(b);
	while (i < a->n || j < b->n) {
		const struct catalog_item *x = i < a->n ? &a->items[i] : NULL;
		const struct catalog_item *y = j < b->n ? &b->items[j] : NULL;
		int r = !x ? 1 : !y ? -1 : catalog_cmp_key(x->kind, x->name, y->kind, y->name);
		if (r < 0) {
			if (!catalog_covered(x, b))
				catalog_push(out, &n, &cap, x->kind, x->name, x->value, NULL);
			i++;
		} else if (r > 0) {
			if (!catalog_covered(y, a))
				catalog_push(out, &n, &cap, y->kind, y->name, NULL, y->value);
			j++;
		} else {
			if (strcmp(x->value, y->value) != 0)
				catalog_push(out, &n, &cap, x->kind, x->name, x->value, y->value);
			i++;
			j++;
		}
	}
	return n;
}

/* kinds whose missing item is said by its name alone */
static int catalog_named_only(enum catalog_kind k)
{
	return k == CATALOG_SCHEMA || k == CATALOG_TABLE || k == CATALOG_VIEW || k == CATALOG_MATVIEW ||
	       k == CATALOG_FUNCTION;
}

/* kinds whose values are too long to read on one line */
static int catalog_long_value(enum catalog_kind k)
{
	return k == CATALOG_VIEW || k == CATALOG_MATVIEW;
}

char *catalog_diff_what(const struct catalog_diff *d, const char *env_a, const char *env_b)
{
	if (!d->a)
		return xasprintf("missing in %s", env_a);
	if (!d->b)
		return xasprintf("missing in %s", env_b);
	switch (d->kind) {
	case CATALOG_ENUM:
		return xstrdup("labels differ");
	case CATALOG_VIEW:
	case CATALOG_MATVIEW:
	case CATALOG_FUNCTION:
	case CATALOG_INDEX:
	case CATALOG_CONSTRAINT:
	case CATALOG_TRIGGER:
	case CATALOG_POLICY:
		return xstrdup("definition differs");
	case CATALOG_DEPLOYED_FUNCTION:
		return xstrdup("content differs");
	case CATALOG_EXTENSION:
		return xstrdup("version differs");
	default:
		return xstrdup("differs");
	}
}

/* a value as shown on one line: content hashes shortened */
static void catalog_add_value(struct buf *b, enum catalog_kind k, const char *v)
{
	if (k == CATALOG_DEPLOYED_FUNCTION && strlen(v) > 12)
		buf_addf(b, "%.12s", v);
	else
		buf_adds(b, v);
}

char *catalog_diff_text(const struct catalog_diff *d, const char *env_a, const char *env_b)
{
	struct buf b = BUF_INIT;
	const char *kind = catalog_kind_name(d->kind);
	const char *have = d->a ? d->a : d->b, *has = d->a ? env_a : env_b, *lacks = d->a ? env_b : env_a;
	if (!d->a || !d->b) {
		if (catalog_named_only(d->kind) || !*have) {
			buf_addf(&b, "%s lacks %s %s", lacks, kind, d->name);
		} else {
			buf_addf(&b, "%s %s: %s ", kind, d->name, has);
			catalog_add_value(&b, d->kind, have);
			buf_addf(&b, ", %s %s", lacks,
				 d->kind == CATALOG_DEPLOYED_FUNCTION ? "has no record of it" : "lacks it");
		}
		return buf_detach(&b);
	}
	char *what = catalog_diff_what(d, env_a, env_b);
	buf_addf(&b, "%s %s: ", kind, d->name);
	if (strcmp(what, "differs") != 0)
		buf_addf(&b, "%s%s", what, catalog_long_value(d->kind) ? "" : ": ");
	if (catalog_long_value(d->kind)) {
		/* labels padded so the two definitions start in one column */
		char *la = xasprintf("%s:", env_a), *lb = xasprintf("%s:", env_b);
		int w = (int)(strlen(la) > strlen(lb) ? strlen(la) : strlen(lb));
		buf_addf(&b, "\n    %-*s %s\n    %-*s %s", w, la, d->a, w, lb, d->b);
		free(la);
		free(lb);
	} else {
		buf_addf(&b, "%s ", env_a);
		catalog_add_value(&b, d->kind, d->a);
		buf_addf(&b, ", %s ", env_b);
		catalog_add_value(&b, d->kind, d->b);
	}
	free(what);
	return buf_detach(&b);
}
