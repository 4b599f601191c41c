/*
 * output: human lines and --json events of a run (see output.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output.h"
#include "config.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../steps/step.h"

struct output *output_new(int json, int color, int quiet, int verbose)
{
	struct output *o = xcalloc(1, sizeof(*o));
	o->json = json;
	o->color = color && !json;
	o->quiet = quiet;
	o->verbose = verbose;
	o->tty = !json && isatty(STDOUT_FILENO);
	return o;
}

void output_free(struct output *o)
{
	if (o)
		json_decref(o->plan_lines);
	free(o);
}

static const char *c_(struct output *o, const char *code)
{
	return o->color ? code : "";
}
#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static void clear_progress(struct output *o)
{
	if (o->progress_shown) {
		fputs("\r\033[K", stdout);
		o->progress_shown = 0;
	}
}

static void out_json_line(json_t *obj, int flush)
{
	/* redacted before it is encoded (a copy: objects such as a step's
	 * detail are shared with the records) */
	json_t *copy = json_deep_copy(obj);
	json_decref(obj);
	redact_json_tree(copy);
	/* every line carries the version of this stream first ("v": 1): a
	 * field is only ever added to it; a renamed or retyped one is "v": 2 */
	json_t *line = json_pack("{s:i}", "v", JSON_STREAM_VERSION);
	json_object_update(line, copy);
	json_decref(copy);
	char *s = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(line);
	if (!s)
		return;
	size_t n = redact_inplace(s, strlen(s));
	fwrite(s, 1, n, stdout);
	fputc('\n', stdout);
	if (flush)
		fflush(stdout);
	free(s);
}

void out_json(struct output *o, json_t *obj)
{
	(void)o;
	out_json_line(obj, 1);
}

void out_json_buffered(struct output *o, json_t *obj)
{
	(void)o;
	out_json_line(obj, 0);
}

static json_t *event(struct run *r, const char *name)
{
	char t[32];
	time_iso8601(time_wall_ms(), t);
	json_t *o = json_object();
	json_object_set_new(o, "event", redact_json_string(name));
	json_object_set_new(o, "time", redact_json_string(t));
	json_object_set_new(o, "run_id", redact_json_string(r->run_id));
	json_object_set_new(o, "env", redact_json_string(r->env->name));
	return o;
}

static json_t *step_event(struct run *r, const char *name, struct step_exec *x)
{
	json_t *o = event(r, name);
	json_object_set_new(o, "step", redact_json_string(x->step->name));
	json_object_set_new(o, "kind", redact_json_string(x->step->kind));
	json_object_set_new(o, "status", redact_json_string(step_status_name(x->status)));
	return o;
}

