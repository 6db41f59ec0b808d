"""Checking image files before they enter the store.

An image id is the hash of its bytes, so the same picture on two pages is stored once and a
re-ingest finds it again. A file that is missing or does not decode is reported, never fatal.
"""

from __future__ import annotations

import hashlib
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
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise BadImage(f"{src}: not a readable image ({error})") from error
    return hashlib.sha256(data).hexdigest()[:32]
