/* shellexpand: ${...} in commands as shell-quoted words (see shellexpand.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "shellexpand.h"
#include "expand.h"
#include "redact.h"

void shell_quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

char *expand_export_name(const char *name)
{
	if (strcmp(name, "env") == 0 || strcmp(name, "release") == 0 || strcmp(name, "run_id") == 0 ||
	    strchr(name, '.')) {
		struct buf b = BUF_INIT;
		buf_adds(&b, starts_with(name, "vars.") ? "STAGECOACH_VAR_" : "STAGECOACH_");
		for (const char *p = starts_with(name, "vars.") ? name + 5 : name; *p; p++)
			buf_addc(&b, *p == '.' ? '_' : (char)toupper((unsigned char)*p));
		return buf_detach(&b);
	}
	return xstrdup(name);
}

static void add_export(char ***exports, const char *name, const char *value)
{
	char *n = expand_export_name(name);
	size_t nl = strlen(n);
	for (char **p = *exports; p && *p; p++)
		if (strncmp(*p, n, nl) == 0 && (*p)[nl] == '=') {
			free(n);
			return;
		}
	char *kv = xasprintf("%s=%s", n, value);
	strv_push(exports, kv);
	explicit_bzero(kv, strlen(kv));
	free(kv);
	free(n);
}

/* the end of the ${...} starting at p (p[0..1] == "${"): the matching '}', or NULL */
/* expand raw[0..n) with expand() and append the result */
static int expand_piece(const char *raw, size_t n, const struct expand_ctx *ctx, char **val, struct err *e)
{
	char *piece = xstrndup(raw, n);
	int rc = expand(piece, ctx, val, e);
	free(piece);
	return rc;
}

int expand_command(const char *raw, const struct expand_ctx *ctx, char **out, char ***exports, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *p = raw, *lit = raw;
	int rc = 0;
	while (*p && rc == 0) {
		if (p[0] == '$' && p[1] == '$') {
			p += 2;
			continue;
		}
		if (!(p[0] == '$' && p[1] == '{')) {
			p++;
			continue;
		}
		const char *end = expand_brace_end(p);
		if (!end)
			break; /* expand() below reports the unterminated '${' */
		char *val = NULL;
		if ((rc = expand_piece(lit, (size_t)(p - lit), ctx, &val, e)) < 0)
			break;
		buf_adds(&b, val);
		free(val);
		if ((rc = expand_piece(p, (size_t)(end + 1 - p), ctx, &val, e)) < 0)
			break;
		size_t word_at = b.len;
		shell_quote(&b, val);
		char *shown = redact(val);
		if (strcmp(shown, val) != 0) /* it holds a secret: hide its quoted form too */
			redact_add(b.data + word_at);
		free(shown);
		if (exports) {
			size_t nlen = strcspn(p + 2, ":}");
			char *name = xstrndup(p + 2, nlen);
			add_export(exports, name, val);
			free(name);
		}
		explicit_bzero(val, strlen(val));
		free(val);
		p = lit = end + 1;
	}
	if (rc == 0) {
		char *val = NULL;
		if ((rc = expand(lit, ctx, &val, e)) == 0) {
			buf_adds(&b, val);
			free(val);
		}
	}
	if (rc < 0) {
		buf_release(&b);
		return rc;
	}
	*out = buf_detach(&b);
	return 0;
}

void expand_env_merge(char ***envp, char *const *exports)
{
	for (size_t i = 0; exports && exports[i]; i++) {
		size_t nl = strcspn(exports[i], "=");
		int done = 0;
		for (char **p = *envp; p && *p && !done; p++)
			done = strncmp(*p, exports[i], nl + 1) == 0;
		if (!done)
			strv_push(envp, exports[i]);
	}
}
