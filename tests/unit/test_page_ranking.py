"""Ranking chunks by their page's title as well as their text, on a bag-of-words embedder whose
similarities are known in advance."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from m2io_graph.page_ranking import rank_by_page
from m2io_graph.state import Chunk

VOCABULARY = "capture options dialog packet list pane filter".split()


class BagOfWords(Embeddings):
    """Unit vectors counting VOCABULARY words: cosines are word overlaps."""

    def _vector(self, text: str) -> list[float]:
        words = text.lower().replace("?", " ").split()
        counts = np.array([words.count(w) for w in VOCABULARY], dtype=float) + 1e-9
        return list(counts / np.linalg.norm(counts))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def chunk(doc_id: str, title: str, score: float) -> Chunk:
    return Chunk(id=doc_id, doc_id=doc_id, title=title, source="", text="", images=[], score=score)


def test_a_chunk_of_the_page_the_question_names_outranks_a_slightly_closer_one_elsewhere():
    chunks = [
        chunk("list.html", "The Packet List Pane", 0.62),
        chunk("capture.html", "The Capture Options Dialog", 0.58),
    ]
    query = "What can I do in the capture options dialog?"
    ranked = rank_by_page(query, chunks, BagOfWords(), title_weight=0.5)
    assert [c["doc_id"] for c in ranked] == ["capture.html", "list.html"]
    assert [c["score"] for c in ranked] == [0.58, 0.62], "scores stay the chunks' own"
    assert rank_by_page(query, chunks, BagOfWords(), title_weight=0.0) == chunks
    untitled = [chunk("a", "", 0.4), chunk("b", "", 0.5)]
    assert rank_by_page(query, untitled, BagOfWords(), title_weight=0.5) == untitled
