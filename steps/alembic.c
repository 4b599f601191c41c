/*
 * alembic: a migrate step with tool = "alembic" delegates to the `alembic`
 * program (Alembic migrations are Python: stagecoach cannot read them as
 * SQL).  migrate.c's parse hands such a step over to this table of
 * operations (its kind stays "migrate").
 *
 * Settings: alembic_ini (default "alembic.ini", relative to the config's
 * folder; alembic runs in the ini's folder, so its script_location resolves
 * as on a developer's machine), command (the alembic executable, default
 * "alembic"; blanks separate words, no shell), rollback ("down", default;
 * "restore": the run's backup, as for SQL migrations; or "none").
 *
 * The database URL reaches alembic only through the environment
 * (DATABASE_URL, see run_child_env): never on its command line, where `ps`
 * would show it.  The project's env.py must read it (docs/steps/migrate.md).
 *
 * plan reads alembic_version (the revision the database is at), asks
 * `alembic heads`, and when they differ runs `alembic upgrade CUR:head
 * --sql` (offline mode: no connection) and shows that SQL as what would
 * run; the lint runs over it, one migration per revision, and blocks as it
 * does for SQL migrations.
 *
 * apply records the revision before in the detail (saved before anything
 * runs), runs `alembic upgrade head`, reads alembic_version again and
 * records it as "after"; it fails unless the database is then at the heads
 * alembic named (a database other than this environment's was migrated
 * when env.py ignores DATABASE_URL).
 *
 * rollback runs `alembic downgrade <before>` (`base` when the database had
 * no revision) unless the database is already there (Alembic runs all the
 * revisions of an upgrade in one transaction on PostgreSQL, so a failed
 * upgrade usually leaves nothing to undo), then checks alembic_version.
 *
 * Ownership: struct alembic (st->priv) owns its strings; revision lists are
 * NULL-terminated string vectors (strv_free).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "step.h"
#include "alembic.h"
#include "lint.h"
#include "migrations.h"
#include "pgtools.h"
#include "pgscope.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/proc.h"
#include "../lib/settings.h"
#include "../lib/util.h"

enum alembic_rollback {
	ALEMBIC_DOWN = 0,
	ALEMBIC_RESTORE,
	ALEMBIC_NONE,
};
static const char *const alembic_rollback_names[] = { "down", "restore", "none" };

struct alembic {
	char *ini;            /* raw alembic_ini */
	char *command;        /* raw command */
	enum alembic_rollback rollback;
	int restore_over_writes; /* on_writes_since_backup = "restore" */
	char heads_run[48];   /* the run whose plan asked `alembic heads` */
	char **heads;         /* its answer, reused by apply */
};

const char *const alembic_step_keys[] = { "tool", "alembic_ini", "command", "rollback", "on_writes_since_backup",
					  NULL };

static int alembic_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct alembic *a = xcalloc(1, sizeof *a);
	char *tool = NULL, *rb = NULL;
	int rc;
	st->priv = a;
	if ((rc = cfg_string(s, "tool", 1, &tool, e)) < 0)
		return rc;
	if (strcmp(tool, "alembic") != 0) {
		rc = cfg_error(config_setting_get_member(s, "tool"), e,
			       "'tool' must be \"alembic\" (SQL migration folders need no tool), not \"%s\"", tool);
		free(tool);
		return rc;
	}
	free(tool);
	if ((rc = cfg_check_keys(s, alembic_step_keys, e)) < 0 || (rc = cfg_string(s, "alembic_ini", 0, &a->ini, e)) < 0 ||
	    (rc = cfg_string(s, "command", 0, &a->command, e)) < 0 || (rc = cfg_string(s, "rollback", 0, &rb, e)) < 0)
		return rc;
	if (rb) {
		int found = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(rb, alembic_rollback_names[i]) == 0)
				found = i;
		if (found < 0) {
			rc = cfg_error(config_setting_get_member(s, "rollback"), e,
				       "with tool = \"alembic\", 'rollback' must be \"down\" (alembic downgrade), "
				       "\"restore\" (the run's backup) or \"none\", not \"%s\"",
				       rb);
			free(rb);
			return rc;
		}
		a->rollback = (enum alembic_rollback)found;
		free(rb);
	}
	char *ow = NULL;
	if ((rc = cfg_string(s, "on_writes_since_backup", 0, &ow, e)) < 0)
		return rc;
	if (ow) {
		a->restore_over_writes = strcmp(ow, "restore") == 0;
		int ok = a->restore_over_writes || strcmp(ow, "stop") == 0;
		free(ow);
		if (!ok)
			return cfg_error(config_setting_get_member(s, "on_writes_since_backup"), e,
					 "'on_writes_since_backup' must be \"stop\" or \"restore\"");
	}
	if (!a->ini)
		a->ini = xstrdup("alembic.ini");
	if (!a->command)
		a->command = xstrdup("alembic");
	if (!a->ini[0] || !a->command[0])
		return cfg_error(s, e, "'alembic_ini' and 'command' must not be empty");
	return 0;
}

