"""Sentence splitting, shared by chunking, generation and the inserter.

The inserter places images after sentence numbers, so every stage must cut text the same way;
pysbd is rule-based (no model download) and knows abbreviations, decimals and file names.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (HTML sources indent their paragraphs)."""
    return _SPACE.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Non-empty sentences of `text`, whitespace-normalized, blank lines treated as breaks."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = normalize_space(block)
        if block:
            sentences.extend(
                s for s in (normalize_space(x) for x in _segmenter().segment(block)) if s
            )
    return sentences


def cut_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at the last word boundary."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head[: head.rfind(" ")] if " " in head else head
