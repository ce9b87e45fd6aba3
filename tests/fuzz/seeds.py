#!/usr/bin/python3
"""Seed corpora for the libFuzzer harnesses, made from fixtures/.

    seeds.py FIXTURES_DIR OUT_DIR

Writes OUT_DIR/<harness>/<n> files: workflows for fuzz_yaml, their `run:`
scripts for fuzz_shell, Python files for fuzz_pyfile, TOML and INI files for
fuzz_config, and for fuzz_pipeline each fixture project's files joined in the
order fuzz_pipeline.c reads them (each part ended by a line "====").
"""
import hashlib
import sys
from pathlib import Path

import yaml

PIPELINE_FILES = [".github/workflows/ci.yml", "tests/test_a.py", "tests/conftest.py",
                  "pyproject.toml", "tox.ini", "Makefile", ".python-version",
                  "src/pkg/util.py"]


def put(out, harness, data):
    d = out / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def runs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "run" and isinstance(v, str):
                yield v
            else:
                yield from runs(v)
    elif isinstance(node, list):
        for v in node:
            yield from runs(v)


def first(project, pattern):
    found = sorted(p for p in project.glob(pattern) if p.is_file())
    return found[0].read_bytes() if found else b""


def main():
    fixtures, out = Path(sys.argv[1]), Path(sys.argv[2])
    for path in sorted(fixtures.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        name = path.name
        if name.endswith((".yml", ".yaml")) and "workflows" in path.parts:
            put(out, "fuzz_yaml", data)
            try:
                doc = yaml.safe_load(data)
            except yaml.YAMLError:
                continue
            for script in runs(doc):
                put(out, "fuzz_shell", script.encode())
        elif name.endswith(".py"):
            put(out, "fuzz_pyfile", data)
        elif name.endswith((".toml", ".ini", ".cfg")):
            put(out, "fuzz_config", data)
        elif name == "Makefile":
            put(out, "fuzz_shell", data)
    for project in sorted(p for p in fixtures.glob("*/*/project") if p.is_dir()):
        parts = [first(project, ".github/workflows/*.y*ml"), first(project, "tests/test_*.py"),
                 first(project, "tests/conftest.py"), first(project, "pyproject.toml"),
                 first(project, "tox.ini"), first(project, "Makefile"),
                 first(project, ".python-version"), first(project, "src/*/*.py")]
        blob = b"".join((p if p.endswith(b"\n") else p + b"\n") + b"====\n" for p in parts)
        put(out, "fuzz_pipeline", blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