/* ---- running alembic ---- */

struct alembic_call {
	char **argv;          /* command words, -c INI */
	char *dir;            /* the ini's folder: alembic's working folder */
	char *ini;            /* absolute */
	char *shown;          /* "alembic -c alembic.ini", for messages */
};

static void alembic_call_release(struct alembic_call *c)
{
	strv_free(c->argv);
	free(c->dir);
	free(c->ini);
	free(c->shown);
	memset(c, 0, sizeof *c);
}

static int alembic_call_init(struct step *st, struct run *run, struct alembic_call *c, struct err *e)
{
	struct alembic *a = st->priv;
	char *cmd = NULL, *ini = NULL;
	int rc;
	memset(c, 0, sizeof *c);
	if ((rc = run_expand(run, a->command, &cmd, e)) < 0 || (rc = run_expand(run, a->ini, &ini, e)) < 0) {
		free(cmd);
		return rc;
	}
	c->ini = path_join(run->cfg->dir, ini);
	if (access(c->ini, R_OK) < 0) {
		rc = err_set(e, SC_EUSAGE, "%s:%d: alembic_ini '%s': %s", st->file, st->line, c->ini, strerror(errno));
		goto out;
	}
	char *slash = strrchr(c->ini, '/');
	c->dir = xstrndup(c->ini, (size_t)(slash - c->ini));
	for (char *w = strtok(cmd, " \t"); w; w = strtok(NULL, " \t"))
		strv_push(&c->argv, w);
	if (!c->argv) {
		rc = err_set(e, SC_EUSAGE, "%s:%d: 'command' is blank", st->file, st->line);
		goto out;
	}
	strv_push(&c->argv, "-c");
	strv_push(&c->argv, c->ini);
	c->shown = xasprintf("%s -c %s", cmd, ini);
out:
	free(cmd);
	free(ini);
	return rc;
}

static void alembic_line(void *ctx, const char *line)
{
	run_log(ctx, "alembic: %s", line);
}

/*
 * Run alembic with the words of args (NULL-terminated) after -c INI.  With
 * stdout_out, its standard output is captured there (caller frees) and
 * only its standard error is logged; otherwise both are logged.
 */
static int alembic_run(struct step *st, struct run *run, const struct alembic_call *c, const char *const *args,
		       char **stdout_out, struct err *e)
{
	char **argv = NULL;
	char tmpdir[] = "/tmp/stagecoach-alembic-XXXXXX";
	char *outfile = NULL;
	struct buf what = BUF_INIT;
	buf_adds(&what, c->shown);
	for (size_t i = 0; args[i]; i++)
		buf_addf(&what, " %s", args[i]);
	if (stdout_out) {
		*stdout_out = NULL;
		if (!mkdtemp(tmpdir)) {
			buf_release(&what);
			return err_set(e, SC_EFAIL, "cannot make a temporary folder for alembic's output: %s",
				       strerror(errno));
		}
		outfile = path_join(tmpdir, "stdout");
	}
	/* sh finds the command in PATH and redirects its stdout: the words are
	 * its arguments, never parsed as shell code */
	strv_push(&argv, "/bin/sh");
	strv_push(&argv, "-c");
	strv_push(&argv, outfile ? "o=$1; shift; exec \"$@\" >\"$o\"" : "shift; exec \"$@\"");
	strv_push(&argv, "sh");
	strv_push(&argv, outfile ? outfile : "-");
	for (size_t i = 0; c->argv[i]; i++)
		strv_push(&argv, c->argv[i]);
	for (size_t i = 0; args[i]; i++)
		strv_push(&argv, args[i]);
	char **envp = run_child_env(run);
	struct proc_result res;
	int rc = proc_run(argv, envp, c->dir, st->timeout_ms, alembic_line, run, &run->stop, &res, e);
	strv_free(envp);
	strv_free(argv);
	if (rc < 0) {
		err_prefix(e, "cannot run '%s'", buf_str(&what));
		goto out;
	}
	if (!(res.exited && res.status == 0)) {
		char how[160];
		proc_describe(&res, st->timeout_ms, how, sizeof how);
		char *tail = proc_tail(&res, 12);
		rc = err_set(e, SC_EFAIL, "'%s' %s%s%s", buf_str(&what), how, tail[0] ? ": " : "", tail);
		if (res.exited && res.status == 127)
			err_prefix(e, "is alembic installed (set 'command' to its path)?");
		free(tail);
	} else if (stdout_out) {
		size_t len;
		if (file_read_all(outfile, stdout_out, &len) < 0)
			rc = err_set(e, SC_EFAIL, "cannot read the output of '%s': %s", buf_str(&what), strerror(errno));
	}
	proc_result_release(&res);
out:
	if (outfile) {
		unlink(outfile);
		rmdir(tmpdir);
	}
	free(outfile);
	buf_release(&what);
	return rc;
}

