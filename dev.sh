#!/usr/bin/env bash
# forkguard's one set-up script. Installs only what is missing, is safe to
# run any number of times, and says what it does.
#
#   ./dev.sh example   set up, build, run forkguard on fixtures/example
#   ./dev.sh test      set up, build (normal + ASan/UBSan), run every test
#   ./dev.sh build     set up and build only
#   ./dev.sh release   set up and build the release artifacts into dist/: the
#                      static binary, the wheel, the .deb, SHA256SUMS
#                      (scripts/release.sh; the release workflow runs this)
#   ./dev.sh fuzz [SECONDS]  a long libFuzzer campaign (default 3600 s in all,
#                      shared by the harnesses; the corpus grows in build-fuzz/corpus)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

say() { printf '==> %s\n' "$*"; }

# Debian packages: build (SPEC §10) and end-to-end test tools.
build_pkgs=(build-essential cmake pkg-config libyaml-dev libtree-sitter-dev libcmocka-dev
            libinih-dev nodejs npm)
# libFuzzer (the fuzz harnesses in tests/fuzz) needs clang and its runtime.
fuzz_pkgs=(clang libclang-rt-14-dev)
# Release artifacts (scripts/release.sh): the wheel's frontend; the static
# archives come with the -dev packages above.
release_pkgs=(python3-build)
test_pkgs=(python3 python3-venv curl python3-pytest python3-pytest-xdist python3-pytest-timeout
           python3-yaml python3-jsonschema pre-commit patch git groff-base clang-format
           python3-pytest-cov black isort flake8 mypy tox)

# A package is present when dpkg has it, or, for the tools below, when the
# command is already on PATH (node and npm often come from another source).
declare -A provides=([clang]=clang [nodejs]=node [npm]=npm [cmake]=cmake [pkg-config]=pkg-config
                     [git]=git [patch]=patch [pre-commit]=pre-commit
                     [clang-format]=clang-format [curl]=curl)

install_missing() {
  local missing=()
  for p in "$@"; do
    if [ -n "${provides[$p]:-}" ] && command -v "${provides[$p]}" >/dev/null 2>&1; then
      continue
    fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages present: $*"
    return
  fi
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

fetch_grammars() {
  local stamp=third_party/node_modules/.forkguard-lock
  if [ -f "$stamp" ] && cmp -s third_party/package-lock.json "$stamp"; then
    say "grammars present (third_party/node_modules matches package-lock.json)"
    return
  fi
  say "fetching pinned tree-sitter grammars from npm (npm ci --ignore-scripts)"
  (cd third_party && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp third_party/package-lock.json "$stamp"
}

build() { # build DIR [cmake args...]
  local dir="$1"
  shift
  say "configuring and building $dir"
  cmake -S . -B "$dir" -DFG_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
}

build_fuzz() { # the libFuzzer harnesses: clang, ASan+UBSan, no unit tests
  say "configuring and building build-fuzz (clang, libFuzzer)"
  CC=clang cmake -S . -B build-fuzz -DFG_WERROR=ON -DFG_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" >/dev/null
}

cmd="${1:-}"
case "$cmd" in
  example)
    install_missing "${build_pkgs[@]}"
    fetch_grammars
    build build
    say "running: build/forkguard check fixtures/example"
    set +e
    build/forkguard check fixtures/example
    rc=$?
    set -e
    say "forkguard exited with $rc (1 = findings reported, as expected for the example)"
    [ "$rc" -eq 1 ]
    ;;
  test)
    install_missing "${build_pkgs[@]}" "${release_pkgs[@]}" "${test_pkgs[@]}"
    fetch_grammars
    build build
    say "running the test suite (normal build)"
    (cd build && ctest --output-on-failure -j"$(nproc)")
    build build-asan -DFG_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    say "running the test suite (AddressSanitizer + UndefinedBehaviorSanitizer)"
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --output-on-failure -j"$(nproc)")
    install_missing "${fuzz_pkgs[@]}"
    build_fuzz
    say "running each fuzz harness for ${FG_FUZZ_SECONDS:-30} s (libFuzzer, ASan+UBSan)"
    tests/fuzz/run.sh build-fuzz "${FG_FUZZ_SECONDS:-30}"
    ;;
  fuzz)
    install_missing "${build_pkgs[@]}" "${fuzz_pkgs[@]}" python3 python3-yaml
    fetch_grammars
    build_fuzz
    total="${2:-3600}"
    each=$((total / 5))
    say "fuzz campaign: ${total} s, ${each} s per harness; corpus in build-fuzz/corpus"
    tests/fuzz/run.sh build-fuzz "$each" build-fuzz/corpus
    ;;
  build)
    install_missing "${build_pkgs[@]}"
    fetch_grammars
    build build
    ;;
  release)
    install_missing "${build_pkgs[@]}" "${release_pkgs[@]}"
    fetch_grammars
    scripts/release.sh
    ;;
  *)
    echo "usage: ./dev.sh example|test|build|release|fuzz [SECONDS]" >&2
    exit 2
    ;;
esac
