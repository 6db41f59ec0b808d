"""Questions about one page each, written from page titles the way a user asks them.

End to end, an answer should show the asked page's figures and few others; a question set
where each question names its page measures exactly that on any ingested corpus, without
writing references by hand: `m2io eval` reports the share of shown images from the asked page
and the share of answers that show at least one of its images.

A title becomes a question by its form: "Configuring the Toolbar" → "How do I configure the
Toolbar?", "The “Capture Options” Dialog Box" → "What can I do in the “Capture Options” Dialog
Box?", anything else → "How do I use X?" / "What is X …?" (the title's casing is kept: the
embedder does not mind, and lower-casing would lose names). Section numbers ("4.5.") and the
manual's name after a separator ("| Qt Designer Manual") are dropped; titles too generic to
ask about (Introduction, Example) and titles shared by several pages are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from random import Random

from m2io_graph.corpus.chunking import StoredChunk

GENERIC_TITLES = frozenset(
    "introduction overview example examples summary contents index preface foreword about "
    "notes appendix glossary reference references calculations".split()
)
_NUMBERING = re.compile(
    r"^(?:(?i:chapter|section|appendix|part)\s+\S+\s+|\d+(?:\.\d+)*\.?\s+|[A-Z]\.\d+(?:\.\d+)*\.?\s+)"
)
_SUFFIX = re.compile(r"\s+[|—–]\s+.*$|\s+-\s+[^-]*(?:manual|documentation|guide|help)[^-]*$", re.I)
_WINDOWS = re.compile(
    r"\b(dialog(?: box)?|window|pane|panel|editor|menu|tab|toolbar|screen)$", re.I
)
_E_STEMS = tuple("at iz ur us av ov iv ak ang ag ut bl ir id ud yp yz rg ok ic".split())
_NOT_GERUNDS = frozenset("thing string spring ring king wing bring swing sing ping ceiling".split())
_TOPICS = frozenset("concepts basics terminology terms principles features".split())
_SMALL_WORDS = frozenset("the a an up down in out of to with for from on and or by at into".split())


def clean_title(title: str) -> str:
    """`4.5. The “Capture Options” Dialog Box` → `The “Capture Options” Dialog Box`."""
    title = " ".join(title.split())
    title = _SUFFIX.sub("", title)
    return _NUMBERING.sub("", title).strip(" .:")


def _lemma(gerund: str) -> str:
    """`Configuring` → `configure`, `Setting` → `set`, `Opening` → `open` (near enough: the
    question is for retrieval, not for a grammar test)."""
    stem = gerund.lower()[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    if stem.endswith(_E_STEMS) and not stem.endswith(("ear", "oar", "ait")):
        return stem + "e"
    return stem


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _is_gerund(word: str) -> bool:
    bare = word.rstrip(",").lower()
    return (
        word[:1].isupper() and bare.endswith("ing") and len(bare) >= 5 and bare not in _NOT_GERUNDS
    )


def _as_request(words: list[str]) -> str:
    """`Saving, Previewing and Printing Forms` → `save, preview and print Forms`."""
    out, leading = [], True
    for word in words:
        if leading and _is_gerund(word):
            out.append(_lemma(word.rstrip(",")) + ("," if word.endswith(",") else ""))
            continue
        if leading and word.lower() in ("and", "or"):
            out.append(word.lower())
            continue
        leading = False
        out.append(word.lower() if word.lower() in _SMALL_WORDS else word)
    return " ".join(out)


def question_for(title: str) -> str | None:
    """A user's question about a page with this title, or None when it names nothing to ask."""
    title = clean_title(title)
    words = title.split()
    if not words or title.lower() in GENERIC_TITLES or len(title) < 4:
        return None
    first = words[0]
    if words[-1].lower() in _TOPICS:
        return f"What are the {title}?" if first not in ("The", "A", "An") else f"What are {title}?"
    if _is_gerund(first) and len(words) > 1:
        return f"How do I {_as_request(words)}?"
    if title.lower().startswith(("how ", "what ", "why ", "when ", "where ", "which ")):
        return title if title.endswith("?") else title + "?"
    if _WINDOWS.search(title):
        thing = _lower_first(title) if first in ("The", "A", "An") else "the " + title
        return f"What can I do in {thing}?"
    if len(words) == 1:
        return f"What is {title} and how do I use it?"
    return f"How do I use {title}?"


def page_questions(
    chunks: Iterable[StoredChunk], *, limit: int = 40, max_images: int = 20, seed: int = 0
) -> list[dict[str, object]]:
    """One question per page with images (at most `limit`, drawn with `seed`): `{"id",
    "question", "page", "images"}`, the page's images by store id in reading order.

    Pages with more than `max_images` images are whole manuals on one page, where "the asked
    page's images" would be most of the corpus."""
    pages: dict[str, tuple[str, list[str]]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.doc_id, c.position)):
        title, images = pages.setdefault(chunk.doc_id, (chunk.title, []))
        images += [i["id"] for i in chunk.images if i["id"] not in images]
    asked: dict[str, list[tuple[str, list[str]]]] = {}
    for page, (title, images) in pages.items():
        question = question_for(title)
        if question and 0 < len(images) <= max_images:
            asked.setdefault(question, []).append((page, images))
    unique = sorted((q, found[0]) for q, found in asked.items() if len(found) == 1)
    drawn = Random(seed).sample(unique, min(limit, len(unique)))
    return [
        {"id": f"page-{n}", "question": q, "page": page, "images": images}
        for n, (q, (page, images)) in enumerate(sorted(drawn, key=lambda d: d[1][0]), start=1)
    ]


def write_questions(questions: list[dict[str, object]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    out.write_text("".join(lines), encoding="utf-8")