/* The revisions alembic_version holds (NULL: none, the database is at base). */
static int alembic_current(struct run *run, char ***revs, struct err *e)
{
	*revs = NULL;
	PGconn *db = run_db(run, e);
	if (!db)
		return -e->code;
	PGresult *res = PQexec(db, "SELECT version_num FROM alembic_version ORDER BY 1");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* the table does not exist: the planner refuses the query */
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state && strcmp(state, "42P01") == 0) {
			PQclear(res);
			if (PQtransactionStatus(db) == PQTRANS_INERROR)
				PQclear(PQexec(db, "ROLLBACK"));
			return 0;
		}
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		int rc = err_set(e, SC_EFAIL, "cannot read alembic_version: %s", msg ? msg : PQerrorMessage(db));
		PQclear(res);
		return rc;
	}
	for (int i = 0; i < PQntuples(res); i++)
		strv_push(revs, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

/* The heads of the revision tree, from `alembic heads` (needs no database). */
static int alembic_heads(struct step *st, struct run *run, const struct alembic_call *c, char ***heads,
			 struct err *e)
{
	static const char *const args[] = { "heads", NULL };
	char *out = NULL;
	*heads = NULL;
	int rc = alembic_run(st, run, c, args, &out, e);
	if (rc < 0)
		return rc;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		size_t n = strcspn(line, " \t");
		if (!n)
			continue;
		line[n] = 0;
		strv_push(heads, line);
	}
	free(out);
	if (!*heads)
		return err_set(e, SC_EUSAGE, "'%s heads' names no revision: the project has no migration", c->shown);
	return 0;
}

static int alembic_same(char *const *a, char *const *b)
{
	if (strv_len(a) != strv_len(b))
		return 0;
	for (size_t i = 0; a && a[i]; i++)
		if (!strv_contains(b, a[i]))
			return 0;
	return 1;
}

/* "abc", "abc,def", or "base" (caller frees) */
static char *alembic_revs_str(char *const *revs)
{
	if (!revs || !revs[0])
		return xstrdup("base");
	struct buf b = BUF_INIT;
	for (size_t i = 0; revs[i]; i++)
		buf_addf(&b, "%s%s", i ? "," : "", revs[i]);
	return buf_detach(&b);
}

static json_t *alembic_revs_json(char *const *revs)
{
	if (!revs || !revs[0])
		return json_null();
	if (!revs[1])
		return json_string(revs[0]);
	json_t *arr = json_array();
	for (size_t i = 0; revs[i]; i++)
		json_array_append_new(arr, json_string(revs[i]));
	return arr;
}

/* ---- plan: offline SQL and its lint ---- */

/*
 * Cut alembic's offline SQL into one migration per revision, at its
 * "-- Running upgrade A -> B, message" comments (the text before the first
 * is alembic's own: BEGIN, CREATE TABLE alembic_version).
 */
