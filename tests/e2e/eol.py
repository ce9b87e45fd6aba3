#!/usr/bin/python3
"""Property: line endings do not change what forkguard sees or writes.

LF, CRLF and a lone CR all end a line (as CPython and YAML read them). For
every golden fixture project (fixtures/<group>/<case>/project), makes three
copies whose text files end every line in LF, in CRLF and in a lone CR, and
checks that:

- the findings are the same: JSON output with byte offsets left out (they
  move with CRLF), line endings in fix replacements read as LF;
- `--fix --unsafe-fixes` writes the same files, once their line endings are
  read as LF, and keeps each copy's own line ending in every line it writes
  (a CR copy gains no LF, a CRLF copy no bare LF or bare CR; a file the fix
  creates, or one that had no line break, is written in LF).

    eol.py FORKGUARD FIXTURES_DIR [FILTER[,FILTER...]]

A project is checked when its path holds one of the filters (the ASan build
checks the fix/ and bad/ groups only: six runs a project add up there).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# forkguard's summary cache stays out of the trees compared here (ctest sets
# FORKGUARD_CACHE_DIR; run by hand, a temporary folder)
if not os.environ.get("FORKGUARD_CACHE_DIR"):
    os.environ["FORKGUARD_CACHE_DIR"] = __import__("tempfile").mkdtemp(prefix="fg-cache-")

ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


def as_lf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def files_of(project):
    out = []
    for dirpath, _, filenames in os.walk(project):
        for name in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, name), project))
    return sorted(out)


def copy_with(project, dest, eol):
    for rel in files_of(project):
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        data = Path(project, rel).read_bytes()
        Path(target).write_bytes(as_lf(data).replace(b"\n", eol))


def run(exe, cwd, args):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run([exe, "check", "--color", "never", *args, "project"], cwd=cwd,
                          capture_output=True, env=env, timeout=60)


def without_offsets(node):
    if isinstance(node, dict):
        return {k: without_offsets(v) for k, v in node.items()
                if k not in ("offset", "start", "end") or isinstance(v, dict)}
    if isinstance(node, list):
        return [without_offsets(v) for v in node]
    if isinstance(node, str):
        return node.replace("\r\n", "\n").replace("\r", "\n")
    return node


def findings(exe, cwd):
    p = run(exe, cwd, ["--format", "json", "--unsafe-fixes"])
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return ("no JSON", p.returncode, as_lf(p.stderr).decode(errors="replace"))
    return (without_offsets(doc), p.returncode, as_lf(p.stderr).decode(errors="replace"))


def fixed(exe, cwd):
    p = run(exe, cwd, ["--fix", "--unsafe-fixes", "--quiet", "--exit-zero"])
    files = {rel: Path(cwd, "project", rel).read_bytes()
             for rel in files_of(os.path.join(cwd, "project"))}
    return files, p.returncode


def foreign_endings(data, eol):
    """Line breaks in data that are not eol."""
    if eol == b"\r\n":
        return data.replace(b"\r\n", b"").count(b"\n") + data.replace(b"\r\n", b"").count(b"\r")
    other = b"\n" if eol == b"\r" else b"\r"
    return data.count(other)


def check_case(exe, project, tmp):
    problems = []
    seen = {}
    for name, eol in ENDINGS.items():
        case = os.path.join(tmp, name)
        copy_with(project, os.path.join(case, "project"), eol)
        seen[name] = findings(exe, case)
        # a file with no line break has no line ending to keep
        before = {rel for rel in files_of(os.path.join(case, "project"))
                  if eol in Path(case, "project", rel).read_bytes()}
        files, rc = fixed(exe, case)
        for rel, data in files.items():
            if rel in before and foreign_endings(data, eol):
                problems.append(f"{name}: --fix wrote another line ending into {rel}")
        seen[name + " fix"] = ({rel: as_lf(d) for rel, d in files.items()}, rc)
    for name in ENDINGS:
        if name == "lf":
            continue
        if seen[name] != seen["lf"]:
            problems.append(f"{name}: findings differ from the LF copy")
        if seen[name + " fix"] != seen["lf fix"]:
            got, want = seen[name + " fix"][0], seen["lf fix"][0]
            diff = sorted(rel for rel in set(got) | set(want) if got.get(rel) != want.get(rel))
            problems.append(f"{name}: --fix result differs from the LF copy in "
                            f"{', '.join(diff) or 'the exit code'}")
    return problems


def main():
    exe = os.path.abspath(sys.argv[1])
    root = Path(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    projects = sorted(p for p in root.glob("*/*/project") if p.is_dir())
    if only:
        projects = [p for p in projects if any(f in str(p) for f in only.split(","))]
    if not projects:
        print("no fixture projects found", file=sys.stderr)
        return 1
    failed = 0
    for project in projects:
        with tempfile.TemporaryDirectory(prefix="fg-eol-") as tmp:
            problems = check_case(exe, str(project), tmp)
        if problems:
            failed += 1
            print(f"FAIL {project}:")
            for p in problems:
                print(f"  {p}")
    print(f"eol: {len(projects) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
