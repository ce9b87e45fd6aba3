#!/usr/bin/python3
"""End-to-end check that a project's CI test steps hang, or pass after the cure.

Reads the GitHub workflows of a project, runs every pytest command found in a
`run:` script on a temporary copy of the project, each under a hard wall-clock
limit, and reads the junit xml of each run to learn which tests ran and how.

    cure.py --project DIR --expect-hang [--limit S]
    cure.py --project DIR --expect-pass [--limit S] [--original DIR] [--pool-test NODEID]...

--expect-hang: at least one run times out or fails.
--expect-pass: every run passes within the limit; together the runs execute
every test exactly once (the tests collected from --original, default the
project itself); each --pool-test (default: the tests collected with
`-m no_parallel`) ran in a run without xdist.

Needs only the standard library and PyYAML. Run it with /usr/bin/python3: the
commands run with a PATH where `python`, `python3` and `pytest` are that
interpreter.
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import yaml

PYTHON = "/usr/bin/python3"
XDIST_OPTS = ("-n", "--numprocesses")
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def _logical_lines(script):
    """The lines of a shell script with backslash-continued lines joined."""
    joined = re.sub(r"[ \t]*\\\r?\n[ \t]*", " ", script)
    return [line.strip() for line in joined.splitlines()]


def _invokes_pytest(words):
    """True when a command's words run pytest (after env assignments and wrappers)."""
    i = 0
    while i < len(words) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i]):
        i += 1
    while i < len(words) and words[i] in ("timeout", "xvfb-run", "env"):
        i += 1
        while i < len(words) and (words[i].startswith("-") or words[i][:1].isdigit()):
            i += 1
    if i >= len(words):
        return False
    prog = os.path.basename(words[i])
    if prog in ("pytest", "py.test"):
        return True
    if re.match(r"^python(\d(\.\d+)?)?$", prog):
        rest = words[i + 1:]
        return len(rest) >= 2 and rest[0] == "-m" and rest[1] in ("pytest", "py.test")
    return False


def _working_dir(*levels):
    for level in levels:
        run = ((level or {}).get("defaults") or {}).get("run") or {}
        if "working-directory" in run:
            return run["working-directory"]
    return "."


def extract_pytest_commands(workflow_path):
    """[(step name, command, working dir)] for every pytest command in the workflow's `run:`s.

    Continued lines are joined; commands that do not run pytest are skipped. The
    working dir is relative to the repository root ("." when not set).
    """
    with open(workflow_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    out = []
    for job_id, job in (doc.get("jobs") or {}).items():
        for index, step in enumerate((job or {}).get("steps") or []):
            script = step.get("run")
            if not isinstance(script, str):
                continue
            name = step.get("name") or "%s step %d" % (job_id, index + 1)
            wd = step.get("working-directory") or _working_dir(job, doc)
            for line in _logical_lines(script):
                if not line or line.startswith("#"):
                    continue
                try:
                    words = shlex.split(line, comments=True)
                except ValueError:
                    continue
                if _invokes_pytest(words):
                    out.append((name, line, wd))
    return out


def _workflow_commands(project_dir):
    wf_dir = os.path.join(project_dir, ".github", "workflows")
    cmds = []
    for entry in sorted(os.listdir(wf_dir)) if os.path.isdir(wf_dir) else []:
        if entry.endswith((".yml", ".yaml")):
            cmds.extend(extract_pytest_commands(os.path.join(wf_dir, entry)))
    return cmds


def _uses_xdist(command):
    """True when the command line turns xdist on (-n N>0, -n auto, -nN, --numprocesses=N)."""
    words = shlex.split(command, comments=True)
    value = None
    for i, w in enumerate(words):
        if w in XDIST_OPTS and i + 1 < len(words):
            value = words[i + 1]
        elif w.startswith("--numprocesses="):
            value = w.split("=", 1)[1]
        elif w.startswith("-n") and len(w) > 2 and not w.startswith("--"):
            value = w[2:].lstrip("=")
    return value is not None and value != "0"


def _tool_bin(root):
    """A directory with python, python3 and pytest that all mean /usr/bin/python3."""
    bindir = os.path.join(root, "bin")
    os.makedirs(bindir)
    for name in ("python", "python3"):
        os.symlink(PYTHON, os.path.join(bindir, name))
    pytest_sh = os.path.join(bindir, "pytest")
    with open(pytest_sh, "w") as f:
        f.write('#!/bin/sh\nexec %s -m pytest "$@"\n' % PYTHON)
    os.chmod(pytest_sh, 0o755)
    return bindir


def _env(bindir):
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONHOME"):
        env.pop(var, None)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _node_ids(junit_path):
    """[(node id, outcome)] from a junit xml written with junit_family=xunit1."""
    out = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        path = case.get("file", "")
        module = path[:-3].replace("/", ".") if path.endswith(".py") else path
        classname = case.get("classname", "")
        parts = [path]
        if classname.startswith(module + "."):
            parts.extend(classname[len(module) + 1:].split("."))
        parts.append(case.get("name", ""))
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag == "failure" else child.tag
                break
        out.append(("::".join(parts), outcome))
    return out


def _run(argv_or_cmd, cwd, env, limit_seconds):
    """Run through bash in its own session; kill the whole group at the limit.

    Returns (returncode or None on timeout, seconds, combined output).
    """
    start = time.monotonic()
    proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", argv_or_cmd],
                            cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=limit_seconds)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        output, _ = proc.communicate()
        rc = None
    return rc, time.monotonic() - start, output.decode("utf-8", "replace")


