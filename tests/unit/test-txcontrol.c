/* Unit tests of steps/txcontrol.c: a migration's own BEGIN/COMMIT/END/
 * ROLLBACK in any case is found with its line; the same words inside
 * strings, dollar quotes, comments, DO blocks, function bodies and BEGIN
 * ATOMIC bodies are not; savepoints are not.  And the lint's
 * "transaction-control" error: on ups and downs, not on no-transaction
 * files, never accepted by an allow comment. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>

#include "unit.h"
#include "steps/lint.h"
#include "steps/txcontrol.h"
#include "lib/util.h"

/* sql's first transaction control is `what` at `line` (what NULL: none) */
static void expect(const char *sql, const char *what, int line)
{
	struct err e = ERR_INIT;
	int got_line = -1;
	const char *got = NULL;
	int rc = txcontrol_find(sql, "x.sql", 1, &got_line, &got, &e);
	if (rc < 0)
		fprintf(stderr, "for: %s\n  error: %s\n", sql, e.msg);
	CHECK_INT(rc, what ? 1 : 0);
	if ((what && !got) || (!what && got) || (what && got && strcmp(what, got) != 0))
		fprintf(stderr, "for: %s\n", sql);
	CHECK_STR(got, what);
	if (what)
		CHECK_INT(got_line, line);
}

static void test_found(void)
{
	expect("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "BEGIN", 1);
	expect("CREATE TABLE a (id int);\ncommit;\n", "COMMIT", 2);
	expect("-- header\n\nbegin transaction isolation level serializable;\nselect 1;\nend;\n", "BEGIN", 3);
	expect("select 1;\nEnD;\n", "END", 2);
	expect("select 1;\n  Begin Work ;\n", "BEGIN", 2);
	expect("START TRANSACTION;\nSELECT 1;\n", "START TRANSACTION", 1);
	expect("SELECT 1; ROLLBACK;", "ROLLBACK", 1);
	expect("SELECT 1;\nabort;", "ABORT", 2);
	expect("SELECT 1;\nCOMMIT AND CHAIN;", "COMMIT", 2);
	expect("SELECT 1;\n/* comment */ COMMIT;", "COMMIT", 2);
	expect("SELECT 1;\nPREPARE TRANSACTION 'x';", "PREPARE TRANSACTION", 2);
	expect("COMMIT PREPARED 'x';", "COMMIT PREPARED", 1);
	expect("ROLLBACK PREPARED 'x';", "ROLLBACK PREPARED", 1);
	/* without a final semicolon, after a body holding the words */
	expect("DO $$ BEGIN PERFORM 1; END $$;\nCOMMIT", "COMMIT", 2);
	/* line counted from the section's first line */
	struct err e = ERR_INIT;
	int line;
	const char *what;
	CHECK_INT(txcontrol_find("SELECT 1;\n\nCOMMIT;\n", "x.sql", 7, &line, &what, &e), 1);
	CHECK_INT(line, 9);
}

static void test_not_found(void)
{
	expect("", NULL, 0);
	expect("-- only a comment: BEGIN; COMMIT;\n", NULL, 0);
	expect("/* BEGIN; */ SELECT 1; /* COMMIT; */", NULL, 0);
	expect("INSERT INTO t VALUES ('BEGIN; COMMIT;');", NULL, 0);
	expect("INSERT INTO t VALUES (E'it''s \\' ; COMMIT; ');", NULL, 0);
	expect("SELECT $x$ ; COMMIT; $x$;", NULL, 0);
	expect("DO $$ BEGIN RAISE NOTICE 'x'; END $$;", NULL, 0);
	expect("DO $$\nBEGIN\n  COMMIT;\nEND\n$$;", NULL, 0);
	expect("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN 1;\nEND;\n$fn$;\n", NULL, 0);
	expect("CREATE PROCEDURE p() LANGUAGE plpgsql AS 'BEGIN COMMIT; END';", NULL, 0);
	expect("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;", NULL, 0);
	expect("CREATE PROCEDURE q() LANGUAGE sql BEGIN ATOMIC\n  INSERT INTO t VALUES (1);\n  INSERT INTO t VALUES (2);\nEND;",
	       NULL, 0);
	expect("SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\nRELEASE SAVEPOINT a;\n", NULL, 0);
	expect("PREPARE p AS SELECT 1;\nEXECUTE p;\nDEALLOCATE p;", NULL, 0);
	expect("SELECT 1 AS \"begin\", 2 AS \"commit\";", NULL, 0);
	expect("CREATE TABLE commits (\"end\" int, rollback_reason text);", NULL, 0);
	expect("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));", NULL, 0);
	expect("COMMENT ON TABLE t IS 'run BEGIN then COMMIT';", NULL, 0);
}

static void test_syntax(void)
{
	struct err e = ERR_INIT;
	int line;
	const char *what;
	CHECK_INT(txcontrol_find("SELECT 1;\nCOMMIT;\nSELEC 2;\n", "f.sql", 1, &line, &what, &e), -SC_EUSAGE);
	CHECK(strstr(e.msg, "f.sql:3:") != NULL);
}

static char tmp_root[256];

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

static const struct lint_finding *find(const struct lint_report *r, const char *rule, const char *file)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].rule, rule) == 0 && strcmp(r->findings[i].file, file) == 0)
			return &r->findings[i];
	return NULL;
}

