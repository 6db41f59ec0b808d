#!/usr/bin/env bash
# Fetch real, openly licensed PDFs with figures from Debian packages, for the PDF loader's tests
# and for trying m2io on PDFs. Three kinds, as people bring them:
#
#   name      package (version checked)                  what                          pages  licence
#   ngspice   ngspice-doc (39.3+ds-1)                    software manual, screenshots     715  CC-BY-SA-4.0
#                                                        and schematics (raster)               (parts public domain)
#   strucplot r-cran-vcd (1:1.4-11-1)                    scientific paper (JSS), "Figure   48  GPL-2
#                                                        N:" captions, vector plots
#   jacow     texlive-publishers-doc (2022.20230122-4,   two-column conference paper       10  LPPL-1.3c
#             a 213 MB download)                         template, full-width and column
#                                                        figures
#
# Usage:
#   scripts/fetch_pdfs.sh [--target DIR] [--excerpts] [NAME ...]
#       Writes DIR/NAME.pdf (default DIR: data/pdfs, git-ignored) and DIR/NAME.COPYRIGHT, from
#       each named package (default: all). Then: m2io ingest DIR --store /tmp/pdf-store
#       --excerpts also rewrites the few-page excerpts committed in tests/pdfs/ (see
#       tests/pdfs/ATTRIBUTION.md for the pages and licences), with pypdfium2 from .venv.
#
# How: `apt-get download PACKAGE` into a temporary folder, `dpkg -x` there; nothing is installed.
# Set DEB_<NAME>=/path/to/package.deb (e.g. DEB_JACOW) to use a .deb you have.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# name → "package|path of the PDF in the package (.gz: gunzipped)|copyright file|excerpt pages"
declare -A PDFS=(
  [ngspice]="ngspice-doc|usr/share/doc/ngspice-doc/manual.pdf.gz|usr/share/doc/ngspice-doc/copyright|448-450,497-501"
  [strucplot]="r-cran-vcd|usr/lib/R/site-library/vcd/doc/strucplot.pdf|usr/share/doc/r-cran-vcd/copyright|3-5,8-10"
  [jacow]="texlive-publishers-doc|usr/share/doc/texlive-doc/latex/jacow/JACoW_LaTeX_A4.pdf|usr/share/doc/texlive-publishers-doc/copyright|1-2"
)
ORDER=(ngspice strucplot jacow)

target="$repo/data/pdfs"
excerpts=0
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --excerpts) excerpts=1; shift ;;
    *) echo "error: unknown option $1" >&2; exit 2 ;;
  esac
done
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${ORDER[@]}")
for name in "${names[@]}"; do
  [[ -n "${PDFS[$name]:-}" ]] || { echo "error: unknown PDF '$name' (known: ${ORDER[*]})" >&2; exit 2; }
done

# shellcheck source=scripts/unpack_deb.sh
source "$repo/scripts/unpack_deb.sh"
mkdir -p "$target"
for name in "${names[@]}"; do
  IFS='|' read -r package path copyright pages <<<"${PDFS[$name]}"
  override="DEB_$(echo "$name" | tr 'a-z-' 'A-Z_')"
  DEB="${!override:-}" unpack_deb "$package"
  [[ -f "$unpacked/$path" ]] || { echo "error: $package $version has no $path" >&2; exit 1; }
  if [[ "$path" == *.gz ]]; then
    gunzip -c "$unpacked/$path" >"$target/$name.pdf"
  else
    cp "$unpacked/$path" "$target/$name.pdf"
  fi
  { echo "$package $version: /$path"; echo; cat "$unpacked/$copyright"; } >"$target/$name.COPYRIGHT"
  rm -rf "$(dirname "$unpacked")"
  echo "$name: $target/$name.pdf from $package $version" >&2
  if [[ $excerpts == 1 ]]; then
    "$repo/.venv/bin/python" - "$target/$name.pdf" "$pages" "$repo/tests/pdfs/$name-excerpt.pdf" <<'PY'
import sys

import pypdfium2 as pdfium

source, ranges, out = sys.argv[1:]
pages = [p for r in ranges.split(",") for p in range(int(r.split("-")[0]), int(r.split("-")[-1]) + 1)]
excerpt = pdfium.PdfDocument.new()
excerpt.import_pages(pdfium.PdfDocument(source), [p - 1 for p in pages])
excerpt.save(out)
print(f"{out}: pages {ranges} of {source}", file=sys.stderr)
PY
  fi
done
