"""How a plan is scored against the gold one: the code behind both the rewards and the metrics.

Rewards (training) and metrics (evaluation) must agree to the last edge case, or a model is
trained toward one number and judged by another; so both call these functions. The image
scores follow MRAMG-Bench's evaluation (arXiv 2502.04176), empty-set rules included.
Arguments are keyword-only: swapping gold and prediction swaps precision and recall silently.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple, TypeVar

ImageKey = TypeVar("ImageKey", bound=Hashable)
"""Image ids in the metrics, candidate numbers in the rewards."""


class PRF(NamedTuple):
    """Named so a caller cannot read recall where precision was meant."""

    precision: float
    recall: float
    f1: float


def precision_recall_f1(*, gold: Iterable[Hashable], predicted: Iterable[Hashable]) -> PRF:
    """Set precision, recall and F1 of the predicted images, with MRAMG's rules for empty sets.

    Both empty → 1, 1, 1 (correctly showing no image); prediction empty, gold not → 0, 0, 0;
    gold empty, prediction not → P = 0, R = 1, F1 = 0 (recall has nothing to miss).
    """
    gold_set, predicted_set = set(gold), set(predicted)
    if not gold_set:
        return PRF(1.0, 1.0, 1.0) if not predicted_set else PRF(0.0, 1.0, 0.0)
    if not predicted_set:
        return PRF(0.0, 0.0, 0.0)
    hits = len(gold_set & predicted_set)
    precision, recall = hits / len(predicted_set), hits / len(gold_set)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return PRF(precision, recall, f1)


def position_accuracy(*, gold: Mapping[ImageKey, int], predicted: Mapping[ImageKey, int]) -> float:
    """Share of gold images placed after their gold sentence (an unchosen image counts as wrong).

    With no gold image the share is undefined; we score 1.0 when the prediction is empty too and
    0.0 otherwise, so "show nothing" is right exactly when nothing should be shown (the same
    choice MRAMG makes for precision and F1).
    """
    if not gold:
        return 0.0 if predicted else 1.0
    return sum(predicted.get(image) == after for image, after in gold.items()) / len(gold)


def _edit_distance(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> int:
    """Weighted edits turning `predicted` into `gold`: missing gold image 3, extra image 2, swap 1."""
    previous = [2 * j for j in range(len(predicted) + 1)]
    for i, wanted in enumerate(gold, start=1):
        current = [3 * i]
        for j, shown in enumerate(predicted, start=1):
            current.append(
                min(
                    previous[j] + 3,
                    current[j - 1] + 2,
                    previous[j - 1] + (wanted != shown),
                )
            )
        previous = current
    return previous[-1]


def ordering_score(*, gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """MRAMG's image ordering score: recall × max(0, 1 − min(d, 3)/3).

    d is the weighted edit distance from the predicted image sequence (repeats kept) to the gold
    one, divided by the longer length. No gold and no prediction → 1; no gold but some
    prediction → 0; recall 0 → 0.
    """
    if not gold:
        return 0.0 if predicted else 1.0
    recall = precision_recall_f1(gold=gold, predicted=predicted).recall
    if recall == 0:
        return 0.0
    distance = _edit_distance(gold, predicted) / max(len(gold), len(predicted))
    return recall * max(0.0, 1 - min(distance, 3) / 3)
