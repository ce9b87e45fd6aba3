"""The run cache (.forkguard_cache/run-*): a check of a project nothing in
which changed prints the stored report without building the model, and any
change to what the run looked at — an edit of the same size, a new file where
one was looked for, a rename, a deletion, a configuration, another option or
folder — gives the report a fresh run gives."""
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from test_cache import HELPER, PLAIN_TEST, POOL_TEST, make_project

# A file time this close to a run is not trusted (forkguard: 0.2 s); wait
# this long after writing before a run whose report should be kept.
SETTLE = 0.35


@pytest.fixture
def fg(fg_bin):
    """forkguard, cache at its default place, FORKGUARD_STATS on: returns
    (exit, stdout, stderr lines without stats, replayed?)."""

    def run(*args, cwd, extra_env=None):
        env = dict(os.environ)
        env.pop("FORKGUARD_CACHE_DIR", None)
        env.pop("FORKGUARD_RUN_CACHE", None)
        env.pop("NO_COLOR", None)
        env["FORKGUARD_STATS"] = "1"
        if extra_env:
            env.update(extra_env)
        p = subprocess.run([fg_bin, *map(str, args)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=60)
        replayed = bool(re.search(r"stats: run_cache=hit inputs=\d+", p.stderr))
        assert replayed or "cache_hits=" in p.stderr, p.stderr
        other = [line for line in p.stderr.splitlines() if "forkguard: stats:" not in line]
        return p.returncode, p.stdout, other, replayed

    return run


def fresh(fg, root, *args):
    """What a run without any cache says."""
    return fg("check", "--no-cache", *args, ".", cwd=root)[:3]


def reports(root: Path):
    return sorted((root / ".forkguard_cache").glob("run-*/*"))


def settle():
    time.sleep(SETTLE)


def test_an_unchanged_project_replays_the_report(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    first = fg("check", ".", cwd=root)
    assert first[0] == 1 and "FG101" in first[1] and not first[3]
    assert len(reports(root)) == 1
    second = fg("check", ".", cwd=root)
    assert second[3], "nothing changed: the stored report should be printed"
    assert second[:3] == first[:3] == fresh(fg, root)
    # and the JSON report is another entry, replayed the same way
    js = fg("check", "--format", "json", ".", cwd=root)
    assert not js[3] and js[1].startswith("{")
    assert fg("check", "--format", "json", ".", cwd=root)[:4] == js[:3] + (True,)
    # --exit-zero changes the status only
    ez = fg("check", "--exit-zero", ".", cwd=root)
    assert ez[0] == 0 and ez[1] == first[1] and not ez[3]


def change_same_size(path: Path):
    text = path.read_text()
    assert "[-1]" in text
    path.write_text(text.replace("[-1]", "[-2]"))


@pytest.mark.parametrize("change", [
    "edit-same-size", "edit", "new-test-file", "new-conftest", "delete-helper", "rename",
    "touch", "config", "workflow", "symlink",
])
def test_a_change_gives_a_fresh_report(fg, tmp_path, change):
    root = make_project(tmp_path / "proj")
    settle()
    assert not fg("check", ".", cwd=root)[3]
    assert fg("check", ".", cwd=root)[3]
    tests = root / "tests"
    if change == "edit-same-size":
        # same size, and the modification time set back: the change time
        # still moves
        st = (tests / "test_pool.py").stat()
        change_same_size(tests / "test_pool.py")
        os.utime(tests / "test_pool.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "edit":
        (tests / "test_pool.py").write_text(PLAIN_TEST)
    elif change == "new-test-file":
        (tests / "test_new.py").write_text(POOL_TEST.replace("test_pool", "test_new_pool"))
    elif change == "new-conftest":
        (root / "conftest.py").write_text(
            "import multiprocessing\n\n\ndef pytest_configure(config):\n"
            "    multiprocessing.set_start_method('spawn', force=True)\n")
    elif change == "delete-helper":
        (root / "pkg" / "helper.py").unlink()
    elif change == "rename":
        (tests / "test_pool.py").rename(tests / "test_renamed.py")
    elif change == "touch":
        os.utime(tests / "test_pool.py", None)
    elif change == "config":
        with open(root / "pyproject.toml", "a") as f:
            f.write('\n[tool.forkguard]\nignore = ["FG201"]\n')
    elif change == "workflow":
        wf = root / ".github" / "workflows" / "ci.yml"
        wf.write_text(wf.read_text().replace("pytest -n auto tests", "pytest tests"))
    elif change == "symlink":
        # a test file that is a link, pointed elsewhere: the link and its
        # target are both looked at
        (root / "alt.py").write_text(PLAIN_TEST)
        (tests / "test_pool.py").unlink()
        (tests / "test_pool.py").symlink_to(root / "alt.py")
    got = fg("check", ".", cwd=root)
    assert not got[3], f"{change}: the stored report was printed for a changed project"
    assert got[:3] == fresh(fg, root)
    # once the change has settled, its report is stored and replayed
    settle()
    fg("check", ".", cwd=root)
    again = fg("check", ".", cwd=root)
    assert again[3] and again[:3] == got[:3]


def test_each_change_shows_in_the_report(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    base = fg("check", ".", cwd=root)
    assert "tests/test_helper.py" in base[1]
    (root / "pkg" / "helper.py").write_text(HELPER.replace("multiprocessing.Pool(2)", "None"))
    settle()
    after = fg("check", ".", cwd=root)
    assert not after[3] and "tests/test_helper.py" not in after[1]
    assert fg("check", ".", cwd=root)[:4] == after[:3] + (True,)


def test_a_file_changed_just_before_the_run_is_not_trusted(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    fg("check", ".", cwd=root)
    kept = {p: p.stat().st_mtime_ns for p in reports(root)}
    (root / "tests" / "test_plain.py").write_text(PLAIN_TEST + "\n")
    racy = fg("check", ".", cwd=root)  # at once: within the clock's tick
    assert not racy[3]
    assert {p: p.stat().st_mtime_ns for p in reports(root)} == kept, \
        "a report over a file changed within the run's tick must not be stored"
    assert not fg("check", ".", cwd=root)[3]


def test_options_folders_and_environment_are_part_of_the_key(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    fg("check", ".", cwd=root)
    assert fg("check", ".", cwd=root)[3]
    # another working directory names the files differently
    sub = fg("check", "..", cwd=root / "tests")
    assert not sub[3] and sub[:3] == fg("check", "--no-cache", "..", cwd=root / "tests")[:3]
    for args in (["--select", "FG201"], ["--quiet"], ["--statistics"], ["--color", "always"]):
        got = fg("check", *args, ".", cwd=root)
        assert not got[3], args
        assert got[:3] == fresh(fg, root, *args)
    forced = fg("check", ".", cwd=root, extra_env={"FORCE_COLOR": "1"})
    assert not forced[3]
    # FORKGUARD_RUN_CACHE=0 builds the model and stores nothing
    n = len(reports(root))
    off = fg("check", ".", cwd=root, extra_env={"FORKGUARD_RUN_CACHE": "0"})
    assert not off[3] and off[:3] == fresh(fg, root) and len(reports(root)) == n


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign"])
def test_a_damaged_report_is_ignored_with_a_warning(fg, tmp_path, damage):
    root = make_project(tmp_path / "proj")
    settle()
    want = fresh(fg, root)
    fg("check", ".", cwd=root)
    (victim,) = reports(root)
    data = victim.read_bytes()
    if damage == "flip":
        victim.write_bytes(data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:])
    elif damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    else:
        victim.write_bytes(b"FGC1" + b"\0" * 60)
    got = fg("check", ".", cwd=root)
    assert not got[3] and got[:2] == want[:2]
    warned = [line for line in got[2] if victim.name in line]
    assert len(warned) == 1 and "ignored" in warned[0], got[2]
    # replaced: the next run replays a whole report again
    again = fg("check", ".", cwd=root)
    assert again[3] and again[:3] == want


def test_a_run_with_warnings_is_not_stored(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    os.mkfifo(root / "tests" / "test_fifo.py")
    settle()
    first = fg("check", ".", cwd=root)
    assert any("test_fifo.py" in line for line in first[2]), first[2]
    assert reports(root) == []
    second = fg("check", ".", cwd=root)
    assert not second[3] and second[:3] == first[:3]


def test_only_the_newest_reports_are_kept(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    codes = ["FG001", "FG002", "FG101", "FG102", "FG103", "FG104", "FG105", "FG201",
             "FG202", "FG203", "FG301", "FG302"]
    for code in codes:
        fg("check", "--select", code, ".", cwd=root)
    assert 1 <= len(reports(root)) <= 8


def test_a_report_written_to_a_file_is_written_again(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    settle()
    out = tmp_path / "report.json"
    first = fg("check", "--format", "json", "--output", out, ".", cwd=root)
    want = out.read_bytes()
    assert want.startswith(b"{") and not first[3]
    out.unlink()
    again = fg("check", "--format", "json", "--output", out, ".", cwd=root)
    assert again[3] and again[0] == first[0] and out.read_bytes() == want


def test_several_projects_in_one_check(fg, tmp_path):
    one = make_project(tmp_path / "one")
    two = make_project(tmp_path / "two")
    (two / "tests" / "test_pool.py").write_text(PLAIN_TEST)
    settle()
    first = fg("check", one, two, cwd=tmp_path)
    assert "test_pool.py" in first[1] and not first[3]
    assert fg("check", one, two, cwd=tmp_path)[:4] == first[:3] + (True,)
    # a change in the second project alone is seen
    (two / "tests" / "test_pool.py").write_text(POOL_TEST.replace("test_pool", "test_two"))
    changed = fg("check", one, two, cwd=tmp_path)
    assert not changed[3] and "test_two" in changed[1]
    assert changed[:3] == fg("check", "--no-cache", one, two, cwd=tmp_path)[:3]
