/*
 * http: one HTTP request (a webhook, a cache purge, a feature flag flip).
 *
 * apply sends `method` (default POST when a body is given, else GET) to
 * `url` with `headers` ("Name: value" strings) and `body` or `body_file`
 * (relative to the config's folder), and requires `expect_status`
 * (default 200).  `retries` (default 0) retries timeouts, dropped
 * connections, 408, 429 and 5xx with backoff.  run_detail: method, url,
 * status, latency_ms.
 *
 * rollback sends `rollback_request` (a group with the same keys), if the
 * step has one; without it the request is not undone (a notification, a
 * purge: nothing to undo), and the step counts as a gate.
 *
 * All strings are expanded with run_expand() when the request is sent.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "step.h"
#include "httpc.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/util.h"

struct http_request_cfg {
	char *method;          /* NULL: POST with a body, else GET */
	char *url;
	char **headers;
	char *body;
	char *body_file;
	long long expect_status;
};

struct http_priv {
	struct http_request_cfg req;
	struct http_request_cfg *rollback;   /* NULL: none */
	long long retries;
	int insecure_tls;
};

static const char *const http_req_keys[] = { "method", "url", "headers", "body", "body_file", "expect_status",
					     NULL };

static int http_parse_request(const config_setting_t *s, struct http_request_cfg *r, struct err *e)
{
	int rc;
	r->expect_status = 200;
	if ((rc = cfg_string(s, "method", 0, &r->method, e)) < 0 || (rc = cfg_string(s, "url", 1, &r->url, e)) < 0 ||
	    (rc = cfg_strings(s, "headers", 0, &r->headers, e)) < 0 || (rc = cfg_string(s, "body", 0, &r->body, e)) < 0 ||
	    (rc = cfg_string(s, "body_file", 0, &r->body_file, e)) < 0 ||
	    (rc = cfg_int_range(s, "expect_status", 0, 100, 599, &r->expect_status, e)) < 0)
		return rc;
	if (r->body && r->body_file)
		return cfg_error(config_setting_get_member(s, "body_file"), e, "'body' and 'body_file' exclude each other");
	if (r->method) {
		for (char *p = r->method; *p; p++) {
			if (!isalpha((unsigned char)*p))
				return cfg_error(config_setting_get_member(s, "method"), e, "'method' must be a word like POST");
			*p = (char)toupper((unsigned char)*p);
		}
	}
	if (r->expect_status < 100 || r->expect_status > 599)
		return cfg_error(config_setting_get_member(s, "expect_status"), e,
				 "'expect_status' must be an HTTP status (100-599)");
	for (size_t i = 0; r->headers && r->headers[i]; i++)
		if (!strchr(r->headers[i], ':'))
			return cfg_error(config_setting_get_member(s, "headers"), e,
					 "header '%s' is not of the form 'Name: value'", r->headers[i]);
	return 0;
}

static void http_request_release(struct http_request_cfg *r)
{
	free(r->method);
	free(r->url);
	strv_free(r->headers);
	free(r->body);
	free(r->body_file);
}

static const char *const keys[] = { "method", "url", "headers", "body", "body_file", "expect_status",
				    "rollback_request", "retries", "insecure_tls", NULL };
static const struct cfg_keys http_keys[] = { { "http.", keys }, { "http.rollback_request.", http_req_keys },
					     { NULL, NULL } };

static int http_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct http_priv *p = xcalloc(1, sizeof(*p));
	st->priv = p;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = http_parse_request(s, &p->req, e)) < 0 ||
	    (rc = cfg_int_range(s, "retries", 0, 0, 20, &p->retries, e)) < 0 ||
	    (rc = cfg_bool(s, "insecure_tls", 0, &p->insecure_tls, e)) < 0)
		return rc;
	if (p->retries < 0 || p->retries > 20)
		return cfg_error(config_setting_get_member(s, "retries"), e, "'retries' must be between 0 and 20");
	const config_setting_t *rb = config_setting_get_member(s, "rollback_request");
	if (rb) {
		if (!config_setting_is_group(rb))
			return cfg_error(rb, e, "'rollback_request' must be a group { method = ...; url = ...; }");
		if ((rc = cfg_check_keys(rb, http_req_keys, e)) < 0)
			return rc;
		p->rollback = xcalloc(1, sizeof(*p->rollback));
		if ((rc = http_parse_request(rb, p->rollback, e)) < 0)
			return rc;
	}
	return 0;
}

static void http_free(struct step *st)
{
	struct http_priv *p = st->priv;
	if (!p)
		return;
	http_request_release(&p->req);
	if (p->rollback) {
		http_request_release(p->rollback);
		free(p->rollback);
	}
	free(p);
	st->priv = NULL;
}

static void http_log_cb(void *ctx, const char *line)
{
	run_log(ctx, "%s", line);
}

static int http_stop_cb(void *ctx)
{
	return run_should_stop(ctx);
}

static void http_retry_cb(void *ctx, struct httpc_req *q, long long wait_ms)
{
	struct buf why = BUF_INIT;
	httpc_req_describe(q, &why);
	run_log(ctx, "%s %s: %s; retrying in %lld ms", q->method, q->url, buf_str(&why), wait_ms);
	buf_release(&why);
}

