#!/usr/bin/python3
"""Run a corpus project's own test suite with the runtime recorder and keep
what it saw: which tests started processes (bench/realworld/observed/<name>.json).

    observe.py [--corpus DIR] [--time-only] NAME...

The command is the project's `truth.command` in tests.json (pytest arguments, run
as `/usr/bin/python3 -m pytest -p no:cacheprovider -p forkguard_recorder ARGS` from
the checkout, with `truth.pythonpath` entries of the checkout on PYTHONPATH and
`truth.env`). Debian packages named in `truth.debian` must be installed first.
With --time-only [--repeat N] the suite runs N times without and N times with
the recorder, alternately, and only the wall times and their medians are
printed with the CPU time (user + system) of the whole process tree, which a
loaded machine disturbs less than the wall time (the recorder's overhead)."""
import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROBE = ROOT / "lint" / "probe"
sys.path.insert(0, str(PROBE))
import forkguard_recorder  # noqa: E402  (the reference merge)


def load_manifest():
    return {p["name"]: p for p in json.loads((HERE / "tests.json").read_text())["projects"]}


def run(project, checkout, probe_dir):
    truth = project["truth"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FORKGUARD_PROBE"))}
    paths = [str(checkout / p) for p in truth.get("pythonpath", ["."])]
    if probe_dir is not None:
        paths.insert(0, str(PROBE))
        env["FORKGUARD_PROBE_DIR"] = str(probe_dir)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(truth.get("env", {}))
    cmd = ["timeout", "-s", "KILL", str(truth.get("timeout", 1200)), "/usr/bin/python3", "-m",
           "pytest", "-p", "no:cacheprovider"]
    if probe_dir is not None:
        cmd += ["-p", "forkguard_recorder"]
    cmd += truth["command"]
    t0 = time.monotonic()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Output to a file, not a pipe, and the run in its own session: a suite that
    # leaves a child behind (a spawned server that outlives its test) would hold a
    # pipe open forever; what is left of the session is killed afterwards.
    with tempfile.TemporaryFile(mode="w+") as log:
        p = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
        rc = p.wait()
        secs = time.monotonic() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.seek(0)
        output = log.read()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return rc, secs, output, cpu


def summary_line(output):
    lines = [l for l in output.splitlines() if l.strip()]
    for line in reversed(lines):
        if " in " in line and any(w in line for w in ("passed", "failed", "error")):
            return line.strip("= ")
    return lines[-1] if lines else ""


def observe(project, checkout):
    with tempfile.TemporaryDirectory(prefix="fg-observe-") as tmp:
        probe_dir = Path(tmp) / "probe"
        rc, secs, output, _ = run(project, checkout, probe_dir)
        merged = forkguard_recorder.merge(str(probe_dir))
    raw = Path(os.environ.get("FG_OBSERVE_RAW", "/tmp")) / ("fg-observed-%s.json" % project["name"])
    raw.write_text(json.dumps(merged))
    pool = {}
    for nodeid, entry in merged["tests"].items():
        if not entry["starts"]:
            continue
        pool[nodeid] = {
            "phases": sorted({s["phase"] for s in entry["starts"]}),
            "methods": entry["methods"],
            "via": sorted({s.get("via") or s["api"] for s in entry["starts"]}),
            "sites": sorted({"%s:%d" % (s["site"]["path"], s["site"]["line"])
                             for s in entry["starts"] if s.get("site")}),
            "forked_with_threads": entry["forked_with_threads"],
            "starts": len(entry["starts"]),
        }
    files = sorted({n.split("::")[0] for n in merged["tests"]})
    not_passed = {}
    for nodeid, entry in merged["tests"].items():
        bad = sorted({o for o in entry["outcomes"].values() if o != "passed"})
        if bad:
            not_passed[nodeid] = "/".join(bad)
    execs = sorted(n for n, e in merged["tests"].items() if e["execs"] and not e["starts"])
    return {
        "command": project["truth"]["command"], "exit": rc, "seconds": round(secs, 1),
        "summary": summary_line(output), "tests_run": len(merged["tests"]),
        "files_run": files, "pool_tests": pool, "exec_only_tests": execs,
        "not_passed": not_passed,
        "outside_tests": [{"phase": s["phase"], "via": s.get("via") or s["api"],
                           "site": s.get("site")} for s in merged["outside_tests"]
                          if s["kind"] == "start"],
        "unfinished": [{"test": u["test"], "phase": u["phase"]} for u in merged["unfinished"]],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--time-only", action="store_true")
    ap.add_argument("--repeat", type=int, default=1,
                    help="with --time-only: runs of each kind, alternated; medians are kept")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    manifest = load_manifest()
    for name in args.names:
        project = manifest[name]
        checkout = Path(args.corpus) / name
        if args.time_only:
            plain, probed, cpu_plain, cpu_probed, summaries = [], [], [], [], []
            for _ in range(args.repeat):
                rc0, secs0, out0, c0 = run(project, checkout, None)
                with tempfile.TemporaryDirectory() as tmp:
                    rc1, secs1, out1, c1 = run(project, checkout, Path(tmp) / "probe")
                plain.append(secs0)
                probed.append(secs1)
                cpu_plain.append(c0)
                cpu_probed.append(c1)
                summaries.append((summary_line(out0), summary_line(out1)))
            p0, p1 = statistics.median(plain), statistics.median(probed)
            q0, q1 = statistics.median(cpu_plain), statistics.median(cpu_probed)
            print(json.dumps({"name": name, "wall_plain": [round(x, 2) for x in plain],
                              "wall_recorded": [round(x, 2) for x in probed],
                              "cpu_plain": [round(x, 2) for x in cpu_plain],
                              "cpu_recorded": [round(x, 2) for x in cpu_probed],
                              "wall_overhead_percent": round((p1 - p0) / p0 * 100, 2),
                              "cpu_overhead_percent": round((q1 - q0) / q0 * 100, 2),
                              "load_average": os.getloadavg()[0],
                              "summaries": summaries}))
            continue
        result = observe(project, checkout)
        out = HERE / "observed" / (name + ".json")
        out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        print("%s: exit %d, %.0fs, %d tests, %d started processes; %s"
              % (name, result["exit"], result["seconds"], result["tests_run"],
                 len(result["pool_tests"]), result["summary"]))


if __name__ == "__main__":
    main()
