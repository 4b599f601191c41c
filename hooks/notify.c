/*
 * notify: tell a team's webhooks that a run started and how it ended (see
 * notify.h).  Each entry of hooks.notify is a URL and a format:
 *
 *   json   (the default) stagecoach's own object, sent when the run ends:
 *          {"event": "run_finished", "project", "env", "command", "release",
 *           "run_id", "status", "error", "actor", "git_commit", "duration_ms",
 *           "exit_code", "outcome", "previous_release", "rollback_command",
 *           "step_counts": {...},
 *           "steps": [{"name", "kind", "status", "duration_ms", "error"}]}
 *          and, with events = ["start", ...], {"event": "run_started", ...}
 *   slack  a Slack incoming webhook's message: {"text": fallback, "blocks":
 *          [section (mrkdwn), section with fields, context]}
 *   teams  a Microsoft Teams webhook's message: {"type": "message",
 *          "attachments": [{"contentType":
 *          "application/vnd.microsoft.card.adaptive", "content": an
 *          AdaptiveCard with a TextBlock and a FactSet}]}
 *
 * slack and teams are sent at the start and at the end by default.  Every
 * text is redacted before it is encoded, and the encoded payload again.
 * All targets of one moment are sent at once, each attempt bounded by its
 * timeout_ms (default 5 s), one retry on timeouts, 429 and 5xx: a webhook
 * that hangs delays the run by about twice its timeout, never more.  A URL
 * that cannot be expanded or does not answer 2xx is a warning naming its
 * scheme and host only (a webhook URL's path is often its secret), never a
 * failed run.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "notify.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../env/state.h"
#include "../env/tally.h"
#include "../lib/err.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../steps/httpc.h"
#include "../steps/step.h"

/* an error in a chat message: enough to see what failed, not a wall */
#define NOTIFY_ERROR_MAX 1500

/* What a notification says about one moment of a run */
struct notify_event {
	int start;              /* 1: the run started; 0: it ended */
	const char *status;     /* the run's status at the end */
	const char *error;      /* NULL on success */
	int exit_code;
	char *outcome;          /* one sentence: "succeeded", "failed and was rolled back"... */
	char *rollback;         /* the command that undoes this run, NULL when there is nothing to undo */
	char *next;             /* what to run next after a failure, NULL when nothing */
};

/* The release before this run (the newest successful deploy or promote),
 * looked up once per run, when a notification first needs it. */
static const char *notify_previous(struct run *r)
{
	if (r->notify_previous_known)
		return r->notify_previous;
	r->notify_previous_known = 1;
	if (!r->state)
		return NULL;
	struct state_run last;
	memset(&last, 0, sizeof(last));
	struct err e = ERR_INIT;
	int found = state_last_success(r->state, &last, &e);
	if (found < 0)
		run_warn(r, "notify: the previous release is unknown: %s", e.msg);
	else if (found > 0 && strcmp(last.id, r->run_id) != 0 && last.release)
		r->notify_previous = xstrdup(last.release);
	if (found > 0)
		state_run_release(&last);
	return r->notify_previous;
}

static int notify_is_release_run(const struct run *r)
{
	return strcmp(r->command, "deploy") == 0 || strcmp(r->command, "promote") == 0;
}

static void notify_event_init(struct run *r, struct notify_event *ev)
{
	const char *env = r->env->name;
	const char *prev = notify_is_release_run(r) ? notify_previous(r) : NULL;
	char *undo = notify_is_release_run(r) ? (prev ? xasprintf("stagecoach rollback %s --to %s", env, prev)
						      : xasprintf("stagecoach rollback %s --last", env))
					      : NULL;
	if (ev->start) {
		ev->outcome = xstrdup("started");
		ev->rollback = undo;
		return;
	}
	const char *st = ev->status;
	if (strcmp(st, "succeeded") == 0) {
		ev->outcome = xstrdup("succeeded");
		ev->rollback = undo;
		return;
	}
	free(undo);
	if (strcmp(st, "rolled_back") == 0) {
		ev->outcome = xasprintf("failed and was rolled back: '%s' is at its previous release%s%s", env,
					prev ? " " : "", prev ? prev : "");
	} else if (strcmp(st, "rollback_failed") == 0) {
		ev->outcome = xstrdup("failed, and its rollback did not complete: manual attention needed");
		ev->next = xasprintf("stagecoach status %s", env);
	} else if (strcmp(st, "paused") == 0) {
		ev->outcome = xstrdup("paused at a checkpoint: what ran so far stays");
		ev->next = xasprintf("stagecoach status %s", env);
	} else if (ev->exit_code == SC_EROLLBACK) {
		ev->outcome = xstrdup("failed and was not rolled back: the environment is part-way");
		ev->next = xasprintf("stagecoach status %s", env);
	} else {
		ev->outcome = xstrdup("failed; nothing was changed");
	}
}

