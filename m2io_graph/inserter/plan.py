"""The one check every plan passes before it reaches the answer.

Whatever a strategy (or a model) proposes, only candidates can be shown, each at most once, after
a sentence that exists. This is what makes "no image outside the candidates" hold on every path.
"""

from __future__ import annotations

from collections.abc import Iterable

from m2io_graph.state import Insertion


class InvalidPlanError(ValueError):
    """A plan that names an unknown image, a sentence out of range, or an image twice."""


def validate_plan(
    plan: Iterable[Insertion], n_sentences: int, candidate_ids: Iterable[str]
) -> list[Insertion]:
    """The plan sorted by position, or InvalidPlanError saying exactly what is wrong."""
    allowed = set(candidate_ids)
    seen: set[str] = set()
    checked: list[Insertion] = []
    for insertion in plan:
        image, after = insertion.get("image_id"), insertion.get("after")
        if image not in allowed:
            raise InvalidPlanError(f"image {image!r} is not among the candidates")
        if image in seen:
            raise InvalidPlanError(f"image {image!r} is placed twice")
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= n_sentences:
            raise InvalidPlanError(f"sentence {after!r} is out of range 0..{n_sentences}")
        seen.add(image)
        checked.append(Insertion(image_id=image, after=after))
    return sorted(checked, key=lambda i: i["after"])
