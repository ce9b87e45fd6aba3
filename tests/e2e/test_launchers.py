"""Launcher files written to make the CI model work hard or loop: every one
ends quickly with a clean exit (no crash, no hang), and the run that is
really there is still found."""
import json
import time

import pytest

from conftest import write

POOL = ("from concurrent.futures import ProcessPoolExecutor\n\n\n"
        "def test_pool():\n"
        "    with ProcessPoolExecutor(2) as ex:\n"
        "        assert ex.submit(abs, -1).result() == 1\n")


def workflow(command):
    return ("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: {command}\n")


def project(tmp_path, command, files):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\nversion = '0'\n")
    write(tmp_path, "tests/test_pool.py", POOL)
    write(tmp_path, ".github/workflows/ci.yml", workflow(command))
    for rel, text in files.items():
        write(tmp_path, rel, text)
    return tmp_path


FAN = 60

CASES = {
    # a script that sources itself and calls itself many times
    "script-self": ("bash ci/a.sh -n 2", {
        "ci/a.sh": "".join("source ci/a.sh \"$@\"\n" for _ in range(FAN))
                   + "pytest \"$@\" tests\n"}),
    # make targets calling each other in a circle, many times each
    "make-circle": ("make a", {
        "Makefile": "a:\n" + "\t$(MAKE) b\n" * FAN + "\tpytest -n 2 tests\n"
                    "b:\n" + "\t$(MAKE) a\n" * FAN}),
    # tox substitutions that multiply
    "tox-env-bomb": ("tox -e py", {
        "tox.ini": "[tox]\nenvlist = py\n[testenv]\nsetenv =\n"
                   + "".join(f"    V{i} = " + " ".join([f"{{env:V{i + 1}:x}}"] * 8) + "\n"
                             for i in range(12))
                   + "commands = pytest -n 2 tests {env:V0:}\n"}),
    # hatch scripts fanning out into each other
    "hatch-fan": ("hatch run s0", {
        "hatch.toml": "[envs.default.scripts]\n"
                      + "".join(f"s{i} = [" + ", ".join([f"\"s{i + 1}\""] * 20) + "]\n"
                                for i in range(8))
                      + "s8 = \"pytest -n 2 tests\"\n"}),
    # pixi tasks depending on each other
    "pixi-circle": ("pixi run a", {
        "pixi.toml": "[workspace]\nname = 'x'\nchannels = []\nplatforms = []\n[tasks]\n"
                     "a = { cmd = 'pytest -n 2 tests', depends-on = ['b'] }\n"
                     "b = { cmd = 'true', depends-on = ['a'] }\n"}),
    # a nox session calling a helper that calls itself, from many places
    "nox-helpers": ("nox -s t", {
        "noxfile.py": "import nox\n\n\ndef h(session):\n"
                      + "    h(session)\n" * FAN
                      + "    session.run('pytest', '-n', '2', 'tests')\n\n\n"
                        "@nox.session\ndef t(session):\n" + "    h(session)\n" * FAN}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hard_launcher_files_end_quickly(run_fg, tmp_path, name):
    command, files = CASES[name]
    root = project(tmp_path, command, files)
    start = time.monotonic()
    r = run_fg("runs", "--format", "json", root, timeout=60)
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    assert elapsed < 20, f"{name} took {elapsed:.1f}s"
    runs = json.loads(r.stdout)["runs"]
    # the pytest command is still found, parallel
    assert any(run["xdist"] for run in runs), r.stdout
    c = run_fg("check", "--select", "FG201", root, timeout=60)
    assert c.returncode == 1, c.stdout + c.stderr
