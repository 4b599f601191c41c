/*
 * fuzz-migsplit: libFuzzer target for the migration splitter
 * (sql_spans/sql_split, steps/migrations.c) and the transaction-control
 * detection (steps/txcontrol.c).  The input is SQL text.  Checked, besides
 * the sanitizers:
 *  - every span lies inside the text, is not empty, and lines never go back;
 *  - sql_split and sql_spans agree on the statements and their lines;
 *  - a transaction-control statement found is one of the spans, at its line;
 *  - the input quoted as a string literal, as a dollar-quoted string and as a
 *    block comment holds no transaction control and no second statement:
 *    what is inside a string or a comment never counts.
 *
 * Built and run by tests/faults/fuzz.sh; seed corpus in corpus-migsplit/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../lib/util.h"
#include "../../steps/migrations.h"
#include "../../steps/txcontrol.h"

static void must(int cond, const char *what, const char *sql)
{
	if (!cond) {
		fprintf(stderr, "fuzz-migsplit: %s, for:\n%s\n", what, sql);
		abort();
	}
}

/* sql (a wrapper around the input) must be exactly one statement without
 * transaction control, when it parses at all */
static void inert(const char *sql)
{
	struct err e = ERR_INIT;
	struct sql_span *spans;
	size_t n;
	if (sql_spans(sql, "w.sql", 1, &spans, &n, &e) < 0)
		return; /* e.g. bytes that are not valid in the server encoding */
	must(n == 1, "a wrapped input is not one statement", sql);
	free(spans);
	int line;
	const char *what;
	must(txcontrol_find(sql, "w.sql", 1, &line, &what, &e) == 0, "transaction control found inside a literal",
	     sql);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memchr(data, '\0', size))
		return 0;
	char *sql = xstrndup((const char *)data, size);
	struct err e = ERR_INIT;
	struct sql_span *spans = NULL;
	size_t n = 0;
	if (sql_spans(sql, "f.sql", 1, &spans, &n, &e) == 0) {
		int prev = 1;
		for (size_t i = 0; i < n; i++) {
			must(spans[i].start < spans[i].end && spans[i].end <= size, "span out of the text", sql);
			must(spans[i].line >= prev, "lines go back", sql);
			prev = spans[i].line;
		}
		struct sql_stmt *stmts;
		size_t ns;
		must(sql_split(sql, "f.sql", 1, &stmts, &ns, &e) == 0 && ns == n, "sql_split disagrees", sql);
		for (size_t i = 0; i < ns; i++)
			must(stmts[i].line == spans[i].line, "sql_split line differs", sql);
		sql_stmts_free(stmts, ns);
		int line;
		const char *what;
		int found = txcontrol_find(sql, "f.sql", 1, &line, &what, &e);
		must(found == 0 || found == 1, "txcontrol_find failed on text that splits", sql);
		if (found) {
			int at = 0;
			for (size_t i = 0; i < n && !at; i++)
				if (spans[i].line == line && txcontrol_span(sql, spans[i].start, spans[i].end) == what)
					at = 1;
			must(at && what, "transaction control not at a span", sql);
		}
		free(spans);
	} else {
		int line;
		const char *what;
		must(txcontrol_find(sql, "f.sql", 1, &line, &what, &e) < 0, "txcontrol_find parses what sql_spans does not",
		     sql);
	}
	/* the input inside a string, a dollar quote and a comment */
	struct buf b = BUF_INIT;
	buf_adds(&b, "SELECT '");
	for (size_t i = 0; i < size; i++) {
		if (sql[i] == '\'')
			buf_addc(&b, '\'');
		buf_addc(&b, sql[i]);
	}
	buf_adds(&b, "'");
	inert(buf_str(&b));
	if (!strstr(sql, "$fz$") && (size == 0 || sql[size - 1] != '$')) {
		buf_reset(&b);
		buf_addf(&b, "SELECT $fz$%s$fz$", sql);
		inert(buf_str(&b));
	}
	if (!strstr(sql, "*/") && !strstr(sql, "/*") && (size == 0 || sql[size - 1] != '/')) {
		buf_reset(&b);
		buf_addf(&b, "/*%s*/ SELECT 1", sql);
		inert(buf_str(&b));
	}
	buf_release(&b);
	free(sql);
	return 0;
}