/* Expand and build the request; *out is the caller's. */
static int http_build(struct step *st, struct run *run, const struct http_request_cfg *r, struct httpc_req **out,
		      struct err *e)
{
	struct http_priv *p = st->priv;
	char *url = NULL, *body = NULL, *bfile = NULL;
	size_t blen = 0;
	int rc = run_expand(run, r->url, &url, e);
	if (rc >= 0 && r->body) {
		rc = run_expand(run, r->body, &body, e);
		blen = body ? strlen(body) : 0;
	}
	if (rc >= 0 && r->body_file) {
		rc = run_expand(run, r->body_file, &bfile, e);
		if (rc >= 0) {
			char *path = path_join(run->cfg->dir, bfile);
			if (file_read_all(path, &body, &blen) != 0)
				rc = err_set(e, SC_EFAIL, "cannot read body_file '%s': %s", path, strerror(errno));
			free(path);
		}
	}
	if (rc < 0) {
		free(url);
		free(body);
		free(bfile);
		return rc;
	}
	const char *method = r->method ? r->method : body ? "POST" : "GET";
	struct httpc_req *q = httpc_req_new(method, url);
	q->retries = (int)p->retries;
	q->insecure_tls = p->insecure_tls;
	if (st->timeout_ms > 0)
		q->timeout_ms = (long)st->timeout_ms;
	for (size_t i = 0; r->headers && r->headers[i]; i++) {
		char *h = NULL;
		rc = run_expand(run, r->headers[i], &h, e);
		if (rc < 0)
			break;
		httpc_req_header(q, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	if (rc >= 0 && body)
		httpc_req_body(q, body, blen, NULL);
	free(url);
	free(body);
	free(bfile);
	if (rc < 0) {
		httpc_req_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

static int http_send(struct step *st, struct run *run, const struct http_request_cfg *r, const char *key,
		     struct err *e)
{
	struct http_priv *p = st->priv;
	struct httpc_req *q = NULL;
	int rc = http_build(st, run, r, &q, e);
	if (rc < 0)
		return rc;
	if (p->insecure_tls)
		run_warn(run, "step '%s': insecure_tls is set: TLS certificates are not verified", st->name);
	struct httpc_opts o = { .parallel = 1, .ctx = run, .log = http_log_cb, .should_stop = http_stop_cb,
				.retrying = http_retry_cb };
	rc = httpc_run1(q, &o, e);
	if (rc >= 0) {
		json_t *d = json_pack("{s:s, s:s, s:I, s:I, s:i}", "method", q->method, "url", q->url, "status",
				      (json_int_t)q->status, "latency_ms", (json_int_t)q->latency_ms, "attempts",
				      q->attempts);
		json_object_set_new(run_detail(run), key, d);
		if (q->body_in.len) {
			char *m = httpc_api_message(q->body_in.data, q->body_in.len);
			if (m)
				run_log(run, "%s %s: HTTP %ld: %s", q->method, q->url, q->status, m);
			free(m);
		}
		if (!httpc_req_ok(q, r->expect_status)) {
			struct buf why = BUF_INIT;
			httpc_req_describe(q, &why);
			if (q->curl_code == CURLE_OK)
				rc = err_set(e, SC_EFAIL, "%s '%s': %s (expected %lld)", q->method, q->url, buf_str(&why),
					     r->expect_status);
			else
				rc = err_set(e, SC_EFAIL, "%s '%s': %s", q->method, q->url, buf_str(&why));
			buf_release(&why);
		}
	}
	httpc_req_free(q);
	return rc;
}

static int http_plan(struct step *st, struct run *run, struct err *e)
{
	struct http_priv *p = st->priv;
	char *url = NULL;
	int rc = run_expand(run, p->req.url, &url, e);
	if (rc < 0)
		return rc;
	const char *method = p->req.method ? p->req.method : (p->req.body || p->req.body_file) ? "POST" : "GET";
	run_plan_line(run, "%s %s, expecting %lld%s", method, url, p->req.expect_status,
		      p->rollback ? "; rollback_request on failure" : "");
	free(url);
	return 0;
}

static int http_apply(struct step *st, struct run *run, struct err *e)
{
	struct http_priv *p = st->priv;
	return http_send(st, run, &p->req, "request", e);
}

static int http_rollback(struct step *st, struct run *run, struct err *e)
{
	struct http_priv *p = st->priv;
	if (!p->rollback)
		return 0;
	return http_send(st, run, p->rollback, "rollback_request", e);
}

static enum step_undo http_undo(const struct step *st)
{
	const struct http_priv *p = st->priv;
	return p && p->rollback ? UNDO_ROLLBACK : UNDO_NOTHING;
}

static const char *http_strategy(const struct step *st)
{
	const struct http_priv *p = st->priv;
	return p && p->rollback ? "send rollback_request" : "none (no rollback_request)";
}

const struct step_ops step_http_ops = {
	.keys = http_keys,
	.kind = "http",
	.parse = http_parse,
	.plan = http_plan,
	.apply = http_apply,
	.rollback = http_rollback,
	.free = http_free,
	.undo = http_undo,
	.rollback_strategy = http_strategy,
};
