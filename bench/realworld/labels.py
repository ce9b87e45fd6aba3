"""Shared by the corpus scripts: test-id normalisation, labels and scope.

A test id is a pytest node id with a trailing parameter part removed
(`tests/t.py::test_a[1-x]` -> `tests/t.py::test_a`): a parametrized test is one
test function, flagged or not as a whole, and forkguard reports functions.
Class and method parts are kept (`tests/t.py::TestA::test_b`)."""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def normalise(nodeid):
    # Paths, class and function names hold no "[": the first one opens the
    # parameters, which may themselves hold "::" or "[".
    if nodeid.endswith("]") and "[" in nodeid:
        nodeid = nodeid[: nodeid.index("[")]
    return nodeid


def load_labels(name):
    path = HERE / "labels" / (name + ".json")
    return json.loads(path.read_text()) if path.exists() else None


def in_scope(labels, test_id):
    """Is the test in the part of the project the labels cover?"""
    path = test_id.split("::")[0]
    scope = labels.get("scope", {})
    files = scope.get("files")
    if files is not None and path not in files:
        return False
    prefixes = scope.get("prefixes")
    if prefixes is not None and not any(path.startswith(p) for p in prefixes):
        return False
    if any(path.startswith(p) for p in scope.get("exclude", [])):
        return False
    if test_id in scope.get("exclude_tests", []):
        return False
    return True
