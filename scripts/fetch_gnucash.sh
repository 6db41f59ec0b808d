#!/usr/bin/env bash
# Fetch the English GnuCash documentation (Debian package `gnucash-docs`) as HTML pages with their
# figures, for use as an m2io corpus: the inserter's training data needs more figures than the
# Debian handbook has (the guide and help together: ~235 pages, ~230 figures with titles).
#
# Usage:
#   scripts/fetch_gnucash.sh [TARGET]
#       Copies the "Tutorial and Concepts Guide" into TARGET/gnucash-guide and the "Help Manual"
#       into TARGET/gnucash-help (HTML pages, figures/, stylesheet/), plus the package's copyright
#       as TARGET/COPYRIGHT (default TARGET: data/gnucash-docs, git-ignored). Then:
#         m2io ingest TARGET --store DIR
#
# How: `apt-get download gnucash-docs` into a temporary folder, `dpkg -x` there; nothing is
# installed. Needs apt-get with Debian's main archive in its sources; if the package is not found,
# the script runs `apt-get update` once (as root) and tries again. Set DEB=/path/to/
# gnucash-docs_*.deb to use a .deb you have.
#
# The package stores each figure once and links the other languages' copies to it, so the copy
# follows links (cp -L): TARGET holds real files only.
#
# Licence: GNU Free Documentation License 1.1 or later (see TARGET/COPYRIGHT); keep the
# attribution when you redistribute anything built from it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$repo/data/gnucash-docs}"

# shellcheck source=scripts/unpack_deb.sh
source "$repo/scripts/unpack_deb.sh"
unpack_deb gnucash-docs
docs="$unpacked/usr/share/doc/gnucash-docs"

mkdir -p "$target"
for book in guide help; do
  source="$docs/gnucash-$book-en"
  [[ -f "$source/index.html" ]] || { echo "error: no English $book in gnucash-docs $version" >&2; exit 1; }
  rm -rf "${target:?}/gnucash-$book"
  cp -rL "$source" "$target/gnucash-$book"
done
cp "$docs/copyright" "$target/COPYRIGHT"

pages="$(find "$target" -name '*.html' | wc -l)"
figures="$(find "$target" -path '*/figures/*' -type f | wc -l)"
echo "Copied $pages pages and $figures figures of gnucash-docs $version to $target" >&2
