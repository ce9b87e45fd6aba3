"""The command line contract (SPEC §6): exit codes, errors on stderr naming
the file and the reason, and bad input handled as normal input."""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import write


def test_findings_exit_1(run_fg, example):
    r = run_fg("check", "--color", "never", example)
    assert r.returncode == 1, r.stderr
    assert "FG101" in r.stdout and "FG201" in r.stdout
    assert "Found 4 findings (2 fixable)." in r.stdout


def test_clean_project_exit_0(run_fg, tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path, "tests/test_a.py", "def test_a():\n    assert 1\n")
    r = run_fg("check", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "All checks passed." in r.stdout


def test_exit_zero_flag(run_fg, example):
    assert run_fg("check", "--exit-zero", example).returncode == 0


def test_missing_path_exit_2(run_fg, tmp_path):
    r = run_fg("check", tmp_path / "nope")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "no such file" in lines[0].lower()
    assert r.stdout == ""


def test_unknown_option_exit_2(run_fg):
    r = run_fg("check", "--frobnicate")
    assert r.returncode == 2
    assert "--frobnicate" in r.stderr


def test_unknown_format_exit_2(run_fg, example):
    r = run_fg("check", "--format", "xml", example)
    assert r.returncode == 2 and "--format" in r.stderr


def test_unknown_rule_explain_exit_2(run_fg):
    r = run_fg("explain", "FG999")
    assert r.returncode == 2 and "FG999" in r.stderr


def test_explain_by_code_and_name(run_fg):
    by_code = run_fg("explain", "FG101")
    by_name = run_fg("explain", "unmarked-pool-test")
    assert by_code.returncode == 0 and by_code.stdout == by_name.stdout
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in by_code.stdout


def test_rules_json_lists_catalogue(run_fg):
    r = run_fg("rules", "--format", "json")
    rules = json.loads(r.stdout)
    codes = [x["code"] for x in rules]
    assert codes == sorted(codes) and "FG001" in codes and "FG101" in codes


def test_version(run_fg):
    r = run_fg("--version")
    assert r.returncode == 0 and r.stdout.startswith("forkguard ")


def test_empty_files_are_fine(run_fg, tmp_path):
    write(tmp_path, "pyproject.toml", "")
    write(tmp_path, "tests/test_empty.py", "")
    write(tmp_path, ".github/workflows/empty.yml", "")
    r = run_fg("check", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_unreadable_file_exit_2_names_it(fg_bin):
    # a world-traversable folder, so that an unprivileged user reaches the file
    tmp_path = Path(tempfile.mkdtemp(prefix="fg-unreadable-", dir="/tmp"))
    write(tmp_path, "pyproject.toml", "")
    bad = write(tmp_path, "tests/test_secret.py", "def test_a():\n    pass\n")
    bad.chmod(0)
    os.chmod(tmp_path, 0o755)
    cmd = [fg_bin, "check", str(tmp_path)]
    if os.geteuid() == 0:
        # root reads anything: drop to nobody so the permission bits count
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "tests/test_secret.py" in r.stderr and "Permission denied" in r.stderr


def test_malformed_inputs_do_not_crash(run_fg, tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.pytest.ini_options\naddopts = '-n auto\n")
    write(tmp_path, ".github/workflows/a.yml", "jobs: [\n" * 2000)
    write(tmp_path, ".github/workflows/b.yml", "\x00\x01\x02binary\xff\xfe")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_bin.py").write_bytes(
        b"from multiprocessing import Pool\n" + b"\xff\xfe\x00def test_x(:\n" * 100)
    write(tmp_path, "tests/test_deep.py",
          "def test_deep():\n    x = " + "(" * 5000 + ")" * 5000 + "\n")
    r = run_fg("check", "--format", "json", tmp_path)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    paths = {d["path"] for d in doc["diagnostics"] if d["code"] == "FG001"}
    assert ".github/workflows/a.yml" in paths and ".github/workflows/b.yml" in paths
    # Python files are parsed when they can matter (they mention pools here)
    assert "tests/test_bin.py" in paths


def test_symlink_loop_terminates(run_fg, tmp_path):
    write(tmp_path, "pyproject.toml", "")
    (tmp_path / "tests").mkdir()
    os.symlink("..", tmp_path / "tests" / "loop")
    os.symlink("loop2", tmp_path / "tests" / "loop1")
    os.symlink("loop1", tmp_path / "tests" / "loop2")
    write(tmp_path, "tests/test_a.py", "def test_a():\n    pass\n")
    r = run_fg("check", tmp_path, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr


def test_path_with_spaces(run_fg, tmp_path):
    root = tmp_path / "my project"
    write(root, "pyproject.toml", "")
    write(root, "tests/test pool.py",
          "from multiprocessing import Pool\n\ndef test_p():\n    Pool(2)\n")
    r = run_fg("check", "--format", "json", root)
    doc = json.loads(r.stdout)
    assert [d["path"] for d in doc["diagnostics"]] == []  # "test pool.py" is not test_*.py
    write(root, "tests/test_pool.py", "from multiprocessing import Pool\n\ndef test_p():\n"
          "    with Pool(2):\n        pass\n")
    doc = json.loads(run_fg("check", "--format", "json", root).stdout)
    assert [d["path"] for d in doc["diagnostics"]] == ["tests/test_pool.py"]


def test_output_file(run_fg, example, tmp_path):
    out = tmp_path / "report.json"
    r = run_fg("check", "--format", "json", "--output", out, example)
    assert r.returncode == 1 and r.stdout == ""
    assert json.loads(out.read_text())["summary"]["findings"] == 4


def test_no_color_env(run_fg, example):
    r = run_fg("check", "--color", "always", example, env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout
    r = run_fg("check", "--color", "always", example)
    assert "\x1b[" in r.stdout


def test_json_is_stable(run_fg, example):
    a = run_fg("check", "--format", "json", example).stdout
    b = run_fg("check", "--format", "json", example).stdout
    assert a == b
    doc = json.loads(a)
    keys = [(d["path"], d["range"]["start"]["offset"], d["code"]) for d in doc["diagnostics"]]
    assert keys == sorted(keys)


def test_jobs_do_not_change_output(run_fg, tmp_path):
    """Files are parsed on --jobs threads; the report is the same byte for byte."""
    from conftest import FIXTURES
    outs = set()
    for case in ("fg101/helper_resolution/project", "fg101/fixture_resolution/project",
                 "ci/launchers/project"):
        for jobs in ("1", "2", "8"):
            r = run_fg("check", "--format", "json", "--jobs", jobs, FIXTURES / case)
            outs.add((case, r.stdout))
    assert len(outs) == 3
    assert run_fg("check", "--jobs", "0", FIXTURES / "example").returncode == 2


def test_runs_lists_every_run(run_fg, example):
    """`forkguard runs` prints one block per pytest run and a summary; JSON has
    the same runs with their cells and pool tests."""
    text = run_fg("runs", example)
    assert text.returncode == 0, text.stderr
    assert text.stdout.count(": pytest run\n") >= 1
    assert "  xdist:" in text.stdout and "  cells:" in text.stdout
    assert text.stdout.rstrip().splitlines()[-1].startswith("Found ")
    js = run_fg("runs", "--format", "json", example)
    data = json.loads(js.stdout)
    assert data["version"] == 1
    runs = data["runs"]
    assert len(runs) == text.stdout.count(": pytest run\n")
    for r in runs:
        for key in ("path", "line", "where", "argv", "xdist", "cells", "unknown",
                    "pool_tests", "reported"):
            assert key in r, key
    assert any(r["xdist"] and r["pool_tests"] and "FG201" in r["reported"] for r in runs)


def test_runs_usage_errors(run_fg, example, tmp_path):
    r = run_fg("runs", "--fix", example)
    assert r.returncode == 2 and "--fix" in r.stderr
    r = run_fg("runs", "--format", "sarif", example)
    assert r.returncode == 2 and "--format" in r.stderr
    r = run_fg("runs", example, example)
    assert r.returncode == 2 and "one PATH" in r.stderr
    r = run_fg("runs", tmp_path / "nope")
    assert r.returncode == 2 and "nope" in r.stderr


def test_runs_of_a_project_without_ci(run_fg, tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    r = run_fg("runs", "--format", "json", tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout) == {"version": 1, "runs": [], "unfollowed": []}
