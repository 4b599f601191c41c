/*
 * functions_deploy: deploys the edge functions of the configured `functions`
 * folder through the Supabase Management API of the environment
 * (functions_api.url, .token).  Bundles are found by bundle.c.
 *
 * apply: for every function whose content hash differs from the bundle
 * stagecoach last deployed to this environment (artifact kind "function",
 * name SLUG), it first keeps what the environment has: whether the function
 * exists (GET {url}/functions) and its previous bundle (our own artifact, or,
 * for a function stagecoach never deployed, GET {url}/functions/SLUG/body,
 * stored as an artifact).  Then it POSTs {url}/functions/deploy?slug=SLUG
 * (multipart: a `metadata` JSON part and one `file` part per file), up to
 * `parallel` at once, with retries (after a refusal, a final 4xx, nothing
 * more is sent); each success is stored as the new "function" artifact.  run_detail: {"functions": [{slug, sha, previous_sha,
 * existed, status}], "unchanged": [slugs]}.
 *
 * rollback: for each function it deployed (or may have: an attempt that
 * timed out or got a 5xx, or a run killed mid-way), redeploys the previous bundle from the artifacts,
 * or DELETEs {url}/functions/SLUG when the function did not exist before.
 *
 * Artifacts: kind "function_bundle", name "SLUG@SHA" holds every bundle by
 * its hash (what rollback reads, from any checkout); kind "function", name
 * SLUG is what stagecoach last left deployed (its sha; a sha of zeros and no
 * content when it deleted the function).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "step.h"
#include "bundle.h"
#include "httpc.h"
#include "../env/run.h"
#include "../env/state.h"
#include "../env/config.h"
#include "../lib/settings.h"
#include "../lib/redact.h"
#include "../lib/util.h"

#define FD_TOMBSTONE "0000000000000000000000000000000000000000000000000000000000000000"

struct fd_priv {
	long long parallel;
	long long retries;
	char **functions;             /* only these slugs; NULL: all */
	int verify_jwt;
	struct bundle_setting *settings;
	size_t nsettings;
};

/* what one run of the step talks to */
struct fd_api {
	struct step *st;
	struct run *run;
	struct fd_priv *p;
	char *url;                    /* no trailing slash */
	const char *token;            /* borrowed secret */
	int insecure;
};

static const struct run *fd_warned_run;

static const char *const keys[] = { "parallel", "retries", "functions", "verify_jwt", "settings", NULL };
static const char *const set_keys[] = { "slug", "entrypoint", "verify_jwt", NULL };
static const struct cfg_keys fd_keys[] = { { "functions_deploy.", keys }, { "functions_deploy.settings[].", set_keys },
					   { NULL, NULL } };

static int fd_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct fd_priv *p = xcalloc(1, sizeof(*p));
	st->priv = p;
	p->parallel = 4;
	p->retries = 4;
	p->verify_jwt = 1;
	int rc;
	if ((rc = cfg_check_keys(s, keys, e)) < 0 || (rc = cfg_int_range(s, "parallel", 0, 1, 64, &p->parallel, e)) < 0 ||
	    (rc = cfg_int_range(s, "retries", 0, 0, 20, &p->retries, e)) < 0 ||
	    (rc = cfg_strings(s, "functions", 0, &p->functions, e)) < 0 ||
	    (rc = cfg_bool(s, "verify_jwt", 0, &p->verify_jwt, e)) < 0)
		return rc;
	if (p->parallel < 1 || p->parallel > 64)
		return cfg_error(config_setting_get_member(s, "parallel"), e, "'parallel' must be between 1 and 64");
	if (p->retries < 0 || p->retries > 20)
		return cfg_error(config_setting_get_member(s, "retries"), e, "'retries' must be between 0 and 20");
	for (size_t i = 0; p->functions && p->functions[i]; i++)
		if (!bundle_slug_valid(p->functions[i]))
			return cfg_error(config_setting_get_member(s, "functions"), e,
					 "'%s' is not a valid function slug", p->functions[i]);
	const config_setting_t *list = config_setting_get_member(s, "settings");
	if (list) {
		if (!config_setting_is_aggregate(list) || config_setting_is_group(list))
			return cfg_error(list, e, "'settings' must be a list of groups ({ slug = ...; entrypoint = ...; })");
		int n = config_setting_length(list);
		p->settings = xcalloc((size_t)n + 1, sizeof(*p->settings));
		for (int i = 0; i < n; i++) {
			const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
			if (!config_setting_is_group(g))
				return cfg_error(g, e, "each entry of 'settings' must be a group");
			struct bundle_setting *bs = &p->settings[p->nsettings++];
			bs->verify_jwt = -1;
			if ((rc = cfg_check_keys(g, set_keys, e)) < 0 || (rc = cfg_string(g, "slug", 1, &bs->slug, e)) < 0 ||
			    (rc = cfg_string(g, "entrypoint", 0, &bs->entrypoint, e)) < 0 ||
			    (rc = cfg_bool(g, "verify_jwt", 0, &bs->verify_jwt, e)) < 0)
				return rc;
			if (!bundle_slug_valid(bs->slug))
				return cfg_error(g, e, "'%s' is not a valid function slug", bs->slug);
		}
	}
	return 0;
}

