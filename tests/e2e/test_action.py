"""SPEC §9 and §7: action.yml is a composite action that puts forkguard on PATH
(the release binary, checked by sha256; a cached source build as the fallback:
scripts/action-install.sh) and runs `forkguard check --format github`, or
SARIF for code scanning; the github format is one well-formed workflow command
per finding. The install script runs here against fake release directories
(FORKGUARD_RELEASE_URL=file://...)."""
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_sarif import CASES

ACTION = ROOT / "action.yml"
INSTALL = ROOT / "scripts" / "action-install.sh"

# ::error file=F,line=N,col=N,endLine=N,endColumn=N,title=CODE name::message
LINE = re.compile(r"^::error file=(?P<file>[^,:]+),line=(?P<line>[1-9]\d*),col=(?P<col>[1-9]\d*),"
                  r"endLine=(?P<endLine>[1-9]\d*),endColumn=(?P<endColumn>[1-9]\d*),"
                  r"title=(?P<title>FG\d{3} [a-z0-9]+(?:-[a-z0-9]+)*)::(?P<message>[^\r\n]+)$")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w.-]+)*@[0-9a-f]{40}$")


def unescape(s):
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":") \
            .replace("%2C", ",").replace("%25", "%")


def action():
    return yaml.safe_load(ACTION.read_text())


def steps():
    return {s["name"]: s for s in action()["runs"]["steps"]}


def runs(doc):
    return [s["run"] for s in doc["runs"]["steps"] if "run" in s]


def version():
    return re.search(r"^project\(forkguard VERSION ([0-9.]+)",
                     (ROOT / "CMakeLists.txt").read_text(), re.M).group(1)


