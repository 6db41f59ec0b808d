"""How an image is described to text models (no image-text model ships offline)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from m2io_graph.state import ImageRef

_FILE_NAME = re.compile(r"^\S*\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.IGNORECASE)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_HASH = re.compile(r"^[0-9a-f]{8,}$", re.IGNORECASE)
_GENERIC = frozenset("img image images fig figure pic picture screenshot screen shot".split())


def file_words(path: str) -> str:
    """`designer-connection-mode.png` → `designer connection mode`: many manuals give a figure no
    alt text or caption (or their tool writes the file's path as its alt text), and its file name
    is then all that says what it shows. Names without a word of three letters (`img_0012`) or
    that are hashes or only say "image" say nothing and give ""."""
    stem = PurePosixPath(path.split("?")[0].replace("\\", "/")).stem
    if _HASH.match(stem.replace("-", "")):
        return ""
    words = [w.lower() for w in _WORD.findall(stem)]
    telling = any(len(w) >= 3 and w.isalpha() and w not in _GENERIC for w in words)
    return " ".join(words) if telling else ""


def describe(image: ImageRef, *, with_context: bool = True) -> str:
    """Caption, alt text and (optionally) the sentence the image followed, each once.

    A part already contained in an earlier one is skipped (alt text often repeats the
    caption's first words), and parts are joined without doubling their final period. An alt
    text that is a file name (Sphinx writes the path when the author gave none) is read as the
    file's words; with neither caption nor alt text, the file name's words stand in.
    """
    caption = " ".join(str(image.get("caption", "")).split())
    alt = " ".join(str(image.get("alt", "")).split())
    if _FILE_NAME.match(alt):
        alt = file_words(alt)
    if not caption and not alt:
        alt = file_words(str(image.get("path", "")))
    context = " ".join(str(image.get("context", "")).split()) if with_context else ""
    parts: list[str] = []
    for part in (caption, alt, context):
        if part and not any(part.lower() in earlier.lower() for earlier in parts):
            parts.append(part)
    return " ".join(p if p.endswith((".", "!", "?", ":")) else p + "." for p in parts)
