/*
 * bundle: function folder discovery, content hashes, the artifact encoding
 * and the multipart reader; see bundle.h for the rules.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <jansson.h>
#include "bundle.h"
#include "../lib/util.h"

struct bundle *bundle_new(const char *slug, const char *entrypoint, int verify_jwt)
{
	struct bundle *b = xcalloc(1, sizeof(*b));
	b->slug = xstrdup(slug);
	b->entrypoint = xstrdup(entrypoint ? entrypoint : "index.ts");
	b->verify_jwt = verify_jwt;
	return b;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		free(b->files[i].name);
		free(b->files[i].data);
	}
	free(b->files);
	strv_free(b->shared);
	free(b->slug);
	free(b->entrypoint);
	free(b);
}

void bundle_list_free(struct bundle **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bundle_free(v[i]);
	free(v);
}

void bundle_add_file(struct bundle *b, const char *name, const void *data, size_t len)
{
	b->files = xrealloc(b->files, (b->nfiles + 1) * sizeof(*b->files));
	struct bundle_file *f = &b->files[b->nfiles++];
	f->name = xstrdup(name);
	f->data = xmalloc(len + 1);
	if (len)
		memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
}

static int bundle_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bundle_file *)a)->name, ((const struct bundle_file *)b)->name);
}

void bundle_hash(struct bundle *b)
{
	qsort(b->files, b->nfiles, sizeof(*b->files), bundle_file_cmp);
	struct sha256 c;
	unsigned char d[32];
	char num[32];
	sha256_init(&c);
	sha256_update(&c, "stagecoach-bundle-1", 20);
	sha256_update(&c, b->entrypoint, strlen(b->entrypoint) + 1);
	sha256_update(&c, b->verify_jwt ? "1" : "0", 2);
	for (size_t i = 0; i < b->nfiles; i++) {
		sha256_update(&c, b->files[i].name, strlen(b->files[i].name) + 1);
		int k = snprintf(num, sizeof(num), "%zu", b->files[i].len);
		sha256_update(&c, num, (size_t)k + 1);
		sha256_update(&c, b->files[i].data, b->files[i].len);
	}
	sha256_final(&c, d);
	sha256_to_hex(d, b->sha256);
}

int bundle_imports(const void *content, size_t len, const char *name)
{
	size_t nl = strlen(name);
	size_t need = nl + 4; /* "../" NAME "/" */
	const char *s = content;
	if (len < need)
		return 0;
	for (size_t i = 0; i + need <= len; i++) {
		if (s[i] == '.' && s[i + 1] == '.' && s[i + 2] == '/' && memcmp(s + i + 3, name, nl) == 0 &&
		    s[i + 3 + nl] == '/')
			return 1;
	}
	return 0;
}

int bundle_slug_valid(const char *s)
{
	if (!s || !isalpha((unsigned char)s[0]))
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	return strlen(s) <= 100;
}

static int bundle_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the sorted names of dir's entries (dot names skipped) */
static int bundle_list_dir(const char *dir, char ***out, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, errno == ENOENT ? SC_EUSAGE : SC_EFAIL, "cannot open folder '%s': %s", dir,
			       strerror(errno));
	char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&names, de->d_name);
	closedir(d);
	if (names)
		qsort(names, strv_len(names), sizeof(char *), bundle_name_cmp);
	*out = names;
	return 0;
}

/* add every file under dir (recursively) to b, named prefix + relative path */
static int bundle_add_tree(struct bundle *b, const char *dir, const char *prefix, struct err *e)
{
	char **names = NULL;
	int rc = bundle_list_dir(dir, &names, e);
	if (rc < 0)
		return rc;
	for (size_t i = 0; names && names[i]; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *rel = xasprintf("%s%s", prefix, names[i]);
		struct stat sb;
		if (stat(path, &sb) != 0) {
			rc = err_set(e, SC_EFAIL, "cannot read '%s': %s", path, strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			char *sub = xasprintf("%s/", rel);
			rc = bundle_add_tree(b, path, sub, e);
			free(sub);
		} else if (S_ISREG(sb.st_mode)) {
			char *data = NULL;
			size_t len = 0;
			if (file_read_all(path, &data, &len) != 0) {
				rc = err_set(e, SC_EFAIL, "cannot read '%s': %s", path, strerror(errno));
			} else {
				bundle_add_file(b, rel, data, len);
				free(data);
			}
		}
		free(path);
		free(rel);
		if (rc < 0)
			break;
	}
	strv_free(names);
	return rc;
}

static const struct bundle_setting *bundle_setting_find(const struct bundle_setting *s, size_t n, const char *slug)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].slug, slug) == 0)
			return &s[i];
	return NULL;
}

