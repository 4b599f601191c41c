/* Unit tests of steps/lint.c: each rule fires on a positive example and not
 * on a near miss; allow comments; line numbers; syntax errors; existing
 * tables across migrations and from the database. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>

#include "unit.h"
#include "steps/lint.h"
#include "lib/util.h"

static char tmp_root[256];
static int tmp_seq;

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

/* Lint sql as the lone migration file `name`. */
static void lint_text(const char *name, const char *sql, const struct lint_options *opt, struct lint_report *rep)
{
	char *d = xasprintf("%s/t%d", tmp_root, ++tmp_seq);
	mkdir(d, 0755);
	put(d, name, sql);
	char *p = path_join(d, name);
	struct migration m;
	struct err e = ERR_INIT;
	if (migration_load_file(p, name, &m, &e) < 0) {
		fprintf(stderr, "load: %s\n", e.msg);
		CHECK(0);
	} else {
		lint_migrations(&m, 1, opt, rep);
		migration_release(&m);
	}
	free(p);
	free(d);
}

/* How many findings of rule (at line, when line > 0). */
static int count(const struct lint_report *r, const char *rule, int line)
{
	int n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].rule, rule) == 0 && (line <= 0 || r->findings[i].line == line))
			n++;
	return n;
}

static const struct lint_finding *find(const struct lint_report *r, const char *rule)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].rule, rule) == 0)
			return &r->findings[i];
	return NULL;
}

static void dump(const char *what, const struct lint_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct buf b = BUF_INIT;
		lint_finding_format(&r->findings[i], NULL, &b);
		fprintf(stderr, "  %s: %s\n", what, buf_str(&b));
		buf_release(&b);
	}
}

/* sql gives exactly `want` findings of rule, and nothing else than `also` */
static void expect(const char *sql, const char *rule, int want)
{
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("1_x.up.sql", sql, NULL, &r);
	int got = count(&r, rule, 0);
	if (got != want) {
		fprintf(stderr, "rule %s: got %d findings, want %d, for: %s\n", rule, got, want, sql);
		dump(rule, &r);
	}
	CHECK_INT(got, want);
	lint_report_release(&r);
}

/* sql gives no finding at all */
static void expect_clean(const char *sql)
{
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("1_clean.up.sql", sql, NULL, &r);
	if (r.n) {
		fprintf(stderr, "want no findings for: %s\n", sql);
		dump("clean", &r);
	}
	CHECK_INT(r.n, 0);
	lint_report_release(&r);
}

