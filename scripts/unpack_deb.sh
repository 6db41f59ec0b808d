# Sourced by the fetch_*.sh scripts: `unpack_deb PACKAGE` downloads a Debian package with apt-get
# (or takes $DEB, a .deb you already have), unpacks it with dpkg -x into a temporary folder that
# is removed on exit, and sets $unpacked (the unpacked root) and $version.
unpack_deb() {
  local package="$1" work deb
  work="$(mktemp -d)"
  chmod 755 "$work" # apt-get downloads as user _apt, which must be able to write here
  trap "rm -rf '$work'" EXIT
  deb="${DEB:-}"
  if [[ -z "$deb" ]]; then
    echo "Downloading $package with apt-get ..." >&2
    if ! (cd "$work" && apt-get download "$package" >&2); then
      echo "Not found; running apt-get update and trying again ..." >&2
      apt-get update >&2
      (cd "$work" && apt-get download "$package" >&2)
    fi
    deb="$(ls "$work/${package}"_*.deb)"
  fi
  version="$(dpkg-deb -f "$deb" Version)"
  dpkg -x "$deb" "$work/x"
  unpacked="$work/x"
}
