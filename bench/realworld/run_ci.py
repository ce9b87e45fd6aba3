#!/usr/bin/env python3
"""Compare forkguard's CI model with the hand-reviewed runs of bench/realworld/ci.json.

    bench/realworld/run_ci.py build/forkguard [--corpus /work/corpus] [--only NAME,...]
                              [--manifest bench/realworld/ci.json] [--json OUT.json]

For each project of the manifest, runs on its checkout (CORPUS/<owner>+<name>, at the
pinned commit):

  forkguard check --format json --exit-zero --select FG201,FG202,FG203,FG301
  forkguard runs --format json          (when the binary has that command)

and compares FG201 ("parallel run selects pool tests") with the manifest:

  reported   an expected run (xdist on and selects pool tests) that an FG201 points at
  missed     an expected run no FG201 points at; "test model" when forkguard's test
             model sees no pool test in the whole project (the CI model is then not the
             cause), else "CI model"
  false      an FG201 that matches no expected run: a run with xdist off, one that selects
             no pool test, a listed non-run (--notest, an env CI never runs...) or nothing
             listed at all (unlisted)
  cells      for a reported run whose cells are listed, whether FG201's cells equal them
             (count and names; "unknown OS/Python" is wrong)
  merged     one FG201 covering several expected runs at the same place (one run per
             distinct expansion is wanted)

An FG201 matches a manifest run when its path is the run's workflow file, its line is the
run's line (or within line..line_end) and, when the manifest names a launcher env
(`via`, e.g. "tox env py310"), the FG201's "via ..." ends with it.

--probe separates the CI model from the test model: each checkout is copied (hard links,
outside the corpus) and a module that certainly starts a process pool,
PROBE_DIR/test_fgprobe_pool.py (or the manifest's `probe_name`, for a project whose
python_files would not collect that name), is added; then the expected runs are the runs whose
selection includes that module (`probe` in the manifest: the pool runs, and the parallel
runs without pool tests that collect PROBE_DIR), and any FG201 elsewhere is false.

Prints a markdown table per project and the totals; --json writes the same as data.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import shutil
import tempfile

SELECT = "FG201,FG202,FG203,FG301"

PROBE_NAME = "test_fgprobe_pool.py"
PROBE = """from concurrent.futures import ProcessPoolExecutor


def test_fgprobe_pool():
    with ProcessPoolExecutor(max_workers=2) as ex:
        assert ex.submit(abs, -1).result() == 1
