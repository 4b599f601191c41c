/*
 * notify: after a run, POST a JSON summary to every URL of hooks.notify
 * (all at once, 10 s timeout, 2 retries on timeouts, 429 and 5xx):
 *
 *   {"event": "run_finished", "project", "env", "command", "release",
 *    "run_id", "status", "error", "actor", "git_commit", "duration_ms",
 *    "steps": [{"name", "kind", "status", "duration_ms", "error"}]}
 *
 * The summary is redacted before it leaves.  A URL that cannot be expanded
 * or does not answer 2xx is a warning naming its host (a webhook URL's path
 * is often a secret), never a failed run.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "notify.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/err.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../steps/httpc.h"
#include "../steps/step.h"

/* the summary; caller frees */
static char *notify_summary(struct run *r, const char *status, const char *error)
{
	json_t *steps = json_array();
	long long total = 0;
	for (size_t i = 0; i < r->nexecs; i++) {
		const struct step_exec *x = &r->execs[i];
		json_array_append_new(steps, json_pack("{s:o, s:o, s:s, s:I, s:o}", "name",
						       redact_json_string(x->step->name), "kind",
						       redact_json_string(x->step->kind), "status",
						       step_status_name(x->status), "duration_ms",
						       (json_int_t)x->duration_ms, "error", redact_json_string(x->error)));
		total += x->duration_ms;
	}
	/* every text redacted (and repaired to UTF-8) before it is encoded */
	json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o}", "event",
			      "run_finished", "project", redact_json_string(r->cfg->project), "env",
			      redact_json_string(r->env->name), "command", redact_json_string(r->command), "release",
			      redact_json_string(r->release), "run_id", redact_json_string(r->run_id), "status",
			      redact_json_string(status), "error", redact_json_string(error), "actor",
			      redact_json_string(r->actor), "git_commit", redact_json_string(r->git_commit),
			      "duration_ms", (json_int_t)total, "steps", steps);
	if (!j)
		BUG("json_pack failed for the notify summary");
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	size_t n = redact_inplace(s, strlen(s));
	(void)n;
	return s;
}

/* scheme://host of url, for warnings; caller frees */
static char *notify_url_origin(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return xstrdup("(not a URL)");
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return xasprintf("%.*s%.*s", (int)(strstr(url, "://") + 3 - url), url, (int)n, p);
}

void notify_send(struct run *r, const char *status, const char *error)
{
	char **urls = r->cfg->hooks.notify;
	size_t n = strv_len(urls);
	if (n == 0)
		return;
	char *body = notify_summary(r, status, error);
	struct httpc_req **reqs = xcalloc(n, sizeof(*reqs));
	size_t nreq = 0;
	for (size_t i = 0; i < n; i++) {
		char *url = NULL;
		struct err e = ERR_INIT;
		if (run_expand(r, urls[i], &url, &e) < 0) {
			run_warn(r, "notify: hook %zu not sent: %s", i + 1, e.msg);
			continue;
		}
		if (!*url) {
			free(url);
			continue; /* an unset ${SLACK_WEBHOOK_URL:-} means: no notification */
		}
		struct httpc_req *q = httpc_req_new("POST", url);
		free(url);
		httpc_req_body(q, body, strlen(body), "application/json");
		q->timeout_ms = 10000;
		q->connect_timeout_ms = 5000;
		q->retries = 2;
		reqs[nreq++] = q;
	}
	struct err e = ERR_INIT;
	struct httpc_opts o = { .parallel = (int)(nreq ? nreq : 1) };
	if (nreq && httpc_run(reqs, nreq, &o, &e) < 0)
		run_warn(r, "notify: %s", e.msg);
	for (size_t i = 0; i < nreq; i++) {
		struct httpc_req *q = reqs[i];
		if (q->done && !httpc_req_ok(q, 0)) {
			struct buf why = BUF_INIT;
			httpc_req_describe(q, &why);
			char *origin = notify_url_origin(q->url);
			run_warn(r, "notify to '%s' failed: %s", origin, buf_str(&why));
			free(origin);
			buf_release(&why);
		}
		httpc_req_free(q);
	}
	free(reqs);
	free(body);
}
