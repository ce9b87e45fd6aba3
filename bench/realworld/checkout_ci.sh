#!/usr/bin/env bash
# The CI corpus's checkouts: what checkout.sh does for tests.json, for the projects and
# commits pinned in ci.json (the two manifests pin the same commit where they overlap).
#
#   bench/realworld/checkout_ci.sh [NAME...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MIRROR="${MIRROR:-/work/.mirror}"
CORPUS="${CORPUS:-/work/corpus}"
mkdir -p "$CORPUS"

/usr/bin/python3 - "$here/ci.json" "$@" <<'PY' | while read -r name commit; do
import json, sys
projects = json.load(open(sys.argv[1]))["projects"]
wanted = set(sys.argv[2:])
for p in projects:
    if not wanted or p["checkout"] in wanted:
        print(p["checkout"], p["commit"])
PY
  src="$MIRROR/$name/repo"
  dst="$CORPUS/$name"
  if [ ! -d "$src" ]; then
    echo "$name: no mirror at $src (fetch github:${name/+//} with the search tool first)" >&2
    continue
  fi
  if [ ! -d "$dst/.git" ]; then
    git clone -q --no-checkout "$src" "$dst"
  fi
  if ! git -C "$dst" cat-file -e "$commit^{commit}" 2>/dev/null; then
    git -C "$dst" fetch -q "$src" "+refs/*:refs/mirror/*" || true
  fi
  # A snapshot lacks files of 4 MiB and more: the checkout then stops with an
  # error after writing the rest, which is enough for forkguard.
  git -C "$dst" -c advice.detachedHead=false checkout -q --force "$commit" 2>/dev/null ||
    git -C "$dst" -c advice.detachedHead=false checkout -q --force "$commit" || true
  echo "$name $(git -C "$dst" rev-parse HEAD)"
done
