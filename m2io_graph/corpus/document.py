"""A document as a loader reads it: text blocks and images in reading order.

Loaders know file formats; nothing after them does. Chunking, validation and storage work on this
one shape, so a new format is one new loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImageSpec:
    """An image where the document shows it, before the file is checked."""

    src: str
    """Absolute file path, or an http(s) URL left as it is (nothing is downloaded)."""
    alt: str = ""
    caption: str = ""
    page: int | None = None
    """The page it is on, for documents that have pages (PDF)."""
    box: tuple[float, float, float, float] | None = None
    """Where on the page (PDF points: left, bottom, right, top from the bottom left)."""


@dataclass
class ParsedDocument:
    """One illustrated document."""

    doc_id: str
    """Stable id: the path relative to the ingested folder, or the dataset's own id."""
    title: str
    source: str
    """The file it came from."""
    segments: list[str | ImageSpec] = field(default_factory=list)
    """Text blocks (paragraphs, headings, list items) and images, in reading order."""
    skipped: list[str] = field(default_factory=list)
    """Why images or parts were left out (missing file, malformed markup), for the ingest report."""
