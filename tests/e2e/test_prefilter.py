"""Which files the test model parses: a pool module's name counts when the
file imports it, not when a comment or a sentence says it ("concurrent
reads", "distributed"); a file importing multiprocessing or concurrent
also names a pool, a process, a manager or a start-method call (not only
cpu_count); `fork`, the marker and configured constructors count wherever
they are. FORKGUARD_STATS reports `parsed=`; the findings are the same
either way."""
import json
import re

from conftest import write

WORDS = '''\
"""Checks that concurrent reads see a distributed cache."""


def test_reads():
    # concurrent readers, as in a multiprocessing setup
    assert "multiprocessing and joblib" != ""
'''

POOLS = """\
import concurrent.futures


def run(xs):
    with concurrent.futures.ProcessPoolExecutor(2) as ex:
        return list(ex.map(abs, xs))
"""

POOL_TEST = """\
from pkg.pools import run


def test_run():
    assert run([-1]) == [1]
"""

CORES = """\
from multiprocessing import cpu_count


def test_cores():
    assert cpu_count() >= 1
"""

FORK = """\
from os import fork


def test_fork_is_named():
    assert fork
"""


def project(root, words=WORDS, cores=CORES):
    write(root, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/pools.py", POOLS)
    write(root, "tests/test_words.py", words)
    write(root, "tests/test_pool.py", POOL_TEST)
    write(root, "tests/test_fork.py", FORK)
    write(root, "tests/test_cores.py", cores)


def check(run_fg, root):
    p = run_fg("check", "--no-cache", "--select", "FG101", "--format", "json", root,
               env={"FORKGUARD_STATS": "1", "FORKGUARD_RUN_CACHE": "0"})
    assert p.returncode == 1, p.stderr
    m = re.search(r"forkguard: stats: .* parsed=(\d+) ", p.stderr)
    assert m, p.stderr
    tests = [d["test"] for d in json.loads(p.stdout)["diagnostics"]]
    return int(m.group(1)), tests


def test_a_module_named_in_words_only_is_not_parsed(tmp_path, run_fg):
    project(tmp_path)
    parsed, tests = check(run_fg, tmp_path)
    # pkg/pools.py (imports concurrent), tests/test_fork.py (fork) and,
    # in a later round, tests/test_pool.py (calls pkg.pools.run)
    assert parsed == 3
    assert tests == ["tests/test_pool.py::test_run"]


def test_the_same_file_importing_the_module_is_parsed(tmp_path, run_fg):
    project(tmp_path, WORDS.replace('"""\n\n\n', '"""\nimport joblib\n\n\n', 1))
    parsed, tests = check(run_fg, tmp_path)
    assert parsed == 4
    assert tests == ["tests/test_pool.py::test_run"]


def test_a_file_importing_multiprocessing_for_cpu_count_only_is_not_parsed(tmp_path, run_fg):
    project(tmp_path, cores=CORES.replace("import cpu_count", "import Pool, cpu_count"))
    parsed, tests = check(run_fg, tmp_path)
    assert parsed == 4
    assert tests == ["tests/test_pool.py::test_run"]


STEPS = """\
from pkg.util import run


def go(xs):
    return run(xs)
"""

GO_TEST = """\
from pkg.steps import go


def test_go():
    assert go([-1]) == [1]
"""

# names `util` in an import and `run`, as pkg/util.py's pool def is named,
# but imports another module's run: a candidate its text refuses
OTHER_TEST = """\
from other.util import run


def test_other_run():
    assert run([1]) == [1]
"""


def test_a_refused_file_is_read_again_only_when_its_names_change(tmp_path, run_fg):
    write(tmp_path, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/util.py", POOLS)
    write(tmp_path, "pkg/steps.py", STEPS)
    write(tmp_path, "other/__init__.py", "")
    write(tmp_path, "other/util.py", "def run(xs):\n    return xs\n")
    write(tmp_path, "tests/test_go.py", GO_TEST)
    write(tmp_path, "tests/test_other.py", OTHER_TEST)
    p = run_fg("check", "--no-cache", "--select", "FG101", "--format", "json", tmp_path,
               env={"FORKGUARD_STATS": "1", "FORKGUARD_RUN_CACHE": "0"})
    assert p.returncode == 1, p.stderr
    stats = dict(re.findall(r" (\w+)=(\d+)", p.stderr))
    # round 1 reads pkg/steps.py (parsed) and tests/test_other.py (refused);
    # round 2 reads tests/test_go.py (parsed) and tests/test_other.py again,
    # because pkg.steps now re-exports a `run` that reaches a pool; the third
    # round finds the same names as the second and reads nothing
    assert (stats["rounds"], stats["later_reads"], stats["parsed"]) == ("2", "4", "3")
    tests = [d["test"] for d in json.loads(p.stdout)["diagnostics"]]
    assert tests == ["tests/test_go.py::test_go"]
