"""What every loader needs: reading a file, cleaning text, and resolving an image reference.

Kept apart from the format modules so that HTML, Markdown and MRAMG resolve images by the same
rules, and a reference that cannot be used is reported in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from m2io_graph.corpus.chrome import is_tiny
from m2io_graph.corpus.image_files import is_remote
from m2io_graph.text import normalize_space

_INVISIBLE = dict.fromkeys(map(ord, "\u00b6\u200b\u200c\u200d\ufeff"))


class LoadError(ValueError):
    """A document file that cannot be read at all (unreadable, binary, wrong encoding)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def clean_text(text: str) -> str:
    """One line of text: whitespace collapsed, permalink signs (¶) and zero-width marks removed."""
    return normalize_space(text.translate(_INVISIBLE))


def read_bytes(path: Path) -> bytes:
    """The file's bytes; an OS error becomes a LoadError naming the file."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise LoadError(path, f"cannot read ({error.strerror or error})") from error


@dataclass(frozen=True)
class Resolved:
    """Where an image reference points: a usable `src`, or why it cannot be used."""

    src: str | None = None
    problem: str | None = None
    tiny: bool = False
    """A local file so small it can only be an icon or a spacer: dropped without a report."""


def resolve_image(ref: str, base_dir: Path, root: Path | None = None) -> Resolved:
    """Resolve an image reference as a page would, without fetching anything.

    http(s) URLs stay as they are; `data:` URIs are refused (nothing to point at); a relative
    path is taken from `base_dir` (the page's folder), a root-relative one (`/img/x.png`) from
    `root` (the ingested folder) when known. Query strings and fragments are dropped and
    percent-escapes decoded, as a browser would before reading the file.
    """
    ref = ref.strip()
    if ref.startswith("//"):
        ref = "https:" + ref
    if is_remote(ref):
        return Resolved(src=ref)
    if ref.startswith("data:"):
        return Resolved(problem=f"inline data: URI image ({ref[:40]}...) not stored")
    parts = urlsplit(ref)
    if parts.scheme not in ("", "file") and len(parts.scheme) > 1:
        return Resolved(problem=f"image {ref!r}: unsupported scheme {parts.scheme!r}")
    relative = unquote(parts.path)
    if not relative:
        return Resolved(problem=f"image reference {ref!r} has no path")
    if parts.scheme == "file" or (relative.startswith("/") and root is None):
        path = Path(relative)
    elif relative.startswith("/"):
        path = root / relative.lstrip("/")  # type: ignore[operator]
    else:
        path = base_dir / relative
    path = path.resolve()
    if not path.is_file():
        return Resolved(problem=f"missing image file {path} (referenced as {ref!r})")
    return Resolved(src=str(path), tiny=is_tiny(path))
