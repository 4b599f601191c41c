/*
 * help: the reference pages of docs/ built into the binary, shown by
 * `stagecoach help TOPIC` exactly as the files are: config, exit-codes,
 * json, hooks, lint-rules, layouts and one topic per migration layout
 * (docs/migrations/NAME.md) and per step kind (docs/steps/KIND.md).
 *
 * The pages are a table generated from docs/ at build time
 * (orchestrator/gen-docs.sh, run by the Makefile: a changed page rebuilds
 * the binary).  main.c hands the table over with help_set_pages(), so the
 * modules that the unit tests and the fuzzers link need no generated file.
 */
#ifndef SC_HELP_H
#define SC_HELP_H

#include <stddef.h>
#include "../lib/err.h"

struct doc_page {
	const char *path;          /* below docs/: "config.md", "steps/ssh.md" */
	const unsigned char *text; /* the file's bytes (and a NUL after them) */
	size_t len;
};

/* The generated table (build/gen/docs.c), ending with a NULL path; linked
 * into the program only, and handed over by main.c. */
extern const struct doc_page doc_pages[];
void help_set_pages(const struct doc_page *pages);

/* 1 when name is a topic (a page may still be missing from the binary). */
int help_is_topic(const char *name);
/* Print topic name's page to stdout; 0, or -SC_EFAIL when the page was not
 * built in (e filled). */
int help_show_topic(const char *name, struct err *e);
/* The topics, "config, exit-codes, ..." (caller frees). */
char *help_topic_list(void);
/* Every key the configuration file accepts, as its path
 * ("environments.NAME.ssh.user"), one per line, from the parser's own
 * tables (`stagecoach help config --keys`; docs/config.md lists them all). */
void help_print_config_keys(void);

#endif
