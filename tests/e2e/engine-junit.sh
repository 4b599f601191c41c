#!/bin/bash
# --junit FILE: a testcase per step and per rollback, the failure carrying
# the (redacted) error, durations in seconds; a parser reads it.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
export API_TOKEN_X="tok-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >stagecoach.conf <<'CONF'
version = 1;
project = "junit";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "one"; kind = "shell"; command = "true"; rollback_command = "true"; },
  { name = "skipped"; kind = "shell"; command = "true"; skip = [ "staging" ]; },
  { name = "two & <three>"; kind = "shell"; command = "echo secret $API_TOKEN_X; exit ${FAIL:-0}"; }
);
CONF
expect_exit 0 sc deploy staging --junit ok.xml
FAIL=3 expect_exit 1 sc deploy staging --junit fail.xml
! grep -qF "$API_TOKEN_X" fail.xml || fail "secret in the report"
python3 - <<'PY' || fail "junit reports"
import xml.etree.ElementTree as ET
ok = ET.parse("ok.xml").getroot().find("testsuite")
assert ok.get("failures") == "0", ok.attrib
names = [c.get("name") for c in ok.findall("testcase")]
assert names == ["one", "skipped", "two & <three>"], names
assert ok.findall("testcase")[1].find("skipped") is not None
for c in ok.findall("testcase"):
    float(c.get("time"))
s = ET.parse("fail.xml").getroot().find("testsuite")
cases = s.findall("testcase")
names = [(c.get("classname"), c.get("name")) for c in cases]
assert ("rollback", "one") in names and ("rollback", "two & <three>") not in names, names
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == 1 and failed[0].get("name") == "two & <three>", names
msg = failed[0].find("failure").get("message")
assert "exited with status 3" in msg and "***" in msg, msg
assert s.get("failures") == "1", s.attrib
props = {p.get("name"): p.get("value") for p in s.find("properties")}
assert props["status"] == "rolled_back", props
PY
pass
