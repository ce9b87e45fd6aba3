"""Monorepos: a Python project in a subfolder of a git repository gets its CI
from the workflows at the repository root.

A repository with a `.git` cannot be committed inside a fixture, so each case
of fixtures/monorepo/<case>/ holds the repository's files in `repo/` and this
test copies them to a temporary folder and runs `git init` there. forkguard
then runs from the repository root with the paths in `args`; its output must
match `expected.txt` (then `exit: N`), and where it exists `expected.diff`
is what `--diff --unsafe-fixes` prints: a patch that `patch -p1` applies in
the repository root. FORKGUARD_UPDATE_FIXTURES=1 rewrites the expectations
(read them with `git diff fixtures/` before committing).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, write

CASES_DIR = FIXTURES / "monorepo"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "repo").is_dir())
DIFF_CASES = [c for c in CASES if (CASES_DIR / c / "expected.diff").exists()]
UPDATE = os.environ.get("FORKGUARD_UPDATE_FIXTURES") == "1"


def make_repo(case, where, git=True):
    repo = Path(where) / "repo"
    shutil.copytree(CASES_DIR / case / "repo", repo)
    if git:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def case_args(case):
    return [a for a in (CASES_DIR / case / "args").read_text().split("\n") if a]


def expect(path, got):
    if UPDATE:
        if not path.exists() or path.read_text() != got:
            path.write_text(got)
        return
    assert got == path.read_text(), f"{path} differs"


def tree(root):
    """{relative path: bytes} of the files under root, .git left out."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


@pytest.mark.parametrize("case", CASES)
def test_case_output(run_fg, tmp_path, case):
    repo = make_repo(case, tmp_path)
    r = run_fg("check", "--color", "never", *case_args(case), cwd=repo)
    expect(CASES_DIR / case / "expected.txt",
           r.stdout + r.stderr + f"exit: {r.returncode}\n")


@pytest.mark.parametrize("case", DIFF_CASES)
def test_case_diff_applies_in_the_repository_root(run_fg, tmp_path, case):
    repo = make_repo(case, tmp_path / "a")
    r = run_fg("check", "--color", "never", "--diff", "--unsafe-fixes", *case_args(case),
               cwd=repo)
    assert r.stderr == ""
    assert r.returncode == (1 if r.stdout else 0)
    expect(CASES_DIR / case / "expected.diff", r.stdout)
    # a file outside the project is fixed: the repository's workflow or Makefile
    assert any(line.startswith("--- a/") and not line.startswith("--- a/services/")
               for line in r.stdout.splitlines())
    subprocess.run(["patch", "-p1", "--quiet"], input=r.stdout, text=True, cwd=repo,
                   check=True)
    after = run_fg("check", "--color", "never", *case_args(case), cwd=repo)
    assert after.returncode == 0, after.stdout + after.stderr
    # --fix writes what --diff shows, the repository's workflow included
    fixed = make_repo(case, tmp_path / "b")
    w = run_fg("check", "--fix", "--unsafe-fixes", *case_args(case), cwd=fixed)
    assert w.returncode == 0, w.stdout + w.stderr
    assert tree(fixed) == tree(repo)


def test_diff_does_not_depend_on_where_forkguard_runs(run_fg, tmp_path):
    repo = make_repo("fix-root-workflow", tmp_path)
    from_root = run_fg("check", "--diff", "services/api", cwd=repo)
    from_project = run_fg("check", "--diff", ".", cwd=repo / "services/api")
    from_outside = run_fg("check", "--diff", "repo/services/api", cwd=tmp_path)
    assert from_root.stdout and from_root.returncode == 1
    assert from_project.stdout == from_root.stdout == from_outside.stdout


def test_text_names_the_root_workflow_from_the_project(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path)
    r = run_fg("check", "-q", ".", cwd=repo / "services/api")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert "../../.github/workflows/ci.yml:11:21: FG201 [*] parallel pytest run (-n auto " \
           "on the command line) selects 1 test that starts worker processes" in lines
    assert any(line.startswith("tests/test_api_pool.py:") for line in lines)


