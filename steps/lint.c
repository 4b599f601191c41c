/*
 * lint: checks each migration's statements, from the PostgreSQL parse tree
 * (libpg_query's JSON, read with jansson), for changes that lose data, break
 * the application's running version, or lock a busy table for long.  One
 * pass over the migrations in apply order, remembering which tables each one
 * creates, so that an index on a table created in the same migration (empty,
 * unseen by the application) is not flagged.  See lint.h and docs/lint.md.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pg_query.h>

#include "lint.h"
#include "txcontrol.h"
#include "../lib/util.h"

/* the major version of libpg_query's grammar (15 here) */
#define LINT_GRAMMAR_MAJOR (PG_VERSION_NUM / 10000)

struct lint_rule {
	const char *id;
	enum lint_severity severity;
	int destructive;
	const char *hint;
};

static const struct lint_rule lint_rule_table[] = {
	{ "syntax", LINT_ERROR, 0, "the statement does not parse with the PostgreSQL 15 grammar: fix it before it reaches a database" },
	{ "concurrently-in-transaction", LINT_ERROR, 0,
	  "put the statement in a migration of its own, or add '-- stagecoach:no-transaction' to the migration's first lines (its statements then run one at a time, outside a transaction)" },
	{ "transaction-control", LINT_ERROR, 0,
	  "stagecoach runs each migration in a transaction with its history row: remove the BEGIN/COMMIT, or add '-- stagecoach:no-transaction' to the file's first lines to run its statements (and its own transactions) one at a time" },
	{ "drop-table", LINT_WARNING, 1,
	  "stop using the table in a release first; keep a backup; accept with '-- stagecoach:allow drop-table'" },
	{ "drop-column", LINT_WARNING, 1,
	  "deploy code that no longer reads or writes the column first, then drop it in a later release; accept with '-- stagecoach:allow drop-column'" },
	{ "drop-type", LINT_WARNING, 1,
	  "make sure no column, function or client uses the type; accept with '-- stagecoach:allow drop-type'" },
	{ "cascade", LINT_WARNING, 1,
	  "CASCADE silently drops every dependent object (views, foreign keys, columns): drop the dependents explicitly" },
	{ "truncate", LINT_WARNING, 1,
	  "TRUNCATE deletes every row and cannot be filtered; accept with '-- stagecoach:allow truncate' if the data is disposable" },
	{ "rename", LINT_WARNING, 1,
	  "the running application still uses the old name: add the new object, migrate readers and writers, drop the old one in a later release" },
	{ "alter-column-type", LINT_WARNING, 1,
	  "rewrites the table under an ACCESS EXCLUSIVE lock and breaks readers of the old type: add a new column, backfill in batches, switch, drop the old one" },
	{ "add-column-not-null-no-default", LINT_WARNING, 0,
	  "fails on a table that has rows: add the column with a DEFAULT, or nullable, backfill, then SET NOT NULL" },
	{ "set-not-null", LINT_WARNING, 0,
	  "scans the whole table under an ACCESS EXCLUSIVE lock: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ uses the check)" },
	{ "create-index-non-concurrent", LINT_WARNING, 0,
	  "blocks writes to the table while the index builds: use CREATE INDEX CONCURRENTLY in a migration of its own" },
	{ "add-constraint-not-valid-missing", LINT_WARNING, 0,
	  "validating existing rows holds a lock that blocks writes: ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration" },
	{ "delete-without-where", LINT_WARNING, 1,
	  "add a WHERE clause (batches on big tables), or accept with '-- stagecoach:allow delete-without-where'" },
	{ "update-without-where", LINT_WARNING, 1,
	  "it rewrites every row under a lock: add a WHERE clause (backfill in batches on big tables), or accept with '-- stagecoach:allow update-without-where'" },
};

const char *const lint_rules[] = {
	"syntax", "concurrently-in-transaction", "transaction-control", "drop-table", "drop-column", "drop-type", "cascade", "truncate",
	"rename", "alter-column-type", "add-column-not-null-no-default", "set-not-null",
	"create-index-non-concurrent", "add-constraint-not-valid-missing", "delete-without-where",
	"update-without-where", NULL,
};

static const char lint_hint_create_type[] =
	"PostgreSQL has no CREATE TYPE IF NOT EXISTS: use DO $$ BEGIN CREATE TYPE ...; EXCEPTION WHEN duplicate_object THEN NULL; END $$";

