#!/usr/bin/python3
"""forkguard beside its anchors (SPEC §12), in one round-robin run.

    bench/bench.py build/forkguard [--trees stdlib,synth20k,...] [--runs 5]
                   [--ref-runs 3] [--work DIR] [--corpus DIR] [--stdlib DIR]

For each tree it times, in turns (round robin, after one warm-up of each):

  grep      grep -rlE 'ProcessPool|multiprocessing' TREE    (the I/O floor)
  scan      fg-scan-floor TREE    discovery, read and word scan, no parse
  cold      forkguard check TREE with no cache (.forkguard_cache removed)
  warm      forkguard check TREE again, nothing changed (the stored report)
  model     the same with FORKGUARD_RUN_CACHE=0: summaries from the cache,
            the model built again
  one       one file changed, then `forkguard check TREE/FILE` (pre-commit)
  ast-grep  ast-grep run -p 'ProcessPoolExecutor($$$)' -l python TREE
  ast-ref   bench/ast_ref.py TREE (stdlib `ast` with a substring prefilter)

and prints the medians, the ratios to grep and to the `ast` reference, the
peak RSS of each forkguard command (wait4's rusage of that child) and the
files forkguard read and parsed (FORKGUARD_STATS). ast-grep and ast-ref
run --ref-runs times (they are slow on big trees).

Trees (built once under --work, default /tmp/fg-bench, kept between runs):
  stdlib      the .py files of a full CPython standard library (with test/):
              --stdlib, default the first of /root/.pyenv/versions/*/lib/
              python3.* (3.11 first) or the running interpreter's with test/
  synthNk     bench/gen_repo.py --files N*1000 (1k, 5k, 20k, 50k)
  decoy20k    bench/gen_repo.py --files 20000 --decoys
  mono        every project under --corpus (default /work/corpus), hard
              links without .git, side by side under one root
ast-grep comes from npm (@ast-grep/cli) into WORK/tools on first use.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ALL_TREES = "stdlib,synth1k,synth5k,synth20k,synth50k,decoy20k,mono"
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".forkguard_cache"}


# ---- trees ------------------------------------------------------------------

def find_stdlib(given):
    if given:
        return given
    # SPEC §12 measures 3.11's (1,790 files)
    cands = sorted(glob.glob("/root/.pyenv/versions/*/lib/python3.*"),
                   key=lambda c: (not c.endswith("python3.11"), c))
    cands.append(sysconfig.get_paths()["stdlib"])
    for c in cands:
        if os.path.isdir(os.path.join(c, "test")):
            return c
    sys.exit("no standard library with test/ found: pass --stdlib DIR")


def copy_py(src, dst):
    """The .py files of a CPython lib directory, without site-packages."""
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        dirs[:] = sorted(d for d in dirs if not (rel == "." and d == "site-packages"))
        for f in files:
            if f.endswith(".py"):
                os.makedirs(os.path.join(dst, rel), exist_ok=True)
                shutil.copy2(os.path.join(root, f), os.path.join(dst, rel, f))


def link_tree(src, dst):
    """Hard links of every file under src but .git (the corpus stays read-only:
    the benchmark replaces a file by rename, never writes through a link)."""
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            s = os.path.join(root, f)
            if os.path.islink(s) or not os.path.isfile(s):
                continue
            try:
                os.link(s, os.path.join(dst, rel, f))
            except OSError:
                shutil.copy2(s, os.path.join(dst, rel, f))


def make_mono(corpus, dst):
    for name in sorted(os.listdir(corpus)):
        if os.path.isdir(os.path.join(corpus, name)):
            link_tree(os.path.join(corpus, name), os.path.join(dst, name))
    with open(os.path.join(dst, "pyproject.toml"), "w") as f:
        f.write('[project]\nname = "mono"\nversion = "0"\n')


def prepare(name, a):
    path = os.path.join(a.work, name)
    stamp = os.path.join(a.work, f".{name}.done")
    if os.path.exists(stamp):
        return path
    shutil.rmtree(path, ignore_errors=True)
    print(f"building {name} in {path} ...", file=sys.stderr, flush=True)
    gen = [sys.executable, os.path.join(HERE, "gen_repo.py"), path]
    if name == "stdlib":
        copy_py(find_stdlib(a.stdlib), path)
        with open(os.path.join(path, "pyproject.toml"), "w") as f:
            f.write('[project]\nname = "stdlib"\nversion = "0"\n')
    elif name.startswith("synth") and name.endswith("k"):
        subprocess.run(gen + ["--files", str(int(name[5:-1]) * 1000)], check=True,
                       stdout=subprocess.DEVNULL)
    elif name.startswith("decoy") and name.endswith("k"):
        subprocess.run(gen + ["--files", str(int(name[5:-1]) * 1000), "--decoys"],
                       check=True, stdout=subprocess.DEVNULL)
    elif name == "mono":
        make_mono(a.corpus, path)
    else:
        sys.exit(f"unknown tree {name}")
    open(stamp, "w").close()
    return path


def tree_facts(path):
    files = size = 0
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for f in names:
            if f.endswith(".py"):
                files += 1
                size += os.path.getsize(os.path.join(root, f))
    return files, size


def pick_file(path):
    """The file the pre-commit case changes: the middle test file."""
    tests = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        tests += [os.path.join(root, f) for f in sorted(names)
                  if f.startswith("test_") and f.endswith(".py")]
    return tests[len(tests) // 2] if tests else None


def replace_file(path, data):
    """Writes by rename: a hard-linked original is left as it was."""
    tmp = path + ".fg-bench-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---- running ------------------------------------------------------------------

def run(cmd, env=None):
    """Wall seconds, peak RSS (KiB) and stderr of one command."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {err.decode(errors='replace')}")
    return dt, ru.ru_maxrss, err.decode(errors="replace")


