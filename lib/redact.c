/*
 * redact: the registry of secret values, and the function that hides them.
 * The registry is process-wide (secrets come from the process environment
 * and the config, both process-wide); copies are wiped at exit.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "redact.h"
#include "utf8.h"
#include "util.h"

static char **secrets;
static size_t nsecrets;
/* the first two bytes of every secret, as bits: most output lines hold
 * none of them at any place, and are passed after one table look-up a byte */
static unsigned char first_two[65536 / 8];

static unsigned first_two_of(const char *p)
{
	return (unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1];
}

/* whether some secret starts at some place of s[0..len) */
static int redact_any(const char *s, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		unsigned v = first_two_of(s + i);
		if (!(first_two[v >> 3] & (1u << (v & 7))))
			continue;
		for (size_t k = 0; k < nsecrets; k++) {
			size_t sl = strlen(secrets[k]);
			if (sl <= len - i && memcmp(s + i, secrets[k], sl) == 0)
				return 1;
		}
	}
	return 0;
}

static void redact_add_one(const char *value);

void redact_add(const char *value)
{
	if (!value || strlen(value) < 3)
		return;
	redact_add_one(value);
	/* output is shown line by line: each line of a multi-line secret (a PEM
	 * key) is hidden on its own too, when it is long enough to be a secret */
	if (strchr(value, '\n')) {
		for (const char *p = value; *p;) {
			size_t n = strcspn(p, "\n");
			size_t m = n;
			while (m && (p[m - 1] == '\r' || p[m - 1] == ' ' || p[m - 1] == '\t'))
				m--;
			if (m >= REDACT_MIN_FRAGMENT) {
				char *line = xstrndup(p, m);
				redact_add_one(line);
				explicit_bzero(line, m);
				free(line);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	/* output is repaired to UTF-8 before some of it is redacted: a secret
	 * that is not valid UTF-8 is hidden in its repaired form too */
	if (!utf8_valid(value, strlen(value))) {
		char *clean = utf8_clean(value, strlen(value));
		redact_add_one(clean);
		explicit_bzero(clean, strlen(clean));
		free(clean);
	}
}

static void redact_add_one(const char *value)
{
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], value) == 0)
			return;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof(char *));
	/* longest first, so that a secret containing another is hidden whole */
	size_t pos = nsecrets;
	while (pos > 0 && strlen(secrets[pos - 1]) < strlen(value)) {
		secrets[pos] = secrets[pos - 1];
		pos--;
	}
	secrets[pos] = xstrdup(value);
	nsecrets++;
	unsigned v = first_two_of(value);
	first_two[v >> 3] |= (unsigned char)(1u << (v & 7));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* a password cut by a URL parser (libpq stops at the first '@' or '/') can
 * show in pieces in its errors: each piece long enough is hidden too */
static void add_pieces(const char *s)
{
	if (!s[strcspn(s, "@/?#:&=")])
		return;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "@/?#:&=");
		if (n >= 3) {
			char *piece = xstrndup(p, n);
			redact_add(piece);
			explicit_bzero(piece, n);
			free(piece);
		}
		p += n;
		if (*p)
			p++;
	}
}

static void add_with_decoded(const char *p, size_t n)
{
	char *raw = xstrndup(p, n);
	redact_add(raw);
	add_pieces(raw);
	char *dec = xmalloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == '%' && i + 2 < n + 0 + 1 && hexval(raw[i + 1]) >= 0 && hexval(raw[i + 2]) >= 0) {
			dec[j++] = (char)(hexval(raw[i + 1]) * 16 + hexval(raw[i + 2]));
			i += 2;
		} else {
			dec[j++] = raw[i];
		}
	}
	dec[j] = '\0';
	redact_add(dec);
	add_pieces(dec);
	explicit_bzero(raw, n);
	explicit_bzero(dec, j);
	free(raw);
	free(dec);
}

/* The [start, end) of the password of the URL whose "://" is at scheme, or
 * 0.  Generous, as the password may hold '/', '?', '#' or '@' unencoded (a
 * URL that libpq rejects or reads differently): it runs from the first ':'
 * to the last '@' of the URL (which ends at a blank or a quote). */
