"""Fitting the `cues` inserter (`m2io_graph.inserter.cues`) on inserter datasets.

Both scores are convex (a conditional logit over each gold image's gaps, a logistic regression
over candidates), so one L-BFGS run finds them: seconds on a CPU for thousands of passages of
many manuals, with no learning rate or epoch count to tune. Most of the time goes into
embedding the passages, once per distinct text.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from langchain_core.embeddings import Embeddings
from tqdm.auto import tqdm

from m2io_graph.describe import describe
from m2io_graph.inserter.cues import (
    GAP_FEATURES,
    IMAGE_FEATURES,
    CueModel,
    gap_features,
    image_features,
    open_gaps,
    sentence_cues,
)
from m2io_graph.scoring import precision_recall_f1
from m2io_graph.state import Candidate

log = logging.getLogger(__name__)

L2 = 1e-3
"""Ridge weight per example: enough to keep weights of rare cues finite, too little to matter
for the common ones."""

EMBED_BATCH = 256


class CaseSimilarities:
    """Sentences × candidates similarities of many examples, each distinct text embedded once
    (passages recur across `--variants` draws, candidates across passages)."""

    def __init__(self, embedder: Embeddings, examples: Sequence[Mapping[str, Any]]) -> None:
        texts = sorted(
            {s for e in examples for s in e["sentences"]}
            | {describe(c) for e in examples for c in e["candidates"]}
        )
        vectors: dict[str, np.ndarray] = {}
        for start in tqdm(range(0, len(texts), EMBED_BATCH), desc="embed", unit="batch"):
            batch = texts[start : start + EMBED_BATCH]
            vectors.update(zip(batch, np.asarray(embedder.embed_documents(batch)), strict=True))
        self._vectors = vectors

    def __call__(self, example: Mapping[str, Any]) -> np.ndarray:
        sentences = np.stack([self._vectors[s] for s in example["sentences"]])
        images = np.stack([self._vectors[describe(c)] for c in example["candidates"]])
        return sentences @ images.T


def _candidates(example: Mapping[str, Any]) -> list[Candidate]:
    return [Candidate(**{"score": 0.0, **c}) for c in example["candidates"]]


def _lbfgs(loss_of: Any, size: int) -> np.ndarray:
    weights = torch.zeros(size, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [weights], max_iter=500, tolerance_grad=1e-9, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = loss_of(weights)
        loss.backward()
        return loss

    optimizer.step(closure)
    return weights.detach().numpy()


GapCase = tuple[np.ndarray, np.ndarray, int]
"""A gold image's gap features, which gaps are open (`open_gaps`), and its gold gap."""


def fit_gaps(cases: Sequence[GapCase], weight: np.ndarray) -> np.ndarray:
    """Weights that make each gold gap the most likely of its image's open gaps (conditional
    logit), each case counted `weight` times."""
    width = max(len(features) for features, _, _ in cases)
    x = np.zeros((len(cases), width, len(GAP_FEATURES)))
    mask = np.full((len(cases), width), -np.inf)
    for row, (features, allowed, _) in enumerate(cases):
        x[row, : len(features)] = features
        mask[row, : len(features)][allowed] = 0.0
    xs, masks = torch.from_numpy(x), torch.from_numpy(mask)
    gold = torch.tensor([after for _, _, after in cases])
    counts = torch.from_numpy(weight / weight.sum())

    def loss(weights: torch.Tensor) -> torch.Tensor:
        logits = xs @ weights + masks
        nll = torch.nn.functional.cross_entropy(logits, gold, reduction="none")
        return (counts * nll).sum() + L2 * weights.square().sum()

    return _lbfgs(loss, len(GAP_FEATURES))


def fit_images(features: np.ndarray, shown: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Logistic regression of whether a candidate is a gold image, each row counted `weight`
    times."""
    xs, ys = torch.from_numpy(features), torch.from_numpy(shown.astype(float))
    counts = torch.from_numpy(weight / weight.sum())

    def loss(weights: torch.Tensor) -> torch.Tensor:
        bce = torch.nn.functional.binary_cross_entropy_with_logits(
            xs @ weights, ys, reduction="none"
        )
        return (counts * bce).sum() + L2 * weights[1:].square().sum()

    return _lbfgs(loss, len(IMAGE_FEATURES))


def best_threshold(probabilities: list[np.ndarray], gold: list[set[int]]) -> float:
    """The show threshold with the best mean image F1 over the training passages (the metric
    the eval reports), among 0.05..0.95."""

    def mean_f1(threshold: float) -> float:
        scores = [
            precision_recall_f1(gold=g, predicted=np.flatnonzero(p >= threshold).tolist()).f1
            for p, g in zip(probabilities, gold, strict=True)
        ]
        return float(np.mean(scores))

    return max(np.arange(0.05, 0.96, 0.05).round(2).tolist(), key=mean_f1)


def fit_cue_model(
    examples: Sequence[Mapping[str, Any]], embedder: Embeddings, trained_on: Sequence[str] = ()
) -> CueModel:
    """The cue model of `examples` (their train rows: prompts are not read, only sentences,
    paragraph ends, candidates and gold). Each corpus weighs the same, whatever its size: the
    model is for manuals it has not seen, and one big manual's habits should not drown the
    others'."""
    if not any(e["gold"] for e in examples):
        raise ValueError("no example has a gold image: nothing to learn placement from")
    sims_of = CaseSimilarities(embedder, examples)
    sizes = Counter(str(e.get("corpus", "")) for e in examples)
    gap_cases: list[GapCase] = []
    gap_weight: list[float] = []
    image_weight: list[float] = []
    image_rows: list[np.ndarray] = []
    labels: list[bool] = []
    gold_sets: list[set[int]] = []
    for example in tqdm(examples, desc="features", unit="example"):
        if not example["sentences"] or not example["candidates"]:
            continue
        sims = sims_of(example)
        cues = np.stack([sentence_cues(s) for s in example["sentences"]])
        gold = {g["image"] - 1: g["after"] for g in example["gold"]}
        share = 1.0 / sizes[str(example.get("corpus", ""))]
        ends = example["paragraph_ends"]
        allowed = open_gaps(ends, len(example["sentences"]))
        for image, after in gold.items():
            if not allowed[after]:
                continue
            gap_cases.append((gap_features(sims[:, image], cues, ends), allowed, after))
            gap_weight.append(share)
        rows = image_features(sims, _candidates(example))
        image_rows.append(rows)
        image_weight += [share] * len(rows)
        labels += [c in gold for c in range(len(rows))]
        gold_sets.append(set(gold))
    gap_weights = fit_gaps(gap_cases, np.array(gap_weight))
    image_weights = fit_images(np.concatenate(image_rows), np.array(labels), np.array(image_weight))
    model = CueModel(gap_weights, image_weights, trained_on=list(trained_on))
    threshold = best_threshold([model.show_probability(rows) for rows in image_rows], gold_sets)
    log.info(
        "cue model: %d gold placements, %d candidates, threshold %.2f",
        len(gap_cases),
        len(labels),
        threshold,
    )
    return replace(model, threshold=threshold)
