#!/usr/bin/env python3
"""tests/layers.py BUILD: check the layers of stagecoach from the built objects: which file's
undefined symbols another file defines.  Layers, low to high:
lib < env < steps < hooks < orchestrator.  An arrow from a file to a file of
a higher layer, or a circle of files, is an error."""
import os, subprocess, sys
from collections import defaultdict
build = sys.argv[1] if len(sys.argv) > 1 else "build"
RANK = {"lib": 0, "env": 1, "steps": 2, "hooks": 3, "orchestrator": 4}
objs = []
for d in RANK:
    p = os.path.join(build, d)
    if os.path.isdir(p):
        # only objects whose source still exists (a file moved since the last build leaves one)
        objs += [os.path.join(d, f[:-2] + ".c") for f in sorted(os.listdir(p))
                 if f.endswith(".o") and os.path.exists(os.path.join(d, f[:-2] + ".c"))]
if len(objs) < 20:
    sys.exit(f"layers: only {len(objs)} objects under {build}/: build first (make)")
defs, undefs = {}, defaultdict(set)
for src in objs:
    o = os.path.join(build, src[:-2] + ".o")
    out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefs[src].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRVWG":
            defs.setdefault(parts[2], src)
edges = defaultdict(set)
for src, syms in undefs.items():
    for s in syms:
        t = defs.get(s)
        if t and t != src:
            edges[src].add((t, s))
bad = 0
n_edges = 0
for src in sorted(edges):
    for t, s in sorted(edges[src]):
        n_edges += 1
        if RANK[t.split("/")[0]] > RANK[src.split("/")[0]]:
            print(f"up: {src} -> {t} ({s})"); bad += 1
# circles: Tarjan's strongly connected components over the file graph
graph = {s: {t for t, _ in edges[s]} for s in objs}
index, low, stack, on, sccs, i = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for v in objs:
    if v not in index: visit(v)
for c in sccs:
    bad += 1
    print(f"circle of {len(c)} files: " + " ".join(c))
    cs = set(c)
    for a in c:
        for t, s in sorted(edges[a]):
            if t in cs: print(f"    {a} -> {t} ({s})")
print(f"layers: {len(objs)} files, {n_edges} arrows, {bad} problem(s)")
sys.exit(1 if bad else 0)
