/*
 * migrations: discovery of a migration folder (golang-migrate pairs, dbmate
 * sections, Prisma folders, in any mix) and statement splitting with the
 * PostgreSQL grammar (libpg_query).  Pure: reads files, never connects.
 * See migrations.h for the model and who frees what.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <pg_query.h>

#include "migrations.h"
#include "../lib/filecache.h"
#include "../lib/util.h"

/* ---- small text helpers ---- */

/* Skip whitespace and comments ("--" to end of line, nested block comments)
 * from p; returns the first byte of a token, or the end of the string. */
static const char *migrations_skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (p < end && depth > 0) {
				if (p + 1 < end && p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p + 1 < end && p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else {
			break;
		}
	}
	return p;
}

static int migrations_count_lines(const char *from, const char *to)
{
	int n = 0;
	for (; from < to; from++)
		if (*from == '\n')
			n++;
	return n;
}

/* Byte offset of the 1-based character position pos (PostgreSQL's
 * cursorpos counts characters, not bytes). */
static size_t migrations_char_offset(const char *s, int pos)
{
	size_t i = 0;
	int chars = 0;
	if (pos <= 1)
		return 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (chars == pos - 1)
				return i;
			chars++;
		}
		i++;
	}
	return i;
}

/* 1 when valid; else 0 and *bad is the offset of the first bad byte */
static int migrations_valid_utf8(const unsigned char *s, size_t len, size_t *bad)
{
	size_t i = 0;
	*bad = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
			n = 1;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
		} else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
			n = 3;
		} else {
			*bad = i;
			return 0;
		}
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80) {
				*bad = i;
				return 0;
			}
		i += n + 1;
	}
	return 1;
}

/* Is the text from p (just after "--") the directive word?  Skips spaces. */
static const char *migrations_directive(const char *p, const char *word)
{
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(word);
	if (strncasecmp(p, word, n) != 0)
		return NULL;
	return p + n;
}

void migration_parse_allow(const char *p, char ***rules)
{
	/* p: what follows "stagecoach:allow"; rules are words separated by
	 * commas and blanks, up to the end of the line or a non-rule char */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *w = p;
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
			p++;
		if (p == w)
			break;
		char *rule = xstrndup(w, (size_t)(p - w));
		for (char *c = rule; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!strv_contains(*rules, rule))
			strv_push(rules, rule);
		free(rule);
	}
}

/*
 * Scan the first lines of text (the blank and "--" comment lines before the
 * first statement; dbmate's "-- migrate:up" line is one of them) for the
 * no-transaction marker and allow directives.
 */
static void migrations_scan_header(const char *text, int *marker, char ***allow)
{
	const char *p = text;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (p[0] == '/' && p[1] == '*') {
			const char *q = migrations_skip_space(p, p + strlen(p));
			if (q == p)
				break;
			p = q;
			continue;
		}
		if (!(p[0] == '-' && p[1] == '-'))
			break;
		const char *c = p + 2, *r;
		if ((r = migrations_directive(c, "stagecoach:no-transaction")) != NULL) {
			*marker = 1;
		} else if ((r = migrations_directive(c, "stagecoach:allow")) != NULL) {
			migration_parse_allow(r, allow);
		}
		while (*p && *p != '\n')
			p++;
	}
}

/* dbmate's "-- migrate:up" / "-- migrate:down" line: returns the rest of
 * the line after the directive, or NULL when line is not one. */
static const char *migrations_dbmate_line(const char *line, const char *which)
{
	if (!(line[0] == '-' && line[1] == '-'))
		return NULL;
	const char *r = migrations_directive(line + 2, which);
	if (!r || !(*r == '\0' || *r == '\n' || *r == '\r' || *r == ' ' || *r == '\t'))
		return NULL;
	return r;
}

static int migrations_dbmate_tx_false(const char *rest)
{
	const char *eol = strchr(rest, '\n');
	size_t n = eol ? (size_t)(eol - rest) : strlen(rest);
	char *opt = xstrndup(rest, n);
	int r = strstr(opt, "transaction:false") != NULL;
	free(opt);
	return r;
}

/* ---- no-transaction statements ---- */

static int migrations_list_has_defname(const json_t *list, const char *name)
{
	size_t i;
	const json_t *it;
	json_array_foreach(list, i, it) {
		const json_t *d = json_object_get(it, "DefElem");
		const char *dn = json_string_value(json_object_get(d, "defname"));
		if (dn && strcmp(dn, name) == 0)
			return 1;
	}
	return 0;
}

