"""GRPO rewards for the inserter, with trl's signature `f(completions, **kwargs) -> list[float]`.

trl passes every dataset column as a keyword list, one entry per completion. The inserter
dataset carries `gold` (the gold plan: a list of {"image": number, "after": sentence}),
`n_sentences` and `n_candidates`. The total reward is
format + α·selection + (1−α)·position, built once by `grpo_rewards`:
`GRPOTrainer(reward_funcs=r.funcs, args=GRPOConfig(reward_weights=r.weights))`. A completion
`grammar.parse` rejects earns 0 on all three terms, so no term can be gained by breaking the
format.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from m2io_graph.inserter.grammar import GrammarError, parse
from m2io_graph.scoring import position_accuracy, precision_recall_f1

Completion = str | list[dict[str, Any]]
"""Plain text, or trl's conversational form: a list of {"role", "content"} messages."""
GoldPlan = Sequence[Mapping[str, int]]
Selection = Literal["f1", "recall"]
RewardFunc = Callable[..., list[float]]

ALPHA = 0.8
"""Default weight of selection against position (the paper's α)."""
SELECTION: Selection = "f1"
"""Default selection term (see `selection_reward`)."""


def _text(completion: Completion) -> str:
    """The generated text: the last message's content for conversational completions.

    Vision chat templates give content as a list of parts; only the text parts can hold a plan.
    """
    if isinstance(completion, str):
        return completion
    content = completion[-1]["content"] if completion else ""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if part.get("type") == "text")
    return str(content)


def _plan(completion: Completion, n_sentences: int, n_candidates: int) -> dict[int, int] | None:
    """image number → sentence, or None when the completion breaks the grammar."""
    try:
        return dict(parse(_text(completion), n_sentences, n_candidates))
    except GrammarError:
        return None


def _gold(plan: GoldPlan) -> dict[int, int]:
    return {item["image"]: item["after"] for item in plan}


def format_reward(
    completions: Sequence[Completion],
    n_sentences: Sequence[int],
    n_candidates: Sequence[int],
    **kwargs: Any,
) -> list[float]:
    """1.0 when `grammar.parse` accepts the completion (ranges and duplicates included), else 0.0."""
    return [
        float(_plan(c, n, m) is not None)
        for c, n, m in zip(completions, n_sentences, n_candidates, strict=True)
    ]


def selection_reward(
    completions: Sequence[Completion],
    gold: Sequence[GoldPlan],
    n_sentences: Sequence[int],
    n_candidates: Sequence[int],
    selection: Selection | Sequence[Selection] = SELECTION,
    **kwargs: Any,
) -> list[float]:
    """F1 (default) or recall of the chosen images against the gold ones; 0 for an invalid format.

    The paper rewards recall, which pays for showing every candidate when half are distractors;
    F1 does not. `selection` is one mode for all, or a dataset column with one mode per example.
    """
    modes = [selection] * len(completions) if isinstance(selection, str) else selection
    rewards: list[float] = []
    for c, plan, n, m, mode in zip(
        completions, gold, n_sentences, n_candidates, modes, strict=True
    ):
        chosen = _plan(c, n, m)
        if chosen is None:
            rewards.append(0.0)
            continue
        scores = precision_recall_f1(gold=_gold(plan), predicted=chosen)
        rewards.append(scores.recall if mode == "recall" else scores.f1)
    return rewards


@functools.cache
def make_selection_reward(mode: Selection) -> RewardFunc:
    """`selection_reward` fixed to one mode, named `selection_<mode>_reward` (trl logs by `__name__`)."""
    if mode not in ("f1", "recall"):
        raise ValueError(f"selection mode must be 'f1' or 'recall', got {mode!r}")

    def reward(completions: Sequence[Completion], **kwargs: Any) -> list[float]:
        kwargs.pop("selection", None)
        return selection_reward(completions, selection=mode, **kwargs)

    reward.__name__ = reward.__qualname__ = f"selection_{mode}_reward"
    return reward


def position_reward(
    completions: Sequence[Completion],
    gold: Sequence[GoldPlan],
    n_sentences: Sequence[int],
    n_candidates: Sequence[int],
    **kwargs: Any,
) -> list[float]:
    """Share of gold images placed after their gold sentence; 0 for an invalid format.

    With no gold image: 1.0 for `[]`, 0.0 for any image (see `scoring.position_accuracy`).
    """
    rewards: list[float] = []
    for c, plan, n, m in zip(completions, gold, n_sentences, n_candidates, strict=True):
        chosen = _plan(c, n, m)
        rewards.append(
            0.0 if chosen is None else position_accuracy(gold=_gold(plan), predicted=chosen)
        )
    return rewards


@dataclass(frozen=True)
class GRPORewards:
    """What trl's GRPO takes: `reward_funcs` and, in the same order, `reward_weights`."""

    funcs: list[RewardFunc]
    weights: list[float]


def grpo_rewards(alpha: float = ALPHA, selection: Selection = SELECTION) -> GRPORewards:
    """format, selection (in `selection` mode), position, weighted [1, α, 1−α]: the one reward
    list GRPO trains on."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    return GRPORewards(
        funcs=[format_reward, make_selection_reward(selection), position_reward],
        weights=[1.0, alpha, 1.0 - alpha],
    )
