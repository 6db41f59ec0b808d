"""`insert_images`: run the configured inserter; an invalid plan falls back to `rule`."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.inserter.plan import validate_plan
from m2io_graph.inserter.rule import top_up
from m2io_graph.inserter.strategies import FALLBACK, InsertionTask, get_strategy
from m2io_graph.nodes.timing import timed
from m2io_graph.prompts import DECLINE
from m2io_graph.state import Candidate, Insertion, State

log = logging.getLogger(__name__)


def _shown(
    plan: list[Insertion], sentences: list[str], candidates: list[Candidate], cfg: M2IOConfig
) -> list[Insertion]:
    """The plan topped up to `min_images`, then validated against the answer and candidates."""
    plan = top_up(models.embedder(cfg), sentences, candidates, plan, cfg.min_images)
    return validate_plan(plan, len(sentences), [c["id"] for c in candidates])


@timed("insert_images")
def insert_images(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Reads `query`, `sentences`, `paragraph_ends`, `candidates` and `documents`; writes
    `insertions` (a validated plan), `inserter` (the strategy whose plan was used) and
    `fallback` (why the configured one was rejected, else None); a strategy that writes the
    text itself (`single_shot`) also rewrites `sentences`, `text` and `paragraph_ends`. An
    answer that declines gets no images.

    A model's plan may be anything, so an invalid one or an error falls back to `rule`
    instead of failing the answer. Either plan is then topped up to `min_images`.
    """
    cfg = M2IOConfig.from_runnable_config(config)
    candidates = state.get("candidates") or []
    task = InsertionTask(
        query=state.get("query", ""),
        sentences=state.get("sentences") or [],
        paragraph_ends=state.get("paragraph_ends") or [],
        candidates=candidates,
        documents=state.get("documents") or [],
    )
    strategy = get_strategy(cfg.inserter)
    if task.sentences == [DECLINE]:  # an answer that shows nothing has nothing to illustrate
        return {"insertions": [], "inserter": cfg.inserter, "fallback": None}
    try:
        result = strategy(task, cfg, config)
        sentences = result.sentences if result.sentences is not None else task.sentences
        update: dict[str, Any] = {
            "insertions": _shown(result.insertions, sentences, candidates, cfg),
            "inserter": cfg.inserter,
            "fallback": None,
        }
        if result.sentences is not None:
            update |= {"sentences": sentences, "text": " ".join(sentences), "paragraph_ends": []}
        return update
    except Exception as error:  # a model's output must never crash the answer
        if cfg.inserter == FALLBACK:
            raise
        reason = f"{type(error).__name__}: {error}"
        log.warning("inserter %s failed (%s); using %s", cfg.inserter, reason, FALLBACK)
    plan = get_strategy(FALLBACK)(task, cfg, config).insertions
    return {
        "insertions": _shown(plan, task.sentences, candidates, cfg),
        "inserter": FALLBACK,
        "fallback": reason,
    }