static void alembic_split_sql(const char *sql, struct migration **out, size_t *n)
{
	struct migration *v = NULL;
	size_t count = 0;
	const char *p = sql, *start = sql;
	int line = 1, start_line = 1;
	char *label = xstrdup("alembic (setup)");
	for (;;) {
		int at_rev = starts_with(p, "-- Running upgrade ");
		if (at_rev || !*p) {
			if (p > start) {
				v = xrealloc(v, (count + 1) * sizeof *v);
				struct migration *m = &v[count++];
				memset(m, 0, sizeof *m);
				m->layout = MIGRATION_PLAIN;
				/* alembic's SQL holds its own BEGIN/COMMIT: they are its
				 * transactions, not a migration's inside stagecoach's */
				m->no_transaction = 1;
				m->file = label;
				m->version_str = xstrdup("0");
				m->name = xstrdup("");
				m->up_sql = xstrndup(start, (size_t)(p - start));
				m->up_line = start_line;
				sha256_hex(m->up_sql, strlen(m->up_sql), m->checksum);
			} else {
				free(label);
			}
			label = NULL;
			if (!*p)
				break;
			/* "-- Running upgrade  -> abc, msg" / "-- Running upgrade abc -> def, msg" */
			const char *arrow = strstr(p, "-> ");
			const char *eol = strchr(p, '\n');
			if (arrow && (!eol || arrow < eol)) {
				const char *r = arrow + 3;
				size_t len = strcspn(r, ",\n");
				label = xasprintf("alembic revision %.*s", (int)len, r);
			} else {
				label = xstrdup("alembic");
			}
			start = p;
			start_line = line;
		}
		const char *eol = strchr(p, '\n');
		if (!eol) {
			p += strlen(p);
			continue;
		}
		p = eol + 1;
		line++;
	}
	*out = v;
	*n = count;
}

static int alembic_lint(struct step *st, struct run *run, const char *sql, struct err *e)
{
	struct migration *m = NULL;
	size_t n = 0;
	int rc = 0;
	(void)st;
	alembic_split_sql(sql, &m, &n);
	PGconn *db = run_db(run, e);
	if (!db) {
		migrations_free(m, n);
		return -e->code;
	}
	struct lint_report rep = LINT_REPORT_INIT;
	struct lint_options opt = { 0, NULL, PQserverVersion(db) };
	lint_migrations(m, n, &opt, &rep);
	const struct lint_finding *blocker = NULL;
	for (size_t i = 0; i < rep.n; i++) {
		const struct lint_finding *f = &rep.findings[i];
		struct buf b = BUF_INIT;
		lint_finding_format(f, "", &b);
		run_plan_line(run, "    %s %s", f->severity == LINT_ERROR ? "error:" : "warning:", buf_str(&b));
		buf_release(&b);
		if (!blocker && !f->accepted && (f->severity == LINT_ERROR || (run->env->protected_env && f->destructive)))
			blocker = f;
	}
	if (blocker) {
		struct buf b = BUF_INIT;
		lint_finding_format(blocker, NULL, &b);
		if (blocker->severity == LINT_ERROR)
			rc = err_set(e, SC_EUSAGE, "the lint found an error in alembic's offline SQL: %s", buf_str(&b));
		else
			rc = err_set(e, SC_EUSAGE,
				     "'%s' is protected and alembic's offline SQL has an unaccepted destructive finding "
				     "(%zu in all): %s",
				     run->env->name, rep.destructive, buf_str(&b));
		buf_release(&b);
	}
	lint_report_release(&rep);
	migrations_free(m, n);
	return rc;
}

static int alembic_plan(struct step *st, struct run *run, struct err *e)
{
	struct alembic *a = st->priv;
	struct alembic_call c;
	char **cur = NULL, **heads = NULL;
	char *cur_s = NULL, *heads_s = NULL, *sql = NULL, *range = NULL;
	int rc;
	if ((rc = alembic_call_init(st, run, &c, e)) < 0)
		return rc;
	if ((rc = alembic_current(run, &cur, e)) < 0 || (rc = alembic_heads(st, run, &c, &heads, e)) < 0)
		goto out;
	strv_free(a->heads);
	a->heads = NULL;
	for (size_t i = 0; heads[i]; i++)
		strv_push(&a->heads, heads[i]);
	snprintf(a->heads_run, sizeof a->heads_run, "%s", run->run_id);
	cur_s = alembic_revs_str(cur);
	heads_s = alembic_revs_str(heads);
	if (alembic_same(cur, heads)) {
		run_plan_line(run, "alembic: the database is at head (%s): nothing to upgrade", cur_s);
		goto out;
	}
	run_plan_line(run, "alembic: the database is at %s, head is %s: would run '%s upgrade head'%s%s", cur_s, heads_s,
		      c.shown, a->rollback == ALEMBIC_DOWN ? "; rollback: alembic downgrade " : "",
		      a->rollback == ALEMBIC_DOWN ? cur_s : "");
	if (cur && cur[1]) {
		run_plan_line(run, "  (the database has several revisions: no offline SQL shown, no lint)");
		goto out;
	}
	range = cur ? xasprintf("%s:head", cur[0]) : xstrdup("head");
	const char *args[] = { "upgrade", range, "--sql", NULL };
	if ((rc = alembic_run(st, run, &c, args, &sql, e)) < 0) {
		err_prefix(e, "offline mode (what plan shows and the lint reads)");
		goto out;
	}
	run_plan_line(run, "  what would run ('%s upgrade %s --sql'):", c.shown, range);
	for (char *p = sql, *eol; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		int len = eol ? (int)(eol - p) : (int)strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\r'))
			len--;
		if (len)
			run_plan_line(run, "    %.*s", len, p);
	}
	rc = alembic_lint(st, run, sql, e);
out:
	free(sql);
	free(range);
	free(cur_s);
	free(heads_s);
	strv_free(cur);
	strv_free(heads);
	alembic_call_release(&c);
	return rc;
}

