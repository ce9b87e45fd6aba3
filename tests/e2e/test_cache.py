"""The summary cache (.forkguard_cache/): what a warm run reads is what a cold
run would have parsed, whatever happened to the files between runs."""
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

POOL_TEST = """\
from concurrent.futures import ProcessPoolExecutor


def test_pool():
    with ProcessPoolExecutor(2) as ex:
        assert list(ex.map(abs, [-1])) == [1]
"""

PLAIN_TEST = """\
def test_plain():
    assert 1 + 1 == 2
"""

HELPER = """\
import multiprocessing


def make_pool():
    return multiprocessing.Pool(2)
"""

HELPER_TEST = """\
from pkg.helper import make_pool


def test_helper():
    with make_pool() as pool:
        assert pool.map(abs, [-1]) == [1]
"""

WORKFLOW = """\
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest -n auto tests
"""


def make_project(root: Path):
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (root / "tests").mkdir()
    (root / "tests" / "test_pool.py").write_text(POOL_TEST)
    (root / "tests" / "test_plain.py").write_text(PLAIN_TEST)
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "helper.py").write_text(HELPER)
    (root / "tests" / "test_helper.py").write_text(HELPER_TEST)
    return root


@pytest.fixture
def fg(fg_bin):
    """forkguard with the cache at its default place (the suite's own
    FORKGUARD_CACHE_DIR removed), FORKGUARD_STATS on, the run cache off (the
    summaries are what these tests are about; test_run_cache.py has the
    stored reports)."""

    def run(*args, cwd, extra_env=None):
        env = dict(os.environ)
        env.pop("FORKGUARD_CACHE_DIR", None)
        env.pop("NO_COLOR", None)
        env["FORKGUARD_STATS"] = "1"
        env["FORKGUARD_RUN_CACHE"] = "0"
        if extra_env:
            env.update(extra_env)
        p = subprocess.run([fg_bin, *map(str, args)], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"cache_hits=(\d+) cache_writes=(\d+)", p.stderr)
        if args[0] == "runs":  # prints no stats
            return p.returncode, p.stdout, p.stderr.splitlines(), None, None, None
        assert m, p.stderr
        parsed = int(re.search(r" parsed=(\d+)", p.stderr).group(1))
        other = [line for line in p.stderr.splitlines() if "forkguard: stats:" not in line]
        return p.returncode, p.stdout, other, int(m.group(1)), int(m.group(2)), parsed

    return run


def cold(fg, root, *args):
    rc, out, err, hits, writes, _ = fg("check", "--no-cache", *args, ".", cwd=root)
    assert hits == 0 and writes == 0
    return rc, out, err


def entries(root: Path):
    d = root / ".forkguard_cache"
    return sorted(p for p in d.rglob("*") if p.is_file() and p.parent != d)


