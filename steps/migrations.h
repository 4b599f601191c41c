/*
 * migrations: the migration folder, as a pure model (no database).
 * Discovery reads one folder holding any mix of these layouts:
 *
 *   VERSION_name.up.sql [+ VERSION_name.down.sql]       golang-migrate
 *   VERSION_name.sql with "-- migrate:up" / "-- migrate:down"   dbmate
 *   VERSION_name/migration.sql                          Prisma (up only)
 *   VERSION_name.sql without dbmate markers             Supabase (up only;
 *       VERSION 14 digits, or any digits in a folder named supabase/migrations)
 *   VVERSION__desc.sql [+ UVERSION__desc.sql], R__desc.sql   Flyway (VERSION
 *       may be dotted, 1.2.3 or 1_2_3; R__ files are repeatable)
 *
 * VERSION is the leading digits (Flyway: dotted); migrations come out sorted
 * by numeric version (component by component), repeatable ones last, by
 * name.  Errors (all SC_EUSAGE, naming the file): a duplicate version, a
 * down without its up, a dbmate file with "-- migrate:down" but without
 * "-- migrate:up", a file holding NUL bytes or invalid UTF-8.  What no tool
 * would apply (README.md, .gitkeep, migration_lock.toml, seed.sql, a folder
 * without a version) is not an error: migrations_discover_notes() lists it.
 *
 * Discovery does not fail on invalid SQL: that is the lint's finding
 * ("syntax").  It does parse a migration whose text mentions CONCURRENTLY,
 * VACUUM, DATABASE or SYSTEM, to tell whether all of its statements must run
 * outside a transaction.
 *
 * SQL statements are split with libpg_query (the PostgreSQL 15 grammar), so
 * dollar quoting, DO blocks, plpgsql bodies and comments are handled as the
 * server handles them.
 *
 * Ownership: migrations_discover() returns an array the caller frees with
 * migrations_free(); every string in it is owned by the array.
 */
#ifndef SC_MIGRATIONS_H
#define SC_MIGRATIONS_H

#include <stddef.h>
#include "../lib/err.h"

enum migration_layout {
	MIGRATION_GOLANG = 1, /* VERSION_name.up.sql / .down.sql */
	MIGRATION_DBMATE,     /* VERSION_name.sql with -- migrate:up / -- migrate:down */
	MIGRATION_PRISMA,     /* VERSION_name/migration.sql */
	MIGRATION_PLAIN,      /* a lone .sql file given to `lint FILE` (migration_load_file only) */
	MIGRATION_SUPABASE,   /* VERSION_name.sql without markers (supabase/migrations) */
	MIGRATION_FLYWAY,     /* VVERSION__desc.sql [+ UVERSION__desc.sql], R__desc.sql */
};

/* "golang-migrate", "dbmate", "prisma", "plain", "supabase", "flyway" */
const char *migration_layout_name(enum migration_layout l);

struct migration {
	long long version;
	char *version_str;   /* the digits as written: "20250712093000", "0001" */
	char *name;          /* what follows "VERSION_": "add_users" ("" when none) */
	char *file;          /* up file relative to the folder, for messages:
			      * "0001_init.up.sql", "20230101_init/migration.sql" */
	char *up_path;       /* path of the file holding the up SQL (folder joined) */
	char *up_sql;        /* the up SQL (for dbmate: the up section only) */
	int up_line;         /* 1-based line of the file where up_sql starts */
	char *down_file;     /* file of the down SQL relative to the folder, NULL when none */
	char *down_path;     /* NULL when none */
	char *down_sql;      /* NULL when none */
	int down_line;       /* 1-based line of down_file where down_sql starts */
	int down_no_transaction; /* the same as no_transaction, for the down SQL
				  * (dbmate's "-- migrate:down transaction:false",
				  * the marker in the down file, or all statements) */
	char checksum[65];   /* sha256 hex of up_sql */
	int no_transaction;  /* run statement by statement outside a transaction:
			      * the marker, or every statement requires it */
	int no_transaction_marker; /* "-- stagecoach:no-transaction" or dbmate's
				    * "-- migrate:up transaction:false" is present */
	enum migration_layout layout;
	int repeatable;      /* Flyway's R__desc.sql: version_str is "R__desc",
			      * re-applied whenever its checksum changes */
	int flyway_checksum; /* Flyway's CRC32 of the up file (Flyway layout only) */
	char **allow;        /* rules accepted for the whole migration by
			      * "-- stagecoach:allow RULE[,RULE]" in its first lines
			      * (the comment lines before the first statement);
			      * NULL-terminated, NULL when none */
};

/*
 * Discover the migrations of folder dir.  Returns 0 with *out (sorted by
 * version, *n entries; *out is NULL when *n is 0), or -SC_EUSAGE with e
 * filled ("FILE: ..."), or -SC_EUSAGE when dir cannot be read.
 */
int migrations_discover(const char *dir, struct migration **out, size_t *n, struct err *e);
/* The same, and *ignored (when not NULL) is a NULL-terminated list (strv,
 * free with strv_free; NULL when none) of "NAME: why" for every entry of the
 * folder that no tool would apply. */
