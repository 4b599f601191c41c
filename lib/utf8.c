/* utf8: validation and repair of UTF-8 text (see utf8.h). */
#include <string.h>
#include "utf8.h"
#include "util.h"

/* length of the well-formed sequence at s[0..n), or 0 (RFC 3629, table 3-7 of Unicode) */
static size_t seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c >= 0x01 && c <= 0x7f)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* ASCII runs, 8 bytes at a time: the common case */
		while (i + 8 <= n) {
			unsigned long long w;
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ULL) || ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		size_t l = seq_len(p + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

char *utf8_clean(const char *s, size_t n)
{
	if (utf8_valid(s, n))
		return xstrndup(s, n);
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = seq_len(p + i, n - i);
		if (l) {
			buf_add(&b, p + i, l);
			i += l;
		} else {
			buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return buf_detach(&b);
}
