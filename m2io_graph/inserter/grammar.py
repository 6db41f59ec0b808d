"""The inserter's output grammar: parse and validate a completion, and write the canonical one.

A completion is `<think>…</think>` (optional, ignored), then
`<answer>[{"image": i, "after": s}, …]</answer>`.
`parse` is the single judge of what a valid plan is: the graph uses it before trusting a model,
the format reward is "parse accepted it", and SFT targets are written by `format_plan`, so a
model is trained on exactly what is later accepted. `completion` and `guide` are the canonical
form as a pattern, for guided decoding: a regex for outlines, GBNF or Lark for llama.cpp.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from m2io_graph.inserter.pattern import Lit, Pattern, Repeat, Seq, choice, optional, template
from m2io_graph.inserter.plan import InvalidPlanError
from m2io_graph.state import Candidate, Insertion

Pair = tuple[int, int]
"""(image number, sentence number): 1-based candidate number, 0..n sentence it follows."""

PLAN_TOKENS = 224
"""The cap of an unguided plan: room for the notes (about 8 tokens an image, 12 more for each
image shown) and a plan of four images among eight candidates, 164 SmolLM2 tokens, the
longest in the training data."""
GUIDED_PLAN_TOKENS = 1024
"""The cap of a guided plan. A guided completion stops where its grammar ends (the longest,
eight images all shown, is 284 SmolLM2 tokens); the cap only stops a grammar with no end, so
a long legal plan is never cut into an invalid one."""

_THINK_END = "</think>"
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


class GrammarError(InvalidPlanError):
    """A completion that does not follow the grammar; the message says which rule it broke.

    A subclass of InvalidPlanError (a ValueError) because it is one more way for a plan to be
    unusable: whoever falls back on invalid plans catches both.
    """


def _answer_text(completion: str) -> str:
    """The content of the last <answer> block after the reasoning.

    Only text after the last `</think>` counts, so an answer drafted inside the reasoning (or inside
    nested think tags) is never taken for the final one; among several blocks the last wins,
    as a model that corrects itself writes its correction last.
    """
    tail = completion.rsplit(_THINK_END, 1)[-1]
    blocks: list[str] = _ANSWER.findall(tail)
    if blocks:
        return blocks[-1]
    if "<answer>" in tail:
        raise GrammarError("<answer> is not closed by </answer>")
    where = " after the last </think>" if _THINK_END in completion else ""
    raise GrammarError(f"no <answer>…</answer> block found{where}")


def _is_int(value: object) -> bool:
    """JSON integers only: `true` and `2.0` are not sentence or image numbers."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse(completion: str, n_sentences: int, n_candidates: int) -> list[Pair]:
    """The plan as (image, after) pairs in the model's order, or GrammarError saying what is wrong.

    Valid: images 1..n_candidates, each at most once; `after` 0..n_sentences; `[]` is a plan.
    """
    text = _answer_text(completion)
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        snippet = text.strip()[:80]
        raise GrammarError(f"the answer is not valid JSON ({error.msg}): {snippet!r}") from None
    if not isinstance(items, list):
        raise GrammarError(f"the answer must be a JSON list, got {type(items).__name__}")
    pairs: list[Pair] = []
    seen: set[int] = set()
    for number, item in enumerate(items, start=1):
        if not (isinstance(item, dict) and set(item) == {"image", "after"}):
            raise GrammarError(
                f'item {number} must be an object with exactly the keys "image" and "after": {item!r}'
            )
        image, after = item["image"], item["after"]
        if not (_is_int(image) and _is_int(after)):
            raise GrammarError(f'item {number}: "image" and "after" must be integers: {item!r}')
        if not 1 <= image <= n_candidates:
            allowed = f"1..{n_candidates}" if n_candidates else "none: there are no candidates"
            raise GrammarError(
                f"item {number}: image {image} is not a candidate number ({allowed})"
            )
        if not 0 <= after <= n_sentences:
            raise GrammarError(f"item {number}: after {after} is out of range 0..{n_sentences}")
        if image in seen:
            raise GrammarError(f"item {number}: image {image} is placed twice")
        seen.add(image)
        pairs.append((image, after))
    return pairs