static void notify_event_release(struct notify_event *ev)
{
	free(ev->outcome);
	free(ev->rollback);
	free(ev->next);
}

/* the steps' own time (their rollbacks aside), as this summary always said */
static long long notify_duration(const struct run *r)
{
	long long total = 0;
	for (size_t i = 0; i < r->nexecs; i++)
		total += r->execs[i].duration_ms;
	return total;
}

/* ---- json: stagecoach's own object ---- */

static json_t *notify_json(struct run *r, const struct notify_event *ev)
{
	/* every text redacted (and repaired to UTF-8) before it is encoded */
	json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "event",
			      ev->start ? "run_started" : "run_finished", "project", redact_json_string(r->cfg->project),
			      "env", redact_json_string(r->env->name), "command", redact_json_string(r->command),
			      "release", redact_json_string(r->release), "run_id", redact_json_string(r->run_id), "actor",
			      redact_json_string(r->actor), "git_commit", redact_json_string(r->git_commit),
			      "previous_release", redact_json_string(r->notify_previous), "rollback_command",
			      redact_json_string(ev->rollback), "outcome", redact_json_string(ev->outcome));
	if (!j)
		BUG("json_pack failed for the notify summary");
	if (ev->start)
		return j;
	json_t *steps = json_array();
	for (size_t i = 0; i < r->nexecs; i++) {
		const struct step_exec *x = &r->execs[i];
		json_array_append_new(steps, json_pack("{s:o, s:o, s:s, s:I, s:o}", "name",
						       redact_json_string(x->step ? x->step->name : "?"), "kind",
						       redact_json_string(x->step ? x->step->kind : "?"), "status",
						       step_status_name(x->status), "duration_ms",
						       (json_int_t)x->duration_ms, "error", redact_json_string(x->error)));
	}
	struct run_tally t;
	run_tally(r, &t);
	json_object_set_new(j, "status", redact_json_string(ev->status));
	json_object_set_new(j, "error", redact_json_string(ev->error));
	json_object_set_new(j, "exit_code", json_integer(ev->exit_code));
	json_object_set_new(j, "duration_ms", json_integer(notify_duration(r)));
	json_object_set_new(j, "next_command", redact_json_string(ev->next));
	json_object_set_new(j, "step_counts", run_tally_json(&t));
	json_object_set_new(j, "steps", steps);
	return j;
}

/* ---- the sentence and facts chat formats show ---- */

/* "deploy of release 4f2c9a1e0b7d to 'production' (project nanp-rates)" */
static char *notify_headline(const struct run *r)
{
	return xasprintf("stagecoach: %s of release %s to '%s' (project %s)", r->command,
			 r->release ? r->release : "-", r->env->name, r->cfg->project ? r->cfg->project : "-");
}

/* Slack's mrkdwn wants &, < and > escaped (its control characters); at
 * most max bytes of output (Slack refuses a section text over 3000, a field
 * over 2000), never an entity or a character cut in two */
static char *notify_slack_escape(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		const char *ent = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
		size_t n = ent ? 1 : *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
		size_t add = ent ? strlen(ent) : n;
		if (b.len + add + 3 > max) {
			buf_adds(&b, "...");
			break;
		}
		if (ent)
			buf_adds(&b, ent);
		else
			buf_add(&b, p, strnlen((const char *)p, n));
		p += ent ? 1 : strnlen((const char *)p, n);
	}
	return buf_detach(&b);
}

