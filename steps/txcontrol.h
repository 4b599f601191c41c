/*
 * txcontrol: finds a migration's own transaction control (BEGIN, START
 * TRANSACTION, COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION, COMMIT
 * PREPARED, ROLLBACK PREPARED) with the PostgreSQL grammar (libpg_query):
 * the text is split by the parser and a statement counts only when its parse
 * tree is a TransactionStmt that ends or starts a transaction, so the words
 * inside strings, dollar quotes, comments, DO blocks and function bodies
 * (plpgsql's BEGIN ... END) never count.  SAVEPOINT, RELEASE and ROLLBACK TO
 * SAVEPOINT stay inside a transaction and are not transaction control here.
 *
 * stagecoach runs each transactional migration inside its own transaction
 * with its history row: a COMMIT in the file would commit the migration
 * before its history row (a crash there applies it twice), a ROLLBACK would
 * make the rest run outside any transaction.  Such a file is refused unless
 * it is marked no-transaction (the lint's "transaction-control" error).
 *
 * Pure: no database, no allocation kept.
 */
#ifndef SC_TXCONTROL_H
#define SC_TXCONTROL_H

#include <stddef.h>
#include "../lib/err.h"

/* What the statement sql[start, end) is when it is transaction control
 * ("BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT",
 * "PREPARE TRANSACTION", "COMMIT PREPARED", "ROLLBACK PREPARED"; static),
 * else NULL.  [start, end) is one statement as sql_spans() gives it. */
const char *txcontrol_span(const char *sql, size_t start, size_t end);

/*
 * The first transaction-control statement of sql, whose first line is
 * first_line of the file: returns 1 with *line (the file's line) and *what
 * (as txcontrol_span), 0 when there is none, or -SC_EUSAGE with e filled
 * ("FILE:LINE: syntax error ...", file naming it) when sql does not parse.
 */
int txcontrol_find(const char *sql, const char *file, int first_line, int *line, const char **what,
		   struct err *e);

#endif
