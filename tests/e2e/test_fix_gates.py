"""`--fix --unsafe-fixes` on projects configured like real ones, then the
projects' own gates and CI commands, for real: isort (profile black), black,
flake8 and mypy (strict on the tests) on what forkguard wrote; the fixed
workflow steps run with bash, the fixed tox env with Debian's tox, the fixed
Makefile with make, all with Debian's pytest, pytest-xdist and pytest-cov.

Each project is built, fixed and checked once (module fixtures); the tests
read the results. Patterns (the fixes issue): 1 explicit start methods kept,
2 -m from shell values, 3 tox/make posargs and empty selections, 4 coverage
and reports, 5 the project's gates, 6 minimal and honest fixes."""
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import write

PY = "/usr/bin/python3"
LICENCE = "# Copyright (c) Example Authors.\n# SPDX-License-Identifier: MIT\n"


def env_for(root, **extra):
    """PATH with Debian's python3 as `python`, nothing from elsewhere."""
    bindir = Path(root).parent / "bin"
    bindir.mkdir(exist_ok=True)
    if not (bindir / "python").exists():
        (bindir / "python").symlink_to(PY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    # only the plugins these projects use: Debian's others slow every start
    env.update(PATH=f"{bindir}:/usr/bin:/bin", HOME=str(Path(root).parent),
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               PYTEST_PLUGINS="xdist.plugin,xdist.looponfail,pytest_cov.plugin",
               MYPY_CACHE_DIR=str(Path(root).parent.parent / "mypy-cache"), **extra)
    env.pop("PYTHONPATH", None)
    return env


def sh(cmd, cwd, timeout=240, **env):
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=cwd,
                          env=env_for(cwd, **env), capture_output=True, text=True,
                          timeout=timeout)


def workers(out):
    """Did pytest-xdist start workers in this output (`gw0 [2] / gw1 [2]`)?"""
    return re.search(r"\bgw\d+ \[", out) is not None