/* redact, then cut to max bytes (on a character boundary) */
static char *notify_text(const char *s, size_t max)
{
	char *red = redact(s ? s : "");
	size_t n = strlen(red);
	if (n <= max)
		return red;
	size_t cut = max;
	while (cut > 0 && ((unsigned char)red[cut] & 0xc0) == 0x80)
		cut--;
	char *out = xasprintf("%.*s... (%zu more bytes)", (int)cut, red, n - cut);
	free(red);
	return out;
}

struct notify_fact {
	const char *title;
	char *value; /* redacted, owned */
};

/* The facts of an event, in the order chat messages show them; returns how many */
static size_t notify_facts(struct run *r, const struct notify_event *ev, struct notify_fact f[8])
{
	size_t n = 0;
	f[n++] = (struct notify_fact){ "Environment", notify_text(r->env->name, 200) };
	f[n++] = (struct notify_fact){ "Release", notify_text(r->release ? r->release : "-", 200) };
	f[n++] = (struct notify_fact){ "Actor", notify_text(r->actor, 200) };
	f[n++] = (struct notify_fact){ "Outcome", notify_text(ev->outcome, 500) };
	f[n++] = (struct notify_fact){ "Run", notify_text(r->run_id, 200) };
	if (!ev->start) {
		struct run_tally t;
		run_tally(r, &t);
		struct buf b = BUF_INIT;
		run_tally_text(&t, &b);
		f[n++] = (struct notify_fact){ "Steps", notify_text(buf_str(&b), 500) };
		buf_release(&b);
	}
	if (ev->rollback)
		f[n++] = (struct notify_fact){ "To roll back", notify_text(ev->rollback, 500) };
	if (ev->next)
		f[n++] = (struct notify_fact){ "Next", notify_text(ev->next, 500) };
	return n;
}

static void notify_facts_free(struct notify_fact *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].value);
}

/* ---- slack ---- */

static json_t *notify_slack(struct run *r, const struct notify_event *ev)
{
	char *head = notify_headline(r);
	char *head_red = notify_text(head, 1000);
	char *out_red = notify_text(ev->outcome, 500);
	char *fallback = xasprintf("%s: %s", head_red, out_red);
	char *e_head = notify_slack_escape(head_red, 1400);
	char *e_out = notify_slack_escape(out_red, 1400);
	char *section = xasprintf("*%s*: %s", e_head, e_out);
	json_t *blocks = json_array();
	json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn",
						"text", section));
	struct notify_fact f[8];
	size_t n = notify_facts(r, ev, f);
	json_t *fields = json_array();
	for (size_t i = 0; i < n; i++) {
		char *v = notify_slack_escape(f[i].value, 1800);
		int code = strcmp(f[i].title, "To roll back") == 0 || strcmp(f[i].title, "Next") == 0;
		char *t = xasprintf("*%s*\n%s%s%s", f[i].title, code ? "`" : "", v, code ? "`" : "");
		json_array_append_new(fields, json_pack("{s:s, s:s}", "type", "mrkdwn", "text", t));
		free(t);
		free(v);
	}
	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
	if (ev->error) {
		char *err = notify_text(ev->error, NOTIFY_ERROR_MAX);
		char *e_err = notify_slack_escape(err, 2900);
		char *t = xasprintf("*Error*\n```%s```", e_err);
		json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type",
							"mrkdwn", "text", t));
		free(t);
		free(e_err);
		free(err);
	}
	json_t *j = json_pack("{s:s, s:o}", "text", fallback, "blocks", blocks);
	notify_facts_free(f, n);
	free(section);
	free(e_out);
	free(e_head);
	free(fallback);
	free(out_red);
	free(head_red);
	free(head);
	return j;
}

/* ---- teams ---- */

