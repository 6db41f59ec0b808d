"""MRAMG's answer metrics on hand-computed cases."""

import pytest

from m2io_graph.metrics import (
    AnswerScores,
    bleu,
    macro_average,
    rouge_lsum,
    score_answer,
    strip_images,
)


def scores(gold, predicted, reference="same words here", prediction="same words here"):
    return score_answer(
        gold_images=gold, predicted_images=predicted, reference=reference, prediction=prediction
    )


def test_edit_costs_are_not_swapped():
    """A missing gold image costs 3, an extra one 2: swapping them changes both numbers."""
    assert scores(["a", "b"], ["a"]).ordering == pytest.approx(0.25)
    assert scores(["a"], ["a", "b"]).ordering == pytest.approx(2 / 3)


def test_precision_and_recall_are_not_swapped():
    result = scores(["a"], ["a", "b", "c", "d"])
    assert (result.precision, result.recall) == pytest.approx((0.25, 1.0))
    result = scores(["a", "b", "c", "d"], ["a"])
    assert (result.precision, result.recall) == pytest.approx((1.0, 0.25))
    assert result.f1 == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        ([], [], (1.0, 1.0, 1.0, 1.0)),  # no image wanted, none shown
        (["a"], [], (0.0, 0.0, 0.0, 0.0)),  # images wanted, none shown
        ([], ["a"], (0.0, 1.0, 0.0, 0.0)),  # none wanted, some shown: recall has nothing to miss
    ],
)
def test_empty_set_rules(gold, predicted, expected):
    result = scores(gold, predicted)
    assert (result.precision, result.recall, result.f1, result.ordering) == expected


def test_ordering_charges_repeats_and_order():
    assert scores(["a", "b"], ["b", "a"]).ordering == pytest.approx(2 / 3)
    # [a, a] -> [a]: one extra (2) over max length 2 -> d = 1 -> 1 - 1/3
    assert scores(["a"], ["a", "a"]).ordering == pytest.approx(2 / 3)


def test_rouge_uses_stemming_and_ignores_image_markers():
    assert rouge_lsum(reference="The cats run.", prediction="The cat running. <img2>") == 1.0
    assert rouge_lsum(reference="Alpha beta.", prediction="Gamma delta.") == 0.0
    # LCS "a c" of 3 and 2 words: P = 1, R = 2/3 -> F = 0.8
    assert rouge_lsum(reference="a b c.", prediction="a c.") == pytest.approx(0.8)


def test_bleu_bounds():
    assert bleu(
        reference="Open the menu and pick Save.", prediction="open the menu and pick save"
    ) == pytest.approx(1.0)
    assert bleu(reference="Open it.", prediction="Open it.") == pytest.approx(1.0)
    assert bleu(reference="Open the menu now please.", prediction="Close windows.") < 0.1
    assert bleu(reference="", prediction="") == 1.0
    assert bleu(reference="Something.", prediction="") == 0.0


def test_strip_images_of_every_convention():
    text = "Open it. ![Figure 1](img/a.png) Then <PIC> click <img3> <IMG 4> <img src='x.png'> OK."
    assert strip_images(text) == "Open it. Then click OK."


def test_macro_average_is_times_100():
    rows = [AnswerScores(1, 1, 1, 1, 1, 1), AnswerScores(0, 0.5, 0, 0, 0.5, 0)]
    assert macro_average(rows) == pytest.approx(
        {"precision": 50, "recall": 75, "f1": 50, "ordering": 50, "rouge_l": 75, "bleu": 50}
    )
    assert macro_average([])["f1"] == 0.0


def test_text_scores_need_a_reference():
    """A hand-written question file may give only the images: text scores are then unknown,
    not zero, and the average skips them."""
    without = score_answer(
        gold_images=["a"], predicted_images=["a"], reference="<PIC>", prediction="Hi."
    )
    assert (without.f1, without.rouge_l, without.bleu) == (1.0, None, None)
    with_text = score_answer(gold_images=[], predicted_images=[], reference="Hi.", prediction="Hi.")
    means = macro_average([without, with_text])
    assert (means["f1"], means["rouge_l"]) == (100.0, 100.0)
    assert macro_average([without])["bleu"] is None
