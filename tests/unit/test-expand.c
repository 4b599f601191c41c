/* Unit tests of variable expansion and redaction (pure code). */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "../../orchestrator/config.h"
#include "../../lib/expand.h"
#include "../../lib/redact.h"
#include "../../lib/util.h"

static char *ex(const struct expand_ctx *ctx, const char *raw, struct err *e)
{
	char *out = NULL;
	err_clear(e);
	if (expand(raw, ctx, &out, e) < 0)
		return NULL;
	return out;
}

int main(void)
{
	struct kv vars[] = { { "base_url", "https://${HOSTNAME_X}:8443" }, { "plain", "p" }, { "loop", "${vars.loop}" } };
	struct expand_ctx ctx = { .vars = vars, .nvars = 3, .env = "staging", .release = "r1", .run_id = "RID" };
	struct err e = ERR_INIT;
	char *s;

	setenv("HOSTNAME_X", "example.com", 1);
	setenv("MY_API_TOKEN", "tok-very-secret-123", 1);
	unsetenv("NOPE_UNSET");

	CHECK_STR(s = ex(&ctx, "plain text", &e), "plain text"); free(s);
	CHECK_STR(s = ex(&ctx, "${env}/${release}/${run_id}", &e), "staging/r1/RID"); free(s);
	CHECK_STR(s = ex(&ctx, "${vars.base_url}/health", &e), "https://example.com:8443/health"); free(s);
	CHECK_STR(s = ex(&ctx, "cost $$5 and $HOME stays", &e), "cost $5 and $HOME stays"); free(s);
	CHECK_STR(s = ex(&ctx, "${NOPE_UNSET:-fallback}", &e), "fallback"); free(s);
	CHECK_STR(s = ex(&ctx, "${NOPE_UNSET:-${vars.plain}x}", &e), "px"); free(s);
	CHECK_STR(s = ex(&ctx, "${HOSTNAME_X:-unused}", &e), "example.com"); free(s);
	CHECK_STR(s = ex(&ctx, "", &e), ""); free(s);

	CHECK(ex(&ctx, "${NOPE_UNSET}", &e) == NULL);
	CHECK(e.code == SC_EUSAGE && strstr(e.msg, "NOPE_UNSET"));
	CHECK(ex(&ctx, "${vars.missing}", &e) == NULL);
	CHECK(strstr(e.msg, "has no var 'missing'") != NULL);
	CHECK(ex(&ctx, "${unterminated", &e) == NULL);
	CHECK(strstr(e.msg, "unterminated") != NULL);
	CHECK(ex(&ctx, "${bad name}", &e) == NULL);
	CHECK(ex(&ctx, "${vars.loop}", &e) == NULL);
	CHECK(strstr(e.msg, "nest") != NULL);

	/* release/run_id undefined outside a run, placeholders when validating */
	struct expand_ctx v = ctx;
	v.release = v.run_id = NULL;
	CHECK(ex(&v, "${release}", &e) == NULL);
	v.placeholders = 1;
	CHECK_STR(s = ex(&v, "${release}", &e), "RELEASE"); free(s);

	/* ${host.*}: the host at hand, placeholders when validating an ssh or
	 * release step, an error naming where they are defined elsewhere */
	CHECK(ex(&ctx, "${host.name}", &e) == NULL);
	CHECK(e.code == SC_EUSAGE && strstr(e.msg, "only in the commands of ssh and release steps"));
	struct expand_ctx hc = ctx;
	hc.host_name = "app2";
	hc.host_address = "10.0.0.2";
	CHECK_STR(s = ex(&hc, "/srv/${host.name}@${host.address}", &e), "/srv/app2@10.0.0.2"); free(s);
	hc.host_name = hc.host_address = NULL;
	hc.host_placeholders = 1;
	CHECK_STR(s = ex(&hc, "${host.name} ${host.address}", &e), "HOST ADDRESS"); free(s);

	/* a secret by its name is registered when expanded, and redacted everywhere */
	CHECK_STR(s = ex(&ctx, "Bearer ${MY_API_TOKEN}", &e), "Bearer tok-very-secret-123");
	char *r = redact(s);
	CHECK_STR(r, "Bearer ***");
	free(r);
	free(s);

	/* listed secrets */
	char *names[] = { "STRIPE_FILE", NULL };
	CHECK(redact_is_secret_name("STRIPE_FILE", names));
	CHECK(redact_is_secret_name("db_password", NULL));
	CHECK(redact_is_secret_name("GITHUB_TOKEN", NULL));
	CHECK(!redact_is_secret_name("HOME", NULL));

	/* URL passwords, raw and percent-decoded */
	redact_add_url_password("postgresql://app:p%40ss-word@db:5432/x");
	CHECK_STR(r = redact("url postgresql://app:p%40ss-word@db:5432/x and p@ss-word"), "url postgresql://app:***@db:5432/x and ***");
	free(r);
	redact_add_url_password("host=db password=kv-secret-9 dbname=x");
	CHECK_STR(r = redact("password=kv-secret-9"), "password=***");
	free(r);
	CHECK_STR(r = redact_url("postgres://u:other-pw@h/db"), "postgres://u:***@h/db");
	free(r);
	/* longest secret first: a secret containing another is hidden whole */
	redact_add("abc-long-secret");
	redact_add("long");
	CHECK_STR(r = redact("x abc-long-secret y long"), "x *** y ***");
	free(r);
	CHECK(redact(NULL) == NULL);
	redact_clear();
	CHECK_STR(r = redact("tok-very-secret-123"), "tok-very-secret-123");
	free(r);

	/* err_prefix keeps the cause and adds context in front */
	err_set(&e, SC_EFAIL, "relation \"profiles\" does not exist");
	err_prefix(&e, "step '%s'", "migrate");
	err_prefix(&e, "deploy '%s'", "production");
	CHECK_STR(e.msg, "deploy 'production': step 'migrate': relation \"profiles\" does not exist");
	CHECK_INT(e.code, SC_EFAIL);

	/* sha256 known answers */
	char hex[65];
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_INT(str_distance("migrations", "migration"), 1);
	CHECK_INT(str_distance("kind", "kind"), 0);
	return unit_done();
}