const char *sql_no_transaction_node(const struct json_t *stmt)
{
	const char *type;
	const json_t *v;
	void *iter = json_object_iter((json_t *)stmt);
	if (!iter)
		return NULL;
	type = json_object_iter_key(iter);
	v = json_object_iter_value(iter);
	if (strcmp(type, "IndexStmt") == 0)
		return json_is_true(json_object_get(v, "concurrent")) ? "CREATE INDEX CONCURRENTLY" : NULL;
	if (strcmp(type, "DropStmt") == 0)
		return json_is_true(json_object_get(v, "concurrent")) ? "DROP INDEX CONCURRENTLY" : NULL;
	if (strcmp(type, "ReindexStmt") == 0)
		return migrations_list_has_defname(json_object_get(v, "params"), "concurrently")
			       ? "REINDEX CONCURRENTLY"
			       : NULL;
	if (strcmp(type, "VacuumStmt") == 0)
		return json_is_true(json_object_get(v, "is_vacuumcmd")) ? "VACUUM" : NULL;
	if (strcmp(type, "CreatedbStmt") == 0)
		return "CREATE DATABASE";
	if (strcmp(type, "DropdbStmt") == 0)
		return "DROP DATABASE";
	if (strcmp(type, "AlterSystemStmt") == 0)
		return "ALTER SYSTEM";
	if (strcmp(type, "CreateTableSpaceStmt") == 0)
		return "CREATE TABLESPACE";
	if (strcmp(type, "DropTableSpaceStmt") == 0)
		return "DROP TABLESPACE";
	if (strcmp(type, "AlterTableStmt") == 0) {
		size_t i;
		const json_t *cmd;
		json_array_foreach(json_object_get(v, "cmds"), i, cmd) {
			const json_t *c = json_object_get(cmd, "AlterTableCmd");
			const char *sub = json_string_value(json_object_get(c, "subtype"));
			const json_t *pc = json_object_get(json_object_get(c, "def"), "PartitionCmd");
			if (sub && strcmp(sub, "AT_DetachPartition") == 0 &&
			    json_is_true(json_object_get(pc, "concurrent")))
				return "DETACH PARTITION CONCURRENTLY";
		}
	}
	return NULL;
}

/* ---- parsing and splitting ---- */

/* "FILE:LINE: message" of a libpg_query error in sql */
static int migrations_pg_error(const char *sql, const char *file, int first_line, const PgQueryError *pe,
			       struct err *e)
{
	size_t off = migrations_char_offset(sql, pe->cursorpos);
	int line = first_line + migrations_count_lines(sql, sql + off);
	return err_set(e, SC_EUSAGE, "%s:%d: %s", file, line, pe->message);
}

int sql_parse_json(const char *sql, const char *file, int first_line, struct json_t **tree, struct err *e)
{
	PgQueryParseResult r = pg_query_parse(sql);
	if (r.error) {
		migrations_pg_error(sql, file, first_line, r.error, e);
		pg_query_free_parse_result(r);
		return -SC_EUSAGE;
	}
	json_error_t je;
	json_t *t = json_loads(r.parse_tree, 0, &je);
	pg_query_free_parse_result(r);
	if (!t) /* the grammar passes bytes that are not UTF-8 into the tree's strings */
		return err_set(e, SC_EUSAGE, "%s:%d: the SQL is not valid UTF-8 (%s)", file, first_line, je.text);
	*tree = t;
	return 0;
}

/* [b, t) of a statement at [loc, loc+len): leading comments and blanks and
 * trailing blanks left out */
static void migrations_trim(const char *sql, size_t sqllen, long loc, long len, size_t *start, size_t *end)
{
	if (loc < 0 || (size_t)loc > sqllen)
		loc = 0;
	size_t stop = len > 0 && (size_t)(loc + len) <= sqllen ? (size_t)(loc + len) : sqllen;
	const char *b = migrations_skip_space(sql + loc, sql + stop);
	const char *t = sql + stop;
	while (t > b && isspace((unsigned char)t[-1]))
		t--;
	*start = (size_t)(b - sql);
	*end = (size_t)(t - sql);
}

int sql_stmt_bounds(const char *sql, size_t sqllen, const struct json_t *raw, size_t *start, size_t *end)
{
	migrations_trim(sql, sqllen, (long)json_integer_value(json_object_get(raw, "stmt_location")),
			(long)json_integer_value(json_object_get(raw, "stmt_len")), start, end);
	return 0;
}

int sql_spans(const char *sql, const char *file, int first_line, struct sql_span **out, size_t *n, struct err *e)
{
	size_t sqllen = strlen(sql), count = 0, prev = 0;
	int line = first_line;

	*out = NULL;
	*n = 0;
	/* the parser, not the scanner: it knows CREATE RULE's (a; b), BEGIN
	 * ATOMIC bodies, and checks the grammar as it goes */
	PgQuerySplitResult r = pg_query_split_with_parser(sql);
	if (r.error) {
		migrations_pg_error(sql, file, first_line, r.error, e);
		pg_query_free_split_result(r);
		return -SC_EUSAGE;
	}
	struct sql_span *v = xcalloc((size_t)r.n_stmts + 1, sizeof(*v));
	for (int i = 0; i < r.n_stmts; i++) {
		size_t b, t;
		migrations_trim(sql, sqllen, r.stmts[i]->stmt_location, r.stmts[i]->stmt_len, &b, &t);
		if (b >= t)
			continue;
		line += migrations_count_lines(sql + prev, sql + b);
		prev = b;
		v[count].start = b;
		v[count].end = t;
		v[count].line = line;
		count++;
	}
	pg_query_free_split_result(r);
	*out = v;
	*n = count;
	return 0;
}

struct json_t *sql_stmt_parse(const char *sql, size_t start, size_t end)
{
	char *text = xstrndup(sql + start, end - start);
	json_t *tree = NULL, *stmt = NULL;
	struct err e = ERR_INIT;
	if (sql_parse_json(text, "", 1, &tree, &e) == 0) {
		json_t *raw = json_array_get(json_object_get(tree, "stmts"), 0);
		stmt = json_object_get(raw, "stmt");
		if (stmt)
			json_incref(stmt);
		json_decref(tree);
	}
	free(text);
	return stmt;
}