static void test_rules(void)
{
	expect("DROP TABLE users;", "drop-table", 1);
	expect("DROP TABLE IF EXISTS a, b;", "drop-table", 2);
	expect("CREATE TABLE tmp (id int);\nDROP TABLE tmp;", "drop-table", 0);
	expect("DROP VIEW v;", "drop-table", 0);

	expect("ALTER TABLE users DROP COLUMN email;", "drop-column", 1);
	expect("ALTER TABLE users DROP CONSTRAINT users_email_key;", "drop-column", 0);

	expect("DROP TYPE mood;", "drop-type", 1);
	expect("DROP DOMAIN posint;", "drop-type", 1);
	expect("DROP FUNCTION f();", "drop-type", 0);

	expect("DROP TABLE a CASCADE;", "cascade", 1);
	expect("ALTER TABLE t DROP CONSTRAINT c CASCADE;", "cascade", 1);
	expect("TRUNCATE t CASCADE;", "cascade", 1);
	expect("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE NOT VALID;", "cascade", 0);
	expect("DROP TABLE a;", "cascade", 0);

	expect("TRUNCATE sessions;", "truncate", 1);
	expect("DELETE FROM sessions WHERE expires_at < now();", "truncate", 0);

	expect("ALTER TABLE users RENAME TO accounts;", "rename", 1);
	expect("ALTER TABLE users RENAME COLUMN name TO full_name;", "rename", 1);
	expect("ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';", "rename", 1);
	expect("ALTER SCHEMA app RENAME TO app2;", "rename", 1);
	expect("ALTER INDEX users_pkey RENAME TO accounts_pkey;", "rename", 0);
	expect("ALTER TABLE users RENAME CONSTRAINT a TO b;", "rename", 0);
	expect("CREATE TABLE n (a int);\nALTER TABLE n RENAME COLUMN a TO b;", "rename", 0);

	expect("ALTER TABLE t ALTER COLUMN a TYPE bigint;", "alter-column-type", 1);
	expect("ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;", "alter-column-type", 0);

	expect("ALTER TABLE t ADD COLUMN a int NOT NULL;", "add-column-not-null-no-default", 1);
	expect("ALTER TABLE t ADD COLUMN id int PRIMARY KEY;", "add-column-not-null-no-default", 1);
	expect("ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0;", "add-column-not-null-no-default", 0);
	expect("ALTER TABLE t ADD COLUMN a int;", "add-column-not-null-no-default", 0);
	expect("ALTER TABLE t ADD COLUMN id bigserial NOT NULL;", "add-column-not-null-no-default", 0);
	expect("ALTER TABLE t ADD COLUMN id int GENERATED ALWAYS AS IDENTITY NOT NULL;", "add-column-not-null-no-default", 0);
	expect("CREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN b int NOT NULL;", "add-column-not-null-no-default", 0);

	expect("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", "set-not-null", 1);
	expect("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", "set-not-null", 0);
	expect("CREATE TABLE n (a int);\nALTER TABLE n ALTER COLUMN a SET NOT NULL;", "set-not-null", 0);

	expect("CREATE INDEX users_email ON users (email);", "create-index-non-concurrent", 1);
	expect("CREATE UNIQUE INDEX ON public.users (email);", "create-index-non-concurrent", 1);
	expect("CREATE INDEX CONCURRENTLY users_email ON users (email);", "create-index-non-concurrent", 0);
	expect("CREATE TABLE users (id int, email text);\nCREATE INDEX users_email ON users (email);",
	       "create-index-non-concurrent", 0);
	/* schema-qualified create, unqualified index: same table */
	expect("CREATE TABLE public.users (id int);\nCREATE INDEX ON users (id);", "create-index-non-concurrent", 0);

	expect("ALTER TABLE o ADD CONSTRAINT o_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
	       "add-constraint-not-valid-missing", 1);
	expect("ALTER TABLE o ADD CONSTRAINT o_qty CHECK (qty > 0);", "add-constraint-not-valid-missing", 1);
	expect("ALTER TABLE o ADD CONSTRAINT o_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
	       "add-constraint-not-valid-missing", 0);
	expect("ALTER TABLE o ADD CONSTRAINT o_u UNIQUE (code);", "add-constraint-not-valid-missing", 0);
	expect("CREATE TABLE o (user_id int);\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users (id);",
	       "add-constraint-not-valid-missing", 0);

	expect("DELETE FROM sessions;", "delete-without-where", 1);
	expect("DELETE FROM sessions WHERE id = 1;", "delete-without-where", 0);
	expect("WITH old AS (SELECT 1) DELETE FROM sessions;", "delete-without-where", 1);
	expect("/* purge */ -- all of it\ndelete from sessions;", "delete-without-where", 1);
	expect("INSERT INTO sessions SELECT * FROM s;", "delete-without-where", 0);
	expect("UPDATE users SET active = true;", "update-without-where", 1);
	expect("UPDATE users SET active = true WHERE active IS NULL;", "update-without-where", 0);

	expect("CREATE TABLE z (id int);\nCREATE INDEX CONCURRENTLY zi ON z (id);", "concurrently-in-transaction", 1);
	expect("UPDATE t SET a = 1 WHERE a IS NULL;\nVACUUM t;", "concurrently-in-transaction", 1);
	expect("CREATE INDEX CONCURRENTLY a ON t (a);\nDROP INDEX CONCURRENTLY IF EXISTS b;", "concurrently-in-transaction", 0);
	expect("-- stagecoach:no-transaction\nCREATE TABLE z (id int);\nCREATE INDEX CONCURRENTLY zi ON z (id);",
	       "concurrently-in-transaction", 0);
	expect("CREATE INDEX zi ON z (id);\nANALYZE z;", "concurrently-in-transaction", 0);
	expect("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY zi ON z (id);\nRESET lock_timeout;", "concurrently-in-transaction", 0);
	expect("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY zi ON z (id);\nANALYZE z;", "concurrently-in-transaction", 1);
}

