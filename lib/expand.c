/* expand: ${...} variable expansion (see expand.h). */
#include <stdlib.h>
#include <string.h>
#include "expand.h"
#include "redact.h"
#include "util.h"

const char *expand_brace_end(const char *p)
{
	int level = 1;
	const char *q = p + 2;
	while (*q && level) {
		if (q[0] == '$' && q[1] == '{') {
			level++;
			q += 2;
			continue;
		}
		if (*q == '}')
			level--;
		if (level)
			q++;
	}
	return *q ? q : NULL;
}

static int expand_depth(const char *raw, const struct expand_ctx *ctx, struct buf *out, int depth, struct err *e);

static int lookup(const char *name, const struct expand_ctx *ctx, struct buf *out, int depth, int *found,
		  struct err *e)
{
	*found = 1;
	if (starts_with(name, "vars.")) {
		const char *key = name + 5;
		for (size_t i = 0; i < ctx->nvars; i++)
			if (strcmp(ctx->vars[i].key, key) == 0)
				return expand_depth(ctx->vars[i].value, ctx, out, depth + 1, e);
		*found = 0;
		return 0;
	}
	const char *v = NULL;
	if (strcmp(name, "env") == 0)
		v = ctx->env;
	else if (strcmp(name, "release") == 0)
		v = ctx->release ? ctx->release : ctx->placeholders ? "RELEASE" : NULL;
	else if (strcmp(name, "run_id") == 0)
		v = ctx->run_id ? ctx->run_id : ctx->placeholders ? "RUN_ID" : NULL;
	else if (strcmp(name, "host.name") == 0 || strcmp(name, "host.address") == 0) {
		v = name[5] == 'n' ? ctx->host_name : ctx->host_address;
		if (!v && ctx->host_placeholders)
			v = name[5] == 'n' ? "HOST" : "ADDRESS";
		if (!v)
			return err_set(e, SC_EUSAGE,
				       "'${%s}' is defined only in the commands of ssh and release steps and in the "
				       "gates they run after each batch",
				       name);
	} else {
		v = getenv(name);
		if (v && redact_is_secret_name(name, ctx->secret_names))
			redact_add(v);
	}
	if (!v) {
		*found = 0;
		return 0;
	}
	buf_adds(out, v);
	return 0;
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int expand_depth(const char *raw, const struct expand_ctx *ctx, struct buf *out, int depth, struct err *e)
{
	if (depth > 8)
		return err_set(e, SC_EUSAGE, "variables nest too deeply (a var refers to itself?)");
	for (const char *p = raw; *p;) {
		if (p[0] != '$') {
			const char *q = strchr(p, '$');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			buf_add(out, p, n);
			p += n;
			continue;
		}
		if (p[1] == '$') {
			buf_addc(out, '$');
			p += 2;
			continue;
		}
		if (p[1] != '{') {
			buf_addc(out, '$');
			p++;
			continue;
		}
		/* find the matching brace (defaults may hold ${...} themselves) */
		const char *start = p + 2, *q = expand_brace_end(p);
		if (!q)
			return err_set(e, SC_EUSAGE, "unterminated '${' in \"%s\"", raw);
		const char *dflt = NULL;
		size_t nlen = (size_t)(q - start);
		const char *sep = strstr(start, ":-");
		if (sep && sep < q) {
			dflt = sep + 2;
			nlen = (size_t)(sep - start);
		}
		if (!valid_name(start, nlen))
			return err_set(e, SC_EUSAGE, "bad variable name '${%.*s}'", (int)(q - start), start);
		char *name = xstrndup(start, nlen);
		int found;
		int rc = lookup(name, ctx, out, depth, &found, e);
		if (rc == 0 && !found) {
			if (dflt) {
				char *d = xstrndup(dflt, (size_t)(q - dflt));
				rc = expand_depth(d, ctx, out, depth + 1, e);
				free(d);
			} else if (starts_with(name, "vars.")) {
				rc = err_set(e, SC_EUSAGE, "undefined variable '${%s}': environment '%s' has no var '%s'",
					     name, ctx->env ? ctx->env : "?", name + 5);
			} else {
				rc = err_set(e, SC_EUSAGE, "undefined variable '${%s}' (not set in the environment)", name);
			}
		}
		free(name);
		if (rc < 0)
			return rc;
		p = q + 1;
	}
	return 0;
}

int expand(const char *raw, const struct expand_ctx *ctx, char **out, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc = expand_depth(raw, ctx, &b, 0, e);
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	*out = buf_detach(&b);
	return 0;
}