int sql_first_word_is(const char *sql, size_t start, size_t end, const char *const *words)
{
	size_t n = 0;
	char w[16];
	while (start + n < end && n < sizeof(w) - 1 && isalpha((unsigned char)sql[start + n])) {
		w[n] = (char)tolower((unsigned char)sql[start + n]);
		n++;
	}
	w[n] = '\0';
	for (int i = 0; words[i]; i++)
		if (strcmp(words[i], w) == 0)
			return 1;
	return 0;
}

const char *const sql_neutral_words[] = { "set", "reset", NULL };

/* Statements that can need to run outside a transaction start with these */
static const char *const migrations_notx_words[] = { "create", "drop", "reindex", "vacuum", "alter", NULL };

static int migrations_span_no_tx(const char *sql, const struct sql_span *s)
{
	if (!sql_first_word_is(sql, s->start, s->end, migrations_notx_words))
		return 0;
	json_t *stmt = sql_stmt_parse(sql, s->start, s->end);
	int r = stmt && sql_no_transaction_node(stmt) != NULL;
	json_decref(stmt);
	return r;
}

int sql_split(const char *sql, const char *file, int first_line, struct sql_stmt **out, size_t *n,
	      struct err *e)
{
	struct sql_span *spans;
	size_t count;

	*out = NULL;
	*n = 0;
	if (sql_spans(sql, file, first_line, &spans, &count, e) < 0)
		return -SC_EUSAGE;
	struct sql_stmt *v = xcalloc(count + 1, sizeof(*v));
	for (size_t i = 0; i < count; i++) {
		v[i].sql = xstrndup(sql + spans[i].start, spans[i].end - spans[i].start);
		v[i].line = spans[i].line;
		v[i].no_transaction = migrations_span_no_tx(sql, &spans[i]);
	}
	free(spans);
	*out = v;
	*n = count;
	return 0;
}

void sql_stmts_free(struct sql_stmt *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i].sql);
	free(s);
}

int sql_no_transaction(const char *sql)
{
	json_t *stmt = sql_stmt_parse(sql, 0, strlen(sql));
	int r = stmt && sql_no_transaction_node(stmt) != NULL;
	json_decref(stmt);
	return r;
}

/* Cheap test first: only text naming one of these words can hold a
 * statement that must run outside a transaction. */
static int migrations_may_need_no_tx(const char *sql)
{
	static const char *const words[] = { "concurrently", "vacuum", "database", "system", "tablespace", NULL };
	/* one pass (five strcasestr were a fifth of discovery's cost) */
	for (const char *p = sql; *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (c != 'c' && c != 'v' && c != 'd' && c != 's' && c != 't')
			continue;
		for (int i = 0; words[i]; i++)
			if (words[i][0] == c && strncasecmp(p, words[i], strlen(words[i])) == 0)
				return 1;
	}
	return 0;
}

/* 1 when sql has statements and all of them must run outside a transaction */
static int migrations_all_no_tx(const char *sql)
{
	struct err e = ERR_INIT;
	struct sql_span *spans;
	size_t n;
	int all = 1;
	if (!sql || !migrations_may_need_no_tx(sql))
		return 0;
	if (sql_spans(sql, "", 1, &spans, &n, &e) < 0)
		return 0;
	size_t notx = 0;
	for (size_t i = 0; i < n && all; i++) {
		if (sql_first_word_is(sql, spans[i].start, spans[i].end, sql_neutral_words))
			continue; /* SET lock_timeout = ... before a CREATE INDEX CONCURRENTLY */
		if (!migrations_span_no_tx(sql, &spans[i]))
			all = 0;
		else
			notx++;
	}
	if (notx == 0)
		all = 0;
	free(spans);
	return all;
}

/* ---- discovery ---- */

const char *migration_layout_name(enum migration_layout l)
{
	switch (l) {
	case MIGRATION_GOLANG:
		return "golang-migrate";
	case MIGRATION_DBMATE:
		return "dbmate";
	case MIGRATION_PRISMA:
		return "prisma";
	case MIGRATION_PLAIN:
		return "plain";
	case MIGRATION_SUPABASE:
		return "supabase";
	case MIGRATION_FLYWAY:
		return "flyway";
	}
	return "?";
}

/* One numeric component of a version at *p (digits, leading zeros
 * skipped): its digits [*s, *s + *len), and *p moves past it and past one
 * separator ('.' or '_'). */
static void migrations_version_part(const char **p, const char **s, size_t *len)
{
	while (**p == '0' && isdigit((unsigned char)(*p)[1]))
		(*p)++;
	*s = *p;
	while (isdigit((unsigned char)**p))
		(*p)++;
	*len = (size_t)(*p - *s);
	if (**p == '.' || **p == '_')
		(*p)++;
}