def test_annotations_name_files_from_the_repository_root(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path)
    gh = run_fg("check", "--format", "github", ".", cwd=repo / "services/api")
    assert gh.returncode == 1
    files = sorted({line.split("file=")[1].split(",")[0] for line in gh.stdout.splitlines()})
    assert files == [".github/workflows/ci.yml", "services/api/tests/test_api_pool.py"]
    sarif = json.loads(run_fg("check", "--format", "sarif", "services/api", cwd=repo).stdout)
    run = sarif["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    uris = sorted({res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for res in run["results"]})
    assert uris == files
    gitlab = json.loads(run_fg("check", "--format", "gitlab", "services/api", cwd=repo).stdout)
    assert sorted({g["location"]["path"] for g in gitlab}) == files


def test_without_a_repository_the_root_workflows_are_not_the_projects(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path, git=False)
    r = run_fg("check", "-q", "services/api", cwd=repo)
    assert r.returncode == 1
    assert "FG101" in r.stdout and "FG201" not in r.stdout
    assert "workflows" not in r.stdout


def test_own_workflows_and_the_repositorys_both_count(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path)
    write(repo, "services/api/.github/workflows/own.yml",
          "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - run: pytest -n 2 tests\n")
    r = run_fg("check", "-q", "--select", "FG201", "services/api", cwd=repo)
    assert r.returncode == 1
    assert [line.split(":")[0] for line in r.stdout.splitlines()] == [
        "../../.github/workflows/ci.yml", ".github/workflows/own.yml"]


def test_show_files_lists_the_repository_workflows(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path)
    write(repo, ".github/workflows/docs.yml",
          "on: [push]\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - run: cd docs && make html\n")
    r = run_fg("check", "--show-files", "services/api", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert "workflow   ../../.github/workflows/ci.yml" in r.stdout.splitlines()
    assert ("skipped    ../../.github/workflows/docs.yml: the repository's workflow; no "
            "run of it reaches the project") in r.stdout.splitlines()


def test_two_projects_each_get_their_selection(run_fg, tmp_path):
    """A run that reaches both projects is reported for each, with its tests."""
    repo = make_repo("two-projects", tmp_path)
    r = run_fg("check", "--format", "json", "--select", "FG201", "services/api",
               "services/web", cwd=repo)
    both = [d for d in json.loads(r.stdout)["diagnostics"] if d["range"]["start"]["line"] == 13]
    assert [d["path"] for d in both] == [".github/workflows/ci.yml"] * 2
    assert sorted(tuple(n for n in d["notes"] if n.startswith(("selects", "project")))
                  for d in both) == [
        ("selects: tests/test_api_pool.py::test_square", "project: services/api"),
        ("selects: tests/test_web_pool.py::test_square", "project: services/web")]


def test_named_files_of_two_projects(run_fg, tmp_path):
    """pre-commit passes the changed files: each project's own findings, and
    the root workflow's runs that select its changed tests."""
    repo = make_repo("two-projects", tmp_path)
    r = run_fg("check", "-q", "--select", "FG201", "services/web/tests/test_web_pool.py",
               "services/api/tests/test_api_pool.py", cwd=repo)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines == [
        ".github/workflows/ci.yml:11:21: FG201 [*] parallel pytest run (-n auto on the "
        "command line) selects 1 test that starts worker processes",
        ".github/workflows/ci.yml:13:21: FG201 [*] parallel pytest run (-n auto on the "
        "command line) selects 1 test that starts worker processes",
        ".github/workflows/ci.yml:13:21: FG201 [*] parallel pytest run (-n auto on the "
        "command line) selects 1 test that starts worker processes"]
    only_web = run_fg("check", "-q", "--select", "FG201",
                      "services/web/tests/test_web_pool.py", cwd=repo)
    assert only_web.stdout.count("FG201") == 1  # the step for api only is not web's


def test_runs_of_a_project_below_the_root(run_fg, tmp_path):
    repo = make_repo("launchers", tmp_path)
    r = run_fg("runs", "--format", "json", "services/api", cwd=repo)
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout)["runs"]
    # tox -c FILE, tox -c FOLDER, make -C, nox -f, nox in working-directory,
    # a script that goes to `$(dirname "${BASH_SOURCE[0]}")/..`: each runs
    # in the project root
    assert [(x["path"], x["line"], x["workdir"], x["paths"]) for x in runs] == [
        ("../../.github/workflows/ci.yml", line, "", ["tests"])
        for line in (10, 12, 14, 16, 19, 21)]


def test_runs_of_a_sibling_are_not_the_projects(run_fg, tmp_path):
    repo = make_repo("launchers-negative", tmp_path)
    r = run_fg("runs", "--format", "json", "services/api", cwd=repo)
    assert r.returncode == 0, r.stderr
    # the sibling's launchers, `make -f services/api/Makefile`, which runs
    # pytest in the repository root, and api's script that goes to web
    # reach nothing of services/api
    assert json.loads(r.stdout)["runs"] == []
    web = run_fg("runs", "--format", "json", "services/web", cwd=repo)
    assert [x["line"] for x in json.loads(web.stdout)["runs"]] == [10, 12, 14, 18, 21, 23]


def test_a_workflow_outside_the_repository_is_neither_read_nor_written(run_fg, tmp_path):
    repo = make_repo("working-directory", tmp_path)
    outside = tmp_path / "elsewhere" / "ci.yml"
    outside.parent.mkdir()
    shutil.move(repo / ".github/workflows/ci.yml", outside)
    (repo / ".github/workflows/ci.yml").symlink_to(outside)
    before = outside.read_bytes()
    r = run_fg("check", "--fix", "--unsafe-fixes", "services/api", cwd=repo)
    assert "outside" in r.stderr and "ci.yml" in r.stderr
    assert outside.read_bytes() == before
    assert "FG201" not in r.stdout
