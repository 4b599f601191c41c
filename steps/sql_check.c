/*
 * sql_check: a gate on the environment's database.  Each check runs `query`
 * and compares the first column of the first row with `expect` (a string),
 * or the row count with `expect_rows`; `max_ms` bounds its latency.  The
 * queries run in a READ ONLY transaction that is rolled back, with
 * statement_timeout from the step's timeout_ms.  Changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "step.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/util.h"

struct check {
	char *query;
	char *expect;       /* NULL: not compared */
	long long expect_rows; /* -1: not compared */
	long long max_ms;   /* 0: none */
	int line;
};

struct sql_check {
	struct check *checks;
	size_t n;
};

static const char *const keys[] = { "checks", "query", "expect", "expect_rows", "max_ms", NULL };
static const char *const check_keys[] = { "query", "expect", "expect_rows", "max_ms", NULL };
static const struct cfg_keys sql_check_keys[] = { { "sql_check.", keys }, { "sql_check.checks[].", check_keys },
						  { NULL, NULL } };

static int parse_check(const config_setting_t *s, struct check *c, struct err *e)
{
	int rc;
	c->expect_rows = -1;
	c->line = (int)config_setting_source_line(s);
	/* a number written without quotes is the common slip: take it as its text */
	config_setting_t *ex = config_setting_get_member(s, "expect");
	if (ex && (config_setting_type(ex) == CONFIG_TYPE_INT || config_setting_type(ex) == CONFIG_TYPE_INT64))
		c->expect = xasprintf("%lld", (long long)config_setting_get_int64(ex));
	else if ((rc = cfg_string(s, "expect", 0, &c->expect, e)) < 0)
		return rc;
	if ((rc = cfg_string(s, "query", 1, &c->query, e)) < 0 ||
	    (rc = cfg_int_range(s, "expect_rows", 0, 0, 1000000000, &c->expect_rows, e)) < 0 ||
	    (rc = cfg_int_range(s, "max_ms", 0, 0, CFG_MAX_MS, &c->max_ms, e)) < 0)
		return rc;
	if (!c->expect && c->expect_rows < 0 && !c->max_ms)
		return cfg_error(s, e, "a check needs 'expect', 'expect_rows' or 'max_ms'");
	return 0;
}

static int sql_check_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct sql_check *sc = xcalloc(1, sizeof(*sc));
	st->priv = sc;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0)
		return rc;
	config_setting_t *checks = config_setting_get_member(s, "checks");
	if (checks) {
		if (config_setting_type(checks) != CONFIG_TYPE_LIST)
			return cfg_error(checks, e, "'checks' must be a list ( { query = ...; expect = ...; }, ... )");
		sc->n = (size_t)config_setting_length(checks);
		sc->checks = xcalloc(sc->n ? sc->n : 1, sizeof(*sc->checks));
		for (size_t i = 0; i < sc->n; i++) {
			config_setting_t *c = config_setting_get_elem(checks, (unsigned)i);
			if (!config_setting_is_group(c))
				return cfg_error(c, e, "each check must be a group { query = ...; }");
			if ((rc = cfg_check_keys(c, check_keys, e)) < 0)
				return rc;
			if ((rc = parse_check(c, &sc->checks[i], e)) < 0)
				return rc;
		}
	} else if (config_setting_get_member(s, "query")) {
		sc->n = 1;
		sc->checks = xcalloc(1, sizeof(*sc->checks));
		if ((rc = parse_check(s, &sc->checks[0], e)) < 0)
			return rc;
	}
	if (sc->n == 0)
		return cfg_error(s, e, "sql_check needs 'checks' or 'query'");
	return 0;
}