int migration_version_cmp(const char *a, const char *b)
{
	/* plain digits (all but Flyway's dotted versions): by length without
	 * leading zeros, then bytes; every sort and search of versions comes
	 * here (a preflight on 3,000 migrations: some 100,000 times) */
	const char *da = a, *db = b;
	while (*da == '0' && da[1])
		da++;
	while (*db == '0' && db[1])
		db++;
	size_t na = 0, nb = 0;
	while (da[na] >= '0' && da[na] <= '9')
		na++;
	while (db[nb] >= '0' && db[nb] <= '9')
		nb++;
	if (!da[na] && !db[nb] && na && nb) {
		if (na != nb)
			return na < nb ? -1 : 1;
		return memcmp(da, db, na);
	}
	int ra = a[0] == 'R', rb = b[0] == 'R';
	if (ra != rb)
		return ra - rb;
	if (ra)
		return strcmp(a, b);
	while (*a || *b) {
		const char *sa, *sb, *a0 = a, *b0 = b;
		size_t la, lb;
		migrations_version_part(&a, &sa, &la);
		migrations_version_part(&b, &sb, &lb);
		/* a missing component is 0: "1" = "1.0" */
		if (la == 1 && *sa == '0')
			la = 0;
		if (lb == 1 && *sb == '0')
			lb = 0;
		if (la != lb)
			return la < lb ? -1 : 1;
		int c = la ? memcmp(sa, sb, la) : 0;
		if (c)
			return c;
		if (a == a0 && b == b0)
			return strcmp(a, b); /* not a version: no progress */
	}
	return 0;
}