def test_second_run_reads_every_summary_from_the_cache(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    rc1, out1, err1, hits1, writes1, parsed = fg("check", ".", cwd=root)
    assert rc1 == 1 and "FG101" in out1 and "FG201" in out1, out1
    assert hits1 == 0 and writes1 == parsed > 0
    assert (root / ".forkguard_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (root / ".forkguard_cache" / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    # the cache ignores itself: git sees nothing new but the project
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert ".forkguard_cache" not in status and "tests/test_pool.py" in status
    rc2, out2, err2, hits2, writes2, parsed2 = fg("check", ".", cwd=root)
    assert (rc2, out2, err2) == (rc1, out1, err1)
    assert hits2 == parsed2 == parsed and writes2 == 0
    assert (rc1, out1, err1) == cold(fg, root)


def test_edit_rename_delete_touch_between_runs(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    fg("check", ".", cwd=root)
    # edit: the pool test loses its pool, a plain test gains one
    (root / "tests" / "test_pool.py").write_text(PLAIN_TEST.replace("plain", "was_pool"))
    (root / "tests" / "test_plain.py").write_text(POOL_TEST.replace("test_pool", "test_now_pool"))
    warm = fg("check", ".", cwd=root)
    assert "test_now_pool" in warm[1] and "test_pool.py:4" not in warm[1]
    assert warm[:3] == cold(fg, root)
    # rename: the finding follows the file (same bytes, so a hit)
    (root / "tests" / "test_plain.py").rename(root / "tests" / "test_renamed.py")
    warm = fg("check", ".", cwd=root)
    assert "tests/test_renamed.py" in warm[1] and "test_plain.py" not in warm[1]
    assert warm[3] >= 1  # the renamed file's summary came from the cache
    assert warm[:3] == cold(fg, root)
    # delete the helper: its test no longer reaches a pool
    (root / "pkg" / "helper.py").unlink()
    warm = fg("check", ".", cwd=root)
    assert "test_helper" not in warm[1]
    assert warm[:3] == cold(fg, root)
    # touch without a change: every summary from the cache
    before = fg("check", ".", cwd=root)
    for p in (root / "tests").glob("*.py"):
        os.utime(p, None)
    after = fg("check", ".", cwd=root)
    assert after[:3] == before[:3] and after[4] == 0 and after[3] == after[5]
    # revert the edit: the first bytes are still cached
    (root / "tests" / "test_renamed.py").write_text(PLAIN_TEST)
    (root / "tests" / "test_pool.py").write_text(POOL_TEST)
    warm = fg("check", ".", cwd=root)
    assert warm[4] == 0, "the original contents' summaries should still be cached"
    assert warm[:3] == cold(fg, root)


def test_configuration_that_changes_summaries_uses_another_entry(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    (root / "tests" / "test_custom.py").write_text(
        "from pkg.runner import Farm\n\n\ndef test_farm():\n    Farm(4).run()\n")
    (root / "pkg" / "runner.py").write_text("class Farm:\n    def __init__(self, n):\n        self.n = n\n\n    def run(self):\n        return self.n\n")
    first = fg("check", ".", cwd=root)
    assert "test_farm" not in first[1]
    with open(root / "pyproject.toml", "a") as f:
        f.write('\n[tool.forkguard]\nextra-pool-constructors = ["pkg.runner.Farm"]\n')
    switched = fg("check", ".", cwd=root)
    assert "test_farm" in switched[1], switched[1]
    assert switched[3] == 0, "summaries made with other options must not be reused"
    assert switched[:3] == cold(fg, root)
    assert len(list((root / ".forkguard_cache").glob("py-*"))) == 2


def test_no_cache_writes_nothing_and_cache_dir_moves_it(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    cold(fg, root)
    assert not (root / ".forkguard_cache").exists()
    elsewhere = tmp_path / "elsewhere"
    rc, out, err, hits, writes, parsed = fg("check", "--cache-dir", elsewhere, ".", cwd=root)
    assert writes == parsed and (elsewhere / ".gitignore").exists()
    assert not (root / ".forkguard_cache").exists()
    env_dir = tmp_path / "from-env"
    fg("check", ".", cwd=root, extra_env={"FORKGUARD_CACHE_DIR": str(env_dir)})
    assert (env_dir / ".gitignore").exists() and not (root / ".forkguard_cache").exists()
    # `runs` reads the same cache (adding nothing), and --no-cache there too
    kept = sorted(elsewhere.rglob("*"))
    rc, out, err, _, _, _ = fg("runs", "--cache-dir", elsewhere, ".", cwd=root)
    assert rc == 0 and "pytest -n auto tests" in out and sorted(elsewhere.rglob("*")) == kept
    assert fg("runs", "--no-cache", ".", cwd=root)[:3] == (rc, out, err)
    assert not (root / ".forkguard_cache").exists()


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "empty", "directory"])
def test_a_damaged_entry_is_ignored_with_a_warning_and_replaced(fg, tmp_path, damage):
    root = make_project(tmp_path / "proj")
    want = cold(fg, root)
    fg("check", ".", cwd=root)
    victim = entries(root)[0]
    data = victim.read_bytes()
    if damage == "flip":
        victim.write_bytes(data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:])
    elif damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":
        victim.write_bytes(b"#!/bin/sh\necho this is not a cache entry\n" * 4)
    elif damage == "empty":
        victim.write_bytes(b"")
    else:
        victim.unlink()
        victim.mkdir()
    rc, out, err, hits, writes, parsed = fg("check", ".", cwd=root)
    assert (rc, out) == want[:2]
    warned = [line for line in err if victim.name in line]
    assert len(warned) == 1 and "ignored" in warned[0], err
    assert [line for line in err if line not in warned] == want[2]
    if damage != "directory":
        # parsed again and stored again: the next run is clean and warm
        again = fg("check", ".", cwd=root)
        assert again[:3] == want and again[4] == 0


def test_a_cache_that_cannot_be_written_is_not_an_error(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    want = cold(fg, root)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    rc, out, err, hits, writes, parsed = fg("check", "--cache-dir", blocker / "cache", ".", cwd=root)
    assert (rc, out, err) == want and writes == 0


def test_two_runs_at_once_share_one_cache(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    for i in range(12):
        (root / "tests" / f"test_more_{i}.py").write_text(POOL_TEST.replace("test_pool", f"test_pool_{i}"))
    want = cold(fg, root)
    for _ in range(3):
        results = [None] * 4

        def one(k):
            results[k] = fg("check", ".", cwd=root)[:3]

        threads = [threading.Thread(target=one, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r == want for r in results), results
    names = [p.name for p in (root / ".forkguard_cache").rglob("*")]
    assert not [n for n in names if n.startswith(".tmp-")]


def test_a_new_build_removes_folders_unused_for_a_week(fg, tmp_path):
    root = make_project(tmp_path / "proj")
    cache = root / ".forkguard_cache"
    week = 7 * 24 * 3600
    old, recent, foreign = cache / "py-00000000000000aa", cache / "py-00000000000000bb", cache / "notes"
    for d in (old, recent, foreign):
        d.mkdir(parents=True)
        (d / "0123456789abcdef-10").write_bytes(b"FGC1")
    past = time.time() - week - 3600
    os.utime(old, (past, past))
    os.utime(foreign, (past, past))
    os.utime(recent, (time.time() - week + 3600,) * 2)
    rc, out, err, hits, writes, parsed = fg("check", ".", cwd=root)
    assert writes == parsed > 0
    assert not old.exists(), "a folder no run wrote to for a week should go"
    assert recent.exists() and foreign.exists()
    # the folder of this build is kept, and a second run prunes nothing more
    assert fg("check", ".", cwd=root)[4] == 0 and recent.exists()
