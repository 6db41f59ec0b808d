"""Inserter strategies by name: `configurable={"inserter": name}` picks one per call.

A strategy maps (sentences, candidates) to a plan. Model-backed strategies (r1, llm,
single_shot) register here the same way; whatever they return is validated by the node, and
an invalid plan falls back to `rule`.
"""

from __future__ import annotations

from typing import Callable, Protocol

from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.inserter.rule import rule_plan
from m2io_graph.state import Candidate, Insertion

FALLBACK = "rule"


class Strategy(Protocol):
    def __call__(
        self,
        sentences: list[str],
        candidates: list[Candidate],
        cfg: M2IOConfig,
        config: RunnableConfig,
    ) -> list[Insertion]: ...


class UnknownStrategyError(ValueError):
    """An inserter name that is not registered."""


def _rule(
    sentences: list[str], candidates: list[Candidate], cfg: M2IOConfig, config: RunnableConfig
) -> list[Insertion]:
    return rule_plan(models.embedder(cfg), sentences, candidates, cfg.rule_threshold)


_REGISTRY: dict[str, Strategy] = {"rule": _rule}


def register(name: str) -> Callable[[Strategy], Strategy]:
    """Add a strategy under `name` (used by the model-backed inserters and by tests)."""

    def add(strategy: Strategy) -> Strategy:
        _REGISTRY[name] = strategy
        return strategy

    return add


def names() -> list[str]:
    return sorted(_REGISTRY)


def get_strategy(name: str) -> Strategy:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownStrategyError(
            f"unknown inserter {name!r}; choose one of: {', '.join(names())}"
        ) from None
