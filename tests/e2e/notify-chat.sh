#!/bin/bash
# notify in Slack's and Microsoft Teams' incoming-webhook shapes, at the
# run's start and end: environment, release, actor, outcome, step counts and
# the command that rolls the release back (`rollback ENV --to PREVIOUS`);
# the plain JSON summary stays the default (end only); a webhook that hangs,
# refuses the connection or answers 500 is a warning within its timeout,
# never a failed or stalled run; no secret reaches any payload.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fake_api.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
api_start
export STAGECOACH_ACTOR=alice
export DEPLOY_TOKEN="tok-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DOWN=$(free_port)
cat >stagecoach.conf <<CONF
version = 1;
project = "chat";
environments = { staging = { database = "\${APP_DB}"; }; };
steps = (
  { name = "change"; kind = "shell"; command = "echo change >> log"; rollback_command = "echo undo >> log"; },
  { name = "check"; kind = "shell"; command = "echo \\"token \$DEPLOY_TOKEN <b>&\\"; exit \${FAIL:-0}";
    rollback_command = "true"; }
);
hooks = { notify = (
  { url = "\${API_BASE}/slack"; format = "slack"; },
  { url = "\${API_BASE}/teams"; format = "teams"; },
  "\${API_BASE}/json",
  { url = "http://127.0.0.1:$DOWN/hook/secret-path"; format = "slack"; timeout_ms = 1000; },
  { url = "\${API_BASE}/status/500"; format = "teams"; timeout_ms = 1000; },
  { url = "\${API_BASE}/hang/secret-path"; format = "slack"; timeout_ms = 200; events = [ "end" ]; },
  { url = "\${API_BASE}/json-both"; events = [ "start", "end" ]; }
); };
CONF
api_ctl POST hold '{"match": "/hang"}' >/dev/null

# bad formats and events are config errors with FILE:LINE, nothing sent
cp stagecoach.conf good.conf
sed 's/format = "teams"; }/format = "hipchat"; }/' good.conf >bad.conf
expect_exit 2 sc -c bad.conf deploy staging
assert_contains err "bad.conf:11"
assert_contains err "'format' must be \"json\", \"slack\" or \"teams\""
sed 's/events = \[ "end" \]/events = [ "finish" ]/' good.conf >bad2.conf
expect_exit 2 sc -c bad2.conf validate
assert_contains err "'events' lists \"start\" and \"end\""
assert_eq "$(api_log_count POST '.')" 0 "requests after config errors"

# 1. a successful deploy: slack and teams at start and end, json at the end;
# the hanging webhook costs its timeout_ms (200 ms, one retry), not the 5 s
# default nor the 120 s the server holds it
t0=$(date +%s%N)
expect_exit 0 sc deploy staging --release r1
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 9500 ] || fail "a hanging webhook stalled the run: $ms ms"
assert_contains err "notify to 'http://127.0.0.1:$DOWN' failed"
assert_contains err "notify to '$API_BASE' failed (at the run's start): HTTP 500"
assert_contains err "notify to '$API_BASE' failed: HTTP 500"
assert_not_contains err "secret-path"
assert_eq "$(api_log_count POST '^/slack$')" 2 "slack: start and end"
assert_eq "$(api_log_count POST '^/teams$')" 2 "teams: start and end"
assert_eq "$(api_log_count POST '^/json$')" 1 "json: the end only (as before)"
n=$(api_log_count POST '^/hang')
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "the hanging hook (end only, one retry): $n requests"

# Slack: {"text", "blocks": [section mrkdwn, section with fields]}
S='[json.loads(q["body"]) for q in R if q["path"] == "/slack"]'
FIELDS='dict(f["text"].split("\n", 1) for f in b["blocks"][1]["fields"])'
api_py "[(b['blocks'][0]['type'], b['blocks'][0]['text']['type'], b['blocks'][1]['type'], type(b['text']).__name__) for b in $S]" >shape
assert_eq "$(cat shape)" '[["section", "mrkdwn", "section", "str"], ["section", "mrkdwn", "section", "str"]]' "slack shape"
assert_eq "$(api_py "{k: v for k, v in (lambda b: $FIELDS)($S[0]).items() if k != '*Run*'}")" \
	'{"*Environment*": "staging", "*Release*": "r1", "*Actor*": "alice", "*Outcome*": "started", "*To roll back*": "`stagecoach rollback staging --last`"}' \
	"slack start fields"
end=$(api_py "[(lambda b: $FIELDS)(b) for b in $S][1]")
echo "$end" | grep -qF '"*Outcome*": "succeeded"' || fail "slack end outcome: $end"
echo "$end" | grep -qF '"*Steps*": "2 of 2 steps ran (2 succeeded)"' || fail "slack end steps: $end"
api_py "$S[1]['text']" | grep -qF "stagecoach: deploy of release r1 to 'staging' (project chat): succeeded" ||
	fail "slack fallback text: $(api_py "$S[1]['text']")"

