"""Checking image files before they enter the store.

An image id is the hash of its bytes, so the same picture on two pages is stored once and a
re-ingest finds it again. A file that is missing or does not decode is reported, never fatal.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from PIL import Image


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
        with path.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:32]  # read in blocks
    except OSError as error:
        raise BadImage(f"{src}: cannot read ({error.strerror or error})") from error
    check_image(path)
    return digest


def check_image(path: Path) -> None:
    """Raise BadImage unless the file is an image a browser can show: an SVG (its root element;
    Pillow reads no SVG, yet manuals draw many figures in it), or a file Pillow reads, of a sane
    size.

    A header may claim any size: a few-KB PNG that says 20000×20000 would take gigabytes to
    decode (Pillow's DecompressionBombError), and is refused here. Pillow's format plugins
    raise many kinds of errors on corrupt files; each is the file's problem, reported."""
    if path.suffix.lower() == ".svg":
        if not _is_svg(path):
            raise BadImage(f"{path}: not a readable image (no <svg> root element)")
        return
    try:
        with Image.open(path) as image:
            image.verify()
    except Image.DecompressionBombError as error:
        raise BadImage(f"{path}: image too large to decode safely ({error})") from error
    except MemoryError:
        raise
    except Exception as error:
        raise BadImage(f"{path}: not a readable image ({error})") from error


def _is_svg(path: Path) -> bool:
    """Whether the file's root element is `<svg>`. Only the opening tag is parsed."""
    try:
        for _, element in ElementTree.iterparse(path, events=("start",)):
            return element.tag.rsplit("}", 1)[-1] == "svg"
    except (ElementTree.ParseError, OSError):
        return False
    return False
