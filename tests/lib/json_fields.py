#!/usr/bin/env python3
"""Every JSON field name stagecoach emits must be documented in docs/json.md.

  json_fields.py source            the keys the C code passes to jansson
                                   (json_object_set*, json_pack) in
                                   orchestrator/ env/ steps/ hooks/
  json_fields.py output FILE...    the keys of every line of real --json
                                   output (each line one object, recursively)

A field is documented when docs/json.md holds it in backquotes (`name`).
Exits 1 naming each missing field and where it came from; 2 on bad input
(an output line that is not a JSON object with "v": 1 and an "event").
"""
import json
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(TOP, "docs", "json.md")
DIRS = ["orchestrator", "env", "steps", "hooks"]

# objects whose keys are data, not field names (docs/json.md describes them
# as maps): migrations' counts by state; write counters by table name
MAP_FIELDS = {"counts", "tables", "own_writes"}


def split_args(text):
    """Top-level comma-separated arguments of a C call's argument text."""
    args, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            q = c
            j = i + 1
            while j < len(text) and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        args.append("".join(cur).strip())
    return args


def call_args(src, start):
    """The argument text of the call whose '(' is at src[start]."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c in "\"'":
            q = c
            i += 1
            while i < len(src) and src[i] != q:
                i += 2 if src[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[start + 1:i]
        i += 1
    return ""


def literal(arg):
    """The value of a C string literal argument (adjacent ones joined), or None."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', arg)
    if not parts or re.sub(r'"((?:[^"\\]|\\.)*)"', "", arg).strip():
        return None
    return "".join(parts)


def pack_keys(fmt, args):
    """The literal keys of a json_pack format and its arguments."""
    keys, stack, ai, i, want_key = [], [], 0, 0, False
    while i < len(fmt):
        c = fmt[i]
        if c in " \t\n:,":
            i += 1
            continue
        if c in "{[":
            stack.append(c)
            want_key = c == "{"
            i += 1
            continue
        if c in "}]":
            stack.pop()
            want_key = bool(stack) and stack[-1] == "{" and True
            i += 1
            continue
        # one value (or key) token and its modifiers
        n = 0 if c == "n" else 1
        j = i + 1
        while j < len(fmt) and fmt[j] in "?*#%":
            if fmt[j] in "#%":
                n += 1
            j += 1
        in_obj = bool(stack) and stack[-1] == "{"
        if in_obj and want_key:
            if ai < len(args):
                k = literal(args[ai])
                if k is not None:
                    keys.append(k)
            want_key = False
        else:
            want_key = in_obj
        ai += n
        i = j
    return keys


def source_keys():
    found = {}
    for d in DIRS:
        for root, _, files in os.walk(os.path.join(TOP, d)):
            for f in sorted(files):
                if not f.endswith(".c"):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, TOP)
                src = open(path, encoding="utf-8", errors="replace").read()
                src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
                for m in re.finditer(r"\bjson_object_set(?:_new)?(?:_nocheck)?\s*\(", src):
                    args = split_args(call_args(src, m.end() - 1))
                    if len(args) >= 2:
                        k = literal(args[1])
                        if k is not None:
                            found.setdefault(k, set()).add(rel)
                for m in re.finditer(r"\bjson_pack\s*\(", src):
                    args = split_args(call_args(src, m.end() - 1))
                    if not args:
                        continue
                    fmt = literal(args[0])
                    if fmt is None:
                        continue
                    for k in pack_keys(fmt, args[1:]):
                        found.setdefault(k, set()).add(rel)
    return found


def output_keys(files):
    found = {}

    def walk(v, where):
        if isinstance(v, dict):
            for k, x in v.items():
                found.setdefault(k, set()).add(where)
                if k not in MAP_FIELDS:
                    walk(x, where)
        elif isinstance(v, list):
            for x in v:
                walk(x, where)

    bad = []
    for path in files:
        for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
            if not line.strip():
                continue
            where = "%s:%d" % (os.path.basename(path), n)
            try:
                o = json.loads(line)
            except ValueError as e:
                bad.append("%s: not JSON (%s): %s" % (where, e, line[:200]))
                continue
            if not isinstance(o, dict) or o.get("v") != 1 or not isinstance(o.get("event"), str):
                bad.append('%s: not an object with "v": 1 and an "event": %s' % (where, line[:200]))
                continue
            walk(o, "%s (%s)" % (where, o["event"]))
    return found, bad


def documented():
    if not os.path.exists(DOC):
        print("docs/json.md does not exist")
        return set()
    text = open(DOC, encoding="utf-8").read()
    # `$schema` (an Adaptive Card's) is a field name too
    return set(re.findall(r"`(\$?[A-Za-z_][A-Za-z0-9_]*)`", text))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("source", "output"):
        sys.exit(__doc__)
    if sys.argv[1] == "source":
        found, bad = source_keys(), []
        if len(found) < 50:
            print("only %d keys found in the source: the scan is broken" % len(found))
            return 2
    else:
        found, bad = output_keys(sys.argv[2:])
        if not found:
            print("no JSON keys in %s" % " ".join(sys.argv[2:]))
            return 2
    for b in bad:
        print(b)
    if bad:
        return 2
    doc = documented()
    missing = sorted(k for k in found if k not in doc)
    for k in missing:
        print("docs/json.md does not document field '%s' (emitted by %s)" % (k, ", ".join(sorted(found[k])[:3])))
    print("%d field names, %d missing from docs/json.md" % (len(found), len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