int migration_flyway_checksum(const char *text, size_t len)
{
	static unsigned int table[256];
	static int ready;
	if (!ready) {
		for (unsigned int i = 0; i < 256; i++) {
			unsigned int c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		p += 3;
	unsigned int crc = 0xFFFFFFFFu;
	while (p < end) {
		/* line endings are not part of the sum (Java's readLine) */
		if (*p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		crc = table[(crc ^ *p) & 0xFF] ^ (crc >> 8);
		p++;
	}
	crc ^= 0xFFFFFFFFu;
	return (int)(int32_t)crc;
}

struct migrations_entry {
	long long version;
	char *version_str;
	char *name;
	enum migration_layout layout;
	int is_down;
	int repeatable;
	char *rel;  /* path relative to the folder */
};

/* Parse "VERSION[_name]" + suffix from a file or folder name.  Returns 0, or
 * -1 when name does not start with digits. */
static int migrations_parse_name(const char *fname, size_t stem_len, long long *version, char **vstr,
				 char **name, const char *rel, struct err *e)
{
	size_t d = 0;
	while (d < stem_len && isdigit((unsigned char)fname[d]))
		d++;
	if (d == 0)
		return -1;
	if (d > 18)
		return err_set(e, SC_EUSAGE, "%s: version '%.*s' has more than 18 digits", rel, (int)d, fname);
	char *vs = xstrndup(fname, d);
	*version = strtoll(vs, NULL, 10);
	*vstr = vs;
	size_t s = d;
	if (s < stem_len && (fname[s] == '_' || fname[s] == '-'))
		s++;
	*name = xstrndup(fname + s, stem_len - s);
	return 0;
}

/*
 * Flyway's names: V<version>__<desc>.sql, U<version>__<desc>.sql,
 * R__<desc>.sql; version digits separated by '.' or '_' (stored with '.').
 * Returns 1 when fname is one (ent filled), 0 when not.
 */
static int migrations_parse_flyway(const char *fname, struct migrations_entry *ent)
{
	size_t flen = strlen(fname);
	char kind = fname[0];
	if ((kind != 'V' && kind != 'U' && kind != 'R') || !ends_with(fname, ".sql"))
		return 0;
	const char *sep = strstr(fname + 1, "__");
	if (!sep || sep + 2 >= fname + flen - 4)
		return 0;
	const char *desc = sep + 2;
	size_t dlen = (size_t)(fname + flen - 4 - desc);
	if (kind == 'R') {
		if (sep != fname + 1)
			return 0;
		ent->repeatable = 1;
		ent->version = 0;
		ent->version_str = xasprintf("R__%.*s", (int)dlen, desc);
	} else {
		const char *v = fname + 1;
		if (v == sep || !isdigit((unsigned char)*v))
			return 0;
		for (const char *c = v; c < sep; c++)
			if (!isdigit((unsigned char)*c) && *c != '.' && *c != '_')
				return 0;
		char *vs = xstrndup(v, (size_t)(sep - v));
		for (char *c = vs; *c; c++)
			if (*c == '_')
				*c = '.';
		ent->version_str = vs;
		ent->version = strtoll(vs, NULL, 10);
		ent->is_down = kind == 'U';
	}
	ent->name = xstrndup(desc, dlen);
	ent->layout = MIGRATION_FLYWAY;
	return 1;
}

/* 1-based line of offset off in data */
static int migrations_line_at(const char *data, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

/* The file's text (a copy the caller owns): read once per process through
 * the file cache, which the release's content hash shares. */
static int migrations_read(const char *path, const char *rel, char **out, struct err *e)
{
	const char *cached;
	size_t len;
	if (filecache_read(path, &cached, &len) < 0)
		return err_set(e, SC_EUSAGE, "%s: cannot read: %s", rel, strerror(errno));
	char *data = xmalloc(len + 1);
	memcpy(data, cached, len + 1);
	size_t bad;
	if (strlen(data) != len) {
		int line = migrations_line_at(data, strlen(data));
		free(data);
		return err_set(e, SC_EUSAGE, "%s:%d: holds NUL bytes: not a text SQL file", rel, line);
	}
	if (!migrations_valid_utf8((const unsigned char *)data, len, &bad)) {
		int line = migrations_line_at(data, bad);
		unsigned char byte = (unsigned char)data[bad];
		free(data);
		return err_set(e, SC_EUSAGE, "%s:%d: is not valid UTF-8 (byte 0x%02x at offset %zu; save the file as "
			       "UTF-8)", rel, line, byte, bad);
	}
	/* a UTF-8 byte order mark (editors on Windows) is not SQL */
	if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
	    (unsigned char)data[2] == 0xBF)
		memmove(data, data + 3, len - 2);
	*out = data;
	return 0;
}

/* Split a dbmate file into its sections.  Returns 0, or -1 when there is no
 * "-- migrate:up" line (e not set). */
static int migrations_dbmate_split(const char *text, struct migration *m)
{
	const char *p = text, *up = NULL, *down = NULL, *up_rest = NULL, *down_rest = NULL;
	int line = 1, up_line = 0, down_line = 0;
	while (*p) {
		const char *r;
		if (!up && (r = migrations_dbmate_line(p, "migrate:up")) != NULL) {
			up = p;
			up_rest = r;
			up_line = line;
		} else if (!down && (r = migrations_dbmate_line(p, "migrate:down")) != NULL) {
			down = p;
			down_rest = r;
			down_line = line;
		}
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
	if (!up)
		return down ? -2 : -1;
	const char *end = text + strlen(text);
	const char *ub = strchr(up, '\n');
	ub = ub ? ub + 1 : end;
	const char *ue = down && down > up ? down : end;
	m->up_sql = xstrndup(ub, ub <= ue ? (size_t)(ue - ub) : 0);
	m->up_line = up_line + 1;
	m->no_transaction_marker = migrations_dbmate_tx_false(up_rest);
	if (down) {
		const char *db = strchr(down, '\n');
		db = db ? db + 1 : end;
		const char *de = up > down ? up : end;
		m->down_sql = xstrndup(db, db <= de ? (size_t)(de - db) : 0);
		m->down_line = down_line + 1;
		m->down_no_transaction = migrations_dbmate_tx_false(down_rest);
	}
	return 0;
}

/* Everything after the files are known: markers, checksum, no-transaction. */
static void migrations_finish(struct migration *m, const char *up_file_text, const char *down_file_text)
{
	int marker = m->no_transaction_marker, dmarker = 0;
	char **dallow = NULL;
	if (up_file_text)
		migrations_scan_header(up_file_text, &marker, &m->allow);
	m->no_transaction_marker = marker;
	if (down_file_text && down_file_text != up_file_text) {
		migrations_scan_header(down_file_text, &dmarker, &dallow);
		strv_free(dallow);
		if (dmarker)
			m->down_no_transaction = 1;
	}
	/* the up SQL is the whole file (no dbmate sections, no byte order
	 * mark): the file cache may have its sha256 already (the release's
	 * content hash asked for it) */
	const char *raw;
	size_t rawlen;
	if (!(m->up_sql == up_file_text && m->layout != MIGRATION_DBMATE && m->up_path &&
	      filecache_read(m->up_path, &raw, &rawlen) == 0 && rawlen == strlen(m->up_sql) &&
	      filecache_sha256(m->up_path, m->checksum) == 0))
		sha256_hex(m->up_sql, strlen(m->up_sql), m->checksum);
	m->no_transaction = marker || migrations_all_no_tx(m->up_sql);
	if (m->down_sql && !m->down_no_transaction)
		m->down_no_transaction = migrations_all_no_tx(m->down_sql);
}

static int migrations_cmp_entry(const void *a, const void *b)
{
	const struct migrations_entry *x = a, *y = b;
	int c = migration_version_cmp(x->version_str, y->version_str);
	if (c)
		return c;
	if (x->is_down != y->is_down)
		return x->is_down - y->is_down;
	return strcmp(x->rel, y->rel);
}

static void migrations_entry_free(struct migrations_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].version_str);
		free(v[i].name);
		free(v[i].rel);
	}
	free(v);
}

static const char migrations_layouts_hint[] =
	"expected VERSION_name.up.sql / .down.sql, VERSION_name.sql with '-- migrate:up', "
	"VERSION_name/migration.sql, a Supabase YYYYMMDDHHMMSS_name.sql, or Flyway's V1__name.sql";

static void migrations_entry_push(struct migrations_entry **v, size_t *n, size_t *cap, const struct migrations_entry *ent)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *ent;
}

/*
 * Flyway reads the subfolders of a location too: every V/U/R__ file below
 * dir/sub (any depth) is a migration whose file is "sub/.../V2__x.sql" (the
 * `script` Flyway records).  Other files there are left alone: a subfolder
 * with no Flyway file is noted as ignored by the caller.
 */
