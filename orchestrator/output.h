/*
 * output: everything the user sees of a run, in one of two forms: human
 * lines (with colour and a live progress line on a terminal, plain
 * otherwise), or --json events, one object per line (SPEC section 1).
 * Every string is redacted before it is written.  Human step lines go to
 * stdout; warnings and the final error go to stderr.
 *
 * The output is created by main.c and borrowed by runs and commands.
 */
#ifndef SC_OUTPUT_H
#define SC_OUTPUT_H

#include <stdio.h>
#include <jansson.h>
#include "../lib/sink.h"

struct run;
struct step_exec;

struct output {
	int json;
	int color;
	int quiet;
	int verbose;
	int tty;             /* stdout is a terminal: live progress */
	int progress_shown;  /* a progress line is on screen */
	long long progress_last_ms;
	int run_finished;    /* a run_finished event was written: it carries the outcome */
	json_t *plan_lines;  /* NULL, or {step: [line, ...]}: plan --json collects each step's lines */
};

struct output *output_new(int json, int color, int quiet, int verbose);
void output_free(struct output *o);

void out_run_started(struct output *o, struct run *r);
void out_step_started(struct output *o, struct run *r, struct step_exec *x);
void out_step_progress(struct output *o, struct run *r, struct step_exec *x, const char *text);
void out_step_finished(struct output *o, struct run *r, struct step_exec *x);
void out_rollback_started(struct output *o, struct run *r, const char *why);
void out_step_rolled_back(struct output *o, struct run *r, struct step_exec *x);
void out_run_finished(struct output *o, struct run *r, const char *status, const char *error, int exit_code);
void out_plan_line(struct output *o, struct run *r, struct step_exec *x, const char *text);
void out_log(struct output *o, struct run *r, struct step_exec *x, const char *line);
void out_warn(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A human line on stdout (not in --json mode, not with -q) */
void out_text(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The version of the --json stream, "v" on every line (docs/json.md) */
#define JSON_STREAM_VERSION 1

/* Print a JSON object as one line (takes the reference), redacted, with
 * "v" first.  o may be NULL (before a command started). */
void out_json(struct output *o, json_t *obj);
/* out_json without the flush after each line, for long listings (history):
 * the caller flushes stdout at the end. */
void out_json_buffered(struct output *o, json_t *obj);

/* The sink through which env/, steps/ and hooks/ report (borrows o). */
struct sink output_sink(struct output *o);

#endif
