/*
 * help: the topics of `stagecoach help TOPIC` (help.h).  A topic is a name
 * and a page below docs/; the layouts and step kinds come from their own
 * tables (steps/layout.c, steps/registry.c), so a new kind or layout is a
 * topic at once, and a test fails until its page exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "help.h"
#include "config.h"
#include "../steps/layout.h"
#include "../steps/step.h"
#include "../lib/util.h"

static const struct doc_page *pages_built_in;

/* topics of their own, in the order `help` lists them */
static const struct {
	const char *name, *path;
} fixed_topics[] = {
	{ "config", "config.md" },
	{ "exit-codes", "exit-codes.md" },
	{ "json", "json.md" },
	{ "hooks", "hooks.md" },
	{ "lint-rules", "lint.md" },
	{ "layouts", "migrations/README.md" },
};
#define NFIXED (sizeof fixed_topics / sizeof fixed_topics[0])

void help_set_pages(const struct doc_page *pages)
{
	pages_built_in = pages;
}

/* the page of topic name below docs/ (caller frees), NULL when no topic */
static char *topic_path(const char *name)
{
	for (size_t i = 0; i < NFIXED; i++)
		if (strcmp(name, fixed_topics[i].name) == 0)
			return xstrdup(fixed_topics[i].path);
	enum layout l = layout_by_name(name);
	if (l != LAYOUT_NONE)
		return xasprintf("migrations/%s.md", layout_name(l));
	if (step_kind_find(name))
		return xasprintf("steps/%s.md", name);
	return NULL;
}

int help_is_topic(const char *name)
{
	char *p = topic_path(name);
	int found = p != NULL;
	free(p);
	return found;
}

int help_show_topic(const char *name, struct err *e)
{
	char *path = topic_path(name);
	if (!path)
		return err_set(e, SC_EUSAGE, "help: unknown topic '%s'", name);
	for (const struct doc_page *p = pages_built_in; p && p->path; p++) {
		if (strcmp(p->path, path) == 0) {
			free(path);
			fwrite(p->text, 1, p->len, stdout);
			return fflush(stdout) == 0 ? 0 : err_set(e, SC_EFAIL, "help: cannot write the page");
		}
	}
	err_set(e, SC_EFAIL, "help: the page of topic '%s' (docs/%s) is not built into this stagecoach", name, path);
	free(path);
	return -SC_EFAIL;
}

char *help_topic_list(void)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NFIXED; i++)
		buf_addf(&b, "%s%s", b.len ? ", " : "", fixed_topics[i].name);
	for (enum layout l = LAYOUT_GOLANG; strcmp(layout_name(l), "none") != 0; l++)
		buf_addf(&b, ", %s", layout_name(l));
	for (size_t i = 0; step_kinds[i]; i++)
		buf_addf(&b, ", %s", step_kinds[i]->kind);
	return buf_detach(&b);
}

static void print_keys(const struct cfg_keys *t)
{
	for (; t && t->path; t++)
		for (size_t k = 0; t->keys[k]; k++)
			printf("%s%s\n", t->path, t->keys[k]);
}

void help_print_config_keys(void)
{
	print_keys(config_keys);
	for (size_t i = 0; step_kinds[i]; i++)
		print_keys(step_kinds[i]->keys);
}