static void fd_free(struct step *st)
{
	struct fd_priv *p = st->priv;
	if (!p)
		return;
	strv_free(p->functions);
	for (size_t i = 0; i < p->nsettings; i++) {
		free(p->settings[i].slug);
		free(p->settings[i].entrypoint);
	}
	free(p->settings);
	free(p);
	st->priv = NULL;
}

static int fd_api_init(struct fd_api *a, struct step *st, struct run *run, struct err *e)
{
	memset(a, 0, sizeof(*a));
	a->st = st;
	a->run = run;
	a->p = st->priv;
	if (!run->env->functions_api.url || !*run->env->functions_api.url)
		return err_set(e, SC_EUSAGE, "environment '%s' has no 'functions_api' (url and token)", run->env->name);
	a->url = xstrdup(run->env->functions_api.url);
	size_t n = strlen(a->url);
	while (n > 0 && a->url[n - 1] == '/')
		a->url[--n] = '\0';
	a->token = run->env->functions_api.token;
	if (a->token)
		redact_add(a->token);
	a->insecure = run->env->functions_api.insecure_tls;
	if (a->insecure && fd_warned_run != run) {
		fd_warned_run = run;
		run_warn(run, "functions_api.insecure_tls is set: the TLS certificate of '%s' is not verified", a->url);
	}
	return 0;
}

static void fd_api_release(struct fd_api *a)
{
	free(a->url);
	a->url = NULL;
}

static struct httpc_req *fd_req(struct fd_api *a, const char *method, const char *path)
{
	char *url = xasprintf("%s%s", a->url, path);
	struct httpc_req *q = httpc_req_new(method, url);
	free(url);
	if (a->token && *a->token)
		httpc_req_bearer(q, a->token);
	httpc_req_header(q, "Accept: application/json");
	q->insecure_tls = a->insecure;
	q->retries = (int)a->p->retries;
	if (a->st->timeout_ms > 0)
		q->timeout_ms = (long)a->st->timeout_ms;
	return q;
}

static struct httpc_req *fd_deploy_req(struct fd_api *a, const struct bundle *b)
{
	char *path = xasprintf("/functions/deploy?slug=%s", b->slug);
	struct httpc_req *q = fd_req(a, "POST", path);
	free(path);
	curl_mime *mime = httpc_req_mime(q);
	json_t *meta = json_pack("{s:s, s:s, s:b}", "entrypoint_path", b->entrypoint, "name", b->slug, "verify_jwt",
				 b->verify_jwt);
	char *ms = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, "metadata");
	curl_mime_data(part, ms, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "application/json");
	free(ms);
	for (size_t i = 0; i < b->nfiles; i++) {
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "file");
		curl_mime_filename(part, b->files[i].name);
		curl_mime_data(part, (const char *)b->files[i].data, b->files[i].len);
		curl_mime_type(part, "application/octet-stream");
	}
	return q;
}

static void fd_log_cb(void *ctx, const char *line)
{
	run_log(((struct fd_api *)ctx)->run, "%s", line);
}

static int fd_stop_cb(void *ctx)
{
	return run_should_stop(((struct fd_api *)ctx)->run);
}

static void fd_retry_cb(void *ctx, struct httpc_req *q, long long wait_ms)
{
	struct fd_api *a = ctx;
	struct buf why = BUF_INIT;
	httpc_req_describe(q, &why);
	run_log(a->run, "%s %s: %s; retrying in %lld ms", q->method, q->url, buf_str(&why), wait_ms);
	buf_release(&why);
}

