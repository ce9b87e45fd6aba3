"""SPEC §9: the release artifacts of `./dev.sh release` — the static binary, the
wheel and the Debian package — each installed and run the way a user would,
and built twice, from two directories, to the same bytes."""
import gzip
import hashlib
import base64
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, chroot_cmd, copy_project, release

PT_DYNAMIC, PT_INTERP = 2, 3


def program_headers(path):
    """The p_type of each ELF64 program header."""
    data = Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2, f"{path} is not an ELF64 file"
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(cmd, **kw)


@pytest.fixture(scope="session")
def fg_bin():
    exe = os.environ.get("FORKGUARD_BIN")
    assert exe and os.path.exists(exe), "FORKGUARD_BIN must name the built forkguard"
    return exe


def test_artifact_names_and_checksums(dist):
    v = dist.version
    names = sorted(p.name for p in dist.path.iterdir())
    assert names == sorted([f"forkguard-{v}-linux-x86_64", "SHA256SUMS",
                            f"forkguard-{v}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64"
                            f".musllinux_1_1_x86_64.whl",
                            f"forkguard_{v}_amd64.deb"]), names
    listed = {}
    for line in dist.sums.read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    assert set(listed) == set(names) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((dist.path / name).read_bytes()).hexdigest() == digest, name


def test_binary_is_static(dist):
    r = run(["ldd", str(dist.binary)])
    assert "not a dynamic executable" in r.stdout + r.stderr, r.stdout + r.stderr
    types = program_headers(dist.binary)
    assert PT_INTERP not in types and PT_DYNAMIC not in types, types
    v = run([str(dist.binary), "--version"])
    assert v.returncode == 0 and v.stdout.strip() == f"forkguard {dist.version}"


def test_binary_runs_alone_in_an_empty_root(dist, fg_bin, tmp_path):
    """Nothing but the binary and a project: no libc, no loader, no /etc, no
    environment. It reports what the regular build reports."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(dist.binary, root / "forkguard")
    copy_project("example", root / "proj")
    assert sorted(os.listdir(root)) == ["forkguard", "proj"]
    for fmt in ("text", "json"):
        alone = run(["env", "-i", *chroot_cmd(root), "/forkguard", "check", "--format", fmt,
                     "/proj"])
        assert alone.returncode == 1, alone.stderr
        assert "FG101" in alone.stdout and "FG201" in alone.stdout, alone.stdout
        regular = run([fg_bin, "check", "--format", fmt, str(root / "proj")],
                      env={"PATH": os.environ["PATH"]})
        assert alone.stdout == regular.stdout


def test_binary_holds_no_build_paths(dist):
    data = dist.binary.read_bytes()
    for path in {str(ROOT), os.environ.get("FORKGUARD_RELEASE_BUILD", str(ROOT)),
                 str(dist.path)}:
        assert path.encode() not in data, path


def test_reproducible_from_another_directory(dist, tmp_path, epoch):
    """Another copy of the sources (no .git, a space in its path), another build
    tree: the same bytes, artifact by artifact."""
    src = tmp_path / "source copy"
    shutil.copytree(ROOT, src, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "build*", "dist", "__pycache__"))
    assert not (src / ".git").exists()
    again = tmp_path / "dist again"
    release(src, again, tmp_path / "another build", epoch)
    assert (again / "SHA256SUMS").read_text() == dist.sums.read_text()
    for p in dist.path.iterdir():
        assert (again / p.name).read_bytes() == p.read_bytes(), p.name


def test_wheel_contents(dist):
    (whl,) = dist.wheels
    v = dist.version
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        assert names == [f"forkguard-{v}.data/scripts/forkguard",
                         f"forkguard-{v}.data/data/share/forkguard/forkguard_recorder.py",
                         f"forkguard-{v}.dist-info/METADATA", f"forkguard-{v}.dist-info/WHEEL",
                         f"forkguard-{v}.dist-info/RECORD"]
        script = z.getinfo(names[0])
        assert (script.external_attr >> 16) & 0o777 == 0o755
        assert z.read(names[0]) == dist.binary.read_bytes()
        assert z.read(names[1]) == (ROOT / "lint/probe/forkguard_recorder.py").read_bytes()
        wheel = z.read(names[3]).decode()
        assert "Root-Is-Purelib: false" in wheel
        assert "Tag: py3-none-manylinux_2_17_x86_64" in wheel
        assert f"Version: {v}" in z.read(names[2]).decode()
        for line in z.read(names[4]).decode().splitlines():
            name, digest, size = line.split(",")
            if name.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = z.read(name)
            assert int(size) == len(data)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={want}", name


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh virtualenv (Debian's python3-venv), and an environment in which
    pip cannot reach a package index."""
    home = tmp_path_factory.mktemp("venv-home")
    path = home / "venv"
    r = run(["/usr/bin/python3", "-m", "venv", str(path)])
    assert r.returncode == 0, r.stderr
    offline = {"PATH": f"{path / 'bin'}:/usr/bin:/bin", "PIP_NO_INDEX": "1",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "HOME": str(home),
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    return path, offline


def pip(venv, *args, env=None):
    """pip in the venv, offline. A source install builds the static binary (a
    whole build: minutes on a busy 2-core machine), hence the long bound."""
    path, offline = venv
    return run([str(path / "bin" / "pip"), *args], env=dict(offline, **(env or {})), timeout=1200)


def test_wheel_installs_into_a_fresh_virtualenv(dist, venv, tmp_path):
    """pip install of the wheel file, offline, puts forkguard on the venv's
    PATH; it runs with that PATH alone."""
    (whl,) = dist.wheels
    r = pip(venv, "install", "--force-reinstall", str(whl))
    assert r.returncode == 0, r.stdout + r.stderr
    exe = venv[0] / "bin" / "forkguard"
    assert exe.read_bytes() == dist.binary.read_bytes() and os.access(exe, os.X_OK)
    only_venv = {"PATH": str(venv[0] / "bin")}
    v = run(["forkguard", "--version"], env=only_venv)
    assert v.returncode == 0 and v.stdout.strip() == f"forkguard {dist.version}"
    proj = copy_project("example", tmp_path / "proj")
    c = run(["forkguard", "check", str(proj)], env=only_venv)
    assert c.returncode == 1 and "FG101" in c.stdout, c.stdout + c.stderr
    r = pip(venv, "uninstall", "-y", "forkguard")
    assert r.returncode == 0 and not exe.exists(), r.stdout + r.stderr


def test_pip_install_of_a_clone_without_a_release_builds_the_same_binary(dist, venv, tmp_path):
    """What pre-commit does for a revision that has no release: pip installs the
    clone, the backend finds nothing to download and builds from the sources;
    the static build it makes is the release binary, byte for byte."""
    src = tmp_path / "clone"
    shutil.copytree(ROOT, src, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "build*", "dist", "__pycache__"))
    nothing = tmp_path / "no-release"
    nothing.mkdir()
    r = pip(venv, "install", "--force-reinstall", "-v", str(src),
            env={"FORKGUARD_RELEASE_URL": nothing.as_uri()})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "building forkguard from" in r.stdout + r.stderr
    exe = venv[0] / "bin" / "forkguard"
    assert exe.read_bytes() == dist.binary.read_bytes()
    r = pip(venv, "uninstall", "-y", "forkguard")
    assert r.returncode == 0, r.stdout + r.stderr


