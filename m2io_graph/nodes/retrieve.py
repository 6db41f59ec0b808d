"""`retrieve`: check the question and fetch the chunks that answer it."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.errors import EmptyQueryError, InvalidQueryError
from m2io_graph.nodes.timing import timed
from m2io_graph.page_ranking import rank_by_page
from m2io_graph.state import State
from m2io_graph.text import cut_at_word, normalize_space

SEARCH_DEPTH = 4
"""Chunks fetched per chunk returned, for `rank_by_page` to choose from."""
EMPTY_STORE = "The store at {where} holds no documents yet: run `m2io ingest PATH` first."


@timed("retrieve")
def retrieve(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Reads `query` and `k`; writes `query` (spaces normalized, cut to `max_query_chars`),
    `documents` (at most `k` chunks at least `min_relevance` alike, best first by their own
    score and their page title's, see `page_ranking`) and `notices`
    (query cut, store empty, no chunk close enough). An empty query or `k` < 1 raises
    InvalidQueryError.

    Loosely related chunks are dropped: an answer built from them would be invented.
    """
    cfg = M2IOConfig.from_runnable_config(config)
    query = normalize_space(str(state.get("query") or ""))
    if not query:
        raise EmptyQueryError()
    notices: list[str] = []
    if len(query) > cfg.max_query_chars:
        query = cut_at_word(query, cfg.max_query_chars)
        notices.append(
            f"The query was longer than {cfg.max_query_chars} characters; only its first "
            f"{len(query)} were used."
        )
    given = state.get("k")
    k = cfg.k if given is None else int(given)
    if k < 1:
        raise InvalidQueryError(f"k must be at least 1, got {k}")
    store = models.corpus_store(cfg)
    if store.count() == 0:
        notices.append(EMPTY_STORE.format(where=store.location))
        return {"query": query, "documents": [], "notices": notices}
    found = store.search(query, k * SEARCH_DEPTH if cfg.title_weight else k)
    relevant = [d for d in found if d["score"] >= cfg.min_relevance]
    documents = rank_by_page(query, relevant, models.embedder(cfg), cfg.title_weight)[:k]
    if found and not documents:
        notices.append(
            f"No passage matches the question closely enough (best {found[0]['score']:.2f}, "
            f"min_relevance {cfg.min_relevance})."
        )
    return {"query": query, "documents": documents, "notices": notices}