static int migrations_scan_flyway(const char *dir, const char *sub, struct migrations_entry **v, size_t *n,
				  size_t *cap, struct err *e)
{
	char *path = path_join(dir, sub);
	DIR *d = opendir(path);
	if (!d) {
		int r = err_set(e, SC_EUSAGE, "%s/: %s", sub, strerror(errno));
		free(path);
		return r;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *rel = xasprintf("%s/%s", sub, de->d_name);
		int isdir = de->d_type == DT_DIR, isreg = de->d_type == DT_REG;
		if (de->d_type != DT_DIR && de->d_type != DT_REG) {
			struct stat st;
			char *full = path_join(dir, rel);
			if (stat(full, &st) == 0) {
				isdir = S_ISDIR(st.st_mode);
				isreg = S_ISREG(st.st_mode);
			}
			free(full);
		}
		struct migrations_entry ent;
		memset(&ent, 0, sizeof(ent));
		if (isdir) {
			r = migrations_scan_flyway(dir, rel, v, n, cap, e);
		} else if (isreg && migrations_parse_flyway(de->d_name, &ent)) {
			ent.rel = rel;
			rel = NULL;
			migrations_entry_push(v, n, cap, &ent);
		}
		free(rel);
	}
	closedir(d);
	free(path);
	return r;
}

/* Classify one directory entry; adds to *v, or notes in *ignored why no
 * tool would apply it. */