struct lint_allow {
	size_t off;
	char **rules;
};

struct lint_ctx {
	const struct lint_options *opt;
	struct lint_report *rep;
	const struct migration *m;
	size_t mi;
	char **created_run;  /* tables created by earlier migrations of this lint */
	char **created_mig;  /* tables created so far by the current migration */
	int line;            /* of the current statement */
	char **stmt_allow;   /* allows of the current statement */
};

static const struct lint_rule *lint_rule_find(const char *id)
{
	for (size_t i = 0; i < sizeof(lint_rule_table) / sizeof(lint_rule_table[0]); i++)
		if (strcmp(lint_rule_table[i].id, id) == 0)
			return &lint_rule_table[i];
	BUG("unknown lint rule '%s'", id);
}

static void lint_report_add(struct lint_report *rep, const char *file, int line, const struct lint_rule *rule,
			    const char *hint, int accepted, const struct migration *m, size_t mi, char *message)
{
	if (rep->n == rep->cap) {
		rep->cap = rep->cap ? rep->cap * 2 : 16;
		rep->findings = xrealloc(rep->findings, rep->cap * sizeof(*rep->findings));
	}
	struct lint_finding *f = &rep->findings[rep->n++];
	f->file = xstrdup(file);
	f->line = line;
	f->rule = rule->id;
	f->message = message;
	f->hint = hint ? hint : rule->hint;
	f->severity = rule->severity;
	f->destructive = rule->destructive;
	f->accepted = accepted;
	f->version = m->version;
	f->version_str = xstrdup(m->version_str ? m->version_str : "");
	f->migration = mi;
	if (accepted) {
		rep->accepted++;
	} else {
		if (rule->severity == LINT_ERROR)
			rep->errors++;
		else
			rep->warnings++;
		if (rule->destructive)
			rep->destructive++;
	}
}

static void lint_add(struct lint_ctx *c, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lint_add(struct lint_ctx *c, const char *id, const char *fmt, ...)
{
	const struct lint_rule *rule = lint_rule_find(id);
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	int accepted = migration_allows(c->m, id) || (c->stmt_allow && strv_contains(c->stmt_allow, id));
	lint_report_add(c->rep, c->m->file, c->line, rule, NULL, accepted, c->m, c->mi, msg);
}

/* ---- tables ---- */

/* "schema.table" or "table" of a RangeVar; caller frees */
static char *lint_rangevar_key(const json_t *rv)
{
	const char *schema = json_string_value(json_object_get(rv, "schemaname"));
	const char *rel = json_string_value(json_object_get(rv, "relname"));
	if (!rel)
		return NULL;
	return schema ? xasprintf("%s.%s", schema, rel) : xstrdup(rel);
}

/* "a.b.c" of a list of String nodes; caller frees */
static char *lint_names_key(const json_t *names)
{
	struct buf b = BUF_INIT;
	size_t i;
	const json_t *it;
	json_array_foreach(names, i, it) {
		const char *s = json_string_value(json_object_get(json_object_get(it, "String"), "sval"));
		if (!s)
			continue;
		if (b.len)
			buf_addc(&b, '.');
		buf_adds(&b, s);
	}
	return b.len ? buf_detach(&b) : (buf_release(&b), NULL);
}

static const char *lint_key_name(const char *key)
{
	const char *dot = strrchr(key, '.');
	return dot ? dot + 1 : key;
}

/* Same table: equal when both are schema-qualified, else same name. */
static int lint_key_match(const char *a, const char *b)
{
	if (strchr(a, '.') && strchr(b, '.'))
		return strcmp(a, b) == 0;
	return strcmp(lint_key_name(a), lint_key_name(b)) == 0;
}

static int lint_in(char *const *list, const char *key)
{
	for (size_t i = 0; list && list[i]; i++)
		if (lint_key_match(list[i], key))
			return 1;
	return 0;
}

static int lint_new_here(const struct lint_ctx *c, const char *key)
{
	return lint_in(c->created_mig, key);
}

/* Did the table exist before the current migration? */
static int lint_existing(const struct lint_ctx *c, const char *key)
{
	if (lint_new_here(c, key))
		return 0;
	if (c->opt && c->opt->have_db)
		return lint_in(c->opt->existing_tables, key) && !lint_in(c->created_run, key);
	return 1;
}

static void lint_created(struct lint_ctx *c, const json_t *rv)
{
	char *key = lint_rangevar_key(rv);
	if (key && !strv_contains(c->created_mig, key))
		strv_push(&c->created_mig, key);
	free(key);
}

/* ---- statements ---- */

static int lint_is(const json_t *v, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(v, key));
	return s && strcmp(s, value) == 0;
}

