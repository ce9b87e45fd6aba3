"""SPEC §9: the repository's .pre-commit-hooks.yaml, proven with the real
pre-commit program (Debian's), offline. PRE_COMMIT_HOME lives in the test's
temporary directory, and the hooks repository pre-commit clones is a local git
repository holding this checkout's files.

- forkguard / forkguard-fix (`language: python`): pre-commit pip-installs the
  repository; its in-tree backend puts the release binary, checked by sha256,
  in the wheel. Run from the README's configuration with no forkguard on PATH,
  against a fake release directory (FORKGUARD_RELEASE_URL=file://...) holding
  the built binary.
- forkguard-system / forkguard-fix-system (`language: system`): the forkguard
  on PATH."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit") or "/usr/bin/pre-commit"
FILES_RE = r"(\.(py|ya?ml|toml|ini|cfg)|(^|/)(Makefile|\.python-version))$"
CHECK = "forkguard check"
FIX = "forkguard check --fix --exit-non-zero-on-fix"

needs_pre_commit = pytest.mark.skipif(
    not os.path.exists(PRE_COMMIT), reason="pre-commit is not installed (Debian: pre-commit)")


def hooks():
    return {h["id"]: h for h in yaml.safe_load(HOOKS_FILE.read_text())}


def version():
    return re.search(r"^project\(forkguard VERSION ([0-9.]+)",
                     (ROOT / "CMakeLists.txt").read_text(), re.M).group(1)


def test_hooks_file_contract():
    by_id = hooks()
    assert set(by_id) == {"forkguard", "forkguard-fix", "forkguard-system",
                          "forkguard-fix-system"}
    for hook in by_id.values():
        assert hook["name"]
        assert hook.get("pass_filenames", True) is True  # the changed files
        assert hook["require_serial"] is True
        assert hook["files"] == FILES_RE
        re.compile(hook["files"])
    for ident, entry in [("forkguard", CHECK), ("forkguard-fix", FIX)]:
        assert by_id[ident]["language"] == "python"
        assert by_id[ident]["entry"] == entry
        system = by_id[f"{ident}-system"]
        assert system["language"] == "system"
        assert system["entry"] == entry and system["name"] == by_id[ident]["name"]


def readme_configs():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    return [yaml.safe_load(b) for b in blocks if b.startswith("repos:")]


def test_readme_local_hook_mirrors_hooks_file():
    """The `repo: local` snippet in README.md runs what the system hooks run."""
    local = [c for c in readme_configs() if c["repos"][0]["repo"] == "local"]
    assert local, "README.md shows no `repo: local` pre-commit configuration"
    system = {h["entry"]: h for h in hooks().values() if h["language"] == "system"}
    seen = 0
    for config in local:
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                want = system[hook["entry"]]
                for key in ("entry", "language", "require_serial", "files"):
                    assert key in hook, f"{hook['id']}: README omits {key}"
                    assert want[key] == hook[key], f"{hook['id']}: {key} differs"
                seen += 1
    assert seen


def readme_remote_config():
    """The README's configuration for the hooks of this repository."""
    remote = [c for c in readme_configs() if c["repos"][0]["repo"] != "local"]
    assert len(remote) == 1, "README.md shows one `repo:` configuration for this repository"
    return remote[0]


def test_readme_remote_config_names_a_release():
    config = readme_remote_config()
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{version()}", "the README's rev is this version's tag"
    assert [h["id"] for h in repo["hooks"]] == ["forkguard"]
    assert hooks()["forkguard"]["language"] == "python"


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
    rc, out = try_repo(env, project, hooks_repo, "forkguard-system")
    assert rc == 1, out
    assert "FG101" in out and "FG201" in out, out
    assert re.search(r"^forkguard\.+Failed$", out, re.M), out

    fixed = subprocess.run(["forkguard", "check", "--fix", "--unsafe-fixes"], cwd=project,
                           env=env, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    commit(env, project, "forkguard --fix --unsafe-fixes")

    rc, out = try_repo(env, project, hooks_repo, "forkguard-system")
    assert rc == 0, out
    assert re.search(r"^forkguard\.+Passed$", out, re.M), out
    assert "FG1" not in out and "FG2" not in out


@needs_pre_commit
def test_fix_hook_writes_safe_fixes_and_fails(env, project, hooks_repo):
    rc, out = try_repo(env, project, hooks_repo, "forkguard-fix-system")
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
    rc, out = try_repo(env, proj, hooks_repo, "forkguard-system")
    assert rc == 0, out
    assert re.search(r"^forkguard\.+\(no files to check\)Skipped$", out, re.M), out


# --- language: python: nothing but pre-commit --------------------------------

def source_files():
    """What a clone of this repository holds (the backend's sdist list)."""
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import forkguard_build
        return forkguard_build.source_files()
    finally:
        sys.path.remove(str(ROOT / "packaging"))


@pytest.fixture
def release_repo(tmp_path, env):
    """This repository as pre-commit clones it: its files, committed, tagged
    v<version>."""
    repo = tmp_path / "forkguard-repo"
    for rel in source_files():
        dst = repo / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst, follow_symlinks=False)
    git_repo(env, repo)
    git(env, repo, "tag", f"v{version()}")
    return repo


