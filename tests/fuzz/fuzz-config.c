/*
 * fuzz-config: libFuzzer target for config_load().  Each input is written to
 * a file in a private folder (config_load reads a path) and loaded; a loaded
 * config also has every environment resolved (config_env_resolve expands
 * the environment's strings), as `validate` does.  The redaction registry
 * is cleared after each input so that it does not grow without end.
 *
 * Built and run by tests/faults/fuzz.sh; seed corpus in corpus-config/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../orchestrator/config.h"
#include "../../lib/redact.h"

static char fuzz_path[256];

static void fuzz_config_init(void)
{
	char dir[] = "/tmp/sc-fuzz-config.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/stagecoach.conf", dir);
	/* variables the seed configs use */
	setenv("STAGING_DATABASE_URL", "postgresql://u:pw-secret@127.0.0.1:1/s", 1);
	setenv("PRODUCTION_DATABASE_URL", "postgresql://u:pw-secret@127.0.0.1:1/p", 1);
	setenv("SUPABASE_ACCESS_TOKEN", "sbp_fuzz_token", 1);
	setenv("HOME", "/tmp", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_path[0])
		fuzz_config_init();
	FILE *f = fopen(fuzz_path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	struct config *cfg = NULL;
	struct err e = ERR_INIT;
	if (config_load(fuzz_path, &cfg, &e) == 0) {
		for (size_t i = 0; i < cfg->nenvs; i++) {
			struct err re = ERR_INIT;
			config_env_resolve(cfg, &cfg->envs[i], &re);
		}
		config_free(cfg);
	} else if (!e.msg[0]) {
		abort(); /* an error must say what is wrong */
	}
	redact_clear();
	return 0;
}
