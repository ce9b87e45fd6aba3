"""`forkguard probe` for real: the built binary runs Debian's pytest (and
pytest-xdist) on copies of fixture projects with the recorder it carries,
then `forkguard check` reads what the run saw (docs/observed-format.md)."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

PYTHON = "/usr/bin/python3"
SHAPES = "tests/test_shapes.py::"


def snapshot(root):
    """Every file outside .forkguard/ with its bytes and modification time."""
    out = {}
    for path in sorted(Path(root).rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".forkguard" or not path.is_file():
            continue
        out[str(rel)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def probe(fg_bin, project, *args, timeout=240):
    # no bytecode settings of our own: the probe's (write none) is under test
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FORKGUARD_"))
           and k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    return subprocess.run([fg_bin, "probe", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


def check(fg_bin, project, *args):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run([fg_bin, "check", "--color", "never", *args, "."], cwd=project,
                          env=env, capture_output=True, text=True, timeout=120)


def findings(fg_bin, project, *args):
    r = check(fg_bin, project, "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r.stderr


def by_test(report, code):
    return {d["test"]: d for d in report["diagnostics"] if d["code"] == code}


@pytest.fixture(scope="module")
def basic(tmp_path_factory, fg_bin):
    """fixtures/probe/basic probed once under xdist by a copy of the binary
    alone in a folder: the recorder it loads is the one built into it."""
    tmp = tmp_path_factory.mktemp("probe-basic")
    project = tmp / "basic"
    shutil.copytree(FIXTURES / "probe" / "basic", project)
    alone = tmp / "bin" / "forkguard"
    alone.parent.mkdir()
    shutil.copy2(fg_bin, alone)
    before = snapshot(project)
    r = probe(str(alone), project, "--python", PYTHON, "--", "-n", "2")
    return project, r, before


def test_probe_passes_pytest_status_and_writes_only_its_folder(basic):
    project, r, before = basic
    assert r.returncode == 0, r.stdout + r.stderr
    assert "8 passed" in r.stdout
    assert snapshot(project) == before, "files outside .forkguard/ changed"
    # no bytecode anywhere, .forkguard/ included (the caches already there are read)
    assert not list(project.rglob("__pycache__")) and not list(project.rglob("*.pyc"))
    dot = project / ".forkguard"
    assert "*" in (dot / ".gitignore").read_text().splitlines()
    assert (dot / "recorder" / "forkguard_recorder.py").read_bytes() == \
        (ROOT / "lint" / "probe" / "forkguard_recorder.py").read_bytes()
    # the project's git would see nothing of it
    git = subprocess.run(["git", "init", "-q", str(project)], capture_output=True)
    if git.returncode == 0:
        st = subprocess.run(["git", "-C", str(project), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True)
        assert ".forkguard" not in st.stdout


def test_observed_json_says_what_started(basic):
    project, r, _ = basic
    obs = json.loads((project / ".forkguard" / "observed.json").read_text())
    assert obs["version"] == 1 and obs["exit_status"] == 0 and not obs["timed_out"]
    assert obs["workers"] == ["gw0", "gw1"] and obs["sessions"] == 3
    tests = obs["tests"]
    assert len(tests) == 8 and all(t["outcome"] == "passed" for t in tests.values())
    methods = {n.split("::")[1]: sorted({s["method"] for s in t["starts"]})
               for n, t in tests.items()}
    assert methods == {"test_render_pool": ["fork"], "test_with_server": ["spawn"],
                       "test_plugin_by_name": ["fork"], "test_cache_flag_off": [],
                       "test_fork_with_thread": ["fork"], "test_spawn_context": ["spawn"],
                       "test_subprocess": [], "test_plain": []}
    assert tests[SHAPES + "test_subprocess"]["execs"] == 1
    pool = tests[SHAPES + "test_render_pool"]["starts"]
    # the pool's two workers look the same: one entry, counted twice
    assert len(pool) == 1 and pool[0]["count"] == 2 and pool[0]["via"] == "ProcessPoolExecutor"
    (fork,) = tests[SHAPES + "test_fork_with_thread"]["starts"]
    names = {t["name"] for t in fork["threads"]}
    assert "ticker" in names and any(t["xdist"] for t in fork["threads"])


def test_summary_by_start_method_and_forks_with_threads(basic):
    project, r, _ = basic
    out = r.stdout[r.stdout.index("forkguard probe: 8 tests ran"):]
    assert "5 tests started processes (fork: 3, spawn: 2)" in out
    assert "spawn      tests/test_shapes.py::test_spawn_context" in out
    line = next(l for l in out.splitlines() if "test_fork_with_thread:" in l)
    assert "ticker" in line and "execnet" in line
    assert "wrote .forkguard/observed.json" in out


def test_check_reads_the_observation(basic, fg_bin):
    project, _, _ = basic
    report, err = findings(fg_bin, project)
    assert "observed.json" not in err, err
    fg101 = by_test(report, "FG101")
    fg106 = by_test(report, "FG106")
    # found statically, and seen
    note = [n for n in fg101[SHAPES + "test_render_pool"]["notes"] if "probe run" in n]
    assert note and note[0].startswith("observed in the probe run: fork, ProcessPoolExecutor")
    spawn = [n for n in fg101[SHAPES + "test_spawn_context"]["notes"] if "probe run" in n]
    assert spawn[0].startswith("observed in the probe run: spawn")
    # behind a false flag: the static finding stays, the run did not see it
    if SHAPES + "test_cache_flag_off" in fg101:
        flag = [n for n in fg101[SHAPES + "test_cache_flag_off"]["notes"] if "probe run" in n]
        assert flag == ["not observed in the probe run: the test ran (passed) and started "
                        "no process"]
    # behind a plugin chosen by a string: only the run saw it
    plugin = fg106[SHAPES + "test_plugin_by_name"]
    assert [r["path"] for r in plugin["related"]] == ["shapes/plugins/procs.py"] * 2
    assert plugin["related"][-1]["message"] == "multiprocessing.Pool"
    assert plugin["fix"]["applicability"] == "safe"
    assert "@pytest.mark.no_parallel" in plugin["fix"]["edits"][-1]["replacement"]
    # os.fork in the test: FG101 when the model counts the fork, FG106 when only
    # the run saw it; either names the thread that was alive
    fork = fg101.get(SHAPES + "test_fork_with_thread") or fg106[SHAPES + "test_fork_with_thread"]
    assert any("ticker" in n for n in fork["notes"])
    # the fork with a background thread alive is named in FG301
    (fg301,) = [d for d in report["diagnostics"] if d["code"] == "FG301"]
    thread_note = [n for n in fg301["notes"] if "test_fork_with_thread" in n]
    assert thread_note and "ticker" in thread_note[0] and "execnet" in thread_note[0]
    # a plain test is nobody's finding
    assert SHAPES + "test_plain" not in fg101 and SHAPES + "test_plain" not in fg106


def test_trust_observed_drops_what_the_run_did_not_see(basic, fg_bin):
    project, _, _ = basic
    plain, _ = findings(fg_bin, project)
    trusted, _ = findings(fg_bin, project, "--trust-observed")
    gone = set(by_test(plain, "FG101")) - set(by_test(trusted, "FG101"))
    assert gone == ({SHAPES + "test_cache_flag_off"}
                    if SHAPES + "test_cache_flag_off" in by_test(plain, "FG101") else set())
    assert trusted["summary"].get("dropped_unobserved", 0) == len(gone)
    r = check(fg_bin, project, "--trust-observed")
    if gone:
        assert "1 FG101 finding dropped" in r.stdout


def test_fix_marks_the_observed_tests_and_the_observation_goes_stale(tmp_path, basic,
                                                                     fg_bin):
    src, _, _ = basic
    project = tmp_path / "basic"
    shutil.copytree(src, project, symlinks=True)
    r = check(fg_bin, project, "--fix")
    assert r.returncode == 1, r.stdout + r.stderr  # FG102, FG301 remain
    text = (project / "tests" / "test_shapes.py").read_text()
    assert "@pytest.mark.no_parallel\ndef test_plugin_by_name" in text
    assert "@pytest.mark.no_parallel\ndef test_fork_with_thread" in text
    # the sources changed after the run: check says so and reads nothing
    r = check(fg_bin, project)
    assert "observed.json is older than tests/" in r.stderr, r.stderr
    assert "FG106" not in r.stdout and "probe run" not in r.stdout
    # named explicitly, it is read without a word: the tests the run saw are
    # marked now, so FG106 has nothing left to say
    r = check(fg_bin, project, "--observed", ".forkguard/observed.json")
    assert r.stderr == "" and "FG106" not in r.stdout and "FG102" in r.stdout


def test_broken_observation(tmp_path, fg_bin):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "probe" / "basic", project)
    (project / ".forkguard").mkdir()
    (project / ".forkguard" / "observed.json").write_text('{"version": 1, "tests": {')
    r = check(fg_bin, project)
    assert r.returncode == 1 and "observed.json: not used: not JSON" in r.stderr, r.stderr
    r = check(fg_bin, project, "--observed", ".forkguard/observed.json")
    assert r.returncode == 2 and "--observed .forkguard/observed.json: not JSON" in r.stderr
    (project / "v2.json").write_text('{"version": 2, "tests": {}}')
    r = check(fg_bin, project, "--observed", "v2.json")
    assert r.returncode == 2 and "format version 2" in r.stderr


def leftover_processes(project):
    """Processes still running in the project's folder."""
    left = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd == str(project):
            left.append(proc.name)
    return left


