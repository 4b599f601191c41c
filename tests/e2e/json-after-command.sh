#!/bin/bash
# --json is a global option that may also follow the command name and its
# arguments ("stagecoach migrations ENV --json"): for every command with JSON
# output, both forms print the same objects (times and run ids aside).  With
# --json a failure is JSON on stdout too: one object with event "error",
# exit_code and message (redacted), also when no run started (an unknown
# environment, a config error, an unreachable database).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
URL=$(pg_createdb app)
mkdir -p m
echo "CREATE TABLE t1 (id int);" > m/0001_t1.up.sql
echo "DROP TABLE t1;" > m/0001_t1.down.sql
cat > stagecoach.conf <<CONF
version = 1;
project = "jsonpos";
migrations = "m";
environments = {
  staging = { database = "$URL"; };
  down = { database = "postgresql://sc:s3cret-pw-123@127.0.0.1:$(free_port)/x?connect_timeout=2"; };
};
steps = ( { name = "migrate"; kind = "migrate"; } );
CONF
expect_exit 0 sc deploy staging

# same JSON before and after the command, for each command that has some
same_json() { # ARGS... (the command line without --json)
	"$SC" --json "$@" >"$T/before" 2>"$T/err" || fail "--json $*: $(cat "$T/err")"
	"$SC" "$@" --json >"$T/after" 2>"$T/err" || fail "$* --json: $(cat "$T/err")"
	python3 - "$T/before" "$T/after" "$*" <<'PY' || exit 1
import json, re, sys
def load(p):
    out = []
    for line in open(p).read().splitlines():
        o = json.loads(line)  # every line is one JSON object
        s = json.dumps(o, sort_keys=True)
        s = re.sub(r'"(time|run_id|id|started_at|finished_at|duration_ms|version|up|down)": ("[^"]*"|[0-9]+)', r'"\1": "-"', s)
        out.append(s)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if not a:
    sys.exit("%s: no JSON at all" % sys.argv[3])
if a != b:
    sys.exit("%s: the JSON differs:\n%s\n%s" % (sys.argv[3], a[:3], b[:3]))
PY
}
same_json migrations staging
same_json status staging
same_json history staging --limit 5
same_json plan staging
same_json deploy staging
same_json diff staging staging
same_json lint
# -c after the command too
"$SC" migrations staging -c stagecoach.conf --json >"$T/out" 2>"$T/err" || fail "-c after: $(cat "$T/err")"
python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read()); assert o["event"] == "migrations" and o["counts"]["applied"] == 1, o' "$T/out" ||
	fail "migrations -c FILE --json: $(cat "$T/out")"
# new NAME --json names the files it wrote
"$SC" new add_things --json >"$T/out" 2>"$T/err" || fail "new --json: $(cat "$T/err")"
python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read()); assert o["event"] == "migration_created" and o["up"].endswith("_add_things.up.sql"), o' "$T/out" ||
	fail "new --json: $(cat "$T/out")"
rm -f m/*_add_things.*

# failures: JSON on stdout (the message on stderr as always), exit code kept
check_error() { # CODE WORDS ARGS...
	local code=$1 words=$2; shift 2
	"$SC" "$@" >"$T/out" 2>"$T/err"
	local got=$?
	[ "$got" = "$code" ] || fail "$*: exit $got, want $code: $(cat "$T/err")"
	python3 - "$T/out" "$code" "$words" <<'PY' || fail "$*: stdout: $(cat "$T/out")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
o = json.loads(lines[-1])
assert o["event"] == "error", o
assert o["exit_code"] == int(sys.argv[2]), o
assert sys.argv[3] in o["message"], o
assert "s3cret-pw-123" not in open(sys.argv[1]).read()
PY
	assert_contains "$T/err" "stagecoach: error:"
}
check_error 2 "no environment 'nope'" migrations nope --json
check_error 2 "no environment 'nope'" --json status nope
check_error 6 "cannot connect" deploy down --json
check_error 6 "cannot connect" migrations down --json
echo 'version = 1; bogus = 1;' > bad.conf
check_error 2 "bad.conf:1" -c bad.conf validate --json
# without --json: nothing on stdout
expect_exit 2 sc migrations nope
[ -s "$T/out" ] && fail "stdout without --json: $(cat "$T/out")"
pass