static void lint_drop(struct lint_ctx *c, const json_t *v)
{
	const char *rt = json_string_value(json_object_get(v, "removeType"));
	size_t i;
	const json_t *obj;
	int all_new = 1;

	if (!rt)
		return;
	json_array_foreach(json_object_get(v, "objects"), i, obj) {
		if (strcmp(rt, "OBJECT_TABLE") == 0) {
			char *key = lint_names_key(json_object_get(json_object_get(obj, "List"), "items"));
			if (!key)
				continue;
			if (!lint_new_here(c, key)) {
				all_new = 0;
				lint_add(c, "drop-table", "drops table '%s' and all of its rows", key);
			}
			free(key);
		} else if (strcmp(rt, "OBJECT_TYPE") == 0 || strcmp(rt, "OBJECT_DOMAIN") == 0) {
			char *key = lint_names_key(json_object_get(json_object_get(obj, "TypeName"), "names"));
			all_new = 0;
			lint_add(c, "drop-type", "drops %s '%s'", strcmp(rt, "OBJECT_TYPE") == 0 ? "type" : "domain",
				 key ? key : "?");
			free(key);
		} else {
			all_new = 0;
		}
	}
	if (lint_is(v, "behavior", "DROP_CASCADE") && !all_new)
		lint_add(c, "cascade", "DROP ... CASCADE also drops every object that depends on what it drops");
}

static int lint_column_has(const json_t *coldef, const char *contype)
{
	size_t i;
	const json_t *con;
	json_array_foreach(json_object_get(coldef, "constraints"), i, con) {
		if (lint_is(json_object_get(con, "Constraint"), "contype", contype))
			return 1;
	}
	return 0;
}

static int lint_serial_type(const json_t *coldef)
{
	static const char *const serials[] = { "serial", "bigserial", "smallserial", "serial2", "serial4", "serial8", NULL };
	char *t = lint_names_key(json_object_get(json_object_get(coldef, "typeName"), "names"));
	int r = 0;
	for (int i = 0; t && serials[i]; i++)
		if (strcmp(t, serials[i]) == 0)
			r = 1;
	free(t);
	return r;
}

static void lint_alter_table(struct lint_ctx *c, const json_t *v)
{
	const json_t *rv = json_object_get(v, "relation");
	size_t i;
	const json_t *item;
	int cascade = 0;

	if (!lint_is(v, "objtype", "OBJECT_TABLE"))
		return;
	char *key = lint_rangevar_key(rv);
	if (!key)
		return;
	int is_new = lint_new_here(c, key), existing = lint_existing(c, key);
	json_array_foreach(json_object_get(v, "cmds"), i, item) {
		const json_t *cmd = json_object_get(item, "AlterTableCmd");
		const char *sub = json_string_value(json_object_get(cmd, "subtype"));
		const char *col = json_string_value(json_object_get(cmd, "name"));
		const json_t *def = json_object_get(cmd, "def");
		if (!sub)
			continue;
		if (lint_is(cmd, "behavior", "DROP_CASCADE"))
			cascade = 1;
		if (strcmp(sub, "AT_DropColumn") == 0 && !is_new) {
			lint_add(c, "drop-column", "drops column '%s' of table '%s' and its data", col ? col : "?", key);
		} else if (strcmp(sub, "AT_AlterColumnType") == 0 && !is_new) {
			lint_add(c, "alter-column-type", "changes the type of column '%s' of table '%s'", col ? col : "?",
				 key);
		} else if (strcmp(sub, "AT_AddColumn") == 0 && existing) {
			const json_t *cd = json_object_get(def, "ColumnDef");
			int notnull = lint_column_has(cd, "CONSTR_NOTNULL") || lint_column_has(cd, "CONSTR_PRIMARY");
			int filled = lint_column_has(cd, "CONSTR_DEFAULT") || lint_column_has(cd, "CONSTR_IDENTITY") ||
				     lint_column_has(cd, "CONSTR_GENERATED") || lint_serial_type(cd);
			if (notnull && !filled) {
				const char *cn = json_string_value(json_object_get(cd, "colname"));
				lint_add(c, "add-column-not-null-no-default",
					 "adds column '%s' to table '%s' as NOT NULL without a DEFAULT", cn ? cn : "?", key);
			}
		} else if (strcmp(sub, "AT_SetNotNull") == 0 && existing) {
			lint_add(c, "set-not-null", "sets column '%s' of existing table '%s' NOT NULL", col ? col : "?", key);
		} else if (strcmp(sub, "AT_AddConstraint") == 0 && existing) {
			const json_t *con = json_object_get(def, "Constraint");
			int fk = lint_is(con, "contype", "CONSTR_FOREIGN"), check = lint_is(con, "contype", "CONSTR_CHECK");
			if ((fk || check) && !json_is_true(json_object_get(con, "skip_validation"))) {
				const char *cn = json_string_value(json_object_get(con, "conname"));
				lint_add(c, "add-constraint-not-valid-missing",
					 "adds %s constraint%s%s%s to existing table '%s' without NOT VALID",
					 fk ? "FOREIGN KEY" : "CHECK", cn ? " '" : "", cn ? cn : "", cn ? "'" : "", key);
			}
		}
	}
	if (cascade && !is_new)
		lint_add(c, "cascade", "ALTER TABLE ... CASCADE on table '%s' also drops every object that depends on what it drops", key);
	free(key);
}

