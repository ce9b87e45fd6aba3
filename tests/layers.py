#!/usr/bin/python3
"""The house's dependency rule (docs/ARCHITECTURE.md), checked on every
`#include "..."` of cmd/, lint/ and rules/:

    core <- parse <- python, ci <- the project <- fix <- rules <- engine
                          report <- engine (report reads findings only)

A file may include its own layer and the layers its row names below; python/
and ci/ never include each other. Prints each include that breaks the rule
and exits 1 when there is one.
"""
import re
import sys
from pathlib import Path

# The layer of a file, from its path relative to the repository.
PROJECT_FILES = {"project", "select", "markers", "config", "style"}


def layer(rel):
    parts = rel.split("/")
    if parts[0] == "cmd":
        return "cmd"
    if parts[0] == "rules":
        return "rules"
    if parts[0] != "lint":
        return None
    if len(parts) == 2:
        stem = Path(parts[1]).stem
        if stem in ("engine", "runs_cmd", "run_cache"):
            return "engine"
        if stem == "forkguard":
            return "api"
        if stem in PROJECT_FILES:
            return "project"
        return "unknown"
    return parts[1]


ALLOWED = {
    "core": {"core"},
    "parse": {"core", "parse"},
    "python": {"core", "parse", "python"},
    "ci": {"core", "parse", "ci"},
    "project": {"core", "parse", "python", "ci", "project"},
    "fix": {"core", "parse", "python", "ci", "project", "fix"},
    "report": {"core", "report"},
    "probe": {"core", "parse", "python", "ci", "project", "probe", "api"},
    "rules": {"core", "parse", "python", "ci", "project", "fix", "report", "probe", "rules"},
    "engine": {"core", "parse", "python", "ci", "project", "fix", "report", "probe",
               "rules", "engine", "api"},
    "api": {"api"},
    "cmd": {"cmd", "api"},
}


def included_layer(name, including):
    """The layer of an #include "name" seen from the file `including`."""
    if "/" in name:
        wing = name.split("/")[0]
        return wing if wing in ALLOWED else None
    if name in ("rules.h", "rules.def"):
        return "rules"
    stem = Path(name).stem
    if stem == "forkguard":
        return "api"
    if stem in ("engine", "run_cache"):
        return "engine"
    if stem in PROJECT_FILES:
        return "project"
    # a file next to the includer (cmd/args.h from cmd/main.c)
    return layer(str(Path(including).parent / name))


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    bad = []
    checked = 0
    for path in sorted(list(root.glob("lint/**/*.[ch]")) + list(root.glob("rules/*.[ch]"))
                       + list(root.glob("cmd/*.[ch]"))):
        rel = path.relative_to(root).as_posix()
        mine = layer(rel)
        if mine not in ALLOWED:
            bad.append(f"{rel}: not in a known wing ({mine})")
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            checked += 1
            theirs = included_layer(m.group(1), rel)
            if theirs not in ALLOWED[mine]:
                bad.append(f'{rel}:{n}: {mine} includes "{m.group(1)}" ({theirs})')
    for b in bad:
        print(b)
    if not checked:
        print("no includes found", file=sys.stderr)
        return 1
    print(f"{checked} includes checked, {len(bad)} against the layering")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
