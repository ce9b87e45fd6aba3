#!/usr/bin/python3
"""Cold-run benchmark (SPEC §12): forkguard on a Python tree against the
grep floor, medians of N runs measured in the same session.

    bench/bench.py build/forkguard [TREE] [--runs N]

TREE defaults to the Python standard library of /usr/bin/python3. Prints
the median wall time of each command, the ratio, and forkguard's peak RSS.
"""
import argparse
import resource
import statistics
import subprocess
import sys
import sysconfig
import time


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkguard")
    ap.add_argument("tree", nargs="?", default=sysconfig.get_paths()["stdlib"])
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    grep = ["grep", "-rlE", "ProcessPool|multiprocessing", a.tree]
    fg = [a.forkguard, "check", "--exit-zero", "--quiet", "--format", "json", a.tree]
    timed(grep)  # warm the page cache for both
    timed(fg)
    g = [timed(grep) for _ in range(a.runs)]
    f = [timed(fg) for _ in range(a.runs)]
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    gm, fm = statistics.median(g), statistics.median(f)
    print(f"tree: {a.tree}")
    print(f"grep floor      median {gm:.3f} s over {a.runs} runs")
    print(f"forkguard check median {fm:.3f} s over {a.runs} runs")
    print(f"ratio {fm / gm:.1f}x (budget: 5x cold)")
    print(f"peak RSS of any child: {rss_kb / 1024:.1f} MiB (budget: 64 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