static json_t *notify_teams(struct run *r, const struct notify_event *ev)
{
	char *head = notify_headline(r);
	char *head_red = notify_text(head, 1000);
	char *out_red = notify_text(ev->outcome, 500);
	char *title = xasprintf("%s: %s", head_red, out_red);
	int bad = !ev->start && strcmp(ev->status, "succeeded") != 0;
	json_t *body = json_array();
	json_array_append_new(body, json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "TextBlock", "text", title, "weight",
					      "Bolder", "color", bad ? "Attention" : ev->start ? "Default" : "Good",
					      "wrap", 1));
	struct notify_fact f[8];
	size_t n = notify_facts(r, ev, f);
	json_t *facts = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(facts, json_pack("{s:s, s:s}", "title", f[i].title, "value", f[i].value));
	json_array_append_new(body, json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts));
	if (ev->error) {
		char *err = notify_text(ev->error, NOTIFY_ERROR_MAX);
		json_array_append_new(body, json_pack("{s:s, s:s, s:b, s:s}", "type", "TextBlock", "text", err, "wrap", 1,
						      "fontType", "Monospace"));
		free(err);
	}
	json_t *card = json_pack("{s:s, s:s, s:s, s:o}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
				 "type", "AdaptiveCard", "version", "1.2", "body", body);
	json_t *j = json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments", "contentType",
			      "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
	notify_facts_free(f, n);
	free(title);
	free(out_red);
	free(head_red);
	free(head);
	return j;
}

/* ---- sending ---- */

/* The payload of one format, encoded and redacted again; caller frees */
static char *notify_payload(struct run *r, const struct notify_event *ev, enum notify_format format)
{
	json_t *j = format == NOTIFY_SLACK   ? notify_slack(r, ev)
		    : format == NOTIFY_TEAMS ? notify_teams(r, ev)
					     : notify_json(r, ev);
	if (!j)
		BUG("json_pack failed for a notification");
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		BUG("json_dumps failed for a notification");
	size_t n = redact_inplace(s, strlen(s));
	s[n] = '\0';
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

static void notify_moment(struct run *r, struct notify_event *ev)
{
	const struct hooks_config *h = &r->cfg->hooks;
	size_t n = 0;
	for (size_t i = 0; i < h->nnotify; i++)
		if (ev->start ? h->notify[i].on_start : h->notify[i].on_end)
			n++;
	if (n == 0)
		return;
	notify_event_init(r, ev);
	char *bodies[3] = { NULL, NULL, NULL }; /* one per format, built when needed */
	struct httpc_req **reqs = xcalloc(n, sizeof(*reqs));
	size_t nreq = 0;
	for (size_t i = 0; i < h->nnotify; i++) {
		const struct notify_target *t = &h->notify[i];
		if (!(ev->start ? t->on_start : t->on_end))
			continue;
		char *url = NULL;
		struct err e = ERR_INIT;
		if (run_expand(r, t->url, &url, &e) < 0) {
			run_warn(r, "notify: hook %zu not sent: %s", i + 1, e.msg);
			continue;
		}
		if (!*url) {
			free(url);
			continue; /* an unset ${SLACK_WEBHOOK_URL:-} means: no notification */
		}
		if (!bodies[t->format])
			bodies[t->format] = notify_payload(r, ev, t->format);
		struct httpc_req *q = httpc_req_new("POST", url);
		free(url);
		httpc_req_body(q, bodies[t->format], strlen(bodies[t->format]), "application/json");
		q->timeout_ms = (long)t->timeout_ms;
		q->connect_timeout_ms = q->timeout_ms;
		q->retries = 1;
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
			run_warn(r, "notify to '%s' failed%s: %s", origin, ev->start ? " (at the run's start)" : "",
				 buf_str(&why));
			free(origin);
			buf_release(&why);
		}
		httpc_req_free(q);
	}
	free(reqs);
	for (size_t i = 0; i < 3; i++)
		free(bodies[i]);
	notify_event_release(ev);
}

void notify_run_started(struct run *r)
{
	/* the release to go back to is the one before this run: looked up now,
	 * for the end's message too (once this run succeeds, it is the last) */
	if (r->cfg->hooks.nnotify && notify_is_release_run(r))
		notify_previous(r);
	struct notify_event ev = { .start = 1 };
	notify_moment(r, &ev);
}

void notify_send(struct run *r, const char *status, const char *error, int exit_code)
{
	struct notify_event ev = { .start = 0, .status = status, .error = error, .exit_code = exit_code };
	notify_moment(r, &ev);
}
