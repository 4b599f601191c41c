/* test-bundle: function folder discovery, shared folders, content hashes, the
 * artifact encoding and the multipart reader. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../steps/bundle.h"
#include "../../lib/util.h"

static char root[64];

static void put(const char *rel, const char *content)
{
	char *path = xasprintf("%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	free(path);
}

static const struct bundle_file *file_of(const struct bundle *b, const char *name)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i].name, name) == 0)
			return &b->files[i];
	return NULL;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void test_imports(void)
{
	const char *src = "import { x } from \"../_shared/cors.ts\";\n";
	CHECK(bundle_imports(src, strlen(src), "_shared"));
	CHECK(!bundle_imports(src, strlen(src), "_share"));
	CHECK(!bundle_imports(src, strlen(src), "_utils"));
	const char *deep = "import '../../_utils/db.ts'";
	CHECK(bundle_imports(deep, strlen(deep), "_utils"));
	CHECK(!bundle_imports("../_shared", 10, "_shared")); /* no slash after the name */
	CHECK(bundle_slug_valid("stripe-webhook"));
	CHECK(bundle_slug_valid("get_npa2"));
	CHECK(!bundle_slug_valid("2fast"));
	CHECK(!bundle_slug_valid("a b"));
	CHECK(!bundle_slug_valid(""));
}

