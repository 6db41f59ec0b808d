"""The paper's Single-Shot baseline: one chat call writes the answer with image markers in it.

Its prompt is the generator's own answer prompt plus the candidates as the inserter shows them,
and its markers (`<img2>`) are mapped back to sentence numbers with the graph's splitter, so it
is scored exactly like a two-stage plan.
"""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage, HumanMessage

from m2io_graph.inserter.prompt import candidate_lines
from m2io_graph.prompts import ANSWER_PROMPT
from m2io_graph.state import Candidate, Insertion
from m2io_graph.text import split_sentences

_MARKER = re.compile(r"<\s*img\s*(\d+)\s*>", re.IGNORECASE)
"""`<img3>` as the Single-Shot baseline writes it; spacing and case forgiven, it is not graded."""


def single_shot_messages(
    query: str, context: str, candidates: list[Candidate], *, max_chars_per_candidate: int = 120
) -> list[BaseMessage]:
    """The generator's own prompt plus the candidates: one call writes text and image markers.

    Reusing ANSWER_PROMPT keeps the baseline's text instructions identical to the two-stage
    pipeline's, so a comparison measures the placement, not a different writing prompt.
    """
    system, human = ANSWER_PROMPT.format_messages(query=query, context=context)
    images = (
        f"\n\nImages:\n{candidate_lines(candidates, max_chars_per_candidate)}\n\n"
        "Right after a sentence that one of these images illustrates, write the image's marker, "
        'e.g. "Open the menu.<img2>". Use each image at most once, only where it helps; '
        "an answer may have no image."
    )
    return [system, HumanMessage(str(human.content) + images)]


def parse_single_shot(text: str, candidates: list[Candidate]) -> tuple[list[str], list[Insertion]]:
    """The answer's sentences without markers, and where each marked image went.

    A marker goes after the sentence it ends or interrupts (0 when it comes before any text),
    counted with the same splitter the graph uses, so `after` indexes the returned sentences.
    Markers naming no candidate are dropped; an image marked twice keeps its first place.
    """
    plain = _MARKER.sub(" ", text)
    sentences = split_sentences(plain)
    insertions: list[Insertion] = []
    placed: set[str] = set()
    for match in _MARKER.finditer(text):
        number = int(match.group(1))
        if not 1 <= number <= len(candidates) or candidates[number - 1]["id"] in placed:
            continue
        image_id = candidates[number - 1]["id"]
        before = _MARKER.sub(" ", text[: match.start()])
        after = min(len(split_sentences(before)), len(sentences))
        insertions.append(Insertion(image_id=image_id, after=after))
        placed.add(image_id)
    return sentences, insertions
