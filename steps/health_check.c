/*
 * health_check: a gate; it changes nothing, so there is nothing to roll back.
 *
 * apply GETs `url` until one answer is good: status `expect_status`
 * (default 200), body containing `expect_body` (if set), and within
 * `max_latency_ms` (if set); up to `retries` tries (default 3),
 * `interval_ms` apart (default 1000).  With `samples = N` it then sends N
 * more requests, one after the other, and requires that at most
 * `max_error_rate` of them (a fraction, default 0) are bad (status or body;
 * latency is judged by `p95_ms`) and, if `p95_ms` is set, that the 95th
 * percentile of their latencies is at most that.  Each request's timeout
 * is the step's timeout_ms (default 10000).
 *
 * A wrong status or body is reported with the body received (bounded,
 * escaped, redacted: lib/snippet.h).
 *
 * plan checks that the URL's host name resolves (a name that does not is a
 * target not there: exit 6 before anything changed).  When every try
 * failed to connect, the error is SC_EUNREACHABLE, so a gate that runs
 * before anything changed exits 6, not 1 "rolled back".
 *
 * run_detail: {"health_check": {url, tries, status, latency_ms, and with
 * samples: samples, errors, error_rate, p95_ms}}.  The ssh step runs it
 * as its `health` gate between batches (gate_run).
 */
#include <math.h>
#include <netdb.h>
#include <stdlib.h>
#include <curl/curl.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "step.h"
#include "httpc.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/snippet.h"
#include "../lib/util.h"

struct hc_priv {
	char *url;
	char **headers;
	long long expect_status;
	char *expect_body;
	long long max_latency_ms;   /* 0: any */
	long long retries;
	long long interval_ms;
	long long samples;
	double max_error_rate;
	long long p95_ms;           /* 0: any */
	int insecure_tls;
};

static int hc_parse_float(const config_setting_t *s, const char *key, double *out, struct err *e)
{
	const config_setting_t *m = config_setting_get_member(s, key);
	if (!m)
		return 0;
	int t = config_setting_type(m);
	if (t == CONFIG_TYPE_FLOAT)
		*out = config_setting_get_float(m);
	else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		*out = (double)config_setting_get_int64(m);
	else
		return cfg_error(m, e, "'%s' must be a number", key);
	return 0;
}

static const char *const keys[] = { "url", "headers", "expect_status", "expect_body", "max_latency_ms",
				    "retries", "interval_ms", "samples", "max_error_rate", "p95_ms",
				    "insecure_tls", NULL };
static const struct cfg_keys hc_keys[] = { { "health_check.", keys }, { NULL, NULL } };

static int hc_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct hc_priv *p = xcalloc(1, sizeof(*p));
	st->priv = p;
	p->expect_status = 200;
	p->retries = 3;
	p->interval_ms = 1000;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = cfg_string(s, "url", 1, &p->url, e)) < 0 ||
	    (rc = cfg_strings(s, "headers", 0, &p->headers, e)) < 0 ||
	    (rc = cfg_int_range(s, "expect_status", 0, 100, 599, &p->expect_status, e)) < 0 ||
	    (rc = cfg_string(s, "expect_body", 0, &p->expect_body, e)) < 0 ||
	    (rc = cfg_int_range(s, "max_latency_ms", 0, 0, CFG_MAX_MS, &p->max_latency_ms, e)) < 0 ||
	    (rc = cfg_int_range(s, "retries", 0, 1, 1000, &p->retries, e)) < 0 ||
	    (rc = cfg_int_range(s, "interval_ms", 0, 0, CFG_MAX_MS, &p->interval_ms, e)) < 0 ||
	    (rc = cfg_int_range(s, "samples", 0, 0, 100000, &p->samples, e)) < 0 ||
	    (rc = hc_parse_float(s, "max_error_rate", &p->max_error_rate, e)) < 0 ||
	    (rc = cfg_int_range(s, "p95_ms", 0, 0, CFG_MAX_MS, &p->p95_ms, e)) < 0 ||
	    (rc = cfg_bool(s, "insecure_tls", 0, &p->insecure_tls, e)) < 0)
		return rc;
	if (p->retries < 1 || p->retries > 1000)
		return cfg_error(config_setting_get_member(s, "retries"), e,
				 "'retries' (the number of tries) must be between 1 and 1000");
	if (p->interval_ms < 0 || p->max_latency_ms < 0 || p->p95_ms < 0)
		return cfg_error(s, e, "'interval_ms', 'max_latency_ms' and 'p95_ms' must not be negative");
	if (p->samples < 0 || p->samples > 100000)
		return cfg_error(config_setting_get_member(s, "samples"), e, "'samples' must be between 0 and 100000");
	if (p->max_error_rate < 0 || p->max_error_rate > 1)
		return cfg_error(config_setting_get_member(s, "max_error_rate"), e,
				 "'max_error_rate' is a fraction between 0 and 1 (0.02 for 2%%)");
	if ((config_setting_get_member(s, "max_error_rate") || p->p95_ms) && p->samples == 0)
		return cfg_error(s, e, "'max_error_rate' and 'p95_ms' need 'samples'");
	if (p->expect_status < 100 || p->expect_status > 599)
		return cfg_error(config_setting_get_member(s, "expect_status"), e,
				 "'expect_status' must be an HTTP status (100-599)");
	return 0;
}

