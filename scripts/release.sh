#!/usr/bin/env bash
# Builds forkguard's release artifacts (./dev.sh release runs this after the
# set-up) into FORKGUARD_DIST (default dist/):
#
#   forkguard-VER-linux-ARCH     the static binary: one file, any x86_64 Linux
#   forkguard-VER-py3-none-...whl  that binary as a wheel (pip, pre-commit)
#   forkguard_VER_DEBARCH.deb    that binary and the man page (dpkg, apt)
#   SHA256SUMS                   the sha256 of each of them
#
# Reproducible: the same sources give the same bytes from any directory. The
# only time stamp is SOURCE_DATE_EPOCH (default: the last commit's date); the
# build tree is FORKGUARD_RELEASE_BUILD (default build-release/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dist="${FORKGUARD_DIST:-$root/dist}"
build="${FORKGUARD_RELEASE_BUILD:-$root/build-release}"

say() { printf '==> %s\n' "$*"; }

version="$(sed -n 's/^project(forkguard VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)"
[ -n "$version" ] || { echo "release.sh: no version in CMakeLists.txt" >&2; exit 1; }
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || true)"
  [ -n "$SOURCE_DATE_EPOCH" ] ||
    { echo "release.sh: set SOURCE_DATE_EPOCH (not a git checkout)" >&2; exit 1; }
fi
export SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C
umask 022
arch="$(uname -m)"
debarch="$(dpkg --print-architecture)"

say "building the static forkguard $version in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DFG_RELEASE=ON \
  -DFG_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

rm -rf "$dist"
mkdir -p "$dist"
bin="$dist/forkguard-$version-linux-$arch"
install -m 0755 "$build/forkguard" "$bin"
"$bin" --version | grep -qx "forkguard $version" ||
  { echo "release.sh: $bin --version does not say $version" >&2; exit 1; }

say "building the wheel (python3 -m build --no-isolation, backend packaging/forkguard_build.py)"
FORKGUARD_BINARY="$bin" /usr/bin/python3 -m build --no-isolation --wheel --outdir "$dist" . \
  >/dev/null

say "building the Debian package"
stage="$build/deb"
rm -rf "$stage"
install -D -m 0755 "$bin" "$stage/usr/bin/forkguard"
install -d -m 0755 "$stage/usr/share/man/man1" "$stage/DEBIAN"
gzip -9n <docs/forkguard.1 >"$stage/usr/share/man/man1/forkguard.1.gz"
chmod 0644 "$stage/usr/share/man/man1/forkguard.1.gz"
install -D -m 0644 lint/probe/forkguard_recorder.py "$stage/usr/share/forkguard/forkguard_recorder.py"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: forkguard
Version: $version
Architecture: $debarch
Maintainer: forkguard maintainers <dev@forkguard.invalid>
Installed-Size: $(du -sk --apparent-size "$stage/usr" | cut -f1)
Section: devel
Priority: optional
Description: find process pools that hang pytest-xdist runs, and fix the CI split
 forkguard is a static analyzer and rewriter for Python projects that run
 pytest under pytest-xdist: it finds the tests that start process pools inside
 xdist workers and the CI runs that execute them in parallel, and with --fix
 rewrites the workflows, tests and conftest.py. One static binary, no
 dependencies.
CONTROL
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$dist/forkguard_${version}_${debarch}.deb" \
  >/dev/null

(cd "$dist" && sha256sum -- forkguard-* forkguard_* >SHA256SUMS)
say "release artifacts in $dist:"
(cd "$dist" && ls -l --time-style=+ -- * | awk '{print "    " $5 "  " $NF}')