static struct httpc_opts fd_opts(struct fd_api *a)
{
	struct httpc_opts o = { 0 };
	o.parallel = (int)a->p->parallel;
	o.ctx = a;
	o.log = fd_log_cb;
	o.should_stop = fd_stop_cb;
	o.retrying = fd_retry_cb;
	return o;
}

/* "METHOD /path: HTTP 401: message" into e, with code */
static int fd_req_error(struct err *e, int code, const char *what, const struct httpc_req *q)
{
	struct buf why = BUF_INIT;
	httpc_req_describe(q, &why);
	err_set(e, code, "%s: %s", what, buf_str(&why));
	buf_release(&why);
	return -code;
}

/* GET {url}/functions: the slugs the environment has.  before_change: errors
 * mean nothing changed (unreachable or refused: SC_EUNREACHABLE). */
static int fd_list(struct fd_api *a, char ***slugs, int before_change, struct err *e)
{
	*slugs = NULL;
	struct httpc_req *q = fd_req(a, "GET", "/functions");
	struct httpc_opts o = fd_opts(a);
	int rc = httpc_run1(q, &o, e);
	if (rc < 0) {
		httpc_req_free(q);
		return rc;
	}
	if (!httpc_req_ok(q, 0)) {
		/* before anything changed, an API that does not answer as one
		 * (a redirect, a 404 login page, a 5xx) is a target not there */
		int code = before_change ? SC_EUNREACHABLE : SC_EFAIL;
		char *what = xasprintf("functions API '%s': GET /functions", a->url);
		rc = fd_req_error(e, code, what, q);
		free(what);
		if (q->status == 401 || q->status == 403) {
			char *msg = xasprintf("%s (check functions_api.token of environment '%s')", e->msg, a->run->env->name);
			err_set(e, code, "%s", msg);
			free(msg);
		}
		httpc_req_free(q);
		return rc;
	}
	json_error_t je;
	json_t *j = json_loadb(q->body_in.data ? q->body_in.data : "", q->body_in.len, 0, &je);
	if (!json_is_array(j)) {
		json_decref(j);
		const char *ct = q->content_type ? q->content_type : "no content type";
		char *head = xstrndup(q->body_in.data ? q->body_in.data : "", 60);
		for (char *c = head; *c; c++)
			if ((unsigned char)*c < 32)
				*c = ' ';
		int rc2 = err_set(e, before_change ? SC_EUNREACHABLE : SC_EFAIL,
				  "functions API '%s': GET /functions answered HTTP %ld with %s ('%s'), not a JSON list: "
				  "is functions_api.url the API's URL?", a->url, (long)q->status, ct, head);
		free(head);
		httpc_req_free(q);
		return rc2;
	}
	size_t i;
	json_t *f;
	json_array_foreach(j, i, f) {
		const char *slug = json_string_value(json_object_get(f, "slug"));
		if (slug)
			strv_push(slugs, slug);
	}
	json_decref(j);
	httpc_req_free(q);
	return 0;
}

/* the sha stagecoach last left deployed for slug: 1 and *sha, 0 none (or deleted) */
static int fd_last_sha(struct run *run, const char *slug, char **sha, struct err *e)
{
	*sha = NULL;
	if (!run->state)
		return 0;
	int rc = state_artifact_latest(run->state, "function", slug, sha, NULL, NULL, e);
	if (rc < 0)
		return rc;
	if (rc == 0 || !*sha || strcmp(*sha, FD_TOMBSTONE) == 0) {
		free(*sha);
		*sha = NULL;
		return 0;
	}
	return 1;
}

static int fd_put_bundle(struct run *run, const struct bundle *b, struct err *e)
{
	if (!run->state)
		return 0;
	char *data;
	size_t len;
	bundle_serialize(b, &data, &len);
	char *name = xasprintf("%s@%s", b->slug, b->sha256);
	int rc = state_artifact_put(run->state, run->release, run->run_id, "function_bundle", name, b->sha256, data,
				    len, e);
	free(name);
	free(data);
	return rc;
}

