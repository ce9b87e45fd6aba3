"""SPEC §9 and §7: action.yml is a composite action that builds forkguard and
runs `forkguard check --format github`; the github format is one well-formed
workflow command per finding."""
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT
from test_sarif import CASES

ACTION = ROOT / "action.yml"

# ::error file=F,line=N,col=N,endLine=N,endColumn=N,title=CODE name::message
LINE = re.compile(r"^::error file=(?P<file>[^,:]+),line=(?P<line>[1-9]\d*),col=(?P<col>[1-9]\d*),"
                  r"endLine=(?P<endLine>[1-9]\d*),endColumn=(?P<endColumn>[1-9]\d*),"
                  r"title=(?P<title>FG\d{3} [a-z0-9]+(?:-[a-z0-9]+)*)::(?P<message>[^\r\n]+)$")


def unescape(s):
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":") \
            .replace("%2C", ",").replace("%25", "%")


def action():
    return yaml.safe_load(ACTION.read_text())


def runs(doc):
    return [s["run"] for s in doc["runs"]["steps"] if "run" in s]


def test_action_structure():
    doc = action()
    assert doc["name"] and doc["description"]
    assert doc["runs"]["using"] == "composite"
    inputs = doc["inputs"]
    assert inputs["path"]["default"] == "."
    assert inputs["args"]["default"] == ""
    steps = doc["runs"]["steps"]
    for step in steps:
        assert step.get("name")
        if "run" in step:
            # composite run steps must name their shell
            assert step["shell"] == "bash"
            # inputs reach scripts through env, never spliced into the script
            assert "${{" not in step["run"], step["name"]
    scripts = runs(doc)
    assert any("apt-get install" in s and "libtree-sitter-dev" in s for s in scripts)
    assert any("npm ci --ignore-scripts" in s for s in scripts)
    build = [s for s in scripts if "cmake -S" in s]
    assert build and "cmake --build" in build[0]
    assert "forkguard check --format github" in scripts[-1]
    assert "${{ inputs.path }}" in str(steps[-1].get("env"))
    assert "${{ inputs.args }}" in str(steps[-1].get("env"))


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_action_scripts_parse():
    for script in runs(action()):
        r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_action_check_step_runs(tmp_path, fg_bin, example):
    """The last step's script, run as the runner would: the built forkguard on
    PATH, the inputs in the environment."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "forkguard").symlink_to(os.path.abspath(fg_bin))
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               FG_PATH=str(example), FG_ARGS="--select FG101,FG201")
    script = runs(action())[-1]
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), r.stdout
    assert {LINE.match(line)["title"].split()[0] for line in lines} == {"FG101", "FG201"}

    clean = dict(env, FG_ARGS="--select FG101 --exit-zero")
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=clean,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


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
    for line, d in zip(lines, diags):
        m = LINE.match(line)
        assert m, line
        assert unescape(m["file"]) == d["path"]
        start, end = d["range"]["start"], d["range"]["end"]
        assert (int(m["line"]), int(m["col"])) == (start["line"], start["column"])
        assert (int(m["endLine"]), int(m["endColumn"])) == (end["line"], end["column"])
        assert m["title"] == f'{d["code"]} {d["name"]}'
        assert unescape(m["message"]) == d["message"]
