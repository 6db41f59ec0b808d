"""Cutting a parsed document into retrievable chunks, each carrying its own images.

Images stay attached to the chunk that holds the sentence they followed, with that sentence's
number: this is both what candidate extraction offers and the gold placement for training.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.image_files import BadImage, image_id
from m2io_graph.state import ImageRef
from m2io_graph.text import split_paragraphs

MAX_CHUNK_CHARS = 900
"""About the 256 word pieces that small sentence embedders read; longer text would be cut off."""


@dataclass
class StoredChunk:
    """A passage of one document with the images shown inside it, as the store keeps it (the
    state's `Chunk` is the retrieved form: text, images and score)."""

    doc_id: str
    title: str
    source: str
    position: int = 0
    """Order of the chunk within its document."""
    sentences: list[str] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    paragraph_ends: list[int] = field(default_factory=list)
    """Sentences (1-based) that close a block of the source: where its images can sit.
    Empty when unknown (a store ingested before they were kept)."""

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def id(self) -> str:
        """Content hash: the same passage with the same images is the same chunk."""
        payload = json.dumps([self.doc_id, self.text, [i["id"] for i in self.images]])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def chunk_document(
    doc: ParsedDocument, max_chars: int = MAX_CHUNK_CHARS
) -> tuple[list[StoredChunk], list[str]]:
    """The document's chunks, and the problems met (bad images are skipped)."""
    chunks = [StoredChunk(doc.doc_id, doc.title, doc.source)]
    problems: list[str] = []
    last_sentence = ""
    seen: set[str] = set()
    for segment in doc.segments:
        if isinstance(segment, ImageSpec):
            image = _image_ref(segment, doc.doc_id, last_sentence, problems)
            if image is not None and image["id"] not in seen:
                seen.add(image["id"])
                image["after"] = len(chunks[-1].sentences)
                chunks[-1].images.append(image)
            continue
        # A text segment is a block of the source (a paragraph, list item, heading, code).
        for paragraph in split_paragraphs(segment):
            for sentence in paragraph:
                current = chunks[-1]
                if current.sentences and len(current.text) + len(sentence) + 1 > max_chars:
                    chunks.append(StoredChunk(doc.doc_id, doc.title, doc.source, len(chunks)))
                chunks[-1].sentences.append(sentence)
                last_sentence = sentence
            chunks[-1].paragraph_ends.append(len(chunks[-1].sentences))
    return [c for c in chunks if c.sentences], problems


def _image_ref(spec: ImageSpec, doc_id: str, context: str, problems: list[str]) -> ImageRef | None:
    try:
        identifier = image_id(spec.src)
    except BadImage as error:
        problems.append(f"{doc_id}: skipped image {error}")
        return None
    image = ImageRef(
        id=identifier,
        path=spec.src,
        alt=spec.alt,
        caption=spec.caption,
        context=context,
        doc_id=doc_id,
    )
    if spec.page is not None:
        image["page"] = spec.page
    if spec.box is not None:
        image["box"] = [round(edge, 1) for edge in spec.box]
    return image
