"""Sentence splitting, shared by chunking, generation and the inserter.

The inserter places images after sentence numbers, so every stage must cut text the same way;
pysbd is rule-based (no model download) and knows abbreviations, decimals and file names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (HTML sources indent their paragraphs)."""
    return _SPACE.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[list[str]]:
    """The sentences of each paragraph (blank lines separate paragraphs), empty ones dropped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        block = normalize_space(block)
        sentences = [s for s in (normalize_space(x) for x in _segmenter().segment(block)) if s]
        if sentences:
            paragraphs.append(sentences)
    return paragraphs


def split_sentences(text: str) -> list[str]:
    """Non-empty sentences of `text`, whitespace-normalized, blank lines treated as breaks."""
    return [s for paragraph in split_paragraphs(text) for s in paragraph]


def paragraph_ends(paragraphs: list[list[str]]) -> list[int]:
    """Numbers (1-based) of the sentences that close a paragraph; [] for a single paragraph.

    Figures are blocks: in a page they sit between paragraphs, never inside one, so the end of
    the paragraph that mentions an image is where it usually goes. A text written as one
    paragraph says nothing about that, and [] ("unknown") keeps every sentence open.
    """
    return list(accumulate(len(p) for p in paragraphs)) if len(paragraphs) > 1 else []


def paragraph_end(sentence: int, ends: list[int], n_sentences: int) -> int:
    """The sentence that closes `sentence`'s paragraph (itself when `ends` is unknown, the
    last sentence shown when its paragraph runs past them)."""
    if not ends:
        return sentence
    return min((e for e in ends if e >= sentence), default=n_sentences)


def cut_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at the last word boundary."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head[: head.rfind(" ")] if " " in head else head


_FENCE = re.compile(r"```[\w+-]*\n?(.*?)```", re.DOTALL)
_LIST_MARK = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE)
_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


def flatten_markdown(text: str) -> str:
    """A model's Markdown as plain sentences: code blocks become inline code, list markers and
    bold go. The answer is cut into numbered sentences for the inserter, and `1. **Open**:`
    or a fenced block split into sentences of their own would be numbered as text."""
    text = _FENCE.sub(lambda m: " `" + normalize_space(m.group(1)) + "` ", text)
    text = _LIST_MARK.sub("", text)
    return _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