def run_commands(project_dir, cmds, limit_seconds, work_root=None):
    """Run each (name, command, wd) on project_dir with a hard limit per run.

    project_dir is used as given (callers pass a temporary copy). Each command
    gets `-p no:cacheprovider` (when absent) and a junit xml of its own.
    Returns one dict per run: name, command, xdist, rc (None: timed out),
    seconds, output, tests [(node id, outcome)].
    """
    own_root = work_root is None
    work_root = work_root or tempfile.mkdtemp(prefix="cure-")
    try:
        bindir = os.path.join(work_root, "bin")
        if not os.path.isdir(bindir):
            bindir = _tool_bin(work_root)
        env = _env(bindir)
        results = []
        for i, (name, command, wd) in enumerate(cmds):
            junit = os.path.join(work_root, "junit-%d.xml" % i)
            extra = ["-o", "junit_family=xunit1", "--junitxml=" + junit]
            if not re.search(r"(^|\s)-p\s*no:cacheprovider\b", command):
                extra = ["-p", "no:cacheprovider"] + extra
            # the serial step accepts an empty selection: `pytest ... || test $? -eq 5`;
            # the recorder's options go to pytest, before the `||`
            head, sep, tail = command.partition(" || test $? -eq 5")
            full = head + " " + " ".join(shlex.quote(w) for w in extra) + sep + tail
            rc, seconds, output = _run(full, os.path.join(project_dir, wd), env, limit_seconds)
            tests = _node_ids(junit) if rc is not None and os.path.exists(junit) else []
            results.append({"name": name, "command": full, "xdist": _uses_xdist(command),
                            "rc": rc, "seconds": seconds, "output": output, "tests": tests})
        return results
    finally:
        if own_root:
            shutil.rmtree(work_root, ignore_errors=True)


def collect_node_ids(project_dir, work_root, limit_seconds, extra=""):
    """Node ids that `pytest --collect-only -q` finds in project_dir (testpaths from config)."""
    if not os.path.isdir(os.path.join(work_root, "bin")):
        _tool_bin(work_root)
    env = _env(os.path.join(work_root, "bin"))
    cmd = "python -m pytest --collect-only -q -p no:cacheprovider " + extra
    rc, _, output = _run(cmd, project_dir, env, limit_seconds)
    if rc not in (0, 5):  # 5: nothing collected
        raise RuntimeError("collecting %s failed (rc=%s):\n%s" % (project_dir, rc, output))
    return [line.strip() for line in output.splitlines() if "::" in line and " " not in line.strip()]


