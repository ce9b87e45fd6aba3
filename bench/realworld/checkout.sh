#!/usr/bin/env bash
# Make the corpus checkouts from the local mirrors at the commits pinned in
# tests.json. It never fetches code: the mirrors under $MIRROR are brought in
# beforehand with the search tool's `fetch` (README.md). Checkouts go to
# $CORPUS/<owner>+<name>, outside this repository; an existing checkout is
# moved to the pinned commit.
#
#   bench/realworld/checkout.sh [NAME...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MIRROR="${MIRROR:-/work/.mirror}"
CORPUS="${CORPUS:-/work/corpus}"
mkdir -p "$CORPUS"

/usr/bin/python3 - "$here/tests.json" "$@" <<'PY' | while read -r name commit; do
import json, sys
projects = json.load(open(sys.argv[1]))["projects"]
wanted = set(sys.argv[2:])
for p in projects:
    if not wanted or p["name"] in wanted:
        print(p["name"], p["commit"])
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
  # Checkout warnings on files the filesystem cannot hold (odd encodings in test
  # data) do not stop the checkout.
  git -C "$dst" -c advice.detachedHead=false checkout -q --force "$commit" 2>/dev/null ||
    git -C "$dst" -c advice.detachedHead=false checkout -q --force "$commit" || true
  echo "$name $(git -C "$dst" rev-parse HEAD)"
done
