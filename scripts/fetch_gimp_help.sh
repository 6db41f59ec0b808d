#!/usr/bin/env bash
# Fetch the English GIMP user manual (Debian packages `gimp-help-en` and `gimp-help-common`) as
# HTML pages with their figures, for use as an m2io corpus: a second illustrated manual for the
# inserter's training data, beside the GnuCash docs (~685 pages, ~2,100 distinct images, among
# them many screenshots of dialogs and before/after examples of filters with titles).
#
# Usage:
#   scripts/fetch_gimp_help.sh [TARGET]
#       Copies the manual into TARGET/gimp-help-en (HTML pages, images/, stylesheets), plus the
#       package's copyright as TARGET/COPYRIGHT (default TARGET: data/gimp-help, git-ignored).
#       Then:
#         m2io ingest TARGET --store DIR
#
# How: `apt-get download` of each package into a temporary folder, `dpkg -x` there; nothing is
# installed. `gimp-help-en` holds the pages and every image (help/en/images/, which the pages
# reference as relative `images/...` paths); `gimp-help-common` holds only the copyright. Needs
# apt-get with Debian's main archive in its sources; if a package is not found, the script runs
# `apt-get update` once (as root) and tries again. Set DEB=/path/to/gimp-help-en_*.deb and
# COMMON_DEB=/path/to/gimp-help-common_*.deb to use .debs you have.
#
# The copy follows links (cp -L), so TARGET holds real files only and every <img src> of the
# copied pages resolves inside it.
#
# Licence: GNU Free Documentation License 1.2 or later, no Invariant Sections (see
# TARGET/COPYRIGHT); keep the attribution when you redistribute anything built from it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$repo/data/gimp-help}"

# shellcheck source=scripts/unpack_deb.sh
source "$repo/scripts/unpack_deb.sh"

# unpack_deb takes one package per call and its EXIT trap removes only the latest temporary
# folder, so the pages are copied out before the second call, and the first folder is removed here.
DEB="${DEB:-}" unpack_deb gimp-help-en
help_dir="$unpacked/usr/share/gimp/2.0/help/en"
[[ -f "$help_dir/index.html" ]] || { echo "error: no English manual in gimp-help-en $version" >&2; exit 1; }
mkdir -p "$target"
rm -rf "${target:?}/gimp-help-en"
cp -rL "$help_dir" "$target/gimp-help-en"
rm -rf "$(dirname "$unpacked")"
en_version="$version"

DEB="${COMMON_DEB:-}" unpack_deb gimp-help-common
cp "$unpacked/usr/share/doc/gimp-help-common/copyright" "$target/COPYRIGHT"

pages="$(find "$target" -name '*.html' | wc -l)"
figures="$(find "$target" -path '*/images/*' -type f | wc -l)"
echo "Copied $pages pages and $figures figures of gimp-help-en $en_version to $target" >&2
