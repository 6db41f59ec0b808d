"""The columns of one inserter example: the row types, and the `datasets` features they are
saved with."""

from __future__ import annotations

from datasets import Features, List, Value
from typing_extensions import TypedDict


class CandidateRow(TypedDict):
    """A candidate image as the prompt shows it (numbered by its place in the list)."""

    id: str
    path: str
    alt: str
    caption: str
    context: str
    """The sentence it followed in its source; "" unless built `with_context`."""
    doc_id: str


class GoldRow(TypedDict):
    image: int
    """1-based index into `candidates`."""
    after: int
    """Sentence it follows, 0 = before the first."""


class Message(TypedDict):
    role: str
    content: str


class Example(TypedDict):
    """One row: the columns trl's trainers and `m2io_graph.rewards` read."""

    id: str
    doc_id: str
    corpus: str
    split: str
    sentences: list[str]
    candidates: list[CandidateRow]
    gold: list[GoldRow]
    n_sentences: int
    n_candidates: int
    paragraph_ends: list[int]
    """Sentences of the window that close a paragraph of the source ([] when unknown)."""
    prompt: list[Message]
    completion: list[Message]


_TEXT = Value("string")
_MESSAGES = List({"role": _TEXT, "content": _TEXT})
FEATURES = Features(
    {
        "id": _TEXT,
        "doc_id": _TEXT,
        "corpus": _TEXT,
        "split": _TEXT,
        "sentences": List(_TEXT),
        "candidates": List({name: _TEXT for name in CandidateRow.__annotations__}),
        "gold": List({"image": Value("int32"), "after": Value("int32")}),
        "n_sentences": Value("int32"),
        "n_candidates": Value("int32"),
        "paragraph_ends": List(Value("int32")),
        "prompt": _MESSAGES,
        "completion": _MESSAGES,
    }
)
"""Declared, so that an empty split still has every column and datasets can be concatenated."""
