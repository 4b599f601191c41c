/*
 * cmd-migrations: `migrations ENV`: every migration of the folder and every
 * record of ENV's history, like `flyway info`: applied (when, by which run,
 * which tool), pending, changed since applied, applied but missing from the
 * folder, baselined.  Read-only: it takes no lock and creates nothing.  The
 * history is stagecoach's records and the table of the tool the migrate
 * step keeps (its `history`, steps/history.h).
 *
 * cmd_migrations_open() is shared with `baseline` and `repair`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../steps/history.h"
#include "../steps/step.h"

void cmd_migrations_close(struct cmd_migrations *cm)
{
	free(cm->rows);
	history_release(&cm->hist);
	migrations_free(cm->all, cm->n);
	strv_free(cm->ignored);
	if (cm->run)
		cmd_close_run(cm->run);
	if (cm->cfg)
		config_free(cm->cfg);
	memset(cm, 0, sizeof *cm);
}

int cmd_migrations_open(struct global *g, const char *env_name, const char *command, const struct run_flags *flags,
			int lock, struct cmd_migrations *cm, struct err *e)
{
	int rc;
	memset(cm, 0, sizeof *cm);
	if ((rc = cmd_load_config(g, &cm->cfg, e)) < 0)
		return rc;
	if (!cm->cfg->migrations) {
		rc = err_set(e, SC_EUSAGE, "%s '%s': the config sets no 'migrations' folder", command, env_name);
		goto fail;
	}
	if ((rc = cmd_open_run(g, cm->cfg, env_name, command, flags, lock, &cm->run, e)) < 0)
		goto fail;
	enum history_tool setting = HISTORY_AUTO;
	for (size_t i = 0; i < cm->cfg->nsteps; i++) {
		const struct step *st = &cm->cfg->steps[i];
		if (strcmp(st->kind, "migrate") == 0 && config_step_applies(st, cm->run->env)) {
			setting = step_migrate_history(st);
			break;
		}
	}
	PGconn *db = run_db_read(cm->run, e);
	if (!db) {
		rc = -e->code;
		goto prefix;
	}
	if ((rc = migrations_discover_notes(cm->cfg->migrations, &cm->all, &cm->n, &cm->ignored, e)) < 0 ||
	    (rc = history_read(db, setting, cm->all, cm->n, &cm->hist, e)) < 0)
		goto prefix;
	cm->nrows = history_statuses(&cm->hist, cm->all, cm->n, &cm->rows);
	return 0;
prefix:
	err_prefix(e, "%s '%s'", command, env_name);
fail:
	cmd_migrations_close(cm);
	return rc;
}

static json_t *migrations_row_json(const struct history_status *s)
{
	const struct history_entry *rec = s->sc ? s->sc : s->tl;
	json_t *o = json_object();
	json_object_set_new(o, "version", json_string(s->version));
	json_object_set_new(o, "name", json_string(s->name ? s->name : ""));
	json_object_set_new(o, "file", s->m ? json_string(s->m->file) : json_null());
	json_object_set_new(o, "state", json_string(history_state_name(s->state)));
	json_object_set_new(o, "applied_at", rec && rec->applied_at ? json_string(rec->applied_at) : json_null());
	json_object_set_new(o, "run_id", s->sc && s->sc->run_id ? json_string(s->sc->run_id) : json_null());
	json_object_set_new(o, "by", s->by ? json_string(s->by) : json_null());
	json_object_set_new(o, "in_tool_table", json_boolean(s->tl != NULL));
	return o;
}

int cmd_migrations(int argc, char **argv, struct global *g, struct err *e)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(g, e, argv[i]);
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(g, e, "name the environment");
	struct cmd_migrations cm;
	int rc = cmd_migrations_open(g, argv[1], "migrations", NULL, 0, &cm, e);
	if (rc < 0)
		return rc;
	struct err disagree = ERR_INIT;
	history_check(&cm.hist, &disagree);
	size_t counts[5] = { 0 };
	for (size_t i = 0; i < cm.nrows; i++)
		counts[cm.rows[i].state]++;
	if (g->json) {
		json_t *o = json_object(), *list = json_array(), *ign = json_array(), *c = json_object();
		json_object_set_new(o, "event", json_string("migrations"));
		json_object_set_new(o, "env", json_string(argv[1]));
		json_object_set_new(o, "history", json_string(history_tool_name(cm.hist.tool)));
		json_object_set_new(o, "tool_table",
				    cm.hist.tool == HISTORY_STAGECOACH ? json_null()
								       : json_string(history_tool_table(cm.hist.tool)));
		for (size_t i = 0; i < cm.nrows; i++)
			json_array_append_new(list, migrations_row_json(&cm.rows[i]));
		for (size_t i = 0; cm.ignored && cm.ignored[i]; i++)
			json_array_append_new(ign, json_string(cm.ignored[i]));
		for (int s = 0; s < 5; s++)
			json_object_set_new(c, history_state_name((enum history_state)s), json_integer((json_int_t)counts[s]));
		json_object_set_new(o, "migrations", list);
		json_object_set_new(o, "counts", c);
		json_object_set_new(o, "ignored", ign);
		json_object_set_new(o, "disagreement", disagree.code ? json_string(disagree.msg) : json_null());
		out_json(g->out, o);
	} else {
		struct buf b = BUF_INIT;
		buf_addf(&b, "migrations of '%s' (%s", argv[1], cm.cfg->migrations);
		if (cm.hist.tool != HISTORY_STAGECOACH)
			buf_addf(&b, "; history: stagecoach and %s's %s", history_tool_name(cm.hist.tool),
				 history_tool_table(cm.hist.tool));
		buf_adds(&b, ")\n");
		for (size_t i = 0; i < cm.nrows; i++) {
			const struct history_status *s = &cm.rows[i];
			const struct history_entry *rec = s->sc ? s->sc : s->tl;
			buf_addf(&b, "  %-9s  %-16s %s", history_state_name(s->state), s->version,
				 s->m ? s->m->file : (s->name && *s->name ? s->name : "-"));
			if (rec && s->state != HISTORY_PENDING) {
				if (rec->applied_at)
					buf_addf(&b, "  %s", rec->applied_at);
				if (s->by)
					buf_addf(&b, " by %s", s->by);
				if (s->sc && s->sc->run_id)
					buf_addf(&b, " (run %s)", s->sc->run_id);
			}
			buf_adds(&b, "\n");
		}
		for (size_t i = 0; cm.ignored && cm.ignored[i]; i++)
			buf_addf(&b, "  note: %s\n", cm.ignored[i]);
		buf_addf(&b, "%zu applied, %zu pending, %zu changed, %zu missing, %zu baselined", counts[HISTORY_APPLIED],
			 counts[HISTORY_PENDING], counts[HISTORY_CHANGED], counts[HISTORY_MISSING],
			 counts[HISTORY_BASELINED]);
		if (disagree.code)
			buf_addf(&b, "\nwarning: %s", disagree.msg);
		fwrite(buf_str(&b), 1, b.len, stdout);
		fputc('\n', stdout);
		buf_release(&b);
	}
	cmd_migrations_close(&cm);
	return 0;
}
