#!/usr/bin/python3
"""Property: the order in which files are discovered does not change the output.

For every golden fixture project (fixtures/<group>/<case>/project), makes
several copies whose files and directories are created in different orders
(shuffled with fixed seeds, sorted, reversed), so that readdir() hands them
back in different orders, and checks that forkguard's text and JSON output
are byte-identical across the copies.

    shuffle.py FORKGUARD FIXTURES_DIR [FILTER]
"""
import os
import random
import shutil
import subprocess
import sys

# forkguard's summary cache stays out of the trees compared here (ctest sets
# FORKGUARD_CACHE_DIR; run by hand, a temporary folder)
if not os.environ.get("FORKGUARD_CACHE_DIR"):
    os.environ["FORKGUARD_CACHE_DIR"] = __import__("tempfile").mkdtemp(prefix="fg-cache-")
import tempfile
from pathlib import Path

SEEDS = (1,)


def scratch_base():
    """tmpfs lists a directory in (reverse) creation order, so copies made in
    different orders really are read back differently; ext4 hashes names and
    would hide the property. Use /dev/shm when it is there."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None


def files_of(project):
    out = []
    for dirpath, dirnames, filenames in os.walk(project):
        for name in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, name), project))
    return sorted(out)


def copy_in_order(project, dest, order):
    for rel in order:
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(project, rel), target)


def listing(root):
    """Every directory's readdir order, to tell whether the copies differ."""
    return tuple((d, tuple(os.listdir(os.path.join(root, d))))
                 for d, _, _ in sorted((os.path.relpath(w[0], root), 0, 0) for w in os.walk(root)))


def run(exe, cwd, fmt):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    p = subprocess.run([exe, "check", "--color", "never", "--format", fmt, "project"],
                       cwd=cwd, capture_output=True, text=True, env=env, timeout=60)
    return p.stdout + p.stderr + f"exit: {p.returncode}\n"


def orders(files):
    yield "sorted", list(files)
    yield "reversed", list(reversed(files))
    for seed in SEEDS:
        shuffled = list(files)
        random.Random(seed).shuffle(shuffled)
        yield f"seed {seed}", shuffled


def check_case(exe, project, tmp):
    files = files_of(project)
    results = {}
    listings = set()
    for label, order in orders(files):
        case = os.path.join(tmp, label.replace(" ", "_"))
        copy_in_order(project, os.path.join(case, "project"), order)
        listings.add(listing(os.path.join(case, "project")))
        # JSON carries every position, chain and fix: the text is made from it
        results[label] = run(exe, case, "json")
    first_label, first = next(iter(results.items()))
    bad = [label for label, got in results.items() if got != first]
    return bad, first_label, len(listings)


def main():
    exe = os.path.abspath(sys.argv[1])
    root = Path(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    projects = sorted(p for p in root.glob("*/*/project") if p.is_dir())
    if only:
        projects = [p for p in projects if only in str(p)]
    if not projects:
        print("no fixture projects found", file=sys.stderr)
        return 1
    failed = 0
    varied = 0
    for project in projects:
        with tempfile.TemporaryDirectory(prefix="fg-shuffle-", dir=scratch_base()) as tmp:
            bad, ref, distinct = check_case(exe, str(project), tmp)
        varied += distinct > 1
        if bad:
            failed += 1
            print(f"FAIL {project}: output differs from the {ref} copy in: {', '.join(bad)}")
    print(f"shuffle: {len(projects) - failed} of {len(projects)} projects stable; "
          f"readdir order differed between copies for {varied}")
    if not varied:
        print("note: this filesystem returned the same readdir order for every copy; "
              "the property was not exercised", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