def test_action_structure():
    doc = action()
    assert doc["name"] and doc["description"]
    assert doc["runs"]["using"] == "composite"
    inputs = doc["inputs"]
    assert {k: v["default"] for k, v in inputs.items()} == {
        "path": ".", "args": "", "version": "", "sarif": "false"}
    for step in doc["runs"]["steps"]:
        assert step.get("name")
        if "run" in step:
            # composite run steps must name their shell
            assert step["shell"] == "bash"
            # inputs reach scripts through env, never spliced into the script
            assert "${{" not in step["run"], step["name"]
        else:
            assert PINNED.match(step["uses"]), f"{step['uses']}: pin actions by commit"
    by = steps()
    install = by["Download forkguard"]
    assert install["id"] == "install"
    assert "scripts/action-install.sh\" download" in install["run"]
    assert install["env"]["FG_VERSION"] == "${{ inputs.version }}"
    # the fallback: cached, then built, only when the download did not install
    cache = by["Restore the forkguard build cache"]
    build = by["Build forkguard from source"]
    for step in (cache, build):
        assert step["if"] == "steps.install.outputs.installed != 'true'"
    assert cache["uses"].startswith("actions/cache@")
    assert "steps.install.outputs.source-key" in cache["with"]["key"]
    assert cache["with"]["path"] == build["env"]["FG_CACHE_DIR"]
    assert "scripts/action-install.sh\" build" in build["run"]
    check = by["forkguard check"]
    assert check["id"] == "check"
    assert "forkguard check --format github" in check["run"]
    assert "forkguard check --format sarif --output" in check["run"]
    assert check["env"] == {"FG_PATH": "${{ inputs.path }}", "FG_ARGS": "${{ inputs.args }}",
                            "FG_SARIF": "${{ inputs.sarif }}"}
    upload = by["Upload the SARIF file to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert "!cancelled()" in upload["if"] and "steps.check.outputs.sarif-file" in upload["if"]


def test_tools_are_found_with_command_v_not_dpkg():
    """A runner's node, cmake... may come from anywhere: asking dpkg alone
    installs what is there, or fails where node came from NodeSource."""
    texts = runs(action()) + [INSTALL.read_text()]
    assert not [t for t in texts if "dpkg" in t]
    assert "command -v" in INSTALL.read_text()


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_action_scripts_parse():
    for script in runs(action()):
        r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    r = subprocess.run(["bash", "-n", str(INSTALL)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# --- scripts/action-install.sh ---------------------------------------------------

class Runner:
    """The runner's files and variables for one step."""

    def __init__(self, tmp_path, **env):
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.output = tmp_path / "github-output"
        self.path = tmp_path / "github-path"
        self.output.write_text("")
        self.path.write_text("")
        self.env = dict(os.environ, RUNNER_TEMP=str(self.temp), GITHUB_OUTPUT=str(self.output),
                        GITHUB_PATH=str(self.path), **env)
        for var in ("FORKGUARD_RELEASE_URL", "GITHUB_ACTION_PATH", "FG_VERSION"):
            if var not in env:
                self.env.pop(var, None)

    def run(self, *args, script=INSTALL):
        return subprocess.run(["bash", str(script), *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def outputs(self):
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines())

    def paths(self):
        return self.path.read_text().splitlines()


def asset():
    return f"forkguard-{version()}-linux-{os.uname().machine}"


def fake_release(path, binary, digest=None):
    path.mkdir()
    shutil.copy2(binary, path / asset())
    digest = digest or hashlib.sha256((path / asset()).read_bytes()).hexdigest()
    (path / "SHA256SUMS").write_text(f"{'1' * 64}  forkguard-other\n{digest}  {asset()}\n")
    return path


def test_install_downloads_and_checks_the_release(tmp_path, fg_bin):
    release = fake_release(tmp_path / "release", fg_bin)
    runner = Runner(tmp_path, FORKGUARD_RELEASE_URL=release.as_uri())
    r = runner.run("download")
    assert r.returncode == 0, r.stderr
    out = runner.outputs()
    assert out["installed"] == "true"
    assert re.fullmatch(r"[0-9a-f]{32}", out["source-key"])
    (bindir,) = runner.paths()
    exe = Path(bindir) / "forkguard"
    assert exe.read_bytes() == Path(fg_bin).read_bytes() and os.access(exe, os.X_OK)
    assert f"installed {asset()} (sha256 " in r.stderr
    v = subprocess.run(["forkguard", "--version"], env={"PATH": bindir}, capture_output=True,
                       text=True)
    assert v.stdout.strip() == f"forkguard {version()}"


def test_install_refuses_a_wrong_checksum(tmp_path, fg_bin):
    release = fake_release(tmp_path / "release", fg_bin, digest="0" * 64)
    runner = Runner(tmp_path, FORKGUARD_RELEASE_URL=release.as_uri())
    r = runner.run("download")
    assert r.returncode == 1
    assert f"expected {'0' * 64}: not using it" in r.stderr and "::error::" in r.stderr
    assert runner.paths() == [] and "installed" not in runner.outputs()


def action_copy(tmp_path, pinned):
    """The action's files with a packaging/SHA256SUMS pinned at release time."""
    root = tmp_path / "action"
    (root / "scripts").mkdir(parents=True)
    (root / "packaging").mkdir()
    shutil.copy2(INSTALL, root / "scripts")
    shutil.copy2(ROOT / "CMakeLists.txt", root)
    (root / "packaging" / "SHA256SUMS").write_text(f"{pinned}  {asset()}\n")
    return root / "scripts" / INSTALL.name


def test_install_pinned_checksum_wins(tmp_path, fg_bin):
    release = fake_release(tmp_path / "release", fg_bin)
    runner = Runner(tmp_path, FORKGUARD_RELEASE_URL=release.as_uri())
    # the release's SHA256SUMS agrees with its binary, but not with the pin
    r = runner.run("download", script=action_copy(tmp_path, "f" * 64))
    assert r.returncode == 1 and f"expected {'f' * 64}" in r.stderr, r.stderr
    assert runner.paths() == []

    # the pin alone is enough: the release's SHA256SUMS is not needed
    (release / "SHA256SUMS").unlink()
    good = hashlib.sha256(Path(fg_bin).read_bytes()).hexdigest()
    shutil.rmtree(tmp_path / "action")
    r = runner.run("download", script=action_copy(tmp_path, good))
    assert r.returncode == 0 and runner.outputs()["installed"] == "true", r.stderr


def test_install_without_a_release_asks_for_the_build(tmp_path):
    empty = tmp_path / "release"
    empty.mkdir()
    runner = Runner(tmp_path, FORKGUARD_RELEASE_URL=empty.as_uri())
    r = runner.run("download")
    assert r.returncode == 0, r.stderr
    assert runner.outputs()["installed"] == "false"
    assert "SHA256SUMS: not found; building from source" in r.stderr
    assert runner.paths() == []


def test_release_url_is_the_action_repository(tmp_path):
    runner = Runner(tmp_path, GITHUB_ACTION_PATH="/home/runner/work/_actions/acme/fg/v1",
                    GITHUB_SERVER_URL="https://github.example")
    r = runner.run("url")
    assert r.stdout.strip() == f"https://github.example/acme/fg/releases/download/v{version()}"
    runner.env["FG_VERSION"] = "1.2.3"
    assert runner.run("url").stdout.strip().endswith("/acme/fg/releases/download/v1.2.3")
    runner.env["FG_VERSION"] = "latest; rm -rf /"
    r = runner.run("url")
    assert r.returncode == 2 and "exact X.Y.Z" in r.stderr
    # `uses: ./`: the action is the workspace itself, there is no release
    local = Runner(tmp_path, GITHUB_ACTION_PATH="/home/runner/work/repo/repo")
    assert local.run("url").stdout == ""


def test_build_uses_the_cached_binary(tmp_path, fg_bin):
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy2(fg_bin, cache / "forkguard")
    runner = Runner(tmp_path, FG_CACHE_DIR=str(cache), FORKGUARD_NO_INSTALL="1")
    r = runner.run("build")
    assert r.returncode == 0, r.stderr
    assert "using the cached build" in r.stderr
    assert runner.paths() == [str(cache)]


def test_build_finds_tools_with_command_v(tmp_path):
    """No node on PATH: nodejs is missing whatever dpkg says; a node from
    anywhere on PATH is enough."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for d in ("/usr/bin", "/bin"):
        for name in os.listdir(d):
            if name not in ("node", "nodejs", "cmake") and not (tools / name).exists():
                (tools / name).symlink_to(os.path.join(d, name))
    cache = tmp_path / "cache"
    runner = Runner(tmp_path, FG_CACHE_DIR=str(cache), FORKGUARD_NO_INSTALL="1",
                    PATH=str(tools))
    r = runner.run("build")
    assert r.returncode == 1
    missing = re.search(r"cannot build forkguard: missing (.*)", r.stderr)
    assert missing, r.stderr
    assert "cmake" in missing.group(1).split() and "nodejs" in missing.group(1).split()

    elsewhere = tmp_path / "node-from-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "node").write_text("#!/bin/sh\necho v20.0.0\n")
    (elsewhere / "node").chmod(0o755)
    runner.env["PATH"] = f"{elsewhere}:{tools}"
    r = runner.run("build")
    missing = re.search(r"cannot build forkguard: missing (.*)", r.stderr)
    assert missing and "nodejs" not in missing.group(1).split(), r.stderr
    assert not cache.exists()


# --- the check step ------------------------------------------------------------

def check_script():
    return steps()["forkguard check"]["run"]


def test_action_check_step_runs(tmp_path, fg_bin, example):
    """The check step's script, run as the runner would: the built forkguard on
    PATH, the inputs in the environment."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "forkguard").symlink_to(os.path.abspath(fg_bin))
    runner = Runner(tmp_path, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
                    FG_PATH=str(example), FG_ARGS="--select FG101,FG201", FG_SARIF="false")
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check_script()],
                       env=runner.env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), r.stdout
    assert {LINE.match(line)["title"].split()[0] for line in lines} == {"FG101", "FG201"}
    assert runner.outputs() == {}

    clean = dict(runner.env, FG_ARGS="--select FG101 --exit-zero")
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", check_script()], env=clean,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_action_check_step_sarif(tmp_path, fg_bin, example):
    """sarif: true writes SARIF for the upload step, and findings still fail
    the step; a tool error (exit 2) leaves nothing to upload."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "forkguard").symlink_to(os.path.abspath(fg_bin))
    runner = Runner(tmp_path, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
                    FG_PATH=str(example), FG_ARGS="", FG_SARIF="true")
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", check_script()], env=runner.env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    sarif = Path(runner.outputs()["sarif-file"])
    assert sarif.parent == runner.temp
    doc = json.loads(sarif.read_text())
    assert doc["version"] == "2.1.0"
    assert {res["ruleId"] for res in doc["runs"][0]["results"]} >= {"FG101", "FG201"}

    sarif.unlink()
    runner.output.write_text("")
    broken = dict(runner.env, FG_PATH=str(tmp_path / "no such project"))
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", check_script()], env=broken,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "sarif-file" not in runner.outputs()


def test_github_format_example(run_fg, example):
    r = run_fg("check", "--format", "github", example)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert any(line.startswith("::error file=tests/performance/test_bulk.py,line=6,col=5,"
                               "endLine=6,endColumn=21,title=FG101 unmarked-pool-test::")
               for line in lines), r.stdout


@pytest.mark.parametrize("name,src,args", CASES, ids=[c[0] for c in CASES])
def test_github_format_lines(run_fg, name, src, args):
    gh = run_fg("check", "--format", "github", *args, src)
    js = run_fg("check", "--format", "json", *args, src)
    assert gh.returncode == js.returncode and gh.returncode in (0, 1), gh.stderr
    diags = json.loads(js.stdout)["diagnostics"]
    lines = gh.stdout.splitlines()
    assert len(lines) == len(diags)
    # annotations name files from the repository root, where GitHub looks
    top = Path(src).resolve()
    while not (top / ".git").exists() and top != top.parent:
        top = top.parent
    prefix = os.path.relpath(Path(src).resolve(), top) if (top / ".git").exists() else "."
    for line, d in zip(lines, diags):
        m = LINE.match(line)
        assert m, line
        assert unescape(m["file"]) == os.path.normpath(os.path.join(prefix, d["path"]))
        start, end = d["range"]["start"], d["range"]["end"]
        assert (int(m["line"]), int(m["col"])) == (start["line"], start["column"])
        assert (int(m["endLine"]), int(m["endColumn"])) == (end["line"], end["column"])
        assert m["title"] == f'{d["code"]} {d["name"]}'
        assert unescape(m["message"]) == d["message"]