static int url_password_span_at(const char *url, const char *scheme, size_t *start, size_t *end)
{
	const char *auth = scheme + 3;
	/* a text that is a URL (a variable's value) is the URL to its end;
	 * in a longer text (a command) the URL ends at a blank or a quote */
	size_t sl = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	size_t len = url + sl == scheme ? strlen(auth) : strcspn(auth, " \t\r\n\"'");
	const char *at = NULL;
	for (const char *p = auth; p < auth + len; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return 0;
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon)
		return 0;
	*start = (size_t)(colon + 1 - url);
	*end = (size_t)(at - url);
	return *end > *start;
}

static int url_password_span(const char *url, size_t *start, size_t *end)
{
	const char *scheme = strstr(url, "://");
	return scheme ? url_password_span_at(url, scheme, start, end) : 0;
}

void redact_add_url_password(const char *url)
{
	size_t s, e;
	if (!url)
		return;
	/* every URL of the text (a command may hold several) */
	for (const char *p = url; (p = strstr(p, "://")) != NULL; p += 3) {
		if (!url_password_span_at(url, p, &s, &e))
			continue;
		add_with_decoded(url + s, e - s);
		/* libpq's reading: the password ends at the first '@' */
		const char *first = memchr(url + s, '@', e - s);
		if (first)
			add_with_decoded(url + s, (size_t)(first - (url + s)));
	}
	/* key=value connection strings, and ?password= parameters */
	for (const char *p = url; (p = strstr(p, "password=")) != NULL; p++) {
		const char *v = p + 9;
		if (*v == '\'') { /* password='it''s quoted' or 'a\'b' */
			const char *q = v + 1;
			while (*q && *q != '\'')
				q += (*q == '\\' && q[1]) ? 2 : 1;
			if (q > v + 1)
				add_with_decoded(v + 1, (size_t)(q - v - 1));
			continue;
		}
		size_t n = strcspn(v, " &#");
		if (n)
			add_with_decoded(v, n);
	}
}

int redact_is_secret_name(const char *name, char *const *secret_names)
{
	static const char *const words[] = { "TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", NULL };
	char up[256];
	size_t n = strlen(name);
	if (n >= sizeof(up))
		n = sizeof(up) - 1;
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[n] = '\0';
	for (size_t i = 0; words[i]; i++)
		if (strstr(up, words[i]))
			return 1;
	return strv_contains(secret_names, name);
}

char *redact(const char *s)
{
	if (!s)
		return NULL;
	char *out = xstrdup(s);
	size_t n = redact_inplace(out, strlen(out));
	if (utf8_valid(out, n))
		return out;
	char *clean = utf8_clean(out, n);
	free(out);
	return clean;
}

json_t *redact_json_string(const char *s)
{
	if (!s)
		return json_null();
	char *r = redact(s);
	json_t *j = json_string(r);
	free(r);
	if (!j)
		BUG("json_string refused repaired text");
	return j;
}

void redact_json_tree(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *r = redact(s);
		if (strcmp(r, s) != 0)
			json_string_set(v, r);
		free(r);
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			redact_json_tree(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			redact_json_tree(x);
	}
}

size_t redact_inplace(char *s, size_t len)
{
	if (!nsecrets || !redact_any(s, len))
		return len;
	for (size_t i = 0; i < nsecrets; i++) {
		size_t sl = strlen(secrets[i]);
		char *p;
		size_t off = 0;
		while (off < len && (p = memmem(s + off, len - off, secrets[i], sl)) != NULL) {
			/* replace sl bytes by 3; sl >= 3 so it never grows */
			memcpy(p, "***", 3);
			memmove(p + 3, p + sl, len - (size_t)(p - s) - sl);
			len -= sl - 3;
			off = (size_t)(p - s) + 3;
		}
		s[len] = '\0';
	}
	return len;
}

char *redact_url(const char *url)
{
	size_t s, e;
	if (!url)
		return NULL;
	if (!url_password_span(url, &s, &e))
		return redact(url);
	char *tmp = xasprintf("%.*s***%s", (int)s, url, url + e);
	char *out = redact(tmp);
	free(tmp);
	return out;
}

void redact_clear(void)
{
	for (size_t i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
	}
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	memset(first_two, 0, sizeof(first_two));
}