/* record that slug now holds bundle sha (NULL: deleted) */
static int fd_put_deployed(struct run *run, const char *slug, const char *sha, struct err *e)
{
	if (!run->state)
		return 0;
	return state_artifact_put(run->state, run->release, run->run_id, "function", slug, sha ? sha : FD_TOMBSTONE,
				  NULL, 0, e);
}

static int fd_get_bundle(struct run *run, const char *slug, const char *sha, struct bundle **out, struct err *e)
{
	*out = NULL;
	if (!run->state)
		return err_set(e, SC_EFAIL, "function '%s': no records to read bundle %.12s from", slug, sha);
	char *name = xasprintf("%s@%s", slug, sha);
	unsigned char *content = NULL;
	size_t len = 0;
	char *got = NULL;
	int rc = state_artifact_latest(run->state, "function_bundle", name, &got, &content, &len, e);
	free(name);
	free(got);
	if (rc == 0)
		rc = err_set(e, SC_EFAIL, "function '%s': bundle %.12s is not in the artifacts", slug, sha);
	if (rc > 0 && !content)
		rc = err_set(e, SC_EFAIL, "function '%s': bundle %.12s has no content in the artifacts", slug, sha);
	if (rc > 0) {
		rc = bundle_parse(content, len, out, e);
		if (rc < 0)
			err_prefix(e, "function '%s'", slug);
	}
	free(content);
	return rc < 0 ? rc : 0;
}

/* the functions to consider: discovered and compared with the records */
struct fd_item {
	struct bundle *b;
	char *last_sha;      /* what stagecoach last deployed, NULL none */
	int changed;
	int existed;
	char *previous_sha;  /* what rollback redeploys, NULL: delete */
	json_t *entry;       /* borrowed from the detail */
};

struct fd_set {
	struct bundle **bundles;
	size_t n;
	struct fd_item *items;
	size_t nchanged;
};

static void fd_set_release(struct fd_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].last_sha);
		free(s->items[i].previous_sha);
	}
	free(s->items);
	bundle_list_free(s->bundles, s->n);
	memset(s, 0, sizeof(*s));
}

static int fd_set_load(struct fd_api *a, struct fd_set *s, struct err *e)
{
	struct fd_priv *p = a->p;
	memset(s, 0, sizeof(*s));
	int rc = bundle_discover(a->run->cfg->functions, p->functions, p->settings, p->nsettings, p->verify_jwt,
				 &s->bundles, &s->n, e);
	if (rc < 0)
		return rc;
	s->items = xcalloc(s->n + 1, sizeof(*s->items));
	for (size_t i = 0; i < s->n; i++) {
		struct fd_item *it = &s->items[i];
		it->b = s->bundles[i];
		rc = fd_last_sha(a->run, it->b->slug, &it->last_sha, e);
		if (rc < 0)
			return rc;
		it->changed = !it->last_sha || strcmp(it->last_sha, it->b->sha256) != 0;
		s->nchanged += (size_t)it->changed;
	}
	return 0;
}

static int fd_plan(struct step *st, struct run *run, struct err *e)
{
	struct fd_api a;
	struct fd_set s;
	char **remote = NULL;
	int rc = fd_api_init(&a, st, run, e);
	if (rc < 0)
		return rc;
	rc = fd_set_load(&a, &s, e);
	if (rc < 0)
		goto out;
	if (!run->state)
		run_plan_line(run, "no records of deployed bundles available: every function counts as changed");
	if (s.nchanged > 0) {
		rc = fd_list(&a, &remote, 1, e);
		if (rc < 0)
			goto out;
	}
	json_t *planned = run->dry_run && run->cur ? json_array() : NULL; /* plan --json's data */
	for (size_t i = 0; i < s.n; i++) {
		struct fd_item *it = &s.items[i];
		int exists = remote && strv_contains(remote, it->b->slug);
		if (planned)
			json_array_append_new(planned, json_pack("{s:s,s:s,s:I,s:s}", "slug", it->b->slug, "sha256",
								 it->b->sha256, "files", (json_int_t)it->b->nfiles,
								 "change", !it->changed ? "unchanged" : !exists ? "new"
									   : it->last_sha ? "changed" : "not_ours"));
		if (!it->changed)
			continue;
		run_plan_line(run, "deploy function '%s' (%zu file%s, %.12s): %s", it->b->slug, it->b->nfiles,
			      it->b->nfiles == 1 ? "" : "s", it->b->sha256,
			      !exists ? "new" : it->last_sha ? "changed" : "exists, not deployed by stagecoach before");
	}
	if (s.n == 0)
		run_plan_line(run, "no functions in '%s'", run->cfg->functions);
	else if (s.nchanged < s.n)
		run_plan_line(run, "%zu of %zu functions unchanged", s.n - s.nchanged, s.n);
	if (planned)
		json_object_set_new(run->cur->detail, "plan", json_pack("{s:o}", "functions", planned));
out:
	strv_free(remote);
	fd_set_release(&s);
	fd_api_release(&a);
	return rc;
}

