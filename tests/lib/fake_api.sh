# tests/lib/fake_api.sh: start and drive tests/servers/fake_supabase.py, the
# loopback stand-in for the Supabase Management API.  Source it after
# common.sh and sc_setup.
#
#   api_start [ARGS...]      start the server (ARGS: see fake_supabase.py --help);
#                            sets API_TOKEN (a fresh random token unless already
#                            set), API_BASE (http://127.0.0.1:PORT), API_URL (the
#                            project's /v1/projects/REF), API_CONTROL (…/_control);
#                            stopped at exit
#   api_ctl METHOD PATH [JSON]  call a control endpoint (PATH like "fail"); prints the answer
#   api_log_count METHOD REGEX  how many logged requests match (method, path regex)
#   api_py EXPR              evaluate a Python expression over L (the log JSON) and
#                            F (the functions JSON); prints the result
#   api_unfinished           how many logged requests have not ended yet (held
#                            by /_control/hold, delayed, or being served)

API_REF=${API_REF:-testref}

api_start() {
	: "${API_TOKEN:=sbp_test_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
	local pf="$T/api.port.$$.$RANDOM"
	python3 "$TOP/tests/servers/fake_supabase.py" --port-file "$pf" --token "$API_TOKEN" \
		--ref "$API_REF" "$@" >"$T/api.log" 2>&1 &
	API_PID=$!
	at_exit "kill $API_PID"
	local i
	for i in $(seq 1 100); do
		[ -s "$pf" ] && break
		kill -0 "$API_PID" 2>/dev/null || fail "fake API did not start: $(tail -5 "$T/api.log")"
		sleep 0.05
	done
	[ -s "$pf" ] || fail "fake API did not write its port"
	API_PORT=$(cat "$pf")
	API_BASE="http://127.0.0.1:$API_PORT"
	API_URL="$API_BASE/v1/projects/$API_REF"
	API_CONTROL="$API_BASE/_control"
	export API_TOKEN API_BASE API_URL API_CONTROL API_PORT
}

api_ctl() {
	local method=$1 path=$2 data=${3:-}
	python3 - "$method" "$API_CONTROL/$path" "$data" <<'PY'
import sys, urllib.request
m, url, data = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=data.encode() if data else (b"" if m == "POST" else None),
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

api_py() {
	python3 - "$API_CONTROL" "$1" <<'PY'
import sys, json, urllib.request
base, expr = sys.argv[1], sys.argv[2]
L = json.loads(urllib.request.urlopen(base + "/log", timeout=10).read())
F = json.loads(urllib.request.urlopen(base + "/functions", timeout=10).read())
R = L["requests"]
r = eval(expr)
print(json.dumps(r) if not isinstance(r, str) else r)
PY
}

api_unfinished() {
	api_py "len([q for q in R if q['end'] is None])"
}

api_log_count() {
	api_py "len([q for q in R if q['method'] == '$1' and __import__('re').search(r'''$2''', q['path'])])"
}

# make_functions DIR N [SHARED_USERS]: N functions fn01..fnN under DIR, each an
# index.ts; a _shared/cors.ts imported by the first SHARED_USERS (default 2).
make_functions() {
	local dir=$1 n=$2 users=${3:-2} i name
	mkdir -p "$dir/_shared"
	echo 'export const cors = { "Access-Control-Allow-Origin": "*" };' >"$dir/_shared/cors.ts"
	for i in $(seq 1 "$n"); do
		name=$(printf 'fn%02d' "$i")
		mkdir -p "$dir/$name"
		if [ "$i" -le "$users" ]; then
			printf 'import { cors } from "../_shared/cors.ts";\nDeno.serve(() => new Response("%s", { headers: cors }));\n' "$name" >"$dir/$name/index.ts"
		else
			printf 'Deno.serve(() => new Response("%s"));\n' "$name" >"$dir/$name/index.ts"
		fi
	done
}

# write_fn_conf FILE STEPS [HOOKS]: a stagecoach.conf with env "staging" on
# $DB_URL and the fake API ($API_URL, token from $SB_ACCESS)
write_fn_conf() {
	cat >"$1" <<CONF
version = 1;
project = "fntest";
functions = "functions";
environments = {
  staging = {
    database = "\${DB_URL}";
    functions_api = { url = "\${API_URL}"; token = "\${SB_ACCESS}"; };
  };
};
steps = ( $2 );
${3:-}
CONF
}

# assert_no_token: the API token is nowhere in the outputs, nor in the state database ($DB_URL)
assert_no_token() {
	local f
	for f in "$T"/out "$T"/err "$@"; do
		[ -f "$f" ] && ! grep -qF -- "$API_TOKEN" "$f" || { [ -f "$f" ] && fail "the token appears in $f"; }
	done
	if [ -n "${DB_URL:-}" ]; then
		pg_dump "$DB_URL" -n stagecoach -Fp >"$T/state.sql" 2>"$T/pg_dump.err" || fail "pg_dump: $(cat "$T/pg_dump.err")"
		! grep -qF -- "$API_TOKEN" "$T/state.sql" || fail "the token appears in the state records"
		psql_q "$DB_URL" "SELECT convert_from(content, 'UTF8') FROM stagecoach.artifacts WHERE content IS NOT NULL" \
			>"$T/artifacts.txt" 2>/dev/null || true
		! grep -qF -- "$API_TOKEN" "$T/artifacts.txt" || fail "the token appears in the artifacts"
	fi
	return 0
}
