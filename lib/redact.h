/*
 * redact: the one place secrets are known.  Values registered here are shown
 * as *** in every output, log, report, state row and error (SPEC section 1).
 * Registered copies are wiped with explicit_bzero by redact_clear().
 */
#ifndef SC_REDACT_H
#define SC_REDACT_H

#include <stddef.h>
#include <jansson.h>

/* lines of a multi-line secret shorter than this are not hidden alone */
#define REDACT_MIN_FRAGMENT 8

/* Register a secret value (ignored when shorter than 3 characters); each
 * line of a multi-line one (REDACT_MIN_FRAGMENT or longer) too. */
void redact_add(const char *value);
/* Register the password of every URL in the text (scheme://user:PASSWORD@,
 * whatever characters it holds, encoded or not, its percent-decoded form,
 * and its pieces between '@', '/', '?', '#', ':', '&', '=' of 3 or more
 * characters, as a parser that cuts it there shows them), and of
 * key=value connection strings (password=... and ?password=...). */
void redact_add_url_password(const char *url);
/* Whether an environment variable of this name is secret by its name
 * (TOKEN, SECRET, PASSWORD, PASSWD, KEY) or by the config's `secrets`. */
int redact_is_secret_name(const char *name, char *const *secret_names);
/* A copy of s with every secret replaced by ***, then any byte that is not
 * valid UTF-8 replaced by U+FFFD (lib/utf8.h); caller frees. */
char *redact(const char *s);
/* A new JSON string (the caller's reference) of redact(s); json null for NULL.
 * Never fails, whatever bytes s holds: the way free text enters JSON. */
json_t *redact_json_string(const char *s);
/* Every string value in the tree v redacted in place (before encoding, so
 * secrets holding quotes, backslashes or control characters are found). */
void redact_json_tree(json_t *v);
/* Replace secrets in place in a buffer of len bytes, returns new length
 * (no UTF-8 repair: the buffer cannot grow). */
size_t redact_inplace(char *s, size_t len);
/* The URL with its password replaced by ***; caller frees. */
char *redact_url(const char *url);
void redact_clear(void);

#endif