/* progress and artifact bookkeeping as deploys finish */
struct fd_deploy_ctx {
	struct fd_api *a;
	struct fd_item **items;  /* parallel to the requests */
	struct err first;        /* the first artifact error */
	size_t total;
};

static const char *fd_outcome(const struct httpc_req *q)
{
	if (httpc_req_ok(q, 0))
		return "deployed";
	if (q->attempts == 0)
		return "not_sent";
	/* no answer or a server error: the API may have applied it */
	if (httpc_req_transport_failed(q) || q->status >= 500 || q->status == 408 || q->status == 429)
		return "uncertain";
	return "failed";
}

static void fd_deploy_done(void *ctx, struct httpc_req *q, size_t ndone, size_t n)
{
	struct fd_deploy_ctx *c = ctx;
	struct fd_item *it = c->items[(size_t)(uintptr_t)q->user];
	const char *outcome = fd_outcome(q);
	json_object_set_new(it->entry, "status", json_string(outcome));
	json_object_set_new(it->entry, "attempts", json_integer(q->attempts));
	if (strcmp(outcome, "deployed") == 0) {
		struct err e2 = ERR_INIT;
		if (fd_put_deployed(c->a->run, it->b->slug, it->b->sha256, &e2) < 0 && !c->first.code)
			c->first = e2;
	}
	run_progress(c->a->run, "function %zu/%zu", ndone, n);
}

static void fd_deploy_log_cb(void *ctx, const char *line)
{
	fd_log_cb(((struct fd_deploy_ctx *)ctx)->a, line);
}

static int fd_deploy_stop_cb(void *ctx)
{
	return fd_stop_cb(((struct fd_deploy_ctx *)ctx)->a);
}

static void fd_deploy_retry_cb(void *ctx, struct httpc_req *q, long long wait_ms)
{
	fd_retry_cb(((struct fd_deploy_ctx *)ctx)->a, q, wait_ms);
}

/* fetch GET /functions/SLUG/body of each item that needs it, store them, set previous_sha */
static int fd_fetch_previous(struct fd_api *a, struct fd_item **need, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	struct httpc_req **reqs = xcalloc(n, sizeof(*reqs));
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("/functions/%s/body", need[i]->b->slug);
		reqs[i] = fd_req(a, "GET", path);
		free(path);
		httpc_req_header(reqs[i], "Accept: multipart/form-data");
		reqs[i]->max_body = 64 * 1024 * 1024; /* a whole bundle, never cut below this */
	}
	struct httpc_opts o = fd_opts(a);
	int rc = httpc_run(reqs, n, &o, e);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct httpc_req *q = reqs[i];
		const char *slug = need[i]->b->slug;
		if (!httpc_req_ok(q, 0)) {
			char *what = xasprintf("function '%s': cannot keep the deployed version for rollback: GET %s", slug,
					       q->url);
			rc = fd_req_error(e, SC_EFAIL, what, q);
			free(what);
			break;
		}
		struct bundle *prev = NULL;
		rc = bundle_from_multipart(slug, q->content_type, q->body_in.data, q->body_in.len, &prev, e);
		if (rc < 0) {
			err_prefix(e, "cannot keep the deployed version for rollback");
			break;
		}
		rc = fd_put_bundle(a->run, prev, e);
		if (rc >= 0)
			need[i]->previous_sha = xstrdup(prev->sha256);
		bundle_free(prev);
	}
	for (size_t i = 0; i < n; i++)
		httpc_req_free(reqs[i]);
	free(reqs);
	return rc < 0 ? rc : 0;
}

