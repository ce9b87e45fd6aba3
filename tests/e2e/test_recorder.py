"""The runtime recorder (lint/probe/forkguard_recorder.py) on the projects in
fixtures/probe/, run by Debian's pytest (and pytest-xdist) exactly as a user
would: the plugin loaded with -p through PYTHONPATH, nothing installed."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

PROBE = ROOT / "lint" / "probe"
BASIC = "tests/test_shapes.py::"


def copy_project(tmp_path, name):
    dst = tmp_path / name
    shutil.copytree(FIXTURES / "probe" / name, dst)
    return dst


def clean_env(out, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FORKGUARD_PROBE")) and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(PROBE)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if out is not None:
        env["FORKGUARD_PROBE_DIR"] = str(out)
    env.update(extra)
    return env


def pytest_cmd(*args):
    return ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "forkguard_recorder", *args]


def run_project(project, out, *args, timeout=300, **env):
    return subprocess.run(pytest_cmd(*args), cwd=project, env=clean_env(out, **env),
                          capture_output=True, text=True, timeout=timeout)


def still_running(out, test):
    for path in Path(out).glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if '"still_running"' not in line:
                continue
            try:
                if json.loads(line).get("test") == test:
                    return True
            except ValueError:  # a line still being written
                continue
    return False


def records(out):
    recs = {}
    for path in sorted(Path(out).glob("*.jsonl")):
        recs[path.name] = [json.loads(line) for line in path.read_text().splitlines()]
    return recs


@pytest.fixture(scope="module", params=["serial", "xdist"])
def basic_run(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("probe-" + request.param)
    project = copy_project(tmp, "basic")
    out = tmp / "out"
    args = ["-n", "2"] if request.param == "xdist" else ["-p", "no:xdist"]
    proc = run_project(project, out, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    merged = json.loads((out / "merged.json").read_text())
    return request.param, out, merged


def starts(merged, name):
    return merged["tests"][BASIC + name]["starts"]


def test_every_test_is_recorded_with_its_phases(basic_run):
    mode, out, merged = basic_run
    names = {n.split("::")[1] for n in merged["tests"]}
    assert names == {"test_render_pool", "test_with_server", "test_plugin_by_name",
                     "test_cache_flag_off", "test_fork_with_thread", "test_spawn_context",
                     "test_subprocess", "test_plain"}
    for entry in merged["tests"].values():
        assert entry["outcomes"] == {"setup": "passed", "call": "passed",
                                     "teardown": "passed"}
    # In each file, every phase that begins ends before the next one begins.
    for name, recs in records(out).items():
        opened = None
        for rec in recs:
            assert rec["v"] == 1
            if rec["kind"] == "phase_start":
                assert opened is None, name
                opened = (rec["test"], rec["phase"])
            elif rec["kind"] == "phase_end":
                assert opened == (rec["test"], rec["phase"]), name
                opened = None
        assert recs[0]["kind"] == "session_start" and recs[-1]["kind"] == "session_end"
    assert merged["unfinished"] == []


def test_each_xdist_worker_writes_its_own_file(basic_run):
    mode, out, merged = basic_run
    files = sorted(p.name.split("-")[0] for p in Path(out).glob("*.jsonl"))
    roles = sorted(s["role"] for s in merged["sessions"])
    if mode == "xdist":
        assert files == ["controller", "gw0", "gw1"]
        assert roles == ["controller", "worker", "worker"]
        workers = {w for e in merged["tests"].values() for w in e["workers"]}
        assert workers <= {"gw0", "gw1"} and workers
    else:
        assert files == ["main"] and roles == ["main"]


def test_process_pool_executor_is_a_pool(basic_run):
    mode, out, merged = basic_run
    recs = starts(merged, "test_render_pool")
    assert recs, "ProcessPoolExecutor workers not recorded"
    for rec in recs:
        assert rec["via"] == "ProcessPoolExecutor"
        assert rec["phase"] == "call"
        assert rec["method"] == "fork" and rec["forks"] is True
        assert rec["site"]["path"] == "shapes/render.py"
        assert [f["path"] for f in rec["stack"]] == ["tests/test_shapes.py", "shapes/render.py"]


def test_fixture_starts_in_setup_and_teardown(basic_run):
    mode, out, merged = basic_run
    recs = starts(merged, "test_with_server")
    assert [r["phase"] for r in recs] == ["setup", "teardown"]
    assert all(r["site"]["path"] == "tests/conftest.py" for r in recs)
    assert all(r["method"] == "spawn" and r["forks"] is False for r in recs)
    assert all("threads" not in r for r in recs)


def test_pool_behind_a_plugin_chosen_by_string(basic_run):
    mode, out, merged = basic_run
    recs = starts(merged, "test_plugin_by_name")
    assert len(recs) == 2
    assert {r["via"] for r in recs} == {"multiprocessing.Pool"}
    assert {r["site"]["function"] for r in recs} == {"run"}
    assert {r["site"]["path"] for r in recs} == {"shapes/plugins/procs.py"}


def test_flag_off_and_plain_tests_start_nothing(basic_run):
    mode, out, merged = basic_run
    for name in ("test_cache_flag_off", "test_plain"):
        entry = merged["tests"][BASIC + name]
        assert entry["starts"] == [] and entry["started_processes"] is False


def test_fork_records_the_threads_alive(basic_run):
    mode, out, merged = basic_run
    (rec,) = starts(merged, "test_fork_with_thread")
    assert rec["api"] == "os.fork" and rec["forks"] is True
    assert rec["site"] == {"path": "tests/test_shapes.py", "line": 35,
                           "function": "test_fork_with_thread"}
    names = [t["name"] for t in rec["threads"]]
    assert "ticker" in names
    assert "forkguard-recorder-watchdog" not in names
    ticker = next(t for t in rec["threads"] if t["name"] == "ticker")
    assert ticker["daemon"] is True and ticker["xdist"] is False
    foreign = [t for t in rec["threads"] if t["xdist"]]
    if mode == "xdist":
        assert foreign, "the execnet thread of an xdist worker is not named"
    else:
        assert foreign == []
    assert merged["tests"][BASIC + "test_fork_with_thread"]["forked_with_threads"] is True


def test_spawn_context_is_not_a_fork(basic_run):
    mode, out, merged = basic_run
    (rec,) = starts(merged, "test_spawn_context")
    assert rec["method"] == "spawn" and rec["forks"] is False and rec["via"] is None
    assert merged["tests"][BASIC + "test_spawn_context"]["methods"] == ["spawn"]


def test_subprocess_is_an_exec_not_a_start(basic_run):
    mode, out, merged = basic_run
    entry = merged["tests"][BASIC + "test_subprocess"]
    assert entry["starts"] == []
    assert [e["api"] for e in entry["execs"]] == ["subprocess.Popen"]
    assert entry["execs"][0]["site"]["function"] == "test_subprocess"


def test_no_directory_no_records(tmp_path):
    project = copy_project(tmp_path, "basic")
    proc = run_project(project, None, "-p", "no:xdist", "-k", "render")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    leftovers = [p for p in project.rglob("*") if p.suffix in (".jsonl", ".json")]
    assert leftovers == []
    assert "1 passed" in proc.stdout


def test_merge_command_matches_the_plugin(basic_run):
    mode, out, merged = basic_run
    script = PROBE / "forkguard_recorder.py"
    proc = subprocess.run([sys.executable, str(script), "merge", str(out)],
                          capture_output=True, text=True, timeout=60, env=clean_env(None))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == merged


@pytest.mark.parametrize("mode", ["serial", "xdist"])
def test_hang_names_the_test_and_its_threads(tmp_path, mode):
    project = copy_project(tmp_path, "hang")
    out = tmp_path / "out"
    args = ["-n", "2"] if mode == "xdist" else ["-p", "no:xdist"]
    hung = "tests/test_hang.py::test_fork_while_locked"
    proc = subprocess.Popen(pytest_cmd(*args), cwd=project,
                            env=clean_env(out, FORKGUARD_PROBE_WATCHDOG="1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    # Wait for the watchdog to report the hung test (xdist workers can take a
    # while to start on a loaded machine), then kill the whole run, as a CI
    # timeout would. The run must still be going: it hangs.
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not still_running(out, hung):
            assert proc.poll() is None, "the hanging run exited"
            time.sleep(0.5)
        assert proc.poll() is None, "the hanging run exited"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    lasts = {name: recs[-1] for name, recs in records(out).items() if recs}
    mine = [r for r in lasts.values() if r.get("test") == hung]
    assert len(mine) == 1, lasts
    last = mine[0]
    assert last["kind"] == "still_running" and last["phase"] == "call"
    assert last["elapsed"] >= 1
    holder = [t for t in last["threads"] if t["name"] == "holder"]
    assert holder and any("hold" in f for f in holder[0]["stack"])
    name = next(n for n, r in lasts.items() if r is last)
    fork = [r for r in records(out)[name] if r["kind"] == "start"]
    assert [r["api"] for r in fork] == ["os.fork"]
    assert "holder" in [t["name"] for t in fork[0]["threads"]]
    # The merge, run afterwards on what the killed run left, names it too.
    script = PROBE / "forkguard_recorder.py"
    res = subprocess.run([sys.executable, str(script), "merge", str(out)],
                         capture_output=True, text=True, timeout=60, env=clean_env(None))
    unfinished = json.loads(res.stdout)["unfinished"]
    assert [(u["test"], u["phase"]) for u in unfinished] == [(hung, "call")]
    # The hung thread is blocked in a call that releases the GIL, so the Python
    # watchdog ran and its record holds the test's stack (the faulthandler file
    # is for hangs that hold the GIL).
    main = [t for t in last["threads"] if t["name"] == "MainThread"]
    assert main and any("test_hang.py" in f for f in main[0]["stack"])
    assert list(Path(out).glob("*.faulthandler.txt"))


def test_outcomes_are_the_reported_ones(tmp_path):
    project = copy_project(tmp_path, "outcomes")
    out = tmp_path / "out"
    proc = run_project(project, out, "-p", "no:xdist")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    merged = json.loads((out / "merged.json").read_text())
    got = {n.split("::", 1)[1]: e["outcomes"] for n, e in merged["tests"].items()}
    ok = "passed"
    assert got == {
        "test_fails": {"setup": ok, "call": "failed", "teardown": ok},
        "test_skips": {"setup": ok, "call": "skipped", "teardown": ok},
        "test_setup_error": {"setup": "failed", "teardown": ok},
        "CaseTest::test_unittest_failure": {"setup": ok, "call": "failed", "teardown": ok},
        "CaseTest::test_unittest_skip": {"setup": ok, "call": "skipped", "teardown": ok},
        "CaseTest::test_unittest_pass": {"setup": ok, "call": ok, "teardown": ok},
    }
