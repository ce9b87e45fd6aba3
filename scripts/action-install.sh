#!/usr/bin/env bash
# Puts forkguard on the runner's PATH for action.yml, in seconds when a release
# exists: the static binary of the release, checked by sha256.
#
#   action-install.sh download   try the release asset forkguard-VER-linux-ARCH;
#                                writes installed=true|false and source-key to
#                                $GITHUB_OUTPUT
#   action-install.sh url        print the release URL it downloads from
#   action-install.sh build      the fallback: the static binary from this
#                                action's sources, kept in FG_CACHE_DIR (which
#                                action.yml restores and saves with actions/cache)
#
# Environment: FG_VERSION (X.Y.Z; empty: this action's own version),
# FORKGUARD_RELEASE_URL (a base URL holding the assets and SHA256SUMS, https://
# or file://; default: the GitHub release vVER of the repository this action
# was fetched from), FG_CACHE_DIR, FORKGUARD_NO_INSTALL=1 (report missing build
# tools instead of apt-get installing them), and the runner's RUNNER_TEMP,
# GITHUB_PATH, GITHUB_OUTPUT, GITHUB_ACTION_PATH, GITHUB_SERVER_URL.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action_path="${GITHUB_ACTION_PATH:-$here}"

err() { echo "::error::forkguard: $*" >&2; }
note() { echo "forkguard: $*" >&2; }
output() { echo "$1=$2" >>"$GITHUB_OUTPUT"; }

own_version() {
  sed -n 's/^project(forkguard VERSION \([0-9][0-9.]*\).*/\1/p' "$here/CMakeLists.txt"
}

version="${FG_VERSION:-}"
[ -n "$version" ] || version="$(own_version)"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  err "'version' must be an exact X.Y.Z version, not '$version'"
  exit 2
fi
arch="$(uname -m)"
asset="forkguard-$version-linux-$arch"

# The release of the repository the action came from: the runner puts a
# fetched action under .../_actions/OWNER/REPO/REF (github.action_repository
# is not set inside composite actions).
release_url() {
  if [ -n "${FORKGUARD_RELEASE_URL:-}" ]; then
    echo "${FORKGUARD_RELEASE_URL%/}"
    return
  fi
  local rest="${action_path#*/_actions/}"
  [ "$rest" != "$action_path" ] || return 0 # a local action (uses: ./): no release
  local owner="${rest%%/*}"
  rest="${rest#*/}"
  local repo="${rest%%/*}"
  echo "${GITHUB_SERVER_URL:-https://github.com}/$owner/$repo/releases/download/v$version"
}

# The sha256 an asset must have: pinned in this action's packaging/SHA256SUMS
# when it lists the asset, else the release's SHA256SUMS.
expected_sum() { # expected_sum SUMSFILE NAME
  awk -v n="$2" '($2 == n || $2 == "*" n) && length($1) == 64 && $1 ~ /^[0-9a-f]+$/ { print $1; exit }' "$1"
}

# A hash of what the fallback build compiles: the actions/cache key.
source_key() {
  (cd "$here" && find CMakeLists.txt cmake cmd lint rules third_party/package-lock.json \
    -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
}

put_on_path() { # put_on_path DIR
  "$1/forkguard" --version >&2
  echo "$1" >>"$GITHUB_PATH"
}

download() {
  local base dir want got
  output source-key "$(source_key)"
  base="$(release_url)"
  if [ -z "$base" ]; then
    note "no release to download (a local action); building from source"
    output installed false
    return
  fi
  if ! command -v curl >/dev/null 2>&1; then
    note "curl not found; building from source"
    output installed false
    return
  fi
  tmp="$(mktemp -d "${RUNNER_TEMP:-/tmp}/forkguard-dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  want=""
  if [ -f "$here/packaging/SHA256SUMS" ]; then
    want="$(expected_sum "$here/packaging/SHA256SUMS" "$asset")"
  fi
  if [ -z "$want" ]; then
    if ! curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/SHA256SUMS"; then
      note "$base/SHA256SUMS: not found; building from source"
      output installed false
      return
    fi
    want="$(expected_sum "$tmp/SHA256SUMS" "$asset")"
    if [ -z "$want" ]; then
      note "$base/SHA256SUMS does not list $asset; building from source"
      output installed false
      return
    fi
  fi
  if ! curl -fsSL --retry 3 -o "$tmp/forkguard" "$base/$asset"; then
    note "$base/$asset: not found; building from source"
    output installed false
    return
  fi
  got="$(sha256sum "$tmp/forkguard" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    err "$base/$asset has sha256 $got, expected $want: not using it"
    exit 1
  fi
  dir="${RUNNER_TEMP:-/tmp}/forkguard-$version"
  mkdir -p "$dir"
  install -m 0755 "$tmp/forkguard" "$dir/forkguard"
  note "installed $asset (sha256 $got)"
  put_on_path "$dir"
  output installed true
}

# Missing build tools, found with command -v and pkg-config (the runner's node
# may come from anywhere but Debian's packages), as Debian package names.
missing_packages() {
  local -A tools=([cmake]=cmake [cc]=build-essential [make]=build-essential
                  [pkg-config]=pkg-config [node]=nodejs [npm]=npm)
  local -A modules=([yaml-0.1]=libyaml-dev [tree-sitter]=libtree-sitter-dev [inih]=libinih-dev)
  local t m
  for t in "${!tools[@]}"; do
    command -v "$t" >/dev/null 2>&1 || echo "${tools[$t]}"
  done
  for m in "${!modules[@]}"; do
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$m"; then
      echo "${modules[$m]}"
    fi
  done
}

build() {
  local cache="${FG_CACHE_DIR:?FG_CACHE_DIR names the cached build}"
  if [ -x "$cache/forkguard" ] && "$cache/forkguard" --version >/dev/null 2>&1; then
    note "using the cached build in $cache"
    put_on_path "$cache"
    return
  fi
  local missing
  mapfile -t missing < <(missing_packages | LC_ALL=C sort -u)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "${FORKGUARD_NO_INSTALL:-}" = 1 ]; then
      err "cannot build forkguard: missing ${missing[*]}"
      exit 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    note "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  (cd "$here/third_party" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  local tree="${RUNNER_TEMP:-/tmp}/forkguard-build"
  cmake -S "$here" -B "$tree" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DFG_RELEASE=ON \
    >/dev/null
  cmake --build "$tree" -j"$(nproc)" >/dev/null
  mkdir -p "$cache"
  install -m 0755 "$tree/forkguard" "$cache/forkguard"
  put_on_path "$cache"
}

case "${1:-}" in
  download) download ;;
  url) release_url ;;
  build) build ;;
  *)
    echo "usage: action-install.sh download|build" >&2
    exit 2
    ;;
esac