/* The entry for slug in an interrupted attempt's "functions" detail, or NULL. */
static json_t *fd_prior_entry(json_t *prior, const char *slug)
{
	size_t i;
	json_t *v;
	json_array_foreach(prior, i, v) {
		const char *sl = json_string_value(json_object_get(v, "slug"));
		if (sl && strcmp(sl, slug) == 0)
			return v;
	}
	return NULL;
}

static int fd_apply(struct step *st, struct run *run, struct err *e)
{
	json_t *prior = NULL;
	struct fd_api a;
	struct fd_set s;
	char **remote = NULL;
	struct fd_item **todo = NULL, **need = NULL;
	struct httpc_req **reqs = NULL;
	size_t ntodo = 0, nneed = 0;
	int rc = fd_api_init(&a, st, run, e);
	if (rc < 0)
		return rc;
	rc = fd_set_load(&a, &s, e);
	if (rc < 0)
		goto out;
	json_t *d = run_detail(run);
	/* deploy --resume: the interrupted attempt's entries say what each
	 * function was before this run; they stand, whatever it left behind */
	prior = json_incref(json_object_get(d, "functions"));
	json_t *arr = json_array(), *unchanged = json_array();
	json_object_set_new(d, "functions", arr);
	json_object_set_new(d, "unchanged", unchanged);
	for (size_t i = 0; i < s.n; i++) {
		if (s.items[i].changed)
			continue;
		json_t *was = fd_prior_entry(prior, s.items[i].b->slug);
		if (was) /* deployed by the interrupted attempt: still this run's to undo */
			json_array_append(arr, was);
		else
			json_array_append_new(unchanged, json_string(s.items[i].b->slug));
	}
	if (!run->state)
		run_warn(run, "no records: functions are deployed without a way to roll them back");
	if (s.nchanged == 0) {
		run_log(run, "%zu functions unchanged: nothing to deploy", s.n);
		goto out;
	}
	/* what the environment has now, kept before anything changes */
	rc = fd_list(&a, &remote, 1, e);
	if (rc < 0)
		goto out;
	todo = xcalloc(s.nchanged, sizeof(*todo));
	need = xcalloc(s.nchanged, sizeof(*need));
	for (size_t i = 0; i < s.n; i++) {
		struct fd_item *it = &s.items[i];
		if (!it->changed)
			continue;
		todo[ntodo++] = it;
		json_t *was = fd_prior_entry(prior, it->b->slug);
		if (was) {
			it->existed = json_is_true(json_object_get(was, "existed"));
			const char *ps = json_string_value(json_object_get(was, "previous_sha"));
			it->previous_sha = ps ? xstrdup(ps) : NULL;
			continue;
		}
		it->existed = remote && strv_contains(remote, it->b->slug);
		if (!it->existed)
			continue;
		struct bundle *kept = NULL;
		struct err e2 = ERR_INIT;
		/* our own last bundle, if its content is still in the records */
		if (it->last_sha && fd_get_bundle(run, it->b->slug, it->last_sha, &kept, &e2) == 0) {
			it->previous_sha = xstrdup(it->last_sha);
			bundle_free(kept);
		} else {
			need[nneed++] = it;
		}
	}
	rc = fd_fetch_previous(&a, need, nneed, e);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < ntodo; i++) {
		struct fd_item *it = todo[i];
		it->entry = json_pack("{s:s, s:s, s:s?, s:b, s:s}", "slug", it->b->slug, "sha", it->b->sha256,
				      "previous_sha", it->previous_sha, "existed", it->existed, "status", "pending");
		json_array_append_new(arr, it->entry);
		rc = fd_put_bundle(run, it->b, e);
		if (rc < 0)
			goto out;
	}
	/* on record before the first request: a killed run's rollback finds them */
	if (run->state && run->cur >= run->execs && run->cur < run->execs + run->nexecs) {
		rc = state_step_write(run->state, run, (size_t)(run->cur - run->execs), e);
		if (rc < 0)
			goto out;
	}
	reqs = xcalloc(ntodo, sizeof(*reqs));
	for (size_t i = 0; i < ntodo; i++) {
		reqs[i] = fd_deploy_req(&a, todo[i]->b);
		reqs[i]->user = (void *)(uintptr_t)i;
	}
	struct fd_deploy_ctx c = { .a = &a, .items = todo, .first = ERR_INIT, .total = ntodo };
	struct httpc_opts o = { .parallel = (int)a.p->parallel, .ctx = &c, .log = fd_deploy_log_cb,
				.done = fd_deploy_done, .should_stop = fd_deploy_stop_cb,
				.retrying = fd_deploy_retry_cb, .stop_after_refusal = 1 };
	run_progress(run, "function 0/%zu", ntodo);
	rc = httpc_run(reqs, ntodo, &o, e);
	if (rc < 0)
		goto out;
	size_t ok = 0, first = ntodo;
	for (size_t i = 0; i < ntodo; i++) {
		if (httpc_req_ok(reqs[i], 0))
			ok++;
		else if (first == ntodo || (reqs[first]->attempts == 0 && reqs[i]->attempts > 0))
			first = i;
	}
	if (first < ntodo) {
		char *what = xasprintf("function '%s': deploy failed (%zu of %zu functions deployed)", todo[first]->b->slug,
				       ok, ntodo);
		rc = fd_req_error(e, SC_EFAIL, what, reqs[first]);
		free(what);
	} else if (c.first.code) {
		*e = c.first;
		rc = -c.first.code;
	} else {
		run_log(run, "%zu functions deployed, %zu unchanged", ntodo, s.n - ntodo);
	}
