/*
 * cmd-baseline: `baseline ENV [--to VERSION] [--approve]`: record the
 * pending migrations up to VERSION (default: every migration of the
 * folder) as applied without running them, for a database that existed
 * before stagecoach.  The records go to stagecoach.schema_migrations (with
 * a run of command "baseline", which is how `migrations` tells them from
 * applied ones) and to the tool's table the migrate step keeps, in that
 * tool's own way (Prisma: applied_steps_count 0 as `migrate resolve
 * --applied`; Flyway: one BASELINE row; golang-migrate: its one row), all
 * in one transaction.  A protected environment needs approval.  Repeatable
 * migrations are never baselined.
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

static void baseline_lit(PGconn *db, struct buf *q, const char *s)
{
	if (!s) {
		buf_adds(q, "NULL");
		return;
	}
	char *lit = PQescapeLiteral(db, s, strlen(s));
	if (!lit)
		BUG("PQescapeLiteral failed");
	buf_adds(q, lit);
	PQfreemem(lit);
}

/* Take "--to VERSION" / "--to=VERSION" out of argv (in place); returns argc. */
int cmd_take_to(int argc, char **argv, const char **to);
int cmd_take_to(int argc, char **argv, const char **to)
{
	int out = 0;
	*to = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			*to = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--to=", 5) == 0) {
			*to = argv[i] + 5;
			continue;
		}
		argv[out++] = argv[i];
	}
	return out;
}

int cmd_baseline(int argc, char **argv, struct global *g, struct err *e)
{
	const char *to, *pos[1];
	struct run_flags f;
	argc = cmd_take_to(argc, argv, &to);
	int n = cmd_parse_flags(g, argc, argv, &f, pos, 1, e);
	if (n < 0)
		return n;
	if (n != 1)
		return cmd_usage_error(g, e, "name the environment");
	struct cmd_migrations cm;
	int rc = cmd_migrations_open(g, pos[0], "baseline", &f, 1, &cm, e);
	if (rc < 0)
		return rc;
	struct run *r = cm.run;
	PGconn *db = NULL;
	struct buf q = BUF_INIT, lines = BUF_INIT;
	const struct migration **targets = xcalloc(cm.nrows + 1, sizeof *targets);
	size_t nt = 0;
	int found_to = !to;
	for (size_t i = 0; i < cm.nrows; i++) {
		const struct history_status *s = &cm.rows[i];
		if (!s->m || s->m->repeatable)
			continue;
		if (to && migration_version_cmp(s->version, to) == 0)
			found_to = 1;
		if (to && migration_version_cmp(s->version, to) > 0)
			continue;
		if (s->state == HISTORY_PENDING)
			targets[nt++] = s->m;
	}
	if (!found_to) {
		rc = err_set(e, SC_EUSAGE, "baseline '%s': --to %s: no migration of that version in '%s'; nothing was "
			     "changed", pos[0], to, cm.cfg->migrations);
		goto out;
	}
	if (!nt) {
		if (g->json)
			out_json(g->out, json_pack("{s:s,s:s,s:[]}", "event", "baseline", "env", pos[0], "recorded"));
		else
			printf("baseline '%s': nothing to record (no pending migration%s%s)\n", pos[0], to ? " up to " : "",
			       to ? to : "");
		rc = 0;
		goto out;
	}
	if (r->env->protected_env) {
		char *msg = xasprintf("record %zu migration%s of protected environment '%s' as applied without running "
				      "them", nt, nt == 1 ? "" : "s", r->env->name);
		rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0) {
			err_prefix(e, "baseline '%s'", pos[0]);
			goto out;
		}
	}
	if (!(db = run_db(r, e))) {
		rc = err_prefix(e, "baseline '%s'", pos[0]);
		goto out;
	}
	if ((rc = state_run_begin(r->state, r, e)) < 0) {
		err_prefix(e, "baseline '%s'", pos[0]);
		goto out;
	}
	buf_adds(&q, "BEGIN;\n");
	json_t *recorded = json_array();
	for (size_t i = 0; i < nt; i++) {
		const struct migration *m = targets[i];
		buf_adds(&q, "INSERT INTO stagecoach.schema_migrations (version, name, checksum, down_sql, applied_at, "
			     "duration_ms, run_id) VALUES (");
		baseline_lit(db, &q, m->version_str);
		buf_adds(&q, ", ");
		baseline_lit(db, &q, m->name);
		buf_adds(&q, ", ");
		baseline_lit(db, &q, m->checksum);
		buf_adds(&q, ", ");
		baseline_lit(db, &q, m->down_sql);
		buf_adds(&q, ", now(), NULL, ");
		baseline_lit(db, &q, r->run_id);
		buf_adds(&q, ")");
		/* Flyway and golang-migrate record a baseline once: its version */
		int last = i + 1 == nt;
		if (last || (cm.hist.tool != HISTORY_FLYWAY && cm.hist.tool != HISTORY_GOLANG)) {
			history_add_apply(db, &q, &cm.hist, m, 0, 1);
			cm.hist.tool_table_exists = 1; /* created by the first one */
		}
		buf_adds(&q, ";\n");
		buf_addf(&lines, "  baselined  %-16s %s\n", m->version_str, m->file);
		json_array_append_new(recorded, json_pack("{s:s,s:s}", "version", m->version_str, "file", m->file));
	}
	buf_adds(&q, "COMMIT");
	PGresult *res = PQexec(db, buf_str(&q));
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		rc = err_set(e, SC_EFAIL, "baseline '%s': %s; nothing was recorded", pos[0], msg ? msg : PQerrorMessage(db));
		PQclear(res);
		PQclear(PQexec(db, "ROLLBACK"));
		struct err we = ERR_INIT;
		state_run_finish(r->state, r, "failed", e->msg, &we);
		json_decref(recorded);
		goto out;
	}
	PQclear(res);
	struct err we = ERR_INIT;
	state_run_finish(r->state, r, "succeeded", NULL, &we);
	if (g->json) {
		out_json(g->out, json_pack("{s:s,s:s,s:s,s:o}", "event", "baseline", "env", pos[0], "run_id", r->run_id,
					   "recorded", recorded));
	} else {
		json_decref(recorded);
		printf("%sbaseline '%s': %zu migration%s recorded as applied (run %s%s%s)\n", buf_str(&lines), pos[0], nt,
		       nt == 1 ? "" : "s", r->run_id, cm.hist.tool != HISTORY_STAGECOACH ? ", also in " : "",
		       cm.hist.tool != HISTORY_STAGECOACH ? history_tool_table(cm.hist.tool) : "");
	}
	rc = 0;
out:
	free(targets);
	buf_release(&q);
	buf_release(&lines);
	cmd_migrations_close(&cm);
	return rc;
}