static void hc_free(struct step *st)
{
	struct hc_priv *p = st->priv;
	if (!p)
		return;
	free(p->url);
	strv_free(p->headers);
	free(p->expect_body);
	free(p);
	st->priv = NULL;
}

static void hc_log_cb(void *ctx, const char *line)
{
	run_log(ctx, "%s", line);
}

static int hc_stop_cb(void *ctx)
{
	return run_should_stop(ctx);
}

/* expanded settings of one run */
struct hc_target {
	char *url;
	char **headers;
	char *expect_body;
};

static void hc_target_release(struct hc_target *t)
{
	free(t->url);
	strv_free(t->headers);
	free(t->expect_body);
}

static int hc_target_expand(struct hc_priv *p, struct run *run, struct hc_target *t, struct err *e)
{
	memset(t, 0, sizeof(*t));
	int rc = run_expand(run, p->url, &t->url, e);
	if (rc >= 0 && p->expect_body)
		rc = run_expand(run, p->expect_body, &t->expect_body, e);
	for (size_t i = 0; rc >= 0 && p->headers && p->headers[i]; i++) {
		char *h = NULL;
		rc = run_expand(run, p->headers[i], &h, e);
		if (rc >= 0)
			strv_push(&t->headers, h);
		free(h);
	}
	return rc < 0 ? rc : 0;
}

static struct httpc_req *hc_req(struct step *st, struct hc_priv *p, struct hc_target *t)
{
	struct httpc_req *q = httpc_req_new("GET", t->url);
	q->timeout_ms = st->timeout_ms > 0 ? (long)st->timeout_ms : 10000;
	q->connect_timeout_ms = q->timeout_ms < 10000 ? q->timeout_ms : 10000;
	q->insecure_tls = p->insecure_tls;
	q->retries = 0; /* the step counts its own tries */
	for (size_t i = 0; t->headers && t->headers[i]; i++)
		httpc_req_header(q, t->headers[i]);
	return q;
}

/* ", body: '...'": what the server answered, so that a failed gate shows
 * why (the app's own error page, a proxy's 502 text), bounded, escaped and
 * redacted (lib/snippet.h) */
static void hc_body_seen(const struct httpc_req *q, struct buf *b)
{
	char *seen = snippet_of(q->body_in.data, q->body_in.len, SNIPPET_MAX, q->body_dropped);
	buf_addf(b, ", body: '%s'", seen);
	free(seen);
}

