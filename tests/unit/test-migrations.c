/* Unit tests of steps/migrations.c: layouts, ordering, errors, markers,
 * statement splitting and the no-transaction decision. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdio.h>

#include "unit.h"
#include "steps/migrations.h"
#include "lib/util.h"

static char tmp_root[256];
static int tmp_seq;

static char *mkfolder(void)
{
	char *d = xasprintf("%s/f%d", tmp_root, ++tmp_seq);
	mkdir(d, 0755);
	return d;
}

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);
	char *slash = strrchr(p, '/');
	if (slash && strchr(name, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_layouts(void)
{
	char *d = mkfolder();
	struct migration *m;
	size_t n;
	struct err e = ERR_INIT;

	put(d, "README.md", "not a migration");
	put(d, "migration_lock.toml", "provider = \"postgresql\"");
	put(d, "10_add_orders.up.sql", "CREATE TABLE orders (id int);\n");
	put(d, "10_add_orders.down.sql", "DROP TABLE orders;\n");
	put(d, "9_users.sql", "-- a dbmate file\n-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n");
	put(d, "20230101000000_init/migration.sql", "CREATE TABLE p (id int);\n");
	put(d, "2_no_down.up.sql", "SELECT 1;\n");
	CHECK_INT(migrations_discover(d, &m, &n, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(n, 4);
	if (n == 4) {
		/* numeric order: 2 < 9 < 10 < 20230101000000 */
		CHECK_INT(m[0].version, 2);
		CHECK_INT(m[1].version, 9);
		CHECK_INT(m[2].version, 10);
		CHECK_INT(m[3].version, 20230101000000LL);
		CHECK_INT(m[0].layout, MIGRATION_GOLANG);
		CHECK(m[0].down_sql == NULL);
		CHECK_INT(m[1].layout, MIGRATION_DBMATE);
		CHECK_STR(m[1].name, "users");
		CHECK_STR(m[1].file, "9_users.sql");
		CHECK_STR(m[1].up_sql, "CREATE TABLE users (id int);\n\n");
		CHECK_INT(m[1].up_line, 3);
		CHECK_STR(m[1].down_sql, "DROP TABLE users;\n");
		CHECK_INT(m[1].down_line, 6);
		CHECK_STR(m[1].down_file, "9_users.sql");
		CHECK_INT(m[2].layout, MIGRATION_GOLANG);
		CHECK_STR(m[2].name, "add_orders");
		CHECK_STR(m[2].file, "10_add_orders.up.sql");
		CHECK_STR(m[2].down_file, "10_add_orders.down.sql");
		CHECK_STR(m[2].down_sql, "DROP TABLE orders;\n");
		CHECK_STR(m[2].version_str, "10");
		CHECK_INT(m[3].layout, MIGRATION_PRISMA);
		CHECK_STR(m[3].file, "20230101000000_init/migration.sql");
		CHECK_STR(m[3].name, "init");
		CHECK(m[3].down_sql == NULL);
		char sum[65];
		sha256_hex(m[3].up_sql, strlen(m[3].up_sql), sum);
		CHECK_STR(m[3].checksum, sum);
		CHECK(m[3].up_path && ends_with(m[3].up_path, "20230101000000_init/migration.sql"));
	}
	migrations_free(m, n);
	free(d);
}

static void expect_error(const char *what, const char *name1, const char *text1, const char *name2,
			 const char *text2, const char *want)
{
	char *d = mkfolder();
	struct migration *m = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	put(d, name1, text1);
	if (name2)
		put(d, name2, text2);
	int r = migrations_discover(d, &m, &n, &e);
	CHECK_INT(r, -SC_EUSAGE);
	CHECK_INT(e.code, SC_EUSAGE);
	if (!strstr(e.msg, want))
		fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", what, e.msg, want);
	CHECK(strstr(e.msg, want) != NULL);
	CHECK(m == NULL && n == 0);
	free(d);
}