static void test_severity_and_counts(void)
{
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("7_mixed.up.sql",
		  "DROP TABLE a;\nCREATE INDEX i ON b (x);\nCREATE TABLE c (id int);\nCREATE INDEX CONCURRENTLY j ON c (id);\n",
		  NULL, &r);
	CHECK_INT(r.n, 3);
	CHECK_INT(r.errors, 1);      /* concurrently-in-transaction */
	CHECK_INT(r.warnings, 2);
	CHECK_INT(r.destructive, 1); /* drop-table */
	CHECK_INT(r.migrations, 1);
	const struct lint_finding *f = find(&r, "drop-table");
	CHECK(f && f->destructive && f->severity == LINT_WARNING && !f->accepted);
	CHECK(f && f->line == 1);
	CHECK(f && f->version == 7);
	f = find(&r, "create-index-non-concurrent");
	CHECK(f && !f->destructive && f->line == 2);
	f = find(&r, "concurrently-in-transaction");
	CHECK(f && f->severity == LINT_ERROR && f->line == 4);
	if (f)
		CHECK_STR(f->message, "CREATE INDEX CONCURRENTLY cannot run inside a transaction, and this migration has 3 other statements");
	f = find(&r, "drop-table");
	if (f) {
		struct buf b = BUF_INIT;
		lint_finding_format(f, "migrations/", &b);
		CHECK_STR(buf_str(&b), "migrations/7_mixed.up.sql:1: drop-table: drops table 'a' and all of its rows "
				      "(hint: stop using the table in a release first; keep a backup; accept with "
				      "'-- stagecoach:allow drop-table')");
		buf_release(&b);
		json_t *jo = lint_finding_json(f, "m/");
		char *j = json_dumps(jo, JSON_COMPACT);
		json_decref(jo);
		CHECK(j && strstr(j, "\"version\":\"7\""));
		CHECK(j && strstr(j, "\"file\":\"m/7_mixed.up.sql\""));
		CHECK(j && strstr(j, "\"rule\":\"drop-table\""));
		CHECK(j && strstr(j, "\"severity\":\"warning\""));
		CHECK(j && strstr(j, "\"destructive\":true"));
		CHECK(j && strstr(j, "\"line\":1"));
		free(j);
	}
	lint_report_release(&r);
}

/* a version is a string as written: "0012" is not 12 (--json's "version") */
static void test_version_text(void)
{
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("0012_drop.up.sql", "DROP TABLE a;\n", NULL, &r);
	const struct lint_finding *f = find(&r, "drop-table");
	CHECK(f != NULL);
	if (f) {
		CHECK_STR(f->version_str, "0012");
		json_t *jo = lint_finding_json(f, NULL);
		CHECK_STR(json_string_value(json_object_get(jo, "version")), "0012");
		json_decref(jo);
	}
	lint_report_release(&r);
}

static void test_syntax(void)
{
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("3_types.up.sql", "-- types\nCREATE TABLE a (id int);\n\nCREATE TYPE IF NOT EXISTS mood AS ENUM ('happy');\n",
		  NULL, &r);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.errors, 1);
	const struct lint_finding *f = find(&r, "syntax");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->line, 4);
		CHECK_STR(f->file, "3_types.up.sql");
		CHECK_STR(f->message, "syntax error at or near \"NOT\"");
		CHECK(strstr(f->hint, "CREATE TYPE IF NOT EXISTS") != NULL);
		CHECK(f->severity == LINT_ERROR);
	}
	lint_report_release(&r);

	/* an allow does not accept a syntax error */
	lint_text("4_bad.up.sql", "-- stagecoach:allow syntax\nSELEC 1;\n", NULL, &r);
	CHECK_INT(r.errors, 1);
	CHECK_INT(count(&r, "syntax", 2), 1);
	lint_report_release(&r);

	/* dbmate: lines are file lines; the down is checked for syntax */
	lint_text("5_dbmate.sql",
		  "-- comment\n-- migrate:up\nCREATE TABLE t (id int);\nDROP TABLE old;\n\n-- migrate:down\nDROP TABLE t;\nDROP TABLEE x;\n",
		  NULL, &r);
	CHECK_INT(count(&r, "drop-table", 4), 1);
	CHECK_INT(count(&r, "drop-table", 0), 1); /* the down is not linted for destructiveness */
	CHECK_INT(count(&r, "syntax", 8), 1);
	lint_report_release(&r);

	/* golang pair: the down file is named */
	char *d = xasprintf("%s/g", tmp_root);
	mkdir(d, 0755);
	put(d, "1_a.up.sql", "CREATE TABLE a (id int);\n");
	put(d, "1_a.down.sql", "\nDROP TABLE a\nDROP TABLE b;\n");
	struct err e = ERR_INIT;
	CHECK_INT(lint_folder(d, NULL, &r, &e), 0);
	CHECK_INT(r.n, 1);
	f = find(&r, "syntax");
	CHECK(f && strcmp(f->file, "1_a.down.sql") == 0 && f->line == 3);
	lint_report_release(&r);
	free(d);
}

