"""The release artifacts, built once per run with the command the release
workflow runs (`./dev.sh release`), into a temporary dist directory.

FORKGUARD_RELEASE_BUILD (ctest sets it to a folder of its build tree) keeps the
CMake tree between runs; the artifacts are rebuilt every time."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def version():
    m = re.search(r"^project\(forkguard VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text(),
                  re.M)
    return m.group(1)


def source_date_epoch():
    """What release.sh takes by default (the last commit's date), to give a
    copy of the tree without .git the same."""
    r = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def release(src, dist, build, epoch=None):
    env = dict(os.environ, FORKGUARD_DIST=str(dist), FORKGUARD_RELEASE_BUILD=str(build))
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    r = subprocess.run(["./dev.sh", "release"], cwd=src, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


class Dist:
    def __init__(self, path):
        self.path = path
        self.version = version()
        self.binary = path / f"forkguard-{self.version}-linux-x86_64"
        self.wheels = sorted(path.glob("*.whl"))
        self.debs = sorted(path.glob("*.deb"))
        self.sums = path / "SHA256SUMS"


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    build = os.environ.get("FORKGUARD_RELEASE_BUILD") or tmp_path_factory.mktemp("release-build")
    # no SOURCE_DATE_EPOCH: the default (git) is what the release workflow uses
    env_epoch = None if source_date_epoch() else "1700000000"
    release(ROOT, out, build, env_epoch)
    return Dist(out)


@pytest.fixture(scope="session")
def epoch():
    return source_date_epoch() or "1700000000"


def chroot_cmd(root):
    """Run a command with ROOT as /: chroot as root, else in a user namespace."""
    if os.geteuid() == 0:
        return ["/usr/sbin/chroot", str(root)]
    return ["unshare", "--map-root-user", "/usr/sbin/chroot", str(root)]


def copy_project(name, dst):
    shutil.copytree(FIXTURES / name, dst, symlinks=True)
    return dst