static int migrations_classify(const char *dir, const char *fname, unsigned char dtype, struct migrations_entry **v,
			       size_t *n, size_t *cap, char ***ignored, struct err *e)
{
	struct stat st;
	char *path = path_join(dir, fname);
	struct migrations_entry ent;
	size_t flen = strlen(fname);
	int r = 0;

	memset(&ent, 0, sizeof(ent));
	/* readdir's type spares a stat per file; symbolic links and file
	 * systems that do not tell are asked */
	if (dtype == DT_DIR || dtype == DT_REG) {
		st.st_mode = dtype == DT_DIR ? S_IFDIR : S_IFREG;
	} else if (stat(path, &st) < 0) {
		r = err_set(e, SC_EUSAGE, "%s: %s", fname, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		/* read now (once: the cache keeps it for migrations_build) */
		char *mig = path_join(path, "migration.sql");
		const char *text;
		size_t tlen;
		int has = isdigit((unsigned char)fname[0]) &&
			  (filecache_read(mig, &text, &tlen) == 0 || (errno != ENOENT && errno != EISDIR && errno != EINVAL));
		free(mig);
		/* not a Prisma folder: Flyway scans the subfolders of its locations */
		size_t before = *n;
		if (!has && (r = migrations_scan_flyway(dir, fname, v, n, cap, e)) < 0)
			goto out;
		if (!has && *n > before)
			goto out;
		if (!isdigit((unsigned char)fname[0])) {
			char *note = xasprintf("%s/: ignored: not a migration folder (a Prisma folder's name starts "
					       "with its version; it holds no Flyway migration)", fname);
			strv_push(ignored, note);
			free(note);
			goto out;
		}
		ent.rel = xasprintf("%s/migration.sql", fname);
		if (!has) {
			/* Prisma itself refuses such a folder */
			r = err_set(e, SC_EUSAGE, "%s/: folder has no 'migration.sql' (%s)", fname,
				    migrations_layouts_hint);
			goto out;
		}
		if ((r = migrations_parse_name(fname, flen, &ent.version, &ent.version_str, &ent.name, ent.rel, e)) < 0)
			goto out;
		ent.layout = MIGRATION_PRISMA;
	} else if (S_ISREG(st.st_mode)) {
		size_t stem;
		if (!ends_with(fname, ".sql")) {
			char *note = xasprintf("%s: ignored: not a .sql file", fname);
			strv_push(ignored, note);
			free(note);
			goto out;
		}
		ent.rel = xstrdup(fname);
		if (migrations_parse_flyway(fname, &ent))
			goto add;
		if (ends_with(fname, ".up.sql")) {
			stem = flen - strlen(".up.sql");
			ent.layout = MIGRATION_GOLANG;
		} else if (ends_with(fname, ".down.sql")) {
			stem = flen - strlen(".down.sql");
			ent.layout = MIGRATION_GOLANG;
			ent.is_down = 1;
		} else {
			stem = flen - strlen(".sql");
			ent.layout = MIGRATION_DBMATE;
		}
		r = migrations_parse_name(fname, stem, &ent.version, &ent.version_str, &ent.name, ent.rel, e);
		if (r == -1) {
			char *note = xasprintf("%s: ignored: matches no migration layout (%s)", fname,
					       migrations_layouts_hint);
			strv_push(ignored, note);
			free(note);
			r = 0;
			goto out;
		}
		if (r < 0)
			goto out;
	} else {
		goto out;
	}
add:
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = ent;
	free(path);
	return 0;
out:
	free(ent.version_str);
	free(ent.name);
	free(ent.rel);
	free(path);
	return r;
}

/* Whether a marker-less VERSION_name.sql is a Supabase migration: a
 * 14-digit timestamp, or any version in a folder named supabase/migrations. */
static int migrations_is_supabase(const char *dir, const struct migrations_entry *up)
{
	size_t l = strlen(dir);
	while (l > 1 && dir[l - 1] == '/')
		l--;
	const char *suffix = "supabase/migrations";
	size_t sl = strlen(suffix);
	if (l >= sl && strncmp(dir + l - sl, suffix, sl) == 0)
		return 1;
	return strlen(up->version_str) == 14;
}

static int migrations_build(const char *dir, struct migrations_entry *up, struct migrations_entry *down,
			    struct migration *m, struct err *e)
{
	char *text = NULL, *dtext = NULL;
	int r;

	memset(m, 0, sizeof(*m));
	m->version = up->version;
	m->version_str = xstrdup(up->version_str);
	m->name = xstrdup(up->name);
	m->file = xstrdup(up->rel);
	m->layout = up->layout;
	m->repeatable = up->repeatable;
	m->up_path = path_join(dir, up->rel);
	if ((r = migrations_read(m->up_path, up->rel, &text, e)) < 0)
		return r;
	if (up->layout == MIGRATION_DBMATE) {
		int split = migrations_dbmate_split(text, m);
		if (split == -1 && migrations_is_supabase(dir, up)) {
			/* no markers at all: Supabase's whole-file up */
			m->layout = MIGRATION_SUPABASE;
			m->up_sql = text;
			m->up_line = 1;
			migrations_finish(m, m->up_sql, NULL);
			return 0;
		}
		if (split < 0) {
			free(text);
			return err_set(e, SC_EUSAGE, "%s: no '-- migrate:up' line: a dbmate migration needs one (%s)",
				       up->rel, migrations_layouts_hint);
		}
		if (m->down_sql) {
			m->down_file = xstrdup(up->rel);
			m->down_path = xstrdup(m->up_path);
		}
		migrations_finish(m, text, NULL);
		free(text);
		return 0;
	}
	m->up_sql = text;
	m->up_line = 1;
	if (up->layout == MIGRATION_FLYWAY)
		m->flyway_checksum = migration_flyway_checksum(text, strlen(text));
	if (down) {
		m->down_file = xstrdup(down->rel);
		m->down_path = path_join(dir, down->rel);
		if ((r = migrations_read(m->down_path, down->rel, &dtext, e)) < 0)
			return r;
		m->down_sql = dtext;
		m->down_line = 1;
	}
	migrations_finish(m, m->up_sql, m->down_sql);
	return 0;
}

int migrations_discover(const char *dir, struct migration **out, size_t *n, struct err *e)
{
	return migrations_discover_notes(dir, out, n, NULL, e);
}

int migrations_discover_notes(const char *dir, struct migration **out, size_t *n, char ***ignored,
			      struct err *e)
{
	DIR *d;
	struct dirent *de;
	struct migrations_entry *ents = NULL;
	size_t nents = 0, cap = 0, i, count = 0;
	struct migration *v = NULL;
	char **notes = NULL;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (ignored)
		*ignored = NULL;
	if (!(d = opendir(dir)))
		return err_set(e, SC_EUSAGE, "migrations folder '%s': %s", dir, strerror(errno));
	int python = 0; /* *.py files: an Alembic folder, when nothing else is here */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			char *note = xasprintf("%s: ignored: hidden", de->d_name);
			strv_push(&notes, note);
			free(note);
			continue;
		}
		python |= ends_with(de->d_name, ".py");
		if ((r = migrations_classify(dir, de->d_name, de->d_type, &ents, &nents, &cap, &notes, e)) < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		migrations_entry_free(ents, nents);
		strv_free(notes);
		return r;
	}
	if (nents == 0 && python) {
		strv_free(notes);
		return err_set(e, SC_EUSAGE,
			       "migrations folder '%s' holds Python files and no SQL migration: Alembic migrations are "
			       "run by alembic itself: drop 'migrations' and use a migrate step with tool = \"alembic\"",
			       dir);
	}
	if (nents > 1)
		qsort(ents, nents, sizeof(*ents), migrations_cmp_entry);
	v = xcalloc(nents + 1, sizeof(*v));
	for (i = 0; i < nents;) {
		struct migrations_entry *up = &ents[i], *down = NULL;
		size_t j = i + 1;
		if (up->is_down) {
			if (up->layout == MIGRATION_FLYWAY)
				r = err_set(e, SC_EUSAGE, "%s: undo migration without its 'V%s__%s.sql'", up->rel,
					    up->version_str, up->name);
			else
				r = err_set(e, SC_EUSAGE, "%s: down migration without its '%s_%s.up.sql'", up->rel,
					    up->version_str, up->name);
			break;
		}
		while (j < nents && migration_version_cmp(ents[j].version_str, up->version_str) == 0) {
			if (ents[j].is_down && !down && up->layout == ents[j].layout &&
			    (up->layout == MIGRATION_GOLANG || up->layout == MIGRATION_FLYWAY)) {
				down = &ents[j];
			} else if (ents[j].is_down) {
				r = err_set(e, SC_EUSAGE, "%s: down migration of version %s, which is '%s' (%s)",
					    ents[j].rel, up->version_str, up->rel,
					    down ? "that already has a down" : "not of the same layout");
				break;
			} else if (up->repeatable) {
				r = err_set(e, SC_EUSAGE, "duplicate repeatable migration '%s': '%s' and '%s'",
					    up->name, up->rel, ents[j].rel);
				break;
			} else {
				if (up->layout == MIGRATION_FLYWAY)
					r = err_set(e, SC_EUSAGE, "duplicate migration version %s: '%s' and '%s'",
						    up->version_str, up->rel, ents[j].rel);
				else
					r = err_set(e, SC_EUSAGE, "duplicate migration version %lld: '%s' and '%s'",
						    up->version, up->rel, ents[j].rel);
				break;
			}
			j++;
		}
		if (r < 0)
			break;
		if ((r = migrations_build(dir, up, down, &v[count], e)) < 0) {
			count++;
			break;
		}
		count++;
		i = j;
	}
	migrations_entry_free(ents, nents);
	if (r < 0) {
		migrations_free(v, count);
		strv_free(notes);
		return r;
	}
	if (count == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = count;
	if (ignored)
		*ignored = notes;
	else
		strv_free(notes);
	return 0;
}

void migration_release(struct migration *m)
{
	if (!m)
		return;
	free(m->version_str);
	free(m->name);
	free(m->file);
	free(m->up_path);
	free(m->up_sql);
	free(m->down_file);
	free(m->down_path);
	free(m->down_sql);
	strv_free(m->allow);
	memset(m, 0, sizeof(*m));
}

void migrations_free(struct migration *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++)
		migration_release(&m[i]);
	free(m);
}

