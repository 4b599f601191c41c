/*
 * fuzz-expand: libFuzzer target for expand(), the ${...} variables of SPEC
 * section 2.  The input is "RAW\nVALUE": RAW is expanded with an
 * environment whose vars are a fixed set plus `x` = VALUE (so inputs can
 * build reference chains and cycles through vars), with and without
 * ${release}/${run_id} placeholders.  A successful expansion must return a
 * string; a failed one an error message.  The result is also redacted.
 *
 * Built and run by tests/faults/fuzz.sh; seed corpus in corpus-expand/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../orchestrator/config.h"
#include "../../lib/expand.h"
#include "../../lib/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		setenv("FUZZ_PLAIN", "plain", 1);
		setenv("FUZZ_API_TOKEN", "tok-fuzz-secret", 1);
		setenv("FUZZ_EMPTY", "", 1);
		init = 1;
	}
	char *in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	char *nl = memchr(in, '\n', size);
	const char *value = "${vars.a}";
	if (nl) {
		*nl = '\0';
		value = nl + 1;
	}
	struct kv vars[] = { { "a", "A${vars.b}" }, { "b", "B" }, { "self", "${vars.self}" },
			     { "secret", "${FUZZ_API_TOKEN}" }, { "x", (char *)value } };
	char *names[] = { "FUZZ_PLAIN", NULL };
	for (int placeholders = 0; placeholders < 2; placeholders++) {
		struct expand_ctx ctx = { .vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]), .env = "staging",
					  .release = placeholders ? NULL : "rel1", .run_id = "RID",
					  .secret_names = names, .placeholders = placeholders };
		char *out = NULL;
		struct err e = ERR_INIT;
		if (expand(in, &ctx, &out, &e) == 0) {
			if (!out)
				abort();
			char *r = redact(out);
			free(r);
			free(out);
		} else if (!e.msg[0]) {
			abort();
		} else {
			free(out);
		}
	}
	redact_clear();
	free(in);
	return 0;
}
