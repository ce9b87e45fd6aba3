#!/usr/bin/python3
"""Writes a synthetic pytest project of N Python files (default 20,000) for the
memory and scale budget of SPEC §12:

    bench/gen_repo.py [DIR] [--files N] [--seed S] [--decoys]

DIR defaults to a new temporary directory; its path is printed. The project
has a package under src/ (helpers, some of which start process pools), test
folders with a conftest.py each (a few define pool fixtures), test modules
that call the helpers, request the fixtures or start pools themselves, a
pyproject.toml and a GitHub workflow that runs `pytest -n auto`. The same
seed gives the same tree.

With --decoys the modules are larger and most of them name what a pool
site is made of without starting anything: `multiprocessing.cpu_count()`,
`ThreadPool`, `ThreadPoolExecutor`, comments, plain-English `concurrent`,
helpers that would start a pool but are never called, and common def names
(`run`, `main`, `setUp`) next to pool helpers named `run` in package
`__init__.py` files: the tree a prefilter must not let through.
"""
import argparse
import os
import random
import sys
import tempfile

FILLER = '''

def {name}(items, factor={k}):
    """Scales every item; a stand-in for ordinary project code."""
    out = []
    for i, item in enumerate(items):
        if item is None:
            continue
        out.append((item * factor + i) % {m})
    return out
'''

HELPER_POOL = '''
from concurrent.futures import ProcessPoolExecutor


def {name}(items):
    with ProcessPoolExecutor(max_workers=2) as ex:
        return list(ex.map(abs, items))
'''

HELPER_MP = '''
import multiprocessing as mp


def {name}(n):
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        return pool.map(abs, range(n))
'''

CONFTEST = '''import pytest


@pytest.fixture
def data():
    return list(range(10))
'''

CONFTEST_POOL = '''import pytest
from multiprocessing import Pool


@pytest.fixture
def pool_{d}():
    with Pool(2) as p:
        yield p
'''

WORKFLOW = '''name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python-version: ["3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - run: pip install -e . pytest pytest-xdist
      - name: Run tests
        run: pytest -n auto tests
'''

PYPROJECT = '''[project]
name = "synth"
version = "0.1"

[tool.pytest.ini_options]
testpaths = ["tests"]
'''


# What names a pool without being a pool site (--decoys), one of them per
# decoy module; {i} keeps names unique.
DECOYS = [
    """import multiprocessing

WORKERS_{i} = max(1, multiprocessing.cpu_count() - 1)
""",
    """from multiprocessing.pool import ThreadPool


def fan_out_{i}(items):
    with ThreadPool(4) as pool:
        return pool.map(str, items)
""",
    """from concurrent.futures import ThreadPoolExecutor


def fetch_all_{i}(urls):
    with ThreadPoolExecutor(max_workers=8) as ex:
        return list(ex.map(len, urls))
""",
    """# Note: this module deliberately avoids multiprocessing; a ProcessPool
# here would fork the xdist worker.
""",
    '"""Safe for concurrent use: every function here is pure and the\n'
    'results can be shared between concurrent callers."""\n',
    """import multiprocessing as mp


def _unused_pool_{i}():
    return mp.Pool(2)
""",
    """class Runner{i}:
    def __init__(self, steps):
        self.steps = steps

    def setUp(self):
        self.done = []

    def run(self):
        for step in self.steps:
            self.done.append(step)
        return self.done


def main():
    return Runner{i}([1, 2]).run()
""",
]

# A package __init__ whose pool helper is named like everybody's `run`.
INIT_POOL = """from concurrent.futures import ProcessPoolExecutor


def run(jobs):
    with ProcessPoolExecutor(2) as ex:
        return list(ex.map(abs, jobs))
"""


def decoy(rng, i):
    # the uncalled pool helper is rare: it is a real site
    return rng.choices(DECOYS, weights=[4, 4, 4, 4, 4, 1, 4])[0].format(i=i)


def filler(rng, n):
    return "".join(FILLER.format(name=f"transform_{i}", k=rng.randint(2, 9),
                                 m=rng.randint(50, 500)) for i in range(n))


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--decoys", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    root = a.dir or tempfile.mkdtemp(prefix="fg-synth-")
    write(root, "pyproject.toml", PYPROJECT)
    write(root, ".github/workflows/ci.yml", WORKFLOW)
    n_src = a.files * 2 // 5  # 40% package modules, 60% tests and conftests
    per_pkg = 50
    helpers = []  # (module, function, uses_pools)
    pool_inits = []  # packages whose __init__ defines a pool-using run()
    written = 0
    for i in range(n_src):
        pkg = f"synth/pkg{i // per_pkg}"
        if i % per_pkg == 0:
            init = INIT_POOL if a.decoys and i % (per_pkg * 10) == 0 else ""
            if init:
                pool_inits.append(pkg.replace("/", "."))
            write(root, f"src/{pkg}/__init__.py", init)
            written += 1
            continue
        mod = f"mod{i % per_pkg}"
        fn = f"work_{i}"
        r = rng.random()
        body = filler(rng, rng.randint(2, 8) * (3 if a.decoys else 1))
        if a.decoys and rng.random() < 0.7:
            body = decoy(rng, i) + body
        if r < 0.02:
            body += HELPER_POOL.format(name=fn)
            pools = True
        elif r < 0.04:
            body += HELPER_MP.format(name=fn)
            pools = True
        else:
            body += FILLER.format(name=fn, k=3, m=97)
            pools = False
        write(root, f"src/{pkg}/{mod}.py", '"""Synthetic module."""\n' + body)
        helpers.append((f"{pkg.replace('/', '.')}.{mod}", fn, pools))
        written += 1
    write(root, "src/synth/__init__.py", "")
    written += 1
    per_dir = 40
    d = 0
    while written < a.files:
        tdir = f"tests/area{d // 20}/unit{d}"
        pool_dir = d % 25 == 0
        write(root, f"{tdir}/conftest.py", CONFTEST_POOL.format(d=d) if pool_dir else CONFTEST)
        written += 1
        for j in range(per_dir - 1):
            if written >= a.files:
                break
            mod, fn, _ = rng.choice(helpers)
            lines = ["import pytest", f"from {mod} import {fn}", ""]
            for t in range(rng.randint(3, 10)):
                r = rng.random()
                if r < 0.01:
                    lines += ["from multiprocessing import Process", "",
                              f"def test_proc_{t}():",
                              "    p = Process(target=print)",
                              "    p.start()", "    p.join()", ""]
                elif r < 0.03 and pool_dir:
                    lines += [f"def test_fixture_{t}(pool_{d}):",
                              f"    assert pool_{d}.map(abs, [-1]) == [1]", ""]
                elif r < 0.04 and pool_inits and a.decoys:
                    pkg = rng.choice(pool_inits)
                    lines += [f"def test_run_{t}():",
                              f"    from {pkg} import run",
                              "    assert run([-1]) == [1]", ""]
                elif r < 0.05:
                    lines += ["@pytest.mark.no_parallel", f"def test_marked_{t}():",
                              f"    assert {fn}([1, 2])", ""]
                else:
                    lines += [f"def test_case_{t}(data):",
                              f"    assert {fn}(data) is not None", ""]
            if a.decoys and rng.random() < 0.6:
                lines.append(decoy(rng, written))
            lines.append(filler(rng, rng.randint(0, 3) * (3 if a.decoys else 1)))
            write(root, f"{tdir}/test_m{j}.py", "\n".join(lines))
            written += 1
        d += 1
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
