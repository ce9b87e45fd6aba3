"""Shared helpers for the end-to-end tests: the forkguard binary under test
(FORKGUARD_BIN, set by ctest) and small project builders."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

# forkguard's summary cache goes to one folder outside the projects the tests
# build and compare (ctest sets it to the build folder's test-cache; run by
# hand, a folder of this session); test_cache.py checks the default place.
if not os.environ.get("FORKGUARD_CACHE_DIR"):
    import tempfile

    os.environ["FORKGUARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="fg-e2e-cache-")


@pytest.fixture(scope="session")
def fg_bin():
    exe = os.environ.get("FORKGUARD_BIN")
    assert exe and os.path.exists(exe), "FORKGUARD_BIN must name the built forkguard"
    return exe


@pytest.fixture
def run_fg(fg_bin):
    def run(*args, cwd=None, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        if env:
            full_env.update(env)
        return subprocess.run([fg_bin, *map(str, args)], cwd=cwd, env=full_env,
                              capture_output=True, text=True, timeout=timeout)
    return run


@pytest.fixture
def example(tmp_path):
    """A private copy of the bundled example project."""
    dst = tmp_path / "example"
    shutil.copytree(FIXTURES / "example", dst, symlinks=True)
    return dst


def write(root, rel, text):
    path = Path(root) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