def fix(fg_bin, root, *extra):
    r = subprocess.run([fg_bin, "check", "--fix", "--unsafe-fixes", *extra, str(root)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "error" not in r.stderr, r.stderr
    return r


def check(fg_bin, root, *extra):
    return subprocess.run([fg_bin, "check", "--color", "never", *extra, str(root)],
                          capture_output=True, text=True, timeout=120)


def steps(root):
    wf = yaml.safe_load((root / ".github/workflows/ci.yml").read_text())
    return [s for job in wf["jobs"].values() for s in job["steps"] if "run" in s]


def gates(root):
    """The project's own gates, as configured in its files."""
    out = {}
    for name, cmd in (("isort", ["isort", "--check-only", "--diff", "tests"]),
                      ("black", ["black", "--check", "--diff", "tests"]),
                      ("flake8", ["flake8", "tests"]),
                      ("mypy", ["mypy", "tests"])):
        r = subprocess.run(cmd, cwd=root, env=env_for(root), capture_output=True,
                           text=True, timeout=240)
        out[name] = (r.returncode, r.stdout + r.stderr)
    return out


POOL = """
def _double(x: int) -> int:
    return 2 * x
"""

# ---- project 1: gates configured like a real project -------------------------

STRICT_PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-p no:cacheprovider"

[tool.isort]
profile = "black"
line_length = 79

[tool.black]
line-length = 79

[tool.mypy]
strict = true

# numpy is optional (the tests import it in a try): mypy passes whether or
# not this machine has it
[[tool.mypy.overrides]]
module = ["numpy"]
ignore_missing_imports = true
"""

STRICT_CONFTEST = LICENCE + '''"""Shared fixtures."""
import os

import pytest


@pytest.fixture
def cwd() -> str:
    return os.getcwd()
'''

STRICT_CLASS = LICENCE + '''"""Pool tests grouped in a class."""
import csv
import io
from concurrent.futures import ProcessPoolExecutor

from tests.helpers import double


class TestPools:
    def test_map(self) -> None:
        with ProcessPoolExecutor(2) as ex:
            assert list(ex.map(double, [1, 2])) == [2, 4]

    def test_submit(self) -> None:
        with ProcessPoolExecutor(2) as ex:
            assert ex.submit(double, 3).result() == 6


def test_plain() -> None:
    assert list(csv.reader(io.StringIO("a,b"))) == [["a", "b"]]
'''

STRICT_MODULE = LICENCE + '''from concurrent.futures import ProcessPoolExecutor

import pytest

from tests.helpers import double

try:
    import numpy  # noqa: F401
except ImportError:
    HAVE_NUMPY = False
else:
    HAVE_NUMPY = True

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
]


def test_one() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(double, 1).result() == 2


def test_two() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(double, 2).result() == 4
'''

STRICT_TRY = LICENCE + '''from concurrent.futures import ProcessPoolExecutor

from tests.helpers import double

try:
    import numpy  # noqa: F401
except ImportError:
    HAVE_NUMPY = False


def test_one() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(double, 1).result() == 2


def test_two() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(double, 2).result() == 4
'''

# a fork-safety test: it means fork, and must keep it
STRICT_FORK = '''import multiprocessing

from tests.helpers import double


def test_fork_context() -> None:
    ctx = multiprocessing.get_context("fork")
    assert multiprocessing.get_context("fork") is ctx
    with ctx.Pool(2) as pool:
        assert pool.map(double, [1]) == [2]
'''

STRICT_WORKFLOW = """\
name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Tests
        run: pytest -n 2 tests
"""


@pytest.fixture(scope="module")
def strict(fg_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("strict") / "project"
    write(root, "pyproject.toml", STRICT_PYPROJECT)
    write(root, "setup.cfg", "[flake8]\nmax-line-length = 79\n")
    write(root, ".github/workflows/ci.yml", STRICT_WORKFLOW)
    write(root, "tests/__init__.py", "")
    write(root, "tests/helpers.py", POOL.lstrip() + "\n\ndouble = _double\n")
    write(root, "tests/conftest.py", STRICT_CONFTEST)
    write(root, "tests/test_class.py", STRICT_CLASS)
    write(root, "tests/test_module.py", STRICT_MODULE)
    write(root, "tests/test_try.py", STRICT_TRY)
    write(root, "tests/test_fork.py", STRICT_FORK)
    before = gates(root)
    # safe fixes first, on a copy: check must still offer the start method
    safe = root.parent / "safe"
    shutil.copytree(root, safe)
    subprocess.run([fg_bin, "check", "--fix", str(safe)], capture_output=True, timeout=120)
    after_safe = check(fg_bin, safe, "--unsafe-fixes")
    fixed = fix(fg_bin, root)
    results = {"before": before, "after": gates(root), "fix": fixed,
               "after_safe": after_safe, "recheck": check(fg_bin, root)}
    results["runs"] = [(s["name"], sh(s["run"], root)) for s in steps(root)]
    return root, results


def test_pattern5_generated_code_passes_isort_black_flake8_mypy(strict):
    root, res = strict
    for tool, (rc, out) in res["before"].items():
        assert rc == 0, f"the project must pass {tool} before the fix:\n{out}"
    for tool, (rc, out) in res["after"].items():
        assert rc == 0, f"{tool} fails on what forkguard wrote:\n{out}"


def test_pattern5_imports_sections_and_annotations(strict):
    root, _ = strict
    conftest = (root / "tests/conftest.py").read_text()
    assert conftest.startswith(LICENCE + '"""Shared fixtures."""\nimport multiprocessing\n'
                               "import os\nimport sys\n\nimport pytest\n"), conftest
    assert "def pytest_configure(config: pytest.Config) -> None:" in conftest
    assert max(len(line) for line in conftest.splitlines()) <= 79
    cls = (root / "tests/test_class.py").read_text()
    assert cls.startswith(LICENCE + '"""Pool tests grouped in a class."""\nimport csv\n'
                          "import io\nfrom concurrent.futures import ProcessPoolExecutor\n"
                          "\nimport pytest\n\nfrom tests.helpers import double\n"), cls


def test_pattern6_one_class_decorator_and_pytestmark_placement(strict):
    root, _ = strict
    cls = (root / "tests/test_class.py").read_text()
    assert cls.count("@pytest.mark.no_parallel") == 1
    assert "@pytest.mark.no_parallel\nclass TestPools:" in cls
    module = (root / "tests/test_module.py").read_text()
    # the hand-formatted list keeps one element a line
    assert ('    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),\n'
            "    pytest.mark.no_parallel,\n]\n") in module
    tried = (root / "tests/test_try.py").read_text()
    assert "    HAVE_NUMPY = False\n\npytestmark = pytest.mark.no_parallel\n\n\n" in tried


def test_pattern1_explicit_fork_is_kept(strict):
    root, res = strict
    fork = (root / "tests/test_fork.py").read_text()
    assert fork.count('get_context("fork")') == 2, fork
    assert "FG102" not in res["fix"].stdout + res["recheck"].stdout


def test_pattern6_safe_fix_then_check_offers_the_start_method(strict):
    _, res = strict
    out = res["after_safe"].stdout
    assert re.search(r"FG301 \[\*\] .* serial half of an xdist split", out), out


def test_strict_project_ci_passes_and_recheck_is_clean(strict):
    root, res = strict
    assert res["recheck"].returncode == 0, res["recheck"].stdout
    names = [n for n, _ in res["runs"]]
    assert names == ["Tests", "Tests (no_parallel, serial)"]
    for name, r in res["runs"]:
        assert r.returncode == 0, f"{name}:\n{r.stdout}\n{r.stderr}"
    serial = res["runs"][1][1].stdout
    assert "7 passed" in serial and not workers(serial), serial
    assert workers(res["runs"][0][1].stdout), res["runs"][0][1].stdout


# ---- project 2: -m from shell values, coverage from addopts ---------------------

VALUES_WORKFLOW = """\
name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - name: Tests
        run: pytest -n 2 -m "$TARGET" tests --junitxml=reports/junit.xml
  matrix:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    strategy:
      matrix:
        m: ["", "slow"]
    steps:
      - uses: actions/checkout@v4
      - name: Matrix
        run: pytest -n 2 -m "${{ matrix.m }}" tests
"""

VALUES_TESTS = '''import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from pkg.a import double
from pkg.b import triple


def test_pool() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(double, 1).result() == 2
    assert os.environ.get("FAIL") != "1"


@pytest.mark.slow
def test_slow_pool() -> None:
    with ProcessPoolExecutor(2) as ex:
        assert ex.submit(abs, -1).result() == 1


@pytest.mark.slow
def test_slow() -> None:
    assert triple(1) == 3


def test_plain() -> None:
    assert triple(2) == 6
'''


def actions_expr(script, m):
    """What Actions substitutes for the two expressions forkguard writes."""
    cond = f"({m}) and " if m else ""
    script = script.replace("${{ matrix.m && format('({0}) and ', matrix.m) || '' }}", cond)
    return script.replace("${{ matrix.m }}", m)


@pytest.fixture(scope="module")
def values(fg_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("values") / "project"
    write(root, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
          'pythonpath = ["."]\naddopts = "-p no:cacheprovider --cov=pkg --cov-report="\n'
          'markers = ["slow: slow tests"]\n')
    write(root, ".github/workflows/ci.yml", VALUES_WORKFLOW)
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/a.py", "def double(x: int) -> int:\n    return 2 * x\n")
    write(root, "pkg/b.py", "def triple(x: int) -> int:\n    return 3 * x\n")
    write(root, "tests/test_values.py", VALUES_TESTS)
    first = fix(fg_bin, root)
    second = fix(fg_bin, root)
    res = {"first": first, "second": second, "recheck": check(fg_bin, root),
           "steps": steps(root), "runs": {}}
    parallel = next(s["run"] for s in res["steps"] if s["name"] == "Tests")
    serial = next(s["run"] for s in res["steps"] if s["name"] == "Tests (no_parallel, serial)")
    # TARGET empty: both halves, then what coverage holds after them
    res["runs"]["Tests", ""] = sh(parallel, root, TARGET="")
    res["runs"]["Tests (no_parallel, serial)", ""] = sh(serial, root, TARGET="")
    res["coverage"] = sh("python -m coverage report", root)
    for name, script in (("Tests", parallel), ("Tests (no_parallel, serial)", serial)):
        res["runs"][name, "slow"] = sh(script, root, TARGET="slow")
    res["empty"] = sh(serial, root, TARGET="not slow and slow")
    res["failing"] = sh(serial, root, TARGET="", FAIL="1")
    for name in ("Matrix", "Matrix (no_parallel, serial)"):
        script = next(s["run"] for s in res["steps"] if s["name"] == name)
        for m in ("", "slow"):
            res["runs"][name, m] = sh(actions_expr(script, m), root)
    return root, res


def test_pattern2_every_value_gives_a_valid_expression(values):
    _, res = values
    for (name, value), r in res["runs"].items():
        assert r.returncode == 0, f"{name} with {value!r}:\n{r.stdout}\n{r.stderr}"
    # the parallel half never runs a pool test, the serial half only those
    par = res["runs"]["Tests", "slow"].stdout
    assert "1 passed" in par and workers(par), par
    ser = res["runs"]["Tests (no_parallel, serial)", ""].stdout
    assert "2 passed" in ser and not workers(ser), ser


def test_pattern2_no_run_split_twice(values):
    root, res = values
    assert "Fixed" not in res["second"].stdout, res["second"].stdout
    assert res["recheck"].returncode == 0, res["recheck"].stdout
    names = [s["name"] for s in res["steps"]]
    assert names == ["Tests", "Tests (no_parallel, serial)", "Matrix",
                     "Matrix (no_parallel, serial)"], names
    wf = (root / ".github/workflows/ci.yml").read_text()
    assert wf.count("timeout-minutes: 20") == 2 and wf.count("timeout-minutes: 30") == 2


def test_pattern3_empty_serial_selection_passes_real_failure_fails(values):
    _, res = values
    assert res["empty"].returncode == 0, res["empty"].stdout
    assert "deselected" in res["empty"].stdout
    assert res["failing"].returncode != 0, res["failing"].stdout
    assert "1 failed" in res["failing"].stdout


def test_pattern4_coverage_appends_and_reports_are_separate(values):
    root, res = values
    r = res["coverage"]
    assert r.returncode == 0, r.stdout + r.stderr
    # pkg/a.py is reached by the serial half only, pkg/b.py by the parallel half
    assert re.search(r"pkg/a\.py\s+\d+\s+0\s+100%", r.stdout), r.stdout
    assert re.search(r"pkg/b\.py\s+\d+\s+0\s+100%", r.stdout), r.stdout
    assert (root / "reports/junit.xml").exists()
    assert (root / "reports/junit-serial.xml").exists()


# ---- project 3: tox with posargs, a Makefile, pytest-cov ------------------------

TOX_INI = """\
[tox]
envlist = py
skipsdist = true

[testenv]
sitepackages = true
passenv = FAIL PYTEST_DISABLE_PLUGIN_AUTOLOAD PYTEST_PLUGINS
commands =
    pytest -n auto --cov=pkg --cov-report= --junitxml=report.xml {posargs:tests}
"""

MAKEFILE = """\
TESTS ?= tests

test:
\tpytest -n 2 -p no:cacheprovider $(TESTS)
"""

TOX_WORKFLOW = """\
name: CI
on: [push]
jobs:
  tox:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - run: tox -e py -- -n 4 tests
  make:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""


@pytest.fixture(scope="module")
def launched(fg_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("tox") / "project"
    write(root, "tox.ini", TOX_INI)
    write(root, "Makefile", MAKEFILE)
    write(root, "pytest.ini", "[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n")
    write(root, ".github/workflows/ci.yml", TOX_WORKFLOW)
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/a.py", "def double(x):\n    return 2 * x\n")
    write(root, "pkg/b.py", "def triple(x):\n    return 3 * x\n")
    write(root, "tests/test_pool.py", textwrap.dedent('''\
        import os
        from concurrent.futures import ProcessPoolExecutor

        from pkg.a import double


        def test_pool():
            with ProcessPoolExecutor(2) as ex:
                assert ex.submit(double, 1).result() == 2
            assert os.environ.get("FAIL") != "1"
        '''))
    write(root, "tests/test_plain.py", "from pkg.b import triple\n\n\ndef test_plain():\n"
          "    assert triple(1) == 3\n")
    fixed = fix(fg_bin, root)
    tox = "tox -e py --"
    res = {"fix": fixed, "recheck": check(fg_bin, root),
           "tox_ini": (root / "tox.ini").read_text(),
           "makefile": (root / "Makefile").read_text(),
           "tox": sh(f"{tox} -n 4 tests && python -m coverage report", root),
           "tox_empty": sh(f"{tox} -n 4 tests/test_plain.py", root),
           "tox_fail": sh(f"{tox} -n 4 tests", root, FAIL="1"),
           "make": sh("make test", root),
           "make_empty": sh("make test TESTS=tests/test_plain.py", root),
           "make_fail": sh("make test", root, FAIL="1")}
    return root, res


def test_pattern3_tox_serial_line_wins_over_posargs(launched):
    _, res = launched
    assert res["recheck"].returncode == 0, res["recheck"].stdout
    r = res["tox"]
    assert r.returncode == 0, r.stdout + r.stderr
    # the serial line ran without workers although CI passed -n 4
    serial = r.stdout.split("-m no_parallel", 1)[1]
    assert "1 passed" in serial and not workers(serial), r.stdout


def test_pattern3_empty_selection_succeeds_in_tox_and_make(launched):
    _, res = launched
    for key in ("tox_empty", "make_empty", "make"):
        assert res[key].returncode == 0, key + ":\n" + res[key].stdout + res[key].stderr
    for key in ("tox_fail", "make_fail"):
        assert res[key].returncode != 0, key + ":\n" + res[key].stdout
        assert "1 failed" in res[key].stdout


def test_pattern4_tox_coverage_and_junit(launched):
    root, res = launched
    out = res["tox"].stdout
    assert re.search(r"pkg/a\.py\s+\d+\s+0\s+100%", out), out
    assert re.search(r"pkg/b\.py\s+\d+\s+0\s+100%", out), out
    assert "--cov-append" in res["tox_ini"] and "report-serial.xml" in res["tox_ini"]
    assert (root / "report.xml").exists() and (root / "report-serial.xml").exists()


PRECOMMIT_BLACK = """\
repos:
  - repo: https://github.com/psf/black
    rev: 22.3.0
    hooks:
      - id: black
{args}"""


@pytest.mark.parametrize("args,length", [
    ('        args:\n          - "--line-length=120"\n', 120),
    ("        args: [-l, '120']\n", 120),
    ("", 88),  # the twin: no args, black's default
], ids=["long-option", "short-option", "default"])
def test_pattern5_black_hook_args_set_the_line_length(fg_bin, tmp_path, args, length):
    """black run by pre-commit with `--line-length` in its args formats at that
    length whatever pyproject says (it has no [tool.black] here): the conftest
    forkguard writes is already what that black would write."""
    root = tmp_path / "project"
    write(root, ".pre-commit-config.yaml", PRECOMMIT_BLACK.format(args=args))
    write(root, "setup.cfg", "[flake8]\nmax-line-length = 120\n")
    write(root, ".github/workflows/ci.yml", STRICT_WORKFLOW)
    write(root, "tests/test_pool.py",
          "from concurrent.futures import ProcessPoolExecutor\n\n\n"
          "def test_pool():\n"
          "    with ProcessPoolExecutor(2) as pool:\n"
          "        assert list(pool.map(abs, [-1])) == [1]\n")
    fix(fg_bin, root)
    conftest = root / "tests/conftest.py"
    text = conftest.read_text()
    assert "pytest_configure" in text, text
    r = sh(f"black --check --diff -q --line-length {length} tests", root)
    assert r.returncode == 0, r.stdout + r.stderr
    one_line = 'config.addinivalue_line("markers", "no_parallel: starts processes; run without xdist")'
    assert (one_line in text) == (length == 120), text