static void test_lint(void)
{
	char *d = xasprintf("%s/lint", tmp_root);
	mkdir(d, 0755);
	put(d, "1_a.up.sql", "CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n");
	put(d, "1_a.down.sql", "DROP TABLE b;\nDROP TABLE a;\n");
	put(d, "2_b.up.sql", "-- stagecoach:allow transaction-control\nBEGIN;\nSELECT 1;\nEND;\n");
	put(d, "3_c.up.sql", "-- stagecoach:no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;\n");
	put(d, "3_c.down.sql", "SELECT 1;\n");
	put(d, "4_d.up.sql", "SELECT 1;\n");
	put(d, "4_d.down.sql", "-- the down\nBEGIN;\nSELECT 2;\nCOMMIT;\n");
	put(d, "5_e.sql", "-- migrate:up\nSELECT 1;\n\n-- migrate:down\nSELECT 2;\nROLLBACK;\n");
	put(d, "6_f.sql", "-- migrate:up transaction:false\nBEGIN;\nSELECT 1;\nCOMMIT;\n-- migrate:down\nSELECT 2;\n");
	put(d, "7_g.up.sql", "DO $$ BEGIN PERFORM 1; COMMIT; END $$;\n");
	struct lint_report r = LINT_REPORT_INIT;
	struct err e = ERR_INIT;
	CHECK_INT(lint_folder(d, NULL, &r, &e), 0);
	const struct lint_finding *f = find(&r, "transaction-control", "1_a.up.sql");
	CHECK(f && f->line == 2 && f->severity == LINT_ERROR && !f->accepted);
	/* an allow comment does not accept it */
	f = find(&r, "transaction-control", "2_b.up.sql");
	CHECK(f && f->line == 2 && !f->accepted);
	CHECK(find(&r, "transaction-control", "3_c.up.sql") == NULL);
	f = find(&r, "transaction-control", "4_d.down.sql");
	CHECK(f && f->line == 2);
	f = find(&r, "transaction-control", "5_e.sql");
	CHECK(f && f->line == 6);
	CHECK(find(&r, "transaction-control", "6_f.sql") == NULL);
	CHECK(find(&r, "transaction-control", "7_g.up.sql") == NULL);
	size_t n = 0;
	for (size_t i = 0; i < r.n; i++)
		n += strcmp(r.findings[i].rule, "transaction-control") == 0;
	if (n != 6)
		for (size_t i = 0; i < r.n; i++)
			fprintf(stderr, "  %s:%d: %s\n", r.findings[i].file, r.findings[i].line, r.findings[i].rule);
	CHECK_INT(n, 6); /* every such statement, each with its line */
	lint_report_release(&r);
	free(d);
}

int main(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/sc-unit-txcontrol-%d", (int)getpid());
	mkdir(tmp_root, 0755);
	test_found();
	test_not_found();
	test_syntax();
	test_lint();
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