static const char *lint_object_kind(const char *t)
{
	static const struct {
		const char *type, *word;
	} kinds[] = {
		{ "OBJECT_TABLE", "table" },       { "OBJECT_VIEW", "view" },
		{ "OBJECT_MATVIEW", "materialized view" }, { "OBJECT_FOREIGN_TABLE", "foreign table" },
		{ "OBJECT_SCHEMA", "schema" },     { "OBJECT_TYPE", "type" },
		{ "OBJECT_DOMAIN", "domain" },     { "OBJECT_FUNCTION", "function" },
		{ "OBJECT_PROCEDURE", "procedure" }, { "OBJECT_COLUMN", "column" },
		{ "OBJECT_ATTRIBUTE", "attribute" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, t) == 0)
			return kinds[i].word;
	return NULL;
}

static void lint_rename(struct lint_ctx *c, const json_t *v)
{
	const char *rt = json_string_value(json_object_get(v, "renameType"));
	const char *newname = json_string_value(json_object_get(v, "newname"));
	const char *kind = rt ? lint_object_kind(rt) : NULL;
	const json_t *rv = json_object_get(v, "relation");
	char *key = NULL;

	if (!kind || !newname)
		return;
	if (rv)
		key = lint_rangevar_key(rv);
	if (key && lint_new_here(c, key)) {
		free(key);
		return;
	}
	if (strcmp(rt, "OBJECT_COLUMN") == 0 || strcmp(rt, "OBJECT_ATTRIBUTE") == 0) {
		const char *sub = json_string_value(json_object_get(v, "subname"));
		lint_add(c, "rename", "renames column '%s' of '%s' to '%s'", sub ? sub : "?", key ? key : "?", newname);
	} else if (key) {
		lint_add(c, "rename", "renames %s '%s' to '%s'", kind, key, newname);
	} else {
		const char *sub = json_string_value(json_object_get(v, "subname"));
		const json_t *obj = json_object_get(v, "object");
		char *name = sub ? xstrdup(sub) : lint_names_key(json_object_get(json_object_get(obj, "List"), "items"));
		if (!name && json_object_get(obj, "ObjectWithArgs"))
			name = lint_names_key(json_object_get(json_object_get(obj, "ObjectWithArgs"), "objname"));
		if (!name && json_object_get(obj, "TypeName"))
			name = lint_names_key(json_object_get(json_object_get(obj, "TypeName"), "names"));
		lint_add(c, "rename", "renames %s '%s' to '%s'", kind, name ? name : "?", newname);
		free(name);
	}
	free(key);
}

static void lint_rows(struct lint_ctx *c, const json_t *v, const char *rule, const char *verb)
{
	char *key = lint_rangevar_key(json_object_get(v, "relation"));
	if (key && !json_object_get(v, "whereClause") && !lint_new_here(c, key))
		lint_add(c, rule, "%s every row of table '%s' (no WHERE clause)", verb, key);
	free(key);
}

