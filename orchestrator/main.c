/*
 * main: global options, the command, and the one place that prints the
 * final error and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "help.h"
#include "output.h"
#include "../lib/redact.h"
#include "../lib/util.h"

#define STAGECOACH_VERSION "0.1.0"

extern char **environ;

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
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "stagecoach: error: %s needs a FILE\n", a);
				return SC_EUSAGE;
			}
			g.config_path = argv[++i];
		} else if (starts_with(a, "--config=")) {
			g.config_path = a + 9;
		} else if (strcmp(a, "--json") == 0) {
			g.json = 1;
		} else if (starts_with(a, "--color=")) {
			color = a + 8;
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
				fprintf(stderr, "stagecoach: error: --color must be auto, always or never, not '%s'\n",
					color);
				return SC_EUSAGE;
			}
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			g.quiet = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g.verbose = 1;
		} else if (strcmp(a, "--version") == 0) {
			printf("stagecoach %s\n", STAGECOACH_VERSION);
			return 0;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return usage(stdout);
		} else if (a[0] == '-') {
			fprintf(stderr, "stagecoach: error: unknown option '%s'\n", a);
			return usage(stderr);
		} else {
			break;
		}
	}
	if (i >= argc)
		return usage(stderr);
	/* global options may also follow the command (CI lines read better so:
	 * "promote staging production --approve --json --junit report.xml") */
	char **cargv = xcalloc((size_t)(argc - i) + 1, sizeof(char *));
	int cargc = 0;
	cargv[cargc++] = argv[i];
	for (int j = i + 1; j < argc; j++) {
		const char *a = argv[j];
		if (strcmp(a, "--json") == 0)
			g.json = 1;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			g.quiet = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			g.verbose = 1;
		else if (starts_with(a, "--color="))
			color = a + 8;
		else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && j + 1 < argc)
			g.config_path = argv[++j];
		else if (starts_with(a, "--config="))
			g.config_path = a + 9;
		else
			cargv[cargc++] = argv[j];
	}
	if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
		fprintf(stderr, "stagecoach: error: --color must be auto, always or never, not '%s'\n", color);
		free(cargv);
		return SC_EUSAGE;
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
		fprintf(stderr, "stagecoach: error: unknown command '%s'\n", argv[i]);
		free(cargv);
		return usage(stderr);
	}
	register_env_secrets();
	g.out = output_new(g.json, g.color, g.quiet, g.verbose);
	struct err e = ERR_INIT;
	int code;
	g.cmd = cmd;
	if (cmd_wants_help(cargc, cargv))
		code = command_print_help(cmd);
	else
		code = cmd->fn(cargc, cargv, &g, &e);
	free(cargv);
	if (code < 0)
		code = e.code ? e.code : SC_EFAIL;
	if (code != 0 && e.msg[0]) {
		char *msg = redact(e.msg);
		/* with --json the result is JSON on stdout, a failure too (one
		 * before any run started: config, usage, lock, unreachable); a
		 * run's own failure is in its run_finished event, the last one */
		if (g.json && !g.out->run_finished)
			out_json(g.out, json_pack("{s:s,s:i,s:s}", "event", code == SC_EPAUSED ? "paused" : "error",
						  "exit_code", code, "message", msg));
		fflush(stdout);
		fprintf(stderr, "stagecoach: %s: %s\n", code == SC_EPAUSED ? "paused" : "error", msg);
		free(msg);
	}
	output_free(g.out);
	redact_clear();
	return code;
}