def stats_of(err):
    for line in err.splitlines():
        if line.startswith("forkguard: stats: "):
            return dict(kv.split("=", 1) for kv in line[len("forkguard: stats: "):].split())
    return {}


def ast_grep(a):
    exe = a.ast_grep or os.path.join(a.work, "tools", "node_modules", ".bin", "ast-grep")
    if not os.path.exists(exe):
        os.makedirs(os.path.join(a.work, "tools"), exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", os.path.join(a.work, "tools"),
                        "--no-audit", "--no-fund", "@ast-grep/cli"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return exe


def bench_tree(name, a, fg, floor, sg):
    path = prepare(name, a)
    files, size = tree_facts(path)
    target = pick_file(path)
    original = open(target, "rb").read() if target else None
    cache = os.path.join(path, ".forkguard_cache")
    env = dict(os.environ, FORKGUARD_STATS="1")
    check = [fg, "check", "--exit-zero", "--quiet", "--format", "json"]
    if a.jobs:
        check += ["--jobs", str(a.jobs)]
    edits = [0]

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        return run(check + [path], env)

    def one():
        edits[0] += 1
        replace_file(target, original + b"\n# bench edit %d\n" % edits[0])
        return run(check + [target], env)

    cmds = [
        ("grep", lambda: run(["grep", "-rlE", "ProcessPool|multiprocessing", path]), a.runs),
        ("scan", lambda: run([floor, path]), a.runs),
        ("cold", cold, a.runs),
        ("warm", lambda: run(check + [path], env), a.runs),
        ("model", lambda: run(check + [path], dict(env, FORKGUARD_RUN_CACHE="0")), a.runs),
        ("one", one if target else None, a.runs),
        ("ast-grep", lambda: run([sg, "run", "-p", "ProcessPoolExecutor($$$)", "-l", "python",
                                  path]), a.ref_runs),
        ("ast-ref", lambda: run([sys.executable, os.path.join(HERE, "ast_ref.py"), path]),
         a.ref_runs),
    ]
    cmds = [c for c in cmds if c[1] and c[0] not in a.skip]
    res = {c[0]: {"t": [], "rss": [], "stats": {}} for c in cmds}
    try:
        for c in cmds:  # warm-up: page cache, the cache directory for `warm`
            c[1]()
        for r in range(max(a.runs, a.ref_runs)):
            for key, fn, n in cmds:
                if r >= n:
                    continue
                dt, rss, err = fn()
                res[key]["t"].append(dt)
                res[key]["rss"].append(rss)
                res[key]["stats"] = stats_of(err) or res[key]["stats"]
    finally:
        if target:
            replace_file(target, original)
    out = {"tree": name, "files": files, "bytes": size,
           "changed": os.path.relpath(target, path) if target else None}
    for key, v in res.items():
        out[key] = {"median": statistics.median(v["t"]), "runs": len(v["t"]),
                    "rss_mib": max(v["rss"]) / 1024, "stats": v["stats"]}
    return out


# ---- the table -----------------------------------------------------------------

def fmt_row(r):
    def t(k):
        return f"{r[k]['median']:.3f}" if k in r else "-"

    def ratio(k, base="grep"):
        return f"{r[k]['median'] / r[base]['median']:.1f}x" if k in r and base in r else "-"

    def rss(k):
        return f"{r[k]['rss_mib']:.0f}" if k in r else "-"

    cold = r.get("cold", {}).get("stats", {})
    ref = f"{r['cold']['median'] / r['ast-ref']['median']:.2f}" if "cold" in r and "ast-ref" in r else "-"
    return (f"| {r['tree']} | {r['files']} | {r['bytes'] / 1e6:.1f} | {t('grep')} | {t('scan')} "
            f"({ratio('scan')}) | {t('cold')} ({ratio('cold')}) | {t('warm')} ({ratio('warm')}) "
            f"| {t('model')} ({ratio('model')}) "
            f"| {t('one')} ({ratio('one')}) | {t('ast-grep')} | {t('ast-ref')} | {ref} "
            f"| {rss('cold')}/{rss('warm')}/{rss('model')}/{rss('one')} "
            f"| {cold.get('parsed', '-')} |")


HEADER = ("| tree | .py files | MB | grep s | scan s (x grep) | cold s (x grep) | warm s (x grep) "
          "| model s (x grep) | one changed s (x grep) | ast-grep s | ast-ref s | cold / ast-ref "
          "| RSS MiB cold/warm/model/one | parsed |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("forkguard")
    ap.add_argument("--trees", default=ALL_TREES)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ref-runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="forkguard --jobs (default: its own)")
    ap.add_argument("--work", default="/tmp/fg-bench")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--stdlib")
    ap.add_argument("--ast-grep")
    ap.add_argument("--skip", default="", help="commands to leave out, e.g. ast-grep,ast-ref")
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()
    a.skip = set(filter(None, a.skip.split(",")))
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    fg = os.path.abspath(a.forkguard)
    floor = os.path.join(os.path.dirname(fg), "fg-scan-floor")
    sg = ast_grep(a) if "ast-grep" not in a.skip else None
    print(f"load average at start: {os.getloadavg()}", flush=True)
    rows = []
    for name in a.trees.split(","):
        r = bench_tree(name, a, fg, floor, sg)
        rows.append(r)
        print(fmt_row(r), flush=True)
    print(f"load average at end: {os.getloadavg()}")
    print()
    print(HEADER)
    for r in rows:
        print(fmt_row(r))
    by = {r["tree"]: r for r in rows}
    if "synth20k" in by and "synth50k" in by and "cold" in by["synth20k"]:
        g = by["synth50k"]["cold"]["median"] / by["synth20k"]["cold"]["median"]
        print(f"\ncold 20k -> 50k: x{g:.2f} (budget x2.7)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
