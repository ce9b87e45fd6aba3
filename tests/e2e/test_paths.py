"""What a run over named files reports (pre-commit passes the changed files),
runs over several projects, and paths relative to the repository root where
annotations need them."""
import json
import os
import re
import subprocess

import pytest

from conftest import write
from test_precommit import PRE_COMMIT, commit, git, git_repo, hooks_repo, env  # noqa: F401

WORKFLOW = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - run: python -m pytest -n auto tests
"""

POOL_TEST = """\
from concurrent.futures import ProcessPoolExecutor


def test_pool():
    with ProcessPoolExecutor(2) as ex:
        assert list(ex.map(abs, [-1])) == [1]
"""


def project(root):
    write(root, "pyproject.toml", "[project]\nname = 'x'\n")
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    write(root, "tests/test_pool.py", POOL_TEST)
    write(root, "tests/helpers.py", "import multiprocessing\n\n\ndef start():\n"
          "    p = multiprocessing.Process(target=print)\n    p.start()\n    p.join()\n")
    write(root, "tests/test_uses_helper.py", "from tests.helpers import start\n\n\n"
          "def test_helper():\n    start()\n")
    write(root, "tests/test_plain.py", "def test_plain():\n    assert 1\n")
    write(root, "tests/__init__.py", "")
    return root


def codes(run_fg, root, *paths):
    r = run_fg("check", "--format", "json", *[root / p for p in paths], cwd=root)
    assert r.returncode in (0, 1), r.stderr
    return sorted((d["code"], d["path"], d["test"]) for d in
                  json.loads(r.stdout)["diagnostics"])


def test_changed_test_reports_it_and_the_run_that_selects_it(run_fg, tmp_path):
    root = project(tmp_path / "p")
    got = codes(run_fg, root, "tests/test_pool.py")
    assert ("FG101", "tests/test_pool.py", "tests/test_pool.py::test_pool") in got
    ci = [c for c in got if c[0] in ("FG201", "FG301")]
    assert {c[0] for c in ci} == {"FG201", "FG301"}, got
    assert all(c[1] == ".github/workflows/ci.yml" for c in ci)
    # the other pool test is not part of this change
    assert not any(c[2] == "tests/test_uses_helper.py::test_helper" for c in got)


def test_unrelated_change_reports_nothing(run_fg, tmp_path):
    root = project(tmp_path / "p")
    assert codes(run_fg, root, "tests/test_plain.py") == []
    r = run_fg("check", root / "tests/test_plain.py", cwd=root)
    assert r.returncode == 0 and "All checks passed." in r.stdout


def test_changed_helper_reports_the_tests_that_reach_it(run_fg, tmp_path):
    root = project(tmp_path / "p")
    got = codes(run_fg, root, "tests/helpers.py")
    assert ("FG101", "tests/test_uses_helper.py",
            "tests/test_uses_helper.py::test_helper") in got
    assert not any(c[2] == "tests/test_pool.py::test_pool" for c in got)


def test_changed_workflow_reports_its_runs_only(run_fg, tmp_path):
    root = project(tmp_path / "p")
    got = codes(run_fg, root, ".github/workflows/ci.yml")
    assert got and all(c[1] == ".github/workflows/ci.yml" for c in got), got


def test_changed_configuration_reports_everything(run_fg, tmp_path):
    root = project(tmp_path / "p")
    assert codes(run_fg, root, "pyproject.toml") == codes(run_fg, root, ".")


def test_several_projects_each_linted_paths_from_the_repository(run_fg, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    project(repo / "a")
    project(repo / "b")
    r = run_fg("check", "--format", "json", "a/tests/test_pool.py", "b/tests/test_plain.py",
               "b/tests/helpers.py", cwd=repo)
    assert r.returncode == 1, r.stderr
    got = {(d["code"], d["path"]) for d in json.loads(r.stdout)["diagnostics"]}
    assert ("FG101", "a/tests/test_pool.py") in got
    assert ("FG201", "a/.github/workflows/ci.yml") in got
    assert ("FG101", "b/tests/test_uses_helper.py") in got
    assert ("FG101", "b/tests/test_pool.py") not in got
    # the same invocation in the other order prints the same bytes
    again = run_fg("check", "--format", "json", "b/tests/helpers.py", "b/tests/test_plain.py",
                   "a/tests/test_pool.py", cwd=repo)
    assert again.stdout == r.stdout


def test_annotations_name_files_from_the_repository_root(run_fg, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    root = project(repo / "services" / "api")
    gh = run_fg("check", "--format", "github", root)
    files = set(re.findall(r"file=([^,]+),", gh.stdout))
    assert files == {"services/api/tests/test_pool.py",
                     "services/api/tests/test_uses_helper.py",
                     "services/api/.github/workflows/ci.yml"}, gh.stdout
    sarif = json.loads(run_fg("check", "--format", "sarif", root).stdout)["runs"][0]
    assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["results"]}
    assert "services/api/tests/test_pool.py" in uris
    gl = json.loads(run_fg("check", "--format", "gitlab", root).stdout)
    assert {x["location"]["path"] for x in gl} == files
    # the human formats keep the project's own paths for one project
    text = run_fg("check", "--color", "never", root).stdout
    assert "\ntests/test_pool.py:4:5: FG101" in "\n" + text


def test_fix_over_several_projects(run_fg, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    project(repo / "a")
    project(repo / "b")
    diff = run_fg("check", "--diff", "a/tests/test_pool.py", "b/tests/test_pool.py", cwd=repo)
    assert diff.returncode == 1, diff.stderr
    assert "+++ b/a/tests/test_pool.py" in diff.stdout
    assert "+++ b/b/tests/test_pool.py" in diff.stdout
    fix = run_fg("check", "--fix", "a/tests/test_pool.py", "b/tests/test_pool.py", cwd=repo)
    assert "  a/tests/test_pool.py\n" in fix.stdout and "  b/tests/test_pool.py\n" in fix.stdout
    for sub in ("a", "b"):
        assert "@pytest.mark.no_parallel" in (repo / sub / "tests/test_pool.py").read_text()


@pytest.mark.skipif(not os.path.exists(PRE_COMMIT), reason="pre-commit is not installed")
def test_pre_commit_on_a_commit_that_adds_a_pool_test(env, tmp_path, hooks_repo):  # noqa: F811
    """The real pre-commit passes only the staged file; the hook reports the new
    test and the parallel run that would execute it, not the old findings."""
    root = project(tmp_path / "proj")
    (root / "tests/test_pool.py").unlink()
    git_repo(env, root)
    rc_all = subprocess.run([PRE_COMMIT, "try-repo", str(hooks_repo), "forkguard-system",
                             "--all-files"], cwd=root, env=env, capture_output=True, text=True,
                            timeout=180)
    assert "tests/test_uses_helper.py" in rc_all.stdout  # the old finding, with --all-files
    write(root, "tests/test_new.py", POOL_TEST)
    git(env, root, "add", "tests/test_new.py")
    r = subprocess.run([PRE_COMMIT, "try-repo", str(hooks_repo), "forkguard-system"],
                       cwd=root, env=env, capture_output=True, text=True, timeout=180)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "tests/test_new.py:4:5: FG101" in out, out
    assert ".github/workflows/ci.yml" in out and "FG201" in out, out
    assert "tests/test_uses_helper.py:4:5: FG101" not in out, out
