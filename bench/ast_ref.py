#!/usr/bin/python3
"""The reference forkguard must beat (bench/bench.py): a stdlib-`ast` script
with a substring prefilter that prints the test functions calling a process
pool constructor directly, through the module's imports and aliases.

    bench/ast_ref.py TREE
"""
import ast
import os
import sys

SKIP = {".git", ".hg", ".venv", "venv", "node_modules", "build", "dist", "__pycache__",
        ".tox", ".nox", ".forkguard_cache"}
POOLS = {"concurrent.futures.ProcessPoolExecutor", "multiprocessing.Pool",
         "multiprocessing.pool.Pool", "multiprocessing.Process", "multiprocessing.Manager",
         "multiprocessing.get_context.Pool", "multiprocessing.get_context.Process",
         "joblib.Parallel", "loky.get_reusable_executor"}


def dotted(node):
    """`a.b.c` (calls elided: `a.b().c` -> a.b.c) or None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return base and f"{base}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return None


def pool_tests(tree):
    names = {}  # local name -> qualified name, from the module's imports
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            for call in ast.walk(node):
                d = isinstance(call, ast.Call) and dotted(call.func)
                if d:
                    head, _, rest = d.partition(".")
                    q = names.get(head, head) + ("." + rest if rest else "")
                    if q in POOLS:
                        yield node
                        break


def main():
    found = 0
    for root, dirs, files in os.walk(sys.argv[1]):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                data = fh.read()
            if b"ProcessPool" not in data and b"multiprocessing" not in data:
                continue
            try:
                tree = ast.parse(data, path)
            except (SyntaxError, ValueError):
                continue
            for t in pool_tests(tree):
                print(f"{path}:{t.lineno}: {t.name}")
                found += 1
    print(f"{found} pool tests", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