static void test_errors(void)
{
	expect_error("duplicate", "1_a.up.sql", "SELECT 1;", "001_b.sql", "-- migrate:up\nSELECT 1;",
		     "duplicate migration version 1");
	expect_error("down alone", "3_a.down.sql", "DROP TABLE a;", NULL, NULL, "3_a.down.sql: down migration without");
	expect_error("dbmate no up", "5_x.sql", "CREATE TABLE x (id int);\n-- migrate:down\nDROP TABLE x;\n", NULL, NULL,
		     "5_x.sql: no '-- migrate:up' line");
	{
		/* NUL content */
		char *d = mkfolder();
		char *p = path_join(d, "7_bin.up.sql");
		FILE *f = fopen(p, "w");
		fwrite("SELECT\0 1;", 1, 10, f);
		fclose(f);
		struct migration *m;
		size_t n;
		struct err e = ERR_INIT;
		CHECK_INT(migrations_discover(d, &m, &n, &e), -SC_EUSAGE);
		CHECK(strstr(e.msg, "7_bin.up.sql:1: holds NUL bytes") != NULL);
		free(p);
		free(d);
	}
	{
		char *d = mkfolder();
		put(d, "8_latin1.up.sql", "SELECT '\xe9t\xe9';");
		struct migration *m;
		size_t n;
		struct err e = ERR_INIT;
		CHECK_INT(migrations_discover(d, &m, &n, &e), -SC_EUSAGE);
		CHECK(strstr(e.msg, "8_latin1.up.sql:1: is not valid UTF-8 (byte 0xe9") != NULL);
		free(d);
	}
	expect_error("prisma folder without file", "20240101_x/notes.txt", "hi", NULL, NULL,
		     "20240101_x/: folder has no 'migration.sql'");
	{
		struct migration *m;
		size_t n;
		struct err e = ERR_INIT;
		CHECK_INT(migrations_discover("/nonexistent/folder", &m, &n, &e), -SC_EUSAGE);
		CHECK(strstr(e.msg, "/nonexistent/folder") != NULL);
	}
	{
		/* an empty folder is no migrations, not an error */
		char *d = mkfolder();
		struct migration *m = (struct migration *)1;
		size_t n = 9;
		struct err e = ERR_INIT;
		CHECK_INT(migrations_discover(d, &m, &n, &e), 0);
		CHECK(m == NULL);
		CHECK_INT(n, 0);
		free(d);
	}
}

/* Supabase and Flyway folders, read in place; what no tool would apply is
 * a note, not an error. */
