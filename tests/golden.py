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

A case may also hold (the bad-input catalogue, fixtures/bad/, uses these):

- `setup`: a shell script run inside a scratch copy of `project/` before
  each run (for what git cannot hold: FIFOs, modes, links out of the tree);
  every run of the case then uses such a copy.
- `fix.txt`: what `forkguard check --fix --unsafe-fixes` (plus `args`)
  prints on a scratch copy, with its `exit: N` footer, and `fixed/`: that
  copy's regular files afterwards, byte for byte (a file missing from
  `fixed/` must be missing after the fix; symlinks and special files are not
  compared). A fix that must write nothing has `fixed/` equal to `project/`.

FORKGUARD_UPDATE_FIXTURES=1 rewrites the expectations instead (expected.diff
only where it exists already: create an empty one to start a case); read every
changed file with `git diff fixtures/` before committing it.
"""
import difflib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

# forkguard's summary cache stays out of the trees compared here (ctest sets
# FORKGUARD_CACHE_DIR; run by hand, a temporary folder)
if not os.environ.get("FORKGUARD_CACHE_DIR"):
    os.environ["FORKGUARD_CACHE_DIR"] = __import__("tempfile").mkdtemp(prefix="fg-cache-")


def case_args(case):
    args_file = case / "args"
    args = args_file.read_text().split("\n") if args_file.exists() else []
    return [a for a in args if a]


def case_command(case):
    f = case / "command"
    return f.read_text().strip() if f.exists() else "check"


class Scratch:
    """Where a case runs: the case folder itself, or (with a `setup`, or to
    fix) a scratch copy of its project, set up."""

    def __init__(self, case, copy):
        self.case = case
        self.tmp = None
        self.cwd = case
        if copy or (case / "setup").exists():
            self.tmp = tempfile.mkdtemp(prefix="fg-golden-")
            self.cwd = Path(self.tmp)
            shutil.copytree(case / "project", self.cwd / "project", symlinks=True)
            if (case / "setup").exists():
                subprocess.run(["sh", str((case / "setup").resolve())],
                               cwd=self.cwd / "project", check=True, timeout=60)

    def __enter__(self):
        return self.cwd

    def __exit__(self, *exc):
        if self.tmp:
            # a setup may have taken permissions away or nested folders past
            # PATH_MAX: the tools that walk relative paths clean up
            subprocess.run(["chmod", "-R", "u+rwX", self.tmp], stderr=subprocess.DEVNULL)
            subprocess.run(["rm", "-rf", self.tmp], check=True)


def run(exe, case, extra, copy=False, tree=None, run_cache=True):
    if case_command(case) == "runs":
        cmd = [exe, "runs", *extra, *case_args(case), "project"]
    else:
        cmd = [exe, "check", "--color", "never", *extra, *case_args(case), "project"]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    if not run_cache:
        env["FORKGUARD_RUN_CACHE"] = "0"
    with Scratch(case, copy) as cwd:
        try:
            p = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=60)
        except subprocess.TimeoutExpired:  # a hang is a failure, not the runner's end
            return "<forkguard did not finish in 60 s>\n"
        if tree is not None:
            tree.update(regular_files(cwd / "project"))
    out = (p.stdout + p.stderr).decode(errors="backslashreplace")
    return out + f"exit: {p.returncode}\n"


def regular_files(root):
    """{relative path: bytes} of the regular files under root (no links)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and os.access(path, os.R_OK):
                out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def write_tree(root, files):
    shutil.rmtree(root, ignore_errors=True)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def check_fix(exe, case, update):
    """Runs --fix on a scratch copy; returns the number of failures."""
    exp = case / "fix.txt"
    if not exp.exists():
        return None
    got_tree = {}
    got = run(exe, case, ["--fix", "--unsafe-fixes"], copy=True, tree=got_tree)
    if update:
        if exp.read_text() != got:
            exp.write_text(got)
            print(f"updated {exp}")
        if regular_files(case / "fixed") != got_tree:
            write_tree(case / "fixed", got_tree)
            print(f"updated {case / 'fixed'}")
        return 0
    failed = 0
    if got != exp.read_text():
        failed += 1
        print(f"FAIL {exp}")
        show(exp.read_text(), got)
    want_tree = regular_files(case / "fixed")
    for rel in sorted(set(want_tree) | set(got_tree)):
        if want_tree.get(rel) != got_tree.get(rel):
            failed += 1
            print(f"FAIL {case / 'fixed' / rel}: the bytes after --fix differ")
            show(want_tree.get(rel, b"<missing>\n"), got_tree.get(rel, b"<missing>\n"))
    return failed