def _copy(project_dir, work_root, label):
    dest = os.path.join(work_root, label)
    shutil.copytree(project_dir, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def _report(results):
    for r in results:
        state = "TIMED OUT" if r["rc"] is None else "rc=%d" % r["rc"]
        print("run %r [%s]: %s after %.1fs" % (r["name"], "xdist" if r["xdist"] else "serial",
                                                 state, r["seconds"]))
        print("  $ " + r["command"])
        for node, outcome in r["tests"]:
            print("    %-7s %s" % (outcome, node))
        if r["rc"] != 0:
            tail = r["output"].rstrip().splitlines()[-15:]
            print("  output (last lines):")
            for line in tail:
                print("    | " + line)


def check_pass(results, expected_ids, pool_tests):
    """Problems (empty when the cure works)."""
    problems = []
    seen = {}
    for r in results:
        if r["rc"] is None:
            problems.append("%r timed out" % r["name"])
        elif r["rc"] != 0:
            problems.append("%r exited %d" % (r["name"], r["rc"]))
        for node, outcome in r["tests"]:
            seen.setdefault(node, []).append(r)
            if outcome in ("failed", "error"):
                problems.append("%s %s in %r" % (node, outcome, r["name"]))
    for node in expected_ids:
        runs = seen.get(node, [])
        if len(runs) != 1:
            problems.append("%s ran %d times (want exactly once)" % (node, len(runs)))
    for node in sorted(set(seen) - set(expected_ids)):
        problems.append("%s ran but was not collected from the original project" % node)
    for node in pool_tests:
        runs = seen.get(node, [])
        if not runs:
            problems.append("pool test %s never ran" % node)
        elif any(r["xdist"] for r in runs):
            problems.append("pool test %s ran under xdist" % node)
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", required=True)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--expect-hang", action="store_true")
    mode.add_argument("--expect-pass", action="store_true")
    ap.add_argument("--limit", type=float, default=20.0, help="seconds per run (default 20)")
    ap.add_argument("--original", help="unfixed project whose collected tests must all run once")
    ap.add_argument("--pool-test", action="append", default=[], metavar="NODEID",
                    help="a test that must run without xdist (default: those marked no_parallel)")
    args = ap.parse_args(argv)

    started = time.monotonic()
    work_root = tempfile.mkdtemp(prefix="cure-")
    try:
        _tool_bin(work_root)
        project = _copy(args.project, work_root, "project")
        cmds = _workflow_commands(project)
        if not cmds:
            print("FAIL: no pytest command in %s/.github/workflows" % args.project)
            return 1
        results = run_commands(project, cmds, args.limit, work_root=work_root)
        _report(results)

        if args.expect_hang:
            bad = [r for r in results if r["rc"] != 0]
            total = time.monotonic() - started
            if bad:
                print("OK (expect-hang): %s in %.1fs" % (", ".join(
                    "%r %s" % (r["name"], "timed out" if r["rc"] is None else "failed")
                    for r in bad), total))
                return 0
            print("FAIL (expect-hang): every run passed in %.1fs" % total)
            return 1

        original = _copy(args.original, work_root, "original") if args.original else project
        expected = collect_node_ids(original, work_root, args.limit)
        pool_tests = args.pool_test or collect_node_ids(project, work_root, args.limit,
                                                        "-m no_parallel")
        print("expected %d tests (collected from %s); pool tests: %s" % (
            len(expected), args.original or args.project, ", ".join(pool_tests) or "none"))
        problems = check_pass(results, expected, pool_tests)
        if not pool_tests:
            problems.append("no pool test to check")
        total = time.monotonic() - started
        if problems:
            print("FAIL (expect-pass) in %.1fs:" % total)
            for p in problems:
                print("  - " + p)
            return 1
        print("OK (expect-pass): %d runs, %d tests each ran once, in %.1fs" % (
            len(results), len(expected), total))
        return 0
    finally:
        shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
