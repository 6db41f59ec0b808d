"""Holding a generated answer to its documents: every command, option and path it names must
appear in the retrieved text.

A small model asked about a topic its passages do not cover fills the gap from what it saw in
training ("`sudo smbpasswd -a -g yourgroup`"), fluently and wrongly. Such terms are easy to
recognize (inline code, `-x`/`--long` options, file paths) and easy to check: a sentence that
names one the passages do not contain is left out, and the answer says so. Placeholders a
model writes for the reader to fill in (`<local_port>`) are not claims and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LEFT_OUT = "Left out what"
"""How the notice of a grounding cut begins (`generate_text` writes it, `m2io eval` counts it)."""

_CODE = re.compile(r"`([^`]+)`")
_OPTION = re.compile(r"(?<![\w/.-])--?[A-Za-z][\w-]*")
_PATH = re.compile(r"(?<![\w.:/-])~?/[\w.+-]+(?:/[\w.+*-]+)+/?")
_PLACEHOLDER = re.compile(r"<[^<>]*>|\{[^{}]*\}|\.\.\.|…")
_TRIM = ".,;:!?()[]\"'"


def technical_terms(sentence: str) -> list[str]:
    """The terms of `sentence` that a reader would type: tokens of inline code, options, paths."""
    terms: list[str] = []
    for span in _CODE.findall(sentence):
        terms += [t.strip(_TRIM) for t in span.split() if not _PLACEHOLDER.search(t)]
    prose = _CODE.sub(" ", sentence)
    terms += _OPTION.findall(prose) + [p.rstrip(".") for p in _PATH.findall(prose)]
    return list(dict.fromkeys(t for t in terms if t))


def unsupported_terms(sentence: str, context: str) -> list[str]:
    """The technical terms of `sentence` that `context` does not contain verbatim."""
    return [t for t in technical_terms(sentence) if t not in context]


def ground(paragraphs: Iterable[list[str]], context: str) -> tuple[list[list[str]], list[str]]:
    """The paragraphs without the sentences that name unsupported terms, and those terms.

    A sentence that announces what follows it ("use the following command:") goes with the
    sentence it announces: without it, it promises something the answer no longer has.
    """
    flat = [(p, sentence) for p, paragraph in enumerate(paragraphs) for sentence in paragraph]
    missing = [unsupported_terms(sentence, context) for _, sentence in flat]
    keep = [not m for m in missing]
    for i in range(len(flat) - 2, -1, -1):
        if keep[i] and not keep[i + 1] and flat[i][1].rstrip().endswith(":"):
            keep[i] = False
    kept: dict[int, list[str]] = {}
    for (p, sentence), kept_it in zip(flat, keep, strict=True):
        if kept_it:
            kept.setdefault(p, []).append(sentence)
    dropped = list(dict.fromkeys(t for m in missing for t in m))
    return list(kept.values()), dropped