"""


def probe_copy(checkout, probe_dir, tmp, name=PROBE_NAME):
    """A hard-linked copy of checkout (cheap; nothing in it is written) with the probe
    module added as a new file (name: a file name the project's python_files collects)."""
    dest = os.path.join(tmp, os.path.basename(checkout))
    rc, _, err = run(["cp", "-al", checkout, dest])
    if rc != 0:
        return None, err.strip()[:200]
    d = os.path.join(dest, probe_dir)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(PROBE)
    return dest, None


def run(cmd, timeout=600):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def note(diag, prefix):
    for n in diag.get("notes", []):
        if n.startswith(prefix):
            return n[len(prefix):]
    return None


def parse_cells(text):
    """'a × b, c × d (+3 more)' -> (['a × b', 'c × d'], 5)."""
    if text is None:
        return [], 0
    text = re.sub(r"\s*\(unknown OS or Python counts as .*\)$", "", text)
    more = 0
    m = re.search(r"\s*\(\+(\d+) more\)$", text)
    if m:
        more = int(m.group(1))
        text = text[: m.start()]
    cells = [norm_cell(c) for c in text.split(", ") if c.strip()]
    return cells, len(cells) + more


def norm_cell(c):
    return re.sub(r"\s*\u00d7\s*", " \u00d7 ", c.strip())


def via_of(diag):
    where = note(diag, "runs in: ") or ""
    where = re.sub(r" \(position approximate.*\)$", "", where)
    i = where.find(" via ")
    return where[i + 5:] if i >= 0 else ""


def fg201s(binary, checkout):
    rc, out, err = run([binary, "check", "--format", "json", "--exit-zero", "--select", SELECT, checkout])
    if rc != 0:
        return None, f"check exited {rc}: {err.strip()[:200]}"
    data = json.loads(out)
    diags = []
    for d in data["diagnostics"]:
        if d["code"] != "FG201":
            continue
        cells, ncells = parse_cells(note(d, "cells: "))
        m = re.search(r"selects (\d+) test", d["message"])
        diags.append({
            "path": d["path"], "line": d["range"]["start"]["line"], "via": via_of(d),
            "cells": cells, "ncells": ncells, "selects": int(m.group(1)) if m else None,
            "message": d["message"],
        })
    counts = {}
    for d in data["diagnostics"]:
        counts[d["code"]] = counts.get(d["code"], 0) + 1
    return {"fg201": diags, "counts": counts}, None


def pool_tests_seen(binary, checkout):
    """Every test forkguard's test model sees as starting processes: FG101 with a marker
    no project uses, so that marked pool tests are listed too."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('marker = "fgbench_unused_marker"\n')
        cfg = f.name
    try:
        rc, out, _ = run([binary, "check", "--config", cfg, "--format", "json", "--exit-zero",
                          "--select", "FG101", checkout])
    finally:
        os.unlink(cfg)
    if rc != 0:
        return None
    return sorted({d["test"] for d in json.loads(out)["diagnostics"] if d.get("test")})


def runs_command(binary, checkout):
    """forkguard runs --format json, or None when the binary has no such command."""
    rc, out, err = run([binary, "runs", "--format", "json", checkout])
    if rc == 2 and ("unknown command" in err or "usage" in err.lower()):
        return None, err.strip()
    if rc not in (0, 1):
        return None, f"runs exited {rc}: {err.strip()[:200]}"
    try:
        data = json.loads(out)
    except ValueError as e:
        return None, f"runs printed no JSON ({e})"
    return data, None


def runs_list(data):
    """The list of runs from `forkguard runs --format json`, whatever its wrapping."""
    if isinstance(data, list):
        return data
    for key in ("runs", "pytest_runs", "items"):
        if isinstance(data.get(key), list):
            return data[key]
    return []


def run_place(r):
    """(path, line, via) of one entry of `forkguard runs` output, tolerant of field names."""
    path = r.get("path") or r.get("file") or (r.get("workflow") if isinstance(r.get("workflow"), str) else None)
    line = r.get("line")
    if line is None and isinstance(r.get("range"), dict):
        line = r["range"].get("start", {}).get("line")
    if line is None and isinstance(r.get("start"), dict):
        line = r["start"].get("line")
    via = r.get("via") or ""
    if isinstance(via, list):
        via = " › ".join(str(v) for v in via)
    return path, line, str(via)


def matches(m, path, line, via):
    if path != m["path"] or line is None:
        return False
    lo, hi = m["line"], m.get("line_end", m["line"])
    if not lo <= line <= hi:
        return False
    want = m.get("via")
    if want and not via.endswith(want):
        return False
    return True


def fill_cells(fg, data):
    """An FG201's cells note lists a few cells and "(+N more)": take the whole list from
    the `forkguard runs` entry it reports (same place, FG201 among its rules, the
    listed cells first), so the cells are compared in full."""
    if not data:
        return
    runs = runs_list(data)
    for d in fg["fg201"]:
        if d["ncells"] <= len(d["cells"]):
            continue
        for r in runs:
            path, line, via = run_place(r)
            if (path, line) != (d["path"], d["line"]) or via != (d["via"] or ""):
                continue
            if "FG201" not in (r.get("reported") or []):
                continue
            full = [norm_cell(f"{c.get('os') or 'unknown OS'} \u00d7 {c.get('python') or 'unknown Python'}")
                    for c in r.get("cells", [])]
            if len(full) == d["ncells"] and full[:len(d["cells"])] == d["cells"]:
                d["cells"] = full
                break


def cell_list(cells):
    return [norm_cell(c) for c in cells] if isinstance(cells, list) else None


def compare_project(p, fg, seen, probe=False):

    def wanted(r):
        return r.get("probe", False) if probe else r["expect"] == "report"

    expected = [r for r in p["runs"] if wanted(r)]
    rows, false = [], []
    hit = {r["id"]: [] for r in p["runs"]}
    for d in fg["fg201"]:
        runs = [r for r in p["runs"] if matches(r["match"], d["path"], d["line"], d["via"])]
        # a diagnostic naming a launcher env matches the runs that name that env first
        named = [r for r in runs if r["match"].get("via")]
        if named:
            runs = named
        exp = [r for r in runs if wanted(r)]
        for r in runs:
            hit[r["id"]].append(d)
        if exp:
            d["matched"] = [r["id"] for r in exp]
            continue
        if runs:
            r = runs[0]
            why = "xdist off" if not r["xdist"] else ("selects no pool test" if r["pool"] == "no" else "pool tests unknown")
            false.append((d, f"{why} ({r['id']})"))
            continue
        nr = [n for n in p.get("non_runs", []) if matches(n["match"], d["path"], d["line"], d["via"])]
        if nr:
            false.append((d, "not a test run: " + nr[0]["why"]))
        else:
            false.append((d, "unlisted"))
    nreported = nmissed = nmiss_tm = nwrong = nmerged = 0
    for r in expected:
        ds = [d for d in hit[r["id"]] if r["id"] in d.get("matched", [])]
        if not ds:
            nmissed += 1
            tm = seen is not None and not seen
            tm = tm and not probe
            nmiss_tm += tm
            rows.append((r, "missed" + (" (test model sees no pool test)" if tm else " (CI model)"), "-"))
            continue
        nreported += 1
        want = cell_list(r["cells"])
        if want is None:
            cells = "not checked (cells described, not listed)"
        else:
            # one FG201 may cover several expected runs: compare with their union;
            # one run a launcher reaches through several envs/sessions gets one FG201
            # each: compare the union of their cells
            union = []
            for d in ds:
                for rid in d["matched"]:
                    other = next(x for x in p["runs"] if x["id"] == rid)
                    for c in cell_list(other["cells"]) or []:
                        if c not in union:
                            union.append(c)
            got, more = [], 0
            for d in ds:
                more += d["ncells"] - len(d["cells"])
                for c in d["cells"]:
                    if c not in got:
                        got.append(c)
            ngot = len(got) + more
            bad = [c for c in got if c not in union or "unknown" in c]
            if ngot != len(union) or bad:
                nwrong += 1
                cells = f"wrong: {ngot} reported vs {len(union)} expected" + (f"; not expected: {', '.join(bad[:3])}" if bad else "")
            else:
                cells = "ok"
        if any(len(d["matched"]) > 1 for d in ds):
            nmerged += 1
        rows.append((r, "reported" + (f" ({len(ds)} FG201)" if len(ds) > 1 else ""), cells))
    return {
        "expected": len(expected), "reported": nreported, "missed": nmissed,
        "missed_test_model": nmiss_tm, "false": len(false), "wrong_cells": nwrong, "merged": nmerged,
        "rows": rows, "false_rows": false,
    }


def compare_runs(p, data):
    """With `forkguard runs`: which manifest runs it lists, and whether it agrees on xdist and
    on selecting pool tests."""
    found = agree_x = agree_pool = 0
    listed = runs_list(data)
    for r in p["runs"]:
        hits = [x for x in listed if matches(r["match"], *run_place(x))]
        if not hits:
            continue
        found += 1
        x = hits[0]
        if bool(x.get("xdist")) == r["xdist"]:
            agree_x += 1
        pt = x.get("pool_tests", x.get("pool_test_count"))
        n = len(pt) if isinstance(pt, list) else (pt or 0)
        if r["pool"] != "unknown" and (n > 0) == (r["pool"] == "yes"):
            agree_pool += 1
    return {"listed": len(listed), "found": found, "xdist_agree": agree_x, "pool_agree": agree_pool}


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("forkguard")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--manifest", default=os.path.join(here, "ci.json"))
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--only", default="", help="comma-separated checkout names or repos")
    ap.add_argument("--json", default="", help="write the comparison as JSON to this file")
    ap.add_argument("--probe", action="store_true", help="add a certain pool test to each project (see above)")
    args = ap.parse_args()

    manifest = json.load(open(args.manifest))
    only = {s for s in args.only.split(",") if s}
    binary = os.path.abspath(args.forkguard)
    out = {"projects": [], "totals": {}}
    tot = {k: 0 for k in ("expected", "reported", "missed", "missed_test_model", "false", "wrong_cells", "merged", "fg201", "fg301")}
    runs_note = None
    for p in manifest["projects"]:
        if only and p["checkout"] not in only and p["repo"] not in only:
            continue
        checkout = os.path.join(args.corpus, p["checkout"])
        print(f"\n### {p['repo']} ({p['commit'][:10]})\n")
        if not os.path.isdir(checkout):
            print(f"checkout missing: {checkout}")
            continue
        rc, head, _ = run(["git", "-C", checkout, "rev-parse", "HEAD"])
        if head.strip() != p["commit"]:
            print(f"note: checkout HEAD {head.strip()[:10]} is not the pinned commit")
        print("launchers: " + ", ".join(p["launchers"]) + "\n")
        tmp = None
        if args.probe:
            if not p.get("probe_dir"):
                print("no probe_dir in the manifest: skipped")
                continue
            tmp = tempfile.mkdtemp(prefix="fgprobe-")
            checkout, perr = probe_copy(checkout, p["probe_dir"], tmp, p.get("probe_name", PROBE_NAME))
            if perr:
                print(perr)
                shutil.rmtree(tmp, ignore_errors=True)
                continue
        try:
            fg, err = fg201s(binary, checkout)
            seen = None if err else pool_tests_seen(binary, checkout)
            data, rerr = (None, None) if err else runs_command(binary, checkout)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        if err:
            print(err)
            continue
        fill_cells(fg, data)
        c = compare_project(p, fg, seen, args.probe)
        tot["fg201"] += fg["counts"].get("FG201", 0)
        tot["fg301"] += fg["counts"].get("FG301", 0)
        for k in ("expected", "reported", "missed", "missed_test_model", "false", "wrong_cells", "merged"):
            tot[k] += c[k]
        print("| run | xdist | pool | expected | forkguard | cells |")
        print("|---|---|---|---|---|---|")
        for r in p["runs"]:
            row = next((x for x in c["rows"] if x[0] is r), None)
            got, cells = (row[1], row[2]) if row else ("-", "-")
            exp = ("report" if r.get("probe") else "none") if args.probe else r["expect"]
            print(f"| {md_escape(r['id'])} | {'on' if r['xdist'] else 'off'} | {r['pool']} | {exp} | {md_escape(got)} | {md_escape(cells)} |")
        for d, why in c["false_rows"]:
            print(f"| FG201 {d['path']}:{d['line']} {md_escape(d['via'])} | | | none | false: {md_escape(why)} | {d['ncells']} cells |")
        print(f"\nFG201 {fg['counts'].get('FG201', 0)}, FG301 {fg['counts'].get('FG301', 0)}; "
              f"pool tests seen by the test model: {len(seen) if seen is not None else '?'}")
        entry = {"repo": p["repo"], "commit": p["commit"], **{k: c[k] for k in tot if k in c},
                 "fg201": fg["counts"].get("FG201", 0), "fg301": fg["counts"].get("FG301", 0),
                 "test_model_pool_tests": len(seen) if seen is not None else None,
                 "runs": [{"id": r["id"], "expect": r["expect"], "forkguard": g, "cells": cl} for r, g, cl in c["rows"]],
                 "false": [{"path": d["path"], "line": d["line"], "via": d["via"], "why": w} for d, w in c["false_rows"]]}
        if data is None:
            runs_note = rerr
        else:
            entry["runs_command"] = compare_runs(p, data)
            rc_ = entry["runs_command"]
            print(f"`forkguard runs`: {rc_['listed']} runs listed; manifest runs found {rc_['found']}/{len(p['runs'])}, "
                  f"xdist agrees {rc_['xdist_agree']}, pool selection agrees {rc_['pool_agree']}")
        out["projects"].append(entry)
    print("\n## Totals\n")
    print(f"projects: {len(out['projects'])}")
    what = "parallel runs selecting the probe pool test" if args.probe else "parallel runs selecting pool tests"
    print(f"{what}: expected {tot['expected']}, reported {tot['reported']}, "
          f"missed {tot['missed']} ({tot['missed_test_model']} where the test model sees no pool test, "
          f"{tot['missed'] - tot['missed_test_model']} CI model), false {tot['false']}")
    print(f"reported with wrong cells: {tot['wrong_cells']}; reported merged with other runs: {tot['merged']}")
    print(f"FG201 total {tot['fg201']}, FG301 total {tot['fg301']}")
    if runs_note is not None:
        print(f"note: `forkguard runs` not available ({runs_note.splitlines()[0] if runs_note else 'no output'}); only FG201 compared")
    out["totals"] = tot
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
