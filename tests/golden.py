#!/usr/bin/python3
"""Golden fixture runner.

Every fixtures/<group>/<case>/ folder that holds a `project/` is a case:
forkguard runs on the project with the arguments in `args` (one per line,
optional) and its output must match `expected.txt` byte for byte, followed by
a line `exit: N` with the exit code. An `expected.json` is compared the same
way for `--format json`.

FORKGUARD_UPDATE_FIXTURES=1 rewrites the expectations instead; read every
changed file with `git diff fixtures/` before committing it.
"""
import os
import subprocess
import sys
from pathlib import Path


def run(exe, case, extra):
    args_file = case / "args"
    args = args_file.read_text().split("\n") if args_file.exists() else []
    args = [a for a in args if a]
    cmd = [exe, "check", "--color", "never", *extra, *args, "project"]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.run(cmd, cwd=case, capture_output=True, text=True, env=env, timeout=60)
    return p.stdout + p.stderr + f"exit: {p.returncode}\n"


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
            if name == "expected.json" and not exp.exists() and not update:
                continue
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
                import difflib
                sys.stdout.writelines(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "expected", "got"))
    passed = checked - failed
    print(f"golden: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
