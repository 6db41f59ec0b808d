"""`extract_candidates`: the retrieved documents' images, best match for the question first."""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.describe import describe
from m2io_graph.nodes.timing import timed
from m2io_graph.state import Candidate, ImageRef, State


def document_images(state: State, cfg: M2IOConfig) -> list[ImageRef]:
    """Every image of the `candidate_pages` best-ranked retrieved documents that have images,
    once: the retrieved chunks' own first, then the rest of their documents' (figures often
    sit a chunk away from the text about them).

    A page without figures does not use up the count: when two pages share a title (a guide's
    chapter and the help's page on the same dialog), the one ranked first may have none.
    """
    documents = state.get("documents") or []
    ranked = list(dict.fromkeys(d["doc_id"] for d in documents))
    found = [i for d in documents for i in d["images"]] + models.corpus_store(cfg).images_of(ranked)
    illustrated = [doc_id for doc_id in ranked if any(i["doc_id"] == doc_id for i in found)]
    pages = set(illustrated[: cfg.candidate_pages])
    unique: dict[str, ImageRef] = {}
    for image in found:
        if image["doc_id"] in pages:
            unique.setdefault(image["id"], image)
    return list(unique.values())


@timed("extract_candidates")
def extract_candidates(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Reads `query` and `documents`; writes `candidates`: the images of the best-ranked
    `candidate_pages` retrieved documents with images whose description matches the query at least
    `min_candidate_score`, best first, at most `max_candidates`, each with its `score`.

    Whole documents are searched because a figure often sits a chunk away from its text; only
    the best-ranked one by default, because figures of the neighbouring pages retrieval also
    returns are what made answers show pictures the question is not about (README, "Answers
    about one page").
    """
    cfg = M2IOConfig.from_runnable_config(config)
    images = document_images(state, cfg)
    if not images:
        return {"candidates": []}
    embedder = models.embedder(cfg)
    vectors = np.asarray(embedder.embed_documents([describe(i) for i in images]))
    scores = vectors @ np.asarray(embedder.embed_query(state["query"]))
    ranked = sorted(zip(images, scores, strict=True), key=lambda pair: -pair[1])
    candidates = [
        Candidate(**{**image, "score": round(float(score), 4)})
        for image, score in ranked
        if score >= cfg.min_candidate_score
    ]
    return {"candidates": candidates[: cfg.max_candidates]}
