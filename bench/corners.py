#!/usr/bin/python3
"""The quadratic corners of issue-sized inputs, timed at several sizes so
that growth shows: linear time doubles with the size, quadratic quadruples.

    bench/corners.py FORKGUARD [--sizes 2500,5000,10000] [--keep DIR]

- `tests`: one test module with N tests that each start a process pool
  (every finding looks for its suppression comment), `forkguard check`.
- `jobs`: one workflow with N jobs that each run `pytest -n auto` over a
  pool test (every job gets a serial-step fix), `forkguard check --diff`.

Prints one line per corner and size: seconds (best of 3) and the ratio to
the previous size.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def tests_project(root, n):
    write(os.path.join(root, "pyproject.toml"), "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n")
    parts = ["from concurrent.futures import ProcessPoolExecutor\n"]
    for i in range(n):
        parts.append(f"\n\ndef test_pool_{i}():\n"
                     f"    with ProcessPoolExecutor(2) as ex:  # a comment\n"
                     f"        assert ex.submit(abs, -{i}).result() == {i}\n")
    write(os.path.join(root, "tests", "test_many.py"), "".join(parts))
    return ["check", "--exit-zero", "--quiet", root]


def jobs_project(root, n):
    write(os.path.join(root, "pyproject.toml"), "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n")
    write(os.path.join(root, "tests", "test_pool.py"),
          "from concurrent.futures import ProcessPoolExecutor\n\n\n"
          "def test_pool():\n    with ProcessPoolExecutor(2) as ex:\n        pass\n")
    parts = ["name: CI\non: [push]\njobs:\n"]
    for i in range(n):
        parts.append(f"  job{i}:\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n"
                     f"    steps:\n      - uses: actions/checkout@v4\n"
                     f"      - run: pytest -n auto tests\n")
    write(os.path.join(root, ".github", "workflows", "ci.yml"), "".join(parts))
    return ["check", "--diff", "--select", "FG201", root]


def best_of(cmd, runs=3):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkguard")
    ap.add_argument("--sizes", default="2500,5000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep")
    a = ap.parse_args()
    exe = os.path.abspath(a.forkguard)
    base = a.keep or tempfile.mkdtemp(prefix="fg-corners-")
    sizes = [int(s) for s in a.sizes.split(",")]
    for name, make in (("tests", tests_project), ("jobs", jobs_project)):
        prev = None
        for n in sizes:
            root = os.path.join(base, f"{name}-{n}")
            shutil.rmtree(root, ignore_errors=True)
            args = make(root, n)
            dt = best_of([exe, *args], a.runs)
            ratio = f"  x{dt / prev:.1f}" if prev else ""
            print(f"{name:5} {n:6}: {dt:7.2f} s{ratio}", flush=True)
            prev = dt
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
