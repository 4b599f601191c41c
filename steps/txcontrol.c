/*
 * txcontrol: a migration's own transaction control, from the parse tree
 * (see txcontrol.h).  A cheap test of the statement's first word comes
 * first: only statements starting with one of txcontrol_words can be a
 * TransactionStmt, so the big INSERT/COPY statements of seed files are
 * never turned into trees.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "txcontrol.h"
#include "migrations.h"
#include "../lib/util.h"

static const char *const txcontrol_words[] = { "begin", "start", "commit", "end", "rollback", "abort", "prepare",
					       NULL };

static const char *const txcontrol_end[] = { "end", NULL };
static const char *const txcontrol_abort[] = { "abort", NULL };

/* libpg_query's TransactionStmt kinds that start or end a transaction */
static const struct {
	const char *kind, *what;
} txcontrol_kinds[] = {
	{ "TRANS_STMT_BEGIN", "BEGIN" },
	{ "TRANS_STMT_START", "START TRANSACTION" },
	{ "TRANS_STMT_COMMIT", "COMMIT" },
	{ "TRANS_STMT_ROLLBACK", "ROLLBACK" },
	{ "TRANS_STMT_PREPARE", "PREPARE TRANSACTION" },
	{ "TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED" },
	{ "TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED" },
};

const char *txcontrol_span(const char *sql, size_t start, size_t end)
{
	if (!sql_first_word_is(sql, start, end, txcontrol_words))
		return NULL;
	json_t *stmt = sql_stmt_parse(sql, start, end);
	const char *kind = json_string_value(json_object_get(json_object_get(stmt, "TransactionStmt"), "kind"));
	const char *what = NULL;
	for (size_t i = 0; kind && !what && i < sizeof(txcontrol_kinds) / sizeof(txcontrol_kinds[0]); i++)
		if (strcmp(kind, txcontrol_kinds[i].kind) == 0)
			what = txcontrol_kinds[i].what;
	json_decref(stmt);
	/* END and ABORT are COMMIT and ROLLBACK: name them as written */
	if (what && strcmp(what, "COMMIT") == 0 && sql_first_word_is(sql, start, end, txcontrol_end))
		what = "END";
	if (what && strcmp(what, "ROLLBACK") == 0 && sql_first_word_is(sql, start, end, txcontrol_abort))
		what = "ABORT";
	return what;
}

int txcontrol_find(const char *sql, const char *file, int first_line, int *line, const char **what,
		   struct err *e)
{
	struct sql_span *spans;
	size_t n;
	*line = 0;
	*what = NULL;
	if (sql_spans(sql, file, first_line, &spans, &n, e) < 0)
		return -SC_EUSAGE;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		const char *w = txcontrol_span(sql, spans[i].start, spans[i].end);
		if (w) {
			*line = spans[i].line;
			*what = w;
			found = 1;
		}
	}
	free(spans);
	return found;
}
