/*
 * cmd-repair: `repair ENV [--approve]`, after a person has reviewed the
 * changes: the changed applied migrations get their current checksum in
 * stagecoach.schema_migrations and in the tool's table (Prisma's sha256,
 * Flyway's CRC-32, as `flyway repair` does); the records of migrations
 * missing from the folder are dropped from both.  Prints each change; one
 * transaction, recorded as a run of command "repair".  A protected
 * environment needs approval.  Changes nothing when nothing needs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../steps/history.h"

static void repair_lit(PGconn *db, struct buf *q, const char *s)
{
	char *lit = PQescapeLiteral(db, s, strlen(s));
	if (!lit)
		BUG("PQescapeLiteral failed");
	buf_adds(q, lit);
	PQfreemem(lit);
}

/* SQL for one changed or missing migration; a line for the user */
static void repair_one(PGconn *db, const struct history *h, const struct history_status *s, struct buf *q,
		       struct buf *lines, json_t *changes)
{
	const char *tool = history_tool_name(h->tool);
	if (s->state == HISTORY_CHANGED) {
		const struct migration *m = s->m;
		if (s->sc) {
			buf_adds(q, "UPDATE stagecoach.schema_migrations SET checksum = ");
			repair_lit(db, q, m->checksum);
			buf_adds(q, " WHERE version = ");
			repair_lit(db, q, s->sc->version);
			buf_adds(q, ";\n");
		}
		if (s->tl && h->tool == HISTORY_PRISMA) {
			char *key = history_tool_key(h->tool, m);
			buf_adds(q, "UPDATE \"_prisma_migrations\" SET checksum = ");
			repair_lit(db, q, m->checksum);
			buf_adds(q, " WHERE migration_name = ");
			repair_lit(db, q, key);
			buf_adds(q, " AND rolled_back_at IS NULL;\n");
			free(key);
		} else if (s->tl && h->tool == HISTORY_FLYWAY && m->layout == MIGRATION_FLYWAY) {
			buf_addf(q, "UPDATE \"flyway_schema_history\" SET checksum = %d WHERE version = ", m->flyway_checksum);
			repair_lit(db, q, m->version_str);
			buf_adds(q, ";\n");
		}
		const char *was = s->sc ? s->sc->checksum : s->tl->checksum;
		buf_addf(lines, "  accepted  %-16s %s: checksum was %.12s, now %.12s\n", s->version, m->file,
			 was ? was : "-", m->checksum);
		json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:s?,s:s}", "action", "accept_checksum", "version",
							 s->version, "file", m->file, "was", was, "now", m->checksum));
		return;
	}
	/* missing from the folder */
	if (s->sc) {
		buf_adds(q, "DELETE FROM stagecoach.schema_migrations WHERE version = ");
		repair_lit(db, q, s->sc->version);
		buf_adds(q, ";\n");
	}
	if (s->tl) {
		const char *v = s->tl->version;
		switch (h->tool) {
		case HISTORY_PRISMA:
			buf_adds(q, "DELETE FROM \"_prisma_migrations\" WHERE migration_name = ");
			repair_lit(db, q, v);
			buf_adds(q, " OR migration_name LIKE ");
			repair_lit(db, q, v);
			buf_adds(q, " || '\\_%' OR migration_name LIKE ");
			repair_lit(db, q, v);
			buf_adds(q, " || '-%';\n");
			break;
		case HISTORY_SUPABASE:
		case HISTORY_DBMATE:
			buf_addf(q, "DELETE FROM %s WHERE version = ", history_tool_table(h->tool));
			repair_lit(db, q, v);
			buf_adds(q, ";\n");
			break;
		case HISTORY_FLYWAY:
			buf_adds(q, "DELETE FROM \"flyway_schema_history\" WHERE version = ");
			repair_lit(db, q, v);
			buf_adds(q, ";\n");
			break;
		case HISTORY_GOLANG: /* one row: the version stays the newest applied */
		case HISTORY_AUTO:
		case HISTORY_STAGECOACH:
			break;
		}
	}
	buf_addf(lines, "  dropped   %-16s %s: missing from the folder, its record%s removed\n", s->version,
		 s->name && *s->name ? s->name : "-", s->tl && s->sc ? "s (stagecoach's and the tool's) are" : " is");
	json_array_append_new(changes, json_pack("{s:s,s:s,s:s}", "action", "drop_missing", "version", s->version, "tool",
						 s->sc ? "stagecoach" : tool));
}

int cmd_repair(int argc, char **argv, struct global *g, struct err *e)
{
	const char *pos[1];
	struct run_flags f;
	int n = cmd_parse_flags(g, argc, argv, &f, pos, 1, e);
	if (n < 0)
		return n;
	if (n != 1)
		return cmd_usage_error(g, e, "name the environment");
	struct cmd_migrations cm;
	int rc = cmd_migrations_open(g, pos[0], "repair", &f, 1, &cm, e);
	if (rc < 0)
		return rc;
	struct run *r = cm.run;
	struct buf q = BUF_INIT, lines = BUF_INIT;
	json_t *changes = json_array();
	size_t nchanges = 0;
	PGconn *db = run_db(r, e);
	if (!db) {
		rc = err_prefix(e, "repair '%s'", pos[0]);
		goto out;
	}
	buf_adds(&q, "BEGIN;\n");
	for (size_t i = 0; i < cm.nrows; i++) {
		const struct history_status *s = &cm.rows[i];
		if (s->state != HISTORY_CHANGED && s->state != HISTORY_MISSING)
			continue;
		repair_one(db, &cm.hist, s, &q, &lines, changes);
		nchanges++;
	}
	buf_adds(&q, "COMMIT");
	if (!nchanges) {
		if (g->json)
			out_json(g->out, json_pack("{s:s,s:s,s:O}", "event", "repair", "env", pos[0], "changes", changes));
		else
			printf("repair '%s': nothing to repair (no changed or missing migration)\n", pos[0]);
		rc = 0;
		goto out;
	}
	if (r->env->protected_env) {
		char *msg = xasprintf("repair the migration history of protected environment '%s' (%zu change%s)",
				      r->env->name, nchanges, nchanges == 1 ? "" : "s");
		fputs(buf_str(&lines), stderr);
		rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0) {
			err_prefix(e, "repair '%s'", pos[0]);
			goto out;
		}
	}
	if ((rc = state_run_begin(r->state, r, e)) < 0) {
		err_prefix(e, "repair '%s'", pos[0]);
		goto out;
	}
	PGresult *res = PQexec(db, buf_str(&q));
	struct err we = ERR_INIT;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		rc = err_set(e, SC_EFAIL, "repair '%s': %s; nothing was changed", pos[0], msg ? msg : PQerrorMessage(db));
		PQclear(res);
		PQclear(PQexec(db, "ROLLBACK"));
		state_run_finish(r->state, r, "failed", e->msg, &we);
		goto out;
	}
	PQclear(res);
	state_run_finish(r->state, r, "succeeded", NULL, &we);
	if (g->json)
		out_json(g->out, json_pack("{s:s,s:s,s:s,s:O}", "event", "repair", "env", pos[0], "run_id", r->run_id,
					   "changes", changes));
	else
		printf("%srepair '%s': %zu change%s (run %s)\n", buf_str(&lines), pos[0], nchanges,
		       nchanges == 1 ? "" : "s", r->run_id);
	rc = 0;
out:
	json_decref(changes);
	buf_release(&q);
	buf_release(&lines);
	cmd_migrations_close(&cm);
	return rc;
}
