import pytest

from m2io_graph.scoring import PRF, ordering_score, position_accuracy, precision_recall_f1


def test_precision_and_recall_are_not_swapped():
    assert precision_recall_f1(gold={"a"}, predicted={"a", "b", "c"}) == pytest.approx(
        (1 / 3, 1.0, 0.5)
    )
    assert precision_recall_f1(gold={"a", "b", "c"}, predicted={"a"}) == pytest.approx(
        (1.0, 1 / 3, 0.5)
    )


def test_partial_overlap():
    scores = precision_recall_f1(gold=["a", "b"], predicted=["b", "c", "d", "e"])
    assert scores == pytest.approx(PRF(0.25, 0.5, 1 / 3))


def test_disjoint_sets_score_zero():
    assert precision_recall_f1(gold={"a"}, predicted={"b"}) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        (set(), set(), (1.0, 1.0, 1.0)),
        ({"a"}, set(), (0.0, 0.0, 0.0)),
        (set(), {"a"}, (0.0, 1.0, 0.0)),
    ],
)
def test_mramg_empty_set_rules(gold, predicted, expected):
    assert precision_recall_f1(gold=gold, predicted=predicted) == expected


def test_repeats_do_not_count_twice():
    assert precision_recall_f1(gold=["a", "a"], predicted=["a", "a", "b"]) == pytest.approx(
        (0.5, 1.0, 2 / 3)
    )


def test_position_accuracy():
    gold = {"a": 1, "b": 3, "c": 0}
    assert position_accuracy(gold=gold, predicted={"a": 1, "b": 2, "x": 0}) == pytest.approx(1 / 3)
    assert position_accuracy(gold=gold, predicted={"a": 1, "b": 3, "c": 0}) == 1.0
    assert position_accuracy(gold=gold, predicted={}) == 0.0


def test_position_accuracy_without_gold_images():
    assert position_accuracy(gold={}, predicted={}) == 1.0
    assert position_accuracy(gold={}, predicted={"a": 1}) == 0.0


def test_mramg_ordering_checks():
    assert ordering_score(gold=["a", "b"], predicted=["a"]) == pytest.approx(0.25)
    assert ordering_score(gold=["a"], predicted=["a", "b"]) == pytest.approx(2 / 3)


def test_ordering_score_edge_cases():
    assert ordering_score(gold=[], predicted=[]) == 1.0
    assert ordering_score(gold=[], predicted=["a"]) == 0.0
    assert ordering_score(gold=["a"], predicted=[]) == 0.0
    assert ordering_score(gold=["a"], predicted=["b"]) == 0.0
    assert ordering_score(gold=["a", "b"], predicted=["a", "b"]) == 1.0


def test_ordering_score_penalizes_wrong_order():
    # [b, a] -> [a, b]: two substitutions, d = 2/2 = 1, recall 1 -> 1 - 1/3
    assert ordering_score(gold=["a", "b"], predicted=["b", "a"]) == pytest.approx(2 / 3)
    # three extra images: d = 6/4 = 1.5 -> 0.5
    assert ordering_score(gold=["a"], predicted=["a", "x", "y", "z"]) == pytest.approx(0.5)
    # two gold images missing: d = 6/3 = 2, recall 1/3 -> 1/3 * (1 - 2/3)
    assert ordering_score(gold=["a", "b", "c"], predicted=["c"]) == pytest.approx(1 / 9)
