/*
 * main: global options, the command, and the one place that prints the
 * final error and exits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "help.h"
#include "output.h"
#include "../lib/errloc.h"
#include "../lib/redact.h"
#include "../lib/suggest.h"
#include "../lib/util.h"

#define STAGECOACH_VERSION "0.1.0"

extern char **environ;

/* Options given before the command; did-you-mean picks among them. */
static const char *const global_options[] = { "--config", "--json", "--color", "--quiet", "--verbose", "--version",
					       "--help", NULL };

/* Options that take a value: "--limit=2" is "--limit 2" (--approve=STEP and
 * --color=WHEN are forms of their own and stay as they are). */
static const char *const value_options[] = { "--release", "--junit", "--to", "--limit", "--note", "--layout",
					     "--server-version", NULL };

static int takes_value(const char *a, size_t len)
{
	for (size_t i = 0; value_options[i]; i++)
		if (strlen(value_options[i]) == len && strncmp(a, value_options[i], len) == 0)
			return 1;
	return 0;
}

/* The result of a failure: with --json one object on stdout (also before
 * a command or a run started), and always "stagecoach: error: MSG" on
 * stderr.  msg is redacted here. */
static void print_failure(int json, const struct command *cmd, int code, const char *raw)
{
	char *msg = redact(raw);
	if (json) {
		json_t *o = json_pack("{s:s,s:i,s:s}", "event", code == SC_EPAUSED ? "paused" : "error", "exit_code",
				      code, "message", msg);
		if (cmd)
			json_object_set_new(o, "command", json_string(cmd->name));
		char file[1024];
		int line;
		if (errloc_find(msg, file, sizeof file, &line)) {
			json_object_set_new(o, "file", json_string(file));
			json_object_set_new(o, "line", json_integer(line));
		}
		out_json(NULL, o);
	}
	fflush(stdout);
	fprintf(stderr, "stagecoach: %s: %s\n", code == SC_EPAUSED ? "paused" : "error", msg);
	free(msg);
}

