"""How an image is described to text models (no image-text model ships offline)."""

from __future__ import annotations

from m2io_graph.state import ImageRef


def describe(image: ImageRef, *, with_context: bool = True) -> str:
    """Caption, alt text and (optionally) the sentence the image followed, each once.

    A part already contained in an earlier one is skipped (alt text often repeats the
    caption's first words), and parts are joined without doubling their final period.
    """
    fields = ("caption", "alt", "context") if with_context else ("caption", "alt")
    parts: list[str] = []
    for name in fields:
        part = " ".join(str(image.get(name, "")).split())
        if part and not any(part.lower() in earlier.lower() for earlier in parts):
            parts.append(part)
    return " ".join(p if p.endswith((".", "!", "?", ":")) else p + "." for p in parts)
