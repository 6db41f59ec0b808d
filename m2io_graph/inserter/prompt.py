"""What the inserter model reads: numbered sentences and numbered candidate images.

Numbers instead of ids and file names keep the prompt short (the default inserter has 135M
parameters and a few hundred tokens of useful context) and make the answer checkable: `grammar`
only has to check ranges. The Single-Shot baseline (`single_shot.py`) shows the candidates
with `candidate_lines` too.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from m2io_graph.describe import describe
from m2io_graph.inserter.grammar import (
    NOTE_SEPARATOR,
    Pair,
    format_item,
    format_note,
    format_plan,
    format_verdict,
)
from m2io_graph.state import Candidate
from m2io_graph.text import cut_at_word, normalize_space, paragraph_end

Hint = tuple[int, float]
"""The sentence most like a candidate and the cosine similarity (`rule.closest_sentences`)."""

STRONG_HINT = 40
"""Similarity (whole percent, as shown) from which a hint reads `strong` (chosen on validation
data: docs/inserter-design-notes.md)."""


def _percent(score: float) -> int:
    return round(100 * score)


def _verdict(sentence: int, score: float, paragraph_ends: list[int], n_sentences: int) -> str:
    """`end [p] strong`: the part of a hint the notes copy, in the prompt's order, so that the
    copy is one contiguous span and the word that decides an entry comes right before it."""
    end = paragraph_end(sentence, paragraph_ends, n_sentences)
    return format_verdict(end, "strong" if _percent(score) >= STRONG_HINT else "weak")


def hint_notes(
    hints: Sequence[Hint], paragraph_ends: list[int], n_sentences: int, plan: Sequence[Pair] = ()
) -> str:
    """`img1 end [5] strong {"image": 1, "after": 5}; img2 end [3] weak`: the reasoning the
    trained inserter writes first, each image's hint copied and, for an image the plan shows,
    its answer entry right after it.

    Each decision is then taken next to its evidence, and the answer only repeats the entries
    the notes hold, in order (why this shape: docs/inserter-design-notes.md).
    """
    shown = dict(plan)
    return NOTE_SEPARATOR.join(
        format_note(
            number,
            _verdict(sentence, score, paragraph_ends, n_sentences),
            format_item(number, shown[number]) if number in shown else "",
        )
        for number, (sentence, score) in enumerate(hints, start=1)
    )


SYSTEM = (
    "Pick images that illustrate the text, and the sentence each goes after "
    '("after": 0 = before the first). Each image once; [] is valid. Images go between '
    "paragraphs (blank lines). An image's (best [k] NN% end [p] strong|weak) is the sentence "
    "most like it, how alike, and the end of k's paragraph: a weak image rarely belongs; a "
    "strong one mostly goes after [p]. "
    "Optional <think>...</think>, e.g. each image's hint, then <answer>JSON</answer>. "
    "Example:\n"
    + format_plan([(2, 4)], hint_notes([(1, 0.21), (3, 0.62)], [1, 4], 4, plan=[(2, 4)]))
)
"""Task, grammar, what a hint means, and one example written by the grammar itself."""


def candidate_lines(
    candidates: list[Candidate],
    max_chars: int,
    hints: Sequence[Hint] | None = None,
    paragraph_ends: list[int] | None = None,
    n_sentences: int = 0,
) -> str:
    """`<imgN> description` lines, cut at a word so long captions cannot crowd out the task.

    A hint comes right after the image's number, as `(best [k] 62% end [p] strong)`: next to
    the number the model copies, as a whole percentage and as a word a small model can copy.
    With the text's paragraph ends, `end [p]` names the end of [k]'s paragraph.
    """
    if not candidates:
        return "(none)"
    lines = []
    for number, candidate in enumerate(candidates, start=1):
        hint = ""
        if hints is not None:
            sentence, score = hints[number - 1]
            verdict = _verdict(sentence, score, paragraph_ends or [], n_sentences)
            hint = f"(best [{sentence}] {_percent(score)}% {verdict}) "
        description = cut_at_word(describe(candidate, with_context=False), max_chars)
        lines.append(f"<img{number}> {hint}{description}")
    return "\n".join(lines)


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def to_chat_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as the `{"role", "content"}` dicts chat templates (and trl) expect."""
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


def build_messages(
    sentences: list[str],
    candidates: list[Candidate],
    *,
    max_chars_per_candidate: int = 120,
    hints: Sequence[Hint] | None = None,
    paragraph_ends: list[int] | None = None,
) -> list[BaseMessage]:
    """The inserter's chat prompt: the task, then `[1]..[n]` sentences (a blank line after each
    paragraph's end) and `<img1>..<imgm>` images."""
    ends = paragraph_ends or []
    numbered = "\n".join(
        f"[{n}] {normalize_space(s)}" + ("\n" if n in ends and n < len(sentences) else "")
        for n, s in enumerate(sentences, start=1)
    )
    lines = candidate_lines(candidates, max_chars_per_candidate, hints, ends, len(sentences))
    task = f"Sentences:\n{numbered or '(none)'}\nImages:\n{lines}"
    return [SystemMessage(SYSTEM), HumanMessage(task)]


def render_prompt_text(
    sentences: list[str], candidates: list[Candidate], *, max_chars_per_candidate: int = 120
) -> str:
    """The same prompt as one plain text, for base models and for measuring prompt length."""
    messages = build_messages(
        sentences, candidates, max_chars_per_candidate=max_chars_per_candidate
    )
    return "\n\n".join(str(m.content) for m in messages)