static void fmt_duration(long long ms, char out[32])
{
	if (ms < 1000)
		snprintf(out, 32, "%lldms", ms);
	else if (ms < 60000)
		snprintf(out, 32, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(out, 32, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
}

static void print_redacted(FILE *f, const char *s)
{
	char *r = redact(s);
	fputs(r, f);
	free(r);
}

void out_run_started(struct output *o, struct run *r)
{
	if (o->json) {
		json_t *ev = event(r, "run_started");
		json_object_set_new(ev, "command", redact_json_string(r->command));
		json_object_set_new(ev, "release", redact_json_string(r->release ? r->release : ""));
		json_object_set_new(ev, "actor", redact_json_string(r->actor));
		if (r->promoted_from)
			json_object_set_new(ev, "promoted_from", redact_json_string(r->promoted_from));
		if (r->undoes) {
			/* a rollback run: the ids of the runs it undoes, newest first */
			json_t *ids = json_array();
			char *copy = xstrdup(r->undoes);
			for (char *save = NULL, *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save))
				json_array_append_new(ids, redact_json_string(id));
			free(copy);
			json_object_set_new(ev, "undoes", ids);
		}
		out_json(o, ev);
		return;
	}
	if (o->quiet)
		return;
	printf("%s%s '%s'%s: release %s, run %s%s\n", c_(o, BOLD), r->command, r->env->name, c_(o, RESET),
	       r->release ? r->release : "-", r->run_id, r->dry_run ? " (dry run: nothing will change)" : "");
	fflush(stdout);
}

void out_step_started(struct output *o, struct run *r, struct step_exec *x)
{
	if (o->json) {
		out_json(o, step_event(r, "step_started", x));
		return;
	}
	if (o->tty && !o->quiet) {
		printf("\r\033[K  ..   %-16s %s", x->step->name, x->step->kind);
		o->progress_shown = 1;
		fflush(stdout);
	}
}

void out_step_progress(struct output *o, struct run *r, struct step_exec *x, const char *text)
{
	if (o->json) {
		json_t *ev = step_event(r, "step_progress", x);
		json_object_set_new(ev, "detail", redact_json_string(text));
		out_json(o, ev);
		return;
	}
	if (!o->tty || o->quiet)
		return;
	long long now = time_mono_ms();
	if (now - o->progress_last_ms < 100)
		return;
	o->progress_last_ms = now;
	char d[32];
	fmt_duration(time_wall_ms() - x->started_ms, d);
	char *t = redact(text);
	printf("\r\033[K  ..   %-16s %-16s %s  %s%s%s", x->step->name, x->step->kind, t, c_(o, DIM), d, c_(o, RESET));
	free(t);
	o->progress_shown = 1;
	fflush(stdout);
}

static void step_line(struct output *o, struct step_exec *x, const char *mark, const char *color, const char *word)
{
	char d[32];
	int undo = x->status == STEP_ROLLED_BACK || x->status == STEP_ROLLBACK_FAILED;
	fmt_duration(undo ? x->rollback_ms : x->duration_ms, d);
	clear_progress(o);
	printf("  %s%-4s%s %-16s %-16s %8s", c_(o, color), mark, c_(o, RESET), x->step->name, x->step->kind,
	       x->status == STEP_SKIPPED ? "" : d);
	if (word)
		printf("  %s", word);
	const char *why = x->status == STEP_FAILED ? x->error : x->status == STEP_ROLLBACK_FAILED ? x->rollback_error : NULL;
	if (why) {
		fputs("\n       ", stdout);
		print_redacted(stdout, why);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

void out_step_finished(struct output *o, struct run *r, struct step_exec *x)
{
	if (o->json) {
		json_t *ev = step_event(r, "step_finished", x);
		json_object_set_new(ev, "duration_ms", json_integer(x->duration_ms));
		if (x->detail)
			json_object_set(ev, "detail", x->detail);
		if (x->error)
			json_object_set_new(ev, "error", redact_json_string(x->error));
		out_json(o, ev);
		return;
	}
	if (o->quiet && x->status != STEP_FAILED && x->status != STEP_PAUSED)
		return;
	switch (x->status) {
	case STEP_SUCCEEDED: step_line(o, x, "ok", GREEN, NULL); break;
	case STEP_SKIPPED: step_line(o, x, "--", DIM, "skipped on this environment"); break;
	case STEP_PAUSED: step_line(o, x, "wait", YELLOW, "paused: waiting for approval"); break;
	case STEP_FAILED:
		step_line(o, x, "FAIL", RED, x->step->continue_on_error ? "(continue_on_error)" : NULL);
		break;
	default: step_line(o, x, "??", YELLOW, step_status_name(x->status)); break;
	}
}

void out_rollback_started(struct output *o, struct run *r, const char *why)
{
	if (o->json) {
		json_t *ev = event(r, "rollback_started");
		if (why)
			json_object_set_new(ev, "detail", redact_json_string(why));
		out_json(o, ev);
		return;
	}
	clear_progress(o);
	printf("%srolling back%s the steps done, newest first\n", c_(o, YELLOW), c_(o, RESET));
	fflush(stdout);
}

void out_step_rolled_back(struct output *o, struct run *r, struct step_exec *x)
{
	if (o->json) {
		json_t *ev = step_event(r, "step_rolled_back", x);
		json_object_set_new(ev, "duration_ms", json_integer(x->rollback_ms));
		if (x->rollback_error)
			json_object_set_new(ev, "error", redact_json_string(x->rollback_error));
		out_json(o, ev);
		return;
	}
	if (x->status == STEP_ROLLED_BACK)
		step_line(o, x, "undo", YELLOW, "rolled back");
	else
		step_line(o, x, "FAIL", RED, "rollback failed");
}

/* a run of the pipeline's steps (deploy, promote, rollback), whose summary
 * counts them; backup and restore run one step of their own */
static int out_counts_steps(const struct run *r)
{
	return strcmp(r->command, "deploy") == 0 || strcmp(r->command, "promote") == 0 ||
	       strcmp(r->command, "rollback") == 0;
}

void out_run_finished(struct output *o, struct run *r, const char *status, const char *error, int exit_code)
{
	o->run_finished = 1;
	long long total = 0;
	for (size_t i = 0; i < r->nexecs; i++)
		total += r->execs[i].duration_ms + r->execs[i].rollback_ms;
	struct run_tally tally;
	run_tally(r, &tally);
	if (o->json) {
		json_t *ev = event(r, "run_finished");
		json_object_set_new(ev, "status", redact_json_string(status));
		json_object_set_new(ev, "command", redact_json_string(r->command));
		json_object_set_new(ev, "release", redact_json_string(r->release ? r->release : ""));
		json_object_set_new(ev, "duration_ms", json_integer(total));
		json_object_set_new(ev, "exit_code", json_integer(exit_code));
		if (out_counts_steps(r))
			json_object_set_new(ev, "step_counts", run_tally_json(&tally));
		if (error)
			json_object_set_new(ev, "error", redact_json_string(error));
		out_json(o, ev);
		return;
	}
	clear_progress(o);
	if (o->quiet && exit_code == 0)
		return;
	char d[32];
	fmt_duration(total, d);
	const char *color = exit_code == 0 ? GREEN : exit_code == SC_EPAUSED ? YELLOW : RED;
	struct buf counts = BUF_INIT;
	if (out_counts_steps(r))
		run_tally_text(&tally, &counts);
	buf_adds(&counts, counts.len ? ", " : "");
	printf("%s%s '%s' %s%s: release %s, %s%s\n", c_(o, color), r->command, r->env->name, status, c_(o, RESET),
	       r->release ? r->release : "-", buf_str(&counts), d);
	buf_release(&counts);
	fflush(stdout);
}

void out_plan_line(struct output *o, struct run *r, struct step_exec *x, const char *text)
{
	if (o->json) {
		json_t *ev = step_event(r, "plan", x);
		json_object_set_new(ev, "detail", redact_json_string(text));
		out_json(o, ev);
		if (o->plan_lines && x) {
			json_t *lines = json_object_get(o->plan_lines, x->step->name);
			if (!lines)
				json_object_set_new(o->plan_lines, x->step->name, lines = json_array());
			json_array_append_new(lines, redact_json_string(text));
		}
		return;
	}
	clear_progress(o);
	fputs("       ", stdout);
	print_redacted(stdout, text);
	fputc('\n', stdout);
}

void out_log(struct output *o, struct run *r, struct step_exec *x, const char *line)
{
	if (!o->verbose)
		return;
	if (o->json) {
		json_t *ev = step_event(r, "step_log", x);
		json_object_set_new(ev, "detail", redact_json_string(line));
		out_json(o, ev);
		return;
	}
	clear_progress(o);
	printf("       %s| ", c_(o, DIM));
	print_redacted(stdout, line);
	printf("%s\n", c_(o, RESET));
	fflush(stdout);
}

void out_warn(struct output *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (o)
		clear_progress(o);
	fflush(stdout);
	fputs("stagecoach: warning: ", stderr);
	print_redacted(stderr, s);
	fputc('\n', stderr);
	free(s);
}

void out_text(struct output *o, const char *fmt, ...)
{
	if (o->json || o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	clear_progress(o);
	print_redacted(stdout, s);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
}

static void sink_plan_line_cb(void *ctx, struct run *r, struct step_exec *x, const char *text)
{
	out_plan_line(ctx, r, x, text);
}

static void sink_progress_cb(void *ctx, struct run *r, struct step_exec *x, const char *text)
{
	out_step_progress(ctx, r, x, text);
}

static void sink_log_cb(void *ctx, struct run *r, struct step_exec *x, const char *line)
{
	out_log(ctx, r, x, line);
}

static void sink_warn_cb(void *ctx, const char *msg)
{
	out_warn(ctx, "%s", msg);
}

static void sink_prompt_cb(void *ctx)
{
	struct output *o = ctx;
	clear_progress(o);
	fflush(stdout);
}

static const struct sink_ops output_sink_ops = {
	.plan_line = sink_plan_line_cb,
	.progress = sink_progress_cb,
	.log = sink_log_cb,
	.warn = sink_warn_cb,
	.prompt = sink_prompt_cb,
};

struct sink output_sink(struct output *o)
{
	struct sink s = { &output_sink_ops, o, o ? o->verbose : 0 };
	return s;
}