int migrations_discover_notes(const char *dir, struct migration **out, size_t *n, char ***ignored,
			      struct err *e);
void migrations_free(struct migration *m, size_t n);

/* Order of two version strings: numeric, component by component ("1.2" <
 * "1.10", "0001" = "1", "1" = "1.0"); repeatable ones ("R__x") after every
 * versioned one, by name.  <0, 0, >0. */
int migration_version_cmp(const char *a, const char *b);

/* Flyway's checksum of a file's text: CRC-32 over the UTF-8 bytes of each
 * line without its line ending (\n, \r\n or \r), a leading byte order mark
 * left out, as a signed 32-bit integer. */
int migration_flyway_checksum(const char *text, size_t len);

/*
 * Load one file as a migration (for `lint FILE`): its layout is guessed from
 * its name and content as in discovery; a .sql file that matches no layout
 * is MIGRATION_PLAIN (version 0, the whole file is the up SQL).  display is
 * the name used in messages (copied).  Returns 0, or -SC_EUSAGE.  Release
 * with migration_release().
 */
int migration_load_file(const char *path, const char *display, struct migration *out, struct err *e);
void migration_release(struct migration *m);

/* One statement of a migration, as split by the PostgreSQL grammar. */
struct sql_stmt {
	char *sql;           /* the statement's text from its first token, without
			      * the final ';' (leading comments are skipped) */
	int line;            /* 1-based line within the file */
	int no_transaction;  /* must run outside a transaction (see sql_no_transaction) */
};

/*
 * Split sql into statements.  first_line is the file line where sql starts
 * (migration.up_line), file the name used in messages.  Returns 0 with *out
 * (*n entries, free with sql_stmts_free), or, on a syntax error, -SC_EUSAGE
 * with e = "FILE:LINE: syntax error at or near ...".  An empty text (only
 * comments) gives 0 statements.
 */
int sql_split(const char *sql, const char *file, int first_line, struct sql_stmt **out, size_t *n,
	      struct err *e);
void sql_stmts_free(struct sql_stmt *s, size_t n);

/*
 * 1 when the single statement sql cannot run inside a transaction block,
 * decided from its parse tree: CREATE INDEX CONCURRENTLY, DROP INDEX
 * CONCURRENTLY, REINDEX ... CONCURRENTLY, VACUUM, CREATE/DROP DATABASE,
 * ALTER SYSTEM, CREATE/DROP TABLESPACE, ALTER TYPE ... ADD VALUE is NOT in
 * the list (PostgreSQL 12+ allows it in a transaction).  0 otherwise, and 0
 * when sql does not parse.
 */
int sql_no_transaction(const char *sql);

/* Whether rule is accepted for the whole migration m. */
int migration_allows(const struct migration *m, const char *rule);

/*
 * Lower level, for the lint.  The JSON trees are jansson's json_t (freed
 * with json_decref by the caller).
 */
struct json_t;
/* pg_query_parse of sql into a JSON tree; a syntax error is -SC_EUSAGE with
 * e = "FILE:LINE: message" (the line counted from first_line). */
int sql_parse_json(const char *sql, const char *file, int first_line, struct json_t **tree, struct err *e);
/* The bytes [*start, *end) of sql holding the statement raw (an element of
 * the tree's "stmts"), leading comments and trailing blanks left out. */
int sql_stmt_bounds(const char *sql, size_t sqllen, const struct json_t *raw, size_t *start, size_t *end);
/* A statement's place in a text: [start, end) (leading comments and
 * blanks, the final ';' left out) and its 1-based line in the file. */
struct sql_span {
	size_t start, end;
	int line;
};
/* Split sql with the PostgreSQL grammar (pg_query_split_with_parser: no
 * parse tree is built, so a 5 MB seed file is cheap).  Returns 0 with *out
 * (free()), or -SC_EUSAGE with e = "FILE:LINE: message". */
int sql_spans(const char *sql, const char *file, int first_line, struct sql_span **out, size_t *n, struct err *e);
/* The parse tree node ("stmt") of the one statement sql[start, end), NULL
 * when it does not parse; the caller json_decref()s it. */
struct json_t *sql_stmt_parse(const char *sql, size_t start, size_t end);
/* Statements that run as well outside a transaction as inside (SET, RESET):
 * they neither make a migration transactional nor mix with CONCURRENTLY. */
extern const char *const sql_neutral_words[];
/* Whether the statement's first word (lowercased) is one of words. */
int sql_first_word_is(const char *sql, size_t start, size_t end, const char *const *words);
/* What a statement node (raw's "stmt") is when it cannot run in a
 * transaction ("CREATE INDEX CONCURRENTLY", "VACUUM", ...), else NULL. */
const char *sql_no_transaction_node(const struct json_t *stmt);
/* Add to *rules the rules named after "stagecoach:allow" at p (up to the
 * end of the line), lowercased, without duplicates. */
void migration_parse_allow(const char *p, char ***rules);

#endif
