"""What every loader needs: reading a file, cleaning text, and resolving an image reference.

Kept apart from the format modules so that HTML, Markdown and MRAMG resolve images by the same
rules, and a reference that cannot be used is reported in the same words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from m2io_graph.corpus.chrome import is_tiny
from m2io_graph.corpus.image_files import is_remote
from m2io_graph.text import normalize_space

_INVISIBLE = dict.fromkeys(map(ord, "\u00b6\u200b\u200c\u200d\ufeff"))
MAX_FILE_BYTES = 32 * 2**20
"""Largest page (HTML, Markdown) or MRAMG line read, by default. Parsing holds about 16 times a
page's size in memory (a 32 MB page: ~0.5 GB, ~15 s); real single-page manuals stay under 10 MB,
so a bigger file is a dump or an accident, refused with a message instead of exhausting memory."""


class LoadError(ValueError):
    """A document file that cannot be read at all (unreadable, binary, wrong encoding)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def clean_text(text: str) -> str:
    """One line of text: whitespace collapsed, permalink signs (¶) and zero-width marks removed."""
    return normalize_space(text.translate(_INVISIBLE))


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; an OS error or a file over `limit` bytes becomes a LoadError naming the
    file. At most `limit` + 1 bytes are read, whatever the file claims to hold (`read(n)`
    allocates n bytes first, so n is the file's size when that is smaller)."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise LoadError(path, too_large(limit))
            data = file.read(min(size, limit) + 1)
    except OSError as error:
        raise LoadError(path, f"cannot read ({error.strerror or error})") from error
    if len(data) > limit:
        raise LoadError(path, too_large(limit))
    return data


def too_large(limit: int) -> str:
    """Why a file (or an MRAMG line) was not read, and how to read it anyway."""
    return (
        f"larger than {limit / 2**20:g} MiB, not read (split it, or raise the limit with "
        "`m2io ingest --max-file-mb`)"
    )


def unexpected(error: Exception) -> str:
    """An error nobody foresaw inside one document, page or image, in one line for the ingest
    report: the rest of the corpus is still read. A MemoryError is raised again: the process
    is out of memory and would fail on the next document too."""
    if isinstance(error, MemoryError):
        raise error
    return f"unexpected {type(error).__name__}: {error}"[:300]


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
    percent-escapes decoded, as a browser would before reading the file. With `root`, a local
    file outside it (`../../secret.png`, `file:///etc/...`, a link pointing out) is refused: an
    ingest reads only what lies in the folder it was given.
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
    if root is not None and not path.is_relative_to(root.resolve()):
        return Resolved(problem=f"image {ref!r} is outside the ingested folder {root}; not read")
    if not path.is_file():
        return Resolved(problem=f"missing image file {path} (referenced as {ref!r})")
    return Resolved(src=str(path), tiny=is_tiny(path))
