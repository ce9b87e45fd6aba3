"""The test search is bounded: code whose calls fan out without end (each
call binding new values, so no two are the same node) costs each test a
fixed number of node evaluations, and the project's tests a bounded total;
a pool test after them is still found. FORKGUARD_STATS reports `evals=`."""
import json
import re

from conftest import write

DEPTH = 40


def fan_module():
    """f0(x) calls f1(2x) and f1(2x + 1), and so on: 2**40 distinct calls."""
    out = ["import multiprocessing\n\n"]
    for i in range(DEPTH):
        out.append(f"def f{i}(x):\n"
                   f"    if x == -1:\n"
                   f"        multiprocessing.Pool(2)\n"
                   f"    f{i + 1}(x * 2)\n"
                   f"    f{i + 1}(x * 2 + 1)\n\n\n")
    out.append(f"def f{DEPTH}(x):\n    return x\n")
    return "".join(out)


def fan_tests(n):
    out = ["import pytest\n\nfrom pkg.gen import f0\n\n\n"]
    values = ", ".join(str(j) for j in range(16))
    for k in range(n):
        out.append(f"@pytest.mark.parametrize('v', [{values}])\n"
                   f"def test_fan_{k:02d}(v):\n    f0(v + {k})\n\n\n")
    return "".join(out)


POOL_TEST = """\
from concurrent.futures import ProcessPoolExecutor


def test_pool_after_fans():
    with ProcessPoolExecutor(2) as ex:
        assert list(ex.map(abs, [-1])) == [1]
"""


def project(root, ntests):
    write(root, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/gen.py", fan_module())
    write(root, "tests/test_fan.py", fan_tests(ntests))
    write(root, "tests/test_pool.py", POOL_TEST)


def evals(stderr):
    m = re.search(r"forkguard: stats: .* evals=(\d+) ", stderr)
    assert m, stderr
    return int(m.group(1))


def test_each_test_spends_a_bounded_search(tmp_path, run_fg):
    project(tmp_path, 4)
    p = run_fg("check", "--no-cache", "--select", "FG101", "--format", "json", tmp_path,
               env={"FORKGUARD_STATS": "1"}, timeout=300)
    assert p.returncode == 1, p.stderr
    n = evals(p.stderr)
    # four fan tests, 20,000 evaluations each over their 16 values and half
    # as many to walk the best one again; the fan really is endless
    assert 4 * 20000 <= n <= 4 * 30000 + 100, n
    tests = [d["test"] for d in json.loads(p.stdout)["diagnostics"]]
    assert tests == ["tests/test_pool.py::test_pool_after_fans"], tests


def test_the_projects_tests_spend_a_bounded_total(tmp_path, run_fg):
    ntests = 40
    project(tmp_path, ntests)
    p = run_fg("check", "--no-cache", "--select", "FG101", tmp_path,
               env={"FORKGUARD_STATS": "1"}, timeout=600)
    n = evals(p.stderr)
    # a million, then 2,000 (and 1,000 to walk again) for each further test
    assert 1000000 <= n <= 1000000 + 30000 + ntests * 3000, n
    assert "test_pool_after_fans" in p.stdout, p.stdout
    assert p.returncode == 1