/* include every shared folder the bundle's files import, transitively */
static int bundle_add_shared(struct bundle *b, const char *dir, char *const *shared_dirs, struct err *e)
{
	int added = 1;
	while (added) {
		added = 0;
		for (size_t s = 0; shared_dirs && shared_dirs[s]; s++) {
			const char *name = shared_dirs[s];
			if (b->shared && strv_contains(b->shared, name))
				continue;
			int uses = 0;
			for (size_t i = 0; i < b->nfiles && !uses; i++)
				uses = bundle_imports(b->files[i].data, b->files[i].len, name);
			if (!uses)
				continue;
			char *path = xasprintf("%s/%s", dir, name);
			char *prefix = xasprintf("../%s/", name);
			int rc = bundle_add_tree(b, path, prefix, e);
			free(path);
			free(prefix);
			if (rc < 0)
				return rc;
			strv_push(&b->shared, name);
			added = 1;
		}
	}
	return 0;
}

int bundle_discover(const char *dir, char *const *only, const struct bundle_setting *settings, size_t nsettings,
		    int default_verify_jwt, struct bundle ***out, size_t *n, struct err *e)
{
	char **names = NULL, **shared_dirs = NULL, **slugs = NULL;
	struct bundle **v = NULL;
	size_t nv = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (!dir)
		return err_set(e, SC_EUSAGE, "no 'functions' folder is configured");
	rc = bundle_list_dir(dir, &names, e);
	if (rc < 0)
		return err_prefix(e, "functions folder");
	for (size_t i = 0; names && names[i]; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat sb;
		int isdir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(path);
		if (!isdir)
			continue;
		if (names[i][0] == '_')
			strv_push(&shared_dirs, names[i]);
		else
			strv_push(&slugs, names[i]);
	}
	for (size_t i = 0; only && only[i]; i++)
		if (!slugs || !strv_contains(slugs, only[i])) {
			rc = err_set(e, SC_EUSAGE, "function '%s' has no folder in '%s'", only[i], dir);
			goto out;
		}
	for (size_t i = 0; i < nsettings; i++)
		if (!slugs || !strv_contains(slugs, settings[i].slug)) {
			rc = err_set(e, SC_EUSAGE, "settings name function '%s', which has no folder in '%s'",
				     settings[i].slug, dir);
			goto out;
		}
	for (size_t i = 0; slugs && slugs[i]; i++) {
		const char *slug = slugs[i];
		if (only && !strv_contains(only, slug))
			continue;
		if (!bundle_slug_valid(slug)) {
			rc = err_set(e, SC_EUSAGE,
				     "folder '%s/%s' is not a valid function slug (a letter, then letters, digits, '-' or '_')",
				     dir, slug);
			goto out;
		}
		const struct bundle_setting *set = bundle_setting_find(settings, nsettings, slug);
		int vj = set && set->verify_jwt >= 0 ? set->verify_jwt : default_verify_jwt;
		struct bundle *b = bundle_new(slug, set && set->entrypoint ? set->entrypoint : "index.ts", vj);
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		v[nv++] = b;
		char *fdir = xasprintf("%s/%s", dir, slug);
		rc = bundle_add_tree(b, fdir, "", e);
		if (rc >= 0) {
			int found = 0;
			for (size_t k = 0; k < b->nfiles; k++)
				found |= strcmp(b->files[k].name, b->entrypoint) == 0;
			if (!found)
				rc = err_set(e, SC_EUSAGE, "function '%s': entrypoint '%s' not found in '%s'", slug,
					     b->entrypoint, fdir);
		}
		free(fdir);
		if (rc >= 0)
			rc = bundle_add_shared(b, dir, shared_dirs, e);
		if (rc < 0)
			goto out;
		bundle_hash(b);
	}
out:
	strv_free(names);
	strv_free(shared_dirs);
	strv_free(slugs);
	if (rc < 0) {
		bundle_list_free(v, nv);
		return rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

static const char bundle_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *bundle_base64_encode(const void *data, size_t len)
{
	const unsigned char *s = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t j = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned int)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned int)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[j++] = bundle_b64[(v >> 18) & 63];
		out[j++] = bundle_b64[(v >> 12) & 63];
		out[j++] = i + 1 < len ? bundle_b64[(v >> 6) & 63] : '=';
		out[j++] = i + 2 < len ? bundle_b64[v & 63] : '=';
	}
	out[j] = '\0';
	return out;
}

