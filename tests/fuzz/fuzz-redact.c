/*
 * fuzz-redact: libFuzzer target for the redaction of arbitrary bytes (any
 * secret, any text, any bytes in both).  The input is "SECRET\nTEXT": the
 * secret is registered as it is and TEXT's URL passwords too; then TEXT is
 * redacted as a line, as a JSON string (redact_json_tree, then encoded) and
 * through a capped output line.  Checked: every result is valid UTF-8,
 * and a secret of 3 or more bytes that is valid UTF-8 without '*' or U+FFFD never
 * shows in the results (the JSON one as a reader decodes it).
 *
 * Built and run by tests/faults/fuzz.sh; seed corpus in corpus-redact/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "../../lib/proc.h"
#include "../../lib/redact.h"
#include "../../lib/utf8.h"
#include "../../lib/util.h"

static void must_hide(const char *out, const char *secret)
{
	if (!utf8_valid(out, strlen(out)))
		__builtin_trap();
	if (secret && strstr(out, secret))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	char *nl = memchr(in, '\n', size);
	const char *text = "";
	size_t text_len = 0;
	if (nl) {
		*nl = '\0';
		text = nl + 1;
		text_len = size - (size_t)(text - in);
	}
	const char *secret = in;
	redact_add(secret);
	redact_add_url_password(text);
	size_t sl = strlen(secret);
	/* (not a secret holding U+FFFD: the replacement of TEXT's invalid bytes
	 * makes that character, so "\xff e" shows as a secret "\uFFFD e" that
	 * TEXT never held) */
	int checkable = sl >= 3 && !strchr(secret, '*') && utf8_valid(secret, sl) && !strstr(secret, "\xEF\xBF\xBD");
	/* as a line */
	char *r = redact(text);
	must_hide(r, checkable ? secret : NULL);
	/* as a JSON string, encoded after redaction */
	json_t *j = json_pack("{s:o}", "line", redact_json_string(text));
	redact_json_tree(j);
	char *d = json_dumps(j, JSON_COMPACT);
	if (!d)
		__builtin_trap();
	/* what a reader of the JSON gets: the line decoded again (the encoded
	 * text is not searched: its escapes make text of their own, so a
	 * secret 'n\\t' shows in the encoding of a line holding n and a tab) */
	must_hide(d, NULL);
	json_t *back = json_loads(d, 0, NULL);
	const char *line_back = back ? json_string_value(json_object_get(back, "line")) : NULL;
	if (!line_back)
		__builtin_trap();
	must_hide(line_back, checkable ? secret : NULL);
	json_decref(back);
	free(d);
	json_decref(j);
	/* through a capped output line (any bytes, NULs included) */
	struct line_cap l = LINE_CAP_INIT;
	line_cap_add(&l, text, text_len);
	char *line = line_cap_take(&l);
	char *rl = redact(line);
	if (!utf8_valid(rl, strlen(rl)))
		__builtin_trap();
	free(rl);
	free(line);
	line_cap_release(&l);
	free(r);
	free(in);
	redact_clear();
	return 0;
}
