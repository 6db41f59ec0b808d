#!/usr/bin/env bash
# Fetch illustrated software manuals from Debian packages as HTML pages with their figures, one
# folder per manual, for the inserter's training and held-out data. They differ in the layouts
# and figure conventions an inserter has to read (where a figure sits: under a heading, after the
# sentence that announces it, at a paragraph's end):
#
#   name        package (layout)                       pages  figures  licence
#   gnucash     gnucash-docs (DocBook XSL)              ~235    ~230    GFDL 1.1+
#   gimp        gimp-help-en (DocBook XSL)              ~685   ~2,100   GFDL 1.2+
#   kicad       kicad-doc-en (Asciidoctor, one page        8     ~640   GPL-3+
#               per manual)
#   wireshark   wireshark-doc (Asciidoctor → DocBook,    ~189    ~240   GPL-2+
#               the User's Guide, chunked)
#   fontforge   fontforge-doc (Sphinx)                   ~134    ~580   BSD-3-clause
#   qt-tools    qttools5-doc-html (qdoc: Qt Designer,     ~95    ~165   GFDL 1.3
#               Linguist and Assistant manuals)
#
# (The Debian Administrator's Handbook, Publican DocBook, has its own script: fetch_handbook.sh.)
#
# Usage:
#   scripts/fetch_manuals.sh [--target DIR] [NAME ...]
#       Copies each named manual (default: all of them) into DIR/NAME (default DIR: data/manuals,
#       git-ignored), with the package's copyright as DIR/NAME/COPYRIGHT. Then, for each:
#         m2io ingest DIR/NAME --store /tmp/NAME-store
#         m2io train data --store /tmp/NAME-store --corpus NAME --out data/inserter/NAME
#
# How: `apt-get download PACKAGE` into a temporary folder, `dpkg -x` there; nothing is installed.
# Needs apt-get with Debian's main archive in its sources; if a package is not found, the script
# runs `apt-get update` once (as root) and tries again. Set DEB_<NAME>=/path/to/package.deb (NAME
# upper-cased, `-` as `_`, e.g. DEB_QT_TOOLS; DEB_GIMP_COMMON for gimp-help-common) to use a .deb
# you have.
#
# The copy follows links (cp -L), so each folder holds real files only and every <img src> of its
# pages resolves inside it; links that point outside the package (scripts, fonts) are left out. Keep each manual's attribution (COPYRIGHT) when you redistribute
# anything built from it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# name → "package|folder(s) in the package, space-separated|copyright file|paths to drop". A
# copyright in another package is named as PACKAGE:PATH (gimp-help-en links its doc folder to
# gimp-help-common's).
declare -A MANUALS=(
  [gnucash]="gnucash-docs|usr/share/doc/gnucash-docs/gnucash-guide-en usr/share/doc/gnucash-docs/gnucash-help-en|usr/share/doc/gnucash-docs/copyright|"
  [gimp]="gimp-help-en|usr/share/gimp/2.0/help/en|gimp-help-common:usr/share/doc/gimp-help-common/copyright|"
  [kicad]="kicad-doc-en|usr/share/doc/kicad/help/en|usr/share/doc/kicad-doc-en/copyright|"
  [wireshark]="wireshark-doc|usr/share/doc/wireshark/wsug_html_chunked|usr/share/doc/wireshark-doc/copyright|"
  [fontforge]="fontforge-doc|usr/share/doc/fontforge|usr/share/doc/fontforge-doc/copyright|fontforge/old"
  [qt-tools]="qttools5-doc-html|usr/share/qt5/doc/qtdesigner usr/share/qt5/doc/qtlinguist usr/share/qt5/doc/qtassistant|usr/share/doc/qttools5-doc-html/copyright|"
)
ORDER=(gnucash gimp kicad wireshark fontforge qt-tools)

target="$repo/data/manuals"
if [[ "${1:-}" == "--target" ]]; then
  target="$2"
  shift 2
fi
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${ORDER[@]}")
for name in "${names[@]}"; do
  [[ -n "${MANUALS[$name]:-}" ]] || { echo "error: unknown manual '$name' (known: ${ORDER[*]})" >&2; exit 2; }
done

# shellcheck source=scripts/unpack_deb.sh
source "$repo/scripts/unpack_deb.sh"

for name in "${names[@]}"; do
  IFS='|' read -r package folders copyright drop <<<"${MANUALS[$name]}"
  override="DEB_$(echo "$name" | tr 'a-z-' 'A-Z_')"
  override_common="${override}_COMMON"
  DEB="${!override:-}" unpack_deb "$package"
  out="$target/$name"
  # Links into packages not fetched (Sphinx's JavaScript lives in libjs-*) have nothing to copy.
  find "$unpacked" -xtype l -delete
  rm -rf "${out:?}"
  mkdir -p "$out"
  for folder in $folders; do
    [[ -d "$unpacked/$folder" ]] || { echo "error: $package $version has no $folder" >&2; exit 1; }
    cp -rL "$unpacked/$folder" "$out/"
  done
  for path in $drop; do rm -rf "${out:?}/$path"; done
  echo "$package $version" >"$out/SOURCE"
  # unpack_deb's EXIT trap removes only its latest folder: remove each one before the next.
  if [[ "$copyright" == *:* ]]; then
    rm -rf "$(dirname "$unpacked")"
    DEB="${!override_common:-}" unpack_deb "${copyright%%:*}"
    copyright="${copyright#*:}"
  fi
  cp "$unpacked/$copyright" "$out/COPYRIGHT"
  rm -rf "$(dirname "$unpacked")"
  pages="$(find "$out" -name '*.html' | wc -l)"
  images="$(find "$out" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.gif' -o -name '*.svg' \) | wc -l)"
  echo "$name: $pages pages and $images image files of $package $version in $out" >&2
done
