/*
 * expand: ${...} variables of SPEC section 2, a pure function of its
 * context.  ${NAME} is the process environment, ${NAME:-default} with a
 * default, ${vars.NAME} the environment's vars (themselves expanded),
 * ${env}, ${release}, ${run_id} the run's, ${host.name} and ${host.address}
 * the host at hand (where ctx has one); $$ is a literal $, and any other
 * $ is kept as it is (so shell commands keep their $HOME).
 *
 * Values of secret variables (by name, or listed in `secrets`) are
 * registered with redact_add().
 */
#ifndef SC_EXPAND_H
#define SC_EXPAND_H

#include <stddef.h>
#include "err.h"

/* P points at "${": the "}" that closes it (a default may hold ${...}
 * itself), or NULL when it is unterminated. */
const char *expand_brace_end(const char *p);

/* one `vars` entry of an environment */
struct kv {
	char *key;
	char *value;
};

struct expand_ctx {
	const struct kv *vars;   /* the environment's vars, raw */
	size_t nvars;
	const char *env;         /* NULL: undefined */
	const char *release;     /* NULL: undefined, unless placeholders */
	const char *run_id;
	char *const *secret_names;
	const char *host_name;   /* ${host.name}/${host.address}: the host at hand in */
	const char *host_address; /* ssh and release commands and their gates; NULL: undefined */
	int host_placeholders;   /* validating such a string: they expand to placeholders */
	int placeholders;        /* validating: ${release}/${run_id} expand to placeholders */
};

/* *out is the caller's.  Errors (SC_EUSAGE) say which name is undefined;
 * the caller adds FILE:LINE. */
int expand(const char *raw, const struct expand_ctx *ctx, char **out, struct err *e);

#endif