out:
	for (size_t i = 0; reqs && i < ntodo; i++)
		httpc_req_free(reqs[i]);
	free(reqs);
	free(todo);
	free(need);
	strv_free(remote);
	fd_set_release(&s);
	fd_api_release(&a);
	json_decref(prior);
	return rc;
}

/* rollback bookkeeping */
struct fd_rb_item {
	json_t *entry;
	const char *slug;
	char *restore_sha;       /* NULL: delete */
	struct bundle *b;
};

struct fd_rb_ctx {
	struct fd_api *a;
	struct fd_rb_item *items;
	struct err first;
};

static void fd_rb_done(void *ctx, struct httpc_req *q, size_t ndone, size_t n)
{
	struct fd_rb_ctx *c = ctx;
	struct fd_rb_item *it = &c->items[(size_t)(uintptr_t)q->user];
	/* deleting what is already gone is done too */
	int ok = httpc_req_ok(q, 0) || (!it->restore_sha && q->status == 404);
	if (ok) {
		json_object_set_new(it->entry, "status", json_string(it->restore_sha ? "restored" : "deleted"));
		struct err e2 = ERR_INIT;
		if (fd_put_deployed(c->a->run, it->slug, it->restore_sha, &e2) < 0 && !c->first.code)
			c->first = e2;
	}
	run_progress(c->a->run, "function %zu/%zu", ndone, n);
}

static void fd_rb_log_cb(void *ctx, const char *line)
{
	fd_log_cb(((struct fd_rb_ctx *)ctx)->a, line);
}

static void fd_rb_retry_cb(void *ctx, struct httpc_req *q, long long wait_ms)
{
	fd_retry_cb(((struct fd_rb_ctx *)ctx)->a, q, wait_ms);
}