static void test_supabase_flyway(void)
{
	char *d = mkfolder();
	struct migration *m;
	size_t n;
	char **ignored = NULL;
	struct err e = ERR_INIT;
	put(d, "20240101000000_init.sql", "create table a (id int);\n");
	put(d, "20240102000000_b.sql", "create table b (id int);\n-- not a marker: migrate:down\n");
	put(d, "seed.sql", "insert into a values (1);\n");
	put(d, ".gitkeep", "");
	put(d, "README.md", "x");
	CHECK_INT(migrations_discover_notes(d, &m, &n, &ignored, &e), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(m[0].layout, MIGRATION_SUPABASE);
		CHECK_STR(m[0].up_sql, "create table a (id int);\n");
		CHECK(m[0].down_sql == NULL);
		CHECK_STR(m[1].name, "b");
	}
	CHECK_INT((int)strv_len(ignored), 3);
	CHECK(ignored && strstr(ignored[0], "ignored") != NULL);
	strv_free(ignored);
	migrations_free(m, n);
	free(d);

	d = mkfolder();
	put(d, "V1__init.sql", "CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\n");
	put(d, "V1.10__ten.sql", "SELECT 10;\n");
	put(d, "V1_2__two.sql", "SELECT 2;\n");
	put(d, "U1.2__two.sql", "SELECT -2;\n");
	put(d, "R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
	put(d, "afterMigrate.sql", "SELECT 0;\n");
	CHECK_INT(migrations_discover_notes(d, &m, &n, &ignored, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_STR(m[0].version_str, "1");
		CHECK_STR(m[1].version_str, "1.2");
		CHECK_STR(m[1].name, "two");
		CHECK_STR(m[1].down_sql, "SELECT -2;\n");
		CHECK_STR(m[2].version_str, "1.10");
		CHECK_INT(m[3].repeatable, 1);
		CHECK_STR(m[3].version_str, "R__views");
		CHECK_INT(m[0].layout, MIGRATION_FLYWAY);
		/* java.util.zip.CRC32 over "CREATE TABLE a (id int);CREATE TABLE b (id int);" */
		CHECK_INT(m[0].flyway_checksum, migration_flyway_checksum("CREATE TABLE a (id int);\nCREATE TABLE b (id int);", 49));
	}
	CHECK_INT((int)strv_len(ignored), 1);
	strv_free(ignored);
	migrations_free(m, n);
	free(d);

	/* known values of CRC-32 (zlib's crc32 of "123456789" is 0xCBF43926) */
	CHECK_INT(migration_flyway_checksum("123456789", 9), (int)0xCBF43926u);
	CHECK_INT(migration_flyway_checksum("1234\n56789\n", 11), (int)0xCBF43926u);
	CHECK_INT(migration_flyway_checksum("\xEF\xBB\xBF" "1234\r\n56789", 14), (int)0xCBF43926u);
	CHECK(migration_version_cmp("1.2", "1.10") < 0);
	CHECK(migration_version_cmp("0001", "1") == 0);
	CHECK(migration_version_cmp("1", "1.0") == 0);
	CHECK(migration_version_cmp("20240101000000", "9") > 0);
	CHECK(migration_version_cmp("R__a", "999") > 0);
}

static void test_markers(void)
{
	char *d = mkfolder();
	struct migration *m;
	size_t n;
	struct err e = ERR_INIT;
	put(d, "1_marker.up.sql",
	    "-- stagecoach:no-transaction\n-- stagecoach:allow drop-table, Cascade\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP TABLE x;\n"
	    "-- stagecoach:allow truncate\nTRUNCATE y;\n");
	put(d, "2_dbmate_tx.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY j ON t (b);\n"
				  "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY j;\n");
	put(d, "3_only_concurrent.up.sql", "-- index\nCREATE INDEX CONCURRENTLY k ON t (c);\n"
					  "DROP INDEX CONCURRENTLY IF EXISTS old;\n");
	put(d, "3_only_concurrent.down.sql", "DROP INDEX CONCURRENTLY k;\n");
	put(d, "4_mixed.up.sql", "CREATE TABLE z (id int);\nCREATE INDEX CONCURRENTLY l ON z (id);\n");
	put(d, "5_vacuum.up.sql", "VACUUM ANALYZE t;\n");
	put(d, "6_analyze.up.sql", "ANALYZE t;\n");
	put(d, "7_comment_mentions.up.sql", "-- not concurrently, not vacuum\nCREATE TABLE w (id int);\n");
	put(d, "8_reindex.up.sql", "REINDEX INDEX CONCURRENTLY k;\n");
	put(d, "9_syntax.up.sql", "CREATE INDEX CONCURRENTLY ON;\n");
	put(d, "10_set.up.sql", "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY m ON t (d);\n");
	put(d, "11_set_only.up.sql", "-- vacuum later\nSET lock_timeout = '1s';\n");
	CHECK_INT(migrations_discover(d, &m, &n, &e), 0);
	CHECK_INT(n, 11);
	if (n == 11) {
		CHECK_INT(m[0].no_transaction, 1);
		CHECK_INT(m[0].no_transaction_marker, 1);
		CHECK(migration_allows(&m[0], "drop-table"));
		CHECK(migration_allows(&m[0], "cascade"));
		/* an allow after the first statement is not migration-wide */
		CHECK(!migration_allows(&m[0], "truncate"));
		CHECK_INT(m[1].no_transaction, 1);
		CHECK_INT(m[1].no_transaction_marker, 1);
		CHECK_INT(m[1].down_no_transaction, 1);
		CHECK_INT(m[2].no_transaction, 1);
		CHECK_INT(m[2].no_transaction_marker, 0);
		CHECK_INT(m[2].down_no_transaction, 1);
		CHECK_INT(m[3].no_transaction, 0);
		CHECK_INT(m[4].no_transaction, 1);
		CHECK_INT(m[5].no_transaction, 0);
		CHECK_INT(m[6].no_transaction, 0);
		CHECK_INT(m[7].no_transaction, 1);
		CHECK_INT(m[8].no_transaction, 0); /* does not parse: the lint says so */
		CHECK_INT(m[9].no_transaction, 1);  /* SET is neutral */
		CHECK_INT(m[10].no_transaction, 0); /* only SET: nothing needs it */
	}
	migrations_free(m, n);
	free(d);
}

static void test_split(void)
{
	struct sql_stmt *s;
	size_t n;
	struct err e = ERR_INIT;
	const char *sql = "-- header\n"
			  "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.a := 1; -- ; inside\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
			  "\n/* block ; comment */\nDO $body$ BEGIN PERFORM 1; END $body$;\n"
			  "INSERT INTO t VALUES ('a;b');\n"
			  "CREATE INDEX CONCURRENTLY i ON t (a)";
	CHECK_INT(sql_split(sql, "x.sql", 10, &s, &n, &e), 0);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_INT(s[0].line, 11);
		CHECK(starts_with(s[0].sql, "CREATE FUNCTION f()"));
		CHECK(ends_with(s[0].sql, "LANGUAGE plpgsql"));
		CHECK_INT(s[1].line, 19);
		CHECK_STR(s[1].sql, "DO $body$ BEGIN PERFORM 1; END $body$");
		CHECK_INT(s[2].line, 20);
		CHECK_STR(s[2].sql, "INSERT INTO t VALUES ('a;b')");
		CHECK_INT(s[3].line, 21);
		CHECK_INT(s[3].no_transaction, 1);
		CHECK_INT(s[2].no_transaction, 0);
	}
	sql_stmts_free(s, n);

	/* syntax error: FILE:LINE, counted from first_line */
	CHECK_INT(sql_split("SELECT 1;\n\nCREATE TYPE IF NOT EXISTS mood AS ENUM ('a');\n", "0003_x.up.sql", 1, &s, &n, &e),
		  -SC_EUSAGE);
	CHECK_STR(e.msg, "0003_x.up.sql:3: syntax error at or near \"NOT\"");
	err_clear(&e);
	CHECK_INT(sql_split("SELECT 'é';\nSELECT 'ü' +", "u.sql", 5, &s, &n, &e), -SC_EUSAGE);
	CHECK_STR(e.msg, "u.sql:6: syntax error at end of input");
	err_clear(&e);
	CHECK_INT(sql_split("-- nothing here\n", "c.sql", 1, &s, &n, &e), 0);
	CHECK_INT(n, 0);
	sql_stmts_free(s, n);

	CHECK_INT(sql_no_transaction("CREATE INDEX CONCURRENTLY i ON t (a)"), 1);
	CHECK_INT(sql_no_transaction("CREATE INDEX i ON t (a)"), 0);
	CHECK_INT(sql_no_transaction("DROP INDEX CONCURRENTLY i"), 1);
	CHECK_INT(sql_no_transaction("DROP INDEX i"), 0);
	CHECK_INT(sql_no_transaction("REINDEX TABLE CONCURRENTLY t"), 1);
	CHECK_INT(sql_no_transaction("REINDEX TABLE t"), 0);
	CHECK_INT(sql_no_transaction("VACUUM t"), 1);
	CHECK_INT(sql_no_transaction("ANALYZE t"), 0);
	CHECK_INT(sql_no_transaction("CREATE DATABASE d"), 1);
	CHECK_INT(sql_no_transaction("ALTER SYSTEM SET work_mem = '8MB'"), 1);
	CHECK_INT(sql_no_transaction("ALTER TABLE t DETACH PARTITION p CONCURRENTLY"), 1);
	CHECK_INT(sql_no_transaction("REFRESH MATERIALIZED VIEW CONCURRENTLY v"), 0);
	CHECK_INT(sql_no_transaction("SELECT 'CREATE INDEX CONCURRENTLY'"), 0);
	CHECK_INT(sql_no_transaction("not sql"), 0);
}

static void test_load_file(void)
{
	char *d = mkfolder();
	struct migration m;
	struct err e = ERR_INIT;
	put(d, "42_x.up.sql", "CREATE TABLE x (id int);\n");
	put(d, "42_x.down.sql", "DROP TABLE x;\n");
	put(d, "plain.sql", "SELECT 1;\n");
	char *p = path_join(d, "42_x.up.sql");
	CHECK_INT(migration_load_file(p, "m/42_x.up.sql", &m, &e), 0);
	CHECK_INT(m.layout, MIGRATION_GOLANG);
	CHECK_INT(m.version, 42);
	CHECK_STR(m.down_file, "m/42_x.down.sql");
	CHECK_STR(m.down_sql, "DROP TABLE x;\n");
	migration_release(&m);
	free(p);
	p = path_join(d, "plain.sql");
	CHECK_INT(migration_load_file(p, "plain.sql", &m, &e), 0);
	CHECK_INT(m.layout, MIGRATION_PLAIN);
	CHECK_STR(m.up_sql, "SELECT 1;\n");
	migration_release(&m);
	free(p);
	p = path_join(d, "42_x.down.sql");
	CHECK_INT(migration_load_file(p, "42_x.down.sql", &m, &e), 0);
	CHECK_STR(m.up_sql, "");
	CHECK_STR(m.down_sql, "DROP TABLE x;\n");
	migration_release(&m);
	free(p);
	free(d);
}

int main(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/sc-unit-migrations-%d", (int)getpid());
	mkdir(tmp_root, 0755);
	test_layouts();
	test_errors();
	test_supabase_flyway();
	test_markers();
	test_split();
	test_load_file();
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
