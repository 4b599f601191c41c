#!/bin/bash
# On a terminal, a question (an approval step, a checkpoint) starts on a
# line of its own: the step's live progress line ("  ..   ask  approval")
# is cleared first, not continued by the question, and nothing overwrites
# the question while it waits.  Run under a pseudo-terminal (python3 pty).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export APP_DB=$(pg_createdb app)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "prompts";
environments = { staging = { database = "${APP_DB}"; }; };
steps = (
  { name = "change"; kind = "shell"; command = "echo change >> log"; },
  { name = "ask"; kind = "approval"; message = "Restart the ${env} backend?"; },
  { name = "gate"; kind = "approval"; pause = true; message = "Open the ${env} traffic?"; },
  { name = "after"; kind = "shell"; command = "echo after >> log"; }
);
CONF
# drive: answer each question with the environment's name; print what the
# terminal received (raw bytes) to tty.out; exit with stagecoach's code
python3 - "$SC" >tty.py.out 2>&1 <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "deploy", "staging", "--release", "r1"])
out = b""
asked = 0
deadline = time.time() + 120
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 1.0)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    # one answer per question, once its prompt is complete
    while out.count(b"to approve: ") + out.count(b"pause here: ") > asked:
        os.write(fd, b"staging\n")
        asked += 1
_, status = os.waitpid(pid, 0)
open("tty.out", "wb").write(out)
sys.exit(os.waitstatus_to_exitcode(status))
PY
rc=$?
[ "$rc" = 0 ] || fail "deploy under a terminal exited $rc: $(cat tty.py.out; tr -d '\033' <tty.out 2>/dev/null | tail -20)"
assert_eq "$(cat log | tr '\n' ' ')" "change after " "steps run"
python3 - <<'PY' || fail "a question did not start on its own line (see tty.out)"
import re
out = open("tty.out", "rb").read().decode("utf-8", "replace")
def visible(line):
    # what a terminal shows of a line: after the last carriage return,
    # with the erase-line sequences (which print nothing) taken out
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line.split("\r")[-1])
for question, end in (("Restart the staging backend?", "to approve: "), ("Open the staging traffic?", "pause here: ")):
    i = out.find(question)
    assert i >= 0, "question not asked: " + question
    before = out[:i].rsplit("\n", 1)[-1]
    assert visible(before) == "", "question %r printed after %r" % (question, visible(before))
    # after the prompt, only the user's echoed answer until the next line
    j = out.find(end, i) + len(end)
    rest = out[j:].split("\n", 1)[0]
    assert rest.strip() == "staging", "the question's line was written over: %r" % rest
print("ok")
PY
pass