def apt_root(root):
    """An empty root with only the state files apt and dpkg keep, and an apt
    configuration that reads nothing of the host's."""
    for d in ["etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d",
              "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt",
              "var/lib/dpkg/info", "var/lib/dpkg/updates"]:
        (root / d).mkdir(parents=True)
    (root / "etc/apt/sources.list").write_text("")
    (root / "var/lib/dpkg/status").write_text("")
    dpkg_opts = [f"--root={root}", "--log=/dev/null"]
    if os.geteuid() != 0:
        dpkg_opts.append("--force-not-root")
    conf = root / "etc/apt/apt.conf"
    conf.write_text(f'Dir "{root}/";\n'
                    f'Dir::State::status "{root}/var/lib/dpkg/status";\n'
                    f'Dir::Etc::Parts "{root}/etc/apt/apt.conf.d";\n'
                    'Dir::Bin::dpkg "/usr/bin/dpkg";\n'
                    'DPkg::Options { ' + " ".join(f'"{o}";' for o in dpkg_opts) + ' };\n'
                    'APT::Sandbox::User "root";\nDebug::NoLocking "true";\n')
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "APT_CONFIG": str(conf),
            "DEBIAN_FRONTEND": "noninteractive"}


def test_deb_installs_with_apt_into_an_empty_root(dist, tmp_path):
    """`apt-get install ./forkguard_*.deb` into a root holding nothing: the
    package needs no other package, installs the binary and the man page, runs
    there (no libc in that root), and removes cleanly."""
    (deb,) = dist.debs
    info = run(["dpkg-deb", "--field", str(deb), "Package", "Version", "Architecture",
                "Depends"])
    assert info.stdout.splitlines() == ["Package: forkguard", f"Version: {dist.version}",
                                        "Architecture: amd64"], info.stdout
    root = tmp_path / "root"
    env = apt_root(root)
    local = tmp_path / deb.name
    shutil.copy2(deb, local)
    r = run(["apt-get", "-q", "-y", "install", f"./{deb.name}"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 newly installed" in r.stdout, r.stdout
    exe = root / "usr/bin/forkguard"
    assert exe.read_bytes() == dist.binary.read_bytes()
    page = root / "usr/share/man/man1/forkguard.1.gz"
    assert gzip.decompress(page.read_bytes()) == (ROOT / "docs/forkguard.1").read_bytes()
    recorder = root / "usr/share/forkguard/forkguard_recorder.py"
    assert recorder.read_bytes() == (ROOT / "lint/probe/forkguard_recorder.py").read_bytes()
    st = run(["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f",
              "${Status} ${Version}", "forkguard"])
    assert st.stdout == f"install ok installed {dist.version}", st.stdout + st.stderr

    copy_project("example", root / "proj")
    c = run(["env", "-i", *chroot_cmd(root), "/usr/bin/forkguard", "check", "/proj"])
    assert c.returncode == 1 and "FG101" in c.stdout, c.stdout + c.stderr
    shutil.rmtree(root / "proj")

    r = run(["apt-get", "-q", "-y", "remove", "forkguard"], cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not exe.exists() and not page.exists()


def test_sdist_holds_the_sources(tmp_path):
    """The PEP 517 backend's mandatory sdist: the tracked sources, which build."""
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import forkguard_build
        name = forkguard_build.build_sdist(str(tmp_path))
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    with tarfile.open(tmp_path / name) as t:
        members = t.getnames()
    top = name[:-len(".tar.gz")]
    for want in ["PKG-INFO", "CMakeLists.txt", "cmake/release.cmake", "pyproject.toml",
                 "packaging/forkguard_build.py", "third_party/package-lock.json"]:
        assert f"{top}/{want}" in members, want
    assert not [m for m in members if "/build/" in m or "node_modules" in m or "/.git/" in m]
