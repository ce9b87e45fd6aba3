"""SPEC §9: `cmake --install` puts the binary and the man page in the prefix;
the man page renders without warnings."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

MAN = ROOT / "docs" / "forkguard.1"
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS",
            "CONFIGURATION", "EXAMPLES", "SEE ALSO"]


@pytest.fixture(scope="module")
def build_dir():
    d = os.environ.get("FORKGUARD_BUILD_DIR")
    if not d:
        pytest.skip("FORKGUARD_BUILD_DIR is not set (ctest sets it)")
    assert (Path(d) / "CMakeCache.txt").is_file(), f"{d} is not a CMake build directory"
    return Path(d)


def test_install_puts_binary_and_man_page(build_dir, tmp_path):
    prefix = tmp_path / "prefix with space"
    r = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    exe = prefix / "bin" / "forkguard"
    assert exe.is_file() and os.access(exe, os.X_OK)
    v = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=30)
    assert v.returncode == 0 and "forkguard" in v.stdout
    page = prefix / "share" / "man" / "man1" / "forkguard.1"
    assert page.read_bytes() == MAN.read_bytes()
    # the recorder beside the binary, for loading it by hand
    recorder = prefix / "share" / "forkguard" / "forkguard_recorder.py"
    assert recorder.read_bytes() == (ROOT / "lint" / "probe" / "forkguard_recorder.py").read_bytes()


def test_man_page_structure():
    text = MAN.read_text()
    th = re.search(r'^\.TH FORKGUARD 1 "[^"]*" "forkguard ([0-9.]+)"', text, re.M)
    assert th, "the page starts with .TH FORKGUARD 1"
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert f"VERSION {th.group(1)}" in cmake, "the page names the project's version"
    found = [s.strip('"') for s in re.findall(r"^\.SH (.+)$", text, re.M)]
    assert found == SECTIONS
    # every option of `forkguard --help` is documented
    for opt in ["--fix", "--unsafe-fixes", "--diff", "--exit-non-zero-on-fix", "--format",
                "--output", "--select", "--ignore", "--config", "--no-config", "--exit-zero",
                "--quiet", "--color", "--jobs"]:
        assert opt.replace("-", r"\-") in text, opt


def test_man_page_lists_every_help_option(fg_bin):
    text = MAN.read_text().replace(r"\-", "-")
    out = subprocess.run([fg_bin, "--help"], capture_output=True, text=True).stdout
    for opt in set(re.findall(r"^\s+(--[a-z-]+)", out, re.M)):
        assert opt in text, f"{opt} is in --help but not in the man page"


@pytest.mark.skipif(not shutil.which("groff"), reason="groff is not installed")
def test_man_page_renders_without_warnings():
    env = dict(os.environ, LC_ALL="C.UTF-8")
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(MAN)], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["groff", "-man", "-Tutf8", str(MAN)], env=env,
                       capture_output=True, text=True, timeout=30)
    assert "forkguard check --fix --unsafe-fixes" in r.stdout.replace("\u2010", "-")
