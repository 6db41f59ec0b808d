"""Checking image files before they enter the store.

An image id is the hash of its bytes, so the same picture on two pages is stored once and a
re-ingest finds it again. A file that is missing or does not decode is reported, never fatal.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from PIL import Image, UnidentifiedImageError


class BadImage(ValueError):
    """An image that cannot be shown: missing, unreadable or not an image."""


def is_remote(src: str) -> bool:
    """Images given by URL are kept as links; nothing is downloaded."""
    return src.startswith(("http://", "https://"))


def image_id(src: str) -> str:
    """Content hash of a local image (after checking it decodes), or hash of a URL.

    Raises BadImage with the path and the reason.
    """
    if is_remote(src):
        return "url-" + hashlib.sha256(src.encode()).hexdigest()[:24]
    path = Path(src)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadImage(f"{src}: cannot read ({error.strerror or error})") from error
    if path.suffix.lower() == ".svg":
        if not _is_svg(path):
            raise BadImage(f"{src}: not a readable image (no <svg> root element)")
        return hashlib.sha256(data).hexdigest()[:32]
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise BadImage(f"{src}: not a readable image ({error})") from error
    return hashlib.sha256(data).hexdigest()[:32]


def _is_svg(path: Path) -> bool:
    """Whether the file's root element is `<svg>`: Pillow reads no SVG, yet manuals draw many
    figures in it and browsers show them. Only the opening tag is parsed."""
    try:
        for _, element in ElementTree.iterparse(path, events=("start",)):
            return element.tag.rsplit("}", 1)[-1] == "svg"
    except (ElementTree.ParseError, OSError):
        return False
    return False