static void lint_statement(struct lint_ctx *c, const json_t *stmt)
{
	void *iter = json_object_iter((json_t *)stmt);
	if (!iter)
		return;
	const char *type = json_object_iter_key(iter);
	const json_t *v = json_object_iter_value(iter);

	if (strcmp(type, "CreateStmt") == 0) {
		lint_created(c, json_object_get(v, "relation"));
	} else if (strcmp(type, "CreateTableAsStmt") == 0) {
		lint_created(c, json_object_get(json_object_get(v, "into"), "rel"));
	} else if (strcmp(type, "DropStmt") == 0) {
		lint_drop(c, v);
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		lint_alter_table(c, v);
	} else if (strcmp(type, "RenameStmt") == 0) {
		lint_rename(c, v);
	} else if (strcmp(type, "AlterEnumStmt") == 0) {
		const char *old = json_string_value(json_object_get(v, "oldVal"));
		char *t = lint_names_key(json_object_get(v, "typeName"));
		if (old)
			lint_add(c, "rename", "renames value '%s' of enum '%s' to '%s'", old, t ? t : "?",
				 json_string_value(json_object_get(v, "newVal")));
		free(t);
	} else if (strcmp(type, "TruncateStmt") == 0) {
		size_t i;
		const json_t *rv;
		int any = 0;
		json_array_foreach(json_object_get(v, "relations"), i, rv) {
			char *key = lint_rangevar_key(json_object_get(rv, "RangeVar"));
			if (key && !lint_new_here(c, key)) {
				any = 1;
				lint_add(c, "truncate", "truncates table '%s': every row is deleted", key);
			}
			free(key);
		}
		if (any && lint_is(v, "behavior", "DROP_CASCADE"))
			lint_add(c, "cascade", "TRUNCATE ... CASCADE also empties every table that references it");
	} else if (strcmp(type, "DeleteStmt") == 0) {
		lint_rows(c, v, "delete-without-where", "deletes");
	} else if (strcmp(type, "UpdateStmt") == 0) {
		lint_rows(c, v, "update-without-where", "updates");
	} else if (strcmp(type, "IndexStmt") == 0) {
		char *key = lint_rangevar_key(json_object_get(v, "relation"));
		if (key && !json_is_true(json_object_get(v, "concurrent")) && lint_existing(c, key)) {
			const char *idx = json_string_value(json_object_get(v, "idxname"));
			lint_add(c, "create-index-non-concurrent", "creates index %s%s%son existing table '%s' without CONCURRENTLY",
				 idx ? "'" : "", idx ? idx : "", idx ? "' " : "", key);
		}
		free(key);
	}
}

/* ---- allow comments ---- */

/* Every "-- stagecoach:allow ..." comment of sql, in order. */
static size_t lint_collect_allows(const char *sql, struct lint_allow **out)
{
	static const char word[] = "stagecoach:allow";
	struct lint_allow *v = NULL;
	size_t n = 0;
	const char *p = sql;
	while ((p = strstr(p, word)) != NULL) {
		const char *q = p;
		while (q > sql && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q - sql >= 2 && q[-1] == '-' && q[-2] == '-') {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n].off = (size_t)(q - 2 - sql);
			v[n].rules = NULL;
			migration_parse_allow(p + strlen(word), &v[n].rules);
			n++;
		}
		p += strlen(word);
	}
	*out = v;
	return n;
}

static int lint_no_newline(const char *sql, size_t from, size_t to)
{
	return memchr(sql + from, '\n', to - from) == NULL;
}

/* The rules allowed for the statement [b, t) whose comment region starts
 * at gap (just after the end of the previous statement's line). */
static char **lint_stmt_allows(const char *sql, const struct lint_allow *a, size_t na, size_t gap, size_t t)
{
	char **rules = NULL;
	for (size_t i = 0; i < na; i++) {
		int mine = (a[i].off >= gap && a[i].off < t) || (a[i].off >= t && lint_no_newline(sql, t, a[i].off));
		for (size_t k = 0; mine && a[i].rules && a[i].rules[k]; k++)
			if (!strv_contains(rules, a[i].rules[k]))
				strv_push(&rules, a[i].rules[k]);
	}
	return rules;
}

/* ---- one migration ---- */


/* From sql_parse_json's message ":LINE: text", the line and the text. */
static int lint_syntax_line(const char *msg, const char **text)
{
	char *end;
	long line = strtol(msg + 1, &end, 10);
	*text = *end == ':' ? end + 2 : msg;
	return (int)line;
}