static int alembic_apply(struct step *st, struct run *run, struct err *e)
{
	struct alembic *a = st->priv;
	struct alembic_call c;
	char **before = NULL, **heads = NULL, **after = NULL;
	json_t *detail = run_detail(run);
	int rc;
	if ((rc = alembic_call_init(st, run, &c, e)) < 0)
		return rc;
	if ((rc = alembic_current(run, &before, e)) < 0)
		goto out;
	if (a->heads && strcmp(a->heads_run, run->run_id) == 0) {
		for (size_t i = 0; a->heads[i]; i++) /* this run's plan asked already */
			strv_push(&heads, a->heads[i]);
	} else if ((rc = alembic_heads(st, run, &c, &heads, e)) < 0) {
		goto out;
	}
	json_object_set_new(detail, "tool", json_string("alembic"));
	json_object_set_new(detail, "run_id", json_string(run->run_id));
	json_object_set_new(detail, "rollback", json_string(alembic_rollback_names[a->rollback]));
	json_object_set_new(detail, "before", alembic_revs_json(before));
	json_object_set_new(detail, "heads", alembic_revs_json(heads));
	run_checkpoint(run); /* the revision before is in the records before alembic runs */
	if (alembic_same(before, heads)) {
		char *s = alembic_revs_str(before);
		run_log(run, "alembic: already at head (%s)", s);
		free(s);
		json_object_set_new(detail, "after", alembic_revs_json(before));
		goto out;
	}
	run_progress(run, "alembic upgrade head");
	/* alembic's own writes, so that a restore does not count them as rows
	 * written since the backup (pgscope.h) */
	json_t *writes0 = NULL;
	PGconn *db = a->rollback == ALEMBIC_RESTORE ? run_db(run, e) : NULL;
	if (db && pgscope_snapshot(db, NULL, &writes0, e) < 0) {
		run_warn(run, "%s: a restore will count alembic's own writes as written since the backup", e->msg);
		err_clear(e);
	}
	static const char *const args[] = { "upgrade", "head", NULL };
	rc = alembic_run(st, run, &c, args, NULL, e);
	json_t *writes1 = NULL;
	struct err we = ERR_INIT;
	if (writes0 && pgscope_snapshot(db, NULL, &writes1, &we) == 0)
		json_object_set_new(detail, "own_writes", pgscope_delta(writes0, writes1));
	json_decref(writes0);
	json_decref(writes1);
	struct err e2 = ERR_INIT;
	if (alembic_current(run, &after, &e2) < 0) {
		if (rc == 0)
			rc = err_set(e, SC_EFAIL, "alembic upgraded, but %s", e2.msg);
		goto out;
	}
	json_object_set_new(detail, "after", alembic_revs_json(after));
	if (rc == 0 && !alembic_same(after, heads)) {
		char *as = alembic_revs_str(after), *hs = alembic_revs_str(heads);
		rc = err_set(e, SC_EFAIL,
			     "'%s upgrade head' succeeded but this environment's alembic_version is %s, not the head %s: "
			     "does env.py connect to os.environ[\"DATABASE_URL\"]?",
			     c.shown, as, hs);
		free(as);
		free(hs);
	}
	if (rc == 0) {
		char *bs = alembic_revs_str(before), *as = alembic_revs_str(after);
		run_log(run, "alembic: upgraded from %s to %s", bs, as);
		free(bs);
		free(as);
	}
out:
	strv_free(before);
	strv_free(heads);
	strv_free(after);
	alembic_call_release(&c);
	return rc;
}