def test_hang_is_stopped_and_named(tmp_path, fg_bin):
    project = tmp_path / "hang"
    shutil.copytree(FIXTURES / "e2e" / "hang" / "project", project)
    # The timeout leaves room for starting the xdist workers on a loaded
    # machine (2 shared cores: 20 s were once not enough to reach the test).
    t0 = time.monotonic()
    r = probe(fg_bin, project, "--python", PYTHON, "--timeout", "45", "--", "-n", "2",
              timeout=150)
    took = time.monotonic() - t0
    assert r.returncode == 124, r.stdout + r.stderr
    # the timeout, the dump request (3 s at most) and the grace period (2 s)
    assert took < 45 + 3 + 2 + 5, took
    err = r.stderr
    assert "did not finish in 45 s (--timeout)" in err
    assert "hung: tests/performance/test_pool.py::test_quote_in_pool, in its call phase" in err
    forked = next(l for l in err.splitlines() if l.strip().startswith("it forked"))
    assert "ProcessPoolExecutor" in forked and "catalog-refresh" in forked
    assert "execnet" in forked
    # the threads when it was stopped: the refresher holds the lock in reload()
    assert "catalog-refresh: inventory/catalog.py" in err and "reload" in err
    obs = json.loads((project / ".forkguard" / "observed.json").read_text())
    assert obs["timed_out"] and obs["exit_status"] is None
    (hang,) = [h for h in obs["hung"] if h["elapsed"] is not None]
    assert hang["test"] == "tests/performance/test_pool.py::test_quote_in_pool"
    assert "catalog-refresh" in {t["name"] for t in hang["threads"]}
    assert obs["tests"][hang["test"]]["outcome"] == "unfinished"
    # the whole process group went: no worker or pool child is left
    time.sleep(0.5)
    assert leftover_processes(project) == []