static void test_allow(void)
{
	struct lint_report r = LINT_REPORT_INIT;
	/* header: whole migration */
	lint_text("1_a.up.sql", "-- stagecoach:allow drop-table,truncate\nSELECT 1;\nDROP TABLE a;\nTRUNCATE b;\nDROP TYPE c;\n",
		  NULL, &r);
	CHECK_INT(r.n, 3);
	CHECK_INT(r.accepted, 2);
	CHECK_INT(r.destructive, 1);
	CHECK(find(&r, "drop-type") && !find(&r, "drop-type")->accepted);
	CHECK(find(&r, "drop-table") && find(&r, "drop-table")->accepted);
	lint_report_release(&r);

	/* on the line before a statement: that statement only */
	lint_text("2_b.up.sql", "SELECT 1;\n-- stagecoach:allow drop-column\nALTER TABLE a DROP COLUMN x;\nALTER TABLE a DROP COLUMN y;\n",
		  NULL, &r);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.accepted, 1);
	CHECK(r.findings[0].accepted && !r.findings[1].accepted);
	lint_report_release(&r);

	/* trailing, on the statement's line: that statement, not the next one */
	lint_text("3_c.up.sql", "DELETE FROM a; -- stagecoach:allow delete-without-where\nDELETE FROM b;\n", NULL, &r);
	CHECK_INT(r.n, 2);
	CHECK(r.findings[0].accepted && !r.findings[1].accepted);
	lint_report_release(&r);

	/* another rule's allow accepts nothing */
	lint_text("4_d.up.sql", "-- stagecoach:allow drop-column\nDROP TABLE a;\n", NULL, &r);
	CHECK_INT(r.accepted, 0);
	CHECK_INT(r.destructive, 1);
	lint_report_release(&r);

	/* the error rule can be accepted too (the author knows better) */
	lint_text("5_e.up.sql", "CREATE TABLE z (id int);\n-- stagecoach:allow concurrently-in-transaction\nCREATE INDEX CONCURRENTLY zi ON z (id);\n",
		  NULL, &r);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.errors, 0);
	lint_report_release(&r);
}

static void test_existing_tables(void)
{
	char *d = xasprintf("%s/e", tmp_root);
	struct lint_report r = LINT_REPORT_INIT;
	struct err e = ERR_INIT;
	mkdir(d, 0755);
	put(d, "1_users.up.sql", "CREATE TABLE users (id int, email text);\nCREATE INDEX users_email ON users (email);\n");
	put(d, "2_orders.up.sql", "CREATE TABLE orders (id int, user_id int);\n");
	put(d, "3_idx.up.sql", "CREATE INDEX orders_user ON orders (user_id);\nCREATE INDEX legacy_x ON legacy (x);\n");

	/* no database: tables of earlier migrations exist, the same migration's do not */
	CHECK_INT(lint_folder(d, NULL, &r, &e), 0);
	CHECK_INT(r.migrations, 3);
	CHECK_INT(count(&r, "create-index-non-concurrent", 0), 2);
	CHECK_INT(count(&r, "create-index-non-concurrent", 1), 1);
	CHECK_INT(count(&r, "create-index-non-concurrent", 2), 1);
	for (size_t i = 0; i < r.n; i++)
		CHECK_STR(r.findings[i].file, "3_idx.up.sql");
	lint_report_release(&r);

	/* the database has legacy and users; orders is created by a pending migration */
	char *tables[] = { "public.legacy", "public.users", NULL };
	struct lint_options opt = { 1, tables, 0 };
	struct migration *m;
	size_t n;
	CHECK_INT(migrations_discover(d, &m, &n, &e), 0);
	lint_migrations(m + 1, n - 1, &opt, &r); /* 1 is applied, 2 and 3 pending */
	CHECK_INT(count(&r, "create-index-non-concurrent", 0), 1);
	CHECK(strstr(r.findings[0].message, "'legacy'") != NULL);
	CHECK_INT(r.findings[0].migration, 1);
	lint_report_release(&r);

	/* an empty database: nothing exists */
	char *none[] = { NULL };
	struct lint_options empty = { 1, none, 0 };
	lint_migrations(m, n, &empty, &r);
	CHECK_INT(r.n, 0);
	lint_report_release(&r);
	migrations_free(m, n);
	free(d);
}

