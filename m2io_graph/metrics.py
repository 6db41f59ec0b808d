"""Whole-answer metrics, as MRAMG-Bench's evaluation computes them (arXiv 2502.04176).

Image precision/recall/F1 and the ordering score come from `m2io_graph.scoring`, the code the
training rewards use too, so a model is judged by the numbers it was trained toward. Text is
scored after every image marker is taken out: a marker is not a word the reader reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from statistics import fmean
from typing import Any, NamedTuple

from m2io_graph.scoring import ordering_score, precision_recall_f1
from m2io_graph.text import normalize_space, split_sentences

_MARKERS = re.compile(
    r"!\[[^\]]*\]\([^)]*\)"  # Markdown images, as `merge` writes them
    r"|<\s*PIC\s*>"  # MRAMG's placeholder
    r"|<\s*img\s*\d*\s*>"  # <img3>, as MRAMG's answers and the Single-Shot baseline write them
    r"|<img\b[^>]*>",  # HTML <img ...>
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")


class AnswerScores(NamedTuple):
    """One answer's scores, each in 0..1; `macro_average` turns many into MRAMG's ×100 table.
    The text scores are None when the question has no reference answer to compare with."""

    precision: float
    recall: float
    f1: float
    ordering: float
    rouge_l: float | None
    bleu: float | None


def strip_images(text: str) -> str:
    """The text a reader reads: image markers of every convention removed."""
    return normalize_space(_MARKERS.sub(" ", text))


@lru_cache(maxsize=1)
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)


def rouge_lsum(*, reference: str, prediction: str) -> float:
    """ROUGE-Lsum F-measure with stemming; sentences on their own lines, as Lsum expects."""
    lines = ["\n".join(split_sentences(strip_images(t))) for t in (reference, prediction)]
    return float(_rouge().score(lines[0], lines[1])["rougeLsum"].fmeasure)


def bleu(*, reference: str, prediction: str) -> float:
    """Sentence BLEU-4 on lowercased words, smoothed (method 1) so that an answer with no 4-gram
    in common scores low rather than exactly zero, and reweighted for answers under four words."""
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    ref, hyp = (_WORDS.findall(strip_images(t).lower()) for t in (reference, prediction))
    if not ref or not hyp:
        return float(ref == hyp)
    return float(
        sentence_bleu([ref], hyp, smoothing_function=SmoothingFunction().method1, auto_reweigh=True)
    )


def score_answer(
    *,
    gold_images: Sequence[str],
    predicted_images: Sequence[str],
    reference: str,
    prediction: str,
) -> AnswerScores:
    """All of MRAMG's objective scores for one answer. Image sequences are in reading order,
    repeats kept (the ordering score charges for them)."""
    prf = precision_recall_f1(gold=gold_images, predicted=predicted_images)
    has_text = bool(strip_images(reference))
    return AnswerScores(
        prf.precision,
        prf.recall,
        prf.f1,
        ordering_score(gold=gold_images, predicted=predicted_images),
        rouge_lsum(reference=reference, prediction=prediction) if has_text else None,
        bleu(reference=reference, prediction=prediction) if has_text else None,
    )


def macro_average(rows: Iterable[AnswerScores]) -> dict[str, float | None]:
    """Mean over answers, ×100 as MRAMG reports; a text score averages the answers that have a
    reference, and is None when none has."""
    rows = list(rows)
    means: dict[str, float | None] = {}
    for field in AnswerScores._fields:
        values = [v for v in (getattr(r, field) for r in rows) if v is not None]
        means[field] = 100 * fmean(values) if values else (0.0 if not rows else None)
    return means