/* An early usage error (before the command runs): JSON too with --json */
static int early_error(int json, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int early_error(int json, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	print_failure(json, NULL, SC_EUSAGE, msg);
	free(msg);
	return SC_EUSAGE;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: stagecoach [-c FILE] [--json] [--color=auto|always|never] [-q] [-v] COMMAND [ARGS]\n"
		   "       stagecoach help [COMMAND | TOPIC]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	return f == stderr ? SC_EUSAGE : 0;
}

/* secrets that reach us through the process environment by their names */
static void register_env_secrets(void)
{
	for (char **p = environ; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		if (!eq)
			continue;
		char *name = xstrndup(*p, (size_t)(eq - *p));
		if (redact_is_secret_name(name, NULL) && strlen(eq + 1) >= 6)
			redact_add(eq + 1);
		/* a URL's password is a secret whatever variable holds it */
		if (strstr(eq + 1, "://"))
			redact_add_url_password(eq + 1);
		free(name);
	}
}

int main(int argc, char **argv)
{
	struct global g = { 0 };
	help_set_pages(doc_pages);
	const char *color = "auto";
	register_env_secrets(); /* before any message, an early one too */
	/* --json may come anywhere: a usage error before the command is JSON too */
	int json = 0;
	for (int j = 1; j < argc; j++)
		if (strcmp(argv[j], "--json") == 0)
			json = 1;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc)
				return early_error(json, "%s needs a FILE", a);
			g.config_path = argv[++i];
		} else if (starts_with(a, "--config=")) {
			g.config_path = a + 9;
		} else if (strcmp(a, "--json") == 0) {
			g.json = 1;
		} else if (starts_with(a, "--color=") || strcmp(a, "--color") == 0) {
			if (!a[7] && i + 1 >= argc)
				return early_error(json, "--color needs auto, always or never");
			color = a[7] ? a + 8 : argv[++i];
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
				return early_error(json, "--color must be auto, always or never, not '%s'", color);
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			g.quiet = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g.verbose = 1;
		} else if (strcmp(a, "--version") == 0) {
			if (json)
				out_json(NULL, json_pack("{s:s,s:s}", "event", "version", "version", STAGECOACH_VERSION));
			else
				printf("stagecoach %s\n", STAGECOACH_VERSION);
			return 0;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return usage(stdout);
		} else if (a[0] == '-') {
			size_t n = strcspn(a, "=");
			char *name = xstrndup(a, n);
			const char *near = suggest_closest(name, global_options);
			free(name);
			int rc = early_error(json, "unknown option '%s'%s%s%s (options before the command: -c FILE, "
					     "--json, --color=WHEN, -q, -v, --version)", a, near ? ": did you mean " : "",
					     near ? near : "", near ? "?" : "");
			if (!json)
				usage(stderr);
			return rc;
		} else {
			break;
		}
	}
	if (i >= argc) {
		if (!json)
			return usage(stderr);
		return early_error(json, "no command given (see 'stagecoach help')");
	}
	/* global options may also follow the command (CI lines read better so:
	 * "promote staging production --approve --json --junit report.xml");
	 * "--limit=2" becomes "--limit" "2" for every option that takes a value */
	char **cargv = xcalloc(2 * (size_t)(argc - i) + 1, sizeof(char *));
	char **split = xcalloc((size_t)(argc - i) + 1, sizeof(char *)); /* the names cut out of "--x=v" */
	int cargc = 0, nsplit = 0;
	cargv[cargc++] = argv[i];
	for (int j = i + 1; j < argc; j++) {
		const char *a = argv[j];
		size_t eq = strcspn(a, "=");
		if (strcmp(a, "--json") == 0)
			g.json = 1;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			g.quiet = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			g.verbose = 1;
		else if (starts_with(a, "--color="))
			color = a + 8;
		else if (strcmp(a, "--color") == 0 && j + 1 < argc)
			color = argv[++j];
		else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && j + 1 < argc)
			g.config_path = argv[++j];
		else if (starts_with(a, "--config="))
			g.config_path = a + 9;
		else if (a[eq] == '=' && takes_value(a, eq)) {
			split[nsplit] = xstrndup(a, eq);
			cargv[cargc++] = split[nsplit++];
			cargv[cargc++] = argv[j] + eq + 1;
		} else if (takes_value(a, strlen(a)) && j + 1 < argc) {
			/* its value is taken as it is, even one that looks like an option */
			cargv[cargc++] = argv[j];
			cargv[cargc++] = argv[++j];
		} else
			cargv[cargc++] = argv[j];
	}
	int code;
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		code = early_error(json, "--color must be auto, always or never, not '%s'", color);
		goto done;
	}
	if (!g.config_path)
		g.config_path = getenv("STAGECOACH_CONFIG");
	if (!g.config_path || !g.config_path[0])
		g.config_path = "stagecoach.conf";
	if (strcmp(color, "always") == 0)
		g.color = 1;
	else if (strcmp(color, "auto") == 0)
		g.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);

	const struct command *cmd = command_find(argv[i]);
	if (!cmd) {
		const char **names = command_names();
		const char *near = suggest_closest(argv[i], names);
		code = early_error(json, "unknown command '%s'%s%s%s (see 'stagecoach help')", argv[i],
				   near ? ": did you mean " : "", near ? near : "", near ? "?" : "");
		free(names);
		if (!json)
			usage(stderr);
		goto done;
	}
	g.out = output_new(g.json, g.color, g.quiet, g.verbose);
	struct err e = ERR_INIT;
	g.cmd = cmd;
	if (cmd_wants_help(cargc, cargv))
		code = command_print_help(cmd);
	else
		code = cmd->fn(cargc, cargv, &g, &e);
	if (code < 0)
		code = e.code ? e.code : SC_EFAIL;
	/* with --json the result is JSON on stdout, a failure too (one before
	 * any run started: config, usage, lock, unreachable); a run's own
	 * failure is in its run_finished event, the last one */
	if (code != 0 && e.msg[0])
		print_failure(g.json && !g.out->run_finished, cmd, code, e.msg);
	output_free(g.out);
	redact_clear();
done:
	for (int k = 0; k < nsplit; k++)
		free(split[k]);
	free(split);
	free(cargv);
	return code;
}
