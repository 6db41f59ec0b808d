"""The inserter's output grammar: parse and validate a completion, and write the canonical one.

A completion is `<think>…</think>` (optional, ignored), then
`<answer>[{"image": i, "after": s}, …]</answer>`.
`parse` is the single judge of what a valid plan is: the graph uses it before trusting a model,
the format reward is "parse accepted it", and SFT targets are written by `format_plan`, so a
model is trained on exactly what is later accepted. `completion_regex` is the canonical form as
a regular expression, for guided decoding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from m2io_graph.inserter.plan import InvalidPlanError
from m2io_graph.state import Candidate, Insertion

Pair = tuple[int, int]
"""(image number, sentence number): 1-based candidate number, 0..n sentence it follows."""

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


def format_item(image: int, after: int) -> str:
    """One entry of the answer, `{"image": 2, "after": 5}`, exactly as `format_plan` writes it."""
    return json.dumps({"image": image, "after": after})


def format_plan(pairs: Sequence[Pair], think: str = "") -> str:
    """The canonical completion for a plan: the SFT target, and what `parse` reads back."""
    reasoning = f"<think>{think}</think>" if think else ""
    items = ", ".join(format_item(image, after) for image, after in pairs)
    return f"{reasoning}<answer>[{items}]</answer>"


def number_regex(low: int, high: int) -> str:
    """The whole numbers low..high as a regex alternation: a range exact to the digit."""
    return "(?:" + "|".join(str(number) for number in range(low, high + 1)) + ")"


def item_regex(image: str, after: str) -> str:
    """`format_item` with regexes in the place of its two numbers, so the layout has one writer."""
    template = re.escape(format_item(1111111, 2222222))
    return template.replace("1111111", image).replace("2222222", after)


def completion_regex(n_sentences: int, n_candidates: int, think: str = "") -> str:
    """What `format_plan` writes for any plan of an n-sentence text and m candidates, as a regex.

    Guided decoding holds a model to it, so that its answer always parses: at most m entries,
    images 1..m, sentences 0..n. `think` (a regex) is what the reasoning must match; the
    reasoning stays optional, as in `parse`. Only one rule of `parse` is left out, an image placed
    twice: a regular expression cannot say it without growing exponentially in m.
    """
    entry = item_regex(number_regex(1, n_candidates), number_regex(0, n_sentences))
    items = f"(?:{entry}(?:, {entry}){{0,{n_candidates - 1}}})?" if n_candidates else ""
    reasoning = f"(?:{re.escape('<think>')}{think}{re.escape(_THINK_END)})?" if think else ""
    return f"{reasoning}<answer>\\[{items}\\]</answer>"
