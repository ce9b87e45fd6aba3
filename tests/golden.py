#!/usr/bin/python3
"""Golden fixture runner.

Every fixtures/<group>/<case>/ folder that holds a `project/` is a case:
forkguard runs on the project with the arguments in `args` (one per line,
optional) and its output must match `expected.txt` byte for byte, followed by
a line `exit: N` with the exit code. An `expected.json` is compared the same
way for `--format json`.

A case with a file `command` holding `runs` runs `forkguard runs` (plus
`args`) instead of `check`: expected.txt holds its text output, expected.json
its `--format json` output.

An `expected.diff` holds what `forkguard check --diff --unsafe-fixes` (plus
`args`) prints for the project, byte for byte (CRLF, BOMs and missing final
newlines included), and nothing else: no `exit: N` footer, so the file stays
a patch that `patch -p1` applies inside `project/`. The exit code and stderr
are checked instead of recorded: the run must print nothing on stderr and
exit 1 when the diff is not empty, 0 when it is (an empty expected.diff says
"nothing to fix").

FORKGUARD_UPDATE_FIXTURES=1 rewrites the expectations instead (expected.diff
only where it exists already: create an empty one to start a case); read every
changed file with `git diff fixtures/` before committing it.
"""
import difflib
import os
import subprocess
import sys
from pathlib import Path


def case_args(case):
    args_file = case / "args"
    args = args_file.read_text().split("\n") if args_file.exists() else []
    return [a for a in args if a]


def case_command(case):
    f = case / "command"
    return f.read_text().strip() if f.exists() else "check"


def run(exe, case, extra):
    if case_command(case) == "runs":
        cmd = [exe, "runs", *extra, *case_args(case), "project"]
    else:
        cmd = [exe, "check", "--color", "never", *extra, *case_args(case), "project"]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.run(cmd, cwd=case, capture_output=True, text=True, env=env, timeout=60)
    return p.stdout + p.stderr + f"exit: {p.returncode}\n"


def run_diff(exe, case):
    """The --diff output as bytes, and a problem (or None) with how it ran."""
    cmd = [exe, "check", "--color", "never", "--diff", "--unsafe-fixes", *case_args(case),
           "project"]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.run(cmd, cwd=case, capture_output=True, env=env, timeout=60)
    problem = None
    want_rc = 1 if p.stdout else 0
    if p.stderr or p.returncode != want_rc:
        problem = (f"--diff exited {p.returncode} (want {want_rc}), stderr:\n"
                   + p.stderr.decode(errors="replace"))
    return p.stdout, problem


def show(want, got):
    want = want.decode(errors="replace") if isinstance(want, bytes) else want
    got = got.decode(errors="replace") if isinstance(got, bytes) else got
    lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "got")
    # make line endings visible: CRLF matters in these files
    sys.stdout.writelines(line.replace("\r", "\\r") for line in lines)
    print()


def main():
    exe = os.path.abspath(sys.argv[1])
    root = Path(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    update = os.environ.get("FORKGUARD_UPDATE_FIXTURES") == "1"
    cases = sorted(p.parent for p in root.glob("*/*/project") if p.is_dir())
    if only:
        cases = [c for c in cases if only in str(c)]
    if not cases:
        print("no golden cases found", file=sys.stderr)
        return 1
    failed = 0
    checked = 0
    for case in cases:
        for name, extra in (("expected.txt", []), ("expected.json", ["--format", "json"])):
            exp = case / name
            if name == "expected.json" and not exp.exists():
                continue
            got = run(exe, case, extra)
            checked += 1
            if update:
                if not exp.exists() or exp.read_text() != got:
                    exp.write_text(got)
                    print(f"updated {exp}")
                continue
            want = exp.read_text() if exp.exists() else "<missing expected.txt>\n"
            if got != want:
                failed += 1
                print(f"FAIL {exp}")
                show(want, got)
        exp = case / "expected.diff"
        if not exp.exists():
            continue
        got, problem = run_diff(exe, case)
        checked += 1
        if problem:
            failed += 1
            print(f"FAIL {exp}: {problem}")
        if update:
            if exp.read_bytes() != got:
                exp.write_bytes(got)
                print(f"updated {exp}")
            continue
        want = exp.read_bytes()
        if got != want:
            if not problem:
                failed += 1
            print(f"FAIL {exp}")
            show(want, got)
    passed = checked - failed
    print(f"golden: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
