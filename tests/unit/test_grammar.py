import pytest

from m2io_graph.inserter.grammar import (
    GrammarError,
    format_item,
    format_plan,
    parse,
    to_insertions,
)
from m2io_graph.inserter.plan import InvalidPlanError
from m2io_graph.state import Candidate


def candidate(image_id: str) -> Candidate:
    return Candidate(
        id=image_id, path=f"/{image_id}.png", alt="", caption="", context="", doc_id="d", score=0.0
    )


def test_plan_with_reasoning_and_whitespace():
    completion = '<think>image 3 shows the dialog</think>\n<answer>\n[ {"image": 3, "after": 2},\n {"image": 1, "after": 0} ]\n</answer>'
    assert parse(completion, 5, 4) == [(3, 2), (1, 0)]


def test_reasoning_is_optional_and_text_outside_tags_ignored():
    assert parse('Sure! <answer>[{"image": 1, "after": 1}]</answer> Done.', 1, 1) == [(1, 1)]


def test_empty_plan_is_valid_even_without_candidates():
    assert parse("<answer>[]</answer>", 0, 0) == []
    assert parse("<think></think><answer> [ ] </answer>", 3, 2) == []


def test_last_answer_block_wins():
    completion = '<answer>[{"image": 1, "after": 1}]</answer> wait, no: <answer>[{"image": 2, "after": 3}]</answer>'
    assert parse(completion, 3, 2) == [(2, 3)]


def test_answers_drafted_inside_reasoning_do_not_count():
    draft = '<think>maybe <answer>[{"image": 1, "after": 1}]</answer></think><answer>[]</answer>'
    assert parse(draft, 3, 2) == []
    with pytest.raises(GrammarError, match="after the last </think>"):
        parse("<think><answer>[]</answer></think>", 3, 2)


def test_nested_think_tags():
    completion = '<think>a <think>b</think> c</think><answer>[{"image": 1, "after": 0}]</answer>'
    assert parse(completion, 2, 1) == [(1, 0)]


@pytest.mark.parametrize(
    ("completion", "message"),
    [
        ('[{"image": 1, "after": 1}]', "no <answer>"),
        ("", "no <answer>"),
        ('<answer>[{"image": 1, "after": 1}]', "not closed"),
        ("<answer>[{image: 1}]</answer>", "not valid JSON"),
        ("<answer></answer>", "not valid JSON"),
        ('<answer>{"image": 1, "after": 1}</answer>', "must be a JSON list, got dict"),
        ("<answer>[1, 2]</answer>", "item 1 must be an object"),
        ('<answer>[{"image": 1}]</answer>', "exactly the keys"),
        ('<answer>[{"image": 1, "after": 1, "why": "x"}]</answer>', "exactly the keys"),
        ('<answer>[{"image": true, "after": 1}]</answer>', "must be integers"),
        ('<answer>[{"image": 1, "after": false}]</answer>', "must be integers"),
        ('<answer>[{"image": 1.0, "after": 1}]</answer>', "must be integers"),
        ('<answer>[{"image": "1", "after": 1}]</answer>', "must be integers"),
        (
            '<answer>[{"image": 0, "after": 1}]</answer>',
            r"image 0 is not a candidate number \(1..2\)",
        ),
        (
            '<answer>[{"image": 3, "after": 1}]</answer>',
            r"image 3 is not a candidate number \(1..2\)",
        ),
        ('<answer>[{"image": 1, "after": 4}]</answer>', "after 4 is out of range 0..3"),
        ('<answer>[{"image": 1, "after": -1}]</answer>', "after -1 is out of range 0..3"),
        (
            '<answer>[{"image": 2, "after": 1}, {"image": 2, "after": 3}]</answer>',
            "item 2: image 2 is placed twice",
        ),
    ],
)
def test_malformed_completions_say_why(completion, message):
    with pytest.raises(GrammarError, match=message):
        parse(completion, 3, 2)


def test_no_candidates_means_no_image_is_valid():
    with pytest.raises(GrammarError, match="there are no candidates"):
        parse('<answer>[{"image": 1, "after": 0}]</answer>', 3, 0)


def test_grammar_errors_are_invalid_plans():
    assert issubclass(GrammarError, InvalidPlanError)
    assert issubclass(GrammarError, ValueError)


def test_format_plan_is_canonical_and_round_trips():
    assert format_plan([(3, 2)]) == '<answer>[{"image": 3, "after": 2}]</answer>'
    assert format_plan([]) == "<answer>[]</answer>"
    pairs = [(2, 0), (1, 3)]
    assert parse(format_plan(pairs), 3, 2) == pairs
    notes = f"img1 end [3] strong {format_item(1, 3)}; img2 end [1] weak {format_item(2, 0)}"
    with_notes = format_plan(pairs, think=notes)
    assert with_notes == (
        '<think>img1 end [3] strong {"image": 1, "after": 3}; img2 end [1] weak '
        '{"image": 2, "after": 0}</think><answer>[{"image": 2, "after": 0}, '
        '{"image": 1, "after": 3}]</answer>'
    )
    assert parse(with_notes, 3, 2) == pairs  # entries in the notes are not the answer


def test_to_insertions_maps_numbers_to_ids():
    assert to_insertions([(2, 0), (1, 3)], [candidate("a"), candidate("b")]) == [
        {"image_id": "b", "after": 0},
        {"image_id": "a", "after": 3},
    ]