static void test_discover(void)
{
	snprintf(root, sizeof(root), "/tmp/sc-unit-bundle.%d", (int)getpid());
	mkdir(root, 0755);
	put("_shared/cors.ts", "export const cors = {};\nimport '../_db/pool.ts';\n");
	put("_db/pool.ts", "export const pool = 1;\n");
	put("_unused/x.ts", "export const x = 1;\n");
	put("hello/index.ts", "import { cors } from \"../_shared/cors.ts\";\n");
	put("hello/lib/util.ts", "export {};\n");
	put("hello/.DS_Store", "junk");
	put("plain/index.ts", "Deno.serve(() => new Response('hi'));\n");
	put("custom/main.ts", "Deno.serve(() => new Response('main'));\n");

	struct bundle_setting set[] = { { "custom", "main.ts", 0 } };
	struct bundle **v = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	CHECK_INT(bundle_discover(root, NULL, set, 1, 1, &v, &n, &e), 0);
	CHECK_INT(n, 3);
	if (n != 3)
		return;
	/* sorted by slug; _ folders are not functions */
	CHECK_STR(v[0]->slug, "custom");
	CHECK_STR(v[1]->slug, "hello");
	CHECK_STR(v[2]->slug, "plain");
	CHECK_STR(v[0]->entrypoint, "main.ts");
	CHECK_INT(v[0]->verify_jwt, 0);
	CHECK_INT(v[1]->verify_jwt, 1);
	/* hello: its files, _shared it imports, _db that _shared imports; no dot files, not _unused */
	CHECK_INT(v[1]->nfiles, 4);
	CHECK(file_of(v[1], "index.ts") != NULL);
	CHECK(file_of(v[1], "lib/util.ts") != NULL);
	CHECK(file_of(v[1], "../_shared/cors.ts") != NULL);
	CHECK(file_of(v[1], "../_db/pool.ts") != NULL);
	CHECK(file_of(v[1], ".DS_Store") == NULL);
	CHECK(file_of(v[1], "../_unused/x.ts") == NULL);
	CHECK_INT(v[2]->nfiles, 1);
	CHECK(v[2]->shared == NULL);
	/* files are sorted by name */
	for (size_t i = 1; i < v[1]->nfiles; i++)
		CHECK(strcmp(v[1]->files[i - 1].name, v[1]->files[i].name) < 0);

	/* the hash: stable; changes with a file, a shared file, the entrypoint, verify_jwt */
	char h_hello[65], h_plain[65], h_custom[65];
	memcpy(h_hello, v[1]->sha256, 65);
	memcpy(h_plain, v[2]->sha256, 65);
	memcpy(h_custom, v[0]->sha256, 65);
	CHECK_INT(strlen(h_hello), 64);
	bundle_list_free(v, n);

	CHECK_INT(bundle_discover(root, NULL, set, 1, 1, &v, &n, &e), 0);
	CHECK_STR(v[1]->sha256, h_hello);
	bundle_list_free(v, n);

	put("_db/pool.ts", "export const pool = 2;\n");
	CHECK_INT(bundle_discover(root, NULL, set, 1, 1, &v, &n, &e), 0);
	CHECK(strcmp(v[1]->sha256, h_hello) != 0);   /* a shared file it imports changed */
	CHECK_STR(v[2]->sha256, h_plain);            /* plain does not import it */
	bundle_list_free(v, n);

	CHECK_INT(bundle_discover(root, NULL, set, 1, 0, &v, &n, &e), 0);
	CHECK(strcmp(v[2]->sha256, h_plain) != 0);   /* verify_jwt default changed */
	CHECK_STR(v[0]->sha256, h_custom);           /* custom sets its own */
	bundle_list_free(v, n);

	/* only: restricts; unknown slugs are errors */
	char *only[] = { "plain", NULL };
	CHECK_INT(bundle_discover(root, only, NULL, 0, 1, &v, &n, &e), 0);
	CHECK_INT(n, 1);
	CHECK_STR(v[0]->slug, "plain");
	bundle_list_free(v, n);
	char *bad[] = { "nope", NULL };
	CHECK(bundle_discover(root, bad, NULL, 0, 1, &v, &n, &e) < 0);
	CHECK(strstr(e.msg, "'nope'") != NULL);
	/* a function without its entrypoint: custom without its setting */
	err_clear(&e);
	CHECK(bundle_discover(root, NULL, NULL, 0, 1, &v, &n, &e) < 0);
	CHECK(strstr(e.msg, "entrypoint 'index.ts' not found") != NULL);
	/* a missing folder */
	CHECK(bundle_discover("/nonexistent/fns", NULL, NULL, 0, 1, &v, &n, &e) < 0);
	CHECK_INT(e.code, SC_EUSAGE);

	CHECK_INT(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_serialize(void)
{
	struct bundle *b = bundle_new("hello", "index.ts", 1);
	bundle_add_file(b, "index.ts", "console.log(1)\n", 15);
	bundle_add_file(b, "../_shared/bin.dat", "\0\1\2\377", 4);
	bundle_hash(b);
	char *data;
	size_t len;
	bundle_serialize(b, &data, &len);
	struct bundle *c = NULL;
	struct err e = ERR_INIT;
	CHECK_INT(bundle_parse(data, len, &c, &e), 0);
	if (c) {
		CHECK_STR(c->slug, "hello");
		CHECK_STR(c->sha256, b->sha256);
		CHECK_INT(c->nfiles, 2);
		const struct bundle_file *f = file_of(c, "../_shared/bin.dat");
		CHECK(f && f->len == 4 && memcmp(f->data, "\0\1\2\377", 4) == 0);
	}
	CHECK(bundle_parse("{\"format\":\"other\"}", 18, &c, &e) < 0);
	bundle_free(c);
	bundle_free(b);
	free(data);
	/* base64 round trip, every length */
	for (size_t n = 0; n < 10; n++) {
		char *enc = bundle_base64_encode("abcdefghij", n);
		unsigned char *dec;
		size_t dl;
		CHECK_INT(bundle_base64_decode(enc, &dec, &dl), 0);
		CHECK_INT(dl, n);
		CHECK(memcmp(dec, "abcdefghij", n) == 0);
		free(enc);
		free(dec);
	}
	char *enc = bundle_base64_encode("hello", 5);
	CHECK_STR(enc, "aGVsbG8=");
	free(enc);

	/* the multipart answer of GET .../body, as the API sends it */
	const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
			 "Content-Type: application/json\r\n\r\n"
			 "{\"entrypoint_path\":\"file:///src/hello/main.ts\",\"verify_jwt\":false}\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"main.ts\"\r\n\r\n"
			 "line1\r\nline2\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../_shared/a.ts\"\r\n\r\n"
			 "shared\r\n--XyZ--\r\n";
	struct bundle *m = NULL;
	CHECK_INT(bundle_from_multipart("hello", "multipart/form-data; boundary=\"XyZ\"", mp, strlen(mp), &m, &e), 0);
	if (m) {
		CHECK_STR(m->entrypoint, "main.ts");
		CHECK_INT(m->verify_jwt, 0);
		CHECK_INT(m->nfiles, 2);
		const struct bundle_file *f = file_of(m, "main.ts");
		CHECK(f && f->len == 12 && memcmp(f->data, "line1\r\nline2", 12) == 0);
		CHECK(file_of(m, "../_shared/a.ts") != NULL);
	}
	bundle_free(m);
	CHECK(bundle_from_multipart("hello", "application/octet-stream", "x", 1, &m, &e) < 0);
	CHECK(strstr(e.msg, "not multipart") != NULL);
}

int main(void)
{
	test_imports();
	test_discover();
	test_serialize();
	return unit_done();
}
