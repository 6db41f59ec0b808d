"""The `rule` inserter: each image after the sentence it resembles most, if it is close enough.

The baseline of the paper's comparison and the fallback for every other strategy: it needs only
the embedder and cannot produce an invalid plan.
"""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from m2io_graph.describe import describe
from m2io_graph.state import Candidate, Insertion


def similarity(
    embedder: Embeddings,
    sentences: list[str],
    candidates: list[Candidate],
    *,
    with_context: bool = True,
) -> np.ndarray:
    """Cosine similarity, sentences × candidates (vectors are normalized by the embedder)."""
    described = [describe(c, with_context=with_context) for c in candidates]
    vectors = np.asarray(embedder.embed_documents(sentences + described))
    return vectors[: len(sentences)] @ vectors[len(sentences) :].T


def closest_sentences(
    embedder: Embeddings, sentences: list[str], candidates: list[Candidate]
) -> list[tuple[int, float]]:
    """For each candidate, the sentence most like its caption/alt text and how alike (cosine).

    Given to model inserters as a hint: a small model cannot match meanings across ten sentences
    on its own, but it can learn when the closest sentence is the right place and when not.
    """
    if not sentences or not candidates:
        return [(0, 0.0) for _ in candidates]
    scores = similarity(embedder, sentences, candidates, with_context=False)
    return [
        (int(scores[:, c].argmax()) + 1, float(scores[:, c].max())) for c in range(len(candidates))
    ]


def rule_plan(
    embedder: Embeddings, sentences: list[str], candidates: list[Candidate], threshold: float
) -> list[Insertion]:
    """Greedy matching, best pair first: at most one image per sentence, each image once."""
    if not sentences or not candidates:
        return []
    scores = similarity(embedder, sentences, candidates)
    used_sentences: set[int] = set()
    used_images: set[int] = set()
    plan: list[Insertion] = []
    for flat in np.argsort(-scores, axis=None):
        s, c = np.unravel_index(flat, scores.shape)
        if scores[s, c] < threshold:
            break
        if s in used_sentences or c in used_images:
            continue
        used_sentences.add(int(s))
        used_images.add(int(c))
        plan.append(Insertion(image_id=candidates[c]["id"], after=int(s) + 1))
    return sorted(plan, key=lambda i: i["after"])


def top_up(
    embedder: Embeddings,
    sentences: list[str],
    candidates: list[Candidate],
    plan: list[Insertion],
    count: int,
) -> list[Insertion]:
    """`plan` with the best-matching unplaced candidates added, each after the sentence most
    like it, until it shows `count` images (or the candidates run out).

    An answer about an illustrated page should show at least one of its figures even when no
    caption resembles a sentence closely (figures without alt text, described by file names):
    the candidates are already the best page's images that match the question.
    """
    if len(plan) >= count or not sentences:
        return plan
    placed = {i["image_id"] for i in plan}
    left = [c for c in candidates if c["id"] not in placed]
    if not left:
        return plan
    scores = similarity(embedder, sentences, left)
    best = np.argsort(-scores.max(axis=0))[: count - len(plan)]
    added = [Insertion(image_id=left[c]["id"], after=int(scores[:, c].argmax()) + 1) for c in best]
    return sorted([*plan, *added], key=lambda i: i["after"])
