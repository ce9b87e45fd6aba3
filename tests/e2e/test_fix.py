"""--fix and --diff on real projects: byte-minimal, idempotent, the diff is
what --fix writes, and the fixed workflow's pytest commands really pass
(Debian's pytest and pytest-xdist), every test running exactly once."""
import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

CURE = ROOT / "tests" / "e2e" / "cure.py"
PY = "/usr/bin/python3"


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


def fixture_projects():
    found = sorted(p.relative_to(FIXTURES).as_posix()
                   for p in FIXTURES.glob("*/*/project") if p.is_dir())
    return ["example", *found]


# Fixtures that cannot satisfy a property, with the reason: property ->
# {fixture project: reason}. Nothing else is skipped. Empty today: the
# fixtures with broken inputs on purpose (fg001/*) get no fix in the broken
# files, so every file a fix changes must still compile / load.
EXEMPT = {
    "parses": {},
}


def changed(before, after):
    return sorted(k for k in after if after[k] != before.get(k))


def check_parses(rel, data):
    if rel.endswith(".py"):
        compile(data, rel, "exec")  # SyntaxError fails the test
    elif rel.endswith((".yml", ".yaml")):
        import yaml
        yaml.safe_load(data)


@pytest.mark.parametrize("case", fixture_projects())
def test_fix_properties(run_fg, fg_bin, tmp_path, case):
    """On every fixture project, with --unsafe-fixes: --diff writes nothing
    and, applied with patch -p1, gives exactly what --fix writes; every
    changed file still compiles / loads; a second --fix changes nothing and
    --diff has nothing more to say."""
    src = FIXTURES / case
    fixed = tmp_path / "fixed"
    patched = tmp_path / "patched"
    shutil.copytree(src, fixed, symlinks=True)
    shutil.copytree(src, patched, symlinks=True)
    before = tree(fixed)

    # bytes, not text: universal newlines would turn CRLF into LF
    diff = subprocess.run([fg_bin, "check", "--diff", "--unsafe-fixes", str(patched)],
                          capture_output=True, timeout=60)
    assert diff.returncode in (0, 1), diff.stderr
    assert diff.stderr == b"", diff.stderr
    assert tree(patched) == before, "--diff must write nothing"

    r = run_fg("check", "--fix", "--unsafe-fixes", fixed)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "[*]" not in r.stdout, r.stdout
    after = tree(fixed)
    if not diff.stdout:
        assert after == before
        return

    # the diff, applied with patch -p1, reproduces what --fix wrote (bytes:
    # CRLF, BOMs and missing final newlines included)
    subprocess.run(["patch", "-p1", "-s", "--binary"], input=diff.stdout, cwd=patched,
                   check=True)
    assert tree(patched) == after

    if case not in EXEMPT["parses"]:
        for rel in changed(before, after):
            check_parses(rel, after[rel])

    # idempotent: a second --fix changes nothing, and --diff finds nothing
    r2 = run_fg("check", "--fix", "--unsafe-fixes", fixed)
    assert tree(fixed) == after, changed(after, tree(fixed))
    assert "Fixed" not in r2.stdout
    again = run_fg("check", "--diff", "--unsafe-fixes", fixed)
    assert again.stdout == "" and again.returncode == 0, again.stdout + again.stderr


def test_fix_edits_only_what_it_must(run_fg, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "example", project)
    before = tree(project)
    run_fg("check", "--fix", project)
    after = tree(project)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [".github/workflows/ci.yml", "tests/conftest.py",
                       "tests/performance/test_bulk.py"]
    # every original line survives, in order
    for path in changed:
        old = before[path].decode().splitlines()
        new = after[path].decode().splitlines()
        it = iter(new)
        kept = [line for line in old if any(line == n or n.startswith(line) for n in it)]
        assert len(kept) == len(old), path


def test_fixed_example_runs_every_test_once(run_fg, tmp_path):
    project = tmp_path / "example"
    shutil.copytree(FIXTURES / "example", project)
    assert run_fg("check", "--fix", project).returncode in (0, 1)
    r = subprocess.run([PY, str(CURE), "--project", str(project), "--expect-pass",
                        "--limit", "150", "--original", str(FIXTURES / "example"),
                        "--pool-test", "tests/performance/test_bulk.py::test_bulk_prices"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK (expect-pass)" in r.stdout
