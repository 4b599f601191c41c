/* Unit tests of lib/snippet.c: a bounded, escaped, redacted one-line view
 * of a body someone else sent (health check errors). */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "../../lib/redact.h"
#include "../../lib/snippet.h"

static void check(const char *data, size_t len, size_t max, unsigned long long dropped, const char *want)
{
	char *s = snippet_of(data, len, max, dropped);
	CHECK_STR(s, want);
	free(s);
}

int main(void)
{
	check("", 0, 10, 0, "(empty)");
	check(NULL, 0, 10, 0, "(empty)");
	check("ok", 2, 10, 0, "ok");
	/* control characters escaped: one line, whatever the body */
	check("a\nb\r\tc\\d\x01\x7f", 10, 64, 0, "a\\nb\\r\\tc\\\\d\\x01\\x7f");
	check("x\0y", 3, 64, 0, "x\\0y");
	/* cut at max bytes, the rest counted (with what was dropped before) */
	check("0123456789", 10, 4, 0, "0123... (6 more bytes)");
	check("0123456789", 10, 9, 0, "012345678... (1 more byte)");
	check("0123", 4, 10, 1000, "0123... (1000 more bytes)");
	/* never a character cut in two: "é" is 2 bytes */
	check("ab\xc3\xa9z", 5, 3, 0, "ab... (3 more bytes)");
	check("ab\xc3\xa9z", 5, 4, 0, "ab\xc3\xa9... (1 more byte)");
	/* invalid bytes shown as U+FFFD (valid UTF-8 out) */
	check("a\xff", 2, 64, 0, "a\xef\xbf\xbd");
	/* secrets masked before the cut, on the whole body: never in part */
	redact_add("s3cr3t-value-42");
	check("token=s3cr3t-value-42; more", 27, 64, 0, "token=***; more");
	check("token=s3cr3t-value-42; more", 27, 10, 0, "token=***;... (5 more bytes)");
	/* a secret after a NUL is masked too */
	check("\0s3cr3t-value-42", 16, 64, 0, "\\0***");
	/* a secret holding a newline is found before the newline is escaped */
	redact_add("line-one-secret\nline-two-secret");
	char *m = snippet_of("k=line-one-secret\nline-two-secret.", 34, 64, 0);
	CHECK(strncmp(m, "k=***", 5) == 0 && !strstr(m, "line-one") && !strstr(m, "line-two"));
	free(m);
	return unit_done();
}
