"""`DataOptions`: how the inserter's examples are drawn from an ingested store, each default once
(`m2io train data` reads its defaults from here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from m2io_graph.config import M2IOConfig

Distractors = Literal["random", "chapter"]
DISTRACTORS: tuple[Distractors, ...] = ("random", "chapter")


@dataclass(frozen=True)
class DataOptions:
    """How examples are drawn from the chunks."""

    seed: int = 0
    negatives: float = 0.25
    """Image-free examples per positive one, in each split."""
    max_candidates: int = M2IOConfig.max_candidates
    """Gold and distractors come 1:1, so at most half of this many images are gold; the graph
    offers the inserter as many."""
    max_gold: int = 4
    max_sentences: int = 10
    """Longer passages are cut to a window that holds their images: the default inserter reads
    a few hundred tokens."""
    train: float = 0.8
    validation: float = 0.1
    """Shares of the documents in train and validation; test gets the rest."""
    variants: int = 1
    """Draws of each training passage: its window, distractors and candidate order drawn anew
    each time. A small model shown the same candidate list every epoch learns which number is
    gold instead of reading the hints; fresh draws cost nothing and validation and test keep
    one draw each, so their figures stay comparable."""
    all_test: bool = False
    """Every example in test: for a corpus held out from training."""
    distractors: Distractors = "random"
    """Where distractor images come from: any other document, or the same chapter (the images
    nearest the passage in reading order). Same-chapter distractors look like the gold ones (the
    same dialogs, the same tool), as a retriever's candidates do; random ones are easy."""
    with_context: bool = False
    """Show candidates with the sentence they followed in their source. Off by default: for a
    gold image that sentence is its gold sentence, and the model would learn to match strings
    instead of meanings."""

    def __post_init__(self) -> None:
        if min(self.max_gold, self.max_sentences, self.variants) < 1 or self.max_candidates < 2:
            raise ValueError("max_candidates must be ≥ 2; max_gold, max_sentences, variants ≥ 1")
        if self.distractors not in DISTRACTORS:
            raise ValueError(f"distractors must be one of {', '.join(DISTRACTORS)}")
        if self.negatives < 0 or not 0 <= self.train <= self.train + self.validation <= 1:
            raise ValueError("negatives must be ≥ 0 and train + validation between 0 and 1")