/* rollback = "restore": the backup of this run's pg_backup step before st
 * (the database, alembic_version included, as it was before the run). */
static int alembic_restore(struct step *st, struct run *run, json_t *detail, struct err *e)
{
	struct alembic *a = st->priv;
	const char *path = NULL;
	struct step *backup = NULL;
	json_t *bd = NULL;
	for (size_t i = 0; i < run->nexecs; i++) {
		struct step_exec *x = &run->execs[i];
		if (!x->step || x->step->position > st->position || strcmp(x->step->kind, "pg_backup") != 0 ||
		    !x->detail)
			continue;
		const char *p = json_string_value(json_object_get(x->detail, "path"));
		if (p) {
			path = p;
			backup = x->step;
			bd = x->detail;
		}
	}
	if (!path)
		return err_set(e, SC_EROLLBACK, "rollback = \"restore\" but run '%s' has no backup", run_target_id(run));
	PGconn *db = run_db(run, e);
	if (!db)
		return -e->code;
	int rc;
	/* No silent data loss: rows written since the backup are not discarded
	 * unless approved (rollback --approve) or the step says so.  The same
	 * rules as migrate.c's restore. */
	if (!run->writes_approved) {
		char **schemas = NULL;
		json_t *report = NULL;
		long long total = 0;
		int unknown = 0;
		if (pgscope_restore_schemas(db, json_object_get(bd, "schemas"), pg_backup_schemas(backup), &schemas, e) < 0)
			return err_prefix(e, "cannot count the rows written since the backup, not restoring it");
		rc = pgscope_writes_since(db, json_object_get(bd, "writes_base"), json_object_get(detail, "own_writes"),
					  schemas, &report, &total, &unknown, e);
		strv_free(schemas);
		if (rc < 0)
			return err_prefix(e, "cannot count the rows written since the backup, not restoring it");
		char *what = pgscope_describe(report, total, unknown);
		json_object_set_new(detail, "writes_since_backup", report);
		if ((total || unknown) && !a->restore_over_writes) {
			rc = err_set(e, SC_EROLLBACK,
				     "not restoring backup %s: rows were written since it was taken, a restore would "
				     "discard them (%s). The alembic revisions of run '%s' stay applied. To restore "
				     "anyway: 'stagecoach rollback %s --last --dry-run' to see what it discards, then with "
				     "--approve; or undo by hand and 'stagecoach resolve %s'",
				     path, what, run_target_id(run), run->env->name, run->env->name);
			free(what);
			return rc;
		}
		if (total || unknown)
			run_warn(run, "restoring backup %s over rows written since it (on_writes_since_backup = "
				 "\"restore\"): %s", path, what);
		free(what);
	}
	char *pg_dump = pg_backup_pg_dump(backup, run);
	if (!run->no_safety_backup && pg_backup_safety(backup)) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *safety = NULL;
		if (slash)
			*slash = '\0';
		rc = pgtools_safety_backup(run, db, slash ? dir : ".", pg_dump, pg_backup_schemas(backup), &safety, e);
		free(dir);
		if (rc < 0) {
			free(pg_dump);
			return rc;
		}
		json_object_set_new(detail, "safety_backup", json_string(safety));
		free(safety);
	}
	rc = pgtools_restore(run, db, path, pg_dump, pg_backup_schemas(backup), e);
	free(pg_dump);
	if (rc < 0)
		return rc;
	json_object_set_new(detail, "restored", json_string(path));
	run_log(run, "alembic: restored the backup %s", path);
	return 0;
}

/* rollback = "restore" needs a pg_backup step before this one wherever it runs */
static int alembic_check(const struct step *st, const struct config *cfg, struct err *e)
{
	const struct alembic *a = st->priv;
	if (a->rollback != ALEMBIC_RESTORE)
		return 0;
	for (size_t i = 0; i < cfg->nenvs; i++) {
		int found = 0;
		if (!config_step_applies(st, &cfg->envs[i]))
			continue;
		for (size_t j = 0; j < cfg->nsteps && &cfg->steps[j] != st; j++)
			found |= strcmp(cfg->steps[j].kind, "pg_backup") == 0 &&
				 config_step_applies(&cfg->steps[j], &cfg->envs[i]);
		if (!found)
			return err_set(e, SC_EUSAGE,
				       "%s:%d: step '%s': rollback = \"restore\" needs a pg_backup step before it on "
				       "environment '%s'",
				       st->file, st->line, st->name, cfg->envs[i].name);
	}
	return 0;
}

