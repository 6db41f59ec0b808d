"""The `extractive` generator: the retrieved sentences that best match the question, no LM.

Fast and faithful by construction (every sentence is in the corpus); the baseline to beat and
the choice when no LM can run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from m2io_graph.state import Chunk
from m2io_graph.text import split_sentences

MAX_SENTENCES = 5
MIN_SIMILARITY = 0.2


def extractive_generator(embedder: Embeddings) -> Runnable[dict[str, Any], str]:
    """A runnable `{"query", "documents"} -> text`."""

    def answer(inputs: dict[str, Any]) -> str:
        documents: list[Chunk] = inputs["documents"]
        pool = [(rank, s) for rank, d in enumerate(documents) for s in split_sentences(d["text"])]
        if not pool:
            return ""
        vectors = np.asarray(embedder.embed_documents([s for _, s in pool]))
        query = np.asarray(embedder.embed_query(inputs["query"]))
        scores = vectors @ query
        best = [i for i in np.argsort(-scores)[:MAX_SENTENCES] if scores[i] >= MIN_SIMILARITY]
        best = best or [int(np.argmax(scores))]
        return " ".join(pool[i][1] for i in sorted(best))

    return RunnableLambda(answer, name="extractive")
