#!/usr/bin/python3
"""`forkguard probe` against `forkguard check` on corpus projects: what the
project's own test run saw start processes, and what the static analysis says.

    probe_vs_check.py [--corpus DIR] [--bin FORKGUARD] [--details] NAME...

For each project: `forkguard probe --python /usr/bin/python3 --timeout T -- ARGS`
in the checkout (ARGS, T and PYTHONPATH from the manifest's `truth`, as
observe.py runs it), then `forkguard check --format json --exit-zero --no-config`
on it, which reads the fresh .forkguard/observed.json. The probe writes only
.forkguard/ in the checkout: point --corpus at your own clones (git clone
/work/corpus/NAME DIR/NAME), not at checkouts others use.

Tests are compared as functions (node ids without parameters, as the labels
are): observed = started a process in the run; FG101 = the static finding;
FG106 = what check reports from the run alone. Prints one JSON line per
project, and with --details the test ids of each set."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def base(nodeid):
    sep = nodeid.find("::")
    br = nodeid.find("[", sep) if sep >= 0 else -1
    return nodeid[:br] if br >= 0 else nodeid


def compare(project, checkout, fg):
    truth = project["truth"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FORKGUARD_")) and k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join(str(checkout / p) for p in truth.get("pythonpath", ["."]))
    env.update(truth.get("env", {}))
    cmd = [fg, "probe", "--python", "/usr/bin/python3", "--timeout",
           str(truth.get("timeout", 1200)), "--", *truth["command"]]
    t0 = time.monotonic()
    # output to a file, not a pipe: nothing the suite leaves behind can hold it
    with tempfile.TemporaryFile(mode="w+") as log:
        p = subprocess.run(cmd, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
                           text=True)
        seconds = time.monotonic() - t0
        log.seek(0)
        output = log.read()
    summary = [l.strip("= ") for l in output.splitlines()
               if " in " in l and any(w in l for w in ("passed", "failed", "error"))]
    obs = json.loads((checkout / ".forkguard" / "observed.json").read_text())
    c = subprocess.run([fg, "check", "--format", "json", "--exit-zero", "--no-config",
                        str(checkout)], capture_output=True, text=True)
    if c.returncode != 0:
        sys.exit(f"{project['name']}: check failed: {c.stderr}")
    diags = json.loads(c.stdout)["diagnostics"]
    ran = {base(n) for n in obs["tests"]}
    observed = {base(n) for n, t in obs["tests"].items() if t["starts"]}
    fg101 = {d["test"] for d in diags if d["code"] == "FG101"}
    fg106 = {d["test"] for d in diags if d["code"] == "FG106"}
    notes = {d["test"]: [n for n in d["notes"] if "probe run" in n] for d in diags
             if d["code"] == "FG101"}
    forks_with_threads = {base(n) for n, t in obs["tests"].items()
                          if any(s["forks"] and s["threads"] for s in t["starts"])}
    methods = {}
    for t in obs["tests"].values():
        for s in t["starts"]:
            methods[s["method"] or "unknown"] = methods.get(s["method"] or "unknown", 0) + 1
    fg301 = [n for d in diags if d["code"] == "FG301" for n in d["notes"]
             if n.startswith("observed in the probe run")]
    sets = {
        "observed_and_fg101": sorted(observed & fg101),
        "observed_only_fg106": sorted(fg106),
        "observed_not_reported": sorted(observed - fg101 - fg106),
        "fg101_ran_not_observed": sorted((fg101 & ran) - observed),
        "fg101_not_run": sorted(fg101 - ran),
    }
    return {
        "name": project["name"], "probe_exit": p.returncode, "probe_seconds": round(seconds),
        "pytest_summary": summary[-1] if summary else None,
        "left_behind_stopped": "left running in its process group were stopped" in output,
        "tests_ran": len(ran), "observed": len(observed), "fg101": len(fg101),
        "fg106": len(fg106), "forks_with_threads": len(forks_with_threads),
        "start_methods": methods, "fg301_notes": len(fg301),
        **{k: len(v) for k, v in sets.items()},
        "details": sets, "notes_sample": {k: v for k, v in list(notes.items())[:3]},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="your own clones of the checkouts")
    ap.add_argument("--bin", default=str(ROOT / "build" / "forkguard"))
    ap.add_argument("--details", action="store_true")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    manifest = {p["name"]: p for p in json.loads((HERE / "tests.json").read_text())["projects"]}
    for name in args.names:
        res = compare(manifest[name], Path(args.corpus) / name, os.path.abspath(args.bin))
        if not args.details:
            res.pop("details")
            res.pop("notes_sample")
        print(json.dumps(res, indent=1 if args.details else None))


if __name__ == "__main__":
    main()
