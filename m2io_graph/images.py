"""How an image is described to text models (no image-text model ships offline)."""

from __future__ import annotations

from m2io_graph.state import ImageRef


def describe(image: ImageRef) -> str:
    """Caption, alt text and the sentence the image followed, without repeats."""
    parts: list[str] = []
    for part in (image.get("caption", ""), image.get("alt", ""), image.get("context", "")):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return ". ".join(parts)