/* Why an answer is bad (status, body; latency when check_latency), or NULL when good. Caller frees. */
static char *hc_judge(struct hc_priv *p, struct hc_target *t, const struct httpc_req *q, int check_latency)
{
	struct buf b = BUF_INIT;
	if (q->curl_code != CURLE_OK) {
		httpc_req_describe(q, &b);
	} else if (q->status != p->expect_status) {
		buf_addf(&b, "HTTP %ld (expected %lld)", q->status, p->expect_status);
		hc_body_seen(q, &b);
	} else if (t->expect_body && !(q->body_in.data && strstr(q->body_in.data, t->expect_body))) {
		buf_addf(&b, "the body does not contain '%s'", t->expect_body);
		hc_body_seen(q, &b);
	} else if (check_latency && p->max_latency_ms && q->latency_ms > p->max_latency_ms) {
		buf_addf(&b, "answered in %lld ms, over max_latency_ms %lld", q->latency_ms, p->max_latency_ms);
	} else {
		return NULL;
	}
	return buf_detach(&b);
}

static int hc_cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* sleep ms unless the run is asked to stop; 1 when stopped */
static int hc_sleep(struct run *run, long long ms)
{
	long long until = time_mono_ms() + ms;
	while (!run_should_stop(run)) {
		long long left = until - time_mono_ms();
		if (left <= 0)
			return 0;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (left > 100 ? 100 : left) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 1;
}

static int hc_samples(struct step *st, struct run *run, struct hc_priv *p, struct hc_target *t, json_t *d,
		      struct err *e)
{
	size_t n = (size_t)p->samples;
	struct httpc_req **reqs = xcalloc(n, sizeof(*reqs));
	for (size_t i = 0; i < n; i++)
		reqs[i] = hc_req(st, p, t);
	struct httpc_opts o = { .parallel = 1, .ctx = run, .should_stop = hc_stop_cb };
	run_progress(run, "%zu samples", n);
	int rc = httpc_run(reqs, n, &o, e);
	if (rc >= 0) {
		long long *lat = xcalloc(n, sizeof(*lat));
		size_t errors = 0;
		char *first_bad = NULL;
		for (size_t i = 0; i < n; i++) {
			lat[i] = reqs[i]->latency_ms;
			char *why = hc_judge(p, t, reqs[i], 0);
			if (why) {
				errors++;
				if (!first_bad)
					first_bad = why;
				else
					free(why);
			}
		}
		qsort(lat, n, sizeof(*lat), hc_cmp_ll);
		size_t k = (size_t)ceil(0.95 * (double)n);
		long long p95 = lat[k > 0 ? k - 1 : 0];
		double rate = (double)errors / (double)n;
		json_object_set_new(d, "samples", json_integer((json_int_t)n));
		json_object_set_new(d, "errors", json_integer((json_int_t)errors));
		json_object_set_new(d, "error_rate", json_real(rate));
		json_object_set_new(d, "p95_ms", json_integer(p95));
		run_log(run, "%zu samples: %zu errors (%.1f%%), p95 %lld ms", n, errors, rate * 100, p95);
		if (rate > p->max_error_rate + 1e-9)
			rc = err_set(e, SC_EFAIL, "GET '%s': %zu of %zu samples failed (%.1f%%, max_error_rate %.1f%%): %s",
				     t->url, errors, n, rate * 100, p->max_error_rate * 100, first_bad);
		else if (p->p95_ms && p95 > p->p95_ms)
			rc = err_set(e, SC_EFAIL, "GET '%s': p95 latency %lld ms over p95_ms %lld (%zu samples)", t->url,
				     p95, p->p95_ms, n);
		free(first_bad);
		free(lat);
	}
	for (size_t i = 0; i < n; i++)
		httpc_req_free(reqs[i]);
	free(reqs);
	return rc;
}

static int hc_apply(struct step *st, struct run *run, struct err *e)
{
	struct hc_priv *p = st->priv;
	struct hc_target t;
	int rc = hc_target_expand(p, run, &t, e);
	if (rc < 0)
		return rc;
	if (p->insecure_tls)
		run_warn(run, "step '%s': insecure_tls is set: TLS certificates are not verified", st->name);
	json_t *d = json_object();
	json_object_set_new(run_detail(run), "health_check", d);
	json_object_set_new(d, "url", json_string(t.url));
	char *why = NULL;
	long long tries = 0;
	int unreachable = 1;
	struct httpc_opts o = { .parallel = 1, .ctx = run, .log = hc_log_cb, .should_stop = hc_stop_cb };
	for (tries = 1; tries <= p->retries; tries++) {
		run_progress(run, "try %lld/%lld", tries, p->retries);
		struct httpc_req *q = hc_req(st, p, &t);
		rc = httpc_run1(q, &o, e);
		if (rc >= 0) {
			free(why);
			why = hc_judge(p, &t, q, 1);
			unreachable &= why != NULL && httpc_req_transport_failed(q);
			json_object_set_new(d, "status", json_integer(q->status));
			json_object_set_new(d, "latency_ms", json_integer(q->latency_ms));
			if (why)
				run_log(run, "GET %s: try %lld/%lld: %s", t.url, tries, p->retries, why);
		}
		httpc_req_free(q);
		if (rc < 0 || !why)
			break;
		if (tries < p->retries && hc_sleep(run, p->interval_ms)) {
			rc = err_set(e, SC_EFAIL, "interrupted");
			break;
		}
	}
	json_object_set_new(d, "tries", json_integer(tries > p->retries ? p->retries : tries));
	if (rc >= 0 && why)
		rc = err_set(e, unreachable ? SC_EUNREACHABLE : SC_EFAIL, "GET '%s': %s (after %lld %s)", t.url, why,
			     p->retries,
			     p->retries == 1 ? "try" : "tries");
	free(why);
	if (rc >= 0 && p->samples > 0)
		rc = hc_samples(st, run, p, &t, d, e);
	hc_target_release(&t);
	return rc < 0 ? rc : 0;
}

static int hc_plan(struct step *st, struct run *run, struct err *e)
{
	struct hc_priv *p = st->priv;
	struct hc_target t;
	int rc = hc_target_expand(p, run, &t, e);
	if (rc < 0)
		return rc;
	struct buf b = BUF_INIT;
	buf_addf(&b, "GET %s: expect %lld", t.url, p->expect_status);
	if (t.expect_body)
		buf_addf(&b, ", body containing '%s'", t.expect_body);
	if (p->max_latency_ms)
		buf_addf(&b, ", within %lld ms", p->max_latency_ms);
	buf_addf(&b, "; %lld tries %lld ms apart", p->retries, p->interval_ms);
	if (p->samples)
		buf_addf(&b, "; then %lld samples, at most %.1f%% errors%s", p->samples, p->max_error_rate * 100,
			 p->p95_ms ? "" : "");
	if (p->p95_ms)
		buf_addf(&b, ", p95 under %lld ms", p->p95_ms);
	run_plan_line(run, "%s", buf_str(&b));
	buf_release(&b);
	/* a host name that does not resolve is not there (per-host gates, whose
	 * URL names ${host...}, are checked when they run) */
	CURLU *u = curl_url();
	char *host = NULL;
	if (u && !strstr(t.url, "${") && curl_url_set(u, CURLUPART_URL, t.url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && host[0] != '[') {
		struct addrinfo hints = { 0 }, *ai = NULL;
		hints.ai_socktype = SOCK_STREAM;
		int g = getaddrinfo(host, NULL, &hints, &ai);
		if (g == EAI_NONAME || g == EAI_FAIL)
			rc = err_set(e, SC_EUNREACHABLE, "GET '%s': host '%s' does not resolve: %s", t.url, host,
				     gai_strerror(g));
		if (ai)
			freeaddrinfo(ai);
	}
	curl_free(host);
	curl_url_cleanup(u);
	hc_target_release(&t);
	return rc;
}

static const char *hc_strategy(const struct step *st)
{
	return "none (a gate)";
}

const struct step_ops step_health_check_ops = {
	.keys = hc_keys,
	.kind = "health_check",
	.parse = hc_parse,
	.plan = hc_plan,
	.apply = hc_apply,
	.free = hc_free,
	.rollback_strategy = hc_strategy,
};
