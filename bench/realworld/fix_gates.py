#!/usr/bin/env python3
"""Apply `forkguard check --diff --unsafe-fixes` of each corpus checkout to a hard-linked copy
and report the lint/format violations the patch adds to the changed Python files.

    bench/realworld/fix_gates.py build/forkguard [--corpus /work/corpus] [--out DIR] [NAME...]

Gates (Debian has no ruff; these stand in): isort with the project's own isort config when it
has one, else --profile black; black and flake8 (E501, E30x, E402, F401, F811, E999) at the
project's line length ([tool.black] / [tool.ruff] / [tool.isort] / [flake8], default 88).
A violation counts only when the file passed that gate before the patch. The copies are made
with `cp -a` (a file with several hard links is one forkguard refuses to write), so the corpus
is never written.
Writes OUT/gates.json; FINDINGS-fix.md is the hand review of the same diffs.
"""
import argparse, os, re, subprocess, sys, json, shutil, tempfile, tomllib, configparser
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("forkguard"); ap.add_argument("--corpus", default="/work/corpus")
ap.add_argument("--out", default=""); ap.add_argument("names", nargs="*")
A = ap.parse_intermixed_args()
CORPUS = A.corpus; OUT = A.out or tempfile.mkdtemp(prefix="fgfix-")
BIN = os.path.abspath(A.forkguard)
def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True); return p.returncode, p.stdout + p.stderr
def linelen(root):
    L = None
    try:
        t = tomllib.load(open(f"{root}/pyproject.toml", "rb"))
        tl = t.get("tool", {})
        L = tl.get("black", {}).get("line-length") or tl.get("ruff", {}).get("line-length") or tl.get("isort", {}).get("line_length")
    except Exception: pass
    for f in ("ruff.toml", ".ruff.toml"):
        if not L and os.path.exists(f"{root}/{f}"):
            try: L = tomllib.load(open(f"{root}/{f}", "rb")).get("line-length")
            except Exception: pass
    for f in ("setup.cfg", "tox.ini", ".flake8"):
        if not L and os.path.exists(f"{root}/{f}"):
            c = configparser.ConfigParser(interpolation=None)
            try:
                c.read(f"{root}/{f}")
                if c.has_option("flake8", "max-line-length"): L = int(c.get("flake8", "max-line-length"))
            except Exception: pass
    return L or 88
def has_isort_cfg(root):
    if os.path.exists(f"{root}/.isort.cfg"): return True
    try:
        if "isort" in tomllib.load(open(f"{root}/pyproject.toml", "rb")).get("tool", {}): return True
    except Exception: pass
    for f in ("setup.cfg", "tox.ini"):
        c = configparser.ConfigParser(interpolation=None)
        try:
            c.read(f"{root}/{f}")
            if c.has_section("isort") or c.has_section("tool:isort"): return True
        except Exception: pass
    return False
def gates(root, files, L):
    res = {}
    for f in files:
        r = {}
        own = has_isort_cfg(root)
        cmd = ["isort", "--check-only", "--settings-path", root, f] if own else ["isort", "--check-only", "--profile", "black", "--line-length", str(L), f]
        rc, o = sh(cmd, cwd=root); r["isort"] = rc != 0
        rc, o = sh(["black", "--check", "-q", "--line-length", str(L), f], cwd=root); r["black"] = rc == 1
        rc, o = sh(["flake8", "--isolated", f"--max-line-length={L}", "--select=E501,E302,E303,E305,E402,F401,F811,E999", f], cwd=root)
        r["flake8"] = sorted(set(re.findall(r": ([EF]\d+) ", o)))
        res[f] = r
    return res
only = A.names
report = {}
for p in sorted(os.listdir(CORPUS)):
    if only and p not in only: continue
    # a private copy of the whole tree (first-party detection needs it; without .git). Not
    # hard-linked: forkguard refuses to write files with several links, and --diff shows
    # exactly what --fix would write, so a linked copy would show nothing
    dst = f"{OUT}/{p}"; shutil.rmtree(dst, ignore_errors=True); os.makedirs(OUT, exist_ok=True)
    sh(["cp", "-a", f"{CORPUS}/{p}", dst]); shutil.rmtree(f"{dst}/.git", ignore_errors=True)
    diff = subprocess.run([BIN, "check", "--diff", "--unsafe-fixes", dst], capture_output=True, text=True).stdout
    if not diff.strip():
        shutil.rmtree(dst, ignore_errors=True); continue
    dfile = f"{OUT}/{p}.diff"; open(dfile, "w").write(diff)
    files = re.findall(r"(?m)^\+\+\+ b/(.*)$", diff)
    pyfiles = [f for f in files if f.endswith(".py")]
    rc, o = sh(["patch", "-s", "-p1", "-i", dfile], cwd=dst)
    L = linelen(f"{CORPUS}/{p}")
    before = gates(f"{CORPUS}/{p}", pyfiles, L); after = gates(dst, pyfiles, L)
    newv = {}
    for f in pyfiles:
        b, a = before[f], after[f]
        n = [g for g in ("isort", "black") if a[g] and not b[g]] + [c for c in a["flake8"] if c not in b["flake8"]]
        if n: newv[f] = n
    hunks = diff.count("\n@@")
    report[p] = {"files": len(files), "hunks": hunks, "patch_ok": rc == 0, "line_length": L, "new_violations": newv}
    print(p, json.dumps(report[p]), flush=True)
    shutil.rmtree(dst, ignore_errors=True)
json.dump(report, open(f"{OUT}/gates.json", "w"), indent=1)
print("written:", f"{OUT}/gates.json")