int bundle_base64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *o = xmalloc(n / 4 * 3 + 3);
	size_t j = 0;
	unsigned int acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = s[i] ? strchr(bundle_b64, s[i]) : NULL;
		if (s[i] == '=')
			break;
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		if (!p) {
			free(o);
			return -1;
		}
		acc = (acc << 6) | (unsigned int)(p - bundle_b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[j++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	o[j] = '\0';
	*out = o;
	*len = j;
	return 0;
}

void bundle_serialize(const struct bundle *b, char **out, size_t *len)
{
	json_t *files = json_array();
	for (size_t i = 0; i < b->nfiles; i++) {
		char *enc = bundle_base64_encode(b->files[i].data, b->files[i].len);
		json_array_append_new(files, json_pack("{s:s, s:s}", "name", b->files[i].name, "content_base64", enc));
		free(enc);
	}
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}", "format", "stagecoach-bundle-1", "slug", b->slug,
			      "entrypoint_path", b->entrypoint, "verify_jwt", b->verify_jwt, "sha256", b->sha256,
			      "files", files);
	if (!j)
		BUG("json_pack failed");
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (!s)
		BUG("json_dumps failed");
	*out = xstrdup(s);
	*len = strlen(s);
	free(s);
}

int bundle_parse(const void *data, size_t len, struct bundle **out, struct err *e)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je);
	if (!j)
		return err_set(e, SC_EFAIL, "stored bundle is not valid JSON: %s", je.text);
	const char *format = NULL, *slug = NULL, *entry = NULL;
	int vj = 1;
	json_t *files = NULL;
	if (json_unpack_ex(j, &je, 0, "{s:s, s:s, s:s, s?b, s:o}", "format", &format, "slug", &slug, "entrypoint_path",
			   &entry, "verify_jwt", &vj, "files", &files) != 0 ||
	    strcmp(format, "stagecoach-bundle-1") != 0 || !json_is_array(files)) {
		json_decref(j);
		return err_set(e, SC_EFAIL, "stored bundle has an unknown format");
	}
	struct bundle *b = bundle_new(slug, entry, vj);
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *name = NULL, *enc = NULL;
		unsigned char *raw = NULL;
		size_t rlen = 0;
		if (json_unpack(f, "{s:s, s:s}", "name", &name, "content_base64", &enc) != 0 ||
		    bundle_base64_decode(enc, &raw, &rlen) != 0) {
			bundle_free(b);
			json_decref(j);
			return err_set(e, SC_EFAIL, "stored bundle of '%s' has a damaged file", slug);
		}
		bundle_add_file(b, name, raw, rlen);
		free(raw);
	}
	json_decref(j);
	bundle_hash(b);
	*out = b;
	return 0;
}

/* the value of parameter `param` in a header value (boundary=..., name="..."); caller frees */
static char *bundle_header_param(const char *value, size_t vlen, const char *param)
{
	size_t pl = strlen(param);
	for (size_t i = 0; i + pl + 1 <= vlen; i++) {
		if ((i == 0 || value[i - 1] == ';' || value[i - 1] == ' ' || value[i - 1] == '\t') &&
		    strncasecmp(value + i, param, pl) == 0 && value[i + pl] == '=') {
			const char *v = value + i + pl + 1;
			const char *end = value + vlen;
			if (v < end && *v == '"') {
				v++;
				struct buf b = BUF_INIT;
				while (v < end && *v != '"') {
					if (*v == '\\' && v + 1 < end)
						v++;
					buf_addc(&b, *v++);
				}
				return buf_detach(&b);
			}
			const char *s = v;
			while (v < end && *v != ';' && *v != ' ' && *v != '\r' && *v != '\n')
				v++;
			return xstrndup(s, (size_t)(v - s));
		}
	}
	return NULL;
}

