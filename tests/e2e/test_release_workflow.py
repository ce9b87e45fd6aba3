""".github/workflows/release.yml cannot run here: its structure is checked, and
its build step is the command tests/release runs (`./dev.sh release`)."""
import re
import subprocess

import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def test_release_workflow_runs_on_version_tags():
    doc = workflow()
    # PyYAML reads the key `on` as the boolean True
    on = doc.get("on", doc.get(True))
    assert on == {"push": {"tags": ["v*"]}}
    assert doc["permissions"] == {}


def test_release_job_builds_with_dev_sh_release_and_attaches_dist():
    (job,) = workflow()["jobs"].values()
    assert job["container"] == "debian:12", "the toolchain the tests and sums were made with"
    assert job["permissions"] == {"contents": "write"}
    assert job["timeout-minutes"] <= 60
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            assert re.match(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$", step["uses"]), step["uses"]
    uses = [i for i, s in enumerate(steps) if "uses" in s]
    names = [s.get("name", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    # git before checkout, so that the checkout is a clone with history
    installs = [i for i, r in enumerate(runs) if "apt-get install" in r and " git" in r]
    checkout = [i for i in uses if steps[i]["uses"].startswith("actions/checkout@")]
    assert installs and checkout and installs[0] < checkout[0]
    assert steps[checkout[0]].get("with", {}).get("persist-credentials") is False
    build = [i for i, r in enumerate(runs) if r.strip() == "./dev.sh release"]
    assert build, "the build step is exactly `./dev.sh release`"
    upload = [i for i, r in enumerate(runs) if "gh release create" in r]
    assert upload and build[0] < upload[0], names
    assert "dist/*" in runs[upload[0]]
    assert "${{" not in "".join(runs), "expressions reach scripts through env"
    assert steps[upload[0]]["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_release_workflow_checks_tag_and_pinned_sums():
    runs = "\n".join(s.get("run", "") for s in workflow()["jobs"]["release"]["steps"])
    assert '[ "$TAG" = "v$version" ]' in runs
    assert "cmp packaging/SHA256SUMS dist/SHA256SUMS" in runs


def test_release_scripts_parse():
    for step in workflow()["jobs"]["release"]["steps"]:
        if "run" in step:
            r = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr


def test_dev_sh_release_writes_what_the_workflow_attaches():
    """scripts/release.sh writes dist/ (the folder the upload takes) and
    SHA256SUMS; dev.sh's release command runs it."""
    dev = (ROOT / "dev.sh").read_text()
    assert re.search(r"^  release\)\n(?:    .*\n)*?    scripts/release\.sh\n", dev, re.M)
    script = (ROOT / "scripts" / "release.sh").read_text()
    assert 'dist="${FORKGUARD_DIST:-$root/dist}"' in script
    assert "SHA256SUMS" in script