def fake_release(path, binary, digest=None):
    """A release directory as the GitHub release holds it: the binary asset and
    SHA256SUMS (digest: what SHA256SUMS claims, the real sha256 by default)."""
    path.mkdir()
    name = f"forkguard-{version()}-linux-{os.uname().machine}"
    shutil.copy2(binary, path / name)
    digest = digest or hashlib.sha256((path / name).read_bytes()).hexdigest()
    (path / "SHA256SUMS").write_text(f"{digest}  {name}\n")
    return path


@pytest.fixture
def bare_env(tmp_path, env):
    """The environment of a user who has pre-commit and nothing else: PATH holds
    every command of /usr/bin and /bin but forkguard."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for d in ("/usr/bin", "/bin"):
        for name in os.listdir(d):
            if name != "forkguard" and not (tools / name).exists():
                (tools / name).symlink_to(os.path.join(d, name))
    e = dict(env, PATH=str(tools), HOME=str(tmp_path / "home"))
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PIP_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        e.pop(var, None)
    assert shutil.which("forkguard", path=e["PATH"]) is None
    return e


def readme_config_for(project, repo):
    """The README's configuration, pointed at the local clone of this repository."""
    config = readme_remote_config()
    config["repos"][0]["repo"] = str(repo)
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def pre_commit_run(env, project):
    r = subprocess.run([PRE_COMMIT, "run", "--all-files"], cwd=project, env=env,
                       capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def installed_forkguard(env):
    found = sorted(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/forkguard"))
    assert len(found) == 1, found
    return found[0]


@needs_pre_commit
def test_python_hook_from_readme_without_forkguard_on_path(bare_env, project, release_repo,
                                                           fg_bin, tmp_path):
    release = fake_release(tmp_path / "release", fg_bin)
    env = dict(bare_env, FORKGUARD_RELEASE_URL=release.as_uri())
    readme_config_for(project, release_repo)
    commit(env, project, "pre-commit configuration from the README")

    rc, out = pre_commit_run(env, project)
    assert rc == 1, out
    assert "Installing environment" in out, out
    assert re.search(r"^forkguard\.+Failed$", out, re.M), out
    assert "FG101" in out and "FG201" in out, out
    exe = installed_forkguard(env)
    assert exe.read_bytes() == Path(fg_bin).read_bytes()

    fixed = subprocess.run([str(exe), "check", "--fix", "--unsafe-fixes"], cwd=project, env=env,
                           capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    commit(env, project, "forkguard --fix --unsafe-fixes")

    # the environment is kept: no second install, no release needed any more
    shutil.rmtree(release)
    rc, out = pre_commit_run(env, project)
    assert rc == 0, out
    assert "Installing environment" not in out, out
    assert re.search(r"^forkguard\.+Passed$", out, re.M), out


@needs_pre_commit
def test_python_hook_refuses_a_binary_whose_sha256_differs(bare_env, project, release_repo,
                                                           fg_bin, tmp_path):
    release = fake_release(tmp_path / "release", fg_bin, digest="0" * 64)
    env = dict(bare_env, FORKGUARD_RELEASE_URL=release.as_uri())
    readme_config_for(project, release_repo)
    commit(env, project, "pre-commit configuration from the README")
    rc, out = pre_commit_run(env, project)
    assert rc != 0, out
    assert f"expected {'0' * 64}; not installing it" in out, out
    assert not list(Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/forkguard"))