static int exec_simple(PGconn *c, const char *sql, struct err *e)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		err_set(e, SC_EFAIL, "%s", PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -SC_EFAIL;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int sql_check_apply(struct step *st, struct run *r, struct err *e)
{
	struct sql_check *sc = st->priv;
	PGconn *c = run_db(r, e);
	if (!c)
		return -e->code;
	char setup[160];
	snprintf(setup, sizeof(setup), "BEGIN READ ONLY; SET LOCAL statement_timeout = %lld",
		 st->timeout_ms > 0 ? st->timeout_ms : 60000);
	if (exec_simple(c, setup, e) < 0)
		return err_prefix(e, "starting the checks");
	json_t *results = json_array();
	int rc = 0;
	for (size_t i = 0; i < sc->n && rc == 0; i++) {
		struct check *ck = &sc->checks[i];
		char *q = NULL, *want = NULL;
		if ((rc = run_expand(r, ck->query, &q, e)) < 0 || (rc = run_expand(r, ck->expect, &want, e)) < 0) {
			free(q);
			break;
		}
		run_progress(r, "check %zu/%zu", i + 1, sc->n);
		long long t0 = time_mono_ms();
		PGresult *res = PQexec(c, q);
		long long ms = time_mono_ms() - t0;
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			char *msg = xstrdup(PQresultErrorMessage(res));
			trim(msg);
			rc = err_set(e, SC_EFAIL, "check %zu (%s:%d) '%s': %s", i + 1, st->file, ck->line, q, msg);
			free(msg);
		} else {
			const char *got = PQntuples(res) > 0 && PQnfields(res) > 0 ? PQgetvalue(res, 0, 0) : NULL;
			if (got && PQgetisnull(res, 0, 0))
				got = "NULL";
			json_array_append_new(results, json_pack("{s:i,s:s?,s:i,s:I}", "check", (int)i + 1, "value",
								 got, "rows", PQntuples(res), "ms", (json_int_t)ms));
			if (want && (!got || strcmp(got, want) != 0))
				rc = err_set(e, SC_EFAIL, "check %zu (%s:%d) '%s': expected '%s', got %s%s%s", i + 1,
					     st->file, ck->line, q, want, got ? "'" : "no row", got ? got : "",
					     got ? "'" : "");
			else if (ck->expect_rows >= 0 && PQntuples(res) != ck->expect_rows)
				rc = err_set(e, SC_EFAIL, "check %zu (%s:%d) '%s': expected %lld rows, got %d", i + 1,
					     st->file, ck->line, q, ck->expect_rows, PQntuples(res));
			else if (ck->max_ms && ms > ck->max_ms)
				rc = err_set(e, SC_EFAIL, "check %zu (%s:%d) '%s': took %lld ms, more than max_ms %lld",
					     i + 1, st->file, ck->line, q, ms, ck->max_ms);
		}
		PQclear(res);
		free(q);
		free(want);
	}
	json_object_set_new(run_detail(r), "checks", results);
	struct err ignore = ERR_INIT;
	exec_simple(c, "ROLLBACK", &ignore);
	return rc;
}

static int sql_check_plan(struct step *st, struct run *r, struct err *e)
{
	struct sql_check *sc = st->priv;
	if (!r->env->database)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': environment '%s' has no database to check", st->file,
			       st->line, st->name, r->env->name);
	for (size_t i = 0; i < sc->n; i++) {
		char *q = NULL;
		if (run_expand(r, sc->checks[i].query, &q, e) < 0)
			return -SC_EUSAGE;
		run_plan_line(r, "check: %s", q);
		free(q);
	}
	return 0;
}

static void sql_check_free(struct step *st)
{
	struct sql_check *sc = st->priv;
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->checks[i].query);
		free(sc->checks[i].expect);
	}
	free(sc->checks);
	free(sc);
	st->priv = NULL;
}

const struct step_ops step_sql_check_ops = {
	.keys = sql_check_keys,
	.kind = "sql_check",
	.parse = sql_check_parse,
	.plan = sql_check_plan,
	.apply = sql_check_apply,
	.free = sql_check_free,
};
