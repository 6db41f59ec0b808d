"""The grammar of guided decoding, in every dialect it is written to: the regex that outlines
compiles (transformers path), and the GBNF and Lark that llama.cpp reads. Each accepts every
canonical completion and holds a model to the numbers and the shape that `parse` and the notes
ask for, and they accept and reject the same strings.

The grammars are checked with llguidance, the grammar engine built into xllamacpp (GBNF through
its own GBNF reader), over a byte-level vocabulary, so a string is accepted exactly when the
grammar derives it.
"""

import re
from random import Random

import llguidance
import pytest

from m2io_graph.inserter.grammar import completion, format_plan, guide, parse
from m2io_graph.inserter.pattern import Lit, Pattern
from m2io_graph.inserter.prompt import hint_notes

_BYTES = llguidance.LLTokenizer(
    llguidance.TokenizerWrapper(
        type(
            "ByteTokenizer",
            (),
            {
                "eos_token_id": 256,
                "bos_token_id": None,
                "tokens": [bytes([b]) for b in range(256)] + [b""],
                "__call__": lambda self, text: list(text),
            },
        )()
    )
)


def _matches(grammar: str, text: str) -> bool:
    matcher = llguidance.LLMatcher(_BYTES, grammar, log_level=0)
    assert not matcher.is_error(), matcher.get_error()
    return matcher.consume_tokens(list(text.encode())) and matcher.is_accepting()


def gbnf_accepts(pattern: Pattern, text: str) -> bool:
    return _matches(llguidance.grammar_from("gbnf", pattern.gbnf()), text)


def lark_accepts(pattern: Pattern, text: str) -> bool:
    lark = pattern.lark().removeprefix("%llguidance {}\n")
    return _matches(llguidance.grammar_from("lark", lark), text)


def regex_accepts(pattern: Pattern, text: str) -> bool:
    return re.fullmatch(pattern.regex(), text) is not None


DIALECTS = [
    pytest.param(regex_accepts, id="regex"),
    pytest.param(gbnf_accepts, id="gbnf"),
    pytest.param(lark_accepts, id="lark"),
]


def random_case(rng: Random) -> tuple[int, int, list[tuple[int, float]], list[int], list]:
    n, m = rng.randint(1, 30), rng.randint(1, 10)
    hints = [(rng.randint(1, n), rng.random()) for _ in range(m)]
    ends = sorted(rng.sample(range(1, n + 1), rng.randint(0, n)))
    shown = sorted(rng.sample(range(1, m + 1), rng.randint(0, m)))
    return n, m, hints, ends, [(image, rng.randint(0, n)) for image in shown]


@pytest.mark.parametrize("accepts", DIALECTS)
def test_every_training_target_matches_the_guide(accepts):
    rng = Random(7)
    for _ in range(300 if accepts is regex_accepts else 60):
        n, m, hints, ends, plan = random_case(rng)
        target = format_plan(plan, hint_notes(hints, ends, n, plan))
        assert accepts(guide(n, m), target), target
        assert accepts(guide(n, m), format_plan(plan))  # the reasoning is optional
        assert parse(target, n, m) == plan


REJECTED = [
    '<answer>[{"image": 3, "after": 1}]</answer>',  # image out of range
    '<answer>[{"image": 1, "after": 5}]</answer>',  # sentence out of range
    '<answer>[{"image": 1, "after": 1}, {"image": 2, "after": 1}, '
    '{"image": 1, "after": 1}]</answer>',  # more entries than candidates
    '<answer>[{"image": 1,"after": 1}]</answer>',  # not the canonical layout
    '<answer>[{"image": 1, "after": 1}]',  # unclosed
    "<think>img1 end [2] strong</think><answer>[]</answer>",  # a note missing
    "<think>img2 end [2] weak; img1 end [2] weak</think><answer>[]</answer>",  # out of order
    "<think>img1 end [2] strong; img1 end [2] strong; img2 end [1] weak</think>"
    "<answer>[]</answer>",  # the loop the guide is there to stop
    '<think>img1 end [2] strong {"image": 2, "after": 2}; img2 end [1] weak</think>'
    "<answer>[]</answer>",  # a note's entry for another image
    "<think>img1 end [5] strong; img2 end [1] weak</think><answer>[]</answer>",
    "<think>free text</think><answer>[]</answer>",
    '<answer>[{"image": 1, "after": 1}]</answer> and more',  # text after the end
]


@pytest.mark.parametrize("accepts", DIALECTS)
@pytest.mark.parametrize("text", REJECTED)
def test_the_guide_rejects(accepts, text):
    assert not accepts(guide(4, 2), text)


@pytest.mark.parametrize("accepts", DIALECTS)
def test_without_candidates_only_the_empty_plan_is_allowed(accepts):
    assert accepts(completion(3, 0), "<answer>[]</answer>")
    assert not accepts(completion(3, 0), '<answer>[{"image": 1, "after": 1}]</answer>')


@pytest.mark.parametrize("accepts", DIALECTS)
def test_numbers_are_matched_whole(accepts):
    pattern = completion(12, 2)
    assert accepts(pattern, '<answer>[{"image": 2, "after": 12}]</answer>')
    assert not accepts(pattern, '<answer>[{"image": 2, "after": 13}]</answer>')
    assert not accepts(pattern, '<answer>[{"image": 2, "after": 01}]</answer>')


def test_the_two_dialects_agree_on_mutated_completions():
    """Random edits of valid completions: whatever one dialect says, the other says too."""
    rng = Random(11)
    alphabet = '<>[]{}":, 0123456789imgendstrongweakafter;/'
    for _ in range(120):
        n, m, hints, ends, plan = random_case(rng)
        text = format_plan(plan, hint_notes(hints, ends, n, plan))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text))
            edit = rng.choice(["drop", "insert", "replace"])
            new = "" if edit == "drop" else rng.choice(alphabet)
            text = text[:at] + new + text[at + (edit != "insert") :]
        pattern = guide(n, m)
        verdict = regex_accepts(pattern, text)
        assert gbnf_accepts(pattern, text) == verdict == lark_accepts(pattern, text), text


def test_literals_are_escaped_in_every_dialect():
    pattern = Lit('say "hi"\\\n')
    for accepts in (regex_accepts, gbnf_accepts, lark_accepts):
        assert accepts(pattern, 'say "hi"\\\n')
        assert not accepts(pattern, "say hi")


def test_a_template_needs_a_writer_that_writes_each_slot_once():
    from m2io_graph.inserter.pattern import template

    with pytest.raises(ValueError, match="each slot once"):
        template(lambda a: "fixed text", a=Lit("x"))
    with pytest.raises(ValueError, match="each slot once"):
        template(lambda a: f"{a} and {a}", a=Lit("x"))


def test_an_empty_repeat_and_a_bad_range_are_caught():
    from m2io_graph.inserter.pattern import Repeat

    empty = Repeat(Lit("x"), 0, 0)
    assert regex_accepts(empty, "") and gbnf_accepts(empty, "") and lark_accepts(empty, "")
    with pytest.raises(ValueError):
        Repeat(Lit("x"), 2, 1)
    from m2io_graph.inserter.grammar import number

    with pytest.raises(ValueError, match="no whole number"):
        number(1, 0)