int migration_allows(const struct migration *m, const char *rule)
{
	return m->allow && strv_contains(m->allow, rule);
}

int migration_load_file(const char *path, const char *display, struct migration *out, struct err *e)
{
	const char *base = strrchr(path, '/');
	char *text = NULL;
	int r;

	base = base ? base + 1 : path;
	memset(out, 0, sizeof(*out));
	if ((r = migrations_read(path, display, &text, e)) < 0)
		return r;
	out->file = xstrdup(display);
	out->up_path = xstrdup(path);
	out->up_line = 1;
	out->layout = MIGRATION_PLAIN;

	/* version and name from the file name, or Prisma's folder name */
	const char *vname = base;
	size_t vlen = strlen(base);
	char *parent = NULL;
	if (strcmp(base, "migration.sql") == 0) {
		const char *slash = base > path ? base - 1 : NULL;
		const char *pb = slash;
		while (pb && pb > path && pb[-1] != '/')
			pb--;
		if (slash && pb < slash) {
			parent = xstrndup(pb, (size_t)(slash - pb));
			vname = parent;
			vlen = strlen(parent);
			out->layout = MIGRATION_PRISMA;
		}
	} else if (ends_with(base, ".up.sql")) {
		vlen -= strlen(".up.sql");
		out->layout = MIGRATION_GOLANG;
	} else if (ends_with(base, ".down.sql")) {
		vlen -= strlen(".down.sql");
		out->layout = MIGRATION_GOLANG;
	} else if (ends_with(base, ".sql")) {
		vlen -= strlen(".sql");
	}
	struct err ignored = ERR_INIT;
	struct migrations_entry fw;
	memset(&fw, 0, sizeof(fw));
	int flyway = !parent && migrations_parse_flyway(base, &fw);
	if (flyway) {
		/* V1_2__x.sql, U1_2__x.sql (an undo: a down), R__x.sql */
		out->layout = MIGRATION_FLYWAY;
		out->version_str = fw.version_str;
		out->version = fw.version;
		out->name = fw.name;
		out->repeatable = fw.repeatable;
		out->flyway_checksum = migration_flyway_checksum(text, strlen(text));
	} else if (migrations_parse_name(vname, vlen, &out->version, &out->version_str, &out->name, display,
					 &ignored) < 0) {
		out->version_str = xstrdup("0");
		out->name = xstrndup(vname, vlen);
	}
	free(parent);

	if (ends_with(base, ".down.sql") || (flyway && fw.is_down)) {
		/* a down alone: checked for syntax, not linted for destructiveness */
		out->up_sql = xstrdup("");
		out->down_sql = text;
		out->down_file = xstrdup(display);
		out->down_path = xstrdup(path);
		out->down_line = 1;
		migrations_finish(out, NULL, out->down_sql);
		return 0;
	}
	if (!flyway && migrations_dbmate_split(text, out) == 0) {
		out->layout = MIGRATION_DBMATE;
		if (out->down_sql) {
			out->down_file = xstrdup(display);
			out->down_path = xstrdup(path);
		}
		migrations_finish(out, text, NULL);
		free(text);
		return 0;
	}
	out->up_sql = text;
	if (out->layout == MIGRATION_GOLANG) {
		/* the sibling .down.sql, when there is one */
		size_t plen = strlen(path) - strlen(".up.sql");
		char *dpath = xasprintf("%.*s.down.sql", (int)plen, path);
		struct stat st;
		if (stat(dpath, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t dlen = strlen(display);
			char *ddisp = ends_with(display, ".up.sql")
					      ? xasprintf("%.*s.down.sql", (int)(dlen - strlen(".up.sql")), display)
					      : xstrdup(dpath);
			char *dtext;
			if ((r = migrations_read(dpath, ddisp, &dtext, e)) < 0) {
				free(ddisp);
				free(dpath);
				migration_release(out);
				return r;
			}
			out->down_sql = dtext;
			out->down_file = ddisp;
			out->down_path = dpath;
			out->down_line = 1;
			dpath = NULL;
		}
		free(dpath);
	}
	migrations_finish(out, out->up_sql, out->down_sql);
	return 0;
}