static const char *lint_syntax_hint(const char *sql, int first_line, int line)
{
	const char *p = sql;
	for (int l = first_line; l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	const char *eol = strchr(p, '\n');
	char *text = eol ? xstrndup(p, (size_t)(eol - p)) : xstrdup(p);
	/* collapse blanks so "CREATE  TYPE IF NOT EXISTS" is seen too */
	struct buf b = BUF_INIT;
	for (char *s = text; *s; s++) {
		if (isspace((unsigned char)*s)) {
			if (b.len && b.data[b.len - 1] != ' ')
				buf_addc(&b, ' ');
		} else {
			buf_addc(&b, (char)tolower((unsigned char)*s));
		}
	}
	const char *hint = b.len && strstr(b.data, "create type if not exists") ? lint_hint_create_type : NULL;
	buf_release(&b);
	free(text);
	return hint;
}

static void lint_syntax(struct lint_ctx *c, const char *file, const char *sql, int first_line, const struct err *e)
{
	const char *text;
	int line = lint_syntax_line(e->msg, &text);
	const struct lint_rule *rule = lint_rule_find("syntax");
	int major = c->opt ? c->opt->server_version / 10000 : 0;
	if (major > LINT_GRAMMAR_MAJOR) {
		/* the server's grammar may hold what ours lacks (MERGE ... RETURNING) */
		static const struct lint_rule newer = {
			"syntax", LINT_WARNING, 0,
			"the lint's grammar is older than the target server's: check the statement on a copy of the "
			"target"
		};
		lint_report_add(c->rep, file, line, &newer, NULL, 0, c->m, c->mi,
				xasprintf("%s (not PostgreSQL %d syntax; the target server is PostgreSQL %d, whose "
					  "grammar may accept it)",
					  text, LINT_GRAMMAR_MAJOR, major));
		return;
	}
	lint_report_add(c->rep, file, line, rule, lint_syntax_hint(sql, first_line, line), 0, c->m, c->mi,
			xstrdup(text));
}

/* Statements the rules look at start with these words; the others (INSERT,
 * COPY, SELECT, GRANT, COMMENT, ...) are split but not turned into trees,
 * which keeps seed files of megabytes cheap. */
static const char *const lint_tree_words[] = { "alter", "drop", "create", "truncate", "delete", "update",
					       "with", "vacuum", "reindex", NULL };

/* A statement of a transactional migration that starts or ends a
 * transaction: an error that no allow comment accepts (the migration would
 * commit before its history row). */
static void lint_txcontrol(struct lint_ctx *c, const char *file, const char *sql, const struct sql_span *s,
			   int no_transaction)
{
	const char *what = no_transaction ? NULL : txcontrol_span(sql, s->start, s->end);
	if (!what)
		return;
	lint_report_add(c->rep, file, s->line, lint_rule_find("transaction-control"), NULL, 0, c->m, c->mi,
			xasprintf("%s: the migration controls its own transaction, but it runs inside stagecoach's",
				  what));
}

static void lint_one(struct lint_ctx *c)
{
	const struct migration *m = c->m;
	const char *sql = m->up_sql ? m->up_sql : "";
	struct err e = ERR_INIT;
	struct sql_span *spans;
	size_t i, n, gap = 0, nnotx = 0, nneutral = 0, sqllen = strlen(sql);
	int line = m->up_line > 0 ? m->up_line : 1, notx_line = 0;
	const char *notx_what = NULL;
	char **notx_allow = NULL;

	if (m->down_sql) {
		struct sql_span *ds;
		size_t dn;
		if (sql_spans(m->down_sql, "", m->down_line > 0 ? m->down_line : 1, &ds, &dn, &e) < 0) {
			lint_syntax(c, m->down_file ? m->down_file : m->file, m->down_sql, m->down_line, &e);
			err_clear(&e);
		} else {
			for (i = 0; i < dn; i++)
				lint_txcontrol(c, m->down_file ? m->down_file : m->file, m->down_sql, &ds[i],
					       m->down_no_transaction);
			free(ds);
		}
	}
	if (sql_spans(sql, "", line, &spans, &n, &e) < 0) {
		lint_syntax(c, m->file, sql, line, &e);
		return;
	}
	struct lint_allow *allows = NULL;
	size_t nallows = lint_collect_allows(sql, &allows);
	for (i = 0; i < n; i++) {
		size_t b = spans[i].start, t = spans[i].end;
		c->line = spans[i].line;
		c->stmt_allow = nallows ? lint_stmt_allows(sql, allows, nallows, gap, t) : NULL;
		lint_txcontrol(c, m->file, sql, &spans[i], m->no_transaction);
		if (sql_first_word_is(sql, b, t, sql_neutral_words))
			nneutral++;
		json_t *stmt = sql_first_word_is(sql, b, t, lint_tree_words) ? sql_stmt_parse(sql, b, t) : NULL;
		const char *what = stmt ? sql_no_transaction_node(stmt) : NULL;
		if (what && nnotx++ == 0) {
			notx_line = c->line;
			notx_what = what;
			notx_allow = c->stmt_allow;
			c->stmt_allow = NULL;
		}
		if (stmt)
			lint_statement(c, stmt);
		json_decref(stmt);
		strv_free(c->stmt_allow);
		c->stmt_allow = NULL;
		const char *nl = memchr(sql + t, '\n', sqllen - t);
		gap = nl ? (size_t)(nl - sql) : sqllen;
	}
	if (!m->no_transaction_marker && nnotx > 0 && nnotx + nneutral < n) {
		c->line = notx_line;
		c->stmt_allow = notx_allow;
		notx_allow = NULL;
		lint_add(c, "concurrently-in-transaction",
			 "%s cannot run inside a transaction, and this migration has %zu other statement%s", notx_what,
			 n - nnotx - nneutral, n - nnotx - nneutral == 1 ? "" : "s");
		strv_free(c->stmt_allow);
		c->stmt_allow = NULL;
	}
	strv_free(notx_allow);
	for (i = 0; i < nallows; i++)
		strv_free(allows[i].rules);
	free(allows);
	free(spans);
}

void lint_migrations(const struct migration *m, size_t n, const struct lint_options *opt, struct lint_report *out)
{
	struct lint_ctx c;
	memset(&c, 0, sizeof(c));
	c.opt = opt;
	c.rep = out;
	for (size_t i = 0; i < n; i++) {
		c.m = &m[i];
		c.mi = i;
		lint_one(&c);
		for (size_t k = 0; c.created_mig && c.created_mig[k]; k++)
			strv_push(&c.created_run, c.created_mig[k]);
		strv_free(c.created_mig);
		c.created_mig = NULL;
	}
	out->migrations += n;
	strv_free(c.created_run);
}

int lint_folder(const char *dir, const struct lint_options *opt, struct lint_report *out, struct err *e)
{
	struct migration *m;
	size_t n;
	int r = migrations_discover(dir, &m, &n, e);
	if (r < 0)
		return r;
	lint_migrations(m, n, opt, out);
	migrations_free(m, n);
	return 0;
}

int lint_server_version(const char *s)
{
	char *end;
	long major = strtol(s, &end, 10), minor = 0;
	if (end == s || major < 0)
		return -1;
	if (*end == '.') {
		const char *m = end + 1;
		minor = strtol(m, &end, 10);
		if (end == m || minor < 0 || minor > 9999)
			return -1;
	}
	if (*end)
		return -1;
	if (major >= 10000 && major < 10000000)
		return (int)major; /* already 170002 */
	if (major < 10 || major > 999)
		return -1;
	return (int)(major * 10000 + minor);
}

void lint_report_release(struct lint_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->findings[i].file);
		free(r->findings[i].message);
		free(r->findings[i].version_str);
	}
	free(r->findings);
	memset(r, 0, sizeof(*r));
}

void lint_finding_format(const struct lint_finding *f, const char *prefix, struct buf *out)
{
	buf_addf(out, "%s%s:%d: %s: %s (hint: %s)%s", prefix ? prefix : "", f->file, f->line, f->rule, f->message,
		 f->hint, f->accepted ? " [accepted]" : "");
}

json_t *lint_finding_json(const struct lint_finding *f, const char *prefix)
{
	char *file = xasprintf("%s%s", prefix ? prefix : "", f->file);
	/* the version as written: "0001" stays "0001", Flyway's "1.2" stays 1.2 */
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:b, s:b, s:s, s:s, s:s}", "event", "lint_finding", "file", file,
			      "line", f->line, "rule", f->rule, "severity",
			      f->severity == LINT_ERROR ? "error" : "warning", "destructive", f->destructive, "accepted",
			      f->accepted, "message", f->message, "hint", f->hint, "version",
			      f->version_str ? f->version_str : "");
	free(file);
	if (!o)
		BUG("json_pack failed");
	return o;
}
