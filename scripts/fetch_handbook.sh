#!/usr/bin/env bash
# Fetch the Debian Administrator's Handbook (Debian package `debian-handbook`) as HTML pages with
# their figures, for use as an m2io corpus.
#
# Usage:
#   scripts/fetch_handbook.sh [TARGET]
#       The full English book (all pages, images/, Common_Content/) into TARGET
#       (default: data/debian-handbook-full, git-ignored). Then: m2io ingest TARGET
#   scripts/fetch_handbook.sh --demo [TARGET]
#       Regenerate the committed demo extract (default: data/demo/debian-handbook): the pages
#       listed in DEMO_PAGES, unmodified, with only the images they reference, and ATTRIBUTION.md.
#
# How: `apt-get download debian-handbook` into a temporary folder, `dpkg -x` there; nothing is
# installed. Needs apt-get with Debian's main archive in its sources (run `apt-get update` first
# if the package is not found). Set DEB=/path/to/debian-handbook_*.deb to use a .deb you have.
set -euo pipefail

DEMO_PAGES=(
  sect.remote-login.html             # SSH port forwarding (ssh -L / ssh -R figures)
  sect.apt-frontends.html            # aptitude and synaptic screenshots
  sect.installation-steps.html       # debian-installer screens
  sect.selinux.html                  # security contexts, domain transitions (+ code callouts)
  unix-services.html                 # boot sequence with systemd and with SysV init
  sect.release-lifecycle.html        # unstable -> testing -> stable, autobuilders
  sect.graphical-desktops.html       # GNOME, Plasma, Xfce, LXDE, LXQt, Cinnamon, MATE
  sect.package-meta-information.html # virtual packages (Provides)
  sect.regular-upgrades.html         # gpk-update-viewer
  sect.network-diagnosis-tools.html  # wireshark
  network-services.html              # DNS MX record and mail delivery
)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
if [[ "${1:-}" == "--demo" ]]; then
  mode=demo
  shift
fi
if [[ "$mode" == demo ]]; then
  target="${1:-$repo/data/demo/debian-handbook}"
else
  target="${1:-$repo/data/debian-handbook-full}"
fi

# shellcheck source=scripts/unpack_deb.sh
source "$repo/scripts/unpack_deb.sh"
unpack_deb debian-handbook
book="$unpacked/usr/share/doc/debian-handbook/html/en-US"
[[ -f "$book/index.html" ]] || { echo "error: no en-US HTML book in debian-handbook $version" >&2; exit 1; }

mkdir -p "$target"
if [[ "$mode" == full ]]; then
  cp -a "$book/." "$target/"
  cp "$unpacked/usr/share/doc/debian-handbook/copyright" "$target/COPYRIGHT"
  echo "Copied $(ls "$target"/*.html | wc -l) pages of debian-handbook $version to $target" >&2
  exit 0
fi

(
  cd "$book"
  for page in "${DEMO_PAGES[@]}"; do
    cp "$page" "$target/"
    # Every local <img src> of the page (content figures and the chrome the loader must drop).
    grep -o '<img [^>]*src="[^"]*"' "$page" | sed 's/.*src="\([^"]*\)"/\1/' | grep -v '://' |
      while read -r image; do
        image="$(echo "$image" | tr -s /)"
        mkdir -p "$target/$(dirname "$image")"
        cp "$image" "$target/$image"
      done
  done
)

cat > "$target/ATTRIBUTION.md" <<EOF
# Attribution

These files are **unmodified extracts** (${#DEMO_PAGES[@]} HTML pages and the images they
reference) of:

- **Title**: The Debian Administrator's Handbook (Debian Bullseye from Discovery to Mastery),
  English (en-US) HTML edition
- **Authors**: Raphaël Hertzog and Roland Mas
- **Version**: ${version}, from the Debian package \`debian-handbook\`
- **Licence**: dual-licensed, CC-BY-SA 3.0 (Creative Commons Attribution-ShareAlike 3.0
  Unported) or GPL-2.0-or-later, at your choice; see the package's
  \`/usr/share/doc/debian-handbook/copyright\`
- **Source**: https://debian-handbook.info

Copyright 2003-2015 Raphaël Hertzog, 2006-2015 Roland Mas, 2013-2015 Freexian SARL.

Regenerate this folder with \`scripts/fetch_handbook.sh --demo data/demo/debian-handbook\`.
EOF
echo "Wrote the demo extract of debian-handbook $version to $target ($(du -sh "$target" | cut -f1))" >&2
