#!/bin/bash
# A failed health check shows the body it received beside the status: cut
# to a bounded length (256 bytes, then how many more), control characters
# escaped (one line), secrets shown as ***.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
api_start
export SESSION_TOKEN="sess-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >stagecoach.conf <<'CONF'
version = 1;
project = "health";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "health"; kind = "health_check"; url = "${API_BASE}/health"; retries = 1; }
);
CONF
python3 - "$SESSION_TOKEN" >body.json <<'PY'
import json, sys
print(json.dumps({"health_status": 503,
                  "health_body": "upstream down\n\x01\ttoken=" + sys.argv[1] + " " + "x" * 1000}))
PY
api_ctl POST config "$(cat body.json)" >/dev/null
expect_exit 1 sc deploy staging
assert_contains err "HTTP 503 (expected 200), body: 'upstream down\\n\\x01\\ttoken=*** xxx"
assert_contains err "... (770 more bytes)"
grep -qE "more bytes\)' \(after 1 try\)" err || fail "the cut is not said: $(cat err)"
for f in out err; do assert_not_contains "$f" "$SESSION_TOKEN"; done
# one line, bounded: the error line is far shorter than the 1 KB body
line=$(grep 'stagecoach: error:' err)
[ "${#line}" -lt 900 ] || fail "the error line is ${#line} bytes long"
assert_eq "$(grep -c . err)" 1 "lines of stderr"
# recorded the same way
psql_q "$APP_DB" "SELECT error FROM stagecoach.runs" >runs.txt
assert_contains runs.txt "body: 'upstream down\\n"
assert_not_contains runs.txt "$SESSION_TOKEN"

# the body does not hold expect_body: the body is shown too
sed -i 's|retries = 1; }|retries = 1; expect_body = "ok"; }|' stagecoach.conf
api_ctl POST config '{"health_status": 200, "health_body": "maintenance mode"}' >/dev/null
expect_exit 1 sc deploy staging
assert_contains err "the body does not contain 'ok', body: 'maintenance mode' (after 1 try)"
# an empty body says so
api_ctl POST config '{"health_status": 500, "health_body": ""}' >/dev/null
expect_exit 1 sc deploy staging
assert_contains err "HTTP 500 (expected 200), body: '(empty)'"
pass