/* A statement PostgreSQL 15's grammar cannot parse: an error without a
 * server version or on a 15 server, a warning naming a newer one. */
static void test_newer_server(void)
{
	const char *sql = "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);\n"
			  "ALTER TABLE t ALTER COLUMN b SET EXPRESSION AS (a * 3);\n";
	struct lint_report r = LINT_REPORT_INIT;
	lint_text("1_expr.up.sql", sql, NULL, &r);
	CHECK_INT(count(&r, "syntax", 2), 1);
	CHECK_INT(r.errors, 1);
	lint_report_release(&r);
	struct lint_options pg15 = { 0, NULL, 150004 };
	lint_text("1_expr.up.sql", sql, &pg15, &r);
	CHECK_INT(r.errors, 1);
	lint_report_release(&r);
	struct lint_options pg17 = { 0, NULL, 170002 };
	lint_text("1_expr.up.sql", sql, &pg17, &r);
	CHECK_INT(count(&r, "syntax", 2), 1);
	CHECK_INT(r.errors, 0);
	CHECK_INT(r.warnings, 1);
	CHECK(r.n == 1 && r.findings[0].severity == LINT_WARNING);
	CHECK(r.n == 1 && strstr(r.findings[0].message, "PostgreSQL 17") != NULL);
	lint_report_release(&r);
}

static void test_real_world(void)
{
	/* what real folders hold must not give false findings */
	expect_clean("-- enable extensions\nCREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\n");
	expect_clean("CREATE TABLE accounts (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  email text NOT NULL UNIQUE,\n"
		     "  created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX accounts_created ON accounts (created_at);\n"
		     "COMMENT ON TABLE accounts IS 'users; really';\n");
	expect_clean("DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n"
		     "    CREATE TYPE mood AS ENUM ('happy', 'sad');\n  END IF;\nEND\n$$;\n");
	expect_clean("CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger\nLANGUAGE plpgsql AS $fn$\nBEGIN\n"
		     "  NEW.updated_at := now(); -- ; in a comment\n  DELETE FROM audit; -- inside plpgsql: not parsed as SQL\n"
		     "  RETURN NEW;\nEND;\n$fn$;\n"
		     "CREATE TABLE t (id int, updated_at timestamptz);\n"
		     "CREATE TRIGGER t_updated BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_updated_at();\n");
	expect_clean("/* block /* nested */ comment */\nCREATE TABLE \"Order\" (\"id\" SERIAL NOT NULL, CONSTRAINT \"Order_pkey\" PRIMARY KEY (\"id\"));\n"
		     "ALTER TABLE \"Order\" ADD COLUMN \"total\" INTEGER NOT NULL;\n");
	expect_clean("INSERT INTO settings (k, v) VALUES ('a', 'DROP TABLE x; TRUNCATE y');\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;\n"
		     "ALTER TABLE settings ADD COLUMN note text;\nCREATE POLICY p ON settings USING (true);\n");
	expect_clean("CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON a (b);\n");
	expect_clean("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE t (id int);\n"
		     "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n"
		     "CREATE FUNCTION two() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
		     "SELECT E'it\\'s; fine', U&'d\\0061t\\+000061', $a$ outer $b$ inner; $b$ still; $a$;\n"
		     "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'b';\n");
	expect_clean("");
	expect_clean("-- only a comment\n");
}

int main(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/sc-unit-lint-%d", (int)getpid());
	mkdir(tmp_root, 0755);
	test_rules();
	test_severity_and_counts();
	test_syntax();
	test_version_text();
	test_allow();
	test_existing_tables();
	test_real_world();
	test_newer_server();
	char *cmd[] = { "rm", "-rf", tmp_root, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", cmd);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return unit_done();
}
