"""SPEC §9: the repository's .pre-commit-hooks.yaml, proven with the real
pre-commit program (Debian's), offline: `language: system` installs nothing,
PRE_COMMIT_HOME lives in the test's temporary directory, and try-repo clones
a local git repository that holds this checkout's hooks file."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit") or "/usr/bin/pre-commit"
FILES_RE = r"\.(py|ya?ml|toml|ini|cfg)$"

needs_pre_commit = pytest.mark.skipif(
    not os.path.exists(PRE_COMMIT), reason="pre-commit is not installed (Debian: pre-commit)")


def hooks():
    return {h["id"]: h for h in yaml.safe_load(HOOKS_FILE.read_text())}


def test_hooks_file_contract():
    by_id = hooks()
    assert set(by_id) == {"forkguard", "forkguard-fix"}
    for hook in by_id.values():
        assert hook["name"]
        assert hook["language"] in ("system", "script")
        assert hook["pass_filenames"] is False
        assert hook["files"] == FILES_RE
        re.compile(hook["files"])
    assert by_id["forkguard"]["entry"] == "forkguard check"
    assert by_id["forkguard-fix"]["entry"] == "forkguard check --fix --exit-non-zero-on-fix"


def test_readme_local_hook_mirrors_hooks_file():
    """The `repo: local` snippet in README.md runs what the hooks file runs."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    local = [yaml.safe_load(b) for b in blocks if "repo: local" in b]
    assert local, "README.md shows no `repo: local` pre-commit configuration"
    by_id = hooks()
    seen = 0
    for config in local:
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                want = by_id[hook["id"]]
                for key in ("entry", "language", "pass_filenames", "files"):
                    assert key in hook, f"{hook['id']}: README omits {key}"
                for key, value in hook.items():
                    assert want.get(key) == value, f"{hook['id']}: {key} differs"
                seen += 1
    assert seen


@pytest.fixture
def env(tmp_path, fg_bin):
    """PATH with the built forkguard first; pre-commit's cache and git's global
    configuration kept out of the user's home."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "forkguard").symlink_to(os.path.abspath(fg_bin))
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update({
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        # any attempt to reach the network fails fast instead of hanging
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    })
    return e


def git(env, cwd, *args):
    r = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def git_repo(env, path):
    git(env, path, "init", "-q", "-b", "main")
    git(env, path, "config", "user.name", "forkguard tests")
    git(env, path, "config", "user.email", "tests@forkguard.invalid")
    git(env, path, "config", "commit.gpgsign", "false")
    commit(env, path, "initial")


def commit(env, path, message):
    git(env, path, "add", "-A")
    git(env, path, "commit", "-q", "-m", message)


@pytest.fixture
def hooks_repo(tmp_path, env):
    """A committed git repository whose only file is this checkout's hooks file:
    what try-repo clones (the checkout itself may have uncommitted work, or not
    be a git repository at all when CI copies it)."""
    repo = tmp_path / "hooks-repo"
    repo.mkdir()
    shutil.copy2(HOOKS_FILE, repo / ".pre-commit-hooks.yaml")
    git_repo(env, repo)
    return repo


@pytest.fixture
def project(tmp_path, env):
    dst = tmp_path / "project"
    shutil.copytree(FIXTURES / "example", dst, symlinks=True)
    git_repo(env, dst)
    return dst


def try_repo(env, project, hooks_repo, hook):
    r = subprocess.run([PRE_COMMIT, "try-repo", str(hooks_repo), hook, "--all-files"],
                       cwd=project, env=env, capture_output=True, text=True, timeout=180)
    return r.returncode, r.stdout + r.stderr


@needs_pre_commit
def test_hook_fails_then_passes_after_fix(env, project, hooks_repo, fg_bin):
    rc, out = try_repo(env, project, hooks_repo, "forkguard")
    assert rc == 1, out
    assert "FG101" in out and "FG201" in out, out
    assert re.search(r"^forkguard\.+Failed$", out, re.M), out

    fixed = subprocess.run(["forkguard", "check", "--fix", "--unsafe-fixes"], cwd=project,
                           env=env, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    commit(env, project, "forkguard --fix --unsafe-fixes")

    rc, out = try_repo(env, project, hooks_repo, "forkguard")
    assert rc == 0, out
    assert re.search(r"^forkguard\.+Passed$", out, re.M), out
    assert "FG1" not in out and "FG2" not in out


@needs_pre_commit
def test_fix_hook_writes_safe_fixes_and_fails(env, project, hooks_repo):
    rc, out = try_repo(env, project, hooks_repo, "forkguard-fix")
    assert rc == 1, out
    assert re.search(r"^forkguard \(fix\)\.+Failed$", out, re.M), out
    assert "files were modified by this hook" in out, out
    changed = git(env, project, "diff", "--name-only").split()
    assert "tests/performance/test_bulk.py" in changed, changed
    assert "@pytest.mark.no_parallel" in (project / "tests/performance/test_bulk.py").read_text()


@needs_pre_commit
def test_hook_skipped_without_matching_files(env, tmp_path, hooks_repo):
    """`files` limits the hook to the kinds of files forkguard reads."""
    proj = tmp_path / "docs-only"
    proj.mkdir()
    (proj / "README.md").write_text("# notes\n")
    git_repo(env, proj)
    rc, out = try_repo(env, proj, hooks_repo, "forkguard")
    assert rc == 0, out
    assert re.search(r"^forkguard\.+\(no files to check\)Skipped$", out, re.M), out