static int fd_rollback(struct step *st, struct run *run, struct err *e)
{
	json_t *arr = json_object_get(run_detail(run), "functions");
	size_t n = json_array_size(arr), nitems = 0;
	if (n == 0)
		return 0;
	struct fd_api a;
	int rc = fd_api_init(&a, st, run, e);
	if (rc < 0)
		return err_set(e, SC_EROLLBACK, "cannot roll back functions: %s", e->msg);
	struct fd_rb_item *items = xcalloc(n, sizeof(*items));
	struct httpc_req **reqs = xcalloc(n, sizeof(*reqs));
	size_t i;
	json_t *entry;
	json_array_foreach(arr, i, entry) {
		const char *status = json_string_value(json_object_get(entry, "status"));
		const char *slug = json_string_value(json_object_get(entry, "slug"));
		const char *prev = json_string_value(json_object_get(entry, "previous_sha"));
		int existed = json_is_true(json_object_get(entry, "existed"));
		/* "failed": refused, so not applied; "pending": maybe sent by a run that was killed */
		if (!slug || !status ||
		    (strcmp(status, "deployed") != 0 && strcmp(status, "uncertain") != 0 && strcmp(status, "pending") != 0))
			continue;
		struct fd_rb_item *it = &items[nitems];
		it->entry = entry;
		it->slug = slug;
		if (prev) {
			rc = fd_get_bundle(run, slug, prev, &it->b, e);
			if (rc < 0)
				goto out;
			it->restore_sha = xstrdup(prev);
			reqs[nitems] = fd_deploy_req(&a, it->b);
		} else if (!existed) {
			char *path = xasprintf("/functions/%s", slug);
			reqs[nitems] = fd_req(&a, "DELETE", path);
			free(path);
		} else {
			rc = err_set(e, SC_EROLLBACK, "function '%s': existed before, but no previous bundle was kept", slug);
			goto out;
		}
		reqs[nitems]->user = (void *)(uintptr_t)nitems;
		nitems++;
	}
	struct fd_rb_ctx c = { .a = &a, .items = items, .first = ERR_INIT };
	struct httpc_opts o = { .parallel = (int)a.p->parallel, .ctx = &c, .log = fd_rb_log_cb, .done = fd_rb_done,
				.retrying = fd_rb_retry_cb };
	rc = httpc_run(reqs, nitems, &o, e);
	if (rc < 0)
		goto out;
	size_t failed = 0;
	for (i = 0; i < nitems; i++) {
		const char *st_now = json_string_value(json_object_get(items[i].entry, "status"));
		if (strcmp(st_now, "restored") == 0 || strcmp(st_now, "deleted") == 0)
			continue;
		if (failed++ == 0) {
			char *what = xasprintf("function '%s': %s failed", items[i].slug,
					       items[i].restore_sha ? "redeploying the previous bundle" : "deleting it");
			fd_req_error(e, SC_EROLLBACK, what, reqs[i]);
			free(what);
		}
	}
	if (failed) {
		rc = err_prefix(e, "%zu of %zu functions not rolled back", failed, nitems);
	} else if (c.first.code) {
		*e = c.first;
		rc = -c.first.code;
	} else {
		run_log(run, "%zu functions rolled back", nitems);
	}
out:
	for (i = 0; i < n; i++) {
		httpc_req_free(reqs[i]);
		free(items[i].restore_sha);
		bundle_free(items[i].b);
	}
	free(reqs);
	free(items);
	fd_api_release(&a);
	return rc;
}

/* rollback_plan: each function redeployed (its stored bundle loaded and
 * checked) or deleted. */
static int fd_rollback_plan(struct step *st, struct run *run, struct err *e)
{
	json_t *arr = json_object_get(run_detail(run), "functions");
	size_t i, shown = 0;
	json_t *entry;
	json_array_foreach(arr, i, entry) {
		const char *status = json_string_value(json_object_get(entry, "status"));
		const char *slug = json_string_value(json_object_get(entry, "slug"));
		const char *prev = json_string_value(json_object_get(entry, "previous_sha"));
		if (!slug || !status ||
		    (strcmp(status, "deployed") != 0 && strcmp(status, "uncertain") != 0 && strcmp(status, "pending") != 0))
			continue;
		shown++;
		if (prev) {
			struct bundle *b = NULL;
			if (fd_get_bundle(run, slug, prev, &b, e) < 0)
				return err_set(e, SC_EUSAGE, "step '%s': the previous bundle of function '%s' is missing: %s",
					       st->name, slug, e->msg);
			bundle_free(b);
			run_plan_line(run, "function %s: redeploy its previous bundle %.12s (stored, checked)", slug, prev);
		} else if (!json_is_true(json_object_get(entry, "existed"))) {
			run_plan_line(run, "function %s: delete it (it did not exist before)", slug);
		} else {
			return err_set(e, SC_EUSAGE, "step '%s': function '%s' existed before, but no previous bundle was "
				       "kept: it cannot be undone", st->name, slug);
		}
	}
	if (!shown)
		run_plan_line(run, "no function was deployed: nothing to undo");
	return 0;
}

static const char *fd_strategy(const struct step *st)
{
	return "redeploy the previous bundles from the artifacts; delete functions that did not exist";
}

const struct step_ops step_functions_deploy_ops = {
	.keys = fd_keys,
	.kind = "functions_deploy",
	.parse = fd_parse,
	.plan = fd_plan,
	.apply = fd_apply,
	.rollback = fd_rollback,
	.free = fd_free,
	.rollback_strategy = fd_strategy,
	.rollback_plan = fd_rollback_plan,
};
