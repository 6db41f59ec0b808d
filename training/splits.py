"""Which split each document's examples go to: by document, so no page lends passages to both
training and test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from m2io_graph.corpus.chunking import StoredChunk
from training.dataset_options import DataOptions

SPLITS = ("train", "validation", "test")


def assign_splits(chunks: Iterable[StoredChunk], options: DataOptions) -> dict[str, str]:
    """doc_id → split. Documents are taken in the order of a hash of their id (stable across
    runs, seeds and machines) and cut where the running count of passages with images passes
    the train and validation shares, judged at each document's middle; `all_test` puts every
    document in test.

    Cutting by count rather than by each hash alone keeps the shares near 80/10/10 on small
    corpora, where one long page would otherwise fill a split. The price: adding documents can
    move a document across a cut, so a corpus meant to stay unseen is built on its own with
    `all_test`.
    """
    weights: dict[str, int] = {}
    for chunk in chunks:
        weights[chunk.doc_id] = weights.get(chunk.doc_id, 0) + bool(chunk.images)
    if options.all_test:
        return dict.fromkeys(weights, "test")
    total, done, splits = max(sum(weights.values()), 1), 0, {}
    for doc_id in sorted(weights, key=lambda d: (hashlib.sha256(d.encode()).digest(), d)):
        middle = (done + weights[doc_id] / 2) / total
        done += weights[doc_id]
        if middle < options.train:
            splits[doc_id] = "train"
        else:
            splits[doc_id] = "validation" if middle < options.train + options.validation else "test"
    return splits
