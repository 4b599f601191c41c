/*
 * lint: the migration safety lint of SPEC section 3, over the PostgreSQL
 * parse tree (libpg_query).  Pure: no database; what is known about the
 * database (its tables) comes in through struct lint_options.
 *
 * Each up SQL is parsed (a parse error is the finding "syntax") and checked
 * statement by statement; each down SQL is parsed for syntax only (a down is
 * expected to drop).  The rules, their severities and hints are in
 * docs/lint.md.
 *
 * A finding is accepted by "-- stagecoach:allow RULE[,RULE]" in the
 * migration's first lines (before its first statement: the whole
 * migration), in the comments just before a statement, inside it, or after
 * it on its last line (that statement).  "syntax" cannot be accepted.
 *
 * Ownership: a struct lint_report owns its findings and their strings;
 * lint_report_release() frees them.
 */
#ifndef SC_LINT_H
#define SC_LINT_H

#include <stddef.h>
#include <jansson.h>
#include "../lib/err.h"
#include "migrations.h"

struct buf;

enum lint_severity {
	LINT_WARNING = 1,
	LINT_ERROR = 2,
};

struct lint_finding {
	char *file;          /* relative to the migrations folder (migration.file
			      * or down_file) */
	int line;            /* 1-based line in file */
	const char *rule;    /* static: "drop-table", "syntax", ... */
	char *message;
	const char *hint;    /* static */
	enum lint_severity severity;
	int destructive;     /* drop-*, cascade, truncate, rename,
			      * alter-column-type, delete/update-without-where */
	int accepted;        /* by -- stagecoach:allow */
	long long version;   /* of the migration */
	char *version_str;   /* of the migration, as written ("0001", "1.2") */
	size_t migration;    /* index of the migration in the linted array */
};

struct lint_report {
	struct lint_finding *findings;
	size_t n, cap;
	size_t migrations;   /* how many were linted */
	size_t errors;       /* unaccepted error-level findings */
	size_t warnings;     /* unaccepted warnings */
	size_t destructive;  /* unaccepted destructive findings (any severity):
			      * what stops a deploy on a protected environment */
	size_t accepted;
};
#define LINT_REPORT_INIT { NULL, 0, 0, 0, 0, 0, 0, 0 }

struct lint_options {
	/*
	 * have_db: existing_tables lists the tables of the database the
	 * migrations are about to run on ("schema.table", NULL-terminated);
	 * a table exists before a migration when it is there and no earlier
	 * migration of this lint created it.  Without it, every table not
	 * created in the same migration counts as existing.
	 */
	int have_db;
	char *const *existing_tables;
	/*
	 * The target server's version (PQserverVersion: 170002), 0 when
	 * unknown.  The grammar here is PostgreSQL 15's: on a server of a
	 * newer major version a statement that does not parse is a warning
	 * naming that version (the server may know it), not an error.
	 */
	int server_version;
};

/* Lint m[0..n) in order (the order they will be applied).  Findings are
 * appended to out (initialised with LINT_REPORT_INIT).  opt may be NULL. */
void lint_migrations(const struct migration *m, size_t n, const struct lint_options *opt,
		     struct lint_report *out);

/*
 * Discover the migrations of dir and lint them all.  Returns 0 with *out
 * filled (also when there are findings: look at out->errors and
 * out->destructive), or -SC_EUSAGE when discovery fails (e filled).
 */
int lint_folder(const char *dir, const struct lint_options *opt, struct lint_report *out, struct err *e);

void lint_report_release(struct lint_report *r);

/* "PREFIXFILE:LINE: RULE: message (hint: ...)" and " [accepted]" when it is;
 * prefix (may be NULL) is put before the file, such as "migrations/". */
void lint_finding_format(const struct lint_finding *f, const char *prefix, struct buf *out);

/* The finding as a JSON object (a new reference, the caller's):
 * {"event":"lint_finding","file","line","rule","severity","destructive",
 *  "accepted","message","hint","version"}, version a string as written */
json_t *lint_finding_json(const struct lint_finding *f, const char *prefix);

/* A server version as users write it ("17", "17.2", "170002") as
 * PQserverVersion gives it (170000, 170002); -1 when it is none. */
int lint_server_version(const char *s);

/* Rule ids known to the lint, NULL-terminated (for docs and `allow` checks) */
extern const char *const lint_rules[];

#endif
