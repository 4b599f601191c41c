/*
 * snippet: a bounded, escaped, redacted view of foreign bytes (see
 * snippet.h).
 */
#include <stdlib.h>
#include <string.h>
#include "redact.h"
#include "snippet.h"
#include "util.h"

/* length of the UTF-8 sequence starting with byte c (redact() left the text valid) */
static size_t snippet_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

char *snippet_of(const char *data, size_t len, size_t max, unsigned long long dropped)
{
	if ((!data || len == 0) && dropped == 0)
		return xstrdup("(empty)");
	/* redact each NUL-free piece (no secret holds a NUL), keep the NULs
	 * as a mark the escaping below shows as \0 */
	struct buf clean = BUF_INIT;
	size_t i = 0;
	while (data && i < len) {
		size_t n = strnlen(data + i, len - i);
		char *piece = xstrndup(data + i, n);
		char *red = redact(piece);
		buf_add(&clean, red, strlen(red));
		free(red);
		free(piece);
		i += n;
		if (i < len) {
			buf_add(&clean, "", 1); /* the NUL itself */
			i++;
		}
	}
	struct buf out = BUF_INIT;
	size_t shown = 0, k = 0;
	const unsigned char *s = (const unsigned char *)clean.data;
	while (k < clean.len) {
		unsigned char c = s[k];
		size_t n = snippet_seq_len(c);
		if (k + n > clean.len)
			n = clean.len - k;
		if (shown + n > max)
			break;
		if (c == '\n')
			buf_adds(&out, "\\n");
		else if (c == '\r')
			buf_adds(&out, "\\r");
		else if (c == '\t')
			buf_adds(&out, "\\t");
		else if (c == '\\')
			buf_adds(&out, "\\\\");
		else if (c == 0)
			buf_adds(&out, "\\0");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(&out, "\\x%02x", c);
		else
			buf_add(&out, (const char *)s + k, n);
		shown += n;
		k += n;
	}
	unsigned long long more = (unsigned long long)(clean.len - k) + dropped;
	if (more)
		buf_addf(&out, "... (%llu more byte%s)", more, more == 1 ? "" : "s");
	buf_release(&clean);
	return buf_detach(&out);
}