def run_diff(exe, case):
    """The --diff output as bytes, and a problem (or None) with how it ran."""
    cmd = [exe, "check", "--color", "never", "--diff", "--unsafe-fixes", *case_args(case),
           "project"]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    with Scratch(case, False) as cwd:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=60)
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


def cache_entries(kind="py"):
    """The entry files of one kind of the cache (FORKGUARD_CACHE_DIR): {path:
    modification time}; "py" the summaries, "run" the stored reports."""
    d = os.environ.get("FORKGUARD_CACHE_DIR")
    if not d or not os.path.isdir(d):
        return {}
    out = {}
    for folder in os.listdir(d):
        if not folder.startswith(kind + "-"):
            continue
        for f in os.listdir(os.path.join(d, folder)):
            path = os.path.join(d, folder, f)
            if not f.startswith(".tmp-") and os.path.isfile(path):
                out[path] = os.stat(path).st_mtime_ns
    return out


def replay_check(exe, case, extra, want, counts):
    """Twice more with the run cache: the report it stored is the one it
    replays. Returns a failure message or None."""
    before = cache_entries("run")
    second = run(exe, case, extra)
    stored = cache_entries("run")
    third = run(exe, case, extra)
    after = cache_entries("run")
    if second != want or third != want:
        return "with the run cache:\n" + (second if second != want else third)
    if stored != before:
        counts["stored"] += 1
        if after != stored:
            return "a stored report was not replayed (the run wrote the cache again)"
        counts["replayed"] += 1
    return None


def main():
    args = [a for a in sys.argv[1:] if a != "--expect-cache-hits"]
    # --expect-cache-hits: a second run over a cache the first one filled,
    # the run cache off; every summary must come from it, so no entry may be
    # added. Then each case twice more with the run cache: the report stored
    # is the report replayed, and both are the expected one
    expect_hits = len(args) < len(sys.argv) - 1
    exe = os.path.abspath(args[0])
    root = Path(args[1])
    only = args[2] if len(args) > 2 else None
    before = cache_entries()
    counts = {"stored": 0, "replayed": 0}
    if expect_hits and not before:
        print("FAIL --expect-cache-hits: the cache in FORKGUARD_CACHE_DIR is empty")
        return 1
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
            got = run(exe, case, extra, run_cache=not expect_hits)
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
            elif expect_hits and name == "expected.txt":
                problem = replay_check(exe, case, extra, want, counts)
                checked += 1
                if problem:
                    failed += 1
                    print(f"FAIL {exp}: {problem}")
        fix_failed = check_fix(exe, case, update)
        if fix_failed is not None:
            checked += 1
            failed += fix_failed > 0
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
    if expect_hits:
        added = sorted(set(cache_entries()) - set(before))
        checked += 1
        if added:
            failed += 1
            print(f"FAIL --expect-cache-hits: {len(added)} summaries were not in the cache, e.g. {added[0]}")
        else:
            print(f"the cache served every summary ({len(before)} entries)")
        print(f"the run cache stored {counts['stored']} reports and replayed "
              f"{counts['replayed']}")
        checked += 1
        if not counts["replayed"]:
            failed += 1
            print("FAIL --expect-cache-hits: the run cache replayed no report")
    passed = checked - failed
    print(f"golden: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