def to_insertions(pairs: Sequence[Pair], candidates: Sequence[Candidate]) -> list[Insertion]:
    """Candidate numbers turned into image ids; `pairs` must come from `parse` (numbers in range)."""
    return [Insertion(image_id=candidates[image - 1]["id"], after=after) for image, after in pairs]


def format_item(image: int | str, after: int | str) -> str:
    """One entry of the answer, `{"image": 2, "after": 5}`, exactly as `format_plan` writes it
    (and as JSON writes it, so `parse` reads it back)."""
    return f'{{"image": {image}, "after": {after}}}'


ITEM_SEPARATOR = ", "


def format_answer(items: str) -> str:
    return f"<answer>[{items}]</answer>"


def format_think(notes: str) -> str:
    return f"<think>{notes}{_THINK_END}"


def format_plan(pairs: Sequence[Pair], think: str = "") -> str:
    """The canonical completion for a plan: the SFT target, and what `parse` reads back."""
    reasoning = format_think(think) if think else ""
    return reasoning + format_answer(ITEM_SEPARATOR.join(format_item(i, a) for i, a in pairs))


def format_verdict(end: int | str, word: str) -> str:
    """`end [5] strong`: a hint's last part, which the trained inserter copies into its notes."""
    return f"end [{end}] {word}"


def format_note(image: int | str, verdict: str, entry: str = "") -> str:
    """`img2 end [5] strong {"image": 2, "after": 5}`: one image's note, with its answer entry
    when the plan shows it."""
    return f"img{image} {verdict}" + (f" {entry}" if entry else "")


NOTE_SEPARATOR = "; "
VERDICT_WORDS = ("strong", "weak")


def number(low: int, high: int) -> Pattern:
    """The whole numbers low..high: a range exact to the digit (no `01`, no `13` in 0..12)."""
    if low > high:
        raise ValueError(f"no whole number lies in {low}..{high}")
    return choice([str(n) for n in range(low, high + 1)])


def item(image: Pattern, after: Pattern) -> Pattern:
    """`format_item` with patterns in the place of its two numbers."""
    return template(format_item, image=image, after=after)


def completion(n_sentences: int, n_candidates: int, think: Pattern | None = None) -> Pattern:
    """What `format_plan` writes for any plan of an n-sentence text and m candidates.

    Guided decoding holds a model to it, so that its answer always parses: at most m entries,
    images 1..m, sentences 0..n. `think` is what the reasoning must match; the reasoning stays
    optional, as in `parse`. Only one rule of `parse` is left out, an image placed twice: a
    regular grammar cannot say it without growing exponentially in m.
    """
    entries: Pattern = Lit("")
    if n_candidates:
        entry = item(number(1, n_candidates), number(0, n_sentences))
        entries = optional(entry + Repeat(Lit(ITEM_SEPARATOR) + entry, 0, n_candidates - 1))
    answer = template(format_answer, items=entries)
    if think is None:
        return answer
    return optional(template(format_think, notes=think)) + answer


def guide(n_sentences: int, n_candidates: int) -> Pattern:
    """The completion a model trained on `prompt.hint_notes` writes: one note per image in order,
    each with its own entry or none, then the answer.

    The notes' shape is held too, so a model cannot loop in them until the token limit; what
    each note says, which paragraph end and which word, is still the model's.
    """
    verdict = template(format_verdict, end=number(1, n_sentences), word=choice(VERDICT_WORDS))
    after = number(0, n_sentences)
    notes: list[Pattern] = []
    for image in range(1, n_candidates + 1):
        entry = Lit(" ") + item(Lit(str(image)), after)
        notes.append(template(format_note, image=Lit(str(image)), verdict=verdict))
        notes.append(optional(entry))
        notes.append(Lit(NOTE_SEPARATOR))
    return completion(n_sentences, n_candidates, Seq(tuple(notes[:-1])) if notes else None)
