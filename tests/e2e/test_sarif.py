"""SPEC §7: `--format sarif` is valid SARIF 2.1.0 (against the OASIS schema
in shared/data, which CI copies beside the repository checkout) with rule
metadata, the chain as relatedLocations and fixes whose byte offsets are
right; `--format gitlab` is GitLab Code Quality JSON with unique, stable
fingerprints."""
import json
import os
import shutil
import urllib.parse
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

SCHEMA = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"


def cases():
    """(id, fixture folder, extra arguments): the example and every golden case."""
    out = [("example", FIXTURES / "example", [])]
    for project in sorted(FIXTURES.glob("*/*/project")):
        case = project.parent
        args_file = case / "args"
        args = [a for a in args_file.read_text().split("\n") if a] if args_file.exists() else []
        out.append((f"{case.parent.name}/{case.name}", project, args))
    return out


CASES = cases()


@pytest.fixture(scope="session")
def validator():
    jsonschema = pytest.importorskip("jsonschema")  # Debian: python3-jsonschema
    if not SCHEMA.is_file():
        pytest.fail(f"the SARIF schema is missing: expected {SCHEMA} (shared/data beside the "
                    "repository checkout)", pytrace=False)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def copy(tmp_path):
    def make(src):
        dst = tmp_path / "project"
        shutil.copytree(src, dst, symlinks=True)
        return dst
    return make


def report(run_fg, project, args, fmt):
    r = run_fg("check", "--format", fmt, *args, project)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def position(data, offset):
    """1-based line and column (code points) of a byte offset; a UTF-8 BOM
    is not a column (editors do not show it), as forkguard counts."""
    # LF, CRLF and a lone CR end a line; a lone CR is as long as an LF
    before = data[:offset].replace(b"\r\n", b"\n\0").replace(b"\r", b"\n")
    line_start = before.rfind(b"\n") + 1
    text = before[line_start:].lstrip(b"\0")
    if line_start == 0 and text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    return before.count(b"\n") + 1, len(text.decode("utf-8", "replace")) + 1


def artifact_path(project, loc):
    art = loc["artifactLocation"]
    assert art["uriBaseId"] == "%SRCROOT%"
    assert not urllib.parse.urlsplit(art["uri"]).scheme, art["uri"]
    return project / urllib.parse.unquote(art["uri"])


def check_region(project, phys):
    path = artifact_path(project, phys)
    data = path.read_bytes()
    region = phys["region"]
    start, length = region["byteOffset"], region["byteLength"]
    assert 0 <= start and start + length <= len(data), (path, region)
    assert (region["startLine"], region["startColumn"]) == position(data, start), region
    assert (region["endLine"], region["endColumn"]) == position(data, start + length), region


def apply_fixes(project, results):
    """The fixes' replacements applied to the original bytes, the way --fix
    plans them: in result order, a fix is taken whole or not at all, and is
    skipped when an edit overlaps an edit already taken (identical edits are
    applied once; two different insertions at one offset overlap)."""
    taken = {}  # path -> [(start, end, text, order)]
    order = 0
    for res in results:
        for fix in res.get("fixes", []):
            edits = []
            for change in fix["artifactChanges"]:
                path = artifact_path(project, change)
                for rep in change["replacements"]:
                    region = rep["deletedRegion"]
                    start = region["byteOffset"]
                    edits.append((path, start, start + region["byteLength"],
                                  rep.get("insertedContent", {}).get("text", "")))

            def conflicts(e):
                for s, t, text, _ in taken.get(e[0], []):
                    if (s, t, text) == e[1:]:
                        continue
                    if s == t and e[1] == e[2]:
                        if s == e[1]:
                            return True
                    elif s < e[2] and e[1] < t:
                        return True
                return False
            if any(conflicts(e) for e in edits):
                continue
            for path, s, t, text in edits:
                if (s, t, text) not in [x[:3] for x in taken.get(path, [])]:
                    taken.setdefault(path, []).append((s, t, text, order))
                    order += 1
    out = {}
    for path, edits in taken.items():
        data = path.read_bytes() if path.exists() else b""
        pieces, at = [], 0
        for s, t, text, _ in sorted(edits, key=lambda e: (e[0], e[1], e[3])):
            pieces += [data[at:s], text.encode()]
            at = t
        pieces.append(data[at:])
        out[path] = b"".join(pieces)
    return out


