"""The wheel's build backend (packaging/forkguard_build.py), run as pip runs it
(a subprocess calling the PEP 517 hooks) in a copy of the repository's
packaging files, against fake release directories."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "packaging"))
import forkguard_build  # noqa: E402

VERSION = forkguard_build.version()
ASSET = f"forkguard-{VERSION}-linux-{forkguard_build.host_arch()}"
TAGS = ("manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64"
        if forkguard_build.host_arch() == "x86_64" else None)


@pytest.mark.parametrize("remote,owner_repo", [
    ("https://github.com/acme/forkguard", "acme/forkguard"),
    ("https://github.com/acme/forkguard.git", "acme/forkguard"),
    ("git@github.com:acme/fork.guard.git", "acme/fork.guard"),
    ("ssh://git@github.com/acme/forkguard", "acme/forkguard"),
    ("https://gitlab.com/acme/forkguard", None),
    ("/srv/git/forkguard", None),
    ("https://github.com/acme", None),
])
def test_release_url_from_the_clone_remote(remote, owner_repo):
    url = forkguard_build.github_release_url(remote, "1.2.3")
    if owner_repo is None:
        assert url is None
    else:
        assert url == f"https://github.com/{owner_repo}/releases/download/v1.2.3"


def test_parse_sums_reads_sha256sum_output():
    text = f"{'a' * 64}  one\n{'b' * 64} *two\nnot a line\n{'c' * 63}  short\n"
    assert forkguard_build.parse_sums(text) == {"one": "a" * 64, "two": "b" * 64}


@pytest.fixture
def repo(tmp_path):
    """The files the backend reads: a repository with no sources to build."""
    r = tmp_path / "repo"
    (r / "packaging").mkdir(parents=True)
    shutil.copy2(ROOT / "packaging" / "forkguard_build.py", r / "packaging")
    shutil.copy2(ROOT / "CMakeLists.txt", r)
    (r / "lint" / "probe").mkdir(parents=True)
    shutil.copy2(ROOT / "lint" / "probe" / "forkguard_recorder.py", r / "lint" / "probe")
    (r / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return r


def release_dir(path, binary, digest=None):
    path.mkdir()
    shutil.copy2(binary, path / ASSET)
    digest = digest or hashlib.sha256((path / ASSET).read_bytes()).hexdigest()
    (path / "SHA256SUMS").write_text(f"{digest}  {ASSET}\n")
    return path


def build_wheel(repo, out, **env):
    out.mkdir(exist_ok=True)
    full = {k: v for k, v in os.environ.items()
            if k not in ("FORKGUARD_BINARY", "FORKGUARD_RELEASE_URL")}
    full.update(env)
    code = ("import sys; sys.path.insert(0, 'packaging'); import forkguard_build as b; "
            f"print(b.build_wheel({str(out)!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=repo, env=full,
                          capture_output=True, text=True, timeout=120)


def wheel_binary(out, name):
    with zipfile.ZipFile(out / name) as z:
        return z.read(f"forkguard-{VERSION}.data/scripts/forkguard")


def test_given_binary(repo, tmp_path, fg_bin):
    r = build_wheel(repo, tmp_path / "out", FORKGUARD_BINARY=fg_bin)
    assert r.returncode == 0, r.stderr
    name = r.stdout.strip()
    if TAGS:
        assert name == f"forkguard-{VERSION}-py3-none-{TAGS}.whl"
    assert wheel_binary(tmp_path / "out", name) == Path(fg_bin).read_bytes()


def test_release_download_checked_by_sha256(repo, tmp_path, fg_bin):
    rel = release_dir(tmp_path / "release", fg_bin)
    r = build_wheel(repo, tmp_path / "out", FORKGUARD_RELEASE_URL=rel.as_uri())
    assert r.returncode == 0, r.stderr
    assert f"downloaded {rel.as_uri()}/{ASSET}" in r.stderr
    assert wheel_binary(tmp_path / "out", r.stdout.strip()) == Path(fg_bin).read_bytes()


def test_pinned_sums_win_over_the_release(repo, tmp_path, fg_bin):
    rel = release_dir(tmp_path / "release", fg_bin)
    pinned = repo / "packaging" / "SHA256SUMS"
    pinned.write_text(f"{'e' * 64}  {ASSET}\n")
    r = build_wheel(repo, tmp_path / "out", FORKGUARD_RELEASE_URL=rel.as_uri())
    assert r.returncode != 0
    assert f"expected {'e' * 64}; not installing it" in r.stderr, r.stderr
    assert not list((tmp_path / "out").iterdir())

    # a right pin needs no SHA256SUMS in the release
    (rel / "SHA256SUMS").unlink()
    pinned.write_text(f"{hashlib.sha256(Path(fg_bin).read_bytes()).hexdigest()}  {ASSET}\n")
    r = build_wheel(repo, tmp_path / "out", FORKGUARD_RELEASE_URL=rel.as_uri())
    assert r.returncode == 0, r.stderr


def test_no_release_and_no_build_tools_is_a_clear_error(repo, tmp_path):
    empty = tmp_path / "release"
    empty.mkdir()
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    r = build_wheel(repo, tmp_path / "out", FORKGUARD_RELEASE_URL=empty.as_uri(),
                    PATH=str(bare))
    assert r.returncode != 0
    assert "no forkguard release to download and cannot build one" in r.stderr, r.stderr
    assert re.search(r"cmake, cc, pkg-config not found", r.stderr), r.stderr


def test_metadata_without_a_binary(repo, tmp_path):
    """pip asks for the metadata first: that fetches nothing."""
    out = tmp_path / "meta"
    out.mkdir()
    code = ("import sys; sys.path.insert(0, 'packaging'); import forkguard_build as b; "
            f"print(b.prepare_metadata_for_build_wheel({str(out)!r}))")
    r = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                       env={"PATH": "/nonexistent", "FORKGUARD_RELEASE_URL": "file:///nonexistent"})
    assert r.returncode == 0, r.stderr
    info = out / r.stdout.strip()
    assert (info / "METADATA").read_text().startswith(
        f"Metadata-Version: 2.1\nName: forkguard\nVersion: {VERSION}\n")
    assert "Root-Is-Purelib: false" in (info / "WHEEL").read_text()


def test_elf_arch_rejects_what_is_not_a_binary(tmp_path):
    script = tmp_path / "forkguard"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(RuntimeError, match="not a 64-bit little-endian ELF"):
        forkguard_build.elf_arch(str(script))