static const char *bundle_memmem(const char *h, size_t hl, const char *n, size_t nl)
{
	return memmem(h, hl, n, nl);
}

int bundle_from_multipart(const char *slug, const char *content_type, const void *body, size_t len,
			  struct bundle **out, struct err *e)
{
	if (!content_type || strncasecmp(content_type, "multipart/", 10) != 0)
		return err_set(e, SC_EFAIL, "the body of function '%s' is not multipart (content type '%s')", slug,
			       content_type ? content_type : "none");
	char *boundary = bundle_header_param(content_type, strlen(content_type), "boundary");
	if (!boundary || !*boundary) {
		free(boundary);
		return err_set(e, SC_EFAIL, "the body of function '%s' has no multipart boundary", slug);
	}
	char *delim = xasprintf("--%s", boundary);
	size_t dl = strlen(delim);
	free(boundary);
	const char *s = body, *end = s + len;
	struct bundle *b = bundle_new(slug, "index.ts", 1);
	int rc = 0;
	const char *p = bundle_memmem(s, len, delim, dl);
	while (p) {
		p += dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break; /* closing delimiter */
		while (p < end && *p != '\n')
			p++; /* rest of the delimiter line */
		if (p < end)
			p++;
		const char *hend = bundle_memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		size_t hsep = 4;
		const char *hend2 = bundle_memmem(p, (size_t)(end - p), "\n\n", 2);
		if (!hend || (hend2 && hend2 < hend)) {
			hend = hend2;
			hsep = 2;
		}
		if (!hend) {
			rc = err_set(e, SC_EFAIL, "the body of function '%s' is damaged multipart", slug);
			break;
		}
		const char *content = hend + hsep;
		const char *next = bundle_memmem(content, (size_t)(end - content), delim, dl);
		if (!next) {
			rc = err_set(e, SC_EFAIL, "the body of function '%s' is damaged multipart", slug);
			break;
		}
		const char *cend = next;
		if (cend > content && cend[-1] == '\n')
			cend--;
		if (cend > content && cend[-1] == '\r')
			cend--;
		/* Content-Disposition's name and filename */
		char *name = NULL, *filename = NULL;
		for (const char *h = p; h < hend;) {
			const char *eol = memchr(h, '\n', (size_t)(hend - h));
			if (!eol)
				eol = hend;
			static const char cd[] = "content-disposition:";
			if ((size_t)(eol - h) > sizeof(cd) - 1 && strncasecmp(h, cd, sizeof(cd) - 1) == 0) {
				name = bundle_header_param(h, (size_t)(eol - h), "name");
				filename = bundle_header_param(h, (size_t)(eol - h), "filename");
			}
			h = eol + 1;
		}
		if (name && strcmp(name, "metadata") == 0) {
			json_error_t je;
			json_t *m = json_loadb(content, (size_t)(cend - content), 0, &je);
			const char *ep = NULL;
			json_t *vj = m ? json_object_get(m, "verify_jwt") : NULL;
			if (m && json_unpack(m, "{s:s}", "entrypoint_path", &ep) == 0) {
				/* the API may answer a file:// URL; keep the part inside the function folder */
				const char *slash = strrchr(ep, '/');
				char *inner = xasprintf("/%s/", slug);
				const char *in = strstr(ep, inner);
				free(b->entrypoint);
				b->entrypoint = xstrdup(in ? in + strlen(inner) : starts_with(ep, "file://") && slash
								  ? slash + 1 : ep);
				free(inner);
			}
			if (json_is_boolean(vj))
				b->verify_jwt = json_is_true(vj);
			json_decref(m);
		} else if (filename) {
			bundle_add_file(b, filename, content, (size_t)(cend - content));
		}
		free(name);
		free(filename);
		p = next;
	}
	free(delim);
	if (rc == 0 && b->nfiles == 0)
		rc = err_set(e, SC_EFAIL, "the body of function '%s' holds no files", slug);
	if (rc < 0) {
		bundle_free(b);
		return rc;
	}
	bundle_hash(b);
	*out = b;
	return 0;
}