# Teams: {"type": "message", "attachments": [{"contentType": adaptive card, "content": AdaptiveCard}]}
M='[json.loads(q["body"]) for q in R if q["path"] == "/teams"]'
assert_eq "$(api_py "[(m['type'], m['attachments'][0]['contentType'], m['attachments'][0]['content']['type'], m['attachments'][0]['content']['body'][1]['type']) for m in $M]")" \
	'[["message", "application/vnd.microsoft.card.adaptive", "AdaptiveCard", "FactSet"], ["message", "application/vnd.microsoft.card.adaptive", "AdaptiveCard", "FactSet"]]' "teams shape"
FACTS='{f["title"]: f["value"] for f in m["attachments"][0]["content"]["body"][1]["facts"]}'
assert_eq "$(api_py "[(lambda m: $FACTS)(m) for m in $M][1]['Outcome']")" "succeeded" "teams end outcome"
assert_eq "$(api_py "[(lambda m: $FACTS)(m) for m in $M][1]['To roll back']")" "stagecoach rollback staging --last" "teams rollback"

# the JSON summary: the same keys as before, and the new ones beside them
J='[json.loads(q["body"]) for q in R if q["path"] == "/json"]'
assert_eq "$(api_py "[(j['event'], j['env'], j['release'], j['status'], j['actor'], j['rollback_command'], j['step_counts']['succeeded']) for j in $J]")" \
	'[["run_finished", "staging", "r1", "succeeded", "alice", "stagecoach rollback staging --last", 2]]' "json summary"

JB='[json.loads(q["body"]) for q in R if q["path"] == "/json-both"]'
assert_eq "$(api_py "[(j['event'], j['release'], j['outcome'], j['rollback_command']) for j in $JB]")" \
	'[["run_started", "r1", "started", "stagecoach rollback staging --last"], ["run_finished", "r1", "succeeded", "stagecoach rollback staging --last"]]' \
	"json with events = start, end"

# 2. a failed, rolled back deploy: the start names r1 as the release to go back to
api_ctl POST reset >/dev/null
FAIL=3 expect_exit 1 sc deploy staging --release r2
start=$(api_py "[(lambda b: $FIELDS)(b) for b in $S][0]")
echo "$start" | grep -qF '"*To roll back*": "`stagecoach rollback staging --to r1`"' || fail "slack start of r2: $start"
end=$(api_py "[(lambda b: $FIELDS)(b) for b in $S][1]")
echo "$end" | grep -qF "failed and was rolled back: 'staging' is at its previous release r1" || fail "slack end of r2: $end"
echo "$end" | grep -qF '"*Steps*": "2 of 2 steps ran (1 succeeded, 1 failed), 2 undone"' || fail "slack steps of r2: $end"
echo "$end" | grep -qF 'To roll back' && fail "a rolled back run offers a rollback: $end"
err_block=$(api_py "$S[1]['blocks'][2]['text']['text']")
echo "$err_block" | grep -qF '*Error*' || fail "no error block: $err_block"
echo "$err_block" | grep -qF 'token ***' || fail "the error block does not show the redacted output: $err_block"
echo "$err_block" | grep -qF '&lt;b&gt;&amp;' || fail "mrkdwn not escaped: $err_block"
assert_eq "$(api_py "$J[0]['status']")" "rolled_back" "json status of r2"
assert_eq "$(api_py "[(lambda m: $FACTS)(m) for m in $M][1]['Outcome']")" \
	"failed and was rolled back: 'staging' is at its previous release r1" "teams outcome of r2"

# no secret in any payload (the step printed the token; the database password is in APP_DB)
api_py "'\\n'.join(q.get('body') or '' for q in R)" >bodies.txt
grep -q 'token \*\*\*' bodies.txt || fail "the failing step's output is not in the payloads: the check below would be vacuous"
for s in "$DEPLOY_TOKEN" "$DB_PASS"; do
	! grep -qF -- "$s" bodies.txt || fail "a secret reached a payload"
done
for f in out err; do assert_not_contains "$f" "$DEPLOY_TOKEN"; done

# 3. the next success: the release to go back to is still r1 (r2 was rolled back)
api_ctl POST reset >/dev/null
expect_exit 0 sc deploy staging --release r3
assert_eq "$(api_py "[(lambda m: $FACTS)(m) for m in $M][1]['To roll back']")" "stagecoach rollback staging --to r1" "rollback of r3"

api_ctl POST release >/dev/null
pass
