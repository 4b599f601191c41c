#!/usr/bin/env python3
"""readme_cmds.py FILE: the commands a README asks the reader to run, one a
line, as  LINE<TAB>WANT<TAB>COMMAND  (LINE: where it starts in FILE; WANT:
the exit code it must end with).

The convention the READMEs follow (and tests/e2e/readme.sh, tests/examples
check): only fenced blocks opened with ```sh are run, in order, in one
shell; ```text blocks and indented blocks are illustrations, never run.
In a ```sh block:
  - blank lines and lines that start with # are skipped;
  - a line ending with a backslash goes on on the next line;
  - a command exits 0, unless its trailing comment starts with
    "# exits N" (e.g. a deploy that pauses at a checkpoint: "# exits 7");
  - no heredocs, no multi-line if/while: one command per line.
"""
import re
import sys


def commands(path):
    out = []
    in_block = in_sh = False
    pending = None  # (line, text) of a command continued with a backslash
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.rstrip("\n")
        fence = re.match(r"^\s*```\s*(\S*)\s*$", line)
        if fence:
            if in_sh and pending:
                sys.exit("%s:%d: a command ends with a backslash at the end of its block" % (path, pending[0]))
            in_sh = not in_block and fence.group(1) == "sh"
            in_block = not in_block
            continue
        if not in_sh:
            continue
        text = line.strip()
        if pending is None and (not text or text.startswith("#")):
            continue
        if pending is not None:
            start, text = pending[0], pending[1] + " " + text
        else:
            start = n
        if text.endswith("\\"):
            pending = (start, text[:-1].rstrip())
            continue
        pending = None
        m = re.search(r"#\s*exits\s+(\d+)\b", text)
        want = int(m.group(1)) if m else 0
        out.append((start, want, text))
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: readme_cmds.py README.md")
    for start, want, text in commands(sys.argv[1]):
        if "\t" in text:
            sys.exit("%s:%d: a tab in a command" % (sys.argv[1], start))
        print("%d\t%d\t%s" % (start, want, text))