def test_exit_status_of_pytest_is_passed_through(tmp_path, fg_bin):
    project = tmp_path / "outcomes"
    shutil.copytree(FIXTURES / "probe" / "outcomes", project)
    r = probe(fg_bin, project, "--pytest", f"{PYTHON} -m pytest", "-q", "--", "-p",
              "no:xdist")
    assert r.returncode == 1, r.stdout + r.stderr
    obs = json.loads((project / ".forkguard" / "observed.json").read_text())
    outcomes = {n.split("::", 1)[1]: t["outcome"] for n, t in obs["tests"].items()}
    assert outcomes["test_fails"] == "failed" and outcomes["test_setup_error"] == "error"
    assert outcomes["test_skips"] == "skipped"
    assert r.stdout.count("forkguard probe:") == 0  # -q: no summary


def test_probe_own_errors(tmp_path, fg_bin):
    project = tmp_path / "outcomes"
    shutil.copytree(FIXTURES / "probe" / "outcomes", project)
    r = probe(fg_bin, project, "--python", str(tmp_path / "no-such-python"))
    assert r.returncode == 127 and "No such file or directory" in r.stderr
    # a command that is not pytest: the recorder wrote nothing
    r = probe(fg_bin, project, "--pytest", "true")
    assert r.returncode == 125 and "the recorder wrote nothing" in r.stderr
    assert not (project / ".forkguard" / "observed.json").exists()
    for args, why in ((["--timeout", "0"], "--timeout takes a time"),
                      (["--python", "a", "--pytest", "b"], "cannot be combined"),
                      (["--frobnicate"], "unknown option for probe"),
                      ([str(tmp_path / "missing")], "probe takes the project's directory")):
        r = probe(fg_bin, project, *args)
        assert r.returncode == 2 and why in r.stderr, (args, r.stderr)
    r = probe(fg_bin, project, "--help")
    assert r.returncode == 0 and "Exit codes: pytest's own; 124" in r.stdout
