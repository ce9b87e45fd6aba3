#!/usr/bin/python3
"""Run a forkguard binary's test model on every corpus checkout and keep, per
project, the tests it flags (FG101, and FG105 where the binary has it).

    run_tests_model.py FORKGUARD [--corpus DIR] [--out DIR] [NAME...]

For each project of tests.json: `FORKGUARD check --format json --exit-zero
--no-config --select FG101[,FG105] <checkout>/<forkguard.path>` (FG105 only when
`FORKGUARD rules --format json` lists it). --no-config:
the corpus projects have no forkguard configuration, and a stray one must not
change the numbers. Writes OUT/<name>.json (default OUT: /tmp/fg-realworld):
{"forkguard": version, "seconds": s, "findings": {test id: [{"code", "node",
"message", "chain": ["message @ path:line", ...]}]}}, keyed by the normalised
test id (labels.py: the node id without a trailing `[params]`)."""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from labels import normalise  # noqa: E402

CODES = ("FG101", "FG105")


def known_codes(fg):
    """The codes of CODES this binary has (`rules --format json`): a binary
    without FG105 rejects it in --select."""
    p = subprocess.run([fg, "rules", "--format", "json"], capture_output=True, text=True,
                       timeout=60)
    try:
        rules = json.loads(p.stdout)
    except ValueError:
        return list(CODES[:1])
    if isinstance(rules, dict):
        rules = rules.get("rules", [])
    have = {r.get("code") for r in rules if isinstance(r, dict)}
    return [c for c in CODES if c in have] or list(CODES[:1])


def run_one(fg, checkout, project, codes):
    path = checkout / project.get("forkguard", {}).get("path", ".")
    cmd = [fg, "check", "--format", "json", "--exit-zero", "--no-config", "--select",
           ",".join(codes), *project.get("forkguard", {}).get("args", []), str(path)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    secs = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit("%s: forkguard exited %d: %s" % (project["name"], p.returncode,
                                                         p.stderr.strip()[:500]))
    findings = {}
    for d in json.loads(p.stdout)["diagnostics"]:
        if d["code"] not in CODES or not d.get("test"):
            continue
        chain = ["%s @ %s:%d" % (r["message"], r["path"], r["range"]["start"]["line"])
                 for r in d.get("related") or []]
        findings.setdefault(normalise(d["test"]), []).append(
            {"code": d["code"], "node": d["test"], "message": d["message"], "chain": chain})
    return secs, findings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkguard")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--out", default="/tmp/fg-realworld")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    version = subprocess.run([args.forkguard, "--version"], capture_output=True,
                             text=True).stdout.strip()
    manifest = json.loads((HERE / "tests.json").read_text())["projects"]
    codes = known_codes(args.forkguard)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for project in manifest:
        if args.names and project["name"] not in args.names:
            continue
        checkout = Path(args.corpus) / project["name"]
        if not checkout.is_dir():
            print("%s: no checkout at %s (run checkout.sh)" % (project["name"], checkout))
            continue
        secs, findings = run_one(args.forkguard, checkout, project, codes)
        (out / (project["name"] + ".json")).write_text(json.dumps(
            {"forkguard": version, "seconds": round(secs, 2), "findings": findings},
            indent=1, sort_keys=True) + "\n")
        print("%s: %d tests flagged (%.1fs)" % (project["name"], len(findings), secs))


if __name__ == "__main__":
    main()
