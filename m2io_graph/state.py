"""What flows through the graph.

Everything here is plain JSON-able data (ids, paths, strings, numbers): checkpointers serialize it
and servers send it, so images travel as ids and paths, never as bytes.
"""

from __future__ import annotations

import operator
from typing import Annotated, NotRequired

from typing_extensions import TypedDict


def append_new(left: list[str], right: list[str]) -> list[str]:
    """Append only entries not already present.

    A plain `operator.add` would duplicate every entry when this graph runs as a node of a parent
    graph that has the same key: the child returns its whole list and the parent adds it again.
    """
    return left + [item for item in right if item not in left]


class ImageRef(TypedDict):
    """An image as it stands in its source document."""

    id: str
    """Content hash of the image bytes (or of the URL for remote images): the same picture used on
    two pages is one image."""
    path: str
    """Absolute file path, or an http(s) URL for images that were not local."""
    alt: str
    """The alt text (HTML/Markdown) or the image's own title in MRAMG."""
    caption: str
    """The figure caption, when the document has one."""
    context: str
    """The sentence the image followed in its source ("" when it opened the passage)."""
    doc_id: str
    """The document it belongs to."""
    after: NotRequired[int]
    """Within its chunk: the sentence number it followed (0 = before the first). Gold placement."""
    page: NotRequired[int]
    """The page of its source file it is on (PDF), for citing it."""
    box: NotRequired[list[float]]
    """Where on that page: left, bottom, right, top in PDF points (origin bottom left)."""


class Candidate(ImageRef):
    """An image offered to the inserter, with how well it matches the question."""

    score: float
    """Cosine similarity between the question and the image's description."""


class Chunk(TypedDict):
    """A retrieved chunk of an illustrated document."""

    id: str
    """Content hash of the chunk."""
    doc_id: str
    title: str
    source: str
    """Where the document came from (file path)."""
    text: str
    images: list[ImageRef]
    """Images inside this chunk, in document order, each with its gold `after`."""
    score: float
    """Relevance to the query, higher is better (0..1)."""


class Insertion(TypedDict):
    """One decision of the inserter: show `image_id` right after sentence number `after`."""

    image_id: str
    after: int
    """1-based sentence number; 0 places the image before the first sentence."""


class InputState(TypedDict):
    """The public door of the graph."""

    query: str
    """The user's question (must contain some non-space text)."""
    k: NotRequired[int]
    """How many chunks to retrieve; overrides the configured `k` for this call."""


class OutputState(TypedDict):
    """What a caller gets back."""

    answer: str
    """The interleaved answer as Markdown: each chosen image right after its sentence."""
    text: str
    """The generated text alone."""
    sentences: list[str]
    paragraph_ends: list[int]
    """Sentences (1-based) that close a paragraph of the text; [] when it is one paragraph."""
    candidates: list[Candidate]
    insertions: list[Insertion]
    documents: list[Chunk]
    timings: Annotated[dict[str, float], operator.or_]
    """Seconds spent in each node. Written by the parallel branches too, hence the merge."""
    inserter: str
    """The strategy whose plan was used (after any fallback)."""
    fallback: str | None
    """Why the configured inserter's plan was rejected, when it was; None otherwise."""
    notices: Annotated[list[str], append_new]
    """Things the user should know about this answer (query truncated, store empty, ...)."""


class State(InputState, OutputState):
    """The full internal state: input and output keys together."""