static int alembic_rollback(struct step *st, struct run *run, struct err *e)
{
	struct alembic *a = st->priv;
	json_t *detail = run_detail(run);
	const char *strategy = json_string_value(json_object_get(detail, "rollback"));
	json_t *jb = json_object_get(detail, "before");
	char **before = NULL, **cur = NULL;
	struct alembic_call c;
	int rc;
	if (!strategy)
		strategy = alembic_rollback_names[a->rollback];
	if (strcmp(strategy, "none") == 0) {
		run_log(run, "rollback = \"none\": the alembic revisions of this run stay applied");
		return 0;
	}
	if (strcmp(strategy, "restore") == 0)
		return alembic_restore(st, run, detail, e);
	if (!jb) {
		/* killed before the revision was recorded: alembic had not run */
		run_log(run, "alembic had not run: nothing to downgrade");
		return 0;
	}
	if (json_is_string(jb)) {
		strv_push(&before, json_string_value(jb));
	} else if (json_is_array(jb)) {
		return err_set(e, SC_EROLLBACK,
			       "the database had several alembic revisions before the run (%zu heads): downgrade by "
			       "hand with 'alembic downgrade REVISION' for each",
			       json_array_size(jb));
	}
	if ((rc = alembic_call_init(st, run, &c, e)) < 0) {
		strv_free(before);
		return rc == -SC_EUSAGE ? (e->code = SC_EROLLBACK, -SC_EROLLBACK) : rc;
	}
	char *target = alembic_revs_str(before);
	if ((rc = alembic_current(run, &cur, e)) < 0)
		goto out;
	if (alembic_same(cur, before)) {
		run_log(run, "alembic: the database is already at %s: nothing to downgrade", target);
		json_object_set_new(detail, "rolled_back_to", json_string(target));
		goto out;
	}
	run_progress(run, "alembic downgrade %s", target);
	const char *args[] = { "downgrade", target, NULL };
	if ((rc = alembic_run(st, run, &c, args, NULL, e)) < 0) {
		e->code = SC_EROLLBACK;
		rc = -SC_EROLLBACK;
		goto out;
	}
	strv_free(cur);
	cur = NULL;
	if ((rc = alembic_current(run, &cur, e)) < 0)
		goto out;
	if (!alembic_same(cur, before)) {
		char *cs = alembic_revs_str(cur);
		rc = err_set(e, SC_EROLLBACK, "'%s downgrade %s' succeeded but alembic_version is %s", c.shown, target,
			     cs);
		free(cs);
		goto out;
	}
	json_object_set_new(detail, "rolled_back_to", json_string(target));
	run_log(run, "alembic: downgraded to %s", target);
out:
	free(target);
	strv_free(before);
	strv_free(cur);
	alembic_call_release(&c);
	return rc;
}

static enum step_undo alembic_undo(const struct step *st)
{
	return ((const struct alembic *)st->priv)->rollback == ALEMBIC_NONE ? UNDO_IMPOSSIBLE : UNDO_ROLLBACK;
}

static const char *alembic_strategy(const struct step *st)
{
	switch (((const struct alembic *)st->priv)->rollback) {
	case ALEMBIC_RESTORE:
		return "restore the backup taken before it";
	case ALEMBIC_NONE:
		return "none (alembic revisions stay applied)";
	case ALEMBIC_DOWN:
		break;
	}
	return "alembic downgrade to the revision the database had before";
}

static void alembic_free(struct step *st)
{
	struct alembic *a = st->priv;
	if (!a)
		return;
	free(a->ini);
	free(a->command);
	strv_free(a->heads);
	free(a);
	st->priv = NULL;
}

const struct step_ops step_migrate_alembic_ops = {
	.kind = "migrate",
	.parse = alembic_parse,
	.plan = alembic_plan,
	.apply = alembic_apply,
	.rollback = alembic_rollback,
	.free = alembic_free,
	.undo = alembic_undo,
	.rollback_strategy = alembic_strategy,
	.check = alembic_check,
};

const char *alembic_step_ini(const struct step *st)
{
	return st->ops == &step_migrate_alembic_ops ? ((const struct alembic *)st->priv)->ini : NULL;
}