@pytest.mark.parametrize("name,src,args", CASES, ids=[c[0] for c in CASES])
def test_sarif(run_fg, validator, copy, name, src, args):
    project = copy(src)
    sarif = report(run_fg, project, args, "sarif")
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    schema_id = json.loads(SCHEMA.read_text())["$id"]
    assert sarif["$schema"] == schema_id and sarif["version"] == "2.1.0"

    (run,) = sarif["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == "file://" + urllib.parse.quote(os.path.realpath(project)) + "/"

    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["help"]["text"]

    diags = report(run_fg, project, args, "json")["diagnostics"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [d["code"] for d in diags]
    for res, diag in zip(results, diags):
        assert res["ruleId"] in ids
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"] == diag["message"]
        (loc,) = res["locations"]
        phys = loc["physicalLocation"]
        assert urllib.parse.unquote(phys["artifactLocation"]["uri"]) == diag["path"]
        assert phys["region"]["byteOffset"] == diag["range"]["start"]["offset"]
        check_region(project, phys)

        chain = [r for r in diag["related"] if r.get("path")]
        related = res.get("relatedLocations", [])
        assert len(related) == len(chain)
        assert len({r["id"] for r in related}) == len(related)
        for rel, link in zip(related, chain):
            assert rel["message"]["text"] == link["message"]
            check_region(project, rel["physicalLocation"])
        if res["ruleId"] == "FG101":
            assert related, "an FG101 result carries its chain"
            assert res["properties"]["test"] == diag["test"]

        assert ("fixes" in res) == (diag["fix"] is not None)
        for fix in res.get("fixes", []):
            assert fix["properties"]["applicability"] == diag["fix"]["applicability"]
            for change in fix["artifactChanges"]:
                path = artifact_path(project, change)
                size = path.stat().st_size if path.exists() else 0
                for rep in change["replacements"]:
                    region = rep["deletedRegion"]
                    assert 0 <= region["byteOffset"]
                    assert region["byteOffset"] + region["byteLength"] <= size, (path, region)


def fixed_tree(run_fg, project, args):
    """What --fix --unsafe-fixes writes, and whether it took one round (a second
    check offers no fix: nothing was left for a later round)."""
    args = [a for a in args if a != "--unsafe-fixes"]
    r = run_fg("check", "--fix", "--unsafe-fixes", *args, project)
    assert r.returncode in (0, 1), r.stderr
    after = report(run_fg, project, [*args, "--unsafe-fixes"], "json")["diagnostics"]
    return not any(d["fix"] for d in after)


@pytest.mark.parametrize("name,src,args", CASES, ids=[c[0] for c in CASES])
def test_sarif_fixes_reproduce_fix(run_fg, copy, tmp_path, name, src, args):
    """Applying the SARIF replacements to the original bytes gives what --fix
    writes, for projects that --fix settles in one round."""
    project = copy(src)
    unsafe = [*args, "--unsafe-fixes"] if "--unsafe-fixes" not in args else args
    results = report(run_fg, project, unsafe, "sarif")["runs"][0]["results"]
    if not any("fixes" in r for r in results):
        # nothing to apply: then the JSON report offers no fix either
        diags = report(run_fg, project, unsafe, "json")["diagnostics"]
        assert not any(d["fix"] for d in diags)
        return
    expected = apply_fixes(project, results)
    original = {p: (p.read_bytes() if p.exists() else None) for p in expected}
    fixed = tmp_path / "fixed"
    shutil.copytree(project, fixed, symlinks=True)
    one_round = fixed_tree(run_fg, fixed, args)
    for path, want in expected.items():
        got = (fixed / path.relative_to(project)).read_bytes()
        if one_round:
            assert got == want, path.relative_to(project)
        else:
            assert got != original[path], f"{path}: --fix left it unchanged"


@pytest.mark.parametrize("name,src,args", CASES, ids=[c[0] for c in CASES])
def test_gitlab(run_fg, copy, tmp_path, name, src, args):
    project = copy(src)
    issues = report(run_fg, project, args, "gitlab")
    assert isinstance(issues, list)
    diags = report(run_fg, project, args, "json")["diagnostics"]
    assert len(issues) == len(diags)
    for issue, diag in zip(issues, diags):
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"] == diag["code"]
        assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 32
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] == diag["path"]
        assert issue["location"]["lines"]["begin"] == diag["range"]["start"]["line"]
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == len(prints), "fingerprints are unique"
    assert [i["fingerprint"] for i in report(run_fg, project, args, "gitlab")] == prints
    # the same project elsewhere on disk has the same fingerprints
    moved = tmp_path / "elsewhere" / "a copy"
    shutil.copytree(project, moved, symlinks=True)
    assert [i["fingerprint"] for i in report(run_fg, moved, args, "gitlab")] == prints


def test_gitlab_fingerprints_unique_for_identical_findings(run_fg, tmp_path):
    """Two findings with the same code, file and message still get two prints."""
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "tests" / "test_fork.py").write_text(
        "import os\n\n\ndef test_a():\n    os.fork()\n\n\ndef test_b():\n    os.fork()\n")
    issues = report(run_fg, root, [], "gitlab")
    assert len(issues) >= 2, issues
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == len(prints)
