"""The grammar as a regex (guided decoding): it accepts every canonical completion and holds a
model to the numbers and the shape that `parse` and the notes ask for."""

import re
from random import Random

import pytest

from m2io_graph.inserter.grammar import completion_regex, format_plan, parse
from m2io_graph.inserter.prompt import guide_regex, hint_notes


def accepts(regex: str, completion: str) -> bool:
    return re.fullmatch(regex, completion) is not None


def random_case(rng: Random) -> tuple[int, int, list[tuple[int, float]], list[int], list]:
    n, m = rng.randint(1, 30), rng.randint(1, 10)
    hints = [(rng.randint(1, n), rng.random()) for _ in range(m)]
    ends = sorted(rng.sample(range(1, n + 1), rng.randint(0, n)))
    shown = sorted(rng.sample(range(1, m + 1), rng.randint(0, m)))
    return n, m, hints, ends, [(image, rng.randint(0, n)) for image in shown]


def test_every_training_target_matches_the_guide():
    rng = Random(7)
    for _ in range(300):
        n, m, hints, ends, plan = random_case(rng)
        target = format_plan(plan, hint_notes(hints, ends, n, plan))
        assert accepts(guide_regex(n, m), target), target
        assert accepts(guide_regex(n, m), format_plan(plan))  # the reasoning is optional
        assert parse(target, n, m) == plan


@pytest.mark.parametrize(
    "completion",
    [
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
    ],
)
def test_the_guide_rejects(completion):
    assert not accepts(guide_regex(4, 2), completion)


def test_without_candidates_only_the_empty_plan_is_allowed():
    assert accepts(completion_regex(3, 0), "<answer>[]</answer>")
    assert not accepts(completion_regex(3, 0), '<answer>[{"image": 1, "after": 1}]</answer>')


def test_numbers_are_matched_whole():
    regex = completion_regex(12, 2)
    assert accepts(regex, '<answer>[{"image": 2, "after": 12}]</answer>')
    assert not accepts(regex, '<answer>[{"image": 2, "after": 13}]</answer>')
    assert not accepts(regex, '<answer>[{"image": 2, "after": 01}]</answer>')
